//! One calendar for the whole crate: every module puts an order on the
//! shop's local date, checked against chrono's own conversion of each
//! order, for a UTC+8 shop and (with `tz`) around daylight-saving changes.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use repurchase::experiment::{ExperimentOptions, compare};
use repurchase::lifecycle::{self, LifecycleOptions};
use repurchase::metrics;
use repurchase::points::{EarnRule, PointsOptions, balances, last_usable_day};
use repurchase::rfm::{self, RfmOptions};
use repurchase::tiers::{self, TierMeasure, TierTable};
use repurchase::triggers::{Reason, TriggerKind, TriggerRule, fire};
use repurchase::{Calendar, LogOptions, Purchase, PurchaseLog, SummaryOptions, TimeUnit, portrait};
use rust_decimal::Decimal;

/// Orders of one unit each: customer and instant.
type Orders = Vec<(u32, DateTime<Utc>)>;

fn log_of(calendar: Calendar, orders: &Orders) -> PurchaseLog<u32> {
    let purchases = orders.iter().map(|(c, at)| Purchase::new(*c, *at, Decimal::ONE));
    LogOptions::default()
        .calendar(calendar)
        .build(purchases.collect::<Vec<_>>())
        .unwrap()
}

fn days(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((to - from).num_days()).unwrap()
}

/// Checks every module that turns an instant into a day against `local`,
/// chrono's conversion of an instant to the shop's date, as of `as_of`
/// (after every order).
fn check_every_module(
    calendar: Calendar,
    orders: &Orders,
    local: impl Fn(DateTime<Utc>) -> NaiveDate,
    as_of: NaiveDate,
) {
    let log = log_of(calendar, orders);
    // The reference: each customer's local order dates.
    let mut dates: BTreeMap<u32, Vec<NaiveDate>> = BTreeMap::new();
    for (c, at) in orders {
        dates.entry(*c).or_default().push(local(*at));
    }
    let day_sets: BTreeMap<u32, BTreeSet<NaiveDate>> = dates
        .iter()
        .map(|(c, d)| (*c, d.iter().copied().collect()))
        .collect();
    let first = |c: &u32| *day_sets[c].first().unwrap();
    let last = |c: &u32| *day_sets[c].last().unwrap();

    // Summaries, in days: T − recency is the days since the last purchase.
    let options = SummaryOptions::new(as_of).unit(TimeUnit::Days);
    let summaries = log.summarize(&options);
    assert_eq!(summaries.calendar(), calendar);
    for s in summaries.iter() {
        assert_eq!(
            s.t,
            f64::from(days(first(&s.customer), as_of)),
            "{calendar}: T of {}",
            s.customer
        );
        assert_eq!(
            s.t - s.recency,
            f64::from(days(last(&s.customer), as_of)),
            "{calendar}: {}",
            s.customer
        );
        assert_eq!(s.frequency as usize, day_sets[&s.customer].len() - 1);
        assert_eq!(calendar.local_date(s.first_purchase), first(&s.customer));
    }
    // RFM recency, in days.
    let scores = rfm::score(&summaries, &RfmOptions::default()).unwrap();
    for r in &scores.customers {
        assert_eq!(r.days_since_last, f64::from(days(last(&r.customer), as_of)));
    }
    // Lifecycle: the same days since the first and last purchase.
    let stages = lifecycle::stages(&log, as_of, &LifecycleOptions::default(), &[], |_| None).unwrap();
    for (stage, s) in stages.iter().zip(summaries.iter()) {
        assert_eq!(stage.customer, s.customer);
        assert_eq!(
            f64::from(stage.timeline.days_since_last),
            s.t - s.recency,
            "{calendar}: {stage:?}"
        );
        assert_eq!(stage.timeline.days_since_first, days(first(&s.customer), as_of));
        assert_eq!(stage.timeline.purchase_days as usize, day_sets[&s.customer].len());
    }
    // Triggers: silence counted in local days.
    let silent = [TriggerRule::new("silent", TriggerKind::Silent { days: 0 }, 0)];
    for f in fire(&log, &[], &silent, as_of, &[]).unwrap() {
        assert_eq!(
            f.reason,
            Reason::Silent {
                days: days(last(&f.customer), as_of)
            }
        );
    }
    // Metrics, tiers' trailing window, points' expiry, the A/B window and
    // the calibration split, at each local date of the data.
    let all_dates: BTreeSet<NaiveDate> = day_sets.values().flatten().copied().collect();
    let everyone: Vec<u32> = day_sets.keys().copied().collect();
    let rule = EarnRule::new(Decimal::ONE, Decimal::ONE).unwrap();
    for &d in all_dates.iter().step_by(all_dates.len().div_ceil(12).max(1)) {
        let on_d = orders.iter().filter(|(_, at)| local(*at) == d).count() as u64;
        let spend = metrics::spend(&log, &options, d, d).unwrap();
        assert_eq!(spend.orders, on_d, "{calendar}: orders on {d}");

        let window = days(d, as_of) + 1;
        let table = TierTable::new(TierMeasure::Spend, window, vec![("Any".into(), Decimal::ONE)]).unwrap();
        for m in tiers::evaluate(&log, &table, as_of).unwrap() {
            let inside = dates[&m.customer].iter().filter(|x| **x >= d).count();
            assert_eq!(m.measure, Decimal::from(inside), "{calendar}: window from {d}");
        }

        let validity = days(d, as_of) + 1;
        for p in balances(&log, &rule, &[], &PointsOptions::new(as_of, validity, 0)).unwrap() {
            let usable = dates[&p.customer]
                .iter()
                .filter(|x| last_usable_day(**x, validity).is_some_and(|l| l >= as_of))
                .count();
            assert_eq!(
                p.balance,
                Decimal::from(usable),
                "{calendar}: validity {validity}"
            );
        }

        let window = ExperimentOptions::new(d, d).unwrap();
        let buyers = day_sets.values().filter(|s| s.contains(&d)).count() as u64;
        assert_eq!(
            compare(&log, &everyone, &everyone, &window)
                .unwrap()
                .treatment
                .repurchasers,
            buyers
        );

        // A split needs occasions on both sides.
        if all_dates.last().is_some_and(|l| d < *l) {
            let split = log.calibration_holdout(d, &options).unwrap();
            let new: BTreeSet<u32> = day_sets
                .iter()
                .filter(|(_, s)| *s.first().unwrap() > d)
                .map(|(c, _)| *c)
                .collect();
            assert_eq!(split.new_in_holdout.iter().copied().collect::<BTreeSet<_>>(), new);
            for row in &split.customers {
                let later = day_sets[&row.customer].iter().filter(|x| **x > d).count();
                assert_eq!(row.frequency_holdout as usize, later);
            }
        }
    }
}

/// `count` orders from a fixed stream: customers below `customers`, any
/// second of 2024.
fn random_orders(count: usize, customers: u32, seed: u64) -> Orders {
    let mut state = seed;
    let mut draw = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    (0..count)
        .map(|_| {
            let customer = draw(u64::from(customers)) as u32;
            (customer, start + Duration::seconds(draw(366 * 86_400) as i64))
        })
        .collect()
}

fn plus8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// Every module of a UTC+8 shop's log against chrono's dates at +08:00.
fn check_plus8(orders: &Orders, as_of: NaiveDate) {
    check_every_module(
        Calendar::offset(plus8()),
        orders,
        |at| at.with_timezone(&plus8()).date_naive(),
        as_of,
    );
}

/// The case that showed two calendars: 2,000 customers ordering at random
/// hours through 2024 in a UTC+8 shop. Every module now agrees with chrono.
#[test]
fn a_utc_plus_8_shop_counts_its_own_days_in_every_module() {
    let orders = random_orders(6_000, 2_000, 17);
    let early = orders
        .iter()
        .filter(|(_, at)| at.with_timezone(&plus8()).hour() < 8)
        .count();
    assert!(early > 1_500, "{early} orders before 08:00 local");
    let as_of = NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
    check_plus8(&orders, as_of);
}

/// Orders between 00:00 and 08:00 local, one module at a time, by hand.
#[test]
fn early_morning_orders_land_on_their_local_date() {
    let at = |d, h, m| {
        plus8()
            .with_ymd_and_hms(2024, 3, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    // Customer 1: 07:00 on Tuesday 5 March and 01:00 on Sunday 10 March;
    // customer 2: 00:30 on Friday 1 March (still Thursday in UTC).
    let orders = vec![(1, at(5, 7, 0)), (1, at(10, 1, 0)), (2, at(1, 0, 30))];
    let log = log_of(Calendar::offset(plus8()), &orders);
    let as_of = NaiveDate::from_ymd_opt(2024, 3, 20).unwrap();
    let summaries = log.summarize(&SummaryOptions::new(as_of).unit(TimeUnit::Days));
    assert_eq!(
        (summaries.customers[0].recency, summaries.customers[0].t),
        (5.0, 15.0)
    );
    let stages = lifecycle::stages(&log, as_of, &LifecycleOptions::default(), &[], |_| None).unwrap();
    assert_eq!(
        (
            stages[0].timeline.days_since_first,
            stages[0].timeline.days_since_last
        ),
        (15, 10)
    );
    // Fifteen days after the first purchase, by the local calendar.
    let welcome = [TriggerRule::new(
        "day 15",
        TriggerKind::AfterFirstPurchase { days: 15 },
        0,
    )];
    let fired = fire(&log, &[], &welcome, as_of, &[]).unwrap();
    assert_eq!(fired.iter().map(|f| f.customer).collect::<Vec<_>>(), [1]);
    // Weekdays are local too.
    let p = portrait::portraits(&log, &SummaryOptions::new(as_of), 0, |_| None);
    assert_eq!(p[1].usual_weekday, Some(Weekday::Fri));
    check_plus8(&orders, as_of);
}

#[test]
fn calendars_name_themselves_and_summaries_keep_theirs() {
    let log = log_of("+05:30".parse().unwrap(), &random_orders(50, 5, 3));
    assert_eq!(log.calendar().to_string(), "+05:30");
    let end = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    assert_eq!(
        log.summarize(&SummaryOptions::new(end)).calendar(),
        log.calendar()
    );
    assert_eq!(
        repurchase::SummaryAccumulator::from_log(&log)
            .summarize(&SummaryOptions::new(end))
            .unwrap()
            .calendar(),
        log.calendar()
    );
    let first = log.summarize(&SummaryOptions::new(end)).customers[0].first_purchase;
    assert_eq!(first.local_date(log.calendar()), log.calendar().local_date(first));
    assert_eq!(first.local_date(log.calendar()).year(), 2024);
}

#[cfg(feature = "tz")]
mod zones {
    use super::*;
    use chrono::Offset;
    use chrono_tz::Tz;
    use proptest::prelude::*;

    /// 23:30 local the day before a change and 00:30 local the day after
    /// it, in both 2024 changes of Berlin and New York: each lands on its
    /// local date in every module, two days apart.
    #[test]
    fn orders_around_daylight_saving_changes_land_on_their_local_dates() {
        let changes: [(Tz, [(u32, u32); 2]); 2] = [
            (chrono_tz::Europe::Berlin, [(3, 31), (10, 27)]),
            (chrono_tz::America::New_York, [(3, 10), (11, 3)]),
        ];
        for (zone, days) in changes {
            let local = |m, d, h, min| {
                zone.with_ymd_and_hms(2024, m, d, h, min, 0)
                    .unwrap()
                    .with_timezone(&Utc)
            };
            let mut orders = Vec::new();
            for (customer, (m, d)) in (1..).zip(days) {
                let change = NaiveDate::from_ymd_opt(2024, m, d).unwrap();
                let (before, after) = (change.pred_opt().unwrap(), change.succ_opt().unwrap());
                orders.push((customer, local(before.month(), before.day(), 23, 30)));
                orders.push((customer, local(after.month(), after.day(), 0, 30)));
            }
            let log = log_of(Calendar::zone(zone), &orders);
            let end = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
            for s in log
                .summarize(&SummaryOptions::new(end).unit(TimeUnit::Days))
                .iter()
            {
                assert_eq!(s.recency, 2.0, "{zone}: {s:?}");
            }
            // A fixed offset gets one of the two wrong.
            let winter = Calendar::offset(local(1, 15, 12, 0).with_timezone(&zone).offset().fix());
            let fixed = log_of(winter, &orders).summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
            assert!(fixed.iter().any(|s| s.recency != 2.0), "{zone}");
            check_every_module(
                Calendar::zone(zone),
                &orders,
                |at| at.with_timezone(&zone).date_naive(),
                end,
            );
        }
    }

    const ZONES: [Tz; 8] = [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Sydney,
        chrono_tz::Asia::Kolkata,
        chrono_tz::America::St_Johns,
        chrono_tz::Pacific::Chatham,
        chrono_tz::Asia::Shanghai,
        chrono_tz::UTC,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Random zones and instants: silence counts, expiries and every
        /// other module's days equal chrono-tz's conversion of each order.
        #[test]
        fn every_module_matches_chrono_tz(zone in 0_usize..ZONES.len(), seed in any::<u64>(), count in 1_usize..40) {
            let zone = ZONES[zone];
            let orders = random_orders(count, 6, seed);
            let end = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
            check_every_module(Calendar::zone(zone), &orders, |at| at.with_timezone(&zone).date_naive(), end);
        }
    }
}
