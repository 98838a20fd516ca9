//! sqlx as its docs recommend: a pool, `query_as` into `FromRow` structs (statements are
//! prepared and cached per connection), `QueryBuilder::push_values` for SQLite bulk inserts and
//! `UNNEST` of arrays for PostgreSQL's (the sqlx FAQ's bulk insert).

mod pg;
mod sqlite;

use peer_kit::{async_run, unsupported, Args, Backend};

fn main() {
    let args = Args::from_env();
    let threads = (args.writers + args.readers).max(1) as u32;
    let outcome = async_run::runtime().block_on(async {
        match args.backend {
            Backend::Sqlite => {
                let pool = sqlite::pool(&args.target, threads).await;
                async_run::run(&args, || sqlite::Client::acquire(&pool)).await
            }
            Backend::Postgres => {
                let pool = pg::pool(&args.target, threads).await;
                async_run::run(&args, || pg::Client::acquire(&pool)).await
            }
            Backend::Duckdb => unsupported("sqlx has no DuckDB driver"),
        }
    });
    outcome.report();
}
