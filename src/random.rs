//! The crate's seeded random stream (SplitMix64), for the parameter draws
//! of prediction intervals and the synthetic logs: the same seed gives the
//! same draws on every platform.

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state stepped by a
/// constant and mixed; every seed, zero included, gives a full-period
/// stream.
#[derive(Debug, Clone)]
pub(crate) struct Stream(u64);

impl Stream {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1): never 0, so its logarithm is finite.
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1_u64 << 53) as f64
    }

    /// Standard normal, by Box–Muller (one of the pair).
    pub(crate) fn normal(&mut self) -> f64 {
        normal(&mut || self.uniform())
    }
}

/// Standard normal from two uniforms on (0, 1), by Box–Muller.
pub(crate) fn normal(uniform: &mut dyn FnMut() -> f64) -> f64 {
    (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos()
}

/// Gamma(shape, 1) for shape > 0 from uniforms on (0, 1), by Marsaglia &
/// Tsang (2000), boosted below shape 1. Each try is accepted with
/// probability above 0.95.
pub(crate) fn gamma(uniform: &mut dyn FnMut() -> f64, shape: f64) -> f64 {
    let (boost, shape) = if shape < 1.0 {
        (uniform().powf(1.0 / shape), shape + 1.0)
    } else {
        (1.0, shape)
    };
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(uniform);
        let v = (1.0 + c * x).powi(3);
        if v > 0.0 && uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v * boost;
        }
    }
}

/// Beta(a, b) for a, b > 0, from two gamma draws.
pub(crate) fn beta(uniform: &mut dyn FnMut() -> f64, a: f64, b: f64) -> f64 {
    let x = gamma(uniform, a);
    let sum = x + gamma(uniform, b);
    if sum > 0.0 { x / sum } else { 0.5 }
}

/// Poisson(mean) for a finite mean ≥ 0: by inversion below 30, else by
/// Hörmann's transformed rejection (PTRS, 1993), about 1.1 tries a draw.
/// A mean beyond 2⁶³ gives `u64::MAX`.
pub(crate) fn poisson(uniform: &mut dyn FnMut() -> f64, mean: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean >= 9.2e18 {
        return u64::MAX;
    }
    if mean < 30.0 {
        let limit = (-mean).exp();
        let (mut k, mut product) = (0_u64, uniform());
        while product > limit {
            k += 1;
            product *= uniform();
        }
        return k;
    }
    let root = mean.sqrt();
    let b = 0.931 + 2.53 * root;
    let a = -0.059 + 0.02483 * b;
    let inverse_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let v_r = 0.9277 - 3.6224 / (b - 2.0);
    let ln_mean = mean.ln();
    loop {
        let u = uniform() - 0.5;
        let v = uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= v_r {
            return k.max(0.0) as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let log_accept = v.ln() + inverse_alpha.ln() - (a / (us * us) + b).ln();
        if log_accept <= -mean + k * ln_mean - crate::models::special::ln_gamma(k + 1.0) {
            return k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Poisson draws have the mean and variance of their law, on both
    /// sides of the switch at 30, to within four standard errors.
    #[test]
    fn poisson_draws_have_their_mean_and_variance() {
        let mut stream = Stream::new(7);
        for mean in [0.3, 4.0, 29.0, 31.0, 250.0, 1e6] {
            let n = 40_000.0;
            let draws: Vec<f64> = (0..40_000)
                .map(|_| poisson(&mut || stream.uniform(), mean) as f64)
                .collect();
            let sample_mean = draws.iter().sum::<f64>() / n;
            let variance = draws.iter().map(|d| (d - sample_mean).powi(2)).sum::<f64>() / (n - 1.0);
            assert!(
                (sample_mean - mean).abs() < 4.0 * (mean / n).sqrt(),
                "mean {mean}: {sample_mean}"
            );
            // Var of the sample variance ≈ (2μ² + μ)/n for a Poisson.
            let se = ((2.0 * mean * mean + mean) / n).sqrt();
            assert!(
                (variance - mean).abs() < 4.0 * se,
                "variance at {mean}: {variance}"
            );
        }
        assert_eq!(poisson(&mut || stream.uniform(), 0.0), 0);
        assert_eq!(poisson(&mut || stream.uniform(), f64::INFINITY), u64::MAX);
    }
}
