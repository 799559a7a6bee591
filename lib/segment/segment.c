/* segment.c: quantile groups as pandas.qcut makes them, RFM segments, and
 * the stored cut points (formats and sources in segment.h). */
#include "segment/segment.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "base/num.h"
#include "base/text.h"

/* ---- quantile groups ---- */

/* The arithmetic below must stay as written: edges are compared with data
 * values for equality (a value on an edge belongs to the lower group), so
 * they have to be numpy's doubles, not merely close to them.  The build is
 * ISO C (-std=c11), where GCC does not fuse a * b + c into one rounding. */
/* The edges, reading the sorted values through at(ctx, j), the value of
 * rank j: flo_qcut_edges() on an array, flo_qcut_ranks() listing the ranks
 * read, flo_qcut_edges_ranked() on those alone (merged parts). */
static void edges_by(double (*at)(void *ctx, size_t j), void *ctx, size_t n, int k,
		     double *edges)
{
	/* numpy.linspace(0, 1, k + 1): i * step + 0, the last set to 1. */
	double step = 1.0 / (double)k;
	double last = (double)(n - 1);

	for (int i = 0; i <= k; i++) {
		double q = i == k ? 1.0 : (double)i * step + 0.0;
		double v = last * q;
		if (v >= last) {
			/* numpy takes the last element itself */
			edges[i] = at(ctx, n - 1);
			continue;
		}
		double lo = floor(v);
		size_t j = (size_t)lo;
		double t = v - lo;
		double a = at(ctx, j), b = at(ctx, j + 1);
		double d = b - a;
		/* numpy's _lerp: monotone, and exact at both ends */
		edges[i] = t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
	}
}

struct sorted {
	const double *v;
};

static double at_array(void *ctx, size_t j)
{
	return ((const struct sorted *)ctx)->v[j];
}

void flo_qcut_edges(const double *s, size_t n, int k, double *edges)
{
	struct sorted a = {s};
	edges_by(at_array, &a, n, k, edges);
}

struct ranks {
	const size_t *rank;
	size_t *noted, n;
	const double *value;
};

static double note_rank(void *ctx, size_t j)
{
	struct ranks *r = ctx;
	r->noted[r->n++] = j;
	return 0;
}

static int cmp_size(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return (a > b) - (a < b);
}

size_t flo_qcut_ranks(size_t n, int k, size_t *rank)
{
	struct ranks r = {NULL, rank, 0, NULL};
	double edges[FLO_CUTS_MAX_GROUPS + 1];
	edges_by(note_rank, &r, n, k, edges);
	qsort(rank, r.n, sizeof *rank, cmp_size);
	size_t m = 0;
	for (size_t i = 0; i < r.n; i++)
		if (m == 0 || rank[m - 1] != rank[i])
			rank[m++] = rank[i];
	return m;
}

static double ranked_value(void *ctx, size_t j)
{
	const struct ranks *r = ctx;
	size_t lo = 0, hi = r->n; /* j is one of the ranks: a binary search */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->rank[mid] <= j)
			lo = mid;
		else
			hi = mid;
	}
	return r->value[lo];
}

void flo_qcut_edges_ranked(const size_t *rank, const double *value, size_t nrank, size_t n,
			   int k, double *edges)
{
	struct ranks r = {rank, NULL, nrank, value};
	edges_by(ranked_value, &r, n, k, edges);
}

int flo_qcut_repeat(const double *edges, int k)
{
	if (k < 2)
		return 0;
	for (int i = 1; i <= k; i++)
		if (edges[i] == edges[i - 1])
			return i;
	return 0;
}

void flo_qcut_repeat_words(const double *edges, int k, int at, char *buf)
{
	char num[FLO_NUM_BUFSZ];
	int times = 0;
	for (int i = 0; i <= k; i++)
		times += edges[i] == edges[at];
	flo_format_double(num, edges[at]);
	if (times == 2)
		snprintf(buf, FLO_QCUT_WORDS, "edge %s appears twice", num);
	else
		snprintf(buf, FLO_QCUT_WORDS, "edge %s appears %d times", num, times);
}

int flo_qcut_group(const double *edges, int k, double v)
{
	/* pandas: searchsorted(edges, v, side="left") - 1, i.e. the number of
	 * inner edges e[1..k-1] below v; the outer edges only clamp. */
	int lo = 1, hi = k;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (edges[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

int flo_qcut(const double *x, size_t n, int k, double *edges, int *group, int *repeat)
{
	double *s = malloc((n ? n : 1) * sizeof *s);
	if (s == NULL)
		return FLO_ENOMEM;
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	flo_qcut_edges(s, n, k, edges);
	free(s);
	int r = flo_qcut_repeat(edges, k);
	if (repeat != NULL)
		*repeat = r;
	if (r != 0)
		return FLO_EVALUE;
	for (size_t i = 0; i < n; i++)
		group[i] = flo_qcut_group(edges, k, x[i]);
	return FLO_OK;
}

struct ranked {
	double v;
	size_t i;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int flo_rank_first(const double *x, size_t n, double *rank)
{
	struct ranked *r = malloc((n ? n : 1) * sizeof *r);
	if (r == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){x[i], i};
	/* ties by position: what a stable sort, as pandas uses, gives */
	qsort(r, n, sizeof *r, cmp_ranked);
	for (size_t j = 0; j < n; j++)
		rank[r[j].i] = (double)(j + 1);
	free(r);
	return FLO_OK;
}

/* ---- RFM segments ---- */

const char *const flo_rfm_segment_names[FLO_RFM_NSEGMENTS] = {
	"about_to_sleep", "at_risk",  "cant_loose",     "champions",           "hibernating",
	"loyal_customers", "need_attention", "new_customers", "potential_loyalists", "promising",
};

enum {
	ABOUT_TO_SLEEP, AT_RISK, CANT_LOOSE, CHAMPIONS, HIBERNATING,
	LOYAL, NEED_ATTENTION, NEW_CUSTOMERS, POTENTIAL_LOYALISTS, PROMISING,
};

/* The seed notebooks' map of the two-digit "RF" score by regular expression:
 *   [1-2][1-2] hibernating        [1-2][3-4] at_risk       [1-2]5 cant_loose
 *   3[1-2]     about_to_sleep     33 need_attention        [3-4][4-5] loyal_customers
 *   41 promising    51 new_customers    [4-5][2-3] potential_loyalists    5[4-5] champions
 * spelled out as a table: the patterns cover the 25 scores once each. */
static const unsigned char rf_map[5][5] = {
	{HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANT_LOOSE},
	{HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANT_LOOSE},
	{ABOUT_TO_SLEEP, ABOUT_TO_SLEEP, NEED_ATTENTION, LOYAL, LOYAL},
	{PROMISING, POTENTIAL_LOYALISTS, POTENTIAL_LOYALISTS, LOYAL, LOYAL},
	{NEW_CUSTOMERS, POTENTIAL_LOYALISTS, POTENTIAL_LOYALISTS, CHAMPIONS, CHAMPIONS},
};

int flo_rfm_segment(int r, int f)
{
	if (r < 1 || r > 5 || f < 1 || f > 5)
		return -1;
	return rf_map[r - 1][f - 1];
}

/* ---- stored cut points ---- */

#define CUTS_PREFIX "flo-cuts "

/* The rules of segment.h; NULL when c keeps them, else what is wrong. */
static const char *invalid(const struct flo_cuts *c, char *buf, size_t buflen)
{
	if (c->field == NULL || c->field[0] == '\0')
		return "no field name";
	if (c->groups < 1 || c->groups > FLO_CUTS_MAX_GROUPS) {
		snprintf(buf, buflen, "groups %d is outside 1..%d", c->groups,
			 FLO_CUTS_MAX_GROUPS);
		return buf;
	}
	if (c->records < 1)
		return "no records";
	for (int i = 0; i <= c->groups; i++) {
		if (!isfinite(c->edges[i]))
			return "an edge is not a finite number";
		if (i > 0 && (c->edges[i] < c->edges[i - 1] ||
			      (c->groups > 1 && c->edges[i] == c->edges[i - 1]))) {
			snprintf(buf, buflen, "edge %d does not increase", i);
			return buf;
		}
	}
	for (int i = 0; i < c->groups; i++) {
		if (c->labels[i] == NULL || c->labels[i][0] == '\0') {
			snprintf(buf, buflen, "label %d is empty", i + 1);
			return buf;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(c->labels[i], c->labels[j]) == 0) {
				snprintf(buf, buflen, "label \"%.64s\" appears twice", c->labels[i]);
				return buf;
			}
	}
	return NULL;
}

int flo_cuts_encode(const struct flo_cuts *c, char **text, size_t *len)
{
	struct flo_text t = {0};
	char buf[128];
	char num[32];

	*text = NULL;
	*len = 0;
	if (invalid(c, buf, sizeof buf) != NULL)
		return FLO_EUSAGE;
	snprintf(num, sizeof num, "%d", FLO_CUTS_FORMAT);
	flo_text_puts(&t, "{\"format\":\"" CUTS_PREFIX);
	flo_text_puts(&t, num);
	flo_text_puts(&t, "\",\"field\":");
	flo_text_json_string(&t, c->field);
	snprintf(num, sizeof num, "%d", c->groups);
	flo_text_puts(&t, ",\"groups\":");
	flo_text_puts(&t, num);
	snprintf(num, sizeof num, "%zu", c->records);
	flo_text_puts(&t, ",\"records\":");
	flo_text_puts(&t, num);
	flo_text_puts(&t, ",\"edges\":[");
	for (int i = 0; i <= c->groups; i++) {
		if (i > 0)
			flo_text_add(&t, ",", 1);
		flo_text_number(&t, c->edges[i]);
	}
	flo_text_puts(&t, "],\"labels\":[");
	for (int i = 0; i < c->groups; i++) {
		if (i > 0)
			flo_text_add(&t, ",", 1);
		flo_text_json_string(&t, c->labels[i]);
	}
	flo_text_puts(&t, "]}");
	if (t.oom) {
		free(t.p);
		return FLO_ENOMEM;
	}
	*text = t.p;
	*len = t.len;
	return FLO_OK;
}

void flo_cuts_free(struct flo_cuts *c)
{
	if (c == NULL)
		return;
	if (c->labels != NULL)
		for (int i = 0; i < c->groups; i++)
			free(c->labels[i]);
	free(c->labels);
	free(c->edges);
	free(c->field);
	free(c);
}

static int fail(int err, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int err, char *why, size_t whylen, const char *fmt, ...)
{
	if (why != NULL && whylen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* A C string from a JSON string value: NULL when v is not a string or holds
 * a NUL (from \u0000), which no field name or label can. */
static char *dup_string(const flo_json_value *v, int *oom)
{
	size_t n;
	const char *s = flo_json_string(v, &n);
	if (s == NULL || strlen(s) != n)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*oom = 1;
	return d;
}

/* A whole number in [lo, hi] from a JSON value. */
static int whole(const flo_json_value *v, double lo, double hi, double *out)
{
	double d;
	if (flo_json_number(v, &d) != FLO_OK || d != floor(d) || d < lo || d > hi)
		return 0;
	*out = d;
	return 1;
}

/* At most 40 bytes of s for a message, control bytes as '?'. */
#define QUOTE_MAX 48
static const char *printable(char *buf, const char *s, size_t n)
{
	size_t k = n > 40 ? 40 : n;
	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n > k)
		memcpy(buf + k, "...", 3), k += 3;
	buf[k] = '\0';
	return buf;
}

/* Version 1 content into c; FLO_EVALUE or FLO_ENOMEM with `why`. */
static int read_v1(const flo_json_value *root, struct flo_cuts *c, char *why, size_t whylen)
{
	int oom = 0;
	double d;
	char buf[128];

	c->field = dup_string(flo_json_get(root, "field"), &oom);
	if (oom)
		return FLO_ENOMEM;
	if (c->field == NULL)
		return fail(FLO_EVALUE, why, whylen, "damaged: \"field\" is not a string");
	if (!whole(flo_json_get(root, "groups"), 1, FLO_CUTS_MAX_GROUPS, &d))
		return fail(FLO_EVALUE, why, whylen,
			    "damaged: \"groups\" is not a whole number from 1 to %d",
			    FLO_CUTS_MAX_GROUPS);
	c->groups = (int)d;
	if (!whole(flo_json_get(root, "records"), 1, 9007199254740992.0, &d))
		return fail(FLO_EVALUE, why, whylen,
			    "damaged: \"records\" is not a whole number >= 1");
	c->records = (size_t)d;

	const flo_json_value *edges = flo_json_get(root, "edges");
	if (flo_json_type(edges) != FLO_JSON_ARRAY ||
	    flo_json_length(edges) != (size_t)c->groups + 1)
		return fail(FLO_EVALUE, why, whylen,
			    "damaged: \"edges\" is not an array of %d numbers", c->groups + 1);
	c->edges = calloc((size_t)c->groups + 1, sizeof *c->edges);
	if (c->edges == NULL)
		return FLO_ENOMEM;
	for (int i = 0; i <= c->groups; i++)
		if (flo_json_number(flo_json_index(edges, (size_t)i), &c->edges[i]) != FLO_OK)
			return fail(FLO_EVALUE, why, whylen, "damaged: edge %d is not a number",
				    i);

	const flo_json_value *labels = flo_json_get(root, "labels");
	if (flo_json_type(labels) != FLO_JSON_ARRAY ||
	    flo_json_length(labels) != (size_t)c->groups)
		return fail(FLO_EVALUE, why, whylen,
			    "damaged: \"labels\" is not an array of %d strings", c->groups);
	c->labels = calloc((size_t)c->groups, sizeof *c->labels);
	if (c->labels == NULL)
		return FLO_ENOMEM;
	for (int i = 0; i < c->groups; i++) {
		c->labels[i] = dup_string(flo_json_index(labels, (size_t)i), &oom);
		if (oom)
			return FLO_ENOMEM;
		if (c->labels[i] == NULL)
			return fail(FLO_EVALUE, why, whylen,
				    "damaged: label %d is not a string", i + 1);
	}
	const char *bad = invalid(c, buf, sizeof buf);
	if (bad != NULL)
		return fail(FLO_EVALUE, why, whylen, "damaged: %s", bad);
	return FLO_OK;
}

int flo_cuts_decode(const void *data, size_t len, struct flo_cuts **out, char *why,
		    size_t whylen)
{
	char jerr[200], qbuf[QUOTE_MAX];
	flo_json *doc;
	int rc;

	*out = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	rc = flo_json_parse(data, len, &doc, jerr, sizeof jerr);
	if (rc == FLO_ENOMEM)
		return FLO_ENOMEM;
	if (rc != FLO_OK)
		return fail(FLO_EVERSION, why, whylen, "not flo cut points (not JSON: %s)", jerr);

	const flo_json_value *root = flo_json_root(doc);
	size_t flen;
	const char *format = flo_json_string(flo_json_get(root, "format"), &flen);
	size_t plen = strlen(CUTS_PREFIX);
	if (format == NULL || flen <= plen || memcmp(format, CUTS_PREFIX, plen) != 0 ||
	    strspn(format + plen, "0123456789") != flen - plen || format[plen] == '0') {
		rc = fail(FLO_EVERSION, why, whylen, "not flo cut points (%s%s%s)",
			  format ? "format \"" : "no \"format\" name",
			  format ? printable(qbuf, format, flen) : "", format ? "\"" : "");
		flo_json_free(doc);
		return rc;
	}
	unsigned long version = strtoul(format + plen, NULL, 10);
	if (version != FLO_CUTS_FORMAT) {
		rc = fail(FLO_EVERSION, why, whylen,
			  "cut points in format \"%s\", newer than this flo reads (%s%d): "
			  "use a newer flo, or make them again with --save-cuts",
			  printable(qbuf, format, flen), CUTS_PREFIX, FLO_CUTS_FORMAT);
		flo_json_free(doc);
		return rc;
	}

	struct flo_cuts *c = calloc(1, sizeof *c);
	if (c == NULL) {
		flo_json_free(doc);
		return FLO_ENOMEM;
	}
	rc = read_v1(root, c, why, whylen);
	flo_json_free(doc);
	if (rc != FLO_OK) {
		flo_cuts_free(c);
		return rc;
	}
	*out = c;
	return FLO_OK;
}
