/* flo-rfm: order records (or FLO customer summaries) to one RFM summary
 * record per customer. */
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cli.h"
#include "store/custdb.h"
#include "base/date.h"
#include "base/err.h"
#include "base/num.h"
#include "rfm/orderscan.h"
#include "base/pool.h"
#include "record/reader.h"
#include "record/writer.h"
#include "rfm/custsum.h"
#include "rfm/rfm.h"
#include "rfm/rfmfeed.h"
#include "store/store.h"
#include "base/quote.h"
#include "base/unit.h"

static const char usage[] =
"usage: flo-rfm [options] [file]\n"
"\n"
"Summarise order records (one per order) into one RFM record per customer:\n"
"customer_id, frequency, recency, T, monetary, orders, revenue, first_order,\n"
"last_order [, holdout_purchases, holdout_value] [, kept fields].\n"
"Input in the FLO customer-summary layout (first_order_date, last_order_date,\n"
"order_num_total_ever_online/offline, customer_value_total_ever_online/offline)\n"
"is recognised from its columns.  Customers are written sorted by id.\n"
"Memory grows with customers and their purchase days, not with order lines.\n"
"\n"
"Input and output:\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
"      --orders              the input is order records (default: detected)\n"
"      --summary             the input is FLO customer summaries (default: detected)\n"
"Fields of order records (defaults: the first present of the names listed):\n"
"      --id FIELD            customer id (customer_id, customer, customerid, cust_id,\n"
"                            user_id, id; summaries: master_id)\n"
"      --date FIELD          order date (date, order_date, invoice_date, invoicedate,\n"
"                            timestamp, time)\n"
"      --amount FIELD        order value (amount, value, revenue, sales, total, price)\n"
"      --order-id FIELD      order id: an order whose id the customer had before is\n"
"                            ignored (replays are harmless; 8 bytes per order kept)\n"
"      --keep F1,F2,...      carry these fields per customer (orders: the values on\n"
"                            the customer's latest order)\n"
"Summary:\n"
"      --as-of DATE          observation end (default: the latest order date);\n"
"                            later orders are left out (or go to the holdout)\n"
"      --holdout-end DATE    add holdout_purchases and holdout_value for orders in\n"
"                            (as-of, holdout-end]; needs --as-of\n"
"      --unit U              day, week (default) or month (365.25/12 days)\n"
"      --occasion day|order  what a purchase is: all orders of a customer on one\n"
"                            day (default), or every order\n"
"      --frequency repeat|total\n"
"                            repeat purchases (default, the BG/NBD x) or every\n"
"                            purchase (the seed notebook's convention)\n"
"      --cap-outliers        summaries: cap the count and value columns at\n"
"                            round(q99 + 1.5 (q99 - q01)) first, as the seed notebook\n"
"                            (needs all rows in memory)\n"
"Bad records:\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"      --timings             order records: say on stderr how long reading, sorting\n"
"                            the ids and writing took, and the memory held per\n"
"                            customer\n"
"The store (incremental summaries):\n"
"      --db PATH             keep every customer's state in the store at PATH\n"
"                            (implies --incremental unless --dump)\n"
"      --incremental         fold each order into its customer's stored state and\n"
"                            write that customer's updated summary at once; the\n"
"                            store is --db, else $FLO_DB, else ./flo.lmdb\n"
"      --dump                write every stored customer's summary, sorted by id,\n"
"                            from the store alone (no input), e.g. for flo-fit\n"
"      --emit order|batch    a record per input order (default), or one per\n"
"                            customer with orders in a batch, after the batch\n"
"      --commit-every N      orders per transaction at most (default 10000)\n"
"      --no-sync             commit without waiting for the disk: a killed flo-rfm\n"
"                            loses nothing committed, a system crash may lose the\n"
"                            last batches\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times (offsets are converted to\n"
"UTC), or Unix epoch seconds.\n"
"\n"
"With the store, each record (in input order) is its customer's summary as of\n"
"--as-of, else as of the latest order date the store has seen (the current\n"
"order included): what flo-rfm with that --as-of gives over every order stored\n"
"so far, whatever the order and the pieces they arrived in (to the last bit for\n"
"amounts of at most six decimals).  --dump gives every customer's.  Orders\n"
"after --as-of are stored all the same.  The store records at first use the\n"
"conventions its states follow (--unit, --occasion, --frequency, --order-id,\n"
"--keep): later runs take them from it, and one that asks for others is\n"
"refused (exit 2), since mixing them would corrupt the summaries.\n"
"Orders are committed in batches: every --commit-every orders, whenever the\n"
"input has nothing more waiting, before stopping at a bad record, and at the\n"
"end.  A record is written only once its orders are committed, and output is\n"
"flushed whenever the input has nothing more waiting, so behind `tail -F` each\n"
"record follows its order at once (a CSV log needs its header line there:\n"
"tail -n +1 -F orders.csv).  A killed flo-rfm loses at most the\n"
"uncommitted batch, whose records it never wrote.  With --order-id an order\n"
"seen before changes nothing, but its customer's (unchanged) record is written\n"
"again: replaying a log after a crash is safe and re-delivers the records the\n"
"crash cut off.  Without order ids a replayed order is counted again.  A\n"
"second writer is refused; readers (--dump, flo-score) work meanwhile.\n"
"\n"
"Exit status: 0 success, 2 usage (or conventions other than the store's),\n"
"65 bad input data, 66 unreadable input (or no store to --dump), 74 write or\n"
"store error (a store in use by another writer, a foreign or newer store, a\n"
"damaged state).\n";

enum input_kind { KIND_DETECT, KIND_ORDERS, KIND_SUMMARY };

struct options {
	enum flo_format in_fmt, out_fmt;
	int json_out; /* the output is JSON Lines */
	char *keep_text;   /* the --keep list, split in place into keep[] */
	enum input_kind kind;
	const char *id, *date, *amount, *order_id;
	char **keep;
	size_t nkeep;
	const char *unit;
	int cap_outliers;
	struct flo_rfm_config cfg;
	struct flo_bad bad;
	const char *path;
	/* the store */
	const char *db;
	int incremental, dump, no_sync;
	int unit_given, occasion_given, frequency_given;
	int timings;
	enum flo_custdb_emit emit;
	long commit_every;
	/* Called before stopping at a bad record, so that the orders before
	 * it are committed and their records written (see reject()). */
	void (*before_stop)(void *ctx);
	void *before_stop_ctx;
};

static const char *const id_names[] = {"customer_id", "customer", "customerid",
				       "cust_id", "user_id", "id", NULL};
static const char *const summary_id_names[] = {"master_id", "customer_id", NULL};
static const char *const date_names[] = {"date", "order_date", "invoice_date",
					 "invoicedate", "timestamp", "time", NULL};
static const char *const amount_names[] = {"amount", "value", "revenue", "sales",
					   "total", "price", NULL};

static char **split_list(const char *arg, size_t *n, char **text)
{
	char *copy = *text = strdup(arg);
	size_t cap = 1;
	for (const char *p = arg; *p; p++)
		cap += *p == ',';
	char **v = calloc(cap, sizeof *v);
	if (copy == NULL || v == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	*n = 0;
	for (char *tok = strtok(copy, ","); tok != NULL; tok = strtok(NULL, ","))
		v[(*n)++] = tok;
	if (*n == 0)
		flo_usage_error("option --keep: no field names in \"%s\"", arg);
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ID = 256, OPT_DATE, OPT_AMOUNT, OPT_ORDER_ID, OPT_KEEP, OPT_AS_OF,
	       OPT_HOLDOUT, OPT_UNIT, OPT_OCCASION, OPT_FREQUENCY, OPT_CAP,
	       OPT_ORDERS, OPT_SUMMARY, OPT_DB, OPT_INCREMENTAL,
	       OPT_DUMP, OPT_EMIT, OPT_COMMIT_EVERY, OPT_NO_SYNC, OPT_TIMINGS };
	static const struct option longopts[] = {
		{"output-format", required_argument, NULL, 'o'},
		{"orders", no_argument, NULL, OPT_ORDERS},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"id", required_argument, NULL, OPT_ID},
		{"date", required_argument, NULL, OPT_DATE},
		{"amount", required_argument, NULL, OPT_AMOUNT},
		{"order-id", required_argument, NULL, OPT_ORDER_ID},
		{"keep", required_argument, NULL, OPT_KEEP},
		{"as-of", required_argument, NULL, OPT_AS_OF},
		{"holdout-end", required_argument, NULL, OPT_HOLDOUT},
		{"unit", required_argument, NULL, OPT_UNIT},
		{"occasion", required_argument, NULL, OPT_OCCASION},
		{"frequency", required_argument, NULL, OPT_FREQUENCY},
		{"cap-outliers", no_argument, NULL, OPT_CAP},
		{"db", required_argument, NULL, OPT_DB},
		{"incremental", no_argument, NULL, OPT_INCREMENTAL},
		{"dump", no_argument, NULL, OPT_DUMP},
		{"emit", required_argument, NULL, OPT_EMIT},
		{"commit-every", required_argument, NULL, OPT_COMMIT_EVERY},
		{"no-sync", no_argument, NULL, OPT_NO_SYNC},
		{"timings", no_argument, NULL, OPT_TIMINGS},
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	o->unit = "week";
	o->commit_every = 10000;
	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage};
	int c;
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ORDERS: o->kind = KIND_ORDERS; break;
		case OPT_SUMMARY: o->kind = KIND_SUMMARY; break;
		case OPT_ID: o->id = optarg; break;
		case OPT_DATE: o->date = optarg; break;
		case OPT_AMOUNT: o->amount = optarg; break;
		case OPT_ORDER_ID: o->order_id = optarg; break;
		case OPT_KEEP: free(o->keep), free(o->keep_text);
			o->keep = split_list(optarg, &o->nkeep, &o->keep_text); break;
		case OPT_AS_OF:
			o->cfg.as_of = flo_opt_day("--as-of", optarg);
			o->cfg.has_as_of = 1;
			break;
		case OPT_HOLDOUT:
			o->cfg.holdout_end = flo_opt_day("--holdout-end", optarg);
			o->cfg.has_holdout = 1;
			break;
		case OPT_UNIT: o->unit = optarg; o->unit_given = 1; break;
		case OPT_OCCASION:
			if (strcmp(optarg, "day") != 0 && strcmp(optarg, "order") != 0)
				flo_usage_error("option --occasion: expected day or order: \"%s\"",
						optarg);
			o->cfg.per_order = strcmp(optarg, "order") == 0;
			o->occasion_given = 1;
			break;
		case OPT_FREQUENCY:
			if (strcmp(optarg, "repeat") != 0 && strcmp(optarg, "total") != 0)
				flo_usage_error("option --frequency: expected repeat or total: \"%s\"",
						optarg);
			o->cfg.freq_total = strcmp(optarg, "total") == 0;
			o->frequency_given = 1;
			break;
		case OPT_CAP: o->cap_outliers = 1; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_INCREMENTAL: o->incremental = 1; break;
		case OPT_DUMP: o->dump = 1; break;
		case OPT_EMIT:
			if (strcmp(optarg, "order") != 0 && strcmp(optarg, "batch") != 0)
				flo_usage_error("option --emit: expected order or batch: \"%s\"",
						optarg);
			o->emit = strcmp(optarg, "batch") == 0 ? FLO_EMIT_BATCH : FLO_EMIT_ORDER;
			break;
		case OPT_COMMIT_EVERY:
			o->commit_every = flo_opt_long("--commit-every", optarg, 1, 100000000);
			break;
		case OPT_NO_SYNC: o->no_sync = 1; break;
		case OPT_TIMINGS: o->timings = 1; break;
		default:
			if (!flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_one_input(argc, argv);
	if (flo_unit_days(o->unit, &o->cfg.unit_days) != FLO_OK)
		flo_usage_error("option --unit: expected day, week or month: \"%s\"", o->unit);
	if (o->cfg.has_holdout && !o->cfg.has_as_of)
		flo_usage_error("--holdout-end needs --as-of");
	if (o->cfg.has_holdout && o->cfg.holdout_end <= o->cfg.as_of)
		flo_usage_error("--holdout-end must be after --as-of");
	o->cfg.nkeep = o->nkeep;
	o->cfg.order_ids = o->order_id != NULL;
	o->bad.input_name = flo_input_name(o->path);
	if (o->db != NULL && !o->dump)
		o->incremental = 1;
	if (o->dump && o->incremental)
		flo_usage_error("--dump reads the store, --incremental writes it: use one");
	if (o->dump && o->path != NULL)
		flo_usage_error("--dump reads no input (got \"%s\")", o->path);
	if (!o->dump && !o->incremental) {
		if (o->emit != FLO_EMIT_ORDER || o->no_sync || o->commit_every != 10000)
			flo_usage_error("--emit, --commit-every and --no-sync need the store "
					"(--db PATH or --incremental)");
		return;
	}
	if (o->db == NULL)
		o->db = getenv("FLO_DB");
	if (o->db == NULL || o->db[0] == '\0')
		o->db = "flo.lmdb";
	if (o->cap_outliers)
		flo_usage_error("--cap-outliers applies to customer summaries, not to the store");
}

/* ---- field names ---- */

static int has_field(const struct flo_field *f, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (f[i].name_len == len && memcmp(f[i].name, name, len) == 0)
			return 1;
	return 0;
}

/* The first candidate present, matching case-insensitively; the name as the
 * input spells it. */
static char *pick_field(const struct flo_field *f, size_t n,
			      const char *const *candidates)
{
	for (const char *const *c = candidates; *c; c++) {
		size_t len = strlen(*c);
		for (size_t i = 0; i < n; i++)
			if (f[i].name_len == len && strncasecmp(f[i].name, *c, len) == 0)
				return strndup(f[i].name, len);
	}
	return NULL;
}

/* A field named on the command line must be in a CSV or TSV header; JSON
 * records may each differ, so there a missing field is a bad record. */
static const char *resolve(const char *given, const struct flo_field *f, size_t n,
			   enum flo_format fmt, const char *const *candidates,
			   const char *what, const char *option, char **owned)
{
	if (given != NULL) {
		if (fmt != FLO_FMT_JSONL && !has_field(f, n, given))
			flo_die(FLO_EXIT_DATAERR, "no field \"%s\" (%s) in the input", given, what);
		return given;
	}
	char *name = *owned = pick_field(f, n, candidates);
	if (name == NULL)
		flo_die(FLO_EXIT_DATAERR,
			"no %s field in the input (tried %s, ...); name it with %s", what,
			candidates[0], option);
	return name;
}

static int is_summary(const struct flo_field *f, size_t n)
{
	for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
		if (!has_field(f, n, flo_custsum_columns[k]))
			return 0;
	return 1;
}

/* ---- output ---- */

struct output {
	flo_writer *w;
	const struct options *o;
	int holdout;
	enum flo_format fmt;
};

/* One summary into out's writer: what flo_writer_end() returns. */
static int format_summary(struct output *out, const struct flo_summary *s)
{
	flo_writer *w = out->w;
	flo_writer_str(w, "customer_id", s->id, s->id_len);
	flo_writer_num(w, "frequency", s->frequency);
	flo_writer_num(w, "recency", s->recency);
	flo_writer_num(w, "T", s->T);
	flo_writer_num(w, "monetary", s->monetary);
	flo_writer_num(w, "orders", s->orders);
	flo_writer_num(w, "revenue", s->revenue);
	flo_writer_day(w, "first_order", s->first_order);
	flo_writer_day(w, "last_order", s->last_order);
	if (out->holdout) {
		flo_writer_num(w, "holdout_purchases", s->holdout_purchases);
		flo_writer_num(w, "holdout_value", s->holdout_value);
	}
	for (size_t i = 0; i < out->o->nkeep; i++) {
		struct flo_field f = s->kept[i];
		f.name = out->o->keep[i];
		f.name_len = strlen(f.name);
		flo_writer_field(w, &f);
	}
	return flo_writer_end(w);
}

static void die_writing(flo_writer *w, int err)
{
	if (err == FLO_EIO)
		flo_finish_output(w); /* reports and exits */
	flo_die(flo_exit_status(err), "%s", flo_writer_errmsg(w));
}

static void write_summary(void *ctx, const struct flo_summary *s)
{
	struct output *out = ctx;
	int err = format_summary(out, s);
	if (err != FLO_OK)
		die_writing(out->w, err);
}

/* Summaries are formatted on two threads when there are many (formatting
 * 943,000 took 0.31 s on one): the helper formats the next block into
 * memory while this thread formats its block straight into the output and
 * then appends the helper's.  The output is the same, in id order. */
#define OUT_BLOCK 16384
#define OUT_PARALLEL_MIN (4 * OUT_BLOCK)

struct out_part {
	const flo_rfm *agg;
	const uint32_t *order;
	size_t lo, hi, holdout_only;
	struct output out; /* its writer a memory writer */
	int err;           /* the first formatting error, its message in the writer */
};

static void part_summary(void *ctx, const struct flo_summary *s)
{
	struct out_part *part = ctx;
	int err = format_summary(&part->out, s);
	if (part->err == FLO_OK)
		part->err = err;
}

static void format_part(void *arg)
{
	struct out_part *part = arg;
	int err = flo_rfm_each_range(part->agg, part->order, part->lo, part->hi, part_summary,
				     part, &part->holdout_only);
	if (part->err == FLO_OK)
		part->err = err;
}

/* Summaries of order[lo..hi) straight into the output. */
static void write_range(const flo_rfm *agg, const uint32_t *order, size_t lo, size_t hi,
			struct output *out, size_t *holdout_only)
{
	if (flo_rfm_each_range(agg, order, lo, hi, write_summary, out, holdout_only) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
}

/* The summaries in id order; *sorted gets the time the order was known. */
static void write_summaries(const flo_rfm *agg, struct output *out, size_t *holdout_only,
			    double *sorted)
{
	size_t n = flo_rfm_customers(agg);
	uint32_t *order = flo_rfm_order(agg);
	if (order == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	*sorted = flo_ms_now();
	*holdout_only = 0;
	struct flo_pool *pool = n >= OUT_PARALLEL_MIN ? flo_pool_start() : NULL;
	struct out_part part = {agg, order, 0, 0, 0, *out, FLO_OK};
	if (pool != NULL && flo_writer_new_memory(&part.out.w, out->fmt) != FLO_OK) {
		flo_pool_stop(pool);
		pool = NULL;
	}
	if (pool == NULL) {
		write_range(agg, order, 0, n, out, holdout_only);
		free(order);
		return;
	}
	for (size_t lo = 0; lo < n; lo += 2 * OUT_BLOCK) {
		size_t mid = n - lo > OUT_BLOCK ? lo + OUT_BLOCK : n;
		size_t hi = n - mid > OUT_BLOCK ? mid + OUT_BLOCK : n;
		part.lo = mid, part.hi = hi;
		if (mid < hi)
			flo_pool_submit(pool, format_part, &part);
		write_range(agg, order, lo, mid, out, holdout_only);
		if (mid == hi)
			break;
		flo_pool_wait(pool);
		if (part.err != FLO_OK)
			flo_die(flo_exit_status(part.err), "%s", part.err == FLO_ENOMEM ?
				"out of memory" : flo_writer_errmsg(part.out.w));
		int err = flo_writer_append(out->w, part.out.w);
		if (err != FLO_OK)
			die_writing(out->w, err);
	}
	*holdout_only += part.holdout_only;
	flo_pool_stop(pool);
	flo_writer_close(part.out.w);
	free(order);
}

/* ---- reading ---- */

/* A bad record: with the store, the orders before it are committed first
 * when it stops the run. */
static void reject(struct options *o, const flo_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct options *o, const flo_reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!o->bad.skip && o->before_stop != NULL)
		o->before_stop(o->before_stop_ctx);
	flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "%s", msg);
}

struct fields {
	struct flo_col id, date, amount, order_id;
	char *picked[3]; /* names found among the defaults, owned */
	struct flo_col *keep;
	struct flo_col cs[FLO_CS_NCOLUMNS];
	struct flo_field *keep_vals;
};

static int present(const struct flo_field *f)
{
	return f != NULL && f->kind != FLO_KIND_NULL;
}

/* The field, or a bad-record report (then NULL). */
static const struct flo_field *need(struct options *o, flo_reader *r, struct flo_col *col)
{
	const struct flo_field *f = flo_reader_get(r, col);
	if (!present(f)) {
		reject(o, r, "missing field \"%s\"", col->name);
		return NULL;
	}
	return f;
}

/* The kept values, into fl->keep_vals; with JSON output, a record whose id
 * or kept values are not UTF-8 is refused here, with its line, rather than
 * when the summaries are written (then 0). */
static int get_keep(struct options *o, flo_reader *r, const struct flo_field *id,
		    struct fields *fl)
{
	static const struct flo_field null_field = {"", 0, "", 0, FLO_KIND_NULL};
	for (size_t i = 0; i < o->nkeep; i++) {
		const struct flo_field *f = flo_reader_get(r, &fl->keep[i]);
		fl->keep_vals[i] = f ? *f : null_field;
	}
	char msg[512];
	if (o->json_out && (flo_not_utf8(id, 1, msg, sizeof msg) ||
			    flo_not_utf8(fl->keep_vals, o->nkeep, msg, sizeof msg))) {
		reject(o, r, "%s", msg);
		return 0;
	}
	return 1;
}

static int get_date(struct options *o, flo_reader *r, const struct flo_field *f,
		    int64_t *t)
{
	int err = flo_parse_time(f->val, f->len, t);
	if (err == FLO_OK)
		return 1;
	reject(o, r, "field \"%.*s\" %s: \"%s\"", (int)f->name_len, f->name,
	       err == FLO_ERANGE ? "is a date outside 1900..9999" : "is not a date",
	       flo_quote(f->val, f->len));
	return 0;
}

static int get_number(struct options *o, flo_reader *r, const struct flo_field *f,
		      double *v, int count)
{
	int err = count ? flo_parse_count(f->val, f->len, v)
			: flo_parse_double(f->val, f->len, v);
	if (err == FLO_OK)
		return 1;
	const char *what = err == FLO_ERANGE   ? "is out of range"
			   : err == FLO_EVALUE ? "is not a whole non-negative count"
					       : "is not a number";
	reject(o, r, "field \"%.*s\" %s: \"%s\"", (int)f->name_len, f->name, what,
	       flo_quote(f->val, f->len));
	return 0;
}

/* The current record as an order (kept values in fl->keep_vals), or a
 * bad-record report (then 0). */
static int read_order(struct options *o, flo_reader *r, struct fields *fl,
		      struct flo_custdb_order *ord)
{
	const struct flo_field *id = need(o, r, &fl->id), *date, *amount,
			       *order_id = NULL;
	if (id == NULL || (date = need(o, r, &fl->date)) == NULL ||
	    (amount = need(o, r, &fl->amount)) == NULL)
		return 0;
	if (o->order_id != NULL && (order_id = need(o, r, &fl->order_id)) == NULL)
		return 0;
	if (id->len == 0) {
		reject(o, r, "field \"%s\" is empty", fl->id.name);
		return 0;
	}
	/* What the store's keys cannot be. */
	if (o->incremental && (id->len > FLO_CUSTDB_ID_MAX || id->val[0] == '\0')) {
		reject(o, r, "field \"%s\" %s: \"%s\"", fl->id.name,
		       id->val[0] ? "is longer than the store's 511 bytes"
				  : "starts with a NUL byte",
		       flo_quote(id->val, id->len));
		return 0;
	}
	if (!get_date(o, r, date, &ord->time) || !get_number(o, r, amount, &ord->amount, 0) ||
	    !get_keep(o, r, id, fl))
		return 0;
	ord->id = id->val;
	ord->id_len = id->len;
	ord->order_id = order_id ? order_id->val : NULL;
	ord->order_id_len = order_id ? order_id->len : 0;
	ord->keep = fl->keep_vals;
	return 1;
}

/* Where the order fields are, when the records can be scanned on a thread
 * per part of the customers (orderscan.h): CSV or TSV, no --keep or
 * --order-id, two threads or more. */
static int scan_layout(const struct options *o, const flo_reader *r, struct fields *fl,
		       struct flo_orderscan_layout *lay)
{
	enum flo_format fmt = flo_reader_format(r);
	if ((fmt != FLO_FMT_CSV && fmt != FLO_FMT_TSV) || o->cfg.nkeep > 0 ||
	    o->cfg.order_ids || o->cfg.parts < 2)
		return 0;
	/* A CSV or TSV record's fields are the header's, in its order. */
	size_t n;
	const struct flo_field *all = flo_reader_fields(r, &n);
	struct flo_col *cols[3] = {&fl->id, &fl->date, &fl->amount};
	size_t at[3];
	for (int k = 0; k < 3; k++) {
		const struct flo_field *f = flo_reader_get(r, cols[k]);
		if (f == NULL)
			return 0;
		at[k] = (size_t)(f - all);
	}
	*lay = (struct flo_orderscan_layout){fmt, n, at[0], at[1], at[2], o->json_out};
	return 1;
}

/* The common case (no --keep, no --order-id) through a feed (rfmfeed.h):
 * parsing and folding in overlap. */
static void read_orders_fed(struct options *o, flo_reader *r, struct fields *fl,
			    flo_rfm_feed *feed)
{
	struct flo_custdb_order ord;
	if (!read_order(o, r, fl, &ord))
		return;
	int err = flo_rfm_feed_add(feed, ord.id, ord.id_len, ord.time, ord.amount);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_strerror(err));
}

static void read_orders(struct options *o, flo_reader *r, struct fields *fl, flo_rfm *agg,
		long counts[4])
{
	struct flo_custdb_order ord;
	if (!read_order(o, r, fl, &ord))
		return;
	enum flo_order_fate fate;
	int err = flo_rfm_add(agg, ord.id, ord.id_len, ord.time, ord.amount, ord.order_id,
			      ord.order_id_len, ord.keep, &fate);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_strerror(err));
	counts[fate]++;
}

static void read_summary(struct options *o, flo_reader *r, struct fields *fl,
			 flo_custsum *cs)
{
	const struct flo_field *id = need(o, r, &fl->id), *f[FLO_CS_NCOLUMNS];
	if (id == NULL)
		return;
	for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
		if ((f[k] = need(o, r, &fl->cs[k])) == NULL)
			return;
	if (id->len == 0) {
		reject(o, r, "field \"%s\" is empty", fl->id.name);
		return;
	}
	int64_t first, last;
	double cv[4];
	if (!get_date(o, r, f[FLO_CS_FIRST], &first) || !get_date(o, r, f[FLO_CS_LAST], &last))
		return;
	for (int k = 0; k < 4; k++) {
		const struct flo_field *x = f[FLO_CS_ORDERS_ONLINE + k];
		if (!get_number(o, r, x, &cv[k], k < 2))
			return;
		if (cv[k] < 0) {
			reject(o, r, "field \"%s\" is negative: \"%s\"",
			       flo_custsum_columns[FLO_CS_ORDERS_ONLINE + k],
			       flo_quote(x->val, x->len));
			return;
		}
	}
	if (last < first) {
		reject(o, r, "last_order_date \"%s\" is before first_order_date",
		       flo_quote(f[FLO_CS_LAST]->val, f[FLO_CS_LAST]->len));
		return;
	}
	if (cv[0] + cv[1] < 1) {
		reject(o, r, "no orders (order_num_total_ever_online + _offline is 0)");
		return;
	}
	if (!get_keep(o, r, id, fl))
		return;
	int err = flo_custsum_add(cs, id->val, id->len, (int32_t)(first / 86400),
				  (int32_t)(last / 86400), cv, fl->keep_vals);
	if (err == FLO_EVALUE)
		reject(o, r, "customer \"%s\" appears twice", flo_quote(id->val, id->len));
	else if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_strerror(err));
}

static void setup_fields(struct options *o, const struct flo_field *f, size_t n,
			 enum flo_format fmt, struct fields *fl)
{
	if (o->kind == KIND_SUMMARY) {
		for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
			if (!has_field(f, n, flo_custsum_columns[k]))
				flo_die(FLO_EXIT_DATAERR,
					"--summary: no field \"%s\" in the input",
					flo_custsum_columns[k]);
		fl->id = FLO_COL(resolve(o->id, f, n, fmt, summary_id_names, "customer id", "--id",
					      &fl->picked[0]));
		for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
			fl->cs[k] = FLO_COL(flo_custsum_columns[k]);
	} else {
		fl->id = FLO_COL(resolve(o->id, f, n, fmt, id_names, "customer id", "--id",
					      &fl->picked[0]));
		fl->date = FLO_COL(resolve(o->date, f, n, fmt, date_names, "order date", "--date",
						&fl->picked[1]));
		fl->amount = FLO_COL(resolve(o->amount, f, n, fmt, amount_names, "order value",
					     "--amount", &fl->picked[2]));
		if (o->order_id != NULL)
			fl->order_id = FLO_COL(resolve(o->order_id, f, n, fmt, NULL, "order id",
						       "--order-id", NULL));
	}
	fl->keep = calloc(o->nkeep ? o->nkeep : 1, sizeof *fl->keep);
	fl->keep_vals = calloc(o->nkeep ? o->nkeep : 1, sizeof *fl->keep_vals);
	if (fl->keep == NULL || fl->keep_vals == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < o->nkeep; i++) {
		/* JSON records may differ; CSV and TSV name their columns once. */
		if (fmt != FLO_FMT_JSONL && !has_field(f, n, o->keep[i]))
			flo_die(FLO_EXIT_DATAERR, "no field \"%s\" (--keep) in the input",
				o->keep[i]);
		fl->keep[i] = FLO_COL(o->keep[i]);
	}
}

/* ---- the store ---- */

/* The store, its conventions and the engine over it, closed at exit on
 * every path, an error's included: an open batch is dropped, a --no-sync
 * store flushed to the disk, the writer lock released. */
static flo_store *the_store;
static struct flo_custdb_settings the_settings;
static flo_custdb *the_engine;

static void close_store(void)
{
	flo_custdb_free(the_engine);
	the_engine = NULL;
	flo_store_close(the_store);
	the_store = NULL;
	flo_custdb_settings_free(&the_settings);
}

static flo_store *open_store(const struct options *o, int mode)
{
	char err[FLO_STORE_ERRMAX];
	struct flo_store_options so = {0, o->no_sync};
	int rc = flo_store_open(&the_store, o->db, mode, &so, err, sizeof err);
	if (rc == FLO_ENOTFOUND)
		flo_die(FLO_EXIT_NOINPUT, "%s", err);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s", err);
	atexit(close_store);
	return the_store;
}

static _Noreturn void conflict(const struct options *o, const char *stored, const char *given)
{
	flo_usage_error("%s: the store's customer states were made with %s, not %s: mixing "
			"the two would corrupt the summaries (use another store)",
			o->db, stored, given);
}

/* "--keep a,b" (or "no --keep") into buf, cut short if need be. */
static const char *keep_list(char *buf, size_t size, char **keep, size_t n)
{
	size_t len = (size_t)snprintf(buf, size, n ? "--keep " : "no --keep");
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", keep[i]);
	return buf;
}

/* The conventions the store's states follow: those it recorded, which the
 * options may repeat but not change, or, for a store without states, the
 * options' (recorded with the first batch).  Options left out take the
 * store's values.  Returns 0 when the store holds no states. */
static int settle_conventions(struct options *o, flo_store *s, struct flo_custdb_settings *set)
{
	char err[FLO_STORE_ERRMAX], a[600], b[600];
	int rc = flo_custdb_read_settings(s, set, err, sizeof err);
	if (rc == FLO_ENOTFOUND) {
		memset(set, 0, sizeof *set);
		snprintf(set->unit, sizeof set->unit, "%s", o->unit);
		set->per_order = o->cfg.per_order;
		set->freq_total = o->cfg.freq_total;
		set->order_id = o->order_id ? strdup(o->order_id) : NULL;
		set->keep = calloc(o->nkeep ? o->nkeep : 1, sizeof *set->keep);
		if ((o->order_id && !set->order_id) || !set->keep)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		/* The store keeps names one to a line. */
		if (o->order_id && strchr(o->order_id, '\n'))
			flo_usage_error("option --order-id: a field name with a newline cannot "
					"be recorded in the store");
		for (size_t i = 0; i < o->nkeep; i++) {
			if (strchr(o->keep[i], '\n'))
				flo_usage_error("option --keep: a field name with a newline cannot "
						"be recorded in the store");
			if ((set->keep[i] = strdup(o->keep[i])) == NULL)
				flo_die(FLO_EXIT_SOFTWARE, "out of memory");
			set->nkeep++;
		}
		return 0;
	}
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s: %s", o->db, err);
	if (o->unit_given && strcmp(o->unit, set->unit) != 0) {
		snprintf(a, sizeof a, "--unit %s", set->unit);
		snprintf(b, sizeof b, "--unit %s", o->unit);
		conflict(o, a, b);
	}
	if (o->occasion_given && o->cfg.per_order != set->per_order)
		conflict(o, set->per_order ? "--occasion order" : "--occasion day",
			 o->cfg.per_order ? "--occasion order" : "--occasion day");
	if (o->frequency_given && o->cfg.freq_total != set->freq_total)
		conflict(o, set->freq_total ? "--frequency total" : "--frequency repeat",
			 o->cfg.freq_total ? "--frequency total" : "--frequency repeat");
	if (o->order_id != NULL &&
	    (set->order_id == NULL || strcmp(o->order_id, set->order_id) != 0)) {
		if (set->order_id != NULL)
			snprintf(a, sizeof a, "--order-id %.500s", set->order_id);
		else
			snprintf(a, sizeof a, "no --order-id");
		snprintf(b, sizeof b, "--order-id %.500s", o->order_id);
		conflict(o, a, b);
	}
	int same = o->nkeep == set->nkeep;
	for (size_t i = 0; same && i < o->nkeep; i++)
		same = strcmp(o->keep[i], set->keep[i]) == 0;
	if (o->keep != NULL && !same)
		conflict(o, keep_list(a, sizeof a, set->keep, set->nkeep),
			 keep_list(b, sizeof b, o->keep, o->nkeep));
	o->unit = set->unit;
	flo_unit_days(o->unit, &o->cfg.unit_days);
	o->cfg.per_order = set->per_order;
	o->cfg.freq_total = set->freq_total;
	o->order_id = set->order_id;
	o->cfg.order_ids = o->order_id != NULL;
	if (o->keep == NULL) {
		o->keep = set->keep;
		o->nkeep = o->cfg.nkeep = set->nkeep;
	}
	return 1;
}

static void warn_left_out(const struct options *o, size_t late, size_t holdout_only,
			  int32_t as_of, const char *what)
{
	char day[16];
	flo_format_day(day, as_of);
	if (late > 0)
		flo_warn("%zu order%s after %s %s", late, late == 1 ? "" : "s",
			 o->cfg.has_holdout ? "--holdout-end" : day, what);
	if (holdout_only > 0)
		flo_warn("%zu customer%s whose first order is after %s left out", holdout_only,
			 holdout_only == 1 ? "" : "s", day);
}

/* flo-rfm --dump: every stored customer, from one snapshot of the store. */
static _Noreturn void run_dump(struct options *o)
{
	flo_store *s = open_store(o, FLO_STORE_READ);
	int stored = settle_conventions(o, s, &the_settings);
	flo_writer *w;
	if (flo_writer_new(&w, STDOUT_FILENO, o->out_fmt ? o->out_fmt : FLO_FMT_CSV) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	flo_cli_set_output(w);
	struct output out = {w, o, o->cfg.has_holdout, o->out_fmt ? o->out_fmt : FLO_FMT_CSV};
	struct flo_custdb_counts counts = {0};
	char err[FLO_STORE_ERRMAX];
	if (!stored) {
		flo_warn("%s: no customers stored", o->db);
	} else {
		int rc = flo_custdb_dump(s, o->db, &o->cfg, write_summary, &out, &counts, err,
					 sizeof err);
		if (rc != FLO_OK)
			flo_die(flo_exit_status(rc), "%s", err);
	}
	if (counts.has_as_of)
		warn_left_out(o, counts.late, counts.holdout_only, counts.as_of, "left out");
	flo_finish_output(w);
	if (o->keep_text == NULL)
		o->keep = NULL; /* the store's list */
	free(o->keep);
	free(o->keep_text);
	exit(0);
}

struct live {
	flo_custdb *db;
	flo_writer *w;
	struct output *out;
	int fd;
};

static void commit(struct live *l)
{
	int rc = flo_custdb_commit(l->db, write_summary, l->out);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s", flo_custdb_errmsg(l->db));
}

/* Before the reader blocks: commit the batch and send its records on when
 * nothing more is waiting, so that each reaches the next tool at once while
 * a log that streams in fast still costs one commit per many orders. */
static void on_refill(void *ctx)
{
	struct live *l = ctx;
	struct pollfd p = {l->fd, POLLIN, 0};
	if (poll(&p, 1, 0) > 0)
		return;
	commit(l);
	flo_writer_flush(l->w);
}

static void before_stop(void *ctx)
{
	commit(ctx);
}

/* flo-rfm --db: fold each order into its stored customer. */
static void run_incremental(struct options *o, flo_store *s, struct flo_custdb_settings *set,
			    flo_reader *r, int fd, int got, struct fields *fl, struct output *out)
{
	struct live l = {NULL, out->w, out, fd};
	long counts[4] = {0};
	int rc = flo_custdb_new(&the_engine, s, o->db, set, &o->cfg, o->emit);
	l.db = the_engine;
	if (rc == FLO_ENOMEM)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s: cannot read the store's settings", o->db);
	flo_cli_set_output(out->w);
	o->before_stop = before_stop;
	o->before_stop_ctx = &l;
	flo_reader_on_refill(r, on_refill, &l);
	for (; got != 0; got = flo_reader_next(r)) {
		struct flo_custdb_order ord;
		enum flo_order_fate fate;
		if (got < 0) {
			if (!o->bad.skip || flo_reader_fatal(r))
				commit(&l);
			flo_reader_failed(&o->bad, r, got);
			continue;
		}
		if (!read_order(o, r, fl, &ord))
			continue;
		if ((rc = flo_custdb_add(l.db, &ord, &fate)) != FLO_OK)
			flo_die(flo_exit_status(rc), "%s", flo_custdb_errmsg(l.db));
		counts[fate]++;
		if (flo_custdb_pending(l.db) >= (size_t)o->commit_every)
			commit(&l);
	}
	commit(&l);
	flo_bad_finish(&o->bad);
	if (counts[FLO_ORDER_REPEATED] > 0)
		flo_warn("%ld order%s with an order id seen before ignored",
			 counts[FLO_ORDER_REPEATED], counts[FLO_ORDER_REPEATED] == 1 ? "" : "s");
	warn_left_out(o, (size_t)counts[FLO_ORDER_LATE], 0, flo_custdb_as_of(l.db),
		      "stored, in no record");
}

int main(int argc, char **argv)
{
	struct options o = {0};
	flo_cli_init("flo-rfm");
	parse_options(argc, argv, &o);

	flo_store *store = NULL;
	if (o.dump)
		run_dump(&o);
	/* Before any input: a store in use fails at once, not after a wait. */
	if (o.incremental) {
		store = open_store(&o, FLO_STORE_WRITE);
		settle_conventions(&o, store, &the_settings);
	}

	int fd = flo_open_input(o.path);
	flo_reader *r;
	if (flo_reader_new(&r, fd, o.in_fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");

	int got;
	while ((got = flo_reader_next(r)) < 0)
		flo_reader_failed(&o.bad, r, got);
	enum flo_format fmt = flo_reader_format(r);
	size_t n;
	const struct flo_field *f = got ? flo_reader_fields(r, &n) : flo_reader_header(r, &n);
	if (got == 0 && n == 0)
		flo_die(FLO_EXIT_DATAERR, "%s is empty", o.bad.input_name);
	if (o.kind == KIND_DETECT)
		o.kind = is_summary(f, n) ? KIND_SUMMARY : KIND_ORDERS;
	if (o.kind == KIND_SUMMARY && o.incremental)
		flo_usage_error("the store folds order records, not customer summaries");
	if (o.kind == KIND_SUMMARY && o.cfg.has_holdout)
		flo_usage_error("--holdout-end needs order records, not customer summaries");
	if (o.kind == KIND_SUMMARY && (o.cfg.per_order || o.order_id))
		flo_usage_error("--occasion and --order-id need order records, not customer summaries");
	if (o.kind == KIND_ORDERS && o.cap_outliers)
		flo_usage_error("--cap-outliers applies to customer summaries, not order records");

	struct fields fl = {0};
	setup_fields(&o, f, n, fmt, &fl);

	flo_writer *w;
	enum flo_format out_fmt = o.out_fmt ? o.out_fmt : fmt;
	o.json_out = out_fmt == FLO_FMT_JSONL;
	if (flo_writer_new(&w, STDOUT_FILENO, out_fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	struct output out = {w, &o, o.cfg.has_holdout, out_fmt};

	if (o.incremental) {
		run_incremental(&o, store, &the_settings, r, fd, got, &fl, &out);
	} else if (o.kind == KIND_ORDERS) {
		flo_rfm *agg;
		long counts[4] = {0};
		/* A part of the customers a thread, up to 8 (a power of two). */
		for (o.cfg.parts = 1; o.cfg.parts < FLO_RFM_MAX_PARTS &&
				      2 * o.cfg.parts <= (unsigned)flo_usable_cpus();)
			o.cfg.parts *= 2;
		if (flo_rfm_new(&agg, &o.cfg) != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		double t_start = flo_ms_now(), t_read, t_sorted;
		long scanned = 0;
		struct flo_orderscan_layout lay;
		if (got > 0 && scan_layout(&o, r, &fl, &lay)) {
			/* The first record as any other; the rest on a thread a
			 * part as long as the lines are plain and good. */
			read_orders(&o, r, &fl, agg, counts);
			long before = counts[0] + counts[1] + counts[2] + counts[3];
			int done, err = flo_orderscan(r, fd, agg, &lay, counts, &done);
			if (err != FLO_OK)
				flo_die(flo_exit_status(err), "%s", flo_strerror(err));
			scanned = counts[0] + counts[1] + counts[2] + counts[3] - before;
			got = done ? 0 : flo_reader_next(r);
		}
		flo_rfm_feed *feed = NULL;
		if (o.cfg.nkeep == 0 && !o.cfg.order_ids &&
		    flo_rfm_feed_new(&feed, agg, flo_usable_cpus() > 1) != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		for (; got != 0; got = flo_reader_next(r)) {
			if (got < 0)
				flo_reader_failed(&o.bad, r, got);
			else if (feed != NULL)
				read_orders_fed(&o, r, &fl, feed);
			else
				read_orders(&o, r, &fl, agg, counts);
		}
		int err = feed != NULL ? flo_rfm_feed_finish(feed, counts) : FLO_OK;
		if (err != FLO_OK)
			flo_die(flo_exit_status(err), "%s", flo_strerror(err));
		flo_bad_finish(&o.bad);
		t_read = flo_ms_now();
		size_t holdout_only;
		write_summaries(agg, &out, &holdout_only, &t_sorted);
		if (o.timings)
			flo_warn("timings: %.1f ms reading %ld orders (%ld of them on %u thread%s), "
				 "%.1f ms sorting %zu customers by id, %.1f ms writing them; "
				 "%.1f ms in all; %.0f bytes held per customer", t_read - t_start,
				 counts[0] + counts[1] + counts[2] + counts[3], scanned, o.cfg.parts,
				 o.cfg.parts == 1 ? "" : "s",
				 t_sorted - t_read, flo_rfm_customers(agg), flo_ms_now() - t_sorted,
				 flo_ms_now() - t_start, flo_rfm_bytes_per_customer(agg));
		char day[16];
		flo_format_day(day, flo_rfm_as_of(agg));
		if (counts[FLO_ORDER_LATE] > 0)
			flo_warn("%ld order%s after %s left out", counts[FLO_ORDER_LATE],
				 counts[FLO_ORDER_LATE] == 1 ? "" : "s",
				 o.cfg.has_holdout ? "--holdout-end" : day);
		if (counts[FLO_ORDER_REPEATED] > 0)
			flo_warn("%ld order%s with an order id seen before ignored",
				 counts[FLO_ORDER_REPEATED],
				 counts[FLO_ORDER_REPEATED] == 1 ? "" : "s");
		if (holdout_only > 0)
			flo_warn("%zu customer%s whose first order is after %s left out",
				 holdout_only, holdout_only == 1 ? "" : "s", day);
		flo_rfm_free(agg);
	} else {
		flo_custsum *cs;
		if (flo_custsum_new(&cs, &o.cfg) != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		for (; got != 0; got = flo_reader_next(r)) {
			if (got < 0)
				flo_reader_failed(&o.bad, r, got);
			else
				read_summary(&o, r, &fl, cs);
		}
		flo_bad_finish(&o.bad);
		if (o.cap_outliers) {
			double limits[4];
			flo_custsum_cap_outliers(cs, limits);
		}
		size_t after;
		const char *bad_id;
		size_t bad_len;
		if (flo_custsum_each(cs, write_summary, &out, &after, &bad_id, &bad_len) != FLO_OK)
			flo_die(FLO_EXIT_DATAERR,
				"customer \"%s\": last_order_date is after the --as-of date",
				flo_quote(bad_id, bad_len));
		if (after > 0)
			flo_warn("%zu customer%s whose first order is after --as-of left out",
				 after, after == 1 ? "" : "s");
		flo_custsum_free(cs);
	}
	flo_reader_free(r);
	flo_finish_output(w);
	for (int i = 0; i < 3; i++)
		free(fl.picked[i]);
	free(fl.keep);
	free(fl.keep_vals);
	if (o.keep_text == NULL)
		o.keep = NULL; /* the store's list */
	free(o.keep);
	free(o.keep_text);
	return 0;
}
