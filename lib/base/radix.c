/* radix.c: least-significant-digit radix sort of 64-bit keys, and ranks of
 * doubles through it or through a hash table. */
#include "base/radix.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

/* Eight passes of 8 bits cover 64: 256 counters per digit fit in the L1
 * cache and on the stack, and a pass writes to 256 places at a time, which
 * the caches follow better than 2048 (11-bit digits, six passes, were a
 * quarter slower on a million 30-bit keys and two fifths on 64-bit ones, and
 * no faster on 20,000). */
#define DIGIT_BITS 8
#define DIGITS 8
#define BUCKETS (1u << DIGIT_BITS)

/* Below this, insertion sort: no passes over counters. */
#define INSERTION_MAX 32

uint64_t flo_radix_key(double v)
{
	uint64_t u;
	if (v == 0)
		v = 0.0; /* -0 == +0: one key */
	memcpy(&u, &v, sizeof u);
	/* Negative doubles order backwards by their bits: flip them all;
	 * positive ones only need to sort above the negative ones. */
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static unsigned digit(uint64_t k, int d)
{
	return (unsigned)(k >> (d * DIGIT_BITS)) & (BUCKETS - 1);
}

static void insertion_sort(struct flo_kv *kv, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct flo_kv v = kv[i];
		size_t j = i;
		for (; j > 0 && kv[j - 1].key > v.key; j--) /* stable: > not >= */
			kv[j] = kv[j - 1];
		kv[j] = v;
	}
}

int flo_radix_sort(struct flo_kv *kv, size_t n)
{
	if (n <= INSERTION_MAX) {
		insertion_sort(kv, n);
		return FLO_OK;
	}
	struct flo_kv *tmp = malloc(n * sizeof *tmp);
	if (tmp == NULL)
		return FLO_ENOMEM;
	/* A digit every key shares orders nothing: no histogram, no pass (the
	 * high bits of small ranks, the low bits of whole numbers). */
	uint64_t differ = 0;
	for (size_t i = 1; i < n; i++)
		differ |= kv[i].key ^ kv[0].key;
	int digits[DIGITS], nd = 0;
	for (int d = 0; d < DIGITS; d++)
		if (digit(differ, d) != 0)
			digits[nd++] = d;
	size_t count[DIGITS][BUCKETS];
	memset(count, 0, (size_t)nd * sizeof count[0]);
	/* The histograms of those digits in one read of the keys. */
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < nd; j++)
			count[j][digit(kv[i].key, digits[j])]++;
	struct flo_kv *from = kv, *to = tmp;
	for (int j = 0; j < nd; j++) {
		int d = digits[j];
		size_t pos = 0;
		for (unsigned b = 0; b < BUCKETS; b++) {
			size_t c = count[j][b];
			count[j][b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[j][digit(from[i].key, d)]++] = from[i];
		struct flo_kv *t = from;
		from = to, to = t;
	}
	if (from != kv)
		memcpy(kv, from, n * sizeof *kv);
	free(tmp);
	return FLO_OK;
}

/* Ranks through a hash table of the distinct values, when there are few:
 * one pass over the data, and the table stays in the cache.  Gives up
 * (returns FLO_EVALUE) beyond HASH_MAX distinct values, where the table no
 * longer fits and a sort of the whole column is cheaper, and when more than
 * half the values seen are distinct (mean spends, say): a sort costs less
 * than hashing them all.  (Not a quarter: the FLO file's T and t_x, 2,400
 * distinct in 20,000, show a third distinct in their first 4,096 rows, and
 * hashing ranks them in 0.3 ms where sorting took 0.45.) */
#define HASH_MAX (1u << 15)
#define HASH_SPARSE 2 /* at most 1 distinct value in this many ... */
#define HASH_PROBE 4096 /* ... once this many have been seen */

/* A slot holds the key with its id, so that a probe reads one place. */
struct slot {
	uint64_t key;
	uint32_t id; /* id + 1 of the value there, 0 for empty */
};

struct hashed {
	struct slot *slot;
	unsigned bits;
	double *value; /* per id: the first in the input */
	uint64_t *key; /* per id */
	size_t count;
};

static size_t slot_of(const struct hashed *h, uint64_t k)
{
	/* Fibonacci hashing: the top bits of the product mix every key bit. */
	size_t mask = ((size_t)1 << h->bits) - 1;
	size_t s = (size_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - h->bits));
	while (h->slot[s].id != 0 && h->slot[s].key != k)
		s = (s + 1) & mask;
	return s;
}

static int grow(struct hashed *h)
{
	free(h->slot);
	h->bits++;
	h->slot = calloc((size_t)1 << h->bits, sizeof *h->slot);
	if (h->slot == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < h->count; i++)
		h->slot[slot_of(h, h->key[i])] = (struct slot){h->key[i], (uint32_t)i + 1};
	return FLO_OK;
}

/* Each value's id (order of first appearance) into rank[]. */
static int hash_ids(struct hashed *h, const double *first, size_t stride, size_t n, uint32_t *rank)
{
	for (size_t i = 0; i < n; i++) {
		double v = first[i * stride];
		uint64_t k = flo_radix_key(v);
		size_t s = slot_of(h, k);
		if (h->slot[s].id != 0) {
			rank[i] = h->slot[s].id - 1;
			continue;
		}
		if (h->count == HASH_MAX || (i >= HASH_PROBE && h->count * HASH_SPARSE > i))
			return FLO_EVALUE;
		h->key[h->count] = k;
		h->value[h->count] = v;
		rank[i] = (uint32_t)h->count;
		h->slot[s] = (struct slot){k, (uint32_t)++h->count};
		/* at most half full, so probes stay short */
		if (2 * h->count > ((size_t)1 << h->bits) && grow(h) != FLO_OK)
			return FLO_ENOMEM;
	}
	return FLO_OK;
}

static int ranks_hashed(const double *first, size_t stride, size_t n, double **values,
			size_t *count, uint32_t *rank)
{
	size_t room = n < HASH_MAX ? n : HASH_MAX;
	struct hashed h = {calloc(1024, sizeof *h.slot), 10, malloc(room * sizeof *h.value),
			   malloc(room * sizeof *h.key), 0};
	struct flo_kv *order = malloc(room * sizeof *order);
	uint32_t *of_id = malloc(room * sizeof *of_id);
	int err = h.slot && h.value && h.key && order && of_id ? FLO_OK : FLO_ENOMEM;
	if (err == FLO_OK)
		err = hash_ids(&h, first, stride, n, rank);
	for (size_t i = 0; err == FLO_OK && i < h.count; i++)
		order[i] = (struct flo_kv){h.key[i], i};
	if (err == FLO_OK) /* the distinct values in order: rank -> id */
		err = flo_radix_sort(order, h.count);
	*values = err == FLO_OK ? malloc((h.count ? h.count : 1) * sizeof **values) : NULL;
	if (err == FLO_OK && *values == NULL)
		err = FLO_ENOMEM;
	if (err == FLO_OK) {
		for (size_t r = 0; r < h.count; r++) {
			(*values)[r] = h.value[order[r].val];
			of_id[order[r].val] = (uint32_t)r;
		}
		for (size_t i = 0; i < n; i++)
			rank[i] = of_id[rank[i]];
		*count = h.count;
	}
	free(h.slot), free(h.value), free(h.key), free(order), free(of_id);
	return err;
}

/* Ranks by sorting the whole column. */
static int ranks_sorted(const double *first, size_t stride, size_t n, double **values,
			size_t *count, uint32_t *rank)
{
	struct flo_kv *kv = malloc((n ? n : 1) * sizeof *kv);
	*values = malloc((n ? n : 1) * sizeof **values);
	int err = kv && *values ? FLO_OK : FLO_ENOMEM;
	for (size_t i = 0; err == FLO_OK && i < n; i++)
		kv[i] = (struct flo_kv){flo_radix_key(first[i * stride]), i};
	if (err == FLO_OK)
		err = flo_radix_sort(kv, n);
	size_t k = 0;
	for (size_t i = 0; err == FLO_OK && i < n; i++) {
		if (k == 0 || kv[i].key != kv[i - 1].key)
			(*values)[k++] = first[kv[i].val * stride];
		rank[kv[i].val] = (uint32_t)(k - 1);
	}
	*count = k;
	free(kv);
	if (err != FLO_OK) {
		free(*values);
		*values = NULL;
	}
	return err;
}

/* Ranks of a column already in order (the first column of compacted rows):
 * one pass.  0 when the column is not in order. */
static int ranks_in_order(const double *first, size_t stride, size_t n, double **values,
			  size_t *count, uint32_t *rank, int *err)
{
	for (size_t i = 1; i < n; i++)
		if (flo_radix_key(first[i * stride]) < flo_radix_key(first[(i - 1) * stride]))
			return 0;
	*values = malloc((n ? n : 1) * sizeof **values);
	if (*values == NULL) {
		*err = FLO_ENOMEM;
		return 1;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || flo_radix_key(first[i * stride]) != flo_radix_key(first[(i - 1) * stride]))
			(*values)[k++] = first[i * stride];
		rank[i] = (uint32_t)(k - 1);
	}
	*count = k;
	*err = FLO_OK;
	return 1;
}

int flo_radix_ranks(const double *first, size_t stride, size_t n, double **values,
		    size_t *count, uint32_t *rank)
{
	int err;
	if (ranks_in_order(first, stride, n, values, count, rank, &err))
		return err;
	err = ranks_hashed(first, stride, n, values, count, rank);
	if (err == FLO_EVALUE) /* too many distinct values for the table */
		err = ranks_sorted(first, stride, n, values, count, rank);
	return err;
}
