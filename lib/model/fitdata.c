/* fitdata.c: the fits' data, gathered and merged as it streams, and its
 * fingerprint. */
#include "model/fitdata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/idmap.h"

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

/* Add to *fp the hash zh of a row's values, of kind `tag`, w times. */
static void fingerprint_add(uint64_t *fp, uint64_t zh, double w, uint64_t tag)
{
	double units = w * 0x1p20; /* exact: a power of two */
	uint64_t u = units < 0x1p64 ? (uint64_t)units
		     : (uint64_t)fmod(isfinite(units) ? units : 0x1p64 - 0x1p11, 0x1p64);
	uint64_t h = mod61((unsigned __int128)mod61(zh) * tag);
	*fp = mod61((unsigned __int128)mod61((unsigned __int128)h * mod61(u)) + *fp);
}

/* A table of rows of `width` doubles, the last a weight: the rows are
 * distinct in their other doubles (their keys) and kept in the order they
 * first came; the slots, open addressing with linear probing, hold a row's
 * index + 1 and are at most half full.  Merging each row as it arrives
 * costs a hash and a probe or two, where sorting full buffers again and
 * again cost ten times that; weights still add up in the rows' order. */
struct rows {
	double *rows;
	size_t n, cap;
	uint32_t *slot;
	size_t slots;
	size_t width;
};

static size_t slot_of(uint64_t h, size_t slots)
{
	return (size_t)(h >> 17 ^ h) & (slots - 1);
}

/* Twice the slots (at least 4096), every row placed again. */
static int grow_slots(struct rows *t)
{
	size_t slots = t->slots ? t->slots * 2 : 4096, keys = t->width - 1;
	uint32_t *slot = calloc(slots, sizeof *slot);
	if (slot == NULL || slots - 1 > UINT32_MAX) {
		free(slot);
		return FLO_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t j = slot_of(flo_hash((const char *)(t->rows + i * t->width),
					    keys * sizeof(double)),
				   slots);
		while (slot[j] != 0)
			j = (j + 1) & (slots - 1);
		slot[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->slots = slots;
	return FLO_OK;
}

/* Room for one more row: rows doubled (at least 4096) when full. */
static int grow_rows(struct rows *t)
{
	size_t cap = t->cap ? t->cap * 2 : 4096;
	double *p = realloc(t->rows, cap * t->width * sizeof *p);
	if (p == NULL)
		return FLO_ENOMEM;
	t->rows = p;
	t->cap = cap;
	return FLO_OK;
}

/* Room in t for one more row, so that adding it cannot fail. */
static int reserve(struct rows *t)
{
	int err = FLO_OK;
	if ((t->n + 1) * 2 > t->slots)
		err = grow_slots(t);
	if (err == FLO_OK && t->n == t->cap)
		err = grow_rows(t);
	return err;
}

/* Merge a row (keys, then weight w) into t, which has room for it; the
 * keys' hash. */
static uint64_t add_row(struct rows *t, const double *key, double w)
{
	size_t keys = t->width - 1, mask = t->slots - 1;
	uint64_t h = flo_hash((const char *)key, keys * sizeof *key);
	size_t j = slot_of(h, t->slots);
	for (uint32_t k; (k = t->slot[j]) != 0; j = (j + 1) & mask) {
		double *r = t->rows + (size_t)(k - 1) * t->width;
		if (memcmp(r, key, keys * sizeof *key) == 0) {
			r[keys] += w;
			return h;
		}
	}
	double *r = t->rows + t->n * t->width;
	memcpy(r, key, keys * sizeof *key);
	r[keys] = w;
	t->slot[j] = (uint32_t)++t->n;
	return h;
}

/* d's tables as struct rows, and back. */
static void tables(struct flo_fit_data *d, struct rows *t, struct rows *s)
{
	*t = (struct rows){(double *)d->tri, d->ntri, d->cap_tri, d->tri_slot, d->tri_slots, 4};
	*s = (struct rows){(double *)d->spend, d->nspend, d->cap_spend, d->spend_slot,
			   d->spend_slots, 3};
}

static void tables_back(struct flo_fit_data *d, const struct rows *t, const struct rows *s)
{
	d->tri = (struct flo_triple *)t->rows, d->ntri = t->n, d->cap_tri = t->cap;
	d->tri_slot = t->slot, d->tri_slots = t->slots;
	d->spend = (struct flo_spend *)s->rows, d->nspend = s->n, d->cap_spend = s->cap;
	d->spend_slot = s->slot, d->spend_slots = s->slots;
}

int flo_fit_data_add(struct flo_fit_data *d, double x, double tx, double T, double m,
		     double w)
{
	/* -0 as 0: equal numbers, one row and one hash */
	const double tri[3] = {x + 0.0, tx + 0.0, T + 0.0}, pair[2] = {x + 0.0, m + 0.0};
	struct rows t, s;
	int spend = x > 0 && m > 0, err;

	tables(d, &t, &s);
	err = reserve(&t);
	if (err == FLO_OK && spend)
		err = reserve(&s);
	if (err == FLO_OK) {
		d->customers += w;
		fingerprint_add(&d->fingerprint, add_row(&t, tri, w), w, 1);
		if (spend)
			fingerprint_add(&d->fingerprint, add_row(&s, pair, w), w, 31);
		else
			d->left_out += w;
	}
	tables_back(d, &t, &s); /* grown or not */
	return err;
}

/* Every row of `from` into t, weights added. */
static int merge_rows(struct rows *t, const double *from, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const double *r = from + i * t->width;
		int err = reserve(t);
		if (err != FLO_OK)
			return err;
		add_row(t, r, r[t->width - 1]);
	}
	return FLO_OK;
}

int flo_fit_data_merge(struct flo_fit_data *d, const struct flo_fit_data *from)
{
	struct rows t, s;
	tables(d, &t, &s);
	int err = merge_rows(&t, (const double *)from->tri, from->ntri);
	if (err == FLO_OK)
		err = merge_rows(&s, (const double *)from->spend, from->nspend);
	tables_back(d, &t, &s);
	if (err == FLO_OK) {
		d->customers += from->customers;
		d->left_out += from->left_out;
		d->fingerprint = mod61((unsigned __int128)d->fingerprint + from->fingerprint);
	}
	return err;
}

void flo_fit_data_finish(struct flo_fit_data *d)
{
	d->nspend = flo_spend_compact(d->spend, d->nspend);
	free(d->tri_slot);
	free(d->spend_slot);
	d->tri_slot = d->spend_slot = NULL;
	d->tri_slots = d->spend_slots = 0;
}

void flo_fit_data_fingerprint(const struct flo_fit_data *d, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)d->fingerprint);
}

void flo_fit_data_free(struct flo_fit_data *d)
{
	if (d == NULL)
		return;
	free(d->tri);
	free(d->spend);
	free(d->tri_slot);
	free(d->spend_slot);
	*d = (struct flo_fit_data){0};
}
