//! [`AsyncTransaction`]: one transaction, held across awaits.

use std::sync::Arc;

use super::{blocking, AsyncTableHandle};
use crate::{ColumnValue, FromRow, Record, Result, Transaction, Value};

/// An open transaction, from [`AsyncDatabase::begin`](super::AsyncDatabase::begin) or
/// [`AsyncDatabase::transaction`](super::AsyncDatabase::transaction).
///
/// Cheap to clone; every clone is the same transaction. Calls on it run one at a time in the
/// order they were made (concurrent calls from several tasks wait for each other, since a
/// transaction is one connection). Dropping the last clone of an active transaction rolls it
/// back on the blocking pool. Its connection goes back to the pool when the last clone, and
/// the last table handle taken from it, is dropped (committing does not end the handles).
#[derive(Clone)]
pub struct AsyncTransaction {
    shared: Arc<Shared>,
}

struct Shared {
    // Option so that Drop can move it to the blocking pool.
    tx: Option<Arc<Transaction>>,
    /// Held from the start to the end of each call, so calls queue instead of colliding.
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Its turn at the pool ([`super::Admission`]), given back when it ends.
    admitted: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl AsyncTransaction {
    pub(super) fn new(
        tx: Transaction,
        admitted: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Self {
        AsyncTransaction {
            shared: Arc::new(Shared {
                tx: Some(Arc::new(tx)),
                turn: Arc::new(tokio::sync::Mutex::new(())),
                admitted,
            }),
        }
    }

    /// Runs `f` on the transaction off the runtime's worker threads, after the calls made
    /// before it.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        // The turn moves into the blocking call, so a caller that stops waiting (a dropped
        // future) does not let the next call start while this one still runs.
        let turn = self.shared.turn.clone().lock_owned().await;
        let tx = self.shared.tx().clone();
        blocking(move || {
            let result = f(&tx);
            drop(turn);
            result
        })
        .await
    }

    /// The table of record type `R`, for use inside this transaction.
    pub async fn table<R: Record>(&self) -> Result<AsyncTableHandle<R>> {
        // Prepared inside the transaction: a table it creates is rolled back with it.
        let table = self
            .run(|tx| tx.table::<R>().map(|t| t.outside_transaction()))
            .await?;
        Ok(AsyncTableHandle::new(table, Some(self.clone())))
    }

    /// Runs one SQL statement inside this transaction (see [`Transaction::execute`]).
    pub async fn execute(&self, sql: impl Into<String>, params: Vec<Value>) -> Result<u64> {
        let sql = sql.into();
        self.run(move |tx| tx.execute(&sql, &params)).await
    }

    /// [`AsyncDatabase::query`](super::AsyncDatabase::query) inside this transaction.
    pub async fn query<T: FromRow + Send + 'static>(
        &self,
        sql: impl Into<String>,
        params: Vec<Value>,
    ) -> Result<Vec<T>> {
        let sql = sql.into();
        self.run(move |tx| tx.query(&sql, &params)).await
    }

    /// [`AsyncDatabase::query_one`](super::AsyncDatabase::query_one) inside this transaction.
    pub async fn query_one<T: FromRow + Send + 'static>(
        &self,
        sql: impl Into<String>,
        params: Vec<Value>,
    ) -> Result<Option<T>> {
        let sql = sql.into();
        self.run(move |tx| tx.query_one(&sql, &params)).await
    }

    /// [`AsyncDatabase::query_scalar`](super::AsyncDatabase::query_scalar) inside this
    /// transaction.
    pub async fn query_scalar<T: ColumnValue + Send + 'static>(
        &self,
        sql: impl Into<String>,
        params: Vec<Value>,
    ) -> Result<Option<T>> {
        let sql = sql.into();
        self.run(move |tx| tx.query_scalar(&sql, &params)).await
    }

    /// Commits; see [`Transaction::commit`].
    pub async fn commit(&self) -> Result<()> {
        self.run(|tx| tx.commit()).await
    }

    /// Rolls back; see [`Transaction::rollback`].
    pub async fn rollback(&self) -> Result<()> {
        self.run(|tx| tx.rollback()).await
    }

    /// Whether it has not been committed, rolled back or aborted yet.
    pub fn is_active(&self) -> bool {
        self.shared.tx().is_active()
    }

    /// Commits the way [`AsyncDatabase::transaction`](super::AsyncDatabase::transaction) does
    /// when its closure succeeds: `TransactionAborted` after a failed statement, and nothing to
    /// do if the closure already committed or rolled back.
    pub(super) async fn finish(&self) -> Result<()> {
        self.run(|tx| tx.finish(Ok(()))).await
    }
}

impl Shared {
    fn tx(&self) -> &Arc<Transaction> {
        self.tx.as_ref().expect("present until drop")
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Rolling back blocks on the engine: not on a runtime worker thread.
        let Some(tx) = self.tx.take() else { return };
        if tx.is_active() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                // The turn goes back once the connection has.
                let admitted = self.admitted.take();
                runtime.spawn_blocking(move || {
                    drop(tx);
                    drop(admitted);
                });
            }
        }
    }
}
