//! Incremental, mergeable summary state.

use std::hash::Hash;

use itertools::{EitherOrBoth, Itertools};

use crate::days::{DayCell, fill_day_cells};
use crate::hash::FastMap;
use crate::period::day_number;
use crate::summary::PeriodFold;
use crate::{Calendar, Error, LogOptions, Purchase, PurchaseLog, Result, Summaries, SummaryOptions};

/// Per-customer summary state that a service updates one order at a time,
/// and that merges across shards; it yields exactly the summaries of
/// [`PurchaseLog::summarize`] over the same orders.
///
/// The state is each customer's *day cells*: per local day, the net amount
/// and the counts of orders and refunds, with the first and last time. That
/// is what summaries at any granularity, unit and observation end are
/// folded from, so the state is kept once and queried as of any day. Its
/// size grows with purchase days, not with records.
///
/// Each [`push`](Self::push) is one order: sum an order's lines before
/// pushing, as the accumulator keeps no order ids. Records are checked by
/// the default [`LogOptions`] rules.
///
/// Shards partitioned by customer (or not: cells of the same customer and
/// day add up) are merged with [`merge`](Self::merge); every shard must use
/// the same [`Calendar`], since it fixes where local days start.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample_purchases, Calendar, SummaryAccumulator, SummaryOptions};
///
/// let (mut even, mut odd) = (SummaryAccumulator::new(Calendar::utc()), SummaryAccumulator::new(Calendar::utc()));
/// for p in cdnow_sample_purchases() {
///     if p.customer % 2 == 0 { even.push(&p)? } else { odd.push(&p)? }
/// }
/// even.merge(odd)?;
/// let opts = SummaryOptions::new(NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?);
/// let summaries = even.summarize(&opts)?;
/// assert_eq!(summaries.len(), 2357);
/// assert_eq!(summaries.customers[0].frequency, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "AccumulatorState<C>",
        into = "AccumulatorState<C>",
        bound(
            serialize = "C: Clone + serde::Serialize",
            deserialize = "C: Clone + Eq + Hash + serde::Deserialize<'de>"
        )
    )
)]
pub struct SummaryAccumulator<C> {
    calendar: Calendar,
    /// Customer key → position in `customers`.
    slots: FastMap<C, usize>,
    /// Each customer's day cells, sorted by day.
    customers: Vec<(C, Vec<DayCell>)>,
    /// Records offered to `push`, accepted or not.
    pushed: usize,
}

/// Two accumulators are equal when they hold the same calendar, record count
/// and day cells per customer, whatever order the customers arrived in.
impl<C: Eq + Hash> PartialEq for SummaryAccumulator<C> {
    fn eq(&self, other: &Self) -> bool {
        self.calendar == other.calendar
            && self.pushed == other.pushed
            && self.customers.len() == other.customers.len()
            && self.customers.iter().all(|(key, cells)| {
                other
                    .slots
                    .get(key)
                    .and_then(|&slot| other.customers.get(slot))
                    .is_some_and(|(_, theirs)| theirs == cells)
            })
    }
}

/// The serialised form of a [`SummaryAccumulator`]: the lookup table is
/// rebuilt on load.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct AccumulatorState<C> {
    calendar: Calendar,
    customers: Vec<(C, Vec<DayCell>)>,
    pushed: usize,
}

/// Loading checks what `push` and `merge` keep true, so that a truncated,
/// edited or mis-migrated state is refused instead of changing answers: a
/// known calendar; unique customers, each with purchase days; each
/// customer's days strictly increasing, each day's times instants chrono
/// holds and on that local day, its counts and net amount consistent; and
/// at least as many records pushed as lines held.
#[cfg(feature = "serde")]
impl<C: Eq + Hash + Clone> TryFrom<AccumulatorState<C>> for SummaryAccumulator<C> {
    type Error = Error;

    fn try_from(state: AccumulatorState<C>) -> Result<Self> {
        let invalid = |what, position, problem: String| Error::InvalidState {
            what,
            position,
            problem,
        };
        let calendar = state.calendar;
        let mut slots = FastMap::default();
        let mut lines = 0_u64;
        for (i, (key, cells)) in state.customers.iter().enumerate() {
            if slots.insert(key.clone(), i).is_some() {
                return Err(invalid("customer", i, "the customer appears twice".into()));
            }
            if cells.is_empty() {
                return Err(invalid("customer", i, "no purchase days".into()));
            }
            let mut previous = None;
            for cell in cells {
                check_cell(cell, &calendar, previous).map_err(|problem| invalid("customer", i, problem))?;
                previous = Some(cell.day);
                lines += u64::from(cell.orders) + u64::from(cell.refunds);
            }
        }
        if (state.pushed as u64) < lines {
            let problem = format!(
                "{} records pushed, fewer than the {lines} lines held",
                state.pushed
            );
            return Err(invalid("record count", 0, problem));
        }
        Ok(Self {
            calendar,
            slots,
            customers: state.customers,
            pushed: state.pushed,
        })
    }
}

/// What is wrong with a stored day cell, if anything (see the `TryFrom`
/// above); `previous` is the customer's day before it.
#[cfg(feature = "serde")]
fn check_cell(cell: &DayCell, calendar: &Calendar, previous: Option<i64>) -> std::result::Result<(), String> {
    let day = cell.day;
    if previous.is_some_and(|p| p >= day) {
        return Err(format!(
            "day {day} does not follow day {}",
            previous.unwrap_or_default()
        ));
    }
    // A log built with a widened valid range may hand any instant chrono
    // holds to `from_log`.
    let in_range = |t: i64| crate::Timestamp::from_unix_seconds(t).is_some();
    if !(in_range(cell.first) && in_range(cell.last) && cell.first <= cell.last) {
        return Err(format!(
            "day {day}: times {} to {} are beyond chrono's calendar or reversed",
            cell.first, cell.last
        ));
    }
    if calendar.local_day(cell.first) != day || calendar.local_day(cell.last) != day {
        return Err(format!(
            "day {day}: times {} to {} fall on other days",
            cell.first, cell.last
        ));
    }
    let count = u64::from(cell.orders) + u64::from(cell.refunds);
    let net = cell.net.value();
    let bound = crate::MAX_AMOUNT.checked_mul(rust_decimal::Decimal::from(count));
    let consistent = count > 0
        && (cell.refunds == 0 || cell.refunded)
        && (cell.refunds > 0 || !net.is_sign_negative() || net.is_zero())
        && (cell.orders > 0 || (net.is_sign_negative() && !net.is_zero()))
        && bound.is_some_and(|bound| net.abs() <= bound);
    if !consistent {
        return Err(format!(
            "day {day}: {} orders, {} refunds and a net of {net} do not add up",
            cell.orders, cell.refunds
        ));
    }
    Ok(())
}

#[cfg(feature = "serde")]
impl<C> From<SummaryAccumulator<C>> for AccumulatorState<C> {
    fn from(acc: SummaryAccumulator<C>) -> Self {
        Self {
            calendar: acc.calendar,
            customers: acc.customers,
            pushed: acc.pushed,
        }
    }
}

impl<C: Clone + Eq + Hash + Ord> SummaryAccumulator<C> {
    /// An empty accumulator bucketing days in `calendar`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{Calendar, SummaryAccumulator};
    ///
    /// let acc = SummaryAccumulator::<u64>::new("+08:00".parse::<Calendar>()?);
    /// assert_eq!(acc.customer_count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(calendar: Calendar) -> Self {
        Self {
            calendar,
            slots: FastMap::default(),
            customers: Vec::new(),
            pushed: 0,
        }
    }

    /// The state of a whole log's orders (lines of one order summed), in
    /// the log's calendar.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, SummaryAccumulator, SummaryOptions};
    ///
    /// let log = cdnow_sample()?;
    /// let acc = SummaryAccumulator::from_log(&log);
    /// let opts = SummaryOptions::new(NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?);
    /// assert_eq!(acc.summarize(&opts)?, log.summarize(&opts));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_log(log: &PurchaseLog<C>) -> Self {
        let mut acc = Self::new(log.calendar());
        for purchases in log.customers() {
            let mut cells = Vec::new();
            fill_day_cells(&purchases, log.clock(), &mut cells);
            acc.slots.insert(purchases.key().clone(), acc.customers.len());
            acc.customers.push((purchases.key().clone(), cells));
        }
        acc.pushed = log.stats().accepted;
        acc
    }

    /// Adds one order.
    ///
    /// # Errors
    ///
    /// [`Error::TimestampOutOfRange`] or [`Error::AmountOutOfRange`] under
    /// the default [`LogOptions`] rules, with `index` counting the records
    /// offered to this accumulator; the state is then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Calendar, Purchase, SummaryAccumulator};
    /// use rust_decimal::Decimal;
    ///
    /// let mut acc = SummaryAccumulator::new(Calendar::utc());
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// acc.push(&Purchase::new("alice", day, Decimal::TEN))?;
    /// let sentinel = NaiveDate::from_ymd_opt(1900, 1, 1).ok_or("bad date")?;
    /// assert!(acc.push(&Purchase::new("bob", sentinel, Decimal::TEN)).is_err());
    /// assert_eq!(acc.customer_count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, purchase: &Purchase<C>) -> Result<()> {
        let index = self.pushed;
        self.pushed += 1;
        let seconds = purchase.at.unix_seconds();
        LogOptions::default().check(index, seconds, purchase.amount)?;
        let cell = DayCell::new(self.calendar.local_day(seconds), seconds, purchase.amount, false);
        let cells = match self.slots.get(&purchase.customer) {
            Some(&slot) => crate::invariant::item_mut(&mut self.customers, slot).map(|(_, cells)| cells),
            None => {
                self.slots.insert(purchase.customer.clone(), self.customers.len());
                self.customers.push((purchase.customer.clone(), Vec::new()));
                self.customers.last_mut().map(|(_, cells)| cells)
            }
        };
        if let Some(cells) = cells {
            add_cell(cells, cell);
        }
        Ok(())
    }

    /// Adds another accumulator's state, typically another shard's.
    ///
    /// # Errors
    ///
    /// [`Error::CalendarMismatch`] when the two use different calendars;
    /// `self` is then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Calendar, Purchase, SummaryAccumulator};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).ok_or("bad date")?;
    /// let (mut a, mut b) = (SummaryAccumulator::new(Calendar::utc()), SummaryAccumulator::new(Calendar::utc()));
    /// a.push(&Purchase::new(1_u64, day, Decimal::ONE))?;
    /// b.push(&Purchase::new(2_u64, day, Decimal::ONE))?;
    /// a.merge(b)?;
    /// assert_eq!(a.customer_count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: Self) -> Result<()> {
        if other.calendar != self.calendar {
            return Err(Error::CalendarMismatch {
                expected: self.calendar,
                found: other.calendar,
            });
        }
        self.pushed += other.pushed;
        for (key, theirs) in other.customers {
            match self.slots.get(&key) {
                Some(&slot) => {
                    if let Some((_, ours)) = crate::invariant::item_mut(&mut self.customers, slot) {
                        *ours = merge_cells(std::mem::take(ours), theirs);
                    }
                }
                None => {
                    self.slots.insert(key.clone(), self.customers.len());
                    self.customers.push((key, theirs));
                }
            }
        }
        Ok(())
    }

    /// The number of customers seen.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{datasets::cdnow_sample, SummaryAccumulator};
    ///
    /// let acc = SummaryAccumulator::from_log(&cdnow_sample()?);
    /// assert_eq!(acc.customer_count(), 2357);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// Summaries as of `options`' observation end, exactly as
    /// [`PurchaseLog::summarize`] gives them for the same orders; the
    /// positions of orders after the end are not known here
    /// ([`Summaries::after_end`] is empty), only their count. The
    /// summaries are in the accumulator's calendar.
    ///
    /// # Errors
    ///
    /// None today; a `Result` so that checks of stored state can grow.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Calendar, Purchase, SummaryAccumulator, SummaryOptions};
    /// use rust_decimal::Decimal;
    ///
    /// let mut acc = SummaryAccumulator::new(Calendar::utc());
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).ok_or("bad date");
    /// for (m, day) in [(1, 5), (2, 9), (2, 9), (3, 1)] {
    ///     acc.push(&Purchase::new("alice", d(m, day)?, Decimal::TEN))?;
    /// }
    /// let s = acc.summarize(&SummaryOptions::new(d(3, 31)?))?;
    /// assert_eq!((s.customers[0].frequency, s.customers[0].orders), (2, 4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summarize(&self, options: &SummaryOptions) -> Result<Summaries<C>> {
        let end_day = day_number(options.observation_end());
        let mut by_key: Vec<&(C, Vec<DayCell>)> = self.customers.iter().collect();
        by_key.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut summaries = Summaries::with_capacity(by_key.len(), *options, self.calendar);
        for (key, cells) in by_key {
            let mut fold = PeriodFold::new(options.get_granularity());
            for cell in cells {
                if cell.day > end_day {
                    summaries.orders_after_end += cell.orders_and_refunds();
                } else {
                    fold.push(*cell);
                }
            }
            summaries.record(key, fold.finish(options, end_day));
        }
        Ok(summaries)
    }
}

/// Adds a one-order cell to a customer's day-sorted cells.
fn add_cell(cells: &mut Vec<DayCell>, cell: DayCell) {
    // Services mostly push in time order: try the end first.
    match cells.last_mut() {
        None => cells.push(cell),
        Some(last) if last.day < cell.day => cells.push(cell),
        Some(last) if last.day == cell.day => last.absorb(&cell),
        Some(_) => match cells.binary_search_by_key(&cell.day, |c| c.day) {
            Ok(i) => {
                if let Some(existing) = crate::invariant::item_mut(cells, i) {
                    existing.absorb(&cell);
                }
            }
            Err(i) => cells.insert(i, cell),
        },
    }
}

/// Merges two day-sorted cell lists, adding cells of the same day.
fn merge_cells(ours: Vec<DayCell>, theirs: Vec<DayCell>) -> Vec<DayCell> {
    ours.into_iter()
        .merge_join_by(theirs, |a, b| a.day.cmp(&b.day))
        .map(|pair| match pair {
            EitherOrBoth::Both(mut a, b) => {
                a.absorb(&b);
                a
            }
            EitherOrBoth::Left(a) | EitherOrBoth::Right(a) => a,
        })
        .collect()
}
