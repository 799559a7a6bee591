#!/usr/bin/env python3
"""Golden values for the MBG/NBD (Batislam, Denizel & Filiztekin 2007, "BDF07";
lifetimes' ModifiedBetaGeoFitter), computed independently of the C code.

1. The CDNOW fit as lifetimes makes it (tests/flo-fit.bats): the calibration
   summary made here from tests/data/cdnow.csv with pandas (end 1997-09-30,
   weeks, the orders of one day one purchase), and lifetimes' objective,
       mean_i -ln L_i + penalizer * (r^2 + alpha'^2 + a^2 + b^2),
   alpha' on time rescaled by 1/max(T) (BetaGeoFitter.fit, which the
   ModifiedBetaGeoFitter inherits), ln L as in its _negative_log_likelihood
   with scipy's gammaln, minimised with scipy (Nelder-Mead, then BFGS).

2. A 50-digit grid (tests/unit/test_mbgnbd.c), with mpmath:
   * ln L from the model's story, not from lifetimes' arrangement of it: a
     customer alive at T survived x + 1 coin flips (the first purchase and
     each repeat one), one who left at t_x survived x and lost the next, so
       L = G(r+x) alpha^r / G(r) * [ B(a, b+x+1)/B(a,b) (alpha+T)^-(r+x)
                                   + B(a+1, b+x)/B(a,b) (alpha+t_x)^-(r+x) ];
   * its gradient in (ln r, ln alpha, ln a, ln b) by mpmath.diff;
   * P(alive) as the share of the first term;
   * E[Y(t) | x, t_x, T] as lifetimes' conditional_expected_number_of_purchases_
     up_to_time (mpmath.hyp2f1), cross-checked where a >= 0.1 by integrating
     the bounded form P(alive) E_p[(1 - (1 + p t/(alpha+T))^-(r+x))/p],
     p ~ Beta(a, b+x+1), over p; at b = 1e8, where hyp2f1 does not finish
     and the density is too narrow to integrate, by the series of Beta
     moments of f(p)'s power series;
   * E[X(t)] and P(X(t) = n) as lifetimes' expected_number_of_purchases_up_to_
     time and probability_of_n_purchases_up_to_time.

Run: /usr/bin/python3 scripts/golden/mbgnbd_golden.py   (pandas, scipy,
mpmath; CI does not run it; about a minute).
"""
import os

import mpmath as mp
import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "tests", "data", "cdnow.csv")

# ---- 1. CDNOW ----


def summary():
    d = pd.read_csv(DATA, dtype={"customer_id": str, "date": str})
    d["day"] = pd.to_datetime(d["date"], format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")
    d = d[d["day"] <= end]
    g = d.groupby("customer_id")["day"]
    first, last, days = g.min(), g.max(), g.nunique()
    x = (days - 1).to_numpy(float)
    tx = ((last - first).dt.days / 7.0).to_numpy()
    T = ((end - first).dt.days / 7.0).to_numpy()
    return x, tx, T


def lifetimes_ll(params, x, tx, T):
    """ModifiedBetaGeoFitter._negative_log_likelihood's terms, per customer."""
    r, alpha, a, b = params
    A_1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A_2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    A_3 = -(r + x) * np.log(alpha + T)
    A_4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return A_1 + A_2 + A_3 + np.logaddexp(A_4, 0)


def cdnow_fit(penalizer):
    x, tx, T = summary()
    s = 1 / T.max()
    xs, txs, Ts = x, tx * s, T * s

    def objective(lp):
        p = np.exp(lp)
        return -lifetimes_ll(p, xs, txs, Ts).mean() + penalizer * (p ** 2).sum()

    res = minimize(objective, np.full(4, 0.1), method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 40000, "maxfev": 40000})
    res = minimize(objective, res.x, method="BFGS", options={"gtol": 1e-11})
    r, al, a, b = np.exp(res.x)
    al /= s
    ll = lifetimes_ll((r, al, a, b), x, tx, T).sum()
    print("CDNOW penalizer %g: r %.10g alpha %.10g a %.10g b %.10g loglik %.10g (%d customers)"
          % (penalizer, r, al, a, b, ll, len(x)))


# ---- 2. the 50-digit grid ----

mp.mp.dps = 50


def parts(r, al, a, b, x, tx, T):
    """The two terms of L: alive at T, left at t_x."""
    lead = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) - mp.log(mp.beta(a, b))
    alive = mp.exp(lead + mp.log(mp.beta(a, b + x + 1)) - (r + x) * mp.log(al + T))
    dead = mp.exp(lead + mp.log(mp.beta(a + 1, b + x)) - (r + x) * mp.log(al + tx))
    return alive, dead


def loglik(r, al, a, b, x, tx, T):
    alive, dead = parts(r, al, a, b, x, tx, T)
    return mp.log(alive + dead)


def p_alive(r, al, a, b, x, tx, T):
    alive, dead = parts(r, al, a, b, x, tx, T)
    return alive / (alive + dead)


def expected(r, al, a, b, x, tx, T, t):
    """lifetimes' conditional_expected_number_of_purchases_up_to_time."""
    hyp = mp.hyp2f1(r + x, b + x + 1, a + b + x, t / (al + T + t), maxterms=10**6)
    first = (a + b + x) / (a - 1)
    second = 1 - hyp * ((al + T) / (al + t + T)) ** (r + x)
    return first * second / (1 + (a / (b + x)) * ((al + T) / (al + tx)) ** (r + x))


def expected_by_quadrature(r, al, a, b, x, tx, T, t):
    """f(p) - f(0), which is O(p), against the Beta density, plus f(0): the
    density's mass sits closer to 0 than any node when a is small (DESIGN.md);
    log-density, for b + x + 1 in the hundreds of millions."""
    c, n, bb = t / (al + T), r + x, b + x + 1
    f0 = n * c
    f = lambda p: ((1 - (1 + c * p) ** -n) / p if p > 0 else f0) - f0
    lb = mp.log(mp.beta(a, bb))
    dens = lambda p: mp.exp((a - 1) * mp.log(p) + (bb - 1) * mp.log1p(-p) - lb) if 0 < p < 1 else 0
    # the density's mass within a few (a+1)/(a+bb) of 0: nodes there
    m = (a + 1) / (a + bb)
    pts = [0] + [v for v in (m / 10, m, 10 * m, 100 * m, mp.mpf(1) / 2) if v < 1] + [1]
    e = mp.quad(lambda p: f(p) * dens(p), sorted(set(pts))) + f0
    return p_alive(r, al, a, b, x, tx, T) * e


def expected_by_moments(r, al, a, b, x, tx, T, t):
    """For b in the millions, where hyp2f1 crawls and the Beta(a, b+x+1)
    density is too narrow for quadrature: f(p) = (1 - (1+cp)^-n)/p =
    sum_{j>=1} (-1)^(j-1) (n)_j/j! c^j p^(j-1) (|cp| < 1), and
    E[p^k] = (a)_k/(a+b+x+1)_k, so E[f(p)] is a series that falls like
    (j/(b+x))^j: summed to 60 digits below its value."""
    c, n, bb = t / (al + T), r + x, b + x + 1
    total, j, coef, mom = mp.mpf(0), 1, n * c, mp.mpf(1)
    while True:
        term = (-1) ** (j - 1) * coef * mom
        total += term
        if abs(term) < mp.mpf(10) ** -60 * abs(total):
            break
        coef *= (n + j) * c / (j + 1)
        mom *= (a + j - 1) / (a + bb + j - 1)
        j += 1
    return p_alive(r, al, a, b, x, tx, T) * total


def expected_count(r, al, a, b, t):
    hyp = mp.hyp2f1(r, b + 1, a + b, t / (al + t))
    return b / (a - 1) * (1 - hyp * (al / (al + t)) ** r)


def prob_count(r, al, a, b, t, n):
    first = (mp.beta(a, b + n + 1) / mp.beta(a, b) * mp.gamma(r + n) / mp.gamma(r) /
             mp.gamma(n + 1) * (al / (al + t)) ** r * (t / (al + t)) ** n)
    finite = mp.fsum(mp.gamma(r + j) / mp.gamma(r) / mp.gamma(j + 1) * (t / (al + t)) ** j
                     for j in range(n))
    return first + mp.beta(a + 1, b + n) / mp.beta(a, b) * (1 - (al / (al + t)) ** r * finite)


def gradient(r, al, a, b, x, tx, T):
    def f(lr, la, lA, lB):
        return loglik(mp.exp(lr), mp.exp(la), mp.exp(lA), mp.exp(lB), x, tx, T)
    p = [mp.log(v) for v in (r, al, a, b)]
    return [mp.diff(f, p, tuple(int(i == j) for i in range(4))) for j in range(4)]


PARAMS = [
    ("0.5248", "6.183", "0.8914", "1.614"),   # CDNOW's fit
    ("0.243", "4.414", "0.793", "2.426"),     # the BG/NBD's CDNOW values
    ("2.5", "70", "1.5", "30"),
    ("0.5", "5", "1e-8", "1e8"),              # no dropout: a -> 0, b -> infinity
    ("1e3", "1e3", "3", "1e-3"),              # r large, b small
]
HISTORIES = [
    (0, 0, 0), (0, 0, 38.86), (2, 30.43, 38.86), (7, 35.14, 38.86), (1, 0, 10),
    (40, 500, 10000), (1000, 9000, 10000), (3000, 9990, 10000), (3000, 100, 10000),
]
HORIZON = 52


def fmt(v):
    return repr(float(v))


def grid(only=None):
    worst = 0
    print("/* r, alpha, a, b, x, t_x, T, ln L, gradient (4), P(alive), E[Y(52)] */")
    for ps in PARAMS if only is None else [PARAMS[only]]:
        r, al, a, b = map(mp.mpf, ps)
        for x, tx, T in HISTORIES:
            x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
            ll = loglik(r, al, a, b, x, tx, T)
            g = gradient(r, al, a, b, x, tx, T)
            pa = p_alive(r, al, a, b, x, tx, T)
            if b > 1e6:  # hyp2f1 crawls at b + x + 1 ~ 1e8: the moments' series
                e = expected_by_moments(r, al, a, b, x, tx, T, HORIZON)
            else:
                e = expected(r, al, a, b, x, tx, T, HORIZON)
            if 1e-3 <= a and b <= 1e6 and x < 1000:
                q = expected_by_quadrature(r, al, a, b, x, tx, T, HORIZON)
                worst = max(worst, abs(q - e) / abs(e) if e != 0 else abs(q))
            row = [r, al, a, b, x, tx, T, ll] + g + [pa, e]
            print("\t{" + ", ".join(fmt(v) for v in row) + "},")
    print("/* largest relative gap, hyp2f1 against quadrature: %s */" % mp.nstr(worst, 3))
    print("/* r, alpha, a, b, t, E[X(t)], P(X(t) = 0), P(X(t) = 1), P(X(t) = 5) */")
    for ps in PARAMS[:3]:
        r, al, a, b = map(mp.mpf, ps)
        for t in (1, 39, 78, 1000):
            row = [r, al, a, b, t, expected_count(r, al, a, b, t)] + \
                  [prob_count(r, al, a, b, t, n) for n in (0, 1, 5)]
            print("\t{" + ", ".join(fmt(v) for v in row) + "},")


if __name__ == "__main__":
    import sys
    if len(sys.argv) > 1:  # one parameter set's rows only (its index)
        grid(int(sys.argv[1]))
        sys.exit(0)
    cdnow_fit(0.0)
    cdnow_fit(0.01)
    grid()
