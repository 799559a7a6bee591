#!/usr/bin/python3
"""The fit that `make bench` times flo-fit against: lifetimes 0.11.3's
BetaGeoFitter.fit and GammaGammaFitter.fit, as lifetimes runs them, written
again with numpy and scipy (Debian's python3-scipy), since lifetimes itself
(and autograd, which it needs) cannot be installed here.

  scripts/bench-lifetimes.py SUMMARIES.csv

reads flo-rfm's summaries (frequency, recency, T, monetary; untimed, with
pandas as a lifetimes user would), then times the two fits only, the data in
memory, and prints one line:

  bgnbd_seconds gg_seconds r alpha a b p q v

What is the same as lifetimes 0.11.3 (lifetimes/fitters/__init__.py
BaseFitter._fit, beta_geo_fitter.py, gamma_gamma_fitter.py, utils.py):
- one row per customer (no merging of equal rows), weights of 1;
- the input checks (_check_inputs) and, for the BG/NBD, time scaled by
  1/max(T);
- the mean negative log-likelihood on log-parameters, term for term as
  lifetimes writes it (FHL 2005 section 7; Fader & Hardie 2013, eq. 1a);
- scipy.optimize.minimize(method=None: BFGS without bounds, jac=True,
  tol=1e-7) from 0.1 in every log-parameter;
- the Hessian at the optimum, for the standard errors;
- the Gamma-Gamma on the customers with frequency > 0 (lifetimes' docs).
What differs: lifetimes gets the gradient and the Hessian from autograd
(reverse mode through the same numpy expressions); here the gradient is
written out analytically and the Hessian is central differences of it.
Autograd's tracing costs more than these numpy lines, so the times here are
a lower bound of lifetimes' own: flo-fit's lead over lifetimes is at least
what the bench prints.
"""
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln


def check_inputs(frequency, recency=None, T=None, monetary_value=None):
    """lifetimes.utils._check_inputs."""
    if recency is not None:
        if T is not None and np.any(recency > T):
            raise ValueError("Some values in recency vector are larger than T vector.")
        if np.any(recency[frequency == 0] != 0):
            raise ValueError("There exist non-zero recency values when frequency is zero.")
        if np.any(recency < 0):
            raise ValueError("There exist negative recency")
        if any(x.shape[0] == 0 for x in [recency, frequency, T]):
            raise ValueError("There exists a zero length vector")
    if np.sum((frequency - frequency.astype(int)) ** 2) != 0:
        raise ValueError("There exist non-integer values in the frequency vector.")
    if monetary_value is not None and np.any(monetary_value <= 0):
        raise ValueError("There exist non-positive (<= 0) values in the monetary_value vector.")


def bgnbd_nll(log_params, freq, rec, T, weights, penalizer_coef):
    """BetaGeoFitter._negative_log_likelihood, with its gradient in the
    log-parameters (what autograd's value_and_grad returns)."""
    params = np.exp(log_params)
    r, alpha, a, b = params
    x1 = np.maximum(freq, 1) - 1
    A_1 = gammaln(r + freq) - gammaln(r) + r * np.log(alpha)
    A_2 = gammaln(a + b) + gammaln(b + freq) - gammaln(b) - gammaln(a + b + freq)
    A_3 = -(r + freq) * np.log(alpha + T)
    A_4 = np.log(a) - np.log(b + x1) - (r + freq) * np.log(rec + alpha)
    m = np.maximum(A_3, A_4)
    e3 = np.exp(A_3 - m)
    e4 = np.exp(A_4 - m) * (freq > 0)
    ll = weights * (A_1 + A_2 + np.log(e3 + e4) + m)
    W = weights.sum()
    value = -ll.sum() / W + penalizer_coef * sum(params ** 2)

    # d ll / d theta, then times theta for the log-parameters
    s3 = e3 / (e3 + e4)
    s4 = 1 - s3
    dr = digamma(r + freq) - digamma(r) + np.log(alpha) - s3 * np.log(alpha + T) - s4 * np.log(rec + alpha)
    dalpha = r / alpha - s3 * (r + freq) / (alpha + T) - s4 * (r + freq) / (rec + alpha)
    dab = digamma(a + b) - digamma(a + b + freq)
    da = dab + s4 / a
    db = dab + digamma(b + freq) - digamma(b) - s4 / (b + x1)
    grad = np.array([(weights * d).sum() for d in (dr, dalpha, da, db)])
    grad = -grad * params / W + 2 * penalizer_coef * params ** 2
    return value, grad


def gg_nll(log_params, x, m, weights, penalizer_coef):
    """GammaGammaFitter._negative_log_likelihood, with its gradient."""
    params = np.exp(log_params)
    p, q, v = params
    px = p * x
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
          + px * np.log(x) - (px + q) * np.log(x * m + v)) * weights
    W = weights.sum()
    value = -ll.sum() / W + penalizer_coef * sum(params ** 2)
    psi = digamma(px + q)
    dp = x * (psi - digamma(px) + np.log(m) + np.log(x) - np.log(x * m + v))
    dq = psi - digamma(q) + np.log(v) - np.log(x * m + v)
    dv = q / v - (px + q) / (x * m + v)
    grad = np.array([(weights * d).sum() for d in (dp, dq, dv)])
    grad = -grad * params / W + 2 * penalizer_coef * params ** 2
    return value, grad


def hessian(f, x, args, h=1e-5):
    """The Hessian by central differences of the gradient (lifetimes:
    autograd's hessian at the optimum)."""
    n = len(x)
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        H[:, j] = (f(x + e, *args)[1] - f(x - e, *args)[1]) / (2 * h)
    return (H + H.T) / 2


def fit(f, args, size, tol=1e-7):
    """BaseFitter._fit."""
    out = minimize(f, jac=True, method=None, tol=tol, x0=0.1 * np.ones(size), args=args)
    if not out.success:
        raise RuntimeError("did not converge: " + str(out.message))
    return out.x, out.fun, hessian(f, out.x, args)


def fit_bgnbd(frequency, recency, T, penalizer_coef=0.0):
    """BetaGeoFitter.fit."""
    frequency = np.asarray(frequency).astype(int)
    recency = np.asarray(recency)
    T = np.asarray(T)
    check_inputs(frequency, recency, T)
    weights = np.ones_like(recency, dtype=int)
    scale = 1.0 / T.max()
    log_params, _, _ = fit(bgnbd_nll, (frequency, recency * scale, T * scale, weights,
                                       penalizer_coef), 4)
    params = np.exp(log_params)
    params[1] /= scale
    return params


def fit_gg(frequency, monetary_value, penalizer_coef=0.0):
    """GammaGammaFitter.fit."""
    check_inputs(frequency, monetary_value=monetary_value)
    frequency = np.asarray(frequency).astype(float)
    monetary_value = np.asarray(monetary_value).astype(float)
    weights = np.ones_like(frequency, dtype=int)
    log_params, _, _ = fit(gg_nll, (frequency, monetary_value, weights, penalizer_coef), 3)
    return np.exp(log_params)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-lifetimes.py SUMMARIES.csv")
    data = pd.read_csv(sys.argv[1])
    returning = data[(data["frequency"] > 0) & (data["monetary"] > 0)]
    f, r, T = data["frequency"].values, data["recency"].values, data["T"].values
    gf, gm = returning["frequency"].values, returning["monetary"].values

    t0 = time.perf_counter()
    bg = fit_bgnbd(f, r, T)
    t1 = time.perf_counter()
    gg = fit_gg(gf, gm)
    t2 = time.perf_counter()
    print("%.4f %.4f %s" % (t1 - t0, t2 - t1, " ".join("%.6g" % v for v in list(bg) + list(gg))))


if __name__ == "__main__":
    main()
