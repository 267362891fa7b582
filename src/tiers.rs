//! Membership tiers by trailing-window spend, orders or points, and the
//! upgrade / keep / downgrade decision between two dates.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::tiers::{self, TierMeasure, TierTable};
//! use rust_decimal::Decimal;
//!
//! let table = TierTable::new(TierMeasure::Spend, 365, vec![
//!     ("Bronze".into(), Decimal::ZERO),
//!     ("Silver".into(), Decimal::from(100)),
//!     ("Gold".into(), Decimal::from(300)),
//! ])?;
//! let as_of = NaiveDate::from_ymd_opt(1997, 12, 31).ok_or("bad date")?;
//! let members = tiers::evaluate(&cdnow_sample()?, &table, as_of)?;
//! let gold = members.iter().filter(|m| m.tier.map(|t| table.name(t)) == Some("Gold")).count();
//! println!("{gold} Gold members");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::days::fill_day_cells;
use crate::period::{check_before, day_number};
use crate::points::{EarnRule, add_points};
use crate::{Error, PurchaseLog, Result};

/// What a tier table measures over its trailing window.
///
/// # Example
///
/// ```
/// use repurchase::tiers::TierMeasure;
///
/// assert_ne!(TierMeasure::Spend, TierMeasure::Orders);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum TierMeasure {
    /// Net spend.
    Spend,
    /// Purchase days (the summaries' occasions).
    Orders,
    /// Points earned by a rule (not the balance: redemptions do not lower a
    /// tier).
    Points(EarnRule),
}

/// Tiers as data: names with their thresholds, ascending, over a trailing
/// window of days.
///
/// # Example
///
/// ```
/// use repurchase::tiers::{TierMeasure, TierTable};
/// use rust_decimal::Decimal;
///
/// let bad = TierTable::new(TierMeasure::Orders, 365, vec![("A".into(), Decimal::TEN), ("B".into(), Decimal::ONE)]);
/// assert!(bad.is_err()); // thresholds must increase
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TierTable {
    measure: TierMeasure,
    window_days: u32,
    tiers: Vec<(String, Decimal)>,
}

crate::stored::deserialize_checked!(TierTable { measure: TierMeasure, window_days: u32, tiers: Vec<(String, Decimal)> } => TierTable::new(measure, window_days, tiers));

impl TierTable {
    /// A table: a customer is in the highest tier whose threshold their
    /// measure over the last `window_days` days (the evaluation day
    /// included) reaches; below the first threshold, in none.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no tiers, a zero window, or
    /// thresholds that are negative or not strictly increasing.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::tiers::{TierMeasure, TierTable};
    /// use rust_decimal::Decimal;
    ///
    /// let table = TierTable::new(TierMeasure::Orders, 365, vec![("Member".into(), Decimal::ONE), ("VIP".into(), Decimal::TEN)])?;
    /// assert_eq!(table.name(1), "VIP");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(measure: TierMeasure, window_days: u32, tiers: Vec<(String, Decimal)>) -> Result<Self> {
        let increasing = tiers.windows(2).all(|w| matches!(w, [a, b] if a.1 < b.1));
        if tiers.is_empty() || !increasing || tiers.iter().any(|(_, t)| *t < Decimal::ZERO) {
            return Err(Error::InvalidParameter {
                name: "tiers",
                value: format!("{tiers:?}"),
                expected: "at least one tier, thresholds ≥ 0 and strictly increasing",
            });
        }
        if window_days == 0 {
            return Err(Error::InvalidParameter {
                name: "window_days",
                value: "0".into(),
                expected: "a window of at least one day",
            });
        }
        Ok(Self {
            measure,
            window_days,
            tiers,
        })
    }

    /// A tier's name.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::tiers::{TierMeasure, TierTable};
    /// use rust_decimal::Decimal;
    ///
    /// let table = TierTable::new(TierMeasure::Spend, 90, vec![("Gold".into(), Decimal::ONE_HUNDRED)])?;
    /// assert_eq!(table.name(0), "Gold");
    /// assert_eq!(table.name(7), "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self, tier: usize) -> &str {
        self.tiers.get(tier).map_or("", |(name, _)| name.as_str())
    }

    /// The tier a measure earns: the highest whose threshold it reaches.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::tiers::{TierMeasure, TierTable};
    /// use rust_decimal::Decimal;
    ///
    /// let table = TierTable::new(TierMeasure::Spend, 90, vec![("Silver".into(), Decimal::TEN), ("Gold".into(), Decimal::ONE_HUNDRED)])?;
    /// assert_eq!(table.tier_of(Decimal::from(150)), Some(1));
    /// assert_eq!(table.tier_of(Decimal::from(5)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tier_of(&self, measure: Decimal) -> Option<usize> {
        self.tiers.partition_point(|(_, t)| *t <= measure).checked_sub(1)
    }
}

/// A customer's tier on a date.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::tiers::{self, TierMeasure, TierTable};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![
///     Purchase::new(7_u32, day(1, 5)?, Decimal::from(60)),
///     Purchase::new(7_u32, day(1, 12)?, Decimal::from(60)),
/// ])?;
/// let table = TierTable::new(TierMeasure::Spend, 30, vec![("Silver".into(), Decimal::from(100))])?;
/// let membership = &tiers::evaluate(&log, &table, day(1, 20)?)?[0];
/// assert_eq!((membership.customer, membership.measure), (7, Decimal::from(120)));
/// assert_eq!(membership.tier.map(|t| table.name(t)), Some("Silver"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Membership<C> {
    /// The customer's key.
    pub customer: C,
    /// The measure over the window.
    pub measure: Decimal,
    /// The tier's index in the table; `None` below the first threshold.
    pub tier: Option<usize>,
}

/// Every customer's tier on `as_of` (each customer of the log, in key
/// order), from their purchase days in `(as_of − window, as_of]` (days of
/// the log's [`Calendar`](crate::Calendar)).
///
/// # Errors
///
/// [`Error::Overflow`] when a points measure leaves `Decimal`'s range (see
/// [`EarnRule::earned`]).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::tiers::{self, TierMeasure, TierTable};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day(1, 5)?, Decimal::from(120))])?;
/// let table = TierTable::new(TierMeasure::Spend, 30, vec![("Silver".into(), Decimal::from(100))])?;
/// assert_eq!(tiers::evaluate(&log, &table, day(1, 20)?)?[0].tier, Some(0));
/// assert_eq!(tiers::evaluate(&log, &table, day(2, 20)?)?[0].tier, None); // out of the window
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate<C: Clone>(
    log: &PurchaseLog<C>,
    table: &TierTable,
    as_of: NaiveDate,
) -> Result<Vec<Membership<C>>> {
    let end = day_number(as_of);
    let start = end - i64::from(table.window_days);
    let mut cells = Vec::new();
    log.customers()
        .map(|purchases| {
            fill_day_cells(&purchases, log.clock(), &mut cells);
            let window = cells.iter().filter(|c| c.day > start && c.day <= end);
            let measure = match &table.measure {
                // Within `MAX_AMOUNT`'s bounds: a sum of purchases fits.
                TierMeasure::Spend => window.map(|c| c.net.value()).sum(),
                TierMeasure::Orders => Decimal::from(window.filter(|c| c.is_occasion()).count()),
                TierMeasure::Points(rule) => window
                    .filter(|c| c.is_occasion())
                    .try_fold(Decimal::ZERO, |sum, c| {
                        add_points(sum, rule.earned(c.net.value())?)
                    })?,
            };
            Ok(Membership {
                customer: purchases.key().clone(),
                measure,
                tier: table.tier_of(measure),
            })
        })
        .collect()
}

/// Whether a customer moved up, stayed or moved down.
///
/// # Example
///
/// ```
/// use repurchase::tiers::Decision;
///
/// assert_ne!(Decision::Upgrade, Decision::Downgrade);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Decision {
    /// A higher tier than before (or a tier after none).
    Upgrade,
    /// The same tier (or none both times).
    Keep,
    /// A lower tier than before (or none after a tier).
    Downgrade,
}

/// A customer's tier decision between two dates, with the reason: the
/// measure at each date against the thresholds.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::tiers::{self, Decision, TierMeasure, TierTable};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day(1, 10)?, Decimal::from(150))])?;
/// let table = TierTable::new(TierMeasure::Spend, 30, vec![("Silver".into(), Decimal::from(100))])?;
/// // Silver in January; the purchase has left the 30-day window by March.
/// let change = &tiers::changes(&log, &table, day(1, 31)?, day(3, 1)?)?[0];
/// assert_eq!((change.before.0, change.after.0), (Some(0), None));
/// assert_eq!(change.decision, Decision::Downgrade);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TierChange<C> {
    /// The customer's key.
    pub customer: C,
    /// Tier and measure on the first date.
    pub before: (Option<usize>, Decimal),
    /// Tier and measure on the second date.
    pub after: (Option<usize>, Decimal),
    /// Up, same or down.
    pub decision: Decision,
    /// Why, in words a CRM note can carry.
    pub reason: String,
}

/// The tier decision of every customer between `from` and `to`.
///
/// # Errors
///
/// [`Error::EmptyRange`] unless `from` is before `to`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::tiers::{self, Decision, TierMeasure, TierTable};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day(3, 1)?, Decimal::from(500))])?;
/// let table = TierTable::new(TierMeasure::Spend, 90, vec![("Silver".into(), Decimal::from(100)), ("Gold".into(), Decimal::from(400))])?;
/// let change = &tiers::changes(&log, &table, day(2, 1)?, day(3, 31)?)?[0];
/// assert_eq!(change.decision, Decision::Upgrade);
/// println!("{}", change.reason);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn changes<C: Clone>(
    log: &PurchaseLog<C>,
    table: &TierTable,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TierChange<C>>> {
    check_before(from, to)?;
    let before = evaluate(log, table, from)?;
    let after = evaluate(log, table, to)?;
    let name = |t: Option<usize>| t.map_or("no tier", |t| table.name(t));
    let threshold = |t: usize| table.tiers.get(t).map_or(Decimal::ZERO, |(_, v)| *v);
    Ok(before
        .into_iter()
        .zip(after)
        .map(|(b, a)| {
            // `None` (no tier) ranks below every tier.
            let rank = |t: Option<usize>| t.map_or(0, |t| t + 1);
            let decision = match rank(a.tier).cmp(&rank(b.tier)) {
                std::cmp::Ordering::Greater => Decision::Upgrade,
                std::cmp::Ordering::Equal => Decision::Keep,
                std::cmp::Ordering::Less => Decision::Downgrade,
            };
            let reason = match decision {
                Decision::Upgrade => format!(
                    "reached {}: {} ≥ {} (was {})",
                    name(a.tier),
                    a.measure,
                    a.tier.map_or(Decimal::ZERO, threshold),
                    name(b.tier)
                ),
                Decision::Keep => format!("stays {}: {} then, {} now", name(a.tier), b.measure, a.measure),
                Decision::Downgrade => format!(
                    "fell below {}: {} < {} (now {})",
                    name(b.tier),
                    a.measure,
                    b.tier.map_or(Decimal::ZERO, threshold),
                    name(a.tier)
                ),
            };
            TierChange {
                customer: a.customer,
                before: (b.tier, b.measure),
                after: (a.tier, a.measure),
                decision,
                reason,
            }
        })
        .collect())
}
