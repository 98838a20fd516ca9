//! A1 and A4: the async API against the sync API (both anytable, same run, same engine) on W1's
//! single inserts and W4's point lookups, with 1 task (thread) and with 64.
//!
//! In these measurements the `anytable` side is the async API and the `raw` side the sync API,
//! so the ratio is async/sync. Async calls always run in spawned tasks (on the runtime's worker
//! threads, as request handlers do), never directly in `block_on`, where blocking is free. With 1 task, A1 is W1 exactly (one transaction, ids back); with
//! 64 tasks each insert commits on its own, since one transaction is one connection and would
//! serialise the tasks anyway.

use std::time::Duration;

use anytable::{AsyncDatabase, Database};

use crate::report::{alternate, Measurement};
use crate::workloads::basic::{anytable_single_inserts, filled, lookup_ids, timed};
use crate::workloads::{row, BenchRow, Engine, Mode, Settings};

/// The concurrency levels measured.
const TASKS: [usize; 2] = [1, 64];

/// A1 and A4 at 1 and 64 tasks: four measurements.
pub fn async_vs_sync<E: Engine>(engine: &E, s: &Settings) -> Vec<Measurement> {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let mut out = Vec::new();
    for tasks in TASKS {
        let fresh_run = |side: &dyn Fn(&Database) -> Duration| {
            let target = engine.fresh();
            let db = engine.open(&target, Mode::Threads(tasks));
            db.table::<BenchRow>().expect("table");
            let took = side(&db);
            drop(db);
            engine.remove(&target);
            took
        };
        let (a, r) = alternate(
            s.reps,
            || fresh_run(&|db| async_inserts(&runtime, db, tasks, s.single_rows)),
            || fresh_run(&|db| sync_inserts(db, tasks, s.single_rows)),
        );
        out.push(Measurement::from_runs(
            &format!("A1 inserts async/sync, {}", tasks_label(tasks)),
            engine.label(),
            s.single_rows,
            a,
            r,
        ));
        if tasks == 1 {
            let (a, r) = alternate(
                s.reps,
                || fresh_run(&|db| run_blocking_inserts(&runtime, db, s.single_rows)),
                || fresh_run(&|db| sync_inserts(db, 1, s.single_rows)),
            );
            out.push(Measurement::from_runs(
                "A1 inserts in run_blocking/sync, 1 task",
                engine.label(),
                s.single_rows,
                a,
                r,
            ));
        }
    }
    let target = filled(engine, s.bulk_rows);
    let ids = lookup_ids(s);
    for tasks in TASKS {
        let db = engine.open(&target, Mode::Threads(tasks));
        db.table::<BenchRow>().expect("table");
        let (a, r) = alternate(
            s.reps,
            || async_lookups(&runtime, &db, tasks, &ids),
            || sync_lookups(&db, tasks, &ids),
        );
        out.push(Measurement::from_runs(
            &format!("A4 lookups async/sync, {}", tasks_label(tasks)),
            engine.label(),
            s.lookups,
            a,
            r,
        ));
    }
    engine.remove(&target);
    out
}

fn tasks_label(tasks: usize) -> String {
    if tasks == 1 {
        "1 task".into()
    } else {
        format!("{tasks} tasks")
    }
}

/// Splits `0..n` into `parts` contiguous ranges.
pub(crate) fn shares(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let size = n.div_ceil(parts);
    (0..parts)
        .map(|p| (p * size).min(n)..((p + 1) * size).min(n))
        .collect()
}

pub(crate) fn sync_inserts(db: &Database, tasks: usize, rows: usize) -> Duration {
    if tasks == 1 {
        return anytable_single_inserts(db, rows);
    }
    let table = db.table::<BenchRow>().expect("table");
    timed(|| {
        std::thread::scope(|scope| {
            for share in shares(rows, tasks) {
                let table = &table;
                scope.spawn(move || {
                    for i in share {
                        let mut r = row(i);
                        table.insert(&mut r).expect("inserts");
                        std::hint::black_box(&r);
                    }
                });
            }
        })
    })
}

pub(crate) fn async_inserts(
    runtime: &tokio::runtime::Runtime,
    db: &Database,
    tasks: usize,
    rows: usize,
) -> Duration {
    let db = AsyncDatabase::from(db.clone());
    timed(|| {
        runtime.block_on(async {
            if tasks == 1 {
                // In a spawned task, on a worker thread, as a request handler would run.
                let single = tokio::spawn(async move {
                    db.transaction(|tx| async move {
                        let t = tx.table::<BenchRow>().await?;
                        for i in 0..rows {
                            std::hint::black_box(t.insert(row(i)).await?);
                        }
                        Ok(())
                    })
                    .await
                    .expect("inserts")
                });
                return single.await.expect("task");
            }
            let table = db.table::<BenchRow>().await.expect("table");
            let handles: Vec<_> = shares(rows, tasks)
                .into_iter()
                .map(|share| {
                    let table = table.clone();
                    tokio::spawn(async move {
                        for i in share {
                            std::hint::black_box(table.insert(row(i)).await.expect("inserts"));
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.expect("task");
            }
        })
    })
}

/// A1's one transaction as one `run_blocking` call from a task: the hand-off paid once.
fn run_blocking_inserts(runtime: &tokio::runtime::Runtime, db: &Database, rows: usize) -> Duration {
    let db = AsyncDatabase::from(db.clone());
    timed(|| {
        runtime.block_on(async {
            let task = tokio::spawn(async move {
                let inserts = move |db: &Database| {
                    anytable_single_inserts(db, rows);
                    Ok(())
                };
                db.run_blocking(inserts).await.expect("inserts")
            });
            task.await.expect("task")
        })
    })
}

pub(crate) fn sync_lookups(db: &Database, tasks: usize, ids: &[i64]) -> Duration {
    let table = db.table::<BenchRow>().expect("table");
    timed(|| {
        std::thread::scope(|scope| {
            for share in shares(ids.len(), tasks) {
                let (table, ids) = (&table, &ids[share]);
                scope.spawn(move || {
                    for id in ids {
                        std::hint::black_box(table.get(*id).expect("reads").expect("exists"));
                    }
                });
            }
        })
    })
}

pub(crate) fn async_lookups(
    runtime: &tokio::runtime::Runtime,
    db: &Database,
    tasks: usize,
    ids: &[i64],
) -> Duration {
    let db = AsyncDatabase::from(db.clone());
    timed(|| {
        runtime.block_on(async {
            let table = db.table::<BenchRow>().await.expect("table");
            let handles: Vec<_> = shares(ids.len(), tasks)
                .into_iter()
                .map(|share| {
                    let (table, ids) = (table.clone(), ids[share].to_vec());
                    tokio::spawn(async move {
                        for id in ids {
                            let found = table.get(id).await.expect("reads").expect("exists");
                            std::hint::black_box(found);
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.expect("task");
            }
        })
    })
}
