//! `PurchaseLog`: validated purchases, grouped by customer and sorted by time.

use std::hash::Hash;

use rust_decimal::Decimal;

use crate::hash::FastMap;
use crate::integer_keys::{BucketTable, DenseSlots, is_integer, number};
use crate::parallel::{Shareable, map_parts, split_at_bounds};
use crate::short_sort;
use crate::{Error, Field, Purchase, Result, Timestamp};

/// The largest amount, in magnitude, that one record may carry: 10^15.
///
/// With at most `u32::MAX` records, every sum of amounts then stays below
/// 5 × 10^24, far inside `Decimal`'s range, so no sum can overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

/// `|amount| ≤ MAX_AMOUNT`, read off the mantissa and scale.
///
/// A `Decimal` comparison rescales its operands (about 25 ns, a quarter of
/// the whole per-record ingestion cost); this is one table lookup and one
/// integer comparison: `|m| / 10^s ≤ 10^15` exactly when `|m| ≤ 10^(15 + s)`.
// `#[inline]`: the builder is generic, so it is compiled in the caller's
// crate, where a plain function of ours stays a call per record.
#[inline]
fn amount_in_range(amount: Decimal) -> bool {
    /// `10^(15 + s)` for every scale `s` with `15 + s ≤ 38`, the largest power
    /// of ten a `u128` holds; beyond that every mantissa (< 2^96) is in range.
    const LIMITS: [u128; 24] = [
        1000000000000000,
        10000000000000000,
        100000000000000000,
        1000000000000000000,
        10000000000000000000,
        100000000000000000000,
        1000000000000000000000,
        10000000000000000000000,
        100000000000000000000000,
        1000000000000000000000000,
        10000000000000000000000000,
        100000000000000000000000000,
        1000000000000000000000000000,
        10000000000000000000000000000,
        100000000000000000000000000000,
        1000000000000000000000000000000,
        10000000000000000000000000000000,
        100000000000000000000000000000000,
        1000000000000000000000000000000000,
        10000000000000000000000000000000000,
        100000000000000000000000000000000000,
        1000000000000000000000000000000000000,
        10000000000000000000000000000000000000,
        100000000000000000000000000000000000000,
    ];
    LIMITS
        .get(amount.scale() as usize)
        .is_none_or(|&limit| amount.mantissa().unsigned_abs() <= limit)
}

/// Marks "no value" in the dense code columns.
const NONE: u32 = u32::MAX;

/// How records that share an order id are read.
///
/// # Example
///
/// ```
/// use repurchase::{LogOptions, OrderLines};
///
/// // An export with one row per order: a repeated order id is a duplicate.
/// let options = LogOptions::default().order_lines(OrderLines::Reject);
/// assert_eq!(options.order_lines_policy(), OrderLines::Reject);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum OrderLines {
    /// Records sharing an order id are lines of one order: one order whose
    /// amount is the lines' sum and whose time is its earliest line's, e.g.
    /// two lines of order `A-7` for 5.00 and 3.00 are one 8.00 order. A
    /// refund line carrying the order's id nets into that order. Every line
    /// after an order's first is counted in [`LogStats::merged`].
    #[default]
    Merge,
    /// Each order is one record: a second record with the same order id is a
    /// duplicate ([`Error::DuplicateOrder`]), e.g. a row ingested twice.
    Reject,
}

/// Rules for turning records into a [`PurchaseLog`].
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`valid_range`](Self::valid_range) | 1970-01-01 to 2100-01-01 (exclusive) | timestamps outside are rejected, catching sentinels such as 1900-01-01 |
/// | [`order_lines`](Self::order_lines) | [`OrderLines::Merge`] | how records sharing an order id are read |
///
/// Amounts are always checked against [`MAX_AMOUNT`].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{LogOptions, Purchase};
/// use rust_decimal::Decimal;
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let options = LogOptions::default().valid_range(d(1990, 1, 1)?, d(2030, 1, 1)?)?;
/// let records = vec![
///     Purchase::new(1_u64, d(1997, 1, 1)?, Decimal::TEN),
///     Purchase::new(2_u64, d(1900, 1, 1)?, Decimal::TEN), // a sentinel date
/// ];
/// let (log, rejected) = options.build_lenient(records);
/// assert_eq!(log.stats().accepted, 1);
/// assert_eq!(rejected[0].index, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LogOptions {
    valid_from: Timestamp,
    valid_until: Timestamp,
    order_lines: OrderLines,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            valid_from: Timestamp::from_valid_seconds(0),
            // 2100-01-01T00:00:00Z
            valid_until: Timestamp::from_valid_seconds(4_102_444_800),
            order_lines: OrderLines::Merge,
        }
    }
}

impl LogOptions {
    /// Sets the valid timestamps to `[from, until)`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyRange`] when `from` is not before `until`.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::LogOptions;
    ///
    /// let a = NaiveDate::from_ymd_opt(2020, 1, 1).ok_or("bad date")?;
    /// let b = NaiveDate::from_ymd_opt(2021, 1, 1).ok_or("bad date")?;
    /// assert!(LogOptions::default().valid_range(a, b).is_ok());
    /// assert!(LogOptions::default().valid_range(b, a).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn valid_range(mut self, from: impl Into<Timestamp>, until: impl Into<Timestamp>) -> Result<Self> {
        let (from, until) = (from.into(), until.into());
        if from >= until {
            return Err(Error::EmptyRange {
                start_field: "valid_from",
                start: from.to_string(),
                end_field: "valid_until",
                end: until.to_string(),
            });
        }
        self.valid_from = from;
        self.valid_until = until;
        Ok(self)
    }

    /// Sets how records sharing an order id are read.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{LogOptions, OrderLines};
    ///
    /// let options = LogOptions::default().order_lines(OrderLines::Reject);
    /// assert_eq!(options.order_lines_policy(), OrderLines::Reject);
    /// ```
    #[must_use]
    pub fn order_lines(mut self, policy: OrderLines) -> Self {
        self.order_lines = policy;
        self
    }

    /// The valid timestamp range, `[from, until)`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::LogOptions;
    ///
    /// let (from, until) = LogOptions::default().valid_timestamps();
    /// assert_eq!(from.to_string(), "1970-01-01 00:00:00 UTC");
    /// assert_eq!(until.to_string(), "2100-01-01 00:00:00 UTC");
    /// ```
    pub fn valid_timestamps(&self) -> (Timestamp, Timestamp) {
        (self.valid_from, self.valid_until)
    }

    /// How records sharing an order id are read.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{LogOptions, OrderLines};
    ///
    /// assert_eq!(LogOptions::default().order_lines_policy(), OrderLines::Merge);
    /// ```
    pub fn order_lines_policy(&self) -> OrderLines {
        self.order_lines
    }

    /// Checks one record's timestamp and amount, `index` naming it.
    pub(crate) fn check<C>(&self, index: usize, record: &Purchase<C>) -> Result<()> {
        let (valid_from, valid_until) = (self.valid_from, self.valid_until);
        if record.at < valid_from || record.at >= valid_until {
            return Err(Error::TimestampOutOfRange {
                index,
                value: record.at,
                valid_from,
                valid_until,
            });
        }
        if !amount_in_range(record.amount) {
            return Err(Error::AmountOutOfRange {
                index,
                value: record.amount,
                limit: MAX_AMOUNT,
            });
        }
        Ok(())
    }

    /// Builds a log, failing on the first bad record.
    ///
    /// # Errors
    ///
    /// The first record that breaks a rule, as an [`Error`] naming its
    /// index, field and value; [`Error::TooManyRecords`] past `u32::MAX - 1`
    /// records.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{LogOptions, Purchase};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let log = LogOptions::default().build(vec![Purchase::new("a", day, Decimal::ONE)])?;
    /// assert_eq!(log.customer_count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build<C, I>(&self, records: I) -> Result<PurchaseLog<C>>
    where
        C: Clone + Eq + Hash + Ord + Shareable,
        I: IntoIterator<Item = Purchase<C>>,
    {
        Builder::new(*self, RECORD_LIMIT)
            .run(records, true)
            .map(|(log, _)| log)
    }

    /// Builds a log from the good records and lists the bad ones.
    ///
    /// Always `accepted + merged + rejected == input` in
    /// [`PurchaseLog::stats`].
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Field, LogOptions, Purchase};
    /// use rust_decimal::Decimal;
    ///
    /// let ok = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let bad = NaiveDate::from_ymd_opt(1900, 1, 1).ok_or("bad date")?;
    /// let (log, rejected) = LogOptions::default().build_lenient(vec![
    ///     Purchase::new("a", ok, Decimal::ONE),
    ///     Purchase::new("b", bad, Decimal::ONE),
    /// ]);
    /// assert_eq!((log.stats().accepted, rejected.len()), (1, 1));
    /// assert_eq!((rejected[0].index, rejected[0].customer, rejected[0].field), (1, "b", Field::Timestamp));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_lenient<C, I>(&self, records: I) -> (PurchaseLog<C>, Vec<Rejection<C>>)
    where
        C: Clone + Eq + Hash + Ord + Shareable,
        I: IntoIterator<Item = Purchase<C>>,
    {
        match Builder::new(*self, RECORD_LIMIT).run(records, false) {
            Ok(built) => built,
            // Lenient runs record every error as a rejection and never fail.
            Err(_) => (PurchaseLog::empty(), Vec::new()),
        }
    }
}

/// The most records one log indexes (record positions are stored as `u32`,
/// with `u32::MAX` reserved).
const RECORD_LIMIT: usize = (u32::MAX - 1) as usize;

/// A record that [`LogOptions::build_lenient`] or [`PurchaseLog::lenient`]
/// left out, and why.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{Error, Field, Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
/// let (_, rejected) = PurchaseLog::lenient(vec![Purchase::new(9_u64, day, Decimal::MAX)]);
/// assert_eq!(rejected[0].field, Field::Amount);
/// assert!(matches!(rejected[0].reason, Error::AmountOutOfRange { index: 0, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rejection<C> {
    /// Position of the record in the input.
    pub index: usize,
    /// The record's customer.
    pub customer: C,
    /// The field at fault.
    pub field: Field,
    /// The rule it broke, with the value found.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::log::serialize_display"))]
    pub reason: Error,
}

impl<C> Rejection<C> {
    fn new(index: usize, customer: C, reason: Error) -> Self {
        Self {
            index,
            field: reason.field().unwrap_or(Field::Customer),
            customer,
            reason,
        }
    }
}

#[cfg(feature = "serde")]
pub(crate) fn serialize_display<S: serde::Serializer>(
    error: &Error,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(error)
}

/// How the input records were accounted for: always
/// `accepted + merged + rejected == input`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
/// let log = PurchaseLog::new(vec![
///     Purchase::new(1_u64, day, Decimal::ONE).order_id("A"),
///     Purchase::new(1_u64, day, Decimal::TWO).order_id("A"), // second line of order A
/// ])?;
/// let stats = log.stats();
/// assert_eq!((stats.input, stats.accepted, stats.merged, stats.rejected), (2, 1, 1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LogStats {
    /// Records read.
    pub input: usize,
    /// Orders kept: records without an order id, plus the first line of each
    /// order id.
    pub accepted: usize,
    /// Further lines of an order already seen ([`OrderLines::Merge`]), kept
    /// as part of that order.
    pub merged: usize,
    /// Records left out by the lenient constructor.
    pub rejected: usize,
}

/// Purchases validated, grouped by customer and sorted by time.
///
/// Invariant: every record passed the [`LogOptions`] rules; customers are
/// sorted by key and each customer's lines are sorted by time.
///
/// Build one with [`PurchaseLog::new`] (strict: the first bad record is an
/// error) or [`PurchaseLog::lenient`] (keeps the good records, lists the
/// bad), or through [`LogOptions`] for other rules.
///
/// # The rules
///
/// - **Timestamps** outside [`LogOptions::valid_range`] (by default
///   1970-01-01 to 2100-01-01) are rejected: sentinels such as 1900-01-01
///   or 9999-12-31 are not purchases.
/// - **Amounts** larger in magnitude than [`MAX_AMOUNT`] are rejected.
/// - **Zero amounts** are orders of no value (a free sample, a fully
///   discounted order): they are purchases and make their period a purchase
///   occasion, as in lifetimes.
/// - **Refunds** (negative amounts) are kept and netted into their period;
///   an order's refund line carrying its order id nets into that order.
///   A period whose orders and refunds net to ≤ 0 while holding a refund is
///   not a purchase occasion.
/// - **Several purchases in one period** are one purchase occasion with the
///   amounts summed (applied when summarising, at the chosen granularity).
/// - **Order ids**: records sharing one are lines of one order
///   ([`OrderLines::Merge`], the default) or duplicates
///   ([`OrderLines::Reject`]); an order id shared by two customers is always
///   rejected ([`Error::OrderCustomerMismatch`]).
///
/// Internally the lines are 32-byte rows (time, amount, input position,
/// order head), each customer's together in time order, customers in key
/// order. Built from a `Vec` of records, the log takes the records' own
/// memory and needs no more when the key is at most 32 bytes (`u64`,
/// `u128`), and only a table of the distinct keys when it owns memory
/// (`String`); see `Builder` in the source for the passes.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).ok_or("bad date");
/// let log = PurchaseLog::new(vec![
///     Purchase::new("bob", d(3, 1)?, Decimal::new(1250, 2)),
///     Purchase::new("alice", d(1, 5)?, Decimal::TEN),
///     Purchase::new("bob", d(1, 9)?, Decimal::ONE),
/// ])?;
/// assert_eq!(log.keys(), ["alice", "bob"]);
/// assert_eq!(log.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseLog<C> {
    /// Customer keys, sorted; position = dense customer index.
    keys: Vec<C>,
    /// `starts[c]..starts[c + 1]` are customer `c`'s lines (fewer than
    /// `u32::MAX` in a log).
    starts: Vec<u32>,
    /// The lines: each customer's together, in time order.
    rows: Vec<Row>,
    /// Product of each line, as a code into `products` (or `NONE`); empty
    /// when no record names a product.
    product_codes: Vec<u32>,
    products: Vec<String>,
    /// Sales channel of each line, likewise.
    channel_codes: Vec<u32>,
    channels: Vec<String>,
    stats: LogStats,
}

impl<C: Clone + Eq + Hash + Ord + Shareable> PurchaseLog<C> {
    /// Builds a log with the default [`LogOptions`], failing on the first
    /// bad record.
    ///
    /// # Errors
    ///
    /// The first bad record, as an [`Error`] naming its index, field and
    /// value; see the rules on [`PurchaseLog`].
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Purchase, PurchaseLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let log = PurchaseLog::new(vec![Purchase::new(1_u64, day, Decimal::ONE)])?;
    /// assert_eq!(log.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(records: impl IntoIterator<Item = Purchase<C>>) -> Result<Self> {
        LogOptions::default().build(records)
    }

    /// Builds a log with the default [`LogOptions`] from the good records,
    /// and lists the bad ones with the reason.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Purchase, PurchaseLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let sentinel = NaiveDate::from_ymd_opt(9999, 12, 31).ok_or("bad date")?;
    /// let (log, rejected) = PurchaseLog::lenient(vec![
    ///     Purchase::new(1_u64, day, Decimal::ONE),
    ///     Purchase::new(2_u64, sentinel, Decimal::ONE),
    /// ]);
    /// assert_eq!((log.len(), rejected.len()), (1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lenient(records: impl IntoIterator<Item = Purchase<C>>) -> (Self, Vec<Rejection<C>>) {
        LogOptions::default().build_lenient(records)
    }
}

impl<C> PurchaseLog<C> {
    fn empty() -> Self {
        Self {
            keys: Vec::new(),
            starts: vec![0],
            rows: Vec::new(),
            product_codes: Vec::new(),
            products: Vec::new(),
            channel_codes: Vec::new(),
            channels: Vec::new(),
            stats: LogStats::default(),
        }
    }

    /// The number of lines kept (`accepted + merged`).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::PurchaseLog;
    ///
    /// let log = PurchaseLog::<u64>::new(vec![])?;
    /// assert_eq!(log.len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// `true` when the log holds no purchase.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::PurchaseLog;
    ///
    /// assert!(PurchaseLog::<u64>::new(vec![])?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The number of distinct customers.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// assert_eq!(cdnow_sample()?.customer_count(), 2357);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customer_count(&self) -> usize {
        self.keys.len()
    }

    /// The customer keys, sorted.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// assert_eq!(log.keys()[..3], [1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keys(&self) -> &[C] {
        &self.keys
    }

    /// How the input records were accounted for.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let stats = cdnow_sample()?.stats();
    /// assert_eq!(stats.accepted + stats.merged + stats.rejected, stats.input);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> LogStats {
        self.stats
    }

    /// The distinct product keys seen, in first-seen order.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Purchase, PurchaseLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let log = PurchaseLog::new(vec![
    ///     Purchase::new(1_u8, day, Decimal::ONE).product("tea"),
    ///     Purchase::new(2_u8, day, Decimal::ONE).product("tea"),
    /// ])?;
    /// assert_eq!(log.products(), ["tea"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn products(&self) -> &[String] {
        &self.products
    }

    /// The distinct sales channels seen, in first-seen order.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Purchase, PurchaseLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day, Decimal::ONE).channel("app")])?;
    /// assert_eq!(log.channels(), ["app"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// One customer's lines, in time order.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// let first = log.purchases_of(&1).ok_or("customer 1 is in the sample")?;
    /// assert_eq!(first.len(), 4);
    /// assert_eq!(first.amounts().next().map(|a| a.to_string()).as_deref(), Some("29.33"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchases_of(&self, customer: &C) -> Option<CustomerPurchases<'_, C>>
    where
        C: Ord,
    {
        let c = self.keys.binary_search(customer).ok()?;
        self.keys.get(c).map(|key| self.customer_at(c, key))
    }

    /// Every customer's lines, in key order.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// let lines: usize = log.customers().map(|c| c.len()).sum();
    /// assert_eq!(lines, log.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customers(&self) -> impl ExactSizeIterator<Item = CustomerPurchases<'_, C>> {
        self.customers_at(0..self.keys.len())
    }

    /// The customers at `range` of the key order.
    pub(crate) fn customers_at(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = CustomerPurchases<'_, C>> {
        let start = range.start;
        self.keys
            .get(range)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(move |(i, key)| self.customer_at(start + i, key))
    }

    pub(crate) fn customer_at<'a>(&'a self, c: usize, key: &'a C) -> CustomerPurchases<'a, C> {
        let start = self.starts.get(c).map_or(0, |&s| s as usize);
        let end = self.starts.get(c + 1).map_or(start, |&e| e as usize);
        CustomerPurchases {
            log: self,
            key,
            range: start..end,
        }
    }
}

/// One customer's lines in a [`PurchaseLog`], in time order (lines of one
/// order adjacent).
///
/// # Example
///
/// ```
/// use repurchase::datasets::cdnow_sample;
///
/// let log = cdnow_sample()?;
/// for customer in log.customers().take(2) {
///     assert!(customer.timestamps().is_sorted());
///     assert_eq!(customer.amounts().len(), customer.len());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CustomerPurchases<'a, C> {
    log: &'a PurchaseLog<C>,
    key: &'a C,
    range: std::ops::Range<usize>,
}

impl<'a, C> CustomerPurchases<'a, C> {
    /// The customer's key.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// assert_eq!(log.customers().next().map(|c| *c.key()), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self) -> &'a C {
        self.key
    }

    /// The number of lines.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// assert!(cdnow_sample()?.customers().all(|c| !c.is_empty()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// `true` when the customer has no line (never, in a built log).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// assert!(!cdnow_sample()?.customers().any(|c| c.is_empty()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// Each line's time.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// let c = log.purchases_of(&1).ok_or("missing")?;
    /// assert_eq!(c.timestamps().next().map(|t| t.to_string()), Some("1997-01-01 00:00:00 UTC".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timestamps(&self) -> impl ExactSizeIterator<Item = Timestamp> + 'a {
        self.seconds().map(Timestamp::from_valid_seconds)
    }

    /// Each line's amount.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// let total: rust_decimal::Decimal = log.purchases_of(&1).ok_or("missing")?.amounts().sum();
    /// assert_eq!(total.to_string(), "100.50");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn amounts(&self) -> impl ExactSizeIterator<Item = Decimal> + Clone + 'a {
        self.rows().iter().map(|row| row.amount)
    }

    /// Each line's position in the input, to join results back to records.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::datasets::cdnow_sample;
    ///
    /// let log = cdnow_sample()?;
    /// assert_eq!(log.purchases_of(&1).ok_or("missing")?.input_indexes().collect::<Vec<_>>(), [0, 1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn input_indexes(&self) -> impl ExactSizeIterator<Item = usize> + 'a {
        self.rows().iter().map(|row| row.index as usize)
    }

    /// Each line's product, when the records name one.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Purchase, PurchaseLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let log = PurchaseLog::new(vec![
    ///     Purchase::new(1_u8, day, Decimal::ONE).product("tea"),
    ///     Purchase::new(1_u8, day, Decimal::ONE),
    /// ])?;
    /// let c = log.purchases_of(&1).ok_or("missing")?;
    /// assert_eq!(c.products().collect::<Vec<_>>(), [Some("tea"), None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn products(&self) -> impl ExactSizeIterator<Item = Option<&'a str>> + 'a {
        decode(&self.log.product_codes, &self.log.products, self.range.clone())
    }

    /// Each line's sales channel, when the records name one.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Purchase, PurchaseLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    /// let log = PurchaseLog::new(vec![Purchase::new(1_u8, day, Decimal::ONE).channel("app")])?;
    /// let c = log.purchases_of(&1).ok_or("missing")?;
    /// assert_eq!(c.channels().collect::<Vec<_>>(), [Some("app")]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn channels(&self) -> impl ExactSizeIterator<Item = Option<&'a str>> + 'a {
        decode(&self.log.channel_codes, &self.log.channels, self.range.clone())
    }

    /// Unix seconds of the customer's first line (lines are time-sorted).
    pub(crate) fn first_seconds(&self) -> Option<i64> {
        self.rows().first().map(|row| row.seconds)
    }

    /// Each line's product code (`None` without a product), its time and
    /// amount.
    pub(crate) fn product_lines(&self) -> impl Iterator<Item = (Option<u32>, i64, Decimal)> + 'a {
        let codes = self.log.product_codes.get(self.range.clone()).unwrap_or(&[]);
        let codes = codes
            .iter()
            .map(|&c| (c != NONE).then_some(c))
            .chain(std::iter::repeat(None));
        codes
            .zip(self.rows())
            .map(|(code, row)| (code, row.seconds, row.amount))
    }

    /// Each line's channel code (`None` without a channel) and order head.
    pub(crate) fn channel_lines(&self) -> impl Iterator<Item = (Option<u32>, u32)> + 'a {
        let codes = self.log.channel_codes.get(self.range.clone()).unwrap_or(&[]);
        codes
            .iter()
            .map(|&c| (c != NONE).then_some(c))
            .chain(std::iter::repeat(None))
            .zip(self.rows())
            .map(|(code, row)| (code, row.head))
    }

    fn rows(&self) -> &'a [Row] {
        self.log.rows.get(self.range.clone()).unwrap_or(&[])
    }

    /// Each line's Unix seconds.
    pub(crate) fn seconds(&self) -> impl ExactSizeIterator<Item = i64> + Clone + 'a {
        self.rows().iter().map(|row| row.seconds)
    }

    /// The customer's orders in time order, the lines of each order summed.
    pub(crate) fn orders(&self) -> impl Iterator<Item = Order> + 'a {
        let mut rows = self.rows().iter().peekable();
        std::iter::from_fn(move || {
            let first = rows.next()?;
            let mut order = Order {
                seconds: first.seconds,
                amount: first.amount,
                head: first.head,
                refund_line: is_negative(first.amount),
            };
            while let Some(more) = rows.next_if(|row| row.head == first.head) {
                // Bounded by MAX_AMOUNT × record count: cannot saturate.
                order.amount = order.amount.saturating_add(more.amount);
                order.refund_line |= is_negative(more.amount);
            }
            Some(order)
        })
    }
}

/// `amount < 0` from the sign bit, cheaper than a `Decimal` comparison;
/// `-0.00` is not negative.
pub(crate) fn is_negative(amount: Decimal) -> bool {
    amount.is_sign_negative() && !amount.is_zero()
}

/// One order of a customer: its lines summed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Order {
    /// Unix seconds of its earliest line.
    pub(crate) seconds: i64,
    /// Net amount of its lines.
    pub(crate) amount: Decimal,
    /// Input position of its first line.
    pub(crate) head: u32,
    /// `true` when a line is a refund (negative amount).
    pub(crate) refund_line: bool,
}

fn decode<'a>(
    codes: &'a [u32],
    names: &'a [String],
    range: std::ops::Range<usize>,
) -> impl ExactSizeIterator<Item = Option<&'a str>> + 'a {
    let len = range.len();
    let codes = codes.get(range).unwrap_or(&[]);
    // With no names recorded at all, `codes` is empty: every line has none.
    (0..len).map(move |i| {
        codes
            .get(i)
            .and_then(|&code| names.get(code as usize))
            .map(String::as_str)
    })
}

/// Interns optional strings to dense codes, and keeps each record's code
/// by input position (off the lines, which stay small for the grouping).
#[derive(Debug, Default)]
struct Dictionary {
    codes: FastMap<String, u32>,
    names: Vec<String>,
    /// Code by input position; `NONE` or past the end for no value, so it
    /// stays empty until a record names one.
    by_input: Vec<u32>,
}

impl Dictionary {
    /// Records the value of the record at `index` (indexes increasing).
    #[inline(always)]
    fn record(&mut self, index: usize, value: Option<String>) {
        if let Some(name) = value {
            self.record_name(index, name);
        }
    }

    fn record_name(&mut self, index: usize, name: String) {
        let next = u32::try_from(self.names.len()).unwrap_or(NONE);
        let code = *self.codes.entry(name).or_insert_with_key(|name| {
            self.names.push(name.clone());
            next
        });
        self.by_input.resize(index, NONE);
        self.by_input.push(code);
    }

    /// The code of each row's record, aligned with `rows`; empty when no
    /// record named a value.
    fn codes_of(&self, rows: &[Row]) -> Vec<u32> {
        if self.names.is_empty() {
            return Vec::new();
        }
        rows.iter()
            .map(|row| self.by_input.get(row.index as usize).copied().unwrap_or(NONE))
            .collect()
    }
}

/// One stored line: where a customer's purchases live in a [`PurchaseLog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    /// Unix seconds (an order's lines share its earliest time).
    seconds: i64,
    amount: Decimal,
    /// Input position.
    index: u32,
    /// Input position of the first line of its order; `index` for a line
    /// that heads its order.
    head: u32,
}

impl Row {
    /// Time order; the lines of one order share a time and sort together,
    /// in input order.
    fn sort_key(&self) -> (i64, u32, u32) {
        (self.seconds, self.head, self.index)
    }
}

/// One accepted line while building: its customer and row. What else a
/// line needs on the way (its order slot, its key range) is kept beside the
/// lines, so that the lines the passes move stay small.
type Line<C> = (C, Row);

/// An order id's first line.
#[derive(Debug, Clone, Copy)]
struct OrderSlot {
    /// Position of its first line among the staged lines.
    first: u32,
    /// Input position of its first line.
    head: u32,
    /// Its earliest accepted line's time.
    earliest: i64,
}

/// Lines are grouped by key range into buckets of about this many, so that
/// each bucket's interning table and reordering stay in cache.
const LINES_PER_BUCKET: usize = 16_384;

/// At most this many buckets (binary search over their boundaries stays
/// short).
const MAX_BUCKETS: usize = 4_096;

/// Keys sampled per bucket to choose the boundaries.
const SAMPLES_PER_BUCKET: usize = 16;

/// Builds a [`PurchaseLog`] in four passes, with no memory beyond the
/// records' own when they come as a `Vec` (and the key is at most 32 bytes;
/// keys that own memory add a table of the distinct ones):
///
/// 1. records → staged lines, validated, in input order; collected in place,
///    into the records' own allocation;
/// 2. order ids resolved: an order's lines checked against its first line's
///    customer, then given its earliest time;
/// 3. lines partitioned into key-range buckets (boundaries from a sample of
///    keys), so that bucket order is key order: scattered in one pass into
///    room beside them, which a `Vec` of records already holds (keys that
///    own memory, such as `String`, are first numbered, and their numbers,
///    ranked in key order, grouped instead; see `group_by_number`); each
///    bucket's lines then copied back, ordered by key and by time, from
///    cache (see `group_bucket`). Integer keys are read as numbers (see
///    `integer_keys`): a table finds their bucket, and a bucket of dense
///    ones is counted by key instead of interned;
/// 4. lines → rows, in place again; product and channel codes, kept by
///    input position while staging, are read back for each row.
struct Builder {
    options: LogOptions,
    limit: usize,
    input: usize,
    staged: usize,
    order_ids: FastMap<String, u32>,
    orders: Vec<OrderSlot>,
    /// Each staged line's order slot (`NONE` without an order id); empty
    /// until the first order id.
    line_orders: Vec<u32>,
    products: Dictionary,
    channels: Dictionary,
}

impl Builder {
    fn new(options: LogOptions, limit: usize) -> Self {
        Self {
            options,
            limit,
            input: 0,
            staged: 0,
            order_ids: FastMap::default(),
            orders: Vec::new(),
            line_orders: Vec::new(),
            products: Dictionary::default(),
            channels: Dictionary::default(),
        }
    }

    /// Reads every record; `strict` stops at the first bad one.
    fn run<C, I>(mut self, records: I, strict: bool) -> Result<(PurchaseLog<C>, Vec<Rejection<C>>)>
    where
        C: Clone + Eq + Hash + Ord + Shareable,
        I: IntoIterator<Item = Purchase<C>>,
    {
        let records = records.into_iter().enumerate();
        let mut rejections = Vec::new();
        let mut first_error = None;
        // `map_while` and `filter_map` over a `Vec`'s records collect in
        // place: the lines reuse the records' memory.
        let mut lines: Vec<Line<C>> = if strict {
            records
                .map_while(|(index, record)| match self.stage(index, record) {
                    Ok(line) => Some(line),
                    Err((_, error)) => {
                        first_error = Some(error);
                        None
                    }
                })
                .collect()
        } else {
            records
                .filter_map(|(index, record)| match self.stage(index, record) {
                    Ok(line) => Some(line),
                    Err((customer, reason)) => {
                        rejections.push(Rejection::new(index, customer, reason));
                        None
                    }
                })
                .collect()
        };
        // Order errors are all at positions before the first staging error.
        let (merged, order_rejections) = self.resolve_orders(&mut lines, strict)?;
        if let Some(error) = first_error {
            return Err(error);
        }
        if !order_rejections.is_empty() {
            rejections.extend(order_rejections);
            rejections.sort_unstable_by_key(|r| r.index);
        }
        let stats = LogStats {
            input: self.input,
            accepted: self.input - rejections.len() - merged,
            merged,
            rejected: rejections.len(),
        };
        let mut log = group(lines);
        log.product_codes = self.products.codes_of(&log.rows);
        log.channel_codes = self.channels.codes_of(&log.rows);
        log.products = self.products.names;
        log.channels = self.channels.names;
        log.stats = stats;
        Ok((log, rejections))
    }

    /// Validates one record into a line; on failure hands back its customer
    /// with the reason.
    // Inlined into the collecting loop: a call per record, with the record
    // passed by value, cost a third of the staging time.
    #[inline(always)]
    fn stage<C>(&mut self, index: usize, record: Purchase<C>) -> std::result::Result<Line<C>, (C, Error)> {
        self.input = index + 1;
        if index >= self.limit {
            return Err((record.customer, Error::TooManyRecords { limit: self.limit }));
        }
        if let Err(error) = self.options.check(index, &record) {
            return Err((record.customer, error));
        }
        // `index < limit < u32::MAX`, and no more lines than records.
        let (index, position) = (index as u32, self.staged as u32);
        let seconds = record.at.unix_seconds();
        let order = match record.order_id {
            None => NONE,
            Some(order_id) => match self.order_ids.get(&order_id) {
                Some(&slot) => slot,
                None => {
                    let slot = u32::try_from(self.orders.len()).unwrap_or(NONE);
                    self.orders.push(OrderSlot {
                        first: position,
                        head: index,
                        earliest: seconds,
                    });
                    self.order_ids.insert(order_id, slot);
                    slot
                }
            },
        };
        if order != NONE || !self.line_orders.is_empty() {
            self.line_orders.resize(self.staged, NONE);
            self.line_orders.push(order);
        }
        self.staged += 1;
        self.products.record(index as usize, record.product);
        self.channels.record(index as usize, record.channel);
        let row = Row {
            seconds,
            amount: record.amount,
            index,
            head: index,
        };
        Ok((record.customer, row))
    }

    /// Checks every line after an order's first against it (same customer;
    /// not a duplicate under [`OrderLines::Reject`]), then gives each order's
    /// lines its earliest time and head. Returns the merged lines and the
    /// rejections (in lenient mode; strict mode fails on the first).
    fn resolve_orders<C: Clone + Eq>(
        &mut self,
        lines: &mut Vec<Line<C>>,
        strict: bool,
    ) -> Result<(usize, Vec<Rejection<C>>)> {
        if self.orders.is_empty() {
            return Ok((0, Vec::new()));
        }
        let (mut merged, mut rejected) = (0, Vec::new());
        let mut names: Vec<&str> = Vec::new();
        let slots = self.orders.len();
        for (position, &slot) in self.line_orders.iter().enumerate() {
            let Some((customer, row)) = lines.get(position) else {
                break;
            };
            let Some(order) = self.orders.get_mut(slot as usize) else {
                continue;
            };
            if order.first as usize == position {
                continue;
            }
            let same_customer = lines
                .get(order.first as usize)
                .is_some_and(|(first, _)| first == customer);
            if same_customer && self.options.order_lines == OrderLines::Merge {
                order.earliest = order.earliest.min(row.seconds);
                merged += 1;
                continue;
            }
            if names.is_empty() {
                names = vec![""; slots];
                for (name, &slot) in &self.order_ids {
                    if let Some(n) = names.get_mut(slot as usize) {
                        *n = name;
                    }
                }
            }
            let (index, first_index) = (row.index as usize, order.head as usize);
            let order_id = names.get(slot as usize).copied().unwrap_or_default().to_string();
            let error = if same_customer {
                Error::DuplicateOrder {
                    index,
                    order_id,
                    first_index,
                }
            } else {
                Error::OrderCustomerMismatch {
                    index,
                    order_id,
                    first_index,
                }
            };
            if strict {
                return Err(error);
            }
            rejected.push((position, Rejection::new(index, customer.clone(), error)));
        }
        for ((_, row), &slot) in lines.iter_mut().zip(&self.line_orders) {
            if let Some(order) = self.orders.get(slot as usize) {
                row.seconds = order.earliest;
                row.head = order.head;
            }
        }
        if !rejected.is_empty() {
            // `retain` visits the lines once each, in order.
            let mut position = 0;
            let mut next_rejected = rejected.iter().map(|(at, _)| *at).peekable();
            lines.retain(|_| {
                let keep = next_rejected.next_if_eq(&position).is_none();
                position += 1;
                keep
            });
        }
        Ok((
            merged,
            rejected.into_iter().map(|(_, rejection)| rejection).collect(),
        ))
    }
}

/// Groups the lines by customer in key order and by time (passes 3 and 4
/// of [`Builder`]).
fn group<C: Clone + Eq + Hash + Ord + Shareable>(mut lines: Vec<Line<C>>) -> PurchaseLog<C> {
    if std::mem::needs_drop::<C>() {
        return group_by_number(lines);
    }
    let mut log = PurchaseLog::empty();
    let n = lines.len();
    let ranges = KeyRanges::of(&lines);
    // Room beside the lines, inside the records' own allocation when they
    // came as a `Vec`. The lines are scattered into it by key range, and
    // each range copied back in order; a single range is copied into the
    // room in order.
    if let Some(filler) = lines.first().cloned() {
        // Exactly: a grown `Vec` would otherwise double its capacity.
        lines.reserve_exact(n);
        lines.resize(2 * n, filler);
    }
    let (staged, room) = lines.split_at_mut(n);
    let (from, to, ordered_at) = if ranges.bounds.len() <= 2 {
        (staged, room, n)
    } else {
        ranges.scatter(staged, room);
        (room, staged, 0)
    };
    // Fewer lines than `u32::MAX` (the record limit).
    let buckets = split_at_bounds(from, &ranges.bounds)
        .into_iter()
        .map(|bucket| &*bucket)
        .zip(split_at_bounds(to, &ranges.bounds))
        .zip(ranges.bounds.iter().map(|&at| at as u32));
    // Each bucket's customers in key order and where their lines end;
    // buckets are key ranges in order, so joined they are the log's key
    // order. Serially straight into the log: no second copy of its keys.
    #[cfg(not(feature = "parallel"))]
    for ((bucket, to), at) in buckets {
        group_bucket(bucket, to, at, &mut log.keys, &mut log.starts);
    }
    #[cfg(feature = "parallel")]
    for (keys, starts) in map_parts(buckets.collect(), |((bucket, to), at)| {
        let (mut keys, mut starts) = (Vec::new(), Vec::new());
        group_bucket(bucket, to, at, &mut keys, &mut starts);
        (keys, starts)
    }) {
        log.keys.extend(keys);
        log.starts.extend(starts);
    }

    // In place again (the stale copies are dropped first, or as the rows
    // are written over them); then the records' spare memory goes back.
    lines.truncate(ordered_at + n);
    log.rows = lines.into_iter().skip(ordered_at).map(|(_, row)| row).collect();
    log.rows.shrink_to_fit();
    log
}

/// Groups lines whose keys own memory (`String`, `Vec`…): each key is
/// numbered once, by a hash map that keeps its first copy (the others are
/// freed in input order, which the allocator handles best); the numbers,
/// ranked in key order, are then grouped as dense integer keys, and the
/// kept keys, sorted, become the log's. Owned keys grouped as they are
/// would be compared, hashed and moved (56 bytes a line for `String`) in
/// every pass, and freed in scattered order: several times slower.
fn group_by_number<C: Clone + Eq + Hash + Ord + Shareable>(lines: Vec<Line<C>>) -> PurchaseLog<C> {
    let mut numbers: FastMap<C, u32> = FastMap::default();
    // In place, into the lines' allocation: a number and a row are smaller
    // than an owned key and a row.
    let mut numbered: Vec<Line<u32>> = lines
        .into_iter()
        .map(|(key, row)| {
            // Fewer keys than lines, and lines < u32::MAX.
            let next = numbers.len() as u32;
            (*numbers.entry(key).or_insert(next), row)
        })
        .collect();
    let mut keys: Vec<(C, u32)> = numbers.into_iter().collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut rank_of = vec![0_u32; keys.len()];
    for (rank, (_, number)) in (0_u32..).zip(&keys) {
        if let Some(r) = rank_of.get_mut(*number as usize) {
            *r = rank;
        }
    }
    for (number, _) in &mut numbered {
        *number = rank_of.get(*number as usize).copied().unwrap_or(*number);
    }
    // Every rank has a line, so the grouped keys are exactly 0, 1, 2…: the
    // sorted keys, in order.
    let ranked = group(numbered);
    PurchaseLog {
        keys: keys.into_iter().map(|(key, _)| key).collect(),
        starts: ranked.starts,
        rows: ranked.rows,
        ..PurchaseLog::empty()
    }
}

/// Copies one bucket's lines into `to` (as long), ordered by customer key,
/// then time. Each line's slot in key order is found by counting (integer
/// keys spanning at most four times the bucket's lines) or by interning
/// the customers and ranking them by key; each slot gets its line's time
/// and position, packed into one integer ([`TimeOrder`]); each customer's
/// run of these is sorted, and the lines are copied over in that order.
/// Sorting 8-byte integers instead of the lines themselves, and copying
/// each line once, costs a third less than reordering the lines in place
/// (swapping them along the permutation's cycles, then sorting each run of
/// lines). Pushes the customers' keys, in order, to `keys`, and where
/// their lines end to `starts`, the bucket's first line being line `at`.
fn group_bucket<C: Clone + Eq + Hash + Ord>(
    bucket: &[Line<C>],
    to: &mut [Line<C>],
    at: u32,
    keys: &mut Vec<C>,
    starts: &mut Vec<u32>,
) {
    let (time, keys_range) = TimeOrder::of(bucket);
    let mut order = vec![0_u64; bucket.len()];
    let dense = keys_range.and_then(|(low, high)| {
        DenseSlots::count(bucket.iter().map(|(key, _)| number(key)), bucket.len(), low, high)
    });
    let sizes = match dense {
        Some(mut dense) => {
            // Each line's slot as it is handed out: no array of slots.
            for (position, (key, row)) in (0_u32..).zip(bucket) {
                if let Some(o) = order.get_mut(dense.next_slot(number(key))) {
                    *o = time.key(row, position);
                }
            }
            dense.into_sizes()
        }
        None => {
            let (slots, sizes) = interned_slots(bucket);
            for (position, ((_, row), &slot)) in (0_u32..).zip(bucket.iter().zip(&slots)) {
                if let Some(o) = order.get_mut(slot as usize) {
                    *o = time.key(row, position);
                }
            }
            sizes
        }
    };
    let line = |o: u64| bucket.get(TimeOrder::position(o));
    let mut from = 0_usize;
    for &size in &sizes {
        let len = size as usize;
        starts.push(at + (from + len) as u32);
        if let Some(run) = order.get_mut(from..from + len) {
            if let Some((key, _)) = run.first().and_then(|&o| line(o)) {
                keys.push(key.clone());
            }
            if len > 1 {
                if time.packed {
                    short_sort::sort(run);
                } else {
                    // The key ends with the input position: a total order.
                    run.sort_unstable_by_key(|&o| line(o).map(|(_, row)| row.sort_key()));
                }
            }
        }
        from += len;
    }
    for (target, &o) in to.iter_mut().zip(&order) {
        if let Some(source) = line(o) {
            target.clone_from(source);
        }
    }
}

/// A bucket's lines' time order as integers: a line's seconds after the
/// bucket's earliest in the high 32 bits, its position in the bucket in
/// the low 32. Positions follow input positions, so while every line heads
/// its own order (no order ids) and the bucket spans under 136 years, these
/// sort as [`Row::sort_key`] does. Otherwise the keys hold positions only
/// (`packed` is false), to be sorted by the rows' own keys.
struct TimeOrder {
    earliest: i64,
    packed: bool,
}

impl TimeOrder {
    /// The bucket's time order and, for integer keys, the least and
    /// greatest key as numbers: one pass over the lines for both.
    fn of<C: Hash>(bucket: &[Line<C>]) -> (Self, Option<(u64, u64)>) {
        let integer = is_integer::<C>();
        let (earliest, latest, heads, low, high) = bucket.iter().fold(
            (i64::MAX, i64::MIN, true, u64::MAX, 0),
            |(earliest, latest, heads, low, high), (key, row)| {
                let x = if integer { number(key) } else { 0 };
                (
                    earliest.min(row.seconds),
                    latest.max(row.seconds),
                    heads && row.head == row.index,
                    low.min(x),
                    high.max(x),
                )
            },
        );
        let span = latest.checked_sub(earliest).unwrap_or(i64::MAX);
        let time = Self {
            earliest,
            packed: heads && span <= i64::from(u32::MAX),
        };
        (time, (integer && low <= high).then_some((low, high)))
    }

    #[inline]
    fn key(&self, row: &Row, position: u32) -> u64 {
        if self.packed {
            // In range: `packed` bounds the difference.
            let after = row.seconds.wrapping_sub(self.earliest) as u64;
            (after << 32) | u64::from(position)
        } else {
            u64::from(position)
        }
    }

    #[inline]
    fn position(key: u64) -> usize {
        (key & u64::from(u32::MAX)) as usize
    }
}

/// Each line's slot in key order, and each customer's line count in key
/// order: the bucket's customers interned in a hash map, then sorted by
/// key. Lines of one customer keep their order.
fn interned_slots<C: Eq + Hash + Ord>(bucket: &[Line<C>]) -> (Vec<u32>, Vec<u32>) {
    // `destination` holds each line's customer until it becomes its slot.
    let mut destination: Vec<u32> = Vec::with_capacity(bucket.len());
    let mut sizes: Vec<u32> = Vec::new();
    // Sized for the bucket's customers up front (about one in ten lines), so
    // the table rarely grows.
    let mut local: FastMap<&C, u32> = FastMap::with_capacity_and_hasher(bucket.len() / 4, Default::default());
    let mut keys: Vec<&C> = Vec::new();
    for (key, _) in bucket {
        let id = match local.get(key) {
            Some(&id) => id,
            None => {
                let id = keys.len() as u32;
                local.insert(key, id);
                keys.push(key);
                sizes.push(0);
                id
            }
        };
        destination.push(id);
        if let Some(size) = sizes.get_mut(id as usize) {
            *size += 1;
        }
    }
    drop(local);
    // Customers in key order: their sizes and first slots.
    let mut by_key: Vec<(&C, u32)> = keys.into_iter().zip(0..).collect();
    by_key.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut cursor = vec![0_u32; by_key.len()];
    let mut ordered_sizes = Vec::with_capacity(by_key.len());
    let mut at = 0_u32;
    for &(_, id) in &by_key {
        let size = sizes.get(id as usize).copied().unwrap_or(0);
        if let Some(c) = cursor.get_mut(id as usize) {
            *c = at;
            ordered_sizes.push(size);
        }
        at += size;
    }
    for d in &mut destination {
        if let Some(c) = cursor.get_mut(*d as usize) {
            *d = *c;
            *c += 1;
        }
    }
    (destination, ordered_sizes)
}

/// The lines' key ranges ("buckets"), in key order. The boundaries are keys
/// sampled evenly from the lines, so buckets hold about
/// [`LINES_PER_BUCKET`] lines each, and all lines of one key share a bucket.
struct KeyRanges {
    /// Where each bucket's lines go: bucket `b` at `bounds[b]..bounds[b + 1]`.
    bounds: Vec<usize>,
    /// Lines per piece: the lines are counted, and scattered, in pieces of
    /// this many (the last may be shorter).
    piece: usize,
    /// For each piece, its lines in each bucket.
    counts: Vec<Vec<usize>>,
    /// How a line's bucket is found again when it is scattered.
    finder: BucketFinder,
}

/// How the scatter pass finds a line's bucket.
enum BucketFinder {
    /// Integer keys: looked up again in the boundaries' table. Writing each
    /// line's bucket down would take a fresh array of 2 bytes a line,
    /// whose first touch is slow where memory is virtualised (~45 ms for
    /// 9.2M lines on the reference VM, against ~15 ms of lookups).
    Table(BucketTable),
    /// Other keys: each line's bucket, written down while counting, as a
    /// search among key boundaries costs more than the array.
    Written(Vec<u16>),
}

/// The lines are counted, and scattered, in this many pieces (however many
/// threads there are).
const PIECES: usize = 16;

impl KeyRanges {
    /// Samples the boundaries, finds each line's bucket and counts them.
    fn of<C: Clone + Ord + Hash + Shareable>(lines: &[Line<C>]) -> Self {
        let n = lines.len();
        let wanted = (n / LINES_PER_BUCKET).clamp(1, MAX_BUCKETS);
        if wanted == 1 {
            return Self {
                bounds: vec![0, n],
                piece: n.max(1),
                counts: vec![vec![n]],
                finder: BucketFinder::Written(Vec::new()),
            };
        }
        let step = (n / (wanted * SAMPLES_PER_BUCKET)).max(1);
        let mut sample: Vec<&C> = lines.iter().step_by(step).map(|(key, _)| key).collect();
        sample.sort_unstable();
        sample.dedup();
        let mut boundaries: Vec<C> = (1..wanted)
            .filter_map(|i| sample.get(i * sample.len() / wanted).map(|key| (*key).clone()))
            .collect();
        boundaries.dedup();
        let buckets = boundaries.len() + 1;

        let piece = n.div_ceil(PIECES);
        let (counts, finder) = if is_integer::<C>() {
            let table = BucketTable::new(boundaries.iter().map(number).collect());
            let counts = map_parts(lines.chunks(piece).collect(), |lines| {
                count_piece(lines, &mut [], buckets, |key| table.bucket(number(key)))
            });
            (counts, BucketFinder::Table(table))
        } else {
            let mut of_line = vec![0_u16; n];
            let pieces: Vec<_> = lines.chunks(piece).zip(of_line.chunks_mut(piece)).collect();
            let counts = map_parts(pieces, |(lines, of_line)| {
                count_piece(lines, of_line, buckets, |key| {
                    boundaries.partition_point(|b| b <= key)
                })
            });
            (counts, BucketFinder::Written(of_line))
        };
        let mut bounds = Vec::with_capacity(buckets + 1);
        bounds.push(0);
        for b in 0..buckets {
            let lines: usize = counts.iter().filter_map(|piece| piece.get(b)).sum();
            bounds.push(bounds.last().copied().unwrap_or(0) + lines);
        }
        Self {
            bounds,
            piece,
            counts,
            finder,
        }
    }

    /// Copies every line of `lines` into its bucket in `room` (as long):
    /// each piece of lines in parallel, into its own slots of each bucket,
    /// after the earlier pieces' lines of that bucket. For keys without
    /// drop glue a clone is a copy, and, unlike a swap, it leaves the
    /// source unwritten: a third less memory traffic.
    fn scatter<C: Clone + Hash + Shareable>(&self, lines: &[Line<C>], room: &mut [Line<C>]) {
        let pieces = self.counts.len();
        let buckets = self.bounds.len().saturating_sub(1);
        // The slots of bucket 0 piece 0, bucket 0 piece 1, …: in `room`'s
        // order.
        let mut ends = Vec::with_capacity(buckets * pieces + 1);
        ends.push(0);
        for b in 0..buckets {
            for piece in &self.counts {
                ends.push(ends.last().copied().unwrap_or(0) + piece.get(b).copied().unwrap_or(0));
            }
        }
        let mut slots: Vec<Vec<std::slice::IterMut<'_, Line<C>>>> =
            (0..pieces).map(|_| Vec::with_capacity(buckets)).collect();
        for (at, part) in split_at_bounds(room, &ends).into_iter().enumerate() {
            if let Some(piece) = slots.get_mut(at % pieces) {
                piece.push(part.iter_mut());
            }
        }
        let work: Vec<_> = lines.chunks(self.piece).zip(0..).zip(slots).collect();
        map_parts(work, |((lines, at), mut slots)| {
            let mut place = |line: &Line<C>, bucket: usize| {
                if let Some(slot) = slots.get_mut(bucket).and_then(Iterator::next) {
                    slot.clone_from(line);
                }
            };
            match &self.finder {
                BucketFinder::Table(table) => {
                    for line in lines {
                        place(line, table.bucket(number(&line.0)));
                    }
                }
                BucketFinder::Written(of_line) => {
                    let from = at * self.piece;
                    let of_line = of_line.get(from..from + lines.len()).unwrap_or_default();
                    for (line, &bucket) in lines.iter().zip(of_line) {
                        place(line, usize::from(bucket));
                    }
                }
            }
        });
    }
}

/// Finds each line's bucket with `bucket_of`, writes it to `of_line` (when
/// given one as long as the lines) and counts the lines per bucket.
#[inline]
fn count_piece<C>(
    lines: &[Line<C>],
    of_line: &mut [u16],
    buckets: usize,
    bucket_of: impl Fn(&C) -> usize,
) -> Vec<usize> {
    let mut counts = vec![0_usize; buckets];
    let mut of_line = of_line.iter_mut();
    for (key, _) in lines {
        let bucket = bucket_of(key);
        if let Some(slot) = of_line.next() {
            // Fewer than `MAX_BUCKETS` buckets: a `u16`.
            *slot = bucket as u16;
        }
        if let Some(count) = counts.get_mut(bucket) {
            *count += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_fast_amount_check_equals_the_decimal_comparison(
            mantissa in prop_oneof![any::<i64>().prop_map(i128::from), -(1_i128 << 95)..(1_i128 << 95)],
            scale in 0_u32..=28,
        ) {
            let amount = Decimal::from_i128_with_scale(mantissa, scale);
            prop_assert_eq!(amount_in_range(amount), amount.abs() <= MAX_AMOUNT, "{}", amount);
        }
    }

    #[test]
    fn the_fast_amount_check_is_exact_at_the_limit() {
        for scale in 0..=28 {
            let limit = MAX_AMOUNT.checked_mul(Decimal::ONE).unwrap();
            let at =
                Decimal::from_i128_with_scale(limit.mantissa() * 10_i128.pow(scale.min(13)), scale.min(13));
            assert!(amount_in_range(at) && amount_in_range(-at), "scale {scale}");
            let above = at + Decimal::new(1, scale.min(13));
            assert!(
                !amount_in_range(above) && !amount_in_range(-above),
                "scale {scale}"
            );
        }
    }

    #[test]
    fn records_past_the_limit_are_an_error_or_rejections() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let records: Vec<_> = (0..4_u64).map(|c| Purchase::new(c, day, Decimal::ONE)).collect();
        let err = Builder::new(LogOptions::default(), 3)
            .run(records.clone(), true)
            .unwrap_err();
        assert_eq!(err, Error::TooManyRecords { limit: 3 });
        let (log, rejected) = Builder::new(LogOptions::default(), 3)
            .run(records, false)
            .unwrap();
        assert_eq!(
            (log.len(), rejected.len(), rejected[0].index, rejected[0].customer),
            (3, 1, 3, 3)
        );
        assert_eq!(log.stats().accepted + log.stats().rejected, 4);
    }
}
