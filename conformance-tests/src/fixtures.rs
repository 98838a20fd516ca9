//! Fresh databases for the cases, one per test.

use anytable::Database;

/// A fresh, empty database for one case, with its URL (for cases that open it again).
pub struct TestDb {
    /// The URL it was opened from.
    pub url: String,
    /// The database.
    pub db: Database,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Opens `url`, keeping `dir` (if any) alive until the test ends.
    pub fn new(url: String, dir: Option<tempfile::TempDir>) -> TestDb {
        let db = Database::open(&url).unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        TestDb { url, db, _dir: dir }
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
