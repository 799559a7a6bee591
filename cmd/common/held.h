/* held.h: records held back in input order by a tool that writes them a
 * block at a time (flo-score --interval computes a block's bounds on a
 * thread a core): each record's fields, its input's format, and where it
 * came from, for the message or the rejects file should it turn out bad
 * when its turn to be written comes.  Running out of memory ends the run
 * (xalloc.h). */
#ifndef FLO_HELD_H
#define FLO_HELD_H

#include <stddef.h>

#include "common/cli.h"
#include "record/reader.h"

struct flo_held;

struct flo_held *flo_held_new(void);
/* NULL is fine. */
void flo_held_free(struct flo_held *h);

/* Hold a copy of r's current record. */
void flo_held_add(struct flo_held *h, const flo_reader *r);

/* Records held, and the bytes they take (to bound a block by both). */
size_t flo_held_count(const struct flo_held *h);
size_t flo_held_bytes(const struct flo_held *h);

/* Record i (in the order held): its *n fields, valid until the next call,
 * add or clear; the format they were read in (flo_writer_set_source()) and
 * where the record came from. */
const struct flo_field *flo_held_record(struct flo_held *h, size_t i, size_t *n,
					enum flo_format *fmt, struct flo_record_at *at);

/* Forget the records, keeping the memory for the next block. */
void flo_held_clear(struct flo_held *h);

#endif
