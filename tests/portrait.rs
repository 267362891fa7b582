//! Customer portraits on a worked example: favourites by category, price
//! band, usual weekday, channel mix, tags.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{NaiveDate, Weekday};
use repurchase::portrait::{self, Portrait, Tag};
use repurchase::{Purchase, PurchaseLog, SummaryOptions};
use rust_decimal::Decimal;

fn on(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, day).unwrap()
}

fn line(customer: u64, day: NaiveDate, cents: i64, product: &str) -> Purchase<u64> {
    Purchase::new(customer, day, Decimal::new(cents, 2)).product(product)
}

fn log() -> PurchaseLog<u64> {
    PurchaseLog::new(vec![
        // Customer 1: order A on Monday 4 March (two lines, web), B on
        // Monday 11 (shop), C on Wednesday 13 (web), one after the end.
        line(1, on(4), 1000, "espresso").order_id("A").channel("web"),
        line(1, on(4), 200, "milk").order_id("A").channel("web"),
        line(1, on(11), 1000, "espresso").order_id("B").channel("shop"),
        line(1, on(13), 2000, "beans").order_id("C").channel("web"),
        line(1, NaiveDate::from_ymd_opt(2024, 4, 10).unwrap(), 1000, "espresso").channel("web"),
        // Customer 2: Saturday and Sunday, no channel.
        line(2, on(16), 500, "tea"),
        line(2, on(17), 300, "tea"),
        // Customers 3 and 4: one order each.
        line(3, on(20), 10_000, "gift").channel("app"),
        line(4, on(21), 5_000, "beans"),
    ])
    .unwrap()
}

fn category(product: &str) -> Option<String> {
    Some(
        match product {
            "espresso" | "beans" => "coffee",
            "milk" => "dairy",
            other => other,
        }
        .to_string(),
    )
}

#[test]
fn the_worked_example() {
    let portraits = portrait::portraits(&log(), &SummaryOptions::new(on(31)), 2, category);
    let one = &portraits[0];
    assert_eq!((one.orders, one.spend), (3, Decimal::new(4200, 2)));
    assert_eq!(one.average_order_value, Some(Decimal::new(1400, 2)));
    assert_eq!(one.days_since_last, Some(18));
    // Coffee on three lines (two espressos, the beans), dairy on one.
    assert_eq!(
        one.favourite_categories,
        [("coffee".to_string(), 3), ("dairy".to_string(), 1)]
    );
    assert_eq!(one.usual_weekday, Some(Weekday::Mon));
    assert_eq!(one.channel_mix.len(), 2);
    assert_eq!(one.channel_mix[0].0, "web");
    assert!((one.channel_mix[0].1 - 2.0 / 3.0).abs() < 1e-12);
    // A Saturday–Sunday tie goes to the earlier day from Monday; no
    // channel, no mix.
    let two = &portraits[1];
    assert_eq!(two.usual_weekday, Some(Weekday::Sat));
    assert!(two.channel_mix.is_empty());
    // AOVs 14, 4, 100, 50: quartiles 11.5, 32 and 62.5 (type 7).
    let bands: Vec<Option<u8>> = portraits.iter().map(|p| p.price_band).collect();
    assert_eq!(bands, [Some(2), Some(1), Some(4), Some(3)]);
}

#[test]
fn tags_are_the_callers_rules() {
    let portraits = portrait::portraits(&log(), &SummaryOptions::new(on(31)), 3, category);
    let frequent = |p: &Portrait<u64>| p.orders >= 3;
    let coffee = |p: &Portrait<u64>| p.favourite_categories.first().is_some_and(|(c, _)| c == "coffee");
    let tags = portrait::tags(
        &portraits,
        &[
            Tag::new("high-frequency", &frequent),
            Tag::new("coffee lover", &coffee),
        ],
    );
    let customers: Vec<u64> = tags.iter().map(|t| t.customer).collect();
    assert_eq!(
        customers,
        portraits.iter().map(|p| p.customer).collect::<Vec<_>>()
    );
    assert_eq!(
        tags.into_iter().map(|t| t.tags).collect::<Vec<_>>(),
        vec![
            vec!["high-frequency", "coffee lover"],
            vec![],
            vec![],
            vec!["coffee lover"]
        ]
    );
}

#[test]
fn the_observation_end_bounds_the_portrait() {
    // On 12 March customer 1 has orders A and B only.
    let early = portrait::portraits(&log(), &SummaryOptions::new(on(12)), 3, category);
    assert_eq!(early[0].orders, 2);
    assert_eq!(early[0].usual_weekday, Some(Weekday::Mon));
    assert_eq!(early.len(), 4);
    assert_eq!(early[2].orders, 0);
    assert_eq!((early[2].price_band, early[2].usual_weekday), (None, None));
}
