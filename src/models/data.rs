//! Model input: the distinct (frequency, recency, T) rows with weights.

use rust_decimal::prelude::ToPrimitive;

use super::ModelTime;
use super::model::agreed_time;
use crate::{CalibrationHoldout, Error, Result, Summaries};

/// One distinct purchase pattern and how many customers share it.
///
/// # Example
///
/// ```
/// use repurchase::models::FrequencyRow;
///
/// let row = FrequencyRow { frequency: 2.0, recency: 30.43, t: 38.86, weight: 1.0 };
/// assert!(row.recency <= row.t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FrequencyRow {
    /// Repeat purchases `x` (a whole number).
    pub frequency: f64,
    /// Time of the last purchase `t_x`, from the first.
    pub recency: f64,
    /// Time observed `T`, from the first purchase.
    pub t: f64,
    /// Customers with this pattern (> 0; need not be whole).
    pub weight: f64,
}

/// The input of the purchase-count models: the distinct `(x, t_x, T)`
/// rows with their weights, the sufficient statistics of a customer base.
///
/// Fitting cost depends on the number of distinct rows, not customers, and
/// the data of customer-partitioned shards merge by concatenation
/// ([`FrequencyData::merge`]).
///
/// Invariant: every row has a whole frequency ≥ 0, `0 ≤ t_x ≤ T`, `t_x = 0`
/// exactly when `x = 0`, finite values and a positive weight; rows are sorted and
/// distinct.
///
/// Data made from summaries carries their time unit ([`time`](Self::time)),
/// and a model fitted on it carries the unit on: CLV, churn scores and
/// tracking then refuse summaries in another unit. Rows given by hand have
/// no unit until [`in_time`](Self::in_time) states it.
///
/// # Example
///
/// ```
/// use repurchase::models::FrequencyData;
///
/// // Grouped data, as the BG/BB donations panel: (x, t_x, T, customers).
/// let data = FrequencyData::from_rows([(0.0, 0.0, 6.0, 3464.0), (1.0, 1.0, 6.0, 1091.0), (0.0, 0.0, 6.0, 36.0)])?;
/// assert_eq!(data.rows().len(), 2);
/// assert_eq!(data.customers(), 4591.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FrequencyData {
    rows: Vec<FrequencyRow>,
    time: Option<ModelTime>,
}

crate::stored::deserialize_checked!(FrequencyData { rows: Vec<FrequencyRow>, time: Option<ModelTime> } => {
    FrequencyData::from_rows(rows.iter().map(|r| (r.frequency, r.recency, r.t, r.weight)))
        .map(|data| FrequencyData { time, ..data })
});

impl FrequencyData {
    /// The data of customer summaries, compressed to distinct rows, in the
    /// summaries' time unit (none for monthly periods).
    ///
    /// Summaries always satisfy the invariant, so this cannot fail.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::FrequencyData, SummaryOptions, TimeUnit};
    ///
    /// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
    /// let data = FrequencyData::from_summaries(&summaries);
    /// assert_eq!(data.customers(), 2357.0);
    /// assert!(data.rows().len() < 2357);
    /// assert_eq!(data.time(), Some(repurchase::models::ModelTime::Weeks));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_summaries<C>(summaries: &Summaries<C>) -> Self {
        let rows = summaries
            .iter()
            .map(|s| FrequencyRow {
                frequency: f64::from(s.frequency),
                recency: s.recency,
                t: s.t,
                weight: 1.0,
            })
            .collect();
        Self::compress(rows).in_time_of(summaries.model_time())
    }

    /// The calibration data of a calibration/holdout split, in its time
    /// unit.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::FrequencyData, SummaryOptions, TimeUnit};
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
    /// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks))?;
    /// assert_eq!(FrequencyData::from_calibration(&split).customers(), 2357.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_calibration<C>(split: &CalibrationHoldout<C>) -> Self {
        let rows = split
            .customers
            .iter()
            .map(|s| FrequencyRow {
                frequency: f64::from(s.frequency_cal),
                recency: s.recency_cal,
                t: s.t_cal,
                weight: 1.0,
            })
            .collect();
        Self::compress(rows).in_time_of(split.options().model_time())
    }

    /// States the unit of the rows' recency and `T`: models fitted on the
    /// data then carry it.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FrequencyData, ModelTime};
    ///
    /// let data = FrequencyData::from_rows([(1.0, 2.0, 6.0, 1.0)])?;
    /// assert_eq!(data.time(), None);
    /// assert_eq!(data.in_time(ModelTime::Weeks).time(), Some(ModelTime::Weeks));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn in_time(self, time: ModelTime) -> Self {
        self.in_time_of(Some(time))
    }

    pub(crate) fn in_time_of(self, time: Option<ModelTime>) -> Self {
        Self { time, ..self }
    }

    /// The unit of the rows' recency and `T`, when known.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FrequencyData, ModelTime};
    ///
    /// let data = FrequencyData::from_rows([(1.0, 2.0, 6.0, 1.0)])?.in_time(ModelTime::Days);
    /// assert_eq!(data.time(), Some(ModelTime::Days));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn time(&self) -> Option<ModelTime> {
        self.time
    }

    /// Data from `(x, t_x, T, weight)` rows, checked and compressed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first row that breaks the
    /// invariant, and the field.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{models::FrequencyData, Error};
    ///
    /// let err = FrequencyData::from_rows([(1.0, 5.0, 4.0, 1.0)]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { row: 0, field: "recency", .. }));
    /// // Two repeat purchases at the first purchase's time: no model fits that.
    /// let err = FrequencyData::from_rows([(0.0, 0.0, 4.0, 1.0), (2.0, 0.0, 4.0, 1.0)]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { row: 1, field: "recency", .. }));
    /// ```
    pub fn from_rows(rows: impl IntoIterator<Item = (f64, f64, f64, f64)>) -> Result<Self> {
        let mut checked = Vec::new();
        for (row, (frequency, recency, t, weight)) in rows.into_iter().enumerate() {
            let bad = |field: &'static str, value: f64, expected: &'static str| Error::InvalidInput {
                input: "model input row",
                row,
                field,
                value: value.to_string(),
                expected,
            };
            check_observed_pattern("model input row", row, frequency, recency, t)?;
            if !(weight.is_finite() && weight > 0.0) {
                return Err(bad("weight", weight, "a finite number > 0"));
            }
            checked.push(FrequencyRow {
                frequency,
                recency,
                t,
                weight,
            });
        }
        Ok(Self::compress(checked))
    }

    /// Sorts rows by (x, T, t_x), so that likelihoods can reuse what depends
    /// on x or (x, T) alone, and merges equal patterns, adding their weights.
    pub(crate) fn compress(mut rows: Vec<FrequencyRow>) -> Self {
        let key = |r: &FrequencyRow| (r.frequency.to_bits(), r.recency.to_bits(), r.t.to_bits());
        rows.sort_unstable_by(|a, b| {
            a.frequency
                .total_cmp(&b.frequency)
                .then(a.t.total_cmp(&b.t))
                .then(a.recency.total_cmp(&b.recency))
        });
        let mut out: Vec<FrequencyRow> = Vec::with_capacity(rows.len());
        for row in rows {
            match out.last_mut() {
                Some(last) if key(last) == key(&row) => last.weight += row.weight,
                _ => out.push(row),
            }
        }
        Self {
            rows: out,
            time: None,
        }
    }

    /// Adds another shard's data.
    ///
    /// # Errors
    ///
    /// [`Error::UnitMismatch`] when both shards state their unit and the
    /// units differ; the data is then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FrequencyData, ModelTime};
    ///
    /// let mut a = FrequencyData::from_rows([(0.0, 0.0, 6.0, 2.0)])?.in_time(ModelTime::Weeks);
    /// a.merge(&FrequencyData::from_rows([(0.0, 0.0, 6.0, 3.0)])?)?;
    /// assert_eq!((a.rows().len(), a.customers(), a.time()), (1, 5.0, Some(ModelTime::Weeks)));
    /// let days = FrequencyData::from_rows([(0.0, 0.0, 42.0, 1.0)])?.in_time(ModelTime::Days);
    /// assert!(a.merge(&days).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: &FrequencyData) -> Result<()> {
        let time = match (self.time, other.time) {
            (Some(mine), Some(theirs)) => Some(agreed_time(Some(mine), theirs, "rows merged")?),
            (mine, theirs) => mine.or(theirs),
        };
        let mut rows = std::mem::take(&mut self.rows);
        rows.extend_from_slice(&other.rows);
        *self = Self::compress(rows).in_time_of(time);
        Ok(())
    }

    /// The distinct rows, sorted by frequency, then `T`, then recency.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::FrequencyData;
    ///
    /// let data = FrequencyData::from_rows([(1.0, 2.0, 6.0, 1.0)])?;
    /// assert_eq!(data.rows()[0].recency, 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self) -> &[FrequencyRow] {
        &self.rows
    }

    /// The number of customers: the sum of the weights.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::FrequencyData;
    ///
    /// assert_eq!(FrequencyData::from_rows([(1.0, 2.0, 6.0, 2.5)])?.customers(), 2.5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customers(&self) -> f64 {
        self.rows.iter().map(|r| r.weight).sum()
    }

    /// A warm-start sample of large data (see [`SAMPLE_ROWS`]).
    pub(crate) fn warm_start_sample(&self) -> Option<Self> {
        self.sample_of_about(SAMPLE_ROWS)
    }

    /// Every k-th row, from the middle of the first k, with k times its
    /// weight, for about `rows` rows; `None` below four times that. The
    /// rows are sorted by pattern, so the sample spans all of them.
    pub(crate) fn sample_of_about(&self, rows: usize) -> Option<Self> {
        let k = sample_stride(self.rows.len(), rows)?;
        let rows = self.rows.iter().skip(k / 2).step_by(k);
        Self::from_rows(rows.map(|r| (r.frequency, r.recency, r.t, r.weight * k as f64)))
            .ok()
            .map(|sample| sample.in_time_of(self.time))
    }

    /// `Ok` when the data can identify a purchase-count model: at least one
    /// row, and at least one repeat purchase.
    pub(crate) fn check_identifiable(&self) -> Result<()> {
        if self.rows.is_empty() {
            return Err(Error::InsufficientData {
                needed: "at least one customer",
            });
        }
        if self.rows.iter().all(|r| r.frequency == 0.0) {
            return Err(Error::InsufficientData {
                needed: "at least one customer with a repeat purchase",
            });
        }
        Ok(())
    }
}

/// Fits of data with at least four times this many rows first fit a
/// systematic sample of about this many, and start from its estimates and
/// curvature: the full data then takes a few iterations to the same
/// optimum.
const SAMPLE_ROWS: usize = 16_384;

/// The stride of a systematic sample of about `rows` of `len` rows; `None`
/// below four times that.
fn sample_stride(len: usize, rows: usize) -> Option<usize> {
    let k = len / rows.max(1);
    (k >= 4).then_some(k)
}

/// Checks one `(x, t_x, T)` pattern; `row` names it in the error.
pub(crate) fn check_pattern(
    input: &'static str,
    row: usize,
    frequency: f64,
    recency: f64,
    t: f64,
) -> Result<()> {
    let bad = |field: &'static str, value: f64, expected: &'static str| Error::InvalidInput {
        input,
        row,
        field,
        value: value.to_string(),
        expected,
    };
    if !(frequency.is_finite() && frequency >= 0.0 && frequency.fract() == 0.0) {
        return Err(bad("frequency", frequency, "a whole number ≥ 0"));
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(bad("t", t, "a finite time ≥ 0"));
    }
    if !(recency.is_finite() && recency >= 0.0 && recency <= t) {
        return Err(bad("recency", recency, "a finite time with 0 ≤ recency ≤ T"));
    }
    if frequency == 0.0 && recency != 0.0 {
        return Err(bad("recency", recency, "0 when frequency is 0"));
    }
    Ok(())
}

/// Checks one observed customer's `(x, t_x, T)` as [`check_pattern`] does,
/// and that repeat purchases come after the first, as in every summary:
/// repeats at the first purchase's time (x > 0, t_x = 0) make every
/// model's likelihood grow without bound as α → 0, so no fit exists, and
/// an optimiser chasing one runs to parameters of 10^−300. (Predictions
/// take such patterns: `E[Y(t) | alive]` is asked at t_x = 0.)
pub(crate) fn check_observed_pattern(
    input: &'static str,
    row: usize,
    frequency: f64,
    recency: f64,
    t: f64,
) -> Result<()> {
    check_pattern(input, row, frequency, recency, t)?;
    if frequency > 0.0 && recency == 0.0 {
        return Err(Error::InvalidInput {
            input,
            row,
            field: "recency",
            value: recency.to_string(),
            expected: "> 0 when frequency > 0 (repeat purchases come after the first)",
        });
    }
    Ok(())
}

/// The input of the Gamma-Gamma spend model: each repeat customer's number
/// of repeat purchases `x` and their mean value `m̄`, with weights.
///
/// Invariant: `x` is a whole number ≥ 1 and `m̄` finite and > 0.
///
/// # Example
///
/// ```
/// use repurchase::models::SpendData;
///
/// let data = SpendData::from_rows([(2.0, 22.35, 1.0), (1.0, 11.77, 1.0)])?;
/// assert_eq!(data.customers(), 2.0);
/// assert!(SpendData::from_rows([(1.0, 0.0, 1.0)]).is_err()); // a zero mean spend
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SpendData {
    /// `(x, m̄, weight)` rows.
    rows: Vec<(f64, f64, f64)>,
    /// Repeat customers left out for a mean spend that is not positive.
    skipped: usize,
}

crate::stored::deserialize_checked!(SpendData { rows: Vec<(f64, f64, f64)>, skipped: Option<usize> } => {
    SpendData::from_rows(rows).map(|data| SpendData {
        skipped: skipped.unwrap_or(0),
        ..data
    })
});

/// Sorted by x, so likelihoods compute the functions of x once per run.
fn sort_rows(rows: &mut [(f64, f64, f64)]) {
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
}

impl SpendData {
    /// The repeat customers of a set of summaries (`frequency ≥ 1`), with
    /// their mean repeat spend. Repeat customers whose mean spend is not
    /// positive (refunds can make it so) are left out, as the model needs
    /// positive spend, and counted in [`skipped`](Self::skipped).
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::SpendData, SummaryOptions};
    ///
    /// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
    /// let data = SpendData::from_summaries(&summaries);
    /// assert_eq!((data.customers(), data.skipped()), (946.0, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_summaries<C>(summaries: &Summaries<C>) -> Self {
        let mut skipped = 0;
        let mut rows: Vec<(f64, f64, f64)> = summaries
            .iter()
            .filter(|s| s.frequency > 0)
            .filter_map(|s| {
                let m = s.monetary_value.and_then(|m| m.to_f64()).unwrap_or(0.0);
                let usable = m.is_finite() && m > 0.0;
                skipped += usize::from(!usable);
                usable.then_some((f64::from(s.frequency), m, 1.0))
            })
            .collect();
        sort_rows(&mut rows);
        Self { rows, skipped }
    }

    /// Spend data from `(x, m̄, weight)` rows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first bad row and field.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{models::SpendData, Error};
    ///
    /// let err = SpendData::from_rows([(0.0, 10.0, 1.0)]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { row: 0, field: "frequency", .. }));
    /// ```
    pub fn from_rows(rows: impl IntoIterator<Item = (f64, f64, f64)>) -> Result<Self> {
        Self::checked(rows.into_iter().enumerate())
    }

    fn checked(rows: impl Iterator<Item = (usize, (f64, f64, f64))>) -> Result<Self> {
        let mut out = Vec::new();
        for (row, (x, m, w)) in rows {
            let bad = |field: &'static str, value: f64, expected: &'static str| Error::InvalidInput {
                input: "model input row",
                row,
                field,
                value: value.to_string(),
                expected,
            };
            if !(x.is_finite() && x >= 1.0 && x.fract() == 0.0) {
                return Err(bad("frequency", x, "a whole number ≥ 1"));
            }
            if !(m.is_finite() && m > 0.0) {
                return Err(bad("monetary_value", m, "a finite mean spend > 0"));
            }
            if !(w.is_finite() && w > 0.0) {
                return Err(bad("weight", w, "a finite number > 0"));
            }
            out.push((x, m, w));
        }
        sort_rows(&mut out);
        Ok(Self {
            rows: out,
            skipped: 0,
        })
    }

    /// Repeat customers left out by [`from_summaries`](Self::from_summaries)
    /// for a mean spend that is not positive.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::SpendData;
    ///
    /// assert_eq!(SpendData::from_rows([(3.0, 20.0, 1.0)])?.skipped(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The `(x, m̄, weight)` rows, sorted by `x`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::SpendData;
    ///
    /// assert_eq!(SpendData::from_rows([(3.0, 20.0, 1.0)])?.rows(), [(3.0, 20.0, 1.0)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self) -> &[(f64, f64, f64)] {
        &self.rows
    }

    /// The number of customers: the sum of the weights.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::SpendData;
    ///
    /// assert_eq!(SpendData::from_rows([(3.0, 20.0, 2.0)])?.customers(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customers(&self) -> f64 {
        self.rows.iter().map(|r| r.2).sum()
    }

    /// A warm-start sample of large data, as
    /// [`FrequencyData::warm_start_sample`]: rows are sorted by (x, m̄).
    pub(crate) fn warm_start_sample(&self) -> Option<Self> {
        let k = sample_stride(self.rows.len(), SAMPLE_ROWS)?;
        let rows = self.rows.iter().skip(k / 2).step_by(k);
        Self::from_rows(rows.map(|&(x, m, w)| (x, m, w * k as f64))).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Purchase, PurchaseLog, SummaryOptions};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    /// A log's own summaries always have a positive mean repeat spend
    /// (periods that refunds net to ≤ 0 are not occasions); summaries a
    /// caller builds or loads may not.
    #[test]
    fn repeat_customers_without_positive_spend_are_skipped_and_counted() {
        let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
        let log = PurchaseLog::new(vec![
            Purchase::new(1_u64, day(1), Decimal::new(10, 0)),
            Purchase::new(1, day(5), Decimal::new(10, 0)),
            Purchase::new(1, day(9), Decimal::new(-40, 0)),
            Purchase::new(2, day(1), Decimal::new(10, 0)),
            Purchase::new(2, day(5), Decimal::new(12, 0)),
            Purchase::new(3, day(2), Decimal::new(7, 0)),
        ])
        .unwrap();
        let mut summaries = log.summarize(&SummaryOptions::new(day(20)));
        let data = SpendData::from_summaries(&summaries);
        assert_eq!(
            (data.rows(), data.skipped()),
            (&[(1.0, 10.0, 1.0), (1.0, 12.0, 1.0)][..], 0)
        );
        summaries.customers[0].monetary_value = Some(Decimal::new(-5, 0));
        let data = SpendData::from_summaries(&summaries);
        assert_eq!((data.rows(), data.skipped()), (&[(1.0, 12.0, 1.0)][..], 1));
    }
}
