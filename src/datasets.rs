//! Real purchase data embedded in the crate (feature `datasets`, on by
//! default), so examples and tests run on a fresh clone.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{Purchase, PurchaseLog, Result};

/// The CDNOW sample as published: `customer_id master_id date cds dollars`,
/// whitespace-separated, one purchase a line.
const CDNOW_SAMPLE: &str = include_str!("datasets/cdnow_sample.txt");

/// The 6,919 purchases of the CDNOW 1/10 sample: the 2,357 customers who
/// made their first purchase at the CD retailer CDNOW in Q1 1997, followed
/// to 1998-06-30.
///
/// This is the data of Fader, Hardie & Lee (2005), "Counting Your Customers
/// the Easy Way", *Marketing Science* 24(2), whose published BG/NBD and
/// Pareto/NBD estimates the crate's tests reproduce. Customers are keyed
/// 1..=2357 as in the paper's summary file; dates are days (midnight UTC),
/// amounts in US dollars. The file comes from the Python `lifetimes` package
/// (MIT licence), which redistributes it.
///
/// # Example
///
/// ```
/// use repurchase::datasets::cdnow_sample_purchases;
///
/// let purchases = cdnow_sample_purchases();
/// assert_eq!(purchases.len(), 6_919);
/// assert_eq!(purchases[0].customer, 1);
/// assert_eq!(purchases[0].amount.to_string(), "29.33");
/// ```
pub fn cdnow_sample_purchases() -> Vec<Purchase<u32>> {
    CDNOW_SAMPLE.lines().filter_map(parse_cdnow_line).collect()
}

/// The CDNOW sample as a [`PurchaseLog`]; see [`cdnow_sample_purchases`].
///
/// # Errors
///
/// None in practice: the embedded records pass every rule (a test checks
/// it); the `Result` is that of [`PurchaseLog::new`].
///
/// # Example
///
/// ```
/// use repurchase::datasets::cdnow_sample;
///
/// let log = cdnow_sample()?;
/// assert_eq!((log.len(), log.customer_count()), (6_919, 2_357));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cdnow_sample() -> Result<PurchaseLog<u32>> {
    PurchaseLog::new(cdnow_sample_purchases())
}

/// One line of the CDNOW sample, `None` if malformed (a test checks that
/// every line parses).
fn parse_cdnow_line(line: &str) -> Option<Purchase<u32>> {
    let mut fields = line.split_whitespace();
    let _master_id = fields.next()?;
    let customer = fields.next()?.parse::<u32>().ok()?;
    let date = NaiveDate::parse_from_str(fields.next()?, "%Y%m%d").ok()?;
    let _cds = fields.next()?;
    let amount = Decimal::from_str(fields.next()?).ok()?;
    Some(Purchase::new(customer, date, amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_parses() {
        let lines = CDNOW_SAMPLE.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(lines, 6_919);
        assert_eq!(cdnow_sample_purchases().len(), lines);
    }

    #[test]
    fn the_sample_passes_every_rule() {
        let (log, rejected) = PurchaseLog::lenient(cdnow_sample_purchases());
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(log.stats().accepted, 6_919);
    }
}
