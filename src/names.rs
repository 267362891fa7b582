//! Names for the enums a configuration file or a command line sets: each
//! value prints as a lowercase name (`Display`) and parses back from it
//! (`FromStr`), whatever its case, spaces, hyphens and underscores, so
//! `"at risk"`, `"at_risk"` and `"AtRisk"` all read as
//! [`Stage::AtRisk`](crate::lifecycle::Stage::AtRisk).

/// Implements `Display` and `FromStr` for a field-less enum from its
/// values' names; a name that matches none is
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the
/// type and listing the names.
macro_rules! named {
    ($enum:ty, $what:literal, $expected:literal, { $($value:path => $name:literal),+ $(,)? }) => {
        impl ::std::fmt::Display for $enum {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(match self {
                    $($value => $name,)+
                })
            }
        }

        impl ::std::str::FromStr for $enum {
            type Err = crate::Error;

            fn from_str(text: &str) -> crate::Result<Self> {
                let wanted = crate::names::folded(text);
                $(if wanted == crate::names::folded($name) {
                    return Ok($value);
                })+
                Err(crate::Error::InvalidParameter {
                    name: $what,
                    value: text.to_string(),
                    expected: $expected,
                })
            }
        }
    };
}

pub(crate) use named;

/// `text` lowercased, with only its letters and digits.
pub(crate) fn folded(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lifecycle::Stage;
    use crate::models::ModelTime;
    use crate::rfm::{FrequencyMeasure, MonetaryMeasure};
    use crate::{Error, Granularity, OrderLines, TimeUnit};

    /// Every value of each named enum prints a name that parses back to it.
    #[test]
    fn names_round_trip() {
        fn check<T: std::fmt::Display + std::str::FromStr<Err = Error> + PartialEq + std::fmt::Debug>(
            values: &[T],
        ) {
            for value in values {
                assert_eq!(&value.to_string().parse::<T>().unwrap(), value);
            }
        }
        check(&[Granularity::Day, Granularity::Week, Granularity::Month]);
        check(&[TimeUnit::Periods, TimeUnit::Days, TimeUnit::Weeks]);
        check(&[ModelTime::Days, ModelTime::Weeks]);
        check(&[OrderLines::Merge, OrderLines::Reject]);
        check(&[
            FrequencyMeasure::Orders,
            FrequencyMeasure::Periods,
            FrequencyMeasure::RepeatPeriods,
        ]);
        check(&[MonetaryMeasure::Total, MonetaryMeasure::AverageOrder]);
        check(&Stage::ALL);
    }

    #[test]
    fn case_spaces_hyphens_and_underscores_do_not_matter() {
        for text in ["at risk", "at_risk", "AtRisk", "AT-RISK"] {
            assert_eq!(text.parse::<Stage>().unwrap(), Stage::AtRisk);
        }
        assert_eq!(" Week ".parse::<Granularity>().unwrap(), Granularity::Week);
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let err = "fortnight".parse::<Granularity>().unwrap_err();
        assert_eq!(
            err,
            Error::InvalidParameter {
                name: "Granularity",
                value: "fortnight".into(),
                expected: "day, week or month",
            }
        );
    }
}
