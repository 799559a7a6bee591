/* test_check.c: the fit checks' bookkeeping (lib/model/check.h,
 * tracking.h), worked by hand with a toy model family whose predictions are
 * simple functions, so that every number here comes from arithmetic, not
 * from the code under test.  The BG/NBD numbers are tests/flo-check.bats's
 * (scripts/golden/check_cdnow.py). */
#include <math.h>

#include "check.h"
#include "base/err.h"
#include "model/check.h"
#include "model/family.h"
#include "model/tracking.h"

/* A toy family: E[X(t)] = t/2, expected purchases in t = x t / 10,
 * P(alive) = 1/(1+x), P(X(T) = 0) = 1/2, P(X(T) = 1) = 1/4, the rest 1/4,
 * log-likelihood -1 per customer. */
static double toy_loglik(const void *p, double x, double tx, double T)
{
	(void)p, (void)x, (void)tx, (void)T;
	return -1.0;
}
static double toy_alive(const void *p, double x, double tx, double T)
{
	(void)p, (void)tx, (void)T;
	return 1.0 / (1.0 + x);
}
static double toy_expected(const void *p, double x, double tx, double T, double t)
{
	(void)p, (void)tx, (void)T;
	return x * t / 10.0;
}
static double toy_count(const void *p, double t)
{
	(void)p;
	return t / 2.0;
}
static double toy_prob(const void *p, double t, unsigned n)
{
	(void)p, (void)t;
	return n == 0 ? 0.5 : n == 1 ? 0.25 : 0.0;
}

static const struct flo_purchase_model toy = {"toy", 2, NULL, toy_loglik, toy_alive, toy_expected,
				      toy_count, toy_prob};

/* actual 0, 1, 2 against expected 0.5, 1, 1.5: errors 0.5, 0, -0.5 */
static void test_errstats(void)
{
	struct flo_errstats s = {0};
	struct flo_errors e;

	flo_errstats_add(&s, 0, 0.5);
	flo_errstats_add(&s, 1, 1);
	flo_errstats_add(&s, 2, 1.5);
	flo_errstats_result(&s, &e);
	CHECK_NEAR(e.customers, 3, 0);
	CHECK_NEAR(e.mean_actual, 1, 1e-15);
	CHECK_NEAR(e.mean_expected, 1, 1e-15);
	CHECK_NEAR(e.mae, 1.0 / 3, 1e-15);
	CHECK_NEAR(e.rmse, sqrt(0.5 / 3), 1e-15);
	CHECK(e.has_corr);
	CHECK_NEAR(e.corr, 1, 1e-15); /* expected = 0.5 + actual / 2 */
	CHECK(e.has_error_pct);
	CHECK_ABS(e.error_pct, 0, 1e-13);
	/* no spread, no actual purchases: neither is defined */
	s = (struct flo_errstats){0};
	flo_errstats_add(&s, 0, 0.5);
	flo_errstats_add(&s, 0, 0.7);
	flo_errstats_result(&s, &e);
	CHECK(!e.has_corr && !e.has_error_pct);
}

/* Buckets 0, 1, 2+ of three customers x = 0, 1, 5 with holdout 10 */
static void test_check(void)
{
	flo_check *c;
	struct flo_errors e;
	double a, x, n, ll;

	CHECK_INT(flo_check_new(&c, &toy, 2, 10), FLO_OK);
	CHECK_INT(flo_check_add(c, 0, 0, 5, 1, 0), FLO_OK);
	CHECK_INT(flo_check_add(c, 1, 2, 5, 1, 3), FLO_OK);
	CHECK_INT(flo_check_add(c, 5, 4, 5, 1, 2), FLO_OK);
	flo_check_holdout(c, 1, &e); /* x = 1: expected 1, actual 3 */
	CHECK_NEAR(e.customers, 1, 0);
	CHECK_NEAR(e.mean_expected, 1, 1e-15);
	CHECK_NEAR(e.error_pct, -200.0 / 3, 1e-14);
	flo_check_holdout(c, 2, &e); /* 2+: x = 5, expected 5 */
	CHECK_NEAR(e.mean_expected, 5, 1e-15);
	flo_check_holdout(c, 3, &e); /* all: expected 0 + 1 + 5, actual 5 */
	CHECK_NEAR(e.sum_expected, 6, 1e-15);
	CHECK_NEAR(e.sum_actual, 5, 1e-15);
	CHECK_NEAR(e.error_pct, 20, 1e-13);
	/* counts: one customer each; expected 3/2, 3/4, 3/4 */
	flo_check_counts(c, 0, &a, &x);
	CHECK(a == 1 && x == 1.5);
	flo_check_counts(c, 1, &a, &x);
	CHECK(a == 1 && x == 0.75);
	flo_check_counts(c, 2, &a, &x);
	CHECK(a == 1 && x == 0.75);
	flo_check_loglik(c, &n, &ll);
	CHECK(n == 3 && ll == -3);
	flo_check_free(c);
	CHECK_INT(flo_check_new(&c, &toy, 0, 10), FLO_EUSAGE);
}

/* Two customers first on day 10, one on day 13; repeats on days 11, 16 and
 * 16, 30 (periods of 7 days from day 10: 10..16, 17..23, 24..30); E[X(t)] = t/2 in units of 7
 * days.  Period 0 is days 10..16: cumulative expected 2 (16-10)/14 +
 * (16-13)/14; period 1 (17..23) 2 (13/14) + 10/14; period 2 2 (20/14) + 17/14. */
static void test_tracking(void)
{
	flo_tracking *t;
	double act[3], exp_[3];
	int32_t lo, hi;

	CHECK_INT(flo_tracking_new(&t), FLO_OK);
	flo_tracking_customer(t, 10);
	flo_tracking_customer(t, 10);
	flo_tracking_customer(t, 13);
	flo_tracking_repeat(t, 11);
	flo_tracking_repeat(t, 16);
	flo_tracking_repeat(t, 16);
	flo_tracking_repeat(t, 30);
	CHECK(flo_tracking_span(t, &lo, &hi) && lo == 10 && hi == 30);
	CHECK_INT(flo_tracking_curve(t, &toy, 10, 7, 3, 7.0, act, exp_), FLO_OK);
	CHECK(act[0] == 3 && act[1] == 0 && act[2] == 1);
	CHECK_NEAR(exp_[0], 15.0 / 14, 1e-15);
	CHECK_NEAR(exp_[0] + exp_[1], 36.0 / 14, 1e-15);
	CHECK_NEAR(exp_[0] + exp_[1] + exp_[2], 57.0 / 14, 1e-15);
	/* many distinct days: the table grows and keeps every count */
	for (int32_t d = 100; d < 5100; d++)
		flo_tracking_repeat(t, d);
	double big[1000], bige[1000];
	CHECK_INT(flo_tracking_curve(t, &toy, 100, 5, 1000, 7.0, big, bige), FLO_OK);
	double sum = 0;
	for (int k = 0; k < 1000; k++)
		sum += big[k];
	CHECK(sum == 5000 && big[0] == 5 && big[999] == 5);
	flo_tracking_free(t);
	flo_tracking_free(NULL);
}

int main(void)
{
	test_errstats();
	test_check();
	test_tracking();
	return check_report();
}
