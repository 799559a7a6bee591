/* plain.h: the plain CSV or TSV line, split in one pass over its bytes.
 *
 * Nearly every line of an order log is plain: one line with the header's
 * number of fields and nothing to decode (no quote in CSV, no backslash in
 * TSV).  Such a line is its fields joined by the separator, so splitting it
 * is finding the separators.  The reader (reader.c) and the parallel order
 * scanner (orderscan.c) both split plain lines here, so the two cannot
 * disagree on which lines are plain; anything else goes to the reader's
 * general path. */
#ifndef FLO_PLAIN_H
#define FLO_PLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes of w equal to the byte in every lane of `lanes`: the high bit set
 * in each such lane (and possibly in lanes above the lowest match, which
 * the callers never look at). */
static inline uint64_t flo_bytes_equal(uint64_t w, uint64_t lanes)
{
	uint64_t x = w ^ lanes;
	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

#define FLO_LANES(c) (0x0101010101010101ull * (unsigned char)(c))

/* The first separator, newline or escape byte in [p, e), or e. */
static inline const char *flo_next_special(const char *p, const char *e, uint64_t sep,
					   uint64_t esc)
{
	/* Eight bytes at a time (little-endian: the lowest set lane is the
	 * first byte), then the tail one by one. */
	while (e - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
			w = __builtin_bswap64(w);
		uint64_t m = flo_bytes_equal(w, sep) | flo_bytes_equal(w, FLO_LANES('\n')) |
			     flo_bytes_equal(w, esc);
		if (m != 0)
			return p + __builtin_ctzll(m) / 8;
		p += 8;
	}
	const char c_sep = (char)sep, c_esc = (char)esc;
	while (p < e && *p != c_sep && *p != '\n' && *p != c_esc)
		p++;
	return p;
}

/* The plain line of nfields fields at s, its newline before e: the address
 * of that newline, with ends[i] the end of field i (field 0 starts at s,
 * field i > 0 one byte after ends[i - 1]; the last field's end leaves out
 * the CR of a CRLF).  NULL when the line is not plain: an escape byte, a
 * field count other than nfields, an empty line, or no newline before e
 * (the line may go on in bytes not yet read). */
static inline const char *flo_plain_line(const char *s, const char *e, char sep, char esc,
					 size_t nfields, const char **ends)
{
	const uint64_t sep_lanes = FLO_LANES(sep), esc_lanes = FLO_LANES(esc);
	size_t nf = 0;
	for (const char *p = s;; p++) {
		p = flo_next_special(p, e, sep_lanes, esc_lanes);
		if (p == e || *p == esc || nf == nfields)
			return NULL;
		if (*p != '\n') {
			ends[nf++] = p;
			continue;
		}
		const char *fe = p > s && p[-1] == '\r' ? p - 1 : p; /* CRLF */
		if (nf + 1 != nfields || fe == s)
			return NULL; /* a field count error or an empty line */
		ends[nf] = fe;
		return p;
	}
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
