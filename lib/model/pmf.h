/* pmf.h: the number of purchases a customer makes in the next t time units,
 * as a distribution: P(X(T, T+t] = n | x, t_x, T) under the BG/NBD
 * (Fader & Hardie 2006, "Deriving the Conditional PMF of the BG/NBD Model")
 * and the Pareto/NBD (Fader & Hardie 2014, "Deriving the Conditional PMF of
 * the Pareto/NBD Model").
 *
 * Stateless and allocation-free, as bgnbd.h: any thread may call it. */
#ifndef FLO_PMF_H
#define FLO_PMF_H

#include "model/bgnbd.h"
#include "model/model.h"
#include "model/pnbd.h"

/* p[n] = P(n purchases in (T, T+t] | x, t_x, T) for n = 0..N-1, and
 * p[N] = P(N or more), for a valid model and history (x a whole number
 * >= 0, 0 <= t_x <= T) and t >= 0.  Every value is in [0, 1] and they sum
 * to 1 (to rounding); P(N or more) is 1 minus the others, exact to about
 * 1e-16 absolute, not relative.  N = 0 gives p[0] = 1. */
void flo_bgnbd_conditional_pmf(const struct flo_bgnbd *m, double x, double tx, double T,
			       double t, unsigned N, double *p);

/* The same under the Pareto/NBD. */
void flo_pnbd_conditional_pmf(const struct flo_pnbd *m, double x, double tx, double T,
			      double t, unsigned N, double *p);

/* The same for a model of any family that has one (FLO_OK), else
 * FLO_EMODEL with p untouched. */
int flo_conditional_pmf(const struct flo_model *m, double x, double tx, double T, double t,
			unsigned N, double *p);

#endif
