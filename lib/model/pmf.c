/* pmf.c: the BG/NBD's conditional distribution of purchases. */
#include "model/pmf.h"

#include <math.h>

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
void flo_bgnbd_conditional_pmf(const struct flo_bgnbd *m, double x, double tx, double T,
			       double t, unsigned N, double *p)
{
	const struct flo_bgnbd post = {m->r + x, m->alpha + T, m->a, m->b + x};
	double alive = flo_bgnbd_p_alive(m, x, tx, T);
	double sum = 0.0, comp = 0.0; /* Neumaier's compensated sum of Q(0..N-1) */

	for (unsigned n = 0; n < N; n++) {
		double q = flo_bgnbd_prob_count(&post, t, n), s = sum + q;

		comp += fabs(sum) >= fabs(q) ? (sum - s) + q : (q - s) + sum;
		sum = s;
		p[n] = alive * q;
	}
	/* the tail is what the first N leave: 1 - sum, never below 0 */
	p[N] = alive * fmax(0.0, 1.0 - (sum + comp));
	p[0] += 1.0 - alive; /* a customer who has left buys nothing */
}
