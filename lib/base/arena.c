/* arena.c: bump allocation in chunks of 1 MiB (or one piece, if larger). */
#include "base/arena.h"

#include <stdlib.h>

#define CHUNK_BYTES ((size_t)1 << 20)

struct flo_arena_chunk {
	struct flo_arena_chunk *next;
	size_t used, cap;
	max_align_t data[]; /* so that data is 16-byte aligned */
};

void *flo_arena_alloc(struct flo_arena *a, size_t size)
{
	struct flo_arena_chunk *c = a->chunks;
	if (c == NULL || c->cap - c->used < size) {
		size_t cap = size > CHUNK_BYTES ? size : CHUNK_BYTES;
		c = malloc(sizeof *c + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->chunks;
		a->chunks = c;
		a->bytes += sizeof *c + cap;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void flo_arena_free(struct flo_arena *a)
{
	for (struct flo_arena_chunk *c = a->chunks, *next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->bytes = 0;
}
