/* read.c: record fields to values, with the bad-record policy. */
#include "common/read.h"

#include "base/err.h"
#include "common/xalloc.h"

int flo_read_failed(struct flo_bad *bad, const flo_reader *r, int err, const char *msg)
{
	if (err == FLO_ENOMEM)
		flo_out_of_memory();
	flo_bad_record(bad, r, FLO_EXIT_DATAERR, "%s", msg);
	return 0;
}

int flo_read_need(struct flo_bad *bad, const flo_reader *r, struct flo_col *col,
		  const struct flo_field **f)
{
	char msg[FLO_FIELD_MSG];
	int err = flo_field_need(r, col, f, msg);
	return err == FLO_OK ? 1 : flo_read_failed(bad, r, err, msg);
}

int flo_read_number_checked(struct flo_bad *bad, const flo_reader *r, struct flo_col *col,
			    unsigned how, double *v, const struct flo_field **f)
{
	char msg[FLO_FIELD_MSG];
	int err = flo_field_get_number(r, col, how, v, f, msg);
	return err == FLO_OK ? 1 : flo_read_failed(bad, r, err, msg);
}

int flo_read_value(struct flo_bad *bad, const flo_reader *r, const struct flo_field *f,
		   unsigned how, double *v)
{
	char msg[FLO_FIELD_MSG];
	int err = flo_field_number(f, how, v, msg);
	return err == FLO_OK ? 1 : flo_read_failed(bad, r, err, msg);
}

int flo_read_time(struct flo_bad *bad, const flo_reader *r, const struct flo_field *f,
		  int64_t *t)
{
	char msg[FLO_FIELD_MSG];
	int err = flo_field_time(f, t, msg);
	return err == FLO_OK ? 1 : flo_read_failed(bad, r, err, msg);
}
