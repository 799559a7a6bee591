/* custsum.h: RFM summaries from the FLO customer-summary layout (one row a
 * customer with order counts and values online and offline; DESIGN.md).
 * Ownership as rfm.h. */
#ifndef FLO_CUSTSUM_H
#define FLO_CUSTSUM_H

#include <stddef.h>
#include <stdint.h>

#include "rfm/rfm.h"

/* Columns of the FLO file (../shared/data/README.md). */
extern const char *const flo_custsum_columns[];
enum {
	FLO_CS_FIRST, FLO_CS_LAST, FLO_CS_ORDERS_ONLINE, FLO_CS_ORDERS_OFFLINE,
	FLO_CS_VALUE_OFFLINE, FLO_CS_VALUE_ONLINE, FLO_CS_NCOLUMNS
};

typedef struct flo_custsum flo_custsum;

int flo_custsum_new(flo_custsum **c, const struct flo_rfm_config *cfg);
void flo_custsum_free(flo_custsum *c);

/* One customer's row: first and last order day, the two order counts and the
 * two values (order of the enum above from FLO_CS_ORDERS_ONLINE).  An id seen
 * before is FLO_EVALUE. */
int flo_custsum_add(flo_custsum *c, const char *id, size_t id_len,
		    int32_t first_day, int32_t last_day, const double counts_values[4],
		    const struct flo_field *keep);

/* The seed notebook's outlier cap on the four count and value columns:
 * values above q99 + 1.5 (q99 - q01) become round-half-even of that limit;
 * quantiles by linear interpolation as numpy's default.  limits[4] gets the
 * unrounded limits. */
void flo_custsum_cap_outliers(flo_custsum *c, double limits[4]);

/* Summaries sorted by id.  A customer whose last order is after as_of is
 * FLO_EVALUE, with *bad set to the id; customers whose first order is after
 * as_of are left out and counted in *after_as_of. */
int flo_custsum_each(flo_custsum *c, flo_summary_fn *fn, void *ctx,
		     size_t *after_as_of, const char **bad, size_t *bad_len);

int32_t flo_custsum_as_of(const flo_custsum *c);

/* The customers read. */
size_t flo_custsum_count(const flo_custsum *c);

#endif
