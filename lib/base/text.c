/* text.c: the growing text buffer. */
#include "base/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/num.h"

void flo_text_add(struct flo_text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (p == NULL) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

void flo_text_puts(struct flo_text *t, const char *s)
{
	flo_text_add(t, s, strlen(s));
}

void flo_text_json_string(struct flo_text *t, const char *s)
{
	size_t n = strlen(s);
	char *esc = malloc(6 * n + 1);
	if (esc == NULL) {
		t->oom = 1;
		return;
	}
	flo_text_add(t, "\"", 1);
	flo_text_add(t, esc, flo_json_escape(esc, s, n));
	flo_text_add(t, "\"", 1);
	free(esc);
}

void flo_text_number(struct flo_text *t, double v)
{
	char buf[FLO_NUM_BUFSZ];
	if (!isfinite(v)) {
		flo_text_puts(t, "null");
		return;
	}
	flo_text_add(t, buf, flo_format_double(buf, v));
}
