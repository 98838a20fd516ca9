//! Mapping rusqlite errors onto anytable's `ErrorKind`, from SQLite's extended result codes.

use anytable_core::{Error, ErrorKind};
use rusqlite::ffi;
use rusqlite::ErrorCode;

/// Classifies a rusqlite error, keeping SQLite's message and extended code.
pub(crate) fn map_err(e: rusqlite::Error) -> Error {
    let (kind, code, message) = match &e {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let text = message.clone().unwrap_or_else(|| failure.to_string());
            (classify(failure, &text), Some(failure.extended_code), text)
        }
        rusqlite::Error::InvalidParameterCount(given, expected) => (
            ErrorKind::InvalidInput,
            None,
            format!("statement takes {expected} parameters but {given} were given"),
        ),
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => {
            (ErrorKind::TypeMismatch, None, e.to_string())
        }
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            (classify(error, msg), Some(error.extended_code), msg.clone())
        }
        other => (ErrorKind::Other, None, other.to_string()),
    };
    let mut error = Error::new(kind, message.clone()).with_backend("sqlite");
    if let Some(code) = code {
        error = error.with_code(code.to_string());
    }
    if let Some(target) = constraint_target(kind, &message) {
        error = match kind {
            ErrorKind::CheckViolation => error.with_constraint(target),
            _ => {
                let column = target.rsplit('.').next().unwrap_or(target).to_owned();
                error.with_constraint(target).with_column(column)
            }
        };
    }
    error.with_source(e)
}

fn classify(failure: &ffi::Error, message: &str) -> ErrorKind {
    match failure.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            return ErrorKind::UniqueViolation
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => return ErrorKind::NotNullViolation,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return ErrorKind::ForeignKeyViolation,
        ffi::SQLITE_CONSTRAINT_CHECK => return ErrorKind::CheckViolation,
        _ => {}
    }
    match failure.code {
        ErrorCode::DatabaseBusy => ErrorKind::Busy,
        ErrorCode::DatabaseLocked => ErrorKind::Locked,
        ErrorCode::CannotOpen | ErrorCode::NotADatabase => ErrorKind::Connection,
        ErrorCode::TypeMismatch => ErrorKind::TypeMismatch,
        // SUM's total left i64 (the message of SQLite's sum and of the exact one).
        _ if message == "integer overflow" => ErrorKind::TypeMismatch,
        _ if message == anytable_core::sql::FLOAT_OVERFLOW => ErrorKind::TypeMismatch,
        _ if message.starts_with("no such table") => ErrorKind::NotFound,
        // An unknown column is NotFound, as an unknown table (and as PostgreSQL's 42703).
        _ if message.starts_with("no such column") || message.contains("has no column named") => {
            ErrorKind::NotFound
        }
        _ if message.contains("syntax error") => ErrorKind::InvalidInput,
        _ => ErrorKind::Other,
    }
}

/// SQLite says e.g. "UNIQUE constraint failed: t.name" or "CHECK constraint failed: positive".
fn constraint_target(kind: ErrorKind, message: &str) -> Option<&str> {
    if !matches!(
        kind,
        ErrorKind::UniqueViolation | ErrorKind::NotNullViolation | ErrorKind::CheckViolation
    ) {
        return None;
    }
    message
        .split_once("constraint failed: ")
        .map(|(_, target)| target.trim())
        .filter(|t| !t.is_empty())
}
