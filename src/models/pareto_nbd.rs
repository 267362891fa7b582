//! The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987).

use super::ModelTime;
use super::bgnbd::check_horizon;
use super::data::{FrequencyData, FrequencyRow, check_pattern};
use super::fit::{Fit, FitOptions, WarmStart, maximise, warm_started};
use super::model::{check_parameters, defined, expectation};
use super::power_integral::PowerPair;
use super::special::{digamma, integrate, ln_gamma};
use crate::parallel::{SUM_PIECE, map_pieces, sum_partials};
use crate::{Error, Result};

/// The Pareto/NBD model of repeat purchasing: while alive, a customer buys
/// as a Poisson process with rate λ ~ Gamma(r, α) and dies after an
/// exponential lifetime with rate μ ~ Gamma(s, β), independent of λ.
///
/// Unlike [`BetaGeo`](super::BetaGeo), a customer can die at any moment,
/// not only right after a purchase, which makes the likelihood an integral
/// over the unseen time of death. It is computed as the Fader–Hardie closed
/// form (a difference of Gauss hypergeometric functions) where that series
/// converges fast, and by quadrature of the integral itself where it would
/// not, so it stays finite and accurate for parameters from 1e-6 to 1e6.
///
/// Invariant: r, α, s, β are finite and > 0; α and β are time scales in the
/// data's unit.
///
/// Sources: D. C. Schmittlein, D. G. Morrison, R. Colombo (1987), "Counting
/// Your Customers: Who Are They and What Will They Do Next?", *Management
/// Science* 33(1), 1–24; P. S. Fader, B. G. S. Hardie (2005), "A Note on
/// Deriving the Pareto/NBD Model and Related Expressions"; DERT from
/// P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "RFM and CLV: Using
/// Iso-Value Curves for Customer Base Analysis", *Journal of Marketing
/// Research* 42(4), 415–430.
///
/// # Example
///
/// ```
/// use repurchase::models::ParetoNbd;
///
/// // The published estimates on the CDNOW sample (weeks).
/// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
/// let next_year = model.conditional_expected_purchases(26.0, 30.86, 31.0, 52.0)?;
/// assert!((next_year - 25.46).abs() < 0.005); // the published value
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "Pareto/NBD")]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ParetoNbd {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    time: Option<ModelTime>,
}

crate::stored::deserialize_checked!(ParetoNbd { r: f64, alpha: f64, s: f64, beta: f64, time: Option<ModelTime> } => {
    ParetoNbd::new(r, alpha, s, beta).map(|model| model.in_time_of(time))
});
super::model::timed_model!(ParetoNbd, "ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?");

impl ParetoNbd {
    /// The model with known parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a parameter is not finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// assert!(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).is_ok());
    /// assert!(ParetoNbd::new(0.553, 10.578, f64::NAN, 11.669).is_err());
    /// ```
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self> {
        check_parameters(&[("r", r), ("alpha", alpha), ("s", s), ("beta", beta)])?;
        Ok(Self {
            r,
            alpha,
            s,
            beta,
            time: None,
        })
    }

    /// The parameters `[r, α, s, β]`: the shape and scale of the purchase
    /// rate's distribution, then of the dropout rate's.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::ParetoNbd;
    /// let [r, alpha, s, beta] = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?.params();
    /// assert_eq!((r, alpha, s, beta), (0.553, 10.578, 0.606, 11.669));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }

    /// Fits the model by maximum likelihood: BFGS on ln(r, α, s, β) with
    /// the analytic gradient, from deterministic starts.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientData`] for no rows or no repeat purchase;
    /// [`Error::InvalidParameter`] for bad [`FitOptions`].
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FitOptions, FrequencyData, ParetoNbd};
    ///
    /// let data = FrequencyData::from_rows([
    ///     (0.0, 0.0, 38.0, 60.0),
    ///     (1.0, 20.0, 38.0, 20.0),
    ///     (3.0, 30.0, 38.0, 15.0),
    ///     (2.0, 5.0, 38.0, 5.0),
    /// ])?;
    /// let fit = ParetoNbd::fit(&data, &FitOptions::default())?;
    /// assert!(fit.report.converged);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &FrequencyData, options: &FitOptions) -> Result<Fit<Self>> {
        Self::fit_warm(data, options).map(|(fit, _)| fit)
    }

    /// [`fit`](Self::fit), and where it ended. Large data first fits a
    /// sample of itself and starts from there, with the curvature learned:
    /// the same optimum, in fewer iterations over all of it.
    fn fit_warm(data: &FrequencyData, options: &FitOptions) -> Result<(Fit<Self>, WarmStart)> {
        warm_started(data, &FrequencyData::warm_start_sample, &|data, warm| {
            data.check_identifiable()?;
            Self::fit_from(data, options, warm)
        })
    }

    /// [`fit`](Self::fit) from `warm` first, when given, then from three
    /// default points scaled to the data.
    fn fit_from(
        data: &FrequencyData,
        options: &FitOptions,
        warm: Option<&WarmStart>,
    ) -> Result<(Fit<Self>, WarmStart)> {
        let mean_t = data.rows().iter().map(|r| r.t * r.weight).sum::<f64>() / data.customers();
        let scale = mean_t.max(1e-3);
        let defaults: [&[f64]; 3] = [
            &[1.0, scale, 1.0, scale],
            &[0.5, 0.3 * scale, 0.5, 0.3 * scale],
            &[2.0, 3.0 * scale, 2.0, 3.0 * scale],
        ];
        let (p, report, warm) = maximise(
            &["r", "alpha", "s", "beta"],
            data.customers(),
            |params, gradient| log_likelihood(params, data.rows(), gradient),
            warm,
            &defaults,
            options,
        )?;
        match p.as_slice() {
            [r, alpha, s, beta] => Ok((
                Fit {
                    model: Self::new(*r, *alpha, *s, *beta)?.in_time_of(data.time()),
                    report,
                },
                warm,
            )),
            _ => Err(Error::InsufficientData {
                needed: "four parameters",
            }),
        }
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FrequencyData, ParetoNbd};
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let one = FrequencyData::from_rows([(2.0, 30.43, 38.86, 1.0)])?;
    /// assert!(model.log_likelihood(&one) < 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &FrequencyData) -> f64 {
        let mut gradient = [0.0; 4];
        log_likelihood(&self.params(), data.rows(), &mut gradient)
    }

    /// The probability that a customer with `x` repeat purchases, the last
    /// at `t_x`, observed for `T`, is still alive at `T`: the first of the
    /// likelihood's two terms (alive throughout) over their sum.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `(x, t_x, T)` is not a valid pattern.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// // A frequent buyer gone quiet is likelier dead than one who just bought.
    /// assert!(model.p_alive(10.0, 5.0, 38.0)? < model.p_alive(10.0, 37.0, 38.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "P(alive)")]
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        defined(self.likelihood_terms(x, t_x, big_t).p_alive(), "P(alive)")
    }

    /// The expected number of purchases of a new customer in `(0, t]`, `t` the horizon:
    ///
    /// ```text
    /// E[X(t)] = r β / (α (s − 1)) · [1 − (β / (β + t))^(s − 1)]
    /// ```
    ///
    /// and its limit r β / α · ln(1 + t / β) at s = 1, computed with
    /// `expm1` so that s near 1 loses nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `horizon`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// assert!(model.expected_purchases(52.0)? > model.expected_purchases(26.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_purchases(&self, horizon: f64) -> Result<f64> {
        check_horizon(horizon)?;
        expectation(
            self.r / self.alpha * self.beta * surviving_time(self.s, self.beta, horizon),
            "E[X(t)]",
        )
    }

    /// The expected number of purchases in `(T, T + horizon]` of a customer with
    /// `x` repeat purchases, the last at `t_x`, observed for `T`:
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive) · (r + x)(β + T) / ((α + T)(s − 1)) · [1 − ((β + T) / (β + T + t))^(s − 1)]
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern, [`Error::InvalidParameter`]
    /// for a bad horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let e = model.conditional_expected_purchases(26.0, 30.86, 31.0, 52.0)?;
    /// assert!((e - 25.46).abs() < 0.005); // the published value
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conditional_expected_purchases(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        check_horizon(horizon)?;
        let alive = self.likelihood_terms(x, t_x, big_t).p_alive();
        let beta_t = self.beta + big_t;
        expectation(
            alive * (self.r + x) / (self.alpha + big_t) * beta_t * surviving_time(self.s, beta_t, horizon),
            "E[Y(t) | x, t_x, T]",
        )
    }

    /// The expected purchases in `(T, T + horizon]` of a customer with `x` repeat
    /// purchases observed for `T`, given that they are alive at `T`:
    /// [`conditional_expected_purchases`](Self::conditional_expected_purchases)
    /// is [`p_alive`](Self::p_alive) times this, and this does not depend on
    /// `t_x`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid `x` or `T`,
    /// [`Error::InvalidParameter`] for a bad horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let if_alive = model.expected_purchases_if_alive(2.0, 38.86, 39.0)?;
    /// let expected = model.conditional_expected_purchases(2.0, 30.43, 38.86, 39.0)?;
    /// assert!((expected - model.p_alive(2.0, 30.43, 38.86)? * if_alive).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, 0.0, big_t)?;
        check_horizon(horizon)?;
        let beta_t = self.beta + big_t;
        expectation(
            (self.r + x) / (self.alpha + big_t) * beta_t * surviving_time(self.s, beta_t, horizon),
            "E[Y(t) | alive]",
        )
    }

    /// The probability of no purchase in `(T, T + horizon]`. A customer alive at
    /// `T` with rates λ and μ stays silent if they die first or if the next
    /// purchase comes after `T + h`; given the history, λ and μ are
    /// independent Gamma(r + x, α + T) and Gamma(s, β + T), which gives
    ///
    /// ```text
    /// P(purchase | alive) = (r + x)(α + T)^(r + x) (β + T)^s ∫₀^h (α + T + w)^−(r + x + 1) (β + T + w)^−s dw
    /// P(no purchase)      = 1 − P(alive) · P(purchase | alive)
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern, [`Error::InvalidParameter`]
    /// for a bad horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let quiet = model.p_no_purchase(2.0, 10.0, 38.0, 13.0)?;
    /// assert!(quiet > model.p_no_purchase(2.0, 10.0, 38.0, 52.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn p_no_purchase(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        check_horizon(horizon)?;
        let alive = self.likelihood_terms(x, t_x, big_t).p_alive();
        let buys = self.buys_if_alive(x, big_t, horizon);
        defined((1.0 - alive * buys).clamp(0.0, 1.0), "P(no purchase)")
    }

    /// P(a purchase in `(T, T + horizon]` | alive at `T`, x, T): the factor
    /// of [`p_no_purchase`](Self::p_no_purchase) that does not depend on
    /// `t_x`.
    ///
    /// # Errors
    ///
    /// As [`p_no_purchase`](Self::p_no_purchase).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let buys = model.p_purchase_if_alive(2.0, 38.86, 39.0)?;
    /// let silent = model.p_no_purchase(2.0, 30.43, 38.86, 39.0)?;
    /// assert!((silent - (1.0 - model.p_alive(2.0, 30.43, 38.86)? * buys)).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn p_purchase_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, if x > 0.0 { big_t } else { 0.0 }, big_t)?;
        check_horizon(horizon)?;
        defined(self.buys_if_alive(x, big_t, horizon), "P(a purchase | alive)")
    }

    fn buys_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> f64 {
        let rate_shape = self.r + x;
        let (alpha_t, beta_t) = (self.alpha + big_t, self.beta + big_t);
        let next = PowerPair {
            m: rate_shape + 1.0,
            n: self.s,
            alpha: alpha_t,
            beta: beta_t,
        };
        // The integral comes relative to the integrand at 0, α_T^−(r+x+1) β_T^−s.
        (rate_shape / alpha_t * next.integral(0.0, horizon).value).clamp(0.0, 1.0)
    }

    /// The discounted expected residual transactions (DERT) of a customer:
    /// their expected purchases from `T` on, each discounted continuously
    /// at rate `delta` per unit of time,
    ///
    /// ```text
    /// DERT = P(alive) · (r + x) / (α + T) · ∫₀^∞ e^(−δ t) ((β + T) / (β + T + t))^s dt
    /// ```
    ///
    /// (Fader, Hardie & Lee 2005, written with the integral in place of
    /// Tricomi's confluent hypergeometric function, which it equals up to
    /// a factor, and computed by quadrature). Multiplied by the expected
    /// margin per purchase it is the customer's residual lifetime value. An
    /// annual rate d compounds to δ = ln(1 + d) / (time units per year).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern;
    /// [`Error::InvalidParameter`] unless `delta` is finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ParetoNbd;
    ///
    /// let model = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let weekly = (1.15_f64).ln() / 52.0; // 15 % a year, in weeks
    /// let dert = model.discounted_expected_residual_purchases(2.0, 30.43, 38.86, weekly)?;
    /// assert!(dert > model.conditional_expected_purchases(2.0, 30.43, 38.86, 52.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "DERT")]
    pub fn discounted_expected_residual_purchases(
        &self,
        x: f64,
        t_x: f64,
        big_t: f64,
        delta: f64,
    ) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::InvalidParameter {
                name: "delta",
                value: delta.to_string(),
                expected: "a finite discount rate > 0 per unit of time",
            });
        }
        let alive = self.likelihood_terms(x, t_x, big_t).p_alive();
        let beta_t = self.beta + big_t;
        Ok(
            alive * (self.r + x) / (self.alpha + big_t)
                * beta_t
                * discounted_survival(self.s, delta * beta_t),
        )
    }

    fn likelihood_terms(&self, x: f64, t_x: f64, big_t: f64) -> LikelihoodTerms {
        likelihood_terms(self.params(), x, t_x, big_t)
    }
}

/// ∫₀^t (β / (β + w))^s dw / β = [1 − (1 + t/β)^−(s−1)] / (s − 1), with the
/// limit ln(1 + t/β) at s = 1: the expected time a customer with dropout
/// rate μ ~ Gamma(s, β) stays alive in `(0, t]`, over β.
fn surviving_time(s: f64, beta: f64, t: f64) -> f64 {
    let u = (t / beta).ln_1p();
    let k = s - 1.0;
    if k == 0.0 { u } else { -(-k * u).exp_m1() / k }
}

/// ∫₀^∞ e^(−k v) (1 + v)^−s dv for k > 0, by quadrature in ln v over the
/// range where the integrand is not negligible.
fn discounted_survival(s: f64, k: f64) -> f64 {
    // Below v₀ the integrand is below 1 and integrates to less than v₀;
    // above v₁ it is below e^−40 of its value at 1/k or 1.
    let v0 = 1e-17 * (1.0 / k).min(1.0);
    let v1 = (1.0 / k).max(1.0) * 40.0;
    let [value] = integrate(v0.ln(), v1.ln(), |ln_v| {
        let v = ln_v.exp();
        [(ln_v - k * v - s * v.ln_1p()).exp()]
    });
    value
}

/// The likelihood of one `(x, t_x, T)` as its two terms, relative to the
/// integrand f(t_x) = (α + t_x)^−(r+x) (β + t_x)^−(s+1):
///
/// ```text
/// L = Γ(r + x) α^r β^s / Γ(r) · [(α + T)^−(r+x) (β + T)^−s + s ∫_{t_x}^T (α + w)^−(r+x) (β + w)^−(s+1) dw]
/// ```
///
/// The first bracketed term is "alive at T", the second "died at some w
/// between the last purchase and T".
struct LikelihoodTerms {
    /// ln(α^r β^s f(t_x)), the factor outside the bracket but Γ's.
    ln_scale: f64,
    /// (α + T)^−(r+x) (β + T)^−s / f(t_x).
    alive: f64,
    /// The integral over w / f(t_x) and its gradient in (r + x, s + 1, α, β).
    died: super::power_integral::Integral,
    /// s, the factor of the second term.
    s: f64,
}

impl LikelihoodTerms {
    fn p_alive(&self) -> f64 {
        let s_died = self.died.value * self.s;
        (self.alive / (self.alive + s_died)).clamp(0.0, 1.0)
    }
}

fn likelihood_terms(params: [f64; 4], x: f64, t_x: f64, big_t: f64) -> LikelihoodTerms {
    let [r, alpha, s, beta] = params;
    let pair = PowerPair {
        m: r + x,
        n: s + 1.0,
        alpha,
        beta,
    };
    // Written with ratios of offsets (ln(1 + t / α) rather than
    // ln(α + t) − ln α): at parameters near 10¹⁰, where a fit of few
    // customers can run, the differences of logarithms would keep only a
    // few digits and the likelihood would be noise to the optimiser.
    let gap = big_t - t_x;
    let ln_scale =
        -r * (t_x / alpha).ln_1p() - x * (alpha + t_x).ln() - s * (t_x / beta).ln_1p() - (beta + t_x).ln();
    let alive = (-(r + x) * (gap / (alpha + t_x)).ln_1p() - s * (gap / (beta + t_x)).ln_1p()
        + (beta + t_x).ln())
    .exp();
    LikelihoodTerms {
        ln_scale,
        alive,
        died: pair.integral(t_x, big_t),
        s,
    }
}

/// Σ wᵢ ln Lᵢ over the rows and its gradient in (r, α, s, β).
fn log_likelihood(params: &[f64], rows: &[FrequencyRow], gradient: &mut [f64]) -> f64 {
    let [r, alpha, s, beta] = match params {
        [r, alpha, s, beta] => [*r, *alpha, *s, *beta],
        _ => return f64::NAN,
    };
    // Summed in fixed pieces, in order: the same bits on any number of cores.
    let partials = map_pieces(rows.len(), SUM_PIECE, |piece| {
        let rows = crate::invariant::range(rows, piece).unwrap_or(&[]);
        let (mut ll, mut g) = (0.0, [0.0_f64; 4]);
        // Rows are sorted by frequency: Γ and ψ of r + x once per run of equal x.
        let mut of_x = RateTerms::default();
        for row in rows {
            let (value, gradient) =
                row_log_likelihood([r, alpha, s, beta], row.frequency, row.recency, row.t, &mut of_x);
            ll += row.weight * value;
            g.iter_mut()
                .zip(gradient)
                .for_each(|(total, part)| *total += row.weight * part);
        }
        (ll, g)
    });
    let (ll, g) = sum_partials(partials);
    gradient.iter_mut().zip(g).for_each(|(out, v)| *out = v);
    ll
}

/// What one customer's likelihood takes from r and x alone, kept from
/// one row to the next while they stay the same (the default holds none).
#[derive(Debug, Clone, Copy)]
pub struct RateTerms {
    r: f64,
    ln_gamma_r: f64,
    psi_r: f64,
    x: f64,
    ln_gamma_rx: f64,
    psi_rx: f64,
}

impl Default for RateTerms {
    fn default() -> Self {
        Self {
            r: f64::NAN,
            ln_gamma_r: 0.0,
            psi_r: 0.0,
            x: f64::NAN,
            ln_gamma_rx: 0.0,
            psi_rx: 0.0,
        }
    }
}

impl RateTerms {
    fn new(r: f64) -> Self {
        Self {
            r,
            ln_gamma_r: ln_gamma(r),
            psi_r: digamma(r),
            x: f64::NAN,
            ln_gamma_rx: 0.0,
            psi_rx: 0.0,
        }
    }

    fn at(&mut self, r: f64, x: f64) -> &Self {
        if r.to_bits() != self.r.to_bits() {
            *self = Self::new(r);
        }
        if x.to_bits() != self.x.to_bits() {
            self.x = x;
            self.ln_gamma_rx = ln_gamma(r + x);
            self.psi_rx = digamma(r + x);
        }
        self
    }
}

/// ln L of one customer `(x, t_x, T)` and its gradient in (r, α, s, β).
pub(crate) fn row_log_likelihood(
    params: [f64; 4],
    x: f64,
    t_x: f64,
    big_t: f64,
    rate_terms: &mut RateTerms,
) -> (f64, [f64; 4]) {
    let [r, alpha, s, beta] = params;
    let of_x = rate_terms.at(r, x);
    let terms = likelihood_terms(params, x, t_x, big_t);
    let (alive, died) = (terms.alive, terms.died);
    let bracket = alive + s * died.value;
    let [d_m, d_n, d_alpha, d_beta] = died.gradient;
    // ∂ of the bracket (relative to f(t_x)) in r, α, s, β.
    let d_bracket = [
        -(alpha + big_t).ln() * alive + s * d_m,
        -(r + x) / (alpha + big_t) * alive + s * d_alpha,
        -(beta + big_t).ln() * alive + died.value + s * d_n,
        -s / (beta + big_t) * alive + s * d_beta,
    ];
    let value = of_x.ln_gamma_rx - of_x.ln_gamma_r + terms.ln_scale + bracket.ln();
    let gradient = [
        of_x.psi_rx - of_x.psi_r + alpha.ln() + d_bracket[0] / bracket,
        r / alpha + d_bracket[1] / bracket,
        beta.ln() + d_bracket[2] / bracket,
        s / beta + d_bracket[3] / bracket,
    ];
    (value, gradient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::fit::assert_gradient_matches_differences;

    /// 8,000 customers drawn from the Pareto/NBD process; a warm start from
    /// a fit of about 1,000 of their patterns.
    #[cfg(feature = "synthetic")]
    #[test]
    fn a_warm_start_reaches_the_cold_optimum_in_fewer_iterations() {
        let mut rng = crate::synthetic::Rng::new(9);
        let rows: Vec<_> = (0..8_000)
            .map(|_| {
                let rate = rng.gamma(0.55) / 10.0;
                let death = rng.gamma(0.6) / 12.0;
                let t = 30.0 + 50.0 * rng.uniform();
                let alive = (-(1.0 - rng.uniform()).ln() / death).min(t);
                let (mut x, mut t_x, mut at) = (0.0, 0.0, 0.0);
                loop {
                    at += -(1.0 - rng.uniform()).ln() / rate;
                    if at > alive {
                        break;
                    }
                    (x, t_x) = (x + 1.0, at);
                }
                (x, t_x, t, 1.0)
            })
            .collect();
        let data = FrequencyData::from_rows(rows).unwrap();
        let options = FitOptions::default();
        let sample = data.sample_of_about(1_000).unwrap();
        let (_, warm) = ParetoNbd::fit_warm(&sample, &options).unwrap();
        let (from_warm, _) = ParetoNbd::fit_from(&data, &options, Some(&warm)).unwrap();
        let (cold, _) = ParetoNbd::fit_from(&data, &options, None).unwrap();
        let (w, c) = (&from_warm.model, &cold.model);
        for (a, b) in [(w.r, c.r), (w.alpha, c.alpha), (w.s, c.s), (w.beta, c.beta)] {
            assert!((a / b - 1.0).abs() < 1e-5, "{w:?} vs {c:?}");
        }
        let (lw, lc) = (from_warm.report.log_likelihood, cold.report.log_likelihood);
        assert!((lw - lc).abs() < 1e-9 * lc.abs(), "{lw} vs {lc}");
        assert!(from_warm.report.iterations < cold.report.iterations);
    }

    #[test]
    fn the_gradient_equals_central_differences() {
        let data = FrequencyData::from_rows([
            (0.0, 0.0, 38.86, 3.0),
            (2.0, 30.43, 38.86, 1.0),
            (1.0, 1.71, 38.86, 2.0),
            (7.0, 29.43, 38.86, 1.0),
            (3.0, 38.86, 38.86, 1.0),
        ])
        .unwrap();
        for params in [
            [0.553, 10.578, 0.606, 11.669],
            [2.0, 0.5, 3.0, 0.7],
            [0.5, 100.0, 1.0, 0.1],
            [0.5, 0.1, 1.5, 100.0],
        ] {
            assert_gradient_matches_differences(|p, g| log_likelihood(p, data.rows(), g), &params);
        }
    }

    /// Found by fuzzing: a fit of the single customer (15, 23, 35) runs r
    /// and α past 10¹⁰, where ln(α + w) − ln(α + t) kept four digits. The
    /// integrand was noise, every quadrature split to its 4,096-piece
    /// bound and the fit took seconds. Against mpmath
    /// (tests/data/make_special_reference.py), to 1e-9: with the
    /// cancellation, P(alive) here was off by ~1e-4 relative.
    #[test]
    fn huge_rate_parameters_keep_their_digits() {
        let cases = [
            (
                63750404690.65759,
                104556998784.15967,
                17640.092189863914,
                436279.11679944897,
                15.0,
                23.0,
                35.0,
                0.4301396955500735,
                0.006536645033758562,
            ),
            (
                213860561949459.0,
                350775568175308.75,
                421664.2743122894,
                10442163.748045063,
                15.0,
                23.0,
                35.0,
                0.43028091478179953,
                0.006550765436268489,
            ),
            (
                1e9,
                2e9,
                0.5,
                10.0,
                3.0,
                30.0,
                40.0,
                0.6189286264849645,
                0.20612001601914262,
            ),
        ];
        for (r, alpha, s, beta, x, t_x, big_t, ln_died, p_alive) in cases {
            let terms = likelihood_terms([r, alpha, s, beta], x, t_x, big_t);
            assert!(
                (terms.died.value.ln() - ln_died).abs() < 1e-9,
                "{r}: ln Δ = {}",
                terms.died.value.ln()
            );
            assert!(
                (terms.p_alive() / p_alive - 1.0).abs() < 1e-9,
                "{r}: P(alive) = {}",
                terms.p_alive()
            );
        }
    }
}
