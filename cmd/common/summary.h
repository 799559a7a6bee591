/* summary.h: the fields of RFM summary records as flo-fit and flo-score read
 * them: named by options (--frequency-field and the like) or by flo-rfm's
 * names, lifetimes' monetary_value taken where monetary is absent, no
 * monetary at all meaning the BG/NBD alone, and the time unit a summary
 * states (first_order/last_order dates, or a unit field). */
#ifndef FLO_SUMMARY_H
#define FLO_SUMMARY_H

#include <getopt.h>

#include "common/cli.h"
#include "record/reader.h"

/* The options naming the fields, for a tool's long options and switch. */
enum { FLO_OPT_FREQUENCY_FIELD = 0x1100, FLO_OPT_RECENCY_FIELD, FLO_OPT_T_FIELD,
       FLO_OPT_MONETARY_FIELD, FLO_OPT_UNIT };

#define FLO_SUMMARY_LONGOPTS                                                         \
	{"frequency-field", required_argument, NULL, FLO_OPT_FREQUENCY_FIELD},       \
	{"recency-field", required_argument, NULL, FLO_OPT_RECENCY_FIELD},           \
	{"T-field", required_argument, NULL, FLO_OPT_T_FIELD},                       \
	{"monetary-field", required_argument, NULL, FLO_OPT_MONETARY_FIELD},         \
	{"unit", required_argument, NULL, FLO_OPT_UNIT}

/* The help text of those options, for a tool's usage. */
#define FLO_SUMMARY_USAGE                                                            \
	"      --frequency-field F   the field of the repeat purchases (default frequency)\n" \
	"      --recency-field F     ... of the recency (default recency)\n"                 \
	"      --T-field F           ... of the age T (default T)\n"                         \
	"      --monetary-field F    ... of the mean spend (default monetary, else\n"        \
	"                            lifetimes' monetary_value; without either, the\n"       \
	"                            BG/NBD alone)\n"

struct flo_summary_names {
	const char *frequency, *recency, *T, *monetary; /* NULL: the default */
	const char *unit; /* --unit (checked: day, week or month), or NULL */
};

/* 1 when option c was one of the field options or --unit (now taken), else
 * 0; an empty name or an unknown unit is a usage error. */
int flo_summary_option(int c, const char *arg, struct flo_summary_names *n);

struct flo_summary_cols {
	struct flo_col x, tx, T, m, first, last, unit;
	int monetary_given; /* --monetary-field: its absence is an error */
	int has_m;          /* a monetary field: else the BG/NBD alone */
	int has_dates;      /* first_order and last_order */
	int has_unit;       /* a unit field */
};

void flo_summary_cols_init(struct flo_summary_cols *c, const struct flo_summary_names *n);

/* Which fields the input has, from the CSV/TSV header or the first JSON
 * Lines record (r's current record): call once, at the first record. */
void flo_summary_resolve(struct flo_summary_cols *c, const flo_reader *r);

/* The customer's monetary, x its frequency: 0 without a monetary field, and
 * where x is 0 and the field is empty, NaN or null (a one-time buyer, as
 * lifetimes and pandas write one).  1 with *m, or 0 after a bad record. */
int flo_summary_monetary(struct flo_bad *bad, const flo_reader *r, struct flo_summary_cols *c,
			 double x, double *m);

/* A customer without repeat purchases has recency 0 (t_x = 0 when x = 0,
 * FHL 2005a; lifetimes' _check_inputs refuses it too): 1, or 0 after a bad
 * record (exit 65) for frequency 0 with a recency.  flo-fit, flo-score and
 * flo-check all ask, so that no tool takes what another refuses: the
 * Pareto/NBD's P(alive) depends on t_x even where x = 0, so such a record
 * would be scored, wrongly, without a word. */
int flo_summary_no_repeat_recency(struct flo_bad *bad, const flo_reader *r, double x, double tx);

/* A BG/BB's history (model/bgbb.h's flo_bgbb_history()): frequency x,
 * recency t_x and T whole numbers of periods, x <= t_x <= T (the caller
 * checks t_x <= T) and t_x = 0 when x = 0, T at most FLO_BGBB_MAX_PERIODS.
 * 1, or 0 after a bad record (exit 65) naming the field and its text:
 * anything else would be scored as if it were whole, or run for days. */
int flo_summary_periods(struct flo_bad *bad, const flo_reader *r, struct flo_summary_cols *c,
			double x, double tx, double T);

/* The unit named by the record's unit field: "day", "week" or "month"; NULL
 * when the record has none (*bad_unit 0) or names no unit (*bad_unit 1, and
 * the record was reported as bad). */
const char *flo_summary_unit(struct flo_bad *bad, const flo_reader *r,
			     struct flo_summary_cols *c, int *bad_unit);

/* The summaries' unit against a model's, so that a model in weeks never
 * reads summaries in days (every rate seven times too high, without another
 * sign).  `doing` names what would mix them ("scoring", "the check").
 *
 * Once, after flo_summary_resolve(): summaries that state no unit (no
 * first_order and last_order, no unit field) are in weeks, as lifetimes
 * counts; with a model in another unit and no --unit (unit_option NULL)
 * the tool stops (exit 65). */
void flo_summary_stated_unit(const struct flo_summary_cols *c, const char *unit_option,
			     const char *model_unit, const char *input_name);

/* Per record of recency tx: a unit field must name the model's unit, and
 * where first_order and last_order are there (and tx > 0), their days must
 * be tx times the unit's days (flo_unit_days_match()); else the tool stops
 * (exit 65).  0 after a bad record (a unit field naming no unit), else 1. */
int flo_summary_same_unit(struct flo_bad *bad, const flo_reader *r, struct flo_summary_cols *c,
			  const char *model_unit, double unit_days, double tx, const char *doing);

#endif
