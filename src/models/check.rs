//! Model checking: predictions against what the holdout showed, as data a
//! chart can be drawn from.

use super::PurchaseModel;
use crate::{CalibrationHoldout, Error, Result};

/// Customers with one calibration frequency (or more, for the last bucket),
/// their mean holdout purchases and the model's mean conditional
/// expectation for them.
///
/// # Example
///
/// ```
/// use repurchase::models::FrequencyBucket;
///
/// let bucket = FrequencyBucket { frequency: 2, and_above: false, customers: 10, actual: 1.1, predicted: 1.0 };
/// assert!(!bucket.and_above);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FrequencyBucket {
    /// The calibration frequency.
    pub frequency: u32,
    /// `true` for the last bucket: this frequency or more.
    pub and_above: bool,
    /// Customers in the bucket.
    pub customers: u64,
    /// Their mean purchase occasions in the holdout.
    pub actual: f64,
    /// Their mean conditional expected purchases over the holdout.
    pub predicted: f64,
}

/// Conditional expectations against holdout purchases by calibration
/// frequency (figure 4 of Fader, Hardie & Lee 2005): customers are grouped
/// by `frequency_cal` into buckets 0, 1, …, `top − 1` and `top` or more,
/// and for each the mean `frequency_holdout` is set beside the mean of the
/// model's E[Y(duration) | x, t_x, T]. Empty buckets are left out.
///
/// The split's times must be in the model's unit.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `top` is 0; the model's errors.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{holdout_by_frequency, BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let opts = SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks);
/// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &opts)?;
/// let rows = split.customers.iter().map(|c| (f64::from(c.frequency_cal), c.recency_cal, c.t_cal, 1.0));
/// let model = BetaGeo::fit(&FrequencyData::from_rows(rows)?, &FitOptions::default())?.model;
/// for b in holdout_by_frequency(&model, &split, 7)? {
///     println!("{}{}: actual {:.2}, predicted {:.2}", b.frequency, if b.and_above { "+" } else { "" }, b.actual, b.predicted);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn holdout_by_frequency<M: PurchaseModel, C>(
    model: &M,
    split: &CalibrationHoldout<C>,
    top: u32,
) -> Result<Vec<FrequencyBucket>> {
    if top == 0 {
        return Err(Error::InvalidParameter {
            name: "top",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    let slots = top as usize + 1;
    let (mut customers, mut actual, mut predicted) = (vec![0_u64; slots], vec![0.0; slots], vec![0.0; slots]);
    for c in &split.customers {
        let bucket = c.frequency_cal.min(top) as usize;
        let x = f64::from(c.frequency_cal);
        let expected = model.conditional_expected_purchases(x, c.recency_cal, c.t_cal, c.duration_holdout)?;
        if let (Some(n), Some(a), Some(p)) = (
            customers.get_mut(bucket),
            actual.get_mut(bucket),
            predicted.get_mut(bucket),
        ) {
            *n += 1;
            *a += f64::from(c.frequency_holdout);
            *p += expected;
        }
    }
    Ok((0..=top)
        .zip(customers.iter().zip(actual.iter().zip(&predicted)))
        .filter(|(_, (n, _))| **n > 0)
        .map(|(frequency, (n, (a, p)))| FrequencyBucket {
            frequency,
            and_above: frequency == top,
            customers: *n,
            actual: a / *n as f64,
            predicted: p / *n as f64,
        })
        .collect())
}
