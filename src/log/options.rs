//! `LogOptions`: the rules a log is built with, and the strict and lenient builds.

use std::hash::Hash;

use rust_decimal::Decimal;

use super::build::{Builder, Fields};
use super::indexed;
use super::rules::{MAX_AMOUNT, RECORD_LIMIT, amount_in_range};
use super::{PurchaseColumns, PurchaseLog, Rejection};
use crate::key::CustomerKey;
use crate::{Calendar, Error, Purchase, Result, Timestamp};

/// How records that share an order id are read.
///
/// # Example
///
/// ```
/// use repurchase::{LogOptions, OrderLines};
///
/// // An export with one row per order: a repeated order id is a duplicate.
/// let options = LogOptions::default().order_lines(OrderLines::Reject);
/// assert_eq!(options.get_order_lines(), OrderLines::Reject);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum OrderLines {
    /// Records sharing an order id are lines of one order: one order whose
    /// amount is the lines' sum and whose time is its earliest line's, e.g.
    /// two lines of order `A-7` for 5.00 and 3.00 are one 8.00 order. A
    /// refund line carrying the order's id nets into that order. Every line
    /// after an order's first is counted in [`LogStats::merged`](crate::LogStats::merged).
    #[default]
    Merge,
    /// Each order is one record: a second record with the same order id is a
    /// duplicate ([`Error::DuplicateOrder`]), e.g. a row ingested twice.
    Reject,
}

crate::names::named!(OrderLines, "OrderLines", "merge or reject", {
    OrderLines::Merge => "merge",
    OrderLines::Reject => "reject",
});

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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LogOptions {
    valid_from: Timestamp,
    valid_until: Timestamp,
    order_lines: OrderLines,
    calendar: Calendar,
}

crate::stored::deserialize_checked!(LogOptions { valid_from: Timestamp, valid_until: Timestamp, order_lines: OrderLines, calendar: Option<Calendar> } => {
    LogOptions::default()
        .valid_range(valid_from, valid_until)
        .map(|options| options.order_lines(order_lines).calendar(calendar.unwrap_or_default()))
});

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            valid_from: Timestamp::from_valid_seconds(0),
            // 2100-01-01T00:00:00Z
            valid_until: Timestamp::from_valid_seconds(4_102_444_800),
            order_lines: OrderLines::Merge,
            calendar: Calendar::utc(),
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
    /// assert_eq!(options.get_order_lines(), OrderLines::Reject);
    /// ```
    #[must_use]
    pub fn order_lines(mut self, policy: OrderLines) -> Self {
        self.order_lines = policy;
        self
    }

    /// Sets the shop's calendar: where its days start. The log carries it,
    /// and every module that turns an instant into a day reads it from the
    /// log.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{FixedOffset, NaiveDate};
    /// use repurchase::{Calendar, LogOptions, Purchase, Timestamp};
    /// use rust_decimal::Decimal;
    ///
    /// let shanghai = Calendar::offset(FixedOffset::east_opt(8 * 3600).ok_or("bad offset")?);
    /// // 23:00 UTC on 4 March 2024: 07:00 on 5 March in Shanghai.
    /// let at = Timestamp::from_unix_seconds(1_709_593_200).ok_or("out of range")?;
    /// let log = LogOptions::default().calendar(shanghai).build(vec![Purchase::new(1_u32, at, Decimal::TEN)])?;
    /// assert_eq!(log.calendar(), shanghai);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn calendar(mut self, calendar: Calendar) -> Self {
        self.calendar = calendar;
        self
    }

    /// The shop's calendar.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{Calendar, LogOptions};
    ///
    /// assert_eq!(LogOptions::default().get_calendar(), Calendar::utc());
    /// ```
    pub fn get_calendar(&self) -> Calendar {
        self.calendar
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
    /// assert_eq!(LogOptions::default().get_order_lines(), OrderLines::Merge);
    /// ```
    pub fn get_order_lines(&self) -> OrderLines {
        self.order_lines
    }

    /// Checks one record's timestamp and amount, `index` naming it.
    #[inline(always)]
    pub(crate) fn check(&self, index: usize, seconds: i64, amount: Decimal) -> Result<()> {
        let (valid_from, valid_until) = (self.valid_from, self.valid_until);
        if seconds < valid_from.unix_seconds() || seconds >= valid_until.unix_seconds() {
            // Readers hand over only instants chrono represents.
            debug_assert!(Timestamp::from_unix_seconds(seconds).is_some(), "{seconds}");
            return Err(Error::TimestampOutOfRange {
                index,
                value: Timestamp::from_valid_seconds(seconds),
                valid_from,
                valid_until,
            });
        }
        if !amount_in_range(amount) {
            return Err(Error::AmountOutOfRange {
                index,
                value: amount,
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
        C: CustomerKey,
        I: IntoIterator<Item = Purchase<C>>,
    {
        Builder::new(*self, RECORD_LIMIT)
            .run(records.into_iter().map(Fields::of), true, None)
            .map(|(log, _)| log.in_calendar(self.calendar))
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
    /// assert_eq!((rejected[0].index, rejected[0].customer, rejected[0].field), (1, Some("b"), Field::Timestamp));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_lenient<C, I>(&self, records: I) -> (PurchaseLog<C>, Vec<Rejection<C>>)
    where
        C: CustomerKey,
        I: IntoIterator<Item = Purchase<C>>,
    {
        match Builder::new(*self, RECORD_LIMIT).run(records.into_iter().map(Fields::of), false, None) {
            Ok((log, rejected)) => (log.in_calendar(self.calendar), rejected),
            // Lenient runs record every error as a rejection and never fail.
            Err(_) => (PurchaseLog::empty().in_calendar(self.calendar), Vec::new()),
        }
    }

    /// Builds a log from columns, failing on the first bad row; see
    /// [`PurchaseLog::from_columns`].
    ///
    /// # Errors
    ///
    /// [`Error::ColumnLength`] for columns of unequal length; otherwise the
    /// first bad row, as [`build`](Self::build) names a record.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{AmountColumn, Error, LogOptions, PurchaseColumns, TimeColumn};
    ///
    /// let options = LogOptions::default().valid_range(
    ///     NaiveDate::from_ymd_opt(2020, 1, 1).ok_or("bad date")?,
    ///     NaiveDate::from_ymd_opt(2030, 1, 1).ok_or("bad date")?,
    /// )?;
    /// let days = [0]; // 1970-01-01: outside the valid range
    /// let columns = PurchaseColumns::new(&[1_u64], TimeColumn::UnixDays(&days), AmountColumn::Floats(&[5.0]));
    /// assert!(matches!(options.build_columns(&columns), Err(Error::TimestampOutOfRange { index: 0, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_columns<C>(&self, columns: &PurchaseColumns<'_, C>) -> Result<PurchaseLog<C>>
    where
        C: CustomerKey,
    {
        self.build_parts(std::slice::from_ref(columns), true)
            .map(|(log, _)| log)
    }

    /// Builds a log from the good rows of columns and lists the bad ones;
    /// see [`PurchaseLog::from_columns_lenient`].
    ///
    /// # Errors
    ///
    /// [`Error::ColumnLength`] for columns of unequal length.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, LogOptions, PurchaseColumns, TimeColumn};
    ///
    /// let cents = [500_i64, 1_000_000_000_000_000_000]; // the second: 10^16, beyond MAX_AMOUNT
    /// let columns = PurchaseColumns::new(
    ///     &[1_u64, 2],
    ///     TimeColumn::UnixDays(&[9_862, 9_863]),
    ///     AmountColumn::MinorUnits { units: &cents, scale: 2 },
    /// );
    /// let (log, rejected) = LogOptions::default().build_columns_lenient(&columns)?;
    /// assert_eq!((log.stats().accepted, log.stats().rejected, rejected[0].index), (1, 1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_columns_lenient<C>(
        &self,
        columns: &PurchaseColumns<'_, C>,
    ) -> Result<(PurchaseLog<C>, Vec<Rejection<C>>)>
    where
        C: CustomerKey,
    {
        self.build_parts(std::slice::from_ref(columns), false)
    }

    /// Builds a log from consecutive parts of one input (record batches,
    /// say): row `i` of a part is input row `i` plus the rows of the parts
    /// before it.
    pub(crate) fn build_parts<C>(
        &self,
        parts: &[PurchaseColumns<'_, C>],
        strict: bool,
    ) -> Result<(PurchaseLog<C>, Vec<Rejection<C>>)>
    where
        C: CustomerKey,
    {
        let mut offsets = Vec::with_capacity(parts.len());
        let mut rows = 0_usize;
        for part in parts {
            part.check_shape()?;
            offsets.push(rows);
            rows = rows.saturating_add(part.len());
        }
        // Without order ids, products and channels nothing needs staging:
        // rows are read where they are and written once, in order.
        let (log, rejected) = if indexed::applies(parts, rows) {
            indexed::build(parts, rows, self, strict)?
        } else {
            let records = parts
                .iter()
                .zip(offsets)
                .flat_map(|(part, offset)| part.rows(offset));
            // Exactly the rows: staged lines from columns are grouped where
            // they are (see `group`), as fresh room would cost its page faults.
            Builder::new(*self, RECORD_LIMIT).run(records, strict, Some(rows))?
        };
        Ok((log.in_calendar(self.calendar), rejected))
    }
}
