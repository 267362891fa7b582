//! How covariates enter each base model, and the likelihood summed over
//! customers with their own parameters.

use super::super::fit::FitModel;
use super::super::{BetaGeo, FrequencyData, ParetoNbd, bgnbd, pareto_nbd};
use super::CovariateData;
use crate::parallel::{SUM_PIECE, map_pieces};

/// What a base model tells the covariate fit, besides what every fitted
/// model does. Public in a private module: [`CovariateModel`](super::CovariateModel)
/// is sealed.
pub trait Base: FitModel<Data = FrequencyData> + Clone {
    /// Parameter k of customer i is θ_k · e^(PURCHASE[k] · γ·zᵢ + DROPOUT[k] · δ·wᵢ).
    const PURCHASE: [f64; 4];
    /// See [`PURCHASE`](Self::PURCHASE).
    const DROPOUT: [f64; 4];
    /// What [`row_log_likelihood`](Self::row_log_likelihood) keeps between rows.
    type Cache: Default;

    /// ln L of one customer at their own parameters, and its gradient in
    /// them.
    fn row_log_likelihood(
        params: [f64; 4],
        x: f64,
        t_x: f64,
        t: f64,
        cache: &mut Self::Cache,
    ) -> (f64, [f64; 4]);
}

impl Base for BetaGeo {
    const PURCHASE: [f64; 4] = [0.0, -1.0, 0.0, 0.0];
    const DROPOUT: [f64; 4] = [0.0, 0.0, 1.0, 1.0];
    type Cache = bgnbd::ShapeTerms;

    fn row_log_likelihood(
        params: [f64; 4],
        x: f64,
        t_x: f64,
        t: f64,
        cache: &mut Self::Cache,
    ) -> (f64, [f64; 4]) {
        bgnbd::row_log_likelihood(params, x, t_x, t, cache)
    }
}

impl Base for ParetoNbd {
    const PURCHASE: [f64; 4] = [0.0, -1.0, 0.0, 0.0];
    const DROPOUT: [f64; 4] = [0.0, 0.0, 0.0, -1.0];
    type Cache = pareto_nbd::RateTerms;

    fn row_log_likelihood(
        params: [f64; 4],
        x: f64,
        t_x: f64,
        t: f64,
        cache: &mut Self::Cache,
    ) -> (f64, [f64; 4]) {
        pareto_nbd::row_log_likelihood(params, x, t_x, t, cache)
    }
}

/// The four base parameters of a model, in its order.
pub(crate) fn base_params<M: FitModel>(model: &M) -> [f64; 4] {
    let mut out = [f64::NAN; 4];
    out.iter_mut()
        .zip(model.parameters())
        .for_each(|(o, (_, v))| *o = v);
    out
}

/// A customer's parameters from the base ones and their purchase index
/// `u` = γ·z and dropout index `v` = δ·w, with each parameter's factor
/// e^(PURCHASE[k] u + DROPOUT[k] v).
pub(crate) fn individual<M: Base>(base: [f64; 4], u: f64, v: f64) -> ([f64; 4], [f64; 4]) {
    let (mut params, mut factors) = (base, [1.0; 4]);
    let exponents = M::PURCHASE.iter().zip(M::DROPOUT).map(|(p, d)| p * u + d * v);
    for (((param, factor), exponent), base) in params.iter_mut().zip(&mut factors).zip(exponents).zip(base) {
        if exponent != 0.0 {
            *factor = exponent.exp();
            *param = base * *factor;
        }
    }
    (params, factors)
}

/// Σ wᵢ ln Lᵢ over the data's rows at `theta` (the four base parameters,
/// then the purchase effects, then the dropout effects), and its gradient
/// in them: each row's gradient in its own parameters, by the chain rule.
pub(crate) fn log_likelihood<M: Base>(theta: &[f64], data: &CovariateData, gradient: &mut [f64]) -> f64 {
    let (kp, kd) = (data.purchase_names().len(), data.dropout_names().len());
    let n = 4 + kp + kd;
    let (Some(base), Some(purchase), Some(dropout)) = (
        theta.get(..4).and_then(|b| <[f64; 4]>::try_from(b).ok()),
        theta.get(4..4 + kp),
        theta.get(4 + kp..n),
    ) else {
        return f64::NAN;
    };
    let rows = data.distinct_rows();
    // Summed in fixed pieces, in order: the same bits on any number of cores.
    let partials = map_pieces(rows.len(), SUM_PIECE, |piece| {
        let rows = crate::invariant::range(rows, piece).unwrap_or(&[]);
        let (mut ll, mut g) = (0.0, vec![0.0; n]);
        let mut cache = M::Cache::default();
        // Rows come grouped by covariate values: a customer's parameters
        // once per group.
        let mut group = None;
        let (mut params, mut factors) = (base, [1.0; 4]);
        let (mut z, mut w): (&[f64], &[f64]) = (&[], &[]);
        for row in rows {
            if group != Some(row.covariates) {
                group = Some(row.covariates);
                (z, w) = data.vector(row);
                let u: f64 = purchase.iter().zip(z).map(|(g, z)| g * z).sum();
                let v: f64 = dropout.iter().zip(w).map(|(d, w)| d * w).sum();
                (params, factors) = individual::<M>(base, u, v);
            }
            let (value, row_gradient) =
                M::row_log_likelihood(params, row.frequency, row.recency, row.t, &mut cache);
            let weight = row.weight;
            ll += weight * value;
            let (mut d_u, mut d_v) = (0.0, 0.0);
            let shares = M::PURCHASE.iter().zip(M::DROPOUT);
            for ((cell, (d, factor)), (param, (purchase, dropout))) in g
                .iter_mut()
                .zip(row_gradient.iter().zip(factors))
                .zip(params.iter().zip(shares))
            {
                // ∂p_k/∂θ_k = factor_k; ∂p_k/∂u = PURCHASE[k] · p_k.
                let scaled = weight * d;
                *cell += scaled * factor;
                d_u += scaled * param * purchase;
                d_v += scaled * param * dropout;
            }
            for (cell, z) in g.iter_mut().skip(4).zip(z) {
                *cell += d_u * z;
            }
            for (cell, w) in g.iter_mut().skip(4 + kp).zip(w) {
                *cell += d_v * w;
            }
        }
        (ll, g)
    });
    let mut total = 0.0;
    gradient.iter_mut().for_each(|cell| *cell = 0.0);
    for (ll, g) in partials {
        total += ll;
        gradient.iter_mut().zip(g).for_each(|(cell, part)| *cell += part);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::super::{CovariateData, Covariates};
    use super::*;
    use crate::models::fit::assert_gradient_matches_differences;

    fn data() -> CovariateData {
        let patterns = [
            (0.0, 0.0, 38.86),
            (2.0, 30.43, 38.86),
            (1.0, 1.71, 38.86),
            (7.0, 29.43, 38.86),
            (3.0, 12.0, 30.0),
            (0.0, 0.0, 25.0),
        ];
        let purchase = Covariates::from_columns([
            ("income", vec![0.3, -1.2, 0.8, 2.0, 0.0, -0.4]),
            ("app", vec![1.0, 0.0, 1.0, 1.0, 0.0, 0.0]),
        ])
        .unwrap();
        let dropout = Covariates::from_columns([("complained", vec![0.0, 1.0, 0.0, 1.0, 1.0, 0.5])]).unwrap();
        CovariateData::from_rows(patterns, &purchase, &dropout).unwrap()
    }

    fn check_gradient<M: Base>(base: [f64; 4]) {
        let data = data();
        for effects in [[0.0, 0.0, 0.0], [0.4, -0.7, 0.3], [-1.5, 0.2, -0.9]] {
            let theta: Vec<f64> = base.iter().chain(&effects).copied().collect();
            assert_gradient_matches_differences(|p, g| log_likelihood::<M>(p, &data, g), &theta);
        }
    }

    #[test]
    fn the_gradient_equals_central_differences() {
        for base in [
            [0.243, 4.414, 0.793, 2.426],
            [2.0, 0.5, 3.0, 0.7],
            [0.01, 100.0, 1.0, 1.0],
        ] {
            check_gradient::<BetaGeo>(base);
        }
        for base in [
            [0.553, 10.578, 0.606, 11.669],
            [2.0, 0.5, 3.0, 0.7],
            [0.05, 80.0, 1.5, 4.0],
        ] {
            check_gradient::<ParetoNbd>(base);
        }
    }

    /// With every effect 0 the likelihood is the base model's, whatever
    /// the covariates' values.
    #[test]
    fn zero_effects_give_the_base_likelihood() {
        let data = data();
        let plain = data.without_covariates();
        let theta = [0.243, 4.414, 0.793, 2.426, 0.0, 0.0, 0.0];
        let mut g = [0.0; 7];
        let with = log_likelihood::<BetaGeo>(&theta, &data, &mut g);
        let base = BetaGeo::new(0.243, 4.414, 0.793, 2.426)
            .unwrap()
            .log_likelihood(&plain);
        assert!((with - base).abs() <= 1e-12 * base.abs(), "{with} vs {base}");
        let theta = [0.553, 10.578, 0.606, 11.669, 0.0, 0.0, 0.0];
        let with = log_likelihood::<ParetoNbd>(&theta, &data, &mut g);
        let base = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)
            .unwrap()
            .log_likelihood(&plain);
        assert!((with - base).abs() <= 1e-12 * base.abs(), "{with} vs {base}");
    }
}
