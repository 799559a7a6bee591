/* custshared.h: what the customer-state files share (custdb.h is their
 * public face): custdb.c, the writing engine; custsettings.c, the stored
 * settings and a run's conventions; custread.c, the dump and the check;
 * custrepair.c, the repair and the drop; custheld.c, the summaries a batch
 * holds until its commit.  Not for use outside lib/store. */
#ifndef FLO_CUSTSHARED_H
#define FLO_CUSTSHARED_H

#include <stddef.h>
#include <stdint.h>

#include "store/custdb.h"
#include "store/orderrec.h"

/* Growing bytes, addressed by offset (a realloc may move them). */
struct bytes {
	unsigned char *p;
	size_t len, cap;
};

/* Stops the walk with a code no err.h code equals. */
#define WALK_FAILED (-1)

/* Append n bytes to b; their offset, or SIZE_MAX when out of memory (custdb.c). */
size_t custdb_bytes_put(struct bytes *b, const void *p, size_t n);

/* The n slots (a power of two) of an open-addressing table, linear
 * probing, of the count items at `items`, stride bytes apart, each with its
 * 32-bit hash at hash_off bytes into it: a slot holds its item's index + 1,
 * 0 when empty.  The engine's table of customers and the log view's are
 * rebuilt here when they grow.  NULL when out of memory (custdb.c). */
uint32_t *custdb_slots(const void *items, size_t stride, size_t hash_off, size_t count,
		       size_t n);

/* Fold a logged order (or one coming in, as a record) into st (custdb.c). */
int custdb_fold(flo_custstate *st, const struct flo_rfm_config *cfg,
		const struct flo_orderrec *r, struct flo_field *keep, int *repeated);

/* The words for a state that does not decode (custdb.c). */
void custdb_state_error(char *msg, size_t size, const char *name, const char *id,
			size_t len, int rc);

/* The settings record's text, malloc'd (*len bytes), or NULL when out of
 * memory (custsettings.c). */
char *custdb_settings_format(const struct flo_custdb_settings *s, size_t *len);

/* The settings record, read in s's open batch, into out; the words in err
 * (custsettings.c). */
int custdb_settings_get(flo_store *s, struct flo_custdb_settings *out, char *err,
			size_t errlen);

/* Every state decoded: the scan's code, damaged states counted (custread.c). */
int custdb_check_states(flo_store *s, const char *name, const struct flo_rfm_config *cfg,
			flo_custdb_bad_fn *bad, void *bad_ctx, struct flo_custdb_counts *counts,
			char *err, size_t errlen, int keep);

#endif
