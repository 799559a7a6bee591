/* json.c: a strict JSON (RFC 8259) parser into a document tree, and a
 * string escaper. */
#include "base/json.h"

#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

struct flo_json_member;

struct flo_json_value {
	enum flo_json_type type;
	size_t len; /* string bytes, array elements or object members */
	union {
		double num;
		const char *str;
		const flo_json_value *items;
		struct {
			const struct flo_json_member *in_order;
			/* The same members sorted by name, for binary search
			 * and for finding duplicates in O(n log n). */
			const struct flo_json_member *const *by_name;
		} obj;
	} u;
};

struct flo_json_member {
	const char *key;
	size_t keylen;
	flo_json_value value;
};

/* The arena: blocks that double in size, freed together.  Pointers into a
 * block never move, so values can point at each other. */
struct block {
	struct block *next;
	size_t cap, used;
	max_align_t data[];
};

struct flo_json {
	struct block *blocks;
	flo_json_value root;
};

static void *arena_alloc(flo_json *doc, size_t n, size_t align)
{
	struct block *b = doc->blocks;
	size_t at;

	if (b) {
		at = (b->used + align - 1) & ~(align - 1);
		if (at <= b->cap && b->cap - at >= n) {
			b->used = at + n;
			return (char *)b->data + at;
		}
	}
	size_t cap = b ? b->cap : 1024;
	while (cap < n) {
		if (cap > SIZE_MAX / 4)
			return NULL;
		cap *= 2;
	}
	if (b && cap <= SIZE_MAX / 4)
		cap *= 2;
	b = malloc(sizeof *b + cap);
	if (!b)
		return NULL;
	b->next = doc->blocks;
	b->cap = cap;
	b->used = n;
	doc->blocks = b;
	return b->data;
}

void flo_json_free(flo_json *doc)
{
	struct block *b, *next;

	if (!doc)
		return;
	for (b = doc->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(doc);
}

/* ---- the parser ---- */

/* A container being parsed.  The values finished inside it wait on the
 * parser's stack from `base` up, and are copied into the arena, contiguous,
 * when it closes. */
struct frame {
	enum flo_json_type type;
	size_t base;
	const char *key; /* the member now being parsed, in an object */
	size_t keylen;
	size_t keyat;
};

struct entry {
	struct flo_json_member m;
	size_t at; /* offset of the member's key, for duplicate-key messages */
};

struct parser {
	const unsigned char *text, *p, *end;
	flo_json *doc;
	struct entry *stack;
	size_t n, cap;
	struct frame frames[FLO_JSON_MAX_DEPTH];
	int depth;
	char *err;
	size_t errlen;
};

static int fail(struct parser *P, const unsigned char *at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parser *P, const unsigned char *at, int code, const char *fmt, ...)
{
	size_t line = 1;
	const unsigned char *bol = P->text, *q;
	va_list ap;
	int n;

	if (!P->err || !P->errlen)
		return code;
	for (q = P->text; q < at; q++)
		if (*q == '\n') {
			line++;
			bol = q + 1;
		}
	n = snprintf(P->err, P->errlen, "byte %zu (line %zu, column %zu): ",
		     (size_t)(at - P->text), line, (size_t)(at - bol) + 1);
	if (n >= 0 && (size_t)n < P->errlen) {
		va_start(ap, fmt);
		vsnprintf(P->err + n, P->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* What stands at `at`, for "found ..." in messages. */
static const char *found(const struct parser *P, const unsigned char *at, char buf[16])
{
	if (at >= P->end)
		return "end of input";
	if (*at >= 0x20 && *at < 0x7f)
		snprintf(buf, 16, "'%c'", *at);
	else
		snprintf(buf, 16, "byte 0x%02x", *at);
	return buf;
}

static int oom(struct parser *P)
{
	return fail(P, P->p, FLO_ENOMEM, "out of memory");
}

static void skip_ws(struct parser *P)
{
	while (P->p < P->end &&
	       (*P->p == ' ' || *P->p == '\t' || *P->p == '\n' || *P->p == '\r'))
		P->p++;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s (before lim), or -1. */
static long hex4(const unsigned char *s, const unsigned char *lim)
{
	long v = 0;

	if (lim - s < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the well-formed UTF-8 sequence at s (before lim), or 0.  The
 * ranges of the second byte rule out overlong forms, surrogates and code
 * points past U+10FFFF (Unicode, table 3-7). */
static size_t utf8_len(const unsigned char *s, const unsigned char *lim)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if ((size_t)(lim - s) < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Parse the string whose opening quote is at P->p into the arena.  The
 * decoded text is never longer than the raw text, so one allocation of the
 * raw length holds it. */
static int parse_string(struct parser *P, const char **out, size_t *outlen)
{
	const unsigned char *open = P->p, *s = P->p + 1, *q = s;
	char *o, *buf;

	while (q < P->end && *q != '"')
		q += *q == '\\' && P->end - q > 1 ? 2 : 1;
	if (q >= P->end)
		return fail(P, open, FLO_ESYNTAX, "unterminated string");
	buf = o = arena_alloc(P->doc, (size_t)(q - s) + 1, 1);
	if (!buf)
		return oom(P);
	while (s < q) {
		unsigned char c = *s;
		char tmp[16];

		if (c == '\\') {
			long cp, lo;

			switch (s[1]) {
			case '"': *o++ = '"'; s += 2; continue;
			case '\\': *o++ = '\\'; s += 2; continue;
			case '/': *o++ = '/'; s += 2; continue;
			case 'b': *o++ = '\b'; s += 2; continue;
			case 'f': *o++ = '\f'; s += 2; continue;
			case 'n': *o++ = '\n'; s += 2; continue;
			case 'r': *o++ = '\r'; s += 2; continue;
			case 't': *o++ = '\t'; s += 2; continue;
			case 'u': break;
			default:
				return fail(P, s, FLO_ESYNTAX,
					    "invalid escape: expected one of \\\" \\\\ \\/ \\b "
					    "\\f \\n \\r \\t \\uXXXX, found '\\' then %s",
					    found(P, s + 1, tmp));
			}
			cp = hex4(s + 2, q);
			if (cp < 0)
				return fail(P, s, FLO_ESYNTAX,
					    "expected four hex digits after \\u");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(P, s, FLO_ESYNTAX,
					    "lone low surrogate \\u%04lX (expected a high "
					    "surrogate \\uD800-\\uDBFF before it)",
					    (unsigned long)cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (q - s < 12 || s[6] != '\\' || s[7] != 'u' ||
				    (lo = hex4(s + 8, q)) < 0xdc00 || lo > 0xdfff)
					return fail(P, s, FLO_ESYNTAX,
						    "lone high surrogate \\u%04lX (expected a "
						    "low surrogate \\uDC00-\\uDFFF after it)",
						    (unsigned long)cp);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			o += put_utf8(o, (unsigned long)cp);
			s += 6;
		} else if (c < 0x20) {
			return fail(P, s, FLO_ESYNTAX,
				    "control character 0x%02x in a string (expected it "
				    "escaped, as \\u%04x)",
				    c, c);
		} else if (c < 0x80) {
			*o++ = (char)c;
			s++;
		} else {
			size_t n = utf8_len(s, q);
			if (!n)
				return fail(P, s, FLO_ESYNTAX, "invalid UTF-8 in a string");
			memcpy(o, s, n);
			o += n;
			s += n;
		}
	}
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	P->p = q + 1;
	return 0;
}

static int is_digit(const struct parser *P, const unsigned char *s)
{
	return s < P->end && *s >= '0' && *s <= '9';
}

/* Check the number grammar of RFC 8259 section 6, then let strtod convert
 * the checked text.  The tools never call setlocale(), so strtod's decimal
 * point is '.'. */
static int parse_number(struct parser *P, double *out)
{
	const unsigned char *start = P->p, *s = P->p;
	char small[64], *buf = small;
	size_t len;
	double v;

	if (*s == '-')
		s++;
	if (is_digit(P, s) && *s == '0') {
		s++;
		if (is_digit(P, s))
			return fail(P, s, FLO_ESYNTAX,
				    "leading zero in a number (expected '.', 'e' or the "
				    "number's end after 0)");
	} else if (is_digit(P, s)) {
		while (is_digit(P, s))
			s++;
	} else {
		char tmp[16];
		return fail(P, s, FLO_ESYNTAX, "expected a digit after '-', found %s",
			    found(P, s, tmp));
	}
	if (s < P->end && *s == '.') {
		s++;
		if (!is_digit(P, s))
			return fail(P, s, FLO_ESYNTAX, "expected a digit after the decimal point");
		while (is_digit(P, s))
			s++;
	}
	if (s < P->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < P->end && (*s == '+' || *s == '-'))
			s++;
		if (!is_digit(P, s))
			return fail(P, s, FLO_ESYNTAX, "expected a digit in the exponent");
		while (is_digit(P, s))
			s++;
	}
	len = (size_t)(s - start);
	if (len >= sizeof small && !(buf = malloc(len + 1)))
		return oom(P);
	memcpy(buf, start, len);
	buf[len] = '\0';
	v = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	if (isinf(v))
		return fail(P, start, FLO_ERANGE, "number out of the range of a double: %.*s%s",
			    (int)(len > 40 ? 40 : len), (const char *)start,
			    len > 40 ? "..." : "");
	*out = v;
	P->p = s;
	return 0;
}

static int push(struct parser *P, const struct frame *fr, const flo_json_value *v)
{
	if (P->n == P->cap) {
		size_t cap = P->cap ? P->cap * 2 : 64;
		struct entry *e;

		if (cap > SIZE_MAX / sizeof *e || !(e = realloc(P->stack, cap * sizeof *e)))
			return oom(P);
		P->stack = e;
		P->cap = cap;
	}
	P->stack[P->n].m.key = fr->key;
	P->stack[P->n].m.keylen = fr->keylen;
	P->stack[P->n].m.value = *v;
	P->stack[P->n].at = fr->keyat;
	P->n++;
	return 0;
}

static int keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return (alen > blen) - (alen < blen);
}

static int member_cmp(const void *x, const void *y)
{
	const struct flo_json_member *a = *(const struct flo_json_member *const *)x;
	const struct flo_json_member *b = *(const struct flo_json_member *const *)y;

	return keycmp(a->key, a->keylen, b->key, b->keylen);
}

/* Close the innermost container: its values leave the stack for the arena. */
static int close_container(struct parser *P, flo_json_value *v)
{
	struct frame *fr = &P->frames[P->depth - 1];
	size_t count = P->n - fr->base;
	/* No stack yet when every container so far was empty: NULL + 0 is
	 * undefined in C. */
	const struct entry *e = count ? P->stack + fr->base : NULL;

	memset(v, 0, sizeof *v);
	v->type = fr->type;
	v->len = count;
	if (fr->type == FLO_JSON_ARRAY && count) {
		flo_json_value *items = arena_alloc(P->doc, count * sizeof *items,
						    alignof(flo_json_value));
		if (!items)
			return oom(P);
		for (size_t i = 0; i < count; i++)
			items[i] = e[i].m.value;
		v->u.items = items;
	} else if (fr->type == FLO_JSON_OBJECT && count) {
		struct flo_json_member *m = arena_alloc(P->doc, count * sizeof *m,
							alignof(struct flo_json_member));
		const struct flo_json_member **by = arena_alloc(P->doc, count * sizeof *by,
								alignof(void *));
		if (!m || !by)
			return oom(P);
		for (size_t i = 0; i < count; i++) {
			m[i] = e[i].m;
			by[i] = &m[i];
		}
		qsort(by, count, sizeof *by, member_cmp);
		for (size_t i = 1; i < count; i++) {
			if (member_cmp(&by[i - 1], &by[i]) == 0) {
				/* Name the later of the two in the text. */
				const struct flo_json_member *dup = by[i] > by[i - 1] ? by[i] : by[i - 1];
				const char *k = dup->key;
				int kl = dup->keylen > 40 ? 40 : (int)dup->keylen;
				return fail(P, P->text + e[dup - m].at, FLO_ESYNTAX,
					    "duplicate key \"%.*s\"%s", kl, k,
					    dup->keylen > 40 ? "..." : "");
			}
		}
		v->u.obj.in_order = m;
		v->u.obj.by_name = by;
	}
	P->n = fr->base;
	P->depth--;
	return 0;
}

/* An object key and its colon; P->p is past '{' or ','. */
static int parse_key(struct parser *P, struct frame *fr)
{
	char tmp[16];
	int rc;

	skip_ws(P);
	if (P->p >= P->end || *P->p != '"')
		return fail(P, P->p, FLO_ESYNTAX, "expected an object key (a string), found %s",
			    found(P, P->p, tmp));
	fr->keyat = (size_t)(P->p - P->text);
	if ((rc = parse_string(P, &fr->key, &fr->keylen)) != 0)
		return rc;
	skip_ws(P);
	if (P->p >= P->end || *P->p != ':')
		return fail(P, P->p, FLO_ESYNTAX, "expected ':' after an object key, found %s",
			    found(P, P->p, tmp));
	P->p++;
	return 0;
}

/* The value at P->p, iteratively: containers push a frame instead of
 * recursing, so the C stack stays flat whatever the input. */
static int parse_value(struct parser *P, flo_json_value *root)
{
	char tmp[16];
	flo_json_value v;
	int rc;

	for (;;) {
		/* A value starts here. */
		skip_ws(P);
		memset(&v, 0, sizeof v);
		if (P->p >= P->end)
			return fail(P, P->p, FLO_ESYNTAX, "expected a value, found end of input");
		switch (*P->p) {
		case '{':
		case '[': {
			int obj = *P->p == '{';
			struct frame *fr;

			if (P->depth == FLO_JSON_MAX_DEPTH)
				return fail(P, P->p, FLO_ESYNTAX,
					    "nesting deeper than %d arrays and objects",
					    FLO_JSON_MAX_DEPTH);
			fr = &P->frames[P->depth++];
			fr->type = obj ? FLO_JSON_OBJECT : FLO_JSON_ARRAY;
			fr->base = P->n;
			fr->key = NULL;
			fr->keylen = 0;
			fr->keyat = 0;
			P->p++;
			skip_ws(P);
			if (P->p < P->end && *P->p == (obj ? '}' : ']')) {
				P->p++;
				if ((rc = close_container(P, &v)) != 0)
					return rc;
				break;
			}
			if (obj && (rc = parse_key(P, fr)) != 0)
				return rc;
			continue;
		}
		case '"':
			v.type = FLO_JSON_STRING;
			if ((rc = parse_string(P, &v.u.str, &v.len)) != 0)
				return rc;
			break;
		case 't':
		case 'f':
		case 'n': {
			static const struct {
				const char *word;
				enum flo_json_type type;
			} lit[] = {{"true", FLO_JSON_TRUE},
				   {"false", FLO_JSON_FALSE},
				   {"null", FLO_JSON_NULL}};
			size_t i = *P->p == 't' ? 0 : *P->p == 'f' ? 1 : 2;
			size_t n = strlen(lit[i].word);

			if ((size_t)(P->end - P->p) < n || memcmp(P->p, lit[i].word, n) != 0)
				return fail(P, P->p, FLO_ESYNTAX,
					    "invalid literal (expected true, false or null)");
			v.type = lit[i].type;
			P->p += n;
			break;
		}
		default:
			if (*P->p == '-' || (*P->p >= '0' && *P->p <= '9')) {
				v.type = FLO_JSON_NUMBER;
				if ((rc = parse_number(P, &v.u.num)) != 0)
					return rc;
				break;
			}
			return fail(P, P->p, FLO_ESYNTAX,
				    "expected a value (object, array, string, number, "
				    "true, false or null), found %s",
				    found(P, P->p, tmp));
		}

		/* v is complete: hand it to its container, and close every
		 * container it completes, until one wants another value. */
		for (;;) {
			struct frame *fr;
			int obj;

			if (P->depth == 0) {
				*root = v;
				return 0;
			}
			fr = &P->frames[P->depth - 1];
			obj = fr->type == FLO_JSON_OBJECT;
			if ((rc = push(P, fr, &v)) != 0)
				return rc;
			skip_ws(P);
			if (P->p < P->end && *P->p == ',') {
				P->p++;
				if (obj && (rc = parse_key(P, fr)) != 0)
					return rc;
				break;
			}
			if (P->p < P->end && *P->p == (obj ? '}' : ']')) {
				P->p++;
				if ((rc = close_container(P, &v)) != 0)
					return rc;
				continue;
			}
			return fail(P, P->p, FLO_ESYNTAX, "expected ',' or '%c' after %s, found %s",
				    obj ? '}' : ']', obj ? "an object member" : "an array element",
				    found(P, P->p, tmp));
		}
	}
}

int flo_json_parse(const char *text, size_t len, flo_json **doc, char *err, size_t errlen)
{
	struct parser P;
	char tmp[16];
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!doc)
		return FLO_EUSAGE;
	*doc = NULL;
	if (!text)
		return FLO_EUSAGE;
	if (len == FLO_JSON_NTS)
		len = strlen(text);
	memset(&P, 0, sizeof P);
	P.text = P.p = (const unsigned char *)text;
	P.end = P.text + len;
	P.err = err;
	P.errlen = errlen;
	P.doc = calloc(1, sizeof *P.doc);
	if (!P.doc)
		return oom(&P);
	rc = parse_value(&P, &P.doc->root);
	if (rc == 0) {
		skip_ws(&P);
		if (P.p < P.end)
			rc = fail(&P, P.p, FLO_ESYNTAX,
				  "expected the end of input after the value, found %s",
				  found(&P, P.p, tmp));
	}
	free(P.stack);
	if (rc) {
		flo_json_free(P.doc);
		return rc;
	}
	*doc = P.doc;
	return 0;
}

/* ---- lookups ---- */

const flo_json_value *flo_json_root(const flo_json *doc)
{
	return doc ? &doc->root : NULL;
}

enum flo_json_type flo_json_type(const flo_json_value *v)
{
	return v ? v->type : FLO_JSON_NONE;
}

const flo_json_value *flo_json_getn(const flo_json_value *obj, const char *key, size_t keylen)
{
	size_t lo = 0, hi;

	if (!obj || obj->type != FLO_JSON_OBJECT || !key)
		return NULL;
	hi = obj->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct flo_json_member *m = obj->u.obj.by_name[mid];
		int c = keycmp(key, keylen, m->key, m->keylen);

		if (c == 0)
			return &m->value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const flo_json_value *flo_json_get(const flo_json_value *obj, const char *key)
{
	return key ? flo_json_getn(obj, key, strlen(key)) : NULL;
}

const flo_json_value *flo_json_path(const flo_json_value *v, const char *path)
{
	const char *s = path;

	if (!path)
		return NULL;
	while (v && *s) {
		size_t n = strcspn(s, ".");
		size_t i = 0, k;

		if (n == 0)
			return NULL;
		for (k = 0; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			i = i > (SIZE_MAX - 9) / 10 ? SIZE_MAX : i * 10 + (size_t)(s[k] - '0');
		if (v->type == FLO_JSON_ARRAY && k == n)
			v = flo_json_index(v, i);
		else
			v = flo_json_getn(v, s, n);
		s += n;
		if (*s == '.' && !*++s)
			return NULL;
	}
	return v;
}

size_t flo_json_length(const flo_json_value *v)
{
	return v && (v->type == FLO_JSON_ARRAY || v->type == FLO_JSON_OBJECT) ? v->len : 0;
}

const flo_json_value *flo_json_index(const flo_json_value *arr, size_t i)
{
	if (!arr || arr->type != FLO_JSON_ARRAY || i >= arr->len)
		return NULL;
	return &arr->u.items[i];
}

const flo_json_value *flo_json_member(const flo_json_value *obj, size_t i, const char **key,
				      size_t *keylen)
{
	const struct flo_json_member *m;

	if (!obj || obj->type != FLO_JSON_OBJECT || i >= obj->len)
		return NULL;
	m = &obj->u.obj.in_order[i];
	if (key)
		*key = m->key;
	if (keylen)
		*keylen = m->keylen;
	return &m->value;
}

int flo_json_number(const flo_json_value *v, double *out)
{
	if (!v)
		return FLO_EFIELD;
	if (v->type != FLO_JSON_NUMBER)
		return FLO_ENUMBER;
	*out = v->u.num;
	return 0;
}

int flo_json_bool(const flo_json_value *v, int *out)
{
	if (!v)
		return FLO_EFIELD;
	if (v->type != FLO_JSON_TRUE && v->type != FLO_JSON_FALSE)
		return FLO_EVALUE;
	*out = v->type == FLO_JSON_TRUE;
	return 0;
}

const char *flo_json_string(const flo_json_value *v, size_t *len)
{
	if (!v || v->type != FLO_JSON_STRING)
		return NULL;
	if (len)
		*len = v->len;
	return v->u.str;
}

/* ---- writing ---- */

size_t flo_json_escape(char *dst, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char e = 0;

		switch (c) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		default: break;
		}
		if (e) {
			if (dst) {
				dst[n] = '\\';
				dst[n + 1] = e;
			}
			n += 2;
		} else if (c < 0x20) {
			if (dst) {
				memcpy(dst + n, "\\u00", 4);
				dst[n + 4] = hex[c >> 4];
				dst[n + 5] = hex[c & 15];
			}
			n += 6;
		} else {
			if (dst)
				dst[n] = (char)c;
			n++;
		}
	}
	if (dst)
		dst[n] = '\0';
	return n;
}

int flo_json_write_string(FILE *f, const char *src, size_t len)
{
	/* Escape in slices so that any length needs only this buffer. */
	enum { SLICE = 512 };
	char buf[6 * SLICE + 1];

	if (putc('"', f) == EOF)
		return FLO_EIO;
	for (size_t off = 0; off < len; off += SLICE) {
		size_t n = len - off < SLICE ? len - off : SLICE;
		size_t m = flo_json_escape(buf, src + off, n);

		if (fwrite(buf, 1, m, f) != m)
			return FLO_EIO;
	}
	if (putc('"', f) == EOF)
		return FLO_EIO;
	return 0;
}
