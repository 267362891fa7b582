//! Grouping: staged lines ordered by customer key, then by time.

use std::hash::Hash;

use super::build::Line;
use super::integer_keys::{BucketTable, DenseSlots, is_integer, number};
use super::short_sort;
use super::{PurchaseLog, Row};
use crate::hash::FastMap;
use crate::invariant::{item, item_mut, range, range_mut};
use crate::key::CustomerKey;
use crate::parallel::{map_parts, split_at_bounds};

/// Lines are grouped by key range into buckets of about this many, so that
/// each bucket's interning table and reordering stay in cache.
const LINES_PER_BUCKET: usize = 16_384;

/// At most this many buckets (binary search over their boundaries stays
/// short).
const MAX_BUCKETS: usize = 4_096;

/// Keys sampled per bucket to choose the boundaries.
const SAMPLES_PER_BUCKET: usize = 16;

/// Groups the lines by customer in key order and by time (passes 3 and 4
/// of [`Builder`]).
pub(super) fn group<C: CustomerKey>(mut lines: Vec<Line<C>>) -> PurchaseLog<C> {
    if groups_by_number::<C>() {
        return group_by_number(lines);
    }
    let n = lines.len();
    let ranges = KeyRanges::of(&lines);
    if let BucketFinder::Table(table) = &ranges.finder {
        if lines.capacity() - n < n && ranges.bounds.len() > 2 {
            return group_in_place(lines, &ranges.bounds, table);
        }
    }
    let mut log = PurchaseLog::empty();
    // Room beside the lines, inside the records' own allocation when they
    // came as a `Vec`. The lines are scattered into it by key range, and
    // each range copied back in order; a single range is copied into the
    // room in order.
    if let Some(filler) = lines.first().cloned() {
        // Exactly: a grown `Vec` would otherwise double its capacity.
        lines.reserve_exact(n);
        lines.resize(2 * n, filler);
    }
    let (staged, room) = lines.split_at_mut(n);
    let (from, to, ordered_at) = if ranges.bounds.len() <= 2 {
        (staged, room, n)
    } else {
        ranges.scatter(staged, room);
        (room, staged, 0)
    };
    // Fewer lines than `u32::MAX` (the record limit).
    let buckets = split_at_bounds(from, &ranges.bounds)
        .into_iter()
        .map(|bucket| &*bucket)
        .zip(split_at_bounds(to, &ranges.bounds))
        .zip(ranges.bounds.iter().map(|&at| at as u32));
    // Each bucket's customers in key order and where their lines end;
    // buckets are key ranges in order, so joined they are the log's key
    // order. Serially straight into the log: no second copy of its keys.
    #[cfg(not(feature = "parallel"))]
    for ((bucket, to), at) in buckets {
        group_bucket(
            bucket,
            to,
            Line::clone_from,
            at,
            true,
            &mut log.keys,
            &mut log.starts,
        );
    }
    #[cfg(feature = "parallel")]
    for (keys, starts) in map_parts(buckets.collect(), |((bucket, to), at)| {
        let (mut keys, mut starts) = (Vec::new(), Vec::new());
        group_bucket(bucket, to, Line::clone_from, at, true, &mut keys, &mut starts);
        (keys, starts)
    }) {
        log.keys.extend(keys);
        log.starts.extend(starts);
    }

    // In place again (the stale copies are dropped first, or as the rows
    // are written over them); then the records' spare memory goes back.
    lines.truncate(ordered_at + n);
    log.rows = lines.into_iter().skip(ordered_at).map(|(_, row)| row).collect();
    log.rows.shrink_to_fit();
    log
}

/// Groups lines that have no room beside them (staged from columns, whose
/// memory is fresh: room would cost as much again in page faults) where
/// they are: the lines are permuted into their key-range buckets by
/// swapping (each line moves once to its bucket's next free slot, as in an
/// American flag sort), then each bucket is ordered through a scratch
/// buffer the size of the largest bucket and copied back. Swapping does not
/// keep the lines' input order within a bucket, so lines of one customer
/// at the same second are put back in input order after the sort (see
/// [`TimeOrder`]).
fn group_in_place<C: CustomerKey>(
    mut lines: Vec<Line<C>>,
    bounds: &[usize],
    table: &BucketTable,
) -> PurchaseLog<C> {
    let mut log = PurchaseLog::empty();
    permute_into_buckets(&mut lines, bounds, table);
    // Consecutive buckets in this many groups, each with its scratch.
    let buckets = split_at_bounds(&mut lines, bounds)
        .into_iter()
        .zip(bounds.iter().map(|&at| at as u32));
    let groups: Vec<Vec<_>> = {
        let all: Vec<_> = buckets.collect();
        let per_group = all.len().div_ceil(PIECES).max(1);
        let mut groups = Vec::with_capacity(PIECES);
        let mut all = all.into_iter().peekable();
        while all.peek().is_some() {
            groups.push(all.by_ref().take(per_group).collect());
        }
        groups
    };
    for (keys, starts) in map_parts(groups, |group: Vec<(&mut [Line<C>], u32)>| {
        let (mut keys, mut starts) = (Vec::new(), Vec::new());
        let mut scratch: Vec<Line<C>> = Vec::new();
        for (bucket, at) in group {
            scratch.clear();
            scratch.extend_from_slice(bucket);
            group_bucket(
                bucket,
                &mut scratch,
                Line::clone_from,
                at,
                false,
                &mut keys,
                &mut starts,
            );
            bucket.clone_from_slice(&scratch);
        }
        (keys, starts)
    }) {
        log.keys.extend(keys);
        log.starts.extend(starts);
    }
    log.rows = lines.into_iter().map(|(_, row)| row).collect();
    log.rows.shrink_to_fit();
    log
}

/// Moves every line into its bucket (`bounds`, as counted with `table`)
/// by swaps: each step either finds a line already in its bucket or sends
/// it to its bucket's next free slot, so there are fewer steps than twice
/// the lines.
fn permute_into_buckets<C: Hash>(lines: &mut [Line<C>], bounds: &[usize], table: &BucketTable) {
    let buckets = bounds.len().saturating_sub(1);
    let mut next: Vec<usize> = bounds.iter().take(buckets).copied().collect();
    for b in 0..buckets {
        let end = item(bounds, b + 1).copied().unwrap_or(0);
        while let Some(i) = item(&next, b).copied().filter(|&i| i < end) {
            let target = item(lines, i).map_or(b, |(key, _)| table.bucket(number(key)));
            let free = next
                .get(target)
                .copied()
                .filter(|&j| j < item(bounds, target + 1).copied().unwrap_or(0));
            match free {
                Some(j) if target != b => {
                    lines.swap(i, j);
                    if let Some(slot) = item_mut(&mut next, target) {
                        *slot += 1;
                    }
                }
                // In its bucket; or, were the counts ever off (a bug), left
                // where it is rather than looping.
                _ => {
                    debug_assert_eq!(target, b, "bucket counts disagree with the table");
                    if let Some(slot) = item_mut(&mut next, b) {
                        *slot += 1;
                    }
                }
            }
        }
    }
}

/// `true` for keys grouped by number ([`group_by_number`]): keys that own
/// memory, and other keys wider than an integer that are not read as
/// integers (borrowed `&str` keys from columns), whose comparisons and
/// hashing in every pass cost more than numbering them once.
pub(super) fn groups_by_number<C: CustomerKey>() -> bool {
    std::mem::needs_drop::<C>() || (!is_integer::<C>() && std::mem::size_of::<C>() > 8)
}

/// Groups lines whose keys own memory (`String`, `Vec`…): each key is
/// numbered once, by a hash map that keeps its first copy (the others are
/// freed in input order, which the allocator handles best); the numbers,
/// ranked in key order, are then grouped as dense integer keys, and the
/// kept keys, sorted, become the log's. Owned keys grouped as they are
/// would be compared, hashed and moved (56 bytes a line for `String`) in
/// every pass, and freed in scattered order: several times slower.
fn group_by_number<C: CustomerKey>(lines: Vec<Line<C>>) -> PurchaseLog<C> {
    let mut numbers: FastMap<C, u32> = FastMap::default();
    // In place, into the lines' allocation: a number and a row are smaller
    // than an owned key and a row.
    let mut numbered: Vec<Line<u32>> = lines
        .into_iter()
        .map(|(key, row)| {
            // Fewer keys than lines, and lines < u32::MAX.
            let next = numbers.len() as u32;
            (*numbers.entry(key).or_insert(next), row)
        })
        .collect();
    let mut keys: Vec<(C, u32)> = numbers.into_iter().collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut rank_of = vec![0_u32; keys.len()];
    for (rank, (_, number)) in (0_u32..).zip(&keys) {
        if let Some(r) = item_mut(&mut rank_of, *number as usize) {
            *r = rank;
        }
    }
    for (number, _) in &mut numbered {
        *number = item(&rank_of, *number as usize).copied().unwrap_or(*number);
    }
    // Every rank has a line, so the grouped keys are exactly 0, 1, 2…: the
    // sorted keys, in order.
    let ranked = group(numbered);
    PurchaseLog {
        keys: keys.into_iter().map(|(key, _)| key).collect(),
        starts: ranked.starts,
        rows: ranked.rows,
        ..PurchaseLog::empty()
    }
}

/// Places one bucket's lines into `to` (as long, each slot written by
/// `place`), ordered by customer key, then time. Each line's slot in key
/// order is found by counting (integer keys spanning at most four times
/// the bucket's lines) or by interning the customers and ranking them by
/// key; each slot gets its line's time and position, packed into one
/// integer ([`TimeOrder`]); each customer's run of these is sorted, and
/// the lines are placed in that order.
/// Sorting 8-byte integers instead of the lines themselves, and copying
/// each line once, costs a third less than reordering the lines in place
/// (swapping them along the permutation's cycles, then sorting each run of
/// lines). Pushes the customers' keys, in order, to `keys`, and where
/// their lines end to `starts`, the bucket's first line being line `at`.
pub(super) fn group_bucket<C: CustomerKey, T>(
    bucket: &[Line<C>],
    to: &mut [T],
    place: impl Fn(&mut T, &Line<C>),
    at: u32,
    in_input_order: bool,
    keys: &mut Vec<C>,
    starts: &mut Vec<u32>,
) {
    let (time, keys_range) = TimeOrder::of(bucket);
    let mut order = vec![0_u64; bucket.len()];
    let dense = keys_range.and_then(|(low, high)| {
        DenseSlots::count(bucket.iter().map(|(key, _)| number(key)), bucket.len(), low, high)
    });
    let sizes = match dense {
        Some(mut dense) => {
            // Each line's slot as it is handed out: no array of slots.
            for (position, (key, row)) in (0_u32..).zip(bucket) {
                if let Some(o) = item_mut(&mut order, dense.next_slot(number(key))) {
                    *o = time.key(row, position);
                }
            }
            dense.into_sizes()
        }
        None => {
            let (slots, sizes) = interned_slots(bucket);
            for (position, ((_, row), &slot)) in (0_u32..).zip(bucket.iter().zip(&slots)) {
                if let Some(o) = item_mut(&mut order, slot as usize) {
                    *o = time.key(row, position);
                }
            }
            sizes
        }
    };
    let line = |o: u64| bucket.get(TimeOrder::position(o));
    let mut from = 0_usize;
    for &size in &sizes {
        let len = size as usize;
        starts.push(at + (from + len) as u32);
        if let Some(run) = range_mut(&mut order, from..from + len) {
            if let Some((key, _)) = run.first().and_then(|&o| line(o)) {
                keys.push(key.clone());
            }
            if len > 1 {
                if time.packed {
                    short_sort::sort(run);
                    if !in_input_order {
                        // Positions no longer follow input positions: lines
                        // of one second go in input order, as records' do.
                        order_ties_by_input(run, |o| line(o).map_or(0, |(_, row)| row.index));
                    }
                } else {
                    // The key ends with the input position: a total order.
                    run.sort_unstable_by_key(|&o| line(o).map(|(_, row)| row.sort_key()));
                }
            }
        }
        from += len;
    }
    for (target, &o) in to.iter_mut().zip(&order) {
        if let Some(source) = line(o) {
            place(target, source);
        }
    }
}

/// Puts each group of a sorted run's packed keys that share a time (the
/// high 32 bits) in the order of `index` (each line's input position).
/// Such ties are rare, and each group is short.
fn order_ties_by_input(run: &mut [u64], index: impl Fn(u64) -> u32) {
    let mut start = 0;
    while start < run.len() {
        let time = item(run, start).map_or(0, |&o| o >> 32);
        let end = run
            .get(start..)
            .and_then(|rest| rest.iter().position(|&o| o >> 32 != time))
            .map_or(run.len(), |len| start + len);
        if end - start > 1 {
            if let Some(ties) = range_mut(run, start..end) {
                ties.sort_unstable_by_key(|&o| index(o));
            }
        }
        start = end;
    }
}

/// A bucket's lines' time order as integers: a line's seconds after the
/// bucket's earliest in the high 32 bits, its position in the bucket in
/// the low 32. Where positions follow input positions (lines scattered in
/// order), while every line heads its own order (no order ids) and the
/// bucket spans under 136 years, these sort as [`Row::sort_key`] does;
/// lines swapped into place need their ties put in input order after (see
/// `order_ties_by_input`). Otherwise the keys hold positions only
/// (`packed` is false), to be sorted by the rows' own keys.
struct TimeOrder {
    earliest: i64,
    packed: bool,
}

impl TimeOrder {
    /// The bucket's time order and, for integer keys, the least and
    /// greatest key as numbers: one pass over the lines for both.
    fn of<C: CustomerKey>(bucket: &[Line<C>]) -> (Self, Option<(u64, u64)>) {
        let integer = is_integer::<C>();
        let (earliest, latest, heads, low, high) = bucket.iter().fold(
            (i64::MAX, i64::MIN, true, u64::MAX, 0),
            |(earliest, latest, heads, low, high), (key, row)| {
                let x = if integer { number(key) } else { 0 };
                (
                    earliest.min(row.seconds),
                    latest.max(row.seconds),
                    heads && row.head == row.index,
                    low.min(x),
                    high.max(x),
                )
            },
        );
        let span = latest.checked_sub(earliest).unwrap_or(i64::MAX);
        let time = Self {
            earliest,
            packed: heads && span <= i64::from(u32::MAX),
        };
        (time, (integer && low <= high).then_some((low, high)))
    }

    #[inline]
    fn key(&self, row: &Row, position: u32) -> u64 {
        if self.packed {
            // In range: `packed` bounds the difference.
            let after = row.seconds.wrapping_sub(self.earliest) as u64;
            (after << 32) | u64::from(position)
        } else {
            u64::from(position)
        }
    }

    #[inline]
    fn position(key: u64) -> usize {
        (key & u64::from(u32::MAX)) as usize
    }
}

/// Each line's slot in key order, and each customer's line count in key
/// order: the bucket's customers interned in a hash map, then sorted by
/// key. Lines of one customer keep their order.
fn interned_slots<C: Eq + Hash + Ord>(bucket: &[Line<C>]) -> (Vec<u32>, Vec<u32>) {
    // `destination` holds each line's customer until it becomes its slot.
    let mut destination: Vec<u32> = Vec::with_capacity(bucket.len());
    let mut sizes: Vec<u32> = Vec::new();
    // Sized for the bucket's customers up front (about one in ten lines), so
    // the table rarely grows.
    let mut local: FastMap<&C, u32> = FastMap::with_capacity_and_hasher(bucket.len() / 4, Default::default());
    let mut keys: Vec<&C> = Vec::new();
    for (key, _) in bucket {
        let id = match local.get(key) {
            Some(&id) => id,
            None => {
                let id = keys.len() as u32;
                local.insert(key, id);
                keys.push(key);
                sizes.push(0);
                id
            }
        };
        destination.push(id);
        if let Some(size) = item_mut(&mut sizes, id as usize) {
            *size += 1;
        }
    }
    drop(local);
    // Customers in key order: their sizes and first slots.
    let mut by_key: Vec<(&C, u32)> = keys.into_iter().zip(0..).collect();
    by_key.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut cursor = vec![0_u32; by_key.len()];
    let mut ordered_sizes = Vec::with_capacity(by_key.len());
    let mut at = 0_u32;
    for &(_, id) in &by_key {
        let size = item(&sizes, id as usize).copied().unwrap_or(0);
        if let Some(c) = item_mut(&mut cursor, id as usize) {
            *c = at;
            ordered_sizes.push(size);
        }
        at += size;
    }
    for d in &mut destination {
        if let Some(c) = item_mut(&mut cursor, *d as usize) {
            *d = *c;
            *c += 1;
        }
    }
    (destination, ordered_sizes)
}

/// The lines' key ranges ("buckets"), in key order. The boundaries are keys
/// sampled evenly from the lines, so buckets hold about
/// [`LINES_PER_BUCKET`] lines each, and all lines of one key share a bucket.
struct KeyRanges {
    /// Where each bucket's lines go: bucket `b` at `bounds[b]..bounds[b + 1]`.
    bounds: Vec<usize>,
    /// Lines per piece: the lines are counted, and scattered, in pieces of
    /// this many (the last may be shorter).
    piece: usize,
    /// For each piece, its lines in each bucket.
    counts: Vec<Vec<usize>>,
    /// How a line's bucket is found again when it is scattered.
    finder: BucketFinder,
}

/// How the scatter pass finds a line's bucket.
enum BucketFinder {
    /// Integer keys: looked up again in the boundaries' table. Writing each
    /// line's bucket down would take a fresh array of 2 bytes a line,
    /// whose first touch is slow where memory is virtualised (~45 ms for
    /// 9.2M lines on the reference VM, against ~15 ms of lookups).
    Table(BucketTable),
    /// Other keys: each line's bucket, written down while counting, as a
    /// search among key boundaries costs more than the array.
    Written(Vec<u16>),
}

/// The lines are counted, and scattered, in this many pieces (however many
/// threads there are).
pub(super) const PIECES: usize = 16;

impl KeyRanges {
    /// Samples the boundaries, finds each line's bucket and counts them.
    fn of<C: CustomerKey>(lines: &[Line<C>]) -> Self {
        let n = lines.len();
        let wanted = buckets_for(n);
        if wanted == 1 {
            return Self {
                bounds: vec![0, n],
                piece: n.max(1),
                counts: vec![vec![n]],
                finder: BucketFinder::Written(Vec::new()),
            };
        }
        let step = sample_step(n, wanted);
        let sample: Vec<&C> = lines.iter().step_by(step).map(|(key, _)| key).collect();
        let boundaries: Vec<C> = boundaries(sample, wanted).into_iter().cloned().collect();
        let buckets = boundaries.len() + 1;

        let piece = n.div_ceil(PIECES);
        let (counts, finder) = if is_integer::<C>() {
            let table = BucketTable::new(boundaries.iter().map(number).collect());
            let counts = map_parts(lines.chunks(piece).collect(), |lines| {
                count_piece(lines, &mut [], buckets, |key| table.bucket(number(key)))
            });
            (counts, BucketFinder::Table(table))
        } else {
            let mut of_line = vec![0_u16; n];
            let pieces: Vec<_> = lines.chunks(piece).zip(of_line.chunks_mut(piece)).collect();
            let counts = map_parts(pieces, |(lines, of_line)| {
                count_piece(lines, of_line, buckets, |key| {
                    boundaries.partition_point(|b| b <= key)
                })
            });
            (counts, BucketFinder::Written(of_line))
        };
        let mut bounds = Vec::with_capacity(buckets + 1);
        bounds.push(0);
        for b in 0..buckets {
            let lines: usize = counts.iter().filter_map(|piece| piece.get(b)).sum();
            bounds.push(bounds.last().copied().unwrap_or(0) + lines);
        }
        Self {
            bounds,
            piece,
            counts,
            finder,
        }
    }

    /// Copies every line of `lines` into its bucket in `room` (as long):
    /// each piece of lines in parallel, into its own slots of each bucket,
    /// after the earlier pieces' lines of that bucket. For keys without
    /// drop glue a clone is a copy, and, unlike a swap, it leaves the
    /// source unwritten: a third less memory traffic.
    fn scatter<C: CustomerKey>(&self, lines: &[Line<C>], room: &mut [Line<C>]) {
        let pieces = self.counts.len();
        let buckets = self.bounds.len().saturating_sub(1);
        // The slots of bucket 0 piece 0, bucket 0 piece 1, …: in `room`'s
        // order.
        let mut ends = Vec::with_capacity(buckets * pieces + 1);
        ends.push(0);
        for b in 0..buckets {
            for piece in &self.counts {
                ends.push(ends.last().copied().unwrap_or(0) + item(piece, b).copied().unwrap_or(0));
            }
        }
        let mut slots: Vec<Vec<std::slice::IterMut<'_, Line<C>>>> =
            (0..pieces).map(|_| Vec::with_capacity(buckets)).collect();
        for (at, part) in split_at_bounds(room, &ends).into_iter().enumerate() {
            if let Some(piece) = item_mut(&mut slots, at % pieces) {
                piece.push(part.iter_mut());
            }
        }
        let work: Vec<_> = lines.chunks(self.piece).zip(0..).zip(slots).collect();
        map_parts(work, |((lines, at), mut slots)| {
            let mut place = |line: &Line<C>, bucket: usize| {
                let slot = item_mut(&mut slots, bucket).and_then(Iterator::next);
                debug_assert!(slot.is_some(), "bucket {bucket} has no room left: a bug");
                if let Some(slot) = slot {
                    slot.clone_from(line);
                }
            };
            match &self.finder {
                BucketFinder::Table(table) => {
                    for line in lines {
                        place(line, table.bucket(number(&line.0)));
                    }
                }
                BucketFinder::Written(of_line) => {
                    let from = at * self.piece;
                    let of_line = range(of_line, from..from + lines.len()).unwrap_or_default();
                    for (line, &bucket) in lines.iter().zip(of_line) {
                        place(line, usize::from(bucket));
                    }
                }
            }
        });
    }
}

/// Buckets wanted for `n` lines.
pub(super) fn buckets_for(n: usize) -> usize {
    (n / LINES_PER_BUCKET).clamp(1, MAX_BUCKETS)
}

/// Every how many lines a key is sampled to choose the boundaries of
/// `wanted` buckets among `n` lines.
pub(super) fn sample_step(n: usize, wanted: usize) -> usize {
    (n / (wanted * SAMPLES_PER_BUCKET)).max(1)
}

/// The boundaries between `wanted` buckets: evenly spaced quantiles of a
/// sample of keys, distinct and in order (fewer when keys repeat).
pub(super) fn boundaries<T: Ord>(mut sample: Vec<T>, wanted: usize) -> Vec<T> {
    sample.sort_unstable();
    sample.dedup();
    let len = sample.len();
    let mut picks = (1..wanted).map(|i| i * len / wanted).peekable();
    let mut bounds = Vec::with_capacity(wanted.saturating_sub(1));
    for (at, key) in sample.into_iter().enumerate() {
        // Sample keys are distinct: a key picked more than once is one bound.
        let mut picked = false;
        while picks.next_if_eq(&at).is_some() {
            picked = true;
        }
        if picked {
            bounds.push(key);
        }
    }
    bounds
}

/// Finds each line's bucket with `bucket_of`, writes it to `of_line` (when
/// given one as long as the lines) and counts the lines per bucket.
#[inline]
fn count_piece<C>(
    lines: &[Line<C>],
    of_line: &mut [u16],
    buckets: usize,
    bucket_of: impl Fn(&C) -> usize,
) -> Vec<usize> {
    let mut counts = vec![0_usize; buckets];
    let mut of_line = of_line.iter_mut();
    for (key, _) in lines {
        let bucket = bucket_of(key);
        if let Some(slot) = of_line.next() {
            // Fewer than `MAX_BUCKETS` buckets: a `u16`.
            *slot = bucket as u16;
        }
        if let Some(count) = item_mut(&mut counts, bucket) {
            *count += 1;
        }
    }
    counts
}
