/* mbgnbd.c: the MBG/NBD's likelihood and predictions (mbgnbd.h). */
#include "model/mbgnbd.h"

#include <math.h>
#include <stddef.h>

#include "base/err.h"

/* exp() of anything below this is 0 in double precision. */
#define EXP_MIN (-745.0)

int flo_mbgnbd_check(const struct flo_mbgnbd *m)
{
	if (m == NULL)
		return FLO_EMODEL;
	if (!(isfinite(m->r) && m->r > 0 && isfinite(m->alpha) && m->alpha > 0 &&
	      isfinite(m->a) && m->a > 0 && isfinite(m->b) && m->b > 0))
		return FLO_EMODEL;
	return FLO_OK;
}

/* ln(1 + num/den) for num >= 0, den > 0, without overflow of num/den. */
static double log1p_ratio(double num, double den)
{
	double q = num / den;

	return isfinite(q) ? log1p(q) : log(num) - log(den);
}

/* The likelihood is L = C (alive + dead), alive = (alpha+T)^-(r+x),
 * dead = a/(b+x) (alpha+t_x)^-(r+x): unlike the BG/NBD's, the dead term is
 * there at x = 0 too (a drop-out at the first purchase).  The shares of
 * the two, w_alive = P(alive) and w_dead, and ln(1 + dead/alive). */
struct split {
	double w_alive, w_dead, softplus;
};

static void split(const struct flo_mbgnbd *m, double x, double tx, double T, struct split *s)
{
	/* ln(dead/alive); (alpha+T)/(alpha+t_x) by log1p keeps T - t_x exact */
	double odds = log(m->a) - log(m->b + x) + (m->r + x) * log1p_ratio(T - tx, m->alpha + tx);
	double e = odds < EXP_MIN || -odds < EXP_MIN ? 0.0 : exp(-fabs(odds));

	if (odds > 0) {
		s->w_dead = 1.0 / (1.0 + e);
		s->w_alive = e / (1.0 + e);
		s->softplus = odds + log1p(e);
	} else {
		s->w_alive = 1.0 / (1.0 + e);
		s->w_dead = e / (1.0 + e);
		s->softplus = log1p(e);
	}
}

/* ln B(a, b+x+1) - ln B(a, b) = lnpoch(b, x+1) - lnpoch(a+b, x+1), accurate
 * as b -> infinity. */
static double lnbeta_ratio(double a, double b, double x)
{
	return flo_lnpoch(b, x + 1) - flo_lnpoch(a + b, x + 1);
}

double flo_mbgnbd_loglik(const struct flo_mbgnbd *m, double x, double tx, double T)
{
	struct split s;

	split(m, x, tx, T, &s);
	/* r ln alpha - (r+x) ln(alpha+T) as -r log1p(T/alpha) - x ln(alpha+T):
	 * a large alpha cancels exactly */
	return flo_lnpoch(m->r, x) + lnbeta_ratio(m->a, m->b, x) -
	       m->r * log1p_ratio(T, m->alpha) - x * log(m->alpha + T) + s.softplus;
}

double flo_mbgnbd_loglik_grad(const struct flo_mbgnbd *m, double x, double tx, double T,
			      double g[4])
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, n = r + x;
	struct split s;

	split(m, x, tx, T, &s);
	/* the derivatives times the parameter: the log scale's chain rule */
	g[0] = r * (flo_psi_diff(r, x) - s.w_alive * log1p_ratio(T, al) -
		    s.w_dead * log1p_ratio(tx, al));
	g[1] = r - n * (s.w_alive * al / (al + T) + s.w_dead * al / (al + tx));
	g[2] = -a * flo_psi_diff(a + b, x + 1) + s.w_dead;
	g[3] = b * (flo_psi_diff(b, x + 1) - flo_psi_diff(a + b, x + 1)) - s.w_dead * b / (b + x);
	return flo_lnpoch(r, x) + lnbeta_ratio(a, b, x) - r * log1p_ratio(T, al) -
	       x * log(al + T) + s.softplus;
}

double flo_mbgnbd_p_alive(const struct flo_mbgnbd *m, double x, double tx, double T)
{
	struct split s;

	split(m, x, tx, T, &s);
	return s.w_alive;
}

struct flo_bgnbd flo_mbgnbd_alive_bgnbd(const struct flo_mbgnbd *m)
{
	return (struct flo_bgnbd){m->r, m->alpha, m->a, m->b + 1};
}

double flo_mbgnbd_expected_alive(const struct flo_mbgnbd *m, double x, double T, double t)
{
	struct flo_bgnbd bg = flo_mbgnbd_alive_bgnbd(m);

	return t > 0 ? flo_bgnbd_expected_alive(&bg, x, T, t, FLO_BGNBD_AUTO) : 0.0;
}

double flo_mbgnbd_expected_purchases(const struct flo_mbgnbd *m, double x, double tx, double T,
				     double t)
{
	return flo_mbgnbd_p_alive(m, x, tx, T) * flo_mbgnbd_expected_alive(m, x, T, t);
}

/* E[1-p] = b/(a+b): the chance of surviving the first purchase; a new
 * customer who did is the alive BG/NBD's new customer. */
static double survives_first(const struct flo_mbgnbd *m)
{
	return m->b / (m->a + m->b);
}

double flo_mbgnbd_expected_count(const struct flo_mbgnbd *m, double t)
{
	struct flo_bgnbd bg = flo_mbgnbd_alive_bgnbd(m);

	return t > 0 ? survives_first(m) * flo_bgnbd_expected_count(&bg, t) : 0.0;
}

double flo_mbgnbd_prob_count(const struct flo_mbgnbd *m, double t, unsigned n)
{
	struct flo_bgnbd bg = flo_mbgnbd_alive_bgnbd(m);
	double p = survives_first(m) * flo_bgnbd_prob_count(&bg, t, n);

	return n == 0 ? p + m->a / (m->a + m->b) : p;
}

/* As pmf.c: a customer alive at T buys from then on as a new BG/NBD
 * customer of the updated parameters r+x, alpha+T, a, b+x+1 (the x+1 coin
 * flips survived); one who has left buys nothing. */
void flo_mbgnbd_conditional_pmf(const struct flo_mbgnbd *m, double x, double tx, double T,
				double t, unsigned N, double *p)
{
	const struct flo_bgnbd post = {m->r + x, m->alpha + T, m->a, m->b + x + 1};
	double alive = flo_mbgnbd_p_alive(m, x, tx, T);
	double sum = 0.0, comp = 0.0; /* Neumaier's compensated sum of Q(0..N-1) */

	for (unsigned n = 0; n < N; n++) {
		double q = flo_bgnbd_prob_count(&post, t, n), s = sum + q;

		comp += fabs(sum) >= fabs(q) ? (sum - s) + q : (q - s) + sum;
		sum = s;
		p[n] = alive * q;
	}
	p[N] = alive * fmax(0.0, 1.0 - (sum + comp));
	p[0] += 1.0 - alive;
}
