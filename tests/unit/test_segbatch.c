/* test_segbatch.c: the whole-population segments (segment/batch.h) and the
 * per-segment summary (segment/summary.h).
 *
 * The data are tests/data/segment_small.csv's columns, as in test_segment.c;
 * the groups, scores and RF segments are what pandas 1.5.3 gave for it
 * (scripts/golden/segment_qcut.py, and the RFM column of
 * tests/flo-segment.bats). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "record/writer.h"
#include "segment/batch.h"
#include "segment/segment.h"
#include "segment/summary.h"

static const double clv[12] = {12.5, 240, 100, 610.75, 100, 35, 100, 1500, 55, 420, 310, 100};
static const double freq[12] = {0, 3, 1, 7, 2, 0, 3, 12, 1, 5, 3, 2};
static const double recency[12] = {0, 20, 5, 48, 30, 0, 10, 50, 2, 35, 25, 8};
static const double age[12] = {40, 52, 10, 50, 45, 12, 60, 52, 30, 40, 26, 55};
static const double monetary[12] = {0, 45.5, 30, 80.25, 22, 0, 51, 120, 18.5, 60, 33, 27};

static void test_quantile(void)
{
	flo_segbatch *b;
	double e[5], sum[1];
	int which = -1, at = -1;
	static const int want[12] = {0, 2, 1, 3, 1, 0, 1, 3, 0, 3, 2, 1};

	CHECK_INT(flo_segbatch_new(&b, FLO_SEG_QUANTILE, 1), FLO_OK);
	CHECK_INT(flo_segbatch_cut(b, 4, e, &which, &at), FLO_EUSAGE); /* no records */
	for (int i = 0; i < 12; i++) {
		sum[0] = freq[i];
		CHECK_INT(flo_segbatch_add(b, &clv[i], sum), FLO_OK);
	}
	CHECK_INT(flo_segbatch_count(b), 12);
	CHECK_INT(flo_segbatch_cut(b, 4, e, &which, &at), FLO_OK);
	CHECK(e[0] == 12.5 && e[1] == 88.75 && e[2] == 100 && e[3] == 337.5 && e[4] == 1500);
	for (int i = 0; i < 12; i++) {
		CHECK_INT(flo_segbatch_segment(b, (size_t)i), want[i]);
		CHECK(flo_segbatch_sums(b, (size_t)i)[0] == freq[i]);
	}
	flo_segbatch_free(b);

	/* 100 four times in 12: 6 groups repeat the edge 100 */
	CHECK_INT(flo_segbatch_new(&b, FLO_SEG_QUANTILE, 0), FLO_OK);
	for (int i = 0; i < 12; i++)
		flo_segbatch_add(b, &clv[i], NULL);
	double e6[7];
	char words[FLO_QCUT_WORDS];
	CHECK_INT(flo_segbatch_cut(b, 6, e6, &which, &at), FLO_EVALUE);
	CHECK_INT(which, 0);
	CHECK(at > 0 && e6[at] == 100 && e6[at - 1] == 100);
	flo_qcut_repeat_words(e6, 6, at, words);
	CHECK_STR(words, "edge 100 appears twice");
	flo_segbatch_free(b);
}

static void test_rfm(void)
{
	flo_segbatch *b;
	double e[6], key[3];
	int which, at, score[3];
	static const int wantr[12] = {1, 2, 4, 5, 3, 3, 1, 5, 2, 4, 5, 1};
	static const int wantf[12] = {1, 3, 1, 5, 2, 1, 4, 5, 2, 5, 4, 3};
	static const int wantm[12] = {1, 4, 3, 5, 2, 1, 4, 5, 1, 5, 3, 2};
	static const char *const wantseg[12] = {
		"hibernating", "at_risk", "promising", "champions", "about_to_sleep",
		"about_to_sleep", "at_risk", "champions", "hibernating", "loyal_customers",
		"champions", "at_risk"};

	CHECK_INT(flo_segbatch_new(&b, FLO_SEG_RFM, 0), FLO_OK);
	for (int i = 0; i < 12; i++) {
		key[0] = age[i] - recency[i];
		key[1] = freq[i];
		key[2] = monetary[i];
		CHECK_INT(flo_segbatch_add(b, key, NULL), FLO_OK);
	}
	CHECK_INT(flo_segbatch_cut(b, 0, e, &which, &at), FLO_OK);
	for (int i = 0; i < 12; i++) {
		flo_segbatch_scores(b, (size_t)i, score);
		CHECK_INT(score[0], wantr[i]);
		CHECK_INT(score[1], wantf[i]);
		CHECK_INT(score[2], wantm[i]);
		CHECK_STR(flo_rfm_segment_names[flo_segbatch_segment(b, (size_t)i)], wantseg[i]);
	}
	flo_segbatch_free(b);

	/* a monetary value all share: the third cut fails */
	CHECK_INT(flo_segbatch_new(&b, FLO_SEG_RFM, 0), FLO_OK);
	for (int i = 0; i < 12; i++) {
		key[0] = age[i] - recency[i];
		key[1] = freq[i];
		key[2] = 7;
		flo_segbatch_add(b, key, NULL);
	}
	CHECK_INT(flo_segbatch_cut(b, 0, e, &which, &at), FLO_EVALUE);
	CHECK_INT(which, 2);
	CHECK_INT(at, 1);
	flo_segbatch_free(b);
}

/* The summary as CSV: what pandas' groupby gives (tests/flo-segment.bats). */
static void test_summary(void)
{
	flo_segsum *s;
	flo_writer *w;
	const char *const names[1] = {"x"};
	const char *const labels[3] = {"1", "2", "3"};
	const double v[4] = {2, NAN, 5, NAN};
	char got[256] = "";
	FILE *f = tmpfile();

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_INT(flo_segsum_new(&s, 3, names, 1), FLO_OK);
	for (int i = 0; i < 4; i++)
		flo_segsum_add(s, i / 2, &v[i]);
	CHECK_INT(flo_writer_new(&w, fileno(f), FLO_FMT_CSV), FLO_OK);
	CHECK_INT(flo_segsum_write(s, w, labels, NULL), FLO_OK);
	CHECK_INT(flo_writer_close(w), FLO_OK);
	rewind(f);
	got[fread(got, 1, sizeof got - 1, f)] = '\0';
	CHECK_STR(got, "segment,count,x_mean,x_sum\n1,2,2,2\n2,2,5,5\n3,0,,0\n");
	flo_segsum_free(s);
	fclose(f);
}

int main(void)
{
	test_quantile();
	test_rfm();
	test_summary();
	return check_report();
}
