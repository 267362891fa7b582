//! What customers spend: order values, revenue and activity, overall, per
//! customer and per calendar period.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::days::for_each_customer;
use super::repurchase::check_range;
use crate::period::{date_of_day, day_number};
use crate::summary::mean;
use crate::{Granularity, PurchaseLog, Result, SummaryOptions};

/// Orders and revenue of a set of customers over some days.
///
/// `orders` counts orders (refunds are not orders), `revenue` nets orders
/// and refunds, `customers` counts those with at least one order; the
/// ratios are `None` when their denominator is 0.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let opts = SummaryOptions::new(d(1998, 6, 30)?);
/// let all = metrics::spend(&cdnow_sample()?, &opts, d(1997, 1, 1)?, d(1998, 6, 30)?)?;
/// assert_eq!((all.orders, all.customers), (6_919, 2_357));
/// assert_eq!(all.revenue.to_string(), "244091.94");
/// assert_eq!(all.aov.map(|a| a.round_dp(2).to_string()).as_deref(), Some("35.28"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Spend {
    /// Orders placed.
    pub orders: u64,
    /// Customers with at least one order.
    pub customers: u64,
    /// Net revenue: orders minus refunds.
    pub revenue: Decimal,
    /// Average order value: `revenue / orders`.
    pub aov: Option<Decimal>,
    /// `revenue / customers`.
    pub revenue_per_customer: Option<Decimal>,
    /// `orders / customers`.
    pub orders_per_customer: Option<f64>,
}

impl Spend {
    fn add(&mut self, orders: u32, revenue: Decimal) {
        self.orders += u64::from(orders);
        // Bounded by MAX_AMOUNT × records: cannot saturate.
        self.revenue = self.revenue.saturating_add(revenue);
    }

    fn finish(mut self) -> Self {
        self.aov = mean_u64(self.revenue, self.orders);
        self.revenue_per_customer = mean_u64(self.revenue, self.customers);
        self.orders_per_customer = (self.customers > 0).then(|| self.orders as f64 / self.customers as f64);
        self
    }
}

pub(crate) fn mean_u64(total: Decimal, count: u64) -> Option<Decimal> {
    match u32::try_from(count) {
        Ok(count) => mean(total, count),
        Err(_) => total.checked_div(Decimal::from(count)),
    }
}

/// Orders and revenue over the days `[from, to]`, overall.
///
/// # Errors
///
/// [`Error::EmptyRange`](crate::Error::EmptyRange) when `from` is after `to`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let q1 = metrics::spend(&cdnow_sample()?, &SummaryOptions::new(d(1998, 6, 30)?), d(1997, 1, 1)?, d(1997, 3, 31)?)?;
/// assert_eq!(q1.customers, 2_357); // everyone's first purchase
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spend<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Spend> {
    check_range("from", from, "to", to)?;
    let (from, to) = (day_number(from), day_number(to));
    let mut total = Spend::default();
    for_each_customer(log, options, |_, cells| {
        let mut orders = 0_u32;
        for cell in cells.iter().filter(|c| c.day >= from && c.day <= to) {
            orders += cell.orders;
            total.add(cell.orders, cell.net.value());
        }
        total.customers += u64::from(orders > 0);
    });
    Ok(total.finish())
}

/// One customer's orders and revenue over a window.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let opts = SummaryOptions::new(d(1998, 6, 30)?);
/// let activity = metrics::customer_activity(&cdnow_sample()?, &opts, d(1997, 1, 1)?, d(1998, 6, 30)?)?;
/// assert_eq!((activity[0].customer, activity[0].orders), (1, 4));
/// assert_eq!(activity[0].revenue.to_string(), "100.50");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerActivity<C> {
    /// The customer's key.
    pub customer: C,
    /// Orders in the window.
    pub orders: u32,
    /// Net revenue in the window.
    pub revenue: Decimal,
    /// `revenue / orders`.
    pub aov: Option<Decimal>,
}

/// Every customer's orders, revenue and average order value over `[from,
/// to]`: the customers with an order or a refund in the window, by key.
///
/// # Errors
///
/// [`Error::EmptyRange`](crate::Error::EmptyRange) when `from` is after `to`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let opts = SummaryOptions::new(d(1998, 6, 30)?);
/// let june = metrics::customer_activity(&cdnow_sample()?, &opts, d(1998, 6, 1)?, d(1998, 6, 30)?)?;
/// assert!(june.iter().all(|a| a.orders >= 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn customer_activity<C: Clone>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CustomerActivity<C>>> {
    check_range("from", from, "to", to)?;
    let (from, to) = (day_number(from), day_number(to));
    let mut out = Vec::new();
    for_each_customer(log, options, |key, cells| {
        let mut window = cells.iter().filter(|c| c.day >= from && c.day <= to).peekable();
        if window.peek().is_none() {
            return;
        }
        let (orders, revenue) = window.fold((0_u32, Decimal::ZERO), |(o, r), c| {
            (o + c.orders, r.saturating_add(c.net.value()))
        });
        out.push(CustomerActivity {
            customer: key.clone(),
            orders,
            revenue,
            aov: mean(revenue, orders),
        });
    });
    Ok(out)
}

/// Orders and revenue of one calendar period.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let months = metrics::spend_by_period(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// assert_eq!(months.len(), 18); // 1997-01 to 1998-06
/// assert!(months.iter().all(|m| m.complete));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PeriodSpend {
    /// The period's first day.
    pub start: NaiveDate,
    /// `false` for a last period that runs past the observation end.
    pub complete: bool,
    /// Its orders and revenue.
    pub spend: Spend,
}

/// The most calendar periods a series from [`spend_by_period`] spans (and
/// a cohort of [`cohort_retention`](super::cohort_retention) follows):
/// 273 years of days, enough for any shop's history, while a far-off date
/// let through [`LogOptions::valid_range`](crate::LogOptions::valid_range)
/// cannot make a table of millions of empty periods.
///
/// # Example
///
/// ```
/// assert_eq!(repurchase::metrics::MAX_PERIODS, 100_000);
/// ```
pub const MAX_PERIODS: usize = 100_000;

/// Orders, revenue and average order value per calendar period, from the
/// period of the first purchase to that of the observation end, empty
/// periods included so the series has no gaps.
///
/// # Errors
///
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when that
/// span holds more than [`MAX_PERIODS`] periods: use a coarser period, or
/// leave out far-off dates (they are usually sentinels).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let weeks = metrics::spend_by_period(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Week)?;
/// let revenue: rust_decimal::Decimal = weeks.iter().map(|w| w.spend.revenue).sum();
/// assert_eq!(revenue.to_string(), "244091.94");
/// assert!(!weeks.last().is_some_and(|w| w.complete)); // 1998-06-30 is a Tuesday
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spend_by_period<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    period: Granularity,
) -> Result<Vec<PeriodSpend>> {
    let end_day = day_number(options.observation_end());
    let Some(first_day) = first_day(log) else {
        return Ok(Vec::new());
    };
    if first_day > end_day {
        return Ok(Vec::new());
    }
    let (first, last) = (period.period_of_day(first_day), period.period_of_day(end_day));
    let slots = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
    if slots > MAX_PERIODS {
        return Err(too_many_periods(slots, period, first_day, end_day));
    }
    let mut periods = vec![Spend::default(); slots];
    let mut seen = vec![false; slots];
    let mut touched: Vec<usize> = Vec::new();
    for_each_customer(log, options, |_, cells| {
        for cell in cells {
            let i = usize::try_from(period.period_of_day(cell.day) - first).unwrap_or(usize::MAX);
            if let (Some(spend), Some(flag)) = (periods.get_mut(i), seen.get_mut(i)) {
                spend.add(cell.orders, cell.net.value());
                if cell.orders > 0 && !*flag {
                    *flag = true;
                    touched.push(i);
                }
            }
        }
        // A customer counts once per period with an order.
        for i in touched.drain(..) {
            if let (Some(spend), Some(flag)) = (periods.get_mut(i), seen.get_mut(i)) {
                spend.customers += 1;
                *flag = false;
            }
        }
    });
    Ok(periods
        .into_iter()
        .zip(first..)
        .map(|(spend, p)| PeriodSpend {
            start: date_of_day(period.start_day(p)).unwrap_or_default(),
            complete: period.start_day(p + 1) - 1 <= end_day,
            spend: spend.finish(),
        })
        .collect())
}

/// A span of `periods` periods from day `from` to day `to`, beyond
/// [`MAX_PERIODS`].
pub(super) fn too_many_periods(periods: usize, period: Granularity, from: i64, to: i64) -> crate::Error {
    let day = |d| date_of_day(d).map_or_else(|| d.to_string(), |d| d.to_string());
    crate::Error::InvalidParameter {
        name: "period",
        value: format!("{periods} {period} periods from {} to {}", day(from), day(to)),
        expected: "at most MAX_PERIODS (100,000) periods from the first purchase to the observation end; \
                   use a coarser period, or leave far-off dates out with LogOptions::valid_range",
    }
}

/// The local day of the log's first line, if any.
pub(crate) fn first_day<C>(log: &PurchaseLog<C>) -> Option<i64> {
    log.customers()
        .filter_map(|c| c.first_seconds())
        .min()
        .map(|s| log.clock().day(s))
}
