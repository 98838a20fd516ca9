//! Rust number types no engine stores as such, kept in the next wider type every engine has.
//!
//! | Rust | stored as | on read |
//! |---|---|---|
//! | `i8`, `u8` | `SMALLINT` ([`ValueType::I16`]) | a value outside the type's range is a `TypeMismatch` |
//! | `u16` | `INTEGER` ([`ValueType::I32`]) | likewise |
//! | `u32` | `BIGINT` ([`ValueType::I64`]) | likewise |
//! | `u64` | `BIGINT` ([`ValueType::I64`]) | likewise; writing a value above `i64::MAX` is refused |
//! | `f32` | `DOUBLE PRECISION` ([`ValueType::F64`]) | a value with no exact `f32` form is a `TypeMismatch` |
//!
//! `u64` is refused above `i64::MAX` rather than stored some other way, because SQLite has no
//! wider integer: a second form would sort and sum differently from the first, on one backend
//! only. Every `f32` is exactly an `f64`, so it reads back bit for bit and compares in filters
//! as written.

use crate::error::{Error, Result};
use crate::value::{mismatch, ColumnValue, Value, ValueType};

/// Implements `ColumnValue` for an integer kept in a wider stored integer.
macro_rules! widened_integer {
    ($rust:ty, $variant:ident) => {
        impl ColumnValue for $rust {
            const TYPE: ValueType = ValueType::$variant;
            #[inline]
            fn to_value(&self) -> Value {
                Value::$variant((*self).into())
            }
            #[inline]
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::$variant(v) => <$rust>::try_from(v).map_err(|_| {
                        Error::type_mismatch(format!(
                            "the stored integer {v} does not fit in {}",
                            stringify!($rust)
                        ))
                    }),
                    other => Err(mismatch(ValueType::$variant, &other)),
                }
            }
        }

        impl From<$rust> for Value {
            fn from(v: $rust) -> Value {
                ColumnValue::to_value(&v)
            }
        }
    };
}

widened_integer!(i8, I16);
widened_integer!(u8, I16);
widened_integer!(u16, I32);
widened_integer!(u32, I64);

impl ColumnValue for u64 {
    const TYPE: ValueType = ValueType::I64;
    #[inline]
    fn to_value(&self) -> Value {
        match i64::try_from(*self) {
            Ok(v) => Value::I64(v),
            Err(_) => Value::Invalid(format!(
                "the u64 {self} is above {}, the largest a u64 field stores (it is kept in a \
                 BIGINT on every backend)",
                i64::MAX
            )),
        }
    }
    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::I64(v) => u64::try_from(v).map_err(|_| {
                Error::type_mismatch(format!("the stored integer {v} does not fit in u64"))
            }),
            other => Err(mismatch(ValueType::I64, &other)),
        }
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        ColumnValue::to_value(&v)
    }
}

impl ColumnValue for f32 {
    const TYPE: ValueType = ValueType::F64;
    #[inline]
    fn to_value(&self) -> Value {
        Value::F64(f64::from(*self))
    }
    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            // NaN has no single bit pattern to compare; any NaN reads back as f32's NaN.
            Value::F64(v) if v.is_nan() => Ok(f32::NAN),
            Value::F64(v) => {
                let narrow = v as f32;
                if f64::from(narrow) == v {
                    Ok(narrow)
                } else {
                    Err(Error::type_mismatch(format!(
                        "the stored number {v} has no exact f32 form; declare the field as f64"
                    )))
                }
            }
            other => Err(mismatch(ValueType::F64, &other)),
        }
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Value {
        ColumnValue::to_value(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn narrow_integers_round_trip_at_their_edges() {
        for v in [i8::MIN, -1, 0, i8::MAX] {
            assert_eq!(i8::from_value(v.to_value()).unwrap(), v);
        }
        for v in [0, u8::MAX] {
            assert_eq!(u8::from_value(v.to_value()).unwrap(), v);
        }
        for v in [0, u16::MAX] {
            assert_eq!(u16::from_value(v.to_value()).unwrap(), v);
        }
        for v in [0, u32::MAX] {
            assert_eq!(u32::from_value(v.to_value()).unwrap(), v);
        }
        assert_eq!(
            u64::from_value(Value::I64(i64::MAX)).unwrap(),
            i64::MAX as u64
        );
    }

    #[test]
    fn stored_values_out_of_range_are_type_mismatches() {
        let err = u8::from_value(Value::I16(256)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TypeMismatch);
        assert!(err.message().contains("256"), "{err}");
        assert_eq!(
            u64::from_value(Value::I64(-1)).unwrap_err().kind(),
            ErrorKind::TypeMismatch
        );
        assert_eq!(
            f32::from_value(Value::F64(0.1)).unwrap_err().kind(),
            ErrorKind::TypeMismatch
        );
        assert!(f32::from_value(Value::F64(f64::NAN)).unwrap().is_nan());
        assert_eq!(
            f32::from_value(Value::F64(1e300)).unwrap_err().kind(),
            ErrorKind::TypeMismatch
        );
    }

    #[test]
    fn a_u64_above_i64_max_has_no_stored_form() {
        assert!(matches!(
            (i64::MAX as u64 + 1).to_value(),
            Value::Invalid(_)
        ));
        assert_eq!((i64::MAX as u64).to_value(), Value::I64(i64::MAX));
    }
}
