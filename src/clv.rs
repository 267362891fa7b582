//! Customer lifetime value: expected purchases × expected spend, discounted
//! month by month.

use crate::hash::FastMap;
pub use crate::models::ModelTime;
use crate::models::model::{agreed_time, defined, summaries_agreed_time};
use crate::models::{GammaGamma, Pattern, PurchaseModel};
use crate::parallel::{map_parts, try_map};
use crate::{Error, Result, Summaries};

/// The most months of future value [`ClvOptions::months`] takes: a
/// century, far beyond any model's credible horizon. The work grows with
/// the months, so they are bounded rather than left to the caller's value.
///
/// # Example
///
/// ```
/// use repurchase::clv::{ClvOptions, MAX_MONTHS};
///
/// assert_eq!(ClvOptions::new().months(MAX_MONTHS).get_months(), 1_200);
/// ```
pub const MAX_MONTHS: u32 = 1_200;

/// How customer lifetime value is computed. The unit of the model's time
/// is not an option: it is read from the summaries (or pattern) and the
/// model, which must agree.
///
/// | option | default | meaning | range |
/// |---|---|---|---|
/// | [`months`](Self::months) | 12 | months of future value | 1 to [`MAX_MONTHS`] |
/// | [`discount_rate`](Self::discount_rate) | 0.01 | discount rate per month | ≥ 0, finite |
/// | [`days_per_month`](Self::days_per_month) | 30 | a month's length: 30 as lifetimes for daily models; lifetimes uses 4.345 weeks (30.415 days) for weekly ones; 30.4375 is the calendar mean | > 0, finite |
///
/// # Example
///
/// ```
/// use repurchase::clv::ClvOptions;
///
/// // lifetimes' customer_lifetime_value(..., time=12, discount_rate=0.01, freq='W')
/// let options = ClvOptions::new().days_per_month(4.345 * 7.0);
/// assert_eq!(options.get_months(), 12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClvOptions {
    months: u32,
    discount_rate: f64,
    days_per_month: f64,
}

impl ClvOptions {
    /// The defaults: 12 months, 1 % a month, 30-day months.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::clv::ClvOptions;
    ///
    /// assert_eq!(ClvOptions::new().get_discount_rate(), 0.01);
    /// assert_eq!(ClvOptions::new(), ClvOptions::default());
    /// ```
    pub fn new() -> Self {
        Self {
            months: 12,
            discount_rate: 0.01,
            days_per_month: 30.0,
        }
    }

    /// Sets the months of future value, at most [`MAX_MONTHS`] (checked
    /// when the values are computed): each month costs a prediction per
    /// distinct customer pattern.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::clv::ClvOptions;
    /// assert_eq!(ClvOptions::new().months(24).get_months(), 24);
    /// ```
    #[must_use]
    pub fn months(mut self, months: u32) -> Self {
        self.months = months;
        self
    }

    /// Sets the discount rate per month.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::clv::ClvOptions;
    /// assert_eq!(ClvOptions::new().discount_rate(0.0).get_discount_rate(), 0.0);
    /// ```
    #[must_use]
    pub fn discount_rate(mut self, rate: f64) -> Self {
        self.discount_rate = rate;
        self
    }

    /// Sets the length of a month in days.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::clv::ClvOptions;
    /// assert_eq!(ClvOptions::new().days_per_month(30.4375).get_days_per_month(), 30.4375);
    /// ```
    #[must_use]
    pub fn days_per_month(mut self, days: f64) -> Self {
        self.days_per_month = days;
        self
    }

    /// The months of future value.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::clv::ClvOptions;
    /// assert_eq!(ClvOptions::new().get_months(), 12);
    /// ```
    pub fn get_months(&self) -> u32 {
        self.months
    }

    /// The discount rate per month.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::clv::ClvOptions;
    /// assert_eq!(ClvOptions::new().get_discount_rate(), 0.01);
    /// ```
    pub fn get_discount_rate(&self) -> f64 {
        self.discount_rate
    }

    /// A month's length in days.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::clv::ClvOptions;
    /// assert_eq!(ClvOptions::new().get_days_per_month(), 30.0);
    /// ```
    pub fn get_days_per_month(&self) -> f64 {
        self.days_per_month
    }

    /// One month in `time`.
    pub(crate) fn month(&self, time: ModelTime) -> Result<f64> {
        if !(1..=MAX_MONTHS).contains(&self.months) {
            return Err(Error::InvalidParameter {
                name: "months",
                value: self.months.to_string(),
                expected: "from 1 to MAX_MONTHS (1,200: a century)",
            });
        }
        if !(self.discount_rate.is_finite() && self.discount_rate >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "discount_rate",
                value: self.discount_rate.to_string(),
                expected: "a finite rate ≥ 0",
            });
        }
        if !(self.days_per_month.is_finite() && self.days_per_month > 0.0) {
            return Err(Error::InvalidParameter {
                name: "days_per_month",
                value: self.days_per_month.to_string(),
                expected: "a finite number of days > 0",
            });
        }
        Ok(self.days_per_month / time.days())
    }
}

impl Default for ClvOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// One customer's lifetime value, as lifetimes computes it: for each month
/// i = 1 … `months`, the expected purchases in that month times the
/// Gamma-Gamma expected spend, discounted by (1 + d)^i:
///
/// ```text
/// CLV = Σᵢ E[Z | x, m] · (E[Y(i·M) | x, t_x, T] − E[Y((i−1)·M) | x, t_x, T]) / (1 + d)^i
/// ```
///
/// with `M` a month in the pattern's time unit, and `m` the customer's
/// mean repeat spend (0 without repeats).
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// the pattern's; [`Error::InvalidParameter`] for bad options; the models'
/// errors for undefined quantities, and [`Error::Undefined`] when the
/// value itself is beyond `f64` (parameters far beyond any fit's).
///
/// # Example
///
/// ```
/// use repurchase::clv::{customer_lifetime_value, ClvOptions};
/// use repurchase::models::{BetaGeo, GammaGamma, ModelTime, Pattern};
///
/// let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let options = ClvOptions::new();
/// let loyal = customer_lifetime_value(&bg, &gg, &Pattern::new(10.0, 38.0, 38.86, ModelTime::Weeks)?, 40.0, &options)?;
/// let lapsed = customer_lifetime_value(&bg, &gg, &Pattern::new(10.0, 5.0, 38.86, ModelTime::Weeks)?, 40.0, &options)?;
/// assert!(loyal > lapsed && lapsed >= 0.0);
/// // A pattern in days against a model in weeks is refused, not mispriced.
/// let in_days = Pattern::new(10.0, 266.0, 272.0, ModelTime::Days)?;
/// assert!(customer_lifetime_value(&bg, &gg, &in_days, 40.0, &options).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "CLV")]
#[doc(alias = "LTV")]
pub fn customer_lifetime_value<M: PurchaseModel>(
    model: &M,
    spend: &GammaGamma,
    pattern: &Pattern,
    m: f64,
    options: &ClvOptions,
) -> Result<f64> {
    let month = options.month(agreed_time(model.time(), pattern.time(), "pattern")?)?;
    let (x, t_x, big_t) = (pattern.frequency(), pattern.recency(), pattern.t());
    let value =
        spend.conditional_expected_spend(x, m)? * discounted_purchases(model, x, t_x, big_t, month, options)?;
    defined(value, "CLV")
}

/// Σᵢ (E[Y(i·M)] − E[Y((i−1)·M)]) / (1 + d)^i: the discounted expected
/// purchases, which depend on (x, t_x, T) only.
fn discounted_purchases<M: PurchaseModel>(
    model: &M,
    x: f64,
    t_x: f64,
    big_t: f64,
    month: f64,
    options: &ClvOptions,
) -> Result<f64> {
    Ok(model.p_alive(x, t_x, big_t)? * discounted_purchases_if_alive(model, x, big_t, month, options)?)
}

/// The discounted expected purchases of a customer alive at `T`: they
/// depend on (x, T) only, not on t_x.
pub(crate) fn discounted_purchases_if_alive<M: PurchaseModel>(
    model: &M,
    x: f64,
    big_t: f64,
    month: f64,
    options: &ClvOptions,
) -> Result<f64> {
    let mut total = 0.0;
    let mut before = 0.0;
    for i in 1..=options.months {
        let cumulative = model.expected_purchases_if_alive(x, big_t, f64::from(i) * month)?;
        total += (cumulative - before) / (1.0 + options.discount_rate).powf(f64::from(i));
        before = cumulative;
    }
    Ok(total)
}

/// One customer's lifetime value, keyed.
///
/// # Example
///
/// ```
/// use repurchase::clv::CustomerValue;
///
/// let v = CustomerValue { customer: "alice", clv: 42.5 };
/// assert!(v.clv > 0.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerValue<C> {
    /// The customer's key.
    pub customer: C,
    /// The customer's lifetime value, in the summaries' money.
    pub clv: f64,
}

/// Lifetime values of every customer of a set of summaries, keyed, in the
/// summaries' order.
///
/// The months are converted into the summaries' time unit, which a model
/// that states its own must share. The month-by-month series, the costly part, is computed once per distinct
/// `(x, T)` (see [`PurchaseModel::expected_purchases_if_alive`]); each
/// customer then costs one P(alive) and one expected spend.
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// the summaries'; [`Error::InvalidParameter`] for summaries in monthly
/// periods; otherwise as [`customer_lifetime_value`], for the first
/// customer that fails.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::{customer_lifetime_values, ClvOptions};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, Error, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).granularity(Granularity::Week));
/// let bg = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?.model;
/// let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?.model;
/// let clv = customer_lifetime_values(&bg, &gg, &summaries, &ClvOptions::new())?;
/// assert_eq!((clv.len(), clv[0].customer), (2357, 1));
/// assert!(clv.iter().all(|v| v.clv.is_finite() && v.clv >= 0.0));
///
/// // The model is in weeks: summaries in days are refused, not mispriced.
/// let daily = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// assert!(matches!(customer_lifetime_values(&bg, &gg, &daily, &ClvOptions::new()), Err(Error::UnitMismatch { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn customer_lifetime_values<M, C>(
    model: &M,
    spend: &GammaGamma,
    summaries: &Summaries<C>,
    options: &ClvOptions,
) -> Result<Vec<CustomerValue<C>>>
where
    M: PurchaseModel + Send + Sync,
    C: Clone + Send + Sync,
{
    let time = summaries_agreed_time(model.time(), summaries.options(), "summaries")?;
    let month = options.month(time)?;
    let summaries = &summaries.customers;
    // Number the distinct (x, T) in order of appearance.
    let mut numbers: FastMap<(u32, u64), u32> = FastMap::default();
    let mut patterns: Vec<(u32, u64)> = Vec::new();
    let pattern_of: Vec<u32> = summaries
        .iter()
        .map(|s| {
            let pattern = (s.frequency, s.t.to_bits());
            *numbers.entry(pattern).or_insert_with(|| {
                patterns.push(pattern);
                (patterns.len() - 1) as u32
            })
        })
        .collect();
    // A failing series surfaces at the first customer who needs it.
    let series = map_parts(patterns, |(x, t)| {
        discounted_purchases_if_alive(model, f64::from(x), f64::from_bits(t), month, options)
    });
    try_map(summaries, |i, s| {
        let x = f64::from(s.frequency);
        let m = s
            .monetary_value
            .and_then(|m| rust_decimal::prelude::ToPrimitive::to_f64(&m))
            .unwrap_or(0.0);
        let purchases = pattern_of
            .get(i)
            .and_then(|&p| series.get(p as usize))
            .cloned()
            .unwrap_or(Ok(0.0))?;
        let alive = model.p_alive(x, s.recency, s.t)?;
        Ok(CustomerValue {
            customer: s.customer.clone(),
            // Each factor is finite; at parameters far beyond any fit's
            // their product need not be.
            clv: defined(spend.conditional_expected_spend(x, m)? * alive * purchases, "CLV")?,
        })
    })
}
