//! Tank as its field manual shows: `#[derive(Entity)]` structs, a deadpool pool from
//! `Driver::connect_pool`, `insert_many` (DuckDB's Appender, PostgreSQL's binary COPY, SQLite's
//! multi-row INSERT) in a transaction for bulk, `find_many` for reads, `prepare_find` bound
//! again for each lookup, and prepared raw SQL where a statement repeats ("prepare the firing
//! solution once, then reload with new values"): Tank's `insert_one` hands nothing back, so
//! W1's `INSERT ... RETURNING` is a prepared statement.

use futures::TryStreamExt;
use peer_kit::{Args, Backend, async_run, check_created, name, number, score};
use tank::{
    AsValue, Connection, ConnectionPool, Driver, Entity, Executor, PoolConfig, PooledConnection,
    Query, Row as _, Transaction, expr,
};
use time::OffsetDateTime;

/// A row as Tank inserts it: the id and the timestamp are the database's.
#[derive(Entity, Debug)]
#[tank(name = "peer_rows")]
pub struct NewRow {
    pub name: String,
    pub number: i64,
    pub score: f64,
}

/// A row as Tank reads it.
#[derive(Entity, Debug)]
#[tank(name = "peer_rows")]
pub struct PeerRow {
    #[tank(primary_key)]
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: OffsetDateTime,
}

fn new_row(i: usize) -> NewRow {
    NewRow {
        name: name(i),
        number: number(i),
        score: score(i),
    }
}

/// The engine's spelling of W1's statement and the single insert.
struct Sql {
    insert_returning: &'static str,
    insert: &'static str,
}

const QUESTION_MARKS: Sql = Sql {
    insert_returning: "INSERT INTO peer_rows (name, number, score) VALUES (?, ?, ?) RETURNING id, created",
    insert: "INSERT INTO peer_rows (name, number, score) VALUES (?, ?, ?)",
};

const DOLLARS: Sql = Sql {
    insert_returning: "INSERT INTO peer_rows (name, number, score) VALUES ($1, $2, $3) RETURNING id, created",
    insert: "INSERT INTO peer_rows (name, number, score) VALUES ($1, $2, $3)",
};

/// One pooled connection with its prepared statements.
struct Client<D: Driver> {
    conn: PooledConnection<D>,
    sql: &'static Sql,
    get: Option<Query<D>>,
    insert: Option<Query<D>>,
}

fn bind_row<D: Driver>(q: &mut Query<D>, i: usize) {
    q.clear_bindings().expect("clears");
    q.bind(name(i)).expect("binds");
    q.bind(number(i)).expect("binds");
    q.bind(score(i)).expect("binds");
}

impl<D: Driver + 'static> async_run::Client for Client<D>
where
    PooledConnection<D>: Send,
    Query<D>: Send,
{
    type Row = NewRow;

    fn make(i: usize) -> NewRow {
        new_row(i)
    }

    async fn single_inserts(&mut self, rows: usize) -> i64 {
        let mut tx = self.conn.begin().await.expect("begins");
        let mut q = tx
            .prepare(self.sql.insert_returning.to_string())
            .await
            .expect("prepares");
        let mut ids = 0;
        for i in 0..rows {
            bind_row(&mut q, i);
            let found: Vec<_> = tx.fetch(&mut q).try_collect().await.expect("inserts");
            let id =
                i64::try_from_value(found[0].value(0).expect("id").into_owned()).expect("an id");
            let created =
                OffsetDateTime::try_from_value(found[0].value(1).expect("created").into_owned())
                    .expect("a timestamp");
            check_created(created.unix_timestamp());
            ids += id;
        }
        drop(q);
        tx.commit().await.expect("commits");
        ids
    }

    async fn bulk_insert(&mut self, rows: &[NewRow]) {
        let mut tx = self.conn.begin().await.expect("begins");
        NewRow::insert_many(&mut tx, rows).await.expect("inserts");
        tx.commit().await.expect("commits");
    }

    async fn read_all(&mut self) -> (usize, i64) {
        let rows: Vec<PeerRow> = PeerRow::find_many(&mut self.conn, true, None)
            .try_collect()
            .await
            .expect("reads");
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    async fn get(&mut self, id: i64) -> i64 {
        if self.get.is_none() {
            let q = PeerRow::prepare_find(&mut self.conn, expr!(PeerRow::id == ?), Some(1)).await;
            self.get = Some(q.expect("prepares"));
        }
        let q = self.get.as_mut().expect("prepared");
        q.clear_bindings().expect("clears");
        q.bind(id).expect("binds");
        let rows: Vec<PeerRow> = self
            .conn
            .fetch(&mut *q)
            .map_ok(|row| PeerRow::from_row(row).expect("a row"))
            .try_collect()
            .await
            .expect("reads");
        let r = &rows[0];
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    async fn insert(&mut self, i: usize) {
        if self.insert.is_none() {
            self.insert = Some(
                self.conn
                    .prepare(self.sql.insert.to_string())
                    .await
                    .expect("prepares"),
            );
        }
        let q = self.insert.as_mut().expect("prepared");
        bind_row(q, i);
        self.conn.execute(&mut *q).await.expect("inserts");
    }

    async fn count(&mut self) -> i64 {
        let rows: Vec<_> = self
            .conn
            .fetch("SELECT COUNT(*) FROM peer_rows".to_string())
            .try_collect()
            .await
            .expect("counts");
        i64::try_from_value(rows[0].value(0).expect("a count").into_owned()).expect("a number")
    }
}

/// Runs the workload on `driver`'s pool at `url`, each connection set up by `init` first.
async fn run<D: Driver + 'static>(
    args: &Args,
    driver: D,
    url: String,
    sql: &'static Sql,
    init: &'static [&'static str],
) -> peer_kit::Outcome
where
    PooledConnection<D>: Send,
    Query<D>: Send,
{
    let mut config = PoolConfig::new();
    config.max_size = (args.writers + args.readers).max(1);
    let pool = driver
        .connect_pool(url.into(), config)
        .await
        .expect("connects");
    async_run::run(args, || async {
        let mut conn = pool.get().await.expect("a connection");
        for statement in init {
            conn.execute(statement.to_string())
                .await
                .expect("sets the connection up");
        }
        Client {
            conn,
            sql,
            get: None,
            insert: None,
        }
    })
    .await
}

fn main() {
    let args = Args::from_env();
    let outcome = async_run::runtime().block_on(async {
        match args.backend {
            Backend::Sqlite => {
                // The pragmas anytable uses (WAL is already the file's mode).
                let url = format!("sqlite://{}?mode=rw", args.target);
                let init = &["PRAGMA busy_timeout = 30000", "PRAGMA synchronous = FULL"];
                run(&args, tank_sqlite::SQLiteDriver::new(), url, &QUESTION_MARKS, init).await
            }
            Backend::Duckdb => {
                let url = format!("duckdb://{}?mode=rw&autoinstall_known_extensions=false&autoload_known_extensions=false", args.target);
                run(&args, tank_duckdb::DuckDBDriver::new(), url, &QUESTION_MARKS, &[]).await
            }
            Backend::Postgres => run(&args, tank_postgres::PostgresDriver::new(), args.target.clone(), &DOLLARS, &[]).await,
        }
    });
    outcome.report();
}
