//! The synthetic generator draws what it says: fitting its output recovers
//! its parameters.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
use repurchase::synthetic::SyntheticLog;
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};

#[test]
fn fits_recover_the_generators_parameters_within_three_standard_errors() {
    let (bgnbd, spend) = ([0.243, 4.414, 0.793, 2.426], [6.25, 3.74, 15.44]);
    let purchases = SyntheticLog::default()
        .customers(20_000)
        .seed(3)
        .purchases()
        .unwrap();
    let log = PurchaseLog::new(purchases).unwrap();
    // The log runs 104 weeks from 2024-01-01; purchases fall on whole days.
    let end = NaiveDate::from_ymd_opt(2025, 12, 29).unwrap();
    let summaries = log.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
    assert_eq!(summaries.len(), 20_000);
    let within = |fitted: &[f64], truth: &[f64], se: &[f64], what: &str| {
        for ((f, t), s) in fitted.iter().zip(truth).zip(se) {
            assert!((f - t).abs() <= 3.0 * s, "{what}: {f} vs {t} (SE {s})");
        }
    };
    let bg = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default()).unwrap();
    within(
        &bg.model.params(),
        &bgnbd,
        bg.report.standard_errors.values().unwrap(),
        "BG/NBD",
    );
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default()).unwrap();
    let m = gg.model;
    within(
        &[m.p(), m.q(), m.gamma()],
        &spend,
        gg.report.standard_errors.values().unwrap(),
        "Gamma-Gamma",
    );
}
