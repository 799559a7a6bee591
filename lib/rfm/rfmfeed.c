/* rfmfeed.c: batches of orders, folded in on a thread of their own.
 *
 * A few batches circulate: the caller fills one while the thread folds in
 * another; a full batch goes to the back of a queue, a folded one back to
 * the free list.  Batches are large (4096 orders), so the two threads meet
 * at the lock a few thousand times for ten million orders. */
#include "rfm/rfmfeed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define FEED_ORDERS 4096
#define FEED_ID_BYTES ((size_t)FEED_ORDERS * 24)
#define FEED_BATCHES 4

struct batch {
	struct flo_rfm_order o[FEED_ORDERS];
	size_t n, used;
	char ids[FEED_ID_BYTES];
};

struct flo_rfm_feed {
	flo_rfm *agg;
	long counts[4];
	struct batch *cur; /* being filled by the caller */
	struct batch *all;
	int threaded;

	/* Shared with the thread, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t changed;
	struct batch *queue[FEED_BATCHES]; /* full, oldest first */
	size_t queued;
	struct batch *spare[FEED_BATCHES]; /* folded in, free */
	size_t nspare;
	int busy;    /* the thread is folding a batch in */
	int closing; /* no more batches will come */
	int err;     /* the aggregator's first error */
	pthread_t thread;
};

static int fold(flo_rfm_feed *f, struct batch *b, long counts[4])
{
	int err = flo_rfm_add_batch(f->agg, b->o, b->n, counts);
	b->n = b->used = 0;
	return err;
}

static void *fold_main(void *arg)
{
	flo_rfm_feed *f = arg;
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (f->queued == 0 && !f->closing)
			pthread_cond_wait(&f->changed, &f->mu);
		if (f->queued == 0)
			break;
		struct batch *b = f->queue[0];
		memmove(f->queue, f->queue + 1, --f->queued * sizeof *f->queue);
		f->busy = 1;
		pthread_mutex_unlock(&f->mu);
		/* After an error the batches are only recycled. */
		int err = f->err ? FLO_OK : fold(f, b, f->counts);
		b->n = b->used = 0;
		pthread_mutex_lock(&f->mu);
		if (err && !f->err)
			f->err = err;
		f->busy = 0;
		f->spare[f->nspare++] = b;
		pthread_cond_broadcast(&f->changed);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int flo_rfm_feed_new(flo_rfm_feed **out, flo_rfm *agg, int threaded)
{
	flo_rfm_feed *f = calloc(1, sizeof *f);
	int nbatches = threaded ? FEED_BATCHES : 1;
	if (f == NULL || (f->all = malloc((size_t)nbatches * sizeof *f->all)) == NULL) {
		free(f);
		return FLO_ENOMEM;
	}
	f->agg = agg;
	f->cur = &f->all[0];
	f->cur->n = f->cur->used = 0;
	for (int i = 1; i < nbatches; i++) {
		f->all[i].n = f->all[i].used = 0;
		f->spare[f->nspare++] = &f->all[i];
	}
	if (threaded) {
		pthread_mutex_init(&f->mu, NULL);
		pthread_cond_init(&f->changed, NULL);
		f->threaded = pthread_create(&f->thread, NULL, fold_main, f) == 0;
		if (!f->threaded) {
			pthread_mutex_destroy(&f->mu);
			pthread_cond_destroy(&f->changed);
		}
	}
	*out = f;
	return FLO_OK;
}

/* Hand the current batch over and take a free one (waiting for it). */
static int pass_on(flo_rfm_feed *f)
{
	if (!f->threaded) {
		int err = fold(f, f->cur, f->counts);
		if (err && !f->err)
			f->err = err;
		return f->err;
	}
	pthread_mutex_lock(&f->mu);
	f->queue[f->queued++] = f->cur;
	pthread_cond_broadcast(&f->changed);
	while (f->nspare == 0)
		pthread_cond_wait(&f->changed, &f->mu);
	f->cur = f->spare[--f->nspare];
	int err = f->err;
	pthread_mutex_unlock(&f->mu);
	return err;
}

/* Wait until the thread has folded in everything queued. */
static int drain(flo_rfm_feed *f)
{
	if (!f->threaded)
		return f->err;
	pthread_mutex_lock(&f->mu);
	while (f->queued > 0 || f->busy)
		pthread_cond_wait(&f->changed, &f->mu);
	int err = f->err;
	pthread_mutex_unlock(&f->mu);
	return err;
}

int flo_rfm_feed_drain(flo_rfm_feed *f)
{
	return drain(f);
}

flo_rfm *flo_rfm_feed_agg(flo_rfm_feed *f)
{
	return f->agg;
}

int flo_rfm_feed_add(flo_rfm_feed *f, const char *id, size_t id_len, int64_t time,
		     double amount)
{
	struct batch *b = f->cur;
	if (b->n == FEED_ORDERS || id_len > FEED_ID_BYTES - b->used) {
		int err = b->n > 0 ? pass_on(f) : FLO_OK;
		if (err)
			return err;
		b = f->cur;
	}
	if (id_len > FEED_ID_BYTES) {
		/* An id too long for a batch: once everything before it is
		 * folded in, the thread is idle and the aggregator free. */
		int err = drain(f);
		struct flo_rfm_order one = {id, id_len, time, flo_money_of(amount), 0};
		if (err == FLO_OK && (err = flo_rfm_add_batch(f->agg, &one, 1, f->counts)))
			f->err = err;
		return err;
	}
	memcpy(b->ids + b->used, id, id_len);
	b->o[b->n++] = (struct flo_rfm_order){b->ids + b->used, id_len, time,
						    flo_money_of(amount), 0};
	b->used += id_len;
	return FLO_OK;
}

int flo_rfm_feed_finish(flo_rfm_feed *f, long counts[4])
{
	int err = f->cur->n > 0 ? pass_on(f) : f->err;
	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->closing = 1;
		pthread_cond_broadcast(&f->changed);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->changed);
		err = f->err;
	}
	for (int i = 0; i < 4; i++)
		counts[i] += f->counts[i];
	free(f->all);
	free(f);
	return err;
}
