//! Indexing that only a bug in this crate can take out of bounds.
//!
//! The crate never panics on a caller's input, so an index it computed
//! itself is read with `get`, and an impossible miss falls back. A silent
//! fallback would hide such a bug behind a wrong number, though: these
//! helpers stop at it in debug builds (the test suite and the fuzz
//! targets), and fall back in release builds.

/// `slice[i]`, proven in bounds by the caller's construction.
#[track_caller]
#[inline]
pub(crate) fn item<T>(slice: &[T], i: usize) -> Option<&T> {
    let found = slice.get(i);
    debug_assert!(found.is_some(), "index {i} beyond {} items: a bug", slice.len());
    found
}

/// `&mut slice[i]`, proven in bounds by the caller's construction.
#[track_caller]
#[inline]
pub(crate) fn item_mut<T>(slice: &mut [T], i: usize) -> Option<&mut T> {
    let len = slice.len();
    let found = slice.get_mut(i);
    debug_assert!(found.is_some(), "index {i} beyond {len} items: a bug");
    found
}

/// `&slice[range]`, proven in bounds by the caller's construction.
#[track_caller]
#[inline]
pub(crate) fn range<T>(slice: &[T], range: std::ops::Range<usize>) -> Option<&[T]> {
    let shown = range.clone();
    let found = slice.get(range);
    debug_assert!(
        found.is_some(),
        "range {shown:?} beyond {} items: a bug",
        slice.len()
    );
    found
}

/// `&mut slice[range]`, proven in bounds by the caller's construction.
#[track_caller]
#[inline]
pub(crate) fn range_mut<T>(slice: &mut [T], range: std::ops::Range<usize>) -> Option<&mut [T]> {
    let len = slice.len();
    let shown = range.clone();
    let found = slice.get_mut(range);
    debug_assert!(found.is_some(), "range {shown:?} beyond {len} items: a bug");
    found
}
