//! RFM scoring: each customer's recency, frequency and monetary value
//! turned into scores 1..=bins, and named segments over those scores
//! ([`SegmentTable`]).
//!
//! Scores are computed from [`CustomerSummary`] values, so recency is in
//! the unit the summaries were made in (summarise with
//! [`TimeUnit::Days`](crate::TimeUnit::Days) for days since the last
//! purchase). A higher score is always better: more recent, more frequent,
//! more spent.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::rfm::{self, RfmConfig, SegmentTable};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//!
//! let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
//! let scores = rfm::score(&summaries.customers, &RfmConfig::default())?;
//! let segments = SegmentTable::r_rfm().assign(&scores);
//! println!("customer {} scores {} and is in {}", scores.customers[0].customer, scores.customers[0].code(), segments[0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use rust_decimal::Decimal;

use crate::parallel::map_parts;
use crate::{CustomerSummary, Error, Result};

mod segments;

pub use segments::{Segment, SegmentRule, SegmentSummary, SegmentTable, TableCheck};

/// What the frequency score measures.
///
/// # Example
///
/// ```
/// use repurchase::rfm::FrequencyMeasure;
///
/// assert_eq!(FrequencyMeasure::default(), FrequencyMeasure::Orders);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum FrequencyMeasure {
    /// Orders (the R `rfm` package's transaction count).
    #[default]
    Orders,
    /// Purchase periods, the first included.
    Periods,
    /// Repeat purchase periods (lifetimes' frequency).
    RepeatPeriods,
}

/// What the monetary score measures.
///
/// # Example
///
/// ```
/// use repurchase::rfm::MonetaryMeasure;
///
/// assert_eq!(MonetaryMeasure::default(), MonetaryMeasure::Total);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum MonetaryMeasure {
    /// Total spend (the R `rfm` package's revenue).
    #[default]
    Total,
    /// Average order value.
    AverageOrder,
}

/// How a dimension's values become scores.
///
/// # Example
///
/// ```
/// use repurchase::rfm::Binning;
///
/// let mine = Binning::Thresholds(vec![2.0, 5.0, 10.0]); // four scores
/// assert_ne!(mine, Binning::Quantile);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Binning {
    /// The R `rfm` package's convention: interior breaks at the
    /// `k / bins` quantiles (R's default, type 7) plus one unit, and a value
    /// scores one more than the number of breaks it reaches. Equal values
    /// always get equal scores, so a heavily tied dimension may use fewer
    /// scores than `bins`: [`DimensionBreaks::scores_used`] says how many.
    /// The "plus one" is the package's, designed for whole days and counts
    /// (a value equal to a quantile stays below it); money gets it too.
    #[default]
    Quantile,
    /// SQL `NTILE(bins)`: customers sorted by value (ties by customer key,
    /// ascending) and cut into `bins` groups whose sizes differ by at most
    /// one, the larger first. Every score is used when there are at least
    /// `bins` customers, at the price of equal values getting different
    /// scores.
    Ntile,
    /// The caller's breaks, strictly increasing: a value scores one more
    /// than the number of breaks it reaches (`value ≥ break`), so `n`
    /// breaks make `n + 1` scores, overriding `bins`.
    Thresholds(Vec<f64>),
}

/// What RFM scores measure and how they are binned.
///
/// | field | default |
/// |---|---|
/// | bins | 5 |
/// | frequency | [`FrequencyMeasure::Orders`] |
/// | monetary | [`MonetaryMeasure::Total`] |
/// | binning (each dimension) | [`Binning::Quantile`] |
///
/// # Example
///
/// ```
/// use repurchase::rfm::{Binning, RfmConfig};
///
/// let config = RfmConfig::default().bins(4)?.monetary_binning(Binning::Ntile);
/// assert_eq!(config.bins_of(), 4);
/// assert!(RfmConfig::default().bins(0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RfmConfig {
    bins: u8,
    frequency: FrequencyMeasure,
    monetary: MonetaryMeasure,
    binning: [Binning; 3],
}

impl Default for RfmConfig {
    fn default() -> Self {
        Self {
            bins: 5,
            frequency: FrequencyMeasure::default(),
            monetary: MonetaryMeasure::default(),
            binning: [Binning::Quantile, Binning::Quantile, Binning::Quantile],
        }
    }
}

impl RfmConfig {
    /// Sets the number of scores per dimension (1 to 99).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] outside 1..=99.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::RfmConfig;
    ///
    /// assert_eq!(RfmConfig::default().bins(3)?.bins_of(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bins(mut self, bins: u8) -> Result<Self> {
        if !(1..=99).contains(&bins) {
            return Err(Error::InvalidParameter {
                name: "bins",
                value: bins.to_string(),
                expected: "a number of scores from 1 to 99",
            });
        }
        self.bins = bins;
        Ok(self)
    }

    /// Sets what the frequency score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{FrequencyMeasure, RfmConfig};
    ///
    /// let config = RfmConfig::default().frequency(FrequencyMeasure::Periods);
    /// assert_eq!(config.frequency_of(), FrequencyMeasure::Periods);
    /// ```
    pub fn frequency(mut self, measure: FrequencyMeasure) -> Self {
        self.frequency = measure;
        self
    }

    /// Sets what the monetary score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{MonetaryMeasure, RfmConfig};
    ///
    /// let config = RfmConfig::default().monetary(MonetaryMeasure::AverageOrder);
    /// assert_eq!(config.monetary_of(), MonetaryMeasure::AverageOrder);
    /// ```
    pub fn monetary(mut self, measure: MonetaryMeasure) -> Self {
        self.monetary = measure;
        self
    }

    /// Sets the binning of all three dimensions.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmConfig};
    ///
    /// let config = RfmConfig::default().binning(Binning::Ntile);
    /// assert_eq!(config.binning_of()[2], &Binning::Ntile);
    /// ```
    pub fn binning(mut self, binning: Binning) -> Self {
        self.binning = [binning.clone(), binning.clone(), binning];
        self
    }

    /// Sets the recency binning alone.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmConfig};
    ///
    /// let config = RfmConfig::default().recency_binning(Binning::Thresholds(vec![30.0, 90.0]));
    /// assert_eq!(config.binning_of()[1], &Binning::Quantile);
    /// ```
    pub fn recency_binning(mut self, binning: Binning) -> Self {
        self.binning[0] = binning;
        self
    }

    /// Sets the frequency binning alone.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmConfig};
    ///
    /// let config = RfmConfig::default().frequency_binning(Binning::Ntile);
    /// assert_eq!(config.binning_of()[1], &Binning::Ntile);
    /// ```
    pub fn frequency_binning(mut self, binning: Binning) -> Self {
        self.binning[1] = binning;
        self
    }

    /// Sets the monetary binning alone.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmConfig};
    ///
    /// let config = RfmConfig::default().monetary_binning(Binning::Ntile);
    /// assert_eq!(config.binning_of()[2], &Binning::Ntile);
    /// ```
    pub fn monetary_binning(mut self, binning: Binning) -> Self {
        self.binning[2] = binning;
        self
    }

    /// The number of scores per dimension.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(repurchase::rfm::RfmConfig::default().bins_of(), 5);
    /// ```
    pub fn bins_of(&self) -> u8 {
        self.bins
    }

    /// What the frequency score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{FrequencyMeasure, RfmConfig};
    ///
    /// assert_eq!(RfmConfig::default().frequency_of(), FrequencyMeasure::Orders);
    /// ```
    pub fn frequency_of(&self) -> FrequencyMeasure {
        self.frequency
    }

    /// What the monetary score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{MonetaryMeasure, RfmConfig};
    ///
    /// assert_eq!(RfmConfig::default().monetary_of(), MonetaryMeasure::Total);
    /// ```
    pub fn monetary_of(&self) -> MonetaryMeasure {
        self.monetary
    }

    /// The binning of recency, frequency and monetary value.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmConfig};
    ///
    /// assert!(RfmConfig::default().binning_of().iter().all(|b| **b == Binning::Quantile));
    /// ```
    pub fn binning_of(&self) -> [&Binning; 3] {
        [&self.binning[0], &self.binning[1], &self.binning[2]]
    }
}

/// A combined RFM code such as 545: recency, frequency and monetary score.
///
/// # Example
///
/// ```
/// use repurchase::rfm::RfmCode;
///
/// assert_eq!(RfmCode { r: 5, f: 4, m: 5 }.to_string(), "545");
/// assert_eq!(RfmCode { r: 10, f: 4, m: 5 }.to_string(), "10-4-5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RfmCode {
    /// Recency score: higher is more recent.
    pub r: u8,
    /// Frequency score: higher is more frequent.
    pub f: u8,
    /// Monetary score: higher is more spent.
    pub m: u8,
}

impl fmt::Display for RfmCode {
    /// Three digits while every score is below 10, else dash-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.r < 10 && self.f < 10 && self.m < 10 {
            write!(f, "{}{}{}", self.r, self.f, self.m)
        } else {
            write!(f, "{}-{}-{}", self.r, self.f, self.m)
        }
    }
}

/// One customer's RFM values and scores.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmConfig};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
/// let first = &rfm::score(&summaries.customers, &RfmConfig::default())?.customers[0];
/// assert!((1..=5).contains(&first.r) && first.recency >= 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RfmScore<C> {
    /// The customer's key.
    pub customer: C,
    /// Time since the last purchase, in the summaries' unit (T − recency).
    pub recency: f64,
    /// The frequency measure's value.
    pub frequency: f64,
    /// The monetary measure's value (as f64; 0 without an order value).
    pub monetary: f64,
    /// Recency score, 1..=bins.
    pub r: u8,
    /// Frequency score, 1..=bins.
    pub f: u8,
    /// Monetary score, 1..=bins.
    pub m: u8,
}

impl<C> RfmScore<C> {
    /// The combined code, e.g. 545.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::RfmScore;
    ///
    /// let s = RfmScore { customer: 1, recency: 3.0, frequency: 7.0, monetary: 120.0, r: 5, f: 4, m: 5 };
    /// assert_eq!(s.code().to_string(), "545");
    /// ```
    pub fn code(&self) -> RfmCode {
        RfmCode {
            r: self.r,
            f: self.f,
            m: self.m,
        }
    }
}

/// The breaks one dimension was scored with.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmConfig};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let scores = rfm::score(&summaries.customers, &RfmConfig::default())?;
/// let frequency = &scores.breaks[1];
/// println!("orders: breaks {:?}, {} of 5 scores used", frequency.thresholds, frequency.scores_used);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DimensionBreaks {
    /// The breaks, ascending in value: a value reaching `k` of them is in
    /// the k-th value bin. Empty for [`Binning::Ntile`].
    pub thresholds: Vec<f64>,
    /// The number of scores the dimension has.
    pub bins: u8,
    /// How many of them some customer got: fewer than `bins` when ties or
    /// the thresholds leave some empty.
    pub scores_used: u8,
    /// The smallest and largest value with each score, score 1 first;
    /// `None` for an unused score.
    pub ranges: Vec<Option<(f64, f64)>>,
}

/// RFM scores of a customer base.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmConfig};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let scores = rfm::score(&summaries.customers, &RfmConfig::default())?;
/// assert_eq!(scores.customers.len(), summaries.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RfmScores<C> {
    /// One score per summary, in the summaries' order.
    pub customers: Vec<RfmScore<C>>,
    /// The breaks used for recency, frequency and monetary value.
    pub breaks: [DimensionBreaks; 3],
}

/// Scores every customer (see [`Binning`] for the rules).
///
/// # Errors
///
/// [`Error::InsufficientData`] for no summaries; [`Error::InvalidParameter`]
/// for thresholds that are not finite and strictly increasing.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, Binning, RfmConfig};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
/// let config = RfmConfig::default().recency_binning(Binning::Thresholds(vec![90.0, 180.0, 365.0, 540.0]));
/// let scores = rfm::score(&summaries.customers, &config)?;
/// // Bought within the last 90 days: recency score 5.
/// assert!(scores.customers.iter().filter(|s| s.recency < 90.0).all(|s| s.r == 5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score<C: Clone + Ord>(summaries: &[CustomerSummary<C>], config: &RfmConfig) -> Result<RfmScores<C>> {
    if summaries.is_empty() {
        return Err(Error::InsufficientData {
            needed: "at least one customer summary",
        });
    }
    let recency: Vec<f64> = summaries.iter().map(|s| s.t - s.recency).collect();
    let frequency: Vec<f64> = summaries
        .iter()
        .map(|s| match config.frequency {
            FrequencyMeasure::Orders => f64::from(s.orders),
            FrequencyMeasure::Periods => f64::from(s.periods),
            FrequencyMeasure::RepeatPeriods => f64::from(s.frequency),
        })
        .collect();
    let monetary: Vec<f64> = summaries
        .iter()
        .map(|s| {
            let value = match config.monetary {
                MonetaryMeasure::Total => Some(s.total_spend),
                MonetaryMeasure::AverageOrder => s.mean_order_value,
            };
            value.map_or(0.0, decimal_to_f64)
        })
        .collect();
    let [rb, fb, mb] = &config.binning;
    // NTILE breaks ties by customer key: each summary's rank in key order,
    // computed once (summaries usually come sorted, so it is their index).
    let key_rank: Vec<usize> = if config.binning.contains(&Binning::Ntile) {
        key_ranks(summaries)
    } else {
        Vec::new()
    };
    // The three dimensions apart (on three cores with `parallel`).
    // Recency: fewer days is better, so its scores run the other way.
    let dimensions = vec![
        (&recency, rb, true),
        (&frequency, fb, false),
        (&monetary, mb, false),
    ];
    let mut binned = map_parts(dimensions, |(values, binning, reverse)| {
        bin(values, binning, config.bins, reverse, &key_rank)
    })
    .into_iter();
    let mut next = || {
        binned.next().unwrap_or(Err(Error::InsufficientData {
            needed: "three dimensions",
        }))
    };
    let ((r, r_breaks), (f, f_breaks), (m, m_breaks)) = (next()?, next()?, next()?);
    let customers = summaries
        .iter()
        .enumerate()
        .map(|(i, s)| RfmScore {
            customer: s.customer.clone(),
            recency: recency.get(i).copied().unwrap_or(0.0),
            frequency: frequency.get(i).copied().unwrap_or(0.0),
            monetary: monetary.get(i).copied().unwrap_or(0.0),
            r: r.get(i).copied().unwrap_or(1),
            f: f.get(i).copied().unwrap_or(1),
            m: m.get(i).copied().unwrap_or(1),
        })
        .collect();
    Ok(RfmScores {
        customers,
        breaks: [r_breaks, f_breaks, m_breaks],
    })
}

/// One dimension's scores and breaks. `reverse` makes the smallest values
/// score highest.
fn bin(
    values: &[f64],
    binning: &Binning,
    bins: u8,
    reverse: bool,
    key_rank: &[usize],
) -> Result<(Vec<u8>, DimensionBreaks)> {
    let (value_bins, thresholds, bins) = match binning {
        Binning::Quantile => {
            let thresholds = quantile_breaks(values, bins);
            (by_thresholds(values, &thresholds), thresholds, bins)
        }
        Binning::Thresholds(thresholds) => {
            check_thresholds(thresholds)?;
            let bins = u8::try_from(thresholds.len() + 1).map_err(|_| Error::InvalidParameter {
                name: "thresholds",
                value: thresholds.len().to_string(),
                expected: "at most 98 breaks",
            })?;
            (by_thresholds(values, thresholds), thresholds.clone(), bins)
        }
        Binning::Ntile => (ntile(values, bins, key_rank), Vec::new(), bins),
    };
    // Value bin b (1-based, ascending values) scores b, or bins + 1 − b.
    let scores: Vec<u8> = value_bins
        .iter()
        .map(|b| if reverse { bins + 1 - b } else { *b })
        .collect();
    let mut ranges: Vec<Option<(f64, f64)>> = vec![None; usize::from(bins)];
    for (v, s) in values.iter().zip(&scores) {
        if let Some(range) = ranges.get_mut(usize::from(*s) - 1) {
            *range = Some(range.map_or((*v, *v), |(lo, hi)| (lo.min(*v), hi.max(*v))));
        }
    }
    let scores_used = u8::try_from(ranges.iter().filter(|r| r.is_some()).count()).unwrap_or(bins);
    Ok((
        scores,
        DimensionBreaks {
            thresholds,
            bins,
            scores_used,
            ranges,
        },
    ))
}

/// The R `rfm` breaks: type-7 quantiles at k / bins, k = 1..bins − 1, plus 1.
fn quantile_breaks(values: &[f64], bins: u8) -> Vec<f64> {
    let mut sorted = values.to_vec();
    let n = sorted.len();
    let mut breaks = Vec::with_capacity(usize::from(bins).saturating_sub(1));
    // Quantiles ascend, so each selection narrows the slice the next one
    // searches: O(n) per break rather than a full sort.
    let mut from = 0;
    for k in 1..bins {
        let h = (n - 1) as f64 * f64::from(k) / f64::from(bins);
        let lo = h.floor() as usize;
        let Some(rest) = sorted.get_mut(from..) else { break };
        let (_, at, above) = rest.select_nth_unstable_by(lo - from, f64::total_cmp);
        let low = *at;
        let high = above.iter().copied().fold(f64::INFINITY, f64::min);
        // As R computes it: (1 − h) x_lo + h x_hi, and x_lo itself on a tie.
        let fraction = h - lo as f64;
        let q = if lo + 1 < n && high != low {
            (1.0 - fraction) * low + fraction * high
        } else {
            low
        };
        breaks.push(q + 1.0);
        from = lo;
    }
    breaks
}

/// Value bin 1 + #{breaks ≤ value} for every value.
fn by_thresholds(values: &[f64], thresholds: &[f64]) -> Vec<u8> {
    values
        .iter()
        .map(|v| 1 + u8::try_from(thresholds.partition_point(|t| t <= v)).unwrap_or(u8::MAX - 1))
        .collect()
}

/// Each summary's position in key order.
fn key_ranks<C: Ord>(summaries: &[CustomerSummary<C>]) -> Vec<usize> {
    if summaries
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.customer <= b.customer))
    {
        return (0..summaries.len()).collect();
    }
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    order.sort_by(|&a, &b| {
        summaries
            .get(a)
            .map(|s| &s.customer)
            .cmp(&summaries.get(b).map(|s| &s.customer))
    });
    let mut rank = vec![0; summaries.len()];
    for (position, i) in order.into_iter().enumerate() {
        if let Some(slot) = rank.get_mut(i) {
            *slot = position;
        }
    }
    rank
}

/// SQL NTILE: ranks by (value, key rank); the first `n mod bins` groups
/// get one extra member. Values are sorted as integers whose order is
/// `f64::total_cmp`'s, which sorts several times faster than comparing
/// through closures.
fn ntile(values: &[f64], bins: u8, key_rank: &[usize]) -> Vec<u8> {
    let n = values.len();
    let ordered_bits = |v: f64| {
        let bits = v.to_bits();
        if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
    };
    let mut order: Vec<(u64, usize, usize)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (ordered_bits(*v), key_rank.get(i).copied().unwrap_or(i), i))
        .collect();
    order.sort_unstable();
    let bins_n = usize::from(bins);
    let (size, extra) = (n / bins_n, n % bins_n);
    let mut out = vec![1_u8; n];
    for (rank, (_, _, i)) in order.into_iter().enumerate() {
        // Groups 0..extra hold size + 1 members, the rest size.
        let group = if rank < extra * (size + 1) {
            rank / (size + 1)
        } else {
            extra + (rank - extra * (size + 1)) / size.max(1)
        };
        if let Some(slot) = out.get_mut(i) {
            *slot = u8::try_from(group + 1).unwrap_or(bins);
        }
    }
    out
}

fn check_thresholds(thresholds: &[f64]) -> Result<()> {
    let increasing = thresholds.windows(2).all(|w| matches!(w, [a, b] if a < b));
    if !increasing || thresholds.iter().any(|t| !t.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "thresholds",
            value: format!("{thresholds:?}"),
            expected: "finite breaks in strictly increasing order",
        });
    }
    Ok(())
}

/// A Decimal as f64: the mantissa over a power of ten, several times faster
/// than `ToPrimitive::to_f64` and within an ulp or two of it, which is all
/// binning needs (equal amounts stay equal).
fn decimal_to_f64(d: Decimal) -> f64 {
    const POWERS: [f64; 29] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
    ];
    let scale = POWERS.get(d.scale() as usize).copied().unwrap_or(1e28);
    d.mantissa() as f64 / scale
}
