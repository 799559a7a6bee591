/* fuzz_cuts.c: the stored segment cut points, flo_cuts_decode().
 *   - any bytes give cut points or a documented error with a reason;
 *   - accepted cut points keep the rules of segment.h, encode, and decode
 *     back to the same cut points; every value falls in a group. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "base/err.h"
#include "segment/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flo_cuts *c, *d;
	char why[256];
	int rc = flo_cuts_decode(data, size, &c, why, sizeof why);

	if (rc != FLO_OK) {
		FUZZ_CHECK(rc == FLO_EVERSION || rc == FLO_EVALUE);
		FUZZ_CHECK(c == NULL && why[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(c->groups >= 1 && c->groups <= FLO_CUTS_MAX_GROUPS && c->records >= 1);
	for (int i = 0; i <= c->groups; i++)
		FUZZ_CHECK(isfinite(c->edges[i]) && (i == 0 || c->edges[i] >= c->edges[i - 1]));
	char *text;
	size_t len;
	FUZZ_CHECK(flo_cuts_encode(c, &text, &len) == FLO_OK && strlen(text) == len);
	FUZZ_CHECK(flo_cuts_decode(text, len, &d, why, sizeof why) == FLO_OK);
	FUZZ_CHECK(strcmp(c->field, d->field) == 0 && c->groups == d->groups &&
		   c->records == d->records);
	for (int i = 0; i <= c->groups; i++)
		FUZZ_CHECK(c->edges[i] == d->edges[i]);
	for (int i = 0; i < c->groups; i++)
		FUZZ_CHECK(strcmp(c->labels[i], d->labels[i]) == 0);
	const double probe[] = {-INFINITY, -1e308, c->edges[0], c->edges[c->groups],
				(c->edges[0] + c->edges[c->groups]) / 2, 1e308, INFINITY};
	for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
		int g = flo_qcut_group(c->edges, c->groups, probe[k]);
		FUZZ_CHECK(g >= 0 && g < c->groups);
	}
	free(text);
	flo_cuts_free(c);
	flo_cuts_free(d);
	return 0;
}
