/* bandblock.c: a block's bands on several threads (bandblock.h). */
#include "model/bandblock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/err.h"

/* Customers a thread takes at a time: enough that taking them costs
 * nothing against their draws (200 draws: 20 us a customer whose (x, T)
 * is cached, 0.35 ms one whose is not), few enough that the threads end a
 * block together. */
#define CHUNK 16

/* Starting a thread costs tens of microseconds: below this, one thread. */
#define THREADED_MIN (4 * CHUNK)

/* More threads than this share one cache too thinly to pay. */
#define THREADS_MAX 64

struct flo_bandblock {
	flo_bands **bands; /* one a thread */
	unsigned threads;
};

/* One call's work, shared by its threads. */
struct job {
	const struct flo_history *h;
	size_t count, stride;
	double *lo, *hi;
	size_t *got;
	int *rc;
	atomic_size_t next; /* the first customer no thread has taken */
};

struct worker {
	struct job *job;
	flo_bands *bands;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct job *j = w->job;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, CHUNK);
		if (i >= j->count)
			break;
		size_t end = i + CHUNK < j->count ? i + CHUNK : j->count;
		for (; i < end; i++)
			j->rc[i] = flo_bands_score(w->bands, &j->h[i], j->lo + i * j->stride,
						   j->hi + i * j->stride, &j->got[i]);
	}
	return NULL;
}

int flo_bandblock_new(flo_bandblock **out, const struct flo_score_config *c,
		      const struct flo_model *draws, size_t n, double level, int gg_drawn,
		      unsigned threads)
{
	*out = NULL;
	if (threads < 1)
		threads = 1;
	if (threads > THREADS_MAX)
		threads = THREADS_MAX;
	flo_bandblock *bb = calloc(1, sizeof *bb);
	if (bb == NULL || (bb->bands = calloc(threads, sizeof *bb->bands)) == NULL) {
		free(bb);
		return FLO_ENOMEM;
	}
	bb->threads = threads;
	for (unsigned t = 0; t < threads; t++) {
		int rc = flo_bands_new_cache(&bb->bands[t], c, draws, n, level, gg_drawn,
					     FLO_BANDS_CACHE_BYTES / threads);
		if (rc != FLO_OK) {
			flo_bandblock_free(bb);
			return rc;
		}
	}
	*out = bb;
	return FLO_OK;
}

void flo_bandblock_free(flo_bandblock *bb)
{
	if (bb == NULL)
		return;
	for (unsigned t = 0; t < bb->threads; t++)
		flo_bands_free(bb->bands[t]);
	free(bb->bands);
	free(bb);
}

void flo_bandblock_score(flo_bandblock *bb, const struct flo_history *h, size_t count,
			 double *lo, double *hi, size_t stride, size_t *got, int *rc)
{
	struct job j = {h, count, stride, lo, hi, got, rc, 0};
	struct worker w[THREADS_MAX];
	pthread_t tid[THREADS_MAX];
	unsigned helpers = 0, want = count >= THREADED_MIN ? bb->threads : 1;
	if (want > count / CHUNK)
		want = (unsigned)(count / CHUNK);
	for (unsigned t = 1; t < want; t++) {
		w[t] = (struct worker){&j, bb->bands[t]};
		if (pthread_create(&tid[helpers], NULL, work, &w[t]) != 0)
			break;
		helpers++;
	}
	w[0] = (struct worker){&j, bb->bands[0]};
	work(&w[0]);
	for (unsigned t = 0; t < helpers; t++)
		pthread_join(tid[t], NULL);
}
