/* kept.h: field values carried per customer (flo-rfm --keep), packed in one
 * allocation: for each field a kind byte, a 32-bit length and the bytes. */
#ifndef FLO_KEPT_H
#define FLO_KEPT_H

#include <stddef.h>

#include "record/record.h"

/* The bytes n values take packed. */
size_t flo_kept_size(const struct flo_field *vals, size_t n);

/* Pack n values into a new blob (or replace *blob); FLO_ENOMEM on failure. */
int flo_kept_pack(unsigned char **blob, const struct flo_field *vals, size_t n);

/* Unpack into out[n] (names left to the caller); a NULL blob gives nulls. */
void flo_kept_unpack(const unsigned char *blob, struct flo_field *out, size_t n);

/* Whether p (len bytes, read from a store) is exactly n packed fields, as
 * flo_kept_unpack() reads them. */
int flo_kept_well_formed(const unsigned char *p, size_t len, size_t n);

#endif
