//! Which products customers buy again, and how often.

use super::days::days;
use super::stats::{Rate, quantile_sorted};
use crate::period::day_number;
use crate::{PurchaseLog, SummaryOptions};

/// One product's repurchase: buyers, repeat buyers and the replenishment
/// cycle.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{metrics, Purchase, PurchaseLog, SummaryOptions};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).ok_or("bad date");
/// let log = PurchaseLog::new(vec![
///     Purchase::new(1_u64, d(1, 1)?, Decimal::TEN).product("coffee"),
///     Purchase::new(1_u64, d(1, 31)?, Decimal::TEN).product("coffee"),
///     Purchase::new(2_u64, d(1, 5)?, Decimal::TEN).product("coffee"),
/// ])?;
/// let products = metrics::product_repurchase(&log, &SummaryOptions::new(d(3, 1)?));
/// let coffee = &products[0];
/// assert_eq!((coffee.buyers, coffee.repeat_buyers, coffee.median_rebuy_days), (2, 1, Some(30.0)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ProductRepurchase {
    /// The product key.
    pub product: String,
    /// Customers who bought it.
    pub buyers: u64,
    /// Customers who bought it on two or more distinct days.
    pub repeat_buyers: u64,
    /// `repeat_buyers / buyers`.
    pub rate: Rate,
    /// Median days between consecutive purchase days of the product by the
    /// same customer: the replenishment cycle.
    pub median_rebuy_days: Option<f64>,
}

/// Repurchase per product, for logs whose purchases carry a product key:
/// buyers, repeat buyers (bought it on two or more distinct days), the
/// product repurchase rate and the median re-buy interval. Products in key
/// order; empty when no purchase names a product.
///
/// A customer *buys* a product on a day with a line of it that is not a
/// refund (amount ≥ 0), up to the observation end.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, metrics, SummaryOptions};
///
/// // The CDNOW sample has no product keys.
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// assert!(metrics::product_repurchase(&cdnow_sample()?, &SummaryOptions::new(end)).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn product_repurchase<C>(log: &PurchaseLog<C>, options: &SummaryOptions) -> Vec<ProductRepurchase> {
    let names = log.products();
    if names.is_empty() {
        return Vec::new();
    }
    let end_day = day_number(options.observation_end());
    let mut buyers = vec![0_u64; names.len()];
    let mut repeaters = vec![0_u64; names.len()];
    let mut gaps: Vec<Vec<u32>> = vec![Vec::new(); names.len()];
    let mut bought: Vec<(u32, i64)> = Vec::new();
    for purchases in log.customers() {
        bought.clear();
        bought.extend(purchases.product_lines().filter_map(|(code, seconds, amount)| {
            let day = log.clock().day(seconds);
            (amount >= rust_decimal::Decimal::ZERO && day <= end_day).then_some((code?, day))
        }));
        bought.sort_unstable();
        bought.dedup();
        for run in bought.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(code, _)) = run.first() else { continue };
            let p = code as usize;
            if let Some(b) = crate::invariant::item_mut(&mut buyers, p) {
                *b += 1;
            }
            if run.len() > 1 {
                if let Some(r) = crate::invariant::item_mut(&mut repeaters, p) {
                    *r += 1;
                }
            }
            if let Some(g) = crate::invariant::item_mut(&mut gaps, p) {
                g.extend(run.windows(2).filter_map(|w| match w {
                    [(_, a), (_, b)] => Some(days(*a, *b)),
                    _ => None,
                }));
            }
        }
    }
    let mut out: Vec<ProductRepurchase> = names
        .iter()
        .zip(buyers.into_iter().zip(repeaters).zip(gaps))
        .filter(|(_, ((b, _), _))| *b > 0)
        .map(|(name, ((b, r), mut g))| {
            g.sort_unstable();
            ProductRepurchase {
                product: name.clone(),
                buyers: b,
                repeat_buyers: r,
                rate: Rate::new(r, b),
                median_rebuy_days: quantile_sorted(&g, 0.5),
            }
        })
        .collect();
    out.sort_by(|a, b| a.product.cmp(&b.product));
    out
}
