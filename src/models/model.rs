//! The predictions every continuous-time purchase model makes.

use super::{BetaGeo, ModifiedBetaGeo, ParetoNbd};
use crate::{Error, Result};

/// The time unit of a purchase model and its data: the unit of `t_x`, `T`
/// and horizons. Summaries name theirs ([`SummaryOptions::model_time`](crate::SummaryOptions::model_time)),
/// model data and fitted models carry it, and CLV turns months into it.
///
/// # Example
///
/// ```
/// use repurchase::models::ModelTime;
///
/// assert_eq!(ModelTime::Weeks.days(), 7.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ModelTime {
    /// Recency and T in days (summaries with [`TimeUnit::Days`](crate::TimeUnit::Days),
    /// or `Periods` at daily granularity).
    Days,
    /// Recency and T in weeks ([`TimeUnit::Weeks`](crate::TimeUnit::Weeks),
    /// or `Periods` at weekly granularity).
    Weeks,
}

crate::names::named!(ModelTime, "ModelTime", "days or weeks", {
    ModelTime::Days => "days",
    ModelTime::Weeks => "weeks",
});

impl ModelTime {
    /// Days in one unit.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::ModelTime;
    ///
    /// assert_eq!(ModelTime::Days.days(), 1.0);
    /// ```
    pub fn days(self) -> f64 {
        match self {
            ModelTime::Days => 1.0,
            ModelTime::Weeks => 7.0,
        }
    }
}

/// The unit a model and its data agree on: the data's when the model
/// states none, an error when they differ.
pub(crate) fn agreed_time(
    model: Option<ModelTime>,
    data: ModelTime,
    data_what: &'static str,
) -> Result<ModelTime> {
    match model {
        Some(model) if model != data => Err(Error::UnitMismatch {
            model,
            data_what,
            data,
        }),
        _ => Ok(data),
    }
}

/// The unit of summaries as models read it; an error for monthly periods,
/// which have none.
pub(crate) fn summaries_time(options: &crate::SummaryOptions) -> Result<ModelTime> {
    options.model_time().ok_or(Error::InvalidParameter {
        name: "unit",
        value: "periods of a month".into(),
        expected: "days or weeks (TimeUnit::Days or TimeUnit::Weeks, or periods of a day or a week): \
                   a month's length varies",
    })
}

/// The unit a model and summaries made with `options` agree on: the
/// summaries' unit, which the model must share when it states one.
pub(crate) fn summaries_agreed_time(
    model: Option<ModelTime>,
    options: &crate::SummaryOptions,
    data_what: &'static str,
) -> Result<ModelTime> {
    agreed_time(model, summaries_time(options)?, data_what)
}

/// The time-unit methods of a continuous-time model: `in_time`, `time`,
/// and the crate's `in_time_of`.
macro_rules! timed_model {
    ($model:ident, $example:literal) => {
        impl $model {
            /// States the unit the parameters are in (a fitted model
            /// carries its data's): CLV, churn scores and tracking then
            /// refuse data in another unit with
            /// [`Error::UnitMismatch`](crate::Error::UnitMismatch).
            ///
            /// # Example
            ///
            /// ```
            #[doc = concat!("use repurchase::models::{ModelTime, ", stringify!($model), "};")]
            ///
            #[doc = concat!("let model = ", $example, ";")]
            /// assert_eq!(model.time(), None);
            /// assert_eq!(model.in_time(ModelTime::Weeks).time(), Some(ModelTime::Weeks));
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            #[must_use]
            pub fn in_time(self, time: ModelTime) -> Self {
                self.in_time_of(Some(time))
            }

            /// The unit of the model's times, when known: its data's for a
            /// fitted model, none for one made from parameters until
            /// [`in_time`](Self::in_time) states it.
            ///
            /// # Example
            ///
            /// ```
            #[doc = concat!("use repurchase::models::{ModelTime, ", stringify!($model), "};")]
            ///
            #[doc = concat!("let model = ", $example, ".in_time(ModelTime::Days);")]
            /// assert_eq!(model.time(), Some(ModelTime::Days));
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn time(&self) -> Option<ModelTime> {
                self.time
            }

            pub(crate) fn in_time_of(self, time: Option<ModelTime>) -> Self {
                Self { time, ..self }
            }
        }
    };
}

pub(crate) use timed_model;

/// A prediction as computed, or [`Error::Undefined`] when the arithmetic
/// left `f64` (parameters far beyond any fit's, such as 1e224 or 1e-320):
/// never a NaN or an infinity handed on.
pub(crate) fn defined(value: f64, quantity: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::Undefined {
            quantity,
            condition: format!("the model's parameters carry it beyond f64 ({value}); check them"),
        })
    }
}

/// An expectation as computed: finite and ≥ 0, or [`Error::Undefined`].
/// At parameters far beyond any fit's (a shape of 1e-307 beside one of
/// 1e34) the closed forms can lose every digit to cancellation and come
/// out negative: an error, not a wrong number.
pub(crate) fn expectation(value: f64, quantity: &'static str) -> Result<f64> {
    let value = defined(value, quantity)?;
    if value < 0.0 {
        return Err(Error::Undefined {
            quantity,
            condition: format!("the model's parameters lose it to rounding ({value}); check them"),
        });
    }
    Ok(value)
}

/// A model's parameters: each finite and > 0, or an error naming the first
/// that is not.
pub(crate) fn check_parameters(params: &[(&'static str, f64)]) -> Result<()> {
    match params.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
        Some((name, value)) => Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            expected: "a finite number > 0",
        }),
        None => Ok(()),
    }
}

/// Predictions shared by the continuous-time purchase-count models, so
/// churn scores and CLV work with any of them.
///
/// Times are in the unit the model was fitted in, which
/// [`time`](Self::time) tells when known.
///
/// # Example
///
/// ```
/// use repurchase::models::{BetaGeo, ModifiedBetaGeo, PurchaseModel};
///
/// fn next_year<M: PurchaseModel>(model: &M) -> repurchase::Result<f64> {
///     model.conditional_expected_purchases(2.0, 30.43, 38.86, 52.0)
/// }
/// let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
/// let mbg = ModifiedBetaGeo::new(0.525, 6.183, 0.891, 1.614)?;
/// assert!(next_year(&bg)? > 0.0 && next_year(&mbg)? > 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait PurchaseModel {
    /// P(alive at `T`) for a customer with `x` repeat purchases, the last at
    /// `t_x`, observed for `T`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an invalid pattern.
    fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64>;

    /// E[X(t)]: the expected purchases of a new customer in `(0, t]`, `t` the horizon.
    ///
    /// # Errors
    ///
    /// As the model's own method.
    fn expected_purchases(&self, horizon: f64) -> Result<f64>;

    /// E[Y(t) | x, t_x, T]: the expected purchases in `(T, T + t]`, `t` the horizon.
    ///
    /// # Errors
    ///
    /// As the model's own method.
    fn conditional_expected_purchases(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64>;

    /// The expected purchases in `(T, T + horizon]` of a customer with `x` repeat
    /// purchases observed for `T`, given that they are alive at `T`. In
    /// these models the history says nothing more about the future once the
    /// customer is known to be alive, so
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) · E[Y(t) | alive, x, T]
    /// ```
    ///
    /// and this factor does not depend on `t_x`: customers sharing `(x, T)`
    /// share it, which is how [`customer_lifetime_values`](crate::clv::customer_lifetime_values)
    /// scores a million customers without a million series.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an invalid
    /// `x` or `T`, [`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// for a bad horizon.
    fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64>;

    /// P(no purchase in `(T, T + horizon]` | x, t_x, T): the churn score over a
    /// horizon `h`. In the BG family a customer alive at `T` with purchase
    /// rate λ can only drop out at a purchase, so makes none in `h` with
    /// probability `e^(−λh)`; λ given the history is Gamma(r + x, α + T), so
    ///
    /// ```text
    /// P(no purchase) = 1 − P(alive) + P(alive) · ((α + T) / (α + T + h))^(r + x)
    /// ```
    ///
    /// The Pareto/NBD, where death can come between purchases, has its own
    /// ([`ParetoNbd::p_no_purchase`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an invalid
    /// pattern, [`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// for a bad horizon.
    fn p_no_purchase(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64>;

    /// P(alive) of customers who share `x` and `T`, at each of their
    /// `recencies`, into `out` (of the same length): the batch form of
    /// [`p_alive`](Self::p_alive) that prediction intervals use, where the
    /// crate's BG-family models take the terms shared by the batch once.
    ///
    /// # Errors
    ///
    /// As [`p_alive`](Self::p_alive), for the first invalid pattern;
    /// [`Error::InvalidParameter`] when `out` is not as long as
    /// `recencies`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, PurchaseModel};
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let mut out = [0.0; 3];
    /// model.p_alive_by_recency(2.0, 38.86, &[5.0, 20.0, 38.0], &mut out)?;
    /// assert!((out[1] - model.p_alive(2.0, 20.0, 38.86)?).abs() < 1e-15); // to rounding
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn p_alive_by_recency(&self, x: f64, big_t: f64, recencies: &[f64], out: &mut [f64]) -> Result<()> {
        check_batch(recencies, out)?;
        for (p, &t_x) in out.iter_mut().zip(recencies) {
            *p = self.p_alive(x, t_x, big_t)?;
        }
        Ok(())
    }

    /// P(a purchase in `(T, T + horizon]` | alive at `T`, x, T): the other
    /// factor of the churn score,
    ///
    /// ```text
    /// P(no purchase | x, t_x, T) = 1 − P(alive | x, t_x, T) · P(a purchase | alive, x, T)
    /// ```
    ///
    /// which, like [`expected_purchases_if_alive`](Self::expected_purchases_if_alive),
    /// does not depend on `t_x`: prediction intervals take it once per
    /// `(x, T)` and draw. The default derives it from
    /// [`p_no_purchase`](Self::p_no_purchase) and
    /// [`p_alive`](Self::p_alive) at `t_x = T` (0 for `x = 0`); the
    /// crate's models compute it directly.
    ///
    /// # Errors
    ///
    /// As [`p_no_purchase`](Self::p_no_purchase).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::models::{BetaGeo, PurchaseModel};
    ///
    /// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?;
    /// let (x, t_x, t, h) = (2.0, 30.43, 38.86, 39.0);
    /// let factored = 1.0 - model.p_alive(x, t_x, t)? * model.p_purchase_if_alive(x, t, h)?;
    /// assert!((factored - model.p_no_purchase(x, t_x, t, h)?).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn p_purchase_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        // The last purchase at T (none for x = 0): the most likely alive.
        let t_x = if x > 0.0 { big_t } else { 0.0 };
        let alive = self.p_alive(x, t_x, big_t)?;
        let silent = self.p_no_purchase(x, t_x, big_t, horizon)?;
        defined(((1.0 - silent) / alive).clamp(0.0, 1.0), "P(a purchase | alive)")
    }

    /// The unit of the model's times, when known. CLV, churn scores and
    /// tracking compare it with their data's, and take the data's when it
    /// is `None` (the default, for models that do not record one).
    fn time(&self) -> Option<ModelTime> {
        None
    }
}

macro_rules! bg_family {
    ($model:ty, $dropout:expr) => {
        impl PurchaseModel for $model {
            fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
                <$model>::p_alive(self, x, t_x, big_t)
            }

            fn expected_purchases(&self, horizon: f64) -> Result<f64> {
                <$model>::expected_purchases(self, horizon)
            }

            fn conditional_expected_purchases(
                &self,
                x: f64,
                t_x: f64,
                big_t: f64,
                horizon: f64,
            ) -> Result<f64> {
                <$model>::conditional_expected_purchases(self, x, t_x, big_t, horizon)
            }

            fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
                <$model>::expected_purchases_if_alive(self, x, big_t, horizon)
            }

            fn p_no_purchase(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
                super::bgnbd::check_horizon(horizon)?;
                let alive = <$model>::p_alive(self, x, t_x, big_t)?;
                let [r, alpha, _, _] = self.params();
                let silent_if_alive = ((alpha + big_t) / (alpha + big_t + horizon)).powf(r + x);
                defined(
                    (1.0 - alive + alive * silent_if_alive).clamp(0.0, 1.0),
                    "P(no purchase)",
                )
            }

            fn p_alive_by_recency(
                &self,
                x: f64,
                big_t: f64,
                recencies: &[f64],
                out: &mut [f64],
            ) -> Result<()> {
                check_batch(recencies, out)?;
                // The pattern's x and T once; each recency by a cheap test,
                // the full check naming the fault only where it fails.
                super::data::check_pattern("pattern", 0, x, if x > 0.0 { big_t } else { 0.0 }, big_t)?;
                for &t_x in recencies {
                    if !((0.0..=big_t).contains(&t_x) && (x > 0.0 || t_x == 0.0)) {
                        super::data::check_pattern("pattern", 0, x, t_x, big_t)?;
                    }
                }
                super::bgnbd::p_alive_by_recency(self.params(), $dropout, x, big_t, recencies, out);
                match out.iter().find(|p| !p.is_finite()) {
                    Some(_) => defined(f64::NAN, "P(alive)").map(|_| ()),
                    None => Ok(()),
                }
            }

            fn p_purchase_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
                super::data::check_pattern("pattern", 0, x, if x > 0.0 { big_t } else { 0.0 }, big_t)?;
                super::bgnbd::check_horizon(horizon)?;
                let [r, alpha, _, _] = self.params();
                // 1 − ((α + T)/(α + T + h))^(r + x), without cancellation.
                let ln_silent = (r + x) * (-horizon / (alpha + big_t + horizon)).ln_1p();
                defined(
                    (-ln_silent.exp_m1()).clamp(0.0, 1.0),
                    "P(a purchase | alive)",
                )
            }

            fn time(&self) -> Option<ModelTime> {
                <$model>::time(self)
            }
        }
    };
}

bg_family!(BetaGeo, super::bgnbd::Dropout::AfterRepeats);
bg_family!(ModifiedBetaGeo, super::bgnbd::Dropout::AfterEveryPurchase);

/// A batch's output as long as its input.
fn check_batch(recencies: &[f64], out: &[f64]) -> Result<()> {
    if recencies.len() == out.len() {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "out",
            value: format!("{} values for {} recencies", out.len(), recencies.len()),
            expected: "one value for each recency",
        })
    }
}

impl PurchaseModel for ParetoNbd {
    fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> Result<f64> {
        ParetoNbd::p_alive(self, x, t_x, big_t)
    }

    fn expected_purchases(&self, horizon: f64) -> Result<f64> {
        ParetoNbd::expected_purchases(self, horizon)
    }

    fn conditional_expected_purchases(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        ParetoNbd::conditional_expected_purchases(self, x, t_x, big_t, horizon)
    }

    fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        ParetoNbd::expected_purchases_if_alive(self, x, big_t, horizon)
    }

    /// Customers can die between purchases, so this is the Pareto/NBD's own
    /// formula ([`ParetoNbd::p_no_purchase`]), not the BG family's.
    fn p_no_purchase(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        ParetoNbd::p_no_purchase(self, x, t_x, big_t, horizon)
    }

    fn p_purchase_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> Result<f64> {
        ParetoNbd::p_purchase_if_alive(self, x, big_t, horizon)
    }

    fn time(&self) -> Option<ModelTime> {
        ParetoNbd::time(self)
    }
}
