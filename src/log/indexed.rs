//! Building from columns without staging: the columns are read where they
//! are, and each accepted row is written once into its key range.
//!
//! Records staged as lines (key and row: 40 bytes for a `u64` key) and
//! then moved into order cost fresh memory beyond the log's, and a pass
//! over it. Rows in columns need no staging:
//!
//! 1. the rows are read and checked in pieces (in parallel with the
//!    `parallel` feature), and the accepted ones counted by key range
//!    ("bucket"): the ranges are cut at quantiles of a sample of keys, each
//!    key read as an integer that keeps key order (see [`Projection`]);
//! 2. each piece's accepted rows are read again and written into the
//!    piece's slots of their bucket, after the earlier pieces' ones, so a
//!    bucket holds its rows in input order. Integer keys whose buckets
//!    each span less than `u32::MAX` are written as rows, straight into
//!    the log's memory, with the key's offset from the bucket's least key
//!    in the row's `head` ([`by_rows`]); text keys with at most sixteen
//!    bytes past their shared prefix as lines of those bytes (one integer)
//!    and row ([`by_numbers`]), so that ordering a bucket reads no key
//!    text, which lies scattered over the input; other keys as lines of
//!    key and row ([`by_lines`]);
//! 3. each bucket is ordered by customer and time through a scratch copy,
//!    as the staged path orders a bucket ([`group_bucket`]).
//!
//! Lines that share an order id, products and channels are resolved while
//! staging, so columns with any of them take the staged path.

use std::hash::{Hash, Hasher};
use std::ops::Range;

use super::build::Line;
use super::group::{PIECES, boundaries, buckets_for, group_bucket, sample_step};
use super::integer_keys::{BucketTable, is_integer, number};
use super::rules::RECORD_LIMIT;
use super::{LogOptions, LogStats, PurchaseColumns, PurchaseLog, Rejection, Row};
use crate::Result;
use crate::invariant::{item, item_mut};
use crate::key::{CustomerKey, KeyShape};
use crate::parallel::{Shareable, filled, map_parts, split_at_bounds};

/// `true` when `parts` can be built by row index: no order id, product or
/// channel column, keys read as integers (integer types, and `&str` by
/// their bytes), and no more rows than the record limit.
pub(super) fn applies<C: CustomerKey>(parts: &[PurchaseColumns<'_, C>], rows: usize) -> bool {
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
    C: CustomerKey,
{
    let input = Input::new(parts);
    let wanted = buckets_for(rows);
    let sample: Vec<&C> = (0..rows)
        .step_by(sample_step(rows, wanted))
        .filter_map(|g| input.key(g))
        .collect();
    let projection = Projection::of_sample(&sample);
    let numbers = sample.into_iter().map(|key| projection.number(key)).collect();
    let table = BucketTable::new(boundaries(numbers, wanted));

    // Pass 1: every row read and checked; accepted rows counted by bucket.
    let piece = rows.div_ceil(PIECES).max(1);
    let ranges: Vec<Range<usize>> = (0..rows)
        .step_by(piece)
        .map(|at| at..(at + piece).min(rows))
        .collect();
    let mut pieces = map_parts(ranges, |range| {
        Piece::check(&input, range, &table, &projection, options, strict)
    });
    if strict {
        if let Some(first) = pieces.iter_mut().find_map(|piece| piece.rejected.pop()) {
            return Err(first.reason);
        }
    }
    let rejected: usize = pieces.iter().map(|piece| piece.rejected.len()).sum();
    let accepted = rows - rejected;
    let layout = Layout::of(&pieces, table.buckets());

    // Passes 2 and 3: rows written into their buckets, each bucket ordered.
    let exact_text = matches!(projection, Projection::Text(_)) && pieces.iter().all(|piece| piece.exact);
    let (keys, starts, rows_in_order) = match narrow_bases(&pieces, &projection) {
        Some(bases) => by_rows(&input, &pieces, &layout, &table, &bases, accepted),
        None if exact_text => by_numbers(&input, &pieces, &layout, &table, &projection, accepted),
        None => by_lines(&input, &pieces, &layout, &table, &projection, accepted),
    };
    let mut log = PurchaseLog::empty();
    log.keys = keys;
    log.starts = starts;
    log.rows = rows_in_order;
    log.stats = LogStats {
        input: rows,
        accepted,
        merged: 0,
        rejected,
    };
    let rejections = pieces.into_iter().flat_map(|piece| piece.rejected).collect();
    Ok((log, rejections))
}

/// A log's keys in order, where each customer's rows start (and the last
/// ends), and its rows.
type Ordered<C> = (Vec<C>, Vec<u32>, Vec<Row>);

/// Integer keys whose every bucket spans less than `u32::MAX`: each
/// bucket's least key number, so that a row can carry its key as the
/// offset from it (in `head`) and the rows need no key beside them.
fn narrow_bases<C>(pieces: &[Piece<C>], projection: &Projection) -> Option<Vec<u64>> {
    if !matches!(projection, Projection::Integer) {
        return None;
    }
    let buckets = pieces.first().map_or(0, |piece| piece.spans.len());
    (0..buckets)
        .map(|b| {
            let (low, high) = pieces
                .iter()
                .filter_map(|piece| piece.spans.get(b))
                .fold((u64::MAX, 0), |(low, high), &(l, h)| (low.min(l), high.max(h)));
            // An empty bucket (low > high) has no offsets to hold.
            (high.saturating_sub(low) < u64::from(u32::MAX)).then_some(low)
        })
        .collect()
}

/// Integer keys in narrow buckets: rows written straight into the log's
/// memory (32 bytes a row), each carrying its key's offset from its
/// bucket's least key until its bucket is ordered.
fn by_rows<C>(
    input: &Input<'_, '_, C>,
    pieces: &[Piece<C>],
    layout: &Layout,
    table: &BucketTable,
    bases: &[u64],
    accepted: usize,
) -> Ordered<C>
where
    C: CustomerKey,
{
    let mut rows = filled(accepted, Row::default());
    scatter(input, pieces, layout, &mut rows, |customer, row| {
        let n = number(customer);
        let bucket = table.bucket(n);
        let base = item(bases, bucket).copied().unwrap_or(n);
        // Narrow buckets: the offset fits.
        let head = n.wrapping_sub(base) as u32;
        (bucket, Row { head, ..row })
    });
    type Scratch = (Vec<Line<u64>>, Vec<u64>);
    let (keys, starts) = order_buckets(
        &mut rows,
        layout,
        |scratch: &mut Scratch, bucket, rows, at, keys, starts| {
            // The split's last piece, past the last bound, is empty and has no base.
            let base = bases.get(bucket).copied().unwrap_or(0);
            let (lines, numbers) = scratch;
            lines.clear();
            lines.extend(rows.iter().map(|row| {
                (
                    base + u64::from(row.head),
                    Row {
                        head: row.index,
                        ..*row
                    },
                )
            }));
            numbers.clear();
            let first = starts.len();
            group_bucket(
                lines,
                rows,
                |row, (_, line)| *row = *line,
                at,
                true,
                numbers,
                starts,
            );
            read_back_keys(input, rows, |row| row.index, at, starts.get(first..), keys);
            debug_assert_eq!(keys.len(), starts.len(), "a customer without its key");
        },
    );
    (keys, starts, rows)
}

/// Text keys that their first sixteen bytes past the prefix tell apart
/// ([`Projection::exact_number`]): lines of those bytes as one integer and
/// the row, grouped by the integer, so the keys' bytes, scattered over the
/// input, are not read again line by line; each customer's key is read
/// back from its first row, then the lines are made rows in place.
fn by_numbers<C>(
    input: &Input<'_, '_, C>,
    pieces: &[Piece<C>],
    layout: &Layout,
    table: &BucketTable,
    projection: &Projection,
    accepted: usize,
) -> Ordered<C>
where
    C: CustomerKey,
{
    let mut lines: Vec<Line<u128>> = filled(accepted, (0, Row::default()));
    scatter(input, pieces, layout, &mut lines, |customer, row| {
        let (n, wide, _) = projection.exact_number(customer);
        (table.bucket(n), (wide, row))
    });
    type Scratch = (Vec<Line<u128>>, Vec<u128>);
    let (keys, starts) = order_buckets(
        &mut lines,
        layout,
        |scratch: &mut Scratch, _, bucket, at, keys, starts| {
            let (copy, numbers) = scratch;
            copy.clear();
            copy.extend_from_slice(bucket);
            numbers.clear();
            let first = starts.len();
            // Pieces wrote their lines in order: a bucket's lines are in input
            // order.
            group_bucket(copy, bucket, Line::clone_from, at, true, numbers, starts);
            read_back_keys(input, bucket, |(_, row)| row.index, at, starts.get(first..), keys);
            debug_assert_eq!(keys.len(), starts.len(), "a customer without its key");
        },
    );
    (keys, starts, into_rows(lines))
}

/// Pushes each customer's key, read from the input row of its first item:
/// the customers end at `ends` (in the log's numbering), and the bucket's
/// `items`, whose input rows `index` reads, start at line `at`.
fn read_back_keys<C: Clone, T>(
    input: &Input<'_, '_, C>,
    items: &[T],
    index: impl Fn(&T) -> u32,
    at: u32,
    ends: Option<&[u32]>,
    keys: &mut Vec<C>,
) {
    let mut begin = at;
    for &end in ends.unwrap_or_default() {
        let first = items.get((begin - at) as usize);
        if let Some(key) = first.and_then(|item| input.key(index(item) as usize)) {
            keys.push(key.clone());
        }
        begin = end;
    }
}

/// The lines' rows, in place: a row is smaller than a line.
fn into_rows<K>(lines: Vec<Line<K>>) -> Vec<Row> {
    let mut rows: Vec<Row> = lines.into_iter().map(|(_, row)| row).collect();
    rows.shrink_to_fit();
    rows
}

/// Other keys: lines of key and row written into their buckets, ordered,
/// then made rows in place.
fn by_lines<C>(
    input: &Input<'_, '_, C>,
    pieces: &[Piece<C>],
    layout: &Layout,
    table: &BucketTable,
    projection: &Projection,
    accepted: usize,
) -> Ordered<C>
where
    C: CustomerKey,
{
    let Some(filler) = first_line(input, pieces) else {
        return (Vec::new(), vec![0], Vec::new());
    };
    let mut lines = filled(accepted, filler);
    scatter(input, pieces, layout, &mut lines, |customer, row| {
        (table.bucket(projection.number(customer)), (customer.clone(), row))
    });
    let (keys, starts) = order_buckets(
        &mut lines,
        layout,
        |scratch: &mut Vec<Line<C>>, _, bucket, at, keys, starts| {
            scratch.clear();
            scratch.extend_from_slice(bucket);
            // Pieces wrote their lines in order: a bucket's lines are in input
            // order.
            group_bucket(scratch, bucket, Line::clone_from, at, true, keys, starts);
        },
    );
    (keys, starts, into_rows(lines))
}

/// Pass 2: each piece's accepted rows read again, made items by `make`
/// (which names the item's bucket), and written into the piece's slots of
/// that bucket, which follow the earlier pieces' ones.
fn scatter<C, T>(
    input: &Input<'_, '_, C>,
    pieces: &[Piece<C>],
    layout: &Layout,
    items: &mut [T],
    make: impl Fn(&C, Row) -> (usize, T) + Shareable,
) where
    C: Clone + Shareable,
    T: Shareable,
{
    let mut targets: Vec<Vec<std::slice::IterMut<'_, T>>> = (0..pieces.len())
        .map(|_| Vec::with_capacity(layout.buckets()))
        .collect();
    for (at, slots) in split_at_bounds(items, &layout.ends).into_iter().enumerate() {
        if let Some(piece) = item_mut(&mut targets, at % pieces.len().max(1)) {
            piece.push(slots.iter_mut());
        }
    }
    map_parts(pieces.iter().zip(targets).collect(), |(piece, mut targets)| {
        let mut skipped = piece.rejected.iter().map(|r| r.index).peekable();
        for (part, local, offset) in input.segments(piece.range.clone()) {
            for i in local {
                if skipped.next_if_eq(&(offset + i)).is_some() {
                    continue;
                }
                // Accepted in pass 1: it reads again.
                let read = part.read(i, offset);
                debug_assert!(read.is_ok(), "row {} checked, then unreadable", offset + i);
                let Ok(f) = read else {
                    continue;
                };
                // Fewer rows than `RECORD_LIMIT < u32::MAX`.
                let index = (offset + i) as u32;
                let row = Row {
                    seconds: f.seconds,
                    amount: f.amount,
                    index,
                    head: index,
                };
                let (bucket, item) = make(&f.customer, row);
                let slot = item_mut(&mut targets, bucket).and_then(Iterator::next);
                debug_assert!(slot.is_some(), "bucket {bucket} has no room left: a bug");
                if let Some(slot) = slot {
                    *slot = item;
                }
            }
        }
    });
}

/// Pass 3: `order` run on each bucket of `items` (its number, its items,
/// and its first item's position), consecutive buckets in [`PIECES`]
/// groups that share a scratch `S`, pushing the keys of the bucket's
/// customers and where their items end. Returns the keys, and where each
/// customer's items start (and the last ends).
fn order_buckets<C, T, S: Default>(
    items: &mut [T],
    layout: &Layout,
    order: impl Fn(&mut S, usize, &mut [T], u32, &mut Vec<C>, &mut Vec<u32>) + Shareable,
) -> (Vec<C>, Vec<u32>)
where
    C: Shareable,
    T: Shareable,
{
    let buckets = split_at_bounds(items, &layout.bounds);
    let per_group = buckets.len().div_ceil(PIECES).max(1);
    let mut groups: Vec<Vec<_>> = Vec::with_capacity(PIECES);
    // Fewer items than `u32::MAX`.
    let starts = layout.bounds.iter().map(|&at| at as u32);
    for (b, (bucket, at)) in buckets.into_iter().zip(starts).enumerate() {
        if b % per_group == 0 {
            groups.push(Vec::with_capacity(per_group));
        }
        if let Some(group) = groups.last_mut() {
            group.push((b, bucket, at));
        }
    }
    let parts = map_parts(groups, |group| {
        let (mut keys, mut starts, mut scratch) = (Vec::new(), Vec::new(), S::default());
        for (b, bucket, at) in group {
            order(&mut scratch, b, bucket, at, &mut keys, &mut starts);
        }
        (keys, starts)
    });
    // Sized once: growing by doubling would hold up to three times the
    // keys for a moment.
    let customers = parts.iter().map(|(keys, _)| keys.len()).sum();
    let (mut keys, mut starts) = (Vec::with_capacity(customers), Vec::with_capacity(customers + 1));
    starts.push(0);
    for (group_keys, group_starts) in parts {
        keys.extend(group_keys);
        starts.extend(group_starts);
    }
    (keys, starts)
}

/// One piece of the input after pass 1.
struct Piece<C> {
    /// Its rows in the whole.
    range: Range<usize>,
    /// Its accepted rows in each bucket.
    counts: Vec<usize>,
    /// The least and greatest key number among its accepted rows in each
    /// bucket (`(u64::MAX, 0)` for none).
    spans: Vec<(u64, u64)>,
    /// Its rejected rows, in order (in strict mode, the first only).
    rejected: Vec<Rejection<C>>,
    /// Whether its accepted rows' key numbers tell their keys apart (see
    /// [`Projection::exact_number`]).
    exact: bool,
}

impl<C: Clone + Hash> Piece<C> {
    /// Reads and checks the rows of `range`, counting the accepted ones by
    /// bucket; in strict mode stops at the first bad one.
    fn check(
        input: &Input<'_, '_, C>,
        range: Range<usize>,
        table: &BucketTable,
        projection: &Projection,
        options: &LogOptions,
        strict: bool,
    ) -> Self {
        let buckets = table.buckets();
        let mut piece = Self {
            range: range.clone(),
            counts: vec![0; buckets],
            spans: vec![(u64::MAX, 0); buckets],
            rejected: Vec::new(),
            exact: true,
        };
        for (part, local, offset) in input.segments(range) {
            for i in local {
                let index = offset + i;
                let fields =
                    part.read(i, offset)
                        .and_then(|f| match options.check(index, f.seconds, f.amount) {
                            Ok(()) => Ok(f),
                            Err(error) => Err((Some(f.customer), error)),
                        });
                match fields {
                    Ok(f) => {
                        let (n, _, exact) = projection.exact_number(&f.customer);
                        piece.exact &= exact;
                        let bucket = table.bucket(n);
                        if let (Some(count), Some((low, high))) = (
                            item_mut(&mut piece.counts, bucket),
                            item_mut(&mut piece.spans, bucket),
                        ) {
                            *count += 1;
                            (*low, *high) = ((*low).min(n), (*high).max(n));
                        }
                    }
                    Err((customer, reason)) => {
                        piece.rejected.push(Rejection::new(index, customer, reason));
                        if strict {
                            return piece;
                        }
                    }
                }
            }
        }
        piece
    }
}

/// Where each bucket's items go, and each piece's share of it.
struct Layout {
    /// Bucket `b` at `bounds[b]..bounds[b + 1]`.
    bounds: Vec<usize>,
    /// Bucket 0 piece 0, bucket 0 piece 1, …: each piece's slots of each
    /// bucket, in order.
    ends: Vec<usize>,
}

impl Layout {
    fn of<C>(pieces: &[Piece<C>], buckets: usize) -> Self {
        let mut bounds = Vec::with_capacity(buckets + 1);
        let mut ends = Vec::with_capacity(buckets * pieces.len() + 1);
        bounds.push(0);
        ends.push(0);
        for b in 0..buckets {
            for piece in pieces {
                ends.push(ends.last().copied().unwrap_or(0) + item(&piece.counts, b).copied().unwrap_or(0));
            }
            bounds.push(ends.last().copied().unwrap_or(0));
        }
        Self { bounds, ends }
    }

    fn buckets(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }
}

/// Some accepted row's line, to fill the lines' memory before they are
/// written in place; `None` when no row was accepted.
fn first_line<C: Clone>(input: &Input<'_, '_, C>, pieces: &[Piece<C>]) -> Option<Line<C>> {
    let mut rejected = pieces
        .iter()
        .flat_map(|piece| &piece.rejected)
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
    /// `None` for keys neither integers nor text.
    fn kind<C: CustomerKey>() -> Option<Self> {
        if is_integer::<C>() {
            Some(Self::Integer)
        } else if C::SHAPE == KeyShape::Text {
            Some(Self::Text(Vec::new()))
        } else {
            None
        }
    }

    /// The projection for keys like `sample`'s: text keys with the prefix
    /// shared by the least and the greatest of the sample.
    fn of_sample<C: CustomerKey>(sample: &[&C]) -> Self {
        let Some(Self::Text(_)) = Self::kind::<C>() else {
            return Self::Integer;
        };
        let (Some(least), Some(greatest)) = (sample.iter().min(), sample.iter().max()) else {
            return Self::Text(Vec::new());
        };
        let (least, greatest) = (Bytes::of(least), Bytes::of(greatest));
        let shared = least.iter().zip(&greatest).take_while(|(a, b)| a == b).count();
        Self::Text(least.get(..shared).unwrap_or_default().to_vec())
    }

    #[inline]
    fn number<C: Hash>(&self, key: &C) -> u64 {
        self.exact_number(key).0
    }

    /// The key's number; its first sixteen bytes past the prefix as one
    /// big-endian integer (zero-padded; the number is the upper half); and
    /// whether no other key can share those sixteen bytes: an integer key
    /// (its number, widened), or a text key with the prefix and at most
    /// sixteen bytes after it, none of them zero (so that the padding tells
    /// lengths apart).
    #[inline]
    fn exact_number<C: Hash>(&self, key: &C) -> (u64, u128, bool) {
        match self {
            Self::Integer => {
                let n = number(key);
                (n, u128::from(n), true)
            }
            Self::Text(prefix) => {
                let mut reader = TextNumber {
                    prefix,
                    wide: None,
                    exact: false,
                };
                key.hash(&mut reader);
                let wide = reader.wide.unwrap_or(0);
                ((wide >> 64) as u64, wide, reader.exact)
            }
        }
    }
}

/// Reads a text key's integer ([`Projection::Text`]) from the bytes its
/// `Hash` writes first: a `str` writes its bytes, then a terminator.
struct TextNumber<'p> {
    prefix: &'p [u8],
    /// The sixteen bytes past the prefix.
    wide: Option<u128>,
    /// They hold all of the key past the prefix, unambiguously.
    exact: bool,
}

impl Hasher for TextNumber<'_> {
    fn finish(&self) -> u64 {
        (self.wide.unwrap_or(0) >> 64) as u64
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if self.wide.is_some() {
            return;
        }
        self.wide = Some(match bytes.strip_prefix(self.prefix) {
            Some(rest) => {
                let mut sixteen = [0_u8; 16];
                let n = rest.len().min(16);
                if let (Some(to), Some(from)) = (sixteen.get_mut(..n), rest.get(..n)) {
                    to.copy_from_slice(from);
                }
                let wide = u128::from_be_bytes(sixteen);
                self.exact = rest.len() <= 16 && !has_zero_byte(wide, n);
                wide
            }
            None if bytes < self.prefix => 0,
            None => u128::MAX,
        });
    }
}

/// Whether any of the first `n` (at most 16) bytes of `wide`, big-endian,
/// is zero: the others set to 0xFF, then the classic test for a zero byte
/// in a word (a byte that borrows on subtracting one and had its high bit
/// clear).
#[inline]
fn has_zero_byte(wide: u128, n: usize) -> bool {
    const ONES: u128 = u128::MAX / 0xFF;
    const HIGHS: u128 = ONES << 7;
    let padding = u128::MAX.checked_shr(8 * n as u32).unwrap_or(0);
    let filled = wide | padding;
    filled.wrapping_sub(ONES) & !filled & HIGHS != 0
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
            let projection = Projection::of_sample(&input_keys.iter().collect::<Vec<_>>());
            for a in &input_keys {
                for b in &input_keys {
                    let ((na, wa, exact_a), (nb, wb, exact_b)) = (projection.exact_number(a), projection.exact_number(b));
                    if a < b {
                        prop_assert!(na <= nb && wa <= wb, "{:?} {:?}", a, b);
                        // Keys read exactly are told apart by their wide numbers.
                        prop_assert!(!(exact_a && exact_b) || wa < wb, "{:?} {:?}", a, b);
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn zero_bytes_are_found_among_the_first_n(
            bytes in prop::collection::vec(prop_oneof![Just(0_u8), Just(1), Just(0x80), Just(0xFF), any::<u8>()], 0..=16),
        ) {
            let mut sixteen = [0_u8; 16];
            sixteen[..bytes.len()].copy_from_slice(&bytes);
            let wide = u128::from_be_bytes(sixteen);
            prop_assert_eq!(has_zero_byte(wide, bytes.len()), bytes.contains(&0));
        }
    }

    #[test]
    fn only_short_keys_with_the_prefix_and_no_zero_byte_read_exactly() {
        let projection = Projection::Text(b"C-".to_vec());
        let exact = |key: &str| projection.exact_number(&key).2;
        assert!(exact("C-"));
        assert!(exact("C-123456789012345"));
        assert!(exact("C-1234567890123456"));
        assert!(!exact("C-12345678901234567"), "seventeen bytes past the prefix");
        assert!(!exact("C-1\u{0}"), "a zero byte reads as padding");
        assert!(!exact("B-1"), "no prefix");
        assert_eq!(projection.exact_number(&"C-\u{1}").1, 1 << 120);
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
