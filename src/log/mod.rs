//! `PurchaseLog`: validated purchases, grouped by customer and sorted by time.

mod build;
mod columns;
mod group;
mod indexed;
mod integer_keys;
mod options;
mod rules;
mod short_sort;

use rust_decimal::Decimal;

pub use columns::{AmountColumn, PurchaseColumns, TimeColumn};
#[cfg(feature = "arrow")]
pub(crate) use columns::{ColumnNames, Validity};
pub use options::{LogOptions, OrderLines};
#[cfg(feature = "serde")]
pub(crate) use rules::serialize_display;
pub use rules::{LogStats, MAX_AMOUNT, Rejection};

use crate::calendar::Clock;
use crate::key::CustomerKey;
use crate::{Calendar, Purchase, Result, Timestamp};
use rules::NONE;

/// Purchases validated, grouped by customer and sorted by time.
///
/// Invariant: every record passed the [`LogOptions`] rules; customers are
/// sorted by key and each customer's lines are sorted by time.
///
/// Build one from records with [`PurchaseLog::new`] (strict: the first bad
/// record is an error) or [`PurchaseLog::lenient`] (keeps the good records,
/// lists the bad); from columns with [`PurchaseLog::from_columns`] and
/// [`PurchaseLog::from_columns_lenient`]; or through [`LogOptions`] for
/// other rules. Both ways apply the same rules and build the same log.
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
///   rejected ([`Error::OrderCustomerMismatch`](crate::Error::OrderCustomerMismatch)).
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
    /// The shop's calendar, and its day clock over the log's span.
    calendar: Calendar,
    clock: Clock,
}

impl<C: CustomerKey> PurchaseLog<C> {
    /// Builds a log with the default [`LogOptions`], failing on the first
    /// bad record.
    ///
    /// # Errors
    ///
    /// The first bad record, as an [`Error`](crate::Error)(crate::Error) naming its index, field and
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

    /// Builds a log with the default [`LogOptions`] from columns, failing
    /// on the first bad row.
    ///
    /// # Errors
    ///
    /// [`Error::ColumnLength`](crate::Error::ColumnLength) when a column's
    /// length differs from the customer column's; otherwise the first bad
    /// row, as an [`Error`](crate::Error)(crate::Error) naming its position, field and
    /// value, exactly as [`PurchaseLog::new`] names a record.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, PurchaseLog, TimeColumn};
    ///
    /// let customers = [1_u64, 2, 1];
    /// let seconds = [852_076_800_i64, 852_163_200, 855_000_000];
    /// let cents = [1_999_i64, 500, 2_450];
    /// let columns = PurchaseColumns::new(
    ///     &customers,
    ///     TimeColumn::UnixSeconds(&seconds),
    ///     AmountColumn::MinorUnits { units: &cents, scale: 2 },
    /// );
    /// let log = PurchaseLog::from_columns(&columns)?;
    /// assert_eq!((log.customer_count(), log.len()), (2, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_columns(columns: &PurchaseColumns<'_, C>) -> Result<Self> {
        LogOptions::default().build_columns(columns)
    }

    /// Builds a log with the default [`LogOptions`] from the good rows of
    /// columns, and lists the bad ones with the reason.
    ///
    /// # Errors
    ///
    /// [`Error::ColumnLength`](crate::Error::ColumnLength) when a column's
    /// length differs from the customer column's: no row can be read.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, Field, PurchaseColumns, PurchaseLog, TimeColumn};
    ///
    /// let customers = ["a", "b"];
    /// let days = [9_862, 9_863];
    /// let amounts = [12.5, f64::NAN];
    /// let columns = PurchaseColumns::new(&customers, TimeColumn::UnixDays(&days), AmountColumn::Floats(&amounts));
    /// let (log, rejected) = PurchaseLog::from_columns_lenient(&columns)?;
    /// assert_eq!(log.keys(), ["a"]);
    /// assert_eq!((rejected[0].index, rejected[0].customer, rejected[0].field), (1, Some("b"), Field::Amount));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_columns_lenient(columns: &PurchaseColumns<'_, C>) -> Result<(Self, Vec<Rejection<C>>)> {
        LogOptions::default().build_columns_lenient(columns)
    }
}

impl<K: ToOwned + ?Sized> PurchaseLog<&K> {
    /// The same log with owned keys (`&str` → `String`): one allocation
    /// per customer. Borrowed keys are how string columns build a log
    /// without an allocation per row.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, PurchaseLog, TimeColumn};
    ///
    /// let ids: Vec<String> = vec!["c-2".into(), "c-1".into()];
    /// let borrowed: Vec<&str> = ids.iter().map(String::as_str).collect();
    /// let columns = PurchaseColumns::new(&borrowed, TimeColumn::UnixDays(&[0, 1]), AmountColumn::Floats(&[1.0, 2.0]));
    /// let log: PurchaseLog<String> = PurchaseLog::from_columns(&columns)?.into_owned_keys();
    /// assert_eq!(log.keys(), ["c-1", "c-2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_owned_keys(self) -> PurchaseLog<K::Owned> {
        // `Borrow` orders owned keys as their borrowed forms: still sorted.
        PurchaseLog {
            keys: self.keys.into_iter().map(ToOwned::to_owned).collect(),
            starts: self.starts,
            rows: self.rows,
            product_codes: self.product_codes,
            products: self.products,
            channel_codes: self.channel_codes,
            channels: self.channels,
            stats: self.stats,
            calendar: self.calendar,
            clock: self.clock,
        }
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
            calendar: Calendar::utc(),
            clock: Clock::default(),
        }
    }

    /// The log in `calendar`, its clock made for the log's span.
    fn in_calendar(self, calendar: Calendar) -> Self {
        let (first, last) = self.rows.iter().fold((i64::MAX, i64::MIN), |(lo, hi), r| {
            (lo.min(r.seconds), hi.max(r.seconds))
        });
        let clock = if first <= last {
            calendar.clock(first, last, self.rows.len())
        } else {
            calendar.clock(0, 0, 0)
        };
        Self {
            calendar,
            clock,
            ..self
        }
    }

    /// The shop's calendar, which every module reads to turn an instant
    /// into a day ([`LogOptions::calendar`]).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{datasets::cdnow_sample, Calendar};
    ///
    /// assert_eq!(cdnow_sample()?.calendar(), Calendar::utc());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn calendar(&self) -> Calendar {
        self.calendar
    }

    /// The day clock of the log's calendar.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
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
        crate::invariant::range(&self.log.rows, self.range.clone()).unwrap_or(&[])
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

/// One stored line: where a customer's purchases live in a [`PurchaseLog`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
