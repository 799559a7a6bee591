/* pagewalk.c: LMDB's pages checked before LMDB reads them (see pagewalk.h).
 *
 * The constants and offsets are LMDB 0.9's (mdb.c, MDB_DATA_VERSION 1, on a
 * 64-bit build: pgno_t and txnid_t are 8 bytes). */
#include "store/pagewalk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"

/* MDB_page: pgno (8), pad (2), flags (2), lower (2), upper (2) or, for an
 * overflow page, the number of its pages (4); then the node offsets. */
#define PAGEHDRSZ 16
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define P_META 0x08
#define P_TRANSIENT 0xc010 /* P_DIRTY, P_LOOSE, P_KEEP: never meaningful on disk */
/* MDB_node: lo, hi (data size, or with flags the child page), flags, key
 * size (2 bytes each); then the key and the data. */
#define NODESIZE 8
#define F_BIGDATA 0x01
#define F_SUBDATA 0x02
#define F_DUPDATA 0x04
/* MDB_meta after the page header: magic, version, address, mapsize, the free
 * and main databases' MDB_db (48 bytes each), last page, txnid. */
#define MDB_MAGIC 0xBEEFC0DEu
#define MDB_DATA_VERSION 1
#define META_DBS 24
#define META_LAST_PG 120
#define META_TXNID 128
#define META_SIZE 136
/* MDB_db: pad (the page size, in the free database's), flags, depth, branch,
 * leaf and overflow pages, entries, root. */
#define DB_SIZE 48
#define MDB_INTEGERKEY 0x08
#define P_INVALID UINT64_MAX
#define CURSOR_STACK 32 /* LMDB's deepest tree */
#define MIN_PAGESIZE 512
#define MAX_PAGESIZE 65536

struct db {
	uint16_t flags, depth;
	uint64_t branch, leaf, overflow, entries, root;
};

/* A tree being walked. */
struct tree {
	const char *name;
	struct db want;
	uint64_t branch, leaf, overflow, entries;
	const unsigned char *prev; /* the last key, for order */
	size_t prev_len;
	int have_prev;
	int is_main;
	uint64_t lost;             /* damaged subtrees a salvaging walk skipped */
};

struct walk {
	struct flo_pagewalk *w;
	uint64_t npages;   /* in the file */
	uint64_t last_pg;  /* the meta's */
	unsigned char *seen;
	int stopped;       /* fn returned nonzero: no damage, never salvaged */
};

static uint16_t u16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static uint32_t u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t u64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void read_db(const unsigned char *p, struct db *d)
{
	d->flags = u16(p + 4);
	d->depth = u16(p + 6);
	d->branch = u64(p + 8);
	d->leaf = u64(p + 16);
	d->overflow = u64(p + 24);
	d->entries = u64(p + 32);
	d->root = u64(p + 40);
}

static int damage(struct walk *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int damage(struct walk *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->w->msg, sizeof k->w->msg, fmt, ap);
	va_end(ap);
	return FLO_ESTORE;
}

/* The name of a tree, for messages. */
static const char *tname(const struct tree *t)
{
	return t->name;
}

/* Page pgno of tree t, marked as reached: NULL (damage said) when it is
 * outside the file or the snapshot, reached before, or not numbered pgno. */
static const unsigned char *page(struct walk *k, const struct tree *t, uint64_t pgno, int *rc)
{
	*rc = FLO_ESTORE;
	if (pgno < 2 || pgno > k->last_pg || pgno >= k->npages) {
		damage(k, "database \"%s\": page %llu is outside the store (pages 2 to %llu)",
		       tname(t), (unsigned long long)pgno,
		       (unsigned long long)(k->last_pg < k->npages ? k->last_pg : k->npages - 1));
		return NULL;
	}
	if (k->seen[pgno / 8] & (1u << (pgno % 8))) {
		damage(k, "database \"%s\": page %llu is reached twice (a cycle or a shared page)",
		       tname(t), (unsigned long long)pgno);
		return NULL;
	}
	k->seen[pgno / 8] |= (unsigned char)(1u << (pgno % 8));
	k->w->pages++;
	const unsigned char *p = k->w->map + pgno * k->w->psize;
	if (u64(p) != pgno) {
		damage(k, "database \"%s\": page %llu holds page number %llu (zeroed or "
		       "overwritten)", tname(t), (unsigned long long)pgno,
		       (unsigned long long)u64(p));
		return NULL;
	}
	*rc = FLO_OK;
	return p;
}

/* LMDB's default order: bytewise, the shorter first on a common prefix. */
static int key_cmp(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	return c ? c : (na > nb) - (na < nb);
}

static int walk_tree(struct walk *k, struct tree *t, uint64_t pgno, unsigned level);

/* Whether damage below tree t is skipped rather than fatal: a salvaging
 * walk, in a named database, and not a stop asked for by fn. */
static int salvaging(const struct walk *k, const struct tree *t, int rc)
{
	return k->w->salvage && rc == FLO_ESTORE && !k->stopped && !t->is_main &&
	       !(t->want.flags & MDB_INTEGERKEY);
}

/* A damaged subtree skipped: counted, the first one's words kept. */
static void skip_damage(struct walk *k, struct tree *t)
{
	if (k->w->lost_pages++ == 0)
		memcpy(k->w->first_damage, k->w->msg, sizeof k->w->msg);
	t->lost++;
}

/* A named database, from its record in the main database. */
static int walk_named(struct walk *k, const unsigned char *key, size_t klen,
		      const unsigned char *val, size_t vlen)
{
	char name[64];
	if (vlen != DB_SIZE || klen == 0 || klen >= sizeof name)
		return damage(k, "the main database holds a record that is no database");
	memcpy(name, key, klen);
	name[klen] = '\0';
	for (size_t i = 0; i < klen; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
			name[i] = '?';
	if ((k->w->skip != NULL && strcmp(name, k->w->skip) == 0) ||
	    (k->w->only != NULL && strcmp(name, k->w->only) != 0))
		return FLO_OK;
	struct tree sub = {.name = name};
	read_db(val, &sub.want);
	/* flo's databases are plain: no integer keys, no duplicates.  Another
	 * program's are not walked (opening refuses its environment). */
	static const char *const ours[] = {"meta", "models", "cuts", "customers", "orderlog"};
	int mine = 0;
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
		mine |= strcmp(name, ours[i]) == 0;
	if (!mine)
		return FLO_OK;
	if (sub.want.flags != 0)
		return damage(k, "database \"%s\": flags 0x%x, which flo never sets", name,
			      sub.want.flags);
	int rc = walk_tree(k, &sub, sub.want.root, 0);
	if (rc != FLO_OK && salvaging(k, &sub, rc))
		skip_damage(k, &sub);
	else if (rc != FLO_OK || sub.lost == 0)
		return rc;
	/* Salvaged: every sound leaf went to fn; what was lost, in words. */
	return damage(k, "%s; %llu damaged page%s skipped, with every page below %s: %llu of "
		      "%llu records read", k->w->first_damage, (unsigned long long)sub.lost,
		      sub.lost == 1 ? "" : "s", sub.lost == 1 ? "it" : "them",
		      (unsigned long long)sub.entries, (unsigned long long)sub.want.entries);
}

/* The value of a leaf node: inline, or on overflow pages.  With mark, its
 * overflow pages are checked, counted and marked as reached; without, the
 * node is one a marking call passed, and only the pointer is worked out. */
static int leaf_value(struct walk *k, struct tree *t, uint64_t pgno, const unsigned char *node,
		      const unsigned char *end, const unsigned char **val, size_t *vlen, int mark)
{
	uint16_t flags = u16(node + 4), ksize = u16(node + 6);
	size_t dsize = (size_t)u16(node) | (size_t)u16(node + 2) << 16;
	const unsigned char *data = node + NODESIZE + ksize;
	size_t psize = k->w->psize;
	if (flags & F_DUPDATA)
		return damage(k, "database \"%s\": page %llu: a record with duplicates, which flo "
			      "never writes", tname(t), (unsigned long long)pgno);
	if (!(flags & F_BIGDATA)) {
		if (dsize > (size_t)(end - data))
			return damage(k, "database \"%s\": page %llu: a record runs past the page",
				      tname(t), (unsigned long long)pgno);
		*val = data;
		*vlen = dsize;
		return FLO_OK;
	}
	if ((size_t)(end - data) < 8)
		return damage(k, "database \"%s\": page %llu: a record runs past the page",
			      tname(t), (unsigned long long)pgno);
	uint64_t opg = u64(data);
	if (!mark) {
		*val = k->w->map + opg * psize + PAGEHDRSZ;
		*vlen = dsize;
		return FLO_OK;
	}
	int rc;
	const unsigned char *op = page(k, t, opg, &rc);
	if (op == NULL)
		return rc;
	uint32_t n = u32(op + 12);
	if ((u16(op + 10) & ~P_TRANSIENT) != P_OVERFLOW || n == 0 ||
	    opg + n - 1 > k->last_pg || opg + n > k->npages ||
	    dsize > (uint64_t)n * psize - PAGEHDRSZ)
		return damage(k, "database \"%s\": page %llu is not the overflow page its record "
			      "names", tname(t), (unsigned long long)opg);
	for (uint64_t i = opg + 1; i < opg + n; i++) {
		if (k->seen[i / 8] & (1u << (i % 8)))
			return damage(k, "database \"%s\": page %llu is reached twice", tname(t),
				      (unsigned long long)i);
		k->seen[i / 8] |= (unsigned char)(1u << (i % 8));
	}
	k->w->pages += n - 1;
	t->overflow += n;
	*val = op + PAGEHDRSZ;
	*vlen = dsize;
	return FLO_OK;
}

/* Page p's header and nodes (each inside the page, its key too), and its
 * keys in order (a branch's from its second node: LMDB ignores the first
 * one's); *n its nodes. */
static int check_page(struct walk *k, const struct tree *t, uint64_t pgno,
		      const unsigned char *p, int leaf, unsigned *n)
{
	size_t psize = k->w->psize;
	uint16_t flags = u16(p + 10) & ~P_TRANSIENT, lower = u16(p + 12), upper = u16(p + 14);
	if (flags != (leaf ? P_LEAF : P_BRANCH))
		return damage(k, "database \"%s\": page %llu is not the %s page the tree needs "
			      "(flags 0x%x)", tname(t), (unsigned long long)pgno,
			      leaf ? "leaf" : "branch", u16(p + 10));
	if (lower < PAGEHDRSZ + 2 || lower > upper || upper > psize || (lower - PAGEHDRSZ) % 2)
		return damage(k, "database \"%s\": page %llu has impossible bounds (%u, %u)",
			      tname(t), (unsigned long long)pgno, lower, upper);
	*n = (lower - PAGEHDRSZ) / 2u;
	const unsigned char *end = p + psize, *prev = NULL;
	size_t prev_len = 0;
	for (unsigned i = 0; i < *n; i++) {
		unsigned off = u16(p + PAGEHDRSZ + 2 * i);
		if (off < upper || off % 2 || off + NODESIZE > psize)
			return damage(k, "database \"%s\": page %llu: node %u is outside the page",
				      tname(t), (unsigned long long)pgno, i);
		const unsigned char *node = p + off;
		uint16_t ksize = u16(node + 6);
		if (ksize > (size_t)(end - node - NODESIZE))
			return damage(k, "database \"%s\": page %llu: a key runs past the page",
				      tname(t), (unsigned long long)pgno);
		/* The free database's keys are integers, in native order. */
		if ((t->want.flags & MDB_INTEGERKEY) || (!leaf && i == 0))
			continue;
		if (prev != NULL && key_cmp(prev, prev_len, node + NODESIZE, ksize) >= 0)
			return damage(k, "database \"%s\": page %llu: keys out of order", tname(t),
				      (unsigned long long)pgno);
		prev = node + NODESIZE;
		prev_len = ksize;
	}
	return FLO_OK;
}

static const unsigned char *node_at(const struct walk *k, const unsigned char *p, unsigned i)
{
	(void)k;
	return p + u16(p + PAGEHDRSZ + 2 * i);
}

/* A branch node's child page. */
static uint64_t child_of(const unsigned char *node)
{
	return (uint64_t)u16(node) | (uint64_t)u16(node + 2) << 16 | (uint64_t)u16(node + 4) << 32;
}

/* A record of LMDB's free-page list (key: a transaction, value: the pages
 * it freed, an MDB_IDL: their number, then the page numbers).  A writer
 * takes its new pages from here and writes over them, so a number that is
 * a page of the tree (or a meta page, or past the end) would overwrite live
 * data: each must be a page no tree reaches, listed once.  The trees are
 * walked first, so `seen` holds their pages. */
static int free_list(struct walk *k, const struct tree *t, uint64_t pgno,
		     const unsigned char *val, size_t vlen)
{
	uint64_t n = vlen >= 8 ? u64(val) : 0;
	if (vlen < 8 || vlen % 8 || n != vlen / 8 - 1)
		return damage(k, "database \"%s\": page %llu: a list of free pages of impossible "
			      "size", tname(t), (unsigned long long)pgno);
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t fp = u64(val + 8 * i);
		if (fp < 2 || fp > k->last_pg)
			return damage(k, "database \"%s\": page %llu: free page %llu is outside the "
				      "store", tname(t), (unsigned long long)pgno,
				      (unsigned long long)fp);
		if (k->seen[fp / 8] & (1u << (fp % 8)))
			return damage(k, "database \"%s\": page %llu: free page %llu is in use, or "
				      "listed twice", tname(t), (unsigned long long)pgno,
				      (unsigned long long)fp);
		k->seen[fp / 8] |= (unsigned char)(1u << (fp % 8));
	}
	return FLO_OK;
}

static int walk_page(struct walk *k, struct tree *t, uint64_t pgno, const unsigned char *p,
		     unsigned level)
{
	int leaf = level + 1 == t->want.depth;
	unsigned n;
	int rc = check_page(k, t, pgno, p, leaf, &n);
	if (rc != FLO_OK)
		return rc;
	const unsigned char *end = p + k->w->psize;
	if (!leaf) {
		t->branch++;
		for (unsigned i = 0; i < n; i++) {
			rc = walk_tree(k, t, child_of(node_at(k, p, i)), level + 1);
			if (rc != FLO_OK && salvaging(k, t, rc))
				skip_damage(k, t);
			else if (rc != FLO_OK)
				return rc;
		}
		return FLO_OK;
	}
	/* A leaf whole before any of it goes to fn, so that a salvaging walk
	 * hands over every record of a sound page and none of a damaged one. */
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *node = node_at(k, p, i), *val;
		size_t vlen;
		if ((rc = leaf_value(k, t, pgno, node, end, &val, &vlen, 1)) != FLO_OK)
			return rc;
		uint16_t nflags = u16(node + 4);
		if (!t->is_main && (nflags & F_SUBDATA))
			return damage(k, "database \"%s\": page %llu: a nested database, which flo "
				      "never writes", tname(t), (unsigned long long)pgno);
	}
	if (n > 0 && !(t->want.flags & MDB_INTEGERKEY)) {
		const unsigned char *first = node_at(k, p, 0);
		if (t->have_prev &&
		    key_cmp(t->prev, t->prev_len, first + NODESIZE, u16(first + 6)) >= 0)
			return damage(k, "database \"%s\": page %llu: keys out of order", tname(t),
				      (unsigned long long)pgno);
		const unsigned char *last = node_at(k, p, n - 1);
		t->prev = last + NODESIZE;
		t->prev_len = u16(last + 6);
		t->have_prev = 1;
	}
	t->leaf++;
	t->entries += n;
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *node = node_at(k, p, i), *key = node + NODESIZE, *val;
		uint16_t ksize = u16(node + 6), nflags = u16(node + 4);
		size_t vlen;
		leaf_value(k, t, pgno, node, end, &val, &vlen, 0);
		if (t->is_main) {
			/* A plain record: another program's environment, which
			 * opening refuses in words of its own. */
			if ((nflags & F_SUBDATA) && (rc = walk_named(k, key, ksize, val, vlen)) != FLO_OK)
				return rc;
		} else if (t->want.flags & MDB_INTEGERKEY) {
			if ((rc = free_list(k, t, pgno, val, vlen)) != FLO_OK)
				return rc;
		} else if (k->w->fn != NULL && t->name[0] != '\0' && !(t->want.flags & MDB_INTEGERKEY)) {
			if ((rc = k->w->fn(k->w->ctx, t->name, key, ksize, val, vlen)) != 0) {
				k->stopped = 1;
				return rc;
			}
		}
	}
	return FLO_OK;
}

static int walk_tree(struct walk *k, struct tree *t, uint64_t pgno, unsigned level)
{
	if (level == 0) {
		if (pgno == P_INVALID) {
			if (t->want.depth || t->want.entries || t->want.branch || t->want.leaf ||
			    t->want.overflow)
				return damage(k, "database \"%s\": empty, but its record counts "
					      "pages or entries", tname(t));
			return FLO_OK;
		}
		if (t->want.depth == 0 || t->want.depth > CURSOR_STACK)
			return damage(k, "database \"%s\": impossible depth %u", tname(t),
				      t->want.depth);
	}
	if (level >= t->want.depth)
		return damage(k, "database \"%s\": page %llu is deeper than the tree (%u)",
			      tname(t), (unsigned long long)pgno, t->want.depth);
	int rc;
	const unsigned char *p = page(k, t, pgno, &rc);
	if (p == NULL)
		return rc;
	if ((rc = walk_page(k, t, pgno, p, level)) != FLO_OK)
		return rc;
	if (level == 0 && t->lost == 0 && (t->branch != t->want.branch || t->leaf != t->want.leaf ||
			   t->overflow != t->want.overflow || t->entries != t->want.entries))
		return damage(k, "database \"%s\": the tree holds %llu entries on %llu pages, its "
			      "record says %llu on %llu", tname(t),
			      (unsigned long long)t->entries,
			      (unsigned long long)(t->branch + t->leaf + t->overflow),
			      (unsigned long long)t->want.entries,
			      (unsigned long long)(t->want.branch + t->want.leaf +
						   t->want.overflow));
	return FLO_OK;
}

/* A meta page's checks: 1 when it is one. */
static int meta_ok(const unsigned char *p, size_t psize)
{
	return (u16(p + 10) & P_META) && u32(p + PAGEHDRSZ) == MDB_MAGIC &&
	       u32(p + PAGEHDRSZ + 4) == MDB_DATA_VERSION &&
	       u32(p + PAGEHDRSZ + META_DBS) == psize;
}

/* The snapshot's meta page, copied into m, and k set up for a walk (its
 * `seen` map allocated: the caller frees it). */
static int open_snapshot(struct walk *k, unsigned char *m)
{
	struct flo_pagewalk *w = k->w;
	w->pages = 0;
	w->stale = 0;
	w->lost_pages = 0;
	w->msg[0] = '\0';
	w->first_damage[0] = '\0';
	if (w->psize < MIN_PAGESIZE || w->psize > MAX_PAGESIZE || (w->psize & (w->psize - 1)))
		return damage(k, "page size %zu", w->psize);
	k->npages = w->file_bytes / w->psize;
	if (k->npages < 2)
		return damage(k, "no room for the meta pages");
	/* The snapshot's meta page: the other one may be the writer's next.
	 * A reader of transaction T reads meta page T & 1 (mdb_txn_renew0),
	 * whatever the other says: so must the walk. */
	const unsigned char *meta = NULL;
	if (w->meta != NULL && meta_ok(w->meta, w->psize) &&
	    u64(w->meta + PAGEHDRSZ + META_TXNID) == w->txnid)
		meta = w->meta;
	const unsigned char *mp = w->map + (size_t)(w->txnid & 1) * w->psize;
	if (meta == NULL && meta_ok(mp, w->psize) && u64(mp + PAGEHDRSZ + META_TXNID) == w->txnid)
		meta = mp;
	if (meta == NULL) {
		w->stale = 1;
		return damage(k, "no meta page of transaction %llu", (unsigned long long)w->txnid);
	}
	/* Copied: the writer may rewrite this meta page two commits on. */
	memcpy(m, meta, PAGEHDRSZ + META_SIZE);
	if (u64(m + PAGEHDRSZ + META_TXNID) != w->txnid) {
		w->stale = 1;
		return damage(k, "the meta page moved on");
	}
	k->last_pg = u64(m + PAGEHDRSZ + META_LAST_PG);
	if (k->last_pg >= k->npages)
		return damage(k, "the meta page names page %llu, the file holds %llu",
			      (unsigned long long)k->last_pg, (unsigned long long)k->npages);
	k->seen = calloc(k->last_pg / 8 + 1, 1);
	if (k->seen == NULL)
		return FLO_ENOMEM;
	return FLO_OK;
}

int flo_pagewalk_run(struct flo_pagewalk *w)
{
	struct walk k = {.w = w};
	unsigned char m[PAGEHDRSZ + META_SIZE];
	int rc = open_snapshot(&k, m);
	if (rc != FLO_OK)
		return rc;
	struct tree free_db = {.name = "(free pages)"}, main_db = {.name = "(main)", .is_main = 1};
	read_db(m + PAGEHDRSZ + META_DBS, &free_db.want);
	read_db(m + PAGEHDRSZ + META_DBS + DB_SIZE, &main_db.want);
	if (free_db.want.flags != MDB_INTEGERKEY || main_db.want.flags != 0)
		rc = damage(&k, "the meta page's database flags are not LMDB's");
	else if ((rc = walk_tree(&k, &main_db, main_db.want.root, 0)) == FLO_OK)
		rc = walk_tree(&k, &free_db, free_db.want.root, 0);
	free(k.seen);
	return rc;
}

/* Down tree t from its root to the leaf where LMDB looks for key (each page
 * checked as a full walk checks it): on success *leaf is that leaf and *n
 * its nodes. */
static int descend(struct walk *k, struct tree *t, const unsigned char *key, size_t klen,
		   const unsigned char **leaf, uint64_t *leaf_pg, unsigned *n)
{
	if (t->want.root == P_INVALID) {
		*leaf = NULL;
		return FLO_OK;
	}
	if (t->want.depth == 0 || t->want.depth > CURSOR_STACK)
		return damage(k, "database \"%s\": impossible depth %u", tname(t), t->want.depth);
	uint64_t pgno = t->want.root;
	for (unsigned level = 0;; level++) {
		int rc, is_leaf = level + 1 == t->want.depth;
		const unsigned char *p = page(k, t, pgno, &rc);
		if (p == NULL)
			return rc;
		if ((rc = check_page(k, t, pgno, p, is_leaf, n)) != FLO_OK)
			return rc;
		if (is_leaf) {
			*leaf = p;
			*leaf_pg = pgno;
			return FLO_OK;
		}
		/* LMDB's choice (mdb_page_search_root): the last node whose key
		 * is at most key, the first node's counting as the least. */
		unsigned pick = 0;
		for (unsigned i = 1; i < *n; i++) {
			const unsigned char *node = node_at(k, p, i);
			if (key_cmp(node + NODESIZE, u16(node + 6), key, klen) > 0)
				break;
			pick = i;
		}
		pgno = child_of(node_at(k, p, pick));
	}
}

/* The record of key on leaf p (NULL: none), its value checked. */
static int find_on_leaf(struct walk *k, struct tree *t, const unsigned char *p, uint64_t pgno,
			unsigned n, const unsigned char *key, size_t klen,
			const unsigned char **val, size_t *vlen, int *found)
{
	*found = 0;
	for (unsigned i = 0; p != NULL && i < n; i++) {
		const unsigned char *node = node_at(k, p, i);
		if (key_cmp(node + NODESIZE, u16(node + 6), key, klen) != 0)
			continue;
		*found = 1;
		return leaf_value(k, t, pgno, node, p + k->w->psize, val, vlen, 1);
	}
	return FLO_OK;
}

int flo_pagewalk_path(struct flo_pagewalk *w, const char *db, const void *key, size_t klen)
{
	struct walk k = {.w = w};
	unsigned char m[PAGEHDRSZ + META_SIZE];
	int rc = open_snapshot(&k, m);
	if (rc != FLO_OK)
		return rc;
	struct tree main_db = {.name = "(main)", .is_main = 1}, sub = {.name = db};
	read_db(m + PAGEHDRSZ + META_DBS + DB_SIZE, &main_db.want);
	const unsigned char *leaf, *val;
	uint64_t pg = 0;
	unsigned n = 0;
	size_t vlen;
	int found;
	if (main_db.want.flags != 0)
		rc = damage(&k, "the meta page's database flags are not LMDB's");
	else if ((rc = descend(&k, &main_db, (const unsigned char *)db, strlen(db), &leaf, &pg,
			       &n)) == FLO_OK &&
		 (rc = find_on_leaf(&k, &main_db, leaf, pg, n, (const unsigned char *)db,
				    strlen(db), &val, &vlen, &found)) == FLO_OK && found) {
		if (vlen != DB_SIZE)
			rc = damage(&k, "the main database holds a record that is no database");
		else
			read_db(val, &sub.want);
		if (rc == FLO_OK && sub.want.flags != 0)
			rc = damage(&k, "database \"%s\": flags 0x%x, which flo never sets", db,
				    sub.want.flags);
		if (rc == FLO_OK &&
		    (rc = descend(&k, &sub, key, klen, &leaf, &pg, &n)) == FLO_OK)
			rc = find_on_leaf(&k, &sub, leaf, pg, n, key, klen, &val, &vlen, &found);
	}
	free(k.seen);
	return rc;
}

int flo_pagewalk_meta(int fd, size_t psize, uint64_t txnid, unsigned char *out)
{
	_Static_assert(FLO_PAGEWALK_META == PAGEHDRSZ + META_SIZE, "a meta page's bytes");
	off_t at = (off_t)((txnid & 1) * psize); /* where LMDB looks (meta_of()) */
	if (pread(fd, out, FLO_PAGEWALK_META, at) == FLO_PAGEWALK_META && meta_ok(out, psize) &&
	    u64(out + PAGEHDRSZ + META_TXNID) == txnid)
		return FLO_OK;
	return FLO_ENOTFOUND;
}

int flo_pagewalk_header(int fd, char *msg)
{
	unsigned char m[2][PAGEHDRSZ + META_SIZE];
	off_t size = lseek(fd, 0, SEEK_END);
	msg[0] = '\0';
	/* No LMDB file, or another version: LMDB's own words say so. */
	if (size < 0 || pread(fd, m[0], sizeof m[0], 0) != (ssize_t)sizeof m[0] ||
	    u32(m[0] + PAGEHDRSZ) != MDB_MAGIC || u32(m[0] + PAGEHDRSZ + 4) != MDB_DATA_VERSION)
		return FLO_OK;
	size_t psize = u32(m[0] + PAGEHDRSZ + META_DBS);
	if (psize < MIN_PAGESIZE || psize > MAX_PAGESIZE || (psize & (psize - 1)) ||
	    !meta_ok(m[0], psize) || u64(m[0]) != 0)
		return snprintf(msg, FLO_PAGEWALK_MSG, "meta page 0 is damaged"), FLO_ESTORE;
	int ok1 = pread(fd, m[1], sizeof m[1], (off_t)psize) == (ssize_t)sizeof m[1] &&
		  meta_ok(m[1], psize) && u64(m[1]) == 1;
	const unsigned char *newest = m[0];
	if (ok1 && u64(m[1] + PAGEHDRSZ + META_TXNID) > u64(m[0] + PAGEHDRSZ + META_TXNID))
		newest = m[1];
	unsigned long long need = (unsigned long long)u64(newest + PAGEHDRSZ + META_LAST_PG);
	if (need < 1 || need > (unsigned long long)INT64_MAX / psize - 1 ||
	    (ok1 && u64(m[1] + PAGEHDRSZ + META_LAST_PG) > (unsigned long long)INT64_MAX / psize - 1))
		return snprintf(msg, FLO_PAGEWALK_MSG, "meta pages are damaged"), FLO_ESTORE;
	need = (need + 1) * psize;
	if ((unsigned long long)size < need || (unsigned long long)size < 2 * psize)
		return snprintf(msg, FLO_PAGEWALK_MSG, "truncated: %lld bytes, the store needs %llu",
				(long long)size, need < 2 * psize ? 2ull * psize : need), FLO_ESTORE;
	if (!ok1)
		return snprintf(msg, FLO_PAGEWALK_MSG, "meta page 1 is damaged"), FLO_ESTORE;
	/* LMDB writes transaction T to meta page T & 1 and reads it there
	 * (both pages start at 0): a meta page holding the other parity would
	 * send LMDB to the other page's trees with this one's bounds. */
	for (int i = 0; i < 2; i++) {
		uint64_t t = u64(m[i] + PAGEHDRSZ + META_TXNID);
		if (t != 0 && (t & 1) != (uint64_t)i)
			return snprintf(msg, FLO_PAGEWALK_MSG, "meta page %d holds transaction %llu, "
					"which belongs on meta page %d", i, (unsigned long long)t,
					(int)(t & 1)), FLO_ESTORE;
	}
	/* The older snapshot too: --previous-snapshot reads it. */
	if ((u64(m[0] + PAGEHDRSZ + META_LAST_PG) + 1) * psize > (unsigned long long)size ||
	    (u64(m[1] + PAGEHDRSZ + META_LAST_PG) + 1) * psize > (unsigned long long)size)
		return snprintf(msg, FLO_PAGEWALK_MSG, "the older meta page names pages past the "
				"end of the file"), FLO_ESTORE;
	return FLO_OK;
}
