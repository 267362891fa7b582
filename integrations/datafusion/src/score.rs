//! Per-customer predictions as scalar functions of a fitted model's struct
//! (what a `fit_*` aggregate returns) and a customer's summary fields.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, StringArray, StructArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use repurchase::churn;
use repurchase::clv::customer_lifetime_value;
use repurchase::models::{
    BetaGeo, FitModel, GammaGamma, ModelTime, ModifiedBetaGeo, ParetoNbd, Pattern, PurchaseModel,
};

use crate::FunctionOptions;

/// The scalar functions. `model` is a purchase model's struct (from
/// `fit_bgnbd`, `fit_mbgnbd` or `fit_pareto_nbd`, or written by hand with
/// `named_struct`), `spend_model` a `fit_gamma_gamma` struct; `frequency`,
/// `recency` and `t` are a summary's, in its time unit.
///
/// | function | returns |
/// |---|---|
/// | `p_alive(model, frequency, recency, t)` | P(alive at `T`) |
/// | `expected_purchases(model, frequency, recency, t, horizon)` | expected purchases in the next `horizon` time units |
/// | `churn_score(model, frequency, recency, t, horizon_days)` | P(no purchase in the next `horizon_days` days) |
/// | `churn_band(model, frequency, recency, t, horizon_days)` | its band: `low`, `medium` or `high` |
/// | `expected_spend(spend_model, frequency, monetary_value)` | Gamma-Gamma expected mean spend (a null `monetary_value` is 0, no repeats) |
/// | `clv(model, spend_model, frequency, recency, t, monetary_value)` | lifetime value over the options' months, discounted |
///
/// A null argument gives a null result; a value the model cannot take
/// (a pattern with `recency > t`, say) is an error naming it.
///
/// # Example
///
/// ```
/// use repurchase_datafusion::Score;
///
/// assert_eq!(Score::Clv.function_name(), "clv");
/// assert_eq!(Score::ALL.len(), 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Score {
    /// `p_alive`.
    PAlive,
    /// `expected_purchases`.
    ExpectedPurchases,
    /// `churn_score`.
    ChurnScore,
    /// `churn_band`.
    ChurnBand,
    /// `expected_spend`.
    ExpectedSpend,
    /// `clv`.
    Clv,
}

impl Score {
    /// Every function.
    pub const ALL: [Score; 6] = [
        Self::PAlive,
        Self::ExpectedPurchases,
        Self::ChurnScore,
        Self::ChurnBand,
        Self::ExpectedSpend,
        Self::Clv,
    ];

    /// The SQL function's name.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase_datafusion::Score;
    ///
    /// assert_eq!(Score::PAlive.function_name(), "p_alive");
    /// ```
    pub fn function_name(self) -> &'static str {
        match self {
            Self::PAlive => "p_alive",
            Self::ExpectedPurchases => "expected_purchases",
            Self::ChurnScore => "churn_score",
            Self::ChurnBand => "churn_band",
            Self::ExpectedSpend => "expected_spend",
            Self::Clv => "clv",
        }
    }

    /// The arguments: how many model structs lead, then the numbers.
    fn arguments(self) -> (usize, &'static [&'static str]) {
        match self {
            Self::PAlive => (1, &["frequency", "recency", "t"]),
            Self::ExpectedPurchases => (1, &["frequency", "recency", "t", "horizon"]),
            Self::ChurnScore | Self::ChurnBand => (1, &["frequency", "recency", "t", "horizon_days"]),
            Self::ExpectedSpend => (1, &["frequency", "monetary_value"]),
            Self::Clv => (2, &["frequency", "recency", "t", "monetary_value"]),
        }
    }
}

/// One scalar function (see [`Score`]).
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use datafusion::logical_expr::ScalarUDF;
/// use repurchase::chrono::NaiveDate;
/// use repurchase::SummaryOptions;
/// use repurchase_datafusion::{FunctionOptions, Score, ScoreFunction};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let options = Arc::new(FunctionOptions::new(SummaryOptions::new(end)));
/// assert_eq!(ScalarUDF::from(ScoreFunction::new(Score::PAlive, options)).name(), "p_alive");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ScoreFunction {
    score: Score,
    options: Arc<FunctionOptions>,
    signature: Signature,
}

impl ScoreFunction {
    /// The function `score`, with the time unit, CLV options and risk
    /// bands of `options`.
    ///
    /// # Example
    ///
    /// See [`ScoreFunction`].
    pub fn new(score: Score, options: Arc<FunctionOptions>) -> Self {
        Self {
            score,
            options,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl PartialEq for ScoreFunction {
    fn eq(&self, other: &Self) -> bool {
        self.score == other.score && self.options == other.options
    }
}

impl Eq for ScoreFunction {}

impl Hash for ScoreFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.score.hash(state);
    }
}

impl ScalarUDFImpl for ScoreFunction {
    fn name(&self) -> &str {
        self.score.function_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let (models, numbers) = self.score.arguments();
        let name = self.name();
        let (structs, rest) = arg_types.split_at(models.min(arg_types.len()));
        for t in structs {
            if !matches!(t, DataType::Struct(_)) {
                return plan_err!(
                    "{name}: {t} is no model; pass a fit_* result or a named_struct of parameters"
                );
            }
        }
        let mut coerced = structs.to_vec();
        coerced.extend(crate::fit::as_doubles(name, numbers, rest)?);
        Ok(coerced)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.score {
            Score::ChurnBand => DataType::Utf8,
            _ => DataType::Float64,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (models, _) = self.score.arguments();
        let (structs, numbers) = arrays.split_at(models.min(arrays.len()));
        let structs: Vec<&StructArray> = structs.iter().filter_map(|a| a.as_struct_opt()).collect();
        let numbers: Vec<&Float64Array> = numbers
            .iter()
            .filter_map(|a| a.as_primitive_opt::<Float64Type>())
            .collect();
        let Some(time) = self.options.model_time() else {
            return exec_err!(
                "{name}: the models need summaries in days, weeks or years, not monthly periods"
            );
        };
        let mut models = Models::default();
        let mut values = Vec::with_capacity(args.number_rows);
        for row in 0..args.number_rows {
            // At most four numbers: read into an array, not a Vec a row.
            let mut inputs = [0.0; 4];
            let mut complete = structs.iter().all(|s| s.is_valid(row));
            for ((k, c), slot) in numbers.iter().enumerate().zip(inputs.iter_mut()) {
                *slot = match (c.is_valid(row), self.score, k) {
                    (true, ..) => c.value(row),
                    // No repeats, no mean spend: the models read m = 0.
                    (false, Score::ExpectedSpend, 1) | (false, Score::Clv, 3) => 0.0,
                    (false, ..) => {
                        complete = false;
                        0.0
                    }
                };
            }
            let (true, Some(inputs)) = (complete, inputs.get(..numbers.len())) else {
                values.push(None);
                continue;
            };
            let value = self.score_row(&mut models, &structs, row, inputs, time);
            values.push(Some(value.map_err(|e| failed(name, e))?));
        }
        let array: ArrayRef = match self.score {
            Score::ChurnBand => {
                let bands = self.options.get_risk_bands();
                let names: Vec<Option<String>> = values
                    .iter()
                    .map(|v| v.map(|p| bands.band(p).to_string()))
                    .collect();
                Arc::new(StringArray::from(names))
            }
            _ => Arc::new(Float64Array::from(values)),
        };
        Ok(ColumnarValue::Array(array))
    }
}

fn failed(name: &str, e: repurchase::Error) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(format!("{name}: {e}"))
}

impl ScoreFunction {
    /// One row's value (for `churn_band`, its churn score).
    fn score_row(
        &self,
        models: &mut Models,
        structs: &[&StructArray],
        row: usize,
        inputs: &[f64],
        time: ModelTime,
    ) -> repurchase::Result<f64> {
        let pattern = |x: f64, t_x: f64, t: f64| Pattern::new(x, t_x, t, time);
        match (self.score, inputs) {
            (Score::ExpectedSpend, &[x, m]) => models
                .spend(structs.first(), row)?
                .conditional_expected_spend(x, m),
            (Score::PAlive, &[x, t_x, t]) => {
                let model = models.purchase(structs.first(), row, time)?;
                pattern(x, t_x, t)?;
                model.p_alive(x, t_x, t)
            }
            (Score::ExpectedPurchases, &[x, t_x, t, horizon]) => {
                let model = models.purchase(structs.first(), row, time)?;
                pattern(x, t_x, t)?;
                model.conditional_expected_purchases(x, t_x, t, horizon)
            }
            (Score::ChurnScore | Score::ChurnBand, &[x, t_x, t, days]) => {
                let model = models.purchase(structs.first(), row, time)?;
                let days = whole_days(days)?;
                let bands = self.options.get_risk_bands();
                Ok(churn::score(model, &pattern(x, t_x, t)?, days, bands)?.p_churn)
            }
            (Score::Clv, &[x, t_x, t, m]) => {
                let spend = models.spend(structs.get(1), row)?;
                let model = models.purchase(structs.first(), row, time)?;
                customer_lifetime_value(model, &spend, &pattern(x, t_x, t)?, m, self.options.get_clv())
            }
            _ => Err(repurchase::Error::InvalidParameter {
                name: "arguments",
                value: format!("{} values", inputs.len()),
                expected: "the function's arguments",
            }),
        }
    }
}

/// A horizon in whole days.
fn whole_days(days: f64) -> repurchase::Result<u32> {
    if days.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&days) {
        Ok(days as u32)
    } else {
        Err(repurchase::Error::InvalidParameter {
            name: "horizon_days",
            value: days.to_string(),
            expected: "a whole number of days ≥ 0",
        })
    }
}

/// A purchase model read from a struct.
#[derive(Debug, Clone)]
enum PurchaseFit {
    BetaGeo(BetaGeo),
    Modified(ModifiedBetaGeo),
    Pareto(ParetoNbd),
}

/// The same call on whichever model the struct held.
macro_rules! on_model {
    ($fit:expr, $m:ident => $call:expr) => {
        match $fit {
            PurchaseFit::BetaGeo($m) => $call,
            PurchaseFit::Modified($m) => $call,
            PurchaseFit::Pareto($m) => $call,
        }
    };
}

impl PurchaseModel for PurchaseFit {
    fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> repurchase::Result<f64> {
        on_model!(self, m => m.p_alive(x, t_x, big_t))
    }

    fn expected_purchases(&self, horizon: f64) -> repurchase::Result<f64> {
        on_model!(self, m => PurchaseModel::expected_purchases(m, horizon))
    }

    fn conditional_expected_purchases(
        &self,
        x: f64,
        t_x: f64,
        big_t: f64,
        horizon: f64,
    ) -> repurchase::Result<f64> {
        on_model!(self, m => m.conditional_expected_purchases(x, t_x, big_t, horizon))
    }

    fn expected_purchases_if_alive(&self, x: f64, big_t: f64, horizon: f64) -> repurchase::Result<f64> {
        on_model!(self, m => m.expected_purchases_if_alive(x, big_t, horizon))
    }

    fn p_no_purchase(&self, x: f64, t_x: f64, big_t: f64, horizon: f64) -> repurchase::Result<f64> {
        on_model!(self, m => m.p_no_purchase(x, t_x, big_t, horizon))
    }

    fn time(&self) -> Option<ModelTime> {
        on_model!(self, m => PurchaseModel::time(m))
    }
}

/// The models of the rows so far: a model column is usually one model
/// repeated (a cross join with one fit), so each is read once.
#[derive(Debug, Default)]
struct Models {
    purchase: Option<([f64; 4], String, PurchaseFit)>,
    spend: Option<([f64; 3], GammaGamma)>,
}

/// A struct field's value at `row`, by name.
fn field(model: &StructArray, name: &'static str, row: usize) -> repurchase::Result<f64> {
    let column = model
        .column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<Float64Type>());
    match column {
        Some(c) if c.is_valid(row) => Ok(c.value(row)),
        _ => Err(repurchase::Error::InvalidParameter {
            name,
            value: "missing or null".into(),
            expected: "a DOUBLE field of the model struct",
        }),
    }
}

impl Models {
    fn purchase(
        &mut self,
        model: Option<&&StructArray>,
        row: usize,
        time: ModelTime,
    ) -> repurchase::Result<&PurchaseFit> {
        let no_model = || repurchase::Error::InvalidParameter {
            name: "model",
            value: "none".into(),
            expected: "a fit_bgnbd, fit_mbgnbd or fit_pareto_nbd struct",
        };
        let model = model.ok_or_else(no_model)?;
        let name = model
            .column_by_name("model")
            .and_then(|c| c.as_string_opt::<i32>())
            .filter(|c| c.is_valid(row))
            .map(|c| c.value(row))
            .unwrap_or(BetaGeo::NAME);
        let names: [&'static str; 4] = if name == ParetoNbd::NAME {
            ["r", "alpha", "s", "beta"]
        } else {
            ["r", "alpha", "a", "b"]
        };
        // An array, not a Vec: read once a row.
        let [a, b, c, d] = names;
        let params = [
            field(model, a, row)?,
            field(model, b, row)?,
            field(model, c, row)?,
            field(model, d, row)?,
        ];
        let cached = matches!(&self.purchase, Some((p, n, _)) if *p == params && n == name);
        if !cached {
            let [a, b, c, d] = params;
            let fit = match name {
                n if n == ParetoNbd::NAME => PurchaseFit::Pareto(ParetoNbd::new(a, b, c, d)?.in_time(time)),
                n if n == ModifiedBetaGeo::NAME => {
                    PurchaseFit::Modified(ModifiedBetaGeo::new(a, b, c, d)?.in_time(time))
                }
                n if n == BetaGeo::NAME => PurchaseFit::BetaGeo(BetaGeo::new(a, b, c, d)?.in_time(time)),
                other => {
                    return Err(repurchase::Error::InvalidParameter {
                        name: "model",
                        value: other.to_string(),
                        expected: "BG/NBD, MBG/NBD or Pareto/NBD",
                    });
                }
            };
            self.purchase = Some((params, name.to_string(), fit));
        }
        self.purchase.as_ref().map(|(_, _, fit)| fit).ok_or_else(no_model)
    }

    fn spend(&mut self, model: Option<&&StructArray>, row: usize) -> repurchase::Result<GammaGamma> {
        let model = model.ok_or_else(|| repurchase::Error::InvalidParameter {
            name: "spend_model",
            value: "none".into(),
            expected: "a fit_gamma_gamma struct",
        })?;
        let params = [
            field(model, "p", row)?,
            field(model, "q", row)?,
            field(model, "gamma", row)?,
        ];
        match &self.spend {
            Some((p, fit)) if *p == params => Ok(*fit),
            _ => {
                let [p, q, gamma] = params;
                let fit = GammaGamma::new(p, q, gamma)?;
                self.spend = Some((params, fit));
                Ok(fit)
            }
        }
    }
}
