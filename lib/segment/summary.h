/* summary.h: one row per segment, as pandas' groupby mean and sum make
 * them: segment, count, then <field>_mean and <field>_sum for each field
 * summed.  Values that are NaN (a field absent or empty) are left out of
 * the field's mean and sum, as pandas leaves out NaN; a segment without
 * such values has a null mean. */
#ifndef FLO_SEGMENT_SUMMARY_H
#define FLO_SEGMENT_SUMMARY_H

#include <stddef.h>

#include "record/writer.h"

typedef struct flo_segsum flo_segsum;

/* ngroups segments (>= 1) over the nf fields named name[] (copied). */
int flo_segsum_new(flo_segsum **s, int ngroups, const char *const *name, size_t nf);
/* Accepts NULL. */
void flo_segsum_free(flo_segsum *s);

/* One customer of segment g (0..ngroups-1) with the values v[0..nf-1]: 0,
 * or 1 + the index of a field whose sum would become infinite (nothing of
 * the customer added). */
int flo_segsum_add(flo_segsum *s, int g, const double *v);

/* The rows, segment order[i] named label[order[i]] for i = 0, 1, ... (order
 * NULL: 0, 1, ...).  FLO_OK, or the first error of flo_writer_end(). */
int flo_segsum_write(const flo_segsum *s, flo_writer *w, const char *const *label,
		     const int *order);

#endif
