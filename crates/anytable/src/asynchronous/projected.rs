//! [`AsyncProjected`]: the async twin of [`Projected`], for chosen columns, aggregates and
//! groups.

use super::{pooled, AsyncTransaction};
use crate::{Column, Filter, FromRow, Order, Projected, Record, Result};

/// The async twin of [`Projected`], from [`AsyncSelect::columns`](super::AsyncSelect::columns).
pub struct AsyncProjected<R, T> {
    /// The query outside any transaction; moved into `tx` when it runs.
    projected: Projected<'static, R, T>,
    tx: Option<AsyncTransaction>,
}

impl<R: Record, T: FromRow + Send + 'static> AsyncProjected<R, T> {
    pub(super) fn new(projected: Projected<'static, R, T>, tx: Option<AsyncTransaction>) -> Self {
        AsyncProjected { projected, tx }
    }

    fn map<U>(
        self,
        f: impl FnOnce(Projected<'static, R, T>) -> Projected<'static, R, U>,
    ) -> AsyncProjected<R, U> {
        AsyncProjected {
            projected: f(self.projected),
            tx: self.tx,
        }
    }

    /// Keeps rows matching `filter` before they are grouped (see [`Projected::filter`]).
    pub fn filter(self, filter: Filter<R>) -> Self {
        self.map(|p| p.filter(filter))
    }

    /// Groups rows by this column (see [`Projected::group_by`]).
    pub fn group_by<C>(self, column: Column<R, C>) -> Self {
        self.map(|p| p.group_by(column))
    }

    /// Keeps the groups matching `filter` (see [`Projected::having`]).
    pub fn having(self, filter: Filter<R>) -> Self {
        self.map(|p| p.having(filter))
    }

    /// Each distinct output row once (see [`Projected::distinct`]).
    pub fn distinct(self) -> Self {
        self.map(Projected::distinct)
    }

    /// Sorts by this key (see [`Projected::order_by`]).
    pub fn order_by(self, order: Order<R>) -> Self {
        self.map(|p| p.order_by(order))
    }

    /// Returns at most `n` output rows.
    pub fn limit(self, n: u64) -> Self {
        self.map(|p| p.limit(n))
    }

    /// Skips the first `n` output rows.
    pub fn offset(self, n: u64) -> Self {
        self.map(|p| p.offset(n))
    }

    /// Reads each row as `U` (see [`Projected::rows_as`]).
    pub fn rows_as<U: FromRow + Send + 'static>(self) -> AsyncProjected<R, U> {
        self.map(Projected::rows_as)
    }

    async fn run<U: Send + 'static>(
        self,
        f: impl FnOnce(Projected<'_, R, T>) -> Result<U> + Send + 'static,
    ) -> Result<U> {
        let AsyncProjected { projected, tx } = self;
        match tx {
            None => {
                let db = projected.database().clone();
                pooled(&db, move || f(projected)).await
            }
            Some(tx) => tx.run(move |tx| f(projected.within(tx)?)).await,
        }
    }

    /// Runs the query and collects every row.
    pub async fn all(self) -> Result<Vec<T>> {
        self.run(|p| p.all()).await
    }

    /// The first row, if any.
    pub async fn first(self) -> Result<Option<T>> {
        self.run(|p| p.first()).await
    }
}

#[cfg(feature = "arrow")]
impl<R: Record, T: FromRow + Send + 'static> AsyncProjected<R, T> {
    /// Streams the rows as Arrow record batches, one field per selected expression (see
    /// [`Projected::arrow`] and [`AsyncSelect::arrow`](super::AsyncSelect::arrow), whose
    /// rules it follows).
    pub fn arrow(self) -> super::BatchStream {
        if self.tx.is_some() {
            return super::RecordStream::refused_in_transaction("arrow()", "run_blocking");
        }
        let projected = self.projected;
        super::BatchStream::of_batches(move || projected.arrow())
    }

    /// The first `n` rows as a text table (see [`Projected::pretty`]).
    pub async fn pretty(self, n: u64) -> Result<String> {
        self.run(move |p| p.pretty(n)).await
    }
}
