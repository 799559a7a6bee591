/* rfm.c: folding order records into per-customer RFM summaries.
 *
 * Orders may arrive in any order.  Counting purchase occasions (distinct
 * days) exactly then needs each customer's distinct days, kept as a sorted
 * array (4 bytes a day, inline for the first two); everything else is a
 * fixed-size running total, so memory follows customers and purchase days,
 * never order lines. */
#include "rfm/rfm.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "base/idmap.h"
#include "rfm/kept.h"
#include "base/money.h"

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

/* What every customer needs, touched by every order: one cache line (in
 * a log in date order each order's customer is a cache miss; with 80
 * bytes, most customers were two).  The sums of order values keep their
 * exact parts here (money.h); the inexact ones, of amounts with more than
 * six decimals, are kept aside for the few customers who have any. */
struct cust {
	int32_t first_day, last_day; /* calibration orders; first_day INT32_MAX if none */
	uint32_t orders, h_orders;
	int64_t first_micros;        /* value of the first purchase occasion */
	int64_t revenue_micros, h_micros;
	struct dayset days;          /* distinct order days, calibration and holdout */
	uint32_t rests;              /* 1 + its index in the part's rests, 0 if none */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct cust) == 64, "a customer's totals fill one cache line");

/* A customer's sums of order values (money.h), put together. */
struct cust_money {
	struct flo_money first, revenue, h;
};

/* Their inexact parts, for a customer who has any. */
struct cust_rests {
	double first, revenue, h;
};

/* What only some options need, in an array of its own beside the customers
 * (absent without them), so that the common run touches less memory. */
struct cust_extra {
	int64_t first_time;          /* per-order occasions: time of the first order */
	int64_t keep_time;           /* --keep: the order the kept values are from */
	unsigned char *kept;
	struct idset order_ids;      /* --order-id */
	struct flo_money *day_value; /* --returns net: each purchase day's value, */
	uint32_t day_values, day_value_cap; /* in the order of the customer's days */
};

/* A return folded in at the end (--returns net), when every purchase it
 * may reduce is known. */
struct pending_return {
	uint32_t idx;
	unsigned char part, holdout;
	int32_t day;
	struct flo_money value; /* > 0 */
};

/* The customers whose ids hash into one part (flo_rfm_part()): a table of
 * their own, so that two threads can fold orders into two parts at once. */
struct part {
	flo_idmap *ids;
	struct cust *cust;        /* cap of them, 64-byte aligned, in cust_mem */
	void *cust_mem;
	struct cust_extra *extra; /* NULL unless per_order, nkeep or order_ids */
	size_t cap;
	struct cust_rests *rests;
	size_t nrests, rests_cap;
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

/* Orders flo_rfm_add_batch() gathers for each part before folding them in. */
#define GATHER 256

struct flo_rfm {
	struct flo_rfm_config cfg;
	struct part part[FLO_RFM_MAX_PARTS];
	unsigned nparts, part_bits;     /* nparts = 2^part_bits */
	unsigned last_part;             /* the part of the previous order folded in alone */
	struct flo_rfm_order *gathered; /* GATHER a part, for flo_rfm_add_batch() */
	struct pending_return *returns; /* --returns net */
	size_t nreturns, returns_cap;
};

int flo_rfm_new(flo_rfm **out, const struct flo_rfm_config *cfg)
{
	unsigned parts = cfg->parts ? cfg->parts : 1;
	if (parts > FLO_RFM_MAX_PARTS || (parts & (parts - 1)) != 0)
		return FLO_EVALUE;
	flo_rfm *r = calloc(1, sizeof *r);
	if (r == NULL)
		return FLO_ENOMEM;
	r->cfg = *cfg;
	r->nparts = parts;
	r->part_bits = (unsigned)__builtin_ctz(parts);
	r->gathered = malloc(parts * GATHER * sizeof *r->gathered);
	for (unsigned k = 0; k < parts; k++)
		if (r->gathered == NULL || flo_idmap_new(&r->part[k].ids) != FLO_OK) {
			flo_rfm_free(r);
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
	for (unsigned k = 0; k < r->nparts; k++) {
		struct part *pt = &r->part[k];
		if (pt->ids == NULL)
			continue;
		size_t n = flo_idmap_count(pt->ids);
		for (size_t i = 0; pt->extra != NULL && i < n; i++) {
			free(pt->extra[i].kept);
			free(pt->extra[i].order_ids.v);
			free(pt->extra[i].day_value);
		}
		free(pt->cust_mem);
		free(pt->extra);
		free(pt->rests);
		flo_arena_free(&pt->days.mem);
		flo_idmap_free(pt->ids);
	}
	free(r->gathered);
	free(r->returns);
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

/* Where h is or would go in the sorted set. */
static inline uint32_t idset_find(const struct idset *s, uint64_t h)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->v[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 if the hash was new (and is now in the set), 0 if seen, -1 on OOM. */
static inline __attribute__((always_inline)) int idset_add(struct idset *s, uint64_t h)
{
	uint32_t lo = idset_find(s, h);
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

/* Whether the set holds h. */
static int idset_has(const struct idset *s, uint64_t h)
{
	uint32_t lo = idset_find(s, h);
	return lo < s->n && s->v[lo] == h;
}

unsigned flo_rfm_parts(const flo_rfm *r)
{
	return r->nparts;
}

unsigned flo_rfm_part(const flo_rfm *r, uint64_t hash)
{
	/* The top bits: the id table places ids by the bottom ones. */
	return r->part_bits ? (unsigned)(hash >> (64 - r->part_bits)) : 0;
}

/* Whether id is the previous order's.  Compared here, eight bytes at a
 * time: ids are short, and a call to memcmp() cost more than the compare. */
static int same_as_last(const struct part *pt, const char *id, size_t len)
{
	if (len == 0 || len != pt->last_len)
		return 0;
	const char *last = pt->last_id;
	for (; len >= 8; id += 8, last += 8, len -= 8) {
		uint64_t a, b;
		memcpy(&a, id, 8);
		memcpy(&b, last, 8);
		if (a != b)
			return 0;
	}
	while (len > 0 && *id == *last)
		id++, last++, len--;
	return len == 0;
}

/* The customer's index in its part, a new customer made ready; FLO_ENOMEM
 * on failure.  The id's hash is given (flo_hash()). */
static int customer_hashed(const struct flo_rfm_config *cfg, struct part *pt, const char *id,
			   size_t len, uint64_t hash, uint32_t *index)
{
	uint32_t idx;
	int added = 0, err;
	if ((err = flo_idmap_intern_hashed(pt->ids, id, len, hash, &idx, &added)) != FLO_OK)
		return err;
	pt->last_len = len <= sizeof pt->last_id ? len : 0;
	memcpy(pt->last_id, id, pt->last_len);
	pt->last_index = idx;
	if (idx >= pt->cap) {
		size_t cap = pt->cap ? pt->cap * 2 : 1024;
		/* realloc() keeps the contents but not the alignment: the
		 * customers move up to it when it differs (for large arrays,
		 * which the system maps and remaps whole, it never does). */
		const size_t align = _Alignof(struct cust);
		size_t was = pt->cap > 0 ? (size_t)((char *)pt->cust - (char *)pt->cust_mem) : 0;
		char *mem = realloc(pt->cust_mem, cap * sizeof *pt->cust + align);
		if (mem == NULL)
			return FLO_ENOMEM;
		size_t at = (align - (uintptr_t)mem % align) % align;
		if (pt->cap > 0 && at != was)
			memmove(mem + at, mem + was, pt->cap * sizeof *pt->cust);
		pt->cust_mem = mem;
		pt->cust = (struct cust *)(void *)(mem + at);
		if (cfg->per_order || cfg->nkeep > 0 || cfg->order_ids || cfg->net_returns) {
			struct cust_extra *x = realloc(pt->extra, cap * sizeof *x);
			if (x == NULL)
				return FLO_ENOMEM;
			pt->extra = x;
		}
		pt->cap = cap;
	}
	if (added) {
		struct cust *c = &pt->cust[idx];
		memset(c, 0, sizeof *c);
		c->first_day = INT32_MAX;
		if (pt->extra != NULL) {
			memset(&pt->extra[idx], 0, sizeof pt->extra[idx]);
			pt->extra[idx].keep_time = INT64_MIN;
		}
	}
	*index = idx;
	return FLO_OK;
}

/* The customer's part and index there.  The previous order's customer is
 * recognised before hashing: its part is known. */
static int customer(flo_rfm *r, const char *id, size_t len, struct part **pt,
		    uint32_t *index)
{
	*pt = &r->part[r->last_part];
	if (same_as_last(*pt, id, len)) {
		*index = (*pt)->last_index;
		return FLO_OK;
	}
	uint64_t hash = flo_hash(id, len);
	r->last_part = flo_rfm_part(r, hash);
	*pt = &r->part[r->last_part];
	return customer_hashed(&r->cfg, *pt, id, len, hash, index);
}

int32_t flo_rfm_day(int64_t t)
{
	return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

/* Day 0, 1970-01-01, was a Thursday: day + 3 counts from the Monday before. */
static int32_t floor_mod7(int32_t d)
{
	int32_t m = d % 7;
	return m < 0 ? m + 7 : m;
}

int32_t flo_period_start(enum flo_period p, int32_t day)
{
	if (p == FLO_PERIOD_WEEK)
		return day - floor_mod7(day + 3);
	if (p == FLO_PERIOD_MONTH) {
		int year;
		unsigned month, mday;
		flo_civil_from_day(day, &year, &month, &mday);
		return flo_day_from_civil(year, month, 1);
	}
	return day;
}

int32_t flo_period_index(enum flo_period p, int32_t day)
{
	if (p == FLO_PERIOD_WEEK)
		return (flo_period_start(p, day) + 3) / 7;
	if (p == FLO_PERIOD_MONTH) {
		int year;
		unsigned month, mday;
		flo_civil_from_day(day, &year, &month, &mday);
		return (year - 1970) * 12 + (int32_t)month - 1;
	}
	return day;
}

/* A holdout order's occasion is after as_of even when its period began
 * before: the period that straddles as_of is a purchase in both, as
 * lifetimes' calibration_and_holdout_data counts the holdout's periods from
 * the orders after calibration_period_end. */
int32_t flo_rfm_occasion_day(const struct flo_rfm_config *cfg, int32_t day, int holdout)
{
	if (cfg->period == FLO_PERIOD_NONE)
		return day;
	int32_t key = flo_period_start(cfg->period, day);
	return holdout && key <= cfg->as_of ? cfg->as_of + 1 : key;
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

/* Customer c's sums, the exact parts with the inexact ones (if any). */
static struct cust_money money_of(const struct part *pt, const struct cust *c)
{
	const struct cust_rests none = {0, 0, 0};
	const struct cust_rests *r = c->rests ? &pt->rests[c->rests - 1] : &none;
	return (struct cust_money){{c->first_micros, r->first}, {c->revenue_micros, r->revenue},
				   {c->h_micros, r->h}};
}

/* The sums back into customer c; FLO_ENOMEM. */
static int set_money(struct part *pt, struct cust *c, const struct cust_money *m)
{
	c->first_micros = m->first.micros;
	c->revenue_micros = m->revenue.micros;
	c->h_micros = m->h.micros;
	if (c->rests == 0 && m->first.rest == 0 && m->revenue.rest == 0 && m->h.rest == 0)
		return FLO_OK;
	if (c->rests == 0) {
		if (pt->nrests == pt->rests_cap) {
			size_t cap = pt->rests_cap ? 2 * pt->rests_cap : 64;
			struct cust_rests *r = realloc(pt->rests, cap * sizeof *r);
			if (r == NULL)
				return FLO_ENOMEM;
			pt->rests = r;
			pt->rests_cap = cap;
		}
		c->rests = (uint32_t)++pt->nrests;
	}
	pt->rests[c->rests - 1] = (struct cust_rests){m->first.rest, m->revenue.rest, m->h.rest};
	return FLO_OK;
}

/* One order into the totals of customer idx of part pt.  FLO_ERANGE, with
 * nothing changed, when a sum would leave money.h's bounds. */
static int fold(const struct flo_rfm_config *cfg, struct part *pt, uint32_t idx, int64_t time,
		int32_t day, int holdout, struct flo_money value, const char *order_id,
		size_t order_id_len, const struct flo_field *keep, enum flo_order_fate *fate)
{
	struct cust *c = &pt->cust[idx];
	struct cust_extra *x = pt->extra != NULL ? &pt->extra[idx] : NULL;
	uint64_t id_hash = 0;
	if (cfg->order_ids) {
		id_hash = flo_hash(order_id, order_id_len);
		if (idset_has(&x->order_ids, id_hash)) {
			*fate = FLO_ORDER_REPEATED;
			return FLO_OK;
		}
	}
	/* The new sums first: an order they cannot take changes nothing. */
	struct cust_money m = money_of(pt, c);
	int new_first = 0;
	if (holdout) {
		if (!flo_money_add_checked(&m.h, value))
			return FLO_ERANGE;
	} else {
		if (cfg->per_order) {
			new_first = c->orders == 0 || flo_rfm_first_before(time, flo_money_value(value),
									 x->first_time, m.first);
			if (new_first)
				m.first = value;
		} else if (day < c->first_day) {
			m.first = value;
		} else if (day == c->first_day && !flo_money_add_checked(&m.first, value)) {
			return FLO_ERANGE;
		}
		if (!flo_money_ok(m.first) || !flo_money_add_checked(&m.revenue, value))
			return FLO_ERANGE;
	}
	if (cfg->order_ids && idset_add(&x->order_ids, id_hash) < 0)
		return FLO_ENOMEM;
	if (!cfg->per_order && dayset_add(&pt->days, &c->days, day) != FLO_OK)
		return FLO_ENOMEM;
	if (holdout) {
		c->h_orders++;
		*fate = FLO_ORDER_HOLDOUT;
		return set_money(pt, c, &m);
	}
	*fate = FLO_ORDER_CALIBRATION;
	if (new_first)
		x->first_time = time;
	if (day < c->first_day)
		c->first_day = day;
	if (c->orders == 0 || day > c->last_day)
		c->last_day = day;
	c->orders++;
	if (set_money(pt, c, &m) != FLO_OK)
		return FLO_ENOMEM;
	if (!pt->have_max || day > pt->max_day) {
		pt->max_day = day;
		pt->have_max = 1;
	}
	if (cfg->nkeep > 0 && time >= x->keep_time) {
		if (flo_kept_pack(&x->kept, keep, cfg->nkeep) != FLO_OK)
			return FLO_ENOMEM;
		x->keep_time = time;
	}
	return FLO_OK;
}

/* A further line of an order the customer has (order_ids), on a day that is
 * an occasion already: its value added to that order; no order counted, but
 * when the order's earlier lines were all in the holdout.  FLO_ERANGE as
 * fold(). */
static int fold_line(const struct flo_rfm_config *cfg, struct part *pt, uint32_t idx,
		     int64_t time, int32_t day, int holdout, struct flo_money value,
		     const struct flo_field *keep, enum flo_order_fate *fate)
{
	struct cust *c = &pt->cust[idx];
	struct cust_extra *x = &pt->extra[idx];
	struct cust_money m = money_of(pt, c);
	if (holdout) {
		if (!flo_money_add_checked(&m.h, value))
			return FLO_ERANGE;
		*fate = FLO_ORDER_HOLDOUT;
		return set_money(pt, c, &m);
	}
	int first_line = 0;
	if (cfg->per_order) {
		first_line = c->orders == 0 || time == x->first_time; /* a line of the first order */
		if (c->orders == 0)
			m.first = (struct flo_money){0, 0};
		if (first_line && !flo_money_add_checked(&m.first, value))
			return FLO_ERANGE;
	} else if (day < c->first_day) {
		m.first = value;
	} else if (day == c->first_day && !flo_money_add_checked(&m.first, value)) {
		return FLO_ERANGE;
	}
	if (!flo_money_ok(m.first) || !flo_money_add_checked(&m.revenue, value))
		return FLO_ERANGE;
	*fate = FLO_ORDER_CALIBRATION;
	if (first_line)
		x->first_time = time;
	if (day < c->first_day)
		c->first_day = day;
	if (c->orders == 0 || day > c->last_day)
		c->last_day = day;
	if (c->orders == 0)
		c->orders = 1;
	if (set_money(pt, c, &m) != FLO_OK)
		return FLO_ENOMEM;
	if (!pt->have_max || day > pt->max_day) {
		pt->max_day = day;
		pt->have_max = 1;
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
	return flo_rfm_add_line(r, id, id_len, time, amount, order_id, order_id_len, 0, keep,
				fate);
}

/* --returns net: an order's value onto its day's, kept in the order of the
 * customer's days (a day new to the customer, just added to them, gets a
 * slot of its own). */
static int add_day_value(struct part *pt, uint32_t idx, int32_t day, struct flo_money value)
{
	const struct dayset *d = &pt->cust[idx].days;
	struct cust_extra *x = &pt->extra[idx];
	uint32_t at = dayset_count_upto(d, day - 1);
	if (d->n > x->day_value_cap) {
		uint32_t cap = x->day_value_cap ? 2 * x->day_value_cap : 2;
		struct flo_money *v = realloc(x->day_value, cap * sizeof *v);
		if (v == NULL)
			return FLO_ENOMEM;
		x->day_value = v;
		x->day_value_cap = cap;
	}
	if (x->day_values < d->n) {
		memmove(x->day_value + at + 1, x->day_value + at,
			(x->day_values - at) * sizeof *x->day_value);
		x->day_value[at] = (struct flo_money){0, 0};
		x->day_values++;
	}
	flo_money_add(&x->day_value[at], value);
	return FLO_OK;
}

static int add_line(flo_rfm *r, const char *id, size_t id_len, int64_t time, double amount,
		    const char *order_id, size_t order_id_len, uint64_t line,
		    const struct flo_field *keep, enum flo_order_fate *fate)
{
	int32_t day = flo_rfm_day(time);
	int late, err;
	int holdout = holdout_day(&r->cfg, day, &late);
	if (late) {
		*fate = FLO_ORDER_LATE;
		return FLO_OK;
	}
	day = flo_rfm_occasion_day(&r->cfg, day, holdout);
	struct flo_money value = flo_money_of(amount);
	/* Before the customer is made: a value no sum can take. */
	if (!flo_money_ok(value))
		return FLO_ERANGE;
	struct part *pt;
	uint32_t idx;
	if ((err = customer(r, id, id_len, &pt, &idx)) != FLO_OK)
		return err;
	const struct flo_rfm_config *cfg = &r->cfg;
	struct flo_rfm_config nocheck;
	if (line != 0 && r->cfg.order_ids) {
		/* The lines' hashes share the set with the orders': 8 bytes each. */
		struct idset *seen = &pt->extra[idx].order_ids;
		if (idset_has(seen, line)) {
			*fate = FLO_ORDER_REPEATED;
			return FLO_OK;
		}
		/* A line on a day of its own (an order across midnight) is that
		 * day's purchase, as an order: the occasion is the day. */
		const struct dayset *days = &pt->cust[idx].days;
		int known = idset_has(seen, flo_hash(order_id, order_id_len));
		int new_day = !r->cfg.per_order &&
			      dayset_count_upto(days, day) == dayset_count_upto(days, day - 1);
		if (known && !new_day) {
			err = fold_line(&r->cfg, pt, idx, time, day, holdout, value, keep, fate);
		} else {
			if (known) {
				nocheck = r->cfg;
				nocheck.order_ids = 0; /* the order's hash is in the set already */
				cfg = &nocheck;
			}
			err = fold(cfg, pt, idx, time, day, holdout, value, order_id, order_id_len,
				   keep, fate);
		}
		/* The line is seen only once its value is in. */
		if (err == FLO_OK && idset_add(seen, line) < 0)
			err = FLO_ENOMEM;
		return err;
	}
	return fold(cfg, pt, idx, time, day, holdout, value, order_id, order_id_len, keep, fate);
}

int flo_rfm_add_line(flo_rfm *r, const char *id, size_t id_len, int64_t time, double amount,
		     const char *order_id, size_t order_id_len, uint64_t line,
		     const struct flo_field *keep, enum flo_order_fate *fate)
{
	int err = add_line(r, id, id_len, time, amount, order_id, order_id_len, line, keep, fate);
	if (err == FLO_OK && r->cfg.net_returns &&
	    (*fate == FLO_ORDER_CALIBRATION || *fate == FLO_ORDER_HOLDOUT)) {
		struct part *pt = &r->part[r->last_part];
		int32_t day = flo_rfm_day(time);
		day = flo_rfm_occasion_day(&r->cfg, day, *fate == FLO_ORDER_HOLDOUT);
		err = add_day_value(pt, pt->last_index, day, flo_money_of(amount));
	}
	return err;
}


int flo_rfm_add_return(flo_rfm *r, const char *id, size_t id_len, int64_t time, double value,
		       uint64_t line, enum flo_order_fate *fate)
{
	int32_t day = flo_rfm_day(time);
	int late, err;
	int holdout = holdout_day(&r->cfg, day, &late);
	if (!r->cfg.net_returns)
		return FLO_EVALUE;
	if (late) {
		*fate = FLO_ORDER_LATE;
		return FLO_OK;
	}
	day = flo_rfm_occasion_day(&r->cfg, day, holdout);
	struct part *pt;
	uint32_t idx;
	if ((err = customer(r, id, id_len, &pt, &idx)) != FLO_OK)
		return err;
	if (line != 0 && r->cfg.order_ids) {
		int added = idset_add(&pt->extra[idx].order_ids, line);
		if (added <= 0) {
			*fate = FLO_ORDER_REPEATED;
			return added < 0 ? FLO_ENOMEM : FLO_OK;
		}
	}
	if (r->nreturns == r->returns_cap) {
		size_t cap = r->returns_cap ? 2 * r->returns_cap : 256;
		struct pending_return *v = realloc(r->returns, cap * sizeof *v);
		if (v == NULL)
			return FLO_ENOMEM;
		r->returns = v;
		r->returns_cap = cap;
	}
	r->returns[r->nreturns++] = (struct pending_return){
		idx, (unsigned char)(pt - r->part), (unsigned char)holdout, day,
		flo_money_of(value)};
	*fate = holdout ? FLO_ORDER_HOLDOUT : FLO_ORDER_CALIBRATION;
	return FLO_OK;
}

/* One return folded in: 0, or 1 when it found no purchase to reduce. */
static int net_return(const struct flo_rfm_config *cfg, struct part *pt,
		      const struct pending_return *ret, int *capped)
{
	struct cust *c = &pt->cust[ret->idx];
	struct cust_extra *x = &pt->extra[ret->idx];
	uint32_t at = dayset_count_upto(&c->days, ret->day);
	const int32_t *days = days_of(&c->days);
	/* The purchase: that day's, else the latest before, in its period. */
	if (at == 0 || (ret->holdout && days[at - 1] <= cfg->as_of))
		return 1;
	struct flo_money *target = &x->day_value[at - 1];
	struct flo_money cut = ret->value;
	*capped = flo_money_value(cut) > flo_money_value(*target);
	if (*capped)
		cut = *target;
	*target = flo_money_sub(*target, cut);
	struct cust_money m = money_of(pt, c);
	if (ret->holdout) {
		m.h = flo_money_sub(m.h, cut);
	} else {
		m.revenue = flo_money_sub(m.revenue, cut);
		if (days[at - 1] == c->first_day)
			m.first = flo_money_sub(m.first, cut);
	}
	return set_money(pt, c, &m) == FLO_OK ? 0 : -1;
}

int flo_rfm_net_returns(flo_rfm *r, long *unmatched, long *capped)
{
	*unmatched = *capped = 0;
	for (size_t i = 0; i < r->nreturns; i++) {
		const struct pending_return *ret = &r->returns[i];
		int cap = 0;
		int got = net_return(&r->cfg, &r->part[ret->part], ret, &cap);
		if (got < 0)
			return FLO_ENOMEM;
		*unmatched += got;
		*capped += cap;
	}
	r->nreturns = 0;
	return FLO_OK;
}

size_t flo_rfm_returns_only(const flo_rfm *r)
{
	size_t n = 0;
	for (unsigned k = 0; k < r->nparts; k++) {
		const struct part *pt = &r->part[k];
		for (size_t i = 0; i < flo_idmap_count(pt->ids); i++)
			n += pt->cust[i].orders == 0 && pt->cust[i].h_orders == 0;
	}
	return n;
}

/* Folding an order in waits for memory three times, each load needing the
 * one before: the id's slot in the id table, then the customer's totals,
 * then the customer's purchase days.  So each order's loads are requested
 * AHEAD orders apart (software pipelining): at one step the slot of order
 * i + 3 AHEAD is requested, the customer of order i + 2 AHEAD found and its
 * totals requested, the days of order i + AHEAD requested, and order i
 * folded in.  Memory then serves a steady stream of requests, never waiting
 * idle for a batch to finish. */
#define AHEAD 8
#define RING 32 /* a power of two above 3 AHEAD: the orders in flight */
_Static_assert(RING > 3 * AHEAD && (RING & (RING - 1)) == 0, "RING holds the orders in flight");

/* Fold orders o[0..n) in, all of part pt (their hashes computed). */
static int add_part(const struct flo_rfm_config *cfg, struct part *pt,
		    const struct flo_rfm_order *o, size_t n, long counts[4])
{
	uint32_t idx[RING];
	int32_t day[RING];
	unsigned char state[RING]; /* 0 late, 1 calibration, 2 holdout */
	for (size_t step = 0; step < n + 3 * AHEAD; step++) {
		size_t i = step, k = i % RING;
		if (i < n) {
			/* 1: request the id's slot in the id table. */
			int late;
			if (!flo_money_ok(o[i].value))
				return FLO_ERANGE;
			day[k] = flo_rfm_day(o[i].time);
			state[k] = (unsigned char)(1 + holdout_day(cfg, day[k], &late));
			if (late)
				state[k] = 0;
			else
				flo_idmap_prefetch(pt->ids, o[i].hash);
		}
		i = step - AHEAD, k = i % RING;
		if (step >= AHEAD && i < n && state[k] != 0) {
			/* 2: find the customer (in order: a new id gets the next
			 * index) and request its totals. */
			if (same_as_last(pt, o[i].id, o[i].id_len)) {
				idx[k] = pt->last_index;
			} else {
				int err = customer_hashed(cfg, pt, o[i].id, o[i].id_len, o[i].hash,
							  &idx[k]);
				if (err != FLO_OK)
					return err;
			}
			__builtin_prefetch(&pt->cust[idx[k]]);
			__builtin_prefetch((const char *)&pt->cust[idx[k]] + 63);
		}
		i = step - 2 * AHEAD, k = i % RING;
		if (step >= 2 * AHEAD && i < n && state[k] != 0) {
			/* 3: request the customer's purchase days beyond the inline two. */
			const struct dayset *d = &pt->cust[idx[k]].days;
			if (!days_inline(d))
				__builtin_prefetch(d->u.heap + (d->n ? d->n - 1 : 0));
		}
		i = step - 3 * AHEAD, k = i % RING;
		if (step >= 3 * AHEAD && i < n) {
			/* 4: fold the order in. */
			enum flo_order_fate fate = FLO_ORDER_LATE;
			if (state[k] != 0) {
				int err = fold(cfg, pt, idx[k], o[i].time, day[k], state[k] == 2,
					       o[i].value, NULL, 0, NULL, &fate);
				if (err != FLO_OK)
					return err;
			}
			counts[fate]++;
		}
	}
	return FLO_OK;
}

int flo_rfm_add_part(flo_rfm *r, unsigned part, const struct flo_rfm_order *o, size_t n,
		     long counts[4])
{
	if (r->cfg.order_ids || r->cfg.nkeep > 0 || part >= r->nparts || r->cfg.period ||
	    r->cfg.net_returns)
		return FLO_EVALUE; /* these orders would need what a batch omits */
	return add_part(&r->cfg, &r->part[part], o, n, counts);
}

int flo_rfm_add_batch(flo_rfm *r, const struct flo_rfm_order *o, size_t n, long counts[4])
{
	size_t ng[FLO_RFM_MAX_PARTS] = {0};
	if (r->cfg.order_ids || r->cfg.nkeep > 0 || r->cfg.period || r->cfg.net_returns)
		return FLO_EVALUE;
	/* The orders of each part keep their order; parts share nothing, so
	 * which is folded in first does not matter. */
	for (size_t i = 0; i <= n; i++) {
		for (unsigned k = 0; k < r->nparts; k++) {
			if (ng[k] < (i < n ? GATHER : 1))
				continue;
			int err = add_part(&r->cfg, &r->part[k], r->gathered + k * GATHER, ng[k],
					   counts);
			if (err != FLO_OK)
				return err;
			ng[k] = 0;
		}
		if (i == n)
			break;
		uint64_t hash = flo_hash(o[i].id, o[i].id_len);
		unsigned k = flo_rfm_part(r, hash);
		struct flo_rfm_order *g = &r->gathered[k * GATHER + ng[k]++];
		*g = o[i];
		g->hash = hash;
	}
	return FLO_OK;
}

size_t flo_rfm_customers(const flo_rfm *r)
{
	size_t n = 0;
	for (unsigned k = 0; k < r->nparts; k++)
		n += flo_idmap_count(r->part[k].ids);
	return n;
}

int32_t flo_rfm_as_of(const flo_rfm *r)
{
	if (r->cfg.has_as_of)
		return r->cfg.as_of;
	int32_t max_day = 0;
	int have = 0;
	for (unsigned k = 0; k < r->nparts; k++)
		if (r->part[k].have_max && (!have || r->part[k].max_day > max_day)) {
			max_day = r->part[k].max_day;
			have = 1;
		}
	return max_day;
}

double flo_rfm_bytes_per_customer(const flo_rfm *r)
{
	size_t n = flo_rfm_customers(r), bytes = 0;
	if (n == 0)
		return 0;
	for (unsigned k = 0; k < r->nparts; k++) {
		const struct part *pt = &r->part[k];
		bytes += flo_idmap_bytes(pt->ids) + pt->cap * sizeof *pt->cust + pt->days.mem.bytes +
			 pt->rests_cap * sizeof *pt->rests;
		if (pt->extra == NULL)
			continue;
		bytes += pt->cap * sizeof *pt->extra;
		for (size_t i = 0; i < flo_idmap_count(pt->ids); i++)
			bytes += pt->extra[i].order_ids.cap * sizeof(uint64_t);
	}
	return (double)bytes / (double)n;
}

/* The parts' id tables, and where each part's customers start among the
 * indexes flo_rfm_order() gives. */
static void part_bases(const flo_rfm *r, const flo_idmap *maps[FLO_RFM_MAX_PARTS],
		       size_t base[FLO_RFM_MAX_PARTS])
{
	size_t n = 0;
	for (unsigned k = 0; k < r->nparts; k++) {
		maps[k] = r->part[k].ids;
		base[k] = n;
		n += flo_idmap_count(maps[k]);
	}
}

uint32_t *flo_rfm_order(const flo_rfm *r)
{
	const flo_idmap *maps[FLO_RFM_MAX_PARTS];
	size_t base[FLO_RFM_MAX_PARTS];
	part_bases(r, maps, base);
	return flo_idmap_sorted_many(maps, r->nparts, base);
}

/* The part of index g of flo_rfm_order(), and g's index there. */
static const struct part *locate(const flo_rfm *r, const size_t base[FLO_RFM_MAX_PARTS],
				 uint32_t g, uint32_t *idx)
{
	unsigned k = r->nparts - 1;
	while (g < base[k])
		k--;
	*idx = (uint32_t)(g - base[k]);
	return &r->part[k];
}

#define PREFETCH_AHEAD 16

int flo_rfm_each_range(const flo_rfm *r, const uint32_t *order, size_t lo, size_t hi,
		       flo_summary_fn *fn, void *ctx, size_t *holdout_only)
{
	const struct flo_rfm_config *cfg = &r->cfg;
	struct flo_field *kept = calloc(cfg->nkeep ? cfg->nkeep : 1, sizeof *kept);
	if (kept == NULL)
		return FLO_ENOMEM;
	const flo_idmap *maps[FLO_RFM_MAX_PARTS];
	size_t base[FLO_RFM_MAX_PARTS];
	part_bases(r, maps, base);
	int32_t as_of = flo_rfm_as_of(r);
	for (size_t k = lo; k < hi; k++) {
		/* In id order the customers are anywhere in memory: ask for
		 * what is needed a few steps ahead, in two stages (the second
		 * follows pointers the first brought in). */
		uint32_t i;
		const struct part *pt;
		if (k + PREFETCH_AHEAD < hi) {
			pt = locate(r, base, order[k + PREFETCH_AHEAD], &i);
			const struct cust *ahead = &pt->cust[i];
			__builtin_prefetch(ahead);
			__builtin_prefetch((const char *)ahead + 63);
			flo_idmap_prefetch_id(pt->ids, i, 0);
		}
		if (k + PREFETCH_AHEAD / 2 < hi) {
			pt = locate(r, base, order[k + PREFETCH_AHEAD / 2], &i);
			const struct dayset *d = &pt->cust[i].days;
			if (!days_inline(d))
				__builtin_prefetch(d->u.heap);
			flo_idmap_prefetch_id(pt->ids, i, 1);
		}
		pt = locate(r, base, order[k], &i);
		const struct cust *c = &pt->cust[i];
		if (c->orders == 0) {
			/* Holdout orders only; or (--returns net) returns only. */
			*holdout_only += c->h_orders > 0;
			continue;
		}
		struct cust_money m = money_of(pt, c);
		struct flo_rfm_totals t = {
			.first_day = c->first_day, .last_day = c->last_day,
			.orders = c->orders, .h_orders = c->h_orders,
			.first_value = m.first, .revenue = m.revenue, .h_value = m.h,
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
		s.id = flo_idmap_id(pt->ids, i, &s.id_len);
		flo_kept_unpack(pt->extra != NULL ? pt->extra[i].kept : NULL, kept, cfg->nkeep);
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
	if (cfg->period != FLO_PERIOD_NONE) {
		/* Whole periods, as lifetimes' (max - min) over periods. */
		int32_t first = flo_period_index(cfg->period, t->first_day);
		s->recency = flo_period_index(cfg->period, t->last_day) - first;
		s->T = flo_period_index(cfg->period, as_of) - first;
	} else {
		s->recency = (t->last_day - t->first_day) / cfg->unit_days;
		s->T = (as_of - t->first_day) / cfg->unit_days;
	}
	s->orders = t->orders;
	s->revenue = revenue;
	s->first_order = t->first_day;
	s->last_order = t->last_day;
	s->holdout_purchases = t->h_occasions;
	s->holdout_value = flo_money_value(t->h_value);
}
