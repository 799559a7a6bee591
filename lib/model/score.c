/* score.c: a customer's scores, with a cache of what depends on (x, T). */
#include "model/score.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/unit.h"
#include "model/bgbb.h"
#include "model/bgnbd.h"
#include "model/clv.h"
#include "model/gg.h"
#include "model/mbgnbd.h"
#include "model/pnbd.h"

/*
 * E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) * E[Y(t) | alive, x, T]: the
 * second factor depends on (x, T) only, and customers of one cohort (one
 * first-purchase day) share T.  A direct-mapped cache of it per (x, T), for
 * every horizon and for the CLV's monthly sum, spares most of its
 * evaluations (a series or a quadrature each) at a memory fixed at start.
 * An entry is x, T, the CLV sum, then one value per horizon; x < 0 marks an
 * empty entry.  The size is a power of two of entries within CACHE_BYTES:
 * 65,536 entries with the default two horizons, room for the distinct (x, T)
 * of a large customer base with few collisions (each miss costs one
 * evaluation per horizon and per CLV month, some 0.2 us each).
 */
#define CACHE_BYTES ((size_t)4 << 20)

struct flo_scorer {
	struct flo_model m;
	double *horizon;
	size_t nh;
	unsigned months;
	double discount;
	double units_per_month;
	size_t stride; /* doubles per cache entry */
	unsigned bits; /* the cache has 2^bits entries */
	double *cache;
	struct flo_score_counts counts;
};

/* ---- the purchase model's family ---- */

/* An MBG/NBD customer alive at T is the BG/NBD's at (r, alpha, a, b+1)
 * (mbgnbd.h): its expectations given alive are that BG/NBD's. */
static struct flo_bgnbd alive_bgnbd(const struct flo_model *m)
{
	return m->family == FLO_FAMILY_MBGNBD ? flo_mbgnbd_alive_bgnbd(&m->mbgnbd) : m->bgnbd;
}

static int family_check(const struct flo_model *m)
{
	switch (m->family) {
	case FLO_FAMILY_PNBD: return flo_pnbd_check(&m->pnbd);
	case FLO_FAMILY_MBGNBD: return flo_mbgnbd_check(&m->mbgnbd);
	case FLO_FAMILY_BGBB: return flo_bgbb_check(&m->bgbb);
	default: return flo_bgnbd_check(&m->bgnbd);
	}
}

static double p_alive(const struct flo_model *m, const struct flo_history *h)
{
	switch (m->family) {
	case FLO_FAMILY_PNBD: return flo_pnbd_p_alive(&m->pnbd, h->x, h->tx, h->T);
	case FLO_FAMILY_MBGNBD: return flo_mbgnbd_p_alive(&m->mbgnbd, h->x, h->tx, h->T);
	case FLO_FAMILY_BGBB: return flo_bgbb_p_alive(&m->bgbb, h->x, h->tx, h->T);
	default: return flo_bgnbd_p_alive(&m->bgnbd, h->x, h->tx, h->T);
	}
}

/* Expected purchases in (T, T+t] of a customer alive at T (the BG/BB's:
 * in periods T+1 .. T+t of one alive in period T+1, bgbb.h). */
static double expected_alive(const struct flo_model *m, double x, double T, double t)
{
	struct flo_bgnbd bg = alive_bgnbd(m);
	if (m->family == FLO_FAMILY_BGBB)
		return flo_bgbb_expected_alive(&m->bgbb, x, T, t);
	return m->family == FLO_FAMILY_PNBD
		       ? flo_pnbd_expected_alive(&m->pnbd, x, T, t)
		       : flo_bgnbd_expected_alive(&bg, x, T, t, FLO_BGNBD_AUTO);
}

static double clv_alive_sum(const struct flo_model *m, double x, double T, unsigned months,
			    double discount, double units_per_month)
{
	struct flo_bgnbd bg = alive_bgnbd(m);
	if (m->family == FLO_FAMILY_BGBB)
		return flo_bgbb_clv_alive_sum(&m->bgbb, x, T, months, discount, units_per_month);
	return m->family == FLO_FAMILY_PNBD
		       ? flo_clv_pnbd_alive_sum(&m->pnbd, x, T, months, discount, units_per_month)
		       : flo_clv_alive_sum(&bg, x, T, months, discount, units_per_month);
}

/* ---- the scorer ---- */

int flo_scorer_new(flo_scorer **out, const struct flo_score_config *c)
{
	flo_scorer *s;
	double upm;

	*out = NULL;
	if (family_check(&c->model) != FLO_OK ||
	    (c->model.has_gg && flo_gg_check(&c->model.gg) != FLO_OK) ||
	    flo_unit_per_month(c->model.unit, &upm) != FLO_OK)
		return FLO_EMODEL;
	if (!(c->discount > -1))
		return FLO_EUSAGE;
	for (size_t k = 0; k < c->nhorizon; k++)
		if (!(c->horizon[k] >= 0 && isfinite(c->horizon[k])))
			return FLO_EUSAGE;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return FLO_ENOMEM;
	s->m = c->model;
	s->nh = c->nhorizon;
	s->months = c->months;
	s->discount = c->discount;
	s->units_per_month = upm;
	s->stride = 3 + s->nh;
	for (s->bits = 1; ((size_t)2 << s->bits) * s->stride * sizeof *s->cache <= CACHE_BYTES;)
		s->bits++;
	s->horizon = malloc((s->nh ? s->nh : 1) * sizeof *s->horizon);
	s->cache = malloc(((size_t)1 << s->bits) * s->stride * sizeof *s->cache);
	if (s->horizon == NULL || s->cache == NULL) {
		flo_scorer_free(s);
		return FLO_ENOMEM;
	}
	if (s->nh > 0)
		memcpy(s->horizon, c->horizon, s->nh * sizeof *s->horizon);
	for (size_t i = 0; i < (size_t)1 << s->bits; i++)
		s->cache[i * s->stride] = -1;
	*out = s;
	return FLO_OK;
}

void flo_scorer_free(flo_scorer *s)
{
	if (s == NULL)
		return;
	free(s->horizon);
	free(s->cache);
	free(s);
}

size_t flo_scorer_nvalues(const flo_scorer *s)
{
	return s->nh + 3;
}

void flo_scorer_counts(const flo_scorer *s, struct flo_score_counts *c)
{
	*c = s->counts;
}

static size_t cache_index(unsigned bits, double x, double T)
{
	uint64_t a, b, h;

	memcpy(&a, &x, sizeof a);
	memcpy(&b, &T, sizeof b);
	/* Multiplying by odd constants moves the low mantissa bits, where
	 * nearby T differ, into the high bits that are kept. */
	h = a * UINT64_C(0x9e3779b97f4a7c15) + b * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= h >> 29;
	return (size_t)((h * UINT64_C(0x94d049bb133111eb)) >> (64 - bits));
}

double flo_score_p_alive(const struct flo_model *m, const struct flo_history *h)
{
	return p_alive(m, h);
}

/* [0] the CLV's alive sum, [1 + k] the expected purchases given alive at
 * horizon k. */
static void alive_sums(const struct flo_model *m, double x, double T, const double *horizon,
		       size_t nh, unsigned months, double discount, double upm, double *out)
{
	out[0] = clv_alive_sum(m, x, T, months, discount, upm);
	for (size_t k = 0; k < nh; k++)
		out[1 + k] = horizon[k] == 0 ? 0 /* nothing in no time */
			   : expected_alive(m, x, T, horizon[k]);
}

void flo_score_alive_values(const struct flo_model *m, const struct flo_score_config *c,
			    double x, double T, double *out)
{
	double upm = 1;
	flo_unit_per_month(m->unit, &upm);
	alive_sums(m, x, T, c->horizon, c->nhorizon, c->months, c->discount, upm, out);
}

/* The cache entry of (x, T), filled if it held another customer's: [0] the
 * CLV's alive sum (clv.h), [1 + k] the expected purchases given alive at
 * horizon k. */
static const double *alive_values(flo_scorer *s, double x, double T)
{
	double *e = s->cache + cache_index(s->bits, x, T) * s->stride;

	if (e[0] == x && e[1] == T)
		return e + 2;
	e[0] = x;
	e[1] = T;
	alive_sums(&s->m, x, T, s->horizon, s->nh, s->months, s->discount, s->units_per_month,
		   e + 2);
	return e + 2;
}

/* The scores; returns how many exist. */
static size_t score(flo_scorer *s, const struct flo_history *h, double *val)
{
	double alive = p_alive(&s->m, h);
	const double *e = alive_values(s, h->x, h->T);
	double value;

	val[FLO_SCORE_P_ALIVE] = alive;
	for (size_t k = 0; k < s->nh; k++)
		val[FLO_SCORE_PURCHASES(k)] = alive * e[1 + k];
	if (!s->m.has_gg)
		return s->nh + 1;
	if (!flo_gg_expected_value_exists(&s->m.gg, h->x)) {
		s->counts.no_value++;
		return s->nh + 1;
	}
	/* Negative or zero spend is outside the Gamma-Gamma model: the limit
	 * monetary -> 0+ is continuous with small positive spends. */
	if (h->x > 0 && h->m <= 0)
		s->counts.clamped++;
	value = flo_gg_expected_value(&s->m.gg, h->x, fmax(h->m, 0.0));
	val[FLO_SCORE_VALUE(s->nh)] = value;
	/* flo_clv()'s product, with its (x, T) factor from the cache */
	val[FLO_SCORE_CLV(s->nh)] = value * alive * e[0];
	return s->nh + 3;
}

int flo_score(flo_scorer *s, const struct flo_history *h, double *val, size_t *n)
{
	size_t got = score(s, h, val);

	for (size_t k = 0; k < got; k++)
		if (!isfinite(val[k])) {
			*n = k;
			return FLO_ERANGE;
		}
	*n = got;
	return FLO_OK;
}
