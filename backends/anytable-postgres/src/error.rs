//! Mapping postgres errors onto anytable's `ErrorKind` by SQLSTATE.
//!
//! The driver's `Display` says only "db error"; the server's message, detail, hint and
//! constraint are formatted into the anytable error instead.

use anytable_core::{Error, ErrorKind};
use tokio_postgres::error::SqlState;

/// The `ErrorKind` of a SQLSTATE code.
pub(crate) fn kind_of(code: &SqlState) -> ErrorKind {
    match code.code() {
        "23505" => ErrorKind::UniqueViolation,
        "23502" => ErrorKind::NotNullViolation,
        "23503" => ErrorKind::ForeignKeyViolation,
        "23514" => ErrorKind::CheckViolation,
        // Serialization failure and deadlock: rerun the transaction.
        "40001" | "40P01" => ErrorKind::Conflict,
        "55P03" => ErrorKind::Locked,
        "57014" => ErrorKind::Timeout,
        "25P02" => ErrorKind::TransactionAborted,
        "42P01" | "42703" | "3D000" | "3F000" => ErrorKind::NotFound,
        "42804" | "22P02" | "22003" | "42883" => ErrorKind::TypeMismatch,
        // program_limit_exceeded: a value too long for a B-tree entry, among others.
        "54000" => ErrorKind::InvalidInput,
        _ if session_lost(code) => ErrorKind::Connection,
        "28000" | "28P01" => ErrorKind::Connection,
        c if c.starts_with("22") || c.starts_with("42") => ErrorKind::InvalidInput,
        _ => ErrorKind::Other,
    }
}

/// Converts a postgres error, keeping the server's own words.
pub(crate) fn map_err(e: tokio_postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let mut message = format!("{}: {}", db.severity(), db.message());
        // A prepared statement missing, or another's parameters: the server session changed
        // under the client, as behind a pooler in transaction mode.
        let statement_lost = matches!(db.code().code(), "26000" | "08P01")
            && db.message().contains("prepared statement");
        if let Some(detail) = db.detail() {
            message.push_str(&format!(" (detail: {detail})"));
        }
        if let Some(hint) = db.hint() {
            message.push_str(&format!(" (hint: {hint})"));
        }
        if statement_lost {
            message.push_str(
                " (behind PgBouncer or another pooler in transaction mode, add \
                 pooler=transaction to the URL)",
            );
        }
        let mut error = Error::new(kind_of(db.code()), message)
            .with_backend("postgres")
            .with_code(db.code().code().to_owned());
        if session_lost(db.code()) {
            error = error.with_retryable(true);
        }
        if let Some(constraint) = db.constraint() {
            error = error.with_constraint(constraint.to_owned());
        }
        if let Some(column) = db.column().or_else(|| key_column(db.detail())) {
            error = error.with_column(column.to_owned());
        }
        return error.with_source(e);
    }
    // The driver's message names the step that failed ("error performing TLS handshake");
    // its causes say why (an untrusted certificate, a refused connection).
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(reason) = cause {
        text.push_str(&format!(": {reason}"));
        cause = reason.source();
    }
    let kind = if e.is_closed() || e.as_db_error().is_none() && is_io(&e) {
        ErrorKind::Connection
    } else if text.contains("serializ") {
        ErrorKind::TypeMismatch
    } else {
        ErrorKind::Other
    };
    let mut error = Error::new(kind, text).with_backend("postgres");
    if kind == ErrorKind::Connection && !tls_refused(&e) {
        // The network or the server went away: a new session, later, may work.
        error = error.with_retryable(true);
    }
    error.with_source(e)
}

/// SQLSTATEs of a session the server ended or could not give (shutting down, restarting,
/// out of connection slots, the link broke): rerunning on a new session may work, which a
/// refused login (28xxx) never does.
fn session_lost(code: &SqlState) -> bool {
    matches!(
        code.code(),
        "53300" | "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006" | "08001" | "08004"
    )
}

/// Whether the TLS handshake failed (an untrusted or wrong certificate): trying again meets
/// the same certificate.
pub(crate) fn tls_refused(e: &tokio_postgres::Error) -> bool {
    e.to_string().contains("TLS")
}

fn is_io(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    let text = e.to_string();
    text.contains("connection") || text.contains("timed out")
}

/// The column of a one-column key from a detail like `Key (email)=(a@b) already exists.`;
/// the server names no column for unique and foreign-key violations otherwise.
fn key_column(detail: Option<&str>) -> Option<&str> {
    let inside = detail?.strip_prefix("Key (")?;
    let (columns, _) = inside.split_once(")=(")?;
    (!columns.contains(", ")).then(|| columns.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::key_column;

    #[test]
    fn key_column_is_read_from_the_detail() {
        assert_eq!(
            key_column(Some("Key (key)=(dup) already exists.")),
            Some("key")
        );
        assert_eq!(
            key_column(Some(r#"Key ("order")=(1) already exists."#)),
            Some("order")
        );
        assert_eq!(key_column(Some("Key (a, b)=(1, 2) already exists.")), None);
        assert_eq!(key_column(Some("Failing row contains (1).")), None);
        assert_eq!(key_column(None), None);
    }
}
