//! The shop's calendar: where its days start, for every module at once.

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, Offset, Utc};

use crate::period::{DAY_SECONDS, date_of_day};
use crate::{Error, Result, Timestamp};

/// Where a shop's days start: a fixed offset from UTC, or (with the `tz`
/// feature) an IANA time zone with its daylight-saving rules.
///
/// A log carries one calendar ([`LogOptions::calendar`](crate::LogOptions::calendar)),
/// and every module that turns a purchase's instant into a day (summaries,
/// holdout splits, metrics, RFM recency, lifecycle, portraits, triggers,
/// tiers, points, experiments) reads it from the log, so no two modules
/// can put one order on different days.
///
/// A local day is the calendar date in the zone: around a daylight-saving
/// change a day has 23 or 25 hours, and "day N after the first purchase"
/// counts calendar dates, not 24-hour spans (an order at 00:30 on the
/// first day of summer time is one day after one at 23:30 the evening
/// before, though only 23 hours apart).
///
/// Where a zone turned its clocks back across midnight, the repeated
/// hour's instants count on the later date, so a customer's days never
/// run backwards.
///
/// Displayed and parsed as `UTC`, `+08:00` / `-05:30`, or a zone name such
/// as `Europe/Berlin` (with `tz`); serialised the same way.
///
/// # Example
///
/// ```
/// use chrono::{FixedOffset, NaiveDate};
/// use repurchase::{Calendar, Timestamp};
///
/// let shanghai = Calendar::offset(FixedOffset::east_opt(8 * 3600).ok_or("bad offset")?);
/// // 23:00 UTC on 4 March is 07:00 on 5 March in the shop.
/// let t = Timestamp::from_unix_seconds(1_709_593_200).ok_or("out of range")?;
/// assert_eq!(shanghai.local_date(t), NaiveDate::from_ymd_opt(2024, 3, 5).ok_or("bad date")?);
/// assert_eq!(Calendar::utc().local_date(t), NaiveDate::from_ymd_opt(2024, 3, 4).ok_or("bad date")?);
/// assert_eq!(shanghai.to_string(), "+08:00");
/// assert_eq!("+08:00".parse::<Calendar>()?, shanghai);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Calendar {
    /// Days start at midnight at this fixed offset from UTC.
    Offset(FixedOffset),
    /// Days start at midnight in this IANA time zone, daylight saving
    /// included.
    #[cfg(feature = "tz")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tz")))]
    Zone(chrono_tz::Tz),
}

impl Default for Calendar {
    fn default() -> Self {
        Self::utc()
    }
}

impl Calendar {
    /// Days in UTC, the default.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::Calendar;
    ///
    /// assert_eq!(Calendar::utc(), Calendar::default());
    /// assert_eq!(Calendar::utc().to_string(), "UTC");
    /// ```
    pub fn utc() -> Self {
        Self::Offset(Utc.fix())
    }

    /// Days at a fixed offset from UTC.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::FixedOffset;
    /// use repurchase::Calendar;
    ///
    /// let new_york_in_winter = Calendar::offset(FixedOffset::west_opt(5 * 3600).ok_or("bad offset")?);
    /// assert_eq!(new_york_in_winter.to_string(), "-05:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offset(offset: FixedOffset) -> Self {
        Self::Offset(offset)
    }

    /// Days in an IANA time zone, daylight saving included.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::Calendar;
    ///
    /// let berlin = Calendar::zone(chrono_tz::Europe::Berlin);
    /// assert_eq!(berlin.to_string(), "Europe/Berlin");
    /// ```
    #[cfg(feature = "tz")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tz")))]
    pub fn zone(zone: chrono_tz::Tz) -> Self {
        Self::Zone(zone)
    }

    /// The shop's date of an instant.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::{Calendar, Timestamp};
    ///
    /// let t = Timestamp::from(NaiveDate::from_ymd_opt(2024, 3, 5).ok_or("bad date")?);
    /// assert_eq!(Calendar::utc().local_date(t), NaiveDate::from_ymd_opt(2024, 3, 5).ok_or("bad date")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn local_date(&self, at: Timestamp) -> NaiveDate {
        // Timestamps are within chrono's calendar, and so are their days.
        date_of_day(self.local_day(at.unix_seconds())).unwrap_or_default()
    }

    /// The local day number (days since 1970-01-01) of an instant, looked
    /// up exactly.
    pub(crate) fn local_day(&self, seconds: i64) -> i64 {
        (seconds + i64::from(self.offset_at(seconds))).div_euclid(DAY_SECONDS)
    }

    /// Seconds east of UTC at an instant.
    #[cfg_attr(not(feature = "tz"), allow(unused_variables))]
    fn offset_at(&self, seconds: i64) -> i32 {
        match self {
            Calendar::Offset(offset) => offset.local_minus_utc(),
            #[cfg(feature = "tz")]
            Calendar::Zone(zone) => {
                use chrono::TimeZone;
                chrono::DateTime::from_timestamp(seconds, 0).map_or(0, |t| {
                    zone.offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
            }
        }
    }

    /// A day clock for instants from `first` to `last` (Unix seconds) of a
    /// log of `records` records: constant time a lookup.
    #[cfg_attr(not(feature = "tz"), allow(unused_variables))]
    pub(crate) fn clock(&self, first: i64, last: i64, records: usize) -> Clock {
        match self {
            Calendar::Offset(offset) => Clock::Fixed(i64::from(offset.local_minus_utc())),
            #[cfg(feature = "tz")]
            Calendar::Zone(_) => {
                let (first_day, last_day) = (first.div_euclid(DAY_SECONDS), last.div_euclid(DAY_SECONDS));
                let span = usize::try_from(last_day.saturating_sub(first_day)).unwrap_or(usize::MAX);
                // The table is bounded by the input: a span beyond the
                // records (plus a century) is looked up instant by instant.
                let offsets = if span <= records.saturating_add(CENTURY_DAYS) {
                    (first_day..=last_day.saturating_add(1))
                        .map(|day| self.offset_at(day * DAY_SECONDS))
                        .collect()
                } else {
                    Vec::new()
                };
                Clock::Zone {
                    calendar: *self,
                    first_day,
                    offsets,
                }
            }
        }
    }
}

/// Days of a century: a table this long is cheap whatever the log's size.
#[cfg(feature = "tz")]
const CENTURY_DAYS: usize = 36_525;

/// A calendar made ready for one log's instants: a fixed offset, or a
/// zone's offset at each UTC midnight of the log's span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clock {
    /// Seconds east of UTC.
    Fixed(i64),
    /// `offsets[i]`: the offset at the start of UTC day `first_day + i`;
    /// empty when the span was too long to tabulate.
    #[cfg(feature = "tz")]
    Zone {
        calendar: Calendar,
        first_day: i64,
        offsets: Vec<i32>,
    },
}

impl Default for Clock {
    fn default() -> Self {
        Clock::Fixed(0)
    }
}

impl Clock {
    /// The local day of an instant that follows one on day `previous`:
    /// never before it. Where a zone turns its clocks back across midnight
    /// (Goose Bay's 00:01 changes until 2011), the hour repeated after the
    /// change would otherwise fall on the day before; it counts on the
    /// later day, so a customer's days stay in order.
    #[inline]
    pub(crate) fn next_day(&self, seconds: i64, previous: Option<i64>) -> i64 {
        let day = self.day(seconds);
        previous.map_or(day, |previous| day.max(previous))
    }

    /// The local day number of an instant.
    #[inline]
    pub(crate) fn day(&self, seconds: i64) -> i64 {
        match self {
            Clock::Fixed(offset) => (seconds + offset).div_euclid(DAY_SECONDS),
            #[cfg(feature = "tz")]
            Clock::Zone {
                calendar,
                first_day,
                offsets,
            } => {
                // One offset at both ends of the instant's UTC day: the whole
                // day has it (zones change offset at most once a day).
                let at = usize::try_from(seconds.div_euclid(DAY_SECONDS) - first_day).ok();
                match at.and_then(|at| Some((offsets.get(at)?, offsets.get(at + 1)?))) {
                    Some((start, end)) if start == end => {
                        (seconds + i64::from(*start)).div_euclid(DAY_SECONDS)
                    }
                    _ => calendar.local_day(seconds),
                }
            }
        }
    }
}

impl From<FixedOffset> for Calendar {
    fn from(offset: FixedOffset) -> Self {
        Self::Offset(offset)
    }
}

#[cfg(feature = "tz")]
impl From<chrono_tz::Tz> for Calendar {
    fn from(zone: chrono_tz::Tz) -> Self {
        Self::Zone(zone)
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Calendar::Offset(offset) if offset.local_minus_utc() == 0 => f.write_str("UTC"),
            Calendar::Offset(offset) => write!(f, "{offset}"),
            #[cfg(feature = "tz")]
            Calendar::Zone(zone) => f.write_str(zone.name()),
        }
    }
}

impl FromStr for Calendar {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("utc") || text == "Z" {
            return Ok(Self::utc());
        }
        if let Ok(offset) = text.parse::<FixedOffset>() {
            return Ok(Self::Offset(offset));
        }
        #[cfg(feature = "tz")]
        if let Ok(zone) = text.parse::<chrono_tz::Tz>() {
            return Ok(Self::Zone(zone));
        }
        Err(Error::InvalidParameter {
            name: "calendar",
            value: text.to_string(),
            expected: if cfg!(feature = "tz") {
                "UTC, an offset such as +08:00, or an IANA zone such as Europe/Berlin"
            } else {
                "UTC or an offset such as +08:00 (IANA zones need the `tz` feature)"
            },
        })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Calendar {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Calendar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_display_and_parse_back() {
        for text in ["UTC", "+08:00", "-05:30", "+14:00"] {
            let calendar: Calendar = text.parse().unwrap();
            assert_eq!(calendar.to_string(), text);
        }
        assert!("Mars/Olympus".parse::<Calendar>().is_err());
    }

    #[test]
    fn local_days_honour_the_offset() {
        // 1997-01-01T20:00Z is already 1997-01-02 in UTC+8 and still 01-01 in UTC-5.
        let day = |y, m, d| crate::period::day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let t = day(1997, 1, 1) * DAY_SECONDS + 20 * 3600;
        let at = |text: &str| text.parse::<Calendar>().unwrap().local_day(t);
        assert_eq!(at("UTC"), day(1997, 1, 1));
        assert_eq!(at("+08:00"), day(1997, 1, 2));
        assert_eq!(at("-05:00"), day(1997, 1, 1));
        assert_eq!(Calendar::utc().local_day(-1), -1);
    }

    #[cfg(feature = "tz")]
    #[test]
    fn zone_clocks_agree_with_exact_days_with_or_without_their_table() {
        let berlin = Calendar::zone(chrono_tz::Europe::Berlin);
        // 2024, both changes included.
        let (first, last) = (1_704_067_200, 1_735_689_600);
        let table = berlin.clock(first, last, 1_000);
        // Two instants a million days apart: too long a span to tabulate.
        let untabulated = berlin.clock(first, first + 1_000_000 * DAY_SECONDS, 2);
        assert!(matches!(&untabulated, Clock::Zone { offsets, .. } if offsets.is_empty()));
        for seconds in (first..last).step_by(1_799) {
            assert_eq!(table.day(seconds), berlin.local_day(seconds));
            assert_eq!(untabulated.day(seconds), berlin.local_day(seconds));
        }
    }

    #[test]
    fn days_never_run_backwards() {
        let clock = Calendar::utc().clock(0, 0, 0);
        assert_eq!(clock.next_day(0, Some(3)), 3);
        assert_eq!(clock.next_day(5 * DAY_SECONDS, Some(3)), 5);
        assert_eq!(clock.next_day(5 * DAY_SECONDS, None), 5);
    }

    #[test]
    fn fixed_clocks_agree_with_exact_days() {
        let plus8: Calendar = "+08:00".parse().unwrap();
        let clock = plus8.clock(0, 10 * DAY_SECONDS, 1);
        for seconds in (-3 * DAY_SECONDS..3 * DAY_SECONDS).step_by(3_599) {
            assert_eq!(clock.day(seconds), plus8.local_day(seconds));
        }
    }
}
