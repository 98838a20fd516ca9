//! Many threads writing and reading one database at once.
//!
//! Sizes come from [`params`](crate::params), so a stress run is the same cases with bigger
//! numbers. A backend without `concurrent_writers` runs them with one writer thread.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

use anytable::chrono::{Duration, Utc};
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::cases::{every_row_once, note_rate};
use crate::params::{rows, scale, threads};
use crate::records::{Counter, SimpleRow, ThreadInsert};
use crate::{ensure, CaseResult, TestDb};

/// `wanted` writer threads, or one (recorded as a restriction) where the backend cannot take
/// concurrent writers.
pub(crate) fn writer_threads(t: &TestDb, wanted: usize) -> usize {
    if t.db.capabilities().concurrent_writers {
        wanted
    } else {
        t.restricted("no concurrent writers: one writer thread");
        1
    }
}

/// Counts rows until `done`, failing if the count ever drops or is not a whole number of
/// `batch`-row transactions; returns how many times it counted.
fn poll_count(
    table: &anytable::TableHandle<'_, SimpleRow>,
    done: &AtomicBool,
    batch: usize,
) -> Result<usize, String> {
    let (mut last, mut polls) = (0, 0);
    while !done.load(Ordering::Acquire) {
        let n = table.count().map_err(|e| e.to_string())? as usize;
        if !n.is_multiple_of(batch) {
            return Err(format!("a reader saw {n} rows: part of a transaction"));
        }
        if n < last {
            return Err(format!("a reader saw the count drop from {last} to {n}"));
        }
        (last, polls) = (n, polls + 1);
    }
    Ok(polls)
}

/// [`threads`] writer threads (16) insert [`rows`] rows (100) each, one by one, while 4 readers
/// poll the count: no errors, the exact final count, unique ids, every row present, and no
/// reader ever sees the count go down.
pub fn writers_and_readers_threads(t: &TestDb) -> CaseResult {
    let writers = writer_threads(t, threads());
    let per_writer = rows();
    let started = std::time::Instant::now();
    let rows = t.db.table::<SimpleRow>()?;
    let done = AtomicBool::new(false);
    let start = Barrier::new(writers + 4);
    let result: CaseResult = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    poll_count(&rows, &done, 1)
                })
            })
            .collect();
        let writer_handles: Vec<_> = (0..writers)
            .map(|w| {
                let (rows, start) = (&rows, &start);
                scope.spawn(move || -> anytable::Result<()> {
                    start.wait();
                    for i in 0..per_writer {
                        rows.insert(&mut SimpleRow::new(&format!("W{w}"), i as i64))?;
                    }
                    Ok(())
                })
            })
            .collect();
        let writes: Vec<_> = writer_handles.into_iter().map(|h| h.join()).collect();
        done.store(true, Ordering::Release);
        for r in readers {
            let polls = r.join().map_err(|_| "reader panicked")??;
            ensure!(polls > 0, "every reader polled at least once");
        }
        for w in writes {
            w.map_err(|_| "writer panicked")??;
        }
        Ok(())
    });
    result?;
    let all = rows.select().all()?;
    every_row_once(&all, writers * per_writer)?;
    note_rate(
        t,
        &format!("{writers} writers x {per_writer} rows"),
        all.len(),
        started,
    );
    Ok(())
}

/// Writer threads commit transactions of 10 rows each while readers count: every count a
/// reader sees is a whole number of transactions (never part of one), and never goes down.
pub fn readers_never_see_partial_transactions(t: &TestDb) -> CaseResult {
    const BATCH: usize = 10;
    let writers = writer_threads(t, threads().div_ceil(2));
    let batches = rows().div_ceil(BATCH);
    let table = t.db.table::<SimpleRow>()?;
    let done = AtomicBool::new(false);
    let start = Barrier::new(writers + 2);
    std::thread::scope(|scope| -> CaseResult {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    poll_count(&table, &done, BATCH)
                })
            })
            .collect();
        let writer_handles: Vec<_> = (0..writers)
            .map(|w| {
                let start = &start;
                scope.spawn(move || -> anytable::Result<()> {
                    start.wait();
                    for b in 0..batches {
                        t.db.transaction_with_retry(100, |tx| {
                            let rows = tx.table::<SimpleRow>()?;
                            for i in 0..BATCH {
                                rows.insert(&mut SimpleRow::new(
                                    &format!("W{w}"),
                                    (b * BATCH + i) as i64,
                                ))?;
                            }
                            Ok(())
                        })?;
                    }
                    Ok(())
                })
            })
            .collect();
        let writes: Vec<_> = writer_handles.into_iter().map(|h| h.join()).collect();
        done.store(true, Ordering::Release);
        for r in readers {
            r.join().map_err(|_| "reader panicked")??;
        }
        for w in writes {
            w.map_err(|_| "writer panicked")??;
        }
        Ok(())
    })?;
    let n = table.count()? as usize;
    ensure!(
        n == writers * batches * BATCH,
        "{n} rows, expected {}",
        writers * batches * BATCH
    );
    Ok(())
}

/// The DuckDB seed: 50 writer threads each insert one row whose timestamp the database fills
/// in, 5 reader threads count rows, all started in a shuffled order at once.
pub fn duckdb_seed_threads(t: &TestDb) -> CaseResult {
    let writers = writer_threads(t, 50 * scale());
    let readers = 5 * scale();
    let table = t.db.table::<ThreadInsert>()?;
    let began = Utc::now() - Duration::seconds(5);
    let mut jobs: Vec<Option<usize>> = (0..writers)
        .map(Some)
        .chain((0..readers).map(|_| None))
        .collect();
    jobs.shuffle(&mut rand::rngs::StdRng::seed_from_u64(6));
    let start = Barrier::new(jobs.len());
    let outcomes: Vec<anytable::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|job| {
                let (table, start) = (&table, &start);
                scope.spawn(move || {
                    start.wait();
                    match job {
                        Some(i) => {
                            let mut row = ThreadInsert {
                                id: 0,
                                thread_name: format!("write_thread_{i}"),
                                insert_time: began,
                            };
                            table.insert(&mut row).map(drop)
                        }
                        None => table.count().map(drop),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread panicked"))
            .collect()
    });
    for outcome in outcomes {
        outcome?;
    }
    let rows = table
        .select()
        .order_by(ThreadInsert::insert_time().asc())
        .all()?;
    ensure!(
        rows.len() == writers,
        "{} rows for {writers} writers",
        rows.len()
    );
    let names: HashSet<&str> = rows.iter().map(|r| r.thread_name.as_str()).collect();
    ensure!(names.len() == writers, "one row per writer thread");
    ensure!(
        rows.iter().all(|r| r.insert_time > began),
        "the database filled in insert_time"
    );
    Ok(())
}

/// 8 threads each increment one counter 25 times (both times the scale) by read-modify-write transactions; where the
/// backend reports conflicts (or busy), `transaction_with_retry` reruns them. The final value is
/// exact: no update is lost and none is applied twice.
pub fn concurrent_increments_with_retry(t: &TestDb) -> CaseResult {
    let threads = writer_threads(t, 8 * scale());
    let per_thread = 25 * scale();
    let counters = t.db.table::<Counter>()?;
    let mut counter = Counter {
        id: 0,
        name: "hits".into(),
        value: 0,
    };
    let id = counters.insert(&mut counter)?;
    let runs = std::sync::atomic::AtomicUsize::new(0);
    let start = Barrier::new(threads);
    std::thread::scope(|scope| -> CaseResult {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> anytable::Result<()> {
                    start.wait();
                    for _ in 0..per_thread {
                        t.db.transaction_with_retry(1000, |tx| {
                            runs.fetch_add(1, Ordering::Relaxed);
                            let counters = tx.table::<Counter>()?;
                            let current = counters.get(id)?.map(|c| c.value).unwrap_or(-1);
                            counters.update(
                                Counter::id().eq(id),
                                [Counter::value().set(current + 1)],
                            )?;
                            Ok(())
                        })?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "thread panicked")??;
        }
        Ok(())
    })?;
    let expected = (threads * per_thread) as i64;
    let value = counters.get(id)?.ok_or("counter")?.value;
    ensure!(value == expected, "counter is {value}, expected {expected}");
    let runs = runs.load(Ordering::Relaxed);
    t.note(format!(
        "{runs} runs for {expected} increments ({} retried)",
        runs - expected as usize
    ));
    Ok(())
}
