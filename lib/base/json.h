/* json.h: JSON documents (RFC 8259), for the model files flo-fit writes and
 * flo-score reads, and a string writer for the model writer.
 *
 * Ownership: a document owns every value, key and string in it; all are
 * valid until flo_json_free() and none is freed alone.  Lookups return
 * pointers into the document, or NULL when there is nothing there, and every
 * accessor accepts NULL, so a chain of lookups needs one check at its end.
 *
 * The parser is strict: UTF-8 text, all escapes including \uXXXX surrogate
 * pairs (decoded to UTF-8; a lone surrogate is an error), the exact number
 * grammar (no 0x10, nan, inf, leading + or 01), no trailing commas, no
 * duplicate keys, nesting at most FLO_JSON_MAX_DEPTH deep.  It is iterative,
 * so hostile input costs memory in proportion to its size, never stack. */
#ifndef FLO_JSON_H
#define FLO_JSON_H

#include <stddef.h>
#include <stdio.h>

typedef struct flo_json flo_json;             /* a parsed document */
typedef struct flo_json_value flo_json_value; /* one value in it */

enum flo_json_type {
	FLO_JSON_NONE = 0, /* no value: what flo_json_type(NULL) says */
	FLO_JSON_NULL,
	FLO_JSON_FALSE,
	FLO_JSON_TRUE,
	FLO_JSON_NUMBER,
	FLO_JSON_STRING,
	FLO_JSON_ARRAY,
	FLO_JSON_OBJECT,
};

#define FLO_JSON_MAX_DEPTH 64

/* Pass as `len` to parse a NUL-terminated text. */
#define FLO_JSON_NTS ((size_t)-1)

/* Parse `len` bytes of `text` into *doc.  On failure *doc is NULL and `err`
 * (errlen bytes, may be NULL) says where and what was expected, as
 * "byte 17 (line 2, column 5): expected ':' after an object key, found '}'"
 * (bytes count from 0, lines and columns from 1).  Returns FLO_ESYNTAX,
 * FLO_ERANGE for a number beyond a double (1e400; numbers too small for a
 * double, like 1e-400, become 0 or a subnormal), or FLO_ENOMEM. */
int flo_json_parse(const char *text, size_t len, flo_json **doc, char *err, size_t errlen);
void flo_json_free(flo_json *doc);

const flo_json_value *flo_json_root(const flo_json *doc);
enum flo_json_type flo_json_type(const flo_json_value *v);

/* An object's member by name (NULL if absent or v is not an object), found
 * by binary search.  The n form takes a name that may hold NUL bytes. */
const flo_json_value *flo_json_get(const flo_json_value *obj, const char *key);
const flo_json_value *flo_json_getn(const flo_json_value *obj, const char *key, size_t keylen);

/* Follow a dotted path of member names from v: "bgnbd.params.r".  A segment
 * of digits indexes an array ("fits.0.ll").  Names holding a dot cannot be
 * reached this way; use flo_json_get(). */
const flo_json_value *flo_json_path(const flo_json_value *v, const char *path);

/* Elements of an array or members of an object; 0 for anything else. */
size_t flo_json_length(const flo_json_value *v);
/* Element i of an array, NULL when out of range. */
const flo_json_value *flo_json_index(const flo_json_value *arr, size_t i);
/* Member i of an object in document order, its name in *key (NUL-terminated;
 * *keylen, which may be NULL, counts NULs the name holds). */
const flo_json_value *flo_json_member(const flo_json_value *obj, size_t i, const char **key,
				      size_t *keylen);

/* The value as a C type: 0, or FLO_EFIELD when v is NULL (the lookup found
 * nothing), FLO_ENUMBER / FLO_EVALUE when v is of another type. */
int flo_json_number(const flo_json_value *v, double *out);
int flo_json_bool(const flo_json_value *v, int *out);

/* A string's bytes, NUL-terminated; *len (may be NULL) counts the bytes,
 * which may include NULs from \u0000.  NULL when v is not a string. */
const char *flo_json_string(const flo_json_value *v, size_t *len);

/* ---- writing ---- */

/* Escape len bytes of src as the inside of a JSON string: '"', '\\' and the
 * control characters U+0000..U+001F (as \n, \t, ... or \u00XX); other bytes,
 * UTF-8 included, are copied.  Writes a NUL after the text and returns its
 * length; dst NULL only measures.  dst needs the returned length + 1, at
 * most 6 * len + 1. */
size_t flo_json_escape(char *dst, const char *src, size_t len);

/* Write src as a quoted JSON string to f: 0 or FLO_EIO. */
int flo_json_write_string(FILE *f, const char *src, size_t len);

#endif
