/* interval.h: how sure a fit is: for every parameter an estimate, a
 * standard error and a confidence interval, each saying its method, and the
 * covariance of the log-parameters that scoring draws from (draws.h).
 *
 *   wald-log  the Wald interval on the log scale, phi +- z se(phi), phi =
 *             ln theta, from the observed information (the Hessian the fit
 *             computes), mapped back: exp(phi +- z se(phi)).
 *   profile   the profile-likelihood interval: the theta_j with
 *             2 (LL_max - max_{others} LL) <= chi2_1(level), the others
 *             re-maximised by the fit's own Newton steps (fit.h) from the
 *             optimum.  Where the profile never crosses the threshold on a
 *             side (a boundary fit) that bound is none, and the note says so
 *             in words.
 *
 * The likelihoods come through one table per kind (interval.c): a kind is
 * an indexing of the data and a log-likelihood over it as a function of the
 * log-parameters (fitlik.h), so a new model family plugs in with one row. */
#ifndef FLO_INTERVAL_H
#define FLO_INTERVAL_H

#include <stddef.h>

#include "model/compact.h"
#include "model/fit.h"

enum flo_interval_kind { FLO_IV_BGNBD, FLO_IV_PNBD, FLO_IV_GG, FLO_IV_MBGNBD, FLO_IV_BGBB };

/* Which intervals: auto (Wald on the log scale for interior parameters of
 * the purchase models, profile for the Gamma-Gamma and for parameters on or
 * near a boundary), or every one by one method. */
enum flo_interval_choice { FLO_IV_AUTO, FLO_IV_WALD, FLO_IV_PROFILE };

/* bootstrap: the percentile interval of a parametric bootstrap
 * (bootstrap.h, flo-fit --bootstrap N). */
enum flo_interval_method { FLO_IV_METHOD_WALD_LOG, FLO_IV_METHOD_PROFILE, FLO_IV_METHOD_BOOTSTRAP };

/* Room for a bound's words. */
#define FLO_IV_NOTE_MAX 200

struct flo_param_interval {
	double estimate;
	double se;              /* delta method; valid when has_se */
	int has_se;
	double lower, upper;    /* valid when has_lower, has_upper */
	int has_lower, has_upper;
	enum flo_interval_method method;
	char note[FLO_IV_NOTE_MAX]; /* why a bound is none, "" when both exist */
};

/* The covariance of the coordinates draws are made in: the log-parameters
 * (scale log), or on the BG/NBD's boundary a, b -> infinity (fit.h) the
 * limit model's (ln r, ln alpha, logit mu), mu = a/(a+b) (scale limit). */
enum flo_cov_scale { FLO_COV_NONE, FLO_COV_LOG, FLO_COV_LIMIT };

struct flo_cov {
	enum flo_cov_scale scale;
	int np;
	double mean[4];   /* the estimate in these coordinates */
	double m[16];     /* row-major, stride 4 */
};

struct flo_intervals {
	double level;
	int np;
	struct flo_param_interval p[4];
	struct flo_cov cov;
};

/* The intervals of a fit (res, as flo_fit_bgnbd(), flo_fit_pnbd(),
 * flo_fit_mbgnbd() or flo_fit_gg() gave it) on the same rows (triples for the purchase models,
 * spend pairs for the Gamma-Gamma), at level in (0, 1).  A penalised fit
 * (penalizer > 0) gets Wald intervals about its estimate, the note saying
 * so.  The sums run on pool's helper thread (pool.h), or when it is NULL on
 * one the intervals start when the data pay for it.  FLO_EVALUE (a level
 * outside (0, 1)), FLO_ENOMEM. */
int flo_intervals(enum flo_interval_kind kind, const void *rows, size_t n,
		  const struct flo_fit_result *res, double penalizer, double level,
		  enum flo_interval_choice choice, struct flo_pool *pool,
		  struct flo_intervals *out);

/* The same on the data the fit itself indexed, summed on its threads (fit.h's
 * keep: the BG/NBD's or the Gamma-Gamma's), so that they are not indexed
 * again: the same intervals, to the last bit.  FLO_EVALUE. */
int flo_intervals_indexed(enum flo_interval_kind kind, const struct flo_problem *p,
			  const struct flo_fit_result *res, double penalizer, double level,
			  enum flo_interval_choice choice, struct flo_intervals *out);

/* The method's name in the document ("wald-log", "profile", "bootstrap"). */
const char *flo_interval_method_name(enum flo_interval_method m);

/* The parameters' names of a kind (r, alpha, a, b; r, alpha, s, beta; p, q, v). */
const char *const *flo_interval_names(enum flo_interval_kind kind);

#endif
