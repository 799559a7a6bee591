/* fit.c: BG/NBD and Gamma-Gamma maximum likelihood with GSL's BFGS. */
#include "fit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "bgnbd.h"
#include "err.h"
#include "gg.h"

/* The data of a fit, indexed for speed: every term of a likelihood that
 * depends on x alone (log-gamma and digamma differences, the costly part)
 * is computed once per distinct x and evaluation; terms in T or t_x once per
 * distinct value; what is left per observation is one exp and one log1p. */
struct obs {
	uint32_t xi, ti, ui; /* indexes of x, and of T and t_x (or of m) */
	double w;
};

struct values {
	double *v;
	size_t n;
};

/* One model's likelihood over the data, in log-parameters phi. */
struct problem {
	int np;
	struct obs *obs;
	size_t n;
	struct values xs, ts, us; /* distinct x; T and t_x (BG/NBD) or m (GG) */
	double *xw;               /* total weight per distinct x */
	double *scratch;          /* per-evaluation terms */
	double weight;            /* sum of weights */
	double penalizer;
	double scale[4]; /* theta_j = exp(phi_j) * scale_j is what is penalised */
	/* Sum of w ln L and its gradient in phi at the parameters exp(phi). */
	double (*loglik)(const struct problem *p, const double *phi, double *grad);
};

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The sorted distinct values among n (strided) doubles. */
static int distinct(struct values *out, const double *first, size_t stride, size_t n)
{
	out->v = malloc((n ? n : 1) * sizeof *out->v);
	if (out->v == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < n; i++)
		out->v[i] = first[i * stride];
	qsort(out->v, n, sizeof *out->v, by_double);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || out->v[k - 1] != out->v[i])
			out->v[k++] = out->v[i];
	out->n = k;
	return FLO_OK;
}

static uint32_t index_of(const struct values *vals, double v)
{
	size_t lo = 0, hi = vals->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (vals->v[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static void problem_free(struct problem *p)
{
	free(p->obs);
	free(p->xs.v);
	free(p->ts.v);
	free(p->us.v);
	free(p->xw);
	free(p->scratch);
}

/* The sums over observations run on FIT_THREADS threads when there are
 * enough observations to pay for starting them (each evaluation starts and
 * joins them: tens of microseconds against milliseconds of work). */
#define FIT_THREADS 2
#define FIT_THREAD_MIN 50000

struct part {
	size_t lo, hi;
	double ll, g[4];
	void (*fn)(const void *ctx, struct part *part);
	const void *ctx;
};

static void *part_main(void *arg)
{
	struct part *part = arg;
	part->fn(part->ctx, part);
	return NULL;
}

static void run_parts(const struct problem *p, void (*fn)(const void *, struct part *),
		      const void *ctx, struct part *parts)
{
	int n = p->n >= FIT_THREAD_MIN ? FIT_THREADS : 1;
	pthread_t tid[FIT_THREADS];
	int started[FIT_THREADS] = {0};
	for (int k = 0; k < FIT_THREADS; k++) {
		parts[k] = (struct part){p->n * (size_t)k / (size_t)n, p->n * (size_t)(k + 1) / (size_t)n,
					 0, {0, 0, 0, 0}, fn, ctx};
		if (k >= n)
			parts[k].lo = parts[k].hi = p->n;
	}
	for (int k = 1; k < n; k++)
		started[k] = pthread_create(&tid[k], NULL, part_main, &parts[k]) == 0;
	fn(ctx, &parts[0]);
	for (int k = 1; k < n; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			fn(ctx, &parts[k]); /* no thread: do its share here */
	}
}

/* Per distinct x, in scratch: the seven x-only terms of the BG/NBD. */
enum { BX_LPR, BX_PDR, BX_BETA, BX_PDB, BX_PDAB, BX_LNC, BX_INVB, BX_N };

struct bg_ctx {
	const struct problem *p;
	double r, a;
	const double *xt, *tl, *ti, *ul, *ui;
	int grad;
};

/* The per-observation part of bgnbd_loglik() over parts->lo .. hi. */
static void bg_range(const void *arg, struct part *part)
{
	const struct bg_ctx *c = arg;
	const struct problem *p = c->p;
	double ll = 0, g_r = 0, g_alpha = 0, g_a = 0, g_b = 0;
	for (size_t i = part->lo; i < part->hi; i++) {
		const struct obs *o = &p->obs[i];
		const double *t = c->xt + BX_N * o->xi;
		double x = p->xs.v[o->xi], rx = c->r + x;
		double alive = -rx * c->tl[o->ti]; /* ln (alpha+T)^-(r+x) */
		double m = alive, w_alive = 1, w_dead = 0;
		if (x > 0) {
			/* log-sum-exp of the two terms, and their shares */
			double dead = t[BX_LNC] - rx * c->ul[o->ui];
			double e = exp(-fabs(alive - dead));
			m = fmax(alive, dead) + log1p(e);
			double big = 1 / (1 + e), small = e / (1 + e);
			w_alive = alive >= dead ? big : small;
			w_dead = 1 - w_alive;
		}
		ll += o->w * m;
		if (c->grad) {
			g_r -= o->w * (w_alive * c->tl[o->ti] + w_dead * c->ul[o->ui]);
			g_alpha -= o->w * rx * (w_alive * c->ti[o->ti] + w_dead * c->ui[o->ui]);
			g_a += o->w * w_dead / c->a;
			g_b -= o->w * w_dead * t[BX_INVB];
		}
	}
	part->ll = ll;
	part->g[0] = g_r;
	part->g[1] = g_alpha;
	part->g[2] = g_a;
	part->g[3] = g_b;
}

static double bgnbd_loglik(const struct problem *p, const double *phi, double *grad)
{
	double r = exp(phi[0]), alpha = exp(phi[1]), a = exp(phi[2]), b = exp(phi[3]);
	double ln_alpha = phi[1], ln_a = phi[2];
	double *xt = p->scratch;
	double *tl = xt + BX_N * p->xs.n, *ti = tl + p->ts.n;
	double *ul = ti + p->ts.n, *ui = ul + p->us.n;
	double ll = 0, g_r = 0, g_alpha = 0, g_a = 0, g_b = 0;

	/* FHL eq. (6): ln L = lnpoch(r, x) + r ln alpha + ln B(a, b+x) - ln B(a, b)
	 * + ln[(alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x)].  The Beta
	 * ratio is lnpoch(b, x) - lnpoch(a+b, x), accurate as b -> infinity. */
	for (size_t k = 0; k < p->xs.n; k++) {
		double x = p->xs.v[k], *t = xt + BX_N * k, w = p->xw[k];
		t[BX_LPR] = flo_lnpoch(r, x);
		t[BX_BETA] = flo_lnpoch(b, x) - flo_lnpoch(a + b, x);
		t[BX_LNC] = x > 0 ? ln_a - log(b + x - 1) : 0;
		t[BX_INVB] = x > 0 ? 1 / (b + x - 1) : 0;
		ll += w * (t[BX_LPR] + r * ln_alpha + t[BX_BETA]);
		if (grad) {
			t[BX_PDR] = flo_psi_diff(r, x);
			t[BX_PDB] = flo_psi_diff(b, x);
			t[BX_PDAB] = flo_psi_diff(a + b, x);
			g_r += w * (t[BX_PDR] + ln_alpha);
			g_alpha += w * r / alpha;
			g_a -= w * t[BX_PDAB];
			g_b += w * (t[BX_PDB] - t[BX_PDAB]);
		}
	}
	for (size_t k = 0; k < p->ts.n; k++) {
		tl[k] = log(alpha + p->ts.v[k]);
		ti[k] = 1 / (alpha + p->ts.v[k]);
	}
	for (size_t k = 0; k < p->us.n; k++) {
		ul[k] = log(alpha + p->us.v[k]);
		ui[k] = 1 / (alpha + p->us.v[k]);
	}
	struct part parts[FIT_THREADS];
	struct bg_ctx ctx = {p, r, a, xt, tl, ti, ul, ui, grad != NULL};
	run_parts(p, bg_range, &ctx, parts);
	for (int k = 0; k < FIT_THREADS; k++) {
		ll += parts[k].ll;
		g_r += parts[k].g[0];
		g_alpha += parts[k].g[1];
		g_a += parts[k].g[2];
		g_b += parts[k].g[3];
	}
	if (grad) {
		grad[0] = r * g_r;
		grad[1] = alpha * g_alpha;
		grad[2] = a * g_a;
		grad[3] = b * g_b;
	}
	return ll;
}

/* Per distinct x, in scratch: the x-only terms of the Gamma-Gamma. */
enum { GX_LG, GX_PDP, GX_PDQ, GX_N };

struct gg_ctx {
	const struct problem *p;
	double pp, q, v;
	const double *lm;
	int grad;
};

/* The per-observation part of gg_loglik() over parts->lo .. hi. */
static void gg_range(const void *arg, struct part *part)
{
	const struct gg_ctx *c = arg;
	const struct problem *p = c->p;
	double ll = 0, g_p = 0, g_q = 0, g_v = 0;
	for (size_t i = part->lo; i < part->hi; i++) {
		const struct obs *o = &p->obs[i];
		double x = p->xs.v[o->xi], mbar = p->us.v[o->ui], px = c->pp * x;
		double lvs = log(c->v + x * mbar);
		ll += o->w * ((px - 1) * c->lm[o->ui] - (px + c->q) * lvs);
		if (c->grad) {
			g_p += o->w * x * (c->lm[o->ui] - lvs);
			g_q -= o->w * lvs;
			g_v -= o->w * (px + c->q) / (c->v + x * mbar);
		}
	}
	part->ll = ll;
	part->g[0] = g_p;
	part->g[1] = g_q;
	part->g[2] = g_v;
}

static double gg_loglik(const struct problem *p, const double *phi, double *grad)
{
	double pp = exp(phi[0]), q = exp(phi[1]), v = exp(phi[2]), ln_v = phi[2];
	double *xt = p->scratch, *lm = xt + GX_N * p->xs.n, *lx = lm + p->us.n;
	double ll = 0, g_p = 0, g_q = 0, g_v = 0;

	/* Fader & Hardie (2013), eq. (1) with x purchases of mean mbar:
	 * ln f = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln mbar + px ln x
	 *        - (px+q) ln(v + x mbar);
	 * lnG(px+q) - lnG(px) - lnG(q) = lnpoch(px, q) - lnG(q). */
	double lgq = lgamma(q);
	for (size_t k = 0; k < p->xs.n; k++) {
		double x = p->xs.v[k], px = pp * x, *t = xt + GX_N * k, w = p->xw[k];
		lx[k] = log(x);
		t[GX_LG] = flo_lnpoch(px, q) - lgq + q * ln_v + px * lx[k];
		ll += w * t[GX_LG];
		if (grad) {
			t[GX_PDP] = flo_psi_diff(px, q); /* psi(px+q) - psi(px) */
			t[GX_PDQ] = flo_psi_diff(q, px); /* psi(px+q) - psi(q) */
			g_p += w * x * (t[GX_PDP] + lx[k]);
			g_q += w * (t[GX_PDQ] + ln_v);
			g_v += w * q / v;
		}
	}
	for (size_t k = 0; k < p->us.n; k++)
		lm[k] = log(p->us.v[k]);
	struct part parts[FIT_THREADS];
	struct gg_ctx ctx = {p, pp, q, v, lm, grad != NULL};
	run_parts(p, gg_range, &ctx, parts);
	for (int k = 0; k < FIT_THREADS; k++) {
		ll += parts[k].ll;
		g_p += parts[k].g[0];
		g_q += parts[k].g[1];
		g_v += parts[k].g[2];
	}
	if (grad) {
		grad[0] = pp * g_p;
		grad[1] = q * g_q;
		grad[2] = v * g_v;
	}
	return ll;
}

/* The objective and its gradient (lifetimes' penalised mean). */
static double objective(const struct problem *p, const double *phi, double *grad)
{
	double ll = p->loglik(p, phi, grad);
	double f = -ll / p->weight;
	for (int j = 0; j < p->np; j++) {
		double theta = exp(phi[j]) * p->scale[j];
		f += p->penalizer * theta * theta;
		if (grad)
			grad[j] = -grad[j] / p->weight + 2 * p->penalizer * theta * theta;
	}
	return f;
}

/* GSL's callbacks.  Parameters beyond exp(+-300) (1e130) are outside any
 * useful model and near where products of parameters overflow or vanish; an
 * infinite objective there turns the line search back, so a fit running to
 * a boundary stops short of the floating-point edge. */
#define LOG_PARAM_MAX 300

static int outside(const gsl_vector *v, int np)
{
	for (int j = 0; j < np; j++)
		if (!(fabs(gsl_vector_get(v, (size_t)j)) < LOG_PARAM_MAX))
			return 1;
	return 0;
}

static double gsl_f(const gsl_vector *v, void *params)
{
	const struct problem *p = params;
	if (outside(v, p->np))
		return GSL_POSINF;
	double f = objective(p, v->data, NULL);
	return isfinite(f) ? f : GSL_POSINF;
}

static void gsl_df(const gsl_vector *v, void *params, gsl_vector *g)
{
	const struct problem *p = params;
	if (outside(v, p->np)) {
		gsl_vector_set_zero(g);
		return;
	}
	objective(p, v->data, g->data);
}

static void gsl_fdf(const gsl_vector *v, void *params, double *f, gsl_vector *g)
{
	const struct problem *p = params;
	if (outside(v, p->np)) {
		*f = GSL_POSINF;
		gsl_vector_set_zero(g);
		return;
	}
	*f = objective(p, v->data, g->data);
	if (!isfinite(*f))
		*f = GSL_POSINF;
}

struct run {
	double phi[4];
	double f, grad_norm;
	int iterations, converged;
};

/* The gradient test: the objective is a mean per customer, so an absolute
 * tolerance means the same for a hundred customers as for a million. */
#define GRAD_TOL 1e-7
#define GRAD_ACCEPT 1e-5

static void minimise(struct problem *p, const double *start, int max_iter, struct run *out)
{
	gsl_multimin_function_fdf fn = {gsl_f, gsl_df, gsl_fdf, (size_t)p->np, p};
	gsl_vector *x = gsl_vector_alloc((size_t)p->np);
	gsl_multimin_fdfminimizer *s =
		gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)p->np);
	for (int j = 0; j < p->np; j++)
		gsl_vector_set(x, (size_t)j, start[j]);
	gsl_multimin_fdfminimizer_set(s, &fn, x, 0.01, 0.1);
	int iter = 0, status = GSL_CONTINUE;
	/* Restarting BFGS when its line search stalls rebuilds the Hessian
	 * approximation; a few restarts get through flat boundary regions. */
	int restarts = 0;
	while (iter < max_iter) {
		iter++;
		status = gsl_multimin_fdfminimizer_iterate(s);
		if (gsl_multimin_test_gradient(s->gradient, GRAD_TOL) == GSL_SUCCESS) {
			status = GSL_SUCCESS;
			break;
		}
		if (status != GSL_SUCCESS) {
			if (restarts++ >= 5)
				break;
			gsl_multimin_fdfminimizer_set(s, &fn, s->x, 0.01, 0.1);
		}
	}
	for (int j = 0; j < p->np; j++)
		out->phi[j] = gsl_vector_get(s->x, (size_t)j);
	out->f = s->f;
	out->grad_norm = gsl_blas_dnrm2(s->gradient);
	out->iterations = iter;
	out->converged = isfinite(out->f) && out->grad_norm < GRAD_ACCEPT;
	gsl_multimin_fdfminimizer_free(s);
	gsl_vector_free(x);
}

/* Standard errors from the observed information: the Hessian of sum w ln L
 * in phi by central differences of the analytic gradient, inverted; then
 * se(theta_j) = theta_j se(phi_j) (delta method). */
static int standard_errors(const struct problem *p, const double *phi, double *se)
{
	int np = p->np;
	gsl_matrix *info = gsl_matrix_alloc((size_t)np, (size_t)np);
	double x[4], gp[4], gm[4];
	for (int j = 0; j < np; j++) {
		double h = 1e-5 * fmax(1, fabs(phi[j]));
		memcpy(x, phi, (size_t)np * sizeof *x);
		x[j] = phi[j] + h;
		p->loglik(p, x, gp);
		x[j] = phi[j] - h;
		p->loglik(p, x, gm);
		for (int k = 0; k < np; k++)
			gsl_matrix_set(info, (size_t)j, (size_t)k, -(gp[k] - gm[k]) / (2 * h));
	}
	for (int j = 0; j < np; j++) /* symmetrise the differences */
		for (int k = 0; k < j; k++) {
			double v = 0.5 * (gsl_matrix_get(info, (size_t)j, (size_t)k) +
					  gsl_matrix_get(info, (size_t)k, (size_t)j));
			gsl_matrix_set(info, (size_t)j, (size_t)k, v);
			gsl_matrix_set(info, (size_t)k, (size_t)j, v);
		}
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int ok = gsl_linalg_cholesky_decomp1(info) == GSL_SUCCESS &&
		 gsl_linalg_cholesky_invert(info) == GSL_SUCCESS;
	gsl_set_error_handler(old);
	for (int j = 0; ok && j < np; j++) {
		double var = gsl_matrix_get(info, (size_t)j, (size_t)j);
		se[j] = exp(phi[j]) * sqrt(var);
		ok = isfinite(se[j]) && var > 0;
	}
	gsl_matrix_free(info);
	return ok;
}

/* The starting points, best first: one evaluation each is cheap next to a
 * run, so runs start from the most promising point and the others are tried
 * only when a run fails to converge. */
static void order_starts(const struct problem *p, const double (*starts)[4], int n, int *order)
{
	double f[8];
	for (int k = 0; k < n; k++) {
		f[k] = objective(p, starts[k], NULL);
		if (!isfinite(f[k]))
			f[k] = HUGE_VAL;
		order[k] = k;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && f[order[j]] < f[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

static int fit(struct problem *p, const double (*starts)[4], int nstarts,
	       const struct flo_fit_options *o, struct flo_fit_result *res)
{
	int max_iter = o->max_iter > 0 ? o->max_iter : 5000;
	struct run best = {{0}, GSL_POSINF, 0, 0, 0};
	int order[8];
	memset(res, 0, sizeof *res);
	res->np = p->np;
	order_starts(p, starts, nstarts, order);
	for (int k = 0; k < nstarts && !best.converged; k++) {
		struct run r;
		minimise(p, starts[order[k]], max_iter, &r);
		res->starts++;
		res->starts_converged += r.converged;
		/* A converged run beats one that did not; then the lower objective. */
		if ((r.converged && !best.converged) ||
		    (r.converged == best.converged && r.f < best.f))
			best = r;
	}
	for (int j = 0; j < p->np; j++)
		res->params[j] = exp(best.phi[j]);
	res->objective = best.f;
	res->loglik = p->loglik(p, best.phi, NULL);
	res->n = p->weight;
	res->distinct = p->n;
	res->iterations = best.iterations;
	res->converged = best.converged;
	res->grad_norm = best.grad_norm;
	res->has_se = standard_errors(p, best.phi, res->se);
	return FLO_OK;
}

/* A warm start for large fits: the same fit on an evenly spread sample
 * (every k-th observation of the sorted data) lands close to the full
 * optimum, so the full data then cost a few BFGS iterations instead of
 * dozens.  The objective is a mean per customer, so the sample needs no
 * reweighting.  Returns the sample's size (malloc'd into *out), or 0 when
 * the data are small enough to fit directly. */
#define WARM_MIN 60000
#define WARM_SAMPLE 20000

static size_t subsample(const void *data, size_t size, size_t n, void **out)
{
	if (n < WARM_MIN)
		return 0;
	size_t k = n / WARM_SAMPLE, m = n / k;
	char *s = malloc(m * size);
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < m; i++)
		memcpy(s + i * size, (const char *)data + i * k * size, size);
	*out = s;
	return m;
}

/* Index the observations: distinct values of each coordinate, per-x total
 * weights, and room for the per-evaluation terms. */
static int index_common(struct problem *p, size_t n, size_t x_terms, size_t t_terms,
			size_t u_terms)
{
	p->n = n;
	p->obs = malloc((n ? n : 1) * sizeof *p->obs);
	p->xw = calloc(p->xs.n ? p->xs.n : 1, sizeof *p->xw);
	p->scratch = malloc((x_terms * p->xs.n + t_terms * p->ts.n + u_terms * p->us.n + 1) *
			    sizeof *p->scratch);
	return p->obs && p->xw && p->scratch ? FLO_OK : FLO_ENOMEM;
}

static int index_bgnbd(struct problem *p, const struct flo_triple *d, size_t n)
{
	if (distinct(&p->xs, &d->x, 4, n) || distinct(&p->ts, &d->T, 4, n) ||
	    distinct(&p->us, &d->tx, 4, n) || index_common(p, n, BX_N, 2, 2))
		return FLO_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct obs *o = &p->obs[i];
		o->xi = index_of(&p->xs, d[i].x);
		o->ti = index_of(&p->ts, d[i].T);
		o->ui = index_of(&p->us, d[i].tx);
		o->w = d[i].w;
		p->xw[o->xi] += d[i].w;
	}
	return FLO_OK;
}

static int index_gg(struct problem *p, const struct flo_spend *d, size_t n)
{
	if (distinct(&p->xs, &d->x, 3, n) || distinct(&p->us, &d->m, 3, n) ||
	    index_common(p, n, GX_N + 1, 0, 1))
		return FLO_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct obs *o = &p->obs[i];
		o->xi = index_of(&p->xs, d[i].x);
		o->ui = index_of(&p->us, d[i].m);
		o->ti = 0;
		o->w = d[i].w;
		p->xw[o->xi] += d[i].w;
	}
	return FLO_OK;
}

int flo_fit_bgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		  struct flo_fit_result *res)
{
	double weight = 0, max_T = 0;
	for (size_t i = 0; i < n; i++) {
		weight += d[i].w;
		max_T = fmax(max_T, d[i].T);
	}
	if (n == 0 || !(weight > 0))
		return FLO_EVALUE;
	/* lifetimes fits on time rescaled by s = 1/max(T) and penalises
	 * alpha s; the rescaling only shifts ln L by a constant (x ln s), so
	 * here the time stays as given and only the penalty and the starting
	 * points see s.  A shift of ln alpha leaves BFGS's steps unchanged. */
	double s = max_T > 0 ? 1 / max_T : 1;
	struct problem p = {.np = 4, .weight = weight, .penalizer = o->penalizer,
			    .scale = {1, s, 1, 1}, .loglik = bgnbd_loglik};
	if (index_bgnbd(&p, d, n) != FLO_OK) {
		problem_free(&p);
		return FLO_ENOMEM;
	}
	double ls = log(s);
	/* The second start is lifetimes' own (all log-parameters 0.1 on its
	 * rescaled time); the others bracket what real data give. */
	double starts[][4] = {
		{0, -ls, 0, 0},
		{0.1, 0.1 - ls, 0.1, 0.1},
		{log(0.25), log(0.1) - ls, log(0.8), log(2.5)},
		{log(2), log(0.02) - ls, log(0.5), log(5)},
		{0, 0, 0, 0},
	};
	int nstarts = 4;
	struct flo_triple *sub;
	size_t nsub = subsample(d, sizeof *d, n, (void **)&sub);
	if (nsub > 0) {
		struct flo_fit_result warm;
		if (flo_fit_bgnbd(sub, nsub, o, &warm) == FLO_OK && warm.converged) {
			for (int j = 0; j < 4; j++)
				starts[nstarts][j] = log(warm.params[j]);
			nstarts++;
		}
		free(sub);
	}
	int err = fit(&p, (const double(*)[4])starts, nstarts, o, res);
	problem_free(&p);
	return err;
}

static double mean_spend(const struct flo_spend *d, size_t n, double *weight)
{
	double sum = 0;
	*weight = 0;
	for (size_t i = 0; i < n; i++) {
		sum += d[i].w * d[i].m;
		*weight += d[i].w;
	}
	return *weight > 0 ? sum / *weight : 1;
}

int flo_fit_gg(const struct flo_spend *d, size_t n, const struct flo_fit_options *o,
	       struct flo_fit_result *res)
{
	double weight, mean = mean_spend(d, n, &weight);
	if (n == 0 || !(weight > 0) || !(mean > 0))
		return FLO_EVALUE;
	struct problem p = {.np = 3, .weight = weight, .penalizer = o->penalizer,
			    .scale = {1, 1, 1, 1}, .loglik = gg_loglik};
	if (index_gg(&p, d, n) != FLO_OK) {
		problem_free(&p);
		return FLO_ENOMEM;
	}
	/* Starts whose population mean p v/(q-1) is the sample mean, and
	 * lifetimes' own (all log-parameters 0.1). */
	double starts[][4] = {
		{0, log(2), log(mean)},
		{log(5), log(3), log(mean * 2 / 5)},
		{0.1, 0.1, 0.1},
		{0, 0, 0},
	};
	int nstarts = 3;
	struct flo_spend *sub;
	size_t nsub = subsample(d, sizeof *d, n, (void **)&sub);
	if (nsub > 0) {
		struct flo_fit_result warm;
		if (flo_fit_gg(sub, nsub, o, &warm) == FLO_OK && warm.converged) {
			for (int j = 0; j < 3; j++)
				starts[nstarts][j] = log(warm.params[j]);
			nstarts++;
		}
		free(sub);
	}
	int err = fit(&p, (const double(*)[4])starts, nstarts, o, res);
	problem_free(&p);
	return err;
}

static int by_triple(const void *a, const void *b)
{
	const struct flo_triple *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	if (x->tx != y->tx)
		return x->tx < y->tx ? -1 : 1;
	return (x->T > y->T) - (x->T < y->T);
}

static int by_spend(const void *a, const void *b)
{
	const struct flo_spend *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	return (x->m > y->m) - (x->m < y->m);
}

/* Sort rows of `width` doubles, the last a weight, and merge rows whose other
 * doubles are equal, adding their weights; the new number of rows. */
static size_t compact(double *rows, size_t n, size_t width,
		      int (*cmp)(const void *, const void *))
{
	if (n == 0)
		return 0;
	size_t size = width * sizeof *rows, k = 0;
	qsort(rows, n, size, cmp);
	for (size_t i = 1; i < n; i++) {
		if (cmp(rows + k * width, rows + i * width) == 0)
			rows[k * width + width - 1] += rows[i * width + width - 1];
		else
			memcpy(rows + ++k * width, rows + i * width, size);
	}
	return k + 1;
}

size_t flo_triples_compact(struct flo_triple *d, size_t n)
{
	return n > 0 ? compact(&d->x, n, 4, by_triple) : 0; /* d may be NULL */
}

size_t flo_spend_compact(struct flo_spend *d, size_t n)
{
	return n > 0 ? compact(&d->x, n, 3, by_spend) : 0;
}

/* index_bgnbd(), index_gg() and compact() read the structs as rows of
 * doubles, the weight last. */
_Static_assert(sizeof(struct flo_triple) == 4 * sizeof(double), "flo_triple is 4 doubles");
_Static_assert(sizeof(struct flo_spend) == 3 * sizeof(double), "flo_spend is 3 doubles");
