/* Unit tests for lib/rfm/ingest.c: a small order log gives the RFM summaries
 * worked out by hand (BG/NBD's x, t_x, T in weeks; the mean repeat value),
 * whichever path reads it (the threaded scan, the feed, the one-by-one path
 * of --keep); bad records reach the caller's function with their code and
 * message, and are skipped or stop the run as it says; the FLO summary
 * layout is recognised from its columns; the kind checks and missing
 * columns are refused before any record is read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "rfm/ingest.h"

/* The forms a bad order date's message lists (issue 14). */
#define HINT " (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or " \
	     "milliseconds; or name the form with --date-format)"

static flo_reader *reader_fd(const char *data, enum flo_format fmt, int *fd)
{
	FILE *f = tmpfile();
	fputs(data, f);
	fflush(f);
	rewind(f);
	*fd = dup(fileno(f));
	fclose(f);
	flo_reader *r;
	CHECK_INT(flo_reader_new(&r, *fd, fmt), FLO_OK);
	return r;
}

/* What the bad-record function saw, and whether it lets the run go on. */
struct bad_seen {
	int go_on, n, err;
	char msg[FLO_INGEST_MSG];
};

static int on_bad(void *ctx, const flo_reader *r, int err, const char *msg)
{
	struct bad_seen *b = ctx;
	(void)r;
	b->n++;
	b->err = err;
	snprintf(b->msg, sizeof b->msg, "%s", msg);
	return b->go_on;
}

struct text {
	char buf[4096];
	size_t len, nkeep;
};

static void collect(void *ctx, const struct flo_summary *s)
{
	struct text *t = ctx;
	t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len,
				   "%.*s %g %g %g %g %g %g", (int)s->id_len, s->id, s->frequency,
				   s->recency, s->T, s->monetary, s->orders, s->revenue);
	if (t->nkeep > 0 && s->kept[0].kind != FLO_KIND_NULL)
		t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len, " %.*s",
					   (int)s->kept[0].len, s->kept[0].val);
	t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len, "\n");
}

static const char orders[] = "customer_id,date,amount,channel\n"
			     "a,2020-01-01,10,web\n"
			     "b,2020-01-08,5,shop\n"
			     "a,2020-01-08,20,web\n"
			     "a,2020-01-15,30,shop\n";

/* a: purchases on days 0, 7 and 14 of 2020: x = 2, t_x = 2 weeks, T = 2
 * weeks (the latest order is the observation end), repeat value (20 + 30) / 2;
 * b: one purchase a week before the end. */
static const char by_hand[] = "a 2 2 2 25 3 60\nb 0 0 1 0 1 5\n";

static void run(const char *data, const struct flo_ingest_options *o0, const char *want)
{
	struct flo_ingest_options o = *o0;
	struct flo_rfm_config cfg = {.unit_days = 7, .nkeep = o.nkeep,
				     .order_ids = o.order_id != NULL};
	struct bad_seen b = {1, 0, 0, ""};
	char msg[FLO_INGEST_MSG];
	flo_reader *r = reader_fd(data, FLO_FMT_AUTO, &o.fd);
	flo_ingest *in;
	CHECK_INT(flo_ingest_new(&in, r, &o, &cfg, on_bad, &b, msg), FLO_OK);
	CHECK_INT(flo_ingest_kind(in), FLO_INGEST_ORDERS);
	struct flo_ingest_result res;
	CHECK_INT(flo_ingest_run(in, &res), FLO_OK);
	CHECK_INT(res.fates[FLO_ORDER_CALIBRATION], 4);
	struct text t = {"", 0, o.nkeep};
	size_t holdout_only;
	CHECK_INT(flo_rfm_each(res.orders, collect, &t, &holdout_only), FLO_OK);
	CHECK_STR(t.buf, want);
	CHECK_INT(b.n, 0);
	flo_ingest_free(in);
	flo_reader_free(r);
	close(o.fd);
}

static void test_paths(void)
{
	struct flo_ingest_options o = {.input_name = "input"};
	run(orders, &o, by_hand); /* the scan (two threads or more), else the feed */
	char *keep[] = {"channel"};
	o.keep = keep;
	o.nkeep = 1;
	run(orders, &o, "a 2 2 2 25 3 60 shop\nb 0 0 1 0 1 5 shop\n");
	/* JSON Lines: the feed. */
	struct flo_ingest_options j = {.input_name = "input"};
	run("{\"customer_id\":\"a\",\"date\":\"2020-01-01\",\"amount\":10}\n"
	    "{\"customer_id\":\"b\",\"date\":\"2020-01-08\",\"amount\":5}\n"
	    "{\"customer_id\":\"a\",\"date\":\"2020-01-08\",\"amount\":20}\n"
	    "{\"customer_id\":\"a\",\"date\":\"2020-01-15\",\"amount\":30}\n",
	    &j, by_hand);
}

/* A log with bad records: skipped, each seen once with its words; or the
 * first stops the run with its code. */
static void test_bad(void)
{
	static const char log[] = "customer_id,date,amount\n"
				  "a,2020-01-01,10\n"
				  "a,someday,20\n"
				  "b,2020-01-08,5\n"
				  ",2020-01-08,5\n"
				  "a,2020-01-15,x\n";
	for (int go_on = 1; go_on >= 0; go_on--) {
		struct flo_ingest_options o = {.input_name = "input"};
		struct flo_rfm_config cfg = {.unit_days = 7};
		struct bad_seen b = {go_on, 0, 0, ""};
		char msg[FLO_INGEST_MSG];
		flo_reader *r = reader_fd(log, FLO_FMT_AUTO, &o.fd);
		flo_ingest *in;
		CHECK_INT(flo_ingest_new(&in, r, &o, &cfg, on_bad, &b, msg), FLO_OK);
		struct flo_ingest_result res;
		int err = flo_ingest_run(in, &res);
		if (go_on) {
			CHECK_INT(err, FLO_OK);
			CHECK_INT(b.n, 3);
			CHECK_INT(b.err, FLO_ENUMBER);
			CHECK_STR(b.msg, "field \"amount\" is not a number: \"x\"");
			CHECK_INT(res.fates[FLO_ORDER_CALIBRATION], 2);
		} else {
			CHECK_INT(err, FLO_EDATE);
			CHECK_INT(b.n, 1);
			CHECK_STR(b.msg, "field \"date\" is not a date: \"someday\"" HINT);
			CHECK_STR(flo_ingest_errmsg(in), "field \"date\" is not a date: \"someday\"" HINT);
		}
		flo_ingest_free(in);
		flo_reader_free(r);
		close(o.fd);
	}
}

/* One order at a time, as the store takes them: ids the store cannot key
 * are bad records. */
static void test_next(void)
{
	static const char log[] = "customer_id,date,amount\n"
				  "abc,2020-01-01,10\n"
				  "abcd,2020-01-02,20\n"
				  "ab,2020-01-03,30\n";
	struct flo_ingest_options o = {.input_name = "input", .id_max = 3, .fd = -1};
	struct flo_rfm_config cfg = {.unit_days = 7};
	struct bad_seen b = {1, 0, 0, ""};
	char msg[FLO_INGEST_MSG];
	flo_reader *r = reader_fd(log, FLO_FMT_AUTO, &o.fd);
	flo_ingest *in;
	CHECK_INT(flo_ingest_new(&in, r, &o, &cfg, on_bad, &b, msg), FLO_OK);
	struct flo_ingest_order ord;
	CHECK_INT(flo_ingest_next(in, &ord), 1);
	CHECK_INT(ord.id_len, 3);
	CHECK_INT(ord.time, 1577836800); /* 2020-01-01T00:00:00Z */
	CHECK_INT(flo_ingest_next(in, &ord), 1);
	CHECK(ord.amount == 30);
	CHECK_INT(b.n, 1);
	CHECK_STR(b.msg, "field \"customer_id\" is longer than the store's 3 bytes: \"abcd\"");
	CHECK_INT(flo_ingest_next(in, &ord), 0);
	flo_ingest_free(in);
	flo_reader_free(r);
	close(o.fd);
}

/* The ids peeked after the current order (the store's prefetch hints):
 * the plain lines' id field wherever the column is, as many as asked for
 * and read ahead, ending at the first line the peek cannot split (a quoted
 * field); none before the first order, after the last, or for JSON Lines. */
static void peek(const char *log, enum flo_format fmt, size_t max, const char *want,
		 size_t orders_read)
{
	struct flo_ingest_options o = {.input_name = "input", .id_max = 100, .fd = -1};
	struct flo_rfm_config cfg = {.unit_days = 7};
	struct bad_seen b = {1, 0, 0, ""};
	char msg[FLO_INGEST_MSG], got[256] = "";
	flo_reader *r = reader_fd(log, fmt, &o.fd);
	flo_ingest *in;
	CHECK_INT(flo_ingest_new(&in, r, &o, &cfg, on_bad, &b, msg), FLO_OK);
	struct flo_ingest_order ord;
	const char *id[8];
	size_t len[8], at = 0;
	for (size_t i = 0; i < orders_read; i++)
		CHECK_INT(flo_ingest_next(in, &ord), 1);
	size_t n = flo_ingest_peek_ids(in, max, id, len);
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(got + at, sizeof got - at, "%s%.*s", i ? " " : "",
				       (int)len[i], id[i]);
	CHECK_STR(got, want);
	flo_ingest_free(in);
	flo_reader_free(r);
	close(o.fd);
}

static void test_peek(void)
{
	static const char csv[] = "date,amount,customer_id\n"
				  "2020-01-01,10,a1\n"
				  "2020-01-02,20,b22\n"
				  "2020-01-03,30,c333\r\n"
				  "2020-01-04,40,d4\n"
				  "2020-01-05,50,\"e,5\"\n"
				  "2020-01-06,60,f6\n";
	peek(csv, FLO_FMT_AUTO, 8, "", 0);               /* no order read yet */
	peek(csv, FLO_FMT_AUTO, 8, "b22 c333 d4", 1);   /* CRLF ends a field; a quote stops */
	peek(csv, FLO_FMT_AUTO, 2, "b22 c333", 1);
	peek(csv, FLO_FMT_AUTO, 8, "", 4);               /* the quoted line next */
	peek(csv, FLO_FMT_AUTO, 8, "", 6);               /* after the last */
	static const char tsv[] = "customer_id\tdate\tamount\n"
				  "a1\t2020-01-01\t10\n"
				  "b2\t2020-01-02\t20\n"
				  "c\\3\t2020-01-03\t30\n";
	peek(tsv, FLO_FMT_TSV, 8, "b2", 1);             /* an escape stops */
	static const char jsonl[] = "{\"customer_id\":\"a\",\"date\":\"2020-01-01\",\"amount\":1}\n"
				    "{\"customer_id\":\"b\",\"date\":\"2020-01-02\",\"amount\":2}\n";
	peek(jsonl, FLO_FMT_JSONL, 8, "", 1);
}

/* The summary layout, from its columns: the counts must be whole. */
static void test_summary(void)
{
	static const char log[] =
		"master_id,first_order_date,last_order_date,order_num_total_ever_online,"
		"order_num_total_ever_offline,customer_value_total_ever_offline,"
		"customer_value_total_ever_online\n"
		"m1,2020-01-01,2020-01-15,2,1,30,60\n"
		"m2,2020-01-01,2020-01-15,1.5,1,30,60\n";
	struct flo_ingest_options o = {.input_name = "input", .fd = -1};
	struct flo_rfm_config cfg = {.unit_days = 7, .has_as_of = 1, .as_of = 18276};
	struct bad_seen b = {1, 0, 0, ""};
	char msg[FLO_INGEST_MSG];
	flo_reader *r = reader_fd(log, FLO_FMT_AUTO, &o.fd);
	flo_ingest *in;
	CHECK_INT(flo_ingest_new(&in, r, &o, &cfg, on_bad, &b, msg), FLO_OK);
	CHECK_INT(flo_ingest_kind(in), FLO_INGEST_SUMMARY);
	struct flo_ingest_result res;
	CHECK_INT(flo_ingest_run(in, &res), FLO_OK);
	CHECK(res.orders == NULL && res.summaries != NULL);
	CHECK_INT(b.n, 1);
	CHECK_STR(b.msg, "field \"order_num_total_ever_online\" is not a whole non-negative "
			 "count: \"1.5\"");
	flo_ingest_free(in);
	flo_reader_free(r);
	close(o.fd);
}

/* Refused before any record: an empty input, options the kind cannot take,
 * columns missing. */
static void test_refused(void)
{
	struct {
		const char *data;
		struct flo_ingest_options o;
		int has_holdout, err;
		const char *msg;
	} cases[] = {
		{"", {.input_name = "log.csv"}, 0, FLO_EVALUE, "log.csv is empty"},
		{"customer_id,date,amount\n", {.cap_outliers = 1}, 0, FLO_EUSAGE,
		 "--cap-outliers applies to customer summaries, not order records"},
		{"customer_id,date,amount\n", {.kind = FLO_INGEST_SUMMARY}, 0, FLO_EFIELD,
		 "--summary: no field \"first_order_date\" in the input"},
		{"customer_id,date,amount\n", {.kind = FLO_INGEST_SUMMARY}, 1, FLO_EUSAGE,
		 "--holdout-end needs order records, not customer summaries"},
		{"who,date,amount\n", {0}, 0, FLO_EFIELD,
		 "no customer id field in the input (tried customer_id, ...); name it with --id"},
		{"Customer_ID,date,amount\n", {.amount = "value"}, 0, FLO_EFIELD,
		 "no field \"value\" (order value) in the input"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct flo_rfm_config cfg = {.unit_days = 7, .has_holdout = cases[i].has_holdout};
		struct bad_seen b = {1, 0, 0, ""};
		char msg[FLO_INGEST_MSG];
		int fd;
		flo_reader *r = reader_fd(cases[i].data, FLO_FMT_AUTO, &fd);
		cases[i].o.fd = fd;
		flo_ingest *in = (flo_ingest *)&b;
		CHECK_INT(flo_ingest_new(&in, r, &cases[i].o, &cfg, on_bad, &b, msg),
			  cases[i].err);
		CHECK(in == NULL);
		CHECK_STR(msg, cases[i].msg);
		flo_reader_free(r);
		close(fd);
	}
}

int main(void)
{
	test_paths();
	test_bad();
	test_next();
	test_peek();
	test_summary();
	test_refused();
	return check_report();
}
