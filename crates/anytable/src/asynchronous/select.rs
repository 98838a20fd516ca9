//! [`AsyncSelect`]: a query under construction, run with `all`, `first`, `count` or `stream`.

use super::{pooled, AsyncJoined, AsyncProjected, AsyncTransaction, RecordStream};
use crate::{
    Aggregate, Column, ColumnValue, Comparable, Filter, Order, Record, Result, Select, Selection,
    Summable,
};

/// The async twin of [`Select`], from [`AsyncTableHandle::select`](super::AsyncTableHandle::select) or
/// [`AsyncTableHandle::filter`](super::AsyncTableHandle::filter).
pub struct AsyncSelect<R> {
    /// The query on the table outside any transaction; moved into `tx` when it runs.
    select: Select<'static, R>,
    tx: Option<AsyncTransaction>,
}

impl<R: Record> AsyncSelect<R> {
    pub(super) fn new(select: Select<'static, R>, tx: Option<AsyncTransaction>) -> Self {
        AsyncSelect { select, tx }
    }

    /// Keeps rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.select = self.select.filter(filter);
        self
    }

    /// Sorts by this key, after any keys given before.
    pub fn order_by(mut self, order: Order<R>) -> Self {
        self.select = self.select.order_by(order);
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.select = self.select.limit(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.select = self.select.offset(n);
        self
    }

    /// Runs `f` on the query off the worker threads, inside the transaction if there is one.
    async fn run<T: Send + 'static>(
        self,
        f: impl FnOnce(Select<'_, R>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let AsyncSelect { select, tx } = self;
        match tx {
            None => {
                let db = select.database().clone();
                pooled(&db, move || f(select)).await
            }
            Some(tx) => tx.run(move |tx| f(select.within(tx)?)).await,
        }
    }

    /// Runs the query and collects every row (see [`Select::all`]); use
    /// [`stream`](Self::stream) for results too big to hold.
    pub async fn all(self) -> Result<Vec<R>> {
        self.run(|s| s.all()).await
    }

    /// The first matching row, if any.
    pub async fn first(self) -> Result<Option<R>> {
        self.run(|s| s.first()).await
    }

    /// The number of matching rows (ordering, limit and offset are ignored).
    pub async fn count(self) -> Result<u64> {
        self.run(|s| s.count()).await
    }

    /// Selects these columns and aggregates instead of whole records (see
    /// [`Select::columns`]).
    pub fn columns<S: Selection<R>>(self, selection: S) -> AsyncProjected<R, S::Row>
    where
        S::Row: Send + 'static,
    {
        AsyncProjected::new(self.select.columns(selection), self.tx)
    }

    /// The matching rows with the record `via` references, as `(R, P)` (see [`Select::join`]).
    pub fn join<P: Record, C>(self, via: Column<R, C>) -> AsyncJoined<R, P, P> {
        AsyncJoined::new(self.select.join(via), self.tx)
    }

    /// Every matching row with the record `via` references, if any (see
    /// [`Select::left_join`]).
    pub fn left_join<P: Record, C>(self, via: Column<R, C>) -> AsyncJoined<R, P, Option<P>> {
        AsyncJoined::new(self.select.left_join(via), self.tx)
    }

    /// One aggregate over the matching rows (see [`Select::aggregate`]).
    pub async fn aggregate<T: ColumnValue + Send + 'static>(
        self,
        aggregate: Aggregate<R, T>,
    ) -> Result<T> {
        self.run(move |s| s.aggregate(aggregate)).await
    }

    /// The sum of the column over the matching rows (see [`Select::sum`]).
    pub async fn sum<T: Summable>(self, column: Column<R, T>) -> Result<Option<T::Sum>>
    where
        T::Sum: Send + 'static,
    {
        self.aggregate(column.sum()).await
    }

    /// The mean of the column over the matching rows, as `f64`.
    pub async fn avg<T: Summable>(self, column: Column<R, T>) -> Result<Option<f64>> {
        self.aggregate(column.avg()).await
    }

    /// The smallest value of the column among the matching rows.
    pub async fn min<T: Comparable>(self, column: Column<R, T>) -> Result<Option<T::Value>>
    where
        T::Value: Send + 'static,
    {
        self.aggregate(column.min()).await
    }

    /// The largest value of the column among the matching rows.
    pub async fn max<T: Comparable>(self, column: Column<R, T>) -> Result<Option<T::Value>>
    where
        T::Value: Send + 'static,
    {
        self.aggregate(column.max()).await
    }

    /// The number of distinct non-NULL values of the column among the matching rows.
    pub async fn count_distinct<T>(self, column: Column<R, T>) -> Result<i64> {
        self.aggregate(column.count_distinct()).await
    }

    /// Streams the rows, read in batches from a cursor on a pooled connection of their own:
    /// memory stays flat however many rows there are, and nothing is read before the
    /// consumer has taken the rows read so far. Dropping the stream stops the query.
    ///
    /// Errors arrive as items; inside an [`AsyncTransaction`] the stream's only item is
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) (unlike the sync
    /// [`Select::iter`], which reads inside a transaction): use [`all`](Self::all) there.
    pub fn stream(self) -> RecordStream<R> {
        if self.tx.is_some() {
            return RecordStream::refused_in_transaction("stream()", "all()");
        }
        RecordStream::of(self.select)
    }
}

#[cfg(feature = "arrow")]
impl<R: Record> AsyncSelect<R> {
    /// Streams the rows as Arrow record batches ([`Select::arrow`]), one batch read per
    /// hand-off to a blocking thread: memory stays flat however many rows there are. Like
    /// [`stream`](Self::stream), it reads on a connection of its own and, inside an
    /// [`AsyncTransaction`], its only item is
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput).
    pub fn arrow(self) -> super::BatchStream {
        if self.tx.is_some() {
            return RecordStream::refused_in_transaction(
                "arrow()",
                "write_parquet or run_blocking",
            );
        }
        let select = self.select;
        super::BatchStream::of_batches(move || select.arrow())
    }

    /// The first `n` rows as a text table (see [`Select::pretty`]).
    pub async fn pretty(self, n: u64) -> Result<String> {
        self.run(move |s| s.pretty(n)).await
    }
}

#[cfg(feature = "parquet")]
impl<R: Record> AsyncSelect<R> {
    /// Writes the rows to a Parquet file (see [`Select::write_parquet`]), inside the
    /// transaction if there is one.
    pub async fn write_parquet(self, path: impl Into<std::path::PathBuf>) -> Result<u64> {
        let path = path.into();
        self.run(move |s| s.write_parquet(path)).await
    }
}
