/* test_lineitems.c: an order's invoice (lib/model/lineitems.c) sums to the
 * order's cents exactly, for every amount from a cent up, with distinct
 * products; a cancellation takes back part of the invoice's lines, within
 * the window; bad settings are refused. */
#include <stdint.h>

#include "check.h"
#include "base/err.h"
#include "model/lineitems.h"

#define DAY 86400

struct seen {
	int64_t sum;            /* of the invoice: quantity x price, in cents */
	int lines, cancels, bad;
	uint64_t invoice, cancel_invoice;
	unsigned product[FLO_LINES_MAX];
	int64_t quantity[FLO_LINES_MAX], price[FLO_LINES_MAX];
	int64_t time, end;
};

static void take(void *ctx, const struct flo_line *li)
{
	struct seen *s = ctx;
	if (!li->cancel) {
		if (s->lines == 0)
			s->invoice = li->invoice;
		for (int i = 0; i < s->lines; i++)
			s->bad += s->product[i] == li->product; /* a product twice */
		s->bad += li->quantity < 1 || li->price < 1 || li->invoice != s->invoice ||
			  li->time != s->time;
		s->product[s->lines] = li->product;
		s->quantity[s->lines] = li->quantity;
		s->price[s->lines] = li->price;
		s->lines++;
		s->sum += li->quantity * li->price;
		return;
	}
	/* a line of the invoice, minus 1 to its quantity, later but in the window */
	int i = 0;
	while (i < s->lines && s->product[i] != li->product)
		i++;
	s->bad += i == s->lines || li->price != s->price[i] || li->quantity > -1 ||
		  -li->quantity > s->quantity[i] || li->invoice != s->invoice + 1 ||
		  li->time < s->time || li->time > s->time + 7 * DAY || li->time >= s->end;
	s->cancels++;
}

int main(void)
{
	struct flo_lines_config cfg = {.seed = 1, .lines_mean = 8, .cancel_rate = 0.5,
				       .guest_rate = 0.5, .end = 1000 * DAY};
	flo_lines *l;
	CHECK_INT(flo_lines_new(&l, &cfg), FLO_OK);
	/* every amount from 1 cent to 5,000, some lines at the very end */
	int bad = 0, sums = 0, cancelled = 0, multi = 0;
	for (int64_t cents = 1; cents <= 5000; cents++) {
		struct seen s = {.time = cents % 3 ? 10 * DAY : 1000 * DAY - 1, .end = cfg.end};
		flo_lines_order(l, (uint64_t)cents, s.time, cents, take, &s);
		bad += s.bad;
		sums += s.sum != cents;
		cancelled += s.cancels > 0;
		multi += s.lines > 1;
		if (cents < 8)
			CHECK(s.lines <= cents); /* a cent a line at least */
	}
	CHECK_INT(bad, 0);
	CHECK_INT(sums, 0);
	CHECK(cancelled > 2000 && cancelled < 3000);
	CHECK(multi > 4000);
	flo_lines_free(l);
	flo_lines_free(NULL);

	/* one line, no cancellation, no guest: quantity 1 at the order's value */
	cfg.lines_mean = 1;
	cfg.cancel_rate = 0;
	cfg.guest_rate = 0;
	CHECK_INT(flo_lines_new(&l, &cfg), FLO_OK);
	struct seen s = {.time = DAY, .end = cfg.end};
	flo_lines_order(l, 7, s.time, 123456, take, &s);
	CHECK_INT(s.lines, 1);
	CHECK_INT(s.quantity[0], 1);
	CHECK_INT(s.price[0], 123456);
	CHECK_INT(s.invoice, FLO_LINES_FIRST_INVOICE);
	CHECK_INT(s.cancels, 0);
	flo_lines_free(l);

	/* the catalogue's texts */
	char buf[64];
	CHECK_INT(flo_lines_stock_code(buf, 0), 5);
	CHECK_STR(buf, "21000");
	CHECK_INT(flo_lines_stock_code(buf, FLO_LINES_PRODUCTS - 1), 5);
	CHECK_STR(buf, "21247");
	flo_lines_description(buf, 9);
	CHECK_STR(buf, "RED METAL LANTERN");
	CHECK_STR(flo_lines_country_name(0), "United Kingdom");

	/* settings out of range */
	struct flo_lines_config bad_cfg[] = {
		{.lines_mean = 0.5}, {.lines_mean = 101}, {.lines_mean = 2, .cancel_rate = 1.5},
		{.lines_mean = 2, .guest_rate = -0.1}, {.lines_mean = 2, .guest_rate = NAN},
	};
	for (size_t k = 0; k < sizeof bad_cfg / sizeof bad_cfg[0]; k++) {
		CHECK_INT(flo_lines_new(&l, &bad_cfg[k]), FLO_EUSAGE);
		CHECK(l == NULL);
	}
	return check_report();
}
