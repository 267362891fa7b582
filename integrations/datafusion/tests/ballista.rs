//! The functions on an Apache Ballista cluster in this process: a scheduler
//! and two executors on loopback, each built from a session state that
//! holds the functions. Summaries and fits over partitioned Parquet equal
//! the crate's single-process results.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use repurchase::chrono::NaiveDate;
use repurchase::models::{BetaGeo, FitModel, FitOptions, FrequencyData};
use repurchase::synthetic::SyntheticLog;
use repurchase::{PurchaseLog, SummaryOptions, TimeUnit};
use repurchase_datafusion::{FunctionOptions, register, register_in};
use support::{SqlSummary, batch_of, parquet_dir, struct_double, summaries_by_customer};

/// A scheduler and `executors` executors of two task slots each, all
/// knowing the functions; a client session on the scheduler.
async fn cluster(options: &FunctionOptions, executors: usize) -> SessionContext {
    let config = SessionConfig::new_with_ballista().with_target_partitions(4);
    let mut state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    register_in(&mut state, options.clone()).unwrap();
    let scheduler = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state)
        .await
        .unwrap();
    let url = format!("http://localhost:{}", scheduler.port());
    let mut client = None;
    for _ in 0..50 {
        match SchedulerGrpcClient::connect(url.clone()).await {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let client = client.expect("the scheduler answers");
    for _ in 0..executors {
        ballista_executor::new_standalone_executor_from_state(client.clone(), 2, &state)
            .await
            .unwrap();
    }
    let ctx = SessionContext::remote_with_state(&format!("df://localhost:{}", scheduler.port()), state)
        .await
        .unwrap();
    // The client's state takes Ballista's own function sets: register ours
    // again for planning (the scheduler and executors have them).
    register(&ctx, options.clone());
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ballista_cluster_summarises_and_fits_as_one_process_does() {
    let purchases = SyntheticLog::default()
        .customers(20_000)
        .seed(5)
        .purchases()
        .unwrap();
    let summary_options =
        SummaryOptions::new(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()).unit(TimeUnit::Weeks);
    let log = PurchaseLog::new(purchases.clone()).unwrap();
    let expected = log.summarize(&summary_options);
    let dir = parquet_dir(&batch_of(&purchases), 8, "ballista");

    let ctx = cluster(&FunctionOptions::new(summary_options), 2).await;
    ctx.register_parquet("purchases", dir.to_str().unwrap(), ParquetReadOptions::default())
        .await
        .unwrap();

    let sql = "SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer";
    let frame = ctx.sql(sql).await.unwrap();
    let plan = frame.clone().create_physical_plan().await.unwrap();
    let shown = displayable(plan.as_ref()).indent(false).to_string();
    assert!(
        shown.contains("DistributedQueryExec"),
        "the query runs on the cluster:\n{shown}"
    );
    let by_customer = summaries_by_customer(&frame.collect().await.unwrap());
    assert_eq!(by_customer.len(), log.customer_count());
    for s in expected.iter() {
        assert_eq!(by_customer[&s.customer].as_ref(), Some(&SqlSummary::expected(s)));
    }

    // Struct fields named as columns first: Ballista 55 cannot ship a plan
    // whose aggregate reads `s['frequency']` straight from a subquery.
    let fit_sql = "WITH summaries AS (SELECT customer, customer_summary(at, amount) AS s FROM purchases GROUP BY customer), \
        patterns AS (SELECT s['frequency'] AS frequency, s['recency'] AS recency, s['t'] AS t FROM summaries) \
        SELECT fit_bgnbd(frequency, recency, t) AS bg FROM patterns";
    let fitted = ctx.sql(fit_sql).await.unwrap().collect().await.unwrap();
    let bg = BetaGeo::fit(&FrequencyData::from_summaries(&expected), &FitOptions::default()).unwrap();
    for (name, value) in bg.model.parameters() {
        let got = struct_double(&fitted, "bg", name);
        assert!(
            (got - value).abs() <= 1e-9 * value.abs(),
            "{name}: cluster {got}, crate {value}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
