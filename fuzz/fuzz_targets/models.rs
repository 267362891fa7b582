//! Every model from arbitrary parameters, every prediction at arbitrary
//! patterns and horizons, and fits of arbitrary small data: each result is
//! finite (probabilities in [0, 1]) or a typed error.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{finite, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::models::{
    BetaGeo, BetaGeoBetaBinom, FitOptions, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd,
    PurchaseModel, SpendData,
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

fn predictions<M: PurchaseModel>(model: &M, [x, t_x, big_t, h]: [f64; 4], count: u16) {
    if let Ok(p) = model.p_alive(x, t_x, big_t) {
        probability(p, "P(alive)");
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
        for ll in [
            BetaGeo::fit(&data, &options).map(|f| f.report.log_likelihood),
            ParetoNbd::fit(&data, &options).map(|f| f.report.log_likelihood),
        ]
        .into_iter()
        .flatten()
        {
            finite(ll, "log-likelihood");
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
