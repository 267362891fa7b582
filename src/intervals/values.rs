//! Intervals of the expected spend and the lifetime value.

use super::patterns::Patterns;
use super::quantiles::{Total, central, ordered_bits};
use super::{Interval, IntervalMethod, IntervalOptions, PIECES, finite, parameter_draws};
use crate::clv::{ClvOptions, discounted_purchases_if_alive};
use crate::models::model::summaries_agreed_time;
use crate::models::{Fit, FitModel, GammaGamma, PurchaseModel};
use crate::parallel::map_parts;
use crate::{Error, Result, Summaries};

/// One customer's expected spend per purchase and lifetime value, with
/// their intervals.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::ClvOptions;
/// use repurchase::intervals::{IntervalOptions, value_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
/// let values = value_intervals(&purchases, &spend, &summaries, &ClvOptions::new(), &IntervalOptions::default().draws(100))?;
/// // The customers whose value is surely above $100.
/// let sure: Vec<_> = values.customers.iter().filter(|c| c.clv.lower > 100.0).map(|c| c.customer).collect();
/// assert!(sure.iter().all(|id| values.customers.iter().any(|c| c.customer == *id && c.clv.estimate > 100.0)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerValueIntervals<C> {
    /// The customer's key.
    pub customer: C,
    /// The Gamma-Gamma expected spend per purchase.
    pub expected_spend: Interval,
    /// The lifetime value over the options' months.
    pub clv: Interval,
}

/// Every customer's value with intervals, and the total's.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::ClvOptions;
/// use repurchase::intervals::{IntervalOptions, value_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
/// let values = value_intervals(&purchases, &spend, &summaries, &ClvOptions::new(), &IntervalOptions::default().draws(100))?;
/// assert_eq!((values.draws, values.customers.len()), (100, summaries.len()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ValueIntervals<C> {
    /// The share of draws inside each interval.
    pub level: f64,
    /// How the intervals were made.
    pub method: IntervalMethod,
    /// The parameter draws of each model they were made from.
    pub draws: u32,
    /// Each customer, in the summaries' order.
    pub customers: Vec<CustomerValueIntervals<C>>,
    /// The lifetime value of all the customers together.
    pub total_clv: Interval,
}

/// Each customer's expected spend and lifetime value (as
/// [`customer_lifetime_values`](crate::clv::customer_lifetime_values)
/// computes them), and the total, with intervals from draws of both fits:
/// the purchase model's and the Gamma-Gamma's parameters are drawn
/// independently (the two models are fitted apart), each value computed
/// under each pair of draws.
///
/// Customers who share `(x, T)` share their discounted purchases if alive,
/// taken once a draw; the spend depends on each customer's own mean, so
/// the cost is customers times draws.
///
/// # Errors
///
/// As [`purchase_intervals`](super::purchase_intervals) and
/// [`customer_lifetime_values`](crate::clv::customer_lifetime_values):
/// bad [`ClvOptions`], a spend draw whose mean is
/// undefined (q ≤ 1) for a customer without repeat purchases.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::clv::ClvOptions;
/// use repurchase::intervals::{IntervalOptions, value_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
/// let values = value_intervals(&purchases, &spend, &summaries, &ClvOptions::new(), &IntervalOptions::default().draws(200))?;
/// let total = values.total_clv;
/// println!("next year's value ${:.0}, 90 % between ${:.0} and ${:.0}", total.estimate, total.lower, total.upper);
/// assert!(total.lower < total.estimate && total.estimate < total.upper);
/// let first = &values.customers[0];
/// assert!(first.clv.lower <= first.clv.upper && first.expected_spend.lower > 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn value_intervals<M, C>(
    purchase_fit: &Fit<M>,
    spend_fit: &Fit<GammaGamma>,
    summaries: &Summaries<C>,
    clv: &ClvOptions,
    options: &IntervalOptions,
) -> Result<ValueIntervals<C>>
where
    M: FitModel + PurchaseModel + Send + Sync,
    C: Clone,
{
    let time = summaries_agreed_time(purchase_fit.model.time(), summaries.options(), "summaries")?;
    let month = clv.month(time)?;
    let draws = parameter_draws(purchase_fit, options)?;
    let spends = parameter_draws(spend_fit, &options.seed(options.get_seed() ^ SPEND_STREAM))?;
    let patterns = Patterns::of(summaries);
    let groups = patterns.groups();
    let pieces = groups.chunks(groups.len().div_ceil(PIECES).max(1));
    let level = options.get_level();
    let customers = &summaries.customers;
    // Each customer's mean spend, so that the scoring closures need no key.
    let means: Vec<f64> = customers
        .iter()
        .map(|s| {
            s.monetary_value
                .and_then(|m| rust_decimal::prelude::ToPrimitive::to_f64(&m))
                .unwrap_or(0.0)
        })
        .collect();
    let results = map_parts(pieces.collect(), |piece: &[std::ops::Range<usize>]| {
        let mut totals = vec![0.0; draws.len()];
        let mut out = Vec::new();
        for group in piece {
            let Some(&(x, _, big_t, _)) = patterns.rows.get(group.start) else {
                continue;
            };
            let series: Vec<f64> = draws
                .iter()
                .map(|m| discounted_purchases_if_alive(m, x, big_t, month, clv))
                .collect::<Result<_>>()?;
            let fitted_series = discounted_purchases_if_alive(&purchase_fit.model, x, big_t, month, clv)?;
            let (mut spend, mut value) = (vec![0_u64; draws.len()], vec![0_u64; draws.len()]);
            for pattern in group.clone() {
                let Some(&(x, t_x, big_t, _)) = patterns.rows.get(pattern) else {
                    continue;
                };
                let alive: Vec<f64> = draws
                    .iter()
                    .map(|m| m.p_alive(x, t_x, big_t))
                    .collect::<Result<_>>()?;
                let fitted_alive = purchase_fit.model.p_alive(x, t_x, big_t)?;
                let start = patterns.first_member(pattern);
                let count = patterns.rows.get(pattern).map_or(0, |row| row.3 as usize);
                for &i in patterns.members.get(start..start + count).unwrap_or_default() {
                    let Some(&m) = means.get(i) else {
                        continue;
                    };
                    for (d, ((g, (&p, &purchases)), total)) in spends
                        .iter()
                        .zip(alive.iter().zip(&series))
                        .zip(totals.iter_mut())
                        .enumerate()
                    {
                        let e = g.conditional_expected_spend(x, m)?;
                        let v = e * p * purchases;
                        *total += v;
                        if let (Some(s), Some(c)) = (spend.get_mut(d), value.get_mut(d)) {
                            *s = ordered_bits(e);
                            *c = ordered_bits(v);
                        }
                    }
                    let fitted_spend = spend_fit.model.conditional_expected_spend(x, m)?;
                    let interval = |values: &mut [u64], estimate: f64, what: &'static str| {
                        let (lower, upper) = central(values, level);
                        finite(
                            Interval {
                                estimate,
                                lower: f64::from_bits(lower),
                                upper: f64::from_bits(upper),
                            },
                            what,
                        )
                    };
                    out.push((
                        i,
                        interval(&mut spend, fitted_spend, "the expected spend")?,
                        interval(&mut value, fitted_spend * fitted_alive * fitted_series, "CLV")?,
                    ));
                }
            }
        }
        Ok::<_, Error>((out, totals))
    });
    let mut totals = vec![0.0; draws.len()];
    let mut by_customer = vec![None; customers.len()];
    for result in results {
        let (out, piece_totals) = result?;
        for (total, add) in totals.iter_mut().zip(piece_totals) {
            *total += add;
        }
        for (i, spend, value) in out {
            if let Some(slot) = by_customer.get_mut(i) {
                *slot = Some((spend, value));
            }
        }
    }
    let mut rows = Vec::with_capacity(customers.len());
    let mut total_estimate = 0.0;
    for (summary, intervals) in customers.iter().zip(by_customer) {
        let Some((expected_spend, clv)) = intervals else {
            return Err(Error::Undefined {
                quantity: "a customer's value intervals",
                condition: "the customer was not scored (a bug)".into(),
            });
        };
        total_estimate += clv.estimate;
        rows.push(CustomerValueIntervals {
            customer: summary.customer.clone(),
            expected_spend,
            clv,
        });
    }
    let mut totals: Vec<Total> = totals.into_iter().map(Total).collect();
    let (Total(lower), Total(upper)) = central(&mut totals, level);
    Ok(ValueIntervals {
        level,
        method: IntervalMethod::ParameterDraws,
        draws: options.get_draws(),
        customers: rows,
        total_clv: finite(
            Interval {
                estimate: total_estimate,
                lower,
                upper,
            },
            "the total CLV",
        )?,
    })
}

/// Mixed into the seed for the spend model's draws, apart from the
/// purchase model's.
const SPEND_STREAM: u64 = 0x2545_f491_4f6c_dd1d;
