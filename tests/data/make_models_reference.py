"""BG/NBD and Gamma-Gamma fits and predictions from Python lifetimes 0.11.3
on the CDNOW sample summarised weekly to 1998-06-30 (the same summary as
lifetimes_summary_W.csv, which tests/lifetimes_parity.rs shows this crate
reproduces exactly).

Run from this folder in the venv of make_lifetimes_reference.py:
    venv/bin/python make_models_reference.py
Also fits BG/BB on the donations panel. Writes lifetimes_models_W.json
(estimates, standard errors and covariance matrices),
lifetimes_predictions_W.csv and lifetimes_bgbb_donations.csv, read by
tests/models_published.rs.
"""
import json

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter

assert lifetimes.__version__ == "0.11.3", lifetimes.__version__

summary = pd.read_csv("lifetimes_summary_W.csv", index_col="id")
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(summary["frequency"], summary["recency"], summary["T"])
mbgf = ModifiedBetaGeoFitter(penalizer_coef=0.0)
mbgf.fit(summary["frequency"], summary["recency"], summary["T"])
repeat = summary[summary["frequency"] > 0]
ggf = GammaGammaFitter(penalizer_coef=0.0)
ggf.fit(repeat["frequency"], repeat["monetary_value"])

def covariance(fitter):
    params = fitter.params_.values
    inverse = np.linalg.inv(fitter._hessian_) / fitter.data["weights"].sum()
    return [[float(v) for v in row] for row in np.outer(params, params) * inverse]


out = {
    "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
    "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()},
    "mbgnbd": {k: float(v) for k, v in mbgf.params_.items()},
    "mbgnbd_expected": {str(t): float(mbgf.expected_number_of_purchases_up_to_time(t)) for t in [1, 13, 52, 104]},
    # Delta-method standard errors from autograd's exact Hessian at the optimum.
    "bgnbd_se": {k: float(v) for k, v in bgf.standard_errors_.items()},
    "gamma_gamma_se": {k: float(v) for k, v in ggf.standard_errors_.items()},
    "mbgnbd_se": {k: float(v) for k, v in mbgf.standard_errors_.items()},
    # Covariance matrices from the same exact Hessian, row by row in
    # parameter order. lifetimes' own variance_matrix_ scales entry (i, j)
    # by the square of parameter j alone, which is right on the diagonal
    # only; the delta method from log-parameters scales it by params i and j.
    "bgnbd_covariance": covariance(bgf),
    "gamma_gamma_covariance": covariance(ggf),
}
with open("lifetimes_models_W.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)

pred = pd.DataFrame(index=summary.index)
pred["p_alive"] = bgf.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
pred["expected_52"] = bgf.conditional_expected_number_of_purchases_up_to_time(
    52, summary["frequency"], summary["recency"], summary["T"])
pred["expected_spend"] = ggf.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])
pred["clv_12"] = ggf.customer_lifetime_value(
    bgf, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
    time=12, discount_rate=0.01, freq="W")
pred["mbg_p_alive"] = mbgf.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
pred["mbg_expected_52"] = mbgf.conditional_expected_number_of_purchases_up_to_time(
    52, summary["frequency"], summary["recency"], summary["T"])
pred.to_csv("lifetimes_predictions_W.csv", float_format="%.17g")

donations = pd.read_csv("donations.csv")
bgbb = BetaGeoBetaBinomFitter()
bgbb.fit(donations["frequency"], donations["recency"], donations["periods"], weights=donations["weights"])
x, tx, n = donations["frequency"].values, donations["recency"].values, donations["periods"].values
bgbb_out = donations[["frequency", "recency", "periods"]].copy()
for name, value in bgbb.params_.items():
    bgbb_out[name] = value
bgbb_out["p_alive_next"] = bgbb.conditional_probability_alive(1, x, tx, n)
bgbb_out["expected_next_5"] = bgbb.conditional_expected_number_of_purchases_up_to_time(5, x, tx, n)
bgbb_out.to_csv("lifetimes_bgbb_donations.csv", index=False, float_format="%.17g")
