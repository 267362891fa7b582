//! The modified BG/NBD model of Batislam, Denizel & Filiztekin (2007).

use super::ModelTime;
use super::bgnbd::{
    Dropout, Patterns, check_horizon, fit_parameters, log_likelihood, p_alive, purchases_while_alive,
};
use super::data::{FrequencyData, check_pattern};
use super::fit::{Fit, FitOptions};
use super::model::{defined, expectation};
use super::special::{inc_beta, ln_beta, ln_gamma};
use crate::Result;

/// The modified BG/NBD (MBG/NBD) model: as [`BetaGeo`](super::BetaGeo),
/// except that a customer may also drop out right after the first
/// purchase, so a customer without repeat purchases is not certainly alive.
///
/// Invariant: r, α, a, b are finite and > 0.
///
/// Sources: E. P. Batislam, M. Denizel, A. Filiztekin (2007), "Empirical
/// validation and comparison of models for customer base analysis",
/// *International Journal of Research in Marketing* 24(3), 201–209;
/// conditional expectation from U. Wagner, D. Hoppe (2008).
///
/// # Example
///
/// ```
/// use repurchase::models::ModifiedBetaGeo;
///
/// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
/// assert!(model.p_alive(0.0, 0.0, 38.86)? < 1.0); // unlike BG/NBD
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "MBG/NBD")]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ModifiedBetaGeo {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    time: Option<ModelTime>,
}

crate::stored::deserialize_checked!(ModifiedBetaGeo { r: f64, alpha: f64, a: f64, b: f64, time: Option<ModelTime> } => {
    ModifiedBetaGeo::new(r, alpha, a, b).map(|model| model.in_time_of(time))
});
super::model::timed_model!(
    ModifiedBetaGeo,
    "ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?"
);

impl ModifiedBetaGeo {
    /// The model with known parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a parameter is not finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModifiedBetaGeo;
    ///
    /// assert!(ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614).is_ok());
    /// assert!(ModifiedBetaGeo::new(0.525, -1.0, 0.891, 1.614).is_err());
    /// ```
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        let model = super::BetaGeo::new(r, alpha, a, b)?;
        Ok(Self {
            r: model.r(),
            alpha: model.alpha(),
            a: model.a(),
            b: model.b(),
            time: None,
        })
    }

    /// The parameters `[r, α, a, b]`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::ModifiedBetaGeo;
    /// assert_eq!(ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?.params(), [0.525, 6.183, 0.891, 1.614]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// Fits the model by maximum likelihood, as [`BetaGeo::fit`](super::BetaGeo::fit).
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientData`](crate::Error::InsufficientData) for no rows or no repeat purchase;
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for bad [`FitOptions`].
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::{FitOptions, FrequencyData, ModifiedBetaGeo}, SummaryOptions, TimeUnit};
    ///
    /// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
    /// let fit = ModifiedBetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
    /// assert!((fit.model.params()[0] - 0.525).abs() < 0.001); // the published estimate
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &FrequencyData, options: &FitOptions) -> Result<Fit<Self>> {
        let ([r, alpha, a, b], report) = fit_parameters(data, options, Dropout::AfterEveryPurchase)?;
        Ok(Fit {
            model: Self::new(r, alpha, a, b)?.in_time_of(data.time()),
            report,
        })
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FrequencyData, ModifiedBetaGeo};
    ///
    /// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
    /// assert!(model.log_likelihood(&FrequencyData::from_rows([(1.0, 3.0, 38.86, 1.0)])?) < 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &FrequencyData) -> f64 {
        log_likelihood(
            &self.params(),
            &Patterns::new(data.rows()),
            &mut [0.0; 4],
            Dropout::AfterEveryPurchase,
        )
    }

    /// The probability that the customer is alive at `T`:
    ///
    /// ```text
    /// P(alive | x, t_x, T) = 1 / (1 + a / (b + x) · ((α + T) / (α + t_x))^(r + x))
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when `(x, t_x, T)` is not a valid pattern.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModifiedBetaGeo;
    ///
    /// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
    /// assert!(model.p_alive(3.0, 37.0, 38.86)? > model.p_alive(3.0, 5.0, 38.86)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "P(alive)")]
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        defined(
            p_alive(self.params(), Dropout::AfterEveryPurchase, x, t_x, big_t),
            "P(alive)",
        )
    }

    /// The expected number of purchases of a new customer in `(0, t]`, `t` the horizon:
    ///
    /// ```text
    /// E[X(t)] = b / (a − 1) · [1 − (α / (α + t))^r · ₂F₁(r, b + 1; a + b; t / (α + t))]
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a bad horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModifiedBetaGeo;
    ///
    /// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
    /// assert!(model.expected_purchases(52.0)? > model.expected_purchases(26.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_purchases(&self, horizon: f64) -> Result<f64> {
        check_horizon(horizon)?;
        let [r, alpha, a, b] = self.params();
        // Alive after the first purchase with probability b / (a + b), and
        // then p ~ Beta(a, b + 1).
        expectation(
            b / (a + b) * purchases_while_alive(r, alpha, a, b + 1.0, horizon),
            "E[X(t)]",
        )
    }

    /// The probability that a new customer makes exactly `x` repeat
    /// purchases in `(0, horizon]`. As for BG/NBD, with the first purchase a
    /// chance to drop out too: gone at once (x = 0), alive throughout, or
    /// dropped out after the x-th repeat purchase,
    ///
    /// ```text
    /// P(X(t) = x) = δ(x = 0) · a/(a + b)
    ///             + B(a, b + x + 1)/B(a, b) · Γ(r + x)/(Γ(r) x!) · (α/(α + t))^r · (t/(α + t))^x
    ///             + δ(x > 0) · B(a + 1, b + x)/B(a, b) · I_{t/(α+t)}(x, r)
    /// ```
    ///
    /// where I is the regularized incomplete beta function.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a negative or non-finite `horizon`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModifiedBetaGeo;
    ///
    /// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
    /// let total: f64 = (0..2_000).map(|x| model.purchase_count_probability(x, 39.0)).sum::<Result<f64, _>>()?;
    /// assert!((total - 1.0).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchase_count_probability(&self, x: u32, horizon: f64) -> Result<f64> {
        check_horizon(horizon)?;
        let [r, alpha, a, b] = self.params();
        let x = f64::from(x);
        if horizon == 0.0 {
            return Ok(if x == 0.0 { 1.0 } else { 0.0 });
        }
        let gone_at_once = if x == 0.0 { a / (a + b) } else { 0.0 };
        let (ln_p, ln_q) = (
            (alpha / (alpha + horizon)).ln(),
            (horizon / (alpha + horizon)).ln(),
        );
        let alive =
            (ln_beta(a, b + x + 1.0) - ln_beta(a, b) + ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
                + r * ln_p
                + x * ln_q)
                .exp();
        let died = if x > 0.0 {
            (ln_beta(a + 1.0, b + x) - ln_beta(a, b)).exp()
                * inc_beta(horizon / (alpha + horizon), alpha / (alpha + horizon), x, r)
        } else {
            0.0
        };
        defined((gone_at_once + alive + died).clamp(0.0, 1.0), "P(X(t) = x)")
    }

    /// The expected number of purchases in `(T, T + horizon]` given `(x, t_x, T)`:
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = (a + b + x) / (a − 1)
    ///     · [1 − ((α + T) / (α + T + t))^(r + x) · ₂F₁(r + x, b + x + 1; a + b + x; t / (α + T + t))]
    ///     / (1 + a / (b + x) · ((α + T) / (α + t_x))^(r + x))
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an invalid pattern, [`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// for a bad horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModifiedBetaGeo;
    ///
    /// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
    /// assert!(model.conditional_expected_purchases(2.0, 30.43, 38.86, 39.0)? > 0.5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conditional_expected_purchases(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        check_horizon(horizon)?;
        let [r, alpha, a, b] = self.params();
        let alive = p_alive(self.params(), Dropout::AfterEveryPurchase, x, t_x, big_t);
        expectation(
            alive * purchases_while_alive(r + x, alpha + big_t, a, b + x + 1.0, horizon),
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
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an invalid
    /// `x` or `T`, [`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// for a bad horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModifiedBetaGeo;
    ///
    /// let model = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
    /// let if_alive = model.expected_purchases_if_alive(2.0, 38.86, 39.0)?;
    /// let expected = model.conditional_expected_purchases(2.0, 30.43, 38.86, 39.0)?;
    /// assert!((expected - model.p_alive(2.0, 30.43, 38.86)? * if_alive).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, 0.0, big_t)?;
        check_horizon(horizon)?;
        let [r, alpha, a, b] = self.params();
        expectation(
            purchases_while_alive(r + x, alpha + big_t, a, b + x + 1.0, horizon),
            "E[Y(t) | alive]",
        )
    }
}
