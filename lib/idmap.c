/* idmap.c: the customer id table. */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define CHUNK_BYTES ((size_t)1 << 20)

struct entry {
	const char *id;
	uint32_t len;
	uint32_t hash32;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct flo_idmap {
	uint32_t *slots; /* index + 1; 0 is empty */
	size_t nslots;   /* a power of two */
	struct entry *entries;
	size_t count, cap;
	struct chunk *chunks;
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

int flo_idmap_new(flo_idmap **out)
{
	flo_idmap *m = calloc(1, sizeof *m);
	if (m == NULL)
		return FLO_ENOMEM;
	m->nslots = 1024;
	m->slots = calloc(m->nslots, sizeof *m->slots);
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
	for (struct chunk *c = m->chunks, *next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(m->slots);
	free(m->entries);
	free(m);
}

static const char *copy_id(flo_idmap *m, const char *id, size_t len)
{
	struct chunk *c = m->chunks;
	if (c == NULL || c->cap - c->used < len) {
		size_t cap = len > CHUNK_BYTES ? len : CHUNK_BYTES;
		c = malloc(sizeof *c + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = m->chunks;
		m->chunks = c;
		m->bytes += sizeof *c + cap;
	}
	char *p = c->data + c->used;
	memcpy(p, id, len);
	c->used += len;
	return p;
}

static int rehash(flo_idmap *m)
{
	size_t n = m->nslots * 2;
	uint32_t *slots = calloc(n, sizeof *slots);
	if (slots == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < m->count; i++) {
		size_t s = m->entries[i].hash32 & (n - 1);
		while (slots[s] != 0)
			s = (s + 1) & (n - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(m->slots);
	m->bytes += (n - m->nslots) * sizeof *slots;
	m->slots = slots;
	m->nslots = n;
	return FLO_OK;
}

int flo_idmap_intern(flo_idmap *m, const char *id, size_t len, uint32_t *index,
		     int *added)
{
	uint32_t h = (uint32_t)flo_hash(id, len);
	size_t mask = m->nslots - 1;
	for (size_t s = h & mask;; s = (s + 1) & mask) {
		uint32_t v = m->slots[s];
		if (v == 0) {
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
			const char *copy = copy_id(m, id, len);
			if (copy == NULL)
				return FLO_ENOMEM;
			m->entries[m->count] = (struct entry){copy, (uint32_t)len, h};
			m->slots[s] = (uint32_t)++m->count;
			*index = (uint32_t)(m->count - 1);
			*added = 1;
			/* Keep the load under 1/2 so probes stay short. */
			if (m->count * 2 > m->nslots)
				return rehash(m);
			return FLO_OK;
		}
		const struct entry *e = &m->entries[v - 1];
		if (e->hash32 == h && e->len == len && memcmp(e->id, id, len) == 0) {
			*index = v - 1;
			*added = 0;
			return FLO_OK;
		}
	}
}

size_t flo_idmap_count(const flo_idmap *m) { return m->count; }
size_t flo_idmap_bytes(const flo_idmap *m) { return m->bytes; }

const char *flo_idmap_id(const flo_idmap *m, uint32_t index, size_t *len)
{
	*len = m->entries[index].len;
	return m->entries[index].id;
}

/* qsort has no context argument: the table being sorted. */
static const flo_idmap *sorting;

static int by_id(const void *a, const void *b)
{
	const struct entry *ea = &sorting->entries[*(const uint32_t *)a];
	const struct entry *eb = &sorting->entries[*(const uint32_t *)b];
	int c = memcmp(ea->id, eb->id, ea->len < eb->len ? ea->len : eb->len);
	return c != 0 ? c : (ea->len > eb->len) - (ea->len < eb->len);
}

uint32_t *flo_idmap_sorted(const flo_idmap *m)
{
	uint32_t *order = malloc((m->count ? m->count : 1) * sizeof *order);
	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < m->count; i++)
		order[i] = (uint32_t)i;
	sorting = m;
	qsort(order, m->count, sizeof *order, by_id);
	return order;
}
