/* gg.c: Gamma-Gamma spend model numerics (Fader & Hardie 2013). */
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_sf_gamma.h>

#include "model/bgnbd.h"
#include "base/err.h"
#include "model/gg.h"

int flo_gg_check(const struct flo_gg *m)
{
	if (m == NULL)
		return FLO_EMODEL;
	if (!(isfinite(m->p) && m->p > 0 && isfinite(m->q) && m->q > 0 &&
	      isfinite(m->v) && m->v > 0))
		return FLO_EMODEL;
	return FLO_OK;
}

static int in_model(double x, double mbar)
{
	return x > 0.0 && mbar > 0.0;
}

/* Given nu, x purchase values Gamma(p, nu) have a mean mbar ~ Gamma(p x, nu x);
 * mixing over nu ~ Gamma(q, v) gives the density of mbar (Fader & Hardie 2013):
 *   lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln mbar + px ln x
 *   - (px+q) ln(v + x mbar).
 * The logs are regrouped as -px log1p(v/(x mbar)) - q log1p(x mbar/v) - ln mbar,
 * so that no two terms of the size of (px+q) ln(v + x mbar) are subtracted. */
double flo_gg_loglik(const struct flo_gg *m, double x, double mbar)
{
	double px = m->p * x, s = x * mbar;

	if (!in_model(x, mbar))
		return 0.0;
	return flo_lnpoch(px, m->q) - gsl_sf_lngamma(m->q) - px * log1p(m->v / s) -
	       m->q * log1p(s / m->v) - log(mbar);
}

double flo_gg_loglik_grad(const struct flo_gg *m, double x, double mbar, double g[3])
{
	double p = m->p, q = m->q, v = m->v, px = p * x, s = x * mbar;

	if (!in_model(x, mbar)) {
		g[0] = g[1] = g[2] = 0.0;
		return 0.0;
	}
	/* Derivatives of the density above times p, q and v. */
	g[0] = px * (flo_psi_diff(px, q) - log1p(v / s));
	g[1] = q * (flo_psi_diff(q, px) - log1p(s / v));
	g[2] = (q * s - px * v) / (v + s);
	return flo_gg_loglik(m, x, mbar);
}

int flo_gg_expected_value_exists(const struct flo_gg *m, double x)
{
	return m->p * x + m->q > 1.0;
}

int flo_gg_has_population_mean(const struct flo_gg *m)
{
	return flo_gg_expected_value_exists(m, 0.0);
}

double flo_gg_expected_value(const struct flo_gg *m, double x, double mbar)
{
	double px = m->p * x;

	if (!flo_gg_expected_value_exists(m, x))
		return 0.0;
	/* p E[1/nu] under the posterior nu ~ Gamma(px+q, v + x mbar): the
	 * weighted average (q-1)/(px+q-1) * p v/(q-1) + px/(px+q-1) * mbar of the
	 * note, written without dividing by q-1 so that q = 1 is no special case.
	 * px + (q - 1) keeps the digits of q - 1 when px is small. */
	return m->p * (m->v + x * mbar) / (px + (m->q - 1.0));
}
