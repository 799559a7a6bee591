/* test_store.c: the LMDB store, in a temporary directory.
 *
 * LMDB forbids opening one environment twice in a process, so every test
 * that needs a second opener at the same time (a reader beside a writer, a
 * killed writer) runs it in a child process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "check.h"
#include "base/err.h"
#include "store/store.h"
#include "store/orderrec.h"

static char tmpdir[64];

/* A fresh path under the temporary directory for each test. */
static const char *store_path(const char *name)
{
	static char paths[4][256];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, 256, "%s/%s", tmpdir, name);
	return path;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	chmod(path, 0755);
	rmdir(path);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(data, 1, len, f) == len);
	fclose(f);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static int contains(const char *s, const char *part)
{
	return s && strstr(s, part) != NULL;
}

static void check_msg(int line, const char *msg, const char *part)
{
	check_count++;
	if (!contains(msg, part)) {
		check_failures++;
		fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, line, msg,
			part);
	}
}

#define CHECK_MSG(msg, part) check_msg(__LINE__, (msg), (part))

/* Customer i's id and a value that depends on i and on a round r. */
static size_t cust_id(char *buf, size_t i)
{
	return (size_t)snprintf(buf, 32, "cust-%08zu", i);
}

static size_t cust_val(unsigned char *buf, size_t i, unsigned r, size_t len)
{
	for (size_t k = 0; k < len; k++)
		buf[k] = (unsigned char)((i * 31 + k * 7 + r) & 0xff);
	return len;
}

static int put_str(flo_store *s, const char *id, const char *val)
{
	return flo_store_customer_put(s, id, strlen(id), val, strlen(val));
}

/* The customer's value as a string, or NULL when absent; inside a batch. */
static const char *get_str(flo_store *s, const char *id)
{
	static char buf[256];
	const void *v;
	size_t n;

	if (flo_store_customer_get(s, id, strlen(id), &v, &n) != 0 || n >= sizeof buf)
		return NULL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static flo_store *open_ok(const char *path, int mode, const struct flo_store_options *opt)
{
	flo_store *s = NULL;
	char err[FLO_STORE_ERRMAX];
	int rc = flo_store_open(&s, path, mode, opt, err, sizeof err);

	if (rc)
		fprintf(stderr, "open %s: %s\n", path, err);
	CHECK_INT(rc, 0);
	return s;
}

/* ---- round trips ---- */

struct walk {
	int n;
	char last[64];
	int ordered;
	int stop_after;
};

static int walk_fn(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen)
{
	struct walk *w = ctx;
	char cur[64];

	(void)val;
	(void)vlen;
	snprintf(cur, sizeof cur, "%.*s", (int)idlen, id);
	if (w->n && strcmp(w->last, cur) >= 0)
		w->ordered = 0;
	strcpy(w->last, cur);
	w->n++;
	return w->stop_after && w->n == w->stop_after ? 7 : 0;
}

static void test_roundtrip(void)
{
	const char *path = store_path("round");
	const char *json = "{\"r\": 0.243, \"alpha\": 4.414}";
	const unsigned char cuts[] = {0, 1, 2, 0, 255, 0};
	char *got = NULL;
	void *gotc = NULL;
	size_t len = 99;
	const void *v;
	size_t vlen;
	char longname[600];
	flo_store *s = open_ok(path, FLO_STORE_WRITE, NULL);
	struct walk w = {0, "", 1, 0};

	if (!s)
		return;
	CHECK_STR(flo_store_errmsg(s), "");
	CHECK_INT(flo_store_put_model(s, "bgnbd", "old", 3), 0);
	CHECK_INT(flo_store_put_model(s, "bgnbd", json, strlen(json)), 0);
	CHECK_INT(flo_store_get_model(s, "bgnbd", &got, &len), 0);
	CHECK_STR(got, json);
	CHECK_INT(len, strlen(json));
	free(got);
	CHECK_INT(flo_store_get_model(s, "nope", &got, &len), FLO_ENOTFOUND);
	CHECK(got == NULL);
	CHECK_INT(len, 0);
	CHECK_MSG(flo_store_errmsg(s), "no model \"nope\"");
	CHECK_INT(flo_store_put_cuts(s, "clv", cuts, sizeof cuts), 0);
	CHECK_INT(flo_store_get_cuts(s, "clv", &gotc, &len), 0);
	CHECK_INT(len, sizeof cuts);
	CHECK(gotc && memcmp(gotc, cuts, sizeof cuts) == 0);
	free(gotc);
	CHECK_INT(flo_store_get_cuts(s, "bgnbd", &gotc, &len), FLO_ENOTFOUND);

	/* Names LMDB cannot key. */
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(flo_store_put_model(s, "", "x", 1), FLO_EUSAGE);
	CHECK_INT(flo_store_put_model(s, longname, "x", 1), FLO_EUSAGE);
	CHECK_MSG(flo_store_errmsg(s), "must be 1 to 511 bytes");
	CHECK_INT(flo_store_get_model(s, longname, &got, NULL), FLO_EUSAGE);

	/* Customers only inside a batch. */
	CHECK_INT(put_str(s, "a", "1"), FLO_EUSAGE);
	CHECK_MSG(flo_store_errmsg(s), "outside a batch");
	CHECK_INT(flo_store_customer_get(s, "a", 1, &v, &vlen), FLO_EUSAGE);
	CHECK_INT(flo_store_batch_commit(s), FLO_EUSAGE);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(flo_store_batch_begin(s), FLO_EUSAGE);
	CHECK_INT(put_str(s, "carol", "3"), 0);
	CHECK_INT(put_str(s, "alice", "1"), 0);
	CHECK_INT(put_str(s, "bob", "2"), 0);
	CHECK_INT(flo_store_customer_put(s, "", 0, "x", 1), FLO_EUSAGE);
	CHECK_INT(flo_store_customer_put(s, longname, 512, "x", 1), FLO_EUSAGE);
	CHECK_INT(flo_store_customer_put(s, "empty", 5, NULL, 0), 0);
	/* The batch sees its own puts, and caller errors left it intact. */
	CHECK_STR(get_str(s, "alice"), "1");
	CHECK_STR(get_str(s, "empty"), "");
	CHECK_INT(flo_store_customer_get(s, "dave", 4, &v, &vlen), FLO_ENOTFOUND);
	/* A value put back from the map itself. */
	CHECK_INT(flo_store_customer_get(s, "bob", 3, &v, &vlen), 0);
	CHECK_INT(flo_store_customer_put(s, "bob", 3, v, vlen), 0);
	CHECK_STR(get_str(s, "bob"), "2");
	/* A model put inside the batch joins it. */
	CHECK_INT(flo_store_put_model(s, "gg", "{}", 2), 0);
	CHECK_INT(flo_store_customer_each(s, walk_fn, &w), 0);
	CHECK_INT(w.n, 4);
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);

	s = open_ok(path, FLO_STORE_READ, NULL);
	if (!s)
		return;
	CHECK_INT(flo_store_get_model(s, "bgnbd", &got, NULL), 0);
	CHECK_STR(got, json);
	free(got);
	CHECK_INT(flo_store_get_model(s, "gg", &got, NULL), 0);
	CHECK_STR(got, "{}");
	free(got);
	CHECK_INT(flo_store_put_model(s, "x", "1", 1), FLO_EUSAGE);
	CHECK_MSG(flo_store_errmsg(s), "reading only");
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_STR(get_str(s, "carol"), "3");
	CHECK_STR(get_str(s, "bob"), "2");
	CHECK(get_str(s, "dave") == NULL);
	CHECK_INT(put_str(s, "dave", "4"), FLO_EUSAGE);
	CHECK_INT(flo_store_batch_commit(s), 0);

	/* Key order, and a walk stopped by its callback. */
	memset(&w, 0, sizeof w);
	w.ordered = 1;
	CHECK_INT(flo_store_customer_each(s, walk_fn, &w), 0);
	CHECK_INT(w.n, 4);
	CHECK(w.ordered);
	CHECK_STR(w.last, "empty");
	memset(&w, 0, sizeof w);
	w.stop_after = 2;
	CHECK_INT(flo_store_customer_each(s, walk_fn, &w), 7);
	CHECK_INT(w.n, 2);
	flo_store_close(s);
	flo_store_close(NULL);
	CHECK_STR(flo_store_errmsg(NULL), "no store");
}

static void test_bad_paths(void)
{
	flo_store *s = (flo_store *)1;
	char err[FLO_STORE_ERRMAX];
	char file[256];

	snprintf(file, sizeof file, "%s", store_path("plainfile"));

	CHECK_INT(flo_store_open(&s, store_path("missing"), FLO_STORE_READ, NULL, err, sizeof err),
		  FLO_ENOTFOUND);
	CHECK(s == NULL);
	CHECK_MSG(err, "no such store");
	CHECK(file_size(store_path("missing")) < 0);

	mkdir(store_path("emptydir"), 0755);
	CHECK_INT(flo_store_open(&s, store_path("emptydir"), FLO_STORE_READ, NULL, err, sizeof err),
		  FLO_ENOTFOUND);
	CHECK_MSG(err, "no data.mdb");

	write_file(file, "x", 1);
	CHECK_INT(flo_store_open(&s, file, FLO_STORE_READ, NULL, err, sizeof err), FLO_ESTORE);
	CHECK_MSG(err, "not a directory");
	CHECK_INT(flo_store_open(&s, file, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_ESTORE);
	CHECK_MSG(err, "not a directory");

	snprintf(err, sizeof err, "%s/a/b", store_path("missing"));
	{
		char path[FLO_STORE_ERRMAX];
		strcpy(path, err);
		CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err),
			  FLO_ESTORE);
		CHECK_MSG(err, "cannot create the store directory");
	}
	CHECK_INT(flo_store_open(&s, NULL, FLO_STORE_READ, NULL, err, sizeof err), FLO_EUSAGE);
	CHECK_INT(flo_store_open(&s, file, 5, NULL, NULL, 0), FLO_EUSAGE);
}

/* ---- foreign, newer, broken ---- */

/* An LMDB environment made with LMDB itself, not with flo. */
static void make_foreign(const char *path, const char *db, const char *key, const char *val)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {strlen(key), (void *)(uintptr_t)key};
	MDB_val v = {strlen(val), (void *)(uintptr_t)val};

	mkdir(path, 0755);
	CHECK_INT(mdb_env_create(&env), 0);
	CHECK_INT(mdb_env_set_maxdbs(env, 4), 0);
	CHECK_INT(mdb_env_open(env, path, 0, 0644), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, db, db ? MDB_CREATE : 0, &dbi), 0);
	CHECK_INT(mdb_put(txn, dbi, &k, &v, 0), 0);
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void check_refused(const char *path, int code, const char *part)
{
	char err[FLO_STORE_ERRMAX];
	flo_store *s = NULL;

	for (int mode = FLO_STORE_READ; mode <= FLO_STORE_WRITE; mode++) {
		CHECK_INT(flo_store_open(&s, path, mode, NULL, err, sizeof err), code);
		CHECK(s == NULL);
		CHECK_MSG(err, part);
		flo_store_close(s);
	}
}

static void test_versions(void)
{
	make_foreign(store_path("v4"), "meta", "format", "flo-store 4");
	check_refused(store_path("v4"), FLO_EVERSION, "store format 4 is newer than this flo reads (3)");
	make_foreign(store_path("v0"), "meta", "format", "flo-store 0");
	check_refused(store_path("v0"), FLO_EVERSION, "older");
	/* Format 1 had no checksums. */
	make_foreign(store_path("v1"), "meta", "format", "flo-store 1");
	check_refused(store_path("v1"), FLO_EVERSION, "store format 1 is older than this flo reads (3)");
	make_foreign(store_path("other"), "meta", "format", "other-thing 1");
	check_refused(store_path("other"), FLO_EVERSION, "not a flo store (format \"other-thing 1\")");
	make_foreign(store_path("junkver"), "meta", "format", "flo-store 1x");
	check_refused(store_path("junkver"), FLO_EVERSION, "not a flo store");
	make_foreign(store_path("noformat"), "meta", "creator", "someone");
	check_refused(store_path("noformat"), FLO_EVERSION, "no format");

	/* An LMDB file of someone else's, with data in its main database: a
	 * writer must not adopt it, a reader finds no meta. */
	make_foreign(store_path("alien"), NULL, "hello", "world");
	{
		char err[FLO_STORE_ERRMAX];
		flo_store *s = NULL;
		CHECK_INT(flo_store_open(&s, store_path("alien"), FLO_STORE_WRITE, NULL, err,
					 sizeof err), FLO_EVERSION);
		CHECK_MSG(err, "holding other data");
		CHECK_INT(flo_store_open(&s, store_path("alien"), FLO_STORE_READ, NULL, err,
					 sizeof err), FLO_EVERSION);
		CHECK_MSG(err, "no meta database");
	}
}

static void test_garbage(void)
{
	unsigned char junk[65536];
	char file[512];
	uint32_t x = 12345;
	const char *path = store_path("garbage");

	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 24);
	}
	mkdir(path, 0755);
	snprintf(file, sizeof file, "%s/data.mdb", path);
	write_file(file, junk, sizeof junk);
	check_refused(path, FLO_EVERSION, "data.mdb: not an LMDB file");
	write_file(file, "hello", 5);
	check_refused(path, FLO_EVERSION, "not an LMDB file");
	/* A text file as long as two pages. */
	memset(junk, 'a', 8192);
	write_file(file, junk, 8192);
	check_refused(path, FLO_EVERSION, "not an LMDB file");

	/* An empty data.mdb: no reader may try to write a store into it. */
	path = store_path("emptyfile");
	mkdir(path, 0755);
	snprintf(file, sizeof file, "%s/data.mdb", path);
	write_file(file, "", 0);
	{
		char err[FLO_STORE_ERRMAX];
		flo_store *s = NULL;
		CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, NULL, err, sizeof err),
			  FLO_ESTORE);
		CHECK_MSG(err, "empty file");
	}
}

static void fill(const char *path, size_t n, size_t vlen, const struct flo_store_options *opt)
{
	flo_store *s = open_ok(path, FLO_STORE_WRITE, opt);
	unsigned char val[4096];
	char id[32];

	if (!s)
		return;
	CHECK_INT(flo_store_batch_begin(s), 0);
	for (size_t i = 0; i < n; i++) {
		size_t idlen = cust_id(id, i);
		cust_val(val, i, 0, vlen);
		if (flo_store_customer_put(s, id, idlen, val, vlen) != 0) {
			CHECK_STR(flo_store_errmsg(s), "");
			break;
		}
	}
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);
}

static void test_truncated(void)
{
	const char *path = store_path("trunc");
	char file[512];
	off_t size;

	fill(path, 3000, 100, NULL);
	snprintf(file, sizeof file, "%s/data.mdb", path);
	size = file_size(file);
	CHECK(size > 100000);
	/* Cut anywhere past the meta pages: found before a page is read. */
	CHECK_INT(truncate(file, size / 2), 0);
	check_refused(path, FLO_ESTORE, "data.mdb: truncated");
	CHECK_INT(truncate(file, 3 * 4096 + 10), 0);
	check_refused(path, FLO_ESTORE, "truncated");
	/* Inside the second meta page: LMDB reads no further than the meta
	 * itself, so this too is found by the size check. */
	CHECK_INT(truncate(file, 5000), 0);
	check_refused(path, FLO_ESTORE, "truncated: 5000 bytes");
	/* Inside the first meta page: LMDB itself sees no store there. */
	CHECK_INT(truncate(file, 100), 0);
	check_refused(path, FLO_EVERSION, "not an LMDB file");
}

/* ---- growth ---- */

static void test_growth(void)
{
	const char *path = store_path("grow");
	const size_t n = 40000, vlen = 200, per_batch = 7000;
	struct flo_store_options opt = {.mapsize = 1 << 20};
	unsigned char val[256];
	char id[32], file[512];
	int bad = 0, rc;
	flo_store *s = open_ok(path, FLO_STORE_WRITE, &opt);
	struct walk w = {0, "", 1, 0};

	if (!s)
		return;
	/* Some 10 MB of customers through a 1 MiB map, in batches that each
	 * overflow the map partway, checking reads inside each batch. */
	for (size_t i = 0; i < n; i++) {
		size_t idlen = cust_id(id, i);
		if (i % per_batch == 0 && (rc = flo_store_batch_begin(s)) != 0) {
			CHECK_INT(rc, 0);
			break;
		}
		cust_val(val, i, 1, vlen);
		if ((rc = flo_store_customer_put(s, id, idlen, val, vlen)) != 0) {
			CHECK_INT(rc, 0);
			CHECK_STR(flo_store_errmsg(s), "");
			break;
		}
		if (i % 97 == 0) {
			/* The batch's first customer, put before any growth. */
			size_t first = i - i % per_batch;
			const void *v;
			size_t got;
			unsigned char want[256];
			idlen = cust_id(id, first);
			cust_val(want, first, 1, vlen);
			if (flo_store_customer_get(s, id, idlen, &v, &got) != 0 || got != vlen ||
			    memcmp(v, want, vlen) != 0)
				bad++;
		}
		if ((i + 1) % per_batch == 0 || i + 1 == n)
			CHECK_INT(flo_store_batch_commit(s), 0);
	}
	CHECK_INT(bad, 0);

	/* One value bigger than the whole map is now. */
	{
		size_t big = 48u << 20;
		unsigned char *p = malloc(big);
		char *got = NULL;
		size_t len = 0;
		memset(p, 'z', big);
		CHECK_INT(flo_store_put_cuts(s, "huge", p, big), 0);
		CHECK_INT(flo_store_get_cuts(s, "huge", (void **)&got, &len), 0);
		CHECK_INT(len, big);
		CHECK(got && got[0] == 'z' && got[big - 1] == 'z');
		free(got);
		free(p);
	}
	flo_store_close(s);

	snprintf(file, sizeof file, "%s/data.mdb", path);
	CHECK(file_size(file) > 8 * (1 << 20));

	/* Every value reads back after reopening. */
	s = open_ok(path, FLO_STORE_READ, NULL);
	if (!s)
		return;
	CHECK_INT(flo_store_batch_begin(s), 0);
	bad = 0;
	for (size_t i = 0; i < n; i++) {
		size_t idlen = cust_id(id, i);
		const void *v;
		size_t got;
		cust_val(val, i, 1, vlen);
		if (flo_store_customer_get(s, id, idlen, &v, &got) != 0 || got != vlen ||
		    memcmp(v, val, vlen) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	flo_store_batch_abort(s);
	CHECK_INT(flo_store_customer_each(s, walk_fn, &w), 0);
	CHECK_INT(w.n, n);
	CHECK(w.ordered);
	flo_store_close(s);

	/* A writer reopening a grown store keeps its size: nothing to regrow. */
	s = open_ok(path, FLO_STORE_WRITE, &opt);
	if (s) {
		CHECK_INT(flo_store_batch_begin(s), 0);
		CHECK_INT(put_str(s, "after", "reopen"), 0);
		CHECK_INT(flo_store_batch_commit(s), 0);
	}
	flo_store_close(s);
}

/* Held values (flo_store_customer_put_held()): the batch keeps no copy,
 * so the replay after the map grows reads them where the caller keeps
 * them.  Some 4 MB of customers through a 1 MiB map in one batch, every
 * other one held, interleaved with plain puts; then a third of them updated,
 * held, shorter or as long; each reads back (its checksum sound) inside the
 * batch and from a reader, and the caller's buffer changed after the
 * commit changes nothing. */
static void test_held_growth(void)
{
	const char *path = store_path("held");
	const size_t n = 16000, vlen = 240;
	struct flo_store_options opt = {.mapsize = 1 << 20};
	unsigned char *vals = malloc(n * vlen), val[256];
	char id[32];
	int bad = 0, rc = 0;
	flo_store *s = open_ok(path, FLO_STORE_WRITE, &opt);
	if (!s || !vals) {
		free(vals);
		flo_store_close(s);
		return;
	}
	CHECK_INT(flo_store_batch_begin(s), 0);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t idlen = cust_id(id, i);
		cust_val(vals + i * vlen, i, 3, vlen);
		rc = i % 2 ? flo_store_customer_put_held(s, id, idlen, vals + i * vlen, vlen)
			   : flo_store_customer_put(s, id, idlen, vals + i * vlen, vlen);
		CHECK_INT(rc, 0);
	}
	for (size_t i = 0; i < n; i += 7) {
		size_t idlen = cust_id(id, i), got;
		const void *v;
		cust_val(val, i, 3, vlen);
		if (flo_store_customer_get(s, id, idlen, &v, &got) != 0 || got != vlen ||
		    memcmp(v, val, vlen) != 0)
			bad++;
	}
	CHECK_INT(flo_store_batch_commit(s), 0);
	memset(vals, 'x', n * vlen);
	CHECK_INT(bad, 0);
	/* Updates, held: every third customer's value shorter or longer. */
	CHECK_INT(flo_store_batch_begin(s), 0);
	for (size_t i = 0; i < n && rc == 0; i += 3) {
		size_t idlen = cust_id(id, i), len = i % 2 ? 100 : vlen;
		cust_val(vals + i * vlen, i, 5, len);
		CHECK_INT(rc = flo_store_customer_put_held(s, id, idlen, vals + i * vlen, len), 0);
	}
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);
	char file[512];
	snprintf(file, sizeof file, "%s/data.mdb", path);
	CHECK(file_size(file) > 2 * (1 << 20)); /* the map grew */
	s = open_ok(path, FLO_STORE_READ, NULL);
	if (s) {
		CHECK_INT(flo_store_batch_begin(s), 0);
		for (size_t i = 0; i < n; i++) {
			size_t idlen = cust_id(id, i), got, len = i % 3 == 0 && i % 2 ? 100 : vlen;
			const void *v;
			cust_val(val, i, i % 3 == 0 ? 5 : 3, len);
			if (flo_store_customer_get(s, id, idlen, &v, &got) != 0 || got != len ||
			    memcmp(v, val, len) != 0)
				bad++;
		}
		flo_store_batch_abort(s);
		CHECK_INT(bad, 0);
	}
	flo_store_close(s);
	free(vals);
}

/* The map can also fill at commit, when LMDB writes the list of pages the
 * batch freed.  With 4 KiB pages and a 1 MiB map the sizes below do that (in
 * the first or second round); with other page sizes this is one more growth
 * test.  Either way every value must read back. */
static void test_commit_growth(void)
{
	static const size_t sizes[][2] = {{240, 250}, {490, 500}};
	struct flo_store_options opt = {.mapsize = 1 << 20, .nosync = 1};
	unsigned char val[1400];
	char id[32];
	int bad = 0;

	for (size_t k = 0; k < 2; k++) {
		for (size_t n = sizes[k][0]; n <= sizes[k][1]; n++) {
			const char *path = store_path("commitfull");
			flo_store *s = open_ok(path, FLO_STORE_WRITE, &opt);

			if (!s)
				return;
			for (unsigned round = 0; round < 3; round++) {
				CHECK_INT(flo_store_batch_begin(s), 0);
				for (size_t i = 0; i < n; i++) {
					size_t idlen = cust_id(id, i);
					size_t vlen = 1000 + (i % 7) * 50;
					memset(val, (int)(round + i), vlen);
					if (flo_store_customer_put(s, id, idlen, val, vlen) != 0)
						bad++;
				}
				if (flo_store_batch_commit(s) != 0)
					bad++;
			}
			CHECK_INT(flo_store_batch_begin(s), 0);
			for (size_t i = 0; i < n; i++) {
				size_t idlen = cust_id(id, i), got;
				const void *v;
				memset(val, (int)(2 + i), sizeof val);
				if (flo_store_customer_get(s, id, idlen, &v, &got) != 0 ||
				    got != 1000 + (i % 7) * 50 || memcmp(v, val, got) != 0)
					bad++;
			}
			flo_store_close(s);
			rm_tree(path);
		}
	}
	CHECK_INT(bad, 0);
}

/* ---- durability and the writer lock ---- */

static void test_durability(void)
{
	const char *path = store_path("durable");
	struct flo_store_options nosync = {.nosync = 1};
	flo_store *s = open_ok(path, FLO_STORE_WRITE, NULL);
	pid_t pid;
	int status;

	if (!s)
		return;
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "kept", "1"), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "aborted", "1"), 0);
	CHECK_INT(flo_store_put_model(s, "m-aborted", "{}", 2), 0);
	flo_store_batch_abort(s);
	flo_store_batch_abort(s);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "unclosed", "1"), 0);
	flo_store_close(s);

	s = open_ok(path, FLO_STORE_READ, NULL);
	if (!s)
		return;
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_STR(get_str(s, "kept"), "1");
	CHECK(get_str(s, "aborted") == NULL);
	CHECK(get_str(s, "unclosed") == NULL);
	CHECK_INT(flo_store_batch_commit(s), 0);
	{
		char *m = NULL;
		CHECK_INT(flo_store_get_model(s, "m-aborted", &m, NULL), FLO_ENOTFOUND);
	}
	flo_store_close(s);

	/* kill -9 after a commit and in the middle of the next batch. */
	pid = fork();
	if (pid == 0) {
		flo_store *c = NULL;
		if (flo_store_open(&c, path, FLO_STORE_WRITE, NULL, NULL, 0) != 0 ||
		    flo_store_batch_begin(c) != 0 || put_str(c, "before-kill", "1") != 0 ||
		    flo_store_batch_commit(c) != 0 || flo_store_batch_begin(c) != 0 ||
		    put_str(c, "at-kill", "1") != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The dead writer's lock went with it. */
	s = open_ok(path, FLO_STORE_WRITE, NULL);
	if (!s)
		return;
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_STR(get_str(s, "before-kill"), "1");
	CHECK(get_str(s, "at-kill") == NULL);
	CHECK_STR(get_str(s, "kept"), "1");
	flo_store_batch_abort(s);
	flo_store_close(s);

	/* MDB_NOSYNC on request: committed data still reads back. */
	s = open_ok(path, FLO_STORE_WRITE, &nosync);
	if (!s)
		return;
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "nosync", "1"), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);
	s = open_ok(path, FLO_STORE_READ, NULL);
	if (s) {
		CHECK_INT(flo_store_batch_begin(s), 0);
		CHECK_STR(get_str(s, "nosync"), "1");
	}
	flo_store_close(s);
}

static void test_writer_lock(void)
{
	const char *path = store_path("lock");
	flo_store *a = open_ok(path, FLO_STORE_WRITE, NULL), *b = NULL;
	char err[FLO_STORE_ERRMAX], pid[32];

	if (!a)
		return;
	/* flock locks belong to the open file, so this process is itself a
	 * second writer; it is refused before LMDB opens anything. */
	CHECK_INT(flo_store_open(&b, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_ESTORE);
	CHECK(b == NULL);
	snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
	CHECK_MSG(err, "store is in use by another writer");
	CHECK_MSG(err, pid);
	flo_store_close(a);
	b = open_ok(path, FLO_STORE_WRITE, NULL);
	flo_store_close(b);
}

/* ---- a reader beside the writer ---- */

static int xread(int fd)
{
	char c;
	return read(fd, &c, 1) == 1 ? c : -1;
}

static void xwrite(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(3);
}

/* The child: a reader that starts while the writer holds an open batch. */
static void reader_child(const char *path, int in, int out)
{
	flo_store *s = NULL;
	char *m = NULL, id[32];
	int bad = 0, before = check_failures;

	if (xread(in) != '1')
		_exit(4);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, NULL, NULL, 0), 0);
	if (!s)
		_exit(5);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_STR(get_str(s, "a"), "v1");
	CHECK(get_str(s, "b") == NULL);
	CHECK_INT(flo_store_get_model(s, "m", &m, NULL), 0);
	CHECK_STR(m, "{\"v\":1}");
	free(m);
	/* Hold this snapshot while the writer commits and grows the map. */
	xwrite(out, 'r');
	if (xread(in) != '2')
		_exit(6);
	CHECK_STR(get_str(s, "a"), "v1");
	CHECK(get_str(s, "b") == NULL);
	CHECK_INT(flo_store_batch_commit(s), 0);
	/* A new snapshot sees it all; the map it needs is larger than the one
	 * this reader mapped (MDB_MAP_RESIZED, adopted inside the store). */
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_STR(get_str(s, "a"), "v2");
	CHECK_STR(get_str(s, "b"), "new");
	for (size_t i = 0; i < 20000; i++) {
		const void *v;
		size_t n, idlen = cust_id(id, i);
		unsigned char want[200];
		cust_val(want, i, 2, sizeof want);
		if (flo_store_customer_get(s, id, idlen, &v, &n) != 0 || n != sizeof want ||
		    memcmp(v, want, n) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);
	_exit(check_failures != before);
}

static void test_reader_beside_writer(void)
{
	const char *path = store_path("concurrent");
	struct flo_store_options opt = {.mapsize = 1 << 20};
	int to_child[2], to_parent[2], status;
	unsigned char val[200];
	char id[32];
	flo_store *s;
	pid_t pid;

	CHECK_INT(pipe(to_child), 0);
	CHECK_INT(pipe(to_parent), 0);
	/* Fork before opening, so the reader inherits no LMDB state. */
	pid = fork();
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		reader_child(path, to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	s = open_ok(path, FLO_STORE_WRITE, &opt);
	if (!s) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return;
	}
	CHECK_INT(flo_store_put_model(s, "m", "{\"v\":1}", 7), 0);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "a", "v1"), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);

	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "a", "v2"), 0);
	CHECK_INT(put_str(s, "b", "new"), 0);
	xwrite(to_child[1], '1');
	CHECK_INT(xread(to_parent[0]), 'r');
	CHECK_INT(flo_store_batch_commit(s), 0);
	/* Some 5 MB more: the map grows past the reader's 1 MiB. */
	CHECK_INT(flo_store_batch_begin(s), 0);
	for (size_t i = 0; i < 20000; i++) {
		size_t idlen = cust_id(id, i);
		cust_val(val, i, 2, sizeof val);
		if (flo_store_customer_put(s, id, idlen, val, sizeof val) != 0) {
			CHECK_STR(flo_store_errmsg(s), "");
			break;
		}
	}
	CHECK_INT(flo_store_batch_commit(s), 0);
	xwrite(to_child[1], '2');
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_INT(status, 0);
	close(to_child[1]);
	close(to_parent[0]);
	flo_store_close(s);
}

/* ---- a read-only store ---- */

/* What a user without write access sees: run directly, or in a child that
 * gave up root (root ignores permissions). */
static void readonly_checks(const char *path, int lock_writable)
{
	char err[FLO_STORE_ERRMAX], file[512];
	flo_store *s = NULL;
	char *m = NULL;
	int rc;

	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_ESTORE);
	CHECK_MSG(err, "store is not writable");
	rc = flo_store_open(&s, path, FLO_STORE_READ, NULL, err, sizeof err);
	if (lock_writable) {
		CHECK_INT(rc, 0);
		CHECK_INT(flo_store_get_model(s, "m", &m, NULL), 0);
		CHECK_STR(m, "{}");
		free(m);
		CHECK_INT(flo_store_batch_begin(s), 0);
		CHECK_STR(get_str(s, "a"), "1");
		CHECK_INT(flo_store_batch_commit(s), 0);
		flo_store_close(s);
	} else {
		CHECK_INT(rc, FLO_ESTORE);
		CHECK_MSG(err, "a reader needs write access to");
		CHECK_MSG(err, "lock.mdb");
	}
	snprintf(file, sizeof file, "%s/writer.lock", path);
	CHECK(file_size(file) >= 0);
}

static void test_readonly(void)
{
	const char *path = store_path("readonly");
	char file[512];
	flo_store *s = open_ok(path, FLO_STORE_WRITE, NULL);
	static const char *const files[] = {"data.mdb", "lock.mdb", "writer.lock"};

	if (!s)
		return;
	CHECK_INT(flo_store_put_model(s, "m", "{}", 2), 0);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(put_str(s, "a", "1"), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);
	for (size_t i = 0; i < 3; i++) {
		snprintf(file, sizeof file, "%s/%s", path, files[i]);
		CHECK_INT(chmod(file, 0444), 0);
	}
	CHECK_INT(chmod(path, 0555), 0);
	CHECK_INT(chmod(tmpdir, 0755), 0);
	snprintf(file, sizeof file, "%s/lock.mdb", path);

	for (int lock_writable = 0; lock_writable <= 1; lock_writable++) {
		CHECK_INT(chmod(file, lock_writable ? 0666 : 0444), 0);
		if (geteuid() != 0) {
			readonly_checks(path, lock_writable);
			continue;
		}
		pid_t pid = fork();
		int status;
		if (pid == 0) {
			int before = check_failures;
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(9);
			readonly_checks(path, lock_writable);
			_exit(check_failures != before);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK_INT(status, 0);
	}
	chmod(tmpdir, 0700);
}

/* ---- the order log ---- */

struct seen_log {
	unsigned long long seq[8];
	char val[8][8];
	int n, unsound;
};

static int see_log(void *ctx, unsigned long long seq, const void *val, size_t vlen, int sound)
{
	struct seen_log *k = ctx;
	if (!sound)
		k->unsound++;
	if (k->n < 8 && vlen < 8) {
		k->seq[k->n] = seq;
		memcpy(k->val[k->n], val, vlen);
		k->val[k->n][vlen] = '\0';
		k->n++;
	}
	return 0;
}

static void test_orderlog(void)
{
	const char *path = store_path("log");
	flo_store *s = open_ok(path, FLO_STORE_WRITE, NULL);
	struct seen_log k = {0};

	CHECK_INT(flo_store_orderlog_append(s, "a", 1), FLO_EUSAGE); /* no batch */
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(flo_store_orderlog_append(s, "one", 3), 0);
	CHECK_INT(flo_store_orderlog_append(s, "two", 3), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	/* an aborted batch's records are gone, and its numbers taken again */
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(flo_store_orderlog_append(s, "lost", 4), 0);
	flo_store_batch_abort(s);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(flo_store_orderlog_append(s, "three", 5), 0);
	CHECK_INT(flo_store_orderlog_del(s, 2), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);

	s = open_ok(path, FLO_STORE_READ, NULL);
	CHECK_INT(flo_store_orderlog_each(s, see_log, &k), 0);
	CHECK_INT(k.n, 2);
	CHECK(k.seq[0] == 1 && strcmp(k.val[0], "one") == 0);
	CHECK(k.seq[1] == 3 && strcmp(k.val[1], "three") == 0);
	CHECK_INT(k.unsound, 0);
	struct flo_store_check c;
	CHECK_INT(flo_store_check(s, &c, NULL, NULL), 0);
	CHECK(c.logged == 2 && c.log_bad_sums == 0);
	flo_store_close(s);

	/* cleared in a batch: empty, and the numbers go on */
	s = open_ok(path, FLO_STORE_WRITE, NULL);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(flo_store_orderlog_clear(s), 0);
	CHECK_INT(flo_store_orderlog_append(s, "four", 4), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	memset(&k, 0, sizeof k);
	CHECK_INT(flo_store_orderlog_each(s, see_log, &k), 0);
	CHECK_INT(k.n, 1);
	CHECK(k.seq[0] == 4 && strcmp(k.val[0], "four") == 0);
	flo_store_close(s);
}

/* An order as the log keeps it, and a record of two: read back as written;
 * a record cut short, or with a length past its end, is no record. */
static void test_orderrec(void)
{
	const unsigned char kept[] = {FLO_KIND_STR, 3, 0, 0, 0, 'w', 'e', 'b'};
	struct flo_orderrec a = {0, -86400, 12.5, 0x1122334455667788u, 0, "c1", 2, kept,
				 sizeof kept};
	struct flo_orderrec b = {1, 1700000000, 0.25, 0, 7, "customer-two", 12, NULL, 0};
	unsigned char rec[256], *p = rec;
	size_t na = flo_orderrec_size(&a), nb = flo_orderrec_size(&b);
	CHECK_INT((int)na, FLO_ORDERREC_FIXED + 2 + (int)sizeof kept);
	flo_orderrec_put_len(p, (uint32_t)na);
	flo_orderrec_encode(&a, p + 4);
	p += 4 + na;
	flo_orderrec_put_len(p, (uint32_t)nb);
	flo_orderrec_encode(&b, p + 4);
	p += 4 + nb;
	size_t len = (size_t)(p - rec);
	/* b has no kept field: a record of the store's one each is refused */
	CHECK_INT(flo_orderrec_check(rec, len, 1), FLO_EVALUE);
	b.kept = kept;
	b.kept_len = sizeof kept;
	nb = flo_orderrec_size(&b);
	p = rec + 4 + na;
	flo_orderrec_put_len(p, (uint32_t)nb);
	flo_orderrec_encode(&b, p + 4);
	len = 4 + na + 4 + nb;
	CHECK_INT(flo_orderrec_check(rec, len, 1), FLO_OK);
	CHECK_INT(flo_orderrec_check(rec, len - 1, 1), FLO_EVALUE);
	CHECK_INT(flo_orderrec_check(rec, 4 + na + 2, 1), FLO_EVALUE);
	CHECK_INT(flo_orderrec_check(rec, 0, 1), FLO_EVALUE);
	struct flo_orderrec r;
	size_t off = 0;
	CHECK_INT(flo_orderrec_next(rec, len, 1, &off, &r), 1);
	CHECK(r.is_return == 0 && r.time == -86400 && r.amount == 12.5 &&
	      r.id_hash == 0x1122334455667788u && r.line == 0 && r.id_len == 2 &&
	      memcmp(r.id, "c1", 2) == 0 && r.kept_len == sizeof kept &&
	      memcmp(r.kept, kept, sizeof kept) == 0);
	CHECK_INT(flo_orderrec_next(rec, len, 1, &off, &r), 1);
	CHECK(r.is_return == 1 && r.time == 1700000000 && r.amount == 0.25 && r.line == 7 &&
	      r.id_len == 12 && memcmp(r.id, "customer-two", 12) == 0);
	CHECK_INT(flo_orderrec_next(rec, len, 1, &off, &r), 0);
}

/* A format-2 store (made by LMDB itself: no order log) reads as one with an
 * empty log; a writer makes it format 3. */
static void test_format2(void)
{
	const char *path = store_path("f2");
	struct seen_log k = {0};
	make_foreign(path, "meta", "format", "flo-store 2");
	{
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		CHECK_INT(mdb_env_create(&env), 0);
		CHECK_INT(mdb_env_set_maxdbs(env, 8), 0);
		CHECK_INT(mdb_env_open(env, path, 0, 0644), 0);
		CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
		CHECK_INT(mdb_dbi_open(txn, "models", MDB_CREATE, &dbi), 0);
		CHECK_INT(mdb_dbi_open(txn, "cuts", MDB_CREATE, &dbi), 0);
		CHECK_INT(mdb_dbi_open(txn, "customers", MDB_CREATE, &dbi), 0);
		CHECK_INT(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
	}
	flo_store *s = open_ok(path, FLO_STORE_READ, NULL);
	CHECK_INT(flo_store_orderlog_each(s, see_log, &k), 0);
	CHECK_INT(k.n, 0);
	flo_store_close(s);
	s = open_ok(path, FLO_STORE_WRITE, NULL);
	CHECK_INT(flo_store_batch_begin(s), 0);
	CHECK_INT(flo_store_orderlog_append(s, "x", 1), 0);
	CHECK_INT(flo_store_batch_commit(s), 0);
	flo_store_close(s);
	{
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		MDB_val key = {6, (void *)(uintptr_t)"format"}, val;
		CHECK_INT(mdb_env_create(&env), 0);
		CHECK_INT(mdb_env_set_maxdbs(env, 8), 0);
		CHECK_INT(mdb_env_open(env, path, MDB_RDONLY, 0644), 0);
		CHECK_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
		CHECK_INT(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
		CHECK_INT(mdb_get(txn, dbi, &key, &val), 0);
		CHECK(val.mv_size == 11 && memcmp(val.mv_data, "flo-store 3", 11) == 0);
		mdb_txn_abort(txn);
		mdb_env_close(env);
	}
}

int main(void)
{
	strcpy(tmpdir, "/tmp/flo-test-store-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_roundtrip();
	test_bad_paths();
	test_versions();
	test_garbage();
	test_truncated();
	test_growth();
	test_held_growth();
	test_commit_growth();
	test_durability();
	test_writer_lock();
	test_reader_beside_writer();
	test_readonly();
	test_orderlog();
	test_orderrec();
	test_format2();
	rm_tree(tmpdir);
	return check_report();
}
