/* draws.h: draws of a fitted model's parameters from the sampling
 * distribution of its estimates, for per-customer intervals (bands.h).
 *
 * The estimates' distribution is the asymptotic one on the scale the fit
 * stored its covariance in (interval.h): multivariate normal in the
 * log-parameters, or on the BG/NBD's boundary a, b -> infinity in the limit
 * model's (ln r, ln alpha, logit mu), each draw then a model on that
 * boundary (a + b = 1e30, a/(a+b) = mu, as flo-fit reports it).  The
 * Gamma-Gamma, fitted apart, is drawn apart from its own covariance.
 *
 * The only randomness is GSL's mt19937 seeded with the given seed, drawn in
 * a fixed order (per draw: the purchase model's normals, then the
 * Gamma-Gamma's), so a seed gives the same draws on every run and whatever
 * the threads. */
#ifndef FLO_DRAWS_H
#define FLO_DRAWS_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* n draws of m into out[0..n): copies of m with drawn parameters.  The
 * Gamma-Gamma is drawn when m has one with a covariance (*gg_drawn 1), else
 * left at its estimate (*gg_drawn 0).  FLO_EMODEL when the purchase model
 * has no covariance (a document before issue 19, parameters given inline)
 * or it is not positive definite; FLO_ENOMEM. */
int flo_draws_make(const struct flo_model *m, size_t n, uint32_t seed, struct flo_model *out,
		   int *gg_drawn);

#endif
