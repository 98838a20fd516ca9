//! Diesel as its guide shows: a `table!` schema, `Insertable`/`Queryable`/`Selectable` structs,
//! the query DSL (whose statements Diesel prepares once and caches per connection), one
//! connection per thread, batch `insert_into(..).values(&rows)` for bulk (in slices under the
//! engine's limit of bound parameters, in one transaction).

mod pg;
mod sqlite;

use peer_kit::{sync_run, unsupported, Args, Backend};

fn main() {
    let args = Args::from_env();
    let outcome = match args.backend {
        Backend::Sqlite => sync_run::run(&args, || sqlite::Client::open(&args.target)),
        Backend::Postgres => sync_run::run(&args, || pg::Client::open(&args.target)),
        Backend::Duckdb => unsupported("Diesel has no DuckDB backend"),
    };
    outcome.report();
}
