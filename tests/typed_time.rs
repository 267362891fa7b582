//! Typed time: summaries record their unit, model data and fitted models
//! carry it, and every computation that crosses a model and data refuses
//! two units instead of returning a number off by their ratio.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::churn::{RiskBands, scores};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::datasets::cdnow_sample;
use repurchase::models::{
    BetaGeo, FitOptions, FrequencyData, GammaGamma, ModelTime, PurchaseModel, SpendData,
    holdout_by_frequency, repeat_histogram, tracking,
};
use repurchase::rfm::{self, Binning, RfmOptions};
use repurchase::{Error, Granularity, Summaries, SummaryOptions, TimeUnit};

fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(1998, 6, 30).unwrap()
}

fn weekly() -> Summaries<u32> {
    cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end()).granularity(Granularity::Week))
}

fn daily() -> Summaries<u32> {
    cdnow_sample().unwrap().summarize(&SummaryOptions::new(end()))
}

fn is_mismatch<T: std::fmt::Debug>(result: repurchase::Result<T>, model: ModelTime, data: ModelTime) -> bool {
    matches!(result, Err(Error::UnitMismatch { model: m, data: d, .. }) if m == model && d == data)
}

/// The trap that used to return 4.8× the value: a model fitted on weekly
/// summaries priced against daily ones.
#[test]
fn clv_refuses_a_model_and_summaries_in_two_units() {
    let weekly = weekly();
    let bg = BetaGeo::fit(&FrequencyData::from_summaries(&weekly), &FitOptions::default())
        .unwrap()
        .model;
    let gg = GammaGamma::fit(&SpendData::from_summaries(&weekly), &FitOptions::default())
        .unwrap()
        .model;
    assert_eq!(bg.time(), Some(ModelTime::Weeks));
    // In the summaries' own unit: the weekly CDNOW sample's 12-month CLV
    // (lifetimes gives 68,158 for these summaries and parameters).
    let total: f64 = customer_lifetime_values(&bg, &gg, &weekly, &ClvOptions::new())
        .unwrap()
        .iter()
        .map(|v| v.clv)
        .sum();
    assert!((total - 68_158.0).abs() < 1.0, "{total}");
    assert!(is_mismatch(
        customer_lifetime_values(&bg, &gg, &daily(), &ClvOptions::new()),
        ModelTime::Weeks,
        ModelTime::Days
    ));
    // A model from parameters takes the summaries' unit until it states one.
    let [r, alpha, a, b] = bg.params();
    let unstated = BetaGeo::new(r, alpha, a, b).unwrap();
    let again: f64 = customer_lifetime_values(&unstated, &gg, &weekly, &ClvOptions::new())
        .unwrap()
        .iter()
        .map(|v| v.clv)
        .sum();
    assert_eq!(again, total);
    assert!(
        customer_lifetime_values(
            &unstated.in_time(ModelTime::Days),
            &gg,
            &weekly,
            &ClvOptions::new()
        )
        .is_err()
    );
    // Monthly periods have no model time.
    let monthly = cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end()).granularity(Granularity::Month));
    assert!(matches!(
        customer_lifetime_values(&unstated, &gg, &monthly, &ClvOptions::new()),
        Err(Error::InvalidParameter { name: "unit", .. })
    ));
}

/// Churn horizons are days, converted into the data's unit; a model in
/// another unit is refused.
#[test]
fn churn_horizons_are_days_in_the_summaries_unit() {
    let weekly = weekly();
    let bg = BetaGeo::fit(&FrequencyData::from_summaries(&weekly), &FitOptions::default())
        .unwrap()
        .model;
    let churn = scores(&bg, &weekly, 91, &RiskBands::default()).unwrap();
    for (s, c) in weekly.iter().zip(&churn).take(50) {
        let direct = bg
            .p_no_purchase(f64::from(s.frequency), s.recency, s.t, 13.0)
            .unwrap();
        assert_eq!(c.p_churn, direct);
    }
    assert!(is_mismatch(
        scores(&bg, &daily(), 91, &RiskBands::default()),
        ModelTime::Weeks,
        ModelTime::Days
    ));
}

/// Tracking reads the unit from its options; the holdout check and the
/// repeat histogram from their data.
#[test]
fn model_checks_refuse_data_in_another_unit() {
    let log = cdnow_sample().unwrap();
    let cal_end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    let weeks = SummaryOptions::new(end()).unit(TimeUnit::Weeks);
    let split = log.calibration_holdout(cal_end, &weeks).unwrap();
    let bg = BetaGeo::fit(&FrequencyData::from_calibration(&split), &FitOptions::default())
        .unwrap()
        .model;
    assert!(tracking(&bg, &log, &SummaryOptions::new(cal_end).unit(TimeUnit::Weeks), 7).is_ok());
    assert!(is_mismatch(
        tracking(&bg, &log, &SummaryOptions::new(cal_end), 7),
        ModelTime::Weeks,
        ModelTime::Days
    ));
    let days_split = log
        .calibration_holdout(cal_end, &SummaryOptions::new(end()))
        .unwrap();
    assert!(holdout_by_frequency(&bg, &split, 7).is_ok());
    assert!(is_mismatch(
        holdout_by_frequency(&bg, &days_split, 7),
        ModelTime::Weeks,
        ModelTime::Days
    ));
    assert!(is_mismatch(
        repeat_histogram(&bg, &daily(), 7),
        ModelTime::Weeks,
        ModelTime::Days
    ));
}

/// RFM recency is days whatever the summaries' unit, so day thresholds
/// score summaries in days and in weeks alike.
#[test]
fn rfm_recency_thresholds_are_days_in_any_unit() {
    let config = RfmOptions::default().recency_binning(Binning::Thresholds(vec![30.0, 90.0, 180.0, 365.0]));
    let in_days = rfm::score(&daily(), &config).unwrap();
    let in_weeks = rfm::score(
        &cdnow_sample()
            .unwrap()
            .summarize(&SummaryOptions::new(end()).unit(TimeUnit::Weeks)),
        &config,
    )
    .unwrap();
    assert_eq!(in_days, in_weeks);
    // Against the dates: days from the last purchase to the end.
    for (score, summary) in in_days.customers.iter().zip(daily().iter()) {
        let last = summary.last_purchase.utc_date();
        assert_eq!(score.days_since_last, (end() - last).num_days() as f64);
    }
    // Weekly periods count days between week starts, in whole weeks.
    let by_week = rfm::score(&weekly(), &config).unwrap();
    assert!(by_week.customers.iter().all(|s| s.days_since_last % 7.0 == 0.0));
    let monthly = cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end()).granularity(Granularity::Month));
    assert!(matches!(
        rfm::score(&monthly, &config),
        Err(Error::InvalidParameter { name: "unit", .. })
    ));
}

/// Data from two units does not merge; rows of unknown unit take the
/// other shard's.
#[test]
fn model_data_merges_within_one_unit() {
    let mut weeks = FrequencyData::from_summaries(&weekly());
    let days = FrequencyData::from_summaries(&daily());
    let before = weeks.clone();
    assert!(is_mismatch(weeks.merge(&days), ModelTime::Weeks, ModelTime::Days));
    assert_eq!(weeks, before);
    let mut unknown = FrequencyData::from_rows([(1.0, 2.0, 6.0, 1.0)]).unwrap();
    unknown.merge(&weeks).unwrap();
    assert_eq!(unknown.time(), Some(ModelTime::Weeks));
}

/// A stored model keeps its unit; one stored before units were recorded
/// loads without one.
#[cfg(feature = "serde")]
#[test]
fn stored_models_keep_their_unit() {
    let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426)
        .unwrap()
        .in_time(ModelTime::Weeks);
    let json = serde_json::to_string(&bg).unwrap();
    let back: BetaGeo = serde_json::from_str(&json).unwrap();
    assert_eq!(back, bg);
    let old: BetaGeo = serde_json::from_str(r#"{"r":0.243,"alpha":4.414,"a":0.793,"b":2.426}"#).unwrap();
    assert_eq!(old.time(), None);
    let data = FrequencyData::from_summaries(&weekly());
    let back: FrequencyData = serde_json::from_str(&serde_json::to_string(&data).unwrap()).unwrap();
    assert_eq!(back, data);
}
