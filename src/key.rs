//! What a customer key must be, and how the log may read one.

use std::borrow::Cow;
use std::hash::Hash;
use std::sync::Arc;

/// A customer key: ordered, hashable, cloneable, and shareable across
/// threads (so that the `parallel` feature adds cores, never bounds).
///
/// Implemented for the primitive integers, `String`, `&str`, `Box<str>`,
/// `Arc<str>`, `Cow<str>`, `char`, arrays and vectors of keys (a UUID's
/// `[u8; 16]`), and tuples of two or three keys. A key type of your own
/// takes one line:
///
/// ```
/// use repurchase::{CustomerKey, KeyShape};
///
/// #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// struct Email(String);
/// impl CustomerKey for Email {}
///
/// // A newtype around an integer may say so: the log then groups it as
/// // fast as the integer itself.
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// struct AccountId(u64);
/// impl CustomerKey for AccountId {
///     const SHAPE: KeyShape = KeyShape::Integer;
/// }
/// ```
pub trait CustomerKey: Clone + Ord + Hash + Send + Sync {
    /// How the log may read keys of this type while it groups them; leave
    /// the default ([`KeyShape::Opaque`]) unless the type meets the
    /// contract of another shape.
    const SHAPE: KeyShape = KeyShape::Opaque;
}

/// How the log may read a key while it groups purchases by customer.
///
/// Each shape but `Opaque` is a promise about the key type's `Hash` and
/// `Ord`, as `Ord` itself is a promise: a type that claims a shape it does
/// not have is grouped wrongly.
///
/// # Example
///
/// ```
/// use repurchase::{CustomerKey, KeyShape};
///
/// assert_eq!(<u64 as CustomerKey>::SHAPE, KeyShape::Integer);
/// assert_eq!(<&str as CustomerKey>::SHAPE, KeyShape::Text);
/// assert_eq!(<String as CustomerKey>::SHAPE, KeyShape::Opaque);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyShape {
    /// Read only through `Ord` and `Hash`: always correct.
    Opaque,
    /// `Hash` writes one integer of at most 64 bits (one `write_u64`,
    /// `write_i32`…, as the primitive integers and a newtype deriving
    /// `Hash` around one do), and keys order as those integers: the log
    /// buckets and counts keys in dense tables by their value.
    Integer,
    /// `Hash` first writes the key's text as bytes (as `str` does), and
    /// keys order as those bytes: the log buckets keys by their bytes.
    Text,
}

macro_rules! keys {
    ($shape:ident: $($key:ty),*) => {
        $(impl CustomerKey for $key {
            const SHAPE: KeyShape = KeyShape::$shape;
        })*
    };
}

keys!(Integer: u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);
keys!(Text: &str);
keys!(Opaque: u128, i128, char, bool, String, Box<str>, Arc<str>);

impl CustomerKey for Cow<'_, str> {}
impl<K: CustomerKey, const N: usize> CustomerKey for [K; N] {}
impl<K: CustomerKey> CustomerKey for Vec<K> {}
impl<A: CustomerKey, B: CustomerKey> CustomerKey for (A, B) {}
impl<A: CustomerKey, B: CustomerKey, D: CustomerKey> CustomerKey for (A, B, D) {}
