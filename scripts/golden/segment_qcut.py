#!/usr/bin/python3
"""Golden values for flo-segment, computed independently with pandas.

Run with the system python that has pandas (1.5.3, numpy 1.24.2 when these
numbers were taken); CI does not run it.  tests/flo-segment.bats holds the
numbers it printed:

  scripts/golden/segment_qcut.py [ROOT]

(a) pandas.qcut edges and labels on tests/data/segment_small.csv (clv, 4 and
    3 groups), and the per-segment count, mean and sum of the summary fields;
(b) the RFM scores and segments of the widely copied FLO/CRM notebook on the
    same file, with the time since the last purchase T - recency;
(c) qcut edges and counts of customer_value_total_ever_online in
    examples/flo_data_20k.csv, 4 groups;
(d) the notebook's RFM segment counts on examples/flo_data_20k.csv (analysis
    date 2021-06-01: recency in days since the last order, frequency all
    orders, monetary all value).
"""
import hashlib
import sys

import numpy as np
import pandas as pd

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."

SEG_MAP = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_risk",
    r"[1-2]5": "cant_loose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal_customers",
    r"41": "promising",
    r"51": "new_customers",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}


def edges(x, k):
    _, bins = pd.qcut(x, k, retbins=True)
    return bins


def show_edges(name, bins):
    print(name, "repr:", ", ".join(repr(float(b)) for b in bins))
    print(name, "%.17g:", ", ".join("%.17g" % b for b in bins))


def rfm(since_last, frequency, monetary):
    out = pd.DataFrame()
    out["recency_score"] = pd.qcut(since_last, 5, labels=[5, 4, 3, 2, 1])
    out["frequency_score"] = pd.qcut(frequency.rank(method="first"), 5,
                                     labels=[1, 2, 3, 4, 5])
    out["monetary_score"] = pd.qcut(monetary, 5, labels=[1, 2, 3, 4, 5])
    rf = out["recency_score"].astype(str) + out["frequency_score"].astype(str)
    out["rfm_segment"] = rf.replace(SEG_MAP, regex=True)
    return out


def md5(lines):
    """md5sum of the lines, each ended by a newline, in input order."""
    return hashlib.md5("".join(line + "\n" for line in lines).encode()).hexdigest()


def main():
    pd.set_option("display.width", 200)
    small = pd.read_csv(f"{ROOT}/tests/data/segment_small.csv")

    print("(a) segment_small.csv, clv, 4 groups")
    show_edges("edges", edges(small["clv"], 4))
    seg = pd.qcut(small["clv"], 4, labels=["D", "C", "B", "A"])
    for cid, s in zip(small["customer_id"], seg):
        print(" ", cid, s)
    print("(a) clv, 3 groups, labels 1..3")
    show_edges("edges", edges(small["clv"], 3))
    print(" ", " ".join(str(s) for s in pd.qcut(small["clv"], 3, labels=[1, 2, 3])))
    print("(a) summary by segment (count, then mean and sum of each field)")
    fields = ["frequency", "recency", "T", "monetary", "exp_purchases_12", "clv"]
    g = small.assign(segment=seg).groupby("segment", observed=False)
    for label, grp in g:
        cells = [label, str(len(grp))]
        for f in fields:
            cells += [repr(float(grp[f].mean())), repr(float(grp[f].sum()))]
        print(" ", ",".join(cells))

    print("(b) segment_small.csv, RFM with T - recency")
    since = small["T"] - small["recency"]
    show_edges("since-last edges", edges(since, 5))
    show_edges("frequency rank edges", edges(small["frequency"].rank(method="first"), 5))
    show_edges("monetary edges", edges(small["monetary"], 5))
    r = rfm(since, small["frequency"], small["monetary"])
    for cid, row in zip(small["customer_id"], r.itertuples(index=False)):
        print(" ", cid, row.recency_score, row.frequency_score, row.monetary_score,
              row.rfm_segment)
    print("(b) RFM summary (count, frequency mean and sum), alphabetical")
    for label, grp in small.assign(rfm_segment=r["rfm_segment"]).groupby("rfm_segment"):
        print(" ", label, len(grp), repr(float(grp["frequency"].mean())),
              repr(float(grp["frequency"].sum())))

    flo = pd.read_csv(f"{ROOT}/examples/flo_data_20k.csv")
    print("(c) flo_data_20k.csv, customer_value_total_ever_online, 4 groups;", len(flo), "rows")
    col = flo["customer_value_total_ever_online"]
    show_edges("edges", edges(col, 4))
    seg = pd.qcut(col, 4, labels=["D", "C", "B", "A"])
    print("  counts:", ", ".join(f"{k} {v}" for k, v in seg.value_counts(sort=False).items()))
    print("  sums:", ", ".join(f"{k} {float(v)!r}" for k, v in col.groupby(seg).sum().items()))
    print("  md5 of the lines master_id,segment:",
          md5(f"{i},{s}" for i, s in zip(flo["master_id"], seg)))

    print("(d) flo_data_20k.csv, the notebook's RFM (analysis date 2021-06-01)")
    last = pd.to_datetime(flo["last_order_date"])
    recency = (pd.Timestamp("2021-06-01") - last).dt.days
    frequency = flo["order_num_total_ever_online"] + flo["order_num_total_ever_offline"]
    monetary = flo["customer_value_total_ever_online"] + flo["customer_value_total_ever_offline"]
    show_edges("recency edges", edges(recency, 5))
    show_edges("monetary edges", edges(monetary, 5))
    r = rfm(recency, frequency, monetary)
    print("  segments:", ", ".join(f"{k} {v}" for k, v in
                                  r["rfm_segment"].value_counts().sort_index().items()))
    print("  md5 of the lines master_id,recency_score,frequency_score,monetary_score,rfm_segment:",
          md5(f"{i},{t.recency_score},{t.frequency_score},{t.monetary_score},{t.rfm_segment}"
              for i, t in zip(flo["master_id"], r.itertuples(index=False))))
    for name in ["recency_score", "frequency_score", "monetary_score"]:
        print(" ", name + ":", ", ".join(f"{k} {v}" for k, v in
                                       r[name].value_counts().sort_index().items()))

    ties = pd.read_csv(f"{ROOT}/tests/data/segment_ties.csv")
    print("(e) segment_ties.csv, clv, 4 groups:")
    try:
        pd.qcut(ties["clv"], 4)
    except ValueError as e:
        print(" ", str(e).splitlines()[0])
    print("  quantiles:", list(np.quantile(ties["clv"], np.linspace(0, 1, 5))))


if __name__ == "__main__":
    main()
