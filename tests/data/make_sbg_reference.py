"""Reference values for the sBG model (tests/models_sbg.rs), from SciPy.

Fader & Hardie (2007), "How to Project Customer Retention": survivor counts
of 1,000 "high end" and 1,000 "regular" customers, years 0-7 fitted,
years 8-12 held out. The maximum-likelihood estimates are found here with
Nelder-Mead on the log-parameters (no gradient: independent of the
crate's BFGS with analytic gradients); survival, churn probabilities and
retention rates at the estimates from scipy.special.betaln; the discounted
expected (residual) lifetimes from scipy.special.hyp2f1 (Fader & Hardie
2010, eq. 6).

    python3 tests/data/make_sbg_reference.py > tests/data/sbg_reference.json
"""

import json

import numpy as np
import scipy
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1

SEGMENTS = {
    "high_end": [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
}
FITTED_YEARS = 7


def negative_log_likelihood(log_params, survivors):
    alpha, beta = np.exp(log_params)
    n = np.asarray(survivors, dtype=float)
    t = np.arange(1, len(n))
    ln_p = betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)
    ln_s = betaln(alpha, beta + len(n) - 1) - betaln(alpha, beta)
    return -(np.sum((n[:-1] - n[1:]) * ln_p) + n[-1] * ln_s)


def fit(survivors):
    best = minimize(
        negative_log_likelihood,
        x0=[0.0, 0.0],
        args=(survivors,),
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-13, "maxiter": 20000},
    )
    alpha, beta = np.exp(best.x)
    return float(alpha), float(beta), float(-best.fun)


def derl(alpha, beta, renewals, d):
    n = renewals + 1
    ratio = np.exp(betaln(alpha, beta + n) - betaln(alpha, beta + n - 1))
    return float(ratio * hyp2f1(1, beta + n, alpha + beta + n, 1 / (1 + d)))


out = {"scipy": scipy.__version__, "segments": {}}
for name, survivors in SEGMENTS.items():
    alpha, beta, ll = fit(survivors[: FITTED_YEARS + 1])
    t = np.arange(0, 13)
    out["segments"][name] = {
        "survivors": survivors,
        "alpha": alpha,
        "beta": beta,
        "log_likelihood": ll,
        "survival": [float(v) for v in np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))],
        "churn_probability": [
            float(v) for v in np.exp(betaln(alpha + 1, beta + t[1:] - 1) - betaln(alpha, beta))
        ],
        "retention_rate": [float(v) for v in (beta + t[1:] - 1) / (alpha + beta + t[1:] - 1)],
        "del": {str(d): float(hyp2f1(1, beta, alpha + beta, 1 / (1 + d))) for d in (0.1, 0.01, 0.001)},
        "derl": [
            [renewals, d, derl(alpha, beta, renewals, d)]
            for renewals in (0, 1, 4, 11, 100)
            for d in (0.1, 0.01, 0.001)
        ],
    }
print(json.dumps(out, indent=1))
