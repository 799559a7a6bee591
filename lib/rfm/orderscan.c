/* orderscan.c: an order log's plain lines read and folded in on a thread
 * per part of the customers (orderscan.h).
 *
 * The calling thread reads the input into chunks of whole lines, a ring of
 * SLOTS_PER_WORKER chunks a worker.  Chunk i is parsed by worker i % W (W
 * workers, one a part), and each worker folds its own part of every chunk,
 * chunk after chunk; a chunk's slot is filled again once every worker has
 * folded its part.  One mutex guards the chunks' states; with chunks of
 * half a megabyte the threads meet at it a few thousand times in ten
 * million orders. */
#include "rfm/orderscan.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/idmap.h"
#include "base/num.h"
#include "record/plain.h"

#define MAX_WORKERS FLO_RFM_MAX_PARTS
#define SLOTS_PER_WORKER 4
/* A chunk is cut at its last newline once it holds this much; a line
 * longer than this (which no order line is) ends the scan. */
#define CHUNK_BYTES ((size_t)1 << 19)

enum chunk_state {
	EMPTY,   /* free for the reader */
	FILLED,  /* read, waiting for its worker */
	PARSING,
	PARSED,  /* its orders wait to be folded in */
	FAILED,  /* holds a line for the general path (or a read error) */
};

struct chunk {
	char *text;     /* 2 CHUNK_BYTES + 1: the carried part line, a chunk, a sentinel */
	size_t len;
	int unterminated; /* the input's last line, without its newline, ends it */
	enum chunk_state state;
	unsigned folded;  /* bit k: worker k has folded its part in */
	long lines;
	struct flo_rfm_order *o[MAX_WORKERS]; /* the orders of each part */
	size_t n[MAX_WORKERS], cap[MAX_WORKERS];
};

struct scan {
	flo_rfm *agg;
	const struct flo_orderscan_layout *lay;
	pthread_mutex_t mu;
	pthread_cond_t changed;
	unsigned workers;         /* flo_rfm_parts(agg) */
	long slots;               /* SLOTS_PER_WORKER workers */
	struct chunk slot[SLOTS_PER_WORKER * MAX_WORKERS]; /* chunk i in slot i % slots */
	long filled;              /* chunks read */
	int ended;                /* no chunk will be read after these */
	long failed;              /* the first FAILED chunk, LONG_MAX if none */
	long lines_folded;        /* lines of the chunks folded in and freed */
	int err;                  /* the aggregator's first error */
	long counts[MAX_WORKERS][4];
};

struct worker {
	struct scan *s;
	unsigned part;
	const char **ends; /* the fields of a line */
	pthread_t thread;
};

static struct chunk *slot_of(struct scan *s, long seq)
{
	return &s->slot[seq % s->slots];
}

/* The order at line [p, nl) of a chunk, into its part's list; 0 when the
 * line is for the general path, -1 out of memory. */
static int take_line(const struct scan *s, struct chunk *c, const char *p,
		     const char *const *ends)
{
	const struct flo_orderscan_layout *lay = s->lay;
	size_t id_len, date_len, amount_len;
	const char *id = flo_plain_field(p, ends, lay->id, &id_len);
	const char *date = flo_plain_field(p, ends, lay->date, &date_len);
	const char *amount = flo_plain_field(p, ends, lay->amount, &amount_len);
	struct flo_rfm_order o = {id, id_len, 0, {0, 0}, 0};
	/* An empty id and a return (a negative amount) are the general path's. */
	if (id_len == 0 || (amount_len > 0 && amount[0] == '-') ||
	    flo_parse_time(date, date_len, &o.time) != FLO_OK ||
	    flo_parse_money(amount, amount_len, &o.value) != FLO_OK ||
	    !(fabs(o.value.rest) <= FLO_MONEY_EXACT_MAX))
		return 0; /* a large value too: a sum it overflows must name its line */
	if (lay->ascii_ids)
		for (size_t i = 0; i < id_len; i++)
			if ((unsigned char)id[i] >= 0x80)
				return 0;
	o.hash = flo_hash(id, id_len);
	unsigned k = flo_rfm_part(s->agg, o.hash);
	if (c->n[k] == c->cap[k]) {
		size_t cap = c->cap[k] ? 2 * c->cap[k] : 4096;
		struct flo_rfm_order *grown = realloc(c->o[k], cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		c->o[k] = grown;
		c->cap[k] = cap;
	}
	c->o[k][c->n[k]++] = o;
	return 1;
}

/* Split chunk c into its parts' orders: 1, 0 when a line is for the
 * general path, -1 out of memory. */
static int parse(const struct scan *s, struct chunk *c, const char **ends)
{
	const struct flo_orderscan_layout *lay = s->lay;
	const int csv = lay->fmt == FLO_FMT_CSV;
	const char *p = c->text, *e = c->text + c->len;
	if (c->unterminated)
		c->text[c->len] = '\n', e++; /* a sentinel: the input ends the line */
	for (unsigned k = 0; k < s->workers; k++)
		c->n[k] = 0;
	c->lines = 0;
	while (p < e) {
		const char *nl = flo_plain_line(p, e, csv ? ',' : '\t', csv ? '"' : '\\',
						lay->nfields, ends);
		int took = nl != NULL ? take_line(s, c, p, ends) : 0;
		if (took <= 0)
			return took;
		c->lines++;
		p = nl + 1;
	}
	return 1;
}

/* Worker w: parse chunks w->part, w->part + W, ... as they are read,
 * and fold part w->part of every chunk in, in order, until the input ends,
 * a chunk fails or the aggregator fails. */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct scan *s = w->s;
	long parse_seq = w->part, fold_seq = 0;
	pthread_mutex_lock(&s->mu);
	while (s->err == FLO_OK) {
		/* A chunk in a slot stays there until every worker has folded
		 * it: below `filled`, slot_of() is the chunk of that number. */
		struct chunk *f = slot_of(s, fold_seq);
		if (fold_seq < s->filled && f->state == PARSED) {
			pthread_mutex_unlock(&s->mu);
			int err = flo_rfm_add_part(s->agg, w->part, f->o[w->part], f->n[w->part],
						   s->counts[w->part]);
			pthread_mutex_lock(&s->mu);
			if (err != FLO_OK) {
				s->err = err;
				break;
			}
			if ((f->folded |= 1u << w->part) == (1u << s->workers) - 1) {
				s->lines_folded += f->lines;
				f->folded = 0;
				f->state = EMPTY;
				pthread_cond_broadcast(&s->changed);
			}
			fold_seq++;
			continue;
		}
		if (fold_seq >= s->failed || (s->ended && fold_seq >= s->filled))
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
		ssize_t got = read(fd, c->text + c->len, 2 * CHUNK_BYTES - c->len);
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
	int err = flo_reader_resume(r, rest, len, first_line + s->lines_folded, eof);
	free(rest);
	return err;
}

static void free_scan(struct scan *s, struct worker *w, struct pending *q)
{
	for (long i = 0; i < s->slots; i++) {
		free(s->slot[i].text);
		for (unsigned k = 0; k < s->workers; k++)
			free(s->slot[i].o[k]);
	}
	for (unsigned k = 0; k < s->workers; k++)
		free(w[k].ends);
	free(q->buf);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->changed);
}

int flo_orderscan(flo_reader *r, int fd, flo_rfm *agg, const struct flo_orderscan_layout *lay,
		  long counts[4], int *done)
{
	struct scan s = {.agg = agg, .lay = lay, .failed = LONG_MAX};
	struct worker w[MAX_WORKERS] = {{0}};
	*done = 0;
	s.workers = flo_rfm_parts(agg);
	s.slots = SLOTS_PER_WORKER * (long)s.workers;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.changed, NULL);
	int ok = 1;
	for (long i = 0; i < s.slots; i++)
		ok &= (s.slot[i].text = malloc(2 * CHUNK_BYTES + 1)) != NULL;
	for (unsigned k = 0; k < s.workers; k++)
		ok &= (w[k].ends = malloc(lay->nfields * sizeof *w[k].ends)) != NULL;

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
		w[started].part = started;
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
	for (unsigned k = 0; k < s.workers; k++)
		for (int f = 0; f < 4; f++)
			counts[f] += s.counts[k][f];
	if (err == FLO_OK && s.failed != LONG_MAX)
		err = hand_back(r, &s, first_line, &q, eof);
	else if (err == FLO_OK)
		*done = 1;
	free_scan(&s, w, &q);
	return err;
}
