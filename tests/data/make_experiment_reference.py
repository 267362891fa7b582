"""Reference values for tests/experiment.rs, from the formulas in their
sources (scipy for the normal distribution): Wilson (1927) score intervals,
Newcombe (1998) method 10 for the difference, the pooled two-proportion
z-test, and Welch's normal interval for revenue per customer.

The arms are Newcombe's Table II example, 56/70 against 48/80, whose 95 %
interval he gives as 0.0524 to 0.3339. Treatment repurchaser i spends
10 + (i mod 7), control repurchaser i spends 12 + (i mod 5); everyone else
spends nothing.
Run: python make_experiment_reference.py (needs scipy)
"""
from math import sqrt

from scipy.stats import norm


def wilson(x, n, z):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def report(x1, n1, x2, n2, spend1, spend2, level):
    z = norm.ppf(0.5 + level / 2)
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1, z), wilson(x2, n2, z)
    d = p1 - p2
    low = d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pooled = (x1 + x2) / (n1 + n2)
    p_value = 2 * norm.sf(abs(d) / sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)))
    r1 = spend1 + [0.0] * (n1 - x1)
    r2 = spend2 + [0.0] * (n2 - x2)
    m1, m2 = sum(r1) / n1, sum(r2) / n2
    v1 = sum((r - m1) ** 2 for r in r1) / (n1 - 1)
    v2 = sum((r - m2) ** 2 for r in r2) / (n2 - 1)
    se = sqrt(v1 / n1 + v2 / n2)
    print(f"level {level}: wilson treatment ({l1!r}, {u1!r}) control ({l2!r}, {u2!r})")
    print(f"  difference ({low!r}, {high!r}), p = {p_value!r}")
    print(f"  revenue difference {m1 - m2!r}, interval ({m1 - m2 - z * se!r}, {m1 - m2 + z * se!r})")


spend1 = [10.0 + i % 7 for i in range(56)]
spend2 = [12.0 + i % 5 for i in range(48)]
for level in (0.95, 0.9):
    report(56, 70, 48, 80, spend1, spend2, level)
