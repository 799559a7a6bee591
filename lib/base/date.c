/* date.c: date parsing and the civil calendar. */
#include "base/date.h"

#include <string.h>

#include "base/err.h"

/* Days from 1970-01-01 to a proleptic Gregorian date, by counting in 400-year
 * eras that start on March 1 so that the leap day ends each year (the
 * algorithm of H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
int32_t flo_day_from_civil(int year, unsigned month, unsigned mday)
{
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (month + (month > 2 ? -3u : 9u)) + 2) / 5 + mday - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void flo_civil_from_day(int32_t day, int *year, unsigned *month, unsigned *mday)
{
	int z = day + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)yoe + era * 400 + (m <= 2);
	*month = m;
	*mday = d;
}

/* The accepted range in seconds: FLO_YEAR_MIN-01-01T00:00:00Z to
 * FLO_YEAR_MAX-12-31T23:59:59Z. */
#define EPOCH_MIN (-2208988800LL)
#define EPOCH_MAX 253402300799LL
/* Epoch times from this magnitude on are milliseconds (2001-09-09 on). */
#define EPOCH_MS_MIN 1000000000000LL
#define EPOCH_MS_MAX (EPOCH_MAX * 1000 + 999)

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int y, unsigned m)
{
	static const unsigned char len[12] = {31, 28, 31, 30, 31, 30,
					      31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* n digits at s as a number; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int civil_seconds(int y, int m, int d, int64_t *seconds)
{
	if (y < 0 || m < 1 || m > 12 || d < 1)
		return FLO_EDATE;
	if (y < FLO_YEAR_MIN || y > FLO_YEAR_MAX)
		return FLO_ERANGE;
	if ((unsigned)d > days_in_month(y, (unsigned)m))
		return FLO_EDATE;
	*seconds = (int64_t)flo_day_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
	return FLO_OK;
}

/* The time-of-day part after "YYYY-MM-DD" and its separator. */
static int parse_clock(const char *s, size_t len, int64_t *offset)
{
	size_t i = 0;
	if (len < 5 || s[2] != ':')
		return FLO_EDATE;
	int hh = digits(s, 2), mm = digits(s + 3, 2), ss = 0;
	i = 5;
	if (i < len && s[i] == ':') {
		if (len < 8 || (ss = digits(s + 6, 2)) < 0)
			return FLO_EDATE;
		i = 8;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			size_t start = ++i;
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == start)
				return FLO_EDATE;
		}
	}
	/* 23:59:60 is a leap second; it belongs to the same day. */
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return FLO_EDATE;
	int64_t secs = hh * 3600 + mm * 60 + (ss == 60 ? 59 : ss);
	if (i < len && s[i] == 'Z' && i + 1 == len)
		i = len;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		size_t rest = len - i - 1;
		const char *z = s + i + 1;
		int oh, om = 0;
		if (rest == 2)
			oh = digits(z, 2);
		else if (rest == 4)
			oh = digits(z, 2), om = digits(z + 2, 2);
		else if (rest == 5 && z[2] == ':')
			oh = digits(z, 2), om = digits(z + 3, 2);
		else
			return FLO_EDATE;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return FLO_EDATE;
		secs -= sign * (oh * 3600 + om * 60);
		i = len;
	}
	if (i != len)
		return FLO_EDATE;
	*offset = secs;
	return FLO_OK;
}

static int parse_epoch(const char *s, size_t len, int64_t *seconds)
{
	size_t i = 0;
	int negative = 0;
	if (s[0] == '-' || s[0] == '+')
		negative = s[i++] == '-';
	if (i == len)
		return FLO_EDATE;
	int64_t v = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > EPOCH_MS_MAX)
			return FLO_ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return FLO_EDATE;
		/* A fraction of a second moves a negative time to the second before. */
		if (negative)
			v += 1;
	}
	if (i != len)
		return FLO_EDATE;
	v = negative ? -v : v;
	/* Milliseconds (pandas' JSON dates): no time in range has this many
	 * seconds, so the two cannot be confused. */
	if (v >= EPOCH_MS_MIN || v <= -EPOCH_MS_MIN)
		v = v / 1000 - (v < 0 && v % 1000 != 0);
	if (v < EPOCH_MIN || v > EPOCH_MAX)
		return FLO_ERANGE;
	*seconds = v;
	return FLO_OK;
}

static int parse_time(const char *s, size_t len, int64_t *seconds);

/* Order logs repeat dates: thousands of orders a day, in runs when the log
 * is in date order.  The last few plain dates (YYYY-MM-DD) parsed by this
 * thread are remembered, keyed by their ten bytes: three years of days. */
#define DATE_MEMO 1024

static _Thread_local struct {
	uint64_t head;  /* bytes 0..7 */
	uint16_t tail;  /* bytes 8..9 */
	int64_t seconds; /* 0 with head 0: empty (no date starts with NULs) */
} date_memo[DATE_MEMO];

int flo_parse_time(const char *s, size_t len, int64_t *seconds)
{
	if (len != 10)
		return parse_time(s, len, seconds);
	uint64_t head;
	uint16_t tail;
	memcpy(&head, s, 8);
	memcpy(&tail, s + 8, 2);
	size_t k = (size_t)(((head ^ tail) * 0x9E3779B97F4A7C15ull) >> 54); /* 10 bits */
	if (date_memo[k].head == head && date_memo[k].tail == tail && head != 0) {
		*seconds = date_memo[k].seconds;
		return FLO_OK;
	}
	int err = parse_time(s, len, seconds);
	if (err == FLO_OK) {
		date_memo[k].head = head;
		date_memo[k].tail = tail;
		date_memo[k].seconds = *seconds;
	}
	return err;
}

static int parse_time(const char *s, size_t len, int64_t *seconds)
{
	while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return FLO_EDATE;

	if (len == 8 && digits(s, 8) >= 0)
		return civil_seconds(digits(s, 4), digits(s + 4, 2), digits(s + 6, 2),
				     seconds);
	if (len >= 10 && s[4] == '-' && s[7] == '-') {
		int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
		if (y < 0 || m < 0 || d < 0)
			return FLO_EDATE;
		int err = civil_seconds(y, m, d, seconds);
		if (err || len == 10)
			return err;
		if (s[10] != 'T' && s[10] != ' ' && s[10] != 't')
			return FLO_EDATE;
		int64_t clock;
		if ((err = parse_clock(s + 11, len - 11, &clock)) != FLO_OK)
			return err;
		/* An offset can move 1900-01-01T00:30+01:00 into 1899, and
		 * 9999-12-31T23:00-05:00 into 10000: still out of range. */
		if (*seconds + clock < EPOCH_MIN || *seconds + clock > EPOCH_MAX)
			return FLO_ERANGE;
		*seconds += clock;
		return FLO_OK;
	}
	return parse_epoch(s, len, seconds);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int flo_parse_day(const char *s, size_t len, int32_t *day)
{
	int64_t seconds;
	int err = flo_parse_time(s, len, &seconds);
	if (err)
		return err;
	int64_t d = floor_div(seconds, 86400);
	/* An offset can move 1900-01-01T00:00+01:00 to 1899-12-31 UTC. */
	if (d < flo_day_from_civil(FLO_YEAR_MIN, 1, 1) ||
	    d > flo_day_from_civil(FLO_YEAR_MAX, 12, 31))
		return FLO_ERANGE;
	*day = (int32_t)d;
	return FLO_OK;
}

size_t flo_format_day(char *buf, int32_t day)
{
	int y;
	unsigned m, d;
	flo_civil_from_day(day, &y, &m, &d);
	buf[0] = (char)('0' + y / 1000 % 10);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
	return 10;
}
