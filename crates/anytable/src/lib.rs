//! One typed table API over SQLite, DuckDB and PostgreSQL.
//!
//! A record type describes its table once; the same code runs on any backend compiled in,
//! chosen by the URL given to [`Database::open`].
//!
//! ```
//! use anytable::chrono::{DateTime, Utc};
//! use anytable::{Database, Record};
//!
//! #[derive(Record, Debug)]
//! struct SimpleRow {
//!     #[anytable(id)]
//!     id: i64,
//!     #[anytable(added)]
//!     added: DateTime<Utc>,
//!     process: String,
//!     number: i64,
//! }
//!
//! # fn main() -> anytable::Result<()> {
//! let db = Database::open("sqlite::memory:")?;
//! let rows = db.table::<SimpleRow>()?;
//! let mut row = SimpleRow { id: 0, added: Utc::now(), process: "AB".into(), number: 7 };
//! let id = rows.insert(&mut row)?;
//! assert_eq!(row.id, id);
//! let big = rows.filter(SimpleRow::number().gt(5)).all()?;
//! assert_eq!(big.len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Same code, same answer
//! Where engines disagree on their own, anytable gives one meaning and the conformance suite
//! asserts it on every backend: `like` is case-sensitive with `\` as its escape and `ilike`
//! ignores case in every script; text sorts by code point; NULLs sort last in ascending order
//! and first in descending order; `added`/`updated` are the statement's time in microseconds;
//! values no backend stores faithfully (NUL characters, years outside 0000-9999, leap seconds,
//! NaN where it cannot be stored) are [`ErrorKind::InvalidInput`] before anything is written.
//!
//! ```
//! # use anytable::{Database, Record};
//! #[derive(Record)]
//! struct File {
//!     #[anytable(id)]
//!     id: i64,
//!     name: String,
//!     size: Option<i64>,
//! }
//!
//! # fn main() -> anytable::Result<()> {
//! let db = Database::open("sqlite::memory:")?;
//! let files = db.table::<File>()?;
//! files.insert_many(&[
//!     File { id: 0, name: "100%.txt".into(), size: Some(2) },
//!     File { id: 0, name: "100.TXT".into(), size: None },
//!     File { id: 0, name: "notes.txt".into(), size: Some(1) },
//! ])?;
//! assert_eq!(files.filter(File::name().like("100\\%%")).count()?, 1);
//! assert_eq!(files.filter(File::name().like("%.txt")).count()?, 2);
//! assert_eq!(files.filter(File::name().ilike("%.txt")).count()?, 3);
//! let sizes: Vec<Option<i64>> =
//!     files.select().order_by(File::size().asc()).all()?.into_iter().map(|f| f.size).collect();
//! assert_eq!(sizes, [Some(1), Some(2), None]);
//! let err = files.insert(&mut File { id: 0, name: "a\0b".into(), size: None }).unwrap_err();
//! assert_eq!(err.kind(), anytable::ErrorKind::InvalidInput);
//! # Ok(())
//! # }
//! ```
//!
//! # Backends and cargo features
//! | feature | URL | backend |
//! |---|---|---|
//! | `sqlite` (default) | `sqlite://path.db`, `sqlite::memory:` | embedded SQLite via rusqlite (bundled) |
//! | `duckdb` | `duckdb://path.duckdb`, `duckdb::memory:` | embedded DuckDB via duckdb-rs (bundled) |
//! | `postgres` | `postgres://user@host:port/db` | a PostgreSQL server via tokio-postgres, behind a blocking client |
//!
//! A URL whose backend is not compiled in is an [`ErrorKind::Unsupported`] error naming the
//! feature to enable.
//!
//! The feature `async` adds `AsyncDatabase` and the rest of the `asynchronous` module: the same
//! API for tokio applications.
//!
//! # Tracing
//! Every statement emits a `tracing` span (target `anytable`, DEBUG) with the backend, the SQL
//! text, the rows and the duration; slow statements and long pool waits are logged at WARN.
//! See [`trace`] and [`Database::set_trace_options`](anytable_core::Database::set_trace_options).
#![warn(missing_docs)]

use std::ops::Deref;

pub use anytable_core::{
    check_in, chrono, derive_support, serde_json, sql, url, uuid, Assignment, Backend, BulkInsert,
    Capabilities, CmpOp, Column, ColumnInfo, ColumnRole, ColumnSchema, ColumnValue, Condition,
    Connection, DatabaseUrl, Dialect, Error, ErrorKind, Filter, IndexInfo, IndexSchema, OnConflict,
    Order, OrderKey, Record, RecordId, RecordIter, Result, RowSource, Rows, Select, Table,
    TableInfo, TableSchema, TextColumn, TraceOptions, TracedConnection, Transaction, Value,
    ValueFor, ValueType, LIKE_ESCAPE, MAX_FILTER_DEPTH, MAX_FILTER_TERMS, YEARS,
};
pub use anytable_core::{retry_delay, trace};
pub use anytable_derive::Record;

#[cfg(feature = "async")]
pub mod asynchronous;
#[cfg(feature = "async")]
pub use asynchronous::{
    AsyncDatabase, AsyncSelect, AsyncTable, AsyncTableOps, AsyncTransaction, RecordStream,
};

/// The PostgreSQL backend crate, for [`Database::from_backend`] and its helpers.
#[cfg(feature = "postgres")]
pub use anytable_postgres as postgres;

/// A handle on one database, opened from a URL: `Clone + Send + Sync`, pooling connections.
///
/// Everything but opening lives on [`anytable_core::Database`], which this derefs to.
#[derive(Clone, Debug)]
pub struct Database {
    inner: anytable_core::Database,
}

impl Database {
    /// Opens the database at `url` with the backend its scheme names.
    ///
    /// Schemes: `sqlite` (feature `sqlite`), `duckdb` (feature `duckdb`), `postgres` and
    /// `postgresql` (feature `postgres`). Options go in the query string, e.g.
    /// `sqlite://app.db?timeout=15`; an unknown option is an error.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for a malformed URL or unknown scheme,
    /// [`ErrorKind::Unsupported`] for a backend not compiled in, and the backend's own
    /// errors (e.g. [`ErrorKind::NotFound`] for a directory that does not exist).
    pub fn open(url: &str) -> Result<Database> {
        let parsed = DatabaseUrl::parse(url)?;
        let inner = match parsed.scheme() {
            "sqlite" => open_sqlite(&parsed)?,
            "duckdb" => open_duckdb(&parsed)?,
            "postgres" | "postgresql" => open_postgres(&parsed)?,
            other => {
                return Err(Error::invalid_input(format!(
                    "unknown database URL scheme {other:?}; anytable knows sqlite, duckdb, postgres and postgresql"
                )))
            }
        };
        Ok(Database { inner })
    }

    /// Wraps a backend opened by other means (e.g. a third-party backend crate).
    pub fn from_backend(backend: impl Backend) -> Database {
        Database {
            inner: anytable_core::Database::new(backend),
        }
    }

    /// The backend-neutral handle this wraps.
    pub fn core(&self) -> &anytable_core::Database {
        &self.inner
    }
}

impl Deref for Database {
    type Target = anytable_core::Database;
    fn deref(&self) -> &anytable_core::Database {
        &self.inner
    }
}

#[cfg(feature = "sqlite")]
fn open_sqlite(url: &DatabaseUrl) -> Result<anytable_core::Database> {
    anytable_sqlite::SqliteBackend::open(url).map(anytable_core::Database::new)
}

#[cfg(not(feature = "sqlite"))]
fn open_sqlite(_: &DatabaseUrl) -> Result<anytable_core::Database> {
    Err(not_compiled("sqlite", "sqlite"))
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &DatabaseUrl) -> Result<anytable_core::Database> {
    anytable_postgres::PostgresBackend::open(url).map(anytable_core::Database::new)
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(url: &DatabaseUrl) -> Result<anytable_core::Database> {
    Err(not_compiled("postgres", url.scheme()))
}

#[cfg(feature = "duckdb")]
fn open_duckdb(url: &DatabaseUrl) -> Result<anytable_core::Database> {
    anytable_duckdb::DuckDbBackend::open(url).map(anytable_core::Database::new)
}

#[cfg(not(feature = "duckdb"))]
fn open_duckdb(_: &DatabaseUrl) -> Result<anytable_core::Database> {
    Err(not_compiled("duckdb", "duckdb"))
}

#[cfg(not(all(feature = "sqlite", feature = "duckdb", feature = "postgres")))]
fn not_compiled(feature: &str, scheme: &str) -> Error {
    Error::unsupported(format!(
        "this build of anytable has no {scheme} backend: enable the cargo feature \"{feature}\" \
         of anytable (e.g. `anytable = {{ version = \"0.1\", features = [\"{feature}\"] }}`)"
    ))
}
