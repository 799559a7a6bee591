/* linescan.h: a CSV or TSV input's plain lines read in chunks and parsed
 * on several threads, the results taken in input order, the general
 * reader handed the rest at the first line the threads do not take.
 *
 * The calling thread reads the input into chunks of whole lines; chunk i is
 * parsed by worker i % W, and every worker then takes its share of every
 * parsed chunk, chunk after chunk in input order (an order log: the orders
 * of the worker's part of the customers; summaries: the chunks the worker
 * parsed).  A chunk that holds a line the parser does not take (not plain,
 * or anything the caller leaves to the general path) stops the scan: the
 * chunks before it are taken, and the reader is handed the input from that
 * chunk on (flo_reader_resume()), so that its general path reads, reports
 * or skips every record from there exactly as it would have without the
 * scan.  Users: orderscan.h (flo-rfm's order logs), fitscan.h (flo-fit's
 * summaries). */
#ifndef FLO_LINESCAN_H
#define FLO_LINESCAN_H

#include <stddef.h>

#include "record/reader.h"

#define FLO_LINESCAN_MAX_WORKERS 8

struct flo_linescan_ops {
	/* Parse the whole lines [text, end) of a chunk (each ends in a
	 * newline) into *state, the chunk slot's own (NULL the first time, and
	 * kept for the slot's next chunks); ends has room for the header's
	 * fields (plain.h's flo_plain_line()).  1 when every line was taken,
	 * with *lines their number; 0 when a line is for the general path; -1
	 * out of memory. */
	int (*parse)(void *ctx, void **state, const char *text, const char *end,
		     const char **ends, long *lines);
	/* Worker k takes its share of the parsed chunk number seq: chunks in
	 * input order, each after every chunk before it was parsed.  FLO_OK,
	 * or an error that ends the scan. */
	int (*take)(void *ctx, unsigned k, long seq, void *state);
	void (*free_state)(void *state);
};

/* Scan the records after r's current one, read from fd (r's) with `workers`
 * threads (1 to FLO_LINESCAN_MAX_WORKERS); nfields is the header's count.
 * *done is 1 when the input has been read to its end, 0 when r has been
 * handed the rest (then flo_reader_next(r) reads on; so also when no thread
 * could be started).  Errors: take()'s first, FLO_ENOMEM. */
int flo_linescan(flo_reader *r, int fd, unsigned workers, size_t nfields,
		 const struct flo_linescan_ops *ops, void *ctx, int *done);

#endif
