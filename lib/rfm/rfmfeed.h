/* rfmfeed.h: orders handed to the aggregator (rfm.h) in batches, on a thread
 * of its own when asked.
 *
 * Reading an order log is two jobs of about equal cost: parsing the records
 * and folding each order into its customer's totals (mostly waiting for
 * memory, in a table of a million customers).  A feed lets them overlap: the
 * caller parses and queues orders; the feed's thread folds them in, in the
 * same order, so the result is the one flo_rfm_add() would give.  Without a
 * thread a feed still batches, which lets the lookups of a batch overlap
 * (flo_rfm_add_batch()).
 *
 * Only for orders without order ids and kept values (flo_rfm_add_batch()).
 * Ownership: the feed copies each id; the aggregator must not be touched by
 * the caller until flo_rfm_feed_finish() has returned. */
#ifndef FLO_RFMFEED_H
#define FLO_RFMFEED_H

#include <stddef.h>
#include <stdint.h>

#include "rfm/rfm.h"

typedef struct flo_rfm_feed flo_rfm_feed;

/* A feed into agg; `threaded` nonzero folds on a thread of its own (if one
 * cannot be started, the feed folds on the caller's). */
int flo_rfm_feed_new(flo_rfm_feed **f, flo_rfm *agg, int threaded);

/* Queue one order.  An error of the aggregator (FLO_ENOMEM, FLO_ERANGE) is
 * returned by the next call after it happened: the run must stop. */
int flo_rfm_feed_add(flo_rfm_feed *f, const char *id, size_t id_len, int64_t time,
		     double amount);

/* Wait until the thread has folded in every batch it was handed (the
 * orders being gathered stay queued): then the caller may fold one order in
 * itself (flo_rfm_add() on flo_rfm_feed_agg()) before the next
 * flo_rfm_feed_add().  Returns the aggregator's first error. */
int flo_rfm_feed_drain(flo_rfm_feed *f);
flo_rfm *flo_rfm_feed_agg(flo_rfm_feed *f);

/* Fold in everything queued, stop the thread and free the feed; the fates of
 * all orders are added to counts[].  Returns the aggregator's first error. */
int flo_rfm_feed_finish(flo_rfm_feed *f, long counts[4]);

#endif
