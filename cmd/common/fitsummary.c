/* fitsummary.c: the fits' parameters as a table (fitsummary.h). */
#include "common/fitsummary.h"

#include <math.h>

/* A number in 10 columns, or a word where it does not exist. */
static void cell(FILE *f, double v, int has, const char *none)
{
	if (has)
		fprintf(f, " %10.4g", v);
	else
		fprintf(f, " %10s", none);
}

static void table(FILE *f, const char *model, const struct flo_fit_result *r,
		  const struct flo_intervals *iv, const char *const *names)
{
	fprintf(f, "%s: %.0f customers, log-likelihood %.2f; %g%% intervals\n", model, r->n,
		r->loglik, 100 * iv->level);
	fprintf(f, "  %-9s %10s %10s %10s %10s  %s\n", "parameter", "estimate", "se", "lower",
		"upper", "method");
	for (int j = 0; j < iv->np; j++) {
		const struct flo_param_interval *p = &iv->p[j];
		fprintf(f, "  %-9s", names[j]);
		cell(f, p->estimate, 1, "");
		cell(f, p->se, p->has_se, "-");
		cell(f, p->lower, p->has_lower, "none");
		cell(f, p->upper, p->has_upper, "none");
		fprintf(f, "  %s\n", flo_interval_method_name(p->method));
		if (p->note[0] != '\0')
			fprintf(f, "            %s\n", p->note);
	}
}

void flo_fit_summary(FILE *f, const struct flo_model_doc *doc)
{
	static const char *const title[] = {
		[FLO_FAMILY_BGNBD] = "BG/NBD", [FLO_FAMILY_PNBD] = "Pareto/NBD",
		[FLO_FAMILY_MBGNBD] = "MBG/NBD", [FLO_FAMILY_BGBB] = "BG/BB"};
	enum flo_interval_kind kind = doc->family == FLO_FAMILY_PNBD	 ? FLO_IV_PNBD
				      : doc->family == FLO_FAMILY_MBGNBD ? FLO_IV_MBGNBD
				      : doc->family == FLO_FAMILY_BGBB	 ? FLO_IV_BGBB
									 : FLO_IV_BGNBD;
	if (doc->bgnbd_iv != NULL)
		table(f, title[doc->family], &doc->bgnbd, doc->bgnbd_iv, flo_interval_names(kind));
	if (doc->has_gg && doc->gg_iv != NULL)
		table(f, "Gamma-Gamma", &doc->gg, doc->gg_iv, flo_interval_names(FLO_IV_GG));
}
