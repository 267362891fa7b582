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
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_csv::reader::Format;
use repurchase::arrow::BatchColumns;

#[path = "common/report.rs"]
mod report;

use report::{AnyResult, Args, print_head, report_any};

fn main() -> AnyResult<()> {
    let args = Args::parse("usage: csv_report [purchases.csv] [--as-of YYYY-MM-DD] [--out report.csv]")?;
    let batches = match &args.input {
        Some(path) => read_csv(std::fs::File::open(path)?)?,
        None => read_csv(Cursor::new(embedded_sample_csv()))?,
    };
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let source = args.input.as_deref().unwrap_or("the embedded CDNOW sample");
    eprintln!("read {rows} purchases from {source}");
    // Integer ids stay integers; anything else is read as text.
    let report = report_any(
        &batches,
        &BatchColumns::new("customer_id", "date", "amount"),
        args.as_of,
    )?;
    match args.out {
        Some(out) => {
            let mut writer = arrow_csv::Writer::new(std::fs::File::create(&out)?);
            writer.write(&report)?;
            eprintln!("wrote {} customers to {out}", report.num_rows());
        }
        None => print_head(&report)?,
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
