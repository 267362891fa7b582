//! Prediction intervals from 1,000 parameter draws of a BG/NBD fit, for
//! every customer of seeded logs at the CDNOW estimates
//! (`repurchase::synthetic`) summarised by whole weeks: 10^4, 10^5 and
//! 10^6 customers. The cost grows with distinct `(x, t_x, T)` patterns
//! times draws, so summaries by whole week (48,000 patterns at 10^6
//! customers) cost an eighth of days / 7 (370,000).
//!
//! `cargo bench --bench intervals`; add `-- 1e6` for the largest size
//! alone, and run it under `taskset -c 0` (or without the `parallel`
//! feature) for one core.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::intervals::{IntervalOptions, purchase_intervals};
use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
use repurchase::synthetic::SyntheticLog;
use repurchase::{Granularity, PurchaseLog, SummaryOptions};

fn bench_intervals(c: &mut Criterion) {
    let end = NaiveDate::from_ymd_opt(2025, 12, 29).unwrap();
    let opts = SummaryOptions::new(end).granularity(Granularity::Week);
    let mut group = c.benchmark_group("intervals");
    group.sample_size(10);
    for (customers, label) in [(10_000, "1e4"), (100_000, "1e5"), (1_000_000, "1e6")] {
        let purchases = SyntheticLog::default().customers(customers).purchases().unwrap();
        let summaries = PurchaseLog::new(purchases).unwrap().summarize(&opts);
        let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default()).unwrap();
        group.throughput(Throughput::Elements(summaries.len() as u64));
        let options = IntervalOptions::default();
        group.bench_function(BenchmarkId::new("bgnbd_1000_draws", label), |b| {
            b.iter(|| purchase_intervals(black_box(&fit), black_box(&summaries), 365, &options).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_intervals);
criterion_main!(benches);
