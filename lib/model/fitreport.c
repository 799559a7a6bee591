/* fitreport.c: a fit's warnings in words, and the spend correlation. */
#include "model/fitreport.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"

struct words {
	char **w;
	size_t n;
	int oom;
};

static void say(struct words *ws, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct words *ws, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s == NULL || ws->n == FLO_FIT_WARNINGS_MAX) {
		free(s);
		ws->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ws->w[ws->n++] = s;
}

static int done(struct words *ws, size_t *n)
{
	if (ws->oom) {
		flo_fit_warnings_free(ws->w, ws->n);
		ws->n = 0;
	}
	*n = ws->n;
	return ws->oom ? FLO_ENOMEM : FLO_OK;
}

void flo_fit_warnings_free(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i]);
		w[i] = NULL;
	}
}

/* Parameters whose standard error dwarfs the estimate: the data do not pin
 * them down (small samples drift toward the boundaries).  Two at most. */
static void unidentified(struct words *ws, const struct flo_fit_result *f,
			 const char *const *names)
{
	for (int j = 0, n = 0; j < f->np && n < 2; j++)
		if (f->se[j] > 50 * f->params[j]) {
			say(ws, "%s = %.4g is not identified by these data: its standard error, "
			    "%.3g, is %.0f times the estimate", names[j], f->params[j], f->se[j],
			    f->se[j] / f->params[j]);
			n++;
		}
}

/* The cause and the fix, shared by the warning and the run-away's message. */
#define AT_ZERO_WHY "with x > 0 at t_x = 0 (repeat purchases, the last at time 0: " \
	"as flo-rfm --frequency total makes a one-time buyer): with any " \
	"such customer the %s likelihood has no maximum, it grows without bound " \
	"as r and alpha go to 0 together"

static const char *model_name(const struct flo_fit_result *f)
{
	return f->model != NULL ? f->model : "BG/NBD";
}
#define AT_ZERO_FIX "flo-rfm --frequency repeat (the default) counts the orders of " \
	"one day as one purchase and makes no such customer from an order log " \
	"(a customer-summary layout, whose counts name no days, still can)"

int flo_fit_at_zero_warning(const struct flo_fit_result *f, char *msg, size_t size)
{
	if (size > 0)
		msg[0] = '\0';
	if (!(f->at_zero > 0))
		return 0;
	snprintf(msg, size, "%.0f customer%s " AT_ZERO_WHY "; these parameters are a local "
		 "optimum at best; " AT_ZERO_FIX, f->at_zero, f->at_zero == 1 ? "" : "s",
		 model_name(f));
	return 1;
}

void flo_fit_runaway_message(const struct flo_fit_result *f, char *msg, size_t size)
{
	snprintf(msg, size, "the %s fit runs away (r = %.3g, alpha = %.3g and falling) and "
		 "was stopped: %.0f customer%s " AT_ZERO_WHY ", and no local optimum was found; "
		 AT_ZERO_FIX, model_name(f), f->params[0], f->params[1], f->at_zero,
		 f->at_zero == 1 ? "" : "s", model_name(f));
}

/* The fit that did not converge, and why it stopped when the bound on
 * evaluations stopped it (fit.c): the same sentence for every model. */
static void not_converged(struct words *ws, const struct flo_fit_result *f, const char *title,
			  const char *consequence)
{
	if (f->stopped)
		say(ws, "the %s fit did not converge (gradient norm %.3g after %d iterations): "
		    "it was stopped at its bound of %d evaluations of the likelihood%s", title,
		    f->grad_norm, f->iterations, f->stopped, consequence);
	else
		say(ws, "the %s fit did not converge (gradient norm %.3g after %d iterations)%s",
		    title, f->grad_norm, f->iterations, consequence);
}

#define NOT_A_MAXIMUM ": these parameters are the best found, not a maximum of the likelihood"

/* What the BG/NBD and the Pareto/NBD say alike: the purchase rates'
 * Gamma(r, alpha) at a boundary, the standard errors, x > 0 at t_x = 0. */
static void purchase_rate_words(struct words *ws, const struct flo_fit_result *f,
				const char *const *names, double r, double alpha)
{
	if (r > 1e6 || alpha > 1e12 || r < 1e-6)
		say(ws, "the purchase-rate distribution runs to a boundary (r = %.4g, "
		    "alpha = %.4g): the rates are not identified", r, alpha);
	if (!f->has_se)
		say(ws, "no standard errors: the information matrix is singular at "
		    "this estimate (a boundary solution)");
	else
		unidentified(ws, f, names);
	char zero[FLO_FIT_MSG_MAX];
	if (flo_fit_at_zero_warning(f, zero, sizeof zero))
		say(ws, "%s", zero);
}

int flo_fit_bgnbd_warnings(const struct flo_fit_result *f, char **w, size_t *n)
{
	static const char *const names[] = {"r", "alpha", "a", "b"};
	struct words ws = {w, 0, 0};
	double r = f->params[0], alpha = f->params[1], a = f->params[2], b = f->params[3];
	if (!f->converged)
		not_converged(&ws, f, "BG/NBD", NOT_A_MAXIMUM);
	double dropout = a / (a + b);
	if (dropout < 1e-6 || a < 1e-6 || (b > 1e6 && a < 1))
		say(&ws, "no dropout is identified: a = %.4g and b = %.4g run to the "
		    "boundary (mean dropout probability per purchase a/(a+b) = %.3g), "
		    "where the BG/NBD reduces to the NBD: every customer is predicted "
		    "alive, P(alive) = 1", a, b, dropout);
	else if (a + b > 1e6 && dropout < 0.01)
		say(&ws, "no dropout is identified: a = %.4g and b = %.4g run to infinity "
		    "together, which gives every customer the same small dropout "
		    "probability, a/(a+b) = %.3g per purchase: the BG/NBD reduces to "
		    "nearly the NBD and every customer is predicted nearly alive",
		    a, b, dropout);
	else if (a + b > 1e6)
		say(&ws, "dropout is the same for every customer: a = %.4g and b = %.4g "
		    "run to infinity together (a/(a+b) = %.3g per purchase); the "
		    "spread of dropout probabilities is not identified", a, b, dropout);
	purchase_rate_words(&ws, f, names, r, alpha);
	return done(&ws, n);
}

int flo_fit_pnbd_warnings(const struct flo_fit_result *f, char **w, size_t *n)
{
	static const char *const names[] = {"r", "alpha", "s", "beta"};
	struct words ws = {w, 0, 0};
	double r = f->params[0], alpha = f->params[1], s = f->params[2], beta = f->params[3];
	if (!f->converged)
		not_converged(&ws, f, "Pareto/NBD", NOT_A_MAXIMUM);
	/* the lifetime's rate mu ~ Gamma(s, beta) has mean s/beta */
	/* no dropout: the shape or the mean rate s/beta runs to 0 (a mean
	 * lifetime of a million time units is thousands of years) */
	if (s < 1e-4 || s / beta < 1e-6)
		say(&ws, "no dropout is identified: s = %.4g and beta = %.4g run to the "
		    "boundary (mean dropout rate s/beta = %.3g per time unit), where the "
		    "Pareto/NBD reduces to the NBD: every customer is predicted alive, "
		    "P(alive) = 1", s, beta, s / beta);
	else if (s > 1e6 && beta > 1e6)
		say(&ws, "dropout is the same for every customer: s = %.4g and beta = %.4g run "
		    "to infinity together (the lifetime's rate s/beta = %.3g); the spread of "
		    "dropout rates is not identified", s, beta, s / beta);
	purchase_rate_words(&ws, f, names, r, alpha);
	return done(&ws, n);
}

int flo_fit_mbgnbd_warnings(const struct flo_fit_result *f, char **w, size_t *n)
{
	static const char *const names[] = {"r", "alpha", "a", "b"};
	struct words ws = {w, 0, 0};
	double r = f->params[0], alpha = f->params[1], a = f->params[2], b = f->params[3];
	if (!f->converged)
		not_converged(&ws, f, "MBG/NBD", NOT_A_MAXIMUM);
	double dropout = a / (a + b);
	if (dropout < 1e-6 || a < 1e-6 || (b > 1e6 && a < 1))
		say(&ws, "no dropout is identified: a = %.4g and b = %.4g run to the "
		    "boundary (mean dropout probability a/(a+b) = %.3g at the first and "
		    "each repeat purchase), where the MBG/NBD reduces to the NBD: every "
		    "customer is predicted alive, P(alive) = 1", a, b, dropout);
	else if (a + b > 1e6)
		say(&ws, "dropout is the same for every customer: a = %.4g and b = %.4g "
		    "run to infinity together (a/(a+b) = %.3g per purchase); the "
		    "spread of dropout probabilities is not identified", a, b, dropout);
	purchase_rate_words(&ws, f, names, r, alpha);
	return done(&ws, n);
}

int flo_fit_bgbb_warnings(const struct flo_fit_result *f, char **w, size_t *n)
{
	struct words ws = {w, 0, 0};
	double al = f->params[0], be = f->params[1], ga = f->params[2], de = f->params[3];
	double death = ga / (ga + de);
	if (!f->converged)
		not_converged(&ws, f, "BG/BB", NOT_A_MAXIMUM);
	if (death < 1e-6 || ga < 1e-6)
		say(&ws, "no dropout is identified: gamma = %.4g and delta = %.4g (mean "
		    "dropout probability gamma/(gamma+delta) = %.3g a period), where the "
		    "BG/BB reduces to the beta-binomial: every customer is predicted alive",
		    ga, de, death);
	else if (ga + de > 1e6)
		say(&ws, "dropout is the same for every customer: gamma = %.4g and delta = "
		    "%.4g run to infinity together (%.3g a period); the spread of dropout "
		    "probabilities is not identified", ga, de, death);
	if (al + be > 1e6)
		say(&ws, "the purchase probability is the same for every customer: alpha = "
		    "%.4g and beta = %.4g run to infinity together (%.3g a period); its "
		    "spread is not identified", al, be, al / (al + be));
	return done(&ws, n);
}

int flo_fit_gg_warnings(const struct flo_fit_result *f, double corr, int has_corr,
			double penalizer, char **w, size_t *n)
{
	static const char *const names[] = {"p", "q", "v"};
	struct words ws = {w, 0, 0};
	double p = f->params[0], q = f->params[1], v = f->params[2];
	if (!f->converged)
		not_converged(&ws, f, "Gamma-Gamma", "");
	if (q <= 1)
		say(&ws, "q = %.4g <= 1: the population mean spend p v/(q-1) does not "
		    "exist, and a customer's expected spend exists only when p x + q > 1%s",
		    q, penalizer > 0 ? "; the penalizer pulls q toward 0: try a smaller "
				       "one or none" : "");
	if (has_corr && fabs(corr) >= 0.3)
		say(&ws, "frequency and monetary value are correlated (%.3f): the "
		    "Gamma-Gamma model assumes spend independent of frequency", corr);
	if (p > 1e6 || v > 1e12)
		say(&ws, "the spend distribution runs to a boundary (p = %.4g, v = %.4g)", p, v);
	if (!f->has_se)
		say(&ws, "no standard errors: the information matrix is singular at "
		    "this estimate");
	else
		unidentified(&ws, f, names);
	return done(&ws, n);
}

/* Two passes, about the means, which sums of squares would lose to
 * cancellation for large m. */
int flo_spend_correlation(const struct flo_spend *s, size_t n, double *corr)
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
