//! Rates, day-count distributions and histograms shared by the metrics.

use std::collections::BTreeMap;

use crate::{Error, Result};

/// A share with its parts: `numerator` of `denominator`, and `rate` =
/// `numerator / denominator`, `None` for an empty denominator (never NaN).
///
/// Invariant: `numerator ≤ denominator`, so `rate` is in [0, 1].
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let rate = metrics::repurchase_rate(&cdnow_sample()?.summarize(&SummaryOptions::new(end)));
/// assert_eq!((rate.numerator, rate.denominator), (1_139, 2_357));
/// assert!(rate.rate.is_some_and(|r| (0.0..=1.0).contains(&r)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Rate {
    /// Members with the property.
    pub numerator: u64,
    /// Members considered.
    pub denominator: u64,
    /// `numerator / denominator`; `None` when `denominator` is 0.
    pub rate: Option<f64>,
}

impl Rate {
    pub(crate) fn new(numerator: u64, denominator: u64) -> Self {
        let numerator = numerator.min(denominator);
        let rate = (denominator > 0).then(|| numerator as f64 / denominator as f64);
        Self {
            numerator,
            denominator,
            rate,
        }
    }
}

/// The distribution of a whole number of days: count, mean, extremes and
/// quantiles, each `None` when there is no value.
///
/// Quantiles interpolate linearly between order statistics, as pandas'
/// `quantile()` and R's type 7 do: for `n` sorted values `x₀ … xₙ₋₁` the
/// `p` quantile is `x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋₊₁ − x_⌊h⌋)` with `h = (n − 1)p`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let second = metrics::time_to_second_purchase(&cdnow_sample()?, &SummaryOptions::new(end));
/// let days = second.days;
/// assert_eq!(days.count, 1_139);
/// assert!(days.p25 <= days.median && days.median <= days.p75);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DayStats {
    /// Number of values.
    pub count: u64,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Smallest value.
    pub min: Option<u32>,
    /// 10th percentile.
    pub p10: Option<f64>,
    /// 25th percentile (first quartile).
    pub p25: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// 75th percentile (third quartile).
    pub p75: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// Largest value.
    pub max: Option<u32>,
}

/// Bin edges for a histogram of days: edges `e₀ < e₁ < … < eₘ₋₁` make the
/// bins `[0, e₀)`, `[e₀, e₁)`, …, `[eₘ₋₁, ∞)`.
///
/// # Example
///
/// ```
/// use repurchase::metrics::HistogramBins;
///
/// let weekly = HistogramBins::new(vec![7, 14, 30, 60, 90])?;
/// assert_eq!(weekly.edges(), [7, 14, 30, 60, 90]);
/// assert!(HistogramBins::new(vec![30, 7]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HistogramBins {
    edges: Vec<u32>,
}

crate::stored::deserialize_checked!(HistogramBins { edges: Vec<u32> } => HistogramBins::new(edges));

impl HistogramBins {
    /// Bins with the given edges, in days.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the edges are not strictly
    /// increasing or the first is 0 (which would make an empty bin).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::metrics::HistogramBins;
    ///
    /// assert!(HistogramBins::new(vec![30, 60, 90]).is_ok());
    /// assert!(HistogramBins::new(vec![0, 30]).is_err());
    /// ```
    pub fn new(edges: Vec<u32>) -> Result<Self> {
        let increasing = edges.windows(2).all(|w| matches!(w, [a, b] if a < b));
        if !increasing || edges.first() == Some(&0) {
            return Err(Error::InvalidParameter {
                name: "edges",
                value: format!("{edges:?}"),
                expected: "strictly increasing day counts, the first above 0",
            });
        }
        Ok(Self { edges })
    }

    /// The edges.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::metrics::HistogramBins;
    ///
    /// assert_eq!(HistogramBins::default().edges(), [7, 14, 30, 60, 90, 180, 365]);
    /// ```
    pub fn edges(&self) -> &[u32] {
        &self.edges
    }
}

impl Default for HistogramBins {
    /// A week, two weeks, a month, two and three months, half a year, a year.
    fn default() -> Self {
        Self {
            edges: vec![7, 14, 30, 60, 90, 180, 365],
        }
    }
}

/// Counts per bin, with the edges that made the bins (see
/// [`HistogramBins`]): `counts.len() == edges.len() + 1`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let cycle = metrics::purchase_cycle(&cdnow_sample()?, &SummaryOptions::new(end), &Default::default());
/// let h = &cycle.histogram;
/// assert_eq!(h.counts.len(), h.edges.len() + 1);
/// assert_eq!(h.counts.iter().sum::<u64>(), cycle.intervals.count);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Histogram {
    /// Bin edges in days.
    pub edges: Vec<u32>,
    /// Values per bin.
    pub counts: Vec<u64>,
}

/// Values below this many days are counted in a dense table; rarer, larger
/// ones in a map, so a custom valid range spanning millennia cannot make
/// the table huge.
const DENSE_DAYS: usize = 1 << 16;

/// Exact counts of day values, from which any quantile is read without
/// sorting: O(values + range).
#[derive(Debug, Clone, Default)]
pub(crate) struct DayCounts {
    dense: Vec<u64>,
    sparse: BTreeMap<u32, u64>,
    count: u64,
    sum: u128,
}

impl DayCounts {
    pub(crate) fn add(&mut self, days: u32) {
        self.count += 1;
        self.sum += u128::from(days);
        let i = days as usize;
        if i < DENSE_DAYS {
            if self.dense.len() <= i {
                self.dense.resize(i + 1, 0);
            }
            if let Some(c) = crate::invariant::item_mut(&mut self.dense, i) {
                *c += 1;
            }
        } else {
            *self.sparse.entry(days).or_insert(0) += 1;
        }
    }

    /// `(value, count)` in increasing value order.
    fn values(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(v, c)| (v as u32, *c));
        dense.chain(self.sparse.iter().map(|(v, c)| (*v, *c)))
    }

    pub(crate) fn stats(&self) -> DayStats {
        if self.count == 0 {
            return DayStats::default();
        }
        let [p10, p25, median, p75, p90] = self.quantiles([0.1, 0.25, 0.5, 0.75, 0.9]);
        DayStats {
            count: self.count,
            mean: Some(self.sum as f64 / self.count as f64),
            min: self.values().next().map(|(v, _)| v),
            p10,
            p25,
            median,
            p75,
            p90,
            max: self.values().last().map(|(v, _)| v),
        }
    }

    /// Linear-interpolation quantiles for increasing `ps`.
    fn quantiles<const N: usize>(&self, ps: [f64; N]) -> [Option<f64>; N] {
        let mut out = [None; N];
        if self.count == 0 {
            return out;
        }
        // The order statistics needed, ⌊h⌋ and ⌊h⌋ + 1 for each p, resolved
        // in one increasing scan over the counts.
        let last = self.count - 1;
        let positions = ps.map(|p| {
            let h = last as f64 * p;
            let lo = h.floor() as u64;
            (lo, (lo + 1).min(last), h - h.floor())
        });
        let mut needed: Vec<u64> = positions.iter().flat_map(|&(lo, hi, _)| [lo, hi]).collect();
        needed.sort_unstable();
        needed.dedup();
        let mut resolved = Vec::with_capacity(needed.len());
        let mut wanted = needed.iter().peekable();
        let mut seen = 0_u64;
        for (value, count) in self.values() {
            seen += count;
            // Position k holds `value` while the cumulative count exceeds k.
            while let Some(&&k) = wanted.peek() {
                if k >= seen {
                    break;
                }
                resolved.push(f64::from(value));
                wanted.next();
            }
        }
        let at = |k: u64| {
            needed
                .binary_search(&k)
                .ok()
                .and_then(|i| resolved.get(i))
                .copied()
        };
        for (slot, (lo, hi, frac)) in out.iter_mut().zip(positions) {
            if let (Some(x_lo), Some(x_hi)) = (at(lo), at(hi)) {
                *slot = Some(x_lo + frac * (x_hi - x_lo));
            }
        }
        out
    }

    pub(crate) fn histogram(&self, bins: &HistogramBins) -> Histogram {
        let mut counts = vec![0_u64; bins.edges.len() + 1];
        for (value, count) in self.values() {
            let bin = bins.edges.partition_point(|&e| e <= value);
            if let Some(c) = crate::invariant::item_mut(&mut counts, bin) {
                *c += count;
            }
        }
        Histogram {
            edges: bins.edges.clone(),
            counts,
        }
    }
}

/// Linear-interpolation quantile of sorted values; `None` when empty.
pub(crate) fn quantile_sorted(sorted: &[u32], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p;
    let lo = h.floor() as usize;
    let x_lo = f64::from(*sorted.get(lo)?);
    let x_hi = f64::from(*sorted.get((lo + 1).min(last))?);
    Some(x_lo + (h - h.floor()) * (x_hi - x_lo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn counted_quantiles_equal_sorted_quantiles(
            mut values in prop::collection::vec(prop_oneof![0_u32..400, 60_000_u32..70_000], 1..200),
        ) {
            let mut counts = DayCounts::default();
            values.iter().for_each(|&v| counts.add(v));
            values.sort_unstable();
            let stats = counts.stats();
            prop_assert_eq!(stats.median, quantile_sorted(&values, 0.5));
            prop_assert_eq!(stats.p10, quantile_sorted(&values, 0.1));
            prop_assert_eq!(stats.p90, quantile_sorted(&values, 0.9));
            prop_assert_eq!(stats.min, values.first().copied());
            prop_assert_eq!(stats.max, values.last().copied());
        }
    }

    #[test]
    fn quantiles_match_pandas_on_a_worked_example() {
        // pandas.Series([1, 2, 4, 8, 30]).quantile([.1, .25, .5, .75, .9])
        // = 1.4, 2.0, 4.0, 8.0, 21.2
        let mut counts = DayCounts::default();
        [8, 1, 30, 2, 4].into_iter().for_each(|v| counts.add(v));
        let s = counts.stats();
        let got = [s.p10, s.p25, s.median, s.p75, s.p90].map(Option::unwrap);
        let want = [1.4, 2.0, 4.0, 8.0, 21.2];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        assert_eq!(s.mean, Some(9.0));
    }

    #[test]
    fn histogram_bins_are_half_open() {
        let mut counts = DayCounts::default();
        [0, 6, 7, 13, 14, 400].into_iter().for_each(|v| counts.add(v));
        let h = counts.histogram(&HistogramBins::new(vec![7, 14]).unwrap());
        assert_eq!(h.counts, [2, 2, 2]);
    }

    #[test]
    fn empty_rates_and_stats_are_none() {
        assert_eq!(Rate::new(0, 0).rate, None);
        assert_eq!(DayCounts::default().stats(), DayStats::default());
    }
}
