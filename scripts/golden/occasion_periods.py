#!/usr/bin/python3
"""Golden values for flo-rfm --occasion week|month, computed independently
with pandas (1.5.3 when these numbers were taken; CI does not run it).
tests/occasion.bats holds what it prints:

  scripts/golden/occasion_periods.py [ROOT]

It follows lifetimes' summary_data_from_transaction_data(freq="W" or "M")
and calibration_and_holdout_data (lifetimes/utils.py): the orders up to the
observation end (calibration_period_end: a cut by date), each date turned
into its pandas Period (freq "W" is W-SUN, weeks Monday to Sunday; "M" is the
calendar month), the values of one customer's period summed into one
purchase, frequency = periods - 1, monetary = the mean of the purchases
after the first (0 without any).  recency and T are whole periods: Period
differences (max - min, end - min).  For weeks this is lifetimes' own number
((start of period - start of period) / np.timedelta64(1, "W"));
for months lifetimes divides the days between the periods' starts by
np.timedelta64(1, "M") (30.436875 days), which is not a whole number of
months and which pandas 2 refuses: flo, and this script, count calendar
months.  The holdout: the orders in (as_of, holdout_end], their distinct
periods (frequency_holdout), their value summed (flo's holdout_value), and
duration_holdout = Period(holdout_end) - Period(as_of), as lifetimes.
first_order and last_order are the first days of the first and last
purchase periods.  Numbers print in the shortest form that reads back.
"""
import sys

import pandas as pd

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
LOG = ROOT + "/tests/data/occasion_periods.csv"


def num(v):
    v = float(v)
    return str(int(v)) if v == int(v) else repr(v)


def summary(freq, unit, as_of=None, holdout_end=None):
    df = pd.read_csv(LOG, dtype={"customer_id": str})
    df["date"] = pd.to_datetime(df["date"])
    end = pd.Timestamp(as_of) if as_of else df["date"].dt.normalize().max()
    cal = df[df["date"].dt.normalize() <= end].copy()
    cal["p"] = cal["date"].dt.to_period(freq)
    per = cal.groupby(["customer_id", "p"], as_index=False)["amount"].sum()
    end_p = pd.Period(end, freq)
    head = ["customer_id", "frequency", "recency", "T", "monetary", "orders", "revenue",
            "first_order", "last_order", "unit"]
    if holdout_end:
        head += ["holdout_purchases", "holdout_value", "duration_holdout"]
        ho = df[(df["date"].dt.normalize() > end) &
                (df["date"].dt.normalize() <= pd.Timestamp(holdout_end))].copy()
        ho["p"] = ho["date"].dt.to_period(freq)
        duration = (pd.Period(holdout_end, freq) - end_p).n
    print(",".join(head))
    for cid, g in per.groupby("customer_id"):
        g = g.sort_values("p")
        first, last = g["p"].iloc[0], g["p"].iloc[-1]
        repeats = g["amount"].iloc[1:]
        row = [cid, num(len(g) - 1), num((last - first).n), num((end_p - first).n),
               num(repeats.mean() if len(repeats) else 0),
               num((cal["customer_id"] == cid).sum()),
               num(cal.loc[cal["customer_id"] == cid, "amount"].sum()),
               first.start_time.strftime("%Y-%m-%d"), last.start_time.strftime("%Y-%m-%d"),
               unit]
        if holdout_end:
            h = ho[ho["customer_id"] == cid]
            row += [num(h["p"].nunique()), num(h["amount"].sum()), num(duration)]
        print(",".join(row))


print("# flo-rfm --occasion week")
summary("W", "week")
print("# flo-rfm --occasion month")
summary("M", "month")
print("# flo-rfm --occasion week --as-of 2024-03-06 --holdout-end 2024-03-20")
summary("W", "week", "2024-03-06", "2024-03-20")
print("# flo-rfm --occasion month --as-of 2024-02-15 --holdout-end 2024-04-30")
summary("M", "month", "2024-02-15", "2024-04-30")
