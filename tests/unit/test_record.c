/* Unit tests for the record reader and writer (lib/record/reader.c, lib/record/writer.c). */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "reader_over.h"
#include "record/reader.h"
#include "record/writer.h"


static flo_reader *reader_of(const char *text)
{
	return reader_over(text, strlen(text), FLO_FMT_AUTO);
}

static void close_reader(flo_reader *r)
{
	/* The reader does not own its descriptor; the test dup()ed it. */
	flo_reader_free(r);
}

/* Field i of the current record as a NUL-terminated string (static). */
static const char *val(flo_reader *r, size_t i)
{
	static char buf[4][256];
	static int k;
	size_t n;
	const struct flo_field *f = flo_reader_fields(r, &n);
	if (i >= n)
		return "(missing)";
	char *b = buf[k++ % 4];
	snprintf(b, 256, "%.*s", (int)f[i].len, f[i].val);
	return b;
}

static const char *name(flo_reader *r, size_t i)
{
	static char buf[256];
	size_t n;
	const struct flo_field *f = flo_reader_fields(r, &n);
	snprintf(buf, sizeof buf, "%.*s", (int)f[i].name_len, f[i].name);
	return buf;
}

static size_t nfields(flo_reader *r)
{
	size_t n;
	flo_reader_fields(r, &n);
	return n;
}

static void test_csv_rfc4180(void)
{
	flo_reader *r = reader_of("\xEF\xBB\xBF" "id,name,note\r\n"
				  "1,\"Smith, J\",\"say \"\"hi\"\"\"\r\n"
				  "\r\n"
				  "2,\"two\nlines\",plain\r\n"
				  "3,12\" vinyl,\"\"\r\n"
				  "4,last,no newline");
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_format(r), FLO_FMT_CSV);
	CHECK_INT(nfields(r), 3);
	CHECK_STR(name(r, 0), "id"); /* the BOM is not part of the name */
	CHECK_STR(val(r, 1), "Smith, J");
	CHECK_STR(val(r, 2), "say \"hi\"");
	CHECK_INT(flo_reader_line(r), 2);
	size_t len;
	const char *raw = flo_reader_raw(r, &len);
	CHECK_INT(len, strlen("1,\"Smith, J\",\"say \"\"hi\"\"\"\r"));
	CHECK(memcmp(raw, "1,\"Smith", 8) == 0);

	CHECK_INT(flo_reader_next(r), 1);
	CHECK_STR(val(r, 1), "two\nlines");
	CHECK_STR(val(r, 2), "plain");
	CHECK_INT(flo_reader_line(r), 4); /* the blank line 3 is skipped */

	CHECK_INT(flo_reader_next(r), 1);
	CHECK_STR(val(r, 1), "12\" vinyl"); /* a quote inside an unquoted field */
	CHECK_STR(val(r, 2), "");
	CHECK_INT(flo_reader_line(r), 6);

	CHECK_INT(flo_reader_next(r), 1);
	CHECK_STR(val(r, 2), "no newline");
	CHECK_INT(flo_reader_next(r), 0);
	CHECK_INT(flo_reader_next(r), 0);
	close_reader(r);
}

static void test_csv_errors(void)
{
	flo_reader *r = reader_of("a,b\n1,2,3\n\"x\"y,2\n5,6\n\"open,7\n");
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK(strstr(flo_reader_errmsg(r), "3 fields, the header has 2") != NULL);
	CHECK_INT(flo_reader_line(r), 2);
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK(strstr(flo_reader_errmsg(r), "after the closing quote") != NULL);
	CHECK_INT(flo_reader_next(r), 1); /* the reader goes on after a bad record */
	CHECK_STR(val(r, 0), "5");
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK(strstr(flo_reader_errmsg(r), "unterminated") != NULL);
	CHECK_INT(flo_reader_line(r), 5);
	CHECK_INT(flo_reader_next(r), 0);
	close_reader(r);

	r = reader_of("a,a\n1,2\n");
	CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
	CHECK(strstr(flo_reader_errmsg(r), "duplicate column \"a\"") != NULL);
	CHECK(flo_reader_fatal(r));
	close_reader(r);

	r = reader_of("");
	CHECK_INT(flo_reader_next(r), 0);
	size_t n;
	flo_reader_header(r, &n);
	CHECK_INT(n, 0);
	close_reader(r);

	r = reader_of("a,b\n");
	CHECK_INT(flo_reader_next(r), 0);
	flo_reader_header(r, &n);
	CHECK_INT(n, 2);
	close_reader(r);
}

static void test_tsv(void)
{
	flo_reader *r = reader_of("id\tnote\n1\ttab\\there\\nnewline \\\\ \\x\n");
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_format(r), FLO_FMT_TSV);
	CHECK_STR(val(r, 1), "tab\there\nnewline \\ \\x");
	close_reader(r);
}

static void test_jsonl(void)
{
	flo_reader *r = reader_of(
		"{\"id\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"n\": -1.5e3, \"t\": true, \"z\": null}\n"
		"  \n"
		"{\"n\":2,\"id\":\"\\u00e9\\ud83d\\ude00\"}\r\n"
		"{}\n");
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(flo_reader_format(r), FLO_FMT_JSONL);
	CHECK_STR(val(r, 0), "a\"b\\c/d\b\f\n\r\t");
	size_t n;
	const struct flo_field *f = flo_reader_fields(r, &n);
	CHECK_INT(n, 4);
	CHECK_INT(f[1].kind, FLO_KIND_NUM);
	CHECK_STR(val(r, 1), "-1.5e3");
	CHECK_INT(f[2].kind, FLO_KIND_BOOL);
	CHECK_INT(f[3].kind, FLO_KIND_NULL);
	struct flo_col id = FLO_COL("id");
	CHECK_INT(flo_reader_next(r), 1);
	const struct flo_field *g = flo_reader_get(r, &id);
	CHECK(g != NULL && g->len == 6 && memcmp(g->val, "\xC3\xA9\xF0\x9F\x98\x80", 6) == 0);
	CHECK_INT(flo_reader_line(r), 3);
	CHECK_INT(flo_reader_next(r), 1);
	CHECK_INT(nfields(r), 0);
	CHECK_INT(flo_reader_next(r), 0);
	close_reader(r);

	static const struct {
		const char *line, *msg;
	} bad[] = {
		{"[1,2]\n", "not a JSON object"},
		{"{\"a\":{\"b\":1}}\n", "nested object"},
		{"{\"a\":[1]}\n", "nested array"},
		{"{\"a\":1\n", "truncated"},
		{"{\"a\":\"x}\n", "unterminated"},
		{"{\"a\":01}\n", "no valid JSON value"},
		{"{\"a\":0x10}\n", "no valid JSON value"},
		{"{\"a\":nan}\n", "no valid JSON value"},
		{"{\"a\":\"\\ud800\"}\n", "without its pair"},
		{"{\"a\":\"\\udc00\"}\n", "lone low surrogate"},
		{"{\"a\":\"\\q\"}\n", "bad escape"},
		{"{\"a\":1} x\n", "text after"},
		{"{\"a\":\"tab\there\"}\n", "control character"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		r = reader_over(bad[i].line, strlen(bad[i].line), FLO_FMT_JSONL);
		CHECK_INT(flo_reader_next(r), -FLO_ESYNTAX);
		if (strstr(flo_reader_errmsg(r), bad[i].msg) == NULL) {
			fprintf(stderr, "  %s -> %s\n", bad[i].line, flo_reader_errmsg(r));
			CHECK(0);
		}
		close_reader(r);
	}
}

/* Records straddling the 1 MiB read boundary and a record longer than the
 * first buffer. */
static void test_large(void)
{
	size_t big = 3u << 20;
	size_t cap = big + (4u << 20);
	char *data = malloc(cap), *p = data;
	p += sprintf(p, "id,text\n");
	long rows = 0;
	while ((size_t)(p - data) < (2u << 20))
		p += sprintf(p, "%ld,\"row, %ld\"\n", rows, rows), rows++;
	p += sprintf(p, "big,");
	memset(p, 'x', big);
	p += big;
	p += sprintf(p, "\nend,1\n");
	flo_reader *r = reader_over(data, (size_t)(p - data), FLO_FMT_AUTO);
	long seen = 0;
	int got;
	char want[64];
	while ((got = flo_reader_next(r)) == 1) {
		if (seen < rows) {
			snprintf(want, sizeof want, "row, %ld", seen);
			CHECK_STR(val(r, 1), want);
		} else if (seen == rows) {
			size_t n;
			const struct flo_field *f = flo_reader_fields(r, &n);
			CHECK_INT(f[1].len, big);
		} else {
			CHECK_STR(val(r, 0), "end");
		}
		seen++;
	}
	CHECK_INT(got, 0);
	CHECK_INT(seen, rows + 2);
	close_reader(r);
	free(data);
}

/* Write records to a temporary file; return its contents (malloc'd). */
static char *written(enum flo_format fmt, void (*fill)(flo_writer *))
{
	FILE *f = tmpfile();
	flo_writer *w;
	CHECK_INT(flo_writer_new(&w, fileno(f), fmt), FLO_OK);
	fill(w);
	CHECK_INT(flo_writer_close(w), FLO_OK);
	long n = ftell(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	char *s = calloc((size_t)n + 1, 1);
	CHECK(fread(s, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return s;
}

static void two_records(flo_writer *w)
{
	flo_writer_str(w, "id", "a,b", 3);
	flo_writer_num(w, "x", 0.1);
	flo_writer_day(w, "d", 0);
	flo_writer_str(w, "note", "say \"hi\"\n\ttab\\", 14);
	CHECK_INT(flo_writer_end(w), FLO_OK);
	flo_writer_str(w, "id", "", 0);
	flo_writer_num(w, "x", -2);
	flo_writer_day(w, "d", 18778);
	flo_writer_null(w, "note");
	CHECK_INT(flo_writer_end(w), FLO_OK);
}

static void test_writer(void)
{
	char *s = written(FLO_FMT_CSV, two_records);
	CHECK_STR(s, "id,x,d,note\n"
		     "\"a,b\",0.1,1970-01-01,\"say \"\"hi\"\"\n\ttab\\\"\n"
		     ",-2,2021-05-31,\n");
	free(s);
	s = written(FLO_FMT_TSV, two_records);
	CHECK_STR(s, "id\tx\td\tnote\n"
		     "a,b\t0.1\t1970-01-01\tsay \"hi\"\\n\\ttab\\\\\n"
		     "\t-2\t2021-05-31\t\n");
	free(s);
	s = written(FLO_FMT_JSONL, two_records);
	CHECK_STR(s, "{\"id\":\"a,b\",\"x\":0.1,\"d\":\"1970-01-01\","
		     "\"note\":\"say \\\"hi\\\"\\n\\ttab\\\\\"}\n"
		     "{\"id\":\"\",\"x\":-2,\"d\":\"2021-05-31\",\"note\":null}\n");
	free(s);
}

static void mismatched(flo_writer *w)
{
	flo_writer_str(w, "a", "1", 1);
	CHECK_INT(flo_writer_end(w), FLO_OK);
	flo_writer_str(w, "b", "2", 1);
	CHECK_INT(flo_writer_end(w), FLO_ESYNTAX);
	CHECK(strstr(flo_writer_errmsg(w), "differ") != NULL);
	/* names the header's is a prefix of, or that are a prefix of it */
	flo_writer_num(w, "ab", 3);
	CHECK_INT(flo_writer_end(w), FLO_ESYNTAX);
	flo_writer_day(w, "", 4);
	CHECK_INT(flo_writer_end(w), FLO_ESYNTAX);
	flo_writer_str(w, "a", "", 0);
	CHECK_INT(flo_writer_end(w), FLO_OK);
}

static void test_writer_schema(void)
{
	char *s = written(FLO_FMT_CSV, mismatched);
	CHECK_STR(s, "a\n1\n\"\"\n"); /* a lone empty field is not a blank line */
	free(s);
}

static void test_write_error(void)
{
	int fd[2];
	CHECK(pipe(fd) == 0);
	close(fd[0]);
	flo_writer *w;
	CHECK_INT(flo_writer_new(&w, fd[1], FLO_FMT_CSV), FLO_OK);
	signal(SIGPIPE, SIG_IGN);
	flo_writer_str(w, "a", "1", 1);
	flo_writer_end(w);
	CHECK_INT(flo_writer_close(w), FLO_EIO);
	close(fd[1]);
}

int main(void)
{
	test_csv_rfc4180();
	test_csv_errors();
	test_tsv();
	test_jsonl();
	test_large();
	test_writer();
	test_writer_schema();
	test_write_error();
	return check_report();
}
