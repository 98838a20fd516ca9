//! Statement tracing: a `tracing` span per statement, warnings for slow statements and for
//! long waits on the connection pool.
//!
//! Every statement run through a [`Database`](crate::Database) (the typed API, `execute`, a
//! transaction, a connection from [`Database::connection`](crate::Database::connection)) gets a
//! span named `statement` with target `anytable` at DEBUG level, carrying the backend, the kind
//! of call (`op`), the SQL text, the rows it changed or returned, how long it took in
//! microseconds, and the error if it failed. Bound values are left out unless
//! [`TraceOptions::log_values`] is set, since they are often personal data. Statements slower
//! than [`TraceOptions::slow_statement`] and pool checkouts slower than
//! [`TraceOptions::slow_pool_wait`] are logged at WARN.
//!
//! With no subscriber listening at DEBUG, a statement costs one check of the span's interest
//! and two clock reads (for the slow-statement warning), and a pool checkout two more (for the
//! pool-wait warning); setting either threshold to `None` removes its clock reads.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::field::{debug, display, Empty};
use tracing::Span;

use anytable_core::Interrupt;
use anytable_core::TableInfo;

use crate::deadline::Armed;
use anytable_core::{BulkInsert, Connection, RowSource, Rows};
use anytable_core::{Error, Result};
use anytable_core::{Value, ValueType};

/// What statement tracing records and when it warns; set with
/// [`Database::set_trace_options`](crate::Database::set_trace_options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceOptions {
    /// Statements that take at least this long are logged at WARN (`None`: never).
    /// Default: one second.
    pub slow_statement: Option<Duration>,
    /// Waits for a pooled connection at least this long are logged at WARN (`None`: never).
    /// Default: 100 ms.
    pub slow_pool_wait: Option<Duration>,
    /// Records the bound values in each statement's span (`params`). Off by default: values
    /// are often personal data and do not belong in logs unless someone is debugging.
    pub log_values: bool,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            slow_statement: Some(Duration::from_secs(1)),
            slow_pool_wait: Some(Duration::from_millis(100)),
            log_values: false,
        }
    }
}

/// The options of one database, changeable while every clone of it is in use.
pub(crate) struct TraceSettings {
    slow_statement_us: AtomicU64,
    slow_pool_wait_us: AtomicU64,
    log_values: AtomicBool,
}

/// Stands for `None` in the atomics.
const OFF: u64 = u64::MAX;

fn to_us(limit: Option<Duration>) -> u64 {
    limit.map_or(OFF, |d| u64::try_from(d.as_micros()).unwrap_or(OFF - 1))
}

fn from_us(us: u64) -> Option<Duration> {
    (us != OFF).then(|| Duration::from_micros(us))
}

impl TraceSettings {
    pub(crate) fn new(options: TraceOptions) -> Self {
        TraceSettings {
            slow_statement_us: AtomicU64::new(to_us(options.slow_statement)),
            slow_pool_wait_us: AtomicU64::new(to_us(options.slow_pool_wait)),
            log_values: AtomicBool::new(options.log_values),
        }
    }

    pub(crate) fn load(&self) -> TraceOptions {
        TraceOptions {
            slow_statement: from_us(self.slow_statement_us.load(Ordering::Relaxed)),
            slow_pool_wait: from_us(self.slow_pool_wait_us.load(Ordering::Relaxed)),
            log_values: self.log_values.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn store(&self, options: TraceOptions) {
        let TraceOptions {
            slow_statement,
            slow_pool_wait,
            log_values,
        } = options;
        self.slow_statement_us
            .store(to_us(slow_statement), Ordering::Relaxed);
        self.slow_pool_wait_us
            .store(to_us(slow_pool_wait), Ordering::Relaxed);
        self.log_values.store(log_values, Ordering::Relaxed);
    }
}

/// Checks a connection out of `backend`'s pool with `connect`, warning when that took longer
/// than the options allow.
pub(crate) fn checkout(
    backend: &'static str,
    options: TraceOptions,
    connect: impl FnOnce() -> Result<Box<dyn Connection>>,
) -> Result<TracedConnection> {
    let started = options.slow_pool_wait.map(|_| Instant::now());
    let inner = connect()?;
    if let (Some(limit), Some(started)) = (options.slow_pool_wait, started) {
        let waited = started.elapsed();
        if waited >= limit {
            tracing::warn!(
                target: "anytable",
                backend,
                waited_ms = waited.as_millis() as u64,
                "waited long for a pooled connection: the pool may be too small for the load"
            );
        }
    }
    Ok(TracedConnection {
        inner,
        backend,
        options,
        limit: None,
    })
}

/// A pooled connection whose every call is traced; from
/// [`Database::connection`](crate::Database::connection). Dropping it returns it to the pool.
pub struct TracedConnection {
    inner: Box<dyn Connection>,
    backend: &'static str,
    options: TraceOptions,
    /// The deadline of the call this connection serves, if it has a timeout.
    limit: Option<Arc<Armed>>,
}

impl std::fmt::Debug for TracedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedConnection")
            .field("backend", &self.backend)
            .finish()
    }
}

/// One statement being timed, with its span (disabled when nobody listens).
struct Statement<'a> {
    span: Span,
    started: Instant,
    backend: &'static str,
    sql: std::borrow::Cow<'a, str>,
    slow: Option<Duration>,
}

impl TracedConnection {
    /// Gives the call this connection serves `limit` from now; past it, the running statement
    /// is interrupted and every call fails with `Timeout`.
    pub(crate) fn limit(&mut self, limit: Duration) -> Result<()> {
        let Some(interrupter) = self.inner.interrupter() else {
            return Err(Error::unsupported(format!(
                "the {} backend cannot interrupt a running statement, so a call cannot be \
                 given a timeout (Capabilities::interrupts)",
                self.backend
            )));
        };
        self.limit = Some(Armed::arm(Some(limit), interrupter));
        Ok(())
    }

    fn start<'a>(&self, op: &'static str, sql: &'a str, params: &[Value]) -> Option<Statement<'a>> {
        start(self.backend, self.options, op, sql, params)
    }

    /// Runs `f` on the inner connection inside a traced statement that reports `rows(&value)`.
    fn traced<T>(
        &mut self,
        op: &'static str,
        sql: &str,
        params: &[Value],
        rows: impl FnOnce(&T) -> u64,
        f: impl FnOnce(&mut dyn Connection) -> Result<T>,
    ) -> Result<T> {
        if let Some(limit) = &self.limit {
            if op != "rollback" {
                limit.check()?;
            } else if limit.check().is_err() {
                // Past the deadline nothing more starts, but a rollback ends what was begun,
                // and is not interrupted.
                limit.disarm();
                self.limit.take();
            }
        }
        // A rollback always runs, and to its end.
        let cancellable = match op {
            "rollback" => None,
            _ => crate::deadline::statement(|| self.inner.interrupter())?,
        };
        let result = match self.start(op, sql, params) {
            None => f(&mut *self.inner),
            Some(statement) => {
                let result = statement.span.in_scope(|| f(&mut *self.inner));
                statement.finish(result.as_ref().map_or(0, rows), &result);
                result
            }
        };
        result.map_err(|e| stopped(self.limit.as_deref(), cancellable.as_ref(), e))
    }
}

/// The span and clock for one call, or `None` when neither a subscriber nor the
/// slow-statement warning needs them.
fn start<'a>(
    backend: &'static str,
    options: TraceOptions,
    op: &'static str,
    sql: &'a str,
    params: &[Value],
) -> Option<Statement<'a>> {
    let span = tracing::debug_span!(
        target: "anytable",
        "statement",
        backend,
        op,
        sql,
        rows = Empty,
        duration_us = Empty,
        error = Empty,
        params = Empty,
    );
    if span.is_disabled() && options.slow_statement.is_none() {
        return None;
    }
    if options.log_values && !params.is_empty() {
        span.record("params", debug(params));
    }
    Some(Statement {
        span,
        started: Instant::now(),
        backend,
        sql: std::borrow::Cow::Borrowed(sql),
        slow: options.slow_statement,
    })
}

/// Awaits `statement`, a call of the backend's native async path, traced as a connection's
/// statement is: the same span (entered at every poll), the same slow-statement warning.
#[cfg(feature = "async")]
pub(crate) async fn traced_async<T>(
    db: &crate::Database,
    op: &'static str,
    sql: &str,
    params: &[Value],
    rows: impl FnOnce(&T) -> u64,
    statement: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    use tracing::Instrument;
    let Some(traced) = start(db.backend_name(), db.trace_options(), op, sql, params) else {
        return statement.await;
    };
    let result = statement.instrument(traced.span.clone()).await;
    traced.finish(result.as_ref().map_or(0, rows), &result);
    result
}

/// `e`, reported as the deadline's or the cancellation's error when their interrupt caused it.
fn stopped(
    limit: Option<&Armed>,
    cancellable: Option<&crate::deadline::Statement>,
    e: Error,
) -> Error {
    let e = match limit {
        Some(limit) => limit.classify_error(e),
        None => e,
    };
    match cancellable {
        Some(statement) => statement.classify_error(e),
        None => e,
    }
}

impl Statement<'_> {
    /// The same statement, keeping its SQL text for as long as its cursor is read.
    fn into_owned(self) -> Statement<'static> {
        Statement {
            span: self.span,
            started: self.started,
            backend: self.backend,
            sql: std::borrow::Cow::Owned(self.sql.into_owned()),
            slow: self.slow,
        }
    }

    fn finish<T, E: std::fmt::Display>(self, rows: u64, result: &std::result::Result<T, E>) {
        let elapsed = self.started.elapsed();
        let duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if !self.span.is_disabled() {
            self.span.record("rows", rows);
            self.span.record("duration_us", duration_us);
            if let Err(e) = result {
                self.span.record("error", display(e));
            }
        }
        if self.slow.is_some_and(|limit| elapsed >= limit) {
            let _inside = self.span.enter();
            tracing::warn!(
                target: "anytable",
                backend = self.backend,
                sql = &*self.sql,
                rows,
                duration_ms = duration_us / 1000,
                "slow statement"
            );
        }
    }
}

/// What starting a cursor left: its result, the statement being traced, the time limit armed.
type Opened<'a, T> = (Result<T>, Option<Statement<'a>>, Option<Arc<Armed>>);

impl TracedConnection {
    /// Starts a cursor by `run` on the inner connection, inside the statement's span and under
    /// the time limit; an error that ends the call before it starts (a limit already passed)
    /// is the outer `Err`.
    fn open_cursor<'c, 'a, T>(
        &'c mut self,
        sql: &'a str,
        params: &[Value],
        run: impl FnOnce(&'c mut dyn Connection) -> Result<T>,
    ) -> Result<Opened<'a, T>> {
        let limit = self.limit.clone();
        if let Some(limit) = &limit {
            limit.check()?;
        }
        // A cancelled async call stops the query as it starts; its rows are read by later
        // calls, and dropping the stream ends it.
        let cancellable = crate::deadline::statement(|| self.inner.interrupter())?;
        let statement = self.start("query", sql, params);
        let inner: &'c mut dyn Connection = &mut *self.inner;
        let started = match &statement {
            None => run(inner),
            Some(statement) => statement.span.in_scope(|| run(inner)),
        };
        let started = started.map_err(|e| stopped(limit.as_deref(), cancellable.as_ref(), e));
        drop(cancellable);
        Ok((started, statement, limit))
    }
}

impl Connection for TracedConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.traced("execute", sql, params, |n| *n, |c| c.execute(sql, params))
    }

    fn count_rows(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.traced(
            "execute",
            sql,
            params,
            |n| *n,
            |c| c.count_rows(sql, params),
        )
    }

    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        let (started, statement, limit) =
            self.open_cursor(sql, params, |c| c.query(sql, params, types))?;
        match (started, statement) {
            (Ok(rows), None) if limit.is_none() => Ok(rows),
            (Ok(rows), statement) => Ok(Box::new(TracedRows {
                rows,
                statement: statement.map(Statement::into_owned),
                count: 0,
                limit,
            })),
            (Err(e), statement) => not_started(statement, e),
        }
    }

    #[cfg(feature = "arrow")]
    fn has_query_arrow(&self) -> bool {
        self.inner.has_query_arrow()
    }

    #[cfg(feature = "arrow")]
    fn query_arrow<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<Box<dyn anytable_core::BatchRows + 'c>>> {
        if !self.inner.has_query_arrow() {
            return Ok(None);
        }
        let (started, statement, limit) =
            self.open_cursor(sql, params, |c| c.query_arrow(sql, params))?;
        match (started, statement) {
            (Ok(None), statement) => {
                if let Some(statement) = statement {
                    statement.finish(0, &Ok::<(), Error>(()));
                }
                Ok(None)
            }
            (Ok(Some(batches)), None) if limit.is_none() => Ok(Some(batches)),
            (Ok(Some(batches)), statement) => Ok(Some(Box::new(TracedBatches {
                batches,
                statement: statement.map(Statement::into_owned),
                count: 0,
                limit,
            }))),
            (Err(e), statement) => not_started(statement, e),
        }
    }

    fn query_row(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        row: &mut Vec<Value>,
    ) -> Result<bool> {
        self.traced(
            "query_row",
            sql,
            params,
            |found| u64::from(*found),
            |c| c.query_row(sql, params, types, row),
        )
    }

    fn insert_returning_id(
        &mut self,
        plain_sql: &str,
        returning_sql: &str,
        params: &[Value],
    ) -> Result<i64> {
        self.traced(
            "insert",
            returning_sql,
            params,
            |_| 1,
            |c| c.insert_returning_id(plain_sql, returning_sql, params),
        )
    }

    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        self.traced(
            "insert_many",
            target.insert_sql,
            &[],
            |n| *n,
            |c| c.insert_many(target, rows),
        )
    }

    fn begin(&mut self) -> Result<()> {
        self.traced("begin", "BEGIN", &[], |_| 0, |c| c.begin())
    }

    fn commit(&mut self) -> Result<()> {
        self.traced("commit", "COMMIT", &[], |_| 0, |c| c.commit())
    }

    fn rollback(&mut self) -> Result<()> {
        self.traced("rollback", "ROLLBACK", &[], |_| 0, |c| c.rollback())
    }

    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        self.traced(
            "introspect",
            name,
            &[],
            |info: &Option<TableInfo>| u64::from(info.is_some()),
            |c| c.introspect(name),
        )
    }

    fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }

    fn discard(&mut self) {
        self.inner.discard();
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        self.inner.interrupter()
    }

    fn on_replica(&mut self) -> Result<bool> {
        self.inner.on_replica()
    }
}

impl Drop for TracedConnection {
    fn drop(&mut self) {
        // Never interrupted once back in the pool; the rollback below runs after the deadline.
        if let Some(limit) = self.limit.take() {
            limit.disarm();
        }
        // Every pooled connection goes back through here: never inside a transaction.
        anytable_core::check_in(self);
    }
}

/// A traced query's cursor: the statement's span and time cover every row read, and end when
/// the last row was read, the cursor failed, or it was dropped.
struct TracedRows<'c> {
    rows: Box<dyn Rows + 'c>,
    statement: Option<Statement<'static>>,
    count: u64,
    limit: Option<Arc<Armed>>,
}

impl Rows for TracedRows<'_> {
    fn next(&mut self) -> Result<Option<&mut [Value]>> {
        let TracedRows {
            rows,
            statement,
            count,
            limit,
        } = self;
        match limit {
            // An interrupted cursor fails as Timeout; one past its deadline stops.
            Some(limit) => {
                limit.check()?;
                next_traced(rows.as_mut(), statement, count).map_err(|e| limit.classify_error(e))
            }
            None => next_traced(rows.as_mut(), statement, count),
        }
    }
}

/// The next row of `rows`, counted, inside the statement's span while it is traced.
fn next_traced<'r>(
    rows: &'r mut (dyn Rows + '_),
    statement: &mut Option<Statement<'static>>,
    count: &mut u64,
) -> Result<Option<&'r mut [Value]>> {
    let next = match statement {
        None => return rows.next(),
        // Entering a span costs a little on every row: only when somebody listens.
        Some(statement) if statement.span.is_disabled() => rows.next(),
        Some(statement) => {
            let _inside = statement.span.enter();
            rows.next()
        }
    };
    if let Ok(Some(_)) = next {
        *count += 1;
    }
    end_at_last(statement, *count, &next);
    next
}

/// Ends a cursor's statement once its result is over: after the last row or batch, or at the
/// first error, whichever comes first.
fn end_at_last<T>(
    statement: &mut Option<Statement<'static>>,
    count: u64,
    next: &Result<Option<T>>,
) {
    if matches!(next, Ok(Some(_))) {
        return;
    }
    if let Some(statement) = statement.take() {
        statement.finish(count, next);
    }
}

/// A cursor that failed to start: its statement ends with the error.
fn not_started<T>(statement: Option<Statement<'_>>, e: Error) -> Result<T> {
    if let Some(statement) = statement {
        statement.finish(0, &Err::<(), _>(&e));
    }
    Err(e)
}

/// [`TracedRows`] for record batches: rows counted per batch, the limit checked per batch.
#[cfg(feature = "arrow")]
struct TracedBatches<'c> {
    batches: Box<dyn anytable_core::BatchRows + 'c>,
    statement: Option<Statement<'static>>,
    count: u64,
    limit: Option<Arc<Armed>>,
}

#[cfg(feature = "arrow")]
impl anytable_core::BatchRows for TracedBatches<'_> {
    fn next_batch(&mut self) -> Result<Option<anytable_core::arrow::record_batch::RecordBatch>> {
        if let Some(limit) = &self.limit {
            limit.check()?;
        }
        let next = match &self.statement {
            Some(statement) if !statement.span.is_disabled() => {
                let _inside = statement.span.enter();
                self.batches.next_batch()
            }
            _ => self.batches.next_batch(),
        };
        let next = match &self.limit {
            Some(limit) => next.map_err(|e| limit.classify_error(e)),
            None => next,
        };
        if let Ok(Some(batch)) = &next {
            self.count += batch.num_rows() as u64;
        }
        end_at_last(&mut self.statement, self.count, &next);
        next
    }
}

#[cfg(feature = "arrow")]
impl Drop for TracedBatches<'_> {
    fn drop(&mut self) {
        if let Some(statement) = self.statement.take() {
            statement.finish(self.count, &Ok::<(), Error>(()));
        }
    }
}

impl Drop for TracedRows<'_> {
    fn drop(&mut self) {
        if let Some(statement) = self.statement.take() {
            statement.finish(self.count, &Ok::<(), Error>(()));
        }
    }
}
