/* family.c: each family behind the family table. */
#include "model/family.h"

#include "base/err.h"

static double bg_loglik(const void *p, double x, double tx, double T)
{
	return flo_bgnbd_loglik(p, x, tx, T);
}

static double bg_p_alive(const void *p, double x, double tx, double T)
{
	return flo_bgnbd_p_alive(p, x, tx, T);
}

static double bg_expected(const void *p, double x, double tx, double T, double t)
{
	return t > 0 ? flo_bgnbd_expected_purchases(p, x, tx, T, t) : 0.0;
}

static double bg_expected_count(const void *p, double t)
{
	return t > 0 ? flo_bgnbd_expected_count(p, t) : 0.0;
}

static double bg_prob_count(const void *p, double t, unsigned n)
{
	return flo_bgnbd_prob_count(p, t, n);
}

void flo_purchase_model_bgnbd(struct flo_purchase_model *f, const struct flo_bgnbd *m)
{
	*f = (struct flo_purchase_model){"bgnbd", 4, m, bg_loglik, bg_p_alive, bg_expected,
				 bg_expected_count, bg_prob_count};
}

/* ---- the MBG/NBD ---- */

static double mbg_loglik(const void *p, double x, double tx, double T)
{
	return flo_mbgnbd_loglik(p, x, tx, T);
}

static double mbg_p_alive(const void *p, double x, double tx, double T)
{
	return flo_mbgnbd_p_alive(p, x, tx, T);
}

static double mbg_expected(const void *p, double x, double tx, double T, double t)
{
	return t > 0 ? flo_mbgnbd_expected_purchases(p, x, tx, T, t) : 0.0;
}

static double mbg_expected_count(const void *p, double t)
{
	return flo_mbgnbd_expected_count(p, t);
}

static double mbg_prob_count(const void *p, double t, unsigned n)
{
	return flo_mbgnbd_prob_count(p, t, n);
}

void flo_purchase_model_mbgnbd(struct flo_purchase_model *f, const struct flo_mbgnbd *m)
{
	*f = (struct flo_purchase_model){"mbgnbd", 4, m, mbg_loglik, mbg_p_alive, mbg_expected,
					 mbg_expected_count, mbg_prob_count};
}

/* ---- the BG/BB: T is n, times in periods ---- */

static double bb_loglik(const void *p, double x, double tx, double T)
{
	return flo_bgbb_loglik(p, x, tx, T);
}

static double bb_p_alive(const void *p, double x, double tx, double T)
{
	return flo_bgbb_p_alive(p, x, tx, T);
}

static double bb_expected(const void *p, double x, double tx, double T, double t)
{
	return t > 0 ? flo_bgbb_expected_purchases(p, x, tx, T, t) : 0.0;
}

static double bb_expected_count(const void *p, double t)
{
	return flo_bgbb_expected_count(p, t);
}

static double bb_prob_count(const void *p, double t, unsigned n)
{
	return flo_bgbb_prob_count(p, t, n);
}

void flo_purchase_model_bgbb(struct flo_purchase_model *f, const struct flo_bgbb *m)
{
	*f = (struct flo_purchase_model){"bgbb", 4, m, bb_loglik, bb_p_alive, bb_expected,
					 bb_expected_count, bb_prob_count};
}

/* ---- the Pareto/NBD ---- */

static double pnbd_loglik(const void *p, double x, double tx, double T)
{
	return flo_pnbd_loglik(p, x, tx, T);
}

static double pnbd_p_alive(const void *p, double x, double tx, double T)
{
	return flo_pnbd_p_alive(p, x, tx, T);
}

static double pnbd_expected(const void *p, double x, double tx, double T, double t)
{
	return t > 0 ? flo_pnbd_expected_purchases(p, x, tx, T, t) : 0.0;
}

static double pnbd_expected_count(const void *p, double t)
{
	return t > 0 ? flo_pnbd_expected_count(p, t) : 0.0;
}

static double pnbd_prob_count(const void *p, double t, unsigned n)
{
	return flo_pnbd_prob_count(p, t, n);
}

void flo_purchase_model_pnbd(struct flo_purchase_model *f, const struct flo_pnbd *m)
{
	*f = (struct flo_purchase_model){"pnbd", 4, m, pnbd_loglik, pnbd_p_alive, pnbd_expected,
				 pnbd_expected_count, pnbd_prob_count};
}

int flo_purchase_model_of(struct flo_purchase_model *f, const struct flo_model *m)
{
	switch (m->family) {
	case FLO_FAMILY_BGNBD: flo_purchase_model_bgnbd(f, &m->bgnbd); return FLO_OK;
	case FLO_FAMILY_PNBD: flo_purchase_model_pnbd(f, &m->pnbd); return FLO_OK;
	case FLO_FAMILY_MBGNBD: flo_purchase_model_mbgnbd(f, &m->mbgnbd); return FLO_OK;
	case FLO_FAMILY_BGBB: flo_purchase_model_bgbb(f, &m->bgbb); return FLO_OK;
	}
	return FLO_EMODEL;
}
