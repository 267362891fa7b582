//! BG/NBD and Pareto/NBD with time-invariant covariates: without
//! covariates they are the base fits; simulated covariate effects are
//! recovered within three standard errors.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::models::{
    BetaGeo, CovariateData, CovariateModel, Covariates, FitOptions, FrequencyData, ParetoNbd, WithCovariates,
};
use repurchase::{Error, SummaryOptions, TimeUnit, datasets::cdnow_sample};

mod support;

use support::{Rng, bgnbd_repeat_times, pareto_repeat_times};

fn cdnow() -> repurchase::Summaries<u32> {
    let end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks))
}

/// Without covariates the fit starts at the base fit's optimum and stays
/// there: the same estimates and log-likelihood to 1e-10, and standard
/// errors from the same information to the differencing's precision.
#[test]
fn without_covariates_the_fits_are_the_base_fits() {
    let summaries = cdnow();
    let plain = FrequencyData::from_summaries(&summaries);
    let data = CovariateData::from_summaries(&summaries, &Covariates::none(), &Covariates::none()).unwrap();
    assert_eq!(data.rows(), plain.rows().len());
    let options = FitOptions::default();

    let base = BetaGeo::fit(&plain, &options).unwrap();
    let with = WithCovariates::<BetaGeo>::fit(&data, &options).unwrap();
    assert_same_fit(
        &base.model.params(),
        with.model.base().params(),
        &base.report,
        &with.report,
    );
    let base = ParetoNbd::fit(&plain, &options).unwrap();
    let with = WithCovariates::<ParetoNbd>::fit(&data, &options).unwrap();
    assert_same_fit(
        &base.model.params(),
        with.model.base().params(),
        &base.report,
        &with.report,
    );
    assert_eq!(with.model.base().time(), base.model.time());
}

fn assert_same_fit(
    base: &[f64; 4],
    with: [f64; 4],
    base_report: &repurchase::models::FitReport,
    report: &repurchase::models::FitReport,
) {
    for (b, w) in base.iter().zip(with) {
        assert!((b / w - 1.0).abs() <= 1e-10, "{base:?} vs {with:?}");
    }
    let (lb, lw) = (base_report.log_likelihood, report.log_likelihood);
    assert!((lb - lw).abs() <= 1e-10 * lb.abs(), "{lb} vs {lw}");
    let (sb, sw) = (
        base_report.standard_errors.values().unwrap(),
        report.standard_errors.values().unwrap(),
    );
    for (b, w) in sb.iter().zip(sw) {
        assert!((b / w - 1.0).abs() <= 1e-4, "{sb:?} vs {sw:?}");
    }
}

/// A covariate that is 0 for everyone carries no information: its effect
/// stays 0, the base estimates are the base fit's, and the report says
/// the standard errors are unavailable rather than inventing one.
#[test]
fn a_covariate_without_variation_is_not_given_a_standard_error() {
    let summaries = cdnow();
    let zeros = Covariates::from_columns([("nothing", vec![0.0; summaries.len()])]).unwrap();
    let data = CovariateData::from_summaries(&summaries, &zeros, &Covariates::none()).unwrap();
    let fit = WithCovariates::<BetaGeo>::fit(&data, &FitOptions::default()).unwrap();
    let base = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default()).unwrap();
    assert_eq!(fit.model.purchase_effects()[0].1, 0.0);
    assert_eq!(fit.model.base().params(), base.model.params());
    assert!(fit.report.standard_errors.values().is_none(), "{:?}", fit.report);
}

/// The natural log of each CDNOW customer's first-day spend (at least $1),
/// centred on its mean.
fn ln_first_amount(summaries: &repurchase::Summaries<u32>) -> Vec<f64> {
    let first: Vec<f64> = summaries
        .iter()
        .map(|s| {
            let repeats = s.monetary_value.unwrap_or_default() * rust_decimal::Decimal::from(s.frequency);
            let amount: f64 = (s.total_spend - repeats).try_into().unwrap();
            amount.max(1.0).ln()
        })
        .collect();
    let mean = first.iter().sum::<f64>() / first.len() as f64;
    first.iter().map(|v| v - mean).collect()
}

/// The log of the first purchase's amount in both processes on the CDNOW
/// sample, against SciPy's maximum likelihood of independently written
/// likelihoods (tests/data/make_covariates_reference.py: Nelder–Mead and
/// BFGS on numerical gradients; Pareto/NBD's integral by quadrature):
/// estimates to 1e-4, log-likelihoods to 1e-8, standard errors (there
/// from a central-difference Hessian) to 1e-3.
#[test]
fn cdnow_fits_with_the_first_amount_match_scipy() {
    let summaries = cdnow();
    let z = ln_first_amount(&summaries);
    let purchase = Covariates::from_columns([("ln first amount", z.clone())]).unwrap();
    let dropout = Covariates::from_columns([("ln first amount", z)]).unwrap();
    let data = CovariateData::from_summaries(&summaries, &purchase, &dropout).unwrap();
    let path = format!(
        "{}/tests/data/covariates_reference.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(reference["customers"], summaries.len());
    let options = FitOptions::default();
    let bgnbd = WithCovariates::<BetaGeo>::fit(&data, &options).unwrap();
    println!("{bgnbd}");
    assert_matches_reference(&bgnbd.model.parameters(), &bgnbd.report, &reference["bgnbd"]);
    let pareto = WithCovariates::<ParetoNbd>::fit(&data, &options).unwrap();
    println!("{pareto}");
    assert_matches_reference(
        &pareto.model.parameters(),
        &pareto.report,
        &reference["pareto_nbd"],
    );
}

fn assert_matches_reference(
    parameters: &[(String, f64)],
    report: &repurchase::models::FitReport,
    want: &serde_json::Value,
) {
    assert!(report.converged, "{report:?}");
    let values = want["params"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&want["purchase_effect"], &want["dropout_effect"]])
        .map(|v| v.as_f64().unwrap());
    let se = report.standard_errors.values().unwrap();
    let want_se = want["standard_errors"].as_array().unwrap();
    for (((name, got), want), (se, want_se)) in parameters.iter().zip(values).zip(se.iter().zip(want_se)) {
        assert!(
            (got - want).abs() <= 1e-4 * want.abs().max(0.1),
            "{name}: {got} vs {want}"
        );
        let want_se = want_se.as_f64().unwrap();
        assert!((se / want_se - 1.0).abs() <= 1e-3, "{name} SE: {se} vs {want_se}");
    }
    let want_ll = want["log_likelihood"].as_f64().unwrap();
    let ll = report.log_likelihood;
    assert!((ll - want_ll).abs() <= 1e-8 * want_ll.abs(), "{ll} vs {want_ll}");
}

/// On the CDNOW sample the amount of the first purchase predicts the
/// purchase rate: customers who opened with more buy more often. The fit
/// says so with a significant positive effect, its AIC beats the base
/// fit's, and each customer's model is the base model at their own α.
#[test]
fn the_first_purchase_amount_shifts_the_cdnow_purchase_rate() {
    let summaries = cdnow();
    let centred = ln_first_amount(&summaries);
    let purchase = Covariates::from_columns([("ln first amount", centred.clone())]).unwrap();
    let data = CovariateData::from_summaries(&summaries, &purchase, &Covariates::none()).unwrap();
    let options = FitOptions::default();
    let fit = WithCovariates::<BetaGeo>::fit(&data, &options).unwrap();
    let base = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &options).unwrap();
    let (gamma, se) = (
        fit.model.purchase_effects()[0].1,
        fit.report.standard_errors.values().unwrap()[4],
    );
    assert!(fit.report.converged);
    assert!(gamma > 3.0 * se, "{gamma} ± {se}");
    assert!(fit.aic() < base.aic());
    let customer = fit.model.for_customer(&[centred[7]], &[]).unwrap();
    let [r, alpha, a, b] = fit.model.base().params();
    let want = BetaGeo::new(r, alpha * (-gamma * centred[7]).exp(), a, b).unwrap();
    assert_eq!(customer.params(), want.params());
    let without =
        CovariateData::from_summaries(&summaries, &Covariates::none(), &Covariates::none()).unwrap();
    assert!(matches!(
        fit.model.log_likelihood(&without),
        Err(Error::InvalidInput { .. })
    ));
}

/// Parameter draws of a fit with covariates follow its covariance: the
/// effects normal around their estimates (negative draws included), the
/// base parameters log-normal, with the standard errors' spread.
#[test]
fn covariate_draws_follow_the_fit_covariance() {
    use repurchase::intervals::{Interval, IntervalOptions, covariate_draws};
    let summaries = cdnow();
    let z = ln_first_amount(&summaries);
    let purchase = Covariates::from_columns([("ln first amount", z.clone())]).unwrap();
    let dropout = Covariates::from_columns([("ln first amount", z)]).unwrap();
    let data = CovariateData::from_summaries(&summaries, &purchase, &dropout).unwrap();
    let fit = WithCovariates::<BetaGeo>::fit(&data, &FitOptions::default()).unwrap();
    let n = 20_000;
    let draws = covariate_draws(&fit, &IntervalOptions::default().draws(n).seed(3)).unwrap();
    let estimates: Vec<f64> = fit.model.parameters().iter().map(|(_, v)| *v).collect();
    let se = fit.report.standard_errors.values().unwrap();
    for i in 0..estimates.len() {
        // Effects on their own scale, base parameters on the log scale.
        let at = |v: f64| if i < 4 { v.ln() } else { v };
        let values: Vec<f64> = draws.iter().map(|m| at(m.parameters()[i].1)).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let want_sd = if i < 4 { se[i] / estimates[i] } else { se[i] };
        assert!(
            (mean - at(estimates[i])).abs() < 4.0 * want_sd / (n as f64).sqrt(),
            "{i}: mean {mean}"
        );
        assert!((sd / want_sd - 1.0).abs() < 0.03, "{i}: sd {sd} vs {want_sd}");
    }
    // The dropout effect, 0.30 ± 0.31, is drawn below 0 about a sixth of the time.
    let negative = draws.iter().filter(|m| m.dropout_effects()[0].1 < 0.0).count();
    assert!((0.1..0.25).contains(&(negative as f64 / n as f64)), "{negative}");
    let values: Vec<f64> = draws.iter().map(|m| m.dropout_effects()[0].1).collect();
    let interval = Interval::of_draws(fit.model.dropout_effects()[0].1, &values, 0.9).unwrap();
    assert!(
        (interval.upper - interval.lower - 2.0 * 1.645 * se[5]).abs() < 0.05 * se[5],
        "{interval:?}"
    );
}

/// Customers simulated from known base parameters and effects: a binary
/// and a normal purchase covariate, a binary dropout covariate.
fn simulate(
    seed: u64,
    customers: usize,
    base: [f64; 4],
    effects: [f64; 3],
    factors: impl Fn([f64; 4], f64, f64) -> [f64; 4],
    repeat_times: fn(&mut Rng, [f64; 4], f64, &mut Vec<f64>),
) -> CovariateData {
    let mut rng = Rng::new(seed);
    let (mut apps, mut incomes, mut complained) = (Vec::new(), Vec::new(), Vec::new());
    let mut patterns = Vec::new();
    let mut times = Vec::new();
    for _ in 0..customers {
        let app = f64::from(u8::from(rng.uniform() < 0.4));
        // A standard normal income index, by Box–Muller.
        let income =
            (-2.0 * (1.0 - rng.uniform()).ln()).sqrt() * (std::f64::consts::TAU * rng.uniform()).cos();
        let z = [app, income];
        let w = f64::from(u8::from(rng.uniform() < 0.3));
        let params = factors(base, effects[0] * z[0] + effects[1] * z[1], effects[2] * w);
        let big_t = (27.0 * 7.0 + (rng.uniform() * 84.0).floor()) / 7.0;
        repeat_times(&mut rng, params, big_t, &mut times);
        patterns.push((times.len() as f64, times.last().copied().unwrap_or(0.0), big_t));
        apps.push(z[0]);
        incomes.push(z[1]);
        complained.push(w);
    }
    let purchase = Covariates::from_columns([("app", apps), ("income", incomes)]).unwrap();
    let dropout = Covariates::from_columns([("complained", complained)]).unwrap();
    CovariateData::from_rows(patterns, &purchase, &dropout).unwrap()
}

/// Fits `replicates` simulated bases and counts those whose three effects
/// all lie within three standard errors of the truth: at least 95 % must.
fn assert_recovery<M: CovariateModel>(
    replicates: u64,
    customers: usize,
    first_seed: u64,
    base: [f64; 4],
    effects: [f64; 3],
    factors: impl Fn([f64; 4], f64, f64) -> [f64; 4],
    repeat_times: fn(&mut Rng, [f64; 4], f64, &mut Vec<f64>),
) {
    let mut covered = 0;
    let mut z_scores = vec![Vec::new(); 3];
    for seed in first_seed..first_seed + replicates {
        let data = simulate(seed, customers, base, effects, &factors, repeat_times);
        let fit = WithCovariates::<M>::fit(&data, &FitOptions::default()).unwrap();
        assert!(fit.report.converged, "seed {seed}: {:?}", fit.report);
        let se = fit.report.standard_errors.values().unwrap();
        let estimates = fit
            .model
            .purchase_effects()
            .iter()
            .chain(fit.model.dropout_effects())
            .map(|(_, v)| *v);
        let mut within = true;
        for (i, (estimate, truth)) in estimates.zip(effects).enumerate() {
            let z = (estimate - truth) / se[4 + i];
            z_scores[i].push(z);
            within &= z.abs() <= 3.0;
        }
        covered += u64::from(within);
    }
    for (i, z) in z_scores.iter().enumerate() {
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let sd = (z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64).sqrt();
        println!("effect {i}: z-scores mean {mean:.2}, sd {sd:.2}");
    }
    assert!(
        covered * 100 >= 95 * replicates,
        "{covered} of {replicates} replicates within 3 SE"
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "fits for minutes unoptimised; run with `cargo test --release --test models_covariates`, as CI does"
)]
fn bgnbd_covariate_effects_are_recovered_within_three_standard_errors() {
    assert_recovery::<BetaGeo>(
        100,
        10_000,
        100,
        [0.5, 5.0, 0.8, 2.5],
        [0.6, -0.3, 0.8],
        |[r, alpha, a, b], u, v| [r, alpha * (-u).exp(), a * v.exp(), b * v.exp()],
        bgnbd_repeat_times,
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "fits for minutes unoptimised; run with `cargo test --release --test models_covariates`, as CI does"
)]
fn pareto_covariate_effects_are_recovered_within_three_standard_errors() {
    assert_recovery::<ParetoNbd>(
        100,
        10_000,
        500,
        [0.5, 8.0, 0.7, 12.0],
        [0.6, -0.3, 0.8],
        |[r, alpha, s, beta], u, v| [r, alpha * (-u).exp(), s, beta * (-v).exp()],
        pareto_repeat_times,
    );
}
