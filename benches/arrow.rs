//! The `arrow` feature: purchase logs built from record batches, and
//! summaries exported as one, on the seeded synthetic logs of the other
//! benches (10^5, 10^6 and 10^7 purchases, sparse `u64` ids; the same ids
//! as `Utf8` strings), in batches of 65,536 rows as readers hand them over.
//!
//! `cargo bench --features arrow --bench arrow`; add `-- 1e7` for the
//! largest size alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampSecondArray, UInt64Array};
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::arrow::{BatchColumns, summaries_to_batch};
use repurchase::{Purchase, PurchaseLog, SummaryOptions};

mod common;

use common::{sizes, synthetic};

const BATCH_ROWS: usize = 65_536;

/// The purchases as record batches: customer (`UInt64`, or `Utf8` ids
/// "C-…"), time (`Timestamp(Second)`), amount (`Decimal128(12, 2)`).
fn batches(purchases: &[Purchase<u64>], string_keys: bool) -> Vec<RecordBatch> {
    purchases
        .chunks(BATCH_ROWS)
        .map(|chunk| {
            let customers: ArrayRef = if string_keys {
                Arc::new(StringArray::from_iter_values(
                    chunk.iter().map(|p| format!("C-{:015}", p.customer)),
                ))
            } else {
                Arc::new(UInt64Array::from_iter_values(chunk.iter().map(|p| p.customer)))
            };
            let times = TimestampSecondArray::from_iter_values(chunk.iter().map(|p| p.at.unix_seconds()));
            let amounts = Decimal128Array::from_iter_values(chunk.iter().map(|p| p.amount.mantissa()))
                .with_precision_and_scale(12, 2)
                .unwrap();
            RecordBatch::try_from_iter([
                ("customer", customers),
                ("at", Arc::new(times) as ArrayRef),
                ("amount", Arc::new(amounts) as ArrayRef),
            ])
            .unwrap()
        })
        .collect()
}

fn bench_arrow(c: &mut Criterion) {
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let columns = BatchColumns::new("customer", "at", "amount");
    let mut group = c.benchmark_group("arrow");
    group.sample_size(10);
    for (n, label) in sizes() {
        let purchases = synthetic(n, 42);
        assert!(purchases.iter().all(|p| p.amount.scale() == 2));
        group.throughput(Throughput::Elements(n as u64));

        let integer = batches(&purchases, false);
        group.bench_function(BenchmarkId::new("build_from_batches", label), |b| {
            b.iter(|| {
                let log = PurchaseLog::<u64>::from_batches(black_box(&integer), &columns).unwrap();
                assert_eq!(log.len(), n);
                log
            })
        });
        let strings = batches(&purchases, true);
        group.bench_function(BenchmarkId::new("build_from_batches_string_keys", label), |b| {
            b.iter(|| {
                let log = PurchaseLog::<String>::from_batches(black_box(&strings), &columns).unwrap();
                assert_eq!(log.len(), n);
                log
            })
        });
        drop(strings);

        let log = PurchaseLog::<u64>::from_batches(&integer, &columns).unwrap();
        let summaries = log.summarize(&SummaryOptions::new(end));
        group.throughput(Throughput::Elements(summaries.len() as u64));
        group.bench_function(BenchmarkId::new("summaries_to_batch", label), |b| {
            b.iter(|| {
                let batch = summaries_to_batch(black_box(&summaries.customers)).unwrap();
                assert_eq!(batch.num_rows(), summaries.len());
                batch
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_arrow);
criterion_main!(benches);
