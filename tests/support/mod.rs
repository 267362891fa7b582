//! Seeded simulation of customer bases from the models' own processes,
//! the reference files' reader and small day-based logs, shared by the
//! tests.

// Not every test crate that includes this module uses every item.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

pub mod day_logs;
pub mod reference;

pub use repurchase::synthetic::Rng;

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
