/* arena.h: memory handed out from large chunks and given back all at once.
 *
 * For many small pieces that live as long as their owner (customer ids,
 * customers' day arrays): no per-piece header and no per-piece free(). */
#ifndef FLO_ARENA_H
#define FLO_ARENA_H

#include <stddef.h>

struct flo_arena_chunk;

struct flo_arena {
	struct flo_arena_chunk *chunks; /* newest first */
	size_t bytes;                   /* held, for memory figures */
};

/* size bytes, aligned to 16 when size is a multiple of 16 (else unaligned);
 * NULL when out of memory.  A zeroed struct flo_arena is an empty arena. */
void *flo_arena_alloc(struct flo_arena *a, size_t size);

/* Frees every chunk; the arena is empty again. */
void flo_arena_free(struct flo_arena *a);

#endif
