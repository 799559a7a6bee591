/* bgbb.h: the BG/BB model of repeat buying in discrete time (Fader, Hardie &
 * Shang 2010, "Customer-Base Analysis in a Discrete-Time Noncontractual
 * Setting", Marketing Science 29(6); "FHS10" below).
 *
 * One purchase opportunity per period.  While alive, a customer buys in
 * each period with probability p ~ Beta(alpha, beta); at the start of each
 * period after the first purchase (period 0) the customer is gone for good
 * with probability theta ~ Beta(gamma, delta).  A
 * history is (x, t_x, n): x periods with a purchase among the n periods
 * after the first, the last in period t_x (0 when x = 0), whole numbers
 * with x <= t_x <= n.  flo-rfm --occasion day|week|month writes it as
 * (frequency, recency, T).
 *
 * "Alive" below is FHS10's eq. (11): alive in period n+1, the next
 * opportunity; the expectations given alive are given that.
 *
 * The likelihood's sum over the periods the customer may have left in
 * (n - t_x terms, FHS10 eq. 5) is summed from its largest term by the
 * ratio of consecutive terms, which is below 1: no term overflows and none
 * is lost for large n.  The predictions' sums over periods run one term a
 * period of the horizon, a product of ratios, with no Gamma function of
 * gamma - 1 (FHS10 eqs. 8 and 13 divide by gamma - 1).
 *
 * All functions take a model whose four parameters are finite and positive
 * (flo_bgbb_check()), keep no state and allocate nothing: any number of
 * threads may call them. */
#ifndef FLO_BGBB_H
#define FLO_BGBB_H

struct flo_bgbb {
	double alpha, beta, gamma, delta;
};

/* The most periods a history or a horizon may have: more than the days
 * flo's dates span (1900-01-01 to 9999-12-31, 2,958,464), so every period
 * summary flo-rfm writes.  The likelihood and P(alive) cost n - t_x terms,
 * a horizon one a period: at this bound some 10 ms, where a T of 1e15 would
 * run for days.  The tools refuse histories beyond it, and fractions
 * (flo_bgbb_history()). */
#define FLO_BGBB_MAX_PERIODS 3000000.0

/* What keeps (x, t_x, n) from being a BG/BB history. */
enum flo_bgbb_history {
	FLO_BGBB_HISTORY_OK,
	FLO_BGBB_NOT_WHOLE,   /* a value not a whole number >= 0 (*which: 0 x, 1 t_x, 2 n) */
	FLO_BGBB_TOO_LONG,    /* n (*which 2) beyond FLO_BGBB_MAX_PERIODS */
	FLO_BGBB_X_OVER_TX,   /* x > t_x: x purchases need t_x periods at least */
	FLO_BGBB_TX_WITHOUT_X /* t_x > 0 with x = 0: no last purchase to be at t_x */
};

/* FLO_BGBB_HISTORY_OK when x, t_x and n are whole numbers of periods with
 * x <= t_x <= n <= FLO_BGBB_MAX_PERIODS and t_x = 0 when x = 0 (what the
 * functions below take); else why not, and *which the value named first
 * (0 x, 1 t_x, 2 n).  t_x > n is the caller's to check. */
enum flo_bgbb_history flo_bgbb_history(double x, double tx, double n, int *which);

/* FLO_OK when every parameter is finite and > 0, else FLO_EMODEL. */
int flo_bgbb_check(const struct flo_bgbb *m);

/* Per-customer log-likelihood of (x, t_x, n), FHS10 eq. (5):
 *   B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
 *   + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) B(g+1, d+t_x+i)/B(g,d). */
double flo_bgbb_loglik(const struct flo_bgbb *m, double x, double tx, double n);

/* The same, plus its gradient with respect to (ln alpha, ln beta,
 * ln gamma, ln delta) in g[4]; returns the log-likelihood. */
double flo_bgbb_loglik_grad(const struct flo_bgbb *m, double x, double tx, double n, double g[4]);

/* The same, plus its Hessian with respect to the log-parameters in h[16]
 * (row-major): exact, from trigamma differences (bgbb.c). */
double flo_bgbb_loglik_hess(const struct flo_bgbb *m, double x, double tx, double n, double g[4],
			    double h[16]);

/* The Pochhammer terms of the likelihood at (x, k): ln Gamma(y+j)/Gamma(y)
 * with its digamma and trigamma differences (bgnbd.h's flo_lnpoch(),
 * flo_psi_diff(), flo_trigamma_diff()) for (y, j) = (alpha, x), (beta,
 * k-x), (alpha+beta, k), (delta, k) and (gamma+delta+plus1, k): the alive
 * term's at k = n, plus1 = 0; the dead sum's first at k = t_x, plus1 = 1.
 * The fit takes them from tables per distinct value (fitbgbb.c). */
struct flo_bgbb_poch {
	double ln, psi, tri;
};
struct flo_bgbb_at {
	struct flo_bgbb_poch a, b, ab, d, gd;
};

/* ln Gamma(y+j)/Gamma(y), and the derivatives up to order in y. */
struct flo_bgbb_poch flo_bgbb_poch(double y, double j, int order);

/* (x, k)'s terms, the derivatives up to order (0, 1 or 2). */
void flo_bgbb_at(const struct flo_bgbb *m, double x, double k, int plus1, int order,
		 struct flo_bgbb_at *t);

/* The likelihood's sum over the periods of a possible death, which
 * depends on x and t_x but not on n, kept to go on from: start it for
 * (x, t_x), then flo_bgbb_dead_loglik() at increasing n each gives
 * flo_bgbb_loglik[_grad|_hess]()'s value to the bit.  order: 0 the value
 * alone, 1 also the gradient, 2 also the Hessian; g (order >= 1) and h
 * (order 2) NULL when not asked for.  The _at forms take the terms of
 * flo_bgbb_at() at (x, t_x, plus1 1) and at (x, n, plus1 0). */
struct flo_bgbb_dead {
	double x, tx, i; /* i: the terms summed so far */
	double c0, rho, S, Sab, Sb, Sd, Sg, Pab, Pb, Pd, Pg;
	/* the Hessian's: D_u, the growth of the digamma differences
	 * (ab, b, d, g) since i = 0, and DQ_u of the trigamma differences;
	 * their rho-weighted sums, and those of D_u D_v (u <= v) */
	double D[4], DQ[4], SD[4], SDD[10], SQ[4];
	double Q0[4], tri_a; /* the trigamma differences at i = 0 */
	int order;
};
void flo_bgbb_dead_start(const struct flo_bgbb *m, double x, double tx, int order,
			 struct flo_bgbb_dead *d);
double flo_bgbb_dead_loglik(const struct flo_bgbb *m, struct flo_bgbb_dead *d, double n,
			    double *g, double *h);
void flo_bgbb_dead_start_at(const struct flo_bgbb *m, double x, double tx, int order,
			    const struct flo_bgbb_at *at_tx, struct flo_bgbb_dead *d);
double flo_bgbb_dead_loglik_at(const struct flo_bgbb *m, struct flo_bgbb_dead *d, double n,
			       const struct flo_bgbb_at *at_n, double *g, double *h);

/* P(alive in period n+1 | x, t_x, n), FHS10 eq. (11):
 * B(a+x, b+n-x)/B(a,b) B(g, d+n+1)/B(g,d) / L. */
double flo_bgbb_p_alive(const struct flo_bgbb *m, double x, double tx, double n);

/* Expected purchases in periods n+1 .. n+floor(t) of a customer alive in
 * period n+1: E[p | x, n] = (a+x)/(a+b+n) times the expected periods alive
 * among them, sum_{k=1}^{floor t} B(g, d+n+k)/B(g, d+n+1).  A horizon that
 * is not a whole number of periods counts its whole periods. */
double flo_bgbb_expected_alive(const struct flo_bgbb *m, double x, double n, double t);

/* Conditional expected purchases in periods n+1 .. n+floor(t), FHS10
 * eq. (13): P(alive) times the above. */
double flo_bgbb_expected_purchases(const struct flo_bgbb *m, double x, double tx, double n,
				   double t);

/* E[X(t)], purchases in the first floor(t) periods after the first
 * purchase, FHS10 eq. (8), as a/(a+b) sum_{k=1}^{floor t} B(g, d+k)/B(g, d). */
double flo_bgbb_expected_count(const struct flo_bgbb *m, double t);

/* P(X(t) = x) over the first floor(t) periods, FHS10 eq. (7). */
double flo_bgbb_prob_count(const struct flo_bgbb *m, double t, unsigned x);

/* P(k purchases in periods n+1 .. n+floor(t) | x, t_x, n) for k < N into
 * p[k], p[N] the probability of N or more, as flo_bgnbd_conditional_pmf()
 * (pmf.h): alive through n (the likelihood's first term's share) times
 * eq. (7) at (alpha+x, beta+n-x, gamma, delta+n), plus the rest at k = 0. */
void flo_bgbb_conditional_pmf(const struct flo_bgbb *m, double x, double tx, double n, double t,
			      unsigned N, double *p);

/* The CLV's part in (x, n) (clv.h's flo_clv_alive_sum()):
 * sum_{i=1}^{months} (E_i - E_{i-1}) (1+d)^-i, E_i the expected purchases
 * of flo_bgbb_expected_alive() at i units_per_month periods. */
double flo_bgbb_clv_alive_sum(const struct flo_bgbb *m, double x, double n, unsigned months,
			      double discount, double units_per_month);

#endif
