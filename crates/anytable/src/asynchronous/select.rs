//! [`AsyncSelect`]: a query under construction, run with `all`, `first`, `count` or `stream`.

use super::{AsyncTable, RecordStream};
use crate::{Filter, Order, Record, Result, Select, Table};

/// The async twin of [`Select`], from [`AsyncTable::select`] or [`AsyncTable::filter`].
pub struct AsyncSelect<R> {
    table: AsyncTable<R>,
    query: Query<R>,
}

/// What the query asks for, moved to where the call runs and built there on a sync table.
struct Query<R> {
    filter: Option<Filter<R>>,
    order: Vec<Order<R>>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl<R: Record> Query<R> {
    fn build<'t>(self, table: &Table<'t, R>) -> Select<'t, R> {
        let mut select = table.select();
        if let Some(filter) = self.filter {
            select = select.filter(filter);
        }
        for key in self.order {
            select = select.order_by(key);
        }
        if let Some(n) = self.limit {
            select = select.limit(n);
        }
        if let Some(n) = self.offset {
            select = select.offset(n);
        }
        select
    }
}

impl<R: Record> AsyncSelect<R> {
    pub(super) fn new(table: AsyncTable<R>) -> Self {
        AsyncSelect {
            table,
            query: Query {
                filter: None,
                order: Vec::new(),
                limit: None,
                offset: None,
            },
        }
    }

    /// Keeps rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.query.filter = Some(match self.query.filter.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// Sorts by this key, after any keys given before.
    pub fn order_by(mut self, order: Order<R>) -> Self {
        self.query.order.push(order);
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.query.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query.offset = Some(n);
        self
    }

    /// Runs the query and collects every row (see [`Select::all`]); use
    /// [`stream`](Self::stream) for results too big to hold.
    pub async fn all(self) -> Result<Vec<R>> {
        let AsyncSelect { table, query } = self;
        table.run(move |t| query.build(t).all()).await
    }

    /// The first matching row, if any.
    pub async fn first(self) -> Result<Option<R>> {
        let AsyncSelect { table, query } = self;
        table.run(move |t| query.build(t).first()).await
    }

    /// The number of matching rows (ordering, limit and offset are ignored).
    pub async fn count(self) -> Result<u64> {
        let AsyncSelect { table, query } = self;
        table.run(move |t| query.build(t).count()).await
    }

    /// Streams the rows, read in batches on a pooled connection of their own: memory stays
    /// flat however many rows there are, and reading pauses while the consumer is two batches
    /// behind. Dropping the stream stops the query.
    ///
    /// Errors arrive as items; inside a transaction the stream's only item is
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), as with the sync
    /// [`Select::iter`]: use [`all`](Self::all) there.
    pub fn stream(self) -> RecordStream<R> {
        let AsyncSelect { table, query } = self;
        if table.in_transaction() {
            return RecordStream::failed(crate::Error::invalid_input(
                "stream() cannot read inside a transaction, whose one connection it would hold \
                 while other calls wait; use all() there",
            ));
        }
        let table = table.sync_table().clone();
        RecordStream::spawn(move |each| query.build(&table).for_each_while(each))
    }
}
