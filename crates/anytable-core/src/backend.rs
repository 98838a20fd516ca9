//! The small, object-safe interface a backend crate implements.
//!
//! # Contract
//! - [`Backend::connect`] hands out a connection from the backend's pool; dropping it returns it.
//! - SQL given to a [`Connection`] is in the backend's [`Dialect`], with placeholders only:
//!   values always arrive separately and must be bound, never spliced.
//! - [`Connection::query`] returns a cursor ([`Rows`]) that the caller pulls rows from, on its
//!   own thread, without the backend collecting them; each column is decoded to the
//!   [`ValueType`] asked for (or [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch)).
//!   Dropping the cursor early stops the query and leaves the connection ready for the next.
//! - Errors carry the [`ErrorKind`](crate::ErrorKind) that matches the engine's code, plus the
//!   backend name, the engine's own code and message.
//! - Between `begin` and `commit`/`rollback`, every call runs in that one transaction.
//!   `insert_many` outside a transaction is atomic on its own.
//! - [`Connection::in_transaction`] tells the truth, also about a BEGIN sent as SQL text: when a
//!   connection is returned, anytable rolls back whatever transaction it still has open, and
//!   [`Connection::discard`]s it if that fails, so no pool ever lends a connection inside
//!   someone else's transaction (see [`check_in`]).

use std::sync::Arc;

use crate::error::{ErrorKind, Result};
use crate::schema::{TableInfo, TableSchema};
use crate::sql::Dialect;
use crate::value::{Value, ValueType};

/// What a backend can and cannot do; the conformance suite decides its expectations from this.
///
/// New capabilities may be added in any release: a backend starts from
/// [`Capabilities::none`] and sets the fields it promises.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Many threads may write at once (the engine serialises or merges them without errors
    /// other than retryable ones).
    pub concurrent_writers: bool,
    /// Several OS processes may open the same database read-write at once.
    pub multi_process_writers: bool,
    /// The database outlives the process (false for in-memory databases).
    pub persistent: bool,
    /// NaN and ±infinity are stored and read back; if false, writing them is an error.
    pub stores_nan: bool,
    /// CREATE TABLE can be rolled back.
    pub transactional_ddl: bool,
    /// A reader waits (up to the timeout) while another connection has a write transaction
    /// open, instead of reading the last committed state at once. Either way it never sees
    /// uncommitted rows.
    pub readers_wait_for_writers: bool,
    /// The error a write gets while another transaction holds the row (or the database) it
    /// writes: at once on optimistic engines ([`ErrorKind::Conflict`]), after the `timeout` on
    /// locking ones ([`ErrorKind::Busy`], [`ErrorKind::Locked`]). Always retryable.
    pub write_contention: ErrorKind,
    /// The most bytes of text and binary values one index entry (a row's values of the columns
    /// of one index or unique constraint) may hold, where the engine has such a limit
    /// (PostgreSQL's B-tree); longer values are refused with `InvalidInput` before anything is
    /// written. `None`: no limit short of the engine's largest value.
    pub max_index_entry_bytes: Option<usize>,
    /// `ilike` lowercases letters of every script on both sides (Unicode's mapping); where
    /// false (a PostgreSQL server without ICU), `ilike` is `Unsupported`.
    pub case_insensitive_like: bool,
    /// Foreign keys (`#[anytable(references = Other)]`) are created with the table and enforced
    /// (a missing partner is [`ErrorKind::ForeignKeyViolation`]); where false they are left out
    /// of the DDL, and joins through them still work.
    pub foreign_keys: bool,
    /// An update may set any column of a row other rows reference, and point a row's foreign
    /// key at the row itself. Where false (DuckDB, which updates an indexed column as a delete
    /// and an insert), an update that sets an indexed column (`unique`, `index` or a foreign
    /// key) of a referenced row, or a foreign key to its own row, is
    /// [`ErrorKind::ForeignKeyViolation`] and changes nothing. Meaningless without
    /// `foreign_keys`.
    pub updates_referenced_rows: bool,
    /// A running statement can be stopped from another thread ([`Connection::interrupter`]),
    /// so a call given a timeout (`Database::with_timeout`) fails with
    /// [`ErrorKind::Timeout`] when it runs past it; where false, such a call is
    /// [`ErrorKind::Unsupported`].
    pub interrupts: bool,
    /// Reads outside a transaction may be served by a read replica ([`Backend::connect_read`]),
    /// which lags the primary: for a while after a write through the same pool they are not
    /// (read-your-writes), and `Database::on_primary` never does. Set by the URL (PostgreSQL's
    /// `replicas=`), so false in the support matrix.
    pub replica_reads: bool,
    /// `migrate` changes a CHECK in place, so an enum field that gained variants is migrated;
    /// where false (SQLite and DuckDB, which cannot alter a constraint), the plan refuses the
    /// change with the steps of a table rebuild.
    pub alters_checks: bool,
}

impl Capabilities {
    /// An engine that promises nothing: every flag false, no index limit, writes that contend
    /// wait and fail with [`ErrorKind::Busy`].
    pub const fn none() -> Capabilities {
        Capabilities {
            concurrent_writers: false,
            multi_process_writers: false,
            persistent: false,
            stores_nan: false,
            transactional_ddl: false,
            readers_wait_for_writers: false,
            write_contention: ErrorKind::Busy,
            max_index_entry_bytes: None,
            case_insensitive_like: false,
            foreign_keys: false,
            updates_referenced_rows: false,
            interrupts: false,
            replica_reads: false,
            alters_checks: false,
        }
    }

    /// Each capability by name with its value in words, for reports and the support matrix.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
        vec![
            ("concurrent_writers", yes(self.concurrent_writers)),
            ("multi_process_writers", yes(self.multi_process_writers)),
            ("persistent", yes(self.persistent)),
            ("stores_nan", yes(self.stores_nan)),
            ("transactional_ddl", yes(self.transactional_ddl)),
            (
                "readers_wait_for_writers",
                yes(self.readers_wait_for_writers),
            ),
            ("write_contention", format!("{:?}", self.write_contention)),
            (
                "max_index_entry_bytes",
                self.max_index_entry_bytes
                    .map_or("none".to_owned(), |n| n.to_string()),
            ),
            ("case_insensitive_like", yes(self.case_insensitive_like)),
            ("foreign_keys", yes(self.foreign_keys)),
            ("updates_referenced_rows", yes(self.updates_referenced_rows)),
            ("interrupts", yes(self.interrupts)),
            ("replica_reads", yes(self.replica_reads)),
            ("alters_checks", yes(self.alters_checks)),
        ]
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::none()
    }
}

/// A database engine behind anytable: a pool of connections plus facts about the engine.
pub trait Backend: Send + Sync + 'static {
    /// A short lower-case name, e.g. `"sqlite"`.
    fn name(&self) -> &'static str;
    /// The SQL dialect its connections accept.
    fn dialect(&self) -> &dyn Dialect;
    /// What it can do.
    fn capabilities(&self) -> &Capabilities;
    /// A connection from the pool.
    fn connect(&self) -> Result<Box<dyn Connection>>;
    /// A connection for reads outside a transaction: where the backend reads from replicas
    /// ([`Capabilities::replica_reads`]) and `from` allows it, one may serve it, and it sends
    /// anything else (writes, transactions) to the primary. Unlike [`connect`](Self::connect)'s,
    /// its use is not a write for read-your-writes. By default the same as `connect`.
    fn connect_read(&self, from: ReadFrom) -> Result<Box<dyn Connection>> {
        let _ = from;
        self.connect()
    }
    /// The size and wait of the pool behind [`connect`](Self::connect), if it has one: the
    /// async API then queues callers beyond its size as tasks, not as blocked threads.
    fn pool_limits(&self) -> Option<crate::pool::PoolLimits> {
        None
    }
    /// Statements outside a transaction that the backend runs natively async, in the
    /// caller's runtime, where its driver is async (PostgreSQL's tokio-postgres); the async
    /// API then awaits them instead of running the sync call off the runtime. `None` (the
    /// default) sends every async call through [`connect`](Self::connect) on a blocking
    /// thread.
    fn async_statements(&self) -> Option<&dyn AsyncStatements> {
        None
    }
}

/// A boxed future a dyn-safe trait can return.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The statements of [`Backend::async_statements`]: each runs on its own outside any
/// transaction (it commits as it ends) and may share its session with other callers'
/// statements, pipelined. Dropping a future before it ends stops its statement where the
/// backend can do so without stopping anyone else's, and otherwise lets it run to its end
/// unread.
///
/// A backend offers it only where these statements answer exactly as its [`Connection`]'s
/// would (same values, same errors), so the async API may send a call either way.
pub trait AsyncStatements: Send + Sync {
    /// [`Connection::execute`], awaited.
    fn execute<'a>(&'a self, sql: &'a str, params: &'a [Value]) -> BoxFuture<'a, Result<u64>>;

    /// [`Connection::query_row`], awaited: the one row, decoded to `types`, or `None`.
    fn query_row<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [Value],
        types: &'a [ValueType],
    ) -> BoxFuture<'a, Result<Option<Vec<Value>>>>;
}

/// Which server may serve a read ([`Backend::connect_read`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// A replica within its lag limit, unless the pool wrote too recently; else the primary.
    AnyServer,
    /// The primary only, for a read that must see every acknowledged write.
    Primary,
}

/// The rows of a running query, pulled by the caller one at a time; from
/// [`Connection::query`]. It borrows its connection, so nothing else runs on that connection
/// until it is dropped; dropping it before the end stops the query.
pub trait Rows: Send {
    /// The next row, decoded to the types the query asked for, or `None` after the last.
    ///
    /// The values live in a buffer the cursor reuses: take them (`std::mem::take`) or copy
    /// them before the next call. After an error the cursor yields no more rows.
    fn next(&mut self) -> Result<Option<&mut [Value]>>;
}

/// The rows of a running query as Arrow record batches in the engine's own column types, for
/// an engine that holds results in columns (DuckDB); from [`Connection::query_arrow`]. It
/// borrows its connection as [`Rows`] do.
#[cfg(feature = "arrow")]
pub trait BatchRows: Send {
    /// The next batch (of whatever size the engine produces), or `None` after the last.
    fn next_batch(&mut self) -> Result<Option<arrow::record_batch::RecordBatch>>;
}

/// Yields the rows of a bulk insert into a reused buffer.
pub trait RowSource {
    /// Clears `row` and fills it with the next row's values; `Ok(false)` when there are no more.
    fn next_row(&mut self, row: &mut Vec<Value>) -> Result<bool>;
}

/// Where a bulk insert goes: the table, its data columns, and the one-row INSERT for them.
#[derive(Debug, Clone, Copy)]
pub struct BulkInsert<'a> {
    /// The table.
    pub table: &'a TableSchema,
    /// The columns each row gives values for, in order.
    pub columns: &'a [String],
    /// `INSERT INTO table (columns) VALUES (placeholders)` in the backend's dialect.
    pub insert_sql: &'a str,
}

/// One connection of a backend, used by one thread at a time.
pub trait Connection: Send {
    /// Runs a statement that returns no rows; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs a statement that returns rows (a query, a write with `RETURNING`) for its effects;
    /// returns how many rows it returned, as PostgreSQL's own count does. The default is
    /// [`execute`](Self::execute), right for engines whose count of changed rows is that.
    fn count_rows(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.execute(sql, params)
    }

    /// Starts a query whose rows, decoded to `types`, the caller pulls from the returned cursor.
    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>>;

    /// Runs a query that returns at most one row (a lookup by key, a `LIMIT 1`, an
    /// `INSERT ... RETURNING`) and stores that row in `row`; `false` when there is none (an
    /// upsert that did nothing returns no row).
    ///
    /// Engines whose cursor costs more than one collected read override it.
    fn query_row(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        row: &mut Vec<Value>,
    ) -> Result<bool> {
        let mut rows = self.query(sql, params, types)?;
        let Some(values) = rows.next()? else {
            return Ok(false);
        };
        row.clear();
        row.extend(values.iter_mut().map(std::mem::take));
        Ok(true)
    }

    /// Runs an INSERT whose only generated column is the id, and returns the new id.
    ///
    /// `returning_sql` is the same insert with `RETURNING id`; `plain_sql` has no RETURNING, for
    /// engines that can report the new id more cheaply (SQLite's `last_insert_rowid`).
    fn insert_returning_id(
        &mut self,
        plain_sql: &str,
        returning_sql: &str,
        params: &[Value],
    ) -> Result<i64> {
        let _ = plain_sql;
        let mut row = Vec::with_capacity(1);
        let returned = self.query_row(returning_sql, params, &[ValueType::I64], &mut row)?;
        returned_id(returned.then_some(&row[..]))
    }

    /// Inserts many rows by the engine's fastest path; atomic on its own outside a transaction.
    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64>;

    /// Starts a transaction that takes the write lock up front where the engine has one.
    fn begin(&mut self) -> Result<()>;
    /// Commits the open transaction.
    fn commit(&mut self) -> Result<()>;
    /// Rolls back the open transaction.
    fn rollback(&mut self) -> Result<()>;

    /// Describes the table `name` as it exists, or `None` if there is no such table.
    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>>;

    /// Whether a transaction is open on this connection, begun with [`begin`](Self::begin) or
    /// with SQL (`BEGIN`, `START TRANSACTION`), and not yet committed or rolled back.
    fn in_transaction(&self) -> bool;

    /// Marks the connection as unfit for reuse: when it is dropped, the pool closes it instead
    /// of lending it again.
    fn discard(&mut self);

    /// Whether [`query_arrow`](Self::query_arrow) hands over the engine's own record batches,
    /// so a caller (or a wrapper that traces statements) need not start one that returns `None`.
    #[cfg(feature = "arrow")]
    fn has_query_arrow(&self) -> bool {
        false
    }

    /// Starts a query whose rows come as Arrow record batches straight from the engine's
    /// columnar result, where the engine has one; `None` (the default) where the caller should
    /// build batches from [`query`](Self::query)'s rows instead. The caller converts the
    /// engine's column types to anytable's Arrow schema.
    #[cfg(feature = "arrow")]
    fn query_arrow<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<Box<dyn BatchRows + 'c>>> {
        let _ = (sql, params);
        Ok(None)
    }

    /// A handle another thread may use to stop the statement this connection is running
    /// (where [`Capabilities::interrupts`] is set); `None` where the backend has none.
    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        None
    }

    /// Whether this connection's reads are served by a read replica, as its server says
    /// (PostgreSQL: `pg_is_in_recovery()`); false where the backend has none.
    fn on_replica(&mut self) -> Result<bool> {
        Ok(false)
    }
}

/// The id an `INSERT ... RETURNING id` returned, read as [`ValueType::I64`], from its row.
pub fn returned_id(row: Option<&[Value]>) -> Result<i64> {
    match row.and_then(<[Value]>::first) {
        Some(Value::I64(id)) => Ok(*id),
        _ => Err(crate::Error::new(
            crate::ErrorKind::Other,
            "the insert returned no id",
        )),
    }
}

/// Stops what one connection is running, from another thread: SQLite's and DuckDB's interrupt,
/// PostgreSQL's cancel request. The statement fails (its changes undone, as any failed
/// statement's are) and the connection stays usable for what comes after.
pub trait Interrupt: Send + Sync {
    /// Asks the engine to stop the statement running now, if any, and returns at once; a
    /// statement started later is not affected.
    fn interrupt(&self);
}

/// What happens to every connection when its user is done with it, on every backend: a
/// transaction still open (a `begin` without an end, a panic half-way, a COMMIT that failed)
/// is rolled back, and a connection that cannot be rolled back is discarded, never lent again.
pub fn check_in(conn: &mut (impl Connection + ?Sized)) {
    if !conn.in_transaction() {
        return;
    }
    if conn.rollback().is_err() || conn.in_transaction() {
        conn.discard();
    }
}

/// Fails with `InvalidInput` unless a statement's `expected` count of `what` (parameters,
/// columns) matches the `given` one; backends call it before binding or decoding.
pub fn check_count(what: &str, expected: usize, given: usize) -> Result<()> {
    if expected == given {
        return Ok(());
    }
    Err(crate::Error::invalid_input(format!(
        "the statement has {expected} {what} but {given} were given"
    )))
}

/// Binds `params` to a statement with `expected` placeholders, one `bind(position, value)` call
/// each, positions counted from 1 as every driver counts them.
///
/// # Errors
/// `InvalidInput` when the counts differ (nothing is bound then); `bind`'s first error.
#[inline]
pub fn bind_params(
    expected: usize,
    params: &[Value],
    mut bind: impl FnMut(usize, &Value) -> Result<()>,
) -> Result<()> {
    check_count("parameters", expected, params.len())?;
    for (i, value) in params.iter().enumerate() {
        bind(i + 1, value)?;
    }
    Ok(())
}

/// Decodes one result row into `values`, one `decode(index)` call per column, the same way
/// on every backend: an error names the column (`column_name(index)`) and the backend.
#[inline]
pub fn decode_row<'n>(
    backend: &'static str,
    values: &mut [Value],
    mut decode: impl FnMut(usize) -> Result<Value>,
    column_name: impl Fn(usize) -> Option<&'n str>,
) -> Result<()> {
    for (i, slot) in values.iter_mut().enumerate() {
        match decode(i) {
            Ok(value) => set_value(slot, value),
            Err(e) => {
                return Err(e
                    .in_column(column_name(i).unwrap_or("?"))
                    .with_backend(backend))
            }
        }
    }
    Ok(())
}

/// Stores `value` in `slot`, skipping the drop of the NULL a record's `read_values` left there
/// (a call per column per row otherwise).
#[inline]
fn set_value(slot: &mut Value, value: Value) {
    let old = std::mem::replace(slot, value);
    if matches!(old, Value::Null) {
        std::mem::forget(old);
    }
}

/// Runs `f` in a transaction of its own unless `conn` is already in one (`in_transaction`):
/// commits on `Ok`, rolls back on `Err`. How backends make `insert_many` all or nothing.
pub fn atomically<C: Connection + ?Sized, T>(
    conn: &mut C,
    in_transaction: bool,
    f: impl FnOnce(&mut C) -> Result<T>,
) -> Result<T> {
    if in_transaction {
        return f(conn);
    }
    conn.begin()?;
    match f(conn) {
        Ok(v) => match conn.commit() {
            Ok(()) => Ok(v),
            Err(e) => {
                // SQLite keeps a transaction open after some failed COMMITs (a deferred
                // constraint): end it, so the connection goes back clean.
                if conn.in_transaction() {
                    let _ = conn.rollback();
                }
                Err(e)
            }
        },
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

/// The shared shape of a backend's bulk insert: all or nothing outside a transaction, and rows
/// with no data columns (every value a default) as plain INSERTs, since no engine's bulk path
/// (Appender, COPY) takes zero columns; any other rows go to `bulk`.
pub fn bulk_insert<C: Connection + ?Sized>(
    conn: &mut C,
    in_transaction: bool,
    target: &BulkInsert<'_>,
    rows: &mut dyn RowSource,
    bulk: impl FnOnce(&mut C, &mut dyn RowSource) -> Result<u64>,
) -> Result<u64> {
    atomically(conn, in_transaction, |this| {
        if target.columns.is_empty() {
            insert_one_by_one(this, target.insert_sql, rows)
        } else {
            bulk(this, rows)
        }
    })
}

/// Inserts the rows one `execute` at a time: the portable bulk path.
pub fn insert_one_by_one(
    conn: &mut (impl Connection + ?Sized),
    insert_sql: &str,
    rows: &mut dyn RowSource,
) -> Result<u64> {
    let mut row = Vec::new();
    let mut count = 0;
    while rows.next_row(&mut row)? {
        conn.execute(insert_sql, &row)?;
        count += 1;
    }
    Ok(count)
}
