/* bgbb.c: the BG/BB's likelihood and predictions (bgbb.h). */
#include "model/bgbb.h"

#include <math.h>
#include <stddef.h>

#include "base/err.h"
#include "model/bgnbd.h"

int flo_bgbb_check(const struct flo_bgbb *m)
{
	if (m == NULL)
		return FLO_EMODEL;
	if (!(isfinite(m->alpha) && m->alpha > 0 && isfinite(m->beta) && m->beta > 0 &&
	      isfinite(m->gamma) && m->gamma > 0 && isfinite(m->delta) && m->delta > 0))
		return FLO_EMODEL;
	return FLO_OK;
}

enum flo_bgbb_history flo_bgbb_history(double x, double tx, double n, int *which)
{
	const double v[3] = {x, tx, n};
	for (int k = 0; k < 3; k++)
		if (!(v[k] >= 0 && v[k] == floor(v[k]))) { /* NaN too */
			*which = k;
			return FLO_BGBB_NOT_WHOLE;
		}
	*which = 2;
	if (n > FLO_BGBB_MAX_PERIODS)
		return FLO_BGBB_TOO_LONG;
	*which = 0;
	if (x > tx)
		return FLO_BGBB_X_OVER_TX;
	*which = 1;
	return x == 0 && tx > 0 ? FLO_BGBB_TX_WITHOUT_X : FLO_BGBB_HISTORY_OK;
}

/* The whole periods in t: a count read from text as 6 may be 5.999... */
static double whole(double t)
{
	return t > 0 ? floor(t + 1e-9 * fmax(1.0, t)) : 0.0;
}

/* ln of the first term, alive through period n (FHS10 eq. 5):
 * ln B(a+x, b+n-x)/B(a,b) + ln B(g, d+n)/B(g,d), by Pochhammer symbols
 * (exact for large b, d and n where lgamma differences lose digits). */
static double ln_alive(const struct flo_bgbb *m, double x, double n)
{
	return flo_lnpoch(m->alpha, x) + flo_lnpoch(m->beta, n - x) -
	       flo_lnpoch(m->alpha + m->beta, n) + flo_lnpoch(m->delta, n) -
	       flo_lnpoch(m->gamma + m->delta, n);
}

/* The log-likelihood, and with g its gradient in the log-parameters.
 *
 * The dead terms, gone at the start of period t_x+i+1, i = 0..n-t_x-1:
 *   c_i = ln B(a+x, b+t_x-x+i)/B(a,b) + ln B(g+1, d+t_x+i)/B(g,d)
 * with c_{i+1} - c_i = ln[(b+t_x-x+i)/(a+b+t_x+i) (d+t_x+i)/(g+d+1+t_x+i)]
 * < 0: the sum is e^{c_0} sum rho_i, rho_0 = 1, each rho the last times a
 * ratio below 1.  The derivatives of c_i are digamma differences that grow
 * by 1/(y+i) a term, kept as running sums weighted by rho_i.  The terms do
 * not depend on n, so the sums of (x, t_x) at one n go on to a larger n
 * (flo_bgbb_dead_*): the fit sums each (x, t_x) once up to its largest n. */
void flo_bgbb_dead_start(const struct flo_bgbb *m, double x, double tx, int grad,
			 struct flo_bgbb_dead *d)
{
	double a = m->alpha, b = m->beta, g = m->gamma, dl = m->delta;
	*d = (struct flo_bgbb_dead){.x = x, .tx = tx, .grad = grad, .rho = 1};
	d->c0 = flo_lnpoch(a, x) + flo_lnpoch(b, tx - x) - flo_lnpoch(a + b, tx) +
		log(g / (g + dl)) + flo_lnpoch(dl, tx) - flo_lnpoch(g + dl + 1, tx);
	if (grad) {
		d->Pab = flo_psi_diff(a + b, tx);
		d->Pb = flo_psi_diff(b, tx - x);
		d->Pd = flo_psi_diff(dl, tx);
		d->Pg = flo_psi_diff(g + dl + 1, tx);
	}
}

double flo_bgbb_dead_loglik(const struct flo_bgbb *m, struct flo_bgbb_dead *dd, double n,
			    double *grad)
{
	double a = m->alpha, b = m->beta, g = m->gamma, d = m->delta;
	double x = dd->x, tx = dd->tx;
	double lA = ln_alive(m, x, n), terms = n - tx, lS = -INFINITY;

	for (; dd->i < terms; dd->i++) {
		double i = dd->i, rho = dd->rho;
		double yb = b + tx - x + i, yab = a + b + tx + i, yd = d + tx + i,
		       yg = g + d + 1 + tx + i;
		dd->S += rho;
		if (dd->grad) {
			dd->Sab += rho * dd->Pab;
			dd->Sb += rho * dd->Pb;
			dd->Sd += rho * dd->Pd;
			dd->Sg += rho * dd->Pg;
			dd->Pab += 1 / yab;
			dd->Pb += 1 / yb;
			dd->Pd += 1 / yd;
			dd->Pg += 1 / yg;
		}
		dd->rho = rho * (yb / yab * (yd / yg));
	}
	double S = dd->S;
	if (terms > 0)
		lS = dd->c0 + log(S);
	double hi = fmax(lA, lS), ll = hi + log1p(exp(-fabs(lA - lS)));
	if (grad == NULL)
		return ll;
	double wA = exp(lA - ll), wS = terms > 0 ? exp(lS - ll) : 0;
	double pa = flo_psi_diff(a, x), pabn = flo_psi_diff(a + b, n), pgdn = flo_psi_diff(g + d, n);
	double dA[4] = {pa - pabn, flo_psi_diff(b, n - x) - pabn, -pgdn, flo_psi_diff(d, n) - pgdn};
	double dS[4] = {0, 0, 0, 0};
	if (terms > 0) {
		dS[0] = pa - dd->Sab / S;
		dS[1] = (dd->Sb - dd->Sab) / S;
		dS[2] = 1 / g - 1 / (g + d) - dd->Sg / S;
		dS[3] = -1 / (g + d) + (dd->Sd - dd->Sg) / S;
	}
	const double th[4] = {a, b, g, d};
	for (int j = 0; j < 4; j++)
		grad[j] = th[j] * (wA * dA[j] + wS * dS[j]);
	return ll;
}

static double loglik(const struct flo_bgbb *m, double x, double tx, double n, double *grad)
{
	struct flo_bgbb_dead d;
	flo_bgbb_dead_start(m, x, tx, grad != NULL, &d);
	return flo_bgbb_dead_loglik(m, &d, n, grad);
}

double flo_bgbb_loglik(const struct flo_bgbb *m, double x, double tx, double n)
{
	return loglik(m, x, tx, n, NULL);
}

double flo_bgbb_loglik_grad(const struct flo_bgbb *m, double x, double tx, double n, double g[4])
{
	return loglik(m, x, tx, n, g);
}

double flo_bgbb_p_alive(const struct flo_bgbb *m, double x, double tx, double n)
{
	/* eq. (11): the alive term with one more period survived,
	 * B(g, d+n+1)/B(g, d+n) = (d+n)/(g+d+n) */
	double l = ln_alive(m, x, n) + log((m->delta + n) / (m->gamma + m->delta + n));
	return fmin(1.0, exp(l - loglik(m, x, tx, n, NULL)));
}

double flo_bgbb_expected_alive(const struct flo_bgbb *m, double x, double n, double t)
{
	double K = whole(t), sum = 0, surv = 1;

	/* P(alive in n+k | alive in n+1) = prod_{j=n+1}^{n+k-1} (d+j)/(g+d+j) */
	for (double k = 1; k <= K; k++) {
		sum += surv;
		surv *= (m->delta + n + k) / (m->gamma + m->delta + n + k);
	}
	return (m->alpha + x) / (m->alpha + m->beta + n) * sum;
}

double flo_bgbb_expected_purchases(const struct flo_bgbb *m, double x, double tx, double n,
				   double t)
{
	return flo_bgbb_p_alive(m, x, tx, n) * flo_bgbb_expected_alive(m, x, n, t);
}

double flo_bgbb_expected_count(const struct flo_bgbb *m, double t)
{
	double K = whole(t), sum = 0, surv = m->delta / (m->gamma + m->delta);

	for (double k = 1; k <= K; k++) {
		sum += surv;
		surv *= (m->delta + k) / (m->gamma + m->delta + k);
	}
	return m->alpha / (m->alpha + m->beta) * sum;
}

static double ln_choose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

double flo_bgbb_prob_count(const struct flo_bgbb *m, double t, unsigned xu)
{
	double a = m->alpha, b = m->beta, g = m->gamma, d = m->delta, N = whole(t), x = xu;

	if (x > N)
		return 0.0;
	/* eq. (7): alive through N with x purchases, or gone at the start of
	 * period i+1 (i = x..N-1) with x purchases in its i periods */
	double p = exp(ln_choose(N, x) + ln_alive(m, x, N));
	double lx = flo_lnpoch(a, x) + log(g / (g + d));
	for (double i = x; i < N; i++)
		p += exp(ln_choose(i, x) + lx + flo_lnpoch(b, i - x) - flo_lnpoch(a + b, i) +
			 flo_lnpoch(d, i) - flo_lnpoch(g + d + 1, i));
	return fmin(1.0, p);
}

double flo_bgbb_clv_alive_sum(const struct flo_bgbb *m, double x, double n, unsigned months,
			      double discount, double units_per_month)
{
	double ep = (m->alpha + x) / (m->alpha + m->beta + n);
	double k = 0, surv = 1, prev = 0, cum = 0, total = 0, factor = 1;

	for (unsigned i = 1; i <= months; i++) {
		double K = whole(i * units_per_month);
		for (; k < K; k++) { /* period n+k+1 */
			cum += surv;
			surv *= (m->delta + n + k + 1) / (m->gamma + m->delta + n + k + 1);
		}
		factor /= 1 + discount;
		total += ep * (cum - prev) * factor;
		prev = cum;
	}
	return total;
}

/* A customer alive through period n (the share e^A / L of the likelihood)
 * buys from then on as a new customer of (a+x, b+n-x, g, d+n): p and theta
 * given the history, and each later period's death still to come. */
void flo_bgbb_conditional_pmf(const struct flo_bgbb *m, double x, double tx, double n, double t,
			      unsigned N, double *p)
{
	const struct flo_bgbb post = {m->alpha + x, m->beta + n - x, m->gamma, m->delta + n};
	double alive = fmin(1.0, exp(ln_alive(m, x, n) - loglik(m, x, tx, n, NULL)));
	double sum = 0.0, comp = 0.0; /* Neumaier's compensated sum of Q(0..N-1) */

	for (unsigned k = 0; k < N; k++) {
		double q = flo_bgbb_prob_count(&post, t, k), s = sum + q;

		comp += fabs(sum) >= fabs(q) ? (sum - s) + q : (q - s) + sum;
		sum = s;
		p[k] = alive * q;
	}
	p[N] = alive * fmax(0.0, 1.0 - (sum + comp));
	p[0] += 1.0 - alive;
}
