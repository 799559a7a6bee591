/* money.h: order values summed exactly.
 *
 * A value with at most six decimals (every currency amount) is held as an
 * integer count of millionths, so sums are exact and do not depend on the
 * order in which orders arrive: a customer folded in any order, or in any
 * number of pieces, gets bit-identical totals.  Values with finer digits go
 * to an ordinary double beside it. */
#ifndef FLO_MONEY_H
#define FLO_MONEY_H

#include <math.h>
#include <stdint.h>

struct flo_money {
	int64_t micros;
	double rest;
};

/* Largest magnitude of one value held exactly: 9e9 units (9e15
 * millionths).  Larger values go to the double. */
#define FLO_MONEY_EXACT_MAX 9e9

/* Bounds on a sum (a customer's revenue, first purchase, holdout value):
 * half of int64's range in millionths (4.6e12 units), so that the
 * difference of two sums cannot overflow either, and 1e300 for the double
 * part, so that no sum or difference of sums a summary takes becomes
 * infinite.  A sum that would pass them is refused (flo_money_add_checked()),
 * never wrapped or made infinite. */
#define FLO_MONEY_MICROS_MAX (INT64_MAX / 2)
#define FLO_MONEY_REST_MAX 1e300

static inline struct flo_money flo_money_of(double v)
{
	struct flo_money m = {0, 0};
	if (fabs(v) <= FLO_MONEY_EXACT_MAX) {
		int64_t micros = llround(v * 1e6);
		if ((double)micros / 1e6 == v) {
			m.micros = micros;
			return m;
		}
	}
	m.rest = v;
	return m;
}

static inline void flo_money_add(struct flo_money *m, struct flo_money v)
{
	m->micros += v.micros;
	m->rest += v.rest;
}

/* m += v when the sum stays within the bounds above: 1; else 0 and m is
 * unchanged. */
static inline int flo_money_add_checked(struct flo_money *m, struct flo_money v)
{
	int64_t micros;
	double rest = m->rest + v.rest;
	if (__builtin_add_overflow(m->micros, v.micros, &micros) ||
	    micros > FLO_MONEY_MICROS_MAX || micros < -FLO_MONEY_MICROS_MAX ||
	    !(fabs(rest) <= FLO_MONEY_REST_MAX))
		return 0;
	m->micros = micros;
	m->rest = rest;
	return 1;
}

/* Whether one value is within the bounds of a sum. */
static inline int flo_money_ok(struct flo_money v)
{
	return v.micros <= FLO_MONEY_MICROS_MAX && v.micros >= -FLO_MONEY_MICROS_MAX &&
	       fabs(v.rest) <= FLO_MONEY_REST_MAX;
}

static inline struct flo_money flo_money_sub(struct flo_money a, struct flo_money b)
{
	a.micros -= b.micros;
	a.rest -= b.rest;
	return a;
}

static inline double flo_money_value(struct flo_money m)
{
	return (double)m.micros / 1e6 + m.rest;
}

#endif
