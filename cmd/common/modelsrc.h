/* modelsrc.h: the model a tool is told to use: parameters given inline
 * (--bgnbd r,alpha,a,b or --pnbd r,alpha,s,beta, with --gg p,q,v), a model
 * file (--model FILE), or the one stored under a name (--db PATH --name
 * NAME); flo-score and flo-check load their models here, with flo-score's
 * exit statuses: 2 for a bad option or no stored model, 65 for a bad file,
 * 66 for an unreadable one, 74 for a store that cannot be read. */
#ifndef FLO_MODELSRC_H
#define FLO_MODELSRC_H

#include "model/model.h"

struct flo_model_source {
	const char *file;           /* --model */
	const char *bgnbd, *pnbd;   /* inline lists, one of them */
	const char *gg;             /* with an inline list */
	const char *db, *name;      /* the store (flo_store_path()) and the name */
	const char *unit;           /* --unit: inline, the model's; else it must match */
	const char *doing;          /* what would mix units: "scoring", "the check" */
};

/* The model, or the tool exits with a message. */
struct flo_model flo_model_from_source(const struct flo_model_source *s);

/* The usage error of a source given twice (--model with --bgnbd, ...), of
 * --gg without an inline model, of --db or --name with another source;
 * db_or_name says whether --db or --name was given. */
void flo_model_source_check(const struct flo_model_source *s, int db_or_name);

#endif
