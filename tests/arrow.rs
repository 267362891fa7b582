//! Arrow record batches in and out: every accepted column type builds the
//! log that records build, errors name the column, and results round-trip.
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, TimestampSecondType, UInt32Type};
use arrow_array::{
    Array, ArrayRef, Date32Array, Date64Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    LargeStringArray, RecordBatch, StringArray, StringViewArray, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray, UInt32Array, UInt64Array,
};
use chrono::NaiveDate;
use repurchase::arrow::{BatchColumns, rfm_to_batch, splits_to_batch, summaries_to_batch, values_to_batch};
use repurchase::datasets::{cdnow_sample, cdnow_sample_purchases};
use repurchase::rfm::{self, RfmOptions, SegmentTable};
use repurchase::synthetic::SyntheticLog;
use repurchase::{Error, Field, Granularity, Purchase, PurchaseLog, SummaryOptions};
use rust_decimal::Decimal;

/// An amount in whole cents, the mantissa of a Decimal128 of scale 2
/// (rounded to the cent, and scaled up from fewer decimals).
fn cents(amount: rust_decimal::Decimal) -> i128 {
    let mut cents = amount.round_dp(2);
    cents.rescale(2);
    cents.mantissa()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn array(a: impl Array + 'static) -> ArrayRef {
    Arc::new(a)
}

/// Purchases as a batch: u64 keys, seconds, exact cents as Decimal128(18, 2),
/// and the optional text columns.
fn batch_of(purchases: &[Purchase<u64>]) -> RecordBatch {
    let text =
        |f: fn(&Purchase<u64>) -> Option<&str>| array(purchases.iter().map(f).collect::<StringArray>());
    RecordBatch::try_from_iter([
        (
            "customer",
            array(UInt64Array::from_iter_values(
                purchases.iter().map(|p| p.customer),
            )),
        ),
        (
            "at",
            array(TimestampSecondArray::from_iter_values(
                purchases.iter().map(|p| p.at.unix_seconds()),
            )),
        ),
        (
            "amount",
            array(
                Decimal128Array::from_iter_values(purchases.iter().map(|p| cents(p.amount)))
                    .with_precision_and_scale(18, 2)
                    .unwrap(),
            ),
        ),
        ("order_id", text(|p| p.order_id.as_deref())),
        ("product", text(|p| p.product.as_deref())),
        ("channel", text(|p| p.channel.as_deref())),
    ])
    .unwrap()
}

fn all_columns() -> BatchColumns {
    BatchColumns::new("customer", "at", "amount")
        .order_id("order_id")
        .product("product")
        .channel("channel")
}

/// A synthetic log with refunds, shared order ids, products and channels.
fn synthetic_purchases() -> Vec<Purchase<u64>> {
    let mut purchases = SyntheticLog::default()
        .customers(400)
        .seed(7)
        .purchases()
        .unwrap();
    for (i, p) in purchases.iter_mut().enumerate() {
        p.amount = p.amount.round_dp(2);
        if i % 9 == 0 {
            p.amount = -p.amount;
        }
        if i % 4 == 0 {
            p.order_id = Some(format!("O{}", i / 8));
        }
        if i % 3 != 0 {
            p.product = Some(format!("sku-{}", i % 11));
        }
        p.channel = Some(["web", "app", "store"][i % 3].to_string());
    }
    purchases
}

#[test]
fn batches_build_the_log_records_build() {
    let purchases = synthetic_purchases();
    let (expected, expected_rejected) = PurchaseLog::lenient(purchases.clone());
    assert!(expected.stats().merged > 0 && !expected_rejected.is_empty());
    let batch = batch_of(&purchases);
    let (log, rejected) =
        PurchaseLog::<u64>::from_batches_lenient(std::slice::from_ref(&batch), &all_columns()).unwrap();
    assert_eq!(log, expected);
    assert_eq!(rejected, expected_rejected);
    // The same input in uneven batches, some of them slices of a larger
    // one: rows are numbered across them.
    let n = batch.num_rows();
    let parts = [
        batch.slice(0, 1),
        batch.slice(1, n / 3),
        batch.slice(1 + n / 3, 0),
        batch.slice(1 + n / 3, n - 1 - n / 3),
    ];
    let (log, rejected) = PurchaseLog::<u64>::from_batches_lenient(&parts, &all_columns()).unwrap();
    assert_eq!(log, expected);
    assert_eq!(rejected, expected_rejected);
    let strict = PurchaseLog::<u64>::from_batches(&parts, &all_columns()).unwrap_err();
    assert_eq!(Some(strict), PurchaseLog::new(purchases.clone()).err());
    // Without order ids, products and channels (rows are then placed by
    // index, not staged): the log of the same records without them.
    let plain: Vec<Purchase<u64>> = purchases
        .into_iter()
        .map(|p| Purchase::new(p.customer, p.at, p.amount))
        .collect();
    let (expected, expected_rejected) = PurchaseLog::lenient(plain.clone());
    let required = BatchColumns::new("customer", "at", "amount");
    for batches in [std::slice::from_ref(&batch), &parts[..]] {
        let (log, rejected) = PurchaseLog::<u64>::from_batches_lenient(batches, &required).unwrap();
        assert_eq!(log, expected);
        assert_eq!(rejected, expected_rejected);
        assert_eq!(
            PurchaseLog::<u64>::from_batches(batches, &required),
            PurchaseLog::new(plain.clone())
        );
    }
}

#[test]
fn every_listed_type_reads_the_same_purchases() {
    // Midnight times, so that dates can carry them too; cents.
    let days = [10_957_i32, 10_957, 10_990, 11_200];
    let cents = [1_999_i64, -500, 0, 12_345];
    let keys = [3_u32, 1, 3, 2];
    let expected = PurchaseLog::new(
        (0..4)
            .map(|i| {
                Purchase::new(
                    u64::from(keys[i]),
                    NaiveDate::from_epoch_days(days[i]).unwrap(),
                    Decimal::new(cents[i], 2),
                )
            })
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let seconds: Vec<i64> = days.iter().map(|&d| i64::from(d) * 86_400).collect();
    let times = [
        array(Date32Array::from(days.to_vec())),
        array(Date64Array::from(
            seconds.iter().map(|s| s * 1_000).collect::<Vec<_>>(),
        )),
        array(TimestampSecondArray::from(seconds.clone())),
        array(
            TimestampMillisecondArray::from(seconds.iter().map(|s| s * 1_000 + 999).collect::<Vec<_>>())
                .with_timezone("+08:00"),
        ),
        array(
            TimestampMicrosecondArray::from(seconds.iter().map(|s| s * 1_000_000).collect::<Vec<_>>())
                .with_timezone("UTC"),
        ),
        array(TimestampNanosecondArray::from(
            seconds.iter().map(|s| s * 1_000_000_000 + 5).collect::<Vec<_>>(),
        )),
    ];
    let amounts = [
        (
            array(
                Decimal128Array::from(cents.iter().map(|&c| i128::from(c)).collect::<Vec<_>>())
                    .with_precision_and_scale(12, 2)
                    .unwrap(),
            ),
            None,
        ),
        (
            array(
                Decimal128Array::from(cents.iter().map(|c| i128::from(*c) * 10).collect::<Vec<_>>())
                    .with_precision_and_scale(38, 3)
                    .unwrap(),
            ),
            None,
        ),
        (array(Int64Array::from(cents.to_vec())), Some(2)),
        (
            array(Float64Array::from(
                cents.iter().map(|&c| c as f64 / 100.0).collect::<Vec<_>>(),
            )),
            None,
        ),
    ];
    let names: Vec<String> = keys.iter().map(|k| format!("c{k}")).collect();
    let customers: [(ArrayRef, bool); 7] = [
        (
            array(Int32Array::from(
                keys.iter().map(|&k| k as i32).collect::<Vec<_>>(),
            )),
            false,
        ),
        (
            array(Int64Array::from(
                keys.iter().map(|&k| i64::from(k)).collect::<Vec<_>>(),
            )),
            false,
        ),
        (array(UInt32Array::from(keys.to_vec())), false),
        (
            array(UInt64Array::from(
                keys.iter().map(|&k| u64::from(k)).collect::<Vec<_>>(),
            )),
            false,
        ),
        (array(StringArray::from(names.clone())), true),
        (array(LargeStringArray::from(names.clone())), true),
        (
            array(StringViewArray::from(
                names.iter().map(String::as_str).collect::<Vec<_>>(),
            )),
            true,
        ),
    ];
    for (customer, is_text) in &customers {
        for time in &times {
            for (amount, scale) in &amounts {
                let batch = RecordBatch::try_from_iter([
                    ("customer", customer.clone()),
                    ("at", time.clone()),
                    ("amount", amount.clone()),
                ])
                .unwrap();
                let mut columns = BatchColumns::new("customer", "at", "amount");
                if let Some(scale) = scale {
                    columns = columns.minor_units(*scale);
                }
                let what = format!(
                    "{} / {} / {}",
                    customer.data_type(),
                    time.data_type(),
                    amount.data_type()
                );
                let summary = |log: &PurchaseLog<u64>| log.summarize(&SummaryOptions::new(date(2001, 1, 1)));
                let log: PurchaseLog<u64> = if *is_text {
                    let log = PurchaseLog::<String>::from_batches(&[batch], &columns).expect(&what);
                    assert_eq!(log.keys(), ["c1", "c2", "c3"], "{what}");
                    renumbered(&log, |key| key[1..].parse().unwrap())
                } else if customer.data_type() == &arrow_schema::DataType::Int32 {
                    let log = PurchaseLog::<i32>::from_batches(&[batch], &columns).expect(&what);
                    renumbered(&log, |key| *key as u64)
                } else if customer.data_type() == &arrow_schema::DataType::Int64 {
                    let log = PurchaseLog::<i64>::from_batches(std::slice::from_ref(&batch), &columns)
                        .expect(&what);
                    assert_eq!(log.keys(), [1, 2, 3]);
                    PurchaseLog::<u64>::from_batches(&[batch], &columns)
                        .map(|_| ())
                        .unwrap_err();
                    renumbered(&log, |key| *key as u64)
                } else {
                    PurchaseLog::<u64>::from_batches(&[batch], &columns).expect(&what)
                };
                assert_eq!(summary(&log), summary(&expected), "{what}");
                assert_eq!(log.stats().accepted, 4, "{what}");
            }
        }
    }
}

/// The same purchases under integer keys, for comparison across key types.
fn renumbered<K: Ord>(log: &PurchaseLog<K>, key: impl Fn(&K) -> u64) -> PurchaseLog<u64> {
    let purchases = log.customers().flat_map(|c| {
        let key = key(c.key());
        c.timestamps()
            .zip(c.amounts())
            .map(move |(t, a)| Purchase::new(key, t, a))
            .collect::<Vec<_>>()
    });
    PurchaseLog::new(purchases.collect::<Vec<_>>()).unwrap()
}

fn small_batch() -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "customer",
            array(Int64Array::from(vec![Some(1), None, Some(3), Some(4)])),
        ),
        (
            "at",
            array(Date32Array::from(vec![
                Some(10_957),
                Some(10_958),
                None,
                Some(10_960),
            ])),
        ),
        (
            "amount",
            array(Float64Array::from(vec![Some(1.5), Some(2.0), Some(3.0), None])),
        ),
        ("note", array(StringArray::from(vec!["a", "b", "c", "d"]))),
    ])
    .unwrap()
}

#[test]
fn nulls_name_the_column_and_row() {
    let columns = BatchColumns::new("customer", "at", "amount");
    let err = PurchaseLog::<i64>::from_batches(&[small_batch()], &columns).unwrap_err();
    assert!(
        matches!(&err, Error::UnreadableValue { index: 1, column, field: Field::Customer, .. } if column == "customer"),
        "{err}"
    );
    assert!(err.to_string().contains("row 1: customer value null"), "{err}");
    let (log, rejected) = PurchaseLog::<i64>::from_batches_lenient(&[small_batch()], &columns).unwrap();
    assert_eq!(log.keys(), [1]);
    let named: Vec<_> = rejected.iter().map(|r| (r.index, r.customer, r.field)).collect();
    assert_eq!(
        named,
        [
            (1, None, Field::Customer),
            (2, Some(3), Field::Timestamp),
            (3, Some(4), Field::Amount)
        ]
    );
    for r in &rejected {
        assert!(
            r.reason.to_string().contains(&format!("row {}:", r.index)),
            "{}",
            r.reason
        );
    }
    // Nulls in a later batch are numbered across the batches.
    let (_, rejected) =
        PurchaseLog::<i64>::from_batches_lenient(&[small_batch(), small_batch()], &columns).unwrap();
    assert_eq!(
        rejected.iter().map(|r| r.index).collect::<Vec<_>>(),
        [1, 2, 3, 5, 6, 7]
    );
}

#[test]
fn missing_columns_and_wrong_types_name_the_column() {
    let batch = small_batch();
    let err = PurchaseLog::<i64>::from_batches(
        std::slice::from_ref(&batch),
        &BatchColumns::new("customer_id", "at", "amount"),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::MissingColumn {
            column: "customer_id".into(),
            available: vec!["customer".into(), "at".into(), "amount".into(), "note".into()],
        }
    );
    let cases = [
        (BatchColumns::new("note", "at", "amount"), "note", "Utf8"),
        (BatchColumns::new("customer", "note", "amount"), "note", "Utf8"),
        (BatchColumns::new("customer", "at", "note"), "note", "Utf8"),
        (
            BatchColumns::new("customer", "at", "amount").order_id("customer"),
            "customer",
            "Int64",
        ),
        (
            BatchColumns::new("customer", "at", "customer"),
            "customer",
            "Int64",
        ),
    ];
    for (columns, column, found) in cases {
        let err =
            PurchaseLog::<i64>::from_batches_lenient(std::slice::from_ref(&batch), &columns).unwrap_err();
        assert!(
            matches!(&err, Error::ColumnType { column: c, found: f, .. } if c == column && f == found),
            "{columns:?}: {err}"
        );
    }
    // Int64 amounts without a scale would be guessed: an error says how to state it.
    let err = PurchaseLog::<i64>::from_batches(&[batch], &BatchColumns::new("customer", "at", "customer"))
        .unwrap_err();
    assert!(err.to_string().contains("minor_units"), "{err}");
}

#[test]
fn the_cdnow_sample_summarises_alike_both_ways() {
    let purchases = cdnow_sample_purchases();
    let batch = RecordBatch::try_from_iter([
        (
            "customer_id",
            array(UInt32Array::from_iter_values(
                purchases.iter().map(|p| p.customer),
            )),
        ),
        (
            "date",
            array(Date32Array::from_iter_values(
                purchases.iter().map(|p| (p.at.unix_seconds() / 86_400) as i32),
            )),
        ),
        (
            "amount",
            array(
                Decimal128Array::from_iter_values(purchases.iter().map(|p| cents(p.amount)))
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
    ])
    .unwrap();
    assert!(purchases.iter().all(|p| p.amount.scale() == 2));
    let log = PurchaseLog::<u32>::from_batches(&[batch], &BatchColumns::new("customer_id", "date", "amount"))
        .unwrap();
    assert_eq!(log, cdnow_sample().unwrap());
}

/// A Decimal128 value as a `Decimal`, exactly: trailing zeros dropped
/// first (means carry 28 decimals, whose units can pass 96 bits).
fn exact(mut units: i128, mut scale: i8) -> Decimal {
    while scale > 0 && units % 10 == 0 {
        units /= 10;
        scale -= 1;
    }
    Decimal::try_from_i128_with_scale(units, scale as u32).unwrap()
}

#[test]
fn summaries_round_trip_through_a_batch() {
    let log = cdnow_sample().unwrap();
    let end = date(1998, 6, 30);
    let summaries = log.summarize(&SummaryOptions::new(end).granularity(Granularity::Week));
    let batch = summaries_to_batch(&summaries.customers).unwrap();
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "customer",
            "frequency",
            "recency",
            "t",
            "monetary_value",
            "first_purchase",
            "last_purchase",
            "orders",
            "periods",
            "total_spend",
            "mean_order_value"
        ]
    );
    assert!(schema.field(4).is_nullable() && !schema.field(9).is_nullable());
    let customers = batch.column(0).as_primitive::<UInt32Type>();
    let frequency = batch.column(1).as_primitive::<UInt32Type>();
    let recency = batch.column(2).as_primitive::<Float64Type>();
    let monetary = batch.column(4).as_primitive::<Decimal128Type>();
    let first = batch.column(5).as_primitive::<TimestampSecondType>();
    let spend = batch.column(9).as_primitive::<Decimal128Type>();
    for (i, s) in summaries.iter().enumerate() {
        assert_eq!(customers.value(i), s.customer);
        assert_eq!(frequency.value(i), s.frequency);
        assert_eq!(recency.value(i), s.recency);
        let money = |a: &arrow_array::Decimal128Array| (!a.is_null(i)).then(|| exact(a.value(i), a.scale()));
        assert_eq!(money(monetary), s.monetary_value, "customer {}", s.customer);
        assert_eq!(money(spend), Some(s.total_spend), "customer {}", s.customer);
        assert_eq!(first.value(i), s.first_purchase.unix_seconds());
    }
    let split = log
        .calibration_holdout(date(1997, 9, 30), &SummaryOptions::new(end))
        .unwrap();
    let batch = splits_to_batch(&split.customers).unwrap();
    assert_eq!(
        (batch.num_rows(), batch.num_columns()),
        (split.customers.len(), 8)
    );
    let holdout = batch.column(5).as_primitive::<UInt32Type>();
    assert!(
        split
            .customers
            .iter()
            .enumerate()
            .all(|(i, s)| holdout.value(i) == s.frequency_holdout)
    );

    let scores = rfm::score(&summaries, &RfmOptions::default()).unwrap();
    let table = SegmentTable::r_rfm();
    let batch = rfm_to_batch(&scores, &table).unwrap();
    let segments = batch.column_by_name("segment").unwrap().as_string::<i32>();
    let codes = batch.column_by_name("code").unwrap().as_string::<i32>();
    for (i, (score, segment)) in scores.customers.iter().zip(table.assign(&scores)).enumerate() {
        assert_eq!(segment.customer, score.customer);
        assert_eq!(segments.value(i), table.name(segment.segment));
        assert_eq!(codes.value(i), score.code().to_string());
    }

    let keys: Vec<u32> = summaries.iter().map(|s| s.customer).collect();
    let values: Vec<f64> = summaries.iter().map(|s| s.t).collect();
    let batch = values_to_batch(&keys, &[("t", &values)]).unwrap();
    assert_eq!(
        batch.column(1).as_primitive::<Float64Type>().values().as_ref(),
        values.as_slice()
    );
    let err = values_to_batch(&keys, &[("short", &values[1..])]).unwrap_err();
    assert!(matches!(err, Error::ColumnLength { len, expected, .. } if len + 1 == expected));
}
