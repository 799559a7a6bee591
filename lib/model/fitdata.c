/* fitdata.c: the fits' data, gathered and merged as it streams, and its
 * fingerprint. */
#include "model/fitdata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

static void fingerprint_add(uint64_t *fp, const double *v, size_t n, double w, uint64_t tag)
{
	double z[3];
	for (size_t i = 0; i < n; i++)
		z[i] = v[i] + 0.0; /* -0 as 0: equal numbers, one hash */
	double units = w * 0x1p20; /* exact: a power of two */
	uint64_t u = units < 0x1p64 ? (uint64_t)units
		     : (uint64_t)fmod(isfinite(units) ? units : 0x1p64 - 0x1p11, 0x1p64);
	uint64_t zh = mod61(flo_hash((const char *)z, n * sizeof *z));
	uint64_t h = mod61((unsigned __int128)zh * tag);
	*fp = mod61((unsigned __int128)mod61((unsigned __int128)h * mod61(u)) + *fp);
}

/* Room for one more row in the buffer rows of *n rows of `size` bytes:
 * merged (compact) when full, grown when merging left it over half full.
 * Returns the buffer, moved or not, or NULL when out of memory (rows is
 * then as it was). */
static void *room(void *rows, size_t *n, size_t *cap, size_t size,
		  size_t (*compact)(void *rows, size_t n))
{
	if (*n < *cap)
		return rows;
	*n = compact(rows, *n);
	if (*cap != 0 && *n * 2 <= *cap)
		return rows;
	size_t c = *cap ? *cap * 2 : 65536;
	void *p = realloc(rows, c * size);
	if (p != NULL)
		*cap = c;
	return p;
}

static size_t compact_triples(void *rows, size_t n)
{
	return flo_triples_compact(rows, n);
}

static size_t compact_spend(void *rows, size_t n)
{
	return flo_spend_compact(rows, n);
}

int flo_fit_data_add(struct flo_fit_data *d, double x, double tx, double T, double m,
		     double w)
{
	int spend = x > 0 && m > 0;
	/* The weights are counts of customers: their total stays a whole
	 * number a double holds exactly, and every weighted sum of the fits
	 * (at most this many times a finite term) finite. */
	if (!(d->customers + w <= FLO_FIT_WEIGHT_MAX))
		return FLO_ERANGE;
	void *p = room(d->tri, &d->ntri, &d->cap_tri, sizeof *d->tri, compact_triples);

	if (p == NULL)
		return FLO_ENOMEM;
	d->tri = p;
	if (spend) {
		p = room(d->spend, &d->nspend, &d->cap_spend, sizeof *d->spend, compact_spend);
		if (p == NULL)
			return FLO_ENOMEM;
		d->spend = p;
	}
	d->customers += w;
	fingerprint_add(&d->fingerprint, (const double[]){x, tx, T}, 3, w, 1);
	d->tri[d->ntri++] = (struct flo_triple){x, tx, T, w};
	if (spend) {
		fingerprint_add(&d->fingerprint, (const double[]){x, m}, 2, w, 31);
		d->spend[d->nspend++] = (struct flo_spend){x, m, w};
	} else {
		d->left_out += w;
	}
	return FLO_OK;
}

void flo_fit_data_finish(struct flo_fit_data *d)
{
	d->nspend = flo_spend_compact(d->spend, d->nspend);
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
	*d = (struct flo_fit_data){0};
}
