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
