/* cuts.c: segment cut points in the store. */
#include "store/cuts.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "store/store.h"

/* "store PATH: why", and rc. */
static int store_failed(int rc, const char *path, const char *why, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "store %s: %s", path, why);
	return rc;
}

int flo_cuts_load(const char *path, const char *name, struct flo_cuts **c, char *msg,
		  size_t msglen)
{
	char err[FLO_STORE_ERRMAX], why[256];
	flo_store *s;
	void *data;
	size_t len;

	*c = NULL;
	int rc = flo_store_open(&s, path, FLO_STORE_READ, NULL, err, sizeof err);
	if (rc == FLO_ENOTFOUND) {
		snprintf(msg, msglen, "no store there");
		return rc;
	}
	if (rc != FLO_OK)
		return store_failed(rc, path, err, msg, msglen);
	rc = flo_store_get_cuts(s, name, &data, &len);
	if (rc == FLO_ENOTFOUND)
		snprintf(msg, msglen, "not stored");
	else if (rc != FLO_OK)
		store_failed(rc, path, flo_store_errmsg(s), msg, msglen);
	flo_store_close(s);
	if (rc != FLO_OK)
		return rc;
	rc = flo_cuts_decode(data, len, c, why, sizeof why);
	free(data);
	if (rc == FLO_ENOMEM)
		snprintf(msg, msglen, "%s", flo_strerror(rc));
	else if (rc != FLO_OK)
		snprintf(msg, msglen, "cut points \"%s\" in %s: %s", name, path, why);
	return rc;
}

int flo_cuts_save(const char *path, const char *name, const char *text, size_t len, char *msg,
		  size_t msglen)
{
	char err[FLO_STORE_ERRMAX];
	flo_store *s;
	int rc = flo_store_open(&s, path, FLO_STORE_WRITE, NULL, err, sizeof err);

	if (rc != FLO_OK)
		return store_failed(rc, path, err, msg, msglen);
	rc = flo_store_put_cuts(s, name, text, len);
	if (rc != FLO_OK)
		store_failed(rc, path, flo_store_errmsg(s), msg, msglen);
	flo_store_close(s);
	return rc;
}
