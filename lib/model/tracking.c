/* tracking.c: repeat transactions per period, actual and expected. */
#include "model/tracking.h"

#include <math.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/idmap.h"

/* A count per day: open addressing on the day, doubled when half full. */
struct daycount {
	int32_t *day;
	double *n;
	size_t cap, used;
};

#define EMPTY INT32_MIN

struct flo_tracking {
	struct daycount first, repeat;
	int32_t lo, hi;
	int any;
	flo_idmap *ids;  /* customer ids seen, to dense indexes */
	int32_t *last;   /* per index: the customer's last order day */
	size_t last_cap;
};

static size_t slot(int32_t day, size_t cap)
{
	uint32_t h = (uint32_t)day * 2654435761u;
	return (size_t)(h ^ (h >> 15)) & (cap - 1);
}

static int dc_grow(struct daycount *d)
{
	size_t cap = d->cap ? d->cap * 2 : 256;
	int32_t *day = malloc(cap * sizeof *day);
	double *n = malloc(cap * sizeof *n);

	if (day == NULL || n == NULL) {
		free(day);
		free(n);
		return FLO_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		day[i] = EMPTY;
	for (size_t i = 0; i < d->cap; i++)
		if (d->day[i] != EMPTY) {
			size_t j = slot(d->day[i], cap);
			while (day[j] != EMPTY)
				j = (j + 1) & (cap - 1);
			day[j] = d->day[i];
			n[j] = d->n[i];
		}
	free(d->day);
	free(d->n);
	d->day = day;
	d->n = n;
	d->cap = cap;
	return FLO_OK;
}

static int dc_add(struct daycount *d, int32_t day)
{
	size_t j;

	if (2 * (d->used + 1) > d->cap && dc_grow(d) != FLO_OK)
		return FLO_ENOMEM;
	for (j = slot(day, d->cap); d->day[j] != EMPTY && d->day[j] != day;)
		j = (j + 1) & (d->cap - 1);
	if (d->day[j] == EMPTY) {
		d->day[j] = day;
		d->n[j] = 0;
		d->used++;
	}
	d->n[j] += 1;
	return FLO_OK;
}

int flo_tracking_new(flo_tracking **t)
{
	*t = calloc(1, sizeof **t);
	if (*t == NULL || flo_idmap_new(&(*t)->ids) != FLO_OK) {
		flo_tracking_free(*t);
		*t = NULL;
		return FLO_ENOMEM;
	}
	return FLO_OK;
}

void flo_tracking_free(flo_tracking *t)
{
	if (t == NULL)
		return;
	free(t->first.day);
	free(t->first.n);
	free(t->repeat.day);
	free(t->repeat.n);
	flo_idmap_free(t->ids);
	free(t->last);
	free(t);
}

static void seen(flo_tracking *t, int32_t day)
{
	if (!t->any || day < t->lo)
		t->lo = day;
	if (!t->any || day > t->hi)
		t->hi = day;
	t->any = 1;
}

int flo_tracking_customer(flo_tracking *t, int32_t first)
{
	seen(t, first);
	return dc_add(&t->first, first);
}

int flo_tracking_repeat(flo_tracking *t, int32_t day)
{
	seen(t, day);
	return dc_add(&t->repeat, day);
}

int flo_tracking_order(flo_tracking *t, const char *id, size_t len, int32_t day)
{
	uint32_t k;
	int added, rc = flo_idmap_intern(t->ids, id, len, &k, &added);

	if (rc != FLO_OK)
		return rc;
	if (added) {
		if (k >= t->last_cap) {
			size_t cap = t->last_cap ? 2 * t->last_cap : 1024;
			int32_t *last = realloc(t->last, cap * sizeof *last);
			if (last == NULL)
				return FLO_ENOMEM;
			t->last = last;
			t->last_cap = cap;
		}
		t->last[k] = day;
		return flo_tracking_customer(t, day);
	}
	if (day < t->last[k])
		return FLO_EVALUE;
	if (day == t->last[k])
		return FLO_OK;
	t->last[k] = day;
	return flo_tracking_repeat(t, day);
}

int flo_tracking_span(const flo_tracking *t, int32_t *first, int32_t *last)
{
	*first = t->lo;
	*last = t->hi;
	return t->any;
}

int flo_tracking_curve(const flo_tracking *t, const struct flo_purchase_model *f, int32_t start,
		       int32_t len, size_t nperiods, double unit_days, double *actual,
		       double *expected)
{
	double before = 0.0;

	for (size_t k = 0; k < nperiods; k++)
		actual[k] = 0.0;
	for (size_t i = 0; i < t->repeat.cap; i++) {
		int64_t off = (int64_t)t->repeat.day[i] - start;
		if (t->repeat.day[i] != EMPTY && off >= 0 && off / len < (int64_t)nperiods)
			actual[off / len] += t->repeat.n[i];
	}
	for (size_t k = 0; k < nperiods; k++) {
		int64_t last = (int64_t)start + (int64_t)(k + 1) * len - 1;
		double cum = 0.0;

		/* FHL 2005 eq. (9) per cohort: c customers, each E[X(t)] */
		for (size_t i = 0; i < t->first.cap; i++) {
			int32_t d = t->first.day[i];
			if (d == EMPTY || d >= last)
				continue;
			cum += t->first.n[i] * f->expected_count(f->params, (double)(last - d) / unit_days);
		}
		if (!isfinite(cum))
			return FLO_ERANGE;
		expected[k] = cum - before;
		before = cum;
	}
	return FLO_OK;
}
