/* fuzz_model.c: the model document reader, flo_model_parse().
 *   - any bytes give a model or one of the documented errors with a reason;
 *   - a model it accepts has a known unit and every parameter finite and
 *     positive, and a Gamma-Gamma model only when it says so. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "base/err.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flo_model m;
	char why[256];
	int rc;

	memset(&m, 0x5a, sizeof m);
	why[0] = '\0';
	rc = flo_model_parse((const char *)data, size, &m, why, sizeof why);
	if (rc != FLO_OK) {
		FUZZ_CHECK(rc == FLO_ESYNTAX || rc == FLO_EVERSION || rc == FLO_EMODEL);
		FUZZ_CHECK(why[0] != '\0' && memchr(why, '\0', sizeof why) != NULL);
		return 0;
	}
	FUZZ_CHECK(strcmp(m.unit, "day") == 0 || strcmp(m.unit, "week") == 0 ||
		   strcmp(m.unit, "month") == 0);
	const double bg[] = {m.bgnbd.r, m.bgnbd.alpha, m.bgnbd.a, m.bgnbd.b};
	for (int i = 0; i < 4; i++)
		FUZZ_CHECK(isfinite(bg[i]) && bg[i] > 0);
	FUZZ_CHECK(m.has_gg == 0 || m.has_gg == 1);
	if (m.has_gg) {
		const double gg[] = {m.gg.p, m.gg.q, m.gg.v};
		for (int i = 0; i < 3; i++)
			FUZZ_CHECK(isfinite(gg[i]) && gg[i] > 0);
	}
	return 0;
}
