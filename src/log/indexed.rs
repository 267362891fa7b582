//! Building from columns by row index: the columns are read where they
//! are, and each accepted row is written once, in its place in the log.
//!
//! Records staged as lines (key and row: 40 bytes for a `u64` key) and
//! then moved into order cost fresh memory the size of the log, and passes
//! over all of it. Rows in columns need no staging:
//!
//! 1. the rows are read and checked in pieces (in parallel with the
//!    `parallel` feature), and the accepted ones counted by key range: the
//!    ranges are cut at quantiles of a sample of keys, each key read as an
//!    integer that keeps key order (see [`Projection`]);
//! 2. each accepted row's index is written into its range's slots (4 bytes
//!    a row), pieces in order, so that a range lists its rows in input
//!    order;
//! 3. each range's rows are read again from the columns into a small
//!    buffer, ordered by customer and time as the row path orders a bucket
//!    ([`group_bucket`]), and written into the log.
//!
//! Lines that share an order id, and products and channels, are resolved
//! while staging, so columns with any of them take the staged path.

use std::hash::{Hash, Hasher};
use std::ops::Range;

use super::build::Line;
use super::group::{PIECES, boundaries, buckets_for, group_bucket, sample_step};
use super::integer_keys::{BucketTable, is_integer, number};
use super::rules::RECORD_LIMIT;
use super::{LogOptions, LogStats, PurchaseColumns, PurchaseLog, Rejection, Row};
use crate::Result;
use crate::parallel::{Shareable, filled, map_parts, split_at_bounds};

/// `true` when `parts` can be built by row index: no order id, product or
/// channel column, keys read as integers (integer types, and `&str` by
/// their bytes), and no more rows than the record limit.
pub(super) fn applies<C>(parts: &[PurchaseColumns<'_, C>], rows: usize) -> bool {
    Projection::kind::<C>().is_some() && rows <= RECORD_LIMIT && !parts.iter().any(PurchaseColumns::has_text)
}

/// Builds the log from consecutive parts of one input, `rows` in all,
/// as [`LogOptions::build_parts`] does.
pub(super) fn build<C>(
    parts: &[PurchaseColumns<'_, C>],
    rows: usize,
    options: &LogOptions,
    strict: bool,
) -> Result<(PurchaseLog<C>, Vec<Rejection<C>>)>
where
    C: Clone + Eq + Hash + Ord + Shareable,
{
    let input = Input::new(parts);
    let projection = Projection::sampled(&input, rows);
    let wanted = buckets_for(rows);
    let sample = (0..rows)
        .step_by(sample_step(rows, wanted))
        .filter_map(|g| input.key(g))
        .map(|key| projection.number(key))
        .collect();
    let table = BucketTable::new(boundaries(sample, wanted));
    let buckets = table.buckets();
    let bucket_of = |key: &C| table.bucket(projection.number(key));

    // Pass 1: every row read and checked; accepted rows counted by bucket.
    let piece = rows.div_ceil(PIECES).max(1);
    let pieces: Vec<Range<usize>> = (0..rows)
        .step_by(piece)
        .map(|at| at..(at + piece).min(rows))
        .collect();
    let checked = map_parts(pieces.clone(), |range| {
        let mut counts = vec![0_usize; buckets];
        let mut rejected = Vec::new();
        for (part, local, offset) in input.segments(range) {
            for i in local {
                let record = part.read(i, offset);
                let index = offset + i;
                let fields = record.and_then(|f| match options.check(index, f.seconds, f.amount) {
                    Ok(()) => Ok(f),
                    Err(error) => Err((Some(f.customer), error)),
                });
                match fields {
                    Ok(f) => {
                        if let Some(count) = counts.get_mut(bucket_of(&f.customer)) {
                            *count += 1;
                        }
                    }
                    Err((customer, reason)) => {
                        rejected.push(Rejection::new(index, customer, reason));
                        if strict {
                            return (counts, rejected);
                        }
                    }
                }
            }
        }
        (counts, rejected)
    });
    let mut counts = Vec::with_capacity(checked.len());
    for (piece_counts, piece_rejected) in checked {
        if strict {
            if let Some(first) = piece_rejected.into_iter().next() {
                return Err(first.reason);
            }
            counts.push((piece_counts, Vec::new()));
        } else {
            counts.push((piece_counts, piece_rejected));
        }
    }
    let rejected: usize = counts.iter().map(|(_, rejected)| rejected.len()).sum();

    // Pass 2: each accepted row read again and written into its bucket.
    let accepted = rows - rejected;
    let Some(filler) = first_line(&input, &counts) else {
        let rejections = counts.into_iter().flat_map(|(_, rejected)| rejected).collect();
        let log = PurchaseLog {
            stats: stats(rows, rejected),
            ..PurchaseLog::empty()
        };
        return Ok((log, rejections));
    };
    let mut lines = filled(accepted, filler);
    let mut bounds = Vec::with_capacity(buckets + 1);
    let mut ends = Vec::with_capacity(buckets * counts.len() + 1);
    bounds.push(0);
    ends.push(0);
    for b in 0..buckets {
        for (piece_counts, _) in &counts {
            ends.push(ends.last().copied().unwrap_or(0) + piece_counts.get(b).copied().unwrap_or(0));
        }
        bounds.push(ends.last().copied().unwrap_or(0));
    }
    // Each piece's slots in each bucket, after the earlier pieces' ones.
    let mut targets: Vec<Vec<std::slice::IterMut<'_, Line<C>>>> =
        (0..counts.len()).map(|_| Vec::with_capacity(buckets)).collect();
    for (at, slots) in split_at_bounds(&mut lines, &ends).into_iter().enumerate() {
        if let Some(piece) = targets.get_mut(at % counts.len()) {
            piece.push(slots.iter_mut());
        }
    }
    let work: Vec<_> = pieces
        .into_iter()
        .zip(counts.iter().map(|(_, rejected)| rejected))
        .zip(targets)
        .collect();
    map_parts(work, |((range, rejected), mut targets)| {
        let mut skipped = rejected.iter().map(|r| r.index).peekable();
        for (part, local, offset) in input.segments(range) {
            for i in local {
                if skipped.next_if_eq(&(offset + i)).is_some() {
                    continue;
                }
                // Accepted in pass 1: it reads again.
                let Ok(f) = part.read(i, offset) else {
                    continue;
                };
                if let Some(slot) = targets.get_mut(bucket_of(&f.customer)).and_then(Iterator::next) {
                    // Fewer rows than `RECORD_LIMIT < u32::MAX`.
                    let index = (offset + i) as u32;
                    let row = Row {
                        seconds: f.seconds,
                        amount: f.amount,
                        index,
                        head: index,
                    };
                    *slot = (f.customer, row);
                }
            }
        }
    });
    let rejections: Vec<Rejection<C>> = counts.into_iter().flat_map(|(_, rejected)| rejected).collect();

    // Pass 3: each bucket ordered through a scratch copy.
    let mut log = PurchaseLog::empty();
    let per_group = buckets.div_ceil(PIECES).max(1);
    let mut groups: Vec<Vec<_>> = Vec::with_capacity(PIECES);
    let bucket_work = split_at_bounds(&mut lines, &bounds)
        .into_iter()
        .zip(bounds.iter().map(|&at| at as u32));
    for (n, bucket) in bucket_work.enumerate() {
        if n % per_group == 0 {
            groups.push(Vec::with_capacity(per_group));
        }
        if let Some(group) = groups.last_mut() {
            group.push(bucket);
        }
    }
    for (keys, starts) in map_parts(groups, |group| {
        let (mut keys, mut starts) = (Vec::new(), Vec::new());
        let mut scratch: Vec<Line<C>> = Vec::new();
        for (bucket, at) in group {
            scratch.clear();
            scratch.extend_from_slice(bucket);
            // Pieces wrote their lines in order: a bucket's lines are in
            // input order.
            group_bucket(&scratch, bucket, at, true, &mut keys, &mut starts);
        }
        (keys, starts)
    }) {
        log.keys.extend(keys);
        log.starts.extend(starts);
    }
    // In place: a row is smaller than a line.
    log.rows = lines.into_iter().map(|(_, row)| row).collect();
    log.rows.shrink_to_fit();
    log.stats = stats(rows, rejected);
    Ok((log, rejections))
}

/// The stats of a log from `input` rows, `rejected` of them rejected
/// (lines of one order are not merged here).
fn stats(input: usize, rejected: usize) -> LogStats {
    LogStats {
        input,
        accepted: input - rejected,
        merged: 0,
        rejected,
    }
}

/// Some accepted row's line, to fill the lines' memory before they are
/// written in place; `None` when no row was accepted.
fn first_line<C: Clone>(
    input: &Input<'_, '_, C>,
    checked: &[(Vec<usize>, Vec<Rejection<C>>)],
) -> Option<Line<C>> {
    let mut rejected = checked
        .iter()
        .flat_map(|(_, rejected)| rejected)
        .map(|r| r.index)
        .peekable();
    let first = (0..).find(|&g| rejected.next_if_eq(&g).is_none())?;
    let (part, i, offset) = input.locate(first)?;
    let fields = part.read(i, offset).ok()?;
    Some((fields.customer, Row::default()))
}

/// The parts of one input, each row found by its index in the whole.
struct Input<'p, 'a, C> {
    parts: &'p [PurchaseColumns<'a, C>],
    /// Where each part starts, and the total after the last.
    offsets: Vec<usize>,
}

impl<'p, 'a, C: Clone> Input<'p, 'a, C> {
    fn new(parts: &'p [PurchaseColumns<'a, C>]) -> Self {
        let mut offsets = Vec::with_capacity(parts.len() + 1);
        offsets.push(0);
        for part in parts {
            offsets.push(offsets.last().copied().unwrap_or(0) + part.len());
        }
        Self { parts, offsets }
    }

    /// Row `g` of the whole: its part, its index there, and the part's
    /// offset.
    fn locate(&self, g: usize) -> Option<(&'p PurchaseColumns<'a, C>, usize, usize)> {
        let part = self.offsets.partition_point(|&start| start <= g).checked_sub(1)?;
        let offset = *self.offsets.get(part)?;
        Some((self.parts.get(part)?, g - offset, offset))
    }

    /// The customer column's value at row `g` (null or not).
    fn key(&self, g: usize) -> Option<&'p C> {
        let (part, i, _) = self.locate(g)?;
        part.customers.get(i)
    }

    /// The parts' rows within `range` of the whole: each part, its rows'
    /// own indexes, and its offset.
    fn segments(
        &self,
        range: Range<usize>,
    ) -> impl Iterator<Item = (&'p PurchaseColumns<'a, C>, Range<usize>, usize)> + '_ {
        self.parts
            .iter()
            .zip(&self.offsets)
            .filter_map(move |(part, &offset)| {
                let from = range.start.max(offset);
                let to = range.end.min(offset + part.len());
                (from < to).then(|| (part, from - offset..to - offset, offset))
            })
    }
}

/// Keys read as integers in key order (a larger key reads as a larger or
/// equal integer), so that ranges of integers are ranges of keys.
enum Projection {
    /// Integer keys: their value (see [`number`]).
    Integer,
    /// Text keys: the eight bytes after the prefix that the sampled keys
    /// share, as a big-endian integer (zero-padded); a key without that
    /// prefix reads as 0 or `u64::MAX`, as it sorts before or after every
    /// key with it.
    Text(Vec<u8>),
}

impl Projection {
    /// The projection for key type `C`, before the text prefix is known;
    /// `None` for keys neither integers nor `&str`.
    fn kind<C>() -> Option<Self> {
        if is_integer::<C>() {
            Some(Self::Integer)
        } else if std::any::type_name::<C>() == "&str" {
            Some(Self::Text(Vec::new()))
        } else {
            None
        }
    }

    /// The projection for `input`'s keys: text keys with the prefix shared
    /// by the least and the greatest of a sample.
    fn sampled<C: Clone + Ord + Hash>(input: &Input<'_, '_, C>, rows: usize) -> Self {
        let Some(Self::Text(_)) = Self::kind::<C>() else {
            return Self::Integer;
        };
        let step = sample_step(rows, buckets_for(rows));
        let keys = (0..rows).step_by(step).filter_map(|g| input.key(g));
        let (Some(least), Some(greatest)) = (keys.clone().min(), keys.max()) else {
            return Self::Text(Vec::new());
        };
        let (least, greatest) = (Bytes::of(least), Bytes::of(greatest));
        let shared = least.iter().zip(&greatest).take_while(|(a, b)| a == b).count();
        Self::Text(least.get(..shared).unwrap_or_default().to_vec())
    }

    #[inline]
    fn number<C: Hash>(&self, key: &C) -> u64 {
        match self {
            Self::Integer => number(key),
            Self::Text(prefix) => {
                let mut reader = TextNumber { prefix, number: None };
                key.hash(&mut reader);
                reader.number.unwrap_or(0)
            }
        }
    }
}

/// Reads a text key's integer ([`Projection::Text`]) from the bytes its
/// `Hash` writes first: a `str` writes its bytes, then a terminator.
struct TextNumber<'p> {
    prefix: &'p [u8],
    number: Option<u64>,
}

impl Hasher for TextNumber<'_> {
    fn finish(&self) -> u64 {
        self.number.unwrap_or(0)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if self.number.is_some() {
            return;
        }
        self.number = Some(match bytes.strip_prefix(self.prefix) {
            Some(rest) => {
                let mut eight = [0_u8; 8];
                for (to, from) in eight.iter_mut().zip(rest) {
                    *to = *from;
                }
                u64::from_be_bytes(eight)
            }
            None if bytes < self.prefix => 0,
            None => u64::MAX,
        });
    }
}

/// A text key's bytes, as its `Hash` writes them first.
#[derive(Default)]
struct Bytes(Option<Vec<u8>>);

impl Bytes {
    fn of<C: Hash>(key: &C) -> Vec<u8> {
        let mut bytes = Self::default();
        key.hash(&mut bytes);
        bytes.0.unwrap_or_default()
    }
}

impl Hasher for Bytes {
    fn finish(&self) -> u64 {
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.0.is_none() {
            self.0 = Some(bytes.to_vec());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn text_numbers_keep_key_order(
            keys in prop::collection::vec("(cu|cust|customer-)?[a-c\\x00]{0,12}", 2..60),
        ) {
            let input_keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let columns = [PurchaseColumns::new(
                &input_keys,
                super::super::TimeColumn::UnixDays(&[]),
                super::super::AmountColumn::Floats(&[]),
            )];
            let projection = Projection::sampled(&Input::new(&columns), input_keys.len());
            for a in &input_keys {
                for b in &input_keys {
                    if a < b {
                        prop_assert!(projection.number(a) <= projection.number(b), "{:?} {:?}", a, b);
                    }
                }
            }
        }
    }

    #[test]
    fn text_keys_past_the_shared_prefix_read_as_their_next_bytes() {
        let projection = Projection::Text(b"customer-".to_vec());
        assert_eq!(projection.number(&"customer-"), 0);
        assert_eq!(projection.number(&"customer-\u{1}"), 1 << 56);
        assert_eq!(projection.number(&"custom"), 0);
        assert_eq!(projection.number(&"d"), u64::MAX);
    }
}
