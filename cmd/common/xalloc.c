/* xalloc.c: allocation that ends the run when memory is out. */
#include "common/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"

void flo_out_of_memory(void)
{
	flo_die(FLO_EXIT_SOFTWARE, "out of memory");
}

void *flo_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		flo_out_of_memory();
	return p;
}

void *flo_xrealloc(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		flo_out_of_memory();
	p = realloc(p, n * size != 0 ? n * size : 1);
	if (p == NULL)
		flo_out_of_memory();
	return p;
}

char *flo_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (d == NULL)
		flo_out_of_memory();
	return d;
}

char *flo_xstrdup(const char *s)
{
	return flo_xstrndup(s, strlen(s));
}
