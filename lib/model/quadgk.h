/* quadgk.h: QUADPACK's 15-point Gauss-Kronrod rule (Piessens et al. 1983,
 * qk15) and the globally adaptive loop over segments that the Pareto/NBD's
 * integrals share (pnbd.c: the dead part and the death PMF; fitpnbd.c: the
 * fit's gaps).  Each caller lays out its first segments and evaluates its
 * own integrand by a rule; the loop halves the worst segment. */
#ifndef FLO_MODEL_QUADGK_H
#define FLO_MODEL_QUADGK_H

/* The nodes on [-1, 1] from the end inwards (the last is 0), their Kronrod
 * weights, and the embedded 7-point Gauss rule's weights (at the
 * odd-numbered nodes). */
extern const double flo_gk15_nodes[8];
extern const double flo_gk15_weights[8];
extern const double flo_gk7_weights[4];

/* The most integrals one segment carries (the Pareto/NBD Hessian's
 * moments). */
#define FLO_GK_MOMENTS 15

/* One segment [lo, hi]: its integrals q, its error measure err (a bound on
 * |K15 - G7|, the caller's choice of which moments count), and mass, what
 * it adds to the total the error is relative to. */
struct flo_gk_segment {
	double lo, hi, err, mass;
	double q[FLO_GK_MOMENTS];
};

/* A rule fills *s for [lo, hi] (lo, hi, q, err and mass). */
typedef void (*flo_gk_rule)(const void *integrand, double lo, double hi,
			    struct flo_gk_segment *s);

/* Halves the segment of largest error, by rule, until the errors sum to at
 * most tol times base plus the segments' masses, or *n reaches max, or that
 * segment is too narrow to halve in doubles; seg holds *n segments on
 * entry and room for max.  Returns base plus the masses, as last summed. */
double flo_gk_refine(flo_gk_rule rule, const void *integrand, struct flo_gk_segment *seg,
		     int *n, int max, double tol, double base);

/* q[j] = the sum of the n segments' q[j], j < moments, in segment order. */
void flo_gk_sum(const struct flo_gk_segment *seg, int n, int moments, double *q);

#endif
