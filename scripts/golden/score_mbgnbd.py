#!/usr/bin/env python3
"""Golden values for tests/flo-score.bats under an MBG/NBD model (Batislam,
Denizel & Filiztekin 2007, as lifetimes' ModifiedBetaGeoFitter computes it),
independently of the C code, with mpmath at 50 digits.

The customers of tests/data/score_cdnow.csv scored at the MBG/NBD's CDNOW fit
that scripts/golden/mbgnbd_golden.py makes (lifetimes' objective minimised
with scipy: r 0.5248430639, alpha 6.183084969, a 0.8913595138, b 1.614002867,
weeks; tests/data/score_model_mbgnbd.json holds these digits) and the
Gamma-Gamma of Fader & Hardie (2013), each field as lifetimes writes it
(lifetimes/fitters/modified_beta_geo_fitter.py):

  * p_alive: conditional_probability_alive,
        1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x));
  * exp_purchases_H: conditional_expected_number_of_purchases_up_to_time,
        (a+b+x)/(a-1) [1 - 2F1(r+x, b+x+1; a+b+x; H/(alpha+T+H))
                           ((alpha+T)/(alpha+T+H))^(r+x)] / (1 + a/(b+x) (...)^(r+x)),
    with mpmath.hyp2f1; cross-checked here against the model's story: a
    customer alive at T has lambda ~ Gamma(r+x, alpha+T) and, having
    survived x+1 coins, p ~ Beta(a, b+x+1), so E[Y(H) | alive] =
    E_p[(1 - (1 + p H/(alpha+T))^-(r+x)) / p], integrated over p (quad);
  * exp_avg_value: p (v + x m) / (p x + q - 1), m clamped at 0;
  * clv: lifetimes' sum over 6 months, d = 0.01, 4.345 weeks a month;
  * p_purchases_39_n (--pmf 3): P(alive) times the BG/NBD's unconditional
    P(X(39) = n) (Fader, Hardie & Lee 2005, eq. 8) of a new customer at
    (r+x, alpha+T, a, b+x+1) (alive at T, the next coin after the next
    purchase), plus 1 - P(alive) at n = 0; the last field is n >= 3.
    Cross-checked: the PMF over n = 0..400 sums to 1 and its mean is
    exp_purchases_39.

Run: /usr/bin/python3 scripts/golden/score_mbgnbd.py   (mpmath; CI does not
run it; a few seconds).  It prints the CSV the test embeds.
"""
import mpmath as mp

mp.mp.dps = 50
R, AL, A, B = map(mp.mpf, ("0.5248430639", "6.183084969", "0.8913595138", "1.614002867"))
P, Q, V = map(mp.mpf, ("6.25", "3.74", "15.44"))


def p_alive(x, tx, T):
    return 1 / (1 + A / (B + x) * ((AL + T) / (AL + tx)) ** (R + x))


def expected(x, tx, T, t):
    if t == 0:
        return mp.mpf(0)
    hyp = mp.hyp2f1(R + x, B + x + 1, A + B + x, t / (AL + T + t))
    first = (A + B + x) / (A - 1)
    second = 1 - hyp * ((AL + T) / (AL + t + T)) ** (R + x)
    return first * second / (1 + A / (B + x) * ((AL + T) / (AL + tx)) ** (R + x))


def expected_story(x, tx, T, t):
    c, n, bb = t / (AL + T), R + x, B + x + 1
    f = lambda p: (1 - (1 + c * p) ** -n) / p if p > 0 else n * c
    dens = lambda p: p ** (A - 1) * (1 - p) ** (bb - 1) / mp.beta(A, bb)
    return p_alive(x, tx, T) * mp.quad(lambda p: f(p) * dens(p), [0, mp.mpf(1) / 100, 1])


def bgnbd_count(r, al, a, b, t, n):
    """FHL 2005 eq. (8): P(X(t) = n) of a new BG/NBD customer."""
    g, z = al / (al + t), t / (al + t)
    first = (mp.beta(a, b + n) / mp.beta(a, b) * mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n))
             * g ** r * z ** n)
    if n == 0:
        return first
    s = mp.fsum(mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) * z ** j for j in range(n))
    return first + mp.beta(a + 1, b + n - 1) / mp.beta(a, b) * (1 - g ** r * s)


def cond_pmf(x, tx, T, t, n):
    pa = p_alive(x, tx, T)
    q = bgnbd_count(R + x, AL + T, A, B + x + 1, t, n)
    return pa * q + (1 - pa if n == 0 else 0)


def avg_value(x, m):
    m = max(mp.mpf(m), mp.mpf(0))
    return P * (V + x * m) / (P * x + Q - 1)


def clv(x, tx, T, m, months, d, f):
    ev = avg_value(x, m)
    return mp.fsum(ev * (expected(x, tx, T, i * f) - expected(x, tx, T, (i - 1) * f)) / (1 + d) ** i
                   for i in range(1, months + 1))


def g(v):
    return mp.nstr(v, 17, strip_zeros=False, min_fixed=-30, max_fixed=30)


CUSTOMERS = [  # tests/data/score_cdnow.csv
    ("fhl", 2, "30.43", "38.86", "22.345"),
    ("new", 0, "0", "38.86", "0"),
    ("oneoff", 1, "1.71", "38.86", "11.77"),
    ("loyal", 14, "37.57", "38.86", "45.5"),
    ("young", 3, "5", "6", "30"),
    ("gone", 7, "4", "38", "18.2"),
    ("free", 2, "20", "30", "0"),
    ("refund", 1, "10", "20", "-5"),
]

worst = 0
print("# --horizon 12,24,39 --pmf 3, 6 months, d = 0.01, weeks")
print("customer_id,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv,"
      "p_purchases_39_0,p_purchases_39_1,p_purchases_39_2,p_purchases_39_3")
for cid, x, tx, T, m in CUSTOMERS:
    x, tx, T, m = mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(m)
    e = [expected(x, tx, T, h) for h in (12, 24, 39)]
    for h, v in zip((12, 24, 39), e):
        worst = max(worst, abs(expected_story(x, tx, T, h) / v - 1))
    pmf = [cond_pmf(x, tx, T, 39, n) for n in range(401)]
    worst = max(worst, abs(mp.fsum(pmf) - 1), abs(mp.fsum(n * p for n, p in enumerate(pmf)) / e[2] - 1))
    row = [p_alive(x, tx, T)] + e + [avg_value(x, m), clv(x, tx, T, m, 6, mp.mpf("0.01"), mp.mpf("4.345"))]
    row += pmf[:3] + [1 - mp.fsum(pmf[:3])]
    print(cid + "," + ",".join(g(v) for v in row))
print("# largest relative gap of the cross-checks: %s" % mp.nstr(worst, 3))
