//! What the SQL functions compute with: one set of options per
//! registration.

use repurchase::churn::RiskBands;
use repurchase::clv::ClvOptions;
use repurchase::models::{FitOptions, ModelTime};
use repurchase::rfm::{RfmOptions, SegmentTable};
use repurchase::{LogOptions, SummaryOptions};

/// The options every function of one [`register`](crate::register) call
/// shares, so that summaries, fits and scores agree on their time unit.
///
/// | setting | default | used by |
/// |---|---|---|
/// | [`summary`](Self::summary) | (required) observation end; then granularity and unit | `customer_summary`, and the unit of every model function |
/// | [`log`](Self::log) | [`LogOptions::default`] (UTC days, order lines merged) | `customer_summary` |
/// | [`minor_units`](Self::minor_units) | none | `customer_summary` over an `Int64` amount column |
/// | [`fit`](Self::fit) | [`FitOptions::default`] | `fit_*` |
/// | [`clv`](Self::clv) | [`ClvOptions::default`] (12 months, 1 % a month) | `clv` |
/// | [`risk_bands`](Self::risk_bands) | [`RiskBands::default`] | `churn_band` |
/// | [`rfm`](Self::rfm) | [`RfmOptions::default`] (quintiles as R's `rfm`) | `rfm` |
/// | [`segments`](Self::segments) | [`SegmentTable::r_rfm`] | `rfm` |
///
/// # Example
///
/// ```
/// use repurchase::chrono::NaiveDate;
/// use repurchase::{SummaryOptions, TimeUnit};
/// use repurchase_datafusion::FunctionOptions;
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let options = FunctionOptions::new(SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// assert_eq!(options.get_summary().observation_end(), end);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionOptions {
    summary: SummaryOptions,
    log: LogOptions,
    minor_units: Option<u32>,
    fit: FitOptions,
    clv: ClvOptions,
    risk_bands: RiskBands,
    rfm: RfmOptions,
    segments: SegmentTable,
}

impl FunctionOptions {
    /// Options with these summary options and every other default.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::chrono::NaiveDate;
    /// use repurchase::SummaryOptions;
    /// use repurchase_datafusion::FunctionOptions;
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end));
    /// assert_eq!(options.get_minor_units(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(summary: SummaryOptions) -> Self {
        Self {
            summary,
            log: LogOptions::default(),
            minor_units: None,
            fit: FitOptions::default(),
            clv: ClvOptions::default(),
            risk_bands: RiskBands::default(),
            rfm: RfmOptions::default(),
            segments: SegmentTable::r_rfm(),
        }
    }

    /// Observation end, granularity and time unit of `customer_summary`;
    /// the unit is also the one of every model function's recency, `T` and
    /// horizon.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::chrono::NaiveDate;
    /// use repurchase::{Granularity, SummaryOptions};
    /// use repurchase_datafusion::FunctionOptions;
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let weekly = FunctionOptions::new(SummaryOptions::new(end))
    ///     .summary(SummaryOptions::new(end).granularity(Granularity::Week));
    /// assert_eq!(weekly.get_summary().get_granularity(), Granularity::Week);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn summary(mut self, summary: SummaryOptions) -> Self {
        self.summary = summary;
        self
    }

    /// The log's rules and calendar (the shop's UTC offset or zone) for
    /// `customer_summary`.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::chrono::NaiveDate;
    /// use repurchase::{Calendar, LogOptions, SummaryOptions};
    /// use repurchase_datafusion::FunctionOptions;
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let shop = LogOptions::default().calendar("+08:00".parse::<Calendar>()?);
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).log(shop);
    /// assert_eq!(options.get_log(), &shop);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn log(mut self, log: LogOptions) -> Self {
        self.log = log;
        self
    }

    /// Decimal places of an `Int64` amount column (2 for cents).
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).minor_units(2);
    /// assert_eq!(options.get_minor_units(), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn minor_units(mut self, scale: u32) -> Self {
        self.minor_units = Some(scale);
        self
    }

    /// How the `fit_*` aggregates fit.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// use repurchase::models::FitOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).fit(FitOptions::default().tolerance(1e-10));
    /// assert_eq!(options.get_fit().get_tolerance(), 1e-10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn fit(mut self, fit: FitOptions) -> Self {
        self.fit = fit;
        self
    }

    /// Horizon and discounting of `clv`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// use repurchase::clv::ClvOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).clv(ClvOptions::new().months(24));
    /// assert_eq!(options.get_clv().get_months(), 24);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clv(mut self, clv: ClvOptions) -> Self {
        self.clv = clv;
        self
    }

    /// The bands of `churn_band`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// use repurchase::churn::RiskBands;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).risk_bands(RiskBands::new(0.4, 0.7)?);
    /// assert_eq!(options.get_risk_bands(), &RiskBands::new(0.4, 0.7)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn risk_bands(mut self, bands: RiskBands) -> Self {
        self.risk_bands = bands;
        self
    }

    /// What `rfm` measures and how it bins.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// use repurchase::rfm::RfmOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).rfm(RfmOptions::default().bins(4)?);
    /// assert_eq!(options.get_rfm().get_bins(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn rfm(mut self, rfm: RfmOptions) -> Self {
        self.rfm = rfm;
        self
    }

    /// The segments `rfm` names.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// use repurchase::rfm::SegmentTable;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let options = FunctionOptions::new(SummaryOptions::new(end)).segments(SegmentTable::three_tier());
    /// assert_eq!(options.get_segments(), &SegmentTable::three_tier());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn segments(mut self, table: SegmentTable) -> Self {
        self.segments = table;
        self
    }

    /// The summary options.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_summary(), &SummaryOptions::new(end));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_summary(&self) -> &SummaryOptions {
        &self.summary
    }

    /// The log's rules.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::{LogOptions, SummaryOptions}; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_log(), &LogOptions::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_log(&self) -> &LogOptions {
        &self.log
    }

    /// The decimal places of an `Int64` amount column, if set.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_minor_units(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_minor_units(&self) -> Option<u32> {
        self.minor_units
    }

    /// The fit options.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// use repurchase::models::FitOptions;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_fit(), &FitOptions::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_fit(&self) -> &FitOptions {
        &self.fit
    }

    /// The CLV options.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_clv().get_months(), 12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_clv(&self) -> &ClvOptions {
        &self.clv
    }

    /// The churn risk bands.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// use repurchase::churn::RiskBands;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_risk_bands(), &RiskBands::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_risk_bands(&self) -> &RiskBands {
        &self.risk_bands
    }

    /// The RFM options.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_rfm().get_bins(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_rfm(&self) -> &RfmOptions {
        &self.rfm
    }

    /// The RFM segment table.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::chrono::NaiveDate; use repurchase::SummaryOptions; use repurchase_datafusion::FunctionOptions;
    /// # let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// use repurchase::rfm::SegmentTable;
    /// assert_eq!(FunctionOptions::new(SummaryOptions::new(end)).get_segments(), &SegmentTable::r_rfm());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_segments(&self) -> &SegmentTable {
        &self.segments
    }

    /// The model time unit of the summaries (`None` for monthly periods,
    /// which the models cannot use).
    pub(crate) fn model_time(&self) -> Option<ModelTime> {
        self.summary.model_time()
    }
}
