#!/usr/bin/env python3
"""Golden values for tests/intervals.bats, computed independently of the C
code: the 95% intervals of the BG/NBD and Gamma-Gamma parameters on CDNOW
(tests/data/cdnow.csv, calibration to 1997-09-30, weeks; purchases on one day
are one occasion, its value the sum of the day's orders).

  * the summaries with pandas: frequency = days - 1, recency and T in days / 7,
    monetary = the mean value of the repeat occasions;
  * the log-likelihoods in numpy/scipy: BG/NBD, Fader, Hardie & Lee 2005,
    eq. (6); Gamma-Gamma, Fader & Hardie 2013, eq. (1) with x purchases of
    mean m;
  * the maximum by scipy.optimize.minimize on the log-parameters;
  * the Wald standard errors from a numerical Hessian of the log-likelihood
    in the log-parameters (central differences, step 1e-4), inverted, then
    se(theta) = theta se(ln theta) (delta method);
  * the profile-likelihood intervals: for each parameter, the values where
    2 (LL_max - max over the others of LL) = chi2_1(0.95) = 3.8415, the others
    re-maximised by scipy.optimize.minimize, the crossing by brentq.

Run: /usr/bin/python3 scripts/golden/profile_ci.py  (pandas, scipy; CI does
not run it; tests/intervals.bats embeds its output).
"""
import os

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize
from scipy.special import betaln, gammaln
from scipy.stats import chi2

CAL = pd.Timestamp("1997-09-30")
here = os.path.dirname(os.path.abspath(__file__))
log = pd.read_csv(os.path.join(here, "../../tests/data/cdnow.csv"), dtype={"customer_id": str})
log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
log = log[log["date"] <= CAL]
occ = log.groupby(["customer_id", "date"])["amount"].sum().reset_index()
g = occ.groupby("customer_id")
first = g["date"].min()
s = pd.DataFrame({
    "x": g["date"].nunique() - 1,
    "tx": (g["date"].max() - first).dt.days / 7.0,
    "T": (CAL - first).dt.days / 7.0,
})
rep = occ[occ["date"] > occ["customer_id"].map(first)]
s["m"] = rep.groupby("customer_id")["amount"].mean().reindex(s.index).fillna(0)
x, tx, T = s["x"].to_numpy(float), s["tx"].to_numpy(float), s["T"].to_numpy(float)
spend = s[(s["x"] > 0) & (s["m"] > 0)]
gx, gm = spend["x"].to_numpy(float), spend["m"].to_numpy(float)


def ll_bgnbd(phi):
    r, alpha, a, b = np.exp(phi)
    A = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        dead = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                        - (r + x) * np.log(alpha + tx), -np.inf)
    return float(np.sum(A + np.logaddexp(alive, dead)))


def ll_gg(phi):
    p, q, v = np.exp(phi)
    return float(np.sum(gammaln(p * gx + q) - gammaln(p * gx) - gammaln(q) + q * np.log(v)
                        + (p * gx - 1) * np.log(gm) + p * gx * np.log(gx)
                        - (p * gx + q) * np.log(v + gx * gm)))


def fit(ll, start):
    res = minimize(lambda f: -ll(f), start, method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 40000, "maxfev": 40000})
    res = minimize(lambda f: -ll(f), res.x, method="BFGS", options={"gtol": 1e-8})
    return res.x, -res.fun


def hessian(ll, phi, h=1e-4):
    n = len(phi)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (ll(phi + e_i + e_j) - ll(phi + e_i - e_j)
                       - ll(phi - e_i + e_j) + ll(phi - e_i - e_j)) / (4 * h * h)
    return H


def profile(ll, phi, llmax, j, crit):
    others = [k for k in range(len(phi)) if k != j]

    def deficit(c):
        def negll(o):
            full = np.array(phi, float)
            full[others] = o
            full[j] = c
            return -ll(full)
        res = minimize(negll, phi[others], method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000})
        res = minimize(negll, res.x, method="BFGS", options={"gtol": 1e-8})
        return 2 * (llmax + res.fun) - crit

    lo = brentq(deficit, phi[j] - 3, phi[j], xtol=1e-10)
    hi = brentq(deficit, phi[j], phi[j] + 3, xtol=1e-10)
    return np.exp(lo), np.exp(hi)


crit = chi2.ppf(0.95, 1)
for name, ll, start, names in (("bgnbd", ll_bgnbd, np.log([0.24, 4.4, 0.8, 2.4]), "r alpha a b"),
                               ("gamma_gamma", ll_gg, np.log([6.25, 3.74, 15.44]), "p q v")):
    phi, llmax = fit(ll, start)
    cov = np.linalg.inv(-hessian(ll, phi))
    se = np.exp(phi) * np.sqrt(np.diag(cov))
    print(f"{name}: loglik {llmax:.6f}")
    for j, n in enumerate(names.split()):
        lo, hi = profile(ll, phi, llmax, j, crit)
        print(f"  {n}: estimate {np.exp(phi[j]):.7g} se {se[j]:.6g} profile {lo:.6g} {hi:.6g}")
