//! Runs of equal keys among sorted likelihood rows.
//!
//! The likelihoods take what depends on a row's key (x, or (x, T)) once
//! per run of rows sharing it, and sum row by row only the rest. Their sums
//! go in fixed pieces of rows, so a run may straddle pieces: each piece
//! sees the part of every run that falls in it.

use std::ops::Range;

/// Each run's key and the end of its rows (rows `0..` in order).
#[derive(Debug, Clone, Default)]
pub(crate) struct Runs<K> {
    runs: Vec<(K, usize)>,
}

impl<K: Copy + PartialEq> Runs<K> {
    /// The runs of the rows' keys, in row order.
    pub(crate) fn of(keys: impl IntoIterator<Item = K>) -> Self {
        let mut runs: Vec<(K, usize)> = Vec::new();
        for (i, key) in keys.into_iter().enumerate() {
            match runs.last_mut() {
                Some((run_key, end)) if *run_key == key => *end = i + 1,
                _ => runs.push((key, i + 1)),
            }
        }
        Self { runs }
    }

    /// The runs that overlap `piece`, each with the rows of it in `piece`.
    pub(crate) fn in_piece(&self, piece: Range<usize>) -> impl Iterator<Item = (K, Range<usize>)> + '_ {
        let first = self.runs.partition_point(|&(_, end)| end <= piece.start);
        let mut start = piece.start;
        self.runs
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .map_while(move |&(key, end)| {
                if start >= piece.end {
                    return None;
                }
                let stop = end.min(piece.end);
                let rows = start..stop;
                start = stop;
                Some((key, rows))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_see_each_row_once_under_its_own_key() {
        let keys = [1, 1, 1, 2, 3, 3, 3, 3, 3, 4];
        let runs = Runs::of(keys);
        for width in 1..=keys.len() + 1 {
            let mut seen = Vec::new();
            for start in (0..keys.len()).step_by(width) {
                for (key, rows) in runs.in_piece(start..(start + width).min(keys.len())) {
                    assert!(!rows.is_empty());
                    seen.extend(rows.map(|row| (row, key)));
                }
            }
            let expected: Vec<(usize, i32)> = keys.iter().copied().enumerate().collect();
            assert_eq!(seen, expected, "pieces of {width}");
        }
    }
}
