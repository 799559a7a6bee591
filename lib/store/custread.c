/* custread.c: the stored customer states read (see custdb.h): the dump and
 * the check, with the order log not yet merged folded into what they read.
 * The writing engine is custdb.c. */
#include "store/custdb.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/idmap.h"
#include "base/quote.h"
#include "store/custshared.h"
#include "store/orderrec.h"

struct walk {
	const struct flo_rfm_config *cfg;
	int32_t as_of;
	flo_custstate *st;
	struct flo_field *kept;
	flo_summary_fn *fn;
	void *ctx;
	struct flo_custdb_counts *counts;
	int rc;
	char *err;
	size_t errlen;
	const char *name;
	flo_custdb_bad_fn *bad; /* NULL: a damaged state stops the walk */
	void *bad_ctx;
	struct logview *lv;     /* the order log, folded into what is read */
};

/* The order log as a reader sees it: its records grouped by customer (in
 * log order within each), and the customers sorted by id, so that a walk
 * of the stored states in key order meets each where it belongs, the log's
 * new customers included. */
struct lvrec {
	uint64_t off, seq;
	uint32_t len;
	uint32_t next; /* the customer's next record + 1; 0 none */
};

struct lvcust {
	uint64_t id_off; /* in data, inside its first record */
	uint32_t id_len, hash;
	uint32_t first, last; /* record indices */
};

struct logview {
	struct bytes data;
	struct lvrec *rec;
	size_t nrec, caprec;
	struct lvcust *cust;
	size_t ncust, capcust;
	uint32_t *slots; /* cust index + 1 */
	size_t nslots;
	uint32_t *sorted;
	size_t pos;      /* the next sorted customer a walk meets */
	struct flo_field *keep;
};

/* The words for a state whose checksum fails. */
static void sum_error(char *msg, size_t size, const char *name, const char *id, size_t len)
{
	snprintf(msg, size, "%s: customer \"%s\": the stored state is damaged (its checksum "
		 "fails)", name, flo_quote(id, len));
}

/* A stored record that is no sound state: its words into w->err, then to
 * w->bad (0: skipped, go on) or the walk stops (WALK_FAILED, w->rc set). */
static int damaged(struct walk *w, const char *id, size_t idlen, int sound, int rc)
{
	if (!sound)
		sum_error(w->err, w->errlen, w->name, id, idlen);
	else
		custdb_state_error(w->err, w->errlen, w->name, id, idlen, rc);
	if (rc == FLO_ENOMEM || w->bad == NULL || id[0] == '\0') {
		w->rc = rc == FLO_ENOMEM ? rc : rc == FLO_EVERSION && sound ? rc : FLO_ESTORE;
		return WALK_FAILED;
	}
	w->counts->damaged++;
	w->bad(w->bad_ctx, id, idlen, w->err);
	w->err[0] = '\0';
	return 0;
}

/* A damaged log record: its words to w->bad (0: skipped) or the walk
 * stops (WALK_FAILED, w->rc set). */
static int log_damaged(struct walk *w, unsigned long long seq, const char *why)
{
	snprintf(w->err, w->errlen, "%s: order log record %llu %s", w->name, seq, why);
	if (w->bad == NULL) {
		w->rc = FLO_ESTORE;
		return WALK_FAILED;
	}
	w->counts->damaged++;
	w->bad(w->bad_ctx, "", 0, w->err);
	w->err[0] = '\0';
	return 0;
}

static void lv_free(struct logview *lv)
{
	if (lv == NULL)
		return;
	free(lv->data.p);
	free(lv->rec);
	free(lv->cust);
	free(lv->slots);
	free(lv->sorted);
	free(lv->keep);
}

static const unsigned char *lv_id(const struct logview *lv, const struct lvcust *c)
{
	return lv->data.p + c->id_off;
}

static int lv_grow_slots(struct logview *lv)
{
	size_t n = lv->nslots ? lv->nslots * 2 : 1024;
	uint32_t *slots = custdb_slots(lv->cust, sizeof *lv->cust, offsetof(struct lvcust, hash),
				       lv->ncust, n);
	if (slots == NULL)
		return FLO_ENOMEM;
	free(lv->slots);
	lv->slots = slots;
	lv->nslots = n;
	return FLO_OK;
}

/* One order of a log record (its copy at data offset off) into the view. */
static int lv_add_order(struct logview *lv, unsigned long long seq, size_t off, size_t len,
			const struct flo_orderrec *r)
{
	if (lv->nrec == lv->caprec) {
		size_t cap = lv->caprec ? 2 * lv->caprec : 1024;
		struct lvrec *p = cap > UINT32_MAX ? NULL : realloc(lv->rec, cap * sizeof *p);
		if (p == NULL)
			return FLO_ENOMEM;
		lv->rec = p;
		lv->caprec = cap;
	}
	uint32_t hash = (uint32_t)flo_hash(r->id, r->id_len);
	if (lv->nslots == 0 && lv_grow_slots(lv) != FLO_OK)
		return FLO_ENOMEM;
	size_t j = hash & (lv->nslots - 1);
	for (; lv->slots[j]; j = (j + 1) & (lv->nslots - 1)) {
		const struct lvcust *c = &lv->cust[lv->slots[j] - 1];
		if (c->hash == hash && c->id_len == r->id_len &&
		    memcmp(lv_id(lv, c), r->id, r->id_len) == 0)
			break;
	}
	uint32_t ri = (uint32_t)lv->nrec++;
	lv->rec[ri] = (struct lvrec){off, seq, (uint32_t)len, 0};
	if (lv->slots[j]) {
		struct lvcust *c = &lv->cust[lv->slots[j] - 1];
		lv->rec[c->last].next = ri + 1;
		c->last = ri;
		return FLO_OK;
	}
	if (lv->ncust == lv->capcust) {
		size_t cap = lv->capcust ? 2 * lv->capcust : 1024;
		struct lvcust *p = realloc(lv->cust, cap * sizeof *p);
		if (p == NULL)
			return FLO_ENOMEM;
		lv->cust = p;
		lv->capcust = cap;
	}
	lv->cust[lv->ncust] = (struct lvcust){off + FLO_ORDERREC_FIXED, (uint32_t)r->id_len, hash,
					      ri, ri};
	lv->slots[j] = (uint32_t)++lv->ncust;
	if (lv->ncust * 2 > lv->nslots && lv_grow_slots(lv) != FLO_OK)
		return FLO_ENOMEM;
	return FLO_OK;
}

/* One log record's orders into the view. */
static int lv_add(void *ctx, unsigned long long seq, const void *val, size_t vlen, int sound)
{
	struct walk *w = ctx;
	struct logview *lv = w->lv;
	struct flo_orderrec r;
	if (!sound)
		return log_damaged(w, seq, "is damaged (its checksum fails)");
	if (flo_orderrec_check(val, vlen, w->cfg->nkeep) != FLO_OK)
		return log_damaged(w, seq, "is damaged");
	size_t base = custdb_bytes_put(&lv->data, val, vlen);
	int rc = base == SIZE_MAX ? FLO_ENOMEM : FLO_OK;
	for (size_t off = 0, at = 0;
	     rc == FLO_OK && flo_orderrec_next(val, vlen, w->cfg->nkeep, &off, &r); at = off)
		rc = lv_add_order(lv, seq, base + at + 4, off - at - 4, &r);
	if (rc == FLO_OK)
		return 0;
	snprintf(w->err, w->errlen, "out of memory");
	w->rc = FLO_ENOMEM;
	return WALK_FAILED;
}

static const struct logview *sorting_lv;

static int by_lv_id(const void *a, const void *b)
{
	const struct lvcust *x = &sorting_lv->cust[*(const uint32_t *)a];
	const struct lvcust *y = &sorting_lv->cust[*(const uint32_t *)b];
	int c = memcmp(lv_id(sorting_lv, x), lv_id(sorting_lv, y),
		       x->id_len < y->id_len ? x->id_len : y->id_len);
	return c ? c : (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

/* Read the log into w->lv (in the walk's snapshot). */
static int lv_load(flo_store *s, struct walk *w)
{
	struct logview *lv = w->lv;
	lv->keep = calloc(w->cfg->nkeep ? w->cfg->nkeep : 1, sizeof *lv->keep);
	if (lv->keep == NULL) {
		snprintf(w->err, w->errlen, "out of memory");
		return FLO_ENOMEM;
	}
	int rc = flo_store_orderlog_each(s, lv_add, w);
	if (rc == WALK_FAILED)
		return w->rc;
	if (rc != FLO_OK) {
		snprintf(w->err, w->errlen, "%s", flo_store_errmsg(s));
		return rc;
	}
	lv->sorted = malloc((lv->ncust ? lv->ncust : 1) * sizeof *lv->sorted);
	if (lv->sorted == NULL) {
		snprintf(w->err, w->errlen, "out of memory");
		return FLO_ENOMEM;
	}
	for (size_t i = 0; i < lv->ncust; i++)
		lv->sorted[i] = (uint32_t)i;
	/* qsort has no context argument: one sort at a time, as here. */
	sorting_lv = lv;
	if (lv->ncust > 1)
		qsort(lv->sorted, lv->ncust, sizeof *lv->sorted, by_lv_id);
	sorting_lv = NULL;
	return FLO_OK;
}

/* Customer c's logged orders folded into w->st. */
static int lv_fold(struct walk *w, const struct lvcust *c)
{
	struct logview *lv = w->lv;
	for (uint32_t i = c->first + 1; i; i = lv->rec[i - 1].next) {
		const struct lvrec *rec = &lv->rec[i - 1];
		struct flo_orderrec r;
		int repeated, rc;
		if (flo_orderrec_decode(lv->data.p + rec->off, rec->len, w->cfg->nkeep, &r) != FLO_OK)
			rc = FLO_EVALUE; /* read once already: cannot happen */
		else
			rc = custdb_fold(w->st, w->cfg, &r, lv->keep, &repeated);
		if (rc == FLO_ENOMEM) {
			snprintf(w->err, w->errlen, "out of memory");
			w->rc = rc;
			return WALK_FAILED;
		}
		if (rc != FLO_OK && (rc = log_damaged(w, (unsigned long long)rec->seq,
						      "does not fold into its customer's state: "
						      "damaged")) != 0)
			return rc;
	}
	return 0;
}

/* The state in w->st, customer id's, read: a summary handed to fn (emit),
 * or counted (a check). */
static int finish(struct walk *w, const char *id, size_t idlen, int emit)
{
	struct flo_summary s;
	struct flo_custstate_left left;
	if (!emit) {
		w->counts->customers++;
		return 0;
	}
	int got = flo_custstate_summary(w->st, w->cfg, w->as_of, &s, w->kept, &left);
	w->counts->holdout_only += (size_t)left.holdout_only;
	w->counts->late += left.late;
	if (got) {
		s.id = id;
		s.id_len = idlen;
		w->counts->customers++;
		w->fn(w->ctx, &s);
	}
	return 0;
}

/* The log's customers before id (all when id is NULL), none of them
 * stored: their states made of the log alone. */
static int lv_before(struct walk *w, const char *id, size_t idlen, int emit)
{
	struct logview *lv = w->lv;
	while (lv->pos < lv->ncust) {
		const struct lvcust *c = &lv->cust[lv->sorted[lv->pos]];
		const char *cid = (const char *)lv_id(lv, c);
		if (id != NULL) {
			int cmp = memcmp(cid, id, c->id_len < idlen ? c->id_len : idlen);
			if (cmp > 0 || (cmp == 0 && c->id_len >= idlen))
				break;
		}
		lv->pos++;
		flo_custstate_clear(w->st);
		int rc = lv_fold(w, c);
		if (rc == 0)
			rc = finish(w, cid, c->id_len, emit);
		if (rc)
			return rc;
	}
	return 0;
}

/* A stored customer: its state, the log's orders folded in, read. */
static int visit(struct walk *w, const char *id, size_t idlen, const void *val, size_t vlen,
		 int sound, int emit)
{
	if (id[0] == '\0' && sound)
		return 0; /* the settings, read already */
	int rc = lv_before(w, id, idlen, emit);
	if (rc)
		return rc;
	const struct lvcust *c = NULL;
	struct logview *lv = w->lv;
	if (lv->pos < lv->ncust) {
		const struct lvcust *n = &lv->cust[lv->sorted[lv->pos]];
		if (n->id_len == idlen && memcmp(lv_id(lv, n), id, idlen) == 0) {
			c = n;
			lv->pos++;
		}
	}
	if (!sound)
		return damaged(w, id, idlen, sound, FLO_EVALUE);
	if ((rc = flo_custstate_decode(w->st, w->cfg, val, vlen)) != FLO_OK)
		return damaged(w, id, idlen, 1, rc);
	if (c != NULL && (rc = lv_fold(w, c)) != 0)
		return rc;
	return finish(w, id, idlen, emit);
}

/* The first pass of a dump, and the check: every state decodes. */
static int check_one(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen,
		     int sound)
{
	return visit(ctx, id, idlen, val, vlen, sound, 0);
}

static int dump_one(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen,
		    int sound)
{
	return visit(ctx, id, idlen, val, vlen, sound, 1);
}

/* The settings and the walk's state, in a read batch kept open on s for the
 * walk (keep), or closed again (a store open for writing, whose batch is a
 * write one, always): each scan then takes a snapshot of its own, which in a
 * store only this process writes is the same.  The log is read with them. */
static int walk_begin(flo_store *s, struct walk *w, struct flo_custdb_counts *counts, int keep)
{
	struct flo_custdb_settings set;
	int rc;

	memset(counts, 0, sizeof *counts);
	if ((rc = flo_store_batch_begin(s)) != FLO_OK) {
		snprintf(w->err, w->errlen, "%s", flo_store_errmsg(s));
		return rc;
	}
	/* The latest day and the customers from one snapshot, so that a dump
	 * taken while a writer works is one committed state. */
	rc = custdb_settings_get(s, &set, w->err, w->errlen);
	if (rc != FLO_OK) {
		flo_store_batch_abort(s);
		return rc;
	}
	counts->has_as_of = w->cfg->has_as_of || set.has_latest;
	counts->as_of = w->as_of = w->cfg->has_as_of ? w->cfg->as_of : set.latest;
	flo_custdb_settings_free(&set);
	if (!keep || flo_store_writable(s))
		flo_store_batch_abort(s);
	w->kept = calloc(w->cfg->nkeep ? w->cfg->nkeep : 1, sizeof *w->kept);
	rc = w->kept == NULL ? FLO_ENOMEM : flo_custstate_new(&w->st);
	if (rc != FLO_OK) {
		snprintf(w->err, w->errlen, "out of memory");
		flo_store_batch_abort(s);
		return rc;
	}
	if ((rc = lv_load(s, w)) != FLO_OK)
		flo_store_batch_abort(s);
	return rc;
}

static void walk_end(flo_store *s, struct walk *w)
{
	flo_store_batch_abort(s);
	flo_custstate_free(w->st);
	free(w->kept);
	lv_free(w->lv);
}

/* A scan with fn, the log's customers after the last stored one with it;
 * the store's failure in words. */
static int scan(flo_store *s, struct walk *w, flo_store_scan_fn *fn)
{
	w->lv->pos = 0;
	int rc = flo_store_customer_scan(s, fn, w);
	if (rc == FLO_OK)
		rc = lv_before(w, NULL, 0, fn == dump_one);
	if (rc == WALK_FAILED)
		return w->rc;
	if (rc != FLO_OK)
		snprintf(w->err, w->errlen, "%s", flo_store_errmsg(s));
	return rc;
}

int flo_custdb_dump(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
		    flo_summary_fn *fn, void *ctx, flo_custdb_bad_fn *bad, void *bad_ctx,
		    struct flo_custdb_counts *counts, char *err, size_t errlen)
{
	struct logview lv = {0};
	struct walk w = {cfg, 0, NULL, NULL, fn, ctx, counts, FLO_OK, err, errlen, name,
			 bad, bad_ctx, &lv};
	int rc = walk_begin(s, &w, counts, 1);
	if (rc == FLO_ENOTFOUND)
		return FLO_OK;
	if (rc != FLO_OK) {
		walk_end(s, &w);
		return rc;
	}
	if (counts->has_as_of && bad == NULL) {
		/* Every state decodes before the first record is written: a
		 * dump that stops at a damaged customer writes nothing. */
		rc = scan(s, &w, check_one);
		counts->customers = 0;
	}
	if (rc == FLO_OK && counts->has_as_of)
		rc = scan(s, &w, dump_one);
	walk_end(s, &w);
	return rc;
}

/* Every state decoded: the scan's code (damaged states counted). */
int custdb_check_states(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
			flo_custdb_bad_fn *bad, void *bad_ctx, struct flo_custdb_counts *counts,
			char *err, size_t errlen, int keep)
{
	struct logview lv = {0};
	struct walk w = {cfg, 0, NULL, NULL, NULL, NULL, counts, FLO_OK, err, errlen, name,
			 bad, bad_ctx, &lv};
	int rc = walk_begin(s, &w, counts, keep);
	if (rc == FLO_ENOTFOUND) {
		walk_end(s, &w);
		return FLO_OK;
	}
	if (rc == FLO_OK)
		rc = scan(s, &w, check_one);
	walk_end(s, &w);
	return rc;
}

int flo_custdb_check(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
		     flo_custdb_bad_fn *bad, void *bad_ctx, struct flo_custdb_counts *counts,
		     char *err, size_t errlen)
{
	int rc = custdb_check_states(s, name, cfg, bad, bad_ctx, counts, err, errlen, 1);
	if (rc == FLO_OK && counts->damaged > 0) {
		snprintf(err, errlen, "%s: %zu of %zu customers damaged", name, counts->damaged,
			 counts->damaged + counts->customers);
		rc = FLO_ESTORE;
	}
	return rc;
}
