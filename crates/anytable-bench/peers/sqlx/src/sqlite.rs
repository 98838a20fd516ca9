//! sqlx on SQLite: WAL, full sync and the busy timeout anytable uses.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use peer_kit::{async_run, check_created, name, number, score};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite};

/// The columns sqlx reads into.
#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: DateTime<Utc>,
}

/// SQLite's limit of bound parameters per statement, over three per row.
const ROWS_PER_INSERT: usize = 32766 / 3;

/// A pool of `size` connections to the file.
pub async fn pool(path: &str, size: u32) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
        .expect("options")
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30));
    SqlitePoolOptions::new()
        .max_connections(size)
        .min_connections(size)
        .connect_with(options)
        .await
        .expect("connects")
}

/// One connection of the pool, held.
pub struct Client(PoolConnection<Sqlite>);

impl Client {
    /// Takes a connection from `pool`.
    pub async fn acquire(pool: &SqlitePool) -> Client {
        Client(pool.acquire().await.expect("a connection"))
    }
}

impl async_run::Client for Client {
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

    async fn single_inserts(&mut self, rows: usize) -> i64 {
        let mut tx = sqlx::Connection::begin(&mut *self.0).await.expect("begins");
        let mut ids = 0;
        for i in 0..rows {
            let (id, created): (i64, DateTime<Utc>) =
                sqlx::query_as("INSERT INTO peer_rows (name, number, score) VALUES (?, ?, ?) RETURNING id, created")
                    .bind(name(i))
                    .bind(number(i))
                    .bind(score(i))
                    .fetch_one(&mut *tx)
                    .await
                    .expect("inserts");
            check_created(created.timestamp());
            ids += id;
        }
        tx.commit().await.expect("commits");
        ids
    }

    async fn bulk_insert(&mut self, rows: &[Row]) {
        let mut tx = sqlx::Connection::begin(&mut *self.0).await.expect("begins");
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO peer_rows (name, number, score) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.name).push_bind(r.number).push_bind(r.score);
            });
            q.build().execute(&mut *tx).await.expect("inserts");
        }
        tx.commit().await.expect("commits");
    }

    async fn read_all(&mut self) -> (usize, i64) {
        let rows: Vec<Row> =
            sqlx::query_as("SELECT id, name, number, score, created FROM peer_rows")
                .fetch_all(&mut *self.0)
                .await
                .expect("reads");
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    async fn get(&mut self, id: i64) -> i64 {
        let r: Row =
            sqlx::query_as("SELECT id, name, number, score, created FROM peer_rows WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *self.0)
                .await
                .expect("found");
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    async fn insert(&mut self, i: usize) {
        sqlx::query("INSERT INTO peer_rows (name, number, score) VALUES (?, ?, ?)")
            .bind(name(i))
            .bind(number(i))
            .bind(score(i))
            .execute(&mut *self.0)
            .await
            .expect("inserts");
    }

    async fn count(&mut self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM peer_rows")
            .fetch_one(&mut *self.0)
            .await
            .expect("counts")
    }
}
