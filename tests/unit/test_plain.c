/* test_plain.c: plain.h's split of a plain CSV or TSV line, sixteen bytes
 * at a time (SSE2) or eight (FLO_PLAIN_PORTABLE: test_plain_portable.c
 * builds this file again with it), against a byte-at-a-time reading of
 * the contract: random lines of separators, newlines, escapes, CRs and
 * field bytes, of every length up to 80, cut anywhere, for 1 to 7 fields. */
#include "record/plain.h"

#include <stdint.h>

#include "check.h"

/* The contract of flo_plain_line(), a byte at a time. */
static const char *reference(const char *s, const char *e, char sep, char esc, size_t nfields,
			     const char **ends)
{
	const char *nl = s;
	while (nl < e && *nl != '\n')
		nl++;
	if (nl == e)
		return NULL;
	size_t nf = 0;
	for (const char *q = s; q < nl; q++) {
		if (*q == esc)
			return NULL;
		if (*q == sep) {
			if (nf + 1 >= nfields)
				return NULL;
			ends[nf++] = q;
		}
	}
	const char *fe = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
	if (nf + 1 != nfields || fe == s)
		return NULL;
	ends[nf] = fe;
	return nl;
}

static void test_random_lines(char sep, char esc)
{
	static const char alphabet[] = {'a', '1', '.', '-', '\r', '\t', ',', '"', '\\', '\n', 'x', '9'};
	uint64_t st = 0x9E3779B97F4A7C15ull ^ (uint64_t)(unsigned char)sep;
	char buf[96];
	const char *got_ends[8], *want_ends[8];
	int shown = 0;
	long plain = 0;
	for (long i = 0; i < 400000; i++) {
		st ^= st << 13, st ^= st >> 7, st ^= st << 17;
		size_t len = (size_t)(st % 81), nfields = 1 + (size_t)(st >> 8) % 7;
		/* mostly field bytes, with separators and the rest now and then */
		for (size_t k = 0; k < len; k++) {
			st ^= st << 13, st ^= st >> 7, st ^= st << 17;
			unsigned r = (unsigned)(st >> 40) % 64;
			buf[k] = r < 40 ? alphabet[r % 2 ? 0 : 1] : r < 52 ? sep : alphabet[r % 12];
		}
		if (len > 0 && (st >> 20) % 2)
			buf[len - 1] = '\n';
		const char *e = buf + len;
		const char *want = reference(buf, e, sep, esc, nfields, want_ends);
		const char *got = flo_plain_line(buf, e, sep, esc, nfields, got_ends);
		plain += want != NULL;
		int same = got == want;
		for (size_t f = 0; same && want != NULL && f < nfields; f++)
			same = got_ends[f] == want_ends[f];
		if (!same && shown++ < 5)
			fprintf(stderr, "  line of %zu bytes, %zu fields: got %s, want %s\n", len,
				nfields, got ? "a line" : "NULL", want ? "a line" : "NULL");
		CHECK(same);
	}
	CHECK(plain > 10000); /* lines that split, not only refusals */
}

/* The summary lines flo-fit reads, one after another in a buffer. */
static void test_summary_lines(void)
{
	const char text[] = "c0000001,2,65.85714285714286,72.85714285714286,34.995,3,88.86,"
			    "1997-02-05,1998-05-12\r\n"
			    "c0000002,0,0,75.42857142857143,,1,690.57,1997-01-18,1997-01-18\n";
	const char *ends[9], *e = text + sizeof text - 1;
	const char *nl = flo_plain_line(text, e, ',', '"', 9, ends);
	CHECK(nl != NULL && nl[-1] == '\r');
	CHECK(ends[0] == text + 8 && ends[8] == nl - 1);
	const char *second = nl + 1;
	nl = flo_plain_line(second, e, ',', '"', 9, ends);
	CHECK(nl == e - 1);
	CHECK(ends[3] + 1 == ends[4]); /* the empty monetary */
	CHECK(flo_plain_line(second, e, ',', '"', 8, ends) == NULL);
	CHECK(flo_plain_line(second, e - 1, ',', '"', 9, ends) == NULL);
}

int main(void)
{
	test_random_lines(',', '"');
	test_random_lines('\t', '\\');
	test_summary_lines();
	return check_report();
}
