//! From purchases in Parquet files to the top customers by CLV, in one SQL
//! query on DataFusion.
//!
//! ```text
//! cargo run --release -p repurchase-datafusion --example sql [DIR] [END]
//! ```
//!
//! DIR holds Parquet files with the columns `customer`, `at` (a date or
//! timestamp) and `amount` (a decimal or double); without it, the example
//! writes the embedded CDNOW sample there first, in four files. END is the
//! observation end (default 1998-06-30, the sample's last day).

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Decimal128Array, RecordBatch, TimestampSecondArray, UInt64Array};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use repurchase::chrono::NaiveDate;
use repurchase::datasets::cdnow_sample_purchases;
use repurchase::rust_decimal::Decimal;
use repurchase::{SummaryOptions, TimeUnit};
use repurchase_datafusion::{FunctionOptions, register};

/// Purchases to the top customers by 12-month CLV, with the fitted
/// models' P(alive) and each customer's RFM segment.
const TOP_CUSTOMERS: &str = "
WITH summaries AS (
    SELECT customer, customer_summary(at, amount) AS s
    FROM purchases
    GROUP BY customer
),
fitted AS (
    SELECT fit_bgnbd(s['frequency'], s['recency'], s['t']) AS bg,
           fit_gamma_gamma(s['frequency'], s['monetary_value']) AS gg
    FROM summaries
),
segments AS (
    SELECT customer, rfm(customer, s) OVER () AS rfm FROM summaries
)
SELECT summaries.customer,
       s['orders'] AS orders,
       CAST(s['total_spend'] AS DECIMAL(12, 2)) AS spent,
       round(p_alive(bg, s['frequency'], s['recency'], s['t']), 3) AS p_alive,
       round(clv(bg, gg, s['frequency'], s['recency'], s['t'], s['monetary_value']), 2) AS clv_12_months,
       rfm['segment'] AS segment
FROM summaries
CROSS JOIN fitted
JOIN segments ON segments.customer = summaries.customer
ORDER BY clv_12_months DESC
LIMIT 10";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => write_cdnow_sample()?,
    };
    let end = match args.next() {
        Some(day) => day.parse::<NaiveDate>()?,
        None => NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?,
    };

    let ctx = SessionContext::new();
    register(
        &ctx,
        FunctionOptions::new(SummaryOptions::new(end).unit(TimeUnit::Weeks)),
    );
    let path = dir.to_str().ok_or("the directory's name is not UTF-8")?;
    ctx.register_parquet("purchases", path, ParquetReadOptions::default())
        .await?;
    println!(
        "Top customers by 12-month CLV, as of {end}, from {}:",
        dir.display()
    );
    ctx.sql(TOP_CUSTOMERS).await?.show().await?;
    Ok(())
}

/// Writes the embedded CDNOW sample as four Parquet files in a fresh
/// directory under the system's temporary directory.
fn write_cdnow_sample() -> Result<PathBuf, Box<dyn Error>> {
    let purchases = cdnow_sample_purchases();
    let cents = |d: Decimal| (d * Decimal::ONE_HUNDRED).normalize().mantissa();
    let customers: ArrayRef = Arc::new(UInt64Array::from_iter_values(
        purchases.iter().map(|p| u64::from(p.customer)),
    ));
    let times: ArrayRef = Arc::new(
        TimestampSecondArray::from_iter_values(purchases.iter().map(|p| p.at.unix_seconds()))
            .with_timezone_utc(),
    );
    let amounts: ArrayRef = Arc::new(
        Decimal128Array::from_iter_values(purchases.iter().map(|p| cents(p.amount)))
            .with_precision_and_scale(18, 2)?,
    );
    let batch = RecordBatch::try_from_iter([("customer", customers), ("at", times), ("amount", amounts)])?;
    let dir = std::env::temp_dir().join("repurchase-cdnow-sample");
    std::fs::create_dir_all(&dir)?;
    let files = 4;
    let per_file = batch.num_rows().div_ceil(files);
    for k in 0..files {
        let start = (k * per_file).min(batch.num_rows());
        let part = batch.slice(start, per_file.min(batch.num_rows() - start));
        let file = std::fs::File::create(dir.join(format!("part-{k}.parquet")))?;
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None)?;
        writer.write(&part)?;
        writer.close()?;
    }
    Ok(dir)
}
