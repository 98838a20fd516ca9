//! The async API outside the conformance suite: no runtime, a current-thread runtime, panics.
#![cfg(all(feature = "async", feature = "sqlite"))]

use anytable::{AsyncDatabase, ErrorKind, Record};
use futures_util::{FutureExt, StreamExt};

#[derive(Record, Debug, Clone, PartialEq)]
struct Item {
    #[anytable(id)]
    id: i64,
    name: String,
}

#[test]
fn outside_a_runtime_is_a_typed_error_not_a_panic() {
    let opened = AsyncDatabase::open("sqlite::memory:")
        .now_or_never()
        .expect("fails at once");
    assert_eq!(opened.unwrap_err().kind(), ErrorKind::Unsupported);

    let db = AsyncDatabase::from(anytable::Database::open("sqlite::memory:").unwrap());
    let counted = db.execute("SELECT 1", Vec::new()).now_or_never();
    assert_eq!(counted.unwrap().unwrap_err().kind(), ErrorKind::Unsupported);
}

#[test]
fn a_current_thread_runtime_works_too() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = AsyncDatabase::open("sqlite::memory:").await.unwrap();
        let items = db.table::<Item>().await.unwrap();
        let batch: Vec<Item> = (0..1000)
            .map(|i| Item {
                id: 0,
                name: format!("n{i}"),
            })
            .collect();
        assert_eq!(items.insert_many(batch).await.unwrap(), 1000);
        let (id, item) = items
            .insert(Item {
                id: 0,
                name: "last".into(),
            })
            .await
            .unwrap();
        assert_eq!(items.get(id).await.unwrap(), Some(item));
        let streamed: Vec<Item> = items.select().stream().map(|r| r.unwrap()).collect().await;
        assert_eq!(streamed.len(), 1001);
        // Stopping early leaves the database usable.
        let first_two: Vec<_> = items.select().stream().take(2).collect().await;
        assert_eq!(first_two.len(), 2);
        assert_eq!(items.count().await.unwrap(), 1001);
    });
}

/// Stands for application code that panics.
fn application_bug() -> anytable::Result<()> {
    panic!("the application panics mid-transaction")
}

#[test]
fn a_panic_inside_a_transaction_rolls_it_back() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime
        .block_on(AsyncDatabase::open("sqlite::memory:"))
        .unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(db.transaction(|tx| async move {
            let items = tx.table::<Item>().await?;
            items
                .insert(Item {
                    id: 0,
                    name: "in the tx".into(),
                })
                .await?;
            application_bug()
        }))
    }));
    assert!(caught.is_err(), "the panic propagated");
    // The transaction was rolled back when the panic dropped it.
    let items = runtime.block_on(db.table::<Item>()).unwrap();
    assert_eq!(runtime.block_on(items.count()).unwrap(), 0);
}

/// Version 2 of `Item`: one new nullable field.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "item")]
struct ItemV2 {
    #[anytable(id)]
    id: i64,
    name: String,
    note: Option<String>,
}

#[test]
fn migrations_adoption_and_copies_run_off_the_runtime_too() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let source = AsyncDatabase::open("sqlite::memory:").await.unwrap();
        let items = source.table::<Item>().await.unwrap();
        items
            .insert(Item {
                id: 0,
                name: "a".into(),
            })
            .await
            .unwrap();
        let plan = source.migration_plan::<ItemV2>().await.unwrap();
        assert_eq!(plan.changes.len(), 1, "{plan:?}");
        assert_eq!(source.migrate::<ItemV2>().await.unwrap(), plan);
        let target = AsyncDatabase::open("sqlite::memory:").await.unwrap();
        assert_eq!(target.copy_from::<ItemV2>(&source).await.unwrap(), 1);
        let adopted = target.adopt::<Item>().await.unwrap();
        let names: Vec<String> = adopted
            .select()
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["a"]);
    });
}

/// A task waiting for a connection waits as a task, not on a thread: with one blocking thread
/// and a pool of one, a task queued behind an open transaction must not hold that thread, or
/// the transaction could not commit until the queued task gave up (pool_timeout). It also
/// works in a runtime without tokio's timers, and a turn that never comes fails as the pool
/// does.
#[test]
fn tasks_queue_for_the_pool_without_holding_threads() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = AsyncDatabase::open("sqlite::memory:?pool_size=1&pool_timeout=2")
            .await
            .unwrap();
        let items = db.table::<Item>().await.unwrap();
        let tx = db.begin().await.unwrap();
        tx.table::<Item>()
            .await
            .unwrap()
            .insert(Item {
                id: 0,
                name: "a".into(),
            })
            .await
            .unwrap();
        let queued = tokio::spawn({
            let items = items.clone();
            async move { items.count().await }
        });
        // Let the queued task start waiting.
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        let started = std::time::Instant::now();
        tx.commit().await.unwrap();
        drop(tx);
        let committed_in = started.elapsed();
        assert_eq!(
            queued.await.unwrap().unwrap(),
            1,
            "the queued count ran after the commit"
        );
        assert!(
            committed_in < std::time::Duration::from_secs(1),
            "the commit waited {committed_in:?} behind a task queued for the pool"
        );

        // A turn that never comes: the same error the pool gives, after pool_timeout.
        let held = db.begin().await.unwrap();
        let started = std::time::Instant::now();
        let err = items.count().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(err.message().contains("pool of 1"), "{err}");
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(2),
            "waited pool_timeout"
        );
        held.rollback().await.unwrap();
    });
}
