/* check.h: how well a fitted purchase model describes the data, as tables
 * that stream: one pass over RFM summaries, constant memory (the buckets of
 * frequency 0..K-1 and K or more).  The tool flo-check writes them;
 * family.h gives the model, of any family.
 *
 *  - holdout: per calibration frequency, the customers, their actual
 *    purchases in a holdout period and the model's expected purchases over
 *    its length (FHL 2005, figure 4 and table 2), with the errors per
 *    customer (MAE, RMSE, correlation) and in aggregate (percent);
 *  - counts: customers with 0, 1, ..., K or more repeat purchases in
 *    calibration against the model's sum over customers of
 *    P(X(T_i) = n) (FHL 2005, figure 3);
 *  - the log-likelihood of the data, for AIC and BIC across models.
 *
 * Handles belong to one thread at a time. */
#ifndef FLO_MODEL_CHECK_H
#define FLO_MODEL_CHECK_H

#include <stddef.h>

#include "model/family.h"

/* Errors of predictions against what happened, over a set of customers. */
struct flo_errstats {
	double n, sum_actual, sum_expected, sum_abs, sum_sq;
	double mean_a, mean_e, m2_a, m2_e, c_ae; /* Welford's co-moments */
};

void flo_errstats_add(struct flo_errstats *s, double actual, double expected);

struct flo_errors {
	double customers, mean_actual, mean_expected, sum_actual, sum_expected;
	double mae, rmse;
	double corr;      /* Pearson's, over customers; when has_corr */
	double error_pct; /* 100 (expected - actual) / actual, summed; when has_error_pct */
	int has_corr, has_error_pct;
};

/* The errors of s; customers 0 gives zeros (means 0). */
void flo_errstats_result(const struct flo_errstats *s, struct flo_errors *e);

typedef struct flo_check flo_check;

/* A check over buckets of calibration frequency 0..K-1 and K or more
 * (K >= 1), for holdout periods of length `holdout` (>= 0, in the model's
 * unit; 0 when there is no holdout).  FLO_OK, FLO_ENOMEM, FLO_EUSAGE. */
int flo_check_new(flo_check **c, const struct flo_purchase_model *f, unsigned K, double holdout);
void flo_check_free(flo_check *c);

/* One customer: history (x, t_x, T) and, when has_actual, the purchases
 * made in the holdout.  FLO_ERANGE when a prediction or the likelihood is
 * not finite (values too large), with nothing added. */
int flo_check_add(flo_check *c, double x, double tx, double T, int has_actual, double actual);

/* Bucket k (0..K; K is "K or more"), or k = K + 1 for all customers. */
void flo_check_holdout(const flo_check *c, unsigned k, struct flo_errors *e);

/* Customers with frequency k (k = K: K or more) and the model's expected
 * number, sum_i P(X(T_i) = k) (for K: 1 minus the others). */
void flo_check_counts(const flo_check *c, unsigned k, double *actual, double *expected);

/* Customers, and the log-likelihood of their histories under the model. */
void flo_check_loglik(const flo_check *c, double *customers, double *loglik);

/* A cell of the frequency x recency matrices (lifetimes'
 * plot_frequency_recency_matrix and plot_probability_alive_matrix): a
 * customer of age T with frequency x, the last at t_x, expects *expected
 * purchases in the next t and is alive with probability *alive. */
void flo_check_matrix_cell(const struct flo_purchase_model *f, double x, double tx, double T, double t,
			   double *expected, double *alive);

#endif
