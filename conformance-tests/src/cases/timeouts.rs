//! Per-call timeouts (`Database::with_timeout`): a call past its limit is stopped in the engine,
//! undone, and fails with the retryable `Timeout`, the same on every backend; the database
//! goes on answering. A backend without `interrupts` refuses such calls with `Unsupported`.

use std::time::{Duration, Instant};

use anytable::{AsyncDatabase, ErrorKind};

use crate::records::{Keyed, SimpleRow};
use crate::{ensure, CaseResult, TestDb};

/// A query every engine runs for far longer than any test waits (10^12 rows of a cross join,
/// which none of them shortcuts), in memory it does not grow.
pub(crate) const ENDLESS: &str = "WITH t(x) AS (VALUES (1), (2), (3), (4), (5), (6), (7), (8), \
     (9), (10)) SELECT sum(a.x + b.x + c.x + d.x + e.x + f.x + g.x + h.x + i.x + j.x + k.x + \
     l.x) FROM t a, t b, t c, t d, t e, t f, t g, t h, t i, t j, t k, t l";

/// How long a stopped call may take at most: the limit plus the engine's reaction, with room
/// for a loaded machine; the query alone would run for hours.
const STOPPED_WITHIN: Duration = Duration::from_secs(30);

/// A call past its timeout is stopped and fails with `Timeout`, outside and inside a
/// transaction, whose writes are undone; calls within it, and the handle without it, go on.
pub fn a_call_past_its_timeout_is_stopped(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let limit = Duration::from_millis(300);
    let quick = t.db.with_timeout(limit);
    ensure!(quick.timeout() == Some(limit), "the handle keeps its limit");
    if !t.db.capabilities().interrupts {
        let err = quick
            .query_scalar::<i64>("SELECT 1", &[])
            .err()
            .ok_or("a call with a timeout ran without interrupts")?;
        ensure!(
            err.kind() == ErrorKind::Unsupported,
            "without interrupts a call with a timeout is Unsupported, got {err}"
        );
        t.restricted(
            "the backend cannot interrupt a statement: calls with a timeout are Unsupported",
        );
        return Ok(());
    }
    // Within the limit, calls work as on any handle.
    let mut row = SimpleRow::new("QUICK", 1);
    quick.table::<SimpleRow>()?.insert(&mut row)?;
    ensure!(
        quick.query_scalar::<i64>("SELECT 1", &[])? == Some(1),
        "a quick call under a timeout"
    );

    let started = Instant::now();
    let err = quick
        .query_scalar::<i64>(ENDLESS, &[])
        .err()
        .ok_or("an endless query answered")?;
    let took = started.elapsed();
    ensure!(err.kind() == ErrorKind::Timeout, "an endless query: {err}");
    ensure!(err.is_retryable(), "Timeout is retryable: {err}");
    ensure!(took < STOPPED_WITHIN, "stopped only after {took:?}");
    ensure!(took >= limit, "stopped after {took:?}, before its limit");

    // A transaction is one call: its write is undone with it.
    let outcome = quick.transaction(|tx| {
        let mut row = SimpleRow::new("UNDONE", 2);
        tx.table::<SimpleRow>()?.insert(&mut row)?;
        tx.query_scalar::<i64>(ENDLESS, &[])
    });
    let err = outcome
        .err()
        .ok_or("an endless query in a transaction answered")?;
    ensure!(err.kind() == ErrorKind::Timeout, "in a transaction: {err}");
    ensure!(
        rows.filter(SimpleRow::process().eq("UNDONE")).count()? == 0,
        "the stopped transaction's insert was undone"
    );

    // A streaming read past its limit fails as Timeout: at the next row, or when it starts
    // where the engine reads the whole result first (DuckDB).
    let streamed = quick
        .query_iter::<(i64,)>(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000000) \
             SELECT x FROM n",
            &[],
        )
        .and_then(|mut cursor| match cursor.find_map(|row| row.err()) {
            Some(e) => Err(e),
            None => Ok(()),
        });
    let err = streamed
        .err()
        .ok_or("a 2-billion-row stream ended within its limit")?;
    ensure!(err.kind() == ErrorKind::Timeout, "a stream: {err}");

    // The database goes on: through the same limited handle, and the unlimited one.
    ensure!(
        quick.table::<SimpleRow>()?.count()? == 1,
        "the limited handle answers after its stopped calls"
    );
    ensure!(rows.count()? == 1, "only the quick insert is there");
    let mut row = SimpleRow::new("AFTER", 3);
    rows.insert(&mut row)?;
    ensure!(rows.count()? == 2, "the unlimited handle writes after them");
    Ok(())
}

/// The same through the async API: `AsyncDatabase::with_timeout` stops a call as the sync
/// handle does, and where a call runs on the blocking pool (a current-thread runtime),
/// dropping its future (here by `tokio::time::timeout`) interrupts its statement in the
/// engine, which the call then reports; the database goes on answering.
pub fn an_async_call_is_stopped_by_its_timeout_or_a_dropped_future(t: &TestDb) -> CaseResult {
    let db = AsyncDatabase::from(t.db.clone());
    let limit = Duration::from_millis(300);
    let interrupts = t.db.capabilities().interrupts;
    let workers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let quick = db.with_timeout(limit);
    ensure!(
        quick.timeout() == Some(limit),
        "the async handle keeps its limit"
    );
    let timed = workers.block_on(workers.spawn(async move {
        let started = Instant::now();
        let result = quick.query_scalar::<i64>(ENDLESS, vec![]).await;
        (result, started.elapsed())
    }))?;
    match timed {
        (Err(e), _) if !interrupts => ensure!(
            e.kind() == ErrorKind::Unsupported,
            "without interrupts an async call with a timeout is Unsupported, got {e}"
        ),
        (Err(e), took) => {
            ensure!(
                e.kind() == ErrorKind::Timeout,
                "an endless async query: {e}"
            );
            ensure!(took < STOPPED_WITHIN, "stopped only after {took:?}");
        }
        (Ok(n), took) => return Err(format!("an endless query answered {n:?} in {took:?}").into()),
    }
    if !interrupts {
        // Dropping the future of a call without interrupts lets its statement run to its end,
        // which an endless query never reaches.
        t.restricted("the backend cannot interrupt a statement: async calls run to their end");
        return Ok(());
    }

    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (sent, outcome) = std::sync::mpsc::channel();
    let endless = db.run_blocking(move |db| {
        let result = db.query_scalar::<i64>(ENDLESS, &[]);
        let _ = sent.send(result);
        Ok(())
    });
    let dropped = single.block_on(async { tokio::time::timeout(limit, endless).await });
    ensure!(dropped.is_err(), "the endless call ended within {limit:?}");
    // The future is gone; the statement it started must stop in the engine, not run on.
    let stopped = outcome
        .recv_timeout(STOPPED_WITHIN)
        .map_err(|_| format!("the dropped call's statement still ran after {STOPPED_WITHIN:?}"))?;
    let err = stopped
        .err()
        .ok_or("an endless query answered after its future was dropped")?;
    ensure!(
        err.kind() == ErrorKind::Other && err.message().contains("cancelled"),
        "the dropped call reports its cancellation, got {err}"
    );
    let rows = single.block_on(async {
        let rows = db.table::<SimpleRow>().await?;
        rows.insert(SimpleRow::new("AFTER", 1)).await?;
        rows.count().await
    })?;
    ensure!(rows == 1, "the database answers after the cancelled call");
    Ok(())
}

/// How long a dropped call is given to stop in the engine before the lock it waits for is
/// released: a PostgreSQL cancel request travels on a connection of its own.
const CANCEL_SETTLES: Duration = Duration::from_secs(1);

/// An async write given up on writes nothing, on a current-thread and on a multi-threaded
/// runtime: an insert waiting behind another transaction's uncommitted row of the same key
/// is dropped by `tokio::time::timeout`; when that transaction then rolls back, the key is
/// still free. An insert that went on waiting after its caller left would take it then, a
/// write nobody acknowledged. (Where a call cannot be dropped while it runs, in a task of a
/// multi-threaded runtime on the embedded engines, it ends on its own with the lock's
/// error, and nothing is written either; where the engine does not wait, DuckDB, the insert
/// is answered and its row stays.)
pub fn a_dropped_insert_waiting_for_a_lock_writes_nothing(t: &TestDb) -> CaseResult {
    // A lock wait of 3 s: where the call cannot be dropped, it waits for all of it.
    let sync = anytable::Database::open(&crate::fixtures::with_option(&t.url, "timeout", "3"))?;
    let db = AsyncDatabase::from(sync.clone());
    let limit = Duration::from_millis(300);
    let runtimes = [
        (
            "current-thread",
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        ),
        (
            "multi-threaded",
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?,
        ),
    ];
    let keyed = sync.table::<Keyed>()?;
    for (rank, (flavour, runtime)) in (1..).zip(&runtimes) {
        let key = format!("held on a {flavour} runtime");
        let holder = sync.begin()?;
        holder
            .table::<Keyed>()?
            .insert(&mut Keyed::new(&key, flavour, rank, 0))?;
        let table = runtime.block_on(db.table::<Keyed>())?;
        let waiting = Keyed::new(&key, flavour, rank + 10, 1);
        let outcome =
            runtime
                .block_on(runtime.spawn(async move {
                    tokio::time::timeout(limit, table.insert(waiting)).await
                }))?;
        // DuckDB checks the key against committed rows only, so its insert is answered at once
        // (the holder would fail at COMMIT): an acknowledged insert must then be there, once.
        let acknowledged = u64::from(matches!(outcome, Ok(Ok(_))));
        std::thread::sleep(CANCEL_SETTLES);
        holder.rollback()?;
        std::thread::sleep(CANCEL_SETTLES);
        let landed = keyed.count_matching(Keyed::key().eq(key.as_str()))?;
        ensure!(
            landed == acknowledged,
            "after the transaction holding its key rolled back, an insert {} on a {flavour} \
             runtime left {landed} rows (its outcome: {outcome:?})",
            if acknowledged == 1 {
                "that was answered"
            } else {
                "that was dropped or failed"
            }
        );
        if acknowledged == 1 {
            keyed.delete(Keyed::key().eq(key.as_str()))?;
        }
        // The key is free and the database answers.
        keyed.insert(&mut Keyed::new(&key, flavour, rank + 20, 2))?;
    }
    Ok(())
}
