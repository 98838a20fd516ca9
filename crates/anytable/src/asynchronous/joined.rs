//! [`AsyncJoined`]: the async twin of [`Joined`], for records joined through a foreign key.

use super::{pooled, AsyncTransaction};
use crate::{Filter, Joined, JoinedRecord, Order, Record, Result};

/// The async twin of [`Joined`], from [`AsyncSelect::join`](super::AsyncSelect::join) or
/// [`AsyncSelect::left_join`](super::AsyncSelect::left_join).
pub struct AsyncJoined<R, P, J> {
    /// The query outside any transaction; moved into `tx` when it runs.
    joined: Joined<'static, R, P, J>,
    tx: Option<AsyncTransaction>,
}

impl<R: Record, P: Record, J: JoinedRecord<P> + Send + 'static> AsyncJoined<R, P, J> {
    pub(super) fn new(joined: Joined<'static, R, P, J>, tx: Option<AsyncTransaction>) -> Self {
        AsyncJoined { joined, tx }
    }

    fn map(self, f: impl FnOnce(Joined<'static, R, P, J>) -> Joined<'static, R, P, J>) -> Self {
        AsyncJoined {
            joined: f(self.joined),
            tx: self.tx,
        }
    }

    /// Keeps rows of `R` matching `filter` (see [`Joined::filter`]).
    pub fn filter(self, filter: Filter<R>) -> Self {
        self.map(|j| j.filter(filter))
    }

    /// Keeps rows whose partner matches `filter` (see [`Joined::filter_joined`]).
    pub fn filter_joined(self, filter: Filter<P>) -> Self {
        self.map(|j| j.filter_joined(filter))
    }

    /// Sorts by a column of `R`.
    pub fn order_by(self, order: Order<R>) -> Self {
        self.map(|j| j.order_by(order))
    }

    /// Sorts by a column of the partner (see [`Joined::order_by_joined`]).
    pub fn order_by_joined(self, order: Order<P>) -> Self {
        self.map(|j| j.order_by_joined(order))
    }

    /// Returns at most `n` rows.
    pub fn limit(self, n: u64) -> Self {
        self.map(|j| j.limit(n))
    }

    /// Skips the first `n` rows.
    pub fn offset(self, n: u64) -> Self {
        self.map(|j| j.offset(n))
    }

    async fn run<U: Send + 'static>(
        self,
        f: impl FnOnce(Joined<'_, R, P, J>) -> Result<U> + Send + 'static,
    ) -> Result<U> {
        let AsyncJoined { joined, tx } = self;
        match tx {
            None => {
                let db = joined.database().clone();
                pooled(&db, move || f(joined)).await
            }
            Some(tx) => tx.run(move |tx| f(joined.within(tx)?)).await,
        }
    }

    /// Runs the query and collects every row.
    pub async fn all(self) -> Result<Vec<(R, J)>> {
        self.run(|j| j.all()).await
    }

    /// The first row, if any.
    pub async fn first(self) -> Result<Option<(R, J)>> {
        self.run(|j| j.first()).await
    }
}
