/* custstate.c: a customer's orders as stored state (see custstate.h).
 *
 * The stored form, version 1 (integers are LEB128 varints, "zz" ones
 * zigzag-encoded signed values, doubles 8 bytes little-endian):
 *
 *   byte    version (FLO_CUSTSTATE_FORMAT)
 *   byte    what follows: 1 first order, 2 kept fields, 4 order ids
 *   varint  number of days (at least 1), then per day, in increasing order:
 *     varint  the day: the first zz day number, later ones the gap - 1
 *     varint  orders << 1 | 1 when a double remainder of the value follows
 *     zz      the value in millionths [double remainder]
 *     [kept]  varint second of the day of the kept order, varint kept index
 *   [first]   zz time in seconds, zz value in millionths, byte 1 when a
 *             double remainder follows [double]
 *   [kept]    varint number of distinct kept blobs (in order of first use by
 *             the days), each varint length + bytes as lib/rfm/kept.c packs them
 *   [ids]     varint number of order-id hashes, each 8 bytes, increasing
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

enum { HAS_FIRST = 1, HAS_KEPT = 2, HAS_IDS = 4 };

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
	uint64_t *ids;
	uint32_t nids, cap_ids;
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

static size_t packed_size(const struct flo_field *vals, size_t n)
{
	size_t size = 0;
	for (size_t i = 0; i < n; i++)
		size += 5 + vals[i].len;
	return size;
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

int flo_custstate_add(flo_custstate *st, const struct flo_rfm_config *cfg,
		      const struct flo_custstate_order *o, int *repeated)
{
	int32_t day = flo_rfm_day(o->time);
	int32_t tod = (int32_t)(o->time - (int64_t)day * 86400);
	uint32_t at = 0, blob = 0;

	*repeated = 0;
	if (!day_ok(day))
		return FLO_EUSAGE;
	/* Everything that can fail comes before the first change. */
	if (cfg->order_ids) {
		at = id_search(st->ids, st->nids, o->id_hash);
		if (at < st->nids && st->ids[at] == o->id_hash) {
			*repeated = 1;
			return FLO_OK;
		}
		if (!reserve((void **)&st->ids, st->nids, &st->cap_ids, sizeof *st->ids, 1))
			return FLO_ENOMEM;
	}
	uint32_t d = day_search(st->days, st->ndays, day);
	int new_day = d == st->ndays || st->days[d].day != day;
	int keep = cfg->nkeep > 0 && (new_day || tod >= st->days[d].keep_tod);
	if (new_day && !reserve((void **)&st->days, st->ndays, &st->cap_days, sizeof *st->days, 1))
		return FLO_ENOMEM;
	struct flo_money value = flo_money_of(o->amount);
	if (!sums_take(st, d, new_day, value))
		return FLO_ERANGE;
	if (keep) {
		if (flo_kept_pack(&st->scratch, o->keep, cfg->nkeep) != FLO_OK)
			return FLO_ENOMEM;
		blob = intern_blob(st, st->scratch, packed_size(o->keep, cfg->nkeep));
		if (blob == UINT32_MAX)
			return FLO_ENOMEM;
	}

	if (cfg->order_ids) {
		memmove(st->ids + at + 1, st->ids + at, (st->nids - at) * sizeof *st->ids);
		st->ids[at] = o->id_hash;
		st->nids++;
	}
	if (new_day) {
		memmove(st->days + d + 1, st->days + d, (st->ndays - d) * sizeof *st->days);
		st->days[d] = (struct day){.day = day, .keep_tod = -1};
		st->ndays++;
	}
	struct day *e = &st->days[d];
	e->count++;
	flo_money_add(&e->value, value);
	if (keep) {
		e->keep_tod = tod;
		e->blob = blob;
	}
	if (cfg->per_order &&
	    (!st->has_first ||
	     flo_rfm_first_before(o->time, o->amount, st->first_time, st->first_value))) {
		st->has_first = 1;
		st->first_time = o->time;
		st->first_value = value;
	}
	st->orders++;
	return FLO_OK;
}

int flo_custstate_summary(const flo_custstate *st, const struct flo_rfm_config *cfg,
			  int32_t as_of, struct flo_summary *s, struct flo_field *kept,
			  struct flo_custstate_left *left)
{
	int64_t end = cfg->has_holdout ? cfg->holdout_end : as_of;
	struct flo_rfm_totals t = {0};
	uint32_t ncal = 0, late = 0;

	for (uint32_t i = 0; i < st->ndays; i++) {
		const struct day *e = &st->days[i];
		if (e->day <= as_of) {
			ncal++;
			t.orders += e->count;
			flo_money_add(&t.revenue, e->value);
		} else if (e->day <= end) {
			t.h_orders += e->count;
			t.h_occasions++;
			flo_money_add(&t.h_value, e->value);
		} else {
			late += e->count;
		}
	}
	if (left != NULL) {
		left->holdout_only = ncal == 0 && t.h_orders > 0;
		left->late = late;
	}
	if (ncal == 0)
		return 0;
	const struct day *first = &st->days[0], *last = &st->days[ncal - 1];
	t.first_day = first->day;
	t.last_day = last->day;
	if (cfg->per_order) {
		t.occasions = t.orders;
		t.h_occasions = t.h_orders;
		t.first_value = st->first_value;
	} else {
		t.occasions = ncal;
		t.first_value = first->value;
	}
	flo_rfm_summarise(cfg, as_of, &t, s);
	if (cfg->nkeep > 0)
		flo_kept_unpack(st->bytes + st->blobs[last->blob].off, kept, cfg->nkeep);
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
	if (o->oom)
		return;
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
	head[1] = (unsigned char)((st->has_first ? HAS_FIRST : 0) | (kept ? HAS_KEPT : 0) |
				  (st->nids ? HAS_IDS : 0));
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
	if (st->nids) {
		put_varint(&o, st->nids);
		for (uint32_t i = 0; i < st->nids; i++)
			put_u64(&o, st->ids[i]);
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


/* A packed blob of exactly n fields, as flo_kept_unpack() reads them. */
static int blob_ok(const unsigned char *p, size_t len, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t flen;
		if (len < 5 || p[0] > FLO_KIND_NULL)
			return 0;
		memcpy(&flen, p + 1, 4);
		if (len - 5 < flen)
			return 0;
		p += 5 + flen;
		len -= 5 + (size_t)flen;
	}
	return len == 0;
}

static int decode(flo_custstate *st, const struct flo_rfm_config *cfg, struct in *in)
{
	int want = (cfg->per_order ? HAS_FIRST : 0) | (cfg->nkeep ? HAS_KEPT : 0) |
		   (cfg->order_ids ? HAS_IDS : 0);
	if (in->end - in->p < 2)
		return FLO_EVALUE;
	if (in->p[0] > FLO_CUSTSTATE_FORMAT)
		return FLO_EVERSION;
	if (in->p[0] != FLO_CUSTSTATE_FORMAT || in->p[1] != want)
		return FLO_EVALUE;
	in->p += 2;
	uint64_t ndays = get_varint(in);
	/* Each day takes at least three bytes: a bound before allocating. */
	if (in->bad || ndays == 0 || ndays > (uint64_t)(in->end - in->p) / 3)
		return FLO_EVALUE;
	st->ndays = 0;
	if (!reserve((void **)&st->days, 0, &st->cap_days, sizeof *st->days, ndays))
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
		if (in->bad || !day_ok(day) || e->count == 0 || (cr >> 1) > UINT32_MAX ||
		    orders > UINT32_MAX || micros > MICROS_MAX || !(rest <= REST_MAX))
			return FLO_EVALUE;
		st->ndays++;
	}
	st->orders = (uint32_t)orders;
	if (cfg->per_order) {
		st->first_time = unzigzag(get_varint(in));
		st->first_value.micros = unzigzag(get_varint(in));
		if (in->p == in->end || *in->p > 1)
			return FLO_EVALUE;
		st->first_value.rest = *in->p++ ? get_double(in) : 0;
		/* The first order falls on the first day. */
		if (in->bad || magnitude(st->first_value.micros) > MICROS_MAX ||
		    !(fabs(st->first_value.rest) <= REST_MAX) ||
		    st->first_time < (int64_t)st->days[0].day * 86400 ||
		    st->first_time > (int64_t)st->days[0].day * 86400 + 86399)
			return FLO_EVALUE;
		st->has_first = 1;
	}
	if (cfg->nkeep) {
		uint64_t nblobs = get_varint(in);
		if (in->bad || nblobs != maxblob + 1 || nblobs > ndays)
			return FLO_EVALUE;
		if (!reserve((void **)&st->blobs, 0, &st->cap_blobs, sizeof *st->blobs, nblobs))
			return FLO_ENOMEM;
		for (uint64_t k = 0; k < nblobs; k++) {
			uint64_t len = get_varint(in);
			if (in->bad || len > (uint64_t)(in->end - in->p) ||
			    !blob_ok(in->p, (size_t)len, cfg->nkeep))
				return FLO_EVALUE;
			uint32_t b = intern_blob(st, in->p, (size_t)len);
			if (b == UINT32_MAX)
				return FLO_ENOMEM;
			if (b != k) /* stored twice */
				return FLO_EVALUE;
			in->p += len;
		}
	}
	if (cfg->order_ids) {
		uint64_t nids = get_varint(in);
		/* Every order stored has its own id. */
		if (in->bad || nids != orders || nids > (uint64_t)(in->end - in->p) / 8)
			return FLO_EVALUE;
		if (!reserve((void **)&st->ids, 0, &st->cap_ids, sizeof *st->ids, nids))
			return FLO_ENOMEM;
		for (uint64_t i = 0; i < nids; i++) {
			uint64_t h = get_u64(in);
			if (i > 0 && h <= st->ids[i - 1])
				return FLO_EVALUE;
			st->ids[st->nids++] = h;
		}
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
