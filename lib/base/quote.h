/* quote.h: a field's text as a message quotes it. */
#ifndef FLO_QUOTE_H
#define FLO_QUOTE_H

#include <stddef.h>

/* At most 60 bytes of s, then "...", control bytes shown as \xNN.  Returns
 * a static buffer: one quote per message, used before the next call. */
const char *flo_quote(const char *s, size_t len);

#endif
