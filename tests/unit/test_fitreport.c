/* test_fitreport.c: a fit's warnings in words and the spend correlation
 * (lib/model/fitreport.h). */
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "model/fitreport.h"

static struct flo_fit_result fit(int np, double p0, double p1, double p2, double p3)
{
	struct flo_fit_result f = {.np = np, .params = {p0, p1, p2, p3}, .has_se = 1,
				   .converged = 1, .iterations = 12, .grad_norm = 1e-9};
	for (int j = 0; j < np; j++)
		f.se[j] = f.params[j] / 10;
	return f;
}

/* The warnings w[0..n) hold `want`, each in one warning, in this order. */
static void check_words(int line, char **w, size_t n, const char *const *want, size_t nwant)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < nwant; i++)
		if (strstr(w[i], want[k]) != NULL)
			k++;
	check_count++;
	if (n != nwant || k != nwant) {
		check_failures++;
		fprintf(stderr, "%s:%d: %zu warnings, want %zu:\n", __FILE__, line, n, nwant);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", w[i]);
	}
	flo_fit_warnings_free(w, n);
}

static void test_bgnbd(void)
{
	char *w[FLO_FIT_WARNINGS_MAX];
	size_t n = 99;
	struct flo_fit_result f = fit(4, 0.243, 4.414, 0.793, 2.426);

	CHECK_INT(flo_fit_bgnbd_warnings(&f, w, &n), FLO_OK);
	CHECK_INT(n, 0);

	f.converged = 0;
	f.se[3] = 2.426 * 60;
	CHECK_INT(flo_fit_bgnbd_warnings(&f, w, &n), FLO_OK);
	check_words(__LINE__, w, n, (const char *const[]){
		"did not converge (gradient norm 1e-09 after 12 iterations)",
		"b = 2.426 is not identified by these data: its standard error, 146, is 60 times"},
		2);

	f = fit(4, 0.243, 4.414, 8.1e-23, 6.7e-14);
	f.has_se = 0;
	CHECK_INT(flo_fit_bgnbd_warnings(&f, w, &n), FLO_OK);
	check_words(__LINE__, w, n, (const char *const[]){
		"no dropout is identified: a = 8.1e-23 and b = 6.7e-14 run to the boundary",
		"no standard errors"}, 2);

	f = fit(4, 2e6, 4.414, 5e5, 5e7);
	CHECK_INT(flo_fit_bgnbd_warnings(&f, w, &n), FLO_OK);
	check_words(__LINE__, w, n, (const char *const[]){
		"run to infinity together, which gives every customer the same small dropout",
		"the purchase-rate distribution runs to a boundary (r = 2e+06"}, 2);

	f = fit(4, 0.5, 4.414, 5e6, 5e6);
	CHECK_INT(flo_fit_bgnbd_warnings(&f, w, &n), FLO_OK);
	check_words(__LINE__, w, n, (const char *const[]){
		"dropout is the same for every customer: a = 5e+06 and b = 5e+06"}, 1);
}

static void test_gg(void)
{
	char *w[FLO_FIT_WARNINGS_MAX];
	size_t n = 99;
	struct flo_fit_result f = fit(3, 6.25, 3.74, 15.44, 0);

	CHECK_INT(flo_fit_gg_warnings(&f, 0.11, 1, 0, w, &n), FLO_OK);
	CHECK_INT(n, 0);
	CHECK_INT(flo_fit_gg_warnings(&f, -0.3, 1, 0, w, &n), FLO_OK);
	check_words(__LINE__, w, n, (const char *const[]){
		"frequency and monetary value are correlated (-0.300)"}, 1);
	CHECK_INT(flo_fit_gg_warnings(&f, 0.9, 0, 0, w, &n), FLO_OK);
	CHECK_INT(n, 0);

	f = fit(3, 2e6, 0.47, 1e13, 0);
	f.converged = 0;
	f.se[0] = f.se[1] = f.se[2] = 1e30;
	CHECK_INT(flo_fit_gg_warnings(&f, 0, 0, 0.1, w, &n), FLO_OK);
	check_words(__LINE__, w, n, (const char *const[]){
		"the Gamma-Gamma fit did not converge",
		"q = 0.47 <= 1: the population mean spend p v/(q-1) does not exist, and a "
		"customer's expected spend exists only when p x + q > 1; the penalizer pulls q",
		"the spend distribution runs to a boundary (p = 2e+06, v = 1e+13)",
		"p = 2e+06 is not identified", "q = 0.47 is not identified"}, 5);
}

static void test_correlation(void)
{
	const struct flo_spend s[] = {{1, 1, 1}, {2, 3, 1}, {3, 2, 1}};
	const struct flo_spend weighted[] = {{1, 1, 2}, {3, 3, 2}, {3, 1, 1}};
	double c = 9;

	/* deviations (-1, 0, 1) and (-1, 1, 0): 1 / sqrt(2 * 2) */
	CHECK_INT(flo_spend_correlation(s, 3, &c), 1);
	CHECK_NEAR(c, 0.5, 1e-15);
	/* means 11/5 and 9/5; weighted sums of squares 4.8 and 4.8, of
	 * products 2 (0.96) + 2 (0.96) - 0.64 = 3.2 */
	CHECK_INT(flo_spend_correlation(weighted, 3, &c), 1);
	CHECK_NEAR(c, 2.0 / 3.0, 1e-14);
	c = 9;
	CHECK_INT(flo_spend_correlation(s, 1, &c), 0);
	CHECK(c == 0);
	CHECK_INT(flo_spend_correlation(s, 0, &c), 0);
}

int main(void)
{
	test_bgnbd();
	test_gg();
	test_correlation();
	return check_report();
}
