//! Logs from arbitrary records and options (strict and lenient, every
//! record accounted for), then summaries, the calibration split and every
//! metric with arbitrary options: no panic, hang or unbounded allocation,
//! and the summaries' invariants hold.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{LogInput, SummaryInput, finite, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::chrono::Days;
use repurchase::metrics::{self, HistogramBins, NextPurchaseOptions};
use repurchase::{Granularity, SummaryAccumulator};

#[derive(Arbitrary, Debug)]
struct Input {
    log: LogInput,
    summary: SummaryInput,
    back_days: u16,
    k: u32,
    edges: Vec<u32>,
    shrinkage: f64,
    period: u8,
}

fuzz_target!(|input: Input| {
    let (log, _) = input.log.log();
    let options = input.summary.options();
    let summaries = log.summarize(&options);
    for s in summaries.iter() {
        finite(s.recency, "recency");
        finite(s.t, "T");
        assert!(0.0 <= s.recency && s.recency <= s.t, "{s:?}");
    }
    // The accumulator of the same log summarises alike, exactly while sums
    // are exact: amounts of up to 13 decimals (see `money.rs`).
    let acc = SummaryAccumulator::from_log(&log).summarize(&options).unwrap();
    let exact = input.log.purchases().iter().all(|p| p.amount.scale() <= 13);
    if exact {
        assert_eq!(acc.customers, summaries.customers);
    } else {
        assert_eq!(acc.len(), summaries.len());
    }
    probability(
        metrics::repurchase_rate(&summaries).rate.unwrap_or(0.0),
        "repurchase rate",
    );

    let end = options.observation_end();
    let from = end
        .checked_sub_days(Days::new(input.back_days.into()))
        .unwrap_or(end);
    let _ = log.calibration_holdout(from, &options);
    let _ = metrics::spend(&log, &options, from, end);
    let _ = metrics::customer_activity(&log, &options, from, end);
    let _ = metrics::returning_customer_rate(&log, &options, from, end);
    let _ = metrics::k_day_repurchase_rate(&log, &options, input.k, from, end);
    let period = [Granularity::Day, Granularity::Week, Granularity::Month][usize::from(input.period % 3)];
    let _ = metrics::spend_by_period(&log, &options, period);
    let _ = metrics::cohort_retention(&log, &options, period);
    let _ = metrics::churn_rate(&log, &options, period);
    let _ = metrics::time_to_second_purchase(&log, &options);
    let _ = metrics::product_repurchase(&log, &options);
    if let Ok(bins) = HistogramBins::new(input.edges.clone()) {
        let _ = metrics::purchase_cycle(&log, &options, &bins);
    }
    if let Ok(next) = NextPurchaseOptions::default().shrinkage(input.shrinkage) {
        for n in metrics::next_purchase(&log, &options, &next) {
            n.typical_interval
                .into_iter()
                .for_each(|t| finite(t, "typical interval"));
        }
    }
});
