//! rusqlite: one connection per thread, WAL and full sync as anytable sets them.

use std::time::Duration;

use peer_kit::{check_created, name, number, score, sync_run};
use rusqlite::Connection;

/// Rows per multi-row INSERT of the bulk path.
const BATCH: usize = 64;
const INSERT: &str = "INSERT INTO peer_rows (name, number, score) VALUES (?1, ?2, ?3)";
const INSERT_RETURNING: &str =
    "INSERT INTO peer_rows (name, number, score) VALUES (?1, ?2, ?3) RETURNING id, unixepoch(created)";
const SELECT: &str = "SELECT id, name, number, score, created FROM peer_rows";
const GET: &str = "SELECT id, name, number, score, created FROM peer_rows WHERE id = ?1";

/// A row as the raw code keeps it (the timestamp as SQLite stores it, text).
pub struct Row {
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: String,
}

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        name: r.get(1)?,
        number: r.get(2)?,
        score: r.get(3)?,
        created: r.get(4)?,
    })
}

/// One connection.
pub struct Client(Connection);

impl Client {
    /// Opens the file with the pragmas anytable uses.
    pub fn open(path: &str) -> Client {
        let conn = Connection::open(path).expect("opens");
        conn.busy_timeout(Duration::from_secs(30)).expect("timeout");
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .expect("pragmas");
        Client(conn)
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
            created: String::new(),
        }
    }

    fn single_inserts(&mut self, rows: usize) -> i64 {
        let tx = self.0.transaction().expect("begins");
        let mut ids = 0;
        {
            let mut st = tx.prepare_cached(INSERT_RETURNING).expect("prepares");
            for i in 0..rows {
                let (id, created): (i64, i64) = st
                    .query_row(rusqlite::params![name(i), number(i), score(i)], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .expect("inserts");
                check_created(created);
                ids += id;
            }
        }
        tx.commit().expect("commits");
        ids
    }

    fn bulk_insert(&mut self, rows: &[Row]) {
        // SQLite's fastest plain path: 64-row INSERTs through one prepared statement, the
        // rest one at a time.
        let batch = format!(
            "INSERT INTO peer_rows (name, number, score) VALUES {}",
            vec!["(?, ?, ?)"; BATCH].join(", ")
        );
        let tx = self.0.transaction().expect("begins");
        {
            let mut st = tx.prepare_cached(&batch).expect("prepares");
            let mut chunks = rows.chunks_exact(BATCH);
            for chunk in &mut chunks {
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(BATCH * 3);
                for r in chunk {
                    values.extend([&r.name as &dyn rusqlite::ToSql, &r.number, &r.score]);
                }
                st.execute(values.as_slice()).expect("inserts");
            }
            let mut one = tx.prepare_cached(INSERT).expect("prepares");
            for r in chunks.remainder() {
                one.execute(rusqlite::params![r.name, r.number, r.score])
                    .expect("inserts");
            }
        }
        tx.commit().expect("commits");
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
        std::hint::black_box((&r.name, r.score, &r.created, r.id));
        r.number
    }

    fn insert(&mut self, i: usize) {
        let mut st = self.0.prepare_cached(INSERT).expect("prepares");
        st.execute(rusqlite::params![name(i), number(i), score(i)])
            .expect("inserts");
    }

    fn count(&mut self) -> i64 {
        self.0
            .query_row("SELECT COUNT(*) FROM peer_rows", [], |r| r.get(0))
            .expect("counts")
    }
}
