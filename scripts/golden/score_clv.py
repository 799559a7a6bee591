#!/usr/bin/env python3
"""Golden values for tests/flo-score.bats, computed independently of the C code.

For a few hand-chosen customers scored with the published CDNOW parameters
(BG/NBD: Fader, Hardie & Lee 2005, "FHL"; Gamma-Gamma: Fader & Hardie 2013),
with mpmath at 30 digits, straight from the textbook formulas:

  * P(alive) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x));
  * E[Y(t)], the expected purchases in (T, T+t], by FHL eq. (10), with
    mpmath.hyp2f1 (the hypergeometric form the C code avoids);
  * E[M | x, m] = p (v + x m) / (p x + q - 1), with m clamped at 0 as
    flo-score documents for monetary <= 0;
  * the CLV of the Python `lifetimes` library, over M months with monthly
    discount d and f time units per month (week 4.345, day 30):
        clv = sum_{i=1..M} E[M] (E[Y(i f)] - E[Y((i-1) f)]) / (1+d)^i.

Run: python3 scripts/golden/score_clv.py   (needs mpmath; CI does not run it).
It prints CSV rows that tests/flo-score.bats embeds.
"""
import mpmath as mp

mp.mp.dps = 30

R, ALPHA, A, B = map(mp.mpf, ("0.243", "4.414", "0.793", "2.426"))
P, Q, V = map(mp.mpf, ("6.25", "3.74", "15.44"))


def p_alive(x, tx, T):
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + A / (B + x - 1) * ((ALPHA + T) / (ALPHA + tx)) ** (R + x))


def expected(x, tx, T, t):
    """FHL eq. (10)."""
    if t == 0:
        return mp.mpf(0)
    z = t / (ALPHA + T + t)
    head = (A + B + x - 1) / (A - 1)
    body = 1 - ((ALPHA + T) / (ALPHA + T + t)) ** (R + x) * mp.hyp2f1(R + x, B + x, A + B + x - 1, z)
    return head * body * p_alive(x, tx, T)


def avg_value(x, m):
    m = max(m, mp.mpf(0))
    return P * (V + x * m) / (P * x + Q - 1)


def clv(x, tx, T, m, months, d, f):
    ev = avg_value(x, m)
    total = mp.mpf(0)
    for i in range(1, months + 1):
        total += ev * (expected(x, tx, T, i * f) - expected(x, tx, T, (i - 1) * f)) / (1 + d) ** i
    return total


def g(v):
    return mp.nstr(v, 17, strip_zeros=False, min_fixed=-30, max_fixed=30)


# id, x, t_x, T, monetary (weeks); the same rows as tests/data/score_cdnow.csv
CUSTOMERS = [
    ("fhl", 2, "30.43", "38.86", "22.345"),   # FHL's worked example
    ("new", 0, "0", "38.86", "0"),
    ("oneoff", 1, "1.71", "38.86", "11.77"),
    ("loyal", 14, "37.57", "38.86", "45.5"),
    ("young", 3, "5", "6", "30"),
    ("gone", 7, "4", "38", "18.2"),
    ("free", 2, "20", "30", "0"),
    ("refund", 1, "10", "20", "-5"),
]

WEEK = mp.mpf("4.345")
D = mp.mpf("0.01")

print("# default: --horizon 12,24,39, 6 months, d = 0.01, weeks")
print("customer_id,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv")
for cid, x, tx, T, m in CUSTOMERS:
    x, tx, T, m = mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(m)
    row = [p_alive(x, tx, T)] + [expected(x, tx, T, h) for h in (12, 24, 39)]
    row += [avg_value(x, m), clv(x, tx, T, m, 6, D, WEEK)]
    print(cid + "," + ",".join(g(v) for v in row))

print("# --clv-months 12 --discount 0.2, weeks")
for cid, x, tx, T, m in CUSTOMERS[:4]:
    x, tx, T, m = mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(m)
    print(cid + "," + g(clv(x, tx, T, m, 12, mp.mpf("0.2"), WEEK)))

print("# --unit day (the same parameters read per day), 6 months, d = 0.01, f = 30")
for cid, x, tx, T, m in CUSTOMERS[:4]:
    x, tx, T, m = mp.mpf(x), mp.mpf(tx) * 7, mp.mpf(T) * 7, mp.mpf(m)
    print(cid + "," + g(expected(x, tx, T, 12)) + "," + g(clv(x, tx, T, m, 6, D, mp.mpf(30))))
