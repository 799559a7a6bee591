/* fit.c: BG/NBD and Gamma-Gamma maximum likelihood.
 *
 * One pass over the data gives a model's log-likelihood with its exact
 * gradient and Hessian in the log-parameters (fitlik.c), so the fits use
 * Newton's method: a few passes from a good start, where BFGS needs dozens
 * of evaluations.  Newton is damped (Levenberg-Marquardt) where the Hessian
 * is not positive definite; a run that does not converge falls back to
 * GSL's BFGS from several starting points.  Large data start from the fit
 * of an evenly spread sample.  The BG/NBD's boundary where a and b run to
 * infinity together is recognised from the model's limit there (see "The
 * ridge"). */
#include "model/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "base/err.h"
#include "model/fitlik.h"
#include "base/pool.h"

/* ---- the objective ---- */

/* Parameters beyond exp(+-300) (1e130) are outside any useful model and
 * near where products of parameters overflow or vanish; the objective is
 * infinite there, which turns the optimisers back. */
#define LOG_PARAM_MAX 300

/* The objective at phi, as lifetimes minimises it (fit.h), with its gradient
 * and Hessian up to `order`; lik keeps the log-likelihood's own. */
struct point {
	double phi[4];
	double f, g[4], h[16];
	struct flo_lik lik;
};

static int evaluate(const struct flo_problem *p, const double *phi, int order, struct point *pt)
{
	int np = p->np, ok = 1;
	memcpy(pt->phi, phi, (size_t)np * sizeof *phi);
	for (int j = 0; j < np; j++)
		if (!(fabs(phi[j]) < LOG_PARAM_MAX))
			return 0;
	p->loglik(p, phi, order, &pt->lik);
	pt->f = -pt->lik.ll / p->weight;
	for (int j = 0; j < np; j++) {
		double theta = exp(phi[j]) * p->scale[j], pen = p->penalizer * theta * theta;
		pt->f += pen;
		/* theta = e^phi scale: lambda theta^2 has the derivatives
		 * 2 lambda theta^2 and 4 lambda theta^2 in phi */
		pt->g[j] = -pt->lik.g[j] / p->weight + 2 * pen;
		for (int k = 0; k < np; k++)
			pt->h[j * 4 + k] = -pt->lik.h[j * 4 + k] / p->weight + (j == k) * 4 * pen;
		ok &= order < FLO_LIK_GRADIENT || isfinite(pt->g[j]);
		for (int k = 0; k < np; k++)
			ok &= order < FLO_LIK_HESSIAN || isfinite(pt->h[j * 4 + k]);
	}
	return ok && isfinite(pt->f);
}

static double norm(const double *g, int np)
{
	double s = 0;
	for (int j = 0; j < np; j++)
		s += g[j] * g[j];
	return sqrt(s);
}

/* ---- the bound ----
 *
 * Every fit is bounded in evaluations of the likelihood (of any order: a
 * value, a gradient or a Hessian, each one pass over the data), whatever the
 * data and the iteration limits: Newton's LM retries and BFGS's line
 * searches evaluate several times a step, and a likelihood that is wrong or
 * flat somewhere (the Pareto/NBD's profile at s = 1e40 before its gradient
 * was fixed) could keep them going for hours.  Real fits take a few dozen
 * evaluations and the hardest fallbacks in the tests a few hundred; a fit
 * stopped at the bound is a fit that did not converge, and says so. */
#define FIT_EVALUATIONS 3000

struct budget {
	int used, max;
	int spent; /* an evaluation was refused */
};

/* Whether one more evaluation may run, counted. */
static int charge(struct budget *b)
{
	if (b->used >= b->max) {
		b->spent = 1;
		return 0;
	}
	b->used++;
	return 1;
}

/* ---- Newton's method ---- */

/* The gradient test: the objective is a mean per customer, so an absolute
 * tolerance means the same for a hundred customers as for a million. */
#define GRAD_TOL 1e-7
#define GRAD_ACCEPT 1e-5

/* A step moves a log-parameter by at most this (a factor e^4 = 55): far
 * from the optimum, and along a boundary where the Hessian vanishes, the
 * full Newton step would leave the region the quadratic model describes. */
#define STEP_MAX 4.0

/* The first damping of a rejected Newton step, relative to the largest
 * diagonal entry of the Hessian; it grows tenfold per rejection.  A smaller
 * first damping hardly shortens a step that overshot (the Gamma-Gamma's
 * first step on the FLO file was rejected four times from 1e-4). */
#define LM_FIRST 1e-2

/* Newton converges in a few steps from a good start and in a few dozen
 * from a poor one; a run still going after this many hands over to BFGS. */
#define NEWTON_MAX 100

struct run {
	double phi[4];
	double f, grad_norm;
	int iterations, converged;
	int runaway; /* stopped at the run-away (fit.h) */
};

/* The BG/NBD's run-away (fit.h), watched for when `guard`: the data have
 * customers with x > 0 at t_x = 0. */
static int runaway(const struct flo_problem *p, const double *phi, int guard)
{
	return guard && phi[1] + log(p->scale[1]) < log(FLO_FIT_RUNAWAY_ALPHA);
}

/* Cholesky of h + lambda I (np x np, stride 4) into l; 0 when not positive
 * definite. */
static int cholesky(const double *h, int np, double lambda, double *l)
{
	for (int i = 0; i < np; i++)
		for (int j = 0; j <= i; j++) {
			double s = h[i * 4 + j] + (i == j ? lambda : 0);
			for (int k = 0; k < j; k++)
				s -= l[i * 4 + k] * l[j * 4 + k];
			if (i == j) {
				if (!(s > 0))
					return 0;
				l[i * 4 + i] = sqrt(s);
			} else {
				l[i * 4 + j] = s / l[j * 4 + j];
			}
		}
	return 1;
}

/* The step d solving (h + lambda I) d = -g, shortened to STEP_MAX. */
static int newton_step(const struct point *pt, int np, double lambda, double *d)
{
	double l[16], y[4];
	if (!cholesky(pt->h, np, lambda, l))
		return 0;
	for (int i = 0; i < np; i++) {
		y[i] = -pt->g[i];
		for (int k = 0; k < i; k++)
			y[i] -= l[i * 4 + k] * y[k];
		y[i] /= l[i * 4 + i];
	}
	double big = 0;
	for (int i = np - 1; i >= 0; i--) {
		d[i] = y[i];
		for (int k = i + 1; k < np; k++)
			d[i] -= l[k * 4 + i] * d[k];
		d[i] /= l[i * 4 + i];
		big = fmax(big, fabs(d[i]));
	}
	for (int i = 0; big > STEP_MAX && i < np; i++)
		d[i] *= STEP_MAX / big;
	return isfinite(big);
}

/* Armijo's sufficient decrease; near the optimum the decrease drops below
 * the rounding of f, and a step that keeps f within it and shrinks the
 * gradient is progress too. */
static int acceptable(const struct point *cur, const struct point *next, const double *d, int np)
{
	double slope = 0;
	for (int j = 0; j < np; j++)
		slope += cur->g[j] * d[j];
	if (next->f <= cur->f + 1e-4 * slope)
		return 1;
	return next->f <= cur->f + 1e-13 * fabs(cur->f) && norm(next->g, np) < norm(cur->g, np);
}

/* Newton's method from start; *at is the last point, with its Hessian.
 * With guard, stops at the run-away. */
static void newton(const struct flo_problem *p, const double *start, int max_iter, int guard,
		   struct budget *b, struct run *out, struct point *at)
{
	int np = p->np, iter = 0;
	struct point next;
	double lambda = 0;
	memset(out, 0, sizeof *out);
	memcpy(out->phi, start, (size_t)np * sizeof *start);
	out->f = out->grad_norm = HUGE_VAL;
	if (!charge(b) || !evaluate(p, start, FLO_LIK_HESSIAN, at))
		return;
	while (norm(at->g, np) >= GRAD_TOL && iter < max_iter) {
		double d[4], phi[4], hmax = 1e-12;
		for (int j = 0; j < np; j++)
			hmax = fmax(hmax, fabs(at->h[j * 5]));
		int ok = newton_step(at, np, lambda, d);
		if (ok) {
			for (int j = 0; j < np; j++)
				phi[j] = at->phi[j] + d[j];
			if (!charge(b))
				break;
			ok = evaluate(p, phi, FLO_LIK_HESSIAN, &next) && acceptable(at, &next, d, np);
		}
		if (ok) {
			*at = next;
			iter++;
			lambda = lambda > 1e-6 * hmax ? lambda / 10 : 0;
			if (runaway(p, at->phi, guard)) {
				out->runaway = 1;
				break;
			}
		} else {
			/* Levenberg-Marquardt: lean towards a short gradient step. */
			lambda = lambda > 0 ? lambda * 10 : LM_FIRST * hmax;
			if (lambda > 1e12 * hmax)
				break;
		}
	}
	memcpy(out->phi, at->phi, (size_t)np * sizeof *start);
	out->f = at->f;
	out->grad_norm = norm(at->g, np);
	out->iterations = iter;
	out->converged = out->grad_norm < GRAD_ACCEPT;
}

/* ---- BFGS, the fallback ---- */

/* The objective for BFGS and for ranking starts; infinite once b (when not
 * NULL) is spent, which ends BFGS's line search and then its run. */
static double objective(const struct flo_problem *p, struct budget *b, const double *phi,
			double *grad)
{
	struct point pt;
	if ((b != NULL && !charge(b)) ||
	    !evaluate(p, phi, grad ? FLO_LIK_GRADIENT : FLO_LIK_VALUE, &pt)) {
		if (grad)
			memset(grad, 0, (size_t)p->np * sizeof *grad);
		return GSL_POSINF;
	}
	if (grad)
		memcpy(grad, pt.g, (size_t)p->np * sizeof *grad);
	return pt.f;
}

/* What GSL's callbacks are handed. */
struct bfgs {
	const struct flo_problem *p;
	struct budget *b;
};

static double gsl_f(const gsl_vector *v, void *params)
{
	const struct bfgs *c = params;
	return objective(c->p, c->b, v->data, NULL);
}

static void gsl_df(const gsl_vector *v, void *params, gsl_vector *g)
{
	const struct bfgs *c = params;
	objective(c->p, c->b, v->data, g->data);
}

static void gsl_fdf(const gsl_vector *v, void *params, double *f, gsl_vector *g)
{
	const struct bfgs *c = params;
	*f = objective(c->p, c->b, v->data, g->data);
}

static void minimise(struct flo_problem *p, const double *start, int max_iter, int guard,
		     struct budget *b, struct run *out)
{
	struct bfgs ctx = {p, b};
	gsl_multimin_function_fdf fn = {gsl_f, gsl_df, gsl_fdf, (size_t)p->np, &ctx};
	gsl_vector *x = gsl_vector_alloc((size_t)p->np);
	gsl_multimin_fdfminimizer *s =
		gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)p->np);
	for (int j = 0; j < p->np; j++)
		gsl_vector_set(x, (size_t)j, start[j]);
	gsl_multimin_fdfminimizer_set(s, &fn, x, 0.01, 0.1);
	int iter = 0, status = GSL_CONTINUE;
	/* Restarting BFGS when its line search stalls rebuilds the Hessian
	 * approximation; a few restarts get through flat boundary regions. */
	int restarts = 0, away = 0;
	while (iter < max_iter && !b->spent) {
		iter++;
		status = gsl_multimin_fdfminimizer_iterate(s);
		if ((away = runaway(p, s->x->data, guard)) != 0)
			break;
		if (gsl_multimin_test_gradient(s->gradient, GRAD_TOL) == GSL_SUCCESS) {
			status = GSL_SUCCESS;
			break;
		}
		if (status != GSL_SUCCESS) {
			if (restarts++ >= 5 || b->spent)
				break;
			gsl_multimin_fdfminimizer_set(s, &fn, s->x, 0.01, 0.1);
		}
	}
	for (int j = 0; j < p->np; j++)
		out->phi[j] = gsl_vector_get(s->x, (size_t)j);
	out->f = s->f;
	out->grad_norm = gsl_blas_dnrm2(s->gradient);
	out->iterations = iter;
	/* a refused evaluation hands GSL an infinite f with a zero gradient,
	 * which must not pass the gradient test */
	out->converged = !away && !b->spent && isfinite(out->f) && out->grad_norm < GRAD_ACCEPT;
	out->runaway = away;
	gsl_multimin_fdfminimizer_free(s);
	gsl_vector_free(x);
}

/* ---- the fit ---- */

/* Standard errors from the observed information, the Hessian of sum w ln L
 * in phi, inverted; then se(theta_j) = theta_j se(phi_j) (delta method). */
static int standard_errors(const struct point *at, int np, double *se)
{
	gsl_matrix *info = gsl_matrix_alloc((size_t)np, (size_t)np);
	for (int j = 0; j < np; j++)
		for (int k = 0; k < np; k++)
			gsl_matrix_set(info, (size_t)j, (size_t)k, -at->lik.h[j * 4 + k]);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int ok = gsl_linalg_cholesky_decomp1(info) == GSL_SUCCESS &&
		 gsl_linalg_cholesky_invert(info) == GSL_SUCCESS;
	gsl_set_error_handler(old);
	for (int j = 0; ok && j < np; j++) {
		double var = gsl_matrix_get(info, (size_t)j, (size_t)j);
		se[j] = exp(at->phi[j]) * sqrt(var);
		ok = isfinite(se[j]) && var > 0;
	}
	gsl_matrix_free(info);
	return ok;
}

/* The starting points, best first: one evaluation each is cheap next to a
 * run, so runs start from the most promising point and the others are tried
 * only when a run fails to converge. */
static void order_starts(const struct flo_problem *p, const double (*starts)[4], int n, int *order)
{
	double f[8];
	if (p->ranker != NULL)
		p = p->ranker;
	for (int k = 0; k < n; k++) {
		f[k] = objective(p, NULL, starts[k], NULL);
		order[k] = k;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && f[order[j]] < f[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

static void report(const struct flo_problem *p, const struct run *best, const struct point *at,
		   struct flo_fit_result *res)
{
	for (int j = 0; j < p->np; j++)
		res->params[j] = exp(best->phi[j]);
	res->objective = best->f;
	res->loglik = at->lik.ll;
	res->n = p->weight;
	res->distinct = p->n;
	res->iterations = best->iterations;
	res->converged = best->converged;
	res->grad_norm = best->grad_norm;
	res->has_se = standard_errors(at, p->np, res->se);
}

/* Newton from the warm start, or else from the best of the starts; when it
 * does not converge, BFGS from each start in turn, best first, until one
 * converges or the fit's evaluations are spent.  With guard, a run stops at
 * the run-away, and the result is one when no run converged. */
static void fit(struct flo_problem *p, const double (*starts)[4], int nstarts, const double *warm,
		const struct flo_fit_options *o, int guard, struct flo_fit_result *res)
{
	int max_iter = o->max_iter > 0 ? o->max_iter : 5000;
	int order[8];
	struct run best;
	struct point at;
	struct budget b = {0, o->max_evaluations > 0 ? o->max_evaluations : FIT_EVALUATIONS, 0};
	memset(res, 0, sizeof *res);
	res->np = p->np;
	if (warm == NULL)
		order_starts(p, starts, nstarts, order);
	newton(p, warm ? warm : starts[order[0]], max_iter < NEWTON_MAX ? max_iter : NEWTON_MAX,
	       guard, &b, &best, &at);
	res->starts = 1;
	res->starts_converged = best.converged;
	int away = best.runaway;
	if (!best.converged) {
		if (warm != NULL)
			order_starts(p, starts, nstarts, order);
		for (int k = 0; k < nstarts && !best.converged && !b.spent; k++) {
			struct run r;
			minimise(p, starts[order[k]], max_iter, guard, &b, &r);
			res->starts++;
			away |= r.runaway;
			res->starts_converged += r.converged;
			/* A converged run beats one that did not; then the lower
			 * objective. */
			if ((r.converged && !best.converged) ||
			    (r.converged == best.converged && r.f < best.f))
				best = r;
		}
		if (!evaluate(p, best.phi, FLO_LIK_HESSIAN, &at)) { /* no estimate at all */
			memset(&at.lik, 0, sizeof at.lik);
			at.lik.ll = -HUGE_VAL;
		}
	}
	report(p, &best, &at, res);
	res->runaway = away && !best.converged;
	res->evaluations = b.used;
	res->stopped = b.spent && !best.converged ? b.max : 0;
}

/* A warm start for large fits: the same fit on an evenly spread sample
 * (every k-th observation of the sorted data) lands close to the full
 * optimum, so the full data then cost two or three Newton steps.  The
 * objective is a mean per customer, so the sample needs no reweighting.
 * Returns the sample's size (malloc'd into *out), or 0 when the data are
 * small enough to fit directly. */
#define WARM_MIN 60000
#define WARM_SAMPLE 20000

/* Every k-th of n items of `size` bytes, malloc'd into *out; how many (0
 * when there is no memory). */
static size_t every(const void *data, size_t size, size_t n, size_t k, void **out)
{
	size_t m = n / k;
	char *s = malloc((m ? m : 1) * size);
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < m; i++)
		memcpy(s + i * size, (const char *)data + i * k * size, size);
	*out = s;
	return m;
}

static size_t subsample(const void *data, size_t size, size_t n, void **out)
{
	return n < WARM_MIN ? 0 : every(data, size, n, n / WARM_SAMPLE, out);
}

/* Starting points are ranked by one evaluation each.  Without a warm start,
 * data large enough to pay for indexing a sample rank them on every
 * RANK_EVERY-th observation, which ranks them as all the observations do
 * (the objective is a mean per customer) at a fraction of the cost: on the
 * FLO file four evaluations were a fifth of the BG/NBD's fit. */
#define RANK_MIN 16384
#define RANK_EVERY 8

/* The ranking problem of p (the penalty as p's) into *ranker, indexed by
 * index (flo_problem_bgnbd() or flo_problem_gg()) from the m rows of sample,
 * which it frees; p->ranker set to it, or nothing when there is no
 * memory. */
static void rank_on_sample(struct flo_problem *p, struct flo_problem *ranker, void *sample,
			   size_t m, int (*index)(struct flo_problem *, const void *, size_t))
{
	memset(ranker, 0, sizeof *ranker);
	if (m == 0)
		return;
	if (index(ranker, sample, m) == FLO_OK) {
		/* a few evaluations of an eighth: on one thread */
		for (size_t k = 0; k < ranker->xs.n; k++) /* the weights, by x */
			ranker->weight += ranker->xw[k];
		ranker->penalizer = p->penalizer;
		memcpy(ranker->scale, p->scale, sizeof ranker->scale);
		p->ranker = ranker;
	}
	free(sample);
}

static int index_triples(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_bgnbd(p, rows, n);
}

static int index_pnbd(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_pnbd(p, rows, n);
}

static int index_spend(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_gg(p, rows, n);
}

/* Where on the ridge the fit reports: tau = 1/(a+b) this small changes no
 * likelihood or prediction by more than rounding (the terms in tau are
 * tau x^2 and tau x t at most), and ln a, ln b stay far inside
 * LOG_PARAM_MAX. */
#define RIDGE_TAU 1e-30

/* The limit model's maximum is interior when Newton converged there
 * quadratically: the Newton step at the estimate is tiny (1e-5 and below on
 * real data).  Where the limit itself runs to mu -> 0 or 1, the objective
 * flattens like e^-|logit mu| and every Newton step is a stride of about 1;
 * this shortcut does not apply there. */
#define INTERIOR_STEP 0.01

/* Fit the limit tau = 0 from start (ln r, ln alpha, logit mu); when its
 * maximum is interior with a slope in tau <= 0, report the point on the
 * ridge and return 1; else 0, and the caller fits the full model. */
static int ridge(const struct flo_problem *full, const double *start, const struct flo_fit_options *o,
		 int guard, struct flo_fit_result *res)
{
	struct flo_problem lim = *full;
	lim.np = 3;
	lim.loglik = flo_lik_limit;
	int max_iter = o->max_iter > 0 && o->max_iter < NEWTON_MAX ? o->max_iter : NEWTON_MAX;
	struct run run;
	struct point at;
	double d[4];
	struct budget b = {0, o->max_evaluations > 0 ? o->max_evaluations : FIT_EVALUATIONS, 0};
	newton(&lim, start, max_iter > 1 ? 1 : max_iter, guard, &b, &run, &at);
	if (max_iter > 1 && !run.converged) {
		/* One step brings r and alpha close; then logit mu goes straight
		 * to its maximum at those r and alpha, where Newton would walk
		 * one unit a step (FLO: from -2.5 to -8.5).  On all the data: a
		 * sample misjudges the sum the profile's sign rests on, which a
		 * few customers with long silences dominate. */
		struct run first = run;
		double from[3] = {at.phi[0], at.phi[1], at.phi[2]};
		int profiled = flo_lik_limit_profile(full, at.phi, &from[2]);
		if (profiled)
			newton(&lim, from, max_iter - first.iterations, guard, &b, &run, &at);
		if (!profiled || !(run.f <= first.f)) /* on from the first step */
			newton(&lim, first.phi, max_iter - first.iterations, guard, &b, &run, &at);
		run.iterations += first.iterations;
	}
	if (!run.converged || run.runaway || !newton_step(&at, 3, 0, d) || norm(d, 3) > INTERIOR_STEP ||
	    !(at.lik.tau <= 0))
		return 0;
	/* ln mu and ln(1-mu) from logit mu without forming 1 - mu */
	double l = run.phi[2], ln_tau = log(RIDGE_TAU);
	double ln_mu = l < 0 ? l - log1p(exp(l)) : -log1p(exp(-l));
	double ln_1mmu = l < 0 ? -log1p(exp(l)) : -l - log1p(exp(-l));
	double phi[4] = {run.phi[0], run.phi[1], ln_mu - ln_tau, ln_1mmu - ln_tau};
	/* The gradient test is the full model's, as for any other estimate.
	 * Its gradient there is the limit's, mapped: logit mu = ln a - ln b
	 * and tau = 1/(a+b) have the derivatives 1, -1 and -mu tau,
	 * -(1-mu) tau in ln a, ln b, and the terms in tau (1e-30) are below
	 * rounding.  (No evaluation of the full model: that was a tenth of the
	 * FLO file's fit.  The tests evaluate it.) */
	double g[4] = {at.g[0], at.g[1], at.g[2], -at.g[2]};
	memset(res, 0, sizeof *res);
	res->np = 4;
	for (int j = 0; j < 4; j++)
		res->params[j] = exp(phi[j]);
	res->loglik = at.lik.ll;
	res->objective = at.f;
	res->n = full->weight;
	res->distinct = full->n;
	res->iterations = run.iterations;
	res->grad_norm = norm(g, 4);
	res->converged = res->grad_norm < GRAD_ACCEPT;
	res->has_se = 0; /* a and b are not identified, only their ratio */
	res->evaluations = b.used;
	res->starts = 1;
	res->starts_converged = res->converged;
	return 1;
}

/* The limit's start: (ln r, ln alpha, ln a - ln b) of the best start. */
static void ridge_start(const struct flo_problem *full, const double (*starts)[4], int nstarts,
			double *start)
{
	struct flo_problem lim = full->ranker != NULL ? *full->ranker : *full;
	lim.np = 3;
	lim.loglik = flo_lik_limit;
	double best = HUGE_VAL;
	for (int k = 0; k < nstarts; k++) {
		double s[3] = {starts[k][0], starts[k][1], starts[k][2] - starts[k][3]};
		double f = objective(&lim, NULL, s, NULL);
		if (k == 0 || f < best) {
			best = f;
			memcpy(start, s, sizeof s);
		}
	}
}

/* Every k-th of the problem's distinct triples, malloc'd into *out; how
 * many (0 when there is no memory).  Taken from the indexed triples, which
 * are in one order whatever the order of the records: so are the samples,
 * and the fit. */
static size_t every_triple(const struct flo_problem *p, size_t k, struct flo_triple **out)
{
	size_t m = p->n / k;
	struct flo_triple *s = malloc((m ? m : 1) * sizeof *s);
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < m; i++) {
		const struct flo_obs *o = &p->obs[i * k];
		s[i] = (struct flo_triple){p->xs.v[o->xi], p->ts.v[o->ui], p->ts.v[o->ti], o->w};
	}
	*out = s;
	return m;
}

/* The problem of the triples d[0..n) indexed by `index` (index_triples or
 * index_pnbd), on o's threads, its weight the customers'; *at_zero the
 * weight of the records with x > 0 at t_x = 0, counted before the index
 * merges them.  FLO_EVALUE for no customer, FLO_ENOMEM; p is then freed. */
static int triples_problem(struct flo_problem *p, const struct flo_triple *d, size_t n,
			   int (*index)(struct flo_problem *, const void *, size_t),
			   const struct flo_fit_options *o, double *at_zero)
{
	if (n == 0)
		return FLO_EVALUE;
	if (index(p, d, n) != FLO_OK) {
		flo_problem_free(p);
		return FLO_ENOMEM;
	}
	flo_problem_threads(p, o->pool);
	double weight = 0;
	for (size_t i = 0; i < p->n; i++)
		weight += p->obs[i].w;
	*at_zero = 0;
	for (size_t i = 0; i < n; i++)
		if (d[i].x > 0 && d[i].tx == 0 && d[i].w > 0)
			*at_zero += d[i].w;
	if (!(weight > 0)) {
		flo_problem_free(p);
		return FLO_EVALUE;
	}
	p->weight = weight;
	return FLO_OK;
}

/* Without a sample's fit to start from, data large enough rank the starts
 * on a sample of every RANK_EVERY-th triple (ranker is p's then). */
static void rank_without_warm_start(struct flo_problem *p, struct flo_problem *ranker,
				    size_t nsub,
				    int (*index)(struct flo_problem *, const void *, size_t))
{
	if (nsub == 0 && p->n >= RANK_MIN) {
		struct flo_triple *sample;
		size_t m = every_triple(p, RANK_EVERY, &sample);
		rank_on_sample(p, ranker, sample, m, index);
	}
}

/* The fitted problem into o->keep when asked for (fit.h), else freed. */
static void keep_or_free(struct flo_problem *p, const struct flo_fit_options *o)
{
	if (o->keep == NULL) {
		flo_problem_free(p);
		return;
	}
	p->ranker = NULL; /* freed with the fit */
	*o->keep = *p;
}

/* ---- the purchase models' fits ---- */

/* Rows of starting points in log-parameters, with room for a warm start. */
#define STARTS_MAX 5
typedef double start_rows[STARTS_MAX][4];

/* The starts of the BG/NBD and the MBG/NBD, on data whose rescaling (as
 * lifetimes rescales time) is s = e^ls: lifetimes' own second (all
 * log-parameters 0.1 on its rescaled time), the others bracketing what real
 * data give.  How many. */
static int beta_geo_starts(double ls, start_rows starts)
{
	const double rows[][4] = {
		{0, -ls, 0, 0},
		{0.1, 0.1 - ls, 0.1, 0.1},
		{log(0.25), log(0.1) - ls, log(0.8), log(2.5)},
		{log(2), log(0.02) - ls, log(0.5), log(5)},
	};
	memcpy(starts, rows, sizeof rows);
	return 4;
}

/* The Pareto/NBD's: lifetimes' start and points around what real data give
 * (CDNOW: r 0.55, alpha 10.6, s 0.61, beta 11.7 weeks, with max T 38.9
 * weeks). */
static int pareto_starts(double ls, start_rows starts)
{
	const double rows[][4] = {
		{0, -ls, 0, -ls},
		{0.1, 0.1 - ls, 0.1, 0.1 - ls},
		{log(0.5), log(0.15) - ls, log(0.5), log(0.15) - ls},
		{log(2), log(0.02) - ls, log(0.2), log(2) - ls},
	};
	memcpy(starts, rows, sizeof rows);
	return 4;
}

/* lifetimes fits on time rescaled by s = 1/max(T) and penalises the
 * parameters in the time's units times s; the rescaling only shifts ln L by
 * a constant, so here the time stays as given and only the penalty (the
 * `timed` columns' scale) and the starting points see s.  (The distinct
 * times are in increasing order, and no t_x exceeds its T.)  Returns ln s. */
static double time_scale(struct flo_problem *p, const int *timed)
{
	double max_T = fmax(p->ts.v[p->ts.n - 1], 0);
	double s = max_T > 0 ? 1 / max_T : 1;
	for (int j = 0; j < 4; j++)
		p->scale[j] = timed[j] ? s : 1;
	return log(s);
}

/* A model's fit of a sample, for its warm start; ctx is the caller's. */
typedef int refit_fn(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		     struct flo_fit_result *res, void *ctx);

/* The warm start of large data (WARM_MIN and more distinct triples): the
 * model refitted on every p->n/WARM_SAMPLE-th triple, its estimate appended
 * to starts (*nstarts of them) and *warm pointed at it when the refit
 * converged.  Returns the sample's size, 0 when the data are small (or there
 * was no memory for it). */
static size_t sample_start(const struct flo_problem *p, const struct flo_fit_options *o,
			   refit_fn *refit, void *ctx, start_rows starts, int *nstarts,
			   const double **warm)
{
	struct flo_triple *sub;
	size_t nsub = p->n < WARM_MIN ? 0 : every_triple(p, p->n / WARM_SAMPLE, &sub);
	if (nsub > 0) {
		struct flo_fit_result w;
		struct flo_fit_options so = *o;
		so.keep = NULL; /* the sample's data are not the intervals' */
		if (refit(sub, nsub, &so, &w, ctx) == FLO_OK && w.converged) {
			for (int j = 0; j < 4; j++)
				starts[*nstarts][j] = log(w.params[j]);
			*warm = starts[(*nstarts)++];
		}
		free(sub);
	}
	return nsub;
}

/* The fit of p from starts (warm or ranked), its run-away watched when
 * customers are at x > 0, t_x = 0; p freed. */
static void fit_problem(struct flo_problem *p, start_rows starts, int nstarts, const double *warm,
			size_t nsub, int (*index)(struct flo_problem *, const void *, size_t),
			const struct flo_fit_options *o, double at_zero, const char *model,
			struct flo_fit_result *res)
{
	struct flo_problem ranker = {0};
	rank_without_warm_start(p, &ranker, nsub, index);
	fit(p, (const double(*)[4])starts, nstarts, warm, o, at_zero > 0, res);
	res->at_zero = at_zero;
	res->model = model;
	flo_problem_free(&ranker);
	flo_problem_free(p);
}

static int fit_bgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		     struct flo_fit_result *res, int *on_ridge);

/* The BG/NBD's refit of a sample; ctx: whether it is on the ridge. */
static int refit_bgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		       struct flo_fit_result *res, void *ctx)
{
	return fit_bgnbd(d, n, o, res, ctx);
}

static int fit_bgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		     struct flo_fit_result *res, int *on_ridge)
{
	static const int timed[4] = {0, 1, 0, 0}; /* theta = (r, alpha s, a, b) */
	struct flo_problem p;
	double at_zero;
	int err = triples_problem(&p, d, n, index_triples, o, &at_zero);
	if (err != FLO_OK)
		return err;
	int guard = at_zero > 0;
	p.penalizer = o->penalizer;
	start_rows starts;
	int nstarts = beta_geo_starts(time_scale(&p, timed), starts), warm_ridge = 0;
	const double *warm = NULL;
	size_t nsub = sample_start(&p, o, refit_bgnbd, &warm_ridge, starts, &nstarts, &warm);
	struct flo_problem ranker = {0};
	rank_without_warm_start(&p, &ranker, nsub, index_triples);
	*on_ridge = 0;
	/* The ridge is a boundary of the likelihood alone: any penalty grows
	 * without bound along it.  Large data try it when their sample was
	 * there. */
	if (o->penalizer == 0 && (nsub == 0 || (warm != NULL && warm_ridge))) {
		double start[3];
		if (warm != NULL)
			start[0] = warm[0], start[1] = warm[1], start[2] = warm[2] - warm[3];
		else
			ridge_start(&p, (const double(*)[4])starts, nstarts, start);
		*on_ridge = ridge(&p, start, o, guard, res);
	}
	if (!*on_ridge) {
		if (warm_ridge) /* a point at infinity is no start for BFGS */
			nstarts--, warm = NULL;
		fit(&p, (const double(*)[4])starts, nstarts, warm, o, guard, res);
	}
	res->at_zero = at_zero;
	flo_problem_free(&ranker);
	keep_or_free(&p, o);
	return FLO_OK;
}

int flo_fit_bgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		  struct flo_fit_result *res)
{
	int on_ridge;
	return fit_bgnbd(d, n, o, res, &on_ridge);
}

/* The Pareto/NBD's refit of a sample, whose objective is the full data's
 * with the same penalty per customer: its penalizer, which lifetimes puts
 * on the sum over customers, scaled by the sample's weight over the full
 * data's (*ctx). */
static int refit_pnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		      struct flo_fit_result *res, void *ctx)
{
	struct flo_fit_options so = *o;
	double wsub = 0;
	for (size_t i = 0; i < n; i++)
		wsub += d[i].w;
	so.penalizer = o->penalizer * wsub / *(const double *)ctx;
	return flo_fit_pnbd(d, n, &so, res);
}

/* The Pareto/NBD: as the BG/NBD, without its ridge (the Pareto/NBD's
 * boundaries, s -> 0 and s, beta -> infinity together, are where the
 * likelihood flattens, and the fit stops there with a small gradient: the
 * warnings say which, fitreport.c).  lifetimes' ParetoNBDFitter minimises
 * the sum -sum_i ln L_i + penalizer sum_j theta_j^2 over one row per
 * customer, theta = (r, alpha s, s, beta s) on time rescaled by
 * s = 1/max(T): the same as the mean objective here with the penalizer
 * divided by the number of customers.  As the BG/NBD's, x > 0 at t_x = 0
 * makes the likelihood grow without bound as r and alpha go to 0 together
 * (a death just after time 0 explains any x when the rate is huge and
 * rare), and the fit is stopped where it runs away. */
int flo_fit_pnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		 struct flo_fit_result *res)
{
	static const int timed[4] = {0, 1, 0, 1};
	struct flo_problem p;
	double at_zero;
	int err = triples_problem(&p, d, n, index_pnbd, o, &at_zero);
	if (err != FLO_OK)
		return err;
	p.penalizer = o->penalizer / p.weight;
	start_rows starts;
	int nstarts = pareto_starts(time_scale(&p, timed), starts);
	const double *warm = NULL;
	size_t nsub = sample_start(&p, o, refit_pnbd, &p.weight, starts, &nstarts, &warm);
	fit_problem(&p, starts, nstarts, warm, nsub, index_pnbd, o, at_zero, "Pareto/NBD", res);
	return FLO_OK;
}

static int index_mbgnbd(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_mbgnbd(p, rows, n);
}

static int refit_mbgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
			struct flo_fit_result *res, void *ctx)
{
	(void)ctx;
	return flo_fit_mbgnbd(d, n, o, res);
}

/* The MBG/NBD (mbgnbd.h): as the BG/NBD, with lifetimes'
 * ModifiedBetaGeoFitter's objective (BetaGeoFitter's: the mean per
 * customer, theta = (r, alpha s, a, b), s = 1/max T) and the BG/NBD's
 * starts, without the BG/NBD's ridge: its boundaries are reported in words
 * (fitreport.c).  Its likelihood too has no maximum with customers at
 * x > 0, t_x = 0 (at_zero, runaway). */
int flo_fit_mbgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		   struct flo_fit_result *res)
{
	static const int timed[4] = {0, 1, 0, 0};
	struct flo_problem p;
	double at_zero;
	int err = triples_problem(&p, d, n, index_mbgnbd, o, &at_zero);
	if (err != FLO_OK)
		return err;
	p.penalizer = o->penalizer;
	start_rows starts;
	int nstarts = beta_geo_starts(time_scale(&p, timed), starts);
	const double *warm = NULL;
	size_t nsub = sample_start(&p, o, refit_mbgnbd, NULL, starts, &nstarts, &warm);
	fit_problem(&p, starts, nstarts, warm, nsub, index_mbgnbd, o, at_zero, "MBG/NBD", res);
	return FLO_OK;
}

static int index_bgbb(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_bgbb(p, rows, n);
}

/* The BG/BB (bgbb.h) on triples (x, t_x, n), with lifetimes'
 * BetaGeoBetaBinomFitter's objective: the mean -ln L per customer plus
 * penalizer * (alpha^2 + beta^2 + gamma^2 + delta^2), nothing rescaled (its
 * time is counted in periods).  Its starts: lifetimes' (every
 * log-parameter 0.1), all 1, and two that bracket what FHS10's and
 * simulated data give.  No warm start (discrete-time data have few
 * distinct triples), and no run-away: t_x = 0 comes with x = 0 only. */
int flo_fit_bgbb(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		 struct flo_fit_result *res)
{
	struct flo_problem p;
	double at_zero;
	int err = triples_problem(&p, d, n, index_bgbb, o, &at_zero);
	if (err != FLO_OK)
		return err;
	p.penalizer = o->penalizer;
	for (int j = 0; j < 4; j++)
		p.scale[j] = 1;
	start_rows starts = {
		{0.1, 0.1, 0.1, 0.1},
		{0, 0, 0, 0},
		{log(0.5), log(2), log(0.3), log(3)},
		{log(3), log(1), log(2), log(20)},
	};
	fit_problem(&p, starts, 4, NULL, 0, index_bgbb, o, 0, "BG/BB", res);
	return FLO_OK;
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
	struct flo_problem p;
	if (flo_problem_gg(&p, d, n) != FLO_OK) {
		flo_problem_free(&p);
		return FLO_ENOMEM;
	}
	flo_problem_threads(&p, o->pool);
	p.weight = weight;
	p.penalizer = o->penalizer;
	p.scale[0] = p.scale[1] = p.scale[2] = 1;
	/* Starts whose population mean p v/(q-1) is the sample mean, and
	 * lifetimes' own (all log-parameters 0.1). */
	double starts[][4] = {
		{0, log(2), log(mean)},
		{log(5), log(3), log(mean * 2 / 5)},
		{0.1, 0.1, 0.1},
		{0, 0, 0},
	};
	int nstarts = 3;
	const double *warm = NULL;
	struct flo_spend *sub;
	size_t nsub = subsample(d, sizeof *d, n, (void **)&sub);
	if (nsub > 0) {
		struct flo_fit_result w;
		struct flo_fit_options sample_o = *o;
		sample_o.keep = NULL;
		if (flo_fit_gg(sub, nsub, &sample_o, &w) == FLO_OK && w.converged) {
			for (int j = 0; j < 3; j++)
				starts[nstarts][j] = log(w.params[j]);
			warm = starts[nstarts++];
		}
		free(sub);
	}
	struct flo_problem ranker = {0};
	if (nsub == 0 && n >= RANK_MIN) {
		void *sample;
		size_t m = every(d, sizeof *d, n, RANK_EVERY, &sample);
		rank_on_sample(&p, &ranker, sample, m, index_spend);
	}
	fit(&p, (const double(*)[4])starts, nstarts, warm, o, 0, res);
	flo_problem_free(&ranker);
	keep_or_free(&p, o);
	return FLO_OK;
}

/* ---- the profile likelihood's steps ---- */

int flo_fit_maximise(struct flo_problem *p, const double *start, double *phi, double *ll)
{
	struct flo_fit_options o = {p->penalizer, 0, NULL, NULL, 0};
	double starts[1][4] = {{0}};
	struct flo_fit_result res;
	memcpy(starts[0], start, (size_t)p->np * sizeof *start);
	fit(p, (const double(*)[4])starts, 1, starts[0], &o, 0, &res);
	for (int j = 0; j < p->np; j++)
		phi[j] = log(res.params[j]);
	*ll = res.loglik;
	return res.converged;
}

/* ---- evaluation for tests ---- */

static void copy_out(const struct flo_lik *l, int np, double *ll, double *grad, double *hess)
{
	*ll = l->ll;
	for (int j = 0; j < np; j++) {
		if (grad)
			grad[j] = l->g[j];
		for (int k = 0; hess && k < np; k++)
			hess[j * np + k] = l->h[j * 4 + k];
	}
}

int flo_fit_bgnbd_loglik(const struct flo_triple *d, size_t n, const double *params, int limit,
			 double *ll, double *grad, double *hess, double *tau_slope)
{
	struct flo_problem p;
	if (flo_problem_bgnbd(&p, d, n) != FLO_OK) {
		flo_problem_free(&p);
		return FLO_ENOMEM;
	}
	flo_problem_threads(&p, NULL);
	double phi[4] = {log(params[0]), log(params[1]), 0, 0};
	if (limit) {
		p.np = 3;
		p.loglik = flo_lik_limit;
		phi[2] = log(params[2]) - log1p(-params[2]);
	} else {
		phi[2] = log(params[2]);
		phi[3] = log(params[3]);
	}
	struct flo_lik l;
	p.loglik(&p, phi, FLO_LIK_HESSIAN, &l);
	copy_out(&l, p.np, ll, grad, hess);
	if (tau_slope)
		*tau_slope = limit ? l.tau : 0;
	flo_problem_free(&p);
	return FLO_OK;
}

/* ln L, its gradient and Hessian at params (all > 0, taken in logs) of the
 * problem `index` makes of d; threads: whether its sums may use them. */
static int loglik_in_logs(int (*index)(struct flo_problem *, const struct flo_triple *, size_t),
			  int threads, const struct flo_triple *d, size_t n, const double *params,
			  double *ll, double *grad, double *hess)
{
	struct flo_problem p;
	if (index(&p, d, n) != FLO_OK) {
		flo_problem_free(&p);
		return FLO_ENOMEM;
	}
	if (threads)
		flo_problem_threads(&p, NULL);
	double phi[4];
	for (int j = 0; j < 4; j++)
		phi[j] = log(params[j]);
	struct flo_lik l;
	p.loglik(&p, phi, FLO_LIK_HESSIAN, &l);
	copy_out(&l, 4, ll, grad, hess);
	flo_problem_free(&p);
	return FLO_OK;
}

int flo_fit_pnbd_loglik(const struct flo_triple *d, size_t n, const double *params, double *ll,
			double *grad, double *hess)
{
	return loglik_in_logs(flo_problem_pnbd, 1, d, n, params, ll, grad, hess);
}

int flo_fit_mbgnbd_loglik(const struct flo_triple *d, size_t n, const double *params, double *ll,
			  double *grad, double *hess)
{
	return loglik_in_logs(flo_problem_mbgnbd, 1, d, n, params, ll, grad, hess);
}

/* The BG/BB's sums run on one thread (fitbgbb.c). */
int flo_fit_bgbb_loglik(const struct flo_triple *d, size_t n, const double *params, double *ll,
			double *grad, double *hess)
{
	return loglik_in_logs(flo_problem_bgbb, 0, d, n, params, ll, grad, hess);
}

int flo_fit_gg_loglik(const struct flo_spend *d, size_t n, const double *params, double *ll,
		      double *grad, double *hess)
{
	struct flo_problem p;
	if (flo_problem_gg(&p, d, n) != FLO_OK) {
		flo_problem_free(&p);
		return FLO_ENOMEM;
	}
	flo_problem_threads(&p, NULL);
	double phi[3] = {log(params[0]), log(params[1]), log(params[2])};
	struct flo_lik l;
	p.loglik(&p, phi, FLO_LIK_HESSIAN, &l);
	copy_out(&l, 3, ll, grad, hess);
	flo_problem_free(&p);
	return FLO_OK;
}
