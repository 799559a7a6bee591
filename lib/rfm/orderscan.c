/* orderscan.c: an order log's plain lines read and folded in on a thread
 * per part of the customers (orderscan.h), on linescan.h's chunks: chunk i
 * is split by worker i % W into the orders of each part, and worker k
 * folds part k of every chunk, chunk after chunk. */
#include "rfm/orderscan.h"

#include <math.h>
#include <stdlib.h>

#include "base/date.h"
#include "base/err.h"
#include "base/idmap.h"
#include "base/num.h"
#include "record/linescan.h"
#include "record/plain.h"

#define MAX_WORKERS FLO_RFM_MAX_PARTS

/* A chunk's orders, by part. */
struct chunk {
	struct flo_rfm_order *o[MAX_WORKERS];
	size_t n[MAX_WORKERS], cap[MAX_WORKERS];
};

struct scan {
	flo_rfm *agg;
	const struct flo_orderscan_layout *lay;
	unsigned workers;
	long counts[MAX_WORKERS][4];
};

/* The order at line [p, nl) of a chunk, into its part's list; 0 when the
 * line is for the general path, -1 out of memory. */
static int take_line(const struct scan *s, struct chunk *c, const char *p,
		     const char *const *ends)
{
	const struct flo_orderscan_layout *lay = s->lay;
	size_t id_len, date_len, amount_len;
	const char *id = flo_plain_field(p, ends, lay->id, &id_len);
	const char *date = flo_plain_field(p, ends, lay->date, &date_len);
	const char *amount = flo_plain_field(p, ends, lay->amount, &amount_len);
	struct flo_rfm_order o = {id, id_len, 0, {0, 0}, 0};
	/* An empty id and a return (a negative amount) are the general path's. */
	if (id_len == 0 || (amount_len > 0 && amount[0] == '-') ||
	    flo_parse_time(date, date_len, &o.time) != FLO_OK ||
	    flo_parse_money(amount, amount_len, &o.value) != FLO_OK ||
	    !(fabs(o.value.rest) <= FLO_MONEY_EXACT_MAX))
		return 0; /* a large value too: a sum it overflows must name its line */
	if (lay->ascii_ids)
		for (size_t i = 0; i < id_len; i++)
			if ((unsigned char)id[i] >= 0x80)
				return 0;
	o.hash = flo_hash(id, id_len);
	unsigned k = flo_rfm_part(s->agg, o.hash);
	if (c->n[k] == c->cap[k]) {
		size_t cap = c->cap[k] ? 2 * c->cap[k] : 4096;
		struct flo_rfm_order *grown = realloc(c->o[k], cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		c->o[k] = grown;
		c->cap[k] = cap;
	}
	c->o[k][c->n[k]++] = o;
	return 1;
}

/* Split the lines [p, e) of a chunk into its parts' orders. */
static int parse(void *ctx, void **state, const char *p, const char *e, const char **ends,
		 long *lines)
{
	const struct scan *s = ctx;
	const struct flo_orderscan_layout *lay = s->lay;
	const int csv = lay->fmt == FLO_FMT_CSV;
	struct chunk *c = *state;
	if (c == NULL && (c = *state = calloc(1, sizeof *c)) == NULL)
		return -1;
	for (unsigned k = 0; k < s->workers; k++)
		c->n[k] = 0;
	while (p < e) {
		const char *nl = flo_plain_line(p, e, csv ? ',' : '\t', csv ? '"' : '\\',
						lay->nfields, ends);
		int took = nl != NULL ? take_line(s, c, p, ends) : 0;
		if (took <= 0)
			return took;
		++*lines;
		p = nl + 1;
	}
	return 1;
}

/* Worker k folds part k of a chunk in. */
static int fold(void *ctx, unsigned k, long seq, void *state)
{
	struct scan *s = ctx;
	struct chunk *c = state;
	(void)seq;
	return flo_rfm_add_part(s->agg, k, c->o[k], c->n[k], s->counts[k]);
}

static void free_chunk(void *state)
{
	struct chunk *c = state;
	if (c == NULL)
		return;
	for (unsigned k = 0; k < MAX_WORKERS; k++)
		free(c->o[k]);
	free(c);
}

int flo_orderscan(flo_reader *r, int fd, flo_rfm *agg, const struct flo_orderscan_layout *lay,
		  long counts[4], int *done)
{
	static const struct flo_linescan_ops ops = {parse, fold, free_chunk};
	struct scan s = {.agg = agg, .lay = lay, .workers = flo_rfm_parts(agg)};
	int err = flo_linescan(r, fd, s.workers, lay->nfields, &ops, &s, done);
	for (unsigned k = 0; k < s.workers; k++)
		for (int f = 0; f < 4; f++)
			counts[f] += s.counts[k][f];
	return err;
}
