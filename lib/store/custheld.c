/* custheld.c: summaries held until their batch is committed (see custheld.h). */
#include "store/custheld.h"

#include <stdlib.h>

#include "base/err.h"
#include "rfm/kept.h"
#include "store/custshared.h"

/* A summary, its id and packed kept fields (rfm/kept.h) at offsets into
 * the set's bytes. */
struct item {
	struct flo_summary s;
	size_t id_off, kept_off;
};

struct flo_custheld {
	struct item *item;
	size_t n, cap, nkeep;
	struct bytes bytes;
	unsigned char *packed; /* packing scratch */
};

flo_custheld *flo_custheld_new(size_t nkeep)
{
	flo_custheld *h = calloc(1, sizeof *h);
	if (h != NULL)
		h->nkeep = nkeep;
	return h;
}

void flo_custheld_free(flo_custheld *h)
{
	if (h == NULL)
		return;
	free(h->item);
	free(h->bytes.p);
	free(h->packed);
	free(h);
}

int flo_custheld_add(flo_custheld *h, const struct flo_summary *s)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct item *grown = realloc(h->item, cap * sizeof *grown);
		if (grown == NULL)
			return FLO_ENOMEM;
		h->item = grown;
		h->cap = cap;
	}
	struct item *it = &h->item[h->n];
	size_t len = h->bytes.len;
	it->s = *s;
	it->s.id = NULL;
	it->s.kept = NULL;
	it->kept_off = 0;
	if ((it->id_off = custdb_bytes_put(&h->bytes, s->id, s->id_len)) == SIZE_MAX)
		return FLO_ENOMEM;
	if (h->nkeep > 0) {
		size_t size = flo_kept_size(s->kept, h->nkeep);
		if (flo_kept_pack(&h->packed, s->kept, h->nkeep) != FLO_OK ||
		    (it->kept_off = custdb_bytes_put(&h->bytes, h->packed, size)) == SIZE_MAX) {
			h->bytes.len = len;
			return FLO_ENOMEM;
		}
	}
	h->n++;
	return FLO_OK;
}

size_t flo_custheld_count(const flo_custheld *h)
{
	return h->n;
}

void flo_custheld_clear(flo_custheld *h)
{
	h->n = 0;
	h->bytes.len = 0;
}

void flo_custheld_each(const flo_custheld *h, size_t lo, size_t hi, struct flo_field *kept,
		       flo_summary_fn *fn, void *ctx)
{
	for (size_t i = lo; i < hi && i < h->n; i++) {
		const struct item *it = &h->item[i];
		struct flo_summary s = it->s;
		s.id = (const char *)h->bytes.p + it->id_off;
		if (h->nkeep > 0)
			flo_kept_unpack(h->bytes.p + it->kept_off, kept, h->nkeep);
		s.kept = kept;
		fn(ctx, &s);
	}
}
