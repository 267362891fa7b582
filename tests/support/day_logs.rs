//! Small logs written as purchase days, for worked examples.

use chrono::{Days, NaiveDate};
use repurchase::{Purchase, PurchaseLog};
use rust_decimal::Decimal;

/// Day `n` counted from 2024-01-01.
pub fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(n)
}

/// Customer `i` buys 1.00 on each day of `days[i]`.
pub fn log(days: &[Vec<u64>]) -> PurchaseLog<u64> {
    let purchases = days.iter().enumerate().flat_map(|(i, ds)| {
        ds.iter()
            .map(move |d| Purchase::new(i as u64, day(*d), Decimal::ONE))
    });
    PurchaseLog::new(purchases.collect::<Vec<_>>()).unwrap()
}
