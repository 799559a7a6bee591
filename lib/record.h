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

/* ---- reader ---- */

typedef struct flo_reader flo_reader;

/* Read records from fd; `fmt` FLO_FMT_AUTO detects it from the data.  The
 * reader does not close fd. */
int flo_reader_new(flo_reader **r, int fd, enum flo_format fmt);
void flo_reader_free(flo_reader *r);

/* Called just before the reader blocks in read(2): a streaming tool flushes
 * its output there, so a record reaches the next tool as soon as nothing
 * more is waiting, while a batch of input still costs one write. */
void flo_reader_on_refill(flo_reader *r, void (*fn)(void *ctx), void *ctx);

/* Next record: 1 when there is one, 0 at the end, or -FLO_E... on an error
 * (then flo_reader_errmsg() says what and where).  After a record-level error
 * (malformed quoting, wrong field count, bad JSON), the reader has consumed
 * the bad record and can go on; after FLO_EIO or FLO_ETOOLONG it cannot. */
int flo_reader_next(flo_reader *r);

const char *flo_reader_errmsg(const flo_reader *r);

/* Nonzero once no further record can be read (I/O error, an oversized
 * record, a bad header). */
int flo_reader_fatal(const flo_reader *r);

/* Format of the input (known after the first record or after the header). */
enum flo_format flo_reader_format(const flo_reader *r);

/* The fields of the current record. */
const struct flo_field *flo_reader_fields(const flo_reader *r, size_t *n);

/* The field called col->name in the current record, or NULL. */
const struct flo_field *flo_reader_get(const flo_reader *r, struct flo_col *col);

/* For CSV/TSV, the header's names (n = 0 before the header is read or for
 * JSON Lines). */
const struct flo_field *flo_reader_header(const flo_reader *r, size_t *n);

/* The physical line where the current record starts (the header is line 1). */
long flo_reader_line(const flo_reader *r);

/* The current record exactly as read, without its line terminator (a record
 * that spans lines keeps its inner newlines; a CRLF file keeps the CR). */
const char *flo_reader_raw(const flo_reader *r, size_t *len);

/* When the current record is a plain CSV or TSV line (nothing quoted or
 * escaped, no carriage return inside), its text without the line ending:
 * the fields joined by the separator, exactly as a writer of the same format
 * writes them.  NULL otherwise. */
const char *flo_reader_plain_text(const flo_reader *r, size_t *len);

/* Handing the input over and back (orderscan.h, which reads plain lines on
 * threads of its own).  flo_reader_unread() gives the bytes read past the
 * current record, the line they start on, and *eof set when the input has
 * ended after them; the caller takes over from there, reading fd itself.
 * flo_reader_resume() hands it back: the reader goes on from `bytes`
 * (copied), which start at physical line `line`, then reads fd unless eof
 * is set.  FLO_ENOMEM. */
const char *flo_reader_unread(const flo_reader *r, size_t *len, long *line, int *eof);
int flo_reader_resume(flo_reader *r, const char *bytes, size_t len, long line, int eof);

/* The header line exactly as read (CSV/TSV; NULL for JSON Lines). */
const char *flo_reader_raw_header(const flo_reader *r, size_t *len);

/* ---- writer ---- */

typedef struct flo_writer flo_writer;

int flo_writer_new(flo_writer **w, int fd, enum flo_format fmt);
/* Flushes, then frees; returns the first write error seen (FLO_EIO, errno
 * kept) or FLO_OK.  Accepts NULL. */
int flo_writer_close(flo_writer *w);

/* Fields of one record, in order; then flo_writer_end(). */
void flo_writer_str(flo_writer *w, const char *name, const char *val, size_t len);
void flo_writer_num(flo_writer *w, const char *name, double v);
void flo_writer_day(flo_writer *w, const char *name, int v);
void flo_writer_null(flo_writer *w, const char *name);
/* A field as read, keeping its JSON kind. */
void flo_writer_field(flo_writer *w, const struct flo_field *f);
/* The next nfields fields as text already in this writer's format (CSV or
 * TSV, after the first record): the plain text of a record of a reader of
 * the same format (flo_reader_plain_text()) whose fields the header names in
 * this order.  The caller vouches for both; otherwise the record is refused
 * at flo_writer_end(). */
void flo_writer_raw(flo_writer *w, const char *text, size_t len, size_t nfields);

/* Ends the record.  CSV/TSV take their header from the first record, and a
 * later record with other field names is FLO_ESYNTAX (message in
 * flo_writer_errmsg()); so is, in JSON Lines, a name or text value that is
 * not UTF-8 (see flo_utf8_char()).  The record is then not written, and the
 * writer goes on with the next.  FLO_EIO when writing failed. */
int flo_writer_end(flo_writer *w);
const char *flo_writer_errmsg(const flo_writer *w);

/* Write out what is buffered. */
int flo_writer_flush(flo_writer *w);

/* Flush after every record (for output behind `tail -F` when the input is a
 * regular file and on-refill flushing never happens). */
void flo_writer_set_autoflush(flo_writer *w, int on);

/* A writer into memory, for records formatted on another thread: they stay
 * in its buffer, without a header line, until flo_writer_append() moves them
 * to the end of a writer of the same format whose records have the same
 * fields (its header is theirs). */
int flo_writer_new_memory(flo_writer **w, enum flo_format fmt);

/* Append the records buffered in the memory writer `from` to w's output,
 * and empty `from`.  FLO_EIO as flo_writer_end(); FLO_ENOMEM when `from`
 * ran out of memory (its records are lost). */
int flo_writer_append(flo_writer *w, flo_writer *from);

#endif
