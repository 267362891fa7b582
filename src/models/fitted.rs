//! [`FitModel`] for the six models: each delegates to its own methods.

use super::fit::{Fit, FitModel, FitOptions};
use super::{
    BetaGeo, BetaGeoBetaBinom, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd, RetentionData,
    ShiftedBetaGeo, SpendData,
};
use crate::Result;

/// The four-parameter purchase-count models, fitted on [`FrequencyData`].
macro_rules! fit_model {
    ($model:ident, $name:literal, [$($param:literal),+], $log_likelihood:expr) => {
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
        }
    };
}

fit_model!(BetaGeo, "BG/NBD", ["r", "alpha", "a", "b"], |m: &BetaGeo, d| Ok(
    m.log_likelihood(d)
));
fit_model!(
    ModifiedBetaGeo,
    "MBG/NBD",
    ["r", "alpha", "a", "b"],
    |m: &ModifiedBetaGeo, d| Ok(m.log_likelihood(d))
);
fit_model!(
    ParetoNbd,
    "Pareto/NBD",
    ["r", "alpha", "s", "beta"],
    |m: &ParetoNbd, d| Ok(m.log_likelihood(d))
);
fit_model!(
    BetaGeoBetaBinom,
    "BG/BB",
    ["alpha", "beta", "gamma", "delta"],
    |m: &BetaGeoBetaBinom, d| m.log_likelihood(d)
);

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
}
