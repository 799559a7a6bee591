/* bands.c: per-customer bounds over parameter draws (bands.h). */
#include "model/bands.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/gg.h"

/* Slots an (x, T) may take in the cache. */
#define PROBES 4

struct flo_bands {
	struct flo_score_config c;
	double *horizon;
	struct flo_model *draws;
	size_t n;
	double qlo, qhi;      /* the percentiles, as fractions */
	int gg;               /* exp_avg_value and clv have bounds */
	size_t nvalues;       /* the scorer's: p_alive, horizons, value, clv */
	size_t stride;        /* doubles per cache entry: x, T, then per draw 1 + nh */
	size_t entries;       /* in the cache */
	unsigned next;        /* the probe slot to replace next */
	double *cache;
	double *vals;         /* nvalues x n: the draws' scores of one customer */
};

int flo_bands_new(flo_bands **out, const struct flo_score_config *c, const struct flo_model *draws,
		  size_t n, double level, int gg_drawn)
{
	return flo_bands_new_cache(out, c, draws, n, level, gg_drawn, FLO_BANDS_CACHE_BYTES);
}

int flo_bands_new_cache(flo_bands **out, const struct flo_score_config *c,
			const struct flo_model *draws, size_t n, double level, int gg_drawn,
			size_t cache_bytes)
{
	*out = NULL;
	if (n < 2 || !(level > 0 && level < 1))
		return FLO_EUSAGE;
	for (size_t i = 0; i < n; i++) {
		const struct flo_model *d = &draws[i];
		int bad = d->family == FLO_FAMILY_PNBD	   ? flo_pnbd_check(&d->pnbd)
			  : d->family == FLO_FAMILY_MBGNBD ? flo_mbgnbd_check(&d->mbgnbd)
			  : d->family == FLO_FAMILY_BGBB   ? flo_bgbb_check(&d->bgbb)
							   : flo_bgnbd_check(&d->bgnbd);
		if (bad || (draws[i].has_gg && flo_gg_check(&draws[i].gg) != FLO_OK))
			return FLO_EMODEL;
	}
	flo_bands *b = calloc(1, sizeof *b);
	if (b == NULL)
		return FLO_ENOMEM;
	b->c = *c;
	b->n = n;
	b->qlo = (1 - level) / 2;
	b->qhi = (1 + level) / 2;
	b->gg = c->model.has_gg && gg_drawn;
	b->nvalues = c->nhorizon + 3;
	b->stride = 2 + n * (1 + c->nhorizon);
	b->entries = cache_bytes / (b->stride * sizeof(double));
	if (b->entries < PROBES)
		b->entries = PROBES;
	b->horizon = malloc((c->nhorizon ? c->nhorizon : 1) * sizeof *b->horizon);
	b->draws = malloc(n * sizeof *b->draws);
	b->cache = malloc(b->entries * b->stride * sizeof *b->cache);
	b->vals = malloc(b->nvalues * n * sizeof *b->vals);
	if (!b->horizon || !b->draws || !b->cache || !b->vals) {
		flo_bands_free(b);
		return FLO_ENOMEM;
	}
	if (c->nhorizon > 0)
		memcpy(b->horizon, c->horizon, c->nhorizon * sizeof *b->horizon);
	b->c.horizon = b->horizon;
	memcpy(b->draws, draws, n * sizeof *draws);
	for (size_t i = 0; i < b->entries; i++)
		b->cache[i * b->stride] = -1;
	*out = b;
	return FLO_OK;
}

void flo_bands_free(flo_bands *b)
{
	if (b == NULL)
		return;
	free(b->horizon);
	free(b->draws);
	free(b->cache);
	free(b->vals);
	free(b);
}

/* score.c's hash of (x, T), mapped onto [0, entries) by a multiplication. */
static size_t cache_index(size_t entries, double x, double T)
{
	uint64_t a, c, h;
	memcpy(&a, &x, sizeof a);
	memcpy(&c, &T, sizeof c);
	h = a * UINT64_C(0x9e3779b97f4a7c15) + c * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= h >> 29;
	h *= UINT64_C(0x94d049bb133111eb);
	return (size_t)(((unsigned __int128)h * entries) >> 64);
}

/* Every draw's alive values at (x, T): per draw 1 + nh doubles.  An entry
 * is a few kilobytes, so the cache holds thousands, not the scorer's tens
 * of thousands: (x, T) may sit in any of PROBES slots from its own, and a
 * miss replaces them in turn, so that a few cohorts' collisions do not
 * evict each other for good. */
static const double *alive_values(flo_bands *b, double x, double T)
{
	size_t at = cache_index(b->entries, x, T);
	for (size_t k = 0; k < PROBES; k++) {
		double *e = b->cache + ((at + k) % b->entries) * b->stride;
		if (e[0] == x && e[1] == T)
			return e + 2;
		if (e[0] < 0) { /* empty: fill it */
			at = (at + k) % b->entries;
			goto fill;
		}
	}
	at = (at + b->next++ % PROBES) % b->entries;
fill:;
	double *e = b->cache + at * b->stride;
	size_t per = 1 + b->c.nhorizon;
	e[0] = x;
	e[1] = T;
	for (size_t d = 0; d < b->n; d++)
		flo_score_alive_values(&b->draws[d], &b->c, x, T, e + 2 + d * per);
	return e + 2;
}

/* The k-th smallest of v[0..n) (Hoare's selection, median-of-three
 * pivots), v reordered so that v[i] >= it for i > k. */
static double select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;
	while (hi > lo) {
		double a = v[lo], m = v[lo + (hi - lo) / 2], c = v[hi];
		double pivot = a < m ? (m < c ? m : (a < c ? c : a)) : (a < c ? a : (m < c ? c : m));
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			break;
	}
	return v[want];
}

/* Order statistics this close to an end are kept in a small sorted array
 * in one pass (most values fail one comparison with its last), a third of
 * the cost of a selection at 200 draws; farther in, the selection. */
#define TAIL_MAX 48

/* The q-th percentile of v[0..n), linear between order statistics, by
 * selection (which reorders v). */
static double percentile(double *v, size_t n, double q)
{
	double h = q * (double)(n - 1), f = floor(h);
	size_t i = (size_t)f;
	double lo = select_kth(v, n, i);
	if (i + 1 >= n || h == f)
		return lo;
	double next = v[i + 1];
	for (size_t j = i + 2; j < n; j++)
		next = v[j] < next ? v[j] : next;
	return lo + (h - f) * (next - lo);
}

/* The ml smallest of v[0..n) in increasing order into lo, and the mh
 * largest in decreasing order into hi (ml, mh <= n), in one pass. */
static void tails(const double *v, size_t n, size_t ml, double *lo, size_t mh, double *hi)
{
	size_t nl = 0, nh = 0;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		if (nl < ml || x < lo[ml - 1]) {
			size_t j = nl < ml ? nl++ : ml - 1;
			for (; j > 0 && lo[j - 1] > x; j--)
				lo[j] = lo[j - 1];
			lo[j] = x;
		}
		if (nh < mh || x > hi[mh - 1]) {
			size_t j = nh < mh ? nh++ : mh - 1;
			for (; j > 0 && hi[j - 1] < x; j--)
				hi[j] = hi[j - 1];
			hi[j] = x;
		}
	}
}

/* The percentiles qlo <= qhi of v[0..n) into *lo, *hi, linear between
 * order statistics: from the tails when both are near the ends, else by
 * selection (which may reorder v). */
static void bounds(double *v, size_t n, double qlo, double qhi, double *lo, double *hi)
{
	double hl = qlo * (double)(n - 1), fl = floor(hl), hh = qhi * (double)(n - 1), fh = floor(hh);
	size_t il = (size_t)fl, ih = (size_t)fh;
	size_t ml = il + 2 < n ? il + 2 : n, mh = n - ih;
	if (ml <= TAIL_MAX && mh <= TAIL_MAX) {
		double a[TAIL_MAX] = {0}, b[TAIL_MAX] = {0};
		tails(v, n, ml, a, mh, b);
		/* order statistic k from the top is b[n - 1 - k] */
		*lo = il + 1 < n && hl > fl ? a[il] + (hl - fl) * (a[il + 1] - a[il]) : a[il];
		double top = b[n - 1 - ih];
		*hi = ih + 1 < n && hh > fh ? top + (hh - fh) * (b[n - 2 - ih] - top) : top;
		return;
	}
	*lo = percentile(v, n, qlo);
	*hi = percentile(v, n, qhi);
}

int flo_bands_score(flo_bands *b, const struct flo_history *h, double *lo, double *hi, size_t *n)
{
	size_t nh = b->c.nhorizon, per = 1 + nh, nd = b->n;
	const double *e = alive_values(b, h->x, h->T);
	int value = b->gg;
	double m = fmax(h->m, 0.0);
	for (size_t d = 0; d < nd; d++) {
		const struct flo_model *dm = &b->draws[d];
		const double *ed = e + d * per;
		double alive = flo_score_p_alive(dm, h);
		b->vals[d] = alive;
		for (size_t k = 0; k < nh; k++)
			b->vals[(1 + k) * nd + d] = alive * ed[1 + k];
		if (value && flo_gg_expected_value_exists(&dm->gg, h->x)) {
			double v = flo_gg_expected_value(&dm->gg, h->x, m);
			b->vals[(1 + nh) * nd + d] = v;
			b->vals[(2 + nh) * nd + d] = v * alive * ed[0];
		} else {
			value = 0;
		}
	}
	size_t got = value ? b->nvalues : nh + 1;
	for (size_t k = 0; k < got; k++) {
		double *v = b->vals + k * nd;
		for (size_t d = 0; d < nd; d++)
			if (!isfinite(v[d])) {
				*n = k;
				lo[k] = hi[k] = v[d];
				return FLO_ERANGE;
			}
		bounds(v, nd, b->qlo, b->qhi, &lo[k], &hi[k]);
	}
	*n = got;
	return FLO_OK;
}
