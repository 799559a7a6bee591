/* custsum.c: RFM summaries from the FLO customer-summary layout
 * (../shared/data/README.md): one row per customer with first and last
 * order dates, online and offline order counts and values. */
#include "rfm/custsum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/quantile.h"
#include "base/idmap.h"
#include "rfm/kept.h"
#include "base/money.h"

const char *const flo_custsum_columns[] = {
	[FLO_CS_FIRST] = "first_order_date",
	[FLO_CS_LAST] = "last_order_date",
	[FLO_CS_ORDERS_ONLINE] = "order_num_total_ever_online",
	[FLO_CS_ORDERS_OFFLINE] = "order_num_total_ever_offline",
	[FLO_CS_VALUE_OFFLINE] = "customer_value_total_ever_offline",
	[FLO_CS_VALUE_ONLINE] = "customer_value_total_ever_online",
	NULL,
};

struct row {
	int32_t first, last;
	double cv[4]; /* orders online, orders offline, value offline, value online */
	unsigned char *kept;
};

struct flo_custsum {
	struct flo_rfm_config cfg;
	flo_idmap *ids;
	struct row *rows;
	size_t cap;
	int32_t max_last;
};

size_t flo_custsum_count(const flo_custsum *c)
{
	return flo_idmap_count(c->ids);
}

int flo_custsum_new(flo_custsum **out, const struct flo_rfm_config *cfg)
{
	flo_custsum *c = calloc(1, sizeof *c);
	if (c == NULL)
		return FLO_ENOMEM;
	c->cfg = *cfg;
	c->max_last = INT32_MIN;
	if (flo_idmap_new(&c->ids) != FLO_OK) {
		free(c);
		return FLO_ENOMEM;
	}
	*out = c;
	return FLO_OK;
}

void flo_custsum_free(flo_custsum *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < flo_idmap_count(c->ids); i++)
		free(c->rows[i].kept);
	free(c->rows);
	flo_idmap_free(c->ids);
	free(c);
}

int flo_custsum_add(flo_custsum *c, const char *id, size_t id_len,
		    int32_t first_day, int32_t last_day, const double cv[4],
		    const struct flo_field *keep)
{
	uint32_t idx;
	int added, err;
	if ((err = flo_idmap_intern(c->ids, id, id_len, &idx, &added)) != FLO_OK)
		return err;
	if (!added)
		return FLO_EVALUE;
	if (idx >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct row *rows = realloc(c->rows, cap * sizeof *rows);
		if (rows == NULL)
			return FLO_ENOMEM;
		c->rows = rows;
		c->cap = cap;
	}
	struct row *row = &c->rows[idx];
	row->first = first_day;
	row->last = last_day;
	memcpy(row->cv, cv, sizeof row->cv);
	row->kept = NULL;
	if (c->cfg.nkeep > 0 && flo_kept_pack(&row->kept, keep, c->cfg.nkeep) != FLO_OK)
		return FLO_ENOMEM;
	if (last_day > c->max_last)
		c->max_last = last_day;
	return FLO_OK;
}

int32_t flo_custsum_as_of(const flo_custsum *c)
{
	return c->cfg.has_as_of ? c->cfg.as_of : c->max_last;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void flo_custsum_cap_outliers(flo_custsum *c, double limits[4])
{
	size_t n = flo_idmap_count(c->ids);
	double *col = malloc((n ? n : 1) * sizeof *col);
	for (int k = 0; k < 4; k++) {
		if (col == NULL || n == 0) {
			limits[k] = HUGE_VAL;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			col[i] = c->rows[i].cv[k];
		qsort(col, n, sizeof *col, by_value);
		double q01 = flo_quantile_sorted(col, n, 0.01);
		double q99 = flo_quantile_sorted(col, n, 0.99);
		double up = q99 + 1.5 * (q99 - q01);
		/* Python's round() is half to even, as rint() in the default
		 * rounding mode; C's round() would turn 48.5 into 49. */
		double capped = rint(up);
		for (size_t i = 0; i < n; i++)
			if (c->rows[i].cv[k] > up)
				c->rows[i].cv[k] = capped;
		limits[k] = up;
	}
	free(col);
}

int flo_custsum_each(flo_custsum *c, flo_summary_fn *fn, void *ctx,
		     size_t *after_as_of, const char **bad, size_t *bad_len)
{
	const struct flo_rfm_config *cfg = &c->cfg;
	size_t n = flo_idmap_count(c->ids);
	uint32_t *order = flo_idmap_sorted(c->ids);
	struct flo_field *kept = calloc(cfg->nkeep ? cfg->nkeep : 1, sizeof *kept);
	if (order == NULL || kept == NULL) {
		free(order);
		free(kept);
		return FLO_ENOMEM;
	}
	int32_t as_of = flo_custsum_as_of(c);
	int err = FLO_OK;
	*after_as_of = 0;
	for (size_t k = 0; k < n && err == FLO_OK; k++) {
		const struct row *row = &c->rows[order[k]];
		struct flo_summary s = {0};
		s.id = flo_idmap_id(c->ids, order[k], &s.id_len);
		if (row->first > as_of) {
			(*after_as_of)++;
			continue;
		}
		if (row->last > as_of) {
			*bad = s.id;
			*bad_len = s.id_len;
			err = FLO_EVALUE;
			break;
		}
		double orders = row->cv[0] + row->cv[1];
		struct flo_money total = flo_money_of(row->cv[2]);
		flo_money_add(&total, flo_money_of(row->cv[3]));
		double value = flo_money_value(total);
		s.frequency = cfg->freq_total ? orders : orders - 1;
		s.recency = (row->last - row->first) / cfg->unit_days;
		s.T = (as_of - row->first) / cfg->unit_days;
		s.monetary = value / orders;
		s.orders = orders;
		s.revenue = value;
		s.first_order = row->first;
		s.last_order = row->last;
		flo_kept_unpack(row->kept, kept, cfg->nkeep);
		s.kept = kept;
		fn(ctx, &s);
	}
	free(kept);
	free(order);
	return err;
}
