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
//! # The `Table` trait
//! The typed operations on a table are the [`Table`] trait; [`Database::table`] returns a
//! [`TableHandle`] that implements it (and adds [`select`](TableHandle::select) for queries
//! read row by row). Code that takes `&dyn Table<R>` runs on every backend, inside a
//! transaction or not, and on a fake in a unit test; [`Query`] is the plain-data query it is
//! handed. `AsyncTable` (feature `async`) is the async twin with the same operations.
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
//! API for tokio applications. `arrow` adds query results as Arrow record batches
//! (`Select::arrow`), `insert_arrow` and `pretty`; `parquet` adds `write_parquet` and
//! `insert_parquet`; `time` makes the time crate's date and time types field types.
//!
//! # Two audiences
//! Everything at the crate root is for applications. What a backend crate implements or
//! calls (the [`backend::Backend`] and [`backend::Connection`] traits, row cursors, SQL
//! building, introspection) lives in [`backend`].
//!
//! # Tracing
//! Every statement emits a `tracing` span (target `anytable`, DEBUG) with the backend, the SQL
//! text, the rows and the duration; slow statements and long pool waits are logged at WARN.
//! See [`trace`] and [`Database::set_trace_options`].
#![warn(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
/// The parquet crate, for readers and writers beyond `write_parquet` and `insert_parquet`.
#[cfg(feature = "parquet")]
pub use parquet;
mod copy;
mod cursor;
mod database;
mod deadline;
mod exclusive;
mod migrate;
mod open;
mod raw;
mod table;
pub mod trace;

pub mod backend;
pub use anytable_core::url;

pub use anytable_core::migrate::{Change, MigrationPlan, PlannedChange, Refused};
#[cfg(feature = "time")]
pub use anytable_core::time;
pub use anytable_core::{
    chrono, count_all, derive_support, rust_decimal, serde_json, uuid, Aggregate, AggregateFn,
    Assignment, Capabilities, Column, ColumnRole, ColumnSchema, ColumnValue, Comparable, Error,
    ErrorKind, Filter, FromRow, IndexSchema, Json, Order, Record, RecordId, Result, SelectExpr,
    Selectable, Selection, Summable, TableSchema, TextColumn, Value, ValueFor, ValueType,
    LIKE_ESCAPE, MAX_FILTER_DEPTH, MAX_FILTER_TERMS, YEARS,
};
pub use anytable_derive::{Enum, Record, Row};
pub use database::{retry_delay, retry_pause, Database, Transaction};
pub use raw::RowIter;
pub use table::{
    JoinIter, Joined, JoinedRecord, OnConflict, Projected, Query, RecordIter, Select, Table,
    TableHandle,
};
pub use trace::{TraceOptions, TracedConnection};

#[cfg(feature = "async")]
pub mod asynchronous;
#[cfg(all(feature = "async", feature = "arrow"))]
pub use asynchronous::BatchStream;
#[cfg(feature = "async")]
pub use asynchronous::{
    AsyncDatabase, AsyncJoined, AsyncProjected, AsyncSelect, AsyncTable, AsyncTableHandle,
    AsyncTransaction, RecordStream,
};

/// The SQLite backend crate, for [`Database::from_backend`] and its dialect.
#[cfg(feature = "sqlite")]
pub use anytable_sqlite as sqlite;

/// The DuckDB backend crate, for [`Database::from_backend`] and its dialect.
#[cfg(feature = "duckdb")]
pub use anytable_duckdb as duckdb;

/// The PostgreSQL backend crate, for [`Database::from_backend`] and its helpers.
#[cfg(feature = "postgres")]
pub use anytable_postgres as postgres;
