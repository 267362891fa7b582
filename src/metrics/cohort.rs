//! Acquisition cohorts: who comes back, period after period.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::days::for_each_customer;
use super::spend::{MAX_PERIODS, mean_u64, too_many_periods};
use crate::period::{date_of_day, day_number};
use crate::{Error, Granularity, PurchaseLog, Result, SummaryOptions};

/// A cohort's figures in one period after acquisition.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// let january = &table.cohorts[0];
/// let first_month = january.cell(0).ok_or("observed")?;
/// assert_eq!(first_month.active, january.customers);
/// assert_eq!(first_month.retention, 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CohortCell {
    /// Periods since acquisition (0 is the acquisition period).
    pub offset: u32,
    /// The period's first day.
    pub start: NaiveDate,
    /// `false` when the period runs past the observation end.
    pub complete: bool,
    /// Cohort customers with a purchase day in the period.
    pub active: u64,
    /// `active / customers` of the cohort.
    pub retention: f64,
    /// Cohort customers with a second purchase day by the period's end
    /// (cumulative).
    pub repeat_buyers: u64,
    /// Orders in the period (refunds are not orders).
    pub orders: u64,
    /// Net revenue in the period.
    pub revenue: Decimal,
    /// Net revenue from acquisition to the period's end, per cohort customer.
    pub cumulative_revenue_per_customer: Decimal,
    /// `revenue / orders`.
    pub aov: Option<Decimal>,
}

/// The customers acquired in one period, and their periods since.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// let march = &table.cohorts[2];
/// assert_eq!(march.cells.len(), 16); // 1997-03 … 1998-06
/// assert!(march.cell(16).is_none()); // censored: after the observation end
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cohort {
    /// First day of the acquisition period.
    pub start: NaiveDate,
    /// Customers whose first purchase day falls in the period.
    pub customers: u64,
    /// Observed periods, offset 0 first; later offsets are censored.
    pub cells: Vec<CohortCell>,
}

impl Cohort {
    /// The cell `offset` periods after acquisition, `None` when that period
    /// starts after the observation end (censored, not zero).
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
    /// assert!(table.cohorts[0].cell(17).is_some() && table.cohorts[0].cell(18).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cell(&self, offset: u32) -> Option<&CohortCell> {
        self.cells.get(offset as usize)
    }
}

/// A cohort retention table: one row per acquisition period, one cell per
/// period since.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// assert_eq!(table.cohorts.len(), 3); // CDNOW's cohort was acquired in Q1 1997
/// assert_eq!(table.max_offset, 17);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CohortTable {
    /// The period cohorts and offsets are counted in.
    pub period: Granularity,
    /// Acquisition cohorts in time order (periods without new customers
    /// are left out).
    pub cohorts: Vec<Cohort>,
    /// The largest offset observed (the first cohort's last cell).
    pub max_offset: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Accumulator {
    active: u64,
    repeat_from_here: u64,
    orders: u64,
    revenue: Decimal,
}

/// The most cells a [`cohort_retention`] table holds (cohorts × the
/// periods each is followed for): 20 years of monthly cohorts take 29,000,
/// 20 years of weekly ones 545,000.
///
/// # Example
///
/// ```
/// assert_eq!(repurchase::metrics::MAX_COHORT_CELLS, 4_000_000);
/// ```
pub const MAX_COHORT_CELLS: usize = 4_000_000;

/// Cohort retention by acquisition month or week: for each cohort and
/// period since acquisition, active customers, retention, repeat buyers,
/// orders, revenue, cumulative revenue per customer and average order
/// value.
///
/// A cohort is the customers whose first purchase day falls in one period.
/// Only observed cells are stored: a period starting after the observation
/// end is censored ([`Cohort::cell`] gives `None`), and a period running
/// past it is marked incomplete.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for [`Granularity::Day`]: daily cohorts
/// make a table with a row and a column per day; use weeks or months. The
/// same error for a cohort followed for more than
/// [`MAX_PERIODS`](super::MAX_PERIODS) periods, or a table of more than
/// [`MAX_COHORT_CELLS`] cells.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// for cohort in &table.cohorts {
///     let shares: Vec<String> = cohort.cells.iter().take(4).map(|c| format!("{:.0} %", 100.0 * c.retention)).collect();
///     println!("{}: {} customers, {}", cohort.start, cohort.customers, shares.join(" "));
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cohort_retention<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    period: Granularity,
) -> Result<CohortTable> {
    if period == Granularity::Day {
        return Err(Error::InvalidParameter {
            name: "period",
            value: period.to_string(),
            expected: "Granularity::Week or Granularity::Month",
        });
    }
    let end_day = day_number(options.observation_end());
    let end_period = period.period_of_day(end_day);
    // Cohorts by acquisition period; each holds its observed offsets.
    let mut cohorts: std::collections::BTreeMap<i64, (u64, Vec<Accumulator>)> = Default::default();
    let mut active_offsets: Vec<usize> = Vec::new();
    // Cells allocated, and the first cohort that would pass the bounds.
    let mut cells_held = 0_usize;
    let mut too_large: Option<(usize, i64)> = None;
    for_each_customer(log, options, |_, cells| {
        let Some(first) = cells.iter().find(|c| c.is_occasion()) else {
            return;
        };
        let cohort_period = period.period_of_day(first.day);
        let observed = usize::try_from(end_period - cohort_period + 1).unwrap_or(0);
        if !cohorts.contains_key(&cohort_period) {
            if observed > MAX_PERIODS || cells_held + observed > MAX_COHORT_CELLS {
                too_large.get_or_insert((observed, first.day));
                return;
            }
            cells_held += observed;
        }
        let (size, row) = cohorts
            .entry(cohort_period)
            .or_insert_with(|| (0, vec![Accumulator::default(); observed]));
        *size += 1;
        active_offsets.clear();
        let mut purchase_days = 0_u32;
        // Cells before the first purchase day (refunds only) belong to no offset.
        for cell in cells.iter().skip_while(|c| c.day < first.day) {
            let offset =
                usize::try_from(period.period_of_day(cell.day) - cohort_period).unwrap_or(usize::MAX);
            let Some(acc) = row.get_mut(offset) else { continue };
            acc.orders += u64::from(cell.orders);
            acc.revenue = acc.revenue.saturating_add(cell.net.value());
            if cell.is_occasion() {
                purchase_days += 1;
                if purchase_days == 2 {
                    acc.repeat_from_here += 1;
                }
                if active_offsets.last() != Some(&offset) {
                    active_offsets.push(offset);
                    acc.active += 1;
                }
            }
        }
    });

    if let Some((observed, from)) = too_large {
        return Err(if observed > MAX_PERIODS {
            too_many_periods(observed, period, from, end_day)
        } else {
            Error::InvalidParameter {
                name: "period",
                value: format!("more than {MAX_COHORT_CELLS} cohort cells by {period}"),
                expected: "a table of at most MAX_COHORT_CELLS cohorts × periods; \
                           use months rather than weeks, or a later observation window",
            }
        });
    }
    let max_offset = cohorts
        .values()
        .map(|(_, row)| row.len().saturating_sub(1))
        .max()
        .unwrap_or(0);
    let cohorts = cohorts
        .into_iter()
        .map(|(cohort_period, (size, row))| {
            let (mut repeat, mut cumulative) = (0_u64, Decimal::ZERO);
            let cells = row
                .into_iter()
                .enumerate()
                .map(|(offset, acc)| {
                    let p = cohort_period + offset as i64;
                    repeat += acc.repeat_from_here;
                    cumulative = cumulative.saturating_add(acc.revenue);
                    CohortCell {
                        offset: u32::try_from(offset).unwrap_or(u32::MAX),
                        start: date_of_day(period.start_day(p)).unwrap_or_default(),
                        complete: period.start_day(p + 1) - 1 <= end_day,
                        active: acc.active,
                        retention: acc.active as f64 / size as f64,
                        repeat_buyers: repeat,
                        orders: acc.orders,
                        revenue: acc.revenue,
                        // A cohort has at least one customer.
                        cumulative_revenue_per_customer: mean_u64(cumulative, size).unwrap_or_default(),
                        aov: mean_u64(acc.revenue, acc.orders),
                    }
                })
                .collect();
            Cohort {
                start: date_of_day(period.start_day(cohort_period)).unwrap_or_default(),
                customers: size,
                cells,
            }
        })
        .collect();
    Ok(CohortTable {
        period,
        cohorts,
        max_offset: u32::try_from(max_offset).unwrap_or(u32::MAX),
    })
}
