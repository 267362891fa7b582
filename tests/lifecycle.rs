//! Lifecycle stages: a worked example for every stage and rule, the
//! transition matrix between two dates, validation, and laws.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use repurchase::lifecycle::{self, LifecycleOptions, Stage, StageRule};
use repurchase::{Customer, Error, Purchase, PurchaseLog};
use rust_decimal::Decimal;

mod support;

use support::day_logs::{day, log};

fn every(step: u64, last: u64) -> Vec<u64> {
    (0..=last / step).map(|k| k * step).collect()
}

/// Eight customers, one per rule, seen on day 400.
fn customers() -> Vec<Vec<u64>> {
    vec![
        vec![390],                    // 0: first purchase 10 days ago
        every(30, 390),               // 1: on rhythm
        every(30, 330),               // 2: 70 days silent on a 30-day rhythm
        vec![0, 100, 200, 300],       // 3: 100 days silent
        vec![0, 10, 20],              // 4: 380 days silent
        vec![0, 50, 200],             // 5: 200 days silent
        vec![0, 10, 20, 30, 40, 350], // 6: back after 310 days
        every(7, 350),                // 7: 50 days silent on a weekly rhythm
    ]
}

/// Own median gaps only (K = 0), so every ratio can be checked by hand.
fn config() -> LifecycleOptions {
    LifecycleOptions::default().shrinkage(0.0)
}

#[test]
fn every_rule_decides_its_worked_example() {
    let profiles = [
        Customer::new(100_u64).signed_up(day(100)),
        Customer::new(101_u64).signed_up(day(450)), // not yet signed up
        Customer::new(1_u64).signed_up(day(0)),     // a buyer, not a prospect
    ];
    let stages = lifecycle::stages(&log(&customers()), day(400), &config(), &profiles, |_| None).unwrap();
    let got: Vec<(u64, Stage, StageRule)> = stages.iter().map(|s| (s.customer, s.stage, s.rule)).collect();
    assert_eq!(
        got,
        vec![
            (0, Stage::New, StageRule::FirstPurchaseRecent),
            (1, Stage::Active, StageRule::WithinRhythm),  // 10 / 30
            (2, Stage::AtRisk, StageRule::AtRiskOverdue), // 70 / 30 = 2.3
            (3, Stage::AtRisk, StageRule::AtRiskWindow),  // 100 ≥ 90, 100 / 100 = 1
            (4, Stage::Churned, StageRule::ChurnWindow),  // 380 ≥ 365
            (5, Stage::Dormant, StageRule::DormantWindow), // 200 ≥ 180
            (6, Stage::Reactivated, StageRule::ReturnedAfterGap), // 50 < 90 after 310
            (7, Stage::Dormant, StageRule::DormantOverdue), // 50 / 7 = 7.1
            (100, Stage::Prospect, StageRule::NoPurchase),
        ]
    );
    assert_eq!(stages[2].timeline.typical_interval, Some(30.0));
    assert_eq!(stages[6].timeline.gap_before_last, Some(310));
}

#[test]
fn p_alive_thresholds_apply_when_given() {
    let config = config().churned_p_alive(0.1).at_risk_p_alive(0.5);
    let p = |c: &u64| match c {
        1 => Some(0.05),
        0 => Some(0.3),
        _ => None,
    };
    let stages = lifecycle::stages(&log(&customers()), day(400), &config, &[], p).unwrap();
    assert_eq!(
        (stages[1].stage, stages[1].rule),
        (Stage::Churned, StageRule::ChurnProbability)
    );
    // New wins over a low P(alive) at risk: the rule order is documented.
    assert_eq!(stages[0].stage, Stage::New);
}

#[test]
fn the_shrinkage_pulls_short_histories_toward_the_population() {
    // Customer 3 alone: three gaps of 100 days, so an own median of 100;
    // the population's median is that of every gap of everyone. With K = 3
    // and 3 gaps the typical interval is the average of the two.
    let days = customers();
    let mut all: Vec<u64> = days
        .iter()
        .flat_map(|d| d.windows(2).map(|w| w[1] - w[0]))
        .collect();
    all.sort_unstable();
    // An even count: the mean of the middle two, as type-7 quantiles give.
    let n = all.len();
    let median = if n % 2 == 1 {
        all[n / 2] as f64
    } else {
        (all[n / 2 - 1] + all[n / 2]) as f64 / 2.0
    };
    let stages =
        lifecycle::stages(&log(&days), day(400), &LifecycleOptions::default(), &[], |_| None).unwrap();
    let want = (3.0 * 100.0 + 3.0 * median) / 6.0;
    assert_eq!(stages[3].timeline.typical_interval, Some(want));
    // The same interval as the next-purchase estimate's, one definition.
    let next = repurchase::metrics::next_purchase(
        &log(&days),
        &repurchase::SummaryOptions::new(day(400)),
        &Default::default(),
    );
    for (stage, estimate) in stages.iter().zip(&next) {
        assert_eq!(
            stage.timeline.typical_interval, estimate.typical_interval,
            "{stage:?}"
        );
    }
}

#[test]
fn transitions_count_moves_between_two_dates() {
    let log = log(&customers());
    let moves = lifecycle::transitions(&log, day(200), day(400), &config(), &[]).unwrap();
    // On day 200: customer 0 unknown; 1, 2, 3, 5, 7 active; 4 dormant
    // (180 days silent); 6 dormant (160 days on a 10-day rhythm).
    let expected = [
        (None, Some(Stage::New), 1),
        (Some(Stage::Active), Some(Stage::Active), 1),
        (Some(Stage::Active), Some(Stage::AtRisk), 2),
        (Some(Stage::Active), Some(Stage::Dormant), 2),
        (Some(Stage::Dormant), Some(Stage::Churned), 1),
        (Some(Stage::Dormant), Some(Stage::Reactivated), 1),
    ];
    for (from, to, n) in expected {
        assert_eq!(moves.count(from, to), n, "{from:?} → {to:?}");
    }
    assert_eq!(moves.counts.iter().flatten().sum::<u64>(), 8);
    let counts = lifecycle::stage_counts(&log, &[day(200), day(400)], &config(), &[]).unwrap();
    assert_eq!(counts[0].1, [0, 0, 5, 0, 2, 0, 0]);
    assert_eq!(counts[1].1, [0, 1, 1, 2, 2, 1, 1]);
}

#[test]
fn inconsistent_settings_are_typed_errors_naming_both_fields() {
    let cases = [
        (
            LifecycleOptions::default().at_risk_days(20),
            "new_days",
            "at_risk_days",
        ),
        (
            LifecycleOptions::default().dormant_days(90),
            "at_risk_days",
            "dormant_days",
        ),
        (
            LifecycleOptions::default().churned_days(100),
            "dormant_days",
            "churned_days",
        ),
        (
            LifecycleOptions::default().reactivated_days(200),
            "reactivated_days",
            "dormant_days",
        ),
        (
            LifecycleOptions::default().dormant_overdue(1.0),
            "at_risk_overdue",
            "dormant_overdue",
        ),
        (
            LifecycleOptions::default()
                .churned_p_alive(0.6)
                .at_risk_p_alive(0.5),
            "churned_p_alive",
            "at_risk_p_alive",
        ),
    ];
    for (config, first, second) in cases {
        match config.validate() {
            Err(Error::EmptyRange {
                start_field,
                end_field,
                ..
            }) => {
                assert_eq!((start_field, end_field), (first, second));
            }
            other => panic!("{first}/{second}: {other:?}"),
        }
    }
    let bad = LifecycleOptions::default().at_risk_p_alive(1.5);
    assert!(matches!(
        bad.validate(),
        Err(Error::InvalidParameter {
            name: "at_risk_p_alive",
            ..
        })
    ));
    assert!(matches!(
        lifecycle::transitions(&log(&customers()), day(400), day(200), &config(), &[]),
        Err(Error::EmptyRange { .. })
    ));
}

proptest! {
    #[test]
    fn every_customer_gets_one_stage_whatever_the_order(
        customers in prop::collection::vec(prop::collection::btree_set(0_u64..400, 1..8), 1..30),
        as_of in 0_u64..500,
        seed in any::<u64>(),
    ) {
        let days: Vec<Vec<u64>> = customers.iter().map(|s| s.iter().copied().collect()).collect();
        let mut purchases: Vec<Purchase<u64>> = days.iter().enumerate().flat_map(|(i, ds)| {
            ds.iter().map(move |d| Purchase::new(i as u64, day(*d), Decimal::ONE))
        }).collect();
        let config = LifecycleOptions::default();
        let forward = lifecycle::stages(&PurchaseLog::new(purchases.clone()).unwrap(), day(as_of), &config, &[], |_| None).unwrap();
        let mut state = seed;
        for i in (1..purchases.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            purchases.swap(i, (state >> 33) as usize % (i + 1));
        }
        let shuffled = lifecycle::stages(&PurchaseLog::new(purchases).unwrap(), day(as_of), &config, &[], |_| None).unwrap();
        prop_assert_eq!(&forward, &shuffled);
        // Exactly the customers with a purchase by then, once each.
        let buyers = days.iter().filter(|d| d[0] <= as_of).count();
        prop_assert_eq!(forward.len(), buyers);
        let counts = lifecycle::stage_counts(&log(&days), &[day(as_of)], &config, &[]).unwrap();
        prop_assert_eq!(counts[0].1.iter().sum::<u64>() as usize, buyers);
    }
}

proptest! {
    /// With refunds and zero amounts, the purchase days the stages count
    /// are the summaries' (the occasion rule), on the fast path and the
    /// netting path alike.
    #[test]
    fn purchase_days_follow_the_occasion_rule(
        lines in prop::collection::vec((0_u64..6, 0_u64..60, -300_i64..500), 1..60),
        as_of in 0_u64..70,
    ) {
        let purchases: Vec<Purchase<u64>> = lines
            .iter()
            .map(|(c, d, cents)| Purchase::new(*c, day(*d), Decimal::new(*cents, 2)))
            .collect();
        let log = PurchaseLog::new(purchases).unwrap();
        let stages = lifecycle::stages(&log, day(as_of), &LifecycleOptions::default(), &[], |_| None).unwrap();
        let summaries = log.summarize(&repurchase::SummaryOptions::new(day(as_of)).unit(repurchase::TimeUnit::Days));
        prop_assert_eq!(stages.len(), summaries.len());
        for (s, summary) in stages.iter().zip(&summaries.customers) {
            prop_assert_eq!(s.customer, summary.customer);
            prop_assert_eq!(s.timeline.purchase_days, summary.periods());
            prop_assert_eq!(f64::from(s.timeline.days_since_last), summary.t - summary.recency);
        }
    }
}

/// Stored options are input: a round trip keeps them, and a hand-edited
/// file with the dormant window before the at-risk one is refused on load.
#[cfg(feature = "serde")]
#[test]
fn stored_options_are_validated_on_load() {
    let options = LifecycleOptions::default().churned_days(540).at_risk_p_alive(0.4);
    let json = serde_json::to_string(&options).unwrap();
    assert_eq!(serde_json::from_str::<LifecycleOptions>(&json).unwrap(), options);
    let edited = json.replace("\"dormant_days\":180", "\"dormant_days\":60");
    assert_ne!(edited, json);
    let refused = serde_json::from_str::<LifecycleOptions>(&edited).unwrap_err();
    assert!(refused.to_string().contains("dormant_days"), "{refused}");
}
