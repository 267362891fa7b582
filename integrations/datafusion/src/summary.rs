//! `customer_summary(time, amount [, order_id])`: the crate's customer
//! summary as a grouped aggregate.
//!
//! The state of a group is its purchase lines themselves (time, amount and
//! order id, as the input typed them). Lines merge by concatenation, so
//! partial aggregates from any partitioning, on one machine or many, merge
//! to the lines of the whole; order lines split across partitions still
//! meet before they are merged into one order. The final step builds the
//! crate's [`PurchaseLog`] from the lines of all its groups at once, with
//! the group numbers as dense customer keys, and summarises it: the very
//! code of [`PurchaseLog::summarize`], so the results are the crate's.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, Float64Array, ListArray, RecordBatch, StructArray,
    TimestampSecondArray, UInt32Array, new_empty_array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{concat, filter, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, TypeSignature, Volatility,
};
use repurchase::arrow::BatchColumns;
use repurchase::rust_decimal::Decimal;
use repurchase::{CustomerSummary, PurchaseLog};

use crate::FunctionOptions;

/// Decimal places of the money fields in SQL: exact for amounts with up to
/// ten decimals; means are rounded half to even at the tenth.
pub const MONEY_SCALE: i8 = 10;

/// The aggregate `customer_summary(time, amount [, order_id])`, used with
/// `GROUP BY` the customer; it returns a struct of the summary's fields
/// (see the [crate docs](crate) for the types).
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use datafusion::logical_expr::AggregateUDF;
/// use repurchase::chrono::NaiveDate;
/// use repurchase::SummaryOptions;
/// use repurchase_datafusion::{CustomerSummaryFunction, FunctionOptions};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let udaf = AggregateUDF::from(CustomerSummaryFunction::new(Arc::new(FunctionOptions::new(SummaryOptions::new(end)))));
/// assert_eq!(udaf.name(), "customer_summary");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CustomerSummaryFunction {
    options: Arc<FunctionOptions>,
    signature: Signature,
}

impl CustomerSummaryFunction {
    /// The function computing with `options`.
    ///
    /// # Example
    ///
    /// See [`CustomerSummaryFunction`].
    pub fn new(options: Arc<FunctionOptions>) -> Self {
        let arities = vec![TypeSignature::Any(2), TypeSignature::Any(3)];
        Self {
            options,
            signature: Signature::one_of(arities, Volatility::Immutable),
        }
    }
}

impl PartialEq for CustomerSummaryFunction {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options
    }
}

impl Eq for CustomerSummaryFunction {}

impl Hash for CustomerSummaryFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

/// The fields of the returned struct.
fn summary_fields() -> Fields {
    let money = DataType::Decimal128(38, MONEY_SCALE);
    let utc = DataType::Timestamp(TimeUnit::Second, Some("+00:00".into()));
    Fields::from(vec![
        Field::new("frequency", DataType::UInt32, true),
        Field::new("recency", DataType::Float64, true),
        Field::new("t", DataType::Float64, true),
        Field::new("monetary_value", money.clone(), true),
        Field::new("first_purchase", utc.clone(), true),
        Field::new("last_purchase", utc, true),
        Field::new("orders", DataType::UInt32, true),
        Field::new("total_spend", money, true),
    ])
}

/// Checks the argument types: a time, an amount and maybe an order id.
fn check_arguments(types: &[DataType]) -> Result<()> {
    let time_ok = |t: &DataType| matches!(t, DataType::Date32 | DataType::Date64 | DataType::Timestamp(..));
    let amount_ok =
        |t: &DataType| matches!(t, DataType::Decimal128(..) | DataType::Int64 | DataType::Float64);
    let text_ok = |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    match types {
        [time, ..] if !time_ok(time) => {
            plan_err!("customer_summary: time is {time}; expected DATE or TIMESTAMP (any unit, any zone)")
        }
        [_, amount, ..] if !amount_ok(amount) => plan_err!(
            "customer_summary: amount is {amount}; expected DECIMAL(p, s) up to 38 digits, BIGINT minor units or DOUBLE"
        ),
        [_, _, order] if !text_ok(order) => {
            plan_err!("customer_summary: order_id is {order}; expected a string (CAST it AS VARCHAR)")
        }
        [_, _] | [_, _, _] => Ok(()),
        _ => plan_err!("customer_summary takes (time, amount [, order_id])"),
    }
}

impl AggregateUDFImpl for CustomerSummaryFunction {
    fn name(&self) -> &str {
        "customer_summary"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        check_arguments(arg_types)?;
        Ok(DataType::Struct(summary_fields()))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(OneGroup(SummaryGroups::new(&self.options, &args))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let names = ["times", "amounts", "order_ids"];
        Ok(args
            .input_fields
            .iter()
            .zip(names)
            .map(|(input, name)| {
                let item = Field::new_list_field(input.data_type().clone(), true);
                Arc::new(Field::new_list(format_state_name(args.name, name), item, true))
            })
            .collect())
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SummaryGroups::new(&self.options, &args)))
    }
}

/// The purchase lines of every group, as slices of the input columns.
#[derive(Debug)]
struct SummaryGroups {
    options: Arc<FunctionOptions>,
    /// Each line's group.
    groups: Vec<u32>,
    /// Per input (time, amount, order id), the chunks of lines in arrival
    /// order, parallel to `groups`.
    columns: Vec<Vec<ArrayRef>>,
    /// The inputs' types, for a group without lines.
    types: Vec<DataType>,
    /// Groups known so far: DataFusion may number a group whose lines were
    /// all filtered out, and expects a (null) value for it.
    total: usize,
    /// Bytes of the chunks held, counted as they arrive.
    bytes: usize,
}

impl SummaryGroups {
    fn new(options: &Arc<FunctionOptions>, args: &AccumulatorArgs) -> Self {
        let types: Vec<DataType> = args.expr_fields.iter().map(|f| f.data_type().clone()).collect();
        Self {
            options: Arc::clone(options),
            groups: Vec::new(),
            columns: vec![Vec::new(); types.len()],
            types,
            total: 0,
            bytes: 0,
        }
    }

    /// Appends lines, each to its group.
    fn push(&mut self, values: &[ArrayRef], groups: impl Iterator<Item = usize>) -> Result<()> {
        for group in groups {
            let Ok(group) = u32::try_from(group) else {
                return exec_err!("customer_summary: more than 2^32 customers in one partition");
            };
            self.groups.push(group);
        }
        for (chunks, value) in self.columns.iter_mut().zip(values) {
            self.bytes += value.get_array_memory_size();
            chunks.push(Arc::clone(value));
        }
        Ok(())
    }

    /// Takes the lines of the groups `emit_to` names, leaving the others
    /// (renumbered from 0): their groups, and per input the chunks of
    /// lines, aligned with the groups.
    fn take(&mut self, emit_to: EmitTo) -> Result<Lines> {
        let groups = std::mem::take(&mut self.groups);
        let columns: Vec<Vec<ArrayRef>> = self.columns.iter_mut().map(std::mem::take).collect();
        self.bytes = 0;
        let EmitTo::First(n) = emit_to else {
            self.total = 0;
            return Ok(Lines { groups, columns });
        };
        // Rare (memory pressure, ordered input): the chunks are joined and
        // split by group.
        self.total = self.total.saturating_sub(n);
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let emitted = BooleanArray::from_iter(groups.iter().map(|&g| Some(g < n)));
        let kept = BooleanArray::from_iter(groups.iter().map(|&g| Some(g >= n)));
        let mut out_columns = Vec::with_capacity(columns.len());
        for ((chunks, data_type), held) in columns.iter().zip(&self.types).zip(self.columns.iter_mut()) {
            let whole = joined(chunks, data_type)?;
            let kept = filter(&whole, &kept)?;
            self.bytes += kept.get_array_memory_size();
            held.push(kept);
            out_columns.push(vec![filter(&whole, &emitted)?]);
        }
        self.groups = groups.iter().filter(|&&g| g >= n).map(|&g| g - n).collect();
        let out_groups = groups.into_iter().filter(|&g| g < n).collect();
        Ok(Lines {
            groups: out_groups,
            columns: out_columns,
        })
    }
}

/// Purchase lines taken from the accumulator.
struct Lines {
    /// Each line's group.
    groups: Vec<u32>,
    /// Per input, chunks of lines; the k-th chunks of all inputs have one
    /// length, and together they follow `groups`.
    columns: Vec<Vec<ArrayRef>>,
}

/// One array of the chunks (an empty one of `data_type` for none).
fn joined(chunks: &[ArrayRef], data_type: &DataType) -> Result<ArrayRef> {
    if chunks.is_empty() {
        return Ok(new_empty_array(data_type));
    }
    let parts: Vec<&dyn Array> = chunks.iter().map(|c| c.as_ref()).collect();
    Ok(concat(&parts)?)
}

/// The number of groups `emit_to` names, of `total`.
fn emitted_groups(emit_to: EmitTo, total: usize) -> usize {
    match emit_to {
        EmitTo::All => total,
        EmitTo::First(n) => n,
    }
}

/// Lines in group order: each group's lines as one list, groups 0..n.
fn lists_by_group(lines: &Lines, types: &[DataType], n: usize) -> Result<Vec<ArrayRef>> {
    let groups = &lines.groups;
    // Lists index their values with i32 offsets.
    if i32::try_from(groups.len()).is_err() {
        return exec_err!("customer_summary: more than 2^31 purchase lines in one partition's state");
    }
    let columns = lines
        .columns
        .iter()
        .zip(types)
        .map(|(chunks, data_type)| joined(chunks, data_type))
        .collect::<Result<Vec<_>>>()?;
    let mut counts = vec![0_usize; n];
    for &g in groups {
        if let Some(count) = counts.get_mut(g as usize) {
            *count += 1;
        }
    }
    // A stable counting sort: each group's lines in arrival order.
    let mut next: Vec<usize> = counts
        .iter()
        .scan(0, |start, &count| {
            let here = *start;
            *start += count;
            Some(here)
        })
        .collect();
    let mut order = vec![0_u32; groups.len()];
    for (line, &g) in groups.iter().enumerate() {
        if let (Some(slot), Some(at)) = (next.get_mut(g as usize), u32::try_from(line).ok()) {
            if let Some(place) = order.get_mut(*slot) {
                *place = at;
            }
            *slot += 1;
        }
    }
    let order = UInt32Array::from(order);
    let offsets = OffsetBuffer::<i32>::from_lengths(counts);
    columns
        .iter()
        .map(|column| {
            let values = take(column, &order, None)?;
            let item = Arc::new(Field::new_list_field(values.data_type().clone(), true));
            Ok(Arc::new(ListArray::try_new(item, offsets.clone(), values, None)?) as ArrayRef)
        })
        .collect()
}

impl GroupsAccumulator for SummaryGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.total = self.total.max(total_num_groups);
        match opt_filter {
            None => self.push(values, group_indices.iter().copied()),
            Some(keep) => {
                let values = values
                    .iter()
                    .map(|v| filter(v, keep))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let kept = group_indices
                    .iter()
                    .zip(keep.iter())
                    .filter(|(_, k)| k.unwrap_or(false))
                    .map(|(&g, _)| g);
                self.push(&values, kept)
            }
        }
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let n = emitted_groups(emit_to, self.total);
        let lines = self.take(emit_to)?;
        summarize_groups(&self.options, &lines, n)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let n = emitted_groups(emit_to, self.total);
        let lines = self.take(emit_to)?;
        lists_by_group(&lines, &self.types, n)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.total = self.total.max(total_num_groups);
        let lists: Vec<&ListArray> = values
            .iter()
            .map(|v| v.as_any().downcast_ref::<ListArray>())
            .collect::<Option<_>>()
            .ok_or_else(|| {
                datafusion::error::DataFusionError::Internal("customer_summary: state is not lists".into())
            })?;
        let Some(first) = lists.first() else {
            return Ok(());
        };
        let offsets = first.value_offsets();
        let (Some(&start), Some(&end)) = (offsets.first(), offsets.last()) else {
            return Ok(());
        };
        let lines = group_indices.iter().zip(offsets.windows(2)).flat_map(|(&g, w)| {
            std::iter::repeat_n(g, w.get(1).zip(w.first()).map_or(0, |(b, a)| (b - a) as usize))
        });
        let flat: Vec<ArrayRef> = lists
            .iter()
            .map(|l| l.values().slice(start as usize, (end - start) as usize))
            .collect();
        self.push(&flat, lines)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row its own one-line list; a row filtered out, an empty one.
        let lengths = (0..values.first().map_or(0, |v| v.len()))
            .map(|i| usize::from(opt_filter.is_none_or(|keep| keep.is_valid(i) && keep.value(i))));
        let offsets = OffsetBuffer::<i32>::from_lengths(lengths);
        values
            .iter()
            .map(|column| {
                let kept = match opt_filter {
                    Some(keep) => filter(column, keep)?,
                    None => Arc::clone(column),
                };
                let item = Arc::new(Field::new_list_field(kept.data_type().clone(), true));
                Ok(Arc::new(ListArray::try_new(item, offsets.clone(), kept, None)?) as ArrayRef)
            })
            .collect()
    }

    fn size(&self) -> usize {
        let lines = self.groups.capacity() * size_of::<u32>();
        let chunks: usize = self
            .columns
            .iter()
            .flatten()
            .map(|c| c.get_array_memory_size())
            .sum();
        size_of::<Self>() + lines + chunks
    }
}

/// Summaries of groups `0..n` from their lines, as the returned struct.
/// Each chunk of lines is one record batch of the log's input, with the
/// group numbers as customer keys: no copy of the lines on the way.
fn summarize_groups(options: &FunctionOptions, lines: &Lines, n: usize) -> Result<ArrayRef> {
    let fail = |e: repurchase::Error| {
        datafusion::error::DataFusionError::Execution(format!("customer_summary: {e}"))
    };
    let names = ["time", "amount", "order_id"];
    let keys = UInt32Array::from(lines.groups.clone());
    let mut batches = Vec::new();
    let mut start = 0;
    let chunks = lines.columns.first().map_or(0, Vec::len);
    for k in 0..chunks {
        let parts: Vec<&ArrayRef> = lines.columns.iter().filter_map(|c| c.get(k)).collect();
        let rows = parts.first().map_or(0, |p| p.len());
        let mut fields = vec![Field::new("customer", DataType::UInt32, false)];
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(keys.slice(start, rows))];
        for (name, part) in names.iter().zip(parts) {
            fields.push(Field::new(*name, part.data_type().clone(), true));
            arrays.push(Arc::clone(part));
        }
        batches.push(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?);
        start += rows;
    }
    let mut wanted = BatchColumns::new("customer", "time", "amount").log_options(*options.get_log());
    if lines.columns.len() > 2 {
        wanted = wanted.order_id("order_id");
    }
    if let Some(scale) = options.get_minor_units() {
        wanted = wanted.minor_units(scale);
    }
    let mut at: Vec<Option<&CustomerSummary<u32>>> = vec![None; n];
    if batches.is_empty() {
        return summary_struct(&at);
    }
    let log = PurchaseLog::<u32>::from_batches(&batches, &wanted).map_err(fail)?;
    let summaries = log.summarize(options.get_summary());
    for s in summaries.iter() {
        if let Some(slot) = at.get_mut(s.customer as usize) {
            *slot = Some(s);
        }
    }
    summary_struct(&at)
}

/// The returned struct of each group's summary (null where a group has
/// none: no purchase on or before the observation end, or refunds only).
fn summary_struct(at: &[Option<&CustomerSummary<u32>>]) -> Result<ArrayRef> {
    let n = at.len();
    let (mut frequency, mut orders) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut recency, mut t) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut first, mut last) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut total, mut mean) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut has_mean = Vec::with_capacity(n);
    // One pass, straight into the columns; under a null summary the
    // fields hold zeros that the struct's nulls hide.
    for summary in at {
        let s = summary.map(|s| {
            let mean = s.monetary_value.map(money_units).transpose()?;
            Ok::<_, datafusion::error::DataFusionError>((s, money_units(s.total_spend)?, mean))
        });
        let (s, spent, m) = match s.transpose()? {
            Some((s, spent, m)) => (Some(s), spent, m),
            None => (None, 0, None),
        };
        frequency.push(s.map_or(0, |s| s.frequency));
        orders.push(s.map_or(0, |s| s.orders));
        recency.push(s.map_or(0.0, |s| s.recency));
        t.push(s.map_or(0.0, |s| s.t));
        first.push(s.map_or(0, |s| s.first_purchase.unix_seconds()));
        last.push(s.map_or(0, |s| s.last_purchase.unix_seconds()));
        total.push(spent);
        mean.push(m.unwrap_or(0));
        has_mean.push(m.is_some());
    }
    let nulls = NullBuffer::from_iter(at.iter().map(Option::is_some));
    let money = |units: Vec<i128>, nulls: Option<NullBuffer>| -> Result<ArrayRef> {
        Ok(Arc::new(
            Decimal128Array::new(units.into(), nulls).with_precision_and_scale(38, MONEY_SCALE)?,
        ))
    };
    let seconds = |values: Vec<i64>| -> ArrayRef {
        Arc::new(TimestampSecondArray::new(values.into(), Some(nulls.clone())).with_timezone_utc())
    };
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::new(frequency.into(), Some(nulls.clone()))),
        Arc::new(Float64Array::new(recency.into(), Some(nulls.clone()))),
        Arc::new(Float64Array::new(t.into(), Some(nulls.clone()))),
        money(mean, Some(NullBuffer::from(has_mean)))?,
        seconds(first),
        seconds(last),
        Arc::new(UInt32Array::new(orders.into(), Some(nulls.clone()))),
        money(total, Some(nulls.clone()))?,
    ];
    Ok(Arc::new(StructArray::try_new(
        summary_fields(),
        arrays,
        Some(nulls),
    )?))
}

/// An amount as a count of 10^-[`MONEY_SCALE`] units, rounded half to
/// even: in integers, as a `Decimal` rounding costs several times more.
fn money_units(amount: Decimal) -> Result<i128> {
    let (mantissa, scale) = (amount.mantissa(), amount.scale());
    let target = u32::from(MONEY_SCALE.unsigned_abs());
    let units = if scale <= target {
        10_i128
            .checked_pow(target - scale)
            .and_then(|w| mantissa.checked_mul(w))
    } else {
        10_i128.checked_pow(scale - target).map(|divisor| {
            let (quotient, remainder) = (mantissa / divisor, (mantissa % divisor).abs());
            let up = match (2 * remainder).cmp(&divisor) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Equal => quotient % 2 != 0,
                std::cmp::Ordering::Less => false,
            };
            quotient + if up { mantissa.signum() } else { 0 }
        })
    };
    match units {
        Some(units) if units.abs() < 10_i128.pow(38) => Ok(units),
        _ => exec_err!("customer_summary: {amount} does not fit DECIMAL(38, {MONEY_SCALE})"),
    }
}

/// The aggregate over one group, for plans without group indexes (an
/// aggregate without `GROUP BY`, or a window).
#[derive(Debug)]
struct OneGroup(SummaryGroups);

impl Accumulator for OneGroup {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let rows = values.first().map_or(0, |v| v.len());
        self.0.total = 1;
        self.0.push(values, std::iter::repeat_n(0, rows))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let lines = self.0.take(EmitTo::All)?;
        let summary = summarize_groups(&self.0.options, &lines, 1)?;
        ScalarValue::try_from_array(&summary, 0)
    }

    fn size(&self) -> usize {
        self.0.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let lines = self.0.take(EmitTo::All)?;
        let lists = lists_by_group(&lines, &self.0.types, 1)?;
        // Put back: the state may be read more than once.
        self.0.total = 1;
        self.0.bytes = lines
            .columns
            .iter()
            .flatten()
            .map(|c| c.get_array_memory_size())
            .sum();
        self.0.groups = lines.groups;
        self.0.columns = lines.columns;
        lists.iter().map(|l| ScalarValue::try_from_array(l, 0)).collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rows = states.first().map_or(0, |s| s.len());
        self.0.merge_batch(states, &vec![0; rows], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn money_units_round_as_decimal_does(mantissa in -(1_i128 << 95)..(1_i128 << 95), scale in 0_u32..=28) {
            let amount = Decimal::from_i128_with_scale(mantissa, scale);
            let rounded = amount.round_dp(10);
            let expected = rounded.mantissa().checked_mul(10_i128.pow(10 - rounded.scale()));
            prop_assert_eq!(money_units(amount).ok(), expected.filter(|u| u.abs() < 10_i128.pow(38)));
        }
    }

    #[test]
    fn money_units_round_ties_to_even() {
        let units = |text: &str| money_units(text.parse::<Decimal>().ok().unwrap_or_default()).ok();
        assert_eq!(units("0.00000000005"), Some(0));
        assert_eq!(units("0.00000000015"), Some(2));
        assert_eq!(units("-0.00000000015"), Some(-2));
        assert_eq!(units("-0.000000000151"), Some(-2));
        assert_eq!(units("12.5"), Some(125_000_000_000));
    }
}
