/* lineitems.c: an order as an invoice of lines, and maybe its cancellation
 * (the draws and their order are in lineitems.h). */
#include "model/lineitems.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "base/err.h"

/* Mixed into the seed so that the lines' stream is not the orders' stream
 * (the same seed would give the same uniforms to both). */
#define LINES_SEED_MIX 0x6c696e65u /* "line" */

/* A cancellation is dated up to this long after its order. */
#define CANCEL_WINDOW_SEC (7 * 86400)

struct flo_lines {
	struct flo_lines_config cfg;
	gsl_rng *rng;
	uint64_t next_invoice;
	uint64_t customer;      /* the customer of the last order, 0 before any */
	unsigned country;
	struct flo_line line[FLO_LINES_MAX];
};

/* UCI Online Retail's common pack sizes, the small ones more often. */
static const int64_t pack_sizes[] = {1, 1, 1, 2, 2, 3, 4, 6, 6, 12, 12, 24};

/* Eight colours times 25 things: the 200 products. */
static const char *const colours[] = {
	"WHITE", "RED", "PINK", "BLUE", "GREEN", "IVORY", "BLACK", "VINTAGE",
};
static const char *const things[] = {
	"HEART T-LIGHT HOLDER", "METAL LANTERN", "CUPID HEARTS COAT HANGER",
	"HOT WATER BOTTLE", "NESTING BOXES", "GLASS STAR T-LIGHT HOLDER", "HAND WARMER",
	"BUILDING BLOCK WORD", "RECIPE BOX", "DOORMAT", "ALARM CLOCK", "PAPER CHAIN KIT",
	"LUNCH BAG", "JUMBO BAG", "CAKE CASES", "TEA CUP AND SAUCER", "CAKESTAND 3 TIER",
	"PARTY BUNTING", "SPOTTY BAG", "CHARLOTTE BAG", "WATER BOTTLE", "PHOTO FRAME",
	"STORAGE TIN", "NAPKINS", "GIFT WRAP",
};
#define NCOLOURS (sizeof colours / sizeof colours[0])

/* Countries by their share of the customers (UCI's: mostly the UK). */
static const struct { const char *name; double share; } countries[] = {
	{"United Kingdom", 0.89}, {"Germany", 0.03}, {"France", 0.03}, {"EIRE", 0.02},
	{"Spain", 0.01}, {"Netherlands", 0.01}, {"Belgium", 0.01},
};
#define NCOUNTRIES (sizeof countries / sizeof countries[0])

static int rate_ok(double r)
{
	return r >= 0 && r <= 1; /* false for NaN */
}

int flo_lines_new(flo_lines **out, const struct flo_lines_config *cfg)
{
	*out = NULL;
	if (!rate_ok(cfg->cancel_rate) || !rate_ok(cfg->guest_rate) ||
	    !(cfg->lines_mean >= 1 && cfg->lines_mean <= FLO_LINES_MAX))
		return FLO_EUSAGE;
	flo_lines *l = calloc(1, sizeof *l);
	if (l == NULL)
		return FLO_ENOMEM;
	l->cfg = *cfg;
	l->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (l->rng == NULL) {
		free(l);
		return FLO_ENOMEM;
	}
	gsl_rng_set(l->rng, cfg->seed ^ LINES_SEED_MIX);
	l->next_invoice = FLO_LINES_FIRST_INVOICE;
	*out = l;
	return FLO_OK;
}

void flo_lines_free(flo_lines *l)
{
	if (l == NULL)
		return;
	gsl_rng_free(l->rng);
	free(l);
}

static unsigned draw_country(gsl_rng *rng)
{
	double u = gsl_rng_uniform(rng), sum = 0;
	for (unsigned k = 0; k + 1 < NCOUNTRIES; k++) {
		sum += countries[k].share;
		if (u < sum)
			return k;
	}
	return NCOUNTRIES - 1;
}

/* L ~ Geometric(1/mean) on 1, 2, ...: mean `mean`; a mean of 1 is one line. */
static unsigned draw_lines(gsl_rng *rng, double mean, int64_t cents)
{
	unsigned n = gsl_ran_geometric(rng, 1.0 / mean);
	if (n > FLO_LINES_MAX)
		n = FLO_LINES_MAX;
	if ((int64_t)n > cents)
		n = (unsigned)cents; /* every line is worth a cent at least */
	return n;
}

/* A product not yet on the invoice's first n lines. */
static unsigned draw_product(gsl_rng *rng, const struct flo_line *line, unsigned n)
{
	for (;;) {
		unsigned k = (unsigned)gsl_rng_uniform_int(rng, FLO_LINES_PRODUCTS);
		unsigned i = 0;
		while (i < n && line[i].product != k)
			i++;
		if (i == n)
			return k;
	}
}

/* The invoice's n lines worth `cents` together (lineitems.h says how). */
static void split(flo_lines *l, unsigned n, int64_t cents)
{
	double weight[FLO_LINES_MAX], total = 0;
	for (unsigned i = 0; i < n; i++)
		total += weight[i] = gsl_ran_exponential(l->rng, 1.0);
	/* One cent each, the rest by the floors of the running shares: each
	 * floor is at least the one before (correctly rounded operations are
	 * monotone) and the last is the whole rest, so the shares sum exactly. */
	int64_t rest = cents - (int64_t)n, before = 0, carry = 0;
	double running = 0;
	for (unsigned i = 0; i < n; i++) {
		struct flo_line *li = &l->line[i];
		li->product = draw_product(l->rng, l->line, i);
		running += weight[i];
		int64_t upto = i + 1 == n ? rest : (int64_t)floor((double)rest * (running / total));
		int64_t share = 1 + upto - before;
		before = upto;
		if (i + 1 == n) {
			li->quantity = 1;
			li->price = share + carry;
			break;
		}
		int64_t q = pack_sizes[gsl_rng_uniform_int(l->rng, sizeof pack_sizes /
								sizeof pack_sizes[0])];
		if (q > share)
			q = share;
		li->quantity = q;
		li->price = share / q;
		carry += share - q * li->price;
	}
}

/* A cancellation of some of the invoice's n lines, written after it. */
static void cancel(flo_lines *l, unsigned n, int64_t time, flo_line_fn *emit, void *ctx)
{
	int64_t room = l->cfg.end - 1 - time;
	if (room > CANCEL_WINDOW_SEC)
		room = CANCEL_WINDOW_SEC;
	if (room < 0)
		room = 0;
	int64_t when = time + (int64_t)(gsl_rng_uniform(l->rng) * (double)(room + 1));
	if (when > time + room)
		when = time + room;
	int in[FLO_LINES_MAX], any = 0;
	for (unsigned i = 0; i < n; i++)
		any |= in[i] = gsl_rng_uniform(l->rng) < 0.5;
	if (!any)
		in[gsl_rng_uniform_int(l->rng, n)] = 1;
	uint64_t invoice = l->next_invoice++;
	for (unsigned i = 0; i < n; i++) {
		if (!in[i])
			continue;
		struct flo_line c = l->line[i];
		c.invoice = invoice;
		c.cancel = 1;
		c.time = when;
		c.quantity = -(int64_t)(1 + gsl_rng_uniform_int(l->rng, (unsigned long)c.quantity));
		emit(ctx, &c);
	}
}

void flo_lines_order(flo_lines *l, uint64_t customer, int64_t time, int64_t cents,
		     flo_line_fn *emit, void *ctx)
{
	if (customer != l->customer) {
		l->customer = customer;
		l->country = draw_country(l->rng);
	}
	int guest = gsl_rng_uniform(l->rng) < l->cfg.guest_rate;
	unsigned n = draw_lines(l->rng, l->cfg.lines_mean, cents);
	split(l, n, cents);
	uint64_t invoice = l->next_invoice++;
	for (unsigned i = 0; i < n; i++) {
		struct flo_line *li = &l->line[i];
		li->customer = customer;
		li->invoice = invoice;
		li->cancel = 0;
		li->guest = guest;
		li->time = time;
		li->country = l->country;
		emit(ctx, li);
	}
	if (gsl_rng_uniform(l->rng) < l->cfg.cancel_rate)
		cancel(l, n, time, emit, ctx);
}

static size_t put(char *buf, const char *s)
{
	size_t n = strlen(s);
	memcpy(buf, s, n + 1);
	return n;
}

/* 21000 + 10 thing + colour: five digits, as most of UCI's codes. */
size_t flo_lines_stock_code(char *buf, unsigned product)
{
	unsigned code = 21000 + 10 * (product / NCOLOURS) + product % NCOLOURS;
	for (int i = 4; i >= 0; i--, code /= 10)
		buf[i] = (char)('0' + code % 10);
	buf[5] = '\0';
	return 5;
}

size_t flo_lines_description(char *buf, unsigned product)
{
	size_t n = put(buf, colours[product % NCOLOURS]);
	buf[n++] = ' ';
	return n + put(buf + n, things[product / NCOLOURS]);
}

const char *flo_lines_country_name(unsigned country)
{
	return countries[country].name;
}

unsigned flo_lines_countries(void)
{
	return NCOUNTRIES;
}
