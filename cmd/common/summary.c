/* summary.c: the fields of RFM summaries, their names and the unit stated. */
#include "common/summary.h"

#include <string.h>

#include "base/num.h"
#include "common/read.h"
#include "record/field.h"

int flo_summary_option(int c, const char *arg, struct flo_summary_names *n)
{
	static const char *const opt[] = {"--frequency-field", "--recency-field", "--T-field",
					  "--monetary-field"};
	const char **name[] = {&n->frequency, &n->recency, &n->T, &n->monetary};
	int k = c - FLO_OPT_FREQUENCY_FIELD;

	if (c == FLO_OPT_UNIT) {
		n->unit = flo_opt_unit("--unit", arg);
		return 1;
	}
	if (k < 0 || k >= 4)
		return 0;
	if (arg[0] == '\0')
		flo_usage_error("option %s: empty field name", opt[k]);
	*name[k] = arg;
	return 1;
}

void flo_summary_cols_init(struct flo_summary_cols *c, const struct flo_summary_names *n)
{
	*c = (struct flo_summary_cols){
		FLO_COL(n->frequency ? n->frequency : "frequency"),
		FLO_COL(n->recency ? n->recency : "recency"), FLO_COL(n->T ? n->T : "T"),
		FLO_COL(n->monetary ? n->monetary : "monetary"), FLO_COL("first_order"),
		FLO_COL("last_order"), FLO_COL("unit"),
		.monetary_given = n->monetary != NULL, .has_m = 1,
	};
}

void flo_summary_resolve(struct flo_summary_cols *c, const flo_reader *r)
{
	size_t n;
	const struct flo_field *f = flo_reader_header(r, &n);

	if (n == 0)
		f = flo_reader_fields(r, &n);
	c->has_dates = flo_field_has(f, n, "first_order") && flo_field_has(f, n, "last_order");
	c->has_unit = flo_field_has(f, n, "unit");
	if (c->monetary_given || flo_field_has(f, n, c->m.name))
		return;
	if (flo_field_has(f, n, "monetary_value"))
		c->m = FLO_COL("monetary_value");
	else
		c->has_m = 0;
}

/* Empty, NaN or null: how pandas and lifetimes write a mean of no values. */
static int no_value(const struct flo_field *f)
{
	return f->kind == FLO_KIND_NULL || flo_no_number(f->val, f->len);
}

int flo_summary_monetary(struct flo_bad *bad, const flo_reader *r, struct flo_summary_cols *c,
			 double x, double *m)
{
	const struct flo_field *f;

	*m = 0;
	if (!c->has_m)
		return 1;
	if (x == 0 && (f = flo_reader_get(r, &c->m)) != NULL && no_value(f))
		return 1;
	return flo_read_number(bad, r, &c->m, FLO_FIELD_NUMBER, m, NULL);
}

const char *flo_summary_unit(struct flo_bad *bad, const flo_reader *r,
			     struct flo_summary_cols *c, int *bad_unit)
{
	static const char *const units[] = {"day", "week", "month"};
	const struct flo_field *f;

	*bad_unit = 0;
	if (!c->has_unit || !flo_field_present(f = flo_reader_get(r, &c->unit)))
		return NULL;
	for (int k = 0; k < 3; k++) {
		size_t len = strlen(units[k]);
		if ((f->len == len || (f->len == len + 1 && f->val[len] == 's')) &&
		    memcmp(f->val, units[k], len) == 0)
			return units[k];
	}
	*bad_unit = 1;
	flo_bad_record(bad, r, FLO_EXIT_DATAERR,
		       "field \"unit\" is not a time unit (day, week or month): \"%s\"",
		       flo_quote(f->val, f->len));
	return NULL;
}
