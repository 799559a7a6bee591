/* Unit tests for the calendar periods of flo-rfm --occasion week|month
 * (lib/rfm/rfm.c) and for --returns net folded into one customer.  Weeks
 * run Monday to Sunday (pandas' W-SUN): known weekdays of the calendar, not
 * the code, say which day starts each; before 1970 too. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "base/date.h"
#include "base/err.h"
#include "rfm/rfm.h"

static int32_t day(const char *s)
{
	int32_t d = 0;
	CHECK_INT(flo_parse_day(s, strlen(s), &d), FLO_OK);
	return d;
}

static void test_weeks(void)
{
	/* 2024-01-01 was a Monday, 2023-12-31 a Sunday, 1970-01-01 a Thursday,
	 * 1969-12-29 a Monday, 1900-01-01 a Monday. */
	CHECK_INT(flo_period_start(FLO_PERIOD_WEEK, day("2024-01-01")), day("2024-01-01"));
	CHECK_INT(flo_period_start(FLO_PERIOD_WEEK, day("2024-01-07")), day("2024-01-01"));
	CHECK_INT(flo_period_start(FLO_PERIOD_WEEK, day("2023-12-31")), day("2023-12-25"));
	CHECK_INT(flo_period_start(FLO_PERIOD_WEEK, 0), day("1969-12-29"));
	CHECK_INT(flo_period_start(FLO_PERIOD_WEEK, day("1900-01-07")), day("1900-01-01"));
	CHECK_INT(flo_period_index(FLO_PERIOD_WEEK, day("2024-01-08")) -
		  flo_period_index(FLO_PERIOD_WEEK, day("2023-12-31")), 2);
	CHECK_INT(flo_period_index(FLO_PERIOD_WEEK, day("1970-01-05")) -
		  flo_period_index(FLO_PERIOD_WEEK, day("1969-12-28")), 2);
}

static void test_months(void)
{
	CHECK_INT(flo_period_start(FLO_PERIOD_MONTH, day("2024-02-29")), day("2024-02-01"));
	CHECK_INT(flo_period_start(FLO_PERIOD_MONTH, day("1969-12-31")), day("1969-12-01"));
	CHECK_INT(flo_period_index(FLO_PERIOD_MONTH, day("2024-03-01")) -
		  flo_period_index(FLO_PERIOD_MONTH, day("2023-12-31")), 3);
	CHECK_INT(flo_period_index(FLO_PERIOD_MONTH, day("1970-01-01")), 0);
	CHECK_INT(flo_period_index(FLO_PERIOD_MONTH, day("1969-12-15")), -1);
}

struct got {
	int n;
	struct flo_summary s;
};

static void keep(void *ctx, const struct flo_summary *s)
{
	struct got *g = ctx;
	g->n++;
	g->s = *s;
}

/* One customer: 10 on day 100, 20 on day 105; returns of 4 (day 100), 30
 * (day 107: the latest before, day 105, capped at 20) and 1 (day 99: none
 * before).  First purchase 6, the repeat 0: revenue 6, monetary 0. */
static void test_net_returns(void)
{
	struct flo_rfm_config cfg = {.unit_days = 1, .net_returns = 1};
	flo_rfm *r;
	CHECK_INT(flo_rfm_new(&r, &cfg), FLO_OK);
	enum flo_order_fate fate;
	CHECK_INT(flo_rfm_add_return(r, "a", 1, 107 * 86400, 30, 0, &fate), FLO_OK);
	CHECK_INT(flo_rfm_add(r, "a", 1, 105 * 86400, 20, NULL, 0, NULL, &fate), FLO_OK);
	CHECK_INT(flo_rfm_add_return(r, "a", 1, 100 * 86400 + 5, 4, 0, &fate), FLO_OK);
	CHECK_INT(flo_rfm_add(r, "a", 1, 100 * 86400, 10, NULL, 0, NULL, &fate), FLO_OK);
	CHECK_INT(flo_rfm_add_return(r, "a", 1, 99 * 86400, 1, 0, &fate), FLO_OK);
	long unmatched, capped;
	CHECK_INT(flo_rfm_net_returns(r, &unmatched, &capped), FLO_OK);
	CHECK_INT(unmatched, 1);
	CHECK_INT(capped, 1);
	struct got g = {0};
	size_t holdout_only;
	CHECK_INT(flo_rfm_each(r, keep, &g, &holdout_only), FLO_OK);
	CHECK_INT(g.n, 1);
	CHECK_NEAR(g.s.revenue, 6, 0);
	CHECK_NEAR(g.s.monetary, 0, 0);
	CHECK_NEAR(g.s.frequency, 1, 0);
	CHECK_NEAR(g.s.T, 5, 0); /* the as-of is the latest order, not the return */
	CHECK_INT(g.s.first_order, 100);
	flo_rfm_free(r);
}

int main(void)
{
	test_weeks();
	test_months();
	test_net_returns();
	return check_report();
}
