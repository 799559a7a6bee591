/* modelsrc.h: the model a tool is told to use: parameters given inline
 * (--bgnbd r,alpha,a,b [--gg p,q,v]), a model file (--model FILE), or the
 * one stored under a name (--db PATH --name NAME), with flo-score's exit
 * statuses: 2 for a bad option or no stored model, 65 for a bad file, 66 for
 * an unreadable one, 74 for a store that cannot be read. */
#ifndef FLO_MODELSRC_H
#define FLO_MODELSRC_H

#include "model/model.h"

struct flo_model_source {
	const char *file;         /* --model */
	const char *bgnbd, *gg;   /* inline lists */
	const char *db, *name;    /* the store (flo_store_path()) and the name */
	const char *unit;         /* --unit: inline, the model's; else it must match */
};

/* The model, or the tool exits with a message. */
struct flo_model flo_model_from_source(const struct flo_model_source *s);

#endif
