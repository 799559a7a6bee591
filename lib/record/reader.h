/* reader.h: reading records (CSV, TSV, JSON Lines) from a file descriptor
 * (record.h: the fields, their kinds and the formats; who owns what). */
#ifndef FLO_READER_H
#define FLO_READER_H

#include <stddef.h>

#include "record/record.h"

typedef struct flo_reader flo_reader;

/* The most fields one record (or header) may have; a record with more is
 * FLO_ESYNTAX, "more than N fields in one record".  Names are checked for
 * repeats in linear expected time, so a header this wide reads in well
 * under a second. */
#define FLO_FIELDS_MAX ((size_t)1 << 21)

/* Read records from fd; `fmt` FLO_FMT_AUTO detects it from the data.  The
 * reader does not close fd. */
int flo_reader_new(flo_reader **r, int fd, enum flo_format fmt);
void flo_reader_free(flo_reader *r);

/* Several inputs as one: fd (not closed by the reader) is read after the
 * inputs before it, its records numbered from line 1 again.  A CSV or TSV
 * input starts with its own header, which must name the first input's fields
 * in the same order (else a fatal FLO_ESYNTAX naming both inputs) and is
 * then skipped.  name is the caller's, kept, for flo_reader_input_name();
 * flo_reader_name_input() names the first input, the reader's own fd.
 * FLO_ENOMEM. */
int flo_reader_add_input(flo_reader *r, int fd, const char *name);
void flo_reader_name_input(flo_reader *r, const char *name);
/* The name of the input the current record comes from (NULL: not named). */
const char *flo_reader_input_name(const flo_reader *r);
/* Whether inputs follow the one read now. */
int flo_reader_more_inputs(const flo_reader *r);

/* CSV or TSV without a header line: the columns' names, in order (copied);
 * every line is a record.  Before the first record only; FLO_ESYNTAX for a
 * name given twice (flo_reader_errmsg() says which), FLO_EVALUE for none.
 * JSON Lines input is then a fatal FLO_ESYNTAX at the first record. */
int flo_reader_set_fields(flo_reader *r, const char *const *names, size_t n);

/* A CSV or TSV record whose text is the header line's again (files joined
 * with cat) is a bad record (FLO_ESYNTAX, not fatal) saying to give the
 * files as arguments. */

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
/* The descriptor r reads (flo_reader_new()'s). */
int flo_reader_fd(const flo_reader *r);
int flo_reader_resume(flo_reader *r, const char *bytes, size_t len, long line, int eof);

/* Why a field may be missing, or a record have more fields than its
 * header, for the message that says so: "" or, when the input is CSV whose
 * header h[0..n) is one field holding ';' or '|' (spreadsheets in many
 * locales export CSV separated by ';'), ": the header is one field,
 * \"a;b\": flo reads CSV separated by commas, TSV and JSON Lines; convert
 * a file separated by ';' first".  Written into buf; returns buf. */
#define FLO_SEPARATOR_HINT 256
const char *flo_separator_hint(const struct flo_field *h, size_t n, enum flo_format fmt,
			       char buf[FLO_SEPARATOR_HINT]);

/* The header line exactly as read (CSV/TSV; NULL for JSON Lines). */
const char *flo_reader_raw_header(const flo_reader *r, size_t *len);

#endif
