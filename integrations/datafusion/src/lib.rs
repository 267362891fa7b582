//! The `repurchase` crate's customer summaries, model fits, scores and RFM
//! as SQL functions on [Apache DataFusion](https://datafusion.apache.org),
//! and through it on [Ballista](https://datafusion.apache.org/ballista/)
//! clusters: purchases that live in Parquet behind a SQL engine, or that
//! outgrow one process, are summarised, fitted and scored where they are.
//!
//! ```
//! use std::sync::Arc;
//! use datafusion::arrow::array::{ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch};
//! use datafusion::prelude::SessionContext;
//! use repurchase::chrono::NaiveDate;
//! use repurchase::SummaryOptions;
//! use repurchase_datafusion::{register, FunctionOptions};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let purchases = RecordBatch::try_from_iter([
//!     ("customer", Arc::new(Int64Array::from(vec![1, 1, 2, 1])) as ArrayRef),
//!     ("day", Arc::new(Date32Array::from(vec![19_723, 19_730, 19_725, 19_750])) as ArrayRef),
//!     ("amount", Arc::new(Decimal128Array::from(vec![2_500, 1_200, 900, 3_100]).with_precision_and_scale(10, 2)?) as ArrayRef),
//! ])?;
//! let ctx = SessionContext::new();
//! ctx.register_batch("purchases", purchases)?;
//! let end = NaiveDate::from_ymd_opt(2024, 3, 31).ok_or("bad date")?;
//! register(&ctx, FunctionOptions::new(SummaryOptions::new(end)));
//!
//! let sql = "SELECT customer, s['frequency'] AS repeats, s['recency'] AS recency, s['t'] AS t
//!            FROM (SELECT customer, customer_summary(day, amount) AS s FROM purchases GROUP BY customer)
//!            ORDER BY customer";
//! let table = ctx.sql(sql).await?.to_string().await?;
//! assert!(table.contains("| 1        | 2       | 27.0    | 90.0 |"), "{table}");
//! # Ok(())
//! # }
//! ```
//!
//! # The functions
//!
//! [`register`] adds them to a session, all computing with one
//! [`FunctionOptions`] (observation end, time unit, the shop's calendar,
//! fit, CLV, risk-band and RFM options):
//!
//! | function | kind | returns |
//! |---|---|---|
//! | `customer_summary(time, amount [, order_id])` | aggregate, `GROUP BY` the customer | the summary struct below |
//! | `fit_bgnbd(frequency, recency, t)`, `fit_mbgnbd(…)`, `fit_pareto_nbd(…)` | aggregate | `model`, the parameters, `log_likelihood`, `customers`, `iterations`, `converged`, `standard_errors` ([`FitFunction`]) |
//! | `fit_gamma_gamma(frequency, monetary_value)` | aggregate | the same, with `p`, `q`, `gamma` |
//! | `p_alive`, `expected_purchases`, `churn_score`, `churn_band`, `expected_spend`, `clv` | scalar, of a fitted model's struct and a summary's fields | DOUBLE (`churn_band`: text) ([`Score`]) |
//! | `rfm(customer, summary) OVER ()` | window over the summaries | scores, code and segment ([`RfmFunction`]) |
//!
//! `customer_summary` reads the time as `DATE` or `TIMESTAMP` (any unit,
//! with or without a zone), the amount as `DECIMAL(p, s)`, `DOUBLE` or
//! `BIGINT` minor units ([`FunctionOptions::minor_units`]), and an order id
//! as text; order lines with one id are one order, as in the crate. Its
//! struct has the fields of [`CustomerSummary`](repurchase::CustomerSummary):
//!
//! | field | type |
//! |---|---|
//! | `frequency`, `orders` | `UINT32` |
//! | `recency`, `t` | `DOUBLE`, in the options' time unit |
//! | `monetary_value` | `DECIMAL(38, 10)`, null without a repeat |
//! | `total_spend` | `DECIMAL(38, 10)` |
//! | `first_purchase`, `last_purchase` | `TIMESTAMP(s, UTC)` |
//!
//! What derives from these is left to SQL, as the crate leaves it to
//! methods: the mean order value is `s['total_spend'] / s['orders']`, the
//! purchase periods `s['frequency'] + 1`.
//!
//! Money has [`MONEY_SCALE`] decimals: totals are exact for amounts with up
//! to ten decimals, means are rounded half to even there. A customer with
//! no purchase on or before the observation end, or with refunds only, has
//! a null summary. A bad row (a null time or amount, an amount beyond the
//! crate's bound) fails the query with the crate's error, prefixed by the
//! function's name; filter such rows out with `WHERE` if that is intended.
//!
//! # Partitions and clusters
//!
//! Every aggregate's state merges exactly: `customer_summary` keeps a
//! customer's purchase lines until the final step, which summarises them
//! with the crate's own code; the fits keep distinct patterns with their
//! counts. So any `target_partitions`, and any split of the data over the
//! machines of a Ballista cluster, gives the single-process answer.
//!
//! On Ballista, build the scheduler's and executors' states with
//! [`register_in`], and [`register`] the functions again on the client
//! session (Ballista's client state replaces the function sets). Ballista
//! 55 cannot ship a plan in which an aggregate reads a struct field straight
//! from a subquery (`fit_bgnbd(s['frequency'], …)` over `customer_summary`'s
//! output): select the fields as columns in a subquery first.

mod fit;
mod options;
mod rfm;
mod score;
mod summary;

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};
use datafusion::prelude::SessionContext;

pub use fit::{FitFunction, FittedModel};
pub use options::FunctionOptions;
pub use rfm::RfmFunction;
pub use score::{Score, ScoreFunction};
pub use summary::{CustomerSummaryFunction, MONEY_SCALE};

/// Registers every function, computing with `options`, on a session.
///
/// # Example
///
/// ```
/// use datafusion::prelude::SessionContext;
/// use repurchase::chrono::NaiveDate;
/// use repurchase::SummaryOptions;
/// use repurchase_datafusion::{register, FunctionOptions};
///
/// let ctx = SessionContext::new();
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// register(&ctx, FunctionOptions::new(SummaryOptions::new(end)));
/// assert!(ctx.state().aggregate_functions().contains_key("customer_summary"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn register(ctx: &SessionContext, options: FunctionOptions) {
    let (aggregates, scalars, windows) = functions(options);
    aggregates.into_iter().for_each(|f| ctx.register_udaf(f));
    scalars.into_iter().for_each(|f| ctx.register_udf(f));
    windows.into_iter().for_each(|f| ctx.register_udwf(f));
}

/// Registers every function, computing with `options`, in a registry such
/// as a `SessionState`: the form a Ballista scheduler or executor is built
/// from.
///
/// # Errors
///
/// The registry's own.
///
/// # Example
///
/// ```
/// use datafusion::execution::SessionStateBuilder;
/// use repurchase::chrono::NaiveDate;
/// use repurchase::SummaryOptions;
/// use repurchase_datafusion::{register_in, FunctionOptions};
///
/// let mut state = SessionStateBuilder::new().with_default_features().build();
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// register_in(&mut state, FunctionOptions::new(SummaryOptions::new(end)))?;
/// assert!(state.aggregate_functions().contains_key("fit_bgnbd"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn register_in(registry: &mut dyn FunctionRegistry, options: FunctionOptions) -> Result<()> {
    let (aggregates, scalars, windows) = functions(options);
    for f in aggregates {
        registry.register_udaf(Arc::new(f))?;
    }
    for f in scalars {
        registry.register_udf(Arc::new(f))?;
    }
    for f in windows {
        registry.register_udwf(Arc::new(f))?;
    }
    Ok(())
}

/// Every function, sharing `options`.
fn functions(options: FunctionOptions) -> (Vec<AggregateUDF>, Vec<ScalarUDF>, Vec<WindowUDF>) {
    let options = Arc::new(options);
    let mut aggregates = vec![AggregateUDF::from(CustomerSummaryFunction::new(Arc::clone(
        &options,
    )))];
    aggregates.extend(
        FittedModel::ALL.map(|model| AggregateUDF::from(FitFunction::new(model, Arc::clone(&options)))),
    );
    let scalars = Score::ALL.map(|score| ScalarUDF::from(ScoreFunction::new(score, Arc::clone(&options))));
    let windows = vec![WindowUDF::from(RfmFunction::new(options))];
    (aggregates, scalars.to_vec(), windows)
}
