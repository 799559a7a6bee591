/* test_fit.c: the fitter's numerics and fits.
 *
 * The summed log-likelihoods and their derivatives are checked against the
 * per-customer functions of bgnbd.c and gg.c (themselves checked against
 * 30-50 digit references in test_bgnbd.c and test_gg.c), the Hessians
 * against central differences of those functions' gradients, the trigamma
 * differences and the BG/NBD's limit a, b -> infinity against mpmath
 * (scripts/golden/fit_golden.py), and the fits on data simulated from known
 * parameters.  The compaction of observations is checked against qsort. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_psi.h>

#include "model/bgnbd.h"
#include "check.h"
#include "base/err.h"
#include "model/fit.h"
#include "model/fitlik.h"
#include "model/fitreport.h"
#include "model/gg.h"
#include "model/pnbd.h"
#include "base/radix.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* y, x, psi1(y+x) - psi1(y): fit_golden.py. */
static const double trigamma_gold[][3] = {
	{ 0.243, 1.0, -16.935087808430287578 },
	{ 0.243, 200.0, -18.136773364285916338 },
	{ 2.7, 3.0, -0.25548958288850736171 },
	{ 2.7, 0.5, -0.080890878186922835498 },
	{ 9.99, 7.25, -0.045557535987276541867 },
	{ 10.0, 1.0, -0.01 },
	{ 55.5, 0.125, -0.00004122521370818856667 },
	{ 1000.0, 50.0, -0.000047665555573544956404 },
	{ 1e12, 3.0, -2.999999999994e-24 },
	{ 1e30, 10000.0, -9.9999999999999981346e-57 },
	{ 1e-8, 2.0, -10000000000000000.582 },
	{ 0.47, 4.15, -5.2457011071870144978 },
};

/* x, t_x, T, weight: the data of fit_golden.py. */
static const struct flo_triple golden_data[] = {
	{ 0, 0, 40, 3 }, { 1, 1.571428571, 20.857142857, 2 }, { 2, 30.43, 38.86, 1 },
	{ 10, 30, 39, 1 }, { 5, 10, 52, 2.5 }, { 200, 38, 40, 1 }, { 1, 5, 5, 1 },
};

/* r, alpha, mu, sum w ln L of the limit tau = 1/(a+b) = 0, and its
 * derivative in tau there: fit_golden.py (the tau form of FHL eq. (6), the
 * derivative by numerical differentiation at 40 digits). */
static const double limit_gold[][5] = {
	{ 2.744, 72.4, 2e-4, -172.07749762975366986, 2.4358560979753847334 },
	{ 0.243, 4.414, 0.3, -50.757382030582841764, 8249.3601497165360178 },
	{ 1.5, 20, 0.9, -527.8298176744882354, 177551.35004367531896 },
};

static void test_trigamma(void)
{
	for (size_t i = 0; i < N(trigamma_gold); i++) {
		const double *g = trigamma_gold[i];
		CHECK_NEAR(flo_trigamma_diff(g[0], g[1]), g[2], 1e-14);
	}
	/* GSL's trigamma, where the difference keeps its digits */
	for (double y = 0.05; y < 40; y *= 1.7)
		for (double x = 0.3; x < 300; x *= 3.1)
			CHECK_NEAR(flo_trigamma_diff(y, x), gsl_sf_psi_1(y + x) - gsl_sf_psi_1(y),
				   1e-11);
	CHECK(flo_trigamma_diff(3.5, 0) == 0);
}

/* ---- summed likelihoods against the per-customer functions ---- */

static double bg_sum(const struct flo_triple *d, size_t n, const double *phi, double *g)
{
	struct flo_bgnbd m = { exp(phi[0]), exp(phi[1]), exp(phi[2]), exp(phi[3]) };
	double ll = 0, gi[4];
	if (g)
		memset(g, 0, 4 * sizeof *g);
	for (size_t i = 0; i < n; i++) {
		ll += d[i].w * flo_bgnbd_loglik_grad(&m, d[i].x, d[i].tx, d[i].T, gi);
		for (int k = 0; g && k < 4; k++)
			g[k] += d[i].w * gi[k];
	}
	return ll;
}

static double gg_sum(const struct flo_spend *d, size_t n, const double *phi, double *g)
{
	struct flo_gg m = { exp(phi[0]), exp(phi[1]), exp(phi[2]) };
	double ll = 0, gi[3];
	if (g)
		memset(g, 0, 3 * sizeof *g);
	for (size_t i = 0; i < n; i++) {
		ll += d[i].w * flo_gg_loglik_grad(&m, d[i].x, d[i].m, gi);
		for (int k = 0; g && k < 3; k++)
			g[k] += d[i].w * gi[k];
	}
	return ll;
}

/* Check hess (np x np) against central differences of grad_at in phi. */
static void check_hessian(const double *phi, int np, const double *hess,
			  void (*grad_at)(const double *phi, double *g, const void *ctx),
			  const void *ctx)
{
	double scale = 0;
	for (int k = 0; k < np * np; k++)
		scale = fmax(scale, fabs(hess[k]));
	for (int j = 0; j < np; j++) {
		double up[4], dn[4], gu[4], gd[4], h = 1e-5;
		memcpy(up, phi, (size_t)np * sizeof *phi);
		memcpy(dn, phi, (size_t)np * sizeof *phi);
		up[j] += h;
		dn[j] -= h;
		grad_at(up, gu, ctx);
		grad_at(dn, gd, ctx);
		for (int k = 0; k < np; k++)
			CHECK_ABS(hess[j * np + k], (gu[k] - gd[k]) / (2 * h), 1e-6 * scale);
	}
}

struct bg_data {
	const struct flo_triple *d;
	size_t n;
};

static void bg_grad_at(const double *phi, double *g, const void *ctx)
{
	const struct bg_data *b = ctx;
	bg_sum(b->d, b->n, phi, g);
}

static void test_bgnbd_sums(void)
{
	static const double params[][4] = {
		{ 0.243, 4.414, 0.793, 2.426 },
		{ 2.725321740632131, 72.66677564237696, 8.110876565036794e-23, 6.699991154257477e-14 },
		{ 0.8, 20, 0.6, 1e12 },
		{ 3, 30, 50, 200 },
		{ 2.744, 72.4, 2e22, 1e26 },
	};
	struct bg_data data = { golden_data, N(golden_data) };
	for (size_t i = 0; i < N(params); i++) {
		const double *p = params[i];
		double phi[4] = { log(p[0]), log(p[1]), log(p[2]), log(p[3]) };
		double ll, g[4], h[16], want_g[4];
		double want = bg_sum(golden_data, N(golden_data), phi, want_g);
		CHECK(flo_fit_bgnbd_loglik(golden_data, N(golden_data), p, 0, &ll, g, h, NULL) ==
		      FLO_OK);
		CHECK_NEAR(ll, want, 1e-12);
		for (int k = 0; k < 4; k++)
			CHECK_ABS(g[k], want_g[k], 1e-9 * fmax(1, fabs(want_g[k])));
		check_hessian(phi, 4, h, bg_grad_at, &data);
		for (int j = 0; j < 4; j++) /* symmetric */
			for (int k = 0; k < j; k++)
				CHECK(h[j * 4 + k] == h[k * 4 + j]);
	}
}

struct gg_data {
	const struct flo_spend *d;
	size_t n;
};

static void gg_grad_at(const double *phi, double *g, const void *ctx)
{
	const struct gg_data *b = ctx;
	gg_sum(b->d, b->n, phi, g);
}

static void test_gg_sums(void)
{
	static const struct flo_spend d[] = {
		{ 1, 20, 2 }, { 2, 35.5, 1 }, { 6, 100, 1.5 }, { 50, 10, 1 }, { 1000, 44.2, 1 },
		{ 3, 0.01, 1 },
	};
	static const double params[][3] = {
		{ 6.25, 3.74, 15.44 }, { 3.8, 0.47, 9.1 }, { 0.001, 2.5, 1e8 }, { 1e6, 5, 1e-5 },
	};
	struct gg_data data = { d, N(d) };
	for (size_t i = 0; i < N(params); i++) {
		const double *p = params[i];
		double phi[3] = { log(p[0]), log(p[1]), log(p[2]) };
		double ll, g[3], h[9], want_g[3];
		double want = gg_sum(d, N(d), phi, want_g);
		/* The fitter's (p x - 1) ln m - (p x + q) ln(v + x m) cancels where
		 * p x is huge (the last set: p x = 1e9); gg.c regroups the logs at
		 * the price of a second one per customer. */
		double tol = i + 1 < N(params) ? 1e-11 : 1e-8;
		CHECK(flo_fit_gg_loglik(d, N(d), p, &ll, g, h) == FLO_OK);
		CHECK_NEAR(ll, want, tol);
		for (int k = 0; k < 3; k++)
			CHECK_ABS(g[k], want_g[k], 100 * tol * fmax(1, fabs(want_g[k])));
		check_hessian(phi, 3, h, gg_grad_at, &data);
	}
}

/* ---- the limit a, b -> infinity ---- */

/* The tau form of the Beta parts (fit.c, "The ridge") against lnpoch at
 * moderate a and b: the identity the limit rests on. */
static void test_tau_form(void)
{
	static const double ab[][2] = { { 0.8, 2.5 }, { 50, 200 }, { 3e3, 1e5 }, { 0.01, 40 } };
	for (size_t i = 0; i < N(ab); i++) {
		double a = ab[i][0], b = ab[i][1], mu = a / (a + b), tau = 1 / (a + b);
		for (int x = 1; x <= 300; x = 3 * x + 1) {
			double prod = 0;
			for (int j = 0; j < x; j++)
				prod += log1p(-mu / (1 + j * tau));
			/* the lnpoch form subtracts numbers of size x ln b */
			double lb = flo_lnpoch(b, x);
			CHECK_ABS(prod, lb - flo_lnpoch(a + b, x), 1e-14 * fmax(1, fabs(lb)));
			CHECK_NEAR(mu / (1 - mu + (x - 1) * tau), a / (b + (x - 1)), 1e-14);
		}
	}
}

/* The limit's log-likelihood at tau = 0, written out directly. */
static double limit_direct(double r, double alpha, double mu)
{
	double ll = 0;
	for (size_t i = 0; i < N(golden_data); i++) {
		const struct flo_triple *c = &golden_data[i];
		double x = c->x, alive = -(r + x) * log(alpha + c->T);
		double dead = log(mu / (1 - mu)) - (r + x) * log(alpha + c->tx);
		double m = fmax(alive, dead);
		double tail = x > 0 ? m + log(exp(alive - m) + exp(dead - m)) : alive;
		ll += c->w * (lgamma(r + x) - lgamma(r) + r * log(alpha) + x * log1p(-mu) + tail);
	}
	return ll;
}

struct limit_at {
	int dummy;
};

static void limit_grad_at(const double *phi, double *g, const void *ctx)
{
	(void)ctx;
	double mu = 1 / (1 + exp(-phi[2])), p[3] = { exp(phi[0]), exp(phi[1]), mu }, ll;
	flo_fit_bgnbd_loglik(golden_data, N(golden_data), p, 1, &ll, g, NULL, NULL);
}

static void test_limit(void)
{
	for (size_t i = 0; i < N(limit_gold); i++) {
		const double *gold = limit_gold[i];
		double ll, g[3], h[9], slope;
		CHECK(flo_fit_bgnbd_loglik(golden_data, N(golden_data), gold, 1, &ll, g, h,
					   &slope) == FLO_OK);
		CHECK_NEAR(ll, gold[3], 1e-12);
		CHECK_NEAR(ll, limit_direct(gold[0], gold[1], gold[2]), 1e-12);
		CHECK_NEAR(slope, gold[4], 1e-10);
		/* the gradient against differences of the value, in (ln r, ln
		 * alpha, logit mu) */
		double phi[3] = { log(gold[0]), log(gold[1]), log(gold[2] / (1 - gold[2])) };
		for (int k = 0; k < 3; k++) {
			double up[3], dn[3], hh = 1e-6, fu, fd;
			memcpy(up, phi, sizeof up);
			memcpy(dn, phi, sizeof dn);
			up[k] += hh;
			dn[k] -= hh;
			fu = limit_direct(exp(up[0]), exp(up[1]), 1 / (1 + exp(-up[2])));
			fd = limit_direct(exp(dn[0]), exp(dn[1]), 1 / (1 + exp(-dn[2])));
			CHECK_ABS(g[k], (fu - fd) / (2 * hh), 1e-6 * fmax(1, fabs(g[k])));
		}
		check_hessian(phi, 3, h, limit_grad_at, NULL);
		/* the full model close to the limit: ln L(tau) = ln L(0) + tau slope
		 * + O(tau^2) */
		double tau = 1e-9, full[4] = { gold[0], gold[1], gold[2] / tau, (1 - gold[2]) / tau };
		double ll_full;
		flo_fit_bgnbd_loglik(golden_data, N(golden_data), full, 0, &ll_full, NULL, NULL, NULL);
		CHECK_ABS(ll_full, ll + tau * slope, 1e-9 * fabs(ll));
	}
}

/* ---- fits on simulated data ---- */

/* n customers from the BG/NBD's story (FHL section 2), observed for T
 * uniform in [30, 80]; dropout p ~ Beta(a, b), or p = mu for all when b is 0. */
static struct flo_triple *simulate(gsl_rng *rng, size_t n, double r, double alpha, double a,
				   double b)
{
	struct flo_triple *d = malloc(n * sizeof *d);
	for (size_t i = 0; d && i < n; i++) {
		double lambda = gsl_ran_gamma(rng, r, 1 / alpha);
		double p = b > 0 ? gsl_ran_beta(rng, a, b) : a;
		double T = 30 + 50 * gsl_rng_uniform(rng), t = 0, tx = 0, x = 0;
		for (;;) {
			t += gsl_ran_exponential(rng, 1 / lambda);
			if (t > T)
				break;
			x++;
			tx = t;
			if (gsl_rng_uniform(rng) < p)
				break;
		}
		d[i] = (struct flo_triple){ x, tx, T, 1 };
	}
	return d;
}

static double grad_norm_bg(const struct flo_triple *d, size_t n, const struct flo_fit_result *f)
{
	double ll, g[4], w = 0;
	flo_fit_bgnbd_loglik(d, n, f->params, 0, &ll, g, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		w += d[i].w;
	return sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3]) / w;
}

static void check_recovery(const struct flo_fit_result *f, const double *truth)
{
	CHECK(f->converged);
	CHECK(f->has_se);
	for (int j = 0; j < f->np; j++)
		CHECK(fabs(f->params[j] - truth[j]) < 4 * f->se[j]);
}

static void test_fit_interior(gsl_rng *rng)
{
	const double truth[4] = { 0.5, 6, 0.8, 3 };
	struct flo_fit_options o = { 0, 0, NULL, NULL, 0 };
	struct flo_fit_result f;
	/* small: Newton from the best start */
	size_t n = 4000;
	struct flo_triple *d = simulate(rng, n, truth[0], truth[1], truth[2], truth[3]);
	n = flo_triples_compact(d, n);
	CHECK(flo_fit_bgnbd(d, n, &o, &f) == FLO_OK);
	check_recovery(&f, truth);
	CHECK(grad_norm_bg(d, n, &f) < 1e-7);
	CHECK(f.iterations > 0 && f.iterations < 30);
	CHECK(f.params[2] + f.params[3] < 1e6);
	free(d);
	/* large (continuous T: every customer distinct): from a sample's fit */
	n = 70000;
	d = simulate(rng, n, truth[0], truth[1], truth[2], truth[3]);
	n = flo_triples_compact(d, n);
	CHECK(n > 60000);
	CHECK(flo_fit_bgnbd(d, n, &o, &f) == FLO_OK);
	check_recovery(&f, truth);
	CHECK(grad_norm_bg(d, n, &f) < 1e-7);
	CHECK(f.iterations > 0 && f.iterations <= 4);
	/* on a helper the caller keeps, shared by the fit and its sample's: the
	 * same estimates, to the last bit (the sums split the same way) */
	struct flo_fit_result g;
	o.pool = flo_pool_start();
	CHECK(flo_fit_bgnbd(d, n, &o, &g) == FLO_OK);
	flo_pool_stop(o.pool);
	o.pool = NULL;
	CHECK(memcmp(f.params, g.params, sizeof f.params) == 0);
	free(d);
}

/* Every customer drops out with the same probability (5%).  In about half
 * of such samples the maximum is on the boundary a, b -> infinity (seed 1),
 * reported at a + b = 1e30 with the limit's a/(a+b); in the others (seed 2)
 * the sample shows some spread and the maximum is interior, where the
 * limit's slope in tau is positive.  A penalty keeps a and b finite. */
static void test_fit_ridge(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 1);
	size_t n = 20000;
	struct flo_triple *d = simulate(rng, n, 1.5, 10, 0.05, 0);
	n = flo_triples_compact(d, n);
	struct flo_fit_options o = { 0, 0, NULL, NULL, 0 };
	struct flo_fit_result f;
	CHECK(flo_fit_bgnbd(d, n, &o, &f) == FLO_OK);
	double a = f.params[2], b = f.params[3], mu = a / (a + b);
	CHECK_NEAR(a + b, 1e30, 1e-12);
	CHECK(fabs(mu - 0.05) < 0.005);
	CHECK(f.converged);
	CHECK(!f.has_se);
	CHECK(grad_norm_bg(d, n, &f) < 1e-7);
	/* the limit's maximum: zero gradient, a slope in tau <= 0, and the
	 * reported log-likelihood is the limit's */
	double p[3] = { f.params[0], f.params[1], mu }, ll, g[3], slope;
	flo_fit_bgnbd_loglik(d, n, p, 1, &ll, g, NULL, &slope);
	CHECK(slope <= 0);
	CHECK(sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) < 1e-7 * n);
	CHECK_NEAR(f.loglik, ll, 1e-14);
	/* the full model at interior points along the ridge does worse */
	for (double tau = 1e-1; tau > 1e-7; tau /= 10) {
		double q[4] = { f.params[0], f.params[1], mu / tau, (1 - mu) / tau }, l2;
		flo_fit_bgnbd_loglik(d, n, q, 0, &l2, NULL, NULL, NULL);
		CHECK(l2 < ll);
	}
	/* the limit's profile in logit mu at the estimate's r and alpha is the
	 * estimate's logit mu, where the limit's score in logit mu is zero */
	struct flo_problem prob;
	CHECK(flo_problem_bgnbd(&prob, d, n) == FLO_OK);
	prob.np = 3;
	double at[3] = { log(f.params[0]), log(f.params[1]), 0 }, logit;
	CHECK(flo_lik_limit_profile(&prob, at, &logit) == 1);
	CHECK_NEAR(logit, log(mu / (1 - mu)), 1e-5);
	/* searched from far on either side, the same root */
	at[2] = -30;
	CHECK(flo_lik_limit_profile(&prob, at, &logit) == 1);
	CHECK_NEAR(logit, log(mu / (1 - mu)), 1e-5);
	at[2] = 35;
	CHECK(flo_lik_limit_profile(&prob, at, &logit) == 1);
	CHECK_NEAR(logit, log(mu / (1 - mu)), 1e-5);
	/* away from the estimate's r and alpha: the score in logit mu alone
	 * is zero there */
	double off[3] = { log(f.params[0]) + 0.3, log(f.params[1]) - 0.2, -2 };
	CHECK(flo_lik_limit_profile(&prob, off, &logit) == 1);
	double pm[3] = { exp(off[0]), exp(off[1]), 1 / (1 + exp(-logit)) }, gm[3], lm;
	flo_fit_bgnbd_loglik(d, n, pm, 1, &lm, gm, NULL, NULL);
	CHECK(fabs(gm[2]) < 1e-6 * n);
	flo_problem_free(&prob);
	/* customers who all bought at T have z = 1: the likelihood only falls
	 * as mu grows, and there is no maximum inside */
	struct flo_triple fresh[] = { { 1, 10, 10, 1 }, { 3, 20, 20, 2 }, { 0, 0, 5, 1 } };
	CHECK(flo_problem_bgnbd(&prob, fresh, 3) == FLO_OK);
	at[2] = -2;
	CHECK(flo_lik_limit_profile(&prob, at, &logit) == 0);
	flo_problem_free(&prob);
	/* a penalty grows without bound along the ridge */
	o.penalizer = 0.001;
	CHECK(flo_fit_bgnbd(d, n, &o, &f) == FLO_OK);
	CHECK(f.converged);
	CHECK(f.params[2] + f.params[3] < 1e6);
	free(d);

	gsl_rng_set(rng, 2);
	n = 20000;
	d = simulate(rng, n, 1.5, 10, 0.05, 0);
	n = flo_triples_compact(d, n);
	o.penalizer = 0;
	CHECK(flo_fit_bgnbd(d, n, &o, &f) == FLO_OK);
	a = f.params[2], b = f.params[3], mu = a / (a + b);
	CHECK(f.converged);
	CHECK(f.has_se);
	CHECK(a + b > 50 && a + b < 1e4);
	CHECK(grad_norm_bg(d, n, &f) < 1e-7);
	double q[3] = { f.params[0], f.params[1], mu };
	flo_fit_bgnbd_loglik(d, n, q, 1, &ll, g, NULL, &slope);
	CHECK(ll < f.loglik);
	free(d);
	gsl_rng_free(rng);
}

static void test_fit_gg(gsl_rng *rng)
{
	const double truth[3] = { 6.25, 3.74, 15.44 };
	size_t n = 5000;
	struct flo_spend *d = malloc(n * sizeof *d);
	for (size_t i = 0; i < n; i++) {
		double nu = gsl_ran_gamma(rng, truth[1], 1 / truth[2]), sum = 0;
		unsigned x = 1 + gsl_rng_uniform_int(rng, 12);
		for (unsigned k = 0; k < x; k++)
			sum += gsl_ran_gamma(rng, truth[0], 1 / nu);
		d[i] = (struct flo_spend){ x, sum / x, 1 };
	}
	n = flo_spend_compact(d, n);
	struct flo_fit_options o = { 0, 0, NULL, NULL, 0 };
	struct flo_fit_result f;
	CHECK(flo_fit_gg(d, n, &o, &f) == FLO_OK);
	check_recovery(&f, truth);
	double ll, g[3];
	flo_fit_gg_loglik(d, n, f.params, &ll, g, NULL);
	CHECK(sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) / 5000 < 1e-7);
	CHECK_NEAR(f.loglik, ll, 1e-14);
	free(d);
}

/* ---- compaction ---- */

static int by_row(const void *a, const void *b)
{
	const double *x = a, *y = b;
	for (int c = 0; c < 3; c++)
		if (x[c] != y[c])
			return x[c] < y[c] ? -1 : 1;
	return 0;
}

/* What compaction must give: a stable sort, then equal rows merged with
 * their weights added in order. */
static size_t reference(struct flo_triple *d, size_t n)
{
	if (n == 0)
		return 0;
	qsort(d, n, sizeof *d, by_row); /* glibc's qsort is a stable merge sort */
	size_t m = 1;
	for (size_t i = 1; i < n; i++) {
		if (by_row(&d[m - 1], &d[i]) == 0)
			d[m - 1].w += d[i].w;
		else
			d[m++] = d[i];
	}
	return m;
}

static void check_same(const struct flo_triple *got, size_t ngot, const struct flo_triple *want,
		       size_t nwant)
{
	CHECK_INT(ngot, nwant);
	int same = ngot == nwant;
	for (size_t i = 0; same && i < ngot; i++)
		same = memcmp(&got[i], &want[i], sizeof got[i]) == 0;
	CHECK(same);
}

static struct flo_triple random_triple(gsl_rng *rng, int spread)
{
	static const double odd[] = { -0.0, 0.0, -3.5, 1e300, -INFINITY, INFINITY, 5e-324 };
	double v[3];
	for (int c = 0; c < 3; c++) {
		unsigned k = gsl_rng_uniform_int(rng, (unsigned long)spread);
		v[c] = k < N(odd) && gsl_rng_uniform(rng) < 0.05 ? odd[k] : k / 7.0;
	}
	/* fractional weights: the order of addition shows in the last bits */
	return (struct flo_triple){ v[0], v[1], v[2], 0.1 + gsl_rng_uniform_int(rng, 3) / 3.0 };
}

/* The row counts and value spreads (distinct values per column, about)
 * that compaction and indexing are tried on. */
static const size_t row_counts[] = { 1, 2, 10, 1000, 70000 };
static const int row_spreads[] = { 3, 40, 5000, 100000 };

/* n random rows into *a, and a copy into *b (malloc'd). */
static void random_rows(gsl_rng *rng, size_t n, int spread, struct flo_triple **a,
			struct flo_triple **b)
{
	*a = malloc(n * sizeof **a);
	*b = malloc(n * sizeof **b);
	for (size_t i = 0; i < n; i++)
		(*a)[i] = random_triple(rng, spread);
	memcpy(*b, *a, n * sizeof **a);
}

/* The BG/NBD's indexing merges equal rows itself: what it indexes are the
 * rows flo_triples_compact() gives, in its order, with weights added in the
 * same order, from rows in any order.  x indexes the distinct x, and T and
 * t_x the distinct values of the two together. */
static void test_index(gsl_rng *rng)
{
	for (size_t s = 0; s < N(row_counts); s++)
		for (size_t k = 0; k < N(row_spreads); k++) {
			size_t n = row_counts[s];
			struct flo_triple *a, *b;
			random_rows(rng, n, row_spreads[k], &a, &b);
			size_t m = reference(b, n);
			struct flo_problem p;
			CHECK(flo_problem_bgnbd(&p, a, n) == FLO_OK);
			CHECK_INT(p.n, m);
			int same = p.n == m;
			for (size_t i = 0; same && i < m; i++) {
				const struct flo_obs *o = &p.obs[i];
				/* == : -0 and +0 are one value */
				same = p.xs.v[o->xi] == b[i].x && p.ts.v[o->ui] == b[i].tx &&
				       p.ts.v[o->ti] == b[i].T && o->w == b[i].w;
			}
			CHECK(same);
			/* each column's values distinct and in order */
			const struct flo_values *col[] = { &p.xs, &p.ts };
			for (size_t c = 0; c < N(col); c++)
				for (size_t i = 1; i < col[c]->n; i++)
					CHECK(col[c]->v[i - 1] < col[c]->v[i]);
			flo_problem_free(&p);
			free(a);
			free(b);
		}
	/* 2^21 + 2 distinct x and as many distinct times: ranks of 22 bits,
	 * 66 packed, too wide for the one sort; the other path compacts a
	 * copy */
	size_t n = ((size_t)1 << 21) + 2;
	struct flo_triple *d = malloc(n * sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = (struct flo_triple){ (double)(n - i), (double)i / 2, (double)i / 2 + 0.25, 1 };
	d[n - 1] = d[0]; /* one duplicate, last */
	struct flo_problem p;
	CHECK(flo_problem_bgnbd(&p, d, n) == FLO_OK);
	CHECK_INT(p.n, n - 1);
	int ok = p.n == n - 1;
	for (size_t i = 0; ok && i < p.n; i++) { /* by x: the rows backwards */
		const struct flo_triple *r = &d[p.n - 1 - i];
		const struct flo_obs *o = &p.obs[i];
		ok = p.xs.v[o->xi] == r->x && p.ts.v[o->ui] == r->tx && p.ts.v[o->ti] == r->T &&
		     o->w == (p.n - 1 - i == 0 ? 2 : 1);
	}
	CHECK(ok);
	flo_problem_free(&p);
	free(d);
}

static void test_compact(gsl_rng *rng)
{
	for (size_t s = 0; s < N(row_counts); s++)
		for (size_t k = 0; k < N(row_spreads); k++) {
			size_t n = row_counts[s];
			struct flo_triple *a, *b;
			random_rows(rng, n, row_spreads[k], &a, &b);
			check_same(a, flo_triples_compact(a, n), b, reference(b, n));
			/* as flo-fit fills its buffer: a compacted front, then more rows */
			size_t front = reference(b, n / 2);
			memcpy(a, b, front * sizeof *a);
			for (size_t i = front; i < n; i++)
				a[i] = b[i] = random_triple(rng, row_spreads[k]);
			check_same(a, flo_triples_compact(a, n), b, reference(b, n));
			free(a);
			free(b);
		}
	/* NaN: no radix order; qsort keeps every weight */
	struct flo_triple d[] = { { 1, NAN, 3, 1 }, { 1, 2, 3, 2 }, { 0, 0, 1, 4 } };
	size_t m = flo_triples_compact(d, N(d));
	double w = 0;
	for (size_t i = 0; i < m; i++)
		w += d[i].w;
	CHECK(w == 7);
	CHECK_INT(flo_triples_compact(NULL, 0), 0);
	/* spend pairs */
	struct flo_spend sp[] = { { 2, 5.5, 1 }, { 1, 3, 1 }, { 2, 5.5, 0.5 }, { 1, 3, 2 },
				  { 1, 2, 1 } };
	CHECK_INT(flo_spend_compact(sp, N(sp)), 3);
	CHECK(sp[0].x == 1 && sp[0].m == 2 && sp[0].w == 1);
	CHECK(sp[1].x == 1 && sp[1].m == 3 && sp[1].w == 3);
	CHECK(sp[2].x == 2 && sp[2].m == 5.5 && sp[2].w == 1.5);
}

static void test_radix(gsl_rng *rng)
{
	static const double order[] = { -INFINITY, -1e300, -2, -1, -5e-324, -0.0, 0.0, 5e-324,
					1e-300, 0.5, 1, 1.0000000000000002, 3e8, INFINITY };
	for (size_t i = 1; i < N(order); i++) {
		uint64_t lo = flo_radix_key(order[i - 1]), hi = flo_radix_key(order[i]);
		CHECK(order[i - 1] < order[i] ? lo < hi : lo == hi);
	}
	/* stable: equal keys keep their order */
	size_t n = 50000;
	struct flo_kv *kv = malloc(n * sizeof *kv);
	for (size_t i = 0; i < n; i++)
		kv[i] = (struct flo_kv){ gsl_rng_uniform_int(rng, 1000) << 40, i };
	CHECK(flo_radix_sort(kv, n) == FLO_OK);
	int sorted = 1;
	for (size_t i = 1; i < n; i++)
		sorted &= kv[i - 1].key < kv[i].key ||
			  (kv[i - 1].key == kv[i].key && kv[i - 1].val < kv[i].val);
	CHECK(sorted);
	free(kv);
	/* ranks, through the hash table (few values) and the sort (many, or
	 * so many of the values distinct that hashing does not pay) */
	static const unsigned spreads[] = { 1, 7, 20000, 40000, 1000000 };
	double *v = malloc(n * sizeof *v);
	uint32_t *rank = malloc(n * sizeof *rank);
	for (size_t s = 0; s < N(spreads); s++) {
		for (size_t i = 0; i < n; i++)
			v[i] = (double)gsl_rng_uniform_int(rng, spreads[s]) - 20.5;
		double *values;
		size_t count;
		CHECK(flo_radix_ranks(v, 1, n, &values, &count, rank) == FLO_OK);
		int ok = count > 0;
		for (size_t r = 1; r < count; r++)
			ok &= values[r - 1] < values[r];
		for (size_t i = 0; i < n; i++)
			ok &= rank[i] < count && values[rank[i]] == v[i];
		CHECK(ok);
		free(values);
	}
	/* a column in order is ranked in one pass; -0 and +0 are one value,
	 * the first of them kept */
	for (size_t i = 0; i < n; i++)
		v[i] = (double)(i / 3) - 100;
	v[300] = v[301] = v[302] = 0;
	v[300] = -0.0;
	double *values;
	size_t count;
	CHECK(flo_radix_ranks(v, 1, n, &values, &count, rank) == FLO_OK);
	CHECK_INT(count, (n + 2) / 3);
	int ok = 1;
	for (size_t i = 0; i < n; i++)
		ok &= rank[i] == i / 3 && values[rank[i]] == v[i];
	CHECK(ok);
	CHECK(signbit(values[100]));
	free(values);
	free(v);
	free(rank);
}

/* Customers with x > 0 at t_x = 0 (one-time buyers under flo-rfm
 * --frequency total): the likelihood has no maximum, since a term
 * Gamma(r+x)/Gamma(r) alpha^r/alpha^(r+x) ~ r Gamma(x) alpha^-x grows without
 * bound as r and alpha = r^k go to 0 with k x > 1 (FHL eq. 6 at t_x = 0).  The
 * fit stops at the run-away and says so; moved off t_x = 0 it converges. */
static void test_fit_runaway(void)
{
	struct flo_triple d[] = {
		{ 1, 0, 30, 600 }, { 3, 20, 30, 100 }, { 2, 5, 30, 50 }, { 0, 0, 30, 250 },
	};
	double ll_prev = -HUGE_VAL;
	for (double eps = 1e-2; eps > 1e-12; eps /= 100) { /* the unbounded direction */
		double q[4] = { eps, eps * eps * eps, 1, 1 }, ll;
		CHECK(flo_fit_bgnbd_loglik(d, N(d), q, 0, &ll, NULL, NULL, NULL) == FLO_OK);
		CHECK(ll > ll_prev);
		ll_prev = ll;
	}
	struct flo_fit_options o = { 0, 0, NULL, NULL, 0 };
	struct flo_fit_result f;
	CHECK(flo_fit_bgnbd(d, N(d), &o, &f) == FLO_OK);
	CHECK(f.runaway);
	CHECK(!f.converged);
	CHECK_INT((int)f.at_zero, 600);
	CHECK(f.params[1] / 30 < FLO_FIT_RUNAWAY_ALPHA);
	/* a penalizer bounds only large parameters: the same */
	o.penalizer = 0.001;
	CHECK(flo_fit_bgnbd(d, N(d), &o, &f) == FLO_OK);
	CHECK(f.runaway);
	/* the one-time buyers' last purchase a day later: a maximum, found */
	d[0].tx = 1.0 / 7;
	o.penalizer = 0;
	CHECK(flo_fit_bgnbd(d, N(d), &o, &f) == FLO_OK);
	CHECK(!f.runaway);
	CHECK(f.at_zero == 0);
	CHECK(f.converged);
}

/* Every fit is bounded in evaluations of the likelihood: stopped there it
 * did not converge, keeps the best point found, and says so in words. */
static void test_fit_bound(gsl_rng *rng)
{
	const double truth[4] = { 0.5, 6, 0.8, 3 };
	size_t n = 2000;
	struct flo_triple *d = simulate(rng, n, truth[0], truth[1], truth[2], truth[3]);
	n = flo_triples_compact(d, n);
	struct flo_fit_options o = { 0, 0, NULL, NULL, 0 };
	struct flo_fit_result f;
	CHECK(flo_fit_bgnbd(d, n, &o, &f) == FLO_OK);
	CHECK(f.converged && !f.stopped);
	CHECK(f.evaluations > 0 && f.evaluations < 100);
	o.max_evaluations = 3;
	CHECK(flo_fit_pnbd(d, n, &o, &f) == FLO_OK);
	CHECK(!f.converged);
	CHECK_INT(f.stopped, 3);
	CHECK_INT(f.evaluations, 3);
	CHECK(isfinite(f.loglik));
	char *w[FLO_FIT_WARNINGS_MAX];
	size_t nw;
	CHECK(flo_fit_pnbd_warnings(&f, w, &nw) == FLO_OK);
	CHECK(nw >= 1 && strstr(w[0], "the Pareto/NBD fit did not converge") == w[0] &&
	      strstr(w[0], "it was stopped at its bound of 3 evaluations of the likelihood: "
		     "these parameters are the best found") != NULL);
	flo_fit_warnings_free(w, nw);
	/* the fallback's evaluations count too: one Newton step (two
	 * evaluations), then BFGS from each start, one iteration each */
	o.max_evaluations = 6;
	o.max_iter = 1;
	CHECK(flo_fit_pnbd(d, n, &o, &f) == FLO_OK);
	CHECK(f.starts > 1);
	CHECK_INT(f.evaluations, 6);
	CHECK_INT(f.stopped, 6);
	free(d);
}

/* The Pareto/NBD's sums (fitpnbd.c: the dead integrals shared per x as
 * differences of integrals to the x's last time, the Hessian exact) against
 * the per-customer functions of pnbd.c (checked against mpmath in
 * test_pnbd.c), the Hessian against central differences of their
 * gradients: on times shared by many customers (whole days), a few
 * customers with hundreds of purchases, t_x = T, and parameters from the
 * CDNOW fit to the boundaries (s, beta -> infinity together; r, alpha
 * likewise; s -> 0). */
static void test_pnbd_sums(gsl_rng *rng)
{
	size_t n = 3000;
	struct flo_triple *d = simulate(rng, n, 0.5, 6, 0.8, 3);
	for (size_t i = 0; i < n; i++) {
		d[i].T = round(d[i].T * 7) / 7;
		d[i].tx = fmin(round(d[i].tx * 7) / 7, d[i].T);
		d[i].w = 1 + (double)(i % 3);
		if (d[i].x == 0)
			d[i].tx = 0;
	}
	d[0] = (struct flo_triple){ 400, 70, 75, 2 };
	d[1] = (struct flo_triple){ 900, 31, 31, 1 };
	d[2] = (struct flo_triple){ 3, 40, 40, 5 };
	n = flo_triples_compact(d, n);
	const double pts[][4] = {
		{ 0.55, 10.58, 0.61, 11.67 }, { 2.7, 72, 0.8, 3.7e5 }, { 0.3, 2, 1e20, 4e20 },
		{ 1e6, 2e6, 0.5, 1 }, { 0.8, 5, 1e-6, 1 }, { 5, 0.5, 3, 80 },
	};
	for (size_t q = 0; q < N(pts); q++) {
		double ll, g[4], h[16], ll0 = 0, g0[4] = { 0 }, h0[16] = { 0 }, mag = 0;
		CHECK(flo_fit_pnbd_loglik(d, n, pts[q], &ll, g, h) == FLO_OK);
		const struct flo_pnbd m = { pts[q][0], pts[q][1], pts[q][2], pts[q][3] };
		for (size_t i = 0; i < n; i++) {
			double gi[4];
			ll0 += d[i].w * flo_pnbd_loglik_grad(&m, d[i].x, d[i].tx, d[i].T, gi);
			for (int j = 0; j < 4; j++)
				g0[j] += d[i].w * gi[j], mag += d[i].w * fabs(gi[j]);
		}
		for (int k = 0; k < 4; k++) {
			const double step = 1e-5;
			struct flo_pnbd up = m, dn = m;
			double *pu = &up.r, *pd = &dn.r;
			pu[k] *= exp(step);
			pd[k] *= exp(-step);
			for (size_t i = 0; i < n; i++) {
				double gu[4], gd[4];
				flo_pnbd_loglik_grad(&up, d[i].x, d[i].tx, d[i].T, gu);
				flo_pnbd_loglik_grad(&dn, d[i].x, d[i].tx, d[i].T, gd);
				for (int j = 0; j < 4; j++)
					h0[j * 4 + k] += d[i].w * (gu[j] - gd[j]) / (2 * step);
			}
		}
		CHECK_ABS(ll, ll0, 1e-12 * fabs(ll0));
		for (int j = 0; j < 4; j++)
			CHECK_ABS(g[j], g0[j], 1e-11 * mag);
		double hmax = 0;
		for (int j = 0; j < 16; j++)
			hmax = fmax(hmax, fabs(h0[j]));
		for (int j = 0; j < 16; j++) {
			CHECK_ABS(h[j], h0[j], 1e-7 * hmax);
			CHECK(h[j] == h[(j % 4) * 4 + j / 4]);
		}
	}
	free(d);
}

int main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 20240601);
	test_trigamma();
	test_bgnbd_sums();
	test_gg_sums();
	test_tau_form();
	test_limit();
	test_fit_interior(rng);
	test_fit_ridge();
	test_fit_runaway();
	test_fit_bound(rng);
	test_pnbd_sums(rng);
	test_fit_gg(rng);
	test_compact(rng);
	test_index(rng);
	test_radix(rng);
	gsl_rng_free(rng);
	return check_report();
}
