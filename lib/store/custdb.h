/* custdb.h: customer states in the store, folded in batches (flo-rfm --db).
 *
 * The store's `customers` database maps each customer id to its state
 * (custstate.h).  One more key, FLO_CUSTDB_SETTINGS_KEY, which no customer
 * id can be (ids never start with a NUL byte), holds the conventions the
 * states were made with, fixed at first use, and the latest order day seen:
 *
 *   flo-custstate 2
 *   unit week
 *   occasion day            (or order, week, month)
 *   frequency repeat        (or total)
 *   returns net             (with --returns net: returns kept, netted at summaries)
 *   order-id FIELD          (when orders carry ids)
 *   keep FIELD              (one line per kept field, in order)
 *   latest 2021-02-26       (once an order is stored)
 *
 * Orders are folded into the states of an open batch (one LMDB write
 * transaction).  flo_custdb_commit() appends the batch's orders to the
 * store's order log (store.h: a record of a few dozen bytes an order,
 * written at the log's end) in one transaction with the settings; the
 * states themselves stay in the engine's memory, one per customer with
 * orders since the last merge, and are written when the log is merged
 * (flo_custdb_merge(): the states in key order and the log emptied, one
 * transaction), so that a commit writes the pages of its orders, not of
 * every customer they touch.  An engine opened on a store with a log folds
 * it in first; the dump and the check fold it into what they read.  So the
 * engine's memory is the states of the customers of at most the log's
 * orders (a few hundred bytes each): bound it with
 * flo_custdb_set_merge_every().  The summary records the caller writes are
 * held until the commit and handed over only once the batch is committed,
 * so that no one downstream ever sees a record whose orders a crash could
 * still take back.
 *
 * Ownership: the engine copies what it is given; the summaries it hands to
 * a callback are valid during the call only.  Errors are err.h codes, with
 * the words in flo_custdb_errmsg(). */
#ifndef FLO_CUSTDB_H
#define FLO_CUSTDB_H

#include <stddef.h>
#include <stdint.h>

#include "rfm/custstate.h"
#include "rfm/ingest.h"
#include "rfm/rfm.h"
#include "store/custheld.h"
#include "store/store.h"

#define FLO_CUSTDB_SETTINGS_KEY "\0flo-rfm"
#define FLO_CUSTDB_SETTINGS_KEYLEN 8

/* Longest customer id: LMDB's key limit. */
#define FLO_CUSTDB_ID_MAX 511

/* The conventions a store's states follow. */
struct flo_custdb_settings {
	char unit[8];       /* day, week or month */
	int per_order;      /* --occasion order */
	enum flo_period period; /* --occasion week or month */
	int freq_total;     /* --frequency total */
	int net_returns;    /* --returns net */
	char *order_id;     /* the order-id field, NULL when orders carry none */
	char **keep;        /* the kept fields */
	size_t nkeep;
	int has_latest;     /* an order is stored, and this is the latest day */
	int32_t latest;
};

/* Free what a settings record owns (not s itself); fields become empty. */
void flo_custdb_settings_free(struct flo_custdb_settings *s);

/* The store's settings, read in a snapshot of their own: FLO_ENOTFOUND when
 * no states were ever stored, FLO_EVERSION for a newer or older state format,
 * FLO_ESTORE for a damaged record or a store error; `err` (errlen bytes)
 * says why. */
int flo_custdb_read_settings(flo_store *s, struct flo_custdb_settings *out, char *err,
			     size_t errlen);

/* What a run asks of the conventions (flo-rfm's options). */
struct flo_custdb_wish {
	const char *unit;      /* day, week or month */
	int unit_given, occasion_given, frequency_given;
	const char *order_id;  /* NULL: none */
	char *const *keep;     /* NULL: no --keep given */
	size_t nkeep;
};

/* The conventions a run's states follow, into *set: the store's, which the
 * wish may repeat but not change (else FLO_EUSAGE), what it leaves out
 * taken from the store; for a store without states the wish's (recorded
 * with the first batch), then FLO_ENOTFOUND.  cfg comes in with the wish's
 * occasion, frequency and returns (a wish for net returns that the store
 * does not keep is refused; the store's net returns are taken), and leaves with the conventions settled
 * (unit_days, per_order, period, freq_total, net_returns, order_ids,
 * nkeep).  Other errors as
 * flo_custdb_read_settings(), or FLO_ENOMEM; msg (msglen bytes, 1400 is
 * enough) says why, naming the store `name`. */
int flo_custdb_settle(flo_store *s, const char *name, const struct flo_custdb_wish *w,
		      struct flo_rfm_config *cfg, struct flo_custdb_settings *set, char *msg,
		      size_t msglen);

/* ---- writing ---- */

typedef struct flo_custdb flo_custdb;

enum flo_custdb_emit {
	FLO_EMIT_ORDER, /* one summary per order folded in (repeats included) */
	FLO_EMIT_BATCH, /* one per customer with orders in the batch, at commit */
};

/* An engine over store s (open for writing, owned by the caller, who closes
 * it after flo_custdb_free()), called `name` in messages.  `settings` are the
 * conventions (the store's, when it has any: flo-rfm checks that), copied;
 * the latest day is read from the store.  cfg must agree with the settings
 * (unit_days, per_order, period, freq_total, net_returns, nkeep, order_ids)
 * and gives the as-of date and holdout end of the summaries: without
 * cfg->has_as_of, the latest order day stored, this batch's orders included
 * (a return does not move it). */
int flo_custdb_new(flo_custdb **db, flo_store *s, const char *name,
		   const struct flo_custdb_settings *settings, const struct flo_rfm_config *cfg,
		   enum flo_custdb_emit emit);
/* On a store with an order log, the log is folded in at once: FLO_ESTORE
 * for a damaged record (then *db is set, for flo_custdb_errmsg(), and must
 * be freed). */
/* Drops an open batch uncommitted.  Accepts NULL. */
void flo_custdb_free(flo_custdb *db);

const char *flo_custdb_errmsg(const flo_custdb *db);

/* The fate of an order: FLO_ORDER_CALIBRATION (in the customer's summary),
 * FLO_ORDER_HOLDOUT, FLO_ORDER_LATE (after the as-of date or holdout end:
 * stored, but in no summary written now) or FLO_ORDER_REPEATED (its line
 * was stored before, or without lines its order id: nothing changes).  A
 * return's fate is the period whose purchases it reduces (or LATE). */
struct flo_custdb_order {
	const char *id;
	size_t id_len;          /* 1 to FLO_CUSTDB_ID_MAX bytes, first byte not NUL */
	int64_t time;
	double amount;
	const char *order_id;   /* with order ids */
	size_t order_id_len;
	const struct flo_field *keep; /* nkeep values */
	uint64_t line;          /* with order ids: the line's hash (ingest.h); 0: the
				 * record is a whole order */
	int is_return;          /* with net_returns: a return of value amount */
};

/* Fold one order into its customer's state, beginning a batch if none is
 * open.  FLO_EUSAGE for an id the store cannot hold; FLO_ESTORE (a damaged
 * state, a store error), FLO_EVERSION, FLO_ENOMEM: then the batch is lost
 * and the engine should be freed.  FLO_ERANGE when the customer's sums would
 * leave base/money.h's bounds: nothing of the order is folded in, the batch
 * goes on (a bad record). */
int flo_custdb_add(flo_custdb *db, const struct flo_custdb_order *o,
		   enum flo_order_fate *fate);

/* Returns (net) stored by this engine, replays not counted. */
long flo_custdb_returns(const flo_custdb *db);

/* Orders folded into the open batch (0: none open). */
size_t flo_custdb_pending(const flo_custdb *db);

/* Commit the batch (its orders appended to the log), then hand every held
 * summary to fn, in order.  A batch that would leave the log at
 * flo_custdb_set_merge_every()'s bound is merged instead, in the same
 * transaction.  Nothing open is fine.  On failure nothing of the batch is
 * stored or handed over, and the engine should be freed (its states hold
 * the batch's orders). */
int flo_custdb_commit(flo_custdb *db, flo_summary_fn *fn, void *ctx);

/* flo_custdb_commit(), merging in the same transaction: the states written,
 * the log emptied (with nothing open, flo_custdb_merge()). */
int flo_custdb_commit_merge(flo_custdb *db, flo_summary_fn *fn, void *ctx);

/* How a commit hands its held summaries over when formatting them costs
 * more than folding their orders in (flo-rfm's records in date order: a
 * fifth of the run on one thread).  With a release set, a commit calls
 * release(ctx, db, n) with its n summaries instead of handing them to the
 * commit's fn one by one.  The release either hands them on itself, with
 * flo_custdb_held(), in blocks, on as many threads at once as it likes,
 * returning once every block is done; or takes them out of the engine with
 * flo_custdb_take_held(), to hand on later, on another thread, while the
 * next batch comes in.  NULL: one by one. */
typedef void flo_custdb_release_fn(void *ctx, flo_custdb *db, size_t n);
void flo_custdb_set_release(flo_custdb *db, flo_custdb_release_fn *release, void *ctx);

/* The committing batch's held summaries lo..hi (hi past the n a release was
 * given: to the end) to fn, in order.  Only from within a release, before
 * any take; safe on several threads at once.  FLO_ENOMEM (nothing handed
 * over). */
int flo_custdb_held(const flo_custdb *db, size_t lo, size_t hi, flo_summary_fn *fn, void *ctx);

/* Only from within a release: the committing batch's held summaries leave
 * the engine (custheld.h: flo_custheld_each() hands them on, on any
 * thread, until the set is given back), and the engine goes on with the
 * set last given back, or a new one.  NULL when out of memory for that: hand them over in
 * the release. */
flo_custheld *flo_custdb_take_held(flo_custdb *db);

/* A taken set, handed on: its memory serves a later batch (the engine keeps
 * one such; another is freed).  NULL is accepted. */
void flo_custdb_give_back(flo_custdb *db, flo_custheld *h);

/* Merge the log into the stored states whenever a commit leaves n or more
 * orders logged (0, the default: only flo_custdb_merge()). */
void flo_custdb_set_merge_every(flo_custdb *db, size_t n);

/* Between merges the engine keeps the states in an arena where a state
 * that outgrows its slot moves to a new one; at a commit, once the slots
 * left behind pass half the live ones by `bytes` (default 64 MB), the arena is
 * compacted in place.  flo_custdb_compactions() counts those runs (tests
 * set a floor of 0 to run them on small data). */
void flo_custdb_set_compact_floor(flo_custdb *db, size_t bytes);
size_t flo_custdb_compactions(const flo_custdb *db);

/* Write every state changed since the last merge, in key order, and empty
 * the log, in one transaction; the states then leave the engine's memory.
 * Not with a batch open (commit first: FLO_EUSAGE).  Nothing logged is
 * fine. */
int flo_custdb_merge(flo_custdb *db);

/* Orders in the store's log (committed, not merged). */
size_t flo_custdb_logged(const flo_custdb *db);

/* The as-of day of summaries written now. */
int32_t flo_custdb_as_of(const flo_custdb *db);

/* Every order of in (order records) folded in: a batch committed whenever
 * commit_every orders are pending and at the end (merging, with
 * merge_at_end), each committed summary handed to fn; the fates added to
 * counts[].  Errors: the engine's, or the
 * ingest's (a fatal reader error, a stop at a bad record), with the words in
 * flo_custdb_errmsg(). */
int flo_custdb_ingest(flo_custdb *db, flo_ingest *in, size_t commit_every, int merge_at_end,
		      flo_summary_fn *fn, void *ctx, long counts[4]);

/* ---- reading ---- */

struct flo_custdb_counts {
	size_t customers;    /* summaries written (a check: states sound) */
	size_t holdout_only; /* customers whose first order is after as-of */
	size_t late;         /* orders after as-of (or holdout end) */
	size_t damaged;      /* states skipped: checksum failed, or no decode */
	int has_as_of;       /* as_of is set: the store holds orders */
	int32_t as_of;
};

/* A damaged customer state: its id and the words that say so. */
typedef void flo_custdb_bad_fn(void *ctx, const char *id, size_t idlen, const char *why);

/* Every stored customer's summary at cfg's as-of date (else the latest
 * order day stored), sorted by id, from one snapshot: a writer working
 * meanwhile is seen as of its last commit.  cfg must agree with the store's
 * settings; nkeep fields per customer.
 *
 * A state that fails its checksum or does not decode: with bad NULL, the
 * dump stops with FLO_ESTORE (FLO_EVERSION for a newer state) naming the
 * customer in err, and since every state is decoded in a first pass, before
 * fn is called at all; with bad, it goes to bad, is counted in
 * counts->damaged and skipped, and the dump goes on.  A damaged page of the
 * store stops it with FLO_ESTORE (store.h's flo_store_customer_scan()). */
int flo_custdb_dump(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
		    flo_summary_fn *fn, void *ctx, flo_custdb_bad_fn *bad, void *bad_ctx,
		    struct flo_custdb_counts *counts, char *err, size_t errlen);

/* Decode every stored state: each damaged one to bad (may be NULL),
 * counted.  0 when all are sound (counts->customers of them); FLO_ESTORE
 * with err when some are not or a page is damaged. */
int flo_custdb_check(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
		     flo_custdb_bad_fn *bad, void *bad_ctx, struct flo_custdb_counts *counts,
		     char *err, size_t errlen);

/* flo_custdb_check(), then every damaged state deleted in one batch (s open
 * for writing), with the damaged customers' logged orders and the log's
 * damaged records: 0 when done (counts->damaged dropped), FLO_ESTORE for a
 * damaged page or settings record, which this cannot mend. */
int flo_custdb_repair(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
		      flo_custdb_bad_fn *bad, void *bad_ctx, struct flo_custdb_counts *counts,
		      char *err, size_t errlen);

/* Customer id's stored state (damaged or not) and logged orders deleted in
 * one batch (s open for writing), with the log's damaged records:
 * FLO_ENOTFOUND when there were none; store errors with err. */
int flo_custdb_drop(flo_store *s, const struct flo_rfm_config *cfg, const char *id, size_t len,
		    char *err, size_t errlen);

#endif
