/* test_fitdata.c: the fits' data gathered as it streams (lib/model/fitdata.h):
 * merged rows keep every customer's weight, and the fingerprint names the
 * customers, not their order or their grouping into weighted records. */
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "model/fitdata.h"

static void fingerprint(const double (*c)[5], size_t n, const size_t *order, char out[17])
{
	struct flo_fit_data d = {0};

	for (size_t i = 0; i < n; i++) {
		const double *r = c[order ? order[i] : i];
		CHECK_INT(flo_fit_data_add(&d, r[0], r[1], r[2], r[3], r[4]), FLO_OK);
	}
	flo_fit_data_fingerprint(&d, out);
	flo_fit_data_free(&d);
}

static void test_fingerprint(void)
{
	/* x, t_x, T, m, w */
	static const double a[][5] = {
		{0, 0, 30, 0, 1}, {2, 10, 30, 25.5, 1}, {2, 10, 30, 25.5, 1}, {5, 28, 30, 3, 1},
	};
	static const double grouped[][5] = {
		{2, 10, 30, 25.5, 2}, {5, 28, 30, 3, 1}, {0, 0, 30, 0, 1},
	};
	static const double other[][5] = {
		{0, 0, 30, 0, 1}, {2, 10, 30, 25.5, 1}, {2, 10, 30, 25.6, 1}, {5, 28, 30, 3, 1},
	};
	static const double negzero[][5] = {
		{-0.0, -0.0, 30, -0.0, 1}, {2, 10, 30, 25.5, 1}, {2, 10, 30, 25.5, 1},
		{5, 28, 30, 3, 1},
	};
	static const size_t reversed[] = {3, 2, 1, 0};
	char fa[17], fb[17];

	fingerprint(a, 4, NULL, fa);
	CHECK_INT(strlen(fa), 16);
	CHECK(strspn(fa, "0123456789abcdef") == 16);
	fingerprint(a, 4, reversed, fb);
	CHECK_STR(fb, fa);
	fingerprint(grouped, 3, NULL, fb);
	CHECK_STR(fb, fa);
	fingerprint(negzero, 4, NULL, fb);
	CHECK_STR(fb, fa);
	fingerprint(other, 4, NULL, fb);
	CHECK(strcmp(fb, fa) != 0);
	fingerprint(a, 3, NULL, fb);
	CHECK(strcmp(fb, fa) != 0);
	fingerprint(a, 0, NULL, fb);
	CHECK_STR(fb, "0000000000000000");
}

/* Three hundred thousand customers of 30 kinds: the buffers stay small,
 * and every weight is kept. */
static void test_merging(void)
{
	struct flo_fit_data d = {0};
	size_t n = 300000;

	for (size_t i = 0; i < n; i++) {
		double x = (double)(i % 10), w = i % 3 == 0 ? 0.5 : 1;
		CHECK_INT(flo_fit_data_add(&d, x, x, 20 + (double)(i % 3), x > 5 ? -1 : 10, w),
			  FLO_OK);
	}
	flo_fit_data_finish(&d);
	CHECK(d.cap_tri <= 65536 && d.cap_spend <= 65536);
	CHECK_INT(d.nspend, 5); /* (x, m): one per x in 1..5 */
	double customers = n / 3 * 0.5 + (n - n / 3) * 1.0, spent = 0, all = 0;
	for (size_t i = 0; i < d.nspend; i++) {
		CHECK(d.spend[i].x >= 1 && d.spend[i].x <= 5 && d.spend[i].m == 10);
		CHECK(i == 0 || d.spend[i - 1].x < d.spend[i].x);
		spent += d.spend[i].w;
	}
	for (size_t i = 0; i < d.ntri; i++)
		all += d.tri[i].w;
	CHECK(d.customers == customers);
	CHECK(all == customers);
	CHECK(spent == customers / 2); /* x in 1..5 of 0..9 */
	CHECK(d.left_out == customers / 2);
	flo_fit_data_free(&d);
	CHECK(d.tri == NULL && d.ntri == 0 && d.customers == 0);
	flo_fit_data_free(NULL);
}

/* The threaded scan's parts: customers split into three parts by their rows'
 * hash, some before the split and the rest added by every part, then
 * joined, give the data of adding them one by one: the same customers,
 * left out, fingerprint, and rows with the same weights; a row added after
 * the join merges into its equal. */
static double weight_of(const struct flo_fit_data *d, double x, double tx, double T)
{
	double w = 0;
	for (size_t i = 0; i < d->ntri; i++)
		if (d->tri[i].x == x && d->tri[i].tx == tx && d->tri[i].T == T)
			w += d->tri[i].w;
	return w;
}

/* d finished is one finished: the counts, every triple's weight, the
 * spend pairs in order and the fingerprint; both freed. */
static void check_same_finished(struct flo_fit_data *d, struct flo_fit_data *one)
{
	char fa[17], fb[17];
	flo_fit_data_finish(d);
	flo_fit_data_finish(one);
	CHECK_INT(d->ntri, one->ntri);
	CHECK_INT(d->nspend, one->nspend);
	CHECK(d->customers == one->customers && d->left_out == one->left_out);
	for (size_t i = 0; i < one->ntri; i++)
		CHECK(weight_of(d, one->tri[i].x, one->tri[i].tx, one->tri[i].T) == one->tri[i].w);
	for (size_t i = 0; i < one->nspend && i < d->nspend; i++)
		CHECK(d->spend[i].x == one->spend[i].x && d->spend[i].m == one->spend[i].m &&
		      d->spend[i].w == one->spend[i].w);
	flo_fit_data_fingerprint(one, fa);
	flo_fit_data_fingerprint(d, fb);
	CHECK_STR(fb, fa);
	flo_fit_data_free(d);
	flo_fit_data_free(one);
}

static void test_parts_sealed(int sealed, size_t compact_at);
static void test_join_into_rows(void);

static void test_parts(void)
{
	test_join_into_rows();
	test_parts_sealed(0, 0);
	test_parts_sealed(1, 0);
	/* parts compacted on the way (as past FLO_FIT_PART_COMPACT rows):
	 * the rows merged so far at the front, the later ones merged in */
	test_parts_sealed(0, 50);
	test_parts_sealed(1, 50);
}

/* Joined into data that holds rows of its own (none of them the parts'),
 * the parts' rows are appended to them, the parts sealed first: the data of
 * adding every customer one by one, fingerprint included. */
static void test_join_into_rows(void)
{
	enum { N = 3000 };
	static struct flo_fit_row rows[N];
	struct flo_fit_data one = {0}, d = {0}, parts[2];

	CHECK_INT(flo_fit_data_split(&d, parts, 2), FLO_OK);
	for (size_t i = 0; i < N; i++) {
		double x = (double)(i % 5), tx = x == 0 ? 0 : (double)(i % 7);
		rows[i] = flo_fit_row_make(x, tx, 20 + (double)(i % 3), (double)(i % 4));
		CHECK_INT(flo_fit_data_add(&one, rows[i].x, rows[i].tx, rows[i].T, rows[i].m, 1),
			  FLO_OK);
		/* T from 100 and m from 10: rows the parts do not hold */
		CHECK_INT(flo_fit_data_add(&d, x, tx, 100 + (double)(i % 3), 10 + (double)(i % 4), 1),
			  FLO_OK);
		CHECK_INT(flo_fit_data_add(&one, x, tx, 100 + (double)(i % 3), 10 + (double)(i % 4), 1),
			  FLO_OK);
	}
	for (unsigned k = 0; k < 2; k++)
		CHECK_INT(flo_fit_data_add_part(&parts[k], rows, N, k, 2), FLO_OK);
	CHECK_INT(flo_fit_data_join(&d, parts, 2), FLO_OK);
	check_same_finished(&d, &one);
}

/* Sealed (flo_fit_data_seal(): the scan read its input to the end), the
 * parts are merged in compact.h's order, which the spend pairs' compaction
 * and the BG/NBD's index then find: the rows of one by one, sorted. */
static void test_parts_sealed(int sealed, size_t compact_at)
{
	enum { N = 20000, BEFORE = 700 };
	static struct flo_fit_row rows[N];
	struct flo_fit_data one = {0}, d = {0}, parts[3];
	char fa[17], fb[17];

	for (size_t i = 0; i < N; i++) {
		double x = (double)(i % 7), tx = x == 0 ? 0 : (double)(i % 13);
		rows[i] = flo_fit_row_make(x, tx, 20 + (double)(i % 11), (double)(i % 5));
		CHECK_INT(flo_fit_data_add(&one, rows[i].x, rows[i].tx, rows[i].T, rows[i].m, 1),
			  FLO_OK);
	}
	for (size_t i = 0; i < BEFORE; i++)
		CHECK_INT(flo_fit_data_add(&d, rows[i].x, rows[i].tx, rows[i].T, rows[i].m, 1), FLO_OK);
	CHECK_INT(flo_fit_data_split(&d, parts, 3), FLO_OK);
	CHECK(d.ntri == 0 && d.nspend == 0 && d.customers == BEFORE);
	for (unsigned k = 0; k < 3; k++) {
		CHECK(parts[k].compact_tri == FLO_FIT_PART_COMPACT);
		if (compact_at)
			parts[k].compact_tri = parts[k].compact_spend = compact_at;
		CHECK_INT(flo_fit_data_reserve(&parts[k], 100), FLO_OK);
		for (size_t i = BEFORE; i < N; i += 1000) /* in chunks, as the scan */
			CHECK_INT(flo_fit_data_add_part(&parts[k], rows + i, N - i < 1000 ? N - i : 1000,
							k, 3), FLO_OK);
	}
	CHECK(parts[0].ntri > 0 && parts[1].ntri > 0 && parts[2].ntri > 0);
	/* compacted on the way, a part holds fewer rows than twice its
	 * distinct ones (at most 7 x's, 13 t_x's and 11 T's; 6 x 4 spend
	 * pairs) or the bound, not one a customer (6,400 a part) */
	for (unsigned k = 0; compact_at && k < 3; k++)
		CHECK(parts[k].ntri < 2 * 7 * 13 * 11 && parts[k].nspend < compact_at);
	for (unsigned k = 0; sealed && k < 3; k++)
		flo_fit_data_seal(&parts[k]);
	CHECK_INT(flo_fit_data_join(&d, parts, 3), FLO_OK);
	for (size_t i = 1; sealed && i < d.ntri; i++) {
		const struct flo_triple *a = &d.tri[i - 1], *b = &d.tri[i];
		CHECK(a->x < b->x || (a->x == b->x && (a->tx < b->tx ||
						       (a->tx == b->tx && a->T < b->T))));
	}
	for (size_t i = 1; sealed && i < d.nspend; i++)
		CHECK(d.spend[i - 1].x < d.spend[i].x ||
		      (d.spend[i - 1].x == d.spend[i].x && d.spend[i - 1].m < d.spend[i].m));
	CHECK_INT(d.ntri, one.ntri);
	CHECK_INT(d.nspend, one.nspend);
	CHECK(d.customers == one.customers && d.left_out == one.left_out);
	for (size_t i = 0; i < one.ntri; i++)
		CHECK(weight_of(&d, one.tri[i].x, one.tri[i].tx, one.tri[i].T) == one.tri[i].w);
	flo_fit_data_fingerprint(&one, fa);
	flo_fit_data_fingerprint(&d, fb);
	CHECK_STR(fb, fa);
	/* after the join (the general path going on after the scan) */
	CHECK_INT(flo_fit_data_add(&d, 3, 3, 23, 3, 1), FLO_OK);
	CHECK_INT(flo_fit_data_add(&one, 3, 3, 23, 3, 1), FLO_OK);
	CHECK_INT(d.ntri, one.ntri);
	CHECK(weight_of(&d, 3, 3, 23) == weight_of(&one, 3, 3, 23));
	check_same_finished(&d, &one);
}

int main(void)
{
	test_fingerprint();
	test_merging();
	test_parts();
	return check_report();
}
