/* test_field: record/field.h's dates as flo-rfm reads them, and their words. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "base/err.h"
#include "record/field.h"

static struct flo_field field(const char *name, const char *val)
{
	return (struct flo_field){name, strlen(name), val, strlen(val), FLO_KIND_STR};
}

static void test_time_format(void)
{
	char msg[FLO_FIELD_MSG];
	int64_t t = 0;
	/* 2010-12-01T08:26:00Z: 14944 days and 8 h 26 min */
	struct flo_field f = field("InvoiceDate", "12/1/2010 8:26");
	CHECK_INT(flo_field_time_format(&f, "%m/%d/%Y %H:%M", &t, msg), FLO_OK);
	CHECK(t == 14944 * 86400LL + 8 * 3600 + 26 * 60);
	CHECK_INT(flo_field_time_format(&f, "%d/%m/%Y %H:%M", &t, msg), FLO_OK); /* 12 January */
	CHECK(t == 14621 * 86400LL + 8 * 3600 + 26 * 60);
	CHECK_INT(flo_field_time_format(&f, "%Y-%m-%d", &t, msg), FLO_EDATE);
	CHECK_STR(msg, "field \"InvoiceDate\" does not match --date-format \"%Y-%m-%d\": "
		       "\"12/1/2010 8:26\"");
	CHECK_INT(flo_field_time_format(&f, NULL, &t, msg), FLO_EDATE);
	CHECK_STR(msg, "field \"InvoiceDate\" is not a date: \"12/1/2010 8:26\" (dates: "
		       "YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; "
		       "or name the form with --date-format)");
	f = field("date", "1291191960000"); /* milliseconds */
	CHECK_INT(flo_field_time_format(&f, NULL, &t, msg), FLO_OK);
	CHECK(t == 1291191960);
	f = field("date", "1/1/1899");
	CHECK_INT(flo_field_time_format(&f, "%m/%d/%Y", &t, msg), FLO_ERANGE);
	CHECK_STR(msg, "field \"date\" is a date outside 1900..9999: \"1/1/1899\"");
	/* flo_field_time() keeps its words for the other tools */
	f = field("date", "someday");
	CHECK_INT(flo_field_time(&f, &t, msg), FLO_EDATE);
	CHECK_STR(msg, "field \"date\" is not a date: \"someday\"");
}

int main(void)
{
	test_time_format();
	return check_report();
}
