/* fitrun.h: the fit as the tools run it: read RFM summary records to the
 * end, fit the BG/NBD and the Gamma-Gamma, and make the model document with
 * its warnings in words (the engines: model/fitdata.h, model/fit.h,
 * model/fitreport.h, model/model.h).  flo-fit is this plus the store;
 * flo-score --fit runs it on its own input before scoring.
 *
 * Like the tools' own code it reports through cmd/common/cli.h: a bad record goes
 * through the bad-record policy, a failure ends the process with a message. */
#ifndef FLO_FITRUN_H
#define FLO_FITRUN_H

#include <stdint.h>

#include "common/cli.h"
#include "common/summary.h"
#include "model/fitdata.h"
#include "model/model.h"
#include "record/reader.h"

struct flo_fitrun_options {
	const char *weight;   /* a field counting customers per record, or NULL */
	const char *unit;     /* NULL: a unit field's, else read off first_order and
			       * last_order, else week */
	double penalizer;     /* the purchase model's, as lifetimes' penalizer_coef */
	double gg_penalizer;  /* Gamma-Gamma, likewise */
	struct flo_bad *bad;
	int timings;          /* say on stderr how long each step took */
	const struct flo_summary_names *names; /* the fields' names; NULL: the defaults */
	enum flo_family family; /* the purchase model: BG/NBD (0) or Pareto/NBD */
	/* each parameter's interval in the document (model/interval.h) at
	 * level (0: none), by choice; with summary, the table on stderr */
	double level;
	enum flo_interval_choice choice;
	int summary;
	/* --model all: fit every purchase model and compare them; the
	 * document's model the lowest BIC's, or `select`'s when not NULL */
	int all;
	const char *select;
	/* with all: the holdout's length in the unit (> 0; 0: each record's
	 * duration_holdout), the holdout purchases in holdout_field (NULL:
	 * holdout_purchases), for flo-check's errors per model when the
	 * records have them */
	double holdout;
	const char *holdout_field;
	/* with bootstrap >= 2, the parametric bootstrap of each fit with that
	 * many replicates from seed (model/bootstrap.h): its percentile
	 * intervals in the document, and its replicates */
	long bootstrap;
	uint32_t seed;
};

/* Read r to its end and fit.  Returns the model document (malloc'd JSON
 * text) and fills *model with what scoring needs.  Exits 65 when there is
 * nothing to fit. */
char *flo_fitrun(flo_reader *r, struct flo_fitrun_options *o, struct flo_model *model);

/* The two halves of flo_fitrun(), for the fit from parts' sufficient
 * statistics (flo-fit --stats-out, --stats): read r to its end into d
 * (which starts {0}), returning whether the records have a monetary field,
 * with o->unit left NULL when neither given nor read off the records; then
 * fit d (taken: it is freed) as flo_fitrun() does, the unit week if none. */
int flo_fitrun_read(flo_reader *r, struct flo_fitrun_options *o, struct flo_fit_data *d);
char *flo_fitrun_data(struct flo_fit_data *d, int has_m, struct flo_fitrun_options *o,
		      struct flo_model *model);

#endif
