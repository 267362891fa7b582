//! Times the columnar route from a CSV file to per-customer summaries, the
//! way `benches/anchor_polars.py` times Polars' `scan_csv` straight into its
//! fastest summary: the file read into record batches (in as many pieces as
//! there are threads), the log built from the batches, and summarised, all
//! of it timed. The CSV is read twice over: with `arrow-csv`, and with
//! `simd-csv` and this file's own field parsers, the fastest of the readers
//! we measured on the 9.2M-row file on one core: arrow-csv took 1.6× its
//! time from the file to record batches, and the `csv` crate 1.3× its time
//! to split and parse the fields.
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
use chrono::{Datelike, NaiveDate};
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
/// piece parsed by arrow-csv on its own thread, batches in file order.
fn read_batches(bytes: &[u8], schema: &Arc<Schema>, pieces: usize) -> AnyResult<Vec<RecordBatch>> {
    on_threads(cut(bytes, pieces), |piece| {
        let reader = arrow_csv::ReaderBuilder::new(schema.clone())
            .with_header(false)
            .with_batch_size(128 * 1024)
            .build(Cursor::new(piece))?;
        Ok(reader.collect::<Result<Vec<_>, _>>()?)
    })
}

/// The CSV's bytes as record batches, a piece a thread, read with
/// `simd-csv` (field ends found with SIMD searches) and this file's own
/// field parsers into the three arrays: about twice as fast as arrow-csv
/// here, as the columns' types are known and need no general parsing.
fn read_batches_simd(bytes: &[u8], schema: &Arc<Schema>, pieces: usize) -> AnyResult<Vec<RecordBatch>> {
    on_threads(cut(bytes, pieces), |piece| {
        let mut reader = simd_csv::ZeroCopyReaderBuilder::new()
            .has_headers(false)
            .from_reader(piece);
        let rows = piece.len() / 20;
        let (mut ids, mut days, mut cents) = (
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
        );
        while let Some(record) = reader.read_byte_record()? {
            let field = |i: usize| record.unescape(i).unwrap_or_default();
            let number = ids.len() + 1;
            let bad = |what: &str| format!("bad {what} in record {number} of a piece");
            ids.push(digits(&field(0)).ok_or_else(|| bad("customer_id"))?);
            days.push(unix_days(&field(1)).ok_or_else(|| bad("date"))?);
            cents.push(i128::from(parse_cents(&field(2)).ok_or_else(|| bad("amount"))?));
        }
        let columns: Vec<arrow_array::ArrayRef> = vec![
            Arc::new(arrow_array::UInt64Array::from(ids)),
            Arc::new(arrow_array::Date32Array::from(days)),
            Arc::new(arrow_array::Decimal128Array::from(cents).with_precision_and_scale(18, 2)?),
        ];
        Ok(vec![RecordBatch::try_new(schema.clone(), columns)?])
    })
}

/// Digits as a number; `None` for anything else or past `u64`.
fn digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0_u64, |n, &c| {
        c.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(c - b'0')))?
    })
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn unix_days(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let number = |r: std::ops::Range<usize>| digits(b.get(r)?).and_then(|n| u32::try_from(n).ok());
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(5..7)?, number(8..10)?)?;
    // Days from 0001-01-01 (day 1) to 1970-01-01.
    date.num_days_from_ce().checked_sub(719_163)
}

/// A decimal amount with at most two decimals (`-12.5`, `3`, `19.99`) in
/// cents.
fn parse_cents(b: &[u8]) -> Option<i64> {
    let (negative, number) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (whole, fraction) = match number.iter().position(|&c| c == b'.') {
        Some(dot) => (number.get(..dot)?, number.get(dot + 1..)?),
        None => (number, &[][..]),
    };
    let scale = [100, 10, 1].get(fraction.len()).copied()?;
    let fraction = if fraction.is_empty() {
        Some(0)
    } else {
        digits(fraction)
    };
    let cents = digits(whole)?.checked_mul(100)?.checked_add(fraction? * scale)?;
    let cents = i64::try_from(cents).ok()?;
    Some(if negative { -cents } else { cents })
}

/// A file's bytes, read in `threads` consecutive parts at once, so that the
/// copy out of the page cache and the buffer's first touch are shared.
fn read_file(path: &str, threads: usize) -> AnyResult<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len())?;
    // Zeroed by the allocator (fresh pages): no pass of its own.
    let mut bytes = vec![0_u8; len];
    let part = len.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = bytes
            .chunks_mut(part)
            .zip((0_u64..).step_by(part))
            .map(|(chunk, at)| {
                let file = &file;
                scope.spawn(move || file.read_exact_at(chunk, at))
            })
            .collect();
        for handle in handles {
            handle.join().map_err(|_| "a reader thread panicked")??;
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    Ok(bytes)
}

/// The body of a CSV (after its header line) cut at line ends into
/// `pieces` of about equal size.
fn cut(bytes: &[u8], pieces: usize) -> Vec<&[u8]> {
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
    cuts.iter()
        .zip(cuts.iter().skip(1))
        .map(|(&from, &to)| body.get(from..to).unwrap_or_default())
        .collect()
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
        let bytes = read_file(&csv, threads())?;
        read_batches(&bytes, &schema, threads())
    };
    let csv_route = time_route(repeat, read_csv, &columns, &options)?;
    eprintln!(
        "{} purchases, {} customers from {csv}, {} thread(s)",
        csv_route.rows,
        csv_route.customers,
        threads()
    );
    csv_route.report("CSV file → summaries, arrow-csv");
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
    let read_csv_simd = || -> AnyResult<Vec<RecordBatch>> {
        let bytes = read_file(&csv, threads())?;
        read_batches_simd(&bytes, &schema, threads())
    };
    let simd_route = time_route(repeat, read_csv_simd, &columns, &options)?;
    simd_route.report("CSV file → summaries, simd-csv");
    json.push_str(&format!(
        ",\"csv_simd_to_summary_s\":{},\"csv_simd_read_s\":{}",
        simd_route.total_s, simd_route.read_s
    ));
    if let Some(parquet) = &parquet {
        let route = time_route(repeat, || read_parquet(parquet, threads()), &columns, &options)?;
        eprintln!(
            "{} purchases, {} customers from {parquet}",
            route.rows, route.customers
        );
        route.report("Parquet file → summaries       ");
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
