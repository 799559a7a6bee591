/* custrepair.c: customers taken out of the store (see custdb.h): the
 * damaged ones found by a check (--repair), or one named (--drop-customer),
 * their states and their logged orders deleted, with the log's damaged
 * records. */
#include "store/custdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/custshared.h"
#include "store/orderrec.h"

/* The ids of the damaged customers, gathered by a check for repair. */
struct gathered {
	flo_custdb_bad_fn *bad;
	void *ctx;
	char **ids;
	size_t *lens, n, cap;
	int oom;
};

static void gather(void *ctx, const char *id, size_t idlen, const char *why)
{
	struct gathered *g = ctx;
	g->bad(g->ctx, id, idlen, why);
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		char **ids = realloc(g->ids, cap * sizeof *ids);
		if (ids != NULL)
			g->ids = ids;
		size_t *lens = realloc(g->lens, cap * sizeof *lens);
		if (lens != NULL)
			g->lens = lens;
		if (ids == NULL || lens == NULL) {
			g->oom = 1;
			return;
		}
		g->cap = cap;
	}
	char *copy = malloc(idlen ? idlen : 1);
	if (copy == NULL) {
		g->oom = 1;
		return;
	}
	memcpy(copy, id, idlen);
	g->ids[g->n] = copy;
	g->lens[g->n++] = idlen;
}

/* An id, for the sorted list of the ids whose log records go. */
struct idref {
	const char *id;
	size_t len;
};

static int by_idref(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int c = memcmp(x->id, y->id, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The log records that change: deleted (damaged, or none of their orders
 * left), or rewritten without the orders of the ids (sorted). */
struct doomed {
	const struct idref *ids;
	size_t nids;
	size_t nkeep;
	struct doom {
		unsigned long long seq;
		size_t off, len; /* the record's orders left, in kept; len 0: deleted */
	} *doom;
	size_t n, cap;
	struct bytes kept;
	int oom;
};

static int doom_one(void *ctx, unsigned long long seq, const void *val, size_t vlen, int sound)
{
	struct doomed *d = ctx;
	struct flo_orderrec r;
	const unsigned char *p = val;
	int whole = !sound || flo_orderrec_check(val, vlen, d->nkeep) != FLO_OK;
	size_t start = d->kept.len, dropped = 0;
	for (size_t off = 0, at = 0;
	     !whole && d->nids > 0 && flo_orderrec_next(p, vlen, d->nkeep, &off, &r); at = off) {
		struct idref key = {r.id, r.id_len};
		if (bsearch(&key, d->ids, d->nids, sizeof key, by_idref) != NULL)
			dropped++;
		else if (custdb_bytes_put(&d->kept, p + at, off - at) == SIZE_MAX)
			goto oom;
	}
	if (!whole && dropped == 0) {
		d->kept.len = start;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct doom *nd = realloc(d->doom, cap * sizeof *nd);
		if (nd == NULL)
			goto oom;
		d->doom = nd;
		d->cap = cap;
	}
	d->doom[d->n++] = (struct doom){seq, start, whole ? 0 : d->kept.len - start};
	return 0;
oom:
	d->oom = 1;
	return WALK_FAILED;
}

/* In one batch: the customers' states (where stored) and their logged
 * orders deleted, with the log's damaged records.  *found (may be NULL):
 * whether any of it was there. */
static int drop_customers(flo_store *s, const struct flo_rfm_config *cfg, struct idref *ids,
			  size_t n, int *found, char *err, size_t errlen)
{
	struct doomed d = {ids, n, cfg->nkeep, NULL, 0, 0, {0}, 0};
	if (n > 1)
		qsort(ids, n, sizeof *ids, by_idref);
	int rc = flo_store_orderlog_each(s, doom_one, &d);
	if (d.oom)
		rc = FLO_ENOMEM;
	if (rc == FLO_OK)
		rc = flo_store_batch_begin(s);
	int any = d.n > 0;
	for (size_t i = 0; rc == FLO_OK && i < n; i++) {
		const void *val;
		size_t vlen;
		int got = flo_store_customer_get(s, ids[i].id, ids[i].len, &val, &vlen);
		if (got == FLO_OK || got == FLO_EVALUE)
			any = 1;
		else if (got != FLO_ENOTFOUND)
			rc = got;
		if (rc == FLO_OK)
			rc = flo_store_customer_del(s, ids[i].id, ids[i].len);
	}
	for (size_t i = 0; rc == FLO_OK && i < d.n; i++)
		rc = d.doom[i].len == 0 ? flo_store_orderlog_del(s, d.doom[i].seq)
					: flo_store_orderlog_replace(s, d.doom[i].seq,
								     d.kept.p + d.doom[i].off,
								     d.doom[i].len);
	if (rc == FLO_OK && any)
		rc = flo_store_batch_commit(s);
	else
		flo_store_batch_abort(s);
	if (rc == FLO_ENOMEM)
		snprintf(err, errlen, "out of memory");
	else if (rc != FLO_OK)
		snprintf(err, errlen, "%s", flo_store_errmsg(s));
	if (found)
		*found = any;
	free(d.doom);
	free(d.kept.p);
	return rc;
}

int flo_custdb_repair(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
		      flo_custdb_bad_fn *bad, void *bad_ctx, struct flo_custdb_counts *counts,
		      char *err, size_t errlen)
{
	struct gathered g = {bad, bad_ctx, NULL, NULL, 0, 0, 0};
	int rc = custdb_check_states(s, name, cfg, gather, &g, counts, err, errlen, 0);
	if (g.oom)
		rc = FLO_ENOMEM, snprintf(err, errlen, "out of memory");
	if (rc == FLO_OK && g.n > 0) {
		struct idref *ids = malloc(g.n * sizeof *ids);
		size_t n = 0;
		if (ids == NULL) {
			rc = FLO_ENOMEM;
			snprintf(err, errlen, "out of memory");
		}
		/* A damaged log record comes with no id: it goes all the same. */
		for (size_t i = 0; ids != NULL && i < g.n; i++)
			if (g.lens[i] > 0)
				ids[n++] = (struct idref){g.ids[i], g.lens[i]};
		if (ids != NULL)
			rc = drop_customers(s, cfg, ids, n, NULL, err, errlen);
		free(ids);
	}
	for (size_t i = 0; i < g.n; i++)
		free(g.ids[i]);
	free(g.ids);
	free(g.lens);
	return rc;
}

int flo_custdb_drop(flo_store *s, const struct flo_rfm_config *cfg, const char *id, size_t len,
		    char *err, size_t errlen)
{
	struct idref one = {id, len};
	int found = 0;
	int rc = drop_customers(s, cfg, &one, 1, &found, err, errlen);
	return rc == FLO_OK && !found ? FLO_ENOTFOUND : rc;
}
