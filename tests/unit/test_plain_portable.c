/* test_plain_portable.c: test_plain.c with plain.h's portable path, eight
 * bytes at a time, the one machines without SSE2 take. */
#define FLO_PLAIN_PORTABLE 1
#include "test_plain.c"
