/* test_clv.c: lifetimes-style CLV against values computed independently by
 * scripts/golden/clv_golden.py (mpmath, 30 digits: DESIGN.md's definition
 * summed month by month over the bounded integral form of the BG/NBD
 * expected purchases, and the Gamma-Gamma closed form for E[M]). */
#include <math.h>

#include "check.h"
#include "model/clv.h"
#include "base/err.h"
#include "base/unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* r, alpha, a, b, x, t_x, T, E[M], months, d, f, clv: clv_golden.py.  The
 * sixth row is the CDNOW fit with time in days (alpha * 7, f = 30). */
static const double clv_gold[][12] = {
	{ 0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86, 35.4494750656167979, 12, 0.01, 4.345, 52.15895260553369184 },
	{ 0.243, 4.414, 0.793, 2.426, 0, 0, 38.86, 35.218978102189781022, 12, 0.01, 4.345, 8.3690043589204614988 },
	{ 0.243, 4.414, 0.793, 2.426, 10, 35, 39, 20.63917841814837523, 6, 0, 4.345, 90.246526384921696613 },
	{ 0.243, 4.414, 0.793, 2.426, 1, 2, 39, 52.447163515016685206, 3, 0.15, 4.345, 3.1178488728090309036 },
	{ 0.243, 4.414, 0.793, 2.426, 1, 2, 39, 52.447163515016685206, 120, 0.01, 4.345, 47.345409807322801562 },
	{ 0.243, 30.898, 0.793, 2.426, 2, 213.01, 272.02, 35.4494750656167979, 12, 0.01, 30, 51.573163532685702955 },
	{ 0.243, 4.414, 0.793, 2.426, 3, 8, 10, 26.302931596091205212, 12, 0.01, 1, 43.07519281100443503 },
	{ 2.725321740632131, 72.66677564237696, 8.110876565036794e-23, 6.699991154257477e-14, 1, 1.571428571, 20.857142857, 94.16017797552836485, 12, 0.01, 4.345, 183.41997553912933329 },
	{ 2.725321740632131, 72.66677564237696, 8.110876565036794e-23, 6.699991154257477e-14, 7, 180, 210, 284.39449343944934394, 24, 0.02, 4.345, 804.12183177750185471 },
};

static void test_golden(void)
{
	for (size_t i = 0; i < N(clv_gold); i++) {
		const double *g = clv_gold[i];
		struct flo_bgnbd m = { g[0], g[1], g[2], g[3] };

		CHECK_NEAR(flo_clv(&m, g[7], g[4], g[5], g[6], (unsigned)g[8], g[9], g[10]),
			   g[11], 1e-10);
	}
}

/* The definition, spelled out with the public expected purchases, over
 * horizons that span several of flo_clv's blocks of months. */
static void test_definition(void)
{
	struct flo_bgnbd m = { 0.243, 4.414, 0.793, 2.426 };
	const unsigned months[] = { 1, 18, 32, 33, 70 };

	for (size_t k = 0; k < N(months); k++) {
		double want = 0.0, prev = 0.0;

		for (unsigned i = 1; i <= months[k]; i++) {
			double e = flo_bgnbd_expected_purchases(&m, 4, 20, 36, i * 4.345);

			want += 42.0 * (e - prev) / pow(1.03, i);
			prev = e;
		}
		CHECK_NEAR(flo_clv(&m, 42.0, 4, 20, 36, months[k], 0.03, 4.345), want, 1e-12);
	}
}

static void test_edges(void)
{
	struct flo_bgnbd m = { 0.243, 4.414, 0.793, 2.426 };
	struct flo_bgnbd pen = { 2.725321740632131, 72.66677564237696, 8.110876565036794e-23,
				 6.699991154257477e-14 };

	CHECK(flo_clv(&m, 50, 2, 30, 38, 0, 0.01, 4.345) == 0.0);
	CHECK(flo_clv(&m, 0, 2, 30, 38, 12, 0.01, 4.345) == 0.0);
	CHECK(flo_clv(&m, 50, 1000, 10, 100, 12, 0.01, 4.345) == 0.0);  /* P(alive) = 0 */
	/* with no discount, CLV is E[M] E[Y(M f)] */
	CHECK_NEAR(flo_clv(&m, 50, 2, 30, 38, 12, 0, 4.345),
		   50 * flo_bgnbd_expected_purchases(&m, 2, 30, 38, 12 * 4.345), 1e-13);
	/* many months, a new customer, the penalised boundary fit: finite */
	CHECK(isfinite(flo_clv(&pen, 80, 0, 0, 0, 600, 0.01, 30)));
	CHECK(isfinite(flo_clv(&pen, 80, 1, 1, 1, 600, -0.5, 4.345)));
	CHECK(flo_clv(&pen, 80, 1, 1.571428571, 20.857142857, 12, 0.01, 4.345) > 0.0);
}

/* flo_clv() is E[M] P(alive) times the alive sum a scorer caches. */
static void test_alive_sum(void)
{
	struct flo_bgnbd m = { 0.243, 4.414, 0.793, 2.426 };

	CHECK(flo_clv_alive_sum(&m, 2, 38, 0, 0.01, 4.345) == 0.0);
	for (unsigned months = 1; months < 70; months += 17) {
		double alive = flo_bgnbd_p_alive(&m, 4, 20, 36);
		double sum = flo_clv_alive_sum(&m, 4, 36, months, 0.03, 4.345);

		CHECK(sum > 0.0);
		CHECK(flo_clv(&m, 42.0, 4, 20, 36, months, 0.03, 4.345) == 42.0 * alive * sum);
	}
}

static void test_units(void)
{
	double f = -1;

	CHECK_INT(flo_unit_per_month("day", &f), FLO_OK);
	CHECK(f == 30.0);
	CHECK_INT(flo_unit_per_month("week", &f), FLO_OK);
	CHECK(f == 4.345);
	CHECK_INT(flo_unit_per_month("month", &f), FLO_OK);
	CHECK(f == 1.0);
	f = -1;
	CHECK_INT(flo_unit_per_month("weeks", &f), FLO_EVALUE);
	CHECK_INT(flo_unit_per_month("", &f), FLO_EVALUE);
	CHECK_INT(flo_unit_per_month(NULL, &f), FLO_EVALUE);
	CHECK(f == -1);
}

int main(void)
{
	test_golden();
	test_definition();
	test_edges();
	test_alive_sum();
	test_units();
	return check_report();
}
