//! Seeded simulation of customer bases from the models' own processes,
//! shared by the tests and (by path) the models bench, and the reference
//! files' reader.

// Not every test crate that includes this module uses every item.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

pub mod day_logs;
pub mod reference;

use chrono::NaiveDate;
use repurchase::{Purchase, Timestamp};
use rust_decimal::Decimal;

/// SplitMix64 with the draws the simulations need.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by boosting.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        x / (x + self.gamma(b))
    }
}

/// One BG/NBD customer's purchase times after the first, in weeks from it,
/// up to `horizon`: λ ~ Gamma(r, α), p ~ Beta(a, b); purchases arrive as a
/// Poisson process with rate λ and after each the customer dies with
/// probability p.
pub fn bgnbd_repeat_times(rng: &mut Rng, [r, alpha, a, b]: [f64; 4], horizon: f64, out: &mut Vec<f64>) {
    out.clear();
    let lambda = rng.gamma(r) / alpha;
    let p = rng.beta(a, b);
    let mut t = 0.0;
    loop {
        t += -rng.uniform().ln() / lambda;
        if t > horizon {
            return;
        }
        out.push(t);
        if rng.uniform() < p {
            return;
        }
    }
}

/// One Pareto/NBD customer's purchase times after the first, in weeks from
/// it, up to `horizon`: λ ~ Gamma(r, α), μ ~ Gamma(s, β); purchases arrive
/// as a Poisson process with rate λ until an exponential lifetime with
/// rate μ ends.
pub fn pareto_repeat_times(rng: &mut Rng, [r, alpha, s, beta]: [f64; 4], horizon: f64, out: &mut Vec<f64>) {
    out.clear();
    let lambda = rng.gamma(r) / alpha;
    let mu = rng.gamma(s) / beta;
    let end = horizon.min(-rng.uniform().ln() / mu);
    let mut t = 0.0;
    loop {
        t += -rng.uniform().ln() / lambda;
        if t > end {
            return;
        }
        out.push(t);
    }
}

/// A purchase log from a BG/NBD process with Gamma-Gamma spend, as
/// `../shared/bench/gen_purchases.py` draws it: customers join uniformly in
/// the first 52 weeks of a 104-week log from 2024-01-01; each purchase's
/// value is Gamma(p, ν) with ν ~ Gamma(q, γ) per customer.
pub fn bgnbd_purchase_log(
    customers: u64,
    seed: u64,
    bgnbd: [f64; 4],
    [p, q, gamma]: [f64; 3],
) -> Vec<Purchase<u64>> {
    let mut rng = Rng(seed);
    let start = Timestamp::from(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unix_seconds();
    let week = 7 * 86_400;
    let mut times = Vec::new();
    let mut out = Vec::new();
    for customer in 0..customers {
        let first = rng.uniform() * 52.0;
        let nu = rng.gamma(q) / gamma;
        bgnbd_repeat_times(&mut rng, bgnbd, 104.0 - first, &mut times);
        for t in std::iter::once(0.0).chain(times.iter().copied()) {
            let at = start + ((first + t) * week as f64) as i64;
            let cents = ((rng.gamma(p) / nu) * 100.0).round().max(1.0) as i64;
            out.push(Purchase::new(
                customer,
                Timestamp::from_unix_seconds(at).unwrap(),
                Decimal::new(cents, 2),
            ));
        }
    }
    out
}
