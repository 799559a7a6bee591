/* interval.c: Wald and profile-likelihood intervals of a fit (interval.h). */
#include "model/interval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "base/err.h"
#include "model/fitlik.h"

/* ---- the kinds: one row each ---- */

static const char *const bg_names[] = {"r", "alpha", "a", "b"};
static const char *const pn_names[] = {"r", "alpha", "s", "beta"};
static const char *const gg_names[] = {"p", "q", "v"};
static const char *const bb_names[] = {"alpha", "beta", "gamma", "delta"};

static int index_bgnbd(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_bgnbd(p, rows, n);
}

static int index_pnbd(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_pnbd(p, rows, n);
}

static int index_mbgnbd(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_mbgnbd(p, rows, n);
}

static int index_bgbb(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_bgbb(p, rows, n);
}

static int index_gg(struct flo_problem *p, const void *rows, size_t n)
{
	return flo_problem_gg(p, rows, n);
}

/* A kind: its parameters, the indexing of its rows (which sets the
 * log-likelihood, fitlik.h), and whether the Wald interval serves its
 * interior parameters (the Gamma-Gamma's understate the spread of its
 * estimates about 1.7 times on simulated data: README "Against the
 * published numbers"). */
struct kind {
	int np;
	const char *const *names;
	int (*index)(struct flo_problem *p, const void *rows, size_t n);
	int wald_ok;
	/* the profile's bounds by Newton's steps (profile_side()): the
	 * Gamma-Gamma's, whose profiles are interior and smooth and whose every
	 * point is a pass over the spend pairs.  The purchase models' profiles
	 * keep the walk and false position: on the FLO file's boundary fit the
	 * BG/NBD's profile of b crosses the threshold more than once, and
	 * Newton's steps land on another crossing (b 8132, not 116.7). */
	int newton;
};

static const struct kind kinds[] = {
	[FLO_IV_BGNBD] = {4, bg_names, index_bgnbd, 1, 0},
	[FLO_IV_PNBD] = {4, pn_names, index_pnbd, 1, 0},
	[FLO_IV_GG] = {3, gg_names, index_gg, 0, 1},
	[FLO_IV_MBGNBD] = {4, bg_names, index_mbgnbd, 1, 0},
	[FLO_IV_BGBB] = {4, bb_names, index_bgbb, 1, 0},
};

const char *const *flo_interval_names(enum flo_interval_kind kind)
{
	return kinds[kind].names;
}

const char *flo_interval_method_name(enum flo_interval_method m)
{
	return m == FLO_IV_METHOD_PROFILE ? "profile"
	       : m == FLO_IV_METHOD_BOOTSTRAP ? "bootstrap" : "wald-log";
}

/* ---- the covariance ---- */

/* The inverse of the observed information -h (np x np, stride 4) into cov;
 * 0 when it is not positive definite. */
static int invert_information(const double *h, int np, double *cov)
{
	gsl_matrix *info = gsl_matrix_alloc((size_t)np, (size_t)np);
	if (info == NULL)
		return 0;
	for (int j = 0; j < np; j++)
		for (int k = 0; k < np; k++)
			gsl_matrix_set(info, (size_t)j, (size_t)k, -h[j * 4 + k]);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int ok = gsl_linalg_cholesky_decomp1(info) == GSL_SUCCESS &&
		 gsl_linalg_cholesky_invert(info) == GSL_SUCCESS;
	gsl_set_error_handler(old);
	for (int j = 0; ok && j < np; j++)
		for (int k = 0; k < np; k++) {
			cov[j * 4 + k] = gsl_matrix_get(info, (size_t)j, (size_t)k);
			ok &= isfinite(cov[j * 4 + k]) && (j != k || cov[j * 4 + k] > 0);
		}
	gsl_matrix_free(info);
	return ok;
}

static int covariance(const struct flo_problem *p, const double *phi, enum flo_cov_scale scale,
		      struct flo_cov *cov)
{
	struct flo_lik lik;
	p->loglik(p, phi, FLO_LIK_HESSIAN, &lik);
	memset(cov, 0, sizeof *cov);
	if (!invert_information(lik.h, p->np, cov->m))
		return 0;
	cov->scale = scale;
	cov->np = p->np;
	memcpy(cov->mean, phi, (size_t)p->np * sizeof *phi);
	return 1;
}

/* ---- the profile ---- */

/* The problem with parameter j held at `value`: the others are its
 * log-parameters.  base comes first, so that the likelihood's callback,
 * which is handed base, finds the rest. */
struct fixed {
	struct flo_problem base;
	const struct flo_problem *full;
	int j;
	double value;
	struct slope *slope; /* where the last gradient's j-th term is kept */
};

/* d ln L / d phi_j at the last point the profile's fit evaluated to a
 * gradient: at the profile's maximum over the others, the slope of the
 * profile itself (the others' gradient is 0 there: the envelope theorem). */
struct slope {
	double at[4]; /* the others' log-parameters */
	double g;
	int set;
};

static void fixed_loglik(const struct flo_problem *p, const double *phi, int order,
			 struct flo_lik *out)
{
	const struct fixed *f = (const struct fixed *)(const void *)p;
	int np = f->full->np;
	double all[4] = {0};
	struct flo_lik l;
	for (int k = 0, i = 0; k < np; k++)
		all[k] = k == f->j ? f->value : phi[i++];
	f->full->loglik(f->full, all, order, &l);
	if (order >= FLO_LIK_GRADIENT) {
		memcpy(f->slope->at, phi, (size_t)(np - 1) * sizeof *phi);
		f->slope->g = l.g[f->j];
		f->slope->set = 1;
	}
	memset(out, 0, sizeof *out);
	out->ll = l.ll;
	for (int k = 0, i = 0; k < np; k++) {
		if (k == f->j)
			continue;
		out->g[i] = l.g[k];
		for (int m = 0, c = 0; m < np; m++)
			if (m != f->j)
				out->h[i * 4 + c++] = l.h[k * 4 + m];
		i++;
	}
}

/* How far from the estimate a profile looks, in log units: a parameter
 * e^200 times its estimate, or beyond e^+-250 (the fit's own limit is
 * e^+-300), is as good as unbounded. */
#define PROFILE_SPAN 200.0
#define PROFILE_LIMIT 250.0
#define PROFILE_WALK 40
#define PROFILE_ROOT 60

struct profile {
	struct fixed f;
	struct slope slope;
	int newton; /* Newton's steps on the deficit (profile_side()) */
	double ll_hat, crit;
	double nuis[4]; /* the others' log-parameters at the last point */
};

/* 2 (LL_max - LL_profile(c)) - chi2_1(level) at theta_j = e^c, and its
 * slope in c into *d (-2 d LL_profile / dc; NaN when unknown). */
static double deficit(struct profile *pr, double c, double *d)
{
	double phi[4], ll;
	int np = pr->f.base.np;
	pr->f.value = c;
	pr->slope.set = 0;
	flo_fit_maximise(&pr->f.base, pr->nuis, phi, &ll);
	*d = NAN;
	if (!isfinite(ll))
		return HUGE_VAL; /* nowhere near the maximum */
	/* the fit's last gradient was at its maximum, given back through
	 * exp and log: the same point to rounding */
	int there = pr->slope.set;
	for (int i = 0; there && i < np; i++)
		there = fabs(pr->slope.at[i] - phi[i]) <= 1e-12 * fmax(1, fabs(phi[i]));
	if (there)
		*d = -2 * pr->slope.g;
	memcpy(pr->nuis, phi, sizeof phi);
	return 2 * (pr->ll_hat - ll) - pr->crit;
}

/* The signed root of a deficit g (> -crit): sqrt(g + crit) - sqrt(crit). */
static double root_scale(double g, double crit)
{
	return sqrt(fmax(0, g + crit)) - sqrt(crit);
}

/* The bound on one side (dir +1 or -1) from c_hat, stepping out by step,
 * doubled each time, until the deficit crosses 0, then regula falsi
 * (Illinois) inside the bracket; the others start from the inner end's
 * maximum.  With pr->newton, both phases take Newton's step on the deficit
 * where its slope (deficit()) points to a root: the deficit grows about
 * quadratically away from the estimate, so that from inside the step lands
 * just beyond the root (a bracket in one evaluation), and inside a bracket
 * it needs fewer points than false position (on 200,000 summaries the
 * Gamma-Gamma's six bounds took 35 points instead of 53).  Returns 1 with
 * *bound, or 0 when the profile stays within the threshold as far as it
 * looks. */
static int profile_side(struct profile *pr, const double *nuis_hat, double c_hat, double dir,
			double step, double *bound)
{
	double in = c_hat, g_in = -pr->crit, d_in = NAN, out = c_hat, g_out = 0, d_out = NAN;
	double prev[4], prev_c = c_hat, at_in[4];
	int crossed = 0, np = pr->f.base.np;
	memcpy(pr->nuis, nuis_hat, sizeof pr->nuis);
	memcpy(prev, nuis_hat, sizeof prev);
	for (int k = 0; k < PROFILE_WALK; k++) {
		/* Newton's step when it goes out and no further than twice the
		 * step (a flat profile's slope would send it far), 2% beyond so
		 * that it lands past the root; NaN without a slope */
		double newton = pr->newton ? -g_in / d_in : NAN;
		out = newton * dir > 0 && newton * dir < 2 * step ? in + newton * 1.02
								 : in + dir * step;
		if (fabs(out - c_hat) > PROFILE_SPAN || fabs(out) > PROFILE_LIMIT)
			return 0;
		/* the others' path extrapolated from the last two points: along a
		 * boundary they move with the parameter (a with b on the
		 * BG/NBD's a, b -> infinity), and a start 30 log units away
		 * costs Newton dozens of steps or the maximum */
		memcpy(at_in, pr->nuis, sizeof at_in);
		if (k > 0)
			for (int i = 0; i < np; i++)
				pr->nuis[i] += (pr->nuis[i] - prev[i]) * (out - in) / (in - prev_c);
		memcpy(prev, at_in, sizeof prev);
		prev_c = in;
		g_out = deficit(pr, out, &d_out);
		if (g_out >= 0) {
			crossed = 1;
			break;
		}
		step = fmax(2 * step, fabs(out - in));
		in = out;
		g_in = g_out;
		d_in = d_out;
	}
	if (!crossed)
		return 0;
	/* Illinois: false position, halving the weight of an end kept twice
	 * (in q_in, q_out; Newton's step takes the true values); the others
	 * start from the inner end's maximum.  The interpolation is in the
	 * signed root of the likelihood ratio, q = sqrt(deficit + crit) -
	 * sqrt(crit) (the same sign as the deficit), which is about linear in
	 * the parameter where the deficit is about quadratic: a first step
	 * that overshoots far (the FLO file's Pareto/NBD, whose r, alpha
	 * profiles start at a step of 0.9 and a deficit of 3600) is a bracket
	 * false position on the deficit itself closes in on from one side, a
	 * dozen refits for a bound, where on q it takes a few. */
	memcpy(pr->nuis, at_in, sizeof at_in);
	int kept = 0;
	double c = in, true_in = g_in, true_out = g_out; /* the g's unhalved */
	double q_in = root_scale(g_in, pr->crit), q_out = root_scale(fmin(g_out, 1e6), pr->crit);
	for (int k = 0; k < PROFILE_ROOT && fabs(out - in) > 1e-9 * fmax(1, fabs(c)); k++) {
		double lo = fmin(in, out), hi = fmax(in, out);
		/* Newton from the end nearer the root, when it stays inside */
		double n_in = in - true_in / d_in, n_out = out - true_out / d_out;
		c = !pr->newton ? NAN : fabs(true_in) <= fabs(true_out) ? n_in : n_out;
		if (!(c > lo && c < hi))
			c = in + (out - in) * (-q_in) / (q_out - q_in);
		if (!(c > lo && c < hi))
			c = (in + out) / 2;
		double d, g = deficit(pr, c, &d);
		if (fabs(g) < 1e-9)
			break;
		double q = root_scale(fmin(g, 1e6), pr->crit); /* an infinite side bisects */
		if (g < 0) {
			in = c, true_in = g, d_in = d, q_in = q;
			if (kept == -1)
				q_out /= 2;
			kept = -1;
		} else {
			out = c, true_out = g, d_out = d, q_out = q;
			if (kept == 1)
				q_in /= 2;
			kept = 1;
		}
	}
	*bound = c;
	return 1;
}

/* The profile interval of parameter j of q (full or the limit model) whose
 * estimate is phi_hat with log-likelihood ll_hat; name for the words. */
static void profile_interval(const struct flo_problem *q, const double *phi_hat, double ll_hat,
			     int j, double crit, double step, int newton, const char *name,
			     struct flo_param_interval *iv)
{
	struct profile pr;
	memset(&pr, 0, sizeof pr);
	pr.f.base = *q;
	pr.f.base.np = q->np - 1;
	pr.f.base.loglik = fixed_loglik;
	pr.f.base.ranker = NULL;
	pr.f.base.penalizer = 0;
	pr.f.full = q;
	pr.f.j = j;
	pr.f.slope = &pr.slope;
	pr.newton = newton;
	pr.ll_hat = ll_hat;
	pr.crit = crit;
	double nuis_hat[4] = {0}, c;
	for (int k = 0, i = 0; k < q->np; k++)
		if (k != j)
			nuis_hat[i++] = phi_hat[k];
	iv->method = FLO_IV_METHOD_PROFILE;
	if ((iv->has_lower = profile_side(&pr, nuis_hat, phi_hat[j], -1, step, &c)) != 0)
		iv->lower = exp(c);
	if ((iv->has_upper = profile_side(&pr, nuis_hat, phi_hat[j], 1, step, &c)) != 0)
		iv->upper = exp(c);
	if (!iv->has_lower && !iv->has_upper)
		snprintf(iv->note, sizeof iv->note, "no bounds: the likelihood stays within the "
			 "threshold as %s grows and as it falls to 0", name);
	else if (!iv->has_upper)
		snprintf(iv->note, sizeof iv->note, "upper bound: none \xe2\x80\x94 the likelihood "
			 "stays within the threshold as %s grows", name);
	else if (!iv->has_lower)
		snprintf(iv->note, sizeof iv->note, "lower bound: none \xe2\x80\x94 the likelihood "
			 "stays within the threshold as %s falls to 0", name);
}

/* ---- the intervals ---- */

/* Where flo's BG/NBD fit reports the boundary a, b -> infinity (fit.c:
 * a + b = 1e30): beyond this, a fit is there. */
#define RIDGE_SUM 1e25

static double weight_of(const struct flo_problem *p)
{
	double w = 0;
	for (size_t k = 0; k < p->xs.n; k++)
		w += p->xw[k];
	return w;
}

/* A Wald interval on the log scale, when the covariance has one. */
static void wald_interval(const struct flo_cov *cov, int j, double z, struct flo_param_interval *iv)
{
	iv->method = FLO_IV_METHOD_WALD_LOG;
	if (cov->scale != FLO_COV_LOG)
		return;
	double half = z * sqrt(cov->m[j * 5]);
	iv->lower = exp(cov->mean[j] - half);
	iv->upper = exp(cov->mean[j] + half);
	iv->has_lower = iv->has_upper = 1;
}

/* Auto: a parameter is on or near a boundary when the information does not
 * pin it down, its Wald interval spans more than a factor e each way (where
 * the quadratic model of the log-likelihood has no reason to hold), or it
 * is where the fit's warnings call it a boundary. */
static int near_boundary(const struct flo_cov *cov, int j, double z, double theta)
{
	return cov->scale != FLO_COV_LOG || z * sqrt(cov->m[j * 5]) > 1 || theta < 1e-6 ||
	       theta > 1e6;
}

/* The intervals on the indexed data p (a copy: its weight, penalty and
 * scales are the intervals' own). */
static void intervals_of(enum flo_interval_kind kind, struct flo_problem p,
			 const struct flo_fit_result *res, double penalizer, double level,
			 enum flo_interval_choice choice, struct flo_intervals *out)
{
	const struct kind *k = &kinds[kind];
	p.weight = weight_of(&p);
	p.penalizer = 0;
	for (int j = 0; j < 4; j++)
		p.scale[j] = 1;
	double phi[4] = {0};
	for (int j = 0; j < k->np; j++)
		phi[j] = log(res->params[j]);
	double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2), crit = gsl_cdf_chisq_Pinv(level, 1);
	int ridge = kind == FLO_IV_BGNBD && res->params[2] + res->params[3] > RIDGE_SUM, near = 0;
	struct flo_problem lim = p;
	double phi_lim[4] = {phi[0], phi[1], phi[2] - phi[3], 0};
	if (ridge) {
		lim.np = 3;
		lim.loglik = flo_lik_limit;
		covariance(&lim, phi_lim, FLO_COV_LIMIT, &out->cov);
	} else {
		covariance(&p, phi, FLO_COV_LOG, &out->cov);
	}
	for (int j = 0; j < k->np; j++) {
		struct flo_param_interval *iv = &out->p[j];
		iv->estimate = res->params[j];
		iv->has_se = res->has_se;
		iv->se = res->has_se ? res->se[j] : 0;
		int profile = choice == FLO_IV_PROFILE ||
			      (choice == FLO_IV_AUTO &&
			       (!k->wald_ok || near_boundary(&out->cov, j, z, res->params[j])));
		if (penalizer > 0 || !profile) {
			wald_interval(&out->cov, j, z, iv);
			if (penalizer > 0)
				snprintf(iv->note, sizeof iv->note, "a penalised fit: the Wald "
					 "interval about the penalised estimate%s",
					 iv->has_lower ? "" : ", and none: the information "
					 "matrix is singular there");
			else if (!iv->has_lower)
				snprintf(iv->note, sizeof iv->note, "no Wald interval: the "
					 "information matrix is singular at this estimate");
			continue;
		}
		double step = out->cov.scale == FLO_COV_LOG ? z * sqrt(out->cov.m[j * 5]) : 1;
		if (!(step > 1e-4 && step < 4))
			step = step > 1e-4 ? 4 : 1e-4;
		step *= 0.9; /* the first step usually lands inside */
		if (p.near != NULL && !near) {
			p.near(&p, phi);
			near = 1;
		}
		if (ridge && j < 2)
			profile_interval(&lim, phi_lim, res->loglik, j, crit, step, k->newton,
					 k->names[j], iv);
		else
			profile_interval(&p, phi, res->loglik, j, crit, step, k->newton, k->names[j],
					 iv);
	}
}

static int start(enum flo_interval_kind kind, double level, struct flo_intervals *out)
{
	memset(out, 0, sizeof *out);
	if (!(level > 0 && level < 1))
		return FLO_EVALUE;
	out->level = level;
	out->np = kinds[kind].np;
	return FLO_OK;
}

int flo_intervals(enum flo_interval_kind kind, const void *rows, size_t n,
		  const struct flo_fit_result *res, double penalizer, double level,
		  enum flo_interval_choice choice, struct flo_pool *pool, struct flo_intervals *out)
{
	int err = start(kind, level, out);
	if (err != FLO_OK)
		return err;
	struct flo_problem p;
	if (kinds[kind].index(&p, rows, n) != FLO_OK) {
		flo_problem_free(&p);
		return FLO_ENOMEM;
	}
	flo_problem_threads(&p, pool);
	intervals_of(kind, p, res, penalizer, level, choice, out);
	flo_problem_free(&p);
	return FLO_OK;
}

int flo_intervals_indexed(enum flo_interval_kind kind, const struct flo_problem *p,
			  const struct flo_fit_result *res, double penalizer, double level,
			  enum flo_interval_choice choice, struct flo_intervals *out)
{
	int err = start(kind, level, out);
	if (err == FLO_OK)
		intervals_of(kind, *p, res, penalizer, level, choice, out);
	return err;
}
