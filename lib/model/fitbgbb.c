/* fitbgbb.c: the BG/BB's log-likelihood summed over indexed triples
 * (x, t_x, n), with its exact gradient and a Hessian by central differences
 * of that gradient, as the Pareto/NBD's (fitlik.c): good to about 1e-9 of
 * its entries, ample for Newton's steps and the standard errors.
 *
 * Per observation the likelihood's sum over the periods of a possible
 * death costs n - t_x terms (bgbb.c); discrete-time data are few distinct
 * triples (the donations data: 22), so the sums run on one thread. */
#include "model/fitlik.h"

#include <math.h>
#include <string.h>

#include "model/bgbb.h"

#define BGBB_HESSIAN_STEP 1e-5

/* sum w ln L into s[0], and with grad its gradient into s[1..4] */
static void bgbb_sums(const struct flo_problem *p, const double *phi, int grad, double *s)
{
	const struct flo_bgbb m = {exp(phi[0]), exp(phi[1]), exp(phi[2]), exp(phi[3])};
	memset(s, 0, 5 * sizeof *s);
	for (size_t i = 0; i < p->n; i++) {
		const struct flo_obs *o = &p->obs[i];
		double x = p->xs.v[o->xi], tx = p->ts.v[o->ui], n = p->ts.v[o->ti], g[4];
		if (grad) {
			s[0] += o->w * flo_bgbb_loglik_grad(&m, x, tx, n, g);
			for (int j = 0; j < 4; j++)
				s[1 + j] += o->w * g[j];
		} else {
			s[0] += o->w * flo_bgbb_loglik(&m, x, tx, n);
		}
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
	return err;
}
