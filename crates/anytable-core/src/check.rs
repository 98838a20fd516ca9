//! The values every backend must store and compare the same way, checked before anything is
//! written or sent: what one engine would refuse, change or misorder is refused everywhere.
//!
//! - NUL characters in text and in JSON strings and keys (PostgreSQL cannot store them);
//! - timestamps, dates and date-times outside years 0000-9999, and leap seconds (SQLite's text form would
//!   sort them wrongly or not read back);
//! - NaN and infinity where the backend cannot store them (SQLite turns NaN into NULL), and NaN
//!   in a filter there (it would silently match nothing);
//! - `-0.0`, stored as `+0.0` on every backend, since SQLite cannot keep the sign;
//! - text and bytes beyond the backend's limit for one index entry;
//! - [`Value::Invalid`]: a Rust value with no stored form (a `u64` above `i64::MAX`).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use crate::error::{Error, Result};
use crate::filter::Condition;
use crate::schema::ColumnSchema;
use crate::value::{Value, ValueType};

/// The first and last year every backend stores, sorts and reads back the same way.
pub const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// What the backend can store, which decides what is refused.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// NaN and infinity can be written.
    pub stores_nan: bool,
    /// `ilike` is available.
    pub case_insensitive_like: bool,
}

impl Rules {
    /// The rules a backend's capabilities call for.
    pub fn of(capabilities: &crate::backend::Capabilities) -> Rules {
        Rules {
            stores_nan: capabilities.stores_nan,
            case_insensitive_like: capabilities.case_insensitive_like,
        }
    }
}

/// Checks one value about to be written to `column`, and turns `-0.0` into `+0.0`.
pub fn writable(value: &mut Value, column: &ColumnSchema, rules: Rules) -> Result<()> {
    if let Value::Decimal(d) = value {
        return decimal(d, column);
    }
    let column = column.name.as_str();
    if let Value::F64(f) = value {
        if !f.is_finite() && !rules.stores_nan {
            return Err(refused(
                column,
                "cannot store NaN or infinity on this backend (SQLite would silently turn NaN \
                 into NULL)",
            ));
        }
        // `+ 0.0` keeps every other value (NaN included) and makes -0.0 positive.
        *f += 0.0;
        return Ok(());
    }
    if let Value::Json(doc) = value {
        // Documents from Arrow batches and Parquet files did not pass through `to_value`.
        crate::json::normalize_json(doc);
    }
    comparable(value, column)
}

/// Checks a value a filter compares `column` with: as for writes, except that infinity is a
/// fine bound everywhere and NaN is refused only where it cannot be stored (`-0.0` needs no
/// change: it equals `0.0` in SQL).
pub(crate) fn filter_value(value: &Value, column: &str, rules: Rules) -> Result<()> {
    match value {
        Value::F64(f) if f.is_nan() && !rules.stores_nan => Err(refused(
            column,
            "NaN cannot be stored on this backend, so a filter on it is refused rather than \
             matching nothing",
        )),
        Value::List(items) => items
            .iter()
            .try_for_each(|v| filter_value(v, column, rules)),
        other => comparable(other, column),
    }
}

/// The checks shared by writes and filters: NUL characters, years, leap seconds.
fn comparable(value: &Value, column: &str) -> Result<()> {
    match value {
        Value::Text(s) if s.contains('\0') => Err(nul(column, "text")),
        Value::Json(doc) if json_has_nul(doc) => Err(nul(column, "a JSON string or key")),
        Value::Json(doc) => json_document(doc, column),
        Value::Timestamp(t) => timestamp(t, column),
        Value::Date(d) => date(d, column),
        Value::DateTime(t) => {
            leap_second(t.nanosecond(), &t.to_string(), column)?;
            date(&t.date(), column)
        }
        Value::Time(t) => leap_second(t.nanosecond(), &t.to_string(), column),
        Value::Invalid(why) => Err(refused(column, why)),
        Value::List(items) => items.iter().try_for_each(|v| comparable(v, column)),
        _ => Ok(()),
    }
}

/// A decimal must fit its column as written: no engine may round it to the column's scale
/// (DuckDB and PostgreSQL would, silently) or overflow its precision.
fn decimal(d: &rust_decimal::Decimal, column: &ColumnSchema) -> Result<()> {
    let scale = column.scale.unwrap_or(0);
    let d = d.normalize();
    if d.scale() > scale {
        return Err(refused(
            &column.name,
            &format!(
                "{d} has {} digits after the point and the column keeps {scale}; round it \
                 first (Decimal::round_dp) if that is what you want",
                d.scale()
            ),
        ));
    }
    let before_point = d
        .trunc()
        .abs()
        .mantissa()
        .to_string()
        .trim_start_matches('0')
        .len() as u32;
    let room = crate::sql::DECIMAL_PRECISION - scale;
    if before_point > room {
        return Err(refused(
            &column.name,
            &format!(
                "{d} has {before_point} digits before the point and a column of scale {scale} \
                 keeps {room} ({} in all)",
                crate::sql::DECIMAL_PRECISION
            ),
        ));
    }
    Ok(())
}

fn timestamp(t: &DateTime<Utc>, column: &str) -> Result<()> {
    leap_second(t.nanosecond(), &t.to_string(), column)?;
    if !YEARS.contains(&t.year()) {
        return Err(out_of_range(column, &t.to_string()));
    }
    Ok(())
}

/// chrono marks a leap second by nanoseconds past 10^9.
fn leap_second(nanosecond: u32, shown: &str, column: &str) -> Result<()> {
    if nanosecond >= 1_000_000_000 {
        return Err(refused(
            column,
            &format!(
                "{shown} is a leap second, which not every backend can store or read back; use \
                 the second before it"
            ),
        ));
    }
    Ok(())
}

fn date(d: &NaiveDate, column: &str) -> Result<()> {
    if !YEARS.contains(&d.year()) {
        return Err(out_of_range(column, &d.to_string()));
    }
    Ok(())
}

/// A document no backend would read back is refused: nested deeper than serde_json reads, or
/// holding a number jsonb writes in a form serde_json cannot read.
fn json_document(doc: &serde_json::Value, column: &str) -> Result<()> {
    if crate::json::json_depth(doc) > crate::json::MAX_JSON_DEPTH {
        return Err(refused(
            column,
            &format!(
                "the JSON document nests arrays and objects deeper than {} levels, which no \
                 backend reads back (serde_json refuses 128)",
                crate::json::MAX_JSON_DEPTH
            ),
        ));
    }
    if let Some(number) = crate::json::unreadable_json_number(doc) {
        return Err(refused(
            column,
            &format!(
                "the JSON number {number:e} comes back from PostgreSQL's jsonb in plain \
                 notation, which serde_json cannot read, so no backend accepts it"
            ),
        ));
    }
    Ok(())
}

fn json_has_nul(doc: &serde_json::Value) -> bool {
    match doc {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(json_has_nul),
        serde_json::Value::Object(map) => {
            map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v))
        }
        _ => false,
    }
}

fn refused(column: &str, why: &str) -> Error {
    Error::invalid_input(format!("column {column:?}: {why}")).with_column(column.to_owned())
}

fn nul(column: &str, what: &str) -> Error {
    refused(
        column,
        &format!(
            "{what} contains a NUL character (\\0), which PostgreSQL cannot store, so no backend \
             accepts it"
        ),
    )
}

fn out_of_range(column: &str, shown: &str) -> Error {
    refused(
        column,
        &format!(
            "{shown} is outside the years {}-{} that every backend stores and sorts the same way",
            YEARS.start(),
            YEARS.end()
        ),
    )
}

/// Checks every value and LIKE pattern a filter holds, naming the column of the first bad one.
pub fn condition(condition: &Condition, rules: Rules) -> Result<()> {
    match condition {
        Condition::All | Condition::IsNull(_) | Condition::IsNotNull(_) => Ok(()),
        Condition::TooDeep => Err(too_deep()),
        Condition::TooWide => Err(too_wide()),
        Condition::Cmp(column, _, value) => filter_value(value, column, rules),
        Condition::Aggregate(expr, _, value) => filter_value(value, &expr.describe(), rules),
        Condition::In(column, values) => values
            .iter()
            .try_for_each(|v| filter_value(v, column, rules)),
        Condition::Like(column, pattern) => like_pattern(pattern, column),
        Condition::ILike(column, pattern) => {
            if !rules.case_insensitive_like {
                return Err(Error::unsupported(format!(
                    "column {column:?}: ilike needs Unicode lowercasing, which this backend \
                     does not have (capability case_insensitive_like; on PostgreSQL: a server \
                     built with ICU)"
                ))
                .with_column(column.to_string()));
            }
            like_pattern(pattern, column)
        }
        Condition::And(parts) | Condition::Or(parts) => {
            parts.iter().try_for_each(|p| self::condition(p, rules))
        }
        Condition::Not(inner) => self::condition(inner, rules),
    }
}

/// The integer type an adopted table stores a column in, where it is narrower than the
/// field's (`found`, a `SMALLINT`, behind `declared`, an `i64`): the only range that column
/// holds, which every write is checked against ([`fits_stored`]).
pub fn narrower_integer(declared: ValueType, found: Option<ValueType>) -> Option<ValueType> {
    let width = |ty| match ty {
        ValueType::I16 => Some(16),
        ValueType::I32 => Some(32),
        ValueType::I64 => Some(64),
        _ => None,
    };
    let found = found?;
    (width(found)? < width(declared)?).then_some(found)
}

/// Refuses an integer outside the range of `stored`, the narrower type an adopted table keeps
/// `column` in ([`narrower_integer`]): SQLite stored it anyway, and the other engines refused
/// it each with an error of its own.
pub fn fits_stored(value: &Value, column: &str, stored: ValueType) -> Result<()> {
    let n = match *value {
        Value::I16(n) => i64::from(n),
        Value::I32(n) => i64::from(n),
        Value::I64(n) => n,
        _ => return Ok(()),
    };
    let fits = match stored {
        ValueType::I16 => i16::try_from(n).is_ok(),
        ValueType::I32 => i32::try_from(n).is_ok(),
        _ => true,
    };
    if fits {
        return Ok(());
    }
    Err(Error::type_mismatch(format!(
        "column {column:?}: {n} does not fit in {stored}, the type the table stores the column \
         in (narrower than the field's)"
    ))
    .with_column(column.to_string()))
}

/// The error for a filter nested deeper than [`MAX_FILTER_DEPTH`](crate::filter::MAX_FILTER_DEPTH).
pub(crate) fn too_deep() -> Error {
    Error::invalid_input(format!(
        "the filter nests deeper than {} levels of &, | and !; build it flatter (a | b | c \
         and is_in(...) stay one level)",
        crate::filter::MAX_FILTER_DEPTH
    ))
}

/// The error for a filter of more than [`MAX_FILTER_TERMS`](crate::filter::MAX_FILTER_TERMS)
/// comparisons.
pub(crate) fn too_wide() -> Error {
    Error::invalid_input(format!(
        "the filter holds more than {} comparisons; use is_in(...) for long lists of values \
         (one comparison, any length), or split the work into several calls",
        crate::filter::MAX_FILTER_TERMS
    ))
}

/// A LIKE pattern: no NUL, and no lone escape character at its end.
fn like_pattern(pattern: &str, column: &str) -> Result<()> {
    if pattern.contains('\0') {
        return Err(nul(column, "the LIKE pattern"));
    }
    let mut escaped = false;
    for c in pattern.chars() {
        escaped = !escaped && c == crate::filter::LIKE_ESCAPE;
    }
    if escaped {
        return Err(refused(
            column,
            &format!(
                "the LIKE pattern {pattern:?} ends with the escape character \\; write \\\\ for a \
                 literal backslash"
            ),
        ));
    }
    Ok(())
}

/// Refuses a row whose text and bytes in one index exceed `limit` bytes, naming the column
/// that holds the most of them. `indexes` lists, per index, the positions of its text and
/// bytes columns in `values` and their names.
pub fn index_entries(
    values: &[Value],
    indexes: &[Vec<(usize, String)>],
    limit: Option<usize>,
) -> Result<()> {
    let Some(limit) = limit else {
        return Ok(());
    };
    for index in indexes {
        let sizes = index.iter().map(|(i, column)| {
            let len = match values.get(*i) {
                Some(Value::Text(s)) => s.len(),
                Some(Value::Bytes(b)) => b.len(),
                _ => 0,
            };
            (len, column.as_str())
        });
        let total: usize = sizes.clone().map(|(len, _)| len).sum();
        if total > limit {
            let (len, column) = sizes.max_by_key(|(len, _)| *len).unwrap_or((0, ""));
            return Err(refused(
                column,
                &format!(
                    "a value of {len} bytes ({total} in the index entry) is too long for an \
                     index: this backend holds at most {limit} bytes of text and bytes per \
                     index entry (capability max_index_entry_bytes)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> ColumnSchema {
        ColumnSchema::new(name, crate::ValueType::F64, false)
    }
    use chrono::TimeZone;

    const STRICT: Rules = Rules {
        stores_nan: false,
        case_insensitive_like: true,
    };
    const NAN_OK: Rules = Rules {
        stores_nan: true,
        case_insensitive_like: true,
    };

    #[test]
    fn negative_zero_becomes_positive_and_nan_follows_the_backend() {
        let mut v = Value::F64(-0.0);
        writable(&mut v, &col("x"), NAN_OK).unwrap();
        assert!(matches!(v, Value::F64(f) if f.to_bits() == 0));
        assert!(writable(&mut Value::F64(f64::NAN), &col("x"), STRICT).is_err());
        assert!(writable(&mut Value::F64(f64::INFINITY), &col("x"), STRICT).is_err());
        let mut nan = Value::F64(f64::NAN);
        writable(&mut nan, &col("x"), NAN_OK).unwrap();
        assert!(matches!(nan, Value::F64(f) if f.is_nan()));
        assert!(filter_value(&Value::F64(f64::INFINITY), "x", STRICT).is_ok());
        let err = filter_value(&Value::List(vec![Value::F64(f64::NAN)]), "x", STRICT).unwrap_err();
        assert_eq!(err.column(), Some("x"));
    }

    #[test]
    fn nul_far_years_and_leap_seconds_are_refused() {
        let bad = [
            Value::Text("a\0".into()),
            Value::Json(serde_json::json!({"k": ["\u{0}"]})),
            Value::Json(serde_json::json!({"\u{0}": 1})),
            Value::Timestamp(Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap()),
            Value::Timestamp(Utc.with_ymd_and_hms(-1, 12, 31, 0, 0, 0).unwrap()),
            Value::Date(NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap()),
            Value::Timestamp(
                NaiveDate::from_ymd_opt(2016, 12, 31)
                    .unwrap()
                    .and_hms_micro_opt(23, 59, 59, 1_000_000)
                    .unwrap()
                    .and_utc(),
            ),
        ];
        for mut value in bad {
            let err = writable(&mut value, &col("c"), NAN_OK).unwrap_err();
            assert_eq!(err.column(), Some("c"), "{err}");
        }
        for mut good in [
            Value::Timestamp(Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap()),
            Value::Date(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
            Value::Text("no nul".into()),
        ] {
            writable(&mut good, &col("c"), STRICT).unwrap();
        }
    }

    #[test]
    fn like_patterns_may_not_end_in_a_lone_escape() {
        assert!(like_pattern("a\\", "c").is_err());
        assert!(like_pattern("a\\\\", "c").is_ok());
        assert!(like_pattern("a\\\\\\", "c").is_err());
        assert!(like_pattern("a\\%", "c").is_ok());
    }

    #[test]
    fn index_entries_are_measured_per_index() {
        let values = [Value::Text("x".repeat(60)), Value::Bytes(vec![0; 50])];
        let both = vec![vec![(0, "a".to_owned()), (1, "b".to_owned())]];
        assert!(index_entries(&values, &both, None).is_ok());
        assert!(index_entries(&values, &both, Some(110)).is_ok());
        let err = index_entries(&values, &both, Some(100)).unwrap_err();
        assert_eq!(err.column(), Some("a"), "{err}");
        assert!(err.message().contains("100"), "{err}");
    }
}
