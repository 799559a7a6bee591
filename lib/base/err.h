/* err.h: the one error convention of the flo library.
 *
 * Every library function that can fail returns int: 0 (FLO_OK) or one of the
 * codes below.  flo_strerror() names a code; the context a person needs (line,
 * field, offending text) is carried by the caller's message, never by a global.
 * flo_exit_status() maps a code to the documented exit status (sysexits.h). */
#ifndef FLO_ERR_H
#define FLO_ERR_H

enum flo_err {
	FLO_OK = 0,
	FLO_ENOMEM,     /* out of memory */
	FLO_EIO,        /* read or write failed (errno holds the cause) */
	FLO_ESYNTAX,    /* a record is malformed (quotes, JSON syntax, field count) */
	FLO_EFIELD,     /* a required field is missing */
	FLO_ENUMBER,    /* a field is not a number */
	FLO_ERANGE,     /* a number or date is out of the accepted range */
	FLO_EDATE,      /* a field is not a date */
	FLO_EVALUE,     /* a value is invalid for its meaning (negative count, ...) */
	FLO_ETOOLONG,   /* a record exceeds the size limit */
	FLO_ESTORE,     /* the LMDB store failed */
	FLO_EVERSION,   /* the store or model has a foreign or newer format */
	FLO_ENOTFOUND,  /* a named model or cut set is not in the store */
	FLO_EMODEL,     /* a model is invalid (missing or non-positive parameter) */
	FLO_ENOCONV,    /* a fit did not converge */
	FLO_EUSAGE,     /* the caller asked for something impossible */
	FLO_ERR_COUNT
};

const char *flo_strerror(int err);

/* Exit status for a failure of this kind: 65 data, 66 no input, 74 I/O or
 * store, 2 usage, 70 internal. */
int flo_exit_status(int err);

#endif
