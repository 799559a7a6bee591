/* fitrun.c: read RFM summaries, fit both models, write the document. */
#include "common/fitrun.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/date.h"
#include "base/err.h"
#include "model/fit.h"
#include "model/fitlik.h"
#include "base/idmap.h"
#include "base/num.h"
#include "base/pool.h"
#include "base/quote.h"
#include "base/unit.h"

/* ---- reading ---- */

struct fit_data {
	struct flo_triple *tri;
	size_t ntri, cap_tri;
	struct flo_spend *spend;
	size_t nspend, cap_spend;
	double customers, left_out;
	uint64_t fingerprint; /* see fingerprint_add() */
	/* the unit read off the data: days per unit, 0 until known */
	double unit_days;
	long unit_line;
};

/* A fingerprint of the fitted data: the sum over records of a hash of
 * (x, t_x, T) times the record's weight, and of (x, m) times the weight for
 * those in the Gamma-Gamma, modulo the prime 2^61 - 1.  A sum does not
 * depend on the order, and a weight multiplies: the same customers give the
 * same fingerprint in any order, and a record of weight 2 counts as two of
 * weight 1, without sorting or merging anything.  Weights count in units of
 * 2^-20, exactly for whole numbers below 2^44.  (Modulo 2^64 the units'
 * factor 2^20 would have zeroed the low 20 bits.) */
#define FINGERPRINT_MOD ((UINT64_C(1) << 61) - 1)

/* v modulo 2^61 - 1, where 2^61 is 1: the sum of v's 61-bit pieces. */
static uint64_t mod61(unsigned __int128 v)
{
	uint64_t r = (uint64_t)(v & FINGERPRINT_MOD) + (uint64_t)(v >> 61 & FINGERPRINT_MOD) +
		     (uint64_t)(v >> 122);
	r = (r & FINGERPRINT_MOD) + (r >> 61);
	return r >= FINGERPRINT_MOD ? r - FINGERPRINT_MOD : r;
}

static void fingerprint_add(uint64_t *fp, const double *v, size_t n, double w, uint64_t tag)
{
	double z[3];
	for (size_t i = 0; i < n; i++)
		z[i] = v[i] + 0.0; /* -0 as 0: equal numbers, one hash */
	double units = w * 0x1p20; /* exact: a power of two */
	uint64_t u = units < 0x1p64 ? (uint64_t)units
				    : (uint64_t)fmod(isfinite(units) ? units : 0x1p64 - 0x1p11, 0x1p64);
	uint64_t h = mod61((unsigned __int128)mod61(flo_hash((const char *)z, n * sizeof *z)) * tag);
	*fp = mod61((unsigned __int128)mod61((unsigned __int128)h * mod61(u)) + *fp);
}

static void push_triple(struct fit_data *d, struct flo_triple t)
{
	/* Compacting whenever the buffer fills keeps memory in proportion to
	 * distinct triples, however many customers stream past. */
	if (d->ntri == d->cap_tri) {
		d->ntri = flo_triples_compact(d->tri, d->ntri);
		if (d->cap_tri == 0 || d->ntri * 2 > d->cap_tri) {
			size_t cap = d->cap_tri ? d->cap_tri * 2 : 65536;
			struct flo_triple *p = realloc(d->tri, cap * sizeof *p);
			if (p == NULL)
				flo_die(FLO_EXIT_SOFTWARE, "out of memory");
			d->tri = p;
			d->cap_tri = cap;
		}
	}
	d->tri[d->ntri++] = t;
}

static void push_spend(struct fit_data *d, struct flo_spend s)
{
	if (d->nspend == d->cap_spend) {
		d->nspend = flo_spend_compact(d->spend, d->nspend);
		if (d->cap_spend == 0 || d->nspend * 2 > d->cap_spend) {
			size_t cap = d->cap_spend ? d->cap_spend * 2 : 65536;
			struct flo_spend *p = realloc(d->spend, cap * sizeof *p);
			if (p == NULL)
				flo_die(FLO_EXIT_SOFTWARE, "out of memory");
			d->spend = p;
			d->cap_spend = cap;
		}
	}
	d->spend[d->nspend++] = s;
}

struct cols {
	struct flo_col x, tx, T, m, w, first, last;
};

static int number(struct flo_fitrun_options *o, flo_reader *r, struct flo_col *col, double *v,
		  int required)
{
	const struct flo_field *f = flo_reader_get(r, col);
	if (f == NULL || f->kind == FLO_KIND_NULL) {
		if (required)
			flo_bad_record(o->bad, r, FLO_EXIT_DATAERR, "missing field \"%s\"",
				       col->name);
		return 0;
	}
	int err = flo_parse_double(f->val, f->len, v);
	if (err == FLO_OK)
		return 1;
	flo_bad_record(o->bad, r, FLO_EXIT_DATAERR, "field \"%s\" is %s: \"%s\"", col->name,
		       err == FLO_ERANGE ? "out of range" : "not a number",
		       flo_quote(f->val, f->len));
	return -1;
}

/* The time unit of a record made by flo-rfm, from its dates and recency. */
static void check_unit(struct flo_fitrun_options *o, flo_reader *r, struct cols *c, struct fit_data *d,
		       double recency)
{
	const struct flo_field *f = flo_reader_get(r, &c->first), *l = flo_reader_get(r, &c->last);
	int32_t first, last;
	if (recency <= 0 || f == NULL || l == NULL || flo_parse_day(f->val, f->len, &first) ||
	    flo_parse_day(l->val, l->len, &last))
		return;
	double days = (last - first) / recency;
	if (d->unit_days == 0) {
		static const char *const units[] = {"day", "week", "month"};
		for (int i = 0; i < 3; i++) {
			double u;
			flo_unit_days(units[i], &u);
			if (fabs(days - u) <= 1e-6 * u) {
				d->unit_days = u;
				d->unit_line = flo_reader_line(r);
				if (o->unit == NULL)
					o->unit = units[i];
			}
		}
		if (d->unit_days == 0)
			d->unit_days = -1; /* not a flo unit: trust --unit */
	}
	double want;
	if (o->unit != NULL && d->unit_days > 0 && flo_unit_days(o->unit, &want) == FLO_OK &&
	    fabs(days - want) > 1e-6 * want)
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "recency %g is not in %ss: last_order - first_order is %d days",
			       recency, o->unit, (int)(last - first));
}

static void read_record(struct flo_fitrun_options *o, flo_reader *r, struct cols *c, struct fit_data *d)
{
	double x, tx, T, m, w = 1;
	if (number(o, r, &c->x, &x, 1) != 1 || number(o, r, &c->tx, &tx, 1) != 1 ||
	    number(o, r, &c->T, &T, 1) != 1)
		return;
	int has_m = number(o, r, &c->m, &m, 1);
	if (has_m != 1)
		return;
	if (o->weight != NULL && number(o, r, &c->w, &w, 1) != 1)
		return;
	if (x < 0 || x != floor(x)) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "field \"frequency\" is not a whole non-negative count: %g", x);
		return;
	}
	if (tx < 0 || T < tx) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "recency %g and T %g: need 0 <= recency <= T", tx, T);
		return;
	}
	if (x == 0 && tx != 0) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR,
			       "recency %g with frequency 0: a customer without repeat purchases has recency 0",
			       tx);
		return;
	}
	if (!(w >= 0)) {
		flo_bad_record(o->bad, r, FLO_EXIT_DATAERR, "field \"%s\" is negative: %g",
			       o->weight, w);
		return;
	}
	check_unit(o, r, c, d, tx);
	d->customers += w;
	fingerprint_add(&d->fingerprint, (const double[]){x, tx, T}, 3, w, 1);
	push_triple(d, (struct flo_triple){x, tx, T, w});
	if (x > 0 && m > 0) {
		fingerprint_add(&d->fingerprint, (const double[]){x, m}, 2, w, 31);
		push_spend(d, (struct flo_spend){x, m, w});
	} else {
		d->left_out += w;
	}
}

/* ---- the report ---- */

static char *warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static const char *const names_bgnbd[] = {"r", "alpha", "a", "b"};
static const char *const names_gg[] = {"p", "q", "v"};

/* Parameters whose standard error dwarfs the estimate: the data do not pin
 * them down (small samples drift toward the boundaries). */
static size_t unidentified(const struct flo_fit_result *f, const char *const *names,
			   char **w)
{
	size_t n = 0;
	for (int j = 0; j < f->np && n < 2; j++)
		if (f->se[j] > 50 * f->params[j])
			w[n++] = warning("%s = %.4g is not identified by these data: its standard "
					 "error, %.3g, is %.0f times the estimate", names[j],
					 f->params[j], f->se[j], f->se[j] / f->params[j]);
	return n;
}

static size_t bgnbd_warnings(const struct flo_fit_result *f, char **w)
{
	size_t n = 0;
	double r = f->params[0], alpha = f->params[1], a = f->params[2], b = f->params[3];
	if (!f->converged)
		w[n++] = warning("the BG/NBD fit did not converge (gradient norm %.3g after %d "
				 "iterations): these parameters are the best found, not a maximum "
				 "of the likelihood", f->grad_norm, f->iterations);
	double dropout = a / (a + b);
	if (dropout < 1e-6 || a < 1e-6 || (b > 1e6 && a < 1))
		w[n++] = warning("no dropout is identified: a = %.4g and b = %.4g run to the "
				 "boundary (mean dropout probability per purchase a/(a+b) = %.3g), "
				 "where the BG/NBD reduces to the NBD: every customer is predicted "
				 "alive, P(alive) = 1", a, b, dropout);
	else if (a + b > 1e6 && dropout < 0.01)
		w[n++] = warning("no dropout is identified: a = %.4g and b = %.4g run to infinity "
				 "together, which gives every customer the same small dropout "
				 "probability, a/(a+b) = %.3g per purchase: the BG/NBD reduces to "
				 "nearly the NBD and every customer is predicted nearly alive",
				 a, b, dropout);
	else if (a + b > 1e6)
		w[n++] = warning("dropout is the same for every customer: a = %.4g and b = %.4g "
				 "run to infinity together (a/(a+b) = %.3g per purchase); the "
				 "spread of dropout probabilities is not identified", a, b, dropout);
	if (r > 1e6 || alpha > 1e12 || r < 1e-6)
		w[n++] = warning("the purchase-rate distribution runs to a boundary (r = %.4g, "
				 "alpha = %.4g): the rates are not identified", r, alpha);
	if (!f->has_se)
		w[n++] = warning("no standard errors: the information matrix is singular at "
				 "this estimate (a boundary solution)");
	else
		n += unidentified(f, names_bgnbd, w + n);
	return n;
}

/* The weighted correlation of x and m over the compacted spend pairs, into
 * *corr; 0 when either does not vary.  Two passes, about the means, which
 * sums of squares would lose to cancellation for large m; over the pairs
 * in their sorted order, so that the records' order changes no digit. */
static int correlation(const struct flo_spend *s, size_t n, double *corr)
{
	double sw = 0, sx = 0, sm = 0;
	for (size_t i = 0; i < n; i++)
		sw += s[i].w, sx += s[i].w * s[i].x, sm += s[i].w * s[i].m;
	*corr = 0;
	if (!(sw > 0))
		return 0;
	double mx = sx / sw, mm = sm / sw, vx = 0, vm = 0, cxm = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = s[i].x - mx, dm = s[i].m - mm;
		vx += s[i].w * dx * dx, vm += s[i].w * dm * dm, cxm += s[i].w * dx * dm;
	}
	if (!(vx > 0 && vm > 0))
		return 0;
	*corr = cxm / sqrt(vx * vm);
	return 1;
}

static size_t gg_warnings(const struct flo_fit_result *f, double corr, int has_corr,
			  double penalizer, char **w)
{
	size_t n = 0;
	double p = f->params[0], q = f->params[1], v = f->params[2];
	if (!f->converged)
		w[n++] = warning("the Gamma-Gamma fit did not converge (gradient norm %.3g after "
				 "%d iterations)", f->grad_norm, f->iterations);
	if (q <= 1)
		w[n++] = warning("q = %.4g <= 1: the population mean spend p v/(q-1) does not "
				 "exist, and a customer's expected spend exists only when p x + q > 1%s",
				 q, penalizer > 0 ? "; the penalizer pulls q toward 0: try a smaller "
						    "one or none" : "");
	if (has_corr && fabs(corr) >= 0.3)
		w[n++] = warning("frequency and monetary value are correlated (%.3f): the "
				 "Gamma-Gamma model assumes spend independent of frequency", corr);
	if (p > 1e6 || v > 1e12)
		w[n++] = warning("the spend distribution runs to a boundary (p = %.4g, v = %.4g)",
				 p, v);
	if (!f->has_se)
		w[n++] = warning("no standard errors: the information matrix is singular at "
				 "this estimate");
	else
		n += unidentified(f, names_gg, w + n);
	return n;
}

/* The fingerprint in hexadecimal (fingerprint_add() above). */
static void fingerprint(const struct fit_data *d, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)d->fingerprint);
}

static void created(char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The fit allocates and frees buffers of hundreds of kilobytes again and
 * again (compaction, indexes, samples); glibc maps each such buffer afresh
 * and returns it on free, and on the FLO file the page faults of mapping
 * them cost a third of the fit.  Kept in the heap, they are reused. */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

/* After the fit: glibc's defaults again, and the freed memory back to the
 * system (flo-score --fit goes on scoring in constant memory). */
static void return_freed_memory(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	malloc_trim(0);
#endif
}

char *flo_fitrun(flo_reader *r, struct flo_fitrun_options *o, struct flo_model *model)
{
	/* --timings: when each step ended, from the start of reading */
	double t_start = flo_ms_now(), t_read, t_spend, t_bgnbd, t_gg;
	keep_freed_memory();
	struct cols c = {FLO_COL("frequency"), FLO_COL("recency"), FLO_COL("T"),
			 FLO_COL("monetary"), FLO_COL(o->weight ? o->weight : ""),
			 FLO_COL("first_order"), FLO_COL("last_order")};
	struct fit_data d = {0};
	int got;
	while ((got = flo_reader_next(r)) != 0) {
		if (got < 0)
			flo_reader_failed(o->bad, r, got);
		else
			read_record(o, r, &c, &d);
	}
	flo_bad_finish(o->bad);
	if (o->unit == NULL)
		o->unit = "week";
	t_read = flo_ms_now();

	/* One helper thread for both fits and their samples, started while
	 * the spend pairs are sorted: starting one per fit cost a tenth of
	 * the BG/NBD's fit on the FLO file. */
	struct flo_pool *pool = d.ntri >= FLO_FIT_THREAD_MIN ? flo_pool_start() : NULL;
	/* The BG/NBD's indexing merges equal triples (fitlik.c). */
	d.nspend = flo_spend_compact(d.spend, d.nspend);
	if (!(d.customers > 0))
		flo_die(FLO_EXIT_DATAERR, "no customers to fit in %s", o->bad->input_name);
	t_spend = flo_ms_now();

	struct flo_model_doc doc = {0};
	char fp[17], when[32];
	fingerprint(&d, fp);
	created(when);
	doc.unit = o->unit;
	doc.created = when;
	doc.fingerprint = fp;
	doc.customers = d.customers;

	struct flo_fit_options fo = {o->penalizer, 0, pool};
	double t_bgnbd_start = flo_ms_now();
	int err = flo_fit_bgnbd(d.tri, d.ntri, &fo, &doc.bgnbd);
	t_bgnbd = flo_ms_now();
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "cannot fit the BG/NBD: %s", flo_strerror(err));
	char *bgw[8] = {0}, *ggw[8] = {0};
	doc.bgnbd_penalizer = o->penalizer;
	doc.bgnbd_nwarnings = bgnbd_warnings(&doc.bgnbd, bgw);
	doc.bgnbd_warnings = (const char *const *)bgw;

	doc.gg_left_out = d.left_out;
	doc.gg_penalizer = o->gg_penalizer;
	if (d.left_out > 0)
		flo_warn("%.0f customer%s without repeat purchases or with monetary <= 0 left out "
			 "of the Gamma-Gamma fit", d.left_out, d.left_out == 1 ? "" : "s");
	if (d.nspend > 0) {
		fo.penalizer = o->gg_penalizer;
		if (flo_fit_gg(d.spend, d.nspend, &fo, &doc.gg) == FLO_OK) {
			doc.has_gg = 1;
			doc.has_corr = correlation(d.spend, d.nspend, &doc.corr_frequency_monetary);
			doc.gg_nwarnings = gg_warnings(&doc.gg, doc.corr_frequency_monetary,
						       doc.has_corr, o->gg_penalizer, ggw);
			doc.gg_warnings = (const char *const *)ggw;
		}
	} else {
		flo_warn("no customer with repeat purchases and positive spend: "
			 "no Gamma-Gamma model (flo-score will give no exp_avg_value or clv)");
	}
	flo_pool_stop(pool);
	t_gg = flo_ms_now();
	if (o->timings)
		flo_warn("timings: %.2f ms reading and checking the records, %.2f ms sorting the "
			 "spend pairs, %.2f ms fitting the BG/NBD (%zu distinct triples merged and "
			 "fitted), %.2f ms fitting the Gamma-Gamma; %.2f ms in all",
			 t_read - t_start, t_spend - t_read, t_bgnbd - t_bgnbd_start,
			 doc.bgnbd.distinct, t_gg - t_bgnbd, t_gg - t_start);

	char *json = flo_model_write(&doc);
	if (json == NULL)
		flo_die(FLO_EXIT_SOFTWARE, "out of memory");
	char why[256];
	if (flo_model_parse(json, strlen(json), model, why, sizeof why) != FLO_OK)
		flo_die(FLO_EXIT_SOFTWARE, "the fitted model does not read back: %s", why);
	for (int i = 0; i < 8; i++)
		free(bgw[i]), free(ggw[i]);
	free(d.tri);
	free(d.spend);
	return_freed_memory();
	return json;
}
