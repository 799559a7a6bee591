/* Regression tests for what fuzzing and the bad-input catalogue found
 * (tests/fuzz/README.md): each test names the input that once broke a
 * rule, and the rule.  The inputs a fuzzer found are also in
 * tests/fuzz/corpus/, replayed by test_fuzz_<harness>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/date.h"
#include "base/err.h"
#include "base/json.h"
#include "reader_over.h"
#include "record/reader.h"
#include "record/writer.h"

static flo_reader *reader_of(const char *text, enum flo_format fmt)
{
	return reader_over(text, strlen(text), fmt);
}

/* What a writer in fmt makes of records, through a temporary file: the
 * text (static, NUL-terminated). */
struct writing {
	FILE *f;
	flo_writer *w;
};

static struct writing writer_to(enum flo_format fmt)
{
	struct writing wr;
	wr.f = tmpfile();
	CHECK_INT(flo_writer_new(&wr.w, fileno(wr.f), fmt), FLO_OK);
	return wr;
}

static const char *written(struct writing *wr)
{
	static char buf[1024];
	CHECK_INT(flo_writer_close(wr->w), FLO_OK);
	rewind(wr->f);
	size_t n = fread(buf, 1, sizeof buf - 1, wr->f);
	buf[n] = '\0';
	fclose(wr->f);
	return buf;
}

/* An offset may move a date-time across 1900 or 9999: flo_parse_time()
 * (flo-rfm's dates) once accepted 1900-01-01T00:30+01:00 as 1899-12-31 and
 * turned 9999-12-31T23:00-05:00 into the day printed 0000-01-01. */
static void test_time_range_after_offset(void)
{
	int64_t t;
	int32_t d;
	const char *s;
	s = "1900-01-01T00:30+01:00";
	CHECK_INT(flo_parse_time(s, strlen(s), &t), FLO_ERANGE);
	s = "9999-12-31T23:00-05:00";
	CHECK_INT(flo_parse_time(s, strlen(s), &t), FLO_ERANGE);
	CHECK_INT(flo_parse_day(s, strlen(s), &d), FLO_ERANGE);
	s = "9999-12-31T23:59:59Z";
	CHECK_INT(flo_parse_time(s, strlen(s), &t), FLO_OK);
	CHECK(t == 253402300799LL);
	s = "1900-01-01T01:00+01:00";
	CHECK_INT(flo_parse_time(s, strlen(s), &t), FLO_OK);
	CHECK(t == -2208988800LL);
	s = "9999-12-31T23:59:60Z"; /* a leap second stays in its day */
	CHECK_INT(flo_parse_time(s, strlen(s), &t), FLO_OK);
}

/* fuzz_json: "[]" or "{}" first closed an empty container with no value
 * stack yet, computing NULL + 0 (undefined behaviour). */
static void test_json_empty_containers(void)
{
	static const char *const texts[] = {"{}", "[]", "[[[]]]", "{\"a\":{},\"b\":[]}"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		flo_json *doc;
		CHECK_INT(flo_json_parse(texts[i], FLO_JSON_NTS, &doc, NULL, 0), FLO_OK);
		flo_json_free(doc);
	}
}

/* fuzz_csv: a CSV value " " was written as a line of one blank, which the
 * reader then skipped as a blank line: a record lost on the way back.  In
 * CSV and TSV only an empty line is no record. */
static void test_blank_lines_are_records(void)
{
	flo_reader *r = reader_of("a\n\" \"\n \n\n", FLO_FMT_CSV);
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_next(r), 1);
	size_t n;
	const struct flo_field *f = flo_reader_fields(r, &n);
	CHECK(n == 1 && f[0].len == 1 && f[0].val[0] == ' ');
	CHECK_INT(flo_reader_line(r), 3);
	CHECK_INT(flo_reader_next(r), 0);
	flo_reader_free(r);

	/* a tab separates two empty values: a record, not a blank line */
	r = reader_of("a\tb\n\t\n", FLO_FMT_TSV);
	CHECK_INT(flo_reader_next(r), 1);
	f = flo_reader_fields(r, &n);
	CHECK(n == 2 && f[0].len == 0 && f[1].len == 0);
	flo_reader_free(r);

	/* JSON Lines still skips a line of blanks */
	r = reader_of("{\"a\":1}\n  \t\n{\"a\":2}\n", FLO_FMT_JSONL);
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_line(r), 3);
	flo_reader_free(r);
}

/* The raw text of a record whose quote stays open to the end of the input
 * kept the input's last newline, so a rejects file had it twice. */
static void test_unterminated_raw(void)
{
	flo_reader *r = reader_of("a,b\n1,2\n\"open,3\n4,5\n", FLO_FMT_CSV);
	size_t len;
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	const char *raw = flo_reader_raw(r, &len);
	CHECK(len == strlen("\"open,3\n4,5") && memcmp(raw, "\"open,3\n4,5", len) == 0);
	CHECK_INT(flo_reader_next(r), 0);
	flo_reader_free(r);
}

/* JSON text is UTF-8 (RFC 8259, 8.1): a JSON Lines string that is not is
 * a bad record, as a name given twice in one object is (which value a tool
 * would use was the first's, without a word). */
static void test_jsonl_utf8_and_duplicates(void)
{
	flo_reader *r = reader_of("{\"id\":\"caf\xe9\"}\n{\"id\":\"caf\xc3\xa9\"}\n"
				  "{\"id\":1,\"x\":2,\"id\":3}\n{\"\xff\":1}\n",
				  FLO_FMT_JSONL);
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK_STR(flo_reader_errmsg(r), "invalid UTF-8 in a JSON string (byte 0xE9 at byte 10 of the line)");
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK_STR(flo_reader_errmsg(r), "field \"id\" appears twice in the JSON object");
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK_INT(flo_reader_next(r), 0);
	flo_reader_free(r);

	CHECK_INT(flo_utf8_char("a", 1), 1);
	CHECK_INT(flo_utf8_char("\xc3\xa9", 2), 2);
	CHECK_INT(flo_utf8_char("\xc3\xa9", 1), 0);      /* cut short */
	CHECK_INT(flo_utf8_char("\xc0\x80", 2), 0);      /* overlong NUL */
	CHECK_INT(flo_utf8_char("\xed\xa0\x80", 3), 0);  /* a surrogate */
	CHECK_INT(flo_utf8_char("\xf4\x90\x80\x80", 4), 0); /* past U+10FFFF */
	CHECK_INT(flo_utf8_char("\xf0\x9f\x98\x80", 4), 4);
}

/* The writer: a value that is not UTF-8 cannot be JSON (the record is
 * refused and the writer goes on); an empty value into a buffer not yet
 * allocated was NULL + 0 (fuzz_csv); a first header name that starts with
 * U+FEFF was read back as a byte-order mark and lost (fuzz_csv); a header
 * of one empty name was a blank line. */
static void test_writer_edges(void)
{
	struct writing wr = writer_to(FLO_FMT_JSONL);
	flo_writer_str(wr.w, "id", "caf\xe9", 4);
	CHECK_INT(flo_writer_end(wr.w), FLO_ESYNTAX);
	CHECK_STR(flo_writer_errmsg(wr.w), "field \"id\" is not UTF-8 text (byte 0xe9): JSON output "
					  "needs UTF-8; write CSV or TSV (-o csv) to pass any bytes through");
	flo_writer_str(wr.w, "id", "caf\xc3\xa9", 5);
	CHECK_INT(flo_writer_end(wr.w), FLO_OK);
	flo_writer_str(wr.w, "\x01\xff", "x", 1);
	CHECK_INT(flo_writer_end(wr.w), FLO_ESYNTAX);
	CHECK(strstr(flo_writer_errmsg(wr.w), "field name \"\\x01\\xff\"") != NULL);
	CHECK_STR(written(&wr), "{\"id\":\"caf\xc3\xa9\"}\n");

	wr = writer_to(FLO_FMT_CSV);
	flo_writer_str(wr.w, "", "", 0);
	CHECK_INT(flo_writer_end(wr.w), FLO_OK);
	CHECK_STR(written(&wr), "\"\"\n\"\"\n");

	wr = writer_to(FLO_FMT_CSV);
	flo_writer_str(wr.w, "\xef\xbb\xbfid", "1", 1);
	flo_writer_str(wr.w, "x", " ", 1);
	CHECK_INT(flo_writer_end(wr.w), FLO_OK);
	const char *text = written(&wr);
	CHECK_STR(text, "\"\xef\xbb\xbfid\",x\n1, \n");
	flo_reader *r = reader_of(text, FLO_FMT_CSV);
	CHECK_INT(flo_reader_next(r), 1);
	size_t n;
	const struct flo_field *f = flo_reader_fields(r, &n);
	CHECK(n == 2 && f[0].name_len == 5 && memcmp(f[0].name, "\xef\xbb\xbfid", 5) == 0);
	flo_reader_free(r);
}

int main(void)
{
	test_time_range_after_offset();
	test_json_empty_containers();
	test_blank_lines_are_records();
	test_unterminated_raw();
	test_jsonl_utf8_and_duplicates();
	test_writer_edges();
	return check_report();
}
