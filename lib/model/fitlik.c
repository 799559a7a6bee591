/* fitlik.c: the fits' log-likelihoods, gradients and Hessians (fitlik.h). */
#include "model/fitlik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_psi.h>

#include "model/bgnbd.h"
#include "model/ggseries.h"
#include "base/err.h"
#include "base/pool.h"
#include "base/radix.h"

/* Per distinct x, in scratch: ln of the dead term's coefficient a/(b+x-1),
 * bx = b/(b+x-1) and its derivative in ln b, bx (1-bx), for the BG/NBD. */
struct xterm {
	double lnc, bx, bxx;
};

/* Per distinct T or t_x: ln(alpha+t), alpha/(alpha+t), alpha t/(alpha+t)^2. */
struct tterm {
	double l, s, q;
};

#define XTERMS (sizeof(struct xterm) / sizeof(double))
#define TTERMS (sizeof(struct tterm) / sizeof(double))

/* ---- indexing ---- */

void flo_problem_free(struct flo_problem *p)
{
	free(p->obs);
	free(p->xs.v);
	free(p->ts.v);
	free(p->xw);
	free(p->xlog);
	free(p->spend_terms);
	free(p->scratch);
	if (p->free_extra != NULL)
		p->free_extra(p->extra);
	if (p->owns_pool)
		flo_pool_stop(p->pool);
}

void flo_problem_threads(struct flo_problem *p, struct flo_pool *shared)
{
	if (p->n < FLO_FIT_THREAD_MIN)
		return;
	p->split = 1;
	p->pool = shared != NULL ? shared : flo_pool_start(); /* NULL: one thread */
	p->owns_pool = shared == NULL;
}

/* The observations, and a buffer into which flo_radix_ranks() writes each
 * coordinate's indexes in turn. */
static uint32_t *rank_buffer(struct flo_problem *p, size_t n)
{
	if (n > UINT32_MAX) /* the indexes are 32 bits */
		return NULL;
	p->n = n;
	p->obs = malloc((n ? n : 1) * sizeof *p->obs);
	return p->obs ? malloc((n ? n : 1) * sizeof(uint32_t)) : NULL;
}



/* The per-x weights and room for the per-evaluation terms. */
static int weigh(struct flo_problem *p, size_t scratch)
{
	p->xw = calloc(p->xs.n ? p->xs.n : 1, sizeof *p->xw);
	p->scratch = malloc((scratch ? scratch : 1) * sizeof *p->scratch);
	if (p->xw == NULL || p->scratch == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		p->xw[p->obs[i].xi] += p->obs[i].w;
	return FLO_OK;
}

/* ---- the BG/NBD's index ----
 *
 * x indexes the distinct x; T and t_x both index ts, the distinct values of
 * the two columns together: the time terms are computed once per distinct
 * time in either column (the FLO file's 2,465 T and 2,398 t_x are 2,746
 * values).  Equal triples are merged here, not by the caller: the ranks
 * that merge them are the indexes the sums need. */

static unsigned bits_for(size_t count)
{
	unsigned b = 0;
	while (b < 64 && (count - 1) >> b)
		b++;
	return b;
}

static uint64_t shifted(uint64_t v, unsigned by)
{
	return by < 64 ? v << by : 0;
}

/* Ranks of x when every x is a whole number below COUNTS_MAX, as repeat
 * purchases are: a table indexed by the count, two passes and no hashing
 * (the hashed ranks of flo_radix_ranks() were a sixth of the index on
 * 200,000 customers).  The values and ranks are flo_radix_ranks()'s.
 * FLO_EVALUE when some x is not such a number (-0 neither: the first of
 * equal values is the one kept, and a table would keep +0). */
#define COUNTS_MAX 4096

static int rank_counts(const double *first, size_t stride, size_t n, double **values,
		       size_t *count, uint32_t *rank)
{
	uint32_t id[COUNTS_MAX] = {0};
	for (size_t i = 0; i < n; i++) {
		double v = first[i * stride];
		if (!(v >= 0 && v < COUNTS_MAX) || v != (double)(uint32_t)v || (v == 0 && signbit(v)))
			return FLO_EVALUE;
		rank[i] = (uint32_t)v;
		id[rank[i]] = 1;
	}
	size_t k = 0;
	for (uint32_t c = 0; c < COUNTS_MAX; c++)
		if (id[c])
			id[c] = (uint32_t)k++;
	*values = malloc((k ? k : 1) * sizeof **values);
	if (*values == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*values)[id[rank[i]]] = rank[i];
		rank[i] = id[rank[i]];
	}
	*count = k;
	return FLO_OK;
}

/* The ranks of x into xr and of t_x and T into tr (two per row, t_x
 * first), the distinct values into p->xs and p->ts; t is room for the 2n
 * times. */
static int rank_columns(struct flo_problem *p, const struct flo_triple *d, size_t n,
			uint32_t *xr, uint32_t *tr, double *t)
{
	for (size_t i = 0; i < n; i++)
		t[2 * i] = d[i].tx, t[2 * i + 1] = d[i].T;
	int err = rank_counts(&d->x, 4, n, &p->xs.v, &p->xs.n, xr);
	if (err == FLO_EVALUE)
		err = flo_radix_ranks(&d->x, 4, n, &p->xs.v, &p->xs.n, xr);
	if (err == FLO_OK)
		err = flo_radix_ranks(t, 1, 2 * n, &p->ts.v, &p->ts.n, tr);
	return err;
}

/* Rows as (x, t_x, T) ranks packed into one key, x in the highest bits,
 * sorted with the weights alongside and merged: the observations in the
 * order of flo_triples_compact(), weights added in the rows' order (the
 * sort is stable).  FLO_EVALUE when the ranks need more than 64 bits. */
static int index_merged(struct flo_problem *p, const struct flo_triple *d, size_t n,
			const uint32_t *xr, const uint32_t *tr, struct flo_kv *kv)
{
	unsigned bx = bits_for(p->xs.n), bt = bits_for(p->ts.n);
	if (bx + 2 * bt > 64)
		return FLO_EVALUE;
	p->obs = malloc(n * sizeof *p->obs);
	int err = p->obs ? FLO_OK : FLO_ENOMEM;
	for (size_t i = 0; err == FLO_OK && i < n; i++) {
		kv[i].key = shifted(xr[i], 2 * bt) | shifted(tr[2 * i], bt) | tr[2 * i + 1];
		memcpy(&kv[i].val, &d[i].w, sizeof kv[i].val);
	}
	/* Rows that come sorted (the threaded scan's, fitdata.h) keep their
	 * order: a stable sort would not move them, and one look costs less
	 * than its passes. */
	int sorted = 1;
	for (size_t i = 1; err == FLO_OK && sorted && i < n; i++)
		sorted = kv[i - 1].key <= kv[i].key;
	if (err == FLO_OK && !sorted)
		err = flo_radix_sort(kv, n);
	uint64_t tmask = bt > 0 ? (UINT64_C(1) << bt) - 1 : 0;
	size_t m = 0;
	for (size_t i = 0; err == FLO_OK && i < n; i++) {
		double w;
		memcpy(&w, &kv[i].val, sizeof w);
		uint64_t k = kv[i].key;
		if (m > 0 && k == kv[i - 1].key)
			p->obs[m - 1].w += w;
		else
			p->obs[m++] = (struct flo_obs){(uint32_t)(bx > 0 ? k >> 2 * bt : 0),
						       (uint32_t)(k & tmask),
						       (uint32_t)((k >> bt) & tmask), w};
	}
	p->n = m;
	return err;
}

/* Rows with no two equal (flo_triples_compact()'s), indexed in their
 * order. */
static void index_distinct(struct flo_problem *p, const struct flo_triple *d, size_t n,
			   const uint32_t *xr, const uint32_t *tr)
{
	for (size_t i = 0; i < n; i++)
		p->obs[i] = (struct flo_obs){xr[i], tr[2 * i + 1], tr[2 * i], d[i].w};
	p->n = n;
}

static int index_triples(struct flo_problem *p, const struct flo_triple *d, size_t n,
			 int merge)
{
	if (n > UINT32_MAX / 2) /* the indexes are 32 bits */
		return FLO_ENOMEM;
	uint32_t *xr = malloc((n ? n : 1) * sizeof *xr), *tr = malloc((n ? 2 * n : 1) * sizeof *tr);
	/* The 2n times while ranking, then the n keys: one buffer, which a
	 * fresh process pays for in page faults once, not twice. */
	void *room = malloc((n ? n : 1) * sizeof(struct flo_kv));
	int err = xr && tr && room ? rank_columns(p, d, n, xr, tr, room) : FLO_ENOMEM;
	if (err == FLO_OK && merge)
		err = index_merged(p, d, n, xr, tr, room);
	if (err == FLO_OK && !merge) {
		p->obs = malloc((n ? n : 1) * sizeof *p->obs);
		if (p->obs != NULL)
			index_distinct(p, d, n, xr, tr);
		else
			err = FLO_ENOMEM;
	}
	free(xr);
	free(tr);
	free(room);
	return err;
}

_Static_assert(sizeof(struct flo_kv) == 2 * sizeof(double), "room holds 2 times or 1 key a row");

static void blank_bgnbd(struct flo_problem *p)
{
	memset(p, 0, sizeof *p);
	p->np = 4;
	p->loglik = flo_lik_bgnbd;
}

int flo_problem_bgnbd(struct flo_problem *p, const struct flo_triple *d, size_t n)
{
	blank_bgnbd(p);
	int err = index_triples(p, d, n, 1);
	if (err == FLO_EVALUE) {
		/* Ranks too wide to pack: a copy compacted (by qsort), then
		 * indexed as it is. */
		flo_problem_free(p);
		blank_bgnbd(p);
		struct flo_triple *c = malloc((n ? n : 1) * sizeof *c);
		if (c == NULL)
			return FLO_ENOMEM;
		if (n > 0)
			memcpy(c, d, n * sizeof *c);
		err = index_triples(p, c, flo_triples_compact(c, n), 0);
		free(c);
	}
	return err == FLO_OK ? weigh(p, XTERMS * p->xs.n + TTERMS * p->ts.n) : err;
}

/* The Gamma-Gamma's scratch: the cache of the sums in v, GG_SLOTS entries,
 * each v's bits, the order they were summed to and the sums, after the slot
 * the next entry takes; then the series about the profiles' centre
 * (ggseries.h): whether gathered, v0, the least x m of the pairs, the sums
 * they last gave, and the gathered sums.  Evaluations come back to a v
 * already summed after other v's: the covariance to the fit's last, and
 * profile refits beyond the series' reach to each other's (9 of 62 passes
 * on the 200,000 summaries before the series). */
#define GG_ENTRY (2 + FLO_GG_SUMS)
#define GG_SLOTS 16
#define GG_SERIES (1 + GG_SLOTS * GG_ENTRY)
enum { SER_READY, SER_V0, SER_XM_MIN, SER_OUT, SER_SUMS = SER_OUT + FLO_GG_SUMS };
#define GG_SCRATCH (GG_SERIES + SER_SUMS + FLO_GGS_N)

static void gg_near(const struct flo_problem *p, const double *phi);

/* Mean spends are nearly all distinct: the Gamma-Gamma keeps its terms per
 * observation (spend_terms: x m and ln m among them) instead of indexing
 * the spends. */
int flo_problem_gg(struct flo_problem *p, const struct flo_spend *d, size_t n)
{
	memset(p, 0, sizeof *p);
	double xm_min = HUGE_VAL;
	p->np = 3;
	p->loglik = flo_lik_gg;
	p->near = gg_near;
	uint32_t *rank = rank_buffer(p, n);
	if (rank == NULL)
		return FLO_ENOMEM;
	int err = rank_counts(&d->x, 3, n, &p->xs.v, &p->xs.n, rank);
	if (err == FLO_EVALUE)
		err = flo_radix_ranks(&d->x, 3, n, &p->xs.v, &p->xs.n, rank);
	for (size_t i = 0; err == FLO_OK && i < n; i++)
		p->obs[i] = (struct flo_obs){rank[i], 0, (uint32_t)i, d[i].w};
	free(rank);
	p->xlog = malloc((p->xs.n ? p->xs.n : 1) * sizeof *p->xlog);
	p->spend_terms = malloc((n ? n : 1) * FLO_GG_TERMS * sizeof(double));
	if (err == FLO_OK && !(p->xlog && p->spend_terms))
		err = FLO_ENOMEM;
	for (size_t k = 0; err == FLO_OK && k < p->xs.n; k++)
		p->xlog[k] = log(p->xs.v[k]);
	for (size_t i = 0; err == FLO_OK && i < n; i++) {
		double *t = p->spend_terms + i * FLO_GG_TERMS;
		t[FLO_GG_TERM_W] = d[i].w;
		t[FLO_GG_TERM_WX] = d[i].w * d[i].x;
		t[FLO_GG_TERM_XM] = d[i].x * d[i].m;
		t[FLO_GG_TERM_LNM] = log(d[i].m);
		p->spend_lnm += d[i].w * t[FLO_GG_TERM_LNM];
		xm_min = fmin(xm_min, t[FLO_GG_TERM_XM]);
	}
	if (err == FLO_OK)
		err = weigh(p, GG_SCRATCH);
	for (int k = 0; err == FLO_OK && k < GG_SLOTS; k++)
		p->scratch[1 + k * GG_ENTRY + 1] = -1; /* the cache: empty */
	if (err == FLO_OK) {
		p->scratch[0] = 0;
		p->scratch[GG_SERIES + SER_READY] = 0;
		p->scratch[GG_SERIES + SER_XM_MIN] = xm_min;
	}
	return err;
}

/* ---- threads ---- */

#define NSUMS 40

struct part {
	size_t lo, hi;
	double s[NSUMS];
	void (*fn)(const void *ctx, struct part *part);
	const void *ctx;
};

static void part_main(void *arg)
{
	struct part *part = arg;
	part->fn(part->ctx, part);
}

/* fn over the observations in parts; the parts' sums added into s. */
static void run_parts(const struct flo_problem *p, void (*fn)(const void *, struct part *),
		      const void *ctx, double *s)
{
	struct part parts[2];
	int n = p->split ? 2 : 1;
	for (int k = 0; k < n; k++) {
		parts[k] = (struct part){p->n * (size_t)k / (size_t)n,
					 p->n * (size_t)(k + 1) / (size_t)n, {0}, fn, ctx};
	}
	if (n == 2 && p->pool != NULL)
		flo_pool_submit(p->pool, part_main, &parts[1]);
	fn(ctx, &parts[0]);
	if (n == 2 && p->pool != NULL)
		flo_pool_wait(p->pool);
	else if (n == 2)
		fn(ctx, &parts[1]);
	memset(s, 0, NSUMS * sizeof *s);
	for (int k = 0; k < n; k++)
		for (int j = 0; j < NSUMS; j++)
			s[j] += parts[k].s[j];
}

static void symmetrise(double *h, int np)
{
	for (int j = 0; j < np; j++)
		for (int k = 0; k < j; k++)
			h[j * 4 + k] = h[k * 4 + j];
}

/* ---- the BG/NBD ----
 *
 * FHL eq. (6) per customer, in the log-parameters:
 *   ln L = lnpoch(r, x) + r ln alpha + ln B(a, b+x) - ln B(a, b)
 *        + ln[e^A + [x>0] e^D],
 *   A = -(r+x) ln(alpha+T)                       (alive at T)
 *   D = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)   (dropped out at t_x).
 * The last term's derivatives are those of a log-sum-exp: with the shares
 * w_A, w_D of e^A and e^D, its gradient is w_A A' + w_D D' and its Hessian
 * w_A A'' + w_D D'' + w_A w_D (A' - D')(A' - D')^T. */

/* The sums over the observations, with w the weight, w_A and w_D the
 * shares, l, s, q the time terms of T (alive) and of t_x (dead), rx = r + x,
 * bx = b/(b+x-1), c = w w_A w_D, dl = l_T - l_tx, ds = rx (s_T - s_tx):
 *   B_LL    w ln(e^A + e^D)            B_SL    w (w_A l_T + w_D l_tx)
 *   B_SRS   w rx (w_A s_T + w_D s_tx)  B_SWD   w w_D
 *   B_SWDB  w w_D bx                   B_SWDX  w w_D (x-1), for the slope in tau
 *   B_SS    w (w_A s_T + w_D s_tx)     B_SRQ   w rx (w_A q_T + w_D q_tx)
 *   B_SWDBB w w_D bx (1-bx)
 *   B_C, B_CL, B_CS, B_CLL, B_CLS, B_CSS, B_CB, B_CBL, B_CBS, B_CBB:
 *           c times 1, dl, ds, dl^2, dl ds, ds^2, bx, bx dl, bx ds, bx^2. */
enum { B_LL, B_SL, B_SRS, B_SWD, B_SWDB, B_SWDX, B_SS, B_SRQ, B_SWDBB, B_C, B_CL, B_CS,
       B_CLL, B_CLS, B_CSS, B_CB, B_CBL, B_CBS, B_CBB, B_N };

_Static_assert(B_N <= NSUMS, "room for the BG/NBD's sums");

struct bg_ctx {
	const struct flo_problem *p;
	double r;
	const struct xterm *xt;
	const struct tterm *tt; /* per distinct time, T's and t_x's */
	int order;
};

/* The sum of ln(1 + e) over observations of weight 1 is the logarithm of
 * their product, taken when the product nears the top of the double range:
 * one log per few hundred observations instead of a log1p each, which was a
 * third of an evaluation.  1 + e in (1, 2] is rounded by at most 1.1e-16
 * relatively, the error of log1p(e) itself in absolute terms. */
#define PRODUCT_MAX 0x1p900

/* Sums over the observations of one x (contiguous: the data come sorted by
 * x), before the x's constants multiply them: with the shares' weights
 * wa = w w_A, wd = w w_D, c = wa w_D, dl = l_T - l_tx, d = s_T - s_tx,
 *   X_LL  w max(A, D) (the rest of ln(e^A + e^D) goes to the product)
 *   X_L   wa l_T + wd l_tx     X_S   wa s_T + wd s_tx    X_Q  wa q_T + wd q_tx
 *   X_WD  wd                   X_C   c    X_CL  c dl     X_CD  c d
 *   X_CLL c dl^2               X_CLD c dl d              X_CDD c d^2
 * (for x = 0 only the alive terms, with w).  Factoring r + x, b/(b+x-1) and
 * the like out of the sums leaves 11 running sums per observation, not 19. */
enum { X_LL, X_L, X_S, X_Q, X_WD, X_C, X_CL, X_CD, X_CLL, X_CLD, X_CDD, X_N };

/* The sums of one x into s, with the x's constants. */
static void bg_fold_x(double *s, const double *g, double x, double rx, const struct xterm *xt,
		      int order)
{
	s[B_LL] += g[X_LL];
	if (order < FLO_LIK_GRADIENT)
		return;
	s[B_SL] += g[X_L];
	s[B_SRS] += rx * g[X_S];
	s[B_SWD] += g[X_WD];
	s[B_SWDB] += xt->bx * g[X_WD];
	s[B_SWDX] += (x - 1) * g[X_WD];
	if (order < FLO_LIK_HESSIAN)
		return;
	s[B_SS] += g[X_S];
	s[B_SRQ] += rx * g[X_Q];
	s[B_SWDBB] += xt->bxx * g[X_WD];
	/* A' - D' = (-r dl, -ds, -1, b/(b+x-1)) in (ln r, ln alpha, ln a, ln b),
	 * ds = rx d */
	s[B_C] += g[X_C];
	s[B_CL] += g[X_CL];
	s[B_CS] += rx * g[X_CD];
	s[B_CLL] += g[X_CLL];
	s[B_CLS] += rx * g[X_CLD];
	s[B_CSS] += rx * rx * g[X_CDD];
	s[B_CB] += xt->bx * g[X_C];
	s[B_CBL] += xt->bx * g[X_CL];
	s[B_CBS] += xt->bx * rx * g[X_CD];
	s[B_CBB] += xt->bx * xt->bx * g[X_C];
}

/* The sums of the observations of one x > 0, from *i up to hi or the next
 * x, into g (X_*), the product of 1 + e of those of weight 1 into
 * *product, the log1p of the others into *ll; *i moved past them.  The
 * running sums are local variables, which the compiler keeps in registers
 * (in g[], which bg_fold_x() reads, they went through memory on every
 * observation: a third of the loop), and `order` is a constant in each of
 * bg_range()'s three calls, so each gets a loop of its own without the
 * tests.  The sums are added in the same order as before: the same bits. */
static inline __attribute__((always_inline)) void
bg_obs(const struct bg_ctx *c, size_t *pi, size_t hi, uint32_t xi, double rx, double lnc,
       double *g, double *product, double *ll, const int order)
{
	const struct flo_obs *obs = c->p->obs;
	const struct tterm *tts = c->tt;
	double sll = 0, sl = 0, ss = 0, sq = 0, swd = 0, sc = 0, scl = 0, scd = 0, scll = 0,
	       scld = 0, scdd = 0, prod = *product, logs = *ll;
	size_t i = *pi;
	for (; i < hi && obs[i].xi == xi; i++) {
		const struct flo_obs *o = &obs[i];
		const struct tterm *tt = &tts[o->ti], *tu = &tts[o->ui];
		double w = o->w;
		double alive = -rx * tt->l, dead = lnc - rx * tu->l;
		/* ln(e^A + e^D) = max(A, D) + ln(1 + e), e = e^-|A - D|, and
		 * the shares of alive and dead */
		int alive_big = alive >= dead;
		double e = exp(-fabs(alive - dead)), big = 1 / (1 + e), small = e * big;
		double w_alive = alive_big ? big : small, w_dead = alive_big ? small : big;
		sll += w * (alive_big ? alive : dead);
		if (w == 1) {
			prod *= 1 + e;
			if (prod > PRODUCT_MAX) {
				logs += log(prod);
				prod = 1;
			}
		} else {
			logs += w * log1p(e);
		}
		if (order < FLO_LIK_GRADIENT)
			continue;
		double wa = w * w_alive, wd = w * w_dead;
		sl += wa * tt->l + wd * tu->l;
		ss += wa * tt->s + wd * tu->s;
		swd += wd;
		if (order < FLO_LIK_HESSIAN)
			continue;
		sq += wa * tt->q + wd * tu->q;
		double cc = wa * w_dead, dl = tt->l - tu->l, d = tt->s - tu->s;
		double cdl = cc * dl, cd = cc * d;
		sc += cc;
		scl += cdl;
		scd += cd;
		scll += cdl * dl;
		scld += cdl * d;
		scdd += cd * d;
	}
	*pi = i;
	*product = prod;
	*ll = logs;
	g[X_LL] = sll, g[X_L] = sl, g[X_S] = ss, g[X_Q] = sq, g[X_WD] = swd, g[X_C] = sc;
	g[X_CL] = scl, g[X_CD] = scd, g[X_CLL] = scll, g[X_CLD] = scld, g[X_CDD] = scdd;
}

/* The per-observation sums of flo_lik_bgnbd() over part->lo .. hi. */
static void bg_range(const void *arg, struct part *part)
{
	const struct bg_ctx *c = arg;
	const struct flo_problem *p = c->p;
	const int order = c->order;
	double s[B_N] = {0}, product = 1;
	for (size_t i = part->lo; i < part->hi;) {
		const uint32_t xi = p->obs[i].xi;
		const double x = p->xs.v[xi], rx = c->r + x;
		const struct xterm *xt = &c->xt[xi];
		double g[X_N] = {0};
		if (x == 0) { /* alive for sure: no dead term */
			for (; i < part->hi && p->obs[i].xi == xi; i++) {
				const struct flo_obs *o = &p->obs[i];
				const struct tterm *tt = &c->tt[o->ti];
				g[X_L] += o->w * tt->l;
				g[X_S] += o->w * tt->s;
				g[X_Q] += o->w * tt->q;
			}
			g[X_LL] = -rx * g[X_L];
			bg_fold_x(s, g, x, rx, xt, order);
			continue;
		}
		if (order >= FLO_LIK_HESSIAN)
			bg_obs(c, &i, part->hi, xi, rx, xt->lnc, g, &product, &s[B_LL],
			       FLO_LIK_HESSIAN);
		else if (order >= FLO_LIK_GRADIENT)
			bg_obs(c, &i, part->hi, xi, rx, xt->lnc, g, &product, &s[B_LL],
			       FLO_LIK_GRADIENT);
		else
			bg_obs(c, &i, part->hi, xi, rx, xt->lnc, g, &product, &s[B_LL],
			       FLO_LIK_VALUE);
		bg_fold_x(s, g, x, rx, xt, order);
	}
	s[B_LL] += log(product);
	memcpy(part->s, s, sizeof s);
}

/* Add the observations' sums to the gradient and Hessian in (ln r,
 * ln alpha, ln a, ln b); the limit model's third parameter enters D as ln a
 * does, and it has no fourth (b/(b+x-1) = 0). */
static void bg_assemble(const double *s, double r, int order, struct flo_lik *out)
{
	double *g = out->g, *h = out->h;
	out->ll += s[B_LL];
	if (order < FLO_LIK_GRADIENT)
		return;
	g[0] -= r * s[B_SL];
	g[1] -= s[B_SRS];
	g[2] += s[B_SWD];
	g[3] -= s[B_SWDB];
	if (order < FLO_LIK_HESSIAN)
		return;
	h[0] += -r * s[B_SL] + r * r * s[B_CLL];
	h[1] += -r * s[B_SS] + r * s[B_CLS];
	h[2] += r * s[B_CL];
	h[3] += -r * s[B_CBL];
	h[5] += -s[B_SRQ] + s[B_CSS];
	h[6] += s[B_CS];
	h[7] += -s[B_CBS];
	h[10] += s[B_C];
	h[11] += -s[B_CB];
	h[15] += -s[B_SWDBB] + s[B_CBB];
}

/* Where an evaluation keeps the time terms in scratch: one per distinct
 * time (T's and t_x's together), after the x terms. */
static struct tterm *time_scratch(const struct flo_problem *p)
{
	return (struct tterm *)(p->scratch + XTERMS * p->xs.n);
}

static void time_terms(const struct flo_values *t, double alpha, struct tterm *out)
{
	for (size_t k = 0; k < t->n; k++) {
		double at = alpha + t->v[k];
		out[k].l = log(at);
		out[k].s = alpha / at;
		out[k].q = out[k].s * t->v[k] / at;
	}
}

/* The terms in x alone, shared by the full and the limit model: lnpoch(r, x)
 * + r ln alpha, weighted by the customers with that x. */
static void rate_terms(double r, double ln_alpha, double x, double w, int order,
		       struct flo_lik *out)
{
	out->ll += w * (flo_lnpoch(r, x) + r * ln_alpha);
	if (order < FLO_LIK_GRADIENT)
		return;
	double pr = r * flo_psi_diff(r, x) + r * ln_alpha;
	out->g[0] += w * pr;
	out->g[1] += w * r;
	if (order < FLO_LIK_HESSIAN)
		return;
	out->h[0] += w * (pr + r * r * flo_trigamma_diff(r, x));
	out->h[1] += w * r;
}

/* FHL eq. (6), the Beta part: ln B(a, b+x) - ln B(a, b) = lnpoch(b, x) -
 * lnpoch(a+b, x), accurate as b -> infinity. */
static void dropout_terms(double a, double b, double x, double w, int order, struct flo_lik *out)
{
	out->ll += w * (flo_lnpoch(b, x) - flo_lnpoch(a + b, x));
	if (order < FLO_LIK_GRADIENT)
		return;
	double pb = flo_psi_diff(b, x), pab = flo_psi_diff(a + b, x);
	out->g[2] -= w * a * pab;
	out->g[3] += w * b * (pb - pab);
	if (order < FLO_LIK_HESSIAN)
		return;
	double tb = flo_trigamma_diff(b, x), tab = flo_trigamma_diff(a + b, x);
	out->h[10] -= w * (a * pab + a * a * tab);
	out->h[11] -= w * a * b * tab;
	out->h[15] += w * (b * (pb - pab) + b * b * (tb - tab));
}

static void bg_finish(const struct flo_problem *p, double r, double alpha, const struct xterm *xt,
		      int order, struct flo_lik *out)
{
	struct tterm *tt = time_scratch(p);
	double s[NSUMS];
	time_terms(&p->ts, alpha, tt);
	struct bg_ctx ctx = {p, r, xt, tt, order};
	run_parts(p, bg_range, &ctx, s);
	bg_assemble(s, r, order, out);
	out->tau = s[B_SWDX];
	symmetrise(out->h, p->np);
}

void flo_lik_bgnbd(const struct flo_problem *p, const double *phi, int order, struct flo_lik *out)
{
	double r = exp(phi[0]), alpha = exp(phi[1]), a = exp(phi[2]), b = exp(phi[3]);
	struct xterm *xt = (struct xterm *)p->scratch;
	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < p->xs.n; k++) {
		double x = p->xs.v[k];
		rate_terms(r, phi[1], x, p->xw[k], order, out);
		dropout_terms(a, b, x, p->xw[k], order, out);
		/* b + (x-1), not b + x - 1: at b = 1e-13, x = 1 the latter keeps
		 * only three digits of b. */
		double bx1 = b + (x - 1);
		xt[k].lnc = x > 0 ? phi[2] - log(bx1) : 0;
		xt[k].bx = x > 0 ? b / bx1 : 0;
		xt[k].bxx = x > 0 ? xt[k].bx * (x - 1) / bx1 : 0;
	}
	bg_finish(p, r, alpha, xt, order, out);
}

/* ---- the ridge ----
 *
 * With mu = a/(a+b) and tau = 1/(a+b) the Beta parts of FHL eq. (6) are
 *   B(a, b+x)/B(a, b) = prod_{j<x} (1 - mu + j tau)/(1 + j tau),
 *   a/(b+x-1) = mu/(1 - mu + (x-1) tau),
 * smooth in tau at 0, where the Beta mixing distribution of the dropout
 * probability collapses to the point mu: every customer drops out with the
 * same probability.  The limit tau = 0 is a model with three parameters (r,
 * alpha, mu), fitted here in (ln r, ln alpha, logit mu):
 *   ln L = lnpoch(r, x) + r ln alpha + x ln(1-mu) + ln[e^A + [x>0] e^D],
 *   D = logit mu - (r+x) ln(alpha+t_x),
 * and its slope in tau is, per customer,
 *   d ln L/d tau = x(x-1)/2 mu/(1-mu) - w_D (x-1)/(1-mu).
 * Where the limit's maximum has a slope <= 0 no tau > 0 does better nearby:
 * the BG/NBD's maximum likelihood is on that boundary, a and b infinite in
 * the ratio mu : (1-mu), which BFGS on (ln a, ln b) only crawls towards. */

static double log1pexp(double v)
{
	return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v));
}

void flo_lik_limit(const struct flo_problem *p, const double *phi, int order, struct flo_lik *out)
{
	double r = exp(phi[0]), alpha = exp(phi[1]), logit = phi[2];
	double mu = 1 / (1 + exp(-logit)), ln_1mmu = -log1pexp(logit);
	struct xterm *xt = (struct xterm *)p->scratch;
	double xw_x2 = 0; /* sum w x(x-1)/2, for the slope in tau */
	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < p->xs.n; k++) {
		double x = p->xs.v[k], w = p->xw[k];
		rate_terms(r, phi[1], x, w, order, out);
		out->ll += w * x * ln_1mmu;
		out->g[2] -= w * x * mu;
		out->h[10] -= w * x * mu * (1 - mu);
		xw_x2 += w * x * (x - 1) / 2;
		xt[k] = (struct xterm){x > 0 ? logit : 0, 0, 0};
	}
	bg_finish(p, r, alpha, xt, order, out);
	out->tau = (xw_x2 * mu - out->tau) / (1 - mu);
}

/* The profile in logit mu.  With u = mu/(1-mu) = e^l, l = logit mu, an
 * observation with x > 0 has ln L = x ln(1-mu) + ln(e^A + u e^D0) + terms
 * without mu, D0 = -(r+x) ln(alpha+t_x), so ln L = ln(1 + u z) - x ln(1+u)
 * + ..., z = e^(D0 - A) = ((alpha+T)/(alpha+t_x))^(r+x).  Its derivative in
 * l is zero where
 *   S(l) = sum w s = X sig(l),  s = u z/(1 + u z),  X = sum w x,
 * and Newton's method on the difference walks one unit of l a step towards
 * a small mu, as on the whole model; on the difference of the logarithms,
 *   Phi(l) = ln S(l) - ln X - ln sig(l),
 * it does not: for small u both sides grow like u, so Phi is nearly linear
 * in l.  Phi goes from ln(sum w z / X) near u = 0 (> 0 when there is a
 * maximum inside at all) to ln(sum_{x>0} w / X) <= 0 at u = infinity; the
 * root is kept inside a bracket (bisection when a step leaves it).  Each
 * step is a pass with one division per observation; z is computed once. */
#define PROFILE_LOGIT 40.0
#define PROFILE_STEPS 60
#define PROFILE_TOL 1e-6 /* Newton on the whole model takes it from there */

struct profile_ctx {
	const struct flo_problem *p;
	double *z;
	const struct tterm *tt; /* per distinct time, T's and t_x's */
	double r, u;
};

/* z per observation (0 for x = 0) and sum w x, over part->lo .. hi. */
static void profile_z(const void *arg, struct part *part)
{
	const struct profile_ctx *c = arg;
	const struct flo_problem *p = c->p;
	double x_sum = 0;
	for (size_t i = part->lo; i < part->hi; i++) {
		const struct flo_obs *o = &p->obs[i];
		double x = p->xs.v[o->xi];
		x_sum += o->w * x;
		/* ln z beyond 700 changes no s once u > e^-40 */
		c->z[i] = x > 0 ? exp(fmin(700, (c->r + x) * (c->tt[o->ti].l - c->tt[o->ui].l))) : 0;
	}
	part->s[0] = x_sum;
}

/* sum w s and sum w s (1 - s) over part->lo .. hi. */
static void profile_sums(const void *arg, struct part *part)
{
	const struct profile_ctx *c = arg;
	double s0 = 0, s1 = 0;
	for (size_t i = part->lo; i < part->hi; i++) {
		if (c->z[i] == 0)
			continue;
		/* s = u z/(1 + u z) and 1 - s, without 1 - s losing a small s */
		double v = c->u * c->z[i], not_s = 1 / (1 + v), s = isinf(v) ? 1 : v * not_s;
		s0 += c->p->obs[i].w * s;
		s1 += c->p->obs[i].w * s * not_s;
	}
	part->s[0] = s0;
	part->s[1] = s1;
}

/* Phi(l) and its derivative. */
static double profile_phi(struct profile_ctx *c, double ln_x, double l, double *slope)
{
	double sig = 1 / (1 + exp(-l)), s[NSUMS];
	c->u = exp(l);
	run_parts(c->p, profile_sums, c, s);
	*slope = s[1] / s[0] - (1 - sig);
	return log(s[0]) - ln_x - log(sig);
}

int flo_lik_limit_profile(const struct flo_problem *p, const double *phi, double *logit)
{
	double *z = malloc((p->n ? p->n : 1) * sizeof *z), s[NSUMS];
	if (z == NULL)
		return 0;
	struct tterm *tt = time_scratch(p);
	time_terms(&p->ts, exp(phi[1]), tt);
	struct profile_ctx c = {p, z, tt, exp(phi[0]), 0};
	run_parts(p, profile_z, &c, s);
	double x_sum = s[0];
	double lo = -PROFILE_LOGIT, hi = PROFILE_LOGIT, d, l = phi[2], ln_x = log(x_sum);
	int found = 0;
	if (profile_phi(&c, ln_x, lo, &d) > 0 && profile_phi(&c, ln_x, hi, &d) < 0) {
		if (!(l > lo && l < hi))
			l = 0;
		for (int step = 0; step < PROFILE_STEPS && hi - lo > PROFILE_TOL; step++) {
			double f = profile_phi(&c, ln_x, l, &d);
			if (f > 0)
				lo = l;
			else
				hi = l;
			double next = d < 0 ? l - f / d : (lo + hi) / 2;
			if (!(next > lo && next < hi))
				next = (lo + hi) / 2;
			if (fabs(next - l) < PROFILE_TOL)
				break;
			l = next;
		}
		found = isfinite(l);
	}
	free(z);
	*logit = l;
	return found;
}

/* ---- the Gamma-Gamma ----
 *
 * Fader & Hardie (2013), eq. (1) with x purchases of mean m:
 *   ln f = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x
 *          - (px+q) ln(v + x m),
 * lnG(px+q) - lnG(px) - lnG(q) = lnpoch(px, q) - lnG(q). */

/* Every sum over the observations is a function of v alone, since p and q
 * multiply whole sums: with s = v + x m,
 *   sum w ln f's observation terms = p XD - sum w ln m - q L
 * with the sums L, XD and those of the derivatives of ggseries.h.  So a
 * pass costs a log and a division per observation, reading four doubles in
 * a row (w, w x, x m, ln m); evaluations at the same v (every one of the
 * profile likelihood's for v, interval.c) reuse the last pass's sums, the
 * cache in scratch, and those near the profiles' centre take them from its
 * power series (ggseries.h) once gg_near() has gathered them. */
_Static_assert(FLO_GG_SUMS <= NSUMS, "room for the Gamma-Gamma's sums");
_Static_assert(FLO_GGS_N <= NSUMS, "room for the Gamma-Gamma's series");

struct gg_ctx {
	const struct flo_problem *p;
	double v;
	int order;
};

static inline __attribute__((always_inline)) void gg_sums(const struct gg_ctx *c,
							  struct part *part, const int order)
{
	const double *t = c->p->spend_terms, v = c->v;
	double vl = 0, vxd = 0, vxi = 0, vi = 0, vxxm = 0, vxm = 0;
	for (size_t i = part->lo; i < part->hi; i++) {
		const double *o = t + i * FLO_GG_TERMS;
		double w = o[FLO_GG_TERM_W], wx = o[FLO_GG_TERM_WX], xm = o[FLO_GG_TERM_XM],
		       lm = o[FLO_GG_TERM_LNM];
		double sum = v + xm, ls = log(sum);
		vl += w * ls;
		vxd += wx * (lm - ls);
		if (order < FLO_LIK_GRADIENT)
			continue;
		double inv = 1 / sum;
		vxi += wx * inv;
		vi += w * inv;
		if (order < FLO_LIK_HESSIAN)
			continue;
		double f = xm * inv * inv;
		vxxm += wx * f;
		vxm += w * f;
	}
	part->s[FLO_GG_L] = vl, part->s[FLO_GG_XD] = vxd;
	part->s[FLO_GG_XI] = vxi, part->s[FLO_GG_I] = vi;
	part->s[FLO_GG_XXM] = vxxm, part->s[FLO_GG_XM] = vxm;
}

/* The sums of flo_lik_gg() over part->lo .. hi. */
static void gg_range(const void *arg, struct part *part)
{
	const struct gg_ctx *c = arg;
	if (c->order >= FLO_LIK_HESSIAN)
		gg_sums(c, part, FLO_LIK_HESSIAN);
	else if (c->order >= FLO_LIK_GRADIENT)
		gg_sums(c, part, FLO_LIK_GRADIENT);
	else
		gg_sums(c, part, FLO_LIK_VALUE);
}

/* The sums at v up to `order`: from the series when they are gathered and
 * v is within their reach, else from the cache when it has them, else from
 * a pass.  The series first: where they serve, the sums do not depend on
 * which v's were summed before (the fit's own, say, in its kept index). */
static const double *gg_v_sums(const struct flo_problem *p, double v, int order)
{
	double s[NSUMS], *ser = p->scratch + GG_SERIES;
	if (ser[SER_READY] && flo_gg_series_sums(ser + SER_SUMS, ser[SER_V0], ser[SER_XM_MIN], v,
						 order, ser + SER_OUT))
		return ser + SER_OUT;
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	for (int k = 0; k < GG_SLOTS; k++) {
		const double *e = p->scratch + 1 + k * GG_ENTRY;
		if (memcmp(&e[0], &bits, sizeof bits) == 0 && e[1] >= order)
			return e + 2;
	}
	struct gg_ctx ctx = {p, v, order};
	run_parts(p, gg_range, &ctx, s);
	int k = (int)p->scratch[0];
	p->scratch[0] = (k + 1) % GG_SLOTS;
	double *e = p->scratch + 1 + k * GG_ENTRY;
	memcpy(&e[0], &bits, sizeof bits);
	e[1] = order;
	memcpy(e + 2, s, FLO_GG_SUMS * sizeof *s);
	return e + 2;
}

struct gather_ctx {
	const struct flo_problem *p;
	double v0;
};

static void gg_gather(const void *arg, struct part *part)
{
	const struct gather_ctx *c = arg;
	flo_gg_series_gather(c->p->spend_terms, part->lo, part->hi, c->v0, part->s);
}

/* The series about v = e^phi[2] (fitlik.h's near), in one pass. */
static void gg_near(const struct flo_problem *p, const double *phi)
{
	struct gather_ctx ctx = {p, exp(phi[2])};
	double s[NSUMS], *ser = p->scratch + GG_SERIES;
	run_parts(p, gg_gather, &ctx, s);
	ser[SER_V0] = ctx.v0;
	memcpy(ser + SER_SUMS, s, FLO_GGS_N * sizeof *s);
	ser[SER_READY] = 1;
}

/* The terms in x alone, per distinct x with weight w. */
static void gg_xterms(double pp, double q, double ln_v, double lgq, double x, double lx, double w,
		      int order, struct flo_lik *out)
{
	double px = pp * x;
	out->ll += w * (flo_lnpoch(px, q) - lgq + q * ln_v + px * lx);
	if (order < FLO_LIK_GRADIENT)
		return;
	double dp = px * (flo_psi_diff(px, q) + lx); /* psi(px+q) - psi(px) */
	double dq = q * (flo_psi_diff(q, px) + ln_v); /* psi(px+q) - psi(q) */
	out->g[0] += w * dp;
	out->g[1] += w * dq;
	out->g[2] += w * q;
	if (order < FLO_LIK_HESSIAN)
		return;
	out->h[0] += w * (dp + px * px * flo_trigamma_diff(px, q));
	out->h[1] += w * px * q * gsl_sf_psi_1(px + q);
	out->h[5] += w * (dq + q * q * flo_trigamma_diff(q, px));
	out->h[6] += w * q;
}

void flo_lik_gg(const struct flo_problem *p, const double *phi, int order, struct flo_lik *out)
{
	double pp = exp(phi[0]), q = exp(phi[1]), v = exp(phi[2]), lgq = lgamma(q);
	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < p->xs.n; k++)
		gg_xterms(pp, q, phi[2], lgq, p->xs.v[k], p->xlog[k], p->xw[k], order, out);
	const double *s = gg_v_sums(p, v, order);
	out->ll += pp * s[FLO_GG_XD] - p->spend_lnm - q * s[FLO_GG_L];
	if (order >= FLO_LIK_GRADIENT) {
		out->g[0] += pp * s[FLO_GG_XD];
		out->g[1] -= q * s[FLO_GG_L];
		out->g[2] -= v * (pp * s[FLO_GG_XI] + q * s[FLO_GG_I]);
	}
	if (order >= FLO_LIK_HESSIAN) {
		out->h[0] += pp * s[FLO_GG_XD];
		out->h[2] -= pp * v * s[FLO_GG_XI];
		out->h[5] -= q * s[FLO_GG_L];
		out->h[6] -= q * v * s[FLO_GG_I];
		out->h[10] -= v * (pp * s[FLO_GG_XXM] + q * s[FLO_GG_XM]);
		symmetrise(out->h, 3);
	}
}
