//! Times the columnar route from a CSV file to per-customer summaries, the
//! way `benches/anchor_polars.py` times Polars' `scan_csv` straight into its
//! fastest summary: the file read with `arrow-csv` into record batches (in
//! as many pieces as there are threads), the log built from the batches,
//! and summarised, all of it timed.
//!
//! ```text
//! cargo run --release --features example-io --example bench_arrow -- p10m.csv --as-of 2025-12-29 [--parquet p10m.parquet] [--repeat 3]
//! cargo run --release --features example-io,parallel --example bench_arrow -- p10m.csv --as-of 2025-12-29
//! ```
//!
//! With `--parquet FILE` (the same rows, as `gen_purchases --parquet`
//! writes them) it also times the Parquet file to summaries, its row
//! groups read on as many threads.
//!
//! The CSV is `customer_id,date,amount` with a header, integer ids, ISO
//! dates and amounts with at most two decimals, as `examples/gen_purchases.rs`
//! writes it; they are read as `UInt64`, `Date32` and `Decimal128(18, 2)`
//! (exact cents). Prints a report on stderr and one JSON line on stdout
//! (for `benches/compare.sh`); each time is the median of `--repeat` runs.

use std::io::Cursor;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use chrono::NaiveDate;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use repurchase::arrow::BatchColumns;
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Threads for reading the file: all cores with the `parallel` feature.
fn threads() -> usize {
    if cfg!(feature = "parallel") {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    }
}

/// The CSV's bytes as record batches: cut into `pieces` at line ends, each
/// piece parsed on its own thread, batches in file order.
fn read_batches(bytes: &[u8], schema: &Arc<Schema>, pieces: usize) -> AnyResult<Vec<RecordBatch>> {
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    let body = bytes.get(header_end..).unwrap_or_default();
    let mut cuts = vec![0];
    for k in 1..pieces {
        let guess = body.len() * k / pieces;
        let from = (*cuts.last().unwrap_or(&0)).max(guess);
        let cut = body
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(body.len(), |i| from + i + 1);
        cuts.push(cut);
    }
    cuts.push(body.len());
    let pieces: Vec<&[u8]> = cuts
        .iter()
        .zip(cuts.iter().skip(1))
        .map(|(&from, &to)| body.get(from..to).unwrap_or_default())
        .collect();
    on_threads(pieces, |piece| {
        let reader = arrow_csv::ReaderBuilder::new(schema.clone())
            .with_header(false)
            .with_batch_size(128 * 1024)
            .build(Cursor::new(piece))?;
        Ok(reader.collect::<Result<Vec<_>, _>>()?)
    })
}

/// `read` of each piece on a thread of its own; the batches in piece order.
fn on_threads<P: Send>(
    pieces: Vec<P>,
    read: impl Fn(P) -> Result<Vec<RecordBatch>, Box<dyn std::error::Error + Send + Sync>> + Sync,
) -> AnyResult<Vec<RecordBatch>> {
    std::thread::scope(|scope| {
        let read = &read;
        let handles: Vec<_> = pieces
            .into_iter()
            .map(|piece| scope.spawn(move || read(piece)))
            .collect();
        let mut batches = Vec::new();
        for handle in handles {
            batches.extend(
                handle
                    .join()
                    .map_err(|_| "a reader thread panicked")?
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok(batches)
    })
}

/// A Parquet file's record batches, its row groups shared out among
/// `threads` readers, batches in file order.
fn read_parquet(path: &str, threads: usize) -> AnyResult<Vec<RecordBatch>> {
    let groups = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path)?)?
        .metadata()
        .num_row_groups();
    let per_thread = groups.div_ceil(threads.max(1)).max(1);
    let shares: Vec<Vec<usize>> = (0..groups)
        .collect::<Vec<_>>()
        .chunks(per_thread)
        .map(<[usize]>::to_vec)
        .collect();
    on_threads(shares, |share| {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path)?)?
            .with_row_groups(share)
            .with_batch_size(128 * 1024)
            .build()?;
        Ok(reader.collect::<Result<Vec<_>, _>>()?)
    })
}

/// A `/proc/self/status` figure in bytes (`VmRSS`, `VmHWM`); `None` where
/// the system has no such file.
fn memory_status(field: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs `build` and returns what it returns, with the most memory it added
/// at once to the process's resident memory (Linux: the peak is reset
/// first through `/proc/self/clear_refs`; elsewhere `None`).
fn peak_added<T>(build: impl FnOnce() -> T) -> (T, Option<usize>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = memory_status("VmRSS:");
    let made = build();
    let peak = memory_status("VmHWM:");
    let added = before
        .zip(peak)
        .filter(|_| reset)
        .map(|(b, p)| p.saturating_sub(b));
    (made, added)
}

/// One route's timing: the median run's seconds, whole and by step, and
/// what the last run read and made.
struct Route {
    total_s: f64,
    read_s: f64,
    build_s: f64,
    summarize_s: f64,
    rows: usize,
    batch_bytes: usize,
    customers: usize,
    /// The most memory building the log added, over the runs.
    build_peak_bytes: Option<usize>,
}

impl Route {
    /// One line on stderr: the whole and each step.
    fn report(&self, what: &str) {
        eprintln!(
            "  {what} {:8.3} s (read {:.3} s + build {:.3} s + summarize {:.3} s)",
            self.total_s, self.read_s, self.build_s, self.summarize_s
        );
    }
}

/// The median of `repeat` runs of reading (with `read`), building and
/// summarising.
fn time_route(
    repeat: usize,
    read: impl Fn() -> AnyResult<Vec<RecordBatch>>,
    columns: &BatchColumns,
    options: &SummaryOptions,
) -> AnyResult<Route> {
    let mut runs = Vec::with_capacity(repeat);
    let mut last = None;
    let mut build_peak_bytes = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let batches = read()?;
        let read_s = start.elapsed().as_secs_f64();
        let (log, added) = peak_added(|| PurchaseLog::<u64>::from_batches(&batches, columns));
        let log = log?;
        let build_s = start.elapsed().as_secs_f64() - read_s;
        build_peak_bytes = build_peak_bytes.max(added);
        let summaries = log.summarize(options);
        let total_s = start.elapsed().as_secs_f64();
        runs.push((total_s, read_s, build_s, total_s - read_s - build_s));
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let batch_bytes: usize = batches.iter().map(RecordBatch::get_array_memory_size).sum();
        // Dropped outside the timing.
        last = Some((rows, batch_bytes, summaries.len()));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total_s, read_s, build_s, summarize_s) = runs.get(runs.len() / 2).copied().ok_or("no run")?;
    let (rows, batch_bytes, customers) = last.ok_or("no run")?;
    Ok(Route {
        total_s,
        read_s,
        build_s,
        summarize_s,
        rows,
        batch_bytes,
        customers,
        build_peak_bytes,
    })
}

fn main() -> AnyResult<()> {
    let usage = "usage: bench_arrow FILE.csv --as-of YYYY-MM-DD [--parquet FILE.parquet] [--repeat N]";
    let (mut csv, mut as_of, mut repeat, mut parquet) = (None, None, 3_usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--as-of" => as_of = Some(NaiveDate::from_str(&args.next().ok_or(usage)?)?),
            "--repeat" => repeat = args.next().ok_or(usage)?.parse::<usize>()?.max(1),
            "--parquet" => parquet = Some(args.next().ok_or(usage)?),
            _ if csv.is_none() && !arg.starts_with("--") => csv = Some(arg),
            _ => return Err(usage.into()),
        }
    }
    let (csv, as_of) = (csv.ok_or(usage)?, as_of.ok_or(usage)?);
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::UInt64, false),
        Field::new("date", DataType::Date32, false),
        Field::new("amount", DataType::Decimal128(18, 2), false),
    ]));
    let columns = BatchColumns::new("customer_id", "date", "amount");
    // The summary the anchors compute: day periods, recency and T in weeks.
    let options = SummaryOptions::new(as_of).unit(TimeUnit::Weeks);

    let read_csv = || -> AnyResult<Vec<RecordBatch>> {
        let bytes = std::fs::read(&csv)?;
        read_batches(&bytes, &schema, threads())
    };
    let csv_route = time_route(repeat, read_csv, &columns, &options)?;
    eprintln!(
        "{} purchases, {} customers from {csv}, {} thread(s)",
        csv_route.rows,
        csv_route.customers,
        threads()
    );
    csv_route.report("CSV file → summaries    ");
    let mut json = format!(
        "{{\"tool\":\"repurchase-arrow\",\"threads\":{},\"rows\":{},\"customers\":{},\"batch_bytes\":{},\"csv_to_summary_s\":{},\"read_s\":{},\"build_s\":{},\"summarize_s\":{}",
        threads(),
        csv_route.rows,
        csv_route.customers,
        csv_route.batch_bytes,
        csv_route.total_s,
        csv_route.read_s,
        csv_route.build_s,
        csv_route.summarize_s
    );
    if let Some(parquet) = &parquet {
        let route = time_route(repeat, || read_parquet(parquet, threads()), &columns, &options)?;
        eprintln!(
            "{} purchases, {} customers from {parquet}",
            route.rows, route.customers
        );
        route.report("Parquet file → summaries");
        json.push_str(&format!(
            ",\"parquet_to_summary_s\":{},\"parquet_read_s\":{}",
            route.total_s, route.read_s
        ));
    }
    if let Some(peak) = csv_route.build_peak_bytes {
        eprintln!(
            "  building the log added at most {} MiB, {:.2}× the batches' own {} MiB",
            peak >> 20,
            peak as f64 / csv_route.batch_bytes as f64,
            csv_route.batch_bytes >> 20
        );
        json.push_str(&format!(",\"build_peak_bytes\":{peak}"));
    }
    println!("{json}}}");
    Ok(())
}
