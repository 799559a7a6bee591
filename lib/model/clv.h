/* clv.h: customer lifetime value with discrete monthly discounting, the
 * definition of the Python `lifetimes` library that users of the seed
 * notebook know:
 *
 *   clv = sum_{i=1..M} E[M] (E[Y(i f)] - E[Y((i-1) f)]) / (1+d)^i
 *
 * with E[M] the expected average value of a purchase (Gamma-Gamma), E[Y(t)]
 * the purchase model's (BG/NBD, Pareto/NBD) expected purchases in (T, T+t], d the monthly discount rate and
 * f the model's time units per month (flo_unit_per_month()).  Other
 * definitions (continuous discounting, DERT) would get names of their own. */
#ifndef FLO_CLV_H
#define FLO_CLV_H

#include "model/bgnbd.h"
#include "model/pnbd.h"

/* The CLV of a customer with history (x, t_x, T) over `months` months, with
 * exp_avg_value >= 0 and units_per_month > 0; 0 months give 0.  A discount
 * d >= 0 is the usual case; -1 < d < 0 (money gaining value) is accepted,
 * but then the weights (1+d)^-i grow without bound and a long enough
 * horizon overflows. */
double flo_clv(const struct flo_bgnbd *bg, double exp_avg_value, double x, double tx,
	       double T, unsigned months, double discount, double units_per_month);

/* The part of the CLV that depends on (x, T) only, which flo_clv() times
 * E[M] P(alive) is: sum_i (E_i - E_{i-1}) (1+d)^-i, with E_i the expected
 * purchases in i months of a customer alive at T.  A scorer caches it per
 * (x, T) (model/score.h). */
double flo_clv_alive_sum(const struct flo_bgnbd *bg, double x, double T, unsigned months,
			 double discount, double units_per_month);

/* The same under the Pareto/NBD (pnbd.h): the CLV is E[M] P(alive) times
 * this, as above. */
double flo_clv_pnbd_alive_sum(const struct flo_pnbd *pn, double x, double T, unsigned months,
			      double discount, double units_per_month);

#endif
