//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005).

use super::data::SpendData;
use super::fit::{Fit, FitOptions, WarmStart, maximise, warm_started};
use super::model::{check_parameters, expectation};
use super::runs::Runs;
use super::special::{digamma, ln_gamma};
use crate::parallel::{SUM_PIECE, map_each, map_pieces, sum_partials};
use crate::{Error, Result};

/// The Gamma-Gamma model of average spend: a customer's transaction values
/// are Gamma(p, ν) around their mean, and ν varies across customers as
/// Gamma(q, γ). Spend is assumed independent of purchase frequency.
///
/// Invariant: p, q, γ are finite and > 0; γ is in the money unit of the
/// data.
///
/// Source: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "RFM and CLV:
/// Using Iso-Value Curves for Customer Base Analysis", *Journal of
/// Marketing Research* 42(4), 415–430; B. G. S. Hardie, "The Gamma-Gamma
/// Model of Monetary Value" (note 025).
///
/// # Example
///
/// ```
/// use repurchase::models::GammaGamma;
///
/// let model = GammaGamma::new(6.25, 3.74, 15.44)?; // the published CDNOW estimates
/// assert!((model.mean_spend()? - 35.22).abs() < 0.01);
/// // Two repeat purchases averaging $22.35: shrunk toward the population mean.
/// let expected = model.conditional_expected_spend(2.0, 22.35)?;
/// assert!(expected > 22.35 && expected < 35.22);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GammaGamma {
    p: f64,
    q: f64,
    gamma: f64,
}

crate::stored::deserialize_checked!(GammaGamma { p: f64, q: f64, gamma: f64 } => GammaGamma::new(p, q, gamma));

impl GammaGamma {
    /// The model with known parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a parameter is not finite and > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::GammaGamma;
    ///
    /// assert!(GammaGamma::new(6.25, 3.74, 15.44).is_ok());
    /// assert!(GammaGamma::new(6.25, f64::NAN, 15.44).is_err());
    /// ```
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self> {
        check_parameters(&[("p", p), ("q", q), ("gamma", gamma)])?;
        Ok(Self { p, q, gamma })
    }

    /// The shape of the transaction-value distribution.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::GammaGamma;
    /// assert_eq!(GammaGamma::new(6.25, 3.74, 15.44)?.p(), 6.25);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn p(&self) -> f64 {
        self.p
    }

    /// The shape of the distribution of ν across customers.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::GammaGamma;
    /// assert_eq!(GammaGamma::new(6.25, 3.74, 15.44)?.q(), 3.74);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn q(&self) -> f64 {
        self.q
    }

    /// The scale γ of the distribution of ν, in money.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::models::GammaGamma;
    /// assert_eq!(GammaGamma::new(6.25, 3.74, 15.44)?.gamma(), 15.44);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Fits the model by maximum likelihood on the repeat customers' mean
    /// spend.
    ///
    /// The spend is divided by its mean before fitting and γ and the
    /// log-likelihood are mapped back, so the money unit (cents or
    /// dollars) does not change the fit.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientData`] without rows; [`Error::InvalidParameter`]
    /// for bad [`FitOptions`].
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{datasets::cdnow_sample, models::{FitOptions, GammaGamma, SpendData}, SummaryOptions};
    ///
    /// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
    /// let fit = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
    /// assert!((fit.model.p() - 6.25).abs() < 0.01); // the published estimate
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &SpendData, options: &FitOptions) -> Result<Fit<Self>> {
        Self::fit_warm(data, options).map(|(fit, _)| fit)
    }

    /// [`fit`](Self::fit), and where it ended (γ in money, as the model's).
    /// Large data first fits a sample of itself and starts from there, with
    /// the curvature learned: the same optimum, in fewer iterations over
    /// all of it.
    fn fit_warm(data: &SpendData, options: &FitOptions) -> Result<(Fit<Self>, WarmStart)> {
        warm_started(data, &SpendData::warm_start_sample, &|data, warm| {
            Self::fit_from(data, options, warm)
        })
    }

    /// [`fit`](Self::fit) from `warm` first, when given, then from three
    /// default points.
    fn fit_from(
        data: &SpendData,
        options: &FitOptions,
        warm: Option<&WarmStart>,
    ) -> Result<(Fit<Self>, WarmStart)> {
        if data.rows().is_empty() {
            return Err(Error::InsufficientData {
                needed: "at least one repeat customer",
            });
        }
        let total = data.customers();
        let scale = data.rows().iter().map(|(_, m, w)| m * w).sum::<f64>() / total;
        let scaled = spend_rows(data.rows(), scale);
        let starts: [&[f64]; 3] = [&[1.0, 1.0, 1.0], &[5.0, 3.0, 5.0], &[0.5, 2.0, 0.5]];
        // The likelihood is fitted with γ in units of this data's mean
        // spend; warm starts keep it in money. Rescaling shifts ln γ, which
        // leaves the curvature as it was.
        let rescaled = |warm: &WarmStart, by: f64| {
            let mut warm = warm.clone();
            if let Some(gamma) = crate::invariant::item_mut(&mut warm.params, 2) {
                *gamma *= by;
            }
            warm
        };
        let warm = warm.map(|warm| rescaled(warm, 1.0 / scale));
        let (params, mut report, warm) = maximise(
            &["p", "q", "gamma"],
            total,
            |params, gradient| log_likelihood(params, &scaled, gradient),
            warm.as_ref(),
            &starts,
            options,
        )?;
        let [p, q, gamma_scaled] = match params.as_slice() {
            [p, q, g] => [*p, *q, *g],
            _ => {
                return Err(Error::InsufficientData {
                    needed: "three parameters",
                });
            }
        };
        // Back to money: γ scales with the spend; the density of m picks up 1/scale.
        report.log_likelihood -= total * scale.ln();
        if let super::fit::StandardErrors::Available(se) = &mut report.standard_errors {
            if let Some(se_gamma) = crate::invariant::item_mut(se, 2) {
                *se_gamma *= scale;
            }
        }
        // γ's row and column scale with it (its own variance twice).
        if let Some(covariance) = &mut report.covariance {
            for (at, value) in covariance.iter_mut().enumerate() {
                let (row, column) = (at / 3, at % 3);
                *value *= [row, column]
                    .iter()
                    .filter(|&&i| i == 2)
                    .fold(1.0, |f, _| f * scale);
            }
        }
        let fit = Fit {
            model: Self::new(p, q, gamma_scaled * scale)?,
            report,
        };
        Ok((fit, rescaled(&warm, scale)))
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{GammaGamma, SpendData};
    ///
    /// let model = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// assert!(model.log_likelihood(&SpendData::from_rows([(2.0, 22.35, 1.0)])?) < 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &SpendData) -> f64 {
        let rows = spend_rows(data.rows(), 1.0);
        log_likelihood(&[self.p, self.q, self.gamma], &rows, &mut [0.0; 3])
    }

    /// The population mean spend per transaction, `p γ / (q − 1)`.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when q ≤ 1: the mean is infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::{models::GammaGamma, Error};
    ///
    /// assert!(matches!(GammaGamma::new(6.25, 0.9, 15.44)?.mean_spend(), Err(Error::Undefined { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mean_spend(&self) -> Result<f64> {
        if self.q <= 1.0 {
            return Err(Error::Undefined {
                quantity: "the population mean spend",
                condition: format!("q > 1 is needed, q = {}", self.q),
            });
        }
        Ok(self.p * self.gamma / (self.q - 1.0))
    }

    /// The expected mean transaction value of a customer with `x` repeat
    /// purchases of mean value `m`:
    ///
    /// ```text
    /// E[Z | x, m] = p (γ + x m) / (p x + q − 1)
    ///             = (q − 1)/(p x + q − 1) · p γ/(q − 1) + p x/(p x + q − 1) · m
    /// ```
    ///
    /// a weighted mean of the population mean and the customer's own. With
    /// `x = 0` it is the population mean.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a negative or fractional `x` or a
    /// non-finite or negative `m`; [`Error::Undefined`] when p x + q ≤ 1.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::GammaGamma;
    ///
    /// let model = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// assert_eq!(model.conditional_expected_spend(0.0, 0.0)?, model.mean_spend()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conditional_expected_spend(&self, x: f64, m: f64) -> Result<f64> {
        if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
            return Err(Error::InvalidInput {
                input: "pattern",
                row: 0,
                field: "frequency",
                value: x.to_string(),
                expected: "a whole number ≥ 0",
            });
        }
        if !(m.is_finite() && m >= 0.0) {
            return Err(Error::InvalidInput {
                input: "pattern",
                row: 0,
                field: "monetary_value",
                value: m.to_string(),
                expected: "a finite mean spend ≥ 0",
            });
        }
        let denominator = self.p * x + self.q - 1.0;
        if denominator <= 0.0 {
            return Err(Error::Undefined {
                quantity: "the conditional expected spend",
                condition: format!("p x + q > 1 is needed, p x + q = {}", denominator + 1.0),
            });
        }
        expectation(self.p * (self.gamma + x * m) / denominator, "E[Z | x, m]")
    }
}

/// One row of the likelihood: x m̄, the weight and ln m̄, which do not
/// change with the parameters and so are taken once, not once per
/// evaluation. 24 bytes: each evaluation streams every row.
#[derive(Debug, Clone, Copy)]
struct SpendRow {
    xm: f64,
    weight: f64,
    ln_m: f64,
}

/// The likelihood's rows, and their runs of equal x.
#[derive(Debug)]
struct SpendRows {
    rows: Vec<SpendRow>,
    runs: Runs<f64>,
}

/// `(x, m̄, weight)` rows (sorted by x, so runs are long) for the
/// likelihood, with m̄ in units of `scale`. Row by row on all cores: a
/// logarithm each is a sixth of a warm-started fit's time.
fn spend_rows(rows: &[(f64, f64, f64)], scale: f64) -> SpendRows {
    SpendRows {
        runs: Runs::of(rows.iter().map(|&(x, _, _)| x)),
        rows: map_each(rows, |&(x, m, weight)| {
            let m = m / scale;
            SpendRow {
                xm: x * m,
                weight,
                ln_m: m.ln(),
            }
        }),
    }
}

/// The rows of one frequency x, summed as the likelihood needs them.
#[derive(Debug, Default)]
struct SpendRun {
    x: f64,
    w: f64,
    w_ln_m: f64,
    w_ln_gxm: f64,
    w_inv_gxm: f64,
}

/// What one likelihood evaluation computes once from the parameters.
#[derive(Debug, Clone, Copy)]
struct SpendParams {
    p: f64,
    q: f64,
    gamma: f64,
    ln_gamma_q: f64,
    psi_q: f64,
    ln_g: f64,
}

impl SpendRun {
    /// Adds the run's log-likelihood and gradient terms (none when empty).
    fn add_to(&self, k: &SpendParams, ll: &mut f64, g: &mut [f64; 3]) {
        if self.w == 0.0 {
            return;
        }
        let SpendParams {
            p,
            q,
            gamma,
            ln_gamma_q,
            psi_q,
            ln_g,
        } = *k;
        let (x, w) = (self.x, self.w);
        let px = p * x;
        let ln_x = x.ln();
        let (psi_pxq, psi_px) = (digamma(px + q), digamma(px));
        let x_terms = ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + px * ln_x + q * ln_g;
        *ll += w * x_terms + (px - 1.0) * self.w_ln_m - (px + q) * self.w_ln_gxm;
        g[0] += x * (w * (psi_pxq - psi_px + ln_x) + self.w_ln_m - self.w_ln_gxm);
        g[1] += w * (psi_pxq - psi_q + ln_g) - self.w_ln_gxm;
        g[2] += w * q / gamma - (px + q) * self.w_inv_gxm;
    }
}

/// Σ wᵢ ln f(mᵢ | xᵢ) and its gradient in (p, q, γ):
///
/// ```text
/// ln f = ln Γ(p x + q) − ln Γ(p x) − ln Γ(q) + q ln γ + (p x − 1) ln m + p x ln x − (p x + q) ln(γ + x m)
/// ```
fn log_likelihood(params: &[f64], rows: &SpendRows, gradient: &mut [f64]) -> f64 {
    let [p, q, gamma] = match params {
        [p, q, g] => [*p, *q, *g],
        _ => return f64::NAN,
    };
    let k = SpendParams {
        p,
        q,
        gamma,
        ln_gamma_q: ln_gamma(q),
        psi_q: digamma(q),
        ln_g: gamma.ln(),
    };
    // Summed in fixed pieces, in order: the same bits on any number of cores.
    let partials = map_pieces(rows.rows.len(), SUM_PIECE, |piece| {
        let (mut ll, mut g) = (0.0, [0.0_f64; 3]);
        // Within a run of equal x only ln(γ + x m̄) and 1 / (γ + x m̄) vary
        // with the parameters: the run's sums of them (and of w and w ln m̄)
        // are taken row by row, and the special functions of p x once per
        // run (or the part of it in this piece).
        for (x, part) in rows.runs.in_piece(piece) {
            let mut run = SpendRun {
                x,
                ..SpendRun::default()
            };
            for row in crate::invariant::range(&rows.rows, part).unwrap_or(&[]) {
                let gxm = gamma + row.xm;
                run.w += row.weight;
                run.w_ln_m += row.weight * row.ln_m;
                run.w_ln_gxm += row.weight * gxm.ln();
                run.w_inv_gxm += row.weight / gxm;
            }
            run.add_to(&k, &mut ll, &mut g);
        }
        (ll, g)
    });
    let (ll, g) = sum_partials(partials);
    gradient.iter_mut().zip(g).for_each(|(out, v)| *out = v);
    ll
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::fit::assert_gradient_matches_differences;

    /// 70,000 repeat customers drawn from the Gamma-Gamma process: past the
    /// warm-start threshold.
    #[cfg(feature = "synthetic")]
    #[test]
    fn a_warm_start_reaches_the_cold_optimum_in_fewer_iterations() {
        let mut rng = crate::synthetic::Rng::new(3);
        let rows: Vec<_> = (0..70_000)
            .map(|_| {
                let x = 1 + (rng.uniform() * 8.0) as u32;
                let rate = rng.gamma(3.7) / 15.0;
                let total: f64 = (0..x).map(|_| rng.gamma(6.0) / rate).sum();
                (f64::from(x), total / f64::from(x), 1.0)
            })
            .collect();
        let data = SpendData::from_rows(rows).unwrap();
        let options = FitOptions::default();
        let (warm, _) = GammaGamma::fit_warm(&data, &options).unwrap();
        let (cold, _) = GammaGamma::fit_from(&data, &options, None).unwrap();
        let (w, c) = (&warm.model, &cold.model);
        for (a, b) in [(w.p, c.p), (w.q, c.q), (w.gamma, c.gamma)] {
            assert!((a / b - 1.0).abs() < 1e-5, "{w:?} vs {c:?}");
        }
        let (lw, lc) = (warm.report.log_likelihood, cold.report.log_likelihood);
        assert!((lw - lc).abs() < 1e-9 * lc.abs(), "{lw} vs {lc}");
        assert!(warm.report.converged && warm.report.iterations < cold.report.iterations);
    }

    #[test]
    fn the_gradient_equals_central_differences() {
        let rows = [(1.0, 11.77, 1.0), (2.0, 22.35, 2.0), (7.0, 40.0, 1.0)];
        for params in [[6.25, 3.74, 15.44], [0.5, 1.5, 3.0], [20.0, 0.8, 100.0]] {
            let rows = spend_rows(&rows, 1.0);
            assert_gradient_matches_differences(|p, g| log_likelihood(p, &rows, g), &params);
        }
    }
}
