/* tracking.h: the tracking check of FHL 2005 (figures 1 and 2): repeat
 * transactions per period, actual against the model's expected, over
 * calibration and holdout alike.  Each customer's expected curve starts at
 * the customer's first purchase: a cohort of c customers who first bought
 * on day d expects c E[X(t)] repeat purchases by time t after d (eq. 9).
 *
 * The counts take memory per distinct first-purchase day and per distinct
 * day with repeat transactions; telling a customer's first order from a
 * repeat (flo_tracking_order()) takes each customer's id and last day, so
 * that a log in date order, where customers interleave, counts each
 * customer once.  One thread at a time. */
#ifndef FLO_TRACKING_H
#define FLO_TRACKING_H

#include <stddef.h>
#include <stdint.h>

#include "model/family.h"

typedef struct flo_tracking flo_tracking;

/* FLO_OK or FLO_ENOMEM. */
int flo_tracking_new(flo_tracking **t);
void flo_tracking_free(flo_tracking *t);

/* An order of customer `id` on `day` (days since 1970-01-01): the
 * customer's first purchase when the id is new, a repeat transaction on a
 * later day than the customer's last, nothing new on the same day (orders of
 * one day are one transaction).  A customer's orders may come anywhere in
 * the log, among other customers', but in date order: an order dated before
 * the customer's last is FLO_EVALUE, with nothing counted.  FLO_OK,
 * FLO_EVALUE or FLO_ENOMEM. */
int flo_tracking_order(flo_tracking *t, const char *id, size_t len, int32_t day);

/* The counts themselves, for a caller that knows its customers: a customer
 * whose first purchase was on day `first`, and a repeat transaction on
 * `day`.  FLO_OK or FLO_ENOMEM. */
int flo_tracking_customer(flo_tracking *t, int32_t first);
int flo_tracking_repeat(flo_tracking *t, int32_t day);

/* The first and last day seen (first purchases and repeats); 0 when there
 * was none. */
int flo_tracking_span(const flo_tracking *t, int32_t *first, int32_t *last);

/* Period k (0..nperiods-1) covers the days [start + k len, start + (k+1) len).
 * actual[k]: the repeat transactions in it; expected[k]: the model's, the
 * increase of sum over cohorts of c E[X(t_k - d)], t_k the period's last day,
 * time measured in days / unit_days (flo-rfm's T: as-of day minus first
 * day).  Transactions outside the periods are not counted.  FLO_ERANGE when
 * an expectation is not finite. */
int flo_tracking_curve(const flo_tracking *t, const struct flo_purchase_model *f, int32_t start,
		       int32_t len, size_t nperiods, double unit_days, double *actual,
		       double *expected);

#endif
