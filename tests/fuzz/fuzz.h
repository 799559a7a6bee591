/* fuzz.h: what every harness shares.
 *
 * Each fuzz_*.c defines LLVMFuzzerTestOneInput(): libFuzzer calls it with
 * generated inputs (make fuzz), and replay.c calls it with the files of the
 * harness's corpus (the test suite's regression run, built without clang).
 * A broken property is an abort(), which both report as a failure. */
#ifndef FLO_FUZZ_H
#define FLO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(expr)                                                       \
	do {                                                                   \
		if (!(expr)) {                                                 \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, \
				__LINE__, #expr);                              \
			abort();                                               \
		}                                                              \
	} while (0)

/* A file descriptor reading `size` bytes of data from the start (a memfd, so
 * the reader sees a regular file as it would on disk).  Valid until the
 * next call; not to be closed. */
int fuzz_fd(const void *data, size_t size);

/* An empty memfd to write to (two in turn: each valid until the next call
 * but one; not to be closed), and what was written to it (malloc'd, with a
 * NUL after *len bytes). */
int fuzz_out_fd(void);
char *fuzz_slurp(int fd, size_t *len);

#endif
