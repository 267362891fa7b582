//! The caller's records: purchases, customer profiles and the timestamp they use.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;

/// An instant, to the second, in UTC.
///
/// Every purchase carries one. It converts from the chrono types a caller
/// already has:
///
/// | from | read as |
/// |---|---|
/// | `DateTime<Tz>` (any zone) | that instant |
/// | `NaiveDateTime` | that wall-clock time in UTC |
/// | `NaiveDate` | midnight UTC of that day |
///
/// Sub-second precision is dropped (truncated toward the earlier second):
/// nothing in repurchase analytics turns on less than a second.
///
/// If your naive dates are the shop's local days, leave the log's
/// [`Calendar`](crate::Calendar) at UTC: the calendar is for instants
/// recorded in UTC, such as `DateTime<Utc>` from a database, that must be
/// bucketed into the shop's local days.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use repurchase::Timestamp;
///
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
/// let from_date = Timestamp::from(day);
/// let from_instant = Timestamp::from(Utc.with_ymd_and_hms(1997, 1, 1, 0, 0, 0).unwrap());
/// assert_eq!(from_date, from_instant);
/// assert_eq!(from_date.unix_seconds(), 852_076_800);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "DateTime<Utc>", into = "DateTime<Utc>"))]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z; always within chrono's range.
    seconds: i64,
}

impl Timestamp {
    /// The timestamp `seconds` after 1970-01-01T00:00:00Z, or `None` when
    /// chrono cannot represent that instant (beyond about ±262,000 years).
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::Timestamp;
    ///
    /// let t = Timestamp::from_unix_seconds(86_400).ok_or("out of range")?;
    /// assert_eq!(t.to_string(), "1970-01-02 00:00:00 UTC");
    /// assert!(Timestamp::from_unix_seconds(i64::MAX).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        DateTime::from_timestamp(seconds, 0).map(|_| Self { seconds })
    }

    /// A timestamp from seconds known to be in chrono's range: the default
    /// valid range's ends, or seconds read back from a validated log.
    pub(crate) const fn from_valid_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::Timestamp;
    ///
    /// let t = Timestamp::from(NaiveDate::from_ymd_opt(1970, 1, 2).ok_or("bad date")?);
    /// assert_eq!(t.unix_seconds(), 86_400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// The instant as a chrono `DateTime<Utc>`.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{NaiveDate, Datelike};
    /// use repurchase::Timestamp;
    ///
    /// let t = Timestamp::from(NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?);
    /// assert_eq!(t.to_datetime().month(), 6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_datetime(self) -> DateTime<Utc> {
        // The constructors only admit seconds that chrono represents.
        DateTime::from_timestamp(self.seconds, 0).unwrap_or_default()
    }

    /// The date of the instant in a calendar (a [`Calendar`](crate::Calendar),
    /// or a `FixedOffset`): the shop's day of the instant, as every module
    /// counts days in the log's calendar.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{FixedOffset, NaiveDate};
    /// use repurchase::Timestamp;
    ///
    /// // 23:30 UTC on 4 March is 07:30 on 5 March in Shanghai.
    /// let t = Timestamp::from_unix_seconds(1_709_595_000).ok_or("out of range")?;
    /// let shanghai = FixedOffset::east_opt(8 * 3600).ok_or("bad offset")?;
    /// assert_eq!(t.local_date(shanghai), NaiveDate::from_ymd_opt(2024, 3, 5).ok_or("bad date")?);
    /// assert_eq!(t.utc_date(), NaiveDate::from_ymd_opt(2024, 3, 4).ok_or("bad date")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn local_date(self, calendar: impl Into<crate::Calendar>) -> NaiveDate {
        calendar.into().local_date(self)
    }

    /// The calendar date in UTC.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::Timestamp;
    ///
    /// let day = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// assert_eq!(Timestamp::from(day).utc_date(), day);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn utc_date(self) -> NaiveDate {
        self.to_datetime().date_naive()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_datetime(), f)
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp {
    fn from(value: DateTime<Tz>) -> Self {
        Self {
            seconds: value.timestamp(),
        }
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(value: NaiveDateTime) -> Self {
        Self {
            seconds: value.and_utc().timestamp(),
        }
    }
}

impl From<NaiveDate> for Timestamp {
    fn from(value: NaiveDate) -> Self {
        Self::from(value.and_time(chrono::NaiveTime::MIN))
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(value: Timestamp) -> Self {
        value.to_datetime()
    }
}

/// One purchase record as the caller has it: who, when, how much, and
/// optionally which order, product and sales channel.
///
/// A `Purchase` is plain data with public fields; the rules it must follow
/// are checked when records become a [`PurchaseLog`](crate::PurchaseLog).
///
/// - `customer` is any key type `C: Clone + Eq + Hash + Ord` (`u64`,
///   `String`, a UUID type…); results carry it back.
/// - `amount` is exact money. A negative amount is a refund, netted into its
///   period (see [`PurchaseLog`](crate::PurchaseLog) for the rules); a zero
///   amount is an order of no value (a free sample) and still a purchase.
/// - `order_id` groups the lines of one order; records without one are one
///   order each.
/// - `product` and `channel` are free-form keys used by product-level and
///   channel-mix analyses.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::Purchase;
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(2024, 3, 1).ok_or("bad date")?;
/// let p = Purchase::new(42_u64, day, Decimal::new(1999, 2))
///     .order_id("A-1001")
///     .product("coffee-1kg")
///     .channel("web");
/// assert_eq!(p.amount.to_string(), "19.99");
/// assert_eq!(p.product.as_deref(), Some("coffee-1kg"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Purchase<C> {
    /// The customer's key.
    pub customer: C,
    /// When the purchase happened.
    pub at: Timestamp,
    /// The amount paid; negative for a refund.
    pub amount: Decimal,
    /// The order this record is a line of, if the source has order ids.
    pub order_id: Option<String>,
    /// The product bought, if known.
    pub product: Option<String>,
    /// The sales channel (web, app, store…), if known.
    pub channel: Option<String>,
}

impl<C> Purchase<C> {
    /// A purchase without order id, product or channel.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::Purchase;
    /// use rust_decimal::Decimal;
    ///
    /// let p = Purchase::new("alice", NaiveDate::from_ymd_opt(2024, 3, 1).ok_or("bad date")?, Decimal::TEN);
    /// assert!(p.order_id.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(customer: C, at: impl Into<Timestamp>, amount: Decimal) -> Self {
        Self {
            customer,
            at: at.into(),
            amount,
            order_id: None,
            product: None,
            channel: None,
        }
    }

    /// Sets the order id.
    ///
    /// # Example
    ///
    /// ```
    /// # use chrono::NaiveDate; use repurchase::Purchase; use rust_decimal::Decimal;
    /// let p = Purchase::new(1_u32, NaiveDate::MIN, Decimal::ONE).order_id("A-1");
    /// assert_eq!(p.order_id.as_deref(), Some("A-1"));
    /// ```
    #[must_use]
    pub fn order_id(mut self, order_id: impl Into<String>) -> Self {
        self.order_id = Some(order_id.into());
        self
    }

    /// Sets the product key.
    ///
    /// # Example
    ///
    /// ```
    /// # use chrono::NaiveDate; use repurchase::Purchase; use rust_decimal::Decimal;
    /// let p = Purchase::new(1_u32, NaiveDate::MIN, Decimal::ONE).product("tea");
    /// assert_eq!(p.product.as_deref(), Some("tea"));
    /// ```
    #[must_use]
    pub fn product(mut self, product: impl Into<String>) -> Self {
        self.product = Some(product.into());
        self
    }

    /// Sets the sales channel.
    ///
    /// # Example
    ///
    /// ```
    /// # use chrono::NaiveDate; use repurchase::Purchase; use rust_decimal::Decimal;
    /// let p = Purchase::new(1_u32, NaiveDate::MIN, Decimal::ONE).channel("store");
    /// assert_eq!(p.channel.as_deref(), Some("store"));
    /// ```
    #[must_use]
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }
}

/// What the caller knows about a customer beyond purchases: a CRM profile.
///
/// Analyses that can use profiles take them as an optional input: a
/// registered customer who never bought is a *prospect* rather than
/// invisible, birthdays drive greetings, and an opt-out silences campaigns.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::Customer;
///
/// let c = Customer::new("alice")
///     .signed_up(NaiveDate::from_ymd_opt(2023, 11, 5).ok_or("bad date")?)
///     .birthday(NaiveDate::from_ymd_opt(1990, 4, 12).ok_or("bad date")?)
///     .opt_out(true)
///     .tag("vip");
/// assert!(c.marketing_opt_out);
/// assert_eq!(c.tags, ["vip"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Customer<C> {
    /// The customer's key, the same as in their purchases.
    pub key: C,
    /// The day the customer registered, if known.
    pub signed_up: Option<NaiveDate>,
    /// The customer's date of birth, if known (only month and day are used
    /// for greetings).
    pub birthday: Option<NaiveDate>,
    /// `true` when the customer declined marketing messages.
    pub marketing_opt_out: bool,
    /// Free-form labels from the caller's CRM.
    pub tags: Vec<String>,
}

impl<C> Customer<C> {
    /// A profile with only a key.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::Customer;
    ///
    /// let c = Customer::new(7_u64);
    /// assert!(c.signed_up.is_none() && !c.marketing_opt_out && c.tags.is_empty());
    /// ```
    pub fn new(key: C) -> Self {
        Self {
            key,
            signed_up: None,
            birthday: None,
            marketing_opt_out: false,
            tags: Vec::new(),
        }
    }

    /// Sets the sign-up day.
    ///
    /// # Example
    ///
    /// ```
    /// # use chrono::NaiveDate; use repurchase::Customer;
    /// let c = Customer::new(1_u8).signed_up(NaiveDate::MIN);
    /// assert_eq!(c.signed_up, Some(NaiveDate::MIN));
    /// ```
    #[must_use]
    pub fn signed_up(mut self, day: NaiveDate) -> Self {
        self.signed_up = Some(day);
        self
    }

    /// Sets the date of birth.
    ///
    /// # Example
    ///
    /// ```
    /// # use chrono::NaiveDate; use repurchase::Customer;
    /// let c = Customer::new(1_u8).birthday(NaiveDate::MIN);
    /// assert_eq!(c.birthday, Some(NaiveDate::MIN));
    /// ```
    #[must_use]
    pub fn birthday(mut self, day: NaiveDate) -> Self {
        self.birthday = Some(day);
        self
    }

    /// Sets the marketing opt-out.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::Customer;
    /// assert!(Customer::new(1_u8).opt_out(true).marketing_opt_out);
    /// ```
    #[must_use]
    pub fn opt_out(mut self, opted_out: bool) -> Self {
        self.marketing_opt_out = opted_out;
        self
    }

    /// Adds a tag.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::Customer;
    /// assert_eq!(Customer::new(1_u8).tag("a").tag("b").tags, ["a", "b"]);
    /// ```
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn conversions_agree_on_the_instant() {
        let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let midnight = day.and_hms_opt(0, 0, 0).unwrap();
        let plus8 = FixedOffset::east_opt(8 * 3600).unwrap();
        let local = plus8
            .from_local_datetime(&day.and_hms_opt(8, 0, 0).unwrap())
            .unwrap();
        assert_eq!(Timestamp::from(day), Timestamp::from(midnight));
        assert_eq!(Timestamp::from(day), Timestamp::from(local));
    }

    #[test]
    fn sub_seconds_truncate_toward_the_past() {
        let t = DateTime::from_timestamp(-1, 500_000_000).unwrap();
        assert_eq!(Timestamp::from(t).unix_seconds(), -1);
    }

    #[test]
    fn round_trips_through_chrono() {
        for s in [-86_400 * 365 * 100, -1, 0, 1, 1_700_000_000] {
            let t = Timestamp::from_unix_seconds(s).unwrap();
            assert_eq!(Timestamp::from(t.to_datetime()), t, "seconds {s}");
        }
    }
}
