/* summary_text.h: summaries as text, every field to the bit, a line each,
 * so that two runs that must agree are compared with one memcmp (the
 * summary_text() callback of flo_summary_fn, rfm.h). */
#ifndef FLO_TEST_SUMMARY_TEXT_H
#define FLO_TEST_SUMMARY_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfm/rfm.h"

struct text {
	char *p;
	size_t len, cap;
};

/* Append s to the struct text at ctx: its id, then its numbers. */
static inline void summary_text(void *ctx, const struct flo_summary *s)
{
	struct text *t = ctx;
	char line[256];
	int n = snprintf(line, sizeof line,
			 ":%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%d,%d,%.17g,%.17g\n", s->frequency,
			 s->recency, s->T, s->monetary, s->orders, s->revenue, (int)s->first_order,
			 (int)s->last_order, s->holdout_purchases, s->holdout_value);
	if (t->len + s->id_len + (size_t)n + 1 > t->cap) {
		t->cap = 2 * (t->len + s->id_len + (size_t)n + 1);
		t->p = realloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s->id, s->id_len);
	memcpy(t->p + t->len + s->id_len, line, (size_t)n);
	t->len += s->id_len + (size_t)n;
}

/* Whether a and b hold the same text, and some. */
static inline int same_text(const struct text *a, const struct text *b)
{
	return a->len > 0 && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

#endif
