//! [`Database`]: a cloneable handle on one backend, and [`Transaction`].

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

use crate::exclusive::{Exclusive, ExclusiveGuard};
use crate::raw::RowIter;
use crate::table::TableHandle;
use crate::trace::{self, TraceOptions, TraceSettings, TracedConnection};
use anytable_core::sql::{create_table_statements, Dialect, TableStatements};
use anytable_core::verify::{verify_fit, Fit};
use anytable_core::{Backend, Capabilities, Connection, ReadFrom};
use anytable_core::{ColumnValue, FromRow, Value};
use anytable_core::{Error, ErrorKind, Result};
use anytable_core::{Record, TableSchema};

/// A handle on one database, opened from a URL: `Clone + Send + Sync`, sharing one connection
/// pool.
///
/// Clone it into every thread that needs it; each clone uses the same pool and the same
/// cache of verified tables.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
    /// How long each call through this handle may take ([`Database::with_timeout`]).
    timeout: Option<std::time::Duration>,
    /// Reads through this handle never go to a replica ([`Database::on_primary`]).
    primary: bool,
}

struct Inner {
    backend: Box<dyn Backend>,
    tables: RwLock<HashMap<TypeId, Arc<TableState>>>,
    trace: TraceSettings,
    /// Where async callers queue for the pool (one per pool, so shared by every handle).
    #[cfg(feature = "async")]
    admission: Option<crate::asynchronous::Admission>,
}

/// What a table handle needs: its schema and its statements, verified once per database.
pub(crate) struct TableState {
    pub(crate) schema: &'static anytable_core::TableSchema,
    pub(crate) statements: TableStatements,
    /// The id is the only column the database fills in, so inserts may skip RETURNING.
    pub(crate) id_only: bool,
    /// Per index and unique constraint, its text and bytes columns: their positions among the
    /// data values and their names (for the backend's `max_index_entry_bytes`).
    pub(crate) index_entries: Vec<Vec<(usize, String)>>,
    /// The columns an adopted table stores in a narrower integer type than the record's field
    /// (a `SMALLINT` behind an `i64`), with that type: writes are checked against its range.
    pub(crate) narrow: Vec<(&'static str, anytable_core::ValueType)>,
}

impl TableState {
    /// Refuses `value` for `column` where the table stores the column in a narrower integer
    /// type than the field's and the value does not fit it ([`check::fits_stored`]).
    pub(crate) fn check_stored(&self, column: &str, value: &Value) -> Result<()> {
        match self.narrow.iter().find(|(name, _)| *name == column) {
            Some((name, stored)) => anytable_core::check::fits_stored(value, name, *stored),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.inner.backend.name())
            .finish()
    }
}

impl Database {
    /// Opens the database at `url` with the backend its scheme names.
    ///
    /// Schemes: `sqlite` (feature `sqlite`), `duckdb` (feature `duckdb`), `postgres` and
    /// `postgresql` (feature `postgres`). Options go in the query string, e.g.
    /// `sqlite://app.db?timeout=15`; an unknown option is an error.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for a malformed URL or unknown scheme,
    /// [`ErrorKind::Unsupported`] for a backend not compiled in, and the backend's own
    /// errors (e.g. [`ErrorKind::NotFound`] for a directory that does not exist).
    pub fn open(url: &str) -> Result<Database> {
        crate::open::open(url)
    }

    /// Wraps a backend opened by other means (e.g. a third-party backend crate; see
    /// [`backend`](crate::backend)).
    pub fn from_backend(backend: impl Backend) -> Database {
        Database {
            inner: Arc::new(Inner {
                #[cfg(feature = "async")]
                admission: backend
                    .pool_limits()
                    .map(crate::asynchronous::Admission::new),
                backend: Box::new(backend),
                tables: RwLock::new(HashMap::new()),
                trace: TraceSettings::new(TraceOptions::default()),
            }),
            timeout: None,
            primary: false,
        }
    }

    /// The queue async callers wait in for a turn at the pool, if the backend has one.
    #[cfg(feature = "async")]
    pub(crate) fn admission(&self) -> Option<&crate::asynchronous::Admission> {
        self.inner.admission.as_ref()
    }

    /// The backend's native async statements, for a call this handle may send there: none
    /// under [`with_timeout`](Self::with_timeout), whose deadline the pooled path keeps.
    #[cfg(feature = "async")]
    pub(crate) fn async_statements(&self) -> Option<&dyn anytable_core::AsyncStatements> {
        match self.timeout {
            Some(_) => None,
            None => self.inner.backend.async_statements(),
        }
    }

    /// The backend's name, e.g. `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        self.inner.backend.name()
    }

    /// What the backend can do.
    pub fn capabilities(&self) -> &Capabilities {
        self.inner.backend.capabilities()
    }

    /// The SQL dialect of the backend.
    pub fn dialect(&self) -> &dyn Dialect {
        self.inner.backend.dialect()
    }

    /// A connection from the pool, for work the typed API does not cover; its statements are
    /// traced like every other (see [`trace`](crate::trace)).
    pub fn connection(&self) -> Result<TracedConnection> {
        self.checkout(|backend| backend.connect())
    }

    /// The connection a read outside a transaction uses: one a read replica may serve where
    /// the backend has replicas ([`Capabilities::replica_reads`](crate::Capabilities)) and
    /// this handle is not [`on_primary`](Self::on_primary); it sends writes and transactions
    /// to the primary. [`connection`](Self::connection) elsewhere.
    pub fn read_connection(&self) -> Result<TracedConnection> {
        let from = match self.primary {
            true => ReadFrom::Primary,
            false => ReadFrom::AnyServer,
        };
        self.checkout(|backend| backend.connect_read(from))
    }

    fn checkout(
        &self,
        connect: impl FnOnce(&dyn Backend) -> Result<Box<dyn Connection>>,
    ) -> Result<TracedConnection> {
        let backend = &*self.inner.backend;
        let mut conn =
            trace::checkout(backend.name(), self.inner.trace.load(), || connect(backend))?;
        if let Some(limit) = self.timeout {
            conn.limit(limit)?;
        }
        Ok(conn)
    }

    /// This handle (the same pool and tables) with every read on the primary: for a read that
    /// must see the latest writes of other handles and processes, where reads may otherwise
    /// go to a lagging replica ([`Capabilities::replica_reads`](crate::Capabilities)). A
    /// handle's own writes are seen by its reads anyway (read-your-writes).
    pub fn on_primary(&self) -> Database {
        Database {
            primary: true,
            ..self.clone()
        }
    }

    /// This handle (the same pool and tables) with a limit on how long each call through it
    /// may take, counted from when the call has its connection: a call still running then is
    /// stopped (SQLite's and DuckDB's interrupt, a PostgreSQL cancel request, so the server
    /// stops too), whatever it changed is undone, and it fails with the retryable
    /// [`ErrorKind::Timeout`]. A transaction is one call: `transaction(|tx| ...)` is bounded
    /// as a whole, each attempt of `transaction_with_retry` afresh, and an `iter()` until its
    /// cursor is dropped.
    ///
    /// ```
    /// # fn main() -> anytable::Result<()> {
    /// # let db = anytable::Database::open("sqlite::memory:")?;
    /// use std::time::Duration;
    /// let quick = db.with_timeout(Duration::from_secs(2));
    /// assert_eq!(quick.query_scalar::<i64>("SELECT 1", &[])?, Some(1));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Calls through the handle fail with [`ErrorKind::Unsupported`] on a backend that cannot
    /// interrupt a statement ([`Capabilities::interrupts`](crate::Capabilities::interrupts)).
    pub fn with_timeout(&self, timeout: std::time::Duration) -> Database {
        Database {
            timeout: Some(timeout),
            ..self.clone()
        }
    }

    /// The limit [`with_timeout`](Self::with_timeout) set on this handle's calls.
    pub fn timeout(&self) -> Option<std::time::Duration> {
        self.timeout
    }

    /// Changes what statement tracing records and when it warns, for every clone of this
    /// handle; connections already checked out keep the options they had.
    pub fn set_trace_options(&self, options: TraceOptions) {
        self.inner.trace.store(options);
    }

    /// What statement tracing records and when it warns.
    pub fn trace_options(&self) -> TraceOptions {
        self.inner.trace.load()
    }

    /// Runs one SQL statement, binding `params` to its `?` placeholders (the same on every
    /// backend: anytable rewrites them for the engine, outside string literals, quoted
    /// identifiers and comments; `??` is a literal `?`); returns the rows it changed, or for a
    /// statement that returns rows (a query, `RETURNING`) how many it returned, on every
    /// backend: read them with [`query`](Self::query).
    ///
    /// An escape hatch: the typed [`Table`](crate::Table) API is the normal way in. Never build
    /// the SQL text from user input; pass every value as a parameter.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let (sql, statement) = crate::raw::portable_statement(self, sql)?;
        crate::raw::execute(&mut self.connection()?, &sql, statement, params)
    }

    /// Every row of a hand-written query as a `T`, a tuple of field types decoded as record
    /// fields are: `db.query::<(String, i64)>("SELECT name, n FROM t WHERE n > ?", &[5.into()])`.
    /// Placeholders as in [`execute`](Self::execute).
    ///
    /// # Errors
    /// [`ErrorKind::TypeMismatch`] naming the column when a value does not fit its type;
    /// [`ErrorKind::InvalidInput`] when the parameters or columns do not match in number.
    pub fn query<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Vec<T>> {
        let sql = crate::raw::portable(self, sql)?;
        crate::raw::all(&mut self.read_connection()?, &sql, params)
    }

    /// The first row of a hand-written query, if any (see [`query`](Self::query)).
    pub fn query_one<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Option<T>> {
        let sql = crate::raw::portable(self, sql)?;
        crate::raw::one(&mut self.read_connection()?, &sql, params)
    }

    /// The first column of the first row, if there is a row: `SELECT COUNT(*) ...`.
    pub fn query_scalar<T: ColumnValue>(&self, sql: &str, params: &[Value]) -> Result<Option<T>> {
        self.query_one::<(T,)>(sql, params).map(crate::raw::scalar)
    }

    /// The rows of a hand-written query, read as the iterator is advanced (flat memory).
    pub fn query_iter<T: FromRow>(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<RowIter<'static, T>> {
        RowIter::open(self, None, sql, params)
    }

    /// The table of record type `R`: created if missing, verified if present.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`] listing every difference when the existing table does not
    /// match `R`; [`ErrorKind::InvalidInput`] when `R` declares names no engine can store.
    pub fn table<R: Record>(&self) -> Result<TableHandle<'static, R>> {
        self.table_fit::<R>(Fit::Exact)
    }

    /// Like [`table`](Self::table), for a table that has more columns than `R` names: a table
    /// another program made, or one a newer version of the record migrated (an older binary
    /// running against it). Each column `R` does not name must be nullable or have a default
    /// (inserts of `R` leave it out, so the database fills NULL or the default); every column
    /// `R` does name must match as for `table`. Opt-in, so that a field renamed or dropped by
    /// mistake is still a `SchemaMismatch` under `table`.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`] listing every difference, including each column `R` does
    /// not name that is NOT NULL without a default.
    pub fn adopt<R: Record>(&self) -> Result<TableHandle<'static, R>> {
        self.table_fit::<R>(Fit::Adopted)
    }

    /// [`adopt`](Self::adopt), where the caller also says that `DateTime<Utc>` fields whose
    /// columns are `timestamp without time zone` (PostgreSQL `timestamp`, DuckDB `TIMESTAMP`)
    /// hold UTC: they are read as UTC and written in UTC. SQLite has no timestamp type, so
    /// there it is `adopt`.
    pub fn adopt_naive_timestamps_as_utc<R: Record>(&self) -> Result<TableHandle<'static, R>> {
        self.table_fit::<R>(Fit::AdoptedNaiveUtc)
    }

    fn table_fit<R: Record>(&self, fit: Fit) -> Result<TableHandle<'static, R>> {
        let state = match self.cached::<R>() {
            Some(state) => state,
            None => {
                let mut conn = self.connection()?;
                let state = Arc::new(prepare_table::<R>(self, &mut conn, true, fit)?);
                let mut tables = self.inner.tables.write().unwrap_or_else(|e| e.into_inner());
                tables.entry(TypeId::of::<R>()).or_insert(state).clone()
            }
        };
        Ok(TableHandle::new(self.clone(), None, state))
    }

    /// Whether both handles are clones of one opened database.
    pub(crate) fn same_as(&self, other: &Database) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn cached<R: Record>(&self) -> Option<Arc<TableState>> {
        let tables = self.inner.tables.read().unwrap_or_else(|e| e.into_inner());
        tables.get(&TypeId::of::<R>()).cloned()
    }

    /// Runs `f` in one transaction: commits if it returns `Ok`, rolls back on `Err` or panic.
    ///
    /// The transaction takes the write lock at the start where the engine has one (SQLite's
    /// `BEGIN IMMEDIATE`), so it cannot fail half-way for lock upgrades. If any statement in
    /// it fails, the transaction is rolled back at once and every later call in it returns
    /// [`ErrorKind::TransactionAborted`], the same on every backend.
    pub fn transaction<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let tx = self.begin()?;
        // A panic in `f` unwinds through `tx`, whose Drop rolls back.
        let result = f(&tx);
        tx.finish(result)
    }

    /// Starts a transaction to end with [`Transaction::commit`] or [`Transaction::rollback`];
    /// dropping it unfinished rolls it back. [`transaction`](Self::transaction) is the same
    /// with the ending done for you; this form is for callers that cannot pass a closure
    /// (the async API holds one across awaits).
    pub fn begin(&self) -> Result<Transaction> {
        let mut conn = self.connection()?;
        conn.begin()?;
        Ok(Transaction {
            db: self.clone(),
            conn: Exclusive::new(conn),
            state: AtomicU8::new(ACTIVE),
        })
    }
}

impl Database {
    /// Like [`transaction`](Self::transaction), but reruns the whole transaction when it fails
    /// with a retryable error ([`Error::is_retryable`]: busy, timeout, conflict, locked, a lost
    /// connection), up to `attempts` runs in all, pausing a little longer (with jitter) before
    /// each rerun ([`retry_pause`]: longer after a lost connection, while a server restarts).
    ///
    /// `f` may run several times, so it must not have effects outside the transaction that
    /// cannot be repeated. The last error is returned when every attempt failed. A connection
    /// lost during COMMIT leaves unknown whether the transaction committed, so a rerun may
    /// repeat it: make such transactions idempotent (a unique key and `upsert`).
    pub fn transaction_with_retry<T>(
        &self,
        attempts: u32,
        mut f: impl FnMut(&Transaction) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.transaction(&mut f) {
                Err(e) if e.is_retryable() && attempt < attempts => {
                    std::thread::sleep(retry_pause(&e, attempt));
                }
                other => return other,
            }
        }
    }
}

/// The pause before rerunning a transaction that failed with `error` at its `attempt`-th run:
/// [`retry_delay`] after contention, 50 ms doubling to 2 s after a lost connection (a server
/// restarting or failing over takes seconds, not milliseconds), both with jitter.
pub fn retry_pause(error: &Error, attempt: u32) -> std::time::Duration {
    match error.kind() {
        ErrorKind::Connection => {
            let step = std::time::Duration::from_millis(50) * (1u32 << attempt.min(6));
            step.min(std::time::Duration::from_secs(2)) + retry_delay(attempt)
        }
        _ => retry_delay(attempt),
    }
}

/// The pause before rerunning a transaction after its `attempt`-th failure: 1 ms doubling to
/// 100 ms, with jitter so that retrying writers spread out.
pub fn retry_delay(attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = (1u64 << attempt.min(7)).min(100);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    let jitter = hasher.finish() % (base * 1000);
    std::time::Duration::from_micros(base * 500 + jitter / 2)
}

/// The statements that create `schema`'s table: with its foreign keys where the backend
/// enforces them (and only once the tables they reference exist), without them elsewhere.
pub(crate) fn creation_statements(
    db: &Database,
    conn: &mut dyn Connection,
    schema: &TableSchema,
) -> Result<Vec<String>> {
    if db.capabilities().foreign_keys {
        check_referenced_tables(conn, schema)?;
        create_table_statements(db.dialect(), schema)
    } else {
        create_table_statements(db.dialect(), &schema.without_references())
    }
}

/// Refuses to create a table whose foreign keys name a table that does not exist yet, the same
/// way on every engine (SQLite alone would create it and fail every insert).
fn check_referenced_tables(conn: &mut dyn Connection, schema: &TableSchema) -> Result<()> {
    for table in schema.referenced_tables() {
        if conn.introspect(table)?.is_none() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "table {:?} references table {table:?}, which does not exist yet: open the \
                     referenced record's table first (db.table::<...>())",
                    schema.name
                ),
            ));
        }
    }
    Ok(())
}

/// Creates or verifies the table of `R` on `conn`, inside a transaction of its own if `own_tx`.
fn prepare_table<R: Record>(
    db: &Database,
    conn: &mut dyn Connection,
    own_tx: bool,
    fit: Fit,
) -> Result<TableState> {
    let dialect = db.dialect();
    let schema = R::schema();
    let statements = TableStatements::new(dialect, schema)?;
    let record = std::any::type_name::<R>();
    let info = match conn.introspect(&schema.name)? {
        Some(info) => info,
        None => {
            let ddl = creation_statements(db, conn, schema)?;
            if own_tx {
                conn.begin()?;
            }
            let created = ddl
                .iter()
                .try_for_each(|sql| conn.execute(sql, &[]).map(drop))
                .and_then(|()| conn.introspect(&schema.name))
                .and_then(|info| info.ok_or_else(|| vanished(&schema.name)));
            let created = created.and_then(|info| {
                if own_tx {
                    conn.commit()?;
                }
                Ok(info)
            });
            match created {
                Ok(info) => info,
                Err(e) => {
                    if !own_tx {
                        return Err(e);
                    }
                    let _ = conn.rollback();
                    // Another connection or process may have created it at the same moment
                    // (Postgres then reports a duplicate); verify theirs instead.
                    match conn.introspect(&schema.name) {
                        Ok(Some(info)) => info,
                        _ => return Err(e),
                    }
                }
            }
        }
    };
    verify_fit(dialect, schema, &info, record, fit)?;
    let mut generated = schema.generated_columns();
    let id_only = matches!(
        (generated.next().map(|c| c.role), generated.next()),
        (Some(anytable_core::ColumnRole::Id), None)
    );
    let narrow = schema
        .columns
        .iter()
        .filter_map(|column| {
            let found = info.columns.iter().find(|c| c.name == column.name)?;
            anytable_core::check::narrower_integer(column.ty, found.ty)
                .map(|stored| (column.name.as_str(), stored))
        })
        .collect();
    Ok(TableState {
        schema,
        statements,
        id_only,
        index_entries: index_entries(schema),
        narrow,
    })
}

/// For each index and unique constraint of `schema`, its text and bytes data columns.
fn index_entries(schema: &anytable_core::TableSchema) -> Vec<Vec<(usize, String)>> {
    let data: Vec<&anytable_core::ColumnSchema> = schema.data_columns().collect();
    let groups = schema
        .columns
        .iter()
        .filter(|c| c.unique)
        .map(|c| vec![c.name.clone()])
        .chain(schema.unique.iter().cloned())
        .chain(schema.indexes.iter().map(|i| i.columns.clone()));
    groups
        .map(|columns| {
            columns
                .iter()
                .filter_map(|name| {
                    let position = data.iter().position(|c| c.name == *name)?;
                    let ty = data[position].ty;
                    matches!(
                        ty,
                        anytable_core::ValueType::Text | anytable_core::ValueType::Bytes
                    )
                    .then(|| (position, name.clone()))
                })
                .collect::<Vec<_>>()
        })
        .filter(|entry| !entry.is_empty())
        .collect()
}

fn vanished(table: &str) -> Error {
    Error::new(
        ErrorKind::Other,
        format!("table {table:?} was created but cannot be found afterwards"),
    )
}

const ACTIVE: u8 = 0;
const ABORTED: u8 = 1;
const FINISHED: u8 = 2;

/// An open transaction; get table handles from it with [`Transaction::table`].
///
/// Use it from one thread at a time; a call made while another call of the same transaction
/// is still running (from inside a `for_each` callback, or while an `iter()` of it is open) is
/// an error, not a deadlock.
pub struct Transaction {
    db: Database,
    conn: Exclusive<TracedConnection>,
    state: AtomicU8,
}

impl Transaction {
    /// The table of record type `R`, for use inside this transaction.
    pub fn table<R: Record>(&self) -> Result<TableHandle<'_, R>> {
        let state = match self.db.cached::<R>() {
            Some(state) => state,
            // Not cached: whatever this transaction creates may still be rolled back.
            None => {
                Arc::new(self.run(|conn| prepare_table::<R>(&self.db, conn, false, Fit::Exact))?)
            }
        };
        Ok(TableHandle::new(self.db.clone(), Some(self), state))
    }

    /// The database this transaction runs on.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Runs one SQL statement inside this transaction (an escape hatch, like [`Database::execute`]).
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let (sql, statement) = crate::raw::portable_statement(&self.db, sql)?;
        self.run(|conn| crate::raw::execute(conn, &sql, statement, params))
    }

    /// [`Database::query`] inside this transaction: it sees the transaction's writes.
    pub fn query<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Vec<T>> {
        let sql = crate::raw::portable(&self.db, sql)?;
        self.run(|conn| crate::raw::all(conn, &sql, params))
    }

    /// [`Database::query_one`] inside this transaction.
    pub fn query_one<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<Option<T>> {
        let sql = crate::raw::portable(&self.db, sql)?;
        self.run(|conn| crate::raw::one(conn, &sql, params))
    }

    /// [`Database::query_scalar`] inside this transaction.
    pub fn query_scalar<T: ColumnValue>(&self, sql: &str, params: &[Value]) -> Result<Option<T>> {
        self.query_one::<(T,)>(sql, params).map(crate::raw::scalar)
    }

    /// [`Database::query_iter`] inside this transaction; other calls of the transaction are
    /// [`ErrorKind::InvalidInput`] while it is open, as with [`Select::iter`](crate::Select::iter).
    pub fn query_iter<T: FromRow>(&self, sql: &str, params: &[Value]) -> Result<RowIter<'_, T>> {
        RowIter::open(&self.db, Some(self), sql, params)
    }

    /// Runs `f` on the transaction's connection; any error rolls the transaction back.
    pub(crate) fn run<T>(&self, f: impl FnOnce(&mut dyn Connection) -> Result<T>) -> Result<T> {
        let mut conn = self.lock()?;
        match f(&mut *conn) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.abort(&mut conn);
                Err(e)
            }
        }
    }

    /// The transaction's connection, while the transaction is active and no other call of it
    /// runs.
    pub(crate) fn lock(&self) -> Result<ExclusiveGuard<'_, TracedConnection>> {
        match self.state.load(Ordering::Acquire) {
            ACTIVE => {}
            ABORTED => return Err(aborted()),
            _ => return Err(finished()),
        }
        self.try_connection()
    }

    fn try_connection(&self) -> Result<ExclusiveGuard<'_, TracedConnection>> {
        self.conn.try_lock().ok_or_else(|| {
            Error::invalid_input(
                "this transaction is already running a statement: do not call it from inside \
                 its own for_each callback, while one of its iter() is open, or from two \
                 threads at once",
            )
        })
    }

    /// Rolls back after a failed statement: PostgreSQL and DuckDB refuse further statements
    /// after an error; SQLite would not, but behaving the same everywhere is the point.
    pub(crate) fn abort(&self, conn: &mut TracedConnection) {
        let _ = conn.rollback();
        self.state.store(ABORTED, Ordering::Release);
    }

    /// Commits the transaction; later calls on it fail.
    ///
    /// # Errors
    /// [`ErrorKind::TransactionAborted`] (and nothing committed) if a statement in it failed;
    /// [`ErrorKind::InvalidInput`] if it was already committed or rolled back; the engine's
    /// error if the commit itself fails, after which it is rolled back.
    pub fn commit(&self) -> Result<()> {
        if self.state.load(Ordering::Acquire) == FINISHED {
            return Err(finished());
        }
        self.finish(Ok(()))
    }

    /// Rolls the transaction back; later calls on it fail.
    pub fn rollback(&self) -> Result<()> {
        let mut conn = self.try_connection()?;
        let state = self.state.swap(FINISHED, Ordering::AcqRel);
        match state {
            ACTIVE => conn.rollback(),
            // Already rolled back when its statement failed.
            ABORTED => Ok(()),
            _ => Err(finished()),
        }
    }

    /// Whether it has not been committed, rolled back or aborted yet.
    pub fn is_active(&self) -> bool {
        self.state.load(Ordering::Acquire) == ACTIVE
    }

    /// Ends the transaction the way [`Database::transaction`] does with its closure's
    /// `result`: commits on `Ok` (unless it was ended inside), rolls back on `Err`, and turns
    /// an `Ok` after a failed statement into [`ErrorKind::TransactionAborted`].
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`], with nothing ended, while a call of the transaction still
    /// runs (an `iter()` of it is open).
    pub fn finish<T>(&self, result: Result<T>) -> Result<T> {
        let mut conn = self.try_connection()?;
        let state = self.state.swap(FINISHED, Ordering::AcqRel);
        match (result, state) {
            (Ok(v), ACTIVE) => match conn.commit() {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = conn.rollback();
                    Err(commit_failed(e))
                }
            },
            // The closure swallowed an error and returned Ok; nothing was committed.
            (Ok(_), ABORTED) => Err(aborted()),
            // Ended explicitly (commit or rollback) inside the closure.
            (Ok(v), _) => Ok(v),
            (Err(e), ACTIVE) => {
                let _ = conn.rollback();
                Err(e)
            }
            (Err(e), _) => Err(e),
        }
    }
}

/// A failed COMMIT as the caller must treat it: when the answer was lost (the connection, or
/// a timeout) the engine may have committed, so it is [`ErrorKind::CommitOutcomeUnknown`],
/// which no retry loop reruns; a COMMIT the engine refused (a conflict, a busy database)
/// wrote nothing and keeps its kind.
fn commit_failed(e: Error) -> Error {
    if !matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout) {
        return e;
    }
    let mut unknown = Error::new(
        ErrorKind::CommitOutcomeUnknown,
        format!(
            "the transaction may or may not have been committed: {} while COMMIT was in \
             flight ({}); anytable does not run it again, so look for its writes (a key it \
             wrote) before running it again",
            e.kind(),
            e.message()
        ),
    );
    if let Some(backend) = e.backend() {
        unknown = unknown.with_backend(backend);
    }
    if let Some(code) = e.code() {
        unknown = unknown.with_code(code.to_owned());
    }
    unknown.with_source(e)
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.state.load(Ordering::Acquire) == ACTIVE {
            let _ = self.conn.get_mut().rollback();
        }
    }
}

fn finished() -> Error {
    Error::invalid_input("this transaction was already committed or rolled back")
}

fn aborted() -> Error {
    Error::new(
        ErrorKind::TransactionAborted,
        "an earlier statement in this transaction failed, so it was rolled back; \
         nothing in it was committed",
    )
}
