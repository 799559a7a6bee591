/* test_ggseries.c: the Gamma-Gamma's sums in v from power series
 * (ggseries.h) are the sums of a pass, to rounding.
 *   - The series against each sum computed term by term in long double, at
 *     v across the series' reach about v0, on spend pairs whose x m spans
 *     1e-6 to 1e6 (pairs where u = 1/(v0 + x m) is largest and smallest),
 *     with the tolerance relative to the sum of the terms' sizes.
 *   - Beyond the reach, and for a v of another scale, nothing is given.
 *   - The likelihood (fitlik.h) after its near() hook has gathered them:
 *     value, gradient and Hessian at v near the centre equal those of a
 *     problem that sums every v in a pass.
 *   - The Gamma-Gamma's profile intervals with and without the series agree
 *     within the profile's own root tolerance. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "check.h"
#include "model/fit.h"
#include "model/fitlik.h"
#include "model/ggseries.h"
#include "model/interval.h"

static uint64_t state = 0x9E3779B97F4A7C15u;

static double uniform(void)
{
	state = state * 6364136223846793005u + 1442695040888963407u;
	return ((state >> 11) + 0.5) / 9007199254740992.0;
}

#define PAIRS 5000

/* Spend pairs: x in 1..20, m log-uniform from 1e-6 to 1e6 / x, weights 1 to
 * 4; one pair of tiny and one of huge x m. */
static void spend_pairs(struct flo_spend *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double x = 1 + floor(20 * uniform());
		double m = exp(log(1e-6) + uniform() * (log(1e6) - log(1e-6))) / x;
		d[i] = (struct flo_spend){x, m, 1 + floor(4 * uniform())};
	}
	d[0] = (struct flo_spend){1, 1e-6, 1};
	d[1] = (struct flo_spend){20, 5e4, 2};
}

static void terms_of(const struct flo_spend *d, size_t n, double *t)
{
	for (size_t i = 0; i < n; i++) {
		double *o = t + i * FLO_GG_TERMS;
		o[FLO_GG_TERM_W] = d[i].w;
		o[FLO_GG_TERM_WX] = d[i].w * d[i].x;
		o[FLO_GG_TERM_XM] = d[i].x * d[i].m;
		o[FLO_GG_TERM_LNM] = log(d[i].m);
	}
}

/* Each sum at v term by term in long double, and the sum of its terms' sizes. */
static void direct(const struct flo_spend *d, size_t n, double v, double *sum, double *size)
{
	long double s[FLO_GG_SUMS] = {0}, a[FLO_GG_SUMS] = {0};
	for (size_t i = 0; i < n; i++) {
		long double w = d[i].w, wx = w * d[i].x, xm = (long double)d[i].x * d[i].m;
		long double sv = v + xm, ls = logl(sv), t[FLO_GG_SUMS];
		t[FLO_GG_L] = w * ls;
		t[FLO_GG_XD] = wx * (logl((long double)d[i].m) - ls);
		t[FLO_GG_XI] = wx / sv;
		t[FLO_GG_I] = w / sv;
		t[FLO_GG_XXM] = wx * xm / (sv * sv);
		t[FLO_GG_XM] = w * xm / (sv * sv);
		for (int k = 0; k < FLO_GG_SUMS; k++) {
			s[k] += t[k];
			a[k] += fabsl(t[k]);
		}
	}
	for (int k = 0; k < FLO_GG_SUMS; k++) {
		sum[k] = (double)s[k];
		size[k] = (double)a[k];
	}
}

static void check_series(void)
{
	static struct flo_spend d[PAIRS];
	static double t[PAIRS * FLO_GG_TERMS];
	spend_pairs(d, PAIRS);
	terms_of(d, PAIRS, t);
	double xm_min = HUGE_VAL;
	for (size_t i = 0; i < PAIRS; i++)
		xm_min = fmin(xm_min, d[i].x * d[i].m);
	const double centres[] = {0.01, 1, 16.76, 3e4};
	for (size_t c = 0; c < sizeof centres / sizeof centres[0]; c++) {
		double v0 = centres[c], sums[FLO_GGS_N] = {0}, halves[FLO_GGS_N] = {0};
		flo_gg_series_gather(t, 0, PAIRS, v0, sums);
		/* two parts, added in their order, as the threads do */
		flo_gg_series_gather(t, 0, PAIRS / 2, v0, halves);
		flo_gg_series_gather(t, PAIRS / 2, PAIRS, v0, halves);
		for (int k = 0; k < FLO_GGS_N; k++)
			CHECK_NEAR(halves[k], sums[k], 1e-13);
		double reach = 0.1 * (v0 + xm_min);
		const double at[] = {-0.999, -0.5, -0.05, -1e-6, 0, 1e-9, 0.03, 0.5, 0.999};
		for (size_t j = 0; j < sizeof at / sizeof at[0]; j++) {
			double v = v0 + at[j] * reach, want[FLO_GG_SUMS], size[FLO_GG_SUMS];
			double got[FLO_GG_SUMS];
			direct(d, PAIRS, v, want, size);
			CHECK(flo_gg_series_sums(sums, v0, xm_min, v, FLO_LIK_HESSIAN, got));
			/* the logs and first derivatives to a few roundings of
			 * a pass; the Hessian's sums, x m/s^2 = 1/s - v/s^2
			 * (v/s^2 <= 1/s), to a few roundings of the sums of
			 * 1/s they are the difference of */
			for (int k = 0; k < FLO_GG_XXM; k++)
				CHECK_ABS(got[k], want[k], 1e-13 * size[k]);
			CHECK_ABS(got[FLO_GG_XXM], want[FLO_GG_XXM], 1e-13 * size[FLO_GG_XI]);
			CHECK_ABS(got[FLO_GG_XM], want[FLO_GG_XM], 1e-13 * size[FLO_GG_I]);
		}
		double out[FLO_GG_SUMS];
		CHECK(!flo_gg_series_sums(sums, v0, xm_min, v0 + 1.001 * reach, FLO_LIK_VALUE, out));
		CHECK(!flo_gg_series_sums(sums, v0, xm_min, v0 - 1.001 * reach, FLO_LIK_VALUE, out));
		CHECK(!flo_gg_series_sums(sums, v0, xm_min, 10 * v0 + 1, FLO_LIK_VALUE, out));
	}
}

/* The likelihood with its series gathered about phi0 against one without. */
static void check_likelihood(void)
{
	static struct flo_spend d[PAIRS];
	spend_pairs(d, PAIRS);
	struct flo_problem with, without;
	CHECK(flo_problem_gg(&with, d, PAIRS) == FLO_OK);
	CHECK(flo_problem_gg(&without, d, PAIRS) == FLO_OK);
	without.near = NULL;
	CHECK(with.near != NULL);
	const double phi0[3] = {log(6.0), log(3.7), log(16.76)};
	with.near(&with, phi0);
	const double dv[] = {-0.08, -0.02, 0, 0.004, 0.05, 0.09};
	for (size_t j = 0; j < sizeof dv / sizeof dv[0]; j++) {
		double phi[3] = {phi0[0] + 0.1, phi0[1] - 0.05, phi0[2] + dv[j]};
		struct flo_lik a, b;
		flo_lik_gg(&with, phi, FLO_LIK_HESSIAN, &a);
		flo_lik_gg(&without, phi, FLO_LIK_HESSIAN, &b);
		/* to a few roundings of the likelihood's scale */
		double scale = fabs(b.ll) + PAIRS;
		CHECK_ABS(a.ll, b.ll, 1e-13 * scale);
		for (int k = 0; k < 3; k++)
			CHECK_ABS(a.g[k], b.g[k], 1e-13 * scale);
		for (int k = 0; k < 16; k++)
			CHECK_ABS(a.h[k], b.h[k], 1e-12 * scale);
	}
	flo_problem_free(&with);
	flo_problem_free(&without);
}

/* Profile intervals on spend pairs like real ones (Gamma-Gamma spends, x up
 * to 12), with the series and with a pass per v. */
static void check_intervals(void)
{
	enum { N = 20000 };
	static struct flo_spend d[N];
	for (size_t i = 0; i < N; i++) {
		/* m ~ mean of x Gamma(p, nu) spends, nu ~ Gamma(q, v): a rough
		 * stand-in by log-normal spreads around 35 */
		double x = 1 + floor(12 * uniform() * uniform());
		double z = sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
		d[i] = (struct flo_spend){x, 35 * exp(0.5 * z), 1};
	}
	struct flo_fit_options o = {0};
	struct flo_fit_result gg;
	CHECK(flo_fit_gg(d, N, &o, &gg) == FLO_OK && gg.converged);
	struct flo_problem with, without;
	CHECK(flo_problem_gg(&with, d, N) == FLO_OK);
	CHECK(flo_problem_gg(&without, d, N) == FLO_OK);
	without.near = NULL;
	struct flo_intervals a, b;
	CHECK(flo_intervals_indexed(FLO_IV_GG, &with, &gg, 0, 0.95, FLO_IV_PROFILE, &a) == FLO_OK);
	CHECK(flo_intervals_indexed(FLO_IV_GG, &without, &gg, 0, 0.95, FLO_IV_PROFILE, &b) ==
	      FLO_OK);
	for (int j = 0; j < 3; j++) {
		CHECK(a.p[j].has_lower && b.p[j].has_lower && a.p[j].has_upper && b.p[j].has_upper);
		CHECK_NEAR(a.p[j].lower, b.p[j].lower, 1e-7);
		CHECK_NEAR(a.p[j].upper, b.p[j].upper, 1e-7);
		CHECK(a.p[j].lower < gg.params[j] && gg.params[j] < a.p[j].upper);
	}
	flo_problem_free(&with);
	flo_problem_free(&without);
}

int main(void)
{
	check_series();
	check_likelihood();
	check_intervals();
	return check_report();
}
