//! With the `parallel` feature, results do not depend on the number of
//! threads: the log, the summaries, every fit (to the last bit of every
//! parameter, likelihood and standard error), churn scores, RFM scores,
//! CLV and prediction intervals are the same on one thread as on four. Work is cut into pieces that
//! do not depend on the thread count and combined in order, and the serial
//! build runs the same pieces in the same order: both builds must match one
//! committed digest of the results (`tests/data/parallel_digest.txt`).
//!
//! A change that moves any result on purpose rewrites the digest with
//! `REPURCHASE_WRITE_DIGEST=1 cargo test --test parallel`; check both
//! builds agree with it afterwards (`cargo test --features parallel`).
// Test code may unwrap, index and panic: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use repurchase::churn::{RiskBands, scores};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::intervals::{IntervalOptions, purchase_count_intervals, purchase_intervals, value_intervals};
use repurchase::models::{
    BetaGeo, FitOptions, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd, SpendData,
};
use repurchase::rfm::{RfmOptions, score};
use repurchase::synthetic::SyntheticLog;
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};

/// Everything the feature parallelises, printed with `{:?}` (which shows
/// every f64 to the last bit).
fn everything() -> Vec<String> {
    // ~140k purchases: many buckets, customer pieces and likelihood pieces.
    let purchases = SyntheticLog::default()
        .customers(40_000)
        .rate_scale(2.0)
        .seed(11)
        .purchases()
        .unwrap();
    let log = PurchaseLog::new(purchases).unwrap();
    let end = NaiveDate::from_ymd_opt(2025, 12, 29).unwrap();
    let summaries = log.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
    let data = FrequencyData::from_summaries(&summaries);
    let spend = SpendData::from_summaries(&summaries);
    let options = FitOptions::default();
    let bg = BetaGeo::fit(&data, &options).unwrap();
    let mbg = ModifiedBetaGeo::fit(&data, &options).unwrap();
    let pareto = ParetoNbd::fit(&data, &options).unwrap();
    let gg = GammaGamma::fit(&spend, &options).unwrap();
    let clv = customer_lifetime_values(&bg.model, &gg.model, &summaries, &ClvOptions::new()).unwrap();
    let churn = scores(&bg.model, &summaries, 91, &RiskBands::default()).unwrap();
    let rfm = score(&summaries, &RfmOptions::default()).unwrap();
    let intervals = purchase_intervals(&bg, &summaries, 91, &IntervalOptions::default().draws(100)).unwrap();
    let counts =
        purchase_count_intervals(&bg, &summaries, 91, &IntervalOptions::default().draws(100)).unwrap();
    let values = value_intervals(
        &bg,
        &gg,
        &summaries,
        &ClvOptions::new(),
        &IntervalOptions::default().draws(20),
    )
    .unwrap();
    vec![
        format!("{log:?}"),
        format!("{summaries:?}"),
        format!("{bg:?}"),
        format!("{mbg:?}"),
        format!("{pareto:?}"),
        format!("{gg:?}"),
        format!("{clv:?}"),
        format!("{churn:?}"),
        format!("{rfm:?}"),
        format!("{intervals:?}"),
        format!("{counts:?}"),
        format!("{values:?}"),
    ]
}

/// FNV-1a over every result's text: a digest that any bit of any result
/// moves.
fn digest(results: &[String]) -> String {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in results.iter().flat_map(|r| r.bytes().chain([0])) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

const DIGEST_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/parallel_digest.txt");

/// The serial and the parallel build compute the committed results.
#[test]
fn both_builds_compute_the_committed_results() {
    let ours = digest(&everything());
    if std::env::var_os("REPURCHASE_WRITE_DIGEST").is_some() {
        std::fs::write(DIGEST_FILE, format!("{ours}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(DIGEST_FILE).unwrap();
    assert_eq!(
        ours,
        committed.trim(),
        "results moved (parallel feature: {}); see this file's docs",
        cfg!(feature = "parallel")
    );
}

#[cfg(feature = "parallel")]
fn on_threads(threads: usize) -> Vec<String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(everything)
}

#[cfg(feature = "parallel")]
#[test]
fn results_are_bit_identical_on_one_thread_and_on_four() {
    let one = on_threads(1);
    let four = on_threads(4);
    let names = [
        "log",
        "summaries",
        "BG/NBD",
        "MBG/NBD",
        "Pareto/NBD",
        "Gamma-Gamma",
        "CLV",
        "churn scores",
        "RFM scores",
        "prediction intervals",
        "purchase count intervals",
        "value intervals",
    ];
    assert_eq!(one.len(), names.len());
    for ((a, b), name) in one.iter().zip(&four).zip(names) {
        assert!(a == b, "{name} differs between 1 and 4 threads");
    }
}
