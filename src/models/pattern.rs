//! One customer's purchase pattern with its time unit.

use super::ModelTime;
use super::data::check_pattern;
use super::model::summaries_time;
use crate::{CustomerSummary, Result, SummaryOptions};

/// One customer's `(x, t_x, T)`, the repeat purchases, the time of the last
/// one and the time observed (both from the first purchase), with the unit
/// of the two times: what the models read of a customer.
///
/// Made from a summary, it takes the summaries' unit; made from numbers,
/// the caller states it. Functions that take a pattern and a model refuse
/// a pattern in another unit than the model's.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{ModelTime, Pattern};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let options = SummaryOptions::new(end).unit(TimeUnit::Weeks);
/// let summaries = cdnow_sample()?.summarize(&options);
/// let first = Pattern::from_summary(&summaries.customers[0], summaries.options())?;
/// assert_eq!((first.frequency(), first.time()), (2.0, ModelTime::Weeks));
///
/// let by_hand = Pattern::new(2.0, 30.43, 38.86, ModelTime::Weeks)?;
/// assert!(Pattern::new(2.0, 40.0, 38.86, ModelTime::Weeks).is_err()); // t_x > T
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Pattern {
    frequency: f64,
    recency: f64,
    t: f64,
    time: ModelTime,
}

crate::stored::deserialize_checked!(Pattern { frequency: f64, recency: f64, t: f64, time: ModelTime } => {
    Pattern::new(frequency, recency, t, time)
});

impl Pattern {
    /// The pattern of `x` repeat purchases, the last at `t_x`, observed for
    /// `T`, in `time`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) unless `x` is a
    /// whole number ≥ 0, `0 ≤ t_x ≤ T`, all finite, and `t_x = 0` when
    /// `x = 0`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{ModelTime, Pattern};
    ///
    /// let p = Pattern::new(2.0, 30.43, 38.86, ModelTime::Weeks)?;
    /// assert_eq!((p.recency(), p.t()), (30.43, 38.86));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(frequency: f64, recency: f64, t: f64, time: ModelTime) -> Result<Self> {
        check_pattern("pattern", 0, frequency, recency, t)?;
        Ok(Self {
            frequency,
            recency,
            t,
            time,
        })
    }

    /// The pattern of a customer summarised with `options`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for
    /// options summarising in monthly periods, which have no model time
    /// unit.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::Pattern, SummaryOptions};
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
    /// let p = Pattern::from_summary(&summaries.customers[0], summaries.options())?;
    /// assert_eq!((p.frequency(), p.recency(), p.t()), (3.0, 345.0, 545.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_summary<C>(summary: &CustomerSummary<C>, options: &SummaryOptions) -> Result<Self> {
        Ok(Self::of_summary(summary, summaries_time(options)?))
    }

    /// A summary's pattern in the summaries' unit: summaries keep the
    /// pattern's invariant.
    pub(crate) fn of_summary<C>(summary: &CustomerSummary<C>, time: ModelTime) -> Self {
        Self {
            frequency: f64::from(summary.frequency),
            recency: summary.recency,
            t: summary.t,
            time,
        }
    }

    /// `x`: the repeat purchases.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::{ModelTime, Pattern};
    /// assert_eq!(Pattern::new(2.0, 30.0, 38.0, ModelTime::Weeks)?.frequency(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frequency(&self) -> f64 {
        self.frequency
    }

    /// `t_x`: the time from the first purchase to the last.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::{ModelTime, Pattern};
    /// assert_eq!(Pattern::new(2.0, 30.0, 38.0, ModelTime::Weeks)?.recency(), 30.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// `T`: the time from the first purchase to the end of observation.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::{ModelTime, Pattern};
    /// assert_eq!(Pattern::new(2.0, 30.0, 38.0, ModelTime::Weeks)?.t(), 38.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn t(&self) -> f64 {
        self.t
    }

    /// The unit of `t_x` and `T`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::{ModelTime, Pattern};
    /// assert_eq!(Pattern::new(0.0, 0.0, 38.0, ModelTime::Days)?.time(), ModelTime::Days);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn time(&self) -> ModelTime {
        self.time
    }
}
