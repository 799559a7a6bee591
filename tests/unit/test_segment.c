/* test_segment.c: quantile edges and groups against pandas.qcut, the RF
 * segment map against the notebooks' regular expressions, and the stored
 * cut points (round trip, and every kind of foreign or damaged record).
 *
 * Golden edges are what scripts/golden/segment_qcut.py printed (pandas
 * 1.5.3, numpy 1.24.2) for tests/data/segment_small.csv; they are compared
 * bit for bit, since a value on an edge belongs to the lower group. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "segment/segment.h"
#include "store/store.h"

#define CHECK_SAME(got, want)                                                \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		check_count++;                                               \
		if (memcmp(&g_, &w_, sizeof g_) != 0) {                      \
			check_failures++;                                    \
			fprintf(stderr, "%s:%d: %s == %.17g, want %.17g exactly\n", \
				__FILE__, __LINE__, #got, g_, w_);           \
		}                                                            \
	} while (0)

static void check_msg(int line, const char *msg, const char *part)
{
	check_count++;
	if (msg == NULL || strstr(msg, part) == NULL) {
		check_failures++;
		fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, line,
			msg ? msg : "(null)", part);
	}
}

#define CHECK_MSG(msg, part) check_msg(__LINE__, (msg), (part))

/* The columns of tests/data/segment_small.csv, customers c01..c12. */
static const double clv[12] = {12.5, 240, 100, 610.75, 100, 35, 100, 1500, 55, 420, 310, 100};
static const double freq[12] = {0, 3, 1, 7, 2, 0, 3, 12, 1, 5, 3, 2};
static const double recency[12] = {0, 20, 5, 48, 30, 0, 10, 50, 2, 35, 25, 8};
static const double age[12] = {40, 52, 10, 50, 45, 12, 60, 52, 30, 40, 26, 55};
static const double monetary[12] = {0, 45.5, 30, 80.25, 22, 0, 51, 120, 18.5, 60, 33, 27};

static void test_pandas_edges(void)
{
	double e[6], since[12], rank[12];
	int g[12];

	/* (a) clv, 4 groups: 12.5, 88.75, 100.0, 337.5, 1500.0 and
	 * D B C A C D C A D A B C */
	CHECK_INT(flo_qcut(clv, 12, 4, e, g, NULL), FLO_OK);
	CHECK_SAME(e[0], 12.5);
	CHECK_SAME(e[1], 88.75);
	CHECK_SAME(e[2], 100.0);
	CHECK_SAME(e[3], 337.5);
	CHECK_SAME(e[4], 1500.0);
	static const int want4[12] = {0, 2, 1, 3, 1, 0, 1, 3, 0, 3, 2, 1};
	for (int i = 0; i < 12; i++)
		CHECK_INT(g[i], want4[i]);
	/* 3 groups: 12.5, 100.0, 263.3333333333333, 1500.0; 1 2 1 3 1 1 1 3 1 3 3 1 */
	CHECK_INT(flo_qcut(clv, 12, 3, e, g, NULL), FLO_OK);
	CHECK_SAME(e[2], 263.3333333333333);
	static const int want3[12] = {0, 1, 0, 2, 0, 0, 0, 2, 0, 2, 2, 0};
	for (int i = 0; i < 12; i++)
		CHECK_INT(g[i], want3[i]);

	/* (b) the time since the last purchase, T - recency: numpy's
	 * interpolation at t >= 0.5 is b - (b-a)(1-t), which is where the
	 * trailing digits come from */
	for (int i = 0; i < 12; i++)
		since[i] = age[i] - recency[i];
	CHECK_INT(flo_qcut(since, 12, 5, e, g, NULL), FLO_OK);
	CHECK_SAME(e[0], 1.0);
	CHECK_SAME(e[1], 2.6000000000000005);
	CHECK_SAME(e[2], 7.8000000000000025);
	CHECK_SAME(e[3], 22.80000000000002);
	CHECK_SAME(e[4], 38.400000000000006);
	CHECK_SAME(e[5], 50.0);
	/* recency scores (labels 5..1): 1 2 4 5 3 3 1 5 2 4 5 1 */
	static const int wantr[12] = {1, 2, 4, 5, 3, 3, 1, 5, 2, 4, 5, 1};
	for (int i = 0; i < 12; i++)
		CHECK_INT(5 - g[i], wantr[i]);

	CHECK_INT(flo_rank_first(freq, 12, rank), FLO_OK);
	static const double wantrank[12] = {1, 7, 3, 11, 5, 2, 8, 12, 4, 10, 9, 6};
	for (int i = 0; i < 12; i++)
		CHECK_SAME(rank[i], wantrank[i]);
	CHECK_INT(flo_qcut(rank, 12, 5, e, g, NULL), FLO_OK);
	CHECK_SAME(e[1], 3.2);
	CHECK_SAME(e[2], 5.4);
	CHECK_SAME(e[3], 7.600000000000001);
	CHECK_SAME(e[4], 9.8);
	/* frequency scores: 1 3 1 5 2 1 4 5 2 5 4 3 (c02 and c07 tie at 3
	 * purchases: c02 comes first, ranks lower, scores lower) */
	static const int wantf[12] = {1, 3, 1, 5, 2, 1, 4, 5, 2, 5, 4, 3};
	for (int i = 0; i < 12; i++)
		CHECK_INT(g[i] + 1, wantf[i]);

	CHECK_INT(flo_qcut(monetary, 12, 5, e, g, NULL), FLO_OK);
	CHECK_SAME(e[0], 0.0);
	CHECK_SAME(e[1], 19.2);
	CHECK_SAME(e[2], 28.200000000000003);
	CHECK_SAME(e[3], 40.500000000000014);
	CHECK_SAME(e[4], 58.2);
	CHECK_SAME(e[5], 120.0);
	static const int wantm[12] = {1, 4, 3, 5, 2, 1, 4, 5, 1, 5, 3, 2};
	for (int i = 0; i < 12; i++)
		CHECK_INT(g[i] + 1, wantm[i]);
}

static void test_edges_small(void)
{
	double e[6];
	const double one[1] = {7};
	const double two[2] = {1, 2};
	const double ties[7] = {0, 0, 5, 0, 0, 10, 0};
	int g[7], at = -1;

	/* one value: every quantile is that value */
	flo_qcut_edges(one, 1, 4, e);
	for (int i = 0; i <= 4; i++)
		CHECK_SAME(e[i], 7.0);
	CHECK_INT(flo_qcut_repeat(e, 4), 1);
	/* one group: pandas does not check, and everything is group 0 */
	CHECK_INT(flo_qcut(one, 1, 1, e, g, &at), FLO_OK);
	CHECK_INT(at, 0);
	CHECK_INT(g[0], 0);
	/* two values, 5 groups: 1, 1.2, 1.4, 1.6, 1.8, 2 (numpy.quantile) */
	flo_qcut_edges(two, 2, 5, e);
	CHECK_SAME(e[1], 0.2 + 1.0);
	CHECK_SAME(e[3], 1.6);
	CHECK_SAME(e[5], 2.0);
	/* pandas: "Bin edges must be unique: array([0., 0., 0., 2.5, 10.])" */
	CHECK_INT(flo_qcut(ties, 7, 4, e, g, &at), FLO_EVALUE);
	CHECK_INT(at, 1);
	CHECK_SAME(e[2], 0.0);
	CHECK_SAME(e[3], 2.5);
	CHECK_SAME(e[4], 10.0);
}

static void test_groups(void)
{
	const double e[5] = {12.5, 88.75, 100, 337.5, 1500};

	CHECK_INT(flo_qcut_group(e, 4, 12.5), 0);  /* the lowest edge */
	CHECK_INT(flo_qcut_group(e, 4, -1e300), 0); /* below it */
	CHECK_INT(flo_qcut_group(e, 4, 88.75), 0);  /* right-closed */
	CHECK_INT(flo_qcut_group(e, 4, 88.750000000000014), 1);
	CHECK_INT(flo_qcut_group(e, 4, 100), 1);
	CHECK_INT(flo_qcut_group(e, 4, 337.5), 2);
	CHECK_INT(flo_qcut_group(e, 4, 337.50000000000006), 3);
	CHECK_INT(flo_qcut_group(e, 4, 1500), 3);
	CHECK_INT(flo_qcut_group(e, 4, 1e300), 3); /* above the highest */
	CHECK_INT(flo_qcut_group(e, 1, 5), 0);
	CHECK_INT(flo_qcut_group(e, 2, 1e9), 1);
}

static void test_rank_first(void)
{
	const double x[6] = {3, 1, 3, 3, 1, -2};
	double r[6];

	CHECK_INT(flo_rank_first(x, 6, r), FLO_OK);
	/* pandas: Series([3, 1, 3, 3, 1, -2]).rank(method="first") */
	static const double want[6] = {4, 2, 5, 6, 3, 1};
	for (int i = 0; i < 6; i++)
		CHECK_SAME(r[i], want[i]);
	CHECK_INT(flo_rank_first(x, 0, r), FLO_OK);
}

/* The notebooks' map by its regular expressions, matched on the RF text. */
static const char *by_regex(int r, int f)
{
	char s[3] = {(char)('0' + r), (char)('0' + f), 0};
#define IN(c, lo, hi) ((c) >= (lo) && (c) <= (hi))
	if (IN(s[0], '1', '2') && IN(s[1], '1', '2')) return "hibernating";
	if (IN(s[0], '1', '2') && IN(s[1], '3', '4')) return "at_risk";
	if (IN(s[0], '1', '2') && s[1] == '5') return "cant_loose";
	if (s[0] == '3' && IN(s[1], '1', '2')) return "about_to_sleep";
	if (strcmp(s, "33") == 0) return "need_attention";
	if (IN(s[0], '3', '4') && IN(s[1], '4', '5')) return "loyal_customers";
	if (strcmp(s, "41") == 0) return "promising";
	if (strcmp(s, "51") == 0) return "new_customers";
	if (IN(s[0], '4', '5') && IN(s[1], '2', '3')) return "potential_loyalists";
	if (s[0] == '5' && IN(s[1], '4', '5')) return "champions";
#undef IN
	return NULL;
}

static void test_rfm_map(void)
{
	for (int r = 1; r <= 5; r++)
		for (int f = 1; f <= 5; f++) {
			int k = flo_rfm_segment(r, f);
			CHECK(k >= 0 && k < FLO_RFM_NSEGMENTS);
			if (k >= 0 && k < FLO_RFM_NSEGMENTS)
				CHECK_STR(flo_rfm_segment_names[k], by_regex(r, f));
		}
	CHECK_INT(flo_rfm_segment(0, 3), -1);
	CHECK_INT(flo_rfm_segment(3, 6), -1);
	for (int k = 1; k < FLO_RFM_NSEGMENTS; k++)
		CHECK(strcmp(flo_rfm_segment_names[k - 1], flo_rfm_segment_names[k]) < 0);
}

static void test_ksum(void)
{
	/* Kahan keeps what a plain sum loses: 1 + 1e-16 * 10 */
	struct flo_ksum k = {0, 0};
	double plain = 1;
	flo_ksum_add(&k, 1);
	for (int i = 0; i < 10; i++) {
		flo_ksum_add(&k, 1e-16);
		plain += 1e-16;
	}
	CHECK_SAME(plain, 1.0);
	CHECK_SAME(k.sum, 1.000000000000001);
}

/* ---- stored cut points ---- */

#define DOC(groups, records, edges, labels)                                  \
	"{\"format\":\"flo-cuts 1\",\"field\":\"clv\",\"groups\":" groups      \
	",\"records\":" records ",\"edges\":" edges ",\"labels\":" labels "}"

static void test_cuts_roundtrip(void)
{
	double edges[5] = {-0.1, 2.2250738585072014e-308, 0.1 + 0.2, 1e300, 1.7976931348623157e308};
	char *labels[4] = {"low \"quoted\"", "tab\there", "D", "\xc3\xbc"};
	struct flo_cuts c = {"field, with \\ comma", 4, 19945, edges, labels};
	struct flo_cuts *back = NULL;
	char *text = NULL;
	size_t len = 0;
	char why[256];

	CHECK_INT(flo_cuts_encode(&c, &text, &len), FLO_OK);
	CHECK(text != NULL && strlen(text) == len);
	CHECK_STR(text, "{\"format\":\"flo-cuts 1\",\"field\":\"field, with \\\\ comma\","
			"\"groups\":4,\"records\":19945,"
			"\"edges\":[-0.1,2.2250738585072014e-308,0.30000000000000004,1e+300,1.7976931348623157e+308],"
			"\"labels\":[\"low \\\"quoted\\\"\",\"tab\\there\",\"D\",\"\xc3\xbc\"]}");
	CHECK_INT(flo_cuts_decode(text, len, &back, why, sizeof why), FLO_OK);
	CHECK(back != NULL);
	if (back != NULL) {
		CHECK_STR(back->field, c.field);
		CHECK_INT(back->groups, 4);
		CHECK_INT(back->records, 19945);
		for (int i = 0; i <= 4; i++)
			CHECK_SAME(back->edges[i], edges[i]);
		for (int i = 0; i < 4; i++)
			CHECK_STR(back->labels[i], labels[i]);
	}
	flo_cuts_free(back);
	free(text);
	flo_cuts_free(NULL);

	/* numbers that print long still read back to the bit */
	const char *sub = DOC("2", "3", "[0,4.94065645841247e-324,0.30000000000000004]",
			      "[\"a\",\"b\"]");
	CHECK_INT(flo_cuts_decode(sub, strlen(sub), &back, why, sizeof why), FLO_OK);
	if (back != NULL) {
		CHECK_SAME(back->edges[1], 5e-324);
		CHECK_SAME(back->edges[2], 0.1 + 0.2);
	}
	flo_cuts_free(back);

	/* one group may have equal edges (pandas.qcut(x, 1) of equal values) */
	double flat[2] = {3, 3};
	char *one[1] = {"all"};
	struct flo_cuts c1 = {"clv", 1, 1, flat, one};
	CHECK_INT(flo_cuts_encode(&c1, &text, &len), FLO_OK);
	CHECK_INT(flo_cuts_decode(text, len, &back, why, sizeof why), FLO_OK);
	flo_cuts_free(back);
	free(text);

	/* what may not be stored */
	double down[3] = {1, 0, 2};
	char *two[2] = {"a", "b"}, *same[2] = {"a", "a"}, *empty[2] = {"a", ""};
	struct flo_cuts bad = {"clv", 2, 5, down, two};
	CHECK_INT(flo_cuts_encode(&bad, &text, &len), FLO_EUSAGE);
	CHECK(text == NULL);
	double up[3] = {0, 1, 2};
	bad.edges = up;
	bad.labels = same;
	CHECK_INT(flo_cuts_encode(&bad, &text, &len), FLO_EUSAGE);
	bad.labels = empty;
	CHECK_INT(flo_cuts_encode(&bad, &text, &len), FLO_EUSAGE);
	bad.labels = two;
	bad.records = 0;
	CHECK_INT(flo_cuts_encode(&bad, &text, &len), FLO_EUSAGE);
	bad.records = 5;
	bad.field = "";
	CHECK_INT(flo_cuts_encode(&bad, &text, &len), FLO_EUSAGE);
	bad.field = "clv";
	CHECK_INT(flo_cuts_encode(&bad, &text, &len), FLO_OK);
	free(text);
}

static int decode_err(const char *text, size_t len, char *why, size_t whylen)
{
	static struct flo_cuts sentinel;
	struct flo_cuts *c = &sentinel;
	int rc = flo_cuts_decode(text, len, &c, why, whylen);
	CHECK(c == NULL || rc == FLO_OK);
	flo_cuts_free(rc == FLO_OK ? c : NULL);
	return rc;
}

static void test_cuts_damaged(void)
{
	char why[256];
	const unsigned char garbage[] = {0x00, 0xff, 0x13, 0x37, 'x', 0};
	const char *ok = DOC("2", "10", "[0,1,2]", "[\"lo\",\"hi\"]");

	CHECK_INT(decode_err(ok, strlen(ok), why, sizeof why), FLO_OK);

	/* not flo cut points at all */
	CHECK_INT(decode_err((const char *)garbage, sizeof garbage, why, sizeof why),
		  FLO_EVERSION);
	CHECK_MSG(why, "not flo cut points (not JSON:");
	CHECK_INT(decode_err("", 0, why, sizeof why), FLO_EVERSION);
	CHECK_INT(decode_err("[1,2]", 5, why, sizeof why), FLO_EVERSION);
	CHECK_MSG(why, "not flo cut points (no \"format\" name)");
	const char *model = "{\"format\":\"flo-model 1\",\"bgnbd\":{}}";
	CHECK_INT(decode_err(model, strlen(model), why, sizeof why), FLO_EVERSION);
	CHECK_MSG(why, "not flo cut points (format \"flo-model 1\")");
	const char *zero = "{\"format\":\"flo-cuts 0\"}";
	CHECK_INT(decode_err(zero, strlen(zero), why, sizeof why), FLO_EVERSION);
	const char *odd = "{\"format\":\"flo-cuts 1x\"}";
	CHECK_INT(decode_err(odd, strlen(odd), why, sizeof why), FLO_EVERSION);

	/* a newer format */
	const char *newer = "{\"format\":\"flo-cuts 2\",\"anything\":[]}";
	CHECK_INT(decode_err(newer, strlen(newer), why, sizeof why), FLO_EVERSION);
	CHECK_MSG(why, "cut points in format \"flo-cuts 2\", newer than this flo reads "
		       "(flo-cuts 1)");
	const char *huge = "{\"format\":\"flo-cuts 99999999999999999999999\"}";
	CHECK_INT(decode_err(huge, strlen(huge), why, sizeof why), FLO_EVERSION);
	CHECK_MSG(why, "newer");

	/* flo-cuts 1, damaged */
	struct {
		const char *doc, *msg;
	} damaged[] = {
		{"{\"format\":\"flo-cuts 1\"}", "\"field\" is not a string"},
		{DOC("0", "10", "[0]", "[]"), "\"groups\" is not a whole number"},
		{DOC("1001", "10", "[0]", "[]"), "\"groups\" is not a whole number"},
		{DOC("2.5", "10", "[0,1,2]", "[\"a\",\"b\"]"), "\"groups\""},
		{DOC("2", "0", "[0,1,2]", "[\"a\",\"b\"]"), "\"records\""},
		{DOC("2", "-3", "[0,1,2]", "[\"a\",\"b\"]"), "\"records\""},
		{DOC("2", "10", "[0,1]", "[\"a\",\"b\"]"), "\"edges\" is not an array of 3"},
		{DOC("2", "10", "{}", "[\"a\",\"b\"]"), "\"edges\" is not an array of 3"},
		{DOC("2", "10", "[0,\"1\",2]", "[\"a\",\"b\"]"), "edge 1 is not a number"},
		{DOC("2", "10", "[0,2,1]", "[\"a\",\"b\"]"), "edge 2 does not increase"},
		{DOC("2", "10", "[0,0,1]", "[\"a\",\"b\"]"), "edge 1 does not increase"},
		{DOC("2", "10", "[0,1,2]", "[\"a\"]"), "\"labels\" is not an array of 2"},
		{DOC("2", "10", "[0,1,2]", "[\"a\",3]"), "label 2 is not a string"},
		{DOC("2", "10", "[0,1,2]", "[\"a\",\"a\"]"), "label \"a\" appears twice"},
		{DOC("2", "10", "[0,1,2]", "[\"a\",\"\"]"), "label 2 is empty"},
		{DOC("2", "10", "[0,1,2]", "[\"a\",\"b\\u0000c\"]"), "label 2 is not a string"},
	};
	for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
		int rc = decode_err(damaged[i].doc, strlen(damaged[i].doc), why, sizeof why);
		CHECK_INT(rc, FLO_EVALUE);
		CHECK_MSG(why, "damaged: ");
		CHECK_MSG(why, damaged[i].msg);
	}
	/* a NULL `why` is fine */
	CHECK_INT(decode_err("{", 1, NULL, 0), FLO_EVERSION);
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

/* Garbage under a cut name in a real store comes back as garbage, and the
 * decoder refuses it. */
static void test_store_garbage(void)
{
	char dir[] = "/tmp/flo-test-segment-XXXXXX";
	char path[64], err[FLO_STORE_ERRMAX], why[256];
	flo_store *s = NULL;
	void *data = NULL;
	size_t len = 0;
	struct flo_cuts *c = NULL;
	const unsigned char junk[] = {'{', 0, 1, 2, 0xfe};

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/st", dir);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	if (s != NULL) {
		CHECK_INT(flo_store_put_cuts(s, "junk", junk, sizeof junk), FLO_OK);
		CHECK_INT(flo_store_get_cuts(s, "junk", &data, &len), FLO_OK);
		CHECK_INT(len, sizeof junk);
		CHECK_INT(flo_cuts_decode(data, len, &c, why, sizeof why), FLO_EVERSION);
		CHECK(c == NULL);
		CHECK_MSG(why, "not flo cut points");
		free(data);
		flo_store_close(s);
	}
	rm_tree(path);
	rmdir(dir);
}

int main(void)
{
	test_pandas_edges();
	test_edges_small();
	test_groups();
	test_rank_first();
	test_rfm_map();
	test_ksum();
	test_cuts_roundtrip();
	test_cuts_damaged();
	test_store_garbage();
	return check_report();
}
