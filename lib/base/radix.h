/* radix.h: linear-time sorting of doubles, for the fitter's compaction of
 * observations and its indexes of distinct values.  A million customers
 * make a million rows: qsort's comparisons through a function pointer, and
 * the cache misses of reading rows in sorted order, cost there more than the
 * whole likelihood fit.
 *
 * Values are doubles other than NaN (-0 counts as +0, which compares equal
 * to it); callers check for NaN and sort otherwise. */
#ifndef FLO_RADIX_H
#define FLO_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* A key whose unsigned order is the numeric order of v. */
uint64_t flo_radix_key(double v);

/* A key and what travels with it. */
struct flo_kv {
	uint64_t key, val;
};

/* Sort kv[0..n) by key, keeping the order of equal keys.  FLO_ENOMEM when
 * the scratch cannot be allocated (nothing is changed then). */
int flo_radix_sort(struct flo_kv *kv, size_t n);

/* The distinct values among n strided doubles first[i * stride], sorted
 * into *values (malloc'd, *count of them; for equal values the first in
 * the input), and each value's index among them in rank[i].  FLO_ENOMEM. */
int flo_radix_ranks(const double *first, size_t stride, size_t n, double **values,
		    size_t *count, uint32_t *rank);

#endif
