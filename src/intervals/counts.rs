//! Intervals of purchase counts: parameter draws and the purchases' own
//! chance.

use super::patterns::Patterns;
use super::quantiles::{Total, central};
use super::{
    BATCH_VALUES, Interval, IntervalMethod, IntervalOptions, finite, horizon_in_model_time, parameter_draws,
};
use crate::models::{Fit, FitModel, FuturePurchases};
use crate::random::Stream;
use crate::{Result, Summaries};

/// One customer's purchases over the horizon: the expected count, and the
/// interval the count itself falls in.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_count_intervals};
/// use repurchase::models::{ParetoNbd, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = ParetoNbd::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let counts = purchase_count_intervals(&fit, &summaries, 182, &IntervalOptions::default().draws(200))?;
/// // Whole purchases: a customer's count is 0, 1, 2…
/// assert!(counts.customers.iter().all(|c| c.purchases.lower.fract() == 0.0 && c.purchases.upper.fract() == 0.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerPurchaseCount<C> {
    /// The customer's key.
    pub customer: C,
    /// The expected purchases at the fitted parameters, and the shortest
    /// range of whole numbers of purchases that holds at least the `level`
    /// share of the draws. The estimate is an expectation, not a count:
    /// for a customer likely to buy nothing it is a fraction above an
    /// interval of [0, 0].
    pub purchases: Interval,
}

/// Every customer's purchase count over the horizon with its interval,
/// and the total's.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_count_intervals};
/// use repurchase::models::{ParetoNbd, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = ParetoNbd::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let counts = purchase_count_intervals(&fit, &summaries, 182, &IntervalOptions::default().draws(200))?;
/// assert_eq!(counts.method, repurchase::intervals::IntervalMethod::ParameterAndProcessDraws);
/// let total = counts.total_purchases;
/// println!("{:.0} purchases in the next half year, 90 % between {:.0} and {:.0}", total.estimate, total.lower, total.upper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PurchaseCountIntervals<C> {
    /// The share of draws inside each interval.
    pub level: f64,
    /// How the intervals were made.
    pub method: IntervalMethod,
    /// The parameter draws they were made from.
    pub draws: u32,
    /// The horizon, in days.
    pub horizon_days: u32,
    /// Each customer, in the summaries' order.
    pub customers: Vec<CustomerPurchaseCount<C>>,
    /// All the customers' purchases together.
    pub total_purchases: Interval,
}

/// The purchases each customer will make over `horizon_days`, and all of
/// them together, with intervals that hold both what the data leave
/// unknown about the parameters and the chance in the purchases
/// themselves: under each of [`parameter_draws`], each distinct pattern
/// draws whether its customer is alive (with that draw's P(alive)) and,
/// if so, their purchases from the model's process
/// ([`FuturePurchases`]). A customer's interval is the shortest range of
/// whole purchases that holds at least the `level` share of their draws:
/// a count is mostly 0, and a central interval would reach past counts
/// the level does not need (with 93 % of the draws at 0, to 1 and 98 %).
///
/// The total adds, under each parameter draw, the customers' expected
/// purchases and a normal draw for the chance in their sum, whose
/// variance is estimated from the same draws: customers' purchases are
/// independent given the parameters, so the sum's chance shrinks like a
/// square root, and the parameters' uncertainty dominates a large base's
/// total.
///
/// The draws are seeded per pattern, so the results do not depend on the
/// number of threads.
///
/// # Errors
///
/// As [`purchase_intervals`](super::purchase_intervals).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::intervals::{IntervalOptions, purchase_count_intervals};
/// use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
/// let counts = purchase_count_intervals(&fit, &summaries, 273, &IntervalOptions::default())?;
/// let busiest = counts.customers.iter().max_by(|a, b| a.purchases.estimate.total_cmp(&b.purchases.estimate)).ok_or("none")?;
/// println!("customer {}: {:.1} purchases expected, 90 % between {} and {}",
///     busiest.customer, busiest.purchases.estimate, busiest.purchases.lower, busiest.purchases.upper);
/// assert!(busiest.purchases.lower <= busiest.purchases.estimate && busiest.purchases.estimate <= busiest.purchases.upper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn purchase_count_intervals<M, C>(
    fit: &Fit<M>,
    summaries: &Summaries<C>,
    horizon_days: u32,
    options: &IntervalOptions,
) -> Result<PurchaseCountIntervals<C>>
where
    M: FitModel + FuturePurchases + Send + Sync,
    C: Clone,
{
    let horizon = horizon_in_model_time(fit.model.time(), summaries, horizon_days)?;
    let draws = parameter_draws(fit, options)?;
    let patterns = Patterns::of(summaries);
    let (level, seed) = (options.get_level(), options.get_seed());
    // Per draw: the customers' expected purchases, and the squared
    // deviations of their drawn purchases from them.
    let (by_pattern, sums) = patterns.score(
        draws.len(),
        |group, sums: &mut [(f64, f64)]| {
            group_counts(&fit.model, &draws, &patterns, group, horizon, (level, seed), sums)
        },
        |sum, (mean, variance)| {
            sum.0 += mean;
            sum.1 += variance;
        },
    )?;
    let mut total_estimate = 0.0;
    let mut customers = Vec::with_capacity(summaries.customers.len());
    for (summary, &pattern) in summaries.customers.iter().zip(&patterns.of_customer) {
        let Some(&purchases) = by_pattern.get(pattern) else {
            return Err(Patterns::unscored());
        };
        total_estimate += purchases.estimate;
        customers.push(CustomerPurchaseCount {
            customer: summary.customer.clone(),
            purchases,
        });
    }
    // The total under each draw: its expectation and a normal draw for the
    // chance in a sum of many independent counts.
    let mut stream = Stream::new(seed ^ TOTAL_STREAM);
    let mut totals: Vec<Total> = sums
        .into_iter()
        .map(|(mean, variance)| Total(mean + variance.sqrt() * stream.normal()))
        .collect();
    let (Total(lower), Total(upper)) = central(&mut totals, level);
    Ok(PurchaseCountIntervals {
        level,
        method: IntervalMethod::ParameterAndProcessDraws,
        draws: options.get_draws(),
        horizon_days,
        customers,
        total_purchases: finite(
            Interval {
                estimate: total_estimate,
                lower,
                upper,
            },
            "the total purchases",
        )?,
    })
}

/// Mixed into the seed for the total's normal draws, apart from every
/// pattern's stream.
const TOTAL_STREAM: u64 = 0x5851_f42d_4c95_7f2d;

/// The count intervals of the patterns in `group` (one `(x, T)`), adding
/// each draw's expected purchases of their customers and the squared
/// deviations of their drawn purchases to `sums`.
fn group_counts<M: FuturePurchases>(
    model: &M,
    draws: &[M],
    patterns: &Patterns,
    group: std::ops::Range<usize>,
    horizon: f64,
    (level, seed): (f64, u64),
    sums: &mut [(f64, f64)],
) -> Result<Vec<(usize, Interval)>> {
    let Some(&(x, _, big_t, _)) = patterns.rows.get(group.start) else {
        return Ok(Vec::new());
    };
    let if_alive: Vec<f64> = draws
        .iter()
        .map(|m| m.expected_purchases_if_alive(x, big_t, horizon))
        .collect::<Result<_>>()?;
    let fitted_if_alive = model.expected_purchases_if_alive(x, big_t, horizon)?;
    let rows = patterns.rows.get(group.clone()).unwrap_or_default();
    let mut counts = vec![0_u64; draws.len()];
    let mut out = Vec::with_capacity(rows.len());
    let slice = (BATCH_VALUES / draws.len().max(1)).max(1);
    let mut by_draw = Vec::new();
    for (first, batch) in (group.start..group.end).step_by(slice).zip(rows.chunks(slice)) {
        let recencies: Vec<f64> = batch.iter().map(|row| row.1).collect();
        let width = recencies.len();
        by_draw.resize(width * draws.len(), 0.0);
        for (m, values) in draws.iter().zip(by_draw.chunks_mut(width.max(1))) {
            m.p_alive_by_recency(x, big_t, &recencies, values)?;
        }
        for (j, &(x, t_x, big_t, customers)) in batch.iter().enumerate() {
            let pattern = first + j;
            // Each pattern its own stream: the draws do not depend on how
            // the patterns are shared among threads.
            let mut stream = Stream::new(seed ^ (pattern as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut uniform = || stream.uniform();
            for (d, (m, &expected_if_alive)) in draws.iter().zip(&if_alive).enumerate() {
                let p = by_draw.get(d * width + j).copied().unwrap_or(f64::NAN);
                let purchases = if uniform() < p {
                    m.purchases_if_alive(x, big_t, horizon, &mut uniform)
                } else {
                    0
                };
                let mean = p * expected_if_alive;
                if let (Some(count), Some(sum)) = (counts.get_mut(d), sums.get_mut(d)) {
                    *count = purchases;
                    let deviation = purchases as f64 - mean;
                    sum.0 += customers * mean;
                    sum.1 += customers * deviation * deviation;
                }
            }
            let (lower, upper) = whole_shortest(&mut counts, level);
            let estimate = model.p_alive(x, t_x, big_t)? * fitted_if_alive;
            out.push((
                pattern,
                finite(
                    Interval {
                        estimate,
                        lower: lower as f64,
                        upper: upper as f64,
                    },
                    "a purchase count",
                )?,
            ));
        }
    }
    Ok(out)
}

/// The shortest range of whole numbers that holds at least the `level`
/// share of the draws: of the windows of ⌈n · level⌉ consecutive sorted
/// draws, the one whose first and last differ least, the lowest of equals.
///
/// A count is mostly 0: where 0 alone has 93 % of the draws, the central
/// interval (5 % below, 5 % above) must reach 1 and would hold 98 % of the
/// outcomes, while the shortest is [0, 0] and holds the 93 %. Of the
/// ranges with the level's share, the shortest comes nearest the level.
fn whole_shortest(values: &mut [u64], level: f64) -> (u64, u64) {
    let n = values.len();
    if n == 0 {
        return (0, 0);
    }
    values.sort_unstable();
    let width = ((n as f64 * level).ceil() as usize).clamp(1, n);
    values
        .iter()
        .zip(values.iter().skip(width - 1))
        .min_by_key(|(low, high)| *high - *low)
        .map_or((0, 0), |(low, high)| (*low, *high))
}
