//! Every prediction of every purchase model is finite and in range for
//! parameters from 1e-6 to 1e6, frequencies up to 1e5, T up to 1e6, α = β
//! (Pareto/NBD), t_x = T and horizons from 0 to 1e6.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use repurchase::models::{BetaGeo, FrequencyData, ModifiedBetaGeo, ParetoNbd, PurchaseModel};

fn positive() -> impl Strategy<Value = f64> {
    (-6.0..6.0_f64).prop_map(|e| 10_f64.powf(e))
}

/// A customer pattern `(x, t_x, T)` and a horizon, edges included.
fn pattern() -> impl Strategy<Value = (f64, f64, f64, f64)> {
    (
        prop_oneof![Just(0.0), 1.0..20.0_f64, Just(1e5)],
        prop_oneof![Just(1.0), 0.0..1.0_f64],
        prop_oneof![Just(1e6), 0.0..100.0_f64],
        prop_oneof![Just(0.0), 0.0..1e3_f64, Just(1e6)],
    )
        .prop_map(|(x, share, big_t, h)| {
            let x = x.floor();
            let t_x = if x == 0.0 { 0.0 } else { big_t * share };
            (x, t_x, big_t, h)
        })
}

fn check(model: &dyn PurchaseModel, (x, t_x, big_t, h): (f64, f64, f64, f64)) -> Result<(), TestCaseError> {
    let alive = model.p_alive(x, t_x, big_t).unwrap();
    prop_assert!((0.0..=1.0).contains(&alive), "P(alive) {}", alive);
    let quiet = model.p_no_purchase(x, t_x, big_t, h).unwrap();
    prop_assert!((0.0..=1.0).contains(&quiet), "P(no purchase) {}", quiet);
    let e = model.conditional_expected_purchases(x, t_x, big_t, h).unwrap();
    prop_assert!(e.is_finite() && e >= 0.0, "E[Y] {}", e);
    let e = model.expected_purchases(h).unwrap();
    prop_assert!(e.is_finite() && e >= 0.0, "E[X] {}", e);
    Ok(())
}

proptest! {
    // Every case costs a few hundred special-function evaluations: fewer
    // unoptimised, the full count in the release run CI makes.
    #![proptest_config(ProptestConfig::with_cases(if cfg!(debug_assertions) { 48 } else { 256 }))]

    #[test]
    fn bgnbd_predictions_are_finite(
        r in positive(), alpha in positive(), a in positive(), b in positive(), p in pattern(),
    ) {
        let model = BetaGeo::new(r, alpha, a, b).unwrap();
        check(&model, p)?;
        let one = FrequencyData::from_rows([(p.0, p.1, p.2, 1.0)]).unwrap();
        prop_assert!(model.log_likelihood(&one).is_finite());
        let pmf = model.purchase_count_probability(p.0 as u32, p.3).unwrap();
        prop_assert!((0.0..=1.0).contains(&pmf));
    }

    #[test]
    fn mbgnbd_predictions_are_finite(
        r in positive(), alpha in positive(), a in positive(), b in positive(), p in pattern(),
    ) {
        let model = ModifiedBetaGeo::new(r, alpha, a, b).unwrap();
        check(&model, p)?;
        let pmf = model.purchase_count_probability(p.0 as u32, p.3).unwrap();
        prop_assert!((0.0..=1.0).contains(&pmf));
    }

    #[test]
    fn pareto_nbd_predictions_are_finite(
        r in positive(), alpha in positive(), s in positive(), beta in positive(),
        same_scale in any::<bool>(), p in pattern(),
    ) {
        let beta = if same_scale { alpha } else { beta };
        let model = ParetoNbd::new(r, alpha, s, beta).unwrap();
        check(&model, p)?;
        let dert = model.discounted_expected_residual_purchases(p.0, p.1, p.2, 1e-3).unwrap();
        prop_assert!(dert.is_finite() && dert >= 0.0, "DERT {}", dert);
        let one = FrequencyData::from_rows([(p.0, p.1, p.2, 1.0)]).unwrap();
        prop_assert!(model.log_likelihood(&one).is_finite());
    }
}
