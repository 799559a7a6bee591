#!/usr/bin/env python3
"""Golden values for tests/unit/test_pnbd.c, computed independently of the C code.

Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005,
"A Note on Deriving the Pareto/NBD Model and Related Expressions", "FHL05"
below).  Everything is evaluated with mpmath at 50 significant digits, straight
from the paper's formulas:

  * the log-likelihood, FHL05 eq. (22): the A0 term with the Gauss
    hypergeometric function (mpmath.hyp2f1), the alpha >= beta form of eq. (23)
    or the alpha < beta form of eq. (24) as the paper says; cross-checked for
    every row by integrating the individual-level likelihood of the model's
    story over the dropout time tau (tanh-sinh quadrature of
    E[lambda^x mu e^{-(lambda+mu) tau}] over (t_x, T]), which is independent of
    the hypergeometric form;
  * its gradient in (ln r, ln alpha, ln s, ln beta) by mpmath.diff of that
    log-likelihood (numerical differentiation at 50 digits);
  * P(alive | x, t_x, T), FHL05 eq. (33) (with A0 as above);
  * E[Y(t) | x, t_x, T], FHL05 eq. (41), and E[X(t)], FHL05 eq. (27) (s = 1:
    the limit r beta/alpha ln(1 + t/beta)).

The grid includes the hard cases issue 17 names: alpha < beta, alpha > beta,
alpha = beta, x in the thousands, T up to 1e4, r + x large, s -> 0.

Run: python3 scripts/golden/pnbd_golden.py   (needs mpmath; CI does not run it;
a few minutes).  It prints C table rows that the test embeds, and the largest
relative disagreement between the two log-likelihood evaluations.
"""
import mpmath as mp

mp.mp.dps = 50


def A0(r, al, s, be, x, tx, T):
    """FHL05 eqs. (23)/(24)."""
    a1 = r + s + x
    if al >= be:
        b, shift = s + 1, al
        z = lambda t: (al - be) / (al + t)
    else:
        b, shift = r + x, be
        z = lambda t: (be - al) / (be + t)
    def term(t):
        # a large b with z near 1 needs many terms of the series
        return mp.hyp2f1(a1, b, a1 + 1, z(t), maxterms=10**7) / (shift + t) ** a1
    return term(tx) - term(T)


def loglik(r, al, s, be, x, tx, T):
    """FHL05 eq. (22) in logs."""
    r, al, s, be, x, tx, T = map(mp.mpf, (r, al, s, be, x, tx, T))
    lead = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    alive = (al + T) ** -(r + x) * (be + T) ** -s
    return lead + mp.log(alive + s / (r + s + x) * A0(r, al, s, be, x, tx, T))


def loglik_by_integration(r, al, s, be, x, tx, T):
    """The model's story: given lambda and mu, a customer alive at T has
    likelihood lambda^x e^{-(lambda+mu) T}; one who died at tau in (t_x, T]
    has lambda^x e^{-lambda tau} mu e^{-mu tau} d tau.  Over the Gamma
    mixing distributions E[lambda^x e^{-lambda u}] =
    Gamma(r+x)/Gamma(r) alpha^r/(alpha+u)^(r+x) and E[mu e^{-mu u}] =
    s beta^s/(beta+u)^(s+1), so the dead part is an integral over tau."""
    r, al, s, be, x, tx, T = map(mp.mpf, (r, al, s, be, x, tx, T))
    lead = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    alive = (al + T) ** -(r + x) * (be + T) ** -s
    if T == tx:
        return lead + mp.log(alive)
    # the integrand falls by e over about (alpha+t_x)/(r+x): break the
    # interval at multiples of that scale so tanh-sinh sees it
    h = min(al + tx, be + tx) / (r + x + s + 1)
    pts = [tx]
    k = 0
    while tx + h * 2 ** k < T and k < 80:
        pts.append(tx + h * 2 ** k)
        k += 1
    pts.append(T)
    f = lambda u: (al + u) ** -(r + x) * (be + u) ** -(s + 1)
    # scaled by its value at t_x: mpmath's tolerance is not relative to a
    # tiny integral (1e-743 here)
    f0 = f(tx)
    dead = s * f0 * mp.quad(lambda u: f(u) / f0, pts)
    return lead + mp.log(alive + dead)


def grad(r, al, s, be, x, tx, T):
    """d ln L / d ln theta, by differentiating eq. (22) numerically."""
    base = [mp.log(mp.mpf(v)) for v in (r, al, s, be)]
    out = []
    for j in range(4):
        def f(u, j=j):
            v = [mp.exp(b) for b in base]
            v[j] = mp.exp(u)
            return loglik(v[0], v[1], v[2], v[3], x, tx, T)
        out.append(mp.diff(f, base[j]))
    return out


def p_alive(r, al, s, be, x, tx, T):
    """FHL05 eq. (33)."""
    r, al, s, be, x, tx, T = map(mp.mpf, (r, al, s, be, x, tx, T))
    return 1 / (1 + s / (r + s + x) * (al + T) ** (r + x) * (be + T) ** s
                * A0(r, al, s, be, x, tx, T))


def expected_purchases(r, al, s, be, x, tx, T, t):
    """FHL05 eq. (41)."""
    r, al, s, be, x, tx, T, t = map(mp.mpf, (r, al, s, be, x, tx, T, t))
    if s == 1:
        cond = (r + x) * (be + T) / (al + T) * mp.log((be + T + t) / (be + T))
    else:
        cond = ((r + x) * (be + T) / ((al + T) * (s - 1))
                * (1 - ((be + T) / (be + T + t)) ** (s - 1)))
    return cond * p_alive(r, al, s, be, x, tx, T)


def expected_count(r, al, s, be, t):
    """FHL05 eq. (27)."""
    r, al, s, be, t = map(mp.mpf, (r, al, s, be, t))
    if s == 1:
        return r * be / al * mp.log(1 + t / be)
    return r * be / (al * (s - 1)) * (1 - (be / (be + t)) ** (s - 1))


# (r, alpha, s, beta): CDNOW's published fit (alpha < beta), the same with
# alpha and beta swapped (alpha > beta), alpha = beta, s -> 0, s = 1 (the
# expectations' removable singularity), r + x large, a tiny alpha against a
# large beta and the reverse, s large.
PARAMS = [
    ("0.55", "10.58", "0.61", "11.67"),
    ("0.55", "11.67", "0.61", "10.58"),
    ("1.2", "7.5", "0.8", "7.5"),
    ("0.55", "10.58", "1e-9", "11.67"),
    ("0.3", "2.0", "1", "40"),
    ("500", "30", "0.4", "5"),
    ("2", "0.01", "0.3", "300"),
    ("0.8", "400", "3.5", "0.05"),
]

# (x, t_x, T): a new customer, a few CDNOW-like histories, a long silence,
# x in the thousands with T up to 1e4, bought at the very end, and t_x = 0.
HISTORIES = [
    (0, 0, 0),
    (0, 0, 38.86),
    (2, 30.43, 38.86),
    (7, 35.14, 38.86),
    (1, 0, 10),
    (0, 0, 10000),
    (40, 500, 10000),
    (3000, 9990, 10000),
    (3000, 100, 10000),
    (5000, 10000, 10000),
]

HORIZON = 52


def row(vals):
    return "{" + ", ".join(mp.nstr(v, 17, min_fixed=-1000, max_fixed=1000)
                           if not isinstance(v, str) else v for v in vals) + "},"


def main():
    worst = mp.mpf(0)
    print("/* r, alpha, s, beta, x, t_x, T, ln L, d ln L/d(ln r, ln alpha, ln s, ln beta),")
    print(" * P(alive), E[Y(52) | x, t_x, T] */")
    for (r, al, s, be) in PARAMS:
        for (x, tx, T) in HISTORIES:
            ll = loglik(r, al, s, be, x, tx, T)
            li = loglik_by_integration(r, al, s, be, x, tx, T)
            worst = max(worst, abs(ll - li) / abs(ll) if ll != 0 else abs(li))
            g = grad(r, al, s, be, x, tx, T)
            pa = p_alive(r, al, s, be, x, tx, T)
            ey = expected_purchases(r, al, s, be, x, tx, T, HORIZON)
            print("\t" + row([r, al, s, be, str(x), str(tx), str(T), ll] + g + [pa, ey]))
    print("/* r, alpha, s, beta, t, E[X(t)] */")
    for (r, al, s, be) in PARAMS:
        for t in ("1", "39", "78", "10000"):
            print("\t" + row([r, al, s, be, t, expected_count(r, al, s, be, t)]))
    # CDNOW's log-likelihood at the published estimates is computed from the
    # data by the bats test (flo-fit); not here.
    print("/* largest relative difference, eq. (22) against the integral: %s */"
          % mp.nstr(worst, 3))


if __name__ == "__main__":
    main()
