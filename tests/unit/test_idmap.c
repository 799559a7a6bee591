/* Unit tests for lib/base/idmap.c: interning, and the order of
 * flo_idmap_sorted() (and of flo_idmap_sorted_many(), several tables as
 * one) against an independent bytewise comparison (the order flo-rfm
 * promises: bytes as unsigned, a prefix before the longer id). */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "base/idmap.h"

/* The reference order, written without the radix sort's prefix keys. */
struct id {
	const char *s;
	size_t len;
};

static int bytewise(const void *a, const void *b)
{
	const struct id *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	for (size_t i = 0; i < n; i++)
		if (x->s[i] != y->s[i])
			return (unsigned char)x->s[i] < (unsigned char)y->s[i] ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

static uint64_t state = 88172645463325252ull;
static unsigned next(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (unsigned)(state >> 32);
}

/* Ids from a few bytes, NUL and 0xFF included, of lengths 0..20, many
 * sharing their first 8 bytes: the cases the radix sort hands on. */
static void random_id(char *buf, size_t *len)
{
	static const char alphabet[] = {'\0', 'a', 'b', '0', (char)0xFF};
	*len = next() % 21;
	size_t shared = next() % 2 ? 8 : 0;
	for (size_t i = 0; i < *len; i++)
		buf[i] = i < shared ? "cust0000"[i] : alphabet[next() % sizeof alphabet];
}

/* n random ids (random_id(), many repeated), their bytes in *text. */
static struct id *random_ids(size_t n, char **text)
{
	*text = malloc(n * 21);
	struct id *ids = malloc(n * sizeof *ids);
	for (size_t i = 0; i < n; i++) {
		ids[i].s = *text + i * 21;
		random_id(*text + i * 21, &ids[i].len);
	}
	return ids;
}

/* How many of the ids in got (as sorted by the code under test) are not
 * where the reference order puts them; ref is sorted here. */
static size_t misplaced(struct id *ref, const struct id *got, size_t n)
{
	qsort(ref, n, sizeof *ref, bytewise);
	size_t wrong = 0;
	for (size_t k = 0; k < n; k++)
		wrong += bytewise(&got[k], &ref[k]) != 0;
	return wrong;
}

static void test_sorted(size_t n)
{
	flo_idmap *m;
	CHECK_INT(flo_idmap_new(&m), FLO_OK);
	char *text;
	struct id *ids = random_ids(n, &text), *ref = malloc(n * sizeof *ref);
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t index;
		int added;
		CHECK_INT(flo_idmap_intern(m, ids[i].s, ids[i].len, &index, &added), FLO_OK);
		if (added) {
			CHECK_INT(index, distinct);
			ref[distinct++] = ids[i];
		} else {
			size_t got_len;
			const char *got = flo_idmap_id(m, index, &got_len);
			CHECK(got_len == ids[i].len && memcmp(got, ids[i].s, got_len) == 0);
		}
	}
	CHECK_INT(flo_idmap_count(m), distinct);
	uint32_t *order = flo_idmap_sorted(m);
	CHECK(order != NULL);
	for (size_t k = 0; order && k < distinct; k++)
		ids[k].s = flo_idmap_id(m, order[k], &ids[k].len);
	if (order != NULL)
		CHECK_INT(misplaced(ref, ids, distinct), 0);
	free(order);
	free(ref);
	free(ids);
	free(text);
	flo_idmap_free(m);
}

/* Ids spread over three tables (by a coin, not their hash), sorted as one:
 * table k's index i is base[k] + i, in the bytewise order.  Each id is in
 * one table only, as in flo_rfm's parts. */
static void test_sorted_many(size_t n)
{
	flo_idmap *m[3], *seen;
	for (int k = 0; k < 3; k++)
		CHECK_INT(flo_idmap_new(&m[k]), FLO_OK);
	CHECK_INT(flo_idmap_new(&seen), FLO_OK);
	char *text;
	struct id *ids = random_ids(n, &text), *ref = malloc(n * sizeof *ref);
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t index;
		int added;
		CHECK_INT(flo_idmap_intern(seen, ids[i].s, ids[i].len, &index, &added), FLO_OK);
		if (!added)
			continue;
		CHECK_INT(flo_idmap_intern(m[next() % 3], ids[i].s, ids[i].len, &index, &added),
			  FLO_OK);
		ref[distinct++] = ids[i];
	}
	size_t base[3];
	uint32_t *order = flo_idmap_sorted_many((const flo_idmap *const *)m, 3, base);
	CHECK(order != NULL);
	CHECK_INT(base[0], 0);
	CHECK_INT(base[1], flo_idmap_count(m[0]));
	CHECK_INT(base[2], base[1] + flo_idmap_count(m[1]));
	CHECK_INT(base[2] + flo_idmap_count(m[2]), distinct);
	for (size_t k = 0; order && k < distinct; k++) {
		int t = order[k] >= base[2] ? 2 : order[k] >= base[1];
		ids[k].s = flo_idmap_id(m[t], (uint32_t)(order[k] - base[t]), &ids[k].len);
	}
	if (order != NULL)
		CHECK_INT(misplaced(ref, ids, distinct), 0);
	free(order);
	free(ref);
	free(ids);
	free(text);
	for (int k = 0; k < 3; k++)
		flo_idmap_free(m[k]);
	flo_idmap_free(seen);
}

static void test_edges(void)
{
	flo_idmap *m;
	CHECK_INT(flo_idmap_new(&m), FLO_OK);
	uint32_t *order = flo_idmap_sorted(m); /* no ids: an empty order */
	CHECK(order != NULL);
	free(order);
	const char *ids[] = {"ab", "a", "ab\0", "abcdefgh", "abcdefgh\0", "abcdefghi",
			     "abcdefgg\xff", ""};
	const size_t lens[] = {2, 1, 3, 8, 9, 9, 9, 0};
	/* Sorted: "", "a", "ab", "ab\0", "abcdefgg\xff", "abcdefgh",
	 * "abcdefgh\0", "abcdefghi". */
	const int want[] = {7, 1, 0, 2, 6, 3, 4, 5};
	for (int i = 0; i < 8; i++) {
		uint32_t index;
		int added;
		CHECK_INT(flo_idmap_intern(m, ids[i], lens[i], &index, &added), FLO_OK);
		CHECK_INT(added, 1);
	}
	order = flo_idmap_sorted(m);
	for (int k = 0; order && k < 8; k++)
		CHECK_INT(order[k], want[k]);
	free(order);
	flo_idmap_free(m);
}

int main(void)
{
	test_edges();
	test_sorted(10);
	test_sorted(5000);
	test_sorted(200000);
	test_sorted_many(3000);
	test_sorted_many(100000);
	return check_report();
}
