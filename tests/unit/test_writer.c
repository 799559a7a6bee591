/* test_writer.c: CSV and TSV text written as JSON Lines (lib/record/writer.h):
 * a number in JSON's own grammar (RFC 8259 section 6) is a JSON number,
 * verbatim; any other text, JSON Lines strings and json-strings stay
 * strings.  The expected tokens are read off the RFC's grammar by hand. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "base/err.h"
#include "record/writer.h"

/* The JSON Lines record {"v": text} as written from source `src`. */
static char *one(const char *text, enum flo_format src, int json_strings)
{
	FILE *f = tmpfile();
	flo_writer *w;
	struct flo_field fld = {"v", 1, text, strlen(text), FLO_KIND_STR};

	CHECK_INT(flo_writer_new(&w, fileno(f), FLO_FMT_JSONL), FLO_OK);
	flo_writer_set_source(w, src);
	flo_writer_set_json_strings(w, json_strings);
	flo_writer_field(w, &fld);
	CHECK_INT(flo_writer_end(w), FLO_OK);
	CHECK_INT(flo_writer_close(w), FLO_OK);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = calloc((size_t)n + 1, 1);
	CHECK(fread(s, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return s;
}

static void check_one(int line, const char *text, enum flo_format src, int js, const char *want)
{
	char *got = one(text, src, js);
	char full[128];
	snprintf(full, sizeof full, "{\"v\":%s}\n", want);
	if (strcmp(got, full) != 0)
		fprintf(stderr, "line %d: \"%s\" written as %s", line, text, got);
	CHECK(strcmp(got, full) == 0);
	free(got);
}

#define NUM(text) check_one(__LINE__, text, FLO_FMT_CSV, 0, text)
#define STR(text) check_one(__LINE__, text, FLO_FMT_CSV, 0, "\"" text "\"")

int main(void)
{
	/* numbers by the grammar: -? int frac? exp? */
	NUM("0");
	NUM("-0");
	NUM("12");
	NUM("1.50");
	NUM("-0.25");
	NUM("1e5");
	NUM("1E+5");
	NUM("2.5e-3");
	NUM("0e0");
	NUM("123456789012345");   /* 15 significant digits */
	NUM("0.000000000000001"); /* one */
	/* text: leading zeros, signs, bare points, blanks, words */
	STR("007");
	STR("00");
	STR("-01");
	STR("+3");
	STR(".5");
	STR("1.");
	STR("1e");
	STR("1e+");
	STR("-");
	STR("");
	STR(" 1");
	STR("1 ");
	STR("NaN");
	STR("Infinity");
	STR("0x10");
	STR("1,5");
	STR("1234567890123456");  /* 16 digits: a double may not hold it */
	STR("1.000000000000000");
	STR("1e400");             /* beyond a double */
	STR("1e-400");            /* below one */
	/* JSON Lines strings and json-strings keep text; TSV is text too */
	check_one(__LINE__, "12", FLO_FMT_JSONL, 0, "\"12\"");
	check_one(__LINE__, "12", FLO_FMT_AUTO, 0, "\"12\"");
	check_one(__LINE__, "12", FLO_FMT_CSV, 1, "\"12\"");
	check_one(__LINE__, "12", FLO_FMT_TSV, 0, "12");
	return check_report();
}
