/* batch.h: segments of the whole population (flo-segment without stored cut
 * points): every record's keys and summed values, kept in input order, then
 * cut at once, into quantile groups of one key (pandas.qcut: segment.h) or
 * into the RFM scores of the FLO/CRM notebooks:
 *   recency score   5 - the quintile of the time since the last purchase
 *                   (5 for the most recent fifth)
 *   frequency score 1 + the quintile of the frequency's rank, ties ranked
 *                   first come, first ranked (Series.rank(method="first"))
 *   monetary score  1 + the quintile of the monetary value
 * Memory: 8 bytes per key and per summed value of every record. */
#ifndef FLO_SEGMENT_BATCH_H
#define FLO_SEGMENT_BATCH_H

#include <stddef.h>

typedef struct flo_segbatch flo_segbatch;

/* The keys of a record: quantile segments cut one (FLO_SEG_QUANTILE), RFM
 * scores three (FLO_SEG_RFM: the time since the last purchase, the
 * frequency, the monetary value). */
enum { FLO_SEG_QUANTILE = 1, FLO_SEG_RFM = 3 };

/* nkeys: FLO_SEG_QUANTILE or FLO_SEG_RFM; nsum values summed a record. */
int flo_segbatch_new(flo_segbatch **b, int nkeys, size_t nsum);
/* Accepts NULL. */
void flo_segbatch_free(flo_segbatch *b);

/* A record's keys (nkeys) and summed values (nsum, NaN for none). */
int flo_segbatch_add(flo_segbatch *b, const double *key, const double *sum);

size_t flo_segbatch_count(const flo_segbatch *b);

/* Cut the records (at least one; FLO_EUSAGE otherwise): quantile segments
 * into `groups` groups (1..FLO_CUTS_MAX_GROUPS), RFM scores into quintiles
 * (groups is ignored).  edges (groups + 1, or 6) get the last cut's edges.
 * FLO_EVALUE when a cut's quantiles repeat: *which is the key (0..nkeys-1)
 * whose cut failed, *at the repeated edge (flo_qcut_repeat()), and edges
 * that cut's; FLO_ENOMEM. */
int flo_segbatch_cut(flo_segbatch *b, int groups, double *edges, int *which, int *at);

/* After the cut, record i's segment: its quantile group (0..groups-1), or
 * the RF segment (flo_rfm_segment(), 0..FLO_RFM_NSEGMENTS-1). */
int flo_segbatch_segment(const flo_segbatch *b, size_t i);
/* After an RFM cut, record i's recency, frequency and monetary scores 1..5. */
void flo_segbatch_scores(const flo_segbatch *b, size_t i, int score[3]);
/* Record i's summed values (nsum of them). */
const double *flo_segbatch_sums(const flo_segbatch *b, size_t i);

#endif
