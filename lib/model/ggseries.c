/* ggseries.c: the Gamma-Gamma's sums in v as power series (ggseries.h). */
#include "model/ggseries.h"

#include <math.h>

#include "model/fitlik.h"

#define K FLO_GG_SERIES_K
_Static_assert(K % 2 == 0, "the powers u^1 .. u^(K+1) in pairs, then the last");

/* The reach of the series, as a share of the smallest s0. */
#define REACH 0.1

void flo_gg_series_gather(const double *terms, size_t lo, size_t hi, double v0, double *sums)
{
	double l0 = 0, xd0 = 0, pw[K + 1] = {0}, px[K + 1] = {0};
	for (size_t i = lo; i < hi; i++) {
		const double *t = terms + i * FLO_GG_TERMS;
		double w = t[FLO_GG_TERM_W], wx = t[FLO_GG_TERM_WX];
		double s0 = v0 + t[FLO_GG_TERM_XM], ls = log(s0), u = 1 / s0, u2 = u * u;
		l0 += w * ls;
		xd0 += wx * (t[FLO_GG_TERM_LNM] - ls);
		/* u^(k+1) into pw[k], px[k]: the odd and the even powers in two
		 * chains of products, which the processor runs side by side */
		double odd = u, even = u2;
		for (int k = 0; k + 1 <= K; k += 2) {
			pw[k] += w * odd;
			px[k] += wx * odd;
			pw[k + 1] += w * even;
			px[k + 1] += wx * even;
			odd *= u2;
			even *= u2;
		}
		pw[K] += w * odd;
		px[K] += wx * odd;
	}
	sums[FLO_GGS_L0] += l0;
	sums[FLO_GGS_XD0] += xd0;
	for (int k = 0; k <= K; k++) {
		sums[FLO_GGS_PW + k] += pw[k];
		sums[FLO_GGS_PX + k] += px[k];
	}
}

/* With P_j at p[j - 1]: sum_k=1..K d^k P_k / k, sum_k=0..K-1 d^k P_(k+1)
 * and sum_k=0..K-1 (k+1) d^k P_(k+2), by Horner's rule. */
static void series(const double *p, double d, double *logs, double *inv, double *inv2)
{
	double a = 0, b = 0, c = 0;
	for (int k = K; k >= 1; k--)
		a = a * d + p[k - 1] / k;
	for (int k = K - 1; k >= 0; k--) {
		b = b * d + p[k];
		c = c * d + (k + 1) * p[k + 1];
	}
	*logs = a * d, *inv = b, *inv2 = c;
}

int flo_gg_series_sums(const double *sums, double v0, double xm_min, double v, int order,
		       double *out)
{
	double d = v0 - v;
	if (!(fabs(d) <= REACH * (v0 + xm_min)))
		return 0;
	double lw, iw, i2w, lx, ix, i2x;
	series(sums + FLO_GGS_PW, d, &lw, &iw, &i2w);
	series(sums + FLO_GGS_PX, d, &lx, &ix, &i2x);
	/* ln s = ln s0 + ln(1 - d u) = ln s0 - sum_k (d u)^k / k */
	out[FLO_GG_L] = sums[FLO_GGS_L0] - lw;
	out[FLO_GG_XD] = sums[FLO_GGS_XD0] + lx;
	if (order < FLO_LIK_GRADIENT)
		return 1;
	out[FLO_GG_XI] = ix;
	out[FLO_GG_I] = iw;
	if (order < FLO_LIK_HESSIAN)
		return 1;
	/* x m / s^2 = 1/s - v/s^2 */
	out[FLO_GG_XXM] = ix - v * i2x;
	out[FLO_GG_XM] = iw - v * i2w;
	return 1;
}
