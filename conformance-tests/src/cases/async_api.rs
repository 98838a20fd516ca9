//! The same guarantees through the async API ([`AsyncDatabase`]), on a multi-threaded tokio
//! runtime with many tasks at once: CRUD, streams, transactions and concurrent writers.
//!
//! Each case opens its own runtime (4 worker threads) around the case's database, so the
//! blocking work visibly runs off the workers: the cases would stall otherwise.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use anytable::{count_all, AsyncDatabase, AsyncTable, ErrorKind, OnConflict, Query, Value};
use futures_util::StreamExt;

use crate::cases::concurrency::writer_threads;
use crate::cases::errors::expect_kind;
use crate::cases::{every_row_once, note_rate};
use crate::params::{rows, scale, threads};
use crate::records::{Counter, Customer, Keyed, Purchase, Sale, SimpleRow, ThreadInsert};
use crate::{ensure, CaseResult, TestDb};

/// Runs `case` in a task on a fresh 4-worker runtime (on a worker thread, as a request handler
/// runs) with the case's database as an [`AsyncDatabase`].
fn on_runtime<F, Fut>(t: &TestDb, case: F) -> CaseResult
where
    F: FnOnce(AsyncDatabase) -> Fut,
    Fut: Future<Output = CaseResult> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    let task = runtime.spawn(case(AsyncDatabase::from(t.db.clone())));
    runtime.block_on(task)?
}

/// Insert, get, filters, first, count, head, update, delete, upsert and bulk insert through
/// [`AsyncTableHandle`](anytable::AsyncTableHandle), and the same calls through `dyn AsyncTable`.
pub fn async_crud(t: &TestDb) -> CaseResult {
    on_runtime(t, |db| async move {
        let rows = db.table::<SimpleRow>().await?;
        let (id, row) = rows.insert(SimpleRow::new("AB", 1)).await?;
        ensure!(row.id == id && id > 0, "the id is handed back: {row:?}");
        ensure!(
            row.added > anytable::chrono::DateTime::UNIX_EPOCH,
            "added filled in"
        );
        ensure!(rows.get(id).await?.as_ref() == Some(&row), "get finds it");
        ensure!(rows.get(-1).await?.is_none(), "a missing id is None");

        let batch: Vec<SimpleRow> = (0..20).map(|i| SimpleRow::new("BULK", i)).collect();
        ensure!(rows.insert_many(batch).await? == 20, "bulk insert counts");
        ensure!(rows.count().await? == 21, "21 rows");
        let big = rows
            .filter(SimpleRow::process().eq("BULK"))
            .filter(SimpleRow::number().ge(15))
            .order_by(SimpleRow::number().desc())
            .all()
            .await?;
        let numbers: Vec<i64> = big.iter().map(|r| r.number).collect();
        ensure!(
            numbers == [19, 18, 17, 16, 15],
            "filter and order: {numbers:?}"
        );
        let page = rows
            .select()
            .order_by(SimpleRow::id().asc())
            .limit(3)
            .offset(1)
            .all()
            .await?;
        ensure!(
            page.len() == 3 && page[0].process == "BULK" && page[0].number == 0,
            "limit and offset: {page:?}"
        );
        let first = rows.filter(SimpleRow::number().eq(7)).first().await?;
        ensure!(first.map(|r| r.number) == Some(7), "first");
        let n = rows.filter(SimpleRow::process().eq("BULK")).count().await?;
        ensure!(n == 20, "filtered count {n}");
        ensure!(rows.head(2).await?[0].id == id, "head in id order");

        let changed = rows
            .update(
                SimpleRow::number().lt(5),
                [SimpleRow::note().set(Some("small".to_owned()))],
            )
            .await?;
        ensure!(changed == 6, "update changed {changed} rows, expected 6");
        let deleted = rows.delete(SimpleRow::number().ge(10)).await?;
        ensure!(deleted == 10, "deleted {deleted}, expected 10");
        expect_kind(
            rows.delete(anytable::Filter::all()).await,
            ErrorKind::InvalidInput,
        )?;

        let keyed = db.table::<Keyed>().await?;
        let (kid, _) = keyed.insert(Keyed::new("k1", "g", 1, 10)).await?;
        let (skipped, _) = keyed
            .upsert(
                Keyed::new("k1", "g", 2, 20),
                OnConflict::column(Keyed::key()).do_nothing(),
            )
            .await?;
        ensure!(skipped.is_none(), "do nothing writes nothing");
        let (written, record) = keyed
            .upsert(
                Keyed::new("k1", "g", 1, 30),
                OnConflict::column(Keyed::key()).update(Keyed::value()),
            )
            .await?;
        ensure!(
            written == Some(kid) && record.id == kid,
            "upsert updates the existing row"
        );

        // The same table behind the object-safe trait.
        let ops: Arc<dyn AsyncTable<SimpleRow>> = Arc::new(rows.clone());
        let (dyn_id, _) = ops.insert(SimpleRow::new("DYN", 1)).await?;
        ensure!(
            ops.get(dyn_id).await?.map(|r| r.process) == Some("DYN".into()),
            "dyn get"
        );
        let dyn_rows = || Query::new().filter(SimpleRow::process().eq("DYN"));
        let found = ops.find(dyn_rows()).await?;
        ensure!(found.len() == 1, "dyn find");
        ensure!(
            ops.find_first(dyn_rows()).await?.map(|r| r.id) == Some(dyn_id),
            "dyn find_first"
        );
        let streamed: Vec<_> = ops.stream(dyn_rows()).collect().await;
        ensure!(streamed.len() == 1, "dyn stream");
        ensure!(
            ops.count_matching(SimpleRow::process().eq("DYN")).await? == 1,
            "dyn count_matching"
        );
        ensure!(ops.count().await? == 12, "dyn count");
        ensure!(ops.head(2).await?.len() == 2, "dyn head");
        ensure!(
            ops.update(
                SimpleRow::process().eq("DYN"),
                vec![SimpleRow::number().set(5)]
            )
            .await?
                == 1,
            "dyn update"
        );
        ensure!(ops.name() == rows.name(), "dyn name");
        ensure!(
            ops.delete(SimpleRow::process().eq("DYN")).await? == 1,
            "dyn delete"
        );
        ensure!(
            rows.delete_all().await? == 11,
            "delete_all removes the rest"
        );
        Ok(())
    })
}

/// A stream yields every row once, in order, while its consumer is slower than its reader;
/// streams dropped after one row free their connections (more of them than any pool holds);
/// a stream inside a transaction is `InvalidInput`.
pub fn async_streams(t: &TestDb) -> CaseResult {
    let n = 3000 * scale() as i64;
    on_runtime(t, |db| async move {
        let rows = db.table::<SimpleRow>().await?;
        let batch: Vec<SimpleRow> = (0..n).map(|i| SimpleRow::new("S", i)).collect();
        rows.insert_many(batch).await?;

        let mut stream = rows.select().order_by(SimpleRow::number().asc()).stream();
        let mut expected = 0;
        while let Some(row) = stream.next().await {
            let row = row?;
            ensure!(
                row.number == expected,
                "row {expected} came as {}",
                row.number
            );
            expected += 1;
            if expected % 500 == 0 {
                // A slow consumer: the reader must wait, not buffer or fail.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        ensure!(expected == n, "{expected} rows streamed, expected {n}");

        for _ in 0..64 {
            let mut stream = rows.select().stream();
            ensure!(stream.next().await.is_some(), "a first row");
            drop(stream);
        }
        ensure!(
            rows.count().await? == n as u64,
            "the database still answers after 64 dropped streams"
        );

        let tx = db.begin().await?;
        let in_tx = tx.table::<SimpleRow>().await?;
        let mut stream = in_tx.select().stream();
        match stream.next().await {
            Some(Err(e)) if e.kind() == ErrorKind::InvalidInput => {}
            other => return Err(format!("stream in a transaction gave {other:?}").into()),
        }
        ensure!(stream.next().await.is_none(), "then the stream ends");
        tx.rollback().await?;
        Ok(())
    })
}

/// Aggregates, groups, projections, joins and typed raw SQL through the async API give the sync
/// API's answers, outside and inside an [`AsyncTransaction`](anytable::AsyncTransaction).
pub fn async_queries(t: &TestDb) -> CaseResult {
    crate::cases::queries::sales(t)?;
    on_runtime(t, |db| async move {
        let sales = db.table::<Sale>().await?;
        ensure!(
            sales.select().sum(Sale::units()).await? == Some(27),
            "async sum"
        );
        ensure!(
            sales.select().avg(Sale::units()).await? == Some(4.5),
            "async avg"
        );
        let max = sales.select().max(Sale::product()).await?;
        ensure!(
            max.as_deref() == Some("é"),
            "async max by code point: {max:?}"
        );
        ensure!(
            sales
                .filter(Sale::region().is_null())
                .count_distinct(Sale::product())
                .await?
                == 2,
            "async count_distinct"
        );
        let groups = sales
            .select()
            .columns((Sale::region(), count_all()))
            .group_by(Sale::region())
            .having(count_all().gt(1))
            .order_by(Sale::region().asc())
            .all()
            .await?;
        ensure!(
            groups == [(Some("north".to_owned()), 2), (None, 2)],
            "async group by: {groups:?}"
        );
        let first = sales
            .select()
            .columns((Sale::product(),))
            .distinct()
            .order_by(Sale::product().asc())
            .first()
            .await?;
        ensure!(
            first == Some(("B".to_owned(),)),
            "async distinct first: {first:?}"
        );
        let raw: Vec<(String, i64)> = db
            .query(
                "SELECT product, units FROM sales WHERE units > ? ORDER BY units, product",
                vec![Value::I64(5)],
            )
            .await?;
        ensure!(
            raw == [("B".to_owned(), 7), ("a".to_owned(), 7)],
            "async typed raw SQL: {raw:?}"
        );
        let customers = db.table::<Customer>().await?;
        let (ada, _) = customers
            .insert(Customer {
                id: 0,
                name: "Ada".into(),
                city: None,
            })
            .await?;
        let purchases = db.table::<Purchase>().await?;
        for customer in [Some(ada), None] {
            purchases
                .insert(Purchase {
                    id: 0,
                    customer,
                    item: "fig".into(),
                    amount: 1,
                })
                .await?;
        }
        let inner = purchases
            .select()
            .join::<Customer, _>(Purchase::customer())
            .all()
            .await?;
        let left = purchases
            .select()
            .left_join::<Customer, _>(Purchase::customer())
            .order_by_joined(Customer::name().asc())
            .all()
            .await?;
        ensure!(
            inner.len() == 1
                && left.len() == 2
                && left[0].1.as_ref().map(|c| c.id) == Some(ada)
                && left[1].1.is_none(),
            "async joins: {inner:?} {left:?}"
        );

        let tx = db.begin().await?;
        let inside = tx.table::<Sale>().await?;
        inside
            .insert(Sale::new(
                Some("west"),
                "c",
                2,
                anytable::chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            ))
            .await?;
        let units: Option<i64> = tx
            .query_scalar(
                "SELECT SUM(units) FROM sales WHERE region = ?",
                vec!["west".into()],
            )
            .await?;
        let total = inside.select().sum(Sale::units()).await?;
        let west = inside
            .select()
            .columns((Sale::units().sum(),))
            .filter(Sale::region().eq("west"))
            .first()
            .await?;
        tx.rollback().await?;
        ensure!(
            units == Some(2) && total == Some(29) && west == Some((Some(2),)),
            "inside a transaction: {units:?} {total:?} {west:?}"
        );
        ensure!(
            sales.select().sum(Sale::units()).await? == Some(27),
            "rolled back"
        );
        Ok(())
    })
}

/// Commit on `Ok`, rollback on `Err`, explicit begin/commit/rollback, rollback when the last
/// handle is dropped, and a failed statement aborting the transaction
/// (`TransactionAborted` for every later call and for the commit).
pub fn async_transactions(t: &TestDb) -> CaseResult {
    on_runtime(t, |db| async move {
        let rows = db.table::<SimpleRow>().await?;
        db.transaction(|tx| async move {
            let rows = tx.table::<SimpleRow>().await?;
            for i in 0..5 {
                rows.insert(SimpleRow::new("COMMIT", i)).await?;
            }
            Ok(())
        })
        .await?;
        ensure!(rows.count().await? == 5, "committed");

        let failed: anytable::Result<()> = db
            .transaction(|tx| async move {
                let rows = tx.table::<SimpleRow>().await?;
                rows.insert(SimpleRow::new("ROLLBACK", 1)).await?;
                Err(anytable::Error::invalid_input("changed my mind"))
            })
            .await;
        expect_kind(failed, ErrorKind::InvalidInput)?;
        ensure!(rows.count().await? == 5, "rolled back on Err");

        let tx = db.begin().await?;
        tx.table::<SimpleRow>()
            .await?
            .insert(SimpleRow::new("EXPLICIT", 1))
            .await?;
        tx.rollback().await?;
        expect_kind(tx.commit().await, ErrorKind::InvalidInput)?;
        ensure!(rows.count().await? == 5, "explicit rollback");

        let tx = db.begin().await?;
        tx.table::<SimpleRow>()
            .await?
            .insert(SimpleRow::new("DROPPED", 1))
            .await?;
        drop(tx);
        // The rollback runs on the blocking pool; the next write waits for its lock.
        rows.insert(SimpleRow::new("AFTER", 1)).await?;
        ensure!(
            rows.filter(SimpleRow::process().eq("DROPPED"))
                .count()
                .await?
                == 0,
            "a dropped transaction rolled back"
        );

        let keyed = db.table::<Keyed>().await?;
        keyed.insert(Keyed::new("dup", "g", 1, 1)).await?;
        let aborted: anytable::Result<()> = db
            .transaction(|tx| async move {
                let keyed = tx.table::<Keyed>().await?;
                keyed.insert(Keyed::new("ok", "g", 2, 2)).await?;
                let dup = keyed.insert(Keyed::new("dup", "g", 3, 3)).await;
                expect_kind(dup, ErrorKind::UniqueViolation)
                    .map_err(anytable::Error::invalid_input)?;
                let later = keyed.insert(Keyed::new("later", "g", 4, 4)).await;
                expect_kind(later, ErrorKind::TransactionAborted)
                    .map_err(anytable::Error::invalid_input)?;
                // Swallowing the error does not commit anything.
                Ok(())
            })
            .await;
        expect_kind(aborted, ErrorKind::TransactionAborted)?;
        ensure!(
            keyed.count().await? == 1,
            "nothing of the aborted transaction"
        );

        // Calls on one transaction from several tasks at once queue instead of colliding.
        let tx = db.begin().await?;
        let in_tx = tx.table::<SimpleRow>().await?;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let in_tx = in_tx.clone();
                tokio::spawn(async move { in_tx.insert(SimpleRow::new("QUEUED", i)).await })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        tx.commit().await?;
        let queued = rows
            .filter(SimpleRow::process().eq("QUEUED"))
            .count()
            .await?;
        ensure!(queued == 8, "{queued} queued inserts committed, expected 8");
        Ok(())
    })
}

/// [`threads`] x 4 writer tasks (64) insert [`rows`] rows each, one by one, while 4 reader
/// tasks count and stream: no errors, every row exactly once, counts never going down.
pub fn async_many_tasks_write_and_read(t: &TestDb) -> CaseResult {
    let writers = writer_threads(t, threads() * 4);
    let per_writer = rows();
    let started = std::time::Instant::now();
    let total = on_runtime(t, |db| async move {
        let rows = db.table::<SimpleRow>().await?;
        let done = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..4)
            .map(|r| {
                let (rows, done) = (rows.clone(), done.clone());
                tokio::spawn(async move {
                    let (mut last, mut polls) = (0, 0);
                    while !done.load(Ordering::Acquire) {
                        let n = if r % 2 == 0 {
                            rows.count().await.map_err(|e| e.to_string())?
                        } else {
                            let mut stream = rows.select().stream();
                            let mut n = 0;
                            while let Some(row) = stream.next().await {
                                row.map_err(|e| e.to_string())?;
                                n += 1;
                            }
                            n
                        };
                        if n < last {
                            return Err(format!("a reader saw the count drop from {last} to {n}"));
                        }
                        (last, polls) = (n, polls + 1);
                    }
                    Ok::<usize, String>(polls)
                })
            })
            .collect();
        let writer_tasks: Vec<_> = (0..writers)
            .map(|w| {
                let rows = rows.clone();
                tokio::spawn(async move {
                    for i in 0..per_writer {
                        rows.insert(SimpleRow::new(&format!("W{w}"), i as i64))
                            .await?;
                    }
                    Ok::<(), anytable::Error>(())
                })
            })
            .collect();
        let mut failures = Vec::new();
        for task in writer_tasks {
            if let Err(e) = task.await? {
                failures.push(e.to_string());
            }
        }
        done.store(true, Ordering::Release);
        for reader in readers {
            let polls = reader.await??;
            ensure!(polls > 0, "every reader polled at least once");
        }
        ensure!(failures.is_empty(), "writers failed: {failures:?}");
        let all = rows.select().all().await?;
        every_row_once(&all, writers * per_writer)?;
        Ok(())
    });
    total?;
    note_rate(
        t,
        &format!("{writers} tasks x {per_writer} rows"),
        writers * per_writer,
        started,
    );
    Ok(())
}

/// The DuckDB seed through tasks: 50 writer tasks each insert one row (the database fills in
/// the time) while 5 reader tasks count, all at once; then a read-modify-write counter that 16
/// tasks increment 25 times each with `transaction_with_retry`, ending exact.
pub fn async_seed_tasks_and_increments(t: &TestDb) -> CaseResult {
    let writers = writer_threads(t, 50 * scale());
    let incrementers = writer_threads(t, 16 * scale());
    let per_task = 25;
    let runs = Arc::new(AtomicUsize::new(0));
    let counted_runs = runs.clone();
    on_runtime(t, |db| async move {
        let inserts = db.table::<ThreadInsert>().await?;
        let began = anytable::chrono::Utc::now() - anytable::chrono::Duration::seconds(5);
        let mut tasks = Vec::new();
        for i in 0..writers {
            let writer = inserts.clone();
            tasks.push(tokio::spawn(async move {
                let row = ThreadInsert {
                    id: 0,
                    thread_name: format!("write_task_{i}"),
                    insert_time: began,
                };
                writer.insert(row).await.map(drop)
            }));
            if i % 10 == 0 {
                let reader = inserts.clone();
                tasks.push(tokio::spawn(async move { reader.count().await.map(drop) }));
            }
        }
        for task in tasks {
            task.await??;
        }
        let all = inserts.select().all().await?;
        let names: HashSet<&str> = all.iter().map(|r| r.thread_name.as_str()).collect();
        ensure!(
            all.len() == writers && names.len() == writers,
            "one row per writer task: {} rows",
            all.len()
        );
        ensure!(
            all.iter().all(|r| r.insert_time > began),
            "the database filled in insert_time"
        );

        let counters = db.table::<Counter>().await?;
        let (id, _) = counters
            .insert(Counter {
                id: 0,
                name: "hits".into(),
                value: 0,
            })
            .await?;
        let tasks: Vec<_> = (0..incrementers)
            .map(|_| {
                let (db, runs) = (db.clone(), runs.clone());
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        db.transaction_with_retry(1000, |tx| {
                            runs.fetch_add(1, Ordering::Relaxed);
                            async move {
                                let counters = tx.table::<Counter>().await?;
                                let current =
                                    counters.get(id).await?.map(|c| c.value).unwrap_or(-1);
                                counters
                                    .update(
                                        Counter::id().eq(id),
                                        [Counter::value().set(current + 1)],
                                    )
                                    .await?;
                                Ok(())
                            }
                        })
                        .await?;
                    }
                    Ok::<(), anytable::Error>(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        let expected = (incrementers * per_task) as i64;
        let value = counters.get(id).await?.ok_or("counter")?.value;
        ensure!(value == expected, "counter is {value}, expected {expected}");
        Ok(())
    })?;
    let expected = incrementers * per_task;
    let runs = counted_runs.load(Ordering::Relaxed);
    t.note(format!(
        "{runs} runs for {expected} increments ({} retried)",
        runs - expected
    ));
    Ok(())
}

/// Arrow batches and Parquet files through the async API: `arrow()` streams one batch per
/// hand-off in the sync API's sizes (and, like `stream()`, refuses to read inside a
/// transaction), a projection's batches carry its fields, `insert_arrow`, `write_parquet` and
/// `insert_parquet` round trip the rows (inside a transaction too, undone with it), and
/// `pretty` prints the first rows.
pub fn async_arrow_and_parquet(t: &TestDb) -> CaseResult {
    use anytable::arrow::record_batch::RecordBatch;

    let n = 5_000i64;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("async.parquet");
    on_runtime(t, move |db| async move {
        let rows = db.table::<SimpleRow>().await?;
        let batch: Vec<SimpleRow> = (0..n).map(|i| SimpleRow::new("AA", i)).collect();
        rows.insert_many(batch).await?;

        let mut stream = rows.select().order_by(SimpleRow::number().asc()).arrow();
        let mut sizes = Vec::new();
        let mut batches: Vec<RecordBatch> = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            sizes.push(batch.num_rows());
            batches.push(batch);
        }
        let full = anytable::arrow::DEFAULT_BATCH_ROWS;
        ensure!(
            sizes == [full, full, n as usize - 2 * full],
            "the sync API's batch sizes: {sizes:?}"
        );

        let groups: Vec<RecordBatch> = rows
            .select()
            .columns((SimpleRow::process(), count_all()))
            .group_by(SimpleRow::process())
            .arrow()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anytable::Result<_>>()?;
        ensure!(
            groups.len() == 1
                && groups[0].schema().field(1).name() == "count(*)"
                && groups[0].num_rows() == 1,
            "a projection's batch: {groups:?}"
        );

        rows.delete_all().await?;
        ensure!(
            rows.insert_arrow(batches).await? == n as u64,
            "every batch written back"
        );
        ensure!(
            rows.select().write_parquet(file.clone()).await? == n as u64,
            "every row to the file"
        );
        let text = rows
            .select()
            .order_by(SimpleRow::number().asc())
            .pretty(2)
            .await?;
        ensure!(
            text.lines().count() == 6 && text.contains("AA"),
            "two rows under a header:\n{text}"
        );

        let small = file.with_file_name("small.parquet");
        let few = rows
            .filter(SimpleRow::number().lt(10))
            .write_parquet(small.clone());
        ensure!(few.await? == 10, "ten rows to the small file");

        let tx = db.begin().await?;
        let in_tx = tx.table::<SimpleRow>().await?;
        in_tx.delete_all().await?;
        ensure!(
            in_tx.insert_parquet(small).await? == 10 && in_tx.count().await? == 10,
            "the small file loads inside a transaction"
        );
        let again = in_tx
            .select()
            .write_parquet(file.with_file_name("tx.parquet"));
        ensure!(again.await? == 10, "and a result is written there");
        let mut stream = in_tx.select().arrow();
        match stream.next().await {
            Some(Err(e)) if e.kind() == ErrorKind::InvalidInput => {}
            other => return Err(format!("arrow() in a transaction gave {other:?}").into()),
        }
        tx.rollback().await?;
        ensure!(
            rows.count().await? == n as u64,
            "the rollback undid the delete and the load"
        );
        rows.delete_all().await?;
        ensure!(
            rows.insert_parquet(file).await? == n as u64 && rows.count().await? == n as u64,
            "the whole file loads"
        );
        Ok(())
    })
}

/// The sync API called from inside tokio, as code written before a service went async does:
/// from a task on a multi-threaded runtime, from `block_on` and a task of a current-thread
/// runtime, and from `spawn_blocking`. Each call works and gives the sync answer, on every
/// backend (PostgreSQL's blocking client used to panic: "Cannot start a runtime from within a
/// runtime").
pub fn sync_calls_inside_a_runtime_work(t: &TestDb) -> CaseResult {
    fn sync_work(db: &anytable::Database, tag: &str) -> Result<(), String> {
        let run = || -> anytable::Result<()> {
            let rows = db.table::<SimpleRow>()?;
            let mut row = SimpleRow::new(tag, 1);
            rows.insert(&mut row)?;
            let found = rows.get(row.id)?;
            if found.as_ref().map(|r| r.process.as_str()) != Some(tag) {
                return Err(anytable::Error::new(
                    ErrorKind::Other,
                    "get did not find it",
                ));
            }
            db.transaction(|tx| {
                let mut row = SimpleRow::new(tag, 2);
                tx.table::<SimpleRow>()?.insert(&mut row)
            })?;
            let n: Option<i64> = db.query_scalar(
                "SELECT COUNT(*) FROM simple_rows WHERE process = ?",
                &[Value::from(tag)],
            )?;
            if n != Some(2) {
                return Err(anytable::Error::new(
                    ErrorKind::Other,
                    format!("counted {n:?} rows, not 2"),
                ));
            }
            Ok(())
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("{tag}: {e}")),
            Err(panic) => Err(format!(
                "{tag}: panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(not a string)")
            )),
        }
    }
    let db = t.db.clone();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let task_db = db.clone();
    multi.block_on(multi.spawn(async move { sync_work(&task_db, "multi-task") }))??;
    let blocking_db = db.clone();
    multi.block_on(multi.spawn_blocking(move || sync_work(&blocking_db, "multi-blocking")))??;
    multi.block_on(async { sync_work(&db, "multi-block-on") })?;
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    current.block_on(async { sync_work(&db, "current-block-on") })?;
    let task_db = db.clone();
    current.block_on(current.spawn(async move { sync_work(&task_db, "current-task") }))??;
    Ok(())
}

/// A thousand tasks on a runtime of 2 workers, far more than the pool has connections (8):
/// each inserts a row on its own, one in a transaction it commits and one in a transaction it
/// rolls back, then reads its rows back. Tasks beyond the pool's size wait as tasks for a turn,
/// not as blocked threads; statements outside a transaction, pipelined on shared sessions where
/// the backend has them (PostgreSQL), interleave with the transactions and never land in one:
/// every committed row is there exactly once, no rolled-back row is, and no call fails.
pub fn thousand_tasks_share_the_pool(t: &TestDb) -> CaseResult {
    let tasks = writer_threads(t, 1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let pool = crate::fixtures::with_option(&t.url, "pool_size", "8");
    let db = AsyncDatabase::from(anytable::Database::open(&pool)?);
    let all = runtime.block_on(async move {
        let rows = db.table::<SimpleRow>().await?;
        let handles: Vec<_> = (0..tasks)
            .map(|task| {
                let (db, rows) = (db.clone(), rows.clone());
                tokio::spawn(async move {
                    let process = format!("T{task}");
                    let (id, _) = rows.insert(SimpleRow::new(&process, 0)).await?;
                    let p = process.clone();
                    db.transaction_with_retry(10, move |tx| {
                        let p = p.clone();
                        async move {
                            let table = tx.table::<SimpleRow>().await?;
                            table.insert(SimpleRow::new(&p, 1)).await.map(drop)
                        }
                    })
                    .await?;
                    {
                        // Its connection goes back to the pool once these are dropped.
                        let undone = db.begin().await?;
                        let table = undone.table::<SimpleRow>().await?;
                        table.insert(SimpleRow::new(&process, 2)).await?;
                        undone.rollback().await?;
                    }
                    let found = rows.get(id).await?.map(|r| r.process);
                    let mine = rows
                        .filter(SimpleRow::process().eq(process.as_str()))
                        .count()
                        .await?;
                    Ok::<_, anytable::Error>((found == Some(process), mine))
                })
            })
            .collect();
        let mut failures = Vec::new();
        for handle in handles {
            match handle.await? {
                Ok((true, 2)) => {}
                Ok((found, mine)) => {
                    failures.push(format!("found own row: {found}, own rows: {mine}"))
                }
                Err(e) => failures.push(e.to_string()),
            }
        }
        ensure!(
            failures.is_empty(),
            "{} of {tasks} tasks went wrong: {:?}",
            failures.len(),
            &failures[..failures.len().min(3)]
        );
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(rows.select().all().await?)
    })?;
    every_row_once(&all, tasks * 2)
}
