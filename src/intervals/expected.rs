//! Intervals of the expected purchases, P(alive) and churn scores.

use super::patterns::Patterns;
use super::quantiles::{Total, central, ordered_bits};
use super::{
    BATCH_VALUES, Interval, IntervalMethod, IntervalOptions, finite, horizon_in_model_time, parameter_draws,
};
use crate::models::{Fit, FitModel, PurchaseModel};
use crate::{Result, Summaries};

/// One customer's predictions with their intervals.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let intervals = purchase_intervals(&fit, &summaries, 91, &IntervalOptions::default().draws(200))?;
/// // The customers most at risk, with how sure the data make us.
/// let mut at_risk: Vec<_> = intervals.customers.iter().filter(|c| c.churn_score.lower > 0.5).collect();
/// at_risk.sort_by(|a, b| b.churn_score.estimate.total_cmp(&a.churn_score.estimate));
/// assert!(at_risk.iter().all(|c| c.churn_score.upper >= c.churn_score.lower));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerPurchaseIntervals<C> {
    /// The customer's key.
    pub customer: C,
    /// P(alive) at the end of observation.
    pub p_alive: Interval,
    /// The expected purchases over the horizon.
    pub expected_purchases: Interval,
    /// The churn score: P(no purchase over the horizon).
    pub churn_score: Interval,
}

/// Every customer's purchase predictions with intervals, and the total.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let intervals = purchase_intervals(&fit, &summaries, 91, &IntervalOptions::default().draws(200))?;
/// assert_eq!((intervals.level, intervals.draws, intervals.horizon_days), (0.9, 200, 91));
/// assert_eq!(intervals.customers.len(), summaries.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PurchaseIntervals<C> {
    /// The share of draws inside each interval.
    pub level: f64,
    /// How the intervals were made.
    pub method: IntervalMethod,
    /// The parameter draws they were made from.
    pub draws: u32,
    /// The horizon of the expected purchases and churn scores, in days.
    pub horizon_days: u32,
    /// Each customer, in the summaries' order.
    pub customers: Vec<CustomerPurchaseIntervals<C>>,
    /// The expected purchases of all the customers together.
    pub total_expected_purchases: Interval,
}

/// P(alive), the expected purchases over `horizon_days` and the churn
/// score of every customer, and the total expected purchases, each with
/// its interval from [`parameter_draws`] of `fit`.
///
/// # Errors
///
/// As [`parameter_draws`]; [`Error::UnitMismatch`](crate::Error::UnitMismatch) when the summaries'
/// time unit is not the model's; [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a zero
/// horizon; [`Error::Undefined`](crate::Error::Undefined) when a prediction is not finite under
/// some draw.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_intervals};
/// use repurchase::models::{FitOptions, FrequencyData, ParetoNbd};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = ParetoNbd::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let intervals = purchase_intervals(&fit, &summaries, 365, &IntervalOptions::default().draws(200))?;
/// for c in intervals.customers.iter().take(3) {
///     let e = c.expected_purchases;
///     println!("customer {}: {:.2} purchases next year ({:.2} to {:.2})", c.customer, e.estimate, e.lower, e.upper);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn purchase_intervals<M, C>(
    fit: &Fit<M>,
    summaries: &Summaries<C>,
    horizon_days: u32,
    options: &IntervalOptions,
) -> Result<PurchaseIntervals<C>>
where
    M: FitModel + PurchaseModel + Send + Sync,
    C: Clone,
{
    let horizon = horizon_in_model_time(fit.model.time(), summaries, horizon_days)?;
    let draws = parameter_draws(fit, options)?;

    // Customers by pattern, patterns by (x, T): each (x, T) group's
    // patterns are consecutive, so its expected purchases if alive are
    // computed once per draw.
    let patterns = Patterns::of(summaries);
    let level = options.get_level();
    let (by_pattern, totals) = patterns.score(
        draws.len(),
        |group, totals: &mut [f64]| {
            group_intervals(&fit.model, &draws, &patterns, group, horizon, level, totals)
        },
        |total, add| *total += add,
    )?;
    let mut total_estimate = 0.0;
    let mut customers = Vec::with_capacity(summaries.customers.len());
    for (summary, &pattern) in summaries.customers.iter().zip(&patterns.of_customer) {
        let Some(&[p_alive, expected_purchases, churn_score]) = by_pattern.get(pattern) else {
            return Err(Patterns::unscored());
        };
        total_estimate += expected_purchases.estimate;
        customers.push(CustomerPurchaseIntervals {
            customer: summary.customer.clone(),
            p_alive,
            expected_purchases,
            churn_score,
        });
    }
    let mut totals: Vec<Total> = totals.into_iter().map(Total).collect();
    let (Total(lower), Total(upper)) = central(&mut totals, level);
    Ok(PurchaseIntervals {
        level,
        method: IntervalMethod::ParameterDraws,
        draws: options.get_draws(),
        horizon_days,
        customers,
        total_expected_purchases: finite(
            Interval {
                estimate: total_estimate,
                lower,
                upper,
            },
            "the total expected purchases",
        )?,
    })
}

/// The intervals of the patterns in `group` (one `(x, T)`), adding each
/// draw's expected purchases of their customers to `totals`.
fn group_intervals<M: PurchaseModel>(
    model: &M,
    draws: &[M],
    patterns: &Patterns,
    group: std::ops::Range<usize>,
    horizon: f64,
    level: f64,
    totals: &mut [f64],
) -> Result<Vec<(usize, [Interval; 3])>> {
    let Some(&(x, _, big_t, _)) = patterns.rows.get(group.start) else {
        return Ok(Vec::new());
    };
    // What does not depend on t_x, once a draw: the expected purchases
    // and the chance of any purchase, of a customer alive.
    let if_alive: Vec<(f64, f64)> = draws
        .iter()
        .map(|m| {
            Ok((
                m.expected_purchases_if_alive(x, big_t, horizon)?,
                m.p_purchase_if_alive(x, big_t, horizon)?,
            ))
        })
        .collect::<Result<_>>()?;
    let fitted_if_alive = model.expected_purchases_if_alive(x, big_t, horizon)?;
    // Each draw's values as the bits of non-negative floats, which order
    // as the numbers do and select faster than floats compared.
    let (mut alive, mut expected, mut churn) = (
        vec![0_u64; draws.len()],
        vec![0_u64; draws.len()],
        vec![0_u64; draws.len()],
    );
    let rows = patterns.rows.get(group.clone()).unwrap_or_default();
    let mut out = Vec::with_capacity(rows.len());
    // P(alive) of the group's patterns under each draw, draw by draw, a
    // slice of patterns at a time: at most `BATCH_VALUES` values held.
    let slice = (BATCH_VALUES / draws.len().max(1)).max(1);
    let mut by_draw = Vec::new();
    for (first, batch) in (group.start..group.end).step_by(slice).zip(rows.chunks(slice)) {
        let recencies: Vec<f64> = batch.iter().map(|row| row.1).collect();
        let width = recencies.len();
        // Every value is written below before it is read.
        by_draw.resize(width * draws.len(), 0.0);
        for (m, values) in draws.iter().zip(by_draw.chunks_mut(width.max(1))) {
            m.p_alive_by_recency(x, big_t, &recencies, values)?;
        }
        for (j, &(x, t_x, big_t, customers)) in batch.iter().enumerate() {
            for (d, &(expected_if_alive, buys_if_alive)) in if_alive.iter().enumerate() {
                let p = by_draw.get(d * width + j).copied().unwrap_or(f64::NAN);
                let e = p * expected_if_alive;
                if let (Some(a), Some(ex), Some(ch), Some(total)) = (
                    alive.get_mut(d),
                    expected.get_mut(d),
                    churn.get_mut(d),
                    totals.get_mut(d),
                ) {
                    *a = ordered_bits(p);
                    *ex = ordered_bits(e);
                    *ch = ordered_bits(1.0 - p * buys_if_alive);
                    *total += customers * e;
                }
            }
            let p_fitted = model.p_alive(x, t_x, big_t)?;
            let estimates = [
                p_fitted,
                p_fitted * fitted_if_alive,
                model.p_no_purchase(x, t_x, big_t, horizon)?,
            ];
            let mut intervals = [Interval {
                estimate: 0.0,
                lower: 0.0,
                upper: 0.0,
            }; 3];
            let what = ["P(alive)", "the expected purchases", "the churn score"];
            for (((interval, values), estimate), what) in intervals
                .iter_mut()
                .zip([&mut alive, &mut expected, &mut churn])
                .zip(estimates)
                .zip(what)
            {
                let (lower, upper) = central(values, level);
                let (lower, upper) = (f64::from_bits(lower), f64::from_bits(upper));
                *interval = finite(
                    Interval {
                        estimate,
                        lower,
                        upper,
                    },
                    what,
                )?;
            }
            out.push((first + j, intervals));
        }
    }
    Ok(out)
}
