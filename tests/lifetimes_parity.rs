//! Parity with Python lifetimes 0.11.3 and with the published CDNOW summary.
//!
//! The reference files under tests/data were made by
//! tests/data/make_lifetimes_reference.py (lifetimes' own code on the same
//! embedded sample); tests/data/cdnow_customers_summary.csv is the
//! Fader–Hardie–Lee (2005) input as distributed with lifetimes.
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample;
use repurchase::{Granularity, PurchaseLog, SummaryOptions, TimeUnit};
use rust_decimal::prelude::ToPrimitive;

/// lifetimes computes monetary means in f64; ours are exact Decimal.
const MONEY_TOLERANCE: f64 = 1e-9;
/// The published summary is rounded to 2 decimals of a week.
const PUBLISHED_ROUNDING: f64 = 0.005 + 1e-12;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Rows of a CSV with a header, as numbers.
fn read_csv(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .map(|line| line.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
        .collect()
}

fn money(value: Option<rust_decimal::Decimal>) -> f64 {
    value.map_or(0.0, |m| m.to_f64().unwrap())
}

fn assert_close(ours: f64, theirs: f64, tolerance: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= tolerance * theirs.abs().max(1.0),
        "{what}: ours {ours}, lifetimes {theirs}"
    );
}

/// The embedded sample as records build it and, with the `arrow` feature,
/// as a record batch builds it: the parity must hold both ways.
fn sample_logs() -> Vec<(&'static str, PurchaseLog<u32>)> {
    let logs = vec![("records", cdnow_sample().unwrap())];
    #[cfg(feature = "arrow")]
    let logs = {
        use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, UInt32Array};
        use repurchase::arrow::BatchColumns;
        use rust_decimal::prelude::ToPrimitive;
        use std::sync::Arc;

        let purchases = repurchase::datasets::cdnow_sample_purchases();
        let batch = RecordBatch::try_from_iter([
            (
                "customer_id",
                Arc::new(UInt32Array::from_iter_values(
                    purchases.iter().map(|p| p.customer),
                )) as ArrayRef,
            ),
            (
                "date",
                Arc::new(Date32Array::from_iter_values(
                    purchases.iter().map(|p| (p.at.unix_seconds() / 86_400) as i32),
                )) as ArrayRef,
            ),
            // Dollars as the sample's CSV has them, read as floats.
            (
                "amount",
                Arc::new(Float64Array::from_iter_values(
                    purchases.iter().map(|p| p.amount.to_f64().unwrap()),
                )) as ArrayRef,
            ),
        ])
        .unwrap();
        let columns = BatchColumns::new("customer_id", "date", "amount");
        let mut logs = logs;
        logs.push(("arrow", PurchaseLog::from_batches(&[batch], &columns).unwrap()));
        logs
    };
    logs
}

fn check_summary(granularity: Granularity, file: &str) {
    for (way, log) in sample_logs() {
        check_summary_of(&log, granularity, file, way);
    }
}

fn check_summary_of(log: &PurchaseLog<u32>, granularity: Granularity, file: &str, way: &str) {
    let opts = SummaryOptions::new(date(1998, 6, 30)).granularity(granularity);
    let summaries = log.summarize(&opts);
    let reference = read_csv(file);
    assert_eq!(summaries.len(), reference.len());
    assert_eq!(summaries.orders_after_end, 0);
    for (ours, row) in summaries.iter().zip(&reference) {
        let id = row[0];
        assert_eq!(f64::from(ours.customer), id);
        assert_eq!(
            f64::from(ours.frequency),
            row[1],
            "{way}: customer {id} frequency"
        );
        assert_eq!(ours.recency, row[2], "{way}: customer {id} recency");
        assert_eq!(ours.t, row[3], "{way}: customer {id} T");
        assert_close(
            money(ours.monetary_value),
            row[4],
            MONEY_TOLERANCE,
            &format!("{way}: customer {id} monetary"),
        );
    }
}

#[test]
fn daily_summary_matches_lifetimes() {
    check_summary(Granularity::Day, "lifetimes_summary_D.csv");
}

#[test]
fn weekly_summary_matches_lifetimes() {
    check_summary(Granularity::Week, "lifetimes_summary_W.csv");
}

fn check_holdout(granularity: Granularity, file: &str) {
    for (way, log) in sample_logs() {
        check_holdout_of(&log, granularity, file, way);
    }
}

fn check_holdout_of(log: &PurchaseLog<u32>, granularity: Granularity, file: &str, way: &str) {
    let opts = SummaryOptions::new(date(1998, 6, 30)).granularity(granularity);
    let split = log.calibration_holdout(date(1997, 9, 30), &opts).unwrap();
    let reference = read_csv(file);
    assert_eq!(split.customers.len(), reference.len());
    assert!(split.new_in_holdout.is_empty());

    // lifetimes averages the holdout's raw transactions, we average its
    // occasions: compare where each holdout occasion is one transaction.
    let purchases = repurchase::datasets::cdnow_sample_purchases();
    let holdout_rows = |id: u32| {
        purchases
            .iter()
            .filter(|p| p.customer == id && p.at.to_datetime().date_naive() > date(1997, 9, 30))
            .count()
    };
    let mut compared_money = 0;
    for (ours, row) in split.customers.iter().zip(&reference) {
        let id = row[0];
        assert_eq!(f64::from(ours.customer), id);
        assert_eq!(
            f64::from(ours.frequency_cal),
            row[1],
            "{way}: customer {id} frequency_cal"
        );
        assert_eq!(ours.recency_cal, row[2], "{way}: customer {id} recency_cal");
        assert_eq!(ours.t_cal, row[3], "{way}: customer {id} T_cal");
        assert_close(
            money(ours.monetary_value_cal),
            row[4],
            MONEY_TOLERANCE,
            &format!("{way}: customer {id} mv_cal"),
        );
        assert_eq!(
            f64::from(ours.frequency_holdout),
            row[5],
            "{way}: customer {id} frequency_holdout"
        );
        assert_eq!(
            ours.duration_holdout, row[7],
            "{way}: customer {id} duration_holdout"
        );
        if holdout_rows(ours.customer) == ours.frequency_holdout as usize {
            compared_money += 1;
            let what = format!("{way}: customer {id} mv_holdout");
            assert_close(money(ours.monetary_value_holdout), row[6], MONEY_TOLERANCE, &what);
        }
    }
    assert!(
        compared_money > 2_000,
        "only {compared_money} holdout means compared"
    );
}

#[test]
fn daily_split_matches_lifetimes() {
    check_holdout(Granularity::Day, "lifetimes_holdout_D.csv");
}

#[test]
fn weekly_split_matches_lifetimes() {
    check_holdout(Granularity::Week, "lifetimes_holdout_W.csv");
}

#[test]
fn continuous_weeks_reproduce_the_published_summary() {
    let log = cdnow_sample().unwrap();
    let opts = SummaryOptions::new(date(1997, 9, 30)).unit(TimeUnit::Weeks);
    let summaries = log.summarize(&opts);
    let published = read_csv("cdnow_customers_summary.csv");
    assert_eq!(summaries.len(), 2_357);
    assert_eq!(published.len(), 2_357);
    for (ours, row) in summaries.iter().zip(&published) {
        let id = row[0];
        assert_eq!(f64::from(ours.customer), id);
        assert_eq!(f64::from(ours.frequency), row[1], "customer {id} x");
        assert!(
            (ours.recency - row[2]).abs() <= PUBLISHED_ROUNDING,
            "customer {id} t_x: {} vs {}",
            ours.recency,
            row[2]
        );
        assert!(
            (ours.t - row[3]).abs() <= PUBLISHED_ROUNDING,
            "customer {id} T: {} vs {}",
            ours.t,
            row[3]
        );
    }
}
