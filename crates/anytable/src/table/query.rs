//! [`Query`]: which rows of a table, in which order: plain data, independent of any database.

use anytable_core::{Filter, Order, OrderKey};

/// Which rows to read and in which order: a filter, sort keys, a limit and an offset.
///
/// Plain data, so that code written against the [`Table`](crate::Table) trait (and a fake
/// table in a test) can be handed the same query a real table runs. [`Select`](crate::Select)
/// builds one with the same methods.
///
/// ```
/// # use anytable::{Query, Record};
/// # #[derive(Record)]
/// # struct Task { #[anytable(id)] id: i64, done: bool, priority: i64 }
/// let urgent: Query<Task> =
///     Query::new().filter(Task::done().eq(false)).order_by(Task::priority().desc()).limit(10);
/// assert_eq!(urgent.limit, Some(10));
/// ```
#[non_exhaustive]
pub struct Query<R> {
    /// Only rows matching this (several filters given are joined with AND).
    pub filter: Option<Filter<R>>,
    /// Sort keys, first key first.
    pub order: Vec<OrderKey>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many rows first.
    pub offset: Option<u64>,
}

impl<R> Default for Query<R> {
    fn default() -> Self {
        Query {
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
        }
    }
}

impl<R> Clone for Query<R> {
    fn clone(&self) -> Self {
        Query {
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
        }
    }
}

impl<R> std::fmt::Debug for Query<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("filter", &self.filter.as_ref().map(Filter::condition))
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .finish()
    }
}

impl<R> From<Filter<R>> for Query<R> {
    fn from(filter: Filter<R>) -> Self {
        Query::new().filter(filter)
    }
}

impl<R> Query<R> {
    /// Every row, in no particular order.
    pub fn new() -> Self {
        Query::default()
    }

    /// Keeps rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// Sorts by this key, after any keys given before. Text sorts by code point and NULLs
    /// after every value in ascending order (before them in descending order) on every backend;
    /// see [`Order::nulls_first`].
    pub fn order_by(mut self, order: Order<R>) -> Self {
        self.order.push(order.key());
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }
}
