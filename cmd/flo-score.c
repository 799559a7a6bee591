/* flo-score: RFM summary records in, the same records out with each
 * customer's P(alive), expected purchases, expected average value and CLV.
 * A streaming map: one record in, one record out, constant memory. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/num.h"
#include "base/pool.h"
#include "base/unit.h"
#include "common/cli.h"
#include "common/fitrun.h"
#include "common/held.h"
#include "common/list.h"
#include "common/modelsrc.h"
#include "common/read.h"
#include "common/summary.h"
#include "common/xalloc.h"
#include "model/bandblock.h"
#include "model/bgbb.h"
#include "model/draws.h"
#include "model/model.h"
#include "model/mbgnbd.h"
#include "model/pmf.h"
#include "model/score.h"
#include "record/pass.h"
#include "record/reader.h"
#include "record/writer.h"
#include "store/models.h"

static const char usage[] =
"usage: flo-score [options] [file...]\n"
"\n"
"Score RFM summary records (flo-rfm's output, or any records with frequency,\n"
"recency, T and monetary) with a purchase model (BG/NBD, Pareto/NBD, MBG/NBD,\n"
"or BG/BB for whole periods) and a Gamma-Gamma model.  Every input field passes\n"
"through unchanged and in order; these fields are added at the end (a field of\n"
"the same name is replaced where it stands):\n"
"  p_alive            probability that the customer is still active\n"
"  exp_purchases_H    expected purchases in the next H time units (--horizon)\n"
"  exp_avg_value      expected value of a purchase (Gamma-Gamma)\n"
"  clv                value of the purchases expected in the next --clv-months\n"
"                     months, discounted monthly: the `lifetimes` definition,\n"
"                     sum over months i of exp_avg_value (E[Y(i f)] - E[Y((i-1) f)])\n"
"                     / (1+d)^i, with f the model's time units per month (day 30,\n"
"                     week 4.345, month 1)\n"
"  p_purchases_H_n    with --pmf N: the probability of n purchases in the next\n"
"                     H time units, for each horizon H and n = 0..N, the last\n"
"                     meaning N or more (the conditional PMF: Fader & Hardie\n"
"                     2006 for the BG/NBD, 2014 for the Pareto/NBD)\n"
"Streaming, constant memory: output is flushed whenever the input would block,\n"
"so `tail -F summaries | flo-score` scores each record as it arrives.\n"
"\n"
"The model (the first that applies):\n"
"      --model FILE          a model document as flo-fit writes it\n"
"      --bgnbd r,alpha,a,b   BG/NBD parameters given here (what-if scoring)\n"
"      --pnbd r,alpha,s,beta Pareto/NBD parameters given here\n"
"      --gg p,q,v            with --bgnbd or --pnbd: Gamma-Gamma parameters\n"
"      --db PATH             else the model stored in PATH (default: $FLO_DB,\n"
"                            else ./flo.lmdb) ...\n"
"      --name NAME           ... under NAME (default: default)\n"
"      --fit                 fit the model on the input itself first (a second\n"
"                            pass: input from a pipe is spooled to a temporary\n"
"                            file), with --penalizer L and --gg-penalizer L as\n"
"                            flo-fit's; --model-out FILE keeps the model\n"
"      --fit-model M         with --fit: the purchase model, bgnbd (default),\n"
"                            pnbd, mbgnbd or bgbb, as flo-fit --model M\n"
"      --unit U              day, week or month: with --bgnbd or --pnbd, the\n"
"                            model's unit (default week); else the summaries'\n"
"                            unit, which must be the model's\n"
"Scores:\n"
"      --horizon H[,H...]    horizons of exp_purchases_H in the model's unit\n"
"                            (default 12,24); the field name spells H as given\n"
"      --clv-months M        months of the CLV, 0 to 1200 (default 6)\n"
"      --discount d          monthly discount rate, > -1 (default 0.01)\n"
"      --pmf N               add p_purchases_H_0 ... p_purchases_H_N, 1 to 100\n"
"      --interval LEVEL      also each score's bounds, <score>_lo and <score>_hi\n"
"                            after the scores (p_alive_lo, p_alive_hi, ...), at\n"
"                            LEVEL, 0 < LEVEL < 1: the percentiles (1 -/+ LEVEL)/2\n"
"                            of the scores under draws of the parameters from\n"
"                            their fit's sampling distribution (normal on the\n"
"                            log scale, from the covariance flo-fit stores),\n"
"                            or the model's bootstrap refits when it has them\n"
"                            (flo-fit --bootstrap); the draws are made once, at\n"
"                            start, and their scores computed a block of\n"
"                            records at a time on a thread a CPU ($FLO_THREADS),\n"
"                            the records written in input order: the same\n"
"                            output whatever the threads\n"
"      --draws N             parameter draws for --interval, 2 to 100000\n"
"                            (default 200)\n"
"      --seed S              their seed, 0 to 4294967295 (default 1): a seed\n"
"                            gives the same bounds every run\n"
"Input and output:\n"
FLO_SUMMARY_USAGE
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
FLO_INPUT_USAGE
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
"      --json-strings        JSON Lines: CSV/TSV values as strings, even numbers\n"
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
"monetary (the mean value of the repeat purchases; lifetimes' monetary_value\n"
"where monetary is absent).  A record without them, or with values that are\n"
"not numbers, is a bad record; an empty or NaN monetary where frequency is 0\n"
"is a one-time buyer's, read as 0.  Without any monetary field the records are\n"
"scored with the BG/NBD alone: exp_avg_value and clv are empty.\n"
"Time units are never mixed: when a record also has first_order and last_order\n"
"dates (flo-rfm writes them) and recency > 0, the days between them must be\n"
"recency times the days of the model's unit; a unit field (day, week or month)\n"
"must name the model's unit; else flo-score stops (exit 65).  Summaries with\n"
"neither are taken in weeks, as lifetimes counts: with a model in another unit\n"
"they need --unit to say they are in it (else exit 65).\n"
"A BG/BB (flo-fit --model bgbb) scores period summaries: frequency, recency and\n"
"T whole numbers of periods, at most 3000000 (more than the days between any\n"
"two dates flo reads), frequency <= recency, and recency 0 where frequency is\n"
"0; any other record is a bad record (exit 65).  Its horizons and CLV months\n"
"count whole periods, a horizon at most 3000000.\n"
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

/* A comma-separated list of positive numbers, each also kept as its text. */
struct numbers {
	struct flo_list list;
	double *v;
};

struct options {
	enum flo_format in_fmt, out_fmt;
	struct flo_model_source src; /* the model, when not fitted here */
	int fit;                /* fit on the input first */
	enum flo_family fit_family; /* --fit-model */
	double penalizer, gg_penalizer;
	const char *model_out;
	struct numbers horizon; /* the field's name spells each as given */
	long months;
	double discount;
	unsigned pmf;           /* --pmf N: N, else 0 */
	double interval;        /* --interval LEVEL, else 0 */
	long draws;
	unsigned long seed;
	int flush;
	struct flo_summary_names names;
	struct flo_bad bad;
	const char *path;
};

/* Every item must be a positive number, as flo_opt_positive() says (exit
 * 2); with zero_ok, 0 is one too. */
static void numbers_parse(struct numbers *nb, const char *opt, const char *arg, int zero_ok)
{
	flo_list_parse(&nb->list, opt, arg, FLO_LIST_ALL);
	free(nb->v);
	nb->v = flo_xcalloc(nb->list.n, sizeof *nb->v);
	for (size_t k = 0; k < nb->list.n; k++) {
		const char *item = nb->list.item[k];
		nb->v[k] = zero_ok ? flo_opt_double(opt, item) : flo_opt_positive(opt, item);
		if (zero_ok && !(nb->v[k] >= 0))
			flo_usage_error("option %s: must be 0 or more: \"%s\"", opt, item);
	}
}

static void numbers_free(struct numbers *nb)
{
	flo_list_free(&nb->list);
	free(nb->v);
	nb->v = NULL;
}

/* The horizons (0 is one: nothing is expected in no time); two equal ones
 * would make two fields of one name. */
static void parse_horizons(struct numbers *h, const char *arg)
{
	numbers_parse(h, "--horizon", arg, 1);
	for (size_t k = 0; k < h->list.n; k++)
		for (size_t j = 0; j < k; j++)
			if (strcmp(h->list.item[j], h->list.item[k]) == 0)
				flo_usage_error("option --horizon: %s given twice",
						h->list.item[k]);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_MODEL = 256, OPT_BGNBD, OPT_PNBD, OPT_GG, OPT_DB, OPT_NAME,  OPT_HORIZON,
	       OPT_MONTHS, OPT_DISCOUNT,  OPT_FIT, OPT_FIT_MODEL, OPT_PEN,
	       OPT_GGPEN, OPT_MODEL_OUT, OPT_PMF,
	       OPT_INTERVAL, OPT_DRAWS, OPT_SEED };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, OPT_MODEL},
		{"fit", no_argument, NULL, OPT_FIT},
		{"fit-model", required_argument, NULL, OPT_FIT_MODEL},
		{"penalizer", required_argument, NULL, OPT_PEN},
		{"gg-penalizer", required_argument, NULL, OPT_GGPEN},
		{"model-out", required_argument, NULL, OPT_MODEL_OUT},
		{"bgnbd", required_argument, NULL, OPT_BGNBD},
		{"pnbd", required_argument, NULL, OPT_PNBD},
		{"gg", required_argument, NULL, OPT_GG},
		{"db", required_argument, NULL, OPT_DB},
		{"name", required_argument, NULL, OPT_NAME},
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"clv-months", required_argument, NULL, OPT_MONTHS},
		{"discount", required_argument, NULL, OPT_DISCOUNT},
		{"pmf", required_argument, NULL, OPT_PMF},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"draws", required_argument, NULL, OPT_DRAWS},
		{"seed", required_argument, NULL, OPT_SEED},
		FLO_OUTPUT_LONGOPTS,
		FLO_SUMMARY_LONGOPTS,
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL, *name = NULL, *horizons = "12,24";
	int c, pen = 0, drawn = 0, fit_model_given = 0;

	o->months = 6;
	o->draws = 200;
	o->seed = 1;
	o->discount = 0.01;
	const struct flo_common_opts common = {&o->in_fmt, &o->out_fmt, &o->bad, usage, &o->flush};
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MODEL: o->src.file = optarg; break;
		case OPT_FIT: o->fit = 1; break;
		case OPT_FIT_MODEL:
			if (strcmp(optarg, "bgnbd") == 0)
				o->fit_family = FLO_FAMILY_BGNBD;
			else if (strcmp(optarg, "pnbd") == 0)
				o->fit_family = FLO_FAMILY_PNBD;
			else if (strcmp(optarg, "mbgnbd") == 0)
				o->fit_family = FLO_FAMILY_MBGNBD;
			else if (strcmp(optarg, "bgbb") == 0)
				o->fit_family = FLO_FAMILY_BGBB;
			else
				flo_usage_error("option --fit-model: \"%s\" is not bgnbd, pnbd, "
						"mbgnbd or bgbb", optarg);
			fit_model_given = 1;
			break;
		case OPT_PEN: o->penalizer = flo_opt_double("--penalizer", optarg); pen++; break;
		case OPT_GGPEN: o->gg_penalizer = flo_opt_double("--gg-penalizer", optarg); pen++; break;
		case OPT_MODEL_OUT: o->model_out = optarg; break;
		case OPT_BGNBD: o->src.bgnbd = optarg; break;
		case OPT_PNBD: o->src.pnbd = optarg; break;
		case OPT_GG: o->src.gg = optarg; break;
		case OPT_DB: db = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_HORIZON: horizons = optarg; break;
		case OPT_MONTHS: o->months = flo_opt_long("--clv-months", optarg, 0, 1200); break;
		case OPT_PMF: o->pmf = (unsigned)flo_opt_long("--pmf", optarg, 1, 100); break;
		case OPT_INTERVAL:
			o->interval = flo_opt_double("--interval", optarg);
			if (!(o->interval > 0 && o->interval < 1))
				flo_usage_error("option --interval: a level is between 0 and 1 (0.9 "
						"is 90%%): \"%s\"", optarg);
			break;
		case OPT_DRAWS: o->draws = flo_opt_long("--draws", optarg, 2, 100000); drawn++; break;
		case OPT_SEED:
			o->seed = (unsigned long)flo_opt_long("--seed", optarg, 0, 4294967295L);
			drawn++;
			break;
		case OPT_DISCOUNT:
			o->discount = flo_opt_double("--discount", optarg);
			if (!(o->discount > -1))
				flo_usage_error("option --discount: a monthly rate must be more "
						"than -1 (0.01 is 1%%): \"%s\"", optarg);
			break;
		default:
			if (!flo_summary_option(c, optarg, &o->names) &&
			    !flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_inputs(argc, argv);
	if (o->fit && (o->src.bgnbd != NULL || o->src.pnbd != NULL || o->src.file != NULL ||
		       db != NULL || name != NULL))
		flo_usage_error("--fit makes the model: not with --model, --bgnbd, --pnbd, --db or "
				"--name");
	if (!o->fit && (pen > 0 || o->model_out != NULL || fit_model_given))
		flo_usage_error("--penalizer, --gg-penalizer, --model-out and --fit-model go with "
				"--fit");
	if (o->penalizer < 0 || o->gg_penalizer < 0)
		flo_usage_error("a penalizer must be 0 or more");
	if (drawn > 0 && !(o->interval > 0))
		flo_usage_error("--draws and --seed go with --interval");
	if (o->interval > 0 && (o->src.bgnbd != NULL || o->src.pnbd != NULL))
		flo_usage_error("--interval needs a fitted model's covariance: --bgnbd and --pnbd "
				"give parameters without one (use --model, the store or --fit)");
	flo_model_source_check(&o->src, db != NULL || name != NULL);
	if (name != NULL && name[0] == '\0')
		flo_usage_error("option --name: empty name");
	o->src.name = name != NULL ? name : "default";
	o->src.db = flo_store_path(db);
	o->src.unit = o->names.unit;
	o->src.doing = "scoring";
	o->bad.input_name = flo_input_name(o->path);
	parse_horizons(&o->horizon, horizons);
}

/* ---- the model ---- */

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

/* The model fitted on r's records (read to their end, r freed). */
static struct flo_model fit_reader(const struct options *o, flo_reader *r)
{
	/* Bad records are reported once, by the scoring pass. */
	struct flo_bad quiet = o->bad;
	quiet.skip = 1;
	quiet.quiet = 1;
	quiet.rejects_path = NULL;
	struct flo_fitrun_options fo = {NULL, o->names.unit, o->penalizer, o->gg_penalizer, &quiet, 0,
					&o->names, o->fit_family, o->interval > 0 ? 0.95 : 0, FLO_IV_AUTO, 0,
					0, NULL, 0, NULL, 0, 0};
	struct flo_model m;
	char *json = flo_fitrun(r, &fo, &m);
	flo_reader_free(r);
	char msg[FLO_MODELS_MSG];
	int rc = o->model_out != NULL ? flo_model_save_file(o->model_out, json, msg) : FLO_OK;
	free(json);
	if (rc != FLO_OK)
		flo_die(FLO_EXIT_IOERR, "%s", msg);
	return m;
}

/* --fit on one input: fd made rereadable, fitted, and back at its start. */
static struct flo_model fit_model(const struct options *o, int *fd)
{
	*fd = rereadable(*fd);
	flo_reader *r;
	if (flo_reader_new(&r, *fd, o->in_fmt) != FLO_OK)
		flo_out_of_memory();
	flo_use_fields(r);
	struct flo_model m = fit_reader(o, r);
	if (lseek(*fd, 0, SEEK_SET) != 0)
		flo_die(FLO_EXIT_IOERR, "--fit: cannot read the input again: %s", strerror(errno));
	return m;
}

/* The model, and a reader over the input files (several are read one after
 * the other as one input, each with its header): with --fit on several
 * files, they are opened twice, once to fit and once to score. */
static struct flo_model model_and_reader(const struct options *o, flo_reader **r)
{
	if (!o->fit) {
		flo_open_reader(r, o->path, o->in_fmt);
		return flo_model_from_source(&o->src);
	}
	if (!flo_several_inputs()) {
		int fd = flo_open_input(o->path);
		struct flo_model m = fit_model(o, &fd);
		if (flo_reader_new(r, fd, o->in_fmt) != FLO_OK)
			flo_out_of_memory();
		flo_use_fields(*r);
		return m;
	}
	if (o->path == NULL || strcmp(o->path, "-") == 0)
		flo_usage_error("--fit reads several inputs twice: name files, not stdin");
	flo_reader *fr;
	flo_open_reader(&fr, o->path, o->in_fmt);
	struct flo_model m = fit_reader(o, fr);
	flo_open_reader(r, o->path, o->in_fmt);
	return m;
}

static flo_scorer *new_scorer(const struct flo_model *m, const struct options *o)
{
	struct flo_score_config c = {*m, o->horizon.v, o->horizon.list.n, (unsigned)o->months,
				     o->discount};
	flo_scorer *s;
	int rc = flo_scorer_new(&s, &c);

	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK) /* the options and the model are checked: a bug */
		flo_die(FLO_EXIT_SOFTWARE, "internal error: cannot score: %s", flo_strerror(rc));
	return s;
}

/* --interval: the bootstrap's replicates of a model document from a file
 * or the store (flo-fit --bootstrap), as draws of m: NULL when it has none
 * (or the model is inline or fitted here).  The document is read once
 * more, and must still be m's. */
static struct flo_model *bootstrap_draws(const struct flo_model *m, const struct options *o,
					 size_t *n, int *gg_drawn)
{
	char msg[FLO_MODELS_MSG], why[512];
	char *json;
	size_t len;
	struct flo_model again;
	struct flo_model *draws = NULL;
	if (o->src.bgnbd != NULL || o->src.pnbd != NULL || o->fit)
		return NULL;
	int rc = o->src.file != NULL ? flo_model_text_file(o->src.file, &json, &len, msg)
				     : flo_model_text_stored(o->src.db, o->src.name, &json, &len, msg);
	if (rc != FLO_OK)
		flo_die(rc == FLO_EIO && o->src.file ? FLO_EXIT_NOINPUT : flo_exit_status(rc),
			"%s", msg);
	rc = flo_model_parse(json, len, &again, why, sizeof why);
	if (rc == FLO_OK && (memcmp(&again.bgnbd, &m->bgnbd, sizeof m->bgnbd) != 0 ||
			     memcmp(&again.pnbd, &m->pnbd, sizeof m->pnbd) != 0 ||
			     memcmp(&again.mbgnbd, &m->mbgnbd, sizeof m->mbgnbd) != 0))
		rc = FLO_EMODEL, snprintf(why, sizeof why, "changed while it was read");
	if (rc == FLO_OK)
		rc = flo_model_parse_bootstrap(json, len, m, &draws, n, gg_drawn, why, sizeof why);
	free(json);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK)
		flo_die(FLO_EXIT_DATAERR, "--interval: the model's bootstrap: %s", why);
	if (draws != NULL && *n < 2)
		flo_die(FLO_EXIT_DATAERR, "--interval: the model's bootstrap has %zu converged "
			"refit%s: refit it with more (flo-fit --bootstrap N)", *n, *n == 1 ? "" : "s");
	if (draws != NULL)
		flo_warn("--interval: from the model's %zu bootstrap refits (flo-fit --bootstrap), "
			 "not from normal draws%s", *n,
			 o->draws != 200 || o->seed != 1 ? "; --draws and --seed are not used" : "");
	return draws;
}

/* --interval: the draws, made once: the model's bootstrap replicates when
 * it has them, else from the fit's covariance; their scores on a thread a
 * usable CPU ($FLO_THREADS). */
static flo_bandblock *new_bands(const struct flo_model *m, const struct options *o)
{
	size_t n = (size_t)o->draws;
	int gg_drawn, rc = FLO_OK;
	struct flo_model *draws = bootstrap_draws(m, o, &n, &gg_drawn);
	if (draws == NULL) {
		n = (size_t)o->draws;
		draws = flo_xcalloc(n, sizeof *draws);
		rc = flo_draws_make(m, n, (uint32_t)o->seed, draws, &gg_drawn);
	}
	if (rc == FLO_EMODEL)
		flo_die(FLO_EXIT_DATAERR, "--interval: the model has no covariance of its "
			"parameters to draw from (a model document written before flo-fit "
			"stored one, or an information matrix that is not positive definite): "
			"refit it with flo-fit");
	if (rc != FLO_OK)
		flo_out_of_memory();
	if (m->has_gg && !gg_drawn)
		flo_warn("--interval: the Gamma-Gamma model has no covariance of its "
			 "parameters: the bounds of exp_avg_value and clv are left empty");
	struct flo_score_config c = {*m, o->horizon.v, o->horizon.list.n, (unsigned)o->months,
				     o->discount};
	flo_bandblock *b;
	int threads = flo_usable_cpus();
	rc = flo_bandblock_new(&b, &c, draws, n, o->interval, gg_drawn,
			       threads > 1 ? (unsigned)threads : 1);
	free(draws);
	if (rc == FLO_ENOMEM)
		flo_out_of_memory();
	if (rc != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "internal error: cannot draw: %s", flo_strerror(rc));
	return b;
}

/* What could not be scored, in words, once at the end. */
static void report(const flo_scorer *s, const struct flo_model *m)
{
	struct flo_score_counts c;

	flo_scorer_counts(s, &c);
	if (c.no_value > 0)
		flo_warn("the Gamma-Gamma fit has q = %g <= 1: the mean spend of a customer "
			 "with few purchases (p frequency + q <= 1) does not exist; %ld "
			 "customer%s no exp_avg_value or clv",
			 m->gg.q, c.no_value, c.no_value == 1 ? " has" : "s have");
	if (c.clamped > 0)
		flo_warn("%ld customer%s with frequency > 0 and monetary <= 0 (returns, free "
			 "orders) scored at monetary 0: the Gamma-Gamma model knows positive "
			 "spend only",
			 c.clamped, c.clamped == 1 ? "" : "s");
}

/* ---- input ---- */

struct input {
	flo_reader *r;
	struct flo_bad *bad;
	struct flo_summary_cols c;
	const char *unit; /* the model's, */
	double unit_days; /* and its days */
	int periods;      /* a BG/BB: histories of whole periods */
};

/* CSV and TSV name their fields once: a missing one is no bad record but
 * the wrong input.  Without a monetary field (none named), the BG/NBD alone. */
static void check_header(struct input *in)
{
	size_t n;
	const struct flo_field *f = flo_reader_header(in->r, &n);
	const char *required[] = {in->c.x.name, in->c.tx.name, in->c.T.name, in->c.m.name};

	for (size_t k = 0; n > 0 && k < 4; k++) {
		size_t len = strlen(required[k]), i = 0;
		if (k == 3 && !in->c.has_m)
			break;
		while (i < n && !(f[i].name_len == len && memcmp(f[i].name, required[k], len) == 0))
			i++;
		char hint[FLO_SEPARATOR_HINT];
		if (i == n)
			flo_die(FLO_EXIT_DATAERR, "no field \"%s\" in the input%s", required[k],
				flo_separator_hint(f, n, flo_reader_format(in->r), hint)[0] != '\0'
				? hint
				: ": flo-score reads RFM summaries (frequency, recency, T, "
				  "monetary) as flo-rfm writes them");
	}
}

/* The customer's history, or a bad-record report (then 0). */
static int read_history(struct input *in, struct flo_history *h)
{
	const struct flo_field *fx, *ftx;
	char a[FLO_NUM_BUFSZ], b[FLO_NUM_BUFSZ];

	if (!flo_read_number(in->bad, in->r, &in->c.x, FLO_FIELD_NUMBER, &h->x, &fx) ||
	    !flo_read_number(in->bad, in->r, &in->c.tx, FLO_FIELD_NUMBER, &h->tx, &ftx) ||
	    !flo_read_number(in->bad, in->r, &in->c.T, FLO_FIELD_NUMBER, &h->T, NULL) ||
	    !flo_summary_monetary(in->bad, in->r, &in->c, h->x, &h->m))
		return 0;
	if (h->x < 0 || h->x != floor(h->x)) {
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "field \"%s\" is not a whole number >= 0: \"%s\"", in->c.x.name,
			       flo_quote(fx->val, fx->len));
		return 0;
	}
	if (h->tx < 0) {
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "field \"%s\" is negative: \"%s\"", in->c.tx.name,
			       flo_quote(ftx->val, ftx->len));
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
	/* a BG/BB's periods say it in their own words */
	if (in->periods)
		return flo_summary_periods(in->bad, in->r, &in->c, h->x, h->tx, h->T);
	return flo_summary_no_repeat_recency(in->bad, in->r, h->x, h->tx);
}

/* ---- output ---- */

struct output {
	flo_writer *w;
	flo_pass *pass;
	size_t nscores; /* the scorer's: p_alive, one per horizon, exp_avg_value, clv */
	size_t n;       /* added fields: those, then N + 1 per horizon with --pmf N, */
	size_t ivbase;  /* then from here with --interval each score's _lo, _hi */
	char **name;
};

static void output_names(struct output *out, const struct flo_list *h, unsigned pmf,
			 int interval)
{
	out->nscores = h->n + 3;
	out->ivbase = out->nscores + (pmf > 0 ? h->n * (pmf + 1) : 0);
	out->n = out->ivbase + (interval ? 2 * out->nscores : 0);
	out->name = flo_xcalloc(out->n, sizeof *out->name);
	out->name[0] = flo_xstrdup("p_alive");
	for (size_t k = 0; k < h->n; k++) {
		size_t len = strlen("exp_purchases_") + strlen(h->item[k]) + 1;
		out->name[1 + k] = flo_xcalloc(len, 1);
		snprintf(out->name[1 + k], len, "exp_purchases_%s", h->item[k]);
	}
	out->name[h->n + 1] = flo_xstrdup("exp_avg_value");
	out->name[h->n + 2] = flo_xstrdup("clv");
	for (size_t k = 0, i = out->nscores; pmf > 0 && k < h->n; k++)
		for (unsigned c = 0; c <= pmf; c++, i++) {
			size_t len = strlen("p_purchases__") + strlen(h->item[k]) + 12;
			out->name[i] = flo_xcalloc(len, 1);
			snprintf(out->name[i], len, "p_purchases_%s_%u", h->item[k], c);
		}
	for (size_t k = 0, i = out->ivbase; i < out->n; k++, i += 2) {
		size_t len = strlen(out->name[k]) + 4;
		out->name[i] = flo_xcalloc(len, 1);
		out->name[i + 1] = flo_xcalloc(len, 1);
		snprintf(out->name[i], len, "%s_lo", out->name[k]);
		snprintf(out->name[i + 1], len, "%s_hi", out->name[k]);
	}
}

static void flush_output(void *w)
{
	flo_writer_flush(w);
}

/* The writer, in the input's format unless -o says otherwise. */
static void output_open(struct output *out, const struct options *o, flo_reader *r)
{
	enum flo_format fmt = o->out_fmt ? o->out_fmt : flo_reader_format(r);

	if (flo_writer_new(&out->w, STDOUT_FILENO, fmt) != FLO_OK ||
	    flo_pass_new(&out->pass, out->w, (const char *const *)out->name, out->n) != FLO_OK)
		flo_out_of_memory();
	flo_writer_set_autoflush(out->w, o->flush);
	flo_reader_on_refill(r, flush_output, out->w);
	flo_cli_set_output(out->w);
}

static void output_close(struct output *out)
{
	flo_finish_output(out->w);
	flo_pass_free(out->pass);
	for (size_t k = 0; k < out->n; k++)
		free(out->name[k]);
	free(out->name);
}

/* A score beyond the largest double comes from a value too large to score
 * (a monetary of 1e308 times a ratio above 1): a bad record, the reader's
 * current one or the held record at.  A nan would be a bug. */
static void cannot_score(const struct output *out, struct input *in, const struct flo_record_at *at,
			 const struct flo_history *h, double v, size_t k)
{
	char x[FLO_NUM_BUFSZ], tx[FLO_NUM_BUFSZ], T[FLO_NUM_BUFSZ], m[FLO_NUM_BUFSZ];

	flo_format_double(x, h->x);
	flo_format_double(tx, h->tx);
	flo_format_double(T, h->T);
	flo_format_double(m, h->m);
	if (isnan(v))
		flo_die(FLO_EXIT_SOFTWARE,
			"%s line %ld: internal error: %s is nan for frequency %s, "
			"recency %s, T %s, monetary %s; please report it",
			in->bad->input_name, at ? at->line : flo_reader_line(in->r), out->name[k],
			x, tx, T, m);
	if (at != NULL)
		flo_bad_record_at(in->bad, in->r, at, FLO_EXIT_DATAERR,
				  "%s overflows a double for frequency %s, recency %s, T %s, "
				  "monetary %s: values too large to score",
				  out->name[k], x, tx, T, m);
	else
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR,
			       "%s overflows a double for frequency %s, recency %s, T %s, "
			       "monetary %s: values too large to score",
			       out->name[k], x, tx, T, m);
}

/* --pmf N: the probabilities of 0..N purchases at each horizon into p,
 * N + 1 a horizon. */
static void pmf_values(const struct options *o, const struct flo_model *m,
		       const struct flo_history *h, double *p)
{
	for (size_t k = 0; k < o->horizon.list.n; k++)
		flo_conditional_pmf(m, h->x, h->tx, h->T, o->horizon.v[k], o->pmf,
				    p + k * (o->pmf + 1));
}

/* The added values of the record to write next: the scores row[0..n) (the
 * rest of the scorer's null), then --pmf's npmf probabilities, always
 * there. */
static void put_scores(struct output *out, const double *row, size_t n, size_t npmf)
{
	flo_pass_nums(out->pass, 0, row, n);
	for (size_t k = n; k < out->nscores; k++)
		flo_pass_null(out->pass, k);
	if (npmf > 0)
		flo_pass_nums(out->pass, out->nscores, row + out->nscores, npmf);
}

/* --interval: the bounds lo[0..n), hi[0..n) of the scores, after the scores
 * and any --pmf, those that do not exist null. */
static void put_bounds(struct output *out, const double *lo, const double *hi, size_t n)
{
	for (size_t k = 0; k < out->nscores; k++) {
		if (k < n) {
			double two[2] = {lo[k], hi[k]};
			flo_pass_nums(out->pass, out->ivbase + 2 * k, two, 2);
		} else {
			flo_pass_null(out->pass, out->ivbase + 2 * k);
			flo_pass_null(out->pass, out->ivbase + 2 * k + 1);
		}
	}
}

/* Write, with the added values put: the reader's current record (at NULL),
 * or the held record at, its fields f[0..nf) read in format fmt. */
static void write_record(struct output *out, struct input *in, const struct flo_record_at *at,
			 const struct flo_field *f, size_t nf, enum flo_format fmt)
{
	int err;
	if (at == NULL) {
		err = flo_pass_write_record(out->pass, in->r);
	} else {
		flo_writer_set_source(out->w, fmt);
		err = flo_pass_write(out->pass, f, nf);
	}
	if (err == FLO_ESYNTAX && at != NULL)
		flo_bad_record_at(in->bad, in->r, at, FLO_EXIT_DATAERR, "%s",
				  flo_writer_errmsg(out->w));
	else if (err == FLO_ESYNTAX)
		flo_bad_record(in->bad, in->r, FLO_EXIT_DATAERR, "%s", flo_writer_errmsg(out->w));
	else if (err == FLO_EIO)
		flo_finish_output(out->w); /* reports and exits */
	else if (err != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "%s", flo_writer_errmsg(out->w));
}

/* ---- --interval: a block at a time ----
 *
 * The bounds cost 20 us (a customer whose (x, T) the cache holds) to 2 ms
 * (one whose it does not) at 200 draws, against a few microseconds for
 * everything else a record needs: records are read, checked and scored one
 * at a time as without --interval, then held, and a block's bounds are
 * computed on a thread a core (bandblock.h) before its records are written
 * in input order.  A block ends at BLOCK_RECORDS records or BLOCK_BYTES of
 * them, at the end of the input, before the reader would wait for more
 * (a live pipeline's records go out as they come), and before a bad record
 * is reported or an error ends the run: the records before it are then
 * written (or found bad themselves) first, so that output, messages and
 * rejects are what scoring one record at a time gives. */

#define BLOCK_RECORDS 4096
#define BLOCK_BYTES ((size_t)16 << 20)

struct block {
	struct flo_held *held;
	flo_bandblock *bands;
	struct output *out;
	struct input *in;
	size_t npmf;          /* --pmf's probabilities a record */
	struct flo_history *h;
	double *row;          /* a record's scores and --pmf's: out->ivbase a record */
	size_t *nval;         /* the scores that exist */
	double *bound;        /* a record's lower bounds, then its upper: 2 (nscores + 1) */
	size_t *got;          /* the bounds that exist */
	int *rc;              /* flo_bands_score()'s */
	int draining;
	int several;          /* several inputs: the reader's fd is not always the one read */
};

static struct block *block_new(flo_bandblock *bands, struct output *out, struct input *in,
			       size_t npmf)
{
	struct block *b = flo_xcalloc(1, sizeof *b);
	*b = (struct block){.held = flo_held_new(), .bands = bands, .out = out, .in = in,
			    .npmf = npmf, .several = flo_several_inputs()};
	b->h = flo_xcalloc(BLOCK_RECORDS, sizeof *b->h);
	b->row = flo_xcalloc(BLOCK_RECORDS * out->ivbase, sizeof *b->row);
	b->nval = flo_xcalloc(BLOCK_RECORDS, sizeof *b->nval);
	b->bound = flo_xcalloc(BLOCK_RECORDS * 2 * (out->nscores + 1), sizeof *b->bound);
	b->got = flo_xcalloc(BLOCK_RECORDS, sizeof *b->got);
	b->rc = flo_xcalloc(BLOCK_RECORDS, sizeof *b->rc);
	return b;
}

static void block_free(struct block *b)
{
	if (b == NULL)
		return;
	flo_held_free(b->held);
	free(b->h);
	free(b->row);
	free(b->nval);
	free(b->bound);
	free(b->got);
	free(b->rc);
	free(b);
}

/* The held records' bounds, then the records, in input order. */
static void block_drain(struct block *b)
{
	size_t count = flo_held_count(b->held), half = b->out->nscores + 1;
	if (b->draining || count == 0)
		return;
	b->draining = 1; /* a bad record among them reports without draining again */
	flo_bandblock_score(b->bands, b->h, count, b->bound, b->bound + half, 2 * half, b->got,
			    b->rc);
	for (size_t i = 0; i < count; i++) {
		size_t nf;
		enum flo_format fmt;
		struct flo_record_at at;
		const struct flo_field *f = flo_held_record(b->held, i, &nf, &fmt, &at);
		const double *lo = b->bound + i * 2 * half, *hi = lo + half;
		if (b->rc[i] != FLO_OK) {
			cannot_score(b->out, b->in, &at, &b->h[i], lo[b->got[i]], b->got[i]);
			continue;
		}
		put_scores(b->out, b->row + i * b->out->ivbase, b->nval[i], b->npmf);
		put_bounds(b->out, lo, hi, b->got[i]);
		write_record(b->out, b->in, &at, f, nf, fmt);
	}
	flo_held_clear(b->held);
	b->draining = 0;
}

static void block_drain_hook(void *b)
{
	block_drain(b);
}

/* The reader is about to read: when that may wait (a pipe or terminal with
 * nothing ready), the held records go out first. */
static void block_before_read(void *ctx)
{
	struct block *b = ctx;
	struct pollfd p = {flo_reader_fd(b->in->r), POLLIN, 0};
	if (b->several || poll(&p, 1, 0) != 1)
		block_drain(b);
	flo_writer_flush(b->out->w);
}

/* Hold the reader's current record, scored: row[0..n) its scores, then its
 * --pmf probabilities. */
static void block_hold(struct block *b, const struct flo_history *h, const double *row, size_t n)
{
	size_t i = flo_held_count(b->held);
	flo_held_add(b->held, b->in->r);
	b->h[i] = *h;
	memcpy(b->row + i * b->out->ivbase, row, b->out->ivbase * sizeof *row);
	b->nval[i] = n;
	if (i + 1 == BLOCK_RECORDS || flo_held_bytes(b->held) >= BLOCK_BYTES)
		block_drain(b);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct output out = {0};
	struct input in = {.bad = &o.bad};
	struct flo_history h;
	int got;

	flo_cli_init("flo-score");
	parse_options(argc, argv, &o);
	flo_summary_cols_init(&in.c, &o.names);
	output_names(&out, &o.horizon.list, o.pmf, o.interval > 0);
	struct flo_model model = model_and_reader(&o, &in.r);
	in.periods = model.family == FLO_FAMILY_BGBB;
	for (size_t k = 0; in.periods && k < o.horizon.list.n; k++)
		if (o.horizon.v[k] > FLO_BGBB_MAX_PERIODS)
			flo_usage_error("--horizon %s: the BG/BB counts a horizon a period at a "
					"time, up to %.0f periods", o.horizon.list.item[k],
					FLO_BGBB_MAX_PERIODS);
	double probe;
	if (o.pmf > 0 && flo_conditional_pmf(&model, 0, 0, 0, 0, 0, &probe) != FLO_OK)
		flo_usage_error("--pmf: the model is a %s, and flo has no P(n purchases) for it "
				"yet", flo_family_name(model.family));
	if (!model.has_gg)
		flo_warn("no Gamma-Gamma model: exp_avg_value and clv are left empty "
			 "(null in JSON Lines)");
	double *val = flo_xcalloc(out.n, sizeof *val);
	size_t npmf = o.pmf > 0 ? o.horizon.list.n * (o.pmf + 1) : 0;
	in.unit = model.unit;
	flo_unit_days(model.unit, &in.unit_days);

	while ((got = flo_reader_next(in.r)) < 0)
		flo_reader_failed(&o.bad, in.r, got);
	size_t nheader;
	if (got > 0 || flo_reader_header(in.r, &nheader) != NULL) {
		flo_summary_resolve(&in.c, in.r);
		check_header(&in);
		flo_summary_stated_unit(&in.c, o.names.unit, in.unit, o.bad.input_name);
		if (!in.c.has_m && model.has_gg) {
			flo_warn("no monetary field (monetary or monetary_value) in %s: the BG/NBD "
				 "alone, exp_avg_value and clv are left empty (null in JSON Lines)",
				 o.bad.input_name);
			model.has_gg = 0;
		}
	}
	flo_scorer *s = new_scorer(&model, &o);
	flo_bandblock *bands = o.interval > 0 ? new_bands(&model, &o) : NULL;
	output_open(&out, &o, in.r);
	struct block *blk = NULL;
	if (bands != NULL) {
		blk = block_new(bands, &out, &in, npmf);
		flo_reader_on_refill(in.r, block_before_read, blk);
		o.bad.before_report = block_drain_hook;
		o.bad.before_report_ctx = blk;
		flo_cli_on_error(block_drain_hook, blk);
	}
	for (; got != 0; got = flo_reader_next(in.r)) {
		if (got < 0) {
			flo_reader_failed(&o.bad, in.r, got);
			continue;
		}
		if (!read_history(&in, &h) ||
		    !flo_summary_same_unit(&o.bad, in.r, &in.c, in.unit, in.unit_days, h.tx, "scoring"))
			continue;
		size_t n;
		if (flo_score(s, &h, val, &n) != FLO_OK) {
			cannot_score(&out, &in, NULL, &h, val[n], n);
			continue;
		}
		if (o.pmf > 0)
			pmf_values(&o, &model, &h, val + out.nscores);
		if (blk != NULL) {
			block_hold(blk, &h, val, n);
			continue;
		}
		put_scores(&out, val, n, npmf);
		write_record(&out, &in, NULL, NULL, 0, FLO_FMT_AUTO);
	}
	if (blk != NULL) {
		block_drain(blk);
		flo_cli_on_error(NULL, NULL);
		o.bad.before_report = NULL;
	}
	flo_bad_finish(&o.bad);
	report(s, &model);
	flo_reader_free(in.r);
	output_close(&out);
	free(val);
	flo_scorer_free(s);
	block_free(blk);
	flo_bandblock_free(bands);
	numbers_free(&o.horizon);
	return 0;
}
