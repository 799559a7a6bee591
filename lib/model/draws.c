/* draws.c: parameter draws from the estimates' normal distribution
 * (draws.h): x = mean + L z, L L^T the covariance (Cholesky), z standard
 * normal. */
#include "model/draws.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "base/err.h"

/* Where flo-fit reports the boundary a, b -> infinity: a + b = 1/tau
 * (fit.c's RIDGE_TAU). */
#define RIDGE_SUM 1e30

/* The Cholesky factor of cov into l (np x np); 0 when not positive
 * definite. */
static int factor(const struct flo_cov *cov, gsl_matrix *l)
{
	for (int j = 0; j < cov->np; j++)
		for (int k = 0; k < cov->np; k++)
			gsl_matrix_set(l, (size_t)j, (size_t)k, cov->m[j * 4 + k]);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int ok = gsl_linalg_cholesky_decomp1(l) == GSL_SUCCESS;
	gsl_set_error_handler(old);
	return ok;
}

/* A draw's log-parameters stay within e^+-250, where every parameter is a
 * valid model (the fit's own limit is e^+-300): a parameter the data do
 * not pin down (a boundary fit, a standard error of thousands of log units)
 * is drawn to the edge instead of overflowing to infinity or 0. */
#define DRAW_LOG_MAX 250.0

/* One draw of the coordinates: mean + L z. */
static void draw(gsl_rng *rng, const struct flo_cov *cov, const gsl_matrix *l, double *phi)
{
	double z[4];
	for (int j = 0; j < cov->np; j++)
		z[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
	for (int j = 0; j < cov->np; j++) {
		phi[j] = cov->mean[j];
		for (int k = 0; k <= j; k++)
			phi[j] += gsl_matrix_get(l, (size_t)j, (size_t)k) * z[k];
		phi[j] = fmax(-DRAW_LOG_MAX, fmin(DRAW_LOG_MAX, phi[j]));
	}
}

static void purchase_params(struct flo_model *m, const struct flo_cov *cov, const double *phi)
{
	double r = exp(phi[0]), alpha = exp(phi[1]);
	if (cov->scale == FLO_COV_LIMIT) {
		/* mu and 1 - mu from logit mu without cancellation */
		double mu = 1 / (1 + exp(-phi[2])), not_mu = 1 / (1 + exp(phi[2]));
		m->bgnbd = (struct flo_bgnbd){r, alpha, mu * RIDGE_SUM, not_mu * RIDGE_SUM};
	} else if (m->family == FLO_FAMILY_PNBD) {
		m->pnbd = (struct flo_pnbd){r, alpha, exp(phi[2]), exp(phi[3])};
	} else if (m->family == FLO_FAMILY_BGBB) {
		/* r, alpha above are its alpha, beta: the first two coordinates */
		m->bgbb = (struct flo_bgbb){r, alpha, exp(phi[2]), exp(phi[3])};
	} else if (m->family == FLO_FAMILY_MBGNBD) {
		m->mbgnbd = (struct flo_mbgnbd){r, alpha, exp(phi[2]), exp(phi[3])};
	} else {
		m->bgnbd = (struct flo_bgnbd){r, alpha, exp(phi[2]), exp(phi[3])};
	}
}

int flo_draws_make(const struct flo_model *m, size_t n, uint32_t seed, struct flo_model *out,
		   int *gg_drawn)
{
	const struct flo_cov *pc = &m->cov, *gc = &m->gg_cov;
	*gg_drawn = 0;
	if (pc->scale == FLO_COV_NONE || pc->np < 3 || pc->np > 4)
		return FLO_EMODEL;
	int gg = m->has_gg && gc->scale == FLO_COV_LOG && gc->np == 3;
	gsl_matrix *lp = gsl_matrix_alloc((size_t)pc->np, (size_t)pc->np);
	gsl_matrix *lg = gsl_matrix_alloc(3, 3);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int err = lp && lg && rng ? FLO_OK : FLO_ENOMEM;
	if (err == FLO_OK && !factor(pc, lp))
		err = FLO_EMODEL;
	if (err == FLO_OK && gg && !factor(gc, lg))
		gg = 0;
	if (err == FLO_OK) {
		gsl_rng_set(rng, seed);
		for (size_t i = 0; i < n; i++) {
			double phi[4];
			out[i] = *m;
			draw(rng, pc, lp, phi);
			purchase_params(&out[i], pc, phi);
			if (gg) {
				draw(rng, gc, lg, phi);
				out[i].gg = (struct flo_gg){exp(phi[0]), exp(phi[1]), exp(phi[2])};
			}
		}
		*gg_drawn = gg;
	}
	gsl_matrix_free(lp);
	gsl_matrix_free(lg);
	gsl_rng_free(rng);
	return err;
}
