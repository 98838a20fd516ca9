//! The raw drivers as the ceiling: the fastest plain code a careful user of rusqlite, duckdb
//! and postgres writes (prepared statements held across the loop, each driver's bulk path).

mod duck;
mod pg;
mod sqlite;

use peer_kit::{sync_run, Args, Backend};

fn main() {
    let args = Args::from_env();
    let outcome = match args.backend {
        Backend::Sqlite => sync_run::run(&args, || sqlite::Client::open(&args.target)),
        Backend::Duckdb => {
            // DuckDB's connection is not Sync: threads take their clone under a lock.
            let instance = std::sync::Mutex::new(duck::Client::open(&args.target));
            sync_run::run(&args, || {
                instance.lock().expect("not poisoned").clone_connection()
            })
        }
        Backend::Postgres => sync_run::run(&args, || pg::Client::open(&args.target)),
    };
    outcome.report();
}
