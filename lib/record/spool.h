/* spool.h: the records of a batch kept in memory, to be read back in input
 * order once what they need is known (flo-segment's quantiles need the whole
 * population before the first record can be written).
 *
 * One buffer holds every record back to back: the field count (4 bytes),
 * then per field its name's number (4), kind (1), length (4) and bytes.
 * Names are kept once each, so memory is about the size of the input plus
 * 9 bytes per field.  After FLO_ENOMEM a spool is only fit to be freed. */
#ifndef FLO_SPOOL_H
#define FLO_SPOOL_H

#include <stddef.h>

#include "record/record.h"

typedef struct flo_spool flo_spool;

/* same_names: every record must have the first record's names in the same
 * order (output to CSV or TSV, whose header is the first record's), so that
 * a batch is refused record by record as it is read, never half written. */
int flo_spool_new(flo_spool **s, int same_names);
/* Accepts NULL. */
void flo_spool_free(flo_spool *s);

/* Keep a copy of the record f[0..n-1].  FLO_ESYNTAX (nothing kept) when its
 * names differ from the first record's under same_names; FLO_ENOMEM. */
int flo_spool_add(flo_spool *s, const struct flo_field *f, size_t n);

/* Records kept. */
size_t flo_spool_count(const flo_spool *s);

/* The record at *pos (0: the first), into *n fields valid until the next
 * call; *pos moves to the next record.  Call at most count times. */
const struct flo_field *flo_spool_next(flo_spool *s, size_t *pos, size_t *n);

#endif
