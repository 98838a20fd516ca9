//! postgres: one client per thread, statements prepared once, binary COPY for bulk.

use chrono::{DateTime, Utc};
use peer_kit::{check_created, name, number, score, sync_run};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{NoTls, Statement};

const INSERT: &str = "INSERT INTO peer_rows (name, number, score) VALUES ($1, $2, $3)";
const INSERT_RETURNING: &str =
    "INSERT INTO peer_rows (name, number, score) VALUES ($1, $2, $3) RETURNING id, created";
const SELECT: &str = "SELECT id, name, number, score, created FROM peer_rows";
const GET: &str = "SELECT id, name, number, score, created FROM peer_rows WHERE id = $1";
const COPY: &str = "COPY peer_rows (name, number, score) FROM STDIN (FORMAT binary)";

/// A row as the raw code keeps it.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: DateTime<Utc>,
}

fn row_of(r: &postgres::Row) -> Row {
    Row {
        id: r.get(0),
        name: r.get(1),
        number: r.get(2),
        score: r.get(3),
        created: r.get(4),
    }
}

/// One client with its statements prepared.
pub struct Client {
    client: postgres::Client,
    insert: Statement,
    insert_returning: Statement,
    get: Statement,
}

impl Client {
    /// Connects and prepares.
    pub fn open(url: &str) -> Client {
        let mut client = postgres::Client::connect(url, NoTls).expect("connects");
        let insert = client.prepare(INSERT).expect("prepares");
        let insert_returning = client.prepare(INSERT_RETURNING).expect("prepares");
        let get = client.prepare(GET).expect("prepares");
        Client {
            client,
            insert,
            insert_returning,
            get,
        }
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
            created: DateTime::UNIX_EPOCH,
        }
    }

    fn single_inserts(&mut self, rows: usize) -> i64 {
        let mut tx = self.client.transaction().expect("begins");
        let mut ids = 0;
        for i in 0..rows {
            let r = tx
                .query_one(&self.insert_returning, &[&name(i), &number(i), &score(i)])
                .expect("inserts");
            let created: DateTime<Utc> = r.get(1);
            check_created(created.timestamp());
            ids += r.get::<_, i64>(0);
        }
        tx.commit().expect("commits");
        ids
    }

    fn bulk_insert(&mut self, rows: &[Row]) {
        let mut tx = self.client.transaction().expect("begins");
        let sink = tx.copy_in(COPY).expect("copies");
        let mut writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::INT8, Type::FLOAT8]);
        for r in rows {
            writer
                .write(&[&r.name, &r.number, &r.score])
                .expect("writes");
        }
        writer.finish().expect("finishes");
        tx.commit().expect("commits");
    }

    fn read_all(&mut self) -> (usize, i64) {
        let rows: Vec<Row> = self
            .client
            .query(SELECT, &[])
            .expect("reads")
            .iter()
            .map(row_of)
            .collect();
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    fn get(&mut self, id: i64) -> i64 {
        let r = row_of(&self.client.query_one(&self.get, &[&id]).expect("found"));
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    fn insert(&mut self, i: usize) {
        self.client
            .execute(&self.insert, &[&name(i), &number(i), &score(i)])
            .expect("inserts");
    }

    fn count(&mut self) -> i64 {
        self.client
            .query_one("SELECT COUNT(*) FROM peer_rows", &[])
            .expect("counts")
            .get(0)
    }
}
