/* batch.c: quantile groups and RFM scores of the whole population. */
#include "segment/batch.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/err.h"
#include "segment/segment.h"

struct vec {
	double *p;
	size_t n, cap;
};

struct flo_segbatch {
	int nkeys;
	size_t nsum;
	struct vec key[FLO_SEG_RFM], sums;
	int *group[FLO_SEG_RFM];      /* per key and record, after the cut */
};

int flo_segbatch_new(flo_segbatch **b, int nkeys, size_t nsum)
{
	*b = NULL;
	if (nkeys != FLO_SEG_QUANTILE && nkeys != FLO_SEG_RFM)
		return FLO_EUSAGE;
	*b = calloc(1, sizeof **b);
	if (*b == NULL)
		return FLO_ENOMEM;
	(*b)->nkeys = nkeys;
	(*b)->nsum = nsum;
	return FLO_OK;
}

void flo_segbatch_free(flo_segbatch *b)
{
	if (b == NULL)
		return;
	for (int k = 0; k < FLO_SEG_RFM; k++) {
		free(b->key[k].p);
		free(b->group[k]);
	}
	free(b->sums.p);
	free(b);
}

static int push(struct vec *v, double x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 1024;
		if (cap > SIZE_MAX / sizeof *v->p)
			return FLO_ENOMEM;
		double *p = realloc(v->p, cap * sizeof *p);
		if (p == NULL)
			return FLO_ENOMEM;
		v->p = p;
		v->cap = cap;
	}
	v->p[v->n++] = x;
	return FLO_OK;
}

int flo_segbatch_add(flo_segbatch *b, const double *key, const double *sum)
{
	for (int k = 0; k < b->nkeys; k++)
		if (push(&b->key[k], key[k]) != FLO_OK)
			return FLO_ENOMEM;
	for (size_t j = 0; j < b->nsum; j++)
		if (push(&b->sums, sum[j]) != FLO_OK)
			return FLO_ENOMEM;
	return FLO_OK;
}

size_t flo_segbatch_count(const flo_segbatch *b)
{
	return b->key[0].n;
}

/* Cut x (n values) into k groups: group[key]. */
static int cut(flo_segbatch *b, int key, const double *x, int k, double *edges, int *which,
	       int *at)
{
	size_t n = b->key[0].n;
	b->group[key] = malloc(n * sizeof *b->group[key]);
	if (b->group[key] == NULL)
		return FLO_ENOMEM;
	int rc = flo_qcut(x, n, k, edges, b->group[key], at);
	if (rc == FLO_EVALUE)
		*which = key;
	return rc;
}

int flo_segbatch_cut(flo_segbatch *b, int groups, double *edges, int *which, int *at)
{
	size_t n = b->key[0].n;
	if (n == 0 || b->group[0] != NULL)
		return FLO_EUSAGE;
	if (b->nkeys == FLO_SEG_QUANTILE)
		return cut(b, 0, b->key[0].p, groups, edges, which, at);
	int rc = cut(b, 0, b->key[0].p, 5, edges, which, at);
	if (rc != FLO_OK)
		return rc;
	double *rank = malloc(n * sizeof *rank);
	if (rank == NULL)
		return FLO_ENOMEM;
	rc = flo_rank_first(b->key[1].p, n, rank);
	if (rc == FLO_OK)
		rc = cut(b, 1, rank, 5, edges, which, at);
	free(rank);
	if (rc != FLO_OK)
		return rc;
	return cut(b, 2, b->key[2].p, 5, edges, which, at);
}

void flo_segbatch_scores(const flo_segbatch *b, size_t i, int score[3])
{
	score[0] = 5 - b->group[0][i];
	score[1] = b->group[1][i] + 1;
	score[2] = b->group[2][i] + 1;
}

int flo_segbatch_segment(const flo_segbatch *b, size_t i)
{
	if (b->nkeys == FLO_SEG_QUANTILE)
		return b->group[0][i];
	return flo_rfm_segment(5 - b->group[0][i], b->group[1][i] + 1);
}

const double *flo_segbatch_sums(const flo_segbatch *b, size_t i)
{
	return b->sums.p + i * b->nsum;
}
