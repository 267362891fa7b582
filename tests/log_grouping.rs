//! Logs large enough to be grouped in many key-range buckets (more than
//! 16,384 lines), checked line by line against a naive reference built with
//! a `BTreeMap`: keys sorted, each customer's lines in time order with their
//! amounts, input positions, products and channels, orders merged or
//! rejected exactly as the rules say.
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeMap;
use std::fmt::Debug;

use proptest::prelude::*;
use repurchase::{Error, LogOptions, OrderLines, Purchase, PurchaseLog, Timestamp};
use rust_decimal::Decimal;
use support::Rng;

/// What the log should hold for one line (`head`, its order's first input
/// position, only orders the lines).
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    seconds: i64,
    head: usize,
    index: usize,
    amount: Decimal,
    product: Option<String>,
    channel: Option<String>,
}

/// The reference: rejections by index (order rules only: the records are
/// otherwise valid), merged count, and each customer's lines in the log's
/// order.
fn reference<C: Clone + Ord>(
    records: &[Purchase<C>],
    policy: OrderLines,
) -> (Vec<usize>, usize, BTreeMap<C, Vec<Expected>>) {
    // order id → (first index, customer, earliest accepted time)
    let mut orders: BTreeMap<String, (usize, C, i64)> = BTreeMap::new();
    let mut rejected = Vec::new();
    let mut merged = 0;
    let mut kept = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let seconds = record.at.unix_seconds();
        if let Some(id) = &record.order_id {
            if let Some((_, customer, earliest)) = orders.get_mut(id) {
                if *customer != record.customer || policy == OrderLines::Reject {
                    rejected.push(index);
                    continue;
                }
                *earliest = (*earliest).min(seconds);
                merged += 1;
            } else {
                orders.insert(id.clone(), (index, record.customer.clone(), seconds));
            }
        }
        kept.push(index);
    }
    let mut customers: BTreeMap<C, Vec<Expected>> = BTreeMap::new();
    for index in kept {
        let record = &records[index];
        let (seconds, head) = match &record.order_id {
            Some(id) => (orders[id].2, orders[id].0),
            None => (record.at.unix_seconds(), index),
        };
        customers
            .entry(record.customer.clone())
            .or_default()
            .push(Expected {
                seconds,
                head,
                index,
                amount: record.amount,
                product: record.product.clone(),
                channel: record.channel.clone(),
            });
    }
    for lines in customers.values_mut() {
        lines.sort_by_key(|l| (l.seconds, l.head, l.index));
    }
    (rejected, merged, customers)
}

fn check<C: repurchase::CustomerKey + Debug>(records: Vec<Purchase<C>>, policy: OrderLines) {
    check_with(records, LogOptions::default().order_lines(policy));
}

fn check_with<C: repurchase::CustomerKey + Debug>(records: Vec<Purchase<C>>, options: LogOptions) {
    let (rejected, merged, customers) = reference(&records, options.get_order_lines());
    let input = records.len();
    let (log, rejections) = options.build_lenient(records);
    assert_eq!(rejections.iter().map(|r| r.index).collect::<Vec<_>>(), rejected);
    for r in &rejections {
        assert!(matches!(
            r.reason,
            Error::OrderCustomerMismatch { .. } | Error::DuplicateOrder { .. }
        ));
    }
    let stats = log.stats();
    assert_eq!(
        (stats.input, stats.rejected, stats.merged),
        (input, rejected.len(), merged)
    );
    assert_eq!(stats.accepted + stats.merged + stats.rejected, stats.input);
    assert_eq!(log.keys(), customers.keys().cloned().collect::<Vec<_>>());
    assert_eq!(log.len(), input - rejected.len());
    for (purchases, (key, lines)) in log.customers().zip(&customers) {
        assert_eq!(purchases.key(), key);
        let got: Vec<_> = purchases
            .timestamps()
            .zip(purchases.amounts())
            .zip(purchases.input_indexes())
            .zip(purchases.products().zip(purchases.channels()))
            .map(|(((at, amount), index), (product, channel))| {
                (
                    at.unix_seconds(),
                    index,
                    amount,
                    product.map(str::to_string),
                    channel.map(str::to_string),
                )
            })
            .collect();
        let want: Vec<_> = lines
            .iter()
            .map(|l| (l.seconds, l.index, l.amount, l.product.clone(), l.channel.clone()))
            .collect();
        assert_eq!(got, want, "customer {key:?}");
    }
}

/// `n` records of customers drawn from `keys` distinct keys (some much more
/// often than others), a third with order ids shared by up to three lines,
/// some of another customer's, and products and channels on some.
fn records(n: usize, keys: u64, seed: u64) -> Vec<Purchase<u64>> {
    let mut rng = Rng::new(seed);
    let start = 1_700_000_000_i64;
    let mut out: Vec<Purchase<u64>> = Vec::with_capacity(n);
    for i in 0..n {
        let u = rng.uniform();
        // Skewed: the low keys are popular.
        let customer = ((u * u * keys as f64) as u64).min(keys - 1) * 7_919;
        let at = Timestamp::from_unix_seconds(start + (rng.uniform() * 3e7) as i64).unwrap();
        let amount = Decimal::new((rng.uniform() * 40_000.0) as i64 - 5_000, 2);
        let mut p = Purchase::new(customer, at, amount);
        let v = rng.uniform();
        if v < 0.3 {
            // An order id of this line or one of the previous two records.
            let back = (rng.uniform() * 3.0) as usize;
            p = p.order_id(format!("o{}", i.saturating_sub(back)));
        }
        if v > 0.8 {
            p = p.product(format!("sku{}", (rng.uniform() * 50.0) as u32));
        }
        if v > 0.9 {
            p = p.channel(if rng.uniform() < 0.5 { "web" } else { "store" });
        }
        out.push(p);
    }
    out
}

#[test]
fn large_logs_equal_the_reference_under_both_order_policies() {
    for (n, keys, seed) in [
        (40_000, 5_000, 1),
        (100_000, 60_000, 2),
        (30_000, 3, 3),
        (20_000, 1, 4),
    ] {
        for policy in [OrderLines::Merge, OrderLines::Reject] {
            check(records(n, keys, seed), policy);
        }
    }
}

#[test]
fn tied_and_far_apart_times_are_ordered() {
    // Whole days tie often: tied orders keep their first lines' input
    // order, and each order's lines stay together (few customers: many
    // orders of several lines).
    let on_day = |at: Timestamp| {
        Timestamp::from_unix_seconds(at.unix_seconds() / 86_400 % 3 * 86_400 + 1_700_000_000).unwrap()
    };
    let mut few = records(40_000, 3, 10);
    for r in &mut few {
        r.at = on_day(r.at);
    }
    check(few, OrderLines::Merge);
    let mut records = records(60_000, 6_000, 9);
    for r in &mut records {
        r.at = on_day(r.at);
    }
    check(records.clone(), OrderLines::Merge);
    // Without order ids, a bucket's times are sorted as packed integers.
    for (i, r) in records.iter_mut().enumerate() {
        r.order_id = None;
        // A few far in the future: more than 2^32 seconds apart, which
        // packed times cannot hold.
        if i % 1_000 == 7 {
            r.at = Timestamp::from_unix_seconds(r.at.unix_seconds() + (1 << 33)).unwrap();
        }
    }
    let far = LogOptions::default()
        .valid_range(
            Timestamp::from_unix_seconds(0).unwrap(),
            Timestamp::from_unix_seconds(1 << 40).unwrap(),
        )
        .unwrap();
    check_with(records.clone(), far);
    for r in &mut records {
        if r.at.unix_seconds() > 1 << 33 {
            r.at = Timestamp::from_unix_seconds(r.at.unix_seconds() - (1 << 33)).unwrap();
        }
    }
    check(records, OrderLines::Merge);
}

/// The records with each key `k` replaced by `key(k)`.
fn rekeyed<K>(records: Vec<Purchase<u64>>, key: impl Fn(u64) -> K) -> Vec<Purchase<K>> {
    records
        .into_iter()
        .map(|p| {
            let mut q = Purchase::new(key(p.customer), p.at, p.amount);
            q.order_id = p.order_id;
            q.product = p.product;
            q.channel = p.channel;
            q
        })
        .collect()
}

#[test]
fn string_keys_group_like_numbers() {
    check(
        rekeyed(records(50_000, 9_000, 5), |k| format!("customer-{k}")),
        OrderLines::Merge,
    );
}

#[test]
fn wide_keys_group_like_numbers() {
    // 40-byte keys without drop glue: grouped by the scatter pass, whose
    // room beside the lines no longer fits in the records' allocation.
    check(
        rekeyed(records(60_000, 7_000, 7), |k| [k % 3, 0, k, 1, k / 5]),
        OrderLines::Merge,
    );
}

#[test]
fn integer_keys_group_like_any_keys_dense_or_sparse() {
    // `records` spaces its keys 7,919 apart: sparse, interned. Divided back,
    // they are dense: counted by key. Signed, narrow and clustered keys
    // with outliers at both ends take the integer paths too.
    let dense = || records(60_000, 9_000, 8);
    check(rekeyed(dense(), |k| k / 7_919), OrderLines::Merge);
    check(rekeyed(dense(), |k| k as i64 / 7_919 - 4_000), OrderLines::Merge);
    check(rekeyed(dense(), |k| (k / 7_919) as u32), OrderLines::Merge);
    check(rekeyed(dense(), |k| k as i32 - 30_000_000), OrderLines::Merge);
    let clustered = |k: u64| match (k / 7_919) % 1_000 {
        0 => i64::MIN + (k / 7_919) as i64,
        1 => i64::MAX - (k / 7_919) as i64,
        _ => (k / 7_919) as i64,
    };
    check(rekeyed(dense(), clustered), OrderLines::Merge);
    check(rekeyed(dense(), |k| u64::MAX - k / 7_919), OrderLines::Reject);
}

#[test]
fn strict_building_reports_the_first_order_error_in_a_large_log() {
    let mut records = records(30_000, 2_000, 6);
    // Only order ids private to one customer, then one shared in the middle.
    for (i, r) in records.iter_mut().enumerate() {
        r.order_id = Some(format!("own{i}"));
    }
    let other = records[20_000].customer + 1;
    records[20_001].customer = other;
    records[20_001].order_id = Some("own20000".into());
    let error = PurchaseLog::new(records).unwrap_err();
    assert!(matches!(
        error,
        Error::OrderCustomerMismatch {
            index: 20_001,
            first_index: 20_000,
            ..
        }
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn shuffled_large_logs_equal_the_reference(
        n in 17_000_usize..40_000,
        keys in 1_u64..20_000,
        seed in any::<u64>(),
    ) {
        check(records(n, keys, seed), OrderLines::Merge);
    }
}

/// A key type of the caller's: opaque, or a newtype around an integer that
/// asks to be grouped as one. Both group as the reference does.
#[test]
fn callers_key_types_group_like_any_keys() {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    struct AccountId(i64);
    impl repurchase::CustomerKey for AccountId {
        const SHAPE: repurchase::KeyShape = repurchase::KeyShape::Integer;
    }
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    struct Email(String);
    impl repurchase::CustomerKey for Email {}

    let dense = || records(60_000, 9_000, 8);
    check(
        rekeyed(dense(), |k| AccountId(k as i64 / 7_919 - 4_000)),
        OrderLines::Merge,
    );
    check(rekeyed(dense(), |k| AccountId(k as i64 * 3)), OrderLines::Merge);
    check(
        rekeyed(dense(), |k| Email(format!("{k}@example.com"))),
        OrderLines::Merge,
    );
}
