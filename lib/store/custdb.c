/* custdb.c: folding orders into stored customer states (see custdb.h).
 *
 * A batch keeps every customer it touches in memory, in a hash table, in
 * the state's stored form (one state at a time decoded: see struct
 * flo_custdb), and writes each one back once, at commit, in key order: one
 * lookup and one put per customer per batch, rather than per order, keeps
 * both LMDB's work and the store's replay log (store.h) small, whether a
 * log lists a customer's orders together or, in date order, apart.
 *
 * The rest of custdb.h is in files of their own: the stored settings and a
 * run's conventions in custsettings.c, the dump and the check in
 * custread.c, the repair and the drop in custrepair.c (custshared.h: what
 * they share). */
#include "store/custdb.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/err.h"
#include "base/idmap.h"
#include "rfm/kept.h"
#include "base/quote.h"
#include "store/custshared.h"
#include "store/custheld.h"
#include "store/orderrec.h"

#define MSG_MAX 768

/* The words for a state that does not decode. */
void custdb_state_error(char *msg, size_t size, const char *name, const char *id,
			size_t len, int rc)
{
	if (rc == FLO_EVERSION)
		snprintf(msg, size, "%s: customer \"%s\": state of a newer format than this "
			 "flo reads (%d): upgrade flo", name, flo_quote(id, len),
			 FLO_CUSTSTATE_FORMAT);
	else if (rc == FLO_ENOMEM)
		snprintf(msg, size, "out of memory");
	else
		snprintf(msg, size, "%s: customer \"%s\": the stored state is damaged",
			 name, flo_quote(id, len));
}

/* ---- the engine ---- */

/* A customer of the open batch: its id in the arena, its state's stored
 * form (custstate.h's encoding) in the values' arena, in a slot that may be
 * larger than the bytes, so that a state that grows by an order mostly
 * stays where it is. */
struct touched {
	size_t id_off;
	uint32_t id_len, hash;
	size_t val_off;
	uint32_t val_len, val_cap;
	int dirty;      /* its state differs from the stored one: logged orders */
	uint32_t batch; /* the last batch with orders of it */
};

/* A changed customer, for writing in key order. */
struct putorder {
	const unsigned char *id;
	uint32_t len;
	uint32_t t; /* its touched entry */
};

struct flo_custdb {
	flo_store *store;
	char *name;
	struct flo_rfm_config cfg;
	struct flo_custdb_settings set;
	int settings_dirty;
	enum flo_custdb_emit emit;
	long returns; /* stored, not replayed */
	int open;
	size_t pending;
	uint32_t *slots; /* touched index + 1; 0 empty */
	size_t nslots;   /* a power of two */
	struct touched *t;
	size_t nt, cap_t;
	size_t last; /* the previous order's customer + 1, 0 none */
	/* One decoded state, the customer's whose orders come in: a batch
	 * keeps every other customer in its stored form, a few hundred bytes,
	 * rather than decoded, where a state takes several allocations and a
	 * kilobyte or more; in a log in date order, where nearly every order
	 * is another customer's, the allocations, page faults and frees of a
	 * decoded state a customer cost more than a decode and an encode. */
	flo_custstate *st;
	size_t st_owner;  /* the touched entry + 1 whose state st is; 0 none */
	int st_changed;   /* st has orders its stored form has not */
	struct bytes ids, vals;
	/* The batch's summaries, held until it is committed (custheld.h); the
	 * set a release took and gave back, kept for a later batch. */
	flo_custheld *held, *spare;
	struct putorder *order;
	size_t cap_order;
	unsigned char *buf, *packed; /* encoding and packing scratch */
	size_t buf_cap;
	struct flo_field *kept;
	/* The order log: the batch's records (each a 4-byte length, then the
	 * bytes) appended at commit; the records committed since the last
	 * merge, whose customers' states the table above holds. */
	struct bytes logq;
	size_t nlogq;
	size_t logged;
	size_t merge_every; /* 0: merged only on demand */
	/* compact_states() once the slots left behind pass half the live
	 * ones by this much; its runs */
	size_t compact_floor, compactions;
	uint32_t batch;     /* the open batch's number */
	uint32_t *inbatch;  /* entries with orders in the batch, first touch first */
	size_t ninbatch, cap_inbatch;
	struct flo_field *rkeep; /* a log record's kept fields, unpacked */
	flo_custdb_release_fn *release; /* see flo_custdb_set_release() */
	void *release_ctx;
	char msg[MSG_MAX];
};

static int fail(flo_custdb *db, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(flo_custdb *db, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->msg, sizeof db->msg, fmt, ap);
	va_end(ap);
	return rc;
}

static int replay_log(flo_custdb *db);

static char *xstrdup_or(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = 1;
	return d;
}

int flo_custdb_new(flo_custdb **out, flo_store *s, const char *name,
		   const struct flo_custdb_settings *settings, const struct flo_rfm_config *cfg,
		   enum flo_custdb_emit emit)
{
	flo_custdb *db = calloc(1, sizeof *db);
	int oom = db == NULL;
	*out = NULL;
	if (oom)
		return FLO_ENOMEM;
	db->store = s;
	db->cfg = *cfg;
	db->emit = emit;
	db->compact_floor = (size_t)64 << 20;
	db->set = *settings;
	db->name = xstrdup_or(name, &oom);
	db->set.order_id = xstrdup_or(settings->order_id, &oom);
	db->set.keep = calloc(settings->nkeep ? settings->nkeep : 1, sizeof *db->set.keep);
	db->kept = calloc(cfg->nkeep ? cfg->nkeep : 1, sizeof *db->kept);
	db->held = flo_custheld_new(cfg->nkeep);
	db->nslots = 1024;
	db->slots = calloc(db->nslots, sizeof *db->slots);
	if (db->set.keep == NULL || db->kept == NULL || db->held == NULL || db->slots == NULL ||
	    flo_custstate_new(&db->st) != FLO_OK)
		oom = 1;
	for (size_t i = 0; !oom && i < settings->nkeep; i++)
		db->set.keep[i] = xstrdup_or(settings->keep[i], &oom);
	/* The latest day is the store's; a store without states gets its
	 * settings with its first batch. */
	char err[64];
	struct flo_custdb_settings stored;
	int rc = oom ? FLO_ENOMEM : flo_custdb_read_settings(s, &stored, err, sizeof err);
	db->set.has_latest = 0;
	if (rc == FLO_OK) {
		db->set.has_latest = stored.has_latest;
		db->set.latest = stored.latest;
		flo_custdb_settings_free(&stored);
	}
	db->settings_dirty = rc == FLO_ENOTFOUND;
	if (rc != FLO_OK && rc != FLO_ENOTFOUND) {
		flo_custdb_free(db);
		return oom ? FLO_ENOMEM : rc;
	}
	db->batch = 1;
	db->rkeep = calloc(cfg->nkeep ? cfg->nkeep : 1, sizeof *db->rkeep);
	if (db->rkeep == NULL) {
		flo_custdb_free(db);
		return FLO_ENOMEM;
	}
	if (rc == FLO_OK && (rc = replay_log(db)) != FLO_OK) {
		*out = db; /* for its message; the caller frees it */
		return rc;
	}
	*out = db;
	return FLO_OK;
}

void flo_custdb_free(flo_custdb *db)
{
	if (db == NULL)
		return;
	if (db->open)
		flo_store_batch_abort(db->store);
	flo_custstate_free(db->st);
	flo_custdb_settings_free(&db->set);
	free(db->name);
	free(db->slots);
	free(db->t);
	free(db->ids.p);
	free(db->vals.p);
	flo_custheld_free(db->held);
	flo_custheld_free(db->spare);
	free(db->order);
	free(db->buf);
	free(db->packed);
	free(db->kept);
	free(db->logq.p);
	free(db->inbatch);
	free(db->rkeep);
	free(db);
}

const char *flo_custdb_errmsg(const flo_custdb *db)
{
	return db->msg;
}

long flo_custdb_returns(const flo_custdb *db)
{
	return db->returns;
}

size_t flo_custdb_pending(const flo_custdb *db)
{
	return db->pending;
}

int32_t flo_custdb_as_of(const flo_custdb *db)
{
	return db->cfg.has_as_of ? db->cfg.as_of : db->set.latest;
}

/* Room for n more bytes at the end of b; SIZE_MAX when out of memory, else
 * the offset where they go (b->len not moved). */
static size_t bytes_room(struct bytes *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap - b->len < n)
			cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (p == NULL)
			return SIZE_MAX;
		b->p = p;
		b->cap = cap;
	}
	return b->len;
}

/* Append n bytes to b; their offset, or SIZE_MAX when out of memory. */
size_t custdb_bytes_put(struct bytes *b, const void *p, size_t n)
{
	size_t off = bytes_room(b, n);
	if (off == SIZE_MAX)
		return off;
	if (n)
		memcpy(b->p + off, p, n);
	b->len += n;
	return off;
}

/* A slot in the values' arena: this head, then the state's bytes, val_cap
 * of them, at the entry's val_off.  The head names the slot's entry, so
 * that compact_states() walks the arena in order and tells the live slots
 * (their entry's val_off is theirs) from those left behind. */
struct slot_head {
	uint32_t entry, cap;
};

/* A state's bytes into entry e's slot, or a new slot with room to grow
 * when they no longer fit: FLO_ENOMEM. */
static int slot_put(flo_custdb *db, struct touched *e, const void *p, size_t len)
{
	if (len > UINT32_MAX / 2)
		return FLO_ENOMEM;
	if (len > e->val_cap) {
		/* Room for a few more orders (an order with ids adds 21 bytes
		 * or so): a slot outgrown is left behind until the commit. */
		size_t cap = len + 64;
		size_t off = bytes_room(&db->vals, sizeof(struct slot_head) + cap);
		if (off == SIZE_MAX)
			return FLO_ENOMEM;
		struct slot_head h = {(uint32_t)(e - db->t), (uint32_t)cap};
		memcpy(db->vals.p + off, &h, sizeof h);
		db->vals.len += sizeof h + cap;
		e->val_off = off + sizeof h;
		e->val_cap = (uint32_t)cap;
	}
	if (len)
		memcpy(db->vals.p + e->val_off, p, len);
	e->val_len = (uint32_t)len;
	return FLO_OK;
}

/* The decoded state's orders into its customer's stored form. */
static int flush_state(flo_custdb *db)
{
	size_t len;
	int rc;
	if (!db->st_owner || !db->st_changed)
		return FLO_OK;
	if ((rc = flo_custstate_encode(db->st, &db->buf, &db->buf_cap, &len)) != FLO_OK ||
	    (rc = slot_put(db, &db->t[db->st_owner - 1], db->buf, len)) != FLO_OK)
		return rc;
	db->st_changed = 0;
	return FLO_OK;
}

/* Decode entry i's state into db->st (the one decoded before flushed). */
static int load_state(flo_custdb *db, size_t i)
{
	int rc;
	if (db->st_owner == i + 1)
		return FLO_OK;
	if ((rc = flush_state(db)) != FLO_OK)
		return rc;
	db->st_owner = 0;
	const struct touched *e = &db->t[i];
	if (e->val_len == 0)
		flo_custstate_clear(db->st);
	else if ((rc = flo_custstate_decode(db->st, &db->cfg, db->vals.p + e->val_off,
					    e->val_len)) != FLO_OK)
		return rc; /* its own bytes, checked when read: memory */
	db->st_owner = i + 1;
	return FLO_OK;
}

uint32_t *custdb_slots(const void *items, size_t stride, size_t hash_off, size_t count,
		       size_t n)
{
	uint32_t *slots = calloc(n, sizeof *slots);
	for (size_t i = 0; slots != NULL && i < count; i++) {
		uint32_t hash;
		memcpy(&hash, (const unsigned char *)items + i * stride + hash_off, sizeof hash);
		size_t j = hash & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (uint32_t)i + 1;
	}
	return slots;
}

static int grow_slots(flo_custdb *db)
{
	size_t n = db->nslots * 2;
	uint32_t *slots = custdb_slots(db->t, sizeof *db->t, offsetof(struct touched, hash), db->nt,
				       n);
	if (slots == NULL)
		return FLO_ENOMEM;
	free(db->slots);
	db->slots = slots;
	db->nslots = n;
	return FLO_OK;
}

/* The batch's entry for a customer, read from the store when new to the
 * batch, its state decoded in db->st; NULL on failure (db->msg says why,
 * *rc the code). */
static struct touched *touch(flo_custdb *db, const char *id, size_t len, int *rc)
{
	size_t found = 0;
	if (db->last) {
		struct touched *e = &db->t[db->last - 1];
		if (e->id_len == len && memcmp(db->ids.p + e->id_off, id, len) == 0)
			found = db->last;
	}
	uint32_t hash = 0;
	size_t j = 0;
	if (!found) {
		hash = (uint32_t)flo_hash(id, len);
		for (j = hash & (db->nslots - 1); db->slots[j]; j = (j + 1) & (db->nslots - 1)) {
			struct touched *e = &db->t[db->slots[j] - 1];
			if (e->hash == hash && e->id_len == len &&
			    memcmp(db->ids.p + e->id_off, id, len) == 0) {
				found = db->slots[j];
				break;
			}
		}
	}
	if (found) {
		if ((*rc = load_state(db, found - 1)) != FLO_OK) {
			fail(db, *rc, "out of memory");
			return NULL;
		}
		db->last = found;
		return &db->t[found - 1];
	}
	*rc = FLO_ENOMEM;
	if ((*rc = flush_state(db)) != FLO_OK)
		return NULL;
	*rc = FLO_ENOMEM;
	db->st_owner = 0;
	if (db->nt == db->cap_t) {
		size_t cap = db->cap_t ? db->cap_t * 2 : 256;
		struct touched *t = realloc(db->t, cap * sizeof *t);
		if (t == NULL)
			return NULL;
		db->t = t;
		db->cap_t = cap;
	}
	size_t off = custdb_bytes_put(&db->ids, id, len);
	if (off == SIZE_MAX)
		return NULL;
	struct touched *e = &db->t[db->nt];
	*e = (struct touched){off, (uint32_t)len, hash, 0, 0, 0, 0, 0};
	const void *val;
	size_t vlen;
	*rc = flo_store_customer_get(db->store, id, len, &val, &vlen);
	if (*rc == FLO_ENOTFOUND) {
		flo_custstate_clear(db->st);
	} else if (*rc != FLO_OK) {
		fail(db, *rc, "%s", flo_store_errmsg(db->store));
		if (*rc == FLO_EVALUE)
			*rc = FLO_ESTORE; /* a checksum that fails: damage */
		return NULL;
	} else if ((*rc = flo_custstate_decode(db->st, &db->cfg, val, vlen)) != FLO_OK) {
		custdb_state_error(db->msg, sizeof db->msg, db->name, id, len, *rc);
		if (*rc == FLO_EVALUE)
			*rc = FLO_ESTORE;
		return NULL;
	} else if ((*rc = slot_put(db, e, val, vlen)) != FLO_OK) {
		return NULL;
	}
	*rc = FLO_OK;
	db->slots[j] = (uint32_t)++db->nt;
	db->last = db->nt;
	db->st_owner = db->nt;
	db->st_changed = 0;
	if (db->nt * 2 > db->nslots && grow_slots(db) != FLO_OK) {
		*rc = FLO_ENOMEM;
		return NULL;
	}
	return &db->t[db->last - 1];
}

/* Hold the summary of the decoded state (entry e's) at the current as-of
 * date, if it has one. */
static int hold(flo_custdb *db, const struct touched *e)
{
	struct flo_summary s;
	if (!flo_custstate_summary(db->st, &db->cfg, flo_custdb_as_of(db), &s, db->kept, NULL))
		return FLO_OK;
	s.id = (const char *)db->ids.p + e->id_off;
	s.id_len = e->id_len;
	s.kept = db->kept;
	return flo_custheld_add(db->held, &s);
}

/* Fold a logged order (or one coming in, as a record) into st. */
int custdb_fold(flo_custstate *st, const struct flo_rfm_config *cfg,
		const struct flo_orderrec *r, struct flo_field *keep, int *repeated)
{
	if (r->is_return)
		return flo_custstate_add_return(st, cfg, r->time, r->amount, r->line, repeated);
	if (cfg->nkeep > 0)
		flo_kept_unpack(r->kept, keep, cfg->nkeep);
	struct flo_custstate_order co = {.time = r->time, .amount = r->amount,
					 .id_hash = r->id_hash, .keep = keep};
	return flo_custstate_add_line(st, cfg, &co, r->line, repeated);
}

/* The order's log record, queued for the batch's commit. */
static int queue_record(flo_custdb *db, const struct flo_custdb_order *o, uint64_t id_hash)
{
	struct flo_orderrec r = {o->is_return, o->time, o->amount, id_hash, o->line,
				 o->id, o->id_len, NULL, 0};
	if (db->cfg.nkeep > 0 && !o->is_return) {
		if (flo_kept_pack(&db->packed, o->keep, db->cfg.nkeep) != FLO_OK)
			return FLO_ENOMEM;
		r.kept = db->packed;
		r.kept_len = flo_kept_size(o->keep, db->cfg.nkeep);
	} else if (db->cfg.nkeep > 0) {
		/* A return keeps no fields, but every record has the store's
		 * number of them: nulls. */
		struct flo_field none = {.val = "", .len = 0, .kind = FLO_KIND_NULL};
		for (size_t i = 0; i < db->cfg.nkeep; i++)
			db->rkeep[i] = none;
		if (flo_kept_pack(&db->packed, db->rkeep, db->cfg.nkeep) != FLO_OK)
			return FLO_ENOMEM;
		r.kept = db->packed;
		r.kept_len = 5 * db->cfg.nkeep;
	}
	size_t n = flo_orderrec_size(&r);
	size_t off = bytes_room(&db->logq, 4 + n);
	if (off == SIZE_MAX)
		return FLO_ENOMEM;
	flo_orderrec_put_len(db->logq.p + off, (uint32_t)n);
	flo_orderrec_encode(&r, db->logq.p + off + 4);
	db->logq.len += 4 + n;
	db->nlogq++;
	return FLO_OK;
}

int flo_custdb_add(flo_custdb *db, const struct flo_custdb_order *o,
		   enum flo_order_fate *fate)
{
	int rc, repeated;

	if (o->id_len == 0 || o->id_len > FLO_CUSTDB_ID_MAX || o->id[0] == '\0')
		return fail(db, FLO_EUSAGE, "a customer id must be 1 to %d bytes and not "
			    "start with a NUL byte", FLO_CUSTDB_ID_MAX);
	if (!db->open) {
		if ((rc = flo_store_batch_begin(db->store)) != FLO_OK)
			return fail(db, rc, "%s", flo_store_errmsg(db->store));
		db->open = 1;
	}
	struct touched *e = touch(db, o->id, o->id_len, &rc);
	if (e == NULL)
		return rc == FLO_ENOMEM && !db->msg[0] ? fail(db, rc, "out of memory") : rc;
	if (e->batch != db->batch && db->emit == FLO_EMIT_BATCH) {
		if (db->ninbatch == db->cap_inbatch) {
			size_t cap = db->cap_inbatch ? 2 * db->cap_inbatch : 256;
			uint32_t *ib = realloc(db->inbatch, cap * sizeof *ib);
			if (ib == NULL)
				return fail(db, FLO_ENOMEM, "out of memory");
			db->inbatch = ib;
			db->cap_inbatch = cap;
		}
		db->inbatch[db->ninbatch++] = (uint32_t)(e - db->t);
	}
	e->batch = db->batch;
	uint64_t id_hash = db->cfg.order_ids ? flo_hash(o->order_id, o->order_id_len) : 0;
	struct flo_custstate_order co = {
		.time = o->time, .amount = o->amount, .keep = o->keep, .id_hash = id_hash,
	};
	rc = o->is_return ? flo_custstate_add_return(db->st, &db->cfg, o->time, o->amount,
						     o->line, &repeated)
			  : flo_custstate_add_line(db->st, &db->cfg, &co, o->line, &repeated);
	if (rc == FLO_EUSAGE)
		return fail(db, rc, "a date outside the years %d to %d", FLO_YEAR_MIN,
			    FLO_YEAR_MAX);
	if (rc == FLO_ERANGE)
		return fail(db, rc, "customer \"%s\": its total value would leave the range "
			    "flo sums", flo_quote(o->id, o->id_len));
	if (rc == FLO_EVALUE)
		return fail(db, FLO_EUSAGE, "a return, but the store's states do not keep "
			    "returns (--returns net)");
	if (rc != FLO_OK)
		return fail(db, rc, "out of memory");
	db->pending++;
	/* A replay changes nothing, so it is not logged: only what a later
	 * reader must fold in again is. */
	if (!repeated && (rc = queue_record(db, o, id_hash)) != FLO_OK)
		return fail(db, rc, "out of memory");
	int32_t day = flo_rfm_day(o->time);
	if (repeated) {
		*fate = FLO_ORDER_REPEATED;
	} else if (o->is_return) {
		/* A return never moves the as-of date; without --as-of it is in
		 * the calibration, as in a batch run. */
		e->dirty = 1;
		db->st_changed = 1;
		db->returns++;
		int hold = db->cfg.has_as_of && day > db->cfg.as_of;
		*fate = !hold ? FLO_ORDER_CALIBRATION
			: db->cfg.has_holdout && day <= db->cfg.holdout_end ? FLO_ORDER_HOLDOUT
									   : FLO_ORDER_LATE;
	} else {
		e->dirty = 1;
		db->st_changed = 1;
		if (!db->set.has_latest || day > db->set.latest) {
			db->set.has_latest = 1;
			db->set.latest = day;
			db->settings_dirty = 1;
		}
		int32_t as_of = flo_custdb_as_of(db);
		if (day <= as_of)
			*fate = FLO_ORDER_CALIBRATION;
		else if (db->cfg.has_holdout && day <= db->cfg.holdout_end)
			*fate = FLO_ORDER_HOLDOUT;
		else
			*fate = FLO_ORDER_LATE;
	}
	if (db->emit == FLO_EMIT_ORDER && (rc = hold(db, e)) != FLO_OK)
		return fail(db, rc, "out of memory");
	return FLO_OK;
}

/* Forget the customers' states (after a merge wrote them), keeping the
 * memory for the next ones. */
static void clear_table(flo_custdb *db)
{
	for (size_t i = 0; i < db->nt; i++) {
		size_t j = db->t[i].hash & (db->nslots - 1);
		while (db->slots[j] != i + 1)
			j = (j + 1) & (db->nslots - 1);
		db->slots[j] = 0;
	}
	/* Clearing only the slots in use breaks no probe chain: all of them go. */
	db->nt = 0;
	db->last = 0;
	db->st_owner = 0;
	db->st_changed = 0;
	db->ids.len = 0;
	db->vals.len = 0;
}

/* Forget the batch (its held records and queued log records). */
static void reset(flo_custdb *db)
{
	flo_custheld_clear(db->held);
	db->pending = 0;
	db->logq.len = 0;
	db->nlogq = 0;
	db->ninbatch = 0;
	db->batch++;
	db->open = 0;
}

/* The states' slots packed again when outgrown slots left behind take more
 * than half the live ones: the table lives from merge to merge, across many
 * commits, and a state grows a slot's worth every few orders.  In place, in
 * one walk of the arena from its start (a live slot only moves down, to
 * where the live ones before it end), each slot's room cut to its bytes and
 * 64 more: the arena's pages, mapped already, take the slots that follow,
 * where a fresh arena a compaction would be pages the process faults in
 * again (a quarter of its page faults on 10M orders with ids).  Since a
 * compaction costs no fresh memory, it runs once what is left behind is
 * half the live bytes, not all of them: the arena's pages stop growing
 * sooner (another 18,500 faults fewer there). */
static void compact_states(flo_custdb *db)
{
	const size_t head = sizeof(struct slot_head);
	size_t live = 0;
	for (size_t i = 0; i < db->nt; i++)
		live += head + db->t[i].val_len + 64;
	if (db->vals.len < live + live / 2 + db->compact_floor)
		return;
	db->compactions++;
	size_t to = 0;
	for (size_t from = 0; from < db->vals.len;) {
		struct slot_head h;
		memcpy(&h, db->vals.p + from, head);
		size_t next = from + head + h.cap;
		struct touched *e = h.entry < db->nt ? &db->t[h.entry] : NULL;
		if (e != NULL && e->val_off == from + head) {
			/* to <= from, and the room cut: what it writes ends
			 * before the next slot starts */
			h.cap = e->val_len + 64 < h.cap ? e->val_len + 64 : h.cap;
			memcpy(db->vals.p + to, &h, head);
			memmove(db->vals.p + to + head, db->vals.p + from + head, e->val_len);
			e->val_off = to + head;
			e->val_cap = h.cap;
			to += head + h.cap;
		}
		from = next;
	}
	db->vals.len = to;
}

/* LMDB's default key order: bytewise, the shorter first on a common prefix. */
static int by_id(const void *a, const void *b)
{
	const struct putorder *x = a, *y = b;
	int c = memcmp(x->id, y->id, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Every changed state into the open batch, in key order: each put then
 * finds its page where the last one left the tree, in the processor's
 * cache, rather than anywhere. */
static int put_states(flo_custdb *db)
{
	int rc;
	size_t ndirty = 0;
	for (size_t i = 0; i < db->nt; i++)
		if (db->t[i].dirty)
			ndirty++;
	if (ndirty > db->cap_order) {
		struct putorder *po = realloc(db->order, ndirty * sizeof *po);
		if (po == NULL)
			return fail(db, FLO_ENOMEM, "out of memory");
		db->order = po;
		db->cap_order = ndirty;
	}
	ndirty = 0;
	for (size_t i = 0; i < db->nt; i++)
		if (db->t[i].dirty)
			db->order[ndirty++] = (struct putorder){db->ids.p + db->t[i].id_off,
								db->t[i].id_len, (uint32_t)i};
	if (ndirty > 1)
		qsort(db->order, ndirty, sizeof *db->order, by_id);
	for (size_t i = 0; i < ndirty; i++) {
		const struct putorder *p = &db->order[i];
		const struct touched *e = &db->t[p->t];
		/* held, not copied: the arena stays as it is until the commit
		 * (a merge's states would be copied whole) */
		rc = flo_store_customer_put_held(db->store, (const char *)p->id, p->len,
						 db->vals.p + e->val_off, e->val_len);
		if (rc != FLO_OK)
			return fail(db, rc, "%s", flo_store_errmsg(db->store));
	}
	return FLO_OK;
}

int flo_custdb_merge(flo_custdb *db)
{
	int rc;
	if (db->open)
		return fail(db, FLO_EUSAGE, "a merge with a batch open");
	if (db->logged == 0)
		return FLO_OK;
	if ((rc = flush_state(db)) != FLO_OK)
		return fail(db, rc, "out of memory");
	if ((rc = flo_store_batch_begin(db->store)) != FLO_OK)
		return fail(db, rc, "%s", flo_store_errmsg(db->store));
	/* The states and the log's end in one transaction: a crash leaves
	 * either the log and the old states, or the new states alone. */
	if ((rc = put_states(db)) == FLO_OK &&
	    (rc = flo_store_orderlog_clear(db->store)) != FLO_OK)
		fail(db, rc, "%s", flo_store_errmsg(db->store));
	if (rc == FLO_OK && (rc = flo_store_batch_commit(db->store)) != FLO_OK)
		fail(db, rc, "%s", flo_store_errmsg(db->store));
	if (rc != FLO_OK) {
		flo_store_batch_abort(db->store);
		return rc;
	}
	clear_table(db);
	db->logged = 0;
	return FLO_OK;
}

size_t flo_custdb_logged(const flo_custdb *db)
{
	return db->logged;
}

void flo_custdb_set_merge_every(flo_custdb *db, size_t n)
{
	db->merge_every = n;
}

void flo_custdb_set_compact_floor(flo_custdb *db, size_t bytes)
{
	db->compact_floor = bytes;
}

size_t flo_custdb_compactions(const flo_custdb *db)
{
	return db->compactions;
}

void flo_custdb_set_release(flo_custdb *db, flo_custdb_release_fn *release, void *ctx)
{
	db->release = release;
	db->release_ctx = ctx;
}

int flo_custdb_held(const flo_custdb *db, size_t lo, size_t hi, flo_summary_fn *fn, void *ctx)
{
	struct flo_field *kept = calloc(db->cfg.nkeep ? db->cfg.nkeep : 1, sizeof *kept);
	if (kept == NULL)
		return FLO_ENOMEM;
	flo_custheld_each(db->held, lo, hi, kept, fn, ctx);
	free(kept);
	return FLO_OK;
}

flo_custheld *flo_custdb_take_held(flo_custdb *db)
{
	flo_custheld *next = db->spare != NULL ? db->spare : flo_custheld_new(db->cfg.nkeep);
	if (next == NULL)
		return NULL;
	flo_custheld *taken = db->held;
	db->held = next;
	db->spare = NULL;
	return taken;
}

void flo_custdb_give_back(flo_custdb *db, flo_custheld *h)
{
	if (h == NULL)
		return;
	if (db->spare != NULL) {
		flo_custheld_free(h);
		return;
	}
	flo_custheld_clear(h);
	db->spare = h;
}

/* Commit the batch: its orders appended to the log, or, merging, every
 * changed state written and the log emptied instead. */
static int commit(flo_custdb *db, flo_summary_fn *fn, void *ctx, int merging)
{
	int rc;

	if (!db->open)
		return merging ? flo_custdb_merge(db) : FLO_OK;
	if ((rc = flush_state(db)) != FLO_OK)
		return fail(db, rc, "out of memory");
	if (db->emit == FLO_EMIT_BATCH)
		for (size_t i = 0; i < db->ninbatch; i++)
			if ((rc = load_state(db, db->inbatch[i])) != FLO_OK ||
			    (rc = hold(db, &db->t[db->inbatch[i]])) != FLO_OK)
				return fail(db, rc, "out of memory");
	if (merging) {
		if ((rc = put_states(db)) != FLO_OK)
			return rc;
		if (db->logged > 0 && (rc = flo_store_orderlog_clear(db->store)) != FLO_OK)
			return fail(db, rc, "%s", flo_store_errmsg(db->store));
	}
	/* The batch's orders appended to the log, in order: pages written
	 * once, at the log's end, however many customers they touch. */
	for (size_t off = 0; !merging && off < db->logq.len;) {
		/* as many whole orders as a record takes (orderrec.h), at least one */
		size_t end = off;
		do
			end += 4 + flo_orderrec_get_len(db->logq.p + end);
		while (end < db->logq.len &&
		       end - off + 4 + flo_orderrec_get_len(db->logq.p + end) <= FLO_ORDERREC_CHUNK);
		rc = flo_store_orderlog_append(db->store, db->logq.p + off, end - off);
		if (rc != FLO_OK)
			return fail(db, rc, "%s", flo_store_errmsg(db->store));
		off = end;
	}
	if (db->settings_dirty) {
		size_t len;
		char *text = custdb_settings_format(&db->set, &len);
		if (text == NULL)
			return fail(db, FLO_ENOMEM, "out of memory");
		rc = flo_store_customer_put(db->store, FLO_CUSTDB_SETTINGS_KEY,
					    FLO_CUSTDB_SETTINGS_KEYLEN, text, len);
		free(text);
		if (rc != FLO_OK)
			return fail(db, rc, "%s", flo_store_errmsg(db->store));
	}
	rc = flo_store_batch_commit(db->store);
	db->open = 0;
	if (rc != FLO_OK)
		return fail(db, rc, "%s", flo_store_errmsg(db->store));
	db->settings_dirty = 0;
	db->logged += db->nlogq;
	if (db->release != NULL)
		db->release(db->release_ctx, db, flo_custheld_count(db->held));
	else
		flo_custheld_each(db->held, 0, flo_custheld_count(db->held), db->kept, fn, ctx);
	reset(db);
	if (merging) {
		clear_table(db);
		db->logged = 0;
	} else {
		compact_states(db);
	}
	return FLO_OK;
}

int flo_custdb_commit(flo_custdb *db, flo_summary_fn *fn, void *ctx)
{
	/* A commit that would leave the log at its bound merges instead:
	 * its orders need not be logged at all. */
	int merging = db->merge_every > 0 && db->logged + db->nlogq >= db->merge_every;
	return commit(db, fn, ctx, merging);
}

int flo_custdb_commit_merge(flo_custdb *db, flo_summary_fn *fn, void *ctx)
{
	return commit(db, fn, ctx, 1);
}

/* Stops a walk of the log with a code no err.h code equals. */
#define LOG_FAILED (-2)

/* One logged order folded into its customer's state in the table. */
static int replay_one(void *ctx, unsigned long long seq, const void *val, size_t vlen,
		      int sound)
{
	flo_custdb *db = ctx;
	struct flo_orderrec r;
	int rc, repeated;
	if (!sound) {
		fail(db, FLO_ESTORE, "%s: order log record %llu is damaged (its checksum fails)",
		     db->name, seq);
		return LOG_FAILED;
	}
	if (flo_orderrec_check(val, vlen, db->cfg.nkeep) != FLO_OK) {
		fail(db, FLO_ESTORE, "%s: order log record %llu is damaged", db->name, seq);
		return LOG_FAILED;
	}
	for (size_t off = 0; flo_orderrec_next(val, vlen, db->cfg.nkeep, &off, &r);) {
		struct touched *e = touch(db, r.id, r.id_len, &rc);
		if (e == NULL) {
			if (!db->msg[0])
				fail(db, rc, "out of memory");
			return LOG_FAILED;
		}
		rc = custdb_fold(db->st, &db->cfg, &r, db->rkeep, &repeated);
		if (rc == FLO_ENOMEM) {
			fail(db, rc, "out of memory");
			return LOG_FAILED;
		}
		if (rc != FLO_OK) {
			fail(db, FLO_ESTORE, "%s: order log record %llu does not fold into customer "
			     "\"%s\"'s state: damaged", db->name, seq, flo_quote(r.id, r.id_len));
			return LOG_FAILED;
		}
		e->dirty = 1;
		db->st_changed = 1;
		db->logged++;
	}
	return 0;
}

/* The orders logged since the last merge, folded into the table: the
 * writer begins where the last one ended, its states as a merge would
 * have written them. */
static int replay_log(flo_custdb *db)
{
	int rc = flo_store_batch_begin(db->store);
	if (rc != FLO_OK)
		return fail(db, rc, "%s", flo_store_errmsg(db->store));
	db->msg[0] = '\0';
	rc = flo_store_orderlog_each(db->store, replay_one, db);
	if (rc == LOG_FAILED)
		rc = FLO_ESTORE;
	else if (rc != FLO_OK)
		fail(db, rc, "%s", flo_store_errmsg(db->store));
	if (rc == FLO_OK)
		rc = flush_state(db);
	flo_store_batch_abort(db->store);
	if (rc == FLO_ESTORE && !db->msg[0])
		fail(db, rc, "%s", flo_store_errmsg(db->store));
	return rc;
}

/* ---- the live mode ---- */

/* ---- the table's entries asked for ahead of their orders ----
 *
 * In a log in date order nearly every order is another customer's, and
 * finding its entry is four reads of memory no cache holds (its slot, its
 * touched entry, its id, its stored state), each waiting for the one
 * before: a quarter of the time of a run (perf).  The ids of the orders to
 * come (flo_ingest_peek_ids(), a hint) let each read be asked for some
 * orders before it is needed, one stage an order: the slot when the id is
 * peeked, AHEAD to 2 AHEAD orders ahead; the entry that slot names
 * ENTRY_AT orders ahead; its id and state BYTES_AT orders ahead.  A peeked
 * id that is not the order's (a record the ingest skips, a collision, a
 * table grown since) only wastes a prefetch: nothing here is trusted. */
#define AHEAD 8
#define ENTRY_AT 4
#define BYTES_AT 2
#define RING (2 * AHEAD)

struct ahead {
	uint32_t hash[RING];
	uint32_t entry[RING]; /* the slot's touched index + 1; 0 none */
	size_t first;         /* the ring's entry for the order after the current one */
	size_t known;         /* orders ahead whose id was peeked */
};

/* After an order is read: the ring moved on by one, topped up with the ids
 * after it, and each stage's read asked for. */
static void prefetch_ahead(const flo_custdb *db, flo_ingest *in, struct ahead *a)
{
	if (a->known > 0)
		a->first = (a->first + 1) % RING, a->known--;
	size_t mask = db->nslots - 1;
	if (a->known < AHEAD) {
		const char *id[RING];
		size_t len[RING];
		size_t n = flo_ingest_peek_ids(in, RING, id, len);
		for (size_t i = a->known; i < n; i++) {
			size_t r = (a->first + i) % RING;
			a->hash[r] = (uint32_t)flo_hash(id[i], len[i]);
			a->entry[r] = 0;
			__builtin_prefetch(&db->slots[a->hash[r] & mask]);
		}
		a->known = n;
	}
	if (a->known >= ENTRY_AT) {
		size_t r = (a->first + ENTRY_AT - 1) % RING;
		uint32_t k = db->slots[a->hash[r] & mask];
		a->entry[r] = k;
		if (k != 0 && k <= db->nt)
			__builtin_prefetch(&db->t[k - 1]);
	}
	if (a->known >= BYTES_AT) {
		uint32_t k = a->entry[(a->first + BYTES_AT - 1) % RING];
		if (k != 0 && k <= db->nt) {
			const struct touched *e = &db->t[k - 1];
			__builtin_prefetch(db->ids.p + e->id_off);
			__builtin_prefetch(db->vals.p + e->val_off);
			__builtin_prefetch(db->vals.p + e->val_off + 64);
		}
	}
}

int flo_custdb_ingest(flo_custdb *db, flo_ingest *in, size_t commit_every, int merge_at_end,
		      flo_summary_fn *fn, void *ctx, long counts[4])
{
	struct flo_ingest_order o;
	struct ahead ahead = {.known = 0};
	int got, rc;
	while ((got = flo_ingest_next(in, &o)) > 0) {
		prefetch_ahead(db, in, &ahead);
		struct flo_custdb_order ord = {o.id, o.id_len, o.time, o.amount, o.order_id,
					       o.order_id_len, o.keep, o.line, o.is_return};
		enum flo_order_fate fate;
		rc = flo_custdb_add(db, &ord, &fate);
		if (rc == FLO_ERANGE) {
			/* A bad record: nothing of it was folded in. */
			if ((rc = flo_ingest_reject_overflow(in)) < 0)
				continue;
			return fail(db, rc, "%s", flo_ingest_errmsg(in));
		}
		if (rc != FLO_OK)
			return rc;
		counts[fate]++;
		if (db->pending >= commit_every && (rc = flo_custdb_commit(db, fn, ctx)) != FLO_OK)
			return rc;
	}
	if (got < 0)
		return fail(db, -got, "%s", flo_ingest_errmsg(in));
	return merge_at_end ? flo_custdb_commit_merge(db, fn, ctx) : flo_custdb_commit(db, fn, ctx);
}
