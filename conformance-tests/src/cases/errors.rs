//! Each error kind produced on purpose and asserted exactly; afterwards everything still works.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anytable::url::redact;
use anytable::{ColumnSchema, ErrorKind, Filter, Record, TableSchema, Value, ValueType};

use crate::records::{Counter, Keyed, LogLine, SimpleRow};
use crate::{ensure, CaseResult, TestDb};

/// Runs a one-row INSERT into `columns` of `schema`'s table, built for the backend's dialect.
pub(crate) fn raw_insert(
    t: &TestDb,
    schema: &TableSchema,
    columns: &[&str],
    values: &[Value],
) -> anytable::Result<u64> {
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let sql = anytable::backend::sql::insert_sql(t.db.dialect(), schema, &columns)?;
    t.db.execute(&sql, values)
}

pub(crate) fn expect_kind<T: std::fmt::Debug>(
    result: anytable::Result<T>,
    kind: ErrorKind,
) -> Result<anytable::Error, String> {
    match result {
        Ok(v) => Err(format!("expected {kind:?}, got Ok({v:?})")),
        Err(e) if e.kind() == kind => Ok(e),
        Err(e) => Err(format!("expected {kind:?}, got {:?}: {e}", e.kind())),
    }
}

/// A duplicate unique key is `UniqueViolation`, not retryable, naming the column.
pub fn unique_violation(t: &TestDb) -> CaseResult {
    let keyed = t.db.table::<Keyed>()?;
    keyed.insert(&mut Keyed::new("dup", "g", 1, 1))?;
    let err = expect_kind(
        keyed.insert(&mut Keyed::new("dup", "g", 2, 2)),
        ErrorKind::UniqueViolation,
    )?;
    ensure!(!err.is_retryable(), "not retryable: {err}");
    ensure!(
        err.backend() == Some(t.db.backend_name()),
        "names the backend: {err}"
    );
    ensure!(err.code().is_some(), "keeps the engine's code: {err}");
    ensure!(err.column() == Some("key"), "names the column: {err}");
    expect_kind(
        keyed.insert(&mut Keyed::new("other", "g", 1, 3)),
        ErrorKind::UniqueViolation,
    )?;
    keyed.insert(&mut Keyed::new("fine", "g", 3, 4))?;
    ensure!(keyed.count()? == 2, "only the good rows");
    Ok(())
}

/// NULL into a NOT NULL column is `NotNullViolation`, naming the column.
pub fn not_null_violation(t: &TestDb) -> CaseResult {
    t.db.table::<SimpleRow>()?;
    let result = raw_insert(
        t,
        SimpleRow::schema(),
        &["process", "number"],
        &[Value::Null, Value::I64(1)],
    );
    let err = expect_kind(result, ErrorKind::NotNullViolation)?;
    ensure!(err.column() == Some("process"), "names the column: {err}");
    Ok(())
}

fn two_columns(table: &str, second: &str) -> TableSchema {
    TableSchema::new(
        table,
        vec![
            ColumnSchema::new("id", ValueType::I64, false),
            ColumnSchema::new(second, ValueType::I64, true),
        ],
    )
}

/// A row failing a CHECK constraint is `CheckViolation`.
pub fn check_violation(t: &TestDb) -> CaseResult {
    t.db.execute(
        r#"CREATE TABLE "checked" ("id" BIGINT PRIMARY KEY, "n" BIGINT CHECK ("n" > 0))"#,
        &[],
    )?;
    let schema = two_columns("checked", "n");
    raw_insert(t, &schema, &["id", "n"], &[Value::I64(1), Value::I64(5)])?;
    let result = raw_insert(t, &schema, &["id", "n"], &[Value::I64(2), Value::I64(-5)]);
    expect_kind(result, ErrorKind::CheckViolation)?;
    Ok(())
}

/// A row referencing a missing parent is `ForeignKeyViolation`.
pub fn foreign_key_violation(t: &TestDb) -> CaseResult {
    t.db.execute(r#"CREATE TABLE "fk_parent" ("id" BIGINT PRIMARY KEY)"#, &[])?;
    t.db.execute(
        r#"CREATE TABLE "fk_child" ("id" BIGINT PRIMARY KEY, "parent" BIGINT REFERENCES "fk_parent" ("id"))"#,
        &[],
    )?;
    let parent = TableSchema::new(
        "fk_parent",
        vec![ColumnSchema::new("id", ValueType::I64, false)],
    );
    raw_insert(t, &parent, &["id"], &[Value::I64(1)])?;
    let child = two_columns("fk_child", "parent");
    raw_insert(
        t,
        &child,
        &["id", "parent"],
        &[Value::I64(1), Value::I64(1)],
    )?;
    let result = raw_insert(
        t,
        &child,
        &["id", "parent"],
        &[Value::I64(2), Value::I64(999)],
    );
    expect_kind(result, ErrorKind::ForeignKeyViolation)?;
    Ok(())
}

/// An error inside a transaction rolls it back at once: later calls in it are
/// `TransactionAborted`, nothing of it is committed, and the database works afterwards.
pub fn error_aborts_transaction_and_connection_recovers(t: &TestDb) -> CaseResult {
    let keyed = t.db.table::<Keyed>()?;
    keyed.insert(&mut Keyed::new("k0", "g", 0, 0))?;
    let result = t.db.transaction(|tx| {
        let keyed = tx.table::<Keyed>()?;
        keyed.insert(&mut Keyed::new("k1", "g", 1, 1))?;
        let dup = keyed.insert(&mut Keyed::new("k0", "g", 2, 2));
        assert_eq!(
            dup.as_ref().map_err(|e| e.kind()).err(),
            Some(ErrorKind::UniqueViolation)
        );
        let after = keyed.count();
        assert_eq!(
            after.map_err(|e| e.kind()).err(),
            Some(ErrorKind::TransactionAborted)
        );
        Ok("swallowed the errors")
    });
    expect_kind(result, ErrorKind::TransactionAborted)?;
    ensure!(
        keyed.count()? == 1,
        "nothing of the aborted transaction was committed"
    );
    for i in 0..20 {
        keyed.insert(&mut Keyed::new(&format!("after{i}"), "h", i, 0))?;
    }
    t.db.transaction(|tx| {
        tx.table::<Keyed>()?
            .insert(&mut Keyed::new("tx", "t", 0, 0))
    })?;
    ensure!(keyed.count()? == 22, "every pooled connection still works");
    Ok(())
}

/// `delete(Filter::all())` is refused with `InvalidInput`; `delete_all()` is the explicit call.
pub fn delete_all_needs_its_own_call(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("AA", 1))?;
    expect_kind(rows.delete(Filter::all()), ErrorKind::InvalidInput)?;
    ensure!(rows.count()? == 1, "nothing deleted");
    ensure!(rows.delete_all()? == 1, "delete_all deletes");
    Ok(())
}

/// A write to a row another transaction holds fails with the backend's declared
/// `write_contention` kind (retryable), soon; the holder's work commits and the database
/// takes writes afterwards.
///
/// The blocked writer uses a second handle with `timeout=1`, so locking engines give up after a
/// second. An in-memory database cannot be opened twice, so there only optimistic engines (whose
/// error comes at once) run it in full.
pub fn write_contention(t: &TestDb) -> CaseResult {
    let expected = t.db.capabilities().write_contention;
    let counters = t.db.table::<Counter>()?;
    let id = counters.insert(&mut Counter {
        id: 0,
        name: "contended".into(),
        value: 0,
    })?;
    let other = if t.db.capabilities().persistent {
        anytable::Database::open(&crate::fixtures::with_option(&t.url, "timeout", "1"))?
    } else if expected == ErrorKind::Conflict {
        t.db.clone()
    } else {
        t.restricted(
            "in memory: no second handle with a short timeout, so the blocked writer is not run \
             (it would wait the suite's 30 s timeout)",
        );
        return Ok(());
    };
    let (held_tx, held) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let holder = {
        let db = t.db.clone();
        std::thread::spawn(move || {
            db.transaction(|tx| {
                tx.table::<Counter>()?
                    .update(Counter::id().eq(id), [Counter::value().set(1)])?;
                held_tx.send(()).expect("the case waits");
                release.recv().expect("the case releases");
                Ok(())
            })
        })
    };
    held.recv()?;
    let started = Instant::now();
    let blocked = other.transaction(|tx| {
        tx.table::<Counter>()?
            .update(Counter::id().eq(id), [Counter::value().set(2)])
    });
    let waited = started.elapsed();
    release_tx.send(())?;
    holder.join().map_err(|_| "holder panicked")??;
    let err = expect_kind(blocked, expected)?;
    ensure!(err.is_retryable(), "{expected:?} is retryable: {err}");
    ensure!(
        waited < Duration::from_secs(20),
        "gave up soon, not after {waited:?}"
    );
    ensure!(
        counters.get(id)?.ok_or("counter")?.value == 1,
        "the holder's write committed, the blocked one did not"
    );
    other
        .table::<Counter>()?
        .update(Counter::id().eq(id), [Counter::value().set(3)])?;
    ensure!(
        counters.get(id)?.ok_or("counter")?.value == 3,
        "writes work afterwards"
    );
    Ok(())
}

/// A value of the wrong type for its column is `TypeMismatch` naming the column: refused on
/// write where the engine checks types, or on read where it stores what it is given (SQLite).
pub fn type_mismatch_is_reported(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let written = raw_insert(
        t,
        SimpleRow::schema(),
        &["process", "number"],
        &[Value::Text("TM".into()), Value::Text("not a number".into())],
    );
    let err = match written {
        Err(e) => e,
        Ok(_) => match rows.select().all() {
            Ok(v) => return Err(format!("read text as a number: {v:?}").into()),
            Err(e) => {
                ensure!(e.column() == Some("number"), "names the column: {e}");
                e
            }
        },
    };
    ensure!(
        err.kind() == ErrorKind::TypeMismatch,
        "TypeMismatch, got {:?}: {err}",
        err.kind()
    );
    ensure!(!err.is_retryable(), "not retryable: {err}");
    rows.delete_all()?;
    rows.insert(&mut SimpleRow::new("OK", 1))?;
    ensure!(rows.count()? == 1, "the table works afterwards");
    Ok(())
}

/// Fetching by id from a record without an id column is `Unsupported`, before any SQL runs.
pub fn unsupported_operation(t: &TestDb) -> CaseResult {
    let lines = t.db.table::<LogLine>()?;
    lines.insert(&mut LogLine {
        message: "hello".into(),
        level: 1,
    })?;
    let err = expect_kind(lines.get(1), ErrorKind::Unsupported)?;
    ensure!(err.to_string().contains("no id column"), "says why: {err}");
    ensure!(lines.count()? == 1, "the table works afterwards");
    Ok(())
}

/// Opening a database that cannot be reached is a clear error of the right kind, at once:
/// `NotFound` for a file in a directory that does not exist, `Connection` for a server that does
/// not answer.
pub fn unreachable_database_is_a_clear_error(t: &TestDb) -> CaseResult {
    let (scheme, rest) = t.url.split_once(':').ok_or("a URL")?;
    let query = t.url.split_once('?').map_or("", |(_, q)| q);
    let (bad, expected) = match scheme {
        "postgres" | "postgresql" => {
            // Port 1 on this machine: nothing listens there, so the connection is refused.
            let after_host = rest.trim_start_matches('/');
            let path = after_host.split_once('/').map_or("", |(_, p)| p);
            let user = after_host.split_once('@').map_or("", |(u, _)| u);
            let at = if user.is_empty() { "" } else { "@" };
            (
                format!("{scheme}://{user}{at}127.0.0.1:1/{path}"),
                ErrorKind::Connection,
            )
        }
        _ if rest.starts_with(":memory:") => {
            t.restricted("in memory: there is no path or server to get wrong");
            return Ok(());
        }
        _ => {
            let dir = tempfile::tempdir()?;
            let missing = dir.path().join("no").join("such").join("dir").join("x.db");
            (
                format!("{scheme}://{}?{query}", missing.display()),
                ErrorKind::NotFound,
            )
        }
    };
    let started = Instant::now();
    let err = match anytable::Database::open(&bad) {
        Ok(_) => return Err(format!("{} opened", redact(&bad)).into()),
        Err(e) => e,
    };
    ensure!(
        err.kind() == expected,
        "{}: expected {expected:?}, got {:?}: {err}",
        redact(&bad),
        err.kind()
    );
    ensure!(
        started.elapsed() < Duration::from_secs(20),
        "failed at once, not after {:?}",
        started.elapsed()
    );
    ensure!(
        t.db.table::<SimpleRow>()?.count()? == 0,
        "the real database is unaffected"
    );
    Ok(())
}

/// `delete` refuses every filter that is true for every row once constants are folded
/// (`Filter::all() | f`, `!col.is_in([])`, `!!Filter::all()`), not only `Filter::all()` itself;
/// a filter that is false for every row deletes nothing.
pub fn delete_guard_sees_through_simplification(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    let batch: Vec<SimpleRow> = (0..3).map(|i| SimpleRow::new("DG", i)).collect();
    rows.insert_many(&batch)?;
    let n = SimpleRow::number;
    let none: Vec<i64> = Vec::new();
    let every_row: Vec<(&str, Filter<SimpleRow>)> = vec![
        ("Filter::all() | f", Filter::all() | n().eq(1)),
        ("f | Filter::all()", n().eq(1) | Filter::all()),
        ("!is_in([])", !n().is_in(none.clone())),
        ("f | !is_in([])", n().eq(1) | !n().is_in(none.clone())),
        ("!!Filter::all()", !!Filter::all()),
        (
            "Filter::all() & Filter::all()",
            Filter::all() & Filter::all(),
        ),
        ("!(is_in([]) & f)", !(n().is_in(none.clone()) & n().eq(2))),
    ];
    for (what, filter) in every_row {
        let err = expect_kind(rows.delete(filter), ErrorKind::InvalidInput)
            .map_err(|e| format!("delete({what}): {e}"))?;
        ensure!(
            err.message().contains("delete_all"),
            "points to delete_all: {err}"
        );
    }
    ensure!(rows.count()? == 3, "nothing was deleted");
    ensure!(
        rows.delete(n().is_in(none.clone()))? == 0,
        "is_in([]) deletes nothing"
    );
    ensure!(
        rows.delete(!Filter::all() | n().is_in(none))? == 0,
        "a filter false for every row deletes nothing"
    );
    ensure!(
        rows.delete(Filter::all() & n().eq(1))? == 1,
        "all() & f is just f"
    );
    ensure!(rows.count()? == 2, "only that row went");
    Ok(())
}

/// A filter nested deeper than anytable allows, or holding more comparisons than it allows, is
/// `InvalidInput` when it is used, never a stack overflow (while it is built, used or dropped,
/// in anytable or in the engine: DuckDB's optimizer overflowed a 2 MiB stack on an OR of
/// 5,000 factored pairs).
pub fn deep_filters_are_refused_not_overflowed(t: &TestDb) -> CaseResult {
    let rows = t.db.table::<SimpleRow>()?;
    rows.insert(&mut SimpleRow::new("DF", 1))?;
    let n = SimpleRow::number;
    let mut deep = n().eq(1);
    for i in 0..200_000 {
        deep = if i % 2 == 0 { !deep } else { deep | n().eq(i) };
    }
    let err = expect_kind(rows.filter(deep.clone()).count(), ErrorKind::InvalidInput)?;
    ensure!(err.message().contains("deep"), "says why: {err}");
    expect_kind(rows.delete(deep.clone()), ErrorKind::InvalidInput)?;
    expect_kind(
        rows.update(deep, [SimpleRow::number().set(2)]),
        ErrorKind::InvalidInput,
    )?;
    let mut nots = n().eq(1);
    for _ in 0..100_001 {
        nots = !nots;
    }
    ensure!(
        rows.filter(nots).count()? == 0,
        "!x undoes !x: an odd number of nots is one"
    );
    let terms = anytable::MAX_FILTER_TERMS as i64;
    let wide = |pairs: i64| {
        (1..pairs).fold(n().eq(0) & SimpleRow::process().eq("DF"), |f, i| {
            f | (n().eq(i) & SimpleRow::process().eq("DF"))
        })
    };
    ensure!(
        rows.filter(wide(terms / 2)).count()? == 1,
        "an OR of {} pairs ({terms} comparisons, the most allowed) works",
        terms / 2
    );
    let err = expect_kind(rows.filter(wide(5_000)).count(), ErrorKind::InvalidInput)?;
    ensure!(err.message().contains("is_in"), "points to is_in: {err}");
    expect_kind(rows.delete(wide(5_000)), ErrorKind::InvalidInput)?;
    ensure!(rows.count()? == 1, "nothing changed");
    Ok(())
}

/// A text value too long for an index entry is `InvalidInput` naming the column and the limit
/// on a backend that declares one (`max_index_entry_bytes`: PostgreSQL's B-tree), checked before
/// anything is written; backends without a limit store it and find it again.
pub fn long_values_in_indexed_columns(t: &TestDb) -> CaseResult {
    use rand::Rng;
    let keyed = t.db.table::<Keyed>()?;
    let mut rng = rand::rng();
    let random = |rng: &mut rand::rngs::ThreadRng, len: usize| -> String {
        (0..len)
            .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
            .collect()
    };
    let limit = t.db.capabilities().max_index_entry_bytes;
    for len in [3_000, 100_000] {
        let key = random(&mut rng, len);
        let result = keyed.insert(&mut Keyed::new(&key, "g", len as i32, 0));
        match limit {
            Some(limit) => {
                t.restricted(format!(
                    "index entries hold at most {limit} bytes: longer values are InvalidInput (asserted)"
                ));
                let err = expect_kind(result, ErrorKind::InvalidInput)?;
                ensure!(err.column() == Some("key"), "names the column: {err}");
                ensure!(
                    err.message().contains(&limit.to_string()),
                    "states the limit: {err}"
                );
                let bulk = keyed.insert_many([&Keyed::new(&key, "h", 1, 0)]);
                expect_kind(bulk, ErrorKind::InvalidInput)?;
                let group = random(&mut rng, len);
                let err = expect_kind(
                    keyed.insert(&mut Keyed::new("short", &group, 1, 0)),
                    ErrorKind::InvalidInput,
                )?;
                ensure!(
                    err.column() == Some("group_name"),
                    "a unique pair names its column: {err}"
                );
            }
            None => {
                result?;
                ensure!(
                    keyed.filter(Keyed::key().eq(key.clone())).count()? == 1,
                    "a {len}-byte key is found again"
                );
            }
        }
    }
    if let Some(limit) = limit {
        ensure!(keyed.count()? == 0, "nothing was written");
        let fits = random(&mut rng, limit);
        keyed.insert(&mut Keyed::new(&fits, "g", 1, 0))?;
        ensure!(
            keyed.filter(Keyed::key().eq(fits)).count()? == 1,
            "a key of exactly the limit fits"
        );
    }
    Ok(())
}

/// Careless URLs are `InvalidInput`, never a throwaway database, a panic or an abort: an empty
/// location (only `::memory:` means memory), a timeout or pool size out of range.
pub fn careless_urls_are_refused(t: &TestDb) -> CaseResult {
    let parsed = anytable::backend::DatabaseUrl::parse(&t.url)?;
    let scheme = parsed.scheme().to_owned();
    let mut bad: Vec<String> = [
        ("timeout", "-1"),
        ("timeout", "NaN"),
        ("timeout", "inf"),
        ("timeout", "100000000"),
        ("timeout", "1e12"),
        ("pool_size", "0"),
        ("pool_size", "100000000"),
        ("pool_size", "-3"),
        ("pool_timeout", "-1"),
        ("pool_timeout", "NaN"),
        ("pool_timeout", "100000000"),
    ]
    .iter()
    .map(|(k, v)| crate::fixtures::with_option(&t.url, k, v))
    .collect();
    if scheme == "postgres" || scheme == "postgresql" {
        t.restricted(
            "a server URL: an empty host means libpq's defaults, not a throwaway database, so only \
             the option ranges are asserted",
        );
    } else {
        bad.extend([
            format!("{scheme}://"),
            format!("{scheme}:"),
            format!("{scheme}://?timeout=5"),
            format!("{scheme}:?pool_size=2"),
        ]);
    }
    for url in &bad {
        match std::panic::catch_unwind(|| anytable::Database::open(url)) {
            Err(_) => return Err(format!("{}: panicked", redact(url)).into()),
            Ok(result) => {
                let err = expect_kind(result, ErrorKind::InvalidInput)
                    .map_err(|e| format!("{}: {e}", redact(url)))?;
                ensure!(!err.message().is_empty(), "{}: a message", redact(url));
            }
        }
    }
    ensure!(
        t.db.table::<SimpleRow>()?.count()? == 0,
        "the real database is unaffected"
    );
    Ok(())
}

/// A pool that stays dry is the same error on every backend: after `pool_timeout`, a
/// retryable [`ErrorKind::Timeout`] naming the backend and the pool's size; a connection given
/// back in time is handed on, and the pool works again once one is returned.
pub fn a_dry_pool_is_a_retryable_timeout(t: &TestDb) -> CaseResult {
    let url = crate::fixtures::with_option(&t.url, "pool_size", "1");
    let db = anytable::Database::open(&crate::fixtures::with_option(&url, "pool_timeout", "0.3"))?;
    let held = db.connection()?;
    let started = std::time::Instant::now();
    let err = expect_kind(db.connection().map(drop), ErrorKind::Timeout)?;
    let waited = started.elapsed();
    ensure!(
        waited >= std::time::Duration::from_millis(300)
            && waited < std::time::Duration::from_secs(10),
        "waited {waited:?} for a pool_timeout of 0.3 s"
    );
    ensure!(err.is_retryable(), "a dry pool is retryable: {err}");
    ensure!(
        err.backend() == Some(db.backend_name()) && err.message().contains("pool of 1"),
        "names the backend and the pool: {err}"
    );
    let returner = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(held);
    });
    let handed_on = db.connection();
    returner
        .join()
        .map_err(|_| "the returning thread panicked")?;
    ensure!(
        handed_on.is_ok(),
        "a connection given back in time is handed on"
    );
    drop(handed_on);
    ensure!(
        db.table::<SimpleRow>()?.count()? == 0,
        "the pool works again"
    );
    Ok(())
}
