//! The BG/NBD model of Fader, Hardie & Lee (2005).

use super::data::{FrequencyData, FrequencyRow, check_pattern};
use super::fit::{Fit, FitOptions, maximise};
use super::special::{digamma, hyp2f1, inc_beta, ln_beta, ln_gamma, log_add_exp};
use crate::{Error, Result};

/// The beta-geometric/negative binomial distribution (BG/NBD) model of
/// repeat purchasing: while alive, a customer buys as a Poisson process
/// with rate λ ~ Gamma(r, α); after each purchase they die with probability
/// p ~ Beta(a, b).
///
/// Invariant: r, α, a, b are finite and > 0. Time is in whatever unit the
/// data used (weeks in the paper): α is a time scale in that unit.
///
/// Source: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "Counting Your
/// Customers the Easy Way: An Alternative to the Pareto/NBD Model",
/// *Marketing Science* 24(2), 275–284.
///
/// # Example
///
/// ```
/// use repurchase::models::BetaGeo;
///
/// // The paper's estimates on the CDNOW sample (weeks).
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let p = model.p_alive(2.0, 30.43, 38.86)?;
/// assert!((0.0..=1.0).contains(&p));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "BG/NBD")]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BetaGeo {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BetaGeo {
    /// The model with known parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a parameter is not finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeo;
    ///
    /// assert!(BetaGeo::new(0.243, 4.414, 0.793, 2.426).is_ok());
    /// assert!(BetaGeo::new(0.0, 4.414, 0.793, 2.426).is_err());
    /// ```
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        for (name, value) in [("r", r), ("alpha", alpha), ("a", a), ("b", b)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::InvalidParameter {
                    name,
                    value: value.to_string(),
                    expected: "a finite number > 0",
                });
            }
        }
        Ok(Self { r, alpha, a, b })
    }

    /// The parameters `[r, α, a, b]`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::BetaGeo;
    /// assert_eq!(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.params(), [0.243, 4.414, 0.793, 2.426]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// The shape of the purchase-rate distribution.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::BetaGeo;
    /// assert_eq!(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.r(), 0.243);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn r(&self) -> f64 {
        self.r
    }

    /// The scale of the purchase-rate distribution, in the data's time unit.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::BetaGeo;
    /// assert_eq!(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.alpha(), 4.414);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The first shape of the dropout-probability distribution.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::BetaGeo;
    /// assert_eq!(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.a(), 0.793);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn a(&self) -> f64 {
        self.a
    }

    /// The second shape of the dropout-probability distribution.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::BetaGeo;
    /// assert_eq!(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.b(), 2.426);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn b(&self) -> f64 {
        self.b
    }

    /// Fits the model by maximum likelihood.
    ///
    /// BFGS on ln(r, α, a, b) with the analytic gradient, from
    /// deterministic starts; the best end point wins.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientData`] for no rows or no repeat purchase;
    /// [`Error::InvalidParameter`] for bad [`FitOptions`].
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::{BetaGeo, FitOptions, FrequencyData}, SummaryOptions, TimeUnit};
    ///
    /// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
    /// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries.customers), &FitOptions::default())?;
    /// assert!((fit.model.r() - 0.243).abs() < 0.001); // the paper's estimate
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &FrequencyData, options: &FitOptions) -> Result<Fit<Self>> {
        let ([r, alpha, a, b], report) = fit_parameters(data, options, Dropout::AfterRepeats)?;
        let model = Self::new(r, alpha, a, b)?;
        Ok(Fit { model, report })
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, FrequencyData};
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let one = FrequencyData::from_rows([(0.0, 0.0, 38.86, 1.0)])?;
    /// assert!(model.log_likelihood(&one) < 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &FrequencyData) -> f64 {
        let mut gradient = [0.0; 4];
        log_likelihood(
            &[self.r, self.alpha, self.a, self.b],
            data.rows(),
            &mut gradient,
            Dropout::AfterRepeats,
        )
    }

    /// The probability that a customer with `x` repeat purchases, the last
    /// at `t_x`, observed for `T`, is still alive at `T`.
    ///
    /// ```text
    /// P(alive | x, t_x, T) = 1 / (1 + δ(x > 0) · a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x))
    /// ```
    ///
    /// Computed in log space; exactly 1 for `x = 0`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `(x, t_x, T)` is not a valid pattern.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeo;
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// assert_eq!(model.p_alive(0.0, 0.0, 38.86)?, 1.0);
    /// assert!(model.p_alive(5.0, 2.0, 38.86)? < model.p_alive(5.0, 38.0, 38.86)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "P(alive)")]
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64> {
        check_pattern(0, x, t_x, t)?;
        Ok(self.p_alive_unchecked(x, t_x, t))
    }

    fn p_alive_unchecked(&self, x: f64, t_x: f64, t: f64) -> f64 {
        p_alive(
            [self.r, self.alpha, self.a, self.b],
            Dropout::AfterRepeats,
            x,
            t_x,
            t,
        )
    }

    /// The expected number of purchases of a new customer in `(0, t]`:
    ///
    /// ```text
    /// E[X(t)] = (a + b − 1) / (a − 1) · [1 − (α / (α + t))^r · ₂F₁(r, b; a + b − 1; t / (α + t))]
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `t`;
    /// [`Error::Undefined`] when a + b ≤ 1 or t/(α + t) is so close to 1
    /// that the ₂F₁ series does not converge.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeo;
    ///
    /// // The maximum-likelihood estimates on the paper's data, to 6 digits.
    /// let model = BetaGeo::new(0.242593, 4.413532, 0.792886, 2.425753)?;
    /// assert!((model.expected_purchases(32.0)? - 1.0437).abs() < 5e-5); // the paper's value
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let z = t / (alpha + t);
        let ratio = (alpha / (alpha + t)).powf(r);
        let series = hyp2f1_for(r, b, a + b - 1.0, z, "E[X(t)]")?;
        Ok(finite_at_a_equals_one(a, |a| {
            (a + b - 1.0) / (a - 1.0) * (1.0 - ratio * series)
        }))
    }

    /// The probability that a new customer makes exactly `x` repeat
    /// purchases in `(0, t]` (equation 8 of the paper):
    ///
    /// ```text
    /// P(X(t) = x) = B(a, b + x)/B(a, b) · Γ(r + x)/(Γ(r) x!) · (α/(α + t))^r · (t/(α + t))^x
    ///             + δ(x > 0) · B(a + 1, b + x − 1)/B(a, b) · I_{t/(α+t)}(x, r)
    /// ```
    ///
    /// where I is the regularized incomplete beta function: the chance that a
    /// negative binomial count reaches x, computed directly rather than as
    /// one minus a partial sum, which would cancel for large x.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `t`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeo;
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let total: f64 = (0..2_000).map(|x| model.purchase_count_probability(x, 39.0)).sum::<Result<f64, _>>()?;
    /// assert!((total - 1.0).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchase_count_probability(&self, x: u32, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let x = f64::from(x);
        if t == 0.0 {
            return Ok(if x == 0.0 { 1.0 } else { 0.0 });
        }
        let (ln_p, ln_q) = ((alpha / (alpha + t)).ln(), (t / (alpha + t)).ln());
        let alive = (ln_beta(a, b + x) - ln_beta(a, b) + ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
            + r * ln_p
            + x * ln_q)
            .exp();
        let died = if x > 0.0 {
            (ln_beta(a + 1.0, b + x - 1.0) - ln_beta(a, b)).exp() * inc_beta(t / (alpha + t), x, r)
        } else {
            0.0
        };
        Ok((alive + died).clamp(0.0, 1.0))
    }

    /// The expected number of purchases in `(T, T + t]` of a customer with
    /// `x` repeat purchases, the last at `t_x`, observed for `T`:
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive) · (a + b + x − 1) / (a − 1)
    ///                        · [1 − ((α + T) / (α + T + t))^(r + x) · ₂F₁(r + x, b + x; a + b + x − 1; t / (α + T + t))]
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern, [`Error::InvalidParameter`]
    /// for a bad horizon, [`Error::Undefined`] when the ₂F₁ series does not
    /// converge.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeo;
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let e = model.conditional_expected_purchases(2.0, 30.43, 38.86, 39.0)?;
    /// assert!((e - 1.226).abs() < 5e-4); // the paper's value
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conditional_expected_purchases(&self, x: f64, t_x: f64, big_t: f64, t: f64) -> Result<f64> {
        check_pattern(0, x, t_x, big_t)?;
        check_horizon(t)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let z = t / (alpha + big_t + t);
        let ratio = ((alpha + big_t) / (alpha + big_t + t)).powf(r + x);
        let series = hyp2f1_for(r + x, b + x, a + b + x - 1.0, z, "E[Y(t) | x, t_x, T]")?;
        let alive = self.p_alive_unchecked(x, t_x, big_t);
        Ok(alive * finite_at_a_equals_one(a, |a| (a + b + x - 1.0) / (a - 1.0) * (1.0 - ratio * series)))
    }
}

/// ₂F₁(a, b; c; z), or [`Error::Undefined`] naming the quantity.
pub(crate) fn hyp2f1_for(a: f64, b: f64, c: f64, z: f64, quantity: &'static str) -> Result<f64> {
    hyp2f1(a, b, c, z).ok_or_else(|| Error::Undefined {
        quantity,
        condition: format!("the series ₂F₁({a}, {b}; {c}; {z}) needs c > 0 and z < 1 not too close to 1"),
    })
}

/// Maximum-likelihood (r, α, a, b) of the BG/NBD family.
pub(crate) fn fit_parameters(
    data: &FrequencyData,
    options: &FitOptions,
    dropout: Dropout,
) -> Result<([f64; 4], super::fit::FitReport)> {
    data.check_identifiable()?;
    let mean_t = data.rows().iter().map(|r| r.t * r.weight).sum::<f64>() / data.customers();
    let scale = mean_t.max(1e-3);
    let starts: [&[f64]; 3] = [
        &[1.0, scale, 1.0, 1.0],
        &[0.1, 0.1 * scale, 0.5, 2.0],
        &[2.0, 2.0 * scale, 2.0, 5.0],
    ];
    let (p, report) = maximise(
        &["r", "alpha", "a", "b"],
        data.customers(),
        |params, gradient| log_likelihood(params, data.rows(), gradient, dropout),
        &starts,
        options,
    )?;
    match p.as_slice() {
        [r, alpha, a, b] => Ok(([*r, *alpha, *a, *b], report)),
        _ => Err(Error::InsufficientData {
            needed: "four parameters",
        }),
    }
}

/// `f(a)`, or at a = 1, where (a − 1) cancels in numerator and denominator,
/// the mean of `f` just either side.
pub(crate) fn finite_at_a_equals_one(a: f64, f: impl Fn(f64) -> f64) -> f64 {
    const GAP: f64 = 1e-7;
    if (a - 1.0).abs() < GAP {
        0.5 * (f(1.0 - GAP) + f(1.0 + GAP))
    } else {
        f(a)
    }
}

/// A prediction horizon: finite and ≥ 0.
pub(crate) fn check_horizon(t: f64) -> Result<()> {
    if !(t.is_finite() && t >= 0.0) {
        return Err(Error::InvalidParameter {
            name: "t",
            value: t.to_string(),
            expected: "a finite horizon ≥ 0",
        });
    }
    Ok(())
}

/// Whether customers can drop out at their first purchase too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dropout {
    /// BG/NBD: dropout after repeat purchases only.
    AfterRepeats,
    /// MBG/NBD: dropout after every purchase, the first included.
    AfterEveryPurchase,
}

impl Dropout {
    /// `k` in B(a, b + x + k) and a / (b + x − 1 + k).
    fn shift(self) -> f64 {
        match self {
            Dropout::AfterRepeats => 0.0,
            Dropout::AfterEveryPurchase => 1.0,
        }
    }

    /// Whether the "died after the last purchase" term applies to `x`.
    fn applies(self, x: f64) -> bool {
        self == Dropout::AfterEveryPurchase || x > 0.0
    }
}

/// P(alive | x, t_x, T) = 1 / (1 + [term applies] · a / (b + x − 1 + k) · ((α + T) / (α + t_x))^(r + x)),
/// computed in log space.
pub(crate) fn p_alive(params: [f64; 4], dropout: Dropout, x: f64, t_x: f64, t: f64) -> f64 {
    let [r, alpha, a, b] = params;
    if !dropout.applies(x) {
        return 1.0;
    }
    let ln_odds =
        (a / (b + x - 1.0 + dropout.shift())).ln() + (r + x) * ((alpha + t).ln() - (alpha + t_x).ln());
    // 1 / (1 + e^z), stable for any z.
    if ln_odds > 0.0 {
        (-ln_odds).exp() / (1.0 + (-ln_odds).exp())
    } else {
        1.0 / (1.0 + ln_odds.exp())
    }
}

/// Σ wᵢ ln Lᵢ over the rows, and its gradient in (r, α, a, b), for BG/NBD
/// (k = 0, second term for x > 0) and MBG/NBD (k = 1, second term always):
///
/// ```text
/// ln Lᵢ = ln Γ(r + x) − ln Γ(r) + r ln α + ln B(a, b + x + k) − ln B(a, b)
///       + ln[(α + T)^−(r+x) + a / (b + x − 1 + k) · (α + t_x)^−(r+x)]
/// ```
pub(crate) fn log_likelihood(
    params: &[f64],
    rows: &[FrequencyRow],
    gradient: &mut [f64],
    dropout: Dropout,
) -> f64 {
    let [r, alpha, a, b] = match params {
        [r, alpha, a, b] => [*r, *alpha, *a, *b],
        _ => return f64::NAN,
    };
    let (ln_gamma_r, psi_r, ln_beta_ab, psi_ab) = (ln_gamma(r), digamma(r), ln_beta(a, b), digamma(a + b));
    let psi_b = digamma(b);
    let (mut ll, mut g) = (0.0, [0.0_f64; 4]);
    let k = dropout.shift();
    // Rows are sorted by frequency: the special functions of x are computed
    // once per run of equal x, not once per row.
    let mut cached_x = f64::NAN;
    let (mut x_terms, mut psi_rx, mut psi_abxk, mut psi_bxk) = (0.0, 0.0, 0.0, 0.0);
    for row in rows {
        let (x, t_x, big_t, w) = (row.frequency, row.recency, row.t, row.weight);
        if x != cached_x {
            cached_x = x;
            x_terms = ln_gamma(r + x) - ln_gamma_r + ln_beta(a, b + x + k) - ln_beta_ab;
            psi_rx = digamma(r + x);
            psi_abxk = digamma(a + b + x + k);
            psi_bxk = digamma(b + x + k);
        }
        let rx = r + x;
        let (ln_at, ln_atx) = ((alpha + big_t).ln(), (alpha + t_x).ln());
        let l1 = -rx * ln_at;
        let applies = dropout.applies(x);
        let l2 = if applies {
            (a / (b + x - 1.0 + k)).ln() - rx * ln_atx
        } else {
            f64::NEG_INFINITY
        };
        let ln_sum = log_add_exp(l1, l2);
        let w2 = (l2 - ln_sum).exp(); // share of the second term
        let w1 = 1.0 - w2;
        ll += w * (x_terms + r * alpha.ln() + ln_sum);
        g[0] += w * (psi_rx - psi_r + alpha.ln() - w1 * ln_at - w2 * ln_atx);
        g[1] += w * (r / alpha - w1 * rx / (alpha + big_t) - w2 * rx / (alpha + t_x));
        // ∂/∂a and ∂/∂b of ln B(a, b + x + k) − ln B(a, b), plus the second term's ratio.
        g[2] += w * (psi_ab - psi_abxk + if applies { w2 / a } else { 0.0 });
        g[3] +=
            w * (psi_bxk - psi_abxk - psi_b + psi_ab - if applies { w2 / (b + x - 1.0 + k) } else { 0.0 });
    }
    gradient.iter_mut().zip(g).for_each(|(out, v)| *out = v);
    ll
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::fit::assert_gradient_matches_differences;

    #[test]
    fn the_gradient_equals_central_differences() {
        let data = FrequencyData::from_rows([
            (0.0, 0.0, 38.86, 3.0),
            (2.0, 30.43, 38.86, 1.0),
            (1.0, 1.71, 38.86, 2.0),
            (7.0, 29.43, 38.86, 1.0),
        ])
        .unwrap();
        for params in [
            [0.243, 4.414, 0.793, 2.426],
            [2.0, 0.5, 3.0, 0.7],
            [0.01, 100.0, 1.0, 1.0],
        ] {
            for dropout in [Dropout::AfterRepeats, Dropout::AfterEveryPurchase] {
                assert_gradient_matches_differences(
                    |p, g| log_likelihood(p, data.rows(), g, dropout),
                    &params,
                );
            }
        }
    }
}
