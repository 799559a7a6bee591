#!/usr/bin/env python3
"""Golden values for tests/unit/test_bgnbd.c, computed independently of the C code.

BG/NBD (Fader, Hardie & Lee 2005, "FHL").  Everything here is evaluated with
mpmath at 30-50 significant digits, straight from the definitions:

  * the log-likelihood from DESIGN.md's formula (FHL eq. 6), and, for a few
    histories, by integrating the individual-level likelihood of the model's
    story over lambda ~ Gamma(r, alpha) and p ~ Beta(a, b) numerically;
  * expected purchases from DESIGN.md's bounded integral form
        E = P(alive) E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p],  p ~ Beta(a, b+x),
    by tanh-sinh quadrature of f(p) minus its chord against the Beta density
    (DESIGN.md subtracts f(0); b + x < 1 needs the same at p = 1), cross-checked
    against the hypergeometric form of FHL eq. (10) with mpmath.hyp2f1 wherever
    that form is defined (a != 1);
  * E[X(t)] from FHL eq. (9) (hyp2f1) and P(X(t) = n) from FHL eq. (8).

Run: python3 scripts/golden/bgnbd_golden.py   (needs mpmath; CI does not run it).
It prints C table rows that the tests embed, and the cross-check discrepancies.
"""
import mpmath as mp

mp.mp.dps = 30


def loglik(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    v = (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al)
         + mp.log(mp.beta(a, b + x)) - mp.log(mp.beta(a, b)))
    last = (al + T) ** -(r + x)
    if x > 0:
        last += a / (b + x - 1) * (al + tx) ** -(r + x)
    return v + mp.log(last)


def loglik_by_integration(r, al, a, b, x, tx, T):
    """The model's story, integrated: given lambda and p, a customer with x
    repeat purchases, the last at tx, is alive at T with density
    (1-p)^x lambda^x e^{-lambda T}, or dropped out at tx with
    p (1-p)^(x-1) lambda^x e^{-lambda tx} (x > 0)."""
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    lnB = mp.log(mp.beta(a, b))

    # with v = lambda^r the Gamma weight lambda^(r-1) d lambda becomes dv/r
    def inner(p):
        def dens(v):
            if v == 0:
                return mp.mpf(0)
            lam = v ** (1 / r)
            g = mp.exp(r * mp.log(al) - al * lam - mp.loggamma(r)) / r
            L = (1 - p) ** x * lam ** x * mp.exp(-lam * T)
            if x > 0:
                L += p * (1 - p) ** (x - 1) * lam ** x * mp.exp(-lam * tx)
            return g * L
        mode = max((r + x) / (al + tx), 1 / al)
        pts = [mp.mpf(0)] + [(mode * mp.mpf(2) ** k) ** r for k in range(-20, 8)] + [mp.inf]
        return mp.quad(dens, pts)

    # with u = p^a the Beta weight p^(a-1) dp becomes du/a: no endpoint
    # singularity left however small a is
    def outer(u):
        if u == 0:
            return mp.mpf(0)
        p = u ** (1 / a)
        return mp.exp((b - 1) * mp.log1p(-p) - lnB) / a * inner(p)
    return mp.log(mp.quad(outer, [0, mp.mpf('0.25'), mp.mpf('0.5'), mp.mpf('0.75'), 1]))


def p_alive(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))


def alive_integral(r, al, a, b, x, T, t):
    """E_p[f(p)], f(p) = (1 - (1 + c p)^-n)/p, p ~ Beta(a, b+x).  As DESIGN.md
    says, integrate f(p) - f(0) (which is O(p)) against the density and add
    f(0) back; the same holds at p = 1, where Beta(a, b') with b' << 1 puts
    mass nearer 1 than any node: so subtract the chord f(0)(1-p) + f(1)p and
    add its mean back, E[p] = a/(a+b')."""
    r, al, a, b, x, T, t = map(mp.mpf, (r, al, a, b, x, T, t))
    if t == 0:
        return mp.mpf(0)
    n, c, bb = r + x, t / (al + T), b + x
    f0 = n * c
    f1 = -mp.expm1(-n * mp.log1p(c))
    lnB = mp.log(mp.beta(a, bb))

    def h(p):
        if p == 0 or p == 1:
            return mp.mpf(0)
        f = -mp.expm1(-n * mp.log1p(c * p)) / p
        return (mp.exp((a - 1) * mp.log(p) + (bb - 1) * mp.log1p(-p) - lnB) *
                (f - f0 * (1 - p) - f1 * p))
    # split [0, 1] at the scales of the integrand: the bend of f at 1/(n c),
    # where the Beta mass sits, (a+1)/(a+bb), each with a few decades around
    # it, and decades towards 1
    pts = set([mp.mpf(0), mp.mpf(1), mp.mpf('0.5')])
    for s in (1 / (n * c), (a + 1) / (a + bb)):
        for k in range(-4, 5):
            v = s * mp.mpf(10) ** k
            if 0 < v < 1:
                pts.add(v)
    for k in range(2, 20, 3):
        pts.add(1 - mp.mpf(10) ** -k)
    return (f0 * bb + f1 * a) / (a + bb) + mp.quad(h, sorted(pts))


def alive_hyp2f1(r, al, a, b, x, T, t):
    """FHL eq. (10) without P(alive): (a+b'-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^n
    2F1(n, b'; a+b'-1; t/(alpha+T+t))], b' = b + x, n = r + x."""
    with mp.workdps(mp.mp.dps + 40):   # the bracket cancels near a = 1
        r, al, a, b, x, T, t = map(mp.mpf, (r, al, a, b, x, T, t))
        n, bb = r + x, b + x
        z = t / (al + T + t)
        return (a + bb - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** n *
                                         mp.hyp2f1(n, bb, a + bb - 1, z))


def prob_count(r, al, a, b, t, n):
    """FHL eq. (8)."""
    r, al, a, b, t = map(mp.mpf, (r, al, a, b, t))
    def nb(j):
        return (mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) *
                (al / (al + t)) ** r * (t / (al + t)) ** j)
    v = mp.beta(a, b + n) / mp.beta(a, b) * nb(n)
    if n > 0:
        v += mp.beta(a + 1, b + n - 1) / mp.beta(a, b) * (1 - mp.fsum(nb(j) for j in range(n)))
    return v


def g(v):
    return mp.nstr(v, 20, min_fixed=-5, max_fixed=5)


CDNOW = ('0.243', '4.414', '0.793', '2.426')
FLO_PEN = ('2.725321740632131', '72.66677564237696', '8.110876565036794e-23',
           '6.699991154257477e-14')

MODELS = [
    CDNOW,
    FLO_PEN,
    ('0.5', '10', '1e-22', '3'),             # a tiny
    ('0.8', '20', '0.6', '1e12'),            # b huge: almost no dropout
    ('1.2', '50', '1e-22', '1e15'),          # the unpenalised FLO boundary
    ('0.25', '4', '0.999999999', '2.5'),     # a just below 1
    ('0.25', '4', '1.000000001', '2.5'),     # a just above 1
    ('0.25', '4', '1.001', '0.3'),           # a above 1, a + b - 1 small
    ('0.4', '6', '0.3', '0.5'),              # x = 0: c = a + b - 1 < 0
    ('3', '30', '50', '200'),                # a, b large: concentrated p
]
HISTORIES = [  # x, tx, T
    (0, 0, 0),
    (0, 0, 40),
    (1, '1.571428571', '20.857142857'),
    (2, '30.43', '38.86'),
    (10, 30, 39),
    (200, 38, 40),
    (3000, 99, 100),
]
HORIZONS = ['0', '1', '12', '39', '260']


def expected_table():
    print('/* expected purchases: r, alpha, a, b, x, tx, T, t, E[Y(t)|x,tx,T] */')
    worst = mp.mpf(0)
    for m in MODELS:
        for (x, tx, T) in HISTORIES:
            for t in HORIZONS:
                pa = p_alive(*m, x, tx, T)
                ea = alive_integral(*m, x, T, t)
                e = pa * ea
                if t != '0' and mp.mpf(m[2]) != 1:
                    try:
                        hy = alive_hyp2f1(*m, x, T, t)
                        rel = abs(hy - ea) / ea
                        worst = max(worst, rel)
                        if rel > mp.mpf('1e-15'):
                            print('/* hyp2f1 disagrees: %s x=%s t=%s rel %s */'
                                  % (m, x, t, mp.nstr(rel, 3)))
                    except (mp.libmp.libhyper.NoConvergence, ZeroDivisionError):
                        print('/* hyp2f1 failed for %s x=%s t=%s */' % (m, x, t))
                print('\t{ %s, %s, %s, %s, %s, %s, %s, %s, %s },' %
                      (*m, x, tx, T, t, g(e)))
    print('/* worst relative gap integral vs hyp2f1: %s */' % mp.nstr(worst, 3))


def palive_table():
    print('/* P(alive): r, alpha, a, b, x, tx, T, P */')
    for m in MODELS:
        for (x, tx, T) in HISTORIES:
            print('\t{ %s, %s, %s, %s, %s, %s, %s, %s },' %
                  (*m, x, tx, T, g(p_alive(*m, x, tx, T))))
    print('\t{ %s, %s, %s, %s, 1000, 10, 100, %s },' %
          (*CDNOW, g(p_alive(*CDNOW, 1000, 10, 100))))


def loglik_table():
    print('/* log-likelihood: r, alpha, a, b, x, tx, T, ln L */')
    for m in MODELS + [('0.25', '4', '0.8', '2.5')]:
        for (x, tx, T) in HISTORIES[1:]:
            print('\t{ %s, %s, %s, %s, %s, %s, %s, %s },' %
                  (*m, x, tx, T, g(loglik(*m, x, tx, T))))
    print('/* formula vs the model integrated numerically */')
    for m in (CDNOW, ('0.25', '4', '0.8', '2.5'), ('0.5', '10', '0.05', '3')):
        for (x, tx, T) in ((0, 0, 40), (1, 5, 40), (3, '12.5', 30)):
            a, b = loglik(*m, x, tx, T), loglik_by_integration(*m, x, tx, T)
            print('/* %s x=%s: formula %s integral %s */' % (m, x, g(a), g(b)))


def count_table():
    print('/* E[X(t)], FHL eq. (9), CDNOW parameters */')
    for t in ('0.1429', '1', '3', '31.8571', '32', '78'):
        e9 = alive_hyp2f1(*CDNOW, 0, 0, t)
        eq = alive_integral(*CDNOW, 0, 0, t)
        print('\t{ %s, %s }, /* integral form %s */' % (t, g(e9), mp.nstr(eq, 20)))
    print('/* the same with the unrounded CDNOW fit r, alpha, a, b = '
          '0.242593, 4.413532, 0.792886, 2.425752 */')
    for t in ('0.1429', '1', '3', '31.8571', '32', '78'):
        print('/* t = %s: %s */' % (t, mp.nstr(alive_hyp2f1('0.242593', '4.413532',
                                                             '0.792886', '2.425752', 0, 0, t), 8)))
    print('/* P(X(t) = n), FHL eq. (8): r, alpha, a, b, t, n, P */')
    for m in (CDNOW, ('0.5', '10', '1e-22', '3'), ('0.8', '20', '0.6', '1e12')):
        for t in ('39', '78'):
            tot = mp.mpf(0)
            for n in (0, 1, 2, 7, 30):
                p = prob_count(*m, t, n)
                print('\t{ %s, %s, %s, %s, %s, %d, %s },' % (*m, t, n, g(p)))
            tot = mp.fsum(prob_count(*m, t, n) for n in range(0, 400))
            print('/* sum over n < 400: %s */' % mp.nstr(tot, 20))


def fifty_digits():
    with mp.workdps(50):
        r, al, a, b = FLO_PEN
        args = (r, al, a, b, 1, '1.571428571', '20.857142857')
        pa = p_alive(*args)
        e1 = pa * alive_integral(r, al, a, b, 1, '20.857142857', 12)
        e2 = pa * alive_hyp2f1(r, al, a, b, 1, '20.857142857', 12)
        print('/* DESIGN.md 50-digit check, integral: %s */' % mp.nstr(e1, 40))
        print('/* DESIGN.md 50-digit check, hyp2f1:   %s */' % mp.nstr(e2, 40))


if __name__ == '__main__':
    fifty_digits()
    count_table()
    loglik_table()
    palive_table()
    expected_table()
