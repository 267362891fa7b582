//! BG/NBD and Pareto/NBD with covariates: arbitrary covariate columns
//! (hostile values included), effects and small data build data or typed
//! errors, fit to finite estimates or typed errors, and every customer's
//! model predicts finite values and probabilities in [0, 1].
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{finite, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::models::{
    BetaGeo, CovariateData, CovariateModel, Covariates, FitOptions, ParetoNbd, PurchaseModel, WithCovariates,
};

#[derive(Arbitrary, Debug)]
struct Input {
    base: [f64; 4],
    /// Per customer: x, t_x, T, a purchase and a dropout covariate.
    rows: Vec<(u8, u16, u16, f64, f64)>,
    effects: (f64, f64),
    customer: (f64, f64),
    horizon: f64,
}

fn predict<M: CovariateModel + PurchaseModel>(model: &WithCovariates<M>, input: &Input) {
    let Ok(customer) = model.for_customer(&[input.customer.0], &[input.customer.1]) else {
        return;
    };
    for (x, t_x, t) in [(0.0, 0.0, 30.0), (3.0, 20.0, 30.0)] {
        if let Ok(p) = customer.p_alive(x, t_x, t) {
            probability(p, "P(alive)");
        }
        if let Ok(e) = customer.conditional_expected_purchases(x, t_x, t, input.horizon) {
            finite(e, "expected purchases");
            assert!(e >= 0.0, "expected purchases {e}");
        }
    }
}

fn fit<M: CovariateModel + PurchaseModel>(data: &CovariateData, input: &Input) {
    if let Ok(fit) = WithCovariates::<M>::fit(data, &FitOptions::default().max_iterations(200)) {
        finite(fit.report.log_likelihood, "log-likelihood");
        for (_, value) in fit.model.parameters() {
            finite(value, "estimate");
        }
        if let Ok(ll) = fit.model.log_likelihood(data) {
            finite(ll, "log-likelihood");
        }
        predict(&fit.model, input);
    }
}

fuzz_target!(|input: Input| {
    let [r, alpha, a, b] = input.base;
    let (gamma, delta) = input.effects;
    if let Ok(base) = BetaGeo::new(r, alpha, a, b) {
        if let Ok(model) = WithCovariates::new(base, [("z", gamma)], [("w", delta)]) {
            predict(&model, &input);
        }
    }
    if let Ok(base) = ParetoNbd::new(r, alpha, a, b) {
        if let Ok(model) = WithCovariates::new(base, [("z", gamma)], [("w", delta)]) {
            predict(&model, &input);
        }
    }
    let rows: Vec<_> = input.rows.iter().take(24).collect();
    let patterns = rows.iter().map(|&&(x, t_x, t, _, _)| {
        let (x, t) = (f64::from(x % 20), f64::from(t % 200));
        let t_x = if x == 0.0 { 0.0 } else { f64::from(t_x) % (t + 1.0) };
        (x, t_x.min(t), t)
    });
    let Ok(purchase) = Covariates::from_columns([("z", rows.iter().map(|r| r.3).collect())]) else {
        return;
    };
    let Ok(dropout) = Covariates::from_columns([("w", rows.iter().map(|r| r.4).collect())]) else {
        return;
    };
    if let Ok(data) = CovariateData::from_rows(patterns, &purchase, &dropout) {
        fit::<BetaGeo>(&data, &input);
        fit::<ParetoNbd>(&data, &input);
    }
});
