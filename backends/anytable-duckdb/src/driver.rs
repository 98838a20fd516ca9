//! Opening DuckDB databases: one instance per file per process, pooled clones, or per-transaction access.

use std::path::Path;
use std::sync::Arc;

use crate::connection::{DuckDbConnection, Handle};
use crate::dialect::DuckDbDialect;
use crate::error::map_err;
use crate::file::{canonical, shared_instance, FileLease, Instance, LeasedConnection};
use anytable_core::pool::{Pool, PoolSettings};
use anytable_core::{
    Backend, Capabilities, Connection, DatabaseUrl, Dialect, Error, ErrorKind, Result,
};

/// The options of a `duckdb:` URL besides the pool's ([`PoolSettings`]).
const OPTIONS: &[&str] = &["access"];

/// A DuckDB database: shared in-process instance with a pool, or per-transaction file access.
pub struct DuckDbBackend {
    access: Access,
    capabilities: Capabilities,
}

enum Access {
    /// This process holds the database open; connections are pooled clones.
    Process(Arc<Pool<duckdb::Connection>>),
    /// The file is opened when a connection is taken and closed when the last one is returned;
    /// the pool only bounds how many are out at once.
    PerTransaction(Arc<Pool<LeasedConnection>>),
}

impl std::fmt::Debug for DuckDbBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let access = match &self.access {
            Access::Process(_) => "process",
            Access::PerTransaction(_) => "per_transaction",
        };
        f.debug_struct("DuckDbBackend")
            .field("access", &access)
            .finish()
    }
}

impl DuckDbBackend {
    /// Opens the database a `duckdb:` URL names, creating the file if needed.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for unknown or malformed options, [`ErrorKind::NotFound`]
    /// when the directory does not exist, [`ErrorKind::Locked`] when another process holds the
    /// file (default access mode).
    pub fn open(url: &DatabaseUrl) -> Result<DuckDbBackend> {
        let settings = PoolSettings::from_url(url, OPTIONS)?;
        let per_transaction = match url.option("access") {
            None | Some("process") => false,
            Some("per_transaction") => true,
            Some(other) => {
                return Err(Error::invalid_input(format!(
                    "option access={other:?} must be process or per_transaction"
                )))
            }
        };
        let memory = url.is_memory();
        if memory && per_transaction {
            return Err(Error::invalid_input(
                "access=per_transaction needs a file: an in-memory database lives in one process",
            ));
        }
        if !memory && url.path().is_empty() {
            return Err(Error::invalid_input(
                "duckdb URL names no file; use duckdb://path/to/file.duckdb or duckdb::memory:",
            ));
        }
        let access = if per_transaction {
            let lease = FileLease::for_path(canonical(Path::new(url.path()))?, settings.timeout);
            let pool = Pool::without_idle("duckdb", &settings, move || {
                LeasedConnection::acquire(&lease)
            });
            // Open once now so a bad file fails here; the lease closes it again.
            drop(pool.get()?);
            Access::PerTransaction(pool)
        } else {
            let instance = if memory {
                Instance::memory()?
            } else {
                shared_instance(&canonical(Path::new(url.path()))?)?
            };
            Access::Process(Pool::new("duckdb", &settings, move || {
                instance.clone_connection().map_err(map_err)
            }))
        };
        Ok(DuckDbBackend {
            access,
            capabilities: {
                let mut c = Capabilities::none();
                c.concurrent_writers = true;
                c.multi_process_writers = per_transaction;
                c.persistent = !memory;
                c.stores_nan = true;
                c.transactional_ddl = true;
                c.readers_wait_for_writers = false;
                // Optimistic concurrency control: the second writer of a row fails at once.
                c.write_contention = ErrorKind::Conflict;
                c.max_index_entry_bytes = None;
                c.case_insensitive_like = true;
                c.foreign_keys = true;
                // DuckDB updates an indexed column as a delete and an insert, which the foreign
                // keys of the rows referencing it refuse.
                c.updates_referenced_rows = false;
                c.interrupts = true;
                c
            },
        })
    }
}

impl Backend for DuckDbBackend {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn dialect(&self) -> &dyn Dialect {
        &DuckDbDialect
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn connect(&self) -> Result<Box<dyn Connection>> {
        let handle = match &self.access {
            Access::Process(pool) => Handle::Pooled(pool.get()?),
            Access::PerTransaction(pool) => Handle::Leased(pool.get()?),
        };
        Ok(Box::new(DuckDbConnection::new(handle)))
    }

    fn pool_limits(&self) -> Option<anytable_core::pool::PoolLimits> {
        Some(match &self.access {
            Access::Process(pool) => pool.limits(),
            Access::PerTransaction(pool) => pool.limits(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anytable_core::{Value, ValueType};

    /// DuckDB's worker threads are the instance's: `SET threads = 1` through one pooled
    /// connection holds for all of them (the OLTP setting docs/performance.md measures).
    #[test]
    fn threads_set_through_one_connection_hold_for_the_whole_instance() {
        let url = DatabaseUrl::parse("duckdb::memory:").unwrap();
        let backend = DuckDbBackend::open(&url).unwrap();
        let mut first = backend.connect().unwrap();
        // Checked out while the first is, so a different connection of the pool.
        let mut second = backend.connect().unwrap();
        first.execute("SET threads = 1", &[]).unwrap();
        let mut row = Vec::new();
        let sql = "SELECT CAST(current_setting('threads') AS BIGINT)";
        assert!(second
            .query_row(sql, &[], &[ValueType::I64], &mut row)
            .unwrap());
        assert_eq!(row, vec![Value::I64(1)]);
    }
}
