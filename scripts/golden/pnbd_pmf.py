#!/usr/bin/env python3
"""Golden values for tests/unit/test_pnbd_pmf.c and tests/flo-score.bats /
tests/flo-check.bats (Pareto/NBD): the distribution of the number of
purchases under the Pareto/NBD, computed independently of the C code with
mpmath (50 significant digits reported; the hypergeometric forms evaluated at
150 digits, since they subtract nearly equal numbers).

1. P(X(t) = n), a new customer's purchases in (0, t]: Fader & Hardie (2006),
   "Deriving an Expression for P(X(t) = x) Under the Pareto/NBD Model", as
   printed there:

     P(X(t) = n) = G(r+n)/(G(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n (beta/(beta+t))^s
                 + alpha^r beta^s B(r+n, s+1)/B(r, s)
                   * { B1 - sum_{i=0..n} G(r+s+i)/(G(r+s) i!) t^i B2(i) }
     alpha >= beta:
       B1    = 2F1(r+s, s+1; r+s+n+1; (alpha-beta)/alpha) / alpha^(r+s)
       B2(i) = 2F1(r+s+i, s+1; r+s+n+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+i)
     alpha < beta:
       B1    = 2F1(r+s, r+n; r+s+n+1; (beta-alpha)/beta) / beta^(r+s)
       B2(i) = 2F1(r+s+i, r+n; r+s+n+1; (beta-alpha)/(beta+t)) / (beta+t)^(r+s+i)

   cross-checked row by row against the model's story integrated
   numerically (tanh-sinh): alive through t with probability
   (beta/(beta+t))^s and NB(n; t) purchases, or dead at tau < t (density
   s beta^s (beta+tau)^-(s+1)) after NB(n; tau).

2. P(X(T, T+t) = n | x, t_x, T): Fader & Hardie (2014), "Deriving the
   Conditional PMF of the Pareto/NBD Model": [n = 0] (1 - P(alive)) +
   P(alive) times the expression of 1 at r+x, alpha+T, s, beta+T, with
   P(alive) of FHL05 eq. (33) (pnbd_golden.py's hyp2f1 form).

3. Sums over n: the PMF sums to 1 and its mean is E[X(t)] (FHL05 eq. 27),
   conditionally E[Y(t) | x, t_x, T] (eq. 41), over n = 0..NMAX.

Run: /usr/bin/python3 scripts/golden/pnbd_pmf.py  (mpmath; CI does not; a
few minutes).  It prints C table rows that the tests embed.
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pnbd_golden import expected_count, expected_purchases, p_alive  # noqa: E402

mp.mp.dps = 50


def pmf_printed(r, al, s, be, t, n):
    """Fader & Hardie (2006), as printed, at 150 digits."""
    with mp.workdps(150):
        r, al, s, be, t = map(mp.mpf, (r, al, s, be, t))
        first = (mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n))
                 * (al / (al + t)) ** r * (t / (al + t)) ** n * (be / (be + t)) ** s)
        c = r + s + n + 1
        if al >= be:
            b1 = mp.hyp2f1(r + s, s + 1, c, (al - be) / al) / al ** (r + s)
            b2 = lambda i: (mp.hyp2f1(r + s + i, s + 1, c, (al - be) / (al + t))
                            / (al + t) ** (r + s + i))
        else:
            b1 = mp.hyp2f1(r + s, r + n, c, (be - al) / be) / be ** (r + s)
            b2 = lambda i: (mp.hyp2f1(r + s + i, r + n, c, (be - al) / (be + t))
                            / (be + t) ** (r + s + i))
        tail = mp.fsum(mp.gamma(r + s + i) / (mp.gamma(r + s) * mp.factorial(i)) * t ** i * b2(i)
                       for i in range(n + 1))
        second = al ** r * be ** s * mp.beta(r + n, s + 1) / mp.beta(r, s) * (b1 - tail)
        return +(first + second)


def pmf_story(r, al, s, be, t, n):
    """The model's story, integrated over the time of death."""
    r, al, s, be, t = map(mp.mpf, (r, al, s, be, t))
    lnc = mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)

    def nb(tau):
        if tau == 0:
            return mp.mpf(1) if n == 0 else mp.mpf(0)
        return mp.exp(lnc + r * mp.log(al / (al + tau)) + n * mp.log(tau / (al + tau)))

    alive = nb(t) * (be / (be + t)) ** s
    # break (0, t) geometrically around the peak of NB(n; tau), n alpha / r
    peak = min(t, n * al / r) if n > 0 else t
    pts = [mp.mpf(0)]
    h = peak / 2 ** 40
    while h < t:
        pts.append(h)
        h *= 2
    pts.append(t)
    dead = mp.quad(lambda tau: nb(tau) * s * be ** s * (be + tau) ** -(s + 1), pts)
    return alive + dead


def cond_pmf(r, al, s, be, x, tx, T, t, n):
    """Fader & Hardie (2014)."""
    pa = p_alive(r, al, s, be, x, tx, T)
    r1, al1, be1 = mp.mpf(r) + x, mp.mpf(al) + mp.mpf(T), mp.mpf(be) + mp.mpf(T)
    q = pmf_printed(r1, al1, s, be1, t, n)
    return (1 - pa if n == 0 else 0) + pa * q


# (r, alpha, s, beta): CDNOW's published Pareto/NBD (alpha < beta), swapped
# (alpha > beta), alpha = beta, s -> 0, s = 1, r large, alpha tiny against a
# large beta.
PARAMS = [
    ("0.55", "10.58", "0.61", "11.67"),
    ("0.55", "11.67", "0.61", "10.58"),
    ("1.2", "7.5", "0.8", "7.5"),
    ("0.55", "10.58", "1e-9", "11.67"),
    ("0.3", "2.0", "1", "40"),
    ("50", "30", "0.4", "5"),
    ("2", "0.01", "0.3", "300"),
]
TIMES = ["1", "39", "78", "1000"]
COUNTS = [0, 1, 2, 5, 20]

# (x, t_x, T, t) under CDNOW's parameters and one other
COND = [
    (CD := ("0.55", "10.58", "0.61", "11.67"), 0, "0", "38.86", "39"),
    (CD, 2, "30.43", "38.86", "39"),
    (CD, 7, "35.14", "38.86", "12"),
    (CD, 1, "1", "70", "52"),
    (CD, 40, "500", "10000", "52"),
    (("1.2", "7.5", "0.8", "7.5"), 3, "20", "25", "100"),
]
NCOND = 4  # P(0..3) and P(4 or more)
NMAX = 500


def s17(v):
    return mp.nstr(v, 17, min_fixed=-1000, max_fixed=1000)


def main():
    worst = mp.mpf(0)
    print("/* r, alpha, s, beta, t, n, P(X(t) = n) */")
    for (r, al, s, be) in PARAMS:
        for t in TIMES:
            for n in COUNTS:
                p = pmf_printed(r, al, s, be, t, n)
                q = pmf_story(r, al, s, be, t, n)
                worst = max(worst, abs(p - q) / p)
                print("\t{%s, %s, %s, %s, %s, %d, %s}," % (r, al, s, be, t, n, s17(p)))
    print("/* printed form against the story: largest relative difference %s */"
          % mp.nstr(worst, 3))
    print("/* r, alpha, s, beta, x, t_x, T, t, P(0..3 | x, t_x, T), P(4 or more) */")
    for (params, x, tx, T, t) in COND:
        p = [cond_pmf(*params, x, tx, T, t, n) for n in range(NCOND)]
        p.append(1 - mp.fsum(p))
        print("\t{%s, %d, %s, %s, %s, {%s}}," % (", ".join(params), x, tx, T, t,
                                               ", ".join(s17(v) for v in p)))
    print("/* sums over n = 0..%d: of P, of n P, and the expectation */" % NMAX)
    for (r, al, s, be) in PARAMS[:3]:
        for t in ("39", "78"):
            ps = [pmf_story(r, al, s, be, t, n) for n in range(NMAX + 1)]
            print("/* %s %s %s %s t=%s: sum %s, mean %s, eq. (27) %s */" % (
                r, al, s, be, t, mp.nstr(mp.fsum(ps), 20),
                mp.nstr(mp.fsum(n * v for n, v in enumerate(ps)), 20),
                mp.nstr(expected_count(r, al, s, be, t), 20)))
    for (params, x, tx, T, t) in COND[:3]:
        pa = p_alive(*params, x, tx, T)
        r1, al1, be1 = (mp.mpf(params[0]) + x, mp.mpf(params[1]) + mp.mpf(T),
                        mp.mpf(params[3]) + mp.mpf(T))
        ps = [pmf_story(r1, al1, params[2], be1, t, n) for n in range(NMAX + 1)]
        ps[0] = (1 - pa) + pa * ps[0]
        ps[1:] = [pa * v for v in ps[1:]]
        print("/* x=%d t_x=%s T=%s t=%s: sum %s, mean %s, eq. (41) %s */" % (
            x, tx, T, t, mp.nstr(mp.fsum(ps), 20),
            mp.nstr(mp.fsum(n * v for n, v in enumerate(ps)), 20),
            mp.nstr(expected_purchases(*params, x, tx, T, t), 20)))


if __name__ == "__main__":
    main()
