/* fitlik.h: the log-likelihoods the fits maximise, summed over indexed
 * observations, with their exact gradients and Hessians in the
 * log-parameters: one pass over the data gives all three.  Internal to the
 * fitter (lib/model/fit.c); lib/model/fit.h exposes them to tests.
 *
 * The data are indexed for speed: every term of a likelihood that depends
 * on x alone (log-gamma, digamma and trigamma differences, the costly part)
 * is computed once per distinct x and evaluation, the terms in T or t_x once
 * per distinct value; what is left per observation is one exp (BG/NBD)
 * or one log (Gamma-Gamma).  All but small data are summed on two
 * threads. */
#ifndef FLO_FITLIK_H
#define FLO_FITLIK_H

#include <stddef.h>
#include <stdint.h>

#include "model/compact.h"
#include "base/pool.h"

struct flo_obs {
	uint32_t xi, ti, ui; /* indexes of x, of T and of t_x (GG: of its row) */
	double w;
};

struct flo_values {
	double *v;
	size_t n;
};

/* sum w ln L and its derivatives with respect to the log-parameters phi;
 * h is the Hessian, row-major with stride 4 whatever the number of
 * parameters. */
struct flo_lik {
	double ll, g[4], h[16];
	double tau; /* the limit model's d(sum w ln L)/d tau at tau = 0 */
};

/* What an evaluation computes: the value; also the gradient; also the
 * Hessian (and the limit model's slope in tau with the gradient). */
enum { FLO_LIK_VALUE, FLO_LIK_GRADIENT, FLO_LIK_HESSIAN };

/* One model's likelihood over the data, and what the objective adds. */
struct flo_problem {
	int np;
	struct flo_obs *obs;
	size_t n;
	/* distinct values: of x; of T and t_x together (the BG/NBD) */
	struct flo_values xs, ts;
	double *xw;                   /* total weight per distinct x */
	double *xlog;                 /* GG: ln x per distinct x */
	/* GG: per observation w, w x, x m, ln m, the terms its sums read in
	 * order (fitlik.c) */
	double *spend_terms;
	double spend_lnm; /* GG: sum w ln m */
	double *scratch;              /* per-evaluation terms */
	double weight;                /* sum of weights */
	double penalizer;
	double scale[4]; /* theta_j = exp(phi_j) scale_j is what is penalised */
	int split;             /* sums in two parts (flo_problem_threads()) */
	struct flo_pool *pool; /* the second part on a helper when not NULL */
	int owns_pool;         /* started it, and stops it when freed */
	/* where starting points are ranked: a sample of this problem (fit.c),
	 * or NULL for this one */
	const struct flo_problem *ranker;
	void (*loglik)(const struct flo_problem *p, const double *phi, int order,
		       struct flo_lik *out);
	/* When not NULL: what is about to evaluate loglik many times near phi
	 * (the profile intervals, interval.c) calls it first, and the
	 * likelihood may prepare for it (the Gamma-Gamma's series in v,
	 * ggseries.h).  The values are those of a pass to rounding. */
	void (*near)(const struct flo_problem *p, const double *phi);
	/* a model's own index (the Pareto/NBD's, fitpnbd.c), freed with the
	 * problem by free_extra */
	void *extra;
	void (*free_extra)(void *extra);
};

/* Index the data for flo_lik_bgnbd() (np 4) or flo_lik_gg() (np 3);
 * FLO_ENOMEM (also for more than 2^32 observations).  The caller sets
 * weight, penalizer and scale.  flo_problem_free() accepts a problem whose
 * indexing failed. */
int flo_problem_bgnbd(struct flo_problem *p, const struct flo_triple *d, size_t n);
int flo_problem_gg(struct flo_problem *p, const struct flo_spend *d, size_t n);
void flo_problem_free(struct flo_problem *p);

/* Index triples for flo_lik_pnbd() (np 4), as flo_problem_bgnbd() does. */
int flo_problem_pnbd(struct flo_problem *p, const struct flo_triple *d, size_t n);

/* The sums over observations run in two parts, the second on a helper
 * thread (lib/base/pool.c), from this many observations: enough to pay for the
 * handover (a few microseconds against 10-20 nanoseconds per
 * observation). */
#define FLO_FIT_THREAD_MIN 4096

/* Sums on two threads when the data pay for the handover: on shared, or,
 * when it is NULL, on a helper the problem starts and stops.  Without a
 * helper (one CPU, FLO_THREADS=1) the two parts are summed one after the
 * other, so that the fit is the same to the last bit. */
void flo_problem_threads(struct flo_problem *p, struct flo_pool *shared);


/* The BG/NBD in phi = (ln r, ln alpha, ln a, ln b). */
void flo_lik_bgnbd(const struct flo_problem *p, const double *phi, int order,
		   struct flo_lik *out);

/* The BG/NBD's limit a, b -> infinity with mu = a/(a+b) fixed, in phi = (ln r,
 * ln alpha, logit mu), on a problem indexed by flo_problem_bgnbd() (np set
 * to 3); out->tau is the slope of the BG/NBD in tau = 1/(a+b) there. */
void flo_lik_limit(const struct flo_problem *p, const double *phi, int order,
		   struct flo_lik *out);

/* The limit model's maximum over logit mu with r and alpha held at
 * exp(phi[0]), exp(phi[1]), searched from phi[2], into *logit: 1, or 0 when
 * it has none inside (-40, 40) or there is no memory.  A start for Newton's method, which walks
 * towards a small mu only one unit of logit mu per step (see fit.c). */
int flo_lik_limit_profile(const struct flo_problem *p, const double *phi, double *logit);

/* The Pareto/NBD in phi = (ln r, ln alpha, ln s, ln beta), exact gradient
 * and Hessian, its dead integrals shared per distinct x (fitpnbd.c). */
void flo_lik_pnbd(const struct flo_problem *p, const double *phi, int order,
		  struct flo_lik *out);

/* The MBG/NBD (mbgnbd.h) in phi = (ln r, ln alpha, ln a, ln b), on
 * triples indexed by flo_problem_mbgnbd() (as flo_problem_bgnbd()); exact
 * gradient and Hessian (fitmbg.c). */
int flo_problem_mbgnbd(struct flo_problem *p, const struct flo_triple *d, size_t n);
void flo_lik_mbgnbd(const struct flo_problem *p, const double *phi, int order,
		    struct flo_lik *out);

/* The BG/BB (bgbb.h) in phi = (ln alpha, ln beta, ln gamma, ln delta), on
 * triples (x, t_x, n) indexed by flo_problem_bgbb() (as
 * flo_problem_bgnbd()); exact gradient, the Hessian by central differences
 * of it (fitbgbb.c). */
int flo_problem_bgbb(struct flo_problem *p, const struct flo_triple *d, size_t n);
void flo_lik_bgbb(const struct flo_problem *p, const double *phi, int order,
		  struct flo_lik *out);

/* The Gamma-Gamma in phi = (ln p, ln q, ln v). */
void flo_lik_gg(const struct flo_problem *p, const double *phi, int order,
		struct flo_lik *out);

#endif
