//! W6: the two seed scenarios, `seed_scale` times their size, timed by the wall clock.
//!
//! - Threads (DuckDB's example): 50 writer threads insert single rows while 5 reader threads
//!   count the table, all started together, each with its own connection.
//! - Processes (doctable's example): 5 processes insert the numbers `0..100` between them, one
//!   row at a time, each through connections of its own (the seed's 10 ms pause per row, which
//!   measures nothing, is left out).
//!
//! Both check afterwards that no row was lost.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::report::{Measurement, Side};
use crate::workloads::basic::raw_client;
use crate::workloads::worker::{finish, start, Side as Who};
use crate::workloads::{row, BenchRow, Engine, Mode, RawClient, RawDriver, Settings};

/// Writer threads of the threads seed.
pub const SEED_WRITERS: usize = 50;
/// Reader threads of the threads seed.
pub const SEED_READERS: usize = 5;
/// Processes of the processes seed.
pub const SEED_PROCESSES: usize = 5;
/// Numbers the processes seed inserts (`0..100`).
pub const SEED_NUMBERS: usize = 100;

/// One run of a scenario: wall time and failed operations.
type Run = (Duration, u64);

/// The threads seed: each writer inserts `seed_scale` rows, each reader counts `seed_scale`
/// times.
pub fn seed_threads<E: Engine>(engine: &E, s: &Settings) -> Measurement {
    let mode = Mode::Threads(SEED_WRITERS + SEED_READERS);
    let per_thread = s.seed_scale;
    let rows = SEED_WRITERS * per_thread;
    let runs = alternate_runs(s.seed_reps, |who| {
        let target = engine.fresh();
        let run = match who {
            Who::Anytable => {
                let db = engine.open(&target, mode);
                let table = db.table::<BenchRow>().expect("table");
                let table = &table;
                threads(
                    per_thread,
                    || Ok(()),
                    |_, n| {
                        table
                            .insert(&mut row(n))
                            .map(drop)
                            .map_err(|e| e.to_string())
                    },
                    |_| table.count().map(|n| n as i64).map_err(|e| e.to_string()),
                )
            }
            Who::Raw => {
                let driver = engine.driver(&target, mode);
                threads(
                    per_thread,
                    || driver.connect(),
                    |client, n| client.insert(&row(n)).map(drop),
                    |client| client.count(),
                )
            }
        };
        let (wall, write_errors, read_errors) = run;
        let (_, mut check) = raw_client(engine, &target, Mode::Threads(1));
        let stored = check.count().expect("counts") as u64;
        let lost = lost_rows(who, rows, stored, write_errors);
        drop(check);
        engine.remove(&target);
        (wall, write_errors + read_errors + lost)
    });
    measurement(
        format!(
            "W6 seed {SEED_WRITERS}w+{SEED_READERS}r threads x{}",
            s.seed_scale
        ),
        engine,
        rows,
        runs,
    )
}

/// Runs the seed's threads on one database: `connect` gives each thread its connection,
/// `insert` writes row `n`, `count` counts; returns the wall time and the failed writes and
/// reads.
fn threads<C>(
    per_thread: usize,
    connect: impl Fn() -> Result<C, String> + Sync,
    insert: impl Fn(&mut C, usize) -> Result<(), String> + Sync,
    count: impl Fn(&mut C) -> Result<i64, String> + Sync,
) -> (Duration, u64, u64) {
    let start = Barrier::new(SEED_WRITERS + SEED_READERS + 1);
    std::thread::scope(|scope| {
        let (start, connect, insert, count) = (&start, &connect, &insert, &count);
        let handles: Vec<_> = (0..SEED_WRITERS + SEED_READERS)
            .map(|thread| {
                scope.spawn(move || {
                    start.wait();
                    // As in the seed, each thread connects once it has started.
                    let mut conn = match connect() {
                        Ok(conn) => conn,
                        Err(e) => {
                            eprintln!("    a seed thread could not connect: {e}");
                            return per_thread as u64;
                        }
                    };
                    let mut errors = 0;
                    for i in 0..per_thread {
                        let result = if thread < SEED_WRITERS {
                            insert(&mut conn, thread * per_thread + i)
                        } else {
                            count(&mut conn).map(|n| {
                                std::hint::black_box(n);
                            })
                        };
                        if let Err(e) = result {
                            if errors == 0 {
                                eprintln!("    first error of a seed thread: {e}");
                            }
                            errors += 1;
                        }
                    }
                    errors
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        let errors: Vec<u64> = handles
            .into_iter()
            .map(|h| h.join().expect("seed thread"))
            .collect();
        let (writes, reads) = errors.split_at(SEED_WRITERS);
        (started.elapsed(), writes.iter().sum(), reads.iter().sum())
    })
}

/// The processes seed: `SEED_PROCESSES` worker processes insert `100 * seed_scale` numbers
/// between them; wall time from starting the first to the end of the last.
pub fn seed_processes<E: Engine>(engine: &E, s: &Settings) -> Measurement {
    let total = SEED_NUMBERS * s.seed_scale;
    let chunk = total.div_ceil(SEED_PROCESSES);
    let runs = alternate_runs(s.seed_reps, |who| {
        let target = engine.fresh();
        let started = Instant::now();
        let workers: Vec<_> = (0..total)
            .step_by(chunk)
            .map(|first| {
                let count = chunk.min(total - first);
                start(
                    engine,
                    who,
                    &["insert", &target, &first.to_string(), &count.to_string()],
                )
            })
            .collect();
        let mut errors = 0;
        for worker in workers {
            let report = finish(worker).expect("the insert worker runs");
            errors += report
                .strip_prefix("errors=")
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("unexpected worker report {report:?}"));
        }
        let wall = started.elapsed();
        let (_, mut check) = raw_client(engine, &target, Mode::Processes);
        let stored = check.count().expect("counts") as u64;
        let lost = lost_rows(who, total, stored, errors);
        drop(check);
        engine.remove(&target);
        (wall, errors + lost)
    });
    measurement(
        format!("W6p seed {SEED_PROCESSES} processes x{}", s.seed_scale),
        engine,
        total,
        runs,
    )
}

/// A worker process of the processes seed: inserts rows `first..first + count` one at a time.
pub(crate) fn insert_worker<E: Engine>(
    engine: &E,
    who: Who,
    target: &str,
    first: usize,
    count: usize,
) -> Result<String, String> {
    let mut errors = 0;
    let mut note = |result: Result<(), String>| {
        if let Err(e) = result {
            if errors == 0 {
                eprintln!("    first error of a seed process: {e}");
            }
            errors += 1;
        }
    };
    match who {
        Who::Anytable => {
            let db = engine.open(target, Mode::Processes);
            let table = db.table::<BenchRow>().map_err(|e| e.to_string())?;
            for n in first..first + count {
                note(
                    table
                        .insert(&mut row(n))
                        .map(drop)
                        .map_err(|e| e.to_string()),
                );
            }
        }
        Who::Raw => {
            let driver = engine.driver(target, Mode::Processes);
            let mut client = driver.connect()?;
            for n in first..first + count {
                note(client.insert(&row(n)).map(drop));
            }
        }
    }
    Ok(format!("errors={errors}"))
}

/// Rows that neither were stored nor failed their insert: none for anytable (asserted); for the
/// raw side they are reported and counted as errors.
fn lost_rows(who: Who, expected: usize, stored: u64, failed: u64) -> u64 {
    let accounted = stored + failed;
    if who == Who::Anytable {
        assert_eq!(
            accounted, expected as u64,
            "anytable: every insert either stored its row or failed"
        );
    } else if accounted != expected as u64 {
        eprintln!("    raw side: {expected} inserts, {stored} rows stored, {failed} failed: rows were lost or doubled");
    }
    (expected as u64).abs_diff(accounted)
}

/// `reps` runs of each side, alternating which goes first.
fn alternate_runs(reps: usize, mut run: impl FnMut(Who) -> Run) -> [Vec<Run>; 2] {
    let mut runs = [Vec::new(), Vec::new()];
    for rep in 0..reps {
        let order = if rep % 2 == 0 {
            [Who::Anytable, Who::Raw]
        } else {
            [Who::Raw, Who::Anytable]
        };
        for who in order {
            runs[who as usize].push(run(who));
        }
    }
    runs
}

/// A scenario's measurement: rows per second and wall time of the median run, errors summed.
fn measurement<E: Engine>(
    workload: String,
    engine: &E,
    rows: usize,
    [ours, theirs]: [Vec<Run>; 2],
) -> Measurement {
    let side = |mut runs: Vec<Run>| {
        let errors = runs.iter().map(|r| r.1).sum();
        runs.sort();
        let wall = runs[runs.len() / 2].0;
        Side {
            rows_per_s: rows as f64 / wall.as_secs_f64(),
            wall_s: Some(wall.as_secs_f64()),
            errors,
            ..Side::default()
        }
    };
    Measurement {
        workload,
        backend: engine.label().to_owned(),
        anytable: side(ours),
        raw: side(theirs),
    }
}
