//! The model-free churn fallback: worked examples and a brute-force
//! Kaplan–Meier reference.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use repurchase::churn::{RiskBand, RiskBands, cycle_scores};
use repurchase::metrics::{NextPurchaseOptions, next_purchase};
use repurchase::{Error, SummaryOptions};

mod support;

use support::day_logs::{day, log};

#[test]
fn weekly_buyers_are_scored_by_their_week() {
    // Everyone buys every 7 days, so every gap is exactly one cycle: S(u) =
    // 1 before one cycle and 0 from it on. Observed to day 31, the last
    // purchase on day 28: 3 days silent.
    let log = log(&[vec![0, 7, 14, 21, 28], vec![7, 14, 21, 28], vec![14, 21, 28]]);
    let options = SummaryOptions::new(day(31));
    let bands = RiskBands::default();
    let next = NextPurchaseOptions::default();
    // Within 7 days the next purchase (day 35) comes: no churn.
    let week = cycle_scores(&log, &options, 7, &next, &bands).unwrap();
    assert!(
        week.iter().all(|s| s.p_churn == 0.0 && s.band == RiskBand::Low),
        "{week:?}"
    );
    assert_eq!(week[0].typical_interval, 7.0);
    assert_eq!(week[0].days_since_last, 3);
    // Within 2 days (to day 33) it does not: certain churn.
    let two_days = cycle_scores(&log, &options, 2, &next, &bands).unwrap();
    assert!(
        two_days
            .iter()
            .all(|s| s.p_churn == 1.0 && s.band == RiskBand::High)
    );
}

#[test]
fn a_customer_silent_beyond_every_return_is_churned() {
    // Customer 0 has been silent 60 days on a 10-day cycle; nobody ever
    // came back after more than one cycle.
    let log = log(&[vec![0, 10, 20], vec![40, 50, 60, 70, 80], vec![75, 80]]);
    let scores = cycle_scores(
        &log,
        &SummaryOptions::new(day(80)),
        30,
        &NextPurchaseOptions::default().shrinkage(0.0).unwrap(),
        &RiskBands::default(),
    )
    .unwrap();
    assert_eq!(scores[0].overdue_ratio, 6.0);
    assert_eq!(scores[0].p_churn, 1.0);
}

#[test]
fn a_log_without_repeat_purchases_is_a_typed_error() {
    let log = log(&[vec![0], vec![5]]);
    let result = cycle_scores(
        &log,
        &SummaryOptions::new(day(30)),
        30,
        &NextPurchaseOptions::default(),
        &RiskBands::default(),
    );
    assert!(matches!(result, Err(Error::InsufficientData { .. })));
}

/// S(t) by the definition: the product over distinct event times tₖ ≤ t of
/// 1 − dₖ / nₖ, nₖ counting every time ≥ tₖ.
fn kaplan_meier(times: &[(f64, bool)], t: f64) -> f64 {
    let mut events: Vec<f64> = times.iter().filter(|(_, e)| *e).map(|(u, _)| *u).collect();
    events.sort_by(f64::total_cmp);
    events.dedup();
    events
        .iter()
        .filter(|tk| **tk <= t)
        .map(|tk| {
            let d = times.iter().filter(|(u, e)| *e && u == tk).count() as f64;
            let n = times.iter().filter(|(u, _)| u >= tk).count() as f64;
            1.0 - d / n
        })
        .product()
}

proptest! {
    #[test]
    fn scores_equal_a_brute_force_kaplan_meier(
        customers in prop::collection::vec(prop::collection::btree_set(0_u64..120, 1..6), 2..25),
        horizon in 0_u32..60,
        shrinkage in 0.0..5.0_f64,
    ) {
        let days: Vec<Vec<u64>> = customers.iter().map(|s| s.iter().copied().collect()).collect();
        prop_assume!(days.iter().any(|d| d.len() > 1));
        let log = log(&days);
        let end = day(120);
        let options = SummaryOptions::new(end);
        let next = NextPurchaseOptions::default().shrinkage(shrinkage).unwrap();
        let scores = cycle_scores(&log, &options, horizon, &next, &RiskBands::default()).unwrap();
        let cycles = next_purchase(&log, &options, &next);
        let mut times = Vec::new();
        for (ds, c) in days.iter().zip(&cycles) {
            let cycle = c.typical_interval.unwrap();
            for w in ds.windows(2) {
                times.push(((w[1] - w[0]) as f64 / cycle, true));
            }
            times.push(((120 - ds[ds.len() - 1]) as f64 / cycle, false));
        }
        prop_assert_eq!(scores.len(), days.len());
        for (s, c) in scores.iter().zip(&cycles) {
            let cycle = c.typical_interval.unwrap();
            let silent = f64::from(s.days_since_last);
            let now = kaplan_meier(&times, silent / cycle);
            let want = if now > 0.0 { kaplan_meier(&times, (silent + f64::from(horizon)) / cycle) / now } else { 1.0 };
            prop_assert!((s.p_churn - want).abs() < 1e-12, "{} vs {}", s.p_churn, want);
        }
    }
}
