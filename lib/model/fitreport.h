/* fitreport.h: what a fit means, in words: the warnings of the model
 * document (model.h), and the correlation of frequency and spend that the
 * Gamma-Gamma assumes away. */
#ifndef FLO_FITREPORT_H
#define FLO_FITREPORT_H

#include <stddef.h>

#include "model/compact.h"
#include "model/fit.h"

/* Room enough for the warnings of one fit. */
#define FLO_FIT_WARNINGS_MAX 8

/* The warnings of a BG/NBD fit into w[0..*n) (malloc'd strings): no
 * convergence, no dropout identified, a purchase rate at a boundary, no
 * standard errors or parameters they do not pin down, and last, customers
 * with x > 0 at t_x = 0 (a likelihood without a maximum).  FLO_ENOMEM (then
 * *n = 0 and nothing is kept). */
int flo_fit_bgnbd_warnings(const struct flo_fit_result *f, char **w, size_t *n);

/* Room enough for the explanations below. */
#define FLO_FIT_MSG_MAX 640

/* The warning about customers with x > 0 at t_x = 0, into msg (size bytes,
 * truncated to fit): their count, what it means and the fix.  Returns 0
 * (msg "") when f->at_zero is 0. */
int flo_fit_at_zero_warning(const struct flo_fit_result *f, char *msg, size_t size);

/* Why a fit that ran away (f->runaway) has no estimate, with the count and
 * the fix, into msg (size bytes, truncated to fit). */
void flo_fit_runaway_message(const struct flo_fit_result *f, char *msg, size_t size);

/* The warnings of a Pareto/NBD fit: no convergence, no dropout identified
 * (s or s/beta -> 0: the NBD), one dropout rate for all (s, beta -> infinity), a
 * purchase rate at a boundary, no standard errors or parameters they do
 * not pin down.  FLO_ENOMEM as above. */
int flo_fit_pnbd_warnings(const struct flo_fit_result *f, char **w, size_t *n);

/* The warnings of an MBG/NBD fit, as the BG/NBD's (its boundaries are
 * the same: a -> 0 or b -> infinity, no dropout; a, b -> infinity
 * together, one dropout probability).  FLO_ENOMEM as above. */
int flo_fit_mbgnbd_warnings(const struct flo_fit_result *f, char **w, size_t *n);

/* The warnings of a BG/BB fit: not converged; gamma -> 0 (no dropout);
 * gamma, delta or alpha, beta -> infinity together (one dropout or one
 * purchase probability for all).  FLO_ENOMEM as above. */
int flo_fit_bgbb_warnings(const struct flo_fit_result *f, char **w, size_t *n);

/* The same for a Gamma-Gamma fit with the given penalizer, and the
 * correlation of frequency and spend when has_corr. */
int flo_fit_gg_warnings(const struct flo_fit_result *f, double corr, int has_corr,
			double penalizer, char **w, size_t *n);

void flo_fit_warnings_free(char **w, size_t n);

/* The weighted correlation of x and m over the merged spend pairs (in
 * their sorted order, so that the records' order changes no digit) into
 * *corr: returns 1, or 0 (and *corr = 0) when either does not vary. */
int flo_spend_correlation(const struct flo_spend *s, size_t n, double *corr);

#endif
