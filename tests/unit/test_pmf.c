/* test_pmf.c: the BG/NBD's conditional PMF (lib/model/pmf.h) against
 * scripts/golden/pmf_golden.py, which evaluates Fader & Hardie's note
 * ("Deriving the Conditional PMF of the BG/NBD Model", eq. 13) as printed,
 * with mpmath at 40 digits; and its sum and mean against 1 and the
 * conditional expectation (FHL 2005 eq. 10, the same script's hyp2f1). */
#include <math.h>

#include "check.h"
#include "model/bgnbd.h"
#include "model/pmf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	struct flo_bgnbd m;
	double x, tx, T, t;
	unsigned n;
	double p[8];
} golden[] = {
	{{0.243, 4.414, 0.793, 2.426}, 0, 0, 38.86, 39, 3, {0.85544945921668155094, 0.10987298880071779428, 0.024284119334841767481, 0.010393432647758887299}},
	{{0.243, 4.414, 0.793, 2.426}, 2, 30.43, 38.86, 39, 3, {0.44537286208299556377, 0.23931893743502776276, 0.14418322186458468753, 0.17112497861739198594}},
	{{0.243, 4.414, 0.793, 2.426}, 7, 35.0, 38.0, 12, 5, {0.27984931207504146234, 0.26486566048972993959, 0.2087026534702230392, 0.1281578466126507061, 0.066641475809719606687, 0.05178305154263524607}},
	{{0.243, 4.414, 0.793, 2.426}, 1, 1.0, 70.0, 52, 2, {0.9491788074415014506, 0.032186597518111161375, 0.018634595040387388021}},
	{{2.7253, 72.67, 0.5, 1000000.0}, 4, 60.0, 80.0, 24, 4, {0.37458957684020688776, 0.3422271594919509888, 0.17957587516852055504, 0.070950473030016953065, 0.032656915469304615334}},
};

/* sum n P(n) over n = 0..2000, which the script found equal to eq. (10) */
static const double mean[] = {
	0.1950980520112626375, 1.2260281747671444631, 1.6257214134222473287,
	0.080667077365893678529, 1.0572276380521517969,
};

static void test_golden(void)
{
	for (size_t i = 0; i < N(golden); i++) {
		double p[8];
		flo_bgnbd_conditional_pmf(&golden[i].m, golden[i].x, golden[i].tx, golden[i].T,
					  golden[i].t, golden[i].n, p);
		for (unsigned n = 0; n <= golden[i].n; n++)
			CHECK_NEAR(p[n], golden[i].p[n], 1e-12);
	}
}

/* With N large the tail is nothing and the PMF is the whole distribution:
 * it sums to 1 and its mean is the expected purchases, both of the script
 * and of flo_bgnbd_expected_purchases() (the bounded integral form). */
static void test_sum_and_mean(void)
{
	static double p[2001];

	for (size_t i = 0; i < N(golden); i++) {
		double sum = 0, m = 0;
		flo_bgnbd_conditional_pmf(&golden[i].m, golden[i].x, golden[i].tx, golden[i].T,
					  golden[i].t, 2000, p);
		for (unsigned n = 0; n <= 2000; n++) {
			CHECK(p[n] >= 0 && p[n] <= 1);
			sum += p[n];
			m += n * p[n];
		}
		CHECK_NEAR(sum, 1.0, 1e-13);
		CHECK(p[2000] < 1e-15);
		CHECK_NEAR(m, mean[i], 1e-11);
		CHECK_NEAR(m, flo_bgnbd_expected_purchases(&golden[i].m, golden[i].x, golden[i].tx,
							   golden[i].T, golden[i].t), 1e-10);
	}
}

/* No time, no purchases; N = 0 is the certainty of "0 or more". */
static void test_edges(void)
{
	const struct flo_bgnbd m = {0.243, 4.414, 0.793, 2.426};
	double p[4];

	flo_bgnbd_conditional_pmf(&m, 2, 30.43, 38.86, 0, 3, p);
	CHECK_NEAR(p[0], 1.0, 1e-15);
	CHECK(p[1] == 0 && p[2] == 0 && p[3] == 0);
	flo_bgnbd_conditional_pmf(&m, 2, 30.43, 38.86, 39, 0, p);
	CHECK_NEAR(p[0], 1.0, 1e-15);
}

int main(void)
{
	test_golden();
	test_sum_and_mean();
	test_edges();
	return check_report();
}
