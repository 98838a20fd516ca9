//! Opening DuckDB databases: one instance per file per process, pooled clones, or per-transaction access.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use anytable_core::{
    Backend, Capabilities, Connection, DatabaseUrl, Dialect, Error, ErrorKind, Result,
};
use duckdb::Config;

use crate::connection::{DuckDbConnection, Handle};
use crate::error::{is_lock_error, map_err};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_POOL_SIZE: u32 = 16;
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

/// The one open instance of a database in this process.
pub(crate) struct Instance {
    root: Mutex<duckdb::Connection>,
}

impl Instance {
    pub(crate) fn clone_connection(&self) -> duckdb::Result<duckdb::Connection> {
        self.root
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_clone()
    }
}

/// Instances of file databases open in this process, by canonical path.
fn registry() -> &'static Mutex<HashMap<PathBuf, Weak<Instance>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Weak<Instance>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn config() -> Result<Config> {
    // Never fetch extensions at run time; the bundled build has what anytable uses.
    Config::default()
        .with("autoinstall_known_extensions", "false")
        .and_then(|c| c.with("autoload_known_extensions", "false"))
        .map_err(map_err)
}

fn open_file(path: &Path) -> Result<duckdb::Connection> {
    duckdb::Connection::open_with_flags(path, config()?).map_err(|e| {
        let locked = is_lock_error(&e);
        let err = map_err(e);
        if locked {
            Error::new(
                ErrorKind::Locked,
                format!(
                    "{} is held by another process ({}); DuckDB lets one process write a file at a \
                     time: close it there, or open both with ?access=per_transaction",
                    path.display(),
                    err.message()
                ),
            )
            .with_backend("duckdb")
        } else {
            err
        }
    })
}

/// Canonical path of a file that may not exist yet: canonical directory plus file name.
fn canonical(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        Error::invalid_input(format!("duckdb URL names no file: {}", path.display()))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize().map_err(|_| {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "cannot open {}: directory {} does not exist",
                path.display(),
                dir.display()
            ),
        )
        .with_backend("duckdb")
    })?;
    let full = dir.join(name);
    if full.is_dir() {
        return Err(Error::invalid_input(format!(
            "cannot open {}: it is a directory, not a database file",
            path.display()
        )));
    }
    Ok(full)
}

/// The shared instance for `path`, opening it if no `Database` in this process has.
fn shared_instance(path: &Path) -> Result<Arc<Instance>> {
    let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(instance) = registry.get(path).and_then(Weak::upgrade) {
        return Ok(instance);
    }
    let instance = Arc::new(Instance {
        root: Mutex::new(open_file(path)?),
    });
    registry.insert(path.to_owned(), Arc::downgrade(&instance));
    Ok(instance)
}

/// r2d2 manager whose connections are clones of one instance.
pub(crate) struct CloneManager {
    instance: Arc<Instance>,
}

impl r2d2::ManageConnection for CloneManager {
    type Connection = duckdb::Connection;
    type Error = duckdb::Error;

    fn connect(&self) -> duckdb::Result<duckdb::Connection> {
        self.instance.clone_connection()
    }

    fn is_valid(&self, _: &mut duckdb::Connection) -> duckdb::Result<()> {
        Ok(())
    }

    fn has_broken(&self, _: &mut duckdb::Connection) -> bool {
        false
    }
}

/// Per-transaction access to a file: the instance exists while any connection is out.
pub(crate) struct FileLease {
    path: PathBuf,
    timeout: Duration,
    open: Mutex<Option<(Arc<Instance>, usize)>>,
}

impl FileLease {
    fn acquire(self: &Arc<Self>) -> Result<duckdb::Connection> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((instance, users)) = open.as_mut() {
            *users += 1;
            return instance.clone_connection().map_err(map_err);
        }
        let instance = Arc::new(Instance {
            root: Mutex::new(self.wait_for_file()?),
        });
        let conn = instance.clone_connection().map_err(map_err)?;
        *open = Some((instance, 1));
        Ok(conn)
    }

    /// Opens the file, retrying while another process holds it, for up to `timeout`.
    fn wait_for_file(&self) -> Result<duckdb::Connection> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match open_file(&self.path) {
                Err(e) if e.kind() == ErrorKind::Locked && started.elapsed() < self.timeout => {
                    std::thread::sleep(pause.min(self.timeout.saturating_sub(started.elapsed())));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) if e.kind() == ErrorKind::Locked => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "{} stayed locked by another process for {:?} (the timeout option)",
                            self.path.display(),
                            self.timeout
                        ),
                    )
                    .with_backend("duckdb"))
                }
                other => return other,
            }
        }
    }

    /// Called when a connection is returned; closes the file when it was the last one.
    pub(crate) fn release(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, users)) = open.as_mut() {
            *users -= 1;
            if *users == 0 {
                // Dropping the last handle closes the instance and releases the file lock.
                *open = None;
            }
        }
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
        let pool_size = url.count_option("pool_size")?.unwrap_or(DEFAULT_POOL_SIZE);
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
            let lease = Arc::new(FileLease {
                path: canonical(Path::new(url.path()))?,
                timeout,
                open: Mutex::new(None),
            });
            // Open once now so a bad file fails here; the lease closes it again.
            drop(DuckDbConnection::new(Handle::Leased(
                lease.acquire()?,
                lease.clone(),
            )));
            Access::PerTransaction(lease)
        } else {
            let instance = if memory {
                let conn =
                    duckdb::Connection::open_in_memory_with_flags(config()?).map_err(map_err)?;
                Arc::new(Instance {
                    root: Mutex::new(conn),
                })
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
            capabilities: Capabilities {
                concurrent_writers: true,
                multi_process_writers: per_transaction,
                persistent: !memory,
                stores_nan: true,
                transactional_ddl: true,
                readers_wait_for_writers: false,
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
