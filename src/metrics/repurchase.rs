//! Who buys again: repurchase rates and the time to the second purchase.

use chrono::NaiveDate;

use super::days::{days, for_each_customer, purchase_days};
use super::stats::{DayCounts, DayStats, Histogram, HistogramBins, Rate};
use crate::period::day_number;
use crate::{Error, PurchaseLog, Result, Summaries, SummaryOptions};

/// The share of customers with at least one repeat purchase period
/// (`frequency ≥ 1`), at the granularity the summaries were made with.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let log = cdnow_sample()?;
/// let daily = metrics::repurchase_rate(&log.summarize(&SummaryOptions::new(end)));
/// let weekly = metrics::repurchase_rate(&log.summarize(&SummaryOptions::new(end).granularity(Granularity::Week)));
/// assert!(weekly.numerator <= daily.numerator); // purchases in one week merge
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn repurchase_rate<C>(summaries: &Summaries<C>) -> Rate {
    let repeaters = summaries.iter().filter(|s| s.frequency > 0).count();
    Rate::new(repeaters as u64, summaries.len() as u64)
}

/// The k-day repurchase rate of the customers whose first purchase falls in
/// a window, with right-censoring.
///
/// Of the customers whose first purchase day is in `[first_from,
/// first_to]`, those observed for at least `k` days after it (first day +
/// `k` ≤ observation end) form the denominator; the numerator counts those
/// who bought again within `k` days (a second purchase day at most `k` days
/// after the first). Customers with less follow-up are left out and counted
/// in `censored`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let opts = SummaryOptions::new(d(1998, 6, 30)?);
/// let r90 = metrics::k_day_repurchase_rate(&cdnow_sample()?, &opts, 90, d(1997, 1, 1)?, d(1997, 3, 31)?)?;
/// assert_eq!((r90.rate.denominator, r90.censored), (2_357, 0));
/// assert!(r90.rate.rate.is_some_and(|r| r > 0.2 && r < 0.5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `k` is 0; [`Error::EmptyRange`] when
/// `first_from` is after `first_to`.
pub fn k_day_repurchase_rate<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    k: u32,
    first_from: NaiveDate,
    first_to: NaiveDate,
) -> Result<KDayRepurchase> {
    if k == 0 {
        return Err(Error::InvalidParameter {
            name: "k",
            value: k.to_string(),
            expected: "at least 1 day",
        });
    }
    check_range("first_from", first_from, "first_to", first_to)?;
    let (from, to) = (day_number(first_from), day_number(first_to));
    let end = day_number(options.observation_end());
    let (mut eligible, mut repeated, mut censored) = (0_u64, 0_u64, 0_u64);
    for_each_customer(log, options, |_, cells| {
        let mut days_iter = purchase_days(cells);
        let Some(first) = days_iter.next() else { return };
        if first < from || first > to {
            return;
        }
        if first + i64::from(k) > end {
            censored += 1;
            return;
        }
        eligible += 1;
        if days_iter
            .next()
            .is_some_and(|second| second - first <= i64::from(k))
        {
            repeated += 1;
        }
    });
    Ok(KDayRepurchase {
        k,
        rate: Rate::new(repeated, eligible),
        censored,
    })
}

/// The result of [`k_day_repurchase_rate`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// // Observing only to 1997-04-30: March buyers have under 60 days of follow-up.
/// let opts = SummaryOptions::new(d(1997, 4, 30)?);
/// let r = metrics::k_day_repurchase_rate(&cdnow_sample()?, &opts, 60, d(1997, 1, 1)?, d(1997, 3, 31)?)?;
/// assert!(r.censored > 0);
/// assert_eq!(r.k, 60);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct KDayRepurchase {
    /// The horizon in days.
    pub k: u32,
    /// Customers who bought again within `k` days, of those observed for
    /// `k` days.
    pub rate: Rate,
    /// Customers first buying in the window but observed for fewer than `k`
    /// days after: excluded from the rate.
    pub censored: u64,
}

/// The returning-customer rate of a period, Shopify's definition: the share
/// of the period's buyers who have placed more than one order ever, as of
/// the period's end.
///
/// Buyers have a purchase day in `[from, to]`; their orders are counted
/// from the start of the log to `to` (refunds are not orders). Days after
/// the observation end are not observed.
///
/// # Errors
///
/// [`Error::EmptyRange`] when `from` is after `to`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let opts = SummaryOptions::new(d(1998, 6, 30)?);
/// // In its first week every CDNOW customer is new, unless they ordered twice.
/// let first_week = metrics::returning_customer_rate(&cdnow_sample()?, &opts, d(1997, 1, 1)?, d(1997, 1, 7)?)?;
/// let a_year_later = metrics::returning_customer_rate(&cdnow_sample()?, &opts, d(1998, 1, 1)?, d(1998, 1, 31)?)?;
/// assert!(first_week.rate < a_year_later.rate);
/// assert_eq!(a_year_later.rate, Some(1.0)); // the cohort was acquired in Q1 1997
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn returning_customer_rate<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Rate> {
    check_range("from", from, "to", to)?;
    let (from, to) = (day_number(from), day_number(to));
    let (mut buyers, mut returning) = (0_u64, 0_u64);
    for_each_customer(log, options, |_, cells| {
        let bought = purchase_days(cells).any(|day| day >= from && day <= to);
        if bought {
            buyers += 1;
            let orders: u64 = cells
                .iter()
                .take_while(|c| c.day <= to)
                .map(|c| u64::from(c.orders))
                .sum();
            if orders > 1 {
                returning += 1;
            }
        }
    });
    Ok(Rate::new(returning, buyers))
}

/// The time from the first to the second purchase day, among customers who
/// made one up to the observation end, with its histogram in the default
/// bins ([`HistogramBins::default`](crate::metrics::HistogramBins)).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let second = metrics::time_to_second_purchase(&cdnow_sample()?, &SummaryOptions::new(end));
/// assert_eq!(second.days.count + second.one_time_buyers, 2_357);
/// assert!(second.days.min >= Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn time_to_second_purchase<C>(log: &PurchaseLog<C>, options: &SummaryOptions) -> SecondPurchase {
    let mut counts = DayCounts::default();
    let mut one_time = 0_u64;
    for_each_customer(log, options, |_, cells| {
        let mut days_iter = purchase_days(cells);
        match (days_iter.next(), days_iter.next()) {
            (Some(first), Some(second)) => counts.add(days(first, second)),
            (Some(_), None) => one_time += 1,
            _ => {}
        }
    });
    SecondPurchase {
        days: counts.stats(),
        histogram: counts.histogram(&HistogramBins::default()),
        one_time_buyers: one_time,
    }
}

/// The result of [`time_to_second_purchase`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let second = metrics::time_to_second_purchase(&cdnow_sample()?, &SummaryOptions::new(end));
/// println!("median {:?} days to a second purchase", second.days.median);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecondPurchase {
    /// Days from the first to the second purchase day.
    pub days: DayStats,
    /// The same days by a week, two weeks, a month, two and three months,
    /// half a year and a year.
    pub histogram: Histogram,
    /// Customers with one purchase day only.
    pub one_time_buyers: u64,
}

/// An [`Error::EmptyRange`] unless `start ≤ end`.
pub(crate) fn check_range(
    start_field: &'static str,
    start: NaiveDate,
    end_field: &'static str,
    end: NaiveDate,
) -> Result<()> {
    if start > end {
        return Err(Error::EmptyRange {
            start_field,
            start: start.to_string(),
            end_field,
            end: end.to_string(),
        });
    }
    Ok(())
}
