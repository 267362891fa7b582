//! Every documented rule of `PurchaseLog` and every error variant, each
//! checked for the index, customer and field it names.
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use repurchase::{
    Calendar, Error, Field, Granularity, LogOptions, MAX_AMOUNT, OrderLines, Purchase, PurchaseLog,
    SummaryAccumulator, SummaryOptions,
};
use rust_decimal::Decimal;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

fn buy(customer: u64, m: u32, d: u32, cents: i64) -> Purchase<u64> {
    Purchase::new(customer, day(m, d), Decimal::new(cents, 2))
}

fn dec(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn summarize(log: &PurchaseLog<u64>, m: u32, d: u32) -> repurchase::Summaries<u64> {
    log.summarize(&SummaryOptions::new(day(m, d)))
}

#[test]
fn timestamps_outside_the_valid_range_are_rejected() {
    let sentinel = Purchase::new(7, NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(), Decimal::ONE);
    let far = Purchase::new(8, NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(), Decimal::ONE);
    let records = vec![buy(1, 1, 1, 100), sentinel.clone(), far];

    let err = PurchaseLog::new(records.clone()).unwrap_err();
    assert!(
        matches!(err, Error::TimestampOutOfRange { index: 1, value, .. } if value == sentinel.at),
        "{err}"
    );
    assert_eq!(err.field(), Some(Field::Timestamp));
    assert!(err.to_string().contains("record 1"), "{err}");

    let (log, rejected) = PurchaseLog::lenient(records);
    assert_eq!(log.len(), 1);
    let named: Vec<_> = rejected.iter().map(|r| (r.index, r.customer, r.field)).collect();
    assert_eq!(
        named,
        [(1, Some(7), Field::Timestamp), (2, Some(8), Field::Timestamp)]
    );

    // A configured range admits the old date and rejects the ordinary one.
    let old = LogOptions::default()
        .valid_range(
            NaiveDate::from_ymd_opt(1800, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(),
        )
        .unwrap();
    let (log, rejected) = old.build_lenient(vec![sentinel, buy(1, 1, 1, 100)]);
    assert_eq!((log.len(), rejected.len(), rejected[0].index), (1, 1, 1));
}

#[test]
fn an_empty_valid_range_is_an_error_naming_both_fields() {
    let err = LogOptions::default()
        .valid_range(day(2, 1), day(1, 1))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::EmptyRange {
                start_field: "valid_from",
                end_field: "valid_until",
                ..
            }
        ),
        "{err}"
    );
    assert!(LogOptions::default().valid_range(day(1, 1), day(1, 1)).is_err());
}

#[test]
fn amounts_beyond_the_limit_are_rejected() {
    let huge = Purchase::new(3, day(1, 2), MAX_AMOUNT + Decimal::ONE);
    let err = PurchaseLog::new(vec![buy(1, 1, 1, 100), huge.clone()]).unwrap_err();
    assert!(
        matches!(err, Error::AmountOutOfRange { index: 1, limit, .. } if limit == MAX_AMOUNT),
        "{err}"
    );
    assert_eq!(err.field(), Some(Field::Amount));
    let (_, rejected) = PurchaseLog::lenient(vec![Purchase {
        amount: -MAX_AMOUNT - Decimal::ONE,
        ..huge
    }]);
    assert_eq!(
        (rejected[0].index, rejected[0].customer, rejected[0].field),
        (0, Some(3), Field::Amount)
    );
    // The limit itself is accepted.
    assert!(PurchaseLog::new(vec![Purchase::new(1_u64, day(1, 1), MAX_AMOUNT)]).is_ok());
}

#[test]
fn an_order_id_of_two_customers_is_rejected() {
    let records = vec![buy(1, 1, 1, 100).order_id("A"), buy(2, 1, 1, 100).order_id("A")];
    let err = PurchaseLog::new(records.clone()).unwrap_err();
    assert_eq!(
        err,
        Error::OrderCustomerMismatch {
            index: 1,
            order_id: "A".into(),
            first_index: 0
        }
    );
    assert_eq!(err.field(), Some(Field::OrderId));
    let (log, rejected) = PurchaseLog::lenient(records);
    assert_eq!(
        (rejected[0].index, rejected[0].customer, rejected[0].field),
        (1, Some(2), Field::OrderId)
    );
    // The rejected record's customer does not linger in the log.
    assert_eq!(log.keys(), [1]);
}

#[test]
fn duplicate_order_ids_are_rejected_when_each_order_is_one_record() {
    let records = vec![buy(1, 1, 1, 100).order_id("A"), buy(1, 1, 1, 100).order_id("A")];
    let reject = LogOptions::default().order_lines(OrderLines::Reject);
    let err = reject.build(records.clone()).unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateOrder {
            index: 1,
            order_id: "A".into(),
            first_index: 0
        }
    );
    let (log, rejected) = reject.build_lenient(records);
    assert_eq!(
        (rejected[0].index, rejected[0].customer, rejected[0].field),
        (1, Some(1), Field::OrderId)
    );
    let stats = log.stats();
    assert_eq!(
        (stats.input, stats.accepted, stats.merged, stats.rejected),
        (2, 1, 0, 1)
    );
}

#[test]
fn order_lines_merge_into_one_order_at_the_earliest_line() {
    // Order A's lines on Jan 3 and Jan 1: one order of 8.00 on Jan 1.
    let records = vec![
        buy(1, 1, 3, 500).order_id("A").product("tea"),
        buy(1, 1, 1, 300).order_id("A").product("cup"),
        buy(1, 2, 1, 1000),
    ];
    let log = PurchaseLog::new(records).unwrap();
    let stats = log.stats();
    assert_eq!(
        (stats.input, stats.accepted, stats.merged, stats.rejected),
        (3, 2, 1, 0)
    );
    let lines = log.purchases_of(&1).unwrap();
    assert_eq!(lines.len(), 3, "lines are kept, with their products");
    assert_eq!(
        lines.products().collect::<Vec<_>>(),
        [Some("tea"), Some("cup"), None]
    );
    let s = &summarize(&log, 3, 1).customers[0];
    assert_eq!((s.orders, s.frequency, s.recency), (2, 1, 31.0));
    assert_eq!(s.first_purchase.to_datetime().date_naive(), day(1, 1));
    assert_eq!(s.total_spend, dec(1800));
    assert_eq!(s.mean_order_value(), Some(dec(900)));
}

#[test]
fn several_purchases_in_one_period_are_one_occasion() {
    let records = vec![
        buy(1, 1, 1, 100),
        buy(1, 1, 1, 250),
        buy(1, 1, 9, 400),
        buy(1, 1, 10, 600),
    ];
    let log = PurchaseLog::new(records).unwrap();
    let daily = &summarize(&log, 1, 31).customers[0];
    assert_eq!((daily.frequency, daily.periods(), daily.orders), (2, 3, 4));
    assert_eq!(daily.monetary_value, Some(dec(500)));
    // Jan 9 (Tue) and Jan 10 (Wed) 2024 share an ISO week.
    let weekly = &log
        .summarize(&SummaryOptions::new(day(1, 31)).granularity(Granularity::Week))
        .customers[0];
    assert_eq!((weekly.frequency, weekly.recency), (1, 1.0));
    assert_eq!(weekly.monetary_value, Some(dec(1000)));
}

#[test]
fn refunds_net_into_their_period() {
    // Jan 1: 10.00 − 4.00 = 6.00, an occasion. Feb 1: 20.00. Mar 1: a lone
    // refund of 5.00 — not an occasion, but deducted from the spend.
    let records = vec![
        buy(1, 1, 1, 1000),
        buy(1, 1, 1, -400),
        buy(1, 2, 1, 2000),
        buy(1, 3, 1, -500),
    ];
    let log = PurchaseLog::new(records).unwrap();
    let s = &summarize(&log, 3, 31).customers[0];
    assert_eq!((s.frequency, s.recency, s.orders), (1, 31.0, 2));
    assert_eq!(s.monetary_value, Some(dec(2000)));
    assert_eq!(s.total_spend, dec(2100));
}

#[test]
fn a_fully_refunded_period_is_not_an_occasion() {
    let records = vec![
        buy(1, 1, 1, 1000),
        buy(1, 1, 1, -1000), // customer 1's only period nets to 0 with a refund
        buy(2, 1, 1, 1000),
        buy(2, 2, 1, 800),
        buy(2, 2, 1, -900), // customer 2's second period nets below 0
    ];
    let log = PurchaseLog::new(records).unwrap();
    let summaries = summarize(&log, 3, 1);
    assert_eq!(summaries.without_occasion, [1]);
    assert_eq!(summaries.customers.len(), 1);
    let s = &summaries.customers[0];
    assert_eq!((s.customer, s.frequency, s.monetary_value), (2, 0, None));
    assert_eq!(s.total_spend, dec(900));
}

#[test]
fn a_refund_line_of_an_order_nets_into_that_order() {
    let records = vec![
        buy(1, 1, 1, 1000).order_id("A"),
        buy(1, 1, 5, -1000).order_id("A"),
        buy(1, 2, 1, 500),
    ];
    let summaries = summarize(&PurchaseLog::new(records).unwrap(), 3, 1);
    let s = &summaries.customers[0];
    // Order A nets to 0 through its refund line: Jan 1 is no occasion.
    assert_eq!(
        (s.frequency, s.first_purchase.to_datetime().date_naive()),
        (0, day(2, 1))
    );
}

#[test]
fn zero_amounts_are_purchase_occasions() {
    let log = PurchaseLog::new(vec![buy(1, 1, 1, 0), buy(1, 1, 8, 0), buy(1, 1, 15, 1200)]).unwrap();
    let s = &summarize(&log, 1, 31).customers[0];
    assert_eq!((s.frequency, s.orders, s.recency), (2, 3, 14.0));
    assert_eq!(s.monetary_value, Some(dec(600)));
}

#[test]
fn purchases_after_the_end_are_counted_and_listed() {
    let records = vec![
        buy(1, 1, 1, 100),
        buy(1, 3, 1, 100),
        buy(2, 3, 5, 100),
        buy(2, 3, 5, 100),
    ];
    let summaries = summarize(&PurchaseLog::new(records).unwrap(), 2, 1);
    assert_eq!(summaries.customers.len(), 1);
    assert_eq!(summaries.orders_after_end, 3);
    let mut late = summaries.after_end.clone();
    late.sort_unstable();
    assert_eq!(late, [1, 2, 3]);
}

#[test]
fn the_utc_offset_moves_purchases_to_local_days() {
    // 20:00 UTC on Jan 1 is Jan 2 in UTC+8: two days apart from Jan 3 16:00 UTC
    // (Jan 4 00:00 local) becomes two local days too, but the end moves them.
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2024, 1, d, h, 0, 0).unwrap();
    let records = vec![
        Purchase::new(1_u64, at(1, 20), Decimal::ONE),
        Purchase::new(1_u64, at(2, 1), Decimal::ONE),
    ];
    let log = PurchaseLog::new(records.clone()).unwrap();
    let utc = log.summarize(&SummaryOptions::new(day(1, 10)));
    assert_eq!((utc.customers[0].frequency, utc.customers[0].t), (1, 9.0));
    let plus8 = Calendar::offset(FixedOffset::east_opt(8 * 3600).unwrap());
    let local = LogOptions::default()
        .calendar(plus8)
        .build(records)
        .unwrap()
        .summarize(&SummaryOptions::new(day(1, 10)));
    assert_eq!((local.customers[0].frequency, local.customers[0].t), (0, 8.0));
    assert_eq!(local.calendar(), plus8);
}

#[test]
fn empty_and_early_inputs_give_empty_summaries() {
    let empty = PurchaseLog::<u64>::new(Vec::new()).unwrap();
    assert!(summarize(&empty, 1, 1).is_empty());
    let log = PurchaseLog::new(vec![buy(1, 5, 1, 100)]).unwrap();
    let early = summarize(&log, 1, 1);
    assert!(early.is_empty());
    assert_eq!(early.orders_after_end, 1);
}

#[test]
fn a_split_must_cut_the_data() {
    let log = PurchaseLog::new(vec![buy(1, 1, 1, 100), buy(1, 2, 1, 100), buy(2, 3, 1, 100)]).unwrap();
    let opts = SummaryOptions::new(day(4, 1));

    let err = log.calibration_holdout(day(4, 1), &opts).unwrap_err();
    assert!(matches!(
        err,
        Error::EmptyRange {
            start_field: "calibration_end",
            end_field: "observation_end",
            ..
        }
    ));

    let before = log
        .calibration_holdout(NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(), &opts)
        .unwrap_err();
    assert_eq!(
        before,
        Error::SplitOutsideData {
            calibration_end: NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(),
            observation_end: day(4, 1),
            first_day: Some(day(1, 1)),
            last_day: Some(day(3, 1)),
        }
    );
    assert!(matches!(
        log.calibration_holdout(day(3, 15), &opts),
        Err(Error::SplitOutsideData { .. })
    ));

    let split = log.calibration_holdout(day(1, 15), &opts).unwrap();
    assert_eq!(split.new_in_holdout, [2]);
    let row = &split.customers[0];
    assert_eq!(
        (row.customer, row.frequency_cal, row.t_cal, row.frequency_holdout),
        (1, 0, 14.0, 1)
    );
    assert_eq!(
        (row.monetary_value_holdout, row.duration_holdout),
        (Some(dec(100)), 77.0)
    );
}

#[test]
fn accumulators_refuse_mixed_calendars() {
    let plus8 = Calendar::offset(FixedOffset::east_opt(8 * 3600).unwrap());
    let mut a = SummaryAccumulator::<u64>::new(Calendar::utc());
    let b = SummaryAccumulator::<u64>::new(plus8);
    assert_eq!(
        a.merge(b).unwrap_err(),
        Error::CalendarMismatch {
            expected: Calendar::utc(),
            found: plus8
        }
    );
}

#[test]
fn accumulators_reject_bad_records_by_position() {
    let mut acc = SummaryAccumulator::new(Calendar::utc());
    acc.push(&buy(1, 1, 1, 100)).unwrap();
    let err = acc.push(&Purchase::new(
        2_u64,
        NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(),
        Decimal::ONE,
    ));
    assert!(matches!(err, Err(Error::TimestampOutOfRange { index: 1, .. })));
    let err = acc.push(&Purchase::new(2_u64, day(1, 1), MAX_AMOUNT + Decimal::ONE));
    assert!(matches!(err, Err(Error::AmountOutOfRange { index: 2, .. })));
    assert_eq!(acc.customer_count(), 1);
}
