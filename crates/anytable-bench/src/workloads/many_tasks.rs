//! A5: point lookups and single inserts from 16, 64, 256 and 1,024 tokio tasks on a runtime of
//! 2 worker threads, through a pool of 16 connections, as a service under load runs them.
//!
//! The `anytable` side is the async API at that many tasks; the `raw` side is anytable's sync
//! API with 16 threads, one per connection (the most the pool can serve at once), so the ratio
//! says what the async API keeps of the sync rate as tasks outnumber connections. Flat ratios
//! across the task counts are the aim: a service with a thousand requests in flight should get
//! the rate it gets with sixteen.

use crate::report::{alternate, Measurement};
use crate::workloads::asyncs::{async_inserts, async_lookups, sync_inserts, sync_lookups};
use crate::workloads::basic::{filled, lookup_ids};
use crate::workloads::{BenchRow, Engine, Mode, Settings};

/// The task counts measured.
const TASKS: [usize; 4] = [16, 64, 256, 1024];

/// The pool, and the sync side's threads.
const POOL: usize = 16;

/// A5's lookups and inserts at each task count: eight measurements.
pub fn many_tasks<E: Engine>(engine: &E, s: &Settings) -> Vec<Measurement> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut out = Vec::new();
    let target = filled(engine, s.bulk_rows);
    let ids = lookup_ids(s);
    let db = engine.open(&target, Mode::Threads(POOL));
    db.table::<BenchRow>().expect("table");
    for tasks in TASKS {
        let (a, r) = alternate(
            s.reps,
            || async_lookups(&runtime, &db, tasks, &ids),
            || sync_lookups(&db, POOL, &ids),
        );
        out.push(Measurement::from_runs(
            &format!("A5 lookups, {tasks} tasks/{POOL} threads"),
            engine.label(),
            ids.len(),
            a,
            r,
        ));
    }
    for tasks in TASKS {
        let (a, r) = alternate(
            s.reps,
            || async_inserts(&runtime, &db, tasks, s.single_rows),
            || sync_inserts(&db, POOL, s.single_rows),
        );
        out.push(Measurement::from_runs(
            &format!("A5 inserts, {tasks} tasks/{POOL} threads"),
            engine.label(),
            s.single_rows,
            a,
            r,
        ));
    }
    drop(db);
    engine.remove(&target);
    out
}
