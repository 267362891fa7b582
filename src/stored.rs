//! Stored values are input: types whose constructors check invariants
//! (model parameters > 0, model data rows, valid ranges, earning rules)
//! deserialise through those constructors, so a truncated, edited or
//! mis-migrated file is refused with the constructor's own error instead
//! of yielding NaN or a panic later.

/// Implements `Deserialize` for `$ty` by reading its fields as stored and
/// building it with `$build` (a `Result<$ty>` expression over the fields).
macro_rules! deserialize_checked {
    ($ty:ty { $($field:ident : $field_ty:ty),+ $(,)? } => $build:expr) => {
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                #[derive(serde::Deserialize)]
                struct Stored {
                    $($field: $field_ty),+
                }
                let Stored { $($field),+ } = Stored::deserialize(deserializer)?;
                let built: crate::Result<$ty> = $build;
                built.map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use deserialize_checked;
