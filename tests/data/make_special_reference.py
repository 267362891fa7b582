"""Reference values for the unit tests of the models' numerics, from mpmath
at 40 digits (pip install mpmath; python make_special_reference.py):

1. ln of the Pareto/NBD integral ∫_{t0}^{t1} (α + w)^-m (β + w)^-n dw, by
   the hypergeometric closed form (checked against mpmath's quadrature),
   for src/models/power_integral.rs.
2. The BG family's expected purchases while alive,
   E over p ~ Beta(a, b) of [1 - (scale / (scale + p t))^shape] / p, by
   quadrature of that definition (in v = p^a near p = 0 when a <= 1, and in
   (1 - p)^b near p = 1 when b <= 1, where the mass crowds the ends), for
   src/models/bgnbd.rs.
3. The incomplete beta function, for src/models/special.rs.
4. The Pareto/NBD's P(alive) and ln(integral / integrand at t0) where r
   and alpha run to 10^10 and beyond, as a fit of a single customer
   takes them, for src/models/pareto_nbd.rs.
"""
import mpmath as mp

mp.mp.dps = 40


def tail(m, n, a, b, tau):
    if tau == mp.inf:
        return mp.mpf(0)
    c = m + n - 1
    if a >= b:
        return (a + tau) ** (-m) * (b + tau) ** (1 - n) * mp.hyp2f1(1, m, m + n, (a - b) / (a + tau)) / c
    return (b + tau) ** (-n) * (a + tau) ** (1 - m) * mp.hyp2f1(1, n, m + n, (b - a) / (b + tau)) / c


print("power_integral: (m, n, alpha, beta, t0, t1, ln integral)")
for m, n, a, b, t0, t1 in [
    (2.553, 1.606, 10.578, 11.669, 30.43, 38.86), (0.553, 1.606, 10.578, 11.669, 0.0, 38.86),
    (26.553, 1.606, 10.578, 11.669, 30.86, 31.0), (0.5, 1.5, 100.0, 1.0, 0.0, 40.0),
    (0.5, 1.5, 1.0, 100.0, 0.0, 40.0), (1e5, 1.5, 1e6, 1e-6, 3.0, 1e6), (0.3, 1.000001, 1e6, 1e-6, 0.0, 1e6),
    (1e-6, 2.0, 1e-6, 1e6, 0.0, 1e6), (2.0, 3.0, 5.0, 1e-6, 0.0, mp.inf), (1e5, 1.0, 1e6, 1e6, 10.0, 1e6),
    (1.5, 1e-6, 1e-6, 1.0, 0.0, 1e6), (1.5, 0.7, 1e-6, 1.0, 0.0, mp.inf),
]:
    closed = tail(*map(mp.mpf, (m, n, a, b, t0)), ) - tail(*map(mp.mpf, (m, n, a, b)), mp.mpf(t1))
    if m < 1e3:  # the quadrature check; at m = 1e5 the closed form alone
        quad = mp.quad(lambda w: (a + w) ** (-m) * (b + w) ** (-n),
                       [t0] + [10.0 ** k for k in range(-6, 13) if t0 < 10.0 ** k < t1] + [t1])
        assert abs(quad / closed - 1) < 1e-12, (m, n, a, b, t0, t1, quad, closed)
    print(m, n, a, b, t0, t1, mp.nstr(mp.log(closed), 20))


def while_alive(shape, scale, a, b, t):
    a, b, shape, scale, t = map(mp.mpf, (a, b, shape, scale, t))
    u = t / scale
    per = lambda p: shape * u if p == 0 else -mp.expm1(-shape * mp.log1p(p * u)) / p
    B = mp.beta(a, b)
    pts = [0] + [mp.mpf(10) ** (-k) for k in range(60, 0, -1)] + [mp.mpf(x) for x in ("0.3", "0.45", "0.49", "0.499", "0.5")]
    if a <= 1:
        left = mp.quad(lambda v: per(v ** (1 / a)) * (1 - v ** (1 / a)) ** (b - 1) / (a * B), [0, mp.mpf(2) ** (-a)])
    else:
        left = mp.quad(lambda p: per(p) * p ** (a - 1) * (1 - p) ** (b - 1) / B, pts)
    if b <= 1:
        right = mp.quad(lambda w: per(1 - w ** (1 / b)) * (1 - w ** (1 / b)) ** (a - 1) / (b * B), [0, mp.mpf(2) ** (-b)])
    else:
        right = mp.quad(lambda q: per(1 - q) * (1 - q) ** (a - 1) * q ** (b - 1) / B, pts)
    return left + right


print("purchases_while_alive: (shape, scale, a, b, t, value)")
for case in [(0.243, 4.414, 0.793, 2.426, 1e6), (0.243, 4.414, 1.0, 2.426, 39.0), (0.5, 2.0, 0.3, 0.5, 52.0),
             (2.0, 1e-6, 0.5, 1.5, 1e6), (0.243, 4.414, 0.793, 2.426, 1e-6), (1e5, 1e6, 1e-6, 1e-6, 1e3),
             (0.5, 1.0, 1e6, 1e6, 100.0), (3.0, 10.0, 2.0, 1e-6, 1e4)]:
    print(*case, mp.nstr(while_alive(*case), 17))


print("inc_beta: (z, 1 - z, p, q, I_z(p, q))")
for num, den, p, q in [(3, 10, 2.0, 3.0), (9, 10, 0.5, 0.5), (1e6, 4.6e-4, 1e5, 3.4e-6), (999, 1, 1e5, 0.5),
                       (1, 999, 1e-6, 1e6), (1, 1, 1e6, 1e6), (19, 1, 50.0, 2.0), (39, 4.414, 7.0, 0.243)]:
    # z = num / (num + den), 1 - z = den / (num + den), as the models form them
    z, y = mp.mpf(num) / (mp.mpf(num) + den), mp.mpf(den) / (mp.mpf(num) + den)
    # I_1/2(p, p) = 1/2 by symmetry (mpmath's betainc stalls at p = 1e6)
    value = mp.mpf(1) / 2 if p == q and num == den else mp.betainc(p, q, 0, z, regularized=True)
    print(f"({float(num)!r} / {float(num + den)!r}, {float(den)!r} / {float(num + den)!r}, {p!r}, {q!r}, "
          f"{mp.nstr(value, 17)}),")


print("huge_parameters: (r, alpha, s, beta, x, t_x, T, ln(integral / f(t_x)), P(alive))")
for r, a, s_, b, x, t_x, T in [(63750404690.65759, 104556998784.15967, 17640.092189863914, 436279.11679944897, 15, 23, 35),
                               (213860561949459.0, 350775568175308.75, 421664.2743122894, 10442163.748045063, 15, 23, 35),
                               (1e9, 2e9, 0.5, 10.0, 3, 30, 40)]:
    r, a, s_, b, x, t_x, T = map(mp.mpf, (r, a, s_, b, x, t_x, T))
    m, n = r + x, s_ + 1
    # Relative to f(t_x), by quadrature over the short interval (the
    # hypergeometric series converges too slowly this close to z = 1).
    relative = lambda w: mp.exp(-m * mp.log((a + w) / (a + t_x)) - n * mp.log((b + w) / (b + t_x)))
    died = mp.quad(relative, [t_x, T])
    alive = relative(T) * (b + T)
    print(f"({float(r)!r}, {float(a)!r}, {float(s_)!r}, {float(b)!r}, {float(x)!r}, {float(t_x)!r}, {float(T)!r}, "
          f"{mp.nstr(mp.log(died), 17)}, {mp.nstr(alive / (alive + s_ * died), 17)}),")
