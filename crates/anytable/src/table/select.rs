//! [`Select`]: a query under construction on one table, and [`RecordIter`] over its rows.

use std::marker::PhantomData;

use anytable_core::sql::{self, SelectSpec};
use anytable_core::{
    Aggregate, Column, ColumnValue, Comparable, Filter, Order, Record, Result, Selection, Summable,
    Value,
};

use super::{Joined, Projected, Query, TableHandle};
use crate::cursor::Cursor;
use crate::database::Transaction;

/// A query under construction on a [`TableHandle`]; run it with [`all`](Self::all),
/// [`for_each`](Self::for_each), [`iter`](Self::iter), [`first`](Self::first) or
/// [`count`](Self::count).
pub struct Select<'tx, R> {
    pub(super) table: TableHandle<'tx, R>,
    pub(super) query: Query<R>,
}

impl<'tx, R: Record> Select<'tx, R> {
    pub(crate) fn new(table: TableHandle<'tx, R>, query: Query<R>) -> Self {
        Select { table, query }
    }

    /// The database it reads (the async API queues for its pool).
    #[cfg(feature = "async")]
    pub(crate) fn database(&self) -> &crate::Database {
        self.table.database()
    }

    /// Keeps rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.query = self.query.filter(filter);
        self
    }

    /// Sorts by this key, after any keys given before. Text sorts by code point and NULLs
    /// after every value in ascending order (before them in descending order) on every backend;
    /// see [`Order::nulls_first`].
    pub fn order_by(mut self, order: Order<R>) -> Self {
        self.query = self.query.order_by(order);
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.query = self.query.limit(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query = self.query.offset(n);
        self
    }

    /// The query as plain data, e.g. to hand to code written against [`Table`](crate::Table).
    pub fn query(&self) -> &Query<R> {
        &self.query
    }

    /// This query inside `tx`, which must be a transaction of the same database (see
    /// [`TableHandle::within`]).
    pub fn within<'t>(self, tx: &'t Transaction) -> Result<Select<'t, R>> {
        Ok(Select {
            table: self.table.within(tx)?,
            query: self.query,
        })
    }

    pub(super) fn build(&self) -> Result<(String, Vec<Value>)> {
        let query = &self.query;
        if let Some(filter) = &query.filter {
            self.table.check_filter(filter)?;
        }
        let condition = query.filter.as_ref().map(Filter::condition);
        let state = self.table.state();
        let plain = query.order.is_empty() && query.limit.is_none() && query.offset.is_none();
        if condition.is_none() && plain {
            return Ok((state.statements.select_all.clone(), Vec::new()));
        }
        let spec = SelectSpec {
            condition,
            order: query.order.clone(),
            limit: query.limit,
            offset: query.offset,
        };
        sql::select(self.table.dialect(), state.schema, &spec)
    }

    /// Runs the query and collects every row.
    pub fn all(self) -> Result<Vec<R>> {
        let mut rows = Vec::new();
        self.for_each(|r| {
            rows.push(r);
            Ok(())
        })?;
        Ok(rows)
    }

    /// Runs the query and hands each row to `f` as it is read, without collecting them.
    ///
    /// Inside a transaction, `f` must not call the same transaction (that is an error).
    pub fn for_each(self, mut f: impl FnMut(R) -> Result<()>) -> Result<()> {
        self.for_each_while(|r| f(r).map(|()| true))
    }

    /// Like [`for_each`](Self::for_each), but stops reading (and frees the connection) as soon
    /// as `f` returns `Ok(false)`.
    pub fn for_each_while(self, mut f: impl FnMut(R) -> Result<bool>) -> Result<()> {
        let mut rows = self.iter()?;
        while let Some(record) = rows.next() {
            match f(record?) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    rows.cursor.fail();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The first matching row, if any.
    pub fn first(self) -> Result<Option<R>> {
        let select = self.limit(1);
        let (sql, params) = select.build()?;
        select.table.query_row(&sql, &params)
    }

    /// The number of matching rows (ordering, limit and offset are ignored).
    pub fn count(self) -> Result<u64> {
        match self.query.filter {
            None => self.table.count(),
            Some(filter) => self.table.count_matching(filter),
        }
    }

    /// Selects these columns and aggregates instead of whole records: a tuple of one to
    /// eight of `Task::title()`, `Task::priority().max()`, `count_all()`, ... Each row is
    /// read as the tuple of their types (see [`Projected`] for `group_by`, `having` and
    /// `distinct`). The filter, order, limit and offset given so far are kept.
    pub fn columns<S: Selection<R>>(self, selection: S) -> Projected<'tx, R, S::Row> {
        Projected::new(self.table, self.query, selection.exprs())
    }

    /// The matching rows with the record their column `via` references
    /// (`#[anytable(references = P)]`), as `(R, P)`: rows without a partner (a NULL `via`) are
    /// left out. See [`Joined`] for filters and order on either side.
    pub fn join<P: Record, C>(self, via: Column<R, C>) -> Joined<'tx, R, P, P> {
        Joined::new(self.table, self.query, via)
    }

    /// Every matching row with the record `via` references, if any, as `(R, Option<P>)`.
    pub fn left_join<P: Record, C>(self, via: Column<R, C>) -> Joined<'tx, R, P, Option<P>> {
        Joined::new(self.table, self.query, via)
    }

    /// One aggregate over the matching rows (ordering, limit and offset are ignored):
    /// `select().aggregate(Task::priority().max())`.
    pub fn aggregate<T: ColumnValue>(self, aggregate: Aggregate<R, T>) -> Result<T> {
        let query = Query {
            filter: self.query.filter,
            ..Query::default()
        };
        let row = Projected::<R, (T,)>::new(self.table, query, vec![aggregate.expr()]).first()?;
        // An aggregate without GROUP BY always returns its one row.
        row.map(|(value,)| value).ok_or_else(|| {
            anytable_core::Error::new(
                anytable_core::ErrorKind::Other,
                "the database returned no row for an aggregate",
            )
        })
    }

    /// The sum of the column over the matching rows; `None` when none has a value. Exact for
    /// integers, and [`TypeMismatch`](crate::ErrorKind::TypeMismatch) when it does not fit in
    /// `i64`, on every backend.
    pub fn sum<T: Summable>(self, column: Column<R, T>) -> Result<Option<T::Sum>> {
        self.aggregate(column.sum())
    }

    /// The mean of the column over the matching rows, as `f64` on every backend.
    pub fn avg<T: Summable>(self, column: Column<R, T>) -> Result<Option<f64>> {
        self.aggregate(column.avg())
    }

    /// The smallest value of the column among the matching rows (text by code point).
    pub fn min<T: Comparable>(self, column: Column<R, T>) -> Result<Option<T::Value>> {
        self.aggregate(column.min())
    }

    /// The largest value of the column among the matching rows (text by code point).
    pub fn max<T: Comparable>(self, column: Column<R, T>) -> Result<Option<T::Value>> {
        self.aggregate(column.max())
    }

    /// The number of distinct non-NULL values of the column among the matching rows.
    pub fn count_distinct<T>(self, column: Column<R, T>) -> Result<i64> {
        self.aggregate(column.count_distinct())
    }

    /// The rows as an iterator, read from the database as it is advanced, on the caller's
    /// thread: memory stays flat however many rows there are.
    ///
    /// Outside a transaction it holds a pooled connection of its own until it is dropped or
    /// finished. Inside one it reads the transaction's connection (and sees its uncommitted
    /// writes); other calls of that transaction are [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) until it is
    /// dropped, and an error while reading rolls the transaction back.
    pub fn iter(self) -> Result<RecordIter<'tx, R>> {
        let (sql, params) = self.build()?;
        Ok(RecordIter {
            cursor: self.table.cursor(&sql, &params)?,
            _record: PhantomData,
        })
    }
}

/// The rows of a query, read as it is advanced; from [`Select::iter`].
///
/// Outside a transaction (`RecordIter<'static, R>`) it is `Send`: it may move to another
/// thread with its connection.
pub struct RecordIter<'tx, R> {
    cursor: Cursor<'tx>,
    _record: PhantomData<fn() -> R>,
}

impl<R: Record> Iterator for RecordIter<'_, R> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Result<R>> {
        self.cursor.next_decoded(R::read_values)
    }
}
