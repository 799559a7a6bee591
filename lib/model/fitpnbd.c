/* fitpnbd.c: the Pareto/NBD's log-likelihood summed over indexed triples,
 * with its exact gradient and Hessian in phi = (ln r, ln alpha, ln s,
 * ln beta) (fitlik.h).
 *
 * FHL05 eq. (22) (pnbd.h), with A(t) = ln(1 + t/alpha), B(t) = ln(1 + t/beta)
 * and a = r + x, per customer:
 *   ln L = lnpoch(r, x) - x ln alpha + ln[e^H_alive + int_{t_x}^T e^H(tau) dtau],
 *   H_alive = -a A(T) - s B(T)                      (alive at T)
 *   H(tau)  = ln s - ln beta - a A(tau) - (s+1) B(tau)  (died at tau)
 * (the powers of alpha and beta folded into A and B).  With the posterior
 * over the states (alive, or dead at tau), the gradient is the posterior
 * mean of dH and the Hessian the posterior mean of d2H plus the posterior
 * covariance of dH; in tau they need the moments of 1, A, P, B, Q and their
 * products, P = tau/(alpha+tau), Q = tau/(beta+tau), and no difference
 * of large numbers (1 - alpha/(alpha+tau) is P itself).
 *
 * Where the time goes, and what is shared.  The dead integral depends on x
 * through a alone; for one x it is a difference G(t_x) - G(T) of the
 * integral from a time to the x's last time, and G at the x's distinct
 * times is a sum of pieces between consecutive ones.  So each evaluation
 * integrates, per distinct x, once over each gap between the distinct times
 * of that x's customers (adaptive Gauss-Kronrod in u = ln(c + tau), as
 * pnbd.c), and a customer costs a subtraction: the FLO file's 19,790
 * distinct triples are 13,284 (x, time) pairs, a million simulated
 * customers' 216,375 triples fewer than 20,000.  The difference loses
 * nothing that matters: s G(t_x) <= L (s G(T) <= alive, G's integrand being
 * at most (alpha+T)^-a (beta+tau)^-(s+1) beyond T), so an error of G
 * relative to itself is one of L relative to itself; the pieces are held
 * relative to the integrand at their left end, in logs. */
#include "model/fitlik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/pool.h"
#include "model/bgnbd.h"
#include "model/quadgk.h"

/* The dead state's moments: the integrals of e^H times these. */
enum { Q1, QA, QP, QB, QQ, QAA, QAP, QAB, QAQ, QPP, QPB, QPQ, QBB, QBQ, QQQ, NQ };

/* Moments per order of evaluation: the value, the gradient, the Hessian. */
static const int order_moments[] = {1, 5, NQ};

/* The index built once per problem (p->extra): the observations grouped by
 * x, and per group its distinct times in increasing order. */
struct pn_index {
	uint32_t *order;  /* observations by x (a permutation of 0..n) */
	size_t *group;    /* group k: order[group[k]] .. order[group[k+1]-1] */
	size_t *tfirst;   /* group k's times: times[tfirst[k]] .. */
	uint32_t *times;  /* ranks into p->ts */
	uint32_t *at_tx, *at_T; /* per observation: its t_x and T within its
				 * group's times */
	size_t groups, split; /* the groups of the first of two parts */
	size_t tmax;          /* the most times in a group */
	double *room;         /* per part: (NQ + 1) tmax doubles */
};

/* ---- the integral over one gap ---- */

/* One gap [t0, t1] of one x: tau - t0 = k expm1(u), k = c + t0,
 * c = min(alpha, beta), u in [0, U]; the integrand e^(H(tau) - H(t0))
 * (c + tau) times the moments. */
struct gap {
	double al, be, a, b; /* b = s + 1 */
	double t0, k, ka, kb; /* k, alpha + t0, beta + t0 */
	double A0, B0;        /* A(t0), B(t0) */
	int nq;
};

static void gap_at(const struct gap *g, double u, double *v)
{
	double d = g->k * expm1(u), tau = g->t0 + d;
	double dA = log1p(d / g->ka), dB = log1p(d / g->kb);
	double e = exp(-g->a * dA - g->b * dB) * (g->k + d);
	v[Q1] = e;
	if (g->nq == 1)
		return;
	double A = g->A0 + dA, B = g->B0 + dB, P = tau / (g->al + tau), Q = tau / (g->be + tau);
	v[QA] = e * A, v[QP] = e * P, v[QB] = e * B, v[QQ] = e * Q;
	if (g->nq == 5)
		return;
	v[QAA] = v[QA] * A, v[QAP] = v[QA] * P, v[QAB] = v[QA] * B, v[QAQ] = v[QA] * Q;
	v[QPP] = v[QP] * P, v[QPB] = v[QP] * B, v[QPQ] = v[QP] * Q;
	v[QBB] = v[QB] * B, v[QBQ] = v[QB] * Q, v[QQQ] = v[QQ] * Q;
}

/* The 15-point estimate over [lo, hi] and its error |K15 - G7| in the value
 * and the log moments; the value is the segment's mass. */
static void gap_rule(const void *integrand, double lo, double hi, struct flo_gk_segment *s)
{
	const struct gap *g = integrand;
	double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
	double k[NQ] = {0}, gs[3] = {0}, v[NQ];
	int n = g->nq;
	for (int i = 0; i < 8; i++)
		for (int side = 0; side < (i < 7 ? 2 : 1); side++) {
			gap_at(g, mid + (side ? -half : half) * flo_gk15_nodes[i], v);
			for (int j = 0; j < n; j++)
				k[j] += flo_gk15_weights[i] * v[j];
			if (i % 2 == 1) {
				double w = flo_gk7_weights[i / 2];
				gs[0] += w * v[Q1];
				if (n > 1)
					gs[1] += w * v[QA], gs[2] += w * v[QB];
			}
		}
	s->lo = lo, s->hi = hi;
	for (int j = 0; j < n; j++)
		s->q[j] = k[j] * half;
	s->mass = s->q[Q1];
	s->err = fabs((k[Q1] - gs[0]) * half);
	if (n > 1)
		s->err += fabs((k[QA] - gs[1]) * half) + fabs((k[QB] - gs[2]) * half);
}

/* The error allowed, relative to the integral from the gap's start to the
 * group's last time: what G(t_x) - G(T) carries (the header).  As pnbd.c's
 * QUAD_TOL: |K15 - G7| bounds the 7-point rule's error, and the 15-point
 * estimate is far better. */
#define GAP_TOL 1e-12
#define GAP_SEGMENTS 200

/* The integral over [0, U] into q (relative to e^H(t0)), the error allowed
 * being GAP_TOL (its value + above), above the value of the integral beyond
 * the gap relative to e^H(t0).  The first segments grow geometrically from
 * the width of the integrand's peak at u = 0, as pnbd.c's. */
static void gap_integral(const struct gap *g, double U, double above, double *q)
{
	struct flo_gk_segment seg[GAP_SEGMENTS];
	int n = 0;
	double h = 1 / (1 + g->a * (g->k / g->ka) + g->b * (g->k / g->kb)), lo = 0;
	while (lo < U && n < 48) {
		double hi = n == 47 || lo + h >= U ? U : lo + h;
		gap_rule(g, lo, hi, &seg[n++]);
		lo = hi;
		h *= 2;
	}
	flo_gk_refine(gap_rule, g, seg, &n, GAP_SEGMENTS, GAP_TOL, above);
	flo_gk_sum(seg, n, g->nq, q);
}

/* ---- one evaluation ---- */

/* Per distinct time t: A(t), B(t), P(t), Q(t). */
struct tval {
	double A, B, P, Q;
};

struct pn_ctx {
	const struct flo_problem *p;
	const struct pn_index *ix;
	const struct tval *tv;
	double r, al, s, be, ln_s_beta;
	int order;
};

/* The sums: ln L, the gradient, the Hessian's upper triangle. */
enum { S_LL, S_G, S_H = S_G + 4, S_N = S_H + 10 };

/* The upper triangle's (j, k) in S_H order. */
static const int tri[4][4] = {{0, 1, 2, 3}, {1, 4, 5, 6}, {2, 5, 7, 8}, {3, 6, 8, 9}};

struct pn_part {
	const struct pn_ctx *c;
	size_t g0, g1; /* groups */
	double *room;
	double s[S_N];
};

/* One observation: its dead integral's moments, relative to e^lnD, in m
 * (m[Q1] = 1), or lnD = -inf when t_x = T; the sums added into s. */
static void pn_obs(const struct pn_ctx *c, double w, double x, const struct tval *tT,
		   double lnD, const double *m, double *s)
{
	double r = c->r, sp = c->s, a = r + x, b = sp + 1;
	double la = -a * tT->A - sp * tT->B;
	double hi = isfinite(lnD) && lnD > la ? lnD : la, lo = hi == la ? lnD : la;
	double e = isfinite(lo) ? exp(lo - hi) : 0;
	s[S_LL] += w * (hi + log1p(e));
	if (c->order < FLO_LIK_GRADIENT)
		return;
	double big = 1 / (1 + e), small = e * big;
	double wa = hi == la ? big : small, wd = 1 - wa;
	if (!isfinite(lnD))
		wa = 1, wd = 0;
	/* dH alive, and the dead state's posterior mean of dH */
	double ga[4] = {-r * tT->A, a * tT->P, -sp * tT->B, sp * tT->Q};
	double gd[4] = {0};
	if (wd > 0) {
		gd[0] = -r * m[QA];
		gd[1] = a * m[QP];
		gd[2] = 1 - sp * m[QB];
		gd[3] = b * m[QQ] - 1;
	}
	double mu[4];
	for (int j = 0; j < 4; j++) {
		mu[j] = wa * ga[j] + wd * gd[j];
		s[S_G + j] += w * mu[j];
	}
	if (c->order < FLO_LIK_HESSIAN)
		return;
	/* E[d2H] + E[dH dH'] - mu mu', each state's own */
	double h[10];
	double Pa = tT->P, Qa = tT->Q;
	h[0] = wa * (-r * tT->A + ga[0] * ga[0]);
	h[1] = wa * (r * Pa + ga[0] * ga[1]);
	h[2] = wa * ga[0] * ga[2];
	h[3] = wa * ga[0] * ga[3];
	h[4] = wa * (-a * Pa * (1 - Pa) + ga[1] * ga[1]);
	h[5] = wa * ga[1] * ga[2];
	h[6] = wa * ga[1] * ga[3];
	h[7] = wa * (-sp * tT->B + ga[2] * ga[2]);
	h[8] = wa * (sp * Qa + ga[2] * ga[3]);
	h[9] = wa * (-sp * Qa * (1 - Qa) + ga[3] * ga[3]);
	if (wd > 0) {
		/* dH dead = (-r A, a P, 1 - s B, b Q - 1), its second
		 * derivatives -r A, r P; -a P(1-P); -s B, s Q; -b Q(1-Q) */
		double EA = m[QA], EP = m[QP], EB = m[QB], EQ = m[QQ];
		h[0] += wd * (-r * EA + r * r * m[QAA]);
		h[1] += wd * (r * EP - r * a * m[QAP]);
		h[2] += wd * -r * (EA - sp * m[QAB]);
		h[3] += wd * -r * (b * m[QAQ] - EA);
		h[4] += wd * (-a * (EP - m[QPP]) + a * a * m[QPP]);
		h[5] += wd * a * (EP - sp * m[QPB]);
		h[6] += wd * a * (b * m[QPQ] - EP);
		h[7] += wd * (-sp * EB + 1 - 2 * sp * EB + sp * sp * m[QBB]);
		h[8] += wd * (sp * EQ + b * EQ - 1 - sp * b * m[QBQ] + sp * EB);
		h[9] += wd * (-b * (EQ - m[QQQ]) + b * b * m[QQQ] - 2 * b * EQ + 1);
	}
	for (int j = 0; j < 4; j++)
		for (int k = j; k < 4; k++)
			s[S_H + tri[j][k]] += w * (h[tri[j][k]] - mu[j] * mu[k]);
}

/* The groups g0 .. g1 into part->s. */
static void pn_groups(void *arg)
{
	struct pn_part *part = arg;
	const struct pn_ctx *c = part->c;
	const struct flo_problem *p = c->p;
	const struct pn_index *ix = c->ix;
	int nq = order_moments[c->order];
	double *E = part->room, *cum = part->room + ix->tmax; /* per time: ln e^H, NQ sums */
	memset(part->s, 0, sizeof part->s);
	for (size_t k = part->g0; k < part->g1; k++) {
		const uint32_t *times = ix->times + ix->tfirst[k];
		size_t nt = ix->tfirst[k + 1] - ix->tfirst[k];
		double x = p->xs.v[p->obs[ix->order[ix->group[k]]].xi], a = c->r + x, b = c->s + 1;
		/* G from each time to the last, relative to e^H there, from the
		 * top down */
		for (size_t i = 0; i < nt; i++) {
			const struct tval *t = &c->tv[times[i]];
			E[i] = c->ln_s_beta - a * t->A - b * t->B;
		}
		memset(cum + (nt - 1) * NQ, 0, NQ * sizeof *cum);
		for (size_t i = nt - 1; i-- > 0;) {
			double t0 = p->ts.v[times[i]], t1 = p->ts.v[times[i + 1]];
			double cc = fmin(c->al, c->be), kk = cc + t0;
			struct gap g = {c->al, c->be, a, b, t0, kk, c->al + t0, c->be + t0,
					c->tv[times[i]].A, c->tv[times[i]].B, nq};
			double drop = exp(E[i + 1] - E[i]), q[NQ], *up = cum + (i + 1) * NQ;
			gap_integral(&g, log1p((t1 - t0) / kk), drop * up[Q1], q);
			for (int j = 0; j < nq; j++)
				cum[i * NQ + j] = q[j] + drop * up[j];
		}
		for (size_t o = ix->group[k]; o < ix->group[k + 1]; o++) {
			uint32_t i = ix->order[o];
			size_t jx = ix->at_tx[i], jT = ix->at_T[i];
			const struct flo_obs *ob = &p->obs[i];
			double m[NQ], lnD = -HUGE_VAL;
			if (jx < jT) {
				double f = exp(E[jT] - E[jx]), d0 = cum[jx * NQ] - f * cum[jT * NQ];
				if (d0 > 0) {
					lnD = E[jx] + log(d0);
					for (int j = 1; j < nq; j++)
						m[j] = (cum[jx * NQ + j] - f * cum[jT * NQ + j]) / d0;
				}
			}
			pn_obs(c, ob->w, x, &c->tv[ob->ti], lnD, m, part->s);
		}
	}
}

void flo_lik_pnbd(const struct flo_problem *p, const double *phi, int order, struct flo_lik *out)
{
	const struct pn_index *ix = p->extra;
	double r = exp(phi[0]), al = exp(phi[1]), s = exp(phi[2]), be = exp(phi[3]);
	struct tval *tv = (struct tval *)p->scratch;
	for (size_t k = 0; k < p->ts.n; k++) {
		double t = p->ts.v[k];
		tv[k] = (struct tval){log1p(t / al), log1p(t / be), t / (al + t), t / (be + t)};
	}
	struct pn_ctx c = {p, ix, tv, r, al, s, be, phi[2] - phi[3], order};
	struct pn_part parts[2] = {{&c, 0, ix->split, ix->room, {0}},
				   {&c, ix->split, ix->groups, ix->room + (NQ + 1) * ix->tmax, {0}}};
	int two = ix->split < ix->groups && ix->split > 0;
	if (two && p->pool != NULL)
		flo_pool_submit(p->pool, pn_groups, &parts[1]);
	if (!two)
		parts[0].g1 = ix->groups;
	pn_groups(&parts[0]);
	if (two && p->pool != NULL)
		flo_pool_wait(p->pool);
	else if (two)
		pn_groups(&parts[1]);
	memset(out, 0, sizeof *out);
	double sum[S_N];
	for (int j = 0; j < S_N; j++)
		sum[j] = parts[0].s[j] + (two ? parts[1].s[j] : 0);
	/* the terms in x alone: lnpoch(r, x) - x ln alpha */
	for (size_t k = 0; k < p->xs.n; k++) {
		double x = p->xs.v[k], w = p->xw[k];
		sum[S_LL] += w * (flo_lnpoch(r, x) - x * phi[1]);
		if (order < FLO_LIK_GRADIENT)
			continue;
		double pr = r * flo_psi_diff(r, x);
		sum[S_G] += w * pr;
		sum[S_G + 1] -= w * x;
		if (order >= FLO_LIK_HESSIAN)
			sum[S_H] += w * (pr + r * r * flo_trigamma_diff(r, x));
	}
	out->ll = sum[S_LL];
	for (int j = 0; order >= FLO_LIK_GRADIENT && j < 4; j++)
		out->g[j] = sum[S_G + j];
	for (int j = 0; order >= FLO_LIK_HESSIAN && j < 4; j++)
		for (int k = 0; k < 4; k++)
			out->h[j * 4 + k] = sum[S_H + tri[j][k]];
}

/* ---- the index ---- */

static void free_index(struct pn_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->order);
	free(ix->group);
	free(ix->tfirst);
	free(ix->times);
	free(ix->at_tx);
	free(ix->at_T);
	free(ix->room);
	free(ix);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Position of v among the sorted t[0..n). */
static uint32_t find(const uint32_t *t, size_t n, uint32_t v)
{
	size_t lo = 0, hi = n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (t[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static int build_index(const struct flo_problem *p, struct pn_index *ix)
{
	size_t n = p->n, nx = p->xs.n;
	ix->order = malloc((n ? n : 1) * sizeof *ix->order);
	ix->group = calloc(nx + 1, sizeof *ix->group);
	ix->tfirst = calloc(nx + 1, sizeof *ix->tfirst);
	ix->times = malloc((n ? 2 * n : 1) * sizeof *ix->times);
	ix->at_tx = malloc((n ? n : 1) * sizeof *ix->at_tx);
	ix->at_T = malloc((n ? n : 1) * sizeof *ix->at_T);
	if (!(ix->order && ix->group && ix->tfirst && ix->times && ix->at_tx && ix->at_T))
		return FLO_ENOMEM;
	/* the observations by x, stably (a counting sort) */
	for (size_t i = 0; i < n; i++)
		ix->group[p->obs[i].xi + 1]++;
	for (size_t k = 0; k < nx; k++)
		ix->group[k + 1] += ix->group[k];
	size_t *next = malloc((nx ? nx : 1) * sizeof *next);
	if (next == NULL)
		return FLO_ENOMEM;
	memcpy(next, ix->group, nx * sizeof *next);
	for (size_t i = 0; i < n; i++)
		ix->order[next[p->obs[i].xi]++] = (uint32_t)i;
	free(next);
	/* each group's distinct times */
	size_t nt = 0;
	ix->groups = nx;
	for (size_t k = 0; k < nx; k++) {
		uint32_t *t = ix->times + nt;
		size_t m = 0;
		for (size_t o = ix->group[k]; o < ix->group[k + 1]; o++) {
			const struct flo_obs *ob = &p->obs[ix->order[o]];
			t[m++] = ob->ui;
			t[m++] = ob->ti;
		}
		qsort(t, m, sizeof *t, cmp_u32);
		size_t u = 0;
		for (size_t i = 0; i < m; i++)
			if (u == 0 || t[i] != t[u - 1])
				t[u++] = t[i];
		for (size_t o = ix->group[k]; o < ix->group[k + 1]; o++) {
			uint32_t i = ix->order[o];
			ix->at_tx[i] = find(t, u, p->obs[i].ui);
			ix->at_T[i] = find(t, u, p->obs[i].ti);
		}
		ix->tfirst[k] = nt;
		nt += u;
		ix->tmax = u > ix->tmax ? u : ix->tmax;
	}
	ix->tfirst[nx] = nt;
	/* two parts of about equal work (times and observations), whole
	 * groups each, from FLO_FIT_THREAD_MIN observations: the same split
	 * with or without a helper, so the same sums */
	ix->split = nx;
	if (n >= FLO_FIT_THREAD_MIN) {
		size_t half = (nt + n) / 2, k = 0;
		while (k < nx && ix->tfirst[k + 1] + ix->group[k + 1] <= half)
			k++;
		ix->split = k;
	}
	ix->room = malloc(2 * (NQ + 1) * (ix->tmax ? ix->tmax : 1) * sizeof *ix->room);
	return ix->room ? FLO_OK : FLO_ENOMEM;
}

int flo_problem_pnbd(struct flo_problem *p, const struct flo_triple *d, size_t n)
{
	int err = flo_problem_bgnbd(p, d, n);
	p->loglik = flo_lik_pnbd;
	if (err != FLO_OK)
		return err;
	/* the time terms per distinct time: more room than the BG/NBD's */
	double *scratch = realloc(p->scratch, (p->ts.n ? p->ts.n : 1) * sizeof(struct tval));
	if (scratch == NULL)
		return FLO_ENOMEM;
	p->scratch = scratch;
	struct pn_index *ix = calloc(1, sizeof *ix);
	if (ix == NULL)
		return FLO_ENOMEM;
	p->extra = ix;
	p->free_extra = (void (*)(void *))free_index;
	return build_index(p, ix);
}
