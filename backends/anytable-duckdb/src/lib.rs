//! The DuckDB backend of anytable, on duckdb-rs with bundled DuckDB 2.0.
//!
//! - URLs: `duckdb://path/to/file.duckdb`, `duckdb:///absolute/path.duckdb`, `duckdb::memory:`.
//! - Options: `timeout` (seconds, default 5: how long the `per_transaction` mode waits for the
//!   file lock), `pool_size` and `pool_timeout` (the shared pool's), `access` (`process`, the
//!   default, or `per_transaction`).
//! - SQL: [`DuckDbDialect`].
//! - One DuckDB instance per file per process: every `Database` opened on the same file in one
//!   process shares it, and pooled connections are `try_clone`s of it (two instances on one
//!   file lose writes).
//! - By default this process holds the file; another process gets [`ErrorKind::Locked`]
//!   at once. With `access=per_transaction` the file is opened for each operation or
//!   transaction (waiting up to `timeout` for other processes) and closed afterwards, so
//!   several processes can write one file, at the cost of reopening it every time (20-30 ms).
//!   Processes take turns through an advisory lock on `<file>.lock`, held until DuckDB has
//!   closed the file.
//! - Extension autoinstall and autoload are off: nothing is ever downloaded at run time.
//! - DuckDB's `row_group_pruner` optimizer is off: in DuckDB 2.0 it answered `ORDER BY ...
//!   LIMIT 1` with no row when the first row group held only deleted rows.
//! - DuckDB runs each query on as many worker threads as there are cores. For single-row work
//!   (point lookups, one-row inserts) one thread is 10-18% faster, since no worker has to be
//!   woken, but aggregates and scans over many rows take 1.4-1.7 times as long (measured on 2
//!   cores, docs/performance.md), so it is not the default: an application doing mostly
//!   single-row work can run `db.execute("SET threads = 1", &[])` once, which holds for the
//!   whole instance (every `Database` on the file in this process; with `access=per_transaction`
//!   only until the file is next closed).
//!
//! [`ErrorKind::Locked`]: anytable_core::ErrorKind::Locked
#![warn(missing_docs)]

mod connection;
mod dialect;
mod driver;
mod error;
mod file;
mod introspect;
mod types;

pub use dialect::DuckDbDialect;
pub use driver::DuckDbBackend;
