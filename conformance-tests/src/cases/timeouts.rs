//! Per-call timeouts (`Database::with_timeout`): a call past its limit is stopped in the engine,
//! undone, and fails with the retryable `Timeout`, the same on every backend; the database
//! goes on answering. A backend without `interrupts` refuses such calls with `Unsupported`.

use std::time::{Duration, Instant};

use anytable::{AsyncDatabase, ErrorKind};

use crate::records::SimpleRow;
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
