//! Seeded synthetic purchase logs shared by the benches.

use chrono::NaiveDate;
use repurchase::synthetic::Rng;
use repurchase::{Purchase, Timestamp};
use rust_decimal::Decimal;

/// A draw below `n` from the crate's seeded stream (SplitMix64).
fn below(rng: &mut Rng, n: u64) -> u64 {
    rng.next_u64() % n
}

/// `n` purchases over two years from 2024-01-01: customers with 1 to 19
/// purchases (10 on average) at random seconds, amounts 1.00 to 200.00,
/// shuffled.
pub fn synthetic(n: usize, seed: u64) -> Vec<Purchase<u64>> {
    let mut rng = Rng::new(seed);
    let start = Timestamp::from(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unix_seconds();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let key = rng.next_u64() >> 16; // sparse keys, as real ids are
        let first = below(&mut rng, 365 * 86_400) as i64;
        for _ in 0..(1 + below(&mut rng, 19)).min((n - out.len()) as u64) {
            let at = start + first + below(&mut rng, 365 * 86_400) as i64;
            let amount = Decimal::new(100 + below(&mut rng, 19_900) as i64, 2);
            out.push(Purchase::new(
                key,
                Timestamp::from_unix_seconds(at).unwrap(),
                amount,
            ));
        }
    }
    for i in (1..out.len()).rev() {
        out.swap(i, below(&mut rng, i as u64 + 1) as usize);
    }
    out
}

#[allow(dead_code)] // used by some bench crates only
pub fn sizes() -> [(usize, &'static str); 3] {
    [(100_000, "1e5"), (1_000_000, "1e6"), (10_000_000, "1e7")]
}

/// Gives each purchase one of `catalogue` products, seeded, for the
/// product-level benches.
#[allow(dead_code)] // used by some bench crates only
pub fn with_products(purchases: Vec<Purchase<u64>>, catalogue: u64, seed: u64) -> Vec<Purchase<u64>> {
    let mut rng = Rng::new(seed);
    let names: Vec<String> = (0..catalogue).map(|i| format!("sku-{i:05}")).collect();
    purchases
        .into_iter()
        .map(|p| {
            let name = names[below(&mut rng, catalogue) as usize].clone();
            p.product(name)
        })
        .collect()
}
