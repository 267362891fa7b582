//! Repurchase metrics that need no statistical model: repurchase rates,
//! purchase cycles and next-purchase dates, spend and average order value,
//! churn between windows, cohort retention and product repurchase.
//!
//! Every metric reads the [`PurchaseLog`](crate::PurchaseLog) once, customer
//! by customer, up to the observation end of the
//! [`SummaryOptions`](crate::SummaryOptions) it is given, in the log's
//! [`Calendar`](crate::Calendar). A customer's *purchase days* are the days
//! holding a purchase occasion, by the same rule as the summaries at daily
//! granularity: refunds net into their day, a day cancelled by refunds is
//! not a purchase day.
//!
//! Rates come as [`Rate`]: numerator, denominator and a rate that is `None`
//! for an empty denominator, never NaN. Day distributions come as
//! [`DayStats`], whose quantiles interpolate linearly as pandas does.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
//!
//! let log = cdnow_sample()?;
//! let opts = SummaryOptions::new(NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?);
//! let rate = metrics::repurchase_rate(&log.summarize(&opts));
//! let second = metrics::time_to_second_purchase(&log, &opts);
//! println!("{:.1} % bought again, after a median {:?} days", 100.0 * rate.rate.unwrap_or(0.0), second.days.median);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cohort;
mod cycle;
pub(crate) mod days;
mod next_purchase;
mod product;
mod repurchase;
mod spend;
mod stats;
mod window_churn;

pub use cohort::{Cohort, CohortCell, CohortTable, MAX_COHORT_CELLS, cohort_retention};
pub use cycle::{CustomerCycle, PurchaseCycle, purchase_cycle};
pub use next_purchase::{IntervalBasis, NextPurchase, NextPurchaseOptions, next_purchase};
pub(crate) use next_purchase::{IntervalPool, OwnCycle};
pub use product::{ProductRepurchase, product_repurchase};
pub use repurchase::{
    KDayRepurchase, SecondPurchase, k_day_repurchase_rate, repurchase_rate, returning_customer_rate,
    time_to_second_purchase,
};
pub use spend::{
    CustomerActivity, MAX_PERIODS, PeriodSpend, Spend, customer_activity, spend, spend_by_period,
};
pub use stats::{DayStats, Histogram, HistogramBins, Rate};
pub use window_churn::{WindowChurn, churn_rate};
