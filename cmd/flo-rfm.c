/* flo-rfm: order records (or FLO customer summaries) to one RFM summary
 * record per customer. */
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/date.h"
#include "base/datefmt.h"
#include "base/err.h"
#include "base/pool.h"
#include "base/quote.h"
#include "base/unit.h"
#include "common/cli.h"
#include "common/list.h"
#include "common/read.h"
#include "common/xalloc.h"
#include "record/reader.h"
#include "record/writer.h"
#include "rfm/custsum.h"
#include "rfm/ingest.h"
#include "rfm/rfm.h"
#include "store/custdb.h"
#include "store/store.h"

static const char usage[] =
"usage: flo-rfm [options] [file...]\n"
"\n"
"Summarise order records (one per order) into one RFM record per customer:\n"
"customer_id, frequency, recency, T, monetary, orders, revenue, first_order,\n"
"last_order [, unit] [, holdout_purchases, holdout_value, duration_holdout]\n"
"[, kept fields].  Several files are read as one input, each CSV or TSV file\n"
"with its header (the same fields in the same order).\n"
"Input in the FLO customer-summary layout (first_order_date, last_order_date,\n"
"order_num_total_ever_online/offline, customer_value_total_ever_online/offline)\n"
"is recognised from its columns.  Customers are written sorted by id.\n"
"Memory grows with customers and their purchase days, not with order lines.\n"
"\n"
"Input and output:\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
FLO_INPUT_USAGE
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
"      --orders              the input is order records (default: detected)\n"
"      --summary             the input is FLO customer summaries (default: detected)\n"
"Fields of order records (defaults: the first present of the names listed):\n"
"      --id FIELD            customer id (customer_id, customer, customerid, cust_id,\n"
"                            user_id, id; summaries: master_id)\n"
"      --date FIELD          order date (date, order_date, invoice_date, invoicedate,\n"
"                            timestamp, time)\n"
"      --date-format FMT     read order dates in FMT, strptime-style: %Y %y %m %d\n"
"                            %b %H %M %S %I %p, numbers unpadded or not, e.g.\n"
"                            '%m/%d/%Y %H:%M' for 12/1/2010 8:26 (default: the\n"
"                            forms under Dates below)\n"
"      --amount FIELD        order value (amount, value, revenue, sales, total; a\n"
"                            unit price, price, unit_price or unitprice, is never\n"
"                            taken: alone it stops the run, exit 2).  A log with\n"
"                            no value field at all is summarised for the BG/NBD\n"
"                            alone: no monetary, revenue, holdout_value\n"
"      --quantity FIELD, --price FIELD\n"
"                            line items: the value is quantity x price (not with\n"
"                            --amount)\n"
"      --order-id FIELD      order id: the lines of one order (same customer and\n"
"                            order id) are summed into one order; a line seen\n"
"                            before (the same whole record) is ignored, so replays\n"
"                            are harmless (8 bytes kept per line and per order),\n"
"                            with the store across runs too\n"
"      --line-id FIELD       with --order-id: a line seen before is one with the\n"
"                            same order id and this field's value\n"
"      --returns drop|keep|net\n"
"                            a return (a negative value or quantity, or a\n"
"                            cancelled order) is dropped and counted (default:\n"
"                            it is no purchase occasion), kept as an order\n"
"                            (wrong for the models; flo before issue 14), or\n"
"                            netted: it reduces the value of the customer's\n"
"                            purchase that day, else the latest before it (in\n"
"                            its period: calibration or holdout), never below 0\n"
"                            (kept per purchase day; the store keeps each return\n"
"                            and nets them at every summary)\n"
"      --cancel-prefix C     with --order-id: an order id starting with C is a\n"
"                            cancellation, a return (UCI Online Retail: C)\n"
"An order with an empty customer id is skipped and counted on stderr (kept in\n"
"--rejects when given), not a bad record.\n"
"      --keep F1,F2,...      carry these fields per customer (orders: the values on\n"
"                            the customer's latest order)\n"
"Summary:\n"
"      --as-of DATE          observation end (default: the latest order date);\n"
"                            later orders are left out (or go to the holdout)\n"
"      --holdout-end DATE    add holdout_purchases, holdout_value (and\n"
"                            duration_holdout, its length in the unit) for\n"
"                            orders in (as-of, holdout-end]; needs --as-of\n"
"      --unit U              day, week (default) or month (365.25/12 days)\n"
"      --occasion day|order|week|month\n"
"                            what a purchase is: all orders of a customer on one\n"
"                            day (default), every order, or all in one calendar\n"
"                            week (Monday to Sunday) or month, as lifetimes'\n"
"                            freq W and M; then the period is the unit, recency\n"
"                            and T count whole periods, first_order and\n"
"                            last_order are the periods' first days, and a unit\n"
"                            field says it\n"
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
"                            from the store alone (no input), e.g. for flo-fit;\n"
"                            with --skip-bad a damaged customer is named and\n"
"                            skipped, so are damaged pages (every customer on a\n"
"                            sound page is written), and the dump still exits 74\n"
"      --check               verify the whole store (every page, every state's\n"
"                            checksum and decoding, the count of customers):\n"
"                            exit 0 when sound, 74 naming what is damaged\n"
"      --repair              drop every customer whose state is damaged, naming\n"
"                            each (a store whose pages are damaged is refused)\n"
"      --drop-customer ID    remove customer ID's stored state, damaged or not: it\n"
"                            starts again from its next order (exit 65 when the\n"
"                            store holds no such customer)\n"
"      --emit order|batch    a record per input order (default), or one per\n"
"                            customer with orders in a batch, after the batch\n"
"      --commit-every N      orders per transaction at most (default 1000000; a\n"
"                            batch holds its records until it commits)\n"
"      --merge-every N       a commit appends its orders to the store's order log;\n"
"                            the states of the customers the log holds are\n"
"                            written, and the log emptied, when a commit leaves\n"
"                            N orders or more in it (default 20000000; 0: never)\n"
"                            and at the end of the run; the writer holds those\n"
"                            states, a few hundred bytes each, until then\n"
"      --leave-log           no merge at the end of the run (readers and the next\n"
"                            writer fold the log in)\n"
"      --no-sync             commit without waiting for the disk: a killed flo-rfm\n"
"                            loses nothing committed, a system crash may lose the\n"
"                            last batches\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times (offsets are converted to\n"
"UTC), Unix epoch seconds, or epoch milliseconds (from 10^12 on, as pandas\n"
"writes JSON); other forms need --date-format.\n"
"\n"
"With the store, each record (in input order) is its customer's summary as of\n"
"--as-of, else as of the latest order date the store has seen (the current\n"
"order included): what flo-rfm with that --as-of gives over every order stored\n"
"so far, whatever the order and the pieces they arrived in (to the last bit for\n"
"amounts of at most six decimals).  --dump gives every customer's.  Orders\n"
"after --as-of are stored all the same.  The store records at first use the\n"
"conventions its states follow (--unit, --occasion, --frequency, --order-id,\n"
"--keep, --returns net or not): later runs take them from it, and one that\n"
"asks for others is refused (exit 2), since mixing them would corrupt the\n"
"summaries.  The lines of an order are summed into it across runs too: a\n"
"line of a stored order (the same order id) adds to that order's purchase\n"
"day, a line stored before changes nothing.\n"
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
"65 bad input data (also: no customer left, every order after --as-of, the\n"
"header written, with the store too; an order that would take its\n"
"customer's total out of range; --drop-customer of an unknown id), 66\n"
"unreadable input (or no store to --dump), 74 write or store error\n"
"(a store in use by another writer, a foreign, older or newer store, a\n"
"damaged store or state).\n";

/* A transaction rewrites every page it touches: in a log in date order
 * nearly every order is another customer, on another page, so that a batch
 * of 100,000 orders into a store of a million customers rewrites most of
 * the store, and the batch size rules (README, "Performance": 10M orders in
 * date order, 1M customers).  Live behind `tail -F`, batches end whenever
 * the input has nothing waiting, so this bounds only a backlog's batches
 * and their memory (a few hundred MB at this size). */
#define COMMIT_EVERY_DEFAULT 1000000
#define MERGE_EVERY_DEFAULT 20000000

struct options {
	enum flo_format in_fmt, out_fmt;
	struct flo_list keep_list; /* --keep */
	struct flo_ingest_options in;
	char *const *keep;         /* the kept fields: --keep's, or the store's */
	size_t nkeep;
	const char *unit;
	struct flo_rfm_config cfg;
	struct flo_bad bad;
	const char *path;
	/* the store */
	const char *db;
	int incremental, dump, no_sync;
	int check, repair;         /* --check, --repair: the store's integrity */
	const char *drop;          /* --drop-customer ID */
	int unit_given, occasion_given, frequency_given, returns_given;
	int timings;
	enum flo_custdb_emit emit;
	long commit_every;
	long merge_every;
	int leave_log;              /* --leave-log */
};

static int choice(const char *opt, const char *arg, const char *no, const char *yes)
{
	if (strcmp(arg, no) != 0 && strcmp(arg, yes) != 0)
		flo_usage_error("option %s: expected %s or %s: \"%s\"", opt, no, yes, arg);
	return strcmp(arg, yes) == 0;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ID = 256, OPT_DATE, OPT_AMOUNT, OPT_ORDER_ID, OPT_KEEP, OPT_AS_OF,
	       OPT_HOLDOUT, OPT_UNIT, OPT_OCCASION, OPT_FREQUENCY, OPT_CAP,
	       OPT_ORDERS, OPT_SUMMARY, OPT_DB, OPT_INCREMENTAL,
	       OPT_DUMP, OPT_EMIT, OPT_COMMIT_EVERY, OPT_NO_SYNC, OPT_TIMINGS,
	       OPT_DATE_FORMAT, OPT_QUANTITY, OPT_PRICE, OPT_LINE_ID, OPT_RETURNS,
	       OPT_CANCEL_PREFIX, OPT_CHECK, OPT_REPAIR, OPT_DROP,
	       OPT_MERGE_EVERY, OPT_LEAVE_LOG };
	static const struct option longopts[] = {
		{"output-format", required_argument, NULL, 'o'},
		{"orders", no_argument, NULL, OPT_ORDERS},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"id", required_argument, NULL, OPT_ID},
		{"date", required_argument, NULL, OPT_DATE},
		{"date-format", required_argument, NULL, OPT_DATE_FORMAT},
		{"amount", required_argument, NULL, OPT_AMOUNT},
		{"quantity", required_argument, NULL, OPT_QUANTITY},
		{"price", required_argument, NULL, OPT_PRICE},
		{"line-id", required_argument, NULL, OPT_LINE_ID},
		{"returns", required_argument, NULL, OPT_RETURNS},
		{"cancel-prefix", required_argument, NULL, OPT_CANCEL_PREFIX},
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
		{"check", no_argument, NULL, OPT_CHECK},
		{"repair", no_argument, NULL, OPT_REPAIR},
		{"drop-customer", required_argument, NULL, OPT_DROP},
		{"emit", required_argument, NULL, OPT_EMIT},
		{"commit-every", required_argument, NULL, OPT_COMMIT_EVERY},
		{"merge-every", required_argument, NULL, OPT_MERGE_EVERY},
		{"leave-log", no_argument, NULL, OPT_LEAVE_LOG},
		{"no-sync", no_argument, NULL, OPT_NO_SYNC},
		{"timings", no_argument, NULL, OPT_TIMINGS},
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	struct flo_ingest_options *in = &o->in;
	o->unit = "week";
	o->commit_every = COMMIT_EVERY_DEFAULT;
	o->merge_every = MERGE_EVERY_DEFAULT;
	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage, NULL};
	int c;
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ORDERS: in->kind = FLO_INGEST_ORDERS; break;
		case OPT_SUMMARY: in->kind = FLO_INGEST_SUMMARY; break;
		case OPT_ID: in->id = optarg; break;
		case OPT_DATE: in->date = optarg; break;
		case OPT_DATE_FORMAT: {
			char why[256];
			if (flo_datefmt_check(optarg, why, sizeof why) != FLO_OK)
				flo_usage_error("option --date-format: %s: \"%s\"", why,
						flo_quote(optarg, strlen(optarg)));
			in->date_format = optarg;
			break;
		}
		case OPT_AMOUNT: in->amount = optarg; break;
		case OPT_QUANTITY: in->quantity = optarg; break;
		case OPT_PRICE: in->price = optarg; break;
		case OPT_LINE_ID: in->line_id = optarg; break;
		case OPT_RETURNS:
			in->returns = strcmp(optarg, "net") == 0 ? FLO_RETURNS_NET
				      : choice("--returns", optarg, "drop", "keep") ? FLO_RETURNS_KEEP
				      : FLO_RETURNS_DROP;
			o->returns_given = 1;
			break;
		case OPT_CANCEL_PREFIX: in->cancel_prefix = optarg; break;
		case OPT_ORDER_ID: in->order_id = optarg; break;
		case OPT_KEEP:
			flo_list_parse(&o->keep_list, "--keep", optarg, FLO_LIST_SKIP_EMPTY);
			break;
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
			o->cfg.period = strcmp(optarg, "week") == 0    ? FLO_PERIOD_WEEK
					: strcmp(optarg, "month") == 0 ? FLO_PERIOD_MONTH
								       : FLO_PERIOD_NONE;
			o->cfg.per_order = o->cfg.period == FLO_PERIOD_NONE &&
					   choice("--occasion", optarg, "day", "order");
			o->occasion_given = 1;
			break;
		case OPT_FREQUENCY:
			o->cfg.freq_total = choice("--frequency", optarg, "repeat", "total");
			o->frequency_given = 1;
			break;
		case OPT_CAP: in->cap_outliers = 1; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_INCREMENTAL: o->incremental = 1; break;
		case OPT_DUMP: o->dump = 1; break;
		case OPT_CHECK: o->check = 1; break;
		case OPT_REPAIR: o->repair = 1; break;
		case OPT_DROP: o->drop = optarg; break;
		case OPT_EMIT:
			o->emit = choice("--emit", optarg, "order", "batch") ? FLO_EMIT_BATCH
									    : FLO_EMIT_ORDER;
			break;
		case OPT_LEAVE_LOG: o->leave_log = 1; break;
		case OPT_MERGE_EVERY:
			o->merge_every = flo_opt_long("--merge-every", optarg, 0, 1000000000);
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
	o->path = flo_inputs(argc, argv);
	if ((in->quantity == NULL) != (in->price == NULL))
		flo_usage_error("--quantity and --price go together (amount = quantity x price)");
	if (in->quantity != NULL && in->amount != NULL)
		flo_usage_error("--amount or --quantity and --price: use one");
	if (in->line_id != NULL && in->order_id == NULL)
		flo_usage_error("--line-id needs --order-id");
	if (in->cancel_prefix != NULL && in->order_id == NULL)
		flo_usage_error("--cancel-prefix needs --order-id");
	if (in->cancel_prefix != NULL && in->returns == FLO_RETURNS_KEEP)
		flo_usage_error("--cancel-prefix marks returns, which --returns keep keeps");
	if (in->returns == FLO_RETURNS_NET && o->cfg.per_order)
		flo_usage_error("--returns net reduces a purchase day's value: not with "
				"--occasion order");
	if (o->cfg.period != FLO_PERIOD_NONE) {
		/* The period is the unit: recency and T count whole periods. */
		const char *period = o->cfg.period == FLO_PERIOD_WEEK ? "week" : "month";
		if (o->unit_given && strcmp(o->unit, period) != 0)
			flo_usage_error("--occasion %s counts time in %ss: not with --unit %s",
					period, period, o->unit);
		o->unit = period;
	}
	flo_unit_days(flo_opt_unit("--unit", o->unit), &o->cfg.unit_days);
	if (o->cfg.has_holdout && !o->cfg.has_as_of)
		flo_usage_error("--holdout-end needs --as-of");
	if (o->cfg.has_holdout && o->cfg.holdout_end <= o->cfg.as_of)
		flo_usage_error("--holdout-end must be after --as-of");
	o->keep = o->keep_list.item;
	o->nkeep = o->cfg.nkeep = o->keep_list.n;
	o->cfg.order_ids = in->order_id != NULL;
	o->bad.input_name = in->input_name = flo_input_name(o->path);
	if (o->check + o->repair + o->dump + (o->drop != NULL) > 1)
		flo_usage_error("--dump, --check, --repair and --drop-customer: use one");
	if ((o->check || o->repair || o->drop) && (o->path != NULL || o->incremental))
		flo_usage_error("--%s reads the store alone (no input, no --incremental)",
				o->check ? "check" : o->repair ? "repair" : "drop-customer");
	if (o->drop != NULL && (o->drop[0] == '\0' || strlen(o->drop) > FLO_CUSTDB_ID_MAX))
		flo_usage_error("--drop-customer: a customer id is 1 to %d bytes", FLO_CUSTDB_ID_MAX);
	if (o->check || o->repair || o->drop)
		o->dump = 1; /* the store read, as --dump reads it */
	if (o->db != NULL && !o->dump)
		o->incremental = 1;
	if (o->dump && o->incremental)
		flo_usage_error("--dump reads the store, --incremental writes it: use one");
	if (o->dump && o->path != NULL)
		flo_usage_error("--dump reads no input (got \"%s\")", o->path);
	if (!o->dump && !o->incremental) {
		if (o->emit != FLO_EMIT_ORDER || o->no_sync || o->commit_every != COMMIT_EVERY_DEFAULT ||
		    o->merge_every != MERGE_EVERY_DEFAULT || o->leave_log)
			flo_usage_error("--emit, --commit-every, --merge-every, --leave-log and "
					"--no-sync need the store (--db PATH or --incremental)");
		return;
	}
	if (o->db == NULL)
		o->db = getenv("FLO_DB");
	if (o->db == NULL || o->db[0] == '\0')
		o->db = "flo.lmdb";
	if (in->cap_outliers)
		flo_usage_error("--cap-outliers applies to customer summaries, not to the store");
	o->cfg.net_returns = in->returns == FLO_RETURNS_NET;
}

/* ---- output ---- */

struct output {
	flo_writer *w;
	const struct options *o;
	int holdout;
	enum flo_format fmt;
	int no_value;            /* orders without values: no monetary, revenue,
				  * holdout_value (the BG/NBD alone) */
	double duration_holdout; /* with holdout: its length in the unit */
	size_t written;          /* records written by write_summary() */
};

static struct output new_output(flo_writer *w, const struct options *o, enum flo_format fmt)
{
	struct output out = {w, o, o->cfg.has_holdout, fmt, 0, 0, 0};
	enum flo_period p = o->cfg.period;
	if (o->cfg.has_holdout && p != FLO_PERIOD_NONE)
		out.duration_holdout = flo_period_index(p, o->cfg.holdout_end) -
				       flo_period_index(p, o->cfg.as_of);
	else if (o->cfg.has_holdout)
		out.duration_holdout = (o->cfg.holdout_end - o->cfg.as_of) / o->cfg.unit_days;
	return out;
}

/* One summary's fields into out's writer. */
static void put_summary(struct output *out, const struct flo_summary *s)
{
	flo_writer *w = out->w;
	flo_writer_str(w, "customer_id", s->id, s->id_len);
	flo_writer_num(w, "frequency", s->frequency);
	flo_writer_num(w, "recency", s->recency);
	flo_writer_num(w, "T", s->T);
	if (!out->no_value)
		flo_writer_num(w, "monetary", s->monetary);
	flo_writer_num(w, "orders", s->orders);
	if (!out->no_value)
		flo_writer_num(w, "revenue", s->revenue);
	flo_writer_day(w, "first_order", s->first_order);
	flo_writer_day(w, "last_order", s->last_order);
	if (out->o->cfg.period != FLO_PERIOD_NONE)
		flo_writer_str(w, "unit", out->o->unit, strlen(out->o->unit));
	if (out->holdout) {
		flo_writer_num(w, "holdout_purchases", s->holdout_purchases);
		if (!out->no_value)
			flo_writer_num(w, "holdout_value", s->holdout_value);
		flo_writer_num(w, "duration_holdout", out->duration_holdout);
	}
	for (size_t i = 0; i < out->o->nkeep; i++) {
		struct flo_field f = s->kept[i];
		f.name = out->o->keep[i];
		f.name_len = strlen(f.name);
		flo_writer_field(w, &f);
	}
}

/* One summary into out's writer: what flo_writer_end() returns. */
static int format_summary(struct output *out, const struct flo_summary *s)
{
	put_summary(out, s);
	return flo_writer_end(out->w);
}

static void die_writing(flo_writer *w, int err)
{
	if (err == FLO_EIO)
		flo_finish_output(w); /* reports and exits */
	flo_die(flo_exit_status(err), "%s", flo_writer_errmsg(w));
}

/* No customer is left (every order after --as-of): the header alone, as the
 * output of no customers, and exit 65, as lifetimes stops ("There is no
 * data available"). */
static _Noreturn void no_customer_left(struct output *out, int32_t as_of)
{
	static const struct flo_field none = {"", 0, "", 0, FLO_KIND_NULL};
	struct flo_field *kept = flo_xcalloc(out->o->nkeep + 1, sizeof *kept);
	for (size_t i = 0; i < out->o->nkeep; i++)
		kept[i] = none;
	struct flo_summary s = {.id = "", .kept = kept};
	put_summary(out, &s);
	int err = flo_writer_end_header(out->w);
	if (err != FLO_OK)
		die_writing(out->w, err);
	flo_finish_output(out->w);
	char day[16];
	flo_format_day(day, as_of);
	flo_die(FLO_EXIT_DATAERR, "no customer is left: every order is after --as-of %s", day);
}

static void write_summary(void *ctx, const struct flo_summary *s)
{
	struct output *out = ctx;
	int err = format_summary(out, s);
	if (err != FLO_OK)
		die_writing(out->w, err);
	out->written++;
}

/* Summaries are formatted on two threads when there are many (formatting
 * 943,000 took 0.31 s on one): the helper formats the next block into
 * memory while this thread formats its block straight into the output and
 * then appends the helper's.  The output is the same, in the same order. */
#define OUT_BLOCK 16384
#define OUT_PARALLEL_MIN (4 * OUT_BLOCK)

/* Numbered summaries lo..hi of src to fn, in order (a batch run's in id
 * order, a live commit's held ones); *holdout_only counts the customers
 * left out for having orders in the holdout alone. */
typedef int range_fn(const void *src, size_t lo, size_t hi, flo_summary_fn *fn, void *ctx,
		     size_t *holdout_only);

struct out_part {
	range_fn *range;
	const void *src;
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
	part->out.written++;
}

static void format_part(void *arg)
{
	struct out_part *part = arg;
	int err = part->range(part->src, part->lo, part->hi, part_summary, part,
			      &part->holdout_only);
	if (part->err == FLO_OK)
		part->err = err;
}

/* Summaries lo..hi of src straight into the output. */
static void write_range(range_fn *range, const void *src, size_t lo, size_t hi,
			struct output *out, size_t *holdout_only)
{
	if (range(src, lo, hi, write_summary, out, holdout_only) != FLO_OK)
		flo_out_of_memory();
}

/* Summaries 0..n of src into the output, in order; *holdout_only gets the
 * customers left out. */
static void write_blocks(range_fn *range, const void *src, size_t n, struct output *out,
			 size_t *holdout_only)
{
	*holdout_only = 0;
	struct flo_pool *pool = n >= OUT_PARALLEL_MIN ? flo_pool_start() : NULL;
	struct out_part part = {range, src, 0, 0, 0, *out, FLO_OK};
	part.out.written = 0;
	if (pool != NULL && flo_writer_new_memory(&part.out.w, out->fmt) != FLO_OK) {
		flo_pool_stop(pool);
		pool = NULL;
	}
	if (pool == NULL) {
		write_range(range, src, 0, n, out, holdout_only);
		return;
	}
	for (size_t lo = 0; lo < n; lo += 2 * OUT_BLOCK) {
		size_t mid = n - lo > OUT_BLOCK ? lo + OUT_BLOCK : n;
		size_t hi = n - mid > OUT_BLOCK ? mid + OUT_BLOCK : n;
		part.lo = mid, part.hi = hi;
		if (mid < hi)
			flo_pool_submit(pool, format_part, &part);
		write_range(range, src, lo, mid, out, holdout_only);
		if (mid == hi)
			break;
		flo_pool_wait(pool);
		if (part.err == FLO_ENOMEM)
			flo_out_of_memory();
		if (part.err != FLO_OK)
			flo_die(flo_exit_status(part.err), "%s", flo_writer_errmsg(part.out.w));
		int err = flo_writer_append(out->w, part.out.w);
		if (err != FLO_OK)
			die_writing(out->w, err);
		out->written += part.out.written;
		part.out.written = 0;
	}
	*holdout_only += part.holdout_only;
	flo_pool_stop(pool);
	flo_writer_close(part.out.w);
}

/* A batch run's customers, in id order. */
struct id_order {
	const flo_rfm *agg;
	uint32_t *order;
};

static int id_order_range(const void *src, size_t lo, size_t hi, flo_summary_fn *fn,
			  void *ctx, size_t *holdout_only)
{
	const struct id_order *b = src;
	return flo_rfm_each_range(b->agg, b->order, lo, hi, fn, ctx, holdout_only);
}

/* The summaries in id order; *sorted gets the time the order was known. */
static void write_summaries(const flo_rfm *agg, struct output *out, size_t *holdout_only,
			    double *sorted)
{
	struct id_order b = {agg, flo_rfm_order(agg)};
	if (b.order == NULL)
		flo_out_of_memory();
	*sorted = flo_ms_now();
	write_blocks(id_order_range, &b, flo_rfm_customers(agg), out, holdout_only);
	free(b.order);
}

/* ---- reading ---- */

/* A bad record through the bad-record policy: stop (exit 65, after
 * bad->before_stop) or skip it.  A fatal reader error ends the run; with
 * the store the orders before it are committed first. */
static int on_bad(void *ctx, const flo_reader *r, int err, const char *msg)
{
	struct flo_bad *bad = ctx;
	if (err == 0)
		return flo_bad_keep(bad, r), 1;
	if (err > 0)
		return flo_read_failed(bad, r, err, msg), 1;
	if ((-err != FLO_ESYNTAX || flo_reader_fatal(r)) && bad->before_stop != NULL)
		bad->before_stop(bad->before_stop_ctx);
	flo_reader_failed(bad, r, err);
	return 1;
}

/* An error of the ingest (ingest.h), with its words. */
static _Noreturn void die_ingest(int err, const char *msg)
{
	if (err == FLO_EUSAGE)
		flo_usage_error("%s", msg);
	if (err == FLO_ENOMEM)
		flo_out_of_memory();
	flo_die(flo_exit_status(err), "%s", msg);
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

/* The orders skipped by rule (ingest.h). */
static void warn_skipped(const struct options *o, const flo_ingest *in)
{
	long no_id, returns;
	flo_ingest_skipped(in, &no_id, &returns);
	if (no_id > 0)
		flo_warn("%ld order%s with an empty customer id skipped", no_id,
			 no_id == 1 ? "" : "s");
	if (returns > 0 && o->in.returns == FLO_RETURNS_DROP)
		flo_warn("%ld return%s dropped (--returns drop)", returns, returns == 1 ? "" : "s");
	if (o->in.returns != FLO_RETURNS_NET)
		return;
	long netted, unmatched, capped;
	flo_ingest_netted(in, &netted, &unmatched, &capped);
	if (netted > 0)
		flo_warn("%ld return%s netted (--returns net)", netted, netted == 1 ? "" : "s");
	if (unmatched > 0)
		flo_warn("%ld return%s with no purchase that day or before (in its period) "
			 "ignored", unmatched, unmatched == 1 ? "" : "s");
	if (capped > 0)
		flo_warn("%ld return%s worth more than what was left of the purchase: its value "
			 "is 0", capped, capped == 1 ? "" : "s");
}

static void warn_repeated(long repeated)
{
	if (repeated > 0)
		flo_warn("%ld order%s with an order id seen before ignored", repeated,
			 repeated == 1 ? "" : "s");
}

/* flo-rfm on order records: every order folded in, then the summaries. */
static void run_orders(struct options *o, flo_ingest *in, struct output *out)
{
	struct flo_ingest_result res;
	double t_start = flo_ms_now(), t_read, t_sorted;
	int err = flo_ingest_run(in, &res);
	if (err != FLO_OK)
		die_ingest(err, flo_ingest_errmsg(in));
	flo_bad_finish(&o->bad);
	t_read = flo_ms_now();
	size_t holdout_only;
	write_summaries(res.orders, out, &holdout_only, &t_sorted);
	long *n = res.fates;
	if (o->cfg.has_as_of && flo_rfm_customers(res.orders) == holdout_only &&
	    n[0] + n[1] + n[2] + n[3] > 0) {
		warn_skipped(o, in);
		no_customer_left(out, o->cfg.as_of);
	}
	if (o->timings)
		flo_warn("timings: %.1f ms reading %ld orders (%ld of them on %u thread%s), "
			 "%.1f ms sorting %zu customers by id, %.1f ms writing them; "
			 "%.1f ms in all; %.0f bytes held per customer", t_read - t_start,
			 n[0] + n[1] + n[2] + n[3], res.scanned, res.threads,
			 res.threads == 1 ? "" : "s", t_sorted - t_read,
			 flo_rfm_customers(res.orders), flo_ms_now() - t_sorted,
			 flo_ms_now() - t_start, flo_rfm_bytes_per_customer(res.orders));
	int32_t as_of = flo_rfm_as_of(res.orders);
	warn_left_out(o, (size_t)n[FLO_ORDER_LATE], 0, as_of, "left out");
	warn_repeated(n[FLO_ORDER_REPEATED]);
	warn_skipped(o, in);
	warn_left_out(o, 0, holdout_only, as_of, "");
}

/* flo-rfm on FLO customer summaries. */
static void run_summaries(struct options *o, flo_ingest *in, struct output *out)
{
	struct flo_ingest_result res;
	int err = flo_ingest_run(in, &res);
	if (err != FLO_OK)
		die_ingest(err, flo_ingest_errmsg(in));
	flo_bad_finish(&o->bad);
	if (o->in.cap_outliers) {
		double limits[4];
		flo_custsum_cap_outliers(res.summaries, limits);
	}
	size_t after;
	const char *bad_id;
	size_t bad_len;
	if (flo_custsum_each(res.summaries, write_summary, out, &after, &bad_id, &bad_len) !=
	    FLO_OK)
		flo_die(FLO_EXIT_DATAERR, "customer \"%s\": last_order_date is after the --as-of date",
			flo_quote(bad_id, bad_len));
	if (after > 0)
		flo_warn("%zu customer%s whose first order is after --as-of left out", after,
			 after == 1 ? "" : "s");
	if (after > 0 && after == flo_custsum_count(res.summaries))
		no_customer_left(out, o->cfg.as_of);
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

/* What a damaged store needs, said after the damage: pages (the tree
 * itself) or customer states only. */
static void advise(const char *db, int pages)
{
	if (pages)
		flo_warn("%s: the store's pages are damaged: restore it from a copy or rebuild it "
			 "from the order log (README: \"Recovering a damaged store\")", db);
	else
		flo_warn("%s: flo-rfm --db %s --repair drops the damaged customers; --dump "
			 "--skip-bad writes the sound ones (README: \"Recovering a damaged "
			 "store\")", db, db);
}

/* The store open, its conventions settled with the options' (the store's
 * taken where the options say nothing): whether it holds states. */
static int open_store(struct options *o, int mode)
{
	char err[8192];
	/* A reader of the whole store, and --repair, walk every page first;
	 * --dump --skip-bad walks them as it dumps, skipping damaged ones.  A
	 * writer walks the customers' pages before its first look at one
	 * (store.h). */
	int salvage = o->dump && o->bad.skip && !o->check && !o->repair && !o->drop;
	struct flo_store_options so = {.nosync = o->no_sync,
				       .verify = (mode == FLO_STORE_READ && !salvage) || o->repair,
				       .salvage = salvage};
	int rc = flo_store_open(&the_store, o->db, mode, &so, err, sizeof err);
	if (rc == FLO_ESTORE && strstr(err, ": damaged: ") != NULL) {
		flo_warn("%s", err);
		advise(o->db, 1);
		exit(FLO_EXIT_IOERR);
	}
	if (rc != FLO_OK)
		flo_die(rc == FLO_ENOTFOUND ? FLO_EXIT_NOINPUT : flo_exit_status(rc), "%s", err);
	atexit(close_store);
	struct flo_custdb_wish wish = {o->unit, o->unit_given, o->occasion_given,
				       o->frequency_given, o->in.order_id, o->keep, o->nkeep};
	rc = flo_custdb_settle(the_store, o->db, &wish, &o->cfg, &the_settings, err, sizeof err);
	if (rc == FLO_ESTORE && strstr(err, ": damaged: ") != NULL) {
		/* A writer's walk of the customers' pages, or a reader's of the
		 * settings record's path, found a bad page. */
		flo_warn("%s", flo_store_errmsg(the_store));
		advise(o->db, 1);
		exit(FLO_EXIT_IOERR);
	}
	if (rc != FLO_OK && rc != FLO_ENOTFOUND)
		die_ingest(rc, err);
	o->in.order_id = the_settings.order_id;
	o->unit = the_settings.unit;
	if (o->cfg.net_returns && o->returns_given && o->in.returns != FLO_RETURNS_NET)
		flo_usage_error("%s: the store's customer states were made with --returns net, "
				"not --returns %s: mixing the two would corrupt the summaries "
				"(use another store)", o->db,
				o->in.returns == FLO_RETURNS_KEEP ? "keep" : "drop");
	if (o->cfg.net_returns)
		o->in.returns = FLO_RETURNS_NET;
	if (o->keep == NULL) {
		o->keep = the_settings.keep;
		o->nkeep = the_settings.nkeep;
	}
	return rc == FLO_OK;
}

static void say_damaged(void *ctx, const char *id, size_t idlen, const char *why)
{
	(void)ctx;
	(void)id;
	(void)idlen;
	flo_warn("%s", why);
}

/* flo-rfm --check: the whole store verified, what is damaged said. */
static _Noreturn void run_check(struct options *o)
{
	int stored = open_store(o, FLO_STORE_READ);
	struct flo_store_check sc;
	int bad = 0;
	int pages = 0;
	if (flo_store_check(the_store, &sc, NULL, NULL) != FLO_OK) {
		flo_warn("%s", flo_store_errmsg(the_store));
		/* lost pages, or a count that lies */
		pages = !sc.pages_sound || (sc.bad_sums == 0 && sc.log_bad_sums == 0);
		bad = 1;
	}
	struct flo_custdb_counts counts = {0};
	char err[FLO_STORE_ERRMAX];
	if (stored && flo_custdb_check(the_store, o->db, &o->cfg, say_damaged, NULL, &counts,
				       err, sizeof err) != FLO_OK) {
		flo_warn("%s", err);
		bad = 1;
	}
	if (bad) {
		advise(o->db, pages);
		exit(FLO_EXIT_IOERR);
	}
	flo_warn("%s: sound: %zu customer%s, %llu pages", o->db, counts.customers,
		 counts.customers == 1 ? "" : "s", sc.pages);
	flo_list_free(&o->keep_list);
	exit(0);
}

/* flo-rfm --repair: every customer whose state is damaged dropped. */
static _Noreturn void run_repair(struct options *o)
{
	int stored = open_store(o, FLO_STORE_WRITE);
	struct flo_custdb_counts counts = {0};
	char err[FLO_STORE_ERRMAX];
	if (stored && flo_custdb_repair(the_store, o->db, &o->cfg, say_damaged, NULL, &counts, err,
					sizeof err) != FLO_OK) {
		flo_warn("%s", err);
		advise(o->db, 1);
		exit(FLO_EXIT_IOERR);
	}
	flo_warn("%s: %zu damaged customer%s dropped, %zu sound", o->db, counts.damaged,
		 counts.damaged == 1 ? "" : "s", counts.customers);
	flo_list_free(&o->keep_list);
	exit(0);
}

/* flo-rfm --drop-customer ID: one customer's state removed, damaged or
 * not, with its logged orders, in a batch of its own; the store's count
 * follows. */
static _Noreturn void run_drop(struct options *o)
{
	/* A writer's open makes a store where there is none. */
	char file[4096];
	snprintf(file, sizeof file, "%s/data.mdb", o->db);
	if (access(file, F_OK) != 0)
		flo_die(FLO_EXIT_NOINPUT, "%s: no such store", o->db);
	int stored = open_store(o, FLO_STORE_WRITE);
	size_t len = strlen(o->drop);
	char err[FLO_STORE_ERRMAX];
	int rc = stored ? flo_custdb_drop(the_store, &o->cfg, o->drop, len, err, sizeof err)
			: FLO_ENOTFOUND;
	if (rc == FLO_ENOTFOUND)
		flo_die(FLO_EXIT_DATAERR, "%s: no customer \"%s\" in the store", o->db,
			flo_quote(o->drop, len));
	if (rc != FLO_OK) {
		flo_warn("%s", err);
		if (strstr(err, ": damaged: ") != NULL)
			advise(o->db, 1);
		exit(flo_exit_status(rc));
	}
	flo_warn("%s: customer \"%s\" dropped", o->db, flo_quote(o->drop, len));
	flo_list_free(&o->keep_list);
	exit(0);
}

/* flo-rfm --dump: every stored customer, from one snapshot of the store.
 * With --skip-bad a damaged customer is said, skipped and counted, and the
 * dump ends with exit 74 all the same: it is not the whole store. */
static _Noreturn void run_dump(struct options *o)
{
	int stored = open_store(o, FLO_STORE_READ);
	enum flo_format fmt = o->out_fmt ? o->out_fmt : FLO_FMT_CSV;
	flo_writer *w;
	if (flo_writer_new(&w, STDOUT_FILENO, fmt) != FLO_OK)
		flo_out_of_memory();
	flo_cli_set_output(w);
	struct output out = new_output(w, o, fmt);
	struct flo_custdb_counts counts = {0};
	char err[FLO_STORE_ERRMAX];
	if (!stored)
		flo_warn("%s: no customers stored", o->db);
	else if ((stored = flo_custdb_dump(the_store, o->db, &o->cfg, write_summary, &out,
					   o->bad.skip ? say_damaged : NULL, NULL, &counts, err,
					   sizeof err)) != FLO_OK) {
		flo_warn("%s", err);
		int pages = stored == FLO_ESTORE && strstr(err, ": damaged: ") != NULL;
		if (stored == FLO_ESTORE)
			advise(o->db, pages);
		flo_finish_output(w);
		if (pages && o->bad.skip && counts.damaged > 0)
			flo_warn("%s: %zu damaged customer%s and the damaged pages skipped: this "
				 "dump is not the whole store", o->db, counts.damaged,
				 counts.damaged == 1 ? "" : "s");
		else if (pages && o->bad.skip)
			flo_warn("%s: the damaged pages skipped: this dump is not the whole store",
				 o->db);
		exit(flo_exit_status(stored));
	}
	if (counts.has_as_of)
		warn_left_out(o, counts.late, counts.holdout_only, counts.as_of, "left out");
	/* Every stored order after --as-of: as batch flo-rfm says it. */
	if (o->cfg.has_as_of && counts.customers == 0 && counts.damaged == 0 &&
	    counts.late + counts.holdout_only > 0)
		no_customer_left(&out, o->cfg.as_of);
	flo_finish_output(w);
	if (counts.damaged > 0) {
		flo_warn("%s: %zu damaged customer%s skipped: this dump is not the whole store",
			 o->db, counts.damaged, counts.damaged == 1 ? "" : "s");
		exit(FLO_EXIT_IOERR);
	}
	flo_list_free(&o->keep_list);
	exit(0);
}

/* ---- the live run's records ----
 *
 * A commit's records are formatted and written on a helper thread while the
 * engine folds the next batch in: formatting them on this thread was a
 * fifth of a run of 10M orders in date order, one record an order.  The
 * release (custdb.h) takes the committed batch's summaries out of the
 * engine and hands them to the helper, which writes them into the output;
 * the next release, a commit on the reader's refill or at a bad record,
 * the end of the run and an exit on an error each wait for it first.  The
 * output is the same, in the same order, and still no record goes out
 * before its orders are committed. */

/* Fewer records than this are written at once, on this thread. */
#define LIVE_HELPER_MIN OUT_BLOCK

struct live {
	flo_custdb *db;
	flo_writer *w;
	struct output *out;
	int fd;
	struct flo_pool *pool;  /* started at the first large commit */
	int no_pool;            /* it could not start */
	flo_custheld *taken;    /* the helper's records, until wait_records() */
	struct flo_field *kept; /* the helper's kept fields */
	size_t written;         /* by the helper */
	int err;                /* the helper's first error: it writes no more */
};

static void helper_summary(void *ctx, const struct flo_summary *s)
{
	struct live *l = ctx;
	if (l->err != FLO_OK)
		return;
	l->err = format_summary(l->out, s);
	if (l->err == FLO_OK)
		l->written++;
}

/* On the helper: the taken records into the output. */
static void write_taken(void *arg)
{
	struct live *l = arg;
	flo_custheld_each(l->taken, 0, flo_custheld_count(l->taken), l->kept, helper_summary, l);
}

/* Until the helper has written its records; their memory back to the
 * engine.  Returns the helper's error. */
static int wait_records(struct live *l)
{
	if (l->taken == NULL)
		return FLO_OK;
	flo_pool_wait(l->pool);
	flo_custdb_give_back(l->db, l->taken);
	l->taken = NULL;
	l->out->written += l->written;
	l->written = 0;
	int err = l->err;
	l->err = FLO_OK;
	return err;
}

/* wait_records(), its error the tool's. */
static void finish_records(struct live *l)
{
	int err = wait_records(l);
	if (err != FLO_OK)
		die_writing(l->out->w, err);
}

/* An exit on an error waits for the helper: the records it is writing go
 * out before the output's last flush, and the engine's memory stays until
 * it is done.  Its own error is left unsaid: the tool's comes first. */
static void records_on_error(void *ctx)
{
	(void)wait_records(ctx);
}

/* A live commit's held summaries (custdb.h). */
static int held_range(const void *db, size_t lo, size_t hi, flo_summary_fn *fn, void *ctx,
		      size_t *holdout_only)
{
	(void)holdout_only; /* the store keeps no holdout */
	return flo_custdb_held(db, lo, hi, fn, ctx);
}

/* A commit's records: many to the helper, taken out of the engine; a few,
 * or all when the helper or the memory to take them is missing, written
 * here (in blocks on two threads when there are many). */
static void release(void *ctx, flo_custdb *db, size_t n)
{
	struct live *l = ctx;
	finish_records(l);
	if (n >= LIVE_HELPER_MIN && l->pool == NULL && !l->no_pool)
		l->no_pool = (l->pool = flo_pool_start()) == NULL;
	if (n >= LIVE_HELPER_MIN && l->pool != NULL && (l->taken = flo_custdb_take_held(db)) != NULL) {
		flo_pool_submit(l->pool, write_taken, l);
		return;
	}
	size_t none;
	write_blocks(held_range, db, n, l->out, &none);
}

static void commit(void *ctx)
{
	struct live *l = ctx;
	int rc = flo_custdb_commit(l->db, write_summary, l->out);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s", flo_custdb_errmsg(l->db));
	finish_records(l);
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

/* flo-rfm --db: fold each order into its stored customer; the orders before
 * a bad record that stops the run are committed first. */
static void run_live(struct options *o, flo_ingest *in, flo_reader *r, struct output *out)
{
	int rc = flo_custdb_new(&the_engine, the_store, o->db, &the_settings, &o->cfg, o->emit);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK && the_engine != NULL)
		flo_die(flo_exit_status(rc), "%s", flo_custdb_errmsg(the_engine));
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s: cannot read the store's settings", o->db);
	flo_custdb_set_merge_every(the_engine, (size_t)o->merge_every);
	struct live l = {the_engine, out->w, out, o->in.fd, NULL, 0, NULL, NULL, 0, FLO_OK};
	l.kept = flo_xcalloc(o->cfg.nkeep + 1, sizeof *l.kept); /* the engine's */
	flo_custdb_set_release(the_engine, release, &l);
	long counts[4] = {0};
	flo_cli_set_output(out->w);
	flo_cli_on_error(records_on_error, &l);
	o->bad.before_stop = commit;
	o->bad.before_stop_ctx = &l;
	flo_reader_on_refill(r, on_refill, &l);
	rc = flo_custdb_ingest(l.db, in, (size_t)o->commit_every, !o->leave_log, write_summary, out,
			       counts);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s", flo_custdb_errmsg(l.db));
	finish_records(&l);
	flo_cli_on_error(NULL, NULL);
	flo_pool_stop(l.pool);
	free(l.kept);
	flo_bad_finish(&o->bad);
	warn_repeated(counts[FLO_ORDER_REPEATED]);
	warn_skipped(o, in);
	long returns = flo_custdb_returns(l.db);
	if (returns > 0)
		flo_warn("%ld return%s stored, netted in every summary (--returns net)", returns,
			 returns == 1 ? "" : "s");
	warn_left_out(o, (size_t)counts[FLO_ORDER_LATE], 0, flo_custdb_as_of(l.db),
		      "stored, in no record");
	/* Orders read, none of their customers with one up to --as-of: the
	 * header alone and exit 65, as the batch run. */
	if (o->cfg.has_as_of && out->written == 0 &&
	    counts[0] + counts[1] + counts[2] + counts[3] > 0)
		no_customer_left(out, o->cfg.as_of);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	flo_cli_init("flo-rfm");
	parse_options(argc, argv, &o);
	if (o.check)
		run_check(&o);
	if (o.repair)
		run_repair(&o);
	if (o.drop)
		run_drop(&o);
	if (o.dump)
		run_dump(&o);
	/* Before any input: a store in use fails at once, not after a wait. */
	if (o.incremental) {
		open_store(&o, FLO_STORE_WRITE);
		o.in.id_max = FLO_CUSTDB_ID_MAX;
	}

	flo_reader *r;
	o.in.fd = flo_open_reader(&r, o.path, o.in_fmt);
	o.in.out_fmt = o.out_fmt;
	o.in.keep = o.keep;
	o.in.nkeep = o.nkeep;
	flo_ingest *in;
	char msg[FLO_INGEST_MSG];
	int err = flo_ingest_new(&in, r, &o.in, &o.cfg, on_bad, &o.bad, msg);
	if (err != FLO_OK)
		die_ingest(err, msg);

	enum flo_format out_fmt = o.out_fmt ? o.out_fmt : flo_reader_format(r);
	flo_writer *w;
	if (flo_writer_new(&w, STDOUT_FILENO, out_fmt) != FLO_OK)
		flo_out_of_memory();
	struct output out = new_output(w, &o, out_fmt);
	out.no_value = flo_ingest_kind(in) == FLO_INGEST_ORDERS && !flo_ingest_has_value(in);
	if (o.incremental)
		run_live(&o, in, r, &out);
	else if (flo_ingest_kind(in) == FLO_INGEST_ORDERS)
		run_orders(&o, in, &out);
	else
		run_summaries(&o, in, &out);
	flo_ingest_free(in);
	flo_reader_free(r);
	flo_finish_output(w);
	flo_list_free(&o.keep_list);
	return 0;
}
