//! CLV and churn scores with arbitrary options and horizons on summaries
//! of arbitrary logs: finite values, probabilities, or typed errors, in
//! bounded time.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{LogInput, SummaryInput, finite, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::churn::{self, RiskBands};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::models::{BetaGeo, GammaGamma, ParetoNbd};

#[derive(Arbitrary, Debug)]
struct Input {
    log: LogInput,
    summary: SummaryInput,
    params: [f64; 4],
    spend: [f64; 3],
    months: u32,
    discount: f64,
    days_per_month: f64,
    horizon_days: u32,
    bands: (f64, f64),
}

fuzz_target!(|input: Input| {
    let (log, _) = input.log.log();
    let summaries = log.summarize(&input.summary.options());
    let [a, b, c, d] = input.params;
    let [p, q, v] = input.spend;
    let (Ok(bg), Ok(pareto), Ok(gg)) = (
        BetaGeo::new(a, b, c, d),
        ParetoNbd::new(a, b, c, d),
        GammaGamma::new(p, q, v),
    ) else {
        return;
    };
    // Horizons beyond the documented bound (1,200 months) are refused at
    // once; within it the work is months × distinct patterns, so most runs
    // take a few months to keep the fuzzer's pace.
    let months = if input.months > u32::MAX - 4_096 {
        input.months
    } else {
        input.months % 60
    };
    let options = ClvOptions::new()
        .months(months)
        .discount_rate(input.discount)
        .days_per_month(input.days_per_month);
    for values in [
        customer_lifetime_values(&bg, &gg, &summaries, &options),
        customer_lifetime_values(&pareto, &gg, &summaries, &options),
    ]
    .into_iter()
    .flatten()
    {
        for v in values {
            finite(v.clv, "CLV");
        }
    }
    let bands = RiskBands::new(input.bands.0, input.bands.1).unwrap_or_default();
    if let Ok(scores) = churn::scores(&bg, &summaries, input.horizon_days, &bands) {
        for s in scores {
            probability(s.p_churn, "P(churn)");
        }
    }
});
