/* fitsummary.h: flo-fit --summary: each fit's parameters as a table a
 * person reads (estimate, standard error, interval, method), as lifetimes'
 * .summary and CLVTools' summary() print them. */
#ifndef FLO_FITSUMMARY_H
#define FLO_FITSUMMARY_H

#include <stdio.h>

#include "model/model.h"

/* The table of each fit of doc that has intervals, to f. */
void flo_fit_summary(FILE *f, const struct flo_model_doc *doc);

#endif
