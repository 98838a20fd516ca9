//! Opening DuckDB databases: one instance per file per process, pooled clones, or per-transaction access.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::connection::{DuckDbConnection, Handle};
use crate::file::{canonical, shared_instance, CloneManager, FileLease, Instance};
use anytable_core::{
    Backend, Capabilities, Connection, DatabaseUrl, Dialect, Error, ErrorKind, Result,
};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_POOL_SIZE: u32 = 16;
const MAX_POOL_SIZE: u32 = 1024;
const OPTIONS: &[&str] = &["timeout", "pool_size", "access"];

/// A DuckDB database: shared in-process instance with a pool, or per-transaction file access.
pub struct DuckDbBackend {
    access: Access,
    capabilities: Capabilities,
    pool_timeout: Duration,
}

enum Access {
    /// This process holds the database open; connections are pooled clones.
    Process(r2d2::Pool<CloneManager>),
    /// The file is opened when a connection is taken and closed when the last one is returned.
    PerTransaction(Arc<FileLease>),
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
        url.check_options(OPTIONS)?;
        let timeout = url.seconds_option("timeout")?.unwrap_or(DEFAULT_TIMEOUT);
        let pool_size = url
            .count_option("pool_size", MAX_POOL_SIZE)?
            .unwrap_or(DEFAULT_POOL_SIZE);
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
        let pool_timeout = timeout + Duration::from_secs(30);
        let access = if per_transaction {
            let lease = FileLease::for_path(canonical(Path::new(url.path()))?, timeout);
            // Open once now so a bad file fails here; the lease closes it again.
            drop(DuckDbConnection::new(Handle::Leased(
                lease.acquire()?,
                lease.clone(),
            )));
            Access::PerTransaction(lease)
        } else {
            let instance = if memory {
                Instance::memory()?
            } else {
                shared_instance(&canonical(Path::new(url.path()))?)?
            };
            let pool = r2d2::Pool::builder()
                .max_size(pool_size)
                .min_idle(Some(0))
                .test_on_check_out(false)
                .connection_timeout(pool_timeout)
                .build_unchecked(CloneManager { instance });
            Access::Process(pool)
        };
        Ok(DuckDbBackend {
            access,
            pool_timeout,
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
                c
            },
        })
    }
}

impl Backend for DuckDbBackend {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn dialect(&self) -> Dialect {
        Dialect::DuckDb
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn connect(&self) -> Result<Box<dyn Connection>> {
        let handle = match &self.access {
            Access::Process(pool) => Handle::Pooled(pool.get().map_err(|e| {
                Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "no DuckDB connection became free within {:?} (pool of {}): {e}",
                        self.pool_timeout,
                        pool.max_size()
                    ),
                )
                .with_backend("duckdb")
            })?),
            Access::PerTransaction(lease) => Handle::Leased(lease.acquire()?, lease.clone()),
        };
        Ok(Box::new(DuckDbConnection::new(handle)))
    }
}
