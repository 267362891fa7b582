//! Arbitrary inputs shared by the fuzz targets: records, log options and
//! summary options a caller could build, hostile values included.

#![allow(dead_code)]

use arbitrary::Arbitrary;
use repurchase::chrono::{Days, FixedOffset, NaiveDate};
use repurchase::rust_decimal::Decimal;
use repurchase::{
    Calendar, Granularity, LogOptions, OrderLines, Purchase, PurchaseLog, Rejection, SummaryOptions,
    TimeUnit, Timestamp,
};

/// 2020-01-01 as Unix seconds: records cluster around it, within a few
/// decades, unless `extreme` asks for any instant chrono holds.
const BASE: i64 = 1_577_836_800;

#[derive(Arbitrary, Debug, Clone)]
pub struct Record {
    customer: u8,
    /// Seconds from `BASE`, within about ±68 years.
    offset: i32,
    extreme: Option<i64>,
    units: i64,
    scale: u8,
    order: Option<u8>,
    product: Option<u8>,
    channel: Option<u8>,
}

impl Record {
    /// The purchase, or `None` for an instant or amount the types cannot
    /// hold (the caller could not build it either).
    pub fn purchase(&self) -> Option<Purchase<u8>> {
        let seconds = self.extreme.unwrap_or(BASE + i64::from(self.offset));
        let at = Timestamp::from_unix_seconds(seconds)?;
        let amount = Decimal::try_new(self.units, u32::from(self.scale % 29)).ok()?;
        let mut p = Purchase::new(self.customer, at, amount);
        if let Some(o) = self.order {
            p = p.order_id(format!("o{}", o % 16));
        }
        if let Some(product) = self.product {
            p = p.product(format!("p{}", product % 8));
        }
        if let Some(channel) = self.channel {
            p = p.channel(format!("c{}", channel % 4));
        }
        Some(p)
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub struct LogInput {
    pub records: Vec<Record>,
    /// Valid range as seconds from `BASE`, when given.
    range: Option<(i64, i64)>,
    reject_duplicates: bool,
    /// Minutes east of UTC.
    offset_minutes: i16,
}

impl LogInput {
    pub fn purchases(&self) -> Vec<Purchase<u8>> {
        self.records.iter().filter_map(Record::purchase).collect()
    }

    pub fn options(&self) -> LogOptions {
        let mut options = LogOptions::default()
            .order_lines(if self.reject_duplicates {
                OrderLines::Reject
            } else {
                OrderLines::Merge
            })
            .calendar(calendar(self.offset_minutes));
        if let Some((from, until)) = self.range {
            let at = |s: i64| Timestamp::from_unix_seconds(BASE.saturating_add(s));
            if let (Some(from), Some(until)) = (at(from), at(until)) {
                // An empty range is a typed error; keep the default then.
                options = options.valid_range(from, until).unwrap_or(options);
            }
        }
        options
    }

    /// The lenient log, its record accounting checked.
    pub fn log(&self) -> (PurchaseLog<u8>, Vec<Rejection<u8>>) {
        let purchases = self.purchases();
        let n = purchases.len();
        let options = self.options();
        let strict = options.build(purchases.clone());
        let (log, rejected) = options.build_lenient(purchases);
        let stats = log.stats();
        assert_eq!(stats.accepted + stats.merged + stats.rejected, n, "records lost");
        assert_eq!(stats.rejected, rejected.len());
        assert_eq!(stats.input, n);
        // Strict building fails exactly when a record is rejected.
        assert_eq!(strict.is_ok(), rejected.is_empty());
        (log, rejected)
    }
}

pub fn calendar(offset_minutes: i16) -> Calendar {
    FixedOffset::east_opt(i32::from(offset_minutes) * 60).map_or(Calendar::utc(), Calendar::offset)
}

#[derive(Arbitrary, Debug, Clone)]
pub struct SummaryInput {
    /// Days from 2020-01-01 to the observation end.
    end: i32,
    granularity: u8,
    unit: u8,
}

impl SummaryInput {
    pub fn options(&self) -> SummaryOptions {
        let base = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
        let end = if self.end >= 0 {
            base.checked_add_days(Days::new(self.end.unsigned_abs().into()))
        } else {
            base.checked_sub_days(Days::new(self.end.unsigned_abs().into()))
        };
        let granularity =
            [Granularity::Day, Granularity::Week, Granularity::Month][usize::from(self.granularity % 3)];
        let unit = [TimeUnit::Periods, TimeUnit::Days, TimeUnit::Weeks][usize::from(self.unit % 3)];
        SummaryOptions::new(end.unwrap_or(base))
            .granularity(granularity)
            .unit(unit)
    }
}

/// `x` is a number the library may return: finite.
pub fn finite(x: f64, what: &str) {
    assert!(x.is_finite(), "{what} = {x}");
}

/// `p` is a probability.
pub fn probability(p: f64, what: &str) {
    assert!((0.0..=1.0).contains(&p), "{what} = {p}");
}
