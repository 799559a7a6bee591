/* fuzz_store.c: a whole store file.  The input is the bytes of a data.mdb
 * (seeded from small real stores: tests/fuzz/corpus/store/), written to a
 * store directory and read as flo-rfm --check and --dump read it:
 *   - opening with the page walk (store.h's verify option), the store check,
 *     the customer states' check and both dumps (stopping at, and skipping,
 *     damaged customers) end in a documented error or succeed, and never
 *     crash, abort inside LMDB (an assertion on a page the walk let
 *     through), leak, or hit undefined behaviour;
 *   - a store the check finds sound dumps without error, every summary
 *     finite;
 *   - opened as flo-rfm --dump --skip-bad opens it (no walk of the
 *     customers at open, a salvaging scan that goes round damaged pages),
 *     the dump ends in a documented error or succeeds, every summary it
 *     hands over finite;
 *   - opened for writing as the live mode and --drop-customer open it (the
 *     customers' pages walked before the first lookup), a lookup, a put, a
 *     delete and a commit end in a documented error or succeed, never in an
 *     abort inside LMDB. */
#include "fuzz.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "store/custdb.h"
#include "store/store.h"

static char dir[64];
static char file[96];

static void remove_dir(void)
{
	char lock[96];
	snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
	unlink(lock);
	snprintf(lock, sizeof lock, "%s/writer.lock", dir);
	unlink(lock);
	unlink(file);
	rmdir(dir);
}

/* One store directory for the run, removed at exit. */
static void make_dir(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof dir, "/tmp/flo-fuzz-store-XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof file, "%s/data.mdb", dir);
	atexit(remove_dir);
}

struct seen {
	size_t n;
};

static void summary(void *ctx, const struct flo_summary *s)
{
	struct seen *k = ctx;
	FUZZ_CHECK(isfinite(s->frequency) && isfinite(s->recency) && isfinite(s->T) &&
		   isfinite(s->monetary) && isfinite(s->revenue) && isfinite(s->holdout_value));
	k->n++;
}

static void bad(void *ctx, const char *id, size_t idlen, const char *why)
{
	(void)ctx;
	(void)id;
	(void)idlen;
	FUZZ_CHECK(why[0] != '\0');
}

static int known(int rc)
{
	return rc == FLO_OK || rc == FLO_ESTORE || rc == FLO_EVERSION || rc == FLO_ENOTFOUND ||
	       rc == FLO_EUSAGE || rc == FLO_ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[8192];
	flo_store *s = NULL;

	make_dir();
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	struct flo_store_options opt = {.verify = 1};
	int rc = flo_store_open(&s, dir, FLO_STORE_READ, &opt, err, sizeof err);
	FUZZ_CHECK(known(rc));
	if (rc != FLO_OK) {
		FUZZ_CHECK(s == NULL && err[0] != '\0');
		return 0;
	}
	struct flo_store_check sc;
	int sound = flo_store_check(s, &sc, NULL, NULL) == FLO_OK;

	struct flo_custdb_wish wish = {"week", 0, 0, 0, NULL, NULL, 0};
	struct flo_rfm_config cfg = {0};
	struct flo_custdb_settings set;
	memset(&set, 0, sizeof set);
	cfg.unit_days = 7;
	rc = flo_custdb_settle(s, dir, &wish, &cfg, &set, err, sizeof err);
	FUZZ_CHECK(known(rc));
	if (rc == FLO_OK) {
		struct flo_custdb_counts counts;
		struct seen k = {0};
		int checked = flo_custdb_check(s, dir, &cfg, bad, NULL, &counts, err, sizeof err);
		FUZZ_CHECK(known(checked));
		rc = flo_custdb_dump(s, dir, &cfg, summary, &k, NULL, NULL, &counts, err, sizeof err);
		FUZZ_CHECK(known(rc));
		/* A store found sound dumps whole; one that stops writes nothing. */
		if (sound && checked == FLO_OK)
			FUZZ_CHECK(rc == FLO_OK && k.n == counts.customers);
		if (rc != FLO_OK)
			FUZZ_CHECK(k.n == 0);
		k.n = 0;
		rc = flo_custdb_dump(s, dir, &cfg, summary, &k, bad, NULL, &counts, err, sizeof err);
		FUZZ_CHECK(known(rc));
	}
	flo_custdb_settings_free(&set);
	flo_store_close(s);

	struct flo_store_options salvage = {.salvage = 1};
	rc = flo_store_open(&s, dir, FLO_STORE_READ, &salvage, err, sizeof err);
	FUZZ_CHECK(known(rc));
	if (rc == FLO_OK) {
		memset(&set, 0, sizeof set);
		cfg = (struct flo_rfm_config){0};
		cfg.unit_days = 7;
		rc = flo_custdb_settle(s, dir, &wish, &cfg, &set, err, sizeof err);
		FUZZ_CHECK(known(rc));
		if (rc == FLO_OK) {
			struct flo_custdb_counts counts;
			struct seen k = {0};
			rc = flo_custdb_dump(s, dir, &cfg, summary, &k, bad, NULL, &counts, err,
					     sizeof err);
			FUZZ_CHECK(known(rc));
		}
		flo_custdb_settings_free(&set);
		flo_store_close(s);
	}

	struct flo_store_options writer = {.nosync = 1};
	rc = flo_store_open(&s, dir, FLO_STORE_WRITE, &writer, err, sizeof err);
	FUZZ_CHECK(known(rc));
	if (rc == FLO_OK) {
		const void *v;
		size_t vlen;
		rc = flo_store_batch_begin(s);
		if (rc == FLO_OK) {
			rc = flo_store_customer_get(s, "c00001", 6, &v, &vlen);
			FUZZ_CHECK(known(rc) || rc == FLO_EVALUE);
			rc = flo_store_customer_put(s, "c00001", 6, "state", 5);
			FUZZ_CHECK(known(rc));
			if (rc == FLO_OK)
				rc = flo_store_customer_del(s, "c00002", 6);
			FUZZ_CHECK(known(rc));
			if (rc == FLO_OK)
				rc = flo_store_batch_commit(s);
			FUZZ_CHECK(known(rc));
			flo_store_batch_abort(s);
		}
		flo_store_close(s);
	}
	return 0;
}
