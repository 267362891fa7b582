//! Prediction intervals: the uncertainty of a fit's parameters carried
//! through to each customer's predictions and to totals over customers.
//!
//! A fit's estimates are uncertain, and so is every prediction made from
//! them. [`parameter_draws`] draws parameter sets from the fit's sampling
//! distribution: multivariate normal on the log scale (where the fit was
//! made), centred on the estimates with the covariance of the observed
//! information ([`FitReport::covariance`](crate::models::FitReport)). Each
//! prediction is computed under every draw, and its interval is the
//! central `level` share of those values (for whole-number purchase
//! counts, the shortest range holding that share). The draws are seeded, so the
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
//! Any other model's predictions take the same route one at a time: the
//! draws of [`parameter_draws`] (BG/BB, sBG, or any fitted model) or
//! [`covariate_draws`] (a fit with covariates), the prediction under each,
//! and [`Interval::of_draws`].
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

mod counts;
mod draws;
mod expected;
mod options;
mod patterns;
mod quantiles;
mod values;

pub use counts::{CustomerPurchaseCount, PurchaseCountIntervals, purchase_count_intervals};
pub use draws::{covariate_draws, parameter_draws};
pub use expected::{CustomerPurchaseIntervals, PurchaseIntervals, purchase_intervals};
pub use options::IntervalOptions;
pub use values::{CustomerValueIntervals, ValueIntervals, value_intervals};

use crate::models::ModelTime;
use crate::models::model::summaries_agreed_time;
use crate::{Error, Result, Summaries};
use quantiles::{Total, central};

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
    /// process ([`FuturePurchases`](crate::models::FuturePurchases)).
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

impl Interval {
    /// The interval of any prediction from its value at the fitted
    /// parameters and its values under parameter draws (from
    /// [`parameter_draws`] or [`covariate_draws`]): the central `level`
    /// share of them, between the `(1 − level)/2` and `(1 + level)/2`
    /// quantiles (interpolated, as R's type 7). For the predictions this
    /// module does not batch: a BG/BB customer's, a survival curve's, one
    /// customer's with covariates.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a level not strictly between 0 and
    /// 1; [`Error::Undefined`] for no values or a value that is not
    /// finite.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::intervals::{Interval, IntervalOptions, parameter_draws};
    /// use repurchase::models::{FitOptions, RetentionData, ShiftedBetaGeo};
    ///
    /// let data = RetentionData::from_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
    /// let fit = ShiftedBetaGeo::fit(&data, &FitOptions::default())?;
    /// let year_12: Vec<f64> = parameter_draws(&fit, &IntervalOptions::default())?.iter().map(|m| m.survival(12)).collect();
    /// let interval = Interval::of_draws(fit.model.survival(12), &year_12, 0.9)?;
    /// assert!(interval.lower < interval.estimate && interval.estimate < interval.upper);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of_draws(estimate: f64, values: &[f64], level: f64) -> Result<Interval> {
        IntervalOptions::default().level(level).check()?;
        if values.is_empty() {
            return Err(Error::Undefined {
                quantity: "an interval",
                condition: "there are no draws".into(),
            });
        }
        let mut totals: Vec<Total> = values.iter().map(|v| Total(*v)).collect();
        let (Total(lower), Total(upper)) = central(&mut totals, level);
        finite(
            Interval {
                estimate,
                lower,
                upper,
            },
            "an interval of draws",
        )
    }
}

/// Pieces of the pattern groups, scored in parallel with `parallel`.
const PIECES: usize = 16;

/// The most P(alive) values held at once for a batch of patterns.
const BATCH_VALUES: usize = 1 << 16;

/// The horizon in the model's time unit, for summaries in that unit.
fn horizon_in_model_time<C>(
    model: Option<ModelTime>,
    summaries: &Summaries<C>,
    horizon_days: u32,
) -> Result<f64> {
    let time = summaries_agreed_time(model, summaries.options(), "summaries")?;
    if horizon_days == 0 {
        return Err(Error::InvalidParameter {
            name: "horizon_days",
            value: "0".into(),
            expected: "a horizon of at least one day",
        });
    }
    Ok(f64::from(horizon_days) / time.days())
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
