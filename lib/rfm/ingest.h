/* ingest.h: flo-rfm's input read and folded in: order records (rfm.h) or
 * the FLO customer-summary layout (custsum.h), recognised from the columns.
 * Orders take the fastest path that gives the same result: plain CSV or TSV
 * lines on a thread per part of the customers (orderscan.h), else batches
 * through a feed (rfmfeed.h), else (--keep, --order-id) one by one.  The
 * store's live mode (custdb.h) takes the orders one by one instead.
 *
 * A bad record goes to the caller's function with its code and message (the
 * tool's bad-record policy); a reader's error comes there too, its code
 * negative as flo_reader_next() returns it, and a fatal one (anything but a
 * FLO_ESYNTAX after which the reader can go on) ends the ingest whatever the
 * function returns.  A unit price (price, unit_price, unitprice) is never
 * taken as an order's value: with no value field but one of them, and no
 * --quantity, flo_ingest_new() refuses the input (FLO_EUSAGE).  Errors are err.h codes, with the words in
 * flo_ingest_errmsg(). */
#ifndef FLO_INGEST_H
#define FLO_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "record/reader.h"
#include "rfm/custsum.h"
#include "rfm/rfm.h"

enum flo_ingest_kind { FLO_INGEST_DETECT, FLO_INGEST_ORDERS, FLO_INGEST_SUMMARY };

/* What a return (a negative value or quantity, or an order id that starts
 * with the cancel prefix) does: dropped and counted, or kept as an order. */
enum flo_returns { FLO_RETURNS_DROP, FLO_RETURNS_KEEP, FLO_RETURNS_NET };

/* What flo-rfm was asked for.  Strings are the caller's, kept until
 * flo_ingest_free(). */
struct flo_ingest_options {
	enum flo_ingest_kind kind;
	const char *id, *date, *amount; /* fields named (NULL: the defaults) */
	const char *quantity, *price;   /* line items: amount = quantity x price (both
					 * or neither; not with amount) */
	const char *order_id;           /* NULL: orders carry no ids; else the lines
					 * of one order are summed into one order */
	const char *line_id;            /* a line's id within its order (with order_id);
					 * NULL: the whole record's text */
	enum flo_returns returns;
	const char *cancel_prefix;      /* order ids of cancellations (with order_id) */
	const char *date_format;        /* order dates' (datefmt.h, checked); NULL:
					 * any form flo_parse_time() takes */
	char *const *keep;              /* fields carried per customer */
	size_t nkeep;
	const char *input_name;         /* in messages: "input" for stdin, else the path */
	enum flo_format out_fmt;        /* the output's (AUTO: the input's); JSON Lines
					 * refuses ids and kept values not UTF-8 */
	size_t id_max;                  /* the store's longest id (0: no store); the
					 * store takes order records only */
	int cap_outliers;               /* --cap-outliers: summaries only */
	int fd;                         /* the reader's, which the threaded scan reads */
};

/* A bad record (err > 0, msg its words) or a reader's error (err < 0):
 * nonzero to go on with the next record.  err 0 is an order skipped by rule,
 * not a bad record (an empty customer id, msg says so): the run goes on
 * whatever the function returns; the caller may keep it with its rejects. */
typedef int flo_ingest_bad_fn(void *ctx, const flo_reader *r, int err, const char *msg);

typedef struct flo_ingest flo_ingest;

#define FLO_INGEST_MSG 600

/* Read r's first record, settle the kind and find the columns; cfg (copied)
 * as rfm.h's aggregators take it.  FLO_EVALUE for an empty input, FLO_EUSAGE
 * for options the kind cannot take, FLO_EFIELD for a column missing,
 * FLO_ENOMEM, or a reader's error; then *in is NULL and msg (FLO_INGEST_MSG
 * bytes) says why. */
int flo_ingest_new(flo_ingest **in, flo_reader *r, const struct flo_ingest_options *o,
		   const struct flo_rfm_config *cfg, flo_ingest_bad_fn *bad, void *ctx,
		   char *msg);
/* Frees the aggregators too.  Accepts NULL. */
void flo_ingest_free(flo_ingest *in);

enum flo_ingest_kind flo_ingest_kind(const flo_ingest *in);

/* Whether the orders have values: an order log without any value field
 * (no --amount, --quantity, nor a default value or unit-price name) is read
 * with values 0, for the BG/NBD alone; the summaries then carry no
 * monetary, revenue or holdout_value. */
int flo_ingest_has_value(const flo_ingest *in);
const char *flo_ingest_errmsg(const flo_ingest *in);

/* What flo_ingest_run() folded the input into. */
struct flo_ingest_result {
	flo_rfm *orders;          /* order records, else NULL */
	flo_custsum *summaries;   /* customer summaries, else NULL */
	long fates[4];            /* orders by enum flo_order_fate */
	long scanned;             /* of them read on the scan's threads */
	unsigned threads;         /* the aggregator's parts */
};

/* Read every record and fold it in; *res valid until flo_ingest_free(). */
int flo_ingest_run(flo_ingest *in, struct flo_ingest_result *res);

/* One order, valid until the next call. */
struct flo_ingest_order {
	const char *id;
	size_t id_len;
	int64_t time;
	double amount;
	const char *order_id; /* with order ids */
	size_t order_id_len;
	uint64_t line;        /* with order ids: the line's hash (never 0) */
	int is_return;        /* --returns net: a return, amount its value (> 0) */
	const struct flo_field *keep; /* nkeep values */
};

/* Orders skipped by rule so far: with an empty customer id, and returns
 * dropped. */
void flo_ingest_skipped(const flo_ingest *in, long *no_id, long *returns);

/* --returns net, after flo_ingest_run(): the returns netted, those with no
 * purchase to reduce, and those worth more than what was left of it
 * (rfm.h, flo_rfm_add_return()). */
void flo_ingest_netted(const flo_ingest *in, long *netted, long *unmatched, long *capped);

/* The next good order (order records only): 1, 0 at the end, or an error
 * code negated (a fatal reader error, a stop at a bad record). */
int flo_ingest_next(flo_ingest *in, struct flo_ingest_order *ord);

/* Hints for a reader of the orders one by one (the store's live mode, which
 * asks its table for a customer's entry a few orders before it comes, so
 * that the memory is on its way): the customer ids of up to max records
 * after the current one, as far as the reader has read ahead, while they
 * are plain CSV or TSV lines (plain.h); ids[i] points into the reader's
 * buffer, valid until the next flo_ingest_next().  A hint only: a record
 * the peek cannot split ends it (0 for JSON Lines, and before the first
 * order is read), and a record the ingest will skip is among them.  Nothing is read, checked or counted. */
size_t flo_ingest_peek_ids(flo_ingest *in, size_t max, const char **ids, size_t *lens);

/* The current order is a bad record because a customer's total would
 * overflow (FLO_ERANGE from rfm.h or custstate.h), said with its value
 * field: -1 when the policy skips it, else the code to stop with (the words
 * in flo_ingest_errmsg()). */
int flo_ingest_reject_overflow(flo_ingest *in);

#endif
