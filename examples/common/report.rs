//! The per-customer report that `csv_report` and `parquet_report` write:
//! record batches in, one record batch out.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use repurchase::arrow::{ArrowKey, BatchColumns, summaries_to_batch};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
use repurchase::rfm::{self, RfmOptions, SegmentTable};
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};

pub type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The command line both report examples take:
/// `[FILE] [--as-of YYYY-MM-DD] [--out FILE]`.
pub struct Args {
    /// The purchases file; `None` for the embedded sample.
    pub input: Option<String>,
    /// The observation end; `None` for the last purchase day.
    pub as_of: Option<NaiveDate>,
    /// Where to write the report; `None` to print its first rows.
    pub out: Option<String>,
}

impl Args {
    pub fn parse(usage: &'static str) -> AnyResult<Self> {
        let mut parsed = Args {
            input: None,
            as_of: None,
            out: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--as-of" => parsed.as_of = Some(args.next().ok_or(usage)?.parse()?),
                "--out" => parsed.out = Some(args.next().ok_or(usage)?),
                _ if parsed.input.is_none() && !arg.starts_with("--") => parsed.input = Some(arg),
                _ => return Err(usage.into()),
            }
        }
        Ok(parsed)
    }
}

/// Prints the report's first rows as CSV, for a run without `--out`.
pub fn print_head(report: &RecordBatch) -> AnyResult<()> {
    let mut writer = arrow_csv::Writer::new(std::io::stdout());
    writer.write(&report.slice(0, report.num_rows().min(5)))?;
    eprintln!(
        "… {} customers in all; --out FILE writes every row",
        report.num_rows()
    );
    Ok(())
}

/// The report with customer keys as the id column has them: signed
/// integers as `i64`, unsigned as `u64`, anything else as text.
pub fn report_any(
    batches: &[RecordBatch],
    columns: &BatchColumns,
    as_of: Option<NaiveDate>,
) -> AnyResult<RecordBatch> {
    use arrow_schema::DataType;
    let customer = batches
        .first()
        .and_then(|b| b.column_by_name(columns.customer_column()));
    match customer.map(|c| c.data_type().clone()) {
        Some(DataType::Int32 | DataType::Int64) => report::<i64>(batches, columns, as_of),
        Some(DataType::UInt32 | DataType::UInt64) => report::<u64>(batches, columns, as_of),
        _ => report::<String>(batches, columns, as_of),
    }
}

/// Summaries, RFM segment, P(alive) and 12-month CLV for every customer,
/// as one record batch.
pub fn report<C: ArrowKey>(
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

    let scores = rfm::score(&summaries, &RfmOptions::default())?;
    let table = SegmentTable::r_rfm();
    let segments: Vec<&str> = table
        .assign(&scores)
        .into_iter()
        .map(|s| table.name(s.segment))
        .collect();

    let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
    let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
    eprintln!("BG/NBD {:?}\nGamma-Gamma {:?}", fit.model, spend.model);
    let p_alive = summaries
        .iter()
        .map(|s| fit.model.p_alive(f64::from(s.frequency), s.recency, s.t))
        .collect::<Result<Vec<f64>, _>>()?;
    let clv = customer_lifetime_values(&fit.model, &spend.model, &summaries, &ClvOptions::new())?;

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
    fields.push((
        "clv_12m".into(),
        Arc::new(Float64Array::from_iter_values(clv.iter().map(|v| v.clv))),
    ));
    Ok(RecordBatch::try_from_iter(fields)?)
}
