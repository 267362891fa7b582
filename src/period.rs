//! Calendar bucketing: local days, ISO weeks and months as integer period
//! numbers, and the unit in which durations between periods are reported.

use chrono::{Datelike, NaiveDate};

/// Seconds in a day.
pub(crate) const DAY_SECONDS: i64 = 86_400;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The calendar period that purchases are bucketed into: all purchases of a
/// customer in one period are one purchase occasion.
///
/// # Example
///
/// ```
/// use repurchase::Granularity;
///
/// // lifetimes' `freq='W'`: ISO weeks, Monday to Sunday.
/// let g = Granularity::Week;
/// assert_eq!(g.to_string(), "week");
/// assert_eq!(Granularity::default(), Granularity::Day);
/// // Read from a configuration file or a command line:
/// assert_eq!("Week".parse::<Granularity>()?, g);
/// assert!("fortnight".parse::<Granularity>().is_err());
/// # Ok::<(), repurchase::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Granularity {
    /// Calendar days, as lifetimes' `freq='D'`: two orders on 1997-01-02 are
    /// one occasion.
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday, as pandas' `W` periods: orders on
    /// Monday 1997-01-06 and Sunday 1997-01-12 are one occasion.
    Week,
    /// Calendar months: orders on 1997-01-01 and 1997-01-31 are one occasion.
    Month,
}

crate::names::named!(Granularity, "Granularity", "day, week or month", {
    Granularity::Day => "day",
    Granularity::Week => "week",
    Granularity::Month => "month",
});

impl Granularity {
    /// The period number of a local day number (days since 1970-01-01).
    /// Period numbers increase by one from one period to the next.
    #[inline]
    pub(crate) fn period_of_day(self, day: i64) -> i64 {
        match self {
            Granularity::Day => day,
            // 1970-01-01 was a Thursday; week 0 starts Monday 1969-12-29.
            Granularity::Week => (day + 3).div_euclid(7),
            Granularity::Month => {
                let (year, month) = civil_from_days(day);
                year * 12 + i64::from(month) - 1
            }
        }
    }

    /// The local day number on which a period starts.
    pub(crate) fn start_day(self, period: i64) -> i64 {
        match self {
            Granularity::Day => period,
            Granularity::Week => period * 7 - 3,
            Granularity::Month => {
                let year = period.div_euclid(12);
                // rem_euclid(12) is in 0..12, so the cast is lossless.
                let month = period.rem_euclid(12) as u32 + 1;
                days_from_civil(year, month, 1)
            }
        }
    }
}

/// The unit in which `recency`, `T` and holdout durations are reported.
///
/// Durations are measured between the *starts* of periods, so with
/// [`Granularity::Day`] they are exact day counts.
///
/// # Example
///
/// ```
/// use repurchase::TimeUnit;
///
/// // Fader and Hardie's papers: days / 7, e.g. 213 days = 30.43 weeks.
/// assert_eq!(TimeUnit::Weeks.to_string(), "weeks");
/// assert_eq!(TimeUnit::default(), TimeUnit::Periods);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum TimeUnit {
    /// Whole periods of the granularity, lifetimes' discrete form: with
    /// weekly granularity a first purchase in week 3 and a last in week 7
    /// give recency 4.
    #[default]
    Periods,
    /// Days between period starts, e.g. 213.
    Days,
    /// Days between period starts divided by 7, e.g. 213 / 7 = 30.428…,
    /// the continuous form of the Fader–Hardie papers.
    Weeks,
}

crate::names::named!(TimeUnit, "TimeUnit", "periods, days or weeks", {
    TimeUnit::Periods => "periods",
    TimeUnit::Days => "days",
    TimeUnit::Weeks => "weeks",
});

impl TimeUnit {
    /// The duration from period `from` to period `to` in this unit.
    #[inline]
    pub(crate) fn between(self, granularity: Granularity, from: i64, to: i64) -> f64 {
        let days = || (granularity.start_day(to) - granularity.start_day(from)) as f64;
        match self {
            TimeUnit::Periods => (to - from) as f64,
            TimeUnit::Days => days(),
            TimeUnit::Weeks => days() / 7.0,
        }
    }
}

/// `Ok` when `from` is strictly before `to`, else the error naming both.
pub(crate) fn check_before(from: NaiveDate, to: NaiveDate) -> crate::Result<()> {
    if from < to {
        return Ok(());
    }
    Err(crate::Error::EmptyRange {
        start_field: "from",
        start: from.to_string(),
        end_field: "to",
        end: to.to_string(),
    })
}

/// The day number of a date.
pub(crate) fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE
}

/// The date of a day number, `None` beyond chrono's range.
pub(crate) fn date_of_day(day: i64) -> Option<NaiveDate> {
    i32::try_from(day + UNIX_EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Year and month (1..=12) of a day number in the proleptic Gregorian
/// calendar, by integer arithmetic on 400-year eras (so it cannot fail).
fn civil_from_days(day: i64) -> (i64, u32) {
    // Shift the epoch to 0000-03-01 so leap days end each cycle.
    let shifted = day + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153; // 0 = March … 11 = February
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // month is in 1..=12.
    (year, month as u32)
}

/// Day number of a civil date; the inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let march_month = i64::from((month + 9) % 12);
    let day_of_year = (153 * march_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn civil_arithmetic_agrees_with_chrono() {
        let mut d = date(1600, 1, 1);
        let end = date(2400, 12, 31);
        while d <= end {
            let n = day_number(d);
            assert_eq!(civil_from_days(n), (i64::from(d.year()), d.month()), "{d}");
            assert_eq!(days_from_civil(i64::from(d.year()), d.month(), d.day()), n, "{d}");
            assert_eq!(date_of_day(n), Some(d));
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn weeks_are_iso_weeks_starting_monday() {
        // (day, Monday of its ISO week)
        let rows = [
            (date(1970, 1, 1), date(1969, 12, 29)),
            (date(1997, 1, 1), date(1996, 12, 30)),
            (date(1997, 1, 5), date(1996, 12, 30)),
            (date(1997, 1, 6), date(1997, 1, 6)),
            (date(1900, 1, 1), date(1900, 1, 1)),
        ];
        for (day, monday) in rows {
            let p = Granularity::Week.period_of_day(day_number(day));
            assert_eq!(Granularity::Week.start_day(p), day_number(monday), "{day}");
            assert_eq!(
                date_of_day(Granularity::Week.start_day(p)).unwrap().weekday(),
                chrono::Weekday::Mon
            );
        }
    }

    #[test]
    fn months_start_on_the_first() {
        let rows = [
            (date(1997, 1, 31), date(1997, 1, 1)),
            (date(2000, 2, 29), date(2000, 2, 1)),
            (date(1969, 12, 31), date(1969, 12, 1)),
        ];
        for (day, first) in rows {
            let p = Granularity::Month.period_of_day(day_number(day));
            assert_eq!(Granularity::Month.start_day(p), day_number(first), "{day}");
        }
        let jan = Granularity::Month.period_of_day(day_number(date(1997, 1, 15)));
        let mar = Granularity::Month.period_of_day(day_number(date(1997, 3, 2)));
        assert_eq!(mar - jan, 2);
        assert_eq!(TimeUnit::Days.between(Granularity::Month, jan, mar), 59.0);
    }
}
