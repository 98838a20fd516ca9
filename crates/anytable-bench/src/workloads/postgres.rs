//! PostgreSQL: anytable against hand-written `postgres` code, each database a fresh schema on
//! the server given by URL (dropped when done).

use std::sync::atomic::{AtomicUsize, Ordering};

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{Client, NoTls, Statement};

use crate::workloads::analytics::GroupTotal;
use crate::workloads::{BenchRow, Engine, Mode, RawClient, RawDriver};

const INSERT: &str =
    "INSERT INTO bench_rows (name, number, score) VALUES ($1, $2, $3) RETURNING id";
const SELECT: &str = "SELECT id, name, number, score FROM bench_rows";
const GET: &str = "SELECT id, name, number, score FROM bench_rows WHERE id = $1";
/// W7 as anytable spells it for PostgreSQL: SUM of bigint is numeric there and AVG too, cast
/// back; text sorted by code point.
const GROUP_TOTALS: &str = r#"SELECT "bucket", COUNT(*), CAST(SUM("amount") AS BIGINT), CAST(AVG("score") AS DOUBLE PRECISION) FROM "group_rows" GROUP BY "bucket" ORDER BY "bucket" COLLATE "C" ASC"#;
const COPY: &str = "COPY bench_rows (name, number, score) FROM STDIN (FORMAT binary)";

/// Schemas on one server.
pub struct PostgresEngine {
    /// Where the raw driver connects (plain, directly).
    server: String,
    /// Where anytable connects: the same server, or the same cluster over TLS or through a
    /// pooler, to measure what that costs.
    anytable_server: String,
    label: &'static str,
    schemas: AtomicUsize,
}

impl PostgresEngine {
    /// Databases go to new schemas on the server at `server` (a `postgres://` URL).
    pub fn new(server: &str) -> PostgresEngine {
        PostgresEngine::through(server, server, "postgres")
    }

    /// The raw driver on `server`, anytable on `anytable_server` (the same cluster over TLS,
    /// or through PgBouncer), reported as `label`.
    pub fn through(server: &str, anytable_server: &str, label: &'static str) -> PostgresEngine {
        PostgresEngine {
            server: server.to_owned(),
            anytable_server: anytable_server.to_owned(),
            label,
            schemas: AtomicUsize::new(0),
        }
    }

    fn separator(&self) -> char {
        if self.anytable_server.contains('?') {
            '&'
        } else {
            '?'
        }
    }
}

impl Engine for PostgresEngine {
    type Driver = PostgresDriver;

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn label(&self) -> &'static str {
        self.label
    }

    fn new_target(&self) -> String {
        // anytable creates the schema a URL names, then `fresh` the table in it.
        let n = self.schemas.fetch_add(1, Ordering::Relaxed);
        format!("anytable_bench_{}_{n}", std::process::id())
    }

    fn url(&self, target: &str, mode: Mode) -> String {
        let pool = mode.pool_size();
        format!(
            "{}{}schema={target}&pool_size={pool}&timeout=30",
            self.anytable_server,
            self.separator()
        )
    }

    fn driver(&self, target: &str, _mode: Mode) -> PostgresDriver {
        PostgresDriver {
            server: self.server.clone(),
            schema: target.to_owned(),
        }
    }

    fn sqlx_target(&self, target: &str) -> Option<(String, String)> {
        cfg!(feature = "sqlx").then(|| (self.server.clone(), target.to_owned()))
    }

    fn remove(&self, target: &str) {
        let mut client = Client::connect(&self.server, NoTls).expect("connects");
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {target} CASCADE"))
            .expect("drops the bench schema");
    }
}

/// Opens a `postgres::Client` per thread on one schema.
pub struct PostgresDriver {
    server: String,
    schema: String,
}

impl RawDriver for PostgresDriver {
    type Client = PostgresClient;

    fn connect(&self) -> Result<PostgresClient, String> {
        let mut client = Client::connect(&self.server, NoTls).map_err(|e| e.to_string())?;
        client
            .batch_execute(&format!("SET search_path = {}", self.schema))
            .map_err(|e| e.to_string())?;
        let mut prepare = |sql| client.prepare(sql).map_err(|e| e.to_string());
        let (insert, select, get) = (prepare(INSERT)?, prepare(SELECT)?, prepare(GET)?);
        Ok(PostgresClient {
            client,
            insert,
            select,
            get,
        })
    }
}

/// One client with its statements prepared once.
pub struct PostgresClient {
    client: Client,
    insert: Statement,
    select: Statement,
    get: Statement,
}

fn struct_of(r: &postgres::Row) -> BenchRow {
    BenchRow {
        id: r.get(0),
        name: r.get(1),
        number: r.get(2),
        score: r.get(3),
    }
}

impl RawClient for PostgresClient {
    fn single_inserts(&mut self, rows: &mut dyn Iterator<Item = BenchRow>) {
        // The isolation anytable uses by default.
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .expect("begins");
        for mut r in rows {
            r.id = tx
                .query_one(&self.insert, &[&r.name, &r.number, &r.score])
                .expect("inserts")
                .get(0);
            std::hint::black_box(&r);
        }
        tx.commit().expect("commits");
    }

    fn lookups(&mut self, ids: &[i64]) {
        for id in ids {
            let found = self.client.query_one(&self.get, &[id]).expect("exists");
            std::hint::black_box(struct_of(&found));
        }
    }

    fn insert(&mut self, r: &BenchRow) -> Result<i64, String> {
        let row = self
            .client
            .query_one(&self.insert, &[&r.name, &r.number, &r.score])
            .map_err(|e| e.to_string())?;
        Ok(row.get(0))
    }

    fn bulk(&mut self, rows: &[BenchRow]) {
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

    fn scan(&mut self) -> Vec<BenchRow> {
        let rows = self.client.query(&self.select, &[]).expect("reads");
        rows.iter().map(struct_of).collect()
    }

    fn stream(&mut self) -> usize {
        let mut rows = self
            .client
            .query_raw(&self.select, std::iter::empty::<i64>())
            .expect("queries");
        let mut seen = 0;
        while let Some(r) = rows.next().expect("reads") {
            std::hint::black_box(struct_of(&r));
            seen += 1;
        }
        seen
    }

    fn get(&mut self, id: i64) -> Result<Option<BenchRow>, String> {
        let row = self
            .client
            .query_opt(&self.get, &[&id])
            .map_err(|e| e.to_string())?;
        Ok(row.as_ref().map(struct_of))
    }

    fn count(&mut self) -> Result<i64, String> {
        let row = self
            .client
            .query_one("SELECT COUNT(*) FROM bench_rows", &[])
            .map_err(|e| e.to_string())?;
        Ok(row.get(0))
    }

    fn group_totals(&mut self) -> Vec<GroupTotal> {
        let rows = self.client.query(GROUP_TOTALS, &[]).expect("groups");
        rows.iter()
            .map(|x| (x.get(0), x.get(1), x.get(2), x.get(3)))
            .collect()
    }
}
