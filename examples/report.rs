//! A one-page HTML report: headline metrics, the model checks, P(alive),
//! cohort retention and the top customers by CLV, with every chart inline
//! as SVG. It reports on the embedded CDNOW sample, or on a purchases CSV.
//!
//! ```text
//! cargo run --release --features charts --example report [-- OUT.html] [--charts DIR]
//! cargo run --release --features charts,example-io --example report -- OUT.html --csv purchases.csv [--as-of YYYY-MM-DD]
//! ```
//!
//! Without OUT the page is `report.html` in the current directory;
//! `--charts DIR` also writes each chart to DIR as an SVG file of its own.
//! The CSV has a header and the columns `customer_id`, `date` and `amount`,
//! as `csv_report` reads them. The observation ends on the last purchase
//! day (or `--as-of`); the model is fitted on the first half of the span
//! and checked on the second, then refitted on all of it for P(alive) and
//! CLV.

use std::collections::HashMap;
use std::fmt::{Display, Write as _};

use chrono::{Days, NaiveDate};
use repurchase::churn::{self, RiskBands};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::lifecycle::{self, LifecycleOptions};
use repurchase::models::{self, BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
use repurchase::rfm::{self, RfmOptions, SegmentTable};
use repurchase::{CustomerKey, Granularity, PurchaseLog, SummaryOptions, TimeUnit, charts, metrics};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: report [OUT.html] [--charts DIR] [--csv purchases.csv] [--as-of YYYY-MM-DD]";

/// The command line: where to write, and what to read.
#[derive(Default)]
struct Args {
    out: Option<String>,
    charts: Option<String>,
    csv: Option<String>,
    as_of: Option<NaiveDate>,
}

fn main() -> AnyResult<()> {
    let mut parsed = Args::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--charts" => parsed.charts = Some(args.next().ok_or(USAGE)?),
            "--csv" => parsed.csv = Some(args.next().ok_or(USAGE)?),
            "--as-of" => parsed.as_of = Some(args.next().ok_or(USAGE)?.parse()?),
            _ if parsed.out.is_none() && !arg.starts_with("--") => parsed.out = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    let out = parsed.out.clone().unwrap_or_else(|| "report.html".into());
    let charts = match &parsed.csv {
        None => {
            let log = repurchase::datasets::cdnow_sample()?;
            let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
            report(&log, "CDNOW sample", parsed.as_of.unwrap_or(end))?
        }
        Some(path) => from_csv(path, parsed.as_of)?,
    };
    std::fs::write(&out, &charts.page)?;
    println!("wrote {out}");
    if let Some(dir) = &parsed.charts {
        std::fs::create_dir_all(dir)?;
        for (name, svg) in &charts.svgs {
            std::fs::write(format!("{dir}/{name}.svg"), svg)?;
        }
        println!("wrote {} charts to {dir}", charts.svgs.len());
    }
    Ok(())
}

#[cfg(not(feature = "example-io"))]
fn from_csv(_: &str, _: Option<NaiveDate>) -> AnyResult<Report> {
    Err("reading a CSV needs the example-io feature: --features charts,example-io".into())
}

/// Reads the CSV into record batches and reports on it, with customer
/// ids as the file has them: integers as integers, anything else as text.
#[cfg(feature = "example-io")]
fn from_csv(path: &str, as_of: Option<NaiveDate>) -> AnyResult<Report> {
    use arrow_array::RecordBatch;
    use arrow_schema::DataType;
    use repurchase::arrow::{ArrowKey, BatchColumns};

    fn build<C: ArrowKey>(batches: &[RecordBatch], columns: &BatchColumns) -> AnyResult<PurchaseLog<C>> {
        let (log, rejected) = PurchaseLog::<C>::from_batches_lenient(batches, columns)?;
        for r in rejected.iter().take(5) {
            eprintln!("left out: {}", r.reason);
        }
        if rejected.len() > 5 {
            eprintln!("… {} rows left out in all", rejected.len());
        }
        Ok(log)
    }

    let mut file = std::fs::File::open(path)?;
    let (schema, _) = arrow_csv::reader::Format::default()
        .with_header(true)
        .infer_schema(&mut file, Some(1_000))?;
    std::io::Seek::rewind(&mut file)?;
    let batches = arrow_csv::ReaderBuilder::new(std::sync::Arc::new(schema))
        .with_header(true)
        .build(file)?
        .collect::<Result<Vec<_>, _>>()?;
    let columns = BatchColumns::new("customer_id", "date", "amount");
    let id_type = batches
        .first()
        .and_then(|b| b.column_by_name(columns.customer_column()))
        .map(|c| c.data_type().clone());
    match id_type {
        Some(DataType::Int32 | DataType::Int64) => {
            let log = build::<i64>(&batches, &columns)?;
            report(&log, path, as_of.or(last_day(&log)).ok_or("no purchases")?)
        }
        Some(DataType::UInt32 | DataType::UInt64) => {
            let log = build::<u64>(&batches, &columns)?;
            report(&log, path, as_of.or(last_day(&log)).ok_or("no purchases")?)
        }
        _ => {
            let log = build::<String>(&batches, &columns)?;
            report(&log, path, as_of.or(last_day(&log)).ok_or("no purchases")?)
        }
    }
}

#[cfg(feature = "example-io")]
fn last_day<C: CustomerKey>(log: &PurchaseLog<C>) -> Option<NaiveDate> {
    log.customers()
        .filter_map(|c| c.timestamps().last())
        .max()
        .map(|t| t.to_datetime().date_naive())
}

/// The page and each chart on its own, by file name.
struct Report {
    page: String,
    svgs: Vec<(&'static str, String)>,
}

fn report<C: CustomerKey + Display>(log: &PurchaseLog<C>, source: &str, end: NaiveDate) -> AnyResult<Report> {
    let first = log
        .customers()
        .filter_map(|c| c.timestamps().next())
        .min()
        .map(|t| t.to_datetime().date_naive())
        .ok_or("no purchases to report on")?;
    let span = u64::try_from((end - first).num_days()).map_err(|_| "--as-of is before the first purchase")?;
    if span < 28 {
        return Err("the purchases span less than four weeks: too short to fit a model".into());
    }
    // The model is checked on the second half of the span, as on CDNOW
    // (39 weeks of calibration, 39 of holdout).
    let calibration_end = first + Days::new(span / 2);
    let holdout_days = u32::try_from(span - span / 2)?;
    // Whole weeks, so that the matrices' columns fall on round times.
    let weeks = (span as f64 / 7.0).ceil();
    let weekly = SummaryOptions::new(end).unit(TimeUnit::Weeks);

    // Fitted on the calibration period, checked on the holdout.
    let split = log.calibration_holdout(calibration_end, &weekly)?;
    let fit_options = FitOptions::default();
    let bg = BetaGeo::fit(&FrequencyData::from_calibration(&split), &fit_options)?.model;
    let calibration = log.summarize(&SummaryOptions::new(calibration_end).unit(TimeUnit::Weeks));
    let step_days = u32::try_from((span / 80).max(1))?;
    let tracking = models::tracking(&bg, log, &weekly, step_days)?;
    let histogram = models::repeat_histogram(&bg, &calibration, 7)?;
    let by_frequency = models::holdout_by_frequency(&bg, &split, 7)?;
    // Churn scores at the end of calibration against the holdout: churned
    // customers made no purchase in the holdout.
    let churn_scores = churn::scores(&bg, &calibration, holdout_days, &RiskBands::default())?;
    let holdout: HashMap<&C, bool> = split
        .customers
        .iter()
        .map(|c| (&c.customer, c.frequency_holdout == 0))
        .collect();
    let (scores, churned): (Vec<f64>, Vec<bool>) = churn_scores
        .iter()
        .filter_map(|c| Some((c.p_churn, *holdout.get(&c.customer)?)))
        .unzip();

    // Today's view: fitted on everything up to the end.
    let summaries = log.summarize(&weekly);
    let bg_now = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &fit_options)?.model;
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &fit_options)?.model;
    let values = customer_lifetime_values(&bg_now, &gg, &summaries, &ClvOptions::default())?;
    let cohorts = metrics::cohort_retention(log, &weekly, Granularity::Month)?;
    let rate = metrics::repurchase_rate(&summaries);
    let daily = SummaryOptions::new(end);
    let cycle = metrics::purchase_cycle(log, &daily, &Default::default());
    let second = metrics::time_to_second_purchase(log, &daily);
    let segments = rfm::score(&log.summarize(&daily), &RfmOptions::default())?;
    let half_year_ago = end.checked_sub_days(Days::new(182)).ok_or("bad date")?;
    let moves = lifecycle::transitions(
        log,
        half_year_ago.max(first),
        end,
        &LifecycleOptions::default(),
        &[],
    )?;

    let mut top: Vec<_> = values.iter().zip(summaries.iter()).collect();
    top.sort_by(|a, b| b.0.clv.total_cmp(&a.0.clv));
    let mut rows = String::new();
    for (value, s) in top.iter().take(10) {
        let p_alive = bg_now.p_alive(f64::from(s.frequency), s.recency, s.t)?;
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>${}</td><td>{:.0}%</td><td>${:.2}</td></tr>",
            html_text(&s.customer.to_string()),
            s.orders,
            s.total_spend.round_dp(2),
            p_alive * 100.0,
            value.clv
        );
    }
    let total_clv: f64 = values.iter().map(|v| v.clv).sum();
    let rows_per_matrix = 30.min(1 + summaries.iter().map(|s| s.frequency).max().unwrap_or(0));

    let svgs = vec![
        ("tracking", charts::tracking(&tracking, Some(calibration_end))),
        ("repeat_histogram", charts::repeat_histogram(&histogram)),
        (
            "holdout_by_frequency",
            charts::holdout_by_frequency(&by_frequency),
        ),
        ("churn_calibration", charts::churn_calibration(&scores, &churned)?),
        (
            "probability_alive",
            charts::probability_alive_matrix(&bg_now, weeks, rows_per_matrix, 39)?,
        ),
        (
            "expected_purchases",
            charts::expected_purchases_matrix(&bg_now, weeks, 52.0, rows_per_matrix, 39)?,
        ),
        ("cohort_retention", charts::cohort_retention(&cohorts)),
        ("lifecycle_transitions", charts::lifecycle_transitions(&moves)),
        (
            "time_to_second_purchase",
            charts::time_to_second_purchase(&second),
        ),
        ("purchase_cycle", charts::purchase_cycle(&cycle)),
        (
            "rfm_segments",
            charts::rfm_segments(&segments, &SegmentTable::r_rfm()),
        ),
    ];
    let chart = |name: &str| {
        svgs.iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, svg)| svg.as_str())
    };
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Repurchase report: {source}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1600px; color: #222; }}
.tiles {{ display: flex; gap: 1rem; flex-wrap: wrap; }}
.tile {{ border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem 1.2rem; min-width: 10rem; }}
.tile b {{ display: block; font-size: 1.6rem; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(760px, 1fr)); gap: 1rem; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 0.3rem 0.8rem; border-bottom: 1px solid #eee; text-align: right; }}
</style></head><body>
<h1>Repurchase report: {source}</h1>
<p>{customers} customers, purchases from {first} to {end}; the model is BG/NBD, fitted on the purchases to {calibration_end} and checked on the {holdout_weeks} weeks after.</p>
<div class="tiles">
<div class="tile"><b>{repeat:.1}%</b>bought again</div>
<div class="tile"><b>{customers}</b>customers</div>
<div class="tile"><b>${total_clv:.0}</b>expected in the next 12 months</div>
</div>
<h2>Does the model hold?</h2>
<div class="charts">{tracking}{histogram}{by_frequency}{calibration_chart}</div>
<h2>Who is still with us?</h2>
<div class="charts">{alive}{expected}{cohorts}{moves}</div>
<h2>How do they buy?</h2>
<div class="charts">{second}{cycle}{segments}</div>
<h2>Top customers by 12-month CLV</h2>
<table><tr><th>customer</th><th>orders</th><th>spent</th><th>P(alive)</th><th>CLV</th></tr>{rows}</table>
</body></html>
"#,
        source = html_text(source),
        customers = summaries.len(),
        holdout_weeks = (f64::from(holdout_days) / 7.0).round(),
        repeat = rate.rate.unwrap_or(0.0) * 100.0,
        tracking = chart("tracking"),
        histogram = chart("repeat_histogram"),
        by_frequency = chart("holdout_by_frequency"),
        calibration_chart = chart("churn_calibration"),
        alive = chart("probability_alive"),
        expected = chart("expected_purchases"),
        cohorts = chart("cohort_retention"),
        moves = chart("lifecycle_transitions"),
        second = chart("time_to_second_purchase"),
        cycle = chart("purchase_cycle"),
        segments = chart("rfm_segments"),
    );
    Ok(Report { page, svgs })
}

/// Text made safe to place in HTML.
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
