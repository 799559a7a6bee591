/* num.c: strict, locale-independent number parsing and shortest round-trip
 * printing. */
#include "base/num.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

/* Powers of ten that a double holds exactly: the fast path below multiplies or
 * divides an exact integer by one of them, and IEEE 754 rounds that single
 * operation correctly, so the result equals strtod's (Clinger 1990). */
static const double exact_pow10[] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- up to 19 digits, exponents -19 to 19: exact integer arithmetic ----
 *
 * The 16 to 19 digits flo itself writes (17 for most non-terminating values:
 * recency and T in weeks) are past the exact double path above, and were
 * the largest cost of reading flo-fit's and flo-score's input.  The
 * decimal m 10^q (m < 2^64) is rounded here with integers only:
 *   q >= 0: m 10^q is an exact 128-bit product (10^q < 2^64), rounded to
 *   53 bits, ties to even;
 *   q < 0: m / 10^k, k = -q, is m R_k / 2^(127+b_k), with
 *   R_k = ceil(2^(127+b_k) / 10^k) in [2^127, 2^128) (b_k the bit length of
 *   10^k).  The 192-bit product m R_k exceeds the exact m 2^(127+b_k)/10^k
 *   by less than m < 2^64, so its top 128 bits are the exact value's or one
 *   more, and the rounding decision they give is the exact one unless the
 *   bits below the 53 kept are exactly half: that case goes on to the
 *   slower paths.  The method is that of Clinger's and Lemire's fast paths
 *   (W. D. Clinger, "How to read floating point numbers accurately", PLDI
 *   1990; D. Lemire, "Number parsing at a gigabyte per second", Software:
 *   Practice and Experience 51(8), 2021), specialised to the exponents a
 *   128-bit integer covers. */

struct reciprocal {
	uint64_t hi, lo; /* R_k */
	int bits;        /* b_k */
};

/* R_k and b_k for k = 1..19, made by exact integer arithmetic (Python):
 *   b = (10**k).bit_length(); R = -(-(1 << (127 + b)) // 10**k)
 * tests/unit/test_num.c parses every k against strtod. */
static const struct reciprocal pow10_reciprocal[20] = {
	{0, 0, 0}, /* k = 0: unused */
	{UINT64_C(0xcccccccccccccccc), UINT64_C(0xcccccccccccccccd), 4},
	{UINT64_C(0xa3d70a3d70a3d70a), UINT64_C(0x3d70a3d70a3d70a4), 7},
	{UINT64_C(0x83126e978d4fdf3b), UINT64_C(0x645a1cac083126ea), 10},
	{UINT64_C(0xd1b71758e219652b), UINT64_C(0xd3c36113404ea4a9), 14},
	{UINT64_C(0xa7c5ac471b478423), UINT64_C(0x0fcf80dc33721d54), 17},
	{UINT64_C(0x8637bd05af6c69b5), UINT64_C(0xa63f9a49c2c1b110), 20},
	{UINT64_C(0xd6bf94d5e57a42bc), UINT64_C(0x3d32907604691b4d), 24},
	{UINT64_C(0xabcc77118461cefc), UINT64_C(0xfdc20d2b36ba7c3e), 27},
	{UINT64_C(0x89705f4136b4a597), UINT64_C(0x31680a88f8953031), 30},
	{UINT64_C(0xdbe6fecebdedd5be), UINT64_C(0xb573440e5a884d1c), 34},
	{UINT64_C(0xafebff0bcb24aafe), UINT64_C(0xf78f69a51539d749), 37},
	{UINT64_C(0x8cbccc096f5088cb), UINT64_C(0xf93f87b7442e45d4), 40},
	{UINT64_C(0xe12e13424bb40e13), UINT64_C(0x2865a5f206b06fba), 44},
	{UINT64_C(0xb424dc35095cd80f), UINT64_C(0x538484c19ef38c95), 47},
	{UINT64_C(0x901d7cf73ab0acd9), UINT64_C(0x0f9d37014bf60a11), 50},
	{UINT64_C(0xe69594bec44de15b), UINT64_C(0x4c2ebe687989a9b4), 54},
	{UINT64_C(0xb877aa3236a4b449), UINT64_C(0x09befeb9fad487c3), 57},
	{UINT64_C(0x9392ee8e921d5d07), UINT64_C(0x3aff322e62439fd0), 60},
	{UINT64_C(0xec1e4a7db69561a5), UINT64_C(0x2b31e9e3d06c32e6), 64},
};

/* 10^k, k = 0..19: also the integer printing's */
static const uint64_t pow10_u64[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

typedef unsigned __int128 u128;

static int bit_length(u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);
	return hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)v);
}

/* v 2^e rounded to a double, v >= 2^53; 0 when v's bits below the 53 kept
 * are exactly half and `ambiguous_half`, or the result is not a normal
 * double. */
static int round_scaled(u128 v, int e, int ambiguous_half, double *out)
{
	int shift = bit_length(v) - 53;
	u128 rest = v & (((u128)1 << shift) - 1), half = (u128)1 << (shift - 1);
	uint64_t m = (uint64_t)(v >> shift);
	if (rest == half && ambiguous_half)
		return 0;
	if (rest > half || (rest == half && (m & 1)))
		m++;
	if (m >> 53) { /* rounded up to the next power of two */
		m >>= 1;
		shift++;
	}
	int exp2 = e + shift; /* the value is m 2^exp2, 2^52 <= m < 2^53 */
	if (exp2 + 52 > 1023 || exp2 + 52 < -1022)
		return 0;
	uint64_t bits = ((uint64_t)(exp2 + 52 + 1023) << 52) | (m & ((1ull << 52) - 1));
	memcpy(out, &bits, sizeof *out);
	return 1;
}

static int parse_exact128(uint64_t mantissa, long scale, int negative, double *out)
{
	double v;
	if (mantissa == 0 || scale < -19 || scale > 19)
		return 0;
	if (scale >= 0) {
		u128 p = (u128)mantissa * pow10_u64[scale];
		if (p < ((u128)1 << 53))
			v = (double)(uint64_t)p; /* exact */
		else if (!round_scaled(p, 0, 0, &v))
			return 0;
	} else {
		const struct reciprocal *r = &pow10_reciprocal[-scale];
		u128 lo = (u128)mantissa * r->lo, top = (u128)mantissa * r->hi + (lo >> 64);
		/* top = floor(m R / 2^64) >= 2^63: the value is top 2^(64-127-b) */
		if (!round_scaled(top, 64 - 127 - r->bits, 1, &v))
			return 0;
	}
	*out = negative ? -v : v;
	return 1;
}

/* The 16 to 19 digits flo itself writes (17 for most non-terminating
 * values) are past the exact double path.  Where long double is the x87
 * 64-bit format, m (< 2^64) and 10^k (k <= 27) are exact, one multiplication
 * or division rounds correctly to 64 bits, and rounding that to a double
 * is then correct unless it lands exactly halfway between two doubles
 * (double rounding): that case, and any other long double, go to strtod. */
static int parse_extended(uint64_t mantissa, long scale, int negative, double *out)
{
#if LDBL_MANT_DIG == 64
	static const long double pow10l[] = {
		1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
		1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
		1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
	};
	long double x = (long double)mantissa;
	x = scale < 0 ? x / pow10l[-scale] : x * pow10l[scale];
	if (!(x >= 0x1p-1022L && x < 0x1p1023L)) /* subnormal or huge: strtod */
		return 0;
	/* The x87 format keeps its 64-bit significand, explicit leading bit
	 * included, in the first eight bytes (little-endian). */
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	if ((bits & 0x7FF) == 0x400)
		return 0;
	double v = (double)x;
	*out = negative ? -v : v;
	return 1;
#else
	(void)mantissa, (void)scale, (void)negative, (void)out;
	return 0;
#endif
}

/* Eight ASCII digits in w, the first (most significant) in its lowest
 * byte: whether they are all digits, and their value.  A byte is a digit
 * when its high nibble is 3 and stays 3 after adding 6 (0x30..0x39;
 * 0x3A..0x3F carry to 4).  The value is built in three rounds of pairs:
 * bytes b0 b1 .. become 10 b0 + b1 in 16-bit lanes, those 100 p0 + p1 in
 * 32-bit lanes, and those 10^4 q0 + q1: no lane overflows. */
static inline int eight_digits_word(uint64_t w, uint32_t *value)
{
	const uint64_t high = 0xF0F0F0F0F0F0F0F0ull, threes = 0x3030303030303030ull;
	if ((w & high) != threes || ((w + 0x0606060606060606ull) & high) != threes)
		return 0;
	uint64_t d = w - threes;
	d = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFull;
	d = (d * 100 + (d >> 16)) & 0x0000FFFF0000FFFFull;
	d = (d * 10000 + (d >> 32)) & 0xFFFFFFFFull;
	*value = (uint32_t)d;
	return 1;
}

/* The eight bytes at s, the first in the lowest byte. */
static inline uint64_t load8(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		w = __builtin_bswap64(w);
	return w;
}

/* Eight ASCII digits at s: eight_digits_word(). */
static int eight_digits(const char *s, uint32_t *value)
{
	return eight_digits_word(load8(s), value);
}

/* A decimal's digits: mantissa 10^scale, the mantissa holding its first
 * `digits` significant digits up to 19 (more are past the mantissa). */
struct decimal {
	uint64_t mantissa;
	long scale;
	int digits, negative;
};

/* The grammar of flo_parse_double(), read into d; FLO_ENUMBER. */
static int read_decimal(const char *s, size_t len, struct decimal *d)
{
	while (len > 0 && is_blank(s[0]))
		s++, len--;
	while (len > 0 && is_blank(s[len - 1]))
		len--;

	size_t i = 0;
	int negative = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		negative = s[i++] == '-';

	uint64_t mantissa = 0;
	int digits = 0, scale = 0, int_digits = 0, frac_digits = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
		if (mantissa == 0 && s[i] == '0')
			continue;
		if (digits < 19)
			mantissa = mantissa * 10 + (uint64_t)(s[i] - '0'), digits++;
		else
			scale++, digits++;
	}
	if (i < len && s[i] == '.') {
		/* Past the leading zeros, eight digits at a time while they fit
		 * in the 19 kept (17-digit weeks: most of the cost). */
		uint32_t eight;
		for (i++; mantissa != 0 && digits <= 11 && len - i >= 8 && eight_digits(s + i, &eight);
		     i += 8, frac_digits += 8) {
			mantissa = mantissa * 100000000 + eight;
			scale -= 8;
			digits += 8;
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
			if (mantissa == 0 && s[i] == '0') {
				scale--;
				continue;
			}
			if (digits < 19) {
				mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
				scale--;
			}
			digits++;
		}
	}
	if (int_digits + frac_digits == 0)
		return FLO_ENUMBER;

	long exponent = 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		int exp_negative = 0;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			exp_negative = s[i++] == '-';
		if (i >= len || s[i] < '0' || s[i] > '9')
			return FLO_ENUMBER;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (exponent < 100000)
				exponent = exponent * 10 + (s[i] - '0');
		if (exp_negative)
			exponent = -exponent;
	}
	if (i != len)
		return FLO_ENUMBER;
	*d = (struct decimal){mantissa, scale + exponent, digits, negative};
	return FLO_OK;
}

/* The double nearest to d, the decimal written in s[0..len). */
static int decimal_to_double(const struct decimal *d, const char *s, size_t len, double *out)
{
	uint64_t mantissa = d->mantissa;
	long total_scale = d->scale;
	int digits = d->digits, negative = d->negative;
	if (digits <= 15 && total_scale >= -22 && total_scale <= 22) {
		double v = (double)mantissa;
		if (total_scale < 0)
			v /= exact_pow10[-total_scale];
		else
			v *= exact_pow10[total_scale];
		*out = negative && v != 0 ? -v : v;
		return FLO_OK;
	}

	if (digits <= 19 && parse_exact128(mantissa, total_scale, negative, out))
		return FLO_OK;

	if (digits <= 19 && total_scale >= -27 && total_scale <= 27 &&
	    parse_extended(mantissa, total_scale, negative, out))
		return FLO_OK;

	/* Slow path: strtod needs a NUL-terminated copy; the grammar is already
	 * checked, so strtod cannot see hex, nan or inf here. */
	char stack[128];
	char *copy = len < sizeof stack ? stack : malloc(len + 1);
	if (copy == NULL)
		return FLO_ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	errno = 0;
	double v = strtod(copy, NULL);
	int overflow = errno == ERANGE && isinf(v);
	if (copy != stack)
		free(copy);
	if (overflow)
		return FLO_ERANGE;
	*out = v == 0 ? 0.0 : v; /* underflow to 0 is fine; -0 becomes 0 */
	return FLO_OK;
}

/* The plain decimal that nearly every number in flo's input is: an
 * optional minus, 1 to 19 digits with at most one point among them, nothing
 * else (no blank, plus or exponent).  One pass over the bytes instead of
 * read_decimal()'s several; after the point, eight digits at a time, and
 * the last one to seven as the eight bytes that end the text, those before
 * them made '0' (on summaries, where most numbers have 17 digits, a third
 * of the instructions of a digit at a time).  1 with *out as
 * decimal_to_double() gives it; 0 for anything else, which the general
 * grammar then reads (or refuses). */
static int plain_decimal(const char *s, size_t len, double *out)
{
	const char *const end = s + len;
	const size_t text_len = len;
	int negative = len > 0 && s[0] == '-';
	s += negative, len -= (size_t)negative;
	if (len == 0 || len > 20)
		return 0;
	uint64_t m = 0;
	size_t i = 0;
	for (unsigned d; i < len && (d = (unsigned)(unsigned char)s[i] - '0') < 10; i++)
		m = m * 10 + d;
	long scale = 0;
	if (i == len) {
		if (len > 19)
			return 0; /* past 64 bits */
	} else {
		/* a point, then only digits: len - 1 of them in all, 1 to 19 */
		if (s[i] != '.' || len == 1)
			return 0;
		scale = -(long)(len - ++i);
		uint32_t v;
		for (; len - i >= 8; i += 8) {
			if (!eight_digits(s + i, &v))
				return 0;
			m = m * 100000000 + v;
		}
		size_t rest = len - i;
		if (rest > 0 && text_len >= 8) {
			/* lanes 8 - rest .. 7 are the rest; the lanes before
			 * them, read already, become '0' */
			const uint64_t keep = ~UINT64_C(0) << (8 * (8 - rest));
			uint64_t w = (load8(end - 8) & keep) | (0x3030303030303030ull & ~keep);
			if (!eight_digits_word(w, &v))
				return 0;
			m = m * pow10_u64[rest] + v;
		} else {
			for (unsigned d; i < len; i++) {
				if ((d = (unsigned)(unsigned char)s[i] - '0') >= 10)
					return 0;
				m = m * 10 + d;
			}
		}
	}
	double v;
	if (m <= (UINT64_C(1) << 53)) { /* exact, as is 10^-scale <= 10^19 */
		v = (double)m;
		if (scale < 0)
			v /= exact_pow10[-scale];
	} else if (!parse_exact128(m, scale, 0, &v)) {
		return 0;
	}
	*out = negative && v != 0 ? -v : v;
	return 1;
}

int flo_parse_double(const char *s, size_t len, double *out)
{
	if (plain_decimal(s, len, out))
		return FLO_OK;
	struct decimal d;
	int err = read_decimal(s, len, &d);
	return err != FLO_OK ? err : decimal_to_double(&d, s, len, out);
}

/* Counts of millionths below this come back whole from the double nearest
 * to them (see below). */
#define MICROS_SURE ((uint64_t)1 << 51)

int flo_parse_money(const char *s, size_t len, struct flo_money *out)
{
	struct decimal d;
	int err = read_decimal(s, len, &d);
	if (err != FLO_OK)
		return err;
	/* A decimal of at most 15 digits and six decimals is a whole number
	 * m of millionths, found without dividing.  It is what flo_money_of()
	 * makes of the double v nearest to it, when m < 2^51: v and v 1e6
	 * each round with a relative error of at most 2^-53, so v 1e6 is
	 * within 2 m 2^-53 < 0.5 of m and rounds to it, and m / 1e6, rounded,
	 * is v again. */
	if (d.digits <= 15 && d.scale >= -6 && d.scale <= 9) {
		uint64_t scale = (uint64_t)exact_pow10[d.scale + 6];
		if (d.mantissa < MICROS_SURE / scale) {
			int64_t micros = (int64_t)(d.mantissa * scale);
			*out = (struct flo_money){d.negative ? -micros : micros, 0};
			return FLO_OK;
		}
	}
	double v;
	if ((err = decimal_to_double(&d, s, len, &v)) != FLO_OK)
		return err;
	*out = flo_money_of(v);
	return FLO_OK;
}

int flo_no_number(const char *s, size_t len)
{
	return len == 0 || (len == 3 && strncasecmp(s, "nan", 3) == 0);
}

int flo_parse_count(const char *s, size_t len, double *out)
{
	double v;
	int err = flo_parse_double(s, len, &v);
	if (err)
		return err;
	if (v < 0 || v != floor(v) || v > 9007199254740992.0)
		return FLO_EVALUE;
	*out = v;
	return FLO_OK;
}

static size_t format_integer(char *buf, int64_t v)
{
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		buf[k++] = '-';
	while (n > 0)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

/* The n decimal digits of v (leading zeros included), two at a time: a
 * division per pair instead of per digit. */
static void write_digits(char *d, uint64_t v, int n)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	int i = n;
	while (i >= 2) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		d[--i] = pairs[2 * r + 1];
		d[--i] = pairs[2 * r];
	}
	if (i == 1)
		d[0] = (char)('0' + v % 10);
}

/* %.Ng-style notation of the n-digit integer `digits` whose first digit
 * stands for 10^e10, trailing zeros (and a bare point) removed: fixed for
 * -4 <= e10 < n, else d.ddde-XX, as printf's %g chooses. */
static size_t g_notation(char *buf, int negative, uint64_t digits, int n, int e10)
{
	char d[20];
	write_digits(d, digits, n);
	while (n > 1 && d[n - 1] == '0')
		n--;
	size_t k = 0;
	if (negative)
		buf[k++] = '-';
	if (e10 < -4) {
		buf[k++] = d[0];
		if (n > 1) {
			buf[k++] = '.';
			memcpy(buf + k, d + 1, (size_t)n - 1);
			k += (size_t)n - 1;
		}
		int x = -e10;
		buf[k++] = 'e';
		buf[k++] = '-';
		if (x >= 100)
			buf[k++] = (char)('0' + x / 100);
		buf[k++] = (char)('0' + x / 10 % 10);
		buf[k++] = (char)('0' + x % 10);
	} else if (e10 < 0) {
		buf[k++] = '0';
		buf[k++] = '.';
		for (int i = -1; i > e10; i--)
			buf[k++] = '0';
		memcpy(buf + k, d, (size_t)n);
		k += (size_t)n;
	} else if (e10 + 1 >= n) { /* whole: the digits, then zeros */
		memcpy(buf + k, d, (size_t)n);
		k += (size_t)n;
		for (int i = n; i <= e10; i++)
			buf[k++] = '0';
	} else { /* the integer digits, the point, the fraction's */
		memcpy(buf + k, d, (size_t)e10 + 1);
		k += (size_t)e10 + 1;
		buf[k++] = '.';
		memcpy(buf + k, d + e10 + 1, (size_t)(n - e10 - 1));
		k += (size_t)(n - e10 - 1);
	}
	buf[k] = '\0';
	return k;
}


/* 5^k, k = 0..27: 10^k = 5^k 2^k, and the 2^k joins the binary exponent */
static const uint64_t pow5_u64[28] = {
	1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull, 78125ull, 390625ull,
	1953125ull, 9765625ull, 48828125ull, 244140625ull, 1220703125ull, 6103515625ull,
	30517578125ull, 152587890625ull, 762939453125ull, 3814697265625ull,
	19073486328125ull, 95367431640625ull, 476837158203125ull, 2384185791015625ull,
	11920928955078125ull, 59604644775390625ull, 298023223876953125ull,
	1490116119384765625ull, 7450580596923828125ull,
};

/* Whether the candidate c (in units of 10^-k) reads back as v = m 2^-shift:
 * |c/10^k - v| must stay under half a unit in the last place of m, 2^-shift
 * / 2, which multiplied by 10^k = 5^k 2^k and divided by 2^k is
 * |c 2^(shift-k) - m 5^k| < 5^k / 2: given s = shift - k and p = m 5^k,
 * ties to the even mantissa, and a quarter below a power of two, where the
 * gap below is half as wide. */
static int reads_back(unsigned __int128 c, int s, unsigned __int128 p, uint64_t pow5, uint64_t m)
{
	unsigned __int128 back = c << s;
	int below = back < p;
	unsigned __int128 diff2 = 2 * (below ? p - back : back - p);
	if (below && m == ((uint64_t)1 << 52))
		diff2 *= 2;
	return diff2 < pow5 || (diff2 == pow5 && (m & 1) == 0);
}

/* round(p / 2^s), ties to even, s >= 1. */
static unsigned __int128 round_shift(unsigned __int128 p, int s)
{
	unsigned __int128 half = (unsigned __int128)1 << (s - 1);
	unsigned __int128 d = (p + half) >> s;
	if ((p & (((unsigned __int128)1 << s) - 1)) == half && (d & 1))
		d--;
	return d;
}

/* The shortest of 15, 16 or 17 significant digits that reads back as v, for
 * 1e-11 <= |v| < 1e15, v not whole: the case of nearly every number flo
 * writes (probabilities of a few in a million included).  Exact integer
 * arithmetic replaces printf and strtod: with v = m 2^-shift (m < 2^53),
 * the 17-digit decimal is D = round(v 10^k) = round(m 5^k / 2^(shift-k)) for
 * the k that gives 17 digits, k <= 27 so that 5^k fits in 64 bits and m 5^k
 * in 117.  The 16- and 15-digit candidates are D rounded to fewer digits,
 * which is the exact rounding of v unless the digits dropped are exactly
 * half (then they are computed afresh), and each is checked to read back as
 * v.  Returns 0 when v is outside the range, for printf to do. */
static size_t format_fast(char *buf, double v)
{
	int negative = v < 0;
	double a = fabs(v);
	if (!(a >= 1e-11 && a < 1e15))
		return 0;
	uint64_t bits;
	memcpy(&bits, &a, sizeof bits);
	int biased = (int)(bits >> 52); /* a is normal and positive here */
	uint64_t m = (bits & (((uint64_t)1 << 52) - 1)) | ((uint64_t)1 << 52);
	int shift = 1075 - biased;      /* a = m 2^-shift */
	/* floor((e2 - 1) log10 2), e2 = 53 - shift, is e10 or one less. */
	int e10 = (int)(((int64_t)(52 - shift) * 78913) >> 18);
	unsigned __int128 p, d;
	int k;
	for (int tries = 0;; tries++) {
		k = 16 - e10;
		if (k < 2 || k > 27 || shift - k < 1 || tries == 3)
			return 0;
		p = (unsigned __int128)m * pow5_u64[k];
		d = round_shift(p, shift - k);
		if (d >= pow10_u64[17])
			e10++;
		else if (d < pow10_u64[16])
			e10--;
		else
			break;
	}
	for (int n = 15; n < 17; n++) {
		/* d < 10^17: 64-bit division by a constant (a multiplication),
		 * not the library's 128-bit one nor a division instruction */
		uint64_t d64 = (uint64_t)d, t = n == 15 ? 100 : 10;
		uint64_t q = n == 15 ? d64 / 100 : d64 / 10, r = d64 - q * t;
		unsigned __int128 dn;
		if (2 * r == t) {
			/* exactly half: the 17 digits hide which way v rounds */
			int kn = k - (17 - n); /* >= 0: k >= 2 */
			unsigned __int128 pn = (unsigned __int128)m * pow5_u64[kn];
			dn = round_shift(pn, shift - kn);
			if (reads_back(dn, shift - kn, pn, pow5_u64[kn], m))
				return g_notation(buf, negative, (uint64_t)dn, n, e10);
			continue;
		}
		dn = q + (2 * r > t);
		if (reads_back(dn * t, shift - k, p, pow5_u64[k], m)) {
			int e = e10;
			if (dn == pow10_u64[n]) /* 99..9 rounded up to 10..0 */
				dn /= 10, e++;
			return g_notation(buf, negative, (uint64_t)dn, n, e);
		}
	}
	return g_notation(buf, negative, (uint64_t)d, 17, e10);
}

size_t flo_format_double(char *buf, double v)
{
	if (v == 0)
		return buf[0] = '0', buf[1] = '\0', 1;
	/* Whole numbers (counts, most dates-as-numbers) skip printf entirely. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v)
		return format_integer(buf, (int64_t)v);
	size_t n = format_fast(buf, v);
	if (n > 0)
		return n;
	return flo_format_double_slow(buf, v);
}

/* Shortest of 15, 16, 17 significant digits that reads back exactly; 17
 * always does for a binary64.  The reference for format_fast(). */
size_t flo_format_double_slow(char *buf, double v)
{
	if (v == 0)
		return buf[0] = '0', buf[1] = '\0', 1;
	for (int precision = 15; precision < 17; precision++) {
		int n = snprintf(buf, FLO_NUM_BUFSZ, "%.*g", precision, v);
		if (strtod(buf, NULL) == v)
			return (size_t)n;
	}
	return (size_t)snprintf(buf, FLO_NUM_BUFSZ, "%.17g", v);
}
