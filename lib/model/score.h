/* score.h: a customer's scores under a fitted model, as flo-score adds them
 * to RFM summaries: P(alive), the expected purchases at each horizon, the
 * expected average value of a purchase (Gamma-Gamma) and the CLV (clv.h).
 *
 * A scorer keeps, at a memory fixed when it is made, a cache of what depends
 * on (x, T) alone (score.c), so that customers of one cohort share most of
 * the work.  It belongs to one thread at a time. */
#ifndef FLO_SCORE_H
#define FLO_SCORE_H

#include <stddef.h>

#include "model/model.h"

struct flo_score_config {
	struct flo_model model;
	const double *horizon; /* nhorizon horizons >= 0, in the model's unit (copied) */
	size_t nhorizon;
	unsigned months;       /* of the CLV */
	double discount;       /* monthly rate of the CLV, > -1 */
};

/* A customer's RFM summary: x repeat purchases, the last at t_x (recency),
 * observed for T, with mean spend m (monetary). */
struct flo_history {
	double x, tx, T, m;
};

/* Where a customer's scores stand in the values a scorer gives: P(alive),
 * then one expected purchases per horizon, then exp_avg_value and clv. */
#define FLO_SCORE_P_ALIVE 0
#define FLO_SCORE_PURCHASES(k) (1 + (k))
#define FLO_SCORE_VALUE(nhorizon) (1 + (nhorizon))
#define FLO_SCORE_CLV(nhorizon) (2 + (nhorizon))

/* What could not be scored as it stands, counted over the scorer's life. */
struct flo_score_counts {
	long no_value; /* no exp_avg_value and clv: p x + q <= 1 (gg.h) */
	long clamped;  /* frequency > 0 and monetary <= 0, scored at monetary 0 */
};

typedef struct flo_scorer flo_scorer;

/* FLO_OK, FLO_ENOMEM, FLO_EMODEL (a parameter not finite and positive, a
 * unit not day, week or month) or FLO_EUSAGE (a horizon not finite and
 * at least 0, a discount not above -1); *s is NULL on failure. */
int flo_scorer_new(flo_scorer **s, const struct flo_score_config *c);
/* NULL is fine. */
void flo_scorer_free(flo_scorer *s);

/* Values per customer: nhorizon + 3. */
size_t flo_scorer_nvalues(const flo_scorer *s);

/* Score the customer h (a valid history: x a whole number >= 0,
 * 0 <= t_x <= T) into val[0..flo_scorer_nvalues()), of which *n exist: all,
 * or all but exp_avg_value and clv (without a Gamma-Gamma model, or where
 * p x + q <= 1).  A customer with x > 0 and m <= 0 is outside the
 * Gamma-Gamma, which knows positive spend only: it is scored at the limit
 * m -> 0+.  FLO_ERANGE when a score overflows a double (a monetary near
 * the largest double): *n is then the first such, val[*n] inf, or nan,
 * which would be a bug to report. */
int flo_score(flo_scorer *s, const struct flo_history *h, double *val, size_t *n);

void flo_scorer_counts(const flo_scorer *s, struct flo_score_counts *c);

/* The parts of a scorer's work under any model m of a valid family, without
 * its cache (for the draws of bands.h): P(alive | x, t_x, T); and what
 * depends on (x, T) alone, into out[0] the CLV's alive sum (clv.h) and
 * out[1 + k] the expected purchases given alive at horizon k.  c's model is
 * not read: m is. */
double flo_score_p_alive(const struct flo_model *m, const struct flo_history *h);
void flo_score_alive_values(const struct flo_model *m, const struct flo_score_config *c,
			    double x, double T, double *out);

#endif
