/* model.h: a fitted model as flo-fit writes it and flo-score reads it: one
 * JSON document, the same in a file (--model-out) and in the store.
 *
 *   {"format": "flo-model 1", "unit": "week", "created": "...",
 *    "data": {"customers": N, "fingerprint": "..."},
 *    "bgnbd": {"params": {"r":..,"alpha":..,"a":..,"b":..},
 *              "se": {...}, "loglik": .., "aic": .., "bic": .., "customers": ..,
 *              "distinct": .., "iterations": .., "converged": true,
 *              "penalizer": .., "warnings": ["..."]},
 *    "gamma_gamma": {"params": {"p":..,"q":..,"v":..}, ...} or null}
 *
 * A Pareto/NBD document says so with "family": "pnbd" after "unit" and has
 * "pnbd": {"params": {"r":..,"alpha":..,"s":..,"beta":..}, ...} in place of
 * "bgnbd"; a document without "family" (every document before issue 17)
 * is a BG/NBD, and flo-fit writes BG/NBD documents as before.  An MBG/NBD
 * (mbgnbd.h) likewise: "family": "mbgnbd", its r, alpha, a, b under
 * "mbgnbd".  A BG/BB (bgbb.h): "family": "bgbb", its alpha, beta, gamma,
 * delta under "bgbb", the unit being the period.
 *
 * flo-fit --model all adds the other families' fits under their names and
 * "comparison": {"selected": family, "by": "bic" or "select", "models":
 * [{"model", "loglik", "aic", "bic", "converged", "warnings" (a count),
 * "error" (no estimate) or "holdout": {...}}, ...]}; a reader takes the
 * model of "family" and ignores the rest.
 *
 * Since issue 19 each fit also has "intervals" (level, and per parameter
 * estimate, se, lower, upper, method, and a note where a bound is none) and
 * "covariance" (scale "log" or "limit", the coordinates, their mean and
 * matrix; null when the information matrix is singular): interval.h.
 *
 * With flo-fit --bootstrap N each fit has "bootstrap" too (replicates,
 * converged, seed, and "params": one array of the parameters a converged
 * refit, bootstrap.h), which flo-score --interval draws from in place of
 * the covariance (flo_model_parse_bootstrap()).
 *
 * Standard errors that do not exist (a boundary fit) are null, never nan.
 * "iterations" counts the steps of the optimiser that gave the estimate on
 * all the data: Newton steps, or BFGS iterations where BFGS took over (see
 * fit.h). */
#ifndef FLO_MODEL_H
#define FLO_MODEL_H

#include <stddef.h>

#include "model/bgbb.h"
#include "model/bgnbd.h"
#include "model/bootstrap.h"
#include "model/fit.h"
#include "model/gg.h"
#include "model/interval.h"
#include "model/mbgnbd.h"
#include "model/pnbd.h"

#define FLO_MODEL_FORMAT "flo-model 1"

/* The purchase model's family: which of bgnbd, pnbd, mbgnbd, bgbb a model
 * has. */
enum flo_family { FLO_FAMILY_BGNBD, FLO_FAMILY_PNBD, FLO_FAMILY_MBGNBD, FLO_FAMILY_BGBB };

/* The family's name in the document ("bgnbd", "pnbd", "mbgnbd", "bgbb"). */
const char *flo_family_name(enum flo_family f);

/* What flo-score needs of a model. */
struct flo_model {
	char unit[8]; /* "day", "week" or "month" */
	struct flo_bgnbd bgnbd; /* the family's parameters, the other's zero */
	struct flo_gg gg;
	int has_gg;
	/* last, so that {unit, bgnbd, gg, has_gg} is a BG/NBD as before */
	enum flo_family family;
	struct flo_pnbd pnbd;
	/* the sampling distribution of the estimates, for flo-score
	 * --interval (draws.h): scale FLO_COV_NONE in a document without one
	 * (before issue 19) */
	struct flo_cov cov, gg_cov;
	struct flo_mbgnbd mbgnbd;
	struct flo_bgbb bgbb;
};

/* Read a model document; FLO_ESYNTAX (bad JSON), FLO_EVERSION (another
 * format), FLO_EMODEL (a parameter missing, not finite or not positive, an
 * unknown unit), with the reason in err. */
int flo_model_parse(const char *json, size_t len, struct flo_model *m, char *err,
		    size_t errlen);

/* flo-fit --model all: one purchase model's fit among those compared. */
struct flo_model_alt {
	enum flo_family family;
	struct flo_fit_result fit;
	const char *const *warnings;
	size_t nwarnings;
	const char *failed; /* why there is no estimate, or NULL */
	int has_holdout;    /* the holdout errors of flo-check (check.h) */
	double holdout_customers, holdout_actual, holdout_expected, mae, rmse, corr, error_pct;
	int has_corr, has_error_pct;
};
/* The document's bootstrap replicates as draws for flo-score --interval
 * (bands.h): *n copies of m (the document's model) with the parameters of
 * the purchase model's converged replicate k and, when the Gamma-Gamma has
 * replicates too (*gg_drawn 1), of its replicate k, k < the fewer of the
 * two; *draws malloc'd.  *n 0 and *draws NULL when the purchase model has
 * no "bootstrap".  FLO_ESYNTAX, FLO_EMODEL (replicates that are not
 * positive numbers, np a row), FLO_ENOMEM, with the reason in err. */
int flo_model_parse_bootstrap(const char *json, size_t len, const struct flo_model *m,
			      struct flo_model **draws, size_t *n, int *gg_drawn, char *err,
			      size_t errlen);

/* Everything flo-fit reports, for writing the document. */
struct flo_model_doc {
	const char *unit;
	const char *created;     /* ISO 8601 UTC */
	const char *fingerprint; /* of the fitted data */
	double customers;
	/* the purchase model's fit, of the family (bgnbd: r, alpha, a, b;
	 * pnbd: r, alpha, s, beta), its penalizer and warnings */
	struct flo_fit_result bgnbd;
	double bgnbd_penalizer;
	const char *const *bgnbd_warnings;
	size_t bgnbd_nwarnings;
	int has_gg;
	struct flo_fit_result gg;
	double gg_penalizer;
	double gg_left_out;      /* customers without repeat purchases or spend */
	int has_corr;
	double corr_frequency_monetary;
	const char *const *gg_warnings;
	size_t gg_nwarnings;
	enum flo_family family; /* of the purchase model: BG/NBD (0) or Pareto/NBD */
	/* each fit's intervals and covariance (interval.h), or NULL */
	const struct flo_intervals *bgnbd_iv, *gg_iv;
	/* flo-fit --model all: every model compared (the one above among
	 * them), each but the chosen one written under its family's name too,
	 * and why the chosen one was ("bic" or "select"); nalts 0 otherwise */
	const struct flo_model_alt *alts;
	size_t nalts;
	const char *selected_by;
	/* each fit's bootstrap replicates, or NULL */
	const struct flo_boot *bgnbd_boot, *gg_boot;
};

/* The document as pretty-printed JSON, NUL-terminated and malloc'd (NULL
 * when out of memory). */
char *flo_model_write(const struct flo_model_doc *doc);

#endif
