//! Writes a seeded synthetic purchase log as CSV (`customer_id,date,amount`,
//! with a header), drawn by the crate's own `synthetic` module: the files
//! `benches/compare.sh` times every tool on.
//!
//! ```text
//! cargo run --release --example gen_purchases -- --customers 250000 --rate-scale 3 --out p1m.csv
//! cargo run --release --example gen_purchases -- --customers 1000000 --rate-scale 4 --a 0.5 --b 6 --out p10m.csv
//! ```
//!
//! Options: `--customers N` (default 100,000), `--seed N` (42),
//! `--rate-scale X` (1), `--a X` and `--b X` (the BG/NBD dropout shapes,
//! CDNOW's 0.793 and 2.426 by default), `--out FILE` (required). Rows come
//! shuffled, as an export would; amounts have two decimals.

use std::io::{BufWriter, Write};

use repurchase::synthetic::SyntheticLog;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> AnyResult<()> {
    let usage = "usage: gen_purchases --out FILE [--customers N] [--seed N] [--rate-scale X] [--a X] [--b X]";
    let mut config = SyntheticLog::default();
    let [r, alpha, mut a, mut b] = [0.243, 4.414, 0.793, 2.426];
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(usage);
        match arg.as_str() {
            "--customers" => config = config.customers(value()?.parse()?),
            "--seed" => config = config.seed(value()?.parse()?),
            "--rate-scale" => config = config.rate_scale(value()?.parse()?),
            "--a" => a = value()?.parse()?,
            "--b" => b = value()?.parse()?,
            "--out" => out = Some(value()?),
            _ => return Err(usage.into()),
        }
    }
    let out = out.ok_or(usage)?;
    let purchases = config.bgnbd([r, alpha, a, b]).purchases()?;
    let mut file = BufWriter::new(std::fs::File::create(&out)?);
    writeln!(file, "customer_id,date,amount")?;
    for p in &purchases {
        writeln!(
            file,
            "{},{},{}",
            p.customer,
            p.at.to_datetime().date_naive(),
            p.amount
        )?;
    }
    file.flush()?;
    eprintln!("wrote {} purchases to {out}", purchases.len());
    Ok(())
}
