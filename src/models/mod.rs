//! "Buy till you die" models, fitted by maximum likelihood: who is still a
//! customer, how many purchases each will make.
//!
//! - [`BetaGeo`]: the BG/NBD model of purchase counts (Fader, Hardie & Lee 2005).
//! - [`ModifiedBetaGeo`]: the MBG/NBD model (Batislam et al. 2007), where
//!   customers may also drop out right after their first purchase.
//! - [`ParetoNbd`]: the Pareto/NBD model (Schmittlein, Morrison & Colombo
//!   1987), where customers may drop out at any moment.
//! - [`BetaGeoBetaBinom`]: the BG/BB model for discrete transaction
//!   opportunities (Fader, Hardie & Shang 2010).
//! - [`GammaGamma`]: the Gamma-Gamma model of spend per transaction.
//! - [`ShiftedBetaGeo`]: the sBG model of contractual retention (Fader &
//!   Hardie 2007): subscribers who renew or cancel once a period, fitted
//!   to cohorts' survivor counts ([`RetentionData`]), with survival,
//!   retention rates and discounted (residual) lifetime values.
//! - [`WithCovariates`]: BG/NBD or Pareto/NBD whose purchase and dropout
//!   rates shift with each customer's covariates (Fader & Hardie 2007, as
//!   CLVTools fits them), fitted from [`CovariateData`].
//!
//! Models are fitted from [`FrequencyData`], the distinct `(x, t_x, T)`
//! rows of a customer base with their weights, so fitting cost depends on
//! the number of distinct rows, not customers. Data made from summaries
//! carries their time unit ([`ModelTime`]), a fitted model carries its
//! data's, and CLV, churn scores and the model checks refuse data in
//! another unit ([`Error::UnitMismatch`](crate::Error::UnitMismatch)). Each fit is BFGS on the
//! log-parameters with analytic gradients, from deterministic starts, and
//! reports its log-likelihood, convergence, parameters at a boundary and
//! standard errors ([`FitReport`]). A model can also be built from known
//! parameters, so published values plug in.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::{datasets::cdnow_sample, models::{BetaGeo, FitOptions, FrequencyData}, SummaryOptions, TimeUnit};
//!
//! let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
//! let fit = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
//! assert_eq!(fit.model.time(), Some(repurchase::models::ModelTime::Weeks));
//! let first = &summaries.customers[0];
//! let p = fit.model.p_alive(f64::from(first.frequency), first.recency, first.t)?;
//! let next_year = fit.model.conditional_expected_purchases(f64::from(first.frequency), first.recency, first.t, 52.0)?;
//! println!("P(alive) {p:.2}, {next_year:.2} purchases expected in the next 52 weeks");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bgbb;
mod bgnbd;
mod check;
mod covariates;
pub(crate) mod data;
mod fit;
mod fitted;
mod gamma_gamma;
mod mbgnbd;
pub(crate) mod model;
mod optimize;
mod pareto_nbd;
mod pattern;
mod power_integral;
mod process;
mod retention;
mod runs;
mod sbg;
pub(crate) mod special;

pub use bgbb::BetaGeoBetaBinom;
pub use bgnbd::BetaGeo;
pub use check::{
    CountBucket, FrequencyBucket, TrackingPoint, holdout_by_frequency, repeat_histogram, tracking,
};
pub use covariates::{CovariateData, CovariateModel, Covariates, WithCovariates};
pub use data::{FrequencyData, FrequencyRow, SpendData};
pub use fit::{Fit, FitModel, FitOptions, FitReport, StandardErrors};
pub use gamma_gamma::GammaGamma;
pub use mbgnbd::ModifiedBetaGeo;
pub use model::{ModelTime, PurchaseModel};
pub use pareto_nbd::ParetoNbd;
pub use pattern::Pattern;
pub use process::FuturePurchases;
pub use retention::RetentionData;
pub use sbg::{MIN_DISCOUNT_RATE, ShiftedBetaGeo};
