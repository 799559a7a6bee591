/* summary.c: the fields of RFM summaries, their names and the unit stated. */
#include "common/summary.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "base/num.h"
#include "base/unit.h"
#include "common/read.h"
#include "model/bgbb.h"
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

int flo_summary_no_repeat_recency(struct flo_bad *bad, const flo_reader *r, double x, double tx)
{
	if (x != 0 || tx == 0)
		return 1;
	flo_bad_record(bad, r, FLO_EXIT_DATAERR,
		       "recency %g with frequency 0: a customer without repeat purchases has "
		       "recency 0", tx);
	return 0;
}

int flo_summary_periods(struct flo_bad *bad, const flo_reader *r, struct flo_summary_cols *c,
			double x, double tx, double T)
{
	struct flo_col *col[3] = {&c->x, &c->tx, &c->T};
	int k;
	enum flo_bgbb_history why = flo_bgbb_history(x, tx, T, &k);
	const struct flo_field *f = why == FLO_BGBB_HISTORY_OK ? NULL : flo_reader_get(r, col[k]);
	const char *text = f != NULL ? flo_quote(f->val, f->len) : "";

	switch (why) {
	case FLO_BGBB_HISTORY_OK: return 1;
	case FLO_BGBB_NOT_WHOLE:
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "field \"%s\" is not a whole number of periods, as the BG/BB "
			       "needs (flo-rfm --occasion day|week|month writes them): \"%s\"",
			       col[k]->name, text);
		break;
	case FLO_BGBB_TOO_LONG:
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "field \"%s\" is more than %.0f periods, beyond any two dates "
			       "flo reads (the BG/BB's limit): \"%s\"",
			       col[k]->name, FLO_BGBB_MAX_PERIODS, text);
		break;
	case FLO_BGBB_X_OVER_TX:
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "field \"%s\" is more than %s: the BG/BB's x purchases take x "
			       "periods at least: \"%s\"",
			       col[k]->name, c->tx.name, text);
		break;
	case FLO_BGBB_TX_WITHOUT_X:
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "field \"%s\" is more than 0 with %s 0: the BG/BB's recency "
			       "is the period of the last repeat purchase: \"%s\"",
			       col[k]->name, c->x.name, text);
		break;
	}
	return 0;
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

void flo_summary_stated_unit(const struct flo_summary_cols *c, const char *unit_option,
			     const char *model_unit, const char *input_name)
{
	if (unit_option != NULL || c->has_dates || c->has_unit || strcmp(model_unit, "week") == 0)
		return;
	flo_die(FLO_EXIT_DATAERR,
		"%s: the summaries say nothing of their time unit (no first_order and "
		"last_order dates, no unit field) and are taken in weeks, but the model's unit "
		"is %s: give --unit %s if they are in %ss", input_name, model_unit, model_unit,
		model_unit);
}

/* flo-rfm's summaries carry the dates recency comes from: recency in days
 * must be recency in the model's unit times its days.  A unit field says it
 * instead: flo-rfm --occasion month's months are calendar months, not a
 * number of days. */
static void recency_in_unit(const flo_reader *r, struct flo_summary_cols *c,
			    const char *model_unit, double unit_days, double tx,
			    const char *input_name)
{
	const struct flo_field *f0, *f1;
	char a[FLO_NUM_BUFSZ], b[64];
	int32_t d0, d1;
	double days;

	if (!(tx > 0) || (f0 = flo_reader_get(r, &c->first)) == NULL ||
	    (f1 = flo_reader_get(r, &c->last)) == NULL ||
	    flo_parse_day(f0->val, f0->len, &d0) != FLO_OK ||
	    flo_parse_day(f1->val, f1->len, &d1) != FLO_OK)
		return;
	days = (double)d1 - (double)d0;
	if (flo_unit_days_match(days / tx, unit_days))
		return;
	flo_format_double(a, tx);
	b[0] = '\0';
	if (unit_days != 1)
		snprintf(b, sizeof b, ", %.6g %ss", days / unit_days, model_unit);
	flo_die(FLO_EXIT_DATAERR,
		"%s line %ld: recency %s is in another time unit than the model (%s): "
		"last_order - first_order is %.0f days%s",
		input_name, flo_reader_line(r), a, model_unit, days, b);
}

int flo_summary_same_unit(struct flo_bad *bad, const flo_reader *r, struct flo_summary_cols *c,
			  const char *model_unit, double unit_days, double tx, const char *doing)
{
	int bad_unit;
	const char *unit;

	if (!c->has_unit) {
		recency_in_unit(r, c, model_unit, unit_days, tx, bad->input_name);
		return 1;
	}
	unit = flo_summary_unit(bad, r, c, &bad_unit);
	if (unit != NULL && strcmp(unit, model_unit) != 0)
		flo_die(FLO_EXIT_DATAERR,
			"%s line %ld: field \"unit\" is %s, but the model's unit is %s: "
			"%s would mix time units", bad->input_name, flo_reader_line(r), unit,
			model_unit, doing);
	return !bad_unit;
}
