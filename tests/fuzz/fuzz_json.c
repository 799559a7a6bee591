/* fuzz_json.c: the JSON document parser (lib/base/json.c).
 *   - no crash, leak, deep recursion or undefined behaviour on any bytes;
 *   - a failure says where, a success walks: every member is found by name
 *     (binary search over the sorted names), every element by index;
 *   - a string escaped with flo_json_escape() parses back to its bytes. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"

static void check_string(const char *s, size_t len)
{
	size_t n = flo_json_escape(NULL, s, len);
	char *q = malloc(n + 3);
	FUZZ_CHECK(q != NULL && n <= 6 * len);
	q[0] = '"';
	FUZZ_CHECK(flo_json_escape(q + 1, s, len) == n);
	q[n + 1] = '"';
	q[n + 2] = '\0';
	flo_json *doc;
	FUZZ_CHECK(flo_json_parse(q, n + 2, &doc, NULL, 0) == FLO_OK);
	size_t back;
	const char *t = flo_json_string(flo_json_root(doc), &back);
	FUZZ_CHECK(t != NULL && back == len && memcmp(t, s, len) == 0 && t[len] == '\0');
	flo_json_free(doc);
	free(q);
}

static void walk(const flo_json_value *v, int depth)
{
	const char *key;
	size_t keylen, len;
	double d;
	int b;

	FUZZ_CHECK(depth <= FLO_JSON_MAX_DEPTH);
	switch (flo_json_type(v)) {
	case FLO_JSON_NUMBER:
		FUZZ_CHECK(flo_json_number(v, &d) == FLO_OK && isfinite(d));
		break;
	case FLO_JSON_TRUE:
	case FLO_JSON_FALSE:
		FUZZ_CHECK(flo_json_bool(v, &b) == FLO_OK);
		break;
	case FLO_JSON_STRING: {
		const char *s = flo_json_string(v, &len);
		FUZZ_CHECK(s != NULL && s[len] == '\0');
		check_string(s, len);
		break;
	}
	case FLO_JSON_ARRAY:
		for (size_t i = 0; i < flo_json_length(v); i++)
			walk(flo_json_index(v, i), depth + 1);
		FUZZ_CHECK(flo_json_index(v, flo_json_length(v)) == NULL);
		break;
	case FLO_JSON_OBJECT:
		for (size_t i = 0; i < flo_json_length(v); i++) {
			const flo_json_value *m = flo_json_member(v, i, &key, &keylen);
			FUZZ_CHECK(m != NULL && key[keylen] == '\0');
			FUZZ_CHECK(flo_json_getn(v, key, keylen) == m);
			walk(m, depth + 1);
		}
		break;
	case FLO_JSON_NULL:
		break;
	default:
		FUZZ_CHECK(0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	flo_json *doc;
	char why[200];
	int rc = flo_json_parse((const char *)data, size, &doc, why, sizeof why);

	if (rc != FLO_OK) {
		FUZZ_CHECK(rc == FLO_ESYNTAX || rc == FLO_ERANGE);
		FUZZ_CHECK(doc == NULL && strncmp(why, "byte ", 5) == 0);
		return 0;
	}
	const flo_json_value *root = flo_json_root(doc);
	walk(root, 0);
	/* dotted paths over whatever is there */
	(void)flo_json_path(root, "bgnbd.params.r");
	(void)flo_json_path(root, "0.0.1");
	(void)flo_json_path(root, "a..b");
	(void)flo_json_path(root, "99999999999999999999999.x");
	flo_json_free(doc);
	return 0;
}
