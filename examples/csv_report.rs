//! From a purchases CSV to a per-customer report: read with `arrow-csv`
//! into record batches, build the log from the batches, summarise, score
//! RFM segments, fit BG/NBD and Gamma-Gamma, value each customer over 12
//! months, and write one row per customer back to CSV.
//!
//! ```text
//! cargo run --release --features example-io --example csv_report -- [purchases.csv] [--as-of YYYY-MM-DD] [--out report.csv]
//! ```
//!
//! The CSV has a header and the columns `customer_id`, `date` and `amount`
//! (other columns are ignored); ids may be integers or text, dates
//! `YYYY-MM-DD`, amounts decimal numbers (refunds negative). Without a
//! file it reads the embedded CDNOW sample, written as such a CSV in
//! memory; without `--as-of`, the observation ends on the last purchase
//! day; without `--out`, the first rows are printed.

use std::io::{Cursor, Read, Seek};
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_csv::reader::Format;
use chrono::NaiveDate;
use repurchase::arrow::{ArrowKey, BatchColumns, summaries_to_batch};
use repurchase::clv::{ClvOptions, ModelTime, customer_lifetime_values};
use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
use repurchase::rfm::{self, RfmConfig, SegmentTable};
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> AnyResult<()> {
    let usage = "usage: csv_report [purchases.csv] [--as-of YYYY-MM-DD] [--out report.csv]";
    let (mut path, mut as_of, mut out) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--as-of" => as_of = Some(NaiveDate::from_str(&args.next().ok_or(usage)?)?),
            "--out" => out = Some(args.next().ok_or(usage)?),
            _ if path.is_none() && !arg.starts_with("--") => path = Some(arg),
            _ => return Err(usage.into()),
        }
    }
    let batches = match &path {
        Some(path) => read_csv(std::fs::File::open(path)?)?,
        None => read_csv(Cursor::new(embedded_sample_csv()))?,
    };
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    eprintln!(
        "read {rows} purchases from {}",
        path.as_deref().unwrap_or("the embedded CDNOW sample")
    );
    let columns = BatchColumns::new("customer_id", "date", "amount");
    // Integer ids stay integers; anything else is read as text.
    let report = match batches
        .first()
        .and_then(|b| b.column_by_name("customer_id"))
        .map(|c| c.data_type().clone())
    {
        Some(arrow_schema::DataType::Int64) => report::<i64>(&batches, &columns, as_of)?,
        _ => report::<String>(&batches, &columns, as_of)?,
    };
    match out {
        Some(out) => {
            let mut writer = arrow_csv::Writer::new(std::fs::File::create(&out)?);
            writer.write(&report)?;
            eprintln!("wrote {} customers to {out}", report.num_rows());
        }
        None => {
            let mut writer = arrow_csv::Writer::new(std::io::stdout());
            writer.write(&report.slice(0, report.num_rows().min(5)))?;
            eprintln!(
                "… {} customers in all; --out FILE writes every row",
                report.num_rows()
            );
        }
    }
    Ok(())
}

/// Reads a CSV with a header into record batches, inferring the column
/// types from the first 1,000 rows (ids Int64 or Utf8, dates Date32,
/// amounts Float64).
fn read_csv<R: Read + Seek>(mut input: R) -> AnyResult<Vec<RecordBatch>> {
    let (schema, _) = Format::default()
        .with_header(true)
        .infer_schema(&mut input, Some(1_000))?;
    input.rewind()?;
    let reader = arrow_csv::ReaderBuilder::new(Arc::new(schema))
        .with_header(true)
        .with_batch_size(64 * 1024)
        .build(input)?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

/// Summaries, RFM segment, P(alive) and 12-month CLV for every customer,
/// as one record batch.
fn report<C: ArrowKey>(
    batches: &[RecordBatch],
    columns: &BatchColumns,
    as_of: Option<NaiveDate>,
) -> AnyResult<RecordBatch> {
    let (log, rejected) = PurchaseLog::<C>::from_batches_lenient(batches, columns)?;
    for r in rejected.iter().take(5) {
        eprintln!("left out: {}", r.reason);
    }
    let last_day = log
        .customers()
        .filter_map(|c| c.timestamps().last())
        .max()
        .map(|t| t.to_datetime().date_naive());
    let as_of = as_of.or(last_day).ok_or("no purchases to report on")?;
    let summaries = log.summarize(&SummaryOptions::new(as_of).unit(TimeUnit::Weeks));
    eprintln!(
        "{} customers as of {as_of}; {} rows left out, {} order lines merged",
        summaries.len(),
        rejected.len(),
        log.stats().merged
    );

    let scores = rfm::score(&summaries.customers, &RfmConfig::default())?;
    let table = SegmentTable::r_rfm();
    let segments: Vec<&str> = table.assign(&scores).into_iter().map(|s| table.name(s)).collect();

    let fit = BetaGeo::fit(
        &FrequencyData::from_summaries(&summaries.customers),
        &FitOptions::default(),
    )?;
    let spend = GammaGamma::fit(
        &SpendData::from_summaries(&summaries.customers)?,
        &FitOptions::default(),
    )?;
    eprintln!("BG/NBD {:?}\nGamma-Gamma {:?}", fit.model, spend.model);
    let p_alive = summaries
        .iter()
        .map(|s| fit.model.p_alive(f64::from(s.frequency), s.recency, s.t))
        .collect::<Result<Vec<f64>, _>>()?;
    let clv = customer_lifetime_values(
        &fit.model,
        &spend.model,
        &summaries.customers,
        &ClvOptions::new(ModelTime::Weeks),
    )?;

    let summary = summaries_to_batch(&summaries.customers)?;
    let mut fields: Vec<(String, ArrayRef)> = summary
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .zip(summary.columns().iter().cloned())
        .collect();
    fields.push(("rfm_segment".into(), Arc::new(StringArray::from(segments))));
    fields.push(("p_alive".into(), Arc::new(Float64Array::from(p_alive))));
    fields.push(("clv_12m".into(), Arc::new(Float64Array::from(clv))));
    Ok(RecordBatch::try_from_iter(fields)?)
}

/// The embedded CDNOW sample as `customer_id,date,amount` text.
fn embedded_sample_csv() -> Vec<u8> {
    let mut csv = String::from("customer_id,date,amount\n");
    for p in repurchase::datasets::cdnow_sample_purchases() {
        csv.push_str(&format!(
            "{},{},{}\n",
            p.customer,
            p.at.to_datetime().date_naive(),
            p.amount
        ));
    }
    csv.into_bytes()
}
