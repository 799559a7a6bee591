/* pass.h: records passed through with fields added (flo-score's scores,
 * flo-segment's segments): every field of the record as it came and in
 * order, an added field in place of a field of the same name, the other
 * added fields after the last.
 *
 * Where the input and the output are both CSV or both TSV and no input
 * field is an added one, a plain input line (flo_reader_plain_text()) is
 * copied as text rather than field by field: known from the first record
 * written from a reader, which makes the output's header. */
#ifndef FLO_PASS_H
#define FLO_PASS_H

#include <stddef.h>

#include "record/reader.h"
#include "record/writer.h"

typedef struct flo_pass flo_pass;

/* Records with the fields names[0..n) added (the names are copied), written
 * to w, which stays the caller's.  Every added value starts as null.
 * FLO_ENOMEM (*p is then NULL). */
int flo_pass_new(flo_pass **p, flo_writer *w, const char *const *names, size_t n);
/* NULL is fine. */
void flo_pass_free(flo_pass *p);

/* The value of added field k in the records written from now on: a number,
 * a string (not copied: it must stay valid while records are written with
 * it) or null. */
void flo_pass_num(flo_pass *p, size_t k, double v);
void flo_pass_str(flo_pass *p, size_t k, const char *s, size_t len);
void flo_pass_null(flo_pass *p, size_t k);
/* Fields k, k + 1, ... of the n numbers v[0..n) (one call a record where
 * the added values are numbers in an array). */
void flo_pass_nums(flo_pass *p, size_t k, const double *v, size_t n);

/* Write the record of fields f[0..n), with the added ones: returns what
 * flo_writer_end() returns (FLO_ESYNTAX: a record the writer refused, and
 * the writer goes on; FLO_EIO). */
int flo_pass_write(flo_pass *p, const struct flo_field *f, size_t n);

/* The same for the current record of r (its CSV or TSV text values that
 * are numbers written as JSON numbers: flo_writer_field()). */
int flo_pass_write_record(flo_pass *p, const flo_reader *r);

#endif
