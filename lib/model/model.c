/* model.c: the model document (format in model.h), read and written.
 *
 * The reader is strict about what scoring depends on (the format, the unit,
 * every parameter) and ignores everything else (standard errors, fit
 * statistics, warnings), so that flo-fit may add members without breaking
 * older readers of the same format. */
#include "model/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "base/num.h"
#include "base/text.h"

/* The format name without its number: a document that starts with it is a
 * flo model of another version, anything else is not a flo model. */
#define FORMAT_PREFIX "flo-model "

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int check_format(const flo_json_value *root, char *err, size_t errlen)
{
	const char *format;
	size_t len;

	if (flo_json_type(root) != FLO_JSON_OBJECT)
		return fail(err, errlen, FLO_EVERSION, "not a flo model (not a JSON object)");
	format = flo_json_string(flo_json_get(root, "format"), &len);
	if (format == NULL)
		return fail(err, errlen, FLO_EVERSION,
			    "not a flo model (no \"format\" string)");
	if (len == strlen(FLO_MODEL_FORMAT) && memcmp(format, FLO_MODEL_FORMAT, len) == 0)
		return FLO_OK;
	if (len > strlen(FORMAT_PREFIX) && strncmp(format, FORMAT_PREFIX, strlen(FORMAT_PREFIX)) == 0)
		return fail(err, errlen, FLO_EVERSION,
			    "model format \"%.40s\" is not the one this flo reads (\"%s\"): "
			    "refit the model with this flo's flo-fit, or score with the flo "
			    "that wrote it",
			    format, FLO_MODEL_FORMAT);
	return fail(err, errlen, FLO_EVERSION, "not a flo model (format \"%.40s\")", format);
}

static int check_unit(const flo_json_value *root, char *unit, size_t unitsz, char *err,
		      size_t errlen)
{
	static const char *const units[] = {"day", "week", "month"};
	const flo_json_value *v = flo_json_get(root, "unit");
	const char *s = flo_json_string(v, NULL);

	if (v == NULL)
		return fail(err, errlen, FLO_EMODEL, "no \"unit\"");
	if (s == NULL)
		return fail(err, errlen, FLO_EMODEL, "\"unit\" is not a string");
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(s, units[i]) == 0) {
			snprintf(unit, unitsz, "%s", s);
			return FLO_OK;
		}
	return fail(err, errlen, FLO_EMODEL, "unit \"%.40s\" is not day, week or month", s);
}

/* One parameter at `model`.params.`name`: a finite number > 0. */
static int get_param(const flo_json_value *params, const char *model, const char *name,
		     double *out, char *err, size_t errlen)
{
	const flo_json_value *v = flo_json_get(params, name);
	char shown[FLO_NUM_BUFSZ];
	double x;

	switch (flo_json_type(v)) {
	case FLO_JSON_NONE:
		return fail(err, errlen, FLO_EMODEL, "%s.params.%s is missing", model, name);
	case FLO_JSON_NUMBER:
		break;
	case FLO_JSON_NULL:
		/* flo-fit writes null for a number that is not finite. */
		return fail(err, errlen, FLO_EMODEL, "%s.params.%s is null (not a finite number)",
			    model, name);
	default:
		return fail(err, errlen, FLO_EMODEL, "%s.params.%s is not a number", model, name);
	}
	/* Finite already: the parser refuses numbers beyond a double. */
	flo_json_number(v, &x);
	if (!(x > 0))
		return fail(err, errlen, FLO_EMODEL, "%s.params.%s must be positive, is %s",
			    model, name, (flo_format_double(shown, x), shown));
	*out = x;
	return FLO_OK;
}

static int get_params(const flo_json_value *root, const char *model,
		      const char *const *names, double *out, int n, char *err, size_t errlen)
{
	const flo_json_value *fit = flo_json_get(root, model);
	const flo_json_value *params = flo_json_get(fit, "params");

	if (flo_json_type(fit) != FLO_JSON_OBJECT)
		return fail(err, errlen, FLO_EMODEL, "no \"%s\" model (an object)", model);
	if (flo_json_type(params) != FLO_JSON_OBJECT)
		return fail(err, errlen, FLO_EMODEL, "%s has no \"params\" object", model);
	for (int i = 0; i < n; i++) {
		int rc = get_param(params, model, names[i], &out[i], err, errlen);
		if (rc != FLO_OK)
			return rc;
	}
	return FLO_OK;
}

/* "covariance" of the fit at `model`: absent or null is none (a document
 * before issue 19, a singular information matrix); np the parameters of
 * the log scale. */
static int get_cov(const flo_json_value *root, const char *model, int np, struct flo_cov *cov,
		   char *err, size_t errlen)
{
	const flo_json_value *c = flo_json_get(flo_json_get(root, model), "covariance");
	enum flo_json_type t = flo_json_type(c);
	memset(cov, 0, sizeof *cov);
	if (t == FLO_JSON_NONE || t == FLO_JSON_NULL)
		return FLO_OK;
	const char *scale = flo_json_string(flo_json_get(c, "scale"), NULL);
	const flo_json_value *mean = flo_json_get(c, "mean"), *m = flo_json_get(c, "matrix");
	if (t != FLO_JSON_OBJECT || scale == NULL)
		return fail(err, errlen, FLO_EMODEL, "%s.covariance is not an object with a scale",
			    model);
	if (strcmp(scale, "log") == 0)
		cov->scale = FLO_COV_LOG;
	else if (strcmp(scale, "limit") == 0 && np == 4)
		cov->scale = FLO_COV_LIMIT, np = 3;
	else
		return fail(err, errlen, FLO_EMODEL, "%s.covariance.scale \"%.20s\" is not log%s",
			    model, scale, np == 4 ? " or limit" : "");
	cov->np = np;
	if (flo_json_length(mean) != (size_t)np || flo_json_length(m) != (size_t)np)
		return fail(err, errlen, FLO_EMODEL, "%s.covariance: mean and matrix need %d "
			    "entries", model, np);
	for (int j = 0; j < np; j++) {
		const flo_json_value *row = flo_json_index(m, (size_t)j);
		if (flo_json_number(flo_json_index(mean, (size_t)j), &cov->mean[j]) != FLO_OK ||
		    flo_json_length(row) != (size_t)np)
			return fail(err, errlen, FLO_EMODEL, "%s.covariance: mean and matrix "
				    "need %d numbers a row", model, np);
		for (int k = 0; k < np; k++)
			if (flo_json_number(flo_json_index(row, (size_t)k), &cov->m[j * 4 + k]) != FLO_OK)
				return fail(err, errlen, FLO_EMODEL, "%s.covariance.matrix: "
					    "not a number", model);
	}
	return FLO_OK;
}

static const char *const bg_names[] = {"r", "alpha", "a", "b"};
static const char *const pn_names[] = {"r", "alpha", "s", "beta"};
static const char *const gg_names[] = {"p", "q", "v"};
static const char *const bb_names[] = {"alpha", "beta", "gamma", "delta"};

const char *flo_family_name(enum flo_family f)
{
	switch (f) {
	case FLO_FAMILY_PNBD: return "pnbd";
	case FLO_FAMILY_MBGNBD: return "mbgnbd";
	case FLO_FAMILY_BGBB: return "bgbb";
	default: return "bgnbd";
	}
}

/* The names of the family's parameters in the document. */
static const char *const *family_params(enum flo_family f)
{
	return f == FLO_FAMILY_PNBD ? pn_names : f == FLO_FAMILY_BGBB ? bb_names : bg_names;
}

/* "family": absent (a document before issue 17) is the BG/NBD. */
static int check_family(const flo_json_value *root, enum flo_family *f, char *err, size_t errlen)
{
	const flo_json_value *v = flo_json_get(root, "family");
	const char *s = flo_json_string(v, NULL);
	*f = FLO_FAMILY_BGNBD;
	if (v == NULL)
		return FLO_OK;
	if (s == NULL)
		return fail(err, errlen, FLO_EMODEL, "\"family\" is not a string");
	if (strcmp(s, "bgnbd") == 0)
		return FLO_OK;
	if (strcmp(s, "pnbd") == 0) {
		*f = FLO_FAMILY_PNBD;
		return FLO_OK;
	}
	if (strcmp(s, "mbgnbd") == 0) {
		*f = FLO_FAMILY_MBGNBD;
		return FLO_OK;
	}
	if (strcmp(s, "bgbb") == 0) {
		*f = FLO_FAMILY_BGBB;
		return FLO_OK;
	}
	return fail(err, errlen, FLO_EMODEL,
		    "family \"%.40s\" is not one this flo scores (bgnbd, pnbd, mbgnbd, bgbb)", s);
}

static int read_model(const flo_json_value *root, struct flo_model *m, char *err,
		      size_t errlen)
{
	enum flo_json_type gg_type;
	double bg[4], gg[3];
	int rc;

	if ((rc = check_format(root, err, errlen)) != FLO_OK ||
	    (rc = check_unit(root, m->unit, sizeof m->unit, err, errlen)) != FLO_OK ||
	    (rc = check_family(root, &m->family, err, errlen)) != FLO_OK)
		return rc;
	if (m->family == FLO_FAMILY_PNBD) {
		if ((rc = get_params(root, "pnbd", pn_names, bg, 4, err, errlen)) != FLO_OK)
			return rc;
		m->pnbd = (struct flo_pnbd){bg[0], bg[1], bg[2], bg[3]};
		if ((rc = get_cov(root, "pnbd", 4, &m->cov, err, errlen)) != FLO_OK)
			return rc;
	} else if (m->family == FLO_FAMILY_MBGNBD) {
		if ((rc = get_params(root, "mbgnbd", bg_names, bg, 4, err, errlen)) != FLO_OK)
			return rc;
		m->mbgnbd = (struct flo_mbgnbd){bg[0], bg[1], bg[2], bg[3]};
		if ((rc = get_cov(root, "mbgnbd", 4, &m->cov, err, errlen)) != FLO_OK)
			return rc;
	} else if (m->family == FLO_FAMILY_BGBB) {
		if ((rc = get_params(root, "bgbb", bb_names, bg, 4, err, errlen)) != FLO_OK)
			return rc;
		m->bgbb = (struct flo_bgbb){bg[0], bg[1], bg[2], bg[3]};
		if ((rc = get_cov(root, "bgbb", 4, &m->cov, err, errlen)) != FLO_OK)
			return rc;
	} else {
		if ((rc = get_params(root, "bgnbd", bg_names, bg, 4, err, errlen)) != FLO_OK)
			return rc;
		m->bgnbd = (struct flo_bgnbd){bg[0], bg[1], bg[2], bg[3]};
		if ((rc = get_cov(root, "bgnbd", 4, &m->cov, err, errlen)) != FLO_OK)
			return rc;
	}
	/* A fit without spend data (or one that left the Gamma-Gamma out) has
	 * gamma_gamma null: scores without exp_avg_value and clv. */
	gg_type = flo_json_type(flo_json_get(root, "gamma_gamma"));
	if (gg_type == FLO_JSON_NONE || gg_type == FLO_JSON_NULL) {
		m->has_gg = 0;
		m->gg = (struct flo_gg){0, 0, 0};
		return FLO_OK;
	}
	if (gg_type != FLO_JSON_OBJECT)
		return fail(err, errlen, FLO_EMODEL, "gamma_gamma is neither an object nor null");
	if ((rc = get_params(root, "gamma_gamma", gg_names, gg, 3, err, errlen)) != FLO_OK)
		return rc;
	m->gg = (struct flo_gg){gg[0], gg[1], gg[2]};
	m->has_gg = 1;
	return get_cov(root, "gamma_gamma", 3, &m->gg_cov, err, errlen);
}

int flo_model_parse(const char *json, size_t len, struct flo_model *m, char *err,
		    size_t errlen)
{
	char why[256];
	flo_json *doc;
	struct flo_model got;
	int rc = flo_json_parse(json, len, &doc, why, sizeof why);

	if (rc == FLO_ENOMEM)
		return fail(err, errlen, FLO_ENOMEM, "out of memory");
	/* A number beyond a double (1e400) is a value that is not finite:
	 * FLO_EMODEL, as for a parameter written as null. */
	if (rc == FLO_ERANGE)
		return fail(err, errlen, FLO_EMODEL, "a number is out of range: %s", why);
	if (rc != FLO_OK)
		return fail(err, errlen, FLO_ESYNTAX, "not JSON: %s", why);
	memset(&got, 0, sizeof got);
	rc = read_model(flo_json_root(doc), &got, err, errlen);
	flo_json_free(doc);
	if (rc == FLO_OK)
		*m = got;
	return rc;
}

/* ---- the bootstrap's replicates ---- */

/* The rows of `model`.bootstrap.params into *rows (malloc'd, np a row,
 * every one a positive number), *n of them; none (*n 0) without
 * "bootstrap". */
static int get_replicates(const flo_json_value *root, const char *model, int np, double **rows,
			  size_t *n, char *err, size_t errlen)
{
	const flo_json_value *b = flo_json_get(flo_json_get(root, model), "bootstrap");
	*rows = NULL;
	*n = 0;
	if (flo_json_type(b) == FLO_JSON_NONE || flo_json_type(b) == FLO_JSON_NULL)
		return FLO_OK;
	const flo_json_value *p = flo_json_get(b, "params");
	if (flo_json_type(p) != FLO_JSON_ARRAY)
		return fail(err, errlen, FLO_EMODEL, "%s.bootstrap has no \"params\" array", model);
	size_t m = flo_json_length(p);
	double *v = malloc((m ? m : 1) * (size_t)np * sizeof *v);
	if (v == NULL)
		return fail(err, errlen, FLO_ENOMEM, "out of memory");
	for (size_t k = 0; k < m; k++) {
		const flo_json_value *row = flo_json_index(p, k);
		int ok = flo_json_length(row) == (size_t)np;
		for (int j = 0; ok && j < np; j++) {
			double *x = &v[k * (size_t)np + (size_t)j];
			ok = flo_json_number(flo_json_index(row, (size_t)j), x) == FLO_OK && *x > 0;
		}
		if (!ok) {
			free(v);
			return fail(err, errlen, FLO_EMODEL, "%s.bootstrap.params[%zu]: not %d "
				    "positive numbers", model, k, np);
		}
	}
	*rows = v;
	*n = m;
	return FLO_OK;
}

int flo_model_parse_bootstrap(const char *json, size_t len, const struct flo_model *m,
			      struct flo_model **draws, size_t *n, int *gg_drawn, char *err,
			      size_t errlen)
{
	char why[256];
	flo_json *doc;
	double *pr = NULL, *gr = NULL;
	size_t np = 0, ng = 0;
	*draws = NULL;
	*n = 0;
	*gg_drawn = 0;
	int rc = flo_json_parse(json, len, &doc, why, sizeof why);
	if (rc == FLO_ENOMEM)
		return fail(err, errlen, FLO_ENOMEM, "out of memory");
	if (rc != FLO_OK)
		return fail(err, errlen, FLO_ESYNTAX, "not JSON: %s", why);
	const flo_json_value *root = flo_json_root(doc);
	int pnbd = m->family == FLO_FAMILY_PNBD;
	rc = get_replicates(root, flo_family_name(m->family), 4, &pr, &np, err, errlen);
	if (rc == FLO_OK && m->has_gg)
		rc = get_replicates(root, "gamma_gamma", 3, &gr, &ng, err, errlen);
	flo_json_free(doc);
	size_t k = ng > 0 && ng < np ? ng : np;
	if (rc == FLO_OK && k > 0 && (*draws = malloc(k * sizeof **draws)) == NULL)
		rc = fail(err, errlen, FLO_ENOMEM, "out of memory");
	for (size_t i = 0; rc == FLO_OK && i < k; i++) {
		const double *v = pr + 4 * i;
		struct flo_model *d = &(*draws)[i];
		*d = *m;
		if (pnbd)
			d->pnbd = (struct flo_pnbd){v[0], v[1], v[2], v[3]};
		else
			d->bgnbd = (struct flo_bgnbd){v[0], v[1], v[2], v[3]};
		if (ng > 0)
			d->gg = (struct flo_gg){gr[3 * i], gr[3 * i + 1], gr[3 * i + 2]};
	}
	free(pr);
	free(gr);
	if (rc == FLO_OK) {
		*n = k;
		*gg_drawn = k > 0 && ng > 0;
	}
	return rc;
}

/* ---- writing ---- */

static void key(struct flo_text *t, const char *indent, const char *name)
{
	flo_text_puts(t, indent);
	flo_text_json_string(t, name);
	flo_text_puts(t, ": ");
}

static void params(struct flo_text *t, const char *indent, const char *name,
		   const char *const *names, const double *v, int np, int present)
{
	key(t, indent, name);
	flo_text_puts(t, "{");
	for (int j = 0; j < np; j++) {
		flo_text_puts(t, j ? ", " : "");
		flo_text_json_string(t, names[j]);
		flo_text_puts(t, ": ");
		flo_text_number(t, present ? v[j] : NAN);
	}
	flo_text_puts(t, "}");
}

static void warnings(struct flo_text *t, const char *const *w, size_t n)
{
	flo_text_puts(t, "    \"warnings\": [");
	for (size_t i = 0; i < n; i++) {
		flo_text_puts(t, i ? ",\n      " : "\n      ");
		flo_text_json_string(t, w[i]);
	}
	flo_text_puts(t, n ? "\n    ]" : "]");
}

static void fit(struct flo_text *t, const struct flo_fit_result *r, const char *const *names,
		double penalizer)
{
	params(t, "    ", "params", names, r->params, r->np, 1);
	flo_text_puts(t, ",\n");
	params(t, "    ", "se", names, r->se, r->np, r->has_se);
	flo_text_puts(t, ",\n");
	key(t, "    ", "loglik");
	flo_text_number(t, r->loglik);
	flo_text_puts(t, ",\n");
	double k = r->np;
	key(t, "    ", "aic");
	flo_text_number(t, 2 * k - 2 * r->loglik);
	flo_text_puts(t, ",\n");
	key(t, "    ", "bic");
	flo_text_number(t, k * log(r->n) - 2 * r->loglik);
	flo_text_puts(t, ",\n");
	key(t, "    ", "customers");
	flo_text_number(t, r->n);
	flo_text_puts(t, ",\n");
	key(t, "    ", "distinct");
	flo_text_number(t, (double)r->distinct);
	flo_text_puts(t, ",\n");
	key(t, "    ", "iterations");
	flo_text_number(t, r->iterations);
	flo_text_puts(t, ",\n");
	key(t, "    ", "converged");
	flo_text_puts(t, r->converged ? "true" : "false");
	flo_text_puts(t, ",\n");
	key(t, "    ", "gradient_norm");
	flo_text_number(t, r->grad_norm);
	flo_text_puts(t, ",\n");
	key(t, "    ", "penalizer");
	flo_text_number(t, penalizer);
	flo_text_puts(t, ",\n");
}

/* A number, or null when `has` is 0. */
static void maybe(struct flo_text *t, double v, int has)
{
	flo_text_number(t, has ? v : NAN);
}

static void intervals(struct flo_text *t, const struct flo_intervals *iv,
		      const char *const *names)
{
	static const char *const limit[] = {"ln r", "ln alpha", "logit a/(a+b)"};
	flo_text_puts(t, ",\n");
	key(t, "    ", "intervals");
	flo_text_puts(t, "{\n      \"level\": ");
	flo_text_number(t, iv->level);
	for (int j = 0; j < iv->np; j++) {
		const struct flo_param_interval *p = &iv->p[j];
		flo_text_puts(t, ",\n");
		key(t, "      ", names[j]);
		flo_text_puts(t, "{\"estimate\": ");
		flo_text_number(t, p->estimate);
		flo_text_puts(t, ", \"se\": ");
		maybe(t, p->se, p->has_se);
		flo_text_puts(t, ", \"lower\": ");
		maybe(t, p->lower, p->has_lower);
		flo_text_puts(t, ", \"upper\": ");
		maybe(t, p->upper, p->has_upper);
		flo_text_puts(t, ", \"method\": ");
		flo_text_json_string(t, flo_interval_method_name(p->method));
		if (p->note[0] != '\0') {
			flo_text_puts(t, ", \"note\": ");
			flo_text_json_string(t, p->note);
		}
		flo_text_puts(t, "}");
	}
	flo_text_puts(t, "\n    },\n");
	key(t, "    ", "covariance");
	const struct flo_cov *c = &iv->cov;
	if (c->scale == FLO_COV_NONE) {
		flo_text_puts(t, "null");
		return;
	}
	flo_text_puts(t, "{\"scale\": ");
	flo_text_json_string(t, c->scale == FLO_COV_LOG ? "log" : "limit");
	flo_text_puts(t, ", \"coordinates\": [");
	for (int j = 0; j < c->np; j++) {
		char ln[32];
		snprintf(ln, sizeof ln, "ln %s", names[j]);
		flo_text_puts(t, j ? ", " : "");
		flo_text_json_string(t, c->scale == FLO_COV_LOG ? ln : limit[j]);
	}
	flo_text_puts(t, "],\n      \"mean\": [");
	for (int j = 0; j < c->np; j++) {
		flo_text_puts(t, j ? ", " : "");
		flo_text_number(t, c->mean[j]);
	}
	flo_text_puts(t, "],\n      \"matrix\": [");
	for (int j = 0; j < c->np; j++) {
		flo_text_puts(t, j ? ", [" : "[");
		for (int k = 0; k < c->np; k++) {
			flo_text_puts(t, k ? ", " : "");
			flo_text_number(t, c->m[j * 4 + k]);
		}
		flo_text_puts(t, "]");
	}
	flo_text_puts(t, "]}");
}

/* Another family's fit, under its name, as the chosen one's. */
static void alternative(struct flo_text *t, const struct flo_model_alt *a, double penalizer)
{
	key(t, "  ", flo_family_name(a->family));
	flo_text_puts(t, "{\n");
	fit(t, &a->fit, family_params(a->family), penalizer);
	warnings(t, a->warnings, a->nwarnings);
	flo_text_puts(t, "\n  },\n");
}

static void member(struct flo_text *t, const char *name, double v, int present)
{
	flo_text_puts(t, ", ");
	flo_text_json_string(t, name);
	flo_text_puts(t, ": ");
	flo_text_number(t, present ? v : NAN);
}

static void comparison(struct flo_text *t, const struct flo_model_doc *d)
{
	key(t, "  ", "comparison");
	flo_text_puts(t, "{\"selected\": ");
	flo_text_json_string(t, flo_family_name(d->family));
	flo_text_puts(t, ", \"by\": ");
	flo_text_json_string(t, d->selected_by != NULL ? d->selected_by : "bic");
	flo_text_puts(t, ", \"models\": [");
	for (size_t i = 0; i < d->nalts; i++) {
		const struct flo_model_alt *a = &d->alts[i];
		flo_text_puts(t, i ? ",\n    {\"model\": " : "\n    {\"model\": ");
		flo_text_json_string(t, flo_family_name(a->family));
		if (a->failed != NULL) {
			flo_text_puts(t, ", \"error\": ");
			flo_text_json_string(t, a->failed);
			flo_text_puts(t, "}");
			continue;
		}
		double k = a->fit.np;
		member(t, "loglik", a->fit.loglik, 1);
		member(t, "aic", 2 * k - 2 * a->fit.loglik, 1);
		member(t, "bic", k * log(a->fit.n) - 2 * a->fit.loglik, 1);
		flo_text_puts(t, a->fit.converged ? ", \"converged\": true" : ", \"converged\": false");
		member(t, "warnings", (double)a->nwarnings, 1);
		if (a->has_holdout) {
			flo_text_puts(t, ", \"holdout\": {\"customers\": ");
			flo_text_number(t, a->holdout_customers);
			member(t, "actual", a->holdout_actual, 1);
			member(t, "expected", a->holdout_expected, 1);
			member(t, "mae", a->mae, 1);
			member(t, "rmse", a->rmse, 1);
			member(t, "corr", a->corr, a->has_corr);
			member(t, "error_pct", a->error_pct, a->has_error_pct);
			flo_text_puts(t, "}");
		}
		flo_text_puts(t, "}");
	}
	flo_text_puts(t, "\n  ]},\n");
}

/* A fit's bootstrap replicates: the converged refits' parameters, one row
 * each, as printed to round-trip. */
static void bootstrap(struct flo_text *t, const struct flo_boot *b)
{
	flo_text_puts(t, ",\n");
	key(t, "    ", "bootstrap");
	flo_text_puts(t, "{\"replicates\": ");
	flo_text_number(t, (double)b->n);
	flo_text_puts(t, ", \"converged\": ");
	flo_text_number(t, (double)b->ok);
	flo_text_puts(t, ", \"seed\": ");
	flo_text_number(t, (double)b->seed);
	flo_text_puts(t, ",\n      \"params\": [");
	for (size_t k = 0; k < b->ok; k++) {
		flo_text_puts(t, k ? ",\n        [" : "\n        [");
		for (int j = 0; j < b->np; j++) {
			flo_text_puts(t, j ? ", " : "");
			flo_text_number(t, b->params[k * (size_t)b->np + (size_t)j]);
		}
		flo_text_puts(t, "]");
	}
	flo_text_puts(t, b->ok ? "\n      ]}" : "]}");
}

char *flo_model_write(const struct flo_model_doc *d)
{
	struct flo_text t = {0};
	flo_text_puts(&t, "{\n");
	key(&t, "  ", "format");
	flo_text_json_string(&t, FLO_MODEL_FORMAT);
	flo_text_puts(&t, ",\n");
	key(&t, "  ", "unit");
	flo_text_json_string(&t, d->unit);
	flo_text_puts(&t, ",\n");
	if (d->family != FLO_FAMILY_BGNBD) { /* the BG/NBD's document stays as it was */
		key(&t, "  ", "family");
		flo_text_json_string(&t, flo_family_name(d->family));
		flo_text_puts(&t, ",\n");
	}
	key(&t, "  ", "created");
	flo_text_json_string(&t, d->created);
	flo_text_puts(&t, ",\n");
	key(&t, "  ", "data");
	flo_text_puts(&t, "{\"customers\": ");
	flo_text_number(&t, d->customers);
	flo_text_puts(&t, ", \"fingerprint\": ");
	flo_text_json_string(&t, d->fingerprint);
	flo_text_puts(&t, "},\n");

	key(&t, "  ", flo_family_name(d->family));
	flo_text_puts(&t, "{\n");
	fit(&t, &d->bgnbd, family_params(d->family), d->bgnbd_penalizer);
	warnings(&t, d->bgnbd_warnings, d->bgnbd_nwarnings);
	if (d->bgnbd_iv != NULL)
		intervals(&t, d->bgnbd_iv, family_params(d->family));
	if (d->bgnbd_boot != NULL)
		bootstrap(&t, d->bgnbd_boot);
	flo_text_puts(&t, "\n  },\n");

	for (size_t i = 0; i < d->nalts; i++)
		if (d->alts[i].family != d->family && d->alts[i].failed == NULL)
			alternative(&t, &d->alts[i], d->bgnbd_penalizer);
	if (d->nalts > 0)
		comparison(&t, d);

	key(&t, "  ", "gamma_gamma");
	if (!d->has_gg) {
		flo_text_puts(&t, "null\n}\n");
		return t.oom ? (free(t.p), NULL) : t.p;
	}
	flo_text_puts(&t, "{\n");
	fit(&t, &d->gg, gg_names, d->gg_penalizer);
	key(&t, "    ", "left_out");
	flo_text_number(&t, d->gg_left_out);
	flo_text_puts(&t, ",\n");
	key(&t, "    ", "corr_frequency_monetary");
	flo_text_number(&t, d->has_corr ? d->corr_frequency_monetary : NAN);
	flo_text_puts(&t, ",\n");
	warnings(&t, d->gg_warnings, d->gg_nwarnings);
	if (d->gg_iv != NULL)
		intervals(&t, d->gg_iv, gg_names);
	if (d->gg_boot != NULL)
		bootstrap(&t, d->gg_boot);
	flo_text_puts(&t, "\n  }\n}\n");
	if (t.oom) {
		free(t.p);
		return NULL;
	}
	return t.p;
}
