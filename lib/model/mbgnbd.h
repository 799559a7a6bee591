/* mbgnbd.h: the MBG/NBD model of repeat buying (Batislam, Denizel &
 * Filiztekin 2007, "Empirical validation and comparison of models for
 * customer base analysis", IJRM 24(3); with the erratum of Wagner & Hoppe
 * 2008, IJRM 25(3); "BDF07" below), as the Python lifetimes library's
 * ModifiedBetaGeoFitter has it.
 *
 * The BG/NBD (bgnbd.h) with one more chance to drop out: at the first
 * purchase as well as after each repeat purchase, with probability
 * p ~ Beta(a, b); the purchase rate lambda ~ Gamma(r, alpha) as there.  So a
 * customer without repeat purchases may be gone too, and P(alive) < 1 for
 * everyone.  A history is (x, t_x, T) as for the BG/NBD.
 *
 * A customer alive at T after x repeat purchases has survived x + 1 coin
 * flips: p | data ~ Beta(a, b+x+1), lambda | data ~ Gamma(r+x, alpha+T),
 * which is the BG/NBD's posterior with b+1 for b.  The predictions of a
 * customer alive at T are therefore the BG/NBD's at (r, alpha, a, b+1)
 * (flo_mbgnbd_alive_bgnbd()), and inherit its bounded, finite forms (no
 * hypergeometric function at a near 1 or a+b+x near 0).
 *
 * All functions take a model whose four parameters are finite and positive
 * (flo_mbgnbd_check()), keep no state and allocate nothing: any number of
 * threads may call them. */
#ifndef FLO_MBGNBD_H
#define FLO_MBGNBD_H

#include "model/bgnbd.h"

struct flo_mbgnbd {
	double r, alpha, a, b;
};

/* FLO_OK when every parameter is finite and > 0, else FLO_EMODEL. */
int flo_mbgnbd_check(const struct flo_mbgnbd *m);

/* Per-customer log-likelihood, BDF07's appendix in logs (as lifetimes'
 * ModifiedBetaGeoFitter._negative_log_likelihood has it):
 *   lnG(r+x) - lnG(r) + r ln alpha + lnB(a, b+x+1) - lnB(a, b)
 *   + ln[(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)]. */
double flo_mbgnbd_loglik(const struct flo_mbgnbd *m, double x, double tx, double T);

/* The same, plus its gradient with respect to (ln r, ln alpha, ln a, ln b)
 * in g[4]; returns the log-likelihood. */
double flo_mbgnbd_loglik_grad(const struct flo_mbgnbd *m, double x, double tx, double T,
			      double g[4]);

/* P(alive at T | x, t_x, T), BDF07 appendix A eq. (5):
 * 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)). */
double flo_mbgnbd_p_alive(const struct flo_mbgnbd *m, double x, double tx, double T);

/* The BG/NBD whose customer alive at T is this model's: (r, alpha, a, b+1). */
struct flo_bgnbd flo_mbgnbd_alive_bgnbd(const struct flo_mbgnbd *m);

/* Expected purchases in (T, T+t] of a customer alive at T. */
double flo_mbgnbd_expected_alive(const struct flo_mbgnbd *m, double x, double T, double t);

/* Conditional expected purchases in (T, T+t] (BDF07 as corrected by Wagner
 * & Hoppe 2008): P(alive) times the above. */
double flo_mbgnbd_expected_purchases(const struct flo_mbgnbd *m, double x, double tx, double T,
				     double t);

/* Unconditional E[X(t)] of a new customer (BDF07's appendix):
 * b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))], here as
 * b/(a+b) (survived the first coin flip) times the alive BG/NBD's. */
double flo_mbgnbd_expected_count(const struct flo_mbgnbd *m, double t);

/* P(X(t) = n) (BDF07's appendix; lifetimes' probability_of_n_purchases_
 * up_to_time): a/(a+b) [n = 0] + b/(a+b) times the alive BG/NBD's FHL
 * eq. (8). */
double flo_mbgnbd_prob_count(const struct flo_mbgnbd *m, double t, unsigned n);

/* P(n purchases in (T, T+t] | x, t_x, T) for n < N into p[n], p[N] the
 * probability of N or more, as flo_bgnbd_conditional_pmf() (pmf.h). */
void flo_mbgnbd_conditional_pmf(const struct flo_mbgnbd *m, double x, double tx, double T,
				double t, unsigned N, double *p);

#endif
