#!/usr/bin/python3
"""The seed FLO notebook's CLV recipe, recomputed independently of flo's C code.

The widely copied FLO notebook prepares the customer summary with pandas and
fits the Python `lifetimes` library's BetaGeoFitter and GammaGammaFitter.
`lifetimes` cannot be installed here, so this script is a reimplementation of
what that library computes (read from its source, lifetimes 0.11.x:
fitters/beta_geo_fitter.py, fitters/gamma_gamma_fitter.py, fitters/__init__.py
and utils.py), in plain numpy/scipy, step by step as the notebook calls it:

  data   cap order_num_total_ever_online/offline and
         customer_value_total_ever_online/offline at
         round(q99 + 1.5 (q99 - q01)) (Series.quantile, linear interpolation;
         numpy's round, half to even), upper side only;
         recency = (last - first) days / 7, T = (2021-06-01 - first) days / 7,
         frequency = online + offline orders (all orders), monetary = total
         value / total orders.
  BG/NBD the library's objective, -(1/N) sum LL_i + 0.001 sum(theta^2), on time
         scaled by 1/max(T) with theta = (r, alpha/max(T), a, b), minimised
         over log-parameters by scipy.optimize.minimize (method None = BFGS,
         the gradient given, x0 = 0.1 for every log-parameter, tol = 1e-7),
         as BaseFitter._fit does (the library takes its gradient from
         autograd; here it is written out analytically and checked against
         finite differences);
         conditional_expected_number_of_purchases_up_to_time: FHL (2005)
         eq. 10 with scipy.special.hyp2f1, and the library's fallback to the
         Euler transformation where log(hyp2f1) is infinite.
  Gamma-Gamma  the same minimisation of -(1/N) sum LL_i + 0.01 sum(theta^2),
         theta = (p, q, v), frequency = all orders;
         conditional_expected_average_profit as the library's weighted mean
         of the population mean and the customer's own mean.
  CLV    customer_lifetime_value(time=6, freq="W", discount_rate=0.01): for
         i = k * 4.345 (k = 1..6): value * (E[Y(i)] - E[Y(i - 4.345)])
         / 1.01^(i / 4.345), summed.
  segments  pd.qcut(clv, 4, labels=["D", "C", "B", "A"]).

A check that this follows the library's optimiser step by step: with
--repeat (frequency = orders - 1, the same penalizers) it stops at r =
2.7253217412884405, alpha = 72.66677566207113, a = 8.1e-23, b = 6.7e-14,
where DESIGN.md quotes lifetimes' own fit at r = 2.725321740632131, alpha =
72.66677564237696, a = 8.1e-23, b = 6.7e-14 (r and alpha to 3e-10; a and b
are on a flat boundary), and it gives inf, as DESIGN.md says lifetimes does,
for all 4,717 customers with x = 1.

Any expected-purchase value that comes out infinite or NaN (the library's
failure on boundary fits) is replaced by a 40-digit mpmath evaluation of the
same formula and counted; the script says how many.  A sample of customers is
checked against mpmath in any case.

Run with the system python (pandas 1.5.3, numpy 1.24.2, scipy 1.10.1, mpmath
when these numbers were taken; CI does not run it):

  scripts/golden/notebook_lifetimes.py [ROOT] [OUT.csv.gz]
  scripts/golden/notebook_lifetimes.py --repeat [ROOT]

It prints the fitted parameters, the optimiser's report and summary numbers,
and writes the per-customer golden file (default
tests/data/notebook_golden.csv.gz): customer_id, exp_purchases_12,
exp_purchases_24, exp_avg_value, clv, segment, sorted by customer_id.
"""
import gzip
import sys

import numpy as np
import pandas as pd
from scipy.optimize import approx_fprime, minimize
from scipy.special import digamma, gammaln, hyp2f1

ARGS = [a for a in sys.argv[1:] if a != "--repeat"]
# --repeat: frequency = orders - 1 (flo's default) with the notebook's
# penalizers, to see lifetimes' inf at x = 1; writes no file.
REPEAT = "--repeat" in sys.argv[1:]
ROOT = ARGS[0] if ARGS else "."
OUT = ARGS[1] if len(ARGS) > 1 else f"{ROOT}/tests/data/notebook_golden.csv.gz"
AS_OF = pd.Timestamp("2021-06-01")
CAPPED = ["order_num_total_ever_online", "order_num_total_ever_offline",
          "customer_value_total_ever_offline", "customer_value_total_ever_online"]
BG_PENALIZER = 0.001
GG_PENALIZER = 0.01
WEEKS_PER_MONTH = 4.345


# ---------------------------------------------------------------- the data

def prepare(path):
    df = pd.read_csv(path)
    caps = {}
    for col in CAPPED:
        q01 = df[col].quantile(0.01)
        q99 = df[col].quantile(0.99)
        # the notebook's round(x, 0) on a numpy float64: numpy's round, half to even
        up = round(q99 + 1.5 * (q99 - q01), 0)
        caps[col] = (q01, q99, q99 + 1.5 * (q99 - q01), up, int((df[col] > up).sum()))
        df.loc[df[col] > up, col] = up
    orders = df["order_num_total_ever_online"] + df["order_num_total_ever_offline"]
    value = df["customer_value_total_ever_offline"] + df["customer_value_total_ever_online"]
    first = pd.to_datetime(df["first_order_date"])
    last = pd.to_datetime(df["last_order_date"])
    s = pd.DataFrame({
        "customer_id": df["master_id"],
        "recency": (last - first).dt.days / 7,
        "T": (AS_OF - first).dt.days / 7,
        "frequency": orders,
        "monetary": value / orders,
    })
    return s, caps


# ---------------------------------------------------------------- BG/NBD

def bg_objective(logp, x, tx, T, w, pen):
    """The library's penalised mean negative log-likelihood (FHL 2005, sec. 7)
    and its gradient in the log-parameters."""
    r, alpha, a, b = np.exp(logp)
    xm1 = np.maximum(x, 1) - 1
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + xm1) - (r + x) * np.log(tx + alpha)
    e3 = np.exp(A3)
    e4 = np.exp(A4) * (x > 0)
    ll = A1 + A2 + np.log(e3 + e4)
    W = w.sum()
    f = -(w * ll).sum() / W + pen * (r * r + alpha * alpha + a * a + b * b)

    w3 = e3 / (e3 + e4)
    w4 = e4 / (e3 + e4)
    dr = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(tx + alpha)
    dal = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (tx + alpha)
    da = digamma(a + b) - digamma(a + b + x) + w4 / a
    db = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / (b + xm1)
    theta = np.array([r, alpha, a, b])
    g_theta = -np.array([(w * d).sum() for d in (dr, dal, da, db)]) / W
    g = g_theta * theta + 2 * pen * theta * theta
    return f, g


def bg_expected(t, x, tx, T, r, alpha, a, b):
    """conditional_expected_number_of_purchases_up_to_time, as the library
    computes it: FHL eq. 10, log(2F1) replaced by its Euler transform where
    it is infinite."""
    _a, _b, _c = r + x, b + x, a + b + x - 1
    _z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        ln_hyp = np.log(hyp2f1(_a, _b, _c, _z))
        ln_alt = np.log(hyp2f1(_c - _a, _c - _b, _c, _z)) + (_c - _a - _b) * np.log(1 - _z)
        ln_hyp = np.where(np.isinf(ln_hyp), ln_alt, ln_hyp)
        first = (a + b + x - 1) / (a - 1)
        second = 1 - np.exp(ln_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T)))
        den = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return first * second / den


def bg_expected_mp(t, x, tx, T, r, alpha, a, b):
    """The same formula at 40 digits (mpmath.hyp2f1)."""
    import mpmath as mp
    mp.mp.dps = 40
    if t == 0:
        return mp.mpf(0)
    t, x, tx, T, r, alpha, a, b = (mp.mpf(float(v)) for v in (t, x, tx, T, r, alpha, a, b))
    z = t / (alpha + T + t)
    num = (a + b + x - 1) / (a - 1) * (
        1 - mp.hyp2f1(r + x, b + x, a + b + x - 1, z) * ((alpha + T) / (alpha + T + t)) ** (r + x))
    den = 1 + (a / (b + x - 1) if x > 0 else 0) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return num / den


# ---------------------------------------------------------------- Gamma-Gamma

def gg_objective(logp, x, m, w, pen):
    """The library's penalised mean negative log-likelihood (Fader & Hardie
    2013, eq. 1a) and its gradient in the log-parameters."""
    p, q, v = np.exp(logp)
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
          + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))
    W = w.sum()
    f = -(w * ll).sum() / W + pen * (p * p + q * q + v * v)
    dp = x * (digamma(p * x + q) - digamma(p * x) + np.log(m) + np.log(x) - np.log(x * m + v))
    dq = digamma(p * x + q) - digamma(q) + np.log(v) - np.log(x * m + v)
    dv = q / v - (p * x + q) / (x * m + v)
    theta = np.array([p, q, v])
    g_theta = -np.array([(w * d).sum() for d in (dp, dq, dv)]) / W
    return f, g_theta * theta + 2 * pen * theta * theta


def gg_expected(x, m, p, q, v):
    """conditional_expected_average_profit, in the library's form."""
    individual = p * x / (p * x + q - 1)
    population = v * p / (q - 1)
    return (1 - individual) * population + individual * m


# ---------------------------------------------------------------- the run

def fit(objective, args, n):
    """BaseFitter._fit: BFGS (scipy's choice for method=None without bounds)
    from 0.1 for every log-parameter, tol 1e-7."""
    x0 = 0.1 * np.ones(n)
    num = approx_fprime(x0, lambda z: objective(z, *args)[0], 1e-7)
    ana = objective(x0, *args)[1]
    assert np.allclose(num, ana, rtol=1e-4, atol=1e-6), (num, ana)
    return minimize(objective, x0, args=args, jac=True, method=None, tol=1e-7)


def main():
    s, caps = prepare(f"{ROOT}/examples/flo_data_20k.csv")
    print(f"customers: {len(s)}")
    for col, (q01, q99, raw, up, n) in caps.items():
        print(f"cap {col}: q01 {q01!r} q99 {q99!r} q99+1.5(q99-q01) {raw!r} -> {up!r} ({n} capped)")

    if REPEAT:
        s["frequency"] -= 1
    x = s["frequency"].to_numpy().astype(int)
    tx = s["recency"].to_numpy()
    T = s["T"].to_numpy()
    m = s["monetary"].to_numpy()
    w = np.ones_like(tx, dtype=int)
    print(f"frequency ({'repeat purchases' if REPEAT else 'all orders'}): min {x.min()} max {x.max()}; "
          f"customers with x = 1: {(x == 1).sum()}")

    scale = 1.0 / T.max()
    bg = fit(bg_objective, (x, tx * scale, T * scale, w, BG_PENALIZER), 4)
    r, alpha, a, b = np.exp(bg.x)
    alpha /= scale
    print(f"BG/NBD: r {r!r} alpha {alpha!r} a {a!r} b {b!r}")
    print(f"  BFGS: success {bg.success} ({bg.message}) nit {bg.nit} "
          f"objective {bg.fun!r} |grad|_inf {np.abs(bg.jac).max():.3g}")

    xf = s["frequency"].to_numpy().astype(float)
    gg = fit(gg_objective, (xf, m, w, GG_PENALIZER), 3)
    p, q, v = np.exp(gg.x)
    print(f"Gamma-Gamma: p {p!r} q {q!r} v {v!r}")
    print(f"  BFGS: success {gg.success} ({gg.message}) nit {gg.nit} "
          f"objective {gg.fun!r} |grad|_inf {np.abs(gg.jac).max():.3g}")

    params = (r, alpha, a, b)
    e12 = bg_expected(12, xf, tx, T, *params)
    e24 = bg_expected(24, xf, tx, T, *params)
    value = gg_expected(xf, m, p, q, v)

    clv = np.zeros(len(s))
    months = {}
    with np.errstate(invalid="ignore"):
        for i in np.arange(1, 7) * WEEKS_PER_MONTH:
            months[i] = bg_expected(i, xf, tx, T, *params) - bg_expected(i - WEEKS_PER_MONTH, xf, tx, T, *params)
            clv += value * months[i] / (1 + 0.01) ** (i / WEEKS_PER_MONTH)

    # Where the library's arithmetic fails, the same formula at 40 digits.
    bad = ~(np.isfinite(e12) & np.isfinite(e24) & np.isfinite(clv))
    print(f"customers with a non-finite lifetimes result: {bad.sum()} "
          f"({(bad & (x == 1)).sum()} of them with x = 1)")
    if REPEAT:
        k = np.flatnonzero((x == 1) & (np.abs(T - 20.857142857142858) < 1e-9)
                           & (np.abs(tx - 1.5714285714285714) < 1e-9))[0]
        print(f"x = 1, t_x = {tx[k]!r}, T = {T[k]!r}: lifetimes E[Y(12)] = {e12[k]!r}, "
              f"40 digits {float(bg_expected_mp(12, 1.0, tx[k], T[k], *params))!r}")
        return
    for k in np.flatnonzero(bad):
        args = (xf[k], tx[k], T[k], *params)
        e12[k] = float(bg_expected_mp(12, *args))
        e24[k] = float(bg_expected_mp(24, *args))
        clv[k] = sum(float(value[k] * (bg_expected_mp(i, *args) - bg_expected_mp(i - WEEKS_PER_MONTH, *args)))
                     / 1.01 ** (i / WEEKS_PER_MONTH) for i in months)

    # A check of the float64 arithmetic: 200 customers spread over the file.
    worst = 0.0
    for k in np.linspace(0, len(s) - 1, 200).astype(int):
        args = (xf[k], tx[k], T[k], *params)
        for t, got in ((12, e12[k]), (24, e24[k])):
            ref = float(bg_expected_mp(t, *args))
            worst = max(worst, abs(got - ref) / abs(ref))
    print(f"float64 vs mpmath, 200 customers: max relative difference {worst:.3g}")

    labels = ["D", "C", "B", "A"]
    seg, edges = pd.qcut(clv, 4, labels=labels, retbins=True)
    seg = np.asarray(seg)
    print("clv quartile edges:", ", ".join(repr(float(e)) for e in edges))
    near = np.zeros(len(s), dtype=bool)
    for e in edges[1:-1]:
        near |= np.abs(clv - e) <= 1e-3 * abs(e)
    print(f"customers whose clv is within 0.1% of an inner edge: {near.sum()}")

    out = pd.DataFrame({
        "customer_id": s["customer_id"], "frequency": xf, "recency": tx, "T": T, "monetary": m,
        "exp_purchases_12": e12, "exp_purchases_24": e24, "exp_avg_value": value,
        "clv": clv, "segment": seg,
    })
    print("summary (mean / median):")
    for col in ["frequency", "monetary", "exp_purchases_12", "exp_purchases_24", "exp_avg_value", "clv"]:
        print(f"  {col}: mean {out[col].mean()!r} median {out[col].median()!r}")
    print("segments:", ", ".join(f"{k} {n}" for k, n in
                                 out["segment"].value_counts().reindex(labels).items()))
    for k in labels:
        g = out[out["segment"] == k]
        print(f"  {k}: count {len(g)} clv mean {g['clv'].mean()!r} "
              f"exp_purchases_24 mean {g['exp_purchases_24'].mean()!r}")

    out = out.sort_values("customer_id")
    cols = ["customer_id", "exp_purchases_12", "exp_purchases_24", "exp_avg_value", "clv", "segment"]
    # no file name and no time in the gzip header: the same bytes every run
    with open(OUT, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write((",".join(cols) + "\n").encode())
        for row in out[cols].itertuples(index=False):
            gz.write((f"{row[0]},{row[1]!r},{row[2]!r},{row[3]!r},{row[4]!r},{row[5]}\n").encode())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
