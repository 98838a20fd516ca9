//! The native async path on PostgreSQL (`Backend::async_statements`), against the server
//! scripts/test starts (`ANYTABLE_POSTGRES_URL`): which calls take it, and that they answer
//! as the pooled path does. The conformance suite runs every async case through it as well.
#![cfg(all(feature = "async", feature = "postgres"))]

use std::time::Duration;

use anytable::{AsyncDatabase, Database, ErrorKind, Record};

#[derive(Record, Debug, Clone, PartialEq)]
struct Note {
    #[anytable(id)]
    id: i64,
    #[anytable(unique)]
    title: String,
}

fn note(title: &str) -> Note {
    Note {
        id: 0,
        title: title.into(),
    }
}

fn server() -> String {
    std::env::var("ANYTABLE_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("ANYTABLE_POSTGRES_URL is not set: run through scripts/test, which starts a server")
    })
}

/// `server` with `options` added.
fn with(server: &str, options: &str) -> String {
    let separator = if server.contains('?') { '&' } else { '?' };
    format!("{server}{separator}{options}")
}

/// A pool of one connection in a schema of its own; the schema is dropped by `drop_schema`.
fn one_connection(name: &str) -> (Database, String) {
    let server = server();
    let schema = format!("anytable_native_{name}_{}", std::process::id());
    let url = with(
        &server,
        &format!("schema={schema}&pool_size=1&pool_timeout=1"),
    );
    (Database::open(&url).unwrap(), server)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// `insert` and `get` outside a transaction take no pooled connection: they go on while a
/// transaction holds the pool's only one, on both runtime flavours, with the URL's schema;
/// under `with_timeout` they take the pooled path, and wait for the pool as it says.
#[test]
fn inserts_and_lookups_need_no_pooled_connection() {
    let (db, server) = one_connection("pool");
    db.table::<Note>().unwrap();
    let holder = db.begin().unwrap();
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (flavour, runtime) in [("multi", runtime()), ("current", current_thread)] {
        let async_db = AsyncDatabase::from(db.clone());
        let found = runtime.block_on(runtime.spawn(async move {
            let notes = async_db.table::<Note>().await?;
            let (id, written) = notes.insert(note(flavour)).await?;
            let found = notes.get(id).await?;
            Ok::<_, anytable::Error>((written, found))
        }));
        let (written, found) = found.unwrap().unwrap();
        assert_eq!(found, Some(written), "{flavour}");
    }
    let bounded = AsyncDatabase::from(db.clone()).with_timeout(Duration::from_secs(10));
    let runtime = runtime();
    let waited = runtime.block_on(async {
        let notes = bounded.table::<Note>().await?;
        notes.insert(note("bounded")).await
    });
    let err = waited.expect_err("the pool's only connection is held");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    holder.rollback().unwrap();
    drop(holder);
    // The pooled path sees what the native one wrote: the URL's schema, committed.
    let notes = db.table::<Note>().unwrap();
    assert_eq!(notes.count().unwrap(), 2);
    drop((notes, db));
    anytable::postgres::drop_schema(
        &server,
        &format!("anytable_native_pool_{}", std::process::id()),
    )
    .unwrap();
}

/// Errors come back typed as the pooled path's do, and a failed statement leaves the shared
/// session usable for the statements pipelined beside it.
#[test]
fn native_errors_are_typed_and_leave_the_session_usable() {
    let (db, server) = one_connection("errors");
    let async_db = AsyncDatabase::from(db.clone());
    let runtime = runtime();
    runtime.block_on(async {
        let notes = async_db.table::<Note>().await.unwrap();
        notes.insert(note("taken")).await.unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let notes = notes.clone();
                tokio::spawn(async move {
                    // Every fifth one collides with the row above.
                    let title = if i % 5 == 0 {
                        "taken".to_owned()
                    } else {
                        format!("n{i}")
                    };
                    notes.insert(note(&title)).await
                })
            })
            .collect();
        let mut collided = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::UniqueViolation, "{e}");
                    assert_eq!(e.column(), Some("title"), "{e}");
                    collided += 1;
                }
            }
        }
        assert_eq!(collided, 40);
        assert_eq!(notes.count().await.unwrap(), 161);
        assert_eq!(notes.get(i64::MAX).await.unwrap(), None);
    });
    drop((async_db, db));
    anytable::postgres::drop_schema(
        &server,
        &format!("anytable_native_errors_{}", std::process::id()),
    )
    .unwrap();
}

/// `async_sessions=0` sends every async call the pooled way (here: it waits for the pool's
/// only connection, which a transaction holds); a count that is not a number, or more than
/// the pool, is refused when the URL is opened.
#[test]
fn async_sessions_zero_turns_the_native_path_off_and_bad_counts_are_refused() {
    let server = server();
    for bad in [
        "async_sessions=-1",
        "async_sessions=many",
        "pool_size=4&async_sessions=5",
    ] {
        let err = Database::open(&with(&server, bad)).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
        assert!(err.message().contains("async_sessions"), "{bad}: {err}");
    }
    let schema = format!("anytable_native_off_{}", std::process::id());
    let url = with(
        &server,
        &format!("schema={schema}&pool_size=1&pool_timeout=1&async_sessions=0"),
    );
    let db = Database::open(&url).unwrap();
    db.table::<Note>().unwrap();
    let holder = db.begin().unwrap();
    let async_db = AsyncDatabase::from(db.clone());
    let waited = runtime().block_on(async {
        let notes = async_db.table::<Note>().await?;
        notes.insert(note("waits")).await
    });
    assert_eq!(waited.unwrap_err().kind(), ErrorKind::Timeout);
    drop(holder);
    drop((async_db, db));
    anytable::postgres::drop_schema(&server, &schema).unwrap();
}

/// On a current-thread runtime a `block_on` future is not a task, and nothing need be driving
/// the runtime a native session's connection would run on (`Handle::block_on` from another
/// thread does not): such calls take the pooled path, here waiting for the pool's only
/// connection, while the same call in a task of that runtime goes native.
#[test]
fn a_block_on_future_of_a_current_thread_runtime_takes_the_pool() {
    let (db, server) = one_connection("block_on");
    db.table::<Note>().unwrap();
    let holder = db.begin().unwrap();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_db = AsyncDatabase::from(db.clone());
    let notes = current.block_on(async_db.table::<Note>()).unwrap();
    let in_block_on = current.block_on(notes.insert(note("in block_on")));
    assert_eq!(in_block_on.unwrap_err().kind(), ErrorKind::Timeout);
    let in_task =
        current.block_on(current.spawn(async move { notes.insert(note("in a task")).await }));
    assert!(in_task.unwrap().is_ok());
    drop(holder);
    drop((async_db, db));
    anytable::postgres::drop_schema(
        &server,
        &format!("anytable_native_block_on_{}", std::process::id()),
    )
    .unwrap();
}
