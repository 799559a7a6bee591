/* custheld.h: summaries held until their batch is committed (custdb.h), each
 * with its own copy of its customer's id and kept fields.  A set so made
 * needs nothing of the engine's arenas, which later batches grow and a
 * merge empties: taken out of the engine at a commit, it stays whole while
 * the engine folds the next batch in, and flo-rfm formats and writes one
 * batch's records on a helper thread while the next comes in. */
#ifndef FLO_CUSTHELD_H
#define FLO_CUSTHELD_H

#include <stddef.h>

#include "rfm/rfm.h"

typedef struct flo_custheld flo_custheld;

/* An empty set for summaries with nkeep kept fields; NULL when out of
 * memory. */
flo_custheld *flo_custheld_new(size_t nkeep);
void flo_custheld_free(flo_custheld *h);

/* s at the end of the set, its id and its nkeep kept values copied.
 * FLO_ENOMEM (the set unchanged). */
int flo_custheld_add(flo_custheld *h, const struct flo_summary *s);

size_t flo_custheld_count(const flo_custheld *h);

/* Empty the set, its memory kept for the next batch. */
void flo_custheld_clear(flo_custheld *h);

/* Summaries lo..hi (hi past the end: to the end) to fn, in order, their
 * kept fields unpacked into kept (room for the set's nkeep; each thread
 * its own).  It only reads the set: safe on several threads at once. */
void flo_custheld_each(const flo_custheld *h, size_t lo, size_t hi, struct flo_field *kept,
		       flo_summary_fn *fn, void *ctx);

#endif
