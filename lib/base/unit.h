/* unit.h: the time units flo measures in ("day", "week", "month"), chosen
 * once per run and recorded in the model. */
#ifndef FLO_UNIT_H
#define FLO_UNIT_H

/* Days in one unit: day 1, week 7, month 365.25/12.  FLO_EUSAGE for an
 * unknown unit name. */
int flo_unit_days(const char *unit, double *days);

/* Time units per month as `lifetimes` counts them for the CLV: "day" 30,
 * "week" 4.345, "month" 1.  FLO_OK, or FLO_EVALUE for any other name
 * (*units_per_month is then left alone). */
int flo_unit_per_month(const char *unit, double *units_per_month);

/* Whether a span measured as `days` per unit is in a unit of unit_days
 * (within 1e-6 relative: a recency printed in 17 digits reads back within
 * that); how the summary tools check a recency against its dates. */
int flo_unit_days_match(double days, double unit_days);

#endif
