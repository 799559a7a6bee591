/* compact.h: what the fits read, one row per distinct observation with its
 * weight (the customers sharing it), and the merging of equal rows. */
#ifndef FLO_COMPACT_H
#define FLO_COMPACT_H

#include <stddef.h>

/* A customer's (x, t_x, T) for the BG/NBD, w customers alike. */
struct flo_triple {
	double x, tx, T, w;
};

/* A customer's repeat purchases x and mean spend m for the Gamma-Gamma. */
struct flo_spend {
	double x, m, w;
};

/* Merge equal observations, adding their weights; returns the new count.
 * Sorts in place. */
size_t flo_triples_compact(struct flo_triple *d, size_t n);
size_t flo_spend_compact(struct flo_spend *d, size_t n);

#endif
