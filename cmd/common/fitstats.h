/* fitstats.h: a part's sufficient statistics for the fits, written by
 * flo-fit --write-stats and read back by flo-fit --stats, so that the fit of
 * a population split into parts by customer (flo-part) is the fit of the
 * whole, to the last digit (README, "More than one machine").
 *
 * JSON Lines, so that the parts' files concatenate with cat: per part one
 * line that says what follows,
 *   {"row":"part","unit":"week","has_monetary":1,"rows":1016}
 * (unit "" when the records stated none; has_monetary 0 when they had no
 * monetary field), then its rows: the distinct BG/NBD triples and the
 * distinct Gamma-Gamma spend pairs, each with the customers it stands for,
 *   {"row":"bgnbd","frequency":2,"recency":30.428571428571427,"T":38.857142857142854,"weight":3}
 *   {"row":"gg","frequency":2,"monetary":35.5,"weight":3}
 * numbers in the shortest text that reads back as the same double. */
#ifndef FLO_FITSTATS_H
#define FLO_FITSTATS_H

#include <stdio.h>

#include "common/cli.h"
#include "model/fitdata.h"
#include "record/reader.h"

/* d's rows (before or after flo_fit_data_finish()) to out; unit NULL for
 * none stated.  Exits 74 on a write error. */
void flo_fitstats_write(FILE *out, const struct flo_fit_data *d, const char *unit, int has_m);

/* Read the statistics of one or more parts from r to its end into d (which
 * starts {0}).  *unit: the parts' stated unit (they must agree, and with
 * *unit when it is set on entry), NULL for none; returns whether the parts
 * had a monetary field (they must agree).  Bad rows go through the
 * bad-record policy; statistics cut short (fewer rows than their part line
 * says) exit 65. */
int flo_fitstats_read(flo_reader *r, struct flo_bad *bad, struct flo_fit_data *d,
		      const char **unit);

#endif
