/* test_bootstrap.c: the parametric bootstrap (lib/model/bootstrap) is
 * calibrated and deterministic.
 *
 * Calibration: data simulated from known parameters (lib/model/simulate's
 * order process, BG/NBD customers with Gamma-Gamma spend, FHL 2005's CDNOW
 * estimates, 2,000 customers a simulation, fixed seeds) are fitted and
 * bootstrapped with 100 replicates; the nominal 90% percentile intervals
 * must cover the true parameters at about 90%.  Coverage over the
 * simulations is a binomial proportion: with 40 simulations its standard
 * error at 0.90 is 0.047 for one parameter, so each model's pooled coverage
 * (160 and 120 intervals, correlated within a simulation) must be within
 * 0.82 to 0.96, and each parameter's within 0.75 to 1.
 *
 * Determinism: the replicates are the same on one thread and on four, and
 * another seed gives others.
 *
 * FLO_COVERAGE_REPS=N runs N simulations and prints the coverage
 * (scripts/coverage). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "check.h"
#include "model/bootstrap.h"
#include "model/fit.h"
#include "model/interval.h"
#include "model/simulate.h"
#include "simsample.h"

#define CUSTOMERS 2000
#define LEVEL 0.90
#define REPLICATES 100

static int covers(const struct flo_param_interval *iv, double truth)
{
	return iv->has_lower && iv->has_upper && iv->lower <= truth && truth <= iv->upper;
}

/* The bootstrap's percentile intervals of a fit into iv. */
static int boot_intervals(enum flo_interval_kind kind, const void *rows, size_t n,
			  const struct flo_fit_result *res, uint32_t seed, struct flo_intervals *iv)
{
	struct flo_boot b;
	int use[4] = {1, 1, 1, 1};
	memset(iv, 0, sizeof *iv);
	iv->level = LEVEL;
	iv->np = res->np;
	if (flo_bootstrap(kind, rows, n, res, REPLICATES, seed, 0, &b) != FLO_OK)
		return 0;
	flo_boot_intervals(&b, use, iv);
	int ok = b.ok >= REPLICATES * 95 / 100;
	flo_boot_free(&b);
	return ok;
}

static void determinism(const struct sample *s, const struct flo_fit_result *bg)
{
	struct flo_boot one, four, other;
	CHECK(flo_bootstrap(FLO_IV_BGNBD, s->tri, s->n, bg, 12, 7, 1, &one) == FLO_OK);
	CHECK(flo_bootstrap(FLO_IV_BGNBD, s->tri, s->n, bg, 12, 7, 4, &four) == FLO_OK);
	CHECK(flo_bootstrap(FLO_IV_BGNBD, s->tri, s->n, bg, 12, 8, 4, &other) == FLO_OK);
	CHECK_INT(one.ok, four.ok);
	CHECK(one.ok == four.ok &&
	      memcmp(one.params, four.params, one.ok * 4 * sizeof *one.params) == 0);
	CHECK(one.ok > 0 && other.ok > 0 && one.params[0] != other.params[0]);
	/* the replicates scatter about the estimate */
	double lo = HUGE_VAL, hi = 0;
	for (size_t k = 0; k < one.ok; k++) {
		lo = fmin(lo, one.params[4 * k]);
		hi = fmax(hi, one.params[4 * k]);
	}
	CHECK(lo < bg->params[0] && bg->params[0] < hi);
	flo_boot_free(&one);
	flo_boot_free(&four);
	flo_boot_free(&other);
	CHECK(flo_bootstrap(FLO_IV_BGNBD, s->tri, s->n, bg, 1, 7, 1, &one) == FLO_EUSAGE);
}

int main(void)
{
	const struct flo_sim_params *par = &flo_sim_cdnow;
	const double bg_true[4] = {par->r, par->alpha, par->a, par->b};
	const double gg_true[3] = {par->p, par->q, par->v};
	const char *env = getenv("FLO_COVERAGE_REPS");
	int reps = env != NULL ? atoi(env) : 40;
	struct sample s = {0};
	s.tri = malloc(CUSTOMERS * sizeof *s.tri);
	s.spend = malloc(CUSTOMERS * sizeof *s.spend);
	long hit_bg[4] = {0}, hit_gg[3] = {0};
	for (int rep = 0; rep < reps; rep++) {
		uint32_t seed = (uint32_t)(5000 + rep);
		struct flo_fit_options o = {0, 0, NULL, NULL, 0};
		struct flo_fit_result bg, gg;
		struct flo_intervals ibg, igg;
		CHECK(simulate(par, seed, CUSTOMERS, &s) == FLO_OK);
		CHECK(flo_fit_bgnbd(s.tri, s.n, &o, &bg) == FLO_OK && bg.converged);
		CHECK(flo_fit_gg(s.spend, s.nspend, &o, &gg) == FLO_OK && gg.converged);
		if (rep == 0)
			determinism(&s, &bg);
		CHECK(boot_intervals(FLO_IV_BGNBD, s.tri, s.n, &bg, seed, &ibg));
		CHECK(boot_intervals(FLO_IV_GG, s.spend, s.nspend, &gg, seed, &igg));
		for (int j = 0; j < 4; j++) {
			CHECK(ibg.p[j].method == FLO_IV_METHOD_BOOTSTRAP);
			hit_bg[j] += covers(&ibg.p[j], bg_true[j]);
		}
		for (int j = 0; j < 3; j++)
			hit_gg[j] += covers(&igg.p[j], gg_true[j]);
	}
	double pooled_bg = (double)(hit_bg[0] + hit_bg[1] + hit_bg[2] + hit_bg[3]) / (4.0 * reps);
	double pooled_gg = (double)(hit_gg[0] + hit_gg[1] + hit_gg[2]) / (3.0 * reps);
	fprintf(stderr, "bootstrap coverage at %.2f over %d runs: BG/NBD %.3f (r %.3f alpha %.3f "
		"a %.3f b %.3f), Gamma-Gamma %.3f (p %.3f q %.3f v %.3f)\n", LEVEL, reps, pooled_bg,
		(double)hit_bg[0] / reps, (double)hit_bg[1] / reps, (double)hit_bg[2] / reps,
		(double)hit_bg[3] / reps, pooled_gg, (double)hit_gg[0] / reps,
		(double)hit_gg[1] / reps, (double)hit_gg[2] / reps);
	if (env != NULL)
		printf("| CDNOW (FHL 2005), %d customers, bootstrap %d | %d | %.3f | %.3f | %.3f | "
		       "%.3f | %.3f | %.3f | %.3f | |\n", CUSTOMERS, REPLICATES, reps,
		       (double)hit_bg[0] / reps, (double)hit_bg[1] / reps, (double)hit_bg[2] / reps,
		       (double)hit_bg[3] / reps, (double)hit_gg[0] / reps, (double)hit_gg[1] / reps,
		       (double)hit_gg[2] / reps);
	CHECK(pooled_bg >= 0.82 && pooled_bg <= 0.96);
	CHECK(pooled_gg >= 0.82 && pooled_gg <= 0.96);
	for (int j = 0; j < 4; j++)
		CHECK(hit_bg[j] >= 0.75 * reps);
	for (int j = 0; j < 3; j++)
		CHECK(hit_gg[j] >= 0.75 * reps);
	free(s.tri);
	free(s.spend);
	return check_report();
}
