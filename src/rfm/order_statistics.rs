//! Order statistics of many `f64`s without sorting or copying them.
//!
//! A quantile break needs two values at known ranks. Selecting them from a
//! copy costs a copy and several partitioning passes; here one pass counts
//! the values into 2^16 buckets by the top bits of their order-preserving
//! integer form, which tells each rank's bucket, and a second pass gathers
//! only those buckets' values to select from. The order is
//! `f64::total_cmp`'s. NTILE's group starts are selected the same way,
//! from wider keys (the value's integer form, then the key rank).

/// Bits of the integer form that pick a value's bucket.
const BUCKET_BITS: u32 = 16;

/// An integer key whose leading [`BUCKET_BITS`] bits follow its order.
pub(crate) trait OrderedKey: Copy + Ord {
    /// The key's leading bits: its histogram bucket.
    fn bucket(self) -> usize;
}

impl OrderedKey for u64 {
    #[inline]
    fn bucket(self) -> usize {
        (self >> (u64::BITS - BUCKET_BITS)) as usize
    }
}

impl OrderedKey for u128 {
    #[inline]
    fn bucket(self) -> usize {
        (self >> (u128::BITS - BUCKET_BITS)) as usize
    }
}

/// An unsigned integer whose order is `f64::total_cmp`'s.
pub(crate) fn ordered_bits(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

/// The inverse of [`ordered_bits`].
fn from_ordered_bits(bits: u64) -> f64 {
    f64::from_bits(if bits >> 63 == 1 { bits & !(1 << 63) } else { !bits })
}

/// Below this many values a sorted copy is cheaper than the histogram's
/// 2^16 counters.
const FEW: usize = 1 << BUCKET_BITS;

/// The value at each of `ranks` (0-based, each below `values.len()`) in
/// ascending `f64::total_cmp` order; a rank past the end gives `None`.
pub(crate) fn order_statistics(
    values: impl ExactSizeIterator<Item = f64> + Clone,
    ranks: &[usize],
) -> Vec<Option<f64>> {
    select(values.map(ordered_bits), ranks)
        .into_iter()
        .map(|bits| bits.map(from_ordered_bits))
        .collect()
}

/// The key at each of `ranks` (0-based) in ascending order; a rank past
/// the end gives `None`.
pub(crate) fn select<K: OrderedKey>(
    keys: impl ExactSizeIterator<Item = K> + Clone,
    ranks: &[usize],
) -> Vec<Option<K>> {
    if keys.len() < FEW {
        let mut sorted: Vec<K> = keys.collect();
        sorted.sort_unstable();
        return ranks.iter().map(|&rank| sorted.get(rank).copied()).collect();
    }
    let mut counts = vec![0_usize; 1 << BUCKET_BITS];
    for key in keys.clone() {
        if let Some(count) = crate::invariant::item_mut(&mut counts, key.bucket()) {
            *count += 1;
        }
    }
    // Each rank's bucket, and its rank among that bucket's values: one
    // walk over the counts, ranks taken in ascending order.
    let mut wanted: Vec<Option<(usize, usize)>> = vec![None; ranks.len()];
    let mut by_rank: Vec<(usize, usize)> = ranks.iter().copied().zip(0..).collect();
    by_rank.sort_unstable();
    let (mut bucket, mut below) = (0, 0);
    for (rank, i) in by_rank {
        while let Some(&count) = counts.get(bucket) {
            if rank < below + count {
                break;
            }
            below += count;
            bucket += 1;
        }
        if let (true, Some(slot)) = (bucket < counts.len(), wanted.get_mut(i)) {
            *slot = Some((bucket, rank - below));
        }
    }
    // Gather each wanted bucket's values once, whichever ranks share it.
    let mut buckets: Vec<usize> = wanted.iter().flatten().map(|&(bucket, _)| bucket).collect();
    buckets.sort_unstable();
    buckets.dedup();
    let mut gathered: Vec<Vec<K>> = buckets
        .iter()
        .map(|&b| Vec::with_capacity(counts.get(b).copied().unwrap_or(0)))
        .collect();
    // `counts` becomes each bucket's slot in `gathered` (`usize::MAX`: none).
    counts.fill(usize::MAX);
    for (slot, &bucket) in buckets.iter().enumerate() {
        if let Some(entry) = crate::invariant::item_mut(&mut counts, bucket) {
            *entry = slot;
        }
    }
    for key in keys {
        let slot = counts.get(key.bucket()).copied().unwrap_or(usize::MAX);
        if let Some(into) = gathered.get_mut(slot) {
            into.push(key);
        }
    }
    wanted
        .into_iter()
        .map(|found| {
            let (bucket, rank) = found?;
            let slot = buckets.binary_search(&bucket).ok()?;
            let values = gathered.get_mut(slot)?;
            if rank >= values.len() {
                return None;
            }
            let (_, at, _) = values.select_nth_unstable(rank);
            Some(*at)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted(values: &[f64]) -> Vec<f64> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted
    }

    #[test]
    fn the_integer_form_keeps_total_order_and_round_trips() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -1.5,
            -0.0,
            0.0,
            1e-310,
            2.0,
            f64::INFINITY,
        ];
        for pair in values.windows(2) {
            if let [a, b] = pair {
                assert!(ordered_bits(*a) < ordered_bits(*b), "{a} {b}");
            }
        }
        for value in values {
            assert_eq!(from_ordered_bits(ordered_bits(value)).to_bits(), value.to_bits());
        }
    }

    #[test]
    fn many_values_go_through_the_histogram_and_agree_with_a_sort() {
        // Past FEW values: ties, values sharing a bucket, both signs and
        // infinities; every rank checked.
        let mut state = 7_u64;
        let values: Vec<f64> = (0..FEW * 3 + 17)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let draw = (state >> 11) as f64 / (1_u64 << 53) as f64;
                match i % 5 {
                    0 => (draw * 6.0).floor(),
                    1 => 100.0 + draw * 0.5,
                    2 => -1e6 * draw,
                    3 if i % 1000 == 3 => f64::INFINITY,
                    _ => draw * 1e9,
                }
            })
            .collect();
        let sorted = sorted(&values);
        let ranks: Vec<usize> = (0..values.len())
            .step_by(97)
            .chain([values.len() - 1, values.len()])
            .collect();
        let got = order_statistics(values.iter().copied(), &ranks);
        for (&rank, got) in ranks.iter().zip(got) {
            assert_eq!(
                got.map(f64::to_bits),
                sorted.get(rank).map(|v| v.to_bits()),
                "rank {rank}"
            );
        }
    }

    proptest! {
        #[test]
        fn each_rank_is_the_sorted_values_own(
            values in prop::collection::vec(
                prop_oneof![
                    // Ties, and values close enough to share a bucket.
                    (0_u8..6).prop_map(f64::from),
                    (100.0_f64..100.5),
                    any::<f64>().prop_filter("not NaN", |v| !v.is_nan()),
                ],
                0..300,
            ),
            ranks in prop::collection::vec(0_usize..320, 0..10),
        ) {
            let sorted = sorted(&values);
            let expected: Vec<Option<u64>> = ranks.iter().map(|&r| sorted.get(r).map(|v| v.to_bits())).collect();
            let got: Vec<Option<u64>> = order_statistics(values.iter().copied(), &ranks).into_iter().map(|v| v.map(f64::to_bits)).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
