/* test_gg.c: the Gamma-Gamma spend model against values computed
 * independently, at 30 digits, by scripts/golden/gg_golden.py (mpmath: the
 * density and the posterior mean obtained by integrating the model's story
 * over nu numerically, next to the closed forms). */
#include <math.h>

#include "check.h"
#include "base/err.h"
#include "model/gg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* p, q, v, x, mbar, ln f(mbar | x): scripts/golden/gg_golden.py (the
 * formula of DESIGN.md; the script shows numerical integration over nu
 * agreeing with it to 2e-15 relative or better). */
static const double loglik_gold[][6] = {
	{ 6.25, 3.74, 15.44, 1, 20, -3.5941964929491958785 },
	{ 6.25, 3.74, 15.44, 2, 35.5, -4.1216651926127215769 },
	{ 6.25, 3.74, 15.44, 6, 100, -7.1283815047885496818 },
	{ 6.25, 3.74, 15.44, 50, 10, -4.9005740953440262811 },
	{ 6.25, 3.74, 15.44, 1000, 44.2, -4.5268333813471204131 },
	{ 6.25, 3.74, 15.44, 3, 0.01, -102.75807938044008967 },
	{ 3.8, 0.47, 9.1, 1, 20, -5.0060014352483328667 },
	{ 3.8, 0.47, 9.1, 2, 35.5, -5.2050511465106356295 },
	{ 3.8, 0.47, 9.1, 6, 100, -6.0935741794647923875 },
	{ 3.8, 0.47, 9.1, 50, 10, -5.7890722200420308453 },
	{ 3.8, 0.47, 9.1, 1000, 44.2, -5.3200579975481438037 },
	{ 3.8, 0.47, 9.1, 3, 0.01, -60.083689000590829652 },
	{ 0.001, 2.5, 1e8, 1, 20, -9.9176332058280277523 },
	{ 0.001, 2.5, 1e8, 2, 35.5, -9.8099001347119084106 },
	{ 0.001, 2.5, 1e8, 6, 100, -9.7856620090620419001 },
	{ 0.001, 2.5, 1e8, 50, 10, -5.8460147604766686585 },
	{ 0.001, 2.5, 1e8, 1000, 44.2, -10.598181391309782673 },
	{ 0.001, 2.5, 1e8, 3, 0.01, -1.2659185899429289023 },
	{ 150, 40, 2000, 1, 20, -597.07261504613747377 },
	{ 150, 40, 2000, 2, 35.5, -892.88461099811879446 },
	{ 150, 40, 2000, 6, 100, -1168.4848136791683295 },
	{ 150, 40, 2000, 50, 10, -11831.63428077956271 },
	{ 150, 40, 2000, 1000, 44.2, -6397.5243178901943177 },
	{ 150, 40, 2000, 3, 0.01, -4854.3364652314560159 },
};

/* p, q, v, x, mbar, E[M | x, mbar]: scripts/golden/gg_golden.py, by numerical
 * integration over the posterior of nu.  Rows with p x + q <= 1 have no
 * finite mean and are tested apart. */
static const double expected_gold[][6] = {
	{ 6.25, 3.74, 15.44, 0, 0, 35.218978102189781022 },
	{ 6.25, 3.74, 15.44, 1, 20, 24.638487208008898776 },
	{ 6.25, 3.74, 15.44, 2, 35.5, 35.4494750656167979 },
	{ 6.25, 3.74, 15.44, 6, 100, 95.588966202783300199 },
	{ 6.25, 3.74, 15.44, 50, 10, 10.219198071310747367 },
	{ 6.25, 3.74, 15.44, 1000, 44.2, 44.196064445347159805 },
	{ 6.25, 3.74, 15.44, 3, 0.01, 4.4991856677524429967 },
	{ 3.8, 0.47, 9.1, 1, 20, 33.816513761467889908 },
	{ 3.8, 0.47, 9.1, 2, 35.5, 43.052333804809052334 },
	{ 3.8, 0.47, 9.1, 6, 100, 103.9326448136506511 },
	{ 3.8, 0.47, 9.1, 50, 10, 10.210481870480814905 },
	{ 3.8, 0.47, 9.1, 1000, 44.2, 44.215266866168176088 },
	{ 3.8, 0.47, 9.1, 3, 0.01, 3.1917203311867525299 },
	{ 0.001, 2.5, 1e8, 0, 0, 66666.666666666666667 },
	{ 0.001, 2.5, 1e8, 1, 20, 66622.265156562291805 },
	{ 0.001, 2.5, 1e8, 2, 35.5, 66577.94340878828229 },
	{ 0.001, 2.5, 1e8, 6, 100, 66401.460823373173971 },
	{ 0.001, 2.5, 1e8, 50, 10, 64516.451612903225806 },
	{ 0.001, 2.5, 1e8, 1000, 44.2, 40017.68 },
	{ 0.001, 2.5, 1e8, 3, 0.01, 66533.599487691284098 },
	{ 150, 40, 2000, 0, 0, 7692.3076923076923077 },
	{ 150, 40, 2000, 1, 20, 1603.1746031746031746 },
	{ 150, 40, 2000, 2, 35.5, 916.37168141592920354 },
	{ 150, 40, 2000, 6, 100, 415.33546325878594249 },
	{ 150, 40, 2000, 50, 10, 49.741345005968961401 },
	{ 150, 40, 2000, 1000, 44.2, 46.187991122308199868 },
	{ 150, 40, 2000, 3, 0.01, 613.50613496932515337 },
};

static void test_loglik(void)
{
	for (size_t i = 0; i < N(loglik_gold); i++) {
		const double *g = loglik_gold[i];
		struct flo_gg m = { g[0], g[1], g[2] };

		CHECK_ABS(flo_gg_loglik(&m, g[3], g[4]), g[5], 1e-12 * fmax(1.0, fabs(g[5])));
	}
}

static void test_outside_model(void)
{
	struct flo_gg m = { 6.25, 3.74, 15.44 };
	double g[3] = { 1, 1, 1 };

	CHECK(flo_gg_loglik(&m, 0, 0) == 0.0);
	CHECK(flo_gg_loglik(&m, 3, 0) == 0.0);
	CHECK(flo_gg_loglik(&m, 3, -5) == 0.0);
	CHECK(flo_gg_loglik_grad(&m, 0, 12, g) == 0.0);
	CHECK(g[0] == 0.0 && g[1] == 0.0 && g[2] == 0.0);
}

static void test_expected(void)
{
	for (size_t i = 0; i < N(expected_gold); i++) {
		const double *g = expected_gold[i];
		struct flo_gg m = { g[0], g[1], g[2] };

		CHECK(flo_gg_expected_value_exists(&m, g[3]));
		CHECK_NEAR(flo_gg_expected_value(&m, g[3], g[4]), g[5], 1e-13);
	}
}

/* Fader & Hardie (2013): E[M | x, mbar] is the weighted average
 * (q-1)/(px+q-1) * p v/(q-1) + px/(px+q-1) * mbar, at the CDNOW fit. */
static void test_published_form(void)
{
	struct flo_gg m = { 6.25, 3.74, 15.44 };
	const double xs[] = { 0, 1, 2, 5, 20, 300 }, ms[] = { 1, 12.5, 35.22, 80, 1000 };

	CHECK(flo_gg_has_population_mean(&m));
	CHECK_NEAR(flo_gg_expected_value(&m, 0, 0), 6.25 * 15.44 / 2.74, 1e-15);
	for (size_t i = 0; i < N(xs); i++) {
		for (size_t j = 0; j < N(ms); j++) {
			double px = m.p * xs[i], d = px + m.q - 1.0;
			double want = (m.q - 1.0) / d * (m.p * m.v / (m.q - 1.0)) + px / d * ms[j];

			CHECK_NEAR(flo_gg_expected_value(&m, xs[i], ms[j]), want, 1e-14);
		}
	}
}

/* q <= 1: no population mean; the conditional mean exists only once
 * p x + q > 1, and otherwise the documented 0 comes back, never inf/nan. */
static void test_no_mean(void)
{
	struct flo_gg pen = { 3.8, 0.47, 9.1 }, tiny = { 0.1, 0.5, 9.1 };

	CHECK(!flo_gg_has_population_mean(&pen));
	CHECK(!flo_gg_expected_value_exists(&pen, 0));
	CHECK(flo_gg_expected_value(&pen, 0, 0) == 0.0);
	CHECK(flo_gg_expected_value_exists(&pen, 1));
	CHECK(!flo_gg_expected_value_exists(&tiny, 5));  /* 0.5 + 0.5 = 1 */
	CHECK(flo_gg_expected_value(&tiny, 5, 30) == 0.0);
	CHECK(flo_gg_expected_value_exists(&tiny, 6));
	CHECK(isfinite(flo_gg_expected_value(&tiny, 6, 30)));
}

static void check_gradient(const struct flo_gg *m, double x, double mbar)
{
	double g[3], ll = flo_gg_loglik_grad(m, x, mbar, g);
	double logp[3] = { log(m->p), log(m->q), log(m->v) };

	CHECK_NEAR(ll, flo_gg_loglik(m, x, mbar), 1e-15);
	for (int k = 0; k < 3; k++) {
		double h = 1e-5, up[3], dn[3], fd;
		struct flo_gg mu, md;

		for (int j = 0; j < 3; j++)
			up[j] = dn[j] = logp[j];
		up[k] += h;
		dn[k] -= h;
		mu = (struct flo_gg){ exp(up[0]), exp(up[1]), exp(up[2]) };
		md = (struct flo_gg){ exp(dn[0]), exp(dn[1]), exp(dn[2]) };
		fd = (flo_gg_loglik(&mu, x, mbar) - flo_gg_loglik(&md, x, mbar)) / (2 * h);
		/* central differences: O(h^2) truncation, O(eps |ll| / h) rounding */
		CHECK_ABS(g[k], fd, 1e-6 * fmax(1.0, fabs(fd)) + 1e-10 * fabs(ll) / h);
	}
}

static void test_gradient(void)
{
	const struct flo_gg ms[] = { { 6.25, 3.74, 15.44 }, { 3.8, 0.47, 9.1 },
				     { 0.001, 2.5, 1e8 }, { 150, 40, 2000 } };
	const double cs[][2] = { { 1, 20 }, { 2, 35.5 }, { 50, 10 }, { 1000, 44.2 }, { 3, 0.01 } };

	for (size_t i = 0; i < N(ms); i++)
		for (size_t j = 0; j < N(cs); j++)
			check_gradient(&ms[i], cs[j][0], cs[j][1]);
}

static void test_check(void)
{
	struct flo_gg ok = { 1, 2, 3 }, zero = { 1, 0, 3 }, bad = { 1, 2, NAN };

	CHECK_INT(flo_gg_check(&ok), FLO_OK);
	CHECK_INT(flo_gg_check(&zero), FLO_EMODEL);
	CHECK_INT(flo_gg_check(&bad), FLO_EMODEL);
	CHECK_INT(flo_gg_check(NULL), FLO_EMODEL);
}

int main(void)
{
	test_loglik();
	test_outside_model();
	test_expected();
	test_published_form();
	test_no_mean();
	test_gradient();
	test_check();
	return check_report();
}
