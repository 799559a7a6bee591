/* custsettings.c: the conventions a store's customer states follow (see
 * custdb.h): the settings record's text written and read, and a run's
 * options settled against the store's. */
#include "store/custdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/err.h"
#include "base/unit.h"
#include "store/custshared.h"

/* ---- settings ---- */

void flo_custdb_settings_free(struct flo_custdb_settings *s)
{
	free(s->order_id);
	for (size_t i = 0; s->keep != NULL && i < s->nkeep; i++)
		free(s->keep[i]);
	free(s->keep);
	memset(s, 0, sizeof *s);
}

static const char *occasion_name(const struct flo_custdb_settings *s)
{
	return s->per_order ? "order"
	       : s->period == FLO_PERIOD_WEEK ? "week"
	       : s->period == FLO_PERIOD_MONTH ? "month" : "day";
}

/* The record's text, malloc'd (*len bytes), or NULL when out of memory. */
char *custdb_settings_format(const struct flo_custdb_settings *s, size_t *len)
{
	size_t cap = 128 + (s->order_id ? strlen(s->order_id) : 0);
	for (size_t i = 0; i < s->nkeep; i++)
		cap += 6 + strlen(s->keep[i]);
	char *text = malloc(cap);
	if (text == NULL)
		return NULL;
	size_t n = (size_t)snprintf(text, cap, "flo-custstate %d\nunit %s\noccasion %s\nfrequency %s\n",
				    FLO_CUSTSTATE_FORMAT, s->unit, occasion_name(s),
				    s->freq_total ? "total" : "repeat");
	if (s->net_returns)
		n += (size_t)snprintf(text + n, cap - n, "returns net\n");
	if (s->order_id)
		n += (size_t)snprintf(text + n, cap - n, "order-id %s\n", s->order_id);
	for (size_t i = 0; i < s->nkeep; i++)
		n += (size_t)snprintf(text + n, cap - n, "keep %s\n", s->keep[i]);
	if (s->has_latest) {
		char day[16];
		flo_format_day(day, s->latest);
		n += (size_t)snprintf(text + n, cap - n, "latest %s\n", day);
	}
	*len = n;
	return text;
}

static int line_is(const char *line, size_t len, const char *key, const char **val,
		   size_t *vlen)
{
	size_t k = strlen(key);
	if (len <= k + 1 || memcmp(line, key, k) != 0 || line[k] != ' ')
		return 0;
	*val = line + k + 1;
	*vlen = len - k - 1;
	return 1;
}

static int value_is(const char *v, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(v, want, n) == 0;
}

/* Parse the record; FLO_EVERSION (a newer format, or an older one: *older
 * says which) or FLO_EVALUE (damaged). */
static int settings_parse(const char *text, size_t len, struct flo_custdb_settings *s,
			  long *older)
{
	static const char magic[] = "flo-custstate ";
	const char *p = text, *end = text + len;
	int seen_unit = 0, seen_occ = 0, seen_freq = 0, seen_returns = 0, first = 1;

	memset(s, 0, sizeof *s);
	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len) != NULL)
		return FLO_EVALUE;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t n = (size_t)(nl - p), vn;
		if (first) {
			long ver = 0;
			size_t i = sizeof magic - 1;
			if (n <= i || n > i + 6 || memcmp(p, magic, i) != 0)
				return FLO_EVALUE;
			for (; i < n; i++) {
				if (p[i] < '0' || p[i] > '9')
					return FLO_EVALUE;
				ver = ver * 10 + (p[i] - '0');
			}
			if (ver > FLO_CUSTSTATE_FORMAT)
				return FLO_EVERSION;
			if (ver >= 1 && ver < FLO_CUSTSTATE_FORMAT) {
				*older = ver;
				return FLO_EVERSION;
			}
			if (ver != FLO_CUSTSTATE_FORMAT)
				return FLO_EVALUE;
			first = 0;
		} else if (line_is(p, n, "unit", &v, &vn)) {
			double days;
			if (seen_unit++ || vn >= sizeof s->unit)
				return FLO_EVALUE;
			memcpy(s->unit, v, vn);
			s->unit[vn] = '\0';
			if (flo_unit_days(s->unit, &days) != FLO_OK)
				return FLO_EVALUE;
		} else if (line_is(p, n, "occasion", &v, &vn)) {
			if (seen_occ++ || !(value_is(v, vn, "day") || value_is(v, vn, "order") ||
					    value_is(v, vn, "week") || value_is(v, vn, "month")))
				return FLO_EVALUE;
			s->per_order = value_is(v, vn, "order");
			s->period = value_is(v, vn, "week")    ? FLO_PERIOD_WEEK
				    : value_is(v, vn, "month") ? FLO_PERIOD_MONTH
							       : FLO_PERIOD_NONE;
		} else if (line_is(p, n, "frequency", &v, &vn)) {
			if (seen_freq++ || !(value_is(v, vn, "repeat") || value_is(v, vn, "total")))
				return FLO_EVALUE;
			s->freq_total = value_is(v, vn, "total");
		} else if (line_is(p, n, "returns", &v, &vn)) {
			if (seen_returns++ || !value_is(v, vn, "net"))
				return FLO_EVALUE;
			s->net_returns = 1;
		} else if (line_is(p, n, "order-id", &v, &vn)) {
			if (s->order_id != NULL || (s->order_id = strndup(v, vn)) == NULL)
				return s->order_id ? FLO_EVALUE : FLO_ENOMEM;
		} else if (line_is(p, n, "keep", &v, &vn)) {
			char **k = realloc(s->keep, (s->nkeep + 1) * sizeof *k);
			if (k == NULL)
				return FLO_ENOMEM;
			s->keep = k;
			if ((k[s->nkeep] = strndup(v, vn)) == NULL)
				return FLO_ENOMEM;
			s->nkeep++;
		} else if (line_is(p, n, "latest", &v, &vn)) {
			if (s->has_latest || flo_parse_day(v, vn, &s->latest) != FLO_OK || vn != 10)
				return FLO_EVALUE;
			s->has_latest = 1;
		} else {
			return FLO_EVALUE;
		}
		p = nl + 1;
	}
	/* A calendar period is the unit. */
	if (s->period != FLO_PERIOD_NONE && strcmp(s->unit, occasion_name(s)) != 0)
		return FLO_EVALUE;
	return seen_unit && seen_occ && seen_freq ? FLO_OK : FLO_EVALUE;
}

int custdb_settings_get(flo_store *s, struct flo_custdb_settings *out, char *err,
			size_t errlen)
{
	const void *val;
	size_t len;
	int rc = flo_store_customer_get(s, FLO_CUSTDB_SETTINGS_KEY, FLO_CUSTDB_SETTINGS_KEYLEN,
					&val, &len);
	memset(out, 0, sizeof *out);
	if (rc == FLO_ENOTFOUND) {
		snprintf(err, errlen, "no customer states stored");
		return rc;
	}
	if (rc == FLO_EVALUE) {
		snprintf(err, errlen, "the customer-state settings record is damaged (its "
			 "checksum fails)");
		return FLO_ESTORE;
	}
	if (rc != FLO_OK) {
		snprintf(err, errlen, "%s", flo_store_errmsg(s));
		return rc;
	}
	long older = 0;
	rc = settings_parse(val, len, out, &older);
	if (rc == FLO_OK)
		return rc;
	flo_custdb_settings_free(out);
	if (rc == FLO_EVERSION && older)
		snprintf(err, errlen, "customer states of format %ld, older than this flo reads "
			 "(%d): rebuild the store from the order log (flo-rfm --db new.lmdb "
			 "orders.csv); the flo that wrote it still dumps its summaries", older,
			 FLO_CUSTSTATE_FORMAT);
	else if (rc == FLO_EVERSION)
		snprintf(err, errlen, "customer states of a newer format than this flo reads "
			 "(%d): upgrade flo", FLO_CUSTSTATE_FORMAT);
	else if (rc == FLO_EVALUE)
		snprintf(err, errlen, "the customer-state settings record is damaged");
	else
		snprintf(err, errlen, "out of memory");
	return rc == FLO_EVALUE ? FLO_ESTORE : rc;
}

int flo_custdb_read_settings(flo_store *s, struct flo_custdb_settings *out, char *err,
			     size_t errlen)
{
	int rc = flo_store_batch_begin(s);
	if (rc != FLO_OK) {
		memset(out, 0, sizeof *out);
		snprintf(err, errlen, "%s", flo_store_errmsg(s));
		return rc;
	}
	rc = custdb_settings_get(s, out, err, errlen);
	flo_store_batch_abort(s);
	return rc;
}

/* ---- the conventions of a run ---- */

/* "--keep a,b" (or "no --keep") into buf, cut short if need be. */
static const char *keep_list(char *buf, size_t size, char *const *keep, size_t n)
{
	size_t len = (size_t)snprintf(buf, size, n ? "--keep " : "no --keep");
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", keep[i]);
	return buf;
}

static int conflict(char *msg, size_t msglen, const char *name, const char *stored,
		    const char *given)
{
	snprintf(msg, msglen, "%s: the store's customer states were made with %s, not %s: "
		 "mixing the two would corrupt the summaries (use another store)",
		 name, stored, given);
	return FLO_EUSAGE;
}

/* A store without states: the wish's conventions, to be recorded. */
static int settle_new(const struct flo_custdb_wish *w, const struct flo_rfm_config *cfg,
		      struct flo_custdb_settings *set, char *msg, size_t msglen)
{
	memset(set, 0, sizeof *set);
	snprintf(set->unit, sizeof set->unit, "%s", w->unit);
	set->per_order = cfg->per_order;
	set->period = cfg->period;
	set->freq_total = cfg->freq_total;
	set->net_returns = cfg->net_returns;
	set->order_id = w->order_id ? strdup(w->order_id) : NULL;
	set->keep = calloc(w->nkeep ? w->nkeep : 1, sizeof *set->keep);
	if ((w->order_id && !set->order_id) || !set->keep)
		return FLO_ENOMEM;
	/* The store keeps names one to a line. */
	if (w->order_id && strchr(w->order_id, '\n')) {
		snprintf(msg, msglen, "option --order-id: a field name with a newline cannot "
			 "be recorded in the store");
		return FLO_EUSAGE;
	}
	for (size_t i = 0; i < w->nkeep; i++) {
		if (strchr(w->keep[i], '\n')) {
			snprintf(msg, msglen, "option --keep: a field name with a newline "
				 "cannot be recorded in the store");
			return FLO_EUSAGE;
		}
		if ((set->keep[i] = strdup(w->keep[i])) == NULL)
			return FLO_ENOMEM;
		set->nkeep++;
	}
	return FLO_OK;
}

/* The store's conventions against the wish's. */
static int settle_stored(const char *name, const struct flo_custdb_wish *w,
			 const struct flo_rfm_config *cfg, const struct flo_custdb_settings *set,
			 char *msg, size_t msglen)
{
	char a[600], b[600];
	if (w->unit_given && strcmp(w->unit, set->unit) != 0) {
		snprintf(a, sizeof a, "--unit %s", set->unit);
		snprintf(b, sizeof b, "--unit %s", w->unit);
		return conflict(msg, msglen, name, a, b);
	}
	struct flo_custdb_settings wished = {.per_order = cfg->per_order, .period = cfg->period};
	if (w->occasion_given && strcmp(occasion_name(&wished), occasion_name(set)) != 0) {
		snprintf(a, sizeof a, "--occasion %s", occasion_name(set));
		snprintf(b, sizeof b, "--occasion %s", occasion_name(&wished));
		return conflict(msg, msglen, name, a, b);
	}
	if (cfg->net_returns && !set->net_returns)
		return conflict(msg, msglen, name, "--returns drop or keep", "--returns net");
	if (w->frequency_given && cfg->freq_total != set->freq_total)
		return conflict(msg, msglen, name,
				set->freq_total ? "--frequency total" : "--frequency repeat",
				cfg->freq_total ? "--frequency total" : "--frequency repeat");
	if (w->order_id != NULL &&
	    (set->order_id == NULL || strcmp(w->order_id, set->order_id) != 0)) {
		if (set->order_id != NULL)
			snprintf(a, sizeof a, "--order-id %.500s", set->order_id);
		else
			snprintf(a, sizeof a, "no --order-id");
		snprintf(b, sizeof b, "--order-id %.500s", w->order_id);
		return conflict(msg, msglen, name, a, b);
	}
	int same = w->nkeep == set->nkeep;
	for (size_t i = 0; same && i < w->nkeep; i++)
		same = strcmp(w->keep[i], set->keep[i]) == 0;
	if (w->keep != NULL && !same)
		return conflict(msg, msglen, name, keep_list(a, sizeof a, set->keep, set->nkeep),
				keep_list(b, sizeof b, w->keep, w->nkeep));
	return FLO_OK;
}

int flo_custdb_settle(flo_store *s, const char *name, const struct flo_custdb_wish *w,
		      struct flo_rfm_config *cfg, struct flo_custdb_settings *set, char *msg,
		      size_t msglen)
{
	char err[FLO_STORE_ERRMAX];
	int rc = flo_custdb_read_settings(s, set, err, sizeof err), stored = rc == FLO_OK;
	if (rc == FLO_ENOTFOUND)
		rc = settle_new(w, cfg, set, msg, msglen);
	else if (rc == FLO_OK)
		rc = settle_stored(name, w, cfg, set, msg, msglen);
	else
		snprintf(msg, msglen, "%s: %s", name, err);
	if (rc == FLO_ENOMEM)
		snprintf(msg, msglen, "%s", flo_strerror(rc));
	if (rc != FLO_OK) {
		flo_custdb_settings_free(set);
		return rc;
	}
	flo_unit_days(set->unit, &cfg->unit_days);
	cfg->per_order = set->per_order;
	cfg->period = set->period;
	cfg->freq_total = set->freq_total;
	cfg->net_returns = set->net_returns;
	cfg->order_ids = set->order_id != NULL;
	cfg->nkeep = w->keep != NULL ? w->nkeep : set->nkeep;
	return stored ? FLO_OK : FLO_ENOTFOUND;
}
