//! The SQLite backend of anytable, on rusqlite with bundled SQLite.
//!
//! - URLs: `sqlite://path/to/file.db`, `sqlite:///absolute/path.db`, `sqlite::memory:`.
//! - Options: the pool's (`timeout`, seconds to wait for a lock, default 5; `pool_size`;
//!   `pool_timeout`), and `synchronous` (`off`, `normal`, `full` (default), `extra`).
//! - SQL: [`SqliteDialect`], which also fixes the text forms of timestamps and dates.
//! - File databases run in WAL mode with foreign keys on; transactions take the write lock at
//!   `BEGIN IMMEDIATE`, so concurrent writers wait up to `timeout` instead of failing half-way.
//! - Writers of one backend queue for the write lock (up to `timeout`): a running writer may
//!   take a free lock ahead of the queue only while its first waiter has waited less than
//!   20 ms, so nobody waits much past that bound plus the queue's own length; then they contend
//!   with other processes through SQLite's busy handler (up to `timeout` more). Without the
//!   queue a writer could starve under many threads.
//! - `sqlite::memory:` is one in-memory database shared by every connection of the pool
//!   (SQLite's `memdb` VFS), alive as long as the backend is. A file path is always a path
//!   (made absolute, never opened as a URI).
//! - Every connection loads the `rarray` table-valued function (long `is_in` lists arrive as one
//!   parameter) and registers `anytable_lower`, the Unicode lowercasing `ilike` uses.
//! - A connection returned inside a transaction is rolled back, or closed if that fails.
#![warn(missing_docs)]

mod checks;
mod connection;
mod decimal;
mod dialect;
mod driver;
mod error;
mod functions;
mod gate;
mod introspect;
mod statements;
mod types;

pub use dialect::SqliteDialect;
pub use driver::SqliteBackend;
