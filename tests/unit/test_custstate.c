/* test_custstate.c: the stored customer state against the batch aggregator.
 *
 * The reference is lib/rfm/rfm.c's flo_rfm (tested by hand in tests/flo-rfm.bats
 * and against the BG/NBD paper's CDNOW summary): for random order sets,
 * folded into a state in another order and in pieces (each piece ending in
 * the stored form and starting from it again), every summary field must be
 * the same double, bit for bit, at any as-of date and holdout end. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/custdb.h"
#include "rfm/custstate.h"
#include "base/date.h"
#include "base/err.h"
#include "base/idmap.h"
#include "rfm/rfm.h"
#include "store/store.h"
#include "summary_text.h"

/* A small LCG: the tests' randomness, the same on every run. */
static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

struct ord {
	int64_t time;
	double amount;
	char oid[24]; /* "o" and a size_t */
	char keep[8];
};

#define MAXORD 64

/* One summary, its kept value copied out. */
struct got {
	int nkeep; /* whether to copy the kept value */
	int n;
	struct flo_summary s;
	char kept[16];
	size_t klen;
};

static void capture(void *ctx, const struct flo_summary *s)
{
	struct got *g = ctx;
	g->n++;
	g->s = *s;
	g->klen = 0;
	if (g->nkeep && s->kept[0].kind != FLO_KIND_NULL) {
		g->klen = s->kept[0].len < sizeof g->kept ? s->kept[0].len : sizeof g->kept;
		memcpy(g->kept, s->kept[0].val, g->klen);
	}
}

static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static int same_summary(const struct flo_summary *a, const struct flo_summary *b)
{
	return same_double(a->frequency, b->frequency) && same_double(a->recency, b->recency) &&
	       same_double(a->T, b->T) && same_double(a->monetary, b->monetary) &&
	       same_double(a->orders, b->orders) && same_double(a->revenue, b->revenue) &&
	       a->first_order == b->first_order && a->last_order == b->last_order &&
	       same_double(a->holdout_purchases, b->holdout_purchases) &&
	       same_double(a->holdout_value, b->holdout_value);
}

static struct flo_field keep_field(const struct ord *o)
{
	struct flo_field f = {"k", 1, o->keep, strlen(o->keep), FLO_KIND_STR};
	return f;
}

/* Random orders of one customer over about two years from 2020-01-01,
 * several on some days, in cents, some negative (returns), some of them
 * delivered twice (the same order, id and all). */
static size_t random_orders(struct ord *o, int with_time)
{
	size_t n = 1 + next_rand() % MAXORD;
	int64_t base = (int64_t)flo_day_from_civil(2020, 1, 1) * 86400;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && next_rand() % 8 == 0) {
			o[i] = o[next_rand() % i];
			continue;
		}
		int64_t day = next_rand() % 700;
		if (i > 0 && next_rand() % 3 == 0)
			day = (o[i - 1].time - base) / 86400; /* the same day again */
		o[i].time = base + day * 86400 + (with_time ? next_rand() % 86400 : 0);
		o[i].amount = (double)((int)(next_rand() % 20000) - 1000) / 100;
		snprintf(o[i].oid, sizeof o[i].oid, "o%zu", i);
		snprintf(o[i].keep, sizeof o[i].keep, "k%u", next_rand() % 3);
	}
	return n;
}

/* The batch summary of o[0..n) (in that order) under cfg. */
static struct got batch(const struct flo_rfm_config *cfg, const struct ord *o, size_t n)
{
	struct got g = {.nkeep = cfg->nkeep > 0};
	flo_rfm *r;
	enum flo_order_fate fate;
	size_t holdout_only;
	CHECK_INT(flo_rfm_new(&r, cfg), FLO_OK);
	for (size_t i = 0; i < n; i++) {
		struct flo_field k = keep_field(&o[i]);
		CHECK_INT(flo_rfm_add(r, "c", 1, o[i].time, o[i].amount, o[i].oid, strlen(o[i].oid),
				      &k, &fate),
			  FLO_OK);
	}
	CHECK_INT(flo_rfm_each(r, capture, &g, &holdout_only), FLO_OK);
	flo_rfm_free(r);
	return g;
}

/* Fold o[perm[0..n)] into a fresh state, through the stored form every few
 * orders, as separate runs of flo-rfm --db would. */
static flo_custstate *fold(const struct flo_rfm_config *cfg, const struct ord *o,
			   const size_t *perm, size_t n)
{
	flo_custstate *st;
	unsigned char *buf = NULL;
	size_t cap = 0, len;
	int repeated;
	CHECK_INT(flo_custstate_new(&st), FLO_OK);
	for (size_t i = 0; i < n; i++) {
		const struct ord *x = &o[perm[i]];
		struct flo_field k = keep_field(x);
		struct flo_custstate_order co = {x->time, x->amount,
						 flo_hash(x->oid, strlen(x->oid)), &k};
		CHECK_INT(flo_custstate_add(st, cfg, &co, &repeated), FLO_OK);
		if (next_rand() % 4 == 0) {
			CHECK_INT(flo_custstate_encode(st, &buf, &cap, &len), FLO_OK);
			CHECK_INT(flo_custstate_decode(st, cfg, buf, len), FLO_OK);
		}
	}
	free(buf);
	return st;
}

static struct got summary_of(flo_custstate *st, const struct flo_rfm_config *cfg,
			     int32_t as_of)
{
	struct got g = {.nkeep = cfg->nkeep > 0};
	struct flo_field kept[1];
	struct flo_summary s;
	if (flo_custstate_summary(st, cfg, as_of, &s, kept, NULL))
		capture(&g, &s);
	return g;
}

/* Random order sets under every convention, random as-of dates and
 * holdout ends: the state's summary is the batch one. */
static void test_matches_batch(void)
{
	struct ord o[MAXORD];
	size_t perm[MAXORD];
	int mismatches = 0, compared = 0;

	for (int round = 0; round < 3000; round++) {
		struct flo_rfm_config cfg = {.unit_days = round % 3 == 0 ? 1 : 7};
		cfg.per_order = round % 2;
		cfg.freq_total = round % 5 == 0;
		cfg.order_ids = round % 4 == 1;
		/* Kept fields depend on which of simultaneous orders came last:
		 * fold in the batch's order for them, shuffle otherwise. */
		cfg.nkeep = round % 3 == 2;
		size_t n = random_orders(o, cfg.per_order);
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		for (size_t i = n; !cfg.nkeep && i > 1; i--) {
			size_t j = next_rand() % i, t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		flo_custstate *st = fold(&cfg, o, perm, n);

		int32_t latest = flo_custstate_last_day(st);
		struct got want = batch(&cfg, o, n), have = summary_of(st, &cfg, latest);
		compared++;
		if (want.n != 1 || have.n != 1 || !same_summary(&want.s, &have.s) ||
		    want.klen != have.klen || memcmp(want.kept, have.kept, want.klen) != 0)
			mismatches++;

		/* an as-of date within the orders, and a holdout after it */
		cfg.has_as_of = 1;
		cfg.as_of = flo_day_from_civil(2020, 1, 1) + (int32_t)(next_rand() % 720);
		cfg.has_holdout = next_rand() % 2;
		cfg.holdout_end = cfg.as_of + 1 + (int32_t)(next_rand() % 200);
		want = batch(&cfg, o, n);
		have = summary_of(st, &cfg, cfg.as_of);
		compared++;
		if (want.n != have.n ||
		    (want.n && (!same_summary(&want.s, &have.s) || want.klen != have.klen ||
				memcmp(want.kept, have.kept, want.klen) != 0)))
			mismatches++;
		flo_custstate_free(st);
	}
	CHECK_INT(mismatches, 0);
	CHECK(compared == 6000);
}

/* The stored bytes depend on the orders, not on their arrival. */
static void test_canonical_bytes(void)
{
	struct ord o[MAXORD];
	size_t perm[MAXORD], id[MAXORD];
	unsigned char *a = NULL, *b = NULL;
	size_t ca = 0, cb = 0, la, lb;
	int differ = 0;

	for (int round = 0; round < 500; round++) {
		struct flo_rfm_config cfg = {.unit_days = 7, .per_order = round % 2,
					     .order_ids = round % 3 == 0};
		size_t n = random_orders(o, 1);
		for (size_t i = 0; i < n; i++)
			perm[i] = id[i] = i;
		for (size_t i = n; i > 1; i--) {
			size_t j = next_rand() % i, t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		flo_custstate *x = fold(&cfg, o, id, n), *y = fold(&cfg, o, perm, n);
		CHECK_INT(flo_custstate_encode(x, &a, &ca, &la), FLO_OK);
		CHECK_INT(flo_custstate_encode(y, &b, &cb, &lb), FLO_OK);
		differ += la != lb || memcmp(a, b, la) != 0;
		flo_custstate_free(x);
		flo_custstate_free(y);
	}
	CHECK_INT(differ, 0);
	free(a);
	free(b);
}

/* Worked by hand: two orders on 2021-01-01 (20 and 5, the second later in
 * the day), 30 on 01-15, a repeated order id, -5 on 02-12 (a return). */
static void test_by_hand(void)
{
	struct flo_rfm_config cfg = {.unit_days = 7, .order_ids = 1, .nkeep = 1};
	int64_t d0 = (int64_t)flo_day_from_civil(2021, 1, 1) * 86400;
	struct {
		int64_t t;
		double v;
		const char *oid, *keep;
	} in[] = {
		{d0 + 3600, 20, "a", "store"},
		{d0 + 7200, 5, "b", "web"},
		{d0 + 14 * 86400, 30, "c", "store"},
		{d0 + 14 * 86400 + 60, 30, "c", "app"}, /* a replay of c */
		{d0 + 42 * 86400, -5, "d", "web"},
	};
	flo_custstate *st;
	int repeated;
	CHECK_INT(flo_custstate_new(&st), FLO_OK);
	for (size_t i = 0; i < 5; i++) {
		struct flo_field k = {"k", 1, in[i].keep, strlen(in[i].keep), FLO_KIND_STR};
		struct flo_custstate_order co = {in[i].t, in[i].v,
						 flo_hash(in[i].oid, strlen(in[i].oid)), &k};
		CHECK_INT(flo_custstate_add(st, &cfg, &co, &repeated), FLO_OK);
		CHECK_INT(repeated, i == 3);
	}
	CHECK_INT(flo_custstate_orders(st), 4);
	struct got g = summary_of(st, &cfg, flo_day_from_civil(2021, 2, 12));
	/* x = 2 repeat days; repeat value 30 - 5 = 25, mean 12.5; t_x = 6 weeks */
	CHECK_INT(g.n, 1);
	CHECK(g.s.frequency == 2 && g.s.recency == 6 && g.s.T == 6);
	CHECK(g.s.monetary == 12.5 && g.s.orders == 4 && g.s.revenue == 50);
	CHECK(g.klen == 3 && memcmp(g.kept, "web", 3) == 0);
	/* as of 01-20: the 01-15 day's kept value, and the return left out */
	g = summary_of(st, &cfg, flo_day_from_civil(2021, 1, 20));
	CHECK(g.s.frequency == 1 && g.s.monetary == 30 && g.s.revenue == 55);
	CHECK(g.klen == 5 && memcmp(g.kept, "store", 5) == 0);
	/* as of 01-01 the later order of the day gives the kept value */
	g = summary_of(st, &cfg, flo_day_from_civil(2021, 1, 1));
	CHECK(g.s.frequency == 0 && g.s.revenue == 25 && g.klen == 3);
	/* before the first order: no summary, and the left-out orders counted */
	struct flo_custstate_left left;
	struct flo_summary s;
	struct flo_field kept[1];
	struct flo_rfm_config h = cfg;
	h.has_holdout = 1;
	h.holdout_end = flo_day_from_civil(2021, 1, 31);
	CHECK_INT(flo_custstate_summary(st, &h, flo_day_from_civil(2020, 12, 31), &s, kept,
					&left),
		  0);
	CHECK(left.holdout_only == 1 && left.late == 1);
	flo_custstate_free(st);
}

/* The order-id hashes are stored: flo_hash() must never change without a
 * new FLO_CUSTSTATE_FORMAT.  Values from a Python transcription of it. */
static void test_hash_pinned(void)
{
	CHECK_INT(FLO_CUSTSTATE_DAY_MIN, flo_day_from_civil(FLO_YEAR_MIN, 1, 1));
	CHECK_INT(FLO_CUSTSTATE_DAY_MAX, flo_day_from_civil(FLO_YEAR_MAX, 12, 31));
	CHECK(flo_hash("o1", 2) == 0x1dbdff9fa904f6e5ull);
	CHECK(flo_hash("order-12345678", 14) == 0x71ea3e11128e2d9full);
}

/* Damaged bytes are refused, never read past; a newer format is told apart. */
static void test_decode_rejects(void)
{
	struct flo_rfm_config cfg = {.unit_days = 7, .per_order = 1, .order_ids = 1, .nkeep = 1};
	struct ord o[MAXORD];
	size_t id[MAXORD];
	unsigned char *buf = NULL, *copy;
	size_t cap = 0, len;
	rng = 42;
	size_t n = random_orders(o, 1);
	for (size_t i = 0; i < n; i++)
		id[i] = i;
	flo_custstate *st = fold(&cfg, o, id, n), *back;
	CHECK_INT(flo_custstate_new(&back), FLO_OK);
	CHECK_INT(flo_custstate_encode(st, &buf, &cap, &len), FLO_OK);
	copy = malloc(len + 1);
	memcpy(copy, buf, len);
	int truncated_ok = 0;
	for (size_t k = 0; k < len; k++)
		truncated_ok += flo_custstate_decode(back, &cfg, copy, k) == FLO_OK;
	CHECK_INT(truncated_ok, 0);
	copy[len] = 0;
	CHECK_INT(flo_custstate_decode(back, &cfg, copy, len + 1), FLO_EVALUE);
	copy[0] = FLO_CUSTSTATE_FORMAT + 1;
	CHECK_INT(flo_custstate_decode(back, &cfg, copy, len), FLO_EVERSION);
	copy[0] = FLO_CUSTSTATE_FORMAT;
	struct flo_rfm_config other = cfg;
	other.per_order = 0;
	CHECK_INT(flo_custstate_decode(back, &other, copy, len), FLO_EVALUE);
	/* single flipped bytes decode or are refused; either way no overrun
	 * (the ASan build checks that) */
	for (size_t k = 0; k < len; k++) {
		for (int bit = 0; bit < 8; bit++) {
			copy[k] ^= (unsigned char)(1 << bit);
			int rc = flo_custstate_decode(back, &cfg, copy, len);
			CHECK(rc == FLO_OK || rc == FLO_EVALUE || rc == FLO_EVERSION);
			copy[k] ^= (unsigned char)(1 << bit);
		}
	}
	CHECK_INT(flo_custstate_decode(back, &cfg, copy, len), FLO_OK);
	/* Found by fuzzing: a first-order time near INT64_MAX overflowed the
	 * check that it falls on the first day. */
	static const unsigned char far[] = {
		0x01, 0x07, 0x02, 0x31, 0x02, 0x20, 0x0f, 0x00, 0x00, 0x70, 0x60, 0x00,
		0x00, 0xf6, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01,
		0x00, 0x06, 0x00, 0xf7, 0xfd, 0x7f, 0xd8, 0xff};
	CHECK_INT(flo_custstate_decode(back, &cfg, far, sizeof far), FLO_EVALUE);
	free(copy);
	free(buf);
	flo_custstate_free(st);
	flo_custstate_free(back);
}

/* ---- the engine, on a real store ---- */

static char tmpdir[64];

/* ---- line items, returns, calendar periods ---- */

/* A record of a line-item log: a line of an order, or a return. */
struct line {
	int64_t time;
	double value;     /* a return's: > 0 */
	int is_return;
	char oid[16];
	uint64_t hash;    /* the line's (never 0) */
};

#define MAXLINES 96

/* Random invoices of one customer: 1 to 5 lines each, at the invoice's time
 * (as the UCI log has them) or now and then a day later, a few lines
 * replayed, some returns. */
static size_t random_lines(struct line *l)
{
	size_t n = 0, invoices = 1 + next_rand() % 16;
	int64_t base = (int64_t)flo_day_from_civil(2020, 1, 1) * 86400;
	for (size_t k = 0; k < invoices && n < MAXLINES - 8; k++) {
		int64_t t = base + (int64_t)(next_rand() % 500) * 86400 + next_rand() % 86400;
		if (k > 0 && next_rand() % 4 == 0)
			t = l[n - 1].time + next_rand() % 3600; /* the same day, mostly */
		int ret = next_rand() % 6 == 0;
		size_t lines = 1 + next_rand() % 5;
		for (size_t j = 0; j < lines; j++, n++) {
			/* now and then a line after midnight: an order across two days */
			l[n].time = j > 0 && next_rand() % 16 == 0 ? t + 86400 : t;
			l[n].value = (double)(1 + next_rand() % 5000) / 100;
			l[n].is_return = ret;
			snprintf(l[n].oid, sizeof l[n].oid, "%s%zu", ret ? "C" : "", k);
			l[n].hash = ((uint64_t)next_rand() << 32 | next_rand()) | 1;
		}
		if (next_rand() % 5 == 0) {
			size_t again = n - 1 - next_rand() % lines;
			l[n++] = l[again]; /* a line replayed */
		}
	}
	return n;
}

/* The batch summary of the lines l[0..n) (in that order) under cfg. */
static struct got batch_lines(const struct flo_rfm_config *cfg, const struct line *l, size_t n)
{
	struct got g = {0};
	flo_rfm *r;
	enum flo_order_fate fate;
	size_t holdout_only;
	long unmatched, capped;
	CHECK_INT(flo_rfm_new(&r, cfg), FLO_OK);
	for (size_t i = 0; i < n; i++) {
		if (l[i].is_return)
			CHECK_INT(flo_rfm_add_return(r, "c", 1, l[i].time, l[i].value, l[i].hash,
						     &fate),
				  FLO_OK);
		else
			CHECK_INT(flo_rfm_add_line(r, "c", 1, l[i].time, l[i].value, l[i].oid,
						   strlen(l[i].oid), l[i].hash, NULL, &fate),
				  FLO_OK);
	}
	if (cfg->net_returns)
		CHECK_INT(flo_rfm_net_returns(r, &unmatched, &capped), FLO_OK);
	CHECK_INT(flo_rfm_each(r, capture, &g, &holdout_only), FLO_OK);
	flo_rfm_free(r);
	return g;
}

/* The lines l[perm[0..n)] into a fresh state, through the stored form
 * every few. */
static flo_custstate *fold_lines(const struct flo_rfm_config *cfg, const struct line *l,
				 const size_t *perm, size_t n)
{
	flo_custstate *st;
	unsigned char *buf = NULL;
	size_t cap = 0, len;
	int repeated;
	CHECK_INT(flo_custstate_new(&st), FLO_OK);
	for (size_t i = 0; i < n; i++) {
		const struct line *x = &l[perm[i]];
		if (x->is_return) {
			CHECK_INT(flo_custstate_add_return(st, cfg, x->time, x->value, x->hash,
							   &repeated),
				  FLO_OK);
		} else {
			struct flo_custstate_order co = {x->time, x->value,
							 flo_hash(x->oid, strlen(x->oid)), NULL};
			CHECK_INT(flo_custstate_add_line(st, cfg, &co, x->hash, &repeated), FLO_OK);
		}
		if (next_rand() % 3 == 0) {
			CHECK_INT(flo_custstate_encode(st, &buf, &cap, &len), FLO_OK);
			CHECK_INT(flo_custstate_decode(st, cfg, buf, len), FLO_OK);
		}
	}
	free(buf);
	return st;
}

/* Line items (summed per order, replays ignored), --returns net and
 * calendar periods: the state's summary is the batch one at any as-of date
 * and holdout end, folded in any order and through the stored form, as the
 * batch run over the lines in the same order (the batch's rules for an
 * order across midnight, and for which of two simultaneous invoices is the
 * first with per-order occasions, depend on the arrival order; the store
 * applies the same rules in the same order). */
static void test_lines_match_batch(void)
{
	struct line l[MAXLINES];
	size_t perm[MAXLINES];
	int mismatches = 0, compared = 0, netted = 0;

	for (int round = 0; round < 3000; round++) {
		struct flo_rfm_config cfg = {.unit_days = 1, .order_ids = 1};
		cfg.period = round % 4 == 1 ? FLO_PERIOD_WEEK
			     : round % 4 == 2 ? FLO_PERIOD_MONTH : FLO_PERIOD_NONE;
		cfg.per_order = round % 4 == 3;
		cfg.net_returns = !cfg.per_order && round % 3 != 0;
		cfg.freq_total = round % 5 == 0;
		if (cfg.period != FLO_PERIOD_NONE)
			cfg.unit_days = cfg.period == FLO_PERIOD_WEEK ? 7 : 365.25 / 12;
		size_t n = random_lines(l), m = 0;
		if (!cfg.net_returns) {
			/* returns dropped upstream, as --returns drop does */
			for (size_t i = 0; i < n; i++)
				if (!l[i].is_return)
					l[m++] = l[i];
			n = m;
		}
		if (n == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		for (size_t i = n; !cfg.per_order && i > 1; i--) {
			size_t j = next_rand() % i, t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		struct line shuffled[MAXLINES];
		for (size_t i = 0; i < n; i++)
			shuffled[i] = l[perm[i]];
		flo_custstate *st = fold_lines(&cfg, l, perm, n);
		int32_t latest = flo_custstate_last_day(st);
		struct got want = batch_lines(&cfg, shuffled, n), have = {0};
		if (latest != INT32_MIN)
			have = summary_of(st, &cfg, latest);
		compared++;
		if (want.n != have.n || (want.n && !same_summary(&want.s, &have.s)))
			mismatches++;
		netted += want.n && cfg.net_returns && want.s.revenue < 0.01 * 5000 * MAXLINES;

		cfg.has_as_of = 1;
		cfg.as_of = flo_day_from_civil(2020, 1, 1) + (int32_t)(next_rand() % 520);
		cfg.has_holdout = next_rand() % 2;
		cfg.holdout_end = cfg.as_of + 1 + (int32_t)(next_rand() % 120);
		want = batch_lines(&cfg, shuffled, n);
		have = summary_of(st, &cfg, cfg.as_of);
		compared++;
		if (want.n != have.n || (want.n && !same_summary(&want.s, &have.s)))
			mismatches++;
		flo_custstate_free(st);
	}
	CHECK_INT(mismatches, 0);
	CHECK(compared > 5000 && netted > 100);
}

/* Worked by hand: invoice A of two lines (10 + 5) on 2021-03-01, its
 * second line replayed; invoice B (20) on 03-03, and a later line of A on
 * 03-03 (an invoice split across a store's runs adds to its own day only
 * when that day is a purchase day: here it is, B's); a return of 8 on
 * 03-04 and one of 30 on 03-02. */
static void test_lines_by_hand(void)
{
	struct flo_rfm_config cfg = {.unit_days = 1, .order_ids = 1, .net_returns = 1};
	int64_t d0 = (int64_t)flo_day_from_civil(2021, 3, 1) * 86400;
	flo_custstate *st;
	int repeated;
	CHECK_INT(flo_custstate_new(&st), FLO_OK);
	struct flo_custstate_order a = {d0 + 3600, 10, flo_hash("A", 1), NULL};
	CHECK_INT(flo_custstate_add_line(st, &cfg, &a, 1, &repeated), FLO_OK);
	a.amount = 5;
	CHECK_INT(flo_custstate_add_line(st, &cfg, &a, 2, &repeated), FLO_OK);
	CHECK_INT(flo_custstate_add_line(st, &cfg, &a, 2, &repeated), FLO_OK);
	CHECK_INT(repeated, 1);
	struct flo_custstate_order b = {d0 + 2 * 86400, 20, flo_hash("B", 1), NULL};
	CHECK_INT(flo_custstate_add_line(st, &cfg, &b, 3, &repeated), FLO_OK);
	a.time = d0 + 2 * 86400 + 60;
	a.amount = 7;
	CHECK_INT(flo_custstate_add_line(st, &cfg, &a, 4, &repeated), FLO_OK);
	CHECK_INT(repeated, 0);
	CHECK_INT(flo_custstate_orders(st), 2);
	CHECK_INT(flo_custstate_add_return(st, &cfg, d0 + 3 * 86400, 8, 5, &repeated), FLO_OK);
	CHECK_INT(flo_custstate_add_return(st, &cfg, d0 + 86400, 30, 6, &repeated), FLO_OK);
	CHECK_INT(flo_custstate_add_return(st, &cfg, d0 + 86400, 30, 6, &repeated), FLO_OK);
	CHECK_INT(repeated, 1);
	/* 03-01: 15, less 30 (03-02's return, capped) = 0; 03-03: 27 - 8 = 19 */
	struct got g = summary_of(st, &cfg, flo_day_from_civil(2021, 3, 4));
	CHECK(g.n == 1 && g.s.frequency == 1 && g.s.orders == 2);
	CHECK(g.s.revenue == 19 && g.s.monetary == 19);
	/* as of 03-02 the return of 03-04 is left out */
	g = summary_of(st, &cfg, flo_day_from_civil(2021, 3, 2));
	CHECK(g.n == 1 && g.s.revenue == 0 && g.s.orders == 1);
	/* weeks: 03-01 (a Monday) to 03-04 is one purchase, 42 - 38 */
	cfg.period = FLO_PERIOD_WEEK;
	cfg.unit_days = 7;
	g = summary_of(st, &cfg, flo_day_from_civil(2021, 3, 7));
	CHECK(g.n == 1 && g.s.frequency == 0 && g.s.revenue == 4 && g.s.orders == 2);
	CHECK_INT(g.s.first_order, flo_day_from_civil(2021, 3, 1));
	flo_custstate_free(st);
	/* a return without --returns net is a caller's error */
	cfg.net_returns = 0;
	CHECK_INT(flo_custstate_new(&st), FLO_OK);
	CHECK_INT(flo_custstate_add_return(st, &cfg, d0, 1, 7, &repeated), FLO_EVALUE);
	flo_custstate_free(st);
}

/* A store of the first state format (before line items) is refused with
 * the words to rebuild it. */
static void test_older_format(void)
{
	char path[128], err[FLO_STORE_ERRMAX];
	flo_store *s;
	struct flo_custdb_settings set;
	static const char text[] = "flo-custstate 1\nunit week\noccasion day\nfrequency repeat\n";

	snprintf(path, sizeof path, "%s/older", tmpdir);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	CHECK_INT(flo_store_customer_put(s, FLO_CUSTDB_SETTINGS_KEY, FLO_CUSTDB_SETTINGS_KEYLEN,
					 text, sizeof text - 1), FLO_OK);
	CHECK_INT(flo_store_batch_commit(s), FLO_OK);
	CHECK_INT(flo_custdb_read_settings(s, &set, err, sizeof err), FLO_EVERSION);
	CHECK_STR(err, "customer states of format 1, older than this flo reads (2): rebuild the "
		       "store from the order log (flo-rfm --db new.lmdb orders.csv); the flo that "
		       "wrote it still dumps its summaries");
	flo_store_close(s);
}

struct seen {
	int n;
	char ids[8][8];
	double orders[8];
};

static void collect(void *ctx, const struct flo_summary *s)
{
	struct seen *x = ctx;
	if (x->n < 8) {
		snprintf(x->ids[x->n], sizeof x->ids[0], "%.*s", (int)s->id_len, s->id);
		x->orders[x->n] = s->orders;
	}
	x->n++;
}

static void test_engine(void)
{
	char path[128], err[FLO_STORE_ERRMAX];
	flo_store *s;
	flo_custdb *db;
	struct flo_custdb_settings set = {.unit = "week"}, back;
	struct flo_rfm_config cfg = {.unit_days = 7};
	enum flo_order_fate fate;
	struct seen seen = {0};
	int64_t d0 = (int64_t)flo_day_from_civil(2021, 3, 1) * 86400;

	snprintf(path, sizeof path, "%s/s", tmpdir);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_custdb_read_settings(s, &back, err, sizeof err), FLO_ENOTFOUND);
	CHECK_INT(flo_custdb_new(&db, s, path, &set, &cfg, FLO_EMIT_ORDER), FLO_OK);
	struct flo_custdb_order o = {"b", 1, d0 + 86400, 10, NULL, 0, NULL, 0, 0};
	CHECK_INT(flo_custdb_add(db, &o, &fate), FLO_OK);
	CHECK_INT(fate, FLO_ORDER_CALIBRATION);
	o.id = "a";
	o.time = d0;
	CHECK_INT(flo_custdb_add(db, &o, &fate), FLO_OK);
	o.id = "b";
	CHECK_INT(flo_custdb_add(db, &o, &fate), FLO_OK);
	CHECK_INT((int)flo_custdb_pending(db), 3);
	/* nothing is handed over before the commit */
	CHECK_INT(seen.n, 0);
	CHECK_INT(flo_custdb_commit(db, collect, &seen), FLO_OK);
	CHECK_INT(seen.n, 3);
	CHECK_STR(seen.ids[0], "b");
	CHECK_STR(seen.ids[1], "a");
	CHECK(seen.orders[2] == 2);
	CHECK_INT((int)flo_custdb_pending(db), 0);
	CHECK_INT(flo_custdb_as_of(db), flo_day_from_civil(2021, 3, 2));
	o.id = "";
	o.id_len = 0;
	CHECK_INT(flo_custdb_add(db, &o, &fate), FLO_EUSAGE);
	o.id = "\0x";
	o.id_len = 2;
	CHECK_INT(flo_custdb_add(db, &o, &fate), FLO_EUSAGE);
	flo_custdb_free(db);

	CHECK_INT(flo_custdb_read_settings(s, &back, err, sizeof err), FLO_OK);
	CHECK_STR(back.unit, "week");
	CHECK(back.has_latest && back.latest == flo_day_from_civil(2021, 3, 2));
	CHECK(back.order_id == NULL && back.nkeep == 0 && !back.per_order);
	flo_custdb_settings_free(&back);
	struct flo_custdb_counts counts;
	seen.n = 0;
	CHECK_INT(flo_custdb_dump(s, path, &cfg, collect, &seen, NULL, NULL, &counts, err, sizeof err),
		  FLO_OK);
	CHECK_INT(seen.n, 2);
	CHECK_STR(seen.ids[0], "a");
	CHECK(counts.customers == 2 && counts.has_as_of);
	flo_store_close(s);
}

/* The engine's arena of states compacted in place at (nearly) every commit
 * gives what an engine that never compacts gives: the summaries handed over
 * at each commit, those of the merged store, and the repeated orders found
 * repeated.  300 customers in date order, 40 orders each with order ids, so
 * that a state outgrows its slot every few orders. */
static void test_compaction(void)
{
	char path[2][128], err[FLO_STORE_ERRMAX];
	struct text held[2] = {{0}}, dumped[2] = {{0}};
	size_t compactions[2] = {0};
	long repeated[2] = {0};
	int64_t d0 = (int64_t)flo_day_from_civil(2021, 3, 1) * 86400;
	for (int k = 0; k < 2; k++) {
		flo_store *s;
		flo_custdb *db;
		struct flo_custdb_settings set = {.unit = "week", .order_id = "order_id"};
		struct flo_rfm_config cfg = {.unit_days = 7, .order_ids = 1};
		snprintf(path[k], sizeof path[k], "%s/compact%d", tmpdir, k);
		CHECK_INT(flo_store_open(&s, path[k], FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
		CHECK_INT(flo_custdb_new(&db, s, path[k], &set, &cfg, FLO_EMIT_ORDER), FLO_OK);
		if (k == 0)
			flo_custdb_set_compact_floor(db, 0);
		size_t n = 0;
		for (int day = 0; day < 40; day++) {
			for (int c = 0; c < 300; c++) {
				char id[16], oid[32];
				snprintf(id, sizeof id, "c%03d", (c * 7919) % 300);
				/* every 50th order again: a repeat, not counted */
				int o = day * 300 + c - (c % 50 == 49 && day > 0 ? 300 : 0);
				snprintf(oid, sizeof oid, "o%d", o);
				struct flo_custdb_order ord = {id, strlen(id), d0 + day * 86400 + c,
							       1 + (c * 31 + day) % 97, oid, strlen(oid),
							       NULL, 0, 0};
				enum flo_order_fate fate;
				CHECK_INT(flo_custdb_add(db, &ord, &fate), FLO_OK);
				repeated[k] += fate == FLO_ORDER_REPEATED;
				if (++n % 500 == 0)
					CHECK_INT(flo_custdb_commit(db, summary_text, &held[k]), FLO_OK);
			}
		}
		CHECK_INT(flo_custdb_commit_merge(db, summary_text, &held[k]), FLO_OK);
		compactions[k] = flo_custdb_compactions(db);
		flo_custdb_free(db);
		struct flo_custdb_counts counts;
		CHECK_INT(flo_custdb_dump(s, path[k], &cfg, summary_text, &dumped[k], NULL, NULL, &counts,
					  err, sizeof err), FLO_OK);
		CHECK(counts.customers == 300);
		flo_store_close(s);
	}
	CHECK(compactions[0] >= 2); /* each once what is left behind passes half the live */
	CHECK_INT((long)compactions[1], 0);
	CHECK(repeated[0] > 0);
	CHECK_INT(repeated[0], repeated[1]);
	CHECK(same_text(&held[0], &held[1]));
	CHECK(same_text(&dumped[0], &dumped[1]));
	for (int k = 0; k < 2; k++) {
		free(held[k].p);
		free(dumped[k].p);
	}
}

/* bytes appended to t */
static void text_put(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = 2 * (t->len + n + 1);
		t->p = realloc(t->p, t->cap);
	}
	if (n > 0)
		memcpy(t->p + t->len, p, n);
	t->len += n;
}

/* A summary as text with its kept field: what a release's threads hand on
 * must carry the fields each thread unpacks on its own. */
static void text_kept(void *ctx, const struct flo_summary *s)
{
	struct text *t = ctx;
	summary_text(t, s);
	char kept[64];
	int n = snprintf(kept, sizeof kept, "[%d:%.*s]\n", (int)s->kept[0].kind,
			 (int)s->kept[0].len, s->kept[0].val);
	t->len--; /* the kept field before the line's end */
	text_put(t, kept, (size_t)n);
}

/* What the release is given and hands on, in blocks of 7 from two threads:
 * the even blocks here, the odd ones on a thread, joined in order. */
struct release_run {
	struct text out;
	size_t releases, given;
	const flo_custdb *db;
	size_t lo, hi;
	struct text part;
	int part_rc;
};

static void *odd_blocks(void *arg)
{
	struct release_run *r = arg;
	r->part_rc = flo_custdb_held(r->db, r->lo, r->hi, text_kept, &r->part);
	return NULL;
}

static void release_in_blocks(void *ctx, flo_custdb *db, size_t n)
{
	struct release_run *r = ctx;
	r->releases++;
	r->given += n;
	for (size_t lo = 0; lo < n; lo += 14) {
		pthread_t th;
		r->db = db;
		r->lo = lo + 7;
		r->hi = lo + 14; /* past n at the end: the held ones end there */
		r->part.len = 0;
		int started = pthread_create(&th, NULL, odd_blocks, r) == 0;
		CHECK(started);
		CHECK_INT(flo_custdb_held(db, lo, lo + 7 < n ? lo + 7 : n, text_kept, &r->out),
			  FLO_OK);
		if (started)
			pthread_join(th, NULL);
		CHECK_INT(r->part_rc, FLO_OK);
		text_put(&r->out, r->part.p, r->part.len);
	}
}

/* A release that takes the batch's summaries out of the engine and hands
 * them on at the next release (or at the end), after the engine has folded
 * the next batch in, grown its arenas and merged (emptied them) meanwhile:
 * as flo-rfm's helper thread writes them. */
struct taking_run {
	struct text out;
	flo_custheld *taken;
	size_t releases, given;
	struct flo_field kept[1];
};

static void hand_on_taken(struct taking_run *r, flo_custdb *db)
{
	if (r->taken == NULL)
		return;
	flo_custheld_each(r->taken, 0, SIZE_MAX, r->kept, text_kept, &r->out);
	flo_custdb_give_back(db, r->taken);
	r->taken = NULL;
}

static void release_taking(void *ctx, flo_custdb *db, size_t n)
{
	struct taking_run *r = ctx;
	r->releases++;
	r->given += n;
	hand_on_taken(r, db);
	r->taken = flo_custdb_take_held(db);
	CHECK(r->taken != NULL);
	if (r->taken != NULL)
		CHECK_INT((long)flo_custheld_count(r->taken), (long)n);
	/* a second set given back while the engine keeps a spare: freed */
	if (r->releases == 3)
		flo_custdb_give_back(db, flo_custheld_new(1));
}

/* A release (custdb.h) that hands the held summaries on in blocks, from two
 * threads, or takes them out and hands them on a batch later, gives what
 * one by one gives: the same summaries, kept fields and order, for
 * per-order and per-batch records, across commits and merges. */
static void test_release(void)
{
	char err[FLO_STORE_ERRMAX];
	int64_t d0 = (int64_t)flo_day_from_civil(2021, 3, 1) * 86400;
	for (int emit = 0; emit < 2; emit++) {
		struct text one = {0};
		struct release_run run;
		struct taking_run taking;
		memset(&run, 0, sizeof run);
		memset(&taking, 0, sizeof taking);
		for (int k = 0; k < 3; k++) {
			char path[128];
			flo_store *s;
			flo_custdb *db;
			char *keep[] = {"channel"};
			struct flo_custdb_settings set = {.unit = "week", .keep = keep, .nkeep = 1};
			struct flo_rfm_config cfg = {.unit_days = 7, .nkeep = 1};
			snprintf(path, sizeof path, "%s/release%d%d", tmpdir, emit, k);
			CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err),
				  FLO_OK);
			CHECK_INT(flo_custdb_new(&db, s, path, &set, &cfg,
						 emit ? FLO_EMIT_BATCH : FLO_EMIT_ORDER), FLO_OK);
			flo_custdb_set_merge_every(db, 700);
			if (k == 1)
				flo_custdb_set_release(db, release_in_blocks, &run);
			if (k == 2)
				flo_custdb_set_release(db, release_taking, &taking);
			struct text *t = k == 0 ? &one : NULL;
			size_t n = 0;
			for (int day = 0; day < 30; day++) {
				for (int c = 0; c < 97; c++) {
					char id[16], ch[16];
					snprintf(id, sizeof id, "c%02d", (c * 13 + day) % 61);
					snprintf(ch, sizeof ch, "ch%d", (c + day) % 5);
					struct flo_field f = {"channel", 7, ch, strlen(ch),
							      FLO_KIND_STR};
					struct flo_custdb_order ord = {id, strlen(id),
								       d0 + day * 86400 + c,
								       1 + (c * 31 + day) % 89,
								       NULL, 0, &f, 0, 0};
					enum flo_order_fate fate;
					CHECK_INT(flo_custdb_add(db, &ord, &fate), FLO_OK);
					/* commits of 1 to 400 orders */
					if (++n % (1 + (size_t)(day * 37 + c) % 400) == 0)
						CHECK_INT(flo_custdb_commit(db, text_kept, t), FLO_OK);
				}
			}
			CHECK_INT(flo_custdb_commit_merge(db, text_kept, t), FLO_OK);
			hand_on_taken(&taking, db);
			flo_custdb_free(db);
			flo_store_close(s);
		}
		CHECK(run.releases > 10);
		CHECK(emit || run.given == 30 * 97);
		CHECK(same_text(&one, &run.out));
		CHECK(taking.releases == run.releases && taking.given == run.given);
		CHECK(same_text(&one, &taking.out));
		CHECK(one.len > 0 && strstr(one.p, "[") != NULL && strstr(one.p, ":ch4]") != NULL);
		free(one.p);
		free(run.out.p);
		free(run.part.p);
		free(taking.out.p);
	}
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/flo-custstate-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_hash_pinned();
	test_by_hand();
	test_matches_batch();
	test_canonical_bytes();
	test_decode_rejects();
	test_engine();
	test_lines_by_hand();
	test_lines_match_batch();
	test_older_format();
	test_compaction();
	test_release();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_report();
}
