//! The whole conformance suite on PostgreSQL, each test in a schema of its own on the server
//! named by `ANYTABLE_POSTGRES_URL` (scripts/test starts a throwaway one).
#![cfg(feature = "postgres")]

anytable_conformance::conformance_tests!(postgres, anytable_conformance::fixtures::postgres);
anytable_conformance::worker_entry!();

/// Sessions killed on the server (as by a restart) are replaced: after a second the pool pings
/// idle connections before use, so no operation sees a dead one.
#[test]
fn pool_survives_terminated_sessions_on_postgres() {
    use anytable_conformance::records::SimpleRow;
    let t = anytable_conformance::fixtures::postgres();
    let name = format!("anytable_restart_{}", std::process::id());
    let db = anytable::Database::open(&anytable_conformance::fixtures::with_option(
        &t.url,
        "application_name",
        &name,
    ))
    .unwrap();
    let rows = db.table::<SimpleRow>().unwrap();
    let fill = |tag: &'static str| {
        std::thread::scope(|scope| {
            for i in 0..4 {
                let rows = rows.clone();
                scope.spawn(move || {
                    for n in 0..25 {
                        rows.insert(&mut SimpleRow::new(tag, i * 100 + n)).unwrap();
                    }
                });
            }
        });
    };
    fill("before");
    let server = anytable_conformance::fixtures::postgres_server_url();
    let server = server.split('?').next().unwrap();
    let terminated = std::process::Command::new("psql")
        .args([
            server,
            "-tAc",
            &format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{name}'"
            ),
        ])
        .output()
        .expect("psql runs");
    let killed: i64 = String::from_utf8_lossy(&terminated.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(killed >= 1, "sessions were terminated: {terminated:?}");
    std::thread::sleep(std::time::Duration::from_millis(1200));
    fill("after");
    assert_eq!(rows.count().unwrap(), 200);
}

/// The async API owns its PostgreSQL pool entirely inside a multi-threaded runtime: opened,
/// used from many tasks, a transaction left open, and every handle dropped on worker threads.
/// The blocking client underneath runs a small runtime of its own, which must never be entered
/// or dropped on a worker thread (tokio panics); nothing here may panic or hang.
#[test]
fn async_pool_lives_and_dies_inside_a_runtime_on_postgres() {
    use anytable::AsyncDatabase;
    use anytable_conformance::records::SimpleRow;
    let t = anytable_conformance::fixtures::postgres();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = t.url.clone();
    let count = runtime.block_on(async move {
        // Spawned, so that everything below runs and is dropped on a worker thread.
        tokio::spawn(async move {
            let db = AsyncDatabase::open(&url).await.unwrap();
            let rows = db.table::<SimpleRow>().await.unwrap();
            let tasks: Vec<_> = (0..16)
                .map(|i| {
                    let rows = rows.clone();
                    tokio::spawn(async move { rows.insert(SimpleRow::new("A", i)).await })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
            let open = db.begin().await.unwrap();
            open.table::<SimpleRow>()
                .await
                .unwrap()
                .insert(SimpleRow::new("ROLLED BACK", 0))
                .await
                .unwrap();
            drop(open);
            let count = rows.count().await.unwrap();
            drop(rows);
            drop(db);
            count
        })
        .await
        .unwrap()
    });
    assert_eq!(count, 16);
    drop(runtime);
    let rows = t.db.table::<SimpleRow>().unwrap();
    assert_eq!(
        rows.count().unwrap(),
        16,
        "the dropped transaction rolled back"
    );
}

/// A value is bound only as a parameter type that holds it: a date, a boolean, bytes, a UUID
/// or JSON where the server inferred an integer (or any other type) is `TypeMismatch`, not the
/// date's day count (or the value's bytes) read as that type.
#[test]
fn binds_follow_the_inferred_type_on_postgres() {
    use anytable::{ErrorKind, Value};
    let t = anytable_conformance::fixtures::postgres();
    let day = anytable::chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    for value in [
        Value::Date(day),
        Value::Bool(true),
        Value::Bytes(vec![0, 0, 0, 7]),
        Value::Uuid(anytable::uuid::Uuid::from_u128(7)),
        Value::Json(anytable::serde_json::json!(7)),
    ] {
        let read =
            t.db.query_scalar::<i64>("SELECT $1::int4 + 0", std::slice::from_ref(&value));
        let err = read.expect_err(&format!("{value:?} bound as an int4"));
        assert_eq!(err.kind(), ErrorKind::TypeMismatch, "{value:?}: {err}");
    }
    // Where the type is the value's own, it binds as before.
    let same =
        t.db.query_scalar::<bool>("SELECT $1::date = DATE '2024-01-02'", &[Value::Date(day)])
            .unwrap();
    assert_eq!(same, Some(true));
}

/// A write the server refuses as read-only (25006), as every write to a primary demoted by a
/// failover is, discards the session: the pool does not lend it again. With
/// `target_session_attrs=read-write` the error is retryable, and `transaction_with_retry`
/// succeeds on a new session. The demotion is played by turning the one pooled session
/// read-only.
#[test]
fn a_session_refusing_writes_is_discarded_on_postgres() {
    use anytable_conformance::records::SimpleRow;
    let t = anytable_conformance::fixtures::postgres();
    for seeks_writable in [true, false] {
        let mut url = anytable_conformance::fixtures::with_option(&t.url, "pool_size", "1");
        if seeks_writable {
            url = anytable_conformance::fixtures::with_option(
                &url,
                "target_session_attrs",
                "read-write",
            );
        }
        let db = anytable::Database::open(&url).unwrap();
        let rows = db.table::<SimpleRow>().unwrap();
        rows.insert(&mut SimpleRow::new("before", 1)).unwrap();
        db.query_scalar::<String>(
            "SELECT set_config('default_transaction_read_only', 'on', false)",
            &[],
        )
        .unwrap();
        let mut runs = 0;
        let written = db.transaction_with_retry(3, |tx| {
            runs += 1;
            tx.table::<SimpleRow>()?
                .insert(&mut SimpleRow::new("after", 2))
        });
        if seeks_writable {
            written.unwrap();
            assert_eq!(runs, 2, "the retry ran on a new session");
        } else {
            let err = written.unwrap_err();
            assert_eq!(err.code(), Some("25006"), "{err}");
            assert!(!err.is_retryable(), "one host, read-only: {err}");
            // The read-only session was not lent again.
            rows.insert(&mut SimpleRow::new("again", 3)).unwrap();
        }
    }
}
