/* lineitems.h: simulated orders written as the invoices of a line-item log,
 * shaped as the UCI Online Retail log (Chen, Sain & Guo 2012, "Data mining for
 * the online retail industry", J. Database Marketing & Customer Strategy
 * Management 19(3); UCI Machine Learning Repository, "Online Retail"): each
 * order one invoice of several lines, some invoices a guest's (no customer
 * id), some followed by a cancellation of part of their lines.
 *
 * What is drawn, per order, in this order (flo_lines_order()):
 *   - at a customer's first order, the customer's country;
 *   - guest: a coin of weight guest_rate; a guest's invoice (and its
 *     cancellation) carries no customer id, as a checkout without logging in;
 *   - the number of lines L ~ Geometric(1 / lines_mean) on 1, 2, ... (mean
 *     lines_mean), at most FLO_LINES_MAX and at most the order's cents;
 *   - the cents of each line: one cent each, and the other cents - L split in
 *     proportion to L Exponential(1) weights (a flat Dirichlet), by the floors
 *     of the running sums, so the shares add up to the order's cents exactly;
 *   - then per line: a product of the catalogue, drawn uniformly among those
 *     not yet on the invoice (so no two lines of an invoice are the same
 *     text), and for every line but the last a quantity, from UCI's common
 *     pack sizes (1, 2, 3, 4, 6, 12, 24, at most the line's cents); the unit
 *     price is the line's cents divided by the quantity, rounded down, and
 *     what that rounding leaves (less than the quantity, in cents) goes to
 *     the last line, of quantity 1.  So the invoice's quantity x price sums to the
 *     order's amount in cents exactly, not just as closely as cents allow;
 *   - cancellation: a coin of weight cancel_rate; a cancellation is its own
 *     invoice, the next number (written with a C before it), dated uniformly
 *     from the order's time to 7 days later (never after the observation
 *     end), with each of the order's lines in it with chance 1/2 (at least
 *     one line), quantity minus a uniform 1..the line's quantity, at the
 *     line's price.
 *
 * The draws come from a generator of their own (GSL's mt19937, seeded from
 * the simulation's seed mixed with a constant), not from the simulator's: so
 * the orders, their times and amounts are exactly those of the plain order
 * log of the same seed and parameters, whatever the line options.  Invoices
 * are numbered from 536365 (UCI's first) in the order they are written.
 * Memory is constant: one invoice's lines. */
#ifndef FLO_LINEITEMS_H
#define FLO_LINEITEMS_H

#include <stddef.h>
#include <stdint.h>

/* The most lines of one invoice, and the products of the catalogue. */
#define FLO_LINES_MAX 100
#define FLO_LINES_PRODUCTS 200
/* The number of the first invoice. */
#define FLO_LINES_FIRST_INVOICE 536365

struct flo_lines_config {
	uint32_t seed;        /* the simulation's --seed */
	double lines_mean;    /* mean lines per invoice, from 1 to FLO_LINES_MAX */
	double cancel_rate;   /* chance that an invoice is followed by a cancellation, [0, 1] */
	double guest_rate;    /* chance that an invoice is a guest's, [0, 1] */
	int64_t end;          /* the first second not observed (cancellations fall before it) */
};

/* One line of an invoice. */
struct flo_line {
	uint64_t customer;    /* the simulator's customer number, 1.. */
	uint64_t invoice;     /* the invoice number */
	int cancel;           /* 1: a cancellation (quantity < 0) */
	int guest;            /* 1: written without the customer id */
	int64_t time;         /* seconds since 1970-01-01T00:00:00Z */
	unsigned product;     /* 0 .. FLO_LINES_PRODUCTS-1 */
	unsigned country;     /* the customer's, 0 .. flo_lines_countries()-1 */
	int64_t quantity;     /* >= 1, or <= -1 in a cancellation */
	int64_t price;        /* the unit price in cents, >= 1 */
};

/* Called per line, in the order the lines are written; the line is valid for
 * the call only. */
typedef void flo_line_fn(void *ctx, const struct flo_line *line);

typedef struct flo_lines flo_lines;

/* FLO_OK; FLO_EUSAGE when a rate is not in [0, 1] or lines_mean not in
 * [1, FLO_LINES_MAX]; FLO_ENOMEM. */
int flo_lines_new(flo_lines **l, const struct flo_lines_config *cfg);
/* Accepts NULL. */
void flo_lines_free(flo_lines *l);

/* One order of `customer` at `time` worth `cents` (>= 1) as an invoice, and
 * maybe its cancellation: each line to emit.  A customer's orders come
 * consecutively (as the simulator makes them). */
void flo_lines_order(flo_lines *l, uint64_t customer, int64_t time, int64_t cents,
		     flo_line_fn *emit, void *ctx);

/* Product k's stock code (5 digits) and description (upper case, as UCI's),
 * written into buf (at least 64 bytes); the length. */
size_t flo_lines_stock_code(char *buf, unsigned product);
size_t flo_lines_description(char *buf, unsigned product);
/* The countries' names, and how many there are. */
const char *flo_lines_country_name(unsigned country);
unsigned flo_lines_countries(void);

#endif
