/* test_spool.c: records kept in memory come back in order, byte for byte,
 * with their names and kinds; under same_names a record with other names
 * is refused and not kept. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/err.h"
#include "record/spool.h"

#define FIELD(n, v, k) {n, sizeof n - 1, v, sizeof v - 1, k}

static void check_record(const struct flo_field *got, size_t n, const struct flo_field *want,
			 size_t wn)
{
	CHECK_INT(n, wn);
	for (size_t i = 0; i < n && i < wn; i++) {
		CHECK(got[i].name_len == want[i].name_len &&
		      memcmp(got[i].name, want[i].name, want[i].name_len) == 0);
		CHECK(got[i].len == want[i].len && memcmp(got[i].val, want[i].val, want[i].len) == 0);
		CHECK_INT(got[i].kind, want[i].kind);
	}
}

static void test_same_names(void)
{
	const struct flo_field a[3] = {FIELD("id", "c1", FLO_KIND_STR), FIELD("clv", "12.5",
				       FLO_KIND_NUM), FIELD("note", "", FLO_KIND_STR)};
	const struct flo_field b[3] = {FIELD("id", "c2", FLO_KIND_STR), FIELD("clv", "7",
				       FLO_KIND_NUM), FIELD("note", "a\0b", FLO_KIND_STR)};
	const struct flo_field other[2] = {FIELD("clv", "1", FLO_KIND_NUM), FIELD("id", "c3",
					   FLO_KIND_STR)};
	flo_spool *s;
	size_t pos = 0, n;

	CHECK_INT(flo_spool_new(&s, 1), FLO_OK);
	CHECK_INT(flo_spool_add(s, a, 3), FLO_OK);
	CHECK_INT(flo_spool_add(s, other, 2), FLO_ESYNTAX);
	CHECK_INT(flo_spool_add(s, b, 2), FLO_ESYNTAX); /* fewer fields */
	CHECK_INT(flo_spool_add(s, b, 3), FLO_OK);
	CHECK_INT(flo_spool_count(s), 2);
	const struct flo_field *f = flo_spool_next(s, &pos, &n);
	check_record(f, n, a, 3);
	f = flo_spool_next(s, &pos, &n);
	check_record(f, n, b, 3);
	flo_spool_free(s);
	flo_spool_free(NULL);
}

static void test_varying(void)
{
	const struct flo_field a[2] = {FIELD("id", "c1", FLO_KIND_STR), FIELD("x", "",
				       FLO_KIND_NULL)};
	const struct flo_field other[3] = {FIELD("y", "true", FLO_KIND_BOOL), FIELD("id", "c3",
					   FLO_KIND_STR), FIELD("z", "1", FLO_KIND_NUM)};
	flo_spool *s;
	size_t pos = 0, n;

	CHECK_INT(flo_spool_new(&s, 0), FLO_OK);
	/* many records, enough to grow the buffer past its first 64 KiB */
	for (int i = 0; i < 5000; i++) {
		CHECK_INT(flo_spool_add(s, i % 2 ? other : a, i % 2 ? 3 : 2), FLO_OK);
		CHECK_INT(flo_spool_add(s, NULL, 0), FLO_OK);
	}
	CHECK_INT(flo_spool_count(s), 10000);
	for (int i = 0; i < 5000; i++) {
		const struct flo_field *f = flo_spool_next(s, &pos, &n);
		check_record(f, n, i % 2 ? other : a, i % 2 ? 3 : 2);
		flo_spool_next(s, &pos, &n);
		CHECK_INT(n, 0);
	}
	flo_spool_free(s);
}

int main(void)
{
	test_same_names();
	test_varying();
	return check_report();
}
