/* test_pages.c: flo_pages_populate() (lib/base/pages.c) maps a block's
 * pages and leaves what it holds as it was: a fresh calloc() block still
 * reads zero, written bytes keep their values, at any alignment and size,
 * and a block too small to bother with is left alone. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/pages.h"

int main(void)
{
	const size_t n = (size_t)3 << 20; /* past glibc's mmap threshold: a fresh mapping */
	unsigned char *z = calloc(n, 1);
	CHECK(z != NULL);
	if (z != NULL) {
		flo_pages_populate(z, n);
		size_t nonzero = 0;
		for (size_t i = 0; i < n; i++)
			nonzero += z[i] != 0;
		CHECK(nonzero == 0);
		free(z);
	}
	unsigned char *b = malloc(n + 3);
	CHECK(b != NULL);
	if (b != NULL) {
		for (size_t i = 0; i < n + 3; i++)
			b[i] = (unsigned char)(i * 131 + 7);
		flo_pages_populate(b + 3, n); /* not page aligned at either end */
		flo_pages_populate(b, 100);    /* small: nothing asked */
		flo_pages_populate(b, 0);
		size_t changed = 0;
		for (size_t i = 0; i < n + 3; i++)
			changed += b[i] != (unsigned char)(i * 131 + 7);
		CHECK(changed == 0);
		free(b);
	}
	return check_report();
}
