//! Central quantiles of draws, by selection.

/// A probability or an expectation as bits that order as the number:
/// non-negative floats do, so rounding below 0 (−0.0, −1e-17) is 0, and a
/// NaN is kept as one (its bits order above infinity's), to be refused.
pub(super) fn ordered_bits(value: f64) -> u64 {
    if value > 0.0 || value.is_nan() {
        value.to_bits()
    } else {
        0
    }
}

/// The `(1 − level)/2` and `(1 + level)/2` quantiles of `values`
/// (interpolated between order statistics, as R's type 7), reordering
/// them: two selections, the second among the values below the first.
pub(super) fn central<T: Quantile>(values: &mut [T], level: f64) -> (T, T) {
    let n = values.len();
    let last = n.saturating_sub(1) as f64;
    let tail = (1.0 - level) / 2.0;
    let (upper, k) = quantile_at(values, last * (1.0 - tail));
    // Selection put the k smallest values before position k: the lower
    // quantile's two order statistics are among them and the kth, unless
    // the level is so narrow that both quantiles share an order statistic.
    let h = last * tail;
    let (lower, _) = if (h.floor() as usize) < k {
        quantile_at(values.get_mut(..=k).unwrap_or_default(), h)
    } else {
        quantile_at(values, h)
    };
    (lower, upper)
}

/// What [`central`] selects among: floats, or their ordered bits.
pub(super) trait Quantile: Copy + Ord {
    const NAN: Self;
    /// `self + fraction · (next − self)`.
    fn between(self, next: Self, fraction: f64) -> Self;
}

impl Quantile for u64 {
    const NAN: Self = 0x7ff8_0000_0000_0000;
    fn between(self, next: Self, fraction: f64) -> Self {
        let (a, b) = (f64::from_bits(self), f64::from_bits(next));
        (a + fraction * (b - a)).to_bits()
    }
}

/// Totals, which may be any float, ordered (and equal) as `total_cmp`
/// orders them.
#[derive(Clone, Copy)]
pub(super) struct Total(pub(super) f64);

impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Total {}

impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Total {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Quantile for Total {
    const NAN: Self = Total(f64::NAN);
    fn between(self, next: Self, fraction: f64) -> Self {
        Total(self.0 + fraction * (next.0 - self.0))
    }
}

/// The value at position `h` of `values` in order, interpolated between
/// the order statistics either side, and the lower one's index.
fn quantile_at<T: Quantile>(values: &mut [T], h: f64) -> (T, usize) {
    let n = values.len();
    if n == 0 {
        return (T::NAN, 0);
    }
    let k = (h.floor().max(0.0) as usize).min(n - 1);
    // Statistics k and k + 1: select one, and take the other as the
    // extreme of the shorter side.
    let (at_k, next) = if k + 1 < n && k < n / 2 {
        let (below, &mut next, _) = values.select_nth_unstable(k + 1);
        (below.iter().max().copied().unwrap_or(next), Some(next))
    } else {
        let (_, &mut at_k, above) = values.select_nth_unstable(k);
        (at_k, above.iter().min().copied())
    };
    let value = match next {
        Some(next) => at_k.between(next, h - k as f64),
        None => at_k,
    };
    (value, k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// R's type 7 quantile, by sorting.
    fn sorted_quantile(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let h = (sorted.len() - 1) as f64 * q;
        let k = h.floor() as usize;
        let next = sorted.get(k + 1).copied().unwrap_or(sorted[k]);
        sorted[k] + (h - k as f64) * (next - sorted[k])
    }

    proptest! {
        /// Selection gives the sorted type-7 quantiles, of floats and of
        /// their ordered bits, ties and all.
        #[test]
        fn central_quantiles_equal_sorting(
            values in prop::collection::vec(prop_oneof![0.0..1.0_f64, Just(0.5), Just(0.0)], 10..2_000),
            level in prop_oneof![0.01..0.999_f64, Just(0.9), Just(0.5)],
        ) {
            let want = (
                sorted_quantile(&values, (1.0 - level) / 2.0),
                sorted_quantile(&values, 1.0 - (1.0 - level) / 2.0),
            );
            let mut totals: Vec<Total> = values.iter().copied().map(Total).collect();
            let (Total(lower), Total(upper)) = central(&mut totals, level);
            prop_assert!((lower - want.0).abs() <= 1e-15 && (upper - want.1).abs() <= 1e-15);
            let mut bits: Vec<u64> = values.iter().map(|v| ordered_bits(*v)).collect();
            let (lower, upper) = central(&mut bits, level);
            prop_assert!((f64::from_bits(lower) - want.0).abs() <= 1e-15, "{} vs {}", f64::from_bits(lower), want.0);
            prop_assert!((f64::from_bits(upper) - want.1).abs() <= 1e-15, "{} vs {}", f64::from_bits(upper), want.1);
        }
    }
}
