#!/usr/bin/env python3
"""Golden values for tests/unit/test_clv.c, computed independently of the C code.

CLV as DESIGN.md (and the Python `lifetimes` library) defines it:
    clv = sum_{i=1..M} E[M] (E[Y(i f)] - E[Y((i-1) f)]) / (1+d)^i
with E[Y(t)] the BG/NBD conditional expected purchases, evaluated here with
mpmath from DESIGN.md's integral form (bgnbd_golden.alive_integral, 30 digits)
and E[M] from the Gamma-Gamma closed form.

Run: python3 scripts/golden/clv_golden.py   (needs mpmath; CI does not run it).
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bgnbd_golden import alive_integral, p_alive  # noqa: E402

mp.mp.dps = 30


def expected_purchases(m, x, tx, T, t):
    return p_alive(*m, x, tx, T) * alive_integral(*m, x, T, t)


def clv(m, value, x, tx, T, months, d, f):
    value, d, f = mp.mpf(value), mp.mpf(d), mp.mpf(f)
    total, prev = mp.mpf(0), mp.mpf(0)
    for i in range(1, months + 1):
        cur = expected_purchases(m, x, tx, T, i * f)
        total += value * (cur - prev) / (1 + d) ** i
        prev = cur
    return total


def gg_value(p, q, v, x, m):
    p, q, v, x, m = map(mp.mpf, (p, q, v, x, m))
    return p * (v + x * m) / (p * x + q - 1)


CDNOW = ('0.243', '4.414', '0.793', '2.426')
CDNOW_DAYS = ('0.243', '30.898', '0.793', '2.426')   # the same fit with time in days
FLO_PEN = ('2.725321740632131', '72.66677564237696', '8.110876565036794e-23',
           '6.699991154257477e-14')
GG = ('6.25', '3.74', '15.44')

CASES = [  # model, x, tx, T, mbar, months, d, f
    (CDNOW, 2, '30.43', '38.86', '35.5', 12, '0.01', '4.345'),
    (CDNOW, 0, '0', '38.86', '0', 12, '0.01', '4.345'),
    (CDNOW, 10, '35', '39', '20', 6, '0', '4.345'),
    (CDNOW, 1, '2', '39', '60', 3, '0.15', '4.345'),
    (CDNOW, 1, '2', '39', '60', 120, '0.01', '4.345'),
    (CDNOW_DAYS, 2, '213.01', '272.02', '35.5', 12, '0.01', '30'),
    (CDNOW, 3, '8', '10', '25', 12, '0.01', '1'),
    (FLO_PEN, 1, '1.571428571', '20.857142857', '120', 12, '0.01', '4.345'),
    (FLO_PEN, 7, '180', '210', '300', 24, '0.02', '4.345'),
]

if __name__ == '__main__':
    print('/* r, alpha, a, b, x, tx, T, E[M], months, d, f, clv */')
    for (m, x, tx, T, mbar, months, d, f) in CASES:
        value = gg_value(*GG, x, mbar)
        c = clv(m, value, x, tx, T, months, d, f)
        print('\t{ %s, %s, %s, %s, %d, %s, %s, %s, %d, %s, %s, %s },' %
              (*m, x, tx, T, mp.nstr(value, 20), months, d, f, mp.nstr(c, 20)))
