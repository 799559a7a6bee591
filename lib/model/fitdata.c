/* fitdata.c: the fits' data, gathered and merged as it streams, and its
 * fingerprint. */
#include "model/fitdata.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/idmap.h"
#include "base/pages.h"

/* The fingerprint is the sum over records of a hash of (x, t_x, T) times
 * the record's weight, and of (x, m) times the weight for those in the
 * Gamma-Gamma, modulo the prime 2^61 - 1.  A sum does not depend on the
 * order, and a weight multiplies: the same customers give the same
 * fingerprint in any order, and a record of weight 2 counts as two of
 * weight 1, without sorting or merging anything.  Weights count in units of
 * 2^-20, exactly for whole numbers below 2^44.  (Modulo 2^64 the units'
 * factor 2^20 would have zeroed the low 20 bits.) */
#define FINGERPRINT_MOD ((UINT64_C(1) << 61) - 1)

/* v modulo 2^61 - 1, where 2^61 is 1: the sum of v's 61-bit pieces. */
static uint64_t mod61(unsigned __int128 v)
{
	uint64_t r = (uint64_t)(v & FINGERPRINT_MOD) + (uint64_t)(v >> 61 & FINGERPRINT_MOD) +
		     (uint64_t)(v >> 122);
	r = (r & FINGERPRINT_MOD) + (r >> 61);
	return r >= FINGERPRINT_MOD ? r - FINGERPRINT_MOD : r;
}

/* A weight in units of 2^-20, modulo 2^61 - 1. */
static uint64_t weight_units(double w)
{
	double units = w * 0x1p20; /* exact: a power of two */
	uint64_t u = units < 0x1p64 ? (uint64_t)units
		     : (uint64_t)fmod(isfinite(units) ? units : 0x1p64 - 0x1p11, 0x1p64);
	return mod61(u);
}

/* What a row of `keys` values of kind `tag` adds to the fingerprint for
 * `units` (weight_units() summed) of customers. */
static uint64_t fingerprint_of(const double *key, size_t keys, uint64_t tag, uint64_t units)
{
	uint64_t zh = mod61(flo_hash((const char *)key, keys * sizeof *key));
	uint64_t h = mod61((unsigned __int128)zh * tag);
	return mod61((unsigned __int128)h * units);
}

/* A table of rows of `width` doubles, the last a weight: the rows are
 * distinct in their other doubles (their keys) and kept in the order they
 * first came; the slots, open addressing with linear probing, hold a row's
 * index + 1 and are at most half full.  Merging each row as it arrives
 * costs a hash and a probe or two, where sorting full buffers again and
 * again cost ten times that; weights still add up in the rows' order.
 * The fingerprint, a sum, is taken per row at the end: a row's hash times
 * its summed weight units is the sum of its customers' terms. */
struct rows {
	double *rows;
	size_t n, cap;
	uint32_t *slot;
	size_t slots;
	uint64_t *units;
	size_t width;
};

/* The table's hash of a row's keys (the fingerprint's is flo_hash()): the
 * keys' bits combined, then mixed so that every bit reaches the low ones
 * the slot is taken from (whole-number doubles have no low bits set). */
static uint64_t key_hash(const double *key, size_t keys)
{
	uint64_t h = 0;
	for (size_t c = 0; c < keys; c++) {
		uint64_t b;
		memcpy(&b, &key[c], sizeof b);
		h = (h ^ b) * 0x9E3779B97F4A7C15ull;
	}
	h ^= h >> 33; /* MurmurHash3's 64-bit finaliser */
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	return h ^ h >> 33;
}

static int same_keys(const double *a, const double *b, size_t keys)
{
	for (size_t c = 0; c < keys; c++) { /* bit for bit: -0 was made 0 */
		uint64_t x, y;
		memcpy(&x, &a[c], sizeof x);
		memcpy(&y, &b[c], sizeof y);
		if (x != y)
			return 0;
	}
	return 1;
}

/* Twice the slots (at least 4096, and at least twice the rows plus `more`:
 * a table whose slots were dropped by flo_fit_data_join() is rebuilt), every
 * row placed again. */
static int grow_slots(struct rows *t, size_t more)
{
	size_t slots = t->slots ? t->slots * 2 : 4096, keys = t->width - 1;
	while (slots < 2 * (t->n + more) && slots <= SIZE_MAX / 4)
		slots *= 2;
	uint32_t *slot = slots - 1 <= UINT32_MAX ? calloc(slots, sizeof *slot) : NULL;
	if (slot == NULL)
		return FLO_ENOMEM;
	/* probed before written: pages.h */
	flo_pages_populate(slot, slots * sizeof *slot);
	for (size_t i = 0; i < t->n; i++) {
		size_t j = key_hash(t->rows + i * t->width, keys) & (slots - 1);
		while (slot[j] != 0)
			j = (j + 1) & (slots - 1);
		slot[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->slots = slots;
	return FLO_OK;
}

/* Room for `more` rows: rows doubled (at least 4096) until they fit. */
static int grow_rows(struct rows *t, size_t more)
{
	size_t cap = t->cap ? t->cap * 2 : 4096;
	while (cap < t->n + more)
		cap *= 2;
	double *p = realloc(t->rows, cap * t->width * sizeof *p);
	if (p == NULL)
		return FLO_ENOMEM;
	t->rows = p;
	uint64_t *u = realloc(t->units, cap * sizeof *u);
	if (u == NULL)
		return FLO_ENOMEM;
	/* rows without units are sealed ones (flo_fit_data_seal()), whose
	 * fingerprint is in d's already */
	if (t->units == NULL)
		memset(u, 0, t->n * sizeof *u);
	t->units = u;
	t->cap = cap;
	/* the rows to come are written one by one: pages.h */
	flo_pages_populate(t->rows, cap * t->width * sizeof *p);
	flo_pages_populate(t->units, cap * sizeof *u);
	return FLO_OK;
}

/* Room in t for `more` rows, so that adding them cannot fail. */
static int reserve_more(struct rows *t, size_t more)
{
	int err = FLO_OK;
	if ((t->n + more) * 2 > t->slots)
		err = grow_slots(t, more);
	if (err == FLO_OK && t->n + more > t->cap)
		err = grow_rows(t, more);
	return err;
}

static int reserve(struct rows *t)
{
	return reserve_more(t, 1);
}

/* Merge a row (keys of hash h, then weight w, of `units` weight units) into
 * t, which has room for it. */
static void add_hashed(struct rows *t, const double *key, uint64_t h, double w, uint64_t units)
{
	size_t keys = t->width - 1, mask = t->slots - 1;
	size_t j = h & mask;
	for (uint32_t k; (k = t->slot[j]) != 0; j = (j + 1) & mask) {
		double *r = t->rows + (size_t)(k - 1) * t->width;
		if (same_keys(r, key, keys)) {
			r[keys] += w;
			t->units[k - 1] = mod61((unsigned __int128)t->units[k - 1] + units);
			return;
		}
	}
	double *r = t->rows + t->n * t->width;
	memcpy(r, key, keys * sizeof *key);
	r[keys] = w;
	t->units[t->n] = units;
	t->slot[j] = (uint32_t)++t->n;
}

static void add_row(struct rows *t, const double *key, double w, uint64_t units)
{
	add_hashed(t, key, key_hash(key, t->width - 1), w, units);
}

static void free_tables(struct flo_fit_data *d);
static uint64_t fingerprint(const struct flo_fit_data *d);

/* d's tables as struct rows, and back. */
static void tables(struct flo_fit_data *d, struct rows *t, struct rows *s)
{
	*t = (struct rows){(double *)d->tri, d->ntri, d->cap_tri, d->tri_slot, d->tri_slots,
			   d->tri_units, 4};
	*s = (struct rows){(double *)d->spend, d->nspend, d->cap_spend, d->spend_slot,
			   d->spend_slots, d->spend_units, 3};
}

static void tables_back(struct flo_fit_data *d, const struct rows *t, const struct rows *s)
{
	d->tri = (struct flo_triple *)t->rows, d->ntri = t->n, d->cap_tri = t->cap;
	d->tri_slot = t->slot, d->tri_slots = t->slots, d->tri_units = t->units;
	d->spend = (struct flo_spend *)s->rows, d->nspend = s->n, d->cap_spend = s->cap;
	d->spend_slot = s->slot, d->spend_slots = s->slots, d->spend_units = s->units;
}

int flo_fit_data_add(struct flo_fit_data *d, double x, double tx, double T, double m,
		     double w)
{
	/* -0 as 0: equal numbers, one row and one hash */
	const double tri[3] = {x + 0.0, tx + 0.0, T + 0.0}, pair[2] = {x + 0.0, m + 0.0};
	struct rows t, s;
	int spend = x > 0 && m > 0, err;
	/* The weights are counts of customers: their total stays a whole
	 * number a double holds exactly, and every weighted sum of the fits
	 * (at most this many times a finite term) finite. */
	if (!(d->customers + w <= FLO_FIT_WEIGHT_MAX))
		return FLO_ERANGE;

	tables(d, &t, &s);
	err = reserve(&t);
	if (err == FLO_OK && spend)
		err = reserve(&s);
	if (err == FLO_OK) {
		uint64_t units = w == 1 ? UINT64_C(1) << 20 : weight_units(w);
		d->customers += w;
		add_row(&t, tri, w, units);
		if (spend)
			add_row(&s, pair, w, units);
		else
			d->left_out += w;
	}
	tables_back(d, &t, &s); /* grown or not */
	return err;
}

int flo_fit_data_add_triple(struct flo_fit_data *d, double x, double tx, double T, double w)
{
	const double tri[3] = {x + 0.0, tx + 0.0, T + 0.0};
	struct rows t, s;
	tables(d, &t, &s);
	int err = reserve(&t);
	if (err == FLO_OK) {
		add_row(&t, tri, w, weight_units(w));
		d->customers += w;
		d->left_out += w;
	}
	tables_back(d, &t, &s);
	return err;
}

int flo_fit_data_add_spend(struct flo_fit_data *d, double x, double m, double w)
{
	const double pair[2] = {x + 0.0, m + 0.0};
	struct rows t, s;
	tables(d, &t, &s);
	int err = reserve(&s);
	if (err == FLO_OK) {
		add_row(&s, pair, w, weight_units(w));
		d->left_out -= w;
	}
	tables_back(d, &t, &s);
	return err;
}

/* ---- parts: the threaded scan's data (fitscan.c) ----
 *
 * A row belongs to one of n parts by its hash's high bits, so the parts
 * hold disjoint rows: each worker of a scan adds the rows of its part only,
 * from every chunk, and the parts are joined at the end by merging them,
 * without comparing one part's rows with another's.  A part appends its
 * customers' rows as they come, without a table: a table of 100,000
 * distinct rows is megabytes, its probes wait for memory twice a row, and
 * on summaries most rows are distinct anyway (three in four of 200,000
 * simulated customers' triples, nearly every spend pair), while sealing
 * sorts and merges the rows in any case.  That took 10-14 ms off the
 * 200,000 summaries' reading.  The fingerprint is summed as rows come (a
 * sum: the same as of the merged rows). */

static unsigned part_of(uint64_t h, unsigned n)
{
	return (unsigned)(((h >> 32) * n) >> 32);
}

/* Room for `more` rows of `width` doubles in *rows (n of cap used). */
static int part_room(double **rows, size_t n, size_t *cap, size_t more, size_t width)
{
	if (*cap - n >= more)
		return FLO_OK;
	size_t c = *cap ? *cap * 2 : 4096;
	while (c - n < more)
		c *= 2;
	double *p = realloc(*rows, c * width * sizeof *p);
	if (p == NULL)
		return FLO_ENOMEM;
	flo_pages_populate(p, c * width * sizeof *p); /* written row by row: pages.h */
	*rows = p;
	*cap = c;
	return FLO_OK;
}

/* Room for `more` triples and spend pairs in part d. */
static int part_reserve(struct flo_fit_data *d, size_t more)
{
	int err = part_room((double **)&d->tri, d->ntri, &d->cap_tri, more, 4);
	return err != FLO_OK ? err
			     : part_room((double **)&d->spend, d->nspend, &d->cap_spend, more, 3);
}

/* A part's rows sorted and merged once they reach their bound, which then
 * becomes twice what is left if that is more: memory follows the distinct
 * rows, and each row is sorted a few times at most. */
static void part_compact(struct flo_fit_data *d)
{
	if (d->ntri >= d->compact_tri) {
		d->ntri = flo_triples_compact(d->tri, d->ntri);
		if (2 * d->ntri > d->compact_tri)
			d->compact_tri = 2 * d->ntri;
	}
	if (d->nspend >= d->compact_spend) {
		d->nspend = flo_spend_compact(d->spend, d->nspend);
		if (2 * d->nspend > d->compact_spend)
			d->compact_spend = 2 * d->nspend;
	}
}

struct flo_fit_row flo_fit_row_make(double x, double tx, double T, double m)
{
	/* -0 as 0: equal numbers, one row and one hash */
	struct flo_fit_row r = {x + 0.0, tx + 0.0, T + 0.0, m + 0.0, 0, 0};
	r.tri_hash = key_hash(&r.x, 3);
	if (r.x > 0 && r.m > 0) {
		const double pair[2] = {r.x, r.m};
		r.spend_hash = key_hash(pair, 2);
	}
	return r;
}

int flo_fit_data_add_part(struct flo_fit_data *d, const struct flo_fit_row *rows, size_t n,
			  unsigned part, unsigned parts)
{
	const uint64_t one = UINT64_C(1) << 20; /* a weight of 1 in units */
	int err = part_reserve(d, n);
	if (err != FLO_OK)
		return err;
	uint64_t fp = d->fingerprint;
	for (size_t i = 0; i < n; i++) {
		const struct flo_fit_row *r = &rows[i];
		int spend = r->x > 0 && r->m > 0;
		if (part_of(r->tri_hash, parts) == part) {
			d->tri[d->ntri++] = (struct flo_triple){r->x, r->tx, r->T, 1};
			fp = mod61((unsigned __int128)fp + fingerprint_of(&r->x, 3, 1, one));
			d->customers += 1;
			if (!spend)
				d->left_out += 1;
		}
		if (spend && part_of(r->spend_hash, parts) == part) {
			const double pair[2] = {r->x, r->m};
			d->spend[d->nspend++] = (struct flo_spend){r->x, r->m, 1};
			fp = mod61((unsigned __int128)fp + fingerprint_of(pair, 2, 31, one));
		}
	}
	d->fingerprint = fp;
	part_compact(d);
	return FLO_OK;
}

int flo_fit_data_reserve(struct flo_fit_data *d, size_t rows)
{
	if (d->part)
		return part_reserve(d, rows);
	struct rows t, s;
	tables(d, &t, &s);
	int err = reserve_more(&t, rows);
	if (err == FLO_OK)
		err = reserve_more(&s, rows);
	tables_back(d, &t, &s);
	return err;
}

/* t's rows of part `part` of n appended to the part p's rows (*rows, *np
 * of *cap), their fingerprint (by t's units: rows without them are in d's
 * already) added to p's. */
static int split_rows(const struct rows *t, struct flo_fit_data *p, double **rows, size_t *np,
		      size_t *cap, uint64_t tag, unsigned part, unsigned n)
{
	size_t keys = t->width - 1;
	for (size_t i = 0; i < t->n; i++) {
		const double *r = t->rows + i * t->width;
		if (part_of(key_hash(r, keys), n) != part)
			continue;
		int err = part_room(rows, *np, cap, 1, t->width);
		if (err != FLO_OK)
			return err;
		memcpy(*rows + (*np)++ * t->width, r, t->width * sizeof *r);
		if (t->units != NULL)
			p->fingerprint = mod61((unsigned __int128)p->fingerprint +
					       fingerprint_of(r, keys, tag, t->units[i]));
	}
	return FLO_OK;
}

int flo_fit_data_split(struct flo_fit_data *d, struct flo_fit_data *parts, unsigned n)
{
	struct rows t, s;
	tables(d, &t, &s);
	int err = FLO_OK;
	for (unsigned k = 0; k < n; k++) {
		struct flo_fit_data *p = &parts[k];
		*p = (struct flo_fit_data){.part = 1, .compact_tri = FLO_FIT_PART_COMPACT,
					   .compact_spend = FLO_FIT_PART_COMPACT};
		if (err == FLO_OK)
			err = split_rows(&t, p, (double **)&p->tri, &p->ntri, &p->cap_tri, 1, k, n);
		if (err == FLO_OK)
			err = split_rows(&s, p, (double **)&p->spend, &p->nspend, &p->cap_spend, 31,
					 k, n);
	}
	if (err != FLO_OK) {
		for (unsigned k = 0; k < n; k++)
			flo_fit_data_free(&parts[k]);
		return err;
	}
	free(d->tri);
	free(d->spend);
	free_tables(d);
	d->tri = NULL, d->spend = NULL;
	d->ntri = d->cap_tri = d->nspend = d->cap_spend = 0;
	return FLO_OK;
}

/* The rows of from appended to t, which holds none of them; from's arrays
 * are taken over when t is empty.  Sealed rows have no units (their
 * fingerprint is their part's): they get 0 in t's, so that t's fingerprint
 * does not count them again. */
static int append_rows(struct rows *t, struct rows *from)
{
	if (from->n == 0)
		return FLO_OK;
	if (t->n == 0) {
		free(t->rows);
		free(t->units);
		t->rows = from->rows, t->units = from->units, t->n = from->n, t->cap = from->cap;
		from->rows = NULL, from->units = NULL, from->n = from->cap = 0;
		return FLO_OK;
	}
	if (t->n + from->n > t->cap) {
		size_t cap = t->n + from->n;
		double *r = realloc(t->rows, cap * t->width * sizeof *r);
		if (r == NULL)
			return FLO_ENOMEM;
		t->rows = r;
		uint64_t *u = realloc(t->units, cap * sizeof *u);
		if (u == NULL)
			return FLO_ENOMEM;
		t->units = u;
		t->cap = cap;
	}
	memcpy(t->rows + t->n * t->width, from->rows, from->n * t->width * sizeof *t->rows);
	if (from->units != NULL)
		memcpy(t->units + t->n, from->units, from->n * sizeof *t->units);
	else
		memset(t->units + t->n, 0, from->n * sizeof *t->units);
	t->n += from->n;
	return FLO_OK;
}

/* The order of two rows by their first `keys` doubles (compact.c's). */
static int row_cmp(const double *a, const double *b, size_t keys)
{
	for (size_t c = 0; c < keys; c++)
		if (a[c] != b[c])
			return a[c] < b[c] ? -1 : 1;
	return 0;
}

/* The sorted rows of the n parts `from` (no row in two) merged into t,
 * which has none; the parts' arrays freed.  FLO_ENOMEM (nothing changed). */
static int merge_rows(struct rows *t, struct rows *from, unsigned n)
{
	size_t total = 0, at[FLO_FIT_PARTS_MAX] = {0}, keys = t->width - 1, w = t->width;
	for (unsigned k = 0; k < n; k++)
		total += from[k].n;
	if (total == 0)
		return FLO_OK;
	double *out = malloc(total * w * sizeof *out);
	if (out == NULL)
		return FLO_ENOMEM;
	flo_pages_populate(out, total * w * sizeof *out);
	for (size_t i = 0; i < total; i++) {
		const double *least = NULL;
		unsigned of = 0;
		for (unsigned k = 0; k < n; k++) {
			const double *r = from[k].rows + at[k] * w;
			if (at[k] < from[k].n && (least == NULL || row_cmp(r, least, keys) < 0))
				least = r, of = k;
		}
		memcpy(out + i * w, least, w * sizeof *out);
		at[of]++;
	}
	for (unsigned k = 0; k < n; k++) {
		free(from[k].rows);
		from[k].rows = NULL, from[k].n = from[k].cap = 0;
	}
	free(t->rows);
	t->rows = out, t->n = t->cap = total;
	return FLO_OK;
}

struct merge {
	struct rows *t, *from;
	unsigned n;
	int err;
};

static void *merge_thread(void *arg)
{
	struct merge *m = arg;
	m->err = merge_rows(m->t, m->from, m->n);
	return NULL;
}

/* The triples' merge on a thread of its own while the calling one merges
 * the spend pairs (each a few megabytes written afresh: 5 ms of the
 * 200,000 summaries' reading on one thread); both on the calling one when
 * no thread can start. */
static int merge_both(struct rows *t, struct rows *pt, struct rows *s, struct rows *ps,
		      unsigned n)
{
	struct merge tri = {t, pt, n, FLO_OK};
	pthread_t thread;
	int started = pthread_create(&thread, NULL, merge_thread, &tri) == 0;
	if (!started)
		merge_thread(&tri);
	int err = merge_rows(s, ps, n);
	if (started)
		pthread_join(thread, NULL);
	return tri.err != FLO_OK ? tri.err : err;
}

void flo_fit_data_seal(struct flo_fit_data *d)
{
	d->fingerprint = fingerprint(d);
	free_tables(d);
	d->ntri = flo_triples_compact(d->tri, d->ntri);
	d->nspend = flo_spend_compact(d->spend, d->nspend);
	d->sealed = 1;
}

int flo_fit_data_join(struct flo_fit_data *d, struct flo_fit_data *parts, unsigned n)
{
	struct rows t, s;
	/* the rows are distinct: a table is rebuilt when a row is next added */
	free(d->tri_slot);
	free(d->spend_slot);
	d->tri_slot = d->spend_slot = NULL;
	d->tri_slots = d->spend_slots = 0;
	tables(d, &t, &s);
	int err = FLO_OK, sealed = n <= FLO_FIT_PARTS_MAX && t.n == 0 && s.n == 0;
	for (unsigned k = 0; k < n; k++) {
		if (parts[k].part && !parts[k].sealed) /* a scan that stopped early */
			flo_fit_data_seal(&parts[k]);
		sealed &= parts[k].sealed;
	}
	if (sealed) {
		struct rows pt[FLO_FIT_PARTS_MAX], ps[FLO_FIT_PARTS_MAX];
		for (unsigned k = 0; k < n; k++)
			tables(&parts[k], &pt[k], &ps[k]);
		err = merge_both(&t, pt, &s, ps, n);
		for (unsigned k = 0; k < n; k++)
			tables_back(&parts[k], &pt[k], &ps[k]);
	}
	for (unsigned k = 0; k < n; k++) {
		struct rows pt, ps;
		tables(&parts[k], &pt, &ps);
		if (err == FLO_OK && !sealed)
			err = append_rows(&t, &pt);
		if (err == FLO_OK && !sealed)
			err = append_rows(&s, &ps);
		tables_back(&parts[k], &pt, &ps);
		d->customers += parts[k].customers;
		d->left_out += parts[k].left_out;
		d->fingerprint = mod61((unsigned __int128)d->fingerprint + parts[k].fingerprint);
		flo_fit_data_free(&parts[k]);
	}
	tables_back(d, &t, &s);
	return err;
}

/* The fingerprint of the rows still in the tables, and d's own. */
static uint64_t fingerprint(const struct flo_fit_data *d)
{
	uint64_t fp = d->fingerprint;
	for (size_t i = 0; d->tri_units != NULL && i < d->ntri; i++)
		fp = mod61((unsigned __int128)fp +
			   fingerprint_of(&d->tri[i].x, 3, 1, d->tri_units[i]));
	for (size_t i = 0; d->spend_units != NULL && i < d->nspend; i++)
		fp = mod61((unsigned __int128)fp +
			   fingerprint_of(&d->spend[i].x, 2, 31, d->spend_units[i]));
	return fp;
}

static void free_tables(struct flo_fit_data *d)
{
	free(d->tri_slot);
	free(d->spend_slot);
	free(d->tri_units);
	free(d->spend_units);
	d->tri_slot = d->spend_slot = NULL;
	d->tri_units = d->spend_units = NULL;
	d->tri_slots = d->spend_slots = 0;
}

void flo_fit_data_finish(struct flo_fit_data *d)
{
	d->fingerprint = fingerprint(d);
	free_tables(d);
	d->nspend = flo_spend_compact(d->spend, d->nspend);
}

void flo_fit_data_fingerprint(const struct flo_fit_data *d, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)fingerprint(d));
}

void flo_fit_data_free(struct flo_fit_data *d)
{
	if (d == NULL)
		return;
	free(d->tri);
	free(d->spend);
	free_tables(d);
	*d = (struct flo_fit_data){0};
}
