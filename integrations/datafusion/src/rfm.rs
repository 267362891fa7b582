//! `rfm(customer, summary) OVER ()`: RFM scores and segments as a window
//! function.
//!
//! RFM scores are ranks among all customers: quantile breaks, or NTILE
//! groups with ties broken by customer key. A window over the whole
//! summary table sees every customer at once, so it scores them with the
//! crate's own [`rfm::score`](repurchase::rfm::score) and names each
//! segment with the options' table: one call, and the results are the
//! crate's.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, StringArray, StructArray, UInt8Array,
};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Field, FieldRef, Fields, Float64Type, Int64Type, TimestampSecondType,
    UInt32Type, UInt64Type,
};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
use repurchase::rfm::{self, RfmScores};
use repurchase::rust_decimal::Decimal;
use repurchase::{CustomerSummary, Summaries, Timestamp};

use crate::FunctionOptions;
use crate::summary::MONEY_SCALE;

/// The window function `rfm(customer, summary) OVER ()`, where `summary`
/// is what `customer_summary` returns. It gives each customer a struct:
/// `days_since_last`, `frequency`, `monetary` (DOUBLE, the values scored),
/// `r`, `f`, `m` (UTINYINT), `code` (e.g. `'545'`) and `segment` (the
/// segment table's name for it). A null summary scores null.
///
/// Use it over the whole table (`OVER ()`): the breaks are computed over
/// the window's rows, so `OVER (PARTITION BY region)` scores each region
/// apart. The customer key (integers or strings) breaks NTILE ties, as
/// [`Binning::Ntile`](repurchase::rfm::Binning::Ntile) says.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use datafusion::logical_expr::WindowUDF;
/// use repurchase::chrono::NaiveDate;
/// use repurchase::SummaryOptions;
/// use repurchase_datafusion::{FunctionOptions, RfmFunction};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let udwf = WindowUDF::from(RfmFunction::new(Arc::new(FunctionOptions::new(SummaryOptions::new(end)))));
/// assert_eq!(udwf.name(), "rfm");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RfmFunction {
    options: Arc<FunctionOptions>,
    signature: Signature,
}

impl RfmFunction {
    /// The function, with the RFM options, segment table and summary
    /// options (whose unit converts recency into days) of `options`.
    ///
    /// # Example
    ///
    /// See [`RfmFunction`].
    pub fn new(options: Arc<FunctionOptions>) -> Self {
        Self {
            options,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl PartialEq for RfmFunction {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options
    }
}

impl Eq for RfmFunction {}

impl Hash for RfmFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "rfm".hash(state);
    }
}

fn rfm_fields() -> Fields {
    Fields::from(vec![
        Field::new("days_since_last", DataType::Float64, true),
        Field::new("frequency", DataType::Float64, true),
        Field::new("monetary", DataType::Float64, true),
        Field::new("r", DataType::UInt8, true),
        Field::new("f", DataType::UInt8, true),
        Field::new("m", DataType::UInt8, true),
        Field::new("code", DataType::Utf8, true),
        Field::new("segment", DataType::Utf8, true),
    ])
}

impl WindowUDFImpl for RfmFunction {
    fn name(&self) -> &str {
        "rfm"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let key = match arg_types.first() {
            Some(DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64) => DataType::Int64,
            Some(DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64) => {
                DataType::UInt64
            }
            Some(DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => DataType::Utf8,
            Some(other) => return plan_err!("rfm: customer is {other}; expected integers or strings"),
            None => return plan_err!("rfm takes (customer, summary)"),
        };
        match arg_types {
            [_, summary @ DataType::Struct(_)] => Ok(vec![key, summary.clone()]),
            _ => plan_err!("rfm takes (customer, summary), the summary as customer_summary returns it"),
        }
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(RfmEvaluator {
            options: Arc::clone(&self.options),
        }))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Struct(rfm_fields()),
            true,
        )))
    }
}

#[derive(Debug)]
struct RfmEvaluator {
    options: Arc<FunctionOptions>,
}

impl PartitionEvaluator for RfmEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let (Some(keys), Some(summary)) = (values.first(), values.get(1).and_then(|s| s.as_struct_opt()))
        else {
            return exec_err!("rfm takes (customer, summary)");
        };
        if let Some(keys) = keys.as_primitive_opt::<Int64Type>() {
            score_rows(&self.options, summary, num_rows, |i| {
                keys.is_valid(i).then(|| keys.value(i))
            })
        } else if let Some(keys) = keys.as_primitive_opt::<UInt64Type>() {
            score_rows(&self.options, summary, num_rows, |i| {
                keys.is_valid(i).then(|| keys.value(i))
            })
        } else if let Some(keys) = keys.as_string_opt::<i32>() {
            score_rows(&self.options, summary, num_rows, |i| {
                keys.is_valid(i).then(|| keys.value(i))
            })
        } else {
            exec_err!("rfm: customer must be integers or strings")
        }
    }
}

/// A summary struct's columns, by name.
struct SummaryColumns<'a> {
    frequency: &'a datafusion::arrow::array::UInt32Array,
    recency: &'a Float64Array,
    t: &'a Float64Array,
    monetary_value: &'a datafusion::arrow::array::Decimal128Array,
    first_purchase: &'a datafusion::arrow::array::TimestampSecondArray,
    last_purchase: &'a datafusion::arrow::array::TimestampSecondArray,
    orders: &'a datafusion::arrow::array::UInt32Array,
    total_spend: &'a datafusion::arrow::array::Decimal128Array,
}

impl<'a> SummaryColumns<'a> {
    fn of(summary: &'a StructArray) -> Result<Self> {
        let column = |name: &str| summary.column_by_name(name).map(Arc::as_ref);
        let read = || -> Option<Self> {
            Some(Self {
                frequency: column("frequency")?.as_primitive_opt::<UInt32Type>()?,
                recency: column("recency")?.as_primitive_opt::<Float64Type>()?,
                t: column("t")?.as_primitive_opt::<Float64Type>()?,
                monetary_value: column("monetary_value")?.as_primitive_opt::<Decimal128Type>()?,
                first_purchase: column("first_purchase")?.as_primitive_opt::<TimestampSecondType>()?,
                last_purchase: column("last_purchase")?.as_primitive_opt::<TimestampSecondType>()?,
                orders: column("orders")?.as_primitive_opt::<UInt32Type>()?,
                total_spend: column("total_spend")?.as_primitive_opt::<Decimal128Type>()?,
            })
        };
        match read() {
            Some(columns) => Ok(columns),
            None => exec_err!("rfm: the summary must be customer_summary's struct"),
        }
    }

    /// The summary at row `i`, keyed by `customer`.
    fn at<C>(&self, i: usize, customer: C) -> Result<CustomerSummary<C>> {
        let decimal = |units: i128| -> Result<Decimal> {
            match Decimal::try_from_i128_with_scale(units, MONEY_SCALE.unsigned_abs().into()) {
                Ok(d) => Ok(d),
                Err(e) => exec_err!("rfm: {units}e-{MONEY_SCALE}: {e}"),
            }
        };
        let time = |seconds: i64| -> Result<Timestamp> {
            match Timestamp::from_unix_seconds(seconds) {
                Some(t) => Ok(t),
                None => exec_err!("rfm: {seconds} s is beyond the calendar"),
            }
        };
        let monetary_value = match self.monetary_value.is_valid(i) {
            true => Some(decimal(self.monetary_value.value(i))?),
            false => None,
        };
        Ok(CustomerSummary {
            customer,
            frequency: self.frequency.value(i),
            recency: self.recency.value(i),
            t: self.t.value(i),
            monetary_value,
            first_purchase: time(self.first_purchase.value(i))?,
            last_purchase: time(self.last_purchase.value(i))?,
            orders: self.orders.value(i),
            total_spend: decimal(self.total_spend.value(i))?,
        })
    }
}

/// Scores the rows with a summary and a key; the others are null.
fn score_rows<C: Clone + Ord + Send + Sync>(
    options: &FunctionOptions,
    summary: &StructArray,
    rows: usize,
    key: impl Fn(usize) -> Option<C>,
) -> Result<ArrayRef> {
    let columns = SummaryColumns::of(summary)?;
    let mut scored_rows = Vec::new();
    let mut customers = Vec::new();
    for i in 0..rows {
        if let (Some(customer), true) = (key(i), summary.is_valid(i)) {
            customers.push(columns.at(i, customer)?);
            scored_rows.push(i);
        }
    }
    let fail = |e: repurchase::Error| datafusion::error::DataFusionError::Execution(format!("rfm: {e}"));
    let mut at: Vec<Option<usize>> = vec![None; rows];
    let scores: Option<RfmScores<C>> = if customers.is_empty() {
        None
    } else {
        let calendar = options.get_log().get_calendar();
        let summaries =
            Summaries::from_customers(customers, *options.get_summary(), calendar).map_err(fail)?;
        Some(rfm::score(&summaries, options.get_rfm()).map_err(fail)?)
    };
    for (k, &i) in scored_rows.iter().enumerate() {
        if let Some(slot) = at.get_mut(i) {
            *slot = Some(k);
        }
    }
    let table = options.get_segments();
    let score = |i: usize| {
        at.get(i)
            .copied()
            .flatten()
            .and_then(|k| scores.as_ref()?.customers.get(k))
    };
    let real = |f: &dyn Fn(&rfm::RfmScore<C>) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from(
            (0..rows).map(|i| score(i).map(f)).collect::<Vec<_>>(),
        ))
    };
    let small = |f: &dyn Fn(&rfm::RfmScore<C>) -> u8| -> ArrayRef {
        Arc::new(UInt8Array::from(
            (0..rows).map(|i| score(i).map(f)).collect::<Vec<_>>(),
        ))
    };
    let text = |f: &dyn Fn(&rfm::RfmScore<C>) -> String| -> ArrayRef {
        Arc::new(StringArray::from(
            (0..rows).map(|i| score(i).map(f)).collect::<Vec<_>>(),
        ))
    };
    let arrays = vec![
        real(&|s| s.days_since_last),
        real(&|s| s.frequency),
        real(&|s| s.monetary),
        small(&|s| s.r),
        small(&|s| s.f),
        small(&|s| s.m),
        text(&|s| s.code().to_string()),
        text(&|s| table.name(table.segment(s.code())).to_string()),
    ];
    let nulls = datafusion::arrow::buffer::NullBuffer::from_iter((0..rows).map(|i| score(i).is_some()));
    Ok(Arc::new(StructArray::try_new(rfm_fields(), arrays, Some(nulls))?))
}
