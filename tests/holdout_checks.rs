//! Predictions against what the holdout showed: churn scores and their
//! evaluation (AUC and Brier against their definitions, and on the CDNOW
//! calibration/holdout split) and conditional expectations by frequency.

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
use std::collections::{BTreeMap, BTreeSet};

use repurchase::datasets::{cdnow_sample, cdnow_sample_purchases};
use repurchase::models::{
    BetaGeo, FitOptions, FrequencyData, ModelTime, Pattern, holdout_by_frequency, repeat_histogram, tracking,
};
use repurchase::{CalibrationHoldout, SummaryOptions, TimeUnit};

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

/// The CDNOW sample split at 1997-09-30 (weeks), and BG/NBD fitted on the
/// calibration part.
fn cdnow_split_and_model() -> (CalibrationHoldout<u32>, BetaGeo) {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let opts = SummaryOptions::new(d(1998, 6, 30)).unit(TimeUnit::Weeks);
    let split = cdnow_sample()
        .unwrap()
        .calibration_holdout(d(1997, 9, 30), &opts)
        .unwrap();
    let model = BetaGeo::fit(&FrequencyData::from_calibration(&split), &FitOptions::default())
        .unwrap()
        .model;
    assert_eq!(model.time(), Some(ModelTime::Weeks));
    (split, model)
}

#[test]
fn bgnbd_churn_scores_rank_the_cdnow_holdout() {
    let (split, model) = cdnow_split_and_model();
    let bands = RiskBands::default();
    let mut scores = Vec::new();
    let mut churned = Vec::new();
    // 1997-09-30 to 1998-06-30.
    let holdout_days = 273;
    for c in &split.customers {
        let pattern = Pattern::new(
            f64::from(c.frequency_cal),
            c.recency_cal,
            c.t_cal,
            ModelTime::Weeks,
        )
        .unwrap();
        assert_eq!(c.duration_holdout * 7.0, f64::from(holdout_days));
        let s = score(&model, &pattern, holdout_days, &bands).unwrap();
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
fn conditional_expectations_track_the_cdnow_holdout_by_frequency() {
    let (split, model) = cdnow_split_and_model();
    let buckets = holdout_by_frequency(&model, &split, 7).unwrap();
    assert_eq!(buckets.len(), 8);
    assert_eq!(buckets.iter().map(|b| b.customers).sum::<u64>(), 2_357);
    // Against a plain recomputation of bucket 2's means.
    let two: Vec<_> = split.customers.iter().filter(|c| c.frequency_cal == 2).collect();
    let actual = two.iter().map(|c| f64::from(c.frequency_holdout)).sum::<f64>() / two.len() as f64;
    let predicted = two
        .iter()
        .map(|c| {
            model
                .conditional_expected_purchases(2.0, c.recency_cal, c.t_cal, c.duration_holdout)
                .unwrap()
        })
        .sum::<f64>()
        / two.len() as f64;
    let b2 = buckets[2];
    assert_eq!(
        (b2.frequency, b2.and_above, b2.customers),
        (2, false, two.len() as u64)
    );
    assert!((b2.actual - actual).abs() < 1e-12 && (b2.predicted - predicted).abs() < 1e-12);
    assert!(buckets[7].and_above);
    // The paper's figure 4: predictions follow the holdout closely, within
    // 0.6 purchases a customer in every bucket, and rise with frequency.
    for b in &buckets {
        assert!((b.actual - b.predicted).abs() < 0.6, "{b:?}");
    }
    assert!(buckets.windows(2).all(|w| w[1].predicted > w[0].predicted));
    assert!(holdout_by_frequency(&model, &split, 0).is_err());
    // The table is sized by `top`: a huge one is refused, not allocated.
    assert!(matches!(
        holdout_by_frequency(&model, &split, u32::MAX),
        Err(repurchase::Error::InvalidParameter { name: "top", .. })
    ));
}

#[test]
fn tracking_and_the_repeat_histogram_follow_the_calibration_data() {
    let (_, model) = cdnow_split_and_model();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let log = cdnow_sample().unwrap();
    let cal = SummaryOptions::new(d(1997, 9, 30)).unit(TimeUnit::Weeks);
    let points = tracking(&model, &log, &cal, 7).unwrap();
    assert_eq!(points[0].day, d(1997, 1, 1));
    // Points are bounded, not the span: a step of a day over 400,000 years
    // is refused at once.
    let far = repurchase::LogOptions::default()
        .valid_range(NaiveDate::MIN, NaiveDate::MAX)
        .unwrap()
        .build(vec![repurchase::Purchase::new(
            1_u32,
            d(-200_000, 1, 1),
            rust_decimal::Decimal::ONE,
        )])
        .unwrap();
    assert!(matches!(
        tracking(
            &model,
            &far,
            &SummaryOptions::new(d(200_000, 1, 1)).unit(TimeUnit::Weeks),
            1
        ),
        Err(repurchase::Error::InvalidParameter {
            name: "step_days",
            ..
        })
    ));
    assert!(matches!(
        repeat_histogram(
            &model,
            &repurchase::Summaries::from_customers(
                Vec::<repurchase::CustomerSummary<u32>>::new(),
                cal,
                repurchase::Calendar::utc()
            )
            .unwrap(),
            u32::MAX
        ),
        Err(repurchase::Error::InvalidParameter { name: "top", .. })
    ));
    assert!(
        points
            .windows(2)
            .all(|w| w[1].actual >= w[0].actual && w[1].expected >= w[0].expected)
    );
    // Against plain recomputation at the last point: repeat purchase days,
    // and the model's E[X(t)] summed over every customer.
    let last = points.last().unwrap();
    let purchases = cdnow_sample_purchases();
    let mut days: BTreeMap<u32, BTreeSet<NaiveDate>> = BTreeMap::new();
    for p in &purchases {
        let day = p.at.to_datetime().date_naive();
        if day <= last.day {
            days.entry(p.customer).or_default().insert(day);
        }
    }
    let actual: usize = days.values().map(|d| d.len() - 1).sum();
    assert_eq!(last.actual, actual as f64);
    let expected: f64 = days
        .values()
        .map(|d| {
            model
                .expected_purchases((last.day - *d.first().unwrap()).num_days() as f64 / 7.0)
                .unwrap()
        })
        .sum();
    assert!((last.expected - expected).abs() < 1e-9 * expected);
    // The paper's figure 2: inside the calibration period the model tracks
    // the actual repeat purchases within 5 %.
    assert!(
        (last.expected - last.actual).abs() < 0.05 * last.actual,
        "{last:?}"
    );

    let summaries = log.summarize(&cal);
    let buckets = repeat_histogram(&model, &summaries, 7).unwrap();
    assert_eq!(buckets.len(), 8);
    assert_eq!(buckets.iter().map(|b| b.actual).sum::<f64>(), 2_357.0);
    assert!((buckets.iter().map(|b| b.expected).sum::<f64>() - 2_357.0).abs() < 1e-6);
    let zero: f64 = summaries
        .iter()
        .map(|s| model.purchase_count_probability(0, s.t).unwrap())
        .sum();
    assert!((buckets[0].expected - zero).abs() < 1e-9 * zero);
    // The paper's figure 3: every bucket within 10 % of the customer base's size.
    for b in &buckets {
        assert!(
            (b.actual - b.expected).abs() < 0.1 * 2_357.0 / 8.0 + 0.1 * b.actual,
            "{b:?}"
        );
    }
    assert!(tracking(&model, &log, &cal, 0).is_err());
    assert!(repeat_histogram(&model, &summaries, 0).is_err());
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
    let pattern = Pattern::new(1.0, 2.0, 3.0, ModelTime::Weeks).unwrap();
    // An empty horizon holds no purchase; a negative one cannot be written.
    assert_eq!(
        score(&model, &pattern, 0, &RiskBands::default()).unwrap().p_churn,
        1.0
    );
    let weeks = model.in_time(ModelTime::Weeks);
    let in_days = Pattern::new(1.0, 14.0, 21.0, ModelTime::Days).unwrap();
    assert!(matches!(
        score(&weeks, &in_days, 91, &RiskBands::default()),
        Err(repurchase::Error::UnitMismatch { .. })
    ));
}
