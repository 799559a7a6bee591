/* custstate.c: a customer's orders as stored state (see custstate.h).
 *
 * The stored form, version 2 (integers are LEB128 varints, "zz" ones
 * zigzag-encoded signed values, doubles 8 bytes little-endian):
 *
 *   byte    version (FLO_CUSTSTATE_FORMAT)
 *   byte    what follows: 1 first order, 2 kept fields, 4 order ids and
 *           lines, 8 returns
 *   varint  number of days (0 only for returns alone), then per day, in
 *           increasing order:
 *     varint  the day: the first zz day number, later ones the gap - 1
 *     varint  orders << 1 | 1 when a double remainder of the value follows
 *             (orders 0: a day of further lines only, per-order occasions)
 *     zz      the value in millionths [double remainder]
 *     [kept]  varint second of the day of the kept order, varint kept index
 *   [first]   zz time in seconds, zz value in millionths, byte 1 when a
 *             double remainder follows [double]
 *   [kept]    varint number of distinct kept blobs (in order of first use by
 *             the days), each varint length + bytes as lib/rfm/kept.c packs them
 *   [ids]     varint number of order-id hashes, each 8 bytes, increasing;
 *             varint number of line hashes, each 8 bytes, increasing
 *   [returns] varint number of returns (at least 1), then per return, in
 *             increasing order of day and value:
 *     varint  the day: the first zz day number, later ones the gap
 *     varint  the value in millionths (>= 0) << 1 | 1 when a double
 *             remainder (> 0) follows [double]
 *
 * Version 1 (flo before line items, --returns net and calendar periods in
 * the store) kept order ids only: a later line of a stored order would be
 * taken for a replay there, and counted here, so version 1 is not read.
 *
 * Varints keep a typical day to 5 or 6 bytes.  The kept fields are held per
 * day, not only for the latest order, so that a summary at an earlier as-of
 * date carries the fields a batch run to that date would; equal blobs are
 * stored once. */
#include "rfm/custstate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/err.h"
#include "rfm/kept.h"
#include "base/money.h"

enum { HAS_FIRST = 1, HAS_KEPT = 2, HAS_IDS = 4, HAS_RETURNS = 8 };

struct day {
	int32_t day;
	uint32_t count;
	struct flo_money value;
	int32_t keep_tod; /* second of the day of the kept order; -1 none yet */
	uint32_t blob;    /* index of the kept fields in blobs[] */
};

struct blob {
	size_t off, len; /* in bytes[] */
};

/* A return (--returns net), netted at summary time. */
struct ret {
	int32_t day;
	struct flo_money value; /* >= 0 */
};

/* A purchase occasion of a summary: a day, or a calendar period's days. */
struct occ {
	int32_t key;  /* its day (flo_rfm_occasion_day()) */
	int hold;     /* in the holdout */
	struct flo_money value;
};

struct flo_custstate {
	struct day *days;
	uint32_t ndays, cap_days;
	uint32_t orders;
	int has_first;
	int64_t first_time;
	struct flo_money first_value;
	unsigned char *bytes; /* the kept blobs, end to end */
	size_t nbytes, cap_bytes;
	struct blob *blobs;
	uint32_t nblobs, cap_blobs;
	unsigned char *scratch; /* the incoming order's kept fields, packed */
	uint64_t *ids; /* order-id hashes */
	uint32_t nids, cap_ids;
	uint64_t *lines; /* line hashes */
	uint32_t nlines, cap_lines;
	struct ret *rets;
	uint32_t nrets, cap_rets;
	struct occ *occ; /* the summary's scratch, as many as days' capacity */
	uint32_t cap_occ;
};

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static int day_ok(int64_t day)
{
	return day >= FLO_CUSTSTATE_DAY_MIN && day <= FLO_CUSTSTATE_DAY_MAX;
}

int flo_custstate_new(flo_custstate **st)
{
	*st = calloc(1, sizeof **st);
	return *st == NULL ? FLO_ENOMEM : FLO_OK;
}

void flo_custstate_free(flo_custstate *st)
{
	if (st == NULL)
		return;
	free(st->days);
	free(st->bytes);
	free(st->blobs);
	free(st->scratch);
	free(st->ids);
	free(st->lines);
	free(st->rets);
	free(st->occ);
	free(st);
}

void flo_custstate_clear(flo_custstate *st)
{
	st->ndays = 0;
	st->orders = 0;
	st->has_first = 0;
	st->nbytes = 0;
	st->nblobs = 0;
	st->nids = 0;
	st->nlines = 0;
	st->nrets = 0;
}

uint32_t flo_custstate_orders(const flo_custstate *st)
{
	return st->orders;
}

int32_t flo_custstate_last_day(const flo_custstate *st)
{
	return st->ndays ? st->days[st->ndays - 1].day : INT32_MIN;
}

/* Room for n more elements of `size` bytes in *v (count, *cap); 0 on OOM. */
static int reserve(void **v, uint32_t count, uint32_t *cap, size_t size, uint64_t n)
{
	uint64_t need = count + n;
	if (need <= *cap)
		return 1;
	if (need > UINT32_MAX / 2)
		return 0;
	uint32_t c = *cap ? *cap : 4;
	while (c < need)
		c *= 2;
	void *p = realloc(*v, (size_t)c * size);
	if (p == NULL)
		return 0;
	*v = p;
	*cap = c;
	return 1;
}

static int reserve_bytes(flo_custstate *st, size_t n)
{
	if (st->cap_bytes - st->nbytes >= n)
		return 1;
	size_t c = st->cap_bytes ? st->cap_bytes : 64;
	while (c - st->nbytes < n)
		c *= 2;
	unsigned char *p = realloc(st->bytes, c);
	if (p == NULL)
		return 0;
	st->bytes = p;
	st->cap_bytes = c;
	return 1;
}

/* Index of the first element >= key in a sorted array (n if none). */
static uint32_t day_search(const struct day *d, uint32_t n, int32_t key)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (d[mid].day < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t id_search(const uint64_t *v, uint32_t n, uint64_t key)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The index of a blob equal to the len bytes at p, appended if new;
 * UINT32_MAX on OOM.  Customers keep few distinct values (a channel, a
 * city), so a scan is cheaper than any index. */
static uint32_t intern_blob(flo_custstate *st, const unsigned char *p, size_t len)
{
	for (uint32_t i = 0; i < st->nblobs; i++)
		if (st->blobs[i].len == len && memcmp(st->bytes + st->blobs[i].off, p, len) == 0)
			return i;
	if (!reserve((void **)&st->blobs, st->nblobs, &st->cap_blobs, sizeof *st->blobs, 1) ||
	    !reserve_bytes(st, len ? len : 1))
		return UINT32_MAX;
	memcpy(st->bytes + st->nbytes, p, len);
	st->blobs[st->nblobs] = (struct blob){st->nbytes, len};
	st->nbytes += len;
	return st->nblobs++;
}

/* Whether the state's sums take one more value on day index d (new_day: a
 * day inserted there): the bounds decode() checks, the sum over the days of
 * each day's magnitude within base/money.h's, so that every summary at any
 * date (a prefix of the days, a range of them) stays finite and exact. */
static int sums_take(const flo_custstate *st, uint32_t d, int new_day, struct flo_money value)
{
	uint64_t micros = 0;
	double rest = 0;
	for (uint32_t i = 0; i < st->ndays; i++) {
		struct flo_money v = st->days[i].value;
		if (i == d && !new_day && !flo_money_add_checked(&v, value))
			return 0;
		micros += magnitude(v.micros);
		rest += fabs(v.rest);
	}
	if (new_day) {
		micros += magnitude(value.micros);
		rest += fabs(value.rest);
	}
	return micros <= (uint64_t)FLO_MONEY_MICROS_MAX && rest <= FLO_MONEY_REST_MAX;
}

/* The same for one more return: the returns' values summed within the
 * bounds, so that no netting takes a sum out of them. */
static int returns_take(const flo_custstate *st, struct flo_money value)
{
	uint64_t micros = magnitude(value.micros);
	double rest = fabs(value.rest);
	for (uint32_t i = 0; i < st->nrets; i++) {
		micros += magnitude(st->rets[i].value.micros);
		rest += fabs(st->rets[i].value.rest);
	}
	return micros <= (uint64_t)FLO_MONEY_MICROS_MAX && rest <= FLO_MONEY_REST_MAX;
}

/* Returns in increasing order of day, then value: the stored bytes do not
 * depend on their arrival. */
static int ret_before(const struct ret *a, const struct ret *b)
{
	if (a->day != b->day)
		return a->day < b->day;
	if (a->value.micros != b->value.micros)
		return a->value.micros < b->value.micros;
	return a->value.rest < b->value.rest;
}

/* The summary's scratch as large as the days' array. */
static int occ_ready(flo_custstate *st)
{
	if (st->cap_occ >= st->cap_days)
		return 1;
	struct occ *o = realloc(st->occ, (size_t)st->cap_days * sizeof *o);
	if (o == NULL)
		return 0;
	st->occ = o;
	st->cap_occ = st->cap_days;
	return 1;
}

/* Insert h at `at` of the sorted hashes v (room reserved). */
static void hash_insert(uint64_t *v, uint32_t *n, uint32_t at, uint64_t h)
{
	memmove(v + at + 1, v + at, (*n - at) * sizeof *v);
	v[at] = h;
	(*n)++;
}

static int same_period(const struct flo_rfm_config *cfg, int32_t a, int32_t b)
{
	return flo_period_start(cfg->period, a) == flo_period_start(cfg->period, b);
}

/* Whether the line's hash is new: then *at is where it goes, room made. */
static int line_new(flo_custstate *st, uint64_t line, uint32_t *at, int *oom)
{
	*at = id_search(st->lines, st->nlines, line);
	*oom = 0;
	if (*at < st->nlines && st->lines[*at] == line)
		return 0;
	*oom = !reserve((void **)&st->lines, st->nlines, &st->cap_lines, sizeof *st->lines, 1);
	return 1;
}

int flo_custstate_add_return(flo_custstate *st, const struct flo_rfm_config *cfg, int64_t time,
			     double value, uint64_t line, int *repeated)
{
	int32_t day = flo_rfm_day(time);
	struct ret r = {day, flo_money_of(value)};
	uint32_t at = 0;
	int new_line = 0, oom;

	*repeated = 0;
	if (!cfg->net_returns || !(value >= 0))
		return FLO_EVALUE;
	if (!day_ok(day))
		return FLO_EUSAGE;
	if (cfg->order_ids && line != 0) {
		if (!line_new(st, line, &at, &oom)) {
			*repeated = 1;
			return FLO_OK;
		}
		if (oom)
			return FLO_ENOMEM;
		new_line = 1;
	}
	if (!returns_take(st, r.value))
		return FLO_ERANGE;
	if (!reserve((void **)&st->rets, st->nrets, &st->cap_rets, sizeof *st->rets, 1))
		return FLO_ENOMEM;
	if (new_line)
		hash_insert(st->lines, &st->nlines, at, line);
	uint32_t i = st->nrets;
	while (i > 0 && ret_before(&r, &st->rets[i - 1]))
		i--;
	memmove(st->rets + i + 1, st->rets + i, (st->nrets - i) * sizeof *st->rets);
	st->rets[i] = r;
	st->nrets++;
	return FLO_OK;
}

int flo_custstate_add(flo_custstate *st, const struct flo_rfm_config *cfg,
		      const struct flo_custstate_order *o, int *repeated)
{
	return flo_custstate_add_line(st, cfg, o, 0, repeated);
}

int flo_custstate_add_line(flo_custstate *st, const struct flo_rfm_config *cfg,
			   const struct flo_custstate_order *o, uint64_t line, int *repeated)
{
	int32_t day = flo_rfm_day(o->time);
	int32_t tod = (int32_t)(o->time - (int64_t)day * 86400);
	uint32_t at = 0, at_line = 0, blob = 0;
	int new_id = 0, new_line = 0, known = 0, oom;

	*repeated = 0;
	if (!day_ok(day))
		return FLO_EUSAGE;
	if (!cfg->order_ids)
		line = 0;
	/* Everything that can fail comes before the first change. */
	if (line != 0) {
		if (!line_new(st, line, &at_line, &oom)) {
			*repeated = 1;
			return FLO_OK;
		}
		if (oom)
			return FLO_ENOMEM;
		new_line = 1;
	}
	if (cfg->order_ids) {
		at = id_search(st->ids, st->nids, o->id_hash);
		known = at < st->nids && st->ids[at] == o->id_hash;
		if (known && line == 0) {
			*repeated = 1; /* a whole order, seen before */
			return FLO_OK;
		}
		if (!known &&
		    !reserve((void **)&st->ids, st->nids, &st->cap_ids, sizeof *st->ids, 1))
			return FLO_ENOMEM;
		new_id = !known;
	}
	uint32_t d = day_search(st->days, st->ndays, day);
	int new_day = d == st->ndays || st->days[d].day != day;
	/* A further line of a known order adds to the day without counting an
	 * order, as rfm.c's fold_line(): on an occasion the customer has (a
	 * day, or a calendar period), or with per-order occasions on any day
	 * (an order across midnight). */
	int further = known && (cfg->per_order || !new_day ||
				(cfg->period != FLO_PERIOD_NONE &&
				 ((d < st->ndays && same_period(cfg, st->days[d].day, day)) ||
				  (d > 0 && same_period(cfg, st->days[d - 1].day, day)))));
	int keep = cfg->nkeep > 0 && (new_day || tod >= st->days[d].keep_tod);
	if (new_day && !reserve((void **)&st->days, st->ndays, &st->cap_days, sizeof *st->days, 1))
		return FLO_ENOMEM;
	if (!occ_ready(st))
		return FLO_ENOMEM;
	struct flo_money value = flo_money_of(o->amount);
	if (!sums_take(st, d, new_day, value))
		return FLO_ERANGE;
	/* With per-order occasions, the first order's further lines (those at
	 * its time, as rfm.c counts them) add to its value. */
	struct flo_money first = st->first_value;
	int set_first = 0;
	if (cfg->per_order && further) {
		set_first = st->has_first && o->time == st->first_time;
		if (set_first && !flo_money_add_checked(&first, value))
			return FLO_ERANGE;
	} else if (cfg->per_order) {
		set_first = !st->has_first || flo_rfm_first_before(o->time, o->amount,
								  st->first_time, st->first_value);
		first = value;
	}
	if (keep) {
		if (flo_kept_pack(&st->scratch, o->keep, cfg->nkeep) != FLO_OK)
			return FLO_ENOMEM;
		blob = intern_blob(st, st->scratch, flo_kept_size(o->keep, cfg->nkeep));
		if (blob == UINT32_MAX)
			return FLO_ENOMEM;
	}

	if (new_line)
		hash_insert(st->lines, &st->nlines, at_line, line);
	if (new_id)
		hash_insert(st->ids, &st->nids, at, o->id_hash);
	if (new_day) {
		memmove(st->days + d + 1, st->days + d, (st->ndays - d) * sizeof *st->days);
		st->days[d] = (struct day){.day = day, .keep_tod = -1};
		st->ndays++;
	}
	struct day *e = &st->days[d];
	e->count += !further;
	flo_money_add(&e->value, value);
	if (keep) {
		e->keep_tod = tod;
		e->blob = blob;
	}
	if (set_first) {
		if (!further)
			st->first_time = o->time;
		st->has_first = 1;
		st->first_value = first;
	}
	st->orders += !further;
	return FLO_OK;
}

int flo_custstate_summary(flo_custstate *st, const struct flo_rfm_config *cfg,
			  int32_t as_of, struct flo_summary *s, struct flo_field *kept,
			  struct flo_custstate_left *left)
{
	int32_t end = cfg->has_holdout ? cfg->holdout_end : as_of;
	struct flo_rfm_config at = *cfg;
	struct flo_rfm_totals t = {0};
	uint32_t nocc = 0, ncal = 0, last_cal = 0, late = 0;

	at.as_of = as_of;
	/* The days into purchase occasions (a period's days are one), the
	 * calibration's first: the days are in order. */
	for (uint32_t i = 0; i < st->ndays; i++) {
		const struct day *e = &st->days[i];
		int hold = e->day > as_of;
		if (hold && e->day > end) {
			late += e->count;
			continue;
		}
		int32_t key = flo_rfm_occasion_day(&at, e->day, hold);
		if (nocc == 0 || st->occ[nocc - 1].key != key || st->occ[nocc - 1].hold != hold)
			st->occ[nocc++] = (struct occ){key, hold, {0, 0}};
		flo_money_add(&st->occ[nocc - 1].value, e->value);
		if (hold) {
			t.h_orders += e->count;
			flo_money_add(&t.h_value, e->value);
		} else {
			ncal = nocc;
			last_cal = i;
			t.orders += e->count;
			flo_money_add(&t.revenue, e->value);
		}
	}
	if (left != NULL) {
		left->holdout_only = ncal == 0 && t.h_orders > 0;
		left->late = late;
	}
	if (ncal == 0)
		return 0;
	/* --returns net, as rfm.c's net_return(): each return reduces the
	 * occasion of its day, else the latest before it, in its period
	 * (calibration or holdout), never below 0.  Returns and occasions are
	 * both in increasing order, so one pass finds every target. */
	uint32_t j = 0;
	for (uint32_t i = 0; i < st->nrets; i++) {
		const struct ret *r = &st->rets[i];
		int hold = cfg->has_as_of && r->day > as_of;
		if (hold && (!cfg->has_holdout || r->day > cfg->holdout_end))
			break; /* late, as every one after it */
		int32_t key = flo_rfm_occasion_day(&at, r->day, hold);
		while (j < nocc && st->occ[j].key <= key)
			j++;
		uint32_t k = hold ? j : (j < ncal ? j : ncal);
		if (k == 0 || st->occ[k - 1].hold != hold)
			continue; /* no purchase to reduce */
		struct occ *target = &st->occ[k - 1];
		struct flo_money cut = r->value;
		if (flo_money_value(cut) > flo_money_value(target->value))
			cut = target->value;
		target->value = flo_money_sub(target->value, cut);
		if (hold)
			t.h_value = flo_money_sub(t.h_value, cut);
		else
			t.revenue = flo_money_sub(t.revenue, cut);
	}
	t.first_day = st->occ[0].key;
	t.last_day = st->occ[ncal - 1].key;
	/* Calibration days of further lines only (the order counted on a day
	 * in the holdout): one order, as rfm.c's fold_line() counts it. */
	if (t.orders == 0)
		t.orders = 1;
	if (cfg->per_order) {
		t.occasions = t.orders;
		t.h_occasions = t.h_orders;
		t.first_value = st->first_value;
	} else {
		t.occasions = ncal;
		t.h_occasions = nocc - ncal;
		t.first_value = st->occ[0].value;
	}
	flo_rfm_summarise(cfg, as_of, &t, s);
	if (cfg->nkeep > 0)
		flo_kept_unpack(st->bytes + st->blobs[st->days[last_cal].blob].off, kept, cfg->nkeep);
	s->kept = kept;
	return 1;
}

/* ---- the stored form ---- */

struct out {
	unsigned char **buf;
	size_t *cap, len;
	int oom;
};

static void put_bytes(struct out *o, const void *p, size_t n)
{
	if (o->oom || n == 0)
		return; /* n 0: p may be an empty array's NULL */
	if (*o->cap - o->len < n) {
		size_t c = *o->cap ? *o->cap : 256;
		while (c - o->len < n)
			c *= 2;
		unsigned char *b = realloc(*o->buf, c);
		if (b == NULL) {
			o->oom = 1;
			return;
		}
		*o->buf = b;
		*o->cap = c;
	}
	memcpy(*o->buf + o->len, p, n);
	o->len += n;
}

static void put_varint(struct out *o, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;
	if (!o->oom && *o->cap - o->len >= sizeof b) {
		/* The encoder reserves its bound first, so this is the way:
		 * straight into the buffer, not through put_bytes()'s memcpy
		 * (in date order a state is encoded an order, a dozen varints
		 * each: 2,400 instructions an order before, 1,400 now). */
		unsigned char *p = *o->buf + o->len;
		while (v >= 0x80) {
			p[n++] = (unsigned char)(v | 0x80);
			v >>= 7;
		}
		p[n++] = (unsigned char)v;
		o->len += n;
		return;
	}
	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	put_bytes(o, b, n);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void put_u64(struct out *o, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put_bytes(o, b, 8);
}

/* Hashes as 8-byte little-endian words: on a little-endian machine the
 * array's own bytes, copied at once (a state holds two a line). */
static void put_hashes(struct out *o, const uint64_t *v, uint32_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	put_bytes(o, v, (size_t)n * 8);
#else
	for (uint32_t i = 0; i < n; i++)
		put_u64(o, v[i]);
#endif
}

static void put_double(struct out *o, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	put_u64(o, v);
}

int flo_custstate_encode(const flo_custstate *st, unsigned char **buf, size_t *cap,
			 size_t *len)
{
	struct out o = {buf, cap, 0, 0};
	unsigned char head[2] = {FLO_CUSTSTATE_FORMAT, 0};
	/* Blobs are renumbered by first use in day order, leaving out those no
	 * day uses any more, so equal histories give equal bytes. */
	uint32_t *map = NULL, *order = NULL, nused = 0;
	int kept = st->nblobs > 0;

	if (kept) {
		map = malloc(st->nblobs * sizeof *map);
		order = malloc(st->nblobs * sizeof *order);
		if (map == NULL || order == NULL) {
			free(map);
			free(order);
			return FLO_ENOMEM;
		}
		for (uint32_t i = 0; i < st->nblobs; i++)
			map[i] = UINT32_MAX;
		for (uint32_t i = 0; i < st->ndays; i++) {
			uint32_t b = st->days[i].blob;
			if (map[b] == UINT32_MAX) {
				map[b] = nused;
				order[nused++] = b;
			}
		}
	}
	/* Room for the whole encoding at once: each field at its longest. */
	size_t bound = 64 + (size_t)st->ndays * 50 + st->nbytes + (size_t)st->nblobs * 10 +
		       ((size_t)st->nids + st->nlines) * 8 + (size_t)st->nrets * 28;
	if (*cap < bound) {
		unsigned char *b = realloc(*buf, bound);
		if (b == NULL) {
			free(map);
			free(order);
			return FLO_ENOMEM;
		}
		*buf = b;
		*cap = bound;
	}
	head[1] = (unsigned char)((st->has_first ? HAS_FIRST : 0) | (kept ? HAS_KEPT : 0) |
				  (st->nids || st->nlines ? HAS_IDS : 0) |
				  (st->nrets ? HAS_RETURNS : 0));
	put_bytes(&o, head, 2);
	put_varint(&o, st->ndays);
	for (uint32_t i = 0; i < st->ndays; i++) {
		const struct day *e = &st->days[i];
		int rest = e->value.rest != 0 || signbit(e->value.rest);
		if (i == 0)
			put_varint(&o, zigzag(e->day));
		else
			put_varint(&o, (uint64_t)((int64_t)e->day - st->days[i - 1].day - 1));
		put_varint(&o, (uint64_t)e->count << 1 | (uint64_t)rest);
		put_varint(&o, zigzag(e->value.micros));
		if (rest)
			put_double(&o, e->value.rest);
		if (kept) {
			put_varint(&o, (uint64_t)e->keep_tod);
			put_varint(&o, map[e->blob]);
		}
	}
	if (st->has_first) {
		unsigned char rest = st->first_value.rest != 0 || signbit(st->first_value.rest);
		put_varint(&o, zigzag(st->first_time));
		put_varint(&o, zigzag(st->first_value.micros));
		put_bytes(&o, &rest, 1);
		if (rest)
			put_double(&o, st->first_value.rest);
	}
	if (kept) {
		put_varint(&o, nused);
		for (uint32_t k = 0; k < nused; k++) {
			const struct blob *b = &st->blobs[order[k]];
			put_varint(&o, b->len);
			put_bytes(&o, st->bytes + b->off, b->len);
		}
	}
	if (st->nids || st->nlines) {
		put_varint(&o, st->nids);
		put_hashes(&o, st->ids, st->nids);
		put_varint(&o, st->nlines);
		put_hashes(&o, st->lines, st->nlines);
	}
	if (st->nrets) {
		put_varint(&o, st->nrets);
		for (uint32_t i = 0; i < st->nrets; i++) {
			const struct ret *r = &st->rets[i];
			int rest = r->value.rest != 0;
			if (i == 0)
				put_varint(&o, zigzag(r->day));
			else
				put_varint(&o, (uint64_t)((int64_t)r->day - st->rets[i - 1].day));
			put_varint(&o, (uint64_t)r->value.micros << 1 | (uint64_t)rest);
			if (rest)
				put_double(&o, r->value.rest);
		}
	}
	free(map);
	free(order);
	*len = o.len;
	return o.oom ? FLO_ENOMEM : FLO_OK;
}

struct in {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t get_varint(struct in *in)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (in->p == in->end)
			break;
		unsigned char b = *in->p++;
		/* The tenth byte holds only the top bit. */
		if (shift == 63 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	in->bad = 1;
	return 0;
}

static uint64_t get_u64(struct in *in)
{
	uint64_t v = 0;
	if (in->end - in->p < 8) {
		in->bad = 1;
		return 0;
	}
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)in->p[i] << (8 * i);
	in->p += 8;
	return v;
}

/* A finite double; a NaN or infinity marks damage. */
static double get_double(struct in *in)
{
	uint64_t v = get_u64(in);
	double d;
	memcpy(&d, &v, sizeof d);
	if (!isfinite(d))
		in->bad = 1;
	return d;
}

#define MICROS_MAX ((uint64_t)FLO_MONEY_MICROS_MAX)
#define REST_MAX FLO_MONEY_REST_MAX


/* Sorted hashes, strictly increasing, n of them (8 bytes each) into *v. */
static int get_hashes(struct in *in, uint64_t **v, uint32_t *nv, uint32_t *cap, uint64_t n)
{
	if (in->bad || n > (uint64_t)(in->end - in->p) / 8)
		return FLO_EVALUE;
	*nv = 0;
	if (!reserve((void **)v, 0, cap, sizeof **v, n))
		return FLO_ENOMEM;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n > 0)
		memcpy(*v, in->p, (size_t)n * 8);
	in->p += n * 8;
#else
	for (uint64_t i = 0; i < n; i++)
		(*v)[i] = get_u64(in);
#endif
	for (uint64_t i = 1; i < n; i++)
		if ((*v)[i] <= (*v)[i - 1])
			return FLO_EVALUE;
	*nv = (uint32_t)n;
	return FLO_OK;
}

static int decode_returns(flo_custstate *st, struct in *in)
{
	uint64_t n = get_varint(in), micros = 0;
	double rest = 0;
	int64_t day = 0;
	/* Each return takes at least two bytes: a bound before allocating. */
	if (in->bad || n == 0 || n > (uint64_t)(in->end - in->p) / 2)
		return FLO_EVALUE;
	if (!reserve((void **)&st->rets, 0, &st->cap_rets, sizeof *st->rets, n))
		return FLO_ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		struct ret *r = &st->rets[i];
		uint64_t v = get_varint(in), mr;
		day = i == 0 ? unzigzag(v) : day + (v > INT32_MAX ? INT32_MAX : (int64_t)v);
		mr = get_varint(in);
		r->day = (int32_t)(day_ok(day) ? day : 0);
		r->value.micros = (int64_t)(mr >> 1); /* below 2^63: checked below */
		r->value.rest = mr & 1 ? get_double(in) : 0;
		micros += mr >> 1;
		rest += r->value.rest;
		if (in->bad || !day_ok(day) || (mr >> 1) > MICROS_MAX || micros > MICROS_MAX ||
		    ((mr & 1) && !(r->value.rest > 0)) || !(rest <= REST_MAX) ||
		    (i > 0 && ret_before(r, &st->rets[i - 1])))
			return FLO_EVALUE;
		st->nrets++;
	}
	return FLO_OK;
}

static int decode(flo_custstate *st, const struct flo_rfm_config *cfg, struct in *in)
{
	if (in->end - in->p < 2)
		return FLO_EVALUE;
	if (in->p[0] > FLO_CUSTSTATE_FORMAT)
		return FLO_EVERSION;
	unsigned flags = in->p[1];
	if (in->p[0] != FLO_CUSTSTATE_FORMAT || flags > 15 ||
	    ((flags & HAS_IDS) && !cfg->order_ids) || ((flags & HAS_RETURNS) && !cfg->net_returns))
		return FLO_EVALUE;
	in->p += 2;
	uint64_t ndays = get_varint(in);
	/* Each day takes at least three bytes: a bound before allocating.  No
	 * day only with returns alone. */
	if (in->bad || (ndays == 0 && !(flags & HAS_RETURNS)) ||
	    ndays > (uint64_t)(in->end - in->p) / 3)
		return FLO_EVALUE;
	/* What a customer with orders has, by the conventions. */
	unsigned want = ndays == 0 ? 0
				   : (cfg->per_order ? HAS_FIRST : 0) | (cfg->nkeep ? HAS_KEPT : 0) |
					     (cfg->order_ids ? HAS_IDS : 0);
	if ((flags & (HAS_FIRST | HAS_KEPT)) != (want & (HAS_FIRST | HAS_KEPT)) ||
	    ((want & HAS_IDS) && !(flags & HAS_IDS)))
		return FLO_EVALUE;
	/* Days of further lines only (no order counted) come of order ids with
	 * per-order or calendar-period occasions. */
	int empty_days = cfg->order_ids && (cfg->per_order || cfg->period != FLO_PERIOD_NONE);
	st->ndays = 0;
	if (!reserve((void **)&st->days, 0, &st->cap_days, sizeof *st->days, ndays) ||
	    !occ_ready(st))
		return FLO_ENOMEM;
	/* Bounds on the values' magnitudes, so that no sum a summary takes can
	 * overflow (int64 millionths: 4.6e12 in money; doubles: finite). */
	uint64_t orders = 0, maxblob = 0, micros = 0;
	double rest = 0;
	int64_t day = 0;
	for (uint64_t i = 0; i < ndays; i++) {
		struct day *e = &st->days[i];
		uint64_t v = get_varint(in);
		day = i == 0 ? unzigzag(v) : day + 1 + (v > INT32_MAX ? INT32_MAX : (int64_t)v);
		uint64_t cr = get_varint(in);
		e->day = (int32_t)(day_ok(day) ? day : 0);
		e->count = (uint32_t)(cr >> 1);
		e->value.micros = unzigzag(get_varint(in));
		e->value.rest = cr & 1 ? get_double(in) : 0;
		e->keep_tod = -1;
		e->blob = 0;
		if (cfg->nkeep) {
			uint64_t tod = get_varint(in), b = get_varint(in);
			if (tod > 86399 || b >= ndays)
				return FLO_EVALUE;
			e->keep_tod = (int32_t)tod;
			e->blob = (uint32_t)b;
			if (b > maxblob)
				maxblob = b;
		}
		orders += e->count;
		micros += magnitude(e->value.micros);
		rest += fabs(e->value.rest);
		if (in->bad || !day_ok(day) || (e->count == 0 && !empty_days) ||
		    (cr >> 1) > UINT32_MAX || orders > UINT32_MAX || micros > MICROS_MAX ||
		    !(rest <= REST_MAX))
			return FLO_EVALUE;
		st->ndays++;
	}
	if (ndays > 0 && orders == 0)
		return FLO_EVALUE;
	st->orders = (uint32_t)orders;
	if (flags & HAS_FIRST) {
		st->first_time = unzigzag(get_varint(in));
		st->first_value.micros = unzigzag(get_varint(in));
		if (in->p == in->end || *in->p > 1)
			return FLO_EVALUE;
		st->first_value.rest = *in->p++ ? get_double(in) : 0;
		/* The first order falls on the first day with an order. */
		uint32_t f = 0;
		while (st->days[f].count == 0)
			f++;
		if (in->bad || magnitude(st->first_value.micros) > MICROS_MAX ||
		    !(fabs(st->first_value.rest) <= REST_MAX) ||
		    st->first_time < (int64_t)st->days[f].day * 86400 ||
		    st->first_time > (int64_t)st->days[f].day * 86400 + 86399)
			return FLO_EVALUE;
		st->has_first = 1;
	}
	if (flags & HAS_KEPT) {
		uint64_t nblobs = get_varint(in);
		if (in->bad || nblobs != maxblob + 1 || nblobs > ndays)
			return FLO_EVALUE;
		if (!reserve((void **)&st->blobs, 0, &st->cap_blobs, sizeof *st->blobs, nblobs))
			return FLO_ENOMEM;
		for (uint64_t k = 0; k < nblobs; k++) {
			uint64_t len = get_varint(in);
			if (in->bad || len > (uint64_t)(in->end - in->p) ||
			    !flo_kept_well_formed(in->p, (size_t)len, cfg->nkeep))
				return FLO_EVALUE;
			uint32_t b = intern_blob(st, in->p, (size_t)len);
			if (b == UINT32_MAX)
				return FLO_ENOMEM;
			if (b != k) /* stored twice */
				return FLO_EVALUE;
			in->p += len;
		}
	}
	if (flags & HAS_IDS) {
		int rc = get_hashes(in, &st->ids, &st->nids, &st->cap_ids, get_varint(in));
		if (rc == FLO_OK)
			rc = get_hashes(in, &st->lines, &st->nlines, &st->cap_lines, get_varint(in));
		if (rc != FLO_OK)
			return rc;
		/* Every order counted has its id, or is a further day of one that
		 * has; none is stored without an order; some hash is stored. */
		if (st->nids > orders || (orders > 0 && st->nids == 0) ||
		    st->nids + st->nlines == 0)
			return FLO_EVALUE;
	}
	if (flags & HAS_RETURNS) {
		int rc = decode_returns(st, in);
		if (rc != FLO_OK)
			return rc;
	}
	return in->p == in->end ? FLO_OK : FLO_EVALUE;
}

int flo_custstate_decode(flo_custstate *st, const struct flo_rfm_config *cfg,
			 const void *data, size_t len)
{
	struct in in = {data, (const unsigned char *)data + len, 0};

	flo_custstate_clear(st);
	int err = decode(st, cfg, &in);
	if (err != FLO_OK)
		flo_custstate_clear(st);
	return err;
}
