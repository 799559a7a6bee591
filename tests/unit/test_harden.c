/* test_harden.c: sums that cannot overflow, and a store whose damage is
 * found rather than followed (issue 15).
 *
 *   - CRC-32C against the check values of RFC 3720, appendix B.4;
 *   - money sums refused at base/money.h's bounds, the sum unchanged;
 *   - the batch aggregator and the stored state refuse an order whose sums
 *     would leave them (FLO_ERANGE), with nothing of it applied;
 *   - a store with a flipped value byte, a zeroed page, a lying count: the
 *     check says so, a scan names the customer or page, LMDB never aborts;
 *   - a newer state format with a good checksum is still FLO_EVERSION. */
#include <fcntl.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "base/crc32c.h"
#include "base/date.h"
#include "base/err.h"
#include "base/money.h"
#include "rfm/custstate.h"
#include "rfm/rfm.h"
#include "store/custdb.h"
#include "store/store.h"

static char tmpdir[64];

static void test_crc32c(void)
{
	unsigned char buf[32];

	CHECK(flo_crc32c(0, "123456789", 9) == 0xE3069283u);
	/* RFC 3720 B.4: 32 bytes of zeros, of ones, increasing, decreasing. */
	memset(buf, 0, sizeof buf);
	CHECK(flo_crc32c(0, buf, 32) == 0x8A9136AAu);
	memset(buf, 0xff, sizeof buf);
	CHECK(flo_crc32c(0, buf, 32) == 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	CHECK(flo_crc32c(0, buf, 32) == 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	CHECK(flo_crc32c(0, buf, 32) == 0x113FDB5Cu);
	/* In pieces, at every cut. */
	for (size_t cut = 0; cut <= 32; cut++)
		CHECK(flo_crc32c(flo_crc32c(0, buf, cut), buf + cut, 32 - cut) == 0x113FDB5Cu);
	/* The tables alone give the same known answers, and the same as the
	 * processor's instruction (where flo_crc32c() uses it) at every length
	 * and alignment, odd tails included. */
	CHECK(flo_crc32c_table(0, "123456789", 9) == 0xE3069283u);
	CHECK(flo_crc32c_table(0, buf, 32) == 0x113FDB5Cu);
	{
		unsigned char big[300];
		for (size_t i = 0; i < sizeof big; i++)
			big[i] = (unsigned char)(i * 131 + 7);
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; off + n <= sizeof big; n += 7)
				CHECK(flo_crc32c(5, big + off, n) == flo_crc32c_table(5, big + off, n));
	}
}

static void test_money(void)
{
	struct flo_money m = flo_money_of(1e308), v = flo_money_of(1e308);
	CHECK(!flo_money_ok(m));
	m = flo_money_of(6e299);
	CHECK(flo_money_ok(m));
	CHECK(!flo_money_add_checked(&m, flo_money_of(6e299)));
	CHECK(m.rest == 6e299); /* unchanged */
	CHECK(flo_money_add_checked(&m, flo_money_of(-6e299)) && m.rest == 0);
	(void)v;
	/* The exact part: 9e9 (the largest exact value) 512 times fits, 513 not. */
	m = (struct flo_money){0, 0};
	int n = 0;
	while (flo_money_add_checked(&m, flo_money_of(9e9)))
		n++;
	CHECK_INT(n, 512);
	CHECK(m.micros == 512 * 9000000000000000ll);
	m = (struct flo_money){INT64_MAX, 0};
	CHECK(!flo_money_add_checked(&m, flo_money_of(1)));
}

static void capture(void *ctx, const struct flo_summary *s)
{
	*(struct flo_summary *)ctx = *s;
}

static void test_rfm_overflow(void)
{
	struct flo_rfm_config cfg = {.unit_days = 7, .order_ids = 1};
	flo_rfm *r;
	enum flo_order_fate fate;
	int64_t t = (int64_t)flo_day_from_civil(2021, 1, 1) * 86400;
	size_t holdout_only;
	struct flo_summary s;

	CHECK_INT(flo_rfm_new(&r, &cfg), FLO_OK);
	CHECK_INT(flo_rfm_add(r, "a", 1, t, 6e299, "o1", 2, NULL, &fate), FLO_OK);
	/* The second would make the revenue 1.2e300: refused, nothing kept,
	 * not even its order id. */
	CHECK_INT(flo_rfm_add(r, "a", 1, t + 86400, 6e299, "o2", 2, NULL, &fate), FLO_ERANGE);
	CHECK_INT(flo_rfm_add(r, "a", 1, t + 86400, 5, "o2", 2, NULL, &fate), FLO_OK);
	CHECK_INT(fate, FLO_ORDER_CALIBRATION);
	/* A value no sum can hold does not even make the customer. */
	CHECK_INT(flo_rfm_add(r, "b", 1, t, DBL_MAX, "o3", 2, NULL, &fate), FLO_ERANGE);
	CHECK_INT((int)flo_rfm_customers(r), 1);
	CHECK_INT(flo_rfm_each(r, capture, &s, &holdout_only), FLO_OK);
	CHECK(s.orders == 2 && s.revenue == 6e299 + 5 && s.monetary == 5);
	CHECK(holdout_only == 0);
	flo_rfm_free(r);

	/* The batch path: the exact part past 4.6e12. */
	struct flo_rfm_config plain = {.unit_days = 7};
	struct flo_rfm_order o[600];
	long counts[4] = {0};
	for (int i = 0; i < 600; i++)
		o[i] = (struct flo_rfm_order){"c", 1, t, flo_money_of(9e9), 0};
	CHECK_INT(flo_rfm_new(&r, &plain), FLO_OK);
	CHECK_INT(flo_rfm_add_batch(r, o, 512, counts), FLO_OK);
	CHECK_INT(flo_rfm_add_batch(r, o, 1, counts), FLO_ERANGE);
	CHECK_INT(flo_rfm_each(r, capture, &s, &holdout_only), FLO_OK);
	CHECK(s.orders == 512 && s.revenue == 512 * 9e9);
	flo_rfm_free(r);
}

static void test_custstate_overflow(void)
{
	struct flo_rfm_config cfg = {.unit_days = 7, .per_order = 1};
	flo_custstate *st;
	int repeated;
	int64_t t = (int64_t)flo_day_from_civil(2021, 1, 1) * 86400;
	struct flo_custstate_order o = {t, 6e299, 0, NULL};

	CHECK_INT(flo_custstate_new(&st), FLO_OK);
	CHECK_INT(flo_custstate_add(st, &cfg, &o, &repeated), FLO_OK);
	o.time += 86400;
	/* On another day: the state's bound is the days' magnitudes summed. */
	CHECK_INT(flo_custstate_add(st, &cfg, &o, &repeated), FLO_ERANGE);
	o.time = t;
	CHECK_INT(flo_custstate_add(st, &cfg, &o, &repeated), FLO_ERANGE);
	CHECK(flo_custstate_orders(st) == 1);
	/* What is stored decodes: the encoder's and decoder's bounds agree. */
	unsigned char *buf = NULL;
	size_t cap = 0, len;
	CHECK_INT(flo_custstate_encode(st, &buf, &cap, &len), FLO_OK);
	CHECK_INT(flo_custstate_decode(st, &cfg, buf, len), FLO_OK);
	o.amount = -6e299; /* a return kept: the magnitudes count */
	o.time += 2 * 86400;
	CHECK_INT(flo_custstate_add(st, &cfg, &o, &repeated), FLO_ERANGE);
	free(buf);
	flo_custstate_free(st);
}

/* ---- the store ---- */

static int collect(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen,
		   int sound)
{
	int *bad = ctx;
	(void)id;
	(void)idlen;
	(void)val;
	(void)vlen;
	if (!sound)
		(*bad)++;
	return 0;
}

/* A store of n customers with values of vlen bytes; its data.mdb path. */
static void fill(const char *path, int n, size_t vlen)
{
	char err[FLO_STORE_ERRMAX], id[16];
	unsigned char val[256];
	flo_store *s;
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	for (int i = 0; i < n; i++) {
		int len = snprintf(id, sizeof id, "k%05d", i);
		memset(val, 'a' + i % 26, vlen);
		CHECK_INT(flo_store_customer_put(s, id, (size_t)len, val, vlen), FLO_OK);
	}
	CHECK_INT(flo_store_batch_commit(s), FLO_OK);
	flo_store_close(s);
}

/* Rewrite len bytes at off of path/data.mdb with a byte pattern (xor: 0 to
 * store the byte itself). */
static void poke(const char *path, long off, size_t len, int byte, int xor)
{
	char file[160];
	snprintf(file, sizeof file, "%s/data.mdb", path);
	FILE *f = fopen(file, "r+b");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	for (size_t i = 0; i < len; i++) {
		fseek(f, off + (long)i, SEEK_SET);
		int c = fgetc(f);
		fseek(f, off + (long)i, SEEK_SET);
		fputc(xor ? c ^ byte : byte, f);
	}
	fclose(f);
}

/* The offset of the last copy of text in path/data.mdb (the live one in a
 * store written once: LMDB appends). */
static long find_last(const char *path, const char *text)
{
	char file[160];
	snprintf(file, sizeof file, "%s/data.mdb", path);
	FILE *f = fopen(file, "rb");
	static unsigned char buf[1 << 20];
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0, k = strlen(text);
	long at = -1;
	if (f)
		fclose(f);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(buf + i, text, k) == 0)
			at = (long)i;
	return at;
}

static void test_store_damage(void)
{
	char path[128], err[FLO_STORE_ERRMAX];
	flo_store *s;
	struct flo_store_check c;
	struct flo_store_options verify = {.verify = 1};
	int bad = 0;
	const void *v;
	size_t vlen;

	/* Sound: every page, every checksum, the count. */
	snprintf(path, sizeof path, "%s/sound", tmpdir);
	fill(path, 2000, 40);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, &verify, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_check(s, &c, NULL, NULL), FLO_OK);
	CHECK(c.customers == 2000 && c.bad_sums == 0 && c.pages_sound && c.pages > 20);
	flo_store_close(s);

	/* A flipped byte in one value: that customer, and only it. */
	snprintf(path, sizeof path, "%s/flip", tmpdir);
	fill(path, 2000, 40);
	long at = find_last(path, "k01234");
	CHECK(at > 0);
	poke(path, at + 6 + 10, 1, 0x04, 1);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, &verify, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_check(s, &c, NULL, NULL), FLO_ESTORE);
	CHECK(c.bad_sums == 1 && c.customers == 2000 && c.pages_sound);
	CHECK_INT(flo_store_customer_scan(s, collect, &bad), FLO_OK);
	CHECK_INT(bad, 1);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	CHECK_INT(flo_store_customer_get(s, "k01234", 6, &v, &vlen), FLO_EVALUE);
	CHECK(strstr(flo_store_errmsg(s), "customer \"k01234\": the stored state is damaged") !=
	      NULL);
	CHECK_INT(flo_store_customer_get(s, "k01235", 6, &v, &vlen), FLO_OK);
	CHECK(vlen == 40);
	flo_store_batch_abort(s);
	flo_store_close(s);
	/* Dropped, the store is sound again. */
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	CHECK_INT(flo_store_customer_del(s, "k01234", 6), FLO_OK);
	CHECK_INT(flo_store_batch_commit(s), FLO_OK);
	CHECK_INT(flo_store_check(s, &c, NULL, NULL), FLO_OK);
	CHECK(c.customers == 1999);
	flo_store_close(s);

	/* A run of zeroed pages: refused at open with verify, naming a page;
	 * without verify (flo-score reading a model) the store opens, and a
	 * scan stops at the page with FLO_ESTORE, never inside LMDB. */
	snprintf(path, sizeof path, "%s/zero", tmpdir);
	fill(path, 2000, 40);
	poke(path, 10 * 4096, 3 * 4096, 0, 0);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, &verify, err, sizeof err), FLO_ESTORE);
	CHECK(strstr(err, "data.mdb: damaged: database \"customers\": page") != NULL);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_check(s, &c, NULL, NULL), FLO_ESTORE);
	CHECK(!c.pages_sound);
	CHECK_INT(flo_store_customer_scan(s, collect, &bad), FLO_ESTORE);
	CHECK(strstr(flo_store_errmsg(s), "zeroed or overwritten") != NULL);
	flo_store_close(s);

	/* The count in meta that disagrees with the records. */
	snprintf(path, sizeof path, "%s/count", tmpdir);
	fill(path, 10, 8);
	at = find_last(path, "customers10");
	CHECK(at > 0);
	poke(path, at + 9, 1, '2', 0);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, &verify, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_check(s, &c, NULL, NULL), FLO_ESTORE);
	CHECK(strstr(flo_store_errmsg(s), "counts 20 customer records, 10 are there") != NULL);
	flo_store_close(s);
}

/* The ids a scan hands over, as a bitmap of k00000..k01999. */
struct ids {
	unsigned char got[2000];
	int n;
};

static int collect_ids(void *ctx, const char *id, size_t idlen, const void *val, size_t vlen,
		       int sound)
{
	struct ids *k = ctx;
	(void)val;
	(void)vlen;
	int i = idlen == 6 && sound ? atoi(id + 1) : -1;
	CHECK(i >= 0 && i < 2000 && !k->got[i]);
	if (i >= 0 && i < 2000 && !k->got[i])
		k->got[i] = 1, k->n++;
	return 0;
}

/* Damaged pages under the live mode, a lookup and a salvaging dump: each
 * stops at the damaged page with FLO_ESTORE before LMDB reads it, or (the
 * salvage) goes round it. */
static void test_store_damage_paths(void)
{
	char path[128], err[FLO_STORE_ERRMAX], id[16];
	flo_store *s;
	const void *v;
	size_t vlen;
	struct flo_store_options salvage = {.salvage = 1};
	struct ids k;

	snprintf(path, sizeof path, "%s/paths", tmpdir);
	fill(path, 2000, 40);
	poke(path, 10 * 4096, 3 * 4096, 0, 0);
	/* Salvage: every record of every sound leaf, once, in order; then the
	 * loss in words, the records read being those handed over. */
	memset(&k, 0, sizeof k);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, &salvage, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_customer_scan(s, collect_ids, &k), FLO_ESTORE);
	CHECK(k.n > 100 && k.n < 2000);
	char want[96];
	snprintf(want, sizeof want, "with every page below them: %d of 2000 records read", k.n);
	CHECK(strstr(flo_store_errmsg(s), want) != NULL);
	CHECK(strstr(flo_store_errmsg(s), "zeroed or overwritten); 3 damaged pages skipped") != NULL);
	/* A reader's lookup walks its path: sound where the salvage read the
	 * key, damaged (named) where it could not. */
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	int sound = 0, damaged = 0;
	for (int i = 0; i < 2000; i++) {
		int len = snprintf(id, sizeof id, "k%05d", i);
		int rc = flo_store_customer_get(s, id, (size_t)len, &v, &vlen);
		if (k.got[i])
			sound += rc == FLO_OK && vlen == 40;
		else
			damaged += rc == FLO_ESTORE &&
				   strstr(flo_store_errmsg(s), "damaged: database \"customers\": page") != NULL;
	}
	CHECK_INT(sound, k.n);
	CHECK_INT(damaged, 2000 - k.n);
	CHECK_INT(flo_store_customer_get(s, "k", 1, &v, &vlen), FLO_ENOTFOUND);
	flo_store_batch_abort(s);
	flo_store_close(s);
	/* A writer walks the whole tree before its first lookup or write,
	 * even of a customer on a sound page. */
	int first = 0;
	while (!k.got[first])
		first++;
	int len = snprintf(id, sizeof id, "k%05d", first);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	CHECK_INT(flo_store_customer_get(s, id, (size_t)len, &v, &vlen), FLO_ESTORE);
	CHECK(strstr(flo_store_errmsg(s), "damaged: database \"customers\": page") != NULL);
	CHECK_INT(flo_store_customer_put(s, id, (size_t)len, "x", 1), FLO_ESTORE);
	CHECK_INT(flo_store_customer_del(s, id, (size_t)len), FLO_ESTORE);
	flo_store_batch_abort(s);
	flo_store_close(s);
}

/* The store path/data.mdb read whole into buf (at most 1 MiB); its size. */
static size_t read_store(const char *path, unsigned char *buf, size_t cap)
{
	char file[160];
	snprintf(file, sizeof file, "%s/data.mdb", path);
	FILE *f = fopen(file, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

/* The newest meta page's MDB_db at `db` (0: the free pages, 1: the main
 * database): its root page.  LMDB's layout: a 16-byte page header, magic,
 * version, address and map size (24 bytes), then the two 48-byte MDB_db
 * records, each with its root last. */
static uint64_t meta_root(const unsigned char *buf, int db)
{
	uint64_t t0, t1, root;
	memcpy(&t0, buf + 16 + 128, 8);
	memcpy(&t1, buf + 4096 + 16 + 128, 8);
	memcpy(&root, buf + (t1 > t0 ? 4096 : 0) + 16 + 24 + 48 * db + 40, 8);
	return root;
}

/* Make the first page number of path's free-page list `pgno`: a writer
 * would take that page for new data.  0 when the list was found. */
static int free_list_names(const char *path, uint64_t pgno)
{
	static unsigned char buf[1 << 20];
	size_t n = read_store(path, buf, sizeof buf);
	uint64_t root = meta_root(buf, 0);
	CHECK(root > 1 && (root + 1) * 4096 <= n);
	if (root < 2 || (root + 1) * 4096 > n)
		return -1;
	/* The free list's record: 8-byte key (a transaction), then the
	 * count and the page numbers. */
	const unsigned char *p = buf + root * 4096;
	uint16_t off;
	memcpy(&off, p + 16, 2); /* the first node */
	const unsigned char *node = p + off;
	uint16_t ksize;
	memcpy(&ksize, node + 6, 2);
	uint64_t count, first;
	memcpy(&count, node + 8 + ksize, 8);
	memcpy(&first, node + 8 + ksize + 8, 8);
	CHECK(count > 0 && first > 2);
	for (int i = 0; i < 8; i++)
		poke(path, (long)(root * 4096 + off + 8 + ksize + 8 + i), 1,
		     (int)(pgno >> (8 * i) & 0xff), 0);
	return 0;
}

/* The root page of the customers' tree: the main database's record named
 * "customers" (a node: 8 bytes of header, the name, an MDB_db). */
static uint64_t customers_root(const char *path)
{
	static unsigned char buf[1 << 20];
	size_t n = read_store(path, buf, sizeof buf);
	uint64_t main_root = meta_root(buf, 1), root = 0;
	if ((main_root + 1) * 4096 > n)
		return 0;
	const unsigned char *p = buf + main_root * 4096;
	for (size_t i = 8; i + 9 + 48 <= 4096; i++)
		if (memcmp(p + i, "customers", 9) == 0 && p[i - 2] == 9 && p[i - 1] == 0)
			memcpy(&root, p + i + 9 + 40, 8);
	return root;
}

/* A free-page list that names a page the tree uses: a writer would take it
 * for new data and overwrite live records, so the open refuses it. */
static void test_free_list_damage(void)
{
	char path[128], err[FLO_STORE_ERRMAX];
	flo_store *s;
	snprintf(path, sizeof path, "%s/freelist", tmpdir);
	fill(path, 200, 40);
	fill(path, 200, 41); /* rewritten: the first copies' pages are free */
	/* Page 2, the first past the meta pages, which the trees use. */
	if (free_list_names(path, 2) != 0)
		return;
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_ESTORE);
	CHECK(strstr(err, "free page 2 is in use, or listed twice") != NULL);
}

/* The same with a page of the customers' tree, which the open does not
 * walk (it may be large): a writer that never touches a customer (flo-fit
 * storing a model, flo-segment its cut points) still walks that tree before
 * its first write, so the list is refused before the write lands on it. */
static void test_free_list_names_customers(void)
{
	char path[128], err[FLO_STORE_ERRMAX], want[64];
	flo_store *s;
	snprintf(path, sizeof path, "%s/freecust", tmpdir);
	fill(path, 200, 40);
	fill(path, 200, 41);
	uint64_t root = customers_root(path);
	CHECK(root > 2);
	if (root <= 2 || free_list_names(path, root) != 0)
		return;
	snprintf(want, sizeof want, "free page %llu is in use", (unsigned long long)root);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_put_model(s, "default", "{}", 2), FLO_ESTORE);
	CHECK(strstr(flo_store_errmsg(s), want) != NULL);
	CHECK_INT(flo_store_put_cuts(s, "default", "x", 1), FLO_ESTORE);
	flo_store_close(s);
	/* and the customers are as they were */
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_READ, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	const void *v;
	size_t vlen;
	CHECK_INT(flo_store_customer_get(s, "k00007", 6, &v, &vlen), FLO_OK);
	CHECK_INT((long)vlen, 41);
	flo_store_batch_abort(s);
	flo_store_close(s);
}

static void test_newer_state(void)
{
	char path[128], err[FLO_STORE_ERRMAX];
	flo_store *s;
	struct flo_custdb_settings set;
	static const char text[] = "flo-custstate 3\nunit week\noccasion day\nfrequency repeat\n";

	snprintf(path, sizeof path, "%s/newer", tmpdir);
	CHECK_INT(flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err), FLO_OK);
	CHECK_INT(flo_store_batch_begin(s), FLO_OK);
	CHECK_INT(flo_store_customer_put(s, FLO_CUSTDB_SETTINGS_KEY, FLO_CUSTDB_SETTINGS_KEYLEN,
					 text, sizeof text - 1), FLO_OK);
	CHECK_INT(flo_store_batch_commit(s), FLO_OK);
	CHECK_INT(flo_custdb_read_settings(s, &set, err, sizeof err), FLO_EVERSION);
	CHECK(strstr(err, "newer format than this flo reads (2)") != NULL);
	flo_store_close(s);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/flo-harden-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_crc32c();
	test_money();
	test_rfm_overflow();
	test_custstate_overflow();
	test_store_damage();
	test_store_damage_paths();
	test_free_list_damage();
	test_free_list_names_customers();
	test_newer_state();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_report();
}
