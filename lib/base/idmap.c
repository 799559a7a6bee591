/* idmap.c: the customer id table.
 *
 * A lookup in a table of a million customers misses the cache at every
 * pointer it follows, and order logs in date order look up a different
 * customer nearly every time.  So a slot holds what settles most lookups by
 * itself: the id's length and, for an id of 8 bytes or fewer, its bytes
 * (else its 64-bit hash).  A short id is found or placed with one cache
 * miss; a long one follows the entry to compare its bytes only when length
 * and hash already agree. */
#include "base/idmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/radix.h"


struct entry {
	const char *id;
	uint32_t len;
	uint32_t hash32;
};


struct slot {
	uint64_t key;   /* short ids: the bytes, zero-padded; long: the hash */
	uint32_t len;
	uint32_t index; /* index + 1; 0 is empty */
};

struct flo_idmap {
	struct slot *slots;
	size_t nslots;   /* a power of two */
	struct entry *entries;
	size_t count, cap;
	struct flo_arena text; /* the ids' bytes */
	size_t bytes;
};

/* A multiply-xorshift hash over 8-byte words: ids are short, and this is
 * several times faster than byte-at-a-time FNV on the hot path. */
uint64_t flo_hash(const char *s, size_t len)
{
	const uint64_t k = 0x9E3779B97F4A7C15ull;
	uint64_t h = len * k;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
		s += 8;
		len -= 8;
	}
	uint64_t w = 0;
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	h = (h ^ w) * k;
	h ^= h >> 32;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return h;
}

/* n empty slots, their pages written before use.  Fresh pages from the
 * system are the shared zero page until first written, and a lookup reads
 * an empty slot before an insert writes it; that write then replaces the
 * page, which in a process with several threads flushes every core's TLB
 * (a seventh of the time of folding orders in on two threads went to it).
 * A write to each page first gets it its own page at once.  (A plain
 * memset() after malloc() would not do: compilers make the two calloc().) */
static struct slot *zeroed_slots(size_t n)
{
	struct slot *slots = calloc(n, sizeof *slots);
	volatile uint32_t *touch = slots != NULL ? &slots[0].index : NULL;
	const size_t per_page = 4096 / sizeof *slots;
	for (size_t i = 0; touch != NULL && i < n; i += per_page)
		touch[i * (sizeof *slots / sizeof *touch)] = 0;
	return slots;
}

int flo_idmap_new(flo_idmap **out)
{
	flo_idmap *m = calloc(1, sizeof *m);
	if (m == NULL)
		return FLO_ENOMEM;
	m->nslots = 1024;
	m->slots = zeroed_slots(m->nslots);
	m->bytes = m->nslots * sizeof *m->slots;
	if (m->slots == NULL) {
		free(m);
		return FLO_ENOMEM;
	}
	*out = m;
	return FLO_OK;
}

void flo_idmap_free(flo_idmap *m)
{
	if (m == NULL)
		return;
	flo_arena_free(&m->text);
	free(m->slots);
	free(m->entries);
	free(m);
}

#define SHORT_ID 8

/* What a slot holds to recognise an id (see the top of the file). */
static uint64_t slot_key(const char *id, size_t len, uint64_t hash)
{
	if (len > SHORT_ID)
		return hash;
	uint64_t k = 0;
	memcpy(&k, id, len);
	return k;
}

static int rehash(flo_idmap *m)
{
	size_t n = m->nslots * 2;
	struct slot *slots = zeroed_slots(n);
	if (slots == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < m->nslots; i++) {
		const struct slot *old = &m->slots[i];
		if (old->index == 0)
			continue;
		size_t s = m->entries[old->index - 1].hash32 & (n - 1);
		while (slots[s].index != 0)
			s = (s + 1) & (n - 1);
		slots[s] = *old;
	}
	free(m->slots);
	m->bytes += (n - m->nslots) * sizeof *slots;
	m->slots = slots;
	m->nslots = n;
	return FLO_OK;
}

void flo_idmap_prefetch(const flo_idmap *m, uint64_t hash)
{
	__builtin_prefetch(&m->slots[(uint32_t)hash & (m->nslots - 1)]);
}

void flo_idmap_prefetch_id(const flo_idmap *m, uint32_t index, int stage)
{
	if (stage == 0)
		__builtin_prefetch(&m->entries[index]);
	else
		__builtin_prefetch(m->entries[index].id);
}

int flo_idmap_intern(flo_idmap *m, const char *id, size_t len, uint32_t *index,
		     int *added)
{
	return flo_idmap_intern_hashed(m, id, len, flo_hash(id, len), index, added);
}

int flo_idmap_intern_hashed(flo_idmap *m, const char *id, size_t len, uint64_t hash,
			    uint32_t *index, int *added)
{
	uint32_t h = (uint32_t)hash;
	uint64_t key = slot_key(id, len, hash);
	size_t mask = m->nslots - 1;
	for (size_t s = h & mask;; s = (s + 1) & mask) {
		struct slot *sl = &m->slots[s];
		if (sl->index == 0) {
			if (m->count >= UINT32_MAX - 1 || len > UINT32_MAX)
				return FLO_ERANGE;
			if (m->count == m->cap) {
				size_t cap = m->cap ? m->cap * 2 : 1024;
				struct entry *e = realloc(m->entries, cap * sizeof *e);
				if (e == NULL)
					return FLO_ENOMEM;
				m->bytes += (cap - m->cap) * sizeof *e;
				m->entries = e;
				m->cap = cap;
			}
			char *copy = flo_arena_alloc(&m->text, len);
			if (copy == NULL)
				return FLO_ENOMEM;
			memcpy(copy, id, len);
			m->entries[m->count] = (struct entry){copy, (uint32_t)len, h};
			*sl = (struct slot){key, (uint32_t)len, (uint32_t)++m->count};
			*index = (uint32_t)(m->count - 1);
			*added = 1;
			/* Keep the load under 1/2 so probes stay short. */
			if (m->count * 2 > m->nslots)
				return rehash(m);
			return FLO_OK;
		}
		if (sl->key != key || sl->len != len)
			continue;
		if (len > SHORT_ID && memcmp(m->entries[sl->index - 1].id, id, len) != 0)
			continue;
		*index = sl->index - 1;
		*added = 0;
		return FLO_OK;
	}
}

size_t flo_idmap_count(const flo_idmap *m) { return m->count; }
size_t flo_idmap_bytes(const flo_idmap *m) { return m->bytes + m->text.bytes; }

const char *flo_idmap_id(const flo_idmap *m, uint32_t index, size_t *len)
{
	*len = m->entries[index].len;
	return m->entries[index].id;
}

/* The tables being sorted, as one: index g is entry g - base[k] of the last
 * table k whose base is at most g.  (qsort has no context argument.) */
static struct {
	const flo_idmap *const *maps;
	const size_t *base;
	size_t nmaps;
} sorting;

static const struct entry *entry_at(uint32_t g)
{
	size_t k = sorting.nmaps - 1;
	while (g < sorting.base[k])
		k--;
	return &sorting.maps[k]->entries[g - sorting.base[k]];
}

/* Ids that share their first 8 bytes, by the rest (the radix sort below has
 * ordered the first 8). */
static int by_id_tail(const void *a, const void *b)
{
	const struct entry *ea = entry_at(*(const uint32_t *)a);
	const struct entry *eb = entry_at(*(const uint32_t *)b);
	size_t la = ea->len - 8, lb = eb->len - 8; /* both are longer than 8 */
	int c = memcmp(ea->id + 8, eb->id + 8, la < lb ? la : lb);
	return c != 0 ? c : (la > lb) - (la < lb);
}

/* The first 8 bytes of an id as a number that orders as the bytes do; a
 * shorter id is padded with zero bytes, so "ab" and "ab\0" tie, and the tie
 * goes to the length. */
static uint64_t prefix_key(const char *id, size_t len)
{
	uint64_t k = 0;
	for (size_t i = 0; i < 8; i++)
		k = k << 8 | (i < len ? (unsigned char)id[i] : 0);
	return k;
}

uint32_t *flo_idmap_sorted(const flo_idmap *m)
{
	size_t base = 0;
	return flo_idmap_sorted_many(&m, 1, &base);
}

/* By the first 8 bytes with a radix sort, which touches each id once (a
 * comparison sort of a million ids misses the cache on every comparison),
 * then each run of ids sharing those bytes by the rest: the length when
 * one is 8 bytes or shorter, else the bytes after the eighth. */
uint32_t *flo_idmap_sorted_many(const flo_idmap *const *maps, size_t nmaps, size_t *base)
{
	size_t n = 0;
	for (size_t k = 0; k < nmaps; k++) {
		base[k] = n;
		n += maps[k]->count;
	}
	if (n > UINT32_MAX)
		return NULL;
	uint32_t *order = malloc((n ? n : 1) * sizeof *order);
	struct flo_kv *v = malloc((n ? n : 1) * sizeof *v);
	if (order == NULL || v == NULL) {
		free(order);
		free(v);
		return NULL;
	}
	for (size_t k = 0; k < nmaps; k++)
		for (size_t i = 0; i < maps[k]->count; i++) {
			const struct entry *e = &maps[k]->entries[i];
			v[base[k] + i] = (struct flo_kv){prefix_key(e->id, e->len), base[k] + i};
		}
	if (flo_radix_sort(v, n) != FLO_OK) {
		free(order);
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)v[i].val;
	sorting.maps = maps;
	sorting.base = base;
	sorting.nmaps = nmaps;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j].key == v[i].key; j++)
			;
		if (j - i < 2)
			continue;
		/* Of ids tied on 8 bytes, those of 8 bytes or fewer differ only
		 * in length (zero padding aside, they are prefixes of the
		 * others): shortest first, then the longer ones by their tails. */
		size_t k = i;
		for (size_t len = 0; len <= 8; len++)
			for (size_t t = k; t < j; t++)
				if (entry_at(order[t])->len == len) {
					uint32_t x = order[k];
					order[k++] = order[t];
					order[t] = x;
				}
		if (j - k > 1)
			qsort(order + k, j - k, sizeof *order, by_id_tail);
	}
	free(v);
	return order;
}
