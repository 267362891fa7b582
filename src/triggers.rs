//! Campaign triggers: which messages a CRM should send today, to whom and
//! why, from the purchase log, customer profiles and the caller's rules,
//! with cool-downs and opt-outs respected. Storage of what was sent is the
//! caller's: pass it back as history.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::triggers::{fire, TriggerKind, TriggerRule};
//!
//! let rules = [
//!     TriggerRule::new("care", TriggerKind::AfterFirstPurchase { days: 7 }, 0),
//!     TriggerRule::new("wake-up", TriggerKind::Silent { days: 30 }, 60),
//! ];
//! let today = NaiveDate::from_ymd_opt(1997, 3, 1).ok_or("bad date")?;
//! let sends = fire(&cdnow_sample()?, &[], &rules, today, &[])?;
//! println!("{} messages to send on {today}", sends.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{Datelike, NaiveDate};

use std::fmt;

use crate::lifecycle::{self, CustomerStage, LifecycleOptions, Stage, StageRule};
use rust_decimal::Decimal;

use crate::metrics::product_repurchase;
use crate::period::day_number;
use crate::{Customer, Error, PurchaseLog, Result, SummaryOptions};

/// What makes a rule fire for a customer on a day.
///
/// # Example
///
/// ```
/// use repurchase::triggers::TriggerKind;
///
/// let kind = TriggerKind::Silent { days: 30 };
/// assert_ne!(kind, TriggerKind::Birthday);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum TriggerKind {
    /// Exactly `days` after the first purchase day (a care message).
    AfterFirstPurchase {
        /// Days after the first purchase.
        days: u32,
    },
    /// At least `days` without a purchase (a wake-up offer); repeats after
    /// each cool-down while the silence lasts.
    Silent {
        /// Days since the last purchase.
        days: u32,
    },
    /// The customer's next purchase is due within `days_before` days, by
    /// their own purchase cycle (the lifecycle's typical interval: their
    /// mean gap shrunk toward the population's), or overdue by less than
    /// one cycle (beyond that they are lapsed: a wake-up's job); repeat
    /// buyers only.
    ReplenishmentDue {
        /// How early to remind.
        days_before: u32,
    },
    /// A product the customer bought is due again within `days_before`
    /// days, by the product's replenishment cycle (its median re-buy
    /// interval across customers, [`product_repurchase`]),
    /// or overdue by less than one cycle; the most urgent product is
    /// named. Logs without product keys never fire it.
    ProductDue {
        /// How early to remind.
        days_before: u32,
    },
    /// The profile's birthday (29 February is greeted on 28 February in
    /// other years).
    Birthday,
    /// The day before one of the caller's holidays, for every profile.
    BeforeHoliday {
        /// The holidays.
        holidays: Vec<NaiveDate>,
    },
    /// The customer's lifecycle stage is `stage` today and was not
    /// yesterday.
    EnteredStage {
        /// The stage entered.
        stage: Stage,
        /// The lifecycle rules.
        config: LifecycleOptions,
    },
}

/// A trigger rule: a name, what fires it, and its cool-down.
///
/// The name is the rule's identity: what [`Fired`] and [`Sent`] record, so
/// rules can be reordered, added and retired without breaking cool-downs.
/// Names must be distinct among the rules passed to [`fire`].
///
/// # Example
///
/// ```
/// use repurchase::triggers::{TriggerKind, TriggerRule};
///
/// let rule = TriggerRule::new("birthday", TriggerKind::Birthday, 300);
/// assert_eq!(rule.cooldown_days, 300);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TriggerRule {
    /// The rule's name: its identity in the history.
    pub name: String,
    /// What fires it.
    pub kind: TriggerKind,
    /// After firing for a customer the rule stays silent for them for this
    /// many days: it cannot fire again on days `sent + 1 ..= sent + cooldown`.
    pub cooldown_days: u32,
}

impl TriggerRule {
    /// A rule.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::triggers::{TriggerKind, TriggerRule};
    ///
    /// let rule = TriggerRule::new("wake-up", TriggerKind::Silent { days: 30 }, 30);
    /// assert_eq!(rule.name, "wake-up");
    /// ```
    pub fn new(name: impl Into<String>, kind: TriggerKind, cooldown_days: u32) -> Self {
        Self {
            name: name.into(),
            kind,
            cooldown_days,
        }
    }
}

/// A message sent earlier, as the caller stored it: rule name, customer,
/// day.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::triggers::Sent;
///
/// let sent = Sent { customer: 7_u64, rule: "wake-up".into(), on: NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")? };
/// assert_eq!(sent.rule, "wake-up");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sent<C> {
    /// Who received it.
    pub customer: C,
    /// The rule's name ([`TriggerRule::name`]).
    pub rule: String,
    /// When.
    pub on: NaiveDate,
}

/// A trigger that fires today.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::triggers::{fire, Reason, TriggerKind, TriggerRule};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new("ann", day(1)?, Decimal::TEN)])?;
/// let rules = [TriggerRule::new("wake-up", TriggerKind::Silent { days: 10 }, 7)];
/// let fired = &fire(&log, &[], &rules, day(11)?, &[])?[0];
/// assert_eq!((fired.customer, fired.rule.as_str()), ("ann", "wake-up"));
/// assert_eq!(fired.reason, Reason::Silent { days: 10 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Fired<C> {
    /// Who to message.
    pub customer: C,
    /// The rule's name ([`TriggerRule::name`]): record it in the history.
    pub rule: String,
    /// Why (displays in words).
    pub reason: Reason,
}

/// Why a trigger fired.
///
/// # Example
///
/// ```
/// use repurchase::triggers::Reason;
///
/// assert_eq!(Reason::Silent { days: 42 }.to_string(), "no purchase for 42 days");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Reason {
    /// The first purchase was this many days ago.
    FirstPurchase {
        /// Days since the first purchase.
        days: u32,
    },
    /// No purchase for this many days.
    Silent {
        /// Days since the last purchase.
        days: u32,
    },
    /// The next purchase is due in this many days (negative: overdue) on a
    /// cycle of this many days.
    Due {
        /// Days until due, rounded.
        in_days: i64,
        /// The cycle, rounded.
        cycle_days: i64,
    },
    /// This product is due in this many days (negative: overdue) on its
    /// cycle of this many days.
    ProductDue {
        /// The product key.
        product: String,
        /// Days until due, rounded.
        in_days: i64,
        /// The product's cycle, rounded.
        cycle_days: i64,
    },
    /// Today is the customer's birthday.
    Birthday,
    /// Tomorrow is this holiday.
    BeforeHoliday(NaiveDate),
    /// The customer entered this stage by this rule.
    Entered(Stage, StageRule),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::FirstPurchase { days } => write!(f, "first purchase {days} days ago"),
            Reason::Silent { days } => write!(f, "no purchase for {days} days"),
            Reason::Due { in_days, cycle_days } => {
                write!(f, "next purchase due in {in_days} days (cycle {cycle_days} days)")
            }
            Reason::ProductDue {
                product,
                in_days,
                cycle_days,
            } => write!(f, "{product} due in {in_days} days (cycle {cycle_days} days)"),
            Reason::Birthday => f.write_str("birthday"),
            Reason::BeforeHoliday(day) => write!(f, "the day before {day}"),
            Reason::Entered(stage, rule) => write!(f, "entered {stage} ({rule:?})"),
        }
    }
}

/// The triggers that fire on `today`, by customer key then rule order.
///
/// Purchase-based rules look at every customer with a purchase up to
/// today; profile-based ones (birthday, holiday) at every profile.
/// Customers whose profile opts out of marketing never appear; customers
/// without a profile are treated as opted in. A rule does not fire for a
/// customer it fired for within its cool-down (from `history`, whose
/// entries name their rule; sends of a rule no longer passed are
/// ignored, so a retired rule needs no cleaning of the history).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when two rules share a name; the
/// lifecycle's errors for an invalid stage rule.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::triggers::{fire, Sent, TriggerKind, TriggerRule};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day(1)?, Decimal::TEN)])?;
/// let rules = [TriggerRule::new("wake-up", TriggerKind::Silent { days: 10 }, 7)];
/// assert_eq!(fire(&log, &[], &rules, day(11)?, &[])?.len(), 1);
/// // Sent on the 11th: silent on the 12th by the cool-down.
/// let history = [Sent { customer: 1_u8, rule: "wake-up".into(), on: day(11)? }];
/// assert!(fire(&log, &[], &rules, day(12)?, &history)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fire<C: Clone + Ord>(
    log: &PurchaseLog<C>,
    profiles: &[Customer<C>],
    rules: &[TriggerRule],
    today: NaiveDate,
    history: &[Sent<C>],
) -> Result<Vec<Fired<C>>> {
    let mut names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find_map(|w| match w {
        [a, b] if a == b => Some(*a),
        _ => None,
    }) {
        return Err(Error::InvalidParameter {
            name: "rules",
            value: format!("two rules named {twice:?}"),
            expected: "distinct rule names: the history records a send by its rule's name",
        });
    }
    // Sends sorted by (customer, rule, day), each rule by its position: a
    // rule is cooling for a customer when one of their sends of it falls
    // in [today − cooldown, today].
    let position = |name: &str| rules.iter().position(|r| r.name == name);
    let mut sends: Vec<(&C, usize, NaiveDate)> = history
        .iter()
        .filter_map(|s| Some((&s.customer, position(&s.rule)?, s.on)))
        .collect();
    sends.sort();
    let cooling = |customer: &C, rule: usize, cooldown: u32| {
        let from = today
            .checked_sub_days(chrono::Days::new(u64::from(cooldown)))
            .unwrap_or(NaiveDate::MIN);
        let first = sends.partition_point(|(c, r, on)| (*c, *r, *on) < (customer, rule, from));
        sends
            .get(first)
            .is_some_and(|(c, r, on)| *c == customer && *r == rule && *on <= today)
    };
    let mut opted_out: Vec<&C> = profiles
        .iter()
        .filter(|p| p.marketing_opt_out)
        .map(|p| &p.key)
        .collect();
    opted_out.sort();
    let silenced = |c: &C| opted_out.binary_search(&c).is_ok();

    // Fired by rule position, named at the end.
    let mut fired: Vec<(usize, C, Reason)> = Vec::new();
    let needs_stages = rules.iter().any(|r| {
        matches!(
            r.kind,
            TriggerKind::AfterFirstPurchase { .. }
                | TriggerKind::Silent { .. }
                | TriggerKind::ReplenishmentDue { .. }
        )
    });
    let timelines = if needs_stages {
        lifecycle::stages(log, today, &LifecycleOptions::default(), &[], |_| None)?
    } else {
        Vec::new()
    };
    for (index, rule) in rules.iter().enumerate() {
        let mut push = |customer: &C, reason: Reason| {
            if !silenced(customer) && !cooling(customer, index, rule.cooldown_days) {
                fired.push((index, customer.clone(), reason));
            }
        };
        match &rule.kind {
            TriggerKind::AfterFirstPurchase { days } => {
                for s in timelines.iter().filter(|s| s.timeline.days_since_first == *days) {
                    push(&s.customer, Reason::FirstPurchase { days: *days });
                }
            }
            TriggerKind::Silent { days } => {
                for s in timelines.iter().filter(|s| s.timeline.days_since_last >= *days) {
                    push(
                        &s.customer,
                        Reason::Silent {
                            days: s.timeline.days_since_last,
                        },
                    );
                }
            }
            TriggerKind::ReplenishmentDue { days_before } => {
                for s in &timelines {
                    let t = &s.timeline;
                    let Some(cycle) = t.typical_interval.filter(|_| t.purchase_days > 1) else {
                        continue;
                    };
                    // Cycles are at most the log's span in days: the casts are exact.
                    let cycle_days = cycle.round() as i64;
                    let in_days = cycle_days - i64::from(t.days_since_last);
                    if in_days <= i64::from(*days_before) && in_days > -cycle_days {
                        push(&s.customer, Reason::Due { in_days, cycle_days });
                    }
                }
            }
            TriggerKind::ProductDue { days_before } => {
                for (customer, reason) in products_due(log, today, *days_before) {
                    push(customer, reason);
                }
            }
            TriggerKind::Birthday => {
                for p in profiles {
                    if p.birthday.is_some_and(|b| is_birthday(b, today)) {
                        push(&p.key, Reason::Birthday);
                    }
                }
            }
            TriggerKind::BeforeHoliday { holidays } => {
                if let Some(holiday) = holidays.iter().find(|h| h.pred_opt() == Some(today)) {
                    for p in profiles {
                        push(&p.key, Reason::BeforeHoliday(*holiday));
                    }
                }
            }
            TriggerKind::EnteredStage { stage, config } => {
                let yesterday = today.pred_opt().map_or(Ok(Vec::new()), |d| {
                    lifecycle::stages(log, d, config, &[], |_| None)
                })?;
                let now = lifecycle::stages(log, today, config, &[], |_| None)?;
                for s in now.iter().filter(|s| s.stage == *stage) {
                    if stage_of(&yesterday, &s.customer) != Some(*stage) {
                        push(&s.customer, Reason::Entered(*stage, s.rule));
                    }
                }
            }
        }
    }
    fired.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(fired
        .into_iter()
        .map(|(index, customer, reason)| {
            let rule = rules.get(index).map(|r| r.name.clone());
            debug_assert!(rule.is_some(), "rule {index} fired beyond the rules");
            Fired {
                customer,
                rule: rule.unwrap_or_default(),
                reason,
            }
        })
        .collect())
}

/// Each customer's most urgent product due within `days_before` days (or
/// overdue by less than its cycle), by the products' median re-buy
/// intervals up to today.
fn products_due<C>(log: &PurchaseLog<C>, today: NaiveDate, days_before: u32) -> Vec<(&C, Reason)> {
    let names = log.products();
    let stats = product_repurchase(log, &SummaryOptions::new(today));
    // Each product code's cycle in whole days.
    let cycles: Vec<Option<i64>> = names
        .iter()
        .map(|name| {
            let i = stats.binary_search_by(|p| p.product.as_str().cmp(name)).ok()?;
            // Medians of day counts: small, so the cast is exact.
            stats.get(i)?.median_rebuy_days.map(|d| d.round() as i64)
        })
        .collect();
    let end = day_number(today);
    let mut last: Vec<(u32, i64)> = Vec::new();
    let mut out = Vec::new();
    for purchases in log.customers() {
        last.clear();
        last.extend(purchases.product_lines().filter_map(|(code, seconds, amount)| {
            let day = log.clock().day(seconds);
            (amount >= Decimal::ZERO && day <= end).then_some((code?, day))
        }));
        // The last day of each product.
        last.sort_by_key(|&(code, day)| (code, std::cmp::Reverse(day)));
        last.dedup_by_key(|(code, _)| *code);
        let urgent = last
            .iter()
            .filter_map(|&(code, day)| {
                let cycle = cycles.get(code as usize).copied().flatten()?;
                let in_days = cycle - (end - day);
                (in_days <= i64::from(days_before) && in_days > -cycle).then_some((in_days, code, cycle))
            })
            .min();
        if let Some((in_days, code, cycle_days)) = urgent {
            let product = crate::invariant::item(names, code as usize)
                .cloned()
                .unwrap_or_default();
            out.push((
                purchases.key(),
                Reason::ProductDue {
                    product,
                    in_days,
                    cycle_days,
                },
            ));
        }
    }
    out
}

/// A customer's stage in key-ordered stages.
fn stage_of<C: Ord>(stages: &[CustomerStage<C>], customer: &C) -> Option<Stage> {
    stages
        .binary_search_by(|s| s.customer.cmp(customer))
        .ok()
        .and_then(|i| stages.get(i))
        .map(|s| s.stage)
}

/// Whether `today` is the anniversary of `birthday`; 29 February falls on
/// 28 February in years without one.
fn is_birthday(birthday: NaiveDate, today: NaiveDate) -> bool {
    let (month, day) = (birthday.month(), birthday.day());
    if (month, day) == (today.month(), today.day()) {
        return true;
    }
    let leap = NaiveDate::from_ymd_opt(today.year(), 2, 29).is_some();
    (month, day) == (2, 29) && !leap && (today.month(), today.day()) == (2, 28)
}
