//! Metrics against a deliberately naive reference: nested loops over the
//! raw purchases with chrono's calendar, on random logs with refunds, zero
//! amounts and UTC offsets.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use repurchase::metrics::{self, HistogramBins, IntervalBasis, NextPurchaseOptions};
use repurchase::{Calendar, Granularity, LogOptions, Purchase, PurchaseLog, SummaryOptions};
use rust_decimal::Decimal;

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

fn purchases() -> impl Strategy<Value = Vec<Purchase<u64>>> {
    let amount = prop_oneof![8 => 1_i64..30_000, 1 => Just(0_i64), 2 => -20_000_i64..0];
    let product = prop::option::of(prop::sample::select(vec!["tea", "coffee", "cups"]));
    prop::collection::vec((0_u64..10, 0_i64..300, 0_i64..86_400, amount, product), 0..100).prop_map(|rows| {
        rows.into_iter()
            .map(|(customer, day, second, cents, product)| {
                let at = Utc.from_utc_datetime(&start().and_hms_opt(0, 0, 0).unwrap())
                    + Duration::days(day)
                    + Duration::seconds(second);
                let p = Purchase::new(customer, at, Decimal::new(cents, 2));
                match product {
                    Some(name) => p.product(name),
                    None => p,
                }
            })
            .collect()
    })
}

/// Summary options, and the shop's offset from UTC.
fn options() -> impl Strategy<Value = (SummaryOptions, FixedOffset)> {
    (0_i64..320, prop::sample::select(vec![-5 * 3600, 0, 8 * 3600])).prop_map(|(end, offset)| {
        (
            SummaryOptions::new(start() + Duration::days(end)),
            FixedOffset::east_opt(offset).unwrap(),
        )
    })
}

/// The log of `purchases` for a shop at `offset`.
fn log_at(purchases: Vec<Purchase<u64>>, offset: FixedOffset) -> PurchaseLog<u64> {
    LogOptions::default()
        .calendar(Calendar::offset(offset))
        .build(purchases)
        .unwrap()
}

/// Each customer's purchase days (sorted) and order dates, by nested loops.
struct Naive {
    days: BTreeMap<u64, Vec<NaiveDate>>,
    /// Dates of non-refund orders, per customer.
    orders: BTreeMap<u64, Vec<NaiveDate>>,
    /// Every record up to the end: customer, local date, amount, product.
    records: Vec<(u64, NaiveDate, Decimal, Option<String>)>,
}

fn naive(purchases: &[Purchase<u64>], opts: &SummaryOptions, offset: FixedOffset) -> Naive {
    let local = |p: &Purchase<u64>| p.at.to_datetime().with_timezone(&offset).date_naive();
    let customers: BTreeSet<u64> = purchases.iter().map(|p| p.customer).collect();
    let mut days = BTreeMap::new();
    let mut orders = BTreeMap::new();
    for &c in &customers {
        let mine: Vec<&Purchase<u64>> = purchases
            .iter()
            .filter(|p| p.customer == c && local(p) <= opts.observation_end())
            .collect();
        let dates: BTreeSet<NaiveDate> = mine.iter().map(|p| local(p)).collect();
        let mut purchase_days = Vec::new();
        for d in dates {
            let that_day: Vec<_> = mine.iter().filter(|p| local(p) == d).collect();
            let net: Decimal = that_day.iter().map(|p| p.amount).sum();
            let order = that_day.iter().any(|p| p.amount >= Decimal::ZERO);
            let refund = that_day.iter().any(|p| p.amount < Decimal::ZERO);
            if order && (net > Decimal::ZERO || (net.is_zero() && !refund)) {
                purchase_days.push(d);
            }
        }
        if !purchase_days.is_empty() {
            days.insert(c, purchase_days);
        }
        orders.insert(
            c,
            mine.iter()
                .filter(|p| p.amount >= Decimal::ZERO)
                .map(|p| local(p))
                .collect(),
        );
    }
    let records = purchases
        .iter()
        .filter(|p| local(p) <= opts.observation_end())
        .map(|p| (p.customer, local(p), p.amount, p.product.clone()))
        .collect();
    Naive {
        days,
        orders,
        records,
    }
}

/// The first day of the calendar period holding `d`.
fn period_start(g: Granularity, d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    match g {
        Granularity::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        Granularity::Month => d.with_day(1).unwrap(),
        _ => d,
    }
}

fn quantile(values: &[f64], p: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    Some(v[lo] + (h - h.floor()) * (v[hi] - v[lo]))
}

fn gaps(days: &[NaiveDate]) -> Vec<f64> {
    days.windows(2).map(|w| (w[1] - w[0]).num_days() as f64).collect()
}

fn near(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn repurchase_rates_equal_the_naive_count(
        purchases in purchases(), (opts, offset) in options(), k in 1_u32..60, from in 0_i64..200, len in 0_i64..120,
    ) {
        let log = log_at(purchases.clone(), offset);
        let n = naive(&purchases, &opts, offset);

        let overall = metrics::repurchase_rate(&log.summarize(&opts));
        let repeaters = n.days.values().filter(|d| d.len() >= 2).count() as u64;
        prop_assert_eq!((overall.numerator, overall.denominator), (repeaters, n.days.len() as u64));

        let (from, to) = (start() + Duration::days(from), start() + Duration::days(from + len));
        let kday = metrics::k_day_repurchase_rate(&log, &opts, k, from, to).unwrap();
        let (mut num, mut den, mut censored) = (0, 0, 0);
        for d in n.days.values() {
            if d[0] < from || d[0] > to { continue; }
            if d[0] + Duration::days(i64::from(k)) > opts.observation_end() { censored += 1; continue; }
            den += 1;
            if d.len() > 1 && (d[1] - d[0]).num_days() <= i64::from(k) { num += 1; }
        }
        prop_assert_eq!((kday.rate.numerator, kday.rate.denominator, kday.censored), (num, den, censored));
        prop_assert!(kday.rate.rate.is_none_or(|r| (0.0..=1.0).contains(&r)));

        let returning = metrics::returning_customer_rate(&log, &opts, from, to).unwrap();
        let buyers: Vec<u64> = n.days.iter().filter(|(_, d)| d.iter().any(|x| *x >= from && *x <= to)).map(|(c, _)| *c).collect();
        let back = buyers.iter().filter(|c| n.orders[c].iter().filter(|d| **d <= to).count() > 1).count();
        prop_assert_eq!((returning.numerator, returning.denominator), (back as u64, buyers.len() as u64));
    }

    #[test]
    fn cycles_equal_the_naive_intervals(purchases in purchases(), (opts, offset) in options()) {
        let log = log_at(purchases.clone(), offset);
        let n = naive(&purchases, &opts, offset);
        let bins = HistogramBins::new(vec![3, 10, 30]).unwrap();
        let cycle = metrics::purchase_cycle(&log, &opts, &bins);
        let all: Vec<f64> = n.days.values().flat_map(|d| gaps(d)).collect();
        prop_assert_eq!(cycle.intervals.count, all.len() as u64);
        for p in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let ours = match p { 0.1 => cycle.intervals.p10, 0.25 => cycle.intervals.p25, 0.5 => cycle.intervals.median, 0.75 => cycle.intervals.p75, _ => cycle.intervals.p90 };
            prop_assert!(near(ours, quantile(&all, p)), "p{}: {:?} vs {:?}", p, ours, quantile(&all, p));
        }
        let hist: Vec<u64> = [(0.0, 3.0), (3.0, 10.0), (10.0, 30.0), (30.0, f64::MAX)]
            .iter().map(|(lo, hi)| all.iter().filter(|g| **g >= *lo && **g < *hi).count() as u64).collect();
        prop_assert_eq!(&cycle.histogram.counts, &hist);

        prop_assert_eq!(cycle.customers.len(), n.days.len());
        for (ours, (c, d)) in cycle.customers.iter().zip(&n.days) {
            prop_assert_eq!(ours.customer, *c);
            prop_assert_eq!(ours.purchase_days as usize, d.len());
            let g = gaps(d);
            let mean = (!g.is_empty()).then(|| g.iter().sum::<f64>() / g.len() as f64);
            prop_assert!(near(ours.mean, mean));
            prop_assert!(near(ours.median, quantile(&g, 0.5)));
            let cv = mean.map(|m| (g.iter().map(|x| (x - m).powi(2)).sum::<f64>() / g.len() as f64).sqrt() / m);
            prop_assert!(near(ours.cv, cv));
        }

        let second = metrics::time_to_second_purchase(&log, &opts);
        let seconds: Vec<f64> = n.days.values().filter(|d| d.len() > 1).map(|d| (d[1] - d[0]).num_days() as f64).collect();
        prop_assert!(near(second.days.median, quantile(&seconds, 0.5)));
        prop_assert_eq!(second.one_time_buyers, n.days.values().filter(|d| d.len() == 1).count() as u64);
    }

    #[test]
    fn next_purchases_follow_the_stated_rule(purchases in purchases(), (opts, offset) in options(), k in 0.0_f64..10.0) {
        let log = log_at(purchases.clone(), offset);
        let n = naive(&purchases, &opts, offset);
        let next = metrics::next_purchase(&log, &opts, &NextPurchaseOptions::default().shrinkage(k).unwrap());
        let all: Vec<f64> = n.days.values().flat_map(|d| gaps(d)).collect();
        let seconds: Vec<f64> = n.days.values().filter(|d| d.len() > 1).map(|d| (d[1] - d[0]).num_days() as f64).collect();
        prop_assert_eq!(next.len(), n.days.len());
        for (ours, (c, d)) in next.iter().zip(&n.days) {
            prop_assert_eq!(ours.customer, *c);
            let last = *d.last().unwrap();
            prop_assert_eq!(ours.last_purchase, last);
            let g = gaps(d);
            let typical = if g.is_empty() {
                prop_assert_eq!(ours.basis, IntervalBasis::SecondPurchase);
                quantile(&seconds, 0.5)
            } else {
                prop_assert_eq!(ours.basis, IntervalBasis::OwnCycle { intervals: g.len() as u32 });
                let m = g.len() as f64;
                Some((m * quantile(&g, 0.5).unwrap() + k * quantile(&all, 0.5).unwrap()) / (m + k))
            };
            prop_assert!(near(ours.typical_interval, typical));
            let since = (opts.observation_end() - last).num_days();
            prop_assert_eq!(i64::from(ours.days_since_last), since);
            prop_assert!(near(ours.overdue_ratio, typical.map(|t| since as f64 / t)));
            prop_assert!(ours.overdue_ratio.is_none_or(f64::is_finite));
            prop_assert_eq!(ours.expected, typical.map(|t| last + Duration::days(t.round() as i64)));
            prop_assert!(ours.earliest <= ours.expected && ours.expected <= ours.latest);
        }
    }

    #[test]
    fn metrics_do_not_depend_on_input_order(
        (purchases, shuffled) in purchases().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        (opts, offset) in options(),
    ) {
        let a = log_at(purchases, offset);
        let b = log_at(shuffled, offset);
        let bins = HistogramBins::default();
        prop_assert_eq!(metrics::purchase_cycle(&a, &opts, &bins), metrics::purchase_cycle(&b, &opts, &bins));
        prop_assert_eq!(metrics::next_purchase(&a, &opts, &Default::default()), metrics::next_purchase(&b, &opts, &Default::default()));
        prop_assert_eq!(metrics::time_to_second_purchase(&a, &opts), metrics::time_to_second_purchase(&b, &opts));
        let (from, to) = (start(), opts.observation_end());
        prop_assert_eq!(metrics::spend(&a, &opts, from, to).unwrap(), metrics::spend(&b, &opts, from, to).unwrap());
        prop_assert_eq!(metrics::customer_activity(&a, &opts, from, to).unwrap(), metrics::customer_activity(&b, &opts, from, to).unwrap());
        prop_assert_eq!(metrics::returning_customer_rate(&a, &opts, from, to).unwrap(), metrics::returning_customer_rate(&b, &opts, from, to).unwrap());
        prop_assert_eq!(metrics::k_day_repurchase_rate(&a, &opts, 30, from, to).unwrap(), metrics::k_day_repurchase_rate(&b, &opts, 30, from, to).unwrap());
        for g in [Granularity::Week, Granularity::Month] {
            prop_assert_eq!(metrics::spend_by_period(&a, &opts, g).unwrap(), metrics::spend_by_period(&b, &opts, g).unwrap());
            prop_assert_eq!(metrics::churn_rate(&a, &opts, g), metrics::churn_rate(&b, &opts, g));
            prop_assert_eq!(metrics::cohort_retention(&a, &opts, g).unwrap(), metrics::cohort_retention(&b, &opts, g).unwrap());
        }
        prop_assert_eq!(metrics::product_repurchase(&a, &opts), metrics::product_repurchase(&b, &opts));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn spend_equals_the_naive_sums(purchases in purchases(), (opts, offset) in options(), from in 0_i64..300, len in 0_i64..100) {
        let log = log_at(purchases.clone(), offset);
        let n = naive(&purchases, &opts, offset);
        let (from, to) = (start() + Duration::days(from), start() + Duration::days(from + len));
        let inside: Vec<_> = n.records.iter().filter(|r| r.1 >= from && r.1 <= to).collect();
        let orders = inside.iter().filter(|r| r.2 >= Decimal::ZERO).count() as u64;
        let revenue: Decimal = inside.iter().map(|r| r.2).sum();
        let customers: BTreeSet<u64> = inside.iter().filter(|r| r.2 >= Decimal::ZERO).map(|r| r.0).collect();
        let s = metrics::spend(&log, &opts, from, to).unwrap();
        prop_assert_eq!((s.orders, s.customers, s.revenue), (orders, customers.len() as u64, revenue));
        prop_assert_eq!(s.aov, (orders > 0).then(|| revenue / Decimal::from(orders)));

        let activity = metrics::customer_activity(&log, &opts, from, to).unwrap();
        let active: BTreeSet<u64> = inside.iter().map(|r| r.0).collect();
        prop_assert_eq!(activity.iter().map(|a| a.customer).collect::<Vec<_>>(), active.into_iter().collect::<Vec<_>>());
        for a in &activity {
            let mine: Vec<_> = inside.iter().filter(|r| r.0 == a.customer).collect();
            prop_assert_eq!(u64::from(a.orders), mine.iter().filter(|r| r.2 >= Decimal::ZERO).count() as u64);
            prop_assert_eq!(a.revenue, mine.iter().map(|r| r.2).sum::<Decimal>());
        }

        for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
            let periods = metrics::spend_by_period(&log, &opts, g).unwrap();
            let total: Decimal = periods.iter().map(|p| p.spend.revenue).sum();
            prop_assert_eq!(total, n.records.iter().map(|r| r.2).sum::<Decimal>());
            for p in &periods {
                let here: Vec<_> = n.records.iter().filter(|r| period_start(g, r.1) == p.start).collect();
                prop_assert_eq!(p.spend.orders, here.iter().filter(|r| r.2 >= Decimal::ZERO).count() as u64);
                let buyers: BTreeSet<u64> = here.iter().filter(|r| r.2 >= Decimal::ZERO).map(|r| r.0).collect();
                prop_assert_eq!(p.spend.customers, buyers.len() as u64);
            }
        }
    }

    #[test]
    fn churn_and_cohorts_equal_the_naive_tables(purchases in purchases(), (opts, offset) in options()) {
        let log = log_at(purchases.clone(), offset);
        let n = naive(&purchases, &opts, offset);
        for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
            for w in metrics::churn_rate(&log, &opts, g).unwrap() {
                prop_assert!(w.next_start <= opts.observation_end() && period_start(g, w.next_start) == w.next_start);
                let in_window = |days: &Vec<NaiveDate>, s: NaiveDate| days.iter().any(|d| period_start(g, *d) == s);
                let active: Vec<&Vec<NaiveDate>> = n.days.values().filter(|d| in_window(d, w.start)).collect();
                let retained = active.iter().filter(|d| in_window(d, w.next_start)).count() as u64;
                prop_assert_eq!((w.active, w.retained), (active.len() as u64, retained));
                prop_assert_eq!(w.churned, w.active - w.retained);
            }
        }
        for g in [Granularity::Week, Granularity::Month] {
            let table = metrics::cohort_retention(&log, &opts, g).unwrap();
            let total: u64 = table.cohorts.iter().map(|c| c.customers).sum();
            prop_assert_eq!(total, n.days.len() as u64);
            for cohort in &table.cohorts {
                let members: Vec<(&u64, &Vec<NaiveDate>)> = n.days.iter().filter(|(_, d)| period_start(g, d[0]) == cohort.start).collect();
                prop_assert_eq!(cohort.customers, members.len() as u64);
                prop_assert!(!cohort.cells.is_empty());
                prop_assert!(cohort.cells.last().is_some_and(|c| c.start <= opts.observation_end()));
                for cell in &cohort.cells {
                    let active = members.iter().filter(|(_, d)| d.iter().any(|x| period_start(g, *x) == cell.start)).count() as u64;
                    prop_assert_eq!(cell.active, active);
                    prop_assert!(cell.active <= cohort.customers && (0.0..=1.0).contains(&cell.retention));
                    let period_end = |s: NaiveDate| match g { Granularity::Week => s + Duration::days(6), _ => s.checked_add_months(chrono::Months::new(1)).unwrap().pred_opt().unwrap() };
                    let repeat = members.iter().filter(|(_, d)| d.len() > 1 && d[1] <= period_end(cell.start)).count() as u64;
                    prop_assert_eq!(cell.repeat_buyers, repeat);
                    let revenue: Decimal = n.records.iter()
                        .filter(|r| members.iter().any(|(c, d)| **c == r.0 && r.1 >= d[0]) && period_start(g, r.1) == cell.start)
                        .map(|r| r.2).sum();
                    prop_assert_eq!(cell.revenue, revenue);
                }
            }
        }
    }

    #[test]
    fn product_repurchase_equals_the_naive_count(purchases in purchases(), (opts, offset) in options()) {
        let log = log_at(purchases.clone(), offset);
        let n = naive(&purchases, &opts, offset);
        let ours = metrics::product_repurchase(&log, &opts);
        let mut by_product: BTreeMap<String, BTreeMap<u64, BTreeSet<NaiveDate>>> = BTreeMap::new();
        for (c, d, amount, product) in &n.records {
            if let (Some(p), true) = (product, *amount >= Decimal::ZERO) {
                by_product.entry(p.clone()).or_default().entry(*c).or_default().insert(*d);
            }
        }
        prop_assert_eq!(ours.len(), by_product.len());
        for (row, (name, buyers)) in ours.iter().zip(&by_product) {
            prop_assert_eq!(&row.product, name);
            prop_assert_eq!(row.buyers, buyers.len() as u64);
            prop_assert_eq!(row.repeat_buyers, buyers.values().filter(|d| d.len() > 1).count() as u64);
            let g: Vec<f64> = buyers.values().flat_map(|d| {
                let d: Vec<_> = d.iter().collect();
                d.windows(2).map(|w| (*w[1] - *w[0]).num_days() as f64).collect::<Vec<_>>()
            }).collect();
            prop_assert!(near(row.median_rebuy_days, quantile(&g, 0.5)));
            prop_assert!(row.rate.rate.is_some_and(|r| (0.0..=1.0).contains(&r)));
        }
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    let log = PurchaseLog::<u64>::new(Vec::new()).unwrap();
    let opts = SummaryOptions::new(start());
    let err = metrics::k_day_repurchase_rate(&log, &opts, 0, start(), start()).unwrap_err();
    assert!(
        matches!(err, repurchase::Error::InvalidParameter { name: "k", .. }),
        "{err}"
    );
    let later = start() + Duration::days(1);
    let err = metrics::k_day_repurchase_rate(&log, &opts, 7, later, start()).unwrap_err();
    assert!(
        matches!(
            err,
            repurchase::Error::EmptyRange {
                start_field: "first_from",
                ..
            }
        ),
        "{err}"
    );
    let err = metrics::returning_customer_rate(&log, &opts, later, start()).unwrap_err();
    assert!(
        matches!(
            err,
            repurchase::Error::EmptyRange {
                start_field: "from",
                ..
            }
        ),
        "{err}"
    );
    assert!(NextPurchaseOptions::default().shrinkage(f64::NAN).is_err());
    assert!(HistogramBins::new(vec![5, 5]).is_err());
    let err = metrics::cohort_retention(&log, &opts, Granularity::Day).unwrap_err();
    assert!(
        matches!(err, repurchase::Error::InvalidParameter { name: "period", .. }),
        "{err}"
    );
    assert!(metrics::spend(&log, &opts, later, start()).is_err());
    assert!(metrics::customer_activity(&log, &opts, later, start()).is_err());
}

#[test]
fn empty_and_degenerate_logs_give_empty_results() {
    let day = start();
    let opts = SummaryOptions::new(day);
    let empty = PurchaseLog::<u64>::new(Vec::new()).unwrap();
    assert_eq!(metrics::repurchase_rate(&empty.summarize(&opts)).rate, None);
    assert_eq!(metrics::time_to_second_purchase(&empty, &opts).days.median, None);
    assert!(
        metrics::purchase_cycle(&empty, &opts, &HistogramBins::default())
            .customers
            .is_empty()
    );

    // One purchase; all purchases on one day; an observation end before the data.
    let one_day = PurchaseLog::new(vec![
        Purchase::new(1_u64, day, Decimal::ONE),
        Purchase::new(1_u64, day, Decimal::TWO),
        Purchase::new(2_u64, day, Decimal::ONE),
    ])
    .unwrap();
    let next = metrics::next_purchase(&one_day, &opts, &Default::default());
    assert!(
        next.iter()
            .all(|n| n.basis == IntervalBasis::SecondPurchase && n.typical_interval.is_none())
    );
    let cycle = metrics::purchase_cycle(&one_day, &opts, &HistogramBins::default());
    assert_eq!(cycle.intervals.count, 0);
    assert!(cycle.customers.iter().all(|c| c.mean.is_none() && c.cv.is_none()));
    let before = SummaryOptions::new(day - Duration::days(1));
    assert!(metrics::next_purchase(&one_day, &before, &Default::default()).is_empty());
    let kday = metrics::k_day_repurchase_rate(&one_day, &before, 7, day, day).unwrap();
    assert_eq!((kday.rate.rate, kday.censored), (None, 0));
    assert!(
        metrics::churn_rate(&one_day, &opts, Granularity::Month)
            .unwrap()
            .is_empty()
    );
    assert!(
        metrics::spend_by_period(&empty, &opts, Granularity::Month)
            .unwrap()
            .is_empty()
    );
    assert!(
        metrics::cohort_retention(&empty, &opts, Granularity::Week)
            .unwrap()
            .cohorts
            .is_empty()
    );
    assert!(metrics::product_repurchase(&one_day, &opts).is_empty());

    // Windows that do not overlap the data: zero counts, `None` ratios.
    let later = SummaryOptions::new(day + Duration::days(400));
    let (w_from, w_to) = (day + Duration::days(100), day + Duration::days(200));
    let nothing = metrics::spend(&one_day, &later, w_from, w_to).unwrap();
    assert_eq!(
        (
            nothing.orders,
            nothing.customers,
            nothing.aov,
            nothing.orders_per_customer
        ),
        (0, 0, None, None)
    );
    assert!(
        metrics::customer_activity(&one_day, &later, w_from, w_to)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        metrics::returning_customer_rate(&one_day, &later, w_from, w_to)
            .unwrap()
            .rate,
        None
    );
    let kday = metrics::k_day_repurchase_rate(&one_day, &later, 30, w_from, w_to).unwrap();
    assert_eq!((kday.rate.denominator, kday.censored), (0, 0));
    // An observation end before the data: nothing observed.
    let before = SummaryOptions::new(day - Duration::days(30));
    assert!(
        metrics::spend_by_period(&one_day, &before, Granularity::Month)
            .unwrap()
            .is_empty()
    );
    assert!(
        metrics::churn_rate(&one_day, &before, Granularity::Week)
            .unwrap()
            .is_empty()
    );
    assert!(
        metrics::cohort_retention(&one_day, &before, Granularity::Month)
            .unwrap()
            .cohorts
            .is_empty()
    );
    assert_eq!(
        metrics::purchase_cycle(&one_day, &before, &HistogramBins::default())
            .intervals
            .count,
        0
    );
}

/// Period tables are bounded by the data, not by the span between dates: two
/// purchases 400,000 years apart (let through a widened valid range) are a
/// typed error for a daily series and a weekly cohort table, not a table of
/// 146 million days (12.9 GB) or 20.9 million offsets.
#[test]
fn spans_beyond_the_period_bounds_are_typed_errors() {
    use repurchase::LogOptions;
    let far = |year| NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let log = LogOptions::default()
        .valid_range(NaiveDate::MIN, NaiveDate::MAX)
        .unwrap()
        .build(vec![
            Purchase::new(1_u64, far(-200_000), Decimal::ONE),
            Purchase::new(2_u64, far(200_000), Decimal::ONE),
        ])
        .unwrap();
    let opts = SummaryOptions::new(far(200_000));
    let err = metrics::spend_by_period(&log, &opts, Granularity::Day).unwrap_err();
    assert!(
        matches!(err, repurchase::Error::InvalidParameter { name: "period", .. }),
        "{err}"
    );
    let err = metrics::cohort_retention(&log, &opts, Granularity::Week).unwrap_err();
    assert!(
        matches!(err, repurchase::Error::InvalidParameter { name: "period", .. }),
        "{err}"
    );
    // Found by fuzzing: window churn sized its table by the span too (146
    // million daily pairs, 5.2 GB).
    let err = metrics::churn_rate(&log, &opts, Granularity::Day).unwrap_err();
    assert!(
        matches!(err, repurchase::Error::InvalidParameter { name: "period", .. }),
        "{err}"
    );
    // Within the bounds: a century of months is a series of 1,201.
    let century = LogOptions::default()
        .valid_range(far(1900), far(2100))
        .unwrap()
        .build(vec![Purchase::new(1_u64, far(1950), Decimal::ONE)])
        .unwrap();
    let months =
        metrics::spend_by_period(&century, &SummaryOptions::new(far(2050)), Granularity::Month).unwrap();
    assert_eq!(months.len(), 1_201);
}

/// Found by fuzzing: a shrinkage constant near f64's largest (1e308)
/// overflowed the weighted sum, and the typical interval came out
/// infinite. It is the population's interval then, finite.
#[test]
fn a_huge_shrinkage_gives_the_population_interval() {
    let day = |d: u64| start() + Duration::days(d as i64);
    let log = PurchaseLog::new(vec![
        Purchase::new(1_u64, day(0), Decimal::ONE),
        Purchase::new(1_u64, day(10), Decimal::ONE),
        Purchase::new(2_u64, day(0), Decimal::ONE),
        Purchase::new(2_u64, day(30), Decimal::ONE),
    ])
    .unwrap();
    let next = NextPurchaseOptions::default().shrinkage(1e308).unwrap();
    for n in metrics::next_purchase(&log, &SummaryOptions::new(day(40)), &next) {
        let typical = n.typical_interval.unwrap();
        assert!(typical.is_finite() && (typical - 20.0).abs() < 1e-9, "{typical}");
    }
}
