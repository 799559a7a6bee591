/* test_pass.c: records passed through with fields added (lib/record/pass.h):
 * in place of a namesake or at the end, numbers, strings and nulls, from a
 * reader (plain lines copied as text, or field by field) and from fields
 * kept in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "reader_over.h"
#include "record/pass.h"
#include "record/reader.h"
#include "record/writer.h"

static const char *const names[] = {"score", "label", "empty"};

/* The added values of record i: a number, a string, null. */
static void set_values(flo_pass *p, int i)
{
	static const char *const labels[] = {"one", "two, three", "four"};
	flo_pass_num(p, 0, 0.5 * i);
	flo_pass_str(p, 1, labels[(i - 1) % 3], strlen(labels[(i - 1) % 3]));
	flo_pass_null(p, 2);
}

/* The records of `in` passed through to a writer of `out` with the three
 * added fields; returns what was written (malloc'd), *errs the records the
 * writer refused. */
static char *pass_through(const char *in, enum flo_format out, int *errs)
{
	FILE *f = tmpfile();
	flo_reader *r = reader_over(in, strlen(in), FLO_FMT_AUTO);
	flo_writer *w;
	flo_pass *p;
	int got, i = 0;

	*errs = 0;
	CHECK_INT(flo_writer_new(&w, fileno(f), out), FLO_OK);
	CHECK_INT(flo_pass_new(&p, w, names, 3), FLO_OK);
	while ((got = flo_reader_next(r)) == 1) {
		set_values(p, ++i);
		int err = flo_pass_write_record(p, r);
		CHECK(err == FLO_OK || err == FLO_ESYNTAX);
		*errs += err == FLO_ESYNTAX;
	}
	CHECK_INT(got, 0);
	flo_reader_free(r);
	CHECK_INT(flo_writer_close(w), FLO_OK);
	flo_pass_free(p);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = calloc((size_t)n + 1, 1);
	CHECK(fread(s, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return s;
}

static void check_pass(int line, const char *in, enum flo_format out, const char *want,
		       int want_errs)
{
	int errs;
	char *got = pass_through(in, out, &errs);

	check_count++;
	if (strcmp(got, want) != 0 || errs != want_errs) {
		check_failures++;
		fprintf(stderr, "%s:%d: passed through:\n%s(%d refused), want:\n%s(%d refused)\n",
			__FILE__, line, got, errs, want, want_errs);
	}
	free(got);
}

static void test_csv(void)
{
	/* plain lines, and lines that are not (quoted, CRLF) among them */
	check_pass(__LINE__, "id,x\na,1\n\"b,c\",2\nd,3\r\ne,\n", FLO_FMT_CSV,
		   "id,x,score,label,empty\n"
		   "a,1,0.5,one,\n"
		   "\"b,c\",2,1,\"two, three\",\n"
		   "d,3,1.5,four,\n"
		   "e,,2,one,\n", 0);
	/* an added field in place of its namesake; the others at the end */
	check_pass(__LINE__, "id,label,x\na,old,1\nb,\"o,ld\",2\n", FLO_FMT_CSV,
		   "id,label,x,score,empty\n"
		   "a,one,1,0.5,\n"
		   "b,\"two, three\",2,1,\n", 0);
	check_pass(__LINE__, "empty,score,label\n1,2,3\n", FLO_FMT_CSV,
		   "empty,score,label\n,0.5,one\n", 0);
	check_pass(__LINE__, "id\tx\na\t1\nb\\tc\t2\n", FLO_FMT_TSV,
		   "id\tx\tscore\tlabel\tempty\n"
		   "a\t1\t0.5\tone\t\n"
		   "b\\tc\t2\t1\ttwo, three\t\n", 0);
}

static void test_formats(void)
{
	/* CSV text that is a JSON number is one (issue 14): x is 1, id "a" */
	check_pass(__LINE__, "id,x\na,1\n", FLO_FMT_JSONL,
		   "{\"id\":\"a\",\"x\":1,\"score\":0.5,\"label\":\"one\",\"empty\":null}\n",
		   0);
	check_pass(__LINE__, "id,x\na,1\n", FLO_FMT_TSV,
		   "id\tx\tscore\tlabel\tempty\na\t1\t0.5\tone\t\n", 0);
	check_pass(__LINE__,
		   "{\"id\":\"a\",\"score\":true,\"n\":1}\n{\"n\":2.50,\"id\":null}\n",
		   FLO_FMT_JSONL,
		   "{\"id\":\"a\",\"score\":0.5,\"n\":1,\"label\":\"one\",\"empty\":null}\n"
		   "{\"n\":2.50,\"id\":null,\"score\":1,\"label\":\"two, three\",\"empty\":null}\n",
		   0);
	/* CSV has one header: a record with other fields is refused, the
	 * next one written */
	check_pass(__LINE__, "{\"id\":\"a\"}\n{\"other\":1}\n{\"id\":\"c\"}\n", FLO_FMT_CSV,
		   "id,score,label,empty\na,0.5,one,\nc,1.5,four,\n", 1);
}

/* Records kept in memory: the same fields, written from an array. */
static void test_fields(void)
{
	const struct flo_field f[] = {
		{"id", 2, "a", 1, FLO_KIND_STR},
		{"label", 5, "x", 1, FLO_KIND_STR},
		{"n", 1, "7", 1, FLO_KIND_NUM},
	};
	FILE *out = tmpfile();
	flo_writer *w;
	flo_pass *p;
	char got[256] = "";

	CHECK_INT(flo_writer_new(&w, fileno(out), FLO_FMT_JSONL), FLO_OK);
	CHECK_INT(flo_pass_new(&p, w, names, 3), FLO_OK);
	CHECK_INT(flo_pass_write(p, f, 3), FLO_OK); /* the values start null */
	set_values(p, 1);
	CHECK_INT(flo_pass_write(p, f, 3), FLO_OK);
	CHECK_INT(flo_pass_write(p, f, 1), FLO_OK);
	flo_pass_nums(p, 1, (const double[]){1.5, -2}, 2);
	CHECK_INT(flo_pass_write(p, f, 1), FLO_OK);
	CHECK_INT(flo_writer_close(w), FLO_OK);
	flo_pass_free(p);
	flo_pass_free(NULL);
	rewind(out);
	CHECK(fread(got, 1, sizeof got - 1, out) > 0);
	fclose(out);
	CHECK_STR(got, "{\"id\":\"a\",\"label\":null,\"n\":7,\"score\":null,\"empty\":null}\n"
		       "{\"id\":\"a\",\"label\":\"one\",\"n\":7,\"score\":0.5,\"empty\":null}\n"
		       "{\"id\":\"a\",\"score\":0.5,\"label\":\"one\",\"empty\":null}\n"
		       "{\"id\":\"a\",\"score\":0.5,\"label\":1.5,\"empty\":-2}\n");
}

int main(void)
{
	test_csv();
	test_formats();
	test_fields();
	return check_report();
}
