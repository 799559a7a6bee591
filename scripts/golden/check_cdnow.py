#!/usr/bin/env python3
"""Golden values for tests/flo-check.bats, computed independently of the C
code: the fit checks on CDNOW (tests/data/cdnow.csv; Fader, Hardie & Lee 2005,
"FHL": calibration to 1997-09-30, holdout to 1998-06-30, weeks) at the
published BG/NBD parameters r, alpha, a, b = 0.243, 4.414, 0.793, 2.426.

  * the summaries as lifetimes' calibration_and_holdout_data makes them
    (pandas: purchases on one day are one, frequency = days - 1, recency and
    T in days / 7, holdout purchases = distinct days in the holdout);
  * holdout: per calibration frequency 0..6 and 7+, and for all customers,
    customers, mean actual and mean expected holdout purchases (FHL eq. 10
    with scipy.special.hyp2f1, as lifetimes'
    conditional_expected_number_of_purchases_up_to_time), MAE, RMSE, the
    correlation and the aggregate error in percent (pandas groupby);
  * counts: customers per calibration frequency against sum_i P(X(T_i) = n),
    FHL eq. (8) with mpmath (25 digits), the 7+ bucket 1 minus the others;
  * tracking: the expected cumulative repeat transactions at the end of week
    78 (1998-06-30) and of week 39 (1997-09-30): the sum over customers of
    E[X(t_i)], FHL eq. (9) with mpmath.hyp2f1, t_i = (day - first day) / 7;
    and the actual cumulative counts of repeat purchase days.

Run: /usr/bin/python3 scripts/golden/check_cdnow.py  (pandas, scipy, mpmath;
CI does not run it; the tests embed its output).
"""
import os

import mpmath as mp
import numpy as np
import pandas as pd
from scipy.special import hyp2f1

mp.mp.dps = 25
r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
CAL, HOLD = pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")
K = 7

here = os.path.dirname(os.path.abspath(__file__))
log = pd.read_csv(os.path.join(here, "../../tests/data/cdnow.csv"), dtype={"customer_id": str})
log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
days = log[["customer_id", "date"]].drop_duplicates()
first = days.groupby("customer_id")["date"].min()
cal = days[days["date"] <= CAL]
hold = days[(days["date"] > CAL) & (days["date"] <= HOLD)]
g = cal.groupby("customer_id")["date"]
s = pd.DataFrame({
    "frequency": g.nunique() - 1,
    "recency": (g.max() - g.min()).dt.days / 7.0,
    "T": (CAL - g.min()).dt.days / 7.0,
})
s["actual"] = hold.groupby("customer_id")["date"].nunique().reindex(s.index).fillna(0)


def expected(x, tx, T, t):
    """FHL eq. (10), as lifetimes evaluates it."""
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    first_ = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    d = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return first_ / d


s["expected"] = expected(s["frequency"].values, s["recency"].values, s["T"].values, 39.0)
s["bucket"] = np.minimum(s["frequency"], K)


def errors(d):
    err = d["expected"] - d["actual"]
    return pd.Series({
        "customers": len(d),
        "actual_mean": d["actual"].mean(),
        "expected_mean": d["expected"].mean(),
        "mae": err.abs().mean(),
        "rmse": np.sqrt((err ** 2).mean()),
        "corr": d["actual"].corr(d["expected"]),
        "error_pct": 100 * (d["expected"].sum() - d["actual"].sum()) / d["actual"].sum(),
    })


table = s.groupby("bucket").apply(errors)
table.loc["all"] = errors(s)
pd.set_option("display.precision", 17)
print("holdout (frequency,customers,actual_mean,expected_mean,mae,rmse,corr,error_pct):")
for k, row in table.iterrows():
    label = "all" if k == "all" else ("%d+" % k if k == K else "%d" % k)
    print(",".join([label] + ["%.17g" % row[c] for c in
                              ["customers", "actual_mean", "expected_mean", "mae", "rmse",
                               "corr", "error_pct"]]))


def pmf(t, n):
    """FHL eq. (8)."""
    t = mp.mpf(t)
    R, A, aa, bb = mp.mpf(r), mp.mpf(alpha), mp.mpf(a), mp.mpf(b)
    nb = lambda j: (mp.gamma(R + j) / (mp.gamma(R) * mp.factorial(j))
                    * (A / (A + t)) ** R * (t / (A + t)) ** j)
    v = mp.beta(aa, bb + n) / mp.beta(aa, bb) * nb(n)
    if n > 0:
        v += mp.beta(aa + 1, bb + n - 1) / mp.beta(aa, bb) * (1 - mp.fsum(nb(j) for j in range(n)))
    return v


exp_counts = [mp.mpf(0)] * (K + 1)
for T, c in s["T"].value_counts().items():
    p = [pmf(T, n) for n in range(K)]
    for n in range(K):
        exp_counts[n] += c * p[n]
    exp_counts[K] += c * (1 - mp.fsum(p))
actual_counts = s["bucket"].value_counts().sort_index()
print("counts (frequency,actual,expected):")
for n in range(K + 1):
    print("%s,%d,%s" % ("%d+" % n if n == K else n, actual_counts.get(n, 0), mp.nstr(exp_counts[n], 17)))
print("sum of expected counts: %s" % mp.nstr(mp.fsum(exp_counts), 17))


def ex(t):
    """FHL eq. (9)."""
    t = mp.mpf(t)
    R, A, aa, bb = mp.mpf(r), mp.mpf(alpha), mp.mpf(a), mp.mpf(b)
    return (aa + bb - 1) / (aa - 1) * (1 - (A / (A + t)) ** R * mp.hyp2f1(R, bb, aa + bb - 1, t / (A + t)))


for end in (CAL, HOLD):
    tot = mp.fsum(c * ex((end - d).days / 7.0) for d, c in first.value_counts().items() if d < end)
    actual = len(days[days["date"] <= end]) - len(first[first <= end])
    print("tracking to %s: expected cumulative %s, actual %d" % (end.date(), mp.nstr(tot, 17), actual))
