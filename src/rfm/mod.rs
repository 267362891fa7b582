//! RFM scoring: each customer's recency, frequency and monetary value
//! turned into scores 1..=bins, and named segments over those scores
//! ([`SegmentTable`]).
//!
//! Scores are computed from [`Summaries`]. The R dimension is the days
//! since the last purchase, whatever unit the summaries measure `recency`
//! and `T` in, so recency thresholds are always days. A higher score is
//! always better: more recent, more frequent, more spent.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::rfm::{self, RfmOptions, SegmentTable};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//!
//! let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
//! let scores = rfm::score(&summaries, &RfmOptions::default())?;
//! let table = SegmentTable::r_rfm();
//! let segments = table.assign(&scores);
//! let (first, code) = (&segments[0], scores.customers[0].code());
//! println!("customer {} scores {code}: {}", first.customer, table.name(first.segment));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use rust_decimal::Decimal;

use crate::models::model::summaries_time;
use crate::parallel::map_parts;
use crate::{CustomerSummary, Error, Result, Summaries};
use order_statistics::{order_statistics, ordered_bits, select};

mod order_statistics;
mod segments;

pub use segments::{CustomerSegment, Segment, SegmentRule, SegmentSummary, SegmentTable, TableCheck};

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

crate::names::named!(FrequencyMeasure, "FrequencyMeasure", "orders, periods or repeat periods", {
    FrequencyMeasure::Orders => "orders",
    FrequencyMeasure::Periods => "periods",
    FrequencyMeasure::RepeatPeriods => "repeat periods",
});

crate::names::named!(MonetaryMeasure, "MonetaryMeasure", "total or average order", {
    MonetaryMeasure::Total => "total",
    MonetaryMeasure::AverageOrder => "average order",
});

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
    /// SQL `NTILE(bins)`: customers sorted (ties by customer key,
    /// ascending) and cut into `bins` groups whose sizes differ by at most
    /// one, the larger first; group k scores k. Frequency and monetary
    /// value sort ascending; recency sorts as `ORDER BY last_purchase_date`
    /// does, the most time since the last purchase first, so the most
    /// recent customers score highest. Every score is used when there are
    /// at least `bins` customers, at the price of equal values getting
    /// different scores.
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
/// use repurchase::rfm::{Binning, RfmOptions};
///
/// let config = RfmOptions::default().bins(4)?.monetary_binning(Binning::Ntile);
/// assert_eq!(config.get_bins(), 4);
/// assert!(RfmOptions::default().bins(0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RfmOptions {
    bins: u8,
    frequency: FrequencyMeasure,
    monetary: MonetaryMeasure,
    binning: [Binning; 3],
}

crate::stored::deserialize_checked!(RfmOptions { bins: u8, frequency: FrequencyMeasure, monetary: MonetaryMeasure, binning: [Binning; 3] } => {
    let [recency_binning, frequency_binning, monetary_binning] = binning;
    RfmOptions::default().bins(bins).map(|config| {
        config
            .frequency(frequency)
            .monetary(monetary)
            .recency_binning(recency_binning)
            .frequency_binning(frequency_binning)
            .monetary_binning(monetary_binning)
    })
});

impl Default for RfmOptions {
    fn default() -> Self {
        Self {
            bins: 5,
            frequency: FrequencyMeasure::default(),
            monetary: MonetaryMeasure::default(),
            binning: [Binning::Quantile, Binning::Quantile, Binning::Quantile],
        }
    }
}

impl RfmOptions {
    /// Sets the number of scores per dimension (1 to 99).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] outside 1..=99.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::RfmOptions;
    ///
    /// assert_eq!(RfmOptions::default().bins(3)?.get_bins(), 3);
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
    /// use repurchase::rfm::{FrequencyMeasure, RfmOptions};
    ///
    /// let config = RfmOptions::default().frequency(FrequencyMeasure::Periods);
    /// assert_eq!(config.get_frequency(), FrequencyMeasure::Periods);
    /// ```
    #[must_use]
    pub fn frequency(mut self, measure: FrequencyMeasure) -> Self {
        self.frequency = measure;
        self
    }

    /// Sets what the monetary score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{MonetaryMeasure, RfmOptions};
    ///
    /// let config = RfmOptions::default().monetary(MonetaryMeasure::AverageOrder);
    /// assert_eq!(config.get_monetary(), MonetaryMeasure::AverageOrder);
    /// ```
    #[must_use]
    pub fn monetary(mut self, measure: MonetaryMeasure) -> Self {
        self.monetary = measure;
        self
    }

    /// Sets the binning of all three dimensions.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmOptions};
    ///
    /// let config = RfmOptions::default().binning(Binning::Ntile);
    /// assert_eq!(config.get_binning()[2], &Binning::Ntile);
    /// ```
    #[must_use]
    pub fn binning(mut self, binning: Binning) -> Self {
        self.binning = [binning.clone(), binning.clone(), binning];
        self
    }

    /// Sets the recency binning alone.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmOptions};
    ///
    /// let config = RfmOptions::default().recency_binning(Binning::Thresholds(vec![30.0, 90.0]));
    /// assert_eq!(config.get_binning()[1], &Binning::Quantile);
    /// ```
    #[must_use]
    pub fn recency_binning(mut self, binning: Binning) -> Self {
        self.binning[0] = binning;
        self
    }

    /// Sets the frequency binning alone.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmOptions};
    ///
    /// let config = RfmOptions::default().frequency_binning(Binning::Ntile);
    /// assert_eq!(config.get_binning()[1], &Binning::Ntile);
    /// ```
    #[must_use]
    pub fn frequency_binning(mut self, binning: Binning) -> Self {
        self.binning[1] = binning;
        self
    }

    /// Sets the monetary binning alone.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmOptions};
    ///
    /// let config = RfmOptions::default().monetary_binning(Binning::Ntile);
    /// assert_eq!(config.get_binning()[2], &Binning::Ntile);
    /// ```
    #[must_use]
    pub fn monetary_binning(mut self, binning: Binning) -> Self {
        self.binning[2] = binning;
        self
    }

    /// The number of scores per dimension.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(repurchase::rfm::RfmOptions::default().get_bins(), 5);
    /// ```
    pub fn get_bins(&self) -> u8 {
        self.bins
    }

    /// What the frequency score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{FrequencyMeasure, RfmOptions};
    ///
    /// assert_eq!(RfmOptions::default().get_frequency(), FrequencyMeasure::Orders);
    /// ```
    pub fn get_frequency(&self) -> FrequencyMeasure {
        self.frequency
    }

    /// What the monetary score measures.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{MonetaryMeasure, RfmOptions};
    ///
    /// assert_eq!(RfmOptions::default().get_monetary(), MonetaryMeasure::Total);
    /// ```
    pub fn get_monetary(&self) -> MonetaryMeasure {
        self.monetary
    }

    /// The binning of recency, frequency and monetary value.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Binning, RfmOptions};
    ///
    /// assert!(RfmOptions::default().get_binning().iter().all(|b| **b == Binning::Quantile));
    /// ```
    pub fn get_binning(&self) -> [&Binning; 3] {
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
/// use repurchase::rfm::{self, RfmOptions};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
/// let first = &rfm::score(&summaries, &RfmOptions::default())?.customers[0];
/// assert!((1..=5).contains(&first.r) && first.days_since_last >= 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RfmScore<C> {
    /// The customer's key.
    pub customer: C,
    /// Days from the start of the last purchase's period to the start of
    /// the observation end's: `T − recency` in days. Summarised by day
    /// with the observation end at the R `rfm` package's `analysis_date`,
    /// it is that package's `recency_days`.
    pub days_since_last: f64,
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
    /// let s = RfmScore { customer: 1, days_since_last: 3.0, frequency: 7.0, monetary: 120.0, r: 5, f: 4, m: 5 };
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
/// use repurchase::rfm::{self, RfmOptions};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let scores = rfm::score(&summaries, &RfmOptions::default())?;
/// let frequency = &scores.breaks[1];
/// println!("orders: breaks {:?}, {} of 5 scores used", frequency.thresholds, frequency.scores_used);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
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
/// use repurchase::rfm::{self, RfmOptions};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
/// let scores = rfm::score(&summaries, &RfmOptions::default())?;
/// assert_eq!(scores.customers.len(), summaries.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
/// for thresholds that are not finite and strictly increasing, and for
/// summaries in monthly periods (a month is no fixed number of days).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, Binning, RfmOptions};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
/// let config = RfmOptions::default().recency_binning(Binning::Thresholds(vec![90.0, 180.0, 365.0, 540.0]));
/// let scores = rfm::score(&summaries, &config)?;
/// // Bought within the last 90 days: recency score 5.
/// assert!(scores.customers.iter().filter(|s| s.days_since_last < 90.0).all(|s| s.r == 5));
///
/// // Summarised in weeks, the thresholds are still days: the same scores.
/// let weekly = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// assert_eq!(rfm::score(&weekly, &config)?, scores);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score<C: Clone + Ord + Send + Sync>(
    summaries: &Summaries<C>,
    config: &RfmOptions,
) -> Result<RfmScores<C>> {
    let days_per_unit = summaries_time(summaries.options())?.days();
    let summaries = &summaries.customers;
    if summaries.is_empty() {
        return Err(Error::InsufficientData {
            needed: "at least one customer summary",
        });
    }
    // One pass for the values, straight into the output; the scores follow.
    let mut customers: Vec<RfmScore<C>> = summaries
        .iter()
        .map(|s| RfmScore {
            customer: s.customer.clone(),
            // Whole days between period starts: rounding undoes the
            // division of weeks.
            days_since_last: ((s.t - s.recency) * days_per_unit).round(),
            frequency: match config.frequency {
                FrequencyMeasure::Orders => f64::from(s.orders),
                FrequencyMeasure::Periods => f64::from(s.periods()),
                FrequencyMeasure::RepeatPeriods => f64::from(s.frequency),
            },
            monetary: match config.monetary {
                MonetaryMeasure::Total => Some(s.total_spend),
                MonetaryMeasure::AverageOrder => s.mean_order_value(),
            }
            .map_or(0.0, decimal_to_f64),
            r: 1,
            f: 1,
            m: 1,
        })
        .collect();
    // NTILE breaks ties by customer key: each summary's rank in key order,
    // computed once (summaries usually come sorted, so it is their index).
    let key_rank: Vec<usize> = if config.binning.contains(&Binning::Ntile) {
        key_ranks(summaries)
    } else {
        Vec::new()
    };
    let [rb, fb, mb] = &config.binning;
    let dimensions = vec![
        (Dimension::Recency, rb),
        (Dimension::Frequency, fb),
        (Dimension::Monetary, mb),
    ];
    // The three dimensions apart (on three cores with `parallel`).
    let scorers = map_parts(dimensions, |(dimension, binning)| {
        Scorer::new(dimension, binning, config.bins, &customers, &key_rank)
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let [r, f, m] = <[Scorer; 3]>::try_from(scorers).map_err(|_| Error::InsufficientData {
        needed: "three dimensions",
    })?;
    // Scored in fixed pieces, each piece's value ranges merged in order.
    let pieces: Vec<(usize, &mut [RfmScore<C>])> = customers
        .chunks_mut(SCORE_PIECE)
        .enumerate()
        .map(|(k, piece)| (k * SCORE_PIECE, piece))
        .collect();
    let scorers = [&r, &f, &m];
    let mut ranges = scorers.map(Scorer::no_ranges);
    for piece_ranges in map_parts(pieces, |(offset, piece)| {
        let mut ranges = scorers.map(Scorer::no_ranges);
        for (i, customer) in (offset..).zip(piece.iter_mut()) {
            customer.r = r.score(i, customer.days_since_last);
            customer.f = f.score(i, customer.frequency);
            customer.m = m.score(i, customer.monetary);
            let seen = [
                (customer.r, customer.days_since_last),
                (customer.f, customer.frequency),
                (customer.m, customer.monetary),
            ];
            for (ranges, (score, value)) in ranges.iter_mut().zip(seen) {
                if let Some(range) = crate::invariant::item_mut(ranges, usize::from(score) - 1) {
                    widen(range, (value, value));
                }
            }
        }
        ranges
    }) {
        for (all, piece) in ranges.iter_mut().zip(piece_ranges) {
            for (range, &seen) in all.iter_mut().zip(&piece) {
                widen(range, seen);
            }
        }
    }
    let [r_ranges, f_ranges, m_ranges] = ranges;
    Ok(RfmScores {
        customers,
        breaks: [r.breaks(r_ranges), f.breaks(f_ranges), m.breaks(m_ranges)],
    })
}

/// Customers per piece of the scoring pass.
const SCORE_PIECE: usize = 16_384;

/// Widens `range` to cover `seen`. Ranges start empty, as (+∞, −∞):
/// branch-free min and max, where an `Option` cost a branch a value.
#[inline]
fn widen(range: &mut (f64, f64), (lo, hi): (f64, f64)) {
    *range = (range.0.min(lo), range.1.max(hi));
}

/// One of the three values of an [`RfmScore`].
#[derive(Debug, Clone, Copy)]
enum Dimension {
    Recency,
    Frequency,
    Monetary,
}

impl Dimension {
    fn of<C>(self, score: &RfmScore<C>) -> f64 {
        match self {
            Dimension::Recency => score.days_since_last,
            Dimension::Frequency => score.frequency,
            Dimension::Monetary => score.monetary,
        }
    }
}

/// How one dimension's values become scores.
struct Scorer {
    thresholds: Vec<f64>,
    bins: u8,
    /// NTILE's scores, by customer; empty otherwise.
    ntile: Vec<u8>,
    /// Recency: fewer days is better, so the smallest values score highest
    /// (thresholds and quantiles; NTILE's scores are in its order already).
    reverse: bool,
}

impl Scorer {
    fn new<C>(
        dimension: Dimension,
        binning: &Binning,
        bins: u8,
        customers: &[RfmScore<C>],
        key_rank: &[usize],
    ) -> Result<Scorer> {
        let values = || customers.iter().map(|c| dimension.of(c));
        // Recency: less time since the last purchase is better, so the
        // smallest values score highest.
        let reverse = matches!(dimension, Dimension::Recency);
        let (thresholds, bins, ntile_scores) = match binning {
            Binning::Quantile => (quantile_breaks(values(), bins), bins, Vec::new()),
            Binning::Thresholds(thresholds) => {
                check_thresholds(thresholds)?;
                let bins = u8::try_from(thresholds.len() + 1).map_err(|_| Error::InvalidParameter {
                    name: "thresholds",
                    value: thresholds.len().to_string(),
                    expected: "at most 98 breaks",
                })?;
                (thresholds.clone(), bins, Vec::new())
            }
            // NTILE's tiles are the scores. Recency's order is SQL's `ORDER
            // BY last_purchase_date, customer`: the most time since the last
            // purchase first, ties to the lower key first, as in the other
            // two dimensions.
            Binning::Ntile if reverse => {
                let values: Vec<f64> = values().map(|v| -v).collect();
                (Vec::new(), bins, ntile(&values, bins, key_rank))
            }
            Binning::Ntile => {
                let values: Vec<f64> = values().collect();
                (Vec::new(), bins, ntile(&values, bins, key_rank))
            }
        };
        Ok(Scorer {
            thresholds,
            bins,
            ntile: ntile_scores,
            reverse,
        })
    }

    /// The score of customer `i`, whose value is `value`: its NTILE, or
    /// value bin b (1-based, by ascending value) scores b, or bins + 1 − b
    /// reversed.
    #[inline]
    fn score(&self, i: usize, value: f64) -> u8 {
        if let Some(&score) = self.ntile.get(i) {
            return score;
        }
        // Value bin 1 + #{breaks ≤ value}: a branch-free count over the few
        // breaks.
        let below = self.thresholds.iter().filter(|t| **t <= value).count();
        let bin = 1 + u8::try_from(below).unwrap_or(u8::MAX - 1);
        if self.reverse { self.bins + 1 - bin } else { bin }
    }

    /// One empty range a score.
    fn no_ranges(&self) -> Vec<(f64, f64)> {
        vec![(f64::INFINITY, f64::NEG_INFINITY); usize::from(self.bins)]
    }

    /// The dimension's breaks, with the range of values seen at each
    /// score (`None` where none was).
    fn breaks(self, ranges: Vec<(f64, f64)>) -> DimensionBreaks {
        let ranges: Vec<Option<(f64, f64)>> = ranges
            .into_iter()
            .map(|(lo, hi)| (lo <= hi).then_some((lo, hi)))
            .collect();
        let scores_used = u8::try_from(ranges.iter().filter(|r| r.is_some()).count()).unwrap_or(self.bins);
        DimensionBreaks {
            thresholds: self.thresholds,
            bins: self.bins,
            scores_used,
            ranges,
        }
    }
}

/// The R `rfm` breaks: type-7 quantiles at k / bins, k = 1..bins − 1, plus 1.
fn quantile_breaks(values: impl ExactSizeIterator<Item = f64> + Clone, bins: u8) -> Vec<f64> {
    let n = values.len();
    // Quantile k lies between the values ranked ⌊h⌋ and ⌊h⌋ + 1.
    let positions: Vec<(usize, f64)> = (1..bins)
        .map(|k| {
            let h = (n - 1) as f64 * f64::from(k) / f64::from(bins);
            (h.floor() as usize, h - h.floor())
        })
        .collect();
    let ranks: Vec<usize> = positions.iter().flat_map(|&(lo, _)| [lo, lo + 1]).collect();
    let ranked = order_statistics(values, &ranks);
    positions
        .iter()
        .zip(ranked.chunks(2))
        .map(|(&(_, fraction), pair)| {
            let (low, high) = match *pair {
                [Some(low), high] => (low, high.unwrap_or(low)),
                _ => (0.0, 0.0),
            };
            // As R computes it: (1 − h) x_lo + h x_hi, and x_lo itself on a tie.
            let q = if high != low {
                (1.0 - fraction) * low + fraction * high
            } else {
                low
            };
            q + 1.0
        })
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
        if let Some(slot) = crate::invariant::item_mut(&mut rank, i) {
            *slot = position;
        }
    }
    rank
}

/// SQL NTILE: ranks by (value, key rank); the first `n mod bins` groups
/// get one extra member. Nothing is sorted: a group is known by its first
/// member, selected by rank among integers whose order is `f64::total_cmp`'s
/// on the value, then the key rank's.
fn ntile(values: &[f64], bins: u8, key_rank: &[usize]) -> Vec<u8> {
    // NTILE's order, as one distinct integer: the value, then the key.
    let keys = values.iter().enumerate().map(|(i, v)| {
        let rank = crate::invariant::item(key_rank, i).copied().unwrap_or(i);
        (u128::from(ordered_bits(*v)) << 64) | rank as u128
    });
    // Groups 0..extra hold size + 1 members, the rest size: the first
    // member of each group after the first.
    let (n, bins_n) = (values.len(), usize::from(bins));
    let (size, extra) = (n / bins_n, n % bins_n);
    let starts: Vec<usize> = (1..bins_n).map(|g| g * size + g.min(extra)).collect();
    let firsts: Vec<u128> = select(keys.clone(), &starts).into_iter().flatten().collect();
    // A customer's group: how many groups start at or before it.
    keys.map(|key| {
        let group = firsts.iter().filter(|first| **first <= key).count();
        u8::try_from(group + 1).unwrap_or(bins)
    })
    .collect()
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
#[inline]
fn decimal_to_f64(d: Decimal) -> f64 {
    const POWERS: [f64; 29] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
    ];
    let scale = POWERS.get(d.scale() as usize).copied().unwrap_or(1e28);
    // Through i64 where the mantissa fits: the same rounding, a cheaper
    // conversion than i128's.
    let mantissa = d.mantissa();
    let mantissa = i64::try_from(mantissa).map_or_else(|_| mantissa as f64, |m| m as f64);
    mantissa / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// NTILE by its definition: sort by (value, key rank), then deal the
    /// ranks into groups of size + 1 (the first n mod bins) and size.
    fn ntile_by_sorting(values: &[f64], bins: u8, key_rank: &[usize]) -> Vec<u8> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| {
            values[a]
                .total_cmp(&values[b])
                .then(key_rank[a].cmp(&key_rank[b]))
        });
        let (n, bins_n) = (values.len(), usize::from(bins));
        let (size, extra) = (n / bins_n, n % bins_n);
        let mut out = vec![0_u8; n];
        let mut rank = 0;
        for group in 0..bins_n {
            let members = size + usize::from(group < extra);
            for &i in &order[rank..rank + members] {
                out[i] = group as u8 + 1;
            }
            rank += members;
        }
        out
    }

    /// A shuffled permutation of `0..n`, seeded.
    fn shuffled_ranks(n: usize, mut state: u64) -> Vec<usize> {
        let mut ranks: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ranks.swap(i, (state >> 33) as usize % (i + 1));
        }
        ranks
    }

    #[test]
    fn ntile_past_the_histogram_threshold_deals_ranks_as_sql_does() {
        // More values than the sorted-copy path takes, with heavy ties
        // broken by a shuffled key order.
        let n = 200_003;
        let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 37) as f64 * 2.5 - 20.0).collect();
        let key_rank = shuffled_ranks(n, 11);
        for bins in [1, 3, 5, 10] {
            assert_eq!(
                ntile(&values, bins, &key_rank),
                ntile_by_sorting(&values, bins, &key_rank),
                "{bins} bins"
            );
        }
    }

    proptest! {
        #[test]
        fn ntile_equals_sorting_and_dealing(
            values in prop::collection::vec((0_u8..6).prop_map(f64::from), 0..60),
            bins in 1_u8..9,
            seed in any::<u64>(),
        ) {
            let key_rank = shuffled_ranks(values.len(), seed);
            prop_assert_eq!(ntile(&values, bins, &key_rank), ntile_by_sorting(&values, bins, &key_rank));
        }
    }
}
