/* kept.c: packed per-customer field values. */
#include "rfm/kept.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

size_t flo_kept_size(const struct flo_field *vals, size_t n)
{
	size_t size = 0;
	for (size_t i = 0; i < n; i++)
		size += 5 + vals[i].len;
	return size;
}

int flo_kept_pack(unsigned char **blob, const struct flo_field *vals, size_t n)
{
	size_t size = flo_kept_size(vals, n);
	unsigned char *b = realloc(*blob, size ? size : 1);
	if (b == NULL)
		return FLO_ENOMEM;
	unsigned char *p = b;
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)vals[i].len;
		*p++ = (unsigned char)vals[i].kind;
		memcpy(p, &len, 4);
		memcpy(p + 4, vals[i].val, len);
		p += 4 + len;
	}
	*blob = b;
	return FLO_OK;
}

void flo_kept_unpack(const unsigned char *blob, struct flo_field *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (blob == NULL) {
			out[i].val = "";
			out[i].len = 0;
			out[i].kind = FLO_KIND_NULL;
			continue;
		}
		uint32_t len;
		out[i].kind = (enum flo_kind)blob[0];
		memcpy(&len, blob + 1, 4);
		out[i].val = (const char *)blob + 5;
		out[i].len = len;
		blob += 5 + len;
	}
}

int flo_kept_well_formed(const unsigned char *p, size_t len, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t flen;
		if (len < 5 || p[0] > FLO_KIND_NULL)
			return 0;
		memcpy(&flen, p + 1, 4);
		if (len - 5 < flen)
			return 0;
		p += 5 + flen;
		len -= 5 + (size_t)flen;
	}
	return len == 0;
}
