//! The sBG model of contractual retention against Fader & Hardie (2007),
//! SciPy, simulation and its own laws.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use repurchase::Error;
use repurchase::models::{FitModel, FitOptions, MIN_DISCOUNT_RATE, RetentionData, ShiftedBetaGeo};
use rust_decimal::Decimal;
use serde_json::Value;

/// SciPy's values (tests/data/make_sbg_reference.py) for the paper's two
/// segments.
fn reference() -> Value {
    let path = format!("{}/tests/data/sbg_reference.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The model at SciPy's estimates for a segment.
fn scipy_model(segment: &Value) -> ShiftedBetaGeo {
    ShiftedBetaGeo::new(
        segment["alpha"].as_f64().unwrap(),
        segment["beta"].as_f64().unwrap(),
    )
    .unwrap()
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn survivors(segment: &Value) -> Vec<u64> {
    segment["survivors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn relative(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

/// The paper's estimates, to the three decimals it prints, and its
/// log-likelihoods to one; SciPy's Nelder-Mead optimum to 1e-6 (both
/// optimisers stop on tolerances near 1e-8 of a flat optimum).
#[test]
fn fits_the_papers_two_segments() {
    let reference = reference();
    for (name, printed) in [
        ("high_end", (0.668, 3.806, -1611.2)),
        ("regular", (0.704, 1.182, -1680.3)),
    ] {
        let segment = &reference["segments"][name];
        let seven_years = &survivors(segment)[..8];
        let fit = ShiftedBetaGeo::fit(
            &RetentionData::from_survivors(seven_years).unwrap(),
            &FitOptions::default(),
        )
        .unwrap();
        let (alpha, beta) = (fit.model.alpha(), fit.model.beta());
        assert_eq!(
            format!("{alpha:.3} {beta:.3}"),
            format!("{:.3} {:.3}", printed.0, printed.1),
            "{name}"
        );
        assert_eq!(
            format!("{:.1}", fit.report.log_likelihood),
            format!("{:.1}", printed.2),
            "{name}"
        );
        assert!(
            fit.report.converged && fit.report.at_boundary.is_empty(),
            "{name}"
        );
        assert!(
            relative(alpha, segment["alpha"].as_f64().unwrap()) < 1e-6,
            "{name}: α {alpha}"
        );
        assert!(
            relative(beta, segment["beta"].as_f64().unwrap()) < 1e-6,
            "{name}: β {beta}"
        );
        let ll = segment["log_likelihood"].as_f64().unwrap();
        assert!((fit.report.log_likelihood - ll).abs() < 1e-8 * ll.abs(), "{name}");
        assert_eq!(fit.report.standard_errors.values().map(<[f64]>::len), Some(2));
    }
}

/// Survival, churn probabilities and retention rates over the twelve
/// years at SciPy's estimates, to 1e-12: rounding only.
#[test]
fn curves_match_scipy() {
    let reference = reference();
    for name in ["high_end", "regular"] {
        let segment = &reference["segments"][name];
        let model = scipy_model(segment);
        let survival = numbers(&segment["survival"]);
        for (t, want) in survival.iter().enumerate() {
            let t = u32::try_from(t).unwrap();
            assert!(relative(model.survival(t), *want) < 1e-12, "{name} S({t})");
        }
        for (got, want) in model.survival_curve().zip(&survival) {
            assert!(relative(got, *want) < 1e-12, "{name}: curve {got} vs {want}");
        }
        for (t, want) in (1..).zip(numbers(&segment["churn_probability"])) {
            assert!(
                relative(model.churn_probability(t).unwrap(), want) < 1e-12,
                "{name} P(T = {t})"
            );
        }
        for ((t, want), from_curve) in (1..)
            .zip(numbers(&segment["retention_rate"]))
            .zip(model.retention_curve())
        {
            assert!(
                relative(model.retention_rate(t).unwrap(), want) < 1e-12,
                "{name} r_{t}"
            );
            assert!(relative(from_curve, want) < 1e-12, "{name} r_{t} from the curve");
        }
    }
}

/// The paper's point: fitted on seven years, the model projects the five
/// held-out years within two points of survival.
#[test]
fn projects_the_held_out_years() {
    let reference = reference();
    for name in ["high_end", "regular"] {
        let counts = survivors(&reference["segments"][name]);
        let fit = ShiftedBetaGeo::fit(
            &RetentionData::from_survivors(&counts[..8]).unwrap(),
            &FitOptions::default(),
        )
        .unwrap();
        for (year, &actual) in counts.iter().enumerate().skip(8) {
            let projected = fit.model.survival(u32::try_from(year).unwrap()) * 1000.0;
            assert!(
                (projected - actual as f64).abs() < 20.0,
                "{name}, year {year}: {projected:.1} vs {actual}"
            );
        }
    }
}

/// DEL and DERL against SciPy's ₂F₁, from discount rates of 10 % a period
/// down to 0.1 %, and tenures from new to a hundred renewals.
#[test]
fn discounted_lifetimes_match_scipy_hypergeometric() {
    let reference = reference();
    for name in ["high_end", "regular"] {
        let segment = &reference["segments"][name];
        let model = scipy_model(segment);
        for (d, want) in segment["del"].as_object().unwrap() {
            let got = model.expected_discounted_lifetime(d.parse().unwrap()).unwrap();
            assert!(
                relative(got, want.as_f64().unwrap()) < 1e-10,
                "{name} DEL({d}) = {got}"
            );
        }
        for row in segment["derl"].as_array().unwrap() {
            let (renewals, d, want) = (
                u32::try_from(row[0].as_u64().unwrap()).unwrap(),
                row[1].as_f64().unwrap(),
                row[2].as_f64().unwrap(),
            );
            let got = model.discounted_expected_residual_lifetime(renewals, d).unwrap();
            assert!(
                relative(got, want) < 1e-10,
                "{name} DERL({renewals}, {d}) = {got} vs {want}"
            );
            let fee = Decimal::new(4999, 2);
            let value = model.residual_value(fee, renewals, d).unwrap();
            assert!(relative(value, 49.99 * want) < 1e-10);
        }
    }
}

/// Known parameters recovered from simulated subscribers: five cohorts of
/// 20,000, observed for 8 down to 4 periods, each estimate within three
/// of its standard errors.
#[test]
fn recovers_simulated_parameters() {
    let mut random = SplitMix(20_070_101);
    for (alpha, beta) in [(0.9, 2.5), (3.0, 12.0), (0.3, 0.8)] {
        let cohorts: Vec<Vec<u64>> = (4..=8)
            .map(|periods| {
                let mut alive = vec![0_u64; periods + 1];
                for _ in 0..20_000 {
                    let theta = random.beta(alpha, beta);
                    // Periods survived: renew at the end of each with 1 − θ.
                    let mut t = 0;
                    alive[0] += 1;
                    while t < periods && random.uniform() >= theta {
                        t += 1;
                        alive[t] += 1;
                    }
                }
                alive
            })
            .collect();
        let data = RetentionData::from_cohorts(&cohorts).unwrap();
        assert_eq!(data.subscribers(), 100_000);
        let fit = ShiftedBetaGeo::fit(&data, &FitOptions::default()).unwrap();
        let se = fit.report.standard_errors.values().unwrap().to_vec();
        for ((name, estimate), (truth, se)) in fit
            .model
            .parameters()
            .into_iter()
            .zip([alpha, beta].into_iter().zip(se))
        {
            assert!(
                (estimate - truth).abs() < 3.0 * se,
                "{name}: {estimate} vs {truth} ± {se}"
            );
        }
    }
}

#[test]
fn bad_counts_and_options_are_named_errors() {
    // Survivors cannot grow: the count at position 2 is named.
    match RetentionData::from_survivors(&[100, 80, 90]) {
        Err(Error::InvalidInput { row, value, .. }) => assert_eq!((row, value.as_str()), (2, "90")),
        other => panic!("{other:?}"),
    }
    // Positions count across cohorts.
    match RetentionData::from_cohorts([&[100_u64, 80][..], &[50, 60]]) {
        Err(Error::InvalidInput { row, .. }) => assert_eq!(row, 3),
        other => panic!("{other:?}"),
    }
    // A cohort not yet through a period is refused, not dropped unsaid.
    assert!(matches!(
        RetentionData::from_cohorts([&[100_u64, 80][..], &[70]]),
        Err(Error::InvalidInput { row: 2, .. })
    ));
    assert!(matches!(
        RetentionData::from_survivors(&[]),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        RetentionData::from_survivors(&[0, 0]),
        Err(Error::InsufficientData { .. })
    ));
    assert!(matches!(
        RetentionData::from_survivors(&[1 << 53, 5]),
        Err(Error::InvalidInput { row: 0, .. })
    ));
    let model = ShiftedBetaGeo::new(0.7, 1.2).unwrap();
    assert!(matches!(
        model.churn_probability(0),
        Err(Error::InvalidParameter { name: "period", .. })
    ));
    assert!(matches!(
        model.retention_rate(0),
        Err(Error::InvalidParameter { .. })
    ));
    for d in [0.0, MIN_DISCOUNT_RATE / 2.0, -0.1, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                model.expected_discounted_lifetime(d),
                Err(Error::InvalidParameter {
                    name: "discount_rate",
                    ..
                })
            ),
            "{d}"
        );
    }
    assert!(
        model
            .discounted_expected_residual_lifetime(3, MIN_DISCOUNT_RATE)
            .is_ok()
    );
}

/// Everyone cancelling in the first period, or no one cancelling: the
/// likelihood has no maximum inside, and the fit ends where it is flat,
/// finite, with the survival the data show.
#[test]
fn degenerate_data_fit_finite_models() {
    for (counts, survival) in [([100_u64, 0, 0], 0.0), ([100, 100, 100], 1.0)] {
        let fit = ShiftedBetaGeo::fit(
            &RetentionData::from_survivors(&counts).unwrap(),
            &FitOptions::default(),
        )
        .unwrap();
        assert!(fit.model.alpha().is_finite() && fit.model.beta().is_finite());
        assert!(
            (fit.model.survival(1) - survival).abs() < 0.01,
            "{counts:?}: {fit}"
        );
    }
}

proptest! {
    /// Probabilities in [0, 1], survival falling, lifetimes finite and
    /// between the renewal probability and the undiscounted bound
    /// (1 + d)/d, for parameters from 1e-300 to 1e300 and any tenure.
    #[test]
    fn predictions_stay_in_range(
        alpha in (-300.0..300.0_f64).prop_map(|e| 10_f64.powf(e)),
        beta in (-300.0..300.0_f64).prop_map(|e| 10_f64.powf(e)),
        t in 1_u32..u32::MAX,
        renewals in 0_u32..u32::MAX,
        d in MIN_DISCOUNT_RATE..10.0,
    ) {
        let model = ShiftedBetaGeo::new(alpha, beta).unwrap();
        let (s_before, s) = (model.survival(t - 1), model.survival(t));
        prop_assert!((0.0..=1.0).contains(&s) && s <= s_before);
        let p = model.churn_probability(t).unwrap();
        prop_assert!((0.0..=1.0).contains(&p));
        prop_assert!((s_before - s - p).abs() <= 1e-9 * s_before + 1e-300, "{} − {} ≠ {}", s_before, s, p);
        let r = model.retention_rate(t).unwrap();
        prop_assert!((0.0..=1.0).contains(&r));
        let derl = model.discounted_expected_residual_lifetime(renewals, d).unwrap();
        let renews = model.retention_rate(renewals.saturating_add(1)).unwrap();
        prop_assert!(derl.is_finite() && derl >= renews * (1.0 - 1e-12) && derl <= (1.0 + d) / d * (1.0 + 1e-12));
        let del = model.expected_discounted_lifetime(d).unwrap();
        prop_assert!(del >= 1.0 && del <= (1.0 + d) / d * (1.0 + 1e-12));
    }

    /// Cohorts pool in any order, and the pooled log-likelihood is the sum
    /// of the cohorts' own.
    #[test]
    fn cohorts_pool_in_any_order(
        cohorts in prop::collection::vec(prop::collection::vec(0_u64..1_000, 2..10), 1..6),
        alpha in 0.05..20.0_f64,
        beta in 0.05..20.0_f64,
    ) {
        // Survivor counts: running minima of the drawn numbers, from a
        // positive start.
        let cohorts: Vec<Vec<u64>> = cohorts
            .into_iter()
            .map(|c| c.iter().scan(u64::MAX, |low, &n| { *low = (*low).min(n + 1); Some(*low) }).collect())
            .collect();
        let data = RetentionData::from_cohorts(&cohorts).unwrap();
        let mut reversed = cohorts.clone();
        reversed.reverse();
        prop_assert_eq!(&data, &RetentionData::from_cohorts(&reversed).unwrap());
        let model = ShiftedBetaGeo::new(alpha, beta).unwrap();
        let pooled = model.log_likelihood(&data);
        let separate: f64 = cohorts.iter().map(|c| model.log_likelihood(&RetentionData::from_survivors(c).unwrap())).sum();
        prop_assert!((pooled - separate).abs() <= 1e-9 * separate.abs().max(1.0));
    }
}

/// SplitMix64, with Beta draws from two Gamma draws (Marsaglia & Tsang).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1_u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        x / (x + self.gamma(b))
    }
}
