/* modelsrc.c: a model from the options, as flo-score takes one. */
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
	struct flo_list l = {0};

	flo_list_parse(&l, opt, arg, FLO_LIST_ALL);
	if (l.n != n)
		flo_usage_error("option %s: expected %zu numbers %s, got %zu: \"%s\"", opt, n,
				what, l.n, arg);
	for (size_t k = 0; k < n; k++)
		v[k] = flo_opt_positive(opt, l.item[k]);
	flo_list_free(&l);
}

struct flo_model flo_model_from_source(const struct flo_model_source *s)
{
	struct flo_model m = {0};
	char msg[FLO_MODELS_MSG];
	int rc;

	if (s->bgnbd != NULL) {
		double v[4];
		positive_list("--bgnbd", s->bgnbd, 4, "r,alpha,a,b", v);
		m.bgnbd = (struct flo_bgnbd){v[0], v[1], v[2], v[3]};
		if (s->gg != NULL) {
			positive_list("--gg", s->gg, 3, "p,q,v", v);
			m.gg = (struct flo_gg){v[0], v[1], v[2]};
			m.has_gg = 1;
		}
		snprintf(m.unit, sizeof m.unit, "%s", s->unit != NULL ? s->unit : "week");
		return m;
	}
	if (s->file != NULL) {
		rc = flo_model_load_file(s->file, &m, msg);
		if (rc != FLO_OK)
			flo_die(rc == FLO_EIO ? FLO_EXIT_NOINPUT
				: rc == FLO_ENOMEM ? FLO_EXIT_SOFTWARE : FLO_EXIT_DATAERR, "%s", msg);
	} else {
		rc = flo_model_load_stored(s->db, s->name, &m, msg);
		if (rc == FLO_ENOTFOUND)
			flo_usage_error("no model: fit one with flo-fit, or give --model FILE or "
					"--bgnbd r,alpha,a,b (%s)", msg);
		if (rc != FLO_OK)
			flo_die(flo_exit_status(rc), "%s", msg);
	}
	/* the checks see a model through family.h: the BG/NBD and the MBG/NBD */
	if (m.family != FLO_FAMILY_BGNBD && m.family != FLO_FAMILY_MBGNBD)
		flo_usage_error("the model is a %s: flo-check checks BG/NBD and MBG/NBD models "
				"only so far (fit one with flo-fit --model bgnbd)",
				flo_family_name(m.family));
	if (s->unit != NULL && strcmp(s->unit, m.unit) != 0)
		flo_usage_error("--unit %s, but the model's unit is %s: the check would mix "
				"time units", s->unit, m.unit);
	return m;
}
