//! The BG/NBD model of Fader, Hardie & Lee (2005).

use super::ModelTime;
use super::data::{FrequencyData, FrequencyRow, check_pattern};
use super::fit::{Fit, FitOptions, FitReport, WarmStart, maximise, warm_started};
use super::model::{check_parameters, defined, expectation};
use super::runs::Runs;
use super::special::{digamma, hyp2f1, inc_beta, integrate, ln_beta, ln_gamma};
use crate::hash::FastMap;
use crate::parallel::{SUM_PIECE, map_pieces, sum_partials};
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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BetaGeo {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    time: Option<ModelTime>,
}

crate::stored::deserialize_checked!(BetaGeo { r: f64, alpha: f64, a: f64, b: f64, time: Option<ModelTime> } => {
    BetaGeo::new(r, alpha, a, b).map(|model| model.in_time_of(time))
});
super::model::timed_model!(BetaGeo, "BetaGeo::new(0.243, 4.414, 0.793, 2.426)?");

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
        check_parameters(&[("r", r), ("alpha", alpha), ("a", a), ("b", b)])?;
        Ok(Self {
            r,
            alpha,
            a,
            b,
            time: None,
        })
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
    /// let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
    /// assert!((fit.model.r() - 0.243).abs() < 0.001); // the paper's estimate
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &FrequencyData, options: &FitOptions) -> Result<Fit<Self>> {
        let ([r, alpha, a, b], report) = fit_parameters(data, options, Dropout::AfterRepeats)?;
        let model = Self::new(r, alpha, a, b)?.in_time_of(data.time());
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
            &Patterns::new(data.rows()),
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
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        defined(self.p_alive_unchecked(x, t_x, big_t), "P(alive)")
    }

    fn p_alive_unchecked(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        p_alive(
            [self.r, self.alpha, self.a, self.b],
            Dropout::AfterRepeats,
            x,
            t_x,
            big_t,
        )
    }

    /// The expected number of purchases of a new customer in `(0, t]`, `t` the horizon:
    ///
    /// ```text
    /// E[X(t)] = (a + b − 1) / (a − 1) · [1 − (α / (α + t))^r · ₂F₁(r, b; a + b − 1; t / (α + t))]
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `horizon`.
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
    pub fn expected_purchases(&self, horizon: f64) -> Result<f64> {
        check_horizon(horizon)?;
        expectation(
            purchases_while_alive(self.r, self.alpha, self.a, self.b, horizon),
            "E[X(t)]",
        )
    }

    /// The probability that a new customer makes exactly `x` repeat
    /// purchases in `(0, horizon]` (equation 8 of the paper):
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
    /// [`Error::InvalidParameter`] for a negative or non-finite `horizon`.
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
    pub fn purchase_count_probability(&self, x: u32, horizon: f64) -> Result<f64> {
        check_horizon(horizon)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let x = f64::from(x);
        if horizon == 0.0 {
            return Ok(if x == 0.0 { 1.0 } else { 0.0 });
        }
        let (ln_p, ln_q) = (
            (alpha / (alpha + horizon)).ln(),
            (horizon / (alpha + horizon)).ln(),
        );
        let alive = (ln_beta(a, b + x) - ln_beta(a, b) + ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
            + r * ln_p
            + x * ln_q)
            .exp();
        let died = if x > 0.0 {
            (ln_beta(a + 1.0, b + x - 1.0) - ln_beta(a, b)).exp()
                * inc_beta(horizon / (alpha + horizon), alpha / (alpha + horizon), x, r)
        } else {
            0.0
        };
        defined((alive + died).clamp(0.0, 1.0), "P(X(t) = x)")
    }

    /// The expected number of purchases in `(T, T + horizon]` of a customer with
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
    /// for a bad horizon.
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
    pub fn conditional_expected_purchases(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, big_t)?;
        check_horizon(horizon)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let alive = self.p_alive_unchecked(x, t_x, big_t);
        expectation(
            alive * purchases_while_alive(r + x, alpha + big_t, a, b + x, horizon),
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
    /// use repurchase::models::BetaGeo;
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let if_alive = model.expected_purchases_if_alive(2.0, 38.86, 39.0)?;
    /// let expected = model.conditional_expected_purchases(2.0, 30.43, 38.86, 39.0)?;
    /// assert!((expected - model.p_alive(2.0, 30.43, 38.86)? * if_alive).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, 0.0, big_t)?;
        check_horizon(horizon)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        expectation(
            purchases_while_alive(r + x, alpha + big_t, a, b + x, horizon),
            "E[Y(t) | alive]",
        )
    }
}

/// The expected purchases in `(0, t]` of a customer alive at 0 whose
/// purchase rate is Gamma(shape, scale) and whose dropout probability after
/// each purchase is Beta(a, b): given p the purchases before dropping out
/// are 1/p on average, reached at rate λp, so
///
/// ```text
/// E = ∫₀¹ [1 − (scale / (scale + p t))^shape] / p · Beta(p; a, b) dp
///   = (a + b − 1) / (a − 1) · [1 − (scale / (scale + t))^shape · ₂F₁(shape, b; a + b − 1; t / (scale + t))]
/// ```
///
/// The closed form (the papers') is used where its series converges fast
/// and nothing cancels. Near z = 1 (horizons far beyond the rate scale),
/// near a = 1 (where (a − 1) cancels), for a + b ≤ 1 (where the series is
/// undefined) and for tiny horizons (where 1 − ratio · ₂F₁ cancels) the
/// integral is computed instead, so every finite input gives a finite,
/// accurate answer.
pub(crate) fn purchases_while_alive(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    if t == 0.0 {
        return 0.0;
    }
    let z = t / (scale + t);
    let closed_form = (1e-3..=0.999).contains(&z) && (a - 1.0).abs() >= 1e-4 && a + b > 1.0;
    if closed_form {
        if let Some(series) = hyp2f1(shape, b, a + b - 1.0, z) {
            let ratio = (scale / (scale + t)).powf(shape);
            return (a + b - 1.0) / (a - 1.0) * (1.0 - ratio * series);
        }
    }
    purchases_while_alive_by_quadrature(shape, t / scale, a, b)
}

/// The integral of [`purchases_while_alive`] with `u = t / scale`, split at
/// p = 1/2. Where a ≤ 1 the mass near p = 0 is spread over every scale of
/// p, so the left half is integrated in v = pᵃ (dv = a pᵃ⁻¹ dp), which makes
/// it smooth; likewise the right half in (1 − p)ᵇ where b ≤ 1.
fn purchases_while_alive_by_quadrature(shape: f64, u: f64, a: f64, b: f64) -> f64 {
    let ln_norm = -ln_beta(a, b);
    // [1 − (1 + p u)^−shape] / p, with its limit shape · u at p = 0.
    let per_dropout = |p: f64| {
        let x = p * u;
        if x < 1e-300 {
            shape * u
        } else {
            -(-shape * x.ln_1p()).exp_m1() / p
        }
    };
    let left = if a <= 1.0 {
        let [v] = integrate(0.0, 0.5_f64.powf(a), |v| {
            let p = v.powf(1.0 / a);
            [((b - 1.0) * (-p).ln_1p() + ln_norm - a.ln()).exp() * per_dropout(p)]
        });
        v
    } else {
        let [v] = integrate(0.0, 0.5, |p| {
            [((a - 1.0) * p.ln() + (b - 1.0) * (-p).ln_1p() + ln_norm).exp() * per_dropout(p)]
        });
        v
    };
    let right = if b <= 1.0 {
        let [v] = integrate(0.0, 0.5_f64.powf(b), |w| {
            let q = w.powf(1.0 / b);
            let p = 1.0 - q;
            [((a - 1.0) * (-q).ln_1p() + ln_norm - b.ln()).exp() * per_dropout(p)]
        });
        v
    } else {
        let [v] = integrate(0.0, 0.5, |q| {
            let p = 1.0 - q;
            [((a - 1.0) * (-q).ln_1p() + (b - 1.0) * q.ln() + ln_norm).exp() * per_dropout(p)]
        });
        v
    };
    left + right
}

/// Maximum-likelihood (r, α, a, b) of the BG/NBD family.
pub(crate) fn fit_parameters(
    data: &FrequencyData,
    options: &FitOptions,
    dropout: Dropout,
) -> Result<([f64; 4], FitReport)> {
    // Large data first fits a sample of itself (see `warm_started`).
    let fitted = warm_started(data, &FrequencyData::warm_start_sample, &|data, warm| {
        data.check_identifiable()?;
        fit_from(data, options, dropout, warm).map(|(p, report, warm)| ((p, report), warm))
    });
    fitted.map(|(fit, _)| fit)
}

/// [`fit_parameters`] from `warm` first, when given, then from three
/// default points scaled to the data.
fn fit_from(
    data: &FrequencyData,
    options: &FitOptions,
    dropout: Dropout,
    warm: Option<&WarmStart>,
) -> Result<([f64; 4], FitReport, WarmStart)> {
    let mean_t = data.rows().iter().map(|r| r.t * r.weight).sum::<f64>() / data.customers();
    let scale = mean_t.max(1e-3);
    let defaults: [&[f64]; 3] = [
        &[1.0, scale, 1.0, 1.0],
        &[0.1, 0.1 * scale, 0.5, 2.0],
        &[2.0, 2.0 * scale, 2.0, 5.0],
    ];
    let patterns = Patterns::new(data.rows());
    let (p, report, warm) = maximise(
        &["r", "alpha", "a", "b"],
        data.customers(),
        |params, gradient| log_likelihood(params, &patterns, gradient, dropout),
        warm,
        &defaults,
        options,
    )?;
    match p.as_slice() {
        [r, alpha, a, b] => Ok(([*r, *alpha, *a, *b], report, warm)),
        _ => Err(Error::InsufficientData {
            needed: "four parameters",
        }),
    }
}

/// A prediction horizon: finite and ≥ 0.
pub(crate) fn check_horizon(horizon: f64) -> Result<()> {
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(Error::InvalidParameter {
            name: "horizon",
            value: horizon.to_string(),
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

/// [`p_alive`] at each of `recencies` for one `(x, T)`, into `out`: the
/// terms that do not depend on t_x taken once.
pub(crate) fn p_alive_by_recency(
    params: [f64; 4],
    dropout: Dropout,
    x: f64,
    t: f64,
    recencies: &[f64],
    out: &mut [f64],
) {
    let [r, alpha, a, b] = params;
    if !dropout.applies(x) {
        out.iter_mut().for_each(|p| *p = 1.0);
        return;
    }
    let shared = (a / (b + x - 1.0 + dropout.shift())).ln() + (r + x) * (alpha + t).ln();
    for (p, &t_x) in out.iter_mut().zip(recencies) {
        let ln_odds = shared - (r + x) * (alpha + t_x).ln();
        *p = if ln_odds > 0.0 {
            (-ln_odds).exp() / (1.0 + (-ln_odds).exp())
        } else {
            1.0 / (1.0 + ln_odds.exp())
        };
    }
}

/// The rows as the likelihood reads them: each row's recency as a
/// position among the distinct recencies (so that an evaluation takes
/// ln(α + t_x) once per distinct value: daily data in weeks has a few
/// hundred, against hundreds of thousands of rows) and its weight, 12 bytes
/// a row; and the runs of equal (x, T), whose terms are taken once.
#[derive(Debug, Clone)]
pub(crate) struct Patterns {
    recencies: Vec<f64>,
    of_row: Vec<u32>,
    weights: Vec<f64>,
    /// Runs of equal (x, T).
    runs: Runs<(f64, f64)>,
}

impl Patterns {
    pub(crate) fn new(rows: &[FrequencyRow]) -> Self {
        let mut numbers: FastMap<u64, u32> = FastMap::default();
        let mut recencies = Vec::new();
        let of_row = rows
            .iter()
            .map(|row| {
                *numbers.entry(row.recency.to_bits()).or_insert_with(|| {
                    recencies.push(row.recency);
                    (recencies.len() - 1) as u32
                })
            })
            .collect();
        Self {
            recencies,
            of_row,
            weights: rows.iter().map(|row| row.weight).collect(),
            runs: Runs::of(rows.iter().map(|row| (row.frequency, row.t))),
        }
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
    patterns: &Patterns,
    gradient: &mut [f64],
    dropout: Dropout,
) -> f64 {
    let [r, alpha, a, b] = match params {
        [r, alpha, a, b] => [*r, *alpha, *a, *b],
        _ => return f64::NAN,
    };
    let (ln_gamma_r, psi_r, ln_beta_ab, psi_ab) = (ln_gamma(r), digamma(r), ln_beta(a, b), digamma(a + b));
    let (psi_b, ln_alpha) = (digamma(b), alpha.ln());
    // ln(α + t_x) and 1 / (α + t_x) once per distinct recency.
    let ln_atx: Vec<f64> = patterns.recencies.iter().map(|t_x| (alpha + t_x).ln()).collect();
    let inv_atx: Vec<f64> = patterns.recencies.iter().map(|t_x| 1.0 / (alpha + t_x)).collect();
    let k = dropout.shift();
    let constants = RunConstants {
        r,
        alpha,
        a,
        b,
        k,
        ln_gamma_r,
        psi_r,
        ln_beta_ab,
        psi_ab,
        psi_b,
        ln_alpha,
        dropout,
    };
    // Summed in fixed pieces, in order: the same bits on any number of cores.
    let partials = map_pieces(patterns.weights.len(), SUM_PIECE, |piece| {
        let (mut ll, mut g) = (0.0, [0.0_f64; 4]);
        // Rows are sorted by x, then T: everything that depends on x alone
        // is computed once per run of equal x, and on (x, T) once per run of
        // equal (x, T) (or the part of it in this piece); row by row only the
        // terms of t_x are summed.
        let mut of_x = XTerms::new(&constants, f64::NAN);
        for ((x, big_t), part) in patterns.runs.in_piece(piece) {
            if x != of_x.x {
                of_x = XTerms::new(&constants, x);
            }
            let mut run = RowRun::new(big_t, &constants);
            let weights = crate::invariant::range(&patterns.weights, part.clone()).unwrap_or(&[]);
            if !of_x.applies {
                run.w = weights.iter().sum();
            } else {
                let of_row = crate::invariant::range(&patterns.of_row, part).unwrap_or(&[]);
                for (&w, &t_x) in weights.iter().zip(of_row) {
                    let (ln_atx, inv_atx) = (
                        crate::invariant::item(&ln_atx, t_x as usize)
                            .copied()
                            .unwrap_or(f64::NAN),
                        crate::invariant::item(&inv_atx, t_x as usize)
                            .copied()
                            .unwrap_or(f64::NAN),
                    );
                    // L = (α + T)^−(r+x) · [1 + δ · a / (b + x − 1 + k) · ((α + T) / (α + t_x))^(r+x)]:
                    // the bracket is 1 + e^d, so ln L and the second term's
                    // share w₂ of it come from one exp of d.
                    // Plain ln rather than ln_1p below: these feed sums of
                    // logs, where an absolute error of an ulp is all that
                    // matters, and ln is the cheaper of the two.
                    let ln_ratio = run.ln_at - ln_atx;
                    let d = of_x.ln_odds + of_x.rx * ln_ratio;
                    let (ln_bracket, w2) = if d > 0.0 {
                        let e = (-d).exp();
                        (d + (1.0 + e).ln(), 1.0 / (1.0 + e))
                    } else {
                        let e = d.exp();
                        ((1.0 + e).ln(), e / (1.0 + e))
                    };
                    run.w += w;
                    run.w_ln_bracket += w * ln_bracket;
                    run.w_w2 += w * w2;
                    run.w_w2_ln_ratio += w * w2 * ln_ratio;
                    run.w_w2_inv_atx += w * w2 * inv_atx;
                }
            }
            run.add_to(&of_x, &constants, &mut ll, &mut g);
        }
        (ll, g)
    });
    let (ll, g) = sum_partials(partials);
    gradient.iter_mut().zip(g).for_each(|(out, v)| *out = v);
    ll
}

/// What one likelihood evaluation computes once from the parameters.
#[derive(Debug, Clone, Copy)]
struct RunConstants {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    k: f64,
    ln_gamma_r: f64,
    psi_r: f64,
    ln_beta_ab: f64,
    psi_ab: f64,
    psi_b: f64,
    ln_alpha: f64,
    dropout: Dropout,
}

/// The likelihood's terms of one frequency x.
#[derive(Debug, Clone, Copy)]
struct XTerms {
    x: f64,
    rx: f64,
    /// ln Γ(r + x) − ln Γ(r) + ln B(a, b + x + k) − ln B(a, b) + r ln α.
    x_terms: f64,
    psi_rx: f64,
    psi_abxk: f64,
    psi_bxk: f64,
    /// Whether the "died after the last purchase" term applies.
    applies: bool,
    ln_odds: f64,
    /// b + x − 1 + k.
    b_x: f64,
}

impl XTerms {
    fn new(c: &RunConstants, x: f64) -> Self {
        let b_x = c.b + x - 1.0 + c.k;
        Self {
            x,
            rx: c.r + x,
            x_terms: ln_gamma(c.r + x) - c.ln_gamma_r + ln_beta(c.a, c.b + x + c.k) - c.ln_beta_ab
                + c.r * c.ln_alpha,
            psi_rx: digamma(c.r + x),
            psi_abxk: digamma(c.a + c.b + x + c.k),
            psi_bxk: digamma(c.b + x + c.k),
            applies: c.dropout.applies(x),
            ln_odds: (c.a / b_x).ln(),
            b_x,
        }
    }
}

/// The rows of one (x, T): their weight, and the weighted sums of the
/// terms that vary with t_x.
#[derive(Debug, Clone, Copy)]
struct RowRun {
    ln_at: f64,
    inv_at: f64,
    w: f64,
    w_ln_bracket: f64,
    w_w2: f64,
    w_w2_ln_ratio: f64,
    w_w2_inv_atx: f64,
}

impl RowRun {
    fn new(t: f64, c: &RunConstants) -> Self {
        Self {
            ln_at: (c.alpha + t).ln(),
            inv_at: 1.0 / (c.alpha + t),
            w: 0.0,
            w_ln_bracket: 0.0,
            w_w2: 0.0,
            w_w2_ln_ratio: 0.0,
            w_w2_inv_atx: 0.0,
        }
    }

    /// Adds the run's log-likelihood and gradient (nothing when empty).
    fn add_to(&self, x: &XTerms, c: &RunConstants, ll: &mut f64, g: &mut [f64; 4]) {
        if self.w == 0.0 {
            return;
        }
        let (w, rx) = (self.w, x.rx);
        *ll += w * (x.x_terms - rx * self.ln_at) + self.w_ln_bracket;
        g[0] += w * (x.psi_rx - c.psi_r + c.ln_alpha - self.ln_at) + self.w_w2_ln_ratio;
        g[1] += w * (c.r / c.alpha - rx * self.inv_at) + rx * (self.inv_at * self.w_w2 - self.w_w2_inv_atx);
        // ∂/∂a and ∂/∂b of ln B(a, b + x + k) − ln B(a, b), plus the second
        // term's ratio (which is 0 where it does not apply, and where
        // b + x − 1 + k may be 0).
        let (share_a, share_b) = if x.applies {
            (self.w_w2 / c.a, self.w_w2 / x.b_x)
        } else {
            (0.0, 0.0)
        };
        g[2] += w * (c.psi_ab - x.psi_abxk) + share_a;
        g[3] += w * (x.psi_bxk - x.psi_abxk - c.psi_b + c.psi_ab) - share_b;
    }
}

/// What one BG/NBD customer's likelihood takes from (r, x) and from
/// (a, b, x), kept from one row to the next while they stay the same: rows
/// sorted by covariates, then x, compute them once per run.
#[derive(Debug, Clone, Copy)]
pub struct ShapeTerms {
    rate_key: [u64; 2],
    /// ln Γ(r + x) − ln Γ(r) and ψ(r + x) − ψ(r).
    rate: [f64; 2],
    dropout_key: [u64; 3],
    /// ln B(a, b + x) − ln B(a, b), ψ(a + b) − ψ(a + b + x) and
    /// ψ(b + x) − ψ(b).
    dropout: [f64; 3],
}

impl Default for ShapeTerms {
    fn default() -> Self {
        Self {
            rate_key: [f64::NAN.to_bits(); 2],
            rate: [0.0; 2],
            dropout_key: [f64::NAN.to_bits(); 3],
            dropout: [0.0; 3],
        }
    }
}

impl ShapeTerms {
    fn at(&mut self, [r, _, a, b]: [f64; 4], x: f64) -> ([f64; 2], [f64; 3]) {
        let rate_key = [r.to_bits(), x.to_bits()];
        if rate_key != self.rate_key {
            self.rate_key = rate_key;
            self.rate = rate_terms(r, x);
        }
        let dropout_key = [a.to_bits(), b.to_bits(), x.to_bits()];
        if dropout_key != self.dropout_key {
            self.dropout_key = dropout_key;
            self.dropout = dropout_terms(a, b, x);
        }
        (self.rate, self.dropout)
    }
}

/// ln Γ(r + x) − ln Γ(r) and ψ(r + x) − ψ(r): for a whole x up to 64 as
/// ln Π (r + j) and Σ 1/(r + j) over j < x (see [`dropout_terms`]).
fn rate_terms(r: f64, x: f64) -> [f64; 2] {
    if x.fract() == 0.0 && (0.0..=64.0).contains(&x) {
        let (mut product, mut inverse) = (1.0, 0.0);
        for j in 0..x as u32 {
            let j = f64::from(j);
            product *= r + j;
            inverse += 1.0 / (r + j);
        }
        if product.is_normal() {
            return [product.ln(), inverse];
        }
    }
    [ln_gamma(r + x) - ln_gamma(r), digamma(r + x) - digamma(r)]
}

/// ln B(a, b + x) − ln B(a, b), ψ(a + b) − ψ(a + b + x) and ψ(b + x) − ψ(b).
///
/// With covariates on the dropout every customer has their own (a, b), so
/// these are taken row by row. For a whole x up to 64 (nearly every
/// customer) the recurrences Γ(z + 1) = z Γ(z) and ψ(z + 1) = ψ(z) + 1/z
/// give them as a product and two sums over j < x, several times cheaper
/// than six log-gamma and four digamma evaluations; the product falls back
/// to those where it would leave f64's normal range.
fn dropout_terms(a: f64, b: f64, x: f64) -> [f64; 3] {
    if x.fract() == 0.0 && (0.0..=64.0).contains(&x) {
        let (mut ratio, mut inv_ab, mut inv_b) = (1.0, 0.0, 0.0);
        for j in 0..x as u32 {
            let j = f64::from(j);
            ratio *= (b + j) / (a + b + j);
            inv_ab += 1.0 / (a + b + j);
            inv_b += 1.0 / (b + j);
        }
        if ratio.is_normal() {
            return [ratio.ln(), -inv_ab, inv_b];
        }
    }
    [
        ln_beta(a, b + x) - ln_beta(a, b),
        digamma(a + b) - digamma(a + b + x),
        digamma(b + x) - digamma(b),
    ]
}

/// ln L of one BG/NBD customer `(x, t_x, T)` and its gradient in
/// (r, α, a, b): the terms of [`log_likelihood`], one customer at a time,
/// for models whose parameters differ by customer.
pub(crate) fn row_log_likelihood(
    params: [f64; 4],
    x: f64,
    t_x: f64,
    big_t: f64,
    shape_terms: &mut ShapeTerms,
) -> (f64, [f64; 4]) {
    let [r, alpha, a, b] = params;
    let ([ln_gamma_ratio, psi_r], [ln_beta_ratio, psi_ab, psi_b]) = shape_terms.at(params, x);
    let (ln_at, ln_atx) = ((alpha + big_t).ln(), (alpha + t_x).ln());
    let ln_ratio = ln_at - ln_atx;
    // L = (α + T)^−(r+x) · [1 + δ(x > 0) · a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x)]:
    // the bracket is 1 + e^d; w₂ = e^d / (1 + e^d) is its second term's share.
    let (ln_bracket, w2) = if x > 0.0 {
        let d = (a / (b + x - 1.0)).ln() + (r + x) * ln_ratio;
        if d > 0.0 {
            let e = (-d).exp();
            (d + e.ln_1p(), 1.0 / (1.0 + e))
        } else {
            let e = d.exp();
            (e.ln_1p(), e / (1.0 + e))
        }
    } else {
        (0.0, 0.0)
    };
    let value = ln_gamma_ratio + r * alpha.ln() + ln_beta_ratio - (r + x) * ln_at + ln_bracket;
    let share_b = if x > 0.0 { w2 / (b + x - 1.0) } else { 0.0 };
    let gradient = [
        psi_r + alpha.ln() - ln_at + w2 * ln_ratio,
        r / alpha - (r + x) / (alpha + big_t) + w2 * (r + x) * (1.0 / (alpha + big_t) - 1.0 / (alpha + t_x)),
        psi_ab + w2 / a,
        psi_b + psi_ab - share_b,
    ];
    (value, gradient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::fit::assert_gradient_matches_differences;

    /// 100,000 customers drawn from a BG/NBD process in continuous time:
    /// nearly as many patterns, past the warm-start threshold.
    #[cfg(feature = "synthetic")]
    #[test]
    fn a_warm_start_reaches_the_cold_optimum_in_fewer_iterations() {
        let mut rng = crate::synthetic::Rng::new(5);
        let rows: Vec<_> = (0..100_000)
            .map(|_| {
                let rate = rng.gamma(0.25) / 4.0;
                let p = rng.beta(0.8, 2.5);
                let t = 30.0 + 50.0 * rng.uniform();
                let (mut x, mut t_x, mut at) = (0.0, 0.0, 0.0);
                loop {
                    at += -(1.0 - rng.uniform()).ln() / rate;
                    if at > t {
                        break;
                    }
                    (x, t_x) = (x + 1.0, at);
                    if rng.uniform() < p {
                        break;
                    }
                }
                (x, t_x, t, 1.0)
            })
            .collect();
        let data = FrequencyData::from_rows(rows).unwrap();
        assert!(data.warm_start_sample().is_some());
        let options = FitOptions::default();
        for dropout in [Dropout::AfterRepeats, Dropout::AfterEveryPurchase] {
            let (warm, warm_report) = fit_parameters(&data, &options, dropout).unwrap();
            let (cold, cold_report, _) = fit_from(&data, &options, dropout, None).unwrap();
            for (w, c) in warm.iter().zip(&cold) {
                assert!((w / c - 1.0).abs() < 1e-5, "{warm:?} vs {cold:?}");
            }
            let (lw, lc) = (warm_report.log_likelihood, cold_report.log_likelihood);
            assert!((lw - lc).abs() < 1e-9 * lc.abs(), "{lw} vs {lc}");
            assert!(warm_report.converged && warm_report.iterations < cold_report.iterations);
        }
    }

    /// mpmath at 40 digits from the integral's definition
    /// (tests/data/make_special_reference.py): far beyond the rate scale
    /// (z = 1 − 4e-6), a = 1 exactly, a + b < 1, a tiny horizon, and Beta
    /// shapes from 1e-6 to 1e6.
    #[test]
    fn purchases_while_alive_match_reference_values() {
        for (shape, scale, a, b, t, want) in [
            (0.243, 4.414, 0.793, 2.426, 1e6, 53.54047825301457),
            (0.243, 4.414, 1.0, 2.426, 39.0, 1.0842790105915188),
            (0.5, 2.0, 0.3, 0.5, 52.0, 4.809876238706956),
            (2.0, 1e-6, 0.5, 1.5, 1e6, 2999998.0000005),
            (0.243, 4.414, 0.793, 2.426, 1e-6, 5.505210502292042e-08),
            (1e5, 1e6, 1e-6, 1e-6, 1e3, 50.499792967170972),
            (0.5, 1.0, 1e6, 1e6, 100.0, 1.7199447240543787),
            (3.0, 10.0, 2.0, 1e-6, 1e4, 1.0000009985024886),
        ] {
            let got = purchases_while_alive(shape, scale, a, b, t);
            assert!(
                (got - want).abs() <= 1e-10 * want,
                "({shape}, {scale}, {a}, {b}, {t}): {got} vs {want}"
            );
        }
    }

    /// Where both apply, the quadrature equals the papers' closed form.
    #[test]
    fn quadrature_equals_the_closed_form() {
        for (shape, scale, a, b) in [
            (0.243, 4.414, 0.793, 2.426),
            (2.0, 0.5, 3.0, 0.7),
            (12.0, 40.0, 0.4, 9.0),
        ] {
            for t in [0.5, 5.0, 39.0, 520.0] {
                let closed = purchases_while_alive(shape, scale, a, b, t);
                let quadrature = purchases_while_alive_by_quadrature(shape, t / scale, a, b);
                assert!(
                    (closed - quadrature).abs() <= 1e-10 * closed,
                    "({shape}, {scale}, {a}, {b}, {t}): {closed} vs {quadrature}"
                );
            }
        }
    }

    /// The recurrences equal the special functions they replace (to 1e-10:
    /// at a = b = 10⁴ the difference of ln B loses digits the product
    /// keeps, −0.69314718057 against ln ½ exactly).
    #[test]
    fn dropout_terms_by_recurrence_equal_the_special_functions() {
        for (a, b) in [(0.793, 2.426), (1e-3, 5.0), (40.0, 0.02), (1e4, 1e4)] {
            for x in [0.0, 1.0, 2.0, 7.0, 30.0, 64.0] {
                let [ln_ratio, psi] = rate_terms(a, x);
                let (ln_direct, psi_direct) = (ln_gamma(a + x) - ln_gamma(a), digamma(a + x) - digamma(a));
                assert!(
                    (ln_ratio - ln_direct).abs() <= 1e-10 * ln_direct.abs().max(1.0),
                    "({a}, {x})"
                );
                assert!(
                    (psi - psi_direct).abs() <= 1e-10 * psi_direct.abs().max(1.0),
                    "({a}, {x})"
                );
                let by_recurrence = dropout_terms(a, b, x);
                let direct = [
                    ln_beta(a, b + x) - ln_beta(a, b),
                    digamma(a + b) - digamma(a + b + x),
                    digamma(b + x) - digamma(b),
                ];
                for (r, d) in by_recurrence.iter().zip(direct) {
                    assert!(
                        (r - d).abs() <= 1e-10 * d.abs().max(1.0),
                        "({a}, {b}, {x}): {r} vs {d}"
                    );
                }
            }
        }
    }

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
                    |p, g| log_likelihood(p, &Patterns::new(data.rows()), g, dropout),
                    &params,
                );
            }
        }
    }
}
