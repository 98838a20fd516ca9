//! Fresh databases for the cases, one per test.

use anytable::Database;

/// A fresh, empty database for one case, with its URL (for cases that open it again).
pub struct TestDb {
    /// The URL it was opened from.
    pub url: String,
    /// The database.
    pub db: Database,
    _dir: Option<tempfile::TempDir>,
    cleanup: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

impl TestDb {
    /// Opens `url`, keeping `dir` (if any) alive until the test ends.
    pub fn new(url: String, dir: Option<tempfile::TempDir>) -> TestDb {
        let db = Database::open(&url).unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        TestDb {
            url,
            db,
            _dir: dir,
            cleanup: None,
        }
    }

    /// Runs `cleanup` when the test ends (after its own handles), pass or fail.
    pub fn with_cleanup(mut self, cleanup: impl FnOnce() + Send + Sync + 'static) -> TestDb {
        self.cleanup = Some(Box::new(cleanup));
        self
    }

    /// Opens the same database again, as another process would (a new pool).
    pub fn reopen(&self) -> Database {
        Database::open(&self.url).unwrap_or_else(|e| panic!("cannot reopen {}: {e}", self.url))
    }
}

/// A new SQLite database file in a temporary directory.
#[cfg(feature = "sqlite")]
pub fn sqlite_file() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?timeout=30",
        dir.path().join("test.db").display()
    );
    TestDb::new(url, Some(dir))
}

/// A new in-memory SQLite database shared by the pool.
#[cfg(feature = "sqlite")]
pub fn sqlite_memory() -> TestDb {
    TestDb::new("sqlite::memory:?timeout=30".to_owned(), None)
}

/// A new DuckDB database file in a temporary directory, held by this process.
#[cfg(feature = "duckdb")]
pub fn duckdb_file() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "duckdb://{}?timeout=30",
        dir.path().join("test.duckdb").display()
    );
    TestDb::new(url, Some(dir))
}

/// A new in-memory DuckDB database.
#[cfg(feature = "duckdb")]
pub fn duckdb_memory() -> TestDb {
    TestDb::new("duckdb::memory:?timeout=30".to_owned(), None)
}

/// A new DuckDB database file opened per transaction, so several processes can write it.
#[cfg(feature = "duckdb")]
pub fn duckdb_file_per_transaction() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "duckdb://{}?timeout=30&access=per_transaction",
        dir.path().join("test.duckdb").display()
    );
    TestDb::new(url, Some(dir))
}

/// The server the Postgres fixture uses: `ANYTABLE_POSTGRES_URL` (scripts/test starts one).
#[cfg(feature = "postgres")]
pub fn postgres_server_url() -> String {
    std::env::var("ANYTABLE_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "ANYTABLE_POSTGRES_URL is not set: run the suite through scripts/test, which starts a \
             throwaway server, or point it at one (postgres://user@host:port/db)"
        )
    })
}

/// A new, empty schema on the Postgres server, dropped with everything in it when the test ends.
#[cfg(feature = "postgres")]
pub fn postgres() -> TestDb {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = postgres_server_url();
    let schema = format!(
        "anytable_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{separator}schema={schema}&timeout=30&pool_size=24");
    TestDb::new(url, None).with_cleanup(move || {
        if let Err(e) = anytable::postgres::drop_schema(&server, &schema) {
            eprintln!("could not drop test schema {schema}: {e}");
        }
    })
}
