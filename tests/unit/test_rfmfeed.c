/* Unit tests for lib/rfm/rfmfeed.c: orders through a feed, on a thread or not,
 * into an aggregator of 1, 2, 4 or 8 parts, give the summaries that
 * flo_rfm_add() one at a time gives, in the same order of arrival; with ids
 * too long for a batch among them, late and holdout orders.  And the parts
 * themselves (rfm.h): orders of each part folded in apart, as the threaded
 * scan does, give the same again. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "base/idmap.h"
#include "rfm/rfmfeed.h"
#include "summary_text.h"

static uint64_t state = 2463534242ull;
static unsigned next(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (unsigned)(state >> 32);
}

struct order {
	char *id;
	size_t len;
	int64_t time;
	double amount;
};

static struct text summarise(flo_rfm *r)
{
	struct text t = {0};
	size_t holdout_only;
	CHECK_INT(flo_rfm_each(r, summary_text, &t, &holdout_only), FLO_OK);
	return t;
}

static void test_same_as_one_at_a_time(int threaded, unsigned parts)
{
	struct flo_rfm_config cfg = {.unit_days = 7, .has_as_of = 1, .as_of = 10500,
				     .has_holdout = 1, .holdout_end = 10600};
	struct flo_rfm_config cfg_parts = cfg;
	cfg_parts.parts = parts;
	size_t n = 50000;
	struct order *o = malloc(n * sizeof *o);
	for (size_t i = 0; i < n; i++) {
		/* Mostly short ids of 3000 customers; now and then one far
		 * longer than a batch's id room (96 KiB). */
		size_t len = next() % 1000 == 0 ? 200000 + next() % 3 : 1 + next() % 12;
		o[i].id = malloc(len);
		unsigned c = next() % 3000;
		for (size_t k = 0; k < len; k++)
			o[i].id[k] = (char)('a' + (c >> (k % 12)) % 26);
		o[i].len = len;
		o[i].time = (int64_t)(10000 + next() % 700) * 86400 + next() % 86400;
		o[i].amount = (next() % 100000) / 100.0;
	}
	flo_rfm *one, *fed;
	CHECK_INT(flo_rfm_new(&one, &cfg), FLO_OK);
	CHECK_INT(flo_rfm_new(&fed, &cfg_parts), FLO_OK);
	CHECK_INT(flo_rfm_parts(fed), parts);
	long want[4] = {0}, got[4] = {0};
	for (size_t i = 0; i < n; i++) {
		enum flo_order_fate fate;
		CHECK_INT(flo_rfm_add(one, o[i].id, o[i].len, o[i].time, o[i].amount, NULL, 0,
				      NULL, &fate), FLO_OK);
		want[fate]++;
	}
	flo_rfm_feed *feed;
	CHECK_INT(flo_rfm_feed_new(&feed, fed, threaded), FLO_OK);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(flo_rfm_feed_add(feed, o[i].id, o[i].len, o[i].time, o[i].amount), FLO_OK);
	CHECK_INT(flo_rfm_feed_finish(feed, got), FLO_OK);
	for (int k = 0; k < 4; k++)
		CHECK_INT(got[k], want[k]);
	CHECK(want[FLO_ORDER_LATE] > 0 && want[FLO_ORDER_HOLDOUT] > 0);
	CHECK_INT(flo_rfm_customers(fed), flo_rfm_customers(one));
	struct text a = summarise(one), b = summarise(fed);
	CHECK(a.len > 0 && a.len == b.len && memcmp(a.p, b.p, a.len) == 0);

	/* Each part's orders apart, its own in arrival order, the parts in
	 * reverse, in pieces of random length. */
	flo_rfm *apart;
	CHECK_INT(flo_rfm_new(&apart, &cfg_parts), FLO_OK);
	struct flo_rfm_order *mine = malloc(n * sizeof *mine);
	long in_parts[4] = {0};
	for (unsigned k = parts; k-- > 0;) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t hash = flo_hash(o[i].id, o[i].len);
			if (flo_rfm_part(apart, hash) == k)
				mine[m++] = (struct flo_rfm_order){o[i].id, o[i].len, o[i].time,
								   flo_money_of(o[i].amount), hash};
		}
		for (size_t i = 0, piece; i < m; i += piece) {
			piece = 1 + next() % 700;
			piece = piece < m - i ? piece : m - i;
			CHECK_INT(flo_rfm_add_part(apart, k, mine + i, piece, in_parts), FLO_OK);
		}
	}
	for (int k = 0; k < 4; k++)
		CHECK_INT(in_parts[k], want[k]);
	struct text c = summarise(apart);
	CHECK(c.len == a.len && memcmp(a.p, c.p, a.len) == 0);
	free(mine);
	free(c.p);
	flo_rfm_free(apart);
	free(a.p);
	free(b.p);
	flo_rfm_free(one);
	flo_rfm_free(fed);
	for (size_t i = 0; i < n; i++)
		free(o[i].id);
	free(o);
}

/* Empty: nothing queued, nothing folded, no customers. */
static void test_empty(int threaded)
{
	struct flo_rfm_config cfg = {.unit_days = 7};
	flo_rfm *r;
	CHECK_INT(flo_rfm_new(&r, &cfg), FLO_OK);
	flo_rfm_feed *feed;
	long counts[4] = {0};
	CHECK_INT(flo_rfm_feed_new(&feed, r, threaded), FLO_OK);
	CHECK_INT(flo_rfm_feed_finish(feed, counts), FLO_OK);
	CHECK_INT(counts[0] + counts[1] + counts[2] + counts[3], 0);
	CHECK_INT(flo_rfm_customers(r), 0);
	flo_rfm_free(r);
}

/* Parts are a power of two up to FLO_RFM_MAX_PARTS (0 is 1); a part
 * beyond them takes no orders. */
static void test_parts(void)
{
	struct flo_rfm_config cfg = {.unit_days = 7};
	flo_rfm *r;
	for (unsigned parts = 0; parts <= 2 * FLO_RFM_MAX_PARTS; parts++) {
		int ok = parts == 0 || (parts <= FLO_RFM_MAX_PARTS && (parts & (parts - 1)) == 0);
		cfg.parts = parts;
		CHECK_INT(flo_rfm_new(&r, &cfg), ok ? FLO_OK : FLO_EVALUE);
		if (!ok)
			continue;
		CHECK_INT(flo_rfm_parts(r), parts ? parts : 1);
		long counts[4] = {0};
		struct flo_rfm_order one = {"a", 1, 0, {0, 0}, flo_hash("a", 1)};
		CHECK_INT(flo_rfm_add_part(r, flo_rfm_parts(r), &one, 1, counts), FLO_EVALUE);
		CHECK(flo_rfm_part(r, UINT64_MAX) == flo_rfm_parts(r) - 1);
		CHECK(flo_rfm_part(r, 0) == 0);
		flo_rfm_free(r);
	}
}

int main(void)
{
	test_parts();
	test_empty(0);
	test_empty(1);
	for (unsigned parts = 1; parts <= FLO_RFM_MAX_PARTS; parts *= 2) {
		test_same_as_one_at_a_time(0, parts);
		test_same_as_one_at_a_time(1, parts);
	}
	return check_report();
}
