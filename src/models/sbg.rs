//! The shifted-beta-geometric (sBG) model of contractual retention
//! (Fader & Hardie 2007).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::fit::{Fit, FitOptions, maximise};
use super::model::check_parameters;
use super::retention::RetentionData;
use crate::{Error, Result};

/// The shifted-beta-geometric (sBG) model of subscribers who renew or
/// cancel once a period (memberships, subscriptions, contracts): each
/// subscriber cancels at the end of any period with a probability θ of
/// their own, and θ varies across subscribers as Beta(α, β). Retention
/// rates then rise with tenure, because those likely to cancel leave
/// first: the pattern a single churn rate cannot project.
///
/// With T the period a subscriber cancels in (T = 1, 2, …):
///
/// ```text
/// P(T = t) = B(α + 1, β + t − 1) / B(α, β)      (churn_probability)
/// S(t)     = B(α, β + t) / B(α, β)              (survival)
/// r_t      = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)   (retention_rate)
/// ```
///
/// Invariant: α and β are finite and > 0.
///
/// Sources: P. S. Fader, B. G. S. Hardie (2007), "How to Project Customer
/// Retention", *Journal of Interactive Marketing* 21(1), 76–90; P. S.
/// Fader, B. G. S. Hardie (2010), "Customer-Base Valuation in a
/// Contractual Setting: The Perils of Ignoring Heterogeneity", *Marketing
/// Science* 29(1), 85–93 (the discounted expected residual lifetime).
///
/// # Example
///
/// ```
/// use repurchase::models::{FitOptions, RetentionData, ShiftedBetaGeo};
///
/// // Fader & Hardie (2007): "high end" customers, seven years observed.
/// let data = RetentionData::from_survivors(&[1000, 869, 743, 653, 593, 551, 517, 491])?;
/// let fit = ShiftedBetaGeo::fit(&data, &FitOptions::default())?;
/// assert_eq!((format!("{:.3}", fit.model.alpha()), format!("{:.3}", fit.model.beta())), ("0.668".into(), "3.806".into()));
/// // Projected to year 12, five years past the data: 37.8 % (39.4 % were).
/// assert!((fit.model.survival(12) - 0.378).abs() < 5e-4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ShiftedBetaGeo {
    alpha: f64,
    beta: f64,
}

crate::stored::deserialize_checked!(ShiftedBetaGeo { alpha: f64, beta: f64 } => ShiftedBetaGeo::new(alpha, beta));

/// The smallest discount rate a period the discounted lifetimes accept:
/// their series then converges within half a million terms, for any
/// parameters. (10 % a year is 8e-3 a month and 1.8e-3 a week.)
pub const MIN_DISCOUNT_RATE: f64 = 1e-4;

impl ShiftedBetaGeo {
    /// The model with known parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when α or β is not finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// assert!(ShiftedBetaGeo::new(0.704, 1.182).is_ok());
    /// assert!(ShiftedBetaGeo::new(0.0, 1.182).is_err());
    /// ```
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        check_parameters(&[("alpha", alpha), ("beta", beta)])?;
        Ok(Self { alpha, beta })
    }

    /// α, the first shape of the Beta distribution of churn probabilities.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::ShiftedBetaGeo;
    /// assert_eq!(ShiftedBetaGeo::new(0.704, 1.182)?.alpha(), 0.704);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// β, the second shape of the Beta distribution of churn probabilities.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::ShiftedBetaGeo;
    /// assert_eq!(ShiftedBetaGeo::new(0.704, 1.182)?.beta(), 1.182);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Fits the model by maximum likelihood to survivor counts:
    ///
    /// ```text
    /// LL = Σ_t cancelled_t ln P(T = t) + Σ_t active_t ln S(t)
    /// ```
    ///
    /// over the periods `t`, where `active_t` are the subscribers still
    /// subscribed after `t` periods when their cohort's observation ended.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for bad [`FitOptions`];
    /// [`Error::InsufficientData`] when no start gives a finite
    /// likelihood.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{FitOptions, RetentionData, ShiftedBetaGeo};
    ///
    /// // Fader & Hardie (2007): "regular" customers, seven years observed.
    /// let data = RetentionData::from_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
    /// let fit = ShiftedBetaGeo::fit(&data, &FitOptions::default())?;
    /// assert!((fit.model.alpha() - 0.704).abs() < 5e-4 && (fit.model.beta() - 1.182).abs() < 5e-4);
    /// assert!((fit.report.log_likelihood - -1680.3).abs() < 0.05);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &RetentionData, options: &FitOptions) -> Result<Fit<Self>> {
        let starts: [&[f64]; 3] = [&[1.0, 1.0], &[0.5, 3.0], &[3.0, 0.5]];
        let (params, report, _) = maximise(
            &["alpha", "beta"],
            data.subscribers() as f64,
            |params, gradient| match params {
                [alpha, beta] => log_likelihood(*alpha, *beta, data, gradient),
                _ => f64::NAN,
            },
            None,
            &starts,
            options,
        )?;
        match params.as_slice() {
            [alpha, beta] => Ok(Fit {
                model: Self::new(*alpha, *beta)?,
                report,
            }),
            _ => Err(Error::InsufficientData {
                needed: "two parameters",
            }),
        }
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{RetentionData, ShiftedBetaGeo};
    ///
    /// let data = RetentionData::from_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
    /// let ll = ShiftedBetaGeo::new(0.704, 1.182)?.log_likelihood(&data);
    /// assert!((ll - -1680.3).abs() < 0.05);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &RetentionData) -> f64 {
        log_likelihood(self.alpha, self.beta, data, &mut [0.0; 2])
    }

    /// P(T = t): the probability that a new subscriber cancels in period
    /// `period` (1 for the first).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for period 0: no one cancels before
    /// their first period.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// // α / (α + β) cancel in the first period.
    /// assert!((model.churn_probability(1)? - 0.704 / 1.886).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn churn_probability(&self, period: u32) -> Result<f64> {
        let k = first_period(period)? - 1;
        Ok(survival(self.alpha, self.beta, k) * cancellation(self.alpha, self.beta + f64::from(k)))
    }

    /// S(t): the share of new subscribers still subscribed after `periods`
    /// periods (1 at 0).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// assert_eq!(model.survival(0), 1.0);
    /// assert!((model.survival(1) - 1.182 / 1.886).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn survival(&self, periods: u32) -> f64 {
        survival(self.alpha, self.beta, periods)
    }

    /// r_t: the share of the subscribers at the start of period `period`
    /// who renew at its end.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for period 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// // Retention rises with tenure.
    /// assert!(model.retention_rate(1)? < model.retention_rate(5)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retention_rate(&self, period: u32) -> Result<f64> {
        let k = first_period(period)? - 1;
        Ok(renewal(self.alpha, self.beta + f64::from(k)))
    }

    /// S(0), S(1), S(2), …: the survival curve, without end (take as many
    /// periods as you need).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let curve: Vec<f64> = ShiftedBetaGeo::new(0.704, 1.182)?.survival_curve().take(13).collect();
    /// assert_eq!((curve.len(), curve[0]), (13, 1.0));
    /// assert!(curve.windows(2).all(|w| w[1] < w[0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn survival_curve(&self) -> impl Iterator<Item = f64> + '_ {
        std::iter::successors(Some((0.0_f64, 1.0_f64)), |&(k, s)| {
            Some((k + 1.0, s * renewal(self.alpha, self.beta + k)))
        })
        .map(|(_, s)| s)
    }

    /// r₁, r₂, r₃, …: the retention rates by period, without end.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// let rates: Vec<f64> = model.retention_curve().take(12).collect();
    /// assert_eq!(rates[4], model.retention_rate(5)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retention_curve(&self) -> impl Iterator<Item = f64> + '_ {
        std::iter::successors(Some(0.0_f64), |k| Some(k + 1.0)).map(|k| renewal(self.alpha, self.beta + k))
    }

    /// DEL: a new subscriber's expected discounted lifetime in periods,
    /// counting the period they have just paid for:
    ///
    /// ```text
    /// DEL(d) = Σ_{t ≥ 0} S(t) / (1 + d)^t = ₂F₁(1, β; α + β; 1/(1 + d))
    /// ```
    ///
    /// for a discount rate `d` a period.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless the discount rate is finite and
    /// at least [`MIN_DISCOUNT_RATE`]: undiscounted, the expected lifetime
    /// is infinite for α ≤ 1.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// let del = model.expected_discounted_lifetime(0.1)?;
    /// // The first period, and the discounted survivors after it.
    /// let direct: f64 = model.survival_curve().take(2_000).enumerate().map(|(t, s)| s / 1.1_f64.powi(t as i32)).sum();
    /// assert!((del - direct).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_discounted_lifetime(&self, discount_rate: f64) -> Result<f64> {
        discounted_survival(self.alpha, self.beta, check_discount(discount_rate)?)
    }

    /// DERL: the expected discounted residual lifetime, in periods, of a
    /// subscriber who has renewed `renewals` times and is about to decide
    /// on the next renewal (Fader & Hardie 2010):
    ///
    /// ```text
    /// DERL(d | n − 1 renewals) = Σ_{t ≥ n} S(t | T > n − 1) / (1 + d)^{t − n}
    ///                          = B(α, β + n) / B(α, β + n − 1) · ₂F₁(1, β + n; α + β + n; 1/(1 + d))
    /// ```
    ///
    /// The renewal about to be decided counts undiscounted, with the
    /// probability it happens. Longer-tenured subscribers are worth more:
    /// they are more likely the ones with a low churn probability.
    ///
    /// # Errors
    ///
    /// As [`expected_discounted_lifetime`](Self::expected_discounted_lifetime).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// let new_member = model.discounted_expected_residual_lifetime(0, 0.1)?;
    /// let five_years = model.discounted_expected_residual_lifetime(4, 0.1)?;
    /// assert!(five_years > new_member);
    /// // A new subscriber's whole lifetime: the paid period, then the rest.
    /// let del = model.expected_discounted_lifetime(0.1)?;
    /// assert!((del - (1.0 + new_member / 1.1)).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn discounted_expected_residual_lifetime(&self, renewals: u32, discount_rate: f64) -> Result<f64> {
        let d = check_discount(discount_rate)?;
        // n − 1 = renewals: the next decision is the nth, with
        // probability r_n = (β + n − 1)/(α + β + n − 1).
        let b = self.beta + f64::from(renewals);
        Ok(renewal(self.alpha, b) * discounted_survival(self.alpha, b + 1.0, d)?)
    }

    /// The expected discounted value of a new subscriber paying `value` a
    /// period, the first period included: `value · DEL(d)`.
    ///
    /// # Errors
    ///
    /// As [`expected_discounted_lifetime`](Self::expected_discounted_lifetime);
    /// [`Error::Undefined`] if the value overflows f64.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    /// use rust_decimal::Decimal;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// let fee = Decimal::new(4999, 2); // $49.99 a year
    /// let clv = model.lifetime_value(fee, 0.1)?;
    /// assert!((clv - 49.99 * model.expected_discounted_lifetime(0.1)?).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lifetime_value(&self, value: Decimal, discount_rate: f64) -> Result<f64> {
        valued(value, self.expected_discounted_lifetime(discount_rate)?)
    }

    /// The expected discounted value still to come from a subscriber who
    /// has renewed `renewals` times and pays `value` a period, the renewal
    /// about to be decided included: `value · DERL(d | renewals)`, the CLV
    /// of an existing subscriber.
    ///
    /// # Errors
    ///
    /// As [`lifetime_value`](Self::lifetime_value).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ShiftedBetaGeo;
    /// use rust_decimal::Decimal;
    ///
    /// let model = ShiftedBetaGeo::new(0.704, 1.182)?;
    /// let fee = Decimal::new(4999, 2);
    /// // A member in their fifth year is worth more than one in their second.
    /// assert!(model.residual_value(fee, 4, 0.1)? > model.residual_value(fee, 1, 0.1)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn residual_value(&self, value: Decimal, renewals: u32, discount_rate: f64) -> Result<f64> {
        valued(
            value,
            self.discounted_expected_residual_lifetime(renewals, discount_rate)?,
        )
    }
}

/// The sBG log-likelihood of `data` and its gradient in (α, β).
///
/// Over the periods in order, by the recursions ln S(t) = ln S(t − 1) +
/// ln r_t and ln P(T = t) = ln S(t − 1) + ln(1 − r_t), with their
/// derivatives alongside: one pass, no special function. With c = 1 − r_t
/// = α/(α + β + t − 1):
///
/// ```text
/// ∂ ln r_t / ∂α = −c/α        ∂ ln r_t / ∂β = c/(β + t − 1)
/// ∂ ln c / ∂α   = r_t/α       ∂ ln c / ∂β   = −c/α
/// ```
fn log_likelihood(alpha: f64, beta: f64, data: &RetentionData, gradient: &mut [f64]) -> f64 {
    // ln S(t − 1) and its derivatives, from S(0) = 1.
    let (mut ln_s, mut ds_alpha, mut ds_beta) = (0.0, 0.0, 0.0);
    let (mut ll, mut g_alpha, mut g_beta) = (0.0, 0.0, 0.0);
    for (k, (cancelled, active)) in (0_u32..).zip(data.by_period()) {
        let b = beta + f64::from(k);
        let (renew, cancel) = (renewal(alpha, b), cancellation(alpha, b));
        if cancelled > 0.0 {
            ll += cancelled * (ln_s - ln_1p_ratio(b, alpha));
            g_alpha += cancelled * (ds_alpha + renew / alpha);
            g_beta += cancelled * (ds_beta - cancel / alpha);
        }
        ln_s -= ln_1p_ratio(alpha, b);
        ds_alpha -= cancel / alpha;
        ds_beta += cancel / b;
        if active > 0.0 {
            ll += active * ln_s;
            g_alpha += active * ds_alpha;
            g_beta += active * ds_beta;
        }
    }
    if let [g0, g1, ..] = gradient {
        (*g0, *g1) = (g_alpha, g_beta);
    }
    ll
}

/// r = (β + k)/(α + β + k) for `b` = β + k, the renewal probability of
/// period k + 1, without overflow.
fn renewal(alpha: f64, b: f64) -> f64 {
    1.0 / (1.0 + alpha / b)
}

/// 1 − r = α/(α + β + k), without overflow or cancellation.
fn cancellation(alpha: f64, b: f64) -> f64 {
    1.0 / (1.0 + b / alpha)
}

/// ln(1 + a/b) for finite a, b > 0, finite even where a/b overflows:
/// −ln r is `ln_1p_ratio(α, β + k)` and −ln(1 − r) `ln_1p_ratio(β + k, α)`.
fn ln_1p_ratio(a: f64, b: f64) -> f64 {
    let x = a / b;
    if x < 1e15 {
        x.ln_1p()
    } else {
        // ln(1 + x) = ln x + ln(1 + 1/x), the last term below 1e-15.
        a.ln() - b.ln() + b / a
    }
}

/// Periods whose survival is the product of their renewal rates; beyond,
/// the rest of the product is summed in closed form ([`ln_renewals`]).
const PRODUCT_PERIODS: u32 = 4_096;

/// S(t) = Π_{k < t} r_k, in [0, 1] for any finite α, β > 0: each ln r_k
/// is finite, so no parameters give NaN.
fn survival(alpha: f64, beta: f64, t: u32) -> f64 {
    let direct = t.min(PRODUCT_PERIODS);
    let mut ln_s: f64 = (0..direct)
        .map(|k| -ln_1p_ratio(alpha, beta + f64::from(k)))
        .sum();
    if t > PRODUCT_PERIODS {
        ln_s -= ln_renewals(
            alpha,
            beta + f64::from(PRODUCT_PERIODS),
            f64::from(t - PRODUCT_PERIODS),
        );
    }
    ln_s.exp()
}

/// Σ_{k < m} f(u₀ + k) with f(u) = ln(1 + α/u) = −ln r, for u₀ ≥ 4096, by
/// Euler–Maclaurin: the integral of f over [u₀, u₁ = u₀ + m], half the
/// end values, and the f′ and f‴ corrections. f is smooth on the scale of
/// u ≥ 4096, so the next term is below 1e-17 of the f‴ one.
///
/// The integral, H(u₁) − H(u₀) with H(u) = u f(u) + α ln(u + α), is
/// taken as m f(u₁) + u₀ ln(1 − α m/(u₁ (u₀ + α))) + α ln(1 + m/(u₀ + α)):
/// every term finite and none the difference of two large numbers.
fn ln_renewals(alpha: f64, u0: f64, m: f64) -> f64 {
    let u1 = u0 + m;
    let (c0, c1) = (cancellation(alpha, u0), cancellation(alpha, u1));
    let (f0, f1) = (ln_1p_ratio(alpha, u0), ln_1p_ratio(alpha, u1));
    // u₀ ln(1 − z) with z = c₀ m/u₁, by its series where z is small: z
    // itself may underflow while u₀ z does not.
    let z = c0 * (m / u1);
    let middle = if z < 1e-5 {
        -(u0 / u1) * m * c0 * (1.0 + z * (0.5 + z / 3.0))
    } else {
        u0 * (-z).ln_1p()
    };
    let integral = m * f1 + middle + alpha * (m / (u0 + alpha)).ln_1p();
    // f′(u) = −α/(u (u + α)) = −c/u; f‴(u) = −2 c (1 + r + r²)/u³.
    let first = |c: f64, u: f64| -c / u;
    let third = |c: f64, u: f64| {
        let r = 1.0 - c;
        -2.0 * c * (1.0 + r + r * r) / (u * u * u)
    };
    integral + 0.5 * (f0 - f1) + (first(c1, u1) - first(c0, u0)) / 12.0
        - (third(c1, u1) - third(c0, u0)) / 720.0
}

/// Period numbers start at 1.
fn first_period(period: u32) -> Result<u32> {
    if period == 0 {
        return Err(Error::InvalidParameter {
            name: "period",
            value: "0".into(),
            expected: "a period from 1 (the first)",
        });
    }
    Ok(period)
}

fn check_discount(rate: f64) -> Result<f64> {
    if !(rate.is_finite() && rate >= MIN_DISCOUNT_RATE) {
        return Err(Error::InvalidParameter {
            name: "discount_rate",
            value: rate.to_string(),
            expected: "a finite rate a period of at least MIN_DISCOUNT_RATE (1e-4)",
        });
    }
    Ok(rate)
}

/// Σ_{k ≥ 0} S_b(k) xᵏ with x = 1/(1 + d) and S_b(k) = B(α, b + k)/B(α, b):
/// ₂F₁(1, b; α + b; x), summed term by term.
///
/// The terms are positive and each is at most x times the one before, so
/// the tail after a term is at most the term · x/(1 − x) = term / d: the
/// sum stops when that bound is below 1e-17 of the sum. With
/// d ≥ [`MIN_DISCOUNT_RATE`] that takes fewer than 500,000 terms.
fn discounted_survival(alpha: f64, b: f64, d: f64) -> Result<f64> {
    const MAX_TERMS: u32 = 1_000_000;
    let x = 1.0 / (1.0 + d);
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    for k in 0..MAX_TERMS {
        let k = f64::from(k);
        term *= renewal(alpha, b + k) * x;
        sum += term;
        if term <= 1e-17 * d * sum {
            return if sum.is_finite() {
                Ok(sum)
            } else {
                Err(Error::Undefined {
                    quantity: "the discounted lifetime",
                    condition: format!("it overflows at α = {alpha}, b = {b}, d = {d}"),
                })
            };
        }
    }
    Err(Error::Undefined {
        quantity: "the discounted lifetime",
        condition: format!("its series did not converge at α = {alpha}, b = {b}, d = {d}"),
    })
}

/// `value · lifetime`, finite.
fn valued(value: Decimal, lifetime: f64) -> Result<f64> {
    let result = value.to_f64().unwrap_or(f64::NAN) * lifetime;
    if result.is_finite() {
        Ok(result)
    } else {
        Err(Error::Undefined {
            quantity: "the subscriber's value",
            condition: format!("{value} × {lifetime} is not a finite number"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::fit::assert_gradient_matches_differences;

    /// The closed-form tail of ln S equals the sum it replaces over tenures from one period to a million, for churn
    /// probabilities from 1e-12 to near 1.
    #[test]
    fn tail_sum_equals_the_direct_sum() {
        for alpha in [1e-12, 0.3, 1.0, 40.0, 1e6, 1e200] {
            for beta in [1e-9, 0.7, 5.0, 1e4, 1e250] {
                let u0 = beta + f64::from(PRODUCT_PERIODS);
                for m in [1_u32, 2, 10, 1_000, 1_000_000] {
                    let direct: f64 = (0..m).map(|k| ln_1p_ratio(alpha, u0 + f64::from(k))).sum();
                    let closed = ln_renewals(alpha, u0, f64::from(m));
                    // The direct sum's own rounding grows with its terms.
                    let tolerance = 1e-12 + 4e-16 * f64::from(m);
                    assert!(
                        (closed - direct).abs() <= tolerance * direct.abs() + 1e-300,
                        "α {alpha}, β {beta}, m {m}: {closed} vs {direct}"
                    );
                }
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = RetentionData::from_cohorts([
            &[1000_u64, 631, 468, 382, 326, 289, 262, 241][..],
            &[800, 500, 430],
        ])
        .unwrap();
        for params in [[0.704, 1.182], [0.05, 20.0], [30.0, 0.2]] {
            assert_gradient_matches_differences(|p, g| log_likelihood(p[0], p[1], &data, g), &params);
        }
    }
}
