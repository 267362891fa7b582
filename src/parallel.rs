//! Work over all cores with the `parallel` feature (rayon), in order on one
//! core without it.
//!
//! Work is cut into pieces whose bounds do not depend on the number of
//! threads, and partial results are combined in piece order, so every result
//! is bit-identical whatever the thread count and with or without the
//! feature: only the wall time changes.

/// What values handed to the work in pieces must be: `Send + Sync`, with
/// or without the `parallel` feature, so that the feature changes no
/// bound (customer keys are [`CustomerKey`](crate::CustomerKey)s).
pub(crate) trait Shareable: Send + Sync {}
impl<T: Send + Sync + ?Sized> Shareable for T {}

/// Rows per piece of a likelihood sum: large enough that the per-piece
/// overhead vanishes, small enough for every core to get many.
pub(crate) const SUM_PIECE: usize = 4_096;

/// `f` of each consecutive range of `0..len` of `piece` positions (the
/// last may be shorter), in order.
pub(crate) fn map_pieces<R, F>(len: usize, piece: usize, f: F) -> Vec<R>
where
    R: Shareable,
    F: Fn(std::ops::Range<usize>) -> R + Shareable,
{
    let piece = piece.max(1);
    let ranges = (0..len.div_ceil(piece)).map(move |i| i * piece..((i + 1) * piece).min(len));
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        ranges.collect::<Vec<_>>().into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        ranges.map(f).collect()
    }
}

/// `f` of each of `parts`, in order.
pub(crate) fn map_parts<P, R, F>(parts: Vec<P>, f: F) -> Vec<R>
where
    P: Shareable,
    R: Shareable,
    F: Fn(P) -> R + Shareable,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        parts.into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        parts.into_iter().map(f).collect()
    }
}

/// `len` copies of `value`, written in parallel with the `parallel`
/// feature: the first touch of fresh memory is shared among the cores.
pub(crate) fn filled<T: Clone + Shareable>(len: usize, value: T) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let mut items = Vec::with_capacity(len);
        items.par_extend((0..len).into_par_iter().map(|_| value.clone()));
        items
    }
    #[cfg(not(feature = "parallel"))]
    {
        vec![value; len]
    }
}

/// `f` of each of `items`, in order, in pieces of at least [`SUM_PIECE`].
pub(crate) fn map_each<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Shareable,
    R: Shareable,
    F: Fn(&T) -> R + Shareable,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().with_min_len(SUM_PIECE).map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// `f` of each of `items` with its position, in order; an error if any
/// fails.
pub(crate) fn try_map<T, R, E, F>(items: &[T], f: F) -> Result<Vec<R>, E>
where
    T: Shareable,
    R: Shareable,
    E: Shareable,
    F: Fn(usize, &T) -> Result<R, E> + Shareable,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().enumerate().map(|(i, item)| f(i, item)).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().enumerate().map(|(i, item)| f(i, item)).collect()
    }
}

/// Splits `items` at the ascending `bounds` (`bounds[0] = 0`, last =
/// `items.len()`) into disjoint mutable parts.
pub(crate) fn split_at_bounds<'a, T>(mut items: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(bounds.len().saturating_sub(1));
    let mut at = bounds.first().copied().unwrap_or(0);
    for &end in bounds.iter().skip(1) {
        let all = std::mem::take(&mut items);
        let (part, rest) = all.split_at_mut(end.saturating_sub(at).min(all.len()));
        parts.push(part);
        items = rest;
        at = end;
    }
    parts
}

/// Sums the `(value, gradient)` partials of pieces in piece order.
pub(crate) fn sum_partials<const N: usize>(partials: Vec<(f64, [f64; N])>) -> (f64, [f64; N]) {
    partials
        .into_iter()
        .fold((0.0, [0.0; N]), |(value, mut gradient), (v, g)| {
            gradient
                .iter_mut()
                .zip(g)
                .for_each(|(total, part)| *total += part);
            (value + v, gradient)
        })
}
