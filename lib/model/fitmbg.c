/* fitmbg.c: the MBG/NBD's log-likelihood summed over indexed triples, with
 * its exact gradient and Hessian in the log-parameters (fitlik.h).
 *
 * Per customer (mbgnbd.h; Batislam, Denizel & Filiztekin 2007):
 *   ln L = lnpoch(r, x) + r ln alpha + lnpoch(b, x+1) - lnpoch(a+b, x+1)
 *        + ln[e^A + e^D],
 *   A = -(r+x) ln(alpha+T)                   (alive at T)
 *   D = ln a - ln(b+x) - (r+x) ln(alpha+t_x)  (dropped out at t_x)
 * the BG/NBD's (fitlik.c) but for the Beta part's x+1 and a dead term at
 * every x, x = 0 included.  The terms in x alone are computed once per
 * distinct x, the time terms once per distinct time; per observation the
 * log-sum-exp of A and D, whose derivatives are w_A A' + w_D D' and
 * w_A A'' + w_D D'' + w_A w_D (A' - D')(A' - D')^T with the shares w_A, w_D
 * of e^A and e^D. */
#include "model/fitlik.h"

#include <math.h>
#include <string.h>

#include "model/bgnbd.h"
#include "base/pool.h"

/* Per distinct x: ln(a/(b+x)), bx = b/(b+x) and d bx/d ln b = bx (1-bx). */
struct mterm {
	double lnc, bx, bxx;
};

/* Per distinct time t: ln(alpha+t), alpha/(alpha+t), alpha t/(alpha+t)^2. */
struct mtime {
	double l, s, q;
};

/* The sums over the observations, weighted by w, with c = w w_A w_D,
 * dl = l_T - l_tx, ds = s_T - s_tx, rx = r + x:
 *   M_LL w ln(e^A + e^D)
 *   M_L  w (w_A l_T + w_D l_tx)    M_S  w rx (w_A s_T + w_D s_tx)
 *   M_SS w (w_A s_T + w_D s_tx)
 *   M_Q  w rx (w_A q_T + w_D q_tx) M_WD w w_D   M_WDB w w_D bx
 *   M_WDBB w w_D bx (1-bx)
 *   M_C, M_CL, M_CS, M_CLL, M_CLS, M_CSS, M_CB, M_CBL, M_CBS, M_CBB:
 *     c times 1, dl, rx ds, dl^2, dl rx ds, (rx ds)^2, bx, bx dl, bx rx ds,
 *     bx^2. */
enum { M_LL, M_L, M_S, M_SS, M_Q, M_WD, M_WDB, M_WDBB, M_C, M_CL, M_CS, M_CLL, M_CLS, M_CSS,
       M_CB, M_CBL, M_CBS, M_CBB, M_N };

struct mbg_ctx {
	const struct flo_problem *p;
	double r;
	const struct mterm *xt;
	const struct mtime *tt;
	int order;
};

struct mbg_part {
	const struct mbg_ctx *c;
	size_t lo, hi;
	double s[M_N];
};

static void mbg_range(void *arg)
{
	struct mbg_part *part = arg;
	const struct mbg_ctx *c = part->c;
	const struct flo_problem *p = c->p;
	const int order = c->order;
	double s[M_N] = {0};
	for (size_t i = part->lo; i < part->hi; i++) {
		const struct flo_obs *o = &p->obs[i];
		const struct mterm *xt = &c->xt[o->xi];
		const struct mtime *tT = &c->tt[o->ti], *tx = &c->tt[o->ui];
		double rx = c->r + p->xs.v[o->xi], w = o->w;
		double alive = -rx * tT->l, dead = xt->lnc - rx * tx->l;
		double e = exp(-fabs(alive - dead)), big = 1 / (1 + e), small = e * big;
		double w_a = alive >= dead ? big : small, w_d = alive >= dead ? small : big;
		s[M_LL] += w * (fmax(alive, dead) + log1p(e));
		if (order < FLO_LIK_GRADIENT)
			continue;
		double wa = w * w_a, wd = w * w_d;
		s[M_L] += wa * tT->l + wd * tx->l;
		s[M_S] += rx * (wa * tT->s + wd * tx->s);
		s[M_WD] += wd;
		s[M_WDB] += wd * xt->bx;
		if (order < FLO_LIK_HESSIAN)
			continue;
		s[M_SS] += wa * tT->s + wd * tx->s;
		s[M_Q] += rx * (wa * tT->q + wd * tx->q);
		s[M_WDBB] += wd * xt->bxx;
		double cc = wa * w_d, dl = tT->l - tx->l, ds = rx * (tT->s - tx->s);
		s[M_C] += cc;
		s[M_CL] += cc * dl;
		s[M_CS] += cc * ds;
		s[M_CLL] += cc * dl * dl;
		s[M_CLS] += cc * dl * ds;
		s[M_CSS] += cc * ds * ds;
		s[M_CB] += cc * xt->bx;
		s[M_CBL] += cc * xt->bx * dl;
		s[M_CBS] += cc * xt->bx * ds;
		s[M_CBB] += cc * xt->bx * xt->bx;
	}
	memcpy(part->s, s, sizeof s);
}

/* The sums in two parts when the problem says so (fitlik.h), the second on
 * its helper thread if it has one; added in one order whatever the
 * threads. */
static void mbg_sums(const struct mbg_ctx *c, double *s)
{
	const struct flo_problem *p = c->p;
	struct mbg_part parts[2];
	int n = p->split ? 2 : 1;
	for (int k = 0; k < n; k++)
		parts[k] = (struct mbg_part){c, p->n * (size_t)k / (size_t)n,
					     p->n * (size_t)(k + 1) / (size_t)n, {0}};
	if (n == 2 && p->pool != NULL)
		flo_pool_submit(p->pool, mbg_range, &parts[1]);
	mbg_range(&parts[0]);
	if (n == 2 && p->pool != NULL)
		flo_pool_wait(p->pool);
	else if (n == 2)
		mbg_range(&parts[1]);
	for (int j = 0; j < M_N; j++)
		s[j] = parts[0].s[j] + (n == 2 ? parts[1].s[j] : 0);
}

/* The terms in x alone, per distinct x of weight w. */
static void mbg_xterms(double r, double ln_alpha, double a, double b, double x, double w,
		       int order, struct flo_lik *out)
{
	out->ll += w * (flo_lnpoch(r, x) + r * ln_alpha + flo_lnpoch(b, x + 1) -
			flo_lnpoch(a + b, x + 1));
	if (order < FLO_LIK_GRADIENT)
		return;
	double pr = r * flo_psi_diff(r, x) + r * ln_alpha;
	double pb = flo_psi_diff(b, x + 1), pab = flo_psi_diff(a + b, x + 1);
	out->g[0] += w * pr;
	out->g[1] += w * r;
	out->g[2] -= w * a * pab;
	out->g[3] += w * b * (pb - pab);
	if (order < FLO_LIK_HESSIAN)
		return;
	double tb = flo_trigamma_diff(b, x + 1), tab = flo_trigamma_diff(a + b, x + 1);
	out->h[0] += w * (pr + r * r * flo_trigamma_diff(r, x));
	out->h[1] += w * r;
	out->h[10] -= w * (a * pab + a * a * tab);
	out->h[11] -= w * a * b * tab;
	out->h[15] += w * (b * (pb - pab) + b * b * (tb - tab));
}

void flo_lik_mbgnbd(const struct flo_problem *p, const double *phi, int order,
		    struct flo_lik *out)
{
	double r = exp(phi[0]), alpha = exp(phi[1]), a = exp(phi[2]), b = exp(phi[3]);
	/* scratch: the x terms, then the time terms (sized by
	 * flo_problem_bgnbd() for as many of each) */
	struct mterm *xt = (struct mterm *)p->scratch;
	struct mtime *tt = (struct mtime *)(p->scratch + 3 * p->xs.n);
	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < p->xs.n; k++) {
		double x = p->xs.v[k], bx = b + x;
		mbg_xterms(r, phi[1], a, b, x, p->xw[k], order, out);
		xt[k].lnc = phi[2] - log(bx);
		xt[k].bx = b / bx;
		xt[k].bxx = xt[k].bx * x / bx;
	}
	for (size_t k = 0; k < p->ts.n; k++) {
		double t = p->ts.v[k], at = alpha + t;
		tt[k].l = log(at);
		tt[k].s = alpha / at;
		tt[k].q = tt[k].s * t / at;
	}
	struct mbg_ctx c = {p, r, xt, tt, order};
	double s[M_N];
	mbg_sums(&c, s);
	double *g = out->g, *h = out->h;
	out->ll += s[M_LL];
	if (order < FLO_LIK_GRADIENT)
		return;
	/* A' - D' = (-r dl, -rx ds, -1, bx) in (ln r, ln alpha, ln a, ln b) */
	g[0] -= r * s[M_L];
	g[1] -= s[M_S];
	g[2] += s[M_WD];
	g[3] -= s[M_WDB];
	if (order < FLO_LIK_HESSIAN)
		return;
	h[0] += -r * s[M_L] + r * r * s[M_CLL];
	h[1] += -r * s[M_SS] + r * s[M_CLS];
	h[5] += -s[M_Q] + s[M_CSS];
	h[2] += r * s[M_CL];
	h[3] += -r * s[M_CBL];
	h[6] += s[M_CS];
	h[7] += -s[M_CBS];
	h[10] += s[M_C];
	h[11] += -s[M_CB];
	h[15] += -s[M_WDBB] + s[M_CBB];
	for (int j = 0; j < 4; j++)
		for (int k = 0; k < j; k++)
			h[j * 4 + k] = h[k * 4 + j];
}

int flo_problem_mbgnbd(struct flo_problem *p, const struct flo_triple *d, size_t n)
{
	int err = flo_problem_bgnbd(p, d, n);
	p->loglik = flo_lik_mbgnbd;
	return err;
}
