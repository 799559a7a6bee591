/* models.c: model documents from and to files and the store. */
#include "store/models.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "store/store.h"

/* The whole file at path into *text (malloc'd). */
static int read_file(const char *path, char **text, size_t *len, char *msg)
{
	int fd = open(path, O_RDONLY);
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0) {
		snprintf(msg, FLO_MODELS_MSG, "cannot open model %s: %s", path, strerror(errno));
		return FLO_EIO;
	}
	for (;;) {
		if (n == cap) {
			char *p = NULL;
			if (cap >= FLO_MODEL_FILE_MAX) {
				snprintf(msg, FLO_MODELS_MSG, "model %s: over %zu MiB, not a model",
					 path, FLO_MODEL_FILE_MAX >> 20);
				free(buf);
				close(fd);
				return FLO_ETOOLONG;
			}
			cap = cap ? 2 * cap : 4096;
			if ((p = realloc(buf, cap)) == NULL) {
				snprintf(msg, FLO_MODELS_MSG, "out of memory");
				free(buf);
				close(fd);
				return FLO_ENOMEM;
			}
			buf = p;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k == 0)
			break;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(msg, FLO_MODELS_MSG, "cannot read model %s: %s", path,
				 strerror(errno));
			free(buf);
			close(fd);
			return FLO_EIO;
		}
		n += (size_t)k;
	}
	close(fd);
	*text = buf;
	*len = n;
	return FLO_OK;
}

int flo_model_text_file(const char *path, char **json, size_t *len, char *msg)
{
	return read_file(path, json, len, msg);
}

int flo_model_load_file(const char *path, struct flo_model *m, char *msg)
{
	char why[512];
	char *json;
	size_t len;
	int rc = read_file(path, &json, &len, msg);

	if (rc != FLO_OK)
		return rc;
	rc = flo_model_parse(json, len, m, why, sizeof why);
	free(json);
	if (rc != FLO_OK)
		snprintf(msg, FLO_MODELS_MSG, "model %s: %s", path, why);
	return rc;
}

int flo_model_text_stored(const char *db, const char *name, char **json, size_t *len,
			  char *msg)
{
	char err[FLO_STORE_ERRMAX];
	flo_store *s;
	int rc = flo_store_open(&s, db, FLO_STORE_READ, NULL, err, sizeof err);

	if (rc == FLO_OK) {
		rc = flo_store_get_model(s, name, json, len);
		if (rc != FLO_OK)
			snprintf(err, sizeof err, "%s", flo_store_errmsg(s));
		flo_store_close(s);
	}
	if (rc != FLO_OK)
		snprintf(msg, FLO_MODELS_MSG, "%s", err);
	return rc;
}

int flo_model_load_stored(const char *db, const char *name, struct flo_model *m, char *msg)
{
	char why[512];
	char *json;
	size_t len;
	int rc = flo_model_text_stored(db, name, &json, &len, msg);

	if (rc != FLO_OK)
		return rc;
	rc = flo_model_parse(json, len, m, why, sizeof why);
	free(json);
	if (rc != FLO_OK)
		snprintf(msg, FLO_MODELS_MSG, "model \"%s\" in %s: %s", name, db, why);
	return rc;
}

int flo_model_save_file(const char *path, const char *json, char *msg)
{
	FILE *f = fopen(path, "w");
	int failed = f == NULL || fputs(json, f) == EOF, saved = errno;

	/* closed whatever happened; a failed close is a failed write */
	if (f != NULL && fclose(f) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (!failed)
		return FLO_OK;
	snprintf(msg, FLO_MODELS_MSG, "cannot write %s: %s", path, strerror(saved));
	return FLO_EIO;
}

int flo_model_save_stored(const char *db, const char *name, const char *json, char *msg)
{
	char err[FLO_STORE_ERRMAX];
	flo_store *s;
	int rc = flo_store_open(&s, db, FLO_STORE_WRITE, NULL, err, sizeof err);

	if (rc != FLO_OK) {
		snprintf(msg, FLO_MODELS_MSG, "store %s: %s", db, err);
		return rc;
	}
	rc = flo_store_put_model(s, name, json, strlen(json));
	if (rc != FLO_OK)
		snprintf(msg, FLO_MODELS_MSG, "store %s: %s", db, flo_store_errmsg(s));
	flo_store_close(s);
	return rc;
}
