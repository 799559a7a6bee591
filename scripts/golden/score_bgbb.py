#!/usr/bin/env python3
"""Golden values for tests/flo-score.bats under a BG/BB model (Fader, Hardie &
Shang 2010, "FHS10"), independently of the C code, with mpmath at 50 digits:
the fields bgbb_golden.py does not cover, the CLV and P(n) (--pmf), with
P(alive) and the expectations again for the same rows.

At FHS10's donations estimates (alpha 1.204, beta 0.750, gamma 0.657, delta
2.783; a period a week) and the Gamma-Gamma of Fader & Hardie (2013):

  * p_alive: eq. (11), B(a+x, b+n-x)/B(a,b) B(g, d+n+1)/B(g,d) / L, L eq. (5)
    term by term;
  * exp_purchases_10: eq. (13) in its Gamma-function closed form;
  * clv: lifetimes' sum over 6 months, d = 0.01, of E[M] (E_i - E_{i-1}) /
    (1+d)^i, E_i eq. (13) at floor(4.345 i) periods (flo counts whole
    periods: the README);
  * p_purchases_10_k (--pmf 3), from the model's story in Beta functions:
    given (p, theta) and alive through n, the periods alive among the next
    t are J = j with chance (1-theta)^j theta (j < t) or (1-theta)^t, and
    the purchases Binomial(J, p); integrated against the Beta mixing
    densities with the history's likelihood,
      P(k) = (1/L) [ sum_{j=k}^{t} C(j, k) B(a+x+k, b+n-x+j-k)/B(a,b)
                       B(g + [j<t], d+n+j)/B(g,d)
                     + [k = 0] (L's terms of a death by period n) ];
    the last field is k >= 3.  Cross-checked: the PMF over k = 0..10 sums
    to 1 and its mean is exp_purchases_10.

Run: /usr/bin/python3 scripts/golden/score_bgbb.py   (mpmath; CI does not run
it).  It prints the CSV the test embeds.
"""
import mpmath as mp

mp.mp.dps = 50
A, Bt, G, D = map(mp.mpf, ("1.204", "0.750", "0.657", "2.783"))
P, Q, V = map(mp.mpf, ("6.25", "3.74", "15.44"))
B = mp.beta


def alive_term(x, n):
    return B(A + x, Bt + n - x) / B(A, Bt) * B(G, D + n) / B(G, D)


def dead_terms(x, tx, n):
    return mp.fsum(B(A + x, Bt + tx - x + i) / B(A, Bt) * B(G + 1, D + tx + i) / B(G, D)
                   for i in range(int(n - tx)))


def lik(x, tx, n):
    return alive_term(x, n) + dead_terms(x, tx, n)


def p_alive(x, tx, n):
    return B(A + x, Bt + n - x) / B(A, Bt) * B(G, D + n + 1) / B(G, D) / lik(x, tx, n)


def expected(x, tx, n, ns):  # eq. (13)
    if ns == 0:
        return mp.mpf(0)
    Gm = mp.gamma
    return (1 / lik(x, tx, n) * B(A + x + 1, Bt + n - x) / B(A, Bt)
            * D / (G - 1) * Gm(G + D) / Gm(1 + D)
            * (Gm(1 + D + n) / Gm(G + D + n) - Gm(1 + D + n + ns) / Gm(G + D + n + ns)))


def cond_pmf(x, tx, n, t, k):
    s = mp.fsum(mp.binomial(j, k) * B(A + x + k, Bt + n - x + j - k) / B(A, Bt)
                * B(G + (1 if j < t else 0), D + n + j) / B(G, D) for j in range(k, t + 1))
    if k == 0:
        s += dead_terms(x, tx, n)
    return s / lik(x, tx, n)


def avg_value(x, m):
    return P * (V + x * m) / (P * x + Q - 1)


def clv(x, tx, n, m, months, d, f):
    ev = avg_value(x, m)
    E = lambda i: expected(x, tx, n, int(mp.floor(i * f)))
    return mp.fsum(ev * (E(i) - E(i - 1)) / (1 + d) ** i for i in range(1, months + 1))


def g(v):
    return mp.nstr(v, 17, strip_zeros=False, min_fixed=-30, max_fixed=30)


ROWS = [  # id, frequency, recency, periods, monetary
    ("d0", 0, 0, 6, "0"),
    ("d1", 1, 1, 6, "25"),
    ("d3", 3, 5, 6, "40"),
    ("d6", 6, 6, 6, "55.5"),
    ("long", 10, 40, 100, "12"),
    ("many", 300, 4000, 5000, "30"),
]

worst = 0
print("# --T-field periods --horizon 10 --pmf 3, 6 months, d = 0.01, weeks")
print("customer_id,p_alive,exp_purchases_10,exp_avg_value,clv,"
      "p_purchases_10_0,p_purchases_10_1,p_purchases_10_2,p_purchases_10_3")
for cid, x, tx, n, m in ROWS:
    m = mp.mpf(m)
    e = expected(x, tx, n, 10)
    pmf = [cond_pmf(x, tx, n, 10, k) for k in range(11)]
    worst = max(worst, abs(mp.fsum(pmf) - 1), abs(mp.fsum(k * p for k, p in enumerate(pmf)) / e - 1))
    row = [p_alive(x, tx, n), e, avg_value(x, m), clv(x, tx, n, m, 6, mp.mpf("0.01"), mp.mpf("4.345"))]
    row += pmf[:3] + [1 - mp.fsum(pmf[:3])]
    print(cid + "," + ",".join(g(v) for v in row))
print("# largest relative gap of the cross-checks: %s" % mp.nstr(worst, 3))
