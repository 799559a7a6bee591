/* unit.c: the time units. */
#include "base/unit.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/err.h"

int flo_unit_days(const char *unit, double *days)
{
	if (strcmp(unit, "day") == 0)
		*days = 1;
	else if (strcmp(unit, "week") == 0)
		*days = 7;
	else if (strcmp(unit, "month") == 0)
		*days = 365.25 / 12;
	else
		return FLO_EUSAGE;
	return FLO_OK;
}

int flo_unit_per_month(const char *unit, double *units_per_month)
{
	static const struct {
		const char *name;
		double per_month;
	} units[] = {
		{ "day", 30.0 },
		{ "week", 4.345 },
		{ "month", 1.0 },
	};

	if (unit == NULL)
		return FLO_EVALUE;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(unit, units[i].name) == 0) {
			*units_per_month = units[i].per_month;
			return FLO_OK;
		}
	}
	return FLO_EVALUE;
}

int flo_unit_days_match(double days, double unit_days)
{
	return fabs(days - unit_days) <= 1e-6 * unit_days;
}
