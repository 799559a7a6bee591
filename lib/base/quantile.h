/* quantile.h: quantiles of sorted values. */
#ifndef FLO_QUANTILE_H
#define FLO_QUANTILE_H

#include <stddef.h>

/* Linear-interpolation quantile q of n sorted values (numpy's default
 * method, bit for bit); 0 for none. */
double flo_quantile_sorted(const double *sorted, size_t n, double q);

#endif
