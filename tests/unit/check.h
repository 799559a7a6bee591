/* check.h: the unit tests' assertions.  A failed CHECK prints file, line, the
 * expression and the values, counts the failure and goes on, so one run shows
 * every broken case.  Each test program ends with `return check_report();`. */
#ifndef FLO_CHECK_H
#define FLO_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(expr)                                                          \
	do {                                                                 \
		check_count++;                                               \
		if (!(expr)) {                                               \
			check_failures++;                                    \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #expr);                            \
		}                                                            \
	} while (0)

#define CHECK_INT(got, want)                                                 \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		check_count++;                                               \
		if (g_ != w_) {                                              \
			check_failures++;                                    \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n",    \
				__FILE__, __LINE__, #got, g_, w_);           \
		}                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		check_count++;                                               \
		if (g_ == NULL || strcmp(g_, w_) != 0) {                     \
			check_failures++;                                    \
			fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_); \
		}                                                            \
	} while (0)

/* Relative closeness, with an absolute floor for values near zero. */
#define CHECK_NEAR(got, want, rel)                                           \
	do {                                                                 \
		double g_ = (got), w_ = (want), r_ = (rel);                  \
		check_count++;                                               \
		if (!isfinite(g_) ||                                         \
		    fabs(g_ - w_) > r_ * fmax(fabs(w_), 1e-300)) {           \
			check_failures++;                                    \
			fprintf(stderr,                                      \
				"%s:%d: %s == %.17g, want %.17g (rel %g)\n", \
				__FILE__, __LINE__, #got, g_, w_, r_);       \
		}                                                            \
	} while (0)

/* Absolute closeness: for values quoted to a fixed number of decimals. */
#define CHECK_ABS(got, want, tol)                                            \
	do {                                                                 \
		double g_ = (got), w_ = (want), t_ = (tol);                  \
		check_count++;                                               \
		if (!isfinite(g_) || fabs(g_ - w_) > t_) {                   \
			check_failures++;                                    \
			fprintf(stderr,                                      \
				"%s:%d: %s == %.17g, want %.17g (+-%g)\n",   \
				__FILE__, __LINE__, #got, g_, w_, t_);       \
		}                                                            \
	} while (0)

static inline int check_report(void)
{
	fprintf(stderr, "%s: %d checks, %d failed\n",
		check_failures ? "FAIL" : "ok", check_count, check_failures);
	return check_failures != 0;
}

#endif
