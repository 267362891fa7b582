//! `PurchaseColumns`: purchases as borrowed columns, one value per
//! purchase in each, read into a log without building `Purchase` values.

use std::fmt::{self, Write as _};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::build::{Fields, Read};
use crate::money::Money;
use crate::{Error, Field, Result, Timestamp};

/// A column of purchase times, in one of the encodings data tools use.
///
/// Integer encodings count from 1970-01-01T00:00:00Z (Unix time), as Arrow,
/// Parquet, Polars and SQL engines store timestamps and dates. Sub-second
/// units are truncated toward the earlier second, as [`Timestamp`] is. A
/// value beyond chrono's calendar (about ±262,000 years, typically a
/// column read in the wrong unit) is an [`Error::UnreadableValue`].
///
/// # Example
///
/// ```
/// use repurchase::TimeColumn;
///
/// // Days since 1970-01-01, as Arrow's Date32 stores them.
/// let days = [9_862_i32, 9_900];
/// let column = TimeColumn::UnixDays(&days);
/// assert_eq!(column.len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TimeColumn<'a> {
    /// The crate's own timestamps.
    Timestamps(&'a [Timestamp]),
    /// Calendar dates, read as midnight UTC, e.g. `1997-01-01`.
    Dates(&'a [NaiveDate]),
    /// Instants, e.g. `DateTime<Utc>` from a database driver.
    DateTimes(&'a [DateTime<Utc>]),
    /// Whole days since 1970-01-01 (Arrow `Date32`), e.g. `9862` for
    /// 1997-01-01.
    UnixDays(&'a [i32]),
    /// Seconds since 1970-01-01T00:00:00Z, e.g. `852076800` for 1997-01-01.
    UnixSeconds(&'a [i64]),
    /// Milliseconds since 1970-01-01T00:00:00Z (Arrow `Date64`, timestamps
    /// in ms).
    UnixMillis(&'a [i64]),
    /// Microseconds since 1970-01-01T00:00:00Z (Polars' and Parquet's
    /// usual timestamp unit).
    UnixMicros(&'a [i64]),
    /// Nanoseconds since 1970-01-01T00:00:00Z (pandas' unit).
    UnixNanos(&'a [i64]),
}

impl TimeColumn<'_> {
    /// The number of values.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::TimeColumn;
    ///
    /// assert_eq!(TimeColumn::UnixSeconds(&[0, 60, 120]).len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            TimeColumn::Timestamps(v) => v.len(),
            TimeColumn::Dates(v) => v.len(),
            TimeColumn::DateTimes(v) => v.len(),
            TimeColumn::UnixDays(v) => v.len(),
            TimeColumn::UnixSeconds(v)
            | TimeColumn::UnixMillis(v)
            | TimeColumn::UnixMicros(v)
            | TimeColumn::UnixNanos(v) => v.len(),
        }
    }

    /// `true` when the column holds no value.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::TimeColumn;
    ///
    /// assert!(TimeColumn::UnixDays(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `i` as Unix seconds; `Err` with the value's text when
    /// chrono has no such instant.
    #[inline(always)]
    fn seconds(&self, i: usize, calendar: (i64, i64)) -> Option<std::result::Result<i64, String>> {
        let seconds = match self {
            TimeColumn::Timestamps(v) => return v.get(i).map(|t| Ok(t.unix_seconds())),
            TimeColumn::DateTimes(v) => return v.get(i).map(|t| Ok(t.timestamp())),
            // Every `NaiveDate` is within chrono's calendar.
            TimeColumn::Dates(v) => return v.get(i).map(|d| Ok(Timestamp::from(*d).unix_seconds())),
            TimeColumn::UnixDays(v) => i64::from(*v.get(i)?) * 86_400,
            TimeColumn::UnixSeconds(v) => *v.get(i)?,
            TimeColumn::UnixMillis(v) => v.get(i)?.div_euclid(1_000),
            TimeColumn::UnixMicros(v) => v.get(i)?.div_euclid(1_000_000),
            TimeColumn::UnixNanos(v) => v.get(i)?.div_euclid(1_000_000_000),
        };
        Some(if (calendar.0..=calendar.1).contains(&seconds) {
            Ok(seconds)
        } else {
            Err(match self {
                TimeColumn::UnixDays(v) => format!("{} days", v.get(i).copied().unwrap_or_default()),
                TimeColumn::UnixMillis(v) => format!("{} ms", v.get(i).copied().unwrap_or_default()),
                TimeColumn::UnixMicros(v) => format!("{} µs", v.get(i).copied().unwrap_or_default()),
                TimeColumn::UnixNanos(v) => format!("{} ns", v.get(i).copied().unwrap_or_default()),
                _ => format!("{seconds} s"),
            })
        })
    }
}

/// A column of purchase amounts, in one of the encodings data tools use.
///
/// Every value becomes an exact `Decimal` before the log's rules apply
/// (amounts beyond [`MAX_AMOUNT`](crate::MAX_AMOUNT) are rejected):
///
/// | variant | value | read as |
/// |---|---|---|
/// | `Decimals` | `Decimal` | itself |
/// | `MinorUnits { scale: 2 }` | `1999_i64` | `19.99` |
/// | `Decimal128 { scale: 2 }` | `1999_i128` | `19.99` (Arrow `Decimal128(p, 2)`) |
/// | `Floats` | `19.99_f64` | `19.99`, the shortest decimal that reads back as the same `f64` |
///
/// A `Decimal128` value with more than 28 significant digits is rounded
/// half to even to `Decimal`'s 28 digits. A NaN or infinite float is an
/// [`Error::UnreadableValue`].
///
/// # Example
///
/// ```
/// use repurchase::AmountColumn;
///
/// let cents = [1999_i64, -500];
/// let column = AmountColumn::MinorUnits { units: &cents, scale: 2 };
/// assert_eq!(column.len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum AmountColumn<'a> {
    /// Exact amounts.
    Decimals(&'a [Decimal]),
    /// Integers counting `10^-scale` units, e.g. cents with `scale: 2`.
    MinorUnits {
        /// The integers.
        units: &'a [i64],
        /// Decimal places, at most 28.
        scale: u32,
    },
    /// Arrow's `Decimal128` layout: `units · 10^-scale`, where a negative
    /// scale multiplies.
    Decimal128 {
        /// The unscaled integers.
        units: &'a [i128],
        /// Decimal places (negative: powers of ten to multiply by).
        scale: i8,
    },
    /// Binary floats, each read through its shortest round-trip decimal
    /// text (`0.1_f64` is `0.1`, not `0.1000000000000000055…`).
    Floats(&'a [f64]),
}

impl AmountColumn<'_> {
    /// The number of values.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::AmountColumn;
    ///
    /// assert_eq!(AmountColumn::Floats(&[1.5, 2.0]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            AmountColumn::Decimals(v) => v.len(),
            AmountColumn::MinorUnits { units, .. } => units.len(),
            AmountColumn::Decimal128 { units, .. } => units.len(),
            AmountColumn::Floats(v) => v.len(),
        }
    }

    /// `true` when the column holds no value.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::AmountColumn;
    ///
    /// assert!(AmountColumn::Decimals(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `i` as a `Decimal`; `Err` with the value's text when it
    /// is not a finite number.
    #[inline(always)]
    fn decimal(&self, i: usize) -> Option<std::result::Result<Decimal, String>> {
        Some(Ok(match self {
            AmountColumn::Decimals(v) => *v.get(i)?,
            // `scale` is checked before any row is read.
            AmountColumn::MinorUnits { units, scale } => Decimal::new(*units.get(i)?, (*scale).min(28)),
            AmountColumn::Decimal128 { units, scale } => decimal_from_i128(*units.get(i)?, *scale),
            AmountColumn::Floats(v) => {
                let x = *v.get(i)?;
                return Some(decimal_from_f64(x).ok_or_else(|| x.to_string()));
            }
        }))
    }
}

/// `units · 10^-scale` as a `Decimal`: rounded half to even past 28
/// digits, saturated to `Decimal::MAX`/`MIN` beyond its range (which the
/// amount rule then rejects).
fn decimal_from_i128(units: i128, scale: i8) -> Decimal {
    let (units, scale) = if scale < 0 {
        let factor = 10_i128.checked_pow(u32::from(scale.unsigned_abs()));
        let scaled = factor.and_then(|f| units.checked_mul(f));
        (scaled.unwrap_or(if units < 0 { i128::MIN } else { i128::MAX }), 0)
    } else {
        (units, scale as u32)
    };
    Money::from_units(units, scale).value()
}

/// A float's shortest round-trip decimal text, read as a `Decimal`; `None`
/// for NaN, infinities and values beyond `Decimal`'s range or precision.
fn decimal_from_f64(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    // Scientific notation keeps the text short whatever the magnitude
    // (`1e300`, `1e-300`); the shortest digits that read back as `x`.
    let mut text = ShortText::default();
    write!(text, "{x:e}").ok()?;
    Decimal::from_scientific(text.as_str()).ok()
}

/// Text written into a fixed buffer: no allocation per value.
struct ShortText {
    bytes: [u8; 40],
    len: usize,
}

impl Default for ShortText {
    fn default() -> Self {
        Self {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl ShortText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(self.bytes.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

impl fmt::Write for ShortText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Which rows of a column hold a value: Arrow's validity layout, one bit a
/// row (least significant first), starting `offset` bits in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Validity<'a> {
    pub(crate) bits: &'a [u8],
    pub(crate) offset: usize,
}

impl Validity<'_> {
    #[inline]
    fn holds(&self, i: usize) -> bool {
        let bit = self.offset + i;
        self.bits
            .get(bit / 8)
            .is_some_and(|byte| byte >> (bit % 8) & 1 == 1)
    }
}

/// The column names errors use: the caller's own when the columns came
/// from a named source such as a record batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColumnNames<'a> {
    pub(crate) customer: &'a str,
    pub(crate) time: &'a str,
    pub(crate) amount: &'a str,
    pub(crate) order_id: &'a str,
    pub(crate) product: &'a str,
    pub(crate) channel: &'a str,
}

impl Default for ColumnNames<'_> {
    fn default() -> Self {
        Self {
            customer: "customers",
            time: "times",
            amount: "amounts",
            order_id: "order_ids",
            product: "products",
            channel: "channels",
        }
    }
}

/// Purchases as borrowed columns, one value per purchase in each: the
/// columnar way into a [`PurchaseLog`](crate::PurchaseLog), with the same
/// rules, rejections and [`LogStats`](crate::LogStats) as records, and no
/// [`Purchase`](crate::Purchase) built on the way.
///
/// Row `i` is the purchase of `customers[i]` at `times[i]` for
/// `amounts[i]`; the optional order id, product and channel columns name
/// it further (`None` for a row without one). Errors and rejections name a
/// row by its position, as they name a record.
///
/// For string customer keys, borrow them (`&[&str]`): the log's keys are
/// then `&str`, allocated once per customer by
/// [`PurchaseLog::into_owned_keys`](crate::PurchaseLog::into_owned_keys),
/// never once per row.
///
/// | column | required | type |
/// |---|---|---|
/// | customers | yes | `&[C]`, any key type |
/// | times | yes | [`TimeColumn`]: timestamps, dates, or Unix days, seconds, ms, µs, ns |
/// | amounts | yes | [`AmountColumn`]: `Decimal`, minor units (cents), Arrow's `Decimal128`, `f64` |
/// | order ids, products, channels | no | `&[Option<&str>]` |
///
/// # Example
///
/// ```
/// use repurchase::{AmountColumn, PurchaseColumns, PurchaseLog, TimeColumn};
///
/// let customers = ["alice", "bob", "alice"];
/// let days = [9_862, 9_870, 9_900]; // days since 1970-01-01
/// let cents = [2_500_i64, 1_200, 3_100];
/// let products = [Some("tea"), None, Some("coffee")];
/// let columns = PurchaseColumns::new(
///     &customers,
///     TimeColumn::UnixDays(&days),
///     AmountColumn::MinorUnits { units: &cents, scale: 2 },
/// )
/// .products(&products);
/// let log = PurchaseLog::from_columns(&columns)?.into_owned_keys();
/// assert_eq!(log.keys(), ["alice", "bob"]);
/// assert_eq!(log.products(), ["tea", "coffee"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseColumns<'a, C> {
    pub(super) customers: &'a [C],
    times: TimeColumn<'a>,
    amounts: AmountColumn<'a>,
    order_ids: Option<&'a [Option<&'a str>]>,
    products: Option<&'a [Option<&'a str>]>,
    channels: Option<&'a [Option<&'a str>]>,
    /// Rows of the customer, time and amount columns that hold a value
    /// (Arrow's nulls); `None`: every row does.
    pub(crate) validity: [Option<Validity<'a>>; 3],
    pub(crate) names: ColumnNames<'a>,
}

impl<'a, C> PurchaseColumns<'a, C> {
    /// The required columns: who, when, how much.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{AmountColumn, PurchaseColumns, TimeColumn};
    /// use rust_decimal::Decimal;
    ///
    /// let customers = [1_u64, 2];
    /// let days = [NaiveDate::from_ymd_opt(2024, 1, 5).ok_or("bad date")?; 2];
    /// let amounts = [Decimal::TEN, Decimal::ONE];
    /// let columns = PurchaseColumns::new(&customers, TimeColumn::Dates(&days), AmountColumn::Decimals(&amounts));
    /// assert_eq!(columns.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(customers: &'a [C], times: TimeColumn<'a>, amounts: AmountColumn<'a>) -> Self {
        Self {
            customers,
            times,
            amounts,
            order_ids: None,
            products: None,
            channels: None,
            validity: [None; 3],
            names: ColumnNames::default(),
        }
    }

    /// Sets the order id column: rows sharing an id are lines of one order
    /// (see [`OrderLines`](crate::OrderLines)).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, PurchaseLog, TimeColumn};
    ///
    /// let customers = [7_u32, 7];
    /// let seconds = [1_700_000_000_i64, 1_700_000_100];
    /// let cents = [500_i64, 300];
    /// let orders = [Some("A-1"), Some("A-1")];
    /// let columns = PurchaseColumns::new(
    ///     &customers,
    ///     TimeColumn::UnixSeconds(&seconds),
    ///     AmountColumn::MinorUnits { units: &cents, scale: 2 },
    /// )
    /// .order_ids(&orders);
    /// let log = PurchaseLog::from_columns(&columns)?;
    /// assert_eq!((log.stats().accepted, log.stats().merged), (1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn order_ids(mut self, order_ids: &'a [Option<&'a str>]) -> Self {
        self.order_ids = Some(order_ids);
        self
    }

    /// Sets the product column.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, TimeColumn};
    ///
    /// let products = [Some("tea")];
    /// let columns = PurchaseColumns::new(&[1_u8], TimeColumn::UnixDays(&[0]), AmountColumn::Floats(&[1.0]))
    ///     .products(&products);
    /// assert_eq!(columns.len(), 1);
    /// ```
    #[must_use]
    pub fn products(mut self, products: &'a [Option<&'a str>]) -> Self {
        self.products = Some(products);
        self
    }

    /// Sets the sales channel column.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, TimeColumn};
    ///
    /// let channels = [Some("app")];
    /// let columns = PurchaseColumns::new(&[1_u8], TimeColumn::UnixDays(&[0]), AmountColumn::Floats(&[1.0]))
    ///     .channels(&channels);
    /// assert_eq!(columns.len(), 1);
    /// ```
    #[must_use]
    pub fn channels(mut self, channels: &'a [Option<&'a str>]) -> Self {
        self.channels = Some(channels);
        self
    }

    /// The number of rows (the customer column's length).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, TimeColumn};
    ///
    /// let columns = PurchaseColumns::new(&[1_u8, 2], TimeColumn::UnixDays(&[0, 1]), AmountColumn::Floats(&[1.0, 2.0]));
    /// assert_eq!(columns.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// `true` when there is no row.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{AmountColumn, PurchaseColumns, TimeColumn};
    ///
    /// assert!(PurchaseColumns::<u64>::new(&[], TimeColumn::UnixDays(&[]), AmountColumn::Floats(&[])).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Checks that every column has one value per row and that the amount
    /// encoding is valid.
    pub(crate) fn check_shape(&self) -> Result<()> {
        let expected = self.len();
        let names = &self.names;
        let lengths = [
            (names.time, Some(self.times.len())),
            (names.amount, Some(self.amounts.len())),
            (names.order_id, self.order_ids.map(<[_]>::len)),
            (names.product, self.products.map(<[_]>::len)),
            (names.channel, self.channels.map(<[_]>::len)),
        ];
        for (column, len) in lengths {
            if let Some(len) = len.filter(|&len| len != expected) {
                return Err(Error::ColumnLength {
                    column: column.to_string(),
                    len,
                    expected,
                });
            }
        }
        if let AmountColumn::MinorUnits { scale, .. } = self.amounts {
            if scale > 28 {
                return Err(Error::InvalidParameter {
                    name: "AmountColumn::MinorUnits::scale",
                    value: scale.to_string(),
                    expected: "at most 28 decimal places",
                });
            }
        }
        Ok(())
    }

    /// `true` when an order id, product or channel column is set.
    pub(super) fn has_text(&self) -> bool {
        self.order_ids.is_some() || self.products.is_some() || self.channels.is_some()
    }

    /// Every row, read as the builder reads a record; errors name row `i`
    /// as `offset + i` (the columns are a part of a larger input).
    pub(super) fn rows(&self, offset: usize) -> impl Iterator<Item = Read<C, &'a str>> + '_
    where
        C: Clone,
    {
        (0..self.len()).map(move |i| self.read(i, offset))
    }

    /// Row `i`, read as the builder reads a record (see [`Self::rows`]).
    #[inline(always)]
    pub(super) fn read(&self, i: usize, offset: usize) -> Read<C, &'a str>
    where
        C: Clone,
    {
        let calendar = (
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        );
        let text = |column: Option<&'a [Option<&'a str>]>| column.and_then(|c| c.get(i).copied().flatten());
        let [customer_valid, time_valid, amount_valid] = self.validity.map(|v| v.is_none_or(|v| v.holds(i)));
        let customer = self.customers.get(i).filter(|_| customer_valid).cloned();
        let unreadable = |column: &str, field, value: String, expected| Error::UnreadableValue {
            index: offset + i,
            column: column.to_string(),
            field,
            value,
            expected,
        };
        let Some(customer) = customer else {
            let null = unreadable(
                self.names.customer,
                Field::Customer,
                "null".into(),
                "a customer key",
            );
            return Err((None, null));
        };
        let seconds = match self.times.seconds(i, calendar).filter(|_| time_valid) {
            Some(Ok(seconds)) => seconds,
            found => {
                let value = found.and_then(|f| f.err()).unwrap_or_else(|| "null".into());
                let expected =
                    "a time within chrono's calendar (about ±262,000 years); check the column's unit";
                return Err((
                    Some(customer),
                    unreadable(self.names.time, Field::Timestamp, value, expected),
                ));
            }
        };
        let amount = match self.amounts.decimal(i).filter(|_| amount_valid) {
            Some(Ok(amount)) => amount,
            found => {
                let value = found.and_then(|f| f.err()).unwrap_or_else(|| "null".into());
                let expected = "a finite amount";
                return Err((
                    Some(customer),
                    unreadable(self.names.amount, Field::Amount, value, expected),
                ));
            }
        };
        Ok(Fields {
            customer,
            seconds,
            amount,
            order_id: text(self.order_ids),
            product: text(self.products),
            channel: text(self.channels),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn floats_read_as_their_shortest_decimal() {
        for (x, text) in [
            (0.1, "0.1"),
            (19.99, "19.99"),
            (-5.0, "-5"),
            (1e15, "1000000000000000"),
            (1.5e-7, "0.00000015"),
            (0.0, "0"),
        ] {
            let expected = Decimal::from_str(text).unwrap();
            assert_eq!(decimal_from_f64(x), Some(expected), "{x}");
        }
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300] {
            assert_eq!(decimal_from_f64(x), None, "{x}");
        }
    }

    #[test]
    fn decimal128_values_keep_their_scale_and_round_past_28_digits() {
        let cases = [
            (1999, 2, "19.99"),
            (-5, 0, "-5"),
            (12, -3, "12000"),
            // 30 significant digits at scale 29: rounded to 28, half to even.
            (
                123_456_789_012_345_678_901_234_567_895,
                29,
                "1.2345678901234567890123456790",
            ),
        ];
        for (units, scale, text) in cases {
            assert_eq!(
                decimal_from_i128(units, scale).to_string(),
                text,
                "{units}e-{scale}"
            );
        }
        assert_eq!(decimal_from_i128(i128::MAX, -10), Decimal::MAX);
        assert_eq!(decimal_from_i128(i128::MIN, 0), Decimal::MIN);
    }

    #[test]
    fn validity_bits_count_from_the_offset() {
        let validity = Validity {
            bits: &[0b1010_0000, 0b0000_0001],
            offset: 5,
        };
        let held: Vec<bool> = (0..4).map(|i| validity.holds(i)).collect();
        assert_eq!(held, [true, false, true, true]);
        assert!(!validity.holds(100));
    }
}
