//! From a purchases Parquet file to a per-customer report: read with the
//! `parquet` crate into record batches, build the log from the batches,
//! summarise, score RFM segments, fit BG/NBD and Gamma-Gamma, value each
//! customer over 12 months, and write one row per customer back to Parquet.
//!
//! ```text
//! cargo run --release --features example-io --example parquet_report -- purchases.parquet [--as-of YYYY-MM-DD] [--out report.parquet]
//! ```
//!
//! The file has the columns `customer_id` (integers or text), `date`
//! (`Date32`, `Date64` or a timestamp) and `amount` (`Decimal128`, or
//! `Float64`); other columns are ignored, and only those three are read.
//! Snappy and Zstandard compression are built in. Without a file it writes
//! the embedded CDNOW sample to a Parquet file in the temporary directory
//! and reads that; without
//! `--as-of`, the observation ends on the last purchase day; without
//! `--out`, it prints the first rows.

use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, UInt32Array};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use repurchase::arrow::BatchColumns;

#[path = "common/report.rs"]
mod report;

use report::{AnyResult, Args, print_head, report_any};

fn main() -> AnyResult<()> {
    let args =
        Args::parse("usage: parquet_report [purchases.parquet] [--as-of YYYY-MM-DD] [--out report.parquet]")?;
    let file = match &args.input {
        Some(path) => std::fs::File::open(path)?,
        None => write_sample_parquet()?,
    };
    let columns = BatchColumns::new("customer_id", "date", "amount");
    let batches = read_parquet(file, &columns)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let source = args.input.as_deref().unwrap_or("the embedded CDNOW sample");
    eprintln!("read {rows} purchases from {source}");
    let report = report_any(&batches, &columns, args.as_of)?;
    match args.out {
        Some(out) => {
            let mut writer = ArrowWriter::try_new(std::fs::File::create(&out)?, report.schema(), None)?;
            writer.write(&report)?;
            writer.close()?;
            eprintln!("wrote {} customers to {out}", report.num_rows());
        }
        None => print_head(&report)?,
    }
    Ok(())
}

/// The purchase columns of a Parquet file as record batches: only the
/// three named columns are decoded.
fn read_parquet<R: parquet::file::reader::ChunkReader + 'static>(
    input: R,
    columns: &BatchColumns,
) -> AnyResult<Vec<RecordBatch>> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(input)?;
    let wanted = [
        columns.customer_column(),
        columns.time_column(),
        columns.amount_column(),
    ];
    let mask = ProjectionMask::columns(builder.parquet_schema(), wanted);
    let reader = builder.with_projection(mask).with_batch_size(64 * 1024).build()?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

/// The embedded CDNOW sample written to a Parquet file in the temporary
/// directory, opened for reading: `UInt32` ids, `Date32` days,
/// `Decimal128(10, 2)` dollars.
fn write_sample_parquet() -> AnyResult<std::fs::File> {
    let purchases = repurchase::datasets::cdnow_sample_purchases();
    let batch = RecordBatch::try_from_iter([
        (
            "customer_id",
            Arc::new(UInt32Array::from_iter_values(
                purchases.iter().map(|p| p.customer),
            )) as ArrayRef,
        ),
        (
            "date",
            Arc::new(Date32Array::from_iter_values(
                purchases
                    .iter()
                    .map(|p| p.at.unix_seconds().div_euclid(86_400) as i32),
            )) as ArrayRef,
        ),
        (
            "amount",
            Arc::new(
                Decimal128Array::from_iter_values(purchases.iter().map(|p| cents(p.amount)))
                    .with_precision_and_scale(10, 2)?,
            ) as ArrayRef,
        ),
    ])?;
    let path = std::env::temp_dir().join("repurchase_cdnow_sample.parquet");
    let mut writer = ArrowWriter::try_new(std::fs::File::create(&path)?, batch.schema(), None)?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(std::fs::File::open(&path)?)
}

/// An amount in cents (an amount with more decimals is rounded).
fn cents(amount: rust_decimal::Decimal) -> i128 {
    let mut amount = amount;
    amount.rescale(2);
    amount.mantissa()
}
