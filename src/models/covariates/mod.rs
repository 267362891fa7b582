//! BG/NBD and Pareto/NBD with time-invariant covariates (Fader & Hardie
//! 2007, as CLVTools fits them).

mod data;
mod likelihood;

use std::fmt;

use super::fit::{Fit, FitOptions, maximise_mixed, write_report};
use super::{BetaGeo, ParetoNbd};
use crate::{Error, Result};

pub use data::{CovariateData, Covariates};
pub(crate) use likelihood::Base;
use likelihood::base_params;

/// A BG/NBD or Pareto/NBD model whose purchase and dropout rates differ by
/// customer with the customer's covariates, as in Fader & Hardie's note on
/// time-invariant covariates and as CLVTools fits them.
///
/// With purchase covariates `z` and their effects `γ`, and dropout
/// covariates `w` with effects `δ`, customer `i`'s parameters are
///
/// ```text
/// BG/NBD:      α_i = α₀ · e^(−γ·zᵢ),   a_i = a₀ · e^(δ·wᵢ),   b_i = b₀ · e^(δ·wᵢ)
/// Pareto/NBD:  α_i = α₀ · e^(−γ·zᵢ),   β_i = β₀ · e^(−δ·wᵢ)
/// ```
///
/// with r (and s) shared. A positive purchase effect raises the expected
/// purchase rate r / α_i by the factor e^(γ·z). A positive Pareto/NBD
/// dropout effect raises the expected dropout rate s / β_i likewise; the
/// BG/NBD's dropout effect scales both shapes of the dropout probability's
/// Beta distribution, which keeps its mean a / (a + b) and concentrates it
/// (δ·w > 0) or spreads it (δ·w < 0) around that mean. The base model is
/// that of a customer whose covariates are all 0.
///
/// Every prediction for a customer is the base model's at their own
/// parameters: [`for_customer`](Self::for_customer) gives that model, with
/// P(alive), conditional expected purchases, count probabilities and all
/// the rest; [`clv::customer_lifetime_value`](crate::clv::customer_lifetime_value)
/// and [`churn::score`](crate::churn::score) value and score the customer
/// with it, and [`covariate_draws`](crate::intervals::covariate_draws)
/// gives the fit's parameter draws for intervals.
///
/// Source: P. S. Fader, B. G. S. Hardie (2007), "Incorporating
/// Time-Invariant Covariates into the Pareto/NBD and BG/NBD Models"; the
/// parametrisation of CLVTools (Bachmann, Meierer & Näf).
///
/// # Example
///
/// ```
/// use repurchase::models::{BetaGeo, WithCovariates};
///
/// let base = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let model = WithCovariates::new(base, [("app user", 0.5)], [("complained", -0.3)])?;
/// let app_user = model.for_customer(&[1.0], &[0.0])?;
/// assert!((app_user.alpha() - 4.414 * (-0.5_f64).exp()).abs() < 1e-12);
/// assert!(app_user.expected_purchases(39.0)? > base.expected_purchases(39.0)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct WithCovariates<M> {
    base: M,
    purchase: Vec<(String, f64)>,
    dropout: Vec<(String, f64)>,
}

#[cfg(feature = "serde")]
impl<'de, M: CovariateModel + serde::Deserialize<'de>> serde::Deserialize<'de> for WithCovariates<M> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Stored<M> {
            base: M,
            purchase: Vec<(String, f64)>,
            dropout: Vec<(String, f64)>,
        }
        let Stored {
            base,
            purchase,
            dropout,
        } = Stored::deserialize(deserializer)?;
        WithCovariates::new(base, purchase, dropout).map_err(serde::de::Error::custom)
    }
}

/// The models that take covariates: [`BetaGeo`] and [`ParetoNbd`].
///
/// Sealed: the crate implements it for those two only.
pub trait CovariateModel: Base {}

impl CovariateModel for BetaGeo {}
impl CovariateModel for ParetoNbd {}

impl<M: CovariateModel> WithCovariates<M> {
    /// The model with known base parameters and effects, each effect named
    /// by its covariate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an effect that is not finite or a
    /// name given twice in one process.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{ParetoNbd, WithCovariates};
    ///
    /// let base = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let none: [(&str, f64); 0] = [];
    /// assert!(WithCovariates::new(base, [("income", 0.2)], none).is_ok());
    /// assert!(WithCovariates::new(base, [("income", f64::NAN)], none).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new<P: Into<String>, D: Into<String>>(
        base: M,
        purchase: impl IntoIterator<Item = (P, f64)>,
        dropout: impl IntoIterator<Item = (D, f64)>,
    ) -> Result<Self> {
        let named = |effects: Vec<(String, f64)>| -> Result<Vec<(String, f64)>> {
            for (i, (name, value)) in effects.iter().enumerate() {
                if !value.is_finite() {
                    return Err(Error::InvalidParameter {
                        name: "covariate effect",
                        value: format!("{name} = {value}"),
                        expected: "a finite number",
                    });
                }
                if effects.iter().take(i).any(|(other, _)| other == name) {
                    return Err(Error::InvalidParameter {
                        name: "covariate name",
                        value: name.clone(),
                        expected: "a name not already given",
                    });
                }
            }
            Ok(effects)
        };
        Ok(Self {
            base,
            purchase: named(purchase.into_iter().map(|(n, v)| (n.into(), v)).collect())?,
            dropout: named(dropout.into_iter().map(|(n, v)| (n.into(), v)).collect())?,
        })
    }

    /// Fits the base parameters and the effects by maximum likelihood.
    ///
    /// First the base model alone, then BFGS on ln(base parameters) and the
    /// effects with the analytic gradient, from the base fit with every
    /// effect 0 (as CLVTools starts): without covariates this is exactly
    /// the base fit. The options' penalty λ adds λγ² for each effect γ as
    /// for each base parameter. The report's standard errors and
    /// covariance are in the order of [`parameters`](Self::parameters).
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientData`] for no customers or no repeat purchase;
    /// [`Error::InvalidParameter`] for bad [`FitOptions`].
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, CovariateData, Covariates, FitOptions, WithCovariates};
    ///
    /// // Four app users who buy more, four others.
    /// let patterns = [(6.0, 35.0, 38.0), (4.0, 30.0, 38.0), (5.0, 36.0, 38.0), (3.0, 20.0, 38.0),
    ///                 (1.0, 10.0, 38.0), (0.0, 0.0, 38.0), (2.0, 30.0, 38.0), (0.0, 0.0, 38.0)];
    /// let app = Covariates::from_columns([("app user", vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])])?;
    /// let data = CovariateData::from_rows(patterns, &app, &Covariates::none())?;
    /// let fit = WithCovariates::<BetaGeo>::fit(&data, &FitOptions::default())?;
    /// assert!(fit.model.purchase_effects()[0].1 > 0.0);
    /// println!("{fit}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &CovariateData, options: &FitOptions) -> Result<Fit<Self>> {
        let base = M::fit(&data.without_covariates(), options)?.model;
        let (kp, kd) = (data.purchase_names().len(), data.dropout_names().len());
        let mut start = base_params(&base).to_vec();
        start.resize(4 + kp + kd, 0.0);
        let names: Vec<String> = base
            .parameters()
            .iter()
            .map(|(n, _)| (*n).to_string())
            .chain(data.purchase_names().iter().map(|n| format!("purchase: {n}")))
            .chain(data.dropout_names().iter().map(|n| format!("dropout: {n}")))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let (estimates, report, _) = maximise_mixed(
            &names,
            4,
            data.customers(),
            |theta, gradient| likelihood::log_likelihood::<M>(theta, data, gradient),
            None,
            &[&start],
            options,
        )?;
        let (base_estimates, effects) = estimates.split_at_checked(4).unwrap_or((&estimates, &[]));
        let (purchase, dropout) = effects.split_at_checked(kp).unwrap_or((effects, &[]));
        let model = Self::new(
            base.with_parameters(base_estimates)?,
            data.purchase_names()
                .iter()
                .cloned()
                .zip(purchase.iter().copied()),
            data.dropout_names().iter().cloned().zip(dropout.iter().copied()),
        )?;
        Ok(Fit { model, report })
    }

    /// The log-likelihood of `data` under the model.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the data's covariates are not the
    /// model's, by name and order.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, CovariateData, Covariates, FrequencyData, WithCovariates};
    ///
    /// let base = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let none: [(&str, f64); 0] = [];
    /// let model = WithCovariates::new(base, none, none)?;
    /// let data = CovariateData::from_rows([(2.0, 30.43, 38.86)], &Covariates::none(), &Covariates::none())?;
    /// let plain = base.log_likelihood(&FrequencyData::from_rows([(2.0, 30.43, 38.86, 1.0)])?);
    /// assert!((model.log_likelihood(&data)? - plain).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_likelihood(&self, data: &CovariateData) -> Result<f64> {
        let names = |effects: &[(String, f64)]| effects.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        if names(&self.purchase) != data.purchase_names() || names(&self.dropout) != data.dropout_names() {
            return Err(Error::InvalidInput {
                input: "covariate data",
                row: 0,
                field: "covariate names",
                value: format!("{:?} and {:?}", data.purchase_names(), data.dropout_names()),
                expected: "the model's purchase and dropout covariates, in its order",
            });
        }
        let theta: Vec<f64> = self.parameters().into_iter().map(|(_, v)| v).collect();
        let mut gradient = vec![0.0; theta.len()];
        Ok(likelihood::log_likelihood::<M>(&theta, data, &mut gradient))
    }

    /// The model of a customer whose covariates are all 0.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, WithCovariates};
    ///
    /// let base = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// assert_eq!(WithCovariates::new(base, [("app user", 0.5)], [("complained", -0.3)])?.base(), &base);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn base(&self) -> &M {
        &self.base
    }

    /// The purchase covariates' names and effects γ.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, WithCovariates};
    ///
    /// let model = WithCovariates::new(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?, [("app user", 0.5)], [("complained", -0.3)])?;
    /// assert_eq!(model.purchase_effects(), [("app user".to_string(), 0.5)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchase_effects(&self) -> &[(String, f64)] {
        &self.purchase
    }

    /// The dropout covariates' names and effects δ.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, WithCovariates};
    ///
    /// let model = WithCovariates::new(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?, [("app user", 0.5)], [("complained", -0.3)])?;
    /// assert_eq!(model.dropout_effects(), [("complained".to_string(), -0.3)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dropout_effects(&self) -> &[(String, f64)] {
        &self.dropout
    }

    /// Every parameter by name: the base model's four, then each purchase
    /// effect (`purchase: NAME`), then each dropout effect
    /// (`dropout: NAME`): the order of the fit report's standard errors.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{ParetoNbd, WithCovariates};
    ///
    /// let model = WithCovariates::new(ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?, [("app user", 0.5)], [("complained", 0.3)])?;
    /// let names: Vec<String> = model.parameters().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["r", "alpha", "s", "beta", "purchase: app user", "dropout: complained"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parameters(&self) -> Vec<(String, f64)> {
        self.base
            .parameters()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .chain(self.purchase.iter().map(|(n, v)| (format!("purchase: {n}"), *v)))
            .chain(self.dropout.iter().map(|(n, v)| (format!("dropout: {n}"), *v)))
            .collect()
    }

    /// The same model with other parameters, in the order of
    /// [`parameters`](Self::parameters), keeping the names and the time
    /// unit: how parameter draws become models.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a base parameter the base model
    /// refuses, an effect that is not finite, or the wrong number of them.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, WithCovariates};
    ///
    /// let model = WithCovariates::new(BetaGeo::new(0.243, 4.414, 0.793, 2.426)?, [("app user", 0.5)], [("complained", -0.3)])?;
    /// let other = model.with_parameters(&[0.25, 4.0, 0.8, 2.5, 0.4, -0.2])?;
    /// assert_eq!(other.purchase_effects(), [("app user".to_string(), 0.4)]);
    /// assert!(model.with_parameters(&[0.25, 4.0, 0.8, 2.5]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_parameters(&self, params: &[f64]) -> Result<Self> {
        let (kp, kd) = (self.purchase.len(), self.dropout.len());
        if params.len() != 4 + kp + kd {
            return Err(Error::InvalidParameter {
                name: "parameters",
                value: format!("{} values", params.len()),
                expected: "four base parameters and one per effect",
            });
        }
        let (base, effects) = params.split_at(4);
        let (purchase, dropout) = effects.split_at(kp);
        let renamed = |named: &[(String, f64)], values: &[f64]| -> Vec<(String, f64)> {
            named
                .iter()
                .zip(values)
                .map(|((n, _), v)| (n.clone(), *v))
                .collect()
        };
        Self::new(
            self.base.with_parameters(base)?,
            renamed(&self.purchase, purchase),
            renamed(&self.dropout, dropout),
        )
    }

    /// The model of a customer with purchase covariates `purchase` and
    /// dropout covariates `dropout` (in the order of the effects): the base
    /// model at the customer's own parameters, with every prediction the
    /// base model has.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for the wrong number of values or a value
    /// that is not finite; [`Error::InvalidParameter`] when the customer's
    /// parameters leave f64's range (covariates far outside the data's).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{ParetoNbd, WithCovariates};
    ///
    /// let base = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
    /// let none: [(&str, f64); 0] = [];
    /// let model = WithCovariates::new(base, none, [("complained", 0.7)])?;
    /// let complained = model.for_customer(&[], &[1.0])?;
    /// assert!(complained.p_alive(2.0, 20.0, 38.0)? < base.p_alive(2.0, 20.0, 38.0)?);
    /// assert!(model.for_customer(&[], &[1.0, 2.0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_customer(&self, purchase: &[f64], dropout: &[f64]) -> Result<M> {
        let index = |process: &'static str, effects: &[(String, f64)], values: &[f64]| -> Result<f64> {
            let bad = |value: String, expected: &'static str| Error::InvalidInput {
                input: "customer's covariates",
                row: 0,
                field: process,
                value,
                expected,
            };
            if values.len() != effects.len() {
                return Err(bad(
                    format!("{} values", values.len()),
                    "one value per covariate of the model",
                ));
            }
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(bad(v.to_string(), "finite values"));
            }
            Ok(effects.iter().zip(values).map(|((_, e), v)| e * v).sum())
        };
        let u = index("purchase", &self.purchase, purchase)?;
        let v = index("dropout", &self.dropout, dropout)?;
        let params = likelihood::individual::<M>(base_params(&self.base), u, v).0;
        self.base.with_parameters(&params)
    }
}

/// The report as for the base models, each effect named by its process
/// and covariate.
impl<M: CovariateModel> fmt::Display for Fit<WithCovariates<M>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = format!("{} with covariates", M::NAME);
        write_report(f, &name, &self.model.parameters(), &self.report, self.aic())
    }
}

impl<M: CovariateModel> Fit<WithCovariates<M>> {
    /// Akaike's information criterion, `2k − 2 ln L` for `k` parameters
    /// (the effects included): compare it with the base fit's to judge
    /// whether the covariates earn their place.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, CovariateData, Covariates, FitOptions, WithCovariates};
    ///
    /// let data = CovariateData::from_rows([(0.0, 0.0, 38.0), (2.0, 30.0, 38.0), (5.0, 36.0, 38.0)], &Covariates::none(), &Covariates::none())?;
    /// let fit = WithCovariates::<BetaGeo>::fit(&data, &FitOptions::default())?;
    /// assert_eq!(fit.aic(), 8.0 - 2.0 * fit.report.log_likelihood);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aic(&self) -> f64 {
        2.0 * self.model.parameters().len() as f64 - 2.0 * self.report.log_likelihood
    }
}
