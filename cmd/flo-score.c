/* flo-score: RFM summary records in, the same records out with each
 * customer's P(alive), expected purchases, expected average value and CLV.
 * A streaming map: one record in, one record out, constant memory. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/bgnbd.h"
#include "common/cli.h"
#include "model/clv.h"
#include "base/date.h"
#include "base/err.h"
#include "common/fitrun.h"
#include "model/gg.h"
#include "model/model.h"
#include "base/num.h"
#include "record/reader.h"
#include "record/writer.h"
#include "store/store.h"
#include "base/quote.h"
#include "base/unit.h"

static const char usage[] =
"usage: flo-score [options] [file]\n"
"\n"
"Score RFM summary records (flo-rfm's output, or any records with frequency,\n"
"recency, T and monetary) with a BG/NBD and a Gamma-Gamma model.  Every input\n"
"field passes through unchanged and in order; these fields are added at the\n"
"end (a field of the same name is replaced where it stands):\n"
"  p_alive            probability that the customer is still active\n"
"  exp_purchases_H    expected purchases in the next H time units (--horizon)\n"
"  exp_avg_value      expected value of a purchase (Gamma-Gamma)\n"
"  clv                value of the purchases expected in the next --clv-months\n"
"                     months, discounted monthly: the `lifetimes` definition,\n"
"                     sum over months i of exp_avg_value (E[Y(i f)] - E[Y((i-1) f)])\n"
"                     / (1+d)^i, with f the model's time units per month (day 30,\n"
"                     week 4.345, month 1)\n"
"Streaming, constant memory: output is flushed whenever the input would block,\n"
"so `tail -F summaries | flo-score` scores each record as it arrives.\n"
"\n"
"The model (the first that applies):\n"
"      --model FILE          a model document as flo-fit writes it\n"
"      --bgnbd r,alpha,a,b   BG/NBD parameters given here (what-if scoring)\n"
"      --gg p,q,v            with --bgnbd: Gamma-Gamma parameters\n"
"      --db PATH             else the model stored in PATH (default: $FLO_DB,\n"
"                            else ./flo.lmdb) ...\n"
"      --name NAME           ... under NAME (default: default)\n"
"      --fit                 fit the model on the input itself first (a second\n"
"                            pass: input from a pipe is spooled to a temporary\n"
"                            file), with --penalizer L and --gg-penalizer L as\n"
"                            flo-fit's; --model-out FILE keeps the model\n"
"      --unit U              day, week or month: with --bgnbd, the model's unit\n"
"                            (default week); else a check that the model's unit\n"
"                            is U\n"
"Scores:\n"
"      --horizon H[,H...]    horizons of exp_purchases_H in the model's unit\n"
"                            (default 12,24); the field name spells H as given\n"
"      --clv-months M        months of the CLV, 0 to 1200 (default 6)\n"
"      --discount d          monthly discount rate, > -1 (default 0.01)\n"
"Input and output:\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
"      --flush               also flush after every record (for a regular file\n"
"                            that grows behind a live pipeline)\n"
"Bad records:\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Input fields: frequency (repeat purchases, a whole number >= 0), recency (from\n"
"the first to the last purchase, >= 0) and T (from the first purchase to the\n"
"end of the observation, >= recency), both in the model's time unit, and\n"
"monetary (the mean value of the repeat purchases).  A record without them, or\n"
"with values that are not numbers, is a bad record.  Time units are never\n"
"mixed: when a record also has first_order and last_order dates (flo-rfm\n"
"writes them) and recency > 0, the days between them must be recency times the\n"
"days of the model's unit, else flo-score stops (exit 65).\n"
"\n"
"exp_avg_value and clv are empty (null in JSON Lines) without a Gamma-Gamma\n"
"model, and where the expected spend does not exist: a Gamma-Gamma fit with\n"
"q <= 1 has no mean spend for customers with p frequency + q <= 1.  Such\n"
"customers are counted on stderr.  A customer with frequency > 0 and\n"
"monetary <= 0 (returns, free orders) is outside the Gamma-Gamma model, which\n"
"knows positive spend only: it is scored at the limit monetary -> 0, so\n"
"exp_avg_value = p v / (p frequency + q - 1), positive and below the mean of a\n"
"customer with any positive spend; such customers are counted on stderr.\n"
"\n"
"Exit status: 0 success; 2 usage error, or no model given or stored; 65 bad\n"
"input data (values so large that a score overflows included), an invalid\n"
"model (a file of any other format included), or summaries in another time\n"
"unit than the model; 66 unreadable input or model file; 70 internal error\n"
"(a score that is not a number); 74 write error, or a\n"
"store that cannot be read, is not a flo store of this version, or holds a\n"
"model of another format.\n";

struct options {
	enum flo_format in_fmt, out_fmt;
	const char *model_path;
	const char *bgnbd, *gg; /* the inline parameter lists */
	int fit;                /* fit on the input first */
	double penalizer, gg_penalizer;
	const char *model_out;
	const char *unit;       /* NULL when not given */
	const char *db, *name;
	const char *horizons;
	long months;
	double discount;
	int flush;
	struct flo_bad bad;
	const char *path;
};

/* A comma-separated list of positive numbers, each also kept as its text
 * (split in place in one copy of the argument). */
struct numlist {
	size_t n;
	char *text;
	char **item;
	double *v;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	return p;
}

/* Every item must be a positive number, as flo_opt_positive() says (exit 2). */
static void numlist_parse(struct numlist *l, const char *opt, const char *arg)
{
	size_t cap = 1;
	for (const char *p = arg; *p; p++)
		cap += *p == ',';
	l->text = strdup(arg);
	if (l->text == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	l->item = xcalloc(cap, sizeof *l->item);
	l->v = xcalloc(cap, sizeof *l->v);
	l->n = 0;
	for (char *p = l->text;;) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		l->item[l->n] = p;
		l->v[l->n++] = flo_opt_positive(opt, p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/* Two equal horizons would make two fields of one name. */
static void check_horizons(const struct numlist *h)
{
	for (size_t k = 0; k < h->n; k++)
		for (size_t j = 0; j < k; j++)
			if (strcmp(h->item[j], h->item[k]) == 0)
				flo_usage_error("option --horizon: %s given twice", h->item[k]);
}

static void numlist_free(struct numlist *l)
{
	free(l->text);
	free(l->item);
	free(l->v);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_MODEL = 256, OPT_BGNBD, OPT_GG, OPT_DB, OPT_NAME, OPT_UNIT, OPT_HORIZON,
	       OPT_MONTHS, OPT_DISCOUNT, OPT_FLUSH, OPT_FIT, OPT_PEN,
	       OPT_GGPEN, OPT_MODEL_OUT };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, OPT_MODEL},
		{"fit", no_argument, NULL, OPT_FIT},
		{"penalizer", required_argument, NULL, OPT_PEN},
		{"gg-penalizer", required_argument, NULL, OPT_GGPEN},
		{"model-out", required_argument, NULL, OPT_MODEL_OUT},
		{"bgnbd", required_argument, NULL, OPT_BGNBD},
		{"gg", required_argument, NULL, OPT_GG},
		{"db", required_argument, NULL, OPT_DB},
		{"name", required_argument, NULL, OPT_NAME},
		{"unit", required_argument, NULL, OPT_UNIT},
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"clv-months", required_argument, NULL, OPT_MONTHS},
		{"discount", required_argument, NULL, OPT_DISCOUNT},
		{"output-format", required_argument, NULL, 'o'},
		{"flush", no_argument, NULL, OPT_FLUSH},
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL, *name = NULL;
	double days;
	int c, pen = 0;

	o->horizons = "12,24";
	o->months = 6;
	o->discount = 0.01;
	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage};
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MODEL: o->model_path = optarg; break;
		case OPT_FIT: o->fit = 1; break;
		case OPT_PEN: o->penalizer = flo_opt_double("--penalizer", optarg); pen++; break;
		case OPT_GGPEN: o->gg_penalizer = flo_opt_double("--gg-penalizer", optarg); pen++; break;
		case OPT_MODEL_OUT: o->model_out = optarg; break;
		case OPT_BGNBD: o->bgnbd = optarg; break;
		case OPT_GG: o->gg = optarg; break;
		case OPT_DB: db = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_UNIT: o->unit = optarg; break;
		case OPT_HORIZON: o->horizons = optarg; break;
		case OPT_MONTHS: o->months = flo_opt_long("--clv-months", optarg, 0, 1200); break;
		case OPT_DISCOUNT:
			o->discount = flo_opt_double("--discount", optarg);
			if (!(o->discount > -1))
				flo_usage_error("option --discount: a monthly rate must be more "
						"than -1 (0.01 is 1%%): \"%s\"", optarg);
			break;
		case OPT_FLUSH: o->flush = 1; break;
		default:
			if (!flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_one_input(argc, argv);
	if (o->unit != NULL && flo_unit_days(o->unit, &days) != FLO_OK)
		flo_usage_error("option --unit: expected day, week or month: \"%s\"", o->unit);
	if (o->bgnbd != NULL && o->model_path != NULL)
		flo_usage_error("--model and --bgnbd each give the model: use one");
	if (o->fit && (o->bgnbd != NULL || o->model_path != NULL || db != NULL || name != NULL))
		flo_usage_error("--fit makes the model: not with --model, --bgnbd, --db or --name");
	if (!o->fit && (pen > 0 || o->model_out != NULL))
		flo_usage_error("--penalizer, --gg-penalizer and --model-out go with --fit");
	if (o->penalizer < 0 || o->gg_penalizer < 0)
		flo_usage_error("a penalizer must be 0 or more");
	if (o->gg != NULL && o->bgnbd == NULL)
		flo_usage_error("--gg needs --bgnbd (a model file or a stored model has its "
				"own Gamma-Gamma model)");
	if ((db != NULL || name != NULL) && (o->bgnbd != NULL || o->model_path != NULL))
		flo_usage_error("--db and --name choose a stored model: not with --model or "
				"--bgnbd");
	if (name != NULL && name[0] == '\0')
		flo_usage_error("option --name: empty name");
	o->name = name != NULL ? name : "default";
	o->db = flo_store_path(db);
	o->bad.input_name = flo_input_name(o->path);
}

/* ---- the model ---- */

/* Model documents are a few kilobytes: anything this big is another file. */
#define MODEL_MAX ((size_t)16 << 20)

static struct flo_model inline_model(const struct options *o)
{
	struct flo_model m = {.has_gg = o->gg != NULL};
	struct numlist l;

	numlist_parse(&l, "--bgnbd", o->bgnbd);
	if (l.n != 4)
		flo_usage_error("option --bgnbd: expected four numbers r,alpha,a,b, got %zu: "
				"\"%s\"", l.n, o->bgnbd);
	m.bgnbd = (struct flo_bgnbd){l.v[0], l.v[1], l.v[2], l.v[3]};
	numlist_free(&l);
	if (o->gg != NULL) {
		numlist_parse(&l, "--gg", o->gg);
		if (l.n != 3)
			flo_usage_error("option --gg: expected three numbers p,q,v, got %zu: "
					"\"%s\"", l.n, o->gg);
		m.gg = (struct flo_gg){l.v[0], l.v[1], l.v[2]};
		numlist_free(&l);
	}
	snprintf(m.unit, sizeof m.unit, "%s", o->unit != NULL ? o->unit : "week");
	return m;
}

static char *read_model_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		flo_die(FLO_EXIT_NOINPUT, "cannot open model %s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			if (cap >= MODEL_MAX) {
				free(buf);
				flo_die(FLO_EXIT_DATAERR, "model %s: over %zu MiB, not a model",
					path, MODEL_MAX >> 20);
			}
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (buf == NULL)
				flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k == 0)
			break;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int saved = errno;
			free(buf);
			flo_die(FLO_EXIT_NOINPUT, "cannot read model %s: %s", path, strerror(saved));
		}
		n += (size_t)k;
	}
	close(fd);
	*len = n;
	return buf;
}

/* A model file is input data: whatever is wrong with it is exit 65. */
static struct flo_model file_model(const char *path)
{
	struct flo_model m;
	char why[512];
	size_t len;
	char *json = read_model_file(path, &len);
	int rc = flo_model_parse(json, len, &m, why, sizeof why);

	free(json);
	if (rc != FLO_OK)
		flo_die(rc == FLO_ENOMEM ? FLO_EXIT_SOFTWARE : FLO_EXIT_DATAERR, "model %s: %s",
			path, why);
	return m;
}

static _Noreturn void no_model(const char *why)
{
	flo_usage_error("no model: fit one with flo-fit, or give --model FILE or --bgnbd "
			"r,alpha,a,b (%s)", why);
}

/* A store that is missing, or lacks the model, is "no model" (exit 2); a
 * store that cannot be read or is foreign is exit 74 with its words. */
static struct flo_model stored_model(const struct options *o)
{
	struct flo_model m;
	char err[FLO_STORE_ERRMAX], why[512];
	flo_store *s;
	char *json;
	size_t len;
	int rc = flo_store_open(&s, o->db, FLO_STORE_READ, NULL, err, sizeof err);

	if (rc == FLO_ENOTFOUND)
		no_model(err);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "%s", err);
	rc = flo_store_get_model(s, o->name, &json, &len);
	if (rc != FLO_OK) {
		snprintf(err, sizeof err, "%s", flo_store_errmsg(s));
		flo_store_close(s);
		if (rc == FLO_ENOTFOUND)
			no_model(err);
		flo_die(flo_exit_status(rc), "%s", err);
	}
	flo_store_close(s);
	rc = flo_model_parse(json, len, &m, why, sizeof why);
	free(json);
	if (rc != FLO_OK)
		flo_die(flo_exit_status(rc), "model \"%s\" in %s: %s", o->name, o->db, why);
	return m;
}

/* The model to score with: given inline, read from a file, or from the
 * store.  Everything about where a model comes from is here, so that one
 * fitted on the input itself has one place to go. */
static struct flo_model load_model(const struct options *o)
{
	struct flo_model m;

	if (o->bgnbd != NULL)
		m = inline_model(o);
	else if (o->model_path != NULL)
		m = file_model(o->model_path);
	else
		m = stored_model(o);
	if (o->unit != NULL && strcmp(o->unit, m.unit) != 0)
		flo_usage_error("--unit %s, but the model's unit is %s: scoring would mix "
				"time units (summarise with flo-rfm --unit %s)",
				o->unit, m.unit, m.unit);
	return m;
}

/* --fit: the input is read twice, once to fit and once to score.  A
 * regular file is read again from its start; anything else (a pipe, a
 * terminal) is first copied to an unnamed temporary file. */
static int rereadable(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_CUR) == 0)
		return fd;
	FILE *tmp = tmpfile();
	if (tmp == NULL)
		flo_die(FLO_EXIT_IOERR, "--fit: cannot make a temporary file: %s", strerror(errno));
	int copy = dup(fileno(tmp));
	fclose(tmp);
	char *buf = malloc(1 << 20);
	if (copy < 0 || buf == NULL)
		flo_die(FLO_EXIT_IOERR, "--fit: cannot spool the input: %s", strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			flo_die(FLO_EXIT_IOERR, "read error: %s", strerror(errno));
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(copy, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				flo_die(FLO_EXIT_IOERR, "--fit: cannot spool the input: %s",
					strerror(errno));
			off += w > 0 ? w : 0;
		}
	}
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	if (lseek(copy, 0, SEEK_SET) != 0)
		flo_die(FLO_EXIT_IOERR, "--fit: cannot read the spooled input: %s", strerror(errno));
	return copy;
}

static struct flo_model fit_model(const struct options *o, int *fd)
{
	*fd = rereadable(*fd);
	flo_reader *r;
	if (flo_reader_new(&r, *fd, o->in_fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	/* Bad records are reported once, by the scoring pass. */
	struct flo_bad quiet = o->bad;
	quiet.skip = 1;
	quiet.quiet = 1;
	quiet.rejects_path = NULL;
	struct flo_fitrun_options fo = {NULL, o->unit, o->penalizer, o->gg_penalizer, &quiet, 0};
	struct flo_model m;
	char *json = flo_fitrun(r, &fo, &m);
	flo_reader_free(r);
	if (o->model_out != NULL) {
		FILE *f = fopen(o->model_out, "w");
		if (f == NULL || fputs(json, f) == EOF || fclose(f) != 0)
			flo_die(FLO_EXIT_IOERR, "cannot write %s: %s", o->model_out, strerror(errno));
	}
	free(json);
	if (lseek(*fd, 0, SEEK_SET) != 0)
		flo_die(FLO_EXIT_IOERR, "--fit: cannot read the input again: %s", strerror(errno));
	return m;
}

/* ---- scoring ---- */

/*
 * E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) * E[Y(t) | alive, x, T]: the
 * second factor depends on (x, T) only, and customers of one cohort (one
 * first-purchase day) share T.  A direct-mapped cache of it per (x, T), for
 * every horizon and for the CLV's monthly sum, spares most of its
 * evaluations (a series or a quadrature each) at a memory fixed at start.
 * An entry is x, T, the CLV sum, then one value per horizon; x < 0 marks an
 * empty entry.  The size is a power of two of entries within CACHE_BYTES:
 * 65,536 entries with the default two horizons, room for the distinct (x, T)
 * of a large customer base with few collisions (each miss costs one
 * evaluation per horizon and per CLV month, some 0.2 us each).
 */
#define CACHE_BYTES ((size_t)4 << 20)

struct scorer {
	struct flo_model m;
	double unit_days;
	const double *horizon;
	size_t nh;
	unsigned months;
	double units_per_month;
	double *discount; /* (1+d)^-i for months i = 1..months */
	size_t stride;    /* doubles per cache entry */
	unsigned bits;    /* the cache has 2^bits entries */
	double *cache;
	long no_value;    /* customers without exp_avg_value and clv */
	long clamped;     /* customers scored at monetary 0 */
};

static void scorer_init(struct scorer *s, const struct flo_model *m, const struct numlist *h,
			const struct options *o)
{
	s->m = *m;
	flo_unit_days(m->unit, &s->unit_days);
	flo_unit_per_month(m->unit, &s->units_per_month);
	s->horizon = h->v;
	s->nh = h->n;
	s->months = (unsigned)o->months;
	/* As lib/model/clv.c: exp(-i log1p(d)) stays finite for any d > -1. */
	s->discount = xcalloc(s->months, sizeof *s->discount);
	for (unsigned i = 1; i <= s->months; i++)
		s->discount[i - 1] = exp(-(double)i * log1p(o->discount));
	s->stride = 3 + s->nh;
	for (s->bits = 1; ((size_t)2 << s->bits) * s->stride * sizeof *s->cache <= CACHE_BYTES;)
		s->bits++;
	s->cache = xcalloc((size_t)1 << s->bits, s->stride * sizeof *s->cache);
	for (size_t i = 0; i < (size_t)1 << s->bits; i++)
		s->cache[i * s->stride] = -1;
	s->no_value = s->clamped = 0;
}

static void scorer_free(struct scorer *s)
{
	free(s->discount);
	free(s->cache);
}

static size_t cache_index(unsigned bits, double x, double T)
{
	uint64_t a, b, h;

	memcpy(&a, &x, sizeof a);
	memcpy(&b, &T, sizeof b);
	/* Multiplying by odd constants moves the low mantissa bits, where
	 * nearby T differ, into the high bits that are kept. */
	h = a * UINT64_C(0x9e3779b97f4a7c15) + b * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= h >> 29;
	return (size_t)((h * UINT64_C(0x94d049bb133111eb)) >> (64 - bits));
}

/* The CLV of lib/model/clv.h divided by exp_avg_value * P(alive), the factors that
 * depend on more than (x, T): sum_i (E_i - E_{i-1}) (1+d)^-i with E_i the
 * expected purchases given alive in i months.  Summed in the order of
 * flo_clv(), which gives the same clv to the last bit. */
static double clv_sum(const struct scorer *s, double x, double T)
{
	double prev = 0.0, sum = 0.0;

	for (unsigned i = 1; i <= s->months; i++) {
		double cur = flo_bgnbd_expected_alive(&s->m.bgnbd, x, T, i * s->units_per_month,
						      FLO_BGNBD_AUTO);
		sum += (cur - prev) * s->discount[i - 1];
		prev = cur;
	}
	return sum;
}

/* The cache entry of (x, T), filled if it held another customer's: [0] the
 * CLV sum, [1 + k] the expected purchases given alive at horizon k. */
static const double *alive_values(struct scorer *s, double x, double T)
{
	double *e = s->cache + cache_index(s->bits, x, T) * s->stride;

	if (e[0] == x && e[1] == T)
		return e + 2;
	e[0] = x;
	e[1] = T;
	e[2] = clv_sum(s, x, T);
	for (size_t k = 0; k < s->nh; k++)
		e[3 + k] = flo_bgnbd_expected_alive(&s->m.bgnbd, x, T, s->horizon[k],
						    FLO_BGNBD_AUTO);
	return e + 2;
}

struct history {
	double x, tx, T, m;
};

/* The scores in the order of the added fields: p_alive, one per horizon,
 * exp_avg_value, clv.  Returns whether the last two exist. */
static int score(struct scorer *s, const struct history *h, double *val)
{
	double alive = flo_bgnbd_p_alive(&s->m.bgnbd, h->x, h->tx, h->T);
	const double *e = alive_values(s, h->x, h->T);
	double value;

	val[0] = alive;
	for (size_t k = 0; k < s->nh; k++)
		val[1 + k] = alive * e[1 + k];
	if (!s->m.has_gg)
		return 0;
	if (!flo_gg_expected_value_exists(&s->m.gg, h->x)) {
		s->no_value++;
		return 0;
	}
	/* Negative or zero spend is outside the Gamma-Gamma model: score the
	 * limit monetary -> 0+, continuous with small positive spends (see
	 * --help). */
	if (h->x > 0 && h->m <= 0)
		s->clamped++;
	value = flo_gg_expected_value(&s->m.gg, h->x, fmax(h->m, 0.0));
	val[1 + s->nh] = value;
	val[2 + s->nh] = value * alive * e[0];
	return 1;
}

/* ---- input ---- */

struct input {
	flo_reader *r;
	struct flo_bad *bad;
	struct flo_col freq, rec, age, mon, first, last;
};

static const char *const required[] = {"frequency", "recency", "T", "monetary"};

/* CSV and TSV name their fields once: a missing one is no bad record but
 * the wrong input. */
static void check_header(const struct input *in)
{
	size_t n;
	const struct flo_field *f = flo_reader_header(in->r, &n);

	for (size_t k = 0; n > 0 && k < 4; k++) {
		size_t len = strlen(required[k]), i = 0;
		while (i < n && !(f[i].name_len == len && memcmp(f[i].name, required[k], len) == 0))
			i++;
		if (i == n)
			flo_die(FLO_EXIT_DATAERR,
				"no field \"%s\" in the input: flo-score reads RFM summaries "
				"(frequency, recency, T, monetary) as flo-rfm writes them",
				required[k]);
	}
}

static int get_number(struct input *in, struct flo_col *col, double *v,
		      const struct flo_field **field)
{
	const struct flo_field *f = *field = flo_reader_get(in->r, col);
	int err;

	if (f == NULL || f->kind == FLO_KIND_NULL) {
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "missing field \"%s\"", col->name);
		return 0;
	}
	err = flo_parse_double(f->val, f->len, v);
	if (err == FLO_OK)
		return 1;
	if (err == FLO_ENOMEM)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "field \"%s\" %s: \"%s\"", col->name,
		       err == FLO_ERANGE ? "is out of range" : "is not a number",
		       flo_quote(f->val, f->len));
	return 0;
}

/* The customer's history, or a bad-record report (then 0). */
static int read_history(struct input *in, struct history *h)
{
	const struct flo_field *fx, *ftx, *fT, *fm;
	char a[FLO_NUM_BUFSZ], b[FLO_NUM_BUFSZ];

	if (!get_number(in, &in->freq, &h->x, &fx) || !get_number(in, &in->rec, &h->tx, &ftx) ||
	    !get_number(in, &in->age, &h->T, &fT) || !get_number(in, &in->mon, &h->m, &fm))
		return 0;
	if (h->x < 0 || h->x != floor(h->x)) {
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "field \"frequency\" is not a whole number >= 0: \"%s\"",
			       flo_quote(fx->val, fx->len));
		return 0;
	}
	if (h->tx < 0) {
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "field \"recency\" is negative: \"%s\"", flo_quote(ftx->val, ftx->len));
		return 0;
	}
	if (h->T < h->tx) {
		flo_format_double(a, h->T);
		flo_format_double(b, h->tx);
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "T %s is less than recency %s: a customer's age is at least "
			       "the time to the last purchase", a, b);
		return 0;
	}
	return 1;
}

/* flo-rfm's summaries carry the dates recency comes from: where they are,
 * recency in days must be recency in the model's unit times its days.
 * A summary in days scored with a model in weeks gives every customer
 * seven times the rate, without any other sign. */
static void check_time_unit(struct input *in, const struct scorer *s,
			    const struct history *h)
{
	const struct flo_field *f0, *f1;
	char a[FLO_NUM_BUFSZ], b[64];
	int32_t d0, d1;
	double days;

	if (!(h->tx > 0) || (f0 = flo_reader_get(in->r, &in->first)) == NULL ||
	    (f1 = flo_reader_get(in->r, &in->last)) == NULL ||
	    flo_parse_day(f0->val, f0->len, &d0) != FLO_OK ||
	    flo_parse_day(f1->val, f1->len, &d1) != FLO_OK)
		return;
	days = (double)d1 - (double)d0;
	if (fabs(days / h->tx - s->unit_days) <= 1e-6 * s->unit_days)
		return;
	flo_format_double(a, h->tx);
	b[0] = '\0';
	if (s->unit_days != 1)
		snprintf(b, sizeof b, ", %.6g %ss", days / s->unit_days, s->m.unit);
	flo_die(FLO_EXIT_DATAERR,
		"%s line %ld: recency %s is in another time unit than the model (%s): "
		"last_order - first_order is %.0f days%s",
		in->bad->input_name, flo_reader_line(in->r), a, s->m.unit, days, b);
}

/* ---- output ---- */

struct output {
	flo_writer *w;
	enum flo_format fmt;
	/* Input fields are copied as text when the formats are the same, CSV or
	 * TSV, and no input field is one of the added ones: -1 not yet known
	 * (until the first record has made the output's header), 0 or 1. */
	int copy_text;
	size_t n;     /* added fields: p_alive, one per horizon, exp_avg_value, clv */
	char **name;
	size_t *len;
	unsigned char *done;
};

static void output_names(struct output *out, const struct numlist *h)
{
	out->n = h->n + 3;
	out->name = xcalloc(out->n, sizeof *out->name);
	out->len = xcalloc(out->n, sizeof *out->len);
	out->done = xcalloc(out->n, 1);
	out->name[0] = strdup("p_alive");
	for (size_t k = 0; k < h->n; k++) {
		out->name[1 + k] = malloc(strlen("exp_purchases_") + strlen(h->item[k]) + 1);
		if (out->name[1 + k] != NULL)
			sprintf(out->name[1 + k], "exp_purchases_%s", h->item[k]);
	}
	out->name[h->n + 1] = strdup("exp_avg_value");
	out->name[h->n + 2] = strdup("clv");
	for (size_t k = 0; k < out->n; k++) {
		if (out->name[k] == NULL)
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		out->len[k] = strlen(out->name[k]);
	}
}

static void output_free(struct output *out)
{
	for (size_t k = 0; k < out->n; k++)
		free(out->name[k]);
	free(out->name);
	free(out->len);
	free(out->done);
}

/* Never nan or inf.  A score beyond the largest double comes from a value
 * too large to score (a monetary of 1e308 times a ratio above 1): a bad
 * record.  A nan would be a bug. */
static int check_finite(const struct output *out, struct input *in,
			const struct history *h, const double *val, int has_value)
{
	size_t n = has_value ? out->n : out->n - 2;
	char x[FLO_NUM_BUFSZ], tx[FLO_NUM_BUFSZ], T[FLO_NUM_BUFSZ], m[FLO_NUM_BUFSZ];

	for (size_t k = 0; k < n; k++) {
		if (isfinite(val[k]))
			continue;
		flo_format_double(x, h->x);
		flo_format_double(tx, h->tx);
		flo_format_double(T, h->T);
		flo_format_double(m, h->m);
		if (isnan(val[k]))
			flo_die(FLO_EXIT_SOFTWARE,
				"%s line %ld: internal error: %s is nan for frequency %s, "
				"recency %s, T %s, monetary %s; please report it",
				in->bad->input_name, flo_reader_line(in->r), out->name[k], x, tx,
				T, m);
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "%s overflows a double for frequency %s, recency %s, T %s, "
			       "monetary %s: values too large to score",
			       out->name[k], x, tx, T, m);
		return 0;
	}
	return 1;
}

static void put_added(const struct output *out, size_t k, const double *val, int has_value)
{
	if (k + 2 >= out->n && !has_value)
		flo_writer_null(out->w, out->name[k]);
	else
		flo_writer_num(out->w, out->name[k], val[k]);
}

static int added_index(const struct output *out, const struct flo_field *f)
{
	for (size_t k = 0; k < out->n; k++)
		if (f->name_len == out->len[k] && memcmp(f->name, out->name[k], f->name_len) == 0)
			return (int)k;
	return -1;
}

static void end_record(struct output *out, struct input *in);

static void write_record(struct output *out, struct input *in, const double *val,
			 int has_value)
{
	size_t n;
	const struct flo_field *f = flo_reader_fields(in->r, &n);
	size_t len;
	const char *text;

	if (out->copy_text == 1 && (text = flo_reader_plain_text(in->r, &len)) != NULL) {
		/* the input's fields as they came, then the added ones */
		flo_writer_raw(out->w, text, len, n);
		for (size_t k = 0; k < out->n; k++)
			put_added(out, k, val, has_value);
		end_record(out, in);
		return;
	}
	memset(out->done, 0, out->n);
	for (size_t i = 0; i < n; i++) {
		int k = added_index(out, &f[i]);
		if (k < 0) {
			flo_writer_field(out->w, &f[i]);
		} else {
			put_added(out, (size_t)k, val, has_value);
			out->done[k] = 1;
		}
	}
	for (size_t k = 0; k < out->n; k++)
		if (!out->done[k])
			put_added(out, k, val, has_value);
	if (out->copy_text < 0) {
		int same = flo_reader_format(in->r) == out->fmt && out->fmt != FLO_FMT_JSONL;
		for (size_t i = 0; same && i < n; i++)
			same = added_index(out, &f[i]) < 0;
		out->copy_text = same;
	}
	end_record(out, in);
}

static void end_record(struct output *out, struct input *in)
{
	int err = flo_writer_end(out->w);
	if (err == FLO_ESYNTAX)
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "%s", flo_writer_errmsg(out->w));
	else if (err == FLO_EIO)
		flo_finish_output(out->w); /* reports and exits */
	else if (err != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(out->w));
}

static void flush_output(void *w)
{
	flo_writer_flush(w);
}

/* What could not be scored, in words, once at the end. */
static void report(const struct scorer *s)
{
	if (s->no_value > 0)
		flo_warn("the Gamma-Gamma fit has q = %g <= 1: the mean spend of a customer "
			 "with few purchases (p frequency + q <= 1) does not exist; %ld "
			 "customer%s no exp_avg_value or clv",
			 s->m.gg.q, s->no_value, s->no_value == 1 ? " has" : "s have");
	if (s->clamped > 0)
		flo_warn("%ld customer%s with frequency > 0 and monetary <= 0 (returns, free "
			 "orders) scored at monetary 0: the Gamma-Gamma model knows positive "
			 "spend only",
			 s->clamped, s->clamped == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct numlist horizons;
	struct scorer s;
	struct output out = {0};
	struct input in = {
		.freq = FLO_COL("frequency"), .rec = FLO_COL("recency"), .age = FLO_COL("T"),
		.mon = FLO_COL("monetary"), .first = FLO_COL("first_order"),
		.last = FLO_COL("last_order"),
	};
	struct history h;
	double *val;
	int got;

	flo_cli_init("flo-score");
	parse_options(argc, argv, &o);
	numlist_parse(&horizons, "--horizon", o.horizons);
	check_horizons(&horizons);
	output_names(&out, &horizons);
	int fd = flo_open_input(o.path);
	struct flo_model model = o.fit ? fit_model(&o, &fd) : load_model(&o);
	scorer_init(&s, &model, &horizons, &o);
	if (!model.has_gg)
		flo_warn("no Gamma-Gamma model: exp_avg_value and clv are left empty "
			 "(null in JSON Lines)");
	val = xcalloc(out.n, sizeof *val);

	in.bad = &o.bad;
	if (flo_reader_new(&in.r, fd, o.in_fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	while ((got = flo_reader_next(in.r)) < 0)
		flo_reader_failed(&o.bad, in.r, got);
	check_header(&in);
	out.fmt = o.out_fmt ? o.out_fmt : flo_reader_format(in.r);
	out.copy_text = -1;
	if (flo_writer_new(&out.w, STDOUT_FILENO, out.fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	flo_writer_set_autoflush(out.w, o.flush);
	flo_reader_on_refill(in.r, flush_output, out.w);
	flo_cli_set_output(out.w);

	for (; got != 0; got = flo_reader_next(in.r)) {
		if (got < 0) {
			flo_reader_failed(&o.bad, in.r, got);
			continue;
		}
		if (!read_history(&in, &h))
			continue;
		check_time_unit(&in, &s, &h);
		int has_value = score(&s, &h, val);
		if (check_finite(&out, &in, &h, val, has_value))
			write_record(&out, &in, val, has_value);
	}
	flo_bad_finish(&o.bad);
	report(&s);
	flo_reader_free(in.r);
	flo_finish_output(out.w);
	free(val);
	output_free(&out);
	scorer_free(&s);
	numlist_free(&horizons);
	return 0;
}
