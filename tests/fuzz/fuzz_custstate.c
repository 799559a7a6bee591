/* fuzz_custstate.c: a customer's stored state (flo-rfm --db), as the store
 * hands its bytes to flo_custstate_decode().  The first input byte chooses
 * the conventions (per-order occasions, order ids, kept fields, the unit,
 * --returns net, calendar periods), the rest
 * is the stored value (format 2: with lines and returns).
 *   - any bytes give a state or FLO_EVALUE / FLO_EVERSION, never a crash,
 *     a leak or undefined behaviour;
 *   - an accepted state re-encodes to bytes that decode again and encode
 *     to the same bytes, and it summarises (numbers finite) at its last
 *     day and at both ends of flo's date range. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "rfm/custstate.h"
#include "base/err.h"

static void summarise(flo_custstate *st, const struct flo_rfm_config *cfg, int32_t day)
{
	struct flo_summary s;
	struct flo_field kept[4];
	struct flo_custstate_left left;

	memset(&s, 0, sizeof s);
	if (flo_custstate_summary(st, cfg, day, &s, kept, &left) != 1)
		return;
	FUZZ_CHECK(isfinite(s.frequency) && isfinite(s.recency) && isfinite(s.T) &&
		   isfinite(s.monetary) && isfinite(s.orders) && isfinite(s.revenue));
	FUZZ_CHECK(s.frequency >= 0 && s.recency >= 0 && s.T >= s.recency);
	FUZZ_CHECK(isfinite(s.holdout_value) && s.orders >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flo_rfm_config cfg = {0};
	flo_custstate *st, *again;
	unsigned char *buf = NULL, *buf2 = NULL;
	size_t cap = 0, cap2 = 0, len, len2;

	if (size < 1)
		return 0;
	cfg.unit_days = data[0] & 16 ? 1 : 7;
	cfg.per_order = data[0] & 1;
	cfg.order_ids = (data[0] >> 1) & 1;
	cfg.nkeep = (data[0] >> 2) & 3;
	cfg.net_returns = (data[0] >> 5) & 1;
	cfg.period = (data[0] >> 6) == 1 ? FLO_PERIOD_WEEK
		     : (data[0] >> 6) == 2 ? FLO_PERIOD_MONTH : FLO_PERIOD_NONE;
	if (cfg.period != FLO_PERIOD_NONE)
		cfg.per_order = 0;
	FUZZ_CHECK(flo_custstate_new(&st) == FLO_OK && flo_custstate_new(&again) == FLO_OK);
	int rc = flo_custstate_decode(st, &cfg, data + 1, size - 1);
	if (rc != FLO_OK) {
		FUZZ_CHECK(rc == FLO_EVALUE || rc == FLO_EVERSION);
		FUZZ_CHECK(flo_custstate_orders(st) == 0);
		goto out;
	}
	/* Returns alone: no order, no day. */
	int32_t last = flo_custstate_last_day(st);
	FUZZ_CHECK(flo_custstate_orders(st) > 0 ||
		   (cfg.net_returns && last == INT32_MIN));
	if (last == INT32_MIN)
		last = 0;
	FUZZ_CHECK(last >= FLO_CUSTSTATE_DAY_MIN && last <= FLO_CUSTSTATE_DAY_MAX);
	summarise(st, &cfg, last);
	summarise(st, &cfg, FLO_CUSTSTATE_DAY_MIN);
	summarise(st, &cfg, FLO_CUSTSTATE_DAY_MAX);
	cfg.has_as_of = 1;
	cfg.as_of = last - 1;
	cfg.has_holdout = 1;
	cfg.holdout_end = FLO_CUSTSTATE_DAY_MAX;
	summarise(st, &cfg, last - 1);
	cfg.has_holdout = 0;
	cfg.has_as_of = 0;

	FUZZ_CHECK(flo_custstate_encode(st, &buf, &cap, &len) == FLO_OK);
	FUZZ_CHECK(flo_custstate_decode(again, &cfg, buf, len) == FLO_OK);
	FUZZ_CHECK(flo_custstate_orders(again) == flo_custstate_orders(st));
	FUZZ_CHECK(flo_custstate_encode(again, &buf2, &cap2, &len2) == FLO_OK);
	FUZZ_CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
out:
	free(buf);
	free(buf2);
	flo_custstate_free(st);
	flo_custstate_free(again);
	return 0;
}
