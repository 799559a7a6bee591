/* writer.h: writing records (CSV, TSV, JSON Lines) to a file descriptor
 * (record.h: the fields, their kinds and the formats; who owns what). */
#ifndef FLO_WRITER_H
#define FLO_WRITER_H

#include <stddef.h>

#include "record/record.h"

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
/* A field as read, keeping its JSON kind.  Written as JSON, a text value
 * read from CSV or TSV (flo_writer_set_source()) whose whole text is a JSON
 * number (RFC 8259 section 6: no leading zeros, no `+`, no bare `.5`) of at
 * most 15 significant digits that a double holds is that number, verbatim
 * (`1.50` stays 1.50); other text is a string (`007`, `1234567890123456`,
 * `.5`, `1e400`), as is every text value under json-strings. */
void flo_writer_field(flo_writer *w, const struct flo_field *f);

/* The format the fields given to flo_writer_field() come from: CSV or TSV
 * text has no type of its own, a JSON Lines string has.  FLO_FMT_AUTO
 * (unknown, the default): text stays a string. */
void flo_writer_set_source(flo_writer *w, enum flo_format fmt);

/* json-strings on: CSV and TSV values are JSON strings, whatever their text.
 * For this writer; or, by default, for the writers made from now on (a
 * tool's --json-strings, set before it makes any writer or thread). */
void flo_writer_set_json_strings(flo_writer *w, int on);
void flo_writer_default_json_strings(int on);
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
/* Instead of flo_writer_end(), before any record: the fields given name the
 * CSV or TSV header, which is written without a record (JSON Lines: nothing),
 * as the output of no records. */
int flo_writer_end_header(flo_writer *w);

/* Write out what is buffered. */
int flo_writer_flush(flo_writer *w);

/* Flush after every record (for output behind `tail -F` when the input is a
 * regular file and on-refill flushing never happens). */
void flo_writer_set_autoflush(flo_writer *w, int on);

/* The format written (CSV for a writer made with FLO_FMT_AUTO). */
enum flo_format flo_writer_format(const flo_writer *w);

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
