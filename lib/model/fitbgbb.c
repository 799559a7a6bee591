/* fitbgbb.c: the BG/BB's log-likelihood summed over indexed triples
 * (x, t_x, n), with its exact gradient and a Hessian by central differences
 * of that gradient: good to about 1e-9 of its entries, ample for Newton's
 * steps and the standard errors.
 *
 * Per observation the likelihood's sum over the periods of a possible
 * death costs n - t_x terms (bgbb.c), the same terms for every n of one
 * (x, t_x): the observations are visited by (x, t_x, n), each (x, t_x)'s
 * sum carried on from one n to the next (flo_bgbb_dead_*), so a pass costs
 * the largest n - t_x of each (x, t_x), not the sum over its observations
 * (100,000 simulated weekly customers: 1.63 s of CPU to 0.97 s).  The
 * per-observation values are then summed in the observations' own order,
 * so the pass gives the bits the one-observation-at-a-time sum gave. */
#include "model/fitlik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/bgbb.h"

#define BGBB_HESSIAN_STEP 1e-5

/* The visiting order and room for each observation's ln L and gradient
 * (p->extra). */
struct bb_index {
	uint32_t *order;
	double *vals;
};

static void free_index(void *v)
{
	struct bb_index *ix = v;
	if (ix != NULL) {
		free(ix->order);
		free(ix->vals);
		free(ix);
	}
}

/* An observation's place in the visiting order: its ranks and index. */
struct bb_key {
	uint32_t xi, ui, ti, i;
};

static int by_x_tx_n(const void *l, const void *r)
{
	const struct bb_key *a = l, *b = r;
	if (a->xi != b->xi)
		return a->xi < b->xi ? -1 : 1;
	if (a->ui != b->ui)
		return a->ui < b->ui ? -1 : 1;
	return (a->ti > b->ti) - (a->ti < b->ti);
}

/* sum w ln L into s[0], and with grad its gradient into s[1..4] */
static void bgbb_sums(const struct flo_problem *p, const double *phi, int grad, double *s)
{
	const struct flo_bgbb m = {exp(phi[0]), exp(phi[1]), exp(phi[2]), exp(phi[3])};
	const struct bb_index *ix = p->extra;
	struct flo_bgbb_dead dead;
	memset(s, 0, 5 * sizeof *s);
	for (size_t k = 0; k < p->n; k++) {
		uint32_t i = ix->order[k];
		const struct flo_obs *o = &p->obs[i];
		double *v = ix->vals + 5 * (size_t)i;
		if (k == 0 || o->xi != p->obs[ix->order[k - 1]].xi ||
		    o->ui != p->obs[ix->order[k - 1]].ui)
			flo_bgbb_dead_start(&m, p->xs.v[o->xi], p->ts.v[o->ui], grad, &dead);
		v[0] = flo_bgbb_dead_loglik(&m, &dead, p->ts.v[o->ti], grad ? v + 1 : NULL);
	}
	for (size_t i = 0; i < p->n; i++) {
		const double *v = ix->vals + 5 * i;
		double w = p->obs[i].w;
		s[0] += w * v[0];
		for (int j = 0; grad && j < 4; j++)
			s[1 + j] += w * v[1 + j];
	}
}

void flo_lik_bgbb(const struct flo_problem *p, const double *phi, int order, struct flo_lik *out)
{
	double s[5];
	memset(out, 0, sizeof *out);
	bgbb_sums(p, phi, order >= FLO_LIK_GRADIENT, s);
	out->ll = s[0];
	for (int j = 0; order >= FLO_LIK_GRADIENT && j < 4; j++)
		out->g[j] = s[1 + j];
	if (order < FLO_LIK_HESSIAN)
		return;
	for (int k = 0; k < 4; k++) {
		double up[4], dn[4], su[5], sd[5];
		memcpy(up, phi, sizeof up);
		memcpy(dn, phi, sizeof dn);
		up[k] += BGBB_HESSIAN_STEP;
		dn[k] -= BGBB_HESSIAN_STEP;
		bgbb_sums(p, up, 1, su);
		bgbb_sums(p, dn, 1, sd);
		for (int j = 0; j < 4; j++)
			out->h[j * 4 + k] = (su[1 + j] - sd[1 + j]) / (2 * BGBB_HESSIAN_STEP);
	}
	for (int j = 0; j < 4; j++) /* the mean of the two halves: symmetric */
		for (int k = 0; k < j; k++)
			out->h[j * 4 + k] = out->h[k * 4 + j] =
				0.5 * (out->h[j * 4 + k] + out->h[k * 4 + j]);
}

int flo_problem_bgbb(struct flo_problem *p, const struct flo_triple *d, size_t n)
{
	int err = flo_problem_bgnbd(p, d, n);
	p->loglik = flo_lik_bgbb;
	if (err != FLO_OK)
		return err;
	struct bb_index *ix = calloc(1, sizeof *ix);
	if (ix == NULL)
		return FLO_ENOMEM;
	p->extra = ix;
	p->free_extra = free_index;
	ix->order = malloc((p->n ? p->n : 1) * sizeof *ix->order);
	ix->vals = malloc((p->n ? p->n : 1) * 5 * sizeof *ix->vals);
	if (ix->order == NULL || ix->vals == NULL)
		return FLO_ENOMEM;
	struct bb_key *keys = malloc((p->n ? p->n : 1) * sizeof *keys);
	if (keys == NULL)
		return FLO_ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		keys[i] = (struct bb_key){p->obs[i].xi, p->obs[i].ui, p->obs[i].ti, (uint32_t)i};
	qsort(keys, p->n, sizeof *keys, by_x_tx_n);
	for (size_t i = 0; i < p->n; i++)
		ix->order[i] = keys[i].i;
	free(keys);
	return FLO_OK;
}
