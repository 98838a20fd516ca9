//! A5: point lookups and single inserts from 16, 64, 256 and 1,024 tokio tasks on a runtime of
//! 2 worker threads, through a pool of 16 connections, as a service under load runs them.
//!
//! The `anytable` side is the async API at that many tasks; the `raw` side is anytable's sync
//! API with 16 threads, one per connection (the most the pool can serve at once), so the ratio
//! says what the async API keeps of the sync rate as tasks outnumber connections. Flat ratios
//! across the task counts are the aim: a service with a thousand requests in flight should get
//! the rate it gets with sixteen.
//!
//! On PostgreSQL, built with feature `sqlx`, the async API also runs beside sqlx doing the
//! same through a `PgPool` of 16 (rows "A5 ..., N tasks: sqlx", whose ratio is anytable's
//! rate over sqlx's).

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
    #[cfg(feature = "sqlx")]
    if let Some((server, schema)) = engine.sqlx_target(&target) {
        let pool = sqlx_side::pool(&runtime, &server, &schema);
        for tasks in TASKS {
            let (a, r) = alternate(
                s.reps,
                || async_lookups(&runtime, &db, tasks, &ids),
                || sqlx_side::lookups(&runtime, &pool, tasks, &ids),
            );
            out.push(Measurement::from_runs(
                &format!("A5 lookups, {tasks} tasks: sqlx"),
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
                || sqlx_side::inserts(&runtime, &pool, tasks, s.single_rows),
            );
            out.push(Measurement::from_runs(
                &format!("A5 inserts, {tasks} tasks: sqlx"),
                engine.label(),
                s.single_rows,
                a,
                r,
            ));
        }
        runtime.block_on(pool.close());
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

/// sqlx doing A5 as its docs show: a `PgPool` of 16 shared by every task, `query_as` for a
/// lookup and `execute` for an insert (statements prepared and cached per connection).
#[cfg(feature = "sqlx")]
mod sqlx_side {
    use std::str::FromStr;
    use std::time::Duration;

    use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

    use super::POOL;
    use crate::workloads::asyncs::shares;
    use crate::workloads::basic::timed;
    use crate::workloads::row;

    /// A pool of [`POOL`] connections to `server`, searching `schema`.
    pub(super) fn pool(runtime: &tokio::runtime::Runtime, server: &str, schema: &str) -> PgPool {
        let options = PgConnectOptions::from_str(server)
            .expect("a PostgreSQL URL sqlx reads")
            .options([("search_path", schema)]);
        runtime.block_on(async {
            PgPoolOptions::new()
                .max_connections(POOL as u32)
                .min_connections(POOL as u32)
                .connect_with(options)
                .await
                .expect("sqlx connects")
        })
    }

    /// `ids` looked up from `tasks` tasks.
    pub(super) fn lookups(
        runtime: &tokio::runtime::Runtime,
        pool: &PgPool,
        tasks: usize,
        ids: &[i64],
    ) -> Duration {
        timed(|| {
            runtime.block_on(async {
                let handles: Vec<_> = shares(ids.len(), tasks)
                    .into_iter()
                    .map(|share| {
                        let (pool, ids) = (pool.clone(), ids[share].to_vec());
                        tokio::spawn(async move {
                            for id in ids {
                                let found: (i64, String, i64, f64) = sqlx::query_as(
                                    "SELECT id, name, number, score FROM bench_rows WHERE id = $1",
                                )
                                .bind(id)
                                .fetch_one(&pool)
                                .await
                                .expect("sqlx reads");
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

    /// `rows` single inserts from `tasks` tasks, each handing back its id.
    pub(super) fn inserts(
        runtime: &tokio::runtime::Runtime,
        pool: &PgPool,
        tasks: usize,
        rows: usize,
    ) -> Duration {
        timed(|| {
            runtime.block_on(async {
                let handles: Vec<_> = shares(rows, tasks)
                    .into_iter()
                    .map(|share| {
                        let pool = pool.clone();
                        tokio::spawn(async move {
                            for i in share {
                                let r = row(i);
                                let id: i64 = sqlx::query_scalar(
                                    "INSERT INTO bench_rows (name, number, score) \
                                     VALUES ($1, $2, $3) RETURNING id",
                                )
                                .bind(r.name)
                                .bind(r.number)
                                .bind(r.score)
                                .fetch_one(&pool)
                                .await
                                .expect("sqlx inserts");
                                std::hint::black_box(id);
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
}
