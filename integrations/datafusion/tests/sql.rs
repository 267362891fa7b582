//! The SQL functions against the crate's own results on the same data, at
//! several partitionings: summaries exactly, fits to 1e-9, scores to 1e-12.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, UInt8Type, UInt64Type};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use repurchase::chrono::NaiveDate;
use repurchase::clv::{ClvOptions, customer_lifetime_value};
use repurchase::datasets::cdnow_sample_purchases;
use repurchase::models::{
    BetaGeo, FitModel, FitOptions, FrequencyData, GammaGamma, ModelTime, ModifiedBetaGeo, ParetoNbd, Pattern,
    SpendData,
};
use repurchase::rfm::{self, Binning, RfmOptions, SegmentTable};
use repurchase::synthetic::SyntheticLog;
use repurchase::{Purchase, PurchaseLog, Summaries, SummaryOptions, TimeUnit};
use repurchase_datafusion::{FunctionOptions, register};
use support::{SqlSummary, batch_of, parquet_dir, session, struct_double, summaries_by_customer};

const SUMMARY_SQL: &str =
    "SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn cdnow_weeks() -> SummaryOptions {
    SummaryOptions::new(day(1997, 9, 30)).unit(TimeUnit::Weeks)
}

async fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

/// Every customer's summary from SQL equals the crate's, and no customer
/// is missing or extra.
fn assert_same_summaries<C: Copy + Into<u64>>(
    sql: &[RecordBatch],
    crate_summaries: &Summaries<C>,
    purchasers: usize,
) {
    let by_customer = summaries_by_customer(sql);
    assert_eq!(by_customer.len(), purchasers, "one row per purchasing customer");
    let mut seen = 0;
    for s in crate_summaries.iter() {
        let got = by_customer.get(&s.customer.into()).expect("customer in SQL");
        assert_eq!(
            got.as_ref(),
            Some(&SqlSummary::expected(s)),
            "customer {}",
            s.customer.into()
        );
        seen += 1;
    }
    // Customers the crate has no summary for (all after the end) are null.
    let nulls = by_customer.values().filter(|s| s.is_none()).count();
    assert_eq!(seen + nulls, purchasers);
}

#[tokio::test]
async fn summaries_equal_the_crate_on_cdnow_at_every_partitioning() {
    let purchases = cdnow_sample_purchases();
    let log = PurchaseLog::new(purchases.clone()).unwrap();
    for options in [
        cdnow_weeks(),
        SummaryOptions::new(day(1998, 6, 30)).unit(TimeUnit::Days),
    ] {
        let expected = log.summarize(&options);
        let batch = batch_of(&purchases);
        for target_partitions in [1, 2, 8] {
            let ctx = session(&batch, 8, target_partitions);
            register(&ctx, FunctionOptions::new(options));
            let sql = run(&ctx, SUMMARY_SQL).await;
            assert_same_summaries(&sql, &expected, log.customer_count());
        }
    }
}

/// A synthetic log whose every third purchase is two lines of one order,
/// with refunds of earlier orders, and the others single orders.
fn synthetic_with_orders(customers: u64, seed: u64) -> Vec<Purchase<u64>> {
    let purchases = SyntheticLog::default()
        .customers(customers)
        .seed(seed)
        .purchases()
        .unwrap();
    let mut out = Vec::with_capacity(purchases.len() * 2);
    for (i, p) in purchases.into_iter().enumerate() {
        if i % 3 == 0 {
            let half = (p.amount / repurchase::rust_decimal::Decimal::TWO).round_dp(2);
            let order = Some(format!("order-{i}"));
            out.push(Purchase {
                amount: p.amount - half,
                order_id: order.clone(),
                ..p.clone()
            });
            out.push(Purchase {
                amount: half,
                order_id: order,
                ..p
            });
        } else if i % 7 == 0 {
            // A later refund of part of the order, as its own record.
            let refund_at =
                repurchase::Timestamp::from_unix_seconds(p.at.unix_seconds() + 3 * 86_400).unwrap();
            out.push(Purchase {
                order_id: Some(format!("order-{i}")),
                ..p.clone()
            });
            out.push(Purchase {
                at: refund_at,
                amount: -(p.amount / repurchase::rust_decimal::Decimal::TEN).round_dp(2),
                order_id: Some(format!("refund-{i}")),
                ..p
            });
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn order_lines_and_refunds_spread_over_partitions_summarise_as_the_crate_does() {
    let purchases = synthetic_with_orders(3_000, 7);
    let log = PurchaseLog::new(purchases.clone()).unwrap();
    let options = SummaryOptions::new(day(2025, 12, 31)).unit(TimeUnit::Weeks);
    let expected = log.summarize(&options);
    let batch = batch_of(&purchases);
    for target_partitions in [1, 2, 8] {
        let ctx = session(&batch, 8, target_partitions);
        register(&ctx, FunctionOptions::new(options));
        let sql =
            "SELECT customer, customer_summary(at, amount, order_id) AS s FROM purchases GROUP BY customer";
        assert_same_summaries(&run(&ctx, sql).await, &expected, log.customer_count());
    }
}

#[tokio::test]
async fn parquet_files_summarise_as_the_crate_does() {
    let purchases = SyntheticLog::default()
        .customers(20_000)
        .seed(11)
        .purchases()
        .unwrap();
    let log = PurchaseLog::new(purchases.clone()).unwrap();
    let options = SummaryOptions::new(day(2025, 12, 31)).unit(TimeUnit::Weeks);
    let expected = log.summarize(&options);
    let dir = parquet_dir(&batch_of(&purchases), 8, "summaries");
    for target_partitions in [1, 2, 8] {
        let ctx =
            SessionContext::new_with_config(SessionConfig::new().with_target_partitions(target_partitions));
        ctx.register_parquet("purchases", dir.to_str().unwrap(), ParquetReadOptions::default())
            .await
            .unwrap();
        register(&ctx, FunctionOptions::new(options));
        assert_same_summaries(&run(&ctx, SUMMARY_SQL).await, &expected, log.customer_count());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    let scale = want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= tolerance * scale,
        "{what}: SQL {got}, crate {want}"
    );
}

const FITS_SQL: &str = "WITH summaries AS (SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer) \
    SELECT fit_bgnbd(s['frequency'], s['recency'], s['t']) AS bg, \
           fit_mbgnbd(s['frequency'], s['recency'], s['t']) AS mbg, \
           fit_pareto_nbd(s['frequency'], s['recency'], s['t']) AS pareto, \
           fit_gamma_gamma(s['frequency'], s['monetary_value']) AS gg \
    FROM summaries";

/// The parameters to 1e-9 and the standard errors to 1e-6 (they come from
/// a numerical information matrix at the estimates).
fn assert_parameters<M: FitModel>(sql: &[RecordBatch], column: &str, fit: &repurchase::models::Fit<M>) {
    for (name, value) in fit.model.parameters() {
        close(
            struct_double(sql, column, name),
            value,
            1e-9,
            &format!("{} {name}", M::NAME),
        );
    }
    let fitted = sql[0].column_by_name(column).unwrap().as_struct();
    let errors = fitted
        .column_by_name("standard_errors")
        .unwrap()
        .as_list::<i32>()
        .value(0);
    let errors = errors.as_primitive::<Float64Type>().values();
    let expected = fit.report.standard_errors.values().unwrap();
    assert_eq!(errors.len(), expected.len());
    for (got, want) in errors.iter().zip(expected) {
        close(*got, *want, 1e-6, &format!("{} standard error", M::NAME));
    }
}

#[tokio::test]
async fn fits_equal_the_crate_on_cdnow() {
    let purchases = cdnow_sample_purchases();
    let summaries = PurchaseLog::new(purchases.clone())
        .unwrap()
        .summarize(&cdnow_weeks());
    let data = FrequencyData::from_summaries(&summaries);
    let options = FitOptions::default();
    let ctx = session(&batch_of(&purchases), 8, 2);
    register(&ctx, FunctionOptions::new(cdnow_weeks()));
    let sql = run(&ctx, FITS_SQL).await;
    assert_parameters(&sql, "bg", &BetaGeo::fit(&data, &options).unwrap());
    assert_parameters(&sql, "mbg", &ModifiedBetaGeo::fit(&data, &options).unwrap());
    assert_parameters(&sql, "pareto", &ParetoNbd::fit(&data, &options).unwrap());
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &options).unwrap();
    assert_parameters(&sql, "gg", &gg);
    // The published BG/NBD log-likelihood of this sample's paper.
    close(
        struct_double(&sql, "bg", "log_likelihood"),
        -9582.4,
        1e-5,
        "BG/NBD log-likelihood",
    );
    close(
        struct_double(&sql, "bg", "customers"),
        2357.0,
        0.0,
        "customers fitted",
    );
}

#[tokio::test]
async fn scores_equal_the_crate_customer_by_customer() {
    let purchases = cdnow_sample_purchases();
    let summaries = PurchaseLog::new(purchases.clone())
        .unwrap()
        .summarize(&cdnow_weeks());
    let options = FitOptions::default();
    let bg = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &options)
        .unwrap()
        .model;
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &options)
        .unwrap()
        .model;
    let ctx = session(&batch_of(&purchases), 4, 2);
    register(&ctx, FunctionOptions::new(cdnow_weeks()));
    let sql = "WITH summaries AS (SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer), \
        fitted AS (SELECT fit_bgnbd(s['frequency'], s['recency'], s['t']) AS bg, \
                          fit_gamma_gamma(s['frequency'], s['monetary_value']) AS gg FROM summaries) \
        SELECT customer, \
               p_alive(bg, s['frequency'], s['recency'], s['t']) AS p_alive, \
               expected_purchases(bg, s['frequency'], s['recency'], s['t'], 39) AS expected, \
               churn_score(bg, s['frequency'], s['recency'], s['t'], 91) AS churn, \
               churn_band(bg, s['frequency'], s['recency'], s['t'], 91) AS band, \
               expected_spend(gg, s['frequency'], s['monetary_value']) AS spend, \
               clv(bg, gg, s['frequency'], s['recency'], s['t'], s['monetary_value']) AS clv \
        FROM summaries CROSS JOIN fitted";
    let batches = run(&ctx, sql).await;
    let mut by_customer = std::collections::HashMap::new();
    for b in &batches {
        let customers = b.column(0).as_primitive::<UInt64Type>();
        for i in 0..b.num_rows() {
            let value = |k: usize| b.column(k).as_primitive::<Float64Type>().value(i);
            let band = b.column(4).as_string::<i32>().value(i).to_string();
            by_customer.insert(
                customers.value(i),
                (value(1), value(2), value(3), band, value(5), value(6)),
            );
        }
    }
    assert_eq!(by_customer.len(), summaries.len());
    let bands = repurchase::churn::RiskBands::default();
    for s in summaries.iter() {
        let (p_alive, expected, churn, band, spend, clv) = &by_customer[&u64::from(s.customer)];
        let (x, t_x, t) = (f64::from(s.frequency), s.recency, s.t);
        let pattern = Pattern::new(x, t_x, t, ModelTime::Weeks).unwrap();
        // The mean spend as SQL holds it: exact to ten decimals.
        let m = s.monetary_value.map_or(0.0, |m| {
            use repurchase::rust_decimal::prelude::ToPrimitive;
            m.round_dp(10).to_f64().unwrap()
        });
        let what = |name: &str| format!("{name} of customer {}", s.customer);
        close(*p_alive, bg.p_alive(x, t_x, t).unwrap(), 1e-12, &what("P(alive)"));
        close(
            *expected,
            bg.conditional_expected_purchases(x, t_x, t, 39.0).unwrap(),
            1e-12,
            &what("E[purchases]"),
        );
        let score = repurchase::churn::score(&bg, &pattern, 91, &bands).unwrap();
        close(*churn, score.p_churn, 1e-12, &what("churn score"));
        assert_eq!(band, &score.band.to_string());
        close(
            *spend,
            gg.conditional_expected_spend(x, m).unwrap(),
            1e-12,
            &what("expected spend"),
        );
        let value = customer_lifetime_value(&bg, &gg, &pattern, m, &ClvOptions::default()).unwrap();
        close(*clv, value, 1e-12, &what("CLV"));
    }
}

#[tokio::test]
async fn rfm_equals_the_crate_with_quantiles_and_ntile() {
    let purchases = cdnow_sample_purchases();
    let options = SummaryOptions::new(day(1998, 6, 30)).unit(TimeUnit::Days);
    let summaries = PurchaseLog::new(purchases.clone()).unwrap().summarize(&options);
    let batch = batch_of(&purchases);
    for rfm_options in [
        RfmOptions::default(),
        RfmOptions::default().binning(Binning::Ntile),
    ] {
        let expected = rfm::score(&summaries, &rfm_options).unwrap();
        let table = SegmentTable::r_rfm();
        let ctx = session(&batch, 8, 2);
        register(&ctx, FunctionOptions::new(options).rfm(rfm_options.clone()));
        let sql = "WITH summaries AS (SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer) \
            SELECT customer, rfm(customer, s) OVER () AS score FROM summaries";
        let batches = run(&ctx, sql).await;
        let mut by_customer = std::collections::HashMap::new();
        for b in &batches {
            let customers = b.column(0).as_primitive::<UInt64Type>();
            let score = b.column(1).as_struct();
            let small = |name: &str, i: usize| {
                score
                    .column_by_name(name)
                    .unwrap()
                    .as_primitive::<UInt8Type>()
                    .value(i)
            };
            let text = |name: &str, i: usize| {
                score
                    .column_by_name(name)
                    .unwrap()
                    .as_string::<i32>()
                    .value(i)
                    .to_string()
            };
            for i in 0..b.num_rows() {
                let code = (small("r", i), small("f", i), small("m", i));
                by_customer.insert(customers.value(i), (code, text("code", i), text("segment", i)));
            }
        }
        assert_eq!(by_customer.len(), expected.customers.len());
        for s in &expected.customers {
            let (code, text, segment) = &by_customer[&u64::from(s.customer)];
            assert_eq!(*code, (s.r, s.f, s.m), "customer {}", s.customer);
            assert_eq!(text, &s.code().to_string());
            assert_eq!(segment, table.name(table.segment(s.code())));
        }
    }
}

#[tokio::test]
async fn wrong_inputs_are_errors_that_name_them() {
    let purchases = cdnow_sample_purchases();
    let ctx = session(&batch_of(&purchases), 2, 2);
    register(&ctx, FunctionOptions::new(cdnow_weeks()));
    let error = |sql: &'static str| {
        let ctx = ctx.clone();
        async move {
            match ctx.sql(sql).await {
                Err(e) => e.to_string(),
                Ok(frame) => frame.collect().await.unwrap_err().to_string(),
            }
        }
    };
    let e = error("SELECT customer_summary(amount, at) FROM purchases GROUP BY customer").await;
    assert!(e.contains("customer_summary: time is Decimal128"), "{e}");
    let e = error("SELECT customer_summary(at, 'ten') FROM purchases GROUP BY customer").await;
    assert!(e.contains("customer_summary: amount is Utf8"), "{e}");
    // An amount beyond the crate's bound is the crate's error, named.
    let e =
        error("SELECT customer_summary(at, CAST(amount AS DOUBLE) * 1e20) FROM purchases GROUP BY customer")
            .await;
    assert!(e.contains("customer_summary:") && e.contains("amount"), "{e}");
    let e = error("SELECT p_alive(1.0, 1, 2, 3)").await;
    assert!(e.contains("p_alive: Float64 is no model"), "{e}");
    let e = error(
        "SELECT p_alive(named_struct('model', 'BG/NBD', 'r', 0.24, 'alpha', 4.4, 'a', 0.79, 'b', 2.4), 2, 5, 4)",
    )
    .await;
    assert!(e.contains("p_alive") && e.contains("recency"), "{e}");
}

#[tokio::test]
async fn fits_over_no_rows_are_null_and_each_group_fits_apart() {
    let ctx = SessionContext::new();
    register(&ctx, FunctionOptions::new(cdnow_weeks()));
    let sql =
        "SELECT fit_bgnbd(f, r, t) IS NULL AS empty FROM (VALUES (1.0, 2.0, 3.0)) AS v(f, r, t) WHERE f > 10";
    let empty = run(&ctx, sql).await;
    assert!(empty[0].column(0).as_boolean().value(0));

    // Two cohorts fitted apart equal the crate's fit of each.
    let purchases = cdnow_sample_purchases();
    let summaries = PurchaseLog::new(purchases.clone())
        .unwrap()
        .summarize(&cdnow_weeks());
    let ctx = session(&batch_of(&purchases), 4, 2);
    register(&ctx, FunctionOptions::new(cdnow_weeks()));
    let sql = "WITH summaries AS (SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer) \
        SELECT customer % 2 AS cohort, fit_bgnbd(s['frequency'], s['recency'], s['t']) AS bg \
        FROM summaries GROUP BY customer % 2 ORDER BY cohort";
    let batches = run(&ctx, sql).await;
    let fitted = datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    for cohort in [0_u32, 1] {
        let rows = summaries
            .iter()
            .filter(|s| s.customer % 2 == cohort)
            .map(|s| (f64::from(s.frequency), s.recency, s.t, 1.0));
        let data = FrequencyData::from_rows(rows).unwrap().in_time(ModelTime::Weeks);
        let fit = BetaGeo::fit(&data, &FitOptions::default()).unwrap();
        let bg = fitted.column(1).as_struct();
        for (name, value) in fit.model.parameters() {
            let got = bg
                .column_by_name(name)
                .unwrap()
                .as_primitive::<Float64Type>()
                .value(cohort as usize);
            close(got, value, 1e-9, &format!("cohort {cohort} {name}"));
        }
    }
}

#[tokio::test]
async fn groups_whose_lines_are_all_filtered_out_have_null_summaries() {
    let purchases = cdnow_sample_purchases();
    let ctx = session(&batch_of(&purchases), 4, 2);
    register(&ctx, FunctionOptions::new(cdnow_weeks()));
    // No purchase of the sample reaches 10,000: every group is empty.
    let sql = "SELECT customer, customer_summary(at, amount) FILTER (WHERE amount > 10000) AS s \
        FROM purchases GROUP BY customer";
    let batches = run(&ctx, sql).await;
    let by_customer = summaries_by_customer(&batches);
    assert_eq!(by_customer.len(), 2357);
    assert!(by_customer.values().all(Option::is_none));
}
