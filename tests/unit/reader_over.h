/* reader_over.h: a record reader over bytes given in a test, through a
 * temporary file (the reader reads a file descriptor).  Needs check.h. */
#ifndef FLO_TEST_READER_OVER_H
#define FLO_TEST_READER_OVER_H

#include <stdio.h>
#include <unistd.h>

#include "base/err.h"
#include "record/reader.h"

static flo_reader *reader_over(const char *data, size_t len, enum flo_format fmt)
{
	FILE *f = tmpfile();
	fwrite(data, 1, len, f);
	fflush(f);
	rewind(f);
	flo_reader *r;
	CHECK_INT(flo_reader_new(&r, dup(fileno(f)), fmt), FLO_OK);
	fclose(f);
	return r;
}

#endif
