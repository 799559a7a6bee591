/* test_intervals.c: the intervals are calibrated.  Data simulated from known
 * parameters (lib/model/simulate: BG/NBD customers with Gamma-Gamma spend,
 * 10,000 a simulation, three parameter sets, fixed seeds) are fitted, and
 * the nominal 90% intervals must cover the true values at about 90%:
 *   - each parameter's interval of flo-fit's default choice (Wald on the log
 *     scale for the BG/NBD, the profile likelihood for the Gamma-Gamma);
 *   - the interval of the population's expected repeat purchases in 39
 *     weeks, E[X(39)] (FHL 2005 eq. 9), from 200 parameter draws
 *     (draws.h), against E[X(39)] at the true parameters.
 * Coverage over the repetitions is a binomial proportion: with 120 (40 per
 * set) its standard error at 0.90 is 0.027, so the pooled coverage of each
 * model's parameters (480 and 360 intervals) must be within 0.85 to 0.95 and
 * each single parameter's and E[X(39)]'s within 0.82 to 0.97.
 *
 * The Pareto/NBD likewise, on one set (its CDNOW estimates, Fader & Hardie
 * 2005, simulate.h), 40 repetitions of 3,000 customers: Wald on the log scale for r, alpha, s,
 * beta, and E[X(39)] (Fader, Hardie & Lee 2005 eq. 41's unconditional
 * count, pnbd.h) from its draws.  With 40 the standard error is 0.047: the
 * pooled coverage (160 intervals) must be within 0.82 to 0.96, and each
 * parameter's and E[X(39)]'s within 0.75 to 1.
 *
 * FLO_COVERAGE_REPS=N runs N repetitions a set and prints the table
 * (scripts/coverage, README "How sure is the forecast"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "check.h"
#include "model/draws.h"
#include "model/fit.h"
#include "model/fitlik.h"
#include "model/interval.h"
#include "model/simulate.h"
#include "simsample.h"

#define CUSTOMERS 10000
/* The Pareto/NBD's fit costs several times the BG/NBD's (its integrals,
 * fitpnbd.c): a set of smaller simulations */
#define PNBD_CUSTOMERS 3000
#define LEVEL 0.90
#define DRAWS 200
#define HORIZON 39.0

static int covers(const struct flo_param_interval *iv, double truth)
{
	return (!iv->has_lower || iv->lower <= truth) && (!iv->has_upper || truth <= iv->upper);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Whether the draws' interval of E[X(HORIZON)] covers its true value. */
static int population_covers(const struct flo_fit_result *bg, const struct flo_intervals *iv,
			     const struct flo_sim_params *par, uint32_t seed)
{
	static struct flo_model draws[DRAWS];
	static double e[DRAWS];
	struct flo_model m = {.unit = "week"};
	const double *v = bg->params;
	if (par->pnbd) {
		m.family = FLO_FAMILY_PNBD;
		m.pnbd = (struct flo_pnbd){v[0], v[1], v[2], v[3]};
	} else {
		m.bgnbd = (struct flo_bgnbd){v[0], v[1], v[2], v[3]};
	}
	m.cov = iv->cov;
	int gg;
	if (flo_draws_make(&m, DRAWS, seed, draws, &gg) != FLO_OK)
		return 0;
	for (int d = 0; d < DRAWS; d++)
		e[d] = par->pnbd ? flo_pnbd_expected_count(&draws[d].pnbd, HORIZON)
				 : flo_bgnbd_expected_count(&draws[d].bgnbd, HORIZON);
	qsort(e, DRAWS, sizeof *e, cmp);
	struct flo_bgnbd truth = {par->r, par->alpha, par->a, par->b};
	struct flo_pnbd ptruth = {par->r, par->alpha, par->s, par->beta};
	double t = par->pnbd ? flo_pnbd_expected_count(&ptruth, HORIZON)
			     : flo_bgnbd_expected_count(&truth, HORIZON);
	/* percentiles 5 and 95 of 200, type 7: 9.95 and 189.05 */
	double lo = e[9] + 0.95 * (e[10] - e[9]), hi = e[189] + 0.05 * (e[190] - e[189]);
	return lo <= t && t <= hi;
}

/* The intervals on the fit's own index (fit.h's keep, interval.h's
 * flo_intervals_indexed()) are those of the rows indexed again, bit for
 * bit. */
static void check_indexed(const struct sample *s, const struct flo_intervals *ibg,
			  const struct flo_intervals *igg)
{
	struct flo_problem kb = {0}, kg = {0};
	struct flo_fit_options o = {0, 0, NULL, &kb, 0};
	struct flo_fit_result bg, gg;
	struct flo_intervals jbg, jgg;
	CHECK(flo_fit_bgnbd(s->tri, s->n, &o, &bg) == FLO_OK && kb.n > 0);
	o.keep = &kg;
	CHECK(flo_fit_gg(s->spend, s->nspend, &o, &gg) == FLO_OK && kg.n > 0);
	CHECK(flo_intervals_indexed(FLO_IV_BGNBD, &kb, &bg, 0, LEVEL, FLO_IV_AUTO, &jbg) == FLO_OK);
	CHECK(flo_intervals_indexed(FLO_IV_GG, &kg, &gg, 0, LEVEL, FLO_IV_AUTO, &jgg) == FLO_OK);
	CHECK(memcmp(&jbg, ibg, sizeof jbg) == 0);
	CHECK(memcmp(&jgg, igg, sizeof jgg) == 0);
	flo_problem_free(&kb);
	flo_problem_free(&kg);
}

int main(void)
{
	const struct flo_sim_params sets[] = {
		flo_sim_cdnow, /* FHL 2005's CDNOW estimates */
		{.r = 2, .alpha = 8, .a = 1, .b = 10, .p = 6.25, .q = 3.74, .v = 15.44}, /* scripts/bench's busier shop */
		{.r = 0.5, .alpha = 6, .a = 2, .b = 6, .p = 4, .q = 6, .v = 40},
	};
	const char *const set_names[] = {"CDNOW (FHL 2005)", "r 2, alpha 8, a 1, b 10",
					 "r 0.5, alpha 6, a 2, b 6"};
	const char *env = getenv("FLO_COVERAGE_REPS");
	int reps = env != NULL ? atoi(env) : 40, table = env != NULL;
	struct sample s = {0};
	s.tri = malloc(CUSTOMERS * sizeof *s.tri);
	s.spend = malloc(CUSTOMERS * sizeof *s.spend);
	long hit_bg[4] = {0}, hit_gg[3] = {0}, hit_pop = 0, total = 0;
	if (table)
		printf("| parameters | runs | r | alpha | a (s) | b (beta) | p | q | v | E[X(39)] |\n"
		       "|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
		const struct flo_sim_params *par = &sets[k];
		const double bg_true[4] = {par->r, par->alpha, par->a, par->b};
		const double gg_true[3] = {par->p, par->q, par->v};
		long set_bg[4] = {0}, set_gg[3] = {0}, set_pop = 0;
		for (int rep = 0; rep < reps; rep++) {
			uint32_t seed = (uint32_t)(1000 * (k + 1) + (size_t)rep);
			struct flo_fit_options o = {0, 0, NULL, NULL, 0};
			struct flo_fit_result bg, gg;
			struct flo_intervals ibg, igg;
			CHECK(simulate(par, seed, CUSTOMERS, &s) == FLO_OK);
			CHECK(flo_fit_bgnbd(s.tri, s.n, &o, &bg) == FLO_OK && bg.converged);
			CHECK(flo_fit_gg(s.spend, s.nspend, &o, &gg) == FLO_OK && gg.converged);
			CHECK(flo_intervals(FLO_IV_BGNBD, s.tri, s.n, &bg, 0, LEVEL, FLO_IV_AUTO, NULL,
					    &ibg) == FLO_OK);
			CHECK(flo_intervals(FLO_IV_GG, s.spend, s.nspend, &gg, 0, LEVEL, FLO_IV_AUTO, NULL,
					    &igg) == FLO_OK);
			if (rep < 2)
				check_indexed(&s, &ibg, &igg);
			for (int j = 0; j < 4; j++)
				set_bg[j] += covers(&ibg.p[j], bg_true[j]);
			for (int j = 0; j < 3; j++) {
				CHECK(igg.p[j].method == FLO_IV_METHOD_PROFILE);
				set_gg[j] += covers(&igg.p[j], gg_true[j]);
			}
			set_pop += population_covers(&bg, &ibg, par, seed);
		}
		if (table)
			printf("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n",
			       set_names[k], reps, (double)set_bg[0] / reps, (double)set_bg[1] / reps,
			       (double)set_bg[2] / reps, (double)set_bg[3] / reps,
			       (double)set_gg[0] / reps, (double)set_gg[1] / reps,
			       (double)set_gg[2] / reps, (double)set_pop / reps);
		for (int j = 0; j < 4; j++)
			hit_bg[j] += set_bg[j];
		for (int j = 0; j < 3; j++)
			hit_gg[j] += set_gg[j];
		hit_pop += set_pop;
		total += reps;
	}
	/* the Pareto/NBD: its purchase model only (the Gamma-Gamma is the
	 * same as above) */
	const struct flo_sim_params *pp = &flo_sim_cdnow_pnbd;
	const double pn_true[4] = {pp->r, pp->alpha, pp->s, pp->beta};
	long hit_pn[4] = {0}, hit_pn_pop = 0;
	for (int rep = 0; rep < reps; rep++) {
		uint32_t seed = (uint32_t)(9000 + rep);
		struct flo_fit_options o = {0, 0, NULL, NULL, 0};
		struct flo_fit_result pn;
		struct flo_intervals ipn;
		CHECK(simulate(pp, seed, PNBD_CUSTOMERS, &s) == FLO_OK);
		CHECK(flo_fit_pnbd(s.tri, s.n, &o, &pn) == FLO_OK && pn.converged);
		CHECK(flo_intervals(FLO_IV_PNBD, s.tri, s.n, &pn, 0, LEVEL, FLO_IV_AUTO, NULL,
				    &ipn) == FLO_OK);
		for (int j = 0; j < 4; j++) {
			CHECK(ipn.p[j].method == FLO_IV_METHOD_WALD_LOG);
			hit_pn[j] += covers(&ipn.p[j], pn_true[j]);
		}
		hit_pn_pop += population_covers(&pn, &ipn, pp, seed);
	}
	if (table)
		printf("| Pareto/NBD: r 0.55, alpha 10.58, s 0.61, beta 11.67 (FH 2005) | %d | "
		       "%.3f | %.3f | %.3f | %.3f | | | | %.3f |\n", reps,
		       (double)hit_pn[0] / reps, (double)hit_pn[1] / reps, (double)hit_pn[2] / reps,
		       (double)hit_pn[3] / reps, (double)hit_pn_pop / reps);
	double pooled_pn = (double)(hit_pn[0] + hit_pn[1] + hit_pn[2] + hit_pn[3]) / (4.0 * reps);
	fprintf(stderr, "coverage at %.2f over %d runs: Pareto/NBD %.3f (r %.3f alpha %.3f s %.3f "
		"beta %.3f), E[X(39)] %.3f\n", LEVEL, reps, pooled_pn, (double)hit_pn[0] / reps,
		(double)hit_pn[1] / reps, (double)hit_pn[2] / reps, (double)hit_pn[3] / reps,
		(double)hit_pn_pop / reps);
	CHECK(pooled_pn >= 0.82 && pooled_pn <= 0.96);
	for (int j = 0; j < 4; j++)
		CHECK(hit_pn[j] >= 0.75 * reps);
	CHECK(hit_pn_pop >= 0.75 * reps);

	double pooled_bg = (double)(hit_bg[0] + hit_bg[1] + hit_bg[2] + hit_bg[3]) / (4.0 * total);
	double pooled_gg = (double)(hit_gg[0] + hit_gg[1] + hit_gg[2]) / (3.0 * total);
	fprintf(stderr, "coverage at %.2f over %ld runs: BG/NBD %.3f (r %.3f alpha %.3f a %.3f "
		"b %.3f), Gamma-Gamma %.3f (p %.3f q %.3f v %.3f), E[X(39)] %.3f\n", LEVEL, total,
		pooled_bg, (double)hit_bg[0] / total, (double)hit_bg[1] / total,
		(double)hit_bg[2] / total, (double)hit_bg[3] / total, pooled_gg,
		(double)hit_gg[0] / total, (double)hit_gg[1] / total, (double)hit_gg[2] / total,
		(double)hit_pop / total);
	CHECK(pooled_bg >= 0.85 && pooled_bg <= 0.95);
	CHECK(pooled_gg >= 0.85 && pooled_gg <= 0.95);
	for (int j = 0; j < 4; j++)
		CHECK(hit_bg[j] >= 0.82 * total && hit_bg[j] <= 0.97 * total);
	for (int j = 0; j < 3; j++)
		CHECK(hit_gg[j] >= 0.82 * total && hit_gg[j] <= 0.97 * total);
	CHECK(hit_pop >= 0.82 * total && hit_pop <= 0.97 * total);
	free(s.tri);
	free(s.spend);
	return check_report();
}
