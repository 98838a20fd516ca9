//! Binding anytable values to DuckDB and decoding them back.
//!
//! Timestamps are `TIMESTAMPTZ` bound as UTC microseconds (the bundled build has no ICU, so
//! there is no session time zone to shift them); UUIDs and JSON are bound as text and cast by
//! DuckDB.

use anytable_core::{reading, rust_decimal, Error, Result, Value, ValueType};
use chrono::{DateTime, NaiveDate, Timelike};
use duckdb::types::{TimeUnit, ToSqlOutput, Value as DuckValue, ValueRef};
use duckdb::ToSql;

/// Borrows a value for binding without copying text or blobs.
pub(crate) struct Bind<'a>(pub(crate) &'a Value);

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::I16(v) => ToSqlOutput::Owned(DuckValue::SmallInt(*v)),
            Value::I32(v) => ToSqlOutput::Owned(DuckValue::Int(*v)),
            Value::I64(v) => ToSqlOutput::Owned(DuckValue::BigInt(*v)),
            Value::F64(v) => ToSqlOutput::Owned(DuckValue::Double(*v)),
            Value::Bool(v) => ToSqlOutput::Owned(DuckValue::Boolean(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Value::Timestamp(v) => ToSqlOutput::Owned(DuckValue::Timestamp(
                TimeUnit::Microsecond,
                v.timestamp_micros(),
            )),
            Value::DateTime(v) => ToSqlOutput::Owned(DuckValue::Timestamp(
                TimeUnit::Microsecond,
                v.and_utc().timestamp_micros(),
            )),
            Value::Time(v) => ToSqlOutput::Owned(DuckValue::Time64(
                TimeUnit::Microsecond,
                i64::from(v.num_seconds_from_midnight()) * 1_000_000
                    + i64::from(v.nanosecond() / 1_000),
            )),
            Value::Decimal(v) => ToSqlOutput::Owned(DuckValue::Decimal(duck_decimal(v)?)),
            Value::Date(v) => {
                let days = v.signed_duration_since(EPOCH).num_days();
                ToSqlOutput::Owned(DuckValue::Date32(i32::try_from(days).unwrap_or(i32::MAX)))
            }
            Value::Json(v) => ToSqlOutput::Owned(DuckValue::Text(v.to_string())),
            Value::Uuid(v) => ToSqlOutput::Owned(DuckValue::Text(v.hyphenated().to_string())),
            // DuckDB takes any number of parameters, so IN lists never arrive as one.
            Value::List(_) => {
                return Err(duckdb::Error::ToSqlConversionFailure(
                    "a list parameter: the DuckDB dialect binds IN lists value by value".into(),
                ))
            }
            // A value type newer than this backend.
            other => {
                return Err(duckdb::Error::ToSqlConversionFailure(
                    format!("the duckdb backend cannot bind {other:?}").into(),
                ))
            }
        })
    }
}

/// A decimal as DuckDB's, in the narrowest width that holds it: a filter's value then widens
/// to the column's type (a width of 38 on both sides would need more than 38 digits).
fn duck_decimal(d: &rust_decimal::Decimal) -> duckdb::Result<duckdb::types::Decimal> {
    let d = d.normalize();
    let digits = d
        .mantissa()
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |n| n + 1);
    let scale = d.scale();
    let width = digits.max(scale).max(1);
    duckdb::types::Decimal::new(width as u8, scale as u8, d.mantissa())
        .map_err(|e| duckdb::Error::ToSqlConversionFailure(e.to_string().into()))
}

fn mismatch(ty: ValueType, raw: &ValueRef<'_>) -> Error {
    Error::type_mismatch(format!(
        "expected {ty}, the database holds {:?}",
        raw.data_type()
    ))
}

fn text<'a>(ty: ValueType, raw: &ValueRef<'a>) -> Result<&'a str> {
    match raw {
        ValueRef::Text(t) => std::str::from_utf8(t).map_err(|_| {
            Error::type_mismatch(format!("expected {ty}, the database holds invalid UTF-8"))
        }),
        other => Err(mismatch(ty, other)),
    }
}

fn integer(ty: ValueType, raw: &ValueRef<'_>) -> Result<i64> {
    Ok(match *raw {
        ValueRef::TinyInt(v) => i64::from(v),
        ValueRef::SmallInt(v) => i64::from(v),
        ValueRef::Int(v) => i64::from(v),
        ValueRef::BigInt(v) => v,
        ValueRef::UTinyInt(v) => i64::from(v),
        ValueRef::USmallInt(v) => i64::from(v),
        ValueRef::UInt(v) => i64::from(v),
        ValueRef::UBigInt(v) => i64::try_from(v)
            .map_err(|_| Error::type_mismatch(format!("{v} does not fit in {ty}")))?,
        ValueRef::HugeInt(v) => i64::try_from(v)
            .map_err(|_| Error::type_mismatch(format!("{v} does not fit in {ty}")))?,
        ref other => return Err(mismatch(ty, other)),
    })
}

/// A DuckDB decimal as a `Decimal`, if it fits in one.
fn decimal(ty: ValueType, raw: &ValueRef<'_>) -> Result<rust_decimal::Decimal> {
    match *raw {
        ValueRef::Decimal(d) => anytable_core::exact_decimal(d.value(), u32::from(d.scale()))
            .ok_or_else(|| {
                Error::type_mismatch(format!("the decimal {d} does not fit in a Decimal"))
            }),
        ref other => Err(mismatch(ty, other)),
    }
}

fn micros(unit: TimeUnit, v: i64) -> i64 {
    match unit {
        TimeUnit::Second => v.saturating_mul(1_000_000),
        TimeUnit::Millisecond => v.saturating_mul(1_000),
        TimeUnit::Microsecond => v,
        TimeUnit::Nanosecond => v / 1_000,
    }
}

/// Decodes one DuckDB value as `ty`.
pub(crate) fn decode(raw: ValueRef<'_>, ty: ValueType) -> Result<Value> {
    if let ValueRef::Null = raw {
        return Ok(Value::Null);
    }
    Ok(match ty {
        ValueType::I16 | ValueType::I32 | ValueType::I64 => {
            reading::integer_as(integer(ty, &raw)?, ty)?
        }
        ValueType::F64 => match raw {
            ValueRef::Double(f) => Value::F64(f),
            ValueRef::Float(f) => Value::F64(f64::from(f)),
            // The nearest double, as the engines round an integer cast to a float.
            ValueRef::HugeInt(v) => Value::F64(v as f64),
            ref other => Value::F64(integer(ty, other)? as f64),
        },
        ValueType::Bool => match raw {
            ValueRef::Boolean(b) => Value::Bool(b),
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Text => Value::Text(text(ty, &raw)?.to_owned()),
        ValueType::Bytes => match raw {
            ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Timestamp => match raw {
            ValueRef::Timestamp(unit, v) => {
                Value::Timestamp(DateTime::from_timestamp_micros(micros(unit, v)).ok_or_else(
                    || Error::type_mismatch(format!("timestamp {v} is out of range")),
                )?)
            }
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::DateTime => match raw {
            ValueRef::Timestamp(unit, v) => Value::DateTime(
                DateTime::from_timestamp_micros(micros(unit, v))
                    .ok_or_else(|| Error::type_mismatch(format!("timestamp {v} is out of range")))?
                    .naive_utc(),
            ),
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Time => match raw {
            ValueRef::Time64(unit, v) => {
                let us = micros(unit, v);
                Value::Time(
                    chrono::NaiveTime::from_num_seconds_from_midnight_opt(
                        u32::try_from(us / 1_000_000).unwrap_or(u32::MAX),
                        u32::try_from(us % 1_000_000 * 1_000).unwrap_or(u32::MAX),
                    )
                    .ok_or_else(|| Error::type_mismatch(format!("time {v} is out of range")))?,
                )
            }
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Decimal => match raw {
            ValueRef::Decimal(_) => Value::Decimal(decimal(ty, &raw)?),
            ValueRef::HugeInt(v) => {
                Value::Decimal(anytable_core::exact_decimal(v, 0).ok_or_else(|| {
                    Error::type_mismatch(format!("the integer {v} does not fit in a Decimal"))
                })?)
            }
            ref other => Value::Decimal(rust_decimal::Decimal::from(integer(ty, other)?)),
        },
        ValueType::Date => match raw {
            ValueRef::Date32(days) => Value::Date(
                EPOCH
                    .checked_add_signed(chrono::Duration::days(i64::from(days)))
                    .ok_or_else(|| Error::type_mismatch(format!("date {days} is out of range")))?,
            ),
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Json => {
            let t = text(ty, &raw)?;
            Value::Json(
                serde_json::from_str(t)
                    .map_err(|e| Error::type_mismatch(format!("cannot read {t:?} as json: {e}")))?,
            )
        }
        ValueType::Uuid => match raw {
            ValueRef::Blob(b) if b.len() == 16 => {
                Value::Uuid(uuid::Uuid::from_slice(b).map_err(|_| mismatch(ty, &raw))?)
            }
            _ => {
                let t = text(ty, &raw)?;
                Value::Uuid(
                    uuid::Uuid::parse_str(t)
                        .map_err(|_| Error::type_mismatch(format!("cannot read {t:?} as uuid")))?,
                )
            }
        },
        // A value type newer than this backend.
        _ => return Err(mismatch(ty, &raw)),
    })
}
