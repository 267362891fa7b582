//! Parameter draws from a fit's sampling distribution.

use super::IntervalOptions;
use crate::models::{Fit, FitModel};
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
    options.check()?;
    let undefined = |condition: &str| Error::Undefined {
        quantity: "parameter draws",
        condition: condition.to_string(),
    };
    let Some(covariance) = &fit.report.covariance else {
        return Err(undefined(
            "the fit has no covariance: its standard errors are unavailable",
        ));
    };
    let estimates: Vec<f64> = fit.model.parameters().into_iter().map(|(_, v)| v).collect();
    let k = estimates.len();
    let log_covariance: Vec<f64> = covariance
        .iter()
        .enumerate()
        .map(|(at, c)| c / (estimates.get(at / k).unwrap_or(&1.0) * estimates.get(at % k).unwrap_or(&1.0)))
        .collect();
    let factor = cholesky(&log_covariance, k)
        .ok_or_else(|| undefined("the fit's covariance is not positive definite"))?;
    let mut stream = Stream::new(options.get_seed());
    let mut normals = vec![0.0; k];
    let mut params = vec![0.0; k];
    (0..options.get_draws())
        .map(|_| {
            normals.iter_mut().for_each(|z| *z = stream.normal());
            for (i, (param, estimate)) in params.iter_mut().zip(&estimates).enumerate() {
                let row = factor.get(i * k..i * k + i + 1).unwrap_or_default();
                let shift: f64 = row.iter().zip(&normals).map(|(l, z)| l * z).sum();
                *param = estimate * shift.exp();
            }
            fit.model.with_parameters(&params)
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
