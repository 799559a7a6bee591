/* pnbd.h: the Pareto/NBD model of repeat buying (Schmittlein, Morrison &
 * Colombo 1987; the expressions as in Fader, Hardie & Lee 2005, "A Note on
 * Deriving the Pareto/NBD Model and Related Expressions", "FHL05" below).
 *
 * A customer buys at rate lambda ~ Gamma(r, alpha) while alive and dies
 * after an exponential lifetime of rate mu ~ Gamma(s, beta), lambda and mu
 * independent.  A history is (x, t_x, T) as for the BG/NBD (bgnbd.h).
 *
 * The textbook likelihood (FHL05 eq. 22) needs the Gauss hypergeometric
 * function in one of two forms (alpha >= beta or alpha < beta), which
 * overflows or loses every digit for x in the thousands, long T, alpha near
 * beta or s -> 0.  Here the term is the integral it stands for,
 *   A0 / (r+s+x) = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau
 * (the customer died at tau), evaluated by adaptive Gauss-Kronrod quadrature
 * in logs (pnbd.c); one form for every parameter, finite everywhere.
 *
 * All functions take a model whose four parameters are finite and positive
 * (flo_pnbd_check()), keep no state and allocate nothing: any number of
 * threads may call them. */
#ifndef FLO_PNBD_H
#define FLO_PNBD_H

struct flo_pnbd {
	double r, alpha, s, beta;
};

/* FLO_OK when every parameter is finite and > 0, else FLO_EMODEL. */
int flo_pnbd_check(const struct flo_pnbd *m);

/* Per-customer log-likelihood, FHL05 eq. (22) in logs. */
double flo_pnbd_loglik(const struct flo_pnbd *m, double x, double tx, double T);

/* The same, plus its gradient with respect to (ln r, ln alpha, ln s,
 * ln beta) in g[4]; returns the log-likelihood. */
double flo_pnbd_loglik_grad(const struct flo_pnbd *m, double x, double tx, double T,
			    double g[4]);

/* P(alive at T | x, t_x, T), FHL05 eq. (33). */
double flo_pnbd_p_alive(const struct flo_pnbd *m, double x, double tx, double T);

/* Expected purchases in (T, T+t] of a customer known to be alive at T:
 * (r+x)/(alpha+T) int_0^t ((beta+T)/(beta+T+u))^s du.  A CLV sums it over
 * many horizons with one P(alive). */
double flo_pnbd_expected_alive(const struct flo_pnbd *m, double x, double T, double t);

/* Conditional expected purchases in (T, T+t], FHL05 eq. (41): the above
 * times P(alive). */
double flo_pnbd_expected_purchases(const struct flo_pnbd *m, double x, double tx, double T,
				   double t);

/* Unconditional E[X(t)], purchases in (0, t] of a new customer, FHL05
 * eq. (27) (at s = 1 its limit r beta/alpha ln(1 + t/beta)). */
double flo_pnbd_expected_count(const struct flo_pnbd *m, double t);

/* P(X(t) = n), purchases in (0, t] of a new customer (Fader & Hardie 2006,
 * "Deriving an Expression for P(X(t) = x) Under the Pareto/NBD Model",
 * its closing expression), the dead part by quadrature (pnbd.c); 1 for n = 0 and 0 for
 * n > 0 when t <= 0.  Good to about 1e-12 relative, also where it is tiny. */
double flo_pnbd_prob_count(const struct flo_pnbd *m, double t, unsigned n);

#endif
