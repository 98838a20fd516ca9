//! Fault injection: a backend that runs every statement on another [`Database`] but can make
//! the next COMMIT fail in a chosen way, for cases about what anytable does when the engine's
//! answer to a COMMIT is lost, on every backend (Toasty's driver suite does the same).

use std::sync::{Arc, Mutex};

use anytable::backend::{Backend, BulkInsert, Connection, Dialect, RowSource, Rows, TableInfo};
use anytable::{Capabilities, Database, Error, ErrorKind, Result, Value, ValueType};

/// What the next COMMIT does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitFault {
    /// Commits, as usual.
    None,
    /// Commits, then reports `kind`: the answer was lost after the engine committed (a
    /// connection dropped, a timeout fired).
    CommittedThenFails(ErrorKind),
    /// Rolls back and reports `kind`: the engine refused the commit (a conflict found at
    /// COMMIT), so nothing was written.
    RolledBackAndFails(ErrorKind),
}

/// A backend over `inner` whose next COMMIT fails as [`set`](Self::set) says, once.
pub struct FaultyCommits {
    inner: Database,
    next: Arc<Mutex<CommitFault>>,
}

impl FaultyCommits {
    /// Wraps `inner`; the returned handle arms the next fault.
    pub fn wrap(inner: &Database) -> (Database, Arc<Mutex<CommitFault>>) {
        let next = Arc::new(Mutex::new(CommitFault::None));
        let backend = FaultyCommits {
            inner: inner.clone(),
            next: next.clone(),
        };
        (Database::from_backend(backend), next)
    }
}

impl Backend for FaultyCommits {
    fn name(&self) -> &'static str {
        self.inner.backend_name()
    }
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    fn connect(&self) -> Result<Box<dyn Connection>> {
        Ok(Box::new(FaultyConnection {
            inner: Box::new(self.inner.connection()?),
            next: self.next.clone(),
        }))
    }
}

struct FaultyConnection {
    inner: Box<dyn Connection>,
    next: Arc<Mutex<CommitFault>>,
}

impl Connection for FaultyConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.inner.execute(sql, params)
    }
    fn count_rows(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.inner.count_rows(sql, params)
    }
    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        self.inner.query(sql, params, types)
    }
    fn query_row(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        row: &mut Vec<Value>,
    ) -> Result<bool> {
        self.inner.query_row(sql, params, types, row)
    }
    fn insert_returning_id(
        &mut self,
        plain: &str,
        returning: &str,
        params: &[Value],
    ) -> Result<i64> {
        self.inner.insert_returning_id(plain, returning, params)
    }
    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        self.inner.insert_many(target, rows)
    }
    fn begin(&mut self) -> Result<()> {
        self.inner.begin()
    }
    fn commit(&mut self) -> Result<()> {
        let fault = std::mem::replace(
            &mut *self.next.lock().unwrap_or_else(|e| e.into_inner()),
            CommitFault::None,
        );
        // Retryable, as the backends mark a lost connection, a timeout and a conflict.
        let injected =
            |kind| Error::new(kind, "injected: the answer to COMMIT was lost").with_retryable(true);
        match fault {
            CommitFault::None => self.inner.commit(),
            CommitFault::CommittedThenFails(kind) => {
                self.inner.commit()?;
                Err(injected(kind))
            }
            CommitFault::RolledBackAndFails(kind) => {
                self.inner.rollback()?;
                Err(injected(kind))
            }
        }
    }
    fn rollback(&mut self) -> Result<()> {
        self.inner.rollback()
    }
    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        self.inner.introspect(name)
    }
    fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }
    fn discard(&mut self) {
        self.inner.discard()
    }
}
