//! `Money`: an exact running sum of `Decimal` amounts, as an integer number
//! of 10^−scale units.
//!
//! Summaries add a few amounts per purchase, and a `Decimal` addition costs
//! about 15 ns (it unpacks, aligns and repacks 96-bit mantissas) where an
//! `i128` addition costs one. Amounts are bounded by
//! [`MAX_AMOUNT`](crate::MAX_AMOUNT) = 10^15 and a log by 2^32 records, so
//! every sum stays below 4.3 × 10^24: in `i128` units at any scale up to 13,
//! which covers every amount with up to 13 decimals (cents, mills, the 4
//! decimals of exchange rates). Beyond that, or if an alignment would
//! overflow, the sum falls back to `Decimal` arithmetic, which rounds as
//! `Decimal` always has: such sums (more than 28 significant digits) can
//! then differ in their last digit with the order of addition, as a log
//! and an accumulator group a customer's orders by day differently.

use rust_decimal::Decimal;

/// An exact sum of amounts: `units · 10^−scale`. Stored as its exact
/// decimal text (every digit, beyond a `Decimal`'s 28), so stored state
/// reloads to the same sums.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Money {
    units: i128,
    scale: u32,
}

impl Money {
    /// Zero.
    pub(crate) const ZERO: Money = Money { units: 0, scale: 0 };

    /// `units · 10^−scale`, as given (any scale: [`value`](Self::value)
    /// rounds to what a `Decimal` holds).
    pub(crate) fn from_units(units: i128, scale: u32) -> Self {
        Money { units, scale }
    }

    /// Adds `other`, exactly.
    #[inline(always)]
    pub(crate) fn add(&mut self, other: Money) {
        if self.scale == other.scale {
            if let Some(units) = self.units.checked_add(other.units) {
                self.units = units;
                return;
            }
        }
        // Decimal's own rule, digits and all: zero plus x is x, x plus zero
        // is x. A sum from `ZERO` takes its first amount's scale here.
        if self.units == 0 {
            *self = other;
            return;
        }
        if other.units == 0 {
            return;
        }
        self.add_other_scale(other);
    }

    /// [`add`](Self::add) for different scales, or past `i128`.
    #[cold]
    #[inline(never)]
    fn add_other_scale(&mut self, other: Money) {
        *self = self.add_aligned(other).unwrap_or_else(|| {
            // Amounts are bounded by MAX_AMOUNT: the Decimal sum cannot saturate.
            Money::from(self.value().saturating_add(other.value()))
        });
    }

    /// Both at the larger scale, then added; `None` on `i128` overflow.
    fn add_aligned(self, other: Money) -> Option<Money> {
        let scale = self.scale.max(other.scale);
        let units = rescale(self, scale)?.checked_add(rescale(other, scale)?)?;
        Some(Money { units, scale })
    }

    /// The sum as a `Decimal`.
    #[inline]
    pub(crate) fn value(self) -> Decimal {
        let (mut units, mut scale) = (self.units, self.scale);
        loop {
            if let Ok(value) = Decimal::try_from_i128_with_scale(units, scale) {
                return value;
            }
            if scale == 0 {
                // Unreachable within MAX_AMOUNT's bounds.
                return if units < 0 { Decimal::MIN } else { Decimal::MAX };
            }
            // More digits than a Decimal holds: drop one, rounding half to
            // even.
            let (quotient, remainder) = (units / 10, units % 10);
            let round_up = remainder.abs() > 5 || (remainder.abs() == 5 && quotient % 2 != 0);
            units = quotient + if round_up { remainder.signum() } else { 0 };
            scale -= 1;
        }
    }

    /// `> 0`.
    #[inline]
    pub(crate) fn is_positive(self) -> bool {
        self.units > 0
    }

    /// `= 0`.
    #[inline]
    pub(crate) fn is_zero(self) -> bool {
        self.units == 0
    }
}

/// `money`'s units at a scale at least its own; `None` on overflow.
fn rescale(money: Money, scale: u32) -> Option<i128> {
    let factor = 10_i128.checked_pow(scale.checked_sub(money.scale)?)?;
    money.units.checked_mul(factor)
}

impl From<Decimal> for Money {
    #[inline]
    fn from(amount: Decimal) -> Self {
        Money {
            units: amount.mantissa(),
            scale: amount.scale(),
        }
    }
}

impl From<Money> for Decimal {
    fn from(money: Money) -> Self {
        money.value()
    }
}

/// Equal values are equal whatever their scales (1.0 = 1.00), as `Decimal`.
impl PartialEq for Money {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl Eq for Money {}

/// The most digits after the point a stored amount may have: a `Decimal`'s.
#[cfg(feature = "serde")]
const MAX_SCALE: u32 = 28;

impl Money {
    /// The exact value as decimal text: `-12.3400` for units −123400 at
    /// scale 4.
    #[cfg(feature = "serde")]
    fn exact_text(self) -> String {
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        let sign = if self.units < 0 { "-" } else { "" };
        if fraction.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{fraction}")
        }
    }

    /// The amount of exact decimal text (`-12.3400`, `7`), or `None` for
    /// anything else, more than `MAX_SCALE` decimals or more digits than
    /// an `i128` holds.
    #[cfg(feature = "serde")]
    fn parse_exact(text: &str) -> Option<Self> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let scale = u32::try_from(fraction.len()).ok().filter(|s| *s <= MAX_SCALE)?;
        let magnitude: i128 = format!("{whole}{fraction}").parse().ok()?;
        Some(Money {
            units: if negative { -magnitude } else { magnitude },
            scale,
        })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.exact_text())
    }
}

/// Exact decimal text, as written; numbers (a hand-written state) are read
/// as `Decimal` reads them.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Exact;

        impl serde::de::Visitor<'_> for Exact {
            type Value = Money;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an amount as decimal text, such as \"12.34\"")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> std::result::Result<Money, E> {
                Money::parse_exact(text).ok_or_else(|| E::custom(format!("{text:?} is not an exact amount")))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Money, E> {
                Ok(Money::from(Decimal::from(v)))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Money, E> {
                Ok(Money::from(Decimal::from(v)))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Money, E> {
                Decimal::try_from(v)
                    .map(Money::from)
                    .map_err(|_| E::custom(format!("{v} is not an amount")))
            }
        }

        deserializer.deserialize_any(Exact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn decimal(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn sums_across_scales_are_exact() {
        let mut sum = Money::ZERO;
        for s in ["19.99", "-5", "0.001", "1e-13", "1000000000000000"] {
            sum.add(Money::from(
                Decimal::from_scientific(s).unwrap_or_else(|_| decimal(s)),
            ));
        }
        assert_eq!(sum.value(), decimal("1000000000000014.9910000000001"));
        assert_eq!(Money::from(decimal("1.0")), Money::from(decimal("1.00")));
    }

    #[test]
    fn a_sum_from_zero_keeps_the_digits_decimal_keeps() {
        for (first, second) in [("0", "1.50"), ("0.000", "1.5"), ("1.5", "-1.5"), ("1.5", "0.000")] {
            let (first, second) = (decimal(first), decimal(second));
            let mut sum = Money::from(first);
            sum.add(Money::from(second));
            sum.add(Money::from(decimal("2.25")));
            let expected = first + second + decimal("2.25");
            assert_eq!(sum.value().to_string(), expected.to_string());
        }
    }

    #[test]
    fn past_i128_the_sum_is_decimals_own() {
        // 28 decimals: aligning to them overflows i128 units.
        let tiny = decimal("0.0000000000000000000000000001");
        let big = decimal("999999999999999.5");
        let mut sum = Money::from(big);
        sum.add(Money::from(tiny));
        assert_eq!(sum.value(), big.saturating_add(tiny));
    }

    proptest! {
        /// Any sequence of amounts within MAX_AMOUNT sums to what Decimal's
        /// own addition gives. (Up to 12 decimals apart, so that Decimal's
        /// 28 digits hold every partial sum and neither side rounds.)
        #[test]
        fn sums_equal_decimal_addition(
            amounts in prop::collection::vec(
                (prop_oneof![Just(0_i64), -1_000_000_000_000_000_i64..=1_000_000_000_000_000], 0_u32..=12),
                0..40,
            )
        ) {
            let mut money = Money::ZERO;
            let mut decimal = Decimal::ZERO;
            for (mantissa, scale) in amounts {
                let amount = Decimal::new(mantissa, scale);
                money.add(Money::from(amount));
                decimal = decimal.saturating_add(amount);
            }
            prop_assert_eq!(money.value(), decimal);
            // The same digits too: `Display` shows the sum as Decimal would.
            prop_assert_eq!(money.value().scale(), decimal.scale());
            prop_assert_eq!(money.is_positive(), decimal > Decimal::ZERO);
            prop_assert_eq!(money.is_zero(), decimal.is_zero());
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn stored_sums_keep_every_digit() {
        // More digits than a Decimal holds: 1.7e5 at scale 28.
        let sum = Money::from_units(1_704_243_023_052_740_725_354_707_223_155, 25);
        let json = serde_json::to_string(&sum).unwrap();
        assert_eq!(json, "\"170424.3023052740725354707223155\"");
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!((back.units, back.scale), (sum.units, sum.scale));
        let small: Money = serde_json::from_str("\"-0.05\"").unwrap();
        assert_eq!((small.units, small.scale), (-5, 2));
        let whole: Money = serde_json::from_str("12").unwrap();
        assert_eq!(whole.value(), Decimal::from(12));
        for bad in ["\"1.2.3\"", "\"abc\"", "\"\"", "\"-\"", "\"1e5\""] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }
}
