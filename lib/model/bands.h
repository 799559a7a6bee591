/* bands.h: a customer's intervals: lower and upper bounds of each score
 * (score.h) over parameter draws (draws.h), the percentiles (1 -/+ level)/2
 * of the scores under the draws, linear between order statistics (type 7,
 * as numpy's default).
 *
 * The cost is the draws' scores.  What depends on (x, T) alone (the
 * expected purchases given alive, the CLV's sum) is kept for every draw in
 * a cache of fixed memory (FLO_BANDS_CACHE_BYTES), as the scorer keeps its
 * own: customers of one cohort share it.  Per customer then: P(alive) and
 * the Gamma-Gamma's expected value per draw, and two selections per score.
 * A handle belongs to one thread at a time. */
#ifndef FLO_BANDS_H
#define FLO_BANDS_H

#include <stddef.h>

#include "model/score.h"

#define FLO_BANDS_CACHE_BYTES ((size_t)64 << 20)

typedef struct flo_bands flo_bands;

/* Bands over the n >= 2 draws (copied) for the scores c asks (c's model is
 * the estimate; its horizons, CLV months and discount are the draws' too),
 * at level in (0, 1).  gg_drawn: the draws' Gamma-Gamma varies (draws.h);
 * when 0 the bounds of exp_avg_value and clv do not exist.  FLO_EUSAGE,
 * FLO_EMODEL (a draw that is not a valid model), FLO_ENOMEM. */
int flo_bands_new(flo_bands **b, const struct flo_score_config *c, const struct flo_model *draws,
		  size_t n, double level, int gg_drawn);
/* The same with a cache of about cache_bytes (room for a few (x, T) at
 * least) instead of FLO_BANDS_CACHE_BYTES: handles on several threads
 * (bandblock.h) share that memory.  The bounds never depend on the cache. */
int flo_bands_new_cache(flo_bands **b, const struct flo_score_config *c,
			const struct flo_model *draws, size_t n, double level, int gg_drawn,
			size_t cache_bytes);
void flo_bands_free(flo_bands *b);

/* The bounds of the customer h's scores into lo[k], hi[k] for k <
 * flo_scorer_nvalues() in the scorer's order, of which *n exist (as
 * flo_score()): p_alive and the expected purchases always; exp_avg_value and
 * clv when every draw has them.  FLO_ERANGE when a draw's score is not
 * finite (*n the first such). */
int flo_bands_score(flo_bands *b, const struct flo_history *h, double *lo, double *hi, size_t *n);

#endif
