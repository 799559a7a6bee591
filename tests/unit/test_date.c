/* Unit tests for lib/base/date.c.  Day numbers are checked against facts that do
 * not come from the code: the epoch, the CDNOW calibration window (273 days
 * from 1997-01-01 to 1997-09-30), leap years. */
#include <stdint.h>

#include "check.h"
#include "base/date.h"
#include "base/err.h"
#include "base/unit.h"

static int day(const char *s, int32_t *d)
{
	return flo_parse_day(s, strlen(s), d);
}

static void test_formats(void)
{
	int32_t d = -1;
	CHECK_INT(day("1970-01-01", &d), FLO_OK);
	CHECK_INT(d, 0);
	CHECK_INT(day("19700102", &d), FLO_OK);
	CHECK_INT(d, 1);
	CHECK_INT(day("2000-03-01", &d), FLO_OK);
	CHECK_INT(d, 11017); /* 30 years of days, 7 leap days, Jan+Feb 2000 = 60 */
	int32_t a, b;
	CHECK_INT(day("1997-01-01", &a), FLO_OK);
	CHECK_INT(day("1997-09-30", &b), FLO_OK);
	CHECK_INT(b - a, 272); /* 38 weeks and 6 days: T = 38.86 weeks */
	CHECK_INT(day("2021-05-30T12:00:00Z", &d), FLO_OK);
	CHECK_INT(day("2021-05-30", &a), FLO_OK);
	CHECK_INT(d, a);
	CHECK_INT(day("2021-05-30 23:59:59", &d), FLO_OK);
	CHECK_INT(d, a);
	CHECK_INT(day("2021-05-30T01:00:00+03:00", &d), FLO_OK);
	CHECK_INT(d, a - 1); /* 22:00 UTC the day before */
	CHECK_INT(day("2021-05-30T22:30:00-0200", &d), FLO_OK);
	CHECK_INT(d, a + 1);
	CHECK_INT(day("2021-05-30T12:00", &d), FLO_OK);
	CHECK_INT(d, a);
	CHECK_INT(day("2021-05-30T12:00:00.250Z", &d), FLO_OK);
	CHECK_INT(d, a);
	CHECK_INT(day("1622376000", &d), FLO_OK); /* 2021-05-30T12:00:00Z */
	CHECK_INT(d, a);
	CHECK_INT(day("-86400", &d), FLO_OK);
	CHECK_INT(d, -1);
	CHECK_INT(day("-0.5", &d), FLO_OK);
	CHECK_INT(d, -1);
	CHECK_INT(day("2000-02-29", &d), FLO_OK);
	CHECK_INT(day("1900-01-01", &d), FLO_OK);
	CHECK_INT(day("9999-12-31", &d), FLO_OK);
}

/* Epoch milliseconds (pandas' to_json dates): seconds by Python's
 * datetime(2010, 12, 1, 8, 26, tzinfo=timezone.utc).timestamp(). */
static void test_epoch_ms(void)
{
	int64_t t = 0;
	CHECK_INT(flo_parse_time("1291191960000", 13, &t), FLO_OK);
	CHECK_INT(t, 1291191960);
	CHECK_INT(flo_parse_time("1291191960999", 13, &t), FLO_OK);
	CHECK_INT(t, 1291191960);
	CHECK_INT(flo_parse_time("1000000000000", 13, &t), FLO_OK); /* 2001-09-09T01:46:40Z */
	CHECK_INT(t, 1000000000);
	CHECK_INT(flo_parse_time("-2208988800000", 14, &t), FLO_OK); /* 1900-01-01 */
	CHECK_INT(t, -2208988800LL);
	CHECK_INT(flo_parse_time("-2208988799999", 14, &t), FLO_OK);
	CHECK_INT(t, -2208988800LL); /* floor, as for seconds before 1970 */
	CHECK_INT(flo_parse_time("253402300799999", 15, &t), FLO_OK); /* 9999-12-31T23:59:59.999Z */
	CHECK_INT(t, 253402300799LL);
	CHECK_INT(flo_parse_time("253402300800000", 15, &t), FLO_ERANGE);
	CHECK_INT(flo_parse_time("-2208988800001", 14, &t), FLO_ERANGE);
	CHECK_INT(flo_parse_time("999999999999", 12, &t), FLO_ERANGE); /* seconds, year 33658 */
	CHECK_INT(flo_parse_time("99999999999999999999999", 23, &t), FLO_ERANGE);
}

static void test_errors(void)
{
	int32_t d;
	CHECK_INT(day("2021-02-30", &d), FLO_EDATE);
	CHECK_INT(day("1900-02-29", &d), FLO_EDATE);
	CHECK_INT(day("2021-13-01", &d), FLO_EDATE);
	CHECK_INT(day("2021-00-10", &d), FLO_EDATE);
	CHECK_INT(day("2021-1-1", &d), FLO_EDATE);
	CHECK_INT(day("", &d), FLO_EDATE);
	CHECK_INT(day("yesterday", &d), FLO_EDATE);
	CHECK_INT(day("2021-05-30T25:00", &d), FLO_EDATE);
	CHECK_INT(day("2021-05-30T12:00:00+3", &d), FLO_EDATE);
	CHECK_INT(day("2021-05-30X", &d), FLO_EDATE);
	CHECK_INT(day("1899-12-31", &d), FLO_ERANGE);
	CHECK_INT(day("18991231", &d), FLO_ERANGE);
	CHECK_INT(day("10000-01-01", &d), FLO_EDATE);
	CHECK_INT(day("9999999999999999", &d), FLO_ERANGE); /* past 9999 even in milliseconds */
	CHECK_INT(day("1900-01-01T00:30:00+01:00", &d), FLO_ERANGE);
}

static void test_civil_round_trip(void)
{
	int32_t lo = flo_day_from_civil(1900, 1, 1), hi = flo_day_from_civil(9999, 12, 31);
	char buf[16];
	for (int32_t d = lo; d <= hi; d += 17) {
		size_t n = flo_format_day(buf, d);
		int32_t back;
		CHECK_INT(flo_parse_day(buf, n, &back), FLO_OK);
		CHECK_INT(back, d);
	}
	flo_format_day(buf, 0);
	CHECK_STR(buf, "1970-01-01");
	flo_format_day(buf, flo_day_from_civil(2021, 6, 1));
	CHECK_STR(buf, "2021-06-01");
}

static void test_units(void)
{
	double u;
	CHECK_INT(flo_unit_days("week", &u), FLO_OK);
	CHECK(u == 7);
	CHECK_INT(flo_unit_days("month", &u), FLO_OK);
	CHECK(u == 30.4375);
	CHECK_INT(flo_unit_days("fortnight", &u), FLO_EUSAGE);
}

int main(void)
{
	test_formats();
	test_epoch_ms();
	test_errors();
	test_civil_round_trip();
	test_units();
	return check_report();
}
