//! anytable's own bench program in the peer comparison (`anytable-bench --peer WORKLOAD ...`):
//! each workload written the way anytable's docs show, through the sync API.

use std::time::Instant;

use anytable::Database;

use super::kit::{self, Args, Backend, Latencies, Outcome, Workload};
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

fn row(i: usize) -> PeerRow {
    PeerRow {
        id: 0,
        name: kit::name(i),
        number: kit::number(i),
        score: kit::score(i),
        created: Default::default(),
    }
}

fn run(args: &Args) -> Outcome {
    let threads = (args.writers + args.readers).max(1);
    let db = Database::open(&url(args.backend, &args.target, threads))
        .expect("anytable opens the target");
    // The schema is read once before any clock starts, as every peer's is compiled in.
    let table = db.table::<PeerRow>().expect("the table");
    match args.workload {
        Workload::Single => {
            let started = Instant::now();
            let mut ids = 0;
            db.transaction(|tx| {
                let t = tx.table::<PeerRow>()?;
                for i in 0..args.rows {
                    let mut r = row(i);
                    t.insert(&mut r)?;
                    kit::check_created(r.created.timestamp());
                    ids += r.id;
                }
                Ok(())
            })
            .expect("inserts");
            Outcome::new(args.rows, started.elapsed(), ids)
        }
        Workload::Bulk => {
            let rows: Vec<PeerRow> = (0..args.rows).map(row).collect();
            let started = Instant::now();
            table.insert_many(&rows).expect("inserts");
            Outcome::new(args.rows, started.elapsed(), args.rows as i64)
        }
        Workload::Scan => {
            let started = Instant::now();
            let rows: Vec<PeerRow> = table.select().all().expect("reads");
            let elapsed = started.elapsed();
            Outcome::new(rows.len(), elapsed, rows.iter().map(|r| r.number).sum())
        }
        Workload::Lookups => {
            let started = Instant::now();
            let mut sum = 0;
            for k in 0..args.rows {
                let r = table
                    .get(kit::lookup_id(k, args.table_rows))
                    .expect("reads")
                    .expect("found");
                sum += r.number;
            }
            Outcome::new(args.rows, started.elapsed(), sum)
        }
        Workload::Mixed | Workload::Seed => load(args, &db),
    }
}

/// W5 and W6: threads of single inserts and of reads, each on a connection of the pool.
fn load(args: &Args, db: &Database) -> Outcome {
    let seed = args.workload == Workload::Seed;
    let deadline = |started: Instant| {
        if seed {
            None
        } else {
            Some(started + args.duration())
        }
    };
    let (results, elapsed) = kit::threads(
        args.writers,
        args.readers,
        |w, barrier| {
            let table = db.table::<PeerRow>().expect("the table");
            barrier.wait();
            let (started, mut lat, mut n) = (Instant::now(), Latencies::default(), 0);
            let end = deadline(started);
            while end.map_or(n < args.rows, |e| Instant::now() < e) {
                let op = Instant::now();
                table.insert(&mut row(w * 1_000_000 + n)).expect("inserts");
                lat.record(op);
                n += 1;
            }
            (n, lat)
        },
        |r, barrier| {
            let table = db.table::<PeerRow>().expect("the table");
            barrier.wait();
            let (started, mut lat, mut n) = (Instant::now(), Latencies::default(), 0);
            let end = deadline(started);
            while end.map_or(n < args.rows, |e| Instant::now() < e) {
                let op = Instant::now();
                if seed {
                    std::hint::black_box(table.count().expect("counts"));
                } else {
                    let id = kit::lookup_id(r * 7 + n, args.table_rows);
                    std::hint::black_box(table.get(id).expect("reads"));
                }
                lat.record(op);
                n += 1;
            }
            (n, lat)
        },
    );
    kit::load_outcome(args, results, elapsed)
}
