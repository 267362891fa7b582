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
//! CDNOW's 0.793 and 2.426 by default), `--out FILE` (required), and, built
//! with `--features example-io`, `--parquet FILE` for the same rows as
//! Parquet (`UInt64` ids, `Date32` days, `Decimal128(18, 2)` amounts,
//! Snappy). Rows come shuffled, as an export would; amounts have two
//! decimals.

use std::io::{BufWriter, Write};

use repurchase::synthetic::SyntheticLog;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> AnyResult<()> {
    let usage = "usage: gen_purchases --out FILE [--customers N] [--seed N] [--rate-scale X] [--a X] [--b X]";
    let mut config = SyntheticLog::default();
    let [r, alpha, mut a, mut b] = [0.243, 4.414, 0.793, 2.426];
    let (mut out, mut parquet) = (None, None::<String>);
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
            "--parquet" => parquet = Some(value()?),
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
    if let Some(path) = parquet {
        write_parquet(&purchases, &path)?;
        eprintln!("wrote them to {path}");
    }
    Ok(())
}

#[cfg(feature = "example-io")]
fn write_parquet(purchases: &[repurchase::Purchase<u64>], path: &str) -> AnyResult<()> {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, UInt64Array};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = None;
    for chunk in purchases.chunks(1 << 20) {
        let batch = RecordBatch::try_from_iter([
            (
                "customer_id",
                Arc::new(UInt64Array::from_iter_values(chunk.iter().map(|p| p.customer))) as ArrayRef,
            ),
            (
                "date",
                Arc::new(Date32Array::from_iter_values(
                    chunk
                        .iter()
                        .map(|p| p.at.unix_seconds().div_euclid(86_400) as i32),
                )) as ArrayRef,
            ),
            (
                "amount",
                Arc::new(
                    Decimal128Array::from_iter_values(chunk.iter().map(|p| cents(p.amount)))
                        .with_precision_and_scale(18, 2)?,
                ) as ArrayRef,
            ),
        ])?;
        let writer = match &mut writer {
            Some(writer) => writer,
            None => writer.insert(ArrowWriter::try_new(
                std::fs::File::create(path)?,
                batch.schema(),
                Some(properties.clone()),
            )?),
        };
        writer.write(&batch)?;
    }
    if let Some(writer) = writer {
        writer.close()?;
    }
    Ok(())
}

#[cfg(not(feature = "example-io"))]
fn write_parquet(_: &[repurchase::Purchase<u64>], _: &str) -> AnyResult<()> {
    Err("--parquet needs the example built with --features example-io".into())
}

/// An amount in cents (an amount with more decimals is rounded).
#[cfg(feature = "example-io")]
fn cents(amount: rust_decimal::Decimal) -> i128 {
    let mut amount = amount;
    amount.rescale(2);
    amount.mantissa()
}
