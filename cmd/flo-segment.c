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
#include "record/reader.h"
#include "record/writer.h"
#include "segment/segment.h"
#include "store/cuts.h"

static const char usage[] =
"usage: flo-segment [options] [file]\n"
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
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
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
	       OPT_SAVE, OPT_CUTS, OPT_PRINT, OPT_DB, OPT_FLUSH,  };
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
		{"output-format", required_argument, NULL, 'o'},
		{"flush", no_argument, NULL, OPT_FLUSH},
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	int c, rfm_fields = 0;

	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage};
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
		case OPT_FLUSH: o->flush = 1; break;
		default:
			if (!flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_one_input(argc, argv);

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

static int has_field(const struct flo_field *f, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (f[i].name_len == len && memcmp(f[i].name, name, len) == 0)
			return 1;
	return 0;
}

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
		if (has_field(f, n, in->need[k].name))
			continue;
		if (o->cuts)
			flo_die(FLO_EXIT_DATAERR, "no field \"%s\" in the input: the cut points "
				"\"%s\" split %s", in->need[k].name, o->cuts, in->need[k].name);
		flo_die(FLO_EXIT_DATAERR, "no field \"%s\" (%s) in the input%s",
			in->need[k].name, in->need_opt[k],
			o->rfm ? "" : ": segment by another field with --by FIELD");
	}
	if (!o->summary)
		return;
	if (o->fields.n) {
		for (size_t k = 0; k < o->fields.n; k++) {
			const char *name = o->fields.item[k];
			if (fmt != FLO_FMT_JSONL && !has_field(f, n, name))
				flo_die(FLO_EXIT_DATAERR, "no field \"%s\" (--fields) in the input",
					name);
			add_sum(in, name, strlen(name));
		}
		return;
	}
	static const char *const usual[] = {"frequency", "recency", "T", "monetary"};
	for (size_t k = 0; k < 4; k++)
		if (has_field(f, n, usual[k]))
			add_sum(in, usual[k], strlen(usual[k]));
	for (size_t i = 0; i < n; i++)
		if (f[i].name_len > 14 && memcmp(f[i].name, "exp_purchases_", 14) == 0)
			add_sum(in, f[i].name, f[i].name_len);
	if (has_field(f, n, "clv"))
		add_sum(in, "clv", 3);
	for (size_t k = 0; k < in->nneed; k++)
		if (has_field(f, n, in->need[k].name))
			add_sum(in, in->need[k].name, strlen(in->need[k].name));
}

/* The numbers of the current record: need[] the fields segmented by, sum[]
 * the fields summed (NaN where absent, null or empty).  0 when the record is
 * bad (reported). */
static int read_values(struct input *in, double *need, double *sum)
{
	for (size_t k = 0; k < in->nneed; k++)
		if (!flo_read_number(in->bad, in->r, &in->need[k], FLO_FIELD_NONEMPTY, &need[k],
				     NULL))
			return 0;
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

/* Where each added value goes in out->add: quantile mode adds one field,
 * --rfm four. */
enum { ADD_SEGMENT = 0 };
enum { ADD_RSCORE = 0, ADD_FSCORE, ADD_MSCORE, ADD_RFM };

struct added {
	const char *name;
	size_t len;
	int is_num;
	double num;
	const char *str;
};

struct output {
	flo_writer *w;
	struct added *add;   /* the fields added to every record */
	size_t nadd;
	unsigned char *done; /* per added field: written in place */
};

static struct added quantile_fields[] = {{"segment", 7, 0, 0, NULL}};
static struct added rfm_fields[] = {
	{"recency_score", 13, 1, 0, NULL},
	{"frequency_score", 15, 1, 0, NULL},
	{"monetary_score", 14, 1, 0, NULL},
	{"rfm_segment", 11, 0, 0, NULL},
};

static void put_added(flo_writer *w, const struct added *a)
{
	if (a->is_num)
		flo_writer_num(w, a->name, a->num);
	else
		flo_writer_str(w, a->name, a->str, strlen(a->str));
}

static void flush_output(void *w)
{
	flo_writer_flush(w);
}

/* Write one record: its fields, an added field in place of one of the same
 * name, the others at the end.  FLO_OK, or the writer's FLO_ESYNTAX (fields
 * differ from the first record's in CSV/TSV output); I/O errors exit. */
static int write_record(struct output *out, const struct flo_field *f, size_t n)
{
	memset(out->done, 0, out->nadd);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < out->nadd && !(f[i].name_len == out->add[k].len &&
					  memcmp(f[i].name, out->add[k].name, f[i].name_len) == 0))
			k++;
		if (k == out->nadd) {
			flo_writer_field(out->w, &f[i]);
		} else {
			put_added(out->w, &out->add[k]);
			out->done[k] = 1;
		}
	}
	for (size_t k = 0; k < out->nadd; k++)
		if (!out->done[k])
			put_added(out->w, &out->add[k]);
	int err = flo_writer_end(out->w);
	if (err == FLO_EIO)
		flo_finish_output(out->w); /* reports and exits */
	if (err != FLO_OK && err != FLO_ESYNTAX)
		flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(out->w));
	return err;
}

/* ---- the records of a batch, kept in memory ----
 *
 * One buffer holds every record back to back: the field count (4 bytes),
 * then per field its name's number (4), kind (1), length (4) and bytes.
 * Names are kept once each.  A record with other names than the first is
 * refused as it is read when the output is CSV or TSV, so that a batch never
 * fails half written. */
struct spool {
	unsigned char *p;
	size_t len, cap;
	size_t nrec;
	char **name;
	size_t *name_len;
	size_t nnames, names_cap;
	uint32_t *ids, *prev, *first; /* this record's name numbers, the last's, the first's */
	size_t nprev, nfirst, ids_cap;
	int check;                    /* CSV/TSV output: names must match the first's */
	struct flo_field *fields;     /* for reading back */
	size_t maxfields;
};

static uint32_t intern(struct spool *s, const struct flo_field *f, size_t pos)
{
	/* Records of one file mostly repeat the last record's names in order. */
	if (pos < s->nprev) {
		uint32_t id = s->prev[pos];
		if (s->name_len[id] == f->name_len && memcmp(s->name[id], f->name, f->name_len) == 0)
			return id;
	}
	for (size_t id = 0; id < s->nnames; id++)
		if (s->name_len[id] == f->name_len && memcmp(s->name[id], f->name, f->name_len) == 0)
			return (uint32_t)id;
	if (s->nnames == UINT32_MAX)
		flo_out_of_memory();
	if (s->nnames == s->names_cap) {
		s->names_cap = s->names_cap ? 2 * s->names_cap : 64;
		s->name = flo_xrealloc(s->name, s->names_cap, sizeof *s->name);
		s->name_len = flo_xrealloc(s->name_len, s->names_cap, sizeof *s->name_len);
	}
	s->name[s->nnames] = flo_xstrndup(f->name, f->name_len);
	s->name_len[s->nnames] = f->name_len;
	return (uint32_t)s->nnames++;
}

static void spool_put(struct spool *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : (size_t)1 << 16;
		while (cap < s->len + n)
			cap *= 2;
		s->p = flo_xrealloc(s->p, cap, 1);
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
}

/* Number the current record's names; 0 when they differ from the first
 * record's and the output needs them equal. */
static int spool_names(struct spool *s, const struct flo_field *f, size_t n)
{
	if (n > s->ids_cap) {
		s->ids_cap = n;
		s->ids = flo_xrealloc(s->ids, n, sizeof *s->ids);
		s->prev = flo_xrealloc(s->prev, n, sizeof *s->prev);
	}
	for (size_t i = 0; i < n; i++)
		s->ids[i] = intern(s, &f[i], i);
	uint32_t *t = s->prev;
	s->prev = s->ids;
	s->ids = t;
	s->nprev = n;
	if (!s->check)
		return 1;
	if (s->nrec == 0) {
		s->first = flo_xrealloc(s->first, n, sizeof *s->first);
		memcpy(s->first, s->prev, n * sizeof *s->first);
		s->nfirst = n;
		return 1;
	}
	return n == s->nfirst && memcmp(s->prev, s->first, n * sizeof *s->first) == 0;
}

/* Keep the current record (after spool_names() accepted it). */
static void spool_add(struct spool *s, const struct flo_field *f, size_t n)
{
	uint32_t nf = (uint32_t)n;
	spool_put(s, &nf, 4);
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)f[i].len;
		unsigned char kind = (unsigned char)f[i].kind;
		spool_put(s, &s->prev[i], 4);
		spool_put(s, &kind, 1);
		spool_put(s, &len, 4);
		spool_put(s, f[i].val, f[i].len);
	}
	if (n > s->maxfields)
		s->maxfields = n;
	s->nrec++;
}

/* The record at *pos, valid until the next call; *pos moves past it. */
static const struct flo_field *spool_next(struct spool *s, size_t *pos, size_t *n)
{
	uint32_t nf, id, len;
	unsigned char kind;
	size_t p = *pos;

	if (s->fields == NULL)
		s->fields = flo_xcalloc(s->maxfields, sizeof *s->fields);
	memcpy(&nf, s->p + p, 4), p += 4;
	for (uint32_t i = 0; i < nf; i++) {
		memcpy(&id, s->p + p, 4), p += 4;
		kind = s->p[p++];
		memcpy(&len, s->p + p, 4), p += 4;
		s->fields[i] = (struct flo_field){s->name[id], s->name_len[id],
						  (const char *)s->p + p, len,
						  (enum flo_kind)kind};
		p += len;
	}
	*pos = p;
	*n = nf;
	return s->fields;
}

static void spool_free(struct spool *s)
{
	for (size_t i = 0; i < s->nnames; i++)
		free(s->name[i]);
	free(s->name);
	free(s->name_len);
	free(s->ids);
	free(s->prev);
	free(s->first);
	free(s->fields);
	free(s->p);
}

/* ---- summaries ---- */

struct summary {
	int ngroups;
	size_t nf;
	long *count;          /* per group */
	struct flo_ksum *sum; /* per group and field */
	long *present;        /* per group and field: values summed */
	char **col;           /* <field>_mean, <field>_sum */
};

static void summary_init(struct summary *s, int ngroups, const struct input *in)
{
	s->ngroups = ngroups;
	s->nf = in->nsum;
	s->count = flo_xcalloc((size_t)ngroups, sizeof *s->count);
	s->sum = flo_xcalloc((size_t)ngroups * (in->nsum ? in->nsum : 1), sizeof *s->sum);
	s->present = flo_xcalloc((size_t)ngroups * (in->nsum ? in->nsum : 1), sizeof *s->present);
	s->col = flo_xcalloc(2 * in->nsum, sizeof *s->col);
	for (size_t j = 0; j < in->nsum; j++) {
		size_t len = strlen(in->sum_name[j]);
		s->col[2 * j] = flo_xcalloc(len + 6, 1);
		s->col[2 * j + 1] = flo_xcalloc(len + 6, 1);
		snprintf(s->col[2 * j], len + 6, "%s_mean", in->sum_name[j]);
		snprintf(s->col[2 * j + 1], len + 6, "%s_sum", in->sum_name[j]);
	}
}

static void summary_add(struct summary *s, int g, const double *v)
{
	s->count[g]++;
	for (size_t j = 0; j < s->nf; j++)
		if (!isnan(v[j])) {
			flo_ksum_add(&s->sum[(size_t)g * s->nf + j], v[j]);
			s->present[(size_t)g * s->nf + j]++;
		}
}

/* One row per group, in `order` (NULL: 0, 1, ...). */
static void summary_write(const struct summary *s, flo_writer *w, const char *const *labels,
			  const int *order)
{
	for (int i = 0; i < s->ngroups; i++) {
		int g = order ? order[i] : i;
		flo_writer_str(w, "segment", labels[g], strlen(labels[g]));
		flo_writer_num(w, "count", (double)s->count[g]);
		for (size_t j = 0; j < s->nf; j++) {
			const struct flo_ksum *k = &s->sum[(size_t)g * s->nf + j];
			long m = s->present[(size_t)g * s->nf + j];
			if (m > 0)
				flo_writer_num(w, s->col[2 * j], k->sum / (double)m);
			else
				flo_writer_null(w, s->col[2 * j]);
			flo_writer_num(w, s->col[2 * j + 1], k->sum);
		}
		int err = flo_writer_end(w);
		if (err == FLO_EIO)
			flo_finish_output(w);
		if (err != FLO_OK)
			flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(w));
	}
}

static void summary_free(struct summary *s)
{
	for (size_t j = 0; j < 2 * s->nf; j++)
		free(s->col[j]);
	free(s->col);
	free(s->count);
	free(s->sum);
	free(s->present);
}

/* ---- the batch: the whole population, then every record ---- */

struct vec {
	double *p;
	size_t n, cap;
};

static void vec_push(struct vec *v, double x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->p = flo_xrealloc(v->p, v->cap, sizeof *v->p);
	}
	v->p[v->n++] = x;
}

/* The quantiles of `what` repeat: exit 65 with what to do. */
static _Noreturn void repeated(const char *what, const double *edges, int k, int at,
			       const char *advice)
{
	char num[FLO_NUM_BUFSZ];
	int times = 0;
	for (int i = 0; i <= k; i++)
		times += edges[i] == edges[at];
	flo_format_double(num, edges[at]);
	char count[32];
	if (times == 2)
		snprintf(count, sizeof count, "twice");
	else
		snprintf(count, sizeof count, "%d times", times);
	flo_die(FLO_EXIT_DATAERR, "the %s quantiles repeat (edge %s appears %s): %s", what, num,
		count, advice);
}

static int *qcut_or_die(const double *x, size_t n, int k, double *edges, const char *what,
			const char *advice)
{
	int *group = flo_xcalloc(n, sizeof *group);
	int at;
	int rc = flo_qcut(x, n, k, edges, group, &at);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK)
		repeated(what, edges, k, at, advice);
	return group;
}

static const int alphabetical[FLO_RFM_NSEGMENTS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

struct run {
	struct options *o;
	struct input in;
	struct output out;
	enum flo_format out_fmt;
	const char *by;
	int groups;
	char **labels;
};

static void batch(struct run *run, int got)
{
	struct options *o = run->o;
	struct input *in = &run->in;
	struct vec key[3] = {{0}}, sums = {0};
	struct spool sp = {.check = run->out_fmt != FLO_FMT_JSONL};
	double need[4];
	char msg[512];
	double *sv = flo_xcalloc(in->nsum, sizeof *sv);

	for (; got != 0; got = flo_reader_next(in->r)) {
		if (got < 0) {
			flo_reader_failed(in->bad, in->r, got);
			continue;
		}
		if (!read_values(in, need, sv))
			continue;
		if (!o->summary && !o->print_cuts) {
			size_t n;
			const struct flo_field *f = flo_reader_fields(in->r, &n);
			if (run->out_fmt == FLO_FMT_JSONL && flo_not_utf8(f, n, msg, sizeof msg)) {
				flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "%s", msg);
				continue;
			}
			if (!spool_names(&sp, f, n)) {
				flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
					       "record fields differ from the first record's; "
					       "write JSON Lines (-o jsonl) for records of "
					       "varying fields");
				continue;
			}
			spool_add(&sp, f, n);
		}
		if (o->rfm) {
			/* need[] is since-last, or recency and age; then frequency
			 * and monetary */
			size_t k = o->since_last ? 1 : 2;
			vec_push(&key[0], o->since_last ? need[0] : need[1] - need[0]);
			vec_push(&key[1], need[k]);
			vec_push(&key[2], need[k + 1]);
		} else {
			vec_push(&key[0], need[0]);
		}
		for (size_t j = 0; j < in->nsum; j++)
			vec_push(&sums, sv[j]);
	}
	flo_bad_finish(in->bad);
	size_t n = key[0].n;

	/* The groups of every record, from the whole population. */
	int *group[3] = {NULL, NULL, NULL};
	double edges[FLO_CUTS_MAX_GROUPS + 1];
	if (n == 0 && (o->save_cuts || o->print_cuts))
		flo_die(FLO_EXIT_DATAERR, "no records: no cut points to compute");
	if (n > 0 && o->rfm) {
		size_t k = o->since_last ? 1 : 2;
		char what[1100];
		if (o->since_last)
			snprintf(what, sizeof what, "%s", o->since_last);
		else
			snprintf(what, sizeof what, "%s - %s", in->need[1].name, in->need[0].name);
		group[0] = qcut_or_die(key[0].p, n, 5, edges, what,
				       "RFM scores need 5 distinct quintiles of the time since "
				       "the last purchase");
		double *rank = flo_xcalloc(n, sizeof *rank);
		if (flo_rank_first(key[1].p, n, rank) != FLO_OK)
			flo_out_of_memory();
		snprintf(what, sizeof what, "%s rank", in->need[k].name);
		group[1] = qcut_or_die(rank, n, 5, edges, what,
				       "RFM scores need 5 customers at least");
		free(rank);
		snprintf(what, sizeof what, "%s", in->need[k + 1].name);
		group[2] = qcut_or_die(key[2].p, n, 5, edges, what,
				       "RFM scores need 5 distinct quintiles: score another "
				       "field with --monetary FIELD");
	} else if (n > 0) {
		group[0] = qcut_or_die(key[0].p, n, run->groups, edges, run->by,
				       "use fewer --groups, or --by another field");
	}

	if (o->save_cuts || o->print_cuts) {
		char *by = flo_xstrndup(run->by, strlen(run->by));
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

	struct output *out = &run->out;
	if (o->print_cuts) {
		/* nothing more to write */
	} else if (o->summary) {
		struct summary s;
		int ngroups = o->rfm ? FLO_RFM_NSEGMENTS : run->groups;
		summary_init(&s, ngroups, in);
		for (size_t i = 0; i < n; i++) {
			int g = group[0][i];
			if (o->rfm)
				g = flo_rfm_segment(5 - group[0][i], group[1][i] + 1);
			summary_add(&s, g, sums.p + i * in->nsum);
		}
		if (o->rfm)
			summary_write(&s, out->w, flo_rfm_segment_names, alphabetical);
		else
			summary_write(&s, out->w, (const char *const *)run->labels, NULL);
		summary_free(&s);
	} else {
		size_t pos = 0;
		for (size_t i = 0; i < n; i++) {
			size_t nf;
			const struct flo_field *f = spool_next(&sp, &pos, &nf);
			if (o->rfm) {
				int r = 5 - group[0][i], fr = group[1][i] + 1, m = group[2][i] + 1;
				out->add[ADD_RSCORE].num = r;
				out->add[ADD_FSCORE].num = fr;
				out->add[ADD_MSCORE].num = m;
				out->add[ADD_RFM].str =
					flo_rfm_segment_names[flo_rfm_segment(r, fr)];
			} else {
				out->add[ADD_SEGMENT].str = run->labels[group[0][i]];
			}
			if (write_record(out, f, nf) != FLO_OK)
				flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(out->w));
		}
	}
	for (size_t k = 0; k < 3; k++) {
		free(key[k].p);
		free(group[k]);
	}
	free(sums.p);
	free(sv);
	spool_free(&sp);
}

/* ---- the stream: stored cut points, one record at a time ---- */

static void stream(struct run *run, const struct flo_cuts *c, int got)
{
	struct options *o = run->o;
	struct input *in = &run->in;
	struct output *out = &run->out;
	struct summary s;
	double need[1];
	double *sv = flo_xcalloc(in->nsum, sizeof *sv);

	if (o->summary)
		summary_init(&s, c->groups, in);
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
		if (o->summary) {
			summary_add(&s, g, sv);
			continue;
		}
		size_t n;
		const struct flo_field *f = flo_reader_fields(in->r, &n);
		out->add[ADD_SEGMENT].str = c->labels[g];
		if (write_record(out, f, n) == FLO_ESYNTAX)
			flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "%s",
				       flo_writer_errmsg(out->w));
	}
	flo_bad_finish(in->bad);
	if (o->summary) {
		summary_write(&s, out->w, (const char *const *)c->labels, NULL);
		summary_free(&s);
	}
	free(sv);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct run run = {.o = &o};
	struct flo_cuts *cuts = NULL;
	int got;

	flo_cli_init("flo-segment");
	parse_options(argc, argv, &o);
	if (o.cuts) {
		cuts = load_cuts(&o);
		if (o.by && strcmp(o.by, cuts->field) != 0)
			flo_usage_error("--by %s, but the cut points \"%s\" split %s", o.by, o.cuts,
					cuts->field);
		if (o.print_cuts) {
			size_t len;
			char *text = encode_cuts(cuts, &len);
			print_cuts(text, len);
			free(text);
			flo_cuts_free(cuts);
			return 0;
		}
		run.by = cuts->field;
		run.groups = cuts->groups;
		run.labels = cuts->labels;
	} else {
		run.by = o.by ? o.by : "clv";
		run.groups = (int)o.groups;
		run.labels = o.labels.n ? o.labels.item : default_labels(run.groups);
	}

	run.in.bad = &o.bad;
	if (flo_reader_new(&run.in.r, flo_open_input(o.path), o.in_fmt) != FLO_OK)
		flo_out_of_memory();
	while ((got = flo_reader_next(run.in.r)) < 0)
		flo_reader_failed(&o.bad, run.in.r, got);
	enum flo_format fmt = flo_reader_format(run.in.r);
	size_t n;
	const struct flo_field *f = got ? flo_reader_fields(run.in.r, &n)
					: flo_reader_header(run.in.r, &n);
	if (got == 0 && n == 0)
		flo_die(FLO_EXIT_DATAERR, "%s is empty", o.bad.input_name);
	setup_fields(&run.in, &o, run.by, f, n, fmt);

	run.out_fmt = o.out_fmt ? o.out_fmt : fmt;
	if (flo_writer_new(&run.out.w, STDOUT_FILENO, run.out_fmt) != FLO_OK)
		flo_out_of_memory();
	flo_writer_set_autoflush(run.out.w, o.flush);
	run.out.add = o.rfm ? rfm_fields : quantile_fields;
	run.out.nadd = o.rfm ? 4 : 1;
	run.out.done = flo_xcalloc(run.out.nadd, 1);

	if (cuts)
		stream(&run, cuts, got);
	else
		batch(&run, got);

	flo_reader_free(run.in.r);
	flo_finish_output(run.out.w);
	if (!cuts && !o.labels.n) {
		for (int i = 0; i < run.groups; i++)
			free(run.labels[i]);
		free(run.labels);
	}
	flo_cuts_free(cuts);
	for (size_t k = 0; k < run.in.nsum; k++)
		free(run.in.sum_name[k]);
	free(run.in.sum_name);
	free(run.in.sum);
	free(run.in.need);
	free(run.in.need_opt);
	free(run.out.done);
	flo_list_free(&o.labels);
	flo_list_free(&o.fields);
	return 0;
}
