//! Churn between consecutive calendar windows.

use chrono::NaiveDate;

use super::days::{for_each_customer, purchase_days};
use super::spend::{MAX_PERIODS, first_day, too_many_periods};
use super::stats::Rate;
use crate::period::{date_of_day, day_number};
use crate::{Granularity, PurchaseLog, Result, SummaryOptions};

/// Customers active in one window and whether they came back in the next.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let churn = metrics::churn_rate(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// let january = &churn[0];
/// assert_eq!(january.active, january.retained + january.churned);
/// assert_eq!(january.churn.numerator, january.churned);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct WindowChurn {
    /// First day of the window.
    pub start: NaiveDate,
    /// First day of the next window.
    pub next_start: NaiveDate,
    /// Customers with a purchase day in the window.
    pub active: u64,
    /// Of those, customers with a purchase day in the next window too.
    pub retained: u64,
    /// `active − retained`.
    pub churned: u64,
    /// `churned / active`.
    pub churn: Rate,
}

/// Churn between consecutive calendar windows (months, weeks or days): of
/// the customers active in window *i*, how many are not active in window
/// *i + 1*, for every window from the first purchase's on.
///
/// A pair is reported only when window *i + 1* ends on or before the
/// observation end, so a partly observed last window never inflates churn.
///
/// # Errors
///
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when more
/// than [`MAX_PERIODS`] windows lie between the first purchase and the
/// observation end (purchases centuries apart by day, say).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let churn = metrics::churn_rate(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// assert_eq!(churn.len(), 17); // Jan→Feb 1997 … May→Jun 1998
/// assert!(churn.iter().all(|w| w.churn.rate.is_none_or(|r| (0.0..=1.0).contains(&r))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn churn_rate<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    window: Granularity,
) -> Result<Vec<WindowChurn>> {
    let end_day = day_number(options.observation_end());
    let Some(first_day) = first_day(log) else {
        return Ok(Vec::new());
    };
    let first = window.period_of_day(first_day);
    // The last window that ends on or before the observation end.
    let last_complete = window.period_of_day(end_day + 1) - 1;
    if last_complete <= first {
        return Ok(Vec::new());
    }
    let pairs = usize::try_from(last_complete - first).unwrap_or(usize::MAX);
    // The table is sized by the span: bounded as every period series is.
    if pairs > MAX_PERIODS {
        return Err(too_many_periods(pairs, window, first_day, end_day));
    }
    let (mut active, mut retained) = (vec![0_u64; pairs], vec![0_u64; pairs]);
    for_each_customer(log, options, |_, cells| {
        let mut previous: Option<i64> = None;
        for w in purchase_days(cells).map(|day| window.period_of_day(day) - first) {
            if previous == Some(w) {
                continue;
            }
            if let Some(p) = previous.filter(|&p| p + 1 == w) {
                if let Some(r) = usize::try_from(p).ok().and_then(|p| retained.get_mut(p)) {
                    *r += 1;
                }
            }
            if let Some(a) = usize::try_from(w).ok().and_then(|w| active.get_mut(w)) {
                *a += 1;
            }
            previous = Some(w);
        }
    });
    Ok((0..pairs)
        .map(|i| {
            let p = first + i as i64;
            let a = crate::invariant::item(&active, i).copied().unwrap_or(0);
            let r = crate::invariant::item(&retained, i).copied().unwrap_or(0);
            WindowChurn {
                start: date_of_day(window.start_day(p)).unwrap_or_default(),
                next_start: date_of_day(window.start_day(p + 1)).unwrap_or_default(),
                active: a,
                retained: r,
                churned: a - r,
                churn: Rate::new(a - r, a),
            }
        })
        .collect())
}
