//! Maximum likelihood on log-parameters: options, report, the driver.

use std::fmt;

use super::optimize::bfgs;
use crate::invariant::{item, item_mut};
use crate::{Error, Result};

/// How models are fitted by maximum likelihood.
///
/// | option | default | meaning | range |
/// |---|---|---|---|
/// | [`max_iterations`](Self::max_iterations) | 1000 | BFGS iterations per start | 1 to 100,000 |
/// | [`tolerance`](Self::tolerance) | 1e-8 | largest gradient component of the mean log-likelihood in log-parameters at convergence | > 0, finite |
/// | [`penalty`](Self::penalty) | 0 | L2 penalty λ: the objective is −LL / n + λ Σ θᵢ² over the natural parameters θ, as lifetimes' `penalizer_coef` | ≥ 0, finite |
///
/// # Example
///
/// ```
/// use repurchase::models::FitOptions;
///
/// let options = FitOptions::default().penalty(0.001).max_iterations(200);
/// assert_eq!(options.get_penalty(), 0.001);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitOptions {
    max_iterations: u32,
    tolerance: f64,
    penalty: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iterations: 1000,
            tolerance: 1e-8,
            penalty: 0.0,
        }
    }
}

impl FitOptions {
    /// Sets the iteration bound per start.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::FitOptions;
    /// assert_eq!(FitOptions::default().max_iterations(50).get_max_iterations(), 50);
    /// ```
    #[must_use]
    pub fn max_iterations(mut self, iterations: u32) -> Self {
        self.max_iterations = iterations;
        self
    }

    /// Sets the gradient tolerance.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::FitOptions;
    /// assert_eq!(FitOptions::default().tolerance(1e-6).get_tolerance(), 1e-6);
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the L2 penalty λ.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::FitOptions;
    /// assert_eq!(FitOptions::default().penalty(0.1).get_penalty(), 0.1);
    /// ```
    #[must_use]
    pub fn penalty(mut self, penalty: f64) -> Self {
        self.penalty = penalty;
        self
    }

    /// The iteration bound.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::FitOptions;
    /// assert_eq!(FitOptions::default().get_max_iterations(), 1000);
    /// ```
    pub fn get_max_iterations(&self) -> u32 {
        self.max_iterations
    }

    /// The gradient tolerance.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::FitOptions;
    /// assert_eq!(FitOptions::default().get_tolerance(), 1e-8);
    /// ```
    pub fn get_tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The L2 penalty.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::FitOptions;
    /// assert_eq!(FitOptions::default().get_penalty(), 0.0);
    /// ```
    pub fn get_penalty(&self) -> f64 {
        self.penalty
    }

    fn check(&self) -> Result<()> {
        let invalid = |name: &'static str, value: f64, expected: &'static str| Error::InvalidParameter {
            name,
            value: value.to_string(),
            expected,
        };
        if !(1..=MAX_ITERATIONS).contains(&self.max_iterations) {
            return Err(invalid(
                "max_iterations",
                f64::from(self.max_iterations),
                "from 1 to 100,000 iterations per start",
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(invalid("tolerance", self.tolerance, "a finite number > 0"));
        }
        if !(self.penalty.is_finite() && self.penalty >= 0.0) {
            return Err(invalid("penalty", self.penalty, "a finite number ≥ 0"));
        }
        Ok(())
    }
}

/// Standard errors of the estimates, from the inverse of the observed
/// information (the Hessian of −LL at the estimates).
///
/// # Example
///
/// ```
/// use repurchase::models::StandardErrors;
///
/// let se = StandardErrors::Unavailable { reason: "the Hessian is singular".into() };
/// assert!(se.values().is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum StandardErrors {
    /// One standard error per parameter, in the model's parameter order.
    Available(Vec<f64>),
    /// The information matrix is singular or not positive definite (a flat
    /// likelihood or a parameter at a boundary).
    Unavailable {
        /// Why.
        reason: String,
    },
}

impl StandardErrors {
    /// The standard errors, when available.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::StandardErrors;
    ///
    /// assert_eq!(StandardErrors::Available(vec![0.1]).values(), Some(&[0.1][..]));
    /// ```
    pub fn values(&self) -> Option<&[f64]> {
        match self {
            StandardErrors::Available(v) => Some(v),
            StandardErrors::Unavailable { .. } => None,
        }
    }
}

/// How a fit went.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, models::{BetaGeo, FitOptions, FrequencyData}, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// assert!(fit.report.converged && fit.report.at_boundary.is_empty());
/// assert!((fit.report.log_likelihood - -9582.4).abs() < 0.05); // the paper's value
/// assert_eq!(fit.report.standard_errors.values().map(|se| se.len()), Some(4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct FitReport {
    /// The log-likelihood at the estimates (without the penalty).
    pub log_likelihood: f64,
    /// BFGS iterations of the best start over the data (for large data,
    /// not counting the fit of the sample it started from).
    pub iterations: u32,
    /// Largest gradient component of the objective at the estimates.
    pub gradient_norm: f64,
    /// `true` when the gradient fell below the tolerance, or below 1e-5
    /// (scipy's default) where no step could lower the objective any more
    /// within f64 precision.
    pub converged: bool,
    /// Names of parameters that ran to a boundary (below 1e-6 or above 1e6):
    /// their estimates are finite but the data do not pin them down.
    pub at_boundary: Vec<String>,
    /// Standard errors of the estimates.
    pub standard_errors: StandardErrors,
    /// The covariance matrix of the estimates, from the inverse of the
    /// observed information: `k × k` row by row for `k` parameters in the
    /// model's order, with the standard errors' squares on its diagonal;
    /// `None` where they are unavailable. Parameter draws for intervals
    /// start from it.
    pub covariance: Option<Vec<f64>>,
}

/// A fitted model and how the fit went.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, models::{BetaGeo, FitOptions, FrequencyData}, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// println!("r = {:.3}, LL = {:.1}", fit.model.r(), fit.report.log_likelihood);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fit<M> {
    /// The model at the estimates.
    pub model: M,
    /// How the fit went.
    pub report: FitReport,
}

/// What the six fitted models share: fitting by maximum likelihood, the
/// log-likelihood of data, and their named parameters. A [`Fit`] of any of
/// them prints its report (see [`Fit`]'s `Display`).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{BetaGeo, FitModel, FitOptions, FrequencyData, ModifiedBetaGeo, ParetoNbd};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// /// The model of the three that fits the data best, by AIC.
/// fn aic<M: FitModel<Data = FrequencyData>>(data: &FrequencyData) -> repurchase::Result<f64> {
///     let fit = M::fit(data, &FitOptions::default())?;
///     Ok(fit.aic())
/// }
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let data = FrequencyData::from_summaries(&cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks)));
/// let scores = [aic::<BetaGeo>(&data)?, aic::<ModifiedBetaGeo>(&data)?, aic::<ParetoNbd>(&data)?];
/// assert!(scores.iter().all(|a| a.is_finite()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FitModel: Sized {
    /// The model's name, as the literature writes it ("BG/NBD").
    const NAME: &'static str;

    /// The data the model is fitted on.
    type Data;

    /// The maximum-likelihood fit of `data`.
    ///
    /// # Errors
    ///
    /// The model's own `fit`'s.
    fn fit(data: &Self::Data, options: &FitOptions) -> Result<Fit<Self>>;

    /// The log-likelihood of `data` under the model.
    ///
    /// # Errors
    ///
    /// The model's own `log_likelihood`'s (BG/BB checks its opportunities).
    fn log_likelihood(&self, data: &Self::Data) -> Result<f64>;

    /// The parameters by name, in the model's order (the order of the
    /// report's standard errors).
    fn parameters(&self) -> Vec<(&'static str, f64)>;

    /// The same model with other parameters, in the order of
    /// [`parameters`](Self::parameters), keeping what is not a parameter
    /// (the time unit): how parameter draws become models.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a parameter the model's constructor
    /// refuses, or the wrong number of them.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, FitModel, ModelTime};
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
    /// let other = model.with_parameters(&[0.25, 4.0, 0.8, 2.5])?;
    /// assert_eq!((other.r(), other.time()), (0.25, Some(ModelTime::Weeks)));
    /// assert!(model.with_parameters(&[0.25, 4.0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn with_parameters(&self, params: &[f64]) -> Result<Self>;
}

impl<M: FitModel> Fit<M> {
    /// Akaike's information criterion, `2k − 2 ln L` for `k` parameters:
    /// lower is better between models of the same data.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FitOptions, FrequencyData, BetaGeo, FitModel};
    ///
    /// let data = FrequencyData::from_rows([(0.0, 0.0, 38.0, 10.0), (2.0, 30.0, 38.0, 5.0), (5.0, 36.0, 38.0, 2.0)])?;
    /// let fit = BetaGeo::fit(&data, &FitOptions::default())?;
    /// assert_eq!(fit.aic(), 8.0 - 2.0 * fit.report.log_likelihood);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aic(&self) -> f64 {
        2.0 * self.model.parameters().len() as f64 - 2.0 * self.report.log_likelihood
    }
}

/// The report as lifetimes and CLVTools print theirs: each estimate with
/// its standard error and Wald 95 % interval (estimate ± 1.96 SE), then the
/// log-likelihood, AIC, iterations and any parameter at a boundary.
///
/// ```text
/// BG/NBD, maximum likelihood: converged in 14 iterations
/// parameter     estimate   std. error   95% interval
/// r               0.2426       0.0125   [0.2181, 0.2671]
/// …
/// log-likelihood -9582.43, AIC 19172.86
/// ```
impl<M: FitModel> fmt::Display for Fit<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_report(f, M::NAME, &self.model.parameters(), &self.report, self.aic())
    }
}

/// Writes a fit's report: `name`, then each parameter with its standard
/// error and Wald interval, then the log-likelihood and `aic`.
pub(crate) fn write_report<N: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    parameters: &[(N, f64)],
    report: &FitReport,
    aic: f64,
) -> fmt::Result {
    let state = if report.converged {
        "converged"
    } else {
        "did not converge"
    };
    writeln!(
        f,
        "{name}, maximum likelihood: {state} in {} iterations",
        report.iterations
    )?;
    let width = parameters
        .iter()
        .map(|(n, _)| n.to_string().chars().count())
        .fold(10, usize::max);
    writeln!(
        f,
        "{:<width$} {:>12} {:>12}   95% interval",
        "parameter", "estimate", "std. error"
    )?;
    let errors = report.standard_errors.values();
    for (i, (name, value)) in parameters.iter().enumerate() {
        let name = name.to_string();
        match errors.and_then(|e| e.get(i)) {
            Some(se) => writeln!(
                f,
                "{name:<width$} {value:>12.4} {se:>12.4}   [{:.4}, {:.4}]",
                value - 1.96 * se,
                value + 1.96 * se
            )?,
            None => writeln!(f, "{name:<width$} {value:>12.4} {:>12}", "-")?,
        }
    }
    if let StandardErrors::Unavailable { reason } = &report.standard_errors {
        writeln!(f, "standard errors unavailable: {reason}")?;
    }
    if !report.at_boundary.is_empty() {
        writeln!(f, "at a boundary: {}", report.at_boundary.join(", "))?;
    }
    write!(f, "log-likelihood {:.2}, AIC {aic:.2}", report.log_likelihood)
}

/// Fits `data` with `fit_from`, large data first: a fit of a sample of it
/// (itself started the same way) hands over where it ended, with the
/// curvature learned, so the full fit reaches the same optimum in fewer
/// passes over all of it. The one warm-start driver of every model.
pub(crate) fn warm_started<D, R>(
    data: &D,
    sample: &impl Fn(&D) -> Option<D>,
    fit_from: &impl Fn(&D, Option<&WarmStart>) -> Result<(R, WarmStart)>,
) -> Result<(R, WarmStart)> {
    let warm = sample(data)
        .and_then(|sample_data| warm_started(&sample_data, sample, fit_from).ok())
        .map(|(_, warm)| warm);
    fit_from(data, warm.as_ref())
}

/// The most BFGS iterations per start (a fit converges in tens): each
/// costs a pass over the data, so the option's value is bounded.
const MAX_ITERATIONS: u32 = 100_000;

/// Parameters below or above these are reported as at a boundary.
const BOUNDARY: (f64, f64) = (1e-6, 1e6);

/// Where a fit ended, for a fit of more of the same data to start from:
/// its estimates (natural parameters) and BFGS's inverse Hessian on
/// ln(params). The objective is a per-customer mean, so a sample's
/// curvature is close to the whole data's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WarmStart {
    pub(crate) params: Vec<f64>,
    pub(crate) inverse_hessian: Vec<f64>,
}

/// Maximises a log-likelihood over positive parameters: [`maximise_mixed`]
/// with every parameter positive.
pub(crate) fn maximise(
    names: &[&str],
    total_weight: f64,
    log_likelihood: impl Fn(&[f64], &mut [f64]) -> f64,
    warm: Option<&WarmStart>,
    starts: &[&[f64]],
    options: &FitOptions,
) -> Result<(Vec<f64>, FitReport, WarmStart)> {
    maximise_mixed(
        names,
        names.len(),
        total_weight,
        log_likelihood,
        warm,
        starts,
        options,
    )
}

/// Maximises a log-likelihood whose first `positive` parameters are
/// positive and the rest real (covariate effects).
///
/// `log_likelihood(params, gradient)` returns Σ wᵢ ln Lᵢ at the natural
/// parameters and fills ∂/∂params; `total_weight` scales the objective to
/// a per-customer mean. BFGS runs on ln(param) for the positive ones and on
/// the real ones as they are, from `warm` first, when given, with its
/// inverse Hessian, then from each of `starts` (natural parameters) until
/// one converges with its positive parameters inside their range; the best
/// end point wins. Returns it as estimates, report and warm start.
pub(crate) fn maximise_mixed(
    names: &[&str],
    positive: usize,
    total_weight: f64,
    log_likelihood: impl Fn(&[f64], &mut [f64]) -> f64,
    warm: Option<&WarmStart>,
    starts: &[&[f64]],
    options: &FitOptions,
) -> Result<(Vec<f64>, FitReport, WarmStart)> {
    options.check()?;
    let n = names.len();
    let lambda = options.penalty;
    let natural = |theta: &[f64]| -> Vec<f64> {
        theta
            .iter()
            .enumerate()
            .map(|(i, t)| if i < positive { t.exp() } else { *t })
            .collect()
    };
    let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        let params = natural(theta);
        let bad = |(i, p): (usize, &f64)| !p.is_finite() || (i < positive && *p <= 0.0);
        if params.iter().enumerate().any(bad) {
            return f64::NAN;
        }
        let ll = log_likelihood(&params, grad);
        let mut value = -ll / total_weight;
        for (i, (g, p)) in grad.iter_mut().zip(&params).enumerate() {
            // d/dθ of the penalty λp²: 2λp² on ln p, 2λp on p itself.
            let (scale, penalty) = if i < positive {
                (*p, 2.0 * lambda * p * p)
            } else {
                (1.0, 2.0 * lambda * p)
            };
            *g = -*g * scale / total_weight + penalty;
            value += lambda * p * p;
        }
        value
    };
    // Starts run in order until one converges inside the parameter range;
    // otherwise the best end point of all of them wins.
    let mut best: Option<super::optimize::Minimum> = None;
    let warm = warm.map(|w| (w.params.as_slice(), Some(w.inverse_hessian.as_slice())));
    for (start, inverse_hessian) in warm.into_iter().chain(starts.iter().map(|s| (*s, None))) {
        let theta: Vec<f64> = start
            .iter()
            .enumerate()
            .map(|(i, p)| if i < positive { p.ln() } else { *p })
            .collect();
        let m = bfgs(
            objective,
            &theta,
            inverse_hessian,
            options.max_iterations,
            options.tolerance,
        );
        let inside =
            m.x.iter()
                .take(positive)
                .all(|t| (BOUNDARY.0.ln()..=BOUNDARY.1.ln()).contains(t));
        let done = m.converged && inside;
        if m.value.is_finite() && best.as_ref().is_none_or(|b| m.value < b.value) {
            best = Some(m);
        }
        if done {
            break;
        }
    }
    let Some(best) = best else {
        return Err(Error::InsufficientData {
            needed: "a finite likelihood at some starting point",
        });
    };
    let params = natural(&best.x);
    let mut gradient = vec![0.0; n];
    let log_likelihood_value = log_likelihood(&params, &mut gradient);
    let at_boundary = names
        .iter()
        .zip(&params)
        .take(positive)
        .filter(|(_, p)| **p < BOUNDARY.0 || **p > BOUNDARY.1)
        .map(|(name, _)| (*name).to_string())
        .collect();
    let (standard_errors, covariance) = standard_errors(&params, positive, &gradient, &log_likelihood);
    let report = FitReport {
        log_likelihood: log_likelihood_value,
        iterations: best.iterations,
        gradient_norm: best.gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs())),
        converged: best.converged,
        at_boundary,
        standard_errors,
        covariance,
    };
    let warm = WarmStart {
        params: params.clone(),
        inverse_hessian: best.inverse_hessian,
    };
    Ok((params, report, warm))
}

/// Standard errors from the observed information, the Hessian of −LL by
/// forward differences of the analytic gradient from `gradient`, its value
/// at `params`: one evaluation per parameter, where central differences
/// took two. On CDNOW both agree with lifetimes' exact Hessian to 2e-5 or
/// better (steps of 1e-7 of each parameter: truncation and rounding errors
/// both near 1e-7; of 1e-7 · max(|γ|, 1) for a real parameter γ, which may
/// be 0).
fn standard_errors(
    params: &[f64],
    positive: usize,
    gradient: &[f64],
    log_likelihood: &impl Fn(&[f64], &mut [f64]) -> f64,
) -> (StandardErrors, Option<Vec<f64>>) {
    let n = params.len();
    let mut hessian = vec![0.0; n * n];
    let mut up = vec![0.0; n];
    for j in 0..n {
        let p = item(params, j).copied().unwrap_or(1.0);
        let h = if j < positive {
            1e-7 * p
        } else {
            1e-7 * p.abs().max(1.0)
        };
        let mut shifted = params.to_vec();
        if let Some(p) = item_mut(&mut shifted, j) {
            *p += h;
        }
        log_likelihood(&shifted, &mut up);
        for i in 0..n {
            let d = (item(&up, i).copied().unwrap_or(0.0) - item(gradient, i).copied().unwrap_or(0.0)) / h;
            if let Some(cell) = item_mut(&mut hessian, i * n + j) {
                *cell = -d;
            }
        }
    }
    // Symmetrise away the differencing noise.
    for i in 0..n {
        for j in 0..i {
            let (ij, ji) = (i * n + j, j * n + i);
            let mean = 0.5
                * (item(&hessian, ij).copied().unwrap_or(0.0) + item(&hessian, ji).copied().unwrap_or(0.0));
            for k in [ij, ji] {
                if let Some(v) = item_mut(&mut hessian, k) {
                    *v = mean;
                }
            }
        }
    }
    match invert(&hessian, n) {
        Some(inverse) => {
            let diagonal: Vec<f64> = (0..n)
                .map(|i| item(&inverse, i * n + i).copied().unwrap_or(f64::NAN))
                .collect();
            if diagonal.iter().all(|v| v.is_finite() && *v > 0.0) && inverse.iter().all(|v| v.is_finite()) {
                (
                    StandardErrors::Available(diagonal.iter().map(|v| v.sqrt()).collect()),
                    Some(inverse),
                )
            } else {
                let reason = "the observed information is not positive definite".into();
                (StandardErrors::Unavailable { reason }, None)
            }
        }
        None => {
            let reason = "the observed information is singular".into();
            (StandardErrors::Unavailable { reason }, None)
        }
    }
}

/// Gauss–Jordan inverse with partial pivoting; `None` when singular.
fn invert(matrix: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut a = matrix.to_vec();
    let mut inv: Vec<f64> = (0..n * n)
        .map(|k| if k % (n + 1) == 0 { 1.0 } else { 0.0 })
        .collect();
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| {
            a.get(x * n + col)
                .map(|v| v.abs())
                .partial_cmp(&a.get(y * n + col).map(|v| v.abs()))
                .unwrap_or(std::cmp::Ordering::Equal)
        })?;
        let pivot_value = *a.get(pivot * n + col)?;
        if pivot_value.abs() <= 1e-14 * scale {
            return None;
        }
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
            inv.swap(col * n + k, pivot * n + k);
        }
        for k in 0..n {
            let (av, iv) = (
                a.get(col * n + k)? / pivot_value,
                inv.get(col * n + k)? / pivot_value,
            );
            *a.get_mut(col * n + k)? = av;
            *inv.get_mut(col * n + k)? = iv;
        }
        for row in (0..n).filter(|&r| r != col) {
            let factor = *a.get(row * n + col)?;
            for k in 0..n {
                let (ac, ic) = (*a.get(col * n + k)?, *inv.get(col * n + k)?);
                *a.get_mut(row * n + k)? -= factor * ac;
                *inv.get_mut(row * n + k)? -= factor * ic;
            }
        }
    }
    Some(inv)
}

/// Asserts that an analytic gradient equals central differences (relative
/// step 1e-6, agreement to 1e-5 relative) at `params`.
#[cfg(test)]
pub(crate) fn assert_gradient_matches_differences(
    log_likelihood: impl Fn(&[f64], &mut [f64]) -> f64,
    params: &[f64],
) {
    let n = params.len();
    let mut analytic = vec![0.0; n];
    log_likelihood(params, &mut analytic);
    for i in 0..n {
        let h = 1e-6 * if params[i] == 0.0 { 1.0 } else { params[i].abs() };
        let (mut up, mut down) = (params.to_vec(), params.to_vec());
        up[i] += h;
        down[i] -= h;
        let mut scratch = vec![0.0; n];
        let numeric = (log_likelihood(&up, &mut scratch) - log_likelihood(&down, &mut scratch)) / (2.0 * h);
        let (g, what) = (analytic[i], format!("{params:?} ∂{i}"));
        assert!(
            (g - numeric).abs() <= 1e-5 * numeric.abs().max(1.0),
            "{what}: {g} vs {numeric}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_a_small_matrix() {
        let m = [4.0, 7.0, 2.0, 6.0];
        let inv = invert(&m, 2).unwrap();
        let want = [0.6, -0.7, -0.2, 0.4];
        for (g, w) in inv.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{inv:?}");
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
    }
}
