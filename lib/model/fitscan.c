/* fitscan.c: summaries' plain lines into the fits' data on threads
 * (fitscan.h). */
#include "model/fitscan.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/num.h"
#include "base/pages.h"
#include "base/unit.h"
#include "record/linescan.h"
#include "record/plain.h"

/* A chunk's customers. */
struct chunk {
	struct flo_fit_row *row;
	size_t n, cap;
	size_t bytes; /* the chunk's */
};

struct scan {
	const struct flo_fitscan_layout *lay;
	unsigned workers;
	struct flo_fit_data part[FLO_LINESCAN_MAX_WORKERS];
	size_t bytes_left; /* of a regular file after the reader's position; 0 */
};

/* The bytes of r's input after what its reader has read, when it is a
 * regular file; else 0. */
static size_t bytes_left(flo_reader *r)
{
	struct stat st;
	int fd = flo_reader_fd(r);
	off_t at = lseek(fd, 0, SEEK_CUR);
	if (at < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < at)
		return 0;
	return (size_t)(st.st_size - at);
}

/* The rows a part is sized for up front, at most (8 MB of slots): beyond,
 * its table grows as the rows come. */
#define RESERVE_MAX ((size_t)1 << 20)

static int number(const char *p, const char *const *ends, size_t i, double *v)
{
	size_t len;
	const char *f = flo_plain_field(p, ends, i, &len);
	return len > 0 && flo_parse_double(f, len, v) == FLO_OK;
}

/* Whether the line at p is one the general path takes without a word;
 * its values into row. */
static int take_line(const struct flo_fitscan_layout *lay, const char *p,
		     const char *const *ends, struct flo_fit_row *row)
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
	*row = flo_fit_row_make(x, tx, T, m);
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
	c->bytes = (size_t)(e - p);
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
			flo_pages_populate(grown, cap * sizeof *c->row); /* pages.h */
		}
		if (nl == NULL || !take_line(lay, p, ends, &c->row[c->n]))
			return 0;
		c->n++;
		++*lines;
		p = nl + 1;
	}
	return 1;
}

/* Worker k takes, from every chunk, the rows of its part (fitdata.h): its
 * table holds no row of another's, so that the tables are joined at the end
 * by appending them, and each is a fraction of the whole. */
static int take(void *ctx, unsigned k, long seq, void *state)
{
	struct scan *s = ctx;
	const struct chunk *c = state;
	if (seq == 0 && c->n > 0 && s->bytes_left > 0) {
		/* At most as many rows as lines, and a part's share of them: a
		 * table that starts at that size is not grown, copied and
		 * placed again at every doubling (most of the pages the scan
		 * touched). */
		double lines = (double)s->bytes_left * (double)c->n / (double)c->bytes;
		double rows = 1.05 * lines / s->workers + 4096;
		if (flo_fit_data_reserve(&s->part[k], rows < RESERVE_MAX ? (size_t)rows
									 : RESERVE_MAX) != FLO_OK)
			return FLO_ENOMEM;
	}
	return flo_fit_data_add_part(&s->part[k], c->row, c->n, k, s->workers);
}

static void free_chunk(void *state)
{
	struct chunk *c = state;
	if (c != NULL)
		free(c->row);
	free(c);
}

_Static_assert(FLO_FIT_PARTS_MAX >= FLO_LINESCAN_MAX_WORKERS, "every part merged");

static void *seal_part(void *part)
{
	flo_fit_data_seal(part);
	return NULL;
}

/* The parts sealed (fitdata.h) on a thread each, the first on the calling
 * one; a part whose thread cannot start is sealed there too.  Sorting them
 * in parallel is what lets the fits find their rows in order. */
static void seal_parts(struct flo_fit_data *part, unsigned n)
{
	pthread_t thread[FLO_LINESCAN_MAX_WORKERS];
	int started[FLO_LINESCAN_MAX_WORKERS] = {0};
	for (unsigned k = 1; k < n; k++)
		started[k] = pthread_create(&thread[k], NULL, seal_part, &part[k]) == 0;
	for (unsigned k = 0; k < n; k++)
		if (!started[k])
			flo_fit_data_seal(&part[k]);
	for (unsigned k = 1; k < n; k++)
		if (started[k])
			pthread_join(thread[k], NULL);
}

int flo_fitscan(flo_reader *r, unsigned workers, const struct flo_fitscan_layout *lay,
		struct flo_fit_data *d, int *done)
{
	static const struct flo_linescan_ops ops = {parse, take, free_chunk};
	struct scan s = {.lay = lay, .workers = workers, .bytes_left = bytes_left(r)};
	*done = 0;
	if (workers < 1 || workers > FLO_LINESCAN_MAX_WORKERS)
		return FLO_EVALUE;
	/* the rows so far go to their parts, where later rows merge into them */
	int err = flo_fit_data_split(d, s.part, workers);
	if (err != FLO_OK)
		return err;
	err = flo_linescan(r, flo_reader_fd(r), workers, lay->nfields, &ops, &s, done);
	if (err == FLO_OK && *done)
		seal_parts(s.part, workers);
	int joined = flo_fit_data_join(d, s.part, workers);
	return err != FLO_OK ? err : joined;
}
