/* flo-check: how well a fitted model describes the data, as tables of
 * records (one table per --check), for people and for flo-plot.  The
 * numbers come from lib/model/check.h and tracking.h; this file is the
 * options, the reading and the writing. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/unit.h"
#include "common/cli.h"
#include "common/modelsrc.h"
#include "common/read.h"
#include "common/summary.h"
#include "common/xalloc.h"
#include "model/bgbb.h"
#include "model/check.h"
#include "model/family.h"
#include "model/model.h"
#include "model/tracking.h"
#include "record/reader.h"
#include "record/writer.h"

static const char usage[] =
"usage: flo-check --check NAME [options] [file]\n"
"\n"
"Check a fitted purchase model against the data: write one table of records\n"
"per check (CSV, TSV or JSON Lines), for reading or for flo-plot.\n"
"\n"
"Checks (--check NAME):\n"
"  holdout   from RFM summaries with a holdout (flo-rfm --as-of D1\n"
"            --holdout-end D2) and a model fitted on the calibration part: per\n"
"            calibration frequency 0, 1, ..., K-1 and K+ and for all customers\n"
"            (frequency \"all\"): customers, the mean and sum of actual holdout\n"
"            purchases and of the model's expected purchases over --holdout H,\n"
"            MAE, RMSE, the correlation over customers and the aggregate error\n"
"            in percent, 100 (expected - actual) / actual (FHL 2005, figure 4)\n"
"  counts    customers with 0, 1, ..., K-1 and K+ repeat purchases in\n"
"            calibration against the model's expected number, the sum over\n"
"            customers of P(X(T) = n) (FHL 2005, figure 3)\n"
"  matrix    expected purchases in the next --horizon H and P(alive) over a\n"
"            frequency x recency grid (0..F, 0..R in steps of 1) for customers\n"
"            of age --T T (lifetimes' frequency/recency and probability-alive\n"
"            matrices); F, R and T default to the input's largest frequency\n"
"            and T; with --T and --max-frequency given no input is read.\n"
"            Frequency 0 has the one cell of recency 0: a customer with no\n"
"            repeat purchase has recency 0 by definition\n"
"  tracking  from an order log: repeat transactions per period (--period-days,\n"
"            default 7) and cumulative, actual against expected, each customer's\n"
"            expected curve starting at the first purchase (FHL 2005, figures 1\n"
"            and 2); periods after --as-of are marked holdout\n"
"  summary   one record per model (--model FILE, given once per model, or the\n"
"            one model given otherwise): family, parameters, customers,\n"
"            log-likelihood, AIC, BIC on the input, and with --holdout H the\n"
"            holdout errors, for comparing models\n"
"\n"
"The model (as flo-score's):\n"
"      --model FILE          a model document (summary: repeat for several)\n"
"      --bgnbd r,alpha,a,b   BG/NBD parameters given here\n"
"      --pnbd r,alpha,s,beta Pareto/NBD parameters given here\n"
"      --db PATH, --name NAME  else the model stored under NAME (default: default)\n"
"      --unit U              with --bgnbd or --pnbd, the model's unit (default\n"
"                            week); else the summaries' unit, which must be the\n"
"                            model's\n"
"Checks' settings:\n"
"      --holdout H           the holdout's length in the model's unit (holdout:\n"
"                            required; 39 weeks for CDNOW's 1997-09-30 to\n"
"                            1998-06-30)\n"
"      --holdout-field F     the actual holdout purchases (default\n"
"                            holdout_purchases)\n"
"      --max-frequency K     holdout, counts: buckets 0..K-1 and K+, 1 to 1000\n"
"                            (default 7); matrix: the grid's largest frequency\n"
"      --max-recency R       matrix: the grid's largest recency (default T)\n"
"      --T T                 matrix: the customers' age\n"
"      --horizon H           matrix: expected purchases in the next H (default 1)\n"
"      --id FIELD            tracking: the customer id (default customer_id)\n"
"      --date FIELD          tracking: the order date (default date)\n"
"      --as-of DATE          tracking: the calibration's end\n"
"      --start DATE          tracking: the first period's first day (default:\n"
"                            the first order's)\n"
"      --end DATE            tracking: the last day (default: the last order's)\n"
"      --period-days N       tracking: days per period, 1 to 3660 (default 7)\n"
"Input and output:\n"
FLO_SUMMARY_USAGE
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's; csv\n"
"                            without input)\n"
"      --json-strings        JSON Lines: CSV/TSV values as strings, even numbers\n"
"Bad records:\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Tables:\n"
"  holdout   frequency, customers, actual_mean, expected_mean, actual_sum,\n"
"            expected_sum, mae, rmse, corr, error_pct (corr empty without\n"
"            spread, error_pct without actual purchases)\n"
"  counts    frequency, actual, expected\n"
"  matrix    frequency, recency, T, exp_purchases_H, p_alive\n"
"  tracking  period, start, end, part, actual, expected, actual_cum,\n"
"            expected_cum (a period's expected is the increase of the\n"
"            cumulative sum over cohorts of customers x E[X(t)], t from the\n"
"            cohort's first day to the period's last, as flo-rfm measures T)\n"
"  summary   model, family, params, customers, loglik, aic, bic,\n"
"            holdout_customers, mae, rmse, corr, error_pct\n"
"\n"
"Memory: holdout, counts, matrix and summary stream in constant memory;\n"
"tracking keeps a count per distinct first-purchase day and per day with\n"
"repeat transactions, and each customer's id and last order day: customers'\n"
"orders may interleave (a log in date order) or come together (CDNOW's log,\n"
"flo-simulate's), but each customer's in date order, else a bad record.\n"
"Several orders of a customer on one day are one transaction, as flo-rfm\n"
"counts purchases.\n"
"\n"
"A BG/BB (flo-fit --model bgbb) reads period summaries: frequency, recency\n"
"and T whole numbers of periods, at most 3000000, frequency <= recency, and\n"
"recency 0 where frequency is 0, else a bad record; its --T is a whole number\n"
"and its matrix has no cell of frequency > recency.\n"
"\n"
"Exit status: 0 success, 2 usage (or no model), 65 bad input data or an\n"
"invalid model, 66 unreadable input or model file, 74 write or store error.\n";

enum check { CHECK_NONE, CHECK_HOLDOUT, CHECK_COUNTS, CHECK_MATRIX, CHECK_TRACKING,
	     CHECK_SUMMARY };

#define MAX_MODELS 64

struct options {
	enum check check;
	enum flo_format in_fmt, out_fmt;
	const char *model_file[MAX_MODELS];
	size_t nmodel_file;
	struct flo_model_source src;
	double holdout;         /* < 0: not given */
	const char *holdout_field;
	long K;                 /* --max-frequency, 0: not given */
	double max_recency, T, horizon; /* < 0: not given */
	const char *id_field, *date_field;
	int has_as_of, has_start, has_end;
	int32_t as_of, start, end;
	long period_days;
	struct flo_summary_names names;
	struct flo_bad bad;
	const char *path;
	char unit[8];           /* the model's (all models' with summary), */
	double unit_days;       /* and its days */
	int periods;            /* a model is a BG/BB: histories of whole periods */
};

static enum check check_named(const char *arg)
{
	static const char *const names[] = {"holdout", "counts", "matrix", "tracking", "summary"};

	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strcmp(arg, names[k]) == 0)
			return (enum check)(k + 1);
	flo_usage_error("option --check: expected holdout, counts, matrix, tracking or "
			"summary: \"%s\"", arg);
}

static double nonneg(const char *opt, const char *arg)
{
	double v = flo_opt_double(opt, arg);
	if (!(v >= 0))
		flo_usage_error("option %s: must be 0 or more: \"%s\"", opt, arg);
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_CHECK = 256, OPT_MODEL, OPT_BGNBD, OPT_PNBD, OPT_DB, OPT_NAME, OPT_HOLDOUT,
	       OPT_HOLDOUT_FIELD, OPT_MAXF, OPT_MAXR, OPT_T, OPT_HORIZON, OPT_ID, OPT_DATE,
	       OPT_AS_OF, OPT_START, OPT_END, OPT_PERIOD };
	static const struct option longopts[] = {
		{"check", required_argument, NULL, OPT_CHECK},
		{"model", required_argument, NULL, OPT_MODEL},
		{"bgnbd", required_argument, NULL, OPT_BGNBD},
		{"pnbd", required_argument, NULL, OPT_PNBD},
		{"db", required_argument, NULL, OPT_DB},
		{"name", required_argument, NULL, OPT_NAME},
		{"holdout", required_argument, NULL, OPT_HOLDOUT},
		{"holdout-field", required_argument, NULL, OPT_HOLDOUT_FIELD},
		{"max-frequency", required_argument, NULL, OPT_MAXF},
		{"max-recency", required_argument, NULL, OPT_MAXR},
		{"T", required_argument, NULL, OPT_T},
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"id", required_argument, NULL, OPT_ID},
		{"date", required_argument, NULL, OPT_DATE},
		{"as-of", required_argument, NULL, OPT_AS_OF},
		{"start", required_argument, NULL, OPT_START},
		{"end", required_argument, NULL, OPT_END},
		{"period-days", required_argument, NULL, OPT_PERIOD},
		{"output-format", required_argument, NULL, 'o'},
		FLO_SUMMARY_LONGOPTS,
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL, *name = NULL;
	int c;

	o->holdout = o->max_recency = o->T = o->horizon = -1;
	o->holdout_field = "holdout_purchases";
	o->id_field = "customer_id";
	o->date_field = "date";
	o->period_days = 7;
	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage, NULL};
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CHECK: o->check = check_named(optarg); break;
		case OPT_MODEL:
			if (o->nmodel_file == MAX_MODELS)
				flo_usage_error("option --model: at most %d models", MAX_MODELS);
			o->model_file[o->nmodel_file++] = optarg;
			break;
		case OPT_BGNBD: o->src.bgnbd = optarg; break;
		case OPT_PNBD: o->src.pnbd = optarg; break;
		case OPT_DB: db = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_HOLDOUT: o->holdout = nonneg("--holdout", optarg); break;
		case OPT_HOLDOUT_FIELD: o->holdout_field = optarg; break;
		case OPT_MAXF: o->K = flo_opt_long("--max-frequency", optarg, 1, 1000); break;
		case OPT_MAXR: o->max_recency = nonneg("--max-recency", optarg); break;
		case OPT_T: o->T = nonneg("--T", optarg); break;
		case OPT_HORIZON: o->horizon = nonneg("--horizon", optarg); break;
		case OPT_ID: o->id_field = optarg; break;
		case OPT_DATE: o->date_field = optarg; break;
		case OPT_AS_OF: o->as_of = flo_opt_day("--as-of", optarg); o->has_as_of = 1; break;
		case OPT_START: o->start = flo_opt_day("--start", optarg); o->has_start = 1; break;
		case OPT_END: o->end = flo_opt_day("--end", optarg); o->has_end = 1; break;
		case OPT_PERIOD: o->period_days = flo_opt_long("--period-days", optarg, 1, 3660); break;
		default:
			if (!flo_summary_option(c, optarg, &o->names) &&
			    !flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_one_input(argc, argv);
	if (o->check == CHECK_NONE)
		flo_usage_error("--check NAME is required: holdout, counts, matrix, tracking or "
				"summary");
	o->src.file = o->nmodel_file > 0 ? o->model_file[0] : NULL;
	flo_model_source_check(&o->src, db != NULL || name != NULL);
	if (o->nmodel_file > 1 && o->check != CHECK_SUMMARY)
		flo_usage_error("--model given %zu times: several models go with --check summary",
				o->nmodel_file);
	if (o->check == CHECK_HOLDOUT && o->holdout < 0)
		flo_usage_error("--check holdout needs --holdout H, the holdout's length in the "
				"model's unit (flo-rfm --holdout-end minus --as-of)");
	if (o->has_start && o->has_end && o->end < o->start)
		flo_usage_error("--end is before --start");
	if (name != NULL && name[0] == '\0')
		flo_usage_error("option --name: empty name");
	o->src.name = name != NULL ? name : "default";
	o->src.db = flo_store_path(db);
	o->src.unit = o->names.unit;
	o->src.doing = "the check";
	o->bad.input_name = flo_input_name(o->path);
}

/* ---- reading and writing ---- */

static flo_reader *open_reader(const struct options *o)
{
	flo_reader *r;
	if (flo_reader_new(&r, flo_open_input(o->path), o->in_fmt) != FLO_OK)
		flo_out_of_memory();
	return r;
}

static flo_writer *open_writer(const struct options *o, flo_reader *r)
{
	enum flo_format fmt = o->out_fmt ? o->out_fmt : r != NULL ? flo_reader_format(r) : FLO_FMT_CSV;
	flo_writer *w;

	if (flo_writer_new(&w, STDOUT_FILENO, fmt) != FLO_OK)
		flo_out_of_memory();
	flo_cli_set_output(w);
	return w;
}

static void end_record(flo_writer *w)
{
	if (flo_writer_end(w) == FLO_EIO)
		flo_finish_output(w); /* reports and exits */
}

/* The next record (1) or the end (0), bad records dealt with. */
static int next_record(flo_reader *r, struct flo_bad *bad)
{
	int got;
	while ((got = flo_reader_next(r)) < 0)
		flo_reader_failed(bad, r, got);
	return got;
}

/* A summary's history and, with want_actual, its holdout purchases; 0
 * after a bad record. */
struct summary_in {
	struct flo_summary_cols c;
	struct flo_col actual;
	int resolved;
	const struct options *o; /* the model's unit, --unit, a BG/BB's periods */
};

static int read_summary(struct summary_in *in, flo_reader *r, struct flo_bad *bad,
			int want_actual, double h[4])
{
	const struct flo_field *fx;

	if (!in->resolved) {
		flo_summary_resolve(&in->c, r);
		flo_summary_stated_unit(&in->c, in->o->names.unit, in->o->unit, bad->input_name);
		in->resolved = 1;
	}
	if (!flo_read_number(bad, r, &in->c.x, FLO_FIELD_NUMBER, &h[0], &fx) ||
	    !flo_read_number(bad, r, &in->c.tx, FLO_FIELD_NUMBER, &h[1], NULL) ||
	    !flo_read_number(bad, r, &in->c.T, FLO_FIELD_NUMBER, &h[2], NULL) ||
	    (want_actual && !flo_read_number(bad, r, &in->actual, FLO_FIELD_NUMBER, &h[3], NULL)))
		return 0;
	if (h[0] < 0 || h[0] != floor(h[0])) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR, "field \"%s\" is not a whole number >= 0: "
			       "\"%s\"", in->c.x.name, flo_quote(fx->val, fx->len));
		return 0;
	}
	if (h[1] < 0 || h[2] < h[1]) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR, "recency must be 0 or more and at most T");
		return 0;
	}
	/* a BG/BB's periods say it in their own words */
	if (in->o->periods && !flo_summary_periods(bad, r, &in->c, h[0], h[1], h[2]))
		return 0;
	if (!flo_summary_no_repeat_recency(bad, r, h[0], h[1]))
		return 0;
	if (want_actual && !(h[3] >= 0)) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR, "field \"%s\" is negative",
			       in->actual.name);
		return 0;
	}
	return flo_summary_same_unit(bad, r, &in->c, in->o->unit, in->o->unit_days, h[1],
				     "the check");
}

static void summary_in_init(struct summary_in *in, const struct options *o)
{
	flo_summary_cols_init(&in->c, &o->names);
	in->actual = FLO_COL(o->holdout_field);
	in->resolved = 0;
	in->o = o;
}

static void num_or_null(flo_writer *w, const char *name, int has, double v)
{
	if (has)
		flo_writer_num(w, name, v);
	else
		flo_writer_null(w, name);
}

static const char *bucket_label(char *buf, size_t len, unsigned k, unsigned K)
{
	if (k > K)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, k == K ? "%u+" : "%u", k);
	return buf;
}

static flo_check *new_check(const struct flo_purchase_model *f, unsigned K, double holdout)
{
	flo_check *c;
	if (flo_check_new(&c, f, K, holdout) != FLO_OK)
		flo_out_of_memory();
	return c;
}

static void check_add(flo_check *c, flo_reader *r, struct flo_bad *bad, const double *h,
		      int has_actual)
{
	int rc = flo_check_add(c, h[0], h[1], h[2], has_actual, has_actual ? h[3] : 0);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK)
		flo_bad_record(bad, r, FLO_EXIT_DATAERR, "values too large to check: a prediction "
			       "or the likelihood overflows");
}

/* ---- holdout and counts: one pass over summaries ---- */

static void run_buckets(struct options *o, const struct flo_purchase_model *f)
{
	unsigned K = o->K > 0 ? (unsigned)o->K : 7;
	int holdout = o->check == CHECK_HOLDOUT;
	flo_check *c = new_check(f, K, holdout ? o->holdout : 0);
	flo_reader *r = open_reader(o);
	struct summary_in in;
	double h[4];
	char label[32];

	summary_in_init(&in, o);
	while (next_record(r, &o->bad))
		if (read_summary(&in, r, &o->bad, holdout, h))
			check_add(c, r, &o->bad, h, holdout);
	flo_bad_finish(&o->bad);
	flo_writer *w = open_writer(o, r);
	for (unsigned k = 0; k <= K + (holdout ? 1u : 0u); k++) {
		bucket_label(label, sizeof label, k, K);
		flo_writer_str(w, "frequency", label, strlen(label));
		if (holdout) {
			struct flo_errors e;
			flo_check_holdout(c, k, &e);
			flo_writer_num(w, "customers", e.customers);
			flo_writer_num(w, "actual_mean", e.mean_actual);
			flo_writer_num(w, "expected_mean", e.mean_expected);
			flo_writer_num(w, "actual_sum", e.sum_actual);
			flo_writer_num(w, "expected_sum", e.sum_expected);
			flo_writer_num(w, "mae", e.mae);
			flo_writer_num(w, "rmse", e.rmse);
			num_or_null(w, "corr", e.has_corr, e.corr);
			num_or_null(w, "error_pct", e.has_error_pct, e.error_pct);
		} else {
			double a, e;
			flo_check_counts(c, k, &a, &e);
			flo_writer_num(w, "actual", a);
			flo_writer_num(w, "expected", e);
		}
		end_record(w);
	}
	flo_finish_output(w);
	flo_reader_free(r);
	flo_check_free(c);
}

/* ---- matrix ---- */

static void run_matrix(struct options *o, const struct flo_purchase_model *f)
{
	double T = o->T, F = (double)o->K, R;
	flo_reader *r = NULL;
	char name[64];

	/* the grid's extent from the input where the options leave it open */
	if (T < 0 || o->K == 0) {
		struct summary_in in;
		double h[4], maxT = 0, maxx = 0;
		r = open_reader(o);
		summary_in_init(&in, o);
		while (next_record(r, &o->bad))
			if (read_summary(&in, r, &o->bad, 0, h)) {
				maxx = fmax(maxx, h[0]);
				maxT = fmax(maxT, h[2]);
			}
		flo_bad_finish(&o->bad);
		if (T < 0)
			T = maxT;
		if (o->K == 0)
			F = fmin(maxx, 1000);
	}
	R = fmin(o->max_recency >= 0 ? o->max_recency : T, T);
	double H = o->horizon >= 0 ? o->horizon : 1;
	char hbuf[32];
	snprintf(hbuf, sizeof hbuf, "%.15g", H);
	snprintf(name, sizeof name, "exp_purchases_%s", hbuf);
	flo_writer *w = open_writer(o, r);
	for (double x = 0; x <= F; x++)
		for (double tx = 0; tx <= R; tx++) {
			double e, alive;
			/* Cells no customer can have are left out, for every
			 * family: a customer with no repeat purchase has recency
			 * 0 (lifetimes' matrices score the row x = 0 at every
			 * recency, each cell the same customer), and the BG/BB's
			 * x purchases take x periods at least (x <= t_x). */
			if ((x == 0 && tx > 0) || (o->periods && x > tx))
				continue;
			flo_check_matrix_cell(f, x, tx, T, H, &e, &alive);
			if (!isfinite(e) || !isfinite(alive))
				flo_die(FLO_EXIT_DATAERR, "the matrix overflows at frequency %g, "
					"recency %g, T %g", x, tx, T);
			flo_writer_num(w, "frequency", x);
			flo_writer_num(w, "recency", tx);
			flo_writer_num(w, "T", T);
			flo_writer_num(w, name, e);
			flo_writer_num(w, "p_alive", alive);
			end_record(w);
		}
	flo_finish_output(w);
	flo_reader_free(r);
}

/* ---- summary: one line per model ---- */

static void params_text(char *buf, size_t len, const struct flo_model *m)
{
	if (m->family == FLO_FAMILY_PNBD)
		snprintf(buf, len, "r=%.6g alpha=%.6g s=%.6g beta=%.6g", m->pnbd.r, m->pnbd.alpha,
			 m->pnbd.s, m->pnbd.beta);
	else if (m->family == FLO_FAMILY_MBGNBD)
		snprintf(buf, len, "r=%.6g alpha=%.6g a=%.6g b=%.6g", m->mbgnbd.r, m->mbgnbd.alpha,
			 m->mbgnbd.a, m->mbgnbd.b);
	else if (m->family == FLO_FAMILY_BGBB)
		snprintf(buf, len, "alpha=%.6g beta=%.6g gamma=%.6g delta=%.6g", m->bgbb.alpha,
			 m->bgbb.beta, m->bgbb.gamma, m->bgbb.delta);
	else
		snprintf(buf, len, "r=%.6g alpha=%.6g a=%.6g b=%.6g", m->bgnbd.r, m->bgnbd.alpha,
			 m->bgnbd.a, m->bgnbd.b);
}

/* The model's purchase model and unit, or exit 2 for a family the checks
 * do not know. */
static void use_model(struct options *o, const struct flo_model *m, struct flo_purchase_model *f)
{
	if (flo_purchase_model_of(f, m) != FLO_OK)
		flo_usage_error("the model is a %s: flo-check has no checks for it yet",
				flo_family_name(m->family));
	snprintf(o->unit, sizeof o->unit, "%s", m->unit);
	flo_unit_days(m->unit, &o->unit_days);
	if (m->family != FLO_FAMILY_BGBB)
		return;
	/* the BG/BB sums a period at a time (bgbb.h) */
	o->periods = 1;
	const double len[] = {o->holdout, o->T, o->horizon, o->max_recency};
	const char *name[] = {"--holdout", "--T", "--horizon", "--max-recency"};
	for (int k = 0; k < 4; k++)
		if (len[k] > FLO_BGBB_MAX_PERIODS)
			flo_usage_error("%s %.17g: the BG/BB counts a period at a time, up to "
					"%.0f periods", name[k], len[k], FLO_BGBB_MAX_PERIODS);
	if (o->T != floor(o->T))
		flo_usage_error("--T %.17g: the BG/BB's T is a whole number of periods", o->T);
}

static void run_summary(struct options *o)
{
	size_t nm = o->nmodel_file > 0 ? o->nmodel_file : 1;
	struct flo_model *m = flo_xcalloc(nm, sizeof *m);
	struct flo_purchase_model *f = flo_xcalloc(nm, sizeof *f);
	flo_check **c = flo_xcalloc(nm, sizeof *c);
	int holdout = o->holdout >= 0;
	struct summary_in in;
	double h[4];

	for (size_t k = 0; k < nm; k++) {
		struct flo_model_source s = o->src;
		if (o->nmodel_file > 0)
			s.file = o->model_file[k];
		m[k] = flo_model_from_source(&s);
		/* one unit for the input and every model */
		if (k > 0 && strcmp(m[k].unit, o->unit) != 0)
			flo_usage_error("%s is in %ss, %s in %ss: models compared on one input "
					"share its unit", o->model_file[0], o->unit, s.file,
					m[k].unit);
		use_model(o, &m[k], &f[k]);
		c[k] = new_check(&f[k], 1, holdout ? o->holdout : 0);
	}
	flo_reader *r = open_reader(o);
	summary_in_init(&in, o);
	while (next_record(r, &o->bad))
		if (read_summary(&in, r, &o->bad, holdout, h))
			for (size_t k = 0; k < nm; k++)
				check_add(c[k], r, &o->bad, h, holdout);
	flo_bad_finish(&o->bad);
	flo_writer *w = open_writer(o, r);
	for (size_t k = 0; k < nm; k++) {
		const char *label = o->nmodel_file > 0 ? o->model_file[k]
				  : o->src.bgnbd != NULL ? "--bgnbd"
				  : o->src.pnbd != NULL ? "--pnbd" : o->src.name;
		char params[256];
		double n, ll, np = f[k].nparams;
		struct flo_errors e;

		flo_check_loglik(c[k], &n, &ll);
		flo_check_holdout(c[k], 2, &e);
		params_text(params, sizeof params, &m[k]);
		flo_writer_str(w, "model", label, strlen(label));
		flo_writer_str(w, "family", f[k].name, strlen(f[k].name));
		flo_writer_str(w, "params", params, strlen(params));
		flo_writer_num(w, "customers", n);
		flo_writer_num(w, "loglik", ll);
		/* Akaike (1974) and Schwarz (1978) */
		flo_writer_num(w, "aic", 2 * np - 2 * ll);
		num_or_null(w, "bic", n > 0, np * log(n) - 2 * ll);
		num_or_null(w, "holdout_customers", holdout, e.customers);
		num_or_null(w, "mae", holdout, e.mae);
		num_or_null(w, "rmse", holdout, e.rmse);
		num_or_null(w, "corr", holdout && e.has_corr, e.corr);
		num_or_null(w, "error_pct", holdout && e.has_error_pct, e.error_pct);
		end_record(w);
		flo_check_free(c[k]);
	}
	flo_finish_output(w);
	flo_reader_free(r);
	free(c);
	free(f);
	free(m);
}

/* ---- tracking: an order log ---- */

static void run_tracking(struct options *o, const struct flo_purchase_model *f)
{
	flo_tracking *t;
	flo_reader *r = open_reader(o);
	struct flo_col cid = FLO_COL(o->id_field), cdate = FLO_COL(o->date_field);
	const struct flo_field *fid, *fdate;
	int64_t secs;

	if (flo_tracking_new(&t) != FLO_OK)
		flo_out_of_memory();
	while (next_record(r, &o->bad)) {
		if (!flo_read_need(&o->bad, r, &cid, &fid) || !flo_read_need(&o->bad, r, &cdate, &fdate) ||
		    !flo_read_time(&o->bad, r, fdate, &secs))
			continue;
		int32_t day = (int32_t)(secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400));
		int rc = flo_tracking_order(t, fid->val, fid->len, day);
		if (rc == FLO_EVALUE)
			flo_bad_record(&o->bad, r, FLO_EXIT_DATAERR,
				       "an order of customer \"%s\" dated before the customer's "
				       "previous one: the tracking check needs each customer's "
				       "orders in date order (a log in date order, or sort -t, "
				       "-k1,1 -k2,2)", flo_quote(fid->val, fid->len));
		else if (rc != FLO_OK)
			flo_out_of_memory();
	}
	flo_bad_finish(&o->bad);
	int32_t lo, hi;
	int any = flo_tracking_span(t, &lo, &hi);
	int32_t start = o->has_start ? o->start : lo, end = o->has_end ? o->end : hi;
	size_t np = !any && !(o->has_start && o->has_end) ? 0
		  : end < start ? 0 : (size_t)((end - start) / o->period_days + 1);
	double *actual = flo_xcalloc(np ? np : 1, sizeof *actual);
	double *expected = flo_xcalloc(np ? np : 1, sizeof *expected);
	if (flo_tracking_curve(t, f, start, (int32_t)o->period_days, np, o->unit_days, actual,
			       expected) != FLO_OK)
		flo_die(FLO_EXIT_DATAERR, "the expected transactions overflow: values too large");
	flo_writer *w = open_writer(o, r);
	double ca = 0, ce = 0;
	for (size_t k = 0; k < np; k++) {
		int32_t p0 = start + (int32_t)(k * (size_t)o->period_days);
		int32_t p1 = p0 + (int32_t)o->period_days - 1;
		const char *part = o->has_as_of && p1 > o->as_of ? "holdout" : "calibration";
		ca += actual[k];
		ce += expected[k];
		flo_writer_num(w, "period", (double)(k + 1));
		flo_writer_day(w, "start", p0);
		flo_writer_day(w, "end", p1);
		flo_writer_str(w, "part", part, strlen(part));
		flo_writer_num(w, "actual", actual[k]);
		flo_writer_num(w, "expected", expected[k]);
		flo_writer_num(w, "actual_cum", ca);
		flo_writer_num(w, "expected_cum", ce);
		end_record(w);
	}
	flo_finish_output(w);
	flo_reader_free(r);
	flo_tracking_free(t);
	free(actual);
	free(expected);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct flo_model m;
	struct flo_purchase_model f;

	flo_cli_init("flo-check");
	parse_options(argc, argv, &o);
	if (o.check == CHECK_SUMMARY) {
		run_summary(&o);
		return 0;
	}
	m = flo_model_from_source(&o.src);
	use_model(&o, &m, &f);
	switch (o.check) {
	case CHECK_HOLDOUT:
	case CHECK_COUNTS: run_buckets(&o, &f); break;
	case CHECK_MATRIX: run_matrix(&o, &f); break;
	case CHECK_TRACKING: run_tracking(&o, &f); break;
	default: break;
	}
	return 0;
}
