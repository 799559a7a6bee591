#!/usr/bin/env python3
"""Golden values for tests/flo-check.bats under the Pareto/NBD, computed
independently of the C code: flo-check's tables on CDNOW (calibration to
1997-09-30, holdout to 1998-06-30, weeks) at the published Pareto/NBD
parameters r, alpha, s, beta = 0.55, 10.58, 0.61, 11.67 (Fader, Hardie & Lee
2005, "RFM and CLV").  As check_cdnow.py does for the BG/NBD:

  * the summaries with pandas (purchases on one day are one);
  * holdout: per calibration frequency 0..6 and 7+ and for all customers,
    the mean actual and expected holdout purchases (FHL05 eq. 41 with P(alive)
    of eq. 33, mpmath.hyp2f1: pnbd_golden.py), MAE, RMSE, correlation and the
    aggregate error in percent (pandas groupby);
  * counts: customers per calibration frequency against sum_i P(X(T_i) = n),
    Fader & Hardie (2006)'s P(X(t) = x) with hyp2f1 as printed
    (pnbd_pmf.py), the 7+ bucket 1 minus the others;
  * tracking: the expected cumulative repeat transactions at the ends of
    weeks 39 and 78, the sum over customers of E[X(t_i)] (FHL05 eq. 27).

Run: /usr/bin/python3 scripts/golden/check_cdnow_pnbd.py  (pandas, mpmath;
CI does not run it; the tests embed its output; a few minutes).
"""
import os
import sys

import mpmath as mp
import numpy as np
import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from pnbd_golden import expected_count, expected_purchases  # noqa: E402
from pnbd_pmf import pmf_printed  # noqa: E402

mp.mp.dps = 30
P = ("0.55", "10.58", "0.61", "11.67")
CAL, HOLD = pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")
K = 7

log = pd.read_csv(os.path.join(here, "../../tests/data/cdnow.csv"), dtype={"customer_id": str})
log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
days = log[["customer_id", "date"]].drop_duplicates()
first = days.groupby("customer_id")["date"].min()
cal = days[days["date"] <= CAL]
hold = days[(days["date"] > CAL) & (days["date"] <= HOLD)]
g = cal.groupby("customer_id")["date"]
s = pd.DataFrame({
    "frequency": g.nunique() - 1,
    "recency_days": (g.max() - g.min()).dt.days,
    "T_days": (CAL - g.min()).dt.days,
})
s["actual"] = hold.groupby("customer_id")["date"].nunique().reindex(s.index).fillna(0)

cache = {}


def expected(x, rd, Td):
    key = (x, rd, Td)
    if key not in cache:
        cache[key] = float(expected_purchases(*P, x, mp.mpf(rd) / 7, mp.mpf(Td) / 7, 39))
    return cache[key]


s["expected"] = [expected(x, rd, Td) for x, rd, Td in
                 zip(s["frequency"], s["recency_days"], s["T_days"])]
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
print("holdout (frequency,customers,actual_mean,expected_mean,mae,rmse,corr,error_pct):")
for k, row in table.iterrows():
    label = "all" if k == "all" else ("%d+" % k if k == K else "%d" % k)
    print(",".join([label] + ["%.17g" % row[c] for c in
                              ["customers", "actual_mean", "expected_mean", "mae", "rmse",
                               "corr", "error_pct"]]))

exp_counts = [mp.mpf(0)] * (K + 1)
for Td, c in s["T_days"].value_counts().items():
    p = [pmf_printed(*P, mp.mpf(int(Td)) / 7, n) for n in range(K)]
    for n in range(K):
        exp_counts[n] += c * p[n]
    exp_counts[K] += c * (1 - mp.fsum(p))
actual_counts = s["bucket"].value_counts().sort_index()
print("counts (frequency,actual,expected):")
for n in range(K + 1):
    print("%s,%d,%s" % ("%d+" % n if n == K else n, actual_counts.get(n, 0),
                        mp.nstr(exp_counts[n], 17)))
print("sum of expected counts: %s" % mp.nstr(mp.fsum(exp_counts), 17))

for end in (CAL, HOLD):
    tot = mp.fsum(c * expected_count(*P, mp.mpf((end - d).days) / 7)
                  for d, c in first.value_counts().items() if d < end)
    print("tracking to %s: expected cumulative %s" % (end.date(), mp.nstr(tot, 17)))
