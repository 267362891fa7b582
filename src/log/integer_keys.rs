//! Customer keys that are plain integers, read as numbers while a log is
//! grouped.
//!
//! Keys are generic, so grouping them takes binary searches and hash maps.
//! Most shops key customers by an integer id, though, and an integer's
//! bucket can be looked up in a table and its customers counted in a dense
//! array. Key types say they are integers through
//! [`CustomerKey::SHAPE`](crate::CustomerKey::SHAPE), and a key's value is
//! read through its `Hash`, which for such a type writes the value once.
//! Any other key type takes the general path, with the same result.

use std::hash::{Hash, Hasher};

use crate::invariant::item_mut;
use crate::key::{CustomerKey, KeyShape};

/// `true` for key types read as integers ([`KeyShape::Integer`]): their
/// order is numeric and their `Hash` writes their value once.
pub(crate) fn is_integer<C: CustomerKey>() -> bool {
    C::SHAPE == KeyShape::Integer
}

/// An integer key (see [`is_integer`]) as a `u64` in the key's own order:
/// signed values are offset by 2^63.
#[inline]
pub(crate) fn number<C: Hash>(key: &C) -> u64 {
    let mut reader = NumberReader(0);
    key.hash(&mut reader);
    reader.0
}

/// A `Hasher` that keeps the integer written to it.
struct NumberReader(u64);

impl NumberReader {
    #[inline]
    fn signed(&mut self, i: i64) {
        self.0 = (i as u64) ^ (1 << 63);
    }
}

impl Hasher for NumberReader {
    fn finish(&self) -> u64 {
        self.0
    }

    // Integers never write bytes.
    fn write(&mut self, _: &[u8]) {}

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = u64::from(i);
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.0 = u64::from(i);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.0 = i as u64;
    }

    #[inline]
    fn write_i8(&mut self, i: i8) {
        self.signed(i64::from(i));
    }

    #[inline]
    fn write_i16(&mut self, i: i16) {
        self.signed(i64::from(i));
    }

    #[inline]
    fn write_i32(&mut self, i: i32) {
        self.signed(i64::from(i));
    }

    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.signed(i);
    }

    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.signed(i as i64);
    }
}

/// The bucket of a number among sorted boundaries, through a table of the
/// boundaries below each of a few thousand even slots of their range: a
/// lookup and a step past the slot's own boundaries (rarely more than one)
/// instead of a binary search over all of them.
#[derive(Debug)]
pub(crate) struct BucketTable {
    bounds: Vec<u64>,
    first: u64,
    shift: u32,
    /// `starts[s]`: the boundaries below slot `s`.
    starts: Vec<u32>,
}

/// Table slots per boundary.
const SLOTS_PER_BOUND: u64 = 8;

impl BucketTable {
    /// The table of `bounds`, ascending.
    pub(crate) fn new(bounds: Vec<u64>) -> Self {
        let first = bounds.first().copied().unwrap_or(0);
        let span = bounds.last().copied().unwrap_or(0).saturating_sub(first);
        let slots = SLOTS_PER_BOUND * bounds.len() as u64;
        let shift = (0..64).find(|&s| span >> s < slots.max(1)).unwrap_or(63);
        // Slots 0..=span >> shift, and the start of the one after them.
        let starts = (0..=(span >> shift) + 1)
            .map(|slot| {
                // In u128: the slot after the last may start past u64::MAX.
                let start = u128::from(first) + (u128::from(slot) << shift);
                bounds.partition_point(|&b| u128::from(b) < start) as u32
            })
            .collect();
        Self {
            bounds,
            first,
            shift,
            starts,
        }
    }

    /// How many buckets the boundaries make.
    pub(crate) fn buckets(&self) -> usize {
        self.bounds.len() + 1
    }

    /// The boundaries at or below `value`: its bucket.
    #[inline]
    pub(crate) fn bucket(&self, value: u64) -> usize {
        let Some(offset) = value.checked_sub(self.first) else {
            return 0;
        };
        let slot = (offset >> self.shift) as usize;
        // Past the last slot: above every boundary.
        let Some(&below) = self.starts.get(slot) else {
            return self.bounds.len();
        };
        // Step past the slot's own boundaries at or below the value: none
        // or one, nearly always.
        let mut bucket = below as usize;
        while self.bounds.get(bucket).is_some_and(|&b| b <= value) {
            bucket += 1;
        }
        bucket
    }
}

/// A bucket's integer keys counted in an array indexed by key: each
/// customer's line count in key order, and, line by line, each line's slot
/// in key order (lines of one key keep their order).
pub(crate) struct DenseSlots {
    low: u64,
    /// Per key, from `low`: its next slot.
    next: Vec<u32>,
    sizes: Vec<u32>,
}

impl DenseSlots {
    /// Counts `numbers`, which lie in `low..=high`; `None` when they span
    /// more than `DENSE_SPAN` times `lines`, their count.
    pub(crate) fn count(
        numbers: impl Iterator<Item = u64>,
        lines: usize,
        low: u64,
        high: u64,
    ) -> Option<Self> {
        let span = usize::try_from(high.checked_sub(low)?).ok()?;
        if span > DENSE_SPAN * lines {
            return None;
        }
        let mut next = vec![0_u32; span + 1];
        for x in numbers {
            if let Some(count) = item_mut(&mut next, x.wrapping_sub(low) as usize) {
                *count += 1;
            }
        }
        // Counts become each key's first slot.
        let mut sizes = Vec::new();
        let mut at = 0;
        for entry in &mut next {
            let size = *entry;
            if size > 0 {
                sizes.push(size);
                *entry = at;
                at += size;
            }
        }
        Some(Self { low, next, sizes })
    }

    /// The slot of the next line of key `x`, one of the counted numbers
    /// (`usize::MAX` for any other).
    #[inline]
    pub(crate) fn next_slot(&mut self, x: u64) -> usize {
        self.next
            .get_mut(x.wrapping_sub(self.low) as usize)
            .map_or(usize::MAX, |next| {
                *next += 1;
                *next as usize - 1
            })
    }

    /// Each key's line count, in key order.
    pub(crate) fn into_sizes(self) -> Vec<u32> {
        self.sizes
    }
}

/// A bucket's integer keys are counted in a dense array when they span at
/// most this many times its lines (an array of at most 4 × 4 bytes per
/// line, in cache as the lines are).
const DENSE_SPAN: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn integers_are_recognised_and_read_in_order() {
        assert!(is_integer::<u64>() && is_integer::<i32>() && is_integer::<usize>());
        assert!(!is_integer::<String>() && !is_integer::<u128>() && !is_integer::<(u64, u64)>());
        assert_eq!(number(&7_u64), 7);
        assert_eq!(number(&u64::MAX), u64::MAX);
        assert_eq!(number(&200_u8), 200);
        let signed = [i64::MIN, -5, -1, 0, 1, i64::MAX].map(|i| number(&i));
        assert!(signed.is_sorted());
        assert_eq!(number(&-1_i32), number(&-1_i64));
    }

    proptest! {
        #[test]
        fn the_table_finds_the_binary_search_bucket(
            mut bounds in prop::collection::vec(prop_oneof![any::<u64>(), 0_u64..1_000, u64::MAX - 50..=u64::MAX], 1..300),
            values in prop::collection::vec(prop_oneof![any::<u64>(), 0_u64..1_100, u64::MAX - 60..=u64::MAX], 1..300),
        ) {
            bounds.sort_unstable();
            bounds.dedup();
            let table = BucketTable::new(bounds.clone());
            for v in values.into_iter().chain(bounds.iter().flat_map(|&b| [b.saturating_sub(1), b, b.saturating_add(1)])) {
                prop_assert_eq!(table.bucket(v), bounds.partition_point(|&b| b <= v), "value {}", v);
            }
        }

        #[test]
        fn dense_slots_sort_stably_by_key(numbers in prop::collection::vec(1_000_u64..1_040, 1..200)) {
            let (low, high) = (*numbers.iter().min().unwrap(), *numbers.iter().max().unwrap());
            let Some(mut dense) = DenseSlots::count(numbers.iter().copied(), numbers.len(), low, high) else {
                prop_assert!((high - low) as usize > DENSE_SPAN * numbers.len());
                return Ok(());
            };
            let slots: Vec<usize> = numbers.iter().map(|&x| dense.next_slot(x)).collect();
            let mut order: Vec<usize> = (0..numbers.len()).collect();
            order.sort_by_key(|&i| numbers[i]);
            for (rank, &i) in order.iter().enumerate() {
                prop_assert_eq!(slots[i], rank);
            }
            let mut distinct = numbers.clone();
            distinct.sort_unstable();
            let runs: Vec<u32> = distinct.chunk_by(|a, b| a == b).map(|run| run.len() as u32).collect();
            prop_assert_eq!(dense.into_sizes(), runs);
        }
    }

    #[test]
    fn sparse_keys_are_left_to_the_general_path() {
        let count = |numbers: &[u64]| {
            let (low, high) = (numbers.iter().min().copied(), numbers.iter().max().copied());
            DenseSlots::count(
                numbers.iter().copied(),
                numbers.len(),
                low.unwrap_or(0),
                high.unwrap_or(0),
            )
        };
        assert!(count(&[0, 1_000]).is_none());
        assert!(count(&[0, u64::MAX]).is_none());
        assert!(count(&[5, 5, 9]).is_some());
    }
}
