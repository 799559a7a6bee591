/* date.h: calendar dates as day numbers.
 *
 * flo measures time in whole days (day 0 = 1970-01-01, proleptic Gregorian),
 * then converts to the chosen unit.  A purchase occasion is a day, as in the
 * CDNOW analysis; the time of day only orders purchases within a day. */
#ifndef FLO_DATE_H
#define FLO_DATE_H

#include <stddef.h>
#include <stdint.h>

/* The accepted years; anything outside is FLO_ERANGE. */
#define FLO_YEAR_MIN 1900
#define FLO_YEAR_MAX 9999

/* Parse one of
 *   YYYY-MM-DD, YYYYMMDD (exactly eight digits),
 *   YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|+HH:MM|-HH:MM|+HHMM|+HH] (T or a space),
 *   Unix epoch seconds ([-]digits[.digits], any length but eight digits),
 *   or milliseconds: from 10^12 on (2001-09-09), where no time in range
 *   has as many seconds, the number counts milliseconds (pandas' JSON)
 * into seconds since 1970-01-01T00:00:00Z.  A date-time with an offset is
 * converted to UTC.  FLO_EDATE when the text is not a date (30 February
 * included), FLO_ERANGE when the year is outside FLO_YEAR_MIN..FLO_YEAR_MAX,
 * in UTC (after the offset). */
int flo_parse_time(const char *s, size_t len, int64_t *seconds);

/* The same, reduced to the UTC day number. */
int flo_parse_day(const char *s, size_t len, int32_t *day);

/* Day number of a valid civil date, and back. */
int32_t flo_day_from_civil(int year, unsigned month, unsigned mday);
void flo_civil_from_day(int32_t day, int *year, unsigned *month, unsigned *mday);

/* YYYY-MM-DD into buf (at least 11 bytes); returns 10. */
size_t flo_format_day(char *buf, int32_t day);

#endif
