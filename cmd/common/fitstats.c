/* fitstats.c: a part's sufficient statistics for the fits, out and back. */
#include "common/fitstats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"
#include "common/read.h"
#include "common/xalloc.h"

static void put_number(FILE *out, const char *name, double v)
{
	char buf[64];
	size_t n = flo_format_double(buf, v);
	fprintf(out, ",\"%s\":%.*s", name, (int)n, buf);
}

void flo_fitstats_write(FILE *out, const struct flo_fit_data *d, const char *unit, int has_m)
{
	/* The unit is one of day, week, month: nothing to escape. */
	fprintf(out, "{\"row\":\"part\",\"unit\":\"%s\",\"has_monetary\":%d,\"rows\":%zu}\n",
		unit != NULL ? unit : "", has_m ? 1 : 0, d->ntri + d->nspend);
	for (size_t i = 0; i < d->ntri; i++) {
		const struct flo_triple *t = &d->tri[i];
		fputs("{\"row\":\"bgnbd\"", out);
		put_number(out, "frequency", t->x);
		put_number(out, "recency", t->tx);
		put_number(out, "T", t->T);
		put_number(out, "weight", t->w);
		fputs("}\n", out);
	}
	for (size_t i = 0; i < d->nspend; i++) {
		const struct flo_spend *s = &d->spend[i];
		fputs("{\"row\":\"gg\"", out);
		put_number(out, "frequency", s->x);
		put_number(out, "monetary", s->m);
		put_number(out, "weight", s->w);
		fputs("}\n", out);
	}
	if (fflush(out) != 0 || ferror(out))
		flo_die(FLO_EXIT_IOERR, "write error: %s", strerror(errno));
}

struct cols {
	struct flo_col row, unit, monetary, rows, x, tx, T, m, w;
};

/* What the part lines said, and what came. */
struct parts {
	int seen, has_m;
	const char *unit;   /* stated, or NULL */
	double rows_said, rows_read;
};

static int same_text(const struct flo_field *f, const char *s)
{
	return f != NULL && f->len == strlen(s) && memcmp(f->val, s, f->len) == 0;
}

static void read_part(flo_reader *r, struct flo_bad *bad, struct cols *c, struct parts *p)
{
	static const char *const units[] = {"day", "week", "month"};
	const struct flo_field *u = flo_reader_get(r, &c->unit);
	double has_m, rows;
	if (!flo_read_number(bad, r, &c->monetary, FLO_FIELD_COUNT, &has_m, NULL) ||
	    !flo_read_number(bad, r, &c->rows, FLO_FIELD_COUNT, &rows, NULL))
		return;
	const char *unit = NULL;
	for (int i = 0; i < 3; i++)
		if (same_text(u, units[i]))
			unit = units[i];
	if (u == NULL || (unit == NULL && u->len != 0)) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "field \"unit\" is not day, week, month or empty");
		return;
	}
	if (unit != NULL && p->unit != NULL && strcmp(unit, p->unit) != 0) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "a part in %ss, another in %ss: a fit would mix time units", unit,
			       p->unit);
		return;
	}
	if (p->seen && (has_m != 0) != p->has_m) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "parts with and without a monetary field: their Gamma-Gamma data "
			       "cannot be merged");
		return;
	}
	if (unit != NULL)
		p->unit = unit;
	p->has_m = has_m != 0;
	p->seen = 1;
	p->rows_said += rows;
}

static void read_row(flo_reader *r, struct flo_bad *bad, struct cols *c, struct parts *p,
		     struct flo_fit_data *d, int gg)
{
	double x, tx = 0, T = 0, m = 0, w;
	if (!p->seen) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "a row before any part line: not flo-fit --write-stats statistics");
		return;
	}
	if (!flo_read_number(bad, r, &c->x, FLO_FIELD_COUNT, &x, NULL) ||
	    (!gg && (!flo_read_number(bad, r, &c->tx, FLO_FIELD_NUMBER, &tx, NULL) ||
		     !flo_read_number(bad, r, &c->T, FLO_FIELD_NUMBER, &T, NULL))) ||
	    (gg && !flo_read_number(bad, r, &c->m, FLO_FIELD_NUMBER, &m, NULL)) ||
	    !flo_read_number(bad, r, &c->w, FLO_FIELD_NUMBER, &w, NULL))
		return;
	if (!(w >= 0)) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR, "field \"weight\" is negative: %g", w);
		return;
	}
	if (!gg && (tx < 0 || T < tx || (x == 0 && tx != 0))) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "recency %g and T %g with frequency %g: need 0 <= recency <= T, "
			       "recency 0 without repeat purchases", tx, T, x);
		return;
	}
	if (gg && !(x > 0 && m > 0)) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR,
			       "a spend row needs frequency > 0 and monetary > 0: %g, %g", x, m);
		return;
	}
	int err = gg ? flo_fit_data_add_spend(d, x, m, w) : flo_fit_data_add_triple(d, x, tx, T, w);
	if (err != FLO_OK)
		flo_out_of_memory();
	p->rows_read++;
}

int flo_fitstats_read(flo_reader *r, struct flo_bad *bad, struct flo_fit_data *d,
		      const char **unit)
{
	struct cols c = {FLO_COL("row"), FLO_COL("unit"), FLO_COL("has_monetary"), FLO_COL("rows"),
			 FLO_COL("frequency"), FLO_COL("recency"), FLO_COL("T"),
			 FLO_COL("monetary"), FLO_COL("weight")};
	struct parts p = {0, 0, *unit, 0, 0};
	int got;
	while ((got = flo_reader_next(r)) != 0) {
		if (got < 0) {
			flo_reader_failed(bad, r, got);
			continue;
		}
		const struct flo_field *row = flo_reader_get(r, &c.row);
		if (same_text(row, "part"))
			read_part(r, bad, &c, &p);
		else if (same_text(row, "bgnbd") || same_text(row, "gg"))
			read_row(r, bad, &c, &p, d, same_text(row, "gg"));
		else
			flo_bad_record(bad, r, FLO_EXIT_DATAERR,
				       "field \"row\" is not part, bgnbd or gg: not flo-fit "
				       "--write-stats statistics");
	}
	flo_bad_finish(bad);
	if (!p.seen)
		flo_die(FLO_EXIT_DATAERR, "%s: no part line: not flo-fit --write-stats statistics",
			bad->input_name);
	if (bad->count == 0 && p.rows_read != p.rows_said)
		flo_die(FLO_EXIT_DATAERR,
			"%s: the part lines announce %.0f rows, %.0f came: statistics cut short",
			bad->input_name, p.rows_said, p.rows_read);
	*unit = p.unit;
	return p.has_m;
}
