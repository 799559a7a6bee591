/* flo-fit: fit the BG/NBD and Gamma-Gamma models to RFM summary records,
 * print the model as JSON and keep it in the store. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "common/cli.h"
#include "common/fitrun.h"
#include "common/fitstats.h"
#include "common/xalloc.h"
#include "model/model.h"
#include "record/reader.h"
#include "store/models.h"

static const char usage[] =
"usage: flo-fit [options] [file...]\n"
"\n"
"Fit the BG/NBD model (Fader, Hardie & Lee 2005), or with --model pnbd the\n"
"Pareto/NBD (Schmittlein, Morrison & Colombo 1987), with --model mbgnbd the\n"
"MBG/NBD (Batislam, Denizel & Filiztekin 2007), with --model bgbb the BG/BB\n"
"(Fader, Hardie & Shang 2010; period summaries only), to every customer and the\n"
"Gamma-Gamma spend model (Fader & Hardie 2013) to customers with repeat\n"
"purchases and positive spend, by maximum likelihood.  Reads RFM summary\n"
"records (flo-rfm's output, lifetimes' summaries, or any records with\n"
"frequency, recency, T and monetary fields; without a monetary field, the\n"
"purchase model alone); writes the fitted model as one JSON document on stdout and\n"
"stores it.  The likelihood is summed over distinct (frequency, recency, T)\n"
"triples, so memory and time follow distinct triples, not customers.\n"
"\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
FLO_INPUT_USAGE
"      --weight FIELD        a field counting the customers each record stands for\n"
FLO_SUMMARY_USAGE
"      --unit U              the summaries' time unit: day, week or month (default:\n"
"                            the records' unit field, or read off first_order/\n"
"                            last_order and recency when the records have them,\n"
"                            else week)\n"
"      --model M             the purchase model: bgnbd (default), pnbd, mbgnbd,\n"
"                            bgbb (discrete time: frequency, recency and T whole\n"
"                            periods, T the n of Fader, Hardie & Shang, as\n"
"                            flo-rfm --occasion day|week|month writes them),\n"
"                            or all: fit each (bgbb on period summaries only),\n"
"                            compare them (log-likelihood, AIC, BIC, warnings)\n"
"                            in the document's \"comparison\", and keep the one\n"
"                            of lowest BIC (said on stderr; the BG/BB's\n"
"                            likelihood is of counts, not times: only --select\n"
"                            keeps it)\n"
"      --select M            with --model all: keep M, not the lowest BIC's\n"
"      --holdout H           with --model all: the holdout's length in the unit\n"
"                            (default: each record's duration_holdout); when the\n"
"                            records have holdout purchases, the comparison adds\n"
"                            each model's holdout errors (flo-check --check\n"
"                            holdout's, all customers)\n"
"      --holdout-field F     the holdout purchases (default holdout_purchases)\n"
"      --penalizer L         the purchase model's penalty, as the Python lifetimes\n"
"                            library's penalizer_coef (BetaGeoFitter's,\n"
"                            ParetoNBDFitter's) (default 0: maximum likelihood)\n"
"      --gg-penalizer L      Gamma-Gamma penalty, likewise (default 0)\n"
"Intervals (in the document, for every parameter; README \"How sure is the forecast\"):\n"
"      --level P             their confidence level, 0 < P < 1 (default 0.95)\n"
"      --intervals M         auto (default): Wald on the log scale for the\n"
"                            purchase model's interior parameters, profile\n"
"                            likelihood for the Gamma-Gamma and for parameters\n"
"                            on or near a boundary; wald or profile: every one so\n"
"      --bootstrap N         a parametric bootstrap, 2 to 10000 replicates:\n"
"                            N data sets simulated from the fit at the data's\n"
"                            own T (and frequencies, for the Gamma-Gamma), each\n"
"                            refitted; the intervals are then the replicates'\n"
"                            percentiles (method bootstrap), and the replicates\n"
"                            are kept in the document, for flo-score --interval\n"
"      --seed S              the bootstrap's seed, 0 to 4294967295 (default 1):\n"
"                            a seed gives the same replicates on every run,\n"
"                            whatever the threads\n"
"      --summary             also print each fit's parameters as a table on\n"
"                            stderr: estimate, standard error, interval, method\n"
"      --model-out FILE      also write the model document to FILE\n"
"      --db PATH             the store (default: $FLO_DB, else ./flo.lmdb)\n"
"      --name NAME           the model's name in the store (default: default)\n"
"      --no-store            do not store the model\n"
"      --timings             say on stderr how long reading and each fit took\n"
"Fits from parts (flo-part; README \"More than one machine\"):\n"
"      --write-stats         write the input's sufficient statistics instead of\n"
"                            fitting: its distinct (frequency, recency, T)\n"
"                            triples and (frequency, monetary) spend pairs, each\n"
"                            with the customers it stands for (JSON Lines)\n"
"      --stats               the input is statistics of one or more parts\n"
"                            (--write-stats, concatenated): the fit is the fit of\n"
"                            all their customers, the same document to the last\n"
"                            digit as a fit of their summaries together\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Warnings in the document say in words what a fit means: a run to the\n"
"boundary (no dropout identified), a Gamma-Gamma q <= 1 (no population mean\n"
"spend), a fit that did not converge, the correlation of frequency and spend.\n"
"An empty or NaN monetary is read as 0 where frequency is 0 (a one-time\n"
"buyer, as lifetimes and pandas write one).\n"
"Set SOURCE_DATE_EPOCH to fix the document's \"created\" time.\n"
"\n"
"Exit status: 0 success, 2 usage, 65 bad input data (or nothing to fit: no\n"
"customers, or every customer's T 0), 66 unreadable input, 74 write or store\n"
"error.\n";

struct options {
	enum flo_format in_fmt;
	const char *weight, *model_out, *db, *name, *path;
	double penalizer, gg_penalizer;
	int no_store, timings, write_stats, stats, summary;
	double level;
	long bootstrap, seed, seeded;
	enum flo_interval_choice choice;
	enum flo_family family;
	int all;
	const char *select, *holdout_field;
	double holdout;
	struct flo_summary_names names;
	struct flo_bad bad;
};

/* A purchase model's name on the command line: 1 and *f, or 0. */
static int family_named(const char *name, enum flo_family *f)
{
	static const enum flo_family all[] = {FLO_FAMILY_BGNBD, FLO_FAMILY_PNBD, FLO_FAMILY_MBGNBD,
					      FLO_FAMILY_BGBB};
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
		if (strcmp(name, flo_family_name(all[k])) == 0) {
			*f = all[k];
			return 1;
		}
	return 0;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_WEIGHT = 256,  OPT_PEN, OPT_GGPEN, OPT_OUT, OPT_DB, OPT_NAME,
	       OPT_NOSTORE, OPT_TIMINGS, OPT_WRITE_STATS, OPT_STATS, OPT_MODEL,
	       OPT_LEVEL, OPT_INTERVALS, OPT_SUMMARY,
	       OPT_SELECT,
	       OPT_HOLDOUT, OPT_HOLDOUT_FIELD,
	       OPT_BOOTSTRAP, OPT_SEED };
	static const struct option longopts[] = {
		{"weight", required_argument, NULL, OPT_WEIGHT},
		{"penalizer", required_argument, NULL, OPT_PEN},
		{"gg-penalizer", required_argument, NULL, OPT_GGPEN},
		{"model-out", required_argument, NULL, OPT_OUT},
		{"db", required_argument, NULL, OPT_DB},
		{"name", required_argument, NULL, OPT_NAME},
		{"no-store", no_argument, NULL, OPT_NOSTORE},
		{"timings", no_argument, NULL, OPT_TIMINGS},
		{"write-stats", no_argument, NULL, OPT_WRITE_STATS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"model", required_argument, NULL, OPT_MODEL},
		{"level", required_argument, NULL, OPT_LEVEL},
		{"intervals", required_argument, NULL, OPT_INTERVALS},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"select", required_argument, NULL, OPT_SELECT},
		{"holdout", required_argument, NULL, OPT_HOLDOUT},
		{"holdout-field", required_argument, NULL, OPT_HOLDOUT_FIELD},
		{"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
		{"seed", required_argument, NULL, OPT_SEED},
		FLO_SUMMARY_LONGOPTS,
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	o->name = "default";
	o->level = 0.95;
	o->seed = 1;
	const struct flo_common_opts common = {&o->in_fmt, NULL, &o->bad, usage, NULL};
	int c;
	while ((c = getopt_long(argc, argv, ":i:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_WEIGHT: o->weight = optarg; break;
		case OPT_PEN: o->penalizer = flo_opt_double("--penalizer", optarg); break;
		case OPT_GGPEN: o->gg_penalizer = flo_opt_double("--gg-penalizer", optarg); break;
		case OPT_OUT: o->model_out = optarg; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_NOSTORE: o->no_store = 1; break;
		case OPT_TIMINGS: o->timings = 1; break;
		case OPT_WRITE_STATS: o->write_stats = 1; break;
		case OPT_STATS: o->stats = 1; break;
		case OPT_SUMMARY: o->summary = 1; break;
		case OPT_BOOTSTRAP:
			/* the replicates go into the document, which a model file
			 * holds up to 16 MB (store/models.h): 10,000 of the seven
			 * parameters are about 1.5 MB */
			o->bootstrap = flo_opt_long("--bootstrap", optarg, 2, 10000);
			break;
		case OPT_SEED:
			o->seed = flo_opt_long("--seed", optarg, 0, 4294967295L);
			o->seeded = 1;
			break;
		case OPT_LEVEL:
			o->level = flo_opt_double("--level", optarg);
			if (!(o->level > 0 && o->level < 1))
				flo_usage_error("option --level: a confidence level is between 0 and 1 "
						"(0.95 is 95%%): \"%s\"", optarg);
			break;
		case OPT_INTERVALS:
			if (strcmp(optarg, "auto") == 0)
				o->choice = FLO_IV_AUTO;
			else if (strcmp(optarg, "wald") == 0)
				o->choice = FLO_IV_WALD;
			else if (strcmp(optarg, "profile") == 0)
				o->choice = FLO_IV_PROFILE;
			else
				flo_usage_error("option --intervals: \"%s\" is not auto, wald or profile",
						optarg);
			break;
		case OPT_MODEL:
			if (strcmp(optarg, "all") == 0)
				o->all = 1;
			else if (!family_named(optarg, &o->family))
				flo_usage_error("option --model: \"%s\" is not bgnbd, pnbd, mbgnbd, bgbb "
						"or all", optarg);
			break;
		case OPT_SELECT:
			if (!family_named(optarg, &o->family))
				flo_usage_error("option --select: \"%s\" is not bgnbd, pnbd, mbgnbd or bgbb",
						optarg);
			o->select = optarg;
			break;
		case OPT_HOLDOUT:
			o->holdout = flo_opt_double("--holdout", optarg);
			if (!(o->holdout > 0))
				flo_usage_error("option --holdout: the holdout's length must be > 0");
			break;
		case OPT_HOLDOUT_FIELD: o->holdout_field = optarg; break;
		default:
			if (!flo_summary_option(c, optarg, &o->names) &&
			    !flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_inputs(argc, argv);
	if (o->penalizer < 0 || o->gg_penalizer < 0)
		flo_usage_error("a penalizer must be 0 or more");
	if (o->name[0] == '\0')
		flo_usage_error("option --name: empty name");
	if (o->write_stats && o->stats)
		flo_usage_error("--write-stats and --stats: statistics in, statistics out is cat");
	if (o->write_stats && (o->model_out || o->penalizer || o->gg_penalizer))
		flo_usage_error("--write-stats fits nothing: no --model-out or penalizer");
	if ((o->select || o->holdout > 0 || o->holdout_field) && !o->all)
		flo_usage_error("--select, --holdout and --holdout-field go with --model all");
	if (o->all && (o->write_stats || o->stats) && o->holdout > 0)
		flo_usage_error("--holdout: the statistics of parts have no holdout purchases");
	if (o->seeded && !o->bootstrap)
		flo_usage_error("--seed goes with --bootstrap");
	if (o->bootstrap && (o->penalizer || o->gg_penalizer))
		flo_usage_error("--bootstrap refits the maximum likelihood: no penalizer");
	if (o->bootstrap && o->write_stats)
		flo_usage_error("--write-stats fits nothing: no --bootstrap");
	if (o->stats && o->weight)
		flo_usage_error("--stats: the statistics carry their weights; no --weight");
	o->db = flo_store_path(o->db);
	o->bad.input_name = flo_input_name(o->path);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	flo_cli_init("flo-fit");
	parse_options(argc, argv, &o);

	flo_reader *r;
	flo_open_reader(&r, o.path, o.in_fmt);
	struct flo_fitrun_options fo = {o.weight, o.names.unit, o.penalizer, o.gg_penalizer, &o.bad,
					o.timings, &o.names, o.family, o.level, o.choice, o.summary, o.all, o.select,
					o.holdout, o.holdout_field, o.bootstrap, (uint32_t)o.seed};
	struct flo_model model;
	char *json;
	if (o.write_stats) {
		struct flo_fit_data d = {0};
		int has_m = flo_fitrun_read(r, &fo, &d);
		flo_fit_data_finish(&d);
		flo_fitstats_write(stdout, &d, fo.unit, has_m);
		flo_fit_data_free(&d);
		flo_reader_free(r);
		return 0;
	}
	if (o.stats) {
		struct flo_fit_data d = {0};
		int has_m = flo_fitstats_read(r, &o.bad, &d, &fo.unit);
		json = flo_fitrun_data(&d, has_m, &fo, &model);
	} else {
		json = flo_fitrun(r, &fo, &model);
	}
	flo_reader_free(r);
	char msg[FLO_MODELS_MSG];
	int status = 0;
	if (o.model_out != NULL && flo_model_save_file(o.model_out, json, msg) != FLO_OK)
		status = FLO_EXIT_IOERR;
	if (status == 0 && !o.no_store && flo_model_save_stored(o.db, o.name, json, msg) != FLO_OK)
		status = FLO_EXIT_IOERR;
	if (status == 0 && (fputs(json, stdout) == EOF || fflush(stdout) != 0 || ferror(stdout))) {
		snprintf(msg, sizeof msg, "write error: %s", strerror(errno));
		status = FLO_EXIT_IOERR;
	}
	/* freed before any exit: a failed write is no leak (LeakSanitizer) */
	free(json);
	if (status != 0)
		flo_die(status, "%s", msg);
	return 0;
}
