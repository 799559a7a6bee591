/* fuzz_num.c: number parsing and printing.
 *   - flo_parse_double() accepts exactly its grammar and then agrees with
 *     strtod to the bit (-0 as 0), and says FLO_ERANGE where strtod
 *     overflows;
 *   - flo_parse_count() accepts what parses as a whole number >= 0;
 *   - flo_parse_money() fails as flo_parse_double() does, and otherwise
 *     gives flo_money_of() of its double, to the bit;
 *   - the first 8 bytes as a double, when finite: flo_format_double()
 *     writes what the printf-based reference writes, and it reads back as
 *     the same double. */
#include "fuzz.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"

/* The grammar of num.h, written out independently. */
static int grammar(const char *s, size_t n)
{
	size_t i = 0, a, b = 0, c;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (a = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		a++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			b++;
	if (a + b == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (c = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			c++;
		if (c == 0)
			return 0;
	}
	return i == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	double v = 0, c;
	int rc = flo_parse_double(s, size, &v);
	int ok = grammar(s, size);

	FUZZ_CHECK(rc == FLO_OK || rc == FLO_ENUMBER || rc == FLO_ERANGE);
	FUZZ_CHECK((rc != FLO_ENUMBER) == ok);
	if (ok) {
		char *copy = malloc(size + 1);
		FUZZ_CHECK(copy != NULL);
		memcpy(copy, s, size);
		copy[size] = '\0';
		errno = 0;
		double want = strtod(copy, NULL);
		int overflow = errno == ERANGE && isinf(want);
		free(copy);
		FUZZ_CHECK(overflow == (rc == FLO_ERANGE));
		if (rc == FLO_OK) {
			if (want == 0)
				want = 0.0; /* -0 parses as 0 */
			FUZZ_CHECK(isfinite(v));
			FUZZ_CHECK(memcmp(&v, &want, sizeof v) == 0);
		}
		struct flo_money m, want_m = flo_money_of(v);
		int mrc = flo_parse_money(s, size, &m);
		FUZZ_CHECK(mrc == rc);
		if (rc == FLO_OK)
			FUZZ_CHECK(m.micros == want_m.micros &&
				   memcmp(&m.rest, &want_m.rest, sizeof m.rest) == 0);
		int crc = flo_parse_count(s, size, &c);
		if (rc == FLO_OK && v >= 0 && v == floor(v) && v <= 9007199254740992.0)
			FUZZ_CHECK(crc == FLO_OK && c == v);
		else
			FUZZ_CHECK(crc != FLO_OK);
	}

	if (size >= sizeof(double)) {
		double d, back;
		char fast[FLO_NUM_BUFSZ], slow[FLO_NUM_BUFSZ];
		memcpy(&d, data, sizeof d);
		if (isfinite(d)) {
			size_t n = flo_format_double(fast, d);
			size_t m = flo_format_double_slow(slow, d);
			FUZZ_CHECK(n < FLO_NUM_BUFSZ && strlen(fast) == n);
			FUZZ_CHECK(flo_parse_double(fast, n, &back) == FLO_OK);
			FUZZ_CHECK(back == d);
			/* The same digits as printf's shortest of 15, 16, 17; the
			 * whole-number path prints integers without an exponent. */
			if (!(fabs(d) < 9007199254740992.0 && d == floor(d)))
				FUZZ_CHECK(n == m && memcmp(fast, slow, n) == 0);
		}
	}
	return 0;
}
