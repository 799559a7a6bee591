/* pagewalk.h: LMDB's pages checked by flo's own reading, before LMDB reads
 * them.
 *
 * LMDB trusts its file: a page that is not what the tree says (zeroed by a
 * disk fault, overwritten by a bad copy) trips an assertion in mdb.c, which
 * aborts the process, or sends a cursor through garbage.  So a store that may
 * be damaged is walked here first, read-only, through LMDB's map: every page
 * reachable from the snapshot's meta page, its header (number, kind, bounds),
 * its nodes (inside the page, keys in order), its overflow pages, no page
 * reached twice, the page and entry counts each tree records, the depth.
 * What passes can be handed to LMDB's cursors without an abort; what fails
 * is said in words naming the page.
 *
 * The layout read is LMDB 0.9's data format (MDB_DATA_VERSION 1, mdb.c:
 * MDB_page, MDB_node, MDB_meta, MDB_db), stable across 0.9 releases; a file
 * of another version is refused by mdb_env_open() before this runs.
 *
 * flo_pagewalk_header() reads the file's two meta pages with pread() before
 * LMDB maps anything, so that a file whose meta pages LMDB would follow out
 * of the file (a page size or last page beyond it) is refused first. */
#ifndef FLO_PAGEWALK_H
#define FLO_PAGEWALK_H

#include <stddef.h>
#include <stdint.h>

#define FLO_PAGEWALK_MSG 512
#define FLO_PAGEWALK_META 152 /* a meta page's bytes that the walk reads */

/* A database's entries, as the walk finds them: `db` is the named
 * database's name (never the free or main database), key and val point into
 * the map.  Nonzero stops the walk and is returned as is. */
typedef int flo_pagewalk_fn(void *ctx, const char *db, const void *key, size_t klen,
			    const void *val, size_t vlen);

struct flo_pagewalk {
	/* in */
	const unsigned char *map; /* LMDB's map (mdb_env_info's me_mapaddr) */
	uint64_t file_bytes;      /* data.mdb's size now */
	size_t psize;             /* the page size (mdb_env_stat) */
	uint64_t txnid;           /* the snapshot: its meta page is walked */
	/* The snapshot's meta page as flo_pagewalk_meta() read it when the
	 * snapshot began, or NULL: found in the map.  A reader's snapshot
	 * outlives its meta page once the writer has committed twice (LMDB
	 * keeps the pages, not the meta page). */
	const unsigned char *meta;
	const char *skip;         /* a named database not walked (NULL: none) */
	const char *only;         /* the only named database walked (NULL: all) */
	flo_pagewalk_fn *fn;      /* NULL: none */
	void *ctx;
	/* Nonzero: a damaged page of a named database is skipped with every
	 * page below it, and the walk goes on to the next sound one, so that fn
	 * sees every record of every sound leaf (and nothing of a damaged one);
	 * the walk still ends in FLO_ESTORE, msg then saying what was lost. */
	int salvage;
	/* out */
	uint64_t pages;           /* pages walked (overflow pages included) */
	int stale;                /* no meta page of txnid: the writer moved on twice */
	uint64_t lost_pages;      /* damaged pages a salvaging walk skipped */
	char msg[FLO_PAGEWALK_MSG]; /* the first damage found */
	char first_damage[FLO_PAGEWALK_MSG];
};

/* Walk the snapshot w->txnid.  0 when sound; FLO_ESTORE with w->msg for
 * damage; FLO_ESTORE with w->stale for a snapshot no meta page holds any more
 * (begin a new one and walk again); FLO_ENOMEM; or fn's nonzero return. */
int flo_pagewalk_run(struct flo_pagewalk *w);

/* The pages LMDB reads to look key up in the named database db of the
 * snapshot w->txnid (the main tree's path to db's record, then db's path to
 * the key's leaf, and the value's overflow pages), checked as a walk checks
 * them: 0 when they are sound, whether the key is there or not; errors as
 * flo_pagewalk_run().  A lookup costs a walk of its path, not of the tree. */
int flo_pagewalk_path(struct flo_pagewalk *w, const char *db, const void *key, size_t klen);

/* The meta page of transaction txnid, from fd into out (FLO_PAGEWALK_META
 * bytes): 0, or FLO_ENOTFOUND when neither meta page holds it now. */
int flo_pagewalk_meta(int fd, size_t psize, uint64_t txnid, unsigned char *out);

/* The file's meta pages, read from fd before LMDB maps it: 0 when LMDB can
 * open it without reading past its end, FLO_EVERSION when it is no LMDB file,
 * FLO_ESTORE (msg, FLO_PAGEWALK_MSG bytes) when its meta pages are damaged. */
int flo_pagewalk_header(int fd, char *msg);

#endif
