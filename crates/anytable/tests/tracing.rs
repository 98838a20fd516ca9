//! Statement tracing: one span per statement with backend, SQL, rows and duration; bound values
//! only when asked; slow statements and long pool waits at WARN.
#![cfg(feature = "sqlite")]

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use anytable::{Database, Record, TraceOptions};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Record, Debug)]
struct Item {
    #[anytable(id)]
    id: i64,
    name: String,
}

/// Everything the subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Makes the tests of this file run one at a time (hold it for the whole test), so that one
/// test's statements do not land in another's capture.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` and returns what the subscriber wrote meanwhile, at DEBUG and above.
///
/// One process-wide subscriber: tracing caches each call site's interest across subscribers,
/// and scoped ones on parallel test threads race on that cache.
fn capture(f: impl FnOnce()) -> String {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    let captured = CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("anytable=debug")
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(captured.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        captured
    });
    captured.0.lock().unwrap().clear();
    f();
    captured.text()
}

/// The lines logged at WARN.
fn warnings(log: &str) -> String {
    log.lines()
        .filter(|l| l.contains(" WARN "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_statement_has_a_span_without_values() {
    let _turn = one_at_a_time();
    let db = Database::open("sqlite::memory:").unwrap();
    let items = db.table::<Item>().unwrap();
    let log = capture(|| {
        items
            .insert(&mut Item {
                id: 0,
                name: "secret-value".into(),
            })
            .unwrap();
        assert_eq!(items.count().unwrap(), 1);
        items
            .update(Item::name().eq("nothing"), [Item::name().set("x")])
            .unwrap();
    });
    let spans: Vec<&str> = log.lines().filter(|l| l.contains("close")).collect();
    assert_eq!(spans.len(), 3, "one span per statement:\n{log}");
    assert!(
        spans[0].contains(r#"backend="sqlite""#) && spans[0].contains("INSERT INTO"),
        "{log}"
    );
    assert!(
        spans[1].contains("COUNT(*)") && spans[1].contains("rows=1"),
        "{log}"
    );
    assert!(
        spans[2].contains("UPDATE") && spans[2].contains("rows=0"),
        "{log}"
    );
    assert!(spans.iter().all(|s| s.contains("duration_us=")), "{log}");
    assert!(
        !log.contains("secret-value"),
        "bound values stay out of logs:\n{log}"
    );
}

#[test]
fn values_are_logged_when_asked() {
    let _turn = one_at_a_time();
    let db = Database::open("sqlite::memory:").unwrap();
    let items = db.table::<Item>().unwrap();
    db.set_trace_options(TraceOptions {
        log_values: true,
        ..TraceOptions::default()
    });
    let log = capture(|| {
        items
            .insert(&mut Item {
                id: 0,
                name: "visible-value".into(),
            })
            .unwrap();
    });
    assert!(
        log.contains("params=") && log.contains("visible-value"),
        "{log}"
    );
}

#[test]
fn failed_statements_record_their_error() {
    let _turn = one_at_a_time();
    let db = Database::open("sqlite::memory:").unwrap();
    let log = capture(|| {
        assert!(db.execute("SELECT * FROM no_such_table", &[]).is_err());
    });
    assert!(
        log.contains("error=") && log.contains("no_such_table"),
        "{log}"
    );
}

#[test]
fn slow_statements_warn_and_fast_ones_do_not() {
    let _turn = one_at_a_time();
    let db = Database::open("sqlite::memory:").unwrap();
    let items = db.table::<Item>().unwrap();
    let quiet = warnings(&capture(|| {
        items.count().unwrap();
    }));
    assert!(
        quiet.is_empty(),
        "nothing at WARN for a fast statement: {quiet}"
    );
    db.set_trace_options(TraceOptions {
        slow_statement: Some(Duration::ZERO),
        ..TraceOptions::default()
    });
    let slow = warnings(&capture(|| {
        items.count().unwrap();
    }));
    assert!(
        slow.contains("WARN") && slow.contains("slow statement") && slow.contains("COUNT(*)"),
        "{slow}"
    );
    db.set_trace_options(TraceOptions {
        slow_statement: None,
        ..TraceOptions::default()
    });
    let off = warnings(&capture(|| {
        items.count().unwrap();
    }));
    assert!(off.is_empty(), "no warning when switched off: {off}");
}

#[test]
fn long_pool_waits_warn() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?pool_size=1", dir.path().join("t.db").display());
    let db = Database::open(&url).unwrap();
    let items = db.table::<Item>().unwrap();
    db.set_trace_options(TraceOptions {
        slow_pool_wait: Some(Duration::from_millis(50)),
        ..TraceOptions::default()
    });
    let log = warnings(&capture(|| {
        let held = db.connection().unwrap();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| items.count().unwrap());
            std::thread::sleep(Duration::from_millis(200));
            drop(held);
            waiter.join().unwrap();
        });
    }));
    assert!(
        log.contains("WARN") && log.contains("pooled connection") && log.contains("waited_ms"),
        "{log}"
    );
}

/// The close line of the one span whose SQL contains `needle`.
fn closed_span<'l>(log: &'l str, needle: &str) -> &'l str {
    let spans: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("close") && l.contains(needle))
        .collect();
    assert_eq!(spans.len(), 1, "one span for {needle}:\n{log}");
    spans[0]
}

fn items(n: usize) -> Vec<Item> {
    (0..n)
        .map(|i| Item {
            id: 0,
            name: format!("item {i}"),
        })
        .collect()
}

#[test]
fn a_streamed_read_ends_its_span_at_the_last_row_or_when_dropped() {
    let _turn = one_at_a_time();
    let db = Database::open("sqlite::memory:").unwrap();
    let table = db.table::<Item>().unwrap();
    table.insert_many(&items(5)).unwrap();
    let log = capture(|| {
        assert_eq!(table.select().iter().unwrap().count(), 5);
    });
    assert!(closed_span(&log, "SELECT").contains("rows=5"), "{log}");

    let log = capture(|| {
        let mut rows = table.select().iter().unwrap();
        rows.next().unwrap().unwrap();
        rows.next().unwrap().unwrap();
        drop(rows);
    });
    assert!(
        closed_span(&log, "SELECT").contains("rows=2"),
        "a dropped cursor's span counts what was read:\n{log}"
    );
}

#[cfg(all(feature = "duckdb", feature = "arrow"))]
#[test]
fn duckdbs_own_batches_are_counted_by_rows_in_one_span() {
    let _turn = one_at_a_time();
    let db = Database::open("duckdb::memory:").unwrap();
    let table = db.table::<Item>().unwrap();
    table.insert_many(&items(5_000)).unwrap();
    let log = capture(|| {
        let batches = table.select().arrow().unwrap();
        let rows: usize = batches.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 5_000);
    });
    let span = closed_span(&log, "SELECT");
    assert!(
        span.contains(r#"backend="duckdb""#) && span.contains("rows=5000"),
        "{log}"
    );
}
