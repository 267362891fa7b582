//! Loyalty points: earned on purchases, redeemed by the caller, expiring
//! first-in first-out after a validity window; exact Decimal arithmetic.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::points::{balances, EarnRule, PointsOptions};
//! use rust_decimal::Decimal;
//!
//! // 10 points per 100 spent, rounded down, valid for a year.
//! let rule = EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED)?;
//! let as_of = NaiveDate::from_ymd_opt(1997, 12, 31).ok_or("bad date")?;
//! let points = balances(&cdnow_sample()?, &rule, &[], &PointsOptions::new(as_of, 365, 30))?;
//! println!("customer {} holds {} points", points[0].customer, points[0].balance);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::days::fill_day_cells;
use crate::{Error, PurchaseLog, Result};

/// How purchases earn points: `points` for every full (or rounded) `per`
/// of a purchase day's net spend.
///
/// # Example
///
/// ```
/// use repurchase::points::{EarnRule, Rounding};
/// use rust_decimal::Decimal;
///
/// let rule = EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED)?;
/// assert_eq!(rule.earned(Decimal::new(25_990, 2))?, Decimal::from(20)); // 259.90 → 2 × 10
/// let exact = rule.rounding(Rounding::Exact);
/// assert_eq!(exact.earned(Decimal::new(25_990, 2))?, Decimal::new(25_990, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EarnRule {
    points: Decimal,
    per: Decimal,
    rounding: Rounding,
}

crate::stored::deserialize_checked!(EarnRule { points: Decimal, per: Decimal, rounding: Rounding } => {
    EarnRule::new(points, per).map(|rule| rule.rounding(rounding))
});

/// How a spend becomes whole units of `per`.
///
/// # Example
///
/// ```
/// use repurchase::points::Rounding;
///
/// assert_eq!(Rounding::default(), Rounding::Down);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Rounding {
    /// Only full units earn (259.90 at 10 per 100 earns 20).
    #[default]
    Down,
    /// Units rounded half up (259.90 earns 30, 249.90 earns 20).
    Nearest,
    /// Fractions earn proportionally (259.90 earns 25.99).
    Exact,
}

crate::names::named!(Rounding, "Rounding", "down, nearest or exact", {
    Rounding::Down => "down",
    Rounding::Nearest => "nearest",
    Rounding::Exact => "exact",
});

impl EarnRule {
    /// `points` per `per` spent, rounded down.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless both are > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::points::EarnRule;
    /// use rust_decimal::Decimal;
    ///
    /// assert!(EarnRule::new(Decimal::ONE, Decimal::ZERO).is_err());
    /// ```
    pub fn new(points: Decimal, per: Decimal) -> Result<Self> {
        for (name, value) in [("points", points), ("per", per)] {
            if value <= Decimal::ZERO {
                return Err(Error::InvalidParameter {
                    name,
                    value: value.to_string(),
                    expected: "an amount > 0",
                });
            }
        }
        Ok(Self {
            points,
            per,
            rounding: Rounding::Down,
        })
    }

    /// Sets the rounding.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::points::{EarnRule, Rounding};
    /// use rust_decimal::Decimal;
    ///
    /// let rule = EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED)?.rounding(Rounding::Nearest);
    /// assert_eq!(rule.earned(Decimal::from(150))?, Decimal::from(20));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn rounding(mut self, rounding: Rounding) -> Self {
        self.rounding = rounding;
        self
    }

    /// The points a net spend earns (none for a spend ≤ 0).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the points leave `Decimal`'s range (a rule
    /// of very many points per very small unit).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::points::EarnRule;
    /// use rust_decimal::Decimal;
    ///
    /// let rule = EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED)?;
    /// assert_eq!(rule.earned(Decimal::from(99))?, Decimal::ZERO);
    /// let absurd = EarnRule::new(Decimal::MAX, Decimal::new(1, 28))?;
    /// assert!(absurd.earned(Decimal::ONE).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn earned(&self, spend: Decimal) -> Result<Decimal> {
        if spend <= Decimal::ZERO {
            return Ok(Decimal::ZERO);
        }
        let units = spend.checked_div(self.per).ok_or_else(points_overflow)?;
        let units = match self.rounding {
            Rounding::Down => units.trunc(),
            Rounding::Nearest => units.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
            Rounding::Exact => units,
        };
        units.checked_mul(self.points).ok_or_else(points_overflow)
    }
}

/// Points beyond `Decimal`'s range.
fn points_overflow() -> Error {
    Error::Overflow {
        quantity: "points",
        hint: "use an earning rule of fewer points per unit spent",
    }
}

/// `a + b`, or [`Error::Overflow`] for points.
pub(crate) fn add_points(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(points_overflow)
}

/// The sum of the points in `lots`, or [`Error::Overflow`].
fn total_points<'a>(points: impl IntoIterator<Item = &'a Decimal>) -> Result<Decimal> {
    points
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, p| add_points(sum, *p))
}

/// A redemption the caller records: `points` used by `customer` on `on`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::points::Redemption;
/// use rust_decimal::Decimal;
///
/// let r = Redemption { customer: 7_u64, on: NaiveDate::from_ymd_opt(2024, 1, 10).ok_or("bad date")?, points: Decimal::ONE_HUNDRED };
/// assert_eq!(r.points, Decimal::ONE_HUNDRED);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Redemption<C> {
    /// Who redeemed.
    pub customer: C,
    /// The day of the redemption.
    pub on: NaiveDate,
    /// Points used, > 0.
    pub points: Decimal,
}

/// When balances are taken and how long points live.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::points::PointsOptions;
///
/// let options = PointsOptions::new(NaiveDate::from_ymd_opt(2024, 12, 31).ok_or("bad date")?, 365, 30);
/// assert_eq!(options.validity_days(), 365);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PointsOptions {
    as_of: NaiveDate,
    validity_days: u32,
    expiring_within_days: u32,
}

impl PointsOptions {
    /// Balances as of the end of `as_of` (purchases after it earn
    /// nothing); points earned on day d usable up to day d + validity − 1,
    /// expiring at the start of day d + validity; and the points that will
    /// expire within `expiring_within_days` after `as_of` reported.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::points::PointsOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 6, 30).ok_or("bad date")?;
    /// assert_eq!(PointsOptions::new(day, 730, 60).expiring_within_days(), 60);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(as_of: NaiveDate, validity_days: u32, expiring_within_days: u32) -> Self {
        Self {
            as_of,
            validity_days,
            expiring_within_days,
        }
    }

    /// The day balances are taken, at its end.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::points::PointsOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 6, 30).ok_or("bad date")?;
    /// assert_eq!(PointsOptions::new(day, 730, 60).as_of(), day);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// How many days points live.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::points::PointsOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 6, 30).ok_or("bad date")?;
    /// assert_eq!(PointsOptions::new(day, 730, 60).validity_days(), 730);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validity_days(&self) -> u32 {
        self.validity_days
    }

    /// The window after [`as_of`](Self::as_of) whose expiring points are
    /// reported.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::points::PointsOptions;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 6, 30).ok_or("bad date")?;
    /// assert_eq!(PointsOptions::new(day, 730, 60).expiring_within_days(), 60);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expiring_within_days(&self) -> u32 {
        self.expiring_within_days
    }
}

/// One customer's points as of the options' day.
///
/// Always `balance == earned − redeemed − expired ≥ 0`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::points::{balances, EarnRule, PointsOptions};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new("ann", day(2023, 3, 1)?, Decimal::from(250))])?;
/// let rule = EarnRule::new(Decimal::ONE, Decimal::TEN)?; // a point for every 10 spent
/// // A year's validity: the 25 points are gone by 2024-06-30.
/// let points = &balances(&log, &rule, &[], &PointsOptions::new(day(2024, 6, 30)?, 365, 30))?[0];
/// assert_eq!((points.customer, points.expired, points.balance), ("ann", Decimal::from(25), Decimal::ZERO));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CustomerPoints<C> {
    /// The customer's key.
    pub customer: C,
    /// Points earned.
    pub earned: Decimal,
    /// Points redeemed.
    pub redeemed: Decimal,
    /// Points expired unused.
    pub expired: Decimal,
    /// Points available.
    pub balance: Decimal,
    /// Of the balance, points that expire within the options' window.
    pub expiring_soon: Decimal,
}

/// Every customer's points (each customer of the log, in key order): each
/// purchase day up to `as_of` earns by the rule on its net spend (so a
/// same-day refund reduces it; later refunds do not claw points back),
/// redemptions use the oldest points first, and each day's points expire
/// `validity_days` after they were earned.
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the redemption's index when it uses more
/// points than the customer has on that day (an overdraft, or a
/// redemption before any points exist), its points are ≤ 0, or its
/// customer is not in the log.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::points::{balances, EarnRule, PointsOptions, Redemption};
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).ok_or("bad date");
/// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day(3, 1)?, Decimal::from(250))])?;
/// let rule = EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED)?; // 20 points
/// let used = [Redemption { customer: 1_u8, on: day(4, 1)?, points: Decimal::from(5) }];
/// let p = &balances(&log, &rule, &used, &PointsOptions::new(day(6, 30)?, 365, 30))?[0];
/// assert_eq!((p.earned, p.redeemed, p.balance), (Decimal::from(20), Decimal::from(5), Decimal::from(15)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn balances<C: Clone + Ord>(
    log: &PurchaseLog<C>,
    rule: &EarnRule,
    redemptions: &[Redemption<C>],
    options: &PointsOptions,
) -> Result<Vec<CustomerPoints<C>>> {
    let bad = |row: usize, value: String, expected: &'static str| Error::InvalidInput {
        input: "redemption",
        row,
        field: "points",
        value,
        expected,
    };
    // Redemptions by customer, then day, then input order.
    let mut order: Vec<usize> = (0..redemptions.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (redemptions.get(a), redemptions.get(b));
        x.map(|r| (&r.customer, r.on))
            .cmp(&y.map(|r| (&r.customer, r.on)))
            .then(a.cmp(&b))
    });
    for &i in &order {
        if let Some(r) = redemptions.get(i) {
            if r.points <= Decimal::ZERO {
                return Err(bad(i, r.points.to_string(), "points > 0"));
            }
            if log.purchases_of(&r.customer).is_none() {
                return Err(bad(
                    i,
                    r.points.to_string(),
                    "a customer with purchases in the log",
                ));
            }
        }
    }
    let as_of = crate::period::day_number(options.as_of);
    let validity = i64::from(options.validity_days);
    let soon = as_of + i64::from(options.expiring_within_days);
    let mut cells = Vec::new();
    let mut next = 0;
    let mut out = Vec::with_capacity(log.customer_count());
    for purchases in log.customers() {
        let key = purchases.key();
        fill_day_cells(&purchases, log.clock(), &mut cells);
        // Lots of (day earned, points left), oldest first.
        let mut lots: VecDeque<(i64, Decimal)> = VecDeque::new();
        let (mut earned, mut redeemed, mut expired) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let expire_until =
            |lots: &mut VecDeque<(i64, Decimal)>, day: i64, expired: &mut Decimal| -> Result<()> {
                while let Some(&(earned_on, left)) = lots.front() {
                    if earned_on + validity > day {
                        break;
                    }
                    *expired = add_points(*expired, left)?;
                    lots.pop_front();
                }
                Ok(())
            };
        // This customer's redemptions are the next run in `order`.
        let start = next;
        while order
            .get(next)
            .and_then(|&i| redemptions.get(i))
            .is_some_and(|r| &r.customer == key)
        {
            next += 1;
        }
        let mut uses = order.get(start..next).unwrap_or(&[]).iter().peekable();
        let cells_up_to = cells.partition_point(|c| c.day <= as_of);
        let mut days = cells
            .get(..cells_up_to)
            .unwrap_or(&[])
            .iter()
            .filter(|c| c.is_occasion())
            .peekable();
        loop {
            // Earn before redeeming on the same day: a purchase can pay for
            // a voucher used later that day.
            let next_use = uses
                .peek()
                .and_then(|&&i| redemptions.get(i))
                .map(|r| day_of(r.on));
            let next_earn = days.peek().map(|c| c.day);
            let earn_first = match (next_earn, next_use) {
                (Some(e), Some(u)) => e <= u,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            match (next_earn, next_use) {
                (Some(e), _) if earn_first => {
                    expire_until(&mut lots, e, &mut expired)?;
                    if let Some(cell) = days.next() {
                        let points = rule.earned(cell.net.value())?;
                        if points > Decimal::ZERO {
                            earned = add_points(earned, points)?;
                            lots.push_back((e, points));
                        }
                    }
                }
                (_, Some(u)) => {
                    let Some(&i) = uses.next() else { break };
                    let Some(r) = redemptions.get(i) else { break };
                    if u > as_of {
                        continue;
                    }
                    expire_until(&mut lots, u, &mut expired)?;
                    let available = total_points(lots.iter().map(|(_, p)| p))?;
                    if r.points > available {
                        return Err(bad(
                            i,
                            r.points.to_string(),
                            "at most the points the customer holds that day",
                        ));
                    }
                    let mut due = r.points;
                    while due > Decimal::ZERO {
                        let Some(front) = lots.front_mut() else { break };
                        let used = due.min(front.1);
                        front.1 -= used;
                        due -= used;
                        if front.1.is_zero() {
                            lots.pop_front();
                        }
                    }
                    // At most the points held, which fit.
                    redeemed = add_points(redeemed, r.points)?;
                }
                _ => break,
            }
        }
        // Expire what expired by the start of as_of, then measure what will
        // within the window after it.
        expire_until(&mut lots, as_of, &mut expired)?;
        let balance = total_points(lots.iter().map(|(_, p)| p))?;
        let expiring_soon = total_points(
            lots.iter()
                .filter(|(day, _)| day + validity <= soon)
                .map(|(_, p)| p),
        )?;
        out.push(CustomerPoints {
            customer: key.clone(),
            earned,
            redeemed,
            expired,
            balance,
            expiring_soon,
        });
    }
    Ok(out)
}

/// The day number of a date.
fn day_of(date: NaiveDate) -> i64 {
    crate::period::day_number(date)
}

/// The last day points earned on `earned_on` can be used; `None` for a
/// validity of 0 days (they are never usable).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::points::last_usable_day;
///
/// let earned = NaiveDate::from_ymd_opt(2023, 12, 20).ok_or("bad date")?;
/// assert_eq!(last_usable_day(earned, 365), NaiveDate::from_ymd_opt(2024, 12, 18));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn last_usable_day(earned_on: NaiveDate, validity_days: u32) -> Option<NaiveDate> {
    let last = validity_days.checked_sub(1)?;
    earned_on.checked_add_days(Days::new(u64::from(last)))
}
