/* model_write.c: the model document flo-fit writes (format in model.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "model/model.h"
#include "base/num.h"
#include "base/text.h"

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

char *flo_model_write(const struct flo_model_doc *d)
{
	static const char *const bg_names[] = {"r", "alpha", "a", "b"};
	static const char *const gg_names[] = {"p", "q", "v"};
	struct flo_text t = {0};
	flo_text_puts(&t, "{\n");
	key(&t, "  ", "format");
	flo_text_json_string(&t, FLO_MODEL_FORMAT);
	flo_text_puts(&t, ",\n");
	key(&t, "  ", "unit");
	flo_text_json_string(&t, d->unit);
	flo_text_puts(&t, ",\n");
	key(&t, "  ", "created");
	flo_text_json_string(&t, d->created);
	flo_text_puts(&t, ",\n");
	key(&t, "  ", "data");
	flo_text_puts(&t, "{\"customers\": ");
	flo_text_number(&t, d->customers);
	flo_text_puts(&t, ", \"fingerprint\": ");
	flo_text_json_string(&t, d->fingerprint);
	flo_text_puts(&t, "},\n");

	key(&t, "  ", "bgnbd");
	flo_text_puts(&t, "{\n");
	fit(&t, &d->bgnbd, bg_names, d->bgnbd_penalizer);
	warnings(&t, d->bgnbd_warnings, d->bgnbd_nwarnings);
	flo_text_puts(&t, "\n  },\n");

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
	flo_text_puts(&t, "\n  }\n}\n");
	if (t.oom) {
		free(t.p);
		return NULL;
	}
	return t.p;
}
