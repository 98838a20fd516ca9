//! Which Rust type a result column reads as: one rule for every backend, so the same
//! hand-written query reads the same way on each.
//!
//! A backend names what a column holds as a [`ValueType`] (by the column's declared type,
//! where the engine has one) and asks [`reads_as`] before decoding a value; a value it may
//! not read is [`refused`]. The rule:
//!
//! - every type reads as itself;
//! - integers of any width and decimals read as any integer type that holds the value
//!   exactly, as a `Decimal`, and as an `f64` (the nearest);
//! - floats read only as `f64`;
//! - a timestamp with a zone and a date-time without one read as each other (the one without
//!   a zone is taken as UTC);
//! - JSON reads as `String` (its compact text, [`json_text`]), and text reads as a JSON
//!   document when it parses as one (DuckDB keeps anytable's JSON columns as text);
//! - nothing else converts (a boolean is not a number, a date is not text).
//!
//! NULL reads as `None` whatever the column holds.

use crate::error::{Error, Result};
use crate::value::{Value, ValueType};

/// Whether a column holding `held` may be read as `want`.
pub fn reads_as(held: ValueType, want: ValueType) -> bool {
    use ValueType::*;
    held == want
        || matches!(
            (held, want),
            (I16 | I32 | I64 | Decimal, I16 | I32 | I64 | Decimal | F64)
                | (Timestamp | DateTime, Timestamp | DateTime)
                | (Json, Text)
                | (Text, Json)
        )
}

/// The error for reading a column holding `held` as `want`, which [`reads_as`] refuses.
pub fn refused(held: ValueType, want: ValueType) -> Error {
    Error::type_mismatch(format!(
        "expected {want}, the column holds {held}, which does not read as {want} \
         (on any backend)"
    ))
}

/// A non-NULL value of a column holding `held`, read as `want` by the rule: `decode` reads the
/// engine's value as a given type (as itself, or as `want` where the engine's own decoding
/// converts it); the conversions the engine has no form for (a decimal as an integer or a
/// float, JSON as its text) are made here, once for every backend.
pub fn read_as(
    held: ValueType,
    want: ValueType,
    decode: impl Fn(ValueType) -> Result<Value>,
) -> Result<Value> {
    if held == want {
        return decode(want);
    }
    if !reads_as(held, want) {
        return Err(refused(held, want));
    }
    match (held, want) {
        (ValueType::Decimal, ValueType::F64) => match decode(held)? {
            Value::Decimal(d) => Ok(Value::F64(decimal_as_f64(d))),
            other => Ok(other),
        },
        (ValueType::Decimal, ValueType::I16 | ValueType::I32 | ValueType::I64) => {
            match decode(held)? {
                Value::Decimal(d) => decimal_as_integer(d, want),
                other => Ok(other),
            }
        }
        (ValueType::Json, ValueType::Text) => match decode(held)? {
            Value::Json(document) => Ok(Value::Text(json_text(&document))),
            other => Ok(other),
        },
        _ => decode(want),
    }
}

/// A decimal read as the integer type `want`, if it is a whole number that fits.
pub fn decimal_as_integer(d: rust_decimal::Decimal, want: ValueType) -> Result<Value> {
    let whole = d.normalize();
    let n = (whole.scale() == 0)
        .then(|| i64::try_from(whole.mantissa()).ok())
        .flatten()
        .ok_or_else(|| Error::type_mismatch(format!("the decimal {d} is not an {want}")))?;
    integer_as(n, want)
}

/// An integer as the integer type `want`, if it fits.
pub fn integer_as(n: i64, want: ValueType) -> Result<Value> {
    let range = || Error::type_mismatch(format!("integer {n} does not fit in {want}"));
    Ok(match want {
        ValueType::I16 => Value::I16(i16::try_from(n).map_err(|_| range())?),
        ValueType::I32 => Value::I32(i32::try_from(n).map_err(|_| range())?),
        ValueType::I64 => Value::I64(n),
        ValueType::F64 => Value::F64(n as f64),
        ValueType::Decimal => Value::Decimal(n.into()),
        other => return Err(refused(ValueType::I64, other)),
    })
}

/// A decimal as the nearest `f64`: parsed from its digits, which rounds correctly (dividing
/// the mantissa by a power of ten can miss by one unit in the last place).
pub fn decimal_as_f64(d: rust_decimal::Decimal) -> f64 {
    // A Decimal's text is always a valid float literal.
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// A JSON document as text, in the one form every backend gives: compact, as serde_json
/// writes it, whatever spacing the engine kept.
pub fn json_text(document: &serde_json::Value) -> String {
    document.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValueType::*;

    #[test]
    fn numbers_read_as_numbers_and_nothing_else_converts() {
        assert!(reads_as(I16, F64));
        assert!(reads_as(Decimal, I32));
        assert!(!reads_as(F64, Decimal));
        assert!(!reads_as(Bool, I64));
        assert!(!reads_as(I64, Bool));
        assert!(!reads_as(Date, Text));
        assert!(reads_as(Text, Json));
        assert!(!reads_as(Bytes, Text));
        assert!(reads_as(Json, Text));
        assert!(reads_as(Timestamp, DateTime));
        assert!(!reads_as(Uuid, Text));
    }

    #[test]
    fn decimals_read_as_integers_only_when_whole() {
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(
            decimal_as_integer(d("12.000"), I16).unwrap(),
            Value::I16(12)
        );
        assert!(decimal_as_integer(d("12.5"), I64).is_err());
        assert!(decimal_as_integer(d("40000"), I16).is_err());
        // 0.1 + 0.2 would miss; the parsed digits do not.
        assert_eq!(decimal_as_f64(d("0.3")), 0.3);
        assert_eq!(decimal_as_f64(d("9007199254740993")), 9007199254740992.0);
    }
}
