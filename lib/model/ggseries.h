/* ggseries.h: the Gamma-Gamma's sums in v as power series about a centre
 * v0, for the profile likelihood's refits (interval.c).
 *
 * Every sum the Gamma-Gamma's likelihood takes over its spend pairs is a
 * function of v alone (fitlik.c), and a pass over 200,000 pairs to evaluate
 * one costs a log and a division per pair.  The profile intervals' refits
 * ask for them at some fifty values of v, all within a few per cent of the
 * estimate.  With s = v + x m, s0 = v0 + x m, u = 1/s0 and d = v0 - v, so
 * that s = s0 (1 - d u):
 *   sum c ln s   = sum c ln s0 + sum_k>=1 -d^k P_k / k
 *   sum c / s    = sum_k>=0 d^k P_(k+1)
 *   sum c / s^2  = sum_k>=0 (k+1) d^k P_(k+2)
 * where P_k = sum c u^k, for c = w and c = w x: one pass at v0 gathers the
 * P_k, and each v near v0 then costs a few dozen flops.  The series are cut
 * after FLO_GG_SERIES_K terms and serve only where |d| u <= 1/10 for every
 * pair: what is cut is then a geometric tail, 0.1^16 of the first term for
 * 1/s (about the rounding of a pass), less for the logs, and 17 times that
 * for 1/s^2, which only the Hessian reads. */
#ifndef FLO_GGSERIES_H
#define FLO_GGSERIES_H

#include <stddef.h>

/* The sums of the Gamma-Gamma's likelihood at one v (fitlik.c):
 *   L   w ln s        XD  w x (ln m - ln s)
 *   XI  w x / s       I   w / s             (the gradient)
 *   XXM w x (x m)/s^2 XM  w (x m)/s^2       (the Hessian) */
enum { FLO_GG_L, FLO_GG_XD, FLO_GG_XI, FLO_GG_I, FLO_GG_XXM, FLO_GG_XM, FLO_GG_SUMS };

/* A spend pair's terms, in this order, as the passes read them. */
enum { FLO_GG_TERM_W, FLO_GG_TERM_WX, FLO_GG_TERM_XM, FLO_GG_TERM_LNM, FLO_GG_TERMS };

#define FLO_GG_SERIES_K 16

/* The sums a series gathers in its pass: L and XD at v0, then P_1 ..
 * P_(K+1) for c = w, then for c = w x. */
enum {
	FLO_GGS_L0,
	FLO_GGS_XD0,
	FLO_GGS_PW,
	FLO_GGS_PX = FLO_GGS_PW + FLO_GG_SERIES_K + 1,
	FLO_GGS_N = FLO_GGS_PX + FLO_GG_SERIES_K + 1
};

/* Add to sums[FLO_GGS_N] the series' sums at v0 over the pairs
 * terms[lo .. hi) (FLO_GG_TERMS doubles each).  Parts added one after the
 * other, or gathered apart and added in their order, give the same sums
 * when their ranges are the same. */
void flo_gg_series_gather(const double *terms, size_t lo, size_t hi, double v0, double *sums);

/* The sums at v into out[FLO_GG_SUMS], up to order (fitlik.h's
 * FLO_LIK_*), from the gathered sums at v0 when every pair has |v0 - v| u
 * <= 1/10, that is when |v0 - v| <= (v0 + xm_min) / 10 with xm_min the
 * least x m of the pairs: 1 then, else 0 (nothing written). */
int flo_gg_series_sums(const double *sums, double v0, double xm_min, double v, int order,
		       double *out);

#endif
