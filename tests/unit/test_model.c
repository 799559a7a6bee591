/* test_model.c: reading model documents (lib/model/model.h): what is accepted,
 * what is refused with which code, and that the reason names the culprit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/err.h"
#include "model/model.h"

/* A document as flo-fit writes it, with the CDNOW parameters (Fader, Hardie
 * & Lee 2005; Fader & Hardie 2013) and members scoring does not read. */
static const char cdnow[] =
	"{\n"
	"  \"format\": \"flo-model 1\",\n"
	"  \"unit\": \"week\",\n"
	"  \"created\": \"2024-01-01T00:00:00Z\",\n"
	"  \"data\": {\"customers\": 2357, \"fingerprint\": \"abc\"},\n"
	"  \"bgnbd\": {\"params\": {\"r\": 0.243, \"alpha\": 4.414, \"a\": 0.793, \"b\": 2.426},\n"
	"            \"se\": {\"r\": null, \"alpha\": null, \"a\": null, \"b\": null},\n"
	"            \"loglik\": -9582.4, \"converged\": true, \"warnings\": []},\n"
	"  \"gamma_gamma\": {\"params\": {\"p\": 6.25, \"q\": 3.74, \"v\": 15.44},\n"
	"                  \"warnings\": [\"x\"]}\n"
	"}\n";

/* The CDNOW document with the first occurrence of `from` replaced by `to`. */
static char *edited(const char *from, const char *to)
{
	const char *at = strstr(cdnow, from);
	size_t head, n;
	char *s;

	if (at == NULL) {
		fprintf(stderr, "test bug: \"%s\" is not in the document\n", from);
		exit(2);
	}
	head = (size_t)(at - cdnow);
	n = strlen(cdnow) - strlen(from) + strlen(to);
	s = malloc(n + 1);
	memcpy(s, cdnow, head);
	strcpy(s + head, to);
	strcat(s, at + strlen(from));
	return s;
}

static int parse(const char *text, struct flo_model *m, char *err, size_t errlen)
{
	return flo_model_parse(text, strlen(text), m, err, errlen);
}

/* Parsing `text` fails with `code` and a reason holding `want`. */
static void check_refused(int line, const char *text, int code, const char *want)
{
	struct flo_model m = {.unit = "keep", .has_gg = 42};
	char err[512] = "";
	int rc = parse(text, &m, err, sizeof err);

	check_count++;
	if (rc != code || strstr(err, want) == NULL || m.has_gg != 42 ||
	    strcmp(m.unit, "keep") != 0) {
		check_failures++;
		fprintf(stderr,
			"%s:%d: parse gave %d \"%s\" (has_gg %d), want %d and \"%s\", "
			"the model untouched\n",
			__FILE__, line, rc, err, m.has_gg, code, want);
	}
}

/* The same for an edited CDNOW document. */
static void check_edit_refused(int line, const char *from, const char *to, int code,
			       const char *want)
{
	char *text = edited(from, to);

	check_refused(line, text, code, want);
	free(text);
}

static void test_full_document(void)
{
	struct flo_model m;
	char err[256] = "";

	CHECK_INT(parse(cdnow, &m, err, sizeof err), FLO_OK);
	CHECK_STR(m.unit, "week");
	CHECK(m.bgnbd.r == 0.243 && m.bgnbd.alpha == 4.414);
	CHECK(m.bgnbd.a == 0.793 && m.bgnbd.b == 2.426);
	CHECK_INT(m.has_gg, 1);
	CHECK(m.gg.p == 6.25 && m.gg.q == 3.74 && m.gg.v == 15.44);
	/* The parser needs no NUL after the text, and no room for a reason. */
	CHECK_INT(flo_model_parse(cdnow, strlen(cdnow), &m, NULL, 0), FLO_OK);
}

static void test_minimal_and_units(void)
{
	static const char *const units[] = {"day", "week", "month"};
	struct flo_model m;
	char text[256];

	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof text,
			 "{\"format\":\"flo-model 1\",\"unit\":\"%s\",\"bgnbd\":{\"params\":"
			 "{\"r\":1,\"alpha\":2,\"a\":3,\"b\":4}}}",
			 units[i]);
		CHECK_INT(parse(text, &m, NULL, 0), FLO_OK);
		CHECK_STR(m.unit, units[i]);
		CHECK_INT(m.has_gg, 0);
		CHECK(m.bgnbd.r == 1 && m.bgnbd.alpha == 2 && m.bgnbd.a == 3 && m.bgnbd.b == 4);
	}
}

static void test_gamma_gamma_absent(void)
{
	struct flo_model m = {.has_gg = 1};
	char *text = edited("{\"params\": {\"p\": 6.25, \"q\": 3.74, \"v\": 15.44},\n"
			    "                  \"warnings\": [\"x\"]}",
			    "null");

	CHECK_INT(parse(text, &m, NULL, 0), FLO_OK);
	CHECK_INT(m.has_gg, 0);
	CHECK(m.bgnbd.b == 2.426);
	free(text);
	/* Tiny and huge parameters are parameters: the boundary fits. */
	text = edited("\"a\": 0.793, \"b\": 2.426", "\"a\": 8.1e-23, \"b\": 1e300");
	CHECK_INT(parse(text, &m, NULL, 0), FLO_OK);
	CHECK(m.bgnbd.a == 8.1e-23 && m.bgnbd.b == 1e300);
	free(text);
	/* q <= 1 is a valid fit: scoring says what it cannot compute. */
	text = edited("\"q\": 3.74", "\"q\": 0.47");
	CHECK_INT(parse(text, &m, NULL, 0), FLO_OK);
	CHECK(m.has_gg && m.gg.q == 0.47);
	free(text);
}

static void test_format(void)
{
	check_edit_refused(__LINE__, "\"flo-model 1\"", "\"flo-model 2\"", FLO_EVERSION,
			   "model format \"flo-model 2\" is not the one this flo reads "
			   "(\"flo-model 1\")");
	check_edit_refused(__LINE__, "\"flo-model 1\"", "\"flo-model 10\"", FLO_EVERSION,
			   "\"flo-model 10\" is not");
	check_edit_refused(__LINE__, "\"flo-model 1\"", "\"lifetimes\"", FLO_EVERSION,
			   "not a flo model (format \"lifetimes\")");
	check_edit_refused(__LINE__, "\"flo-model 1\"", "\"flo-model \"", FLO_EVERSION,
			   "not a flo model");
	check_edit_refused(__LINE__, "\"flo-model 1\"", "1", FLO_EVERSION,
			   "not a flo model (no \"format\" string)");
	check_edit_refused(__LINE__, "\"format\"", "\"formats\"", FLO_EVERSION,
			   "not a flo model (no \"format\" string)");
	check_refused(__LINE__, "[1, 2]", FLO_EVERSION, "not a flo model (not a JSON object)");
	check_refused(__LINE__, "\"flo-model 1\"", FLO_EVERSION, "not a JSON object");
}

static void test_bad_json(void)
{
	check_refused(__LINE__, "", FLO_ESYNTAX, "not JSON: ");
	check_refused(__LINE__, "{\"format\": \"flo-model 1\",}", FLO_ESYNTAX, "not JSON: byte");
	check_edit_refused(__LINE__, "}\n}\n", "}\n", FLO_ESYNTAX, "not JSON: ");
	/* Text after the document is not a model file either. */
	check_edit_refused(__LINE__, "}\n}\n", "}\n} x", FLO_ESYNTAX, "not JSON: ");
	check_edit_refused(__LINE__, "\"r\": 0.243", "\"r\": 1e400", FLO_EMODEL,
			   "a number is out of range");
}

static void test_unit(void)
{
	check_edit_refused(__LINE__, "\"week\"", "\"fortnight\"", FLO_EMODEL,
			   "unit \"fortnight\" is not day, week or month");
	check_edit_refused(__LINE__, "\"week\"", "\"Week\"", FLO_EMODEL, "unit \"Week\"");
	check_edit_refused(__LINE__, "\"week\"", "\"weeks\"", FLO_EMODEL, "unit \"weeks\"");
	check_edit_refused(__LINE__, "\"week\"", "7", FLO_EMODEL, "\"unit\" is not a string");
	check_edit_refused(__LINE__, "\"unit\"", "\"units\"", FLO_EMODEL, "no \"unit\"");
}

static void test_bgnbd_params(void)
{
	static const char *const cases[][3] = {
		{"\"r\": 0.243", "\"r\": 0", "bgnbd.params.r must be positive, is 0"},
		{"\"r\": 0.243", "\"r\": -0.243", "bgnbd.params.r must be positive, is -0.243"},
		{"\"alpha\": 4.414", "\"alpha\": -1", "bgnbd.params.alpha must be positive"},
		{"\"a\": 0.793", "\"a\": 0.0", "bgnbd.params.a must be positive"},
		{"\"b\": 2.426", "\"b\": -0", "bgnbd.params.b must be positive"},
		{"\"r\": 0.243", "\"r\": null", "bgnbd.params.r is null"},
		{"\"alpha\": 4.414", "\"alpha\": \"4.414\"", "bgnbd.params.alpha is not a number"},
		{"\"a\": 0.793", "\"a\": true", "bgnbd.params.a is not a number"},
		{"\"b\": 2.426", "\"B\": 2.426", "bgnbd.params.b is missing"},
		{"\"params\": {\"r\"", "\"param\": {\"r\"", "bgnbd has no \"params\" object"},
		{"\"bgnbd\": {", "\"bgnbd\": [1], \"x\": {", "no \"bgnbd\" model"},
		{"\"bgnbd\"", "\"BG/NBD\"", "no \"bgnbd\" model"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_edit_refused(__LINE__, cases[i][0], cases[i][1], FLO_EMODEL, cases[i][2]);
}

static void test_gg_params(void)
{
	static const char *const cases[][3] = {
		{"\"p\": 6.25", "\"p\": 0", "gamma_gamma.params.p must be positive, is 0"},
		{"\"q\": 3.74", "\"q\": -3.74", "gamma_gamma.params.q must be positive"},
		{"\"v\": 15.44", "\"v\": null", "gamma_gamma.params.v is null"},
		{"\"v\": 15.44", "\"w\": 15.44", "gamma_gamma.params.v is missing"},
		{"\"p\": 6.25", "\"p\": [6.25]", "gamma_gamma.params.p is not a number"},
		{"{\"params\": {\"p\"", "{\"parameters\": {\"p\"",
		 "gamma_gamma has no \"params\" object"},
		{"\"gamma_gamma\": {", "\"gamma_gamma\": 0, \"x\": {",
		 "gamma_gamma is neither an object nor null"},
		{"\"gamma_gamma\": {", "\"gamma_gamma\": false, \"x\": {",
		 "gamma_gamma is neither an object nor null"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_edit_refused(__LINE__, cases[i][0], cases[i][1], FLO_EMODEL, cases[i][2]);
}

/* A short reason buffer is filled, truncated and terminated. */
static void test_short_reason(void)
{
	struct flo_model m;
	char err[8];
	char *text = edited("\"r\": 0.243", "\"r\": 0");

	memset(err, 'x', sizeof err);
	CHECK_INT(parse(text, &m, err, sizeof err), FLO_EMODEL);
	CHECK_STR(err, "bgnbd.p");
	free(text);
}

/* What flo-fit writes (lib/model/model.c) reads back. */
static void test_round_trip(void)
{
	struct flo_model_doc d = {
		.unit = "day",
		.created = "2024-01-01T00:00:00Z",
		.fingerprint = "f",
		.customers = 10,
		.bgnbd = {.np = 4, .params = {0.5, 1e-3, 8.110876565036794e-23, 1e13}},
		.has_gg = 1,
		.gg = {.np = 3, .params = {2.5, 0.47, 1e-5}},
	};
	struct flo_model m;
	char err[256] = "";
	char *text = flo_model_write(&d);

	CHECK(text != NULL);
	if (text == NULL)
		return;
	CHECK_INT(parse(text, &m, err, sizeof err), FLO_OK);
	CHECK_STR(m.unit, "day");
	CHECK(m.bgnbd.r == 0.5 && m.bgnbd.alpha == 1e-3);
	CHECK(m.bgnbd.a == 8.110876565036794e-23 && m.bgnbd.b == 1e13);
	CHECK(m.has_gg && m.gg.p == 2.5 && m.gg.q == 0.47 && m.gg.v == 1e-5);
	free(text);
	d.has_gg = 0;
	text = flo_model_write(&d);
	CHECK(text != NULL && parse(text, &m, err, sizeof err) == FLO_OK && m.has_gg == 0);
	free(text);
}

/* The family: absent (every document before issue 17) is the BG/NBD; a
 * Pareto/NBD document has "family": "pnbd" and its parameters in "pnbd". */
static void test_family(void)
{
	struct flo_model m;
	char err[256] = "";
	char *text;

	CHECK_INT(parse(cdnow, &m, err, sizeof err), FLO_OK);
	CHECK_INT(m.family, FLO_FAMILY_BGNBD);
	text = edited("\"bgnbd\": {\"params\": {\"r\": 0.243, \"alpha\": 4.414, \"a\": 0.793, \"b\": 2.426}",
		      "\"family\": \"pnbd\", \"pnbd\": {\"params\": {\"r\": 0.55, \"alpha\": 10.58, "
		      "\"s\": 0.61, \"beta\": 11.67}");
	CHECK_INT(parse(text, &m, err, sizeof err), FLO_OK);
	CHECK_INT(m.family, FLO_FAMILY_PNBD);
	CHECK(m.pnbd.r == 0.55 && m.pnbd.alpha == 10.58 && m.pnbd.s == 0.61 && m.pnbd.beta == 11.67);
	free(text);
	check_edit_refused(__LINE__, "\"bgnbd\": {", "\"family\": \"ggnbd\", \"bgnbd\": {", FLO_EMODEL,
			   "family \"ggnbd\" is not one this flo scores (bgnbd, pnbd, mbgnbd, bgbb)");
	/* a BG/BB document likewise needs its own alpha, beta, gamma, delta */
	check_edit_refused(__LINE__, "\"bgnbd\": {", "\"family\": \"bgbb\", \"bgnbd\": {", FLO_EMODEL,
			   "no \"bgbb\" model");
	text = edited("\"bgnbd\": {\"params\": {\"r\": 0.243, \"alpha\": 4.414, \"a\": 0.793, \"b\": 2.426}",
		      "\"family\": \"bgbb\", \"bgbb\": {\"params\": {\"alpha\": 1.204, \"beta\": 0.75, "
		      "\"gamma\": 0.657, \"delta\": 2.783}");
	CHECK_INT(parse(text, &m, err, sizeof err), FLO_OK);
	CHECK_INT(m.family, FLO_FAMILY_BGBB);
	CHECK(m.bgbb.alpha == 1.204 && m.bgbb.beta == 0.75 && m.bgbb.gamma == 0.657 &&
	      m.bgbb.delta == 2.783);
	free(text);
	check_edit_refused(__LINE__, "\"bgnbd\": {", "\"family\": 1, \"bgnbd\": {", FLO_EMODEL,
			   "\"family\" is not a string");
	/* a Pareto/NBD document needs its own parameters, not the BG/NBD's */
	check_edit_refused(__LINE__, "\"bgnbd\": {", "\"family\": \"pnbd\", \"bgnbd\": {", FLO_EMODEL,
			   "no \"pnbd\" model");
	/* written and read back */
	struct flo_model_doc d = {
		.unit = "week", .created = "2024-01-01T00:00:00Z", .fingerprint = "f",
		.customers = 10, .family = FLO_FAMILY_PNBD,
		.bgnbd = {.np = 4, .params = {0.55, 10.58, 1e-9, 11.67}},
	};
	text = flo_model_write(&d);
	CHECK(text != NULL && strstr(text, "\"family\": \"pnbd\"") != NULL);
	CHECK(text != NULL && strstr(text, "\"bgnbd\"") == NULL);
	CHECK(text != NULL && parse(text, &m, err, sizeof err) == FLO_OK &&
	      m.family == FLO_FAMILY_PNBD && m.pnbd.s == 1e-9 && m.pnbd.beta == 11.67);
	free(text);
	d.family = FLO_FAMILY_BGNBD;
	text = flo_model_write(&d);
	CHECK(text != NULL && strstr(text, "family") == NULL);
	free(text);
}

int main(void)
{
	test_family();
	test_full_document();
	test_minimal_and_units();
	test_gamma_gamma_absent();
	test_format();
	test_bad_json();
	test_unit();
	test_bgnbd_params();
	test_gg_params();
	test_short_reason();
	test_round_trip();
	return check_report();
}
