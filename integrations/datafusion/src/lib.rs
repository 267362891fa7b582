//! The `repurchase` crate's customer summaries, model fits, scores and RFM
//! as SQL functions on Apache DataFusion.

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
/// assert!(ctx.udaf("customer_summary").is_ok());
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
