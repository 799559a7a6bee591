/* ingest.c: flo-rfm's input read and folded in. */
#include "rfm/ingest.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/idmap.h"
#include "base/money.h"
#include "base/pool.h"
#include "base/quote.h"
#include "record/field.h"
#include "record/plain.h"
#include "rfm/orderscan.h"
#include "rfm/rfmfeed.h"

static const char *const id_names[] = {"customer_id", "customer", "customerid",
				       "cust_id", "user_id", "id", NULL};
static const char *const summary_id_names[] = {"master_id", "customer_id", NULL};
static const char *const date_names[] = {"date", "order_date", "invoice_date",
					 "invoicedate", "timestamp", "time", NULL};
static const char *const amount_names[] = {"amount", "value", "revenue", "sales",
					   "total", NULL};
/* A line item's unit price: never an order's value by default. */
static const char *const price_names[] = {"price", "unit_price", "unitprice", NULL};

struct flo_ingest {
	flo_reader *r;
	struct flo_ingest_options o;
	struct flo_rfm_config cfg;
	flo_ingest_bad_fn *bad;
	void *ctx;
	enum flo_ingest_kind kind;
	int utf8;    /* ids and kept values must be UTF-8 */
	int got;     /* the reader's last answer */
	int fresh;   /* the current record is not read yet */
	struct flo_col id, date, amount, order_id, quantity, price, line_id;
	struct flo_col cs[FLO_CS_NCOLUMNS];
	struct flo_col *keep;
	struct flo_field *keep_vals;
	char *picked[4]; /* names found among the defaults */
	struct flo_ingest_result res;
	long no_id, returns; /* skipped by rule */
	int no_value;        /* no value field: every order's value is 0 */
	long unmatched, capped; /* --returns net: flo_ingest_netted() */
	char msg[FLO_INGEST_MSG];
};

static int failv(char *msg, int err, const char *fmt, va_list ap)
{
	vsnprintf(msg, FLO_INGEST_MSG, fmt, ap);
	return err;
}

static int fail(flo_ingest *in, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(flo_ingest *in, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	failv(in->msg, err, fmt, ap);
	va_end(ap);
	return err;
}

/* A bad current record: 0 when the caller goes on (skip it), else the code
 * to stop with. */
static int reject(flo_ingest *in, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(flo_ingest *in, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	failv(in->msg, err, fmt, ap);
	va_end(ap);
	if (err == FLO_ENOMEM)
		return err;
	return in->bad(in->ctx, in->r, err, in->msg) ? 0 : err;
}

/* A bad current record whose words are in in->msg already, as reject(). */
static int reject_field(flo_ingest *in, int err)
{
	if (err == FLO_ENOMEM)
		return err;
	return in->bad(in->ctx, in->r, err, in->msg) ? 0 : err;
}

/* The reader's error got (< 0): 0 to read on, else the code to stop with. */
static int reader_failed(flo_ingest *in, int got)
{
	int err = -got;
	snprintf(in->msg, sizeof in->msg, "%s", flo_reader_errmsg(in->r));
	int go_on = in->bad(in->ctx, in->r, got, in->msg);
	if (err != FLO_ESYNTAX || flo_reader_fatal(in->r) || !go_on)
		return err;
	return 0;
}

/* ---- columns ---- */

/* The first candidate present, matching case-insensitively; the name as the
 * input spells it (NULL with *oom clear when none is). */
static char *pick_field(const struct flo_field *f, size_t n, const char *const *candidates,
			int *oom)
{
	for (const char *const *c = candidates; *c; c++) {
		size_t len = strlen(*c);
		for (size_t i = 0; i < n; i++)
			if (f[i].name_len == len && strncasecmp(f[i].name, *c, len) == 0) {
				char *name = strndup(f[i].name, len);
				*oom = name == NULL;
				return name;
			}
	}
	return NULL;
}

/* A field named on the command line must be in a CSV or TSV header; JSON
 * records may each differ, so there a missing field is a bad record. */
static int resolve(flo_ingest *in, struct flo_col *col, const char *given,
		   const struct flo_field *f, size_t n, enum flo_format fmt,
		   const char *const *candidates, const char *what, const char *option,
		   char **owned)
{
	char hint[FLO_SEPARATOR_HINT];
	flo_separator_hint(f, n, fmt, hint);
	if (given != NULL) {
		if (fmt != FLO_FMT_JSONL && !flo_field_has(f, n, given))
			return fail(in, FLO_EFIELD, "no field \"%s\" (%s) in the input%s", given,
				    what, hint);
		*col = FLO_COL(given);
		return FLO_OK;
	}
	int oom = 0;
	char *name = *owned = pick_field(f, n, candidates, &oom);
	if (oom)
		return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
	if (name == NULL && hint[0] != '\0')
		return fail(in, FLO_EFIELD, "no %s field in the input%s", what, hint);
	if (name == NULL)
		return fail(in, FLO_EFIELD,
			    "no %s field in the input (tried %s, ...); name it with %s", what,
			    candidates[0], option);
	*col = FLO_COL(name);
	return FLO_OK;
}

static int is_summary(const struct flo_field *f, size_t n)
{
	for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
		if (!flo_field_has(f, n, flo_custsum_columns[k]))
			return 0;
	return 1;
}

/* The options the kind cannot take. */
static int check_kind(flo_ingest *in)
{
	if (in->kind == FLO_INGEST_SUMMARY && in->o.id_max > 0)
		return fail(in, FLO_EUSAGE, "the store folds order records, not customer summaries");
	if (in->kind == FLO_INGEST_SUMMARY && in->cfg.has_holdout)
		return fail(in, FLO_EUSAGE,
			    "--holdout-end needs order records, not customer summaries");
	if (in->kind == FLO_INGEST_SUMMARY &&
	    (in->cfg.per_order || in->cfg.period || in->o.order_id))
		return fail(in, FLO_EUSAGE, "--occasion and --order-id need order records, "
			    "not customer summaries");
	if (in->kind == FLO_INGEST_ORDERS && in->o.cap_outliers)
		return fail(in, FLO_EUSAGE,
			    "--cap-outliers applies to customer summaries, not order records");
	return FLO_OK;
}

/* The order's value: --quantity and --price, or --amount, or a default
 * value field; a unit price alone is refused, not summed as values. */
static int find_value(flo_ingest *in, const struct flo_field *f, size_t n, enum flo_format fmt)
{
	const struct flo_ingest_options *o = &in->o;
	int err;
	if (o->quantity != NULL) {
		if ((err = resolve(in, &in->quantity, o->quantity, f, n, fmt, NULL, "quantity",
				   "--quantity", NULL)) != FLO_OK)
			return err;
		return resolve(in, &in->price, o->price, f, n, fmt, NULL, "unit price", "--price",
			       NULL);
	}
	if (o->amount == NULL && fmt != FLO_FMT_JSONL) {
		int oom = 0;
		char *name = pick_field(f, n, amount_names, &oom);
		free(name);
		if (!oom && name == NULL &&
		    (in->picked[3] = pick_field(f, n, price_names, &oom)) != NULL)
			return fail(in, FLO_EUSAGE, "field \"%s\" is a unit price, not an order's "
				    "value: give --quantity FIELD and --price %s (amount = quantity "
				    "x price), or --amount %s to take it as the order's value",
				    in->picked[3], in->picked[3], in->picked[3]);
		if (oom)
			return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
	}
	if (o->amount == NULL) {
		/* No value at all (and no unit price): the BG/NBD alone, as
		 * lifetimes without a monetary_value_col. */
		int oom = 0;
		char *name = pick_field(f, n, amount_names, &oom);
		free(name);
		if (oom)
			return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
		if (name == NULL && in->picked[3] == NULL) {
			in->no_value = 1;
			return FLO_OK;
		}
	}
	return resolve(in, &in->amount, o->amount, f, n, fmt, amount_names, "order value",
		       "--amount", &in->picked[2]);
}

static int find_columns(flo_ingest *in, const struct flo_field *f, size_t n, enum flo_format fmt)
{
	const struct flo_ingest_options *o = &in->o;
	int err;
	if (in->kind == FLO_INGEST_SUMMARY) {
		for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
			if (!flo_field_has(f, n, flo_custsum_columns[k]))
				return fail(in, FLO_EFIELD, "--summary: no field \"%s\" in the input",
					    flo_custsum_columns[k]);
		if ((err = resolve(in, &in->id, o->id, f, n, fmt, summary_id_names, "customer id",
				   "--id", &in->picked[0])) != FLO_OK)
			return err;
		for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
			in->cs[k] = FLO_COL(flo_custsum_columns[k]);
	} else {
		if ((err = resolve(in, &in->id, o->id, f, n, fmt, id_names, "customer id", "--id",
				   &in->picked[0])) != FLO_OK ||
		    (err = resolve(in, &in->date, o->date, f, n, fmt, date_names, "order date",
				   "--date", &in->picked[1])) != FLO_OK ||
		    (err = find_value(in, f, n, fmt)) != FLO_OK)
			return err;
		if (o->order_id != NULL &&
		    (err = resolve(in, &in->order_id, o->order_id, f, n, fmt, NULL, "order id",
				   "--order-id", NULL)) != FLO_OK)
			return err;
		if (o->line_id != NULL &&
		    (err = resolve(in, &in->line_id, o->line_id, f, n, fmt, NULL, "line id",
				   "--line-id", NULL)) != FLO_OK)
			return err;
	}
	in->keep = calloc(o->nkeep ? o->nkeep : 1, sizeof *in->keep);
	in->keep_vals = calloc(o->nkeep ? o->nkeep : 1, sizeof *in->keep_vals);
	if (in->keep == NULL || in->keep_vals == NULL)
		return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
	for (size_t i = 0; i < o->nkeep; i++) {
		/* JSON records may differ; CSV and TSV name their columns once. */
		if (fmt != FLO_FMT_JSONL && !flo_field_has(f, n, o->keep[i]))
			return fail(in, FLO_EFIELD, "no field \"%s\" (--keep) in the input",
				    o->keep[i]);
		in->keep[i] = FLO_COL(o->keep[i]);
	}
	return FLO_OK;
}

int flo_ingest_new(flo_ingest **out, flo_reader *r, const struct flo_ingest_options *o,
		   const struct flo_rfm_config *cfg, flo_ingest_bad_fn *bad, void *ctx,
		   char *msg)
{
	flo_ingest *in = calloc(1, sizeof *in);
	*out = NULL;
	if (in == NULL) {
		snprintf(msg, FLO_INGEST_MSG, "%s", flo_strerror(FLO_ENOMEM));
		return FLO_ENOMEM;
	}
	*in = (struct flo_ingest){.r = r, .o = *o, .cfg = *cfg, .bad = bad, .ctx = ctx,
				  .kind = o->kind, .fresh = 1};
	in->cfg.net_returns = o->returns == FLO_RETURNS_NET;
	int err = FLO_OK, got = 0;
	while (err == FLO_OK && (got = flo_reader_next(r)) < 0)
		err = reader_failed(in, got);
	in->got = got;
	enum flo_format fmt = flo_reader_format(r);
	in->utf8 = (o->out_fmt ? o->out_fmt : fmt) == FLO_FMT_JSONL;
	size_t n = 0;
	const struct flo_field *f = NULL;
	if (err == FLO_OK)
		f = got ? flo_reader_fields(r, &n) : flo_reader_header(r, &n);
	if (err == FLO_OK && got == 0 && n == 0)
		err = fail(in, FLO_EVALUE, "%s is empty", o->input_name);
	if (err == FLO_OK && in->kind == FLO_INGEST_DETECT)
		in->kind = is_summary(f, n) ? FLO_INGEST_SUMMARY : FLO_INGEST_ORDERS;
	if (err == FLO_OK && (err = check_kind(in)) == FLO_OK)
		err = find_columns(in, f, n, fmt);
	if (err != FLO_OK) {
		snprintf(msg, FLO_INGEST_MSG, "%s", in->msg);
		flo_ingest_free(in);
		return err;
	}
	*out = in;
	return FLO_OK;
}

void flo_ingest_free(flo_ingest *in)
{
	if (in == NULL)
		return;
	flo_rfm_free(in->res.orders);
	flo_custsum_free(in->res.summaries);
	for (int i = 0; i < 4; i++)
		free(in->picked[i]);
	free(in->keep);
	free(in->keep_vals);
	free(in);
}

void flo_ingest_netted(const flo_ingest *in, long *netted, long *unmatched, long *capped)
{
	*netted = in->returns;
	*unmatched = in->unmatched;
	*capped = in->capped;
}

int flo_ingest_has_value(const flo_ingest *in)
{
	return !in->no_value;
}

enum flo_ingest_kind flo_ingest_kind(const flo_ingest *in)
{
	return in->kind;
}

void flo_ingest_skipped(const flo_ingest *in, long *no_id, long *returns)
{
	*no_id = in->no_id;
	*returns = in->returns;
}

const char *flo_ingest_errmsg(const flo_ingest *in)
{
	return in->msg;
}

/* ---- records ---- */

/* The field col names, or a bad record: FLO_OK, -1 for a skipped one, or
 * the code to stop with.  This runs three times an order: a field present
 * is taken here, without a call (flo_field_need() words the others); the
 * words go straight to in->msg, not to a buffer on the stack. */
static inline __attribute__((always_inline)) int need(flo_ingest *in, struct flo_col *col,
						      const struct flo_field **f)
{
	*f = flo_reader_get(in->r, col);
	if (*f != NULL && (*f)->kind != FLO_KIND_NULL)
		return FLO_OK;
	int err = flo_field_need(in->r, col, f, in->msg);
	return reject_field(in, err) ? err : -1;
}

static int get_time(flo_ingest *in, const struct flo_field *f, int64_t *t)
{
	int err = flo_field_time(f, t, in->msg);
	return err == FLO_OK ? FLO_OK : reject_field(in, err) ? err : -1;
}

/* An order's date, in --date-format when given. */
static int get_order_time(flo_ingest *in, const struct flo_field *f, int64_t *t)
{
	int err = flo_field_time_format(f, in->o.date_format, t, in->msg);
	return err == FLO_OK ? FLO_OK : reject_field(in, err) ? err : -1;
}

static int get_number(flo_ingest *in, const struct flo_field *f, unsigned how, double *v)
{
	int err = flo_field_number(f, how, v, in->msg);
	return err == FLO_OK ? FLO_OK : reject_field(in, err) ? err : -1;
}

/* A reject() verdict in the convention of the readers below: -1 for a
 * skipped record, else the code to stop with. */
static int skip_or(int err)
{
	return err ? err : -1;
}

/* The kept values, into in->keep_vals; with JSON output, a record whose id
 * or kept values are not UTF-8 is refused here, with its line, rather than
 * when the summaries are written. */
static int get_keep(flo_ingest *in, const struct flo_field *id)
{
	static const struct flo_field null_field = {"", 0, "", 0, FLO_KIND_NULL};
	for (size_t i = 0; i < in->o.nkeep; i++) {
		const struct flo_field *f = flo_reader_get(in->r, &in->keep[i]);
		in->keep_vals[i] = f ? *f : null_field;
	}
	if (in->utf8 && (flo_not_utf8(id, 1, in->msg, sizeof in->msg) ||
			 flo_not_utf8(in->keep_vals, in->o.nkeep, in->msg, sizeof in->msg)))
		return skip_or(reject_field(in, FLO_EVALUE));
	return FLO_OK;
}

/* The decimal places a number's text has (7: more, or an exponent). */
static int decimals(const struct flo_field *f)
{
	const char *dot = memchr(f->val, '.', f->len);
	if (memchr(f->val, 'e', f->len) || memchr(f->val, 'E', f->len))
		return 7;
	if (dot == NULL)
		return 0;
	size_t n = f->len - (size_t)(dot + 1 - f->val);
	return n > 7 ? 7 : (int)n;
}

/* A line's value, quantity x price: FLO_OK, -1 for a skipped bad record,
 * or the code to stop with. */
static int get_line_value(flo_ingest *in, const struct flo_field *qty,
			  const struct flo_field *price, double *v)
{
	double q, p;
	int err;
	if ((err = get_number(in, qty, FLO_FIELD_NUMBER, &q)) != FLO_OK ||
	    (err = get_number(in, price, FLO_FIELD_NUMBER, &p)) != FLO_OK)
		return err;
	*v = q * p;
	/* The product of decimals of dq and dp places has dq + dp places: with
	 * at most six, the nearest double to it, so that line values sum
	 * exactly as money (base/money.h), as a value typed in would. */
	int places = decimals(qty) + decimals(price);
	if (places <= 6 && fabs(*v) <= FLO_MONEY_EXACT_MAX) {
		static const double scale[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
		*v = (double)llround(*v * scale[places]) / scale[places];
	}
	if (!isfinite(*v))
		return skip_or(reject(in, FLO_ERANGE, "quantity x price is out of range: "
				      "\"%s\" x \"%s\"", flo_quote(qty->val, qty->len),
				      flo_quote(price->val, price->len)));
	if (*v == 0)
		*v = 0; /* no -0 */
	return FLO_OK;
}

/* The line's hash: its order id with --line-id's value, or with the whole
 * record's text; never 0 (0 is an order without lines). */
static uint64_t line_hash(const flo_ingest *in, const struct flo_field *order_id,
			  const struct flo_field *line_id)
{
	size_t len;
	const char *text = line_id ? line_id->val : flo_reader_raw(in->r, &len);
	if (line_id != NULL)
		len = line_id->len;
	uint64_t h = flo_hash(order_id->val, order_id->len) * 0x9e3779b97f4a7c15ull ^
		     flo_hash(text, len);
	return h ? h : 1;
}

/* Whether a line is a return: a negative value or quantity, or an order id
 * with the cancel prefix. */
static int is_return(const flo_ingest *in, double amount, const struct flo_field *qty,
		     const struct flo_field *order_id)
{
	if (amount < 0 || (qty != NULL && qty->len > 0 && qty->val[0] == '-'))
		return 1;
	const char *pre = in->o.cancel_prefix;
	size_t n = pre ? strlen(pre) : 0;
	return n > 0 && order_id != NULL && order_id->len >= n &&
	       memcmp(order_id->val, pre, n) == 0;
}

/* The current record as an order: FLO_OK, -1 for a skipped bad record, or
 * the code to stop with. */
static int read_order(flo_ingest *in, struct flo_ingest_order *ord)
{
	const struct flo_field *id, *date, *amount = NULL, *order_id = NULL, *qty = NULL;
	const struct flo_field *price = NULL, *line_id = NULL;
	int err;
	if ((err = need(in, &in->id, &id)) != FLO_OK || (err = need(in, &in->date, &date)))
		return err;
	if (in->no_value)
		; /* the value is 0 */
	else if (in->o.quantity == NULL ? (err = need(in, &in->amount, &amount)) != FLO_OK
				   : (err = need(in, &in->quantity, &qty)) != FLO_OK ||
				     (err = need(in, &in->price, &price)) != FLO_OK)
		return err;
	if (in->o.order_id != NULL && (err = need(in, &in->order_id, &order_id)) != FLO_OK)
		return err;
	if (in->o.line_id != NULL && (err = need(in, &in->line_id, &line_id)) != FLO_OK)
		return err;
	if (id->len == 0) {
		/* Counted and skipped, not a bad record: logs have orders of
		 * guests (UCI Online Retail: a quarter of its lines). */
		snprintf(in->msg, sizeof in->msg, "field \"%s\" is empty", in->id.name);
		in->no_id++;
		in->bad(in->ctx, in->r, 0, in->msg);
		return -1;
	}
	/* What the store's keys cannot be. */
	if (in->o.id_max > 0 && (id->len > in->o.id_max || id->val[0] == '\0'))
		return skip_or(id->val[0] == '\0'
			? reject(in, FLO_EVALUE, "field \"%s\" starts with a NUL byte: \"%s\"",
				 in->id.name, flo_quote(id->val, id->len))
			: reject(in, FLO_EVALUE,
				 "field \"%s\" is longer than the store's %zu bytes: \"%s\"",
				 in->id.name, in->o.id_max, flo_quote(id->val, id->len)));
	ord->amount = 0;
	if ((err = get_order_time(in, date, &ord->time)) != FLO_OK ||
	    (err = amount  ? get_number(in, amount, FLO_FIELD_NUMBER, &ord->amount)
		   : qty   ? get_line_value(in, qty, price, &ord->amount)
			   : FLO_OK) != FLO_OK ||
	    (err = get_keep(in, id)) != FLO_OK)
		return err;
	ord->line = order_id != NULL ? line_hash(in, order_id, line_id) : 0;
	ord->is_return = in->o.returns != FLO_RETURNS_KEEP &&
			 is_return(in, ord->amount, qty, order_id);
	if (ord->is_return && in->o.returns == FLO_RETURNS_DROP) {
		in->returns++;
		return -1;
	}
	if (ord->is_return)
		ord->amount = fabs(ord->amount);
	ord->id = id->val;
	ord->id_len = id->len;
	ord->order_id = order_id ? order_id->val : NULL;
	ord->order_id_len = order_id ? order_id->len : 0;
	ord->keep = in->keep_vals;
	return FLO_OK;
}

static int read_summary(flo_ingest *in, flo_custsum *cs)
{
	const struct flo_field *id, *f[FLO_CS_NCOLUMNS];
	int err;
	if ((err = need(in, &in->id, &id)) != FLO_OK)
		return err;
	for (int k = 0; k < FLO_CS_NCOLUMNS; k++)
		if ((err = need(in, &in->cs[k], &f[k])) != FLO_OK)
			return err;
	if (id->len == 0)
		return skip_or(reject(in, FLO_EVALUE, "field \"%s\" is empty", in->id.name));
	int64_t first, last;
	double cv[4];
	if ((err = get_time(in, f[FLO_CS_FIRST], &first)) != FLO_OK ||
	    (err = get_time(in, f[FLO_CS_LAST], &last)) != FLO_OK)
		return err;
	int32_t first_day = (int32_t)(first / 86400), last_day = (int32_t)(last / 86400);
	for (int k = 0; k < 4; k++) {
		const struct flo_field *x = f[FLO_CS_ORDERS_ONLINE + k];
		if ((err = get_number(in, x, k < 2 ? FLO_FIELD_COUNT : FLO_FIELD_NUMBER,
				      &cv[k])) != FLO_OK)
			return err;
		if (cv[k] < 0)
			return skip_or(reject(in, FLO_EVALUE, "field \"%s\" is negative: \"%s\"",
					      flo_custsum_columns[FLO_CS_ORDERS_ONLINE + k],
					      flo_quote(x->val, x->len)));
	}
	if (last < first)
		return skip_or(reject(in, FLO_EVALUE,
				      "last_order_date \"%s\" is before first_order_date",
				      flo_quote(f[FLO_CS_LAST]->val, f[FLO_CS_LAST]->len)));
	struct flo_money total = flo_money_of(cv[2]);
	if (!flo_money_ok(total) || !flo_money_add_checked(&total, flo_money_of(cv[3])))
		return skip_or(reject(in, FLO_ERANGE,
				      "customer_value_total_ever_online + _offline is out of range "
				      "(flo sums values up to 1e300, and exactly up to 4.6e12)"));
	if (cv[0] + cv[1] < 1)
		return skip_or(reject(in, FLO_EVALUE, "no orders (order_num_total_ever_online "
				      "+ _offline is 0)"));
	/* One order has one day: a summary of it on two days would be written
	 * as frequency 0 with a recency, which no model takes (flo-fit refuses
	 * it, far from this line). */
	if (cv[0] + cv[1] == 1 && first_day != last_day) {
		char first_text[64];
		snprintf(first_text, sizeof first_text, "%s",
			 flo_quote(f[FLO_CS_FIRST]->val, f[FLO_CS_FIRST]->len));
		return skip_or(reject(in, FLO_EVALUE,
				      "one order (order_num_total_ever_online + _offline is 1) "
				      "on two days: first_order_date \"%s\", last_order_date "
				      "\"%s\"", first_text,
				      flo_quote(f[FLO_CS_LAST]->val, f[FLO_CS_LAST]->len)));
	}
	if ((err = get_keep(in, id)) != FLO_OK)
		return err;
	err = flo_custsum_add(cs, id->val, id->len, first_day, last_day, cv, in->keep_vals);
	if (err == FLO_EVALUE)
		return skip_or(reject(in, FLO_EVALUE, "customer \"%s\" appears twice",
				      flo_quote(id->val, id->len)));
	if (err != FLO_OK)
		return fail(in, err, "%s", flo_strerror(err));
	return FLO_OK;
}

/* The widest header the peek splits (a line's field ends on the stack). */
#define PEEK_FIELDS_MAX 64

size_t flo_ingest_peek_ids(flo_ingest *in, size_t max, const char **ids, size_t *lens)
{
	enum flo_format fmt = flo_reader_format(in->r);
	if (in->kind != FLO_INGEST_ORDERS || in->fresh || in->got <= 0 ||
	    (fmt != FLO_FMT_CSV && fmt != FLO_FMT_TSV))
		return 0;
	size_t nfields, len;
	const struct flo_field *all = flo_reader_fields(in->r, &nfields);
	const struct flo_field *f = flo_reader_get(in->r, &in->id);
	if (f == NULL || nfields > PEEK_FIELDS_MAX)
		return 0;
	long line;
	int eof;
	const char *p = flo_reader_unread(in->r, &len, &line, &eof), *e = p + len;
	const char *ends[PEEK_FIELDS_MAX];
	const int csv = fmt == FLO_FMT_CSV;
	size_t n = 0;
	for (const char *nl; n < max; p = nl + 1, n++) {
		nl = flo_plain_line(p, e, csv ? ',' : '\t', csv ? '"' : '\\', nfields, ends);
		if (nl == NULL)
			break;
		ids[n] = flo_plain_field(p, ends, (size_t)(f - all), &lens[n]);
	}
	return n;
}

int flo_ingest_next(flo_ingest *in, struct flo_ingest_order *ord)
{
	for (;;) {
		if (!in->fresh)
			in->got = flo_reader_next(in->r);
		in->fresh = 0;
		if (in->got == 0)
			return 0;
		int err = in->got < 0 ? reader_failed(in, in->got) : read_order(in, ord);
		if (err == FLO_OK && in->got > 0)
			return 1;
		if (err > 0)
			return -err;
	}
}

/* ---- the paths ---- */

/* Where the order fields are, when the records can be scanned on a thread
 * per part of the customers (orderscan.h): CSV or TSV, no --keep,
 * --order-id or --date-format (the scan reads flo_parse_time()'s forms),
 * two threads or more. */
static int scan_layout(flo_ingest *in, struct flo_orderscan_layout *lay)
{
	enum flo_format fmt = flo_reader_format(in->r);
	if ((fmt != FLO_FMT_CSV && fmt != FLO_FMT_TSV) || in->cfg.nkeep > 0 || in->no_value ||
	    in->o.quantity != NULL ||
	    in->cfg.order_ids || in->cfg.parts < 2 || in->o.date_format != NULL ||
	    in->cfg.net_returns || in->cfg.period ||
	    flo_reader_more_inputs(in->r))
		return 0;
	/* A CSV or TSV record's fields are the header's, in its order. */
	size_t n;
	const struct flo_field *all = flo_reader_fields(in->r, &n);
	struct flo_col *cols[3] = {&in->id, &in->date, &in->amount};
	size_t at[3];
	for (int k = 0; k < 3; k++) {
		const struct flo_field *f = flo_reader_get(in->r, cols[k]);
		if (f == NULL)
			return 0;
		at[k] = (size_t)(f - all);
	}
	*lay = (struct flo_orderscan_layout){fmt, n, at[0], at[1], at[2], in->utf8};
	return 1;
}

/* The words for an aggregator's failure.  A sum overflowed in a batch
 * (threaded scan, feed) cannot be pinned to its line: the batch paths take
 * values up to FLO_MONEY_EXACT_MAX only, so this needs millions of large
 * orders of one customer. */
static const char *range_words(int err)
{
	if (err == FLO_ERANGE)
		return "a customer's total value is out of range (flo sums values exactly up "
		       "to 4.6e12); the order cannot be named on the threaded path";
	return flo_strerror(err);
}

int flo_ingest_reject_overflow(flo_ingest *in)
{
	const struct flo_field *v = in->o.quantity == NULL ? flo_reader_get(in->r, &in->amount)
							   : flo_reader_get(in->r, &in->price);
	const char *name = in->o.quantity == NULL ? in->amount.name : in->price.name;
	int err = reject(in, FLO_ERANGE,
			 "field \"%s\": the customer's total value would be out of range "
			 "(flo sums values up to 1e300, and exactly up to 4.6e12): \"%s\"",
			 name,
			 v != NULL ? flo_quote(v->val, v->len) : "");
	return err ? err : -1;
}

/* A read order into the aggregator: FLO_OK, -1 for a skipped bad record,
 * or the code to stop with. */
static int fold_order(flo_ingest *in, flo_rfm *agg, const struct flo_ingest_order *ord)
{
	enum flo_order_fate fate;
	int err;
	if (ord->is_return) {
		err = flo_rfm_add_return(agg, ord->id, ord->id_len, ord->time, ord->amount,
					 ord->order_id ? ord->line : 0, &fate);
		in->returns += err == FLO_OK && fate != FLO_ORDER_REPEATED && fate != FLO_ORDER_LATE;
		if (fate == FLO_ORDER_LATE || fate == FLO_ORDER_REPEATED)
			in->res.fates[fate]++;
		return err == FLO_OK ? FLO_OK : fail(in, err, "%s", flo_strerror(err));
	}
	err = flo_rfm_add_line(agg, ord->id, ord->id_len, ord->time, ord->amount,
				   ord->order_id, ord->order_id_len, ord->order_id ? ord->line : 0,
				   ord->keep, &fate);
	if (err == FLO_ERANGE)
		return flo_ingest_reject_overflow(in);
	if (err != FLO_OK)
		return fail(in, err, "%s", flo_strerror(err));
	in->res.fates[fate]++;
	return FLO_OK;
}

/* The current record into the aggregator, one by one. */
static int add_order(flo_ingest *in, flo_rfm *agg)
{
	struct flo_ingest_order ord;
	int err = read_order(in, &ord);
	if (err == FLO_OK)
		err = fold_order(in, agg, &ord);
	return err < 0 ? FLO_OK : err;
}

/* Whether an order's value goes to the aggregator one by one, where a sum
 * it overflows is a bad record named by its line, rather than in a batch,
 * which can only fail: only values beyond the exact range can overflow a
 * sum in a few orders (base/money.h). */
static int big_value(double amount)
{
	return !(fabs(amount) <= FLO_MONEY_EXACT_MAX);
}

/* The common case (no --keep, no --order-id) through a feed (rfmfeed.h):
 * parsing and folding in overlap. */
static int feed_order(flo_ingest *in, flo_rfm_feed *feed)
{
	struct flo_ingest_order ord;
	int err = read_order(in, &ord);
	if (err != FLO_OK)
		return err < 0 ? FLO_OK : err;
	if (big_value(ord.amount)) {
		/* The feed's thread idle first: the aggregator is one thread's. */
		if ((err = flo_rfm_feed_drain(feed)) != FLO_OK)
			return fail(in, err, "%s", range_words(err));
		err = fold_order(in, flo_rfm_feed_agg(feed), &ord);
		return err < 0 ? FLO_OK : err;
	}
	err = flo_rfm_feed_add(feed, ord.id, ord.id_len, ord.time, ord.amount);
	return err == FLO_OK ? FLO_OK : fail(in, err, "%s", range_words(err));
}

static int run_orders(flo_ingest *in)
{
	struct flo_ingest_result *res = &in->res;
	/* A part of the customers a thread, up to 8 (a power of two). */
	for (in->cfg.parts = 1; in->cfg.parts < FLO_RFM_MAX_PARTS &&
				2 * in->cfg.parts <= (unsigned)flo_usable_cpus();)
		in->cfg.parts *= 2;
	res->threads = in->cfg.parts;
	if (flo_rfm_new(&res->orders, &in->cfg) != FLO_OK)
		return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
	flo_rfm *agg = res->orders;
	int got = in->got, err;
	struct flo_orderscan_layout lay;
	if (got > 0 && scan_layout(in, &lay)) {
		/* The first record as any other; the rest on a thread a part as
		 * long as the lines are plain and good. */
		if ((err = add_order(in, agg)) != FLO_OK)
			return err;
		long before = res->fates[0] + res->fates[1] + res->fates[2] + res->fates[3];
		int done;
		if ((err = flo_orderscan(in->r, in->o.fd, agg, &lay, res->fates, &done)) != FLO_OK)
			return fail(in, err, "%s", range_words(err));
		res->scanned = res->fates[0] + res->fates[1] + res->fates[2] + res->fates[3] -
			       before;
		got = done ? 0 : flo_reader_next(in->r);
	}
	flo_rfm_feed *feed = NULL;
	if (in->cfg.nkeep == 0 && !in->cfg.order_ids && !in->cfg.net_returns && !in->cfg.period &&
	    flo_rfm_feed_new(&feed, agg, flo_usable_cpus() > 1) != FLO_OK)
		return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
	for (err = FLO_OK; got != 0; got = flo_reader_next(in->r)) {
		if (got < 0)
			err = reader_failed(in, got);
		else if (feed != NULL)
			err = feed_order(in, feed);
		else
			err = add_order(in, agg);
		if (err != FLO_OK)
			break;
	}
	int ferr = feed != NULL ? flo_rfm_feed_finish(feed, res->fates) : FLO_OK;
	if (err == FLO_OK && ferr != FLO_OK)
		err = fail(in, ferr, "%s", range_words(ferr));
	if (err == FLO_OK && in->cfg.net_returns &&
	    (err = flo_rfm_net_returns(agg, &in->unmatched, &in->capped)) != FLO_OK)
		err = fail(in, err, "%s", flo_strerror(err));
	return err;
}

static int run_summaries(flo_ingest *in)
{
	if (flo_custsum_new(&in->res.summaries, &in->cfg) != FLO_OK)
		return fail(in, FLO_ENOMEM, "%s", flo_strerror(FLO_ENOMEM));
	for (int got = in->got; got != 0; got = flo_reader_next(in->r)) {
		int err = got < 0 ? reader_failed(in, got) : read_summary(in, in->res.summaries);
		if (err > 0)
			return err;
	}
	return FLO_OK;
}

int flo_ingest_run(flo_ingest *in, struct flo_ingest_result *res)
{
	int err = in->kind == FLO_INGEST_SUMMARY ? run_summaries(in) : run_orders(in);
	*res = in->res;
	return err;
}
