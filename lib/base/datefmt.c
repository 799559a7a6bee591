/* datefmt.c: dates in a format the user names. */
#include "base/datefmt.h"

#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "base/err.h"

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int flo_datefmt_check(const char *fmt, char *why, size_t size)
{
	int has_i = 0;
	char got[16] = "";
	size_t ngot = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		char c = *++p;
		if (c == '%')
			continue;
		if (c == '\0' || strchr("YymdbBhHMSIp", c) == NULL) {
			snprintf(why, size, "unknown directive %%%.1s (known: %%Y %%y %%m %%d %%b "
				 "%%H %%I %%M %%S %%p %%%%)", p);
			return FLO_EUSAGE;
		}
		/* the part of the date it names */
		char k = c == 'b' || c == 'B' || c == 'h' ? 'm' : c == 'y' ? 'Y' : c == 'I' ? 'H' : c;
		if (memchr(got, k, ngot) != NULL) {
			snprintf(why, size, "%%%c names a part of the date given before", c);
			return FLO_EUSAGE;
		}
		if (ngot < sizeof got)
			got[ngot++] = k;
		has_i |= c == 'I';
	}
	int has_y = memchr(got, 'Y', ngot) != NULL, has_d = memchr(got, 'd', ngot) != NULL;
	int has_m = memchr(got, 'm', ngot) != NULL;
	if (!has_y || !has_m || !has_d) {
		snprintf(why, size, "a date format needs a year (%%Y or %%y), a month (%%m or %%b) "
			 "and a day (%%d)");
		return FLO_EUSAGE;
	}
	if (has_i != (memchr(got, 'p', ngot) != NULL)) {
		snprintf(why, size, "%%I (hour 1-12) and %%p (AM or PM) go together");
		return FLO_EUSAGE;
	}
	return FLO_OK;
}

/* 1 to max digits at s[*i..len) into *v; 0 when there is none. */
static int number(const char *s, size_t len, size_t *i, int max, int *v)
{
	int n = 0, x = 0;
	while (*i < len && n < max && s[*i] >= '0' && s[*i] <= '9')
		x = x * 10 + (s[(*i)++] - '0'), n++;
	*v = x;
	return n > 0;
}

/* A month's name, in full or its first three letters. */
static int month_name(const char *s, size_t len, size_t *i, int *month)
{
	for (int m = 0; m < 12; m++) {
		size_t full = strlen(month_names[m]), k = 0;
		while (k < full && *i + k < len && lower(s[*i + k]) == month_names[m][k])
			k++;
		if (k == full || (k == 3 && !(*i + 3 < len && lower(s[*i + 3]) >= 'a' &&
					      lower(s[*i + 3]) <= 'z'))) {
			*i += k;
			*month = m + 1;
			return 1;
		}
	}
	return 0;
}

int flo_parse_time_format(const char *fmt, const char *s, size_t len, int64_t *seconds)
{
	int year = -1, month = 0, day = 0, hour = 0, minute = 0, second = 0, pm = -1, v;
	size_t i = 0;
	/* blanks around the text, as flo_parse_time() takes them */
	while (len > 0 && is_space(s[len - 1]))
		len--;
	while (i < len && is_space(s[i]))
		i++;
	for (const char *p = fmt; *p; p++) {
		if (is_space(*p)) {
			while (i < len && is_space(s[i]))
				i++;
			continue;
		}
		if (*p != '%' || p[1] == '%') {
			p += *p == '%';
			if (i >= len || s[i] != *p)
				return FLO_EDATE;
			i++;
			continue;
		}
		int ok;
		switch (*++p) {
		case 'Y': ok = number(s, len, &i, 4, &year); break;
		case 'y':
			ok = number(s, len, &i, 2, &v);
			year = v < 69 ? 2000 + v : 1900 + v;
			break;
		case 'm': ok = number(s, len, &i, 2, &month); break;
		case 'd': ok = number(s, len, &i, 2, &day); break;
		case 'b': case 'B': case 'h': ok = month_name(s, len, &i, &month); break;
		case 'H': ok = number(s, len, &i, 2, &hour) && hour <= 23; break;
		case 'I': ok = number(s, len, &i, 2, &hour) && hour >= 1 && hour <= 12; break;
		case 'M': ok = number(s, len, &i, 2, &minute) && minute <= 59; break;
		case 'S': ok = number(s, len, &i, 2, &second) && second <= 60; break;
		case 'p':
			ok = i + 1 < len && (lower(s[i]) == 'a' || lower(s[i]) == 'p') &&
			     lower(s[i + 1]) == 'm';
			if (ok)
				pm = lower(s[i]) == 'p', i += 2;
			break;
		default: return FLO_EDATE; /* flo_datefmt_check() refuses these */
		}
		if (!ok)
			return FLO_EDATE;
	}
	if (i != len || year < 0 || month < 1 || month > 12 || day < 1 || day > 31)
		return FLO_EDATE;
	if (pm >= 0)
		hour = hour % 12 + (pm ? 12 : 0);
	if (year < FLO_YEAR_MIN || year > FLO_YEAR_MAX)
		return FLO_ERANGE;
	int32_t d = flo_day_from_civil(year, (unsigned)month, (unsigned)day);
	int y2;
	unsigned m2, d2;
	flo_civil_from_day(d, &y2, &m2, &d2);
	if ((int)m2 != month || (int)d2 != day) /* 30 February */
		return FLO_EDATE;
	/* 23:59:60 is a leap second; it belongs to the same day. */
	*seconds = (int64_t)d * 86400 + hour * 3600 + minute * 60 + (second == 60 ? 59 : second);
	return FLO_OK;
}
