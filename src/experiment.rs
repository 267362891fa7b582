//! A/B comparison of repurchase: did the incentive make more customers buy
//! again, and more revenue per customer?
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::experiment::{compare, ExperimentOptions};
//!
//! let log = cdnow_sample()?;
//! // Odd and even customer ids as two arms of a (mock) test.
//! let (treatment, control): (Vec<u32>, Vec<u32>) = log.keys().iter().partition(|k| *k % 2 == 1);
//! let window = ExperimentOptions::new(
//!     NaiveDate::from_ymd_opt(1997, 7, 1).ok_or("bad date")?,
//!     NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?,
//! )?;
//! let result = compare(&log, &treatment, &control, &window)?;
//! println!("{:.1} % vs {:.1} %, p = {:.2}", 100.0 * result.treatment.rate, 100.0 * result.control.rate, result.p_value);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use special::Error as _;

use crate::days::fill_day_cells;
use crate::period::day_number;
use crate::{Error, PurchaseLog, Result};

/// The window a test is judged on and the confidence level of its
/// intervals.
///
/// | option | default |
/// |---|---|
/// | `level` | 0.95 |
/// | `minimum_sample` | 100 customers per arm |
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::experiment::ExperimentOptions;
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).ok_or("bad date");
/// let options = ExperimentOptions::new(day(1)?, day(31)?)?.level(0.9)?;
/// assert_eq!(options.get_level(), 0.9);
/// assert!(ExperimentOptions::new(day(31)?, day(1)?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ExperimentOptions {
    start: NaiveDate,
    end: NaiveDate,
    level: f64,
    minimum_sample: u64,
}

crate::stored::deserialize_checked!(ExperimentOptions { start: NaiveDate, end: NaiveDate, level: f64, minimum_sample: u64 } => ExperimentOptions::new(start, end)
    .and_then(|options| options.level(level))
    .map(|options| options.minimum_sample(minimum_sample)));

impl ExperimentOptions {
    /// A window from `start` to `end`, both included (days of the log's
    /// [`Calendar`](crate::Calendar)).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyRange`] when `end` is before `start`.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::experiment::ExperimentOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// assert!(ExperimentOptions::new(day, day).is_ok()); // one day
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self> {
        if end < start {
            return Err(Error::EmptyRange {
                start_field: "start",
                start: start.to_string(),
                end_field: "end",
                end: end.to_string(),
            });
        }
        Ok(Self {
            start,
            end,
            level: 0.95,
            minimum_sample: 100,
        })
    }

    /// Sets the confidence level of the intervals, in (0, 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] outside (0, 1).
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::experiment::ExperimentOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// assert!(ExperimentOptions::new(day, day)?.level(1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn level(mut self, level: f64) -> Result<Self> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::InvalidParameter {
                name: "level",
                value: level.to_string(),
                expected: "a confidence level strictly between 0 and 1",
            });
        }
        self.level = level;
        Ok(self)
    }

    /// Sets the arm size below which the result carries a warning.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::experiment::ExperimentOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// assert_eq!(ExperimentOptions::new(day, day)?.minimum_sample(400).get_minimum_sample(), 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn minimum_sample(mut self, customers: u64) -> Self {
        self.minimum_sample = customers;
        self
    }

    /// The confidence level.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::experiment::ExperimentOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// assert_eq!(ExperimentOptions::new(day, day)?.get_level(), 0.95);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_level(&self) -> f64 {
        self.level
    }

    /// The arm size below which the result carries a warning.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::experiment::ExperimentOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// assert_eq!(ExperimentOptions::new(day, day)?.get_minimum_sample(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_minimum_sample(&self) -> u64 {
        self.minimum_sample
    }
}

/// One arm's outcome.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::experiment::{compare, ExperimentOptions};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day(3)?, Decimal::TEN)])?;
/// let arm = compare(&log, &[1, 2, 3, 4], &[5], &ExperimentOptions::new(day(1)?, day(31)?)?)?.treatment;
/// assert_eq!((arm.customers, arm.repurchasers, arm.rate), (4, 1, 0.25));
/// assert!(arm.rate_interval.0 < 0.25 && 0.25 < arm.rate_interval.1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Arm {
    /// Customers in the arm.
    pub customers: u64,
    /// Those with a purchase occasion in the window.
    pub repurchasers: u64,
    /// `repurchasers / customers`.
    pub rate: f64,
    /// The Wilson score interval of the rate.
    pub rate_interval: (f64, f64),
    /// Net revenue in the window.
    pub revenue: Decimal,
    /// Revenue per customer.
    pub revenue_per_customer: f64,
}

/// Why a result should be read with care.
///
/// # Example
///
/// ```
/// use repurchase::experiment::Warning;
///
/// assert_ne!(Warning::SmallSample { customers: 20, minimum: 100 }, Warning::NoVariation);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Warning {
    /// An arm has fewer customers than the options' minimum.
    SmallSample {
        /// The smaller arm's size.
        customers: u64,
        /// The minimum asked for.
        minimum: u64,
    },
    /// Fewer than 5 repurchasers or 5 non-repurchasers in an arm: normal
    /// approximations (the p-value) are rough.
    FewEvents,
    /// Every customer in both arms did the same: the p-value is 1 by
    /// convention.
    NoVariation,
}

/// The comparison of two arms.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::experiment::{compare, ExperimentOptions};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![
///     Purchase::new(1_u8, day(3)?, Decimal::TEN),
///     Purchase::new(3_u8, day(5)?, Decimal::ONE),
/// ])?;
/// let comparison = compare(&log, &[1, 2], &[3, 4], &ExperimentOptions::new(day(1)?, day(31)?)?)?;
/// // One customer of two bought in each arm: no difference.
/// assert_eq!(comparison.treatment.rate, comparison.control.rate);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Comparison {
    /// The treated arm.
    pub treatment: Arm,
    /// The control arm.
    pub control: Arm,
    /// Treatment rate minus control rate.
    pub rate_difference: f64,
    /// Newcombe's hybrid score interval of the difference (his method 10),
    /// from the two Wilson intervals.
    pub rate_difference_interval: (f64, f64),
    /// Two-sided p-value of the pooled two-proportion z-test.
    pub p_value: f64,
    /// Treatment minus control revenue per customer.
    pub revenue_difference: f64,
    /// Its normal (Welch) interval; `None` when an arm has fewer than two
    /// customers.
    pub revenue_difference_interval: Option<(f64, f64)>,
    /// What to be careful about; empty when nothing.
    pub warnings: Vec<Warning>,
}

/// Compares repurchase in the window between the treatment and control
/// customers: a customer repurchased if they have a purchase occasion in it
/// (the summaries' rule: a day whose refunds cancel its orders is not one).
/// Customers without any purchase in the log count as non-repurchasers
/// with no revenue. A key listed twice in an arm counts twice.
///
/// # Errors
///
/// [`Error::InsufficientData`] when an arm is empty.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::experiment::{compare, ExperimentOptions};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![
///     Purchase::new(1_u8, day(3)?, Decimal::TEN),
///     Purchase::new(2_u8, day(4)?, Decimal::TEN),
///     Purchase::new(3_u8, day(5)?, Decimal::ONE),
/// ])?;
/// let result = compare(&log, &[1, 2], &[3, 4], &ExperimentOptions::new(day(1)?, day(31)?)?)?;
/// assert_eq!((result.treatment.rate, result.control.rate), (1.0, 0.5));
/// assert!(!result.warnings.is_empty()); // two customers an arm
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compare<C: Ord>(
    log: &PurchaseLog<C>,
    treatment: &[C],
    control: &[C],
    options: &ExperimentOptions,
) -> Result<Comparison> {
    let z = std::f64::consts::SQRT_2 * options.level.inv_error();
    let (treatment, treatment_variance) = arm(log, treatment, options, z)?;
    let (control, control_variance) = arm(log, control, options, z)?;
    let (n1, n2) = (treatment.customers as f64, control.customers as f64);
    let (p1, p2) = (treatment.rate, control.rate);
    let difference = p1 - p2;
    let ((l1, u1), (l2, u2)) = (treatment.rate_interval, control.rate_interval);
    let interval = (
        difference - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        difference + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    );
    let pooled = (treatment.repurchasers + control.repurchasers) as f64 / (n1 + n2);
    let spread = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let mut warnings = Vec::new();
    let p_value = if spread > 0.0 {
        (difference.abs() / spread / std::f64::consts::SQRT_2).compl_error()
    } else {
        warnings.push(Warning::NoVariation);
        1.0
    };
    let smaller = treatment.customers.min(control.customers);
    if smaller < options.minimum_sample {
        warnings.push(Warning::SmallSample {
            customers: smaller,
            minimum: options.minimum_sample,
        });
    }
    let few = |a: &Arm| a.repurchasers < 5 || a.customers - a.repurchasers < 5;
    if few(&treatment) || few(&control) {
        warnings.push(Warning::FewEvents);
    }
    let revenue_difference = treatment.revenue_per_customer - control.revenue_per_customer;
    // Welch's standard error of a difference of means.
    let revenue_difference_interval = treatment_variance.zip(control_variance).map(|(v1, v2)| {
        let se = (v1 / n1 + v2 / n2).sqrt();
        (revenue_difference - z * se, revenue_difference + z * se)
    });
    Ok(Comparison {
        rate_difference: difference,
        rate_difference_interval: (interval.0.max(-1.0), interval.1.min(1.0)),
        p_value: p_value.clamp(0.0, 1.0),
        revenue_difference,
        revenue_difference_interval,
        warnings,
        treatment,
        control,
    })
}

/// One arm's customers: repurchasers, revenue, the Wilson interval, and
/// the sample variance of revenue per customer (`None` below two
/// customers).
fn arm<C: Ord>(
    log: &PurchaseLog<C>,
    keys: &[C],
    options: &ExperimentOptions,
    z: f64,
) -> Result<(Arm, Option<f64>)> {
    if keys.is_empty() {
        return Err(Error::InsufficientData {
            needed: "at least one customer in each arm",
        });
    }
    let (start, end) = (day_number(options.start), day_number(options.end));
    let (mut repurchasers, mut revenue) = (0_u64, Decimal::ZERO);
    // Welford's running mean and sum of squared deviations.
    let (mut mean, mut squares) = (0.0_f64, 0.0_f64);
    let mut cells = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let (mut bought, mut spent) = (false, Decimal::ZERO);
        if let Some(purchases) = log.purchases_of(key) {
            fill_day_cells(&purchases, log.clock(), &mut cells);
            for cell in cells.iter().filter(|c| (start..=end).contains(&c.day)) {
                bought |= cell.is_occasion();
                spent += cell.net.value();
            }
        }
        repurchasers += u64::from(bought);
        revenue += spent;
        let x = spent.to_f64().unwrap_or(0.0);
        let delta = x - mean;
        mean += delta / (i + 1) as f64;
        squares += delta * (x - mean);
    }
    let n = keys.len() as u64;
    let rate = repurchasers as f64 / n as f64;
    let arm = Arm {
        customers: n,
        repurchasers,
        rate,
        rate_interval: wilson(rate, n as f64, z),
        revenue,
        revenue_per_customer: revenue.to_f64().unwrap_or(0.0) / n as f64,
    };
    Ok((arm, (n >= 2).then(|| squares / (n - 1) as f64)))
}

/// The Wilson score interval of a proportion `p` of `n`.
fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
