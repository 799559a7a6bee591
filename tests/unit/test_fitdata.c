/* test_fitdata.c: the fits' data gathered as it streams (lib/model/fitdata.h):
 * merged rows keep every customer's weight, and the fingerprint names the
 * customers, not their order or their grouping into weighted records. */
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "model/fitdata.h"

static void fingerprint(const double (*c)[5], size_t n, const size_t *order, char out[17])
{
	struct flo_fit_data d = {0};

	for (size_t i = 0; i < n; i++) {
		const double *r = c[order ? order[i] : i];
		CHECK_INT(flo_fit_data_add(&d, r[0], r[1], r[2], r[3], r[4]), FLO_OK);
	}
	flo_fit_data_fingerprint(&d, out);
	flo_fit_data_free(&d);
}

static void test_fingerprint(void)
{
	/* x, t_x, T, m, w */
	static const double a[][5] = {
		{0, 0, 30, 0, 1}, {2, 10, 30, 25.5, 1}, {2, 10, 30, 25.5, 1}, {5, 28, 30, 3, 1},
	};
	static const double grouped[][5] = {
		{2, 10, 30, 25.5, 2}, {5, 28, 30, 3, 1}, {0, 0, 30, 0, 1},
	};
	static const double other[][5] = {
		{0, 0, 30, 0, 1}, {2, 10, 30, 25.5, 1}, {2, 10, 30, 25.6, 1}, {5, 28, 30, 3, 1},
	};
	static const double negzero[][5] = {
		{-0.0, -0.0, 30, -0.0, 1}, {2, 10, 30, 25.5, 1}, {2, 10, 30, 25.5, 1},
		{5, 28, 30, 3, 1},
	};
	static const size_t reversed[] = {3, 2, 1, 0};
	char fa[17], fb[17];

	fingerprint(a, 4, NULL, fa);
	CHECK_INT(strlen(fa), 16);
	CHECK(strspn(fa, "0123456789abcdef") == 16);
	fingerprint(a, 4, reversed, fb);
	CHECK_STR(fb, fa);
	fingerprint(grouped, 3, NULL, fb);
	CHECK_STR(fb, fa);
	fingerprint(negzero, 4, NULL, fb);
	CHECK_STR(fb, fa);
	fingerprint(other, 4, NULL, fb);
	CHECK(strcmp(fb, fa) != 0);
	fingerprint(a, 3, NULL, fb);
	CHECK(strcmp(fb, fa) != 0);
	fingerprint(a, 0, NULL, fb);
	CHECK_STR(fb, "0000000000000000");
}

/* Three hundred thousand customers of 30 kinds: the buffers stay small,
 * and every weight is kept. */
static void test_merging(void)
{
	struct flo_fit_data d = {0};
	size_t n = 300000;

	for (size_t i = 0; i < n; i++) {
		double x = (double)(i % 10), w = i % 3 == 0 ? 0.5 : 1;
		CHECK_INT(flo_fit_data_add(&d, x, x, 20 + (double)(i % 3), x > 5 ? -1 : 10, w),
			  FLO_OK);
	}
	flo_fit_data_finish(&d);
	CHECK(d.cap_tri <= 65536 && d.cap_spend <= 65536);
	CHECK_INT(d.nspend, 5); /* (x, m): one per x in 1..5 */
	double customers = n / 3 * 0.5 + (n - n / 3) * 1.0, spent = 0, all = 0;
	for (size_t i = 0; i < d.nspend; i++) {
		CHECK(d.spend[i].x >= 1 && d.spend[i].x <= 5 && d.spend[i].m == 10);
		CHECK(i == 0 || d.spend[i - 1].x < d.spend[i].x);
		spent += d.spend[i].w;
	}
	for (size_t i = 0; i < d.ntri; i++)
		all += d.tri[i].w;
	CHECK(d.customers == customers);
	CHECK(all == customers);
	CHECK(spent == customers / 2); /* x in 1..5 of 0..9 */
	CHECK(d.left_out == customers / 2);
	flo_fit_data_free(&d);
	CHECK(d.tri == NULL && d.ntri == 0 && d.customers == 0);
	flo_fit_data_free(NULL);
}

int main(void)
{
	test_fingerprint();
	test_merging();
	return check_report();
}
