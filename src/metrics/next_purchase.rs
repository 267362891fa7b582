//! When each customer should buy next.

use chrono::NaiveDate;

use super::days::{days, for_each_customer, purchase_days};
use super::stats::{DayCounts, DayStats, quantile_sorted};
use crate::period::{date_of_day, day_number};
use crate::{Error, PurchaseLog, Result, SummaryOptions};

/// How [`next_purchase`] blends a customer's own cycle with the
/// population's.
///
/// | option | default | meaning | range |
/// |---|---|---|---|
/// | [`shrinkage`](Self::shrinkage) | 3.0 | weight of the population's interval, in intervals | finite, ≥ 0 |
///
/// # Example
///
/// ```
/// use repurchase::metrics::NextPurchaseOptions;
///
/// let own_cycle_only = NextPurchaseOptions::default().shrinkage(0.0)?;
/// assert_eq!(own_cycle_only.get_shrinkage(), 0.0);
/// assert!(NextPurchaseOptions::default().shrinkage(-1.0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NextPurchaseOptions {
    shrinkage: f64,
}

crate::stored::deserialize_checked!(NextPurchaseOptions { shrinkage: f64 } => NextPurchaseOptions::default().shrinkage(shrinkage));

impl Default for NextPurchaseOptions {
    fn default() -> Self {
        Self { shrinkage: 3.0 }
    }
}

impl NextPurchaseOptions {
    /// Sets the shrinkage constant `K`: a customer with `n` intervals gets
    /// `(n · own + K · population) / (n + K)`, so with the default 3 a
    /// customer's own median outweighs the population's from 4 intervals on.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `k` is negative or not finite.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::metrics::NextPurchaseOptions;
    ///
    /// assert_eq!(NextPurchaseOptions::default().shrinkage(10.0)?.get_shrinkage(), 10.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shrinkage(mut self, k: f64) -> Result<Self> {
        if !(k.is_finite() && k >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "shrinkage",
                value: k.to_string(),
                expected: "a finite number ≥ 0",
            });
        }
        self.shrinkage = k;
        Ok(self)
    }

    /// The shrinkage constant.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::metrics::NextPurchaseOptions;
    ///
    /// assert_eq!(NextPurchaseOptions::default().get_shrinkage(), 3.0);
    /// ```
    pub fn get_shrinkage(&self) -> f64 {
        self.shrinkage
    }
}

/// What a [`NextPurchase`] estimate rests on.
///
/// # Example
///
/// ```
/// use repurchase::metrics::IntervalBasis;
///
/// let basis = IntervalBasis::OwnCycle { intervals: 3 };
/// assert_ne!(basis, IntervalBasis::SecondPurchase);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum IntervalBasis {
    /// The customer's own intervals (this many), shrunk toward the
    /// population's.
    OwnCycle {
        /// Intervals the customer has.
        intervals: u32,
    },
    /// A one-time buyer: the population's time to a second purchase.
    SecondPurchase,
}

/// One customer's expected next purchase.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let next = metrics::next_purchase(&cdnow_sample()?, &SummaryOptions::new(end), &Default::default());
/// let overdue = next.iter().filter(|n| n.overdue_ratio.is_some_and(|r| r > 2.0)).count();
/// println!("{overdue} customers are more than twice their usual interval overdue");
/// assert!(next.iter().all(|n| n.earliest <= n.expected && n.expected <= n.latest));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct NextPurchase<C> {
    /// The customer's key.
    pub customer: C,
    /// The last purchase day up to the observation end.
    pub last_purchase: NaiveDate,
    /// What the interval rests on.
    pub basis: IntervalBasis,
    /// The typical interval in days; `None` for a one-time buyer when no
    /// customer has a second purchase.
    pub typical_interval: Option<f64>,
    /// `last_purchase` + the typical interval (rounded to a day).
    pub expected: Option<NaiveDate>,
    /// `last_purchase` + the 25th-percentile interval.
    pub earliest: Option<NaiveDate>,
    /// `last_purchase` + the 75th-percentile interval.
    pub latest: Option<NaiveDate>,
    /// Days from the last purchase to the observation end.
    pub days_since_last: u32,
    /// `days_since_last / typical_interval`: above 1 the customer is late.
    pub overdue_ratio: Option<f64>,
}

/// The expected next purchase date of every customer with a purchase up to
/// the observation end, sorted by key.
///
/// # The rule
///
/// ```text
/// typical = (n · m_own + K · m_pop) / (n + K)
/// range   = [(n · q25_own + K · q25_pop) / (n + K), (n · q75_own + K · q75_pop) / (n + K)]
/// ```
///
/// where `n` is the customer's number of intervals, `m_own`, `q25_own`,
/// `q75_own` their median and quartiles, `m_pop`, `q25_pop`, `q75_pop`
/// those of every interval in the log ([`purchase_cycle`](super::purchase_cycle)),
/// and `K` the [`shrinkage`](NextPurchaseOptions::shrinkage) (default 3).
/// A one-time buyer gets the population's time to a second purchase
/// ([`time_to_second_purchase`](super::time_to_second_purchase)): its median
/// and quartiles. Quantiles interpolate linearly.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics::{self, IntervalBasis}, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let next = metrics::next_purchase(&cdnow_sample()?, &SummaryOptions::new(end), &Default::default());
/// assert_eq!(next[0].basis, IntervalBasis::OwnCycle { intervals: 3 });
/// assert_eq!(next[0].last_purchase, NaiveDate::from_ymd_opt(1997, 12, 12).ok_or("bad date")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn next_purchase<C: Clone>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    next: &NextPurchaseOptions,
) -> Vec<NextPurchase<C>> {
    // One pass over the log: the population's intervals and times to a
    // second purchase, and each customer's own last day and quartiles.
    let mut pool = IntervalPool::default();
    let mut customers: Vec<(C, i64, OwnCycle)> = Vec::with_capacity(log.customer_count());
    let mut gaps: Vec<u32> = Vec::new();
    for_each_customer(log, options, |key, cells| {
        gaps.clear();
        let mut last = None;
        for day in purchase_days(cells) {
            if let Some(before) = last {
                gaps.push(days(before, day));
            }
            last = Some(day);
        }
        let Some(last) = last else { return };
        customers.push((key.clone(), last, pool.add(&mut gaps)));
    });
    let cycles = pool.finish();

    let end = day_number(options.observation_end());
    customers
        .into_iter()
        .map(|(customer, last, own)| {
            let TypicalInterval {
                basis,
                low,
                typical,
                high,
            } = cycles.typical(&own, next.shrinkage);
            let days_since_last = days(last, end);
            NextPurchase {
                customer,
                last_purchase: date_of_day(last).unwrap_or_default(),
                basis,
                typical_interval: typical,
                expected: typical.and_then(|t| shift(last, t)),
                earliest: low.and_then(|t| shift(last, t)),
                latest: high.and_then(|t| shift(last, t)),
                days_since_last,
                overdue_ratio: typical.map(|t| f64::from(days_since_last) / t),
            }
        })
        .collect()
}

/// The date `interval` days (rounded) after `day`.
fn shift(day: i64, interval: f64) -> Option<NaiveDate> {
    date_of_day(day + interval.round() as i64)
}

/// One customer's own cycle: how many intervals, and their quartiles.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OwnCycle {
    intervals: u32,
    quartiles: [Option<f64>; 3],
}

/// Every customer's intervals between purchase days, and first intervals
/// (the time to a second purchase): what a customer's own cycle is shrunk
/// toward.
#[derive(Debug, Default)]
pub(crate) struct IntervalPool {
    intervals: DayCounts,
    second: DayCounts,
}

impl IntervalPool {
    /// Adds one customer's intervals, in purchase order, and gives their
    /// own cycle (`gaps` is left sorted).
    pub(crate) fn add(&mut self, gaps: &mut [u32]) -> OwnCycle {
        if let Some(&first) = gaps.first() {
            self.second.add(first);
        }
        for &gap in gaps.iter() {
            self.intervals.add(gap);
        }
        gaps.sort_unstable();
        OwnCycle {
            intervals: u32::try_from(gaps.len()).unwrap_or(u32::MAX),
            quartiles: [0.25, 0.5, 0.75].map(|p| quantile_sorted(gaps, p)),
        }
    }

    /// The population's distributions.
    pub(crate) fn finish(&self) -> Cycles {
        Cycles {
            population: self.intervals.stats(),
            second: self.second.stats(),
        }
    }
}

/// The population's intervals and times to a second purchase.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cycles {
    population: DayStats,
    second: DayStats,
}

/// A customer's typical interval and its quartile range, in days.
pub(crate) struct TypicalInterval {
    pub(crate) basis: IntervalBasis,
    pub(crate) low: Option<f64>,
    pub(crate) typical: Option<f64>,
    pub(crate) high: Option<f64>,
}

impl Cycles {
    /// The one definition of a typical interval, shared by
    /// [`next_purchase`], the lifecycle's overdue ratio and the
    /// replenishment trigger: `n` own intervals shrunk toward the
    /// population's by `k`, `(n · own + k · population) / (n + k)`, for the
    /// median and the quartiles; a one-time buyer gets the population's
    /// time to a second purchase.
    pub(crate) fn typical(&self, own: &OwnCycle, k: f64) -> TypicalInterval {
        if own.intervals == 0 {
            return TypicalInterval {
                basis: IntervalBasis::SecondPurchase,
                low: self.second.p25,
                typical: self.second.median,
                high: self.second.p75,
            };
        }
        let n = f64::from(own.intervals);
        // The population holds every customer's intervals, so it is never
        // empty here; fall back to the customer's own value. A `k` so large
        // that the weighted sum overflows (found by fuzzing: k = 1e308 gave
        // an infinite interval) weighs the population in as a share.
        let blend = |mine: Option<f64>, population: Option<f64>| {
            let mine = mine?;
            let population = population.unwrap_or(mine);
            let direct = (n * mine + k * population) / (n + k);
            Some(if direct.is_finite() {
                direct
            } else {
                mine + k / (n + k) * (population - mine)
            })
        };
        let [p25, median, p75] = own.quartiles;
        TypicalInterval {
            basis: IntervalBasis::OwnCycle {
                intervals: own.intervals,
            },
            low: blend(p25, self.population.p25),
            typical: blend(median, self.population.median),
            high: blend(p75, self.population.p75),
        }
    }
}
