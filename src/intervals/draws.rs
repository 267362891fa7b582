//! Parameter draws from a fit's sampling distribution.

use super::IntervalOptions;
use crate::models::{CovariateModel, Fit, FitModel, FitReport, WithCovariates};
use crate::random::Stream;
use crate::{Error, Result};

/// `options.get_draws()` parameter sets drawn from the fit's sampling
/// distribution: ln θ ~ N(ln θ̂, Σ_ln), where `Σ_ln[i][j] = Σ[i][j]/(θ̂ᵢ θ̂ⱼ)`
/// is the fit's covariance on the log scale (the delta method), each set
/// made a model by [`FitModel::with_parameters`]. Any prediction computed
/// under each gives that prediction's distribution.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for bad options; [`Error::Undefined`] when
/// the fit has no covariance (its standard errors are unavailable) or it
/// is not positive definite; the model's error for a drawn parameter it
/// refuses (a covariance so wide that a draw overflows).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, parameter_draws};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let draws = parameter_draws(&fit, &IntervalOptions::default().draws(2_000))?;
/// let mean_r = draws.iter().map(|m| m.r()).sum::<f64>() / 2_000.0;
/// assert!((mean_r - fit.model.r()).abs() < 0.01);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parameter_draws<M: FitModel>(fit: &Fit<M>, options: &IntervalOptions) -> Result<Vec<M>> {
    let estimates: Vec<f64> = fit.model.parameters().into_iter().map(|(_, v)| v).collect();
    draws(&estimates, estimates.len(), &fit.report, options, |params| {
        fit.model.with_parameters(params)
    })
}

/// [`parameter_draws`] for a fit with covariates: its four base parameters
/// log-normal as there, its effects (which may be negative) normal, all
/// with the fit's covariance. Each draw's
/// [`for_customer`](WithCovariates::for_customer) gives that customer's
/// model under it, so a customer's prediction under every draw gives its
/// interval ([`Interval::of_draws`](super::Interval::of_draws)).
///
/// # Errors
///
/// As [`parameter_draws`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{Interval, IntervalOptions, covariate_draws};
/// use repurchase::models::{BetaGeo, CovariateData, Covariates, FitOptions, WithCovariates};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
/// use rust_decimal::{Decimal, prelude::ToPrimitive};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// // Whether the first day's spend was above $30.
/// let first = |s: &repurchase::CustomerSummary<u32>| s.total_spend - s.monetary_value.unwrap_or_default() * Decimal::from(s.frequency);
/// let big_first: Vec<f64> = summaries.iter().map(|s| f64::from(u8::from(first(s) > Decimal::from(30)))).collect();
/// let purchase = Covariates::from_columns([("big first", big_first)])?;
/// let fit = WithCovariates::<BetaGeo>::fit(&CovariateData::from_summaries(&summaries, &purchase, &Covariates::none())?, &FitOptions::default())?;
/// let options = IntervalOptions::default().draws(200);
/// // A big first spender who bought twice since, the last time 30 weeks in, 38 weeks ago.
/// let p_alive = |model: &WithCovariates<BetaGeo>| model.for_customer(&[1.0], &[])?.p_alive(2.0, 30.0, 38.0);
/// let values = covariate_draws(&fit, &options)?.iter().map(p_alive).collect::<Result<Vec<f64>, _>>()?;
/// let interval = Interval::of_draws(p_alive(&fit.model)?, &values, options.get_level())?;
/// assert!(0.0 <= interval.lower && interval.lower <= interval.upper && interval.upper <= 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn covariate_draws<M: CovariateModel>(
    fit: &Fit<WithCovariates<M>>,
    options: &IntervalOptions,
) -> Result<Vec<WithCovariates<M>>> {
    let estimates: Vec<f64> = fit.model.parameters().into_iter().map(|(_, v)| v).collect();
    draws(&estimates, 4, &fit.report, options, |params| {
        fit.model.with_parameters(params)
    })
}

/// `options.get_draws()` parameter sets around `estimates`, each made a
/// model by `make`: the first `positive` log-normal, the rest normal, with
/// the report's covariance carried to the log scale of the positive ones
/// (the delta method: entry (i, j) over θ̂ᵢ for a positive i, and over θ̂ⱼ
/// for a positive j).
fn draws<T>(
    estimates: &[f64],
    positive: usize,
    report: &FitReport,
    options: &IntervalOptions,
    mut make: impl FnMut(&[f64]) -> Result<T>,
) -> Result<Vec<T>> {
    options.check()?;
    let undefined = |condition: &str| Error::Undefined {
        quantity: "parameter draws",
        condition: condition.to_string(),
    };
    let Some(covariance) = &report.covariance else {
        return Err(undefined(
            "the fit has no covariance: its standard errors are unavailable",
        ));
    };
    let k = estimates.len();
    let scale = |i: usize| {
        if i < positive {
            estimates.get(i).copied().unwrap_or(1.0)
        } else {
            1.0
        }
    };
    let log_covariance: Vec<f64> = covariance
        .iter()
        .enumerate()
        .map(|(at, c)| c / (scale(at / k) * scale(at % k)))
        .collect();
    let factor = cholesky(&log_covariance, k)
        .ok_or_else(|| undefined("the fit's covariance is not positive definite"))?;
    let mut stream = Stream::new(options.get_seed());
    let mut normals = vec![0.0; k];
    let mut params = vec![0.0; k];
    (0..options.get_draws())
        .map(|_| {
            normals.iter_mut().for_each(|z| *z = stream.normal());
            for (i, (param, estimate)) in params.iter_mut().zip(estimates).enumerate() {
                let row = factor.get(i * k..i * k + i + 1).unwrap_or_default();
                let shift: f64 = row.iter().zip(&normals).map(|(l, z)| l * z).sum();
                *param = if i < positive {
                    estimate * shift.exp()
                } else {
                    estimate + shift
                };
            }
            make(&params)
        })
        .collect()
}

/// The lower-triangular L with L Lᵀ = `matrix` (k × k, row by row), or
/// `None` when it is not positive definite.
fn cholesky(matrix: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut factor = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let dot: f64 = (0..j)
                .map(|m| {
                    factor.get(i * k + m).copied().unwrap_or(0.0)
                        * factor.get(j * k + m).copied().unwrap_or(0.0)
                })
                .sum();
            let value = matrix.get(i * k + j).copied()? - dot;
            let entry = if i == j {
                if !(value > 0.0 && value.is_finite()) {
                    return None;
                }
                value.sqrt()
            } else {
                value / factor.get(j * k + j).copied()?
            };
            *factor.get_mut(i * k + j)? = entry;
        }
    }
    Some(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_factors_a_known_matrix() {
        // [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l[..3], [2.0, 0.0, 1.0]);
        assert!((l[3] - 2_f64.sqrt()).abs() < 1e-15);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
