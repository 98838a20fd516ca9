//! Binding anytable values to SQLite and decoding them back.
//!
//! SQLite stores timestamps as fixed-width UTC text (`YYYY-MM-DD HH:MM:SS.ffffff`) so that
//! text order is time order and the date functions understand them; dates as `YYYY-MM-DD`,
//! JSON as text, UUIDs as hyphenated text, booleans as 0/1.

use crate::dialect::{DATE_FORMAT, TIMESTAMP_FORMAT};
use anytable_core::{reading, Error, Result, Value, ValueType};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::ToSql;

/// Borrows a value for binding without copying text or blobs.
pub(crate) struct Bind<'a>(pub(crate) &'a Value);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::I16(v) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*v))),
            Value::I32(v) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*v))),
            Value::I64(v) => ToSqlOutput::Owned(SqlValue::Integer(*v)),
            Value::F64(v) => ToSqlOutput::Owned(SqlValue::Real(*v)),
            Value::Bool(v) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*v))),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Value::Timestamp(v) => ToSqlOutput::Owned(SqlValue::Text(format_timestamp(v))),
            Value::Date(v) => ToSqlOutput::Owned(SqlValue::Text(v.format(DATE_FORMAT).to_string())),
            Value::DateTime(v) => ToSqlOutput::Owned(SqlValue::Text(format_datetime(v))),
            Value::Time(v) => ToSqlOutput::Owned(SqlValue::Text(format_time(v))),
            Value::Decimal(v) => ToSqlOutput::Owned(SqlValue::Text(crate::decimal::encode(v))),
            Value::Json(v) => ToSqlOutput::Owned(SqlValue::Text(v.to_string())),
            Value::Uuid(v) => ToSqlOutput::Owned(SqlValue::Text(v.hyphenated().to_string())),
            // One parameter for a whole IN list, read by the rarray table-valued function.
            Value::List(items) => ToSqlOutput::from_rc(
                std::rc::Rc::new(
                    items
                        .iter()
                        .map(owned)
                        .collect::<rusqlite::Result<Vec<_>>>()?,
                ),
                c"rarray",
            ),
            // A value type newer than this backend.
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("the sqlite backend cannot bind {other:?}").into(),
                ))
            }
        })
    }
}

/// A value as rusqlite's owned value, stored exactly as a single parameter would be.
fn owned(value: &Value) -> rusqlite::Result<SqlValue> {
    Ok(match Bind(value).to_sql()? {
        ToSqlOutput::Borrowed(v) => SqlValue::try_from(v)?,
        ToSqlOutput::Owned(v) => v,
        _ => {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                "a list inside a list cannot be bound".into(),
            ))
        }
    })
}

/// Formats in [`TIMESTAMP_FORMAT`]; the hand-written path avoids chrono's format parser.
pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
    format_datetime(&t.naive_utc())
}

/// A time of day as `HH:MM:SS.ffffff`: fixed width, so text order is time order.
fn format_time(t: &chrono::NaiveTime) -> String {
    // The same digits as a date-time's (in a year of four digits), after its 11 characters of
    // date and separator.
    format_datetime(&NaiveDate::default().and_time(*t)).split_off(11)
}

/// A date and time without a zone in [`TIMESTAMP_FORMAT`], as timestamps are stored.
fn format_datetime(n: &NaiveDateTime) -> String {
    if !(0..=9999).contains(&n.year()) {
        return n.format(TIMESTAMP_FORMAT).to_string();
    }
    // Digit by digit into a fixed buffer: core::fmt's padding machinery was a fifth of a bulk
    // insert of stamped rows (perf, W2).
    let mut b = *b"0000-00-00 00:00:00.000000";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (at..at + width).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, n.year() as u32);
    put(5, 2, n.month());
    put(8, 2, n.day());
    put(11, 2, n.hour());
    put(14, 2, n.minute());
    put(17, 2, n.second());
    // A leap second's fraction (chrono counts it past 10^9 ns) stays within the second.
    put(20, 6, (n.nanosecond() / 1_000).min(999_999));
    // Only ASCII digits and separators were written.
    String::from_utf8(b.to_vec()).expect("ASCII")
}

fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    parse_datetime(text).map(|n| n.and_utc()).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// A date and time in our own format, or in what other writers produce (CURRENT_TIMESTAMP,
/// ISO 8601 with a `T`).
fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if let Some(t) = parse_fixed_timestamp(text.as_bytes()) {
        return Some(t);
    }
    // Ours first, then what other writers (CURRENT_TIMESTAMP, ISO 8601 / RFC 3339) produce.
    for format in [
        TIMESTAMP_FORMAT,
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(text, format) {
            return Some(n);
        }
    }
    None
}

/// A time of day as `HH:MM:SS[.f]`.
fn parse_time(text: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f").ok()
}

/// The fast path for exactly our own format, `YYYY-MM-DD HH:MM:SS.ffffff` (26 bytes).
fn parse_fixed_timestamp(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() != 26
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
        num(20..26)?,
    )?;
    Some(date.and_time(time))
}

fn mismatch(ty: ValueType, raw: &ValueRef<'_>) -> Error {
    let found = match raw {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    };
    Error::type_mismatch(format!("expected {ty}, the database holds {found}"))
}

fn text<'a>(ty: ValueType, raw: &ValueRef<'a>) -> Result<&'a str> {
    match raw {
        ValueRef::Text(t) => std::str::from_utf8(t).map_err(|_| {
            Error::type_mismatch(format!(
                "expected {ty}, the database holds invalid UTF-8 text"
            ))
        }),
        other => Err(mismatch(ty, other)),
    }
}

fn unparsable(ty: ValueType, text: &str) -> Error {
    Error::type_mismatch(format!("cannot read {text:?} as {ty}"))
}

/// What each of the first `count` result columns holds, by its declared type where that is
/// one of the names anytable gives its columns (`DATE_TEXT`, `BOOLEAN`, ...); `None` for a
/// computed column, which SQLite gives no type, or a name of another program's.
pub(crate) fn declared_types(
    statement: &rusqlite::Statement<'_>,
    count: usize,
) -> Vec<Option<ValueType>> {
    // rusqlite panics on a declared type that is not UTF-8; such a column has no type of ours.
    let columns = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        statement
            .columns()
            .map(|c| c.decl_type().and_then(anytable_type))
            .collect::<Vec<_>>()
    }))
    .unwrap_or_default();
    let mut declared = columns;
    declared.resize(count, None);
    declared
}

/// The value type whose column anytable declares as `declared`.
fn anytable_type(declared: &str) -> Option<ValueType> {
    use anytable_core::Dialect;
    // `DECIMAL_TEXT(38, 4)`: the digits are checked when the table is adopted.
    let declared = declared
        .split_once('(')
        .map_or(declared, |(name, _)| name)
        .trim();
    anytable_core::sql::ALL_TYPES
        .iter()
        .copied()
        .find(|ty| {
            crate::dialect::SqliteDialect
                .column_type(*ty)
                .eq_ignore_ascii_case(declared)
        })
        .or_else(|| {
            declared
                .eq_ignore_ascii_case("INTEGER")
                .then_some(ValueType::I64)
        })
}

/// Decodes one SQLite value of a column that holds `declared` as `want`, by anytable's
/// reading rule ([`reading::reads_as`]); a column of no declared type of ours reads by what
/// the value is (SQLite's storage class).
#[inline]
pub(crate) fn decode_declared(
    raw: ValueRef<'_>,
    declared: Option<ValueType>,
    want: ValueType,
) -> Result<Value> {
    match declared {
        Some(held) if !matches!(raw, ValueRef::Null) => {
            reading::read_as(held, want, |ty| decode(raw, ty))
        }
        _ => decode(raw, want),
    }
}

/// Decodes one SQLite value as `ty`.
#[inline]
pub(crate) fn decode(raw: ValueRef<'_>, ty: ValueType) -> Result<Value> {
    if let ValueRef::Null = raw {
        return Ok(Value::Null);
    }
    let int = |raw: &ValueRef<'_>| match raw {
        ValueRef::Integer(i) => Ok(*i),
        other => Err(mismatch(ty, other)),
    };
    let out_of_range = |i: i64| Error::type_mismatch(format!("integer {i} does not fit in {ty}"));
    Ok(match ty {
        ValueType::I16 => {
            let i = int(&raw)?;
            Value::I16(i16::try_from(i).map_err(|_| out_of_range(i))?)
        }
        ValueType::I32 => {
            let i = int(&raw)?;
            Value::I32(i32::try_from(i).map_err(|_| out_of_range(i))?)
        }
        ValueType::I64 => Value::I64(int(&raw)?),
        ValueType::Bool => Value::Bool(int(&raw)? != 0),
        ValueType::F64 => match raw {
            ValueRef::Real(f) => Value::F64(f),
            ValueRef::Integer(i) => Value::F64(i as f64),
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Text => Value::Text(text(ty, &raw)?.to_owned()),
        ValueType::Bytes => match raw {
            ValueRef::Blob(b) | ValueRef::Text(b) => Value::Bytes(b.to_vec()),
            other => return Err(mismatch(ty, &other)),
        },
        ValueType::Timestamp => {
            let t = text(ty, &raw)?;
            Value::Timestamp(parse_timestamp(t).ok_or_else(|| unparsable(ty, t))?)
        }
        ValueType::Date => {
            let t = text(ty, &raw)?;
            Value::Date(NaiveDate::parse_from_str(t, DATE_FORMAT).map_err(|_| unparsable(ty, t))?)
        }
        ValueType::DateTime => {
            let t = text(ty, &raw)?;
            Value::DateTime(parse_datetime(t).ok_or_else(|| unparsable(ty, t))?)
        }
        ValueType::Time => {
            let t = text(ty, &raw)?;
            Value::Time(parse_time(t).ok_or_else(|| unparsable(ty, t))?)
        }
        ValueType::Decimal => match raw {
            ValueRef::Integer(i) => Value::Decimal(i.into()),
            _ => {
                let t = text(ty, &raw)?;
                Value::Decimal(crate::decimal::decode(t).ok_or_else(|| unparsable(ty, t))?)
            }
        },
        ValueType::Json => {
            match raw {
                ValueRef::Integer(i) => Value::Json(i.into()),
                ValueRef::Real(f) => Value::Json(f.into()),
                _ => {
                    let t = text(ty, &raw)?;
                    Value::Json(serde_json::from_str(t).map_err(|e| {
                        Error::type_mismatch(format!("cannot read {t:?} as json: {e}"))
                    })?)
                }
            }
        }
        ValueType::Uuid => match raw {
            ValueRef::Blob(b) if b.len() == 16 => {
                Value::Uuid(uuid::Uuid::from_slice(b).map_err(|_| mismatch(ty, &raw))?)
            }
            _ => {
                let t = text(ty, &raw)?;
                Value::Uuid(uuid::Uuid::parse_str(t).map_err(|_| unparsable(ty, t))?)
            }
        },
        // A value type newer than this backend.
        _ => return Err(mismatch(ty, &raw)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamp_text_round_trips_and_sorts() {
        let t =
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(7);
        let s = format_timestamp(&t);
        assert_eq!(s, "2026-01-02 03:04:05.000007");
        assert_eq!(parse_timestamp(&s), Some(t));
        let later = format_timestamp(&(t + chrono::Duration::microseconds(1)));
        assert!(later > s);
    }

    #[test]
    fn times_of_day_are_fixed_width_text() {
        let t = chrono::NaiveTime::from_hms_micro_opt(7, 8, 9, 10).unwrap();
        assert_eq!(format_time(&t), "07:08:09.000010");
        assert_eq!(parse_time(&format_time(&t)), Some(t));
        assert_eq!(
            parse_time("23:59:59"),
            chrono::NaiveTime::from_hms_opt(23, 59, 59)
        );
    }

    #[test]
    fn far_years_round_trip() {
        for year in [-4000, 0, 10000, 200000] {
            let t = Utc.with_ymd_and_hms(year, 6, 1, 0, 0, 0).unwrap();
            assert_eq!(
                parse_timestamp(&format_timestamp(&t)),
                Some(t),
                "year {year}"
            );
        }
    }
}
