//! Times the crate on a purchase log in CSV, step by step, the way
//! `benches/anchor_lifetimes.py` and `benches/anchor_polars.py` time the
//! Python tools on the same file: parsing first (reported, not counted as
//! compute), then the lifetimes-convention summary, RFM quintiles, the
//! BG/NBD and Gamma-Gamma fits and 12-month CLV for every customer.
//!
//! ```text
//! cargo run --release --example bench_csv -- p10m.csv --as-of 2025-12-29 [--repeat 3] [--once]
//! ```
//!
//! The CSV is `customer_id,date,amount` with a header, as
//! `examples/gen_purchases.rs` writes it. Prints a readable report on stderr and one
//! JSON line on stdout (for `benches/compare.sh`). Each step's time is the
//! median of `--repeat` runs, the fits and CLV included: they take tens of
//! milliseconds here, where one run swings by a third (the lifetimes
//! anchor fits once, in seconds). `--once` runs every step once and builds
//! the log from the parsed purchases themselves rather than a copy, for a
//! peak-memory reading (`/usr/bin/time -v`); the JSON's `purchases_bytes`
//! is their in-memory size.

use std::str::FromStr;
use std::time::Instant;

use chrono::NaiveDate;
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
use repurchase::{Purchase, PurchaseLog, SummaryOptions, TimeUnit, rfm};
use rust_decimal::Decimal;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    csv: String,
    as_of: NaiveDate,
    repeat: usize,
    once: bool,
}

fn args() -> AnyResult<Args> {
    let usage = "usage: bench_csv FILE.csv --as-of YYYY-MM-DD [--repeat N] [--once]";
    let mut csv = None;
    let mut as_of = None;
    let mut repeat = 3;
    let mut once = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--as-of" => as_of = Some(NaiveDate::from_str(&it.next().ok_or(usage)?)?),
            "--repeat" => repeat = it.next().ok_or(usage)?.parse::<usize>()?.max(1),
            "--once" => once = true,
            _ if csv.is_none() && !arg.starts_with("--") => csv = Some(arg),
            _ => return Err(usage.into()),
        }
    }
    Ok(Args {
        csv: csv.ok_or(usage)?,
        as_of: as_of.ok_or(usage)?,
        repeat: if once { 1 } else { repeat },
        once,
    })
}

/// Parses `customer_id,date,amount` lines: u64 ids, ISO dates, decimal
/// amounts. Errors name the line.
fn parse(text: &str) -> AnyResult<Vec<Purchase<u64>>> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == "customer_id,date,amount" => {}
        _ => return Err("expected the header customer_id,date,amount".into()),
    }
    let mut purchases = Vec::with_capacity(text.len() / 24);
    for (number, line) in lines {
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("line {}: bad {what} in {line:?}", number + 1);
        let mut fields = line.split(',');
        let (Some(id), Some(date), Some(amount), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("field count").into());
        };
        let id: u64 = id.parse().map_err(|_| bad("customer_id"))?;
        let date = parse_date(date).ok_or_else(|| bad("date"))?;
        let amount = Decimal::from_str_exact(amount).map_err(|_| bad("amount"))?;
        purchases.push(Purchase::new(id, date, amount));
    }
    Ok(purchases)
}

/// `YYYY-MM-DD`, without chrono's general format parser (4× faster here).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let number = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

/// Median seconds of `repeat` runs of `step`, and its last result.
fn timed<T>(repeat: usize, mut step: impl FnMut() -> AnyResult<T>) -> AnyResult<(f64, T)> {
    timed_on(repeat, || (), |()| step())
}

/// As [`timed`], with a fresh untimed input from `setup` for every run.
fn timed_on<I, T>(
    repeat: usize,
    mut setup: impl FnMut() -> I,
    mut step: impl FnMut(I) -> AnyResult<T>,
) -> AnyResult<(f64, T)> {
    let mut times = Vec::with_capacity(repeat);
    let mut result = None;
    for _ in 0..repeat {
        let input = setup();
        let start = Instant::now();
        let output = step(input)?;
        times.push(start.elapsed().as_secs_f64());
        // Outside the timing: replacing the last result frees it.
        result = Some(output);
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
    Ok((median, result.ok_or("no run")?))
}

/// Threads the parallel steps use: all cores with the `parallel` feature.
fn threads() -> usize {
    if cfg!(feature = "parallel") {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    }
}

fn main() -> AnyResult<()> {
    let args = args()?;
    let start = Instant::now();
    let text = std::fs::read_to_string(&args.csv)?;
    let purchases = parse(&text)?;
    drop(text);
    let parse_s = start.elapsed().as_secs_f64();
    let rows = purchases.len();

    // lifetimes' freq='D' summary with recency and T in weeks (days / 7),
    // the form the anchor fits its models on.
    let options = SummaryOptions::new(args.as_of).unit(TimeUnit::Weeks);
    let purchases_bytes = rows * std::mem::size_of::<Purchase<u64>>();
    let (build_s, log) = if args.once {
        let mut input = Some(purchases);
        timed_on(
            1,
            || input.take().unwrap_or_default(),
            |p| Ok(PurchaseLog::new(p)?),
        )?
    } else {
        timed_on(args.repeat, || purchases.clone(), |p| Ok(PurchaseLog::new(p)?))?
    };
    let (summarize_s, summaries) = timed(args.repeat, || Ok(log.summarize(&options)))?;
    let customers = summaries.len();
    let repeaters = summaries.iter().filter(|s| s.frequency > 0).count();

    let config = rfm::RfmOptions::default();
    let (rfm_s, scores) = timed(args.repeat, || Ok(rfm::score(&summaries, &config)?))?;
    assert_eq!(scores.customers.len(), customers);

    let fit_options = FitOptions::default();
    let data = FrequencyData::from_summaries(&summaries);
    let (bgnbd_fit_s, bg) = timed(args.repeat, || Ok(BetaGeo::fit(&data, &fit_options)?.model))?;
    let spend = SpendData::from_summaries(&summaries);
    let (gg_fit_s, gg) = timed(args.repeat, || Ok(GammaGamma::fit(&spend, &fit_options)?.model))?;
    // lifetimes' customer_lifetime_value(..., time=12, discount_rate=0.01, freq='W').
    let clv_options = ClvOptions::new().days_per_month(4.345 * 7.0);
    let (clv_s, clv) = timed(args.repeat, || {
        Ok(customer_lifetime_values(&bg, &gg, &summaries, &clv_options)?)
    })?;
    let clv_total: f64 = clv.iter().map(|v| v.clv).sum();

    let summary_s = build_s + summarize_s;
    eprintln!(
        "{rows} purchases, {customers} customers ({repeaters} repeat) from {}",
        args.csv
    );
    eprintln!("  parse CSV          {parse_s:8.3} s (not counted)");
    eprintln!(
        "  summary            {summary_s:8.3} s (build log {build_s:.3} s + summarize {summarize_s:.3} s)"
    );
    eprintln!("  RFM quintiles      {rfm_s:8.3} s");
    eprintln!(
        "  BG/NBD fit         {bgnbd_fit_s:8.3} s  r {:.4} α {:.4} a {:.4} b {:.4}",
        bg.r(),
        bg.alpha(),
        bg.a(),
        bg.b()
    );
    eprintln!(
        "  Gamma-Gamma fit    {gg_fit_s:8.3} s  p {:.4} q {:.4} γ {:.4}",
        gg.p(),
        gg.q(),
        gg.gamma()
    );
    eprintln!("  12-month CLV       {clv_s:8.3} s  total {clv_total:.2}");
    println!(
        concat!(
            "{{\"tool\":\"repurchase\",\"threads\":{},\"rows\":{},\"purchases_bytes\":{},\"customers\":{},\"repeaters\":{},",
            "\"load_s\":{},\"build_s\":{},\"summarize_s\":{},\"summary_s\":{},\"rfm_s\":{},",
            "\"bgnbd_fit_s\":{},\"gg_fit_s\":{},\"clv_12m_s\":{},",
            "\"bgnbd_params\":{{\"r\":{},\"alpha\":{},\"a\":{},\"b\":{}}},",
            "\"gg_params\":{{\"p\":{},\"q\":{},\"v\":{}}},\"clv_total\":{}}}"
        ),
        threads(),
        rows,
        purchases_bytes,
        customers,
        repeaters,
        parse_s,
        build_s,
        summarize_s,
        summary_s,
        rfm_s,
        bgnbd_fit_s,
        gg_fit_s,
        clv_s,
        bg.r(),
        bg.alpha(),
        bg.a(),
        bg.b(),
        gg.p(),
        gg.q(),
        gg.gamma(),
        clv_total
    );
    Ok(())
}
