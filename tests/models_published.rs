//! The models against published estimates (Fader, Hardie & Lee 2005 and
//! Hardie's Gamma-Gamma note, on the data in tests/data), against Python
//! lifetimes 0.11.3 (tests/data/make_models_reference.py), and their laws.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::clv::{ClvOptions, customer_lifetime_value, customer_lifetime_values};
use repurchase::datasets::cdnow_sample;
use repurchase::models::{
    BetaGeo, BetaGeoBetaBinom, FitOptions, FrequencyData, GammaGamma, ModelTime, ModifiedBetaGeo, Pattern,
    SpendData,
};
use repurchase::{Error, Granularity, Summaries, SummaryOptions};
use serde_json::Value;

mod support;

use support::reference::{csv, paper_data};

/// Published figures are rounded: half a unit in the last digit shown.
fn to_digits(ours: f64, published: f64, decimals: i32) -> bool {
    (ours - published).abs() <= 0.5 * 10_f64.powi(-decimals) + 1e-12
}

fn paper_fit() -> BetaGeo {
    BetaGeo::fit(&paper_data(), &FitOptions::default()).unwrap().model
}

#[test]
fn bgnbd_reproduces_the_published_estimates() {
    let fit = BetaGeo::fit(&paper_data(), &FitOptions::default()).unwrap();
    let m = fit.model;
    let rows = [
        ("r", m.r(), 0.243),
        ("alpha", m.alpha(), 4.414),
        ("a", m.a(), 0.793),
        ("b", m.b(), 2.426),
    ];
    for (name, ours, published) in rows {
        assert!(to_digits(ours, published, 3), "{name}: {ours} vs {published}");
    }
    assert!(
        to_digits(fit.report.log_likelihood, -9582.4, 1),
        "LL {}",
        fit.report.log_likelihood
    );
    assert!(fit.report.converged && fit.report.at_boundary.is_empty());
}

#[test]
fn bgnbd_reproduces_the_published_spot_values() {
    let m = paper_fit();
    let e = m.conditional_expected_purchases(2.0, 30.43, 38.86, 39.0).unwrap();
    assert!(to_digits(e, 1.226, 3), "conditional expectation {e}");
    for (t, published) in [(1.0, 0.0532), (3.0, 0.1506), (32.0, 1.0437)] {
        let ours = m.expected_purchases(t).unwrap();
        assert!(to_digits(ours, published, 4), "E[X({t})] = {ours} vs {published}");
    }
    // E[X(78)]: mpmath's hyp2f1 at the same estimates gives 1.857971780067235
    // (lifetimes agrees); the paper prints 1.8576, 2e-4 away, for reasons the
    // paper does not let us reproduce. Our evaluation is checked to 1e-9
    // against mpmath, and to 5e-4 against the paper.
    let ours = m.expected_purchases(78.0).unwrap();
    let mpmath = BetaGeo::new(
        0.2425929069008486,
        4.413531566442907,
        0.7928861141241089,
        2.4257532725788673,
    )
    .unwrap()
    .expected_purchases(78.0)
    .unwrap();
    assert!((mpmath - 1.857_971_780_067_235).abs() < 1e-9, "{mpmath}");
    assert!((ours - 1.8576).abs() < 5e-4, "{ours}");
}

#[test]
fn mbgnbd_reproduces_the_published_estimates() {
    let fit = ModifiedBetaGeo::fit(&paper_data(), &FitOptions::default()).unwrap();
    let [r, alpha, a, b] = fit.model.params();
    for (name, ours, published) in [
        ("r", r, 0.525),
        ("alpha", alpha, 6.183),
        ("a", a, 0.891),
        ("b", b, 1.614),
    ] {
        assert!(to_digits(ours, published, 3), "{name}: {ours} vs {published}");
    }
    assert!(
        to_digits(fit.report.log_likelihood, -9582.1, 1),
        "LL {}",
        fit.report.log_likelihood
    );
    assert!(fit.report.converged);
}

#[test]
fn bgbb_pmf_and_churn_score_obey_their_laws() {
    let m = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783).unwrap();
    // The pmf sums to 1 and its mean is E[X(n)], the paper's closed form.
    for n in [0, 1, 6, 11, 40] {
        let pmf: Vec<f64> = (0..=n)
            .map(|x| m.purchase_count_probability(x, n).unwrap())
            .collect();
        let total: f64 = pmf.iter().sum();
        let mean: f64 = pmf.iter().enumerate().map(|(x, p)| x as f64 * p).sum();
        assert!((total - 1.0).abs() < 1e-12, "n = {n}: Σ pmf = {total}");
        let expected = m.expected_purchases(n).unwrap();
        assert!(
            (mean - expected).abs() < 1e-10,
            "n = {n}: mean {mean} vs {expected}"
        );
    }
    // P(no transaction in m): mpmath's double integral over the prior of
    // the definition (tests/data/make_bgbb_churn_reference.py).
    for (x, t_x, n, horizon, want) in [
        (2.0, 4.0, 6.0, 5, 0.5195681020573305),
        (0.0, 0.0, 6.0, 1, 0.9836494886423078),
        (6.0, 6.0, 6.0, 5, 0.0768411437740119),
        (1.0, 1.0, 6.0, 11, 0.9451510142934448),
        (3.0, 5.0, 11.0, 3, 0.9303530538729412),
    ] {
        let ours = m.p_no_purchase(x, t_x, n, horizon).unwrap();
        assert!(
            (ours - want).abs() < 1e-9 * want,
            "({x}, {t_x}, {n}, {horizon}): {ours} vs {want}"
        );
    }
    // A new customer's: the pmf at 0.
    for horizon in [1, 5, 11] {
        let none = m.p_no_purchase(0.0, 0.0, 0.0, horizon).unwrap();
        let pmf = m.purchase_count_probability(0, horizon).unwrap();
        assert!((none - pmf).abs() < 1e-12, "m = {horizon}: {none} vs {pmf}");
    }
    // Longer horizons leave less room for silence, never below P(dead).
    let dead = 1.0 - m.p_alive(2.0, 4.0, 6.0, 0).unwrap();
    let mut previous = 1.0;
    for horizon in [0, 1, 5, 20, 200] {
        let p = m.p_no_purchase(2.0, 4.0, 6.0, horizon).unwrap();
        assert!(p <= previous && p >= dead - 1e-12, "m = {horizon}: {p}");
        previous = p;
    }
    assert_eq!(m.p_no_purchase(2.0, 4.0, 6.0, 0).unwrap(), 1.0);
}

#[test]
fn gamma_gamma_reproduces_the_published_estimates() {
    let rows = csv("cdnow_customers_summary_with_transactions.csv");
    let data = SpendData::from_rows(rows.iter().filter(|r| r[1] > 0.0).map(|r| (r[1], r[4], 1.0))).unwrap();
    assert_eq!(data.customers(), 946.0);
    let fit = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
    let m = fit.model;
    for (name, ours, published) in [("p", m.p(), 6.25), ("q", m.q(), 3.74)] {
        assert!(to_digits(ours, published, 2), "{name}: {ours} vs {published}");
    }
    // γ: the note prints 15.44; the maximum on this file is 15.4477, which
    // lifetimes 0.11.3 finds too (15.447748): the note's figure reads as
    // truncated, not rounded. Checked to 0.01 against the note and to 1e-5
    // against lifetimes on the same data.
    assert!((m.gamma() - 15.44).abs() < 0.01, "gamma {}", m.gamma());
    assert!(
        (m.gamma() - 15.447_748).abs() < 1e-5 * 15.45,
        "gamma {}",
        m.gamma()
    );
    assert!(
        to_digits(fit.report.log_likelihood, -4055.9, 1),
        "LL {}",
        fit.report.log_likelihood
    );
}

fn donations() -> FrequencyData {
    FrequencyData::from_rows(csv("donations.csv").iter().map(|r| (r[0], r[1], r[2], r[3]))).unwrap()
}

#[test]
fn bgbb_reproduces_the_published_estimates_and_p_alive() {
    let fit = BetaGeoBetaBinom::fit(&donations(), &FitOptions::default()).unwrap();
    assert_eq!(donations().customers(), 11_104.0);
    let [alpha, beta, gamma, delta] = fit.model.params();
    for (name, ours, published) in [
        ("alpha", alpha, 1.204),
        ("beta", beta, 0.750),
        ("gamma", gamma, 0.657),
        ("delta", delta, 2.783),
    ] {
        assert!(to_digits(ours, published, 3), "{name}: {ours} vs {published}");
    }
    assert!(
        to_digits(fit.report.log_likelihood, -33_225.6, 1),
        "LL {}",
        fit.report.log_likelihood
    );
    assert!(fit.report.converged, "{:?}", fit.report);
    // P(alive in 2002), the opportunity after the six observed.
    for ((x, t_x), published) in [((0.0, 0.0), 0.11), ((2.0, 4.0), 0.59), ((6.0, 6.0), 0.93)] {
        let p = fit.model.p_alive(x, t_x, 6.0, 1).unwrap();
        assert!(to_digits(p, published, 2), "P(alive | {x}, {t_x}) = {p}");
    }
}

#[test]
fn bgbb_agrees_with_lifetimes() {
    let fit = BetaGeoBetaBinom::fit(&donations(), &FitOptions::default()).unwrap();
    for row in csv("lifetimes_bgbb_donations.csv") {
        for (ours, theirs, name) in fit
            .model
            .params()
            .iter()
            .zip(&row[3..7])
            .zip(["alpha", "beta", "gamma", "delta"])
            .map(|((o, t), n)| (*o, *t, n))
        {
            assert!(
                (ours - theirs).abs() <= PARAMETER_TOLERANCE * theirs,
                "{name}: {ours} vs {theirs}"
            );
        }
        let (x, t_x, n) = (row[0], row[1], row[2]);
        let p = fit.model.p_alive(x, t_x, n, 1).unwrap();
        assert!(
            (p - row[7]).abs() <= PREDICTION_TOLERANCE * row[7],
            "P(alive | {x}, {t_x}): {p} vs {}",
            row[7]
        );
        let e = fit.model.conditional_expected_purchases(x, t_x, n, 5).unwrap();
        assert!(
            (e - row[8]).abs() <= PREDICTION_TOLERANCE * row[8],
            "E[X(6, 11) | {x}, {t_x}]: {e} vs {}",
            row[8]
        );
    }
    // A customer with a transaction at every opportunity, alive at n: the
    // expected count is finite and below the opportunities left.
    assert!(
        fit.model
            .conditional_expected_purchases(6.0, 6.0, 6.0, 5)
            .unwrap()
            < 5.0
    );
    assert!(matches!(
        fit.model.p_alive(3.0, 2.0, 6.0, 1),
        Err(Error::InvalidInput { .. })
    ));
}

/// lifetimes' optimiser stops at its own tolerance; estimates agree to 1e-3.
const PARAMETER_TOLERANCE: f64 = 1e-3;
/// Predictions at those estimates agree to 1e-3 (they inherit the
/// parameters' difference; at identical parameters the formulas agree to
/// rounding).
const PREDICTION_TOLERANCE: f64 = 1e-3;

/// lifetimes' fits (tests/data/lifetimes_models_W.json) and the CDNOW
/// sample summarised weekly to 1998-06-30, which they were fitted on.
fn lifetimes_models_and_weekly_cdnow() -> (Value, Summaries<u32>) {
    let path = format!(
        "{}/tests/data/lifetimes_models_W.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let theirs: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let summaries = cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end).granularity(Granularity::Week));
    (theirs, summaries)
}

#[test]
fn fits_and_predictions_agree_with_lifetimes() {
    let (theirs, summaries) = lifetimes_models_and_weekly_cdnow();
    let bg = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())
        .unwrap()
        .model;
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())
        .unwrap()
        .model;
    let close = |ours: f64, theirs: &Value, tolerance: f64, what: &str| {
        let theirs = theirs.as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= tolerance * theirs.abs(),
            "{what}: ours {ours} vs lifetimes {theirs}"
        );
    };
    let t = &theirs["bgnbd"];
    close(bg.r(), &t["r"], PARAMETER_TOLERANCE, "r");
    close(bg.alpha(), &t["alpha"], PARAMETER_TOLERANCE, "alpha");
    close(bg.a(), &t["a"], PARAMETER_TOLERANCE, "a");
    close(bg.b(), &t["b"], PARAMETER_TOLERANCE, "b");
    let t = &theirs["gamma_gamma"];
    close(gg.p(), &t["p"], PARAMETER_TOLERANCE, "p");
    close(gg.q(), &t["q"], PARAMETER_TOLERANCE, "q");
    close(gg.gamma(), &t["v"], PARAMETER_TOLERANCE, "gamma");

    let data = FrequencyData::from_summaries(&summaries);
    let mbg = ModifiedBetaGeo::fit(&data, &FitOptions::default()).unwrap().model;
    let t = &theirs["mbgnbd"];
    for (i, name) in ["r", "alpha", "a", "b"].iter().enumerate() {
        close(
            mbg.params()[i],
            &t[*name],
            PARAMETER_TOLERANCE,
            &format!("MBG/NBD {name}"),
        );
    }
    for (horizon, value) in theirs["mbgnbd_expected"].as_object().unwrap() {
        let ours = mbg.expected_purchases(horizon.parse().unwrap()).unwrap();
        close(
            ours,
            value,
            PREDICTION_TOLERANCE,
            &format!("MBG/NBD E[X({horizon})]"),
        );
    }

    let predictions = csv("lifetimes_predictions_W.csv");
    // lifetimes' weekly months are 4.345 weeks.
    let options = ClvOptions::new().days_per_month(4.345 * 7.0);
    // The batch shares the month-by-month series across customers with the
    // same (x, T); each value must still be lifetimes'.
    let batch = customer_lifetime_values(&bg, &gg, &summaries, &options).unwrap();
    let mut checked = 0;
    assert_eq!(predictions.len(), summaries.len());
    for ((s, row), batch_clv) in summaries.iter().zip(&predictions).zip(batch) {
        assert_eq!(batch_clv.customer, s.customer);
        let batch_clv = batch_clv.clv;
        let x = f64::from(s.frequency);
        let what = |q: &str| format!("customer {} {q}", s.customer);
        close(
            bg.p_alive(x, s.recency, s.t).unwrap(),
            &Value::from(row[1]),
            PREDICTION_TOLERANCE,
            &what("P(alive)"),
        );
        let e = bg
            .conditional_expected_purchases(x, s.recency, s.t, 52.0)
            .unwrap();
        close(e, &Value::from(row[2]), PREDICTION_TOLERANCE, &what("E[Y(52)]"));
        let m = s
            .monetary_value
            .map_or(0.0, |m| rust_decimal::prelude::ToPrimitive::to_f64(&m).unwrap());
        let spend = gg.conditional_expected_spend(x, m).unwrap();
        close(
            spend,
            &Value::from(row[3]),
            PREDICTION_TOLERANCE,
            &what("expected spend"),
        );
        let clv = customer_lifetime_value(
            &bg,
            &gg,
            &Pattern::from_summary(s, summaries.options()).unwrap(),
            m,
            &options,
        )
        .unwrap();
        for (value, name) in [(clv, "12-month CLV"), (batch_clv, "batch 12-month CLV")] {
            close(value, &Value::from(row[4]), PREDICTION_TOLERANCE, &what(name));
        }
        let p = mbg.p_alive(x, s.recency, s.t).unwrap();
        close(
            p,
            &Value::from(row[5]),
            PREDICTION_TOLERANCE,
            &what("MBG P(alive)"),
        );
        let e = mbg
            .conditional_expected_purchases(x, s.recency, s.t, 52.0)
            .unwrap();
        close(
            e,
            &Value::from(row[6]),
            PREDICTION_TOLERANCE,
            &what("MBG E[Y(52)]"),
        );
        checked += 1;
    }
    assert_eq!(checked, 2_357);
}

/// Standard errors against lifetimes' (autograd's exact Hessian at its own
/// optimum, by the delta method). Ours come from differences of the
/// analytic gradient; measured gaps are at most 1.4e-5 (GG's q), so a
/// Hessian off by more than rounding and the optimiser's stop fails.
const STANDARD_ERROR_TOLERANCE: f64 = 1e-4;

#[test]
fn standard_errors_agree_with_lifetimes() {
    let (theirs, summaries) = lifetimes_models_and_weekly_cdnow();
    let data = FrequencyData::from_summaries(&summaries);
    let spend = SpendData::from_summaries(&summaries);
    let options = FitOptions::default();
    let fits = [
        (
            "bgnbd_se",
            ["r", "alpha", "a", "b"].as_slice(),
            BetaGeo::fit(&data, &options).unwrap().report,
        ),
        (
            "mbgnbd_se",
            &["r", "alpha", "a", "b"],
            ModifiedBetaGeo::fit(&data, &options).unwrap().report,
        ),
        (
            "gamma_gamma_se",
            &["p", "q", "v"],
            GammaGamma::fit(&spend, &options).unwrap().report,
        ),
    ];
    for (model, names, report) in fits {
        let ours = report.standard_errors.values().unwrap();
        assert_eq!(ours.len(), names.len());
        for (name, se) in names.iter().zip(ours) {
            let lifetimes = theirs[model][*name].as_f64().unwrap();
            assert!(
                (se - lifetimes).abs() <= STANDARD_ERROR_TOLERANCE * lifetimes,
                "{model} {name}: ours {se} vs lifetimes {lifetimes}"
            );
        }
    }
}

/// The whole covariance matrices, each entry within 1e-4 of the scale of
/// its row's and column's standard errors (correlations to 1e-4).
#[test]
fn covariances_agree_with_lifetimes() {
    let (theirs, summaries) = lifetimes_models_and_weekly_cdnow();
    let options = FitOptions::default();
    let fits = [
        (
            "bgnbd_covariance",
            BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &options)
                .unwrap()
                .report,
        ),
        (
            "gamma_gamma_covariance",
            GammaGamma::fit(&SpendData::from_summaries(&summaries), &options)
                .unwrap()
                .report,
        ),
    ];
    for (model, report) in fits {
        let ours = report.covariance.unwrap();
        let rows = theirs[model].as_array().unwrap();
        let k = rows.len();
        assert_eq!(ours.len(), k * k);
        for (i, row) in rows.iter().enumerate() {
            for (j, value) in row.as_array().unwrap().iter().enumerate() {
                let lifetimes = value.as_f64().unwrap();
                let scale = (ours[i * k + i] * ours[j * k + j]).sqrt();
                assert!(
                    (ours[i * k + j] - lifetimes).abs() <= STANDARD_ERROR_TOLERANCE * scale,
                    "{model}[{i}][{j}]: ours {} vs lifetimes {lifetimes}",
                    ours[i * k + j]
                );
            }
        }
    }
}

#[test]
fn rescaling_time_scales_alpha_and_nothing_else() {
    let base = BetaGeo::fit(&paper_data(), &FitOptions::default()).unwrap().model;
    let days = FrequencyData::from_rows(
        csv("cdnow_customers_summary.csv")
            .iter()
            .map(|r| (r[1], 7.0 * r[2], 7.0 * r[3], 1.0)),
    )
    .unwrap();
    let scaled = BetaGeo::fit(&days, &FitOptions::default()).unwrap().model;
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    assert!(
        rel(scaled.alpha(), 7.0 * base.alpha()) < 1e-6,
        "{scaled:?} vs {base:?}"
    );
    assert!(
        rel(scaled.r(), base.r()) < 1e-6
            && rel(scaled.a(), base.a()) < 1e-6
            && rel(scaled.b(), base.b()) < 1e-6
    );
}

#[test]
fn weights_act_as_repeated_customers() {
    let rows = csv("cdnow_customers_summary.csv");
    let once = BetaGeo::fit(&paper_data(), &FitOptions::default()).unwrap();
    let thrice = FrequencyData::from_rows(rows.iter().map(|r| (r[1], r[2], r[3], 3.0))).unwrap();
    let fit = BetaGeo::fit(&thrice, &FitOptions::default()).unwrap();
    assert!((fit.model.r() - once.model.r()).abs() < 1e-7 && (fit.model.b() - once.model.b()).abs() < 1e-6);
    assert!(
        (fit.report.log_likelihood - 3.0 * once.report.log_likelihood).abs()
            < 1e-6 * once.report.log_likelihood.abs()
    );
}

#[test]
fn the_money_unit_does_not_change_the_spend_fit() {
    let rows = csv("cdnow_customers_summary_with_transactions.csv");
    let dollars =
        SpendData::from_rows(rows.iter().filter(|r| r[1] > 0.0).map(|r| (r[1], r[4], 1.0))).unwrap();
    let cents = SpendData::from_rows(
        rows.iter()
            .filter(|r| r[1] > 0.0)
            .map(|r| (r[1], 100.0 * r[4], 1.0)),
    )
    .unwrap();
    let (d, c) = (
        GammaGamma::fit(&dollars, &FitOptions::default()).unwrap(),
        GammaGamma::fit(&cents, &FitOptions::default()).unwrap(),
    );
    assert!((c.model.p() - d.model.p()).abs() < 1e-6 * d.model.p());
    assert!((c.model.gamma() - 100.0 * d.model.gamma()).abs() < 1e-6 * c.model.gamma());
    let shift = 946.0 * 100_f64.ln();
    assert!((c.report.log_likelihood - (d.report.log_likelihood - shift)).abs() < 1e-6 * shift);
}

#[test]
fn predictions_obey_their_laws() {
    let m = paper_fit();
    let mut previous = 0.0;
    for t in [0.0, 0.5, 1.0, 5.0, 20.0, 52.0, 78.0, 104.0] {
        let e = m.expected_purchases(t).unwrap();
        assert!(e >= previous && e.is_finite(), "E[X({t})] = {e} after {previous}");
        previous = e;
    }
    assert_eq!(m.expected_purchases(0.0).unwrap(), 0.0);
    // The pmf sums to 1 and its mean is E[X(t)], computed independently
    // (incomplete beta and Γ terms against ₂F₁).
    for t in [1.0, 13.0, 39.0, 78.0] {
        let pmf: Vec<f64> = (0..3_000)
            .map(|x| m.purchase_count_probability(x, t).unwrap())
            .collect();
        let total: f64 = pmf.iter().sum();
        let mean: f64 = pmf.iter().enumerate().map(|(x, p)| x as f64 * p).sum();
        assert!((total - 1.0).abs() < 1e-8, "t = {t}: Σ pmf = {total}");
        let expected = m.expected_purchases(t).unwrap();
        assert!(
            (mean - expected).abs() < 1e-6 * expected,
            "t = {t}: mean {mean} vs E[X(t)] {expected}"
        );
    }
    // The same for MBG/NBD, whose pmf adds dropping out at the first purchase.
    let mbg = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614).unwrap();
    for t in [1.0, 13.0, 39.0, 78.0] {
        let pmf: Vec<f64> = (0..3_000)
            .map(|x| mbg.purchase_count_probability(x, t).unwrap())
            .collect();
        let total: f64 = pmf.iter().sum();
        let mean: f64 = pmf.iter().enumerate().map(|(x, p)| x as f64 * p).sum();
        assert!((total - 1.0).abs() < 1e-8, "MBG t = {t}: Σ pmf = {total}");
        let expected = mbg.expected_purchases(t).unwrap();
        assert!(
            (mean - expected).abs() < 1e-6 * expected,
            "MBG t = {t}: mean {mean} vs E[X(t)] {expected}"
        );
    }
    for (x, t_x) in [
        (0.0, 0.0),
        (1.0, 0.0),
        (3.0, 10.0),
        (20.0, 38.86),
        (100_000.0, 38.0),
    ] {
        let p = m.p_alive(x, t_x, 38.86).unwrap();
        assert!((0.0..=1.0).contains(&p), "P(alive | {x}, {t_x}) = {p}");
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let m = paper_fit();
    assert!(matches!(
        FrequencyData::from_rows(Vec::new()).map(|d| BetaGeo::fit(&d, &FitOptions::default())),
        Ok(Err(Error::InsufficientData { .. }))
    ));
    let no_repeat = FrequencyData::from_rows([(0.0, 0.0, 10.0, 5.0)]).unwrap();
    assert!(matches!(
        BetaGeo::fit(&no_repeat, &FitOptions::default()),
        Err(Error::InsufficientData { .. })
    ));
    assert!(matches!(
        FrequencyData::from_rows([(1.0, 11.0, 10.0, 1.0)]),
        Err(Error::InvalidInput { field: "recency", .. })
    ));
    assert!(matches!(
        FrequencyData::from_rows([(f64::NAN, 0.0, 10.0, 1.0)]),
        Err(Error::InvalidInput {
            field: "frequency",
            ..
        })
    ));
    assert!(matches!(
        FrequencyData::from_rows([(1.0, 1.0, 10.0, -1.0)]),
        Err(Error::InvalidInput { field: "weight", .. })
    ));
    assert!(matches!(
        m.p_alive(2.0, 50.0, 38.0),
        Err(Error::InvalidInput { field: "recency", .. })
    ));
    assert!(matches!(
        m.expected_purchases(-1.0),
        Err(Error::InvalidParameter { name: "horizon", .. })
    ));
    assert!(matches!(
        m.conditional_expected_purchases(1.0, 1.0, 2.0, f64::INFINITY),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        GammaGamma::new(1.0, 1.0, 1.0).unwrap().mean_spend(),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(
        SpendData::from_rows([(1.0, -5.0, 1.0)]),
        Err(Error::InvalidInput {
            field: "monetary_value",
            ..
        })
    ));
    assert!(matches!(
        GammaGamma::fit(&SpendData::from_rows(Vec::new()).unwrap(), &FitOptions::default()),
        Err(Error::InsufficientData { .. })
    ));
    assert!(matches!(
        BetaGeo::fit(&paper_data(), &FitOptions::default().tolerance(0.0)),
        Err(Error::InvalidParameter {
            name: "tolerance",
            ..
        })
    ));
}

/// Months of future value are bounded: a century is computed, more is a
/// typed error at once (not a loop of `u32::MAX` months).
#[test]
fn clv_months_beyond_the_bound_are_a_typed_error() {
    use repurchase::clv::MAX_MONTHS;
    let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
    let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let value = |months| {
        let options = ClvOptions::new().months(months);
        customer_lifetime_value(
            &bg,
            &gg,
            &Pattern::new(10.0, 38.0, 38.86, ModelTime::Weeks).unwrap(),
            40.0,
            &options,
        )
    };
    let century = value(MAX_MONTHS).unwrap();
    assert!(century.is_finite() && century > value(12).unwrap());
    for months in [0, MAX_MONTHS + 1, u32::MAX] {
        assert!(
            matches!(value(months), Err(Error::InvalidParameter { name: "months", .. })),
            "{months}"
        );
    }
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let summaries = cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end).granularity(Granularity::Week));
    let all = customer_lifetime_values(&bg, &gg, &summaries, &ClvOptions::new().months(u32::MAX));
    assert!(matches!(all, Err(Error::InvalidParameter { name: "months", .. })));
}

/// Options and inputs that set how long a model computes are bounded: a
/// history or horizon of billions of opportunities, or billions of
/// iterations, is a typed error at once, not hours of work.
#[test]
fn work_setting_inputs_are_bounded() {
    let m = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783).unwrap();
    let max = BetaGeoBetaBinom::MAX_OPPORTUNITIES;
    assert!(m.purchase_count_probability(0, max).is_ok());
    assert!(matches!(
        m.purchase_count_probability(0, u32::MAX),
        Err(Error::InvalidParameter { name: "n", .. })
    ));
    assert!(matches!(
        m.p_no_purchase(1.0, 1.0, 6.0, u32::MAX),
        Err(Error::InvalidParameter { name: "m", .. })
    ));
    let long = FrequencyData::from_rows([(1.0, 1.0, 1e12, 1.0), (2.0, 2.0, 6.0, 1.0)]).unwrap();
    assert!(matches!(
        m.log_likelihood(&long),
        Err(Error::InvalidInput { field: "t", .. })
    ));
    assert!(matches!(
        BetaGeoBetaBinom::fit(&long, &FitOptions::default()),
        Err(Error::InvalidInput { field: "t", .. })
    ));
    assert!(matches!(
        m.p_alive(1.0, 1.0, 1e12, 0),
        Err(Error::InvalidInput { field: "t", .. })
    ));
    assert!(matches!(
        BetaGeo::fit(&paper_data(), &FitOptions::default().max_iterations(u32::MAX)),
        Err(Error::InvalidParameter {
            name: "max_iterations",
            ..
        })
    ));
}

/// A fit prints its report as lifetimes and CLVTools do: each estimate with
/// its standard error and Wald interval, then the log-likelihood and AIC.
#[test]
fn a_fit_prints_its_report() {
    use repurchase::models::FitModel;
    let (_, summaries) = lifetimes_models_and_weekly_cdnow();
    let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default()).unwrap();
    let text = fit.to_string();
    assert!(
        text.starts_with("BG/NBD, maximum likelihood: converged in"),
        "{text}"
    );
    let se = fit.report.standard_errors.values().unwrap();
    for ((name, value), se) in fit.model.parameters().into_iter().zip(se) {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap();
        let interval = format!("[{:.4}, {:.4}]", value - 1.96 * se, value + 1.96 * se);
        assert!(
            line.contains(&format!("{value:.4}")) && line.contains(&format!("{se:.4}")),
            "{line}"
        );
        assert!(line.ends_with(&interval), "{line}");
    }
    let aic = 2.0 * 4.0 - 2.0 * fit.report.log_likelihood;
    assert_eq!(fit.aic(), aic);
    assert!(
        text.ends_with(&format!(
            "log-likelihood {:.2}, AIC {aic:.2}",
            fit.report.log_likelihood
        )),
        "{text}"
    );
    let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default()).unwrap();
    assert_eq!(spend.model.parameters().len(), 3);
    assert!(spend.to_string().starts_with("Gamma-Gamma"));
}

/// Found by fuzzing: parameters far beyond any fit's (1e224, or subnormal
/// 1e-320) carried predictions beyond f64, and P(alive) and E[Y(t)] came
/// back as Ok(NaN), E[X(n)] of BG/BB as infinity. Every prediction is now a
/// finite value or `Error::Undefined`.
#[test]
fn predictions_at_extreme_parameters_are_finite_or_undefined() {
    use repurchase::models::{ParetoNbd, PurchaseModel};
    let huge = 8.800_114_776_174_739e223;
    let bg = BetaGeo::new(huge, huge, huge, huge).unwrap();
    let pareto = ParetoNbd::new(huge, huge, huge, huge).unwrap();
    let models: [&dyn Fn(f64) -> Vec<repurchase::Result<f64>>; 2] = [
        &|h| {
            vec![
                bg.p_alive(3.0, 5.0, 10.0),
                bg.expected_purchases(h),
                bg.conditional_expected_purchases(3.0, 5.0, 10.0, h),
                bg.expected_purchases_if_alive(3.0, 10.0, h),
                PurchaseModel::p_no_purchase(&bg, 3.0, 5.0, 10.0, h),
            ]
        },
        &|h| {
            vec![
                pareto.p_alive(3.0, 5.0, 10.0),
                pareto.expected_purchases(h),
                pareto.expected_purchases_if_alive(3.0, 10.0, h),
                pareto.p_no_purchase(3.0, 5.0, 10.0, h),
            ]
        },
    ];
    for predictions in models {
        for h in [0.0, 1.0, 1e6] {
            for p in predictions(h) {
                match p {
                    Ok(v) => assert!(v.is_finite(), "{v}"),
                    Err(e) => assert!(matches!(e, Error::Undefined { .. }), "{e}"),
                }
            }
        }
    }
    let tiny = BetaGeoBetaBinom::new(5e-323, 1.288e-231, 2.2e-317, 4.159e-312).unwrap();
    match tiny.expected_purchases(193) {
        Ok(v) => assert!(v.is_finite(), "{v}"),
        Err(e) => assert!(matches!(e, Error::Undefined { .. }), "{e}"),
    }
}

/// Found by fuzzing: at parameters far beyond any fit's (a shape of 1e-307
/// beside one of 1e34) E[X(t)] lost every digit to cancellation and came
/// out at −2.5e19. An expectation is now ≥ 0 or `Error::Undefined`.
#[test]
fn expectations_are_never_negative() {
    use repurchase::models::ParetoNbd;
    let params = [
        7.107_162_080_973_597e-15,
        1.288_229_753_920_525e-231,
        2.225_073_860_268_623_7e-307,
        2.076_918_743_413_931e34,
    ];
    let [r, alpha, a, b] = params;
    let bg = BetaGeo::new(r, alpha, a, b).unwrap();
    let mbg = ModifiedBetaGeo::new(r, alpha, a, b).unwrap();
    let pareto = ParetoNbd::new(r, alpha, a, b).unwrap();
    for h in [2.576_459_509_878_441e-230, 1.0, 52.0] {
        for e in [
            bg.expected_purchases(h),
            mbg.expected_purchases(h),
            pareto.expected_purchases(h),
        ] {
            match e {
                Ok(v) => assert!(v.is_finite() && v >= 0.0, "{v}"),
                Err(e) => assert!(matches!(e, Error::Undefined { .. }), "{e}"),
            }
        }
    }
}

/// Found by fuzzing: at parameters and options far beyond any fit's (α =
/// 1.5e-310, a Gamma-Gamma mean spend of 1e233, months of 5.7e256 days)
/// each factor of a lifetime value was finite but their product was not,
/// and CLV came back as infinity. It is now `Error::Undefined`.
#[test]
fn lifetime_values_beyond_f64_are_undefined() {
    use repurchase::models::{ModelTime, Pattern};
    let bg = BetaGeo::new(
        7.993_878_625_711_659e-8,
        1.549_957_319_344_2e-310,
        5.819_465_068_092_469e-8,
        1.634_089_944_363_993_6e69,
    )
    .unwrap()
    .in_time(ModelTime::Days);
    let gg = GammaGamma::new(
        9.410_086_131_215_591e232,
        1.634_089_943_872_466e69,
        1.634_089_943_872_471_7e69,
    )
    .unwrap();
    let options = ClvOptions::new()
        .months(42)
        .discount_rate(1.634_089_943_872_471_7e69)
        .days_per_month(5.676_271_727_120_754_6e256);
    let pattern = Pattern::new(0.0, 0.0, 10_574_587.0, ModelTime::Days).unwrap();
    let clv = customer_lifetime_value(&bg, &gg, &pattern, 0.0, &options);
    assert!(
        matches!(clv, Err(Error::Undefined { quantity: "CLV", .. })),
        "{clv:?}"
    );
}
