//! Every repurchase metric on seeded synthetic logs of 10^5, 10^6 and 10^7
//! purchases, the same logs as the summary benches.
//!
//! `cargo bench --bench metrics`; add `-- 1e7` for the largest size alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::metrics::{self, HistogramBins};
use repurchase::{Granularity, PurchaseLog, SummaryOptions};

mod common;

use common::{sizes, synthetic, with_products};

fn bench_metrics(c: &mut Criterion) {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let opts = SummaryOptions::new(d(2025, 12, 31));
    let (q1_from, q1_to) = (d(2024, 1, 1), d(2024, 3, 31));
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    for (n, label) in sizes() {
        let purchases = synthetic(n, 42);
        let log = PurchaseLog::new(purchases.clone()).unwrap();
        let customers = log.customer_count();
        group.throughput(Throughput::Elements(n as u64));

        let summaries = log.summarize(&opts);
        group.bench_function(BenchmarkId::new("repurchase_rate", label), |b| {
            b.iter(|| {
                let rate = metrics::repurchase_rate(black_box(&summaries));
                assert_eq!(rate.denominator as usize, customers);
                rate
            })
        });
        group.bench_function(BenchmarkId::new("k_day_repurchase_rate", label), |b| {
            b.iter(|| {
                let r = metrics::k_day_repurchase_rate(&log, black_box(&opts), 90, q1_from, q1_to).unwrap();
                assert!(r.rate.denominator > 0);
                r
            })
        });
        group.bench_function(BenchmarkId::new("returning_customer_rate", label), |b| {
            b.iter(|| {
                let r =
                    metrics::returning_customer_rate(&log, black_box(&opts), d(2024, 6, 1), d(2024, 6, 30))
                        .unwrap();
                assert!(r.denominator > 0);
                r
            })
        });
        group.bench_function(BenchmarkId::new("time_to_second_purchase", label), |b| {
            b.iter(|| {
                let s = metrics::time_to_second_purchase(&log, black_box(&opts));
                assert!(s.days.count > 0);
                s
            })
        });
        let bins = HistogramBins::default();
        group.bench_function(BenchmarkId::new("purchase_cycle", label), |b| {
            b.iter(|| {
                let cycle = metrics::purchase_cycle(&log, black_box(&opts), &bins);
                assert_eq!(cycle.customers.len(), customers);
                cycle
            })
        });
        group.bench_function(BenchmarkId::new("next_purchase", label), |b| {
            b.iter(|| {
                let next = metrics::next_purchase(&log, black_box(&opts), &Default::default());
                assert_eq!(next.len(), customers);
                next
            })
        });
        group.bench_function(BenchmarkId::new("spend", label), |b| {
            b.iter(|| {
                let s = metrics::spend(&log, black_box(&opts), d(2024, 1, 1), d(2025, 12, 31)).unwrap();
                assert_eq!(s.orders as usize, n);
                s
            })
        });
        group.bench_function(BenchmarkId::new("customer_activity", label), |b| {
            b.iter(|| {
                let a = metrics::customer_activity(&log, black_box(&opts), q1_from, q1_to).unwrap();
                assert!(!a.is_empty());
                a
            })
        });
        group.bench_function(BenchmarkId::new("spend_by_month", label), |b| {
            b.iter(|| {
                let months = metrics::spend_by_period(&log, black_box(&opts), Granularity::Month).unwrap();
                assert_eq!(months.len(), 24);
                months
            })
        });
        group.bench_function(BenchmarkId::new("churn_by_month", label), |b| {
            b.iter(|| {
                let churn = metrics::churn_rate(&log, black_box(&opts), Granularity::Month).unwrap();
                assert_eq!(churn.len(), 23);
                churn
            })
        });
        group.bench_function(BenchmarkId::new("cohort_retention_month", label), |b| {
            b.iter(|| {
                let table = metrics::cohort_retention(&log, black_box(&opts), Granularity::Month).unwrap();
                assert_eq!(
                    table.cohorts.iter().map(|c| c.customers as usize).sum::<usize>(),
                    customers
                );
                table
            })
        });
        drop(log);

        let with_products = PurchaseLog::new(with_products(purchases, 1_000, 7)).unwrap();
        group.bench_function(BenchmarkId::new("product_repurchase", label), |b| {
            b.iter(|| {
                let products = metrics::product_repurchase(&with_products, black_box(&opts));
                assert_eq!(products.len(), 1_000);
                products
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_metrics);
criterion_main!(benches);
