/* bootstrap.c: the parametric bootstrap of a fit (bootstrap.h). */
#include "model/bootstrap.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "base/err.h"
#include "base/pool.h"
#include "model/fitlik.h"
#include "model/simulate.h"

/* As interval.c: a fit with a + b beyond this is on the BG/NBD's boundary,
 * reported at a + b = 1e30 (fit.c's RIDGE_TAU). */
#define RIDGE_SUM 1e25
#define RIDGE_AT 1e30

struct job {
	enum flo_interval_kind kind;
	const void *rows;
	size_t nrows, customers;
	const struct flo_fit_result *res;
	int ridge, np;
	struct flo_sim_params par;
	uint32_t seed;
	size_t n;
	atomic_size_t next;
	atomic_int oom;
	double *params;   /* n x np: replicate k's refit, NaN when it failed */
};

/* Replicate k's seed: splitmix64 of (seed, k), so that neighbouring seeds
 * and replicates do not start mt19937 from neighbouring states; the kind
 * mixed in first, so that the purchase model's replicate k and the
 * Gamma-Gamma's, paired in flo-score's draws, draw from unrelated
 * streams. */
static uint32_t replicate_seed(uint32_t seed, size_t k)
{
	uint64_t z = ((uint64_t)seed << 32 | (uint32_t)k) + UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)(z ^ (z >> 31));
}

/* Customers a row stands for: its weight, rounded to a whole number. */
static size_t customers_of(double w)
{
	return w > 0 ? (size_t)llround(w) : 0;
}

/* Replicate k's data set into buf (room for every customer): one row a
 * customer, merged where equal.  Returns the rows. */
static size_t simulate_rows(const struct job *j, gsl_rng *rng, void *buf)
{
	size_t m = 0;
	if (j->kind == FLO_IV_GG) {
		const struct flo_spend *d = j->rows;
		struct flo_spend *out = buf;
		for (size_t i = 0; i < j->nrows; i++)
			for (size_t c = customers_of(d[i].w); c > 0; c--)
				out[m++] = (struct flo_spend){d[i].x,
							      flo_sim_mean_spend(rng, &j->par, d[i].x), 1};
		return flo_spend_compact(out, m);
	}
	const struct flo_triple *d = j->rows;
	struct flo_triple *out = buf;
	for (size_t i = 0; i < j->nrows; i++)
		for (size_t c = customers_of(d[i].w); c > 0; c--) {
			double x, tx;
			flo_sim_history(rng, &j->par, d[i].T, &x, &tx);
			out[m++] = (struct flo_triple){x, tx, d[i].T, 1};
		}
	return flo_triples_compact(out, m);
}

/* Refit a replicate's rows from the estimate: into params (the document's
 * parameters) and 1, or 0 when the refit did not converge or there is no
 * memory (*oom then set). */
static int refit(const struct job *j, const void *rows, size_t n, double *params, int *oom)
{
	struct flo_problem p;
	int err = j->kind == FLO_IV_GG ? flo_problem_gg(&p, rows, n)
		  : j->kind == FLO_IV_PNBD   ? flo_problem_pnbd(&p, rows, n)
		  : j->kind == FLO_IV_MBGNBD ? flo_problem_mbgnbd(&p, rows, n)
		  : j->kind == FLO_IV_BGBB   ? flo_problem_bgbb(&p, rows, n)
					     : flo_problem_bgnbd(&p, rows, n);
	if (err != FLO_OK) {
		flo_problem_free(&p);
		*oom = 1;
		return 0;
	}
	/* one thread a replicate: the replicates are the parallel part */
	p.weight = (double)j->customers;
	p.penalizer = 0;
	for (int k = 0; k < 4; k++)
		p.scale[k] = 1;
	const double *est = j->res->params;
	double start[4], phi[4], ll;
	for (int k = 0; k < j->np; k++)
		start[k] = log(est[k]);
	if (j->ridge) {
		p.np = 3;
		p.loglik = flo_lik_limit;
		start[2] = log(est[2]) - log(est[3]);
	}
	int ok = flo_fit_maximise(&p, start, phi, &ll) && isfinite(ll);
	flo_problem_free(&p);
	if (!ok)
		return 0;
	if (j->ridge) {
		double mu = 1 / (1 + exp(-phi[2])), not_mu = 1 / (1 + exp(phi[2]));
		params[0] = exp(phi[0]);
		params[1] = exp(phi[1]);
		params[2] = mu * RIDGE_AT;
		params[3] = not_mu * RIDGE_AT;
	} else {
		for (int k = 0; k < j->np; k++)
			params[k] = exp(phi[k]);
	}
	for (int k = 0; k < j->np; k++)
		ok &= isfinite(params[k]) && params[k] > 0;
	return ok;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	size_t row = j->kind == FLO_IV_GG ? sizeof(struct flo_spend) : sizeof(struct flo_triple);
	void *buf = malloc((j->customers ? j->customers : 1) * row);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (buf == NULL || rng == NULL)
		atomic_store(&j->oom, 1);
	for (size_t k; buf && rng && (k = atomic_fetch_add(&j->next, 1)) < j->n;) {
		double *out = j->params + k * (size_t)j->np;
		int oom = 0;
		gsl_rng_set(rng, replicate_seed(replicate_seed(j->seed, (size_t)j->kind), k));
		size_t m = simulate_rows(j, rng, buf);
		if (!refit(j, buf, m, out, &oom))
			for (int c = 0; c < j->np; c++)
				out[c] = NAN;
		if (oom)
			atomic_store(&j->oom, 1);
	}
	free(buf);
	gsl_rng_free(rng);
	return NULL;
}

/* The simulator's parameters of a fit. */
static struct flo_sim_params sim_params(enum flo_interval_kind kind, const double *v)
{
	struct flo_sim_params s = {.r = 1, .alpha = 1, .a = 1, .b = 1, .p = 1, .q = 1, .v = 1,
				  .s = 1, .beta = 1};
	if (kind == FLO_IV_GG) {
		s.p = v[0], s.q = v[1], s.v = v[2];
	} else if (kind == FLO_IV_PNBD) {
		s.r = v[0], s.alpha = v[1], s.s = v[2], s.beta = v[3], s.pnbd = 1;
	} else if (kind == FLO_IV_BGBB) {
		s.alpha = v[0], s.beta = v[1], s.gamma = v[2], s.delta = v[3], s.bgbb = 1;
	} else {
		s.r = v[0], s.alpha = v[1], s.a = v[2], s.b = v[3];
		s.mbgnbd = kind == FLO_IV_MBGNBD;
	}
	return s;
}

int flo_bootstrap(enum flo_interval_kind kind, const void *rows, size_t nrows,
		  const struct flo_fit_result *res, size_t n, uint32_t seed, int threads,
		  struct flo_boot *out)
{
	memset(out, 0, sizeof *out);
	if (n < 2)
		return FLO_EUSAGE;
	struct job j = {.kind = kind, .rows = rows, .nrows = nrows, .res = res, .np = res->np,
			.seed = seed, .n = n};
	j.ridge = kind == FLO_IV_BGNBD && res->params[2] + res->params[3] > RIDGE_SUM;
	j.par = sim_params(kind, res->params);
	for (size_t i = 0; i < nrows; i++)
		j.customers += customers_of(kind == FLO_IV_GG ? ((const struct flo_spend *)rows)[i].w
						    : ((const struct flo_triple *)rows)[i].w);
	atomic_init(&j.next, 0);
	atomic_init(&j.oom, 0);
	j.params = malloc(n * (size_t)j.np * sizeof *j.params);
	if (j.params == NULL)
		return FLO_ENOMEM;
	int nt = threads > 0 ? threads : flo_usable_cpus();
	nt = nt < 1 ? 1 : nt > FLO_BOOT_THREADS ? FLO_BOOT_THREADS : nt;
	if ((size_t)nt > n)
		nt = (int)n;
	pthread_t tid[FLO_BOOT_THREADS];
	int started = 0;
	for (int t = 1; t < nt; t++, started++)
		if (pthread_create(&tid[t], NULL, worker, &j) != 0)
			break;
	worker(&j); /* the caller's thread works too */
	for (int t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	if (atomic_load(&j.oom)) {
		free(j.params);
		return FLO_ENOMEM;
	}
	/* the converged replicates, in order */
	out->n = n;
	out->np = j.np;
	out->seed = seed;
	out->params = j.params;
	for (size_t k = 0; k < n; k++)
		if (!isnan(j.params[k * (size_t)j.np])) {
			memmove(out->params + out->ok * (size_t)j.np, j.params + k * (size_t)j.np,
				(size_t)j.np * sizeof *j.params);
			out->ok++;
		}
	return FLO_OK;
}

void flo_boot_free(struct flo_boot *b)
{
	if (b == NULL)
		return;
	free(b->params);
	b->params = NULL;
	b->ok = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-th percentile of the sorted v[0..n), type 7. */
static double percentile(const double *v, size_t n, double q)
{
	double h = q * (double)(n - 1), f = floor(h);
	size_t i = (size_t)f;
	return i + 1 < n ? v[i] + (h - f) * (v[i + 1] - v[i]) : v[i];
}

void flo_boot_intervals(const struct flo_boot *b, const int *use, struct flo_intervals *iv)
{
	double *v = malloc((b->ok ? b->ok : 1) * sizeof *v);
	for (int j = 0; j < b->np && j < iv->np; j++) {
		if (!use[j])
			continue;
		struct flo_param_interval *p = &iv->p[j];
		p->method = FLO_IV_METHOD_BOOTSTRAP;
		p->note[0] = '\0';
		p->has_lower = p->has_upper = 0;
		if (v == NULL || b->ok < 2) {
			snprintf(p->note, sizeof p->note, "no bounds: %zu of %zu bootstrap refits "
				 "converged", b->ok, b->n);
			continue;
		}
		for (size_t k = 0; k < b->ok; k++)
			v[k] = b->params[k * (size_t)b->np + (size_t)j];
		qsort(v, b->ok, sizeof *v, cmp_double);
		p->lower = percentile(v, b->ok, (1 - iv->level) / 2);
		p->upper = percentile(v, b->ok, (1 + iv->level) / 2);
		p->has_lower = p->has_upper = 1;
	}
	free(v);
}
