/* flo-simulate: a seeded synthetic order log from the BG/NBD (or the
 * Pareto/NBD, the MBG/NBD, the BG/BB) and Gamma-Gamma models, for testing
 * fits (parameter recovery) and for benchmarks. */
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
#include "model/lineitems.h"
#include "model/simulate.h"
#include "base/unit.h"

static const char usage[] =
"usage: flo-simulate -n CUSTOMERS --seed S [options]\n"
"\n"
"Write a synthetic order log, one record per order: customer_id, date, amount\n"
"(or, with --layout uci, a line-item log: see below).\n"
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
"      --model M             bgnbd (default), pnbd: the Pareto/NBD (Schmittlein,\n"
"                            Morrison & Colombo 1987), where each customer dies\n"
"                            after an exponential lifetime of rate\n"
"                            mu ~ Gamma(shape s, rate beta) from the first order,\n"
"                            mbgnbd: the MBG/NBD (Batislam, Denizel &\n"
"                            Filiztekin 2007), the BG/NBD with the dropout coin\n"
"                            tossed at the first order too, or bgbb: the BG/BB\n"
"                            in discrete time (Fader, Hardie & Shang 2010), one\n"
"                            purchase opportunity a --unit (below)\n"
"      --r R                 shape of the purchase rate (0.243; pnbd 0.55;\n"
"                            mbgnbd 0.5248)\n"
"      --alpha A             rate of the purchase rate, in the unit (4.414 in\n"
"                            weeks, pnbd 10.58, mbgnbd 6.183, converted to --unit)\n"
"      --a A, --b B          dropout Beta(a, b) (0.793, 2.426; mbgnbd 0.8914,\n"
"                            1.614)\n"
"      --s S, --beta B       pnbd: the lifetime's rate Gamma(s, beta) (0.61, and\n"
"                            11.67 in weeks, converted to --unit)\n"
"      --alpha A, --beta B   bgbb: a period's purchase probability\n"
"                            p ~ Beta(alpha, beta) (1.204, 0.750: the donations\n"
"                            estimates of Fader, Hardie & Shang 2010; no unit)\n"
"      --gamma G, --delta D  bgbb: a period's dropout probability\n"
"                            theta ~ Beta(gamma, delta) (0.657, 2.783)\n"
"      --p P                 shape of an order's value (6.25)\n"
"      --q Q, --v V          spend scale Gamma(q, v) (3.74, 15.44)\n"
"      --unit U              time unit of alpha and lambda: day, week (default) or\n"
"                            month (365.25/12 days); bgbb: the period, a day, a\n"
"                            calendar week from Monday or a calendar month\n"
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
"      --layout L            orders (default): one record per order, as above;\n"
"                            uci: one record per line of an invoice, shaped as\n"
"                            the UCI Online Retail log: InvoiceNo, StockCode,\n"
"                            Description, Quantity, InvoiceDate, UnitPrice,\n"
"                            CustomerID, Country\n"
"      --lines-mean M        uci: mean lines per invoice, 1 to 100 (default 4)\n"
"      --cancel-rate R       uci: chance that an invoice is followed by a\n"
"                            cancellation, 0 to 1 (default 0.05)\n"
"      --guest-rate R        uci: chance that an invoice is a guest's, written\n"
"                            with an empty CustomerID, 0 to 1 (default 0.1)\n"
"      --truth FILE          each customer's latent values, in the same format:\n"
"                            customer_id, lambda (per unit), p (dropout chance),\n"
"                            nu, mean_amount (p/nu, the Gamma-Gamma p), orders,\n"
"                            alive (1 or 0), dropout (the time of the order after\n"
"                            which the customer left; empty while alive); with\n"
"                            --model pnbd, mu (per unit) in place of p, and\n"
"                            dropout the time of death; with --model bgbb, p\n"
"                            (the purchase probability a period) and theta (the\n"
"                            dropout probability) in place of lambda and p, and\n"
"                            dropout the start of the first period gone\n"
"\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Amounts are rounded to cents; one that would round to 0.00 is written as 0.01.\n"
"\n"
"--model bgbb: the first order is at birth, in period 0; at the start of each\n"
"later period up to the one of --end the customer is gone for good with chance\n"
"theta, else buys with chance p: one order on a day of that period (not after\n"
"--end).  The summary of the log by flo-rfm --as-of END with the period as the\n"
"occasion (--unit day, --occasion week or --occasion month) is the BG/BB's\n"
"frequency x, recency t_x and T = n periods, as flo-fit --model bgbb fits them.\n"
"\n"
"The uci layout writes each order as one invoice, numbered from 536365 in the\n"
"order written, of L lines, L ~ Geometric(1/M) on 1, 2, ... (mean M, at most\n"
"100), each line another product.  The order's cents are split among its\n"
"lines at random (a flat Dirichlet, a cent each at least); a line's unit price\n"
"is its share divided by its quantity (1 to 24) rounded down to a cent, and\n"
"the cents that leaves go to the last line, of quantity 1: the invoice's\n"
"quantity x price sums to the order's amount exactly.  A cancellation is the\n"
"next invoice, C before its number, dated up to 7 days after the order (not\n"
"after --end, and maybe after the customer's next order), with each line of\n"
"the order with chance 1/2 (one at least), its quantity minus 1 to the line's.\n"
"A guest's invoice and its cancellation have an empty CustomerID (a checkout\n"
"without logging in: the order is lost to the summaries).  CustomerID (and\n"
"--truth's customer_id) is 12345 + the customer's number.  InvoiceDate is\n"
"M/D/YYYY H:MM, as UCI's 12/1/2010 8:26: flo-rfm reads it with --date-format\n"
"'%m/%d/%Y %H:%M'.  The lines draw from a random stream of their own: the\n"
"invoices are the orders of the default layout for the same seed and model,\n"
"whatever the line options.\n"
"\n"
"Dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, or Unix epoch seconds.\n"
"Exit status: 0 success, 2 usage, 65 values out of range (extreme parameters),\n"
"74 write error.\n";

/* The uci layout's CustomerID: this + the customer's number, as UCI's 12346... */
#define UCI_FIRST_ID 12345u

/* The longest id: 'c' and 12 digits. */
#define MAX_CUSTOMERS 999999999999ULL
#define SECONDS_PER_DAY 86400

struct options {
	struct flo_sim_config cfg;
	const char *unit;
	int have_seed, have_alpha, have_end, with_time;
	int have_r, have_a, have_b, have_s, have_beta, have_gamma, have_delta;
	const char *model;
	enum flo_format fmt;
	const char *truth_path;
	int uci;                    /* --layout uci */
	const char *line_option;    /* a line option given, for the message without --layout uci */
	struct flo_lines_config lines;
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

/* A number in [min, max], strictly parsed. */
static double opt_range(const char *opt, const char *arg, double min, double max)
{
	double v = flo_opt_double(opt, arg);
	if (!(v >= min && v <= max))
		flo_usage_error("option %s: expected a number from %g to %g: \"%s\"", opt, min,
				max, arg);
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

/* The model's own defaults, and no parameter of another model.  alpha
 * and beta are rates per unit of time, but the BG/BB's: the CDNOW defaults
 * are per week. */
static void model_defaults(struct options *o)
{
	struct flo_sim_params *p = &o->cfg.par;
	int pnbd = o->model != NULL && strcmp(o->model, "pnbd") == 0;
	int mbgnbd = o->model != NULL && strcmp(o->model, "mbgnbd") == 0;
	int bgbb = o->model != NULL && strcmp(o->model, "bgbb") == 0;
	if (o->model != NULL && !pnbd && !mbgnbd && !bgbb && strcmp(o->model, "bgnbd") != 0)
		flo_usage_error("option --model: \"%s\" is not bgnbd, pnbd, mbgnbd or bgbb",
				o->model);
	if (bgbb && (o->have_r || o->have_a || o->have_b || o->have_s))
		flo_usage_error("--r, --a, --b and --s are not the BG/BB's: it has --alpha, --beta, "
				"--gamma and --delta");
	if (!bgbb && (o->have_gamma || o->have_delta))
		flo_usage_error("--gamma and --delta are the BG/BB's: give --model bgbb");
	if (pnbd && (o->have_a || o->have_b))
		flo_usage_error("--a and --b are the BG/NBD's: the Pareto/NBD has --s and --beta");
	if (!pnbd && !bgbb && (o->have_s || o->have_beta))
		flo_usage_error("--s and --beta are the Pareto/NBD's: give --model pnbd");
	p->pnbd = pnbd;
	p->mbgnbd = mbgnbd;
	p->bgbb = bgbb;
	if (bgbb) {
		const struct flo_sim_params *d = &flo_sim_donations_bgbb;
		/* the period is the unit: flo-rfm's occasion of the same name */
		o->cfg.period = strcmp(o->unit, "day") == 0    ? FLO_SIM_DAY
				: strcmp(o->unit, "week") == 0 ? FLO_SIM_WEEK
							       : FLO_SIM_MONTH;
		if (!o->have_alpha)
			p->alpha = d->alpha;
		if (!o->have_beta)
			p->beta = d->beta;
		if (!o->have_gamma)
			p->gamma = d->gamma;
		if (!o->have_delta)
			p->delta = d->delta;
		return;
	}
	const struct flo_sim_params *d = pnbd ? &flo_sim_cdnow_pnbd
				       : mbgnbd ? &flo_sim_cdnow_mbgnbd : &flo_sim_cdnow;
	if (mbgnbd && !o->have_a)
		p->a = d->a;
	if (mbgnbd && !o->have_b)
		p->b = d->b;
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
	       OPT_UNIT, OPT_START, OPT_COHORT, OPT_END, OPT_TIME, OPT_TRUTH, OPT_LAYOUT,
	       OPT_LINES_MEAN, OPT_CANCEL_RATE, OPT_GUEST_RATE, OPT_MODEL, OPT_S, OPT_BETA,
	       OPT_GAMMA, OPT_DELTA };
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
		{"gamma", required_argument, NULL, OPT_GAMMA},
		{"delta", required_argument, NULL, OPT_DELTA},
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
		{"layout", required_argument, NULL, OPT_LAYOUT},
		{"lines-mean", required_argument, NULL, OPT_LINES_MEAN},
		{"cancel-rate", required_argument, NULL, OPT_CANCEL_RATE},
		{"guest-rate", required_argument, NULL, OPT_GUEST_RATE},
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
	o->lines = (struct flo_lines_config){.lines_mean = 4, .cancel_rate = 0.05,
					     .guest_rate = 0.1};
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
		case OPT_GAMMA:
			c->par.gamma = flo_opt_positive("--gamma", optarg);
			o->have_gamma = 1;
			break;
		case OPT_DELTA:
			c->par.delta = flo_opt_positive("--delta", optarg);
			o->have_delta = 1;
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
		case OPT_LAYOUT:
			if (strcmp(optarg, "uci") == 0)
				o->uci = 1;
			else if (strcmp(optarg, "orders") == 0)
				o->uci = 0;
			else
				flo_usage_error("option --layout: expected orders or uci: \"%s\"",
						optarg);
			break;
		case OPT_LINES_MEAN:
			o->lines.lines_mean = opt_range("--lines-mean", optarg, 1, FLO_LINES_MAX);
			o->line_option = "--lines-mean";
			break;
		case OPT_CANCEL_RATE:
			o->lines.cancel_rate = opt_range("--cancel-rate", optarg, 0, 1);
			o->line_option = "--cancel-rate";
			break;
		case OPT_GUEST_RATE:
			o->lines.guest_rate = opt_range("--guest-rate", optarg, 0, 1);
			o->line_option = "--guest-rate";
			break;
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
	if (o->line_option != NULL && !o->uci)
		flo_usage_error("%s describes the lines of invoices: it needs --layout uci",
				o->line_option);
	if (o->uci && o->with_time)
		flo_usage_error("--time: the uci layout writes its own date-times, M/D/YYYY H:MM");
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
	int uci;          /* ids as the uci layout's CustomerID */
	double mean_amount_shape; /* the Gamma-Gamma p */
	flo_lines *lines;         /* --layout uci */
	int pnbd;                 /* the truth has mu, not p */
	int bgbb;                 /* the truth has p and theta, not lambda and p */
	uint64_t id;      /* the customer whose id is in id_text */
	char id_text[32];
	size_t id_len;
};

static const char *customer_id(struct output *out, uint64_t customer, size_t *len)
{
	if (customer != out->id) {
		out->id = customer;
		out->id_len = out->uci
			? (size_t)snprintf(out->id_text, sizeof out->id_text, "%" PRIu64,
					   UCI_FIRST_ID + customer)
			: (size_t)snprintf(out->id_text, sizeof out->id_text, "c%0*" PRIu64,
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

/* An order's value in whole cents. */
static int64_t order_cents(double amount)
{
	int64_t cents = llround(amount * 100.0);
	if (cents < 1)
		cents = 1; /* an order has a value; 0.00 would be left out of spend fits */
	return cents;
}

/* Cents with two decimals, by hand: there is one per order, and snprintf's
 * floating-point formatting is slow for a hot path. */
static size_t format_cents(char *buf, int64_t cents)
{
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

static void end_output_record(struct output *out)
{
	int err = flo_writer_end(out->w);
	if (err == FLO_EIO)
		flo_finish_output(out->w); /* reports (or ends quietly on a closed pipe) and exits */
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_writer_errmsg(out->w));
}

/* A number, not text, so that JSON Lines carry it as a JSON number. */
static void write_number(flo_writer *w, const char *name, const char *text, size_t len)
{
	struct flo_field f = {name, strlen(name), text, len, FLO_KIND_NUM};
	flo_writer_field(w, &f);
}

/* UCI's M/D/YYYY H:MM, unpadded but the minutes; buf holds at least 32 bytes. */
static size_t format_uci_time(char *buf, int64_t t)
{
	int64_t day = t / SECONDS_PER_DAY, sec = t % SECONDS_PER_DAY;
	if (sec < 0)
		day--, sec += SECONDS_PER_DAY;
	int year;
	unsigned month, mday;
	flo_civil_from_day((int32_t)day, &year, &month, &mday);
	return (size_t)snprintf(buf, 32, "%u/%u/%d %d:%02d", month, mday, year,
				(int)(sec / 3600), (int)(sec / 60 % 60));
}

/* One line of an invoice (lineitems.h), in UCI Online Retail's columns. */
static void write_line(void *ctx, const struct flo_line *li)
{
	struct output *out = ctx;
	char invoice[32], code[64], desc[64], qty[32], when[32], price[32];
	size_t invoice_len = (size_t)snprintf(invoice, sizeof invoice, "%s%" PRIu64,
					      li->cancel ? "C" : "", li->invoice);
	size_t id_len;
	const char *id = customer_id(out, li->customer, &id_len);
	if (li->guest)
		id_len = 0;
	flo_writer_str(out->w, "InvoiceNo", invoice, invoice_len);
	flo_writer_str(out->w, "StockCode", code, flo_lines_stock_code(code, li->product));
	flo_writer_str(out->w, "Description", desc, flo_lines_description(desc, li->product));
	write_number(out->w, "Quantity", qty,
		     (size_t)snprintf(qty, sizeof qty, "%" PRId64, li->quantity));
	flo_writer_str(out->w, "InvoiceDate", when, format_uci_time(when, li->time));
	write_number(out->w, "UnitPrice", price, format_cents(price, li->price));
	flo_writer_str(out->w, "CustomerID", id, id_len);
	const char *country = flo_lines_country_name(li->country);
	flo_writer_str(out->w, "Country", country, strlen(country));
	end_output_record(out);
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
	if (out->lines != NULL) {
		flo_lines_order(out->lines, customer, t, order_cents(amount), write_line, out);
		return;
	}
	flo_writer_str(out->w, "customer_id", id, id_len);
	flo_writer_str(out->w, "date", when, format_time(when, t, out->with_time));
	write_number(out->w, "amount", value, format_cents(value, order_cents(amount)));
	end_output_record(out);
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
	if (out->bgbb) {
		flo_writer_num(w, "p", t->p);
		flo_writer_num(w, "theta", t->theta);
	} else {
		flo_writer_num(w, "lambda", t->lambda);
		if (out->pnbd)
			flo_writer_num(w, "mu", t->mu);
		else
			flo_writer_num(w, "p", t->p);
	}
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
			     .mean_amount_shape = o.cfg.par.p, .uci = o.uci, .pnbd = o.cfg.par.pnbd,
			     .bgbb = o.cfg.par.bgbb};
	/* Seven digits at least, as c0000001; more when there are more customers. */
	out.id_width = digits(o.cfg.customers) > 7 ? digits(o.cfg.customers) : 7;
	if (flo_writer_new(&out.w, STDOUT_FILENO, o.fmt) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	if (o.uci) {
		o.lines.seed = o.cfg.seed;
		o.lines.end = ((int64_t)o.cfg.end_day + 1) * SECONDS_PER_DAY;
		int err = flo_lines_new(&out.lines, &o.lines);
		if (err != FLO_OK)
			flo_die(flo_exit_status(err), "%s", flo_strerror(err));
	}
	int truth_fd = -1;
	if (o.truth_path != NULL)
		out.truth = open_truth(o.truth_path, o.fmt, &truth_fd);

	int err = flo_simulate(&o.cfg, write_order, out.truth ? write_truth : NULL, &out);
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "%s", flo_strerror(err));
	if (out.truth != NULL)
		close_truth(out.truth, truth_fd, o.truth_path);
	flo_lines_free(out.lines);
	flo_finish_output(out.w);
	return 0;
}
