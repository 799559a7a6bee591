/* store.c: the LMDB store (see store.h for the contract). */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "base/crc32c.h"
#include "base/err.h"
#include "base/quote.h"
#include "store/pagewalk.h"

#define FORMAT_NAME "flo-store"
#define STR_(x) #x
#define STR(x) STR_(x)

#ifdef FLO_VERSION
#define CREATOR "flo " FLO_VERSION
#else
#define CREATOR "flo"
#endif

/* Named databases, in the order of the handle's dbi[] array; the replay log
 * records puts by this index. */
enum { DB_META, DB_MODELS, DB_CUTS, DB_CUSTOMERS, DB_ORDERLOG, DB_COUNT };
static const char *const db_names[DB_COUNT] = {"meta", "models", "cuts", "customers",
					       "orderlog"};

/* A customer's value ends in this many bytes: the CRC-32C of its key and
 * the bytes before them, little-endian. */
#define SUM_BYTES 4

/* A put, as kept for replay: this header, then the key, then the value, or
 * for a held value (LOG_HELD) the caller's address of its bytes and their
 * checksum.  Copied in and out with memcpy, since entries are not
 * aligned. */
struct logop {
	unsigned db;
	unsigned flags;    /* mdb_put's: MDB_APPEND for the order log; LOG_HELD */
	size_t klen, vlen; /* vlen LOG_DEL: a delete; LOG_DROP: the database emptied */
};
#define LOG_DEL SIZE_MAX
#define LOG_DROP (SIZE_MAX - 1)
#define LOG_HELD (1u << 31) /* no mdb_put flag */

/* A held value: vlen - SUM_BYTES bytes the caller keeps, then the sum. */
struct held {
	const unsigned char *p;
	unsigned char sum[SUM_BYTES];
};

struct flo_store {
	MDB_env *env;
	MDB_txn *txn; /* the open batch, or NULL */
	MDB_dbi dbi[DB_COUNT];
	int writable;
	int lockfd; /* writer.lock, flock'ed for the handle's life; -1 for readers */
	size_t maxkey;
	/* The open batch's puts, replayed into a fresh transaction after the
	 * map grows (an aborted LMDB transaction keeps nothing). */
	unsigned char *log;
	size_t loglen, logcap;
	int customers_changed; /* the batch put or deleted a customer */
	/* The order log's next key, once read from its last record in this
	 * batch (an aborted batch may have taken keys it never wrote). */
	uint64_t orderlog_next;
	int orderlog_known;
	int no_orderlog; /* a format-2 store open for reading */
	/* The batch's cursor on the customers, for puts: LMDB finds a key on
	 * the cursor's own leaf without searching from the root, and a merge
	 * puts its states in key order, most on the leaf of the one before.
	 * Freed by LMDB with its transaction: NULL whenever s->txn changes. */
	MDB_cursor *cust_cur;
	unsigned char *vbuf;   /* a customer's value with its checksum */
	size_t vcap;
	int verify;            /* walk every page at open (options) */
	int salvage;           /* a customer scan skips damaged subtrees (options) */
	/* A writer's customer pages were walked: only this handle has written
	 * them since (it holds the writer lock), and LMDB writes a page whole
	 * before it reads it again, so nothing LMDB reads for it is unwalked. */
	int customers_walked;
	/* A read batch's meta page, read as it began: the page walks of the
	 * batch find its snapshot by it, however often the writer commits. */
	unsigned char snap_meta[FLO_PAGEWALK_META];
	char *path;
	char msg[FLO_STORE_ERRMAX];
};

static int fail(flo_store *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(flo_store *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* LMDB's failure as a store error naming what was being done. */
/* LMDB reports a short write as EIO (mdb.c, mdb_page_flush), which is what
 * a full disk gives: a write of many pages of which the first few fit.  An
 * EIO on a file system with no room left is said as the full disk it is. */
static int no_room_left(const flo_store *s)
{
	struct statvfs fs;
	return statvfs(s->path, &fs) == 0 &&
	       (double)fs.f_bavail * (double)fs.f_frsize < 64.0 * 1024;
}

static int fail_mdb(flo_store *s, int rc, const char *what)
{
	if (rc == ENOMEM)
		return fail(s, FLO_ENOMEM, "%s: %s: out of memory", s->path, what);
	if (rc == EIO && no_room_left(s))
		rc = ENOSPC;
	return fail(s, FLO_ESTORE, "%s: %s: %s", s->path, what, mdb_strerror(rc));
}

/* Begin a transaction, adopting a map that another process grew beyond
 * ours (MDB_MAP_RESIZED).  Each retry sees a larger map, so a few suffice
 * unless the store keeps growing faster than we can follow. */
static int txn_begin(flo_store *s, unsigned flags, MDB_txn **txn)
{
	int rc;

	for (int tries = 0;; tries++) {
		rc = mdb_txn_begin(s->env, NULL, flags, txn);
		if (rc != MDB_MAP_RESIZED || tries == 10)
			return rc;
		rc = mdb_env_set_mapsize(s->env, 0);
		if (rc)
			return rc;
	}
}

/* ---- opening ---- */

/* The writer lock.  flock(2) rather than LMDB's own write lock because
 * LMDB's is held per transaction: a second writer would block, then
 * interleave its batches with ours.  flock locks belong to the open file
 * description, so the kernel drops it when the process dies. */
static int lock_writer(flo_store *s)
{
	char file[PATH_MAX];
	char pid[32];
	int n;

	if ((size_t)snprintf(file, sizeof file, "%s/writer.lock", s->path) >= sizeof file)
		return fail(s, FLO_ESTORE, "%s: path too long", s->path);
	s->lockfd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lockfd < 0) {
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			return fail(s, FLO_ESTORE,
				    "%s: store is not writable: cannot create %s: %s",
				    s->path, file, strerror(errno));
		return fail(s, FLO_ESTORE, "%s: %s", file, strerror(errno));
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e != EWOULDBLOCK)
			return fail(s, FLO_ESTORE, "%s: cannot lock: %s", file, strerror(e));
		n = (int)pread(s->lockfd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return fail(s, FLO_ESTORE,
			    "%s: store is in use by another writer (pid %s)",
			    s->path, pid[0] ? pid : "unknown");
	}
	/* For the message above, in the next writer that tries. */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(s->lockfd, 0) != 0 || pwrite(s->lockfd, pid, (size_t)n, 0) != n)
		return fail(s, FLO_ESTORE, "%s: %s", file, strerror(errno));
	return 0;
}

/* Create the store directory if missing; refuse a path that is a file. */
static int make_dir(flo_store *s)
{
	struct stat st;

	if (mkdir(s->path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return fail(s, FLO_ESTORE, "%s: cannot create the store directory: %s",
			    s->path, strerror(errno));
	if (stat(s->path, &st) != 0)
		return fail(s, FLO_ESTORE, "%s: %s", s->path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(s, FLO_ESTORE, "%s: not a directory (a store is a directory)",
			    s->path);
	return 0;
}

/* A reader must not let LMDB create anything: an empty data.mdb would make
 * it try to write a new store through a read-only descriptor. */
static int check_readable(flo_store *s)
{
	char file[PATH_MAX];
	struct stat st;

	if (stat(s->path, &st) != 0) {
		if (errno == ENOENT)
			return fail(s, FLO_ENOTFOUND, "%s: no such store", s->path);
		return fail(s, FLO_ESTORE, "%s: %s", s->path, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return fail(s, FLO_ESTORE, "%s: not a directory (a store is a directory)",
			    s->path);
	if ((size_t)snprintf(file, sizeof file, "%s/data.mdb", s->path) >= sizeof file)
		return fail(s, FLO_ESTORE, "%s: path too long", s->path);
	if (stat(file, &st) != 0) {
		if (errno == ENOENT)
			return fail(s, FLO_ENOTFOUND, "%s: no such store (no data.mdb)",
				    s->path);
		return fail(s, FLO_ESTORE, "%s: %s", file, strerror(errno));
	}
	if (st.st_size == 0)
		return fail(s, FLO_ESTORE, "%s: empty file, not a store", file);
	return 0;
}

/* The meta pages, read before LMDB maps the file: LMDB takes their page
 * size and last page on trust, and would read past the file's end. */
static int check_header(flo_store *s)
{
	char file[PATH_MAX], msg[FLO_PAGEWALK_MSG];
	if ((size_t)snprintf(file, sizeof file, "%s/data.mdb", s->path) >= sizeof file)
		return fail(s, FLO_ESTORE, "%s: path too long", s->path);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* a new store, or LMDB's words for why not */
	int rc = flo_pagewalk_header(fd, msg);
	close(fd);
	if (rc == FLO_ESTORE)
		return fail(s, rc, "%s: %s", file, msg);
	return 0;
}

static int env_open(flo_store *s, const struct flo_store_options *opt)
{
	unsigned flags = s->writable ? 0 : MDB_RDONLY;
	int rc;

	if (s->writable && opt && opt->nosync)
		flags |= MDB_NOSYNC;
	rc = mdb_env_create(&s->env);
	if (rc)
		return fail_mdb(s, rc, "cannot create the LMDB environment");
	/* Four databases and room for a few more in later formats. */
	rc = mdb_env_set_maxdbs(s->env, 16);
	if (rc)
		return fail_mdb(s, rc, "mdb_env_set_maxdbs");
	/* No map size before opening: LMDB then maps what the file recorded,
	 * where a configured size would shrink a grown store's map. */
	if ((rc = check_header(s)) != 0)
		return rc;
	rc = mdb_env_open(s->env, s->path, flags, 0644);
	if (rc == 0)
		return 0;
	switch (rc) {
	case MDB_INVALID:
		return fail(s, FLO_EVERSION, "%s/data.mdb: not an LMDB file (%s)",
			    s->path, mdb_strerror(rc));
	case MDB_VERSION_MISMATCH:
		return fail(s, FLO_EVERSION,
			    "%s: written by an incompatible LMDB version (%s)",
			    s->path, mdb_strerror(rc));
	case EACCES:
	case EPERM:
		if (!s->writable)
			return fail(s, FLO_ESTORE,
				    "%s: cannot open the store for reading: %s "
				    "(a reader needs write access to %s/lock.mdb)",
				    s->path, strerror(rc), s->path);
		break;
	default:
		break;
	}
	return fail_mdb(s, rc, "cannot open the store");
}

/* LMDB maps the file and reads pages in place: a page past the end of a
 * truncated file is a SIGBUS, not an error.  So check, before the first
 * transaction, that the file holds every page the newest meta page names.
 * The file only grows, so a writer elsewhere cannot make this check lie. */
static int check_size(flo_store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	int fd, rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0 || (rc = mdb_env_stat(s->env, &st)) != 0 ||
	    (rc = mdb_env_get_fd(s->env, &fd)) != 0)
		return fail_mdb(s, rc, "cannot inspect the store");
	if (fstat(fd, &fst) != 0)
		return fail(s, FLO_ESTORE, "%s/data.mdb: %s", s->path, strerror(errno));
	if ((unsigned long long)fst.st_size <
	    ((unsigned long long)info.me_last_pgno + 1) * st.ms_psize)
		return fail(s, FLO_ESTORE,
			    "%s/data.mdb: truncated: %lld bytes, the store needs %llu",
			    s->path, (long long)fst.st_size,
			    ((unsigned long long)info.me_last_pgno + 1) * st.ms_psize);
	return 0;
}

/* Check the meta format "flo-store N": FLO_EVERSION unless N is ours. */
static int check_format(flo_store *s, const MDB_val *v)
{
	const char *p = v->mv_data;
	size_t n = sizeof FORMAT_NAME; /* the name and its space */
	char shown[64];
	long ver = 0;
	size_t i;

	snprintf(shown, sizeof shown, "%.*s", (int)(v->mv_size < 48 ? v->mv_size : 48), p);
	for (i = 0; shown[i]; i++)
		if ((unsigned char)shown[i] < 0x20 || (unsigned char)shown[i] > 0x7e)
			shown[i] = '?';
	if (v->mv_size <= n || memcmp(p, FORMAT_NAME " ", n) != 0 || v->mv_size - n > 9)
		return fail(s, FLO_EVERSION, "%s: not a flo store (format \"%s\")", s->path,
			    shown);
	for (i = n; i < v->mv_size; i++) {
		if (p[i] < '0' || p[i] > '9')
			return fail(s, FLO_EVERSION, "%s: not a flo store (format \"%s\")",
				    s->path, shown);
		ver = ver * 10 + (p[i] - '0');
	}
	if (ver > FLO_STORE_FORMAT)
		return fail(s, FLO_EVERSION,
			    "%s: store format %ld is newer than this flo reads (%d): "
			    "upgrade flo",
			    s->path, ver, FLO_STORE_FORMAT);
	if (ver == 2)
		return 2; /* format 3 without the order log: read as an empty log */
	if (ver < FLO_STORE_FORMAT)
		return fail(s, FLO_EVERSION,
			    "%s: store format %ld is older than this flo reads (%d): "
			    "rebuild the store",
			    s->path, ver, FLO_STORE_FORMAT);
	return 0;
}

static int put_str(MDB_txn *txn, MDB_dbi dbi, const char *k, const char *v)
{
	MDB_val key = {strlen(k), (void *)(uintptr_t)k};
	MDB_val val = {strlen(v), (void *)(uintptr_t)v};

	return mdb_put(txn, dbi, &key, &val, 0);
}

/* Open the named databases; on the first write to a new, empty
 * environment, create them and the meta record. */
static int open_schema(flo_store *s)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key = {6, (void *)(uintptr_t)"format"}, val;
	unsigned create = s->writable ? MDB_CREATE : 0;
	int rc, err;

	rc = txn_begin(s, s->writable ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return fail_mdb(s, rc, "cannot begin a transaction");
	rc = mdb_dbi_open(txn, db_names[DB_META], 0, &dbi);
	if (rc == MDB_NOTFOUND && s->writable) {
		MDB_dbi main;
		MDB_stat st;

		/* Only an empty environment becomes a flo store: one that
		 * holds anything else belongs to someone else. */
		if ((rc = mdb_dbi_open(txn, NULL, 0, &main)) != 0 ||
		    (rc = mdb_stat(txn, main, &st)) != 0)
			goto mdb_fail;
		if (st.ms_entries != 0) {
			err = fail(s, FLO_EVERSION,
				   "%s: not a flo store (an LMDB environment "
				   "holding other data)",
				   s->path);
			goto out;
		}
		if ((rc = mdb_dbi_open(txn, db_names[DB_META], MDB_CREATE, &dbi)) != 0 ||
		    (rc = put_str(txn, dbi, "format", FORMAT_NAME " " STR(FLO_STORE_FORMAT))) != 0 ||
		    (rc = put_str(txn, dbi, "creator", CREATOR)) != 0)
			goto mdb_fail;
	} else if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
		err = fail(s, FLO_EVERSION, "%s: not a flo store (no meta database)",
			   s->path);
		goto out;
	} else if (rc) {
		goto mdb_fail;
	}
	s->dbi[DB_META] = dbi;
	rc = mdb_get(txn, dbi, &key, &val);
	if (rc == MDB_NOTFOUND) {
		err = fail(s, FLO_EVERSION, "%s: not a flo store (no format in meta)",
			   s->path);
		goto out;
	}
	if (rc)
		goto mdb_fail;
	int format = check_format(s, &val);
	if (format != 0 && format != 2) {
		err = format;
		goto out;
	}
	for (int i = DB_META + 1; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], create, &s->dbi[i]);
		if (rc == MDB_NOTFOUND && i == DB_ORDERLOG && format == 2) {
			s->no_orderlog = 1; /* a format-2 store, read: no order logged */
			continue;
		}
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
			err = fail(s, FLO_EVERSION, "%s: not a flo store (no %s database)",
				   s->path, db_names[i]);
			goto out;
		}
		if (rc)
			goto mdb_fail;
	}
	/* A writer makes a format-2 store format 3: the order log created
	 * above, the format said, in this one transaction. */
	if (format == 2 && s->writable &&
	    (rc = put_str(txn, dbi, "format", FORMAT_NAME " " STR(FLO_STORE_FORMAT))) != 0)
		goto mdb_fail;
	/* Commit even a read transaction: its database handles would close
	 * with an abort. */
	rc = mdb_txn_commit(txn);
	if (rc)
		return fail_mdb(s, rc, "cannot commit");
	return 0;
mdb_fail:
	err = fail_mdb(s, rc, "cannot open the databases");
out:
	mdb_txn_abort(txn);
	return err;
}

/* Raise the map to the configured least size: a store grown larger keeps
 * its size, and a new store starts with room for real work. */
static int set_least_mapsize(flo_store *s, const struct flo_store_options *opt)
{
	size_t want = opt && opt->mapsize ? opt->mapsize : FLO_STORE_MAPSIZE;
	MDB_envinfo info;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return fail_mdb(s, rc, "cannot inspect the store");
	if (info.me_mapsize >= want)
		return 0;
	if ((rc = mdb_env_set_mapsize(s->env, want)) != 0)
		return fail_mdb(s, rc, "cannot set the map size");
	return 0;
}

/* ---- flo's own walk of the pages (pagewalk.h) ---- */

static int sum_ok(const void *key, size_t klen, const void *val, size_t vlen)
{
	if (vlen < SUM_BYTES)
		return 0;
	const unsigned char *end = (const unsigned char *)val + vlen - SUM_BYTES;
	uint32_t want = (uint32_t)end[0] | (uint32_t)end[1] << 8 | (uint32_t)end[2] << 16 |
			(uint32_t)end[3] << 24;
	return flo_crc32c(flo_crc32c(0, key, klen), val, vlen - SUM_BYTES) == want;
}

/* Walk the pages of a read snapshot of our own (or of the open batch's),
 * with w->fn for the entries, or with key only the path of a lookup of key
 * among the customers (flo_pagewalk_path()); a snapshot whose meta page the
 * writer has reused meanwhile is taken again. */
static int walk_pages(flo_store *s, struct flo_pagewalk *w, const void *key, size_t klen)
{
	MDB_stat st;
	struct stat fst;
	int fd, rc;

	for (int tries = 0;; tries++) {
		MDB_txn *txn = s->txn;
		if (!txn && (rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
			return fail_mdb(s, rc, "cannot begin a transaction");
		if ((rc = mdb_env_stat(s->env, &st)) != 0 ||
		    (rc = mdb_env_get_fd(s->env, &fd)) != 0) {
			if (txn != s->txn)
				mdb_txn_abort(txn);
			return fail_mdb(s, rc, "cannot inspect the store");
		}
		if (fstat(fd, &fst) != 0) {
			if (txn != s->txn)
				mdb_txn_abort(txn);
			return fail(s, FLO_ESTORE, "%s/data.mdb: %s", s->path, strerror(errno));
		}
		/* A map of our own, of the file as it is: LMDB does not say
		 * where its map is, and pages past the end are not mapped. */
		void *map = fst.st_size > 0 ? mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_SHARED,
						    fd, 0)
					    : MAP_FAILED;
		if (map == MAP_FAILED) {
			int e = errno;
			if (txn != s->txn)
				mdb_txn_abort(txn);
			return fail(s, FLO_ESTORE, "%s/data.mdb: cannot map: %s", s->path,
				    strerror(fst.st_size > 0 ? e : EINVAL));
		}
		w->map = map;
		w->file_bytes = (uint64_t)fst.st_size;
		w->psize = st.ms_psize;
		/* A write batch reads the last commit, its own pages aside:
		 * LMDB numbers the batch one past that commit. */
		w->txnid = (uint64_t)mdb_txn_id(txn) - (txn == s->txn && s->writable);
		w->meta = txn == s->txn && !s->writable ? s->snap_meta : NULL;
		rc = key != NULL ? flo_pagewalk_path(w, db_names[DB_CUSTOMERS], key, klen)
				 : flo_pagewalk_run(w);
		munmap(map, (size_t)fst.st_size);
		if (txn != s->txn)
			mdb_txn_abort(txn);
		if (rc == FLO_ESTORE && w->stale && !s->txn && tries < 10)
			continue;
		if (rc == FLO_ESTORE)
			return fail(s, rc, "%s/data.mdb: damaged: %s", s->path, w->msg);
		if (rc == FLO_ENOMEM)
			return fail(s, rc, "%s: out of memory", s->path);
		return rc;
	}
}

struct checking {
	struct flo_store_check *c;
	flo_store_bad_fn *bad;
	void *ctx;
	int has_count;
	unsigned long long count;
};

static int check_entry(void *ctx, const char *db, const void *key, size_t klen,
		       const void *val, size_t vlen)
{
	struct checking *k = ctx;
	if (strcmp(db, "meta") == 0 && klen == 9 && memcmp(key, "customers", 9) == 0) {
		char text[24];
		char *end;
		if (vlen == 0 || vlen >= sizeof text)
			return 0;
		memcpy(text, val, vlen);
		text[vlen] = '\0';
		k->count = strtoull(text, &end, 10);
		k->has_count = *end == '\0';
		return 0;
	}
	if (strcmp(db, "orderlog") == 0) {
		k->c->logged++;
		if (klen != 8 || !sum_ok(key, klen, val, vlen))
			k->c->log_bad_sums++;
		return 0;
	}
	if (strcmp(db, "customers") != 0)
		return 0;
	k->c->customers++;
	if (!sum_ok(key, klen, val, vlen)) {
		k->c->bad_sums++;
		if (k->bad)
			k->bad(k->ctx, key, klen);
	}
	return 0;
}

/* At open, the pages LMDB reads first: every database but the customers'
 * (which may be large), or with the verify option every page. */
static int walk_at_open(flo_store *s)
{
	if (s->verify) {
		struct flo_store_check c;
		int rc = flo_store_check(s, &c, NULL, NULL);
		s->customers_walked = c.pages_sound;
		/* Damaged states are the check's and the dump's to name. */
		return rc == FLO_ESTORE && c.pages_sound ? 0 : rc;
	}
	struct flo_pagewalk w = {.skip = "customers"};
	return walk_pages(s, &w, NULL, 0);
}

int flo_store_check(flo_store *s, struct flo_store_check *c, flo_store_bad_fn *bad, void *ctx)
{
	struct checking k = {c, bad, ctx, 0, 0};
	struct flo_pagewalk w = {.fn = check_entry, .ctx = &k};

	memset(c, 0, sizeof *c);
	if (!s || (s->txn && s->writable))
		return FLO_EUSAGE;
	int rc = walk_pages(s, &w, NULL, 0);
	c->pages = w.pages;
	if (rc != 0)
		return rc;
	c->pages_sound = 1;
	if (c->bad_sums > 0)
		return fail(s, FLO_ESTORE, "%s: %llu customer%s with a checksum that fails",
			    s->path, c->bad_sums, c->bad_sums == 1 ? "" : "s");
	if (c->log_bad_sums > 0)
		return fail(s, FLO_ESTORE, "%s: %llu order log record%s with a checksum that "
			    "fails", s->path, c->log_bad_sums, c->log_bad_sums == 1 ? "" : "s");
	if ((k.has_count ? k.count : 0) != c->customers)
		return fail(s, FLO_ESTORE, "%s: the store counts %llu customer records, %llu are "
			    "there: records were lost", s->path, k.has_count ? k.count : 0,
			    c->customers);
	return 0;
}

int flo_store_open(flo_store **sp, const char *path, int mode,
		   const struct flo_store_options *opt, char *err, size_t errlen)
{
	flo_store *s;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!sp || !path || !*path || (mode != FLO_STORE_READ && mode != FLO_STORE_WRITE)) {
		if (err && errlen)
			snprintf(err, errlen, "flo_store_open: invalid arguments");
		if (sp)
			*sp = NULL;
		return FLO_EUSAGE;
	}
	*sp = NULL;
	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		free(s);
		return FLO_ENOMEM;
	}
	s->lockfd = -1;
	s->writable = mode == FLO_STORE_WRITE;
	if (s->writable)
		rc = make_dir(s);
	else
		rc = check_readable(s);
	if (!rc && s->writable)
		rc = lock_writer(s);
	if (!rc)
		rc = env_open(s, opt);
	if (!rc)
		rc = check_size(s);
	s->verify = opt && opt->verify;
	s->salvage = opt && opt->salvage;
	if (!rc)
		rc = walk_at_open(s);
	if (!rc && s->writable)
		rc = set_least_mapsize(s, opt);
	if (!rc)
		rc = open_schema(s);
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s", s->msg);
		flo_store_close(s);
		return rc;
	}
	s->maxkey = (size_t)mdb_env_get_maxkeysize(s->env);
	*sp = s;
	return 0;
}

void flo_store_close(flo_store *s)
{
	if (!s)
		return;
	if (s->txn)
		mdb_txn_abort(s->txn);
	if (s->env) {
		/* A no-op unless MDB_NOSYNC: then this is the promised flush. */
		if (s->writable)
			mdb_env_sync(s->env, 1);
		mdb_env_close(s->env);
	}
	/* Only now may the next writer begin. */
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s->log);
	free(s->vbuf);
	free(s->path);
	free(s);
}

int flo_store_writable(const flo_store *s)
{
	return s && s->writable;
}

const char *flo_store_errmsg(const flo_store *s)
{
	return s ? s->msg : "no store";
}

/* ---- batches ---- */

static void end_batch(flo_store *s)
{
	if (s->txn)
		mdb_txn_abort(s->txn);
	s->txn = NULL;
	s->cust_cur = NULL;
	s->loglen = 0;
	s->customers_changed = 0;
	s->orderlog_known = 0;
}

int flo_store_batch_begin(flo_store *s)
{
	int rc;

	if (!s)
		return FLO_EUSAGE;
	if (s->txn)
		return fail(s, FLO_EUSAGE, "%s: a batch is already open", s->path);
	s->loglen = 0;
	s->customers_changed = 0;
	for (int tries = 0;; tries++) {
		rc = txn_begin(s, s->writable ? 0 : MDB_RDONLY, &s->txn);
		if (rc) {
			s->txn = NULL;
			return fail_mdb(s, rc, "cannot begin a batch");
		}
		if (s->writable)
			return 0;
		/* The snapshot's meta page, kept (see snap_meta); gone already
		 * only if the writer committed twice since the begin. */
		MDB_stat st;
		int fd;
		if ((rc = mdb_env_stat(s->env, &st)) != 0 || (rc = mdb_env_get_fd(s->env, &fd)) != 0) {
			end_batch(s);
			return fail_mdb(s, rc, "cannot inspect the store");
		}
		if (flo_pagewalk_meta(fd, st.ms_psize, (uint64_t)mdb_txn_id(s->txn), s->snap_meta) ==
		    FLO_OK)
			return 0;
		end_batch(s);
		if (tries == 10)
			return fail(s, FLO_ESTORE, "%s: the writer commits faster than a snapshot "
				    "can begin", s->path);
	}
}

void flo_store_batch_abort(flo_store *s)
{
	if (s)
		end_batch(s);
}

/* Double the map.  LMDB allows this only with no transaction open in this
 * process, which is why the batch was aborted first. */
static int grow(flo_store *s)
{
	MDB_envinfo info;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return fail_mdb(s, rc, "cannot inspect the store");
	if (info.me_mapsize > SIZE_MAX / 2)
		return fail(s, FLO_ESTORE, "%s: the map cannot grow past %zu bytes", s->path,
			    info.me_mapsize);
	rc = mdb_env_set_mapsize(s->env, info.me_mapsize * 2);
	if (rc)
		return fail(s, rc == ENOMEM ? FLO_ENOMEM : FLO_ESTORE,
			    "%s: cannot grow the map to %zu MiB: %s", s->path,
			    info.me_mapsize * 2 >> 20, mdb_strerror(rc));
	return 0;
}

/* A held value put: room for its vlen bytes reserved in the page
 * (MDB_RESERVE), then its bytes and sum written there, through cur when
 * not NULL.  Returns an LMDB code. */
static int put_held(MDB_txn *txn, MDB_dbi dbi, MDB_cursor *cur, MDB_val *key, size_t vlen,
		    const struct held *h)
{
	MDB_val val = {vlen, NULL};
	int rc = cur != NULL ? mdb_cursor_put(cur, key, &val, MDB_RESERVE)
			     : mdb_put(txn, dbi, key, &val, MDB_RESERVE);
	if (rc == 0) {
		memcpy(val.mv_data, h->p, vlen - SUM_BYTES);
		memcpy((unsigned char *)val.mv_data + vlen - SUM_BYTES, h->sum, SUM_BYTES);
	}
	return rc;
}

/* Put every logged op into the (fresh) transaction.  Returns an LMDB code. */
static int replay(flo_store *s)
{
	size_t off = 0;
	int rc;

	while (off < s->loglen) {
		struct logop op;
		MDB_val key, val;

		memcpy(&op, s->log + off, sizeof op);
		key.mv_data = s->log + off + sizeof op;
		key.mv_size = op.klen;
		val.mv_data = s->log + off + sizeof op + op.klen;
		if (op.flags & LOG_HELD) {
			struct held h;
			memcpy(&h, val.mv_data, sizeof h);
			if ((rc = put_held(s->txn, s->dbi[op.db], NULL, &key, op.vlen, &h)) != 0)
				return rc;
			off += sizeof op + op.klen + sizeof h;
			continue;
		}
		if (op.vlen == LOG_DROP) {
			if ((rc = mdb_drop(s->txn, s->dbi[op.db], 0)) != 0)
				return rc;
			off += sizeof op + op.klen;
			continue;
		}
		if (op.vlen == LOG_DEL) {
			rc = mdb_del(s->txn, s->dbi[op.db], &key, NULL);
			if (rc && rc != MDB_NOTFOUND)
				return rc;
			off += sizeof op + op.klen;
			continue;
		}
		val.mv_size = op.vlen;
		rc = mdb_put(s->txn, s->dbi[op.db], &key, &val, op.flags);
		if (rc)
			return rc;
		off += sizeof op + op.klen + op.vlen;
	}
	return 0;
}

/* The map is full and the transaction dead (or, after a failed commit,
 * gone): grow until the whole batch fits in a new transaction.  Returns a
 * flo code; on failure the batch is over. */
static int regrow(flo_store *s)
{
	int rc;

	for (;;) {
		if (s->txn)
			mdb_txn_abort(s->txn);
		s->txn = NULL;
		s->cust_cur = NULL;
		if ((rc = grow(s)) != 0)
			break;
		rc = txn_begin(s, 0, &s->txn);
		if (rc) {
			s->txn = NULL;
			rc = fail_mdb(s, rc, "cannot begin a batch");
			break;
		}
		rc = replay(s);
		if (rc == 0)
			return 0;
		if (rc != MDB_MAP_FULL) {
			rc = fail_mdb(s, rc, "cannot write");
			break;
		}
	}
	end_batch(s);
	return rc;
}

static int put(flo_store *s, unsigned db, unsigned flags, const char *what, const void *k,
	       size_t klen, const void *v, size_t vlen);
static int customer_pages_sound(flo_store *s, const void *key, size_t klen);

/* The number of customer records, into `meta` with the batch that changed
 * it: --check compares it with the records it finds, so that a lost page of
 * the tree shows even where the tree's own counts were lost with it. */
static int put_count(flo_store *s)
{
	MDB_stat st;
	char text[24];
	int rc = mdb_stat(s->txn, s->dbi[DB_CUSTOMERS], &st);
	if (rc) {
		end_batch(s);
		return fail_mdb(s, rc, "cannot count the customers");
	}
	s->customers_changed = 0;
	int n = snprintf(text, sizeof text, "%llu", (unsigned long long)st.ms_entries);
	return put(s, DB_META, 0, "meta key", "customers", 9, text, (size_t)n);
}

int flo_store_batch_commit(flo_store *s)
{
	int rc;

	if (!s)
		return FLO_EUSAGE;
	if (!s->txn)
		return fail(s, FLO_EUSAGE, "%s: commit without a batch", s->path);
	if (!s->writable) {
		end_batch(s);
		return 0;
	}
	if (s->customers_changed && (rc = put_count(s)) != 0)
		return rc;
	for (;;) {
		/* The commit frees the transaction, whatever it returns. */
		rc = mdb_txn_commit(s->txn);
		s->txn = NULL;
		s->cust_cur = NULL;
		if (rc != MDB_MAP_FULL)
			break;
		/* Committing writes the free-page list, which may need pages
		 * the map has no room for: grow and redo the batch. */
		if ((rc = regrow(s)) != 0)
			return rc;
	}
	s->loglen = 0;
	if (rc)
		return fail_mdb(s, rc, "cannot commit");
	return 0;
}

/* Append a put to the log; the put itself then reads from the copy, so the
 * caller's value may live in the map the put is about to change.  A held
 * value (h not NULL, vlen its bytes and sum) is logged as h: its bytes
 * stay the caller's. */
static int log_put(flo_store *s, unsigned db, unsigned flags, const void *k, size_t klen,
		   const void *v, size_t vlen, const struct held *h, const unsigned char **kp,
		   const unsigned char **vp)
{
	struct logop op = {db, flags | (h != NULL ? LOG_HELD : 0), klen, vlen};
	size_t need;

	/* Keys are at most 511 bytes, so this keeps the sums below exact. */
	if (vlen > SIZE_MAX / 4 && vlen != LOG_DEL && vlen != LOG_DROP)
		return fail(s, FLO_ENOMEM, "%s: value too large", s->path);
	if (h != NULL)
		v = h, vlen = sizeof *h;
	need = sizeof op + klen + (vlen == LOG_DEL || vlen == LOG_DROP ? 0 : vlen);
	if (s->logcap - s->loglen < need) {
		size_t cap = s->logcap ? s->logcap : 65536;
		unsigned char *p;

		while (cap - s->loglen < need && cap <= SIZE_MAX / 2)
			cap *= 2;
		p = cap - s->loglen < need ? NULL : realloc(s->log, cap);
		if (!p)
			return fail(s, FLO_ENOMEM, "%s: out of memory for the batch", s->path);
		s->log = p;
		s->logcap = cap;
	}
	memcpy(s->log + s->loglen, &op, sizeof op);
	memcpy(s->log + s->loglen + sizeof op, k, klen);
	if (vlen && vlen != LOG_DEL && vlen != LOG_DROP)
		memcpy(s->log + s->loglen + sizeof op + klen, v, vlen);
	*kp = s->log + s->loglen + sizeof op;
	*vp = *kp + klen;
	s->loglen += need;
	return 0;
}

static int check_key(flo_store *s, const char *what, size_t klen)
{
	if (klen == 0 || klen > s->maxkey)
		return fail(s, FLO_EUSAGE, "%s: %s of %zu bytes: must be 1 to %zu bytes", s->path,
			    what, klen, s->maxkey);
	return 0;
}

/* put(), its value held (not NULL: vlen is the held bytes and the sum). */
static int put_value(flo_store *s, unsigned db, unsigned flags, const char *what, const void *k,
		     size_t klen, const void *v, size_t vlen, const struct held *held)
{
	const unsigned char *kp = NULL, *vp = NULL;
	MDB_val key, val;
	int own, rc;

	if (!s->writable)
		return fail(s, FLO_EUSAGE, "%s: store is open for reading only", s->path);
	if ((rc = check_key(s, what, klen)) != 0)
		return rc;
	own = !s->txn;
	if (own && (rc = flo_store_batch_begin(s)) != 0)
		return rc;
	/* Before LMDB reads a customer page for the put, and since any write
	 * may take its pages from LMDB's free list (a list that names a page
	 * of the customers' tree would let a model or a cut set overwrite
	 * customers): that tree and the list are walked before the first write
	 * of any kind. */
	if ((rc = customer_pages_sound(s, NULL, 0)) != 0) {
		if (own)
			end_batch(s);
		return rc;
	}
	if ((rc = log_put(s, db, flags, k, klen, v, vlen, held, &kp, &vp)) != 0) {
		if (own)
			end_batch(s);
		return rc;
	}
	key.mv_data = (void *)(uintptr_t)kp;
	key.mv_size = klen;
	val.mv_data = (void *)(uintptr_t)vp;
	val.mv_size = vlen;
	if (db == DB_CUSTOMERS)
		s->customers_changed = 1;
	if (vlen == LOG_DROP) {
		rc = mdb_drop(s->txn, s->dbi[db], 0);
	} else if (vlen == LOG_DEL) {
		rc = mdb_del(s->txn, s->dbi[db], &key, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	} else if (db == DB_CUSTOMERS && flags == 0 &&
		   (s->cust_cur || mdb_cursor_open(s->txn, s->dbi[db], &s->cust_cur) == 0)) {
		rc = held != NULL ? put_held(s->txn, s->dbi[db], s->cust_cur, &key, vlen, held)
				  : mdb_cursor_put(s->cust_cur, &key, &val, 0);
	} else {
		rc = held != NULL ? put_held(s->txn, s->dbi[db], NULL, &key, vlen, held)
				  : mdb_put(s->txn, s->dbi[db], &key, &val, flags);
	}
	if (rc == MDB_MAP_FULL) {
		/* The log already holds this put, so the replay redoes it. */
		if ((rc = regrow(s)) != 0)
			return rc;
	} else if (rc) {
		end_batch(s);
		return fail_mdb(s, rc, "cannot write");
	}
	return own ? flo_store_batch_commit(s) : 0;
}

static int put(flo_store *s, unsigned db, unsigned flags, const char *what, const void *k,
	       size_t klen, const void *v, size_t vlen)
{
	return put_value(s, db, flags, what, k, klen, v, vlen, NULL);
}

/* Look up a key inside the open batch, or in a snapshot of our own; the
 * value is copied into malloc'd memory with a NUL after it. */
static int get_copy(flo_store *s, unsigned db, const char *what, const char *name, void **out,
		    size_t *len)
{
	MDB_txn *txn = s->txn;
	MDB_val key = {0, NULL}, val;
	char *copy;
	int rc;

	*out = NULL;
	if (len)
		*len = 0;
	key.mv_size = strlen(name);
	key.mv_data = (void *)(uintptr_t)name;
	if ((rc = check_key(s, what, key.mv_size)) != 0)
		return rc;
	if (!txn && (rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return fail_mdb(s, rc, "cannot begin a transaction");
	rc = mdb_get(txn, s->dbi[db], &key, &val);
	if (rc == 0) {
		copy = malloc(val.mv_size + 1);
		if (copy) {
			memcpy(copy, val.mv_data, val.mv_size);
			copy[val.mv_size] = '\0';
			*out = copy;
			if (len)
				*len = val.mv_size;
		}
	}
	if (txn != s->txn)
		mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return fail(s, FLO_ENOTFOUND, "%s: no %s \"%s\" in the store", s->path, what, name);
	if (rc)
		return fail_mdb(s, rc, "cannot read");
	if (!*out)
		return fail(s, FLO_ENOMEM, "%s: out of memory", s->path);
	return 0;
}

int flo_store_put_model(flo_store *s, const char *name, const char *json, size_t len)
{
	if (!s || !name || (!json && len))
		return FLO_EUSAGE;
	return put(s, DB_MODELS, 0, "model name", name, strlen(name), json, len);
}

int flo_store_get_model(flo_store *s, const char *name, char **json, size_t *len)
{
	void *p;
	int rc;

	if (!s || !name || !json)
		return FLO_EUSAGE;
	rc = get_copy(s, DB_MODELS, "model", name, &p, len);
	*json = p;
	return rc;
}

int flo_store_put_cuts(flo_store *s, const char *name, const void *data, size_t len)
{
	if (!s || !name || (!data && len))
		return FLO_EUSAGE;
	return put(s, DB_CUTS, 0, "cut set name", name, strlen(name), data, len);
}

int flo_store_get_cuts(flo_store *s, const char *name, void **data, size_t *len)
{
	if (!s || !name || !data)
		return FLO_EUSAGE;
	return get_copy(s, DB_CUTS, "cut set", name, data, len);
}

/* ---- customers ---- */

/* Before LMDB reads a customer page: a writer walks the customers' whole
 * tree once (then only its own writes change it); a reader, whose every
 * batch is a new snapshot, walks the path of the lookup.  FLO_ESTORE naming
 * the page when damaged. */
static int customer_pages_sound(flo_store *s, const void *key, size_t klen)
{
	if (s->writable && s->customers_walked)
		return 0;
	struct flo_pagewalk w = {.only = db_names[DB_CUSTOMERS]};
	int rc = walk_pages(s, &w, s->writable ? NULL : key, klen);
	if (rc == 0 && s->writable)
		s->customers_walked = 1;
	return rc;
}

int flo_store_customer_get(flo_store *s, const char *id, size_t idlen, const void **val,
			   size_t *vlen)
{
	MDB_val key, v;
	int rc;

	if (!s || !id || !val)
		return FLO_EUSAGE;
	*val = NULL;
	if (vlen)
		*vlen = 0;
	if (!s->txn)
		return fail(s, FLO_EUSAGE, "%s: customer lookup outside a batch", s->path);
	if ((rc = check_key(s, "customer id", idlen)) != 0)
		return rc;
	if ((rc = customer_pages_sound(s, id, idlen)) != 0)
		return rc;
	key.mv_data = (void *)(uintptr_t)id;
	key.mv_size = idlen;
	rc = mdb_get(s->txn, s->dbi[DB_CUSTOMERS], &key, &v);
	if (rc == MDB_NOTFOUND)
		return FLO_ENOTFOUND;
	if (rc)
		return fail_mdb(s, rc, "cannot read a customer");
	if (!sum_ok(id, idlen, v.mv_data, v.mv_size))
		return fail(s, FLO_EVALUE, "%s: customer \"%s\": the stored state is damaged "
			    "(its checksum fails)", s->path, flo_quote(id, idlen));
	*val = v.mv_data;
	if (vlen)
		*vlen = v.mv_size - SUM_BYTES;
	return 0;
}

/* The checksum of key and val into out, little-endian. */
static void sum_of(const void *key, size_t klen, const void *val, size_t vlen,
		   unsigned char out[SUM_BYTES])
{
	uint32_t sum = flo_crc32c(flo_crc32c(0, key, klen), val, vlen);
	for (int i = 0; i < SUM_BYTES; i++)
		out[i] = (unsigned char)(sum >> (8 * i));
}

/* val (vlen bytes) into s->vbuf with its checksum after it, the CRC-32C of
 * key and val: the value a customer's state or an order log record is
 * stored as.  val may point into the map, which the put after may change:
 * it is copied first. */
static int seal(flo_store *s, const void *key, size_t klen, const void *val, size_t vlen)
{
	if (vlen > SIZE_MAX / 4)
		return fail(s, FLO_ENOMEM, "%s: value too large", s->path);
	if (s->vcap < vlen + SUM_BYTES) {
		size_t cap = vlen + SUM_BYTES < 256 ? 256 : 2 * (vlen + SUM_BYTES);
		unsigned char *b = realloc(s->vbuf, cap);
		if (!b)
			return fail(s, FLO_ENOMEM, "%s: out of memory", s->path);
		s->vbuf = b;
		s->vcap = cap;
	}
	if (vlen)
		memmove(s->vbuf, val, vlen);
	sum_of(key, klen, s->vbuf, vlen, s->vbuf + vlen);
	return FLO_OK;
}

/* A customer put's arguments: FLO_OK, or what is wrong with them. */
static int customer_put_ok(flo_store *s, const char *id, const void *val, size_t vlen)
{
	if (!s || !id || (!val && vlen))
		return FLO_EUSAGE;
	if (!s->txn)
		return fail(s, FLO_EUSAGE, "%s: customer update outside a batch", s->path);
	return FLO_OK;
}

int flo_store_customer_put(flo_store *s, const char *id, size_t idlen, const void *val,
			   size_t vlen)
{
	int rc = customer_put_ok(s, id, val, vlen);
	if (rc == FLO_OK)
		rc = seal(s, id, idlen, val, vlen);
	if (rc != FLO_OK)
		return rc;
	return put(s, DB_CUSTOMERS, 0, "customer id", id, idlen, s->vbuf, vlen + SUM_BYTES);
}

int flo_store_customer_put_held(flo_store *s, const char *id, size_t idlen, const void *val,
				size_t vlen)
{
	int rc = customer_put_ok(s, id, val, vlen);
	if (rc != FLO_OK)
		return rc;
	if (vlen > SIZE_MAX / 4)
		return fail(s, FLO_ENOMEM, "%s: value too large", s->path);
	struct held h = {val, {0}};
	sum_of(id, idlen, val, vlen, h.sum);
	return put_value(s, DB_CUSTOMERS, 0, "customer id", id, idlen, NULL, vlen + SUM_BYTES, &h);
}

int flo_store_customer_del(flo_store *s, const char *id, size_t idlen)
{
	if (!s || !id)
		return FLO_EUSAGE;
	if (!s->txn)
		return fail(s, FLO_EUSAGE, "%s: customer update outside a batch", s->path);
	return put(s, DB_CUSTOMERS, 0, "customer id", id, idlen, NULL, LOG_DEL);
}

struct scanning {
	flo_store *s;
	flo_store_scan_fn *fn;
	void *ctx;
};

static int scan_entry(void *ctx, const char *db, const void *key, size_t klen, const void *val,
		      size_t vlen)
{
	struct scanning *k = ctx;
	(void)db;
	int sound = sum_ok(key, klen, val, vlen);
	return k->fn(k->ctx, key, klen, val, sound ? vlen - SUM_BYTES : vlen, sound);
}

int flo_store_customer_scan(flo_store *s, flo_store_scan_fn *fn, void *ctx)
{
	if (!s || !fn)
		return FLO_EUSAGE;
	if (s->txn && s->writable)
		return fail(s, FLO_EUSAGE, "%s: a scan inside a write batch", s->path);
	struct scanning k = {s, fn, ctx};
	struct flo_pagewalk w = {.only = "customers", .fn = scan_entry, .ctx = &k,
				 .salvage = s->salvage};
	return walk_pages(s, &w, NULL, 0);
}

struct eaching {
	flo_store *s;
	int (*fn)(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen);
	void *ctx;
	int damaged;
};

static int each_entry(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen,
		      int sound)
{
	struct eaching *k = ctx;
	if (!sound) {
		fail(k->s, FLO_ESTORE, "%s: customer \"%s\": the stored state is damaged (its "
		     "checksum fails)", k->s->path, flo_quote(id, idlen));
		k->damaged = 1;
		return FLO_ESTORE;
	}
	return k->fn(k->ctx, id, idlen, val, vlen);
}

int flo_store_customer_each(flo_store *s,
			    int (*fn)(void *ctx, const char *id, size_t idlen,
				      const void *val, size_t vlen),
			    void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc, ret = 0;

	if (!s || !fn)
		return FLO_EUSAGE;
	if (!(s->txn && s->writable)) {
		/* Outside a write batch, flo's own walk: no damaged page can
		 * make LMDB abort. */
		struct eaching k = {s, fn, ctx, 0};
		rc = flo_store_customer_scan(s, each_entry, &k);
		return rc;
	}
	if ((rc = customer_pages_sound(s, NULL, 0)) != 0)
		return rc;
	txn = s->txn;
	rc = mdb_cursor_open(txn, s->dbi[DB_CUSTOMERS], &cur);
	if (rc == 0) {
		for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
			if (!sum_ok(key.mv_data, key.mv_size, val.mv_data, val.mv_size)) {
				mdb_cursor_close(cur);
				return fail(s, FLO_ESTORE, "%s: customer \"%s\": the stored state "
					    "is damaged (its checksum fails)", s->path,
					    flo_quote(key.mv_data, key.mv_size));
			}
			ret = fn(ctx, key.mv_data, key.mv_size, val.mv_data,
				 val.mv_size - SUM_BYTES);
			if (ret)
				break;
		}
		mdb_cursor_close(cur);
	}
	if (ret)
		return ret;
	if (rc && rc != MDB_NOTFOUND)
		return fail_mdb(s, rc, "cannot read the customers");
	return 0;
}

/* ---- the order log ---- */

/* A log record's key: its number, big-endian, so that LMDB's bytewise order
 * is the numbers' and every append goes to the end (MDB_APPEND). */
static void seq_key(unsigned char key[8], uint64_t seq)
{
	for (int i = 0; i < 8; i++)
		key[i] = (unsigned char)(seq >> (56 - 8 * i));
}

static uint64_t key_seq(const unsigned char *key)
{
	uint64_t seq = 0;
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | key[i];
	return seq;
}

/* The number the next record takes: one past the log's last (or 1). */
static int orderlog_next(flo_store *s)
{
	MDB_cursor *cur;
	MDB_val key, val;
	if (s->orderlog_known)
		return 0;
	int rc = mdb_cursor_open(s->txn, s->dbi[DB_ORDERLOG], &cur);
	if (rc)
		return fail_mdb(s, rc, "cannot read the order log");
	rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return fail_mdb(s, rc, "cannot read the order log");
	if (rc == 0 && key.mv_size != 8)
		return fail(s, FLO_ESTORE, "%s: the order log's last record has a key of %zu "
			    "bytes, not 8: damaged", s->path, key.mv_size);
	s->orderlog_next = rc == 0 ? key_seq(key.mv_data) + 1 : 1;
	s->orderlog_known = 1;
	return 0;
}

/* Record seq's value with its checksum, put with flags (MDB_APPEND: at the
 * end). */
static int orderlog_put(flo_store *s, unsigned long long seq, unsigned flags, const void *val,
			size_t vlen)
{
	unsigned char key[8];
	if (!val && vlen)
		return FLO_EUSAGE;
	if (!s->txn || !s->writable)
		return fail(s, FLO_EUSAGE, "%s: an order logged outside a write batch", s->path);
	seq_key(key, seq);
	int rc = seal(s, key, 8, val, vlen);
	if (rc != FLO_OK)
		return rc;
	return put(s, DB_ORDERLOG, flags, "order log key", key, 8, s->vbuf, vlen + SUM_BYTES);
}

int flo_store_orderlog_append(flo_store *s, const void *val, size_t vlen)
{
	int rc;
	if (!s)
		return FLO_EUSAGE;
	if (s->txn && s->writable && (rc = orderlog_next(s)) != 0)
		return rc;
	rc = orderlog_put(s, s->orderlog_next, MDB_APPEND, val, vlen);
	if (rc == 0)
		s->orderlog_next++;
	return rc;
}

int flo_store_orderlog_replace(flo_store *s, unsigned long long seq, const void *val,
			       size_t vlen)
{
	return s ? orderlog_put(s, seq, 0, val, vlen) : FLO_EUSAGE;
}

int flo_store_orderlog_clear(flo_store *s)
{
	if (!s)
		return FLO_EUSAGE;
	if (!s->txn || !s->writable)
		return fail(s, FLO_EUSAGE, "%s: the order log cleared outside a write batch",
			    s->path);
	/* The numbers go on: a record's number names it in messages, and
	 * after a merge no record of that number is left to confuse. */
	int rc = orderlog_next(s);
	return rc ? rc : put(s, DB_ORDERLOG, 0, "order log", "-", 1, NULL, LOG_DROP);
}

struct logscanning {
	flo_store_orderlog_fn *fn;
	void *ctx;
};

static int logscan_entry(void *ctx, const char *db, const void *key, size_t klen,
			 const void *val, size_t vlen)
{
	struct logscanning *k = ctx;
	(void)db;
	int sound = klen == 8 && sum_ok(key, klen, val, vlen);
	return k->fn(k->ctx, klen == 8 ? key_seq(key) : 0, val, sound ? vlen - SUM_BYTES : vlen,
		     sound);
}

int flo_store_orderlog_each(flo_store *s, flo_store_orderlog_fn *fn, void *ctx)
{
	MDB_cursor *cur;
	MDB_val key, val;
	int rc, ret = 0;

	if (!s || !fn)
		return FLO_EUSAGE;
	if (s->no_orderlog)
		return 0;
	if (!(s->txn && s->writable)) {
		/* flo's own walk of the log's pages: no damaged page reaches
		 * LMDB. */
		struct logscanning k = {fn, ctx};
		struct flo_pagewalk w = {.only = db_names[DB_ORDERLOG], .fn = logscan_entry,
					 .ctx = &k, .salvage = s->salvage};
		return walk_pages(s, &w, NULL, 0);
	}
	/* A writer walked every page but the customers' at open, the log's
	 * among them, and only it has written since. */
	rc = mdb_cursor_open(s->txn, s->dbi[DB_ORDERLOG], &cur);
	if (rc)
		return fail_mdb(s, rc, "cannot read the order log");
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		int sound = key.mv_size == 8 && sum_ok(key.mv_data, 8, val.mv_data, val.mv_size);
		ret = fn(ctx, key.mv_size == 8 ? key_seq(key.mv_data) : 0, val.mv_data,
			 sound ? val.mv_size - SUM_BYTES : val.mv_size, sound);
		if (ret)
			break;
	}
	mdb_cursor_close(cur);
	if (ret)
		return ret;
	if (rc && rc != MDB_NOTFOUND)
		return fail_mdb(s, rc, "cannot read the order log");
	return 0;
}

int flo_store_orderlog_del(flo_store *s, unsigned long long seq)
{
	unsigned char key[8];
	if (!s)
		return FLO_EUSAGE;
	if (!s->txn || !s->writable)
		return fail(s, FLO_EUSAGE, "%s: an order log record deleted outside a write batch",
			    s->path);
	seq_key(key, seq);
	return put(s, DB_ORDERLOG, 0, "order log key", key, 8, NULL, LOG_DEL);
}
