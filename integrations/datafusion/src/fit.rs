//! `fit_bgnbd`, `fit_mbgnbd`, `fit_pareto_nbd` and `fit_gamma_gamma`: model
//! fits as aggregates.
//!
//! The state is the model's sufficient statistics: the distinct
//! `(x, t_x, T)` patterns with their counts (or the repeat customers'
//! `(x, m̄)`), which merge by adding counts. The final step fits the
//! crate's model on them, so a fit in SQL is the crate's fit of the same
//! customers.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray, StringArray, StructArray, UInt32Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use repurchase::models::{
    BetaGeo, Fit, FitModel, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd, SpendData,
};

use crate::FunctionOptions;

/// The models that fit as aggregates.
///
/// # Example
///
/// ```
/// use repurchase_datafusion::FittedModel;
///
/// assert_eq!(FittedModel::ParetoNbd.function_name(), "fit_pareto_nbd");
/// assert_eq!(FittedModel::ALL.len(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FittedModel {
    /// BG/NBD, `fit_bgnbd(frequency, recency, t)`.
    BetaGeo,
    /// MBG/NBD, `fit_mbgnbd(frequency, recency, t)`.
    ModifiedBetaGeo,
    /// Pareto/NBD, `fit_pareto_nbd(frequency, recency, t)`.
    ParetoNbd,
    /// Gamma-Gamma spend, `fit_gamma_gamma(frequency, monetary_value)`.
    GammaGamma,
}

impl FittedModel {
    /// Every model.
    pub const ALL: [FittedModel; 4] = [
        Self::BetaGeo,
        Self::ModifiedBetaGeo,
        Self::ParetoNbd,
        Self::GammaGamma,
    ];

    /// The SQL function's name.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase_datafusion::FittedModel;
    ///
    /// assert_eq!(FittedModel::BetaGeo.function_name(), "fit_bgnbd");
    /// ```
    pub fn function_name(self) -> &'static str {
        match self {
            Self::BetaGeo => "fit_bgnbd",
            Self::ModifiedBetaGeo => "fit_mbgnbd",
            Self::ParetoNbd => "fit_pareto_nbd",
            Self::GammaGamma => "fit_gamma_gamma",
        }
    }

    /// The model's name in the returned struct's `model` field, as the
    /// literature writes it.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase_datafusion::FittedModel;
    ///
    /// assert_eq!(FittedModel::ParetoNbd.model_name(), "Pareto/NBD");
    /// ```
    pub fn model_name(self) -> &'static str {
        match self {
            Self::BetaGeo => BetaGeo::NAME,
            Self::ModifiedBetaGeo => ModifiedBetaGeo::NAME,
            Self::ParetoNbd => ParetoNbd::NAME,
            Self::GammaGamma => GammaGamma::NAME,
        }
    }

    /// The parameters' names, in the model's order.
    fn parameters(self) -> &'static [&'static str] {
        match self {
            Self::BetaGeo | Self::ModifiedBetaGeo => &["r", "alpha", "a", "b"],
            Self::ParetoNbd => &["r", "alpha", "s", "beta"],
            Self::GammaGamma => &["p", "q", "gamma"],
        }
    }

    /// The inputs: a pattern, or a repeat customer's spend.
    fn inputs(self) -> &'static [&'static str] {
        match self {
            Self::GammaGamma => &["frequency", "monetary_value"],
            _ => &["frequency", "recency", "t"],
        }
    }

    /// The returned struct's fields: the model's name, its parameters, then
    /// the fit's report.
    pub(crate) fn fields(self) -> Fields {
        let mut fields = vec![Field::new("model", DataType::Utf8, false)];
        fields.extend(
            self.parameters()
                .iter()
                .map(|p| Field::new(*p, DataType::Float64, false)),
        );
        fields.extend([
            Field::new("log_likelihood", DataType::Float64, false),
            Field::new("customers", DataType::Float64, false),
            Field::new("iterations", DataType::UInt32, false),
            Field::new("converged", DataType::Boolean, false),
            Field::new_list(
                "standard_errors",
                Field::new_list_field(DataType::Float64, false),
                true,
            ),
        ]);
        Fields::from(fields)
    }
}

/// A fit aggregate (see [`FittedModel`] for the four and their arguments).
/// It returns a struct: `model` (the model's name), its parameters, then
/// `log_likelihood`, `customers` (the rows fitted), `iterations`,
/// `converged` and `standard_errors` (a list in the parameters' order,
/// null where the information matrix gives none); null over no rows. Rows with a null argument are left out,
/// as SQL aggregates leave nulls out; `fit_gamma_gamma` also leaves out
/// customers without repeats and repeat customers whose mean spend is not
/// positive, as [`SpendData::from_summaries`] does.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use datafusion::logical_expr::AggregateUDF;
/// use repurchase::chrono::NaiveDate;
/// use repurchase::SummaryOptions;
/// use repurchase_datafusion::{FitFunction, FittedModel, FunctionOptions};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let options = Arc::new(FunctionOptions::new(SummaryOptions::new(end)));
/// let udaf = AggregateUDF::from(FitFunction::new(FittedModel::BetaGeo, options));
/// assert_eq!(udaf.name(), "fit_bgnbd");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FitFunction {
    model: FittedModel,
    options: Arc<FunctionOptions>,
    signature: Signature,
}

impl FitFunction {
    /// The fit of `model`, with the fit options and time unit of
    /// `options`.
    ///
    /// # Example
    ///
    /// See [`FitFunction`].
    pub fn new(model: FittedModel, options: Arc<FunctionOptions>) -> Self {
        Self {
            model,
            options,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl PartialEq for FitFunction {
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model && self.options == other.options
    }
}

impl Eq for FitFunction {}

impl Hash for FitFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.model.hash(state);
    }
}

/// Numbers as `DOUBLE`: counts, times and money alike.
pub(crate) fn as_doubles(name: &str, expected: &[&str], types: &[DataType]) -> Result<Vec<DataType>> {
    if types.len() != expected.len() {
        return plan_err!("{name} takes ({})", expected.join(", "));
    }
    for (argument, t) in expected.iter().zip(types) {
        if !(t.is_numeric() || t.is_null()) {
            return plan_err!("{name}: {argument} is {t}; expected a number");
        }
    }
    Ok(vec![DataType::Float64; types.len()])
}

impl AggregateUDFImpl for FitFunction {
    fn name(&self) -> &str {
        self.model.function_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        as_doubles(self.name(), self.model.inputs(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(self.model.fields()))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FitAccumulator {
            model: self.model,
            options: Arc::clone(&self.options),
            rows: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let columns = self.model.inputs().iter().chain(&["weight"]);
        Ok(columns
            .map(|name| {
                let item = Field::new_list_field(DataType::Float64, true);
                Arc::new(Field::new_list(format_state_name(args.name, name), item, true))
            })
            .collect())
    }
}

/// Input rows with their weights; compressed to distinct rows when the
/// state is taken.
#[derive(Debug)]
struct FitAccumulator {
    model: FittedModel,
    options: Arc<FunctionOptions>,
    /// `(x, t_x, T, weight)`, or `(x, m̄, 0, weight)` for spend.
    rows: Vec<[f64; 4]>,
}

impl FitAccumulator {
    /// Adds rows from columns (the inputs, then weights when merging);
    /// rows with a null are left out, as SQL aggregates leave nulls out.
    fn add(&mut self, columns: &[&Float64Array]) {
        let spend = self.model == FittedModel::GammaGamma;
        let width = if spend { 2 } else { 3 };
        let rows = columns.first().map_or(0, |c| c.len());
        for i in 0..rows {
            let value = |k: usize| columns.get(k).filter(|c| c.is_valid(i)).map(|c| c.value(i));
            let third = if spend { Some(0.0) } else { value(2) };
            let weight = if columns.len() > width {
                value(width)
            } else {
                Some(1.0)
            };
            let (Some(x), Some(second), Some(third), Some(weight)) = (value(0), value(1), third, weight)
            else {
                continue;
            };
            // Gamma-Gamma models repeat customers with positive spend.
            if !spend || (x >= 1.0 && second > 0.0) {
                self.rows.push([x, second, third, weight]);
            }
        }
    }

    fn frequency_data(&self) -> repurchase::Result<FrequencyData> {
        let data = FrequencyData::from_rows(self.rows.iter().map(|&[x, t_x, t, w]| (x, t_x, t, w)))?;
        Ok(match self.options.model_time() {
            Some(time) => data.in_time(time),
            None => data,
        })
    }

    fn spend_data(&self) -> repurchase::Result<SpendData> {
        SpendData::from_rows(self.rows.iter().map(|&[x, m, _, w]| (x, m, w)))
    }

    /// The distinct rows, each with its weight.
    fn compressed(&self) -> repurchase::Result<Vec<[f64; 4]>> {
        Ok(if self.model == FittedModel::GammaGamma {
            self.spend_data()?
                .rows()
                .iter()
                .map(|&(x, m, w)| [x, m, 0.0, w])
                .collect()
        } else {
            let data = self.frequency_data()?;
            data.rows()
                .iter()
                .map(|r| [r.frequency, r.recency, r.t, r.weight])
                .collect()
        })
    }

    /// Fits `M` on `data`, as the returned struct.
    fn fit<M: FitModel>(&self, data: repurchase::Result<M::Data>, customers: f64) -> Result<ScalarValue> {
        let name = self.model.function_name();
        let data = data.map_err(|e| failed(name, e))?;
        let fit = M::fit(&data, self.options.get_fit()).map_err(|e| failed(name, e))?;
        self.fitted(&fit, customers)
    }

    fn fitted<M: FitModel>(&self, fit: &Fit<M>, customers: f64) -> Result<ScalarValue> {
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec![M::NAME]))];
        for (_, value) in fit.model.parameters() {
            arrays.push(Arc::new(Float64Array::from(vec![value])));
        }
        arrays.extend([
            Arc::new(Float64Array::from(vec![fit.report.log_likelihood])) as ArrayRef,
            Arc::new(Float64Array::from(vec![customers])),
            Arc::new(UInt32Array::from(vec![fit.report.iterations])),
            Arc::new(BooleanArray::from(vec![fit.report.converged])),
            standard_errors(fit.report.standard_errors.values())?,
        ]);
        let row = StructArray::try_new(self.model.fields(), arrays, None)?;
        ScalarValue::try_from_array(&row, 0)
    }
}

/// The standard errors as a one-row list, null where the information
/// matrix gave none.
fn standard_errors(values: Option<&[f64]>) -> Result<ArrayRef> {
    let values = values.unwrap_or_default();
    let item = Arc::new(Field::new_list_field(DataType::Float64, false));
    let offsets = OffsetBuffer::<i32>::from_lengths([values.len()]);
    let nulls = values.is_empty().then(|| NullBuffer::new_null(1));
    let list = ListArray::try_new(
        item,
        offsets,
        Arc::new(Float64Array::from(values.to_vec())),
        nulls,
    )?;
    Ok(Arc::new(list))
}

/// The columns as DOUBLEs, as the signature coerced them.
fn doubles(model: FittedModel, values: &[ArrayRef]) -> Result<Vec<&Float64Array>> {
    let columns: Option<Vec<&Float64Array>> = values
        .iter()
        .map(|v| v.as_primitive_opt::<Float64Type>())
        .collect();
    match columns {
        Some(columns) => Ok(columns),
        None => exec_err!("{}: arguments must be DOUBLE", model.function_name()),
    }
}

fn failed(name: &str, e: repurchase::Error) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(format!("{name}: {e}"))
}

impl Accumulator for FitAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let columns = doubles(self.model, values)?;
        self.add(&columns);
        // Large inputs: keep the distinct rows only.
        if self.rows.len() > COMPRESS_AT {
            self.rows = self
                .compressed()
                .map_err(|e| failed(self.model.function_name(), e))?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.rows.is_empty() {
            return ScalarValue::try_from(DataType::Struct(self.model.fields()));
        }
        let customers = self.rows.iter().map(|r| r[3]).sum();
        match self.model {
            FittedModel::BetaGeo => self.fit::<BetaGeo>(self.frequency_data(), customers),
            FittedModel::ModifiedBetaGeo => self.fit::<ModifiedBetaGeo>(self.frequency_data(), customers),
            FittedModel::ParetoNbd => self.fit::<ParetoNbd>(self.frequency_data(), customers),
            FittedModel::GammaGamma => self.fit::<GammaGamma>(self.spend_data(), customers),
        }
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.rows.capacity() * size_of::<[f64; 4]>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let rows = self
            .compressed()
            .map_err(|e| failed(self.model.function_name(), e))?;
        let width = self.model.inputs().len();
        let offsets = OffsetBuffer::<i32>::from_lengths([rows.len()]);
        (0..width)
            .chain([3])
            .map(|k| {
                let values = Arc::new(Float64Array::from_iter_values(
                    rows.iter().filter_map(|r| r.get(k).copied()),
                ));
                let item = Arc::new(Field::new_list_field(DataType::Float64, true));
                let list = ListArray::try_new(item, offsets.clone(), values, None)?;
                ScalarValue::try_from_array(&list, 0)
            })
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists: Option<Vec<&ListArray>> = states.iter().map(|s| s.as_list_opt::<i32>()).collect();
        let Some(lists) = lists else {
            return exec_err!("{}: state is not lists", self.model.function_name());
        };
        // A state row's list holds distinct rows; the lists' offsets say
        // which of the values are this state's.
        let values: Vec<ArrayRef> = lists
            .iter()
            .map(|l| {
                let offsets = l.value_offsets();
                let start = offsets.first().map_or(0, |&o| o as usize);
                let end = offsets.last().map_or(0, |&o| o as usize);
                l.values().slice(start, end - start)
            })
            .collect();
        let columns = doubles(self.model, &values)?;
        self.add(&columns);
        Ok(())
    }
}

/// Raw rows kept before they are compressed to distinct rows.
const COMPRESS_AT: usize = 1 << 20;
