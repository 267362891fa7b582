//! Parameter recovery: BG/NBD and Pareto/NBD fits on customer bases simulated from known
//! parameters land within three standard errors of the truth.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use repurchase::models::{BetaGeo, FitOptions, FrequencyData, ParetoNbd};

mod support;

use support::{Rng, bgnbd_repeat_times, pareto_repeat_times};

#[test]
fn fits_recover_known_parameters_within_three_standard_errors() {
    let truth = [0.243, 4.414, 0.793, 2.426];
    // b is weakly identified (its standard error is a third of its size on
    // CDNOW): at 3,000 customers its estimates are skewed and 3-SE bands
    // cover ~90 %; at 20,000 the z-scores have mean ≈ 0 and sd ≈ 1 for
    // every parameter, as the asymptotics promise.
    let (replicates, customers) = (50, 20_000);
    let mut covered = 0;
    for seed in 0..replicates {
        let mut rng = Rng(1_000 + seed);
        // Acquired across 12 weeks, observed for 27 to 39 weeks, in days / 7.
        let mut times = Vec::new();
        let rows = (0..customers)
            .map(|_| {
                let big_t = (27.0 * 7.0 + (rng.uniform() * 84.0).floor()) / 7.0;
                bgnbd_repeat_times(&mut rng, truth, big_t, &mut times);
                (
                    times.len() as f64,
                    times.last().copied().unwrap_or(0.0),
                    big_t,
                    1.0,
                )
            })
            .collect::<Vec<_>>();
        let fit = BetaGeo::fit(&FrequencyData::from_rows(rows).unwrap(), &FitOptions::default()).unwrap();
        assert!(fit.report.converged, "seed {seed}: {:?}", fit.report);
        let se = fit.report.standard_errors.values().unwrap().to_vec();
        let within = fit
            .model
            .params()
            .iter()
            .zip(truth)
            .zip(&se)
            .all(|((est, t), s)| (est - t).abs() <= 3.0 * s);
        covered += u32::from(within);
    }
    assert!(
        covered * 100 >= 95 * replicates as u32,
        "{covered} of {replicates} replicates within 3 SE"
    );
}

#[test]
fn pareto_fits_recover_known_parameters_within_three_standard_errors() {
    let truth = [0.553, 10.578, 0.606, 11.669];
    let (replicates, customers) = (50, 10_000);
    let mut covered = 0;
    for seed in 0..replicates {
        let mut rng = Rng(5_000 + seed);
        let mut times = Vec::new();
        let rows = (0..customers)
            .map(|_| {
                let big_t = (27.0 * 7.0 + (rng.uniform() * 84.0).floor()) / 7.0;
                pareto_repeat_times(&mut rng, truth, big_t, &mut times);
                (
                    times.len() as f64,
                    times.last().copied().unwrap_or(0.0),
                    big_t,
                    1.0,
                )
            })
            .collect::<Vec<_>>();
        let fit = ParetoNbd::fit(&FrequencyData::from_rows(rows).unwrap(), &FitOptions::default()).unwrap();
        assert!(fit.report.converged, "seed {seed}: {:?}", fit.report);
        let se = fit.report.standard_errors.values().unwrap().to_vec();
        let z: Vec<f64> = fit
            .model
            .params()
            .iter()
            .zip(truth)
            .zip(&se)
            .map(|((e, t), s)| (e - t) / s)
            .collect();
        covered += u32::from(z.iter().all(|z| z.abs() <= 3.0));
    }
    assert!(
        covered * 100 >= 95 * replicates as u32,
        "{covered} of {replicates} replicates within 3 SE"
    );
}
