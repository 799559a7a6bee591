/* simulate.c: customers drawn from the BG/NBD and Gamma-Gamma models (the
 * process and its sources are in simulate.h). */
#include "model/simulate.h"

#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "base/date.h"
#include "base/err.h"

const struct flo_sim_params flo_sim_cdnow = {
	.r = 0.243, .alpha = 4.414, .a = 0.793, .b = 2.426,
	.p = 6.25, .q = 3.74, .v = 15.44,
};

const struct flo_sim_params flo_sim_cdnow_pnbd = {
	.r = 0.55, .alpha = 10.58, .a = 1, .b = 1,
	.p = 6.25, .q = 3.74, .v = 15.44,
	.pnbd = 1, .s = 0.61, .beta = 11.67,
};

/* The MBG/NBD's CDNOW estimates as lifetimes' ModifiedBetaGeoFitter fits
 * them (scripts/golden/mbgnbd_golden.py), alpha in weeks. */
const struct flo_sim_params flo_sim_cdnow_mbgnbd = {
	.r = 0.5248, .alpha = 6.183, .a = 0.8914, .b = 1.614,
	.p = 6.25, .q = 3.74, .v = 15.44,
	.mbgnbd = 1,
};

/* FHS10's donations estimates (Table 2). */
const struct flo_sim_params flo_sim_donations_bgbb = {
	.r = 1, .alpha = 1.204, .a = 1, .b = 1,
	.p = 6.25, .q = 3.74, .v = 15.44,
	.bgbb = 1, .beta = 0.750, .gamma = 0.657, .delta = 2.783,
};

struct sim {
	const struct flo_sim_config *cfg;
	gsl_rng *rng;
	flo_sim_order_fn *emit;
	flo_sim_truth_fn *truth;
	void *ctx;
	double unit_sec;
	int64_t start, end; /* seconds; end is the first second not observed */
};

static int positive(double x)
{
	return isfinite(x) && x > 0;
}

int flo_sim_check(const struct flo_sim_config *cfg)
{
	const struct flo_sim_params *m = &cfg->par;
	int purchase_ok = m->bgbb ? positive(m->alpha) && positive(m->beta) &&
					    positive(m->gamma) && positive(m->delta)
			  : m->pnbd ? positive(m->r) && positive(m->alpha) && positive(m->s) &&
					      positive(m->beta)
				    : positive(m->r) && positive(m->alpha) && positive(m->a) &&
					      positive(m->b);
	if (!purchase_ok || !positive(m->p) || !positive(m->q) || !positive(m->v) ||
	    !positive(cfg->unit_days))
		return FLO_EUSAGE;
	if (cfg->customers == 0 || cfg->cohort_days < 1)
		return FLO_EUSAGE;
	if ((int64_t)cfg->end_day < (int64_t)cfg->start_day + cfg->cohort_days - 1)
		return FLO_EUSAGE;
	return FLO_OK;
}

/* Gamma(shape, rate) as a standard gamma divided by the rate: the papers give
 * rates, GSL takes a scale, and 1/rate could overflow where this cannot. */
static double gamma_rate(const gsl_rng *rng, double shape, double rate)
{
	return gsl_ran_gamma(rng, shape, 1.0) / rate;
}

/* One order's value: z | nu ~ Gamma(p, nu) (Fader & Hardie 2013, section 2). */
static double order_value(const struct sim *s, double nu)
{
	return gamma_rate(s->rng, s->cfg->par.p, nu);
}

/* One customer, as FHL 2005 (section 2) tells the story: a first order at
 * birth, then exponential gaps while alive, and a coin of weight p after each
 * repeat order.  Time runs in seconds from birth: the window's length is a
 * whole number of seconds, so a time below it truncates to a second inside
 * the window, and a rate of 0 (an underflowed lambda) gives an infinite or
 * NaN gap that the `!(elapsed < span)` test also ends. */
static void customer(const struct sim *s, uint64_t id)
{
	const struct flo_sim_params *m = &s->cfg->par;
	double cohort_sec = (double)s->cfg->cohort_days * 86400.0;
	int64_t birth = s->start + (int64_t)(gsl_rng_uniform(s->rng) * cohort_sec);
	struct flo_sim_truth t = {.customer = id, .alive = 1};
	t.lambda = gamma_rate(s->rng, m->r, m->alpha);
	t.p = gsl_ran_beta(s->rng, m->a, m->b);
	t.nu = gamma_rate(s->rng, m->q, m->v);

	s->emit(s->ctx, id, birth, order_value(s, t.nu));
	t.orders = 1;
	/* the MBG/NBD's customer may leave at the first order too (Batislam,
	 * Denizel & Filiztekin 2007): one more coin, drawn only for it */
	if (m->mbgnbd && gsl_rng_uniform(s->rng) < t.p) {
		t.alive = 0;
		t.dropout = birth;
		if (s->truth != NULL)
			s->truth(s->ctx, &t);
		return;
	}
	double per_sec = t.lambda / s->unit_sec;
	double span = (double)(s->end - birth);
	double elapsed = 0;
	for (;;) {
		elapsed += gsl_ran_exponential(s->rng, 1.0) / per_sec;
		if (!(elapsed < span))
			break;
		int64_t when = birth + (int64_t)elapsed;
		s->emit(s->ctx, id, when, order_value(s, t.nu));
		t.orders++;
		if (gsl_rng_uniform(s->rng) < t.p) {
			t.alive = 0;
			t.dropout = when;
			break;
		}
	}
	if (s->truth != NULL)
		s->truth(s->ctx, &t);
}

/* One Pareto/NBD customer (Schmittlein, Morrison & Colombo 1987): a first
 * order at birth, exponential gaps while alive, and death after an
 * exponential lifetime of rate mu from birth.  A rate of 0 (underflowed)
 * gives an infinite gap or lifetime, which the tests below end or keep. */
static void pnbd_customer(const struct sim *s, uint64_t id)
{
	const struct flo_sim_params *m = &s->cfg->par;
	double cohort_sec = (double)s->cfg->cohort_days * 86400.0;
	int64_t birth = s->start + (int64_t)(gsl_rng_uniform(s->rng) * cohort_sec);
	struct flo_sim_truth t = {.customer = id, .alive = 1};
	t.lambda = gamma_rate(s->rng, m->r, m->alpha);
	t.mu = gamma_rate(s->rng, m->s, m->beta);
	t.nu = gamma_rate(s->rng, m->q, m->v);

	s->emit(s->ctx, id, birth, order_value(s, t.nu));
	t.orders = 1;
	double span = (double)(s->end - birth);
	double life = gsl_ran_exponential(s->rng, 1.0) / (t.mu / s->unit_sec);
	double until = life < span ? life : span;
	if (life < span) {
		t.alive = 0;
		t.dropout = birth + (int64_t)life;
	}
	double per_sec = t.lambda / s->unit_sec, elapsed = 0;
	for (;;) {
		elapsed += gsl_ran_exponential(s->rng, 1.0) / per_sec;
		if (!(elapsed < until))
			break;
		s->emit(s->ctx, id, birth + (int64_t)elapsed, order_value(s, t.nu));
		t.orders++;
	}
	if (s->truth != NULL)
		s->truth(s->ctx, &t);
}

/* ---- the BG/BB's periods ---- */

/* The number of the period `day` is in, counted from one in 1970: day 0,
 * 1970-01-01, is a Thursday, so weeks from Monday start at day 4 + 7k. */
static int64_t period_index(enum flo_sim_period per, int32_t day)
{
	int year;
	unsigned month, mday;
	switch (per) {
	case FLO_SIM_WEEK: return ((int64_t)day - 4 - ((int64_t)day - 4 < 0 ? 6 : 0)) / 7;
	case FLO_SIM_MONTH:
		flo_civil_from_day(day, &year, &month, &mday);
		return ((int64_t)year - 1970) * 12 + (month - 1);
	default: return day;
	}
}

/* The first day of period k (period_index's numbering). */
static int64_t period_first_day(enum flo_sim_period per, int64_t k)
{
	switch (per) {
	case FLO_SIM_WEEK: return 4 + 7 * k;
	case FLO_SIM_MONTH: {
		int64_t y = 1970 + (k >= 0 ? k / 12 : -((-k + 11) / 12));
		return flo_day_from_civil((int)y, (unsigned)(k - (y - 1970) * 12) + 1, 1);
	}
	default: return k;
	}
}

/* One BG/BB customer (FHS10, section 2): a first order at birth, in period
 * 0; then at the start of each later period up to end_day's, gone for good
 * with chance theta, else a purchase with chance p, at a second drawn
 * uniformly over the period's days up to end_day. */
static void bgbb_customer(const struct sim *s, uint64_t id)
{
	const struct flo_sim_params *m = &s->cfg->par;
	enum flo_sim_period per = s->cfg->period;
	double cohort_sec = (double)s->cfg->cohort_days * 86400.0;
	int64_t birth = s->start + (int64_t)(gsl_rng_uniform(s->rng) * cohort_sec);
	/* birth's day: floor, not truncation, for days before 1970 */
	int32_t birth_day = (int32_t)((birth - (birth < 0 ? 86399 : 0)) / 86400);
	struct flo_sim_truth t = {.customer = id, .alive = 1};
	t.p = gsl_ran_beta(s->rng, m->alpha, m->beta);
	t.theta = gsl_ran_beta(s->rng, m->gamma, m->delta);
	t.nu = gamma_rate(s->rng, m->q, m->v);

	s->emit(s->ctx, id, birth, order_value(s, t.nu));
	t.orders = 1;
	int64_t first = period_index(per, birth_day), last = period_index(per, s->cfg->end_day);
	for (int64_t k = first + 1; k <= last; k++) {
		int64_t from = period_first_day(per, k);
		if (gsl_rng_uniform(s->rng) < t.theta) {
			t.alive = 0;
			t.dropout = from * 86400;
			break;
		}
		if (!(gsl_rng_uniform(s->rng) < t.p))
			continue;
		int64_t to = period_first_day(per, k + 1);
		if (to > (int64_t)s->cfg->end_day + 1)
			to = (int64_t)s->cfg->end_day + 1;
		double span = (double)((to - from) * 86400);
		int64_t when = from * 86400 + (int64_t)(gsl_rng_uniform(s->rng) * span);
		s->emit(s->ctx, id, when, order_value(s, t.nu));
		t.orders++;
	}
	if (s->truth != NULL)
		s->truth(s->ctx, &t);
}

int flo_simulate(const struct flo_sim_config *cfg, flo_sim_order_fn *emit,
		 flo_sim_truth_fn *truth, void *ctx)
{
	int err = flo_sim_check(cfg);
	if (err != FLO_OK)
		return err;
	struct sim s = {
		.cfg = cfg, .emit = emit, .truth = truth, .ctx = ctx,
		.unit_sec = cfg->unit_days * 86400.0,
		.start = (int64_t)cfg->start_day * 86400,
		.end = ((int64_t)cfg->end_day + 1) * 86400,
	};
	s.rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (s.rng == NULL)
		return FLO_ENOMEM;
	gsl_rng_set(s.rng, cfg->seed);
	for (uint64_t id = 1; id <= cfg->customers; id++)
		(cfg->par.bgbb ? bgbb_customer : cfg->par.pnbd ? pnbd_customer : customer)(&s, id);
	gsl_rng_free(s.rng);
	return FLO_OK;
}

/* Where the fit reports the BG/NBD's boundary a, b -> infinity (fit.c puts
 * it at a + b = 1e30): beyond this a Beta(a, b) is the point a/(a+b). */
#define RIDGE_SUM 1e25

/* A BG/BB history over n whole periods (bgbb_customer()'s coins). */
static void bgbb_history(gsl_rng *rng, const struct flo_sim_params *par, double n, double *x,
			 double *tx)
{
	double p = gsl_ran_beta(rng, par->alpha, par->beta);
	double theta = gsl_ran_beta(rng, par->gamma, par->delta);
	*x = *tx = 0;
	for (double k = 1; k <= n; k++) {
		if (gsl_rng_uniform(rng) < theta)
			return;
		if (gsl_rng_uniform(rng) < p)
			*x += 1, *tx = k;
	}
}

void flo_sim_history(gsl_rng *rng, const struct flo_sim_params *par, double T, double *x,
		     double *tx)
{
	if (par->bgbb) {
		bgbb_history(rng, par, T, x, tx);
		return;
	}
	double lambda = gamma_rate(rng, par->r, par->alpha), until = T, p = 0;
	if (par->pnbd) {
		double life = gsl_ran_exponential(rng, 1.0) / gamma_rate(rng, par->s, par->beta);
		until = life < T ? life : T;
	} else {
		p = par->a + par->b > RIDGE_SUM ? par->a / (par->a + par->b)
						: gsl_ran_beta(rng, par->a, par->b);
	}
	double t = 0;
	*x = *tx = 0;
	/* the MBG/NBD's customer may leave at the first order too, as in
	 * customer() above: the coin drawn only for it */
	if (par->mbgnbd && !par->pnbd && gsl_rng_uniform(rng) < p)
		return;
	for (;;) {
		t += gsl_ran_exponential(rng, 1.0) / lambda;
		if (!(t < until))
			break;
		*x += 1;
		*tx = t;
		if (!par->pnbd && gsl_rng_uniform(rng) < p)
			break;
	}
}

double flo_sim_mean_spend(gsl_rng *rng, const struct flo_sim_params *par, double x)
{
	double nu = gamma_rate(rng, par->q, par->v);
	return gamma_rate(rng, par->p * x, nu) / x;
}
