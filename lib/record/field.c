/* field.c: from a record's field to a checked value. */
#include "record/field.h"

#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "base/datefmt.h"
#include "base/err.h"
#include "base/num.h"
#include "base/quote.h"

int flo_field_has(const struct flo_field *f, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (f[i].name_len == len && memcmp(f[i].name, name, len) == 0)
			return 1;
	return 0;
}

static int missing(const flo_reader *r, const struct flo_col *col, char *msg)
{
	char hint[FLO_SEPARATOR_HINT];
	size_t n;
	const struct flo_field *h = flo_reader_header(r, &n);
	snprintf(msg, FLO_FIELD_MSG, "missing field \"%s\"%s", col->name,
		 flo_separator_hint(h, n, flo_reader_format(r), hint));
	return FLO_EFIELD;
}

int flo_field_need(const flo_reader *r, struct flo_col *col, const struct flo_field **f,
		   char *msg)
{
	*f = flo_reader_get(r, col);
	return flo_field_present(*f) ? FLO_OK : missing(r, col, msg);
}

/* field "NAME" <what>: "TEXT" */
static int bad(const struct flo_field *f, int err, const char *what, char *msg)
{
	snprintf(msg, FLO_FIELD_MSG, "field \"%.*s\" %s: \"%s\"", (int)f->name_len, f->name,
		 what, flo_quote(f->val, f->len));
	return err;
}

int flo_field_number(const struct flo_field *f, unsigned how, double *v, char *msg)
{
	if ((how & FLO_FIELD_NONEMPTY) && f->len == 0) {
		snprintf(msg, FLO_FIELD_MSG, "field \"%.*s\" is empty", (int)f->name_len, f->name);
		return FLO_EVALUE;
	}
	int err = (how & FLO_FIELD_COUNT) ? flo_parse_count(f->val, f->len, v)
					  : flo_parse_double(f->val, f->len, v);
	switch (err) {
	case FLO_OK: return FLO_OK;
	case FLO_ENOMEM: /* a very long number's exact reading */
		snprintf(msg, FLO_FIELD_MSG, "%s", flo_strerror(err));
		return err;
	case FLO_ERANGE: return bad(f, err, "is out of range", msg);
	case FLO_EVALUE: return bad(f, err, "is not a whole non-negative count", msg);
	default: return bad(f, FLO_ENUMBER, "is not a number", msg);
	}
}

int flo_field_time(const struct flo_field *f, int64_t *t, char *msg)
{
	int err = flo_parse_time(f->val, f->len, t);
	if (err == FLO_OK)
		return FLO_OK;
	if (err == FLO_ERANGE)
		return bad(f, err, "is a date outside 1900..9999", msg);
	return bad(f, FLO_EDATE, "is not a date", msg);
}

int flo_field_time_format(const struct flo_field *f, const char *fmt, int64_t *t, char *msg)
{
	int err = fmt == NULL ? flo_parse_time(f->val, f->len, t)
			      : flo_parse_time_format(fmt, f->val, f->len, t);
	if (err == FLO_OK)
		return FLO_OK;
	if (err == FLO_ERANGE)
		return bad(f, err, "is a date outside 1900..9999", msg);
	if (fmt != NULL) {
		snprintf(msg, FLO_FIELD_MSG, "field \"%.*s\" does not match --date-format \"%s\": "
			 "\"%s\"", (int)f->name_len, f->name, fmt, flo_quote(f->val, f->len));
		return FLO_EDATE;
	}
	bad(f, FLO_EDATE, "is not a date", msg);
	size_t len = strlen(msg);
	snprintf(msg + len, FLO_FIELD_MSG - len, " (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 "
		 "date-times, epoch seconds or milliseconds; or name the form with --date-format)");
	return FLO_EDATE;
}

int flo_field_get_number(const flo_reader *r, struct flo_col *col, unsigned how, double *v,
			 const struct flo_field **f, char *msg)
{
	const struct flo_field *got = flo_reader_get(r, col);
	if (f != NULL)
		*f = got;
	return flo_field_present(got) ? flo_field_number(got, how, v, msg) : missing(r, col, msg);
}
