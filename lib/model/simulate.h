/* simulate.h: synthetic order logs from the models flo fits.
 *
 * Customers follow the BG/NBD purchase and dropout process (Fader, Hardie &
 * Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2),
 * section 2) and spend by the Gamma-Gamma model (Fader & Hardie 2013, "The
 * Gamma-Gamma Model of Monetary Value"; Colombo & Jiang 1999):
 *
 *   lambda ~ Gamma(shape r, rate alpha)   purchase rate while alive
 *   p      ~ Beta(a, b)                   dropout probability
 *   nu     ~ Gamma(shape q, rate v)       spend scale
 *   z      ~ Gamma(shape p, rate nu)      each order's value, E[z | nu] = p / nu
 *
 * A customer's first order is at their birth, drawn uniformly over the
 * cohort; further orders arrive as a Poisson process of rate lambda, and
 * after each *repeat* order the customer leaves for good with probability p.
 * Nobody leaves right after the first order: the BG/NBD likelihood (FHL 2005,
 * section 2) has no dropout term when there is no repeat purchase, and the
 * simulator must agree with the likelihood it is used to test.
 *
 * With pnbd set, customers follow the Pareto/NBD instead (Schmittlein,
 * Morrison & Colombo 1987): lambda as above, a lifetime's rate
 * mu ~ Gamma(shape s, rate beta), and the customer dies after an exponential
 * lifetime of rate mu from the first order, at any time, orders or not;
 * per customer the draws are birth, lambda, mu, nu, the first order's
 * value, the lifetime, then per repeat order gap and value.
 *
 * With mbgnbd set, customers follow the MBG/NBD (Batislam, Denizel &
 * Filiztekin 2007): the BG/NBD's story with one more coin of weight p,
 * tossed right after the first order (drawn after the first order's value;
 * the BG/NBD's draws are unchanged).
 *
 * With bgbb set, customers follow the BG/BB in discrete time (Fader, Hardie
 * & Shang 2010, section 2; bgbb.h): one purchase opportunity a period (the
 * config's period: a day, a calendar week from Monday, a calendar month),
 * p ~ Beta(alpha, beta) the chance of a purchase in a period while alive,
 * theta ~ Beta(gamma, delta) the chance of being gone for good at the start
 * of each period after the first order's.  The first order is at birth (in
 * period 0); in each later period up to the one of end_day the customer is
 * first gone with chance theta, else buys with chance p, one order on a day
 * of the period drawn uniformly (not after end_day), its second uniform in
 * that day.  The summary of such a log with the period as occasion
 * (flo-rfm --unit day, --occasion week or month, --as-of end_day) is the
 * BG/BB's (x, t_x, n).  Per customer the draws are birth, p, theta, nu, the
 * first order's value, then per period the death coin and the purchase
 * coin, and for a purchase its time and value.
 *
 * The library does no I/O: orders and per-customer truth go to callbacks.
 * Memory is constant; nothing is allocated per customer or per order.
 *
 * Reproducibility: the only source of randomness is GSL's mt19937 seeded with
 * the given 32-bit seed (GSL maps seed 0 to its default, 4357).  mt19937 is
 * exact integer arithmetic, the same on every machine.  GSL's samplers
 * (Marsaglia-Tsang gamma, beta as a ratio of gammas or by Johnk's method,
 * exponential by inversion) are fixed sequences of IEEE-754 double operations
 * and calls to log, log1p, pow and sqrt, and simulate.c draws in a fixed order
 * (per customer: birth, lambda, p, nu, the first order's value; then per
 * repeat order: gap, value, dropout; and the gap that overshoots).  So a seed
 * gives the same customers wherever libm returns the same doubles.  libm need
 * not: glibc picks FMA or SSE2 builds of log1p and pow by CPU, and these can
 * differ in the last bit (seen in the 17th digit of a truth value).  Such a
 * difference changes a written order only when it straddles a rounding edge
 * (a cent, a second: a chance near 1e-9 per order), or, rarer still (near
 * 1e-16 per draw), flips a sampler's accept/reject test and so every later
 * draw.  An order log of a million customers (with --time) was byte-identical
 * under both builds.  Customer k's draws depend only on customers 1..k, so a
 * run with fewer customers is a prefix of a run with more. */
#ifndef FLO_SIMULATE_H
#define FLO_SIMULATE_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Model parameters.  alpha is in the simulation's time unit (lambda is per
 * unit); p, q, v are the Gamma-Gamma parameters, v in currency. */
struct flo_sim_params {
	double r, alpha, a, b;
	double p, q, v;
	int pnbd;        /* the Pareto/NBD: s and beta, not a and b */
	double s, beta;  /* beta in the simulation's time unit, as alpha */
	int mbgnbd;      /* the MBG/NBD: the coin is tossed at the first order too */
	int bgbb;        /* the BG/BB: alpha, beta (no unit), gamma and delta; */
	double gamma, delta; /* r, a and b unused */
};

/* The BG/BB's period, one purchase opportunity (bgbb.h): as flo-rfm forms
 * periods, a day, a calendar week from Monday or a calendar month. */
enum flo_sim_period { FLO_SIM_DAY, FLO_SIM_WEEK, FLO_SIM_MONTH };

/* The published CDNOW estimates, alpha in weeks: BG/NBD from FHL 2005,
 * Gamma-Gamma from Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value
 * Curves for Customer Base Analysis" (also in Fader & Hardie 2013). */
extern const struct flo_sim_params flo_sim_cdnow;

/* The Pareto/NBD's CDNOW estimates (Fader & Hardie 2005, "A Note on
 * Implementing the Pareto/NBD Model in MATLAB"), alpha and beta in weeks,
 * with the same Gamma-Gamma. */
extern const struct flo_sim_params flo_sim_cdnow_pnbd;

/* The MBG/NBD's CDNOW estimates (lifetimes' ModifiedBetaGeoFitter's fit,
 * scripts/golden/mbgnbd_golden.py), alpha in weeks, the same Gamma-Gamma. */
extern const struct flo_sim_params flo_sim_cdnow_mbgnbd;

/* The BG/BB's estimates on the donations data (Fader, Hardie & Shang 2010,
 * Table 2), with the same Gamma-Gamma. */
extern const struct flo_sim_params flo_sim_donations_bgbb;

struct flo_sim_config {
	struct flo_sim_params par;
	double unit_days;     /* days per time unit: 1, 7, 365.25/12 */
	uint64_t customers;   /* numbered 1..customers */
	uint32_t seed;
	int32_t start_day;    /* first orders uniform over [start_day, */
	int32_t cohort_days;  /*   start_day + cohort_days) */
	int32_t end_day;      /* last day observed, whole (inclusive) */
	enum flo_sim_period period; /* the BG/BB's */
};

/* What the data cannot show, for validating fits and predictions. */
struct flo_sim_truth {
	uint64_t customer;
	double lambda;      /* purchases per unit while alive */
	double p;           /* dropout probability after each repeat order (BG/NBD;
			     * MBG/NBD: and after the first); the BG/BB's purchase
			     * probability a period */
	double nu;          /* spend scale; the customer's mean order value is par.p / nu */
	uint64_t orders;    /* orders emitted (first one included) */
	int alive;          /* 1: still a customer at the end of end_day */
	int64_t dropout;    /* when !alive: time of the order after which they left
			     * (BG/NBD), of the death (Pareto/NBD), the start of
			     * the first period gone (BG/BB) */
	double mu;          /* Pareto/NBD: the lifetime's rate per unit */
	double theta;       /* BG/BB: the dropout probability a period */
};

/* One order: seconds since 1970-01-01T00:00:00Z, and the exact value (the
 * caller rounds to its currency).  A customer's orders come consecutively and
 * in time order. */
typedef void flo_sim_order_fn(void *ctx, uint64_t customer, int64_t time, double amount);
/* Called once per customer, after that customer's last order. */
typedef void flo_sim_truth_fn(void *ctx, const struct flo_sim_truth *t);

/* FLO_OK, or FLO_EUSAGE when a parameter is not finite and positive, there
 * are no customers, cohort_days < 1, or end_day is before the cohort's last
 * day (every first order must be observed). */
int flo_sim_check(const struct flo_sim_config *cfg);

/* Simulate cfg->customers customers.  `truth` may be NULL.  Returns FLO_OK,
 * FLO_EUSAGE (see flo_sim_check) or FLO_ENOMEM. */
int flo_simulate(const struct flo_sim_config *cfg, flo_sim_order_fn *emit,
		 flo_sim_truth_fn *truth, void *ctx);

/* One customer's history for the parametric bootstrap (bootstrap.h), at a
 * given age: x repeat purchases over (0, T] after the first purchase at 0,
 * the last at t_x (0 when x = 0), by the process above (BG/NBD, the
 * Pareto/NBD with par->pnbd, the BG/BB over T whole periods with
 * par->bgbb), the draws from rng in the order above.  A
 * BG/NBD with a + b beyond 1e25 is the model's limit a, b -> infinity
 * (fit.h): every customer's dropout probability is a/(a+b). */
void flo_sim_history(gsl_rng *rng, const struct flo_sim_params *par, double T, double *x,
		     double *tx);

/* A mean spend of x >= 1 repeat purchases by the Gamma-Gamma: nu drawn,
 * then the sum of x values Gamma(p, nu), which is Gamma(p x, nu), over x. */
double flo_sim_mean_spend(gsl_rng *rng, const struct flo_sim_params *par, double x);

#endif
