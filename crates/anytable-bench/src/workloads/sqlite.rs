//! SQLite: anytable against hand-written rusqlite, each database a fresh WAL file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use crate::workloads::analytics::GroupTotal;
use crate::workloads::{BenchRow, Engine, FileNames, Mode, RawClient, RawDriver};

/// How long both sides wait for another writer's lock.
const TIMEOUT_SECONDS: u64 = 30;
const INSERT: &str = r#"INSERT INTO "bench_rows" ("name", "number", "score") VALUES (?1, ?2, ?3)"#;
const SELECT: &str = r#"SELECT "id", "name", "number", "score" FROM "bench_rows""#;
/// W7 as anytable spells it for SQLite (its casts are no-ops here).
const GROUP_TOTALS: &str = r#"SELECT "bucket", COUNT(*), CAST(SUM("amount") AS BIGINT), CAST(AVG("score") AS REAL) FROM "group_rows" GROUP BY "bucket" ORDER BY "bucket" ASC"#;
const GET: &str = r#"SELECT "id", "name", "number", "score" FROM "bench_rows" WHERE "id" = ?1"#;

/// SQLite files in one directory.
pub struct SqliteEngine {
    files: FileNames,
}

impl SqliteEngine {
    /// Databases go to files in `dir`.
    pub fn new(dir: &Path) -> SqliteEngine {
        SqliteEngine {
            files: FileNames::new(dir),
        }
    }
}

impl Engine for SqliteEngine {
    type Driver = SqliteDriver;

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn label(&self) -> &'static str {
        "sqlite file"
    }

    fn new_target(&self) -> String {
        self.files.next("db")
    }

    fn url(&self, target: &str, mode: Mode) -> String {
        let pool = mode.pool_size();
        format!("sqlite://{target}?timeout={TIMEOUT_SECONDS}&pool_size={pool}")
    }

    fn driver(&self, target: &str, _mode: Mode) -> SqliteDriver {
        SqliteDriver {
            path: PathBuf::from(target),
        }
    }

    fn remove(&self, target: &str) {
        FileNames::remove(target, &["-wal", "-shm"]);
    }
}

/// Opens a rusqlite connection per thread, set up as anytable sets up its own (WAL, full sync,
/// foreign keys, the same busy timeout).
pub struct SqliteDriver {
    path: PathBuf,
}

impl RawDriver for SqliteDriver {
    type Client = SqliteClient;

    fn connect(&self) -> Result<SqliteClient, String> {
        let conn = Connection::open(&self.path).map_err(|e| e.to_string())?;
        conn.busy_timeout(Duration::from_secs(TIMEOUT_SECONDS))
            .map_err(|e| e.to_string())?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(|e| e.to_string())?;
        Ok(SqliteClient { conn })
    }
}

/// One rusqlite connection; statements are prepared once and cached by rusqlite.
pub struct SqliteClient {
    conn: Connection,
}

/// A row into a struct, by hand.
fn struct_of(x: &rusqlite::Row<'_>) -> rusqlite::Result<BenchRow> {
    Ok(BenchRow {
        id: x.get(0)?,
        name: x.get(1)?,
        number: x.get(2)?,
        score: x.get(3)?,
    })
}

impl RawClient for SqliteClient {
    fn single_inserts(&mut self, rows: &mut dyn Iterator<Item = BenchRow>) {
        // IMMEDIATE takes the write lock up front, as anytable's transactions do.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .expect("begins");
        {
            let mut st = tx.prepare_cached(INSERT).expect("prepares");
            for mut r in rows {
                r.id = st.insert((&r.name, r.number, r.score)).expect("inserts");
                std::hint::black_box(&r);
            }
        }
        tx.commit().expect("commits");
    }

    fn lookups(&mut self, ids: &[i64]) {
        let mut st = self.conn.prepare_cached(GET).expect("prepares");
        for id in ids {
            std::hint::black_box(st.query_row([id], struct_of).expect("exists"));
        }
    }

    fn insert(&mut self, r: &BenchRow) -> Result<i64, String> {
        let mut st = self
            .conn
            .prepare_cached(INSERT)
            .map_err(|e| e.to_string())?;
        st.insert((&r.name, r.number, r.score))
            .map_err(|e| e.to_string())
    }

    fn bulk(&mut self, rows: &[BenchRow]) {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .expect("begins");
        {
            let mut st = tx.prepare_cached(INSERT).expect("prepares");
            for r in rows {
                st.execute((&r.name, r.number, r.score)).expect("inserts");
            }
        }
        tx.commit().expect("commits");
    }

    fn scan(&mut self) -> Vec<BenchRow> {
        let mut st = self.conn.prepare_cached(SELECT).expect("prepares");
        let rows = st.query_map([], struct_of).expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    }

    fn stream(&mut self) -> usize {
        let mut st = self.conn.prepare_cached(SELECT).expect("prepares");
        let mut seen = 0;
        for r in st.query_map([], struct_of).expect("queries") {
            std::hint::black_box(r.expect("reads"));
            seen += 1;
        }
        seen
    }

    fn get(&mut self, id: i64) -> Result<Option<BenchRow>, String> {
        let mut st = self.conn.prepare_cached(GET).map_err(|e| e.to_string())?;
        st.query_row([id], struct_of)
            .optional()
            .map_err(|e| e.to_string())
    }

    fn count(&mut self) -> Result<i64, String> {
        self.conn
            .query_row(r#"SELECT COUNT(*) FROM "bench_rows""#, [], |r| r.get(0))
            .map_err(|e| e.to_string())
    }

    fn group_totals(&mut self) -> Vec<GroupTotal> {
        let mut st = self.conn.prepare_cached(GROUP_TOTALS).expect("prepares");
        let rows = st
            .query_map([], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)))
            .expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    }
}
