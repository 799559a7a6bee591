/* summary.c: per-segment counts, means and sums (Kahan's sums, as pandas'
 * group_sum and group_mean: segment.h). */
#include "segment/summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "segment/segment.h"

struct flo_segsum {
	int ngroups;
	size_t nf;
	long *count;          /* per group */
	struct flo_ksum *sum; /* per group and field */
	long *present;        /* per group and field: values summed */
	char **col;           /* <field>_mean, <field>_sum */
};

void flo_segsum_free(flo_segsum *s)
{
	if (s == NULL)
		return;
	for (size_t j = 0; s->col != NULL && j < 2 * s->nf; j++)
		free(s->col[j]);
	free(s->col);
	free(s->count);
	free(s->sum);
	free(s->present);
	free(s);
}

/* "<name><suffix>", malloc'd. */
static char *column(const char *name, const char *suffix)
{
	size_t len = strlen(name) + strlen(suffix) + 1;
	char *c = malloc(len);
	if (c != NULL)
		snprintf(c, len, "%s%s", name, suffix);
	return c;
}

int flo_segsum_new(flo_segsum **out, int ngroups, const char *const *name, size_t nf)
{
	size_t cells = (size_t)ngroups * (nf ? nf : 1);
	flo_segsum *s = calloc(1, sizeof *s);
	*out = NULL;
	if (s == NULL)
		return FLO_ENOMEM;
	s->ngroups = ngroups;
	s->nf = nf;
	s->count = calloc((size_t)ngroups, sizeof *s->count);
	s->sum = calloc(cells, sizeof *s->sum);
	s->present = calloc(cells, sizeof *s->present);
	s->col = calloc(2 * nf + 1, sizeof *s->col);
	if (s->count == NULL || s->sum == NULL || s->present == NULL || s->col == NULL) {
		flo_segsum_free(s);
		return FLO_ENOMEM;
	}
	for (size_t j = 0; j < nf; j++) {
		s->col[2 * j] = column(name[j], "_mean");
		s->col[2 * j + 1] = column(name[j], "_sum");
		if (s->col[2 * j] == NULL || s->col[2 * j + 1] == NULL) {
			flo_segsum_free(s);
			return FLO_ENOMEM;
		}
	}
	*out = s;
	return FLO_OK;
}

int flo_segsum_add(flo_segsum *s, int g, const double *v)
{
	/* A sum that would leave the doubles is refused before anything is
	 * added: no inf or NaN in a summary. */
	for (size_t j = 0; j < s->nf; j++) {
		const struct flo_ksum *k = &s->sum[(size_t)g * s->nf + j];
		if (!isnan(v[j]) && !isfinite(k->sum + (v[j] - k->comp)))
			return (int)j + 1;
	}
	s->count[g]++;
	for (size_t j = 0; j < s->nf; j++)
		if (!isnan(v[j])) {
			flo_ksum_add(&s->sum[(size_t)g * s->nf + j], v[j]);
			s->present[(size_t)g * s->nf + j]++;
		}
	return 0;
}

int flo_segsum_write(const flo_segsum *s, flo_writer *w, const char *const *label,
		     const int *order)
{
	for (int i = 0; i < s->ngroups; i++) {
		int g = order ? order[i] : i;
		flo_writer_str(w, "segment", label[g], strlen(label[g]));
		flo_writer_num(w, "count", (double)s->count[g]);
		for (size_t j = 0; j < s->nf; j++) {
			const struct flo_ksum *k = &s->sum[(size_t)g * s->nf + j];
			long m = s->present[(size_t)g * s->nf + j];
			if (m > 0)
				flo_writer_num(w, s->col[2 * j], k->sum / (double)m);
			else
				flo_writer_null(w, s->col[2 * j]);
			flo_writer_num(w, s->col[2 * j + 1], k->sum);
		}
		int err = flo_writer_end(w);
		if (err != FLO_OK)
			return err;
	}
	return FLO_OK;
}
