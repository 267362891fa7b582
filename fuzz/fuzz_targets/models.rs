//! Every model from arbitrary parameters, every prediction at arbitrary
//! patterns and horizons, and fits of arbitrary small data: each result is
//! finite (probabilities in [0, 1]) or a typed error.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{finite, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::intervals::{IntervalOptions, parameter_draws};
use repurchase::models::{
    BetaGeo, BetaGeoBetaBinom, FitOptions, FrequencyData, FuturePurchases, GammaGamma, ModifiedBetaGeo,
    ParetoNbd, PurchaseModel, SpendData,
};

#[derive(Arbitrary, Debug)]
struct Input {
    params: [f64; 4],
    /// x, t_x, T, horizon.
    pattern: [f64; 4],
    count: u16,
    opportunities: u16,
    rows: Vec<(u8, u16, u16, u8)>,
}

fn predictions<M: FuturePurchases>(model: &M, [x, t_x, big_t, h]: [f64; 4], count: u16) {
    if let Ok(p) = model.p_alive(x, t_x, big_t) {
        probability(p, "P(alive)");
    }
    if let Ok(p) = model.p_purchase_if_alive(x, big_t, h) {
        probability(p, "P(a purchase | alive)");
    }
    let mut out = [0.0; 2];
    if model.p_alive_by_recency(x, big_t, &[t_x, 0.0], &mut out).is_ok() {
        out.iter().for_each(|p| probability(*p, "P(alive) by recency"));
    }
    // Drawn purchases end, whatever the parameters (a fixed stream).
    if x.is_finite() && x >= 0.0 && big_t.is_finite() && big_t >= 0.0 && h.is_finite() && h > 0.0 {
        let mut state = u64::from(count);
        let mut uniform = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 + 0.5) / (1_u64 << 53) as f64
        };
        let _ = model.purchases_if_alive(x, big_t, h, &mut uniform);
    }
    if let Ok(p) = model.p_no_purchase(x, t_x, big_t, h) {
        probability(p, "P(no purchase)");
    }
    for e in [
        model.expected_purchases(h),
        model.conditional_expected_purchases(x, t_x, big_t, h),
        model.expected_purchases_if_alive(x, big_t, h),
    ]
    .into_iter()
    .flatten()
    {
        finite(e, "expected purchases");
        assert!(e >= 0.0, "expected purchases {e}");
    }
    let _ = count;
}

fuzz_target!(|input: Input| {
    let [a, b, c, d] = input.params;
    let pattern = input.pattern;
    if let Ok(m) = BetaGeo::new(a, b, c, d) {
        predictions(&m, pattern, input.count);
        if let Ok(p) = m.purchase_count_probability(u32::from(input.count), pattern[3]) {
            probability(p, "P(X = x)");
        }
    }
    if let Ok(m) = ModifiedBetaGeo::new(a, b, c, d) {
        predictions(&m, pattern, input.count);
        if let Ok(p) = m.purchase_count_probability(u32::from(input.count), pattern[3]) {
            probability(p, "P(X = x)");
        }
    }
    if let Ok(m) = ParetoNbd::new(a, b, c, d) {
        predictions(&m, pattern, input.count);
    }
    if let Ok(m) = BetaGeoBetaBinom::new(a, b, c, d) {
        let [x, t_x, n, _] = pattern;
        let m_future = u32::from(input.opportunities);
        for p in [
            m.p_alive(x, t_x, n, m_future),
            m.p_no_purchase(x, t_x, n, m_future),
        ]
        .into_iter()
        .flatten()
        {
            probability(p, "BG/BB probability");
        }
        if let Ok(e) = m.conditional_expected_purchases(x, t_x, n, m_future) {
            finite(e, "BG/BB expected purchases");
        }
        if let Ok(p) = m.purchase_count_probability(u32::from(input.count), u32::from(input.opportunities)) {
            probability(p, "BG/BB P(X = x)");
        }
        if let Ok(e) = m.expected_purchases(u32::from(input.opportunities)) {
            finite(e, "BG/BB E[X(n)]");
        }
    }
    if let Ok(g) = GammaGamma::new(a, b, c) {
        if let Ok(e) = g.conditional_expected_spend(pattern[0], pattern[1]) {
            finite(e, "expected spend");
        }
    }
    // Fits of small arbitrary data: an estimate or a typed error.
    let rows = input.rows.iter().take(24).map(|&(x, t_x, t, w)| {
        let (x, t) = (f64::from(x % 20), f64::from(t % 200));
        let t_x = if x == 0.0 { 0.0 } else { f64::from(t_x) % (t + 1.0) };
        (x, t_x.min(t), t, f64::from(w) + 1.0)
    });
    if let Ok(data) = FrequencyData::from_rows(rows) {
        let options = FitOptions::default();
        if let Ok(fit) = BetaGeo::fit(&data, &options) {
            finite(fit.report.log_likelihood, "log-likelihood");
            // Draws from whatever covariance the fit ended with: models,
            // or a typed error.
            if let Ok(draws) = parameter_draws(&fit, &IntervalOptions::default().draws(10)) {
                for m in draws {
                    m.params().iter().for_each(|p| finite(*p, "drawn parameter"));
                }
            }
        }
        if let Ok(fit) = ParetoNbd::fit(&data, &options) {
            finite(fit.report.log_likelihood, "log-likelihood");
        }
    }
    let spend = input
        .rows
        .iter()
        .take(24)
        .map(|&(x, m, _, w)| (f64::from(x % 20) + 1.0, f64::from(m) + 0.5, f64::from(w) + 1.0));
    if let Ok(data) = SpendData::from_rows(spend) {
        if let Ok(fit) = GammaGamma::fit(&data, &FitOptions::default()) {
            finite(fit.report.log_likelihood, "Gamma-Gamma log-likelihood");
        }
    }
});
