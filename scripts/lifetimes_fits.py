"""lifetimes 0.11.3's fits, written again with numpy and scipy (Debian's
python3-scipy), since lifetimes itself (and autograd, which it needs) cannot
be installed here: BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter,
BetaGeoBetaBinomFitter and GammaGammaFitter.  scripts/bench-lifetimes.py
times them next to flo-fit (`make bench`); scripts/check-lifetimes.py checks
that they give flo-fit's and the papers' estimates.  A module, not a script:
both import it from their own folder.

What is the same as lifetimes 0.11.3 (lifetimes/fitters/__init__.py
BaseFitter._fit, beta_geo_fitter.py, modified_beta_geo_fitter.py,
pareto_nbd_fitter.py, beta_geo_beta_binom_fitter.py, gamma_gamma_fitter.py,
utils.py):
- one row per customer unless the caller passes weights (lifetimes merges
  nothing itself), weights of 1 by default;
- the input checks (_check_inputs) and, for the BG/NBD, MBG/NBD and
  Pareto/NBD, time scaled by 1/max(T) (_scale_time), alpha and beta scaled
  back after the fit;
- each likelihood term for term as lifetimes writes it: the BG/NBD's of FHL
  2005 section 7, the MBG/NBD's (Batislam, Denizel & Filiztekin 2007, with
  Wagner & Hoppe's 2008 erratum), the Pareto/NBD's of Fader & Hardie's 2005
  note 009, eqs. (18)-(20), with scipy's hyp2f1 in the log of a difference
  (which loses every digit, or turns NaN, on hard data: that is lifetimes'
  Pareto/NBD as users run it), the BG/BB's of Fader, Hardie & Shang 2010
  eq. (5) with lifetimes' loop over the periods, products of Beta functions
  (not their logs) plus 1e-15, and the Gamma-Gamma's of Fader & Hardie 2013,
  eq. 1a;
- the optimiser, its start and tolerance: for every model but the
  Pareto/NBD, the mean negative log-likelihood on log-parameters,
  scipy.optimize.minimize(method=None: BFGS without bounds, jac=True,
  tol=1e-7) from 0.1 in every log-parameter, a fit that does not converge an
  error (ConvergenceError), and the Hessian at the optimum for the standard
  errors; for the Pareto/NBD (its own _fit), Nelder-Mead on the parameters
  themselves (inf where one is <= 0) with tol=1e-4 and maxiter 2000, from a
  start drawn from Normal(1, 0.05), no Hessian, and the result taken whether
  it converged or not;
- penalizer 0 (the default).
What differs:
- lifetimes gets the gradients and the Hessians from autograd (reverse mode
  through the same numpy expressions); here each gradient is written out
  analytically and a Hessian is central differences of it.  Autograd's
  tracing costs more than these numpy lines, so the times here are a lower
  bound of lifetimes' own.
- the Pareto/NBD's start is drawn from numpy's generator seeded by the
  caller (lifetimes draws from numpy's global state, unseeded: its fits of
  the same data differ from run to run);
- a Pareto/NBD fit that stops at maxiter, or whose likelihood is not
  finite, is reported as failed (lifetimes returns it without a word).
"""
import numpy as np
from scipy.optimize import minimize
from scipy.special import beta as beta_fn
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, logsumexp


class FitFailed(Exception):
    """A fit that lifetimes would not have returned, or returned wrong."""


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


def mean_nll(params, lls, weights, penalizer_coef):
    """The objective of every BaseFitter._fit model, and its gradient in the
    log-parameters from the per-customer gradients lls[1:] in the
    parameters: -(1/W) sum w ll + penalizer * sum theta^2."""
    W = weights.sum()
    value = -(weights * lls[0]).sum() / W + penalizer_coef * (params ** 2).sum()
    grad = np.array([(weights * d).sum() for d in lls[1:]])
    return value, -grad * params / W + 2 * penalizer_coef * params ** 2


def bgnbd_ll(params, freq, rec, T):
    """BetaGeoFitter._negative_log_likelihood's terms per customer (FHL 2005,
    section 7) and their derivatives in r, alpha, a, b."""
    r, alpha, a, b = params
    x1 = np.maximum(freq, 1) - 1
    A_1 = gammaln(r + freq) - gammaln(r) + r * np.log(alpha)
    A_2 = gammaln(a + b) + gammaln(b + freq) - gammaln(b) - gammaln(a + b + freq)
    A_3 = -(r + freq) * np.log(alpha + T)
    A_4 = np.log(a) - np.log(b + x1) - (r + freq) * np.log(rec + alpha)
    m = np.maximum(A_3, A_4)
    e3 = np.exp(A_3 - m)
    e4 = np.exp(A_4 - m) * (freq > 0)
    ll = A_1 + A_2 + np.log(e3 + e4) + m
    s3 = e3 / (e3 + e4)
    s4 = 1 - s3
    dr = digamma(r + freq) - digamma(r) + np.log(alpha) - s3 * np.log(alpha + T) - s4 * np.log(rec + alpha)
    dalpha = r / alpha - s3 * (r + freq) / (alpha + T) - s4 * (r + freq) / (rec + alpha)
    dab = digamma(a + b) - digamma(a + b + freq)
    da = dab + s4 / a
    db = dab + digamma(b + freq) - digamma(b) - s4 / (b + x1)
    return ll, dr, dalpha, da, db


def mbgnbd_ll(params, freq, rec, T):
    """ModifiedBetaGeoFitter._negative_log_likelihood's terms per customer
    (Batislam, Denizel & Filiztekin 2007) and their derivatives."""
    r, alpha, a, b = params
    A_1 = gammaln(r + freq) - gammaln(r) + r * np.log(alpha)
    A_2 = gammaln(a + b) + gammaln(b + freq + 1) - gammaln(b) - gammaln(a + b + freq + 1)
    A_3 = -(r + freq) * np.log(alpha + T)
    A_4 = np.log(a) - np.log(b + freq) + (r + freq) * (np.log(alpha + T) - np.log(alpha + rec))
    ll = A_1 + A_2 + A_3 + np.logaddexp(A_4, 0)
    # d logaddexp(A_4, 0) = P(dead at the last purchase) dA_4
    dead = expit(A_4)
    dr = (digamma(r + freq) - digamma(r) + np.log(alpha) - np.log(alpha + T)
          + dead * (np.log(alpha + T) - np.log(alpha + rec)))
    dalpha = r / alpha - (r + freq) / (alpha + T) + dead * (r + freq) * (1 / (alpha + T) - 1 / (alpha + rec))
    dab = digamma(a + b) - digamma(a + b + freq + 1)
    da = dab + dead / a
    db = dab + digamma(b + freq + 1) - digamma(b) - dead / (b + freq)
    return ll, dr, dalpha, da, db


def bgbb_ll(params, x, tx, n):
    """BetaGeoBetaBinomFitter._loglikelihood per customer (Fader, Hardie &
    Shang 2010, eq. 5): the alive term A, and the deaths after each period
    from t_x to n - 1 summed as lifetimes sums them, one pass over all
    customers per period, Beta functions multiplied and 1e-15 added; and
    the derivatives in alpha, beta, gamma, delta."""
    alpha, beta, gamma, delta = params
    dab = digamma(alpha + beta)
    dgd = digamma(gamma + delta)
    A = betaln(alpha + x, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n) - betaln(gamma, delta)
    dA_dab = digamma(alpha + beta + n)
    dA = (digamma(alpha + x) - dA_dab - digamma(alpha) + dab,
          digamma(beta + n - x) - dA_dab - digamma(beta) + dab,
          dgd - digamma(gamma + delta + n),
          digamma(delta + n) - digamma(gamma + delta + n) - digamma(delta) + dgd)
    B = 1e-15 * np.ones_like(n, dtype=float)
    dB = [np.zeros_like(B) for _ in range(4)]
    before_end = n - tx - 1
    for j in np.arange(before_end.max() + 1):
        ix = before_end >= j
        b1 = beta_fn(alpha + x, beta + tx - x + j)
        b2 = beta_fn(gamma + 1, delta + tx + j)
        term = ix * b1 * b2
        B = B + term
        d1 = digamma(alpha + beta + tx + j)
        d2 = digamma(gamma + delta + 1 + tx + j)
        dB[0] += term * (digamma(alpha + x) - d1)
        dB[1] += term * (digamma(beta + tx - x + j) - d1)
        dB[2] += term * (digamma(gamma + 1) - d2)
        dB[3] += term * (digamma(delta + tx + j) - d2)
    logB = np.log(B) - betaln(gamma, delta) - betaln(alpha, beta)
    dlnB_ab = (digamma(alpha) - dab, digamma(beta) - dab, digamma(gamma) - dgd, digamma(delta) - dgd)
    ll = np.logaddexp(A, logB)
    alive = expit(A - logB)
    derivs = [alive * dA[k] + (1 - alive) * (dB[k] / B - dlnB_ab[k]) for k in range(4)]
    return (ll, *derivs)


def gg_ll(params, x, m):
    """GammaGammaFitter._negative_log_likelihood's terms per customer (Fader
    & Hardie 2013, eq. 1a) and their derivatives in p, q, v."""
    p, q, v = params
    px = p * x
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
          + px * np.log(x) - (px + q) * np.log(x * m + v))
    psi = digamma(px + q)
    dp = x * (psi - digamma(px) + np.log(m) + np.log(x) - np.log(x * m + v))
    dq = psi - digamma(q) + np.log(v) - np.log(x * m + v)
    dv = q / v - (px + q) / (x * m + v)
    return ll, dp, dq, dv


def log_params_nll(ll):
    """The BaseFitter objective of per-customer terms ll, as a function of
    the log-parameters (what lifetimes hands to value_and_grad)."""
    def nll(log_params, *data_weights_penalizer):
        *data, weights, penalizer_coef = data_weights_penalizer
        params = np.exp(log_params)
        return mean_nll(params, ll(params, *data), weights, penalizer_coef)
    return nll


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


def base_fit(f, args, size, tol=1e-7):
    """BaseFitter._fit: BFGS from 0.1, then the Hessian."""
    out = minimize(f, jac=True, method=None, tol=tol, x0=0.1 * np.ones(size), args=args)
    if not out.success:
        raise FitFailed("ConvergenceError (scipy's BFGS: %s)" % out.message)
    return out.x, out.fun, hessian(f, out.x, args)


def as_weights(weights, like):
    return np.ones_like(like, dtype=int) if weights is None else np.asarray(weights)


def total_ll(ll, params, data, weights):
    """sum w ll at params, in the data's own time (no scaling): the
    log-likelihood flo-fit and the papers report."""
    return float((weights * ll(np.asarray(params), *data)[0]).sum())


def fit_scaled_time(ll, frequency, recency, T, weights=None, penalizer_coef=0.0):
    """BetaGeoFitter.fit, which ModifiedBetaGeoFitter.fit calls with its
    own likelihood: r, alpha, a, b and the log-likelihood."""
    frequency = np.asarray(frequency).astype(int)
    recency = np.asarray(recency)
    T = np.asarray(T)
    check_inputs(frequency, recency, T)
    weights = as_weights(weights, recency)
    scale = 1.0 / T.max()
    log_params, _, _ = base_fit(log_params_nll(ll), (frequency, recency * scale, T * scale, weights,
                                                     penalizer_coef), 4)
    params = np.exp(log_params)
    params[1] /= scale
    return params, total_ll(ll, params, (frequency, recency, T), weights)


def fit_bgnbd(frequency, recency, T, weights=None, penalizer_coef=0.0):
    """BetaGeoFitter.fit."""
    return fit_scaled_time(bgnbd_ll, frequency, recency, T, weights, penalizer_coef)


def fit_mbgnbd(frequency, recency, T, weights=None, penalizer_coef=0.0):
    """ModifiedBetaGeoFitter.fit."""
    return fit_scaled_time(mbgnbd_ll, frequency, recency, T, weights, penalizer_coef)


def pnbd_log_A_0(params, freq, recency, age):
    """ParetoNBDFitter._log_A_0 (note 009, eqs. 19 and 20): the log of
    hyp2f1(.., z1) (M + T)^(r+s+x) - hyp2f1(.., z2) (M + t_x)^(r+s+x), less
    (r+s+x) log((M + t_x)(M + T)), M the larger of alpha and beta."""
    r, alpha, s, beta = params
    if alpha < beta:
        small, big, b_arg = alpha, beta, r + freq
    else:
        small, big, b_arg = beta, alpha, s + 1
    rsx = r + s + freq
    q_1 = big + recency
    q_2 = big + age
    f_1 = hyp2f1(rsx, b_arg, rsx + 1.0, (big - small) / q_1)
    f_2 = hyp2f1(rsx, b_arg, rsx + 1.0, (big - small) / q_2)
    signs = np.ones_like(rsx, dtype=float)
    diff = logsumexp([np.log(f_1) + rsx * np.log(q_2), np.log(f_2) + rsx * np.log(q_1)], axis=0,
                     b=[signs, -signs])
    return diff - rsx * np.log(q_1 * q_2)


def pnbd_ll(params, freq, rec, T):
    """ParetoNBDFitter._conditional_log_likelihood (note 009, eq. 18)."""
    r, alpha, s, beta = params
    A_1 = gammaln(r + freq) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    A_2 = np.logaddexp(-(r + freq) * np.log(alpha + T) - s * np.log(beta + T),
                       np.log(s) + pnbd_log_A_0(params, freq, rec, T) - np.log(r + s + freq))
    return A_1 + A_2


def pnbd_nll(params, freq, rec, T, weights, penalizer_coef):
    """ParetoNBDFitter._negative_log_likelihood: the sum, not the mean (it
    divides by the weights' mean), on the parameters themselves."""
    if np.any(np.asarray(params) <= 0.0):
        return np.inf
    ll = pnbd_ll(params, freq, rec, T)
    return -(weights * ll).sum() / weights.mean() + penalizer_coef * (np.asarray(params) ** 2).sum()


def fit_pnbd(frequency, recency, T, weights=None, penalizer_coef=0.0, seed=1):
    """ParetoNBDFitter.fit with its defaults (iterative_fitting=1,
    tol=1e-4, Nelder-Mead, maxiter=2000): r, alpha, s, beta and the
    log-likelihood.  Raises FitFailed where lifetimes' result is no fit."""
    frequency = np.asarray(frequency).astype(int)
    recency = np.asarray(recency)
    T = np.asarray(T)
    weights = np.ones(recency.shape[0], dtype=np.int64) if weights is None else np.asarray(weights)
    check_inputs(frequency, recency, T)
    scale = 1.0 / T.max()
    x0 = np.random.default_rng(seed).normal(1.0, scale=0.05, size=4)
    with np.errstate(all="ignore"):
        out = minimize(pnbd_nll, method="Nelder-Mead", tol=1e-4, x0=x0,
                       args=(frequency, recency * scale, T * scale, weights, penalizer_coef),
                       options={"disp": False, "maxiter": 2000})
        params = np.array(out.x, dtype=float)
        params[1] /= scale
        params[3] /= scale
        ll = pnbd_ll(params, frequency, recency, T)
    bad = int(np.sum(~np.isfinite(ll)))
    if not np.isfinite(out.fun) or bad:
        raise FitFailed("the likelihood (hyp2f1) is not finite for %d of %d customers at the end"
                        % (bad, len(ll)))
    if not out.success:
        raise FitFailed("no convergence, returned as the fit (scipy's Nelder-Mead: %s)"
                        % out.message)
    return params, float((weights * ll).sum())


def fit_bgbb(frequency, recency, n_periods, weights=None, penalizer_coef=0.0):
    """BetaGeoBetaBinomFitter.fit: alpha, beta, gamma, delta and the
    log-likelihood."""
    frequency = np.asarray(frequency).astype(int)
    recency = np.asarray(recency).astype(int)
    n_periods = np.asarray(n_periods).astype(int)
    weights = np.ones_like(recency) if weights is None else np.asarray(weights)
    check_inputs(frequency, recency, n_periods)
    log_params, _, _ = base_fit(log_params_nll(bgbb_ll), (frequency, recency, n_periods, weights,
                                                          penalizer_coef), 4)
    params = np.exp(log_params)
    return params, total_ll(bgbb_ll, params, (frequency, recency, n_periods), weights)


def fit_gg(frequency, monetary_value, weights=None, penalizer_coef=0.0):
    """GammaGammaFitter.fit: p, q, v and the log-likelihood."""
    check_inputs(frequency, monetary_value=monetary_value)
    frequency = np.asarray(frequency).astype(float)
    monetary_value = np.asarray(monetary_value).astype(float)
    weights = as_weights(weights, frequency)
    log_params, _, _ = base_fit(log_params_nll(gg_ll), (frequency, monetary_value, weights,
                                                        penalizer_coef), 3)
    params = np.exp(log_params)
    return params, total_ll(gg_ll, params, (frequency, monetary_value), weights)


# The purchase models by flo-fit's --model names: the fit, and the names of
# its parameters in flo-fit's document.
MODELS = {
    "bgnbd": (fit_bgnbd, ("r", "alpha", "a", "b")),
    "mbgnbd": (fit_mbgnbd, ("r", "alpha", "a", "b")),
    "pnbd": (fit_pnbd, ("r", "alpha", "s", "beta")),
    "bgbb": (fit_bgbb, ("alpha", "beta", "gamma", "delta")),
}
