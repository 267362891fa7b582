"""Pareto/NBD reference values for tests/models_pareto.rs.

1. Python lifetimes 0.11.3 on the CDNOW sample summarised weekly
   (lifetimes_summary_W.csv): its fit, then its own likelihood maximised
   again with tight Nelder-Mead tolerances (lifetimes stops early: its
   beta is 4e-4 short of the maximum), and its P(alive) and conditional
   expectation for every customer at its fitted parameters.
2. The maximum of lifetimes' likelihood on the paper's data
   (cdnow_customers_summary.csv), which pins beta where the paper's
   11.669 is 1e-3 off.
3. mpmath at 30 digits, from definitions independent of the crate's
   formulas: P(no purchase in (T, T+h]) as a double integral over the
   Gamma posteriors of the purchase and dropout rates; DERT from Tricomi's
   U as Fader, Hardie & Lee (2005) write it; E[X(t)] as a double integral.

Run from this folder in the venv of make_lifetimes_reference.py (plus
mpmath): venv/bin/python make_pareto_reference.py
Writes lifetimes_pareto_W.json and lifetimes_pareto_W.csv.
"""
import json

import lifetimes
import mpmath as mp
import numpy as np
import pandas as pd
from lifetimes import ParetoNBDFitter
from scipy.optimize import minimize

assert lifetimes.__version__ == "0.11.3", lifetimes.__version__


def polish(x, tx, T, start):
    def objective(log_params):
        return ParetoNBDFitter._negative_log_likelihood(np.exp(log_params), x, tx, T, np.ones(len(x)), 0.0)

    res = minimize(objective, np.log(start), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 40000, "maxfev": 40000})
    assert res.success, res.message
    return dict(zip(["r", "alpha", "s", "beta"], map(float, np.exp(res.x))))


summary = pd.read_csv("lifetimes_summary_W.csv", index_col="id")
pnbd = ParetoNBDFitter(penalizer_coef=0.0)
pnbd.fit(summary["frequency"], summary["recency"], summary["T"])
fitted = {k: float(v) for k, v in pnbd.params_.items()}
x, tx, T = summary["frequency"].values, summary["recency"].values, summary["T"].values
maximum = polish(x, tx, T, list(fitted.values()))

paper = pd.read_csv("cdnow_customers_summary.csv")
paper_maximum = polish(paper["frequency"].values, paper["recency"].values, paper["T"].values,
                       [0.553, 10.578, 0.606, 11.669])

pred = pd.DataFrame(index=summary.index)
pred["p_alive"] = pnbd.conditional_probability_alive(x, tx, T)
pred["expected_52"] = pnbd.conditional_expected_number_of_purchases_up_to_time(52, x, tx, T)
pred.to_csv("lifetimes_pareto_W.csv", float_format="%.17g")

mp.mp.dps = 30
r, alpha, s, beta = map(mp.mpf, (0.553, 10.578, 0.606, 11.669))


def likelihood_terms(x, tx, T):
    alive = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s)
    died = s * mp.quad(lambda w: (alpha + w) ** (-(r + x)) * (beta + w) ** (-(s + 1)), [tx, T]) if tx < T else 0
    return alive, died


def p_alive(x, tx, T):
    alive, died = likelihood_terms(x, tx, T)
    return alive / (alive + died)


def gamma_pdf(v, shape, rate):
    return rate ** shape * v ** (shape - 1) * mp.exp(-rate * v) / mp.gamma(shape)


def silent_if_alive(x, T, h):
    # E over lambda ~ Gamma(r + x, alpha + T), mu ~ Gamma(s, beta + T) of
    # P(death before the next purchase, or the next purchase after h).
    def inner(lam, mu):
        total = lam + mu
        return mu / total + lam / total * mp.exp(-total * h)
    return mp.quad(lambda lam: gamma_pdf(lam, r + x, alpha + T) *
                   mp.quad(lambda mu: gamma_pdf(mu, s, beta + T) * inner(lam, mu), [0, 0.01, 0.1, 1, mp.inf]),
                   [0, 0.01, 0.1, 1, mp.inf])


spots = {"params": [0.553, 10.578, 0.606, 11.669], "p_no_purchase": [], "dert": [], "expected": []}
for x_, tx_, T_, h in [(0, 0, 38.86, 13), (2, 30.43, 38.86, 26), (26, 30.86, 31, 52), (7, 5, 39, 52)]:
    x_, tx_, T_, h = map(mp.mpf, (x_, tx_, T_, h))
    value = 1 - p_alive(x_, tx_, T_) * (1 - silent_if_alive(x_, T_, h))
    spots["p_no_purchase"].append([float(x_), float(tx_), float(T_), float(h), float(value)])
for x_, tx_, T_, delta in [(0, 0, 38.86, mp.log(1.15) / 52), (2, 30.43, 38.86, mp.log(1.15) / 52),
                           (26, 30.86, 31, mp.log(1.1) / 52), (7, 5, 39, mp.mpf("0.01"))]:
    x_, tx_, T_ = map(mp.mpf, (x_, tx_, T_))
    alive, died = likelihood_terms(x_, tx_, T_)
    likelihood = mp.gamma(r + x_) * alpha ** r * beta ** s / mp.gamma(r) * (alive + died)
    # Fader, Hardie & Lee (2005), equation 2.
    value = (alpha ** r * beta ** s * delta ** (s - 1) * mp.gamma(r + x_ + 1) * mp.hyperu(s, s, delta * (beta + T_))
             / (mp.gamma(r) * (alpha + T_) ** (r + x_ + 1) * likelihood))
    spots["dert"].append([float(x_), float(tx_), float(T_), float(delta), float(value)])
for t in [1, 13, 52, 520]:
    # E[X(t)] = E over lambda, mu of lambda (1 - e^(-mu t)) / mu.
    value = mp.quad(lambda mu: gamma_pdf(mu, s, beta) * (-mp.expm1(-mu * t)) / mu, [0, 0.01, 0.1, 1, mp.inf]) * r / alpha
    spots["expected"].append([t, float(value)])

with open("lifetimes_pareto_W.json", "w") as f:
    json.dump({"lifetimes_fit": fitted, "lifetimes_maximum": maximum, "paper_maximum": paper_maximum,
               "mpmath": spots}, f, indent=1, sort_keys=True)
