//! Seeded synthetic purchase logs shared by the benches.

use chrono::NaiveDate;
use repurchase::{Purchase, Timestamp};
use rust_decimal::Decimal;

/// SplitMix64: a tiny seeded generator, enough for bench data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` purchases over two years from 2024-01-01: customers with 1 to 19
/// purchases (10 on average) at random seconds, amounts 1.00 to 200.00,
/// shuffled.
pub fn synthetic(n: usize, seed: u64) -> Vec<Purchase<u64>> {
    let mut rng = SplitMix(seed);
    let start = Timestamp::from(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unix_seconds();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let key = rng.next() >> 16; // sparse keys, as real ids are
        let first = rng.below(365 * 86_400) as i64;
        for _ in 0..(1 + rng.below(19)).min((n - out.len()) as u64) {
            let at = start + first + rng.below(365 * 86_400) as i64;
            let amount = Decimal::new(100 + rng.below(19_900) as i64, 2);
            out.push(Purchase::new(
                key,
                Timestamp::from_unix_seconds(at).unwrap(),
                amount,
            ));
        }
    }
    for i in (1..out.len()).rev() {
        out.swap(i, rng.below(i as u64 + 1) as usize);
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
    let mut rng = SplitMix(seed);
    let names: Vec<String> = (0..catalogue).map(|i| format!("sku-{i:05}")).collect();
    purchases
        .into_iter()
        .map(|p| {
            let name = names[rng.below(catalogue) as usize].clone();
            p.product(name)
        })
        .collect()
}
