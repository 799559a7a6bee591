/* test_json.c: the JSON parser and string writer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/err.h"
#include "base/json.h"

/* Parse text (without its NUL: the parser must not read past len) and
 * return the document, or NULL with err filled. */
static flo_json *parse_n(const char *text, size_t len, int *rc, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	flo_json *doc = NULL;

	memcpy(copy, text, len);
	*rc = flo_json_parse(copy, len, &doc, err, errlen);
	free(copy);
	return doc;
}

static flo_json *parse(const char *text, int *rc)
{
	char err[256];

	return parse_n(text, strlen(text), rc, err, sizeof err);
}

/* The parse must fail with `code` and a message holding `where` (the
 * offset part) and `what`. */
static void check_error_n(int line, const char *text, size_t len, int code, const char *where,
			  const char *what)
{
	char err[256];
	int rc;
	flo_json *doc = parse_n(text, len, &rc, err, sizeof err);

	check_count++;
	if (rc != code || doc != NULL || strstr(err, where) == NULL ||
	    (what && strstr(err, what) == NULL)) {
		check_failures++;
		fprintf(stderr,
			"%s:%d: parse of \"%.*s\": rc %d, want %d; message \"%s\", "
			"want \"%s\" and \"%s\"\n",
			__FILE__, line, (int)len, text, rc, code, err, where, what ? what : "");
	}
	flo_json_free(doc);
}

#define ERR(text, code, where, what) \
	check_error_n(__LINE__, (text), strlen(text), (code), (where), (what))

static void test_model_document(void)
{
	const char *text =
		"{\n"
		"  \"format\": \"flo-model 1\",\n"
		"  \"unit\": \"week\",\n"
		"  \"bgnbd\": {\"params\": {\"r\": 0.243, \"alpha\": 4.414, \"a\": 0.793,"
		" \"b\": 2.426},\n"
		"            \"ll\": -9582.4, \"converged\": true, \"warnings\": []},\n"
		"  \"fits\": [{\"ll\": -1.5}, {\"ll\": 2e3}],\n"
		"  \"note\": null, \"penalized\": false, \"empty\": {}\n"
		"}\n";
	int rc, b;
	double x;
	size_t len;
	const char *key;
	flo_json *doc = parse(text, &rc);
	const flo_json_value *root = flo_json_root(doc), *v;

	CHECK_INT(rc, 0);
	CHECK(doc != NULL);
	CHECK_INT(flo_json_type(root), FLO_JSON_OBJECT);
	CHECK_INT(flo_json_length(root), 7);
	CHECK_STR(flo_json_string(flo_json_get(root, "unit"), &len), "week");
	CHECK_INT(len, 4);
	CHECK_INT(flo_json_number(flo_json_path(root, "bgnbd.params.r"), &x), 0);
	CHECK_NEAR(x, 0.243, 1e-15);
	CHECK_INT(flo_json_number(flo_json_path(root, "bgnbd.params.b"), &x), 0);
	CHECK_NEAR(x, 2.426, 1e-15);
	CHECK_INT(flo_json_number(flo_json_path(root, "bgnbd.ll"), &x), 0);
	CHECK_NEAR(x, -9582.4, 1e-15);
	CHECK_INT(flo_json_bool(flo_json_path(root, "bgnbd.converged"), &b), 0);
	CHECK_INT(b, 1);
	CHECK_INT(flo_json_bool(flo_json_get(root, "penalized"), &b), 0);
	CHECK_INT(b, 0);
	CHECK_INT(flo_json_type(flo_json_get(root, "note")), FLO_JSON_NULL);
	CHECK_INT(flo_json_type(flo_json_path(root, "bgnbd.warnings")), FLO_JSON_ARRAY);
	CHECK_INT(flo_json_length(flo_json_path(root, "bgnbd.warnings")), 0);
	CHECK(flo_json_index(flo_json_path(root, "bgnbd.warnings"), 0) == NULL);
	CHECK_INT(flo_json_type(flo_json_get(root, "empty")), FLO_JSON_OBJECT);
	CHECK_INT(flo_json_length(flo_json_get(root, "empty")), 0);
	CHECK(flo_json_get(flo_json_get(root, "empty"), "x") == NULL);

	/* Arrays by index, in a path and directly. */
	CHECK_INT(flo_json_length(flo_json_get(root, "fits")), 2);
	CHECK_INT(flo_json_number(flo_json_path(root, "fits.1.ll"), &x), 0);
	CHECK_NEAR(x, 2000, 0);
	CHECK_INT(flo_json_number(flo_json_get(flo_json_index(flo_json_get(root, "fits"), 0), "ll"),
				  &x), 0);
	CHECK_NEAR(x, -1.5, 0);
	CHECK(flo_json_path(root, "fits.2") == NULL);
	CHECK(flo_json_path(root, "fits.99999999999999999999999") == NULL);
	CHECK(flo_json_path(root, "bgnbd.params.x") == NULL);
	CHECK(flo_json_path(root, "unit.x") == NULL);
	CHECK(flo_json_path(root, "bgnbd..r") == NULL);
	CHECK(flo_json_path(root, "bgnbd.") == NULL);
	CHECK(flo_json_path(root, ".bgnbd") == NULL);
	CHECK(flo_json_path(root, "") == root);

	/* Members in document order. */
	v = flo_json_member(root, 0, &key, &len);
	CHECK_STR(key, "format");
	CHECK_INT(len, 6);
	CHECK_STR(flo_json_string(v, NULL), "flo-model 1");
	flo_json_member(root, 6, &key, NULL);
	CHECK_STR(key, "empty");
	CHECK(flo_json_member(root, 7, &key, NULL) == NULL);

	/* Wrong types and missing values say which. */
	CHECK_INT(flo_json_number(flo_json_get(root, "unit"), &x), FLO_ENUMBER);
	CHECK_INT(flo_json_number(flo_json_get(root, "nope"), &x), FLO_EFIELD);
	CHECK_INT(flo_json_bool(flo_json_get(root, "unit"), &b), FLO_EVALUE);
	CHECK_INT(flo_json_bool(NULL, &b), FLO_EFIELD);
	CHECK(flo_json_string(flo_json_get(root, "fits"), NULL) == NULL);
	CHECK(flo_json_index(root, 0) == NULL);
	CHECK(flo_json_get(flo_json_get(root, "fits"), "ll") == NULL);
	flo_json_free(doc);

	/* NULL everywhere is harmless. */
	flo_json_free(NULL);
	CHECK(flo_json_root(NULL) == NULL);
	CHECK_INT(flo_json_type(NULL), FLO_JSON_NONE);
	CHECK_INT(flo_json_length(NULL), 0);
	CHECK(flo_json_get(NULL, "a") == NULL);
	CHECK(flo_json_path(NULL, "a.b") == NULL);
	CHECK(flo_json_string(NULL, NULL) == NULL);
	CHECK(flo_json_member(NULL, 0, NULL, NULL) == NULL);
	CHECK_INT(flo_json_parse("1", 1, NULL, NULL, 0), FLO_EUSAGE);
}

static void test_scalars(void)
{
	int rc;
	double x;
	flo_json *doc;

	doc = parse("  42  ", &rc);
	CHECK_INT(rc, 0);
	CHECK_INT(flo_json_number(flo_json_root(doc), &x), 0);
	CHECK_NEAR(x, 42, 0);
	flo_json_free(doc);
	doc = parse("\"s\"", &rc);
	CHECK_STR(flo_json_string(flo_json_root(doc), NULL), "s");
	flo_json_free(doc);
	doc = parse("true", &rc);
	CHECK_INT(flo_json_type(flo_json_root(doc)), FLO_JSON_TRUE);
	flo_json_free(doc);
	doc = parse("null", &rc);
	CHECK_INT(flo_json_type(flo_json_root(doc)), FLO_JSON_NULL);
	flo_json_free(doc);

	/* NUL-terminated text. */
	rc = flo_json_parse("[1, 2]", FLO_JSON_NTS, &doc, NULL, 0);
	CHECK_INT(rc, 0);
	CHECK_INT(flo_json_length(flo_json_root(doc)), 2);
	flo_json_free(doc);
}

static void test_escapes(void)
{
	/* Every escape of RFC 8259 section 7, a BMP character as 1, 2 and 3
	 * UTF-8 bytes, a surrogate pair, upper-case hex, and \u0000. */
	const char *text = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20AC"
			   "\\ud83d\\ude00 \\uD834\\uDD1E z\\u0000y raw\xc3\xa9\xf0\x9f\x98\x80\"";
	const char want[] = "q\" b\\ s/ \b\f\n\r\t A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 "
			    "\xf0\x9d\x84\x9e z\0y raw\xc3\xa9\xf0\x9f\x98\x80";
	int rc;
	size_t len = 0;
	flo_json *doc = parse(text, &rc);
	const char *s = flo_json_string(flo_json_root(doc), &len);

	CHECK_INT(rc, 0);
	CHECK(s != NULL);
	CHECK_INT(len, sizeof want - 1);
	CHECK(s && len == sizeof want - 1 && memcmp(s, want, len) == 0);
	CHECK(s && s[len] == '\0');
	flo_json_free(doc);

	/* A key holding NUL is found only by its full length. */
	doc = parse("{\"a\\u0000b\": 1, \"a\": 2}", &rc);
	CHECK_INT(rc, 0);
	{
		double x = 0;
		CHECK_INT(flo_json_number(flo_json_getn(flo_json_root(doc), "a\0b", 3), &x), 0);
		CHECK_NEAR(x, 1, 0);
		CHECK_INT(flo_json_number(flo_json_get(flo_json_root(doc), "a"), &x), 0);
		CHECK_NEAR(x, 2, 0);
	}
	flo_json_free(doc);
}

static void test_string_errors(void)
{
	ERR("\"abc", FLO_ESYNTAX, "byte 0 ", "unterminated string");
	ERR("\"abc\\", FLO_ESYNTAX, "byte 0 ", "unterminated string");
	ERR("\"abc\\\"", FLO_ESYNTAX, "byte 0 ", "unterminated string");
	ERR("\"\\x\"", FLO_ESYNTAX, "byte 1 ", "invalid escape");
	ERR("\"\\u12\"", FLO_ESYNTAX, "byte 1 ", "four hex digits");
	ERR("\"\\u12g4\"", FLO_ESYNTAX, "byte 1 ", "four hex digits");
	ERR("\"ab\\ud800\"", FLO_ESYNTAX, "byte 3 ", "lone high surrogate");
	ERR("\"\\ud800x\"", FLO_ESYNTAX, "byte 1 ", "lone high surrogate");
	ERR("\"\\ud800\\u0041\"", FLO_ESYNTAX, "byte 1 ", "lone high surrogate");
	ERR("\"\\ud800\\ud800\"", FLO_ESYNTAX, "byte 1 ", "lone high surrogate");
	ERR("\"\\udc00\"", FLO_ESYNTAX, "byte 1 ", "lone low surrogate");
	ERR("\"\\ud83d\\ude00\\ude00\"", FLO_ESYNTAX, "byte 13 ", "lone low surrogate");
	ERR("\"a\tb\"", FLO_ESYNTAX, "byte 2 ", "control character 0x09");
	ERR("\"a\nb\"", FLO_ESYNTAX, "byte 2 ", "control character 0x0a");
	check_error_n(__LINE__, "\"a\0b\"", 5, FLO_ESYNTAX, "byte 2 ", "control character 0x00");
	/* Not UTF-8: a stray byte, an overlong form, a surrogate coded in
	 * UTF-8, a code point past U+10FFFF, a cut sequence. */
	ERR("\"\xff\"", FLO_ESYNTAX, "byte 1 ", "invalid UTF-8");
	ERR("\"a\xc0\x80\"", FLO_ESYNTAX, "byte 2 ", "invalid UTF-8");
	ERR("\"\xe0\x80\xaf\"", FLO_ESYNTAX, "byte 1 ", "invalid UTF-8");
	ERR("\"\xed\xa0\x80\"", FLO_ESYNTAX, "byte 1 ", "invalid UTF-8");
	ERR("\"\xf4\x90\x80\x80\"", FLO_ESYNTAX, "byte 1 ", "invalid UTF-8");
	ERR("\"\xe2\x82\"", FLO_ESYNTAX, "byte 1 ", "invalid UTF-8");
	ERR("\"\x80\"", FLO_ESYNTAX, "byte 1 ", "invalid UTF-8");
}

static void test_structure_errors(void)
{
	ERR("", FLO_ESYNTAX, "byte 0 ", "expected a value, found end of input");
	ERR("   ", FLO_ESYNTAX, "byte 3 ", "expected a value");
	ERR("{\"a\" 1}", FLO_ESYNTAX, "byte 5 ", "expected ':' after an object key, found '1'");
	ERR("{\"a\":}", FLO_ESYNTAX, "byte 5 ", "expected a value");
	ERR("[1,]", FLO_ESYNTAX, "byte 3 ", "expected a value");
	ERR("{\"a\":1,}", FLO_ESYNTAX, "byte 7 ", "expected an object key");
	ERR("{,}", FLO_ESYNTAX, "byte 1 ", "expected an object key");
	ERR("{1:2}", FLO_ESYNTAX, "byte 1 ", "expected an object key");
	ERR("[1 2]", FLO_ESYNTAX, "byte 3 ", "expected ',' or ']' after an array element, found '2'");
	ERR("{\"a\":1 \"b\":2}", FLO_ESYNTAX, "byte 7 ", "expected ',' or '}' after an object member");
	ERR("[1", FLO_ESYNTAX, "byte 2 ", "found end of input");
	ERR("{\"a\":1", FLO_ESYNTAX, "byte 6 ", "found end of input");
	ERR("[1]]", FLO_ESYNTAX, "byte 3 ", "expected the end of input");
	ERR("[1] x", FLO_ESYNTAX, "byte 4 ", "found 'x'");
	ERR("truex", FLO_ESYNTAX, "byte 4 ", "expected the end of input");
	ERR("tru", FLO_ESYNTAX, "byte 0 ", "invalid literal");
	ERR("[nul]", FLO_ESYNTAX, "byte 1 ", "invalid literal");
	ERR("True", FLO_ESYNTAX, "byte 0 ", "found 'T'");
	ERR("'a'", FLO_ESYNTAX, "byte 0 ", "found '''");
	ERR("\xef\xbb\xbf{}", FLO_ESYNTAX, "byte 0 ", "found byte 0xef");
	check_error_n(__LINE__, "[1,\0]", 5, FLO_ESYNTAX, "byte 3 ", "found byte 0x00");
	ERR("{\"a\":1,\"b\":2,\"a\":3}", FLO_ESYNTAX, "byte 13 ", "duplicate key \"a\"");
	ERR("[{\"k\":1,\"k\":1}]", FLO_ESYNTAX, "byte 8 ", "duplicate key \"k\"");
	/* Lines and columns, for people. */
	ERR("{\n  \"a\": ,\n}", FLO_ESYNTAX, "byte 9 (line 2, column 8)", "expected a value");
	ERR("[1,\r\n2,\n\n x]", FLO_ESYNTAX, "(line 4, column 2)", "found 'x'");

	/* No buffer, or a tiny one, is fine. */
	{
		flo_json *doc = (flo_json *)1;
		char tiny[8];
		CHECK_INT(flo_json_parse("[", 1, &doc, NULL, 0), FLO_ESYNTAX);
		CHECK(doc == NULL);
		CHECK_INT(flo_json_parse("[", 1, &doc, tiny, sizeof tiny), FLO_ESYNTAX);
		CHECK_STR(tiny, "byte 1 ");
	}
}

static double num(const char *text, int *rc)
{
	double x = NAN;
	flo_json *doc = parse(text, rc);

	if (doc)
		flo_json_number(flo_json_root(doc), &x);
	flo_json_free(doc);
	return x;
}

static void test_numbers(void)
{
	int rc;
	double x;

	CHECK_NEAR(num("0", &rc), 0, 0);
	x = num("-0", &rc);
	CHECK(rc == 0 && x == 0 && signbit(x));
	CHECK_NEAR(num("1.5e3", &rc), 1500, 0);
	CHECK_NEAR(num("1E-2", &rc), 0.01, 0);
	CHECK_NEAR(num("-123.456e+2", &rc), -12345.6, 1e-15);
	CHECK_NEAR(num("0.1", &rc), 0.1, 0);
	CHECK_NEAR(num("123456789012345678901234567890", &rc), 1.2345678901234568e29, 0);
	CHECK_NEAR(num("1.7976931348623157e308", &rc), 1.7976931348623157e308, 0);
	CHECK_NEAR(num("2.2250738585072014e-308", &rc), 2.2250738585072014e-308, 0);
	x = num("4.9406564584124654e-324", &rc);
	CHECK(rc == 0 && x == 4.9406564584124654e-324);
	/* Too small for a double: becomes 0, as the header says. */
	x = num("1e-400", &rc);
	CHECK(rc == 0 && x == 0);
	/* A long number goes through the heap copy. */
	{
		char big[400];
		memset(big, '0', sizeof big);
		big[0] = '1';
		big[1] = '.';
		big[sizeof big - 1] = '\0';
		CHECK_NEAR(num(big, &rc), 1, 0);
		CHECK_INT(rc, 0);
	}
	/* Within a buffer that goes on: the number ends at len. */
	{
		flo_json *doc = parse_n("123456", 3, &rc, NULL, 0);
		CHECK_INT(rc, 0);
		CHECK_INT(flo_json_number(flo_json_root(doc), &x), 0);
		CHECK_NEAR(x, 123, 0);
		flo_json_free(doc);
	}

	ERR("1e400", FLO_ERANGE, "byte 0 ", "out of the range of a double: 1e400");
	ERR("[-1e400]", FLO_ERANGE, "byte 1 ", "out of the range");
	ERR("1.8e308", FLO_ERANGE, "byte 0 ", "out of the range");
	ERR("0x10", FLO_ESYNTAX, "byte 1 ", "found 'x'");
	ERR("01", FLO_ESYNTAX, "byte 1 ", "leading zero");
	ERR("-01", FLO_ESYNTAX, "byte 2 ", "leading zero");
	ERR("+1", FLO_ESYNTAX, "byte 0 ", "found '+'");
	ERR("-", FLO_ESYNTAX, "byte 1 ", "expected a digit after '-'");
	ERR("-a", FLO_ESYNTAX, "byte 1 ", "expected a digit after '-', found 'a'");
	ERR("1.", FLO_ESYNTAX, "byte 2 ", "after the decimal point");
	ERR("1.e5", FLO_ESYNTAX, "byte 2 ", "after the decimal point");
	ERR(".5", FLO_ESYNTAX, "byte 0 ", "found '.'");
	ERR("1e", FLO_ESYNTAX, "byte 2 ", "in the exponent");
	ERR("1e+", FLO_ESYNTAX, "byte 3 ", "in the exponent");
	ERR("nan", FLO_ESYNTAX, "byte 0 ", "invalid literal");
	ERR("NaN", FLO_ESYNTAX, "byte 0 ", "found 'N'");
	ERR("inf", FLO_ESYNTAX, "byte 0 ", "found 'i'");
	ERR("-Infinity", FLO_ESYNTAX, "byte 1 ", "found 'I'");
	ERR("1,5", FLO_ESYNTAX, "byte 1 ", "expected the end of input");
}

static void test_depth(void)
{
	char text[2 * FLO_JSON_MAX_DEPTH + 3];
	int rc;
	size_t i;
	flo_json *doc;
	const flo_json_value *v;

	/* Exactly the limit parses. */
	for (i = 0; i < FLO_JSON_MAX_DEPTH; i++) {
		text[i] = '[';
		text[2 * FLO_JSON_MAX_DEPTH - 1 - i] = ']';
	}
	text[2 * FLO_JSON_MAX_DEPTH] = '\0';
	doc = parse(text, &rc);
	CHECK_INT(rc, 0);
	v = flo_json_root(doc);
	for (i = 1; i < FLO_JSON_MAX_DEPTH; i++)
		v = flo_json_index(v, 0);
	CHECK_INT(flo_json_type(v), FLO_JSON_ARRAY);
	CHECK_INT(flo_json_length(v), 0);
	flo_json_free(doc);

	/* One more does not, and says where. */
	{
		char msg[64];
		snprintf(msg, sizeof msg, "byte %d ", FLO_JSON_MAX_DEPTH);
		memset(text, '[', FLO_JSON_MAX_DEPTH + 1);
		memset(text + FLO_JSON_MAX_DEPTH + 1, ']', FLO_JSON_MAX_DEPTH + 1);
		check_error_n(__LINE__, text, 2 * FLO_JSON_MAX_DEPTH + 2, FLO_ESYNTAX, msg,
			      "nesting deeper than 64");
	}

	/* Nested objects count too. */
	{
		char obj[8 * (FLO_JSON_MAX_DEPTH + 1) + 8];
		size_t n = 0;
		for (i = 0; i < FLO_JSON_MAX_DEPTH + 1; i++)
			n += (size_t)sprintf(obj + n, "{\"k\":");
		n += (size_t)sprintf(obj + n, "1");
		for (i = 0; i < FLO_JSON_MAX_DEPTH + 1; i++)
			obj[n++] = '}';
		obj[n] = '\0';
		ERR(obj, FLO_ESYNTAX, "byte 320 ", "nesting deeper");
	}

	/* Hostile input: a megabyte of '[' ends in an error, not a crash. */
	{
		size_t big = 1 << 20;
		char *p = malloc(big);
		memset(p, '[', big);
		check_error_n(__LINE__, p, big, FLO_ESYNTAX, "byte 64 ", "nesting deeper");
		free(p);
	}
}

static void test_large(void)
{
	size_t n = 100000, i, len = 0;
	char *text = malloc(n * 24 + 16);
	int rc;
	double x;
	flo_json *doc;
	const flo_json_value *root;

	/* A wide array and a wide object: the arena and the sorted index. */
	text[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s%zu", i ? "," : "", i * 3);
	text[len++] = ']';
	doc = parse_n(text, len, &rc, NULL, 0);
	CHECK_INT(rc, 0);
	root = flo_json_root(doc);
	CHECK_INT(flo_json_length(root), n);
	CHECK_INT(flo_json_number(flo_json_index(root, n - 1), &x), 0);
	CHECK_NEAR(x, (double)(n - 1) * 3, 0);
	flo_json_free(doc);

	len = 0;
	text[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s\"k%zu\":%zu", i ? "," : "", (i * 7919) % n, i);
	text[len++] = '}';
	doc = parse_n(text, len, &rc, NULL, 0);
	CHECK_INT(rc, 0);
	root = flo_json_root(doc);
	CHECK_INT(flo_json_length(root), n);
	{
		int bad = 0;
		char key[32];
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof key, "k%zu", (i * 7919) % n);
			if (flo_json_number(flo_json_get(root, key), &x) != 0 || x != (double)i)
				bad++;
		}
		CHECK_INT(bad, 0);
		CHECK(flo_json_get(root, "k") == NULL);
		CHECK(flo_json_get(root, "k100000") == NULL);
	}
	flo_json_free(doc);
	free(text);
}

static void test_escape_writer(void)
{
	const char src[] = "a\"b\\c/\n\t\r\b\f\x01\x1f\x7f\xc3\xa9 \0z";
	const char want[] = "a\\\"b\\\\c/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\xc3\xa9 \\u0000z";
	char dst[6 * sizeof src + 1];
	size_t n = flo_json_escape(NULL, src, sizeof src - 1);

	CHECK_INT(n, sizeof want - 1);
	CHECK_INT(flo_json_escape(dst, src, sizeof src - 1), n);
	CHECK_STR(dst, want);
	CHECK_INT(flo_json_escape(dst, "", 0), 0);
	CHECK_STR(dst, "");

	/* Every byte below 0x80 survives escape then parse. */
	{
		char all[128], quoted[6 * 128 + 3];
		int rc;
		size_t len;
		flo_json *doc;
		const char *s;

		for (int i = 0; i < 128; i++)
			all[i] = (char)i;
		quoted[0] = '"';
		n = flo_json_escape(quoted + 1, all, sizeof all);
		quoted[n + 1] = '"';
		doc = parse_n(quoted, n + 2, &rc, NULL, 0);
		CHECK_INT(rc, 0);
		s = flo_json_string(flo_json_root(doc), &len);
		CHECK_INT(len, 128);
		CHECK(s && memcmp(s, all, 128) == 0);
		flo_json_free(doc);
	}

	/* The FILE* writer quotes, and slices long text correctly. */
	{
		char *buf = NULL, *big = malloc(3000);
		size_t size = 0;
		FILE *f = open_memstream(&buf, &size);
		int ok = 1;

		for (int i = 0; i < 3000; i++)
			big[i] = i % 100 == 99 ? '\n' : 'x';
		CHECK_INT(flo_json_write_string(f, "a\"\n", 3), 0);
		CHECK_INT(flo_json_write_string(f, big, 3000), 0);
		fclose(f);
		CHECK(size == 7 + 2 + 3000 + 30);
		CHECK(strncmp(buf, "\"a\\\"\\n\"\"", 8) == 0);
		for (size_t i = 0, j = 8; i < 3000; i++) {
			if (big[i] == '\n') {
				ok &= buf[j] == '\\' && buf[j + 1] == 'n';
				j += 2;
			} else {
				ok &= buf[j++] == 'x';
			}
		}
		CHECK(ok);
		CHECK(buf[size - 1] == '"');
		free(buf);
		free(big);
	}
}

int main(void)
{
	test_model_document();
	test_scalars();
	test_escapes();
	test_string_errors();
	test_structure_errors();
	test_numbers();
	test_depth();
	test_large();
	test_escape_writer();
	return check_report();
}
