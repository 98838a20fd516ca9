//! Fresh databases for the cases, one per test.

use std::sync::Mutex;

use anytable::backend::DatabaseUrl;
use anytable::url::redact;
use anytable::Database;

/// A fresh, empty database for one case, with its URL (for cases that open it again).
pub struct TestDb {
    /// The URL it was opened from.
    pub url: String,
    /// The database.
    pub db: Database,
    _dir: Option<tempfile::TempDir>,
    cleanup: Option<Box<dyn FnOnce() + Send + Sync>>,
    restrictions: Mutex<Vec<String>>,
    notes: Mutex<Vec<String>>,
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
        Self::open(url.clone(), dir).unwrap_or_else(|e| panic!("cannot open {}: {e}", redact(&url)))
    }

    /// Opens `url` like [`new`](Self::new), returning the error instead of panicking.
    pub fn open(url: String, dir: Option<tempfile::TempDir>) -> anytable::Result<TestDb> {
        let db = Database::open(&url)?;
        Ok(Self::from_database(url, db, dir))
    }

    /// Wraps a database opened some other way (e.g. `Database::from_backend` for a backend that
    /// `Database::open` does not know); `url` is what cases that reopen it pass to `open`.
    pub fn from_database(url: String, db: Database, dir: Option<tempfile::TempDir>) -> TestDb {
        TestDb {
            url,
            db,
            _dir: dir,
            cleanup: None,
            restrictions: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
        }
    }

    /// Records that the case ran in a restricted form, and why (the backend's capabilities
    /// ruled out the full form, and the case asserted the documented behaviour instead).
    pub fn restricted(&self, why: impl Into<String>) {
        let why = why.into();
        let mut list = lock(&self.restrictions);
        if !list.contains(&why) {
            list.push(why);
        }
    }

    /// Why the case ran restricted; empty if it ran in full.
    pub fn restrictions(&self) -> Vec<String> {
        lock(&self.restrictions).clone()
    }

    /// Records a measurement worth showing (retries needed, rows per second).
    pub fn note(&self, note: impl Into<String>) {
        lock(&self.notes).push(note.into());
    }

    /// The notes recorded by the case.
    pub fn notes(&self) -> Vec<String> {
        lock(&self.notes).clone()
    }

    /// Runs `cleanup` when the test ends (after its own handles), pass or fail.
    pub fn with_cleanup(mut self, cleanup: impl FnOnce() + Send + Sync + 'static) -> TestDb {
        self.cleanup = Some(Box::new(cleanup));
        self
    }

    /// Opens the same database again, as another process would (a new pool).
    pub fn reopen(&self) -> Database {
        Database::open(&self.url)
            .unwrap_or_else(|e| panic!("cannot reopen {}: {e}", redact(&self.url)))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A case that panicked mid-way still leaves a readable list.
    m.lock().unwrap_or_else(|e| e.into_inner())
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
    let server = postgres_server_url();
    postgres_schema_on(&server)
        .unwrap_or_else(|e| panic!("cannot open a schema on {}: {e}", redact(&server)))
}

/// A new, empty schema on the Postgres server at `server`, dropped when the test ends; the
/// suite's defaults for `timeout` and `pool_size` apply unless `server` sets them.
#[cfg(feature = "postgres")]
pub fn postgres_schema_on(server: &str) -> anytable::Result<TestDb> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let schema = format!(
        "anytable_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let url = with_defaults(server, &[("timeout", "30"), ("pool_size", "24")]);
    let url = with_option(&url, "schema", &schema);
    let server = server.to_owned();
    Ok(TestDb::open(url, None)?.with_cleanup(move || {
        if let Err(e) = anytable::postgres::drop_schema(&server, &schema) {
            eprintln!("could not drop test schema {schema}: {e}");
        }
    }))
}

/// `?` if `url` has no options yet, else `&`.
fn separator(url: &str) -> char {
    if url.contains('?') {
        '&'
    } else {
        '?'
    }
}

/// `url` with each of `options` added unless it already sets it.
pub fn with_defaults(url: &str, options: &[(&str, &str)]) -> String {
    let mut url = url.to_owned();
    for (key, value) in options {
        let missing = DatabaseUrl::parse(&url).map_or(true, |u| u.option(key).is_none());
        if missing {
            url = with_option(&url, key, value);
        }
    }
    url
}

/// `url` with option `key` set to `value` (appended: the last occurrence of an option wins).
pub fn with_option(url: &str, key: &str, value: &str) -> String {
    format!("{url}{}{key}={value}", separator(url))
}

/// A fresh, empty database like the one `url` names, for one case: in-memory URLs are opened
/// as they are; file URLs get a new file of the same name in a new directory next to the
/// named one; `postgres://` URLs get a new schema on that server, dropped afterwards.
pub fn fresh(url: &str) -> Result<TestDb, String> {
    let url = with_defaults(url, &[("timeout", "30")]);
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| format!("{:?} is not a database URL (scheme:...)", redact(&url)))?;
    match scheme {
        "postgres" | "postgresql" => postgres_fresh(&url),
        _ if rest.starts_with(":memory:") => open(url.clone(), None),
        _ => {
            let rest = rest
                .strip_prefix("//")
                .ok_or_else(|| format!("{url:?}: expected {scheme}://PATH or {scheme}::memory:"))?;
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let path = std::path::Path::new(path);
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let name = path
                .file_name()
                .ok_or_else(|| format!("{url:?} names no file"))?;
            let dir = tempfile::tempdir_in(parent)
                .map_err(|e| format!("cannot make a directory in {}: {e}", parent.display()))?;
            let file = dir.path().join(name);
            let url = format!("{scheme}://{}?{query}", file.display());
            open(url, Some(dir))
        }
    }
}

fn open(url: String, dir: Option<tempfile::TempDir>) -> Result<TestDb, String> {
    TestDb::open(url.clone(), dir).map_err(|e| format!("cannot open {}: {e}", redact(&url)))
}

#[cfg(feature = "postgres")]
fn postgres_fresh(url: &str) -> Result<TestDb, String> {
    postgres_schema_on(url).map_err(|e| format!("cannot open a schema on {}: {e}", redact(url)))
}

#[cfg(not(feature = "postgres"))]
fn postgres_fresh(url: &str) -> Result<TestDb, String> {
    Err(format!(
        "{}: this build has no PostgreSQL backend (build with --features postgres)",
        redact(url)
    ))
}

/// A short name for the kind of database `url` opens, for tables: `sqlite file`,
/// `duckdb memory`, `duckdb file (per_transaction)`, `postgres`.
pub fn label(url: &str) -> String {
    let Ok(parsed) = DatabaseUrl::parse(url) else {
        return url.to_owned();
    };
    match parsed.scheme() {
        "postgres" | "postgresql" => "postgres".to_owned(),
        scheme => {
            let kind = if parsed.is_memory() { "memory" } else { "file" };
            match parsed.option("access").filter(|a| *a != "process") {
                Some(access) => format!("{scheme} {kind} ({access})"),
                None => format!("{scheme} {kind}"),
            }
        }
    }
}

/// [`label`] of the database `t` opened, with the collation of a PostgreSQL database added
/// (`postgres (en_US.UTF-8)`): text order is what differs between servers, and what the suite
/// must show it does not change.
pub fn describe(t: &TestDb) -> String {
    let base = label(&t.url);
    if t.db.backend_name() != "postgres" {
        return base;
    }
    match collation(&t.db) {
        Ok(collation) => format!("{base} ({collation})"),
        Err(e) => format!("{base} (collation unknown: {})", e.kind()),
    }
}

/// The collation of the current PostgreSQL database, e.g. `C.UTF-8` or `en_US.UTF-8`.
fn collation(db: &Database) -> anytable::Result<String> {
    use anytable::backend::Connection;
    use anytable::{Value, ValueType};
    let mut row = Vec::new();
    db.connection()?.query_row(
        "SELECT datcollate::text FROM pg_database WHERE datname = current_database()",
        &[],
        &[ValueType::Text],
        &mut row,
    )?;
    match row.pop() {
        Some(Value::Text(collation)) => Ok(collation),
        _ => Err(anytable::Error::new(
            anytable::ErrorKind::NotFound,
            "the database's collation",
        )),
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    #[test]
    fn fresh_file_databases_keep_options_and_get_the_default_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?synchronous=off",
            dir.path().join("x.db").display()
        );
        let t = fresh(&url).unwrap();
        assert!(t.url.contains("synchronous=off"), "{}", t.url);
        assert!(t.url.contains("timeout=30"), "{}", t.url);
        assert!(
            !t.url.contains(&url),
            "a new file, not the named one: {}",
            t.url
        );
        let with_timeout = fresh(&format!("{url}&timeout=7")).unwrap();
        assert!(with_timeout.url.contains("timeout=7") && !with_timeout.url.contains("timeout=30"));
    }

    #[test]
    fn labels_name_the_kind_of_database() {
        assert_eq!(label("sqlite://a/b.db"), "sqlite file");
        assert_eq!(label("duckdb::memory:"), "duckdb memory");
        assert_eq!(
            label("duckdb://x.duckdb?access=per_transaction"),
            "duckdb file (per_transaction)"
        );
        assert_eq!(label("postgresql://u@h/db"), "postgres");
    }
}
