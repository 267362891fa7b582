//! Seeded simulation of customer bases from the models' own processes,
//! the reference files' reader and small day-based logs, shared by the
//! tests.

// Not every test crate that includes this module uses every item.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

pub mod day_logs;
pub mod reference;

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
