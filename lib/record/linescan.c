/* linescan.c: plain lines read in chunks and parsed on threads
 * (linescan.h).
 *
 * The calling thread reads the input into a ring of SLOTS_PER_WORKER chunks
 * a worker; a chunk's slot is filled again once every worker has taken its
 * share.  One mutex guards the chunks' states; with chunks of half a
 * megabyte the threads meet at it a few thousand times in ten million
 * lines. */
#include "record/linescan.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/pages.h"

#define MAX_WORKERS FLO_LINESCAN_MAX_WORKERS
#define SLOTS_PER_WORKER 4
/* A chunk is cut at its last newline once it holds this much; a longer
 * line (which no order or summary line is) ends the scan. */
#define CHUNK_BYTES ((size_t)1 << 19)

enum chunk_state {
	EMPTY,   /* free for the reader */
	FILLED,  /* read, waiting for its worker */
	PARSING,
	PARSED,  /* waiting to be taken */
	FAILED,  /* holds a line for the general path (or a read error) */
};

struct chunk {
	char *text;     /* 2 CHUNK_BYTES + 1: the carried part line, a chunk, a sentinel */
	size_t len;
	int unterminated; /* the input's last line, without its newline, ends it */
	enum chunk_state state;
	unsigned taken;   /* bit k: worker k has taken its share */
	long lines;
	void *parsed;     /* the parser's state, for this slot */
};

struct scan {
	const struct flo_linescan_ops *ops;
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t changed;
	unsigned workers;
	long slots;               /* SLOTS_PER_WORKER workers */
	struct chunk slot[SLOTS_PER_WORKER * MAX_WORKERS]; /* chunk i in slot i % slots */
	long filled;              /* chunks read */
	int ended;                /* no chunk will be read after these */
	long failed;              /* the first FAILED chunk, LONG_MAX if none */
	long lines_taken;         /* lines of the chunks taken and freed */
	int err;                  /* take()'s first error */
};

struct worker {
	struct scan *s;
	unsigned k;
	const char **ends; /* the fields of a line */
	pthread_t thread;
};

static struct chunk *slot_of(struct scan *s, long seq)
{
	return &s->slot[seq % s->slots];
}

static int parse(const struct scan *s, struct chunk *c, const char **ends)
{
	char *e = c->text + c->len;
	if (c->unterminated)
		*e++ = '\n'; /* a sentinel: the input ends the line */
	c->lines = 0;
	return s->ops->parse(s->ctx, &c->parsed, c->text, e, ends, &c->lines);
}

/* Worker w: parse chunks w->k, w->k + W, ... as they are read, and take
 * its share of every chunk, in order, until the input ends, a chunk fails
 * or a take fails. */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct scan *s = w->s;
	long parse_seq = w->k, take_seq = 0;
	pthread_mutex_lock(&s->mu);
	while (s->err == FLO_OK) {
		/* A chunk in a slot stays there until every worker has taken
		 * its share: below `filled`, slot_of() is the chunk of that
		 * number. */
		struct chunk *f = slot_of(s, take_seq);
		if (take_seq < s->filled && f->state == PARSED) {
			pthread_mutex_unlock(&s->mu);
			int err = s->ops->take(s->ctx, w->k, take_seq, f->parsed);
			pthread_mutex_lock(&s->mu);
			if (err != FLO_OK) {
				s->err = err;
				break;
			}
			if ((f->taken |= 1u << w->k) == (1u << s->workers) - 1) {
				s->lines_taken += f->lines;
				f->taken = 0;
				f->state = EMPTY;
				pthread_cond_broadcast(&s->changed);
			}
			take_seq++;
			continue;
		}
		if (take_seq >= s->failed || (s->ended && take_seq >= s->filled))
			break;
		struct chunk *c = slot_of(s, parse_seq);
		if (parse_seq < s->filled && parse_seq < s->failed && c->state == FILLED) {
			c->state = PARSING;
			pthread_mutex_unlock(&s->mu);
			int got = parse(s, c, w->ends);
			pthread_mutex_lock(&s->mu);
			if (got < 0)
				s->err = FLO_ENOMEM;
			c->state = got > 0 ? PARSED : FAILED;
			if (got == 0 && parse_seq < s->failed)
				s->failed = parse_seq;
			parse_seq += s->workers;
			pthread_cond_broadcast(&s->changed);
			continue;
		}
		pthread_cond_wait(&s->changed, &s->mu);
	}
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Bytes read and not yet in a chunk: what the reader had read past its
 * record, then each chunk's part line after its last newline. */
struct pending {
	char *buf; /* 2 CHUNK_BYTES, or more for the reader's bytes */
	size_t beg, len;
};

/* Fill c with the next chunk: the pending bytes, then input up to
 * CHUNK_BYTES, cut after its last newline (the rest pending).  FILLED;
 * FAILED for a read error or a line longer than a chunk, c and q then
 * holding what was read; EMPTY when the input has ended and nothing is
 * left. */
static enum chunk_state fill(int fd, struct chunk *c, struct pending *q, int *eof)
{
	size_t take = q->len < 2 * CHUNK_BYTES ? q->len : 2 * CHUNK_BYTES;
	memcpy(c->text, q->buf + q->beg, take);
	c->len = take;
	c->unterminated = 0;
	q->beg += take;
	q->len -= take;
	int read_some = 0;
	while (q->len == 0 && !*eof && c->len < CHUNK_BYTES) {
		/* up to CHUNK_BYTES, not the buffer's room: a slot's pages are
		 * touched (faulted in) only as far as its chunks reach, and a
		 * chunk of a megabyte parses no faster than one of half */
		ssize_t got = read(fd, c->text + c->len, CHUNK_BYTES - c->len);
		read_some = 1;
		if (got > 0)
			c->len += (size_t)got;
		else if (got == 0)
			*eof = 1;
		else if (errno != EINTR)
			return FAILED; /* the reader reads again and reports it */
	}
	if (c->len == 0)
		return EMPTY;
	if (*eof && q->len == 0) {
		c->unterminated = c->text[c->len - 1] != '\n';
		return FILLED;
	}
	const char *nl = c->text + c->len;
	while (nl > c->text && nl[-1] != '\n')
		nl--;
	if (nl == c->text)
		return FAILED;
	size_t tail = c->len - (size_t)(nl - c->text);
	c->len -= tail;
	if (read_some) { /* q was empty: the tail is new */
		memcpy(q->buf, nl, tail);
		q->beg = 0;
	} else { /* the tail came from q, and is still there */
		q->beg -= tail;
	}
	q->len += tail;
	return FILLED;
}

/* The input from the first failed chunk on, handed back to the reader. */
static int hand_back(flo_reader *r, struct scan *s, long first_line, const struct pending *q,
		     int eof)
{
	size_t len = q->len;
	for (long i = s->failed; i < s->filled; i++)
		len += slot_of(s, i)->len;
	char *rest = malloc(len ? len : 1);
	if (rest == NULL)
		return FLO_ENOMEM;
	size_t at = 0;
	for (long i = s->failed; i < s->filled; i++) {
		memcpy(rest + at, slot_of(s, i)->text, slot_of(s, i)->len);
		at += slot_of(s, i)->len;
	}
	memcpy(rest + at, q->buf + q->beg, q->len);
	int err = flo_reader_resume(r, rest, len, first_line + s->lines_taken, eof);
	free(rest);
	return err;
}

static void free_scan(struct scan *s, struct worker *w, struct pending *q)
{
	for (long i = 0; i < s->slots; i++) {
		free(s->slot[i].text);
		s->ops->free_state(s->slot[i].parsed); /* NULL is fine */
	}
	for (unsigned k = 0; k < s->workers; k++)
		free(w[k].ends);
	free(q->buf);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->changed);
}

int flo_linescan(flo_reader *r, int fd, unsigned workers, size_t nfields,
		 const struct flo_linescan_ops *ops, void *ctx, int *done)
{
	struct scan s = {.ops = ops, .ctx = ctx, .failed = LONG_MAX};
	struct worker w[MAX_WORKERS] = {{0}};
	*done = 0;
	if (workers < 1 || workers > MAX_WORKERS)
		return FLO_EVALUE;
	s.workers = workers;
	s.slots = SLOTS_PER_WORKER * (long)s.workers;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.changed, NULL);
	int ok = 1;
	for (long i = 0; i < s.slots; i++) {
		ok &= (s.slot[i].text = malloc(2 * CHUNK_BYTES + 1)) != NULL;
		if (ok) /* the chunk's part, which read() fills: pages.h */
			flo_pages_populate(s.slot[i].text, CHUNK_BYTES + CHUNK_BYTES / 8);
	}
	for (unsigned k = 0; k < s.workers; k++)
		ok &= (w[k].ends = malloc((nfields ? nfields : 1) * sizeof *w[k].ends)) != NULL;
	/* The bytes the reader has read past its current record come first. */
	struct pending q = {0};
	long first_line;
	int eof;
	const char *unread = flo_reader_unread(r, &q.len, &first_line, &eof);
	q.buf = ok ? malloc(q.len > 2 * CHUNK_BYTES ? q.len : 2 * CHUNK_BYTES) : NULL;
	if (q.buf == NULL) {
		free_scan(&s, w, &q);
		return FLO_ENOMEM;
	}
	memcpy(q.buf, unread, q.len);

	unsigned started = 0;
	for (; started < s.workers; started++) {
		w[started].s = &s;
		w[started].k = started;
		if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0)
			break;
	}
	pthread_mutex_lock(&s.mu);
	if (started < s.workers)
		s.err = FLO_ENOMEM; /* the started ones stop at once */
	while (s.err == FLO_OK && s.failed == LONG_MAX && !(eof && q.len == 0)) {
		struct chunk *c = slot_of(&s, s.filled);
		if (c->state != EMPTY) {
			pthread_cond_wait(&s.changed, &s.mu);
			continue;
		}
		pthread_mutex_unlock(&s.mu);
		enum chunk_state got = fill(fd, c, &q, &eof);
		pthread_mutex_lock(&s.mu);
		if (got == EMPTY)
			break;
		c->state = got;
		if (got == FAILED)
			s.failed = s.filled;
		s.filled++;
		pthread_cond_broadcast(&s.changed);
	}
	s.ended = 1;
	pthread_cond_broadcast(&s.changed);
	pthread_mutex_unlock(&s.mu);
	for (unsigned k = 0; k < started; k++)
		pthread_join(w[k].thread, NULL);

	int err = s.err;
	if (started < s.workers) {
		/* Nothing was read or folded in: the reader goes on as it was. */
		free_scan(&s, w, &q);
		return FLO_OK;
	}
	if (err == FLO_OK && s.failed != LONG_MAX)
		err = hand_back(r, &s, first_line, &q, eof);
	else if (err == FLO_OK)
		*done = 1;
	free_scan(&s, w, &q);
	return err;
}
