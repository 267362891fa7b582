//! The BG/BB model of Fader, Hardie & Shang (2010), for discrete
//! transaction opportunities.

use super::data::{FrequencyData, FrequencyRow, check_pattern};
use super::fit::{Fit, FitOptions, maximise};
use super::model::{check_parameters, defined, expectation};
use super::special::{digamma, ln_beta, ln_gamma, log_add_exp};
use crate::{Error, Result};

/// The beta-geometric/beta-Bernoulli (BG/BB) model: at each of `n`
/// discrete opportunities (a yearly donation drive, a weekly show) an
/// alive customer transacts with probability p ~ Beta(α, β), and before
/// each opportunity dies with probability θ ~ Beta(γ, δ).
///
/// Its data are [`FrequencyData`] whose times count opportunities: `x`
/// transactions, the last at opportunity `t_x`, out of `n`, all whole
/// numbers with `x ≤ t_x ≤ n`.
///
/// Invariant: α, β, γ, δ are finite and > 0.
///
/// Source: P. S. Fader, B. G. S. Hardie, J. Shang (2010), "Customer-Base
/// Analysis in a Discrete-Time Noncontractual Setting", *Marketing
/// Science* 29(6), 1086–1108.
///
/// # Example
///
/// ```
/// use repurchase::models::BetaGeoBetaBinom;
///
/// // The published estimates on the donations panel.
/// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
/// let p = model.p_alive(6.0, 6.0, 6.0, 1)?;
/// assert!((p - 0.93).abs() < 0.005);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "BG/BB")]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BetaGeoBetaBinom {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

crate::stored::deserialize_checked!(BetaGeoBetaBinom { alpha: f64, beta: f64, gamma: f64, delta: f64 } => BetaGeoBetaBinom::new(alpha, beta, gamma, delta));

impl BetaGeoBetaBinom {
    /// The most opportunities a history (`n`) or a horizon (`m`) may have:
    /// the likelihood and the probabilities sum a term per opportunity, so
    /// they are bounded rather than left to the caller's value.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// assert!(model.p_no_purchase(1.0, 1.0, 6.0, BetaGeoBetaBinom::MAX_OPPORTUNITIES).is_ok());
    /// assert!(model.p_no_purchase(1.0, 1.0, 6.0, u32::MAX).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const MAX_OPPORTUNITIES: u32 = MAX_OPPORTUNITIES;

    /// The model with known parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a parameter is not finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// assert!(BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783).is_ok());
    /// assert!(BetaGeoBetaBinom::new(1.204, 0.750, 0.0, 2.783).is_err());
    /// ```
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self> {
        check_parameters(&[
            ("alpha", alpha),
            ("beta", beta),
            ("gamma", gamma),
            ("delta", delta),
        ])?;
        Ok(Self {
            alpha,
            beta,
            gamma,
            delta,
        })
    }

    /// The parameters `[α, β, γ, δ]`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::BetaGeoBetaBinom;
    /// assert_eq!(BetaGeoBetaBinom::new(1.2, 0.75, 0.66, 2.8)?.params(), [1.2, 0.75, 0.66, 2.8]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn params(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.delta]
    }

    /// Fits the model by maximum likelihood.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a row whose `x`, `t_x` or `n` is not a
    /// whole number or has `x > t_x` (the row's position in the sorted
    /// data); [`Error::InsufficientData`] for no rows or no transaction after
    /// the first; [`Error::InvalidParameter`] for bad [`FitOptions`].
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeoBetaBinom, FitOptions, FrequencyData};
    ///
    /// // (x, t_x, n, donors), a part of the donations panel.
    /// let data = FrequencyData::from_rows([(0.0, 0.0, 6.0, 3464.0), (1.0, 1.0, 6.0, 1091.0),
    ///     (3.0, 6.0, 6.0, 357.0), (6.0, 6.0, 6.0, 1203.0), (2.0, 4.0, 6.0, 155.0)])?;
    /// let fit = BetaGeoBetaBinom::fit(&data, &FitOptions::default())?;
    /// assert!(fit.report.converged);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &FrequencyData, options: &FitOptions) -> Result<Fit<Self>> {
        data.check_identifiable()?;
        for (row, r) in data.rows().iter().enumerate() {
            check_opportunities(row, r.frequency, r.recency, r.t)?;
        }
        let starts: [&[f64]; 3] = [
            &[1.0, 1.0, 1.0, 1.0],
            &[0.5, 2.0, 0.5, 2.0],
            &[2.0, 0.5, 2.0, 0.5],
        ];
        let (p, report, _) = maximise(
            &["alpha", "beta", "gamma", "delta"],
            data.customers(),
            |params, gradient| log_likelihood(params, data.rows(), gradient),
            None,
            &starts,
            options,
        )?;
        let model = match p.as_slice() {
            [a, b, g, d] => Self::new(*a, *b, *g, *d)?,
            _ => {
                return Err(Error::InsufficientData {
                    needed: "four parameters",
                });
            }
        };
        Ok(Fit { model, report })
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeoBetaBinom, FrequencyData};
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// assert!(model.log_likelihood(&FrequencyData::from_rows([(2.0, 4.0, 6.0, 1.0)])?)? < 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &FrequencyData) -> Result<f64> {
        for (row, r) in data.rows().iter().enumerate() {
            check_opportunities(row, r.frequency, r.recency, r.t)?;
        }
        Ok(log_likelihood(&self.params(), data.rows(), &mut [0.0; 4]))
    }

    /// The probability that a customer with `x` transactions, the last at
    /// opportunity `t_x`, out of `n`, is alive at opportunity `n + m`
    /// (equation A10 of the paper):
    ///
    /// ```text
    /// P(alive at n + m) = B(α + x, β + n − x)/B(α, β) · B(γ, δ + n + m)/B(γ, δ) / L(α, β, γ, δ | x, t_x, n)
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// assert!(model.p_alive(2.0, 4.0, 6.0, 1)? > model.p_alive(2.0, 2.0, 6.0, 1)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "P(alive)")]
    pub fn p_alive(&self, x: f64, t_x: f64, n: f64, m: u32) -> Result<f64> {
        let ln_l = self.checked_ln_likelihood(x, t_x, n)?;
        let [alpha, beta, gamma, delta] = self.params();
        let ln_alive = ln_beta(alpha + x, beta + n - x) - ln_beta(alpha, beta)
            + ln_beta(gamma, delta + n + f64::from(m))
            - ln_beta(gamma, delta);
        defined((ln_alive - ln_l).exp().clamp(0.0, 1.0), "P(alive)")
    }

    /// The expected number of transactions in the next `m` opportunities
    /// of a customer with history `(x, t_x, n)` (equation 13 of the paper):
    ///
    /// ```text
    /// E[X(n, n + m) | x, t_x, n] = 1/L · B(α + x + 1, β + n − x)/B(α, β) · δ/(γ − 1) · Γ(γ + δ)/Γ(1 + δ)
    ///                              · [Γ(1 + δ + n)/Γ(γ + δ + n) − Γ(1 + δ + n + m)/Γ(γ + δ + n + m)]
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// let loyal = model.conditional_expected_purchases(6.0, 6.0, 6.0, 5)?;
    /// let lapsed = model.conditional_expected_purchases(1.0, 1.0, 6.0, 5)?;
    /// assert!(loyal > 2.0 && lapsed < 0.2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conditional_expected_purchases(&self, x: f64, t_x: f64, n: f64, m: u32) -> Result<f64> {
        let ln_l = self.checked_ln_likelihood(x, t_x, n)?;
        let [alpha, beta, gamma, delta] = self.params();
        let ln_front = ln_beta(alpha + x + 1.0, beta + n - x) - ln_beta(alpha, beta) - ln_l;
        let m = f64::from(m);
        expectation(
            ln_front.exp() * remaining_transactions_factor(gamma, delta, n, m),
            "E[X(n, n + m) | x, t_x, n]",
        )
    }

    /// The probability of no transaction in the next `m` opportunities of a
    /// customer with history `(x, t_x, n)`: the churn score. At each
    /// opportunity a customer alive so far first drops out with probability
    /// θ and otherwise transacts with probability p; given the history and
    /// alive at n, p ~ Beta(α + x, β + n − x) and θ ~ Beta(γ, δ + n), so
    ///
    /// ```text
    /// P(none | alive) = Σ_{j<m} E[(1 − p)^j] E[θ (1 − θ)^j] + E[(1 − p)^m] E[(1 − θ)^m]
    /// P(none)         = 1 − P(alive at n) + P(alive at n) · P(none | alive)
    /// ```
    ///
    /// with each expectation a ratio of beta functions.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid pattern.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// let lapsed = model.p_no_purchase(1.0, 1.0, 6.0, 5)?;
    /// let loyal = model.p_no_purchase(6.0, 6.0, 6.0, 5)?;
    /// assert!(lapsed > 0.9 && loyal < 0.1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn p_no_purchase(&self, x: f64, t_x: f64, n: f64, m: u32) -> Result<f64> {
        check_horizon("m", m)?;
        let alive = self.p_alive(x, t_x, n, 0)?;
        let [alpha, beta, gamma, delta] = self.params();
        let (p_shape, q_shape) = (alpha + x, beta + n - x);
        let silent = |j: f64| (ln_beta(p_shape, q_shape + j) - ln_beta(p_shape, q_shape)).exp();
        let ln_theta = ln_beta(gamma, delta + n);
        let dropped_out: f64 = (0..m)
            .map(|j| {
                let j = f64::from(j);
                silent(j) * (ln_beta(gamma + 1.0, delta + n + j) - ln_theta).exp()
            })
            .sum();
        let m = f64::from(m);
        let survived = silent(m) * (ln_beta(gamma, delta + n + m) - ln_theta).exp();
        defined(
            (1.0 - alive + alive * (dropped_out + survived)).clamp(0.0, 1.0),
            "P(no purchase)",
        )
    }

    /// The probability that a new customer makes exactly `x` transactions
    /// in the first `n` opportunities (equation 7 of the paper): alive
    /// throughout, or dropped out at the start of opportunity i + 1 after x
    /// transactions in the first i,
    ///
    /// ```text
    /// P(X(n) = x) = C(n, x) B(α + x, β + n − x)/B(α, β) · B(γ, δ + n)/B(γ, δ)
    ///             + Σ_{i=x}^{n−1} C(i, x) B(α + x, β + i − x)/B(α, β) · B(γ + 1, δ + i)/B(γ, δ)
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// let total: f64 = (0..=6).map(|x| model.purchase_count_probability(x, 6)).sum::<Result<f64, _>>()?;
    /// assert!((total - 1.0).abs() < 1e-12);
    /// assert_eq!(model.purchase_count_probability(7, 6)?, 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchase_count_probability(&self, x: u32, n: u32) -> Result<f64> {
        check_horizon("n", n)?;
        if x > n {
            return Ok(0.0);
        }
        let [alpha, beta, gamma, delta] = self.params();
        let (first, last) = (x, n);
        let x = f64::from(x);
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(x + 1.0) - ln_gamma(i - x + 1.0);
        let ln_transactions = |i: f64| ln_choose(i) + ln_beta(alpha + x, beta + i - x) - ln_beta(alpha, beta);
        let n = f64::from(n);
        let alive = (ln_transactions(n) + ln_beta(gamma, delta + n) - ln_beta(gamma, delta)).exp();
        let dropped_out: f64 = (first..last)
            .map(|i| {
                let i = f64::from(i);
                (ln_transactions(i) + ln_beta(gamma + 1.0, delta + i) - ln_beta(gamma, delta)).exp()
            })
            .sum();
        defined((alive + dropped_out).clamp(0.0, 1.0), "P(X(n) = x)")
    }

    /// ln L(α, β, γ, δ | x, t_x, n) of one valid history.
    fn checked_ln_likelihood(&self, x: f64, t_x: f64, n: f64) -> Result<f64> {
        check_pattern("pattern", 0, x, t_x, n)?;
        check_opportunities(0, x, t_x, n)?;
        let row = FrequencyRow {
            frequency: x,
            recency: t_x,
            t: n,
            weight: 1.0,
        };
        Ok(log_likelihood(
            &self.params(),
            std::slice::from_ref(&row),
            &mut [0.0; 4],
        ))
    }

    /// The expected number of transactions of a new customer in the first
    /// `n` opportunities (equation 8 of the paper):
    ///
    /// ```text
    /// E[X(n)] = α/(α + β) · δ/(γ − 1) · [1 − Γ(γ + δ)/Γ(1 + δ) · Γ(1 + δ + n)/Γ(γ + δ + n)]
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::BetaGeoBetaBinom;
    ///
    /// let model = BetaGeoBetaBinom::new(1.204, 0.750, 0.657, 2.783)?;
    /// assert_eq!(model.expected_purchases(0)?, 0.0);
    /// assert!(model.expected_purchases(6)? < 6.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when parameters far beyond any fit's carry the
    /// value beyond `f64`.
    pub fn expected_purchases(&self, n: u32) -> Result<f64> {
        let [alpha, beta, gamma, delta] = self.params();
        expectation(
            alpha / (alpha + beta) * remaining_transactions_factor(gamma, delta, 0.0, f64::from(n)),
            "E[X(n)]",
        )
    }
}

/// δ/(γ − 1) · Γ(γ + δ)/Γ(1 + δ) · [Γ(1 + δ + n)/Γ(γ + δ + n) − Γ(1 + δ + n + m)/Γ(γ + δ + n + m)]:
/// the expected number of opportunities alive in (n, n + m], per unit of
/// transaction probability. At γ = 1 the factor's 0/0 is taken as the
/// mean just either side.
fn remaining_transactions_factor(gamma: f64, delta: f64, n: f64, m: f64) -> f64 {
    let at = |gamma: f64| {
        let ln_common = ln_gamma(gamma + delta) - ln_gamma(1.0 + delta);
        let first = (ln_common + ln_gamma(1.0 + delta + n) - ln_gamma(gamma + delta + n)).exp();
        let second = (ln_common + ln_gamma(1.0 + delta + n + m) - ln_gamma(gamma + delta + n + m)).exp();
        delta / (gamma - 1.0) * (first - second)
    };
    const GAP: f64 = 1e-7;
    if (gamma - 1.0).abs() < GAP {
        0.5 * (at(1.0 - GAP) + at(1.0 + GAP))
    } else {
        at(gamma)
    }
}

/// `x`, `t_x` and `n` must be whole numbers of opportunities with x ≤ t_x.
fn check_opportunities(row: usize, x: f64, t_x: f64, n: f64) -> Result<()> {
    let bad = |field: &'static str, value: f64, expected: &'static str| Error::InvalidInput {
        input: "model input row",
        row,
        field,
        value: value.to_string(),
        expected,
    };
    // The likelihood sums a term per opportunity after the last transaction.
    if n > f64::from(MAX_OPPORTUNITIES) {
        return Err(bad(
            "t",
            n,
            "at most 10,000 opportunities (BetaGeoBetaBinom::MAX_OPPORTUNITIES)",
        ));
    }
    if t_x.fract() != 0.0 {
        return Err(bad("recency", t_x, "a whole number of opportunities"));
    }
    if n.fract() != 0.0 {
        return Err(bad("t", n, "a whole number of opportunities"));
    }
    if x > t_x {
        return Err(bad(
            "frequency",
            x,
            "at most the recency: one transaction per opportunity",
        ));
    }
    Ok(())
}

/// The most opportunities of a history or a horizon: the likelihood and the
/// count probabilities sum a term per opportunity. Discrete-time panels
/// count years or campaigns, far below it.
const MAX_OPPORTUNITIES: u32 = 10_000;

/// `m` future opportunities, or the error for too many.
fn check_horizon(name: &'static str, m: u32) -> Result<()> {
    if m > MAX_OPPORTUNITIES {
        return Err(Error::InvalidParameter {
            name,
            value: m.to_string(),
            expected: "at most 10,000 opportunities (BetaGeoBetaBinom::MAX_OPPORTUNITIES)",
        });
    }
    Ok(())
}

/// Σ wᵢ ln Lᵢ over the rows and its gradient in (α, β, γ, δ):
///
/// ```text
/// Lᵢ = B(α + x, β + n − x)/B(α, β) · B(γ, δ + n)/B(γ, δ)
///    + Σ_{j=0}^{n − t_x − 1} B(α + x, β + t_x − x + j)/B(α, β) · B(γ + 1, δ + t_x + j)/B(γ, δ)
/// ```
///
/// summed in log space; each term's share weights its log-derivative.
fn log_likelihood(params: &[f64], rows: &[FrequencyRow], gradient: &mut [f64]) -> f64 {
    let [alpha, beta, gamma, delta] = match params {
        [a, b, g, d] => [*a, *b, *g, *d],
        _ => return f64::NAN,
    };
    let (ln_b_ab, ln_b_gd) = (ln_beta(alpha, beta), ln_beta(gamma, delta));
    let (psi_a, psi_b, psi_ab) = (digamma(alpha), digamma(beta), digamma(alpha + beta));
    let (psi_g, psi_d, psi_gd) = (digamma(gamma), digamma(delta), digamma(gamma + delta));
    let (mut ll, mut g) = (0.0, [0.0_f64; 4]);
    let mut terms: Vec<(f64, [f64; 4])> = Vec::new();
    for row in rows {
        let (x, t_x, n, w) = (row.frequency, row.recency, row.t, row.weight);
        terms.clear();
        // (ln term, ∂ ln term / ∂(α, β, γ, δ)) for "alive through n" and each "died after t_x + j".
        let purchase = |spent: f64| {
            let ln = ln_beta(alpha + x, beta + spent - x) - ln_b_ab;
            let psi_total = digamma(alpha + beta + spent);
            (
                ln,
                digamma(alpha + x) - psi_total - psi_a + psi_ab,
                digamma(beta + spent - x) - psi_total - psi_b + psi_ab,
            )
        };
        let (ln_p, d_alpha, d_beta) = purchase(n);
        let ln_s = ln_beta(gamma, delta + n) - ln_b_gd;
        let psi_total = digamma(gamma + delta + n);
        terms.push((
            ln_p + ln_s,
            [
                d_alpha,
                d_beta,
                psi_gd - psi_total,
                digamma(delta + n) - psi_total - psi_d + psi_gd,
            ],
        ));
        let mut j = 0.0;
        while t_x + j < n {
            let (ln_p, d_alpha, d_beta) = purchase(t_x + j);
            let ln_s = ln_beta(gamma + 1.0, delta + t_x + j) - ln_b_gd;
            let psi_total = digamma(gamma + 1.0 + delta + t_x + j);
            let d_gamma = digamma(gamma + 1.0) - psi_total - psi_g + psi_gd;
            let d_delta = digamma(delta + t_x + j) - psi_total - psi_d + psi_gd;
            terms.push((ln_p + ln_s, [d_alpha, d_beta, d_gamma, d_delta]));
            j += 1.0;
        }
        let ln_l = terms
            .iter()
            .fold(f64::NEG_INFINITY, |acc, (t, _)| log_add_exp(acc, *t));
        ll += w * ln_l;
        for (ln_term, d) in &terms {
            let share = (ln_term - ln_l).exp();
            g.iter_mut().zip(d).for_each(|(gi, di)| *gi += w * share * di);
        }
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
            (0.0, 0.0, 6.0, 30.0),
            (2.0, 4.0, 6.0, 10.0),
            (6.0, 6.0, 6.0, 12.0),
            (1.0, 3.0, 9.0, 2.0),
        ])
        .unwrap();
        for params in [[1.204, 0.750, 0.657, 2.783], [0.3, 4.0, 2.0, 0.4]] {
            assert_gradient_matches_differences(|p, g| log_likelihood(p, data.rows(), g), &params);
        }
    }
}
