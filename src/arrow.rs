//! Arrow record batches in and out (feature `arrow`): purchase logs from
//! the columns of one or many batches, and results as batches with a
//! documented schema.
//!
//! The library stays I/O-free: read CSV, Parquet, IPC or a query engine's
//! output into [`RecordBatch`]es with the Arrow crates you already use, and
//! hand them over. Numeric and time columns are read in place (no copy of
//! the values); a string column is read as one `&str` per row, and its
//! distinct values are copied once each.
//!
//! # In
//!
//! [`PurchaseLog::from_batches`] reads the columns that [`BatchColumns`]
//! names:
//!
//! | column | Arrow types |
//! |---|---|
//! | customer | `Int32`, `Int64`, `UInt32`, `UInt64`, `Utf8`, `LargeUtf8`, `Utf8View`, as the key type `C` says ([`ArrowKey`]) |
//! | time | `Date32`, `Date64`, `Timestamp` of any unit, with or without a time zone (an instant is an instant; a zone-less timestamp is read as UTC wall-clock time, as [`Timestamp`] reads a `NaiveDateTime`) |
//! | amount | `Decimal128` of any precision and scale; `Int64` minor units with the scale given by [`BatchColumns::minor_units`]; `Float64`, through each value's shortest decimal text |
//! | order id, product, channel (optional) | `Utf8`, `LargeUtf8`, `Utf8View`; a null is "none" |
//!
//! A missing column is [`Error::MissingColumn`], a type the crate cannot
//! read [`Error::ColumnType`], both naming the column; a null customer,
//! time or amount is [`Error::UnreadableValue`] naming the column and row
//! (rows are numbered across the batches, in order), and the lenient form
//! rejects that row instead.
//!
//! # Out
//!
//! | function | one row per | columns |
//! |---|---|---|
//! | [`summaries_to_batch`] | customer summary | `customer`, `frequency` (UInt32), `recency`, `t` (Float64), `monetary_value` (Decimal128, null without a repeat), `first_purchase`, `last_purchase` (Timestamp(Second, "+00:00")), `orders`, `periods` (UInt32), `total_spend`, `mean_order_value` (Decimal128) |
//! | [`splits_to_batch`] | calibration/holdout summary | `customer`, `frequency_cal`, `recency_cal`, `t_cal`, `monetary_value_cal`, `frequency_holdout`, `monetary_value_holdout`, `duration_holdout` |
//! | [`rfm_to_batch`] | RFM score | `customer`, `days_since_last`, `frequency`, `monetary` (Float64), `r`, `f`, `m` (UInt8), `code` (Utf8, e.g. `"545"`), `segment` (Utf8) |
//! | [`stages_to_batch`] | lifecycle stage | `customer`, `stage` (Utf8, e.g. `at risk`), `rule` (Utf8, the `StageRule` variant's name, e.g. `ChurnWindow`), `purchase_days`, `days_since_first`, `days_since_last` (UInt32), `gap_before_last` (UInt32, nullable), `typical_interval` (Float64, nullable) |
//! | [`values_to_batch`] | customer | `customer`, then one Float64 column per named series (P(alive), expected purchases, expected spend, CLV, churn score…) |
//!
//! Money is `Decimal128(38, s)`, `s` the largest scale among the column's
//! values, so every value is exact.

use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
    UInt8Array, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field as ArrowField, Schema, TimeUnit as ArrowTimeUnit};
use rust_decimal::Decimal;

use crate::key::CustomerKey;
use crate::lifecycle::CustomerStage;
use crate::log::{ColumnNames, Validity};
use crate::rfm::{RfmScores, SegmentTable};
use crate::{
    AmountColumn, CustomerSummary, Error, LogOptions, PurchaseColumns, PurchaseLog, Rejection, Result,
    SplitSummary, TimeColumn, Timestamp,
};

/// The names of the purchase columns in a record batch, and the rules the
/// log is built with.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | customer, time, amount | (required) | the columns' names |
/// | [`order_id`](Self::order_id), [`product`](Self::product), [`channel`](Self::channel) | none | optional columns' names |
/// | [`minor_units`](Self::minor_units) | none | decimal places of an `Int64` amount column (2 for cents); required for one |
/// | [`log_options`](Self::log_options) | [`LogOptions::default`] | the log's rules |
///
/// # Example
///
/// ```
/// use repurchase::arrow::BatchColumns;
///
/// let columns = BatchColumns::new("customer_id", "ordered_at", "amount_cents")
///     .minor_units(2)
///     .order_id("order_id");
/// assert_eq!(columns.customer_column(), "customer_id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchColumns {
    customer: String,
    time: String,
    amount: String,
    order_id: Option<String>,
    product: Option<String>,
    channel: Option<String>,
    minor_units: Option<u32>,
    options: LogOptions,
}

impl BatchColumns {
    /// The required columns, by name.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::arrow::BatchColumns;
    ///
    /// let columns = BatchColumns::new("customer_id", "date", "amount");
    /// assert_eq!(columns.time_column(), "date");
    /// ```
    pub fn new(customer: impl Into<String>, time: impl Into<String>, amount: impl Into<String>) -> Self {
        Self {
            customer: customer.into(),
            time: time.into(),
            amount: amount.into(),
            order_id: None,
            product: None,
            channel: None,
            minor_units: None,
            options: LogOptions::default(),
        }
    }

    /// Names the order id column.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// let columns = BatchColumns::new("c", "t", "a").order_id("order");
    /// assert_eq!(columns.order_id_column(), Some("order"));
    /// ```
    #[must_use]
    pub fn order_id(mut self, name: impl Into<String>) -> Self {
        self.order_id = Some(name.into());
        self
    }

    /// Names the product column.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// let columns = BatchColumns::new("c", "t", "a").product("sku");
    /// assert_eq!(columns.product_column(), Some("sku"));
    /// ```
    #[must_use]
    pub fn product(mut self, name: impl Into<String>) -> Self {
        self.product = Some(name.into());
        self
    }

    /// Names the sales channel column.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// let columns = BatchColumns::new("c", "t", "a").channel("channel");
    /// assert_eq!(columns.channel_column(), Some("channel"));
    /// ```
    #[must_use]
    pub fn channel(mut self, name: impl Into<String>) -> Self {
        self.channel = Some(name.into());
        self
    }

    /// Reads an `Int64` amount column as integers of `10^-scale` units
    /// (`2` for cents).
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// let columns = BatchColumns::new("c", "t", "cents").minor_units(2);
    /// assert_eq!(columns.minor_units_scale(), Some(2));
    /// ```
    #[must_use]
    pub fn minor_units(mut self, scale: u32) -> Self {
        self.minor_units = Some(scale);
        self
    }

    /// Sets the rules the log is built with.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::arrow::BatchColumns;
    /// use repurchase::{LogOptions, OrderLines};
    ///
    /// let columns = BatchColumns::new("c", "t", "a").log_options(LogOptions::default().order_lines(OrderLines::Reject));
    /// assert_eq!(columns.options().get_order_lines(), OrderLines::Reject);
    /// ```
    #[must_use]
    pub fn log_options(mut self, options: LogOptions) -> Self {
        self.options = options;
        self
    }

    /// The customer column's name.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").customer_column(), "c");
    /// ```
    pub fn customer_column(&self) -> &str {
        &self.customer
    }

    /// The time column's name.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").time_column(), "t");
    /// ```
    pub fn time_column(&self) -> &str {
        &self.time
    }

    /// The amount column's name.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").amount_column(), "a");
    /// ```
    pub fn amount_column(&self) -> &str {
        &self.amount
    }

    /// The order id column's name, if set.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").order_id_column(), None);
    /// ```
    pub fn order_id_column(&self) -> Option<&str> {
        self.order_id.as_deref()
    }

    /// The product column's name, if set.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").product_column(), None);
    /// ```
    pub fn product_column(&self) -> Option<&str> {
        self.product.as_deref()
    }

    /// The channel column's name, if set.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").channel_column(), None);
    /// ```
    pub fn channel_column(&self) -> Option<&str> {
        self.channel.as_deref()
    }

    /// The scale of an `Int64` amount column, if set.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::arrow::BatchColumns;
    /// assert_eq!(BatchColumns::new("c", "t", "a").minor_units_scale(), None);
    /// ```
    pub fn minor_units_scale(&self) -> Option<u32> {
        self.minor_units
    }

    /// The rules the log is built with.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::{arrow::BatchColumns, LogOptions};
    /// assert_eq!(*BatchColumns::new("c", "t", "a").options(), LogOptions::default());
    /// ```
    pub fn options(&self) -> &LogOptions {
        &self.options
    }

    fn names(&self) -> ColumnNames<'_> {
        ColumnNames {
            customer: &self.customer,
            time: &self.time,
            amount: &self.amount,
            order_id: self.order_id.as_deref().unwrap_or_default(),
            product: self.product.as_deref().unwrap_or_default(),
            channel: self.channel.as_deref().unwrap_or_default(),
        }
    }
}

/// A customer key type that can be read from, and written to, an Arrow
/// column.
///
/// | key type | columns read | column written |
/// |---|---|---|
/// | `i32` | `Int32` | `Int32` |
/// | `i64` | `Int64`, `Int32` | `Int64` |
/// | `u32` | `UInt32` | `UInt32` |
/// | `u64` | `UInt64`, `UInt32` | `UInt64` |
/// | `String` | `Utf8`, `LargeUtf8`, `Utf8View` | `Utf8` |
///
/// Integer columns are read in place; a widened one (`Int32` as `i64`) is
/// copied once. String keys are borrowed while the log is built and owned
/// once per customer after.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Array, ArrayRef, StringArray};
/// use repurchase::arrow::ArrowKey;
///
/// let keys = vec!["alice".to_string(), "bob".to_string()];
/// let array: ArrayRef = String::to_array(&keys);
/// assert_eq!(array.len(), 2);
/// ```
pub trait ArrowKey: CustomerKey + Sized {
    /// The key as borrowed from a column while a log is built.
    type Borrowed<'a>: CustomerKey;

    /// The column's values, in place where the type allows.
    ///
    /// # Errors
    ///
    /// [`Error::ColumnType`] for a type this key cannot be read from.
    ///
    /// # Example
    ///
    /// ```
    /// use arrow_array::{Int32Array, StringArray};
    /// use repurchase::arrow::ArrowKey;
    ///
    /// let names = StringArray::from(vec!["ann", "bob"]);
    /// assert_eq!(*String::read(&names, "customer")?, ["ann", "bob"]);
    /// // An Int32 column read as i64 keys is widened once.
    /// let ids = Int32Array::from(vec![7, 9]);
    /// assert_eq!(*i64::read(&ids, "customer")?, [7_i64, 9]);
    /// assert!(u32::read(&names, "customer").is_err());
    /// # Ok::<(), repurchase::Error>(())
    /// ```
    fn read<'a>(array: &'a dyn Array, column: &str) -> Result<std::borrow::Cow<'a, [Self::Borrowed<'a>]>>;

    /// A borrowed key, owned.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::arrow::ArrowKey;
    ///
    /// assert_eq!(String::to_owned_key(&"ann"), "ann".to_string());
    /// ```
    fn to_owned_key(key: &Self::Borrowed<'_>) -> Self;

    /// A log with borrowed keys, with owned ones.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::arrow::ArrowKey;
    /// use repurchase::{AmountColumn, PurchaseColumns, PurchaseLog, TimeColumn};
    ///
    /// let customers = ["ann", "bob", "ann"];
    /// let borrowed = PurchaseLog::from_columns(&PurchaseColumns::new(
    ///     &customers,
    ///     TimeColumn::UnixDays(&[19_800, 19_801, 19_830]),
    ///     AmountColumn::MinorUnits { units: &[1_999, 500, 2_450], scale: 2 },
    /// ))?;
    /// let owned: PurchaseLog<String> = String::own_log(borrowed);
    /// assert_eq!(owned.keys(), ["ann", "bob"]);
    /// # Ok::<(), repurchase::Error>(())
    /// ```
    fn own_log(log: PurchaseLog<Self::Borrowed<'_>>) -> PurchaseLog<Self>;

    /// The keys as an Arrow column.
    ///
    /// # Example
    ///
    /// ```
    /// use arrow_array::{Array, UInt64Array};
    /// use repurchase::arrow::ArrowKey;
    ///
    /// let array = u64::to_array(&[3_u64, 5]);
    /// let ids = array.as_any().downcast_ref::<UInt64Array>().ok_or("not UInt64")?;
    /// assert_eq!(ids.values(), &[3, 5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn to_array<'k>(keys: impl IntoIterator<Item = &'k Self>) -> ArrayRef
    where
        Self: 'k;
}

fn wrong_type(column: &str, array: &dyn Array, expected: &'static str) -> Error {
    Error::ColumnType {
        column: column.to_string(),
        found: array.data_type().to_string(),
        expected,
    }
}

macro_rules! integer_key {
    ($key:ty, $array:ty, $native:ty, [$($wide:ty),*], $expected:literal) => {
        impl ArrowKey for $key {
            type Borrowed<'a> = $key;

            fn read<'a>(array: &'a dyn Array, column: &str) -> Result<std::borrow::Cow<'a, [$key]>> {
                if let Some(values) = array.as_primitive_opt::<$native>() {
                    return Ok(std::borrow::Cow::Borrowed(values.values().as_ref()));
                }
                $(
                    if let Some(values) = array.as_primitive_opt::<$wide>() {
                        return Ok(std::borrow::Cow::Owned(values.values().iter().map(|&v| <$key>::from(v)).collect()));
                    }
                )*
                Err(wrong_type(column, array, $expected))
            }

            fn to_owned_key(key: &$key) -> $key {
                *key
            }

            fn own_log(log: PurchaseLog<$key>) -> PurchaseLog<$key> {
                log
            }

            fn to_array<'k>(keys: impl IntoIterator<Item = &'k $key>) -> ArrayRef {
                Arc::new(<$array>::from_iter_values(keys.into_iter().copied()))
            }
        }
    };
}

integer_key!(i32, Int32Array, Int32Type, [], "Int32");
integer_key!(i64, Int64Array, Int64Type, [Int32Type], "Int64 or Int32");
integer_key!(u32, UInt32Array, UInt32Type, [], "UInt32");
integer_key!(u64, UInt64Array, UInt64Type, [UInt32Type], "UInt64 or UInt32");

impl ArrowKey for String {
    type Borrowed<'a> = &'a str;

    fn read<'a>(array: &'a dyn Array, column: &str) -> Result<std::borrow::Cow<'a, [&'a str]>> {
        strings(array, column).map(|values| {
            std::borrow::Cow::Owned(values.into_iter().map(Option::unwrap_or_default).collect())
        })
    }

    fn to_owned_key(key: &&str) -> String {
        (*key).to_owned()
    }

    fn own_log(log: PurchaseLog<&str>) -> PurchaseLog<String> {
        log.into_owned_keys()
    }

    fn to_array<'k>(keys: impl IntoIterator<Item = &'k String>) -> ArrayRef {
        Arc::new(StringArray::from_iter_values(keys))
    }
}

/// A string column's values, `None` for nulls.
fn strings<'a>(array: &'a dyn Array, column: &str) -> Result<Vec<Option<&'a str>>> {
    if let Some(values) = array.as_string_opt::<i32>() {
        return Ok(values.iter().collect());
    }
    if let Some(values) = array.as_string_opt::<i64>() {
        return Ok(values.iter().collect());
    }
    if let Some(values) = array.as_string_view_opt() {
        return Ok(values.iter().collect());
    }
    Err(wrong_type(column, array, "Utf8, LargeUtf8 or Utf8View"))
}

fn validity(array: &dyn Array) -> Option<Validity<'_>> {
    array
        .nulls()
        .filter(|nulls| nulls.null_count() > 0)
        .map(|nulls| Validity {
            bits: nulls.inner().values(),
            offset: nulls.offset(),
        })
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| Error::MissingColumn {
        column: name.to_string(),
        available: batch.schema().fields().iter().map(|f| f.name().clone()).collect(),
    })
}

fn times<'a>(array: &'a dyn Array, column: &str) -> Result<TimeColumn<'a>> {
    let time = match array.data_type() {
        DataType::Date32 => array
            .as_primitive_opt::<Date32Type>()
            .map(|a| TimeColumn::UnixDays(a.values())),
        DataType::Date64 => array
            .as_primitive_opt::<Date64Type>()
            .map(|a| TimeColumn::UnixMillis(a.values())),
        DataType::Timestamp(ArrowTimeUnit::Second, _) => array
            .as_primitive_opt::<TimestampSecondType>()
            .map(|a| TimeColumn::UnixSeconds(a.values())),
        DataType::Timestamp(ArrowTimeUnit::Millisecond, _) => array
            .as_primitive_opt::<TimestampMillisecondType>()
            .map(|a| TimeColumn::UnixMillis(a.values())),
        DataType::Timestamp(ArrowTimeUnit::Microsecond, _) => array
            .as_primitive_opt::<TimestampMicrosecondType>()
            .map(|a| TimeColumn::UnixMicros(a.values())),
        DataType::Timestamp(ArrowTimeUnit::Nanosecond, _) => array
            .as_primitive_opt::<TimestampNanosecondType>()
            .map(|a| TimeColumn::UnixNanos(a.values())),
        _ => None,
    };
    time.ok_or_else(|| wrong_type(column, array, "Date32, Date64 or Timestamp"))
}

fn amounts<'a>(array: &'a dyn Array, column: &str, minor_units: Option<u32>) -> Result<AmountColumn<'a>> {
    if let Some(a) = array.as_primitive_opt::<Decimal128Type>() {
        return Ok(AmountColumn::Decimal128 {
            units: a.values(),
            scale: a.scale(),
        });
    }
    if let Some(a) = array.as_primitive_opt::<Float64Type>() {
        return Ok(AmountColumn::Floats(a.values()));
    }
    if let Some(a) = array.as_primitive_opt::<Int64Type>() {
        return match minor_units {
            Some(scale) => Ok(AmountColumn::MinorUnits {
                units: a.values(),
                scale,
            }),
            None => Err(wrong_type(
                column,
                array,
                "Decimal128, Float64, or Int64 with BatchColumns::minor_units(scale) saying its decimal places",
            )),
        };
    }
    Err(wrong_type(
        column,
        array,
        "Decimal128, Float64, or Int64 minor units",
    ))
}

/// One batch's columns, read.
struct BatchPart<'a, K: Clone> {
    customers: std::borrow::Cow<'a, [K]>,
    times: TimeColumn<'a>,
    amounts: AmountColumn<'a>,
    texts: [Option<Vec<Option<&'a str>>>; 3],
    validity: [Option<Validity<'a>>; 3],
}

impl<'a, K: Clone> BatchPart<'a, K> {
    fn columns<'p>(&'p self, names: ColumnNames<'p>) -> PurchaseColumns<'p, K> {
        let mut columns = PurchaseColumns::new(&self.customers, self.times, self.amounts);
        let [orders, products, channels] = &self.texts;
        if let Some(orders) = orders {
            columns = columns.order_ids(orders);
        }
        if let Some(products) = products {
            columns = columns.products(products);
        }
        if let Some(channels) = channels {
            columns = columns.channels(channels);
        }
        columns.validity = self.validity;
        columns.names = names;
        columns
    }
}

fn read_batch<'a, C: ArrowKey>(
    batch: &'a RecordBatch,
    spec: &BatchColumns,
) -> Result<BatchPart<'a, C::Borrowed<'a>>> {
    let customer = column(batch, &spec.customer)?;
    let time = column(batch, &spec.time)?;
    let amount = column(batch, &spec.amount)?;
    let text = |name: &Option<String>| -> Result<Option<Vec<Option<&'a str>>>> {
        name.as_deref()
            .map(|name| strings(column(batch, name)?.as_ref(), name))
            .transpose()
    };
    Ok(BatchPart {
        customers: C::read(customer.as_ref(), &spec.customer)?,
        times: times(time.as_ref(), &spec.time)?,
        amounts: amounts(amount.as_ref(), &spec.amount, spec.minor_units)?,
        texts: [text(&spec.order_id)?, text(&spec.product)?, text(&spec.channel)?],
        validity: [
            validity(customer.as_ref()),
            validity(time.as_ref()),
            validity(amount.as_ref()),
        ],
    })
}

fn build<C: ArrowKey>(
    batches: &[RecordBatch],
    spec: &BatchColumns,
    strict: bool,
) -> Result<(PurchaseLog<C>, Vec<Rejection<C>>)> {
    let parts = batches
        .iter()
        .map(|batch| read_batch::<C>(batch, spec))
        .collect::<Result<Vec<_>>>()?;
    let columns: Vec<_> = parts.iter().map(|part| part.columns(spec.names())).collect();
    let (log, rejected) = spec.options.build_parts(&columns, strict)?;
    let rejected = rejected
        .into_iter()
        .map(|r| Rejection {
            index: r.index,
            customer: r.customer.as_ref().map(C::to_owned_key),
            field: r.field,
            reason: r.reason,
        })
        .collect();
    Ok((C::own_log(log), rejected))
}

impl<C: ArrowKey> PurchaseLog<C> {
    /// Builds a log from the purchase columns of record batches (one
    /// input, in batch order), failing on the first bad row.
    ///
    /// # Errors
    ///
    /// [`Error::MissingColumn`] and [`Error::ColumnType`] naming the
    /// column; otherwise the first bad row, as [`PurchaseLog::new`] names a
    /// record (a null is [`Error::UnreadableValue`]).
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
    /// use repurchase::arrow::BatchColumns;
    /// use repurchase::PurchaseLog;
    ///
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer", Arc::new(StringArray::from(vec!["alice", "bob", "alice"])) as ArrayRef),
    ///     ("day", Arc::new(Date32Array::from(vec![19_727, 19_754, 19_762])) as ArrayRef),
    ///     ("amount", Arc::new(Decimal128Array::from(vec![2_500, 1_200, 3_100]).with_precision_and_scale(10, 2)?) as ArrayRef),
    /// ])?;
    /// let log = PurchaseLog::<String>::from_batches(&[batch], &BatchColumns::new("customer", "day", "amount"))?;
    /// assert_eq!(log.keys(), ["alice", "bob"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_batches(batches: &[RecordBatch], columns: &BatchColumns) -> Result<Self> {
        build(batches, columns, true).map(|(log, _)| log)
    }

    /// Builds a log from the good rows of record batches and lists the bad
    /// ones (nulls included) with the reason.
    ///
    /// # Errors
    ///
    /// [`Error::MissingColumn`] and [`Error::ColumnType`] naming the
    /// column: no row can be read.
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, TimestampSecondArray};
    /// use repurchase::arrow::BatchColumns;
    /// use repurchase::{Field, PurchaseLog};
    ///
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer", Arc::new(Int64Array::from(vec![Some(1), None])) as ArrayRef),
    ///     ("at", Arc::new(TimestampSecondArray::from(vec![1_704_067_200, 1_704_067_200])) as ArrayRef),
    ///     ("amount", Arc::new(Float64Array::from(vec![9.99, 5.0])) as ArrayRef),
    /// ])?;
    /// let (log, rejected) = PurchaseLog::<i64>::from_batches_lenient(&[batch], &BatchColumns::new("customer", "at", "amount"))?;
    /// assert_eq!(log.keys(), [1]);
    /// assert_eq!((rejected[0].index, rejected[0].customer, rejected[0].field), (1, None, Field::Customer));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_batches_lenient(
        batches: &[RecordBatch],
        columns: &BatchColumns,
    ) -> Result<(Self, Vec<Rejection<C>>)> {
        build(batches, columns, false)
    }
}

/// A money column: `Decimal128(38, s)`, `s` the largest scale among the
/// values, so that each is exact. Where 38 digits cannot hold every value
/// at that scale (amounts near 10^24 with many decimals), the scale drops
/// until they fit, rounding half to even.
fn money_array(values: impl Iterator<Item = Option<Decimal>> + Clone) -> ArrayRef {
    let widest = values.clone().flatten().map(|d| d.scale()).max().unwrap_or(0);
    let limit = 10_i128.pow(38);
    let at_scale = |d: Decimal, scale: u32| -> Option<i128> {
        let d = if d.scale() > scale { d.round_dp(scale) } else { d };
        let factor = 10_i128.checked_pow(scale - d.scale())?;
        d.mantissa()
            .checked_mul(factor)
            .filter(|units| units.abs() < limit)
    };
    let scale = (0..=widest)
        .rev()
        .find(|&scale| values.clone().flatten().all(|d| at_scale(d, scale).is_some()))
        .unwrap_or(0);
    let mut builder = Decimal128Builder::new();
    for value in values {
        builder.append_option(value.and_then(|d| at_scale(d, scale)));
    }
    // A scale of at most 28 fits precision 38.
    let array = builder.finish();
    Arc::new(
        array
            .clone()
            .with_precision_and_scale(38, scale as i8)
            .unwrap_or(array),
    )
}

fn utc_seconds(values: impl Iterator<Item = Timestamp>) -> ArrayRef {
    Arc::new(TimestampSecondArray::from_iter_values(values.map(Timestamp::unix_seconds)).with_timezone_utc())
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> Result<RecordBatch> {
    let fields: Vec<ArrowField> = columns
        .iter()
        .map(|(name, array)| ArrowField::new(*name, array.data_type().clone(), array.null_count() > 0))
        .collect();
    let arrays = columns.into_iter().map(|(_, array)| array).collect();
    // Every column is built here with one value per row: the batch is valid.
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| Error::InvalidParameter {
        name: "record batch",
        value: e.to_string(),
        expected: "columns of one length (a bug in repurchase: please report it)",
    })
}

/// Customer summaries as a record batch (schema in the [module docs](self)).
///
/// # Errors
///
/// None in practice: every column is built with one value per summary.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{arrow::summaries_to_batch, datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let batch = summaries_to_batch(&summaries.customers)?;
/// assert_eq!((batch.num_rows(), batch.num_columns()), (2357, 11));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn summaries_to_batch<C: ArrowKey>(summaries: &[CustomerSummary<C>]) -> Result<RecordBatch> {
    let s = summaries;
    batch(vec![
        ("customer", C::to_array(s.iter().map(|s| &s.customer))),
        (
            "frequency",
            Arc::new(UInt32Array::from_iter_values(s.iter().map(|s| s.frequency))),
        ),
        (
            "recency",
            Arc::new(Float64Array::from_iter_values(s.iter().map(|s| s.recency))),
        ),
        (
            "t",
            Arc::new(Float64Array::from_iter_values(s.iter().map(|s| s.t))),
        ),
        ("monetary_value", money_array(s.iter().map(|s| s.monetary_value))),
        ("first_purchase", utc_seconds(s.iter().map(|s| s.first_purchase))),
        ("last_purchase", utc_seconds(s.iter().map(|s| s.last_purchase))),
        (
            "orders",
            Arc::new(UInt32Array::from_iter_values(s.iter().map(|s| s.orders))),
        ),
        (
            "periods",
            Arc::new(UInt32Array::from_iter_values(
                s.iter().map(CustomerSummary::periods),
            )),
        ),
        ("total_spend", money_array(s.iter().map(|s| Some(s.total_spend)))),
        (
            "mean_order_value",
            money_array(s.iter().map(CustomerSummary::mean_order_value)),
        ),
    ])
}

/// Calibration/holdout summaries as a record batch (schema in the
/// [module docs](self)).
///
/// # Errors
///
/// None in practice: every column is built with one value per summary.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{arrow::splits_to_batch, datasets::cdnow_sample, SummaryOptions};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &SummaryOptions::new(d(1998, 6, 30)?))?;
/// let batch = splits_to_batch(&split.customers)?;
/// assert_eq!(batch.schema().field(5).name(), "frequency_holdout");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn splits_to_batch<C: ArrowKey>(splits: &[SplitSummary<C>]) -> Result<RecordBatch> {
    let s = splits;
    batch(vec![
        ("customer", C::to_array(s.iter().map(|s| &s.customer))),
        (
            "frequency_cal",
            Arc::new(UInt32Array::from_iter_values(s.iter().map(|s| s.frequency_cal))),
        ),
        (
            "recency_cal",
            Arc::new(Float64Array::from_iter_values(s.iter().map(|s| s.recency_cal))),
        ),
        (
            "t_cal",
            Arc::new(Float64Array::from_iter_values(s.iter().map(|s| s.t_cal))),
        ),
        (
            "monetary_value_cal",
            money_array(s.iter().map(|s| s.monetary_value_cal)),
        ),
        (
            "frequency_holdout",
            Arc::new(UInt32Array::from_iter_values(
                s.iter().map(|s| s.frequency_holdout),
            )),
        ),
        (
            "monetary_value_holdout",
            money_array(s.iter().map(|s| s.monetary_value_holdout)),
        ),
        (
            "duration_holdout",
            Arc::new(Float64Array::from_iter_values(
                s.iter().map(|s| s.duration_holdout),
            )),
        ),
    ])
}

/// RFM scores, with each customer's segment in `table`, as a record batch
/// (schema in the [module docs](self)).
///
/// # Errors
///
/// None in practice: every column is built with one value per score.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmOptions, SegmentTable};
/// use repurchase::{arrow::rfm_to_batch, datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let scores = rfm::score(&summaries, &RfmOptions::default())?;
/// let batch = rfm_to_batch(&scores, &SegmentTable::r_rfm())?;
/// assert_eq!(batch.column_by_name("segment").map(|c| c.len()), Some(2357));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rfm_to_batch<C: ArrowKey>(scores: &RfmScores<C>, table: &SegmentTable) -> Result<RecordBatch> {
    let s = &scores.customers;
    let segments = table.segments_in_order(scores);
    let mut codes = StringBuilder::new();
    let mut names = StringBuilder::new();
    for (score, &segment) in s.iter().zip(&segments) {
        codes.append_value(score.code().to_string());
        names.append_value(table.name(segment));
    }
    batch(vec![
        ("customer", C::to_array(s.iter().map(|s| &s.customer))),
        (
            "days_since_last",
            Arc::new(Float64Array::from_iter_values(
                s.iter().map(|s| s.days_since_last),
            )),
        ),
        (
            "frequency",
            Arc::new(Float64Array::from_iter_values(s.iter().map(|s| s.frequency))),
        ),
        (
            "monetary",
            Arc::new(Float64Array::from_iter_values(s.iter().map(|s| s.monetary))),
        ),
        ("r", Arc::new(UInt8Array::from_iter_values(s.iter().map(|s| s.r)))),
        ("f", Arc::new(UInt8Array::from_iter_values(s.iter().map(|s| s.f)))),
        ("m", Arc::new(UInt8Array::from_iter_values(s.iter().map(|s| s.m)))),
        ("code", Arc::new(codes.finish())),
        ("segment", Arc::new(names.finish())),
    ])
}

/// Lifecycle stages as a record batch (schema in the [module docs](self)).
///
/// # Errors
///
/// None in practice: every column is built with one value per stage.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::lifecycle::{stages, LifecycleOptions};
/// use repurchase::{arrow::stages_to_batch, datasets::cdnow_sample};
///
/// let as_of = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let all = stages(&cdnow_sample()?, as_of, &LifecycleOptions::default(), &[], |_| None)?;
/// let batch = stages_to_batch(&all)?;
/// assert_eq!(batch.num_rows(), all.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stages_to_batch<C: ArrowKey>(stages: &[CustomerStage<C>]) -> Result<RecordBatch> {
    let s = stages;
    let mut stage_names = StringBuilder::new();
    let mut rules = StringBuilder::new();
    for stage in s {
        stage_names.append_value(stage.stage.to_string());
        rules.append_value(format!("{:?}", stage.rule));
    }
    let timeline = |f: fn(&CustomerStage<C>) -> u32| Arc::new(UInt32Array::from_iter_values(s.iter().map(f)));
    batch(vec![
        ("customer", C::to_array(s.iter().map(|s| &s.customer))),
        ("stage", Arc::new(stage_names.finish())),
        ("rule", Arc::new(rules.finish())),
        ("purchase_days", timeline(|s| s.timeline.purchase_days)),
        ("days_since_first", timeline(|s| s.timeline.days_since_first)),
        ("days_since_last", timeline(|s| s.timeline.days_since_last)),
        (
            "gap_before_last",
            Arc::new(
                s.iter()
                    .map(|s| s.timeline.gap_before_last)
                    .collect::<UInt32Array>(),
            ),
        ),
        (
            "typical_interval",
            Arc::new(
                s.iter()
                    .map(|s| s.timeline.typical_interval)
                    .collect::<Float64Array>(),
            ),
        ),
    ])
}

/// Per-customer model outputs (P(alive), expected purchases, expected
/// spend, CLV, churn scores…) as a record batch: the customers' keys, then
/// one Float64 column per named series, each aligned with `customers`.
///
/// # Errors
///
/// [`Error::ColumnLength`] naming a series whose length differs from the
/// customers'.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::models::{BetaGeo, PurchaseModel};
/// use repurchase::{arrow::values_to_batch, datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let p_alive = summaries
///     .iter()
///     .map(|s| model.p_alive(f64::from(s.frequency), s.recency, s.t))
///     .collect::<Result<Vec<f64>, _>>()?;
/// let keys: Vec<u32> = summaries.iter().map(|s| s.customer).collect();
/// let batch = values_to_batch(&keys, &[("p_alive", &p_alive)])?;
/// assert_eq!(batch.schema().field(1).name(), "p_alive");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn values_to_batch<C: ArrowKey>(customers: &[C], series: &[(&str, &[f64])]) -> Result<RecordBatch> {
    let mut columns = vec![("customer", C::to_array(customers))];
    for &(name, values) in series {
        if values.len() != customers.len() {
            return Err(Error::ColumnLength {
                column: name.to_string(),
                len: values.len(),
                expected: customers.len(),
            });
        }
        columns.push((name, Arc::new(Float64Array::from(values.to_vec())) as ArrayRef));
    }
    batch(columns)
}
