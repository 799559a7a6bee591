/* rfm.c: folding order records into per-customer RFM summaries.
 *
 * Orders may arrive in any order.  Counting purchase occasions (distinct
 * days) exactly then needs each customer's distinct days, kept as a sorted
 * array (4 bytes a day, inline for the first two); everything else is a
 * fixed-size running total, so memory follows customers and purchase days,
 * never order lines. */
#include "rfm.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "idmap.h"
#include "kept.h"
#include "money.h"

struct dayset {
	uint32_t n, cap; /* cap <= 2: the days are inline */
	union {
		int32_t inl[2];
		int32_t *heap;
	} u;
};

/* The customers' day arrays beyond the inline two come from an arena, a
 * size class per power of two (4, 8, 16, ... days) with a free list per
 * class for the arrays that grew out of it.  Against malloc this saves its
 * per-block header and, at the end, a million calls to free(). */
#define DAY_CLASSES 32

struct day_arena {
	struct flo_arena mem;
	int32_t *free_list[DAY_CLASSES]; /* each links through its first bytes */
};

static unsigned size_class(uint32_t cap) /* cap: a power of two, 4 or more */
{
	return (unsigned)__builtin_ctz(cap) - 2;
}

static int32_t *arena_alloc(struct day_arena *a, uint32_t cap)
{
	unsigned k = size_class(cap);
	int32_t *p = a->free_list[k];
	if (p != NULL) {
		memcpy(&a->free_list[k], p, sizeof a->free_list[k]); /* the link */
		return p;
	}
	/* 16 bytes or more, a multiple of 16: aligned for the link. */
	return flo_arena_alloc(&a->mem, cap * sizeof *p);
}

static void arena_release(struct day_arena *a, int32_t *p, uint32_t cap)
{
	unsigned k = size_class(cap);
	memcpy(p, &a->free_list[k], sizeof a->free_list[k]); /* the link */
	a->free_list[k] = p;
}

struct idset {
	uint32_t n, cap;
	uint64_t *v; /* sorted hashes of order ids */
};

/* What every customer needs: 80 bytes, touched by every order. */
struct cust {
	int32_t first_day, last_day; /* calibration orders; first_day INT32_MAX if none */
	struct flo_money first_value; /* value of the first purchase occasion */
	struct flo_money revenue, h_value;
	uint32_t orders, h_orders;
	struct dayset days;          /* distinct order days, calibration and holdout */
};

/* What only some options need, in an array of its own beside the customers
 * (absent without them), so that the common run touches less memory. */
struct cust_extra {
	int64_t first_time;          /* per-order occasions: time of the first order */
	int64_t keep_time;           /* --keep: the order the kept values are from */
	unsigned char *kept;
	struct idset order_ids;      /* --order-id */
};

struct flo_rfm {
	struct flo_rfm_config cfg;
	flo_idmap *ids;
	struct cust *cust;
	struct cust_extra *extra; /* NULL unless per_order, nkeep or order_ids */
	size_t cap;
	struct day_arena days;
	int32_t max_day;
	int have_max;
	/* Order logs often list a customer's orders together: the previous
	 * order's customer skips the hash lookup.  Its id is copied here, as
	 * reading it from the id table would miss the cache when (as in logs
	 * in date order) the next order is another customer's. */
	char last_id[64];
	size_t last_len; /* 0: none (ids are never empty) */
	uint32_t last_index;
};

int flo_rfm_new(flo_rfm **out, const struct flo_rfm_config *cfg)
{
	flo_rfm *r = calloc(1, sizeof *r);
	if (r == NULL)
		return FLO_ENOMEM;
	r->cfg = *cfg;
	if (flo_idmap_new(&r->ids) != FLO_OK) {
		free(r);
		return FLO_ENOMEM;
	}
	*out = r;
	return FLO_OK;
}

/* Up to two days are kept in the set itself, more in the arena. */
static int days_inline(const struct dayset *d)
{
	return d->cap <= 2;
}

static int32_t *days_of(struct dayset *d)
{
	return days_inline(d) ? d->u.inl : d->u.heap;
}

void flo_rfm_free(flo_rfm *r)
{
	if (r == NULL)
		return;
	size_t n = flo_idmap_count(r->ids);
	for (size_t i = 0; i < n; i++) {
		if (r->extra != NULL) {
			free(r->extra[i].kept);
			free(r->extra[i].order_ids.v);
		}
	}
	free(r->cust);
	free(r->extra);
	flo_arena_free(&r->days.mem);
	flo_idmap_free(r->ids);
	free(r);
}

/* Insert day if absent; FLO_ENOMEM on failure. */
static int dayset_add(struct day_arena *a, struct dayset *d, int32_t day)
{
	int32_t *v = days_of(d);
	uint32_t lo = 0, hi = d->n;
	if (d->n > 0 && v[d->n - 1] < day) {
		lo = d->n; /* the common case: a later day than any before */
	} else {
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			if (v[mid] < day)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < d->n && v[lo] == day)
			return FLO_OK;
	}
	if (d->n == d->cap || d->cap == 0) {
		uint32_t cap = d->cap < 2 ? 2 : d->cap * 2;
		if (cap > 2) {
			int32_t *heap = arena_alloc(a, cap);
			if (heap == NULL)
				return FLO_ENOMEM;
			memcpy(heap, v, d->n * sizeof *heap);
			if (!days_inline(d))
				arena_release(a, d->u.heap, d->cap);
			d->u.heap = heap;
		}
		d->cap = cap;
		v = days_of(d);
	}
	memmove(v + lo + 1, v + lo, (d->n - lo) * sizeof *v);
	v[lo] = day;
	d->n++;
	return FLO_OK;
}

/* Days in the set up to and including `day`. */
static uint32_t dayset_count_upto(const struct dayset *d, int32_t day)
{
	const int32_t *v = days_inline(d) ? d->u.inl : d->u.heap;
	uint32_t lo = 0, hi = d->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (v[mid] <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 if the hash was new (and is now in the set), 0 if seen, -1 on OOM. */
static int idset_add(struct idset *s, uint64_t h)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->v[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->v[lo] == h)
		return 0;
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 4;
		uint64_t *v = realloc(s->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	memmove(s->v + lo + 1, s->v + lo, (s->n - lo) * sizeof *s->v);
	s->v[lo] = h;
	s->n++;
	return 1;
}

static int same_as_last(const flo_rfm *r, const char *id, size_t len)
{
	return len != 0 && len == r->last_len && memcmp(id, r->last_id, len) == 0;
}

/* The customer's index, a new customer made ready; FLO_ENOMEM on failure.
 * The id's hash is given (flo_hash()). */
static int customer_hashed(flo_rfm *r, const char *id, size_t len, uint64_t hash,
			   uint32_t *index)
{
	uint32_t idx;
	int added = 0, err;
	if ((err = flo_idmap_intern_hashed(r->ids, id, len, hash, &idx, &added)) != FLO_OK)
		return err;
	r->last_len = len <= sizeof r->last_id ? len : 0;
	memcpy(r->last_id, id, r->last_len);
	r->last_index = idx;
	if (idx >= r->cap) {
		const struct flo_rfm_config *cfg = &r->cfg;
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct cust *c = realloc(r->cust, cap * sizeof *c);
		if (c == NULL)
			return FLO_ENOMEM;
		r->cust = c;
		if (cfg->per_order || cfg->nkeep > 0 || cfg->order_ids) {
			struct cust_extra *x = realloc(r->extra, cap * sizeof *x);
			if (x == NULL)
				return FLO_ENOMEM;
			r->extra = x;
		}
		r->cap = cap;
	}
	if (added) {
		struct cust *c = &r->cust[idx];
		memset(c, 0, sizeof *c);
		c->first_day = INT32_MAX;
		if (r->extra != NULL) {
			memset(&r->extra[idx], 0, sizeof r->extra[idx]);
			r->extra[idx].keep_time = INT64_MIN;
		}
	}
	*index = idx;
	return FLO_OK;
}

static int customer(flo_rfm *r, const char *id, size_t len, uint32_t *index)
{
	if (same_as_last(r, id, len)) {
		*index = r->last_index;
		return FLO_OK;
	}
	return customer_hashed(r, id, len, flo_hash(id, len), index);
}

int32_t flo_rfm_day(int64_t t)
{
	return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

int flo_rfm_first_before(int64_t time, double amount, int64_t first_time,
			 struct flo_money first_value)
{
	return time < first_time ||
	       (time == first_time && amount < flo_money_value(first_value));
}

/* Whether an order on `day` is after --as-of (a holdout order); 0 with
 * *late set when it is after the holdout period too (or there is none). */
static int holdout_day(const struct flo_rfm_config *cfg, int32_t day, int *late)
{
	int holdout = cfg->has_as_of && day > cfg->as_of;
	*late = holdout && (!cfg->has_holdout || day > cfg->holdout_end);
	return holdout;
}

/* One order into customer idx's totals. */
static int fold(flo_rfm *r, uint32_t idx, int64_t time, int32_t day, int holdout,
		double amount, const char *order_id, size_t order_id_len,
		const struct flo_field *keep, enum flo_order_fate *fate)
{
	const struct flo_rfm_config *cfg = &r->cfg;
	struct cust *c = &r->cust[idx];
	struct cust_extra *x = r->extra != NULL ? &r->extra[idx] : NULL;
	if (cfg->order_ids) {
		int added = idset_add(&x->order_ids, flo_hash(order_id, order_id_len));
		if (added < 0)
			return FLO_ENOMEM;
		if (added == 0) {
			*fate = FLO_ORDER_REPEATED;
			return FLO_OK;
		}
	}
	if (!cfg->per_order && dayset_add(&r->days, &c->days, day) != FLO_OK)
		return FLO_ENOMEM;
	struct flo_money value = flo_money_of(amount);
	if (holdout) {
		c->h_orders++;
		flo_money_add(&c->h_value, value);
		*fate = FLO_ORDER_HOLDOUT;
		return FLO_OK;
	}
	*fate = FLO_ORDER_CALIBRATION;
	if (cfg->per_order) {
		if (c->orders == 0 ||
		    flo_rfm_first_before(time, amount, x->first_time, c->first_value)) {
			x->first_time = time;
			c->first_value = value;
		}
	} else if (day < c->first_day) {
		c->first_value = value;
	} else if (day == c->first_day) {
		flo_money_add(&c->first_value, value);
	}
	if (day < c->first_day)
		c->first_day = day;
	if (c->orders == 0 || day > c->last_day)
		c->last_day = day;
	c->orders++;
	flo_money_add(&c->revenue, value);
	if (!r->have_max || day > r->max_day) {
		r->max_day = day;
		r->have_max = 1;
	}
	if (cfg->nkeep > 0 && time >= x->keep_time) {
		if (flo_kept_pack(&x->kept, keep, cfg->nkeep) != FLO_OK)
			return FLO_ENOMEM;
		x->keep_time = time;
	}
	return FLO_OK;
}

int flo_rfm_add(flo_rfm *r, const char *id, size_t id_len, int64_t time,
		double amount, const char *order_id, size_t order_id_len,
		const struct flo_field *keep, enum flo_order_fate *fate)
{
	int32_t day = flo_rfm_day(time);
	int late, err;
	int holdout = holdout_day(&r->cfg, day, &late);
	if (late) {
		*fate = FLO_ORDER_LATE;
		return FLO_OK;
	}
	uint32_t idx;
	if ((err = customer(r, id, id_len, &idx)) != FLO_OK)
		return err;
	return fold(r, idx, time, day, holdout, amount, order_id, order_id_len, keep, fate);
}

/* Orders a batch step looks up together: enough to keep memory busy. */
#define BATCH 32

int flo_rfm_add_batch(flo_rfm *r, const struct flo_rfm_order *o, size_t n, long counts[4])
{
	uint64_t hash[BATCH];
	uint32_t idx[BATCH];
	int32_t day[BATCH];
	unsigned char state[BATCH]; /* 0 late, 1 calibration, 2 holdout */
	if (r->cfg.order_ids || r->cfg.nkeep > 0)
		return FLO_EVALUE; /* these orders would need what a batch omits */
	for (size_t base = 0; base < n; base += BATCH) {
		size_t m = n - base < BATCH ? n - base : BATCH;
		const struct flo_rfm_order *b = o + base;
		/* 1: hash each id and request its slot in the id table. */
		for (size_t i = 0; i < m; i++) {
			int late;
			day[i] = flo_rfm_day(b[i].time);
			state[i] = (unsigned char)(1 + holdout_day(&r->cfg, day[i], &late));
			if (late) {
				state[i] = 0;
				continue;
			}
			hash[i] = flo_hash(b[i].id, b[i].id_len);
			flo_idmap_prefetch(r->ids, hash[i]);
		}
		/* 2: find the customers (in order: a new id gets the next
		 * index) and request their totals. */
		for (size_t i = 0; i < m; i++) {
			if (state[i] == 0)
				continue;
			if (same_as_last(r, b[i].id, b[i].id_len)) {
				idx[i] = r->last_index;
			} else {
				int err = customer_hashed(r, b[i].id, b[i].id_len, hash[i], &idx[i]);
				if (err != FLO_OK)
					return err;
			}
			__builtin_prefetch(&r->cust[idx[i]]);
			__builtin_prefetch((const char *)&r->cust[idx[i]] + 63);
		}
		/* 3: request each customer's purchase days beyond the inline two. */
		for (size_t i = 0; i < m; i++) {
			const struct dayset *d = state[i] ? &r->cust[idx[i]].days : NULL;
			if (d != NULL && !days_inline(d))
				__builtin_prefetch(d->u.heap + (d->n ? d->n - 1 : 0));
		}
		/* 4: fold the orders in, in their order. */
		for (size_t i = 0; i < m; i++) {
			enum flo_order_fate fate = FLO_ORDER_LATE;
			if (state[i] != 0) {
				int err = fold(r, idx[i], b[i].time, day[i], state[i] == 2,
					       b[i].amount, NULL, 0, NULL, &fate);
				if (err != FLO_OK)
					return err;
			}
			counts[fate]++;
		}
	}
	return FLO_OK;
}

size_t flo_rfm_customers(const flo_rfm *r)
{
	return flo_idmap_count(r->ids);
}

int32_t flo_rfm_as_of(const flo_rfm *r)
{
	return r->cfg.has_as_of ? r->cfg.as_of : r->max_day;
}

double flo_rfm_bytes_per_customer(const flo_rfm *r)
{
	size_t n = flo_idmap_count(r->ids);
	if (n == 0)
		return 0;
	size_t bytes = flo_idmap_bytes(r->ids) + r->cap * sizeof *r->cust + r->days.mem.bytes;
	if (r->extra != NULL)
		bytes += r->cap * sizeof *r->extra;
	for (size_t i = 0; r->extra != NULL && i < n; i++)
		bytes += r->extra[i].order_ids.cap * sizeof(uint64_t);
	return (double)bytes / (double)n;
}

#define PREFETCH_AHEAD 16

uint32_t *flo_rfm_order(const flo_rfm *r)
{
	return flo_idmap_sorted(r->ids);
}

int flo_rfm_each_range(const flo_rfm *r, const uint32_t *order, size_t lo, size_t hi,
		       flo_summary_fn *fn, void *ctx, size_t *holdout_only)
{
	const struct flo_rfm_config *cfg = &r->cfg;
	struct flo_field *kept = calloc(cfg->nkeep ? cfg->nkeep : 1, sizeof *kept);
	if (kept == NULL)
		return FLO_ENOMEM;
	int32_t as_of = flo_rfm_as_of(r);
	for (size_t k = lo; k < hi; k++) {
		/* In id order the customers are anywhere in memory: ask for
		 * what is needed a few steps ahead, in two stages (the second
		 * follows pointers the first brought in). */
		if (k + PREFETCH_AHEAD < hi) {
			const struct cust *ahead = &r->cust[order[k + PREFETCH_AHEAD]];
			__builtin_prefetch(ahead);
			__builtin_prefetch((const char *)ahead + 63);
			flo_idmap_prefetch_id(r->ids, order[k + PREFETCH_AHEAD], 0);
		}
		if (k + PREFETCH_AHEAD / 2 < hi) {
			const struct dayset *d = &r->cust[order[k + PREFETCH_AHEAD / 2]].days;
			if (!days_inline(d))
				__builtin_prefetch(d->u.heap);
			flo_idmap_prefetch_id(r->ids, order[k + PREFETCH_AHEAD / 2], 1);
		}
		const struct cust *c = &r->cust[order[k]];
		if (c->orders == 0) {
			(*holdout_only)++;
			continue;
		}
		struct flo_rfm_totals t = {
			.first_day = c->first_day, .last_day = c->last_day,
			.orders = c->orders, .h_orders = c->h_orders,
			.first_value = c->first_value, .revenue = c->revenue,
			.h_value = c->h_value,
		};
		if (cfg->per_order) {
			t.occasions = c->orders;
			t.h_occasions = c->h_orders;
		} else {
			t.occasions = dayset_count_upto(&c->days, as_of);
			t.h_occasions = c->days.n - t.occasions;
		}
		struct flo_summary s = {0};
		flo_rfm_summarise(cfg, as_of, &t, &s);
		s.id = flo_idmap_id(r->ids, order[k], &s.id_len);
		flo_kept_unpack(r->extra != NULL ? r->extra[order[k]].kept : NULL, kept,
				cfg->nkeep);
		s.kept = kept;
		fn(ctx, &s);
	}
	free(kept);
	return FLO_OK;
}

int flo_rfm_each(flo_rfm *r, flo_summary_fn *fn, void *ctx, size_t *holdout_only)
{
	uint32_t *order = flo_rfm_order(r);
	if (order == NULL)
		return FLO_ENOMEM;
	*holdout_only = 0;
	int err = flo_rfm_each_range(r, order, 0, flo_rfm_customers(r), fn, ctx, holdout_only);
	free(order);
	return err;
}

void flo_rfm_summarise(const struct flo_rfm_config *cfg, int32_t as_of,
		       const struct flo_rfm_totals *t, struct flo_summary *s)
{
	double repeats = t->occasions - 1, revenue = flo_money_value(t->revenue);
	if (cfg->freq_total) {
		s->frequency = t->occasions;
		s->monetary = revenue / t->occasions;
	} else {
		double repeat_value = flo_money_value(flo_money_sub(t->revenue, t->first_value));
		s->frequency = repeats;
		s->monetary = repeats > 0 ? repeat_value / repeats : 0;
	}
	s->recency = (t->last_day - t->first_day) / cfg->unit_days;
	s->T = (as_of - t->first_day) / cfg->unit_days;
	s->orders = t->orders;
	s->revenue = revenue;
	s->first_order = t->first_day;
	s->last_order = t->last_day;
	s->holdout_purchases = t->h_occasions;
	s->holdout_value = flo_money_value(t->h_value);
}
