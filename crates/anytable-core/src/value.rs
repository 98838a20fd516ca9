//! Values that cross the boundary between records and backends.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use uuid::Uuid;

use crate::error::{Error, Result};

/// One SQL value, independent of the backend that stores it.
///
/// Timestamps are UTC with microsecond precision: finer parts are truncated when a
/// `DateTime<Utc>` becomes a `Value`, so what is written is exactly what reads back. New
/// variants may come with new field types, so a backend's `match` needs a fallback arm.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    #[default]
    Null,
    /// 16-bit integer.
    I16(i16),
    /// 32-bit integer.
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// 64-bit float.
    F64(f64),
    /// Boolean.
    Bool(bool),
    /// UTF-8 text.
    Text(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A UTC instant with microsecond precision.
    Timestamp(DateTime<Utc>),
    /// A calendar date.
    Date(NaiveDate),
    /// A date and time of day without a time zone, with microsecond precision.
    DateTime(NaiveDateTime),
    /// A time of day, with microsecond precision.
    Time(NaiveTime),
    /// An exact decimal number (up to 28 digits after the point).
    Decimal(rust_decimal::Decimal),
    /// A JSON document.
    Json(serde_json::Value),
    /// A UUID.
    Uuid(Uuid),
    /// A Rust value that has no stored form (a `u64` above `i64::MAX`, a [`Json`](crate::Json)
    /// document serde cannot serialize), with why: every write or filter holding it is
    /// refused with [`InvalidInput`](crate::ErrorKind::InvalidInput) before any SQL runs, as
    /// `ColumnValue::to_value` cannot fail.
    Invalid(String),
    /// Several values of one type bound as one parameter: how long `IN` lists reach engines
    /// that take an array there (PostgreSQL's `= ANY($1)`, SQLite's `IN rarray(?)`). Never a
    /// column's value; a backend only receives it where its dialect's SQL asks for a list.
    List(Vec<Value>),
}

/// The type of a column, and of the non-NULL values it holds (more may come: match with a
/// fallback arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 64-bit float.
    F64,
    /// Boolean.
    Bool,
    /// UTF-8 text.
    Text,
    /// Binary data.
    Bytes,
    /// A UTC instant with microsecond precision.
    Timestamp,
    /// A calendar date.
    Date,
    /// A date and time of day without a time zone, with microsecond precision.
    DateTime,
    /// A time of day, with microsecond precision.
    Time,
    /// An exact decimal number; its column declares how many digits follow the point
    /// ([`ColumnSchema::scale`](crate::ColumnSchema::scale)).
    Decimal,
    /// A JSON document.
    Json,
    /// A UUID.
    Uuid,
}

impl ValueType {
    /// The Rust-side name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::I16 => "i16",
            ValueType::I32 => "i32",
            ValueType::I64 => "i64",
            ValueType::F64 => "f64",
            ValueType::Bool => "bool",
            ValueType::Text => "text",
            ValueType::Bytes => "bytes",
            ValueType::Timestamp => "timestamp",
            ValueType::Date => "date",
            ValueType::DateTime => "datetime",
            ValueType::Time => "time",
            ValueType::Decimal => "decimal",
            ValueType::Json => "json",
            ValueType::Uuid => "uuid",
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Value {
    /// The type of this value, or `None` for NULL.
    pub fn value_type(&self) -> Option<ValueType> {
        Some(match self {
            Value::Null | Value::List(_) | Value::Invalid(_) => return None,
            Value::I16(_) => ValueType::I16,
            Value::I32(_) => ValueType::I32,
            Value::I64(_) => ValueType::I64,
            Value::F64(_) => ValueType::F64,
            Value::Bool(_) => ValueType::Bool,
            Value::Text(_) => ValueType::Text,
            Value::Bytes(_) => ValueType::Bytes,
            Value::Timestamp(_) => ValueType::Timestamp,
            Value::Date(_) => ValueType::Date,
            Value::DateTime(_) => ValueType::DateTime,
            Value::Time(_) => ValueType::Time,
            Value::Decimal(_) => ValueType::Decimal,
            Value::Json(_) => ValueType::Json,
            Value::Uuid(_) => ValueType::Uuid,
        })
    }

    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the value's type for messages ("null" for NULL).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::List(_) => "list",
            Value::Invalid(_) => "invalid value",
            other => other.value_type().map_or("null", ValueType::name),
        }
    }

    /// Truncates a timestamp to the microsecond precision every backend stores.
    pub fn timestamp(t: DateTime<Utc>) -> Value {
        Value::Timestamp(truncate_to_micros(t))
    }
}

/// `mantissa / 10^scale` as a `Decimal`, exactly: trailing zeros are dropped until it fits in
/// `Decimal`'s 96 bits and 28 digits after the point (a DECIMAL(38, 4) column holds
/// `Decimal::MAX` as `...335.0000`, one digit too many with its zeros); `None` when only
/// dropping a digit that is not zero would make it fit.
pub fn exact_decimal(mut mantissa: i128, mut scale: u32) -> Option<rust_decimal::Decimal> {
    loop {
        if let Ok(d) = rust_decimal::Decimal::try_from_i128_with_scale(mantissa, scale) {
            return Some(d.normalize());
        }
        if scale == 0 || mantissa % 10 != 0 {
            return None;
        }
        mantissa /= 10;
        scale -= 1;
    }
}

/// Drops sub-microsecond digits so a timestamp round-trips exactly on every backend.
pub fn truncate_to_micros<T: Timelike + Copy>(t: T) -> T {
    let nanos = t.nanosecond();
    // A leap second is encoded as nanosecond >= 1e9; keep that marker but drop finer digits.
    t.with_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// A Rust type that can be stored in one column.
///
/// Implemented for `i16`, `i32`, `i64`, `f64`, `bool`, `String`, `Vec<u8>`, `DateTime<Utc>`,
/// `NaiveDate`, `NaiveDateTime`, `NaiveTime`, `rust_decimal::Decimal` (its field declares
/// `#[anytable(scale = N)]`), `serde_json::Value`, `Uuid`; for `i8`, `u8`, `u16`, `u32`, `u64` and `f32`,
/// stored in a wider type and checked when read back (see [`widened`](crate::widened)); for
/// [`Json<T>`](crate::Json); for enums with `#[derive(Enum)]`; and for `Option` of each
/// (which makes the column nullable).
///
/// # Your own types
///
/// The trait is anytable's, so a type of your crate may implement it: map it onto one of the
/// stored types and say how it converts both ways. A value that cannot be stored becomes
/// [`Value::Invalid`] (refused on write with `InvalidInput`); a stored value that is not one
/// of yours is a `TypeMismatch`:
///
/// ```
/// use anytable_core::{ColumnValue, Error, Result, Value, ValueType};
///
/// /// An amount of money in cents, stored as a BIGINT.
/// #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
/// struct Cents(i64);
///
/// impl ColumnValue for Cents {
///     const TYPE: ValueType = ValueType::I64;
///     fn to_value(&self) -> Value {
///         Value::I64(self.0)
///     }
///     fn from_value(value: Value) -> Result<Self> {
///         match value {
///             Value::I64(cents) => Ok(Cents(cents)),
///             other => Err(Error::type_mismatch(format!("expected cents, got {}", other.type_name()))),
///         }
///     }
/// }
///
/// assert_eq!(Cents::from_value(Cents(1250).to_value()).unwrap(), Cents(1250));
/// ```
///
/// Such a field filters (`eq`, `lt`, `is_in`, ...) and updates like a built-in one, and
/// `Option<Cents>` makes the column nullable.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in an anytable column",
    label = "unsupported column type",
    note = "supported: i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, bool, String, Vec<u8>, chrono::DateTime<Utc>, chrono::NaiveDate, chrono::NaiveDateTime, chrono::NaiveTime, rust_decimal::Decimal, serde_json::Value, anytable::Json<T>, uuid::Uuid, enums with #[derive(Enum)], and Option<T> of these; your own types implement ColumnValue (see its docs)"
)]
pub trait ColumnValue: Sized {
    /// The column type this Rust type maps to.
    const TYPE: ValueType;
    /// Whether the column accepts NULL (true only for `Option<T>`).
    const NULLABLE: bool = false;
    /// The only texts a column of this type may hold (an enum's stored names), which the
    /// table's DDL makes a CHECK constraint; empty for any value of [`TYPE`](Self::TYPE).
    const VARIANTS: &'static [&'static str] = &[];
    /// Converts to a [`Value`] for binding.
    fn to_value(&self) -> Value;
    /// Converts from a [`Value`] read from the database.
    fn from_value(value: Value) -> Result<Self>;
    /// Whether `value` would read back as this type, without keeping it: what a write of
    /// values that did not come from this type (Arrow batches, Parquet files) checks. The
    /// default reads a copy; types whose reading cannot fail once the stored type matches
    /// answer without one.
    fn check_stored(value: &Value) -> Result<()> {
        Self::from_value(value.clone()).map(drop)
    }
    /// Whether [`to_value`](Self::to_value) dropped digits the stored type has no room for (a
    /// time finer than a microsecond): filters then compare exactly against what is stored
    /// instead of against the shortened value. False for every type that is stored whole.
    fn finer_than_stored(&self) -> bool {
        false
    }
}

/// Whether a time of day's nanoseconds go past whole microseconds.
fn sub_micro(nanos: u32) -> bool {
    !nanos.is_multiple_of(1_000)
}

#[cold]
pub(crate) fn mismatch(expected: ValueType, got: &Value) -> Error {
    if got.is_null() {
        Error::type_mismatch(format!(
            "got NULL for a non-nullable {expected} field; declare the field as Option<_> to accept NULL"
        ))
    } else {
        Error::type_mismatch(format!(
            "expected a {expected} value, got {}",
            got.type_name()
        ))
    }
}

macro_rules! column_value {
    ($rust:ty, $variant:ident, $to:expr) => {
        column_value!($rust, $variant, $to, |_: &$rust| false);
    };
    ($rust:ty, $variant:ident, $to:expr, $finer:expr) => {
        impl ColumnValue for $rust {
            const TYPE: ValueType = ValueType::$variant;
            #[inline]
            fn to_value(&self) -> Value {
                #[allow(clippy::redundant_closure_call)]
                ($to)(self)
            }
            #[inline]
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::$variant(v) => Ok(v),
                    other => Err(mismatch(ValueType::$variant, &other)),
                }
            }
            #[inline]
            fn check_stored(value: &Value) -> Result<()> {
                match value {
                    Value::$variant(_) => Ok(()),
                    other => Err(mismatch(ValueType::$variant, other)),
                }
            }
            #[inline]
            fn finer_than_stored(&self) -> bool {
                #[allow(clippy::redundant_closure_call)]
                ($finer)(self)
            }
        }

        impl From<$rust> for Value {
            fn from(v: $rust) -> Value {
                ColumnValue::to_value(&v)
            }
        }
    };
}

column_value!(i16, I16, |v: &i16| Value::I16(*v));
column_value!(i32, I32, |v: &i32| Value::I32(*v));
column_value!(i64, I64, |v: &i64| Value::I64(*v));
column_value!(f64, F64, |v: &f64| Value::F64(*v));
column_value!(bool, Bool, |v: &bool| Value::Bool(*v));
column_value!(String, Text, |v: &String| Value::Text(v.clone()));
column_value!(Vec<u8>, Bytes, |v: &Vec<u8>| Value::Bytes(v.clone()));
column_value!(
    DateTime<Utc>,
    Timestamp,
    |v: &DateTime<Utc>| Value::timestamp(*v),
    |v: &DateTime<Utc>| sub_micro(v.nanosecond())
);
column_value!(NaiveDate, Date, |v: &NaiveDate| Value::Date(*v));
column_value!(
    NaiveDateTime,
    DateTime,
    |v: &NaiveDateTime| Value::DateTime(truncate_to_micros(*v)),
    |v: &NaiveDateTime| sub_micro(v.nanosecond())
);
column_value!(
    NaiveTime,
    Time,
    |v: &NaiveTime| Value::Time(truncate_to_micros(*v)),
    |v: &NaiveTime| sub_micro(v.nanosecond())
);
column_value!(serde_json::Value, Json, |v: &serde_json::Value| {
    let mut doc = v.clone();
    crate::json::normalize_json(&mut doc);
    Value::Json(doc)
});
column_value!(Uuid, Uuid, |v: &Uuid| Value::Uuid(*v));
column_value!(
    rust_decimal::Decimal,
    Decimal,
    |v: &rust_decimal::Decimal| Value::Decimal(*v)
);

impl<T: ColumnValue> ColumnValue for Option<T> {
    const TYPE: ValueType = T::TYPE;
    const NULLABLE: bool = true;
    const VARIANTS: &'static [&'static str] = T::VARIANTS;
    #[inline]
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
    #[inline]
    fn check_stored(value: &Value) -> Result<()> {
        match value {
            Value::Null => Ok(()),
            v => T::check_stored(v),
        }
    }
    #[inline]
    fn finer_than_stored(&self) -> bool {
        self.as_ref().is_some_and(T::finer_than_stored)
    }
}

impl<T: ColumnValue> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.to_value()
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

/// A value that may be compared with or assigned to a column of type `T`.
///
/// Lets `name().eq("x")` work for `String` and `Option<String>` columns, and `n().eq(5)`
/// for `Option<i64>` columns, while `n().eq("x")` stays a compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with or assigned to a `{T}` column",
    label = "expected a value of the column's type `{T}`"
)]
pub trait ValueFor<T> {
    /// The value to bind.
    fn into_value(self) -> Value;
    /// The value to bind, and whether digits the column cannot hold were dropped from it
    /// (see [`ColumnValue::finer_than_stored`]), so that a filter can compare exactly.
    fn into_filter_value(self) -> (Value, bool)
    where
        Self: Sized,
    {
        (self.into_value(), false)
    }
}

impl<T: ColumnValue> ValueFor<T> for T {
    fn into_value(self) -> Value {
        self.to_value()
    }
    fn into_filter_value(self) -> (Value, bool) {
        (self.to_value(), self.finer_than_stored())
    }
}

impl<T: ColumnValue> ValueFor<Option<T>> for T {
    fn into_value(self) -> Value {
        self.to_value()
    }
    fn into_filter_value(self) -> (Value, bool) {
        (self.to_value(), self.finer_than_stored())
    }
}

impl ValueFor<String> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ValueFor<Option<String>> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ValueFor<Vec<u8>> for &[u8] {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

/// Marks column types that hold text, so `like` is only offered where it makes sense.
pub trait TextColumn {}
impl TextColumn for String {}
impl TextColumn for Option<String> {}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_truncated_to_micros() {
        let t = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        let Value::Timestamp(v) = t.to_value() else {
            panic!("not a timestamp")
        };
        assert_eq!(v.nanosecond(), 123_456_000);
    }

    #[test]
    fn null_into_non_option_is_a_type_mismatch() {
        let err = i64::from_value(Value::Null).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::TypeMismatch);
        assert!(err.message().contains("Option"), "{err}");
        assert_eq!(Option::<i64>::from_value(Value::Null).unwrap(), None);
    }

    #[test]
    fn wrong_variant_is_a_type_mismatch() {
        let err = String::from_value(Value::I64(3)).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::TypeMismatch);
    }
}
