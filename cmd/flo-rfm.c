/* flo-rfm: order records (or FLO customer summaries) to one RFM summary
 * record per customer. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "err.h"
#include "num.h"
#include "record.h"
#include "rfm.h"

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
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times (offsets are converted to\n"
"UTC), or Unix epoch seconds.\n"
"Exit status: 0 success, 2 usage, 65 bad input data, 66 unreadable input,\n"
"74 write error.\n";

enum input_kind { KIND_DETECT, KIND_ORDERS, KIND_SUMMARY };

struct options {
	enum flo_format in_fmt, out_fmt;
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
	       OPT_SKIP, OPT_REJECTS, OPT_ORDERS, OPT_SUMMARY };
	static const struct option longopts[] = {
		{"input-format", required_argument, NULL, 'i'},
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
		{"skip-bad", no_argument, NULL, OPT_SKIP},
		{"rejects", required_argument, NULL, OPT_REJECTS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	o->unit = "week";
	int c;
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->in_fmt = flo_opt_format("--input-format", optarg); break;
		case 'o': o->out_fmt = flo_opt_format("--output-format", optarg); break;
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
		case OPT_UNIT: o->unit = optarg; break;
		case OPT_OCCASION:
			if (strcmp(optarg, "day") != 0 && strcmp(optarg, "order") != 0)
				flo_usage_error("option --occasion: expected day or order: \"%s\"",
						optarg);
			o->cfg.per_order = strcmp(optarg, "order") == 0;
			break;
		case OPT_FREQUENCY:
			if (strcmp(optarg, "repeat") != 0 && strcmp(optarg, "total") != 0)
				flo_usage_error("option --frequency: expected repeat or total: \"%s\"",
						optarg);
			o->cfg.freq_total = strcmp(optarg, "total") == 0;
			break;
		case OPT_CAP: o->cap_outliers = 1; break;
		case OPT_SKIP: o->bad.skip = 1; break;
		case OPT_REJECTS: o->bad.skip = 1; o->bad.rejects_path = optarg; break;
		case 'h': fputs(usage, stdout); exit(0);
		case 'V': flo_print_version(); exit(0);
		default:
			flo_option_error(c, argv);
		}
	}
	if (optind < argc)
		o->path = argv[optind++];
	if (optind < argc)
		flo_usage_error("one input file at most (got \"%s\" too)", argv[optind]);
	if (flo_unit_days(o->unit, &o->cfg.unit_days) != FLO_OK)
		flo_usage_error("option --unit: expected day, week or month: \"%s\"", o->unit);
	if (o->cfg.has_holdout && !o->cfg.has_as_of)
		flo_usage_error("--holdout-end needs --as-of");
	if (o->cfg.has_holdout && o->cfg.holdout_end <= o->cfg.as_of)
		flo_usage_error("--holdout-end must be after --as-of");
	o->cfg.nkeep = o->nkeep;
	o->cfg.order_ids = o->order_id != NULL;
	o->bad.input_name = flo_input_name(o->path);
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
};

static void write_summary(void *ctx, const struct flo_summary *s)
{
	struct output *out = ctx;
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
	int err = flo_writer_end(w);
	if (err == FLO_EIO)
		flo_finish_output(w); /* reports and exits */
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_writer_errmsg(w));
}

/* ---- reading ---- */

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
		flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "missing field \"%s\"", col->name);
		return NULL;
	}
	return f;
}

static int get_keep(struct options *o, flo_reader *r, struct fields *fl)
{
	static const struct flo_field null_field = {"", 0, "", 0, FLO_KIND_NULL};
	for (size_t i = 0; i < o->nkeep; i++) {
		const struct flo_field *f = flo_reader_get(r, &fl->keep[i]);
		fl->keep_vals[i] = f ? *f : null_field;
	}
	return 1;
}

static int get_date(struct options *o, flo_reader *r, const struct flo_field *f,
		    int64_t *t)
{
	int err = flo_parse_time(f->val, f->len, t);
	if (err == FLO_OK)
		return 1;
	flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "field \"%.*s\" %s: \"%s\"",
		       (int)f->name_len, f->name,
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
	flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "field \"%.*s\" %s: \"%s\"",
		       (int)f->name_len, f->name, what, flo_quote(f->val, f->len));
	return 0;
}

static void read_orders(struct options *o, flo_reader *r, struct fields *fl, flo_rfm *agg,
		long counts[4])
{
	const struct flo_field *id = need(o, r, &fl->id), *date, *amount,
			       *order_id = NULL;
	if (id == NULL || (date = need(o, r, &fl->date)) == NULL ||
	    (amount = need(o, r, &fl->amount)) == NULL)
		return;
	if (o->order_id != NULL && (order_id = need(o, r, &fl->order_id)) == NULL)
		return;
	if (id->len == 0) {
		flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "field \"%s\" is empty",
			       fl->id.name);
		return;
	}
	int64_t t;
	double value;
	if (!get_date(o, r, date, &t) || !get_number(o, r, amount, &value, 0))
		return;
	get_keep(o, r, fl);
	enum flo_order_fate fate;
	int err = flo_rfm_add(agg, id->val, id->len, t, value,
			      order_id ? order_id->val : NULL,
			      order_id ? order_id->len : 0, fl->keep_vals, &fate);
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
		flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "field \"%s\" is empty",
			       fl->id.name);
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
			flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR,
				       "field \"%s\" is negative: \"%s\"",
				       flo_custsum_columns[FLO_CS_ORDERS_ONLINE + k],
				       flo_quote(x->val, x->len));
			return;
		}
	}
	if (last < first) {
		flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR,
			       "last_order_date \"%s\" is before first_order_date",
			       flo_quote(f[FLO_CS_LAST]->val, f[FLO_CS_LAST]->len));
		return;
	}
	if (cv[0] + cv[1] < 1) {
		flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR,
			       "no orders (order_num_total_ever_online + _offline is 0)");
		return;
	}
	get_keep(o, r, fl);
	int err = flo_custsum_add(cs, id->val, id->len, (int32_t)(first / 86400),
				  (int32_t)(last / 86400), cv, fl->keep_vals);
	if (err == FLO_EVALUE)
		flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR, "customer \"%s\" appears twice",
			       flo_quote(id->val, id->len));
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

int main(int argc, char **argv)
{
	struct options o = {0};
	flo_cli_init("flo-rfm");
	parse_options(argc, argv, &o);

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
	if (o.kind == KIND_SUMMARY && o.cfg.has_holdout)
		flo_usage_error("--holdout-end needs order records, not customer summaries");
	if (o.kind == KIND_SUMMARY && (o.cfg.per_order || o.order_id))
		flo_usage_error("--occasion and --order-id need order records, not customer summaries");
	if (o.kind == KIND_ORDERS && o.cap_outliers)
		flo_usage_error("--cap-outliers applies to customer summaries, not order records");

	struct fields fl = {0};
	setup_fields(&o, f, n, fmt, &fl);

	flo_writer *w;
	if (flo_writer_new(&w, STDOUT_FILENO, o.out_fmt ? o.out_fmt : fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	struct output out = {w, &o, o.cfg.has_holdout};

	if (o.kind == KIND_ORDERS) {
		flo_rfm *agg;
		long counts[4] = {0};
		if (flo_rfm_new(&agg, &o.cfg) != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		for (; got != 0; got = flo_reader_next(r)) {
			if (got < 0)
				flo_reader_failed(&o.bad, r, got);
			else
				read_orders(&o, r, &fl, agg, counts);
		}
		flo_bad_finish(&o.bad);
		size_t holdout_only;
		if (flo_rfm_each(agg, write_summary, &out, &holdout_only) != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
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
	free(o.keep);
	free(o.keep_text);
	return 0;
}
