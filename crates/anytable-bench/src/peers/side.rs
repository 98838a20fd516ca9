//! anytable's own bench program in the peer comparison (`anytable-bench --peer WORKLOAD ...`):
//! each workload written the way anytable's docs show, through the sync API.

use anytable::{Database, TableHandle};

use super::kit::{self, sync_run, Args, Backend, Outcome};
use super::PeerRow;
use crate::workloads::{Engine, Mode};

/// Runs the workload `words` name and prints its `RESULT` line.
pub fn main(words: &[String]) -> std::process::ExitCode {
    let args = match Args::parse(words) {
        Ok(args) => args,
        Err(why) => {
            eprintln!("--peer: {why}");
            return std::process::ExitCode::from(2);
        }
    };
    run(&args).report();
    std::process::ExitCode::SUCCESS
}

/// anytable's URL for the target with a connection per thread.
pub fn url(backend: Backend, target: &str, threads: usize) -> String {
    let mode = Mode::Threads(threads);
    let dir = std::path::Path::new(".");
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => crate::workloads::sqlite::SqliteEngine::new(dir).url(target, mode),
        #[cfg(feature = "duckdb")]
        Backend::Duckdb => crate::workloads::duckdb::DuckDbEngine::new(dir).url(target, mode),
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            crate::workloads::postgres::PostgresEngine::new(target).url("public", mode)
        }
        #[allow(unreachable_patterns)]
        other => kit::unsupported(&format!("{} is not built into this bench", other.name())),
    }
}

/// A thread's handle on the shared `Database` (its pool gives each thread a connection).
struct Client<'d> {
    db: &'d Database,
    table: TableHandle<'static, PeerRow>,
}

impl sync_run::Client for Client<'_> {
    type Row = PeerRow;

    fn make(i: usize) -> PeerRow {
        PeerRow::numbered(i)
    }

    fn single_inserts(&mut self, rows: usize) -> i64 {
        let mut ids = 0;
        self.db
            .transaction(|tx| {
                let t = tx.table::<PeerRow>()?;
                for i in 0..rows {
                    let mut r = PeerRow::numbered(i);
                    t.insert(&mut r)?;
                    kit::check_created(r.created.timestamp());
                    ids += r.id;
                }
                Ok(())
            })
            .expect("inserts");
        ids
    }

    fn bulk_insert(&mut self, rows: &[PeerRow]) {
        self.table.insert_many(rows).expect("inserts");
    }

    fn read_all(&mut self) -> (usize, i64) {
        let rows: Vec<PeerRow> = self.table.select().all().expect("reads");
        (rows.len(), rows.iter().map(|r| r.number).sum())
    }

    fn get(&mut self, id: i64) -> i64 {
        self.table.get(id).expect("reads").expect("found").number
    }

    fn insert(&mut self, i: usize) {
        // The other libraries' single insert hands nothing back; anytable's way to do the
        // same is `insert_many` of one record (`insert` would read the id and time back).
        self.table
            .insert_many([&PeerRow::numbered(i)])
            .expect("inserts");
    }

    fn count(&mut self) -> i64 {
        self.table.count().expect("counts") as i64
    }
}

fn run(args: &Args) -> Outcome {
    let threads = (args.writers + args.readers).max(1);
    let db = Database::open(&url(args.backend, &args.target, threads))
        .expect("anytable opens the target");
    // The schema is read once before any clock starts, as every peer's is compiled in.
    db.table::<PeerRow>().expect("the table");
    sync_run::run(args, || Client {
        db: &db,
        table: db.table::<PeerRow>().expect("the table"),
    })
}
