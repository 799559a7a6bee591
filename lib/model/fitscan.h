/* fitscan.h: RFM summaries' plain lines read into the fits' data on a
 * thread a core (linescan.h), for flo-fit: reading and checking records
 * was four fifths of its time.
 *
 * A line is taken when its fields read as the general path (fitrun in
 * cmd/common) would take them without a word: frequency, recency and T
 * numbers with a whole frequency >= 0 and 0 <= recency <= T (recency 0
 * where frequency is 0), a monetary number (or, where frequency is 0,
 * empty or NaN: 0), and, when the layout asks, first_order and last_order
 * days apart by recency times the unit.  Anything else, and every line
 * after it, goes to the general path, which reads, reports or skips it as
 * before.  Each worker gathers the rows of its own part of the distinct
 * rows (fitdata.h), from every chunk, and the parts are appended at the end:
 * a customer counts 1 on either path, so the sums are whole numbers, exact
 * in any order, and the fit is the one the general path alone gives. */
#ifndef FLO_FITSCAN_H
#define FLO_FITSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "model/fitdata.h"
#include "record/reader.h"

#define FLO_FITSCAN_NONE SIZE_MAX

struct flo_fitscan_layout {
	enum flo_format fmt;  /* CSV or TSV */
	size_t nfields;       /* the header's */
	size_t x, tx, T;      /* field numbers */
	size_t m;             /* FLO_FITSCAN_NONE: no monetary (m = 0) */
	size_t first, last;   /* FLO_FITSCAN_NONE: no unit check */
	double unit_days;     /* days per unit that recency must match (with
			       * first and last), 0 for none */
};

/* Read the records after r's current one (from r's descriptor) into d on
 * `workers` threads.  *done is 1 when the input was read to its end, else 0
 * and flo_reader_next(r) reads on from the first line not taken.
 * FLO_ENOMEM. */
int flo_fitscan(flo_reader *r, unsigned workers, const struct flo_fitscan_layout *lay,
		struct flo_fit_data *d, int *done);

#endif
