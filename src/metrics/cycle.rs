//! How often customers buy: intervals between purchase days.

use super::days::{days, for_each_customer, purchase_days};
use super::stats::{DayCounts, DayStats, Histogram, HistogramBins, quantile_sorted};
use crate::{PurchaseLog, SummaryOptions};

/// Inter-purchase intervals: the days between consecutive purchase days of
/// each customer, up to the observation end.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let cycle = metrics::purchase_cycle(&cdnow_sample()?, &SummaryOptions::new(end), &Default::default());
/// // Customers with frequency f contribute f intervals.
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let repeats: u64 = summaries.iter().map(|s| u64::from(s.frequency)).sum();
/// assert_eq!(cycle.intervals.count, repeats);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct PurchaseCycle<C> {
    /// Every interval of every customer.
    pub intervals: DayStats,
    /// The intervals by the caller's bins.
    pub histogram: Histogram,
    /// Each customer's own cycle, sorted by key.
    pub customers: Vec<CustomerCycle<C>>,
}

/// One customer's purchase cycle; the statistics are `None` below two
/// purchase days.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let cycle = metrics::purchase_cycle(&cdnow_sample()?, &SummaryOptions::new(end), &Default::default());
/// let first = &cycle.customers[0]; // days 1997-01-01, 01-18, 08-02, 12-12
/// assert_eq!((first.purchase_days, first.median), (4, Some(132.0))); // gaps 17, 196, 132
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerCycle<C> {
    /// The customer's key.
    pub customer: C,
    /// Distinct purchase days.
    pub purchase_days: u32,
    /// Mean interval in days.
    pub mean: Option<f64>,
    /// Median interval in days (linear interpolation).
    pub median: Option<f64>,
    /// Coefficient of variation: population standard deviation ÷ mean
    /// (0 for a single interval; intervals are ≥ 1 day, so the mean is
    /// never 0).
    pub cv: Option<f64>,
}

/// Intervals between purchase days: the population's distribution and
/// histogram, and each customer's mean, median and coefficient of
/// variation.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics::{self, HistogramBins}, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let bins = HistogramBins::new(vec![30, 90, 180])?;
/// let cycle = metrics::purchase_cycle(&cdnow_sample()?, &SummaryOptions::new(end), &bins);
/// assert_eq!(cycle.histogram.counts.len(), 4);
/// assert_eq!(cycle.customers.len(), 2_357);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn purchase_cycle<C: Clone>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    bins: &HistogramBins,
) -> PurchaseCycle<C> {
    let mut population = DayCounts::default();
    let mut customers = Vec::with_capacity(log.customer_count());
    let mut intervals: Vec<u32> = Vec::new();
    for_each_customer(log, options, |key, cells| {
        intervals.clear();
        let mut purchase_day_count = 0_u32;
        let mut previous = None;
        for day in purchase_days(cells) {
            purchase_day_count += 1;
            if let Some(before) = previous {
                let gap = days(before, day);
                population.add(gap);
                intervals.push(gap);
            }
            previous = Some(day);
        }
        if purchase_day_count == 0 {
            return;
        }
        customers.push(customer_cycle(key.clone(), purchase_day_count, &mut intervals));
    });
    PurchaseCycle {
        intervals: population.stats(),
        histogram: population.histogram(bins),
        customers,
    }
}

fn customer_cycle<C>(customer: C, purchase_days: u32, intervals: &mut [u32]) -> CustomerCycle<C> {
    if intervals.is_empty() {
        return CustomerCycle {
            customer,
            purchase_days,
            mean: None,
            median: None,
            cv: None,
        };
    }
    let n = intervals.len() as f64;
    let mean = intervals.iter().map(|&d| f64::from(d)).sum::<f64>() / n;
    let variance = intervals
        .iter()
        .map(|&d| (f64::from(d) - mean).powi(2))
        .sum::<f64>()
        / n;
    intervals.sort_unstable();
    CustomerCycle {
        customer,
        purchase_days,
        mean: Some(mean),
        median: quantile_sorted(intervals, 0.5),
        cv: Some(variance.sqrt() / mean),
    }
}
