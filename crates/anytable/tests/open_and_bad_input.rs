//! Opening databases from URLs, and every kind of bad input, on the SQLite backend.
#![cfg(feature = "sqlite")]

use std::time::{Duration, Instant};

use anytable::{Database, ErrorKind, Record, Value};

#[derive(Record, Debug, Clone, PartialEq)]
struct Item {
    #[anytable(id)]
    id: i64,
    name: String,
    count: i64,
}

fn kind_of(result: anytable::Result<Database>) -> (ErrorKind, String) {
    let err = result.expect_err("must fail");
    (err.kind(), err.to_string())
}

#[test]
fn malformed_urls_are_invalid_input() {
    for url in [
        "",
        "  ",
        "data.db",
        "nosuch://x",
        "sqlite://x.db?timeout=soon",
        "sqlite://x.db?timout=3",
    ] {
        let (kind, message) = kind_of(Database::open(url));
        assert_eq!(kind, ErrorKind::InvalidInput, "{url:?}: {message}");
    }
    let (_, message) = kind_of(Database::open("sqlite://x.db?timout=3"));
    assert!(
        message.contains("timout") && message.contains("timeout"),
        "{message}"
    );
}

#[test]
fn backend_not_compiled_in_names_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let duckdb_url = format!("duckdb://{}/x.duckdb", dir.path().display());
    for (url, feature, compiled_in) in [
        (duckdb_url.as_str(), "duckdb", cfg!(feature = "duckdb")),
        // Port 1 refuses at once: with the feature the error is about the server, not the build.
        (
            "postgres://u@127.0.0.1:1/db",
            "postgres",
            cfg!(feature = "postgres"),
        ),
    ] {
        let result = Database::open(url);
        if compiled_in {
            if let Err(e) = result {
                assert_ne!(e.kind(), ErrorKind::Unsupported, "{url}: {e}");
            }
            continue;
        }
        let (kind, message) = kind_of(result);
        assert_eq!(kind, ErrorKind::Unsupported, "{message}");
        assert!(
            message.contains(&format!("feature \"{feature}\"")),
            "{message}"
        );
    }
}

#[test]
fn unopenable_paths_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}/no/such/dir/x.db", dir.path().display());
    let (kind, message) = kind_of(Database::open(&missing));
    assert_eq!(kind, ErrorKind::NotFound, "{message}");
    assert!(message.contains("does not exist"), "{message}");

    let (kind, message) = kind_of(Database::open(&format!(
        "sqlite://{}",
        dir.path().display()
    )));
    assert_eq!(kind, ErrorKind::InvalidInput, "{message}");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
    let (kind, message) = kind_of(Database::open(&format!("sqlite://{}", garbage.display())));
    assert_eq!(kind, ErrorKind::Connection, "{message}");
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        vec![0x42u8; 8192],
        "the file is left as it was"
    );
}

#[test]
fn a_held_write_lock_gives_busy_after_the_timeout_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.db");
    let holder = Database::open(&format!("sqlite://{}", path.display())).unwrap();
    holder.table::<Item>().unwrap();
    let waiter = Database::open(&format!("sqlite://{}?timeout=0.2", path.display())).unwrap();
    let items = waiter.table::<Item>().unwrap();
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (release_tx, release) = std::sync::mpsc::channel::<()>();
    let holding = std::thread::spawn(move || {
        holder.transaction(|tx| {
            tx.table::<Item>()?.insert(&mut Item {
                id: 0,
                name: "held".into(),
                count: 1,
            })?;
            locked_tx.send(()).unwrap();
            release.recv().unwrap();
            Ok(())
        })
    });
    locked.recv().unwrap();
    let started = Instant::now();
    let err = items
        .insert(&mut Item {
            id: 0,
            name: "blocked".into(),
            count: 2,
        })
        .unwrap_err();
    let waited = started.elapsed();
    release_tx.send(()).unwrap();
    holding.join().unwrap().unwrap();
    assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
    assert!(err.is_retryable());
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    items
        .insert(&mut Item {
            id: 0,
            name: "later".into(),
            count: 3,
        })
        .unwrap();
    assert_eq!(items.count().unwrap(), 2);
}

#[test]
fn a_stored_value_of_the_wrong_type_is_a_type_mismatch_naming_the_column() {
    let db = Database::open("sqlite::memory:").unwrap();
    let items = db.table::<Item>().unwrap();
    // SQLite's dynamic typing lets raw SQL store text in a BIGINT column.
    db.execute(
        r#"INSERT INTO "item" ("name", "count") VALUES (?, ?)"#,
        &[Value::from("x"), Value::from("many")],
    )
    .unwrap();
    let err = items.select().all().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TypeMismatch, "{err}");
    assert_eq!(err.column(), Some("count"), "{err}");
}

#[test]
fn wrong_parameter_count_is_invalid_input() {
    let db = Database::open("sqlite::memory:").unwrap();
    db.table::<Item>().unwrap();
    let err = db
        .execute(
            r#"INSERT INTO "item" ("name", "count") VALUES (?, ?)"#,
            &[Value::from("x")],
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn database_and_table_handles_are_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Database>();
    check::<anytable::TableHandle<'static, Item>>();
}
