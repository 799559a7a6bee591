/* store.h: flo's state in one LMDB environment.
 *
 * A store is a directory (created, mode 0755, on the first write open)
 * holding LMDB's data.mdb and lock.mdb plus flo's writer.lock.  Inside are
 * five named databases: `meta` (format version and creator), `models`
 * (name -> model JSON), `cuts` (name -> segment cut points, bytes the caller
 * chooses), `customers` (customer id -> state bytes the caller chooses) and
 * `orderlog` (numbered records the caller chooses, appended).
 *
 * Ownership: the store copies everything it is given.  What it hands back is
 * either a malloc'd copy the caller frees (models, cuts) or a pointer into
 * LMDB's map (customer values), valid only as long as the text beside the
 * function says, never past the end of the batch.
 *
 * Errors: every function returns 0 or a code from err.h; the words a person
 * needs (which file, what LMDB said) are in flo_store_errmsg().  A failed
 * open has no handle yet, so flo_store_open() writes its words to `err`.
 *
 * Concurrency: one writer and any number of readers, in other processes.  A
 * second writer is refused at open (see flo_store_open()); readers never
 * wait for the writer and see the last committed batch.  A handle belongs to
 * one thread at a time.  As LMDB requires, a process opens a given store at
 * most once at a time: open it once and share the handle. */
#ifndef FLO_STORE_H
#define FLO_STORE_H

#include <stddef.h>

typedef struct flo_store flo_store;

enum { FLO_STORE_READ = 0, FLO_STORE_WRITE = 1 };

/* The format this code writes; kept in `meta` under the key "format" as
 * "flo-store 3".  Format 2 ends every customer value in a CRC-32C of its
 * key and bytes and keeps the number of customer records in `meta` under
 * "customers"; format 3 adds the database `orderlog` (the orders committed
 * since the states were last written, see below).  A format-2 store is
 * read as one with an empty log, and made format 3 by the first writer that
 * opens it; a format-1 store is refused. */
#define FLO_STORE_FORMAT 3

/* The map a new store starts with.  It grows by doubling when full, so this
 * is no limit, only the first step. */
#define FLO_STORE_MAPSIZE ((size_t)64 << 20)

/* A size for the `err` buffer of flo_store_open() that holds any message. */
#define FLO_STORE_ERRMAX 640

struct flo_store_options {
	/* Map size of a new store, or the least map size of an old one
	 * (0: FLO_STORE_MAPSIZE).  Small values exist for tests of growth. */
	size_t mapsize;
	/* Nonzero: commits do not wait for the disk (MDB_NOSYNC).  A killed
	 * process still loses nothing it committed; an OS crash or power loss
	 * may lose the last batches, never the consistency of the store.
	 * flo_store_close() flushes everything to disk. */
	int nosync;
	/* Nonzero: walk every page at open (pagewalk.h), not only those of the
	 * small databases, so that a damaged customer tree is refused
	 * (FLO_ESTORE) before LMDB reads it.  Readers of the whole store
	 * (flo-rfm --dump, --check) ask for it. */
	int verify;
	/* Nonzero: flo_store_customer_scan() skips a damaged page of the
	 * customers' tree with every page below it, handing over every
	 * customer of every sound leaf, and then fails with FLO_ESTORE saying
	 * how many pages it skipped and how many records it read
	 * (flo-rfm --dump --skip-bad).  Not with verify, which refuses such a
	 * store at open. */
	int salvage;
};

/* Open the store in directory `path`, for reading (FLO_STORE_READ) or for
 * writing (FLO_STORE_WRITE).  `opt` may be NULL for the defaults.
 *
 * WRITE creates the directory and a fresh store when missing, and takes an
 * exclusive flock(2) on `path`/writer.lock for the handle's life: a second
 * writer fails at once with FLO_ESTORE ("in use by another writer (pid N)")
 * rather than blocking in the middle of its input.  The lock dies with the
 * process, so a killed writer leaves no stale lock.
 *
 * READ never creates anything and fails with FLO_ENOTFOUND when there is no
 * store at `path`.  LMDB records its readers in lock.mdb, so a reader needs
 * write access to that one file; on read-only media (EROFS) LMDB reads
 * without it, which is safe because nothing can write there.  A directory
 * merely without write permission is refused with a message rather than
 * read without locks (MDB_NOLOCK), which could return torn data while a
 * writer with permission works: make lock.mdb writable for readers instead.
 *
 * Foreign or newer stores (another format in `meta`, an LMDB file holding
 * other data, a file that is not LMDB at all) give FLO_EVERSION; a truncated
 * data.mdb, or one whose meta pages or pages of the databases LMDB reads
 * at open (every database but the customers', every one with opt->verify)
 * are damaged, gives FLO_ESTORE, found before LMDB reads the page.
 *
 * On success *s is the handle; on failure *s is NULL and `err` (errlen bytes,
 * FLO_STORE_ERRMAX is enough; may be NULL) says why. */
int flo_store_open(flo_store **s, const char *path, int mode,
		   const struct flo_store_options *opt, char *err, size_t errlen);

/* Abort any open batch (a batch is committed only by flo_store_batch_commit()),
 * release the writer lock and free the handle.  NULL is fine. */
void flo_store_close(flo_store *s);

/* Whether the store was opened for writing. */
int flo_store_writable(const flo_store *s);

/* The last failure in words, e.g. "flo.lmdb/data.mdb: truncated: ...";
 * "" when nothing failed.  Valid until the next call on the handle. */
const char *flo_store_errmsg(const flo_store *s);

/* ---- models and cut points ----
 *
 * Names are 1 to 511 bytes (LMDB's key limit; FLO_EUSAGE otherwise).  A put
 * outside a batch is committed at once; inside a batch it joins the batch.
 * A get returns a malloc'd copy with a NUL after its `*len` bytes, so JSON
 * text can be used as a C string; the caller frees it.  FLO_ENOTFOUND when
 * the name is not stored (*data is then NULL). */
int flo_store_put_model(flo_store *s, const char *name, const char *json, size_t len);
int flo_store_get_model(flo_store *s, const char *name, char **json, size_t *len);
int flo_store_put_cuts(flo_store *s, const char *name, const void *data, size_t len);
int flo_store_get_cuts(flo_store *s, const char *name, void **data, size_t *len);

/* ---- customers, in batches ----
 *
 * A batch is one LMDB transaction.  In a WRITE store it is the write
 * transaction: gets see the batch's own puts, and nothing of it is visible to
 * readers, or survives a crash, until flo_store_batch_commit() returns 0.
 * In a READ store it is a read snapshot: every get sees the same committed
 * state, whatever the writer commits meanwhile; keep it short, since the
 * writer cannot reuse pages a snapshot still sees.
 *
 * The map grows by itself.  When LMDB reports the map full (on a put or at
 * commit), the store aborts the transaction, doubles the map and replays the
 * batch's puts, which it keeps in memory until the batch ends; the caller
 * sees nothing of it but the cost, and never needs to redo anything.  So a
 * batch's memory is the size of its puts: batch by a few thousand records,
 * not by the whole input.
 *
 * Damaged pages: LMDB aborts the process on some pages that are not what
 * the tree says, so no customer function lets it read an unchecked one.  A
 * WRITE store walks the customers' whole tree (pagewalk.h) before its first
 * customer lookup, put, delete or walk, and before its first put of any
 * kind (a put takes pages from the free list, which the walk checks against
 * the tree), once per handle: it holds the
 * writer lock, so afterwards only its own writes change the tree.  A READ
 * store walks the path of each lookup.  A damaged page is FLO_ESTORE naming
 * it in flo_store_errmsg(), before LMDB reads it.
 *
 * Any other failure inside a batch (disk full, I/O error) aborts the batch:
 * nothing of it is committed, the error is returned, and the next call may
 * begin a new batch.  Errors of the caller (FLO_EUSAGE: no batch, key too
 * long, put on a READ store) leave the batch as it was. */
int flo_store_batch_begin(flo_store *s);
int flo_store_batch_commit(flo_store *s);
/* End the batch without committing it; no batch open is fine. */
void flo_store_batch_abort(flo_store *s);

/* Look up a customer inside the batch: *val points into LMDB's map and stays
 * valid until the next put, commit or abort on this handle (a put may move
 * pages, a map growth remaps them).  FLO_ENOTFOUND when absent; FLO_EVALUE
 * when the value's checksum fails (damaged), said in flo_store_errmsg(). */
int flo_store_customer_get(flo_store *s, const char *id, size_t idlen,
			   const void **val, size_t *vlen);
/* Store a customer's state inside the batch (WRITE stores only).  `val` may
 * point at a value just returned by flo_store_customer_get(). */
int flo_store_customer_put(flo_store *s, const char *id, size_t idlen,
			   const void *val, size_t vlen);
/* The same without a copy of val in the batch's memory: val must stay as
 * it is until the batch is committed or aborted, and must not lie in the
 * store's map.  For a merge's states, which the engine holds until it
 * commits: a copy of each, kept for a replay after the map grows, was 200
 * MB of the live mode's peak and 15% of its page faults on 10M orders. */
int flo_store_customer_put_held(flo_store *s, const char *id, size_t idlen,
				const void *val, size_t vlen);

/* Delete a customer inside the batch (WRITE stores only); absent is fine. */
int flo_store_customer_del(flo_store *s, const char *id, size_t idlen);

/* Call fn for every customer in key order (bytewise), inside the open batch
 * if there is one, else in a read snapshot of its own.  id and val are valid
 * only during the call.  A nonzero return from fn stops the walk and is
 * returned as is, so use values that are not err.h codes if they must be
 * told apart.  A value whose checksum fails, or a damaged page, stops the
 * walk with FLO_ESTORE. */
int flo_store_customer_each(flo_store *s,
			    int (*fn)(void *ctx, const char *id, size_t idlen,
				      const void *val, size_t vlen),
			    void *ctx);

/* ---- integrity ---- */

/* Every customer in key order, as flo_store_customer_each() outside a write
 * batch, but a value whose checksum fails goes to fn too, with sound 0 (val
 * then the stored bytes, checksum included); a damaged page stops the scan
 * with FLO_ESTORE, the page named in flo_store_errmsg(), or with the
 * salvage option is skipped with every page below it, fn seeing every
 * record of every sound leaf, and the scan then ends in FLO_ESTORE saying
 * how many pages it skipped and how many records it read. */
typedef int flo_store_scan_fn(void *ctx, const char *id, size_t idlen, const void *val,
			      size_t vlen, int sound);
int flo_store_customer_scan(flo_store *s, flo_store_scan_fn *fn, void *ctx);

struct flo_store_check {
	unsigned long long pages;     /* pages walked */
	int pages_sound;              /* every page reachable and well formed */
	unsigned long long customers; /* customer records found */
	unsigned long long bad_sums;  /* of them, with a checksum that fails */
	unsigned long long logged;    /* order log records found */
	unsigned long long log_bad_sums; /* of them, with a checksum that fails */
};

typedef void flo_store_bad_fn(void *ctx, const char *id, size_t idlen);

/* Verify the whole store in a snapshot: every page reachable from the
 * snapshot's meta page (pagewalk.h), every customer's checksum (bad ones
 * named to `bad`, which may be NULL), the number of customer records
 * against the count kept in `meta`.  0 when sound; FLO_ESTORE with the
 * first damage in flo_store_errmsg() otherwise; not inside a write batch
 * (FLO_EUSAGE). */
int flo_store_check(flo_store *s, struct flo_store_check *c, flo_store_bad_fn *bad, void *ctx);

/* ---- the order log ----
 *
 * Records numbered 1, 2, ... in the order appended (the numbers go on
 * across clears), each value ending in a CRC-32C of its number and bytes
 * as a customer's does.  The bytes are the caller's (custdb.h: one order
 * each). */

/* Append a record inside the open write batch (MDB_APPEND: the log's pages
 * are written once, at its end, whatever the customers). */
int flo_store_orderlog_append(flo_store *s, const void *val, size_t vlen);

/* Record seq's bytes replaced (or made) inside the open write batch. */
int flo_store_orderlog_replace(flo_store *s, unsigned long long seq, const void *val,
			       size_t vlen);

/* Delete record seq inside the open write batch (absent is fine). */
int flo_store_orderlog_del(flo_store *s, unsigned long long seq);

/* Empty the log inside the open write batch. */
int flo_store_orderlog_clear(flo_store *s);

/* Every record in order: seq its number, sound 0 when its checksum fails
 * (val then the stored bytes).  Inside a write batch it reads the batch;
 * elsewhere a snapshot through flo's page walk (a damaged page stops it
 * with FLO_ESTORE, or with the salvage option is skipped as a customer
 * scan's).  fn's nonzero return stops it and is returned. */
typedef int flo_store_orderlog_fn(void *ctx, unsigned long long seq, const void *val,
				  size_t vlen, int sound);
int flo_store_orderlog_each(flo_store *s, flo_store_orderlog_fn *fn, void *ctx);

#endif
