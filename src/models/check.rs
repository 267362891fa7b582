//! Model checking: predictions against what the holdout showed, as data a
//! chart can be drawn from.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::model::summaries_agreed_time;
use super::{BetaGeo, PurchaseModel};
use crate::days::fill_day_cells;
use crate::period::{date_of_day, day_number};
use crate::{CalibrationHoldout, Error, PurchaseLog, Result, Summaries, SummaryOptions};

/// Customers with one calibration frequency (or more, for the last bucket),
/// their mean holdout purchases and the model's mean conditional
/// expectation for them.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{holdout_by_frequency, BetaGeo, ModelTime};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks))?;
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let buckets = holdout_by_frequency(&model, &split, 7)?;
/// assert!(!buckets[2].and_above && buckets.last().is_some_and(|b| b.and_above));
/// assert_eq!(buckets.iter().map(|b| b.customers).sum::<u64>(), 2357);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
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
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// the split's; [`Error::InvalidParameter`] when `top` is 0 or above
/// 10,000, or for a split in monthly periods; the model's errors.
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
/// let model = BetaGeo::fit(&FrequencyData::from_calibration(&split), &FitOptions::default())?.model;
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
    summaries_agreed_time(model.time(), split.options(), "split")?;
    let slots = bucket_slots(top)?;
    let (mut customers, mut actual, mut predicted) = (vec![0_u64; slots], vec![0.0; slots], vec![0.0; slots]);
    for c in &split.customers {
        let bucket = c.frequency_cal.min(top) as usize;
        let x = f64::from(c.frequency_cal);
        let expected = model.conditional_expected_purchases(x, c.recency_cal, c.t_cal, c.duration_holdout)?;
        if let (Some(n), Some(a), Some(p)) = (
            crate::invariant::item_mut(&mut customers, bucket),
            crate::invariant::item_mut(&mut actual, bucket),
            crate::invariant::item_mut(&mut predicted, bucket),
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

/// Buckets 0 … `top − 1` and `top`-or-more: `top + 1` slots.
fn bucket_slots(top: u32) -> Result<usize> {
    if !(1..=MAX_TOP).contains(&top) {
        return Err(Error::InvalidParameter {
            name: "top",
            value: top.to_string(),
            expected: "from 1 to 10,000 repeat purchases",
        });
    }
    Ok(top as usize + 1)
}

/// The largest `top` bucket of a frequency table: the tables are sized by
/// it.
const MAX_TOP: u32 = 10_000;

/// One point of a tracking chart: cumulative repeat purchases of the whole
/// customer base up to a day, actual and expected.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{tracking, BetaGeo, ModelTime};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let points = tracking(&model, &cdnow_sample()?, &SummaryOptions::new(end).unit(TimeUnit::Weeks), 7)?;
/// let first = &points[0];
/// assert!(first.actual >= 0.0 && first.expected >= 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrackingPoint {
    /// The day the counts run to (inclusive).
    pub day: NaiveDate,
    /// Repeat purchase days of all customers up to `day`.
    pub actual: f64,
    /// Σ over customers of E[X(day − first purchase day)], in the model's unit.
    pub expected: f64,
}

/// Cumulative repeat purchases over calendar time against the model
/// (figure 2 of Fader, Hardie & Lee 2005), every `step_days` from the first
/// purchase day to the observation end of `options`.
///
/// A repeat purchase is a purchase day after a customer's first, as in the
/// daily summaries; compare with a model fitted on daily occasions
/// (recency and T in days or in days / 7). Customers sharing a first
/// purchase day share one evaluation of E[X(t)]. The days from each first
/// purchase are converted into the model's time unit: the unit `options`
/// summarise in, which a model that states its own must share.
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// that of `options`; [`Error::InvalidParameter`] for `options` in monthly
/// periods, when `step_days` is 0, or makes more than
/// [`MAX_PERIODS`](crate::metrics::MAX_PERIODS) points from the first
/// purchase to the observation end; the model's errors.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{tracking, BetaGeo, ModelTime};
/// use repurchase::{datasets::cdnow_sample, Error, SummaryOptions, TimeUnit};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let weeks = SummaryOptions::new(end).unit(TimeUnit::Weeks);
/// let points = tracking(&model, &cdnow_sample()?, &weeks, 7)?;
/// let in_days = tracking(&model, &cdnow_sample()?, &SummaryOptions::new(end), 7);
/// assert!(matches!(in_days, Err(Error::UnitMismatch { .. })));
/// let last = points.last().ok_or("no points")?;
/// println!("{}: {} repeat purchases, {:.0} expected", last.day, last.actual, last.expected);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tracking<M: PurchaseModel, C>(
    model: &M,
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    step_days: u32,
) -> Result<Vec<TrackingPoint>> {
    let model_time = summaries_agreed_time(model.time(), options, "summary options")?;
    if step_days == 0 {
        return Err(Error::InvalidParameter {
            name: "step_days",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    let end = day_number(options.observation_end());
    // Customers by first purchase day, and every repeat purchase day.
    let mut acquired: BTreeMap<i64, u64> = BTreeMap::new();
    let mut repeats: Vec<i64> = Vec::new();
    let mut cells = Vec::new();
    for purchases in log.customers() {
        fill_day_cells(&purchases, log.clock(), &mut cells);
        let mut days = cells
            .iter()
            .filter(|c| c.day <= end && c.is_occasion())
            .map(|c| c.day);
        let Some(first) = days.next() else { continue };
        *acquired.entry(first).or_insert(0) += 1;
        repeats.extend(days);
    }
    repeats.sort_unstable();
    let Some(&start) = acquired.keys().next() else {
        return Ok(Vec::new());
    };
    // The points are bounded as a period series is, not by the span.
    let steps = usize::try_from((end - start) / i64::from(step_days)).unwrap_or(0) + 1;
    if steps > crate::metrics::MAX_PERIODS {
        return Err(Error::InvalidParameter {
            name: "step_days",
            value: format!("{step_days}: {steps} points from the first purchase to the observation end"),
            expected: "at most metrics::MAX_PERIODS (100,000) points; use a longer step",
        });
    }
    let mut points = Vec::new();
    let mut day = start;
    while day <= end {
        let mut expected = 0.0;
        for (&first, &n) in acquired.range(..=day) {
            expected += n as f64 * model.expected_purchases((day - first) as f64 / model_time.days())?;
        }
        let actual = repeats.partition_point(|&d| d <= day) as f64;
        points.push(TrackingPoint {
            day: date_of_day(day).unwrap_or_default(),
            actual,
            expected,
        });
        day += i64::from(step_days);
    }
    Ok(points)
}

/// Customers with a number of repeat purchases (or more, for the last),
/// actual and expected.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{repeat_histogram, BetaGeo};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let none = &repeat_histogram(&BetaGeo::new(0.243, 4.414, 0.793, 2.426)?, &summaries, 7)?[0];
/// assert_eq!((none.repeats, none.and_above, none.actual), (0, false, 1411.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CountBucket {
    /// Repeat purchases.
    pub repeats: u32,
    /// `true` for the last bucket: this many or more.
    pub and_above: bool,
    /// Customers observed with that many.
    pub actual: f64,
    /// Customers the model expects with that many: Σᵢ P(X(Tᵢ) = x).
    pub expected: f64,
}

/// The histogram of repeat purchases against BG/NBD (figure 3 of Fader,
/// Hardie & Lee 2005): for x = 0 … `top − 1` and `top` or more, the
/// customers with x repeat purchases and the model's Σᵢ P(X(Tᵢ) = x).
/// Customers sharing a `T` share one evaluation of the pmf.
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// the summaries'; [`Error::InvalidParameter`] when `top` is 0 or above
/// 10,000, or for summaries in monthly periods; the model's errors.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{repeat_histogram, BetaGeo};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let buckets = repeat_histogram(&model, &summaries, 7)?;
/// let expected: f64 = buckets.iter().map(|b| b.expected).sum();
/// assert!((expected - 2357.0).abs() < 1e-6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn repeat_histogram<C>(model: &BetaGeo, summaries: &Summaries<C>, top: u32) -> Result<Vec<CountBucket>> {
    summaries_agreed_time(model.time(), summaries.options(), "summaries")?;
    let slots = bucket_slots(top)?;
    let mut actual = vec![0.0; slots];
    let mut by_t: BTreeMap<u64, (f64, u64)> = BTreeMap::new();
    for s in summaries {
        if let Some(a) = crate::invariant::item_mut(&mut actual, s.frequency.min(top) as usize) {
            *a += 1.0;
        }
        by_t.entry(s.t.to_bits()).or_insert((s.t, 0)).1 += 1;
    }
    let mut expected = vec![0.0; slots];
    for &(t, n) in by_t.values() {
        let mut below_top = 0.0;
        for x in 0..top {
            let p = model.purchase_count_probability(x, t)?;
            below_top += p;
            if let Some(e) = crate::invariant::item_mut(&mut expected, x as usize) {
                *e += n as f64 * p;
            }
        }
        if let Some(e) = crate::invariant::item_mut(&mut expected, top as usize) {
            *e += n as f64 * (1.0 - below_top).max(0.0);
        }
    }
    Ok((0..=top)
        .zip(actual.into_iter().zip(expected))
        .map(|(repeats, (actual, expected))| CountBucket {
            repeats,
            and_above: repeats == top,
            actual,
            expected,
        })
        .collect())
}
