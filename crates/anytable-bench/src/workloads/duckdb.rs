//! DuckDB: anytable against hand-written duckdb-rs, each database a fresh file.
//!
//! In one process the raw side holds one instance and gives each thread a `try_clone`, as
//! DuckDB's own threads example does. Several processes cannot hold one DuckDB file at once, so
//! there the raw side opens the file for each operation and retries while another process has
//! it; anytable's counterpart is `access=per_transaction`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use duckdb::{Config, Connection, OptionalExt};

use crate::workloads::analytics::GroupTotal;
use crate::workloads::{BenchRow, Engine, FileNames, Mode, RawClient, RawDriver};

/// How long both sides wait for another process's hold on the file.
const TIMEOUT: Duration = Duration::from_secs(60);
const INSERT: &str = "INSERT INTO bench_rows (name, number, score) VALUES (?, ?, ?) RETURNING id";
const SELECT: &str = "SELECT id, name, number, score FROM bench_rows";
const GET: &str = "SELECT id, name, number, score FROM bench_rows WHERE id = ?";
/// W7 as anytable spells it for DuckDB: SUM of BIGINT is HUGEINT there, cast back.
const GROUP_TOTALS: &str = r#"SELECT "bucket", COUNT(*), CAST(SUM("amount") AS BIGINT), CAST(AVG("score") AS DOUBLE) FROM "group_rows" GROUP BY "bucket" ORDER BY "bucket" ASC"#;

/// DuckDB files in one directory.
pub struct DuckDbEngine {
    files: FileNames,
}

impl DuckDbEngine {
    /// Databases go to files in `dir`.
    pub fn new(dir: &Path) -> DuckDbEngine {
        DuckDbEngine {
            files: FileNames::new(dir),
        }
    }
}

impl Engine for DuckDbEngine {
    type Driver = DuckDbDriver;

    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn label(&self) -> &'static str {
        "duckdb file"
    }

    fn new_target(&self) -> String {
        self.files.next("duckdb")
    }

    fn url(&self, target: &str, mode: Mode) -> String {
        match mode {
            Mode::Threads(_) => format!("duckdb://{target}?pool_size={}", mode.pool_size()),
            Mode::Processes => format!(
                "duckdb://{target}?access=per_transaction&timeout={}",
                TIMEOUT.as_secs()
            ),
        }
    }

    fn driver(&self, target: &str, mode: Mode) -> DuckDbDriver {
        let path = PathBuf::from(target);
        DuckDbDriver {
            instance: match mode {
                Mode::Threads(_) => Some(Mutex::new(open(&path).expect("duckdb opens the file"))),
                Mode::Processes => None,
            },
            path,
        }
    }

    fn remove(&self, target: &str) {
        FileNames::remove(target, &[".wal", ".lock"]);
    }
}

/// Opens the file as anytable does: no extension is ever downloaded or loaded.
fn open(path: &Path) -> duckdb::Result<Connection> {
    let config = Config::default()
        .with("autoinstall_known_extensions", "false")?
        .with("autoload_known_extensions", "false")?;
    Connection::open_with_flags(path, config)
}

/// One shared instance (threads), or the file's path alone (processes).
pub struct DuckDbDriver {
    instance: Option<Mutex<Connection>>,
    path: PathBuf,
}

impl RawDriver for DuckDbDriver {
    type Client = DuckDbClient;

    fn connect(&self) -> Result<DuckDbClient, String> {
        Ok(match &self.instance {
            Some(instance) => {
                let conn = instance.lock().expect("not poisoned").try_clone();
                DuckDbClient::Held(conn.map_err(|e| e.to_string())?)
            }
            None => DuckDbClient::PerOperation(self.path.clone()),
        })
    }
}

/// A clone of the shared instance, or a file opened anew for every operation.
pub enum DuckDbClient {
    /// Held for the client's life.
    Held(Connection),
    /// Opened, used and closed by each operation.
    PerOperation(PathBuf),
}

impl DuckDbClient {
    /// Runs `f` on the connection, first opening the file (retrying while another process holds
    /// it) when there is none.
    fn with<T>(&mut self, f: impl FnOnce(&Connection) -> duckdb::Result<T>) -> Result<T, String> {
        match self {
            DuckDbClient::Held(conn) => f(conn).map_err(|e| e.to_string()),
            DuckDbClient::PerOperation(path) => {
                let started = Instant::now();
                let conn = loop {
                    match open(path) {
                        Ok(conn) => break conn,
                        Err(e) if started.elapsed() > TIMEOUT => return Err(e.to_string()),
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                };
                f(&conn).map_err(|e| e.to_string())
            }
        }
    }

    fn held(&self) -> &Connection {
        match self {
            DuckDbClient::Held(conn) => conn,
            DuckDbClient::PerOperation(_) => panic!("this workload needs a connection held"),
        }
    }
}

fn struct_of(r: &duckdb::Row<'_>) -> duckdb::Result<BenchRow> {
    Ok(BenchRow {
        id: r.get(0)?,
        name: r.get(1)?,
        number: r.get(2)?,
        score: r.get(3)?,
    })
}

impl RawClient for DuckDbClient {
    fn single_inserts(&mut self, rows: &mut dyn Iterator<Item = BenchRow>) {
        let conn = self.held();
        conn.execute_batch("BEGIN TRANSACTION").expect("begins");
        {
            let mut st = conn.prepare_cached(INSERT).expect("prepares");
            for mut r in rows {
                r.id = st
                    .query_row(duckdb::params![r.name, r.number, r.score], |row| row.get(0))
                    .expect("inserts");
                std::hint::black_box(&r);
            }
        }
        conn.execute_batch("COMMIT").expect("commits");
    }

    fn lookups(&mut self, ids: &[i64]) {
        let mut st = self.held().prepare_cached(GET).expect("prepares");
        for id in ids {
            std::hint::black_box(st.query_row([id], struct_of).expect("exists"));
        }
    }

    fn insert(&mut self, r: &BenchRow) -> Result<i64, String> {
        self.with(|conn| {
            conn.prepare_cached(INSERT)?
                .query_row(duckdb::params![r.name, r.number, r.score], |row| row.get(0))
        })
    }

    fn bulk(&mut self, rows: &[BenchRow]) {
        let conn = self.held();
        conn.execute_batch("BEGIN TRANSACTION").expect("begins");
        {
            let mut app = conn
                .appender_with_columns("bench_rows", &["name", "number", "score"])
                .expect("appender");
            for r in rows {
                app.append_row(duckdb::params![r.name, r.number, r.score])
                    .expect("appends");
            }
            app.flush().expect("flushes");
        }
        conn.execute_batch("COMMIT").expect("commits");
    }

    fn scan(&mut self) -> Vec<BenchRow> {
        let mut st = self.held().prepare_cached(SELECT).expect("prepares");
        let rows = st.query_map([], struct_of).expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    }

    fn stream(&mut self) -> usize {
        // duckdb-rs's query_map, the driver's way to read rows one at a time.
        let mut st = self.held().prepare_cached(SELECT).expect("prepares");
        let mut seen = 0;
        for r in st.query_map([], struct_of).expect("queries") {
            std::hint::black_box(r.expect("reads"));
            seen += 1;
        }
        seen
    }

    fn arrow_scan(&mut self) -> Option<usize> {
        // duckdb-rs's own Arrow path: DuckDB's result chunks exported as record batches.
        let mut st = self.held().prepare_cached(SELECT).expect("prepares");
        let batches = st.query_arrow([]).expect("queries");
        Some(batches.map(|b| std::hint::black_box(b).num_rows()).sum())
    }

    fn get(&mut self, id: i64) -> Result<Option<BenchRow>, String> {
        self.with(|conn| {
            conn.prepare_cached(GET)?
                .query_row([id], struct_of)
                .optional()
        })
    }

    fn count(&mut self) -> Result<i64, String> {
        self.with(|conn| conn.query_row("SELECT COUNT(*) FROM bench_rows", [], |r| r.get(0)))
    }

    fn group_totals(&mut self) -> Vec<GroupTotal> {
        let mut st = self.held().prepare_cached(GROUP_TOTALS).expect("prepares");
        let rows = st
            .query_map([], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)))
            .expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    }
}
