//! The one error type of the crate.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Timestamp;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A field of a [`Purchase`](crate::Purchase), as named by errors and
/// rejections.
///
/// # Example
///
/// ```
/// use repurchase::Field;
///
/// assert_eq!(Field::Timestamp.to_string(), "timestamp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Field {
    /// `Purchase::customer`.
    Customer,
    /// `Purchase::at`.
    Timestamp,
    /// `Purchase::amount`.
    Amount,
    /// `Purchase::order_id`.
    OrderId,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Customer => "customer",
            Field::Timestamp => "timestamp",
            Field::Amount => "amount",
            Field::OrderId => "order_id",
        })
    }
}

/// Everything that can go wrong in `repurchase`.
///
/// A bad record is named by its `index` (its 0-based position in the input)
/// and the field at fault; each variant's documentation says the cause and
/// the fix.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{Error, Field, Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let sentinel = NaiveDate::from_ymd_opt(1900, 1, 1).ok_or("bad date")?;
/// let err = PurchaseLog::new(vec![Purchase::new(1_u64, sentinel, Decimal::ONE)]).unwrap_err();
/// assert_eq!(err.index(), Some(0));
/// assert_eq!(err.field(), Some(Field::Timestamp));
/// assert!(matches!(err, Error::TimestampOutOfRange { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A purchase's timestamp lies outside the valid range, typically a
    /// sentinel such as 1900-01-01 or 9999-12-31.
    ///
    /// Fix the source, or widen the range with
    /// [`LogOptions::valid_range`](crate::LogOptions::valid_range).
    #[error(
        "record {index}: timestamp {value} is outside the valid range [{valid_from}, {valid_until}); \
         fix the record or widen LogOptions::valid_range"
    )]
    TimestampOutOfRange {
        /// Position of the record in the input.
        index: usize,
        /// The timestamp found.
        value: Timestamp,
        /// First valid instant (inclusive).
        valid_from: Timestamp,
        /// End of the valid range (exclusive).
        valid_until: Timestamp,
    },

    /// A purchase's amount is larger in magnitude than
    /// [`MAX_AMOUNT`](crate::MAX_AMOUNT), which keeps every sum exact.
    ///
    /// Amounts this large are almost always a unit or parsing error (cents
    /// read as units, an id read as a price): fix the source.
    #[error(
        "record {index}: amount {value} exceeds the limit of ±{limit}; check the amount's unit and parsing"
    )]
    AmountOutOfRange {
        /// Position of the record in the input.
        index: usize,
        /// The amount found (`Decimal::MAX` or `Decimal::MIN` for a column
        /// value beyond `Decimal`'s range, about ±7.9 × 10^28).
        value: Decimal,
        /// The largest magnitude accepted.
        limit: Decimal,
    },

    /// An order id is used by two different customers.
    ///
    /// Order ids must identify one customer's order; check how the export
    /// joins orders and customers.
    #[error(
        "record {index}: order id {order_id:?} already belongs to another customer (record {first_index}); \
         order ids must identify one customer's order"
    )]
    OrderCustomerMismatch {
        /// Position of the record in the input.
        index: usize,
        /// The order id.
        order_id: String,
        /// Position of the record that first used this order id.
        first_index: usize,
    },

    /// An order id appears twice while
    /// [`OrderLines::Reject`](crate::OrderLines::Reject) says each order is
    /// one record: the record is a duplicate.
    ///
    /// Remove the duplicate, or use
    /// [`OrderLines::Merge`](crate::OrderLines::Merge) if records are lines
    /// of orders.
    #[error(
        "record {index}: order id {order_id:?} repeats record {first_index}; remove the duplicate \
         or use OrderLines::Merge if records are order lines"
    )]
    DuplicateOrder {
        /// Position of the record in the input.
        index: usize,
        /// The order id.
        order_id: String,
        /// Position of the record that first used this order id.
        first_index: usize,
    },

    /// A value in a column cannot be read as the purchase field it feeds: a
    /// null, a NaN or infinite amount, a time beyond chrono's calendar
    /// (usually a time column read in the wrong unit).
    ///
    /// Fix or drop the row in the source, or build leniently
    /// ([`PurchaseLog::from_columns_lenient`](crate::PurchaseLog::from_columns_lenient))
    /// to reject such rows and keep the rest.
    #[error(
        "row {index}: {column} value {value} cannot be read as the purchase's {field}: expected {expected}"
    )]
    UnreadableValue {
        /// Position of the row in the input.
        index: usize,
        /// The column, by the name the caller gave it.
        column: String,
        /// The purchase field the column feeds.
        field: Field,
        /// The value found.
        value: String,
        /// What the field accepts.
        expected: &'static str,
    },

    /// A column has more or fewer values than the customer column.
    ///
    /// Every column needs exactly one value per purchase; check how the
    /// columns were sliced or filtered.
    #[error(
        "column {column} has {len} values but the customer column has {expected}; give one value per purchase"
    )]
    ColumnLength {
        /// The column, by the name the caller gave it.
        column: String,
        /// Its number of values.
        len: usize,
        /// The customer column's number of values.
        expected: usize,
    },

    /// A record batch has no column of the name asked for.
    ///
    /// Check the name (it is case-sensitive) against `available`.
    #[error("no column named {column:?}; the batch has {available:?}")]
    MissingColumn {
        /// The name asked for.
        column: String,
        /// The batch's column names.
        available: Vec<String>,
    },

    /// A column holds a data type that cannot feed the purchase field
    /// asked of it.
    ///
    /// Cast the column to one of the types `expected` lists.
    #[error("column {column:?} has type {found}; expected {expected}")]
    ColumnType {
        /// The column's name.
        column: String,
        /// Its data type.
        found: String,
        /// The types accepted.
        expected: &'static str,
    },

    /// The input has more records than a log can index.
    ///
    /// Split the input into customer-partitioned shards, summarise each, and
    /// merge the [`SummaryAccumulator`](crate::SummaryAccumulator)s.
    #[error("more than {limit} records; split the input into customer-partitioned shards")]
    TooManyRecords {
        /// The largest number of records one log holds.
        limit: usize,
    },

    /// A configured range is empty: `start` is not before `end`.
    ///
    /// Swap or correct the two values named by `start_field` and `end_field`.
    #[error("{start_field} ({start}) must be before {end_field} ({end})")]
    EmptyRange {
        /// The option that opens the range.
        start_field: &'static str,
        /// Its value.
        start: String,
        /// The option that closes the range.
        end_field: &'static str,
        /// Its value.
        end: String,
    },

    /// A calibration/holdout split does not cut the data: no purchase falls
    /// on or before `calibration_end`, or none after it up to
    /// `observation_end`.
    ///
    /// Choose a calibration end between the first and the last purchase day.
    #[error(
        "calibration end {calibration_end} does not split the data (purchase days {first_day:?} to {last_day:?} \
         up to observation end {observation_end}); choose a day between the first and last purchase"
    )]
    SplitOutsideData {
        /// The calibration end asked for.
        calibration_end: NaiveDate,
        /// The observation end asked for.
        observation_end: NaiveDate,
        /// The first purchase day in the log, if any.
        first_day: Option<NaiveDate>,
        /// The last purchase day up to the observation end, if any.
        last_day: Option<NaiveDate>,
    },

    /// A parameter is outside the values it accepts.
    ///
    /// Pass a value as `expected` describes.
    #[error("{name} = {value} is invalid: {expected}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What the parameter accepts.
        expected: &'static str,
    },

    /// A row of input breaks what its function assumes: a model input row
    /// with a NaN, a negative time, a recency beyond T or a fractional
    /// frequency; a loyalty redemption beyond the balance; a churn score
    /// outside [0, 1]. `input` names which, so the message speaks of the
    /// caller's data.
    ///
    /// Fix the row; model input built from [`CustomerSummary`](crate::CustomerSummary)
    /// values always satisfies the models.
    #[error("{input} {row}: {field} = {value} is invalid: {expected}")]
    InvalidInput {
        /// What kind of row: "model input row", "pattern", "customer
        /// summary", "redemption", "score".
        input: &'static str,
        /// Position of the row in the input (0 for a single pattern).
        row: usize,
        /// The field at fault.
        field: &'static str,
        /// The value found.
        value: String,
        /// What the model needs.
        expected: &'static str,
    },

    /// The data cannot identify the model: no rows, or no repeat purchase
    /// at all (every frequency 0).
    ///
    /// Fit on a longer observation window or more customers.
    #[error("not enough data to fit: {needed}")]
    InsufficientData {
        /// What is missing.
        needed: &'static str,
    },

    /// A model quantity is undefined for these parameters, such as the
    /// Gamma-Gamma mean spend when q ≤ 1 (the mean of the spend
    /// distribution is infinite).
    ///
    /// Check the fit, or use a quantity that exists for the parameters.
    #[error("{quantity} is undefined: {condition}")]
    Undefined {
        /// The quantity asked for.
        quantity: &'static str,
        /// The condition that fails, with the value.
        condition: String,
    },

    /// Day cells bucketed in one calendar were combined with another's:
    /// their local days do not line up.
    ///
    /// Create every shard's [`SummaryAccumulator`](crate::SummaryAccumulator)
    /// with the same [`Calendar`](crate::Calendar).
    #[error(
        "calendar mismatch: the accumulator buckets days in {expected}, the other in {found}; use one calendar throughout"
    )]
    CalendarMismatch {
        /// The accumulator's calendar.
        expected: crate::Calendar,
        /// The other's.
        found: crate::Calendar,
    },

    /// A model and the data it is applied to measure time in different
    /// units: a model fitted on weekly summaries asked about daily ones,
    /// say. Every number computed across the two would be off by the ratio
    /// of the units.
    ///
    /// Summarise in the model's unit, or fit the model on these summaries.
    #[error(
        "time unit mismatch: the model measures time in {model}, but the {data_what} are in {data}; \
         summarise in the model's unit or refit the model on this data"
    )]
    UnitMismatch {
        /// The model's unit.
        model: crate::models::ModelTime,
        /// What the data is: "summaries", "rows", …
        data_what: &'static str,
        /// The data's unit.
        data: crate::models::ModelTime,
    },

    /// Stored state (a serialised [`SummaryAccumulator`](crate::SummaryAccumulator))
    /// breaks an invariant the code that wrote it keeps: it was truncated,
    /// edited, or written by an incompatible version. Loading refuses it
    /// rather than let it change answers.
    ///
    /// Rebuild the state from the purchases, or restore a good copy.
    #[error("invalid stored state: {what} {position}: {problem}; rebuild it from the purchases")]
    InvalidState {
        /// What holds the fault: "customer", "offset" or "record count".
        what: &'static str,
        /// Its position in the stored state (0 when there is one).
        position: usize,
        /// What is wrong.
        problem: String,
    },

    /// A quantity computed from the caller's settings left `Decimal`'s
    /// range (about ±7.9 × 10^28): points from an earning rule far beyond
    /// any loyalty scheme's, say. Purchase amounts themselves are bounded
    /// by [`MAX_AMOUNT`](crate::MAX_AMOUNT) and never overflow.
    #[error("{quantity} overflows Decimal's range (about 7.9e28); {hint}")]
    Overflow {
        /// The quantity that overflowed.
        quantity: &'static str,
        /// What to change.
        hint: &'static str,
    },

    /// A covariate column has more or fewer values than there are
    /// customers.
    ///
    /// Give one value per customer, in the order of the customers' rows
    /// (the summaries' order).
    #[error(
        "covariate {column:?} has {len} values for {expected} customers; give one value per customer, in the customers' order"
    )]
    CovariateLength {
        /// The covariate, by the name the caller gave it.
        column: String,
        /// Its number of values.
        len: usize,
        /// The number of customers.
        expected: usize,
    },

    /// A covariate value is not a finite number.
    ///
    /// Replace it; code a missing value as a 0/1 column of its own and a
    /// neutral value here.
    #[error("covariate {column:?} of customer {index} is {value}; give a finite number")]
    CovariateValue {
        /// The covariate, by the name the caller gave it.
        column: String,
        /// The customer's position in the input.
        index: usize,
        /// The value found.
        value: String,
    },
}

impl Error {
    /// The input position of the record at fault, when the error is about
    /// one record.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::Error;
    ///
    /// assert_eq!(Error::TooManyRecords { limit: 10 }.index(), None);
    /// ```
    pub fn index(&self) -> Option<usize> {
        match self {
            Error::TimestampOutOfRange { index, .. }
            | Error::AmountOutOfRange { index, .. }
            | Error::OrderCustomerMismatch { index, .. }
            | Error::DuplicateOrder { index, .. }
            | Error::UnreadableValue { index, .. }
            | Error::CovariateValue { index, .. } => Some(*index),
            Error::TooManyRecords { .. }
            | Error::ColumnLength { .. }
            | Error::MissingColumn { .. }
            | Error::ColumnType { .. }
            | Error::EmptyRange { .. }
            | Error::SplitOutsideData { .. }
            | Error::InvalidParameter { .. }
            | Error::InvalidInput { .. }
            | Error::InsufficientData { .. }
            | Error::Undefined { .. }
            | Error::CalendarMismatch { .. }
            | Error::UnitMismatch { .. }
            | Error::InvalidState { .. }
            | Error::Overflow { .. }
            | Error::CovariateLength { .. } => None,
        }
    }

    /// The record field at fault, when the error is about one record.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::Error;
    ///
    /// assert_eq!(Error::TooManyRecords { limit: 10 }.field(), None);
    /// ```
    pub fn field(&self) -> Option<Field> {
        match self {
            Error::TimestampOutOfRange { .. } => Some(Field::Timestamp),
            Error::AmountOutOfRange { .. } => Some(Field::Amount),
            Error::OrderCustomerMismatch { .. } | Error::DuplicateOrder { .. } => Some(Field::OrderId),
            Error::UnreadableValue { field, .. } => Some(*field),
            Error::TooManyRecords { .. }
            | Error::ColumnLength { .. }
            | Error::MissingColumn { .. }
            | Error::ColumnType { .. }
            | Error::EmptyRange { .. }
            | Error::SplitOutsideData { .. }
            | Error::InvalidParameter { .. }
            | Error::InvalidInput { .. }
            | Error::InsufficientData { .. }
            | Error::Undefined { .. }
            | Error::CalendarMismatch { .. }
            | Error::UnitMismatch { .. }
            | Error::InvalidState { .. }
            | Error::Overflow { .. }
            | Error::CovariateLength { .. }
            | Error::CovariateValue { .. } => None,
        }
    }
}
