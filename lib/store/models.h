/* models.h: model documents (model/model.h) loaded from a file or from the
 * store, and saved to either.
 *
 * Each function returns FLO_OK or an err.h code with the whole message a
 * person reads in msg (FLO_MODELS_MSG bytes; it names the file or the store,
 * and is left alone on success). */
#ifndef FLO_MODELS_H
#define FLO_MODELS_H

#include <stddef.h>

#include "model/model.h"

/* Room for any message: two paths, a model's name, the store's words. */
#define FLO_MODELS_MSG 10240

/* Model documents are a few kilobytes: a file this big is another file. */
#define FLO_MODEL_FILE_MAX ((size_t)16 << 20)

/* The model in the document at path: FLO_EIO when the file cannot be
 * opened or read ("cannot open model PATH: ..."), FLO_ETOOLONG over
 * FLO_MODEL_FILE_MAX, FLO_ENOMEM, or flo_model_parse()'s code
 * ("model PATH: <why>"). */
int flo_model_load_file(const char *path, struct flo_model *m, char *msg);

/* The model stored under `name` in the store at db: FLO_ENOTFOUND when
 * there is no store at db or no model of that name (msg has the store's
 * words only: "no model" is the caller's sentence), the store's codes when
 * it cannot be read, or flo_model_parse()'s code ("model "NAME" in DB:
 * <why>"). */
int flo_model_load_stored(const char *db, const char *name, struct flo_model *m, char *msg);

/* The document itself, as the two above read it: *json malloc'd, *len
 * bytes (flo-score --interval reads the bootstrap's replicates from it,
 * model.h's flo_model_parse_bootstrap()); the same codes and words. */
int flo_model_text_file(const char *path, char **json, size_t *len, char *msg);
int flo_model_text_stored(const char *db, const char *name, char **json, size_t *len,
			  char *msg);

/* Write the document json (a C string) to the file at path, made or
 * truncated: FLO_EIO ("cannot write PATH: ..."). */
int flo_model_save_file(const char *path, const char *json, char *msg);

/* Store the document json under `name` in the store at db, made if missing:
 * the store's code ("store DB: <the store's words>"). */
int flo_model_save_stored(const char *db, const char *name, const char *json, char *msg);

#endif
