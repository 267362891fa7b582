//! Membership tiers: an upgrade and a downgrade worked out by hand, each
//! measure, and the table's validation.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::points::EarnRule;
use repurchase::tiers::{self, Decision, TierMeasure, TierTable};
use repurchase::{Error, Purchase, PurchaseLog};
use rust_decimal::Decimal;

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

fn table(measure: TierMeasure) -> TierTable {
    TierTable::new(
        measure,
        90,
        vec![
            ("Bronze".into(), Decimal::ZERO),
            ("Silver".into(), Decimal::from(200)),
            ("Gold".into(), Decimal::from(500)),
        ],
    )
    .unwrap()
}

/// Customer 1 spends 300 in January and 300 in March; customer 2 spends
/// 600 in January only; customer 3 buys in March.
fn log() -> PurchaseLog<u64> {
    PurchaseLog::new(vec![
        Purchase::new(1_u64, date(1, 10), Decimal::from(300)),
        Purchase::new(1_u64, date(3, 20), Decimal::from(300)),
        Purchase::new(2_u64, date(1, 15), Decimal::from(600)),
        Purchase::new(3_u64, date(3, 25), Decimal::from(50)),
    ])
    .unwrap()
}

#[test]
fn upgrade_keep_and_downgrade_between_two_dates() {
    // On 31 January (window 3 Nov – 31 Jan): 1 has 300 (Silver), 2 has 600
    // (Gold), 3 nothing yet (Bronze at 0). On 31 March (window 2 Jan –
    // 31 Mar): 1 has 600 (Gold), 2 still 600 (Gold), 3 has 50 (Bronze).
    let changes = tiers::changes(&log(), &table(TierMeasure::Spend), date(1, 31), date(3, 31)).unwrap();
    let got: Vec<(u64, Decision)> = changes.iter().map(|c| (c.customer, c.decision)).collect();
    assert_eq!(
        got,
        [(1, Decision::Upgrade), (2, Decision::Keep), (3, Decision::Keep)]
    );
    assert_eq!(changes[0].reason, "reached Gold: 600 ≥ 500 (was Silver)");
    // By 30 April customer 2's January purchase has left the window.
    let later = tiers::changes(&log(), &table(TierMeasure::Spend), date(3, 31), date(4, 30)).unwrap();
    assert_eq!(later[1].decision, Decision::Downgrade);
    assert_eq!(later[1].after, (Some(0), Decimal::ZERO));
    assert_eq!(later[1].reason, "fell below Gold: 0 < 500 (now Bronze)");
}

#[test]
fn orders_and_points_are_measures_too() {
    let orders = TierTable::new(TierMeasure::Orders, 365, vec![("Regular".into(), Decimal::TWO)]).unwrap();
    let members = tiers::evaluate(&log(), &orders, date(3, 31)).unwrap();
    let got: Vec<Option<usize>> = members.iter().map(|m| m.tier).collect();
    assert_eq!(got, [Some(0), None, None]);
    // 10 points per 100: customer 1 earns 30 + 30 = 60 points in the window.
    let rule = EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED).unwrap();
    let points = TierTable::new(
        TierMeasure::Points(rule),
        365,
        vec![("Club".into(), Decimal::from(50))],
    )
    .unwrap();
    let members = tiers::evaluate(&log(), &points, date(3, 31)).unwrap();
    assert_eq!(
        (members[0].measure, members[0].tier),
        (Decimal::from(60), Some(0))
    );
    assert_eq!(
        (members[1].measure, members[1].tier),
        (Decimal::from(60), Some(0))
    );
    assert_eq!(members[2].tier, None);
}

#[test]
fn bad_tables_are_typed_errors() {
    let bad = |tiers: Vec<(String, Decimal)>, window| TierTable::new(TierMeasure::Spend, window, tiers);
    assert!(matches!(
        bad(vec![], 30),
        Err(Error::InvalidParameter { name: "tiers", .. })
    ));
    assert!(matches!(
        bad(vec![("A".into(), Decimal::TEN), ("B".into(), Decimal::TEN)], 30),
        Err(Error::InvalidParameter { name: "tiers", .. })
    ));
    assert!(matches!(
        bad(vec![("A".into(), Decimal::NEGATIVE_ONE)], 30),
        Err(Error::InvalidParameter { name: "tiers", .. })
    ));
    assert!(matches!(
        bad(vec![("A".into(), Decimal::TEN)], 0),
        Err(Error::InvalidParameter {
            name: "window_days",
            ..
        })
    ));
    assert!(matches!(
        tiers::changes(&log(), &table(TierMeasure::Spend), date(3, 1), date(2, 1)),
        Err(Error::EmptyRange { .. })
    ));
}
