//! Purchases as record batches and tables, and the crate's own answers to
//! compare the SQL functions with.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, RecordBatch, StringArray, StructArray, TimestampSecondArray,
    UInt64Array,
};
use datafusion::arrow::datatypes::{
    Decimal128Type, Float64Type, TimestampSecondType, UInt32Type, UInt64Type,
};
use datafusion::datasource::MemTable;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{SessionConfig, SessionContext};
use repurchase::rust_decimal::Decimal;
use repurchase::{CustomerSummary, Purchase};

/// Purchases as one batch: `customer` UInt64, `at` Timestamp(Second,
/// UTC), `amount` Decimal128(18, 2), and `order_id` when any purchase has
/// one.
pub fn batch_of<C: Copy + Into<u64>>(purchases: &[Purchase<C>]) -> RecordBatch {
    let cents = |d: Decimal| (d * Decimal::ONE_HUNDRED).normalize().mantissa();
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        (
            "customer",
            Arc::new(UInt64Array::from_iter_values(
                purchases.iter().map(|p| p.customer.into()),
            )),
        ),
        (
            "at",
            Arc::new(
                TimestampSecondArray::from_iter_values(purchases.iter().map(|p| p.at.unix_seconds()))
                    .with_timezone_utc(),
            ),
        ),
        (
            "amount",
            Arc::new(
                Decimal128Array::from_iter_values(purchases.iter().map(|p| cents(p.amount)))
                    .with_precision_and_scale(18, 2)
                    .unwrap(),
            ),
        ),
    ];
    if purchases.iter().any(|p| p.order_id.is_some()) {
        let ids: StringArray = purchases.iter().map(|p| p.order_id.as_deref()).collect();
        columns.push(("order_id", Arc::new(ids)));
    }
    RecordBatch::try_from_iter(columns).unwrap()
}

/// The batch cut into `parts` partitions, row `i` into part `i % parts`,
/// so that every customer's purchases are spread over the partitions.
pub fn spread(batch: &RecordBatch, parts: usize) -> Vec<Vec<RecordBatch>> {
    (0..parts)
        .map(|k| {
            let rows: Vec<u64> = (k..batch.num_rows()).step_by(parts).map(|i| i as u64).collect();
            let indices = UInt64Array::from(rows);
            let columns = batch
                .columns()
                .iter()
                .map(|c| datafusion::arrow::compute::take(c, &indices, None).unwrap())
                .collect();
            vec![RecordBatch::try_new(batch.schema(), columns).unwrap()]
        })
        .collect()
}

/// A session with `target_partitions` and the purchases as the table
/// `purchases`, in `parts` partitions.
pub fn session(batch: &RecordBatch, parts: usize, target_partitions: usize) -> SessionContext {
    let config = SessionConfig::new().with_target_partitions(target_partitions);
    let ctx = SessionContext::new_with_config(config);
    let table = MemTable::try_new(batch.schema(), spread(batch, parts)).unwrap();
    ctx.register_table("purchases", Arc::new(table)).unwrap();
    ctx
}

/// Writes the purchases as `files` Parquet files in a fresh directory.
pub fn parquet_dir(batch: &RecordBatch, files: usize, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("repurchase-datafusion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (k, part) in spread(batch, files).into_iter().enumerate() {
        let file = std::fs::File::create(dir.join(format!("part-{k}.parquet"))).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        for b in part {
            writer.write(&b).unwrap();
        }
        writer.close().unwrap();
    }
    dir
}

/// One customer's summary as SQL returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlSummary {
    pub frequency: u32,
    pub recency: f64,
    pub t: f64,
    pub monetary_value: Option<i128>,
    pub first_purchase: i64,
    pub last_purchase: i64,
    pub orders: u32,
    pub total_spend: i128,
}

/// An exact amount in units of 1e-10, rounded half to even.
pub fn units(d: Decimal) -> i128 {
    let r = d.round_dp(10);
    r.mantissa() * 10_i128.pow(10 - r.scale())
}

impl SqlSummary {
    /// What SQL should return for the crate's summary.
    pub fn expected<C>(s: &CustomerSummary<C>) -> Self {
        Self {
            frequency: s.frequency,
            recency: s.recency,
            t: s.t,
            monetary_value: s.monetary_value.map(units),
            first_purchase: s.first_purchase.unix_seconds(),
            last_purchase: s.last_purchase.unix_seconds(),
            orders: s.orders,
            total_spend: units(s.total_spend),
        }
    }

    /// Row `i` of a summary struct column.
    pub fn read(column: &StructArray, i: usize) -> Option<Self> {
        if column.is_null(i) {
            return None;
        }
        let c = |name: &str| column.column_by_name(name).unwrap();
        let money = |name: &str| {
            let a = c(name).as_primitive::<Decimal128Type>();
            a.is_valid(i).then(|| a.value(i))
        };
        Some(Self {
            frequency: c("frequency").as_primitive::<UInt32Type>().value(i),
            recency: c("recency").as_primitive::<Float64Type>().value(i),
            t: c("t").as_primitive::<Float64Type>().value(i),
            monetary_value: money("monetary_value"),
            first_purchase: c("first_purchase").as_primitive::<TimestampSecondType>().value(i),
            last_purchase: c("last_purchase").as_primitive::<TimestampSecondType>().value(i),
            orders: c("orders").as_primitive::<UInt32Type>().value(i),
            total_spend: money("total_spend").unwrap(),
        })
    }
}

/// `customer → summary` of a result with a UInt64 `customer` column and a
/// summary struct column `s`.
pub fn summaries_by_customer(batches: &[RecordBatch]) -> HashMap<u64, Option<SqlSummary>> {
    let mut out = HashMap::new();
    for b in batches {
        let customers = b.column_by_name("customer").unwrap().as_primitive::<UInt64Type>();
        let s = b.column_by_name("s").unwrap().as_struct();
        for i in 0..b.num_rows() {
            out.insert(customers.value(i), SqlSummary::read(s, i));
        }
    }
    out
}

/// A DOUBLE column of a struct column's first row, by field name.
pub fn struct_double(batches: &[RecordBatch], column: &str, field: &str) -> f64 {
    let s = batches[0].column_by_name(column).unwrap().as_struct();
    s.column_by_name(field)
        .unwrap()
        .as_primitive::<Float64Type>()
        .value(0)
}
