//! Hand-written SQL with typed results: [`Database::query`] and its siblings, with `?` as the
//! placeholder on every backend (see [`portable_placeholders`]).
//!
//! SQL text must never be built from user input: pass every value as a parameter.

use std::borrow::Cow;
use std::marker::PhantomData;

use anytable_core::sql::{one_plain_statement, portable_placeholders, PlainStatement};
use anytable_core::{ColumnValue, Connection, FromRow, Result, Value};

use crate::cursor::Cursor;
use crate::database::{Database, Transaction};

/// `sql` with its `?` placeholders in the backend's own form, once it is known to be one
/// statement that neither begins nor ends a transaction (see [`one_plain_statement`]).
pub(crate) fn portable<'s>(db: &Database, sql: &'s str) -> Result<Cow<'s, str>> {
    portable_statement(db, sql).map(|(sql, _)| sql)
}

/// [`portable`], with what the text tells of the statement.
pub(crate) fn portable_statement<'s>(
    db: &Database,
    sql: &'s str,
) -> Result<(Cow<'s, str>, PlainStatement)> {
    let statement = one_plain_statement(sql)?;
    Ok((portable_placeholders(sql, db.dialect())?.0, statement))
}

/// Runs `sql` (from [`portable_statement`]) for `execute`: the rows changed, or for a
/// statement that returns rows (a query, a write with `RETURNING`) the rows it returned, read
/// and dropped, the same on every backend (SQLite refused a query, DuckDB answered 0).
pub(crate) fn execute(
    conn: &mut dyn Connection,
    sql: &str,
    statement: PlainStatement,
    params: &[Value],
) -> Result<u64> {
    if statement.returns_rows {
        conn.count_rows(sql, params)
    } else {
        conn.execute(sql, params)
    }
}

/// Every row of `sql` as a `T`.
pub(crate) fn all<T: FromRow>(
    conn: &mut dyn Connection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<T>> {
    let types = T::types();
    let mut rows = conn.query(sql, params, &types)?;
    let mut out = Vec::new();
    while let Some(values) = rows.next()? {
        out.push(T::from_row(values)?);
    }
    Ok(out)
}

/// The first row of `sql` as a `T`, if any.
pub(crate) fn one<T: FromRow>(
    conn: &mut dyn Connection,
    sql: &str,
    params: &[Value],
) -> Result<Option<T>> {
    let types = T::types();
    let mut row = Vec::with_capacity(types.len());
    if !conn.query_row(sql, params, &types, &mut row)? {
        return Ok(None);
    }
    T::from_row(&mut row).map(Some)
}

/// The rows of a hand-written query, read as the iterator is advanced; from
/// [`Database::query_iter`] or [`Transaction::query_iter`]. It holds its connection (or
/// the transaction's) until dropped, like [`Select::iter`](crate::Select::iter).
pub struct RowIter<'tx, T> {
    cursor: Cursor<'tx>,
    _row: PhantomData<fn() -> T>,
}

impl<'tx, T: FromRow> RowIter<'tx, T> {
    pub(crate) fn open(
        db: &Database,
        tx: Option<&'tx Transaction>,
        sql: &str,
        params: &[Value],
    ) -> Result<Self> {
        let sql = portable(db, sql)?;
        Ok(RowIter::from_cursor(Cursor::open(
            db,
            tx,
            &sql,
            params,
            &T::types(),
        )?))
    }

    pub(crate) fn from_cursor(cursor: Cursor<'tx>) -> Self {
        RowIter {
            cursor,
            _row: PhantomData,
        }
    }
}

impl<T: FromRow> Iterator for RowIter<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        self.cursor.next_decoded(T::from_row)
    }
}

/// The one value of a one-column row.
pub(crate) fn scalar<T: ColumnValue>(row: Option<(T,)>) -> Option<T> {
    row.map(|(value,)| value)
}
