#!/usr/bin/python3
"""The standard pandas + lifetimes cleaning recipe for a UCI-Online-Retail-
shaped line-item log, independent of flo: the golden summary of
tests/lineitems-example.bats and of the README's worked example.

    /usr/bin/python3 scripts/golden/lineitems_pandas.py LOG.csv[.gz] AS_OF SUMMARY.csv DROPPED.txt

The recipe, as the UCI Online Retail tutorials write it:
  1. read the log (InvoiceNo, StockCode and CustomerID as text, so that
     CustomerID is 12346, not 12346.0, and an empty one is NaN);
  2. drop the lines with an empty CustomerID (guests);
  3. drop the cancellations: InvoiceNo starting with "C", and any line with a
     negative Quantity;
  4. amount = Quantity * UnitPrice (a double, as pandas computes it);
  5. dates with pd.to_datetime(format="%m/%d/%Y %H:%M");
  6. lifetimes' summary_data_from_transaction_data(..., "CustomerID",
     "InvoiceDate", monetary_value_col="amount", observation_period_end=AS_OF,
     freq="D"), re-implemented below with pandas exactly as lifetimes 0.11.3
     does it (lifetimes/utils.py: _find_first_transactions and
     summary_data_from_transaction_data), so that lifetimes itself is not
     needed: every date is floored to its day (to_period("D")), lines after
     AS_OF are left out, the lines of one customer on one day are summed into
     one purchase (several invoices of a day included), the customer's first
     day is marked; frequency = purchase days - 1, recency = last day - first
     day, T = AS_OF - first day, in days; monetary_value = the mean of the
     repeat days' totals (the first day's set to NaN and left out of the
     mean), 0 for a one-time buyer.

flo-rfm --occasion day (its default) makes a day's orders one purchase as
lifetimes does, so its frequency, recency, T and monetary are lifetimes'
frequency, recency, T and monetary_value.  Its other fields are computed here
too, from the cleaned lines: orders (distinct invoices), revenue (the sum of
the amounts), first_order and last_order (the first and last purchase day).

Numbers: pandas sums doubles (Quantity * UnitPrice, then sums of those),
where flo sums the exact decimal values and rounds once, so revenue and
monetary may differ from flo's in the last digits (the test allows 1e-9
relative); frequency, orders, recency and T are whole numbers and compare
exactly.  They are written as flo writes numbers: a whole number without a
decimal point, any other the shortest text that reads back the same double
(Python's repr).

DROPPED.txt says how many lines the recipe dropped, one count a line:
`guests N` (empty CustomerID; a guest's cancellation is counted here, as it
is dropped at step 2 first) and `returns N` (step 3), which flo-rfm counts on
stderr in the same order of steps.
"""
import sys

import numpy as np
import pandas as pd


def number(x):
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def summary_data_from_transaction_data(transactions, customer_id_col, datetime_col,
                                       monetary_value_col, observation_period_end, freq="D"):
    """lifetimes 0.11.3's, for freq "D", freq_multiplier 1, a monetary column
    and include_first_transaction False; its steps in its order."""
    observation_period_end = pd.to_datetime(observation_period_end).to_period(freq).to_timestamp()
    # _find_first_transactions
    select_columns = [customer_id_col, datetime_col, monetary_value_col]
    tx = transactions[select_columns].sort_values(select_columns).copy()
    tx = tx.set_index(datetime_col).to_period(freq).to_timestamp()
    tx = tx.loc[tx.index <= observation_period_end].reset_index()
    period = tx.groupby([datetime_col, customer_id_col], sort=False, as_index=False).sum()
    period["first"] = False
    first = period.groupby(customer_id_col, sort=True, as_index=False).head(1).index
    period.loc[first, "first"] = True
    # summary_data_from_transaction_data
    customers = period.groupby(customer_id_col, sort=False)[datetime_col].agg(["min", "max", "count"])
    customers["frequency"] = customers["count"] - 1
    customers["T"] = (observation_period_end - customers["min"]) / np.timedelta64(1, freq)
    customers["recency"] = (customers["max"] - customers["min"]) / np.timedelta64(1, freq)
    period.loc[period[period["first"]].index, monetary_value_col] = np.nan
    customers["monetary_value"] = period.groupby(customer_id_col)[monetary_value_col].mean().fillna(0)
    return customers[["frequency", "recency", "T", "monetary_value", "min", "max"]]


def main():
    log, as_of, out_summary, out_dropped = sys.argv[1:5]
    df = pd.read_csv(log, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    guests = df["CustomerID"].isna()
    df = df[~guests]
    returns = df["InvoiceNo"].str.startswith("C") | (df["Quantity"] < 0)
    df = df[~returns].copy()
    df["amount"] = df["Quantity"] * df["UnitPrice"]
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], format="%m/%d/%Y %H:%M")

    s = summary_data_from_transaction_data(df, "CustomerID", "InvoiceDate", "amount", as_of)
    kept = df[df["InvoiceDate"].dt.normalize() <= pd.Timestamp(as_of)]
    s["orders"] = kept.groupby("CustomerID")["InvoiceNo"].nunique()
    s["revenue"] = kept.groupby("CustomerID")["amount"].sum()

    with open(out_summary, "w") as f:
        f.write("customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order\n")
        for cid in sorted(s.index):
            r = s.loc[cid]
            f.write(",".join([cid, number(r["frequency"]), number(r["recency"]), number(r["T"]),
                              number(r["monetary_value"]), number(r["orders"]),
                              number(r["revenue"]), r["min"].strftime("%Y-%m-%d"),
                              r["max"].strftime("%Y-%m-%d")]) + "\n")
    with open(out_dropped, "w") as f:
        f.write(f"guests {int(guests.sum())}\nreturns {int(returns.sum())}\n")


if __name__ == "__main__":
    main()
