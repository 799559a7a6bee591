/* gg.h: the Gamma-Gamma model of the average spend per purchase (Colombo &
 * Jiang 1999; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").
 *
 * A customer's purchase values are Gamma(p, nu) with the customer's nu ~
 * Gamma(q, v), so the customer's mean value is p/nu.  A customer's history is
 * x repeat purchases with mean value mbar.  The model covers customers with
 * x > 0 and mbar > 0 only (returns and free orders are left out of a fit).
 *
 * The functions take a model whose three parameters are finite and positive
 * (flo_gg_check() says whether one is), keep no state and return finite
 * numbers for every valid history. */
#ifndef FLO_GG_H
#define FLO_GG_H

struct flo_gg {
	double p, q, v;
};

/* FLO_OK when every parameter is finite and > 0, else FLO_EMODEL. */
int flo_gg_check(const struct flo_gg *m);

/* ln of the density of mbar given x (DESIGN.md's formula).  A customer outside
 * the model (x <= 0 or mbar <= 0) contributes 0, so a caller may sum over
 * everyone; the fitter should still count and report such customers. */
double flo_gg_loglik(const struct flo_gg *m, double x, double mbar);

/* The same, plus its gradient with respect to (ln p, ln q, ln v) in g[3]
 * (zeros for a customer outside the model); returns the log-likelihood. */
double flo_gg_loglik_grad(const struct flo_gg *m, double x, double mbar, double g[3]);

/* Whether E[M | x, mbar] is finite: the posterior of nu is Gamma(p x + q,
 * v + x mbar), and E[1/nu] exists only when p x + q > 1.  With q <= 1 (the
 * seed notebook's penalised fit on FLO data has q = 0.47) it fails for x = 0
 * and for small p x. */
int flo_gg_expected_value_exists(const struct flo_gg *m, double x);

/* Whether the population mean spend p v/(q-1) exists (q > 1): the same test
 * at x = 0, named for the warning a fit with q <= 1 must give in words. */
int flo_gg_has_population_mean(const struct flo_gg *m);

/* E[M | x, mbar] = p (v + x mbar)/(p x + q - 1); for x = 0 the population mean
 * p v/(q-1).  Where flo_gg_expected_value_exists() is false the expectation is
 * infinite and this returns 0, never inf or nan: a caller must test first and
 * say in words why it has no value for that customer. */
double flo_gg_expected_value(const struct flo_gg *m, double x, double mbar);

#endif
