/* fitdata.h: the data the fits read, gathered customer by customer: the
 * BG/NBD's (x, t_x, T) triples and the Gamma-Gamma's spend pairs (compact.h),
 * merged whenever their buffers fill, so that memory follows the distinct
 * observations however many customers stream past; and a fingerprint of
 * them that names the fitted data in the model document. */
#ifndef FLO_FITDATA_H
#define FLO_FITDATA_H

#include <stddef.h>
#include <stdint.h>

#include "model/compact.h"

/* Start from {0}; free with flo_fit_data_free(). */
struct flo_fit_data {
	struct flo_triple *tri;
	size_t ntri, cap_tri;
	struct flo_spend *spend;
	size_t nspend, cap_spend;
	double customers; /* the sum of the weights */
	double left_out;  /* of the Gamma-Gamma: without repeat purchases or spend */
	uint64_t fingerprint;
};

/* The largest total weight: 2^53, the counts a double holds exactly. */
#define FLO_FIT_WEIGHT_MAX 9007199254740992.0

/* A customer with x repeat purchases, the last at t_x, observed for T, with
 * mean spend m, standing for w >= 0 customers alike: in the Gamma-Gamma when
 * x > 0 and m > 0, else counted in left_out.  FLO_ENOMEM, FLO_ERANGE when the
 * total weight would pass FLO_FIT_WEIGHT_MAX (nothing added). */
int flo_fit_data_add(struct flo_fit_data *d, double x, double tx, double T, double m,
		     double w);

/* After the last customer: the spend pairs merged, in sorted order (the
 * BG/NBD's fit merges its triples itself). */
void flo_fit_data_finish(struct flo_fit_data *d);

/* The fingerprint as 16 hexadecimal digits: the same customers give the
 * same fingerprint in any order, and a record of weight 2 counts as two of
 * weight 1. */
void flo_fit_data_fingerprint(const struct flo_fit_data *d, char out[17]);

/* NULL is fine; d is then {0} again. */
void flo_fit_data_free(struct flo_fit_data *d);

#endif
