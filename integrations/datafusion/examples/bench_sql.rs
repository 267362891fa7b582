//! Times SQL over a Parquet purchase log to per-customer summaries, for
//! `benches/compare.sh`: one JSON line with the best of `--repeat` runs.
//!
//! ```text
//! cargo run --release -p repurchase-datafusion --example bench_sql -- p10m.parquet --as-of 2025-12-29 [--repeat 3]
//! ```
//!
//! The file has `gen_purchases --parquet`'s columns: `customer_id`,
//! `date` and `amount`. The query runs on as many partitions as there are
//! cores (run it under `taskset -c 0` for one).

use std::error::Error;
use std::time::Instant;

use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use repurchase::chrono::NaiveDate;
use repurchase::{SummaryOptions, TimeUnit};
use repurchase_datafusion::{FunctionOptions, register};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let usage = "usage: bench_sql FILE.parquet --as-of YYYY-MM-DD [--repeat N]";
    let mut args = std::env::args().skip(1);
    let (mut file, mut as_of, mut repeat) = (None, None, 3_usize);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--as-of" => as_of = Some(args.next().ok_or(usage)?.parse::<NaiveDate>()?),
            "--repeat" => repeat = args.next().ok_or(usage)?.parse()?,
            _ => file = Some(arg),
        }
    }
    let (file, as_of) = (file.ok_or(usage)?, as_of.ok_or(usage)?);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut best = f64::INFINITY;
    let mut customers = 0;
    for _ in 0..repeat.max(1) {
        // A fresh session each time: the file is read and planned anew.
        let started = Instant::now();
        let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(threads));
        register(
            &ctx,
            FunctionOptions::new(SummaryOptions::new(as_of).unit(TimeUnit::Weeks)),
        );
        ctx.register_parquet("purchases", &file, ParquetReadOptions::default())
            .await?;
        let sql =
            "SELECT customer_id, customer_summary(date, amount) AS s FROM purchases GROUP BY customer_id";
        let batches = ctx.sql(sql).await?.collect().await?;
        best = best.min(started.elapsed().as_secs_f64());
        customers = batches.iter().map(|b| b.num_rows()).sum();
    }
    println!(
        "{{\"tool\":\"repurchase-datafusion\",\"threads\":{threads},\"customers\":{customers},\"sql_parquet_to_summary_s\":{best}}}"
    );
    Ok(())
}
