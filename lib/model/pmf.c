/* pmf.c: the conditional distribution of purchases, per family. */
#include "model/pmf.h"

#include <math.h>

#include "base/err.h"

/* p[] from P(alive) and Q(n), the unconditional PMF of a customer who is
 * alive at T, over (T, T+t]: p[n] = [n = 0] (1 - P(alive)) + P(alive) Q(n),
 * the tail 1 - sum Q(0..N-1) (Neumaier's compensated sum), never below 0. */
typedef double alive_pmf(const void *post, double t, unsigned n);

static void mix(double alive, alive_pmf *q_of, const void *post, double t, unsigned N, double *p)
{
	double sum = 0.0, comp = 0.0;

	for (unsigned n = 0; n < N; n++) {
		double q = q_of(post, t, n), s = sum + q;

		comp += fabs(sum) >= fabs(q) ? (sum - s) + q : (q - s) + sum;
		sum = s;
		p[n] = alive * q;
	}
	p[N] = alive * fmax(0.0, 1.0 - (sum + comp));
	p[0] += 1.0 - alive; /* a customer who has left buys nothing */
}

/*
 * Fader & Hardie (2006), "Deriving the Conditional PMF of the BG/NBD
 * Model", eq. (13): with D = 1/P(alive | x, t_x, T),
 *
 *   P(X(T,T+t) = n | x, t_x, T) = [n = 0] (1 - 1/D) + (1/D) * Q(n)
 *
 * where Q(n) is the unconditional PMF of FHL 2005 eq. (8) with the updated
 * parameters r+x, alpha+T, a, b+x: a customer alive at T after x repeat
 * purchases has lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x), and from
 * T on buys and drops out as a new customer with those mixing distributions
 * (the note's B(a, b+x+n)/B(a, b+x) and Gamma(r+x+n)/Gamma(r+x) terms are
 * eq. (8)'s at the updated parameters).  Reusing flo_bgnbd_prob_count()
 * keeps its care for boundary fits (b -> infinity, a -> 0) and for large n.
 * scripts/golden/pmf_golden.py evaluates the note's formula as printed.
 */
static double bg_q(const void *post, double t, unsigned n)
{
	return flo_bgnbd_prob_count(post, t, n);
}

void flo_bgnbd_conditional_pmf(const struct flo_bgnbd *m, double x, double tx, double T,
			       double t, unsigned N, double *p)
{
	const struct flo_bgnbd post = {m->r + x, m->alpha + T, m->a, m->b + x};
	mix(flo_bgnbd_p_alive(m, x, tx, T), bg_q, &post, t, N, p);
}

/*
 * Fader & Hardie (2014), "Deriving the Conditional PMF of the Pareto/NBD
 * Model": the same structure, [n = 0] (1 - P(alive)) + P(alive) Q(n), with
 * Q the unconditional PMF (Fader & Hardie 2006, "Deriving an Expression for
 * P(X(t) = x) Under the Pareto/NBD Model") at r+x, alpha+T, s, beta+T: given
 * alive at T the customer's lambda ~ Gamma(r+x, alpha+T) and
 * mu ~ Gamma(s, beta+T), and the exponential lifetime has no memory.
 * scripts/golden/pnbd_pmf.py evaluates the notes' hypergeometric forms.
 */
static double pnbd_q(const void *post, double t, unsigned n)
{
	return flo_pnbd_prob_count(post, t, n);
}

void flo_pnbd_conditional_pmf(const struct flo_pnbd *m, double x, double tx, double T,
			      double t, unsigned N, double *p)
{
	const struct flo_pnbd post = {m->r + x, m->alpha + T, m->s, m->beta + T};
	mix(flo_pnbd_p_alive(m, x, tx, T), pnbd_q, &post, t, N, p);
}

int flo_conditional_pmf(const struct flo_model *m, double x, double tx, double T, double t,
			unsigned N, double *p)
{
	switch (m->family) {
	case FLO_FAMILY_BGNBD: flo_bgnbd_conditional_pmf(&m->bgnbd, x, tx, T, t, N, p); return FLO_OK;
	case FLO_FAMILY_PNBD: flo_pnbd_conditional_pmf(&m->pnbd, x, tx, T, t, N, p); return FLO_OK;
	case FLO_FAMILY_MBGNBD:
		flo_mbgnbd_conditional_pmf(&m->mbgnbd, x, tx, T, t, N, p);
		return FLO_OK;
	case FLO_FAMILY_BGBB: flo_bgbb_conditional_pmf(&m->bgbb, x, tx, T, t, N, p); return FLO_OK;
	}
	return FLO_EMODEL;
}
