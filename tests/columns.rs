//! Columns are a second way into a log: every encoding of times and
//! amounts builds the very log, rejections and summaries that records do.
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use repurchase::{
    AmountColumn, Error, Field, Granularity, LogOptions, OrderLines, Purchase, PurchaseColumns, PurchaseLog,
    SummaryOptions, TimeColumn, TimeUnit, Timestamp,
};
use rust_decimal::Decimal;

/// 2024-01-01T00:00:00Z.
const START: i64 = 1_704_067_200;

/// One purchase as columns hold it: customer, seconds, cents, order id,
/// product, channel.
type Row = (u64, i64, i64, Option<u8>, Option<u8>, Option<u8>);

/// Rows over a year and a half, to the second, with refunds, zero amounts,
/// order ids shared across customers, products, channels and a few
/// sentinel times (before 1970 or far out) that the rules reject.
fn rows() -> impl Strategy<Value = Vec<Row>> {
    let seconds = prop_oneof![
        20 => 0_i64..550 * 86_400,
        1 => Just(-80 * 365 * 86_400_i64),
        1 => Just(100 * 365 * 86_400_i64),
    ];
    let cents = prop_oneof![8 => 1_i64..30_000, 1 => Just(0_i64), 2 => -20_000_i64..0];
    let code = prop::option::weighted(0.4, 0_u8..5);
    prop::collection::vec(
        (0_u64..15, seconds, cents, code.clone(), code.clone(), code),
        0..150,
    )
}

fn name(prefix: &str, code: Option<u8>) -> Option<String> {
    code.map(|c| format!("{prefix}{c}"))
}

fn records<C: Clone>(rows: &[Row], key: impl Fn(u64) -> C) -> Vec<Purchase<C>> {
    rows.iter()
        .map(|&(customer, seconds, cents, order, product, channel)| Purchase {
            customer: key(customer),
            at: Timestamp::from_unix_seconds(START + seconds).unwrap(),
            amount: Decimal::new(cents, 2),
            order_id: name("O", order),
            product: name("P", product),
            channel: name("C", channel),
        })
        .collect()
}

/// The records without order ids, products and channels.
fn plain<C>(records: Vec<Purchase<C>>) -> Vec<Purchase<C>> {
    records
        .into_iter()
        .map(|p| Purchase::new(p.customer, p.at, p.amount))
        .collect()
}

/// The rows' text columns, borrowed.
struct Texts {
    orders: Vec<Option<String>>,
    products: Vec<Option<String>>,
    channels: Vec<Option<String>>,
}

impl Texts {
    fn of(rows: &[Row]) -> Self {
        Self {
            orders: rows.iter().map(|r| name("O", r.3)).collect(),
            products: rows.iter().map(|r| name("P", r.4)).collect(),
            channels: rows.iter().map(|r| name("C", r.5)).collect(),
        }
    }
}

fn borrowed(column: &[Option<String>]) -> Vec<Option<&str>> {
    column.iter().map(Option::as_deref).collect()
}

/// Every time encoding of the rows' instants (sub-second parts added where
/// the unit has them: they truncate to the same second).
fn time_encodings(rows: &[Row]) -> Vec<(&'static str, Vec<i64>)> {
    let seconds: Vec<i64> = rows.iter().map(|r| START + r.1).collect();
    let sub = |i: usize, unit: i64| (i as i64 * 7_919) % unit;
    vec![
        ("seconds", seconds.clone()),
        (
            "millis",
            seconds
                .iter()
                .enumerate()
                .map(|(i, s)| s * 1_000 + sub(i, 1_000))
                .collect(),
        ),
        (
            "micros",
            seconds
                .iter()
                .enumerate()
                .map(|(i, s)| s * 1_000_000 + sub(i, 1_000_000))
                .collect(),
        ),
        (
            "nanos",
            seconds
                .iter()
                .enumerate()
                .map(|(i, s)| s * 1_000_000_000 + sub(i, 1_000_000_000))
                .collect(),
        ),
    ]
}

fn time_column<'a>(unit: &str, values: &'a [i64]) -> TimeColumn<'a> {
    match unit {
        "seconds" => TimeColumn::UnixSeconds(values),
        "millis" => TimeColumn::UnixMillis(values),
        "micros" => TimeColumn::UnixMicros(values),
        _ => TimeColumn::UnixNanos(values),
    }
}

/// Both ways, with `options`, for one time and one amount encoding.
fn check_parity<C>(
    options: LogOptions,
    records: Vec<Purchase<C>>,
    columns: &PurchaseColumns<'_, C>,
    what: &str,
) -> Result<(), TestCaseError>
where
    C: repurchase::CustomerKey + std::fmt::Debug,
{
    let (from_rows, rejected_rows) = options.build_lenient(records.clone());
    let (from_columns, rejected_columns) = options.build_columns_lenient(columns).unwrap();
    prop_assert_eq!(&from_rows, &from_columns, "{}", what);
    prop_assert_eq!(&rejected_rows, &rejected_columns, "{}", what);
    prop_assert_eq!(
        options.build(records).err(),
        options.build_columns(columns).err(),
        "{}",
        what
    );
    for g in [Granularity::Day, Granularity::Week] {
        let end = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        let opts = SummaryOptions::new(end).granularity(g).unit(TimeUnit::Weeks);
        prop_assert_eq!(
            from_rows.summarize(&opts),
            from_columns.summarize(&opts),
            "{}",
            what
        );
    }
    Ok(())
}

/// Text-keyed purchases (seconds after `START`, cents) built from columns
/// and from records: the same log, rejections and summaries (see
/// [`check_parity`]). Returns the log built from columns.
fn check_text_key_parity<'k>(
    keys: &[&'k str],
    offsets: &[i64],
    cents: &[i64],
) -> Result<PurchaseLog<&'k str>, TestCaseError> {
    let seconds: Vec<i64> = offsets.iter().map(|s| START + s).collect();
    let records = keys
        .iter()
        .zip(&seconds)
        .zip(cents)
        .map(|((&key, &s), &c)| {
            Purchase::new(key, Timestamp::from_unix_seconds(s).unwrap(), Decimal::new(c, 2))
        })
        .collect();
    let columns = PurchaseColumns::new(
        keys,
        TimeColumn::UnixSeconds(&seconds),
        AmountColumn::MinorUnits {
            units: cents,
            scale: 2,
        },
    );
    check_parity(LogOptions::default(), records, &columns, "text keys")?;
    Ok(PurchaseLog::from_columns_lenient(&columns).unwrap().0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_encoding_builds_the_log_records_build(rows in rows(), reject_duplicates in any::<bool>()) {
        let policy = if reject_duplicates { OrderLines::Reject } else { OrderLines::Merge };
        let options = LogOptions::default().order_lines(policy);
        let texts = Texts::of(&rows);
        let (orders, products, channels) = (borrowed(&texts.orders), borrowed(&texts.products), borrowed(&texts.channels));
        let customers: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let cents: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let decimals: Vec<Decimal> = cents.iter().map(|&c| Decimal::new(c, 2)).collect();
        let units128: Vec<i128> = cents.iter().map(|&c| i128::from(c) * 1_000).collect();
        let floats: Vec<f64> = cents.iter().map(|&c| c as f64 / 100.0).collect();
        let amounts = [
            ("decimals", AmountColumn::Decimals(&decimals)),
            ("cents", AmountColumn::MinorUnits { units: &cents, scale: 2 }),
            ("decimal128", AmountColumn::Decimal128 { units: &units128, scale: 5 }),
            ("floats", AmountColumn::Floats(&floats)),
        ];
        let encodings = time_encodings(&rows);
        for (unit, values) in &encodings {
            for (kind, amount) in amounts {
                let columns = PurchaseColumns::new(&customers, time_column(unit, values), amount)
                    .order_ids(&orders)
                    .products(&products)
                    .channels(&channels);
                check_parity(options, records(&rows, |c| c), &columns, &format!("{unit} / {kind}"))?;
                // Without text columns rows are placed by index, not staged.
                let columns = PurchaseColumns::new(&customers, time_column(unit, values), amount);
                check_parity(options, plain(records(&rows, |c| c)), &columns, &format!("{unit} / {kind}, no text"))?;
            }
        }
        // String keys, borrowed: the same log once the keys are owned.
        let names: Vec<String> = customers.iter().map(|c| format!("customer-{c:03}")).collect();
        let keys: Vec<&str> = names.iter().map(String::as_str).collect();
        let columns = PurchaseColumns::new(&keys, time_column("seconds", &encodings[0].1), amounts[0].1)
            .order_ids(&orders)
            .products(&products)
            .channels(&channels);
        check_parity(options, records(&rows, |c| format!("customer-{c:03}").leak() as &str), &columns, "&str keys")?;
        let keys_only = PurchaseColumns::new(&keys, time_column("seconds", &encodings[0].1), amounts[0].1);
        check_parity(options, plain(records(&rows, |c| format!("customer-{c:03}").leak() as &str)), &keys_only, "&str keys, no text")?;
        let owned = options.build_columns_lenient(&columns).unwrap().0.into_owned_keys();
        prop_assert_eq!(owned, options.build_lenient(records(&rows, |c| format!("customer-{c:03}"))).0);
    }

    #[test]
    fn text_keys_of_every_shape_build_the_log_records_build(
        picks in prop::collection::vec((0_usize..12, 0_i64..550 * 86_400, -2_000_i64..30_000), 0..300),
        names in prop_oneof![
            // Short codes past a shared prefix: grouped by their bytes as integers.
            prop::collection::vec("C-0{0,3}[1-9][0-9]{0,13}", 12),
            // Codes that share their first eight bytes.
            prop::collection::vec("[ab]0{7}[0-3]{1,5}", 12),
            // Short keys that differ only in trailing zero bytes.
            prop::collection::vec("[a\\x00]{0,4}", 12),
            // Anything: zero bytes, long keys, keys without the shared prefix.
            prop::collection::vec("(C-|cust)?[a\\x00b-]{0,24}", 12),
        ],
    ) {
        let keys: Vec<&str> = picks.iter().map(|p| names[p.0].as_str()).collect();
        let offsets: Vec<i64> = picks.iter().map(|p| p.1).collect();
        let cents: Vec<i64> = picks.iter().map(|p| p.2).collect();
        check_text_key_parity(&keys, &offsets, &cents)?;
    }

    #[test]
    fn dates_and_timestamps_read_as_their_instants(
        days in prop::collection::vec((0_u64..6, 0_i32..600, -5_000_i64..50_000), 0..80),
    ) {
        let customers: Vec<u64> = days.iter().map(|d| d.0).collect();
        let unix_days: Vec<i32> = days.iter().map(|d| 19_723 + d.1).collect(); // from 2024-01-01
        let cents: Vec<i64> = days.iter().map(|d| d.2).collect();
        let amount = AmountColumn::MinorUnits { units: &cents, scale: 2 };
        let dates: Vec<NaiveDate> = unix_days
            .iter()
            .map(|&d| DateTime::from_timestamp(i64::from(d) * 86_400, 0).unwrap().date_naive())
            .collect();
        let instants: Vec<DateTime<Utc>> = dates.iter().map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc()).collect();
        let stamps: Vec<Timestamp> = dates.iter().map(|&d| Timestamp::from(d)).collect();
        let records: Vec<_> = customers
            .iter()
            .zip(&dates)
            .zip(&cents)
            .map(|((&c, &d), &cents)| Purchase::new(c, d, Decimal::new(cents, 2)))
            .collect();
        let expected = PurchaseLog::new(records).unwrap();
        for time in [
            TimeColumn::UnixDays(&unix_days),
            TimeColumn::Dates(&dates),
            TimeColumn::DateTimes(&instants),
            TimeColumn::Timestamps(&stamps),
        ] {
            let columns = PurchaseColumns::new(&customers, time, amount);
            prop_assert_eq!(&PurchaseLog::from_columns(&columns).unwrap(), &expected, "{:?}", time);
        }
    }
}

#[test]
fn columns_of_another_length_are_named() {
    let days = [9_862, 9_863];
    let columns = PurchaseColumns::new(
        &[1_u64, 2, 3],
        TimeColumn::UnixDays(&days),
        AmountColumn::Floats(&[1.0; 3]),
    );
    let expected = Error::ColumnLength {
        column: "times".into(),
        len: 2,
        expected: 3,
    };
    assert_eq!(PurchaseLog::from_columns(&columns).unwrap_err(), expected);
    assert_eq!(PurchaseLog::from_columns_lenient(&columns).unwrap_err(), expected);
    let products = [Some("tea")];
    let columns = PurchaseColumns::new(
        &[1_u64, 2],
        TimeColumn::UnixDays(&days),
        AmountColumn::Floats(&[1.0; 2]),
    )
    .products(&products);
    let err = PurchaseLog::from_columns(&columns).unwrap_err();
    assert!(err.to_string().contains("column products has 1 values"), "{err}");
}

#[test]
fn unreadable_values_name_the_row_and_column() {
    let customers = [1_u64, 2, 3, 4];
    let seconds = [852_076_800, i64::MAX, 852_076_800, 852_076_800];
    let amounts = [1.0, 2.0, f64::NAN, f64::INFINITY];
    let columns = PurchaseColumns::new(
        &customers,
        TimeColumn::UnixSeconds(&seconds),
        AmountColumn::Floats(&amounts),
    );
    let err = PurchaseLog::from_columns(&columns).unwrap_err();
    assert_eq!((err.index(), err.field()), (Some(1), Some(Field::Timestamp)));
    assert!(
        err.to_string().contains("times value 9223372036854775807 s"),
        "{err}"
    );
    let (log, rejected) = PurchaseLog::from_columns_lenient(&columns).unwrap();
    assert_eq!(log.keys(), [1]);
    let named: Vec<_> = rejected.iter().map(|r| (r.index, r.customer, r.field)).collect();
    assert_eq!(
        named,
        [
            (1, Some(2), Field::Timestamp),
            (2, Some(3), Field::Amount),
            (3, Some(4), Field::Amount)
        ]
    );
    assert_eq!(log.stats().rejected, 3);

    // Days far beyond the calendar say their unit.
    let columns = PurchaseColumns::new(
        &[1_u64],
        TimeColumn::UnixDays(&[i32::MAX]),
        AmountColumn::Floats(&[1.0]),
    );
    let err = PurchaseLog::from_columns(&columns).unwrap_err();
    assert!(err.to_string().contains("2147483647 days"), "{err}");
}

#[test]
fn minor_units_need_a_scale_decimal_can_hold() {
    let columns = PurchaseColumns::new(
        &[1_u64],
        TimeColumn::UnixDays(&[0]),
        AmountColumn::MinorUnits {
            units: &[1],
            scale: 29,
        },
    );
    assert!(matches!(
        PurchaseLog::from_columns(&columns),
        Err(Error::InvalidParameter {
            name: "AmountColumn::MinorUnits::scale",
            ..
        })
    ));
}

/// Large enough for many key-range buckets, where lines from columns are
/// swapped into place rather than scattered into room: the same log as
/// records build through room, for dense, sparse and string keys, with
/// same-second ties, order lines and refunds.
#[test]
fn large_columns_group_like_records() {
    let mut rng = repurchase::synthetic::Rng::new(11);
    let n = 120_000;
    let mut dense = Vec::with_capacity(n);
    let mut seconds = Vec::with_capacity(n);
    let mut cents = Vec::with_capacity(n);
    let mut orders = Vec::with_capacity(n);
    for i in 0..n {
        // Lines 5k and 5k + 1: two lines of order O{k}, one customer's.
        let customer = if i % 5 == 1 {
            dense[i - 1]
        } else {
            (rng.uniform() * 9_000.0) as u64
        };
        dense.push(customer);
        // Whole hours over a year: many lines of one customer share a second.
        seconds.push(START + 3_600 * (rng.uniform() * 24.0 * 365.0) as i64);
        cents.push((rng.uniform() * 20_000.0) as i64 - 2_000);
        orders.push((i % 5 < 2).then(|| format!("O{}", i / 5)));
    }
    let sparse: Vec<u64> = dense
        .iter()
        .map(|k| k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16)
        .collect();
    let names: Vec<String> = dense.iter().map(|k| format!("customer-{k:05}")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let order_refs = borrowed(&orders);
    let records = |key: &dyn Fn(usize) -> u64| -> Vec<Purchase<u64>> {
        (0..n)
            .map(|i| {
                let p = Purchase::new(
                    key(i),
                    Timestamp::from_unix_seconds(seconds[i]).unwrap(),
                    Decimal::new(cents[i], 2),
                );
                match &orders[i] {
                    Some(id) => p.order_id(id.clone()),
                    None => p,
                }
            })
            .collect()
    };
    let time = TimeColumn::UnixSeconds(&seconds);
    let amount = AmountColumn::MinorUnits {
        units: &cents,
        scale: 2,
    };
    for (keys, what) in [(&dense, "dense"), (&sparse, "sparse")] {
        let expected = PurchaseLog::new(records(&|i| keys[i])).unwrap();
        let columns = PurchaseColumns::new(keys, time, amount).order_ids(&order_refs);
        assert_eq!(
            PurchaseLog::from_columns(&columns).unwrap(),
            expected,
            "{what} keys"
        );
        // Without order ids every line heads its own order.
        let expected = PurchaseLog::new(
            records(&|i| keys[i])
                .into_iter()
                .map(|mut p| {
                    p.order_id = None;
                    p
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let columns = PurchaseColumns::new(keys, time, amount);
        assert_eq!(
            PurchaseLog::from_columns(&columns).unwrap(),
            expected,
            "{what} keys, no order ids"
        );
    }
    let expected: Vec<Purchase<String>> = records(&|i| dense[i])
        .into_iter()
        .map(|p| Purchase {
            customer: format!("customer-{:05}", p.customer),
            at: p.at,
            amount: p.amount,
            order_id: p.order_id,
            product: None,
            channel: None,
        })
        .collect();
    let columns = PurchaseColumns::new(&name_refs, time, amount).order_ids(&order_refs);
    assert_eq!(
        PurchaseLog::from_columns(&columns).unwrap().into_owned_keys(),
        PurchaseLog::new(expected).unwrap()
    );
}

/// Without order ids, products and channels, rows are placed by index in
/// pieces: rejections spread over every piece, and text keys of which only
/// some share a prefix, build what records build.
#[test]
fn large_columns_without_text_build_like_records() {
    let mut rng = repurchase::synthetic::Rng::new(5);
    let n = 150_000;
    let mut names = Vec::with_capacity(n);
    let mut seconds = Vec::with_capacity(n);
    let mut cents = Vec::with_capacity(n);
    for i in 0..n {
        let k = (rng.uniform() * 12_000.0) as u64;
        // Most keys share "customer-"; a few sort before or after them all.
        names.push(match k % 97 {
            0 => format!("a{k}"),
            1 => format!("zz{k}"),
            2 => "customer".to_string(),
            _ => format!("customer-{k:05}"),
        });
        seconds.push(START + 3_600 * (rng.uniform() * 24.0 * 365.0) as i64);
        // Every 7,919th amount is beyond the amount rule.
        cents.push(if i % 7_919 == 3 {
            i64::MAX
        } else {
            (rng.uniform() * 20_000.0) as i64 - 2_000
        });
    }
    let keys: Vec<&str> = names.iter().map(String::as_str).collect();
    let numbers: Vec<u64> = (0..n as u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 50_000)
        .collect();
    let time = TimeColumn::UnixSeconds(&seconds);
    let amount = AmountColumn::MinorUnits {
        units: &cents,
        scale: 2,
    };
    let record = |i: usize| {
        (
            Timestamp::from_unix_seconds(seconds[i]).unwrap(),
            Decimal::new(cents[i], 2),
        )
    };
    let by_name: Vec<Purchase<&str>> = (0..n)
        .map(|i| {
            let (at, amount) = record(i);
            Purchase::new(keys[i], at, amount)
        })
        .collect();
    let by_number: Vec<Purchase<u64>> = (0..n)
        .map(|i| {
            let (at, amount) = record(i);
            Purchase::new(numbers[i], at, amount)
        })
        .collect();
    let columns = PurchaseColumns::new(&keys, time, amount);
    let (log, rejected) = PurchaseLog::from_columns_lenient(&columns).unwrap();
    assert_eq!(rejected.len(), n.div_ceil(7_919));
    assert_eq!((log, rejected), PurchaseLog::lenient(by_name.clone()));
    assert_eq!(
        PurchaseLog::from_columns(&columns).err(),
        PurchaseLog::new(by_name).err()
    );
    let columns = PurchaseColumns::new(&numbers, time, amount);
    assert_eq!(
        PurchaseLog::from_columns_lenient(&columns).unwrap(),
        PurchaseLog::lenient(by_number)
    );
}

#[test]
fn text_keys_over_many_key_ranges_build_the_log_records_build() {
    // Enough rows for several key ranges and pieces: codes short enough to
    // be ordered as integers, and longer ids that are hashed.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 16
    };
    let rows: Vec<(u64, i64, i64)> = (0..120_000)
        .map(|_| {
            (
                next() % 9_000,
                (next() % (550 * 86_400)) as i64,
                (next() % 20_000) as i64 - 1_000,
            )
        })
        .collect();
    let offsets: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let cents: Vec<i64> = rows.iter().map(|r| r.2).collect();
    for id in [
        // Sixteen bytes, the first eight shared by half of the ids.
        |c: u64| format!("{}-{c:014}", if c % 2 == 0 { 'A' } else { 'B' }),
        |c: u64| {
            format!(
                "customer-{c:08x}-{:016x}@example.com",
                c.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            )
        },
    ] {
        let names: Vec<String> = rows.iter().map(|r| id(r.0)).collect();
        let keys: Vec<&str> = names.iter().map(String::as_str).collect();
        let from_columns = check_text_key_parity(&keys, &offsets, &cents).unwrap();
        assert_eq!(from_columns.keys().len(), 9_000);
    }
}
