//! RFM scoring and segmenting, and lifecycle stages, for every customer of
//! seeded synthetic logs: 10^5, 10^6 and 10^7 purchases (labelled by their
//! 10^4, 10^5 and 10^6 customers).
//!
//! `cargo bench --bench segmentation`; add `-- 1e6` for the largest size
//! alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::lifecycle::{self, LifecycleOptions};
use repurchase::rfm::{self, Binning, RfmOptions, SegmentTable};
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};

mod common;

fn bench_segmentation(c: &mut Criterion) {
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    for (purchases, label) in [(100_000, "1e4"), (1_000_000, "1e5"), (10_000_000, "1e6")] {
        let log = PurchaseLog::new(common::synthetic(purchases, 7)).unwrap();
        let summaries = log.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
        let mut group = c.benchmark_group("lifecycle");
        group.sample_size(10);
        group.throughput(Throughput::Elements(log.customer_count() as u64));
        let config = LifecycleOptions::default();
        group.bench_function(BenchmarkId::new("stages_from_the_log", label), |b| {
            b.iter(|| {
                let stages = lifecycle::stages(black_box(&log), end, &config, &[], |_| None).unwrap();
                assert_eq!(stages.len(), summaries.len());
                stages
            })
        });
        group.finish();
        drop(log);
        let mut group = c.benchmark_group("rfm");
        group.sample_size(10);
        let customers = summaries.len();
        group.throughput(Throughput::Elements(customers as u64));
        let table = SegmentTable::r_rfm();
        group.bench_function(BenchmarkId::new("quintiles_and_segments", label), |b| {
            b.iter(|| {
                let scores = rfm::score(black_box(&summaries), &RfmOptions::default()).unwrap();
                let segments = table.assign(&scores);
                assert_eq!(segments.len(), customers);
                (scores, segments)
            })
        });
        let ntile = RfmOptions::default().binning(Binning::Ntile);
        group.bench_function(BenchmarkId::new("ntile", label), |b| {
            b.iter(|| {
                let scores = rfm::score(black_box(&summaries), &ntile).unwrap();
                assert_eq!(scores.breaks[0].scores_used, 5);
                scores
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_segmentation);
criterion_main!(benches);
