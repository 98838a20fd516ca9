//! Mapping duckdb-rs errors onto anytable's `ErrorKind`.
//!
//! duckdb-rs reports no error codes for query failures, so this classifies DuckDB's message
//! (`"<Type> Error: <text>"`) and keeps it verbatim.

use anytable_core::{Error, ErrorKind};

/// Whether opening failed because another process holds the file lock.
pub(crate) fn is_lock_error(e: &duckdb::Error) -> bool {
    e.to_string().contains("Could not set lock on file")
}

/// Classifies a duckdb-rs error, keeping DuckDB's own message.
pub(crate) fn map_err(e: duckdb::Error) -> Error {
    let message = match &e {
        duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    };
    let kind = match &e {
        duckdb::Error::DuckDBFailure(..) => classify(&message),
        duckdb::Error::FromSqlConversionFailure(..)
        | duckdb::Error::IntegralValueOutOfRange(..)
        | duckdb::Error::InvalidColumnType(..) => ErrorKind::TypeMismatch,
        duckdb::Error::InvalidParameterCount(..) | duckdb::Error::InvalidParameterName(..) => {
            ErrorKind::InvalidInput
        }
        _ => classify(&message),
    };
    let mut error = Error::new(kind, message.clone()).with_backend("duckdb");
    if let Some(code) = message
        .split_once(" Error:")
        .map(|(prefix, _)| prefix.trim())
    {
        // DuckDB's error type ("Constraint", "TransactionContext", ...) is the closest it has to a code.
        error = error.with_code(code.to_owned());
    }
    if let Some(column) = column_of(kind, &message) {
        error = error.with_column(column);
    }
    error.with_source(e)
}

fn classify(message: &str) -> ErrorKind {
    let has = |needle: &str| message.contains(needle);
    if has("Duplicate key")
        || has("violates primary key constraint")
        || has("violates unique constraint")
        || has("PRIMARY KEY or UNIQUE constraint violation")
    {
        ErrorKind::UniqueViolation
    } else if has("NOT NULL constraint failed") {
        ErrorKind::NotNullViolation
    } else if has("foreign key") {
        ErrorKind::ForeignKeyViolation
    } else if has("CHECK constraint failed") {
        ErrorKind::CheckViolation
    } else if has("Conflict on")
        || has("Transaction conflict")
        || has("write-write conflict")
        || has("Failed to commit")
    {
        ErrorKind::Conflict
    } else if has("Could not set lock on file") {
        ErrorKind::Locked
    } else if has("Current transaction is aborted") {
        ErrorKind::TransactionAborted
    } else if message.starts_with("Connection Error") {
        ErrorKind::Connection
    } else if message.starts_with("Catalog Error") && has("does not exist") {
        ErrorKind::NotFound
    } else if message.starts_with("Conversion Error")
        || message.starts_with("Out of Range Error")
        || has(anytable_core::sql::FLOAT_OVERFLOW)
    {
        ErrorKind::TypeMismatch
    } else if message.starts_with("Binder Error")
        && (has("not found") || has("does not have a column"))
    {
        // An unknown column is NotFound, as an unknown table (and as PostgreSQL's 42703).
        ErrorKind::NotFound
    } else if message.starts_with("Parser Error") || message.starts_with("Binder Error") {
        ErrorKind::InvalidInput
    } else if message.starts_with("IO Error") {
        ErrorKind::Connection
    } else {
        ErrorKind::Other
    }
}

/// DuckDB says `Duplicate key "key: x"` or `NOT NULL constraint failed: t.col`.
fn column_of(kind: ErrorKind, message: &str) -> Option<String> {
    match kind {
        ErrorKind::UniqueViolation => {
            let key = message.split_once("Duplicate key \"")?.1;
            let (columns, _) = key.split_once(": ")?;
            Some(columns.to_owned())
        }
        ErrorKind::NotNullViolation => {
            let target = message.split_once("constraint failed: ")?.1.trim();
            Some(target.rsplit('.').next().unwrap_or(target).to_owned())
        }
        _ => None,
    }
}
