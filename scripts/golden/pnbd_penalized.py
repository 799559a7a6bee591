#!/usr/bin/env python3
"""Golden values for tests/flo-fit.bats: the Pareto/NBD fit with a penalizer,
as the Python `lifetimes` library's ParetoNBDFitter defines it, computed
independently of the C code.

lifetimes (fitters/pareto_nbd_fitter.py) rescales time by 1/max(T) and
minimises, over one row per customer,
    -sum_i ln L_i + penalizer * (r^2 + alpha'^2 + s^2 + beta'^2),
alpha', beta' on the rescaled time, with ln L from FHL05 eq. (22) and the A0
term by scipy's hyp2f1 (as lifetimes does); then alpha = alpha' max(T), beta
likewise.  This script does the same on the CDNOW calibration summary, made
here from tests/data/cdnow.csv with pandas (calibration end 1997-09-30, weeks,
the orders of one day one purchase), and minimises with scipy (Nelder-Mead,
then BFGS from there, tolerances far below the printed digits).

Run: python3 scripts/golden/pnbd_penalized.py   (pandas, scipy; CI does not
run it).  Prints r, alpha, s, beta and the log-likelihood (unpenalised, in
weeks) for each penalizer.
"""
import os

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "tests", "data", "cdnow.csv")


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


def loglik(params, x, tx, T):
    """FHL05 eq. (22), A0 by eqs. (23)-(24) with scipy's hyp2f1."""
    r, al, s, be = params
    rsx = r + s + x
    if al >= be:
        a2, big = s + 1, al
    else:
        a2, big = r + x, be
    z = abs(al - be)
    f1 = hyp2f1(rsx, a2, rsx + 1, z / (big + tx)) / (big + tx) ** rsx
    f2 = hyp2f1(rsx, a2, rsx + 1, z / (big + T)) / (big + T) ** rsx
    a0 = f1 - f2
    lead = gammaln(r + x) - gammaln(r) + r * np.log(al) + s * np.log(be)
    alive = -(r + x) * np.log(al + T) - s * np.log(be + T)
    with np.errstate(divide="ignore"):  # a0 = 0 where t_x = T: no time to die in
        return lead + np.logaddexp(alive, np.log(s / rsx * a0))


def fit(x, tx, T, pen):
    sc = 1.0 / T.max()
    xs, txs, Ts = x, tx * sc, T * sc

    def f(lp):
        p = np.exp(lp)
        return -loglik(p, xs, txs, Ts).sum() + pen * (p ** 2).sum()

    res = minimize(f, np.log([0.5, 0.15, 0.5, 0.15]), method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
    res = minimize(f, res.x, method="BFGS", options={"gtol": 1e-9})
    r, al, s, be = np.exp(res.x)
    params = np.array([r, al / sc, s, be / sc])
    return params, loglik(params, x, tx, T).sum()


def main():
    x, tx, T = summary()
    print("# %d customers, max T %.6f weeks" % (len(x), T.max()))
    print("# penalizer, r, alpha, s, beta, loglik")
    for pen in (0.0, 10.0, 100.0):
        p, ll = fit(x, tx, T, pen)
        print("%g %.6f %.6f %.6f %.6f %.4f" % (pen, p[0], p[1], p[2], p[3], ll))


if __name__ == "__main__":
    main()
