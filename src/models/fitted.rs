//! [`FitModel`] for the six models: each delegates to its own methods.

use super::fit::{Fit, FitModel, FitOptions};
use super::{
    BetaGeo, BetaGeoBetaBinom, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd, RetentionData,
    ShiftedBetaGeo, SpendData,
};
use crate::{Error, Result};

/// The four-parameter purchase-count models, fitted on [`FrequencyData`].
macro_rules! fit_model {
    ($model:ident, $name:literal, [$($param:literal),+], $log_likelihood:expr, $with:expr) => {
        impl FitModel for $model {
            const NAME: &'static str = $name;
            type Data = FrequencyData;

            fn fit(data: &FrequencyData, options: &FitOptions) -> Result<Fit<Self>> {
                $model::fit(data, options)
            }

            fn log_likelihood(&self, data: &FrequencyData) -> Result<f64> {
                $log_likelihood(self, data)
            }

            fn parameters(&self) -> Vec<(&'static str, f64)> {
                [$($param),+].into_iter().zip(self.params()).collect()
            }

            fn with_parameters(&self, params: &[f64]) -> Result<Self> {
                let &[a, b, c, d] = params else {
                    return Err(wrong_count(params, 4));
                };
                $with(self, [a, b, c, d])
            }
        }
    };
}

fit_model!(
    BetaGeo,
    "BG/NBD",
    ["r", "alpha", "a", "b"],
    |m: &BetaGeo, d| Ok(m.log_likelihood(d)),
    |m: &BetaGeo, [r, alpha, a, b]: [f64; 4]| BetaGeo::new(r, alpha, a, b)
        .map(|new| new.in_time_of(m.time()))
);
fit_model!(
    ModifiedBetaGeo,
    "MBG/NBD",
    ["r", "alpha", "a", "b"],
    |m: &ModifiedBetaGeo, d| Ok(m.log_likelihood(d)),
    |m: &ModifiedBetaGeo, [r, alpha, a, b]: [f64; 4]| ModifiedBetaGeo::new(r, alpha, a, b)
        .map(|new| new.in_time_of(m.time()))
);
fit_model!(
    ParetoNbd,
    "Pareto/NBD",
    ["r", "alpha", "s", "beta"],
    |m: &ParetoNbd, d| Ok(m.log_likelihood(d)),
    |m: &ParetoNbd, [r, alpha, s, beta]: [f64; 4]| ParetoNbd::new(r, alpha, s, beta)
        .map(|new| new.in_time_of(m.time()))
);
fit_model!(
    BetaGeoBetaBinom,
    "BG/BB",
    ["alpha", "beta", "gamma", "delta"],
    |m: &BetaGeoBetaBinom, d| m.log_likelihood(d),
    |_: &BetaGeoBetaBinom, [alpha, beta, gamma, delta]: [f64; 4]| BetaGeoBetaBinom::new(
        alpha, beta, gamma, delta
    )
);

/// A parameter list of the wrong length for the model.
fn wrong_count(params: &[f64], expected: usize) -> Error {
    Error::InvalidParameter {
        name: "parameters",
        value: format!("{params:?}"),
        expected: match expected {
            2 => "two parameters, in the model's order",
            3 => "three parameters, in the model's order",
            _ => "four parameters, in the model's order",
        },
    }
}

impl FitModel for GammaGamma {
    const NAME: &'static str = "Gamma-Gamma";
    type Data = SpendData;

    fn fit(data: &SpendData, options: &FitOptions) -> Result<Fit<Self>> {
        GammaGamma::fit(data, options)
    }

    fn log_likelihood(&self, data: &SpendData) -> Result<f64> {
        Ok(GammaGamma::log_likelihood(self, data))
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        vec![("p", self.p()), ("q", self.q()), ("gamma", self.gamma())]
    }

    fn with_parameters(&self, params: &[f64]) -> Result<Self> {
        let &[p, q, gamma] = params else {
            return Err(wrong_count(params, 3));
        };
        GammaGamma::new(p, q, gamma)
    }
}

impl FitModel for ShiftedBetaGeo {
    const NAME: &'static str = "sBG";
    type Data = RetentionData;

    fn fit(data: &RetentionData, options: &FitOptions) -> Result<Fit<Self>> {
        ShiftedBetaGeo::fit(data, options)
    }

    fn log_likelihood(&self, data: &RetentionData) -> Result<f64> {
        Ok(ShiftedBetaGeo::log_likelihood(self, data))
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        vec![("alpha", self.alpha()), ("beta", self.beta())]
    }

    fn with_parameters(&self, params: &[f64]) -> Result<Self> {
        let &[alpha, beta] = params else {
            return Err(wrong_count(params, 2));
        };
        ShiftedBetaGeo::new(alpha, beta)
    }
}
