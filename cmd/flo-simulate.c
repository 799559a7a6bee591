/* flo-simulate: a seeded synthetic order log from the BG/NBD (or the
 * Pareto/NBD) and Gamma-Gamma models, for testing fits (parameter recovery) and for benchmarks. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "base/date.h"
#include "base/err.h"
#include "record/writer.h"
#include "model/simulate.h"
#include "base/unit.h"

static const char usage[] =
"usage: flo-simulate -n CUSTOMERS --seed S [options]\n"
"\n"
"Write a synthetic order log, one record per order: customer_id, date, amount.\n"
"Customers follow the BG/NBD purchase and dropout process (Fader, Hardie & Lee\n"
"2005) and spend by the Gamma-Gamma model (Fader & Hardie 2013):\n"
"  lambda ~ Gamma(shape r, rate alpha)  purchases per unit while alive\n"
"  p ~ Beta(a, b)                       chance of leaving after each repeat order\n"
"  nu ~ Gamma(shape q, rate v)          spend scale\n"
"  amount ~ Gamma(shape p, rate nu)     each order's value (mean p/nu)\n"
"A customer's first order falls uniformly in the cohort; nobody leaves right\n"
"after it.  Each customer's orders are consecutive and in time order; ids are\n"
"zero-padded (c0000001) so that text order is numeric order.  A seed gives the\n"
"same log every time, and fewer customers give a prefix of the log of more.\n"
"Memory is constant.\n"
"\n"
"  -n, --customers N         number of customers (required)\n"
"      --seed S              random seed, 0 to 4294967295 (required; GSL's mt19937\n"
"                            treats 0 as its default seed, 4357)\n"
"Model (defaults: the published CDNOW estimates):\n"
"      --model M             bgnbd (default) or pnbd: the Pareto/NBD (Schmittlein,\n"
"                            Morrison & Colombo 1987), where each customer dies\n"
"                            after an exponential lifetime of rate\n"
"                            mu ~ Gamma(shape s, rate beta) from the first order\n"
"      --r R                 shape of the purchase rate (0.243; pnbd 0.55)\n"
"      --alpha A             rate of the purchase rate, in the unit (4.414 in\n"
"                            weeks, pnbd 10.58, converted to --unit)\n"
"      --a A, --b B          dropout Beta(a, b) (0.793, 2.426)\n"
"      --s S, --beta B       pnbd: the lifetime's rate Gamma(s, beta) (0.61, and\n"
"                            11.67 in weeks, converted to --unit)\n"
"      --p P                 shape of an order's value (6.25)\n"
"      --q Q, --v V          spend scale Gamma(q, v) (3.74, 15.44)\n"
"      --unit U              time unit of alpha and lambda: day, week (default) or\n"
"                            month (365.25/12 days)\n"
"Time:\n"
"      --start DATE          first day of the cohort (default 1997-01-01)\n"
"      --cohort-days N       first orders spread uniformly over N days from\n"
"                            --start (default 84: 12 weeks, as CDNOW's first-\n"
"                            quarter cohort)\n"
"      --end DATE            last day observed, included (default: 78 weeks from\n"
"                            --start, 1998-06-30); use it as flo-rfm --as-of\n"
"Output:\n"
"  -o, --output-format FMT   csv (default), tsv or jsonl\n"
"      --time                date-times (YYYY-MM-DDTHH:MM:SSZ), not dates\n"
"      --truth FILE          each customer's latent values, in the same format:\n"
"                            customer_id, lambda (per unit), p (dropout chance),\n"
"                            nu, mean_amount (p/nu, the Gamma-Gamma p), orders,\n"
"                            alive (1 or 0), dropout (the time of the order after\n"
"                            which the customer left; empty while alive); with\n"
"                            --model pnbd, mu (per unit) in place of p, and\n"
"                            dropout the time of death\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Amounts are rounded to cents; one that would round to 0.00 is written as 0.01.\n"
"Dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, or Unix epoch seconds.\n"
"Exit status: 0 success, 2 usage, 65 values out of range (extreme parameters),\n"
"74 write error.\n";

/* The longest id: 'c' and 12 digits. */
#define MAX_CUSTOMERS 999999999999ULL
#define SECONDS_PER_DAY 86400

struct options {
	struct flo_sim_config cfg;
	const char *unit;
	int have_seed, have_alpha, have_end, with_time;
	int have_r, have_a, have_b, have_s, have_beta;
	const char *model;
	enum flo_format fmt;
	const char *truth_path;
};

/* A whole number in [min, max]; strict, like flo_opt_long, but wide enough
 * for 32-bit seeds and 12-digit counts wherever long is 32 bits. */
static unsigned long long opt_uint(const char *opt, const char *arg,
				   unsigned long long min, unsigned long long max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno == ERANGE || v < min ||
	    v > max)
		flo_usage_error("option %s: expected a whole number from %llu to %llu: \"%s\"",
				opt, min, max, arg);
	return v;
}

/* The observation window: the default end is 78 weeks after the start, as
 * CDNOW's 1997-01-01 to 1998-06-30; the cohort's last day must be observed,
 * else some customers would have no first order. */
static void check_window(struct options *o)
{
	struct flo_sim_config *c = &o->cfg;
	char end_text[16], last_text[16];
	int64_t last_birth_day = (int64_t)c->start_day + c->cohort_days - 1;
	int64_t max_day = flo_day_from_civil(FLO_YEAR_MAX, 12, 31);
	if (!o->have_end) {
		int64_t end = (int64_t)c->start_day + 78 * 7 - 1;
		if (end < last_birth_day)
			end = last_birth_day;
		if (end > max_day)
			flo_usage_error("the default --end (78 weeks after --start) is after %d-12-31",
					FLO_YEAR_MAX);
		c->end_day = (int32_t)end;
	}
	if (last_birth_day > max_day)
		flo_usage_error("--cohort-days: the cohort ends after %d-12-31", FLO_YEAR_MAX);
	flo_format_day(end_text, c->end_day);
	flo_format_day(last_text, (int32_t)last_birth_day);
	if (c->end_day < c->start_day)
		flo_usage_error("--end %s is before --start", end_text);
	if (c->end_day < last_birth_day)
		flo_usage_error("--end %s is before the cohort's last day, %s: every first order "
				"must be observed", end_text, last_text);
}

/* The model's own defaults, and no parameter of the other model.  alpha
 * and beta are rates per unit of time: the CDNOW defaults are per week. */
static void model_defaults(struct options *o)
{
	struct flo_sim_params *p = &o->cfg.par;
	int pnbd = o->model != NULL && strcmp(o->model, "pnbd") == 0;
	if (o->model != NULL && !pnbd && strcmp(o->model, "bgnbd") != 0)
		flo_usage_error("option --model: \"%s\" is not bgnbd or pnbd", o->model);
	if (pnbd && (o->have_a || o->have_b))
		flo_usage_error("--a and --b are the BG/NBD's: the Pareto/NBD has --s and --beta");
	if (!pnbd && (o->have_s || o->have_beta))
		flo_usage_error("--s and --beta are the Pareto/NBD's: give --model pnbd");
	const struct flo_sim_params *d = pnbd ? &flo_sim_cdnow_pnbd : &flo_sim_cdnow;
	p->pnbd = pnbd;
	if (!o->have_r)
		p->r = d->r;
	if (!o->have_alpha)
		p->alpha = d->alpha * 7.0 / o->cfg.unit_days;
	if (pnbd && !o->have_s)
		p->s = d->s;
	if (pnbd && !o->have_beta)
		p->beta = d->beta * 7.0 / o->cfg.unit_days;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_SEED = 256, OPT_R, OPT_ALPHA, OPT_A, OPT_B, OPT_P, OPT_Q, OPT_V,
	       OPT_UNIT, OPT_START, OPT_COHORT, OPT_END, OPT_TIME, OPT_TRUTH, OPT_MODEL,
	       OPT_S, OPT_BETA };
	static const struct option longopts[] = {
		{"customers", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"r", required_argument, NULL, OPT_R},
		{"alpha", required_argument, NULL, OPT_ALPHA},
		{"a", required_argument, NULL, OPT_A},
		{"b", required_argument, NULL, OPT_B},
		{"model", required_argument, NULL, OPT_MODEL},
		{"s", required_argument, NULL, OPT_S},
		{"beta", required_argument, NULL, OPT_BETA},
		{"p", required_argument, NULL, OPT_P},
		{"q", required_argument, NULL, OPT_Q},
		{"v", required_argument, NULL, OPT_V},
		{"unit", required_argument, NULL, OPT_UNIT},
		{"start", required_argument, NULL, OPT_START},
		{"cohort-days", required_argument, NULL, OPT_COHORT},
		{"end", required_argument, NULL, OPT_END},
		{"output-format", required_argument, NULL, 'o'},
		{"time", no_argument, NULL, OPT_TIME},
		{"truth", required_argument, NULL, OPT_TRUTH},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct flo_sim_config *c = &o->cfg;
	c->par = flo_sim_cdnow;
	c->start_day = flo_day_from_civil(1997, 1, 1);
	c->cohort_days = 84;
	o->unit = "week";
	o->fmt = FLO_FMT_CSV;
	int have_customers = 0, ch;
	enum flo_format no_input; /* no -i: the tool reads nothing */
	const struct flo_common_opts common = {&no_input, &o->fmt, NULL, usage, NULL};
	while ((ch = getopt_long(argc, argv, ":n:o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			c->customers = opt_uint("-n", optarg, 1, MAX_CUSTOMERS);
			have_customers = 1;
			break;
		case OPT_SEED:
			c->seed = (uint32_t)opt_uint("--seed", optarg, 0, UINT32_MAX);
			o->have_seed = 1;
			break;
		case OPT_R: c->par.r = flo_opt_positive("--r", optarg), o->have_r = 1; break;
		case OPT_ALPHA:
			c->par.alpha = flo_opt_positive("--alpha", optarg);
			o->have_alpha = 1;
			break;
		case OPT_A: c->par.a = flo_opt_positive("--a", optarg), o->have_a = 1; break;
		case OPT_B: c->par.b = flo_opt_positive("--b", optarg), o->have_b = 1; break;
		case OPT_S: c->par.s = flo_opt_positive("--s", optarg), o->have_s = 1; break;
		case OPT_BETA:
			c->par.beta = flo_opt_positive("--beta", optarg);
			o->have_beta = 1;
			break;
		case OPT_MODEL: o->model = optarg; break;
		case OPT_P: c->par.p = flo_opt_positive("--p", optarg); break;
		case OPT_Q: c->par.q = flo_opt_positive("--q", optarg); break;
		case OPT_V: c->par.v = flo_opt_positive("--v", optarg); break;
		case OPT_UNIT: o->unit = optarg; break;
		case OPT_START: c->start_day = flo_opt_day("--start", optarg); break;
		case OPT_COHORT:
			c->cohort_days = (int32_t)opt_uint("--cohort-days", optarg, 1, 3000000);
			break;
		case OPT_END:
			c->end_day = flo_opt_day("--end", optarg);
			o->have_end = 1;
			break;
		case OPT_TIME: o->with_time = 1; break;
		case OPT_TRUTH: o->truth_path = optarg; break;
		default:
			if (!flo_common_option(ch, optarg, &common))
				flo_option_error(ch, argv);
		}
	}
	if (optind < argc)
		flo_usage_error("no file arguments (got \"%s\"): the log goes to stdout",
				argv[optind]);
	if (!have_customers)
		flo_usage_error("the number of customers (-n) is required");
	if (!o->have_seed)
		flo_usage_error("a seed (--seed) is required, so that the log can be made again");
	flo_unit_days(flo_opt_unit("--unit", o->unit), &c->unit_days);
	model_defaults(o);
	check_window(o);
}

/* ---- output ---- */

struct output {
	flo_writer *w, *truth;
	const char *truth_path;
	int with_time;
	int id_width;
	double mean_amount_shape; /* the Gamma-Gamma p */
	int pnbd;                 /* the truth has mu, not p */
	uint64_t id;      /* the customer whose id is in id_text */
	char id_text[32];
	size_t id_len;
};

static const char *customer_id(struct output *out, uint64_t customer, size_t *len)
{
	if (customer != out->id) {
		out->id = customer;
		out->id_len = (size_t)snprintf(out->id_text, sizeof out->id_text, "c%0*" PRIu64,
					       out->id_width, customer);
	}
	*len = out->id_len;
	return out->id_text;
}

static void two_digits(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ; buf holds at least 21 bytes. */
static size_t format_time(char *buf, int64_t t, int with_time)
{
	int64_t day = t / SECONDS_PER_DAY, sec = t % SECONDS_PER_DAY;
	if (sec < 0)
		day--, sec += SECONDS_PER_DAY;
	size_t n = flo_format_day(buf, (int32_t)day);
	if (!with_time)
		return n;
	buf[10] = 'T';
	two_digits(buf + 11, (int)(sec / 3600));
	buf[13] = ':';
	two_digits(buf + 14, (int)(sec / 60 % 60));
	buf[16] = ':';
	two_digits(buf + 17, (int)(sec % 60));
	buf[19] = 'Z';
	buf[20] = '\0';
	return 20;
}

/* The largest amount written: cents stay exact in a double and an int64. */
#define MAX_AMOUNT 1e13

/* An amount in cents with two decimals, by hand: there is one per order, and
 * snprintf's floating-point formatting is slow for a hot path. */
static size_t format_cents(char *buf, double amount)
{
	int64_t cents = llround(amount * 100.0);
	if (cents < 1)
		cents = 1; /* an order has a value; 0.00 would be left out of spend fits */
	char tmp[24];
	size_t n = 0;
	for (int64_t whole = cents / 100; whole > 0 || n == 0; whole /= 10)
		tmp[n++] = (char)('0' + whole % 10);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n++] = '.';
	two_digits(buf + n, (int)(cents % 100));
	return n + 2;
}

static void record_end(flo_writer *w, const char *what)
{
	int err = flo_writer_end(w);
	if (err == FLO_OK)
		return;
	if (err == FLO_EIO)
		flo_die(FLO_EXIT_IOERR, "cannot write %s: %s", what, strerror(errno));
	flo_die(flo_exit_status(err), "%s: %s", what, flo_writer_errmsg(w));
}

static void write_order(void *ctx, uint64_t customer, int64_t t, double amount)
{
	struct output *out = ctx;
	char when[32], value[32];
	size_t id_len;
	const char *id = customer_id(out, customer, &id_len);
	if (!(amount < MAX_AMOUNT))
		flo_die(FLO_EXIT_DATAERR,
			"customer %s: an order value is out of range (%g): --p, --q or --v "
			"too extreme", id, amount);
	flo_writer_str(out->w, "customer_id", id, id_len);
	flo_writer_str(out->w, "date", when, format_time(when, t, out->with_time));
	/* A number, not text, so that JSON Lines carry it as a JSON number. */
	struct flo_field f = {"amount", 6, value, format_cents(value, amount), FLO_KIND_NUM};
	flo_writer_field(out->w, &f);
	int err = flo_writer_end(out->w);
	if (err == FLO_EIO)
		flo_finish_output(out->w); /* reports (or ends quietly on a closed pipe) and exits */
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_writer_errmsg(out->w));
}

static void write_truth(void *ctx, const struct flo_sim_truth *t)
{
	struct output *out = ctx;
	flo_writer *w = out->truth;
	size_t id_len;
	const char *id = customer_id(out, t->customer, &id_len);
	double mean_amount = out->mean_amount_shape / t->nu;
	if (!isfinite(t->lambda) || !isfinite(mean_amount))
		flo_die(FLO_EXIT_DATAERR,
			"customer %s: lambda or p/nu is out of range: the parameters are too extreme",
			id);
	flo_writer_str(w, "customer_id", id, id_len);
	flo_writer_num(w, "lambda", t->lambda);
	if (out->pnbd)
		flo_writer_num(w, "mu", t->mu);
	else
		flo_writer_num(w, "p", t->p);
	flo_writer_num(w, "nu", t->nu);
	flo_writer_num(w, "mean_amount", mean_amount);
	flo_writer_num(w, "orders", (double)t->orders);
	flo_writer_num(w, "alive", t->alive);
	if (t->alive) {
		flo_writer_null(w, "dropout");
	} else {
		char when[32];
		flo_writer_str(w, "dropout", when, format_time(when, t->dropout, out->with_time));
	}
	record_end(w, out->truth_path);
}

static int digits(uint64_t v)
{
	int n = 1;
	while (v >= 10)
		v /= 10, n++;
	return n;
}

static flo_writer *open_truth(const char *path, enum flo_format fmt, int *fd)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (*fd < 0)
		flo_die(FLO_EXIT_IOERR, "cannot write %s: %s", path, strerror(errno));
	flo_writer *w;
	if (flo_writer_new(&w, *fd, fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	return w;
}

/* The writer does not own its fd: close(2) is checked here too, as a
 * network file system may report a failed write only then. */
static void close_truth(flo_writer *w, int fd, const char *path)
{
	if (flo_writer_close(w) != FLO_OK || close(fd) != 0)
		flo_die(FLO_EXIT_IOERR, "cannot write %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	struct options o = {0};
	flo_cli_init("flo-simulate");
	parse_options(argc, argv, &o);

	struct output out = {.with_time = o.with_time, .truth_path = o.truth_path,
			     .mean_amount_shape = o.cfg.par.p, .pnbd = o.cfg.par.pnbd};
	/* Seven digits at least, as c0000001; more when there are more customers. */
	out.id_width = digits(o.cfg.customers) > 7 ? digits(o.cfg.customers) : 7;
	if (flo_writer_new(&out.w, STDOUT_FILENO, o.fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	int truth_fd = -1;
	if (o.truth_path != NULL)
		out.truth = open_truth(o.truth_path, o.fmt, &truth_fd);

	int err = flo_simulate(&o.cfg, write_order, out.truth ? write_truth : NULL, &out);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_strerror(err));
	if (out.truth != NULL)
		close_truth(out.truth, truth_fd, o.truth_path);
	flo_finish_output(out.w);
	return 0;
}
