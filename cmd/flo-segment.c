/* flo-segment: scored customer records in, the same records out with a
 * segment: quantile groups of a field (as pandas.qcut), from the whole
 * population or from cut points stored by an earlier run, or the RFM
 * segments of the FLO/CRM notebooks; or one summary row per segment. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/list.h"
#include "common/read.h"
#include "common/xalloc.h"
#include "base/err.h"
#include "base/num.h"
#include "record/pass.h"
#include "record/reader.h"
#include "record/writer.h"
#include "record/spool.h"
#include "segment/batch.h"
#include "segment/segment.h"
#include "segment/summary.h"
#include "store/cuts.h"
#include "record/field.h"

static const char usage[] =
"usage: flo-segment [options] [file...]\n"
"\n"
"Segment customers.  Read scored records (flo-score's output, or any records\n"
"with the fields named below) and write the same records, every field\n"
"unchanged and in order, with these fields added at the end (a field of the\n"
"same name is replaced where it stands):\n"
"  segment           quantile segments (the default): the group of the --by\n"
"                    field's value among all customers, as pandas.qcut\n"
"  recency_score, frequency_score, monetary_score, rfm_segment\n"
"                    with --rfm: RFM scores 1-5 and the RF segment's name\n"
"\n"
"Quantile segments:\n"
"      --by FIELD            the field to split by (default: clv)\n"
"      --groups K            number of groups, 1 to 1000 (default: 4, or the\n"
"                            number of --labels)\n"
"      --labels L1,...,LK    group names, lowest first (default: D,C,B,A for 4\n"
"                            groups, else 1,...,K)\n"
"  The edges are the quantiles at i/K by linear interpolation (numpy's\n"
"  default); group i holds the values in (edge i-1, edge i], the lowest edge\n"
"  in the first group.  Quantiles that repeat (many equal values) are an error,\n"
"  as in pandas.qcut: use fewer groups, or another field.\n"
"Stored cut points (in --db PATH, else $FLO_DB, else ./flo.lmdb):\n"
"      --save-cuts NAME      store this run's edges and labels under NAME\n"
"      --cuts NAME           segment with the cut points stored under NAME, in\n"
"                            one streaming pass; values below the lowest edge\n"
"                            go to the lowest group, values above the highest\n"
"                            edge to the highest group\n"
"      --print-cuts          write the cut points (the JSON document that is\n"
"                            stored) instead of records; with --cuts, read no\n"
"                            input\n"
"      --db PATH             the store\n"
"Cut points of a population held in parts (README \"More than one machine\"):\n"
"      --sorted-values       instead of records, the --by values of this part,\n"
"                            ascending, as records of that one field\n"
"      --merge-sorted        the inputs (files, one or more) are the parts'\n"
"                            --sorted-values: cut them as one population, in two\n"
"                            streaming passes (a count, then a merge that keeps\n"
"                            the values at the ranks the edges read), for\n"
"                            --save-cuts or --print-cuts: the edges of all the\n"
"                            parts' records together, bit for bit\n"
"RFM segments:\n"
"      --rfm                 score recency, frequency and monetary value 1-5 by\n"
"                            quintiles as the FLO/CRM notebooks do (pandas.qcut;\n"
"                            recency 5 for the most recent fifth, frequency by\n"
"                            rank with ties first come, first ranked) and name\n"
"                            the segment of the recency and frequency scores:\n"
"                            champions, loyal_customers, potential_loyalists,\n"
"                            new_customers, promising, need_attention,\n"
"                            about_to_sleep, at_risk, cant_loose, hibernating\n"
"      --recency FIELD       time from the first to the last purchase (default:\n"
"                            recency) and ...\n"
"      --age FIELD           ... from the first purchase to the end of the data\n"
"                            (default: T): the time since the last purchase is\n"
"                            age - recency, in the summaries' time unit\n"
"      --since-last FIELD    instead, a field that holds the time since the last\n"
"                            purchase\n"
"      --frequency FIELD     purchases (default: frequency)\n"
"      --monetary FIELD      value (default: monetary)\n"
"Summary:\n"
"      --summary             instead of records, one row per segment (in label\n"
"                            order; with --rfm the ten names in alphabetical\n"
"                            order): segment, count, then <field>_mean and\n"
"                            <field>_sum for each field; a segment without\n"
"                            customers has empty means\n"
"      --fields F1,F2,...    the fields (default: those present of frequency,\n"
"                            recency, T, monetary, exp_purchases_*, clv, and\n"
"                            the fields segmented by); empty values are left\n"
"                            out of a field's mean and sum, as pandas leaves\n"
"                            out NaN\n"
"Input and output:\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
"      --input-fields F1,F2,...\n"
"                            CSV or TSV without a header line: the columns'\n"
"                            names, in order (the first line is a record; other\n"
"                            tools take --fields, which here is --summary's)\n"
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
"      --json-strings        JSON Lines: CSV/TSV values as strings, even numbers\n"
"      --flush               flush after every record (with --cuts, output is\n"
"                            flushed anyway whenever the input would block)\n"
"Bad records (a value segmented by that is missing, empty or not a number, or\n"
"a value summed that is not a number):\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Memory: quantile segments and --rfm need the whole population: every record\n"
"is kept in memory (about the size of the input, plus 9 bytes per field)\n"
"until the cut points are known, then written in input order; with --summary\n"
"only the numbers are kept (8 bytes per value).  --cuts streams in constant\n"
"memory.\n"
"\n"
"Exit status: 0 success; 2 usage error, or no cut points stored under the\n"
"--cuts name; 65 bad input data, or quantiles that repeat; 66 unreadable\n"
"input; 70 out of memory; 74 write error, a store that cannot be read or\n"
"written, or stored cut points that are foreign, newer or damaged.\n";

/* LMDB's key limit, which store.h passes on. */
#define NAME_MAX_BYTES 511

struct options {
	enum flo_format in_fmt, out_fmt;
	const char *by;
	long groups;              /* 0: not given */
	struct flo_list labels;   /* n = 0: not given */
	int rfm;
	const char *recency, *age, *since_last, *frequency, *monetary;
	int summary;
	struct flo_list fields;   /* n = 0: not given */
	const char *save_cuts, *cuts, *db;
	int print_cuts;
	int sorted_values, merge_sorted;
	int flush;
	struct flo_bad bad;
	const char *path;
};

static void check_name(const char *opt, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > NAME_MAX_BYTES)
		flo_usage_error("option %s: a name of 1 to %d bytes, not %zu", opt,
				NAME_MAX_BYTES, n);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_BY = 256, OPT_GROUPS, OPT_LABELS, OPT_RFM, OPT_RECENCY, OPT_AGE,
	       OPT_SINCE, OPT_FREQUENCY, OPT_MONETARY, OPT_SUMMARY, OPT_FIELDS,
	       OPT_SAVE, OPT_CUTS, OPT_PRINT, OPT_DB, OPT_SORTED, OPT_MERGE };
	static const struct option longopts[] = {
		{"by", required_argument, NULL, OPT_BY},
		{"groups", required_argument, NULL, OPT_GROUPS},
		{"labels", required_argument, NULL, OPT_LABELS},
		{"rfm", no_argument, NULL, OPT_RFM},
		{"recency", required_argument, NULL, OPT_RECENCY},
		{"age", required_argument, NULL, OPT_AGE},
		{"since-last", required_argument, NULL, OPT_SINCE},
		{"frequency", required_argument, NULL, OPT_FREQUENCY},
		{"monetary", required_argument, NULL, OPT_MONETARY},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"fields", required_argument, NULL, OPT_FIELDS},
		{"save-cuts", required_argument, NULL, OPT_SAVE},
		{"cuts", required_argument, NULL, OPT_CUTS},
		{"print-cuts", no_argument, NULL, OPT_PRINT},
		{"db", required_argument, NULL, OPT_DB},
		{"sorted-values", no_argument, NULL, OPT_SORTED},
		{"merge-sorted", no_argument, NULL, OPT_MERGE},
		FLO_OUTPUT_LONGOPTS,
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	int c, rfm_fields = 0;

	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage, &o->flush};
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BY: o->by = optarg; break;
		case OPT_GROUPS:
			o->groups = flo_opt_long("--groups", optarg, 1, FLO_CUTS_MAX_GROUPS);
			break;
		case OPT_LABELS: flo_list_parse(&o->labels, "--labels", optarg, FLO_LIST_NAMES); break;
		case OPT_RFM: o->rfm = 1; break;
		case OPT_RECENCY: o->recency = optarg; rfm_fields = 1; break;
		case OPT_AGE: o->age = optarg; rfm_fields = 1; break;
		case OPT_SINCE: o->since_last = optarg; rfm_fields = 1; break;
		case OPT_FREQUENCY: o->frequency = optarg; rfm_fields = 1; break;
		case OPT_MONETARY: o->monetary = optarg; rfm_fields = 1; break;
		case OPT_SUMMARY: o->summary = 1; break;
		case OPT_FIELDS: flo_list_parse(&o->fields, "--fields", optarg, FLO_LIST_NAMES); break;
		case OPT_SAVE: check_name("--save-cuts", optarg); o->save_cuts = optarg; break;
		case OPT_CUTS: check_name("--cuts", optarg); o->cuts = optarg; break;
		case OPT_PRINT: o->print_cuts = 1; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_SORTED: o->sorted_values = 1; break;
		case OPT_MERGE: o->merge_sorted = 1; break;
		default:
			if (!flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	if (o->merge_sorted && optind == argc)
		flo_usage_error("--merge-sorted reads the parts' files: name them");
	o->path = o->merge_sorted ? argv[optind] : flo_inputs(argc, argv);
	if ((o->sorted_values || o->merge_sorted) && (o->rfm || o->cuts || o->summary))
		flo_usage_error("--sorted-values and --merge-sorted make quantile cut points: not "
				"with --rfm, --cuts or --summary");
	if (o->sorted_values && (o->merge_sorted || o->save_cuts || o->print_cuts))
		flo_usage_error("--sorted-values writes a part's values; --merge-sorted cuts "
				"them (--save-cuts, --print-cuts)");
	if (o->merge_sorted && !o->save_cuts && !o->print_cuts)
		flo_usage_error("--merge-sorted makes cut points: with --save-cuts or --print-cuts");

	if (o->rfm && (o->by || o->groups || o->labels.n))
		flo_usage_error("--rfm scores fixed quintiles: not with --by, --groups or --labels");
	if (o->rfm && (o->save_cuts || o->cuts || o->print_cuts))
		flo_usage_error("--save-cuts, --cuts and --print-cuts keep quantile segments, "
				"not --rfm (frequency scores rank the whole population)");
	if (rfm_fields && !o->rfm)
		flo_usage_error("--recency, --age, --since-last, --frequency and --monetary "
				"name the fields of --rfm");
	if (o->since_last && (o->recency || o->age))
		flo_usage_error("--since-last replaces --age - --recency: give one or the other");
	if (o->fields.n && !o->summary)
		flo_usage_error("--fields chooses the fields of --summary");
	if (o->cuts && (o->save_cuts || o->groups || o->labels.n))
		flo_usage_error("--cuts brings its own groups and labels: not with --save-cuts, "
				"--groups or --labels");
	if (o->print_cuts && o->summary)
		flo_usage_error("--print-cuts and --summary each replace the records: use one");
	if (o->db && !o->save_cuts && !o->cuts)
		flo_usage_error("--db names the store of --save-cuts or --cuts");
	if (o->groups && o->labels.n && (size_t)o->groups != o->labels.n)
		flo_usage_error("--groups %ld, but --labels names %zu groups", o->groups,
				o->labels.n);
	if (o->labels.n > FLO_CUTS_MAX_GROUPS)
		flo_usage_error("option --labels: at most %d groups", FLO_CUTS_MAX_GROUPS);
	if (!o->groups && !o->cuts)
		o->groups = o->labels.n ? (long)o->labels.n : 4;
	o->db = flo_store_path(o->db);
	o->bad.input_name = flo_input_name(o->path);
}

/* ---- the cut points: labels, and the store ---- */

/* D,C,B,A for 4 groups, else 1..K; the caller frees the strings. */
static char **default_labels(int k)
{
	static const char *const abcd[] = {"D", "C", "B", "A"};
	char **l = flo_xcalloc((size_t)k, sizeof *l);
	for (int i = 0; i < k; i++) {
		char buf[16];
		snprintf(buf, sizeof buf, "%d", i + 1);
		l[i] = flo_xstrndup(k == 4 ? abcd[i] : buf, 8);
	}
	return l;
}

/* A store or cut name that is missing is a usage matter (exit 2), as
 * flo-score treats a missing model; a store that cannot be read, or holds
 * foreign, newer or damaged cut points, is exit 74. */
static _Noreturn void no_cuts(const struct options *o, const char *why)
{
	flo_usage_error("no cut points \"%s\" in %s (%s): make them with flo-segment "
			"--save-cuts %s on the whole population", o->cuts, o->db, why, o->cuts);
}

static struct flo_cuts *load_cuts(const struct options *o)
{
	char msg[FLO_CUTS_MSG];
	struct flo_cuts *c;
	int rc = flo_cuts_load(o->db, o->cuts, &c, msg, sizeof msg);

	if (rc == FLO_ENOTFOUND)
		no_cuts(o, msg);
	if (rc != FLO_OK)
		flo_die(rc == FLO_ENOMEM ? FLO_EXIT_SOFTWARE : FLO_EXIT_IOERR, "%s", msg);
	return c;
}

static void save_cuts(const struct options *o, const char *text, size_t len)
{
	char msg[FLO_CUTS_MSG];
	if (flo_cuts_save(o->db, o->save_cuts, text, len, msg, sizeof msg) != FLO_OK)
		flo_die(FLO_EXIT_IOERR, "%s", msg);
}

static char *encode_cuts(const struct flo_cuts *c, size_t *len)
{
	char *text;
	int rc = flo_cuts_encode(c, &text, len);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "cut points: %s", flo_strerror(rc));
	return text;
}

static void print_cuts(const char *text, size_t len)
{
	fwrite(text, 1, len, stdout);
	fputc('\n', stdout);
	flo_finish_output(NULL);
}

/* ---- reading values ---- */

/* The numbers a record must have (the fields segmented by) and may have
 * (the fields summed). */
struct input {
	flo_reader *r;
	struct flo_bad *bad;
	struct flo_col *need;
	const char **need_opt;   /* the option that named each, for messages */
	size_t nneed;
	struct flo_col *sum;
	char **sum_name;         /* owned */
	size_t nsum;
};

static void add_need(struct input *in, const char *name, const char *opt)
{
	in->need = flo_xrealloc(in->need, in->nneed + 1, sizeof *in->need);
	in->need_opt = flo_xrealloc(in->need_opt, in->nneed + 1, sizeof *in->need_opt);
	in->need[in->nneed] = FLO_COL(name);
	in->need_opt[in->nneed++] = opt;
}

static void add_sum(struct input *in, const char *name, size_t len)
{
	for (size_t j = 0; j < in->nsum; j++)
		if (strlen(in->sum_name[j]) == len && memcmp(in->sum_name[j], name, len) == 0)
			return;
	in->sum_name = flo_xrealloc(in->sum_name, in->nsum + 1, sizeof *in->sum_name);
	in->sum = flo_xrealloc(in->sum, in->nsum + 1, sizeof *in->sum);
	in->sum_name[in->nsum] = flo_xstrndup(name, len);
	in->sum[in->nsum] = FLO_COL(in->sum_name[in->nsum]);
	in->nsum++;
}

/* The fields segmented by, checked against a CSV/TSV header (JSON records
 * may each differ, so there a missing field is a bad record), and the fields
 * summed: those asked for, or the usual ones present in the header or the
 * first record. */
static void setup_fields(struct input *in, const struct options *o, const char *by,
			 const struct flo_field *f, size_t n, enum flo_format fmt)
{
	if (o->rfm) {
		if (o->since_last) {
			add_need(in, o->since_last, "--since-last");
		} else {
			add_need(in, o->recency ? o->recency : "recency", "--recency");
			add_need(in, o->age ? o->age : "T", "--age");
		}
		add_need(in, o->frequency ? o->frequency : "frequency", "--frequency");
		add_need(in, o->monetary ? o->monetary : "monetary", "--monetary");
	} else {
		add_need(in, by, o->cuts ? "--cuts" : "--by");
	}
	for (size_t k = 0; fmt != FLO_FMT_JSONL && k < in->nneed; k++) {
		if (flo_field_has(f, n, in->need[k].name))
			continue;
		if (o->cuts)
			flo_die(FLO_EXIT_DATAERR, "no field \"%s\" in the input: the cut points "
				"\"%s\" split %s", in->need[k].name, o->cuts, in->need[k].name);
		char hint[FLO_SEPARATOR_HINT];
		flo_die(FLO_EXIT_DATAERR, "no field \"%s\" (%s) in the input%s",
			in->need[k].name, in->need_opt[k],
			flo_separator_hint(f, n, fmt, hint)[0] != '\0' ? hint
			: o->rfm ? "" : ": segment by another field with --by FIELD");
	}
	if (!o->summary)
		return;
	if (o->fields.n) {
		for (size_t k = 0; k < o->fields.n; k++) {
			const char *name = o->fields.item[k];
			if (fmt != FLO_FMT_JSONL && !flo_field_has(f, n, name))
				flo_die(FLO_EXIT_DATAERR, "no field \"%s\" (--fields) in the input",
					name);
			add_sum(in, name, strlen(name));
		}
		return;
	}
	static const char *const usual[] = {"frequency", "recency", "T", "monetary"};
	for (size_t k = 0; k < 4; k++)
		if (flo_field_has(f, n, usual[k]))
			add_sum(in, usual[k], strlen(usual[k]));
	for (size_t i = 0; i < n; i++)
		if (f[i].name_len > 14 && memcmp(f[i].name, "exp_purchases_", 14) == 0)
			add_sum(in, f[i].name, f[i].name_len);
	if (flo_field_has(f, n, "clv"))
		add_sum(in, "clv", 3);
	for (size_t k = 0; k < in->nneed; k++)
		if (flo_field_has(f, n, in->need[k].name))
			add_sum(in, in->need[k].name, strlen(in->need[k].name));
}

/* Whether col, which did not read, is a spend score that flo-score left
 * empty (or null) in the current record (one with flo-score's p_alive),
 * which it does for every customer without a Gamma-Gamma model: reported
 * as a bad record that says so. */
static int empty_spend_score(struct input *in, struct flo_col *col)
{
	const struct flo_field *f = flo_reader_get(in->r, col);
	if (f == NULL || !(f->kind == FLO_KIND_NULL || f->len == 0) ||
	    (strcmp(col->name, "clv") != 0 && strcmp(col->name, "exp_avg_value") != 0))
		return 0;
	size_t n;
	const struct flo_field *all = flo_reader_fields(in->r, &n);
	if (!flo_field_has(all, n, "p_alive"))
		return 0;
	flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
		       "field \"%s\" is empty: flo-score leaves it so without a Gamma-Gamma "
		       "model (a log without values, or no customer with repeat purchases and "
		       "spend); segment by another field with --by FIELD", col->name);
	return 1;
}

/* The numbers of the current record: need[] the fields segmented by, sum[]
 * the fields summed (NaN where absent, null or empty).  0 when the record is
 * bad (reported). */
static int read_values(struct input *in, double *need, double *sum)
{
	for (size_t k = 0; k < in->nneed; k++) {
		char msg[FLO_FIELD_MSG];
		int err = flo_field_get_number(in->r, &in->need[k], FLO_FIELD_NONEMPTY, &need[k],
					       NULL, msg);
		/* the words for flo-score's empty spend scores only on the way out */
		if (err != FLO_OK)
			return empty_spend_score(in, &in->need[k]) ? 0
								   : flo_read_failed(in->bad, in->r,
										     err, msg);
	}
	for (size_t k = 0; k < in->nsum; k++) {
		const struct flo_field *f = flo_reader_get(in->r, &in->sum[k]);
		sum[k] = NAN;
		if (!flo_field_present(f) || f->len == 0)
			continue;
		if (!flo_read_value(in->bad, in->r, f, FLO_FIELD_NUMBER, &sum[k]))
			return 0;
	}
	return 1;
}

/* ---- output ---- */

/* The fields added to every record: quantile mode adds the segment, --rfm
 * the three scores and the RFM segment, in this order. */
static const char *const quantile_fields[] = {"segment"};
static const char *const rfm_fields[] = {"recency_score", "frequency_score", "monetary_score",
					 "rfm_segment"};

struct output {
	flo_writer *w;
	flo_pass *pass; /* the records as read, the added fields in place or after */
};

static void flush_output(void *w)
{
	flo_writer_flush(w);
}

/* The writer's result for a record: FLO_OK, or FLO_ESYNTAX (fields that
 * differ from the first record's in CSV/TSV output); I/O errors exit. */
static int written(struct output *out, int err)
{
	if (err == FLO_EIO)
		flo_finish_output(out->w); /* reports and exits */
	if (err != FLO_OK && err != FLO_ESYNTAX)
		flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(out->w));
	return err;
}

/* ---- the run ---- */

struct run {
	struct options *o;
	struct input in;
	struct output out;
	enum flo_format out_fmt;
	const char *by;
	int groups;
	char **labels;
	struct flo_cuts *cuts;  /* --cuts: stored cut points, streamed */
};

static void check_write(flo_writer *w, int err)
{
	if (err == FLO_EIO)
		flo_finish_output(w); /* reports and exits */
	if (err != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(w));
}

static flo_segsum *new_summary(const struct input *in, int ngroups)
{
	flo_segsum *s;
	if (flo_segsum_new(&s, ngroups, (const char *const *)in->sum_name, in->nsum) != FLO_OK)
		flo_out_of_memory();
	return s;
}

/* The quantiles of `what` repeat: exit 65 with what to do. */
static _Noreturn void repeated(const char *what, const double *edges, int k, int at,
			       const char *advice)
{
	char words[FLO_QCUT_WORDS];
	flo_qcut_repeat_words(edges, k, at, words);
	flo_die(FLO_EXIT_DATAERR, "the %s quantiles repeat (%s): %s", what, words, advice);
}

/* Cut the population, or exit saying which quantiles repeat. */
static void cut(struct run *run, flo_segbatch *b, double *edges)
{
	const struct options *o = run->o;
	const struct flo_col *need = run->in.need;
	size_t k = o->since_last ? 1 : 2; /* need[]: since-last, or recency and age; then
					     frequency and monetary */
	char what[1100];
	int which, at, groups = o->rfm ? 5 : run->groups;
	int rc = flo_segbatch_cut(b, run->groups, edges, &which, &at);

	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc == FLO_OK)
		return;
	if (!o->rfm)
		repeated(run->by, edges, groups, at, "use fewer --groups, or --by another field");
	if (which == 0 && o->since_last)
		snprintf(what, sizeof what, "%s", o->since_last);
	else if (which == 0)
		snprintf(what, sizeof what, "%s - %s", need[1].name, need[0].name);
	else if (which == 1)
		snprintf(what, sizeof what, "%s rank", need[k].name);
	else
		snprintf(what, sizeof what, "%s", need[k + 1].name);
	static const char *const advice[3] = {
		"RFM scores need 5 distinct quintiles of the time since the last purchase",
		"RFM scores need 5 customers at least",
		"RFM scores need 5 distinct quintiles: score another field with --monetary FIELD",
	};
	repeated(what, edges, groups, at, advice[which]);
}

/* The records, each with its segment (or scores), in input order. */
static void write_spooled(struct run *run, flo_spool *sp, const flo_segbatch *b)
{
	struct output *out = &run->out;
	size_t pos = 0, n = flo_segbatch_count(b);
	for (size_t i = 0; i < n; i++) {
		size_t nf;
		const struct flo_field *f = flo_spool_next(sp, &pos, &nf);
		int g = flo_segbatch_segment(b, i);
		if (run->o->rfm) {
			int score[3];
			flo_segbatch_scores(b, i, score);
			const double scores[3] = {score[0], score[1], score[2]};
			flo_pass_nums(out->pass, 0, scores, 3);
			flo_pass_str(out->pass, 3, flo_rfm_segment_names[g],
				     strlen(flo_rfm_segment_names[g]));
		} else {
			flo_pass_str(out->pass, 0, run->labels[g], strlen(run->labels[g]));
		}
		if (written(out, flo_pass_write(out->pass, f, nf)) != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(out->w));
	}
}

/* Keep the current record for writing after the cut; 0 when it is bad
 * (reported). */
static int keep(struct run *run, flo_spool *sp)
{
	char msg[512];
	size_t n;
	const struct flo_field *f = flo_reader_fields(run->in.r, &n);
	if (run->out_fmt == FLO_FMT_JSONL && flo_not_utf8(f, n, msg, sizeof msg)) {
		flo_bad_record(run->in.bad, run->in.r, FLO_EXIT_DATAERR, "%s", msg);
		return 0;
	}
	int rc = flo_spool_add(sp, f, n);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK) {
		flo_bad_record(run->in.bad, run->in.r, FLO_EXIT_DATAERR,
			       "record fields differ from the first record's; write JSON Lines "
			       "(-o jsonl) for records of varying fields");
		return 0;
	}
	return 1;
}

/* The batch: the whole population, then every record (or the summary, or
 * the cut points). */
static void batch(struct run *run, int got)
{
	static const int alphabetical[FLO_RFM_NSEGMENTS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct options *o = run->o;
	struct input *in = &run->in;
	flo_spool *sp;
	flo_segbatch *b;
	double need[4] = {0}, key[3], edges[FLO_CUTS_MAX_GROUPS + 1];
	double *sv = flo_xcalloc(in->nsum, sizeof *sv);
	int records = !o->summary && !o->print_cuts;

	if (flo_spool_new(&sp, run->out_fmt != FLO_FMT_JSONL) != FLO_OK ||
	    flo_segbatch_new(&b, o->rfm ? FLO_SEG_RFM : FLO_SEG_QUANTILE, in->nsum) != FLO_OK)
		flo_out_of_memory();
	for (; got != 0; got = flo_reader_next(in->r)) {
		if (got < 0) {
			flo_reader_failed(in->bad, in->r, got);
			continue;
		}
		if (!read_values(in, need, sv) || (records && !keep(run, sp)))
			continue;
		size_t k = o->since_last ? 1 : 2;
		key[0] = !o->rfm || o->since_last ? need[0] : need[1] - need[0];
		key[1] = need[k];
		key[2] = need[k + 1];
		if (flo_segbatch_add(b, key, sv) != FLO_OK)
			flo_out_of_memory();
	}
	flo_bad_finish(in->bad);
	size_t n = flo_segbatch_count(b);
	if (n == 0 && (o->save_cuts || o->print_cuts))
		flo_die(FLO_EXIT_DATAERR, "no records: no cut points to compute");
	if (n > 0)
		cut(run, b, edges);

	if (o->save_cuts || o->print_cuts) {
		char *by = flo_xstrdup(run->by);
		struct flo_cuts c = {by, run->groups, n, edges, run->labels};
		size_t len;
		char *text = encode_cuts(&c, &len);
		free(by);
		if (o->save_cuts)
			save_cuts(o, text, len);
		if (o->print_cuts)
			print_cuts(text, len);
		free(text);
	}
	if (o->summary) {
		flo_segsum *s = new_summary(in, o->rfm ? FLO_RFM_NSEGMENTS : run->groups);
		for (size_t i = 0; i < n; i++) {
			int f = flo_segsum_add(s, flo_segbatch_segment(b, i), flo_segbatch_sums(b, i));
			if (f > 0)
				flo_die(FLO_EXIT_DATAERR, "--summary: the sum of field \"%s\" over a "
					"segment is out of range (beyond 1.8e308)", in->sum_name[f - 1]);
		}
		check_write(run->out.w,
			    o->rfm ? flo_segsum_write(s, run->out.w, flo_rfm_segment_names,
						      alphabetical)
				   : flo_segsum_write(s, run->out.w,
						      (const char *const *)run->labels, NULL));
		flo_segsum_free(s);
	} else if (records) {
		write_spooled(run, sp, b);
	}
	flo_segbatch_free(b);
	flo_spool_free(sp);
	free(sv);
}

/* The stream: stored cut points, one record at a time. */
static void stream(struct run *run, int got)
{
	const struct flo_cuts *c = run->cuts;
	struct input *in = &run->in;
	struct output *out = &run->out;
	flo_segsum *s = NULL;
	double need[1];
	double *sv = flo_xcalloc(in->nsum, sizeof *sv);

	if (run->o->summary)
		s = new_summary(in, c->groups);
	else
		flo_reader_on_refill(in->r, flush_output, out->w);
	for (; got != 0; got = flo_reader_next(in->r)) {
		if (got < 0) {
			flo_reader_failed(in->bad, in->r, got);
			continue;
		}
		if (!read_values(in, need, sv))
			continue;
		int g = flo_qcut_group(c->edges, c->groups, need[0]);
		if (s != NULL) {
			int f = flo_segsum_add(s, g, sv);
			if (f > 0)
				flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
					       "field \"%s\": the segment's sum would be out of range "
					       "(beyond 1.8e308): %g", in->sum_name[f - 1], sv[f - 1]);
			continue;
		}
		flo_pass_str(out->pass, 0, c->labels[g], strlen(c->labels[g]));
		if (written(out, flo_pass_write_record(out->pass, in->r)) == FLO_ESYNTAX)
			flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "%s",
				       flo_writer_errmsg(out->w));
	}
	flo_bad_finish(in->bad);
	if (s != NULL)
		check_write(out->w, flo_segsum_write(s, out->w, (const char *const *)c->labels,
						     NULL));
	flo_segsum_free(s);
	free(sv);
}

/* The segments: stored cut points (--cuts), or the options' groups and labels.
 * Exits after --print-cuts of stored cut points. */
static void choose_cuts(struct run *run, const struct options *o)
{
	if (!o->cuts) {
		run->by = o->by ? o->by : "clv";
		run->groups = (int)o->groups;
		run->labels = o->labels.n ? o->labels.item : default_labels(run->groups);
		return;
	}
	struct flo_cuts *cuts = load_cuts(o);
	if (o->by && strcmp(o->by, cuts->field) != 0)
		flo_usage_error("--by %s, but the cut points \"%s\" split %s", o->by, o->cuts,
				cuts->field);
	if (o->print_cuts) {
		size_t len;
		char *text = encode_cuts(cuts, &len);
		print_cuts(text, len);
		free(text);
		flo_cuts_free(cuts);
		exit(0);
	}
	run->cuts = cuts;
	run->by = cuts->field;
	run->groups = cuts->groups;
	run->labels = cuts->labels;
}

/* Open the input and read its first record (0: none) and its fields. */
static int open_input(struct run *run, struct options *o)
{
	int got;
	run->in.bad = &o->bad;
	flo_open_reader(&run->in.r, o->path, o->in_fmt);
	while ((got = flo_reader_next(run->in.r)) < 0)
		flo_reader_failed(&o->bad, run->in.r, got);
	enum flo_format fmt = flo_reader_format(run->in.r);
	size_t n;
	const struct flo_field *f = got ? flo_reader_fields(run->in.r, &n)
					: flo_reader_header(run->in.r, &n);
	if (got == 0 && n == 0)
		flo_die(FLO_EXIT_DATAERR, "%s is empty", o->bad.input_name);
	setup_fields(&run->in, o, run->by, f, n, fmt);
	run->out_fmt = o->out_fmt ? o->out_fmt : fmt;
	return got;
}

static void open_output(struct run *run, const struct options *o)
{
	if (flo_writer_new(&run->out.w, STDOUT_FILENO, run->out_fmt) != FLO_OK)
		flo_out_of_memory();
	flo_writer_set_autoflush(run->out.w, o->flush);
	/* the batch writes records kept from the input: CSV and TSV numbers
	 * become JSON numbers (writer.h) */
	flo_writer_set_source(run->out.w, flo_reader_format(run->in.r));
	if (flo_pass_new(&run->out.pass, run->out.w, o->rfm ? rfm_fields : quantile_fields,
			 o->rfm ? 4 : 1) != FLO_OK)
		flo_out_of_memory();
}

static void run_free(struct run *run, struct options *o)
{
	if (!run->cuts && !o->labels.n) {
		for (int i = 0; i < run->groups; i++)
			free(run->labels[i]);
		free(run->labels);
	}
	flo_cuts_free(run->cuts);
	for (size_t k = 0; k < run->in.nsum; k++)
		free(run->in.sum_name[k]);
	free(run->in.sum_name);
	free(run->in.sum);
	free(run->in.need);
	free(run->in.need_opt);
	flo_pass_free(run->out.pass);
	flo_list_free(&o->labels);
	flo_list_free(&o->fields);
}

/* ---- a population in parts ---- */

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* --sorted-values: the part's values of --by, ascending (8 bytes a record
 * held). */
static void sorted_values(struct run *run, int got)
{
	struct input *in = &run->in;
	double need[1], *v = NULL, *sv = flo_xcalloc(in->nsum + 1, sizeof *sv);
	size_t n = 0, cap = 0;
	for (; got != 0; got = flo_reader_next(in->r)) {
		if (got < 0) {
			flo_reader_failed(in->bad, in->r, got);
			continue;
		}
		if (!read_values(in, need, sv))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			v = flo_xrealloc(v, cap, sizeof *v);
		}
		v[n++] = need[0] + 0.0; /* -0 as 0, as the cut compares them */
	}
	flo_bad_finish(in->bad);
	qsort(v, n, sizeof *v, cmp_double);
	for (size_t i = 0; i < n; i++) {
		flo_writer_num(run->out.w, run->by, v[i]);
		written(&run->out, flo_writer_end(run->out.w));
	}
	free(v);
	free(sv);
}

/* One part's sorted values, read a value at a time. */
struct part_run {
	const char *path;
	flo_reader *r;
	struct flo_col col;
	double v;  /* the current value */
	int more;  /* v holds one */
};

static void run_open(struct part_run *p, const char *by)
{
	if (flo_reader_new(&p->r, flo_open_input(p->path), FLO_FMT_AUTO) != FLO_OK)
		flo_out_of_memory();
	p->col = FLO_COL(by);
	p->more = 0;
}

/* The next value into p->v (p->more 0 at the end); exits 65 on a record
 * without the value or out of order. */
static void run_next(struct part_run *p)
{
	int got = flo_reader_next(p->r);
	double before = p->v;
	int had = p->more;
	char msg[FLO_FIELD_MSG];
	if (got < 0)
		flo_die(FLO_EXIT_DATAERR, "%s: line %ld: %s", p->path, flo_reader_line(p->r),
			flo_reader_errmsg(p->r));
	p->more = got != 0;
	if (!p->more)
		return;
	int rc = flo_field_get_number(p->r, &p->col, FLO_FIELD_NONEMPTY, &p->v, NULL,
					  msg);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK)
		flo_die(FLO_EXIT_DATAERR, "%s: line %ld: %s", p->path, flo_reader_line(p->r), msg);
	if (had && p->v < before)
		flo_die(FLO_EXIT_DATAERR, "%s: line %ld: %.17g after %.17g: not ascending (make "
			"each part's values with flo-segment --sorted-values)", p->path,
			flo_reader_line(p->r), p->v, before);
}

static void run_close(struct part_run *p)
{
	flo_reader_free(p->r);
	p->r = NULL;
}

/* --merge-sorted: count the values, then merge the parts' runs (the least
 * current value next: a scan of the parts, which are few) and keep the
 * values at the ranks the edges read.  Then the cut points, as batch(). */
static void merge_sorted(struct run *run, char **paths, int nparts)
{
	const struct options *o = run->o;
	struct part_run *p = flo_xcalloc((size_t)nparts, sizeof *p);
	size_t n = 0;
	for (int i = 0; i < nparts; i++) {
		p[i].path = paths[i];
		run_open(&p[i], run->by);
		for (run_next(&p[i]); p[i].more; run_next(&p[i]))
			n++;
		run_close(&p[i]);
	}
	if (n == 0)
		flo_die(FLO_EXIT_DATAERR, "no records: no cut points to compute");
	size_t rank[2 * FLO_CUTS_MAX_GROUPS + 2], nrank = flo_qcut_ranks(n, run->groups, rank);
	double value[2 * FLO_CUTS_MAX_GROUPS + 2];
	for (int i = 0; i < nparts; i++) {
		run_open(&p[i], run->by);
		run_next(&p[i]);
	}
	for (size_t at = 0, next = 0; next < nrank; at++) {
		int least = -1;
		for (int i = 0; i < nparts; i++)
			if (p[i].more && (least < 0 || p[i].v < p[least].v))
				least = i;
		if (least < 0)
			flo_die(FLO_EXIT_DATAERR, "the parts' files changed between the passes");
		if (at == rank[next])
			value[next++] = p[least].v;
		run_next(&p[least]);
	}
	for (int i = 0; i < nparts; i++)
		run_close(&p[i]);
	free(p);

	double edges[FLO_CUTS_MAX_GROUPS + 1];
	flo_qcut_edges_ranked(rank, value, nrank, n, run->groups, edges);
	int at = flo_qcut_repeat(edges, run->groups);
	if (at != 0)
		repeated(run->by, edges, run->groups, at, "use fewer --groups, or --by another field");
	char *by = flo_xstrdup(run->by);
	struct flo_cuts c = {by, run->groups, n, edges, run->labels};
	size_t len;
	char *text = encode_cuts(&c, &len);
	free(by);
	if (o->save_cuts)
		save_cuts(o, text, len);
	if (o->print_cuts)
		print_cuts(text, len);
	free(text);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct run run = {.o = &o};

	flo_cli_init("flo-segment");
	parse_options(argc, argv, &o);
	choose_cuts(&run, &o);
	if (o.merge_sorted) {
		merge_sorted(&run, argv + optind, argc - optind);
		run_free(&run, &o);
		return 0;
	}
	int got = open_input(&run, &o);
	open_output(&run, &o);
	if (o.sorted_values)
		sorted_values(&run, got);
	else if (run.cuts)
		stream(&run, got);
	else
		batch(&run, got);
	flo_reader_free(run.in.r);
	flo_finish_output(run.out.w);
	run_free(&run, &o);
	return 0;
}
