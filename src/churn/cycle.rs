//! Model-free churn scores from each customer's own purchase cycle, for
//! logs too small to fit a model.

use super::{RiskBand, RiskBands};
use crate::metrics::days::{for_each_customer, purchase_days};
use crate::metrics::{NextPurchaseOptions, next_purchase};
use crate::{Error, PurchaseLog, Result, SummaryOptions};

/// A customer's model-free churn score (see [`cycle_scores`]).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::churn::{cycle_scores, RiskBands};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let scores = cycle_scores(&cdnow_sample()?, &SummaryOptions::new(end), 90, &Default::default(), &RiskBands::default())?;
/// let first = &scores[0];
/// println!("{}: {:.1}× overdue, P(no purchase in 90 days) = {:.2}", first.customer, first.overdue_ratio, first.p_churn);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CycleChurnScore<C> {
    /// The customer's key.
    pub customer: C,
    /// The customer's typical interval in days, as
    /// [`next_purchase`](crate::metrics::next_purchase) blends it.
    pub typical_interval: f64,
    /// Days from the last purchase to the observation end.
    pub days_since_last: u32,
    /// `days_since_last / typical_interval`.
    pub overdue_ratio: f64,
    /// Probability of no purchase within the horizon.
    pub p_churn: f64,
    /// Its band.
    pub band: RiskBand,
}

/// Model-free churn scores: for every customer with a purchase up to the
/// observation end (in key order), the probability of no purchase in the
/// next `horizon_days` days, from how often customers as overdue as this
/// one came back.
///
/// # The rule
///
/// Each customer's gaps between purchase days are measured in units of
/// their typical interval `c` (their own median blended with the
/// population's, exactly as [`next_purchase`](crate::metrics::next_purchase)
/// does; one-time buyers get the population's time to a second purchase).
/// In those units every customer's gaps are taken to share one
/// distribution, estimated without a model by Kaplan–Meier: completed gaps
/// are events and each customer's current silence is a censored gap. A
/// customer silent for `s` days then stays silent through the horizon `h`
/// with probability
///
/// ```text
/// P(no purchase in h) = S((s + h) / c) / S(s / c)
/// ```
///
/// and 1 when S(s / c) = 0 (silent longer, relative to their cycle, than
/// any customer who came back). So a customer three cycles overdue is
/// scored by how many customers three cycles overdue bought again, not by
/// an assumed distribution. Unlike a fitted [`PurchaseModel`](crate::models::PurchaseModel),
/// it needs only a handful of repeat customers; unlike it, it cannot tell a
/// lapsed customer from a dead one, and it assumes that cycles scale.
///
/// # Errors
///
/// [`Error::InsufficientData`] when no customer has a second purchase day.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::churn::{cycle_scores, RiskBand, RiskBands};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let scores = cycle_scores(&cdnow_sample()?, &SummaryOptions::new(end), 90, &Default::default(), &RiskBands::default())?;
/// let high = scores.iter().filter(|s| s.band == RiskBand::High).count();
/// println!("{high} of {} customers are high-risk", scores.len());
/// assert!(scores.iter().all(|s| (0.0..=1.0).contains(&s.p_churn)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cycle_scores<C: Clone>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    horizon_days: u32,
    next: &NextPurchaseOptions,
    bands: &RiskBands,
) -> Result<Vec<CycleChurnScore<C>>> {
    let customers = next_purchase(log, options, next);
    // (gap in cycles, completed?) for every gap of every customer; the
    // second pass meets customers in the order next_purchase lists them.
    let mut gaps: Vec<(f64, bool)> = Vec::with_capacity(customers.len() * 2);
    let mut cycles = Vec::with_capacity(customers.len());
    let mut listed = customers.iter();
    for_each_customer(log, options, |_, cells| {
        let mut days = purchase_days(cells).peekable();
        if days.peek().is_none() {
            return;
        }
        let Some(customer) = listed.next() else { return };
        let cycle = customer.typical_interval.filter(|c| *c > 0.0);
        cycles.push(cycle);
        let Some(cycle) = cycle else { return };
        let mut last = None;
        for day in days {
            if let Some(before) = last {
                gaps.push(((day - before) as f64 / cycle, true));
            }
            last = Some(day);
        }
        gaps.push((f64::from(customer.days_since_last) / cycle, false));
    });
    let survival = KaplanMeier::new(gaps);
    customers
        .into_iter()
        .zip(cycles)
        .map(|(customer, cycle)| {
            let cycle = cycle.ok_or(Error::InsufficientData {
                needed: "a customer with a second purchase day, to learn a purchase cycle",
            })?;
            let silent = f64::from(customer.days_since_last);
            let now = survival.at(silent / cycle);
            let p_churn = if now > 0.0 {
                (survival.at((silent + f64::from(horizon_days)) / cycle) / now).clamp(0.0, 1.0)
            } else {
                1.0
            };
            Ok(CycleChurnScore {
                customer: customer.customer,
                typical_interval: cycle,
                days_since_last: customer.days_since_last,
                overdue_ratio: silent / cycle,
                p_churn,
                band: bands.band(p_churn),
            })
        })
        .collect()
}

/// The Kaplan–Meier survival function of right-censored times.
struct KaplanMeier {
    /// Distinct event times, ascending, and S just after each.
    steps: Vec<(f64, f64)>,
}

impl KaplanMeier {
    /// From `(time, event?)` pairs; a censored time equal to an event time
    /// counts as still at risk at it, the usual convention.
    fn new(mut times: Vec<(f64, bool)>) -> Self {
        // Events before censorings at equal times.
        times.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut at_risk = times.len() as f64;
        let mut survival = 1.0;
        let mut steps = Vec::new();
        for group in times.chunk_by(|a, b| a.0 == b.0) {
            let events = group.iter().filter(|(_, event)| *event).count() as f64;
            if let (Some((time, _)), true) = (group.first(), events > 0.0) {
                survival *= 1.0 - events / at_risk;
                steps.push((*time, survival));
            }
            at_risk -= group.len() as f64;
        }
        Self { steps }
    }

    /// S(t): the share still without an event after t.
    fn at(&self, t: f64) -> f64 {
        let passed = self.steps.partition_point(|(time, _)| *time <= t);
        passed
            .checked_sub(1)
            .and_then(|i| self.steps.get(i))
            .map_or(1.0, |(_, s)| *s)
    }
}
