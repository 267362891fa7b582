//! The laws of logs and summaries, as properties over random purchase logs,
//! checked against a deliberately naive reference built with chrono's own
//! calendar.
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use repurchase::{
    Calendar, CustomerSummary, Granularity, LogOptions, Purchase, PurchaseLog, SummaryAccumulator,
    SummaryOptions, TimeUnit,
};
use rust_decimal::Decimal;

const GRANULARITIES: [Granularity; 3] = [Granularity::Day, Granularity::Week, Granularity::Month];
const UNITS: [TimeUnit; 3] = [TimeUnit::Periods, TimeUnit::Days, TimeUnit::Weeks];

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 12, 20).unwrap()
}

/// Purchases of up to 12 customers over ~14 months, to the second, with
/// refunds and zero amounts, no order ids.
fn purchases() -> impl Strategy<Value = Vec<Purchase<u64>>> {
    let amount = prop_oneof![8 => 1_i64..30_000, 1 => Just(0_i64), 2 => -20_000_i64..0];
    prop::collection::vec((0_u64..12, 0_i64..420, 0_i64..86_400, amount), 0..120).prop_map(|rows| {
        rows.into_iter()
            .map(|(customer, day, second, cents)| {
                let at = Utc.from_utc_datetime(&start().and_hms_opt(0, 0, 0).unwrap())
                    + Duration::days(day)
                    + Duration::seconds(second);
                Purchase::new(customer, at, Decimal::new(cents, 2))
            })
            .collect()
    })
}

/// Summary options, and the shop's offset from UTC.
fn options() -> impl Strategy<Value = (SummaryOptions, FixedOffset)> {
    (
        0_usize..3,
        0_usize..3,
        0_i64..440,
        prop::sample::select(vec![-5 * 3600, 0, 8 * 3600]),
    )
        .prop_map(|(g, u, end, offset)| {
            let opts = SummaryOptions::new(start() + Duration::days(end))
                .granularity(GRANULARITIES[g])
                .unit(UNITS[u]);
            (opts, FixedOffset::east_opt(offset).unwrap())
        })
}

/// The log of `purchases` for a shop at `offset`.
fn log_at(purchases: Vec<Purchase<u64>>, offset: FixedOffset) -> PurchaseLog<u64> {
    LogOptions::default()
        .calendar(Calendar::offset(offset))
        .build(purchases)
        .unwrap()
}

/// The period number of a local date, from chrono's calendar.
fn naive_period(g: Granularity, date: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    match g {
        Granularity::Day => (date - epoch).num_days(),
        Granularity::Week => {
            let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            (monday - NaiveDate::from_ymd_opt(1969, 12, 29).unwrap()).num_days() / 7
        }
        _ => i64::from(date.year()) * 12 + i64::from(date.month0()),
    }
}

fn naive_period_start(g: Granularity, date: NaiveDate) -> NaiveDate {
    match g {
        Granularity::Day => date,
        Granularity::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
        _ => date.with_day(1).unwrap(),
    }
}

/// Summaries by nested loops over the raw purchases: for each customer, for
/// each period, net the amounts and decide the occasion.
fn naive_summaries(
    purchases: &[Purchase<u64>],
    opts: &SummaryOptions,
    offset: FixedOffset,
) -> Vec<CustomerSummary<u64>> {
    let g = opts.get_granularity();
    let local = |p: &Purchase<u64>| p.at.to_datetime().with_timezone(&offset).date_naive();
    let mut customers: Vec<u64> = purchases.iter().map(|p| p.customer).collect();
    customers.sort_unstable();
    customers.dedup();
    let mut out = Vec::new();
    for c in customers {
        let mine: Vec<&Purchase<u64>> = purchases
            .iter()
            .filter(|p| p.customer == c && local(p) <= opts.observation_end())
            .collect();
        // period → (start date, net, has order, has refund, first, last)
        let mut periods: BTreeMap<i64, (NaiveDate, Decimal, bool, bool, i64, i64)> = BTreeMap::new();
        for p in &mine {
            let d = local(p);
            let e = periods.entry(naive_period(g, d)).or_insert((
                naive_period_start(g, d),
                Decimal::ZERO,
                false,
                false,
                i64::MAX,
                i64::MIN,
            ));
            e.1 += p.amount;
            e.2 |= p.amount >= Decimal::ZERO;
            e.3 |= p.amount < Decimal::ZERO;
            e.4 = e.4.min(p.at.unix_seconds());
            e.5 = e.5.max(p.at.unix_seconds());
        }
        let occasions: Vec<_> = periods
            .iter()
            .filter(|(_, (_, net, order, refund, _, _))| {
                *order && (*net > Decimal::ZERO || (net.is_zero() && !*refund))
            })
            .collect();
        let (Some(first), Some(last)) = (occasions.first(), occasions.last()) else {
            continue;
        };
        let end = opts.observation_end();
        let measure = |from: (i64, NaiveDate), to: (i64, NaiveDate)| match opts.get_unit() {
            TimeUnit::Periods => (to.0 - from.0) as f64,
            TimeUnit::Days => (to.1 - from.1).num_days() as f64,
            _ => (to.1 - from.1).num_days() as f64 / 7.0,
        };
        let frequency = occasions.len() as u32 - 1;
        let repeat: Decimal = occasions.iter().skip(1).map(|(_, v)| v.1).sum();
        let orders = mine.iter().filter(|p| p.amount >= Decimal::ZERO).count() as u32;
        let total: Decimal = mine.iter().map(|p| p.amount).sum();
        out.push(CustomerSummary {
            customer: c,
            frequency,
            recency: measure((*first.0, first.1.0), (*last.0, last.1.0)),
            t: measure(
                (*first.0, first.1.0),
                (naive_period(g, end), naive_period_start(g, end)),
            ),
            monetary_value: (frequency > 0).then(|| repeat / Decimal::from(frequency)),
            first_purchase: repurchase::Timestamp::from_unix_seconds(first.1.4).unwrap(),
            last_purchase: repurchase::Timestamp::from_unix_seconds(last.1.5).unwrap(),
            orders,
            total_spend: total,
        });
    }
    out
}

fn accumulate(purchases: &[Purchase<u64>], offset: FixedOffset) -> SummaryAccumulator<u64> {
    let mut acc = SummaryAccumulator::new(Calendar::offset(offset));
    for p in purchases {
        acc.push(p).unwrap();
    }
    acc
}

/// A log large enough for many pieces of a parallel summary, with refunds,
/// zero amounts, customers without an occasion or with everything after the
/// end, summarises like the naive reference, customer by customer, and
/// accounts for every order after the end in key and time order.
#[test]
fn a_large_summary_files_every_customer_and_late_order() {
    let mut state = 7_u64;
    // splitmix64: a fixed stream of draws below `bound`.
    let mut draw = move |bound: u64| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % bound
    };
    let midnight = Utc.from_utc_datetime(&start().and_hms_opt(0, 0, 0).unwrap());
    let purchases: Vec<Purchase<u64>> = (0..150_000)
        .map(|_| {
            let customer = draw(50_000);
            let at = midnight + Duration::days(draw(420) as i64) + Duration::seconds(draw(86_400) as i64);
            let cents = match draw(12) {
                0 | 1 => -(draw(20_000) as i64) - 1,
                2 => 0,
                _ => draw(30_000) as i64 + 1,
            };
            Purchase::new(customer, at, Decimal::new(cents, 2))
        })
        .collect();
    let opts = SummaryOptions::new(start() + Duration::days(300)).granularity(Granularity::Week);
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    let ours = log_at(purchases.clone(), offset).summarize(&opts);

    let late =
        |p: &Purchase<u64>| p.at.to_datetime().with_timezone(&offset).date_naive() > opts.observation_end();
    let mut by_customer: BTreeMap<u64, Vec<Purchase<u64>>> = BTreeMap::new();
    for p in &purchases {
        by_customer.entry(p.customer).or_default().push(p.clone());
    }
    let mut expected = Vec::new();
    let mut without_occasion = Vec::new();
    for (&customer, mine) in &by_customer {
        let summary = naive_summaries(mine, &opts, offset);
        if summary.is_empty() && mine.iter().any(|p| !late(p)) {
            without_occasion.push(customer);
        }
        expected.extend(summary);
    }
    assert_eq!(ours.customers, expected);
    assert_eq!(ours.without_occasion, without_occasion);
    let mut after_end: Vec<usize> = (0..purchases.len()).filter(|&i| late(&purchases[i])).collect();
    after_end.sort_by_key(|&i| (purchases[i].customer, purchases[i].at.unix_seconds(), i));
    assert_eq!(ours.orders_after_end, after_end.len());
    assert_eq!(ours.after_end, after_end);
    // Every kind of customer is there, in numbers.
    assert!(ours.customers.len() > 30_000 && without_occasion.len() > 1_000 && after_end.len() > 30_000);
    assert!(by_customer.values().filter(|mine| mine.iter().all(late)).count() > 100);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn summaries_equal_the_naive_reference(purchases in purchases(), (opts, offset) in options()) {
        let log = log_at(purchases.clone(), offset);
        let ours = log.summarize(&opts);
        prop_assert_eq!(ours.customers, naive_summaries(&purchases, &opts, offset));
    }

    #[test]
    fn summaries_do_not_depend_on_input_order(
        (purchases, shuffled) in purchases().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        (opts, offset) in options(),
    ) {
        let a = log_at(purchases, offset).summarize(&opts);
        let b = log_at(shuffled, offset).summarize(&opts);
        prop_assert_eq!(a.customers, b.customers);
        prop_assert_eq!(a.without_occasion, b.without_occasion);
        prop_assert_eq!(a.orders_after_end, b.orders_after_end);
    }

    #[test]
    fn incremental_equals_batch(purchases in purchases(), (opts, offset) in options()) {
        let batch = log_at(purchases.clone(), offset).summarize(&opts);
        let incremental = accumulate(&purchases, offset).summarize(&opts).unwrap();
        prop_assert_eq!(&incremental.customers, &batch.customers);
        prop_assert_eq!(&incremental.without_occasion, &batch.without_occasion);
        prop_assert_eq!(incremental.orders_after_end, batch.orders_after_end);
    }

    #[test]
    fn merged_shards_equal_the_whole(purchases in purchases(), (opts, offset) in options(), shards in 1_u64..5) {
        let whole = log_at(purchases.clone(), offset);
        let mut merged = SummaryAccumulator::new(Calendar::offset(offset));
        for shard in 0..shards {
            let part: Vec<_> = purchases.iter().filter(|p| p.customer % shards == shard).cloned().collect();
            let log = log_at(part, offset);
            merged.merge(SummaryAccumulator::from_log(&log)).unwrap();
        }
        prop_assert_eq!(&merged, &SummaryAccumulator::from_log(&whole));
        prop_assert_eq!(merged.summarize(&opts).unwrap().customers, whole.summarize(&opts).customers);
    }

    #[test]
    fn recency_and_frequency_stay_within_t(purchases in purchases(), (opts, offset) in options()) {
        let periods = opts.unit(TimeUnit::Periods);
        let log = log_at(purchases, offset);
        for (s, p) in log.summarize(&opts).iter().zip(log.summarize(&periods).iter()) {
            prop_assert!(0.0 <= s.recency && s.recency <= s.t, "{:?}", s);
            prop_assert!(s.recency.is_finite() && s.t.is_finite());
            prop_assert!(f64::from(p.frequency) <= p.t, "frequency {} over {} periods", p.frequency, p.t);
            prop_assert_eq!(s.periods(), s.frequency + 1);
        }
    }

    #[test]
    fn every_record_is_accounted_for(
        purchases in purchases(),
        ids in prop::collection::vec(prop::option::of(0_u8..6), 120),
        bad in prop::collection::vec(0_u8..10, 120),
    ) {
        // Add order ids (shared between customers sometimes) and sentinel dates.
        let records: Vec<_> = purchases
            .into_iter()
            .zip(ids.iter().zip(&bad))
            .map(|(mut p, (id, &bad))| {
                p.order_id = id.map(|i| format!("O{i}"));
                if bad == 0 {
                    p.at = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap().into();
                }
                p
            })
            .collect();
        let n = records.len();
        let (log, rejected) = LogOptions::default().build_lenient(records.clone());
        let stats = log.stats();
        prop_assert_eq!(stats.accepted + stats.merged + stats.rejected, n);
        prop_assert_eq!(stats.input, n);
        prop_assert_eq!(stats.rejected, rejected.len());
        prop_assert_eq!(log.len(), stats.accepted + stats.merged);
        let mut kept: Vec<usize> = log.customers().flat_map(|c| c.input_indexes().collect::<Vec<_>>()).collect();
        kept.extend(rejected.iter().map(|r| r.index));
        kept.sort_unstable();
        prop_assert_eq!(kept, (0..n).collect::<Vec<_>>());
        for r in &rejected {
            prop_assert_eq!(r.customer, Some(records[r.index].customer));
            prop_assert_eq!(r.reason.index(), Some(r.index));
            prop_assert_eq!(r.reason.field(), Some(r.field));
        }
        // Strict construction fails exactly when lenient rejects, at the first rejection.
        match PurchaseLog::new(records) {
            Ok(_) => prop_assert!(rejected.is_empty()),
            Err(e) => prop_assert_eq!(Some(e), rejected.first().map(|r| r.reason.clone())),
        }
    }
}
