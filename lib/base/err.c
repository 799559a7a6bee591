/* err.c: names and exit statuses of the library's error codes. */
#include "base/err.h"

static const char *const messages[FLO_ERR_COUNT] = {
	[FLO_OK] = "success",
	[FLO_ENOMEM] = "out of memory",
	[FLO_EIO] = "input/output error",
	[FLO_ESYNTAX] = "malformed record",
	[FLO_EFIELD] = "missing field",
	[FLO_ENUMBER] = "not a number",
	[FLO_ERANGE] = "out of range",
	[FLO_EDATE] = "not a date",
	[FLO_EVALUE] = "invalid value",
	[FLO_ETOOLONG] = "record too long",
	[FLO_ESTORE] = "store error",
	[FLO_EVERSION] = "unsupported format version",
	[FLO_ENOTFOUND] = "not found",
	[FLO_EMODEL] = "invalid model",
	[FLO_ENOCONV] = "did not converge",
	[FLO_EUSAGE] = "usage error",
};

const char *flo_strerror(int err)
{
	if (err < 0 || err >= FLO_ERR_COUNT)
		return "unknown error";
	return messages[err];
}

int flo_exit_status(int err)
{
	switch (err) {
	case FLO_OK:
		return 0;
	case FLO_EUSAGE:
	case FLO_ENOTFOUND:
		return 2;
	case FLO_ESYNTAX:
	case FLO_EFIELD:
	case FLO_ENUMBER:
	case FLO_ERANGE:
	case FLO_EDATE:
	case FLO_EVALUE:
	case FLO_ETOOLONG:
	case FLO_EMODEL:
		return 65;
	case FLO_EIO:
	case FLO_ESTORE:
	case FLO_EVERSION:
		return 74;
	default:
		return 70;
	}
}
