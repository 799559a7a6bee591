"""Expected purchases for a narrow Beta (a of 1e5 to 1e8, b' hundreds of
times larger) at horizons of 100 to 10,000 years, for tests/unit/test_bgnbd.c:
FHL eq. (10) as E_p[(1 - (1 + c p)^-n)/p] times P(alive), integrated at 40
digits in p itself, with the quadrature's nodes spread over 60 standard
deviations of the Beta around its mean (independent of lib/model/bgnbd.c, which
integrates in logit p).  Run: python3 scripts/golden/narrow_beta.py"""
import mpmath as mp
mp.mp.dps = 40
def expected(r, al, a, b, x, tx, T, t):
    r, al, a, b, x, tx, T, t = map(mp.mpf, (r, al, a, b, x, tx, T, t))
    n, c, bb = r + x, t / (al + T), b + x
    lnB = mp.loggamma(a) + mp.loggamma(bb) - mp.loggamma(a + bb)
    m = a / (a + bb); sd = mp.sqrt(m * (1 - m) / (a + bb + 1))
    def h(p):
        f = -mp.expm1(-n * mp.log1p(c * p)) / p
        return mp.exp((a - 1) * mp.log(p) + (bb - 1) * mp.log1p(-p) - lnB) * f
    pts = [m + k * sd for k in range(-60, 61, 2) if 0 < m + k * sd < 1]
    alive = 1 if x == 0 else 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))
    return alive * mp.quad(h, pts)
for (a, b) in [(1e8, 5e11), (1e6, 5e9), (1e5, 5e8)]:
    for (cust, x, tx, T) in [('c', 30, 100, 104), ('b', 0, 0, 50), ('d', 1, 1, 300)]:
        for t in [5200, 52000, 520000]:
            print(a, b, cust, t, mp.nstr(expected(2.744, 72.4, a, b, x, tx, T, t), 17))
