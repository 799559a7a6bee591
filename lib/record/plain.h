/* plain.h: the plain CSV or TSV line, split in one pass over its bytes.
 *
 * Nearly every line of an order log is plain: one line with the header's
 * number of fields and nothing to decode (no quote in CSV, no backslash in
 * TSV).  Such a line is its fields joined by the separator, so splitting it
 * is finding the separators.  The reader (reader.c) and the threaded
 * scanners of order lines and summaries (orderscan.c, fitscan.c) all split
 * plain lines here, so they cannot disagree on which lines are plain;
 * anything else goes to the reader's general path. */
#ifndef FLO_PLAIN_H
#define FLO_PLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(FLO_PLAIN_PORTABLE)
#include <emmintrin.h>
#endif

#define FLO_LANES(c) (0x0101010101010101ull * (unsigned char)(c))

/* Bytes of w equal to the byte in every lane of `lanes`: the high bit set
 * in exactly those lanes (no borrow runs from lane to lane: each lane's
 * low seven bits plus 0x7F stay inside it). */
static inline uint64_t flo_bytes_equal_exact(uint64_t w, uint64_t lanes)
{
	const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
	uint64_t x = w ^ lanes;
	return ~(((x & low7) + low7) | x | low7);
}

/* The bytes of s[0..min(n, 16)) equal to sep, a newline or esc, as a
 * mask, bit i for byte i: sixteen at a time by SSE2 (every x86-64 has it)
 * where all sixteen can be read, else eight at a time (the lowest lane
 * first: little-endian) or one at a time.  FLO_PLAIN_PORTABLE leaves SSE2
 * out (tests/unit/test_plain.c compares the two). */
static inline uint32_t flo_plain_mask(const char *s, ptrdiff_t n, char sep, char esc)
{
#if defined(__SSE2__) && !defined(FLO_PLAIN_PORTABLE)
	if (n >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(sep)),
							_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
					   _mm_cmpeq_epi8(v, _mm_set1_epi8(esc)));
		return (uint32_t)_mm_movemask_epi8(hit);
	}
#endif
	uint32_t m = 0;
	ptrdiff_t i = 0;
	for (; i < 16 - 7 && n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
			w = __builtin_bswap64(w);
		uint64_t b = flo_bytes_equal_exact(w, FLO_LANES(sep)) |
			     flo_bytes_equal_exact(w, FLO_LANES('\n')) |
			     flo_bytes_equal_exact(w, FLO_LANES(esc));
		/* the high bit of each lane to one bit a byte */
		for (; b != 0; b &= b - 1)
			m |= UINT32_C(1) << (i + __builtin_ctzll(b) / 8);
	}
	for (; i < n && i < 16; i++)
		if (s[i] == sep || s[i] == '\n' || s[i] == esc)
			m |= UINT32_C(1) << i;
	return m;
}

/* The plain line of nfields fields at s, its newline before e: the address
 * of that newline, with ends[i] the end of field i (field 0 starts at s,
 * field i > 0 one byte after ends[i - 1]; the last field's end leaves out
 * the CR of a CRLF).  NULL when the line is not plain: an escape byte, a
 * field count other than nfields, an empty line, or no newline before e
 * (the line may go on in bytes not yet read).
 *
 * Sixteen bytes at a time, every separator, newline and escape byte of
 * them taken from one mask (flo_plain_mask()), so that a block of several
 * short fields is loaded and compared once. */
static inline const char *flo_plain_line(const char *s, const char *e, char sep, char esc,
					 size_t nfields, const char **ends)
{
	size_t nf = 0;
	for (const char *p = s; p < e; p += 16) {
		uint32_t m = flo_plain_mask(p, e - p, sep, esc);
		for (; m != 0; m &= m - 1) {
			const char *q = p + __builtin_ctz(m);
			if (*q == esc || nf == nfields)
				return NULL;
			if (*q != '\n') {
				ends[nf++] = q;
				continue;
			}
			const char *fe = q > s && q[-1] == '\r' ? q - 1 : q; /* CRLF */
			if (nf + 1 != nfields || fe == s)
				return NULL; /* a field count error or an empty line */
			ends[nf] = fe;
			return q;
		}
	}
	return NULL;
}

/* Field i of the plain line at s whose field ends flo_plain_line() gave:
 * its first byte, and its length in *len. */
static inline const char *flo_plain_field(const char *s, const char *const *ends, size_t i,
					  size_t *len)
{
	const char *f = i == 0 ? s : ends[i - 1] + 1;
	*len = (size_t)(ends[i] - f);
	return f;
}

#endif
