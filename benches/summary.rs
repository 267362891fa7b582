//! Building the log and summarising it, on seeded synthetic logs of 10^5,
//! 10^6 and 10^7 purchases (~10 purchases a customer, shuffled, u64 keys).
//!
//! `cargo bench --bench summary`; add `-- 1e7` for the largest size alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::{Granularity, Purchase, PurchaseLog, SummaryOptions, Timestamp};
use rust_decimal::Decimal;

/// SplitMix64: a tiny seeded generator, enough for bench data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` purchases over two years from 2024-01-01: customers with 1 to 19
/// purchases (10 on average) at random seconds, amounts 1.00 to 200.00,
/// shuffled.
fn synthetic(n: usize, seed: u64) -> Vec<Purchase<u64>> {
    let mut rng = SplitMix(seed);
    let start = Timestamp::from(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unix_seconds();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let key = rng.next() >> 16; // sparse keys, as real ids are
        let first = rng.below(365 * 86_400) as i64;
        for _ in 0..(1 + rng.below(19)).min((n - out.len()) as u64) {
            let at = start + first + rng.below(365 * 86_400) as i64;
            let amount = Decimal::new(100 + rng.below(19_900) as i64, 2);
            out.push(Purchase::new(
                key,
                Timestamp::from_unix_seconds(at).unwrap(),
                amount,
            ));
        }
    }
    for i in (1..out.len()).rev() {
        out.swap(i, rng.below(i as u64 + 1) as usize);
    }
    out
}

fn sizes() -> [(usize, &'static str); 3] {
    [(100_000, "1e5"), (1_000_000, "1e6"), (10_000_000, "1e7")]
}

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

        let opts = SummaryOptions::new(end);
        group.bench_function(BenchmarkId::new("build_and_summarize", label), |b| {
            b.iter_batched(
                || purchases.clone(),
                |p| {
                    let s = PurchaseLog::new(p).unwrap().summarize(&opts);
                    assert!(!s.is_empty());
                    s
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_summary);
criterion_main!(benches);
