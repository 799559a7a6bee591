/* fit.h: maximum-likelihood fits of the BG/NBD and Gamma-Gamma models.
 *
 * The likelihood is summed over distinct observations with weights (the
 * number of customers sharing them), so a fit costs what the distinct
 * (x, t_x, T) triples cost, not what the customers do.  Parameters are
 * estimated on the log scale, which keeps them positive, by Newton's method
 * with the exact Hessian, from the best of several starting points (from
 * the fit of a sample for large data); where Newton does not converge, by
 * GSL's BFGS (vector_bfgs2) from each starting point in turn.  A BG/NBD
 * whose maximum is where a and b run to infinity together (the dropout
 * probability the same for every customer) is recognised from the model's
 * limit there and reported at a point on that boundary: a/(a+b) is the
 * limit's, a + b = 1e30.
 *
 * The objective is the one the Python `lifetimes` library minimises, so that
 * its penalizer means the same here (DESIGN.md, "Penalizer"):
 *   -(1/N) sum_i w_i ln L_i + penalizer * sum_j theta_j^2
 * with theta = (r, alpha s, a, b) for the BG/NBD, s = 1/max(T), and
 * theta = (p, q, v) for the Gamma-Gamma.  With penalizer 0 it is the MLE. */
#ifndef FLO_FIT_H
#define FLO_FIT_H

#include <stddef.h>

#include "model/compact.h"


struct flo_pool;
struct flo_problem;

struct flo_fit_options {
	double penalizer;
	int max_iter; /* per start; 0 for the default */
	/* a helper thread to sum large data on (lib/base/pool.h), kept by the
	 * caller; NULL: each fit starts one of its own when it pays */
	struct flo_pool *pool;
	/* when not NULL, flo_fit_bgnbd() and flo_fit_gg() leave the data they
	 * indexed (fitlik.h) here instead of freeing them, for the intervals
	 * (interval.h: flo_intervals_indexed()) to read without indexing them
	 * again; the caller frees it with flo_problem_free() (also when the
	 * fit failed: it is then {0}) */
	struct flo_problem *keep;
	/* evaluations of the likelihood per fit (fit.c); 0 for the default */
	int max_evaluations;
};

struct flo_fit_result {
	int np;
	double params[4];   /* BG/NBD: r, alpha, a, b; Gamma-Gamma: p, q, v */
	double se[4];       /* standard errors by the delta method ... */
	int has_se;         /* ... when the information matrix is invertible */
	double loglik;      /* sum of w ln L at the estimate, without the penalty */
	double objective;   /* the minimised objective, penalty included */
	double n;           /* customers: the sum of the weights */
	size_t distinct;    /* distinct observations */
	int iterations;     /* steps of the run that gave the estimate, on all
			     * the data: Newton steps (each one pass with the
			     * Hessian), BFGS iterations when BFGS gave it, the
			     * limit model's Newton steps for the boundary above */
	int converged;      /* the gradient test passed */
	int evaluations;    /* of the likelihood, on all the data, in the runs */
	int stopped;        /* no run converged within the bound on evaluations
			     * (this many): the fit was stopped there */
	double grad_norm;   /* of the objective, at the estimate */
	int starts, starts_converged;
	/* BG/NBD: customers (weights) with x > 0 at t_x = 0, where the
	 * likelihood has no maximum: it grows without bound as r and alpha go
	 * to 0 together, and a fit is at best a local optimum */
	double at_zero;
	/* BG/NBD: the fit ran away towards that boundary (alpha fell below
	 * FLO_FIT_RUNAWAY_ALPHA of the longest T while at_zero > 0) and no
	 * start converged: params are where it was stopped, not an estimate */
	int runaway;
	/* the model's name in messages (fitreport.h): NULL is the BG/NBD */
	const char *model;
};

/* alpha s (s = 1/max T) below this with at_zero > 0 is the run-away: the
 * Gamma's scale is 1e20 observation periods, every rate about 0, which no
 * proper fit comes near and the unbounded direction reaches in a few
 * Newton steps. */
#define FLO_FIT_RUNAWAY_ALPHA 1e-20

/* Fit the BG/NBD.  FLO_EVALUE when there are no observations (or none with
 * weight); FLO_ENOMEM.  A fit that did not converge is not an error: the
 * result says so and the caller reports it; nor one that ran away
 * (res->runaway), which stops there rather than follow the likelihood to
 * the edge of the parameters. */
int flo_fit_bgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		  struct flo_fit_result *res);

/* Fit the Pareto/NBD (pnbd.h): params r, alpha, s, beta.  The penalizer
 * means what lifetimes' ParetoNBDFitter's does on one row per customer
 * (fit.c).  Its likelihood too has no maximum with customers at x > 0,
 * t_x = 0 (at_zero, runaway as above).  FLO_EVALUE, FLO_ENOMEM as above. */
int flo_fit_pnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		 struct flo_fit_result *res);

/* Fit the MBG/NBD (mbgnbd.h): params r, alpha, a, b; the penalizer as
 * lifetimes' ModifiedBetaGeoFitter's (the BG/NBD's); at_zero and runaway
 * as above.  FLO_EVALUE, FLO_ENOMEM as above. */
int flo_fit_mbgnbd(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		   struct flo_fit_result *res);

/* Fit the BG/BB (bgbb.h) on triples (x, t_x, n) of whole periods: params
 * alpha, beta, gamma, delta; the penalizer as lifetimes'
 * BetaGeoBetaBinomFitter's (the mean objective, parameters unscaled).
 * FLO_EVALUE, FLO_ENOMEM as above. */
int flo_fit_bgbb(const struct flo_triple *d, size_t n, const struct flo_fit_options *o,
		 struct flo_fit_result *res);

/* Fit the Gamma-Gamma on customers with x > 0 and m > 0 (the caller leaves
 * the others out, and counts them). */
int flo_fit_gg(const struct flo_spend *d, size_t n, const struct flo_fit_options *o,
	       struct flo_fit_result *res);

/* The log-likelihood sum_i w_i ln L_i the fits maximise, its gradient and
 * its Hessian (row-major) with respect to the log-parameters, as the fitter
 * computes them: for tests.  params: r, alpha, a, b; with `limit`, the
 * model at a + b = infinity: r, alpha, mu = a/(a+b), the derivatives then
 * with respect to (ln r, ln alpha, logit mu), and *tau_slope the derivative
 * with respect to tau = 1/(a+b) at tau = 0.  grad, hess and tau_slope may be
 * NULL.  FLO_ENOMEM. */
int flo_fit_bgnbd_loglik(const struct flo_triple *d, size_t n, const double *params, int limit,
			 double *ll, double *grad, double *hess, double *tau_slope);

/* The same for the Pareto/NBD: params r, alpha, s, beta. */
int flo_fit_pnbd_loglik(const struct flo_triple *d, size_t n, const double *params, double *ll,
			double *grad, double *hess);

/* The same for the MBG/NBD: params r, alpha, a, b. */
int flo_fit_mbgnbd_loglik(const struct flo_triple *d, size_t n, const double *params, double *ll,
			  double *grad, double *hess);

/* The same for the BG/BB: params alpha, beta, gamma, delta (the Hessian by
 * central differences of the exact gradient). */
int flo_fit_bgbb_loglik(const struct flo_triple *d, size_t n, const double *params, double *ll,
			double *grad, double *hess);

/* The same for the Gamma-Gamma: params p, q, v. */
int flo_fit_gg_loglik(const struct flo_spend *d, size_t n, const double *params, double *ll,
		      double *grad, double *hess);

/* For the profile likelihood (interval.h): maximise the likelihood of the
 * indexed problem p (fitlik.h), its penalty included, by the fit's own
 * steps (Newton from start, BFGS from there when Newton does not converge)
 * into phi (p->np log-parameters) and *ll (sum w ln L there).  Returns
 * whether the gradient test passed. */
int flo_fit_maximise(struct flo_problem *p, const double *start, double *phi, double *ll);

#endif
