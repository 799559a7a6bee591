/* cuts.h: segment cut points in the store: the `cuts` database of store.h,
 * holding the documents of segment/segment.h (flo_cuts_encode()).
 *
 * Each function opens the store at `path` for the one call and closes it.
 * On failure msg (msglen bytes, FLO_CUTS_MSG is enough for a path and a name
 * of usual length) says what a person needs:
 *   FLO_ENOTFOUND  "no store there" or "not stored" (what is missing)
 *   FLO_ENOMEM     "out of memory" (decoding)
 *   other codes    "store PATH: what LMDB or the store said", or for stored
 *                  bytes that are foreign, newer or damaged (FLO_EVERSION,
 *                  FLO_EVALUE) "cut points "NAME" in PATH: why" */
#ifndef FLO_STORE_CUTS_H
#define FLO_STORE_CUTS_H

#include <stddef.h>

#include "segment/segment.h"

#define FLO_CUTS_MSG 2048

/* The cut points stored under name, into *c (free with flo_cuts_free());
 * *c is NULL on failure. */
int flo_cuts_load(const char *path, const char *name, struct flo_cuts **c, char *msg,
		  size_t msglen);

/* Store the document text (len bytes, from flo_cuts_encode()) under name,
 * creating the store if needed; an earlier set of that name is replaced. */
int flo_cuts_save(const char *path, const char *name, const char *text, size_t len, char *msg,
		  size_t msglen);

#endif
