//! Draws of a customer's future purchases from a model's own process: the
//! process uncertainty of purchase counts.

use super::{BetaGeo, ModifiedBetaGeo, ParetoNbd, PurchaseModel};
use crate::random::{beta, gamma, poisson};

/// A purchase model whose future purchases can be drawn: for prediction
/// intervals of purchase counts, which vary around their expectation even
/// when the parameters are known.
///
/// Given that a customer with `x` repeat purchases observed for `T` is
/// alive at `T`, the models know the distribution of their purchase rate
/// and dropout (the prior updated by `x` and `T`); a draw takes them from
/// it, then the purchases of the next `horizon`.
///
/// # Example
///
/// ```
/// use repurchase::models::{BetaGeo, FuturePurchases};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let mut state = 1_u64;
/// let mut uniform = || {
///     // Any source of independent uniforms on (0, 1) will do.
///     state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
///     ((state >> 11) as f64 + 0.5) / (1_u64 << 53) as f64
/// };
/// let draws: Vec<u64> = (0..20_000).map(|_| model.purchases_if_alive(2.0, 38.86, 39.0, &mut uniform)).collect();
/// let mean = draws.iter().sum::<u64>() as f64 / 20_000.0;
/// let expected = model.expected_purchases_if_alive(2.0, 38.86, 39.0)?;
/// assert!((mean - expected).abs() < 0.05 * expected);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FuturePurchases: PurchaseModel {
    /// One draw of the purchases in `(T, T + horizon]` of a customer alive
    /// at `T` with `x` repeat purchases, from `uniform`, a source of
    /// independent uniforms on (0, 1). The draws' mean is
    /// [`expected_purchases_if_alive`](PurchaseModel::expected_purchases_if_alive).
    fn purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64, uniform: &mut dyn FnMut() -> f64) -> u64;
}

/// The BG family's future: a rate λ ~ Gamma(r + x, α + T), a dropout
/// probability p ~ Beta(a, b + x + `survived`) given alive, Poisson
/// purchases at rate λ, and after each a drop with probability p: the
/// smaller of the Poisson count and the purchases until the drop.
fn bg_family(
    params: [f64; 4],
    survived: f64,
    x: f64,
    big_t: f64,
    horizon: f64,
    uniform: &mut dyn FnMut() -> f64,
) -> u64 {
    let [r, alpha, a, b] = params;
    let rate = gamma(uniform, r + x) / (alpha + big_t);
    let p = beta(uniform, a, b + x + survived);
    let arrivals = poisson(uniform, rate * horizon);
    // Purchases up to and including the one after which the customer
    // drops: geometric, by inversion; at p = 0 they never drop.
    let until_drop = (uniform().ln() / (-p).ln_1p()).ceil();
    if until_drop.is_finite() && until_drop < arrivals as f64 {
        until_drop.max(1.0) as u64
    } else {
        arrivals
    }
}

impl FuturePurchases for BetaGeo {
    fn purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64, uniform: &mut dyn FnMut() -> f64) -> u64 {
        bg_family(self.params(), 0.0, x, big_t, horizon, uniform)
    }
}

/// Customers alive at `T` have also survived the drop at their first
/// purchase: one more survived opportunity than in BG/NBD.
impl FuturePurchases for ModifiedBetaGeo {
    fn purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64, uniform: &mut dyn FnMut() -> f64) -> u64 {
        bg_family(self.params(), 1.0, x, big_t, horizon, uniform)
    }
}

/// Rate λ ~ Gamma(r + x, α + T) and death rate μ ~ Gamma(s, β + T) given
/// alive; the customer lives on for an Exp(μ) time, buying at rate λ.
impl FuturePurchases for ParetoNbd {
    fn purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64, uniform: &mut dyn FnMut() -> f64) -> u64 {
        let [r, alpha, s, beta_death] = self.params();
        let rate = gamma(uniform, r + x) / (alpha + big_t);
        let death = gamma(uniform, s) / (beta_death + big_t);
        let lifetime = -uniform().ln() / death;
        poisson(uniform, rate * horizon.min(lifetime))
    }
}
