/* test_datefmt.c: dates in a named format.  The seconds were computed
 * with Python's datetime (datetime(..., tzinfo=timezone.utc).timestamp()),
 * independently of flo. */
#include <string.h>

#include "base/date.h"
#include "base/datefmt.h"
#include "base/err.h"
#include "check.h"

static int parse(const char *fmt, const char *s, int64_t *t)
{
	return flo_parse_time_format(fmt, s, strlen(s), t);
}

static void check_time(const char *fmt, const char *s, int64_t want)
{
	int64_t t = 0;
	CHECK_INT(parse(fmt, s, &t), FLO_OK);
	CHECK_INT(t, want);
}

static void test_formats(void)
{
	/* UCI Online Retail's InvoiceDate, unpadded */
	check_time("%m/%d/%Y %H:%M", "12/1/2010 8:26", 1291191960);
	check_time("%m/%d/%Y %H:%M", "12/01/2010 08:26", 1291191960);
	check_time("%d/%m/%Y", "02/01/2024", 1704153600);
	check_time("%m/%d/%Y", "01/02/2024", 1704153600);
	check_time("%Y/%m/%d", "2024/01/02", 1704153600);
	check_time("%Y-%m-%d", "2024-1-2", 1704153600);
	check_time("%d %b %Y", "2 Jan 2024", 1704153600);
	check_time("%d %B %Y", "2 january 2024", 1704153600);
	check_time("%d-%b-%y", "09-DEC-11", 1323388800);
	check_time("%Y-%m-%d %H:%M:%S", "1999-02-28 23:59:59", 920246399);
	check_time("%Y-%m-%d %H:%M:%S", "1999-02-28 23:59:60", 920246399); /* leap second */
	check_time("%Y%m%d", "20240102", 1704153600);
	check_time("%m/%d/%y", "12/31/68", 3124137600); /* POSIX: 00-68 are 20xx */
	check_time("%m/%d/%y", "1/1/69", -31536000);    /* 69-99 are 19xx */
	check_time("%m/%d/%Y %I:%M %p", "12/9/2011 12:50 PM", 1323435000);
	check_time("%m/%d/%Y %I:%M %p", "12/9/2011 12:50 am", 1323435000 - 12 * 3600);
	check_time("%m/%d/%Y", "2/29/2000", 951782400);
	check_time("%Y-%m-%d", "  2024-1-2\t", 1704153600); /* blanks around: trimmed */
	check_time("%d%%%m%%%Y", "2%1%2024", 1704153600);
	/* a space in the format takes any run of blanks, or none */
	check_time("%Y-%m-%d %H:%M", "2010-12-01    8:26", 1291191960);
	check_time("%Y-%m-%d %H:%M", "2010-12-018:26", 1291191960);
}

static void test_refused(void)
{
	int64_t t = 7;
	CHECK_INT(parse("%m/%d/%Y", "2/30/2024", &t), FLO_EDATE);  /* 30 February */
	CHECK_INT(parse("%m/%d/%Y", "2/29/2023", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y", "13/1/2024", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y", "1/0/2024", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y", "1/2/2024x", &t), FLO_EDATE); /* the whole text */
	CHECK_INT(parse("%m/%d/%Y", "1-2-2024", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y", "", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y %H:%M", "1/2/2024 24:00", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y %H:%M", "1/2/2024 8:60", &t), FLO_EDATE);
	CHECK_INT(parse("%d %b %Y", "2 Jnu 2024", &t), FLO_EDATE);
	CHECK_INT(parse("%d %b %Y", "2 Janx 2024", &t), FLO_EDATE);
	CHECK_INT(parse("%m/%d/%Y", "1/2/1899", &t), FLO_ERANGE);
	CHECK_INT(parse("%m/%d/%Y", "1/2/123", &t), FLO_ERANGE);
	CHECK_INT(t, 7); /* left alone */
}

static void test_check(void)
{
	char why[128];
	CHECK_INT(flo_datefmt_check("%m/%d/%Y %H:%M", why, sizeof why), FLO_OK);
	CHECK_INT(flo_datefmt_check("%d %b %y", why, sizeof why), FLO_OK);
	CHECK_INT(flo_datefmt_check("%m/%d/%Y %I:%M %p", why, sizeof why), FLO_OK);
	CHECK_INT(flo_datefmt_check("%m/%d/%Q", why, sizeof why), FLO_EUSAGE);
	CHECK(strstr(why, "unknown directive %Q") != NULL);
	CHECK_INT(flo_datefmt_check("%m/%d/", why, sizeof why), FLO_EUSAGE);
	CHECK(strstr(why, "needs a year") != NULL);
	CHECK_INT(flo_datefmt_check("%m/%d/%Y%", why, sizeof why), FLO_EUSAGE);
	CHECK_INT(flo_datefmt_check("%m/%d/%Y %m", why, sizeof why), FLO_EUSAGE);
	CHECK(strstr(why, "%m names a part") != NULL);
	CHECK_INT(flo_datefmt_check("%b %m %d %Y", why, sizeof why), FLO_EUSAGE);
	CHECK_INT(flo_datefmt_check("%m/%d/%Y %I:%M", why, sizeof why), FLO_EUSAGE);
	CHECK(strstr(why, "%I (hour 1-12) and %p") != NULL);
}

int main(void)
{
	test_formats();
	test_refused();
	test_check();
	return check_report();
}
