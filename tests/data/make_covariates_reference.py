"""Reference fits of BG/NBD and Pareto/NBD with a time-invariant covariate
(tests/models_covariates.rs), from SciPy.

The CDNOW sample, summarised by day in weeks (days / 7) to 1997-09-30, as
Fader, Hardie & Lee fit it: x = purchase days after the first, t_x and T
from the first purchase day. The covariate is the natural log of the first
day's spend (at least $1), centred on its mean, and enters both processes
in CLVTools' parametrisation:

    BG/NBD:     alpha_i = alpha0 exp(-g z_i), a_i = a0 exp(d z_i), b_i = b0 exp(d z_i)
    Pareto/NBD: alpha_i = alpha0 exp(-g z_i), beta_i = beta0 exp(-d z_i)

The likelihoods are written here from the papers, independently of the
crate: BG/NBD from scipy.special.gammaln and betaln, Pareto/NBD's
"died between t_x and T" term by scipy.integrate.quad of its integral
(not the hypergeometric closed form the crate uses). Estimates by
Nelder-Mead then BFGS on numerical gradients; standard errors from a
central-difference Hessian of the log-likelihood in the natural
parameters.

    python3 tests/data/make_covariates_reference.py > tests/data/covariates_reference.json
"""

import json

import numpy as np
import pandas as pd
from scipy.integrate import quad
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

rows = pd.read_csv(
    "src/datasets/cdnow_sample.txt",
    sep=r"\s+",
    header=None,
    names=["customer_id", "id", "date", "cds", "amount"],
    dtype={"date": str},
)
rows["date"] = pd.to_datetime(rows["date"], format="%Y%m%d")
end = pd.Timestamp("1997-09-30")
days = rows[rows["date"] <= end].groupby(["id", "date"], as_index=False)["amount"].sum()
first = days.groupby("id")["date"].min()
last = days.groupby("id")["date"].max()
x = (days.groupby("id").size() - 1).astype(float).values
t_x = ((last - first).dt.days / 7.0).values
T = ((end - first).dt.days / 7.0).values
first_amount = days.sort_values("date").groupby("id")["amount"].first().values
z = np.log(np.maximum(first_amount, 1.0))
z = z - z.mean()


def bgnbd_ll(p):
    r, alpha0, a0, b0 = np.exp(p[:4])
    g, d = p[4], p[5]
    alpha = alpha0 * np.exp(-g * z)
    a = a0 * np.exp(d * z)
    b = b0 * np.exp(d * z)
    part1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    died = np.where(
        x > 0,
        betaln(a + 1, b + np.maximum(x - 1, 0)) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return float(np.sum(part1 + np.logaddexp(alive, died)))


def pareto_ll(p):
    r, alpha0, s, beta0 = np.exp(p[:4])
    g, d = p[4], p[5]
    alpha = alpha0 * np.exp(-g * z)
    beta = beta0 * np.exp(-d * z)
    total = 0.0
    for xi, txi, Ti, ai, bi in zip(x, t_x, T, alpha, beta):
        # ln of the integrand at w; it falls with w, so it is largest at t_x.
        def ln_f(w):
            return -(r + xi) * np.log(ai + w) - (s + 1) * np.log(bi + w)

        top = ln_f(txi)
        integral, _ = quad(lambda w: np.exp(ln_f(w) - top), txi, Ti, epsabs=0, epsrel=1e-12, limit=200)
        ln_alive = -(r + xi) * np.log(ai + Ti) - s * np.log(bi + Ti)
        ln_died = np.log(s * integral) + top if integral > 0 else -np.inf
        total += gammaln(r + xi) - gammaln(r) + r * np.log(ai) + s * np.log(bi) + np.logaddexp(ln_alive, ln_died)
    return float(total)


def fit(ll, start):
    def objective(p):
        return -ll(p) / len(x)

    first_pass = minimize(objective, start, method="Nelder-Mead", options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-14})
    best = minimize(objective, first_pass.x, method="BFGS", options={"gtol": 1e-9})
    p = best.x if best.fun <= first_pass.fun else first_pass.x
    natural = np.concatenate([np.exp(p[:4]), p[4:]])

    def ll_natural(q):
        return ll(np.concatenate([np.log(q[:4]), q[4:]]))

    k = len(natural)
    hessian = np.zeros((k, k))
    # Steps of 1e-3 of each positive parameter and 1e-3 absolute for an
    # effect (which may be near 0): quad's relative error near 1e-12 per
    # customer would swamp the second differences of smaller ones.
    steps = np.array([1e-3 * (v if i < 4 else max(abs(v), 1.0)) for i, v in enumerate(natural)])
    for i in range(k):
        for j in range(i, k):
            def at(si, sj):
                q = natural.copy()
                q[i] += si * steps[i]
                q[j] += sj * steps[j]
                return ll_natural(q)

            value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    covariance = np.linalg.inv(-hessian)
    return {
        "params": [float(v) for v in natural[:4]],
        "purchase_effect": float(natural[4]),
        "dropout_effect": float(natural[5]),
        "log_likelihood": ll(p),
        "standard_errors": [float(v) for v in np.sqrt(np.diag(covariance))],
    }


out = {
    "customers": int(len(x)),
    "bgnbd": fit(bgnbd_ll, np.array([np.log(0.24), np.log(4.4), np.log(0.79), np.log(2.4), 0.0, 0.0])),
    "pareto_nbd": fit(pareto_ll, np.array([np.log(0.55), np.log(10.6), np.log(0.61), np.log(11.7), 0.0, 0.0])),
}
print(json.dumps(out, indent=1, sort_keys=True))
