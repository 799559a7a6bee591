/* test_score.c: the scoring engine (lib/model/score.h) against the values
 * of test_bgnbd.c and test_clv.c (scripts/golden/bgnbd_golden.py and
 * clv_golden.py, mpmath), with the Gamma-Gamma's E[M] in closed form
 * (Fader & Hardie 2013), and its cache against scoring afresh. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "model/clv.h"
#include "model/score.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define REL 1e-10

/* CDNOW (Fader, Hardie & Lee 2005; Fader & Hardie 2013), in weeks. */
static const struct flo_model cdnow = {
	"week", {0.243, 4.414, 0.793, 2.426}, {6.25, 3.74, 15.44}, 1, FLO_FAMILY_BGNBD, {0, 0, 0, 0}, {0}, {0},
	{0, 0, 0, 0}, {0, 0, 0, 0},
};

/* flo_score()'s count of the scores, or -1 when it fails. */
static long score(flo_scorer *s, const struct flo_history *h, double *val)
{
	size_t n;
	return flo_score(s, h, val, &n) == FLO_OK ? (long)n : -1;
}

static flo_scorer *scorer(const struct flo_model *m, const double *h, size_t nh,
			  unsigned months, double discount)
{
	struct flo_score_config c = {*m, h, nh, months, discount};
	flo_scorer *s = NULL;

	CHECK_INT(flo_scorer_new(&s, &c), FLO_OK);
	if (s == NULL)
		exit(1);
	return s;
}

/* P(alive) and E[Y(t)] from test_bgnbd.c, E[M] and the CLV from test_clv.c
 * (12 months at 1%): E[M] = p (v + x m)/(p x + q - 1) is 35.449... for
 * x = 2, m = 35.5 and 52.447... for x = 1, m = 60. */
static void test_cdnow(void)
{
	static const double h[] = {1, 12, 39, 260};
	flo_scorer *s = scorer(&cdnow, h, N(h), 12, 0.01);
	double val[7];

	CHECK_INT(flo_scorer_nvalues(s), 7);
	CHECK_INT(score(s, &(struct flo_history){2, 30.43, 38.86, 35.5}, val), 7);
	CHECK_NEAR(val[FLO_SCORE_P_ALIVE], 0.72657857008067291068, REL);
	CHECK_NEAR(val[FLO_SCORE_PURCHASES(0)], 0.037447969741732262701, REL);
	CHECK_NEAR(val[FLO_SCORE_PURCHASES(1)], 0.42411579417957150941, REL);
	CHECK_NEAR(val[FLO_SCORE_PURCHASES(2)], 1.2260281747671444463, REL);
	CHECK_NEAR(val[FLO_SCORE_PURCHASES(3)], 4.9350569694923061702, REL);
	CHECK_NEAR(val[FLO_SCORE_VALUE(4)], 35.4494750656167979, 1e-14);
	CHECK_NEAR(val[FLO_SCORE_CLV(4)], 52.15895260553369184, REL);

	CHECK_INT(score(s, &(struct flo_history){1, 1.571428571, 20.857142857, 60}, val), 7);
	CHECK_NEAR(val[0], 0.33801317307146666905, REL);
	CHECK_NEAR(val[1], 0.016489016527559493794, REL);
	CHECK_NEAR(val[2], 0.18242571909084239796, REL);
	CHECK_NEAR(val[3], 0.50921642023273730196, REL);
	CHECK_NEAR(val[4], 1.907031970171305967, REL);
	CHECK_NEAR(val[5], 52.447163515016685206, 1e-14);

	/* a new customer: alive, the population mean spend p v/(q-1) */
	CHECK_INT(score(s, &(struct flo_history){0, 0, 38.86, 0}, val), 7);
	CHECK(val[0] == 1.0);
	CHECK_NEAR(val[5], 35.218978102189781022, 1e-14);
	CHECK_NEAR(val[6], 8.3690043589204614988, REL);

	struct flo_score_counts c;
	flo_scorer_counts(s, &c);
	CHECK_INT(c.no_value, 0);
	CHECK_INT(c.clamped, 0);
	flo_scorer_free(s);
}

/* test_clv.c's other rows: other months, discounts and units.  m gives the
 * row's E[M] with CDNOW's Gamma-Gamma. */
static void test_clv_rows(void)
{
	static const struct {
		const char *unit;
		double alpha, x, tx, T, m;
		unsigned months;
		double d, clv;
	} rows[] = {
		{"week", 4.414, 10, 35, 39, 20, 6, 0, 90.246526384921696613},
		{"week", 4.414, 1, 2, 39, 60, 3, 0.15, 3.1178488728090309036},
		{"week", 4.414, 1, 2, 39, 60, 120, 0.01, 47.345409807322801562},
		{"day", 30.898, 2, 213.01, 272.02, 35.5, 12, 0.01, 51.573163532685702955},
		{"month", 4.414, 3, 8, 10, 25, 12, 0.01, 43.07519281100443503},
	};
	static const double h[] = {12};
	for (size_t i = 0; i < N(rows); i++) {
		struct flo_model m = cdnow;
		double val[4];

		snprintf(m.unit, sizeof m.unit, "%s", rows[i].unit);
		m.bgnbd.alpha = rows[i].alpha;
		flo_scorer *s = scorer(&m, h, 1, rows[i].months, rows[i].d);
		struct flo_history hist = {rows[i].x, rows[i].tx, rows[i].T, rows[i].m};
		CHECK_INT(score(s, &hist, val), 4);
		CHECK_NEAR(val[3], rows[i].clv, REL);
		flo_scorer_free(s);
	}
}

/* One CLV: the scorer's is flo_clv()'s to the last bit, cached or not, and
 * a cached score is the score afresh. */
static void test_one_clv(void)
{
	static const double h[] = {12, 24};
	static const double hist[][4] = {
		{2, 30.43, 38.86, 35.5}, {0, 0, 38.86, 0}, {10, 30, 39, 12.5},
		{2, 20, 38.86, 70}, {3, 8, 38.86, 1e6}, {200, 38, 40, 3},
	};
	flo_scorer *all = scorer(&cdnow, h, 2, 33, 0.02);

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < N(hist); i++) {
			struct flo_history c = {hist[i][0], hist[i][1], hist[i][2], hist[i][3]};
			double a[5], b[5];
			flo_scorer *one = scorer(&cdnow, h, 2, 33, 0.02);

			CHECK_INT(score(all, &c, a), 5);
			CHECK_INT(score(one, &c, b), 5);
			for (int k = 0; k < 5; k++)
				CHECK(a[k] == b[k]);
			CHECK(a[4] == flo_clv(&cdnow.bgnbd, a[3], c.x, c.tx, c.T, 33, 0.02, 4.345));
			for (int k = 0; k < 2; k++)
				CHECK(a[1 + k] == flo_bgnbd_expected_purchases(&cdnow.bgnbd, c.x, c.tx,
									       c.T, h[k]));
			flo_scorer_free(one);
		}
	}
	flo_scorer_free(all);
}

/* What has no value, and what is scored at monetary 0, is counted. */
static void test_no_value(void)
{
	static const double h[] = {12};
	struct flo_model m = cdnow;
	struct flo_score_counts c;
	double val[4] = {-1, -1, -1, -1};

	m.gg.q = 0.47; /* p x + q <= 1 for x = 0 */
	flo_scorer *s = scorer(&m, h, 1, 6, 0.01);
	CHECK_INT(score(s, &(struct flo_history){0, 0, 30, 0}, val), 2);
	CHECK(val[0] == 1.0 && val[1] > 0 && val[2] == -1 && val[3] == -1);
	/* x = 1, m = -5: E[M] at m = 0, p v/(p x + q - 1) */
	CHECK_INT(score(s, &(struct flo_history){1, 10, 30, -5}, val), 4);
	CHECK_NEAR(val[2], 6.25 * 15.44 / (6.25 + 0.47 - 1), 1e-15);
	CHECK_INT(score(s, &(struct flo_history){1, 10, 30, 0}, val), 4);
	flo_scorer_counts(s, &c);
	CHECK_INT(c.no_value, 1);
	CHECK_INT(c.clamped, 2);
	flo_scorer_free(s);

	m.has_gg = 0;
	s = scorer(&m, h, 1, 6, 0.01);
	CHECK_INT(score(s, &(struct flo_history){2, 30.43, 38.86, 35.5}, val), 2);
	CHECK_NEAR(val[0], 0.72657857008067291068, REL);
	CHECK_NEAR(val[1], 0.42411579417957150941, REL);
	flo_scorer_counts(s, &c);
	CHECK_INT(c.no_value, 0);
	flo_scorer_free(s);
}

/* A value too large to score is an error, never an infinity: E[M] =
 * p (v + x m)/(p x + q - 1) is 3.8/3.27 m for x = 1, beyond the largest
 * double at m = 1e308; a smaller m overflows the CLV only. */
static void test_overflow(void)
{
	static const double h[] = {12};
	struct flo_model m = {"week", {0.243, 4.414, 0.793, 2.426}, {3.8, 0.47, 9.1}, 1,
			      FLO_FAMILY_BGNBD, {0, 0, 0, 0}, {0}, {0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
	flo_scorer *s = scorer(&m, h, 1, 600, -0.5);
	double val[4];
	size_t n = 99;

	CHECK_INT(flo_score(s, &(struct flo_history){1, 2, 30, 1e308}, val, &n), FLO_ERANGE);
	CHECK_INT(n, FLO_SCORE_VALUE(1));
	CHECK(isinf(val[n]));
	CHECK_INT(flo_score(s, &(struct flo_history){1, 2, 30, 1e300}, val, &n), FLO_ERANGE);
	CHECK_INT(n, FLO_SCORE_CLV(1));
	CHECK_INT(flo_score(s, &(struct flo_history){1, 2, 30, 10}, val, &n), FLO_OK);
	CHECK_INT(n, 4);
	flo_scorer_free(s);
}

static void test_refused(void)
{
	static const double h[] = {12}, zero[] = {0}, negative[] = {-1}, inf[] = {INFINITY};
	struct flo_model m = cdnow;
	struct flo_score_config c = {m, h, 1, 6, 0.01};
	flo_scorer *s = (flo_scorer *)&c;

	c.discount = -1;
	CHECK_INT(flo_scorer_new(&s, &c), FLO_EUSAGE);
	CHECK(s == NULL);
	c.discount = 0.01;
	c.horizon = negative;
	CHECK_INT(flo_scorer_new(&s, &c), FLO_EUSAGE);
	c.horizon = zero; /* nothing expected in no time: a horizon like any */
	CHECK_INT(flo_scorer_new(&s, &c), FLO_OK);
	flo_scorer_free(s);
	c.horizon = inf;
	CHECK_INT(flo_scorer_new(&s, &c), FLO_EUSAGE);
	c.horizon = h;
	snprintf(c.model.unit, sizeof c.model.unit, "weeks");
	CHECK_INT(flo_scorer_new(&s, &c), FLO_EMODEL);
	c.model = m;
	c.model.bgnbd.a = 0;
	CHECK_INT(flo_scorer_new(&s, &c), FLO_EMODEL);
	c.model = m;
	c.model.gg.v = NAN;
	CHECK_INT(flo_scorer_new(&s, &c), FLO_EMODEL);
	c.model.has_gg = 0; /* an absent Gamma-Gamma is not read */
	CHECK_INT(flo_scorer_new(&s, &c), FLO_OK);
	flo_scorer_free(s);
	flo_scorer_free(NULL);
}

int main(void)
{
	test_cdnow();
	test_clv_rows();
	test_one_clv();
	test_no_value();
	test_overflow();
	test_refused();
	return check_report();
}
