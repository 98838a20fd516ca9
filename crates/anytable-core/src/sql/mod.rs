//! SQL text for every statement anytable runs, built once with sea-query and spelled for each
//! engine by its backend's [`Dialect`]. Values never enter the SQL text: builders return
//! placeholders plus the values to bind.

mod ddl;
mod dialect;
mod dml;
mod join;
mod placeholders;
mod projection;
mod render;

pub use ddl::{
    column_def, create_index, create_table, create_table_statements, MAX_DECIMAL_SCALE,
    MAX_IDENTIFIER_LEN,
};
pub use dialect::{
    build, build_schema, Dialect, StandardSql, Syntax, ALL_TYPES, DECIMAL_PRECISION, FLOAT_OVERFLOW,
};
pub use dml::{
    count, delete, insert_sql, select, update, upsert, Conflict, ConflictAction, SelectSpec,
    TableStatements,
};
pub use join::{join, JoinKind, JoinSide, JoinSpec};
pub use placeholders::{one_plain_statement, portable_placeholders, PlainStatement};
pub use projection::{projection, ProjectionSpec, ProjectionSql};

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// Whether `sql` begins a transaction (`Some(true)`: BEGIN, START TRANSACTION) or ends one
/// (`Some(false)`: COMMIT, END, ROLLBACK, ABORT, but not ROLLBACK TO SAVEPOINT), for backends
/// that track transactions begun as SQL text; `None` for any other statement.
pub fn transaction_control(sql: &str) -> Option<bool> {
    let words: Vec<String> = sql
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    match words.first()?.as_str() {
        "BEGIN" => Some(true),
        "START" if words.get(1).is_some_and(|w| w == "TRANSACTION") => Some(true),
        "COMMIT" | "END" | "ABORT" => Some(false),
        "ROLLBACK" if words.get(1).is_none_or(|w| w != "TO") => Some(false),
        _ => None,
    }
}

/// Quotes an identifier by hand, for the few statements sea-query cannot build.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A name of `[a-z0-9_]` only, at most 63 bytes, unique for each distinct `raw`.
///
/// For objects sea-query names without escaping (index names) or that appear inside string
/// literals (DuckDB sequence names in `nextval('...')`).
pub fn safe_name(raw: &str) -> String {
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if clean == raw && raw.len() <= MAX_IDENTIFIER_LEN {
        return clean;
    }
    let hash = fnv1a(raw);
    let keep = clean.len().min(MAX_IDENTIFIER_LEN - 17);
    format!("{}_{hash:016x}", &clean[..keep])
}

/// FNV-1a of `text`: stable across runs, builds and platforms, unlike std's hasher, so names
/// derived from it stay the same for the tables they named.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Converts an anytable value into a sea-query value for statement building.
pub fn sea_value(value: Value) -> sea_query::Value {
    use sea_query::Value as S;
    match value {
        Value::Null => S::String(None),
        Value::I16(v) => S::SmallInt(Some(v)),
        Value::I32(v) => S::Int(Some(v)),
        Value::I64(v) => S::BigInt(Some(v)),
        Value::F64(v) => S::Double(Some(v)),
        Value::Bool(v) => S::Bool(Some(v)),
        Value::Text(v) => S::String(Some(v)),
        Value::Bytes(v) => S::Bytes(Some(v)),
        Value::Timestamp(v) => S::ChronoDateTimeUtc(Some(v)),
        Value::Date(v) => S::ChronoDate(Some(v)),
        Value::DateTime(v) => S::ChronoDateTime(Some(v)),
        Value::Time(v) => S::ChronoTime(Some(v)),
        Value::Decimal(v) => S::Decimal(Some(v)),
        Value::Json(v) => S::Json(Some(Box::new(v))),
        Value::Uuid(v) => S::Uuid(Some(v)),
        // The element type is not used: the list comes back out of sea-query as it went in.
        Value::List(items) => S::Array(
            sea_query::ArrayType::String,
            Some(Box::new(items.into_iter().map(sea_value).collect())),
        ),
        // Refused by the checks before any statement is built; a path that missed them gets
        // InvalidInput from `from_sea_value`, never a NULL.
        Value::Invalid(_) => S::Char(None),
    }
}

/// Converts a bound value back from sea-query; the inverse of [`sea_value`].
pub(crate) fn from_sea_value(value: sea_query::Value) -> Result<Value> {
    use sea_query::Value as S;
    Ok(match value {
        S::SmallInt(Some(v)) => Value::I16(v),
        S::Int(Some(v)) => Value::I32(v),
        S::BigInt(Some(v)) => Value::I64(v),
        // LIMIT and OFFSET arrive as unsigned values.
        S::BigUnsigned(Some(v)) => Value::I64(i64::try_from(v).unwrap_or(i64::MAX)),
        S::Unsigned(Some(v)) => Value::I64(i64::from(v)),
        S::Double(Some(v)) => Value::F64(v),
        S::Bool(Some(v)) => Value::Bool(v),
        S::String(Some(v)) => Value::Text(v),
        S::Bytes(Some(v)) => Value::Bytes(v),
        S::ChronoDateTimeUtc(Some(v)) => Value::Timestamp(v),
        S::ChronoDate(Some(v)) => Value::Date(v),
        S::ChronoDateTime(Some(v)) => Value::DateTime(v),
        S::ChronoTime(Some(v)) => Value::Time(v),
        S::Decimal(Some(v)) => Value::Decimal(v),
        S::Json(Some(v)) => Value::Json(*v),
        S::Uuid(Some(v)) => Value::Uuid(v),
        S::Array(_, Some(items)) => Value::List(
            items
                .into_iter()
                .map(from_sea_value)
                .collect::<Result<Vec<_>>>()?,
        ),
        S::Array(_, None) => Value::Null,
        S::Char(None) => {
            return Err(Error::invalid_input(
                "a value with no stored form (a u64 above i64::MAX, a document serde cannot \
                 serialize) cannot be bound",
            ))
        }
        S::SmallInt(None)
        | S::Int(None)
        | S::BigInt(None)
        | S::BigUnsigned(None)
        | S::Unsigned(None)
        | S::Double(None)
        | S::Bool(None)
        | S::String(None)
        | S::Bytes(None)
        | S::ChronoDateTimeUtc(None)
        | S::ChronoDate(None)
        | S::ChronoDateTime(None)
        | S::ChronoTime(None)
        | S::Decimal(None)
        | S::Json(None)
        | S::Uuid(None) => Value::Null,
        other => {
            return Err(Error::new(
                ErrorKind::Other,
                format!("internal: sea-query produced a value anytable does not bind: {other:?}"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_control_statements_are_recognised() {
        for (sql, expected) in [
            ("BEGIN", Some(true)),
            (
                "  begin transaction isolation level serializable",
                Some(true),
            ),
            ("START TRANSACTION", Some(true)),
            ("commit;", Some(false)),
            ("END", Some(false)),
            ("ROLLBACK", Some(false)),
            ("rollback to savepoint a", None),
            ("ROLLBACK TO a", None),
            ("START something", None),
            ("SELECT 1", None),
            ("", None),
        ] {
            assert_eq!(transaction_control(sql), expected, "{sql:?}");
        }
    }
}
