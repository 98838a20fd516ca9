//! The [`Table`] trait: the typed operations on the table of one record type, the same on
//! every backend; [`TableHandle`] implements it on a real database.

#[cfg(feature = "arrow")]
mod arrow;
mod handle;
mod joined;
mod on_conflict;
#[cfg(feature = "parquet")]
mod parquet;
#[cfg(feature = "parquet")]
pub use self::parquet::MAX_PARQUET_BATCH_BYTES;
mod projected;
mod query;
mod select;

use anytable_core::{Assignment, Filter, Record, Result};

#[cfg(feature = "arrow")]
pub use arrow::{ArrowBatches, ArrowReader, DEFAULT_BATCH_ROWS};
pub use handle::TableHandle;
#[cfg(feature = "async")]
pub(crate) use handle::{counted, InsertCall, Inserted};
pub use joined::{JoinIter, Joined, JoinedRecord};
pub use on_conflict::OnConflict;
pub use projected::Projected;
pub use query::Query;
pub use select::{RecordIter, Select};

/// The typed operations on the table of record type `R`: what anytable promises to answer
/// the same way on SQLite, DuckDB and PostgreSQL.
///
/// [`Database::table`](crate::Database::table) gives a [`TableHandle`], which implements it
/// (and adds [`select`](TableHandle::select) for queries read row by row). Code written
/// against the trait runs on any backend, inside a transaction or not, and a test can hand it
/// a fake. The trait is object-safe: hold a table as `&dyn Table<R>` or
/// `Arc<dyn Table<R> + Send + Sync>`. [`AsyncTable`](crate::AsyncTable) (feature `async`) is
/// its async twin, with the same operations in the same order.
///
/// ```
/// use anytable::{Database, Query, Record, Table};
///
/// #[derive(Record)]
/// struct Task {
///     #[anytable(id)]
///     id: i64,
///     title: String,
///     done: bool,
/// }
///
/// /// Works on any table of tasks: a real one on any backend, or a fake.
/// fn finish_all(tasks: &dyn Table<Task>) -> anytable::Result<u64> {
///     tasks.update(Task::done().eq(false), vec![Task::done().set(true)])
/// }
///
/// # fn main() -> anytable::Result<()> {
/// let db = Database::open("sqlite::memory:")?;
/// let tasks = db.table::<Task>()?;
/// tasks.insert(&mut Task { id: 0, title: "write".into(), done: false })?;
/// assert_eq!(finish_all(&tasks)?, 1);
/// assert_eq!(tasks.find(Query::new().filter(Task::done().eq(true)))?.len(), 1);
/// # Ok(())
/// # }
/// ```
pub trait Table<R: Record> {
    /// The table's name.
    fn name(&self) -> &str;

    /// Inserts one record and fills in what the database generated (id, added, updated);
    /// returns the new id (`()` for records without an id column).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the column, before
    /// anything is written, for a value no backend stores the same way (see the crate docs);
    /// the engine's error otherwise.
    fn insert(&self, record: &mut R) -> Result<R::Id>;

    /// Inserts many records by the backend's fastest bulk path, all or nothing; returns how
    /// many. Generated fields are not handed back.
    fn insert_many(&self, records: &[R]) -> Result<u64>;

    /// The record with this id, if any.
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) if `R` has no id column.
    fn get(&self, id: i64) -> Result<Option<R>>;

    /// Every row `query` selects, in its order.
    fn find(&self, query: Query<R>) -> Result<Vec<R>>;

    /// The first row `query` selects, if any.
    fn find_first(&self, query: Query<R>) -> Result<Option<R>>;

    /// Hands each row `query` selects to `f` as it is read, without collecting them, until `f`
    /// returns `Ok(false)` or an error.
    fn for_each_while(&self, query: Query<R>, f: &mut dyn FnMut(R) -> Result<bool>) -> Result<()>;

    /// The number of rows in the table.
    fn count(&self) -> Result<u64>;

    /// The number of rows matching `filter`.
    fn count_matching(&self, filter: Filter<R>) -> Result<u64>;

    /// The first `n` rows, in id order when the table has an id.
    fn head(&self, n: u64) -> Result<Vec<R>>;

    /// Sets columns on every row matching `filter` (and the record's "updated" timestamp);
    /// returns how many rows changed.
    fn update(&self, filter: Filter<R>, set: Vec<Assignment<R>>) -> Result<u64>;

    /// Deletes every row matching `filter`; returns how many.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a filter true for
    /// every row by construction: that is [`delete_all`](Self::delete_all).
    fn delete(&self, filter: Filter<R>) -> Result<u64>;

    /// Deletes every row; returns how many.
    fn delete_all(&self) -> Result<u64>;

    /// Inserts `record`, or on a unique conflict does what `on_conflict` says; returns the id
    /// of the row written, `None` when nothing was written.
    fn upsert(&self, record: &mut R, on_conflict: OnConflict<R>) -> Result<Option<R::Id>>;
}

impl<R: Record> Table<R> for TableHandle<'_, R> {
    fn name(&self) -> &str {
        TableHandle::name(self)
    }
    fn insert(&self, record: &mut R) -> Result<R::Id> {
        TableHandle::insert(self, record)
    }
    fn insert_many(&self, records: &[R]) -> Result<u64> {
        TableHandle::insert_many(self, records)
    }
    fn get(&self, id: i64) -> Result<Option<R>> {
        TableHandle::get(self, id)
    }
    fn find(&self, query: Query<R>) -> Result<Vec<R>> {
        Select::new(self.clone(), query).all()
    }
    fn find_first(&self, query: Query<R>) -> Result<Option<R>> {
        Select::new(self.clone(), query).first()
    }
    fn for_each_while(&self, query: Query<R>, f: &mut dyn FnMut(R) -> Result<bool>) -> Result<()> {
        Select::new(self.clone(), query).for_each_while(f)
    }
    fn count(&self) -> Result<u64> {
        TableHandle::count(self)
    }
    fn count_matching(&self, filter: Filter<R>) -> Result<u64> {
        TableHandle::count_matching(self, filter)
    }
    fn head(&self, n: u64) -> Result<Vec<R>> {
        TableHandle::head(self, n)
    }
    fn update(&self, filter: Filter<R>, set: Vec<Assignment<R>>) -> Result<u64> {
        TableHandle::update(self, filter, set)
    }
    fn delete(&self, filter: Filter<R>) -> Result<u64> {
        TableHandle::delete(self, filter)
    }
    fn delete_all(&self) -> Result<u64> {
        TableHandle::delete_all(self)
    }
    fn upsert(&self, record: &mut R, on_conflict: OnConflict<R>) -> Result<Option<R::Id>> {
        TableHandle::upsert(self, record, on_conflict)
    }
}
