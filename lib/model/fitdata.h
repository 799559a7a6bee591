/* fitdata.h: the data the fits read, gathered customer by customer: the
 * BG/NBD's (x, t_x, T) triples and the Gamma-Gamma's spend pairs (compact.h),
 * each merged into its equal as it arrives (a hash table of the rows; the
 * threaded scan's parts sort and merge theirs in batches instead), so that
 * memory follows the distinct observations however many customers stream
 * past; and a fingerprint of them that names the fitted data in the
 * model document. */
#ifndef FLO_FITDATA_H
#define FLO_FITDATA_H

#include <stddef.h>
#include <stdint.h>

#include "model/compact.h"

/* Start from {0}; free with flo_fit_data_free(). */
struct flo_fit_data {
	struct flo_triple *tri; /* distinct, in order of first arrival; a
				 * part's as they came until it is sealed */
	size_t ntri, cap_tri;
	struct flo_spend *spend;
	size_t nspend, cap_spend;
	/* Until flo_fit_data_finish(): hash tables of the rows (a slot holds a
	 * row's index + 1, 0 when empty), and per row the sum of its weights
	 * in 2^-20 units modulo 2^61 - 1, for the fingerprint (fitdata.c). */
	uint32_t *tri_slot, *spend_slot;
	size_t tri_slots, spend_slots;   /* powers of two, or 0 */
	uint64_t *tri_units, *spend_units;
	double customers; /* the sum of the weights */
	double left_out;  /* of the Gamma-Gamma: without repeat purchases or spend */
	uint64_t fingerprint; /* of rows no longer in the tables (a part's:
			       * of all its rows) */
	int sealed; /* a part sealed by flo_fit_data_seal() */
	/* A part of the threaded scan (flo_fit_data_split()): rows appended
	 * as they come, without tables, and compacted when they reach these
	 * counts (fitdata.c). */
	int part;
	size_t compact_tri, compact_spend;
};

/* The most parts flo_fit_data_join() merges (the scan's threads). */
#define FLO_FIT_PARTS_MAX 8

/* The largest total weight: 2^53, the counts a double holds exactly. */
#define FLO_FIT_WEIGHT_MAX 9007199254740992.0

/* A customer with x repeat purchases, the last at t_x, observed for T, with
 * mean spend m, standing for w >= 0 customers alike: in the Gamma-Gamma when
 * x > 0 and m > 0, else counted in left_out.  FLO_ENOMEM, FLO_ERANGE when the
 * total weight would pass FLO_FIT_WEIGHT_MAX (nothing added). */
int flo_fit_data_add(struct flo_fit_data *d, double x, double tx, double T, double m,
		     double w);

/* The rows of a part's sufficient statistics, read back (flo-fit --stats,
 * README "More than one machine"): a BG/NBD row of w customers alike, all
 * counted in left_out until spend rows take them out, and a Gamma-Gamma
 * spend row of w of those customers.  Rows of the parts of a population,
 * added in any order, give the population's data, fingerprint included,
 * exactly when the weights are whole numbers.  FLO_ENOMEM (nothing added). */
int flo_fit_data_add_triple(struct flo_fit_data *d, double x, double tx, double T, double w);
int flo_fit_data_add_spend(struct flo_fit_data *d, double x, double m, double w);

/* The threaded scan's parts (fitscan.c): a customer's triple, and its spend
 * pair, belong to one of n parts by their hash, so that parts gathered on
 * different threads hold disjoint rows and are joined by appending them.
 *
 * flo_fit_data_split() moves d's rows into parts[0..n) (each set to a part
 * of its own), d keeping its counts and fingerprint; flo_fit_data_add_part()
 * adds, of the n customers rows[] (weight 1 each), the triples and spend
 * pairs of part `part` of `parts`, counting a customer (in customers, and
 * left_out when it has no spend pair) where its triple goes; when every
 * part has added the same rows, each customer is counted once.  The rows
 * are made by flo_fit_row_make(), once: their hashes pick the part, and
 * every part's worker reads every row (fitscan.c).
 * flo_fit_data_join() appends parts[0..n) to d (whose rows they must not
 * hold), sealing those that are not, and frees them.  FLO_ENOMEM.
 *
 * A part takes no other rows than these; it keeps them as they come, each
 * customer a row, and sorts and merges them (compact.h) when sealed, or
 * sooner when they reach its compact_tri or compact_spend rows (split sets
 * both to FLO_FIT_PART_COMPACT; a compaction raises them to twice the rows
 * it left when that is more), so
 * that its memory follows the distinct rows however many customers come. */
#define FLO_FIT_PART_COMPACT ((size_t)1 << 18)
struct flo_fit_row {
	double x, tx, T, m;    /* -0 made 0 */
	uint64_t tri_hash;     /* of (x, tx, T) */
	uint64_t spend_hash;   /* of (x, m), when x > 0 and m > 0 */
};
struct flo_fit_row flo_fit_row_make(double x, double tx, double T, double m);
int flo_fit_data_split(struct flo_fit_data *d, struct flo_fit_data *parts, unsigned n);
int flo_fit_data_add_part(struct flo_fit_data *d, const struct flo_fit_row *rows, size_t n,
			  unsigned part, unsigned parts);
/* Room for `rows` more triples and spend pairs, so that a table of that
 * many is not grown (and copied) again and again on the way.  FLO_ENOMEM. */
int flo_fit_data_reserve(struct flo_fit_data *d, size_t rows);
int flo_fit_data_join(struct flo_fit_data *d, struct flo_fit_data *parts, unsigned n);

/* A part with all its rows in (fitscan.c: on a thread a part, at the end of
 * a scan that read its input to the end): its fingerprint taken, its hash
 * tables freed, its rows (distinct) sorted in compact.h's order.
 * flo_fit_data_join() of parts that are all sealed, into d without rows,
 * merges them in that order: the spend pairs' compaction then finds them
 * sorted, and so does the BG/NBD's index (fitlik.c), so that neither sorts
 * again on one thread what the parts' threads sorted.  Rows added after
 * that are merged as before. */
void flo_fit_data_seal(struct flo_fit_data *d);

/* After the last customer: the spend pairs in sorted order (the BG/NBD's
 * fit sorts its triples itself), the hash tables freed. */
void flo_fit_data_finish(struct flo_fit_data *d);

/* The fingerprint as 16 hexadecimal digits: the same customers give the
 * same fingerprint in any order, and a record of weight 2 counts as two of
 * weight 1. */
void flo_fit_data_fingerprint(const struct flo_fit_data *d, char out[17]);

/* NULL is fine; d is then {0} again. */
void flo_fit_data_free(struct flo_fit_data *d);

#endif
