//! The `arrow` feature: purchase logs built from record batches, and
//! summaries exported as one, on the seeded synthetic logs of the other
//! benches (10^5, 10^6 and 10^7 purchases, sparse `u64` ids; the same ids
//! as `Utf8` codes "C-…" and as UUID-like text), in batches of 65,536
//! rows as readers hand them over.
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

/// How the customer ids are written.
#[derive(Clone, Copy)]
enum Ids {
    /// `UInt64`.
    Integers,
    /// `Utf8` codes "C-" and fifteen digits.
    Codes,
    /// `Utf8` UUID-like text, 36 characters (no prefix shared).
    Uuids,
}

/// The id's text, for the text kinds.
fn id_text(customer: u64, ids: Ids) -> String {
    match ids {
        Ids::Uuids => {
            // Spread the id's bits over 128, as random UUIDs are.
            let a = customer.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let b = (customer ^ 0xD1B5_4A32_D192_ED03).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            let hex = format!("{a:016x}{b:016x}");
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            )
        }
        _ => format!("C-{customer:015}"),
    }
}

/// The purchases as record batches: customer (see [`Ids`]), time
/// (`Timestamp(Second)`), amount (`Decimal128(12, 2)`).
fn batches(purchases: &[Purchase<u64>], ids: Ids) -> Vec<RecordBatch> {
    purchases
        .chunks(BATCH_ROWS)
        .map(|chunk| {
            let customers: ArrayRef = match ids {
                Ids::Integers => Arc::new(UInt64Array::from_iter_values(chunk.iter().map(|p| p.customer))),
                _ => Arc::new(StringArray::from_iter_values(
                    chunk.iter().map(|p| id_text(p.customer, ids)),
                )),
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

        let integer = batches(&purchases, Ids::Integers);
        group.bench_function(BenchmarkId::new("build_from_batches", label), |b| {
            b.iter(|| {
                let log = PurchaseLog::<u64>::from_batches(black_box(&integer), &columns).unwrap();
                assert_eq!(log.len(), n);
                log
            })
        });
        for (name, ids) in [
            ("build_from_batches_string_keys", Ids::Codes),
            ("build_from_batches_uuid_keys", Ids::Uuids),
        ] {
            let strings = batches(&purchases, ids);
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| {
                    let log = PurchaseLog::<String>::from_batches(black_box(&strings), &columns).unwrap();
                    assert_eq!(log.len(), n);
                    log
                })
            });
        }

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
