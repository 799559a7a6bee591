/* quadgk.c: the 15-point Gauss-Kronrod rule's constants and the globally
 * adaptive halving loop (quadgk.h). */
#include "model/quadgk.h"

const double flo_gk15_nodes[8] = {
	0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
	0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
	0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
	0.207784955007898467600689403773245, 0.0};
const double flo_gk15_weights[8] = {
	0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
	0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
	0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
	0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
const double flo_gk7_weights[4] = {
	0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
	0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

double flo_gk_refine(flo_gk_rule rule, const void *integrand, struct flo_gk_segment *seg,
		     int *n, int max, double tol, double base)
{
	for (;;) {
		double total = base, err = 0;
		int worst = 0;
		for (int i = 0; i < *n; i++) {
			total += seg[i].mass;
			err += seg[i].err;
			if (seg[i].err > seg[worst].err)
				worst = i;
		}
		if (err <= tol * total || *n == max)
			return total;
		struct flo_gk_segment *s = &seg[worst];
		double mid = 0.5 * (s->lo + s->hi), hi = s->hi;
		if (!(mid > s->lo && mid < s->hi)) /* no room left to halve */
			return total;
		rule(integrand, s->lo, mid, s);
		rule(integrand, mid, hi, &seg[(*n)++]);
	}
}

void flo_gk_sum(const struct flo_gk_segment *seg, int n, int moments, double *q)
{
	for (int j = 0; j < moments; j++) {
		q[j] = 0;
		for (int i = 0; i < n; i++)
			q[j] += seg[i].q[j];
	}
}
