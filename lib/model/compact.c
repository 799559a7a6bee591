/* compact.c: merging equal observations (fit.h's flo_triples_compact() and
 * flo_spend_compact()). */
#include "model/compact.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/pages.h"
#include "base/radix.h"

static int by_triple(const void *a, const void *b)
{
	const struct flo_triple *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	if (x->tx != y->tx)
		return x->tx < y->tx ? -1 : 1;
	return (x->T > y->T) - (x->T < y->T);
}

static int by_spend(const void *a, const void *b)
{
	const struct flo_spend *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	return (x->m > y->m) - (x->m < y->m);
}

/* Rows of `width` doubles, the last a weight, sorted by their other doubles
 * and packed: each column's values ranked, the ranks packed into one
 * integer, the first column in the highest bits, and those integers sorted
 * with the weights alongside (a few radix passes: the ranks of real data
 * take 20 to 30 bits).  A row is read back from its ranks, so that nothing
 * is read in a random order, which would cost a cache miss per row. */
struct packed {
	size_t width;
	struct flo_kv *kv; /* the packed ranks, the weight's bits */
	double *values[3]; /* per column, its distinct values */
	unsigned shift[3], bits[3];
};

static void packed_free(struct packed *pk)
{
	free(pk->kv);
	for (int c = 0; c < 3; c++)
		free(pk->values[c]);
}

/* 0 when packing cannot be used (NaN or -0, more rows than 32-bit ranks,
 * ranks wider than 64 bits, no memory): then qsort does the job. */
static int pack_rows(const double *rows, size_t n, size_t width, struct packed *pk)
{
	memset(pk, 0, sizeof *pk);
	pk->width = width;
	if (n > UINT32_MAX || width > 4)
		return 0;
	/* A row is read back with its column's first value among equal ones:
	 * -0 would come back as +0 or the other way round. */
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c + 1 < width; c++) {
			double v = rows[i * width + c];
			if (isnan(v) || (v == 0 && signbit(v)))
				return 0;
		}
	uint32_t *rank = malloc(n * sizeof *rank);
	pk->kv = malloc(n * sizeof *pk->kv);
	int ok = rank != NULL && pk->kv != NULL;
	if (ok)
		flo_pages_populate(pk->kv, n * sizeof *pk->kv);
	for (size_t i = 0; ok && i < n; i++) {
		pk->kv[i].key = 0;
		memcpy(&pk->kv[i].val, &rows[i * width + width - 1], sizeof pk->kv[i].val);
	}
	unsigned shift = 0;
	for (size_t c = width - 1; ok && c-- > 0;) {
		size_t count;
		ok = flo_radix_ranks(rows + c, width, n, &pk->values[c], &count, rank) == FLO_OK;
		unsigned bits = 0;
		while (ok && bits < 64 && (count - 1) >> bits)
			bits++;
		ok = ok && shift + bits <= 64;
		for (size_t i = 0; ok && bits > 0 && i < n; i++)
			pk->kv[i].key |= (uint64_t)rank[i] << shift;
		pk->shift[c] = shift;
		pk->bits[c] = bits;
		shift += bits;
	}
	free(rank);
	return ok && flo_radix_sort(pk->kv, n) == FLO_OK;
}

static void unpack_row(const struct packed *pk, size_t i, double *row)
{
	size_t last = pk->width - 1;
	for (size_t c = 0; c < last; c++) {
		uint64_t mask = pk->bits[c] < 64 ? (UINT64_C(1) << pk->bits[c]) - 1 : ~UINT64_C(0);
		row[c] = pk->values[c][(pk->kv[i].key >> pk->shift[c]) & mask];
	}
	memcpy(&row[last], &pk->kv[i].val, sizeof row[last]);
}

/* The order of two rows by their first `keys` doubles. */
static inline int row_cmp(const double *a, const double *b, size_t keys)
{
	for (size_t c = 0; c < keys; c++)
		if (a[c] != b[c])
			return a[c] < b[c] ? -1 : 1;
	return 0;
}

/* Append row r to the m rows of out, or add its weight (the last double) to
 * the last row when their other doubles are equal. */
static void merge_row(double *out, size_t *m, const double *r, size_t width)
{
	if (*m > 0 && row_cmp(out + (*m - 1) * width, r, width - 1) == 0)
		out[*m * width - 1] += r[width - 1];
	else
		memcpy(out + (*m)++ * width, r, width * sizeof *r);
}

static size_t compact_qsort(double *rows, size_t n, size_t width,
			    int (*cmp)(const void *, const void *))
{
	size_t m = 1;
	qsort(rows, n, width * sizeof *rows, cmp); /* glibc's: a merge sort, stable */
	for (size_t i = 1; i < n; i++)
		merge_row(rows, &m, rows + i * width, width);
	return m;
}

/* Sort rows of `width` doubles, the last a weight, and merge rows whose other
 * doubles are equal, adding their weights in the rows' order; the new number
 * of rows.  Rows that an earlier call left at the front, sorted and merged,
 * are not sorted again: the rows after them are, and the two merged.  cmp
 * orders rows as row_cmp() does, for qsort. */
static size_t compact(double *rows, size_t n, size_t width,
		      int (*cmp)(const void *, const void *))
{
	size_t k = 1, keys = width - 1;
	while (k < n && row_cmp(rows + (k - 1) * width, rows + k * width, keys) < 0)
		k++;
	if (k == n)
		return n;
	/* The tail, packed, is read back from its ranks, and the front from a
	 * copy: the merge writes over rows from the start (never past the
	 * rows read so far), without a second array of all the rows to fill
	 * and copy back (a fresh process pays for its pages). */
	struct packed pk;
	double *front = NULL;
	if (pack_rows(rows + k * width, n - k, width, &pk))
		front = malloc(k * width * sizeof *front);
	if (front == NULL) {
		packed_free(&pk);
		return compact_qsort(rows, n, width, cmp);
	}
	memcpy(front, rows, k * width * sizeof *front);
	/* The tail's rows in order merge into the front's; a tail row equal to
	 * the last row out adds its weight to it.  Equal rows of the tail have
	 * equal keys, which compare faster than rows. */
	size_t a = 0, b = 0, m = 0, nt = n - k;
	double t[4];
	int tail_last = 0; /* the last row out has the key of tail row b - 1 */
	if (nt > 0)
		unpack_row(&pk, 0, t);
	while (b < nt) {
		if (a < k && row_cmp(front + a * width, t, keys) <= 0) {
			/* On a tie the front row first: it stands for earlier rows. */
			memcpy(rows + m++ * width, front + a++ * width, width * sizeof *rows);
			tail_last = 0;
			continue;
		}
		if (m > 0 && (tail_last ? pk.kv[b].key == pk.kv[b - 1].key
					: row_cmp(rows + (m - 1) * width, t, keys) == 0))
			rows[m * width - 1] += t[width - 1];
		else
			memcpy(rows + m++ * width, t, width * sizeof *rows);
		tail_last = 1;
		if (++b < nt)
			unpack_row(&pk, b, t);
	}
	memcpy(rows + m * width, front + a * width, (k - a) * width * sizeof *rows);
	m += k - a;
	free(front);
	packed_free(&pk);
	return m;
}

size_t flo_triples_compact(struct flo_triple *d, size_t n)
{
	return n > 0 ? compact(&d->x, n, 4, by_triple) : 0; /* d may be NULL */
}

size_t flo_spend_compact(struct flo_spend *d, size_t n)
{
	return n > 0 ? compact(&d->x, n, 3, by_spend) : 0;
}

/* compact() reads the structs as rows of doubles, the weight last. */
_Static_assert(sizeof(struct flo_triple) == 4 * sizeof(double), "flo_triple is 4 doubles");
_Static_assert(sizeof(struct flo_spend) == 3 * sizeof(double), "flo_spend is 3 doubles");
