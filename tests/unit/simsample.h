/* simsample.h: customers simulated by flo_simulate() (model/simulate.h)
 * gathered as the fits read them: each customer's (x, t_x, T) in weeks
 * over CDNOW's 78 weeks with a 12-week cohort, and with repeat purchases
 * the mean repeat spend.  The caller gives tri and spend room for the
 * customers. */
#ifndef FLO_TEST_SIMSAMPLE_H
#define FLO_TEST_SIMSAMPLE_H

#include <stdint.h>

#include "model/compact.h"
#include "model/simulate.h"

struct sample {
	struct flo_triple *tri;
	struct flo_spend *spend;
	size_t n, nspend;
	double end; /* the observation's end, in seconds */
	/* the current customer's orders */
	int64_t first, last;
	double orders, repeat_value;
};

static void on_order(void *ctx, uint64_t customer, int64_t time, double amount)
{
	struct sample *s = ctx;
	(void)customer;
	if (s->orders == 0)
		s->first = time;
	else
		s->repeat_value += amount;
	s->last = time;
	s->orders++;
}

/* After a customer's last order: the customer's row and spend. */
static void on_truth(void *ctx, const struct flo_sim_truth *t)
{
	struct sample *s = ctx;
	const double week = 7 * 86400.0;
	double x = s->orders - 1;
	(void)t;
	s->tri[s->n++] = (struct flo_triple){x, (double)(s->last - s->first) / week,
					     (s->end - (double)s->first) / week, 1};
	if (x > 0)
		s->spend[s->nspend++] = (struct flo_spend){x, s->repeat_value / x, 1};
	s->orders = s->repeat_value = 0;
}

static int simulate(const struct flo_sim_params *par, uint32_t seed, uint64_t customers,
		    struct sample *s)
{
	struct flo_sim_config cfg = {.par = *par, .unit_days = 7, .customers = customers,
				     .seed = seed, .start_day = 9862 /* 1997-01-01 */,
				     .cohort_days = 84, .end_day = 9862 + 78 * 7 - 1};
	s->n = s->nspend = 0;
	s->orders = s->repeat_value = 0;
	s->end = (cfg.end_day + 1) * 86400.0;
	return flo_simulate(&cfg, on_order, on_truth, s);
}

#endif
