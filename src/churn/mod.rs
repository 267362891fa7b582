//! Churn scores: the probability of no purchase within a horizon, from a
//! fitted model ([`score`]) or, for logs too small to fit one, from each
//! customer's own purchase cycle ([`cycle_scores`]); risk bands; and how
//! well scores rank customers who then did not buy ([`evaluate`]).

mod cycle;

pub use cycle::{CycleChurnScore, cycle_scores};

use crate::models::model::{agreed_time, summaries_agreed_time};
use crate::models::{ModelTime, Pattern, PurchaseModel};
use crate::parallel::try_map;
use crate::{Error, Result, Summaries};

/// A churn risk band.
///
/// # Example
///
/// ```
/// use repurchase::churn::RiskBand;
///
/// assert_eq!(RiskBand::High.to_string(), "high");
/// assert!(RiskBand::Low < RiskBand::High);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum RiskBand {
    /// Below the medium threshold: likely to buy within the horizon.
    Low,
    /// Between the two thresholds.
    Medium,
    /// At or above the high threshold: a win-back candidate.
    High,
}

crate::names::named!(RiskBand, "RiskBand", "low, medium or high", {
    RiskBand::Low => "low",
    RiskBand::Medium => "medium",
    RiskBand::High => "high",
});

/// Thresholds on the churn probability that make the risk bands:
/// `[0, medium)` is low, `[medium, high)` medium, `[high, 1]` high.
///
/// | threshold | default |
/// |---|---|
/// | medium | 0.5 |
/// | high | 0.8 |
///
/// # Example
///
/// ```
/// use repurchase::churn::{RiskBand, RiskBands};
///
/// let bands = RiskBands::new(0.4, 0.9)?;
/// assert_eq!(bands.band(0.95), RiskBand::High);
/// assert!(RiskBands::new(0.9, 0.4).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RiskBands {
    medium: f64,
    high: f64,
}

crate::stored::deserialize_checked!(RiskBands { medium: f64, high: f64 } => RiskBands::new(medium, high));

impl Default for RiskBands {
    fn default() -> Self {
        Self {
            medium: 0.5,
            high: 0.8,
        }
    }
}

impl RiskBands {
    /// Bands with the given thresholds.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyRange`] unless `0 < medium < high ≤ 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::churn::RiskBands;
    ///
    /// assert!(RiskBands::new(0.3, 0.7).is_ok());
    /// assert!(RiskBands::new(0.0, 0.7).is_err());
    /// ```
    pub fn new(medium: f64, high: f64) -> Result<Self> {
        if !(medium > 0.0 && medium < high && high <= 1.0) {
            return Err(Error::EmptyRange {
                start_field: "medium",
                start: medium.to_string(),
                end_field: "high",
                end: high.to_string(),
            });
        }
        Ok(Self { medium, high })
    }

    /// The band of a churn probability.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::churn::{RiskBand, RiskBands};
    ///
    /// let bands = RiskBands::default();
    /// assert_eq!((bands.band(0.2), bands.band(0.5), bands.band(0.8)), (RiskBand::Low, RiskBand::Medium, RiskBand::High));
    /// ```
    pub fn band(&self, p_churn: f64) -> RiskBand {
        if p_churn >= self.high {
            RiskBand::High
        } else if p_churn >= self.medium {
            RiskBand::Medium
        } else {
            RiskBand::Low
        }
    }
}

/// A customer's churn score over a horizon.
///
/// # Example
///
/// ```
/// use repurchase::churn::{score, RiskBands};
/// use repurchase::models::{BetaGeo, ModelTime, Pattern};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let s = score(&model, &Pattern::new(2.0, 30.43, 38.86, ModelTime::Weeks)?, 91, &RiskBands::default())?;
/// assert!((0.0..=1.0).contains(&s.p_churn));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ChurnScore {
    /// Probability of no purchase within the horizon.
    pub p_churn: f64,
    /// Its band.
    pub band: RiskBand,
}

/// A customer's churn score: the probability of no purchase in the
/// `horizon_days` days after `T` (see [`PurchaseModel::p_no_purchase`]),
/// and its band. The days are converted into the pattern's time unit.
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// the pattern's.
///
/// # Example
///
/// ```
/// use repurchase::churn::{score, RiskBand, RiskBands};
/// use repurchase::models::{BetaGeo, ModelTime, Pattern};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let bands = RiskBands::default();
/// // Busy early then silent for 35 weeks, or buying until last week; the next 13 weeks:
/// let lapsed = score(&model, &Pattern::new(5.0, 4.0, 38.86, ModelTime::Weeks)?, 91, &bands)?;
/// let active = score(&model, &Pattern::new(5.0, 38.0, 38.86, ModelTime::Weeks)?, 91, &bands)?;
/// assert!(lapsed.p_churn > active.p_churn);
/// assert_eq!(lapsed.band, RiskBand::High);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score<M: PurchaseModel>(
    model: &M,
    pattern: &Pattern,
    horizon_days: u32,
    bands: &RiskBands,
) -> Result<ChurnScore> {
    let time = agreed_time(model.time(), pattern.time(), "pattern")?;
    score_in(model, pattern, horizon(horizon_days, time), bands)
}

/// The score over a horizon already in the pattern's unit.
fn score_in<M: PurchaseModel>(
    model: &M,
    pattern: &Pattern,
    horizon: f64,
    bands: &RiskBands,
) -> Result<ChurnScore> {
    let p_churn = model.p_no_purchase(pattern.frequency(), pattern.recency(), pattern.t(), horizon)?;
    Ok(ChurnScore {
        p_churn,
        band: bands.band(p_churn),
    })
}

/// `days` in `time`.
fn horizon(days: u32, time: ModelTime) -> f64 {
    f64::from(days) / time.days()
}

/// One customer's churn score, keyed.
///
/// # Example
///
/// ```
/// use repurchase::churn::{CustomerChurn, RiskBand};
///
/// let c = CustomerChurn { customer: 7_u32, p_churn: 0.82, band: RiskBand::High };
/// assert_eq!(c.band, RiskBand::High);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerChurn<C> {
    /// The customer's key.
    pub customer: C,
    /// Probability of no purchase within the horizon.
    pub p_churn: f64,
    /// Its band.
    pub band: RiskBand,
}

/// The churn score of every customer of a set of summaries over the
/// `horizon_days` days after the observation end, keyed, in the summaries'
/// order (on all cores with the `parallel` feature).
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model states a time unit other than
/// the summaries'; [`Error::InvalidParameter`] for summaries in monthly
/// periods; otherwise as [`score`], for a customer that fails.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::churn::{score, scores, RiskBands};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, Pattern};
/// use repurchase::{datasets::cdnow_sample, Error, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let model = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?.model;
/// let all = scores(&model, &summaries, 91, &RiskBands::default())?;
/// let first = Pattern::from_summary(&summaries.customers[0], summaries.options())?;
/// let alone = score(&model, &first, 91, &RiskBands::default())?;
/// assert_eq!((all[0].customer, all[0].p_churn, all[0].band), (1, alone.p_churn, alone.band));
///
/// // The model is in weeks: summaries in days are refused.
/// let daily = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// assert!(matches!(scores(&model, &daily, 91, &RiskBands::default()), Err(Error::UnitMismatch { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scores<M, C>(
    model: &M,
    summaries: &Summaries<C>,
    horizon_days: u32,
    bands: &RiskBands,
) -> Result<Vec<CustomerChurn<C>>>
where
    M: PurchaseModel + Send + Sync,
    C: Clone + Send + Sync,
{
    let time = summaries_agreed_time(model.time(), summaries.options(), "summaries")?;
    let h = horizon(horizon_days, time);
    try_map(&summaries.customers, |_, s| {
        let ChurnScore { p_churn, band } = score_in(model, &Pattern::of_summary(s, time), h, bands)?;
        Ok(CustomerChurn {
            customer: s.customer.clone(),
            p_churn,
            band,
        })
    })
}

/// How well churn probabilities predicted what happened: the area under
/// the ROC curve and the Brier score.
///
/// # Example
///
/// ```
/// use repurchase::churn::evaluate;
///
/// let scores = [0.9, 0.8, 0.3, 0.1];
/// let churned = [true, false, true, false];
/// let e = evaluate(&scores, &churned)?;
/// assert_eq!(e.auc, Some(0.75));
/// assert!((e.brier.unwrap_or(0.0) - 0.2875).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChurnEvaluation {
    /// Customers scored.
    pub customers: u64,
    /// Of those, customers who churned (made no purchase in the holdout).
    pub churned: u64,
    /// The probability that a random churner scores above a random
    /// non-churner (ties count a half); `None` without both kinds.
    pub auc: Option<f64>,
    /// Mean squared difference between score and outcome (0 perfect,
    /// 0.25 a coin flip at 0.5); `None` for no customers.
    pub brier: Option<f64>,
}

/// Scores churn probabilities against outcomes: `churned[i]` is `true` when
/// customer `i` made no purchase in the holdout.
///
/// AUC is computed from rank sums (Mann–Whitney), tied scores sharing their
/// mean rank, in O(n log n).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when the slices differ in length;
/// [`Error::InvalidInput`] for a score outside [0, 1] (or NaN), naming it.
///
/// # Example
///
/// ```
/// use repurchase::churn::evaluate;
///
/// let e = evaluate(&[0.5, 0.5], &[true, false])?;
/// assert_eq!((e.auc, e.brier), (Some(0.5), Some(0.25)));
/// assert_eq!(evaluate(&[0.2], &[true])?.auc, None); // no non-churner
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(scores: &[f64], churned: &[bool]) -> Result<ChurnEvaluation> {
    if scores.len() != churned.len() {
        return Err(Error::InvalidParameter {
            name: "churned",
            value: format!("{} outcomes for {} scores", churned.len(), scores.len()),
            expected: "one outcome per score",
        });
    }
    if let Some((row, s)) = scores.iter().enumerate().find(|(_, s)| !(0.0..=1.0).contains(*s)) {
        return Err(Error::InvalidInput {
            input: "score",
            row,
            field: "score",
            value: s.to_string(),
            expected: "a probability in [0, 1]",
        });
    }
    let n = scores.len();
    let positives = churned.iter().filter(|c| **c).count();
    let negatives = n - positives;
    let brier = (n > 0).then(|| {
        scores
            .iter()
            .zip(churned)
            .map(|(s, c)| (s - if *c { 1.0 } else { 0.0 }).powi(2))
            .sum::<f64>()
            / n as f64
    });
    let auc = (positives > 0 && negatives > 0).then(|| {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            scores
                .get(a)
                .partial_cmp(&scores.get(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        // Sum of the churners' ranks, tied scores sharing their mean rank.
        let mut rank_sum = 0.0;
        let mut start = 0;
        while start < n {
            let score_at = |i: usize| order.get(i).and_then(|&k| scores.get(k)).copied();
            let mut end = start + 1;
            while end < n && score_at(end) == score_at(start) {
                end += 1;
            }
            let mean_rank = (start + 1 + end) as f64 / 2.0;
            let tied_churners = order
                .get(start..end)
                .unwrap_or(&[])
                .iter()
                .filter(|&&k| churned.get(k) == Some(&true))
                .count();
            rank_sum += mean_rank * tied_churners as f64;
            start = end;
        }
        let p = positives as f64;
        (rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64)
    });
    Ok(ChurnEvaluation {
        customers: n as u64,
        churned: positives as u64,
        auc,
        brier,
    })
}
