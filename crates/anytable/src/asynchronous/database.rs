//! [`AsyncDatabase`]: the async handle on one database.

use std::future::Future;

use super::{blocking, pooled, turn, AsyncTableHandle, AsyncTransaction};
use crate::backend::Dialect;
use crate::{Capabilities, ColumnValue, Database, FromRow, MigrationPlan, Record, Result, Value};

/// The async twin of [`Database`]: `Clone + Send + Sync`, sharing the same pool.
///
/// No call runs on a thread that drives other tasks (see [the module docs](super)).
#[derive(Clone, Debug)]
pub struct AsyncDatabase {
    db: Database,
}

impl AsyncDatabase {
    /// Opens the database at `url`, like [`Database::open`] (which may connect to a server or
    /// create a file, so it runs off the worker threads too).
    pub async fn open(url: &str) -> Result<AsyncDatabase> {
        let url = url.to_owned();
        let db = blocking(move || Database::open(&url)).await?;
        Ok(AsyncDatabase { db })
    }

    /// This handle with a limit on how long each call through it (and through the tables
    /// and transactions it hands out) may take; see [`Database::with_timeout`]. Past it the
    /// call is stopped in the engine and fails with the retryable
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout).
    pub fn with_timeout(&self, timeout: std::time::Duration) -> AsyncDatabase {
        AsyncDatabase {
            db: self.db.with_timeout(timeout),
        }
    }

    /// The limit [`with_timeout`](Self::with_timeout) set on this handle's calls.
    pub fn timeout(&self) -> Option<std::time::Duration> {
        self.db.timeout()
    }

    /// The sync handle this wraps; both share one pool, so they may be used side by side.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The backend's name, e.g. `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        self.db.backend_name()
    }

    /// What the backend can do.
    pub fn capabilities(&self) -> &Capabilities {
        self.db.capabilities()
    }

    /// The SQL dialect of the backend.
    pub fn dialect(&self) -> &dyn Dialect {
        self.db.dialect()
    }

    /// Runs `f` with the sync handle off the runtime's worker threads, like every call of this
    /// API, and returns what it returns.
    ///
    /// For hot loops of tiny statements: each async call pays tokio's hand-off (about half a
    /// microsecond), which is a third of a SQLite insert; a loop inside one `run_blocking`
    /// pays it once.
    ///
    /// ```
    /// # use anytable::{AsyncDatabase, Record};
    /// # #[derive(Record)] struct Point { #[anytable(id)] id: i64, x: i64 }
    /// # fn main() -> anytable::Result<()> {
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = AsyncDatabase::open("sqlite::memory:").await?;
    /// let added = db
    ///     .run_blocking(|db| {
    ///         db.transaction(|tx| {
    ///             let points = tx.table::<Point>()?;
    ///             for x in 0..1000 {
    ///                 points.insert(&mut Point { id: 0, x })?;
    ///             }
    ///             points.count()
    ///         })
    ///     })
    ///     .await?;
    /// assert_eq!(added, 1000);
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = self.db.clone();
        blocking(move || f(&db)).await
    }

    /// The table of record type `R`: created if missing, verified if present (see
    /// [`Database::table`](crate::Database::table)).
    pub async fn table<R: Record>(&self) -> Result<AsyncTableHandle<R>> {
        let db = self.db.clone();
        let table = blocking(move || db.table::<R>()).await?;
        Ok(AsyncTableHandle::new(table, None))
    }

    /// Runs one SQL statement with `?` placeholders (see
    /// [`Database::execute`](crate::Database::execute)).
    pub async fn execute(&self, sql: impl Into<String>, params: Vec<Value>) -> Result<u64> {
        let (db, sql) = (self.db.clone(), sql.into());
        pooled(&self.db, move || db.execute(&sql, &params)).await
    }

    /// Every row of a hand-written query as a `T` (see [`Database::query`]): `?`
    /// placeholders on every backend, values bound as parameters.
    pub async fn query<T: FromRow + Send + 'static>(
        &self,
        sql: impl Into<String>,
        params: Vec<Value>,
    ) -> Result<Vec<T>> {
        let (db, sql) = (self.db.clone(), sql.into());
        pooled(&self.db, move || db.query(&sql, &params)).await
    }

    /// The first row of a hand-written query, if any (see [`Database::query_one`]).
    pub async fn query_one<T: FromRow + Send + 'static>(
        &self,
        sql: impl Into<String>,
        params: Vec<Value>,
    ) -> Result<Option<T>> {
        let (db, sql) = (self.db.clone(), sql.into());
        pooled(&self.db, move || db.query_one(&sql, &params)).await
    }

    /// The first column of the first row, if any (see [`Database::query_scalar`]).
    pub async fn query_scalar<T: ColumnValue + Send + 'static>(
        &self,
        sql: impl Into<String>,
        params: Vec<Value>,
    ) -> Result<Option<T>> {
        let (db, sql) = (self.db.clone(), sql.into());
        pooled(&self.db, move || db.query_scalar(&sql, &params)).await
    }

    /// What [`migrate`](Self::migrate) would do, without doing it (see
    /// [`Database::migration_plan`]).
    pub async fn migration_plan<R: Record>(&self) -> Result<MigrationPlan> {
        let db = self.db.clone();
        blocking(move || db.migration_plan::<R>()).await
    }

    /// Brings `R`'s table up to the record by additions only (see [`Database::migrate`]).
    pub async fn migrate<R: Record>(&self) -> Result<MigrationPlan> {
        let db = self.db.clone();
        blocking(move || db.migrate::<R>()).await
    }

    /// The table of `R`, tolerating columns `R` does not name (see [`Database::adopt`]).
    pub async fn adopt<R: Record>(&self) -> Result<AsyncTableHandle<R>> {
        let db = self.db.clone();
        let table = blocking(move || db.adopt::<R>()).await?;
        Ok(AsyncTableHandle::new(table, None))
    }

    /// Copies `R`'s table from `source`, ids and timestamps kept (see
    /// [`Database::copy_from`]).
    pub async fn copy_from<R: Record>(&self, source: &AsyncDatabase) -> Result<u64> {
        let (db, source) = (self.db.clone(), source.db.clone());
        blocking(move || db.copy_from::<R>(&source)).await
    }

    /// Starts a transaction; end it with [`AsyncTransaction::commit`] or
    /// [`AsyncTransaction::rollback`] (dropping it rolls back).
    pub async fn begin(&self) -> Result<AsyncTransaction> {
        // The turn is the transaction's until it ends, as its connection is.
        let turn = turn(&self.db).await?;
        let db = self.db.clone();
        let tx = blocking(move || db.begin()).await?;
        Ok(AsyncTransaction::new(tx, turn))
    }

    /// Runs `f` in one transaction: commits if its future returns `Ok`, rolls back on `Err`,
    /// on a panic, or when the future is dropped before it finishes.
    ///
    /// Same guarantees as [`Database::transaction`](crate::Database::transaction): the write lock is taken up front where
    /// the engine has one, and after a failed statement every later call in it returns
    /// [`ErrorKind::TransactionAborted`](crate::ErrorKind::TransactionAborted).
    pub async fn transaction<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(AsyncTransaction) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let tx = self.begin().await?;
        match f(tx.clone()).await {
            Ok(value) => tx.finish().await.map(|()| value),
            Err(e) => {
                // The error to report is the closure's; an aborted transaction is already
                // rolled back, and rolling back twice is harmless.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Like [`transaction`](Self::transaction), but reruns the whole transaction when it fails
    /// with a retryable error, up to `attempts` runs, pausing (without blocking the runtime)
    /// longer before each rerun; see [`Database::transaction_with_retry`](crate::Database::transaction_with_retry).
    pub async fn transaction_with_retry<T, F, Fut>(&self, attempts: u32, mut f: F) -> Result<T>
    where
        F: FnMut(AsyncTransaction) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.transaction(&mut f).await {
                Err(e) if e.is_retryable() && attempt < attempts => {
                    tokio::time::sleep(crate::retry_pause(&e, attempt)).await;
                }
                other => return other,
            }
        }
    }
}

impl From<Database> for AsyncDatabase {
    fn from(db: Database) -> Self {
        AsyncDatabase { db }
    }
}
