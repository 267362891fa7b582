//! RFM scores and segments: worked examples in the R `rfm` package's and SQL
//! NTILE's conventions, laws, bad input.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use repurchase::chrono::NaiveDate;
use repurchase::rfm::{self, Binning, RfmCode, RfmOptions, Segment, SegmentRule, SegmentTable};
use repurchase::{Calendar, CustomerSummary, Error, Summaries, SummaryOptions, Timestamp};
use rust_decimal::Decimal;

/// A summary with `days` since the last purchase (T − recency: recency
/// 400 and T = `days` + 400 with repeats; else T = `days` and recency 0,
/// as a summary has them),
/// `orders` orders (on as many days) and `spend` in total.
fn summary(customer: u64, days: f64, orders: u32, spend: i64) -> CustomerSummary<u64> {
    let t = if orders > 1 { days + 400.0 } else { days };
    let recency = t - days;
    CustomerSummary {
        customer,
        frequency: orders.saturating_sub(1),
        recency,
        t,
        monetary_value: None,
        first_purchase: Timestamp::from_unix_seconds(0).unwrap(),
        last_purchase: Timestamp::from_unix_seconds(0).unwrap(),
        orders,
        total_spend: Decimal::from(spend),
    }
}

/// Summaries in days, as `summary` makes them.
fn wrap(rows: &[CustomerSummary<u64>]) -> Summaries<u64> {
    Summaries::from_customers(
        rows.to_vec(),
        SummaryOptions::new(NaiveDate::MIN),
        Calendar::utc(),
    )
    .unwrap()
}

/// Ten customers; recency days 1 … 365, orders with heavy ties at 1,
/// spend with only two distinct values among the first five.
fn example() -> Vec<CustomerSummary<u64>> {
    let days = [1.0, 5.0, 10.0, 20.0, 40.0, 60.0, 90.0, 120.0, 200.0, 365.0];
    let orders = [1, 1, 1, 1, 1, 1, 2, 2, 3, 8];
    (0..10)
        .map(|i| summary(i, days[i as usize], orders[i as usize], 10 * (i as i64 + 1)))
        .collect()
}

/// Quantiles carry the rounding of h = (n − 1) p, as in R.
fn assert_close(ours: &[f64], want: &[f64]) {
    assert_eq!(ours.len(), want.len(), "{ours:?} vs {want:?}");
    for (a, b) in ours.iter().zip(want) {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{ours:?} vs {want:?}");
    }
}

#[test]
fn quantile_scores_follow_the_r_rfm_package() {
    let scores = rfm::score(&wrap(&example()), &RfmOptions::default()).unwrap();
    // Recency: type-7 quantiles of the days at 0.2 … 0.8 are 9, 32, 72 and
    // 136 (h = 9p: 5 + 0.8·5, 20 + 0.6·20, 60 + 0.4·30, 120 + 0.2·80);
    // the package adds 1, and a value scores one more than the breaks it
    // reaches, reversed so the most recent score 5.
    assert_close(&scores.breaks[0].thresholds, &[10.0, 33.0, 73.0, 137.0]);
    let r: Vec<u8> = scores.customers.iter().map(|s| s.r).collect();
    assert_eq!(r, vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    // Orders: quantiles 1, 1, 1.4, 2.2, so breaks 2, 2, 2.4, 3.2. Every
    // customer with one order scores 1, two orders reach the two equal
    // breaks of 2 (score 3), three reach 2.4 too (4): score 2 is unused,
    // and reported so.
    assert_close(&scores.breaks[1].thresholds, &[2.0, 2.0, 2.4, 3.2]);
    let f: Vec<u8> = scores.customers.iter().map(|s| s.f).collect();
    assert_eq!(f, vec![1, 1, 1, 1, 1, 1, 3, 3, 4, 5]);
    assert_eq!(scores.breaks[1].scores_used, 4);
    assert_eq!(scores.breaks[1].ranges[1], None);
    assert_eq!(scores.breaks[1].ranges[0], Some((1.0, 1.0)));
    assert_eq!(scores.customers[9].code().to_string(), "155");
}

#[test]
fn a_dimension_with_fewer_values_than_bins_uses_fewer_scores() {
    // Spend 10, 10, 10, 20, 20: quantiles 10, 10, 14, 20 (h = 4p), breaks
    // 11, 11, 15, 21: 10 scores 1 and 20 reaches three breaks, scoring 4.
    let summaries: Vec<_> = [10, 10, 10, 20, 20]
        .iter()
        .enumerate()
        .map(|(i, spend)| summary(i as u64, 5.0, 1, *spend))
        .collect();
    let scores = rfm::score(&wrap(&summaries), &RfmOptions::default()).unwrap();
    assert_close(&scores.breaks[2].thresholds, &[11.0, 11.0, 15.0, 21.0]);
    let m: Vec<u8> = scores.customers.iter().map(|s| s.m).collect();
    assert_eq!(m, vec![1, 1, 1, 4, 4]);
    assert_eq!(scores.breaks[2].scores_used, 2);
    // Every customer ties on recency: one value, all in the top score.
    assert!(scores.customers.iter().all(|s| s.r == 5));
}

#[test]
fn ntile_matches_sql() {
    // SELECT NTILE(3) OVER (ORDER BY orders, customer) for orders 5, 3, 3,
    // 9, 1, 7, 3 (customers 0..6): seven rows make groups of 3, 2, 2; in
    // order customers 4, 1, 2 | 6, 0 | 5, 3. SQLite agrees
    // (tests/data/make_ntile_reference.py).
    let orders = [5, 3, 3, 9, 1, 7, 3];
    let summaries: Vec<_> = orders
        .iter()
        .enumerate()
        .map(|(i, o)| summary(i as u64, 5.0, *o, 10))
        .collect();
    let config = RfmOptions::default().bins(3).unwrap().binning(Binning::Ntile);
    let scores = rfm::score(&wrap(&summaries), &config).unwrap();
    let f: Vec<u8> = scores.customers.iter().map(|s| s.f).collect();
    assert_eq!(f, vec![2, 1, 1, 3, 1, 3, 2]);
    // Recency: NTILE(3) OVER (ORDER BY last_purchase_date, customer), all
    // tied, so by customer: the first three customers score 1.
    let r: Vec<u8> = scores.customers.iter().map(|s| s.r).collect();
    assert_eq!(r, vec![1, 1, 1, 2, 2, 3, 3]);
}

#[test]
fn thresholds_are_the_callers() {
    let config = RfmOptions::default().recency_binning(Binning::Thresholds(vec![30.0, 90.0, 180.0]));
    let scores = rfm::score(&wrap(&example()), &config).unwrap();
    let r: Vec<u8> = scores.customers.iter().map(|s| s.r).collect();
    // Four scores: < 30 days → 4, [30, 90) → 3, [90, 180) → 2, ≥ 180 → 1.
    assert_eq!(r, vec![4, 4, 4, 4, 3, 3, 2, 2, 1, 1]);
    assert_eq!(scores.breaks[0].bins, 4);
}

#[test]
fn segments_follow_the_tables() {
    let table = SegmentTable::r_rfm();
    let name = |r, f, m| table.name(table.segment(RfmCode { r, f, m })).to_string();
    assert_eq!(name(5, 5, 5), "Champions");
    assert_eq!(name(4, 4, 4), "Potential Loyalist"); // before Loyal Customers
    assert_eq!(name(2, 2, 2), "Loyal Customers");
    assert_eq!(name(4, 1, 1), "New Customers");
    assert_eq!(name(1, 3, 5), "Can't Lose Them");
    assert_eq!(name(1, 1, 1), "Lost");
    assert_eq!(name(5, 2, 1), "New Customers");
    assert_eq!(name(3, 1, 5), "Promising");
    // The R table leaves some cells to Others, e.g. recent, frequent and low
    // spend (5, 5, 1); the check lists them.
    let check = table.check(5);
    assert!(check.uncovered.contains(&RfmCode { r: 5, f: 5, m: 1 }));
    assert_eq!(name(5, 5, 1), "Others");
    assert!(SegmentTable::three_tier().check(5).uncovered.is_empty());
    let overlapping = SegmentTable::new(vec![
        SegmentRule::new("A", 1..=3, 1..=5, 1..=5),
        SegmentRule::new("B", 3..=5, 1..=5, 1..=5),
    ])
    .check(5);
    assert_eq!(overlapping.overlapping.len(), 25);
    assert_eq!(overlapping.overlapping[0].1, vec![0, 1]);
}

#[test]
fn segment_summary_adds_up() {
    let summaries = example();
    let scores = rfm::score(&wrap(&summaries), &RfmOptions::default()).unwrap();
    let table = SegmentTable::three_tier();
    let rows = table.summarize(&wrap(&summaries), &scores).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().map(|r| r.customers).sum::<u64>(), 10);
    assert_eq!(rows.iter().map(|r| r.orders).sum::<u64>(), 21);
    assert_eq!(
        rows.iter().map(|r| r.revenue).sum::<Decimal>(),
        Decimal::from(550)
    );
    // Dormant = recency score 1–2: customers 6–9, 90 to 365 days, orders 2, 2, 3, 8.
    let dormant = &rows[2];
    assert_eq!((dormant.customers, dormant.orders), (4, 15));
    assert_eq!(dormant.revenue, Decimal::from(70 + 80 + 90 + 100));
    assert_eq!(dormant.median_days_since_last, Some(160.0));
    assert_eq!(
        dormant.average_order_value,
        Some(Decimal::from(340) / Decimal::from(15))
    );
    assert_eq!(rows[3].name, "Others");
    assert_eq!((rows[3].customers, rows[3].median_days_since_last), (0, None));
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(
        RfmOptions::default().bins(0),
        Err(Error::InvalidParameter { name: "bins", .. })
    ));
    let empty: Vec<CustomerSummary<u64>> = Vec::new();
    assert!(matches!(
        rfm::score(&wrap(&empty), &RfmOptions::default()),
        Err(Error::InsufficientData { .. })
    ));
    for bad in [vec![3.0, 3.0], vec![5.0, 2.0], vec![f64::NAN]] {
        let config = RfmOptions::default().monetary_binning(Binning::Thresholds(bad));
        assert!(matches!(
            rfm::score(&wrap(&example()), &config),
            Err(Error::InvalidParameter {
                name: "thresholds",
                ..
            })
        ));
    }
    // One customer: every score defined, nothing NaN.
    let one = rfm::score(&wrap(&[summary(7, 3.0, 2, 50)]), &RfmOptions::default()).unwrap();
    let s = &one.customers[0];
    assert!((1..=5).contains(&s.r) && (1..=5).contains(&s.f) && (1..=5).contains(&s.m));
    assert!(
        one.breaks
            .iter()
            .all(|b| b.thresholds.iter().all(|t| t.is_finite()))
    );
    let segments = SegmentTable::r_rfm().assign(&one);
    assert_eq!(segments.len(), 1);
}

fn summaries() -> impl Strategy<Value = Vec<CustomerSummary<u64>>> {
    prop::collection::vec((0.0..500.0_f64, 1_u32..30, 0_i64..5_000), 1..80).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (days, orders, spend))| summary(i as u64, days.floor(), orders, spend))
            .collect()
    })
}

fn binning() -> impl Strategy<Value = Binning> {
    prop_oneof![
        Just(Binning::Quantile),
        Just(Binning::Ntile),
        Just(Binning::Thresholds(vec![2.0, 5.0, 100.0, 250.0])),
    ]
}

proptest! {
    #[test]
    fn scores_obey_their_laws(
        summaries in summaries(),
        bins in 1_u8..8,
        binning in binning(),
        seed in any::<u64>(),
    ) {
        let config = RfmOptions::default().bins(bins).unwrap().binning(binning.clone());
        let scores = rfm::score(&wrap(&summaries), &config).unwrap();
        let top = if matches!(binning, Binning::Thresholds(_)) { 5 } else { bins };
        for s in &scores.customers {
            for v in [s.r, s.f, s.m] {
                prop_assert!((1..=top).contains(&v), "score {} of {}", v, top);
            }
        }
        // Dominance: more recent / more orders / more spend never scores lower.
        for a in &scores.customers {
            for b in &scores.customers {
                if a.days_since_last < b.days_since_last { prop_assert!(a.r >= b.r); }
                if a.frequency > b.frequency { prop_assert!(a.f >= b.f); }
                if a.monetary > b.monetary { prop_assert!(a.m >= b.m); }
            }
        }
        // Reordering customers changes nobody's scores.
        let mut shuffled = summaries.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let again = rfm::score(&wrap(&shuffled), &config).unwrap();
        for s in &again.customers {
            let original = &scores.customers[s.customer as usize];
            prop_assert_eq!(s.code(), original.code());
        }
        // Exactly one segment each.
        let segments = SegmentTable::r_rfm().assign(&scores);
        prop_assert_eq!(segments.len(), summaries.len());
        for (seg, s) in segments.iter().zip(&scores.customers) {
            prop_assert_eq!(seg.customer, s.customer);
            prop_assert_eq!(seg.segment, SegmentTable::r_rfm().segment(s.code()));
            prop_assert!(matches!(seg.segment, Segment::Rule(_) | Segment::Others));
        }
    }
}

/// NTILE scores for every customer of the CDNOW sample equal SQL's
/// `NTILE(5) OVER (ORDER BY …, customer)` (SQLite; the data and script in
/// tests/data): recency by last purchase date, frequency by orders,
/// monetary by total spend, ties to the lower customer id first in all
/// three.
#[test]
fn ntile_scores_match_sql_on_cdnow() {
    use chrono::NaiveDate;
    use repurchase::{SummaryOptions, TimeUnit};
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let summaries = repurchase::datasets::cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
    let config = RfmOptions::default().binning(Binning::Ntile);
    let scores = rfm::score(&summaries, &config).unwrap();
    let reference = include_str!("data/cdnow_rfm_ntile.csv");
    let expected: Vec<(u32, u8, u8, u8)> = reference
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    let ours: Vec<(u32, u8, u8, u8)> = scores
        .customers
        .iter()
        .map(|s| (s.customer, s.r, s.f, s.m))
        .collect();
    assert_eq!(ours.len(), expected.len());
    let differ: Vec<_> = ours
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a != b)
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} differ, e.g. {differ:?}",
        ours.iter().zip(&expected).filter(|(a, b)| a != b).count(),
        ours.len()
    );
}
