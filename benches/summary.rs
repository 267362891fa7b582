//! Building the log and summarising it, on seeded synthetic logs of 10^5,
//! 10^6 and 10^7 purchases (~10 purchases a customer, shuffled, u64 keys;
//! `build_string_keys` with the same keys as strings; `build_from_columns*`
//! from the same purchases as borrowed columns).
//!
//! `summarize_offset` and `summarize_zone` (with `--features tz`) summarise
//! the same purchases in UTC+1 and in Europe/Berlin.
//!
//! `cargo bench --bench summary`; add `-- 1e7` for the largest size alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::{
    AmountColumn, Granularity, Purchase, PurchaseColumns, PurchaseLog, SummaryOptions, TimeColumn,
};
use rust_decimal::Decimal;

mod common;

use common::{sizes, synthetic};

fn bench_summary(c: &mut Criterion) {
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let mut group = c.benchmark_group("summary");
    group.sample_size(10);
    for (n, label) in sizes() {
        let purchases = synthetic(n, 42);
        group.throughput(Throughput::Elements(n as u64));

        group.bench_function(BenchmarkId::new("build", label), |b| {
            b.iter_batched(
                || purchases.clone(),
                |p| {
                    let log = PurchaseLog::new(p).unwrap();
                    assert_eq!(log.len(), n);
                    log
                },
                BatchSize::PerIteration,
            )
        });

        // The same log with string ids ("C-000000042"), as many CRMs export
        // them: keys that own memory take their own grouping path.
        let named: Vec<Purchase<String>> = purchases
            .iter()
            .map(|p| Purchase::new(format!("C-{:09}", p.customer), p.at, p.amount))
            .collect();
        group.bench_function(BenchmarkId::new("build_string_keys", label), |b| {
            b.iter_batched(
                || named.clone(),
                |p| {
                    let log = PurchaseLog::new(p).unwrap();
                    assert_eq!(log.len(), n);
                    log
                },
                BatchSize::PerIteration,
            )
        });

        // The same purchases as borrowed columns (Unix seconds, cents),
        // as a columnar source such as an Arrow batch holds them.
        let customers: Vec<u64> = purchases.iter().map(|p| p.customer).collect();
        let seconds: Vec<i64> = purchases.iter().map(|p| p.at.unix_seconds()).collect();
        let cents: Vec<i64> = purchases
            .iter()
            .map(|p| (p.amount * Decimal::ONE_HUNDRED).trunc().mantissa() as i64)
            .collect();
        let columns = PurchaseColumns::new(
            &customers,
            TimeColumn::UnixSeconds(&seconds),
            AmountColumn::MinorUnits {
                units: &cents,
                scale: 2,
            },
        );
        group.bench_function(BenchmarkId::new("build_from_columns", label), |b| {
            b.iter(|| {
                let log = PurchaseLog::from_columns(black_box(&columns)).unwrap();
                assert_eq!(log.len(), n);
                log
            })
        });
        let names: Vec<&str> = named.iter().map(|p| p.customer.as_str()).collect();
        let columns = PurchaseColumns::new(
            &names,
            TimeColumn::UnixSeconds(&seconds),
            AmountColumn::MinorUnits {
                units: &cents,
                scale: 2,
            },
        );
        group.bench_function(BenchmarkId::new("build_from_columns_string_keys", label), |b| {
            b.iter(|| {
                let log = PurchaseLog::from_columns(black_box(&columns))
                    .unwrap()
                    .into_owned_keys();
                assert_eq!(log.len(), n);
                log
            })
        });
        drop((names, customers, seconds, cents));
        drop(named);

        let log = PurchaseLog::new(purchases.clone()).unwrap();
        for (name, granularity) in [
            ("summarize_day", Granularity::Day),
            ("summarize_week", Granularity::Week),
        ] {
            let opts = SummaryOptions::new(end).granularity(granularity);
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| {
                    let s = log.summarize(black_box(&opts));
                    assert_eq!(s.len(), log.customer_count());
                    s
                })
            });
        }

        // The same purchases in a fixed offset and in a named zone with
        // daylight saving (`--features tz`): the zone's day lookups cost.
        #[cfg(feature = "tz")]
        for (name, calendar) in [
            (
                "summarize_offset",
                repurchase::Calendar::offset(chrono::FixedOffset::east_opt(3600).unwrap()),
            ),
            (
                "summarize_zone",
                repurchase::Calendar::zone(chrono_tz::Europe::Berlin),
            ),
        ] {
            let log = repurchase::LogOptions::default()
                .calendar(calendar)
                .build(purchases.clone())
                .unwrap();
            let opts = SummaryOptions::new(end);
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| {
                    let s = log.summarize(black_box(&opts));
                    assert_eq!(s.len(), log.customer_count());
                    s
                })
            });
        }

        let opts = SummaryOptions::new(end);
        group.bench_function(BenchmarkId::new("build_and_summarize", label), |b| {
            b.iter_batched(
                || purchases.clone(),
                |p| {
                    let log = PurchaseLog::new(p).unwrap();
                    let s = log.summarize(&opts);
                    assert!(!s.is_empty());
                    // Both dropped untimed, as `build` drops its log.
                    (log, s)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_summary);
criterion_main!(benches);
