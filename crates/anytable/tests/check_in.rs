//! The check-in rule every backend gets from core: a connection never goes back to its pool
//! inside a transaction. A scripted backend makes each way of leaving one open happen on purpose
//! (a COMMIT that fails and leaves the transaction open, as SQLite does after a deferred
//! constraint; a `begin` without an end; a rollback that fails) and records what anytable did.

use std::sync::{Arc, Mutex};

use anytable::backend::{Backend, BulkInsert, Connection, Dialect, RowSource, Rows, TableInfo};
use anytable::{Capabilities, Database, Error, ErrorKind, Record, Result, Value, ValueType};

/// What the scripted connection was asked to do, shared with the test.
#[derive(Default, Debug)]
struct Log {
    in_transaction: bool,
    rollbacks: usize,
    discarded: usize,
    fail_commit: bool,
    fail_rollback: bool,
}

struct Scripted(Arc<Mutex<Log>>);

impl Scripted {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.0.lock().unwrap()
    }
}

impl Backend for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn dialect(&self) -> &dyn Dialect {
        &anytable::backend::sql::StandardSql
    }
    fn capabilities(&self) -> &Capabilities {
        static CAPABILITIES: std::sync::LazyLock<Capabilities> = std::sync::LazyLock::new(|| {
            let mut c = Capabilities::none();
            c.concurrent_writers = true;
            c.multi_process_writers = false;
            c.persistent = false;
            c.stores_nan = false;
            c.transactional_ddl = true;
            c.readers_wait_for_writers = false;
            c.write_contention = ErrorKind::Busy;
            c.max_index_entry_bytes = None;
            c.case_insensitive_like = true;
            c
        });
        &CAPABILITIES
    }
    fn connect(&self) -> Result<Box<dyn Connection>> {
        Ok(Box::new(Scripted(Arc::clone(&self.0))))
    }
}

impl Connection for Scripted {
    fn execute(&mut self, _: &str, _: &[Value]) -> Result<u64> {
        Ok(1)
    }
    fn query<'c>(
        &'c mut self,
        _: &str,
        _: &[Value],
        _: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        struct NoRows;
        impl Rows for NoRows {
            fn next(&mut self) -> Result<Option<&mut [Value]>> {
                Ok(None)
            }
        }
        Ok(Box::new(NoRows))
    }
    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        let in_transaction = self.in_transaction();
        anytable::backend::atomically(self, in_transaction, |this| {
            anytable::backend::insert_one_by_one(this, target.insert_sql, rows)
        })
    }
    fn begin(&mut self) -> Result<()> {
        self.log().in_transaction = true;
        Ok(())
    }
    fn commit(&mut self) -> Result<()> {
        let mut log = self.log();
        if log.fail_commit {
            // Still open afterwards, as SQLite leaves it after a deferred constraint fails.
            return Err(Error::new(
                ErrorKind::ForeignKeyViolation,
                "deferred check failed",
            ));
        }
        log.in_transaction = false;
        Ok(())
    }
    fn rollback(&mut self) -> Result<()> {
        let mut log = self.log();
        log.rollbacks += 1;
        if log.fail_rollback {
            return Err(Error::new(ErrorKind::Connection, "the connection broke"));
        }
        log.in_transaction = false;
        Ok(())
    }
    fn introspect(&mut self, _: &str) -> Result<Option<TableInfo>> {
        // The table "exists" only inside the transaction that creates it.
        Ok(self.log().in_transaction.then(|| TableInfo {
            name: "items".into(),
            columns: Vec::new(),
            indexes: Vec::new(),
        }))
    }
    fn in_transaction(&self) -> bool {
        self.log().in_transaction
    }
    fn discard(&mut self) {
        self.log().discarded += 1;
    }
}

#[derive(Record, Debug)]
#[anytable(table = "items")]
struct Item {
    name: String,
}

fn scripted() -> (Database, Arc<Mutex<Log>>) {
    let log = Arc::new(Mutex::new(Log::default()));
    (Database::from_backend(Scripted(Arc::clone(&log))), log)
}

#[test]
fn a_failed_commit_while_creating_a_table_is_rolled_back() {
    let (db, log) = scripted();
    log.lock().unwrap().fail_commit = true;
    let Err(err) = db.table::<Item>() else {
        panic!("the commit fails");
    };
    assert_eq!(err.kind(), ErrorKind::ForeignKeyViolation);
    let log = log.lock().unwrap();
    assert!(!log.in_transaction, "rolled back: {log:?}");
    assert!(log.rollbacks >= 1 && log.discarded == 0, "{log:?}");
}

/// `atomically` (how backends make `insert_many` all or nothing): a COMMIT that fails and
/// leaves the transaction open is rolled back.
#[test]
fn a_failed_atomic_commit_is_rolled_back() {
    let log = Arc::new(Mutex::new(Log {
        fail_commit: true,
        ..Log::default()
    }));
    let mut conn = Scripted(Arc::clone(&log));
    let result = anytable::backend::atomically(&mut conn, false, |_| Ok(()));
    assert_eq!(result.unwrap_err().kind(), ErrorKind::ForeignKeyViolation);
    let log = log.lock().unwrap();
    assert!(!log.in_transaction && log.rollbacks == 1, "{log:?}");
}

#[test]
fn a_connection_returned_inside_a_transaction_is_rolled_back() {
    let (db, log) = scripted();
    db.connection().unwrap().begin().unwrap();
    let log = log.lock().unwrap();
    assert!(!log.in_transaction, "{log:?}");
    assert_eq!((log.rollbacks, log.discarded), (1, 0));
}

#[test]
fn a_connection_that_cannot_be_rolled_back_is_discarded() {
    let (db, log) = scripted();
    log.lock().unwrap().fail_rollback = true;
    db.connection().unwrap().begin().unwrap();
    let log = log.lock().unwrap();
    assert_eq!((log.rollbacks, log.discarded), (1, 1), "{log:?}");
}

#[test]
fn a_clean_connection_is_returned_untouched() {
    let (db, log) = scripted();
    let mut conn = db.connection().unwrap();
    conn.begin().unwrap();
    conn.commit().unwrap();
    drop(conn);
    let log = log.lock().unwrap();
    assert_eq!((log.rollbacks, log.discarded), (0, 0), "{log:?}");
}
