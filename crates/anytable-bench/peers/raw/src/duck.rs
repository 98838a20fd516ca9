//! duckdb-rs: one instance, a `try_clone` of it per thread (DuckDB's own example), the
//! Appender for bulk.

use duckdb::types::{TimeUnit, Value};
use duckdb::{params, Config, Connection};
use peer_kit::{check_created, name, number, score, sync_run};

const INSERT: &str = "INSERT INTO peer_rows (name, number, score) VALUES (?, ?, ?)";
const INSERT_RETURNING: &str =
    "INSERT INTO peer_rows (name, number, score) VALUES (?, ?, ?) RETURNING id, created";
const SELECT: &str = "SELECT id, name, number, score, created FROM peer_rows";
const GET: &str = "SELECT id, name, number, score, created FROM peer_rows WHERE id = ?";

/// A row as the raw code keeps it (the timestamp in microseconds).
pub struct Row {
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: i64,
}

fn micros(v: Value) -> i64 {
    match v {
        Value::Timestamp(TimeUnit::Microsecond, us) => us,
        Value::Timestamp(unit, n) => unit.to_micros(n),
        other => panic!("created is {other:?}"),
    }
}

fn row_of(r: &duckdb::Row<'_>) -> duckdb::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        name: r.get(1)?,
        number: r.get(2)?,
        score: r.get(3)?,
        created: micros(r.get(4)?),
    })
}

/// One connection to the shared instance.
pub struct Client(Connection);

impl Client {
    /// Opens the file as anytable does: no extension downloaded or loaded.
    pub fn open(path: &str) -> Client {
        let config = Config::default()
            .with("autoinstall_known_extensions", "false")
            .and_then(|c| c.with("autoload_known_extensions", "false"))
            .expect("config");
        Client(Connection::open_with_flags(path, config).expect("opens"))
    }

    /// Another connection to the same instance.
    pub fn clone_connection(&self) -> Client {
        Client(self.0.try_clone().expect("clones"))
    }
}

impl sync_run::Client for Client {
    type Row = Row;

    fn make(i: usize) -> Row {
        Row {
            id: 0,
            name: name(i),
            number: number(i),
            score: score(i),
            created: 0,
        }
    }

    fn single_inserts(&mut self, rows: usize) -> i64 {
        self.0.execute_batch("BEGIN TRANSACTION").expect("begins");
        let mut ids = 0;
        {
            let mut st = self.0.prepare_cached(INSERT_RETURNING).expect("prepares");
            for i in 0..rows {
                let (id, created): (i64, Value) = st
                    .query_row(params![name(i), number(i), score(i)], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .expect("inserts");
                check_created(micros(created) / 1_000_000);
                ids += id;
            }
        }
        self.0.execute_batch("COMMIT").expect("commits");
        ids
    }

    fn bulk_insert(&mut self, rows: &[Row]) {
        self.0.execute_batch("BEGIN TRANSACTION").expect("begins");
        {
            let mut app = self
                .0
                .appender_with_columns("peer_rows", &["name", "number", "score"])
                .expect("appender");
            for r in rows {
                app.append_row(params![r.name, r.number, r.score])
                    .expect("appends");
            }
            app.flush().expect("flushes");
        }
        self.0.execute_batch("COMMIT").expect("commits");
    }

    fn read_all(&mut self) -> (usize, i64) {
        let mut st = self.0.prepare_cached(SELECT).expect("prepares");
        let rows: Vec<Row> = st
            .query_map([], row_of)
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("reads");
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    fn get(&mut self, id: i64) -> i64 {
        let mut st = self.0.prepare_cached(GET).expect("prepares");
        let r = st.query_row([id], row_of).expect("found");
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    fn insert(&mut self, i: usize) {
        let mut st = self.0.prepare_cached(INSERT).expect("prepares");
        st.execute(params![name(i), number(i), score(i)])
            .expect("inserts");
    }

    fn count(&mut self) -> i64 {
        self.0
            .query_row("SELECT COUNT(*) FROM peer_rows", [], |r| r.get(0))
            .expect("counts")
    }
}
