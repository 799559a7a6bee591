/* orderscan.h: an order log's plain lines read and folded in on a thread
 * per part of the customers.
 *
 * One thread parsing and one folding (rfmfeed.h) leave the parser the
 * critical path: it splits every line, reads its date and amount and hashes
 * its id.  Here the input is cut into chunks of whole lines, each parsed by
 * one of the workers (one a part of the aggregator: flo_rfm_parts()) into
 * orders sorted by their customer's part (flo_rfm_part()); worker k then
 * folds part k of every chunk, in input order.  Every core parses and every
 * core folds, and no customer is ever touched by two threads.
 *
 * Only plain lines (plain.h) with a non-empty id, a date and an amount that
 * parse are taken.  At the first chunk holding anything else, the scan
 * stops: the chunks before it are folded in, and the reader is handed the
 * input from that chunk on (flo_reader_resume()), so that its general path
 * reads, reports or skips every record from there exactly as it would have
 * without the scan.  Folding in input order makes the result the same as
 * flo_rfm_add() of every order in turn (it does not depend on the order of
 * orders anyway: rfm.h). */
#ifndef FLO_ORDERSCAN_H
#define FLO_ORDERSCAN_H

#include <stddef.h>

#include "record/reader.h"
#include "rfm/rfm.h"

/* Where the order fields are in the header, and what else a line must be. */
struct flo_orderscan_layout {
	enum flo_format fmt; /* CSV or TSV */
	size_t nfields;      /* the header's */
	size_t id, date, amount;
	int ascii_ids;       /* ids with other bytes go to the general path (JSON
			      * output, which refuses ids that are not UTF-8) */
};

/* Fold in the records after r's current one, read from fd (r's), into agg,
 * whose configuration must allow flo_rfm_add_part() and which has two parts
 * or more (a thread each); fates are added to
 * counts[].  *done is 1 when the input has been read to its end, 0 when r
 * has been handed the rest (then flo_reader_next(r) reads on; so also
 * when no thread could be started).  Errors: the aggregator's (FLO_ENOMEM,
 * FLO_ERANGE), and FLO_ENOMEM for the scan's buffers. */
int flo_orderscan(flo_reader *r, int fd, flo_rfm *agg, const struct flo_orderscan_layout *lay,
		  long counts[4], int *done);

#endif
