/* fitscan.c: summaries' plain lines into the fits' data on threads
 * (fitscan.h). */
#include "model/fitscan.h"

#include <math.h>
#include <stdlib.h>

#include "base/date.h"
#include "base/err.h"
#include "base/num.h"
#include "base/unit.h"
#include "record/linescan.h"
#include "record/plain.h"

/* A chunk's customers: x, t_x, T, m. */
struct chunk {
	double (*row)[4];
	size_t n, cap;
};

struct scan {
	const struct flo_fitscan_layout *lay;
	unsigned workers;
	struct flo_fit_data part[FLO_LINESCAN_MAX_WORKERS];
};

static int number(const char *p, const char *const *ends, size_t i, double *v)
{
	size_t len;
	const char *f = flo_plain_field(p, ends, i, &len);
	return len > 0 && flo_parse_double(f, len, v) == FLO_OK;
}

/* Whether the line at p is one the general path takes without a word;
 * its values into row. */
static int take_line(const struct flo_fitscan_layout *lay, const char *p,
		     const char *const *ends, double row[4])
{
	double x, tx, T, m = 0;
	if (!number(p, ends, lay->x, &x) || !number(p, ends, lay->tx, &tx) ||
	    !number(p, ends, lay->T, &T))
		return 0;
	if (lay->m != FLO_FITSCAN_NONE) {
		size_t len;
		const char *f = flo_plain_field(p, ends, lay->m, &len);
		if (!(x == 0 && flo_no_number(f, len)) && !number(p, ends, lay->m, &m))
			return 0;
	}
	if (x < 0 || x != floor(x) || tx < 0 || T < tx || (x == 0 && tx != 0))
		return 0;
	if (lay->unit_days > 0 && tx > 0) {
		size_t flen, llen;
		const char *f = flo_plain_field(p, ends, lay->first, &flen);
		const char *l = flo_plain_field(p, ends, lay->last, &llen);
		int32_t first, last;
		/* undated records are not checked, on either path */
		if (flo_parse_day(f, flen, &first) == FLO_OK &&
		    flo_parse_day(l, llen, &last) == FLO_OK &&
		    !flo_unit_days_match((last - first) / tx, lay->unit_days))
			return 0;
	}
	row[0] = x, row[1] = tx, row[2] = T, row[3] = m;
	return 1;
}

static int parse(void *ctx, void **state, const char *p, const char *e, const char **ends,
		 long *lines)
{
	const struct scan *s = ctx;
	const struct flo_fitscan_layout *lay = s->lay;
	const int csv = lay->fmt == FLO_FMT_CSV;
	struct chunk *c = *state;
	if (c == NULL && (c = *state = calloc(1, sizeof *c)) == NULL)
		return -1;
	c->n = 0;
	while (p < e) {
		const char *nl = flo_plain_line(p, e, csv ? ',' : '\t', csv ? '"' : '\\',
						lay->nfields, ends);
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 4096;
			void *grown = realloc(c->row, cap * sizeof *c->row);
			if (grown == NULL)
				return -1;
			c->row = grown;
			c->cap = cap;
		}
		if (nl == NULL || !take_line(lay, p, ends, c->row[c->n]))
			return 0;
		c->n++;
		++*lines;
		p = nl + 1;
	}
	return 1;
}

/* Worker k takes the chunks it parsed (every workers-th). */
static int take(void *ctx, unsigned k, long seq, void *state)
{
	struct scan *s = ctx;
	const struct chunk *c = state;
	if ((unsigned long)seq % s->workers != k)
		return FLO_OK;
	for (size_t i = 0; i < c->n; i++) {
		const double *v = c->row[i];
		if (flo_fit_data_add(&s->part[k], v[0], v[1], v[2], v[3], 1) != FLO_OK)
			return FLO_ENOMEM;
	}
	return FLO_OK;
}

static void free_chunk(void *state)
{
	struct chunk *c = state;
	if (c != NULL)
		free(c->row);
	free(c);
}

int flo_fitscan(flo_reader *r, unsigned workers, const struct flo_fitscan_layout *lay,
		struct flo_fit_data *d, int *done)
{
	static const struct flo_linescan_ops ops = {parse, take, free_chunk};
	struct scan s = {.lay = lay, .workers = workers};
	int err = flo_linescan(r, flo_reader_fd(r), workers, lay->nfields, &ops, &s, done);
	for (unsigned k = 0; k < workers && k < FLO_LINESCAN_MAX_WORKERS; k++) {
		if (err == FLO_OK)
			err = flo_fit_data_merge(d, &s.part[k]);
		flo_fit_data_free(&s.part[k]);
	}
	return err;
}
