/* rfm.h: per-customer RFM summaries from order records or from the FLO
 * customer-summary layout (DESIGN.md, "flo-rfm: the RFM summary").
 *
 * Ownership: the aggregators copy what they are given; the summaries they
 * hand to a callback are valid during the call only. */
#ifndef FLO_RFM_H
#define FLO_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "base/money.h"
#include "record/record.h"

/* Calendar-period purchase occasions (--occasion week|month): one purchase
 * per customer per period, recency and T in whole periods, as lifetimes'
 * summary_data_from_transaction_data(freq="W" or "M") (pandas' periods:
 * weeks Monday to Sunday, W-SUN; calendar months). */
enum flo_period { FLO_PERIOD_NONE, FLO_PERIOD_WEEK, FLO_PERIOD_MONTH };

struct flo_rfm_config {
	double unit_days;   /* days in one time unit (7 for weeks) */
	enum flo_period period; /* NONE: occasions are days (or orders) */
	int per_order;      /* every order is a purchase occasion (default: every day) */
	int freq_total;     /* frequency counts every occasion, the first included */
	int has_as_of;      /* else as_of is the latest order (or last_order_date) */
	int32_t as_of;
	int has_holdout;    /* orders in (as_of, holdout_end] become holdout fields */
	int32_t holdout_end;
	size_t nkeep;       /* fields carried per customer */
	int order_ids;      /* orders carry ids; a repeated id is ignored */
	int net_returns;    /* returns reduce purchases' values (flo_rfm_add_return();
			     * day occasions, one order at a time) */
	unsigned parts;     /* customer parts (flo_rfm_add_part()): 1, 2, 4 or
			     * 8 (0 is 1), at most FLO_RFM_MAX_PARTS */
};

/* One customer's summary, as flo-rfm writes it. */
struct flo_summary {
	const char *id;
	size_t id_len;
	double frequency, recency, T, monetary;
	double orders, revenue;
	int32_t first_order, last_order;
	double holdout_purchases, holdout_value;
	/* nkeep kept values (kind FLO_KIND_NULL when the customer had none). */
	const struct flo_field *kept;
};

typedef void flo_summary_fn(void *ctx, const struct flo_summary *s);

/* ---- the summary of one customer ----
 *
 * What a customer's orders reduce to at an observation end: the batch
 * aggregator below and the stored incremental state (custstate.h) both fill
 * this in and call flo_rfm_summarise(), so the two cannot drift apart. */
struct flo_rfm_totals {
	int32_t first_day, last_day;      /* of the calibration orders */
	uint32_t orders, h_orders;        /* calibration and holdout orders */
	double occasions, h_occasions;    /* purchase occasions, likewise */
	struct flo_money first_value;     /* value of the first purchase occasion */
	struct flo_money revenue, h_value;
};

/* The summary fields of t (orders > 0) at as_of; id and kept are left to the
 * caller. */
void flo_rfm_summarise(const struct flo_rfm_config *cfg, int32_t as_of,
		       const struct flo_rfm_totals *t, struct flo_summary *s);

/* The UTC day of a time in seconds since the epoch (floor, also before 1970). */
int32_t flo_rfm_day(int64_t time);

/* The first day of the period `day` is in (a Monday, or the 1st), and the
 * period's number (periods since one in 1970), for period occasions. */
int32_t flo_period_start(enum flo_period p, int32_t day);
int32_t flo_period_index(enum flo_period p, int32_t day);

/* The purchase occasion an order on `day` belongs to, as a day: the day, or
 * (period occasions) its period's first day, for a holdout order (after
 * cfg->as_of) no earlier than as_of + 1. */
int32_t flo_rfm_occasion_day(const struct flo_rfm_config *cfg, int32_t day, int holdout);

/* With per-order occasions, whether an order at `time` of `amount` is the
 * customer's first rather than the one held (first_time, first_value): the
 * earliest, and of simultaneous ones the smallest, so that arrival order
 * never changes the result. */
int flo_rfm_first_before(int64_t time, double amount, int64_t first_time,
			 struct flo_money first_value);

/* ---- order records ---- */

typedef struct flo_rfm flo_rfm;

enum flo_order_fate {
	FLO_ORDER_CALIBRATION, /* in the summary */
	FLO_ORDER_HOLDOUT,     /* in the holdout fields */
	FLO_ORDER_LATE,        /* after --as-of (and after --holdout-end, if any) */
	FLO_ORDER_REPEATED,    /* its order id was seen before for this customer */
};

int flo_rfm_new(flo_rfm **r, const struct flo_rfm_config *cfg);
void flo_rfm_free(flo_rfm *r);

/* Fold one order in.  `time` is in seconds since the epoch (only the day
 * matters, but for per-order occasions the time orders a customer's orders
 * within a day); `keep` holds cfg->nkeep values (NULL if none), kept from the
 * customer's latest calibration order.  FLO_ERANGE, with nothing of the
 * order applied, when one of the customer's sums (revenue, first purchase,
 * holdout value) would leave base/money.h's bounds: the order is a bad
 * record, never an infinite or wrapped total. */
int flo_rfm_add(flo_rfm *r, const char *id, size_t id_len, int64_t time,
		double amount, const char *order_id, size_t order_id_len,
		const struct flo_field *keep, enum flo_order_fate *fate);

/* flo_rfm_add() for one line of an order (cfg->order_ids): line is the
 * line's hash (never 0; 0 is flo_rfm_add(), an order that is not in lines).
 * A line seen before (same customer and line hash) is FLO_ORDER_REPEATED;
 * a further line of an order seen before adds its value to that order (its
 * day's occasion) without counting another order. */
int flo_rfm_add_line(flo_rfm *r, const char *id, size_t id_len, int64_t time, double amount,
		     const char *order_id, size_t order_id_len, uint64_t line,
		     const struct flo_field *keep, enum flo_order_fate *fate);

/* --returns net: a return of `value` (> 0) on the day of `time`, which
 * reduces the value of the customer's purchase occasion on that day, else
 * of the latest one before it, of the same period (calibration: up to
 * as_of; holdout: after it), never below 0; it never counts as an order or
 * an occasion.  Folded in by flo_rfm_net_returns(), once every order is in,
 * so that the input's order does not matter.  With order ids, line (its
 * hash, never 0; 0: none) makes a replayed return line FLO_ORDER_REPEATED.
 * *fate is FLO_ORDER_LATE after as_of (and the holdout), else CALIBRATION or
 * HOLDOUT: the period it reduces. */
int flo_rfm_add_return(flo_rfm *r, const char *id, size_t id_len, int64_t time, double value,
		       uint64_t line, enum flo_order_fate *fate);

/* The returns given, folded in: *unmatched counts those with no purchase
 * to reduce (none that day or before, in their period), *capped those that
 * were worth more than what was left of the purchase (it is then 0).  Once,
 * after the last order.  FLO_OK. */
int flo_rfm_net_returns(flo_rfm *r, long *unmatched, long *capped);

/* Customers with returns only (no purchase): in no summary. */
size_t flo_rfm_returns_only(const flo_rfm *r);

/* An order for flo_rfm_add_batch() and flo_rfm_add_part(). */
struct flo_rfm_order {
	const char *id;
	size_t id_len;
	int64_t time;
	struct flo_money value; /* flo_money_of() of the amount (or flo_parse_money()) */
	uint64_t hash;          /* flo_hash() of the id, for flo_rfm_add_part() */
};

/* Fold n orders in, with the result of n flo_rfm_add() calls, each order's
 * fate counted in counts[fate].  Only without order ids and kept values
 * (cfg->order_ids and cfg->nkeep 0; else FLO_EVALUE).  Faster on large
 * tables: the memory an order needs is requested a few dozen orders ahead.
 * The hashes are computed here.  FLO_ERANGE as flo_rfm_add(), which orders
 * of the call are then folded in is not said: callers that must name the
 * order give values above FLO_MONEY_EXACT_MAX to flo_rfm_add() instead. */
int flo_rfm_add_batch(flo_rfm *r, const struct flo_rfm_order *o, size_t n, long counts[4]);

/* The customers are kept in parts by their ids' hashes (cfg->parts of
 * them), and each part apart, so that orders of different parts can be
 * folded in at once on different threads. */
#define FLO_RFM_MAX_PARTS 8

unsigned flo_rfm_parts(const flo_rfm *r);

/* The part of the customer whose id has this flo_hash(). */
unsigned flo_rfm_part(const flo_rfm *r, uint64_t hash);

/* flo_rfm_add_batch() for orders whose hashes are given and all of one
 * part.  Calls for different parts may run at the same time; nothing else
 * may run with them. */
int flo_rfm_add_part(flo_rfm *r, unsigned part, const struct flo_rfm_order *o, size_t n,
		     long counts[4]);

size_t flo_rfm_customers(const flo_rfm *r);

/* The observation end: cfg->as_of, or the latest calibration order. */
int32_t flo_rfm_as_of(const flo_rfm *r);

/* Bytes held per customer on average (for the README's memory figure). */
double flo_rfm_bytes_per_customer(const flo_rfm *r);

/* Every customer with a calibration order, sorted by id.  The number of
 * customers whose first order came after as_of (holdout only) goes to
 * *holdout_only. */
int flo_rfm_each(flo_rfm *r, flo_summary_fn *fn, void *ctx, size_t *holdout_only);

/* The same in parts: the customers' indexes in id order (malloc'd,
 * flo_rfm_customers() of them; NULL when out of memory), then fn for
 * order[lo..hi), adding to *holdout_only.  Ranges may run on several
 * threads at once: they only read.  FLO_ENOMEM. */
uint32_t *flo_rfm_order(const flo_rfm *r);
int flo_rfm_each_range(const flo_rfm *r, const uint32_t *order, size_t lo, size_t hi,
		       flo_summary_fn *fn, void *ctx, size_t *holdout_only);

#endif
