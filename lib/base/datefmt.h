/* datefmt.h: dates in a format the user names (flo-rfm --date-format), in
 * the manner of strptime(3) but locale-free and strict: the whole text must
 * match, and the date must exist.
 *
 *   %Y year (1 to 4 digits)      %y year in two digits: 69-99 are 19xx,
 *   %m month (1 or 2 digits)        00-68 are 20xx (POSIX)
 *   %d day of the month          %b %B %h month name, English, any case,
 *   %H hour 0-23                    three letters or in full
 *   %M minute                    %S second (0-60; 60 is a leap second)
 *   %p AM or PM (with %I)        %I hour 1-12
 *   %%  a percent sign           a space: any run of spaces and tabs, or none
 *
 * Numbers may be written without their leading zeros (12/1/2010 8:26). */
#ifndef FLO_DATEFMT_H
#define FLO_DATEFMT_H

#include <stddef.h>
#include <stdint.h>

/* FLO_OK when fmt is a format this file reads (it needs %Y or %y, a month
 * and a day, and no directive twice); else FLO_EUSAGE with the reason in
 * why (at least 128 bytes). */
int flo_datefmt_check(const char *fmt, char *why, size_t size);

/* The time s[0..len) in format fmt (checked), as seconds since the epoch,
 * in UTC.  FLO_EDATE when the text does not match or the date does not
 * exist; FLO_ERANGE for a year outside FLO_YEAR_MIN..FLO_YEAR_MAX. */
int flo_parse_time_format(const char *fmt, const char *s, size_t len, int64_t *seconds);

#endif
