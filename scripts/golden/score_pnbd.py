#!/usr/bin/env python3
"""Golden values for tests/flo-score.bats under a Pareto/NBD model, computed
independently of the C code.

The customers of tests/data/score_cdnow.csv scored with the Pareto/NBD
estimates on CDNOW that issue 17 quotes (r = 0.55, alpha = 10.58, s = 0.61,
beta = 11.67; tests/data/score_model_pnbd.json) and the Gamma-Gamma of Fader &
Hardie (2013), with mpmath at 50 digits, straight from the paper's formulas
(Fader, Hardie & Lee 2005, "A Note on Deriving the Pareto/NBD Model and
Related Expressions"; the functions of pnbd_golden.py):

  * P(alive), eq. (33), with A0 by mpmath.hyp2f1 (eqs. 23-24);
  * E[Y(t)], eq. (41);
  * E[M | x, m] = p (v + x m) / (p x + q - 1), m clamped at 0;
  * the CLV of the Python `lifetimes` library over M months, discount d,
    f time units per month (week 4.345):
        clv = sum_{i=1..M} E[M] (E[Y(i f)] - E[Y((i-1) f)]) / (1+d)^i.

Run: python3 scripts/golden/score_pnbd.py   (needs mpmath; CI does not run it).
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pnbd_golden as pg  # noqa: E402

mp.mp.dps = 50
PN = ("0.55", "10.58", "0.61", "11.67")
P, Q, V = map(mp.mpf, ("6.25", "3.74", "15.44"))


def expected(x, tx, T, t):
    if t == 0:
        return mp.mpf(0)
    return pg.expected_purchases(*PN, x, tx, T, t)


def avg_value(x, m):
    m = max(mp.mpf(m), mp.mpf(0))
    return P * (V + x * m) / (P * x + Q - 1)


def clv(x, tx, T, m, months, d, f):
    ev = avg_value(x, m)
    total = mp.mpf(0)
    for i in range(1, months + 1):
        total += ev * (expected(x, tx, T, i * f) - expected(x, tx, T, (i - 1) * f)) / (1 + d) ** i
    return total


def g(v):
    return mp.nstr(v, 17, strip_zeros=False, min_fixed=-30, max_fixed=30)


CUSTOMERS = [
    ("fhl", 2, "30.43", "38.86", "22.345"),
    ("new", 0, "0", "38.86", "0"),
    ("oneoff", 1, "1.71", "38.86", "11.77"),
    ("loyal", 14, "37.57", "38.86", "45.5"),
    ("young", 3, "5", "6", "30"),
    ("gone", 7, "4", "38", "18.2"),
    ("free", 2, "20", "30", "0"),
    ("refund", 1, "10", "20", "-5"),
]

print("# --horizon 12,24,39, 6 months, d = 0.01, weeks")
print("customer_id,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv")
for cid, x, tx, T, m in CUSTOMERS:
    x, tx, T, m = mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(m)
    row = [pg.p_alive(*PN, x, tx, T)] + [expected(x, tx, T, h) for h in (12, 24, 39)]
    row += [avg_value(x, m), clv(x, tx, T, m, 6, mp.mpf("0.01"), mp.mpf("4.345"))]
    print(cid + "," + ",".join(g(v) for v in row))
