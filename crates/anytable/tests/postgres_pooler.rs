//! PostgreSQL behind PgBouncer in transaction mode (`pooler=transaction`), against the
//! throwaway PgBouncer scripts/test starts in front of its server (`ANYTABLE_PGBOUNCER_URL`):
//! a client's transactions may each run on another server session, so the session's settings
//! are applied per transaction and no prepared statement outlives one. The whole conformance
//! suite runs through it as well (scripts/test).
#![cfg(feature = "postgres")]

use anytable::backend::Connection;
use anytable::{Database, ErrorKind};

fn bouncer() -> String {
    std::env::var("ANYTABLE_PGBOUNCER_URL").unwrap_or_else(|_| {
        panic!(
            "ANYTABLE_PGBOUNCER_URL is not set: run through scripts/test, which starts PgBouncer"
        )
    })
}

/// The settings a session runs with, as the server sees them.
fn settings(
    run: impl Fn(&str) -> anytable::Result<Option<(String, String, String)>>,
) -> (String, String, String) {
    run("SELECT current_schema()::text, current_setting('work_mem'), current_setting('lock_timeout')")
        .unwrap()
        .expect("one row")
}

#[test]
fn pooler_settings_hold_in_every_transaction() {
    let schema = format!("anytable_pooler_{}", std::process::id());
    let db = Database::open(&format!(
        "{}&schema={schema}&timeout=3&options=-c%20work_mem%3D8MB",
        bouncer()
    ))
    .unwrap();
    let expected = (schema.clone(), "8MB".to_owned(), "3s".to_owned());
    // Outside a transaction (anytable wraps one around the statement) and inside one, many
    // times over: each may land on another server session.
    for _ in 0..20 {
        assert_eq!(settings(|sql| db.query_one(sql, &[])), expected);
        let inside = db
            .transaction(|tx| Ok(settings(|sql| tx.query_one(sql, &[]))))
            .unwrap();
        assert_eq!(inside, expected);
    }
    // A BEGIN sent as SQL gets them too.
    let mut conn = db.connection().unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    let mut out = Vec::new();
    let types = [anytable::ValueType::Text];
    assert!(conn
        .query_row("SELECT current_schema()::text", &[], &types, &mut out)
        .unwrap());
    assert_eq!(out, [anytable::Value::Text(schema.clone())]);
    conn.execute("COMMIT", &[]).unwrap();
    drop(conn);
    anytable::postgres::drop_schema(&bouncer(), &schema).unwrap();
}

#[test]
fn pooler_statement_timeout_holds_behind_it() {
    let db = Database::open(&format!("{}&statement_timeout=200ms", bouncer())).unwrap();
    let err = db.execute("SELECT pg_sleep(2)", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn pooler_no_prepared_statement_outlives_its_use() {
    let db = Database::open(&bouncer()).unwrap();
    let left = db
        .transaction(|tx| {
            for i in 0..50 {
                tx.query_scalar::<i64>(&format!("SELECT {i}::bigint"), &[])?;
            }
            // Only this statement itself is prepared now: each one before was closed.
            tx.query_scalar::<i64>("SELECT count(*) FROM pg_prepared_statements", &[])
        })
        .unwrap();
    assert_eq!(left, Some(1));
}

#[test]
fn pooler_is_named_when_pgbouncer_refuses_a_direct_session() {
    // Without pooler=transaction, anytable sends its settings as startup options, which
    // PgBouncer refuses; the error says what to add.
    let url = bouncer().replace("pooler=transaction", "pooler=none");
    let err = Database::open(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().contains("pooler=transaction"), "{err}");
}

#[test]
fn pooler_bad_modes_say_why() {
    let err =
        Database::open(&bouncer().replace("pooler=transaction", "pooler=statement")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}

/// Behind a PgBouncer that ignores startup options (`ignore_startup_parameters = options`,
/// common in production) a URL without `pooler=transaction` is refused at connect, naming
/// what to add: the session showed none of anytable's settings, and prepared statements would
/// have met other processes' on shared server sessions (`prepared statement "s16" does not
/// exist`, or worse, another's statement run). With `pooler=transaction` it works.
#[test]
fn pooler_ignoring_startup_options_is_detected() {
    let lenient = std::env::var("ANYTABLE_PGBOUNCER_LENIENT_URL").unwrap_or_else(|_| {
        panic!("ANYTABLE_PGBOUNCER_LENIENT_URL is not set: run through scripts/test")
    });
    let err = Database::open(&lenient).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().contains("pooler=transaction"), "{err}");
    let joiner = if lenient.contains('?') { '&' } else { '?' };
    let db = Database::open(&format!("{lenient}{joiner}pooler=transaction")).unwrap();
    assert_eq!(db.query_scalar::<i32>("SELECT 1", &[]).unwrap(), Some(1));
}
