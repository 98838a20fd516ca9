//! Opening a SQLite database and pooling its connections.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anytable_core::pool::{Pool, PoolSettings};
use anytable_core::{
    Backend, Capabilities, Connection, DatabaseUrl, Dialect, Error, ErrorKind, Result,
};
use rusqlite::OpenFlags;

use crate::connection::SqliteConnection;
use crate::dialect::SqliteDialect;
use crate::error::map_err;
use crate::gate::WriteGate;
use crate::statements::CachedConnection;

/// The options of a `sqlite:` URL besides the pool's ([`PoolSettings`]).
const OPTIONS: &[&str] = &["synchronous"];

/// A SQLite database with a pool of connections.
pub struct SqliteBackend {
    pool: Arc<Pool<CachedConnection>>,
    target: Target,
    capabilities: Capabilities,
    busy_timeout: Duration,
    gate: Arc<WriteGate>,
    // Keeps an in-memory database alive while the pool opens and closes connections.
    _anchor: Option<Mutex<rusqlite::Connection>>,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("target", &self.target)
            .finish()
    }
}

#[derive(Debug, Clone)]
enum Target {
    File(PathBuf),
    Memory(String),
}

#[derive(Debug)]
/// How the pool opens a connection: the target, with the busy timeout and pragmas every one gets.
struct Manager {
    target: Target,
    busy_timeout: Duration,
    synchronous: &'static str,
}

impl Manager {
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = match &self.target {
            // A file is a path, never a URI: `file:x.db?nolock=1` in a URL must not switch
            // locking off (the path is absolute, so it cannot start with `file:` either).
            Target::File(path) => rusqlite::Connection::open_with_flags(path, flags)?,
            Target::Memory(uri) => {
                rusqlite::Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?
            }
        };
        crate::gate::wait_while_busy(&mut conn, self.busy_timeout)?;
        // Long IN lists arrive as one `rarray(?)` parameter.
        rusqlite::vtab::array::load_module(&conn)?;
        crate::functions::register(&conn)?;
        // Bundled SQLite enables foreign keys by default, a system one does not: be explicit.
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = {};",
            self.synchronous
        ))?;
        Ok(conn)
    }
}

static MEMORY_DATABASES: AtomicU64 = AtomicU64::new(0);

impl SqliteBackend {
    /// Opens the database a `sqlite:` URL names, creating the file if needed.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for unknown or malformed options, [`ErrorKind::NotFound`]
    /// when the file's directory does not exist, [`ErrorKind::Connection`] when the file cannot
    /// be opened as a database.
    pub fn open(url: &DatabaseUrl) -> Result<SqliteBackend> {
        let settings = PoolSettings::from_url(url, OPTIONS)?;
        let busy_timeout = settings.timeout;
        let synchronous = match url
            .option("synchronous")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("full") => "FULL",
            Some("normal") => "NORMAL",
            Some("off") => "OFF",
            Some("extra") => "EXTRA",
            Some(other) => {
                return Err(Error::invalid_input(format!(
                    "option synchronous={other:?} must be off, normal, full or extra"
                )))
            }
        };
        let target = if url.is_memory() {
            let n = MEMORY_DATABASES.fetch_add(1, Ordering::Relaxed);
            // The memdb VFS shares a database between connections when the name starts with
            // '/', and unlike shared-cache mode it honours busy_timeout.
            Target::Memory(format!(
                "file:/anytable-memory-{}-{n}?vfs=memdb",
                std::process::id()
            ))
        } else {
            let path = PathBuf::from(url.path());
            check_directory(&path)?;
            // Absolute, so every pooled connection opens the same file whatever the working
            // directory is by then.
            let path = std::path::absolute(&path).map_err(|e| {
                Error::invalid_input(format!("cannot resolve {}: {e}", path.display()))
            })?;
            Target::File(path)
        };
        let manager = Manager {
            target: target.clone(),
            busy_timeout,
            synchronous,
        };
        // Open one connection directly so a bad path fails now, not after a pool timeout.
        let first = manager.open().map_err(|e| open_error(&target, e))?;
        if let Target::File(path) = &target {
            let mode: String = first
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(|e| open_error(&target, e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "{} refused WAL mode (journal_mode is {mode})",
                        path.display()
                    ),
                )
                .with_backend("sqlite"));
            }
        }
        let opened = target.clone();
        let pool = Pool::new("sqlite", &settings, move || {
            manager
                .open()
                .map(CachedConnection::wrap)
                .map_err(|e| open_error(&opened, e))
        });
        let memory = matches!(target, Target::Memory(_));
        Ok(SqliteBackend {
            pool,
            target,
            busy_timeout,
            gate: Arc::default(),
            capabilities: {
                let mut c = Capabilities::none();
                c.concurrent_writers = true;
                c.multi_process_writers = !memory;
                c.persistent = !memory;
                c.stores_nan = false;
                c.transactional_ddl = true;
                // The memdb VFS has no WAL: an open write transaction blocks new readers.
                c.readers_wait_for_writers = memory;
                // One writer at a time: the next waits busy_timeout, then SQLITE_BUSY.
                c.write_contention = ErrorKind::Busy;
                c.max_index_entry_bytes = None;
                c.case_insensitive_like = true;
                c.foreign_keys = true;
                c.updates_referenced_rows = true;
                c.interrupts = true;
                c
            },
            _anchor: memory.then(|| Mutex::new(first)),
        })
    }
}

fn check_directory(path: &Path) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::invalid_input(
            "sqlite URL names no file; use sqlite://path/to/file.db or sqlite::memory:",
        ));
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "cannot open {}: directory {} does not exist",
                path.display(),
                dir.display()
            ),
        )
        .with_backend("sqlite")),
        _ if path.is_dir() => Err(Error::invalid_input(format!(
            "cannot open {}: it is a directory, not a database file",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn open_error(target: &Target, e: rusqlite::Error) -> Error {
    let mapped = map_err(e);
    let what = match target {
        Target::File(path) => path.display().to_string(),
        Target::Memory(_) => "the in-memory database".to_owned(),
    };
    let kind = match mapped.kind() {
        ErrorKind::Other => ErrorKind::Connection,
        kind => kind,
    };
    Error::new(kind, format!("cannot open {what}: {}", mapped.message())).with_backend("sqlite")
}

impl Backend for SqliteBackend {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn dialect(&self) -> &dyn Dialect {
        &SqliteDialect
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn pool_limits(&self) -> Option<anytable_core::pool::PoolLimits> {
        Some(self.pool.limits())
    }

    fn connect(&self) -> Result<Box<dyn Connection>> {
        let conn = self.pool.get()?;
        Ok(Box::new(SqliteConnection::new(
            conn,
            Arc::clone(&self.gate),
            self.busy_timeout,
        )))
    }
}
