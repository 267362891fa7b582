//! Repurchase metrics on the CDNOW sample against pandas
//! (tests/data/make_metrics_reference.py wrote the reference files).

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample;
use repurchase::metrics::{self, DayStats, HistogramBins, Rate};
use repurchase::{Granularity, PurchaseLog, SummaryOptions};
use serde_json::Value;

/// pandas and we both compute these in f64 from the same integers; only
/// summation order differs.
const FLOAT_TOLERANCE: f64 = 1e-9;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn reference() -> Value {
    serde_json::from_str(&data("cdnow_metrics.json")).unwrap()
}

fn setup() -> (PurchaseLog<u32>, SummaryOptions) {
    (cdnow_sample().unwrap(), SummaryOptions::new(date(1998, 6, 30)))
}

fn assert_rate(ours: Rate, theirs: &Value, what: &str) {
    let pair = (theirs[0].as_u64().unwrap(), theirs[1].as_u64().unwrap());
    assert_eq!((ours.numerator, ours.denominator), pair, "{what}");
}

fn close(a: Option<f64>, b: &Value, what: &str) {
    match (a, b.as_f64()) {
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= FLOAT_TOLERANCE * b.abs().max(1.0),
            "{what}: {a} vs {b}"
        ),
        (None, None) => {}
        (a, _) => panic!("{what}: {a:?} vs {b}"),
    }
}

fn assert_stats(ours: &DayStats, theirs: &Value, what: &str) {
    assert_eq!(ours.count, theirs["count"].as_u64().unwrap(), "{what} count");
    assert_eq!(ours.min.map(u64::from), theirs["min"].as_u64(), "{what} min");
    assert_eq!(ours.max.map(u64::from), theirs["max"].as_u64(), "{what} max");
    close(ours.mean, &theirs["mean"], &format!("{what} mean"));
    close(ours.p10, &theirs["p10"], &format!("{what} p10"));
    close(ours.p25, &theirs["p25"], &format!("{what} p25"));
    close(ours.median, &theirs["median"], &format!("{what} median"));
    close(ours.p75, &theirs["p75"], &format!("{what} p75"));
    close(ours.p90, &theirs["p90"], &format!("{what} p90"));
}

#[test]
fn repurchase_rates_match_pandas() {
    let (log, opts) = setup();
    let r = reference();
    assert_rate(
        metrics::repurchase_rate(&log.summarize(&opts)),
        &r["repurchase_rate"],
        "overall",
    );
    for (k, want) in r["k_day"].as_object().unwrap() {
        let k: u32 = k.parse().unwrap();
        let got =
            metrics::k_day_repurchase_rate(&log, &opts, k, date(1997, 1, 1), date(1997, 3, 31)).unwrap();
        assert_rate(got.rate, want, &format!("{k}-day"));
        assert_eq!(got.censored, want[2].as_u64().unwrap(), "{k}-day censored");
    }
    for (month, want) in r["returning"].as_object().unwrap() {
        let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
        let end = start
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        let got = metrics::returning_customer_rate(&log, &opts, start, end).unwrap();
        assert_rate(got, want, &format!("returning {month}"));
    }
}

#[test]
fn time_to_second_purchase_matches_pandas() {
    let (log, opts) = setup();
    let r = reference();
    let got = metrics::time_to_second_purchase(&log, &opts);
    assert_stats(&got.days, &r["time_to_second"], "time to second");
    assert_eq!(got.one_time_buyers, r["one_time_buyers"].as_u64().unwrap());
}

#[test]
fn purchase_cycle_matches_pandas() {
    let (log, opts) = setup();
    let r = reference();
    let cycle = metrics::purchase_cycle(&log, &opts, &HistogramBins::default());
    assert_stats(&cycle.intervals, &r["cycle"], "cycle");
    let want: Vec<u64> = r["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(cycle.histogram.counts, want);

    let rows = data("cdnow_cycle_customers.csv");
    let rows: Vec<Vec<&str>> = rows.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(cycle.customers.len(), rows.len());
    for (ours, row) in cycle.customers.iter().zip(&rows) {
        let id = row[0];
        assert_eq!(ours.customer.to_string(), id);
        assert_eq!(
            ours.purchase_days.to_string(),
            row[1],
            "customer {id} purchase days"
        );
        let parse = |s: &str| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::from(s.parse::<f64>().unwrap())
            }
        };
        close(ours.mean, &parse(row[2]), &format!("customer {id} mean"));
        close(ours.median, &parse(row[3]), &format!("customer {id} median"));
        close(ours.cv, &parse(row[4]), &format!("customer {id} cv"));
    }
}

#[test]
fn next_purchase_matches_pandas() {
    let (log, opts) = setup();
    let next = metrics::next_purchase(&log, &opts, &Default::default());
    let rows = data("cdnow_next_purchase.csv");
    let rows: Vec<Vec<&str>> = rows.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(next.len(), rows.len());
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for (ours, row) in next.iter().zip(&rows) {
        let id = row[0];
        assert_eq!(ours.customer.to_string(), id);
        assert_eq!(ours.last_purchase.to_string(), row[1], "customer {id} last");
        close(
            ours.typical_interval,
            &Value::from(row[2].parse::<f64>().unwrap()),
            &format!("customer {id} typical"),
        );
        assert_eq!(day(ours.expected), row[3], "customer {id} expected");
        assert_eq!(day(ours.earliest), row[4], "customer {id} earliest");
        assert_eq!(day(ours.latest), row[5], "customer {id} latest");
        assert_eq!(
            ours.days_since_last.to_string(),
            row[6],
            "customer {id} days since last"
        );
        close(
            ours.overdue_ratio,
            &Value::from(row[7].parse::<f64>().unwrap()),
            &format!("customer {id} overdue"),
        );
    }
}

#[test]
fn spend_matches_pandas() {
    let (log, opts) = setup();
    let r = reference();
    let all = metrics::spend(&log, &opts, date(1997, 1, 1), date(1998, 6, 30)).unwrap();
    assert_eq!(all.orders, r["spend"]["orders"].as_u64().unwrap());
    assert_eq!(all.customers, r["spend"]["customers"].as_u64().unwrap());
    assert_eq!(all.revenue.to_string(), r["spend"]["revenue"].as_str().unwrap());

    let months = metrics::spend_by_period(&log, &opts, Granularity::Month).unwrap();
    let want = r["spend_by_month"].as_object().unwrap();
    assert_eq!(months.len(), want.len());
    for (ours, (month, row)) in months.iter().zip(want) {
        assert_eq!(ours.start.format("%Y-%m").to_string(), *month);
        let got = (
            ours.spend.orders,
            ours.spend.customers,
            ours.spend.revenue.to_string(),
        );
        let expected = (
            row[0].as_u64().unwrap(),
            row[1].as_u64().unwrap(),
            row[2].as_str().unwrap().to_string(),
        );
        assert_eq!(got, expected, "{month}");
    }
}

#[test]
fn churn_between_months_matches_pandas() {
    let (log, opts) = setup();
    let churn = metrics::churn_rate(&log, &opts, Granularity::Month).unwrap();
    let want = reference()["churn_by_month"].as_object().unwrap().clone();
    assert_eq!(churn.len(), want.len());
    for (ours, (month, row)) in churn.iter().zip(&want) {
        assert_eq!(ours.start.format("%Y-%m").to_string(), *month);
        assert_eq!(
            (ours.active, ours.retained),
            (row[0].as_u64().unwrap(), row[1].as_u64().unwrap()),
            "{month}"
        );
    }
}

#[test]
fn monthly_cohorts_match_pandas() {
    let (log, opts) = setup();
    let table = metrics::cohort_retention(&log, &opts, Granularity::Month).unwrap();
    let want = reference()["cohorts_by_month"].as_object().unwrap().clone();
    assert_eq!(table.cohorts.len(), want.len());
    for (ours, (month, cohort)) in table.cohorts.iter().zip(&want) {
        assert_eq!(ours.start.format("%Y-%m").to_string(), *month);
        assert_eq!(ours.customers, cohort["customers"].as_u64().unwrap());
        let cells = cohort["cells"].as_array().unwrap();
        assert_eq!(ours.cells.len(), cells.len(), "{month}");
        for (cell, row) in ours.cells.iter().zip(cells) {
            let got = (
                cell.active,
                cell.repeat_buyers,
                cell.orders,
                cell.revenue.to_string(),
            );
            let expected = (
                row[0].as_u64().unwrap(),
                row[1].as_u64().unwrap(),
                row[2].as_u64().unwrap(),
                row[3].as_str().unwrap().to_string(),
            );
            assert_eq!(got, expected, "{month} offset {}", cell.offset);
        }
    }
}
