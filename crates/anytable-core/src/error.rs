//! The one error type of anytable, classified by [`ErrorKind`].

use std::fmt;

/// Result with anytable's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms every backend maps its own codes onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A UNIQUE or PRIMARY KEY constraint rejected the row.
    UniqueViolation,
    /// A NOT NULL column was given NULL.
    NotNullViolation,
    /// A FOREIGN KEY constraint rejected the change.
    ForeignKeyViolation,
    /// A CHECK constraint rejected the row.
    CheckViolation,
    /// The database is busy (another writer holds the lock); retrying may succeed.
    Busy,
    /// A lock or statement timeout expired; retrying may succeed.
    Timeout,
    /// A concurrent transaction changed the same data; rerun the whole transaction.
    Conflict,
    /// The database or file is locked by another connection or process.
    Locked,
    /// The connection could not be made or was lost.
    Connection,
    /// The table in the database does not match the record type.
    SchemaMismatch,
    /// A stored value cannot be read as (or a value cannot be written as) the requested type.
    TypeMismatch,
    /// A table, row or file that must exist does not.
    NotFound,
    /// The backend cannot do this; its capabilities say so.
    Unsupported,
    /// The caller passed something invalid (URL, identifier, argument).
    InvalidInput,
    /// An earlier statement in this transaction failed, so it was rolled back.
    TransactionAborted,
    /// The connection was lost, or the call timed out, while COMMIT was in flight: the
    /// transaction may or may not have been committed. Not retryable (rerunning it could
    /// write twice); look for its writes (a key it wrote) before running it again.
    CommitOutcomeUnknown,
    /// Anything the backend reported that has no better kind; see the message and code.
    Other,
}

impl ErrorKind {
    /// A short lower-case name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::UniqueViolation => "unique violation",
            ErrorKind::NotNullViolation => "not-null violation",
            ErrorKind::ForeignKeyViolation => "foreign key violation",
            ErrorKind::CheckViolation => "check violation",
            ErrorKind::Busy => "database busy",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Conflict => "transaction conflict",
            ErrorKind::Locked => "locked",
            ErrorKind::Connection => "connection error",
            ErrorKind::SchemaMismatch => "schema mismatch",
            ErrorKind::TypeMismatch => "type mismatch",
            ErrorKind::NotFound => "not found",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::TransactionAborted => "transaction aborted",
            ErrorKind::CommitOutcomeUnknown => "commit outcome unknown",
            ErrorKind::Other => "database error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An anytable error: a kind to match on, a message to show, and what the backend said.
///
/// One pointer wide, so `Result`s stay small on hot paths.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<Details>);

#[derive(Debug, thiserror::Error)]
#[error("{kind}: {message}{}", self.context())]
struct Details {
    kind: ErrorKind,
    message: String,
    backend: Option<&'static str>,
    code: Option<String>,
    constraint: Option<String>,
    column: Option<String>,
    /// Overrides the kind's answer to [`Error::is_retryable`]: a backend knows that this
    /// `Connection` error is a lost session (retry) or a refused login (do not).
    retryable: Option<bool>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message a user can act on.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Details {
            kind,
            message: message.into(),
            backend: None,
            code: None,
            constraint: None,
            column: None,
            retryable: None,
            source: None,
        }))
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for an [`ErrorKind::Unsupported`] error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Shorthand for an [`ErrorKind::TypeMismatch`] error.
    pub fn type_mismatch(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TypeMismatch, message)
    }

    /// Names the backend that produced the error.
    pub fn with_backend(mut self, backend: &'static str) -> Self {
        self.0.backend = Some(backend);
        self
    }

    /// Keeps the backend's own error code (extended result code, SQLSTATE, ...).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.0.code = Some(code.into());
        self
    }

    /// Names the constraint the engine reported.
    pub fn with_constraint(mut self, constraint: impl Into<String>) -> Self {
        self.0.constraint = Some(constraint.into());
        self
    }

    /// Names the column involved, where known.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.0.column = Some(column.into());
        self
    }

    /// Says whether rerunning may succeed where the kind alone does not tell: a
    /// [`ErrorKind::Connection`] error is retryable when the session was lost or the server is
    /// restarting (a new connection may work), not when the login was refused.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = Some(retryable);
        self
    }

    /// Keeps the underlying driver error as the source.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// The same error, said of `column`: the message names it and [`column`](Self::column) is set.
    pub fn in_column(mut self, column: &str) -> Self {
        self.0.message = format!("column {column:?}: {}", self.0.message);
        self.0.column = Some(column.to_owned());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The human-readable message, including the engine's own text where there is one.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The backend that produced the error, if it came from one.
    pub fn backend(&self) -> Option<&'static str> {
        self.0.backend
    }

    /// The backend's own code for the error (e.g. SQLite's extended code `2067`).
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The constraint the engine reported, where it gives one.
    pub fn constraint(&self) -> Option<&str> {
        self.0.constraint.as_deref()
    }

    /// The column involved, where known.
    pub fn column(&self) -> Option<&str> {
        self.0.column.as_deref()
    }

    /// Whether rerunning the same operation (or whole transaction) may succeed: busy,
    /// timeout, conflict and locked errors, and connection errors the backend marks as a lost
    /// session ([`with_retryable`](Self::with_retryable)).
    pub fn is_retryable(&self) -> bool {
        self.0.retryable.unwrap_or(matches!(
            self.0.kind,
            ErrorKind::Busy | ErrorKind::Timeout | ErrorKind::Conflict | ErrorKind::Locked
        ))
    }
}

impl Details {
    fn context(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = self.backend {
            parts.push(format!("backend {b}"));
        }
        if let Some(c) = &self.code {
            parts.push(format!("code {c}"));
        }
        if let Some(c) = &self.constraint {
            parts.push(format!("constraint {c}"));
        }
        if let Some(c) = &self.column {
            parts.push(format!("column {c}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }
}

/// The text a panic carried (`panic!("...")` gives a `&str` or a `String`), for turning a
/// caught panic into an error; empty for any other payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
