#!/usr/bin/env python3
"""Golden values for tests/unit/test_pmf.c and tests/flo-score.bats (--pmf):
the BG/NBD's conditional probability of n purchases in (T, T+t], computed
independently of the C code with mpmath at 40 digits.

The formula is Fader & Hardie's note "Deriving the Conditional PMF of the
BG/NBD Model" (2006), eq. (13) there, written out term by term as printed
(Beta and Gamma functions, the finite sum over j < n), not through the
unconditional PMF that lib/model/pmf.c reuses:

  P(X(T,T+t) = n | x, t_x, T)
    = [n = 0] (1 - 1/D)
    + 1/D * { B(a, b+x+n)/B(a, b+x) * G(r+x+n)/(G(r+x) n!)
                * ((alpha+T)/(alpha+T+t))^(r+x) * (t/(alpha+T+t))^n
            + [n > 0] B(a+1, b+x+n-1)/B(a, b+x)
                * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                       * sum_{j<n} G(r+x+j)/(G(r+x) j!) (t/(alpha+T+t))^j] }
  D = 1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)    (1/D = P(alive))

P(>= N) is 1 - sum_{n<N}.  Two cross-checks that do not use the formula's
structure: the PMF sums to 1 over n = 0..2000, and sum n P(n) equals the
conditional expectation of FHL 2005 eq. (10), evaluated with mpmath.hyp2f1.

Run: /usr/bin/python3 scripts/golden/pmf_golden.py  (needs mpmath; CI does not).
"""
import mpmath as mp

mp.mp.dps = 40

CDNOW = (0.243, 4.414, 0.793, 2.426)  # FHL 2005, weeks


def cond_pmf(params, x, tx, T, t, n):
    r, al, a, b = map(mp.mpf, params)
    x, tx, T, t = map(mp.mpf, (x, tx, T, t))
    D = 1 + (a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x) if x > 0 else 0)
    g = (al + T) / (al + T + t)
    z = t / (al + T + t)
    first = (mp.beta(a, b + x + n) / mp.beta(a, b + x)
             * mp.gamma(r + x + n) / (mp.gamma(r + x) * mp.factorial(n))
             * g ** (r + x) * z ** n)
    second = 0
    if n > 0:
        s = mp.fsum(mp.gamma(r + x + j) / (mp.gamma(r + x) * mp.factorial(j)) * z ** j
                    for j in range(n))
        second = mp.beta(a + 1, b + x + n - 1) / mp.beta(a, b + x) * (1 - g ** (r + x) * s)
    return (1 - 1 / D if n == 0 else 0) + (first + second) / D


def cond_expectation(params, x, tx, T, t):
    """FHL 2005 eq. (10)."""
    r, al, a, b = map(mp.mpf, params)
    x, tx, T, t = map(mp.mpf, (x, tx, T, t))
    D = 1 + (a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x) if x > 0 else 0)
    h = mp.hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t))
    return (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * h) / D


CASES = [
    # params, x, t_x, T, t, N
    (CDNOW, 0, 0, 38.86, 39, 3),
    (CDNOW, 2, 30.43, 38.86, 39, 3),
    (CDNOW, 7, 35.0, 38.0, 12, 5),
    (CDNOW, 1, 1.0, 70.0, 52, 2),
    ((2.7253, 72.67, 0.5, 1e6), 4, 60.0, 80.0, 24, 4),  # nearly no dropout
]

if __name__ == "__main__":
    for params, x, tx, T, t, N in CASES:
        p = [cond_pmf(params, x, tx, T, t, n) for n in range(N)]
        p.append(1 - mp.fsum(p))
        print("\t{{%s}, %g, %s, %s, %s, %d, {%s}}," % (
            ", ".join(repr(v) for v in params), x, tx, T, t, N,
            ", ".join(mp.nstr(v, 20) for v in p)))
    print("/* cross-checks over n = 0..2000 */")
    for params, x, tx, T, t, N in CASES:
        terms = [cond_pmf(params, x, tx, T, t, n) for n in range(2001)]
        tot = mp.fsum(terms)
        mean = mp.fsum(n * v for n, v in enumerate(terms))
        e = cond_expectation(params, x, tx, T, t)
        print("/* x=%g T=%g t=%g: sum %s, sum n P(n) %s, eq. (10) %s */" % (
            x, T, t, mp.nstr(tot, 20), mp.nstr(mean, 20), mp.nstr(e, 20)))
