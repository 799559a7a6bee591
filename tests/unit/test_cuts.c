/* test_cuts.c: cut points saved to and loaded from a store (store/cuts.h):
 * the round trip, and the message for each way a load fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "segment/segment.h"
#include "store/cuts.h"
#include "store/store.h"

/* The store's files (store.h), then its directory. */
static void rm_store(const char *path)
{
	static const char *const files[] = {"data.mdb", "lock.mdb", "writer.lock"};
	char sub[128];
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(sub, sizeof sub, "%s/%s", path, files[i]);
		unlink(sub);
	}
	rmdir(path);
}

static void test_cuts_store(const char *path)
{
	char msg[FLO_CUTS_MSG], want[FLO_CUTS_MSG];
	struct flo_cuts *c = (struct flo_cuts *)1;
	double edges[4] = {1, 2.5, 10, 100};
	char *labels[3] = {"low", "mid", "high"};
	struct flo_cuts in = {"clv", 3, 42, edges, labels};
	char *text;
	size_t len;

	/* Nothing there yet: a read open creates nothing. */
	CHECK_INT(flo_cuts_load(path, "x", &c, msg, sizeof msg), FLO_ENOTFOUND);
	CHECK(c == NULL);
	CHECK_STR(msg, "no store there");

	CHECK_INT(flo_cuts_encode(&in, &text, &len), FLO_OK);
	CHECK_INT(flo_cuts_save(path, "x", text, len, msg, sizeof msg), FLO_OK);
	free(text);

	CHECK_INT(flo_cuts_load(path, "y", &c, msg, sizeof msg), FLO_ENOTFOUND);
	CHECK(c == NULL);
	CHECK_STR(msg, "not stored");

	CHECK_INT(flo_cuts_load(path, "x", &c, msg, sizeof msg), FLO_OK);
	if (c != NULL) {
		CHECK_STR(c->field, "clv");
		CHECK_INT(c->groups, 3);
		CHECK_INT(c->records, 42);
		for (int i = 0; i <= 3; i++)
			CHECK(c->edges[i] == edges[i]);
		for (int i = 0; i < 3; i++)
			CHECK_STR(c->labels[i], labels[i]);
		flo_cuts_free(c);
	}

	/* Bytes that are no cut points: named with the store and the name. */
	CHECK_INT(flo_cuts_save(path, "junk", "{\"format\":\"x\"}", 14, msg, sizeof msg), FLO_OK);
	CHECK_INT(flo_cuts_load(path, "junk", &c, msg, sizeof msg), FLO_EVERSION);
	CHECK(c == NULL);
	snprintf(want, sizeof want, "cut points \"junk\" in %s: ", path);
	CHECK(strncmp(msg, want, strlen(want)) == 0);

	/* A name LMDB cannot key: the store's words, after the path. */
	char longname[600];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(flo_cuts_save(path, longname, "{}", 2, msg, sizeof msg), FLO_EUSAGE);
	snprintf(want, sizeof want, "store %s: ", path);
	CHECK(strncmp(msg, want, strlen(want)) == 0);
}

/* A store path that is a plain file: the open's words, after the path. */
static void test_not_a_store(const char *dir)
{
	char path[128], msg[FLO_CUTS_MSG], want[256];
	struct flo_cuts *c;
	snprintf(path, sizeof path, "%s/file", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("not a store\n", f);
	fclose(f);
	int rc = flo_cuts_save(path, "x", "{}", 2, msg, sizeof msg);
	CHECK(rc != FLO_OK && rc != FLO_ENOTFOUND);
	snprintf(want, sizeof want, "store %s: ", path);
	CHECK(strncmp(msg, want, strlen(want)) == 0);
	rc = flo_cuts_load(path, "x", &c, msg, sizeof msg);
	CHECK(rc != FLO_OK);
	CHECK(c == NULL);
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/flo-test-cuts-XXXXXX";
	char path[64];

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return check_report();
	}
	snprintf(path, sizeof path, "%s/st", dir);
	test_cuts_store(path);
	test_not_a_store(dir);
	rm_store(path);
	rmdir(dir);
	return check_report();
}
