//! Model fits, predictions and CLV for every customer, on seeded logs
//! drawn from the BG/NBD process with Gamma-Gamma spend at the CDNOW
//! estimates (`repurchase::synthetic`, the process
//! `examples/gen_purchases.rs` writes to CSV), summarised by week:
//! 10^4, 10^5 and 10^6 customers.
//!
//! `cargo bench --bench models`; add `-- 1e6` for the largest size alone.
// criterion's macros generate undocumented items; a bench may unwrap its
// own generated data.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::models::{
    BetaGeo, CovariateData, Covariates, FitOptions, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd,
    SpendData, WithCovariates,
};
use repurchase::synthetic::SyntheticLog;
use repurchase::{Granularity, PurchaseLog, SummaryOptions};

fn bench_models(c: &mut Criterion) {
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let opts = SummaryOptions::new(end).granularity(Granularity::Week);
    let mut group = c.benchmark_group("models");
    group.sample_size(10);
    for (customers, label) in [(10_000, "1e4"), (100_000, "1e5"), (1_000_000, "1e6")] {
        let bgnbd = [0.243, 4.414, 0.793, 2.426];
        let purchases = SyntheticLog::default()
            .customers(customers)
            .bgnbd(bgnbd)
            .spend([6.25, 3.74, 15.44])
            .purchases()
            .unwrap();
        let summaries = PurchaseLog::new(purchases).unwrap().summarize(&opts);
        let customers = summaries.len();
        let data = FrequencyData::from_summaries(&summaries);
        let spend = SpendData::from_summaries(&summaries);
        group.throughput(Throughput::Elements(customers as u64));
        let options = FitOptions::default();

        group.bench_function(BenchmarkId::new("bgnbd_fit", label), |b| {
            b.iter(|| {
                let fit = BetaGeo::fit(black_box(&data), &options).unwrap();
                assert!(fit.report.converged && fit.report.at_boundary.is_empty());
                fit
            })
        });
        group.bench_function(BenchmarkId::new("mbgnbd_fit", label), |b| {
            b.iter(|| {
                let fit = ModifiedBetaGeo::fit(black_box(&data), &options).unwrap();
                assert!(fit.report.converged);
                fit
            })
        });
        group.bench_function(BenchmarkId::new("pareto_nbd_fit", label), |b| {
            b.iter(|| {
                let fit = ParetoNbd::fit(black_box(&data), &options).unwrap();
                assert!(fit.report.converged && fit.report.at_boundary.is_empty());
                fit
            })
        });
        group.bench_function(BenchmarkId::new("gamma_gamma_fit", label), |b| {
            b.iter(|| {
                let fit = GammaGamma::fit(black_box(&spend), &options).unwrap();
                assert!(fit.report.converged && fit.report.at_boundary.is_empty());
                fit
            })
        });

        // With covariates: a 0/1 segment on the purchase rate and a
        // continuous score on the dropout, so that nearly every customer is
        // a row of their own (up to 10^5 customers: the fits then cost a
        // pass per customer, not per pattern).
        if customers <= 100_000 {
            let segment: Vec<f64> = summaries
                .iter()
                .map(|s| f64::from(u8::from(s.customer % 3 == 0)))
                .collect();
            let score: Vec<f64> = summaries
                .iter()
                .map(|s| {
                    ((s.customer.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1_u64 << 53) as f64)
                        - 0.5
                })
                .collect();
            let purchase = Covariates::from_columns([("segment", segment)]).unwrap();
            let dropout = Covariates::from_columns([("score", score)]).unwrap();
            let with = CovariateData::from_summaries(&summaries, &purchase, &dropout).unwrap();
            group.bench_function(BenchmarkId::new("bgnbd_covariates_fit", label), |b| {
                b.iter(|| {
                    let fit = WithCovariates::<BetaGeo>::fit(black_box(&with), &options).unwrap();
                    assert!(fit.report.converged);
                    fit
                })
            });
            group.bench_function(BenchmarkId::new("pareto_nbd_covariates_fit", label), |b| {
                b.iter(|| {
                    let fit = WithCovariates::<ParetoNbd>::fit(black_box(&with), &options).unwrap();
                    assert!(fit.report.converged);
                    fit
                })
            });
        }

        let bg = BetaGeo::fit(&data, &options).unwrap().model;
        let gg = GammaGamma::fit(&spend, &options).unwrap().model;
        group.bench_function(BenchmarkId::new("p_alive_all", label), |b| {
            b.iter(|| {
                let alive: Vec<f64> = summaries
                    .iter()
                    .map(|s| bg.p_alive(f64::from(s.frequency), s.recency, s.t).unwrap())
                    .collect();
                assert_eq!(alive.len(), customers);
                alive
            })
        });
        let clv_options = ClvOptions::new();
        group.bench_function(BenchmarkId::new("clv_12_months", label), |b| {
            b.iter(|| {
                let clv = customer_lifetime_values(&bg, &gg, black_box(&summaries), &clv_options).unwrap();
                assert_eq!(clv.len(), customers);
                clv
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_models);
criterion_main!(benches);
