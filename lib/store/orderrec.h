/* orderrec.h: one order as the store's order log keeps it (custdb.h).
 *
 * The live store appends every order that changed a customer to its log
 * (store.h's orderlog) rather than rewriting the customer's state at each
 * commit; the states are written now and then, when the log is merged.  A
 * record holds what flo_custstate_add_line() and _add_return() need to fold
 * the order in again, in this little-endian layout:
 *
 *   1 byte   kind: 0 an order, 1 a return
 *   8 bytes  time (seconds since the epoch)
 *   8 bytes  amount (an IEEE double's bits)
 *   8 bytes  the order id's hash (0 without order ids)
 *   8 bytes  the line's hash (0: the record is a whole order)
 *   2 bytes  the customer id's length, then the id
 *   then the kept fields packed as kept.h packs them (none without --keep)
 *
 * 35 bytes and the id, the kept fields aside.  A record of the log holds
 * several orders (a commit's, up to FLO_ORDERREC_CHUNK bytes of them: one
 * LMDB put and one checksum for some forty orders rather than each), each
 * a 4-byte little-endian length, then the order. */
#ifndef FLO_ORDERREC_H
#define FLO_ORDERREC_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

#define FLO_ORDERREC_FIXED 35

/* The most bytes of orders a log record gathers (an order larger than this
 * has a record of its own): what LMDB keeps inside a leaf of 4 KB pages
 * (its node limit, 2,038 bytes, less the node's header, the key and the
 * checksum), two records a page.  Larger records go to overflow pages,
 * which emptying the log then reads, each of them. */
#define FLO_ORDERREC_CHUNK 2000

struct flo_orderrec {
	int is_return;
	int64_t time;
	double amount;
	uint64_t id_hash, line;
	const char *id;
	size_t id_len;
	const unsigned char *kept; /* packed, NULL when none */
	size_t kept_len;
};

/* The record's size; its bytes into out (that many). */
size_t flo_orderrec_size(const struct flo_orderrec *r);
void flo_orderrec_encode(const struct flo_orderrec *r, unsigned char *out);

/* Read a record of nkeep kept fields from p (len bytes): fields point into
 * p.  FLO_EVALUE when the bytes are no such record. */
int flo_orderrec_decode(const unsigned char *p, size_t len, size_t nkeep,
			struct flo_orderrec *r);

/* An order's length, as a log record holds it before the order. */
void flo_orderrec_put_len(unsigned char *p, uint32_t n);
uint32_t flo_orderrec_get_len(const unsigned char *p);

/* Whether p (len bytes) is a log record of whole orders that decode with
 * nkeep kept fields: FLO_OK, or FLO_EVALUE. */
int flo_orderrec_check(const unsigned char *p, size_t len, size_t nkeep);

/* The order at *off in a checked record, *off moved past it: 1, or 0 at
 * the record's end. */
int flo_orderrec_next(const unsigned char *p, size_t len, size_t nkeep, size_t *off,
		      struct flo_orderrec *r);

#endif
