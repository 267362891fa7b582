//! Lifecycle stages: where each customer stands on a date (prospect, new,
//! active, at risk, dormant, churned, reactivated), the rule that decided
//! it, and how customers moved between two dates.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::lifecycle::{self, LifecycleOptions, Stage};
//!
//! let log = cdnow_sample()?;
//! let as_of = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
//! let stages = lifecycle::stages(&log, as_of, &LifecycleOptions::default(), &[], |_| None)?;
//! let at_risk = stages.iter().filter(|s| s.stage == Stage::AtRisk).count();
//! println!("{at_risk} customers at risk on {as_of}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::NaiveDate;

use crate::days::fill_day_cells;
use crate::log::is_negative;
use crate::metrics::days::purchase_days;
use crate::metrics::{IntervalPool, OwnCycle};
use crate::period::{check_before, day_number};
use crate::{Customer, Error, PurchaseLog, Result};

/// A lifecycle stage.
///
/// # Example
///
/// ```
/// use repurchase::lifecycle::Stage;
///
/// assert_eq!(Stage::AtRisk.to_string(), "at risk");
/// assert_eq!(Stage::ALL.len(), 7);
/// // Names parse whatever their case, spaces, hyphens and underscores.
/// assert_eq!("at_risk".parse::<Stage>()?, Stage::AtRisk);
/// # Ok::<(), repurchase::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Stage {
    /// Known (a profile) but no purchase yet.
    Prospect,
    /// First purchase recently.
    New,
    /// Buying within their usual rhythm.
    Active,
    /// Late against their rhythm or an absolute window.
    AtRisk,
    /// Long silent, but not yet given up.
    Dormant,
    /// Silent beyond the churn window (or P(alive) below its threshold).
    Churned,
    /// Bought again recently after a dormant-length gap.
    Reactivated,
}

impl Stage {
    /// Every stage, in lifecycle order (the index used by
    /// [`Transitions`]).
    pub const ALL: [Stage; 7] = [
        Stage::Prospect,
        Stage::New,
        Stage::Active,
        Stage::AtRisk,
        Stage::Dormant,
        Stage::Churned,
        Stage::Reactivated,
    ];

    /// The stage's position in [`Stage::ALL`].
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::lifecycle::Stage;
    ///
    /// assert_eq!(Stage::Churned.index(), 5);
    /// ```
    pub fn index(self) -> usize {
        self as usize
    }
}

crate::names::named!(Stage, "Stage", "prospect, new, active, at risk, dormant, churned or reactivated", {
    Stage::Prospect => "prospect",
    Stage::New => "new",
    Stage::Active => "active",
    Stage::AtRisk => "at risk",
    Stage::Dormant => "dormant",
    Stage::Churned => "churned",
    Stage::Reactivated => "reactivated",
});

/// The rule that decided a stage (see [`LifecycleOptions`] for the order).
///
/// # Example
///
/// ```
/// use repurchase::lifecycle::StageRule;
///
/// assert_ne!(StageRule::ChurnWindow, StageRule::ChurnProbability);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum StageRule {
    /// A profile without a purchase.
    NoPurchase,
    /// Days since the last purchase ≥ `churned_days`.
    ChurnWindow,
    /// P(alive) below `churned_p_alive`.
    ChurnProbability,
    /// The last purchase is within `reactivated_days` and came after a gap
    /// of at least `dormant_days`.
    ReturnedAfterGap,
    /// The first purchase is within `new_days`.
    FirstPurchaseRecent,
    /// Days since the last purchase ≥ `dormant_days`.
    DormantWindow,
    /// Overdue ratio ≥ `dormant_overdue`.
    DormantOverdue,
    /// Days since the last purchase ≥ `at_risk_days`.
    AtRiskWindow,
    /// Overdue ratio ≥ `at_risk_overdue`.
    AtRiskOverdue,
    /// P(alive) below `at_risk_p_alive`.
    AtRiskProbability,
    /// None of the above: within their rhythm.
    WithinRhythm,
}

/// The thresholds of the lifecycle rules. Rules are tried in this order and
/// the first that holds decides:
///
/// 1. **prospect**: a profile without a purchase;
/// 2. **churned**: `days_since_last ≥ churned_days`, or P(alive) <
///    `churned_p_alive`;
/// 3. **reactivated**: `days_since_last < reactivated_days` and the gap
///    before the last purchase ≥ `dormant_days`;
/// 4. **new**: the first purchase `< new_days` ago;
/// 5. **dormant**: `days_since_last ≥ dormant_days`, or overdue ratio ≥
///    `dormant_overdue`;
/// 6. **at risk**: `days_since_last ≥ at_risk_days`, or overdue ratio ≥
///    `at_risk_overdue`, or P(alive) < `at_risk_p_alive`;
/// 7. **active**: otherwise.
///
/// The overdue ratio is `days_since_last / typical interval`, with the
/// typical interval of [`next_purchase`](crate::metrics::next_purchase):
/// the customer's median gap between purchase days shrunk toward the
/// population's median gap, `(n · own + K · population) / (n + K)` for `n`
/// gaps; a one-time buyer gets the population's median time to a second
/// purchase. The replenishment trigger uses the same interval.
///
/// Set each with the method of its name, read it with `get_` and the name;
/// [`validate`](Self::validate) checks them together, and [`stages`] (so
/// every function that computes stages) calls it first.
///
/// | option | default |
/// |---|---|
/// | `new_days` | 30 |
/// | `at_risk_days` | 90 |
/// | `dormant_days` | 180 |
/// | `churned_days` | 365 |
/// | `reactivated_days` | 90 |
/// | `at_risk_overdue` | 1.5 |
/// | `dormant_overdue` | 3.0 |
/// | `shrinkage` (K) | 3.0 |
/// | `at_risk_p_alive` | none |
/// | `churned_p_alive` | none |
///
/// # Example
///
/// ```
/// use repurchase::lifecycle::LifecycleOptions;
///
/// let options = LifecycleOptions::default().churned_days(540);
/// assert!(options.validate().is_ok());
/// let broken = LifecycleOptions::default().dormant_days(60);
/// assert!(broken.validate().is_err()); // dormant before at risk
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LifecycleOptions {
    /// A first purchase fewer days ago than this makes a customer new.
    new_days: u32,
    /// Silence of at least this many days puts a customer at risk.
    at_risk_days: u32,
    /// Silence of at least this many days makes a customer dormant; a gap this
    /// long before a purchase makes the purchase a reactivation.
    dormant_days: u32,
    /// Silence of at least this many days makes a customer churned.
    churned_days: u32,
    /// A reactivation stays one for this many days.
    reactivated_days: u32,
    /// Overdue ratio that puts a customer at risk.
    at_risk_overdue: f64,
    /// Overdue ratio that makes a customer dormant.
    dormant_overdue: f64,
    /// Weight K of the population's gap in a customer's typical interval, in
    /// gaps.
    shrinkage: f64,
    /// P(alive) below which a customer is at risk, when a model is given.
    at_risk_p_alive: Option<f64>,
    /// P(alive) below which a customer is churned, when a model is given.
    churned_p_alive: Option<f64>,
}

crate::stored::deserialize_checked!(LifecycleOptions { new_days: u32, at_risk_days: u32, dormant_days: u32, churned_days: u32, reactivated_days: u32, at_risk_overdue: f64, dormant_overdue: f64, shrinkage: f64, at_risk_p_alive: Option<f64>, churned_p_alive: Option<f64> } => {
    let options = LifecycleOptions { new_days, at_risk_days, dormant_days, churned_days, reactivated_days, at_risk_overdue, dormant_overdue, shrinkage, at_risk_p_alive, churned_p_alive };
    options.validate().map(|()| options)
});

impl Default for LifecycleOptions {
    fn default() -> Self {
        Self {
            new_days: 30,
            at_risk_days: 90,
            dormant_days: 180,
            churned_days: 365,
            reactivated_days: 90,
            at_risk_overdue: 1.5,
            dormant_overdue: 3.0,
            shrinkage: 3.0,
            at_risk_p_alive: None,
            churned_p_alive: None,
        }
    }
}

/// For each option a setter (`name(value)`) and a getter
/// (`get_name()`), with their examples. P(alive) thresholds are set as a
/// probability and read as an `Option`, `None` by default.
macro_rules! options {
    ($($name:ident, $get:ident: $ty:ty = $example:literal, default $default:literal: $doc:literal;)*) => {
        impl LifecycleOptions {
            $(
                #[doc = concat!("Sets `", stringify!($name), "`: ", $doc, "\n\n# Example\n\n```\n",
                    "use repurchase::lifecycle::LifecycleOptions;\n\n",
                    "let options = LifecycleOptions::default().", stringify!($name), "(", stringify!($example), ");\n",
                    "assert_eq!(options.", stringify!($get), "(), ", stringify!($example), ");\n```")]
                #[must_use]
                pub fn $name(mut self, value: $ty) -> Self {
                    self.$name = value;
                    self
                }

                #[doc = concat!("`", stringify!($name), "` (", stringify!($default), " by default).\n\n# Example\n\n```\n",
                    "use repurchase::lifecycle::LifecycleOptions;\n\n",
                    "assert_eq!(LifecycleOptions::default().", stringify!($get), "(), ", stringify!($default), ");\n```")]
                pub fn $get(&self) -> $ty {
                    self.$name
                }
            )*
        }
    };
    (probabilities $($name:ident, $get:ident = $example:literal: $doc:literal;)*) => {
        impl LifecycleOptions {
            $(
                #[doc = concat!("Sets `", stringify!($name), "`: ", $doc, "\n\n# Example\n\n```\n",
                    "use repurchase::lifecycle::LifecycleOptions;\n\n",
                    "let options = LifecycleOptions::default().", stringify!($name), "(", stringify!($example), ");\n",
                    "assert_eq!(options.", stringify!($get), "(), Some(", stringify!($example), "));\n```")]
                #[must_use]
                pub fn $name(mut self, p: f64) -> Self {
                    self.$name = Some(p);
                    self
                }

                #[doc = concat!("`", stringify!($name), "`, if set.\n\n# Example\n\n```\n",
                    "use repurchase::lifecycle::LifecycleOptions;\n\n",
                    "assert_eq!(LifecycleOptions::default().", stringify!($get), "(), None);\n```")]
                pub fn $get(&self) -> Option<f64> {
                    self.$name
                }
            )*
        }
    };
}

options! {
    new_days, get_new_days: u32 = 45, default 30: "a first purchase fewer days ago than this makes a customer new.";
    at_risk_days, get_at_risk_days: u32 = 120, default 90: "silence of at least this many days puts a customer at risk.";
    dormant_days, get_dormant_days: u32 = 240, default 180:
        "silence of at least this many days makes a customer dormant; a gap this long before a purchase makes the purchase a reactivation.";
    churned_days, get_churned_days: u32 = 540, default 365: "silence of at least this many days makes a customer churned.";
    reactivated_days, get_reactivated_days: u32 = 60, default 90: "a reactivation stays one for this many days.";
    at_risk_overdue, get_at_risk_overdue: f64 = 2.0, default 1.5: "the overdue ratio that puts a customer at risk.";
    dormant_overdue, get_dormant_overdue: f64 = 4.0, default 3.0: "the overdue ratio that makes a customer dormant.";
    shrinkage, get_shrinkage: f64 = 5.0, default 3.0: "the weight K of the population's gap in a customer's typical interval, in gaps.";
}

options! {
    probabilities
    at_risk_p_alive, get_at_risk_p_alive = 0.5: "the P(alive) below which a customer is at risk, when a model is given.";
    churned_p_alive, get_churned_p_alive = 0.1: "the P(alive) below which a customer is churned, when a model is given.";
}

impl LifecycleOptions {
    /// Checks the thresholds: windows strictly increasing (new < at risk <
    /// dormant < churned), reactivation within the dormant window, overdue
    /// ratios positive and increasing, P(alive) thresholds in [0, 1] with
    /// churned ≤ at risk.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyRange`] naming both fields of an inconsistent pair;
    /// [`Error::InvalidParameter`] for a value out of its own range.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::lifecycle::LifecycleOptions;
    /// use repurchase::Error;
    ///
    /// let broken = LifecycleOptions::default().at_risk_overdue(4.0);
    /// assert!(matches!(
    ///     broken.validate(),
    ///     Err(Error::EmptyRange { start_field: "at_risk_overdue", end_field: "dormant_overdue", .. })
    /// ));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let order = |start_field, start: f64, end_field, end: f64| {
            if start < end {
                Ok(())
            } else {
                Err(Error::EmptyRange {
                    start_field,
                    start: start.to_string(),
                    end_field,
                    end: end.to_string(),
                })
            }
        };
        let days = |d: u32| f64::from(d);
        order(
            "new_days",
            days(self.new_days),
            "at_risk_days",
            days(self.at_risk_days),
        )?;
        order(
            "at_risk_days",
            days(self.at_risk_days),
            "dormant_days",
            days(self.dormant_days),
        )?;
        order(
            "dormant_days",
            days(self.dormant_days),
            "churned_days",
            days(self.churned_days),
        )?;
        order(
            "reactivated_days",
            days(self.reactivated_days),
            "dormant_days",
            days(self.dormant_days) + 1.0,
        )?;
        if !(self.at_risk_overdue.is_finite() && self.at_risk_overdue > 0.0) {
            return Err(Error::InvalidParameter {
                name: "at_risk_overdue",
                value: self.at_risk_overdue.to_string(),
                expected: "a finite ratio > 0",
            });
        }
        if !(self.shrinkage.is_finite() && self.shrinkage >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "shrinkage",
                value: self.shrinkage.to_string(),
                expected: "a finite number ≥ 0",
            });
        }
        order(
            "at_risk_overdue",
            self.at_risk_overdue,
            "dormant_overdue",
            self.dormant_overdue,
        )?;
        for (name, p) in [
            ("at_risk_p_alive", self.at_risk_p_alive),
            ("churned_p_alive", self.churned_p_alive),
        ] {
            if let Some(p) = p.filter(|p| !(0.0..=1.0).contains(p)) {
                return Err(Error::InvalidParameter {
                    name,
                    value: p.to_string(),
                    expected: "a probability in [0, 1]",
                });
            }
        }
        if let (Some(churned), Some(at_risk)) = (self.churned_p_alive, self.at_risk_p_alive) {
            order(
                "churned_p_alive",
                churned,
                "at_risk_p_alive",
                at_risk + f64::EPSILON,
            )?;
        }
        Ok(())
    }

    /// The stage of one customer's [`Timeline`] and the rule that decided
    /// it, with an optional P(alive) from a fitted model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::lifecycle::{LifecycleOptions, Stage, StageRule, Timeline};
    ///
    /// let config = LifecycleOptions::default();
    /// // Buys every 30 days, last purchase 50 days ago: 1.7 cycles late.
    /// let late = Timeline { purchase_days: 6, days_since_first: 200, days_since_last: 50, gap_before_last: Some(30), typical_interval: Some(30.0) };
    /// assert_eq!(config.classify(&late, None), (Stage::AtRisk, StageRule::AtRiskOverdue));
    /// ```
    pub fn classify(&self, timeline: &Timeline, p_alive: Option<f64>) -> (Stage, StageRule) {
        if timeline.purchase_days == 0 {
            return (Stage::Prospect, StageRule::NoPurchase);
        }
        let silent = timeline.days_since_last;
        let below = |threshold: Option<f64>| matches!((p_alive, threshold), (Some(p), Some(t)) if p < t);
        let overdue = timeline
            .typical_interval
            .filter(|t| *t > 0.0)
            .map_or(0.0, |t| f64::from(silent) / t);
        if silent >= self.churned_days {
            (Stage::Churned, StageRule::ChurnWindow)
        } else if below(self.churned_p_alive) {
            (Stage::Churned, StageRule::ChurnProbability)
        } else if silent < self.reactivated_days
            && timeline.gap_before_last.is_some_and(|g| g >= self.dormant_days)
        {
            (Stage::Reactivated, StageRule::ReturnedAfterGap)
        } else if timeline.days_since_first < self.new_days {
            (Stage::New, StageRule::FirstPurchaseRecent)
        } else if silent >= self.dormant_days {
            (Stage::Dormant, StageRule::DormantWindow)
        } else if overdue >= self.dormant_overdue {
            (Stage::Dormant, StageRule::DormantOverdue)
        } else if silent >= self.at_risk_days {
            (Stage::AtRisk, StageRule::AtRiskWindow)
        } else if overdue >= self.at_risk_overdue {
            (Stage::AtRisk, StageRule::AtRiskOverdue)
        } else if below(self.at_risk_p_alive) {
            (Stage::AtRisk, StageRule::AtRiskProbability)
        } else {
            (Stage::Active, StageRule::WithinRhythm)
        }
    }
}

/// What the lifecycle rules look at for one customer on a date.
///
/// # Example
///
/// ```
/// use repurchase::lifecycle::Timeline;
///
/// let prospect = Timeline { purchase_days: 0, days_since_first: 0, days_since_last: 0, gap_before_last: None, typical_interval: None };
/// assert_eq!(prospect.purchase_days, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Timeline {
    /// Distinct purchase days up to the date (0 for a prospect).
    pub purchase_days: u32,
    /// Days from the first purchase to the date.
    pub days_since_first: u32,
    /// Days from the last purchase to the date.
    pub days_since_last: u32,
    /// Days between the last two purchase days; `None` for one.
    pub gap_before_last: Option<u32>,
    /// The typical interval in days (see [`LifecycleOptions`]); `None` when
    /// nobody has a second purchase day.
    pub typical_interval: Option<f64>,
}

/// One customer's stage on a date.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, lifecycle::{self, LifecycleOptions}};
///
/// let as_of = NaiveDate::from_ymd_opt(1997, 6, 30).ok_or("bad date")?;
/// let first = &lifecycle::stages(&cdnow_sample()?, as_of, &LifecycleOptions::default(), &[], |_| None)?[0];
/// println!("customer {}: {} ({:?})", first.customer, first.stage, first.rule);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerStage<C> {
    /// The customer's key.
    pub customer: C,
    /// Their stage.
    pub stage: Stage,
    /// The rule that decided it.
    pub rule: StageRule,
    /// What the rule looked at.
    pub timeline: Timeline,
}

/// Every customer's stage on `as_of`: each customer with a purchase up to
/// that day, and each profile without one that had signed up by then (or
/// has no sign-up date), as a prospect; in key order. `p_alive` gives a
/// model's P(alive) for a key, or `None`. Purchase days are days of the
/// log's [`Calendar`](crate::Calendar) and follow the summaries' occasion rule (a day whose refunds cancel its
/// orders is not one).
///
/// # Errors
///
/// The errors of [`LifecycleOptions::validate`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::datasets::cdnow_sample;
/// use repurchase::lifecycle::{self, LifecycleOptions, Stage};
/// use repurchase::Customer;
///
/// let as_of = NaiveDate::from_ymd_opt(1997, 3, 31).ok_or("bad date")?;
/// let signed_up = Customer::new(99_999_u32).signed_up(NaiveDate::from_ymd_opt(1997, 2, 1).ok_or("bad date")?);
/// let stages = lifecycle::stages(&cdnow_sample()?, as_of, &LifecycleOptions::default(), &[signed_up], |_| None)?;
/// assert_eq!(stages.last().map(|s| s.stage), Some(Stage::Prospect));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stages<C: Clone + Ord>(
    log: &PurchaseLog<C>,
    as_of: NaiveDate,
    config: &LifecycleOptions,
    profiles: &[Customer<C>],
    p_alive: impl Fn(&C) -> Option<f64>,
) -> Result<Vec<CustomerStage<C>>> {
    config.validate()?;
    let today = day_number(as_of);
    // One pass: each customer's timeline and own cycle; the typical
    // intervals follow once every customer's intervals are pooled.
    let mut out: Vec<CustomerStage<C>> = Vec::with_capacity(log.customer_count());
    let mut own_cycles: Vec<OwnCycle> = Vec::with_capacity(log.customer_count());
    let mut pool = IntervalPool::default();
    let mut gaps: Vec<u32> = Vec::new();
    let mut cells = Vec::new();
    let mut fast_days = Vec::new();
    for purchases in log.customers() {
        let key = purchases.key();
        // Without a refund every day with an order is a purchase day (the
        // occasion rule), so the days come straight from the timestamps;
        // with one, the day cells net the refunds as the summaries do.
        let days: &mut dyn Iterator<Item = i64> = if purchases.amounts().any(is_negative) {
            fill_day_cells(&purchases, log.clock(), &mut cells);
            cells.truncate(cells.partition_point(|c| c.day <= today));
            &mut purchase_days(&cells)
        } else {
            fast_days.clear();
            fast_days.extend(
                purchases
                    .seconds()
                    .scan(None, |previous, s| {
                        let day = log.clock().next_day(s, *previous);
                        *previous = Some(day);
                        Some(day)
                    })
                    .take_while(|d| *d <= today),
            );
            fast_days.dedup();
            &mut fast_days.iter().copied()
        };
        let Some(first) = days.next() else { continue };
        let (mut last, mut previous, mut count) = (first, None, 1_u32);
        gaps.clear();
        for day in days {
            gaps.push(u32::try_from(day - last).unwrap_or(u32::MAX));
            previous = Some(last);
            last = day;
            count += 1;
        }
        own_cycles.push(pool.add(&mut gaps));
        let since = |day: i64| u32::try_from(today - day).unwrap_or(u32::MAX);
        out.push(CustomerStage {
            customer: key.clone(),
            stage: Stage::Active,
            rule: StageRule::WithinRhythm,
            timeline: Timeline {
                purchase_days: count,
                days_since_first: since(first),
                days_since_last: since(last),
                gap_before_last: previous.map(|p| u32::try_from(last - p).unwrap_or(u32::MAX)),
                typical_interval: None,
            },
        });
    }
    let cycles = pool.finish();
    debug_assert_eq!(out.len(), own_cycles.len(), "a customer without their cycle");
    for (s, own) in out.iter_mut().zip(&own_cycles) {
        s.timeline.typical_interval = cycles.typical(own, config.shrinkage).typical;
        (s.stage, s.rule) = config.classify(&s.timeline, p_alive(&s.customer));
    }
    let first_purchase_wait = cycles.typical(&OwnCycle::default(), config.shrinkage).typical;
    // Prospects: profiles known by then with no purchase up to as_of.
    let mut known: Vec<&Customer<C>> = profiles
        .iter()
        .filter(|p| p.signed_up.is_none_or(|d| d <= as_of))
        .collect();
    known.sort_by(|a, b| a.key.cmp(&b.key));
    known.dedup_by(|a, b| a.key == b.key);
    let buyers = out.len();
    for profile in known {
        let bought = out
            .get(..buyers)
            .is_some_and(|b| b.binary_search_by(|s| s.customer.cmp(&profile.key)).is_ok());
        if !bought {
            let timeline = Timeline {
                purchase_days: 0,
                days_since_first: 0,
                days_since_last: 0,
                gap_before_last: None,
                typical_interval: first_purchase_wait,
            };
            let (stage, rule) = config.classify(&timeline, None);
            out.push(CustomerStage {
                customer: profile.key.clone(),
                stage,
                rule,
                timeline,
            });
        }
    }
    if out.len() > buyers {
        out.sort_by(|a, b| a.customer.cmp(&b.customer));
    }
    Ok(out)
}

/// How many customers moved from each stage on one date to each stage on a
/// later one. Row and column `i < 7` are [`Stage::ALL`]`[i]`; index 7 is
/// "not yet known" (no purchase and no profile by the date).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::datasets::cdnow_sample;
/// use repurchase::lifecycle::{self, LifecycleOptions, Stage};
///
/// let (from, to) = (NaiveDate::from_ymd_opt(1997, 6, 30).ok_or("bad date")?, NaiveDate::from_ymd_opt(1997, 12, 31).ok_or("bad date")?);
/// let moves = lifecycle::transitions(&cdnow_sample()?, from, to, &LifecycleOptions::default(), &[])?;
/// println!("{} active customers went dormant", moves.count(Some(Stage::Active), Some(Stage::Dormant)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Transitions {
    /// `counts[from][to]`.
    pub counts: [[u64; 8]; 8],
}

impl Transitions {
    /// Customers who were in `from` and are in `to` (`None`: not yet known).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::lifecycle::{Stage, Transitions};
    ///
    /// let mut t = Transitions { counts: [[0; 8]; 8] };
    /// t.counts[Stage::Active.index()][Stage::Dormant.index()] = 3;
    /// assert_eq!(t.count(Some(Stage::Active), Some(Stage::Dormant)), 3);
    /// ```
    pub fn count(&self, from: Option<Stage>, to: Option<Stage>) -> u64 {
        let at = |s: Option<Stage>| s.map_or(7, Stage::index);
        self.counts
            .get(at(from))
            .and_then(|row| row.get(at(to)))
            .copied()
            .unwrap_or(0)
    }
}

/// The transition matrix between the stages on `from` and on `to`.
///
/// # Errors
///
/// The errors of [`LifecycleOptions::validate`], and [`Error::EmptyRange`]
/// unless `from` is before `to`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::datasets::cdnow_sample;
/// use repurchase::lifecycle::{self, LifecycleOptions};
///
/// let log = cdnow_sample()?;
/// let (from, to) = (NaiveDate::from_ymd_opt(1997, 6, 30).ok_or("bad date")?, NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?);
/// let moves = lifecycle::transitions(&log, from, to, &LifecycleOptions::default(), &[])?;
/// let total: u64 = moves.counts.iter().flatten().sum();
/// assert_eq!(total, log.customer_count() as u64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn transitions<C: Clone + Ord>(
    log: &PurchaseLog<C>,
    from: NaiveDate,
    to: NaiveDate,
    config: &LifecycleOptions,
    profiles: &[Customer<C>],
) -> Result<Transitions> {
    check_before(from, to)?;
    let before = stages(log, from, config, profiles, |_| None)?;
    let after = stages(log, to, config, profiles, |_| None)?;
    // Both are in key order and `after` holds everyone in `before`.
    let mut counts = [[0_u64; 8]; 8];
    let mut earlier = before.iter().peekable();
    for now in &after {
        let was = match earlier.peek() {
            Some(b) if b.customer == now.customer => earlier.next().map(|b| b.stage.index()),
            _ => None,
        };
        if let Some(cell) = crate::invariant::item_mut(&mut counts, was.unwrap_or(7))
            .and_then(|row| crate::invariant::item_mut(row, now.stage.index()))
        {
            *cell += 1;
        }
    }
    Ok(Transitions { counts })
}

/// Customers in each stage (in [`Stage::ALL`] order) on each date.
///
/// # Errors
///
/// The errors of [`LifecycleOptions::validate`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::datasets::cdnow_sample;
/// use repurchase::lifecycle::{self, LifecycleOptions};
///
/// let dates: Vec<NaiveDate> = (1..=6).filter_map(|m| NaiveDate::from_ymd_opt(1997, 2 * m, 1)).collect();
/// for (date, counts) in lifecycle::stage_counts(&cdnow_sample()?, &dates, &LifecycleOptions::default(), &[])? {
///     println!("{date}: {counts:?}");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stage_counts<C: Clone + Ord>(
    log: &PurchaseLog<C>,
    dates: &[NaiveDate],
    config: &LifecycleOptions,
    profiles: &[Customer<C>],
) -> Result<Vec<(NaiveDate, [u64; 7])>> {
    dates
        .iter()
        .map(|&date| {
            let mut counts = [0_u64; 7];
            for s in stages(log, date, config, profiles, |_| None)? {
                if let Some(c) = crate::invariant::item_mut(&mut counts, s.stage.index()) {
                    *c += 1;
                }
            }
            Ok((date, counts))
        })
        .collect()
}
