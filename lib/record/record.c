/* record.c: what readers and writers share: format names and UTF-8. */
#include "record/record.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/quote.h"

int flo_format_parse(const char *name, enum flo_format *fmt)
{
	if (strcmp(name, "csv") == 0)
		*fmt = FLO_FMT_CSV;
	else if (strcmp(name, "tsv") == 0)
		*fmt = FLO_FMT_TSV;
	else if (strcmp(name, "jsonl") == 0 || strcmp(name, "json") == 0 ||
		 strcmp(name, "ndjson") == 0)
		*fmt = FLO_FMT_JSONL;
	else if (strcmp(name, "auto") == 0)
		*fmt = FLO_FMT_AUTO;
	else
		return FLO_EUSAGE;
	return FLO_OK;
}

const char *flo_format_name(enum flo_format fmt)
{
	switch (fmt) {
	case FLO_FMT_CSV: return "csv";
	case FLO_FMT_TSV: return "tsv";
	case FLO_FMT_JSONL: return "jsonl";
	default: return "auto";
	}
}

size_t flo_utf8_char(const char *s, size_t avail)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;
	if (avail == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xC2 && u[0] <= 0xDF)
		n = 2;
	else if (u[0] >= 0xE0 && u[0] <= 0xEF)
		n = 3;
	else if (u[0] >= 0xF0 && u[0] <= 0xF4)
		n = 4;
	else
		return 0;
	/* The second byte's range rules out the overlong, surrogate and
	 * too-large forms (Unicode, table 3-7). */
	if (u[0] == 0xE0)
		lo = 0xA0;
	else if (u[0] == 0xED)
		hi = 0x9F;
	else if (u[0] == 0xF0)
		lo = 0x90;
	else if (u[0] == 0xF4)
		hi = 0x8F;
	if (avail < n || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (u[i] < 0x80 || u[i] > 0xBF)
			return 0;
	return n;
}

int flo_not_utf8(const struct flo_field *f, size_t n, char *msg, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		const char *texts[2] = {f[i].name, f[i].val};
		size_t lens[2] = {f[i].name_len, f[i].kind == FLO_KIND_STR ? f[i].len : 0};
		for (int t = 0; t < 2; t++)
			for (size_t k = 0, c; k < lens[t]; k += c)
				if ((c = flo_utf8_char(texts[t] + k, lens[t] - k)) == 0) {
					snprintf(msg, size,
						 "field %s\"%s\" is not UTF-8 text (byte 0x%02x): "
						 "JSON output needs UTF-8; write CSV or TSV (-o csv) "
						 "to pass any bytes through",
						 t == 0 ? "name " : "",
						 flo_quote(f[i].name, f[i].name_len),
						 (unsigned char)texts[t][k]);
					return 1;
				}
	}
	return 0;
}
