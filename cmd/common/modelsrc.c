/* modelsrc.c: a model from the options, as flo-score and flo-check take one. */
#include "common/modelsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "common/cli.h"
#include "common/list.h"
#include "store/models.h"

/* n positive numbers, else exit 2 naming the option */
static void positive_list(const char *opt, const char *arg, size_t n, const char *what, double *v)
{
	static const char *const count[] = {"zero", "one", "two", "three", "four"};
	struct flo_list l = {0};

	flo_list_parse(&l, opt, arg, FLO_LIST_ALL);
	if (l.n != n)
		flo_usage_error("option %s: expected %s numbers %s, got %zu: \"%s\"", opt,
				count[n], what, l.n, arg);
	for (size_t k = 0; k < n; k++)
		v[k] = flo_opt_positive(opt, l.item[k]);
	flo_list_free(&l);
}

static struct flo_model inline_model(const struct flo_model_source *s)
{
	struct flo_model m = {0};
	double v[4];

	if (s->bgnbd != NULL) {
		positive_list("--bgnbd", s->bgnbd, 4, "r,alpha,a,b", v);
		m.bgnbd = (struct flo_bgnbd){v[0], v[1], v[2], v[3]};
	} else {
		positive_list("--pnbd", s->pnbd, 4, "r,alpha,s,beta", v);
		m.pnbd = (struct flo_pnbd){v[0], v[1], v[2], v[3]};
		m.family = FLO_FAMILY_PNBD;
	}
	if (s->gg != NULL) {
		positive_list("--gg", s->gg, 3, "p,q,v", v);
		m.gg = (struct flo_gg){v[0], v[1], v[2]};
		m.has_gg = 1;
	}
	snprintf(m.unit, sizeof m.unit, "%s", s->unit != NULL ? s->unit : "week");
	return m;
}

void flo_model_source_check(const struct flo_model_source *s, int db_or_name)
{
	int inline_given = s->bgnbd != NULL || s->pnbd != NULL;

	if (s->bgnbd != NULL && s->pnbd != NULL)
		flo_usage_error("--bgnbd and --pnbd each give the model: use one");
	if (inline_given && s->file != NULL)
		flo_usage_error("--model and --%s each give the model: use one",
				s->bgnbd != NULL ? "bgnbd" : "pnbd");
	if (s->gg != NULL && !inline_given)
		flo_usage_error("--gg needs --bgnbd or --pnbd (a model file or a stored model "
				"has its own Gamma-Gamma model)");
	if (db_or_name && (inline_given || s->file != NULL))
		flo_usage_error("--db and --name choose a stored model: not with --model, "
				"--bgnbd or --pnbd");
}

struct flo_model flo_model_from_source(const struct flo_model_source *s)
{
	struct flo_model m = {0};
	char msg[FLO_MODELS_MSG];
	int rc;

	if (s->bgnbd != NULL || s->pnbd != NULL)
		return inline_model(s);
	if (s->file != NULL) {
		rc = flo_model_load_file(s->file, &m, msg);
		if (rc != FLO_OK)
			flo_die(rc == FLO_EIO ? FLO_EXIT_NOINPUT
				: rc == FLO_ENOMEM ? FLO_EXIT_SOFTWARE : FLO_EXIT_DATAERR, "%s", msg);
	} else {
		rc = flo_model_load_stored(s->db, s->name, &m, msg);
		if (rc == FLO_ENOTFOUND)
			flo_usage_error("no model: fit one with flo-fit, or give --model FILE, "
					"--bgnbd r,alpha,a,b or --pnbd r,alpha,s,beta (%s)", msg);
		if (rc != FLO_OK)
			flo_die(flo_exit_status(rc), "%s", msg);
	}
	if (s->unit != NULL && strcmp(s->unit, m.unit) != 0)
		flo_usage_error("--unit %s, but the model's unit is %s: %s would mix time units "
				"(summarise with flo-rfm --unit %s)", s->unit, m.unit,
				s->doing != NULL ? s->doing : "the check", m.unit);
	return m;
}
