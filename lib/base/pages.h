/* pages.h: the pages of a fresh allocation mapped up front.
 *
 * A large malloc() or calloc() block is a fresh mapping whose pages the
 * kernel supplies one fault at a time as they are touched.  A page that is
 * read before it is written (a hash table's empty slots, probed first) is
 * mapped to the shared zero page and then replaced at the first write,
 * and the replacement stops every other thread of the process to flush its
 * TLB.  Asking for the pages in one call (MADV_POPULATE_WRITE, Linux 5.14)
 * spares the faults and those stops; the contents are unchanged. */
#ifndef FLO_PAGES_H
#define FLO_PAGES_H

#include <stddef.h>

/* The whole pages within [p, p + n) mapped writable, where the kernel can;
 * else nothing (the pages then come by faults, as before). */
void flo_pages_populate(void *p, size_t n);

#endif
