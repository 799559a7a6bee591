#!/usr/bin/python3
"""Check that the lifetimes 0.11.3 fits `make bench` times
(scripts/lifetimes_fits.py) are fits: each gives flo-fit's estimates on the
same data, and the published ones, before the bench prints its times.

  scripts/check-lifetimes.py

Data (from tests/data): the CDNOW calibration summaries (flo-rfm --as-of
1997-09-30, weeks: 2,357 customers, one row each, as lifetimes fits them)
for the BG/NBD, the MBG/NBD and the Pareto/NBD; the donations data of Fader,
Hardie & Shang (2010) (11,104 customers as 22 rows with weights, as
lifetimes ships and fits them) for the BG/BB.  flo-fit and flo-rfm come from
PATH (tests/test_helper.bash and scripts/bench put flo's bin/ there).

Agreement asked for: each parameter within 2e-4 of flo-fit's, relatively
(about four digits: the Pareto/NBD is lifetimes' Nelder-Mead, whose
tolerance of 1e-4 on the simplex leaves its estimates 1e-5 to 1e-4 apart
from one random start to another), and the log-likelihood within 1e-3;
and within half a unit of the last printed digit of the published
estimates and log-likelihood: Fader, Hardie & Lee 2005a ("Counting your
customers the easy way": r 0.243, alpha 4.414, a 0.793, b 2.426, LL
-9582.4), Fader, Hardie & Lee 2005b ("RFM and CLV", the Pareto/NBD: r 0.55,
alpha 10.58, s 0.61, beta 11.67, LL -9595.0), Fader, Hardie & Shang 2010
(alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33225.6).  The MBG/NBD has no
published CDNOW fit: flo-fit's alone (itself checked against
scripts/golden/mbgnbd_golden.py by tests/flo-fit.bats).

Prints one line per estimate and a last line "all agree" (exit 0), or
"MISMATCH" lines (exit 1).  Needs numpy, scipy and pandas (Debian's
python3-scipy, python3-pandas); about a second.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing the module leaves no __pycache__ in scripts/

import pandas as pd  # noqa: E402

import lifetimes_fits as lf  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")

PUBLISHED = {
    "bgnbd": ("FHL 2005a", ["0.243", "4.414", "0.793", "2.426"], "-9582.4"),
    "pnbd": ("FHL 2005b", ["0.55", "10.58", "0.61", "11.67"], "-9595.0"),
    "bgbb": ("FHS 2010", ["1.204", "0.750", "0.657", "2.783"], "-33225.6"),
}


def half_unit(printed):
    """Half a unit of the last digit printed: 0.005 for "0.55"."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** -decimals


def flo_fit(model, path, *args):
    out = subprocess.run(["flo-fit", "--model", model, "--no-store", "--intervals", "wald", *args, path],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    fit = json.loads(out.stdout)[model]
    return fit["params"], fit["loglik"]


def compare(model, got, got_ll, flo, flo_ll):
    """Lines of the table, and whether everything agreed."""
    names = lf.MODELS[model][1]
    source, published, published_ll = PUBLISHED.get(model, (None, [None] * 4, None))
    rows, ok = [], True
    for name, g, pub in zip(names + ("loglik",), list(got) + [got_ll], published + [published_ll]):
        f = flo_ll if name == "loglik" else flo[name]
        near_flo = abs(g - f) <= (1e-3 if name == "loglik" else 2e-4 * abs(f))
        near_pub = pub is None or abs(g - float(pub)) <= half_unit(pub)
        ok = ok and near_flo and near_pub
        line = "  %-7s %-7s lifetimes %-14.8g flo-fit %-14.8g rel. diff %8.1e" % (
            model, name, g, f, abs(g - f) / abs(f))
        if pub is not None:
            line += "   %s %s" % (source, pub)
        if not (near_flo and near_pub):
            line += "   MISMATCH"
        rows.append(line)
    return rows, ok


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cdnow = os.path.join(tmp, "cdnow.csv")
        with open(cdnow, "w") as out:
            subprocess.run(["flo-rfm", "--as-of", "1997-09-30", os.path.join(DATA, "cdnow.csv")],
                           check=True, stdout=out, stderr=subprocess.DEVNULL)
        s = pd.read_csv(cdnow)
        print("CDNOW: %d customers (flo-rfm --as-of 1997-09-30 tests/data/cdnow.csv)" % len(s))
        all_ok = True
        for model in ("bgnbd", "mbgnbd", "pnbd"):
            params, ll = lf.MODELS[model][0](s["frequency"].values, s["recency"].values, s["T"].values)
            rows, ok = compare(model, params, ll, *flo_fit(model, cdnow))
            print("\n".join(rows))
            all_ok = all_ok and ok
        donations = os.path.join(DATA, "donations.csv")
        d = pd.read_csv(donations)
        print("donations: %d customers in %d rows (tests/data/donations.csv)" % (d["weights"].sum(), len(d)))
        params, ll = lf.fit_bgbb(d["frequency"].values, d["recency"].values, d["periods"].values,
                                 d["weights"].values)
        rows, ok = compare("bgbb", params, ll,
                           *flo_fit("bgbb", donations, "--T-field", "periods", "--weight", "weights"))
        print("\n".join(rows))
        all_ok = all_ok and ok
    print("all agree" if all_ok else "MISMATCH: a re-implemented fit is not lifetimes' fit")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
