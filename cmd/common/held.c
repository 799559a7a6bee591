/* held.c: records held back in input order (held.h). */
#include "common/held.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* A field as offsets into the held text: valid however the text grows. */
struct field_at {
	size_t name, name_len, val, len;
	enum flo_kind kind;
};

struct record_at {
	const char *input;
	long line;
	size_t raw, raw_len;     /* in text */
	size_t field, nfields;   /* in field */
	enum flo_format fmt;
};

struct flo_held {
	char *text; /* every record's raw text, names and values, back to back */
	size_t len, cap;
	struct field_at *field;
	size_t nfield, field_cap;
	struct record_at *rec;
	size_t nrec, rec_cap;
	struct flo_field *out; /* one record's fields, for reading back */
	size_t out_cap;
};

struct flo_held *flo_held_new(void)
{
	struct flo_held *h = flo_xcalloc(1, sizeof *h);
	h->cap = (size_t)1 << 16;
	h->text = flo_xcalloc(h->cap, 1);
	return h;
}

void flo_held_free(struct flo_held *h)
{
	if (h == NULL)
		return;
	free(h->text);
	free(h->field);
	free(h->rec);
	free(h->out);
	free(h);
}

/* Append n bytes to the text: their offset. */
static size_t put(struct flo_held *h, const char *s, size_t n)
{
	if (h->len + n > h->cap) {
		size_t cap = h->cap;
		while (cap < h->len + n)
			cap *= 2;
		h->text = flo_xrealloc(h->text, cap, 1);
		h->cap = cap;
	}
	size_t at = h->len;
	if (n > 0)
		memcpy(h->text + at, s, n);
	h->len += n;
	return at;
}

void flo_held_add(struct flo_held *h, const flo_reader *r)
{
	size_t n, raw_len;
	const struct flo_field *f = flo_reader_fields(r, &n);
	const char *raw = flo_reader_raw(r, &raw_len);
	if (h->nrec == h->rec_cap) {
		h->rec_cap = h->rec_cap ? 2 * h->rec_cap : 256;
		h->rec = flo_xrealloc(h->rec, h->rec_cap, sizeof *h->rec);
	}
	if (h->nfield + n > h->field_cap) {
		size_t cap = h->field_cap ? h->field_cap : 1024;
		while (cap < h->nfield + n)
			cap *= 2;
		h->field = flo_xrealloc(h->field, cap, sizeof *h->field);
		h->field_cap = cap;
	}
	/* Counted once whole: running out of memory half way ends the run,
	 * and the records held before it are written (cli.h's on_error). */
	struct record_at rec = {flo_reader_input_name(r), flo_reader_line(r), 0, raw_len,
				h->nfield, n, flo_reader_format(r)};
	rec.raw = put(h, raw, raw_len);
	for (size_t i = 0; i < n; i++) {
		struct field_at *fa = &h->field[h->nfield++];
		fa->name = put(h, f[i].name, f[i].name_len);
		fa->name_len = f[i].name_len;
		fa->val = put(h, f[i].val, f[i].len);
		fa->len = f[i].len;
		fa->kind = f[i].kind;
	}
	h->rec[h->nrec++] = rec;
}

size_t flo_held_count(const struct flo_held *h)
{
	return h->nrec;
}

size_t flo_held_bytes(const struct flo_held *h)
{
	return h->len + h->nfield * sizeof *h->field + h->nrec * sizeof *h->rec;
}

const struct flo_field *flo_held_record(struct flo_held *h, size_t i, size_t *n,
					enum flo_format *fmt, struct flo_record_at *at)
{
	const struct record_at *rec = &h->rec[i];
	if (rec->nfields > h->out_cap) {
		h->out_cap = rec->nfields;
		h->out = flo_xrealloc(h->out, h->out_cap, sizeof *h->out);
	}
	for (size_t k = 0; k < rec->nfields; k++) {
		const struct field_at *fa = &h->field[rec->field + k];
		h->out[k] = (struct flo_field){h->text + fa->name, fa->name_len, h->text + fa->val,
					       fa->len, fa->kind};
	}
	*n = rec->nfields;
	*fmt = rec->fmt;
	*at = (struct flo_record_at){rec->input, rec->line, h->text + rec->raw, rec->raw_len};
	return h->out;
}

void flo_held_clear(struct flo_held *h)
{
	h->len = 0;
	h->nfield = 0;
	h->nrec = 0;
}
