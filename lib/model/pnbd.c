/* pnbd.c: Pareto/NBD numerics (FHL05, see pnbd.h).
 *
 * The likelihood FHL05 eq. (22) is, with a = r+x, b = s+1,
 *   L = Gamma(r+x)/Gamma(r) alpha^r beta^s [alive + dead],
 *   alive = (alpha+T)^-a (beta+T)^-s,
 *   dead  = s int_{t_x}^{T} (alpha+tau)^-a (beta+tau)^-b dtau,
 * the dead part being the customer's death at tau in (t_x, T] integrated
 * over the Gamma mixing distributions; the paper's A0 (eqs. 23-24) is that
 * integral times r+s+x, written as a hypergeometric series whose form
 * depends on the sign of alpha - beta.  The integral needs no case: its
 * integrand is positive, smooth and log-concave in u = ln(min(alpha,beta)+tau),
 * and is evaluated by adaptive Gauss-Kronrod quadrature in u, scaled by its
 * value at t_x, so that nothing overflows for x in the thousands or T in the
 * ten thousands, and alpha = beta is no special case.  The gradient's
 * integrals (the integrand times ln(alpha+tau), 1/(alpha+tau), likewise in
 * beta) use the same nodes. */
#include "model/pnbd.h"

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_sf_gamma.h>

#include "base/err.h"
#include "model/bgnbd.h"
#include "model/quadgk.h"

int flo_pnbd_check(const struct flo_pnbd *m)
{
	if (m == NULL)
		return FLO_EMODEL;
	if (!(isfinite(m->r) && m->r > 0 && isfinite(m->alpha) && m->alpha > 0 &&
	      isfinite(m->s) && m->s > 0 && isfinite(m->beta) && m->beta > 0))
		return FLO_EMODEL;
	return FLO_OK;
}

/* ln(1 + num/den), num >= 0, den > 0, also where num/den overflows. */
static double log1p_ratio(double num, double den)
{
	double q = num / den;
	return isfinite(q) ? log1p(q) : log(num) - log(den);
}

/* ---- the dead part ---- */

/* The moments integrated, each times e^E(u) du: 1; pa = ln((alpha+tau) /
 * (alpha+t_x)); 1 - e^-pa = (tau-t_x)/(alpha+tau); pb and 1 - e^-pb likewise
 * in beta.  The complements, not e^-pa: the gradient needs 1 - alpha/(alpha+tau),
 * which a difference loses when alpha is large (at s = 1e20 its error was
 * 1e4 per customer, and the profile of s never converged). */
enum { M_ONE, M_LA, M_RA, M_LB, M_RB, NMOM };

struct integrand {
	double a, b;   /* the powers r+x and s+1 */
	double c;      /* min(alpha,beta) + t_x: tau - t_x = c expm1(u) */
	double ca, cb; /* alpha + t_x, beta + t_x */
	int nmom;      /* 1: the value only; NMOM: the gradient's moments too */
};

/* E(u) = ln of the integrand in u relative to u = 0:
 *   u - a ln((alpha+tau)/(alpha+t_x)) - b ln((beta+tau)/(beta+t_x)). */
static void integrand_at(const struct integrand *f, double u, double *out)
{
	double d = f->c * expm1(u);
	double pa = f->c == f->ca ? u : log1p(d / f->ca);
	double pb = f->c == f->cb ? u : log1p(d / f->cb);
	double e = exp(u - f->a * pa - f->b * pb);
	out[M_ONE] = e;
	if (f->nmom > 1) {
		out[M_LA] = e * pa;
		out[M_RA] = e * -expm1(-pa);
		out[M_LB] = e * pb;
		out[M_RB] = e * -expm1(-pb);
	}
}

/* The 15-point estimate over [lo, hi] into s->q, and the error measure:
 * |Kronrod - Gauss| of the value and of the log moments (which weigh the
 * far end more), which are also the segment's mass. */
static void rule(const void *integrand, double lo, double hi, struct flo_gk_segment *s)
{
	const struct integrand *f = integrand;
	double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
	double k[NMOM] = {0}, g[NMOM] = {0}, v[NMOM];
	int n = f->nmom;
	for (int i = 0; i < 8; i++) {
		int pts = i < 7 ? 2 : 1;
		for (int side = 0; side < pts; side++) {
			integrand_at(f, mid + (side ? -half : half) * flo_gk15_nodes[i], v);
			for (int j = 0; j < n; j++) {
				k[j] += flo_gk15_weights[i] * v[j];
				if (i % 2 == 1)
					g[j] += flo_gk7_weights[i / 2] * v[j];
			}
		}
	}
	s->lo = lo, s->hi = hi, s->err = 0;
	for (int j = 0; j < NMOM; j++) { /* the moments not asked for are 0 */
		s->q[j] = k[j] * half;
		if (j == M_ONE || j == M_LA || j == M_LB)
			s->err += fabs((k[j] - g[j]) * half);
	}
	s->mass = s->q[M_ONE] + s->q[M_LA] + s->q[M_LB];
}

/* |K15 - G7| is the error of the 7-point rule; the 15-point estimate is far
 * better, so this bound leaves the integral good to about the last digit.
 * No history seen in the tests needs more than a few dozen segments. */
#define QUAD_TOL 1e-12
#define MAX_SEGMENTS 400

/* int_0^U e^E(u) [moments] du into q[]; globally adaptive: the segment with
 * the largest error is halved until the errors sum to QUAD_TOL of the
 * value.  The first segments grow geometrically from the width of the
 * integrand's peak at u = 0, 1/|E'(0)| >= 1/(1 + a c/ca + b c/cb), so that
 * a peak narrower than the interval (x in the thousands) is never missed by
 * every node.  (Not 1/(a+b): E' tends to 1-a-b only where the integrand
 * has long fallen, and at s = 1e40 with s/beta = 0.04 the 64 segments from
 * 1e-40 up were most of the fit's time.) */
static void integrate(const struct integrand *f, double U, double *q)
{
	struct flo_gk_segment seg[MAX_SEGMENTS];
	int n = 0;
	double h = 1 / (1 + f->a * (f->c / f->ca) + f->b * (f->c / f->cb)), lo = 0;
	while (lo < U && n < 64) {
		double hi = n == 63 || lo + h >= U ? U : lo + h;
		rule(f, lo, hi, &seg[n++]);
		lo = hi;
		h *= 2;
	}
	flo_gk_refine(rule, f, seg, &n, MAX_SEGMENTS, QUAD_TOL, 0);
	flo_gk_sum(seg, n, f->nmom, q);
}

/* The likelihood's split into alive and dead, and what the gradient needs:
 *   odds = ln(dead / alive), -inf when t_x = T (no time to die in);
 *   la, ra, lb, rb: the dead integral's means of pa, 1 - e^-pa, pb,
 *   1 - e^-pb. */
struct split {
	double odds;
	double la, ra, lb, rb;
};

static void split(const struct flo_pnbd *m, double x, double tx, double T, int grad,
		  struct split *out)
{
	double r = m->r, al = m->alpha, s = m->s, be = m->beta;
	struct integrand f = {r + x, s + 1, fmin(al, be) + tx, al + tx, be + tx, grad ? NMOM : 1};
	double q[NMOM] = {0};
	double U = log1p_ratio(T - tx, f.c);
	out->la = out->ra = out->lb = out->rb = 0;
	if (!(U > 0)) {
		out->odds = -HUGE_VAL;
		return;
	}
	integrate(&f, U, q);
	/* dead/alive = s c (alpha+t_x)^-a (beta+t_x)^-b J / ((alpha+T)^-a (beta+T)^-s)
	 * with J = int_0^U e^E du: in ratios that stay near 1 */
	out->odds = log(s) + log(f.c) - log(f.cb) + f.a * log1p_ratio(T - tx, f.ca) +
		    s * log1p_ratio(T - tx, f.cb) + log(q[M_ONE]);
	if (grad) {
		out->la = q[M_LA] / q[M_ONE];
		out->ra = q[M_RA] / q[M_ONE];
		out->lb = q[M_LB] / q[M_ONE];
		out->rb = q[M_RB] / q[M_ONE];
	}
}

/* 1 / (1 + e^v) without overflow (testing first keeps the flag quiet). */
static double logistic_neg(double v)
{
	return v > 745 ? 0 : v < -745 ? 1 : 1 / (1 + exp(v));
}

/* ln(1 + e^v) without overflow. */
static double softplus(double v)
{
	return v > 0 ? v + log1p(exp(-v)) : v < -745 ? 0 : log1p(exp(v));
}

/* The terms of ln L outside the bracket, with alive's logs: ln Gamma(r+x) -
 * ln Gamma(r) + r ln alpha + s ln beta - (r+x) ln(alpha+T) - s ln(beta+T),
 * the powers combined into log1p. */
static double lead(const struct flo_pnbd *m, double x, double T)
{
	return flo_lnpoch(m->r, x) - x * log(m->alpha + T) - m->r * log1p_ratio(T, m->alpha) -
	       m->s * log1p_ratio(T, m->beta);
}

double flo_pnbd_loglik(const struct flo_pnbd *m, double x, double tx, double T)
{
	struct split sp;
	split(m, x, tx, T, 0, &sp);
	return lead(m, x, T) + (isfinite(sp.odds) ? softplus(sp.odds) : 0);
}

double flo_pnbd_loglik_grad(const struct flo_pnbd *m, double x, double tx, double T,
			    double g[4])
{
	struct split sp;
	double r = m->r, al = m->alpha, s = m->s, be = m->beta;
	split(m, x, tx, T, 1, &sp);
	int dies = isfinite(sp.odds);
	/* the posterior weights of alive and dead; they sum to 1, which turns
	 * ln alpha - ln(alpha+T) and the like into log1p */
	double wd = dies ? logistic_neg(-sp.odds) : 0;
	double wa = dies ? logistic_neg(sp.odds) : 1;
	g[0] = r * (flo_psi_diff(r, x) - wa * log1p_ratio(T, al) -
		    wd * (log1p_ratio(tx, al) + sp.la));
	/* d/d ln alpha: r - a W, W the posterior mean of alpha/(alpha+tau) (tau
	 * = T alive), = r (1 - W) - x W with 1 - W summed from its own terms:
	 * as alpha and r grow together r - a W is a difference of huge numbers;
	 * likewise in beta with s */
	double ea = al / (al + tx) * (1 - sp.ra), eb = be / (be + tx) * (1 - sp.rb);
	double w_al = wa * al / (al + T) + wd * ea;
	double w_al1 = wa * T / (al + T) + wd * (tx / (al + tx) + al / (al + tx) * sp.ra);
	double w_be1 = wa * T / (be + T) + wd * (tx / (be + tx) + be / (be + tx) * sp.rb);
	g[1] = r * w_al1 - x * w_al;
	g[2] = -wa * s * log1p_ratio(T, be) + wd * (1 - s * (log1p_ratio(tx, be) + sp.lb));
	g[3] = s * w_be1 - wd * eb;
	return lead(m, x, T) + (dies ? softplus(sp.odds) : 0);
}

double flo_pnbd_p_alive(const struct flo_pnbd *m, double x, double tx, double T)
{
	struct split sp;
	split(m, x, tx, T, 0, &sp);
	return isfinite(sp.odds) ? logistic_neg(sp.odds) : 1;
}

/* ---- expectations ---- */

/* ln int_0^t (B/(B+u))^s du = ln of B (1 - (1 + t/B)^(1-s)) / (s - 1), and
 * B ln(1 + t/B) at s = 1: in logs, with expm1, so that s near 1, t/B huge
 * and s < 1 (where the power grows) keep their digits.  -inf at t = 0. */
static double ln_survival_mass(double B, double s, double t)
{
	double L = log1p_ratio(t, B);
	if (!(L > 0))
		return -HUGE_VAL;
	double e = (1 - s) * L;
	if (e == 0)
		return log(B) + log(L);
	if (e > 0) /* (e^e - 1)/(1-s) = e^e (1 - e^-e)/(1-s) */
		return log(B) + e + log(-expm1(-e) / (1 - s));
	return log(B) + log(-expm1(e) / (s - 1));
}

double flo_pnbd_expected_alive(const struct flo_pnbd *m, double x, double T, double t)
{
	/* given alive at T: lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T);
	 * E[lambda] times the expected time alive in (T, T+t] */
	double v = log(m->r + x) - log(m->alpha + T) + ln_survival_mass(m->beta + T, m->s, t);
	return v < -745 ? 0 : exp(v);
}

double flo_pnbd_expected_purchases(const struct flo_pnbd *m, double x, double tx, double T,
				   double t)
{
	return flo_pnbd_p_alive(m, x, tx, T) * flo_pnbd_expected_alive(m, x, T, t);
}

double flo_pnbd_expected_count(const struct flo_pnbd *m, double t)
{
	double v = log(m->r) - log(m->alpha) + ln_survival_mass(m->beta, m->s, t);
	return v < -745 ? 0 : exp(v);
}

/* ---- the distribution of purchases ----
 *
 * Fader & Hardie (2006), "Deriving an Expression for P(X(t) = x) Under the
 * Pareto/NBD Model"): a customer alive through (0, t] makes
 * NB(n) = Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n
 * purchases, with probability (beta/(beta+t))^s; one who died at tau < t
 * made NB(n) at tau.  The note integrates the second part over tau in
 * closed form, B1 - sum_{i<=n} B2_i with Gauss hypergeometric functions: a
 * difference of two nearly equal numbers for large n, r+s or t, which loses
 * every digit.  Here the death part stays the integral it is,
 *   D(n) = int_0^t NB(n; tau) s beta^s (beta+tau)^-(s+1) dtau,
 * a positive integrand, log-concave in w = ln tau (its second derivative,
 * below, is negative), so one peak: found first, then integrated by the
 * Gauss-Kronrod rule above over segments that grow geometrically from it
 * and stop where the integrand has fallen by e^-50 (what lies beyond is
 * below 1e-21 of the whole, by concavity). */

struct death_pmf {
	double r, al, s, be, n;
	double lead; /* ln Gamma(r+n) - ln Gamma(r) - ln n! + ln s */
};

/* ln of the integrand in w = ln tau, times tau (dtau = tau dw):
 * lead + w - r ln(1 + tau/alpha) - n ln(1 + alpha/tau) - s ln(1 + tau/beta)
 * - ln(beta + tau), the powers of alpha and beta written as ratios. */
static double death_log(const struct death_pmf *f, double w)
{
	double tau = exp(w);
	double v = f->lead + w - f->r * log1p_ratio(tau, f->al) - f->s * log1p_ratio(tau, f->be) -
		   log(f->be + tau);
	return f->n > 0 ? v - f->n * log1p_ratio(f->al, tau) : v;
}

/* Its first and second derivatives in w: 1 + (n alpha - r tau)/(alpha+tau)
 * - (s+1) tau/(beta+tau), falling from n+1 to -(r+s); and
 * -(r+n) qa (1-qa) - (s+1) qb (1-qb), qa = tau/(alpha+tau), qb likewise. */
static double death_slope(const struct death_pmf *f, double w)
{
	double tau = exp(w);
	return 1 + (f->n * f->al - f->r * tau) / (f->al + tau) - (f->s + 1) * tau / (f->be + tau);
}

static double death_curvature(const struct death_pmf *f, double w)
{
	double tau = exp(w), qa = tau / (f->al + tau), qb = tau / (f->be + tau);
	return -(f->r + f->n) * qa * (1 - qa) - (f->s + 1) * qb * (1 - qb);
}

/* The 15-point estimate of int e^(h(w) - peak) over [lo, hi] and its error
 * measure |Kronrod - Gauss|. */
struct death_integrand {
	const struct death_pmf *f;
	double peak;
};

static void death_rule(const void *integrand, double lo, double hi, struct flo_gk_segment *s)
{
	const struct death_integrand *d = integrand;
	double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo), k = 0, g = 0;
	for (int i = 0; i < 8; i++)
		for (int side = 0; side < (i < 7 ? 2 : 1); side++) {
			double w = mid + (side ? -half : half) * flo_gk15_nodes[i];
			double v = exp(death_log(d->f, w) - d->peak);
			k += flo_gk15_weights[i] * v;
			if (i % 2 == 1)
				g += flo_gk7_weights[i / 2] * v;
		}
	s->lo = lo, s->hi = hi;
	s->q[M_ONE] = s->mass = k * half;
	s->err = fabs((k - g) * half);
}

/* The peak of h on (-inf, wt]: h' falls through 0 between w where
 * tau = min(alpha,beta) (n+1) / (2 (r+n+s+1)) (h' >= (n+1)/2 there) and
 * tau = max(alpha,beta) (n+1) / (r+s) (h' <= 0), found by bisection; wt
 * when h' is still positive there. */
static double death_peak(const struct death_pmf *f, double wt)
{
	double lo = log(fmin(f->al, f->be)) + log(f->n + 1) - log(2 * (f->r + f->n + f->s + 1));
	double hi = log(fmax(f->al, f->be)) + log(f->n + 1) - log(f->r + f->s);
	if (!(lo < wt))
		lo = wt, hi = wt;
	hi = fmin(hi, wt);
	if (death_slope(f, hi) >= 0)
		return hi;
	for (int i = 0; i < 200 && hi - lo > 1e-9 * fmax(1, fabs(lo)); i++) {
		double mid = 0.5 * (lo + hi);
		if (death_slope(f, mid) > 0)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

#define PEAK_DROP 50.0 /* e^-50 < 2e-22 */

/* ln D(n) for t > 0 (-inf when it underflows to nothing). */
static double death_part(const struct flo_pnbd *m, double t, unsigned n)
{
	struct death_pmf f = {m->r, m->alpha, m->s, m->beta, n, 0};
	f.lead = flo_lnpoch(m->r, n) - gsl_sf_lnfact(n) + log(m->s);
	double wt = log(t), w0 = death_peak(&f, wt), h0 = death_log(&f, w0);
	/* the peak's width: the curvature's, or the slope's where the peak is
	 * the end t */
	double width = 1 / sqrt(-death_curvature(&f, w0));
	double slope = death_slope(&f, w0);
	if (slope > 0)
		width = fmin(width, 1 / slope);
	if (!isfinite(width) || !(width > 0))
		width = 1;

	struct death_integrand d = {&f, h0};
	struct flo_gk_segment seg[MAX_SEGMENTS];
	int nseg = 0;
	double step = width, at = w0;
	for (int j = 0; j < 60 && death_log(&f, at) > h0 - PEAK_DROP; j++, step *= 2) {
		death_rule(&d, at - step, at, &seg[nseg++]);
		at -= step;
	}
	step = width, at = w0;
	for (int j = 0; j < 60 && at < wt && death_log(&f, at) > h0 - PEAK_DROP; j++, step *= 2) {
		double hi = fmin(at + step, wt);
		death_rule(&d, at, hi, &seg[nseg++]);
		at = hi;
	}
	double v = h0 + log(flo_gk_refine(death_rule, &d, seg, &nseg, MAX_SEGMENTS, QUAD_TOL, 0));
	return isnan(v) ? -HUGE_VAL : v;
}

double flo_pnbd_prob_count(const struct flo_pnbd *m, double t, unsigned n)
{
	if (!(t > 0))
		return n == 0 ? 1.0 : 0.0;
	/* alive at t: NB(n) (beta/(beta+t))^s */
	double alive = flo_lnpoch(m->r, n) - gsl_sf_lnfact(n) - m->r * log1p_ratio(t, m->alpha) -
		       (n > 0 ? n * log1p_ratio(m->alpha, t) : 0) - m->s * log1p_ratio(t, m->beta);
	double dead = death_part(m, t, n);
	double hi = fmax(alive, dead), lo = fmin(alive, dead);
	if (hi < -745)
		return 0;
	return fmin(1.0, exp(hi + log1p(exp(lo - hi))));
}
