//! Campaign triggers for every customer on one date, on seeded synthetic
//! logs of 10^5, 10^6 and 10^7 purchases (labelled by their 10^4, 10^5 and
//! 10^6 customers, each with a profile and a birthday).
//!
//! `cargo bench --bench campaigns`; add `-- 1e6` for the largest size alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::triggers::{TriggerKind, TriggerRule, fire};
use repurchase::{Customer, PurchaseLog};

mod common;

fn bench_triggers(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let rules = [
        TriggerRule::new("care", TriggerKind::AfterFirstPurchase { days: 7 }, 0),
        TriggerRule::new("wake-up", TriggerKind::Silent { days: 30 }, 30),
        TriggerRule::new("refill", TriggerKind::ReplenishmentDue { days_before: 3 }, 14),
        TriggerRule::new("birthday", TriggerKind::Birthday, 300),
    ];
    let mut group = c.benchmark_group("triggers");
    group.sample_size(10);
    for (purchases, label) in [(100_000, "1e4"), (1_000_000, "1e5"), (10_000_000, "1e6")] {
        let log = PurchaseLog::new(common::synthetic(purchases, 11)).unwrap();
        let first = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let profiles: Vec<Customer<u64>> = log
            .keys()
            .iter()
            .map(|k| Customer::new(*k).birthday(first + Days::new(k % 365)))
            .collect();
        group.throughput(Throughput::Elements(log.customer_count() as u64));
        group.bench_function(BenchmarkId::new("all_rules_one_day", label), |b| {
            b.iter(|| {
                let sends = fire(black_box(&log), &profiles, &rules, today, &[]).unwrap();
                assert!(!sends.is_empty());
                sends
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_triggers);
criterion_main!(benches);
