/* segment.h: customer segments (DESIGN.md, "flo-segment"): groups by
 * quantiles as pandas.qcut makes them, RFM scores and the classic RF segment
 * map, per-segment sums, and the stored form of cut points.
 *
 * Ownership: functions read what they are given and write into arrays the
 * caller owns, except flo_cuts_encode() and flo_cuts_decode(), which return
 * malloc'd results the caller frees (free() and flo_cuts_free()). */
#ifndef FLO_SEGMENT_H
#define FLO_SEGMENT_H

#include <stddef.h>

/* ---- quantile groups ----
 *
 * pandas.qcut(x, q=k) (pandas 1.5): the edges are
 * numpy.quantile(x, numpy.linspace(0, 1, k + 1)) with numpy's default
 * "linear" method, and x falls in group i (0 = lowest) when
 * e[i] < x <= e[i+1], the lowest edge itself in group 0.  qcut refuses
 * edges that repeat (a quantile that many equal values share), except for
 * k = 1. */

/* The k + 1 edges of `sorted` (ascending, n >= 1), bit for bit as numpy
 * 1.22+ computes them: quantile q = i * (1/k) (the last exactly 1), virtual
 * index (n-1) q, and numpy's interpolation between its neighbours a, b at
 * weight t: a + (b-a) t, or b - (b-a)(1-t) when t >= 0.5. */
void flo_qcut_edges(const double *sorted, size_t n, int k, double *edges);

/* Where the edges of n values come from, for an exact cut of a population
 * held in parts (each part's values sorted, the runs merged): the ranks
 * (0-based, ascending, distinct; at most 2(k + 1), which rank must hold)
 * of the sorted values that flo_qcut_edges() reads, and the edges from
 * those values alone (value[j] of rank rank[j]), bit for bit the edges of
 * flo_qcut_edges() on all n.  k is 1..FLO_CUTS_MAX_GROUPS, n >= 1. */
size_t flo_qcut_ranks(size_t n, int k, size_t *rank);
void flo_qcut_edges_ranked(const size_t *rank, const double *value, size_t nrank, size_t n,
			   int k, double *edges);

/* The first edge (1..k) equal to the one before it, or 0 when the edges
 * increase (always 0 for k = 1, which qcut does not check). */
int flo_qcut_repeat(const double *edges, int k);

/* The repeat found by flo_qcut_repeat() (at >= 1), in the words of
 * flo-segment's message: "edge 5 appears twice", "edge 5 appears 3 times";
 * buf holds at least FLO_QCUT_WORDS bytes. */
#define FLO_QCUT_WORDS 64
void flo_qcut_repeat_words(const double *edges, int k, int at, char *buf);

/* Group 0..k-1 of v: right-closed (e[i], e[i+1]], the lowest edge in group
 * 0.  Values below the lowest edge go to group 0, values above the highest to
 * group k-1, so stored edges place customers outside the population they were
 * cut from. */
int flo_qcut_group(const double *edges, int k, double v);

/* All at once: the edges of x (n >= 1 values in any order, not NaN) and the
 * group of each value, in x's order.  FLO_EVALUE when the edges repeat
 * (*repeat, which may be NULL, is then the first repeated edge; the edges are
 * filled in), FLO_ENOMEM. */
int flo_qcut(const double *x, size_t n, int k, double *edges, int *group, int *repeat);

/* pandas Series.rank(method="first"): rank[i] = 1..n, ties ranked in the
 * order they appear.  FLO_ENOMEM or 0. */
int flo_rank_first(const double *x, size_t n, double *rank);

/* ---- RFM segments ----
 *
 * The names, in alphabetical order; flo_rfm_segment() returns an index into
 * them for a recency score r and a frequency score f (each 1..5). */
#define FLO_RFM_NSEGMENTS 10
extern const char *const flo_rfm_segment_names[FLO_RFM_NSEGMENTS];
int flo_rfm_segment(int r, int f);

/* ---- sums, as pandas sums groups ----
 *
 * pandas' groupby sum and mean add in input order with Kahan's compensation
 * (pandas/_libs/groupby.pyx, group_sum and group_mean); doing the same gives
 * the same last digit. */
struct flo_ksum {
	double sum, comp;
};

static inline void flo_ksum_add(struct flo_ksum *k, double v)
{
	double y = v - k->comp;
	double t = k->sum + y;
	k->comp = t - k->sum - y;
	k->sum = t;
}

/* ---- stored cut points ----
 *
 * The bytes flo-segment keeps in the store's `cuts` database: one line of
 * JSON, with the format name first so that a reader can tell what it holds,
 *
 *   {"format":"flo-cuts 1","field":"clv","groups":4,"records":19945,
 *    "edges":[12.5,88.75,100,337.5,1500],"labels":["D","C","B","A"]}
 *
 * edges (groups + 1 numbers, increasing; non-decreasing when groups is 1) in
 * the shortest text that reads back as the same double, labels lowest first
 * (distinct, non-empty, no NUL), records the population size. */
#define FLO_CUTS_FORMAT 1
#define FLO_CUTS_MAX_GROUPS 1000

struct flo_cuts {
	char *field;
	int groups;
	size_t records; /* the population the edges were cut from */
	double *edges;  /* groups + 1 */
	char **labels;  /* groups */
};

/* The document for c, NUL-terminated, in *text (malloc'd; *len bytes).
 * FLO_EUSAGE when c breaks the rules above, FLO_ENOMEM. */
int flo_cuts_encode(const struct flo_cuts *c, char **text, size_t *len);

/* Read a document back into *c (malloc'd; free with flo_cuts_free()).
 * FLO_EVERSION for data that is not flo cut points or is a newer format,
 * FLO_EVALUE for flo cut points that break the rules above (damaged),
 * FLO_ENOMEM; then *c is NULL and `why` (whylen bytes, may be NULL) says
 * what is wrong. */
int flo_cuts_decode(const void *data, size_t len, struct flo_cuts **c, char *why,
		    size_t whylen);

/* Accepts NULL. */
void flo_cuts_free(struct flo_cuts *c);

#endif
