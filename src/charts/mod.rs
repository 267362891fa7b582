//! Charts of the crate's results as SVG documents (feature `charts`).
//!
//! Each function takes a result the crate computed and returns one SVG
//! document as a `String`: embed it in an HTML page, write it to a file,
//! or render it to pixels with any SVG renderer. Nothing is read or
//! written, and no font is needed: text is SVG text in the viewer's
//! sans-serif face.
//!
//! | function | draws | after |
//! |---|---|---|
//! | [`tracking`] | cumulative repeat purchases, actual against the model, with the end of calibration marked | Fader, Hardie & Lee (2005), figure 2 |
//! | [`repeat_histogram`] | customers by number of repeat purchases, actual against the model | figure 3 |
//! | [`holdout_by_frequency`] | holdout purchases by calibration frequency, actual against the conditional expectation | figure 4 |
//! | [`probability_alive_matrix`] | P(alive) over frequency × recency | lifetimes' `plot_probability_alive_matrix` |
//! | [`expected_purchases_matrix`] | purchases expected next over frequency × recency | lifetimes' `plot_frequency_recency_matrix` |
//! | [`cohort_retention`] | the share of each acquisition cohort buying in each later period, censored cells marked | |
//! | [`purchase_cycle`] | days between purchase days, with the median | |
//! | [`time_to_second_purchase`] | days from the first purchase to the second, with the median | |
//! | [`rfm_segments`] | each RFM segment's share of customers and of spend | |
//! | [`lifecycle_transitions`] | where the customers of each stage went between two snapshots | |
//! | [`churn_calibration`] | churn scores against observed churn, by decile | |
//! | [`ab_comparison`] | each arm's repurchase rate with its interval, and the difference | |
//!
//! Every chart has a title, labelled axes with units, a legend where it
//! has more than one series, and a colour bar where colour is a value.
//! Series colours are Okabe and Ito's and the colour scale is viridis,
//! both readable with the common colour-vision deficiencies; expected
//! series are also dashed, so the charts read in grey too. Each bar and
//! cell carries its exact value as a tooltip (`<title>`).
//!
//! The SVG is written by hand, not with a plotting crate: the charts need
//! a few shapes, and the plotting crates' text layout needs a font file
//! (system fonts, or one compiled in), where SVG text needs none.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::{charts, datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
//!
//! let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
//! let svg = charts::cohort_retention(&table);
//! assert!(svg.starts_with("<svg") && svg.contains("Retention by acquisition cohort"));
//! // std::fs::write("cohorts.svg", svg)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod axes;
mod checks;
mod heatmap;
mod matrices;
mod metrics;
mod operations;
mod svg;

pub use checks::{holdout_by_frequency, repeat_histogram, tracking};
pub use matrices::{MAX_MATRIX_SIDE, expected_purchases_matrix, probability_alive_matrix};
pub use metrics::{cohort_retention, purchase_cycle, time_to_second_purchase};
pub use operations::{ab_comparison, churn_calibration, lifecycle_transitions, rfm_segments};
