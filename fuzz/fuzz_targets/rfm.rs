//! RFM scores with arbitrary configurations: every score in 1..=bins (or
//! thresholds + 1), every value finite, every segment rule set assignable.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{LogInput, SummaryInput, finite};
use libfuzzer_sys::fuzz_target;
use repurchase::rfm::{self, Binning, RfmOptions, SegmentTable};

#[derive(Arbitrary, Debug)]
struct Input {
    log: LogInput,
    summary: SummaryInput,
    bins: u8,
    binning: [u8; 3],
    thresholds: Vec<f64>,
}

fuzz_target!(|input: Input| {
    let (log, _) = input.log.log();
    let summaries = log.summarize(&input.summary.options());
    let binning = |k: u8| match k % 3 {
        0 => Binning::Quantile,
        1 => Binning::Ntile,
        _ => Binning::Thresholds(input.thresholds.clone()),
    };
    let Ok(config) = RfmOptions::default().bins(input.bins) else {
        return;
    };
    let config = config
        .recency_binning(binning(input.binning[0]))
        .frequency_binning(binning(input.binning[1]))
        .monetary_binning(binning(input.binning[2]));
    let Ok(scores) = rfm::score(&summaries, &config) else {
        return;
    };
    let top = input
        .bins
        .max(u8::try_from(input.thresholds.len() + 1).unwrap_or(u8::MAX));
    for s in &scores.customers {
        for v in [s.r, s.f, s.m] {
            assert!((1..=top).contains(&v), "{s:?}");
        }
        finite(s.days_since_last, "days since last");
        finite(s.frequency, "frequency");
        finite(s.monetary, "monetary");
    }
    for table in [SegmentTable::r_rfm(), SegmentTable::three_tier()] {
        assert_eq!(table.assign(&scores).len(), scores.customers.len());
        assert!(table.summarize(&summaries, &scores).is_ok());
    }
});
