//! Loyalty points: a worked example across a year boundary, typed errors,
//! and the ledger's laws.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use repurchase::points::{EarnRule, PointsOptions, Redemption, balances, last_usable_day};
use repurchase::{Error, Purchase, PurchaseLog};
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ten_per_hundred() -> EarnRule {
    EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED).unwrap()
}

/// 1,000 on 2023-06-01 (100 points) and 500 on 2023-12-20 (50 points);
/// 120 points redeemed on 2024-01-10.
fn example() -> (PurchaseLog<u64>, Vec<Redemption<u64>>) {
    let log = PurchaseLog::new(vec![
        Purchase::new(1_u64, date(2023, 6, 1), Decimal::from(1000)),
        Purchase::new(1_u64, date(2023, 12, 20), Decimal::from(500)),
    ])
    .unwrap();
    let used = vec![Redemption {
        customer: 1,
        on: date(2024, 1, 10),
        points: Decimal::from(120),
    }];
    (log, used)
}

#[test]
fn points_expire_first_in_first_out_across_a_year_boundary() {
    let (log, used) = example();
    // The redemption takes the June lot's 100 and 20 of December's; the
    // remaining 30 of December's expire 365 days on, at the start of
    // 2024-12-19 (2024 is a leap year), last usable 2024-12-18.
    assert_eq!(last_usable_day(date(2023, 12, 20), 365), Some(date(2024, 12, 18)));
    let at = |as_of: NaiveDate, window| {
        balances(
            &log,
            &ten_per_hundred(),
            &used,
            &PointsOptions::new(as_of, 365, window),
        )
        .unwrap()[0]
            .clone()
    };
    let year_end = at(date(2024, 12, 31), 30);
    assert_eq!(
        (
            year_end.earned,
            year_end.redeemed,
            year_end.expired,
            year_end.balance
        ),
        (
            Decimal::from(150),
            Decimal::from(120),
            Decimal::from(30),
            Decimal::ZERO
        )
    );
    let before = at(date(2024, 12, 10), 30);
    assert_eq!(
        (before.balance, before.expiring_soon, before.expired),
        (Decimal::from(30), Decimal::from(30), Decimal::ZERO)
    );
    let on_last_day = at(date(2024, 12, 18), 0);
    assert_eq!(
        (on_last_day.balance, on_last_day.expiring_soon),
        (Decimal::from(30), Decimal::ZERO)
    );
    assert_eq!(at(date(2024, 12, 19), 0).balance, Decimal::ZERO);
    let early = at(date(2024, 11, 1), 30);
    assert_eq!(
        (early.balance, early.expiring_soon),
        (Decimal::from(30), Decimal::ZERO)
    );
    // Without the redemption the June lot expires whole on 2024-05-31.
    let unused = balances(
        &log,
        &ten_per_hundred(),
        &[],
        &PointsOptions::new(date(2024, 6, 1), 365, 0),
    )
    .unwrap();
    assert_eq!(
        (unused[0].expired, unused[0].balance),
        (Decimal::from(100), Decimal::from(50))
    );
}

#[test]
fn overdrafts_and_early_redemptions_are_typed_errors_naming_the_record() {
    let (log, _) = example();
    let options = PointsOptions::new(date(2024, 12, 31), 365, 30);
    let overdraft = [
        Redemption {
            customer: 1_u64,
            on: date(2023, 7, 1),
            points: Decimal::from(10),
        },
        Redemption {
            customer: 1_u64,
            on: date(2024, 1, 10),
            points: Decimal::from(200),
        },
    ];
    let err = balances(&log, &ten_per_hundred(), &overdraft, &options).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput {
            input: "redemption",
            row: 1,
            field: "points",
            ..
        }
    ));
    // The message speaks of the caller's redemption, not of model input.
    assert!(err.to_string().starts_with("redemption 1: points"), "{err}");
    let too_early = [Redemption {
        customer: 1_u64,
        on: date(2023, 5, 1),
        points: Decimal::ONE,
    }];
    assert!(matches!(
        balances(&log, &ten_per_hundred(), &too_early, &options),
        Err(Error::InvalidInput { row: 0, .. })
    ));
    let stranger = [Redemption {
        customer: 9_u64,
        on: date(2024, 1, 1),
        points: Decimal::ONE,
    }];
    assert!(matches!(
        balances(&log, &ten_per_hundred(), &stranger, &options),
        Err(Error::InvalidInput { row: 0, .. })
    ));
    assert!(EarnRule::new(Decimal::ZERO, Decimal::ONE).is_err());
}

/// A rule of absurdly many points per unit is accepted (nothing about it
/// alone is wrong), and the points it would earn are a typed error, not a
/// panic: balances, tiers by points, and the rule itself.
#[test]
fn points_beyond_decimal_are_a_typed_error() {
    let absurd = EarnRule::new(Decimal::MAX, Decimal::new(1, 28)).unwrap();
    let (log, _) = example();
    let overflow = Error::Overflow {
        quantity: "points",
        hint: "use an earning rule of fewer points per unit spent",
    };
    let options = PointsOptions::new(date(2024, 6, 30), 365, 30);
    assert_eq!(balances(&log, &absurd, &[], &options).unwrap_err(), overflow);
    assert_eq!(absurd.earned(Decimal::ONE).unwrap_err(), overflow);
    // Each day's points fit, their sum does not.
    let big = EarnRule::new(Decimal::new(4, 0) * Decimal::from(10_u64.pow(16)), Decimal::ONE).unwrap();
    let many_days: PurchaseLog<u64> = PurchaseLog::new(
        (1..=3)
            .map(|d| Purchase::new(1_u64, date(2024, 1, d), Decimal::from(1_000_000_000_000_u64)))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(big.earned(Decimal::from(1_000_000_000_000_u64)).is_ok());
    assert_eq!(balances(&many_days, &big, &[], &options).unwrap_err(), overflow);
    let table = repurchase::tiers::TierTable::new(
        repurchase::tiers::TierMeasure::Points(big),
        365,
        vec![("Gold".into(), Decimal::ONE)],
    )
    .unwrap();
    assert_eq!(
        repurchase::tiers::evaluate(&many_days, &table, date(2024, 6, 30)).unwrap_err(),
        overflow
    );
}

#[test]
fn a_same_day_refund_reduces_the_points() {
    let log = PurchaseLog::new(vec![
        Purchase::new(1_u64, date(2023, 6, 1), Decimal::from(1000)),
        Purchase::new(1_u64, date(2023, 6, 1), Decimal::from(-300)),
    ])
    .unwrap();
    let p = balances(
        &log,
        &ten_per_hundred(),
        &[],
        &PointsOptions::new(date(2023, 6, 30), 365, 0),
    )
    .unwrap();
    assert_eq!(p[0].earned, Decimal::from(70));
}

proptest! {
    #[test]
    fn the_ledger_balances(
        buys in prop::collection::vec((0_u64..4, 0_u64..700, 1_i64..100_000), 1..30),
        uses in prop::collection::vec((0_u64..4, 0_u64..700, 1_i64..200), 0..10),
        validity in 1_u32..400,
        as_of in 0_u64..800,
    ) {
        let start = date(2023, 1, 1);
        let day = |d: u64| start + chrono::Days::new(d);
        let mut purchases: Vec<Purchase<u64>> = buys.iter().map(|(c, d, cents)| Purchase::new(*c, day(*d), Decimal::new(*cents, 2))).collect();
        let redemptions: Vec<Redemption<u64>> = uses.iter()
            .filter(|(c, _, _)| buys.iter().any(|(b, _, _)| b == c))
            .map(|(c, d, p)| Redemption { customer: *c, on: day(*d), points: Decimal::from(*p) })
            .collect();
        let options = PointsOptions::new(day(as_of), validity, 30);
        let rule = ten_per_hundred();
        let result = balances(&PurchaseLog::new(purchases.clone()).unwrap(), &rule, &redemptions, &options);
        purchases.reverse();
        let mut reversed = redemptions.clone();
        reversed.reverse();
        let again = balances(&PurchaseLog::new(purchases).unwrap(), &rule, &reversed, &options);
        match result {
            Ok(points) => {
                // Input order changes nothing.
                prop_assert_eq!(&points, &again.unwrap());
                for p in points {
                    prop_assert!(p.balance >= Decimal::ZERO && p.expiring_soon <= p.balance);
                    prop_assert_eq!(p.balance, p.earned - p.redeemed - p.expired);
                }
            }
            Err(e) => {
                let points_error = matches!(e, Error::InvalidInput { field: "points", .. });
                prop_assert!(points_error, "{:?}", e);
                prop_assert!(again.is_err());
            }
        }
    }
}
