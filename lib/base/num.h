/* num.h: locale-independent number parsing and printing.
 *
 * The tools never call setlocale(), so the C library's number routines stay
 * in the "C" locale; these functions add the strict grammar (no hex, no nan,
 * no inf, no trailing garbage) and the fast paths the record hot path needs. */
#ifndef FLO_NUM_H
#define FLO_NUM_H

#include <stddef.h>

#include "base/money.h"

/* Longest text flo_format_double() writes, with the terminating NUL. */
#define FLO_NUM_BUFSZ 32

/* Parse a decimal number: [+-] digits [. digits] [(e|E) [+-] digits], with at
 * least one digit before or after the point; surrounding ASCII blanks are
 * allowed.  FLO_ENUMBER when the text is not such a number, FLO_ERANGE when it
 * is but overflows a double (1e400).  -0 parses as 0. */
int flo_parse_double(const char *s, size_t len, double *out);

/* The same number as an amount of money: flo_money_of() of the double
 * flo_parse_double() gives, bit for bit, but for the common amount (at most
 * six decimals, below 2.25e9) found without dividing. */
int flo_parse_money(const char *s, size_t len, struct flo_money *out);

/* Empty or NaN (any case): how pandas and lifetimes write a mean of no
 * values, e.g. a one-time buyer's monetary_value. */
int flo_no_number(const char *s, size_t len);

/* Parse a non-negative whole count; "4.0" is accepted (the FLO file writes
 * counts as floats), "4.5" is FLO_EVALUE, "-1" is FLO_EVALUE. */
int flo_parse_count(const char *s, size_t len, double *out);

/* Write the shortest text that reads back as exactly v (at most 17
 * significant digits; for subnormals, which hold fewer digits, possibly not
 * the very shortest), NUL-terminated; returns its length.  -0 prints as 0.
 * v must be finite. */
size_t flo_format_double(char *buf, double v);

/* The same by printf and strtod, slower: the reference the tests compare
 * flo_format_double()'s fast path with. */
size_t flo_format_double_slow(char *buf, double v);

#endif
