/* Unit tests for lib/base/num.c: strict parsing and shortest round-trip printing. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "base/num.h"

static int parse(const char *s, double *v)
{
	return flo_parse_double(s, strlen(s), v);
}

static void test_parse_valid(void)
{
	static const struct {
		const char *text;
		double want;
	} cases[] = {
		{"0", 0}, {"-0", 0}, {"1", 1}, {"+2.5", 2.5}, {" 12.5 ", 12.5},
		{"29.33", 29.33}, {".5", 0.5}, {"5.", 5}, {"1e3", 1000},
		{"1E-3", 0.001}, {"-1.25e+2", -125}, {"0.1", 0.1},
		{"123456789012345678901234567890", 123456789012345678901234567890.0},
		{"2.2250738585072014e-308", 2.2250738585072014e-308},
		{"1e-400", 0}, {"0.000000000000000000000000001", 1e-27},
		{"4.0", 4}, {"799.38", 799.38}, {"9007199254740993", 9007199254740992.0},
		/* eight fraction digits at a time, then one by one */
		{"78.57142857142857", 78.57142857142857}, {"1.2345678", 1.2345678},
		{"1.23456789", 1.23456789}, {"9.9999999999999999", 9.9999999999999999},
		{"0.000123456789012345", 0.000123456789012345},
		{"12345678901.12345678", 12345678901.12345678},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		double v = -1;
		CHECK_INT(parse(cases[i].text, &v), FLO_OK);
		/* The reference is the compiler's own reading of the literal. */
		CHECK(v == cases[i].want);
	}
	double v;
	CHECK_INT(parse("-0", &v), FLO_OK);
	CHECK(!signbit(v));
}

static void test_parse_invalid(void)
{
	static const char *const bad[] = {
		"", " ", "abc", "1,5", "0x10", "nan", "NaN", "inf", "-inf", "Infinity",
		"1e", "1e+", "--1", "+-1", "1.2.3", "12x", ".", "-", "1 2", "e5",
		/* a byte just past '9' or before '0' among eight after the point */
		"1.2345678:", "1.234567/8", "1.23456789:1", "1.1234567\x7f", "1.12345 78",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double v;
		int err = parse(bad[i], &v);
		CHECK(err == FLO_ENUMBER);
		if (err != FLO_ENUMBER)
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
	}
	double v;
	CHECK_INT(parse("1e400", &v), FLO_ERANGE);
	CHECK_INT(parse("-1e400", &v), FLO_ERANGE);
}

static void test_counts(void)
{
	double v;
	CHECK_INT(flo_parse_count("4.0", 3, &v), FLO_OK);
	CHECK(v == 4);
	CHECK_INT(flo_parse_count("4.5", 3, &v), FLO_EVALUE);
	CHECK_INT(flo_parse_count("-1", 2, &v), FLO_EVALUE);
	CHECK_INT(flo_parse_count("x", 1, &v), FLO_ENUMBER);
}

static void test_format(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0, "0"}, {-0.0, "0"}, {1, "1"}, {-42, "-42"}, {0.1, "0.1"},
		{22.345, "22.345"}, {1.0 / 3, "0.3333333333333333"},
		{38.857142857142854, "38.857142857142854"}, {1e21, "1e+21"},
		{9007199254740992.0, "9007199254740992"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
	};
	char buf[FLO_NUM_BUFSZ];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		flo_format_double(buf, cases[i].v);
		CHECK_STR(buf, cases[i].want);
	}
}

/* Every printed double reads back bit for bit, through our own parser. */
static void test_round_trip(void)
{
	uint64_t state = 0x853c49e6748fea9bull;
	char buf[FLO_NUM_BUFSZ];
	for (int i = 0; i < 200000; i++) {
		state = state * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t bits = state ^ (state >> 29);
		double v;
		memcpy(&v, &bits, sizeof v);
		if (!isfinite(v))
			continue;
		size_t n = flo_format_double(buf, v);
		double back;
		int err = flo_parse_double(buf, n, &back);
		CHECK_INT(err, FLO_OK);
		CHECK(back == v || (v == 0 && back == 0));
	}
}

/* The integer fast path must print exactly what printf's shortest %.Ng
 * does, over the values flo writes most: fractions of small integers,
 * amounts in cents, small probabilities, and random bit patterns. */
static void test_fast_matches_printf(void)
{
	uint64_t st = 88172645463325252ull;
	char fast[FLO_NUM_BUFSZ], slow[FLO_NUM_BUFSZ];
	int shown = 0;
	for (long i = 0; i < 2000000; i++) {
		st ^= st << 13, st ^= st >> 7, st ^= st << 17;
		double v;
		switch (i % 5) {
		case 0: memcpy(&v, &st, sizeof v); break;
		case 1: v = (double)(st % 100000000) / (double)(1 + (st >> 40) % 1000); break;
		case 2: v = (double)(st % 1000000) / 100.0; break;
		case 3: v = ldexp((double)(st >> 11), -(int)(st % 70)); break;
		/* small probabilities, 1e-28 to 1: 1e-11 and up on the fast path */
		default: v = ldexp((double)(st >> 11), -53 - (int)(st % 40)); break;
		}
		if (!isfinite(v) || (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v))
			continue;
		flo_format_double(fast, v);
		flo_format_double_slow(slow, v);
		if (strcmp(fast, slow) != 0 && shown++ < 5)
			fprintf(stderr, "  %.17g: fast %s, printf %s\n", v, fast, slow);
		CHECK(strcmp(fast, slow) == 0);
	}
}

/* Parsing the 15 to 19 significant digits printf writes gives exactly
 * strtod's double (the long double path and its double-rounding guard). */
static void test_parse_matches_strtod(void)
{
	uint64_t st = 0x9E3779B97F4A7C15ull;
	char buf[64];
	for (long i = 0; i < 1000000; i++) {
		st ^= st << 13, st ^= st >> 7, st ^= st << 17;
		double v;
		switch (i % 3) {
		case 0: memcpy(&v, &st, sizeof v); break;
		case 1: v = (double)(st % 100000000) / (double)(1 + (st >> 40) % 1000); break;
		default: v = ldexp((double)(st >> 11), -(int)(st % 80)); break;
		}
		if (!isfinite(v))
			continue;
		snprintf(buf, sizeof buf, "%.*g", 15 + (int)((st >> 60) % 5), v);
		double got = 0, want = strtod(buf, NULL);
		CHECK_INT(flo_parse_double(buf, strlen(buf), &got), FLO_OK);
		CHECK(got == want || (got == 0 && want == 0));
	}
}

/* The plain decimals (an optional minus, up to 19 digits, one point
 * anywhere, leading zeros) that flo_parse_double() reads in one pass: every
 * length and every place of the point is strtod's double; 20 digits, two
 * points, a lone point or minus go to the general grammar, which reads or
 * refuses them as before. */
static void test_parse_plain(void)
{
	uint64_t st = 0x853C49E6748FEA9Bull;
	char digits[32], buf[40];
	int shown = 0;
	for (int n = 1; n <= 20; n++)
		for (int at = 0; at <= n; at++)
			for (int i = 0; i < 400; i++) {
				st ^= st << 13, st ^= st >> 7, st ^= st << 17;
				for (int k = 0; k < n; k++)
					digits[k] = (char)('0' + (st >> (3 * k % 60)) % 10);
				if (i % 4 == 0)
					digits[0] = '0'; /* leading zeros */
				int neg = i % 3 == 0, len = 0;
				if (neg)
					buf[len++] = '-';
				memcpy(buf + len, digits, (size_t)at), len += at;
				if (at < n || i % 2)
					buf[len++] = '.';
				memcpy(buf + len, digits + at, (size_t)(n - at)), len += n - at;
				buf[len] = '\0';
				double got = 0, want = strtod(buf, NULL);
				CHECK_INT(flo_parse_double(buf, (size_t)len, &got), FLO_OK);
				if (want == 0)
					want = 0; /* flo reads -0 as 0 */
				if (memcmp(&got, &want, sizeof got) != 0 && shown++ < 5)
					fprintf(stderr, "  %s: got %.17g, strtod %.17g\n", buf, got, want);
				CHECK(memcmp(&got, &want, sizeof got) == 0);
			}
	static const char *const bad[] = {".", "-", "-.", "1.2.3", "1-", "--1", "1..", "1e",
					  "0x10", "1,5", "١"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double v;
		CHECK_INT(flo_parse_double(bad[i], strlen(bad[i]), &v), FLO_ENUMBER);
	}
}

/* The plain decimals' digits are read eight at a time after the point,
 * and the last one to seven through the eight bytes that end the text: a
 * byte that is not a digit anywhere in them (next to a digit's codes, a
 * second point, a minus, a byte past ASCII) is refused, at every place of
 * decimals of every length, with or without a minus. */
static void test_parse_plain_bad_byte(void)
{
	static const char wrong[] = {':', '/', '.', '-', 'a', ' ', ',', (char)0xB9, '\0'};
	char buf[32];
	int shown = 0;
	for (int neg = 0; neg <= 1; neg++)
		for (int n = 2; n <= 19; n++)
			for (int at = 0; at < n; at++) /* digits before the point */
				for (int bad = neg + at + 1; bad < neg + n + 1; bad++)
					for (size_t k = 0; k < sizeof wrong; k++) {
						int len = 0;
						if (neg)
							buf[len++] = '-';
						for (int d = 0; d < n; d++) {
							if (d == at)
								buf[len++] = '.';
							buf[len++] = (char)('1' + (d * 7 + n) % 9);
						}
						if (wrong[k] == ' ' && bad == len - 1)
							continue; /* a trailing blank is allowed */
						buf[bad] = wrong[k];
						double v = 0;
						int err = flo_parse_double(buf, (size_t)len, &v);
						if (err != FLO_ENUMBER && shown++ < 5)
							fprintf(stderr, "  %.*s: read as %.17g\n", len, buf, v);
						CHECK_INT(err, FLO_ENUMBER);
					}
}

/* Up to 19 digits with exponents -19 to 19 are rounded with 128-bit
 * integers (lib/base/num.c): every exponent, with mantissas of every length,
 * written with an exponent and with a decimal point, is strtod's double;
 * so are the ties, which round to even. */
static void test_parse_exact128(void)
{
	uint64_t st = 0x2545F4914F6CDD1Dull;
	char buf[64], point[64];
	int shown = 0;
	for (int q = -19; q <= 19; q++) {
		for (int i = 0; i < 20000; i++) {
			st ^= st << 13, st ^= st >> 7, st ^= st << 17;
			int digits = 1 + (int)(st % 19);
			uint64_t m = st >> 1;
			static const uint64_t lim[20] = { 1ull, 10ull, 100ull, 1000ull, 10000ull,
				100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull,
				10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
				100000000000000ull, 1000000000000000ull, 10000000000000000ull,
				100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull };
			m %= lim[digits];
			snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)m, q);
			double got = 0, want = strtod(buf, NULL);
			CHECK_INT(flo_parse_double(buf, strlen(buf), &got), FLO_OK);
			if (got != want && shown++ < 5)
				fprintf(stderr, "  %s: got %.17g, strtod %.17g\n", buf, got, want);
			CHECK(got == want);
			/* the same with a decimal point where it falls inside */
			if (q < 0 && -q < digits) {
				int n = snprintf(point, sizeof point, "%llu", (unsigned long long)m);
				if (n > -q) {
					memmove(point + n + q + 1, point + n + q, (size_t)(-q) + 1);
					point[n + q] = '.';
					CHECK_INT(flo_parse_double(point, strlen(point), &got), FLO_OK);
					CHECK(got == strtod(point, NULL));
				}
			}
		}
	}
	/* ties: 2^53 + 1 and + 3 are halfway between doubles; so is
	 * 2^52 + 1/2, written with a point */
	static const char *const ties[] = { "9007199254740993", "9007199254740995",
		"4503599627370496.5", "4503599627370497.5", "18014398509481986e0",
		"90071992547409930e-1", "1e19", "9999999999999999999e19",
		"0.0000000000000000001", "1234567890123456789e-19" };
	for (size_t i = 0; i < sizeof ties / sizeof *ties; i++) {
		double got = 0, want = strtod(ties[i], NULL);
		CHECK_INT(flo_parse_double(ties[i], strlen(ties[i]), &got), FLO_OK);
		if (got != want)
			fprintf(stderr, "  %s: got %.17g, strtod %.17g\n", ties[i], got, want);
		CHECK(got == want);
	}
}

/* flo_parse_money() is flo_money_of() of flo_parse_double(), bit for bit:
 * amounts of 0 to 9 decimals and 1 to 17 digits, signs, exponents and
 * blanks, and every amount next to where its fast path ends (2^51
 * millionths, 2251799813.685248) and to FLO_MONEY_EXACT_MAX.  Errors
 * agree too. */
static int same_money(const char *text)
{
	double v;
	struct flo_money got = {123, 4}, want;
	int err = flo_parse_money(text, strlen(text), &got);
	int err_double = flo_parse_double(text, strlen(text), &v);
	if (err != err_double)
		return 0;
	if (err != FLO_OK)
		return 1;
	want = flo_money_of(v);
	return got.micros == want.micros && memcmp(&got.rest, &want.rest, sizeof got.rest) == 0;
}

static void test_parse_money(void)
{
	uint64_t st = 0x243F6A8885A308D3ull;
	char buf[64];
	int shown = 0;
	for (long i = 0; i < 1000000; i++) {
		st ^= st << 13, st ^= st >> 7, st ^= st << 17;
		int digits = 1 + (int)(st % 17), decimals = (int)((st >> 8) % 10);
		unsigned long long m = (st >> 12) % 100000000000000000ull;
		static const unsigned long long lim[18] = { 1ull, 10ull, 100ull, 1000ull,
			10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
			1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
			10000000000000ull, 100000000000000ull, 1000000000000000ull,
			10000000000000000ull, 100000000000000000ull };
		m %= lim[digits];
		int n = snprintf(buf, sizeof buf, "%s%0*llu", (st >> 60) % 4 == 0 ? "-" : "",
				 decimals + 1, m);
		if (decimals > 0) { /* a point before the last `decimals` digits */
			memmove(buf + n - decimals + 1, buf + n - decimals, (size_t)decimals + 1);
			buf[n - decimals] = '.';
		}
		if ((st >> 56) % 8 == 0)
			snprintf(buf + strlen(buf), 16, "e%d", (int)((st >> 40) % 13) - 6);
		if (!same_money(buf) && shown++ < 5)
			fprintf(stderr, "  flo_parse_money(\"%s\") is not flo_money_of()\n", buf);
		CHECK(same_money(buf));
	}
	static const char *const edges[] = {
		"2251799813.685247", "2251799813.685248", "2251799813.685249",
		"-2251799813.685247", "-2251799813.685248", "2251799813.6852475",
		"2251799813.68", "2251799814", "9000000000", "9000000000.000001",
		"8999999999.999999", "0.000001", "0.0000005", "0.0000015", "-0.000000",
		"-0", "1e-6", "1e9", "1e10", "0.1e-5", " 12.50 ", "12.5e1", "1,5", "",
		"abc", "1e400", "0.00000000000000000001", "12345678901234567890",
		"000000000000000000001.25", "1.000000000000000000001",
	};
	for (size_t k = 0; k < sizeof edges / sizeof *edges; k++) {
		if (!same_money(edges[k]))
			fprintf(stderr, "  flo_parse_money(\"%s\") is not flo_money_of()\n", edges[k]);
		CHECK(same_money(edges[k]));
	}
	struct flo_money m;
	CHECK_INT(flo_parse_money("18.87", 5, &m), FLO_OK);
	CHECK(m.micros == 18870000 && m.rest == 0);
	CHECK_INT(flo_parse_money("-0.000001", 9, &m), FLO_OK);
	CHECK(m.micros == -1 && m.rest == 0);
	CHECK_INT(flo_parse_money("1e-7", 4, &m), FLO_OK);
	CHECK(m.micros == 0 && m.rest == 1e-7);
}

int main(void)
{
	test_parse_money();
	test_parse_exact128();
	test_parse_matches_strtod();
	test_parse_plain_bad_byte();
	test_parse_plain();
	test_fast_matches_printf();
	test_parse_valid();
	test_parse_invalid();
	test_counts();
	test_format();
	test_round_trip();
	return check_report();
}
