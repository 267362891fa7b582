//! Prediction intervals: the uncertainty of a fit's parameters carried
//! through to each customer's predictions and to totals over customers.
//!
//! A fit's estimates are uncertain, and so is every prediction made from
//! them. [`parameter_draws`] draws parameter sets from the fit's sampling
//! distribution: multivariate normal on the log scale (where the fit was
//! made), centred on the estimates with the covariance of the observed
//! information ([`FitReport::covariance`](crate::models::FitReport)). Each
//! prediction is computed under every draw, and its interval is the
//! central `level` share of those values. The draws are seeded, so the
//! same fit, data and options give the same intervals every time.
//!
//! [`purchase_intervals`] does this for P(alive), the expected purchases
//! over a horizon and the churn score of every customer, and for the total
//! of expected purchases; [`value_intervals`] for the expected spend and
//! the lifetime value, from draws of both the purchase and the spend
//! model. Customers who share a pattern `(x, t_x, T)`
//! share their intervals, and the expected purchases of a customer alive
//! depend on `(x, T)` only, so each is computed once per draw: the cost
//! grows with distinct patterns times draws, not with customers.
//!
//! These intervals describe what the data leave unknown about the
//! expected values. The purchases a customer will actually make vary
//! around their expectation too: [`purchase_count_intervals`] adds that
//! chance, drawing each customer's purchases from the model's own process
//! under every parameter draw, for intervals that the actual counts fall
//! in.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::intervals::{IntervalOptions, purchase_intervals};
//! use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//!
//! let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
//! let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
//! let intervals = purchase_intervals(&fit, &summaries, 273, &IntervalOptions::default())?;
//! let total = intervals.total_expected_purchases;
//! assert!(total.lower < total.estimate && total.estimate < total.upper);
//! println!("{:.0} repeat purchases expected in 39 weeks, 90 % interval {:.0} to {:.0}", total.estimate, total.lower, total.upper);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::clv::{ClvOptions, discounted_purchases_if_alive};
use crate::models::model::summaries_agreed_time;
use crate::models::{Fit, FitModel, FuturePurchases, GammaGamma, PurchaseModel};
use crate::parallel::map_parts;
use crate::random::Stream;
use crate::{Error, Result, Summaries};

/// How intervals are drawn.
///
/// | option | default | meaning | range |
/// |---|---|---|---|
/// | [`level`](Self::level) | 0.9 | the share of draws inside each interval | above 0, below 1 |
/// | [`draws`](Self::draws) | 1,000 | parameter draws | 10 to 100,000 |
/// | [`seed`](Self::seed) | 0 | the random stream's seed | any |
///
/// # Example
///
/// ```
/// use repurchase::intervals::IntervalOptions;
///
/// let options = IntervalOptions::default().level(0.8).draws(2_000).seed(7);
/// assert_eq!((options.get_level(), options.get_draws(), options.get_seed()), (0.8, 2_000, 7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IntervalOptions {
    level: f64,
    draws: u32,
    seed: u64,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        Self {
            level: 0.9,
            draws: 1_000,
            seed: 0,
        }
    }
}

/// The most parameter draws: each costs a pass over the distinct patterns.
const MAX_DRAWS: u32 = 100_000;

/// Pieces of the pattern groups, scored in parallel with `parallel`.
const PIECES: usize = 16;

/// The most P(alive) values held at once for a batch of patterns.
const BATCH_VALUES: usize = 1 << 16;

impl IntervalOptions {
    /// Sets the level: 0.9 for 90 % intervals.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().level(0.95).get_level(), 0.95);
    /// ```
    #[must_use]
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Sets the number of parameter draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().draws(500).get_draws(), 500);
    /// ```
    #[must_use]
    pub fn draws(mut self, draws: u32) -> Self {
        self.draws = draws;
        self
    }

    /// Sets the seed of the draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().seed(42).get_seed(), 42);
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The level.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().get_level(), 0.9);
    /// ```
    pub fn get_level(&self) -> f64 {
        self.level
    }

    /// The number of parameter draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().get_draws(), 1_000);
    /// ```
    pub fn get_draws(&self) -> u32 {
        self.draws
    }

    /// The seed.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().get_seed(), 0);
    /// ```
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    fn check(&self) -> Result<()> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::InvalidParameter {
                name: "level",
                value: self.level.to_string(),
                expected: "a share above 0 and below 1, such as 0.9",
            });
        }
        if !(10..=MAX_DRAWS).contains(&self.draws) {
            return Err(Error::InvalidParameter {
                name: "draws",
                value: self.draws.to_string(),
                expected: "from 10 to 100,000 parameter draws",
            });
        }
        Ok(())
    }
}

/// How an interval was made.
///
/// # Example
///
/// ```
/// use repurchase::intervals::IntervalMethod;
///
/// assert_eq!(IntervalMethod::ParameterDraws.to_string(), "parameter draws");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IntervalMethod {
    /// Parametric draws of the fit's parameters (normal on the log scale,
    /// with the fit's covariance); the interval is the central share of
    /// the prediction's values under them.
    ParameterDraws,
    /// Parameter draws as [`ParameterDraws`](Self::ParameterDraws), and
    /// under each a draw of the purchases themselves from the model's own
    /// process ([`FuturePurchases`]).
    ParameterAndProcessDraws,
}

impl std::fmt::Display for IntervalMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntervalMethod::ParameterDraws => f.write_str("parameter draws"),
            IntervalMethod::ParameterAndProcessDraws => f.write_str("parameter and process draws"),
        }
    }
}

/// A prediction with its interval.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let first = &purchase_intervals(&fit, &summaries, 91, &IntervalOptions::default())?.customers[0];
/// let p = first.p_alive;
/// assert!(0.0 <= p.lower && p.lower <= p.upper && p.upper <= 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// The prediction at the fitted parameters.
    pub estimate: f64,
    /// The lower end: the `(1 − level)/2` quantile of the draws' values.
    pub lower: f64,
    /// The upper end: the `(1 + level)/2` quantile.
    pub upper: f64,
}

/// One customer's predictions with their intervals.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let intervals = purchase_intervals(&fit, &summaries, 91, &IntervalOptions::default().draws(200))?;
/// // The customers most at risk, with how sure the data make us.
/// let mut at_risk: Vec<_> = intervals.customers.iter().filter(|c| c.churn_score.lower > 0.5).collect();
/// at_risk.sort_by(|a, b| b.churn_score.estimate.total_cmp(&a.churn_score.estimate));
/// assert!(at_risk.iter().all(|c| c.churn_score.upper >= c.churn_score.lower));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerPurchaseIntervals<C> {
    /// The customer's key.
    pub customer: C,
    /// P(alive) at the end of observation.
    pub p_alive: Interval,
    /// The expected purchases over the horizon.
    pub expected_purchases: Interval,
    /// The churn score: P(no purchase over the horizon).
    pub churn_score: Interval,
}

/// Every customer's purchase predictions with intervals, and the total.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let intervals = purchase_intervals(&fit, &summaries, 91, &IntervalOptions::default().draws(200))?;
/// assert_eq!((intervals.level, intervals.draws, intervals.horizon_days), (0.9, 200, 91));
/// assert_eq!(intervals.customers.len(), summaries.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PurchaseIntervals<C> {
    /// The share of draws inside each interval.
    pub level: f64,
    /// How the intervals were made.
    pub method: IntervalMethod,
    /// The parameter draws they were made from.
    pub draws: u32,
    /// The horizon of the expected purchases and churn scores, in days.
    pub horizon_days: u32,
    /// Each customer, in the summaries' order.
    pub customers: Vec<CustomerPurchaseIntervals<C>>,
    /// The expected purchases of all the customers together.
    pub total_expected_purchases: Interval,
}

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
    let mut stream = Stream::new(options.seed);
    let mut normals = vec![0.0; k];
    let mut params = vec![0.0; k];
    (0..options.draws)
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

/// P(alive), the expected purchases over `horizon_days` and the churn
/// score of every customer, and the total expected purchases, each with
/// its interval from [`parameter_draws`] of `fit`.
///
/// # Errors
///
/// As [`parameter_draws`]; [`Error::UnitMismatch`] when the summaries'
/// time unit is not the model's; [`Error::InvalidParameter`] for a zero
/// horizon; [`Error::Undefined`] when a prediction is not finite under
/// some draw.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{FitOptions, FrequencyData, ParetoNbd};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = ParetoNbd::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let intervals = purchase_intervals(&fit, &summaries, 365, &IntervalOptions::default().draws(200))?;
/// for c in intervals.customers.iter().take(3) {
///     let e = c.expected_purchases;
///     println!("customer {}: {:.2} purchases next year ({:.2} to {:.2})", c.customer, e.estimate, e.lower, e.upper);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn purchase_intervals<M, C>(
    fit: &Fit<M>,
    summaries: &Summaries<C>,
    horizon_days: u32,
    options: &IntervalOptions,
) -> Result<PurchaseIntervals<C>>
where
    M: FitModel + PurchaseModel + Send + Sync,
    C: Clone,
{
    let time = summaries_agreed_time(fit.model.time(), summaries.options(), "summaries")?;
    if horizon_days == 0 {
        return Err(Error::InvalidParameter {
            name: "horizon_days",
            value: "0".into(),
            expected: "a horizon of at least one day",
        });
    }
    let horizon = f64::from(horizon_days) / time.days();
    let draws = parameter_draws(fit, options)?;

    // Customers by pattern, patterns by (x, T): each (x, T) group's
    // patterns are consecutive, so its expected purchases if alive are
    // computed once per draw.
    let patterns = Patterns::of(summaries);
    let groups = patterns.groups();
    let pieces = groups.chunks(groups.len().div_ceil(PIECES).max(1));
    let level = options.level;
    let results = map_parts(pieces.collect(), |piece: &[std::ops::Range<usize>]| {
        let mut piece_totals = vec![0.0; draws.len()];
        let mut out = Vec::new();
        for group in piece {
            out.extend(group_intervals(
                &fit.model,
                &draws,
                &patterns,
                group.clone(),
                horizon,
                level,
                &mut piece_totals,
            )?);
        }
        Ok::<_, Error>((out, piece_totals))
    });
    let mut totals = vec![0.0; draws.len()];
    let mut by_pattern = vec![None; patterns.rows.len()];
    for result in results {
        let (out, piece_totals) = result?;
        for (total, add) in totals.iter_mut().zip(piece_totals) {
            *total += add;
        }
        for (pattern, intervals) in out {
            if let Some(slot) = by_pattern.get_mut(pattern) {
                *slot = Some(intervals);
            }
        }
    }
    let mut total_estimate = 0.0;
    let mut customers = Vec::with_capacity(summaries.customers.len());
    for (summary, &pattern) in summaries.customers.iter().zip(&patterns.of_customer) {
        let Some(Some([p_alive, expected_purchases, churn_score])) = by_pattern.get(pattern).copied() else {
            return Err(Error::Undefined {
                quantity: "a customer's intervals",
                condition: "their pattern was not scored (a bug)".into(),
            });
        };
        total_estimate += expected_purchases.estimate;
        customers.push(CustomerPurchaseIntervals {
            customer: summary.customer.clone(),
            p_alive,
            expected_purchases,
            churn_score,
        });
    }
    let mut totals: Vec<Total> = totals.into_iter().map(Total).collect();
    let (Total(lower), Total(upper)) = central(&mut totals, level);
    Ok(PurchaseIntervals {
        level,
        method: IntervalMethod::ParameterDraws,
        draws: options.draws,
        horizon_days,
        customers,
        total_expected_purchases: finite(
            Interval {
                estimate: total_estimate,
                lower,
                upper,
            },
            "the total expected purchases",
        )?,
    })
}

/// One customer's purchases over the horizon: the expected count, and the
/// interval the count itself falls in.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_count_intervals};
/// use repurchase::models::{ParetoNbd, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = ParetoNbd::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let counts = purchase_count_intervals(&fit, &summaries, 182, &IntervalOptions::default().draws(200))?;
/// // Whole purchases: a customer's count is 0, 1, 2…
/// assert!(counts.customers.iter().all(|c| c.purchases.lower.fract() == 0.0 && c.purchases.upper.fract() == 0.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerPurchaseCount<C> {
    /// The customer's key.
    pub customer: C,
    /// The expected purchases at the fitted parameters, and the whole
    /// numbers of purchases that bound the central `level` share of the
    /// draws (the lower end the largest count with at most `(1 − level)/2`
    /// of the draws below it, the upper the smallest with at least
    /// `(1 + level)/2` at or below it).
    pub purchases: Interval,
}

/// Every customer's purchase count over the horizon with its interval,
/// and the total's.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_count_intervals};
/// use repurchase::models::{ParetoNbd, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = ParetoNbd::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let counts = purchase_count_intervals(&fit, &summaries, 182, &IntervalOptions::default().draws(200))?;
/// assert_eq!(counts.method, repurchase::intervals::IntervalMethod::ParameterAndProcessDraws);
/// let total = counts.total_purchases;
/// println!("{:.0} purchases in the next half year, 90 % between {:.0} and {:.0}", total.estimate, total.lower, total.upper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PurchaseCountIntervals<C> {
    /// The share of draws inside each interval.
    pub level: f64,
    /// How the intervals were made.
    pub method: IntervalMethod,
    /// The parameter draws they were made from.
    pub draws: u32,
    /// The horizon, in days.
    pub horizon_days: u32,
    /// Each customer, in the summaries' order.
    pub customers: Vec<CustomerPurchaseCount<C>>,
    /// All the customers' purchases together.
    pub total_purchases: Interval,
}

/// The purchases each customer will make over `horizon_days`, and all of
/// them together, with intervals that hold both what the data leave
/// unknown about the parameters and the chance in the purchases
/// themselves: under each of [`parameter_draws`], each distinct pattern
/// draws whether its customer is alive (with that draw's P(alive)) and,
/// if so, their purchases from the model's process
/// ([`FuturePurchases`]). A customer's interval holds the central `level`
/// share of their draws, in whole purchases.
///
/// The total adds, under each parameter draw, the customers' expected
/// purchases and a normal draw for the chance in their sum, whose
/// variance is estimated from the same draws: customers' purchases are
/// independent given the parameters, so the sum's chance shrinks like a
/// square root, and the parameters' uncertainty dominates a large base's
/// total.
///
/// The draws are seeded per pattern, so the results do not depend on the
/// number of threads.
///
/// # Errors
///
/// As [`purchase_intervals`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_count_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let counts = purchase_count_intervals(&fit, &summaries, 273, &IntervalOptions::default())?;
/// let busiest = counts.customers.iter().max_by(|a, b| a.purchases.estimate.total_cmp(&b.purchases.estimate)).ok_or("none")?;
/// println!("customer {}: {:.1} purchases expected, 90 % between {} and {}",
///     busiest.customer, busiest.purchases.estimate, busiest.purchases.lower, busiest.purchases.upper);
/// assert!(busiest.purchases.lower <= busiest.purchases.estimate && busiest.purchases.estimate <= busiest.purchases.upper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn purchase_count_intervals<M, C>(
    fit: &Fit<M>,
    summaries: &Summaries<C>,
    horizon_days: u32,
    options: &IntervalOptions,
) -> Result<PurchaseCountIntervals<C>>
where
    M: FitModel + FuturePurchases + Send + Sync,
    C: Clone,
{
    let time = summaries_agreed_time(fit.model.time(), summaries.options(), "summaries")?;
    if horizon_days == 0 {
        return Err(Error::InvalidParameter {
            name: "horizon_days",
            value: "0".into(),
            expected: "a horizon of at least one day",
        });
    }
    let horizon = f64::from(horizon_days) / time.days();
    let draws = parameter_draws(fit, options)?;
    let patterns = Patterns::of(summaries);
    let groups = patterns.groups();
    let pieces = groups.chunks(groups.len().div_ceil(PIECES).max(1));
    let (level, seed) = (options.level, options.seed);
    let results = map_parts(pieces.collect(), |piece: &[std::ops::Range<usize>]| {
        // Per draw: the customers' expected purchases, and the squared
        // deviations of their drawn purchases from them.
        let mut sums = vec![(0.0, 0.0); draws.len()];
        let mut out = Vec::new();
        for group in piece {
            out.extend(group_counts(
                &fit.model,
                &draws,
                &patterns,
                group.clone(),
                horizon,
                (level, seed),
                &mut sums,
            )?);
        }
        Ok::<_, Error>((out, sums))
    });
    let mut sums = vec![(0.0, 0.0); draws.len()];
    let mut by_pattern = vec![None; patterns.rows.len()];
    for result in results {
        let (out, piece_sums) = result?;
        for (sum, (mean, variance)) in sums.iter_mut().zip(piece_sums) {
            sum.0 += mean;
            sum.1 += variance;
        }
        for (pattern, interval) in out {
            if let Some(slot) = by_pattern.get_mut(pattern) {
                *slot = Some(interval);
            }
        }
    }
    let mut total_estimate = 0.0;
    let mut customers = Vec::with_capacity(summaries.customers.len());
    for (summary, &pattern) in summaries.customers.iter().zip(&patterns.of_customer) {
        let Some(Some(purchases)) = by_pattern.get(pattern).copied() else {
            return Err(Error::Undefined {
                quantity: "a customer's purchase interval",
                condition: "their pattern was not scored (a bug)".into(),
            });
        };
        total_estimate += purchases.estimate;
        customers.push(CustomerPurchaseCount {
            customer: summary.customer.clone(),
            purchases,
        });
    }
    // The total under each draw: its expectation and a normal draw for the
    // chance in a sum of many independent counts.
    let mut stream = Stream::new(seed ^ TOTAL_STREAM);
    let mut totals: Vec<Total> = sums
        .into_iter()
        .map(|(mean, variance)| Total(mean + variance.sqrt() * stream.normal()))
        .collect();
    let (Total(lower), Total(upper)) = central(&mut totals, level);
    Ok(PurchaseCountIntervals {
        level,
        method: IntervalMethod::ParameterAndProcessDraws,
        draws: options.draws,
        horizon_days,
        customers,
        total_purchases: finite(
            Interval {
                estimate: total_estimate,
                lower,
                upper,
            },
            "the total purchases",
        )?,
    })
}

/// Mixed into the seed for the total's normal draws, apart from every
/// pattern's stream.
const TOTAL_STREAM: u64 = 0x5851_f42d_4c95_7f2d;

/// The count intervals of the patterns in `group` (one `(x, T)`), adding
/// each draw's expected purchases of their customers and the squared
/// deviations of their drawn purchases to `sums`.
fn group_counts<M: FuturePurchases>(
    model: &M,
    draws: &[M],
    patterns: &Patterns,
    group: std::ops::Range<usize>,
    horizon: f64,
    (level, seed): (f64, u64),
    sums: &mut [(f64, f64)],
) -> Result<Vec<(usize, Interval)>> {
    let Some(&(x, _, big_t, _)) = patterns.rows.get(group.start) else {
        return Ok(Vec::new());
    };
    let if_alive: Vec<f64> = draws
        .iter()
        .map(|m| m.expected_purchases_if_alive(x, big_t, horizon))
        .collect::<Result<_>>()?;
    let fitted_if_alive = model.expected_purchases_if_alive(x, big_t, horizon)?;
    let rows = patterns.rows.get(group.clone()).unwrap_or_default();
    let mut counts = vec![0_u64; draws.len()];
    let mut out = Vec::with_capacity(rows.len());
    let slice = (BATCH_VALUES / draws.len().max(1)).max(1);
    let mut by_draw = Vec::new();
    for (first, batch) in (group.start..group.end).step_by(slice).zip(rows.chunks(slice)) {
        let recencies: Vec<f64> = batch.iter().map(|row| row.1).collect();
        let width = recencies.len();
        by_draw.resize(width * draws.len(), 0.0);
        for (m, values) in draws.iter().zip(by_draw.chunks_mut(width.max(1))) {
            m.p_alive_by_recency(x, big_t, &recencies, values)?;
        }
        for (j, &(x, t_x, big_t, customers)) in batch.iter().enumerate() {
            let pattern = first + j;
            // Each pattern its own stream: the draws do not depend on how
            // the patterns are shared among threads.
            let mut stream = Stream::new(seed ^ (pattern as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut uniform = || stream.uniform();
            for (d, (m, &expected_if_alive)) in draws.iter().zip(&if_alive).enumerate() {
                let p = by_draw.get(d * width + j).copied().unwrap_or(f64::NAN);
                let purchases = if uniform() < p {
                    m.purchases_if_alive(x, big_t, horizon, &mut uniform)
                } else {
                    0
                };
                let mean = p * expected_if_alive;
                if let (Some(count), Some(sum)) = (counts.get_mut(d), sums.get_mut(d)) {
                    *count = purchases;
                    let deviation = purchases as f64 - mean;
                    sum.0 += customers * mean;
                    sum.1 += customers * deviation * deviation;
                }
            }
            let (lower, upper) = whole_central(&mut counts, level);
            let estimate = model.p_alive(x, t_x, big_t)? * fitted_if_alive;
            out.push((
                pattern,
                finite(
                    Interval {
                        estimate,
                        lower: lower as f64,
                        upper: upper as f64,
                    },
                    "a purchase count",
                )?,
            ));
        }
    }
    Ok(out)
}

/// The central `level` share of whole-number draws, as order statistics
/// (the inverse of the empirical distribution, R's type 1): the
/// ⌈n (1 − level)/2⌉th smallest and the ⌈n (1 + level)/2⌉th.
fn whole_central(values: &mut [u64], level: f64) -> (u64, u64) {
    let n = values.len() as f64;
    let tail = (1.0 - level) / 2.0;
    let rank = |q: f64| ((n * q).ceil().max(1.0) as usize - 1).min(values.len().saturating_sub(1));
    let (low, high) = (rank(tail), rank(1.0 - tail));
    if values.is_empty() {
        return (0, 0);
    }
    let upper = *values.select_nth_unstable(high).1;
    // The low rank's value is among those at or below the high one.
    let lower = values
        .get_mut(..=high)
        .map_or(0, |v| *v.select_nth_unstable(low).1);
    (lower, upper)
}

/// One customer's expected spend per purchase and lifetime value, with
/// their intervals.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::ClvOptions;
/// use repurchase::intervals::{IntervalOptions, value_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
/// let values = value_intervals(&purchases, &spend, &summaries, &ClvOptions::new(), &IntervalOptions::default().draws(100))?;
/// // The customers whose value is surely above $100.
/// let sure: Vec<_> = values.customers.iter().filter(|c| c.clv.lower > 100.0).map(|c| c.customer).collect();
/// assert!(sure.iter().all(|id| values.customers.iter().any(|c| c.customer == *id && c.clv.estimate > 100.0)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerValueIntervals<C> {
    /// The customer's key.
    pub customer: C,
    /// The Gamma-Gamma expected spend per purchase.
    pub expected_spend: Interval,
    /// The lifetime value over the options' months.
    pub clv: Interval,
}

/// Every customer's value with intervals, and the total's.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::ClvOptions;
/// use repurchase::intervals::{IntervalOptions, value_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
/// let values = value_intervals(&purchases, &spend, &summaries, &ClvOptions::new(), &IntervalOptions::default().draws(100))?;
/// assert_eq!((values.draws, values.customers.len()), (100, summaries.len()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ValueIntervals<C> {
    /// The share of draws inside each interval.
    pub level: f64,
    /// How the intervals were made.
    pub method: IntervalMethod,
    /// The parameter draws of each model they were made from.
    pub draws: u32,
    /// Each customer, in the summaries' order.
    pub customers: Vec<CustomerValueIntervals<C>>,
    /// The lifetime value of all the customers together.
    pub total_clv: Interval,
}

/// Each customer's expected spend and lifetime value (as
/// [`customer_lifetime_values`](crate::clv::customer_lifetime_values)
/// computes them), and the total, with intervals from draws of both fits:
/// the purchase model's and the Gamma-Gamma's parameters are drawn
/// independently (the two models are fitted apart), each value computed
/// under each pair of draws.
///
/// Customers who share `(x, T)` share their discounted purchases if alive,
/// taken once a draw; the spend depends on each customer's own mean, so
/// the cost is customers times draws.
///
/// # Errors
///
/// As [`purchase_intervals`] and
/// [`customer_lifetime_values`](crate::clv::customer_lifetime_values):
/// bad [`ClvOptions`], a spend draw whose mean is
/// undefined (q ≤ 1) for a customer without repeat purchases.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::ClvOptions;
/// use repurchase::intervals::{IntervalOptions, value_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
/// let values = value_intervals(&purchases, &spend, &summaries, &ClvOptions::new(), &IntervalOptions::default().draws(200))?;
/// let total = values.total_clv;
/// println!("next year's value ${:.0}, 90 % between ${:.0} and ${:.0}", total.estimate, total.lower, total.upper);
/// assert!(total.lower < total.estimate && total.estimate < total.upper);
/// let first = &values.customers[0];
/// assert!(first.clv.lower <= first.clv.upper && first.expected_spend.lower > 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn value_intervals<M, C>(
    purchase_fit: &Fit<M>,
    spend_fit: &Fit<GammaGamma>,
    summaries: &Summaries<C>,
    clv: &ClvOptions,
    options: &IntervalOptions,
) -> Result<ValueIntervals<C>>
where
    M: FitModel + PurchaseModel + Send + Sync,
    C: Clone,
{
    let time = summaries_agreed_time(purchase_fit.model.time(), summaries.options(), "summaries")?;
    let month = clv.month(time)?;
    let draws = parameter_draws(purchase_fit, options)?;
    let spends = parameter_draws(spend_fit, &options.seed(options.seed ^ SPEND_STREAM))?;
    let patterns = Patterns::of(summaries);
    let groups = patterns.groups();
    let pieces = groups.chunks(groups.len().div_ceil(PIECES).max(1));
    let level = options.level;
    let customers = &summaries.customers;
    // Each customer's mean spend, so that the scoring closures need no key.
    let means: Vec<f64> = customers
        .iter()
        .map(|s| {
            s.monetary_value
                .and_then(|m| rust_decimal::prelude::ToPrimitive::to_f64(&m))
                .unwrap_or(0.0)
        })
        .collect();
    let results = map_parts(pieces.collect(), |piece: &[std::ops::Range<usize>]| {
        let mut totals = vec![0.0; draws.len()];
        let mut out = Vec::new();
        for group in piece {
            let Some(&(x, _, big_t, _)) = patterns.rows.get(group.start) else {
                continue;
            };
            let series: Vec<f64> = draws
                .iter()
                .map(|m| discounted_purchases_if_alive(m, x, big_t, month, clv))
                .collect::<Result<_>>()?;
            let fitted_series = discounted_purchases_if_alive(&purchase_fit.model, x, big_t, month, clv)?;
            let (mut spend, mut value) = (vec![0_u64; draws.len()], vec![0_u64; draws.len()]);
            for pattern in group.clone() {
                let Some(&(x, t_x, big_t, _)) = patterns.rows.get(pattern) else {
                    continue;
                };
                let alive: Vec<f64> = draws
                    .iter()
                    .map(|m| m.p_alive(x, t_x, big_t))
                    .collect::<Result<_>>()?;
                let fitted_alive = purchase_fit.model.p_alive(x, t_x, big_t)?;
                let start = patterns.first_member(pattern);
                let count = patterns.rows.get(pattern).map_or(0, |row| row.3 as usize);
                for &i in patterns.members.get(start..start + count).unwrap_or_default() {
                    let Some(&m) = means.get(i) else {
                        continue;
                    };
                    for (d, ((g, (&p, &purchases)), total)) in spends
                        .iter()
                        .zip(alive.iter().zip(&series))
                        .zip(totals.iter_mut())
                        .enumerate()
                    {
                        let e = g.conditional_expected_spend(x, m)?;
                        let v = e * p * purchases;
                        *total += v;
                        if let (Some(s), Some(c)) = (spend.get_mut(d), value.get_mut(d)) {
                            *s = ordered_bits(e);
                            *c = ordered_bits(v);
                        }
                    }
                    let fitted_spend = spend_fit.model.conditional_expected_spend(x, m)?;
                    let interval = |values: &mut [u64], estimate: f64, what: &'static str| {
                        let (lower, upper) = central(values, level);
                        finite(
                            Interval {
                                estimate,
                                lower: f64::from_bits(lower),
                                upper: f64::from_bits(upper),
                            },
                            what,
                        )
                    };
                    out.push((
                        i,
                        interval(&mut spend, fitted_spend, "the expected spend")?,
                        interval(&mut value, fitted_spend * fitted_alive * fitted_series, "CLV")?,
                    ));
                }
            }
        }
        Ok::<_, Error>((out, totals))
    });
    let mut totals = vec![0.0; draws.len()];
    let mut by_customer = vec![None; customers.len()];
    for result in results {
        let (out, piece_totals) = result?;
        for (total, add) in totals.iter_mut().zip(piece_totals) {
            *total += add;
        }
        for (i, spend, value) in out {
            if let Some(slot) = by_customer.get_mut(i) {
                *slot = Some((spend, value));
            }
        }
    }
    let mut rows = Vec::with_capacity(customers.len());
    let mut total_estimate = 0.0;
    for (summary, intervals) in customers.iter().zip(by_customer) {
        let Some((expected_spend, clv)) = intervals else {
            return Err(Error::Undefined {
                quantity: "a customer's value intervals",
                condition: "the customer was not scored (a bug)".into(),
            });
        };
        total_estimate += clv.estimate;
        rows.push(CustomerValueIntervals {
            customer: summary.customer.clone(),
            expected_spend,
            clv,
        });
    }
    let mut totals: Vec<Total> = totals.into_iter().map(Total).collect();
    let (Total(lower), Total(upper)) = central(&mut totals, level);
    Ok(ValueIntervals {
        level,
        method: IntervalMethod::ParameterDraws,
        draws: options.draws,
        customers: rows,
        total_clv: finite(
            Interval {
                estimate: total_estimate,
                lower,
                upper,
            },
            "the total CLV",
        )?,
    })
}

/// Mixed into the seed for the spend model's draws, apart from the
/// purchase model's.
const SPEND_STREAM: u64 = 0x2545_f491_4f6c_dd1d;

/// The distinct patterns of a customer base, sorted by `(x, T, t_x)`.
struct Patterns {
    /// `(x, t_x, T, customers)` of each pattern.
    rows: Vec<(f64, f64, f64, f64)>,
    /// Each customer's pattern, in the summaries' order.
    of_customer: Vec<usize>,
    /// The customers (positions in the summaries), pattern by pattern.
    members: Vec<usize>,
    /// Where each pattern's customers start in `members`.
    starts: Vec<usize>,
}

impl Patterns {
    fn of<C>(summaries: &Summaries<C>) -> Self {
        let key = |i: usize| {
            summaries
                .customers
                .get(i)
                .map_or((0, 0, 0), |s| (s.frequency, s.t.to_bits(), s.recency.to_bits()))
        };
        let mut order: Vec<usize> = (0..summaries.customers.len()).collect();
        // Times are ≥ 0, so their bits sort as the numbers do.
        order.sort_unstable_by_key(|&i| key(i));
        let mut rows: Vec<(f64, f64, f64, f64)> = Vec::new();
        let mut of_customer = vec![0; order.len()];
        let mut last = None;
        for &i in &order {
            let k = key(i);
            if last != Some(k) {
                let (x, t, t_x) = k;
                rows.push((f64::from(x), f64::from_bits(t_x), f64::from_bits(t), 0.0));
                last = Some(k);
            }
            if let Some(row) = rows.last_mut() {
                row.3 += 1.0;
            }
            if let Some(slot) = of_customer.get_mut(i) {
                *slot = rows.len() - 1;
            }
        }
        let starts = rows
            .iter()
            .scan(0, |at, row| {
                let here = *at;
                *at += row.3 as usize;
                Some(here)
            })
            .collect();
        Self {
            rows,
            of_customer,
            members: order,
            starts,
        }
    }

    /// Where pattern `pattern`'s customers start in `members`.
    fn first_member(&self, pattern: usize) -> usize {
        self.starts.get(pattern).copied().unwrap_or(0)
    }

    /// The ranges of patterns sharing `(x, T)`.
    fn groups(&self) -> Vec<std::ops::Range<usize>> {
        let mut groups = Vec::new();
        let mut start = 0;
        for (i, window) in self.rows.windows(2).enumerate() {
            if let [a, b] = window {
                if (a.0, a.2.to_bits()) != (b.0, b.2.to_bits()) {
                    groups.push(start..i + 1);
                    start = i + 1;
                }
            }
        }
        if start < self.rows.len() {
            groups.push(start..self.rows.len());
        }
        groups
    }
}

/// The intervals of the patterns in `group` (one `(x, T)`), adding each
/// draw's expected purchases of their customers to `totals`.
fn group_intervals<M: PurchaseModel>(
    model: &M,
    draws: &[M],
    patterns: &Patterns,
    group: std::ops::Range<usize>,
    horizon: f64,
    level: f64,
    totals: &mut [f64],
) -> Result<Vec<(usize, [Interval; 3])>> {
    let Some(&(x, _, big_t, _)) = patterns.rows.get(group.start) else {
        return Ok(Vec::new());
    };
    // What does not depend on t_x, once a draw: the expected purchases
    // and the chance of any purchase, of a customer alive.
    let if_alive: Vec<(f64, f64)> = draws
        .iter()
        .map(|m| {
            Ok((
                m.expected_purchases_if_alive(x, big_t, horizon)?,
                m.p_purchase_if_alive(x, big_t, horizon)?,
            ))
        })
        .collect::<Result<_>>()?;
    let fitted_if_alive = model.expected_purchases_if_alive(x, big_t, horizon)?;
    // Each draw's values as the bits of non-negative floats, which order
    // as the numbers do and select faster than floats compared.
    let (mut alive, mut expected, mut churn) = (
        vec![0_u64; draws.len()],
        vec![0_u64; draws.len()],
        vec![0_u64; draws.len()],
    );
    let rows = patterns.rows.get(group.clone()).unwrap_or_default();
    let mut out = Vec::with_capacity(rows.len());
    // P(alive) of the group's patterns under each draw, draw by draw, a
    // slice of patterns at a time: at most `BATCH_VALUES` values held.
    let slice = (BATCH_VALUES / draws.len().max(1)).max(1);
    let mut by_draw = Vec::new();
    for (first, batch) in (group.start..group.end).step_by(slice).zip(rows.chunks(slice)) {
        let recencies: Vec<f64> = batch.iter().map(|row| row.1).collect();
        let width = recencies.len();
        // Every value is written below before it is read.
        by_draw.resize(width * draws.len(), 0.0);
        for (m, values) in draws.iter().zip(by_draw.chunks_mut(width.max(1))) {
            m.p_alive_by_recency(x, big_t, &recencies, values)?;
        }
        for (j, &(x, t_x, big_t, customers)) in batch.iter().enumerate() {
            for (d, &(expected_if_alive, buys_if_alive)) in if_alive.iter().enumerate() {
                let p = by_draw.get(d * width + j).copied().unwrap_or(f64::NAN);
                let e = p * expected_if_alive;
                if let (Some(a), Some(ex), Some(ch), Some(total)) = (
                    alive.get_mut(d),
                    expected.get_mut(d),
                    churn.get_mut(d),
                    totals.get_mut(d),
                ) {
                    *a = ordered_bits(p);
                    *ex = ordered_bits(e);
                    *ch = ordered_bits(1.0 - p * buys_if_alive);
                    *total += customers * e;
                }
            }
            let p_fitted = model.p_alive(x, t_x, big_t)?;
            let estimates = [
                p_fitted,
                p_fitted * fitted_if_alive,
                model.p_no_purchase(x, t_x, big_t, horizon)?,
            ];
            let mut intervals = [Interval {
                estimate: 0.0,
                lower: 0.0,
                upper: 0.0,
            }; 3];
            let what = ["P(alive)", "the expected purchases", "the churn score"];
            for (((interval, values), estimate), what) in intervals
                .iter_mut()
                .zip([&mut alive, &mut expected, &mut churn])
                .zip(estimates)
                .zip(what)
            {
                let (lower, upper) = central(values, level);
                let (lower, upper) = (f64::from_bits(lower), f64::from_bits(upper));
                *interval = finite(
                    Interval {
                        estimate,
                        lower,
                        upper,
                    },
                    what,
                )?;
            }
            out.push((first + j, intervals));
        }
    }
    Ok(out)
}

/// A probability or an expectation as bits that order as the number:
/// non-negative floats do, so rounding below 0 (−0.0, −1e-17) is 0, and a
/// NaN is kept as one (its bits order above infinity's), to be refused.
fn ordered_bits(value: f64) -> u64 {
    if value > 0.0 || value.is_nan() {
        value.to_bits()
    } else {
        0
    }
}

/// The `(1 − level)/2` and `(1 + level)/2` quantiles of `values`
/// (interpolated between order statistics, as R's type 7), reordering
/// them: two selections, the second among the values below the first.
fn central<T: Quantile>(values: &mut [T], level: f64) -> (T, T) {
    let n = values.len();
    let last = n.saturating_sub(1) as f64;
    let tail = (1.0 - level) / 2.0;
    let (upper, k) = quantile_at(values, last * (1.0 - tail));
    // Selection put the k smallest values before position k: the lower
    // quantile's two order statistics are among them and the kth, unless
    // the level is so narrow that both quantiles share an order statistic.
    let h = last * tail;
    let (lower, _) = if (h.floor() as usize) < k {
        quantile_at(values.get_mut(..=k).unwrap_or_default(), h)
    } else {
        quantile_at(values, h)
    };
    (lower, upper)
}

/// What [`central`] selects among: floats, or their ordered bits.
trait Quantile: Copy + Ord {
    const NAN: Self;
    /// `self + fraction · (next − self)`.
    fn between(self, next: Self, fraction: f64) -> Self;
}

impl Quantile for u64 {
    const NAN: Self = 0x7ff8_0000_0000_0000;
    fn between(self, next: Self, fraction: f64) -> Self {
        let (a, b) = (f64::from_bits(self), f64::from_bits(next));
        (a + fraction * (b - a)).to_bits()
    }
}

/// Totals, which may be any float, ordered (and equal) as `total_cmp`
/// orders them.
#[derive(Clone, Copy)]
struct Total(f64);

impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Total {}

impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Total {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Quantile for Total {
    const NAN: Self = Total(f64::NAN);
    fn between(self, next: Self, fraction: f64) -> Self {
        Total(self.0 + fraction * (next.0 - self.0))
    }
}

/// The value at position `h` of `values` in order, interpolated between
/// the order statistics either side, and the lower one's index.
fn quantile_at<T: Quantile>(values: &mut [T], h: f64) -> (T, usize) {
    let n = values.len();
    if n == 0 {
        return (T::NAN, 0);
    }
    let k = (h.floor().max(0.0) as usize).min(n - 1);
    // Statistics k and k + 1: select one, and take the other as the
    // extreme of the shorter side.
    let (at_k, next) = if k + 1 < n && k < n / 2 {
        let (below, &mut next, _) = values.select_nth_unstable(k + 1);
        (below.iter().max().copied().unwrap_or(next), Some(next))
    } else {
        let (_, &mut at_k, above) = values.select_nth_unstable(k);
        (at_k, above.iter().min().copied())
    };
    let value = match next {
        Some(next) => at_k.between(next, h - k as f64),
        None => at_k,
    };
    (value, k)
}

fn finite(interval: Interval, what: &'static str) -> Result<Interval> {
    if [interval.estimate, interval.lower, interval.upper]
        .iter()
        .all(|v| v.is_finite())
    {
        Ok(interval)
    } else {
        Err(Error::Undefined {
            quantity: what,
            condition: format!("it is not finite under some parameter draw: {interval:?}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// R's type 7 quantile, by sorting.
    fn sorted_quantile(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let h = (sorted.len() - 1) as f64 * q;
        let k = h.floor() as usize;
        let next = sorted.get(k + 1).copied().unwrap_or(sorted[k]);
        sorted[k] + (h - k as f64) * (next - sorted[k])
    }

    proptest! {
        /// Selection gives the sorted type-7 quantiles, of floats and of
        /// their ordered bits, ties and all.
        #[test]
        fn central_quantiles_equal_sorting(
            values in prop::collection::vec(prop_oneof![0.0..1.0_f64, Just(0.5), Just(0.0)], 10..2_000),
            level in prop_oneof![0.01..0.999_f64, Just(0.9), Just(0.5)],
        ) {
            let want = (
                sorted_quantile(&values, (1.0 - level) / 2.0),
                sorted_quantile(&values, 1.0 - (1.0 - level) / 2.0),
            );
            let mut totals: Vec<Total> = values.iter().copied().map(Total).collect();
            let (Total(lower), Total(upper)) = central(&mut totals, level);
            prop_assert!((lower - want.0).abs() <= 1e-15 && (upper - want.1).abs() <= 1e-15);
            let mut bits: Vec<u64> = values.iter().map(|v| ordered_bits(*v)).collect();
            let (lower, upper) = central(&mut bits, level);
            prop_assert!((f64::from_bits(lower) - want.0).abs() <= 1e-15, "{} vs {}", f64::from_bits(lower), want.0);
            prop_assert!((f64::from_bits(upper) - want.1).abs() <= 1e-15, "{} vs {}", f64::from_bits(upper), want.1);
        }
    }

    #[test]
    fn cholesky_factors_a_known_matrix() {
        // [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l[..3], [2.0, 0.0, 1.0]);
        assert!((l[3] - 2_f64.sqrt()).abs() < 1e-15);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
