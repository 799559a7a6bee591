/* bandblock.h: the bands (bands.h) of a block of customers at once, on
 * several threads: the scorer's streaming stays one record at a time, but
 * the draws' scores, 20 us to 2 ms a customer, are computed a block at a
 * time with a thread a core.
 *
 * Each thread has its own bands handle, the cache's memory
 * (FLO_BANDS_CACHE_BYTES) split among them; threads take the block's
 * customers a few dozen at a time, and each customer's bounds are written
 * to its own place, so they never depend on the number of threads or on
 * which thread computed them.  A handle belongs to one caller at a time. */
#ifndef FLO_BANDBLOCK_H
#define FLO_BANDBLOCK_H

#include <stddef.h>

#include "model/bands.h"

typedef struct flo_bandblock flo_bandblock;

/* As flo_bands_new(), for up to `threads` threads (the caller's one of
 * them; at least 1).  FLO_EUSAGE, FLO_EMODEL, FLO_ENOMEM. */
int flo_bandblock_new(flo_bandblock **bb, const struct flo_score_config *c,
		      const struct flo_model *draws, size_t n, double level, int gg_drawn,
		      unsigned threads);
/* NULL is fine. */
void flo_bandblock_free(flo_bandblock *bb);

/* For each customer i < count, flo_bands_score(h[i]) into lo + i stride,
 * hi + i stride, got[i], its return value in rc[i].  Helper threads are
 * started for a block large enough to pay for them; when one cannot be,
 * the caller does its share. */
void flo_bandblock_score(flo_bandblock *bb, const struct flo_history *h, size_t count,
			 double *lo, double *hi, size_t stride, size_t *got, int *rc);

#endif
