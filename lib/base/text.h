/* text.h: a growing text buffer for the small JSON documents flo writes (the
 * model, the segment cut points).  Out of memory is sticky: the first
 * failure sets `oom`, later additions do nothing, and the caller checks once
 * at the end.  The text is always NUL-terminated; the caller frees p. */
#ifndef FLO_TEXT_H
#define FLO_TEXT_H

#include <stddef.h>

struct flo_text {
	char *p;
	size_t len, cap;
	int oom;
};

void flo_text_add(struct flo_text *t, const char *s, size_t n);
void flo_text_puts(struct flo_text *t, const char *s);
/* s as a quoted JSON string. */
void flo_text_json_string(struct flo_text *t, const char *s);
/* The shortest text that reads back as v; null (JSON has no nan or inf)
 * when v is not finite. */
void flo_text_number(struct flo_text *t, double v);

#endif
