//! The [`AsyncTable`] trait, the async twin of [`Table`](crate::Table), and
//! [`AsyncTableHandle`], which implements it on a real database.

use async_trait::async_trait;

use super::{native, pooled, AsyncSelect, AsyncTransaction, RecordStream};
use crate::{
    Assignment, Filter, OnConflict, Query, Record, Result, Select, TableHandle, TableSchema,
};

/// The async twin of [`TableHandle`], from
/// [`AsyncDatabase::table`](super::AsyncDatabase::table) or [`AsyncTransaction::table`]; it
/// implements the [`AsyncTable`] trait.
///
/// Records are taken by value and handed back with their generated fields (id, added,
/// updated) filled in. Cheap to clone; handles outside a transaction are `Send + Sync + 'static`,
/// so they can live in an axum state or a spawned task.
pub struct AsyncTableHandle<R> {
    table: TableHandle<'static, R>,
    tx: Option<AsyncTransaction>,
}

impl<R> Clone for AsyncTableHandle<R> {
    fn clone(&self) -> Self {
        AsyncTableHandle {
            table: self.table.clone(),
            tx: self.tx.clone(),
        }
    }
}

impl<R: Record> AsyncTableHandle<R> {
    pub(super) fn new(table: TableHandle<'static, R>, tx: Option<AsyncTransaction>) -> Self {
        AsyncTableHandle { table, tx }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        self.table.name()
    }

    /// The table's schema, as `R` declares it.
    pub fn schema(&self) -> &'static TableSchema {
        self.table.schema()
    }

    /// Runs `f` on the sync table off the worker threads, inside the transaction if there is
    /// one.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&TableHandle<'_, R>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let table = self.table.clone();
        match &self.tx {
            None => pooled(self.table.database(), move || f(&table)).await,
            Some(tx) => tx.run(move |tx| f(&table.within(tx)?)).await,
        }
    }

    /// The backend's native async statements, for a call outside a transaction.
    fn native(&self) -> Option<&dyn anytable_core::AsyncStatements> {
        match self.tx {
            Some(_) => None,
            None => native::statements(self.table.database()),
        }
    }

    /// Inserts one record; returns its new id and the record with its generated fields filled
    /// in (see [`TableHandle::insert`]).
    pub async fn insert(&self, mut record: R) -> Result<(R::Id, R)> {
        if let Some(native) = self.native() {
            return native::insert(&self.table, native, record).await;
        }
        self.run(move |t| t.insert(&mut record).map(|id| (id, record)))
            .await
    }

    /// Inserts many records by the backend's fastest bulk path, all or nothing; returns how
    /// many (see [`TableHandle::insert_many`]).
    pub async fn insert_many(&self, records: Vec<R>) -> Result<u64> {
        self.run(move |t| t.insert_many(&records)).await
    }

    /// Writes Arrow record batches through the bulk path, all or nothing (see
    /// [`TableHandle::insert_arrow`]).
    #[cfg(feature = "arrow")]
    pub async fn insert_arrow(
        &self,
        batches: Vec<arrow::record_batch::RecordBatch>,
    ) -> Result<u64> {
        self.run(move |t| t.insert_arrow(batches)).await
    }

    /// Loads a Parquet file into the table, all or nothing (see
    /// [`TableHandle::insert_parquet`]).
    #[cfg(feature = "parquet")]
    pub async fn insert_parquet(&self, path: impl Into<std::path::PathBuf>) -> Result<u64> {
        let path = path.into();
        self.run(move |t| t.insert_parquet(path)).await
    }

    /// The record with this id, if any (see [`TableHandle::get`]).
    pub async fn get(&self, id: i64) -> Result<Option<R>> {
        if let Some(native) = self.native() {
            return native::get(&self.table, native, id).await;
        }
        self.run(move |t| t.get(id)).await
    }

    /// Starts a query over this table; add filters, ordering and limits, then run it.
    pub fn select(&self) -> AsyncSelect<R> {
        AsyncSelect::new(self.table.select(), self.tx.clone())
    }

    /// The query `query` over this table, to run as [`select`](Self::select)'s.
    pub fn query(&self, query: Query<R>) -> AsyncSelect<R> {
        AsyncSelect::new(Select::new(self.table.clone(), query), self.tx.clone())
    }

    /// Shorthand for `select().filter(filter)`.
    pub fn filter(&self, filter: Filter<R>) -> AsyncSelect<R> {
        self.select().filter(filter)
    }

    /// The number of rows in the table.
    pub async fn count(&self) -> Result<u64> {
        if let Some(native) = self.native() {
            let sql = self.table.count_all_sql();
            return native::count(self.table.database(), native, sql, &[]).await;
        }
        self.run(|t| t.count()).await
    }

    /// The number of rows matching `filter`.
    pub async fn count_matching(&self, filter: Filter<R>) -> Result<u64> {
        if let Some(native) = self.native() {
            let (sql, params) = self.table.count_statement(filter)?;
            return native::count(self.table.database(), native, &sql, &params).await;
        }
        self.run(move |t| t.count_matching(filter)).await
    }

    /// The first `n` rows, in id order when the table has an id.
    pub async fn head(&self, n: u64) -> Result<Vec<R>> {
        self.run(move |t| t.head(n)).await
    }

    /// Sets columns on every row matching `filter`; returns how many rows changed (see
    /// [`TableHandle::update`]).
    pub async fn update(
        &self,
        filter: Filter<R>,
        set: impl IntoIterator<Item = Assignment<R>>,
    ) -> Result<u64> {
        if let Some(native) = self.native() {
            let (sql, params) = self.table.update_statement(filter, set)?;
            return native::execute(self.table.database(), native, &sql, &params).await;
        }
        let set: Vec<_> = set.into_iter().collect();
        self.run(move |t| t.update(filter, set)).await
    }

    /// Deletes every row matching `filter`; returns how many (see [`TableHandle::delete`]).
    pub async fn delete(&self, filter: Filter<R>) -> Result<u64> {
        if let Some(native) = self.native() {
            return match self.table.delete_statement(filter)? {
                Some((sql, params)) => {
                    native::execute(self.table.database(), native, &sql, &params).await
                }
                None => Ok(0),
            };
        }
        self.run(move |t| t.delete(filter)).await
    }

    /// Deletes every row; returns how many.
    pub async fn delete_all(&self) -> Result<u64> {
        if let Some(native) = self.native() {
            let sql = self.table.delete_all_sql();
            return native::execute(self.table.database(), native, sql, &[]).await;
        }
        self.run(|t| t.delete_all()).await
    }

    /// Inserts `record`, or on a unique conflict does what `on_conflict` says; returns the id
    /// of the row written (`None` when nothing was written) and the record (see
    /// [`TableHandle::upsert`]).
    pub async fn upsert(
        &self,
        mut record: R,
        on_conflict: OnConflict<R>,
    ) -> Result<(Option<R::Id>, R)> {
        self.run(move |t| t.upsert(&mut record, on_conflict).map(|id| (id, record)))
            .await
    }
}

/// The async twin of the [`Table`](crate::Table) trait: the same operations in the same
/// order, with records taken by value and handed back, and [`stream`](Self::stream) where the
/// sync trait has `for_each_while`.
///
/// [`AsyncTableHandle`] implements it. Hold a table as `Arc<dyn AsyncTable<R>>` in a service
/// that should not care whether it runs inside a transaction, or put an in-memory fake in its
/// place in tests.
#[async_trait]
pub trait AsyncTable<R: Record>: Send + Sync {
    /// The table's name.
    fn name(&self) -> &str;
    /// Inserts one record; returns its new id and the record with its generated fields.
    async fn insert(&self, record: R) -> Result<(R::Id, R)>;
    /// Inserts many records by the bulk path, all or nothing; returns how many.
    async fn insert_many(&self, records: Vec<R>) -> Result<u64>;
    /// The record with this id, if any.
    async fn get(&self, id: i64) -> Result<Option<R>>;
    /// Every row `query` selects, in its order.
    async fn find(&self, query: Query<R>) -> Result<Vec<R>>;
    /// The first row `query` selects, if any.
    async fn find_first(&self, query: Query<R>) -> Result<Option<R>>;
    /// The rows `query` selects as a stream, read as it is consumed.
    fn stream(&self, query: Query<R>) -> RecordStream<R>;
    /// The number of rows in the table.
    async fn count(&self) -> Result<u64>;
    /// The number of rows matching `filter`.
    async fn count_matching(&self, filter: Filter<R>) -> Result<u64>;
    /// The first `n` rows, in id order when the table has an id.
    async fn head(&self, n: u64) -> Result<Vec<R>>;
    /// Sets columns on every row matching `filter`; returns how many rows changed.
    async fn update(&self, filter: Filter<R>, set: Vec<Assignment<R>>) -> Result<u64>;
    /// Deletes every row matching `filter`; returns how many.
    async fn delete(&self, filter: Filter<R>) -> Result<u64>;
    /// Deletes every row; returns how many.
    async fn delete_all(&self) -> Result<u64>;
    /// Inserts `record` or resolves the conflict; returns the id written and the record.
    async fn upsert(&self, record: R, on_conflict: OnConflict<R>) -> Result<(Option<R::Id>, R)>;
}

#[async_trait]
impl<R: Record> AsyncTable<R> for AsyncTableHandle<R> {
    fn name(&self) -> &str {
        AsyncTableHandle::name(self)
    }
    async fn insert(&self, record: R) -> Result<(R::Id, R)> {
        AsyncTableHandle::insert(self, record).await
    }
    async fn insert_many(&self, records: Vec<R>) -> Result<u64> {
        AsyncTableHandle::insert_many(self, records).await
    }
    async fn get(&self, id: i64) -> Result<Option<R>> {
        AsyncTableHandle::get(self, id).await
    }
    async fn find(&self, query: Query<R>) -> Result<Vec<R>> {
        self.query(query).all().await
    }
    async fn find_first(&self, query: Query<R>) -> Result<Option<R>> {
        self.query(query).first().await
    }
    fn stream(&self, query: Query<R>) -> RecordStream<R> {
        self.query(query).stream()
    }
    async fn count(&self) -> Result<u64> {
        AsyncTableHandle::count(self).await
    }
    async fn count_matching(&self, filter: Filter<R>) -> Result<u64> {
        AsyncTableHandle::count_matching(self, filter).await
    }
    async fn head(&self, n: u64) -> Result<Vec<R>> {
        AsyncTableHandle::head(self, n).await
    }
    async fn update(&self, filter: Filter<R>, set: Vec<Assignment<R>>) -> Result<u64> {
        AsyncTableHandle::update(self, filter, set).await
    }
    async fn delete(&self, filter: Filter<R>) -> Result<u64> {
        AsyncTableHandle::delete(self, filter).await
    }
    async fn delete_all(&self) -> Result<u64> {
        AsyncTableHandle::delete_all(self).await
    }
    async fn upsert(&self, record: R, on_conflict: OnConflict<R>) -> Result<(Option<R::Id>, R)> {
        AsyncTableHandle::upsert(self, record, on_conflict).await
    }
}
