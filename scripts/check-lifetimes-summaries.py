#!/usr/bin/python3
"""flo-rfm's summaries against lifetimes itself, where python3 imports it
(lifetimes and autograd are no Debian packages: a user's pip install, or
their sources on PYTHONPATH), on random order logs.

  scripts/check-lifetimes-summaries.py [LOGS]

For each of LOGS seeded random logs (default 40: 5 to 60 customers, 1 to 12
orders each over 300 days, amounts to the cent), and for days (`--unit
day`, freq "D"), calendar weeks (`--occasion week`, "W") and months
(`--occasion month`, "M"):
- lifetimes.utils.summary_data_from_transaction_data(..., freq,
  monetary_value_col) against `flo-rfm --as-of 2021-03-31`: frequency,
  recency, T and monetary_value, for days;
- lifetimes.utils.calibration_and_holdout_data(..., calibration_period_end
  2021-03-31, observation_period_end 2021-06-30) against `flo-rfm --as-of
  2021-03-31 --holdout-end 2021-06-30`: frequency_cal, recency_cal, T_cal,
  monetary_value_cal, frequency_holdout and duration_holdout, for all three.
Each to 1e-9, relatively.  Half the logs have dates alone; the other half
date-times (an hour of the day on each order), and there lifetimes is given
the last second of each end day (23:59:59), since it compares times with a
date's midnight: a date to flo is the whole day.

What is left out, by the README's two differences from lifetimes ("Purchase
occasions in calendar periods"): weeks and months of
summary_data_from_transaction_data, which keeps the whole period of its
observation_period_end where flo cuts by date (calibration_and_holdout_data
cuts by date, as flo does: compared); and recency and T in months, which
lifetimes divides by 30.436875 days where flo counts calendar months
(frequency and the holdout's compared).

Prints the comparisons made and "all agree" (exit 0), or a MISMATCH line
for each difference (exit 1).  flo-rfm from PATH.
"""
import io
import random
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

warnings.simplefilter("ignore")  # pandas' SettingWithCopyWarning inside lifetimes

AS_OF, HOLDOUT_END = "2021-03-31", "2021-06-30"
OPTIONS = {"D": ["--unit", "day"], "W": ["--occasion", "week"], "M": ["--occasion", "month"]}


def random_log(seed, with_times):
    rnd = random.Random(seed)
    rows = []
    for c in range(rnd.randint(5, 60)):
        start = pd.Timestamp("2020-01-01") + pd.Timedelta(days=rnd.randint(0, 500))
        for _ in range(rnd.randint(1, 12)):
            d = start + pd.Timedelta(days=rnd.randint(0, 300))
            if with_times:
                d += pd.Timedelta(hours=rnd.randint(0, 23), minutes=rnd.randint(0, 59))
            rows.append(("c%03d" % c, d.strftime("%Y-%m-%d %H:%M:%S" if with_times else "%Y-%m-%d"),
                         round(rnd.uniform(1, 200), 2)))
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def flo_rfm(args, log):
    p = subprocess.run(["flo-rfm"] + args, input=log.to_csv(index=False), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("flo-rfm %s failed: %s" % (" ".join(args), p.stderr))
    return pd.read_csv(io.StringIO(p.stdout), dtype={"customer_id": str}).set_index("customer_id")


def compare(what, lt, fl, pairs, mismatches):
    """lifetimes' columns against flo's, customer by customer."""
    if sorted(lt.index) != sorted(fl.index):
        mismatches.append("%s: customers differ: lifetimes %d, flo %d" % (what, len(lt), len(fl)))
        return 0
    fl = fl.loc[lt.index]
    for a, b in pairs:
        x, y = lt[a].to_numpy(float), fl[b].to_numpy(float)
        off = np.abs(x - y) > 1e-9 * np.maximum(1, np.abs(x))
        for i in np.flatnonzero(off):
            mismatches.append("%s %s: customer %s: lifetimes %r, flo-rfm %s %r"
                              % (what, a, lt.index[i], x[i], b, y[i]))
    return len(pairs) * len(lt)


def main():
    logs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    mismatches, values = [], 0
    for seed in range(logs):
        with_times = seed % 2 == 1
        log = random_log(seed, with_times)
        # a date to flo is its whole day; to lifetimes, its midnight
        end_of = (lambda d: d + " 23:59:59") if with_times else (lambda d: d)
        for freq, opts in OPTIONS.items():
            what = "log %d (%s), freq %s" % (seed, "date-times" if with_times else "dates", freq)
            if freq == "D":
                lt = summary_data_from_transaction_data(log, "customer_id", "date", monetary_value_col="amount",
                                                        observation_period_end=end_of(AS_OF), freq=freq)
                fl = flo_rfm(opts + ["--as-of", AS_OF], log)
                values += compare(what, lt, fl, [("frequency", "frequency"), ("recency", "recency"),
                                                 ("T", "T"), ("monetary_value", "monetary")], mismatches)
            lt = calibration_and_holdout_data(log, "customer_id", "date", calibration_period_end=end_of(AS_OF),
                                              observation_period_end=end_of(HOLDOUT_END), freq=freq,
                                              monetary_value_col="amount")
            fl = flo_rfm(opts + ["--as-of", AS_OF, "--holdout-end", HOLDOUT_END], log)
            pairs = [("frequency_cal", "frequency"), ("monetary_value_cal", "monetary"),
                     ("frequency_holdout", "holdout_purchases"), ("duration_holdout", "duration_holdout")]
            if freq != "M":
                pairs += [("recency_cal", "recency"), ("T_cal", "T")]
            values += compare(what + " holdout", lt, fl, pairs, mismatches)
    print("%d logs, %d values compared with lifetimes' summaries" % (logs, values))
    for m in mismatches:
        print("MISMATCH", m)
    if mismatches:
        sys.exit(1)
    print("all agree")


if __name__ == "__main__":
    main()
