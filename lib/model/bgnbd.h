/* bgnbd.h: the BG/NBD model of repeat buying (Fader, Hardie & Lee 2005,
 * "Counting Your Customers the Easy Way", Marketing Science 24(2); "FHL" below).
 *
 * A customer buys at rate lambda ~ Gamma(r, alpha) while alive and, after each
 * purchase, drops out with probability p ~ Beta(a, b).  A customer's history is
 * (x, t_x, T): x repeat purchases (a non-negative integer), the last at t_x,
 * observed for T time units since the first purchase (0 <= t_x <= T).
 *
 * All functions take a model whose four parameters are finite and positive
 * (flo_bgnbd_check() says whether one is) and return finite numbers for every
 * valid history and horizon, also at the boundary fits (a -> 0, b -> infinity)
 * where the textbook hypergeometric forms overflow or lose every digit.  They
 * keep no state and allocate nothing, so any number of threads may call them. */
#ifndef FLO_BGNBD_H
#define FLO_BGNBD_H

struct flo_bgnbd {
	double r, alpha, a, b;
};

/* FLO_OK when every parameter is finite and > 0, else FLO_EMODEL. */
int flo_bgnbd_check(const struct flo_bgnbd *m);

/* Per-customer log-likelihood, FHL eq. (6) in logs. */
double flo_bgnbd_loglik(const struct flo_bgnbd *m, double x, double tx, double T);

/* The same, plus its gradient with respect to (ln r, ln alpha, ln a, ln b)
 * in g[4]; returns the log-likelihood. */
double flo_bgnbd_loglik_grad(const struct flo_bgnbd *m, double x, double tx,
			     double T, double g[4]);

/* P(alive at T | x, t_x, T) (Fader, Hardie & Lee 2008, "Computing P(alive)
 * Using the BG/NBD Model"). */
double flo_bgnbd_p_alive(const struct flo_bgnbd *m, double x, double tx, double T);

/* Conditional expected number of purchases in (T, T+t], FHL eq. (10). */
double flo_bgnbd_expected_purchases(const struct flo_bgnbd *m, double x, double tx,
				    double T, double t);

/* Unconditional E[X(t)], purchases in (0, t] of a new customer, FHL eq. (9). */
double flo_bgnbd_expected_count(const struct flo_bgnbd *m, double t);

/* P(X(t) = n), FHL eq. (8). */
double flo_bgnbd_prob_count(const struct flo_bgnbd *m, double t, unsigned n);

/* How flo_bgnbd_expected_alive() evaluates its Beta expectation.  AUTO picks
 * the cheaper of the two; the others exist so that tests can check each
 * algorithm over the whole parameter space. */
enum flo_bgnbd_method {
	FLO_BGNBD_AUTO,
	FLO_BGNBD_SERIES,     /* a positive-term series, cost grows with (r+x) t/(alpha+T) */
	FLO_BGNBD_QUADRATURE  /* adaptive Gauss-Kronrod in logit(p), cost about constant */
};

/* Expected purchases in (T, T+t] of a customer with x repeat purchases in
 * (0, T] who is known to be alive at T: flo_bgnbd_expected_purchases() is this
 * times flo_bgnbd_p_alive().  Exposed because a CLV sums it over many horizons
 * with one P(alive). */
double flo_bgnbd_expected_alive(const struct flo_bgnbd *m, double x, double T,
				double t, enum flo_bgnbd_method how);

/* flo_bgnbd_expected_alive() at nt horizons t[0..nt-1] into out[], sharing the
 * work that does not depend on the horizon (a CLV asks for one per month). */
void flo_bgnbd_expected_alive_sweep(const struct flo_bgnbd *m, double x, double T,
				    const double *t, unsigned nt, double *out);

/* ln Gamma(y+x) - ln Gamma(y), and psi(y+x) - psi(y), for y > 0, x >= 0,
 * accurate to a few ulps of the result even when y is huge (the boundary fit
 * b -> infinity), where the difference of two lgamma calls keeps no digit.
 * Shared with the Gamma-Gamma model and the fitter. */
double flo_lnpoch(double y, double x);
double flo_psi_diff(double y, double x);

/* psi1(y+x) - psi1(y) (psi1 = trigamma), for y > 0, x >= 0, likewise accurate
 * for huge y: the fitter's Hessians. */
double flo_trigamma_diff(double y, double x);

#endif
