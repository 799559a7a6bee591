/* reader.c: the record reader (CSV per RFC 4180, TSV, JSON Lines).
 *
 * Input is read with read(2) into one large buffer.  A record is first
 * delimited (its end found without touching it), then split into fields; the
 * raw bytes are never modified, so a rejected record can be kept verbatim.
 * Values that need decoding go to a scratch buffer as long as the record. */
#include "record/reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/idmap.h"
#include "base/quote.h"
#include "record/plain.h"

/* 1 MiB reads amortise the system call and let a streaming tool's work per
 * record dominate; buffers grow (doubling) for longer records up to the
 * limit, so a pathological 100 MB line is still read, not truncated. */
#define READ_CHUNK ((size_t)1 << 20)
#define RECORD_MAX ((size_t)1 << 30)

enum csv_state { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_SEEN };

struct flo_reader {
	int fd;
	enum flo_format fmt;
	char *buf;
	size_t cap, beg, end; /* unread data is buf[beg, end) */
	int eof, started;
	int fatal; /* an error after which no record can be read, or 0 */
	size_t scan;          /* where the end-of-record search resumes, from beg */
	enum csv_state state; /* CSV scanner state at scan */

	long next_line; /* line number at beg */
	long line;      /* line of the current record */
	const char *raw;
	size_t raw_len;
	int plain; /* the current record came from plain_record() */

	char *scratch;
	size_t scratch_cap, scratch_len;
	struct flo_field *fields;
	size_t nfields, fields_cap;
	uint32_t *slots; /* repeated_name()'s hash table of names */
	size_t slots_cap;

	struct flo_field *header;
	size_t nheader;
	const char **ends; /* nheader field ends, for plain_record() */
	char *header_text;     /* names, decoded */
	char *raw_header;
	size_t raw_header_len;

	/* Several inputs read one after the other (flo_reader_add_input()):
	 * each CSV or TSV file has its header, which must repeat the first's. */
	struct reader_input {
		int fd;
		const char *name;
	} *inputs;
	size_t ninputs, cur; /* cur: the input read now (0 before any is added) */
	const char *first_name; /* the first input's name (flo_reader_name_input()) */
	int want_header;        /* the next CSV/TSV line is a later file's header */
	int headerless;         /* the names came from flo_reader_set_fields() */

	void (*on_refill)(void *ctx);
	void *refill_ctx;
	unsigned long serial; /* this reader among all (struct flo_col) */
	char errmsg[512];
};

int flo_reader_new(flo_reader **out, int fd, enum flo_format fmt)
{
	flo_reader *r = calloc(1, sizeof *r);
	if (r == NULL)
		return FLO_ENOMEM;
	static atomic_ulong readers;
	r->serial = atomic_fetch_add(&readers, 1) + 1;
	r->fd = fd;
	r->fmt = fmt;
	r->cap = READ_CHUNK;
	r->buf = malloc(r->cap);
	r->next_line = 1;
	if (r->buf == NULL) {
		free(r);
		return FLO_ENOMEM;
	}
	*out = r;
	return FLO_OK;
}

void flo_reader_free(flo_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r->scratch);
	free(r->fields);
	free(r->slots);
	free(r->header);
	free(r->ends);
	free(r->header_text);
	free(r->raw_header);
	free(r->inputs);
	free(r);
}

void flo_reader_name_input(flo_reader *r, const char *name)
{
	r->first_name = name;
}

int flo_reader_add_input(flo_reader *r, int fd, const char *name)
{
	struct reader_input *in = realloc(r->inputs, (r->ninputs + 1) * sizeof *in);
	if (in == NULL)
		return FLO_ENOMEM;
	r->inputs = in;
	r->inputs[r->ninputs++] = (struct reader_input){fd, name};
	return FLO_OK;
}

const char *flo_reader_input_name(const flo_reader *r)
{
	return r->cur > 0 ? r->inputs[r->cur - 1].name : r->first_name;
}

int flo_reader_more_inputs(const flo_reader *r)
{
	return r->cur < r->ninputs;
}


void flo_reader_on_refill(flo_reader *r, void (*fn)(void *ctx), void *ctx)
{
	r->on_refill = fn;
	r->refill_ctx = ctx;
}

const char *flo_reader_errmsg(const flo_reader *r) { return r->errmsg; }
int flo_reader_fatal(const flo_reader *r) { return r->fatal; }
enum flo_format flo_reader_format(const flo_reader *r) { return r->fmt; }
long flo_reader_line(const flo_reader *r) { return r->line; }

const struct flo_field *flo_reader_fields(const flo_reader *r, size_t *n)
{
	*n = r->nfields;
	return r->fields;
}

const struct flo_field *flo_reader_header(const flo_reader *r, size_t *n)
{
	*n = r->nheader;
	return r->header;
}

const char *flo_reader_raw(const flo_reader *r, size_t *len)
{
	*len = r->raw_len;
	return r->raw;
}

const char *flo_reader_plain_text(const flo_reader *r, size_t *len)
{
	if (!r->plain)
		return NULL;
	size_t n = r->raw_len;
	if (n > 0 && r->raw[n - 1] == '\r')
		n--;
	/* A writer quotes (CSV) or escapes (TSV) a carriage return. */
	if (memchr(r->raw, '\r', n) != NULL)
		return NULL;
	*len = n;
	return r->raw;
}

const char *flo_reader_raw_header(const flo_reader *r, size_t *len)
{
	*len = r->raw_header_len;
	return r->headerless ? NULL : r->raw_header;
}

int flo_reader_fd(const flo_reader *r)
{
	return r->fd;
}

const char *flo_reader_unread(const flo_reader *r, size_t *len, long *line, int *eof)
{
	*len = r->end - r->beg;
	*line = r->next_line;
	*eof = r->eof;
	return r->buf + r->beg;
}

int flo_reader_resume(flo_reader *r, const char *bytes, size_t len, long line, int eof)
{
	if (len + READ_CHUNK > r->cap) {
		/* bytes may be the reader's own: copied before the old buffer goes */
		char *grown = malloc(len + READ_CHUNK);
		if (grown == NULL)
			return FLO_ENOMEM;
		memcpy(grown, bytes, len);
		free(r->buf);
		r->buf = grown;
		r->cap = len + READ_CHUNK;
	} else {
		memmove(r->buf, bytes, len);
	}
	r->beg = r->scan = 0;
	r->end = len;
	r->state = CSV_FIELD_START;
	r->next_line = line;
	r->eof = eof;
	r->nfields = 0;
	return FLO_OK;
}

static int name_is(const struct flo_field *f, const char *name, size_t len)
{
	return f->name_len == len && memcmp(f->name, name, len) == 0;
}

const struct flo_field *flo_reader_get(const flo_reader *r, struct flo_col *col)
{
	/* A CSV or TSV record has every field of the header, in its order. */
	if (col->reader == r->serial && (size_t)col->slot < r->nfields)
		return &r->fields[col->slot];
	if (col->slot < 0)
		col->len = strlen(col->name);
	size_t len = col->len;
	if (col->slot >= 0 && (size_t)col->slot < r->nfields &&
	    name_is(&r->fields[col->slot], col->name, len))
		return &r->fields[col->slot];
	for (size_t i = 0; i < r->nfields; i++)
		if (name_is(&r->fields[i], col->name, len)) {
			col->slot = (int)i;
			col->reader = r->header != NULL ? r->serial : 0;
			return &r->fields[i];
		}
	return NULL;
}

static int fail(flo_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(flo_reader *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
	va_end(ap);
	return -err;
}

/* ---- buffer ---- */

/* Make room and read more; 0 at end of input, 1 when bytes arrived. */
static int refill(flo_reader *r)
{
	if (r->eof)
		return 0;
	if (r->beg > 0) {
		memmove(r->buf, r->buf + r->beg, r->end - r->beg);
		r->end -= r->beg;
		r->beg = 0;
	}
	if (r->cap - r->end < READ_CHUNK / 4) {
		if (r->cap >= RECORD_MAX) {
			r->fatal = FLO_ETOOLONG;
			return fail(r, FLO_ETOOLONG, "record longer than %zu MiB",
				    RECORD_MAX >> 20);
		}
		char *grown = realloc(r->buf, r->cap * 2);
		if (grown == NULL) {
			r->fatal = FLO_ENOMEM;
			return fail(r, FLO_ENOMEM, "out of memory for a record of %zu bytes",
				    r->end);
		}
		r->buf = grown;
		r->cap *= 2;
	}
	if (r->on_refill)
		r->on_refill(r->refill_ctx);
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n > 0) {
			r->end += (size_t)n;
			return 1;
		}
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		if (errno != EINTR) {
			r->fatal = FLO_EIO;
			return fail(r, FLO_EIO, "read error: %s", strerror(errno));
		}
	}
}

/* ---- finding the end of a record ---- */

/* Offset (from beg) of the newline ending the record, or -1 if the buffer
 * holds only part of it.  Outside CSV a newline always ends a record. */
static long find_record_end(flo_reader *r)
{
	const char *base = r->buf + r->beg;
	size_t avail = r->end - r->beg;
	if (r->fmt != FLO_FMT_CSV) {
		const char *nl = memchr(base + r->scan, '\n', avail - r->scan);
		if (nl == NULL) {
			r->scan = avail;
			return -1;
		}
		return nl - base;
	}
	/* CSV fast path: a line without quotes is a whole record. */
	if (r->scan == 0) {
		const char *nl = memchr(base, '\n', avail);
		if (nl != NULL && memchr(base, '"', (size_t)(nl - base)) == NULL)
			return nl - base;
	}
	/* A quote opens a quoted field only at the start of a field; a quote
	 * inside an unquoted field is a literal character. */
	enum csv_state st = r->state;
	for (size_t i = r->scan; i < avail; i++) {
		char c = base[i];
		switch (st) {
		case CSV_FIELD_START:
			if (c == '"')
				st = CSV_QUOTED;
			else if (c == '\n')
				return (long)i;
			else if (c != ',')
				st = CSV_UNQUOTED;
			break;
		case CSV_UNQUOTED:
			if (c == ',')
				st = CSV_FIELD_START;
			else if (c == '\n')
				return (long)i;
			break;
		case CSV_QUOTED:
			if (c == '"')
				st = CSV_QUOTE_SEEN;
			break;
		case CSV_QUOTE_SEEN:
			if (c == '"')
				st = CSV_QUOTED;
			else if (c == ',')
				st = CSV_FIELD_START;
			else if (c == '\n')
				return (long)i;
			else
				st = CSV_UNQUOTED; /* the field parser reports it */
			break;
		}
	}
	r->scan = avail;
	r->state = st;
	return -1;
}

/* ---- splitting ---- */

/* After push_field() failed: its error, worded. */
static int push_failed(flo_reader *r)
{
	if (r->nfields == FLO_FIELDS_MAX)
		return fail(r, FLO_ESYNTAX, "more than %zu fields in one record (flo's limit)",
			    (size_t)FLO_FIELDS_MAX);
	return fail(r, FLO_ENOMEM, "out of memory");
}

static int push_field(flo_reader *r, const char *name, size_t name_len,
		      const char *val, size_t len, enum flo_kind kind)
{
	if (r->nfields == r->fields_cap) {
		if (r->nfields == FLO_FIELDS_MAX)
			return FLO_ESYNTAX;
		size_t cap = r->fields_cap ? r->fields_cap * 2 : 32;
		struct flo_field *f = realloc(r->fields, cap * sizeof *f);
		if (f == NULL)
			return FLO_ENOMEM;
		r->fields = f;
		r->fields_cap = cap;
	}
	r->fields[r->nfields++] = (struct flo_field){name, name_len, val, len, kind};
	return FLO_OK;
}

static int ensure_scratch(flo_reader *r, size_t need)
{
	r->scratch_len = 0;
	if (need <= r->scratch_cap)
		return FLO_OK;
	char *s = realloc(r->scratch, need);
	if (s == NULL)
		return FLO_ENOMEM;
	r->scratch = s;
	r->scratch_cap = need;
	return FLO_OK;
}

static const char *field_name(const flo_reader *r, size_t i, size_t *len)
{
	if (i < r->nheader) {
		*len = r->header[i].name_len;
		return r->header[i].name;
	}
	*len = 0;
	return "";
}

static int split_csv(flo_reader *r, const char *p, const char *e)
{
	for (;;) {
		size_t idx = r->nfields, nlen;
		const char *name = field_name(r, idx, &nlen);
		if (p < e && *p == '"') {
			char *out = r->scratch + r->scratch_len, *o = out;
			p++;
			for (;;) {
				const char *q = memchr(p, '"', (size_t)(e - p));
				if (q == NULL)
					return fail(r, FLO_ESYNTAX,
						    "field %zu: unterminated quoted field",
						    idx + 1);
				memcpy(o, p, (size_t)(q - p));
				o += q - p;
				p = q + 1;
				if (p < e && *p == '"') {
					*o++ = '"';
					p++;
					continue;
				}
				break;
			}
			r->scratch_len += (size_t)(o - out);
			if (push_field(r, name, nlen, out, (size_t)(o - out), FLO_KIND_STR))
				return push_failed(r);
			if (p == e)
				return FLO_OK;
			if (*p != ',')
				return fail(r, FLO_ESYNTAX,
					    "field %zu: text after the closing quote",
					    idx + 1);
			p++;
		} else {
			const char *d = memchr(p, ',', (size_t)(e - p));
			const char *fe = d ? d : e;
			if (push_field(r, name, nlen, p, (size_t)(fe - p), FLO_KIND_STR))
				return push_failed(r);
			if (d == NULL)
				return FLO_OK;
			p = d + 1;
		}
	}
}

/* TSV escapes (\t \n \r \\) let a value hold what would end the field or the
 * record; any other backslash is an ordinary character. */
static size_t tsv_unescape(char *out, const char *p, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\' && i + 1 < len) {
			char c = p[i + 1];
			char d = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r'
				 : c == '\\' ? '\\' : 0;
			if (d) {
				out[o++] = d;
				i++;
				continue;
			}
		}
		out[o++] = p[i];
	}
	return o;
}

static int split_tsv(flo_reader *r, const char *p, const char *e)
{
	for (;;) {
		size_t nlen;
		const char *name = field_name(r, r->nfields, &nlen);
		const char *d = memchr(p, '\t', (size_t)(e - p));
		const char *fe = d ? d : e;
		const char *val = p;
		size_t len = (size_t)(fe - p);
		if (memchr(p, '\\', len) != NULL) {
			char *out = r->scratch + r->scratch_len;
			len = tsv_unescape(out, p, len);
			r->scratch_len += len;
			val = out;
		}
		if (push_field(r, name, nlen, val, len, FLO_KIND_STR))
			return push_failed(r);
		if (d == NULL)
			return FLO_OK;
		p = d + 1;
	}
}

/* ---- JSON Lines ---- */

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static int hex4(const char *p, const char *e, unsigned *v)
{
	if (e - p < 4)
		return -1;
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
		if (d == 16)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A JSON string starting after its opening quote.  A string without
 * escapes is returned in place; otherwise it is decoded into the scratch
 * buffer (never longer than its escaped form: \uXXXX is 6 bytes for at most
 * 3, a surrogate pair 12 for 4). */
static int json_string(flo_reader *r, const char **pp, const char *e,
		       const char **val, size_t *len)
{
	const char *p = *pp, *start = p;
	while (p < e && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
	       (unsigned char)*p < 0x80)
		p++;
	if (p < e && *p == '"') {
		*val = start;
		*len = (size_t)(p - start);
		*pp = p + 1;
		return FLO_OK;
	}
	char *out = r->scratch + r->scratch_len, *o = out;
	memcpy(o, start, (size_t)(p - start));
	o += p - start;
	while (p < e && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20)
			return fail(r, FLO_ESYNTAX, "control character in a JSON string");
		if (c >= 0x80) {
			size_t n = flo_utf8_char(p, (size_t)(e - p));
			if (n == 0)
				return fail(r, FLO_ESYNTAX,
					    "invalid UTF-8 in a JSON string (byte 0x%02X at byte %zu "
					    "of the line)", c, (size_t)(p - r->raw));
			memcpy(o, p, n);
			o += n, p += n;
			continue;
		}
		if (c != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= e)
			break;
		switch (*p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, e, &cp))
				return fail(r, FLO_ESYNTAX, "bad \\u escape in a JSON string");
			p += 4;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail(r, FLO_ESYNTAX, "lone low surrogate \\u%04X", cp);
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4(p + 2, e, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return fail(r, FLO_ESYNTAX,
						    "high surrogate \\u%04X without its pair", cp);
				p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			o += put_utf8(o, cp);
			break;
		}
		default:
			return fail(r, FLO_ESYNTAX, "bad escape \\%c in a JSON string", p[-1]);
		}
	}
	if (p >= e)
		return fail(r, FLO_ESYNTAX, "unterminated JSON string");
	*pp = p + 1;
	*val = out;
	*len = (size_t)(o - out);
	r->scratch_len += *len;
	return FLO_OK;
}

/* Length of a JSON number at p (RFC 8259 grammar), 0 if there is none. */
static size_t json_number_len(const char *p, const char *e)
{
	const char *s = p;
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if (p < e && *p >= '1' && *p <= '9')
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (p < e && *p == '.') {
		const char *d = ++p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return 0;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		const char *d = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return 0;
	}
	return (size_t)(p - s);
}

/* 01 or 0x10: a number followed by more number-like text is no number. */
static int number_glued(const char *p, const char *e)
{
	return p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			 (*p >= 'A' && *p <= 'Z') || *p == '.' || *p == '+' || *p == '-');
}

static int literal(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - p) >= n && memcmp(p, word, n) == 0;
}

/* The first of the names of f[0..n) that repeats an earlier one, or n.  A
 * record of a few dozen fields compares each pair, which costs less than
 * hashing; a wider one (a header of a million columns) goes through a hash
 * table of the names, in linear expected time.  -1 when out of memory. */
#define FEW_NAMES 32

static ptrdiff_t repeated_name(flo_reader *r, const struct flo_field *f, size_t n)
{
	if (n <= FEW_NAMES) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (name_is(&f[j], f[i].name, f[i].name_len))
					return (ptrdiff_t)i;
		return (ptrdiff_t)n;
	}
	size_t size = 2 * FEW_NAMES;
	while (size < 2 * n)
		size *= 2;
	if (size > r->slots_cap) {
		uint32_t *s = realloc(r->slots, size * sizeof *s);
		if (s == NULL)
			return -1;
		r->slots = s;
		r->slots_cap = size;
	}
	memset(r->slots, 0xff, size * sizeof *r->slots); /* every slot empty */
	for (size_t i = 0; i < n; i++) {
		size_t h = (size_t)flo_hash(f[i].name, f[i].name_len) & (size - 1);
		for (; r->slots[h] != UINT32_MAX; h = (h + 1) & (size - 1))
			if (name_is(&f[r->slots[h]], f[i].name, f[i].name_len))
				return (ptrdiff_t)i;
		r->slots[h] = (uint32_t)i;
	}
	return (ptrdiff_t)n;
}

/* A name given twice in one object is refused, as a CSV header's is: which
 * of the two values a tool would use is anyone's guess. */
static int unique_names(flo_reader *r)
{
	ptrdiff_t i = repeated_name(r, r->fields, r->nfields);
	if (i < 0)
		return fail(r, FLO_ENOMEM, "out of memory");
	if ((size_t)i == r->nfields)
		return FLO_OK;
	const struct flo_field *f = &r->fields[i];
	return fail(r, FLO_ESYNTAX, "field \"%.*s\" appears twice in the JSON object",
		    (int)(f->name_len > 60 ? 60 : f->name_len), f->name);
}

static int split_json(flo_reader *r, const char *p, const char *e)
{
	p = skip_ws(p, e);
	if (p >= e || *p != '{')
		return fail(r, FLO_ESYNTAX, "not a JSON object");
	p = skip_ws(p + 1, e);
	if (p < e && *p == '}') {
		p = skip_ws(p + 1, e);
		return p == e ? FLO_OK : fail(r, FLO_ESYNTAX, "text after the JSON object");
	}
	for (;;) {
		const char *name, *val;
		size_t nlen, len;
		enum flo_kind kind = FLO_KIND_STR;
		if (p >= e || *p != '"')
			return fail(r, FLO_ESYNTAX, "expected a field name in quotes");
		p++;
		int err = json_string(r, &p, e, &name, &nlen);
		if (err)
			return err;
		p = skip_ws(p, e);
		if (p >= e || *p != ':')
			return fail(r, FLO_ESYNTAX, "expected ':' after field name \"%.*s\"",
				    (int)nlen, name);
		p = skip_ws(p + 1, e);
		if (p >= e)
			return fail(r, FLO_ESYNTAX, "truncated JSON object");
		if (*p == '"') {
			p++;
			if ((err = json_string(r, &p, e, &val, &len)) != FLO_OK)
				return err;
		} else if (*p == '{' || *p == '[') {
			return fail(r, FLO_ESYNTAX,
				    "field \"%.*s\" holds a nested %s; flo reads flat objects",
				    (int)nlen, name, *p == '{' ? "object" : "array");
		} else if (literal(p, e, "null")) {
			val = p, len = 0, kind = FLO_KIND_NULL, p += 4;
		} else if (literal(p, e, "true") || literal(p, e, "false")) {
			val = p, len = *p == 't' ? 4 : 5, kind = FLO_KIND_BOOL, p += len;
		} else if ((len = json_number_len(p, e)) > 0 && !number_glued(p + len, e)) {
			val = p, kind = FLO_KIND_NUM, p += len;
		} else {
			return fail(r, FLO_ESYNTAX, "field \"%.*s\" has no valid JSON value",
				    (int)nlen, name);
		}
		if (push_field(r, name, nlen, val, len, kind))
			return push_failed(r);
		p = skip_ws(p, e);
		if (p < e && *p == ',') {
			p = skip_ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}') {
			p = skip_ws(p + 1, e);
			if (p != e)
				return fail(r, FLO_ESYNTAX, "text after the JSON object");
			return unique_names(r);
		}
		return fail(r, FLO_ESYNTAX, p < e ? "expected ',' or '}' in a JSON object"
						  : "truncated JSON object");
	}
}

/* ---- the header ---- */

static int take_header(flo_reader *r)
{
	size_t total = 0;
	for (size_t i = 0; i < r->nfields; i++)
		total += r->fields[i].len + 1;
	r->header_text = malloc(total ? total : 1);
	r->header = malloc((r->nfields ? r->nfields : 1) * sizeof *r->header);
	r->ends = malloc((r->nfields ? r->nfields : 1) * sizeof *r->ends);
	r->raw_header = malloc(r->raw_len ? r->raw_len : 1);
	if (!r->header_text || !r->header || !r->ends || !r->raw_header)
		return fail(r, FLO_ENOMEM, "out of memory");
	memcpy(r->raw_header, r->raw, r->raw_len);
	r->raw_header_len = r->raw_len;
	char *t = r->header_text;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct flo_field *f = &r->fields[i];
		memcpy(t, f->val, f->len);
		t[f->len] = '\0';
		r->header[i] = (struct flo_field){t, f->len, NULL, 0, FLO_KIND_STR};
		t += f->len + 1;
	}
	ptrdiff_t twice = repeated_name(r, r->header, r->nfields);
	if (twice < 0)
		return fail(r, FLO_ENOMEM, "out of memory");
	if ((size_t)twice < r->nfields)
		return fail(r, FLO_ESYNTAX, "duplicate column \"%s\" in the header",
			    r->header[twice].name);
	r->nheader = r->nfields;
	return FLO_OK;
}

/* ---- the record loop ---- */

/* The format from the first bytes; FLO_ESYNTAX (fatal, with words) for a
 * JSON array of objects ("[" then "{" or "]"), which read as CSV would give
 * a header of "[{..." and nonsense. */
static int detect_format(flo_reader *r)
{
	const char *p = r->buf + r->beg, *e = r->buf + r->end;
	p = skip_ws(p, e);
	if (p < e && *p == '{') {
		r->fmt = FLO_FMT_JSONL;
		return FLO_OK;
	}
	if (p < e && *p == '[') {
		const char *q = skip_ws(p + 1, e);
		if (q < e && (*q == '{' || *q == ']')) {
			r->fatal = FLO_ESYNTAX;
			r->line = r->next_line;
			return fail(r, FLO_ESYNTAX,
				    "the input is a JSON array; flo reads JSON Lines, one "
				    "object a line (jq -c '.[]' turns one into the other)");
		}
	}
	const char *nl = memchr(p, '\n', (size_t)(e - p));
	size_t n = (size_t)((nl ? nl : e) - p), tabs = 0, commas = 0;
	for (size_t i = 0; i < n; i++)
		tabs += p[i] == '\t', commas += p[i] == ',';
	r->fmt = tabs > commas ? FLO_FMT_TSV : FLO_FMT_CSV;
	return FLO_OK;
}

static int start(flo_reader *r)
{
	/* Enough bytes to see a BOM and the first line. */
	while (!r->eof && r->end - r->beg < 4096 &&
	       memchr(r->buf + r->beg, '\n', r->end - r->beg) == NULL) {
		int got = refill(r);
		if (got < 0)
			return got;
	}
	if (r->end - r->beg >= 3 && memcmp(r->buf + r->beg, "\xEF\xBB\xBF", 3) == 0)
		r->beg += 3;
	if (r->fmt == FLO_FMT_AUTO) {
		int err = detect_format(r);
		if (err < 0)
			return err;
	}
	if (r->headerless && r->fmt == FLO_FMT_JSONL) {
		r->fatal = FLO_ESYNTAX;
		r->line = r->next_line;
		return fail(r, FLO_ESYNTAX, "the input is JSON Lines, whose records name their "
			    "fields: column names are for CSV or TSV without a header line");
	}
	r->started = 1;
	return 0;
}

static int is_blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static long count_newlines(const char *p, size_t n)
{
	long c = 0;
	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))) != NULL; q++)
		c++;
	return c;
}

/* The common record of CSV and TSV, a plain line (plain.h), split in one
 * pass over its bytes instead of finding its end, counting its newlines and
 * splitting it in three; 0 sends anything else (and a line not yet wholly
 * in the buffer) to the general path, which reads it from the start again. */
static int plain_record(flo_reader *r)
{
	const char *s = r->buf + r->beg, *e = r->buf + r->end;
	const int csv = r->fmt == FLO_FMT_CSV;
	const char *nl = flo_plain_line(s, e, csv ? ',' : '\t', csv ? '"' : '\\', r->nheader,
					r->ends);
	if (nl == NULL)
		return 0;
	for (size_t i = 0; i < r->nheader; i++) {
		size_t len;
		const char *f = flo_plain_field(s, r->ends, i, &len);
		r->fields[i] = (struct flo_field){r->header[i].name, r->header[i].name_len, f, len,
						  FLO_KIND_STR};
	}
	r->raw = s;
	r->raw_len = (size_t)(nl - s);
	r->line = r->next_line++;
	r->beg += (size_t)(nl - s) + 1;
	r->nfields = r->nheader;
	r->plain = 1;
	return 1;
}

/* At the end of an input, the next one (flo_reader_add_input()): 1 when
 * there is one, now read from its start, 0 when none is left, or an error. */
static int next_input(flo_reader *r)
{
	if (r->cur >= r->ninputs)
		return 0;
	r->fd = r->inputs[r->cur++].fd;
	r->beg = r->end = r->scan = 0;
	r->eof = 0;
	r->state = CSV_FIELD_START;
	r->next_line = 1;
	r->want_header = r->header != NULL && r->fmt != FLO_FMT_JSONL && !r->headerless;
	int err = start(r);
	return err < 0 ? err : 1;
}

/* The name of the input being read, for messages. */
static const char *input_label(const flo_reader *r)
{
	const char *name = flo_reader_input_name(r);
	return name != NULL ? name : "input";
}

static const char *first_label(const flo_reader *r)
{
	return r->first_name != NULL ? r->first_name : "input";
}

/* The current record, a later file's header: 0 when it names the first
 * file's fields in the same order (it is skipped), else a fatal error. */
static int later_header(flo_reader *r)
{
	r->want_header = 0;
	int same = r->nfields == r->nheader;
	for (size_t i = 0; same && i < r->nheader; i++)
		same = name_is(&r->header[i], r->fields[i].val, r->fields[i].len);
	if (same)
		return 0;
	r->fatal = FLO_ESYNTAX;
	return fail(r, FLO_ESYNTAX, "the header of %s differs from the header of %s: several "
		    "files are read as one input, so each must name the same fields in the "
		    "same order", input_label(r), first_label(r));
}

/* A CSV or TSV record that is the header line again: files joined with cat
 * (each with its header), a bad record that says what to do instead.  Its
 * values are compared with the header's names, not its bytes with the
 * header line's: a header written `"id",x` and a record `id,x` are the same
 * line to every tool, and what a writer makes of either (the same bytes)
 * must read back as it was read (the csv and tsv fuzz harnesses found a
 * record that passed here and was refused when written and read again). */
static int header_again(flo_reader *r)
{
	if (r->headerless || r->nfields != r->nheader)
		return 1;
	for (size_t i = 0; i < r->nheader; i++)
		if (!name_is(&r->header[i], r->fields[i].val, r->fields[i].len))
			return 1;
	return fail(r, FLO_ESYNTAX, "the header line again: files joined (cat a.csv b.csv)? "
		    "give them as arguments instead, each with its header");
}

int flo_reader_next(flo_reader *r)
{
	if (r->fatal)
		return -r->fatal;
	if (!r->started) {
		int err = start(r);
		if (err < 0)
			return err;
	}
	for (;;) {
		if (r->header != NULL && r->fmt != FLO_FMT_JSONL && r->scan == 0 &&
		    plain_record(r)) {
			if (!r->want_header)
				return header_again(r);
			int err = later_header(r);
			if (err < 0)
				return err;
			continue;
		}
		long end_off;
		while ((end_off = find_record_end(r)) < 0) {
			int got = refill(r);
			if (got < 0)
				return got;
			if (got == 0)
				break;
		}
		const char *s = r->buf + r->beg;
		size_t consumed, len;
		if (end_off >= 0) {
			len = (size_t)end_off;
			consumed = len + 1;
		} else {
			len = consumed = r->end - r->beg;
			if (len == 0) {
				int more = next_input(r);
				if (more > 0)
					continue;
				return more;
			}
			/* A quote left open runs to the end of the input: the
			 * last newline still ends the last line, not the record's
			 * text (else a rejects file gets it twice). */
			if (s[len - 1] == '\n')
				len--;
		}
		int unterminated_quote = end_off < 0 && r->fmt == FLO_FMT_CSV &&
					 (r->state == CSV_QUOTED);
		r->raw = s;
		r->raw_len = len;
		r->plain = 0;
		r->line = r->next_line;
		r->next_line += r->fmt == FLO_FMT_CSV ? count_newlines(s, consumed) : 1;
		if (end_off < 0 && r->fmt != FLO_FMT_CSV)
			r->next_line--; /* no newline was consumed */
		r->beg += consumed;
		r->scan = 0;
		r->state = CSV_FIELD_START;
		if (len > 0 && s[len - 1] == '\r' && r->fmt != FLO_FMT_JSONL)
			len--; /* CRLF; a CR inside quotes is not at the end */
		/* An empty line is no record.  In CSV and TSV a line of blanks
		 * is one (" " is a value, a tab separates two empty ones):
		 * skipping it would drop a record without a word. */
		if (r->fmt == FLO_FMT_JSONL ? is_blank_line(s, len) : len == 0)
			continue;
		r->nfields = 0;
		if (ensure_scratch(r, len + 1))
			return fail(r, FLO_ENOMEM, "out of memory");
		if (unterminated_quote)
			return fail(r, FLO_ESYNTAX, "unterminated quoted field at end of input");
		int err = r->fmt == FLO_FMT_CSV   ? split_csv(r, s, s + len)
			  : r->fmt == FLO_FMT_TSV ? split_tsv(r, s, s + len)
						  : split_json(r, s, s + len);
		if (r->fmt == FLO_FMT_JSONL)
			return err ? err : 1;
		if (r->want_header && r->header != NULL) {
			if ((err = err ? err : later_header(r)) < 0) {
				r->fatal = -err;
				return err;
			}
			continue;
		}
		if (err && r->header != NULL)
			return err;
		if (r->header == NULL) {
			/* Without a header no later record can be read: fatal. */
			if (err == FLO_OK)
				err = take_header(r);
			if (err) {
				r->fatal = -err;
				return err;
			}
			continue;
		}
		if (r->nfields != r->nheader) {
			char hint[FLO_SEPARATOR_HINT];
			return fail(r, FLO_ESYNTAX, "%zu fields, the header has %zu%s",
				    r->nfields, r->nheader,
				    flo_separator_hint(r->header, r->nheader, r->fmt, hint));
		}
		return header_again(r);
	}
}

const char *flo_separator_hint(const struct flo_field *h, size_t n, enum flo_format fmt,
			       char buf[FLO_SEPARATOR_HINT])
{
	const char *sep = NULL;
	buf[0] = '\0';
	if (fmt != FLO_FMT_CSV || n != 1)
		return buf;
	for (size_t i = 0; sep == NULL && i < h->name_len; i++)
		if (h->name[i] == ';' || h->name[i] == '|')
			sep = h->name[i] == ';' ? ";" : "|";
	if (sep != NULL)
		snprintf(buf, FLO_SEPARATOR_HINT,
			 ": the header is one field, \"%s\": flo reads CSV separated by "
			 "commas, TSV and JSON Lines; convert a file separated by '%s' first",
			 flo_quote(h->name, h->name_len), sep);
	return buf;
}

/* ---- the names given ---- */

int flo_reader_set_fields(flo_reader *r, const char *const *names, size_t n)
{
	if (r->header != NULL || r->started || n == 0)
		return FLO_EVALUE;
	r->nfields = 0;
	for (size_t i = 0; i < n; i++) {
		int err = push_field(r, "", 0, names[i], strlen(names[i]), FLO_KIND_STR);
		if (err != FLO_OK)
			return err;
	}
	r->raw = "";
	r->raw_len = 0;
	int err = take_header(r);
	r->nfields = 0;
	r->raw = NULL;
	if (err < 0)
		return -err;
	r->headerless = 1;
	return FLO_OK;
}
