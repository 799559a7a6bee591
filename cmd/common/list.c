/* list.c: comma-separated option values. */
#include "common/list.h"

#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/xalloc.h"

void flo_list_parse(struct flo_list *l, const char *opt, const char *arg, unsigned how)
{
	size_t cap = 1;
	flo_list_free(l);
	for (const char *p = arg; *p; p++)
		cap += *p == ',';
	l->text = flo_xstrdup(arg);
	l->item = flo_xcalloc(cap, sizeof *l->item);
	for (char *p = l->text;;) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*p == '\0' && (how & FLO_LIST_NAMES))
			flo_usage_error("option %s: an empty name in \"%s\"", opt, arg);
		for (size_t j = 0; (how & FLO_LIST_NAMES) && j < l->n; j++)
			if (strcmp(l->item[j], p) == 0)
				flo_usage_error("option %s: \"%s\" given twice", opt, p);
		if (*p != '\0' || !(how & FLO_LIST_SKIP_EMPTY))
			l->item[l->n++] = p;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (l->n == 0 && (how & FLO_LIST_SKIP_EMPTY))
		flo_usage_error("option %s: no field names in \"%s\"", opt, arg);
}

void flo_list_free(struct flo_list *l)
{
	free(l->text);
	free(l->item);
	*l = (struct flo_list){0};
}
