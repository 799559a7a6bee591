/* field.h: from a record's field to a checked value, the one step every
 * tool takes.  Each function returns FLO_OK, or an error code with the
 * bad-record message a person reads in msg (the field's name and its text,
 * quoted), which the caller prefixes with the input's name and line:
 *
 *   missing field "NAME"                       FLO_EFIELD
 *     (then flo_separator_hint()'s words, where they apply)
 *   field "NAME" is empty                      FLO_EVALUE (FLO_FIELD_NONEMPTY)
 *   field "NAME" is not a number: "TEXT"       FLO_ENUMBER
 *   field "NAME" is out of range: "TEXT"       FLO_ERANGE
 *   field "NAME" is not a whole non-negative count: "TEXT"   FLO_EVALUE
 *   field "NAME" is not a date: "TEXT"         FLO_EDATE
 *   field "NAME" is a date outside 1900..9999: "TEXT"        FLO_ERANGE
 *
 * and FLO_ENOMEM, which is no bad record but the caller's failure.  msg is
 * at least FLO_FIELD_MSG bytes; it is left alone on success. */
#ifndef FLO_FIELD_H
#define FLO_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include "record/reader.h"
#include "record/record.h"

#define FLO_FIELD_MSG 512

/* How a value is read. */
enum {
	FLO_FIELD_NUMBER = 0,     /* any finite decimal number */
	FLO_FIELD_COUNT = 1 << 0, /* a whole non-negative count (1e3 is one) */
	FLO_FIELD_NONEMPTY = 1 << 1, /* empty text is "is empty", not a bad number */
};

/* Whether f holds a value: it exists and is not a JSON null. */
static inline int flo_field_present(const struct flo_field *f)
{
	return f != NULL && f->kind != FLO_KIND_NULL;
}

/* Whether one of f[0..n) is called name (a header's, or a record's). */
int flo_field_has(const struct flo_field *f, size_t n, const char *name);

/* The field col names in r's current record, into *f; FLO_EFIELD when it
 * is absent or null. */
int flo_field_need(const flo_reader *r, struct flo_col *col, const struct flo_field **f,
		   char *msg);

/* The number in f (read as `how` says). */
int flo_field_number(const struct flo_field *f, unsigned how, double *v, char *msg);

/* The time in f (any form flo_parse_time() takes), in seconds. */
int flo_field_time(const struct flo_field *f, int64_t *t, char *msg);

/* The time in f as flo-rfm reads order dates: in the strptime-style format
 * fmt (base/datefmt.h, checked by flo_datefmt_check()), or with fmt NULL in
 * any form flo_parse_time() takes.  The words of a bad date say what was
 * expected:
 *   field "NAME" is not a date: "TEXT" (dates: YYYY-MM-DD, ... --date-format)
 *   field "NAME" does not match --date-format "FMT": "TEXT"     FLO_EDATE */
int flo_field_time_format(const struct flo_field *f, const char *fmt, int64_t *t, char *msg);

/* flo_field_need(), then flo_field_number(); *f (may be NULL) gets the field. */
int flo_field_get_number(const flo_reader *r, struct flo_col *col, unsigned how, double *v,
			 const struct flo_field **f, char *msg);

#endif
