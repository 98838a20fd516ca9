//! sqlx on PostgreSQL.

use chrono::{DateTime, Utc};
use peer_kit::{async_run, check_created, name, number, score};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

/// The columns sqlx reads into.
#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub number: i64,
    pub score: f64,
    pub created: DateTime<Utc>,
}

/// A pool of `size` connections to the database.
pub async fn pool(url: &str, size: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(size)
        .min_connections(size)
        .connect(url)
        .await
        .expect("connects")
}

/// One connection of the pool, held.
pub struct Client(PoolConnection<Postgres>);

impl Client {
    /// Takes a connection from `pool`.
    pub async fn acquire(pool: &PgPool) -> Client {
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
                sqlx::query_as("INSERT INTO peer_rows (name, number, score) VALUES ($1, $2, $3) RETURNING id, created")
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
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let numbers: Vec<i64> = rows.iter().map(|r| r.number).collect();
        let scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
        sqlx::query("INSERT INTO peer_rows (name, number, score) SELECT * FROM UNNEST($1::text[], $2::int8[], $3::float8[])")
            .bind(&names)
            .bind(&numbers)
            .bind(&scores)
            .execute(&mut *tx)
            .await
            .expect("inserts");
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
            sqlx::query_as("SELECT id, name, number, score, created FROM peer_rows WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *self.0)
                .await
                .expect("found");
        std::hint::black_box((&r.name, r.score, r.created, r.id));
        r.number
    }

    async fn insert(&mut self, i: usize) {
        sqlx::query("INSERT INTO peer_rows (name, number, score) VALUES ($1, $2, $3)")
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
