/* check.c: the holdout, counts and likelihood checks, streamed. */
#include "model/check.h"

#include <math.h>
#include <stdlib.h>

#include "base/err.h"

struct flo_check {
	struct flo_purchase_model f;
	unsigned K;
	double holdout;
	struct flo_errstats *bucket; /* K + 2: 0..K, then all */
	double *actual, *expected;   /* K + 1 each: the counts */
	double *pk;                  /* K: one customer's P(X(T) = n) */
	double customers, loglik;
};

void flo_errstats_add(struct flo_errstats *s, double a, double e)
{
	double d = e - a, da, de;

	s->n += 1;
	s->sum_actual += a;
	s->sum_expected += e;
	s->sum_abs += fabs(d);
	s->sum_sq += d * d;
	/* co-moments updated one customer at a time (Welford 1962), so that a
	 * correlation near 1 over a million customers keeps its digits */
	da = a - s->mean_a;
	de = e - s->mean_e;
	s->mean_a += da / s->n;
	s->mean_e += de / s->n;
	s->m2_a += da * (a - s->mean_a);
	s->m2_e += de * (e - s->mean_e);
	s->c_ae += da * (e - s->mean_e);
}

void flo_errstats_result(const struct flo_errstats *s, struct flo_errors *e)
{
	*e = (struct flo_errors){0};
	e->customers = s->n;
	e->sum_actual = s->sum_actual;
	e->sum_expected = s->sum_expected;
	if (s->n > 0) {
		e->mean_actual = s->sum_actual / s->n;
		e->mean_expected = s->sum_expected / s->n;
		e->mae = s->sum_abs / s->n;
		e->rmse = sqrt(s->sum_sq / s->n);
	}
	/* undefined without spread on either side */
	if (s->n > 1 && s->m2_a > 0 && s->m2_e > 0) {
		e->corr = fmax(-1.0, fmin(1.0, s->c_ae / sqrt(s->m2_a * s->m2_e)));
		e->has_corr = 1;
	}
	if (s->sum_actual > 0) {
		e->error_pct = 100.0 * (s->sum_expected - s->sum_actual) / s->sum_actual;
		e->has_error_pct = 1;
	}
}

int flo_check_new(flo_check **out, const struct flo_purchase_model *f, unsigned K, double holdout)
{
	flo_check *c;

	*out = NULL;
	if (K < 1 || !(holdout >= 0 && isfinite(holdout)))
		return FLO_EUSAGE;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return FLO_ENOMEM;
	c->f = *f;
	c->K = K;
	c->holdout = holdout;
	c->bucket = calloc((size_t)K + 2, sizeof *c->bucket);
	c->actual = calloc((size_t)K + 1, sizeof *c->actual);
	c->expected = calloc((size_t)K + 1, sizeof *c->expected);
	c->pk = calloc(K, sizeof *c->pk);
	if (c->bucket == NULL || c->actual == NULL || c->expected == NULL || c->pk == NULL) {
		flo_check_free(c);
		return FLO_ENOMEM;
	}
	*out = c;
	return FLO_OK;
}

void flo_check_free(flo_check *c)
{
	if (c == NULL)
		return;
	free(c->bucket);
	free(c->actual);
	free(c->expected);
	free(c->pk);
	free(c);
}

int flo_check_add(flo_check *c, double x, double tx, double T, int has_actual, double actual)
{
	const void *p = c->f.params;
	unsigned K = c->K, k = x < K ? (unsigned)x : K;
	double ll = c->f.loglik(p, x, tx, T), e = 0.0, rest = 1.0, *pk = c->pk;
	int ok = isfinite(ll);

	if (has_actual) {
		e = c->f.expected(p, x, tx, T, c->holdout);
		ok = ok && isfinite(e);
	}
	/* FHL 2005 figure 3: a customer of age T has made n repeat purchases
	 * with P(X(T) = n), eq. (8); the last bucket takes the rest */
	for (unsigned n = 0; n < K; n++) {
		pk[n] = c->f.prob_count(p, T, n);
		ok = ok && isfinite(pk[n]);
	}
	if (ok) {
		for (unsigned n = 0; n < K; n++) {
			c->expected[n] += pk[n];
			rest -= pk[n];
		}
		c->expected[K] += fmax(0.0, rest);
		c->actual[k] += 1;
		c->customers += 1;
		c->loglik += ll;
		if (has_actual) {
			flo_errstats_add(&c->bucket[k], actual, e);
			flo_errstats_add(&c->bucket[K + 1], actual, e);
		}
	}
	return ok ? FLO_OK : FLO_ERANGE;
}

void flo_check_holdout(const flo_check *c, unsigned k, struct flo_errors *e)
{
	flo_errstats_result(&c->bucket[k <= c->K + 1 ? k : c->K + 1], e);
}

void flo_check_counts(const flo_check *c, unsigned k, double *actual, double *expected)
{
	if (k > c->K)
		k = c->K;
	*actual = c->actual[k];
	*expected = c->expected[k];
}

void flo_check_loglik(const flo_check *c, double *customers, double *loglik)
{
	*customers = c->customers;
	*loglik = c->loglik;
}

void flo_check_matrix_cell(const struct flo_purchase_model *f, double x, double tx, double T, double t,
			   double *expected, double *alive)
{
	*expected = f->expected(f->params, x, tx, T, t);
	*alive = f->p_alive(f->params, x, tx, T);
}
