/* read.h: record fields to values in the tools, with the bad-record policy
 * (cli.h): lib/record/field.h does the reading and words the message; here
 * a bad record stops the run or is skipped, counted and kept aside.  Each
 * returns 1 with the value, or 0 after the bad record was dealt with (a
 * skipped record: the caller goes on to the next). */
#ifndef FLO_READ_H
#define FLO_READ_H

#include <stdint.h>

#include "base/err.h"
#include "base/num.h"
#include "common/cli.h"
#include "record/field.h"

/* The field col names (present, not null). */
int flo_read_need(struct flo_bad *bad, const flo_reader *r, struct flo_col *col,
		  const struct flo_field **f);
/* The number in the field col names, read as `how` says (field.h); *f (may
 * be NULL) gets the field.  Inline: a plain number that reads is the hot
 * path of every summary tool, two calls; anything else takes the long way,
 * which words what is wrong. */
int flo_read_number_checked(struct flo_bad *bad, const flo_reader *r, struct flo_col *col,
			    unsigned how, double *v, const struct flo_field **f);

static inline int flo_read_number(struct flo_bad *bad, const flo_reader *r, struct flo_col *col,
				  unsigned how, double *v, const struct flo_field **f)
{
	const struct flo_field *got = flo_reader_get(r, col);
	if (f != NULL)
		*f = got;
	if (how == FLO_FIELD_NUMBER && flo_field_present(got) &&
	    flo_parse_double(got->val, got->len, v) == FLO_OK)
		return 1;
	return flo_read_number_checked(bad, r, col, how, v, f);
}
/* The number, or the time, in a field already found. */
int flo_read_value(struct flo_bad *bad, const flo_reader *r, const struct flo_field *f,
		   unsigned how, double *v);
int flo_read_time(struct flo_bad *bad, const flo_reader *r, const struct flo_field *f,
		  int64_t *t);
/* A field.h error: out of memory ends the run (70), anything else is a bad
 * record (65) with msg.  Returns 0 for the caller to return. */
int flo_read_failed(struct flo_bad *bad, const flo_reader *r, int err, const char *msg);

#endif
