//! Campaign triggers: a worked example for each rule type, cool-downs,
//! opt-outs, and the laws.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use repurchase::lifecycle::{LifecycleOptions, Stage};
use repurchase::triggers::{Sent, TriggerKind, TriggerRule, fire};
use repurchase::{Customer, Error, Purchase, PurchaseLog};
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Customer 1 first bought on 1 May; 2 bought on 1 March and 1 April;
/// 3 every ten days from 10 April to 30 April. The gaps between purchase
/// days are 31, 10 and 10: a population median of 10.
fn log() -> PurchaseLog<u64> {
    let buy = |c: u64, m, d| Purchase::new(c, date(2024, m, d), Decimal::TEN);
    PurchaseLog::new(vec![
        buy(1, 5, 1),
        buy(2, 3, 1),
        buy(2, 4, 1),
        buy(3, 4, 10),
        buy(3, 4, 20),
        buy(3, 4, 30),
    ])
    .unwrap()
}

fn fired(
    rules: &[TriggerRule],
    profiles: &[Customer<u64>],
    today: NaiveDate,
    history: &[Sent<u64>],
) -> Vec<(u64, usize)> {
    fire(&log(), profiles, rules, today, history)
        .unwrap()
        .iter()
        .map(|f| (f.customer, rules.iter().position(|r| r.name == f.rule).unwrap()))
        .collect()
}

#[test]
fn each_rule_type_fires_on_its_day() {
    let today = date(2024, 5, 8);
    let rules = [
        TriggerRule::new("care", TriggerKind::AfterFirstPurchase { days: 7 }, 0),
        TriggerRule::new("wake-up", TriggerKind::Silent { days: 30 }, 30),
        // Customer 3's cycle: own median 10 over 2 gaps, the population's
        // 10, so (2 · 10 + 3 · 10) / 5 = 10 days; 8 days since the last
        // purchase leaves 2.
        TriggerRule::new("refill", TriggerKind::ReplenishmentDue { days_before: 5 }, 14),
        TriggerRule::new("too early", TriggerKind::ReplenishmentDue { days_before: 1 }, 14),
        TriggerRule::new("birthday", TriggerKind::Birthday, 300),
        TriggerRule::new(
            "holiday",
            TriggerKind::BeforeHoliday {
                holidays: vec![date(2024, 5, 9)],
            },
            0,
        ),
    ];
    let profiles = [
        Customer::new(3_u64).birthday(date(1990, 5, 8)),
        Customer::new(9_u64).birthday(date(1985, 5, 8)), // a prospect
    ];
    assert_eq!(
        fired(&rules, &profiles, today, &[]),
        // Customer 2 is more than a cycle overdue (37 days on a cycle of
        // (31 + 3 · 10) / 4 = 15.25 days): lapsed, not due, so no refill.
        [(1, 0), (2, 1), (3, 2), (3, 4), (3, 5), (9, 4), (9, 5)]
    );
}

#[test]
fn a_cool_down_silences_and_an_opt_out_removes() {
    let today = date(2024, 5, 8);
    let rules = [TriggerRule::new("wake-up", TriggerKind::Silent { days: 30 }, 30)];
    // Customer 2 got the wake-up on 1 May: silenced until 31 May.
    let history = [Sent {
        customer: 2_u64,
        rule: "wake-up".into(),
        on: date(2024, 5, 1),
    }];
    let reaches_2 = |today| fired(&rules, &[], today, &history).contains(&(2, 0));
    assert!(fired(&rules, &[], today, &history).is_empty());
    assert!(!reaches_2(date(2024, 5, 31)));
    assert!(reaches_2(date(2024, 6, 1)));
    // Opted out: never, whatever the rule.
    let out = [Customer::new(2_u64).opt_out(true)];
    assert!(fired(&rules, &out, today, &[]).is_empty());
}

#[test]
fn rules_are_known_by_name_so_reordering_keeps_cool_downs() {
    let today = date(2024, 5, 8);
    let wake_up = TriggerRule::new("wake-up", TriggerKind::Silent { days: 30 }, 30);
    let refill = TriggerRule::new("refill", TriggerKind::ReplenishmentDue { days_before: 5 }, 14);
    // Customer 2 got both on 1 May, and a retired rule's message once.
    let history: Vec<Sent<u64>> = ["wake-up", "refill", "spring sale"]
        .into_iter()
        .map(|rule| Sent {
            customer: 2,
            rule: rule.into(),
            on: date(2024, 5, 1),
        })
        .collect();
    let names = |rules: &[TriggerRule]| -> Vec<(u64, String)> {
        fire(&log(), &[], rules, today, &history)
            .unwrap()
            .into_iter()
            .map(|f| (f.customer, f.rule))
            .collect()
    };
    let one_way = names(&[wake_up.clone(), refill.clone()]);
    assert_eq!(one_way, names(&[refill.clone(), wake_up.clone()]));
    assert!(one_way.iter().all(|(customer, _)| *customer != 2));
    assert_eq!(one_way, [(3, "refill".to_string())]);
    // Two rules with one name would share a history: refused.
    let twins = [
        wake_up.clone(),
        TriggerRule::new("wake-up", TriggerKind::Birthday, 0),
    ];
    assert!(matches!(
        fire(&log(), &[], &twins, today, &history),
        Err(Error::InvalidParameter { name: "rules", .. })
    ));
}

#[test]
fn birthdays_on_29_february_fall_on_the_28th_in_other_years() {
    let rules = [TriggerRule::new("birthday", TriggerKind::Birthday, 300)];
    let leapling = [Customer::new(5_u64).birthday(date(1992, 2, 29))];
    assert_eq!(fired(&rules, &leapling, date(2023, 2, 28), &[]), [(5, 0)]);
    assert!(fired(&rules, &leapling, date(2024, 2, 28), &[]).is_empty());
    assert_eq!(fired(&rules, &leapling, date(2024, 2, 29), &[]), [(5, 0)]);
}

#[test]
fn entering_a_stage_fires_once_on_the_day() {
    // Customer 2's typical interval leans on everyone's gaps. Up to 29
    // April they are 31 and 10 (median 20.5): (31 + 3 · 20.5) / 4 = 23.125
    // days, 1.5 cycles late after 34.7. Customer 3's purchase on 30 April
    // adds a gap of 10 (median 10): (31 + 3 · 10) / 4 = 15.25 days, 1.5
    // cycles late after 22.9, and 29 days have passed: at risk that day.
    let rules = [TriggerRule::new(
        "at risk",
        TriggerKind::EnteredStage {
            stage: Stage::AtRisk,
            config: LifecycleOptions::default(),
        },
        0,
    )];
    assert!(fired(&rules, &[], date(2024, 4, 29), &[]).is_empty());
    assert_eq!(fired(&rules, &[], date(2024, 4, 30), &[]), [(2, 0)]);
    assert!(fired(&rules, &[], date(2024, 5, 1), &[]).is_empty());
}

proptest! {
    /// Firing day after day and recording what was sent, no rule reaches a
    /// customer twice within its cool-down; shuffling profiles and history
    /// changes nothing.
    #[test]
    fn cool_downs_hold_day_after_day(
        buys in prop::collection::vec((0_u64..6, 0_u64..90), 1..30),
        cooldown in 0_u32..20,
        opt_out in 0_u64..6,
    ) {
        let start = date(2024, 1, 1);
        let day = |d: u64| start + chrono::Days::new(d);
        let log = PurchaseLog::new(buys.iter().map(|(c, d)| Purchase::new(*c, day(*d), Decimal::ONE)).collect::<Vec<_>>()).unwrap();
        let rules = [
            TriggerRule::new("wake-up", TriggerKind::Silent { days: 5 }, cooldown),
            TriggerRule::new("refill", TriggerKind::ReplenishmentDue { days_before: 2 }, cooldown),
        ];
        let profiles: Vec<Customer<u64>> = (0..6).map(|c| Customer::new(c).opt_out(c == opt_out)).collect();
        let mut history: Vec<Sent<u64>> = Vec::new();
        for d in 0..120 {
            let today = day(d);
            let sends = fire(&log, &profiles, &rules, today, &history).unwrap();
            let mut reversed_profiles = profiles.clone();
            reversed_profiles.reverse();
            let mut reversed_history = history.clone();
            reversed_history.reverse();
            prop_assert_eq!(&sends, &fire(&log, &reversed_profiles, &rules, today, &reversed_history).unwrap());
            for f in sends {
                prop_assert!(f.customer != opt_out);
                let too_soon = history.iter().any(|s| {
                    s.customer == f.customer && s.rule == f.rule && (today - s.on).num_days() <= i64::from(cooldown)
                });
                prop_assert!(!too_soon, "{:?} again on {}", f, today);
                history.push(Sent { customer: f.customer, rule: f.rule.clone(), on: today });
            }
        }
    }
}

#[test]
fn products_fall_due_on_their_own_cycle() {
    // Coffee is re-bought every 30 days (customers 1 and 2), so its cycle
    // is 30; tea was never re-bought and has none. On day 78: customer 1's
    // coffee (day 60) is due in 12 days, customer 2's (day 30) 18 days
    // overdue, customer 3's (day 50) due in 2.
    let start = date(2024, 1, 1);
    let buy =
        |c: u64, d: u64, p: &str| Purchase::new(c, start + chrono::Days::new(d), Decimal::ONE).product(p);
    let log = PurchaseLog::new(vec![
        buy(1, 0, "coffee"),
        buy(1, 30, "coffee"),
        buy(1, 60, "coffee"),
        buy(2, 0, "coffee"),
        buy(2, 30, "coffee"),
        buy(3, 50, "coffee"),
        buy(3, 77, "tea"),
    ])
    .unwrap();
    let today = start + chrono::Days::new(78);
    let due = |days_before| {
        let rules = [TriggerRule::new(
            "refill",
            TriggerKind::ProductDue { days_before },
            7,
        )];
        fire(&log, &[], &rules, today, &[]).unwrap()
    };
    let soon: Vec<(u64, String)> = due(14)
        .iter()
        .map(|f| (f.customer, f.reason.to_string()))
        .collect();
    assert_eq!(
        soon,
        [
            (1, "coffee due in 12 days (cycle 30 days)".to_string()),
            (2, "coffee due in -18 days (cycle 30 days)".to_string()),
            (3, "coffee due in 2 days (cycle 30 days)".to_string()),
        ]
    );
    let customers: Vec<u64> = due(5).iter().map(|f| f.customer).collect();
    assert_eq!(customers, [2, 3]);
}
