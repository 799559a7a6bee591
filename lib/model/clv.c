/* clv.c: lifetimes-style CLV over monthly steps. */
#include "model/clv.h"

#include <math.h>

/* Months handed to the horizon sweep at a time: bounds the stack, not M. */
#define CLV_CHUNK 32

/* sum_i (E_i - E_{i-1}) (1+d)^-i with E_i from `sweep` at i months. */
static double alive_sum(void (*sweep)(const void *model, double x, double T, const double *t,
				      unsigned n, double *out),
			const void *model, double x, double T, unsigned months, double discount,
			double units_per_month)
{
	double log_growth = log1p(discount), prev = 0.0, sum = 0.0;
	double t[CLV_CHUNK], e[CLV_CHUNK];

	/* (1+d)^-i is exp(-i log1p(d)), exact for small d, finite for any
	 * d > -1, and never a pow() of a rounded 1+d. */
	for (unsigned done = 0, n; done < months; done += n) {
		n = months - done < CLV_CHUNK ? months - done : CLV_CHUNK;
		for (unsigned j = 0; j < n; j++)
			t[j] = (done + j + 1.0) * units_per_month;
		sweep(model, x, T, t, n, e);
		for (unsigned j = 0; j < n; j++) {
			sum += (e[j] - prev) * exp(-(done + j + 1.0) * log_growth);
			prev = e[j];
		}
	}
	return sum;
}

static void bgnbd_sweep(const void *model, double x, double T, const double *t, unsigned n,
			double *out)
{
	flo_bgnbd_expected_alive_sweep(model, x, T, t, n, out);
}

/* The Pareto/NBD's expectation is a closed form: no work to share. */
static void pnbd_sweep(const void *model, double x, double T, const double *t, unsigned n,
		       double *out)
{
	for (unsigned j = 0; j < n; j++)
		out[j] = flo_pnbd_expected_alive(model, x, T, t[j]);
}

double flo_clv_alive_sum(const struct flo_bgnbd *bg, double x, double T, unsigned months,
			 double discount, double units_per_month)
{
	return alive_sum(bgnbd_sweep, bg, x, T, months, discount, units_per_month);
}

double flo_clv_pnbd_alive_sum(const struct flo_pnbd *pn, double x, double T, unsigned months,
			      double discount, double units_per_month)
{
	return alive_sum(pnbd_sweep, pn, x, T, months, discount, units_per_month);
}

double flo_clv(const struct flo_bgnbd *bg, double exp_avg_value, double x, double tx,
	       double T, unsigned months, double discount, double units_per_month)
{
	double alive = flo_bgnbd_p_alive(bg, x, tx, T);

	if (alive == 0.0 || exp_avg_value == 0.0)
		return 0.0;
	/* E[Y(t)] = P(alive) E[Y(t) | alive]: P(alive) does not depend on the
	 * horizon, so it is a factor of the sum. */
	return exp_avg_value * alive *
	       flo_clv_alive_sum(bg, x, T, months, discount, units_per_month);
}
