/* family.h: a purchase-count model as the fit checks see it, whatever its
 * family: what a check asks of a model (the likelihood of a history, the
 * conditional and unconditional predictions), through one table of
 * functions.  Each family (enum flo_family in model.h) has a constructor
 * here, and every check (check.h, tracking.h) works with it unchanged.
 *
 * A flo_purchase_model holds a pointer to the caller's parameters, which must
 * outlive it; its functions are pure, as bgnbd.h's. */
#ifndef FLO_FAMILY_H
#define FLO_FAMILY_H

#include "model/bgbb.h"
#include "model/bgnbd.h"
#include "model/model.h"
#include "model/pnbd.h"
#include "model/mbgnbd.h"

struct flo_purchase_model {
	const char *name;  /* the family's: "bgnbd", "pnbd" */
	unsigned nparams;  /* free parameters, for AIC and BIC */
	const void *params;
	/* per-customer log-likelihood of (x, t_x, T) */
	double (*loglik)(const void *params, double x, double tx, double T);
	/* P(alive at T | x, t_x, T) */
	double (*p_alive)(const void *params, double x, double tx, double T);
	/* expected purchases in (T, T+t] given the history */
	double (*expected)(const void *params, double x, double tx, double T, double t);
	/* E[X(t)], purchases in (0, t] of a customer who made the first at 0 */
	double (*expected_count)(const void *params, double t);
	/* P(X(t) = n) */
	double (*prob_count)(const void *params, double t, unsigned n);
};

/* The BG/NBD (bgnbd.h) as a family; m must outlive f. */
void flo_purchase_model_bgnbd(struct flo_purchase_model *f, const struct flo_bgnbd *m);

/* The MBG/NBD (mbgnbd.h) as a family; m must outlive f. */
void flo_purchase_model_mbgnbd(struct flo_purchase_model *f, const struct flo_mbgnbd *m);

/* The BG/BB (bgbb.h) as a family, T being n and times in periods; m must
 * outlive f. */
void flo_purchase_model_bgbb(struct flo_purchase_model *f, const struct flo_bgbb *m);

/* The Pareto/NBD (pnbd.h) as a family; m must outlive f. */
void flo_purchase_model_pnbd(struct flo_purchase_model *f, const struct flo_pnbd *m);

/* The purchase model of a fitted model, of its family; m must outlive f.
 * FLO_OK, or FLO_EMODEL for a family the checks do not know. */
int flo_purchase_model_of(struct flo_purchase_model *f, const struct flo_model *m);

#endif
