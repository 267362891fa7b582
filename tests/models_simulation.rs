//! Parameter recovery: BG/NBD fits on customer bases simulated from known
//! parameters land within three standard errors of the truth.

// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use repurchase::models::{BetaGeo, FitOptions, FrequencyData};

/// SplitMix64 with the draws the simulation needs.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by boosting.
    fn gamma(&mut self, shape: f64) -> f64 {
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

    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        x / (x + self.gamma(b))
    }
}

/// One customer's (x, t_x, T) under BG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b);
/// purchases arrive as a Poisson process with rate λ and after each the
/// customer dies with probability p.
fn customer(rng: &mut Rng, [r, alpha, a, b]: [f64; 4], big_t: f64) -> (f64, f64, f64) {
    let lambda = rng.gamma(r) / alpha;
    let p = rng.beta(a, b);
    let (mut t, mut x, mut t_x) = (0.0, 0.0, 0.0);
    loop {
        t += -rng.uniform().ln() / lambda;
        if t > big_t {
            return (x, t_x, big_t);
        }
        x += 1.0;
        t_x = t;
        if rng.uniform() < p {
            return (x, t_x, big_t);
        }
    }
}

#[test]
fn fits_recover_known_parameters_within_three_standard_errors() {
    let truth = [0.243, 4.414, 0.793, 2.426];
    // b is weakly identified (its standard error is a third of its size on
    // CDNOW): at 3,000 customers its estimates are skewed and 3-SE bands
    // cover ~90 %; at 20,000 the z-scores have mean ≈ 0 and sd ≈ 1 for
    // every parameter, as the asymptotics promise.
    let (replicates, customers) = (50, 20_000);
    let mut covered = 0;
    for seed in 0..replicates {
        let mut rng = Rng(1_000 + seed);
        // Acquired across 12 weeks, observed for 27 to 39 weeks, in days / 7.
        let rows = (0..customers).map(|_| {
            let big_t = (27.0 * 7.0 + (rng.uniform() * 84.0).floor()) / 7.0;
            let (x, t_x, big_t) = customer(&mut rng, truth, big_t);
            (x, t_x, big_t, 1.0)
        });
        let fit = BetaGeo::fit(&FrequencyData::from_rows(rows).unwrap(), &FitOptions::default()).unwrap();
        assert!(fit.report.converged, "seed {seed}: {:?}", fit.report);
        let se = fit.report.standard_errors.values().unwrap().to_vec();
        let within = fit
            .model
            .params()
            .iter()
            .zip(truth)
            .zip(&se)
            .all(|((est, t), s)| (est - t).abs() <= 3.0 * s);
        covered += u32::from(within);
    }
    assert!(
        covered * 100 >= 95 * replicates as u32,
        "{covered} of {replicates} replicates within 3 SE"
    );
}
