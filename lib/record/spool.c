/* spool.c: the records of a batch, kept in memory. */
#include "record/spool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

struct flo_spool {
	unsigned char *p;
	size_t len, cap;
	size_t nrec;
	char **name;
	size_t *name_len;
	size_t nnames, names_cap;
	uint32_t *ids, *prev, *first; /* this record's name numbers, the last's, the first's */
	size_t nprev, nfirst, ids_cap;
	int check;                    /* names must match the first record's */
	struct flo_field *fields;     /* for reading back: ids_cap of them */
};

int flo_spool_new(flo_spool **s, int same_names)
{
	*s = calloc(1, sizeof **s);
	if (*s == NULL)
		return FLO_ENOMEM;
	(*s)->check = same_names;
	return FLO_OK;
}

void flo_spool_free(flo_spool *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nnames; i++)
		free(s->name[i]);
	free(s->name);
	free(s->name_len);
	free(s->ids);
	free(s->prev);
	free(s->first);
	free(s->fields);
	free(s->p);
	free(s);
}

/* p resized to n elements of size bytes, or NULL (p is then still valid). */
static void *grow(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, n * size != 0 ? n * size : 1);
}

/* The number of f's name, or UINT32_MAX when out of memory. */
static uint32_t intern(flo_spool *s, const struct flo_field *f, size_t pos)
{
	/* Records of one file mostly repeat the last record's names in order. */
	if (pos < s->nprev) {
		uint32_t id = s->prev[pos];
		if (s->name_len[id] == f->name_len && memcmp(s->name[id], f->name, f->name_len) == 0)
			return id;
	}
	for (size_t id = 0; id < s->nnames; id++)
		if (s->name_len[id] == f->name_len && memcmp(s->name[id], f->name, f->name_len) == 0)
			return (uint32_t)id;
	if (s->nnames >= UINT32_MAX - 1)
		return UINT32_MAX;
	if (s->nnames == s->names_cap) {
		size_t cap = s->names_cap ? 2 * s->names_cap : 64;
		char **name = grow(s->name, cap, sizeof *name);
		if (name == NULL)
			return UINT32_MAX;
		s->name = name;
		size_t *name_len = grow(s->name_len, cap, sizeof *name_len);
		if (name_len == NULL)
			return UINT32_MAX;
		s->name_len = name_len;
		s->names_cap = cap;
	}
	char *copy = malloc(f->name_len + 1);
	if (copy == NULL)
		return UINT32_MAX;
	memcpy(copy, f->name, f->name_len);
	copy[f->name_len] = '\0';
	s->name[s->nnames] = copy;
	s->name_len[s->nnames] = f->name_len;
	return (uint32_t)s->nnames++;
}

/* Number the record's names into s->prev; FLO_ESYNTAX when they differ
 * from the first record's and must not. */
static int number_names(flo_spool *s, const struct flo_field *f, size_t n)
{
	if (n > s->ids_cap) {
		uint32_t *ids = grow(s->ids, n, sizeof *ids);
		if (ids == NULL)
			return FLO_ENOMEM;
		s->ids = ids;
		uint32_t *prev = grow(s->prev, n, sizeof *prev);
		if (prev == NULL)
			return FLO_ENOMEM;
		s->prev = prev;
		struct flo_field *fields = grow(s->fields, n, sizeof *fields);
		if (fields == NULL)
			return FLO_ENOMEM;
		s->fields = fields;
		s->ids_cap = n;
	}
	for (size_t i = 0; i < n; i++)
		if ((s->ids[i] = intern(s, &f[i], i)) == UINT32_MAX)
			return FLO_ENOMEM;
	uint32_t *t = s->prev;
	s->prev = s->ids;
	s->ids = t;
	s->nprev = n;
	if (!s->check)
		return FLO_OK;
	if (s->nrec == 0) {
		s->first = grow(s->first, n, sizeof *s->first);
		if (s->first == NULL)
			return FLO_ENOMEM;
		memcpy(s->first, s->prev, n * sizeof *s->first);
		s->nfirst = n;
		return FLO_OK;
	}
	if (n == s->nfirst && memcmp(s->prev, s->first, n * sizeof *s->first) == 0)
		return FLO_OK;
	return FLO_ESYNTAX;
}

static void put(unsigned char **p, const void *v, size_t n)
{
	memcpy(*p, v, n);
	*p += n;
}

int flo_spool_add(flo_spool *s, const struct flo_field *f, size_t n)
{
	if (n > UINT32_MAX)
		return FLO_ENOMEM;
	int err = number_names(s, f, n);
	if (err != FLO_OK)
		return err;
	size_t need = 4;
	for (size_t i = 0; i < n; i++) {
		if (f[i].len > UINT32_MAX)
			return FLO_ENOMEM;
		need += 9 + f[i].len;
	}
	if (s->len + need > s->cap) {
		size_t cap = s->cap ? s->cap : (size_t)1 << 16;
		while (cap < s->len + need)
			cap *= 2;
		unsigned char *p = realloc(s->p, cap);
		if (p == NULL)
			return FLO_ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	unsigned char *p = s->p + s->len;
	uint32_t nf = (uint32_t)n;
	put(&p, &nf, 4);
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)f[i].len;
		unsigned char kind = (unsigned char)f[i].kind;
		put(&p, &s->prev[i], 4);
		put(&p, &kind, 1);
		put(&p, &len, 4);
		put(&p, f[i].val, f[i].len);
	}
	s->len += need;
	s->nrec++;
	return FLO_OK;
}

size_t flo_spool_count(const flo_spool *s)
{
	return s->nrec;
}

const struct flo_field *flo_spool_next(flo_spool *s, size_t *pos, size_t *n)
{
	uint32_t nf, id, len;
	unsigned char kind;
	size_t p = *pos;

	memcpy(&nf, s->p + p, 4), p += 4;
	for (uint32_t i = 0; i < nf; i++) {
		memcpy(&id, s->p + p, 4), p += 4;
		kind = s->p[p++];
		memcpy(&len, s->p + p, 4), p += 4;
		s->fields[i] = (struct flo_field){s->name[id], s->name_len[id],
						  (const char *)s->p + p, len,
						  (enum flo_kind)kind};
		p += len;
	}
	*pos = p;
	*n = nf;
	return s->fields;
}
