/* quote.c: a field's text as a message quotes it. */
#include "base/quote.h"

#include <stdio.h>
#include <string.h>

const char *flo_quote(const char *s, size_t len)
{
	static char out[4 * 60 + 8];
	size_t o = 0;
	size_t n = len > 60 ? 60 : len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (len > n)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
	return out;
}
