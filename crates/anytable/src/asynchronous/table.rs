//! [`AsyncTable`]: the typed operations on one record type's table, async, and the object-safe
//! [`AsyncTableOps`] over them.

use async_trait::async_trait;

use super::{blocking, AsyncSelect, AsyncTransaction, RecordStream};
use crate::{Assignment, Filter, OnConflict, Record, Result, Table, TableSchema};

/// The async twin of [`Table`], from [`AsyncDatabase::table`](super::AsyncDatabase::table) or
/// [`AsyncTransaction::table`].
///
/// Records are taken by value and handed back with their generated fields (id, added,
/// updated) filled in. Cheap to clone; handles outside a transaction are `Send + Sync + 'static`,
/// so they can live in an axum state or a spawned task.
pub struct AsyncTable<R> {
    table: Table<'static, R>,
    tx: Option<AsyncTransaction>,
}

impl<R> Clone for AsyncTable<R> {
    fn clone(&self) -> Self {
        AsyncTable {
            table: self.table.clone(),
            tx: self.tx.clone(),
        }
    }
}

impl<R: Record> AsyncTable<R> {
    pub(super) fn new(table: Table<'static, R>, tx: Option<AsyncTransaction>) -> Self {
        AsyncTable { table, tx }
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
        f: impl FnOnce(&Table<'_, R>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let table = self.table.clone();
        match &self.tx {
            None => blocking(move || f(&table)).await,
            Some(tx) => tx.run(move |tx| f(&table.within(tx)?)).await,
        }
    }

    /// Inserts one record; returns its new id and the record with its generated fields filled
    /// in (see [`Table::insert`]).
    pub async fn insert(&self, mut record: R) -> Result<(R::Id, R)> {
        self.run(move |t| t.insert(&mut record).map(|id| (id, record)))
            .await
    }

    /// Inserts many records by the backend's fastest bulk path, all or nothing; returns how
    /// many (see [`Table::insert_many`]).
    pub async fn insert_many(&self, records: Vec<R>) -> Result<u64> {
        self.run(move |t| t.insert_many(&records)).await
    }

    /// The record with this id, if any (see [`Table::get`]).
    pub async fn get(&self, id: i64) -> Result<Option<R>> {
        self.run(move |t| t.get(id)).await
    }

    /// Starts a query over this table; add filters, ordering and limits, then run it.
    pub fn select(&self) -> AsyncSelect<R> {
        AsyncSelect::new(self.table.select(), self.tx.clone())
    }

    /// Shorthand for `select().filter(filter)`.
    pub fn filter(&self, filter: Filter<R>) -> AsyncSelect<R> {
        self.select().filter(filter)
    }

    /// The number of rows in the table.
    pub async fn count(&self) -> Result<u64> {
        self.run(|t| t.count()).await
    }

    /// The first `n` rows, in id order when the table has an id.
    pub async fn head(&self, n: u64) -> Result<Vec<R>> {
        self.run(move |t| t.head(n)).await
    }

    /// Sets columns on every row matching `filter`; returns how many rows changed (see
    /// [`Table::update`]).
    pub async fn update(
        &self,
        filter: Filter<R>,
        set: impl IntoIterator<Item = Assignment<R>>,
    ) -> Result<u64> {
        let set: Vec<_> = set.into_iter().collect();
        self.run(move |t| t.update(filter, set)).await
    }

    /// Deletes every row matching `filter`; returns how many (see [`Table::delete`]).
    pub async fn delete(&self, filter: Filter<R>) -> Result<u64> {
        self.run(move |t| t.delete(filter)).await
    }

    /// Deletes every row; returns how many.
    pub async fn delete_all(&self) -> Result<u64> {
        self.run(|t| t.delete_all()).await
    }

    /// Inserts `record`, or on a unique conflict does what `on_conflict` says; returns the id
    /// of the row written (`None` when nothing was written) and the record (see
    /// [`Table::upsert`]).
    pub async fn upsert(
        &self,
        mut record: R,
        on_conflict: OnConflict<R>,
    ) -> Result<(Option<R::Id>, R)> {
        self.run(move |t| t.upsert(&mut record, on_conflict).map(|id| (id, record)))
            .await
    }
}

/// The table operations as an object-safe trait, for code that holds
/// `Arc<dyn AsyncTableOps<R>>`: a service that should not care whether it runs inside a
/// transaction, or tests that put an in-memory fake in its place. [`AsyncTable`] implements
/// it by calling its own methods of the same names.
#[async_trait]
pub trait AsyncTableOps<R: Record>: Send + Sync {
    /// See [`AsyncTable::insert`].
    async fn insert(&self, record: R) -> Result<(R::Id, R)>;
    /// See [`AsyncTable::insert_many`].
    async fn insert_many(&self, records: Vec<R>) -> Result<u64>;
    /// See [`AsyncTable::get`].
    async fn get(&self, id: i64) -> Result<Option<R>>;
    /// Every row matching `filter`; see [`AsyncSelect::all`].
    async fn find(&self, filter: Filter<R>) -> Result<Vec<R>>;
    /// Rows matching `filter` as a stream; see [`AsyncSelect::stream`].
    fn stream(&self, filter: Filter<R>) -> RecordStream<R>;
    /// See [`AsyncTable::count`].
    async fn count(&self) -> Result<u64>;
    /// See [`AsyncTable::update`].
    async fn update(&self, filter: Filter<R>, set: Vec<Assignment<R>>) -> Result<u64>;
    /// See [`AsyncTable::delete`].
    async fn delete(&self, filter: Filter<R>) -> Result<u64>;
    /// See [`AsyncTable::upsert`].
    async fn upsert(&self, record: R, on_conflict: OnConflict<R>) -> Result<(Option<R::Id>, R)>;
}

#[async_trait]
impl<R: Record> AsyncTableOps<R> for AsyncTable<R> {
    async fn insert(&self, record: R) -> Result<(R::Id, R)> {
        AsyncTable::insert(self, record).await
    }
    async fn insert_many(&self, records: Vec<R>) -> Result<u64> {
        AsyncTable::insert_many(self, records).await
    }
    async fn get(&self, id: i64) -> Result<Option<R>> {
        AsyncTable::get(self, id).await
    }
    async fn find(&self, filter: Filter<R>) -> Result<Vec<R>> {
        self.filter(filter).all().await
    }
    fn stream(&self, filter: Filter<R>) -> RecordStream<R> {
        self.filter(filter).stream()
    }
    async fn count(&self) -> Result<u64> {
        AsyncTable::count(self).await
    }
    async fn update(&self, filter: Filter<R>, set: Vec<Assignment<R>>) -> Result<u64> {
        AsyncTable::update(self, filter, set).await
    }
    async fn delete(&self, filter: Filter<R>) -> Result<u64> {
        AsyncTable::delete(self, filter).await
    }
    async fn upsert(&self, record: R, on_conflict: OnConflict<R>) -> Result<(Option<R::Id>, R)> {
        AsyncTable::upsert(self, record, on_conflict).await
    }
}
