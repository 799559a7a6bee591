/* quantile.c: quantiles of sorted values. */
#include "base/quantile.h"

#include <math.h>

/* numpy.quantile's default ("linear", Hyndman & Fan type 7): the virtual
 * index (n-1) q, then numpy's own lerp, which interpolates from the upper
 * neighbour when the fraction is at least 1/2.  The arithmetic is kept in
 * numpy's order so that the result is bit-identical: the notebook's cap
 * rounds it, and 48.5 must stay 48.5 to round to 48. */
double flo_quantile_sorted(const double *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	double index = (double)(n - 1) * q;
	double below = floor(index);
	size_t lo = (size_t)below;
	size_t hi = lo + 1 < n ? lo + 1 : n - 1;
	double gamma = index - below;
	double a = v[lo], b = v[hi], diff = b - a;
	return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}
