//! The input of the covariate models: each customer's pattern with the
//! values of the covariates that shift their purchase and dropout rates.

use super::super::ModelTime;
use super::super::data::{FrequencyData, FrequencyRow, check_observed_pattern};
use crate::{CalibrationHoldout, Error, Result, Summaries};

/// Named covariate columns, one value per customer: income, acquisition
/// channel as 0/1 columns, age of the account…
///
/// Values are taken as given. The effects are then per unit of each
/// column, and the base parameters are those of a customer whose every
/// covariate is 0, so centring a column (subtracting its mean) makes the
/// base model that of an average customer and often helps the fit.
///
/// # Example
///
/// ```
/// use repurchase::models::Covariates;
///
/// let purchase = Covariates::from_columns([("newsletter", vec![1.0, 0.0, 1.0])])?;
/// assert_eq!(purchase.names(), ["newsletter"]);
/// assert_eq!(purchase.customers(), Some(3));
/// assert_eq!(purchase.row(2), Some(&[1.0][..]));
/// assert!(Covariates::from_columns([("income", vec![f64::NAN])]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Covariates {
    names: Vec<String>,
    /// Customer by customer, `names.len()` values each.
    values: Vec<f64>,
    customers: Option<usize>,
}

crate::stored::deserialize_checked!(Covariates { names: Vec<String>, values: Vec<f64>, customers: Option<usize> } => {
    Covariates::from_stored(names, values, customers)
});

impl Covariates {
    /// No covariates: the process keeps the base model's parameters for
    /// every customer.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::Covariates;
    ///
    /// assert!(Covariates::none().names().is_empty());
    /// assert_eq!(Covariates::none().customers(), None);
    /// ```
    pub fn none() -> Self {
        Self::default()
    }

    /// Covariates from named columns of equal length, each a value per
    /// customer.
    ///
    /// # Errors
    ///
    /// [`Error::CovariateLength`] for a column of another length than the
    /// first, [`Error::CovariateValue`] for a value that is not finite,
    /// [`Error::InvalidParameter`] for a name given twice.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{models::Covariates, Error};
    ///
    /// let both = Covariates::from_columns([("income", vec![1.2, 0.4]), ("app user", vec![0.0, 1.0])])?;
    /// assert_eq!(both.row(1), Some(&[0.4, 1.0][..]));
    /// let err = Covariates::from_columns([("income", vec![1.2, 0.4]), ("app user", vec![0.0])]).unwrap_err();
    /// assert!(matches!(err, Error::CovariateLength { len: 1, expected: 2, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_columns<N: Into<String>>(columns: impl IntoIterator<Item = (N, Vec<f64>)>) -> Result<Self> {
        let columns: Vec<(String, Vec<f64>)> = columns.into_iter().map(|(n, v)| (n.into(), v)).collect();
        let customers = columns.first().map(|(_, values)| values.len());
        let mut names: Vec<String> = Vec::with_capacity(columns.len());
        for (name, values) in &columns {
            if names.contains(name) {
                return Err(Error::InvalidParameter {
                    name: "covariate name",
                    value: name.clone(),
                    expected: "a name not already given",
                });
            }
            let expected = customers.unwrap_or(0);
            if values.len() != expected {
                return Err(Error::CovariateLength {
                    column: name.clone(),
                    len: values.len(),
                    expected,
                });
            }
            if let Some((index, value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::CovariateValue {
                    column: name.clone(),
                    index,
                    value: value.to_string(),
                });
            }
            names.push(name.clone());
        }
        let k = names.len();
        let mut values = vec![0.0; customers.unwrap_or(0) * k];
        for (j, (_, column)) in columns.iter().enumerate() {
            for (i, v) in column.iter().enumerate() {
                if let Some(cell) = crate::invariant::item_mut(&mut values, i * k + j) {
                    *cell = *v;
                }
            }
        }
        Ok(Self {
            names,
            values,
            customers,
        })
    }

    /// A stored value, checked as [`from_columns`](Self::from_columns)
    /// checks new ones.
    #[cfg(feature = "serde")]
    fn from_stored(names: Vec<String>, values: Vec<f64>, customers: Option<usize>) -> Result<Self> {
        let k = names.len();
        let n = customers.unwrap_or(0);
        let columns = names.into_iter().enumerate().map(|(j, name)| {
            (
                name,
                values
                    .iter()
                    .skip(j)
                    .step_by(k.max(1))
                    .copied()
                    .collect::<Vec<_>>(),
            )
        });
        let rebuilt = Self::from_columns(columns)?;
        if values.len() != n * k || (k > 0 && rebuilt.customers != customers) {
            return Err(Error::InvalidState {
                what: "covariates",
                position: 0,
                problem: format!("{} values for {n} customers of {k} covariates", values.len()),
            });
        }
        Ok(rebuilt)
    }

    /// The covariates' names, in the order of their effects.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::Covariates;
    ///
    /// let c = Covariates::from_columns([("b", vec![0.0]), ("a", vec![1.0])])?;
    /// assert_eq!(c.names(), ["b", "a"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of customers, or `None` without covariates (which fit
    /// any number of customers).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::Covariates;
    ///
    /// assert_eq!(Covariates::from_columns([("a", vec![0.0, 1.0])])?.customers(), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customers(&self) -> Option<usize> {
        self.customers
    }

    /// Customer `index`'s values, in the order of [`names`](Self::names);
    /// empty for every customer without covariates.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::Covariates;
    ///
    /// let c = Covariates::from_columns([("a", vec![0.5, 1.5])])?;
    /// assert_eq!(c.row(1), Some(&[1.5][..]));
    /// assert_eq!(c.row(2), None);
    /// assert_eq!(c.row(usize::MAX), None);
    /// assert_eq!(repurchase::models::Covariates::none().row(7), Some(&[][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn row(&self, index: usize) -> Option<&[f64]> {
        match self.customers {
            None => Some(&[]),
            Some(_) => {
                let k = self.names.len();
                let start = index.checked_mul(k)?;
                self.values.get(start..start.checked_add(k)?)
            }
        }
    }

    /// Checks that there is a row for each of `customers`.
    fn check_customers(&self, customers: usize) -> Result<()> {
        match (self.customers, self.names.first()) {
            (Some(len), Some(name)) if len != customers => Err(Error::CovariateLength {
                column: name.clone(),
                len,
                expected: customers,
            }),
            _ => Ok(()),
        }
    }
}

/// One distinct row of [`CovariateData`]: a pattern with its weight and
/// where its covariate values are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CovariateRow {
    pub(crate) frequency: f64,
    pub(crate) recency: f64,
    pub(crate) t: f64,
    pub(crate) weight: f64,
    /// The row's index into the distinct covariate vectors.
    pub(crate) covariates: u32,
}

/// The input of [`WithCovariates`](super::WithCovariates) fits: each
/// customer's `(x, t_x, T)` with their purchase and dropout covariates.
///
/// Customers with the same pattern and the same covariate values are
/// merged into one weighted row, so categorical covariates keep a fit as
/// cheap as without them; with no covariates at all the rows are exactly
/// those of [`FrequencyData`].
///
/// # Example
///
/// ```
/// use repurchase::models::{CovariateData, Covariates};
///
/// let purchase = Covariates::from_columns([("app user", vec![1.0, 0.0, 1.0])])?;
/// let data = CovariateData::from_rows([(2.0, 30.0, 38.0), (0.0, 0.0, 38.0), (2.0, 30.0, 38.0)], &purchase, &Covariates::none())?;
/// assert_eq!((data.customers(), data.rows()), (3.0, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateData {
    rows: Vec<CovariateRow>,
    purchase_names: Vec<String>,
    dropout_names: Vec<String>,
    /// The distinct (purchase, dropout) covariate vectors, one after the
    /// other, `purchase_names.len() + dropout_names.len()` values each.
    vectors: Vec<f64>,
    time: Option<ModelTime>,
}

impl CovariateData {
    /// The data of customer summaries with their covariates, row `i` of
    /// each [`Covariates`] belonging to the summaries' customer `i`, in the
    /// summaries' time unit.
    ///
    /// # Errors
    ///
    /// [`Error::CovariateLength`] when the covariates have a row count
    /// other than the number of customers.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::{CovariateData, Covariates}, SummaryOptions, TimeUnit};
    ///
    /// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
    /// // Whether the first purchase spent more than $30.
    /// let first = |s: &repurchase::CustomerSummary<_>| s.total_spend - s.monetary_value.unwrap_or_default() * rust_decimal::Decimal::from(s.frequency);
    /// let big_first: Vec<f64> = summaries.iter().map(|s| f64::from(u8::from(first(s) > 30.into()))).collect();
    /// let data = CovariateData::from_summaries(&summaries, &Covariates::from_columns([("big first", big_first)])?, &Covariates::none())?;
    /// assert_eq!(data.customers(), 2357.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_summaries<C>(
        summaries: &Summaries<C>,
        purchase: &Covariates,
        dropout: &Covariates,
    ) -> Result<Self> {
        let patterns = summaries.iter().map(|s| (f64::from(s.frequency), s.recency, s.t));
        Self::build(patterns.collect(), purchase, dropout).map(|data| data.in_time_of(summaries.model_time()))
    }

    /// The calibration data of a calibration/holdout split with the
    /// customers' covariates, in the split's customer order and time unit.
    ///
    /// # Errors
    ///
    /// As [`from_summaries`](Self::from_summaries).
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::{CovariateData, Covariates}, SummaryOptions, TimeUnit};
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
    /// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks))?;
    /// let data = CovariateData::from_calibration(&split, &Covariates::none(), &Covariates::none())?;
    /// assert_eq!(data.customers(), 2357.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_calibration<C>(
        split: &CalibrationHoldout<C>,
        purchase: &Covariates,
        dropout: &Covariates,
    ) -> Result<Self> {
        let patterns = split
            .customers
            .iter()
            .map(|s| (f64::from(s.frequency_cal), s.recency_cal, s.t_cal));
        Self::build(patterns.collect(), purchase, dropout)
            .map(|data| data.in_time_of(split.options().model_time()))
    }

    /// Data from customers' `(x, t_x, T)`, checked, with their covariates.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first pattern that breaks
    /// [`FrequencyData`]'s invariant, and the field;
    /// [`Error::CovariateLength`] as in
    /// [`from_summaries`](Self::from_summaries).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{models::{CovariateData, Covariates}, Error};
    ///
    /// let err = CovariateData::from_rows([(1.0, 5.0, 4.0)], &Covariates::none(), &Covariates::none()).unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { row: 0, field: "recency", .. }));
    /// ```
    pub fn from_rows(
        patterns: impl IntoIterator<Item = (f64, f64, f64)>,
        purchase: &Covariates,
        dropout: &Covariates,
    ) -> Result<Self> {
        let patterns: Vec<(f64, f64, f64)> = patterns.into_iter().collect();
        for (row, &(x, t_x, t)) in patterns.iter().enumerate() {
            check_observed_pattern("model input row", row, x, t_x, t)?;
        }
        Self::build(patterns, purchase, dropout)
    }

    /// Merges customers of equal pattern and covariate values into
    /// weighted rows, sorted by covariates, then as [`FrequencyData`]
    /// sorts (x, T, t_x), so that likelihoods reuse what depends on one
    /// customer's parameters or on x alone.
    fn build(patterns: Vec<(f64, f64, f64)>, purchase: &Covariates, dropout: &Covariates) -> Result<Self> {
        purchase.check_customers(patterns.len())?;
        dropout.check_customers(patterns.len())?;
        let (kp, kd) = (purchase.names.len(), dropout.names.len());
        let values = |i: usize| {
            let (p, d) = (purchase.row(i).unwrap_or(&[]), dropout.row(i).unwrap_or(&[]));
            p.iter().chain(d)
        };
        let same_values = |i: usize, j: usize| values(i).zip(values(j)).all(|(a, b)| a.total_cmp(b).is_eq());
        let pattern = |i: usize| {
            crate::invariant::item(&patterns, i)
                .copied()
                .unwrap_or((0.0, 0.0, 0.0))
        };
        let mut order: Vec<usize> = (0..patterns.len()).collect();
        order.sort_unstable_by(|&i, &j| {
            let ((xi, rxi, ti), (xj, rxj, tj)) = (pattern(i), pattern(j));
            values(i)
                .zip(values(j))
                .map(|(a, b)| a.total_cmp(b))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(xi.total_cmp(&xj))
                .then(ti.total_cmp(&tj))
                .then(rxi.total_cmp(&rxj))
        });
        let mut rows: Vec<CovariateRow> = Vec::with_capacity(order.len());
        let mut vectors: Vec<f64> = Vec::new();
        let mut previous: Option<usize> = None;
        let mut covariates = 0_u32;
        for i in order {
            let (x, t_x, t) = pattern(i);
            let same_group = previous.is_some_and(|p| same_values(p, i));
            if !same_group {
                covariates = (vectors.len() / (kp + kd).max(1)) as u32;
                vectors.extend(values(i));
            }
            let merges = same_group && previous.is_some_and(|p| pattern(p) == (x, t_x, t));
            previous = Some(i);
            match rows.last_mut() {
                Some(last) if merges => last.weight += 1.0,
                _ => rows.push(CovariateRow {
                    frequency: x,
                    recency: t_x,
                    t,
                    weight: 1.0,
                    covariates,
                }),
            }
        }
        Ok(Self {
            rows,
            purchase_names: purchase.names.clone(),
            dropout_names: dropout.names.clone(),
            vectors,
            time: None,
        })
    }

    fn in_time_of(self, time: Option<ModelTime>) -> Self {
        Self { time, ..self }
    }

    /// States the unit of the patterns' recency and `T`: models fitted on
    /// the data then carry it.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates, ModelTime};
    ///
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0)], &Covariates::none(), &Covariates::none())?;
    /// assert_eq!(data.in_time(ModelTime::Weeks).time(), Some(ModelTime::Weeks));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn in_time(self, time: ModelTime) -> Self {
        self.in_time_of(Some(time))
    }

    /// The unit of the patterns' recency and `T`, when known.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates};
    ///
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0)], &Covariates::none(), &Covariates::none())?;
    /// assert_eq!(data.time(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn time(&self) -> Option<ModelTime> {
        self.time
    }

    /// The number of customers.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates};
    ///
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0), (1.0, 2.0, 6.0)], &Covariates::none(), &Covariates::none())?;
    /// assert_eq!(data.customers(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customers(&self) -> f64 {
        self.rows.iter().map(|r| r.weight).sum()
    }

    /// The number of distinct rows (pattern and covariate values) the
    /// likelihood sums over.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates};
    ///
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0), (1.0, 2.0, 6.0)], &Covariates::none(), &Covariates::none())?;
    /// assert_eq!(data.rows(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The purchase covariates' names.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates};
    ///
    /// let purchase = Covariates::from_columns([("app user", vec![1.0])])?;
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0)], &purchase, &Covariates::none())?;
    /// assert_eq!(data.purchase_names(), ["app user"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchase_names(&self) -> &[String] {
        &self.purchase_names
    }

    /// The dropout covariates' names.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates};
    ///
    /// let dropout = Covariates::from_columns([("complained", vec![0.0])])?;
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0)], &Covariates::none(), &dropout)?;
    /// assert_eq!(data.dropout_names(), ["complained"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dropout_names(&self) -> &[String] {
        &self.dropout_names
    }

    /// The data without its covariates: what the base model is fitted on.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{CovariateData, Covariates};
    ///
    /// let purchase = Covariates::from_columns([("app user", vec![1.0, 0.0])])?;
    /// let data = CovariateData::from_rows([(1.0, 2.0, 6.0), (1.0, 2.0, 6.0)], &purchase, &Covariates::none())?;
    /// assert_eq!((data.rows(), data.without_covariates().rows().len()), (2, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn without_covariates(&self) -> FrequencyData {
        let rows = self.rows.iter().map(|r| FrequencyRow {
            frequency: r.frequency,
            recency: r.recency,
            t: r.t,
            weight: r.weight,
        });
        FrequencyData::compress(rows.collect()).in_time_of(self.time)
    }

    pub(crate) fn distinct_rows(&self) -> &[CovariateRow] {
        &self.rows
    }

    /// Row `row`'s purchase and dropout covariate values.
    pub(crate) fn vector(&self, row: &CovariateRow) -> (&[f64], &[f64]) {
        let (kp, kd) = (self.purchase_names.len(), self.dropout_names.len());
        let start = row.covariates as usize * (kp + kd);
        let all = crate::invariant::range(&self.vectors, start..start + kp + kd).unwrap_or(&[]);
        all.split_at_checked(kp).unwrap_or((&[], &[]))
    }
}
