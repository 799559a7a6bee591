/* fuzz_date.c: date parsing.
 *   - flo_parse_time() and flo_parse_day() never crash and agree, offsets
 *     included (1900-01-01T00:30+01:00 is out of range for both);
 *   - an accepted date lies in 1900..9999, prints as YYYY-MM-DD, and that
 *     text parses back to the same day (and so does YYYYMMDD);
 *   - the civil calendar round-trips the day;
 *   - named formats (datefmt.h) never crash, keep to the range, and read
 *     the day's YYYY-MM-DD text as flo_parse_time() does. */
#include "fuzz.h"

#include <string.h>

#include "base/date.h"
#include "base/datefmt.h"
#include "base/err.h"

static const char *const formats[] = {
	"%m/%d/%Y %H:%M", "%d.%m.%y", "%d %b %Y %I:%M:%S %p", "%Y-%m-%d", "%Y%m%d %% %B",
};

/* The input read with each named format: an accepted time is in range. */
static void named_formats(const char *s, size_t size)
{
	for (size_t k = 0; k < sizeof formats / sizeof *formats; k++) {
		int64_t t;
		int rc = flo_parse_time_format(formats[k], s, size, &t);
		FUZZ_CHECK(rc == FLO_OK || rc == FLO_EDATE || rc == FLO_ERANGE);
		if (rc == FLO_OK)
			FUZZ_CHECK(t >= -2208988800LL && t <= 253402300799LL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	named_formats(s, size);
	int64_t secs;
	int32_t day, back;
	int trc = flo_parse_time(s, size, &secs);
	int drc = flo_parse_day(s, size, &day);

	FUZZ_CHECK(trc == FLO_OK || trc == FLO_EDATE || trc == FLO_ERANGE);
	FUZZ_CHECK(drc == FLO_OK || drc == FLO_EDATE || drc == FLO_ERANGE);
	/* the range holds in UTC, offsets applied, for both */
	FUZZ_CHECK(drc == trc);
	if (trc != FLO_OK)
		return 0;
	FUZZ_CHECK(secs >= -2208988800LL && secs <= 253402300799LL);
	FUZZ_CHECK(day >= flo_day_from_civil(FLO_YEAR_MIN, 1, 1));
	FUZZ_CHECK(day <= flo_day_from_civil(FLO_YEAR_MAX, 12, 31));
	FUZZ_CHECK(secs >= (int64_t)day * 86400 && secs < ((int64_t)day + 1) * 86400);

	char buf[16];
	FUZZ_CHECK(flo_format_day(buf, day) == 10 && strlen(buf) == 10);
	FUZZ_CHECK(flo_parse_day(buf, 10, &back) == FLO_OK && back == day);
	char compact[9] = {buf[0], buf[1], buf[2], buf[3], buf[5], buf[6], buf[8], buf[9], 0};
	FUZZ_CHECK(flo_parse_day(compact, 8, &back) == FLO_OK && back == day);
	int64_t named;
	FUZZ_CHECK(flo_parse_time_format("%Y-%m-%d", buf, 10, &named) == FLO_OK &&
		   named == (int64_t)day * 86400);

	int y;
	unsigned m, d;
	flo_civil_from_day(day, &y, &m, &d);
	FUZZ_CHECK(y >= FLO_YEAR_MIN && y <= FLO_YEAR_MAX && m >= 1 && m <= 12 && d >= 1 &&
		   d <= 31);
	FUZZ_CHECK(flo_day_from_civil(y, m, d) == day);
	return 0;
}
