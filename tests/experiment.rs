//! A/B comparison of repurchase against Newcombe's published example and
//! the formulas computed independently (tests/data/make_experiment_reference.py).

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use repurchase::experiment::{ExperimentOptions, Warning, compare};
use repurchase::{Error, Purchase, PurchaseLog};
use rust_decimal::Decimal;

fn on(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, day).unwrap()
}

/// Newcombe's 56/70 against 48/80: treatment customers 0..70 (the first
/// 56 buy 10 + i mod 7 in May), control 1000..1080 (the first 48 buy
/// 12 + i mod 5). Everyone also bought in April, outside the window.
fn newcombe() -> (PurchaseLog<u64>, Vec<u64>, Vec<u64>) {
    let mut purchases = Vec::new();
    let april = NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
    for i in 0..70_u64 {
        purchases.push(Purchase::new(i, april, Decimal::ONE));
        if i < 56 {
            purchases.push(Purchase::new(i, on(10), Decimal::from(10 + i % 7)));
        }
    }
    for i in 0..80_u64 {
        purchases.push(Purchase::new(1000 + i, april, Decimal::ONE));
        if i < 48 {
            purchases.push(Purchase::new(1000 + i, on(20), Decimal::from(12 + i % 5)));
        }
    }
    (
        PurchaseLog::new(purchases).unwrap(),
        (0..70).collect(),
        (1000..1080).collect(),
    )
}

fn close(ours: f64, want: f64) {
    assert!(
        (ours - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{ours} vs {want}"
    );
}

#[test]
fn matches_newcombes_example_and_the_reference_script() {
    let (log, treatment, control) = newcombe();
    let options = ExperimentOptions::new(on(1), on(31)).unwrap();
    let r = compare(&log, &treatment, &control, &options).unwrap();
    assert_eq!((r.treatment.repurchasers, r.control.repurchasers), (56, 48));
    // Newcombe (1998), Table II: 0.0524 to 0.3339.
    let (low, high) = r.rate_difference_interval;
    assert!(
        (low - 0.0524).abs() < 5e-5 && (high - 0.3339).abs() < 5e-5,
        "{low} {high}"
    );
    close(low, 0.05243147240236498);
    close(high, 0.333872654036906);
    close(r.treatment.rate_interval.0, 0.6918335550374695);
    close(r.control.rate_interval.1, 0.7003817240412906);
    close(r.p_value, 0.00804508136819656);
    close(r.revenue_difference, 2.0375);
    let (low, high) = r.revenue_difference_interval.unwrap();
    close(low, 0.03545526647360342);
    close(high, 4.039544733526396);
    assert_eq!(
        r.warnings,
        [Warning::SmallSample {
            customers: 70,
            minimum: 100
        }]
    );

    let ninety = compare(&log, &treatment, &control, &options.level(0.9).unwrap()).unwrap();
    close(ninety.rate_difference_interval.0, 0.07656419154407207);
    close(ninety.rate_difference_interval.1, 0.31364458358294384);
    close(ninety.revenue_difference_interval.unwrap().0, 0.3573310952470006);
}

#[test]
fn the_window_bounds_what_counts() {
    let (log, treatment, control) = newcombe();
    // Only May 10: the control arm's purchases (May 20) fall outside.
    let r = compare(
        &log,
        &treatment,
        &control,
        &ExperimentOptions::new(on(10), on(10)).unwrap(),
    )
    .unwrap();
    assert_eq!((r.treatment.repurchasers, r.control.repurchasers), (56, 0));
    assert_eq!(r.control.revenue, Decimal::ZERO);
}

#[test]
fn degenerate_arms_are_warnings_or_typed_errors_never_nan() {
    let (log, treatment, control) = newcombe();
    let june = ExperimentOptions::new(
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
    )
    .unwrap();
    // Nobody bought in June: no variation, p = 1 by convention.
    let r = compare(&log, &treatment, &control, &june).unwrap();
    assert_eq!(r.p_value, 1.0);
    assert!(r.warnings.contains(&Warning::NoVariation) && r.warnings.contains(&Warning::FewEvents));
    assert_eq!(r.revenue_difference_interval, Some((0.0, 0.0)));
    // One customer an arm: rates defined, no revenue interval.
    let r = compare(
        &log,
        &[0],
        &[1000],
        &ExperimentOptions::new(on(1), on(31)).unwrap(),
    )
    .unwrap();
    assert!(r.rate_difference_interval.0.is_finite() && r.revenue_difference_interval.is_none());
    // Unknown customers count as non-repurchasers.
    let r = compare(
        &log,
        &[999_999],
        &[1000],
        &ExperimentOptions::new(on(1), on(31)).unwrap(),
    )
    .unwrap();
    assert_eq!(r.treatment.rate, 0.0);
    assert!(matches!(
        compare(&log, &[], &control, &june),
        Err(Error::InsufficientData { .. })
    ));
    assert!(matches!(
        ExperimentOptions::new(on(2), on(1)),
        Err(Error::EmptyRange { .. })
    ));
    assert!(matches!(
        ExperimentOptions::new(on(1), on(2)).unwrap().level(0.0),
        Err(Error::InvalidParameter { name: "level", .. })
    ));
}

proptest! {
    #[test]
    fn every_output_is_finite_and_in_range(
        buys in prop::collection::vec((any::<bool>(), 0_i64..500), 1..40),
        split in 1_usize..39,
    ) {
        let purchases: Vec<Purchase<u64>> = buys.iter().enumerate().filter(|(_, (b, _))| *b)
            .map(|(i, (_, cents))| Purchase::new(i as u64, on(5), Decimal::new(*cents, 2)))
            .collect();
        prop_assume!(!purchases.is_empty());
        let log = PurchaseLog::new(purchases).unwrap();
        let keys: Vec<u64> = (0..buys.len() as u64).collect();
        let split = split.min(keys.len() - 1).max(1);
        prop_assume!(split < keys.len());
        let r = compare(&log, &keys[..split], &keys[split..], &ExperimentOptions::new(on(1), on(31)).unwrap()).unwrap();
        for v in [r.treatment.rate, r.control.rate, r.p_value] {
            prop_assert!((0.0..=1.0).contains(&v));
        }
        let (low, high) = r.rate_difference_interval;
        prop_assert!(-1.0 <= low && low <= r.rate_difference && r.rate_difference <= high && high <= 1.0);
        prop_assert!(r.revenue_difference.is_finite());
        if let Some((a, b)) = r.revenue_difference_interval {
            prop_assert!(a.is_finite() && b.is_finite() && a <= b);
        }
    }
}
