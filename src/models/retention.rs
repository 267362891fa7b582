//! Contractual retention data: how many subscribers of each cohort are
//! still subscribed after each renewal period.

use crate::{Error, Result};

/// Subscribers by the period they cancelled in, and by the period their
/// observation ended in while still subscribed, over one or more cohorts:
/// the data the [`ShiftedBetaGeo`](super::ShiftedBetaGeo) model is fitted
/// on.
///
/// A cohort is given as survivor counts `[n₀, n₁, …, n_k]`: `n₀`
/// subscribers at the start, `n_t` of them still subscribed after `t`
/// renewal periods (monthly, yearly: any period, as long as it is one
/// throughout). So `n_{t−1} − n_t` cancelled in period `t`, and the `n_k`
/// left are still subscribed when the observation ends. Cohorts of
/// different lengths (acquired in different years, say) are pooled.
///
/// Invariant: at least one subscriber; every count finite, ≥ 0 and below
/// 2⁵³ in all.
///
/// # Example
///
/// ```
/// use repurchase::models::RetentionData;
///
/// // Fader & Hardie (2007): 1,000 "regular" customers over seven years.
/// let data = RetentionData::from_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
/// assert_eq!((data.subscribers(), data.periods()), (1000, 7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RetentionData {
    /// `cancelled[t − 1]`: subscribers who cancelled in period `t`.
    cancelled: Vec<f64>,
    /// `active[t − 1]`: subscribers still subscribed after period `t`
    /// when their observation ended.
    active: Vec<f64>,
}

crate::stored::deserialize_checked!(RetentionData { cancelled: Vec<f64>, active: Vec<f64> } => RetentionData::from_counts(cancelled, active));

/// The most subscribers in one data set: counts stay exact in f64.
const MAX_SUBSCRIBERS: u64 = 1 << 53;

/// A cohort without a count after its first period says nothing about
/// retention: refused, rather than left out unsaid.
fn cohort_too_short(position: usize, counts: &[u64]) -> Error {
    Error::InvalidInput {
        input: "survivor count",
        row: position,
        field: "survivors",
        value: format!("{counts:?}"),
        expected: "a cohort observed for at least one period: its count at the start and after the first period",
    }
}

impl RetentionData {
    /// One cohort's survivor counts `[n₀, n₁, …, n_k]`: `n₀` at the start,
    /// `n_t` still subscribed after `t` periods.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the position of a count above the
    /// one before it (survivors cannot grow: a reactivated subscriber
    /// starts a new cohort), or a cohort of fewer than two counts, or 2⁵³
    /// subscribers or more; [`Error::InsufficientData`] without subscribers
    /// at the start.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::RetentionData;
    ///
    /// let data = RetentionData::from_survivors(&[1000, 869, 743])?;
    /// assert_eq!(data.periods(), 2);
    /// assert!(RetentionData::from_survivors(&[1000, 869, 900]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_survivors(counts: &[u64]) -> Result<Self> {
        Self::from_cohorts([counts])
    }

    /// Several cohorts' survivor counts, pooled: each as
    /// [`from_survivors`](Self::from_survivors) takes it, over the same
    /// period length.
    ///
    /// # Errors
    ///
    /// As [`from_survivors`](Self::from_survivors); a count is named by its
    /// position counted across the cohorts in order. A cohort of fewer
    /// than two counts (acquired this period, not yet renewed) is an
    /// [`Error::InvalidInput`]: leave it out until it has a period.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::RetentionData;
    ///
    /// // Acquired two years ago and last year.
    /// let data = RetentionData::from_cohorts([&[500_u64, 340, 270][..], &[620, 410]])?;
    /// assert_eq!((data.subscribers(), data.periods()), (1120, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_cohorts<I>(cohorts: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<[u64]>,
    {
        let (mut cancelled, mut active) = (Vec::new(), Vec::new());
        let (mut position, mut subscribers) = (0_usize, 0_u64);
        let add = |counts: &mut Vec<f64>, period: usize, n: u64| {
            if counts.len() < period {
                counts.resize(period, 0.0);
            }
            if let Some(count) = counts.get_mut(period.saturating_sub(1)) {
                *count += n as f64;
            }
        };
        for cohort in cohorts {
            let counts = cohort.as_ref();
            let &[first, _, ..] = counts else {
                return Err(cohort_too_short(position, counts));
            };
            subscribers = subscribers.saturating_add(first);
            if subscribers >= MAX_SUBSCRIBERS {
                return Err(Error::InvalidInput {
                    input: "survivor count",
                    row: position,
                    field: "survivors",
                    value: first.to_string(),
                    expected: "fewer than 2^53 subscribers in all",
                });
            }
            let mut before = first;
            for (period, &n) in counts.iter().enumerate().skip(1) {
                let Some(lost) = before.checked_sub(n) else {
                    return Err(Error::InvalidInput {
                        input: "survivor count",
                        row: position + period,
                        field: "survivors",
                        value: n.to_string(),
                        expected: "at most the count before it: survivors cannot grow",
                    });
                };
                if lost > 0 {
                    add(&mut cancelled, period, lost);
                }
                before = n;
            }
            // The survivors at the cohort's end, observed for its periods.
            if before > 0 {
                add(&mut active, counts.len() - 1, before);
            }
            position += counts.len();
        }
        if subscribers == 0 {
            return Err(Error::InsufficientData {
                needed: "a cohort with subscribers at the start",
            });
        }
        let periods = cancelled.len().max(active.len());
        if periods == 0 {
            return Err(Error::InsufficientData {
                needed: "survivor counts after at least one period",
            });
        }
        cancelled.resize(periods, 0.0);
        active.resize(periods, 0.0);
        Ok(Self { cancelled, active })
    }

    /// Rebuilds stored data, checking it as the constructors would.
    #[cfg(feature = "serde")]
    fn from_counts(cancelled: Vec<f64>, active: Vec<f64>) -> Result<Self> {
        let bad = cancelled
            .iter()
            .chain(&active)
            .position(|n| !(n.is_finite() && *n >= 0.0 && n.fract() == 0.0));
        if let Some(row) = bad {
            return Err(Error::InvalidInput {
                input: "stored retention count",
                row,
                field: "count",
                value: cancelled
                    .iter()
                    .chain(&active)
                    .nth(row)
                    .map_or_else(String::new, f64::to_string),
                expected: "a whole number ≥ 0",
            });
        }
        let total: f64 = cancelled.iter().chain(&active).sum();
        if cancelled.len() != active.len()
            || cancelled.is_empty()
            || !(1.0..MAX_SUBSCRIBERS as f64).contains(&total)
        {
            return Err(Error::InsufficientData {
                needed: "stored retention data with one count of each kind a period, and subscribers",
            });
        }
        Ok(Self { cancelled, active })
    }

    /// Subscribers at the start, over all cohorts.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::RetentionData;
    /// assert_eq!(RetentionData::from_survivors(&[100, 80])?.subscribers(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribers(&self) -> u64 {
        self.cancelled.iter().chain(&self.active).sum::<f64>() as u64
    }

    /// Periods observed, in the longest cohort.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::RetentionData;
    /// assert_eq!(RetentionData::from_survivors(&[100, 80, 70])?.periods(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn periods(&self) -> u32 {
        u32::try_from(self.cancelled.len()).unwrap_or(u32::MAX)
    }

    /// Each period `t = 1, 2, …` with the subscribers who cancelled in it
    /// and those still subscribed after it when observation ended.
    pub(crate) fn by_period(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.cancelled.iter().copied().zip(self.active.iter().copied())
    }
}
