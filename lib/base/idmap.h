/* idmap.h: customer ids to dense indexes 0, 1, 2, ... in first-seen order.
 *
 * Open addressing with linear probing over 32-bit slots; ids are copied once
 * into large chunks that never move, so the pointer flo_idmap_id() returns
 * stays valid until flo_idmap_free(). */
#ifndef FLO_IDMAP_H
#define FLO_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct flo_idmap flo_idmap;

int flo_idmap_new(flo_idmap **m);
void flo_idmap_free(flo_idmap *m);

/* Index of id, inserting it if new (*added = 1).  FLO_ENOMEM on failure. */
int flo_idmap_intern(flo_idmap *m, const char *id, size_t len, uint32_t *index,
		     int *added);

/* The same, with the id's hash (flo_hash()) computed by the caller. */
int flo_idmap_intern_hashed(flo_idmap *m, const char *id, size_t len, uint64_t hash,
			    uint32_t *index, int *added);

/* Start loading the slot where an id of this hash is looked up first, so
 * that a batch of lookups waits for memory once, not once per id. */
void flo_idmap_prefetch(const flo_idmap *m, uint64_t hash);

/* Start loading what flo_idmap_id() of index reads: stage 0 its entry, then
 * (once that has arrived) stage 1 the id's bytes. */
void flo_idmap_prefetch_id(const flo_idmap *m, uint32_t index, int stage);

size_t flo_idmap_count(const flo_idmap *m);
const char *flo_idmap_id(const flo_idmap *m, uint32_t index, size_t *len);

/* The indexes ordered by id (bytewise, shorter first on a common prefix):
 * a malloc'd array of flo_idmap_count() entries, or NULL when out of memory. */
uint32_t *flo_idmap_sorted(const flo_idmap *m);

/* The same for several tables taken as one, table k's index i being
 * base[k] + i, where base[k] (set here) counts the ids of the tables before
 * it.  NULL also when there are 2^32 ids or more. */
uint32_t *flo_idmap_sorted_many(const flo_idmap *const *maps, size_t nmaps, size_t *base);

/* Bytes held, for the README's memory figures. */
size_t flo_idmap_bytes(const flo_idmap *m);

/* 64-bit hash of a byte string (also used for order ids). */
uint64_t flo_hash(const char *s, size_t len);

#endif
