//! SQL text for every statement anytable runs, built with sea-query per [`Dialect`].
//!
//! sea-query 1.0 has no `dyn QueryBuilder`, so the dialect is an enum and each build matches
//! on it. Values never enter the SQL text: builders return placeholders plus the values to bind.

mod ddl;
mod dml;

pub use ddl::{create_table, create_table_statements, id_sequence, MAX_IDENTIFIER_LEN};
pub use dml::{
    count, delete, fold_case, insert_sql, select, update, upsert, Conflict, ConflictAction,
    SelectSpec, TableStatements, SQLITE_LOWER,
};

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder};

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Value, ValueType};

/// The SQL dialect a backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL (and wire-compatible engines).
    Postgres,
    /// DuckDB: Postgres syntax for DML, its own DDL.
    DuckDb,
}

/// The text format of timestamps in SQLite: fixed width, so text order is time order.
pub const SQLITE_TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// The text format of dates in SQLite.
pub const SQLITE_DATE_FORMAT: &str = "%Y-%m-%d";

impl Dialect {
    /// Renders a sea-query statement to SQL with placeholders and the values to bind.
    pub fn build<S: QueryStatementWriter>(self, statement: &S) -> Result<(String, Vec<Value>)> {
        let (sql, values) = match self {
            Dialect::Sqlite => statement.build(SqliteQueryBuilder),
            // DuckDB accepts the Postgres builder's `$n` placeholders, `"` quoting, ON CONFLICT
            // and RETURNING; where its DDL differs, `ddl` says so.
            Dialect::Postgres | Dialect::DuckDb => statement.build(PostgresQueryBuilder),
        };
        let values = values
            .into_iter()
            .map(from_sea_value)
            .collect::<Result<Vec<_>>>()?;
        Ok((sql, values))
    }

    /// The SQL type this dialect declares for a column of `ty`.
    pub fn column_type(self, ty: ValueType) -> &'static str {
        use ValueType::*;
        match self {
            // Names chosen so SQLite's type affinity never rewrites the stored text
            // (a declared "JSON" would get NUMERIC affinity and turn '12' into 12).
            Dialect::Sqlite => match ty {
                I16 => "SMALLINT",
                I32 => "INT",
                I64 => "BIGINT",
                F64 => "REAL",
                Bool => "BOOLEAN",
                Text => "TEXT",
                Bytes => "BLOB",
                Timestamp => "TIMESTAMP_TEXT",
                Date => "DATE_TEXT",
                Json => "JSON_TEXT",
                Uuid => "UUID_TEXT",
            },
            Dialect::Postgres => match ty {
                I16 => "SMALLINT",
                I32 => "INTEGER",
                I64 => "BIGINT",
                F64 => "DOUBLE PRECISION",
                Bool => "BOOLEAN",
                Text => "TEXT",
                Bytes => "BYTEA",
                Timestamp => "TIMESTAMPTZ",
                Date => "DATE",
                Json => "JSONB",
                Uuid => "UUID",
            },
            Dialect::DuckDb => match ty {
                I16 => "SMALLINT",
                I32 => "INTEGER",
                I64 => "BIGINT",
                F64 => "DOUBLE",
                Bool => "BOOLEAN",
                Text => "VARCHAR",
                Bytes => "BLOB",
                Timestamp => "TIMESTAMPTZ",
                Date => "DATE",
                // The JSON type lives in the json extension, which is not compiled in; JSON is
                // text marked by a column comment (see `DUCKDB_JSON_COMMENT`).
                Json => "VARCHAR",
                Uuid => "UUID",
            },
        }
    }

    /// The SQL type declared for the auto-increment id column.
    pub fn id_column_type(self) -> &'static str {
        match self {
            // Exactly "INTEGER" makes the column an alias of SQLite's rowid.
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres | Dialect::DuckDb => "BIGINT",
        }
    }

    /// Maps a type as the database reports it back to an anytable type.
    pub fn value_type_of(self, declared: &str) -> Option<ValueType> {
        let d = declared.trim().to_ascii_uppercase();
        if self == Dialect::Sqlite && d == "INTEGER" {
            return Some(ValueType::I64);
        }
        let aliases: &[(&str, ValueType)] = match self {
            Dialect::Postgres => &[
                ("INT2", ValueType::I16),
                ("INT4", ValueType::I32),
                ("INT8", ValueType::I64),
                ("FLOAT8", ValueType::F64),
                ("BOOL", ValueType::Bool),
                ("TIMESTAMP WITH TIME ZONE", ValueType::Timestamp),
                ("CHARACTER VARYING", ValueType::Text),
                ("VARCHAR", ValueType::Text),
            ],
            Dialect::DuckDb => &[("TIMESTAMP WITH TIME ZONE", ValueType::Timestamp)],
            Dialect::Sqlite => &[],
        };
        if let Some((_, ty)) = aliases.iter().find(|(name, _)| *name == d) {
            return Some(*ty);
        }
        ALL_TYPES
            .iter()
            .copied()
            .find(|ty| self.column_type(*ty) == d)
    }

    /// SQL for the time of the current statement, with microseconds, where the engine has it;
    /// `None` where anytable binds the writing process's clock instead (the embedded engines,
    /// whose clock is the process's anyway: SQLite's has only milliseconds, DuckDB's is the
    /// start of the transaction).
    pub fn statement_time_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some("statement_timestamp()"),
            Dialect::Sqlite | Dialect::DuckDb => None,
        }
    }

    /// The column default of `added` and `updated` columns, for rows that other programs insert
    /// without them (anytable itself always writes the statement's time).
    pub fn default_now_sql(self) -> &'static str {
        match self {
            // SQLite's clock has millisecond resolution; pad to the fixed six-digit format.
            Dialect::Sqlite => "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))",
            Dialect::Postgres => "statement_timestamp()",
            Dialect::DuckDb => "CURRENT_TIMESTAMP",
        }
    }
}

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

/// The column comment that marks a DuckDB `VARCHAR` column as holding JSON.
pub const DUCKDB_JSON_COMMENT: &str = "anytable:json";

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
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

const ALL_TYPES: [ValueType; 11] = [
    ValueType::I16,
    ValueType::I32,
    ValueType::I64,
    ValueType::F64,
    ValueType::Bool,
    ValueType::Text,
    ValueType::Bytes,
    ValueType::Timestamp,
    ValueType::Date,
    ValueType::Json,
    ValueType::Uuid,
];

/// Converts an anytable value into a sea-query value for statement building.
pub(crate) fn to_sea_value(value: Value) -> sea_query::Value {
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
        Value::Json(v) => S::Json(Some(Box::new(v))),
        Value::Uuid(v) => S::Uuid(Some(v)),
        // The element type is not used: the list comes back out of sea-query as it went in.
        Value::List(items) => S::Array(
            sea_query::ArrayType::String,
            Some(Box::new(items.into_iter().map(to_sea_value).collect())),
        ),
    }
}

/// Converts a bound value back from sea-query; the inverse of [`to_sea_value`].
fn from_sea_value(value: sea_query::Value) -> Result<Value> {
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
        S::Json(Some(v)) => Value::Json(*v),
        S::Uuid(Some(v)) => Value::Uuid(v),
        S::Array(_, Some(items)) => Value::List(
            items
                .into_iter()
                .map(from_sea_value)
                .collect::<Result<Vec<_>>>()?,
        ),
        S::Array(_, None) => Value::Null,
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
