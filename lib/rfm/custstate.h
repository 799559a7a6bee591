/* custstate.h: one customer's orders, reduced to what an exact RFM summary
 * at any observation end needs, and the bytes that state is stored as.
 *
 * Per distinct purchase day the state keeps the day, its order count and
 * its exact value (lib/base/money.h), and, with --keep, the kept fields of the
 * day's latest order; with per-order occasions, the customer's first order;
 * with order ids, the hashes of the order ids seen and of the lines seen (an
 * order's lines are summed into it, a line seen before is a replay); with
 * --returns net, each return's day and value.  That is enough to give, for
 * any as-of date and holdout end, the totals flo_rfm_summarise() turns into
 * the summary a batch run over the same orders gives, bit for bit: calendar
 * periods (--occasion week|month) are made from the days, and returns netted
 * against the purchases, at summary time, so that neither depends on the
 * arrival order (values with at most six decimals; see money.h).  Memory and
 * stored bytes follow purchase days, order ids, lines and returns, never the
 * summary's date.
 *
 * Ownership: a state owns its memory; the fields flo_custstate_summary()
 * hands out point into the state and are valid until it next changes. */
#ifndef FLO_CUSTSTATE_H
#define FLO_CUSTSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"
#include "rfm/rfm.h"

/* The days a state holds: flo's dates, 1900-01-01 to 9999-12-31. */
#define FLO_CUSTSTATE_DAY_MIN (-25567)
#define FLO_CUSTSTATE_DAY_MAX 2932896

/* The stored form's version: the first byte of every stored state.  Change
 * the layout (or the order-id hash, flo_hash() in idmap.h, whose values are
 * stored) and this must change. */
#define FLO_CUSTSTATE_FORMAT 2

typedef struct flo_custstate flo_custstate;

int flo_custstate_new(flo_custstate **st);
/* Accepts NULL. */
void flo_custstate_free(flo_custstate *st);
/* Empty the state (a customer with no orders), keeping its allocations. */
void flo_custstate_clear(flo_custstate *st);

/* One order.  keep holds cfg->nkeep values (ignored when cfg->nkeep is 0);
 * id_hash is flo_hash() of the order id, used when cfg->order_ids. */
struct flo_custstate_order {
	int64_t time; /* seconds since the epoch */
	double amount;
	uint64_t id_hash;
	const struct flo_field *keep;
};

/* Fold one order in.  cfg gives what the state tracks (per_order,
 * order_ids, nkeep) and must be the same for every call on one state.  With
 * order ids, an order whose id the customer had before changes nothing and
 * sets *repeated.  FLO_ENOMEM, FLO_EUSAGE for a date outside the day range
 * flo accepts, FLO_ERANGE when the customer's sums would leave
 * base/money.h's bounds (as the decoder checks them: the magnitudes of the
 * days' values summed); the state is unchanged on failure. */
int flo_custstate_add(flo_custstate *st, const struct flo_rfm_config *cfg,
		      const struct flo_custstate_order *o, int *repeated);

/* flo_custstate_add() for one line of an order (cfg->order_ids; line is the
 * line's hash, never 0, as ingest.h makes it), as rfm.h's
 * flo_rfm_add_line(): a line seen before changes nothing and sets
 * *repeated; a further line of an order seen before, on an occasion the
 * customer has (a day, a calendar period), adds its value to that day
 * without counting another order (with per-order occasions, on any day). */
int flo_custstate_add_line(flo_custstate *st, const struct flo_rfm_config *cfg,
			   const struct flo_custstate_order *o, uint64_t line, int *repeated);

/* A return of `value` (>= 0) at `time` (cfg->net_returns, else FLO_EVALUE),
 * kept aside and netted at every summary; never an order.  With order ids,
 * line (never 0; 0: none) makes a replayed return *repeated.  FLO_ERANGE
 * when the returns' values summed would leave money.h's bounds;
 * FLO_EUSAGE, FLO_ENOMEM as flo_custstate_add(). */
int flo_custstate_add_return(flo_custstate *st, const struct flo_rfm_config *cfg, int64_t time,
			     double value, uint64_t line, int *repeated);

/* Orders folded in (returns and further lines of an order not counted),
 * and the latest order day (INT32_MIN when none: returns only). */
uint32_t flo_custstate_orders(const flo_custstate *st);
int32_t flo_custstate_last_day(const flo_custstate *st);

/* What an as-of date leaves out of a summary. */
struct flo_custstate_left {
	int holdout_only; /* no calibration order, but some in the holdout */
	uint32_t late;    /* orders after as_of (or after holdout_end) */
};

/* The summary at as_of (cfg->has_holdout: with holdout fields for orders in
 * (as_of, holdout_end]) as flo_rfm_each() would give it: 1 when the customer
 * has an order on or before as_of, else 0 (s untouched).  Calendar periods
 * (cfg->period) are formed and returns netted (rfm.h's rules) here; a
 * return is in the calibration when !cfg->has_as_of, else by its date.
 * s->id is left to the caller; s->kept points at `kept` (cfg->nkeep fields
 * the caller provides), filled with the fields of the latest order up to
 * as_of (ties: the later arrival), names left empty.  `left` may be NULL.
 * It works in the state's scratch memory (hence not const), made ready by
 * every change and decode, so that it cannot fail. */
int flo_custstate_summary(flo_custstate *st, const struct flo_rfm_config *cfg,
			  int32_t as_of, struct flo_summary *s, struct flo_field *kept,
			  struct flo_custstate_left *left);

/* The stored form, into *buf (grown with realloc as needed; *cap its size),
 * *len bytes.  The bytes are a function of the orders folded in, not of their
 * arrival order (except which of several simultaneous orders' kept fields
 * win).  FLO_ENOMEM. */
int flo_custstate_encode(const flo_custstate *st, unsigned char **buf, size_t *cap,
			 size_t *len);

/* Replace st with the state stored in data.  cfg must be what the state was
 * made with.  FLO_EVERSION for a newer format, FLO_EVALUE for bytes that are
 * not a valid state for cfg (damaged), FLO_ENOMEM; then st is empty. */
int flo_custstate_decode(flo_custstate *st, const struct flo_rfm_config *cfg,
			 const void *data, size_t len);

#endif
