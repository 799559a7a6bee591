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

/* Largest magnitude held exactly: 9e12 units, far below int64's range even
 * after a billion additions of the largest value. */
#define FLO_MONEY_EXACT_MAX 9e9

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
