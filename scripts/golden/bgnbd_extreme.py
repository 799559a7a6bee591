#!/usr/bin/env python3
"""Golden values for the BG/NBD at the corners of issue 15, item 6: alpha down
to the smallest subnormal double, r up to 1e15, any a, b, long horizons and
large counts.  For tests/unit/test_bgnbd_extreme.c and tests/numerics.bats.

Independent of the C code, with mpmath at 50 significant digits (more where an
argument needs it: 1 - z with z = t/(alpha+t+T) next to 1 keeps its digits
only with as many digits as -log10(1-z)).  Every parameter is taken as the
exact binary double the C code receives (mp.mpf(float(s))).

  * E[Y(t) | alive] = E_p[f(p)], f(p) = (1 - (1 + c p)^-n) / p, c = t/(alpha+T),
    n = r + x, p ~ Beta(a, b+x) (FHL 2005 eq. 10 in the bounded form of
    DESIGN.md), integrated as a sum of positive parts, with no chord or other
    subtraction: near p = 0, f = n c (1 - O(c n p)), so the mass below
    p0 = 1e-60/(n c) adds n c I_p0(a, b') (the regularized incomplete Beta);
    near p = 1 the mass above 1 - q0 adds f(1) I_q0(b', a); between, tanh-sinh
    quadrature in u = logit(p) with breakpoints at the bends of f and at the
    Beta's centre.
  * cross-checked, where mpmath's 2F1 converges in reasonable time (c < 1e40,
    n < 1e6), with FHL eq. (10):
    (a+b'-1)/(a-1) [1 - (1+c)^-n 2F1(n, b'; a+b'-1; c/(1+c))], at
    60 + log10(1+c) digits (a != 1, a row's comment where they differ).
  * P(alive) (FHL 2005 eq. 11 / Fader, Hardie & Lee 2008) in closed form.
  * P(X(t) = n), FHL eq. (8), the NegBin tail P(K >= n) as 1 minus the sum
    below n at 110 digits, or summed above n where that leaves fewer than
    70; 1 - z = alpha/(alpha+t) is exact in binary.

Run: python3 scripts/golden/bgnbd_extreme.py  (mpmath 1.3; about 15 minutes on
two cores).  Prints C table rows; values beyond DBL_MAX print as INFINITY with
the exact value in a comment.
"""
import sys
from multiprocessing import Pool

import mpmath as mp

DPS = 50
DBL_MAX = mp.mpf(float.fromhex('0x1.fffffffffffffp+1023'))


def d(s):
    """The exact double a C literal s becomes."""
    return mp.mpf(float(s))


def log1p_cp(c, p):
    return mp.log1p(c * p)


def f_of_p(n, c, p):
    return -mp.expm1(-n * mp.log1p(c * p)) / p


def alive_positive(r, al, a, b, x, T, t):
    """E_p[f(p)] as positive parts (see the header)."""
    r, al, a, b, x, T, t = (d(v) for v in (r, al, a, b, x, T, t))
    if t == 0:
        return mp.mpf(0)
    n, bb = r + x, b + x
    c = t / (al + T)
    nc = n * c
    lnB = mp.log(mp.beta(a, bb))
    p0 = mp.mpf(10) ** -60 / max(nc, 1)
    q0 = mp.mpf(10) ** -60 / max(nc, 1)
    left = nc * mp.betainc(a, bb, 0, p0, regularized=True)
    right = f_of_p(n, c, mp.mpf(1)) * mp.betainc(bb, a, 0, q0, regularized=True)

    def h(u):
        # p = 1/(1+e^-u): the Beta weight p^a (1-p)^b' / B in logs
        lp = -mp.log1p(mp.exp(-u))
        l1p = -mp.log1p(mp.exp(u))
        p = mp.exp(lp)
        return mp.exp(a * lp + bb * l1p - lnB) * f_of_p(n, c, p)
    lo, hi = mp.log(p0) - mp.log1p(-p0), -mp.log(q0) + mp.log1p(-q0)
    pts = {lo, hi, mp.mpf(0)}
    feats = [-mp.log(nc), -mp.log(c), mp.log(a) - mp.log(bb)]
    if (a * bb) > 0:
        w = mp.sqrt(1 / a + 1 / bb)
        for s in (1, 3, 9):
            feats += [mp.log(a) - mp.log(bb) - s * w, mp.log(a) - mp.log(bb) + s * w]
    for f in feats:
        for k in (-40, -20, -10, -5, -2, 0, 2, 5, 10, 20, 40):
            v = f + k
            if lo < v < hi:
                pts.add(v)
    pts = sorted(pts)
    # drop points too close to the last kept one
    kept = [pts[0]]
    for v in pts[1:]:
        if v - kept[-1] > mp.mpf('1e-6'):
            kept.append(v)
    if kept[-1] != hi:
        kept[-1] = hi
    mid = mp.quad(h, kept)
    return left + mid + right


def alive_hyp2f1(r, al, a, b, x, T, t):
    """FHL eq. (10) without P(alive)."""
    r, al, a, b, x, T, t = (d(v) for v in (r, al, a, b, x, T, t))
    c = t / (al + T)
    extra = int(mp.log10(1 + c)) + 60
    with mp.workdps(DPS + extra):
        n, bb = r + x, b + x
        z = c / (1 + c)
        return (a + bb - 1) / (a - 1) * (1 - (1 + c) ** -n * mp.hyp2f1(n, bb, a + bb - 1, z))


def p_alive(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = (d(v) for v in (r, al, a, b, x, tx, T))
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))


def prob_count(r, al, a, b, t, n):
    """FHL eq. (8)."""
    r, al, a, b, t = (d(v) for v in (r, al, a, b, t))
    with mp.workdps(DPS + 60):
        omz = al / (al + t)            # 1 - z, exact in binary
        z = t / (al + t)
        lnb = lambda j: (mp.loggamma(r + j) - mp.loggamma(r) - mp.loggamma(j + 1) +
                         r * mp.log(omz) + j * mp.log(z))
        first = mp.beta(a, b + n) / mp.beta(a, b) * mp.exp(lnb(n))
        if n == 0:
            return first
        # P(K >= n) = 1 - P(K < n) at 40 more digits, or summed upwards where
        # that keeps too few (the NegBin terms by their ratio z (r+j)/(j+1))
        with mp.workdps(DPS + 60):
            tail = 1 - mp.fsum(mp.exp(lnb(j)) for j in range(n))
        if tail < mp.mpf(10) ** -40:
            term, tail, j = mp.exp(lnb(n)), mp.mpf(0), n
            while term > mp.mpf(10) ** -70 * tail or j < n + 10:
                tail += term
                term *= z * (r + j) / (j + 1)
                j += 1
        return first + mp.beta(a + 1, b + n - 1) / mp.beta(a, b) * tail


def fmt(v):
    if v > DBL_MAX:
        return 'INFINITY /* %s */' % mp.nstr(v, 20)
    if 0 < v < mp.mpf(float.fromhex('0x1p-1074')) / 2:
        return '0.0 /* %s */' % mp.nstr(v, 20)
    return mp.nstr(v, 20, min_fixed=-5, max_fixed=5)


TINY = '4.9406564584124654e-324'   # the smallest subnormal, 2^-1074
DMIN = '2.2250738585072014e-308'   # the smallest normal

MODELS = [
    ('1', '1e-15', '0.9', '0.5'),        # the issue's three
    ('1', '1e-12', '0.9', '0.5'),
    ('1e15', '1e-15', '0.9', '0.5'),
    ('1', TINY, '0.9', '0.5'),           # alpha subnormal
    ('0.243', DMIN, '0.793', '2.426'),   # CDNOW's r, a, b at DBL_MIN
    ('0.243', '1e-300', '0.3', '2.426'),
    ('1e-8', '1e-200', '0.6', '0.05'),   # n tiny, b tiny
    ('2', '1e-200', '1.5', '3'),         # a > 1: bounded by E[1/p]
    ('1', '1e-100', '1', '2'),           # a = 1: logarithmic growth
    ('3', '1e-10', '1e-22', '3'),        # a tiny
    ('0.5', TINY, '1e-300', '1'),        # a and alpha tiny
    ('1e15', '1e15', '0.9', '0.5'),      # r and alpha huge, rate 1
    ('1e15', '1', '0.5', '2'),           # r huge
    ('1e15', '1e-15', '2.5', '0.3'),
    ('1e15', TINY, '0.7', '1e12'),
    ('1', TINY, '0.02', '1'),            # beyond DBL_MAX at long horizons
]
HISTORIES = [  # x, tx, T
    (0, 0, 0),
    (0, 0, 40),
    (1, '1.571428571', '20.857142857'),
    (10, 30, 39),
    (3000, 99, 100),
    (1000000, 1000, 1000),
]
HORIZONS = ['1', '12', '1e6']


def one(args):
    m, h, t = args
    x, tx, T = h
    mp.mp.dps = DPS
    pa = p_alive(*m, x, tx, T)
    ea = alive_positive(*m, x, T, t)
    note = ''
    # the cross-check where mpmath's 2F1 converges in reasonable time:
    # z = c/(1+c) within 1e-40 of 1 and n beyond 1e6 make it crawl
    c = d(t) / (d(m[1]) + d(T))
    if d(m[2]) != 1 and c < mp.mpf(10) ** 40 and d(m[0]) + x < 1e6:
        try:
            hy = alive_hyp2f1(*m, x, T, t)
            rel = abs(hy - ea) / ea
            note = ' /* hyp2f1 rel %s */' % mp.nstr(rel, 2) if rel > mp.mpf('1e-25') else ''
        except Exception as e:   # noqa: BLE001 -- a failed cross-check is reported
            note = ' /* hyp2f1 failed: %s */' % type(e).__name__
    return ('\t{ %s, %s, %s, %s, %s, %s, %s, %s, %s, %s },%s' %
            (*m, x, tx, T, t, fmt(ea), fmt(pa * ea), note))


def expected_table(pool):
    print('/* r, alpha, a, b, x, tx, T, t, E[Y(t) | alive], E[Y(t) | x, tx, T] */')
    jobs = [(m, h, t) for m in MODELS for h in HISTORIES for t in HORIZONS]
    for line in pool.imap(one, jobs):
        print(line)
        sys.stdout.flush()


def palive_table():
    print('/* r, alpha, a, b, x, tx, T, P(alive) */')
    for m in MODELS:
        for (x, tx, T) in HISTORIES + [(1, 0, '1e-300'), (5, 0, 1)]:
            print('\t{ %s, %s, %s, %s, %s, %s, %s, %s },' %
                  (*m, x, tx, T, fmt(p_alive(*m, x, tx, T))))


def count_table():
    print('/* r, alpha, a, b, t, n, P(X(t) = n) */')
    for m in MODELS:
        for t in ('12', '1e6'):
            for n in (0, 1, 2, 30, 1000):
                print('\t{ %s, %s, %s, %s, %s, %d, %s },' %
                      (*m, t, n, fmt(prob_count(*m, t, n))))


def issue():
    print('/* the issue: flo-score --bgnbd R,ALPHA,A,B --horizon 12, x = t_x = T = 0 */')
    for m in MODELS[:3]:
        print('/* %s: %s */' % (','.join(m), mp.nstr(alive_positive(*m, 0, 0, 12), 30)))


if __name__ == '__main__':
    mp.mp.dps = DPS
    issue()
    palive_table()
    count_table()
    with Pool(2) as pool:
        expected_table(pool)
