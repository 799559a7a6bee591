/* list.h: comma-separated option values (--keep a,b; --horizon 12,24;
 * --labels D,C,B,A), split once in one way.  A bad list is a usage error
 * (exit 2) naming the option. */
#ifndef FLO_LIST_H
#define FLO_LIST_H

#include <stddef.h>

struct flo_list {
	char *text;  /* the option's copy, cut at the commas */
	char **item; /* n items into text */
	size_t n;
};

enum {
	FLO_LIST_ALL = 0,          /* every item, empty ones too */
	FLO_LIST_SKIP_EMPTY = 1,   /* empty items left out; none left is an error */
	FLO_LIST_NAMES = 2,        /* every item a name: not empty, none twice */
};

/* Split arg into l (freed first: an option given twice keeps the last). */
void flo_list_parse(struct flo_list *l, const char *opt, const char *arg, unsigned how);
void flo_list_free(struct flo_list *l);

#endif
