//! Churn scores and their evaluation: AUC and Brier against naive
//! definitions, and on the CDNOW calibration/holdout split.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use repurchase::churn::{RiskBand, RiskBands, evaluate, score};
use repurchase::datasets::cdnow_sample;
use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
use repurchase::{SummaryOptions, TimeUnit};

/// AUC by its definition: over every (churner, non-churner) pair, 1 when the
/// churner scores higher, ½ on a tie.
fn naive_auc(scores: &[f64], churned: &[bool]) -> Option<f64> {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (i, si) in scores.iter().enumerate() {
        for (j, sj) in scores.iter().enumerate() {
            if churned[i] && !churned[j] {
                pairs += 1.0;
                wins += if si > sj {
                    1.0
                } else if si == sj {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    (pairs > 0.0).then(|| wins / pairs)
}

proptest! {
    #[test]
    fn auc_and_brier_equal_their_definitions(
        rows in prop::collection::vec((prop_oneof![0.0_f64..=1.0, prop::sample::select(vec![0.0, 0.25, 0.5, 1.0])], any::<bool>()), 0..60),
    ) {
        let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let churned: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let e = evaluate(&scores, &churned).unwrap();
        match (e.auc, naive_auc(&scores, &churned)) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b),
            (a, b) => prop_assert_eq!(a, b),
        }
        let brier = (!rows.is_empty()).then(|| rows.iter().map(|(s, c)| (s - f64::from(u8::from(*c))).powi(2)).sum::<f64>() / rows.len() as f64);
        match (e.brier, brier) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12),
            (a, b) => prop_assert_eq!(a, b),
        }
        prop_assert!(e.auc.is_none_or(|a| (0.0..=1.0).contains(&a)));
    }
}

#[test]
fn bgnbd_churn_scores_rank_the_cdnow_holdout() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let opts = SummaryOptions::new(d(1998, 6, 30)).unit(TimeUnit::Weeks);
    let split = cdnow_sample()
        .unwrap()
        .calibration_holdout(d(1997, 9, 30), &opts)
        .unwrap();
    let data = FrequencyData::from_rows(
        split
            .customers
            .iter()
            .map(|c| (f64::from(c.frequency_cal), c.recency_cal, c.t_cal, 1.0)),
    )
    .unwrap();
    let model = BetaGeo::fit(&data, &FitOptions::default()).unwrap().model;
    let bands = RiskBands::default();
    let mut scores = Vec::new();
    let mut churned = Vec::new();
    for c in &split.customers {
        let s = score(
            &model,
            f64::from(c.frequency_cal),
            c.recency_cal,
            c.t_cal,
            c.duration_holdout,
            &bands,
        )
        .unwrap();
        assert_eq!(s.band, bands.band(s.p_churn));
        scores.push(s.p_churn);
        churned.push(c.frequency_holdout == 0);
    }
    let e = evaluate(&scores, &churned).unwrap();
    assert_eq!(e.customers, 2_357);
    assert_eq!(e.churned, 2_357 - 684);
    // The model ranks holdout buyers well above chance, and is better
    // calibrated than always saying the base rate.
    let base = e.churned as f64 / e.customers as f64;
    let base_brier = base * (1.0 - base);
    assert!(e.auc.unwrap() > 0.75, "{e:?}");
    assert!(
        e.brier.unwrap() < base_brier,
        "{e:?} vs base-rate Brier {base_brier}"
    );
    assert!(
        scores.iter().any(|s| bands.band(*s) == RiskBand::High)
            && scores.iter().any(|s| bands.band(*s) == RiskBand::Low)
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert!(evaluate(&[0.5], &[true, false]).is_err());
    assert!(matches!(
        evaluate(&[0.5, f64::NAN], &[true, false]),
        Err(repurchase::Error::InvalidInput { row: 1, .. })
    ));
    assert!(RiskBands::new(0.5, 0.5).is_err());
    let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
    assert!(score(&model, 1.0, 2.0, 3.0, -1.0, &RiskBands::default()).is_err());
}
