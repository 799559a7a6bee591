/* model_write.c: the model document flo-fit writes (format in model.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "num.h"

struct text {
	char *p;
	size_t len, cap;
	int oom;
};

static void add(struct text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (p == NULL) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void adds(struct text *t, const char *s)
{
	add(t, s, strlen(s));
}

static void add_string(struct text *t, const char *s)
{
	size_t n = strlen(s);
	char *esc = malloc(6 * n + 1);
	if (esc == NULL) {
		t->oom = 1;
		return;
	}
	size_t k = flo_json_escape(esc, s, n);
	adds(t, "\"");
	add(t, esc, k);
	adds(t, "\"");
	free(esc);
}

/* A number, or null where there is none: JSON has no nan or inf. */
static void add_number(struct text *t, double v)
{
	char buf[FLO_NUM_BUFSZ];
	if (!isfinite(v)) {
		adds(t, "null");
		return;
	}
	add(t, buf, flo_format_double(buf, v));
}

static void key(struct text *t, const char *indent, const char *name)
{
	adds(t, indent);
	add_string(t, name);
	adds(t, ": ");
}

static void params(struct text *t, const char *indent, const char *name,
		   const char *const *names, const double *v, int np, int present)
{
	key(t, indent, name);
	adds(t, "{");
	for (int j = 0; j < np; j++) {
		adds(t, j ? ", " : "");
		add_string(t, names[j]);
		adds(t, ": ");
		add_number(t, present ? v[j] : NAN);
	}
	adds(t, "}");
}

static void warnings(struct text *t, const char *const *w, size_t n)
{
	adds(t, "    \"warnings\": [");
	for (size_t i = 0; i < n; i++) {
		adds(t, i ? ",\n      " : "\n      ");
		add_string(t, w[i]);
	}
	adds(t, n ? "\n    ]" : "]");
}

static void fit(struct text *t, const struct flo_fit_result *r, const char *const *names,
		double penalizer)
{
	params(t, "    ", "params", names, r->params, r->np, 1);
	adds(t, ",\n");
	params(t, "    ", "se", names, r->se, r->np, r->has_se);
	adds(t, ",\n");
	key(t, "    ", "loglik");
	add_number(t, r->loglik);
	adds(t, ",\n");
	double k = r->np;
	key(t, "    ", "aic");
	add_number(t, 2 * k - 2 * r->loglik);
	adds(t, ",\n");
	key(t, "    ", "bic");
	add_number(t, k * log(r->n) - 2 * r->loglik);
	adds(t, ",\n");
	key(t, "    ", "customers");
	add_number(t, r->n);
	adds(t, ",\n");
	key(t, "    ", "distinct");
	add_number(t, (double)r->distinct);
	adds(t, ",\n");
	key(t, "    ", "iterations");
	add_number(t, r->iterations);
	adds(t, ",\n");
	key(t, "    ", "converged");
	adds(t, r->converged ? "true" : "false");
	adds(t, ",\n");
	key(t, "    ", "gradient_norm");
	add_number(t, r->grad_norm);
	adds(t, ",\n");
	key(t, "    ", "penalizer");
	add_number(t, penalizer);
	adds(t, ",\n");
}

char *flo_model_write(const struct flo_model_doc *d)
{
	static const char *const bg_names[] = {"r", "alpha", "a", "b"};
	static const char *const gg_names[] = {"p", "q", "v"};
	struct text t = {0};
	adds(&t, "{\n");
	key(&t, "  ", "format");
	add_string(&t, FLO_MODEL_FORMAT);
	adds(&t, ",\n");
	key(&t, "  ", "unit");
	add_string(&t, d->unit);
	adds(&t, ",\n");
	key(&t, "  ", "created");
	add_string(&t, d->created);
	adds(&t, ",\n");
	key(&t, "  ", "data");
	adds(&t, "{\"customers\": ");
	add_number(&t, d->customers);
	adds(&t, ", \"fingerprint\": ");
	add_string(&t, d->fingerprint);
	adds(&t, "},\n");

	key(&t, "  ", "bgnbd");
	adds(&t, "{\n");
	fit(&t, &d->bgnbd, bg_names, d->bgnbd_penalizer);
	warnings(&t, d->bgnbd_warnings, d->bgnbd_nwarnings);
	adds(&t, "\n  },\n");

	key(&t, "  ", "gamma_gamma");
	if (!d->has_gg) {
		adds(&t, "null\n}\n");
		return t.oom ? (free(t.p), NULL) : t.p;
	}
	adds(&t, "{\n");
	fit(&t, &d->gg, gg_names, d->gg_penalizer);
	key(&t, "    ", "left_out");
	add_number(&t, d->gg_left_out);
	adds(&t, ",\n");
	key(&t, "    ", "corr_frequency_monetary");
	add_number(&t, d->has_corr ? d->corr_frequency_monetary : NAN);
	adds(&t, ",\n");
	warnings(&t, d->gg_warnings, d->gg_nwarnings);
	adds(&t, "\n  }\n}\n");
	if (t.oom) {
		free(t.p);
		return NULL;
	}
	return t.p;
}
