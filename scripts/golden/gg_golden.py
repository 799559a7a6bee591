#!/usr/bin/env python3
"""Golden values for tests/unit/test_gg.c, computed independently of the C code.

Gamma-Gamma spend model (Colombo & Jiang 1999; Fader & Hardie 2013).  With
mpmath at 30 digits:

  * the log-likelihood from DESIGN.md's formula, and the same density obtained
    by integrating the model's story numerically: mbar | nu ~ Gamma(shape p x,
    rate nu x) (the mean of x Gamma(p, nu) values), nu ~ Gamma(shape q, rate v);
  * E[M | x, mbar] = p E[1/nu | x, mbar] by numerical integration over the
    posterior of nu, next to the published weighted-average form.

Run: python3 scripts/golden/gg_golden.py   (needs mpmath; CI does not run it).
"""
import mpmath as mp

mp.mp.dps = 30


def loglik(p, q, v, x, m):
    p, q, v, x, m = map(mp.mpf, (p, q, v, x, m))
    return (mp.loggamma(p * x + q) - mp.loggamma(p * x) - mp.loggamma(q) + q * mp.log(v)
            + (p * x - 1) * mp.log(m) + p * x * mp.log(x) - (p * x + q) * mp.log(v + x * m))


def _joint(p, q, v, x, m):
    """nu -> density of (mbar = m, nu) under the model's story."""
    def f(nu):
        shape, rate = p * x, nu * x
        dm = mp.exp(shape * mp.log(rate) + (shape - 1) * mp.log(m) - rate * m - mp.loggamma(shape))
        dnu = mp.exp(q * mp.log(v) + (q - 1) * mp.log(nu) - v * nu - mp.loggamma(q))
        return dm * dnu
    return f


def _nu_points(p, q, v, x, m):
    """Split points around the posterior of nu, Gamma(p x + q, v + x m): its
    centre, then steps of a fraction of its relative width in log nu."""
    shape = p * x + q
    mode = shape / (v + x * m)
    w = min(mp.mpf(1), 1 / mp.sqrt(shape)) / 2
    return [0] + [mode * mp.exp(k * w) for k in range(-60, 61)] + [mp.inf]


def loglik_by_integration(p, q, v, x, m):
    p, q, v, x, m = map(mp.mpf, (p, q, v, x, m))
    return mp.log(mp.quad(_joint(p, q, v, x, m), _nu_points(p, q, v, x, m)))


def expected_by_integration(p, q, v, x, m):
    p, q, v, x, m = map(mp.mpf, (p, q, v, x, m))
    if x == 0:
        f = lambda nu: mp.exp(q * mp.log(v) + (q - 1) * mp.log(nu) - v * nu - mp.loggamma(q))
        pts = _nu_points(p, q, v, 0, 0)
    else:
        f = _joint(p, q, v, x, m)
        pts = _nu_points(p, q, v, x, m)
    return p * mp.quad(lambda nu: f(nu) / nu, pts) / mp.quad(f, pts)


def expected_published(p, q, v, x, m):
    """The note's weighted average of the population mean and the customer's mean."""
    p, q, v, x, m = map(mp.mpf, (p, q, v, x, m))
    w = (q - 1) / (p * x + q - 1)
    return w * (p * v / (q - 1)) + (1 - w) * m


def g(v):
    return mp.nstr(v, 20, min_fixed=-5, max_fixed=5)


CDNOW = ('6.25', '3.74', '15.44')
MODELS = [CDNOW, ('3.8', '0.47', '9.1'), ('0.001', '2.5', '1e8'), ('150', '40', '2000')]
CUSTOMERS = [(1, '20'), (2, '35.5'), (6, '100'), (50, '10'), (1000, '44.2'), (3, '0.01')]

if __name__ == '__main__':
    print('/* log-likelihood: p, q, v, x, mbar, ln f  (formula; integral check in comment) */')
    for mdl in MODELS:
        for (x, m) in CUSTOMERS:
            a = loglik(*mdl, x, m)
            b = loglik_by_integration(*mdl, x, m)
            print('\t{ %s, %s, %s, %s, %s, %s }, /* integral %s */' % (*mdl, x, m, g(a), g(b)))
    print('/* E[M | x, mbar]: p, q, v, x, mbar, E  (by integration; published form in comment) */')
    for mdl in MODELS:
        for (x, m) in [(0, '0')] + CUSTOMERS:
            pxq = mp.mpf(mdl[0]) * x + mp.mpf(mdl[1])
            if pxq <= 1:
                print('/* %s x=%s: p x + q = %s <= 1, no finite mean */' % (mdl, x, g(pxq)))
                continue
            e = expected_by_integration(*mdl, x, m)
            print('\t{ %s, %s, %s, %s, %s, %s }, /* published form %s */'
                  % (*mdl, x, m, g(e), g(expected_published(*mdl, x, m))))
