/* fuzz_util.c: file descriptors over memory for the reader harnesses. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Memory files are reused, emptied, from one input to the next: creating
 * three per input cost more system time than the reading itself. */
static int pool[3] = {-1, -1, -1};
static int next_out;

static int fresh(int slot)
{
	if (pool[slot] < 0) {
		pool[slot] = memfd_create("fuzz", MFD_CLOEXEC);
		FUZZ_CHECK(pool[slot] >= 0);
	}
	FUZZ_CHECK(ftruncate(pool[slot], 0) == 0);
	FUZZ_CHECK(lseek(pool[slot], 0, SEEK_SET) == 0);
	return pool[slot];
}

int fuzz_out_fd(void)
{
	int fd = fresh(1 + next_out);
	next_out = !next_out;
	return fd;
}

int fuzz_fd(const void *data, size_t size)
{
	int fd = fresh(0);
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		FUZZ_CHECK(n > 0);
		p += n;
		size -= (size_t)n;
	}
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

char *fuzz_slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	FUZZ_CHECK(end >= 0);
	char *buf = malloc((size_t)end + 1);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(pread(fd, buf, (size_t)end, 0) == end);
	buf[end] = '\0';
	*len = (size_t)end;
	return buf;
}
