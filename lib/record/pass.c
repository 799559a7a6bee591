/* pass.c: records passed through with fields added. */
#include "record/pass.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

enum kind { ADD_NULL, ADD_NUM, ADD_STR };

struct added {
	char *name;
	size_t len;
	enum kind kind;
	double num;
	const char *str;
	size_t str_len;
};

struct flo_pass {
	flo_writer *w;
	struct added *add;
	size_t n;
	unsigned char *done; /* per added field: written in place of an input field */
	/* Input fields copied as text: -1 not yet known (until the first
	 * record from a reader has made the output's header), 0 or 1. */
	int copy_text;
};

int flo_pass_new(flo_pass **out, flo_writer *w, const char *const *names, size_t n)
{
	flo_pass *p = calloc(1, sizeof *p);

	*out = NULL;
	if (p == NULL)
		return FLO_ENOMEM;
	p->w = w;
	p->n = n;
	p->copy_text = -1;
	p->add = calloc(n ? n : 1, sizeof *p->add);
	p->done = calloc(n ? n : 1, 1);
	if (p->add == NULL || p->done == NULL) {
		flo_pass_free(p);
		return FLO_ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		p->add[k].len = strlen(names[k]);
		p->add[k].name = strdup(names[k]);
		if (p->add[k].name == NULL) {
			flo_pass_free(p);
			return FLO_ENOMEM;
		}
	}
	*out = p;
	return FLO_OK;
}

void flo_pass_free(flo_pass *p)
{
	if (p == NULL)
		return;
	for (size_t k = 0; p->add != NULL && k < p->n; k++)
		free(p->add[k].name);
	free(p->add);
	free(p->done);
	free(p);
}

void flo_pass_num(flo_pass *p, size_t k, double v)
{
	p->add[k].kind = ADD_NUM;
	p->add[k].num = v;
}

void flo_pass_nums(flo_pass *p, size_t k, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p->add[k + i].kind = ADD_NUM;
		p->add[k + i].num = v[i];
	}
}

void flo_pass_str(flo_pass *p, size_t k, const char *s, size_t len)
{
	p->add[k].kind = ADD_STR;
	p->add[k].str = s;
	p->add[k].str_len = len;
}

void flo_pass_null(flo_pass *p, size_t k)
{
	p->add[k].kind = ADD_NULL;
}

static void put_added(flo_writer *w, const struct added *a)
{
	switch (a->kind) {
	case ADD_NUM: flo_writer_num(w, a->name, a->num); break;
	case ADD_STR: flo_writer_str(w, a->name, a->str, a->str_len); break;
	default: flo_writer_null(w, a->name);
	}
}

/* The added field of f's name, or -1. */
static int added_index(const flo_pass *p, const struct flo_field *f)
{
	for (size_t k = 0; k < p->n; k++)
		if (f->name_len == p->add[k].len &&
		    memcmp(f->name, p->add[k].name, f->name_len) == 0)
			return (int)k;
	return -1;
}

/* The fields, each added one in place of its namesake or after the last;
 * the record is ended by the caller. */
static void put_fields(flo_pass *p, const struct flo_field *f, size_t n)
{
	memset(p->done, 0, p->n);
	for (size_t i = 0; i < n; i++) {
		int k = added_index(p, &f[i]);
		if (k < 0) {
			flo_writer_field(p->w, &f[i]);
		} else {
			put_added(p->w, &p->add[k]);
			p->done[k] = 1;
		}
	}
	for (size_t k = 0; k < p->n; k++)
		if (!p->done[k])
			put_added(p->w, &p->add[k]);
}

int flo_pass_write(flo_pass *p, const struct flo_field *f, size_t n)
{
	put_fields(p, f, n);
	return flo_writer_end(p->w);
}

int flo_pass_write_record(flo_pass *p, const flo_reader *r)
{
	size_t n, len;
	const struct flo_field *f = flo_reader_fields(r, &n);
	const char *text;

	if (p->copy_text == 1 && (text = flo_reader_plain_text(r, &len)) != NULL) {
		/* the input's fields as they came, then the added ones */
		flo_writer_raw(p->w, text, len, n);
		for (size_t k = 0; k < p->n; k++)
			put_added(p->w, &p->add[k]);
		return flo_writer_end(p->w);
	}
	flo_writer_set_source(p->w, flo_reader_format(r));
	put_fields(p, f, n);
	if (p->copy_text < 0) {
		enum flo_format fmt = flo_writer_format(p->w);
		int same = flo_reader_format(r) == fmt && fmt != FLO_FMT_JSONL;
		for (size_t i = 0; same && i < n; i++)
			same = added_index(p, &f[i]) < 0;
		p->copy_text = same;
	}
	return flo_writer_end(p->w);
}
