//! [`Projected`]: a query of chosen columns and aggregates of one table, with `group_by`,
//! `having` and `distinct`, read as tuples or `#[derive(Row)]` structs.

use std::marker::PhantomData;

use anytable_core::sql::{self, ProjectionSpec, ProjectionSql};
use anytable_core::{
    Column, Connection, Error, ErrorKind, Filter, FromRow, Order, OrderKey, Record, Result,
    SelectExpr, Value, ValueType,
};

use super::TableHandle;
use crate::database::Transaction;
use crate::raw::RowIter;

/// A query that returns chosen columns and aggregates instead of whole records; from
/// [`Select::columns`](crate::Select::columns). Each row is a `T`: the tuple of the selected
/// columns' types, or a `#[derive(Row)]` struct given to [`rows_as`](Self::rows_as).
///
/// ```
/// use anytable::{count_all, Database, Record};
///
/// #[derive(Record)]
/// struct Sale { #[anytable(id)] id: i64, region: String, amount: i64 }
///
/// let db = Database::open("sqlite::memory:")?;
/// let sales = db.table::<Sale>()?;
/// for (region, amount) in [("north", 5), ("south", 7), ("north", 4)] {
///     sales.insert(&mut Sale { id: 0, region: region.into(), amount })?;
/// }
/// let per_region: Vec<(String, i64, Option<i64>)> = sales
///     .select()
///     .columns((Sale::region(), count_all(), Sale::amount().sum()))
///     .group_by(Sale::region())
///     .having(count_all().gt(1))
///     .order_by(Sale::region().asc())
///     .all()?;
/// assert_eq!(per_region, [("north".to_string(), 2, Some(9))]);
/// # Ok::<(), anytable::Error>(())
/// ```
///
/// Whenever the query groups or aggregates, every plain column it selects, sorts on or
/// compares in `having` must be a `group_by` column: anything else is
/// [`ErrorKind::InvalidInput`] on every backend (SQLite alone would answer with the value of an
/// arbitrary row). `limit` and `offset` count output rows (groups, when grouped). Rows with a
/// NULL group key form one group, sorted as NULLs are (last, ascending).
pub struct Projected<'tx, R, T> {
    table: TableHandle<'tx, R>,
    filter: Option<Filter<R>>,
    select: Vec<SelectExpr>,
    /// The selection's own types, which a `rows_as` type must match.
    types: Vec<ValueType>,
    group_by: Vec<&'static str>,
    having: Option<Filter<R>>,
    distinct: bool,
    order: Vec<OrderKey>,
    limit: Option<u64>,
    offset: Option<u64>,
    _row: PhantomData<fn() -> T>,
}

impl<'tx, R: Record, T: FromRow> Projected<'tx, R, T> {
    /// The database it reads (the async API queues for its pool).
    #[cfg(feature = "async")]
    pub(crate) fn database(&self) -> &crate::Database {
        self.table.database()
    }

    pub(super) fn new(
        table: TableHandle<'tx, R>,
        query: super::Query<R>,
        select: Vec<SelectExpr>,
    ) -> Self {
        Projected {
            table,
            filter: query.filter,
            select,
            types: T::types(),
            group_by: Vec::new(),
            having: None,
            distinct: false,
            order: query.order,
            limit: query.limit,
            offset: query.offset,
            _row: PhantomData,
        }
    }

    /// Keeps rows matching `filter` before they are grouped (and any filter given before).
    /// Aggregates are compared in [`having`](Self::having) instead.
    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// Groups rows by this column, after any given before: one output row per distinct
    /// combination (NULL is one group).
    pub fn group_by<C>(mut self, column: Column<R, C>) -> Self {
        self.group_by.push(column.name());
        self
    }

    /// Keeps the groups matching `filter`, which compares aggregates (`count_all().gt(1)`)
    /// or `group_by` columns; several are joined with AND.
    pub fn having(mut self, filter: Filter<R>) -> Self {
        self.having = Some(match self.having.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// Each distinct output row once (the selection must be plain columns; NULLs are equal
    /// to each other here).
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Sorts by this key, after any given before: a selected or grouped column, or an
    /// aggregate (`Sale::amount().sum().desc()`). Text by code point and NULLs as in
    /// [`Select::order_by`](crate::Select::order_by).
    pub fn order_by(mut self, order: Order<R>) -> Self {
        self.order.push(order.key());
        self
    }

    /// Returns at most `n` output rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` output rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Reads each row as `U` instead, typically a `#[derive(Row)]` struct whose fields have
    /// the selected columns' types in order; a `U` of other types is
    /// [`ErrorKind::TypeMismatch`] when the query runs.
    pub fn rows_as<U: FromRow>(self) -> Projected<'tx, R, U> {
        let table = self.table.clone();
        self.on(table)
    }

    /// This query inside `tx`, a transaction of the same database.
    pub fn within<'t>(self, tx: &'t Transaction) -> Result<Projected<'t, R, T>> {
        let table = self.table.clone().within(tx)?;
        Ok(self.on(table))
    }

    /// The same query on `table` (the same table, maybe in a transaction), rows read as `U`.
    fn on<'t, U>(self, table: TableHandle<'t, R>) -> Projected<'t, R, U> {
        Projected {
            table,
            filter: self.filter,
            select: self.select,
            types: self.types,
            group_by: self.group_by,
            having: self.having,
            distinct: self.distinct,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            _row: PhantomData,
        }
    }

    fn build(&self) -> Result<ProjectionSql> {
        check_row_type(&self.types, &T::types())?;
        for filter in self.filter.iter().chain(&self.having) {
            self.table.check_filter(filter)?;
        }
        let spec = ProjectionSpec {
            select: &self.select,
            condition: self.filter.as_ref().map(Filter::condition),
            group_by: &self.group_by,
            having: self.having.as_ref().map(Filter::condition),
            distinct: self.distinct,
            order: &self.order,
            limit: self.limit,
            offset: self.offset,
        };
        sql::projection(self.table.dialect(), self.table.state().schema, &spec)
    }

    /// Runs `read` on the query's SQL, and once more on its exact-sum form if the first
    /// failed with a type mismatch (an engine's integer sum that overflowed midway).
    fn run<U>(&self, read: impl Fn(&mut dyn Connection, &str, &[Value]) -> Result<U>) -> Result<U> {
        let built = self.build()?;
        self.table.with_read_conn(|conn| {
            match (read(conn, &built.sql, &built.params), &built.exact) {
                (Err(e), Some(exact)) if e.kind() == ErrorKind::TypeMismatch => {
                    read(conn, exact, &built.params)
                }
                (result, _) => result,
            }
        })
    }

    /// Runs the query and collects every row.
    pub fn all(self) -> Result<Vec<T>> {
        self.run(|conn, sql, params| crate::raw::all(conn, sql, params))
    }

    /// The first row, if any: the only one of an aggregate without `group_by`.
    pub fn first(self) -> Result<Option<T>> {
        self.limit(1)
            .run(|conn, sql, params| crate::raw::one(conn, sql, params))
    }

    /// The rows as an iterator read as it is advanced (flat memory), as
    /// [`Select::iter`](crate::Select::iter). Integer sums take the exact form from the start
    /// where the engine has one (a failure cannot be retried halfway through).
    pub fn iter(self) -> Result<RowIter<'tx, T>> {
        let built = self.build()?;
        let sql = built.exact.as_deref().unwrap_or(&built.sql);
        self.table.rows(sql, &built.params, &T::types())
    }
}

#[cfg(feature = "arrow")]
impl<'tx, R: Record, T: FromRow> Projected<'tx, R, T> {
    /// The rows as Arrow record batches of [`DEFAULT_BATCH_ROWS`](crate::arrow::DEFAULT_BATCH_ROWS)
    /// rows, read as the iterator is advanced. One field per selected expression, named as it
    /// reads (`region`, `count(*)`, `sum(amount)`), of the type its Rust output maps to
    /// ([`crate::arrow::data_type`]; a decimal keeps its column's scale); plain columns keep
    /// their nullability, aggregates are nullable.
    pub fn arrow(self) -> Result<super::ArrowBatches<'tx>> {
        let schema = self.table.state().schema;
        let columns: Vec<anytable_core::ColumnSchema> = self
            .select
            .iter()
            .zip(&self.types)
            .map(|(expr, ty)| {
                let source = schema.columns.iter().find(|c| c.name == expr.column);
                let nullable = expr.aggregate.is_some() || source.is_none_or(|c| c.nullable);
                let mut column = anytable_core::ColumnSchema::new(expr.describe(), *ty, nullable);
                column.scale = source.and_then(|c| c.scale);
                column
            })
            .collect();
        let built = self.build()?;
        let sql = built.exact.as_deref().unwrap_or(&built.sql);
        let cursor = self.table.open_cursor(sql, &built.params, &self.types)?;
        super::ArrowBatches::from_rows(cursor, &columns, crate::arrow::DEFAULT_BATCH_ROWS)
    }

    /// The first `n` rows as a text table under a header of the selected expressions, as
    /// [`Select::pretty`](crate::Select::pretty).
    pub fn pretty(self, n: u64) -> Result<String> {
        self.limit(n).arrow()?.pretty()
    }
}

/// Refuses a row type whose columns differ from the selection's.
fn check_row_type(selected: &[ValueType], row: &[ValueType]) -> Result<()> {
    if selected == row {
        return Ok(());
    }
    let show = |types: &[ValueType]| {
        types
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Error::new(
        ErrorKind::TypeMismatch,
        format!(
            "the query selects ({}) but its rows are read as ({})",
            show(selected),
            show(row)
        ),
    ))
}
