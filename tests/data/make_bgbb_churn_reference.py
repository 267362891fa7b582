"""BG/BB P(no transaction in the next m opportunities) by mpmath (30 digits),
straight from the model's definition, for tests/models_published.rs.

For given (p, theta) a history (x, t_x, n) has likelihood
    p^x (1-p)^(n-x) (1-theta)^n                       alive throughout
  + sum_{i<n-t_x} p^x (1-p)^(t_x-x+i) theta (1-theta)^(t_x+i)   dropped out,
and a customer alive at n stays silent for m opportunities with probability
    sum_{j<m} ((1-theta)(1-p))^j theta + ((1-theta)(1-p))^m.
The answer integrates both over the Beta(alpha, beta) x Beta(gamma, delta)
prior: no posterior formula of the crate's is used.
Run: python make_bgbb_churn_reference.py (needs mpmath).
"""
import mpmath as mp

mp.mp.dps = 30
alpha, beta, gamma, delta = map(mp.mpf, ("1.204", "0.750", "0.657", "2.783"))


def prior(p, th):
    return (p ** (alpha - 1) * (1 - p) ** (beta - 1) / mp.beta(alpha, beta)
            * th ** (gamma - 1) * (1 - th) ** (delta - 1) / mp.beta(gamma, delta))


for x, tx, n, m in [(2, 4, 6, 5), (0, 0, 6, 1), (6, 6, 6, 5), (1, 1, 6, 11), (3, 5, 11, 3)]:
    def parts(p, th):
        alive = p ** x * (1 - p) ** (n - x) * (1 - th) ** n
        dead = sum(p ** x * (1 - p) ** (tx - x + i) * th * (1 - th) ** (tx + i) for i in range(n - tx))
        stay = (1 - th) * (1 - p)
        silent = sum(stay ** j * th for j in range(m)) + stay ** m
        return alive, dead, silent

    def integrate(f):
        return mp.quad(lambda p: mp.quad(lambda th: prior(p, th) * f(p, th), [0, 0.5, 1]), [0, 0.5, 1])

    numerator = integrate(lambda p, th: (lambda a, d, s: a * s + d)(*parts(p, th)))
    likelihood = integrate(lambda p, th: (lambda a, d, s: a + d)(*parts(p, th)))
    print(f"({x}.0, {tx}.0, {n}.0, {m}, {mp.nstr(numerator / likelihood, 17)}),")
