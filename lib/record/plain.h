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

/* The plain line of nfields fields at s, its newline before e: the address
 * of that newline, with ends[i] the end of field i (field 0 starts at s,
 * field i > 0 one byte after ends[i - 1]; the last field's end leaves out
 * the CR of a CRLF).  NULL when the line is not plain: an escape byte, a
 * field count other than nfields, an empty line, or no newline before e
 * (the line may go on in bytes not yet read).
 *
 * Eight bytes at a time, every separator, newline and escape byte of a
 * word taken from one mask (lowest lane first: little-endian), so that a
 * word of several short fields is loaded and compared once. */
static inline const char *flo_plain_line(const char *s, const char *e, char sep, char esc,
					 size_t nfields, const char **ends)
{
	const uint64_t sep_lanes = FLO_LANES(sep), esc_lanes = FLO_LANES(esc),
		       nl_lanes = FLO_LANES('\n');
	size_t nf = 0;
	for (const char *p = s; p < e; p += 8) {
		uint64_t m = 0;
		if (e - p >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
				w = __builtin_bswap64(w);
			m = flo_bytes_equal_exact(w, sep_lanes) | flo_bytes_equal_exact(w, nl_lanes) |
			    flo_bytes_equal_exact(w, esc_lanes);
		} else {
			for (int i = 0; i < e - p; i++)
				if (p[i] == sep || p[i] == '\n' || p[i] == esc)
					m |= UINT64_C(0x80) << (8 * i);
		}
		for (; m != 0; m &= m - 1) {
			const char *q = p + __builtin_ctzll(m) / 8;
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
