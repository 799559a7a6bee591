/* xalloc.h: allocation for the tools, where running out of memory ends the
 * run: "prog: out of memory", exit 70.  The library never does this; it
 * returns FLO_ENOMEM (lib/README.md). */
#ifndef FLO_XALLOC_H
#define FLO_XALLOC_H

#include <stddef.h>

_Noreturn void flo_out_of_memory(void);

/* n elements of size bytes, zeroed; n = 0 gives a valid pointer. */
void *flo_xcalloc(size_t n, size_t size);
/* p resized to n elements of size bytes (overflow is out of memory). */
void *flo_xrealloc(void *p, size_t n, size_t size);
char *flo_xstrndup(const char *s, size_t n);
char *flo_xstrdup(const char *s);

#endif
