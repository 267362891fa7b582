//! The rules every record must pass, and how the records were accounted for.

use rust_decimal::Decimal;

use crate::{Error, Field};

/// The largest amount, in magnitude, that one record may carry: 10^15.
///
/// With at most `u32::MAX` records, every sum of amounts then stays below
/// 5 × 10^24, far inside `Decimal`'s range, so no sum can overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

/// `|amount| ≤ MAX_AMOUNT`, read off the mantissa and scale.
///
/// A `Decimal` comparison rescales its operands (about 25 ns, a quarter of
/// the whole per-record ingestion cost); this is one table lookup and one
/// integer comparison: `|m| / 10^s ≤ 10^15` exactly when `|m| ≤ 10^(15 + s)`.
// `#[inline]`: the builder is generic, so it is compiled in the caller's
// crate, where a plain function of ours stays a call per record.
#[inline]
pub(super) fn amount_in_range(amount: Decimal) -> bool {
    /// `10^(15 + s)` for every scale `s` with `15 + s ≤ 38`, the largest power
    /// of ten a `u128` holds; beyond that every mantissa (< 2^96) is in range.
    const LIMITS: [u128; 24] = [
        1000000000000000,
        10000000000000000,
        100000000000000000,
        1000000000000000000,
        10000000000000000000,
        100000000000000000000,
        1000000000000000000000,
        10000000000000000000000,
        100000000000000000000000,
        1000000000000000000000000,
        10000000000000000000000000,
        100000000000000000000000000,
        1000000000000000000000000000,
        10000000000000000000000000000,
        100000000000000000000000000000,
        1000000000000000000000000000000,
        10000000000000000000000000000000,
        100000000000000000000000000000000,
        1000000000000000000000000000000000,
        10000000000000000000000000000000000,
        100000000000000000000000000000000000,
        1000000000000000000000000000000000000,
        10000000000000000000000000000000000000,
        100000000000000000000000000000000000000,
    ];
    LIMITS
        .get(amount.scale() as usize)
        .is_none_or(|&limit| amount.mantissa().unsigned_abs() <= limit)
}

/// Marks "no value" in the dense code columns.
pub(super) const NONE: u32 = u32::MAX;

/// The most records one log indexes (record positions are stored as `u32`,
/// with `u32::MAX` reserved).
pub(super) const RECORD_LIMIT: usize = (u32::MAX - 1) as usize;

/// A record that a lenient build ([`LogOptions::build_lenient`](crate::LogOptions::build_lenient),
/// [`PurchaseLog::lenient`](crate::PurchaseLog::lenient), [`PurchaseLog::from_columns_lenient`](crate::PurchaseLog::from_columns_lenient)) left
/// out, and why.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{Error, Field, Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
/// let (_, rejected) = PurchaseLog::lenient(vec![Purchase::new(9_u64, day, Decimal::MAX)]);
/// assert_eq!(rejected[0].field, Field::Amount);
/// assert!(matches!(rejected[0].reason, Error::AmountOutOfRange { index: 0, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rejection<C> {
    /// Position of the record in the input.
    pub index: usize,
    /// The record's customer; `None` only for a row of columns whose
    /// customer is missing (a null).
    pub customer: Option<C>,
    /// The field at fault.
    pub field: Field,
    /// The rule it broke, with the value found.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::log::serialize_display"))]
    pub reason: Error,
}

impl<C> Rejection<C> {
    pub(super) fn new(index: usize, customer: Option<C>, reason: Error) -> Self {
        Self {
            index,
            field: reason.field().unwrap_or(Field::Customer),
            customer,
            reason,
        }
    }
}

#[cfg(feature = "serde")]
pub(crate) fn serialize_display<S: serde::Serializer>(
    error: &Error,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(error)
}

/// How the input records were accounted for: always
/// `accepted + merged + rejected == input`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{Purchase, PurchaseLog};
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
/// let log = PurchaseLog::new(vec![
///     Purchase::new(1_u64, day, Decimal::ONE).order_id("A"),
///     Purchase::new(1_u64, day, Decimal::TWO).order_id("A"), // second line of order A
/// ])?;
/// let stats = log.stats();
/// assert_eq!((stats.input, stats.accepted, stats.merged, stats.rejected), (2, 1, 1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct LogStats {
    /// Records read.
    pub input: usize,
    /// Orders kept: records without an order id, plus the first line of each
    /// order id.
    pub accepted: usize,
    /// Further lines of an order already seen ([`OrderLines::Merge`](crate::OrderLines::Merge)), kept
    /// as part of that order.
    pub merged: usize,
    /// Records left out by the lenient constructor.
    pub rejected: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_fast_amount_check_equals_the_decimal_comparison(
            mantissa in prop_oneof![any::<i64>().prop_map(i128::from), -(1_i128 << 95)..(1_i128 << 95)],
            scale in 0_u32..=28,
        ) {
            let amount = Decimal::from_i128_with_scale(mantissa, scale);
            prop_assert_eq!(amount_in_range(amount), amount.abs() <= MAX_AMOUNT, "{}", amount);
        }
    }

    #[test]
    fn the_fast_amount_check_is_exact_at_the_limit() {
        for scale in 0..=28 {
            let limit = MAX_AMOUNT.checked_mul(Decimal::ONE).unwrap();
            let at =
                Decimal::from_i128_with_scale(limit.mantissa() * 10_i128.pow(scale.min(13)), scale.min(13));
            assert!(amount_in_range(at) && amount_in_range(-at), "scale {scale}");
            let above = at + Decimal::new(1, scale.min(13));
            assert!(
                !amount_in_range(above) && !amount_in_range(-above),
                "scale {scale}"
            );
        }
    }
}
