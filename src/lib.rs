//! Repurchase analytics for retention teams: who buys again, how often, when
//! next, what each customer is worth and who is slipping away, computed from
//! a purchase log with no I/O.
//!
//! # Quick example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::prelude::*;
//! use rust_decimal::Decimal;
//!
//! let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
//! let purchases = vec![
//!     Purchase::new("alice", d(2024, 1, 5)?, Decimal::new(2500, 2)),
//!     Purchase::new("alice", d(2024, 2, 9)?, Decimal::new(3100, 2)),
//!     Purchase::new("bob", d(2024, 2, 1)?, Decimal::new(1200, 2)),
//! ];
//! let log = PurchaseLog::new(purchases)?;
//! let summaries = log.summarize(&SummaryOptions::new(d(2024, 3, 31)?));
//! let alice = &summaries.customers[0];
//! assert_eq!((alice.frequency, alice.recency, alice.t), (1, 35.0, 86.0));
//! assert_eq!(alice.monetary_value, Some(Decimal::new(3100, 2)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! Data flows one way:
//!
//! ```text
//! Purchase<C> records ──► PurchaseLog<C> ──► CustomerSummary<C> (per customer)
//!  (caller's data)         validated,          frequency, recency, T,
//!                          grouped by          monetary value, spend
//!                          customer, sorted
//! ```
//!
//! - [`Purchase`] and [`Customer`]: the caller's records and profiles, with
//!   a customer key that is a [`CustomerKey`] (integers, strings, tuples of
//!   them, or a type of the caller's in one line) and money as exact
//!   [`rust_decimal::Decimal`].
//! - [`PurchaseLog`]: validated purchases ([`PurchaseLog::new`] is strict,
//!   [`PurchaseLog::lenient`] reports [`Rejection`]s), grouped by customer.
//!   Its documentation states the rules for refunds, zero amounts, order ids
//!   and out-of-range timestamps.
//! - [`PurchaseColumns`]: the same log from borrowed columns
//!   ([`PurchaseLog::from_columns`]), times as a [`TimeColumn`] (dates,
//!   timestamps, Unix days to nanoseconds) and amounts as an
//!   [`AmountColumn`] (`Decimal`, cents, `Decimal128`, `f64`); with the
//!   `arrow` feature, from Arrow record batches (`repurchase::arrow`).
//! - [`CustomerSummary`]: frequency, recency, T and monetary value exactly
//!   as Python `lifetimes` computes them, by [`PurchaseLog::summarize`] with
//!   [`SummaryOptions`] ([`Granularity`], [`TimeUnit`]) in the log's
//!   [`Calendar`] (a UTC offset or, with `tz`, a time zone), and the
//!   calibration/holdout split [`PurchaseLog::calibration_holdout`].
//! - [`SummaryAccumulator`]: the same summaries, updated one order at a time
//!   and merged across customer-partitioned shards.
//!
//! The [`cookbook`] has runnable recipes for the common jobs: who is
//! slipping away this week, next year's CLV, RFM segments as the R package
//! makes them, and a service's daily campaign triggers.
//!
//! On top of the log and its summaries:
//!
//! | module | what it answers |
//! |---|---|
//! | [`metrics`] | repurchase rates, purchase cycles, next purchase, spend, churn between windows, cohorts, products |
//! | [`models`] | BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma: P(alive), expected purchases, pmfs, DERT; the sBG model of subscription retention |
//! | [`clv`], [`churn`] | customer lifetime value; churn scores from a model or from the customer's own cycle |
//! | [`intervals`] | prediction intervals: a fit's parameter uncertainty carried to each customer's predictions and to totals |
//! | [`rfm`], [`lifecycle`], [`portrait`] | RFM scores and segments; lifecycle stages and transitions; customer portraits and tags |
//! | [`triggers`], [`tiers`], [`points`], [`experiment`] | campaign triggers, membership tiers, loyalty points, A/B comparison of repurchase |
//!
//! The library never reads a clock: every "as of" day is an argument.
//!
//! # Cookbook
//!
//! Summarise the embedded CDNOW sample as lifetimes does with `freq='W'`:
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::{datasets::cdnow_sample, Granularity, SummaryOptions};
//!
//! let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let weekly = cdnow_sample()?.summarize(&SummaryOptions::new(end).granularity(Granularity::Week));
//! let repeaters = weekly.iter().filter(|s| s.frequency > 0).count();
//! println!("{repeaters} of {} customers bought again", weekly.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The Fader–Hardie papers' input (continuous weeks, calibration to
//! 1997-09-30):
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//!
//! let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
//! let papers = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
//! let first = &papers.customers[0];
//! assert_eq!((first.frequency, format!("{:.2}", first.recency), format!("{:.2}", first.t)),
//!            (2, "30.43".into(), "38.86".into()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Panics
//!
//! The library should never panic: any panic is a bug, whatever the input.
//! Bad records are typed [`Error`]s or [`Rejection`]s naming the record and
//! field; undefined statistics are `None`, never NaN.
//!
//! # Bounded work
//!
//! Work and memory grow with the input (records, customers, distinct
//! patterns), never with an option's value or the span between two dates.
//! Where an option or a span sets the size of a result, it has a
//! documented maximum, and beyond it the call returns an [`Error`] before
//! doing the work:
//!
//! | bound | what it limits |
//! |---|---|
//! | at most `u32::MAX − 1` records | a log ([`Error::TooManyRecords`]) |
//! | [`MAX_AMOUNT`] | each amount, so that no sum of amounts overflows |
//! | [`metrics::MAX_PERIODS`] (100,000) | a period series, a cohort's periods, window churn, [`models::tracking`]'s points |
//! | [`metrics::MAX_COHORT_CELLS`] (4 million) | a cohort retention table |
//! | [`clv::MAX_MONTHS`] (1,200) | months of lifetime value |
//! | 10,000 | the `top` bucket of [`models::holdout_by_frequency`] and [`models::repeat_histogram`] |
//! | [`BetaGeoBetaBinom::MAX_OPPORTUNITIES`](models::BetaGeoBetaBinom::MAX_OPPORTUNITIES) (10,000) | BG/BB histories and horizons |
//! | 100,000 | BFGS iterations per start ([`models::FitOptions::max_iterations`]) |
//! | 100,000 | parameter draws of [`intervals::IntervalOptions`] |
//!
//! Points, whose size an earning rule sets, are checked arithmetic
//! ([`Error::Overflow`]). Stored state and configurations are checked when
//! they are deserialised, as their constructors check them
//! ([`Error::InvalidState`] for a [`SummaryAccumulator`]).
//!
//! Customer ids from outside cannot make building a log quadratic: the
//! hash maps that intern ids are seeded per process, so ids cannot be
//! chosen to collide, and the grouping orders ids by a sample of the ids
//! themselves, so ids sharing a long prefix, a long suffix or both build
//! as fast as random ones (measured from 10^5 to 10^6 records).
//!
//! A named time zone's calendar tabulates its offsets over the log's span
//! only when that span is at most the records plus a century of days;
//! longer spans look each instant up instead.
//!
//! # Crate features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `datasets` | yes | [`datasets`]: the CDNOW sample embedded (228 KB) |
//! | `serde` | no | `Serialize`/`Deserialize` on every data, config and result type |
//! | `synthetic` | yes | [`synthetic`]: seeded BG/NBD + Gamma-Gamma purchase logs for benches and tests |
//! | `arrow` | no | `repurchase::arrow`: purchase logs from Arrow record batches, results as record batches |
//! | `charts` | no | `repurchase::charts`: model checks, the P(alive) matrix and cohort retention as SVG documents |
//! | `parallel` | no | all cores (rayon) for building logs, summaries, model fits, RFM, churn scores and CLV, with results bit-identical to one core; no bound changes (keys are [`CustomerKey`]s with or without it) |
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![deny(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]
// On docs.rs: each item marked with the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accumulator;
#[cfg(feature = "arrow")]
pub mod arrow;
mod calendar;
#[cfg(feature = "charts")]
pub mod charts;
pub mod churn;
pub mod clv;
pub mod cookbook;
#[cfg(feature = "datasets")]
pub mod datasets;
mod days;
mod error;
pub mod experiment;
mod hash;
mod holdout;
pub mod intervals;
mod invariant;
mod key;
pub mod lifecycle;
mod log;
pub mod metrics;
pub mod models;
mod money;
mod names;
mod parallel;
mod period;
pub mod points;
pub mod portrait;
mod purchase;
mod random;
pub mod rfm;
mod stored;
mod summary;
#[cfg(feature = "synthetic")]
pub mod synthetic;
pub mod tiers;
pub mod triggers;

/// The `chrono` this crate's types take and return (`NaiveDate`,
/// `DateTime`, `FixedOffset`), so a program need not add it itself.
///
/// # Example
///
/// ```
/// use repurchase::chrono::NaiveDate;
///
/// assert!(NaiveDate::from_ymd_opt(2024, 2, 29).is_some());
/// ```
pub use chrono;
/// The `rust_decimal` this crate's money is in (`Decimal`), so a program
/// need not add it itself.
///
/// # Example
///
/// ```
/// use repurchase::rust_decimal::{Decimal, prelude::ToPrimitive};
///
/// assert_eq!(Decimal::new(1999, 2).to_f64(), Some(19.99));
/// ```
pub use rust_decimal;

pub use accumulator::SummaryAccumulator;
pub use calendar::Calendar;
pub use error::{Error, Field, Result};
pub use holdout::{CalibrationHoldout, SplitSummary};
pub use key::{CustomerKey, KeyShape};
pub use log::{
    AmountColumn, CustomerPurchases, LogOptions, LogStats, MAX_AMOUNT, OrderLines, PurchaseColumns,
    PurchaseLog, Rejection, TimeColumn,
};
pub use period::{Granularity, TimeUnit};
pub use purchase::{Customer, Purchase, Timestamp};
pub use summary::{CustomerSummary, Summaries, SummaryOptions};

/// The README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The types most programs need: `use repurchase::prelude::*;`, with the
/// date and money types they are built from (`NaiveDate`, `Decimal`, and
/// `ToPrimitive` to read a `Decimal` as `f64`).
///
/// # Example
///
/// ```
/// use repurchase::prelude::*;
///
/// let day = NaiveDate::from_ymd_opt(2024, 3, 5).ok_or("bad date")?;
/// let log = PurchaseLog::new(vec![Purchase::new(7_u64, day, Decimal::new(1999, 2))])?;
/// assert_eq!(log.stats().accepted, 1);
/// assert_eq!(Decimal::new(1999, 2).to_f64(), Some(19.99));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod prelude {
    pub use crate::{
        CustomerSummary, Error, Granularity, Purchase, PurchaseLog, SummaryAccumulator, SummaryOptions,
        TimeUnit, Timestamp,
    };
    pub use chrono::NaiveDate;
    pub use rust_decimal::Decimal;
    pub use rust_decimal::prelude::ToPrimitive;
}
