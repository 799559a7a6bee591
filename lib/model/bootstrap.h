/* bootstrap.h: the parametric bootstrap of a fit (Efron & Tibshirani 1993,
 * "An Introduction to the Bootstrap", sections 6.5 and 13.3: the
 * parametric bootstrap and the percentile interval).
 *
 * Each replicate simulates a data set from the fitted model at the data's
 * own ages (simulate.h: every customer keeps T, and for the Gamma-Gamma
 * the number of repeat purchases), and refits it by the fit's own steps
 * (fit.h's flo_fit_maximise) from the estimate: the refit sums over
 * distinct rows with weights, as the fit does.  A BG/NBD on the boundary
 * a, b -> infinity is simulated and refitted as the limit model there
 * (interval.h), its replicates then on that boundary too (a + b = 1e30).
 *
 * Replicate k draws from its own mt19937, seeded from (seed, kind, k), and is
 * refitted on one thread; replicates run on up to FLO_BOOT_THREADS threads
 * and are kept in order: the replicates are the same for a seed whatever
 * the threads. */
#ifndef FLO_BOOTSTRAP_H
#define FLO_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "model/fit.h"
#include "model/interval.h"

#define FLO_BOOT_THREADS 8

struct flo_boot {
	size_t n;        /* replicates made */
	size_t ok;       /* of which refits converged: the rows of params */
	int np;
	uint32_t seed;
	double *params;  /* ok x np, as the document reports the parameters */
};

/* n >= 2 replicates of the fit res (unpenalised) on its rows (triples for
 * the purchase models, spend pairs for the Gamma-Gamma; the weights count
 * customers and are rounded to whole ones) into out, which
 * flo_boot_free() frees.  threads: at most so many (0: flo_usable_cpus()).
 * FLO_EUSAGE (n < 2), FLO_ENOMEM. */
int flo_bootstrap(enum flo_interval_kind kind, const void *rows, size_t nrows,
		  const struct flo_fit_result *res, size_t n, uint32_t seed, int threads,
		  struct flo_boot *out);
void flo_boot_free(struct flo_boot *b);

/* The percentile intervals of the converged replicates at iv->level into
 * iv's parameters j with use[j] set (method bootstrap; the estimate and
 * standard error are left as they are): the percentiles (1 -/+ level)/2,
 * linear between order statistics (type 7).  None when fewer than 2
 * converged. */
void flo_boot_intervals(const struct flo_boot *b, const int *use, struct flo_intervals *iv);

#endif
