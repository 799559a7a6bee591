/* fitrun.c: read RFM summaries, fit both models, write the document. */
#include "common/fitrun.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/pool.h"
#include "base/unit.h"
#include "common/read.h"
#include "common/fitsummary.h"
#include "common/summary.h"
#include "common/xalloc.h"
#include "model/check.h"
#include "model/bgbb.h"
#include "model/bgnbd.h"
#include "model/mbgnbd.h"
#include "model/pnbd.h"
#include "model/fit.h"
#include "model/fitdata.h"
#include "model/fitlik.h"
#include "model/fitreport.h"
#include "model/bootstrap.h"
#include "model/fitscan.h"
#include "model/interval.h"

/* ---- reading ---- */

/* --model all with holdout purchases: a customer's history, holdout
 * purchases and holdout length */
struct holdout_row {
	double x, tx, T, actual, w, len;
};

struct fit_data {
	struct flo_fit_data fit;
	/* the unit read off the data: days per unit, 0 until known */
	double unit_days;
	struct holdout_row *hold; /* with o->holdout > 0: every record's */
	size_t nhold, cap_hold;
};

struct cols {
	struct flo_summary_cols s;
	struct flo_col w, hold, hold_len;
	int resolved; /* s knows the input's fields */
};

/* The time unit of a record made by flo-rfm, from its dates and recency:
 * 0 after a bad record (a recency in another unit).  The fit's unit is
 * --unit's, else the first dated record's; a dated record in no flo unit
 * is bad too, wherever it stands (it once named no unit, and then no record
 * after it was checked: the same file was taken or refused by the order of
 * its lines). */
static int check_unit(struct flo_fitrun_options *o, flo_reader *r, struct cols *c,
		       struct fit_data *d, double recency)
{
	const struct flo_field *f = flo_reader_get(r, &c->s.first);
	const struct flo_field *l = flo_reader_get(r, &c->s.last);
	int32_t first, last;
	/* A unit field says it (stated_unit()): flo-rfm --occasion month's
	 * months are calendar months, not a number of days. */
	if (c->s.has_unit)
		return 1;
	if (recency <= 0 || f == NULL || l == NULL || flo_parse_day(f->val, f->len, &first) ||
	    flo_parse_day(l->val, l->len, &last))
		return 1;
	double days = (last - first) / recency;
	if (d->unit_days == 0 && o->unit == NULL) {
		static const char *const units[] = {"day", "week", "month"};
		for (int i = 0; i < 3; i++) {
			double u;
			flo_unit_days(units[i], &u);
			if (flo_unit_days_match(days, u)) {
				d->unit_days = u;
				o->unit = units[i];
			}
		}
		if (d->unit_days == 0) {
			flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
				       "recency %g is in no unit flo knows: last_order - "
				       "first_order is %d days, %.4g days a unit (a day, week "
				       "or month: flo-rfm's --unit)",
				       recency, (int)(last - first), days);
			return 0;
		}
	}
	double want;
	if (flo_unit_days(o->unit, &want) != FLO_OK) /* --unit is checked at the start */
		return 1;
	d->unit_days = want;
	if (!flo_unit_days_match(days, want)) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "recency %g is not in %ss: last_order - first_order is %d days",
			       recency, o->unit, (int)(last - first));
		return 0;
	}
	return 1;
}

/* The unit a record states in its unit field: the fit's unit when none was
 * given, and the same in every record.  0 after a bad record. */
static int stated_unit(struct flo_fitrun_options *o, flo_reader *r, struct cols *c)
{
	int bad;
	const char *unit = flo_summary_unit(o->bad, r, &c->s, &bad);

	if (bad)
		return 0;
	if (unit == NULL)
		return 1;
	if (o->unit == NULL)
		o->unit = unit;
	if (strcmp(unit, o->unit) == 0)
		return 1;
	flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
		       "field \"unit\" is %s, but the fit's unit is %s: a fit would mix time "
		       "units", unit, o->unit);
	return 0;
}

static void read_record(struct flo_fitrun_options *o, flo_reader *r, struct cols *c,
			struct fit_data *d)
{
	double x, tx, T, m, w = 1;
	if (!c->resolved) {
		flo_summary_resolve(&c->s, r);
		c->resolved = 1;
	}
	if (!flo_read_number(o->bad, r, &c->s.x, FLO_FIELD_NUMBER, &x, NULL) ||
	    !flo_read_number(o->bad, r, &c->s.tx, FLO_FIELD_NUMBER, &tx, NULL) ||
	    !flo_read_number(o->bad, r, &c->s.T, FLO_FIELD_NUMBER, &T, NULL) ||
	    !flo_summary_monetary(o->bad, r, &c->s, x, &m))
		return;
	if (o->weight != NULL && !flo_read_number(o->bad, r, &c->w, FLO_FIELD_NUMBER, &w, NULL))
		return;
	if (x < 0 || x != floor(x)) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "field \"%s\" is not a whole non-negative count: %g", c->s.x.name, x);
		return;
	}
	if (tx < 0 || T < tx) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "recency %g and T %g: need 0 <= recency <= T", tx, T);
		return;
	}
	if (!flo_summary_no_repeat_recency(o->bad, r, x, tx))
		return;
	if (!(w >= 0)) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR, "field \"%s\" is negative: %g",
			       o->weight, w);
		return;
	}
	/* --model all: the holdout purchases when the records have them, over
	 * --holdout or the record's duration_holdout (flo-rfm --holdout-end) */
	double actual = 0, len = o->holdout;
	int hold = o->all && (o->holdout > 0 || flo_reader_get(r, &c->hold_len) != NULL) &&
		   (o->holdout > 0 || flo_reader_get(r, &c->hold) != NULL);
	if (hold && (!flo_read_number(o->bad, r, &c->hold, FLO_FIELD_NUMBER, &actual, NULL) ||
		     (!(o->holdout > 0) &&
		      !flo_read_number(o->bad, r, &c->hold_len, FLO_FIELD_NUMBER, &len, NULL))))
		return;
	/* a record skipped for its unit is not fitted (it was, before) */
	if (!stated_unit(o, r, c) || !check_unit(o, r, c, d, tx))
		return;
	if (hold) {
		if (d->nhold == d->cap_hold) {
			d->cap_hold = d->cap_hold ? 2 * d->cap_hold : 1024;
			d->hold = flo_xrealloc(d->hold, d->cap_hold, sizeof *d->hold);
		}
		d->hold[d->nhold++] = (struct holdout_row){x, tx, T, actual, w, len};
	}
	int err = flo_fit_data_add(&d->fit, x, tx, T, m, w);
	if (err == FLO_ERANGE)
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "field \"%s\": the customers' total weight would pass 2^53 "
			       "(9.0e15), the counts flo holds exactly: %g", o->weight, w);
	else if (err != FLO_OK)
		flo_out_of_memory();
}

/* ---- the document ---- */

static void created(char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The fit allocates and frees buffers of hundreds of kilobytes again and
 * again (compaction, indexes, samples); glibc maps each such buffer afresh
 * and returns it on free, and on the FLO file the page faults of mapping
 * them cost a third of the fit.  Kept in the heap, they are reused. */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

/* After the fit: glibc's defaults again, and the freed memory back to the
 * system (flo-score --fit goes on scoring in constant memory). */
static void return_freed_memory(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	malloc_trim(0);
#endif
}

#define SCAN_AFTER 32768
/* A regular file this large holds more than SCAN_AFTER summary lines (the
 * FLO file's 19,945 are 2.3 MB), and the scan starts at its first record
 * that tells the fields and the unit: its first 32,768 lines on the general
 * path took 16 ms, as long as the threads took for the other 170,000 of a
 * 200,000-line file. */
#define SCAN_BYTES ((off_t)4 << 20)

/* Whether r reads a regular file with at least SCAN_BYTES after its
 * reader's position. */
static int large_file(const flo_reader *r)
{
	struct stat st;
	int fd = flo_reader_fd(r);
	off_t at = lseek(fd, 0, SEEK_CUR);
	return at >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size - at >= SCAN_BYTES;
}

/* Where the fields are for the threaded scan of the lines after the
 * current record (fitscan.h): CSV or TSV, no weights (whole numbers keep
 * the sums exact in any order), no unit field, the last input (the scan
 * reads one descriptor to its end), and once the unit is read off the
 * dates when the records have them.  0 when not (yet). */
static int scan_layout(const flo_reader *r, const struct flo_fitrun_options *o,
		       struct cols *c, const struct fit_data *d,
		       struct flo_fitscan_layout *lay)
{
	enum flo_format fmt = flo_reader_format(r);
	if ((fmt != FLO_FMT_CSV && fmt != FLO_FMT_TSV) || o->weight != NULL || o->all ||
	    !c->resolved ||
	    c->s.has_unit || (c->s.has_dates && d->unit_days == 0) || flo_reader_more_inputs(r))
		return 0;
	size_t n;
	const struct flo_field *all = flo_reader_fields(r, &n);
	struct flo_col *cols[] = {&c->s.x, &c->s.tx, &c->s.T, &c->s.m, &c->s.first, &c->s.last};
	size_t at[6];
	for (int k = 0; k < 6; k++) {
		const struct flo_field *f = flo_reader_get(r, cols[k]);
		at[k] = f != NULL ? (size_t)(f - all) : FLO_FITSCAN_NONE;
	}
	if (at[0] == FLO_FITSCAN_NONE || at[1] == FLO_FITSCAN_NONE || at[2] == FLO_FITSCAN_NONE ||
	    (c->s.has_m && at[3] == FLO_FITSCAN_NONE))
		return 0;
	double want = 0;
	if (o->unit != NULL && d->unit_days > 0 && flo_unit_days(o->unit, &want) != FLO_OK)
		return 0;
	*lay = (struct flo_fitscan_layout){fmt, n, at[0], at[1], at[2],
					   c->s.has_m ? at[3] : FLO_FITSCAN_NONE, at[4], at[5], want};
	if (at[4] == FLO_FITSCAN_NONE || at[5] == FLO_FITSCAN_NONE)
		lay->unit_days = 0;
	return 1;
}

/* Read r to its end into d; the unit, if not given, from the data or week.
 * Returns whether the input has a monetary field. */
static int read_all(flo_reader *r, struct flo_fitrun_options *o, struct fit_data *d)
{
	static const struct flo_summary_names defaults;
	struct cols c = {.w = FLO_COL(o->weight ? o->weight : ""),
			 .hold = FLO_COL(o->holdout_field ? o->holdout_field : "holdout_purchases"),
			 .hold_len = FLO_COL("duration_holdout")};
	int got, scanned = 0, large = -1; /* -1: not yet asked */
	size_t records = 0;

	flo_summary_cols_init(&c.s, o->names != NULL ? o->names : &defaults);
	while ((got = flo_reader_next(r)) != 0) {
		if (got < 0) {
			flo_reader_failed(o->bad, r, got);
			continue;
		}
		read_record(o, r, &c, d);
		/* The lines after it on a thread a core, as long as they are
		 * plain and good: once, when the fields and unit are known, and
		 * only in an input of more than SCAN_AFTER records (or a file
		 * that large), where the threads and their buffers (8 MB) pay
		 * for themselves (on the FLO file's 19,945 they cost more than
		 * they save). */
		struct flo_fitscan_layout lay;
		if (!scanned && large < 0)
			large = large_file(r);
		if (!scanned && (++records > SCAN_AFTER || large) &&
		    scan_layout(r, o, &c, d, &lay)) {
			int cpus = flo_usable_cpus(), done;
			unsigned workers = cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
			scanned = 1;
			if (flo_fitscan(r, workers, &lay, &d->fit, &done) != FLO_OK)
				flo_out_of_memory();
			if (done)
				break;
		}
	}
	flo_bad_finish(o->bad);
	return c.s.has_m;
}

int flo_fitrun_read(flo_reader *r, struct flo_fitrun_options *o, struct flo_fit_data *d)
{
	struct fit_data fd = {.fit = *d};
	int has_m = read_all(r, o, &fd);
	*d = fd.fit;
	return has_m;
}

/* The intervals' table row (interval.h) of a purchase model's family. */
static enum flo_interval_kind interval_kind(enum flo_family f)
{
	switch (f) {
	case FLO_FAMILY_PNBD: return FLO_IV_PNBD;
	case FLO_FAMILY_MBGNBD: return FLO_IV_MBGNBD;
	case FLO_FAMILY_BGBB: return FLO_IV_BGBB;
	default: return FLO_IV_BGNBD;
	}
}

/* The intervals of a fit on its rows into iv, when asked for: on the data
 * the fit indexed when it kept them (fit.h), else indexed again and summed
 * on pool. */
static const struct flo_intervals *intervals(enum flo_interval_kind kind, const void *rows,
					     size_t n, const struct flo_problem *indexed,
					     struct flo_pool *pool, const struct flo_fit_result *res,
					     double penalizer, const struct flo_fitrun_options *o,
					     struct flo_intervals *iv)
{
	if (!(o->level > 0))
		return NULL;
	int err = indexed != NULL && indexed->n > 0
		  ? flo_intervals_indexed(kind, indexed, res, penalizer, o->level, o->choice, iv)
		  : flo_intervals(kind, rows, n, res, penalizer, o->level, o->choice, pool, iv);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "cannot compute the intervals: %s", flo_strerror(err));
	return iv;
}

/* --bootstrap: the replicates of a fit into b and their percentile
 * intervals into iv, for every parameter but a and b of a BG/NBD on its
 * boundary a, b -> infinity (refitted as the limit model, whose replicates
 * all sit there: a and b keep their profile intervals). */
static const struct flo_boot *boot(enum flo_interval_kind kind, const void *rows, size_t n,
				   const struct flo_fit_result *res,
				   const struct flo_fitrun_options *o, struct flo_intervals *iv,
				   struct flo_boot *b)
{
	if (o->bootstrap < 2 || iv == NULL)
		return NULL;
	int err = flo_bootstrap(kind, rows, n, res, (size_t)o->bootstrap, o->seed, 0, b);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "cannot bootstrap the fit: %s", flo_strerror(err));
	int ridge = kind == FLO_IV_BGNBD && res->params[2] + res->params[3] > 1e25;
	int use[4] = {1, 1, !ridge, !ridge};
	flo_boot_intervals(b, use, iv);
	if (b->ok < b->n)
		flo_warn("--bootstrap: %zu of %zu refits did not converge and are left out",
			 b->n - b->ok, b->n);
	return b;
}

/* The Gamma-Gamma on the spend pairs, into doc with its warnings in w. */
static void fit_gg(const struct flo_fit_data *d, const struct flo_fitrun_options *o,
		   const struct flo_fit_options *fo, struct flo_model_doc *doc, char **w,
		   struct flo_intervals *iv, struct flo_boot *b)
{
	doc->gg_left_out = d->left_out;
	doc->gg_penalizer = o->gg_penalizer;
	if (d->left_out > 0)
		flo_warn("%.0f customer%s without repeat purchases or with monetary <= 0 left out "
			 "of the Gamma-Gamma fit", d->left_out, d->left_out == 1 ? "" : "s");
	if (d->nspend == 0) {
		flo_warn("no customer with repeat purchases and positive spend: "
			 "no Gamma-Gamma model (flo-score will give no exp_avg_value or clv)");
		return;
	}
	struct flo_problem kept = {0};
	struct flo_fit_options gg_o = *fo;
	gg_o.penalizer = o->gg_penalizer;
	gg_o.keep = &kept;
	if (flo_fit_gg(d->spend, d->nspend, &gg_o, &doc->gg) != FLO_OK) {
		flo_problem_free(&kept);
		return;
	}
	doc->has_gg = 1;
	doc->has_corr = flo_spend_correlation(d->spend, d->nspend, &doc->corr_frequency_monetary);
	if (flo_fit_gg_warnings(&doc->gg, doc->corr_frequency_monetary, doc->has_corr,
				o->gg_penalizer, w, &doc->gg_nwarnings) != FLO_OK)
		flo_out_of_memory();
	doc->gg_warnings = (const char *const *)w;
	doc->gg_iv = intervals(FLO_IV_GG, d->spend, d->nspend, &kept, fo->pool, &doc->gg,
			       o->gg_penalizer, o, iv);
	flo_problem_free(&kept);
	doc->gg_boot = boot(FLO_IV_GG, d->spend, d->nspend, &doc->gg, o,
			    doc->gg_iv != NULL ? iv : NULL, b);
}

static char *fit(struct fit_data d, int has_m, struct flo_fitrun_options *o,
		 struct flo_model *model, double t_start);

char *flo_fitrun(flo_reader *r, struct flo_fitrun_options *o, struct flo_model *model)
{
	/* --timings: when each step ended, from the start of reading */
	double t_start = flo_ms_now();
	keep_freed_memory();
	struct fit_data d = {0};
	int has_m = read_all(r, o, &d);
	return fit(d, has_m, o, model, t_start);
}

char *flo_fitrun_data(struct flo_fit_data *data, int has_m, struct flo_fitrun_options *o,
		      struct flo_model *model)
{
	keep_freed_memory();
	struct fit_data d = {.fit = *data};
	*data = (struct flo_fit_data){0};
	return fit(d, has_m, o, model, flo_ms_now());
}

/* ---- the purchase models ---- */

static const char *family_title(enum flo_family f)
{
	switch (f) {
	case FLO_FAMILY_PNBD: return "Pareto/NBD";
	case FLO_FAMILY_MBGNBD: return "MBG/NBD";
	case FLO_FAMILY_BGBB: return "BG/BB";
	default: return "BG/NBD";
	}
}

/* Whether the triples are a period summary (bgbb.h): x, t_x and n whole
 * numbers of periods, x <= t_x <= n <= FLO_BGBB_MAX_PERIODS, t_x = 0 when
 * x = 0.  When not, *bad is the first that is not. */
static int whole_periods(const struct flo_fit_data *d, const struct flo_triple **bad)
{
	for (size_t i = 0; i < d->ntri; i++) {
		const struct flo_triple *t = &d->tri[i];
		int which;
		if (flo_bgbb_history(t->x, t->tx, t->T, &which) != FLO_BGBB_HISTORY_OK ||
		    t->tx > t->T) {
			*bad = t;
			return 0;
		}
	}
	return 1;
}

static int fit_family(enum flo_family f, const struct flo_fit_data *d,
		      const struct flo_fit_options *fo, struct flo_fit_result *res)
{
	switch (f) {
	case FLO_FAMILY_PNBD: return flo_fit_pnbd(d->tri, d->ntri, fo, res);
	case FLO_FAMILY_MBGNBD: return flo_fit_mbgnbd(d->tri, d->ntri, fo, res);
	case FLO_FAMILY_BGBB: return flo_fit_bgbb(d->tri, d->ntri, fo, res);
	default: return flo_fit_bgnbd(d->tri, d->ntri, fo, res);
	}
}

static void family_warnings(enum flo_family f, const struct flo_fit_result *res, char **w,
			    size_t *n)
{
	int err;
	switch (f) {
	case FLO_FAMILY_PNBD: err = flo_fit_pnbd_warnings(res, w, n); break;
	case FLO_FAMILY_MBGNBD: err = flo_fit_mbgnbd_warnings(res, w, n); break;
	case FLO_FAMILY_BGBB: err = flo_fit_bgbb_warnings(res, w, n); break;
	default: err = flo_fit_bgnbd_warnings(res, w, n); break;
	}
	if (err != FLO_OK)
		flo_out_of_memory();
}

/* One family's fit into doc, or the end of the process with the reason. */
static void fit_one(const struct fit_data *d, const struct flo_fitrun_options *o,
		    const struct flo_fit_options *fo, struct flo_model_doc *doc, char **w)
{
	const struct flo_triple *bad;
	if (o->family == FLO_FAMILY_BGBB && !whole_periods(&d->fit, &bad))
		flo_die(FLO_EXIT_DATAERR, "--model bgbb needs a period summary (whole periods, "
			"frequency <= recency <= T <= %.0f, recency 0 when frequency is 0; flo-rfm "
			"--occasion day|week|month writes one), but a record of %s has frequency %.17g, "
			"recency %.17g, T %.17g", FLO_BGBB_MAX_PERIODS, o->bad->input_name, bad->x, bad->tx,
			bad->T);
	int err = fit_family(o->family, &d->fit, fo, &doc->bgnbd);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "cannot fit the %s: %s", family_title(o->family),
			flo_strerror(err));
	if (doc->bgnbd.runaway) {
		char msg[FLO_FIT_MSG_MAX];
		flo_fit_runaway_message(&doc->bgnbd, msg, sizeof msg);
		flo_die(FLO_EXIT_DATAERR, "%s", msg);
	}
	family_warnings(o->family, &doc->bgnbd, w, &doc->bgnbd_nwarnings);
	doc->bgnbd_warnings = (const char *const *)w;
}

/* --model all compares these, in this order; the BG/BB only on a period
 * summary. */
static const enum flo_family compared[] = {FLO_FAMILY_BGNBD, FLO_FAMILY_PNBD, FLO_FAMILY_MBGNBD,
					   FLO_FAMILY_BGBB};
#define NCOMPARED (sizeof compared / sizeof compared[0])

struct comparison {
	size_t n; /* families fitted */
	struct flo_model_alt alt[NCOMPARED];
	char *w[NCOMPARED][FLO_FIT_WARNINGS_MAX];
	char failed[NCOMPARED][FLO_FIT_MSG_MAX];
	double ms[NCOMPARED];
};

/* Expected purchases in (T, T+t] given the history, under a fitted
 * family. */
static double expected(enum flo_family f, const double *p, const struct holdout_row *h, double t)
{
	struct flo_bgnbd bg = {p[0], p[1], p[2], p[3]};
	struct flo_pnbd pn = {p[0], p[1], p[2], p[3]};
	struct flo_mbgnbd mbg = {p[0], p[1], p[2], p[3]};
	struct flo_bgbb bb = {p[0], p[1], p[2], p[3]};
	switch (f) {
	case FLO_FAMILY_BGBB: return flo_bgbb_expected_purchases(&bb, h->x, h->tx, h->T, t);
	case FLO_FAMILY_PNBD: return flo_pnbd_expected_purchases(&pn, h->x, h->tx, h->T, t);
	case FLO_FAMILY_MBGNBD: return flo_mbgnbd_expected_purchases(&mbg, h->x, h->tx, h->T, t);
	default: return flo_bgnbd_expected_purchases(&bg, h->x, h->tx, h->T, t);
	}
}

/* flo-check's holdout errors (check.h: flo_errstats) of one fitted model,
 * over every customer, all frequencies together: what flo-check --check
 * holdout's "all" row says of the model. */
static void holdout_errors(const struct fit_data *d, struct flo_model_alt *a)
{
	struct flo_errstats st = {0};
	for (size_t i = 0; i < d->nhold; i++) {
		const struct holdout_row *h = &d->hold[i];
		double e = expected(a->family, a->fit.params, h, h->len);
		/* one customer a unit of weight, as flo-check counts them */
		for (double k = 0; k < h->w; k++)
			flo_errstats_add(&st, h->actual, e);
	}
	struct flo_errors e;
	flo_errstats_result(&st, &e);
	a->has_holdout = 1;
	a->holdout_customers = e.customers;
	a->holdout_actual = e.sum_actual;
	a->holdout_expected = e.sum_expected;
	a->mae = e.mae;
	a->rmse = e.rmse;
	a->corr = e.corr;
	a->has_corr = e.has_corr;
	a->error_pct = e.error_pct;
	a->has_error_pct = e.has_error_pct;
}

static double bic(const struct flo_fit_result *f)
{
	return f->np * log(f->n) - 2 * f->loglik;
}

/* Every family fitted into cmp; the document's the lowest BIC's among the
 * fits that converged (else among those with an estimate), or o->select's.
 * The BG/BB's likelihood is of counts in periods, the others' a density in
 * time: their BICs are not on one scale, and the BG/BB is chosen only by
 * --select. */
static void fit_all(const struct fit_data *d, const struct flo_fitrun_options *o,
		    const struct flo_fit_options *fo, struct flo_model_doc *doc,
		    struct comparison *cmp)
{
	int best = -1;
	const struct flo_triple *bad;
	int periods = whole_periods(&d->fit, &bad);
	cmp->n = 0;
	for (size_t j = 0; j < NCOMPARED; j++) {
		if (compared[j] == FLO_FAMILY_BGBB && !periods)
			continue;
		size_t k = cmp->n++;
		struct flo_model_alt *a = &cmp->alt[k];
		double t0 = flo_ms_now();
		a->family = compared[j];
		int err = fit_family(a->family, &d->fit, fo, &a->fit);
		cmp->ms[k] = flo_ms_now() - t0;
		if (err != FLO_OK) {
			snprintf(cmp->failed[k], FLO_FIT_MSG_MAX, "%s", flo_strerror(err));
			a->failed = cmp->failed[k];
			continue;
		}
		if (a->fit.runaway) {
			flo_fit_runaway_message(&a->fit, cmp->failed[k], FLO_FIT_MSG_MAX);
			a->failed = cmp->failed[k];
			continue;
		}
		family_warnings(a->family, &a->fit, cmp->w[k], &a->nwarnings);
		a->warnings = (const char *const *)cmp->w[k];
		if (d->nhold > 0)
			holdout_errors(d, a);
	}
	for (size_t k = 0; k < cmp->n; k++) {
		const struct flo_model_alt *a = &cmp->alt[k];
		if (o->select != NULL) {
			if (strcmp(o->select, flo_family_name(a->family)) == 0)
				best = (int)k;
			continue;
		}
		if (a->failed != NULL || a->family == FLO_FAMILY_BGBB)
			continue;
		if (best < 0 || (a->fit.converged && !cmp->alt[best].fit.converged) ||
		    (a->fit.converged == cmp->alt[best].fit.converged &&
		     bic(&a->fit) < bic(&cmp->alt[best].fit)))
			best = (int)k;
	}
	if (best < 0 && o->select != NULL)
		flo_die(FLO_EXIT_DATAERR, "--select %s: the BG/BB is fitted to period summaries "
			"only, and %s has frequency %.17g, recency %.17g, T %.17g (flo-rfm "
			"--occasion day|week|month writes one)", o->select, o->bad->input_name,
			bad->x, bad->tx, bad->T);
	if (best < 0)
		flo_die(FLO_EXIT_DATAERR, "--model all: no model could be fitted (%s: %s)",
			family_title(cmp->alt[0].family), cmp->failed[0]);
	const struct flo_model_alt *b = &cmp->alt[best];
	if (b->failed != NULL)
		flo_die(FLO_EXIT_DATAERR, "--select %s: the %s fit has no estimate: %s", o->select,
			family_title(b->family), b->failed);
	doc->family = b->family;
	doc->bgnbd = b->fit;
	doc->bgnbd_warnings = b->warnings;
	doc->bgnbd_nwarnings = b->nwarnings;
	doc->alts = cmp->alt;
	doc->nalts = cmp->n;
	doc->selected_by = o->select != NULL ? "select" : "bic";
	if (o->select == NULL)
		flo_warn("--model all: the %s has the lowest BIC (%.1f) of the models fitted, "
			 "and is the model stored and written (--select NAME for another)",
			 family_title(b->family), bic(&b->fit));
}

/* What the data can say.  Customers all observed for T = 0 (summarised on
 * their first purchase day) give every purchase model a likelihood of 1
 * whatever its parameters: a fit would return its starting point as
 * "converged" and scores from it would be made up, so there is nothing to
 * fit.  Customers none of whom bought again say only that the rate is near
 * 0: fitted, with words on stderr, since that is what the data say. */
static void check_information(const struct flo_fit_data *d, const struct flo_fitrun_options *o)
{
	int observed = 0, repeat = 0;
	for (size_t i = 0; i < d->ntri && !(observed && repeat); i++) {
		observed |= d->tri[i].T > 0 && d->tri[i].w > 0;
		repeat |= d->tri[i].x > 0 && d->tri[i].w > 0;
	}
	if (!observed)
		flo_die(FLO_EXIT_DATAERR,
			"nothing to fit in %s: every customer's T is 0 (each observed only in the day "
			"or period of its first purchase: a log of one day?), where the likelihood is "
			"the same for any parameters", o->bad->input_name);
	if (!repeat)
		flo_warn("no customer in %s made a repeat purchase: the purchase rate is "
			 "fitted at its boundary near 0 and dropout is not identified, so scores "
			 "from this model predict next to no purchases", o->bad->input_name);
}

/* The fits of d (freed here) and the document. */
static char *fit(struct fit_data d, int has_m, struct flo_fitrun_options *o,
		 struct flo_model *model, double t_start)
{
	double t_read = flo_ms_now(), t_spend, t_bgnbd, t_iv, t_gg;
	if (o->unit == NULL)
		o->unit = "week";

	/* One helper thread for both fits and their samples, started while
	 * the spend pairs are sorted: starting one per fit cost a tenth of
	 * the BG/NBD's fit on the FLO file. */
	struct flo_pool *pool = d.fit.ntri >= FLO_FIT_THREAD_MIN ? flo_pool_start() : NULL;
	flo_fit_data_finish(&d.fit);
	if (!(d.fit.customers > 0))
		flo_die(FLO_EXIT_DATAERR, "no customers to fit in %s", o->bad->input_name);
	check_information(&d.fit, o);
	t_spend = flo_ms_now();

	char fp[17], when[32];
	flo_fit_data_fingerprint(&d.fit, fp);
	created(when);
	struct flo_model_doc doc = {.unit = o->unit, .created = when, .fingerprint = fp,
				    .customers = d.fit.customers, .family = o->family,
				    .bgnbd_penalizer = o->penalizer};
	/* The BG/NBD's fit keeps its indexed data for its intervals (the
	 * other families index them again) */
	struct flo_problem bg_kept = {0};
	struct flo_fit_options fo = {o->penalizer, 0, pool,
				     o->family == FLO_FAMILY_BGNBD && !o->all ? &bg_kept : NULL, 0};
	char *bgw[FLO_FIT_WARNINGS_MAX] = {0}, *ggw[FLO_FIT_WARNINGS_MAX] = {0};
	struct comparison *cmp = NULL;
	if (o->all) {
		cmp = flo_xcalloc(1, sizeof *cmp);
		fit_all(&d, o, &fo, &doc, cmp);
	} else {
		fit_one(&d, o, &fo, &doc, bgw);
	}
	t_bgnbd = flo_ms_now();
	const char *title = family_title(doc.family);
	struct flo_intervals bg_iv, gg_iv;
	fo.keep = NULL;
	doc.bgnbd_iv = intervals(interval_kind(doc.family), d.fit.tri, d.fit.ntri, &bg_kept, pool,
				 &doc.bgnbd, o->penalizer, o, &bg_iv);
	flo_problem_free(&bg_kept);
	struct flo_boot bg_boot = {0}, gg_boot = {0};
	doc.bgnbd_boot = boot(interval_kind(doc.family), d.fit.tri, d.fit.ntri, &doc.bgnbd, o,
			      doc.bgnbd_iv != NULL ? &bg_iv : NULL, &bg_boot);
	t_iv = flo_ms_now();
	if (has_m)
		fit_gg(&d.fit, o, &fo, &doc, ggw, &gg_iv, &gg_boot);
	else
		flo_warn("no monetary field (monetary or monetary_value) in %s: the %s alone "
			 "is fitted, without a Gamma-Gamma model (flo-score will give no "
			 "exp_avg_value or clv)", o->bad->input_name, title);
	flo_pool_stop(pool);
	t_gg = flo_ms_now();
	if (o->timings)
		flo_warn("timings: %.2f ms reading and checking the records, %.2f ms sorting the "
			 "spend pairs, %.2f ms fitting the %s (%zu distinct triples merged and "
			 "fitted), %.2f ms on %s intervals, %.2f ms fitting the Gamma-Gamma "
			 "(its intervals included); %.2f ms in all",
			 t_read - t_start, t_spend - t_read, t_bgnbd - t_spend,
			 o->all ? "purchase models" : title, doc.bgnbd.distinct, t_iv - t_bgnbd,
			 o->all ? "the kept model's" : "its", t_gg - t_iv, t_gg - t_start);
	for (size_t k = 0; o->all && o->timings && k < cmp->n; k++)
		flo_warn("timings: %.2f ms fitting the %s", cmp->ms[k],
			 family_title(cmp->alt[k].family));

	if (o->summary)
		flo_fit_summary(stderr, &doc);
	char *json = flo_model_write(&doc);
	if (json == NULL)
		flo_out_of_memory();
	char why[256];
	if (flo_model_parse(json, strlen(json), model, why, sizeof why) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "the fitted model does not read back: %s", why);
	flo_boot_free(&bg_boot);
	flo_boot_free(&gg_boot);
	flo_fit_warnings_free(bgw, doc.bgnbd_nwarnings);
	flo_fit_warnings_free(ggw, doc.gg_nwarnings);
	for (size_t k = 0; cmp != NULL && k < cmp->n; k++)
		flo_fit_warnings_free(cmp->w[k], cmp->alt[k].nwarnings);
	free(cmp);
	free(d.hold);
	flo_fit_data_free(&d.fit);
	return_freed_memory();
	return json;
}
