//! Calibration/holdout splits, with lifetimes' columns.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::days::fill_day_cells;
use crate::period::{date_of_day, day_number};
use crate::summary::{Figures, PeriodFold, mean};
use crate::{Error, PurchaseLog, Result, SummaryOptions};

/// One customer's calibration summary and holdout behaviour, with
/// lifetimes' `calibration_and_holdout_data` columns.
///
/// The calibration columns are a [`CustomerSummary`](crate::CustomerSummary)
/// as of the calibration end. In the holdout, `frequency_holdout` counts the
/// purchase occasions after the calibration end up to the observation end,
/// and `monetary_value_holdout` is their mean net total (lifetimes averages
/// the holdout's raw transactions instead; the two agree when each holdout
/// period holds one transaction).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &SummaryOptions::new(d(1998, 6, 30)?))?;
/// let first = &split.customers[0];
/// assert_eq!((first.frequency_cal, first.recency_cal, first.t_cal), (2, 213.0, 272.0));
/// assert_eq!((first.frequency_holdout, first.duration_holdout), (1, 273.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SplitSummary<C> {
    /// The customer's key.
    pub customer: C,
    /// Repeat occasions up to the calibration end.
    pub frequency_cal: u32,
    /// Time from the first to the last calibration occasion.
    pub recency_cal: f64,
    /// Time from the first occasion to the calibration end.
    pub t_cal: f64,
    /// Mean net total of the repeat calibration occasions.
    pub monetary_value_cal: Option<Decimal>,
    /// Occasions after the calibration end, up to the observation end.
    pub frequency_holdout: u32,
    /// Mean net total of the holdout occasions.
    pub monetary_value_holdout: Option<Decimal>,
    /// Time from the calibration end to the observation end (the same for
    /// every customer).
    pub duration_holdout: f64,
}

/// The result of [`PurchaseLog::calibration_holdout`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// // The CDNOW cohort bought first in Q1 1997: a split at 1997-02-15
/// // leaves the customers first seen later out of the calibration.
/// let split = cdnow_sample()?.calibration_holdout(d(1997, 2, 15)?, &SummaryOptions::new(d(1998, 6, 30)?))?;
/// assert_eq!(split.customers.len() + split.new_in_holdout.len(), 2357);
/// assert!(!split.new_in_holdout.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CalibrationHoldout<C> {
    /// Customers with a purchase occasion up to the calibration end, sorted
    /// by key.
    pub customers: Vec<SplitSummary<C>>,
    /// Customers whose first occasion falls in the holdout: excluded, since
    /// the calibration knows nothing of them.
    pub new_in_holdout: Vec<C>,
    /// Customers with purchases up to the observation end but no occasion
    /// at all (refunds cancelled every period).
    pub without_occasion: Vec<C>,
    /// Orders and refunds dated after the observation end.
    pub orders_after_end: usize,
    /// The options split with: models read the unit of the times from
    /// them.
    options: SummaryOptions,
}

impl<C> CalibrationHoldout<C> {
    /// The options the split was made with (their observation end closes
    /// the holdout).
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::ModelTime, SummaryOptions, TimeUnit};
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
    /// let opts = SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks);
    /// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &opts)?;
    /// assert_eq!(split.options().model_time(), Some(ModelTime::Weeks));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> &SummaryOptions {
        &self.options
    }
}

impl<C: Clone + Ord> PurchaseLog<C> {
    /// Splits the log at `calibration_end`: each customer's summary as of
    /// that day, and their occasions after it up to the observation end of
    /// `options`.
    ///
    /// lifetimes' `calibration_and_holdout_data(..., calibration_period_end,
    /// observation_period_end, freq)` is
    /// `log.calibration_holdout(calibration_period_end, &SummaryOptions::new(observation_period_end))`
    /// (with `.granularity(Granularity::Week)` for `freq='W'`).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyRange`] when `calibration_end` is not before the
    /// observation end; [`Error::SplitOutsideData`] when no purchase
    /// occasion falls on or before `calibration_end`, or none after it.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, Error, SummaryOptions};
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
    /// let log = cdnow_sample()?;
    /// let opts = SummaryOptions::new(d(1998, 6, 30)?);
    /// assert_eq!(log.calibration_holdout(d(1997, 9, 30)?, &opts)?.customers.len(), 2357);
    /// let before_data = log.calibration_holdout(d(1996, 6, 30)?, &opts);
    /// assert!(matches!(before_data, Err(Error::SplitOutsideData { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn calibration_holdout(
        &self,
        calibration_end: NaiveDate,
        options: &SummaryOptions,
    ) -> Result<CalibrationHoldout<C>> {
        let observation_end = options.observation_end();
        if calibration_end >= observation_end {
            return Err(Error::EmptyRange {
                start_field: "calibration_end",
                start: calibration_end.to_string(),
                end_field: "observation_end",
                end: observation_end.to_string(),
            });
        }
        let (cal_day, end_day) = (day_number(calibration_end), day_number(observation_end));
        let granularity = options.get_granularity();
        let duration_holdout = options.get_unit().between(
            granularity,
            granularity.period_of_day(cal_day),
            granularity.period_of_day(end_day),
        );
        let calibration_options = SummaryOptions::new(calibration_end)
            .granularity(granularity)
            .unit(options.get_unit());

        let mut split = CalibrationHoldout {
            customers: Vec::with_capacity(self.customer_count()),
            new_in_holdout: Vec::new(),
            without_occasion: Vec::new(),
            orders_after_end: 0,
            options: *options,
        };
        let (mut first_day, mut last_day) = (i64::MAX, i64::MIN);
        let mut holdout_occasions = 0_u64;
        let mut cells = Vec::new();
        for purchases in self.customers() {
            fill_day_cells(&purchases, self.clock(), &mut cells);
            let mut calibration = PeriodFold::new(granularity);
            let mut holdout = PeriodFold::new(granularity);
            let mut in_window = false;
            for cell in &cells {
                if cell.day > end_day {
                    split.orders_after_end += cell.orders_and_refunds();
                    continue;
                }
                in_window = true;
                first_day = first_day.min(cell.day);
                last_day = last_day.max(cell.day);
                if cell.day <= cal_day {
                    calibration.push(*cell);
                } else {
                    holdout.push(*cell);
                }
            }
            let (frequency_holdout, holdout_total) = holdout.finish_holdout();
            holdout_occasions += u64::from(frequency_holdout);
            let customer = purchases.key().clone();
            match calibration.finish(&calibration_options, cal_day) {
                Figures::Occasions(cal) => split.customers.push(SplitSummary {
                    customer,
                    frequency_cal: cal.frequency(),
                    recency_cal: cal.recency(),
                    t_cal: cal.t(),
                    monetary_value_cal: cal.monetary_value(),
                    frequency_holdout,
                    monetary_value_holdout: mean(holdout_total, frequency_holdout),
                    duration_holdout,
                }),
                _ if frequency_holdout > 0 => split.new_in_holdout.push(customer),
                _ if in_window => split.without_occasion.push(customer),
                _ => {}
            }
        }
        if split.customers.is_empty() || holdout_occasions == 0 {
            let seen = first_day <= last_day;
            return Err(Error::SplitOutsideData {
                calibration_end,
                observation_end,
                first_day: seen.then(|| date_of_day(first_day)).flatten(),
                last_day: seen.then(|| date_of_day(last_day)).flatten(),
            });
        }
        Ok(split)
    }
}
