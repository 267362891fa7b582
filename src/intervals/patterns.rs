//! A customer base's distinct `(x, t_x, T)` patterns, the unit every
//! interval is computed in.

use std::ops::Range;

use super::PIECES;
use crate::parallel::map_parts;
use crate::{Error, Result, Summaries};

/// The distinct patterns of a customer base, sorted by `(x, T, t_x)`.
pub(super) struct Patterns {
    /// `(x, t_x, T, customers)` of each pattern.
    pub(super) rows: Vec<(f64, f64, f64, f64)>,
    /// Each customer's pattern, in the summaries' order.
    pub(super) of_customer: Vec<usize>,
    /// The customers (positions in the summaries), pattern by pattern.
    pub(super) members: Vec<usize>,
    /// Where each pattern's customers start in `members`.
    pub(super) starts: Vec<usize>,
}

impl Patterns {
    pub(super) fn of<C>(summaries: &Summaries<C>) -> Self {
        let key = |i: usize| {
            summaries
                .customers
                .get(i)
                .map_or((0, 0, 0), |s| (s.frequency, s.t.to_bits(), s.recency.to_bits()))
        };
        let mut order: Vec<usize> = (0..summaries.customers.len()).collect();
        // Times are ≥ 0, so their bits sort as the numbers do.
        order.sort_unstable_by_key(|&i| key(i));
        let mut rows: Vec<(f64, f64, f64, f64)> = Vec::new();
        let mut of_customer = vec![0; order.len()];
        let mut last = None;
        for &i in &order {
            let k = key(i);
            if last != Some(k) {
                let (x, t, t_x) = k;
                rows.push((f64::from(x), f64::from_bits(t_x), f64::from_bits(t), 0.0));
                last = Some(k);
            }
            if let Some(row) = rows.last_mut() {
                row.3 += 1.0;
            }
            if let Some(slot) = of_customer.get_mut(i) {
                *slot = rows.len() - 1;
            }
        }
        let starts = rows
            .iter()
            .scan(0, |at, row| {
                let here = *at;
                *at += row.3 as usize;
                Some(here)
            })
            .collect();
        Self {
            rows,
            of_customer,
            members: order,
            starts,
        }
    }

    /// Where pattern `pattern`'s customers start in `members`.
    pub(super) fn first_member(&self, pattern: usize) -> usize {
        self.starts.get(pattern).copied().unwrap_or(0)
    }

    /// The ranges of patterns sharing `(x, T)`.
    pub(super) fn groups(&self) -> Vec<std::ops::Range<usize>> {
        let mut groups = Vec::new();
        let mut start = 0;
        for (i, window) in self.rows.windows(2).enumerate() {
            if let [a, b] = window {
                if (a.0, a.2.to_bits()) != (b.0, b.2.to_bits()) {
                    groups.push(start..i + 1);
                    start = i + 1;
                }
            }
        }
        if start < self.rows.len() {
            groups.push(start..self.rows.len());
        }
        groups
    }
}

impl Patterns {
    /// Scores every pattern: the `(x, T)` groups in [`PIECES`] pieces (in
    /// parallel with `parallel`), each group by `score`, which returns its
    /// patterns' results and adds to a piece's per-draw sums (`draws` of
    /// them, from `S::default()`). Pieces' sums are merged by `add`, in
    /// order, so the result does not depend on the number of threads.
    /// Returns each pattern's result, in pattern order, and the sums.
    pub(super) fn score<R, S>(
        &self,
        draws: usize,
        score: impl Fn(Range<usize>, &mut [S]) -> Result<Vec<(usize, R)>> + Sync + Send,
        add: impl Fn(&mut S, S),
    ) -> Result<(Vec<R>, Vec<S>)>
    where
        R: Copy + Send + Sync,
        S: Copy + Default + Send + Sync,
    {
        let groups = self.groups();
        let pieces = groups.chunks(groups.len().div_ceil(PIECES).max(1));
        let results = map_parts(pieces.collect(), |piece: &[Range<usize>]| {
            let mut sums = vec![S::default(); draws];
            let mut out = Vec::new();
            for group in piece {
                out.extend(score(group.clone(), &mut sums)?);
            }
            Ok::<_, Error>((out, sums))
        });
        let mut sums = vec![S::default(); draws];
        let mut by_pattern = vec![None; self.rows.len()];
        for result in results {
            let (out, piece_sums) = result?;
            for (sum, piece_sum) in sums.iter_mut().zip(piece_sums) {
                add(sum, piece_sum);
            }
            for (pattern, scored) in out {
                if let Some(slot) = by_pattern.get_mut(pattern) {
                    *slot = Some(scored);
                }
            }
        }
        let scored = by_pattern
            .into_iter()
            .collect::<Option<Vec<R>>>()
            .ok_or_else(Self::unscored)?;
        Ok((scored, sums))
    }

    /// A pattern or a customer without its score: a bug here, reported
    /// rather than a customer left out.
    pub(super) fn unscored() -> Error {
        Error::Undefined {
            quantity: "a customer's intervals",
            condition: "their pattern was not scored (a bug)".into(),
        }
    }
}
