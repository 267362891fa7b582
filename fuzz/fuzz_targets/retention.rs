//! The sBG retention model on arbitrary survivor counts, parameters,
//! periods and discount rates: fits, probabilities, finite lifetimes, or
//! typed errors, in bounded time.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{finite, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::models::{FitOptions, RetentionData, ShiftedBetaGeo};
use repurchase::rust_decimal::Decimal;

#[derive(Arbitrary, Debug)]
struct Input {
    cohorts: Vec<Vec<u64>>,
    params: (f64, f64),
    period: u32,
    renewals: u32,
    discount: f64,
    fee: i64,
}

fn check(model: &ShiftedBetaGeo, input: &Input) {
    let s = model.survival(input.period);
    probability(s, "survival");
    if let Ok(p) = model.churn_probability(input.period) {
        probability(p, "churn probability");
    }
    if let Ok(r) = model.retention_rate(input.period) {
        probability(r, "retention rate");
    }
    for s in model.survival_curve().take(64) {
        probability(s, "survival curve");
    }
    if let Ok(derl) = model.discounted_expected_residual_lifetime(input.renewals, input.discount) {
        finite(derl, "DERL");
        assert!(derl >= 0.0, "DERL = {derl}");
    }
    if let Ok(del) = model.expected_discounted_lifetime(input.discount) {
        assert!(del.is_finite() && del >= 1.0, "DEL = {del}");
    }
    if let Ok(value) = model.residual_value(Decimal::new(input.fee, 2), input.renewals, input.discount) {
        finite(value, "residual value");
    }
}

fuzz_target!(|input: Input| {
    if let Ok(model) = ShiftedBetaGeo::new(input.params.0, input.params.1) {
        check(&model, &input);
    }
    let Ok(data) = RetentionData::from_cohorts(&input.cohorts) else {
        return;
    };
    assert!(data.subscribers() > 0 && data.periods() > 0);
    if let Ok(fit) = ShiftedBetaGeo::fit(&data, &FitOptions::default().max_iterations(200)) {
        finite(fit.report.log_likelihood, "log-likelihood");
        assert!(fit.report.log_likelihood <= 1e-9, "LL = {}", fit.report.log_likelihood);
        check(&fit.model, &input);
    }
});
