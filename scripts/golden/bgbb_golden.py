#!/usr/bin/env python3
"""Golden values for the BG/BB (Fader, Hardie & Shang 2010, "Customer-Base
Analysis in a Discrete-Time Noncontractual Setting", Marketing Science 29(6);
"FHS10"), computed independently of the C code (lib/model/bgbb.c).

1. The fit to the donations data (tests/data/donations.csv, lifetimes'
   lifetimes/datasets/donations.csv: frequency, recency, periods, weights;
   FHS10 publish alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL
   -33225.6): maximum likelihood with scipy (Nelder-Mead, then BFGS to a
   gradient of 1e-7, by central differences) on log-parameters, each row's likelihood eq. (5)
   summed term by term with scipy's betaln, weighted by the row's count.

2. A 50-digit grid (tests/unit/test_bgbb.c), with mpmath:
   * ln L by eq. (5) as printed, every Beta function by mpmath.beta, the sum
     over i term by term (n to 5000);
   * its gradient in (ln alpha, ln beta, ln gamma, ln delta) by mpmath.diff;
   * P(alive in period n+1), eq. (11);
   * E[X(n, n+n*)], eq. (13) in its Gamma-function closed form;
   * E[X(n)], eq. (8) closed form, and P(X(n) = x), eq. (7) as printed.

3. With --large, the same grid at n = 10^4 and x in the thousands (issue
   17's "BG/BB with large n"), E[X(n)] and P(X(n) = x) at n = 10^4.

Run: /usr/bin/python3 scripts/golden/bgbb_golden.py [--large]   (numpy,
scipy, mpmath; a few seconds, --large some minutes).  It prints the numbers
the tests embed.
"""
import csv
import os
import sys

import mpmath as mp
import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "tests", "data", "donations.csv")


def fit_donations():
    rows = list(csv.DictReader(open(DATA)))
    x = np.array([float(r["frequency"]) for r in rows])
    tx = np.array([float(r["recency"]) for r in rows])
    n = np.array([float(r["periods"]) for r in rows])
    w = np.array([float(r["weights"]) for r in rows])

    def ll(lp):
        a, b, g, d = np.exp(lp)
        out = 0.0
        for xi, ti, ni, wi in zip(x, tx, n, w):
            terms = [betaln(a + xi, b + ni - xi) - betaln(a, b) + betaln(g, d + ni) - betaln(g, d)]
            for i in range(int(ni - ti)):
                terms.append(betaln(a + xi, b + ti - xi + i) - betaln(a, b)
                             + betaln(g + 1, d + ti + i) - betaln(g, d))
            out += wi * np.logaddexp.reduce(terms)
        return out

    neg = lambda lp: -ll(lp)
    r = minimize(neg, np.zeros(4), method="Nelder-Mead",
                 options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000})
    def jac(lp, h=1e-5):  # central differences: the forward ones of BFGS stop at 1e-5
        g = np.zeros(4)
        for j in range(4):
            e = np.zeros(4)
            e[j] = h
            g[j] = (neg(lp + e) - neg(lp - e)) / (2 * h)
        return g

    r = minimize(neg, r.x, jac=jac, method="BFGS", options={"gtol": 1e-7})
    p = np.exp(r.x)
    print("donations fit: alpha %.10g beta %.10g gamma %.10g delta %.10g LL %.10g"
          % (p[0], p[1], p[2], p[3], -r.fun))
    print("customers %d" % w.sum())


mp.mp.dps = 50


def B(a, b):
    return mp.beta(a, b)


def lik(a, b, g, d, x, tx, n):
    L = B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d)
    for i in range(int(n - tx)):
        L += B(a + x, b + tx - x + i) / B(a, b) * B(g + 1, d + tx + i) / B(g, d)
    return L


def p_alive(a, b, g, d, x, tx, n):  # eq. (11)
    return B(a + x, b + n - x) / B(a, b) * B(g, d + n + 1) / B(g, d) / lik(a, b, g, d, x, tx, n)


def expected(a, b, g, d, x, tx, n, ns):  # eq. (13)
    G = mp.gamma
    return (1 / lik(a, b, g, d, x, tx, n) * B(a + x + 1, b + n - x) / B(a, b)
            * d / (g - 1) * G(g + d) / G(1 + d)
            * (G(1 + d + n) / G(g + d + n) - G(1 + d + n + ns) / G(g + d + n + ns)))


def expected_count(a, b, g, d, n):  # eq. (8)
    G = mp.gamma
    return a / (a + b) * d / (g - 1) * (1 - G(g + d) / G(g + d + n) * G(1 + d + n) / G(1 + d))


def prob_count(a, b, g, d, n, x):  # eq. (7)
    p = mp.binomial(n, x) * B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d)
    for i in range(x, n):
        p += mp.binomial(i, x) * B(a + x, b + i - x) / B(a, b) * B(g + 1, d + i) / B(g, d)
    return p


def f(v):
    return mp.nstr(v, 20, min_fixed=-1, max_fixed=-1)


PARAMS = [
    ("1.204", "0.750", "0.657", "2.783"),   # FHS10's donations fit
    ("0.3", "5", "1", "10"),                # gamma = 1 (eq. 13 divides by gamma - 1 there)
    ("50", "200", "0.05", "40"),
    ("2.5", "0.4", "3", "0.2"),
]
HISTORIES = [(0, 0, 6), (1, 1, 6), (3, 5, 6), (6, 6, 6), (10, 40, 100), (0, 0, 1000),
             (300, 4000, 5000), (2, 3, 5000)]
# issue 17's "BG/BB with large n": n = 10^4, x in the thousands (--large)
LARGE = [(0, 0, 10000), (2000, 9000, 10000), (5000, 10000, 10000), (3000, 3000, 10000),
         (9990, 9999, 10000)]
LARGE_COUNTS = (10000,)


def grid(hist=HISTORIES, counts=(1, 6, 100)):
    params = PARAMS
    print("/* alpha, beta, gamma, delta, x, t_x, n, ln L, d ln L / d ln(alpha, beta, gamma, delta), "
          "P(alive), E[X(n, n+10)] */")
    for ps in params:
        a, b, g, d = (mp.mpf(s) for s in ps)
        for x, tx, n in hist:
            ll = mp.log(lik(a, b, g, d, x, tx, n))
            grads = []
            for j in range(4):
                def h(e, j=j):
                    q = [a, b, g, d]
                    q[j] = q[j] * mp.exp(e)
                    return mp.log(lik(q[0], q[1], q[2], q[3], x, tx, n))
                grads.append(mp.diff(h, 0))
            pa = p_alive(a, b, g, d, x, tx, n)
            if g == 1:  # eq. (13)'s limit: perturb gamma both ways, average
                e = (expected(a, b, g + mp.mpf("1e-20"), d, x, tx, n, 10)
                     + expected(a, b, g - mp.mpf("1e-20"), d, x, tx, n, 10)) / 2
            else:
                e = expected(a, b, g, d, x, tx, n, 10)
            print("\t{%s, %s, %s, %s, %d, %d, %d, %s, {%s, %s, %s, %s}, %s, %s}," % (
                ps[0], ps[1], ps[2], ps[3], x, tx, n, f(ll), *(f(v) for v in grads), f(pa), f(e)))
    print("/* alpha, beta, gamma, delta, n, E[X(n)], P(X(n) = 0), P(X(n) = 2), P(X(n) = n) */")
    for ps in params:
        a, b, g, d = (mp.mpf(s) for s in ps)
        if g == 1:
            continue
        for n in counts:
            print("\t{%s, %s, %s, %s, %d, %s, %s, %s, %s}," % (
                ps[0], ps[1], ps[2], ps[3], n, f(expected_count(a, b, g, d, n)),
                f(prob_count(a, b, g, d, n, 0)), f(prob_count(a, b, g, d, n, 2) if n >= 2 else 0),
                f(prob_count(a, b, g, d, n, n))))


if __name__ == "__main__":
    if "--large" in sys.argv:  # the large-n rows alone (some minutes)
        grid(LARGE, LARGE_COUNTS)
        sys.exit(0)
    fit_donations()
    if "--fit-only" not in sys.argv:
        grid()
