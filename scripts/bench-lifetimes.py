#!/usr/bin/python3
"""The fits that `make bench` times flo-fit against: lifetimes 0.11.3's, as
lifetimes runs them, written again with numpy and scipy in
scripts/lifetimes_fits.py (read its header: what is the same as lifetimes,
what differs, and why the times are a lower bound of lifetimes' own).

  scripts/bench-lifetimes.py SUMMARIES.csv
      BetaGeoFitter.fit, then GammaGammaFitter.fit on the customers with
      frequency > 0 and monetary > 0 (lifetimes' docs); one line:
        bgnbd_seconds gg_seconds r alpha a b p q v
  scripts/bench-lifetimes.py --model M [--T-field F] [--weight F] [--seed S] SUMMARIES.csv
      the purchase model M (flo-fit's names: bgnbd, mbgnbd, pnbd, bgbb; the
      BG/BB's n from the T field, or F); one line:
        ok seconds loglik param1 param2 param3 param4      (flo-fit's order)
      or, where lifetimes gives no fit (Pareto/NBD: NaN from hyp2f1, or
      Nelder-Mead at its maxiter; the others: no convergence),
        failed seconds why
      --weight names a field of customer counts (lifetimes' weights); --seed
      seeds the Pareto/NBD's random start (default 1).
  scripts/bench-lifetimes.py --installed SUMMARIES.csv
      lifetimes itself, where python3 imports it (with autograd): its
      BetaGeoFitter().fit(frequency, recency, T), then GammaGammaFitter().fit
      on the same customers as above, as its docs call them; one line:
        bgnbd_seconds gg_seconds r alpha a b p q v version
      exit status 3 when lifetimes cannot be imported.  The re-written fits
      above stand in for it where it is not installed: they take about 0.7
      of its time (README, "Performance").

Reads flo-rfm's summaries (frequency, recency, T, monetary) with pandas, as
a lifetimes user would, untimed; then times the fits only, the data in
memory, as arrays (the input checks, the time scaling, the optimiser and
the Hessian are timed, as in lifetimes' fit()).
"""
import argparse
import sys
import time

sys.dont_write_bytecode = True  # importing the module leaves no __pycache__ in scripts/

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import lifetimes_fits as lf  # noqa: E402


def bgnbd_and_gg(path):
    data = pd.read_csv(path)
    returning = data[(data["frequency"] > 0) & (data["monetary"] > 0)]
    f, r, T = data["frequency"].values, data["recency"].values, data["T"].values
    gf, gm = returning["frequency"].values, returning["monetary"].values

    t0 = time.perf_counter()
    bg, _ = lf.fit_bgnbd(f, r, T)
    t1 = time.perf_counter()
    gg, _ = lf.fit_gg(gf, gm)
    t2 = time.perf_counter()
    print("%.4f %.4f %s" % (t1 - t0, t2 - t1, " ".join("%.6g" % v for v in list(bg) + list(gg))))


def installed(path):
    try:
        import lifetimes
    except ImportError as e:
        print("bench-lifetimes.py: lifetimes is not installed: %s" % e, file=sys.stderr)
        sys.exit(3)
    data = pd.read_csv(path)
    returning = data[(data["frequency"] > 0) & (data["monetary"] > 0)]
    t0 = time.perf_counter()
    bg = lifetimes.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    t1 = time.perf_counter()
    gg = lifetimes.GammaGammaFitter().fit(returning["frequency"], returning["monetary"])
    t2 = time.perf_counter()
    params = [bg.params_[k] for k in ("r", "alpha", "a", "b")] + [gg.params_[k] for k in ("p", "q", "v")]
    print("%.4f %.4f %s %s" % (t1 - t0, t2 - t1, " ".join("%.6g" % v for v in params), lifetimes.__version__))


def one_model(path, model, T_field, weight_field, seed):
    data = pd.read_csv(path)
    f, r, T = data["frequency"].values, data["recency"].values, data[T_field].values
    w = data[weight_field].values if weight_field else None
    fit = lf.MODELS[model][0]
    kwargs = {"seed": seed} if model == "pnbd" else {}
    t0 = time.perf_counter()
    try:
        with np.errstate(all="ignore"):  # a failure is said in the line, not in numpy's warnings
            params, loglik = fit(f, r, T, w, **kwargs)
    except lf.FitFailed as e:
        print("failed %.4f %s" % (time.perf_counter() - t0, e))
        return
    print("ok %.4f %.10g %s" % (time.perf_counter() - t0, loglik, " ".join("%.10g" % v for v in params)))


def main():
    ap = argparse.ArgumentParser(description="lifetimes 0.11.3's fits, timed (make bench)")
    ap.add_argument("--model", choices=sorted(lf.MODELS))
    ap.add_argument("--T-field", default="T")
    ap.add_argument("--weight")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--installed", action="store_true", help="time lifetimes itself")
    ap.add_argument("summaries")
    a = ap.parse_args()
    if a.installed:
        if a.model is not None or a.T_field != "T" or a.weight:
            ap.error("--installed times the BG/NBD and Gamma-Gamma fits alone")
        installed(a.summaries)
    elif a.model is None:
        if a.T_field != "T" or a.weight:
            ap.error("--T-field and --weight go with --model")
        bgnbd_and_gg(a.summaries)
    else:
        one_model(a.summaries, a.model, a.T_field, a.weight, a.seed)


if __name__ == "__main__":
    main()
