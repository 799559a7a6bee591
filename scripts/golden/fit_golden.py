#!/usr/bin/env python3
"""Golden values for tests/unit/test_fit.c, computed independently of the C code.

With mpmath at 40 digits:

  * psi1(y+x) - psi1(y), the trigamma differences of the fitter's Hessians
    (mpmath.psi(1, .), directly);
  * the BG/NBD's limit a, b -> infinity with mu = a/(a+b) fixed (lib/model/fit.c,
    "The ridge"), summed over a small weighted data set: the log-likelihood at
    tau = 1/(a+b) = 0 from the tau form of FHL eq. (6),
        ln L = lnG(r+x) - lnG(r) + r ln alpha + sum_{j<x} ln((1-mu+j tau)/(1+j tau))
             + ln[(alpha+T)^-(r+x) + [x>0] mu/(1-mu+(x-1) tau) (alpha+t_x)^-(r+x)],
    and its derivative in tau at 0 by numerical differentiation of that form
    (mpmath.diff), not by the closed form the C code uses;
  * the same tau form at a moderate tau next to FHL eq. (6) with a = mu/tau,
    b = (1-mu)/tau (mpmath.beta), as a check of the form itself.

Run: python3 scripts/golden/fit_golden.py   (needs mpmath; CI does not run it).
"""
import mpmath as mp

mp.mp.dps = 40

TRIGAMMA = [(0.243, 1), (0.243, 200), (2.7, 3), (2.7, 0.5), (9.99, 7.25), (10, 1),
            (55.5, 0.125), (1e3, 50), (1e12, 3), (1e30, 1e4), (1e-8, 2), (0.47, 4.15)]

# x, t_x, T, weight (DESIGN.md's customers and a few more)
DATA = [(0, 0, 40, 3), (1, 1.571428571, 20.857142857, 2), (2, 30.43, 38.86, 1),
        (10, 30, 39, 1), (5, 10, 52, 2.5), (200, 38, 40, 1), (1, 5, 5, 1)]

LIMIT = [(2.744, 72.4, 2e-4), (0.243, 4.414, 0.3), (1.5, 20, 0.9)]


def tau_form(r, alpha, mu, tau):
    total = mp.mpf(0)
    for x, tx, T, w in DATA:
        x, tx, T, w = int(x), mp.mpf(tx), mp.mpf(T), mp.mpf(w)
        ll = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha)
        ll += mp.fsum(mp.log((1 - mu + j * tau) / (1 + j * tau)) for j in range(x))
        alive = (alpha + T) ** -(r + x)
        dead = mu / (1 - mu + (x - 1) * tau) * (alpha + tx) ** -(r + x) if x > 0 else 0
        total += w * (ll + mp.log(alive + dead))
    return total


def fhl(r, alpha, a, b):
    total = mp.mpf(0)
    for x, tx, T, w in DATA:
        x, tx, T, w = int(x), mp.mpf(tx), mp.mpf(T), mp.mpf(w)
        ll = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha)
        ll += mp.log(mp.beta(a, b + x)) - mp.log(mp.beta(a, b))
        alive = (alpha + T) ** -(r + x)
        dead = a / (b + x - 1) * (alpha + tx) ** -(r + x) if x > 0 else 0
        total += w * (ll + mp.log(alive + dead))
    return total


def main():
    print("/* y, x, psi1(y+x) - psi1(y) */")
    for y, x in TRIGAMMA:
        y, x = mp.mpf(y), mp.mpf(x)
        print("{ %s, %s, %s }," % (mp.nstr(y, 17), mp.nstr(x, 17),
                                   mp.nstr(mp.psi(1, y + x) - mp.psi(1, y), 20)))
    print("/* r, alpha, mu, sum w ln L at tau = 0, d/dtau there */")
    for r, alpha, mu in LIMIT:
        r, alpha, mu = mp.mpf(r), mp.mpf(alpha), mp.mpf(mu)
        ll = tau_form(r, alpha, mu, 0)
        slope = mp.diff(lambda t: tau_form(r, alpha, mu, t), 0)
        print("{ %s, %s, %s, %s, %s }," % (mp.nstr(r, 17), mp.nstr(alpha, 17), mp.nstr(mu, 17),
                                           mp.nstr(ll, 20), mp.nstr(slope, 20)))
    print("/* the tau form against FHL eq. (6) at tau = 1e-3 */")
    for r, alpha, mu in LIMIT:
        r, alpha, mu, tau = mp.mpf(r), mp.mpf(alpha), mp.mpf(mu), mp.mpf("1e-3")
        print("/* %s %s */" % (mp.nstr(tau_form(r, alpha, mu, tau), 20),
                               mp.nstr(fhl(r, alpha, mu / tau, (1 - mu) / tau), 20)))


if __name__ == "__main__":
    main()
