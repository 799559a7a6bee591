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

struct flo_bgbb_poch flo_bgbb_poch(double y, double j, int order)
{
	struct flo_bgbb_poch p = {flo_lnpoch(y, j), 0, 0};
	if (order >= 1)
		p.psi = flo_psi_diff(y, j);
	if (order >= 2)
		p.tri = flo_trigamma_diff(y, j);
	return p;
}

void flo_bgbb_at(const struct flo_bgbb *m, double x, double k, int plus1, int order,
		 struct flo_bgbb_at *t)
{
	t->a = flo_bgbb_poch(m->alpha, x, order);
	t->b = flo_bgbb_poch(m->beta, k - x, order);
	t->ab = flo_bgbb_poch(m->alpha + m->beta, k, order);
	t->d = flo_bgbb_poch(m->delta, k, order);
	t->gd = flo_bgbb_poch(m->gamma + m->delta + plus1, k, order);
}

/* The log-likelihood, with its gradient and Hessian in the
 * log-parameters.
 *
 * The dead terms, gone at the start of period t_x+i+1, i = 0..n-t_x-1:
 *   c_i = ln B(a+x, b+t_x-x+i)/B(a,b) + ln B(g+1, d+t_x+i)/B(g,d)
 * with c_{i+1} - c_i = ln[(b+t_x-x+i)/(a+b+t_x+i) (d+t_x+i)/(g+d+1+t_x+i)]
 * < 0: the sum is e^{c_0} sum rho_i, rho_0 = 1, each rho the last times a
 * ratio below 1.  The derivatives of c_i are digamma differences that grow
 * by 1/(y+i) a term, kept as running sums weighted by rho_i.  The terms do
 * not depend on n, so the sums of (x, t_x) at one n go on to a larger n
 * (flo_bgbb_dead_*): the fit sums each (x, t_x) once up to its largest n.
 *
 * The Hessian: with L = e^A + sum_i e^{c_i}, S = ln sum_i e^{c_i} and the
 * weights w_A = e^A/L, w_S = 1 - w_A (a mixture of two),
 *   d2 ln L = w_A d2 A + w_S d2 S + w_A w_S (dA - dS)(dA - dS)^T,
 *   d2 S = E[d2 c_i] + Cov[dc_i],
 * E and Cov over i with weights rho_i / sum rho.  dc_i = G + M D_i, D_i
 * the digamma differences' growth since i = 0 (zero at i = 0, so the
 * covariance is summed about the first term, without cancelling the
 * means), so Cov[dc_i] = M Cov[D_i] M^T; d2 c_i has trigamma differences
 * that grow by -1/(y+i)^2 a term.  Each is differentiated in (a, b, g, d)
 * and then taken to the log-parameters: d2/dphi_j dphi_k = theta_j
 * theta_k d2/dtheta_j dtheta_k + [j = k] theta_j d/dtheta_j. */
void flo_bgbb_dead_start_at(const struct flo_bgbb *m, double x, double tx, int order,
			    const struct flo_bgbb_at *t, struct flo_bgbb_dead *d)
{
	double g = m->gamma, dl = m->delta;
	*d = (struct flo_bgbb_dead){.x = x, .tx = tx, .order = order, .rho = 1};
	d->c0 = t->a.ln + t->b.ln - t->ab.ln + log(g / (g + dl)) + t->d.ln - t->gd.ln;
	if (order >= 1) {
		d->Pab = t->ab.psi;
		d->Pb = t->b.psi;
		d->Pd = t->d.psi;
		d->Pg = t->gd.psi;
	}
	if (order >= 2) {
		d->Q0[0] = t->ab.tri;
		d->Q0[1] = t->b.tri;
		d->Q0[2] = t->d.tri;
		d->Q0[3] = t->gd.tri;
		d->tri_a = t->a.tri;
	}
}

void flo_bgbb_dead_start(const struct flo_bgbb *m, double x, double tx, int order,
			 struct flo_bgbb_dead *d)
{
	struct flo_bgbb_at t;
	flo_bgbb_at(m, x, tx, 1, order, &t);
	flo_bgbb_dead_start_at(m, x, tx, order, &t, d);
}

/* The rho-weighted sums of the digamma differences' growth D_u, of D_u D_v
 * and of the trigamma differences' growth, then their growth to term i+1. */
static void hess_term(struct flo_bgbb_dead *dd, double rho, const double inv[4])
{
	for (int u = 0, k = 0; u < 4; u++) {
		dd->SD[u] += rho * dd->D[u];
		dd->SQ[u] += rho * dd->DQ[u];
		for (int v = u; v < 4; v++)
			dd->SDD[k++] += rho * dd->D[u] * dd->D[v];
	}
	for (int u = 0; u < 4; u++) {
		dd->D[u] += inv[u];
		dd->DQ[u] -= inv[u] * inv[u];
	}
}

/* dc_i = G + M D_i in (a, b, g, d), D in (ab, b, d, g) (the gradient's
 * dS below) */
static const double M[4][4] = {{-1, 0, 0, 0}, {-1, 1, 0, 0}, {0, 0, 0, -1}, {0, 0, 1, -1}};

/* d2 S in (a, b, g, d), upper triangle, for terms > 0 */
static void dead_hessian(const struct flo_bgbb *m, const struct flo_bgbb_dead *dd, double H[4][4])
{
	double g = m->gamma, d = m->delta, S = dd->S, mean[4], Q[4], C[4][4], MC[4][4];
	for (int u = 0; u < 4; u++) {
		mean[u] = dd->SD[u] / S;
		Q[u] = dd->Q0[u] + dd->SQ[u] / S;
	}
	for (int u = 0, k = 0; u < 4; u++)
		for (int v = u; v < 4; v++, k++)
			C[u][v] = C[v][u] = dd->SDD[k] / S - mean[u] * mean[v];
	for (int j = 0; j < 4; j++)
		for (int v = 0; v < 4; v++) {
			MC[j][v] = 0;
			for (int u = 0; u < 4; u++)
				MC[j][v] += M[j][u] * C[u][v];
		}
	for (int j = 0; j < 4; j++)
		for (int k = j; k < 4; k++) {
			H[j][k] = 0;
			for (int v = 0; v < 4; v++)
				H[j][k] += MC[j][v] * M[k][v];
		}
	/* E[d2 c_i]: ln B(a+x, b+t_x-x+i)/B(a,b) + ln g/(g+d) + ln Gamma(d+t_x+i)/
	 * Gamma(d) - ln Gamma(g+d+1+t_x+i)/Gamma(g+d+1) */
	double igd2 = 1 / ((g + d) * (g + d));
	H[0][0] += dd->tri_a - Q[0];
	H[0][1] += -Q[0];
	H[1][1] += Q[1] - Q[0];
	H[2][2] += -1 / (g * g) + igd2 - Q[3];
	H[2][3] += igd2 - Q[3];
	H[3][3] += igd2 + Q[2] - Q[3];
}

double flo_bgbb_dead_loglik_at(const struct flo_bgbb *m, struct flo_bgbb_dead *dd, double n,
			       const struct flo_bgbb_at *t, double *grad, double *hess)
{
	double a = m->alpha, b = m->beta, g = m->gamma, d = m->delta;
	double x = dd->x, tx = dd->tx;
	double lA = t->a.ln + t->b.ln - t->ab.ln + t->d.ln - t->gd.ln, terms = n - tx,
	       lS = -INFINITY;

	for (; dd->i < terms; dd->i++) {
		double i = dd->i, rho = dd->rho;
		double yb = b + tx - x + i, yab = a + b + tx + i, yd = d + tx + i,
		       yg = g + d + 1 + tx + i;
		dd->S += rho;
		if (dd->order >= 1) {
			const double inv[4] = {1 / yab, 1 / yb, 1 / yd, 1 / yg};
			dd->Sab += rho * dd->Pab;
			dd->Sb += rho * dd->Pb;
			dd->Sd += rho * dd->Pd;
			dd->Sg += rho * dd->Pg;
			dd->Pab += inv[0];
			dd->Pb += inv[1];
			dd->Pd += inv[2];
			dd->Pg += inv[3];
			if (dd->order >= 2)
				hess_term(dd, rho, inv);
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
	double pa = t->a.psi, pabn = t->ab.psi, pgdn = t->gd.psi;
	double dA[4] = {pa - pabn, t->b.psi - pabn, -pgdn, t->d.psi - pgdn};
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
	if (hess == NULL)
		return ll;
	/* d2 A: the alive term's Pochhammer symbols */
	double H[4][4] = {{0}}, HS[4][4] = {{0}};
	double tab = t->ab.tri, tgd = t->gd.tri;
	H[0][0] = t->a.tri - tab;
	H[0][1] = -tab;
	H[1][1] = t->b.tri - tab;
	H[2][2] = -tgd;
	H[2][3] = -tgd;
	H[3][3] = t->d.tri - tgd;
	if (terms > 0)
		dead_hessian(m, dd, HS);
	for (int j = 0; j < 4; j++)
		for (int k = j; k < 4; k++) {
			double v = wA * H[j][k] + wS * HS[j][k] +
				   wA * wS * (dA[j] - dS[j]) * (dA[k] - dS[k]);
			hess[j * 4 + k] = hess[k * 4 + j] =
				th[j] * th[k] * v + (j == k ? grad[j] : 0);
		}
	return ll;
}

double flo_bgbb_dead_loglik(const struct flo_bgbb *m, struct flo_bgbb_dead *d, double n,
			    double *g, double *h)
{
	struct flo_bgbb_at t;
	flo_bgbb_at(m, d->x, n, 0, h != NULL ? 2 : g != NULL, &t);
	return flo_bgbb_dead_loglik_at(m, d, n, &t, g, h);
}

static double loglik(const struct flo_bgbb *m, double x, double tx, double n, double *grad,
		     double *hess)
{
	struct flo_bgbb_dead d;
	flo_bgbb_dead_start(m, x, tx, hess != NULL ? 2 : grad != NULL, &d);
	return flo_bgbb_dead_loglik(m, &d, n, grad, hess);
}

double flo_bgbb_loglik(const struct flo_bgbb *m, double x, double tx, double n)
{
	return loglik(m, x, tx, n, NULL, NULL);
}

double flo_bgbb_loglik_grad(const struct flo_bgbb *m, double x, double tx, double n, double g[4])
{
	return loglik(m, x, tx, n, g, NULL);
}

double flo_bgbb_loglik_hess(const struct flo_bgbb *m, double x, double tx, double n, double g[4],
			    double h[16])
{
	return loglik(m, x, tx, n, g, h);
}

double flo_bgbb_p_alive(const struct flo_bgbb *m, double x, double tx, double n)
{
	/* eq. (11): the alive term with one more period survived,
	 * B(g, d+n+1)/B(g, d+n) = (d+n)/(g+d+n) */
	double l = ln_alive(m, x, n) + log((m->delta + n) / (m->gamma + m->delta + n));
	return fmin(1.0, exp(l - loglik(m, x, tx, n, NULL, NULL)));
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
	double alive = fmin(1.0, exp(ln_alive(m, x, n) - loglik(m, x, tx, n, NULL, NULL)));
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
