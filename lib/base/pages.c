/* pages.c: populating a block's pages (pages.h). */
#include "base/pages.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux's, for older C libraries' headers */
#endif

/* Below this a block is a few pages at most: not worth a system call. */
#define POPULATE_MIN ((size_t)1 << 18)

void flo_pages_populate(void *p, size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	if (n < POPULATE_MIN || page <= 0)
		return;
	uintptr_t from = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t to = ((uintptr_t)p + n) & ~((uintptr_t)page - 1);
	if (to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
}
