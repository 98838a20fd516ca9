//! The databases the peer programs run on: a fresh one per run, holding anytable's `peer_rows`
//! table (filled where the workload reads), counted afterwards and removed.

use std::sync::atomic::{AtomicUsize, Ordering};

use anytable::Database;

use super::kit::Backend;
use super::side;
use super::PeerRow;

/// Makes, counts and removes bench databases.
pub struct Fixtures {
    dir: tempfile::TempDir,
    next: AtomicUsize,
    /// A `postgres://` URL of a role that may create databases; `None`: PostgreSQL not measured.
    postgres: Option<String>,
}

impl Fixtures {
    /// Files go to a new temporary directory, PostgreSQL databases to the server at `postgres`.
    pub fn new(postgres: Option<String>) -> Fixtures {
        Fixtures {
            dir: tempfile::tempdir().expect("a temporary directory"),
            next: AtomicUsize::new(0),
            postgres,
        }
    }

    /// Whether `backend` can be measured here.
    pub fn has(&self, backend: Backend) -> bool {
        backend != Backend::Postgres || self.postgres.is_some()
    }

    /// A new database with the table holding rows `0..rows`.
    pub fn fresh(&self, backend: Backend, rows: usize) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let target = match backend {
            Backend::Sqlite => self.file(n, "db"),
            Backend::Duckdb => self.file(n, "duckdb"),
            Backend::Postgres => {
                let name = format!("anytable_peers_{}_{n}", std::process::id());
                self.admin(&format!("CREATE DATABASE {name}"));
                with_database(self.postgres.as_deref().expect("a server"), &name)
            }
        };
        let db = self.open(backend, &target);
        let table = db.table::<PeerRow>().expect("creates the table");
        let mut start = 0;
        while start < rows {
            let end = (start + 100_000).min(rows);
            let slice: Vec<PeerRow> = (start..end).map(PeerRow::numbered).collect();
            table.insert_many(&slice).expect("fills the table");
            start = end;
        }
        target
    }

    /// How many rows the table of `target` holds.
    pub fn count(&self, backend: Backend, target: &str) -> u64 {
        let db = self.open(backend, target);
        let table = db.table::<PeerRow>().expect("the table");
        table.count().expect("counts")
    }

    /// Deletes the database `target`.
    pub fn remove(&self, backend: Backend, target: &str) {
        match backend {
            Backend::Sqlite | Backend::Duckdb => {
                for suffix in ["", "-wal", "-shm", ".wal"] {
                    let _ = std::fs::remove_file(format!("{target}{suffix}"));
                }
            }
            Backend::Postgres => {
                let name = target.rsplit('/').next().unwrap_or_default();
                let name = name.split('?').next().unwrap_or_default();
                self.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }

    fn file(&self, n: usize, extension: &str) -> String {
        self.dir
            .path()
            .join(format!("peers-{n}.{extension}"))
            .display()
            .to_string()
    }

    fn open(&self, backend: Backend, target: &str) -> Database {
        Database::open(&side::url(backend, target, 1)).expect("anytable opens the bench database")
    }

    #[cfg(feature = "postgres")]
    fn admin(&self, sql: &str) {
        let server = self.postgres.as_deref().expect("a server");
        let mut client = postgres::Client::connect(server, postgres::NoTls).expect("connects");
        client.batch_execute(sql).expect("runs the statement");
    }

    #[cfg(not(feature = "postgres"))]
    fn admin(&self, _sql: &str) {
        panic!("PostgreSQL is not built into this bench");
    }
}

/// `url` with its database (the path) replaced by `name`, its options kept.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out = format!("{out}?{query}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced_and_its_options_kept() {
        assert_eq!(
            with_database("postgres://a@h:5/postgres?sslmode=disable", "x"),
            "postgres://a@h:5/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://a@h:5", "x"), "postgres://a@h:5/x");
    }
}
