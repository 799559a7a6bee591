/* writer.c: the record writer.
 *
 * A record is built in its own buffer, then appended to a 1 MiB output
 * buffer written with write(2): one system call per megabyte in batch use,
 * and flo_writer_flush() (called by the tools when their input would block)
 * for records that must not wait. */
#include "record/writer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/num.h"

#define OUT_BUFSZ ((size_t)1 << 20)

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

struct flo_writer {
	int fd;
	enum flo_format fmt;
	struct buf out, rec;
	size_t nfields;
	/* CSV/TSV: the header, taken from the first record. */
	struct buf names;     /* the names, each followed by NUL */
	size_t *name_off, *name_len;
	size_t nnames, names_cap;
	int have_header, mismatch;
	int raw_misused;       /* flo_writer_raw() where it cannot be */
	int not_utf8;          /* JSON output: this record has a value that is not UTF-8 */
	const char *cur_name;  /* the field being written, for that message */
	size_t cur_name_len;
	int autoflush;
	int json_strings;      /* CSV/TSV text is never a JSON number */
	int typed_source;      /* the text given is CSV/TSV text: numbers are numbers */
	int err, saved_errno;
	struct num_memo *memo; /* allocated with the first number */
	char errmsg[512]; /* room for a quoted field name and the reason */
};

/* Numbers and dates as last formatted, by value.  Summaries repeat values
 * (recency and T are whole days over a unit: a few hundred values among a
 * million customers; dates likewise), and printing a double exactly is the
 * costly part of a record.  Direct-mapped: a miss costs one comparison. */
#define MEMO_SLOTS 1024

struct num_memo {
	struct {
		uint64_t bits;
		unsigned char len; /* 0: empty */
		char text[FLO_NUM_BUFSZ];
	} num[MEMO_SLOTS];
	struct {
		int day;
		unsigned char len; /* 0: empty */
		char text[16];
	} day[MEMO_SLOTS];
};

static int grow(struct buf *b, size_t need)
{
	if (b->len + need <= b->cap)
		return 1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = 1;
		return 0;
	}
	b->p = p;
	b->cap = cap;
	return 1;
}

static void put(struct buf *b, const char *s, size_t n)
{
	/* n = 0 (an empty value) into a buffer not yet allocated: NULL + 0 is
	 * undefined in C, so do nothing at all. */
	if (n > 0 && grow(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static void putc_(struct buf *b, char c)
{
	if (grow(b, 1))
		b->p[b->len++] = c;
}

static int json_strings_default;

void flo_writer_default_json_strings(int on) { json_strings_default = on; }
void flo_writer_set_json_strings(flo_writer *w, int on) { w->json_strings = on; }

void flo_writer_set_source(flo_writer *w, enum flo_format fmt)
{
	w->typed_source = fmt == FLO_FMT_CSV || fmt == FLO_FMT_TSV;
}

int flo_writer_new_memory(flo_writer **out, enum flo_format fmt)
{
	return flo_writer_new(out, -1, fmt);
}

int flo_writer_new(flo_writer **out, int fd, enum flo_format fmt)
{
	flo_writer *w = calloc(1, sizeof *w);
	if (w == NULL)
		return FLO_ENOMEM;
	w->fd = fd;
	w->fmt = fmt == FLO_FMT_AUTO ? FLO_FMT_CSV : fmt;
	w->json_strings = json_strings_default;
	w->out.p = malloc(OUT_BUFSZ);
	w->out.cap = OUT_BUFSZ;
	if (w->out.p == NULL) {
		free(w);
		return FLO_ENOMEM;
	}
	*out = w;
	return FLO_OK;
}

static int write_all(flo_writer *w, const char *p, size_t n)
{
	while (n > 0 && w->err == FLO_OK) {
		ssize_t k = write(w->fd, p, n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k < 0 && errno == EINTR) {
			continue;
		} else {
			w->err = FLO_EIO;
			w->saved_errno = k < 0 ? errno : EIO;
			snprintf(w->errmsg, sizeof w->errmsg, "write error: %s",
				 strerror(w->saved_errno));
		}
	}
	return w->err;
}

int flo_writer_flush(flo_writer *w)
{
	if (w->fd < 0) /* a memory writer keeps its records for flo_writer_append() */
		return w->err;
	if (w->out.len > 0 && w->err == FLO_OK)
		write_all(w, w->out.p, w->out.len);
	w->out.len = 0;
	if (w->err == FLO_EIO)
		errno = w->saved_errno;
	return w->err;
}

int flo_writer_close(flo_writer *w)
{
	if (w == NULL)
		return FLO_OK;
	int err = flo_writer_flush(w);
	int saved = w->saved_errno;
	free(w->out.p);
	free(w->rec.p);
	free(w->names.p);
	free(w->name_off);
	free(w->name_len);
	free(w->memo);
	free(w);
	if (err == FLO_EIO)
		errno = saved;
	return err;
}

void flo_writer_set_autoflush(flo_writer *w, int on) { w->autoflush = on; }
const char *flo_writer_errmsg(const flo_writer *w) { return w->errmsg; }
enum flo_format flo_writer_format(const flo_writer *w) { return w->fmt; }

/* ---- escaping ---- */

/* The bytes that make a CSV value quoted: one look-up a byte, where four
 * comparisons a byte were a tenth of the store's run writing an updated
 * summary an order (perf). */
static const unsigned char csv_special[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};

static void put_csv_value(struct buf *b, const char *s, size_t n)
{
	int quote = 0;
	for (size_t i = 0; i < n && !quote; i++)
		quote = csv_special[(unsigned char)s[i]];
	if (!quote) {
		put(b, s, n);
		return;
	}
	putc_(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc_(b, '"');
		putc_(b, s[i]);
	}
	putc_(b, '"');
}

static void put_tsv_value(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		const char *esc = c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
				  : c == '\\' ? "\\\\" : NULL;
		if (esc)
			put(b, esc, 2);
		else
			putc_(b, c);
	}
}

/* Returns 0, or 1 + the offset of the first byte that is not UTF-8: JSON
 * has no escape for a byte, so such a value cannot be written (the record
 * is refused at flo_writer_end()). */
static size_t put_json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	putc_(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80)
			continue;
		if (c >= 0x80) {
			size_t k = flo_utf8_char(s + i, n - i);
			if (k == 0)
				return i + 1;
			i += k - 1;
			continue;
		}
		put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': put(b, "\\\"", 2); break;
		case '\\': put(b, "\\\\", 2); break;
		case '\n': put(b, "\\n", 2); break;
		case '\r': put(b, "\\r", 2); break;
		case '\t': put(b, "\\t", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(b, u, 6);
		}
		}
	}
	put(b, s + run, n - run);
	putc_(b, '"');
	return 0;
}

/* ---- fields ---- */

/* JSON output met bytes that are not UTF-8 (at 1-based `at` in s): say where,
 * once per record. */
static void not_utf8(flo_writer *w, const char *s, size_t at, int in_name)
{
	char shown[4 * 40 + 4];
	size_t k = 0, n = w->cur_name_len > 40 ? 40 : w->cur_name_len;
	if (w->not_utf8)
		return;
	w->not_utf8 = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w->cur_name[i];
		if (c < 0x20 || c >= 0x7f)
			k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", c);
		else
			shown[k++] = (char)c;
	}
	shown[k] = '\0';
	snprintf(w->errmsg, sizeof w->errmsg,
		 "field %s\"%s\"%s is not UTF-8 text (byte 0x%02x): JSON output needs "
		 "UTF-8; write CSV or TSV (-o csv) to pass any bytes through",
		 in_name ? "name " : "", shown, n < w->cur_name_len ? "..." : "",
		 (unsigned char)s[at - 1]);
}

/* A name whose length is not given: it ends at its NUL byte. */
#define NAME_CSTR ((size_t)-1)

/* Whether name (nlen bytes, or up to its NUL: NAME_CSTR) is the header's
 * field i; *nlen becomes its length.  Compared in place, byte by byte:
 * measuring and comparing the names with two library calls was a quarter
 * of the time flo-rfm took to write a million summaries. */
static int is_header_name(const flo_writer *w, size_t i, const char *name, size_t *nlen)
{
	if (i >= w->nnames) {
		if (*nlen == NAME_CSTR)
			*nlen = strlen(name);
		return 0;
	}
	const char *want = w->names.p + w->name_off[i];
	size_t len = w->name_len[i], k = 0;
	if (*nlen == NAME_CSTR) {
		while (k < len && name[k] != '\0' && name[k] == want[k])
			k++;
		if (k == len && name[k] == '\0') {
			*nlen = len;
			return 1;
		}
		*nlen = strlen(name);
		return 0;
	}
	if (*nlen != len)
		return 0;
	while (k < len && name[k] == want[k])
		k++;
	return k == len;
}

/* Start field `nlen` bytes of `name` (NAME_CSTR: up to its NUL).  CSV and
 * TSV keep the first record's names as the header and compare later
 * records' names with it, as every record pays for it. */
static void begin_field(flo_writer *w, const char *name, size_t nlen)
{
	size_t i = w->nfields++;
	if (w->fmt != FLO_FMT_JSONL && w->have_header) {
		if (!is_header_name(w, i, name, &nlen))
			w->mismatch = 1;
	} else if (nlen == NAME_CSTR) {
		nlen = strlen(name);
	}
	w->cur_name = name;
	w->cur_name_len = nlen;
	if (w->fmt == FLO_FMT_JSONL) {
		putc_(&w->rec, i == 0 ? '{' : ',');
		size_t bad = put_json_string(&w->rec, name, nlen);
		if (bad)
			not_utf8(w, name, bad, 1);
		putc_(&w->rec, ':');
		return;
	}
	if (i > 0)
		putc_(&w->rec, w->fmt == FLO_FMT_TSV ? '\t' : ',');
	if (w->have_header)
		return;
	if (w->nnames == w->names_cap) {
		size_t cap = w->names_cap ? w->names_cap * 2 : 32;
		size_t *off = realloc(w->name_off, cap * sizeof *off);
		size_t *len = off ? realloc(w->name_len, cap * sizeof *len) : NULL;
		if (off != NULL)
			w->name_off = off;
		if (len == NULL) {
			w->names.oom = 1;
			return;
		}
		w->name_len = len;
		w->names_cap = cap;
	}
	w->name_off[w->nnames] = w->names.len;
	w->name_len[w->nnames++] = nlen;
	put(&w->names, name, nlen);
	putc_(&w->names, '\0');
}

static void put_text(flo_writer *w, const char *s, size_t n)
{
	size_t bad;
	switch (w->fmt) {
	case FLO_FMT_JSONL:
		if ((bad = put_json_string(&w->rec, s, n)) != 0)
			not_utf8(w, s, bad, 0);
		break;
	case FLO_FMT_TSV: put_tsv_value(&w->rec, s, n); break;
	default: put_csv_value(&w->rec, s, n); break;
	}
}

void flo_writer_str(flo_writer *w, const char *name, const char *val, size_t len)
{
	begin_field(w, name, NAME_CSTR);
	put_text(w, val, len);
}

static struct num_memo *memo(flo_writer *w)
{
	if (w->memo == NULL)
		w->memo = calloc(1, sizeof *w->memo); /* without it, no memo */
	return w->memo;
}

void flo_writer_num(flo_writer *w, const char *name, double v)
{
	char tmp[FLO_NUM_BUFSZ];
	begin_field(w, name, NAME_CSTR);
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	struct num_memo *m = memo(w);
	if (m == NULL) {
		put(&w->rec, tmp, flo_format_double(tmp, v));
		return;
	}
	size_t k = (size_t)((bits * 0x9E3779B97F4A7C15ull) >> 54); /* 10 bits */
	if (m->num[k].len == 0 || m->num[k].bits != bits) {
		m->num[k].bits = bits;
		m->num[k].len = (unsigned char)flo_format_double(m->num[k].text, v);
	}
	put(&w->rec, m->num[k].text, m->num[k].len);
}

void flo_writer_day(flo_writer *w, const char *name, int day)
{
	begin_field(w, name, NAME_CSTR);
	struct num_memo *m = memo(w);
	if (m == NULL) {
		char tmp[16];
		put_text(w, tmp, flo_format_day(tmp, day));
		return;
	}
	size_t k = (unsigned)day % MEMO_SLOTS;
	if (m->day[k].len == 0 || m->day[k].day != day) {
		m->day[k].day = day;
		m->day[k].len = (unsigned char)flo_format_day(m->day[k].text, day);
	}
	if (w->fmt == FLO_FMT_JSONL)
		put_text(w, m->day[k].text, m->day[k].len);
	else /* digits and hyphens: nothing a CSV or TSV value escapes */
		put(&w->rec, m->day[k].text, m->day[k].len);
}

void flo_writer_raw(flo_writer *w, const char *text, size_t len, size_t nfields)
{
	if (w->fmt == FLO_FMT_JSONL || !w->have_header) {
		w->raw_misused = 1; /* a bug of the caller's: refuse the record */
		return;
	}
	if (w->nfields > 0)
		putc_(&w->rec, w->fmt == FLO_FMT_TSV ? '\t' : ',');
	put(&w->rec, text, len);
	w->nfields += nfields;
}

void flo_writer_null(flo_writer *w, const char *name)
{
	begin_field(w, name, NAME_CSTR);
	if (w->fmt == FLO_FMT_JSONL)
		put(&w->rec, "null", 4);
}

/* Whether s, a JSON number of 16 or 17 significant digits, is the shortest
 * text of a double (as flo prints one: flo-rfm's recency and T, flo-score's
 * clv): then a JSON reader reads back that very double, so it is a number.
 * A whole number of that many digits stays text: it is an id, which a
 * double would round. */
static bool shortest_double_text(const char *s, size_t n, bool fraction)
{
	char buf[32];
	double v;
	return fraction && n < sizeof buf && flo_parse_double(s, n, &v) == FLO_OK &&
	       flo_format_double(buf, v) == n && memcmp(buf, s, n) == 0;
}

/* Whether s is a JSON number (RFC 8259 section 6) of at most 15 significant
 * digits that a double holds (not 1e400, not 1e-400), or the shortest text of
 * a double: any JSON reader then reads back the value the text means, and
 * longer digit strings (ids) stay text. */
static bool json_number(const char *s, size_t n)
{
	size_t i = 0, digits = 0;
	bool nonzero = false;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		nonzero = true;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		size_t start = ++i;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (s[i] != '0')
				nonzero = true;
			if (nonzero)
				digits++;
		}
		if (i == start)
			return false;
	}
	bool exponent = i < n && (s[i] == 'e' || s[i] == 'E');
	if (exponent) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	if (i != n)
		return false;
	if (digits > 15)
		return shortest_double_text(s, n, exponent || memchr(s, '.', n) != NULL);
	/* Without an exponent, 15 digits within 300 places of the point are a
	 * double's, and not 0: only the rest are read to see. */
	if (!exponent && n < 300)
		return true;
	double v;
	return flo_parse_double(s, n, &v) == FLO_OK && (v != 0 || !nonzero);
}

void flo_writer_field(flo_writer *w, const struct flo_field *f)
{
	begin_field(w, f->name, f->name_len);
	if (f->kind == FLO_KIND_STR && w->fmt == FLO_FMT_JSONL && w->typed_source &&
	    !w->json_strings && json_number(f->val, f->len))
		put(&w->rec, f->val, f->len);
	else if (f->kind == FLO_KIND_STR)
		put_text(w, f->val, f->len);
	else if (w->fmt == FLO_FMT_JSONL)
		put(&w->rec, f->kind == FLO_KIND_NULL ? "null" : f->val,
		    f->kind == FLO_KIND_NULL ? 4 : f->len);
	else
		put(&w->rec, f->val, f->len);
}

static void put_header(flo_writer *w)
{
	w->have_header = 1;
	if (w->fd < 0) /* a memory writer's records follow another's header */
		return;
	for (size_t i = 0; i < w->nnames; i++) {
		const char *n = w->names.p + w->name_off[i];
		if (i > 0)
			putc_(&w->out, w->fmt == FLO_FMT_TSV ? '\t' : ',');
		if (w->fmt == FLO_FMT_TSV) {
			put_tsv_value(&w->out, n, w->name_len[i]);
		} else if (i == 0 && w->name_len[0] >= 3 && memcmp(n, "\xEF\xBB\xBF", 3) == 0) {
			/* Quoted, or readers take the name's U+FEFF for a
			 * byte-order mark and drop it. */
			putc_(&w->out, '"');
			for (size_t k = 0; k < w->name_len[0]; k++) {
				if (n[k] == '"')
					putc_(&w->out, '"');
				putc_(&w->out, n[k]);
			}
			putc_(&w->out, '"');
		} else {
			put_csv_value(&w->out, n, w->name_len[i]);
		}
	}
	if (w->nnames == 1 && w->name_len[0] == 0 && w->fmt == FLO_FMT_CSV)
		put(&w->out, "\"\"", 2); /* else a blank line, which readers skip */
	putc_(&w->out, '\n');
}

int flo_writer_end(flo_writer *w)
{
	size_t n = w->nfields;
	w->nfields = 0;
	if (w->rec.oom || w->names.oom || w->out.oom) {
		w->rec.len = 0;
		w->not_utf8 = 0;
		snprintf(w->errmsg, sizeof w->errmsg, "out of memory");
		return FLO_ENOMEM;
	}
	if (w->not_utf8) {
		w->not_utf8 = 0;
		w->rec.len = 0;
		return FLO_ESYNTAX;
	}
	if (w->raw_misused) {
		w->raw_misused = 0;
		w->rec.len = 0;
		snprintf(w->errmsg, sizeof w->errmsg,
			 "internal error: fields as text before the header or in JSON");
		return FLO_ESYNTAX;
	}
	if (w->fmt == FLO_FMT_JSONL) {
		if (n == 0)
			putc_(&w->rec, '{');
		putc_(&w->rec, '}');
	} else if (n == 1 && w->rec.len == 0 && w->fmt == FLO_FMT_TSV) {
		/* One empty field is a blank line, which readers skip, and TSV
		 * has no quotes to write it otherwise. */
		w->mismatch = 0;
		if (!w->have_header) /* the header comes from a record written */
			w->nnames = w->names.len = 0;
		snprintf(w->errmsg, sizeof w->errmsg,
			 "a record of one empty field cannot be written as TSV (it would be a "
			 "blank line); write CSV or JSON Lines (-o csv)");
		return FLO_ESYNTAX;
	} else if (!w->have_header) {
		put_header(w);
		if (n == 1 && w->rec.len == 0)
			put(&w->rec, "\"\"", 2); /* else a blank line, which readers skip */
	} else if (w->mismatch || n != w->nnames) {
		w->mismatch = 0;
		w->rec.len = 0;
		snprintf(w->errmsg, sizeof w->errmsg,
			 "record fields differ from the first record's; "
			 "write JSON Lines (-o jsonl) for records of varying fields");
		return FLO_ESYNTAX;
	} else if (n == 1 && w->rec.len == 0) {
		put(&w->rec, "\"\"", 2);
	}
	putc_(&w->rec, '\n');
	if (w->out.len + w->rec.len > w->out.cap && w->fd >= 0)
		flo_writer_flush(w);
	put(&w->out, w->rec.p, w->rec.len);
	w->rec.len = 0;
	if (w->autoflush)
		flo_writer_flush(w);
	return w->err;
}

int flo_writer_end_header(flo_writer *w)
{
	w->nfields = 0;
	w->rec.len = 0;
	if (w->names.oom || w->out.oom) {
		snprintf(w->errmsg, sizeof w->errmsg, "out of memory");
		return FLO_ENOMEM;
	}
	if (w->fmt != FLO_FMT_JSONL && !w->have_header)
		put_header(w);
	return w->err;
}

int flo_writer_append(flo_writer *w, flo_writer *from)
{
	if (from->out.oom) {
		snprintf(w->errmsg, sizeof w->errmsg, "out of memory");
		return FLO_ENOMEM;
	}
	if (w->out.len + from->out.len > w->out.cap) {
		flo_writer_flush(w); /* then straight from the other's buffer */
		write_all(w, from->out.p, from->out.len);
	} else {
		put(&w->out, from->out.p, from->out.len);
	}
	from->out.len = 0;
	if (w->autoflush)
		flo_writer_flush(w);
	return w->err;
}
