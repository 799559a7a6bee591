#!/usr/bin/env python3
"""Golden Hessians of the BG/BB log-likelihood (Fader, Hardie & Shang 2010,
"Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
Marketing Science 29(6), eq. 5), computed independently of the C code
(lib/model/bgbb.c's analytic Hessian, trigamma terms).

With mpmath at 50 digits: ln L(x, t_x, n) by eq. (5) as printed, every Beta
function by mpmath.beta and the sum over the periods of a possible death
term by term; its second derivatives with respect to (ln alpha, ln beta,
ln gamma, ln delta) by mpmath.diff (numerical differentiation at 50 digits,
exact to far beyond a double).  Printed: alpha, beta, gamma, delta, x, t_x,
n, ln L, then the ten entries of the Hessian's upper triangle, row by row
(h00 h01 h02 h03 h11 h12 h13 h22 h23 h33), the rows tests/unit/test_bgbb.c
embeds as hess_gold.

Run: /usr/bin/python3 scripts/golden/bgbb_hessian.py   (mpmath; a minute).
"""
import mpmath as mp

mp.mp.dps = 50


def B(a, b):
    return mp.beta(a, b)


def loglik(la, lb, lg, ld, x, tx, n):
    """eq. (5): alive through n, or gone at the start of period t_x+i+1."""
    a, b, g, d = mp.exp(la), mp.exp(lb), mp.exp(lg), mp.exp(ld)
    L = B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d)
    for i in range(0, int(n - tx)):
        L += B(a + x, b + tx - x + i) / B(a, b) * B(g + 1, d + tx + i) / B(g, d)
    return mp.log(L)


POINTS = [
    (("1.204", "0.750", "0.657", "2.783"), (0, 0, 6)),
    (("1.204", "0.750", "0.657", "2.783"), (3, 5, 6)),
    (("1.204", "0.750", "0.657", "2.783"), (6, 6, 6)),
    (("1.204", "0.750", "0.657", "2.783"), (10, 40, 100)),
    (("0.3", "5", "1", "10"), (2, 3, 60)),
    (("50", "200", "0.05", "40"), (1, 1, 6)),
    (("2.5", "0.4", "3", "0.2"), (3, 5, 30)),
]


def main():
    for ps, (x, tx, n) in POINTS:
        phi = [mp.log(mp.mpf(s)) for s in ps]
        f = lambda *p: loglik(*p, x, tx, n)
        row = [float(mp.mpf(s)) for s in ps] + [x, tx, n, mp.nstr(f(*phi), 20)]
        for j in range(4):
            for k in range(j, 4):
                o = [0, 0, 0, 0]
                o[j] += 1
                o[k] += 1
                row.append(mp.nstr(mp.diff(f, phi, tuple(o)), 20))
        print("\t{" + ", ".join(str(v) for v in row) + "},")


if __name__ == "__main__":
    main()
