/* record.h: line-delimited records in and out (CSV, TSV, JSON Lines).
 *
 * Ownership: a reader owns every byte it hands out.  The fields of a record
 * (names and values) stay valid until the next flo_reader_next() call; keep a
 * copy of anything needed longer.  The writer copies what it is given.
 *
 * The hot path allocates nothing per record: the reader parses in a large
 * input buffer; values that need unescaping (quoted CSV, JSON escapes, TSV
 * backslashes) are decoded into one scratch buffer reused for every record. */
#ifndef FLO_RECORD_H
#define FLO_RECORD_H

#include <stddef.h>

enum flo_format { FLO_FMT_AUTO = 0, FLO_FMT_CSV, FLO_FMT_TSV, FLO_FMT_JSONL };

/* How a value was written, so that a JSON value passes through as JSON. */
enum flo_kind {
	FLO_KIND_STR = 0, /* text (every CSV/TSV value; JSON strings) */
	FLO_KIND_NUM,     /* a JSON number, raw text */
	FLO_KIND_BOOL,    /* JSON true/false, raw text */
	FLO_KIND_NULL,    /* JSON null (len 0) */
};

struct flo_field {
	const char *name;
	size_t name_len;
	const char *val;
	size_t len;
	enum flo_kind kind;
};

/* A field looked up by name; `slot` caches where it was last found, so a
 * lookup in JSON records with a stable key order is one comparison, and in
 * CSV or TSV, whose fields stay where the header put them, none: `reader`
 * names the reader whose header the slot was found in. */
struct flo_col {
	const char *name;
	int slot;
	size_t len;           /* strlen(name), once known */
	unsigned long reader; /* serial of that reader, 0 for none */
};
#define FLO_COL(n) ((struct flo_col){(n), -1, 0, 0})

/* Parse a format name ("csv", "tsv", "jsonl" or "json"); FLO_EUSAGE if none. */
int flo_format_parse(const char *name, enum flo_format *fmt);
const char *flo_format_name(enum flo_format fmt);

/* Bytes of the well-formed UTF-8 character at s (1 to 4; no overlong forms,
 * surrogates or code points past U+10FFFF), avail bytes readable; 0 when
 * the bytes there are not UTF-8.  JSON text is UTF-8 (RFC 8259, section
 * 8.1): the reader refuses a JSON Lines string that is not, and the writer
 * a value it cannot write as JSON; CSV and TSV pass any bytes through. */
size_t flo_utf8_char(const char *s, size_t avail);

/* A record written as JSON must be UTF-8 text: checks the names and text
 * values of f[0..n) and returns 1, with what is wrong in msg, when one is
 * not.  A tool that writes JSON Lines refuses such a record as it reads it
 * (with its line), for a batch tool may not fail once it writes. */
int flo_not_utf8(const struct flo_field *f, size_t n, char *msg, size_t size);

#endif
