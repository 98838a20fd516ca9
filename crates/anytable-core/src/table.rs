//! [`Table`]: the typed operations on the table of one record type, the same on every backend.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::{BulkInsert, Connection, RowSource};
use crate::check::{self, Rules};
use crate::cursor::Cursor;
use crate::database::{Database, TableState, Transaction};
use crate::error::{Error, ErrorKind, Result};
use crate::filter::{Assignment, Column, Filter, Order, OrderKey};
use crate::record::{Record, RecordId};
use crate::schema::{ColumnRole, TableSchema};
use crate::sql::{self, Conflict, ConflictAction, SelectSpec};
use crate::value::Value;

/// The table of record type `R`, from [`Database::table`] or [`Transaction::table`].
///
/// Outside a transaction each call takes a pooled connection and commits on its own; inside
/// one, every call runs in it. Handles are cheap to clone, and those from a `Database` are
/// `Send + Sync`.
pub struct Table<'tx, R> {
    db: Database,
    tx: Option<&'tx Transaction>,
    state: Arc<TableState>,
    _record: PhantomData<fn() -> R>,
}

impl<R> Clone for Table<'_, R> {
    fn clone(&self) -> Self {
        Table {
            db: self.db.clone(),
            tx: self.tx,
            state: self.state.clone(),
            _record: PhantomData,
        }
    }
}

impl<'tx, R: Record> Table<'tx, R> {
    pub(crate) fn new(db: Database, tx: Option<&'tx Transaction>, state: Arc<TableState>) -> Self {
        Table {
            db,
            tx,
            state,
            _record: PhantomData,
        }
    }

    /// The same table outside any transaction: each call on it commits on its own.
    pub fn outside_transaction(&self) -> Table<'static, R> {
        Table::new(self.db.clone(), None, self.state.clone())
    }

    /// This table inside `tx`, which must be a transaction of the same database.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] if `tx` belongs to another database.
    pub fn within<'t>(self, tx: &'t Transaction) -> Result<Table<'t, R>> {
        if !tx.database().same_as(&self.db) {
            return Err(Error::invalid_input(
                "this transaction belongs to another database than the table",
            ));
        }
        Ok(Table::new(self.db, Some(tx), self.state))
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.state.schema.name
    }

    /// The table's schema, as `R` declares it.
    pub fn schema(&self) -> &'static TableSchema {
        self.state.schema
    }

    fn with_conn<T>(&self, f: impl FnOnce(&mut dyn Connection) -> Result<T>) -> Result<T> {
        match self.tx {
            Some(tx) => tx.run(f),
            None => f(&mut self.db.connection()?),
        }
    }

    /// Inserts one record and fills in what the database generated (id, added, updated).
    ///
    /// Returns the new id (`()` for records without an id column).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] naming the column, before anything is written, for a value
    /// no backend stores the same way (see the crate docs: NUL characters, years outside
    /// 0000-9999, leap seconds, NaN where the backend cannot store it, text too long for an
    /// index); the engine's error otherwise.
    pub fn insert(&self, record: &mut R) -> Result<R::Id> {
        let statements = &self.state.statements;
        let mut values = Vec::with_capacity(statements.bound_columns.len());
        record.write_values(&mut values);
        self.check_row(&mut values)?;
        stamp(&mut values, statements.stamps());
        if statements.generated_types.is_empty() {
            self.with_conn(|conn| conn.execute(&statements.insert, &values))?;
            return R::Id::from_new_row(None);
        }
        if self.state.id_only {
            let id = self.with_conn(|conn| {
                conn.insert_returning_id(&statements.insert_plain, &statements.insert, &values)
            })?;
            record.set_generated(&mut [Value::I64(id)])?;
            return R::Id::from_new_row(Some(id));
        }
        let mut row = Vec::with_capacity(statements.generated_types.len());
        let returned = self.with_conn(|conn| {
            conn.query_row(
                &statements.insert,
                &values,
                &statements.generated_types,
                &mut row,
            )
        })?;
        if !returned {
            return Err(Error::new(ErrorKind::Other, "the insert returned no row"));
        }
        self.take_generated(record, &mut row)
    }

    fn take_generated(&self, record: &mut R, row: &mut [Value]) -> Result<R::Id> {
        let id = self
            .state
            .schema
            .generated_columns()
            .position(|c| c.role == ColumnRole::Id)
            .and_then(|i| match row[i] {
                Value::I64(id) => Some(id),
                _ => None,
            });
        record.set_generated(row)?;
        R::Id::from_new_row(id)
    }

    fn rules(&self) -> Rules {
        Rules::of(self.db.capabilities())
    }

    /// Checks (and normalises) a record's data values before they are written.
    fn check_row(&self, values: &mut [Value]) -> Result<()> {
        check_row(
            &self.state,
            values,
            self.rules(),
            self.db.capabilities().max_index_entry_bytes,
        )
    }

    /// Checks a filter before it is rendered.
    fn check_filter(&self, filter: &Filter<R>) -> Result<()> {
        check::condition(filter.condition(), self.rules())
    }

    /// Inserts many records by the backend's fastest bulk path; returns how many.
    ///
    /// All or nothing: if any record fails, none is inserted. Generated fields are not handed
    /// back (bulk paths return no ids); use [`insert`](Self::insert) when you need them. Every
    /// row of one call gets the same `added`/`updated` time. The records are checked as
    /// [`insert`](Self::insert) checks them; the iterator may itself read the database.
    pub fn insert_many<'r>(&self, records: impl IntoIterator<Item = &'r R>) -> Result<u64> {
        struct Source<'s, I> {
            records: I,
            table: &'s TableState,
            rules: Rules,
            max_index_entry: Option<usize>,
            now: Value,
        }
        impl<'r, 's, R: Record, I: Iterator<Item = &'r R>> RowSource for Source<'s, I> {
            fn next_row(&mut self, row: &mut Vec<Value>) -> Result<bool> {
                row.clear();
                let Some(record) = self.records.next() else {
                    return Ok(false);
                };
                record.write_values(row);
                check_row(self.table, row, self.rules, self.max_index_entry)?;
                let now = &self.now;
                row.extend(std::iter::repeat_n(now, self.table.statements.stamps()).cloned());
                Ok(true)
            }
        }
        let mut source = Source {
            records: records.into_iter(),
            table: &self.state,
            rules: self.rules(),
            max_index_entry: self.db.capabilities().max_index_entry_bytes,
            now: Value::timestamp(chrono::Utc::now()),
        };
        let target = BulkInsert {
            table: self.state.schema,
            columns: &self.state.statements.bound_columns,
            insert_sql: &self.state.statements.insert_plain,
        };
        self.with_conn(|conn| conn.insert_many(&target, &mut source))
    }

    /// The record with this id, if any.
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] if `R` has no id column.
    pub fn get(&self, id: i64) -> Result<Option<R>> {
        let sql = self.state.statements.get_by_id.as_deref().ok_or_else(|| {
            Error::unsupported(format!(
                "{} has no id column, so rows cannot be fetched by id",
                std::any::type_name::<R>()
            ))
        })?;
        self.query_row(sql, &[Value::I64(id)])
    }

    /// Starts a query over this table; add filters, ordering and limits, then run it.
    pub fn select(&self) -> Select<'tx, R> {
        Select {
            table: self.clone(),
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// Shorthand for `select().filter(filter)`.
    pub fn filter(&self, filter: Filter<R>) -> Select<'tx, R> {
        self.select().filter(filter)
    }

    /// The number of rows in the table.
    pub fn count(&self) -> Result<u64> {
        self.count_sql(&self.state.statements.count_all, &[])
    }

    fn count_sql(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut row = Vec::with_capacity(1);
        let types = [crate::ValueType::I64];
        self.with_conn(|conn| conn.query_row(sql, params, &types, &mut row))?;
        match row.first() {
            Some(Value::I64(n)) => u64::try_from(*n).ok(),
            _ => None,
        }
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Other,
                "COUNT(*) returned no non-negative integer",
            )
        })
    }

    /// The first `n` rows, in id order when the table has an id.
    pub fn head(&self, n: u64) -> Result<Vec<R>> {
        let mut select = self.select().limit(n);
        let schema: &'static TableSchema = self.state.schema;
        if let Some(id) = schema.id_column() {
            select.order.push(OrderKey::new(id.name.as_str(), false));
        }
        select.all()
    }

    /// Sets columns on every row matching `filter`; returns how many rows changed.
    ///
    /// The record's "updated" timestamp, if it has one, is set to the statement's time as well.
    /// The values are checked as [`insert`](Self::insert) checks them.
    pub fn update(
        &self,
        filter: Filter<R>,
        set: impl IntoIterator<Item = Assignment<R>>,
    ) -> Result<u64> {
        self.check_filter(&filter)?;
        let rules = self.rules();
        let mut assignments: Vec<(&'static str, Value)> =
            set.into_iter().map(|a| (a.column, a.value)).collect();
        for (column, value) in &mut assignments {
            check::writable(value, column, rules)?;
        }
        self.check_assigned_entries(&assignments)?;
        let (sql, params) = sql::update(
            self.state.dialect,
            self.state.schema,
            filter.condition(),
            assignments,
            &Value::timestamp(chrono::Utc::now()),
        )?;
        self.with_conn(|conn| conn.execute(&sql, &params))
    }

    /// Refuses assigned values that alone overflow an index entry.
    fn check_assigned_entries(&self, assignments: &[(&'static str, Value)]) -> Result<()> {
        let limit = self.db.capabilities().max_index_entry_bytes;
        if limit.is_none() {
            return Ok(());
        }
        let data = &self.state.statements.data_columns;
        let mut values = vec![Value::Null; data.len()];
        for (column, value) in assignments {
            if let Some(i) = data.iter().position(|c| c == column) {
                values[i] = value.clone();
            }
        }
        check::index_entries(&values, &self.state.index_entries, limit)
    }

    /// Deletes every row matching `filter`; returns how many.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for a filter that is true for every row by construction
    /// (`Filter::all()`, `Filter::all() | f`, `!col.is_in([])`, ...): deleting everything is
    /// [`delete_all`](Self::delete_all), so it is never done by accident. A filter false for
    /// every row (`col.is_in([])`) deletes nothing without asking the database.
    pub fn delete(&self, filter: Filter<R>) -> Result<u64> {
        self.check_filter(&filter)?;
        match filter.condition().constant() {
            Some(true) => {
                return Err(Error::invalid_input(
                    "this delete filter is true for every row (it contains Filter::all() or a \
                     negated empty is_in where nothing else narrows it), so it would delete \
                     every row; call delete_all() to mean that",
                ))
            }
            Some(false) => return Ok(0),
            None => {}
        }
        let (sql, params) = sql::delete(self.state.dialect, self.state.schema, filter.condition())?;
        self.with_conn(|conn| conn.execute(&sql, &params))
    }

    /// Deletes every row; returns how many.
    pub fn delete_all(&self) -> Result<u64> {
        self.with_conn(|conn| conn.execute(&self.state.statements.delete_all, &[]))
    }

    /// Inserts `record`, or on a unique conflict does what `on_conflict` says.
    ///
    /// Returns the id of the row written (inserted or updated) and fills in the generated
    /// fields; returns `None` when the conflict action was to do nothing and nothing was written.
    pub fn upsert(&self, record: &mut R, on_conflict: OnConflict<R>) -> Result<Option<R::Id>> {
        let mut values = Vec::new();
        record.write_values(&mut values);
        self.check_row(&mut values)?;
        let now = Value::timestamp(chrono::Utc::now());
        values.extend(std::iter::repeat_n(&now, self.state.statements.stamps()).cloned());
        let (sql, params) = sql::upsert(
            self.state.dialect,
            self.state.schema,
            values,
            &on_conflict.conflict,
            &now,
        )?;
        let types = &self.state.statements.generated_types;
        if types.is_empty() {
            let changed = self.with_conn(|conn| conn.execute(&sql, &params))?;
            return if changed == 0 {
                Ok(None)
            } else {
                R::Id::from_new_row(None).map(Some)
            };
        }
        let mut row = Vec::new();
        let written = self.with_conn(|conn| conn.query_row(&sql, &params, types, &mut row))?;
        if !written {
            return Ok(None);
        }
        self.take_generated(record, &mut row).map(Some)
    }

    /// The one row of a query that returns at most one.
    fn query_row(&self, sql: &str, params: &[Value]) -> Result<Option<R>> {
        let types = &self.state.statements.column_types;
        let mut row = Vec::with_capacity(types.len());
        let found = self.with_conn(|conn| conn.query_row(sql, params, types, &mut row))?;
        if !found {
            return Ok(None);
        }
        R::read_values(&mut row).map(Some)
    }

    /// A cursor over the rows of `sql`, in this table's transaction if it has one.
    fn cursor(&self, sql: &str, params: &[Value]) -> Result<Cursor<'tx>> {
        let types = &self.state.statements.column_types;
        Cursor::open(&self.db, self.tx, sql, params, types)
    }
}

/// Checks a record's data values (named by `state`'s data columns) as every backend needs them,
/// turning `-0.0` into `+0.0`, and refuses index entries over `max_index_entry` bytes.
fn check_row(
    state: &TableState,
    values: &mut [Value],
    rules: Rules,
    max_index_entry: Option<usize>,
) -> Result<()> {
    for (value, column) in values.iter_mut().zip(&state.statements.data_columns) {
        check::writable(value, column, rules)?;
    }
    check::index_entries(values, &state.index_entries, max_index_entry)
}

/// Appends the time of the statement about to run for each of the `stamps` columns (`added`,
/// `updated`) whose time the dialect binds; the clock is read only when there are some.
fn stamp(values: &mut Vec<Value>, stamps: usize) {
    if stamps > 0 {
        let now = Value::timestamp(chrono::Utc::now());
        values.extend(std::iter::repeat_n(now, stamps));
    }
}

/// What [`Table::upsert`] does when the row conflicts with an existing one.
pub struct OnConflict<R> {
    conflict: Conflict,
    _record: PhantomData<fn() -> R>,
}

impl<R> OnConflict<R> {
    /// Conflicts are detected on this unique column (add more with [`and`](Self::and)).
    /// The default action is to do nothing.
    pub fn column<T>(column: Column<R, T>) -> Self {
        OnConflict {
            conflict: Conflict {
                target: vec![column.name()],
                action: ConflictAction::DoNothing,
            },
            _record: PhantomData,
        }
    }

    /// Adds a column to a multi-column unique target.
    pub fn and<T>(mut self, column: Column<R, T>) -> Self {
        self.conflict.target.push(column.name());
        self
    }

    /// Keep the existing row untouched.
    pub fn do_nothing(mut self) -> Self {
        self.conflict.action = ConflictAction::DoNothing;
        self
    }

    /// Overwrite this column of the existing row with the new value (call once per column).
    pub fn update<T>(mut self, column: Column<R, T>) -> Self {
        match &mut self.conflict.action {
            ConflictAction::Update(columns) => columns.push(column.name()),
            action => *action = ConflictAction::Update(vec![column.name()]),
        }
        self
    }
}

impl<R: Record> OnConflict<R> {
    /// Overwrite every data column that is not part of the conflict target.
    pub fn update_all(mut self) -> Self {
        let target = &self.conflict.target;
        let columns = R::schema()
            .data_columns()
            .filter(|c| !target.iter().any(|t| *t == c.name))
            .map(|c| c.name.as_str())
            .collect();
        self.conflict.action = ConflictAction::Update(columns);
        self
    }
}

/// A query under construction; run it with [`all`](Self::all), [`for_each`](Self::for_each),
/// [`iter`](Self::iter), [`first`](Self::first) or [`count`](Self::count).
pub struct Select<'tx, R> {
    table: Table<'tx, R>,
    filter: Option<Filter<R>>,
    order: Vec<OrderKey>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl<'tx, R: Record> Select<'tx, R> {
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
        self.order.push(order.key);
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

    /// This query inside `tx`, which must be a transaction of the same database (see
    /// [`Table::within`]).
    pub fn within<'t>(self, tx: &'t Transaction) -> Result<Select<'t, R>> {
        Ok(Select {
            table: self.table.within(tx)?,
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
        })
    }

    fn build(&self) -> Result<(String, Vec<Value>)> {
        if let Some(filter) = &self.filter {
            self.table.check_filter(filter)?;
        }
        let condition = self.filter.as_ref().map(Filter::condition);
        let state = &self.table.state;
        let plain = self.order.is_empty() && self.limit.is_none() && self.offset.is_none();
        if condition.is_none() && plain {
            return Ok((state.statements.select_all.clone(), Vec::new()));
        }
        let spec = SelectSpec {
            condition,
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
        };
        sql::select(state.dialect, state.schema, &spec)
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
        let state = &self.table.state;
        match &self.filter {
            None => self.table.count(),
            Some(filter) => {
                self.table.check_filter(filter)?;
                let (sql, params) = sql::count(state.dialect, state.schema, filter.condition())?;
                self.table.count_sql(&sql, &params)
            }
        }
    }

    /// The rows as an iterator, read from the database as it is advanced, on the caller's
    /// thread: memory stays flat however many rows there are.
    ///
    /// Outside a transaction it holds a pooled connection of its own until it is dropped or
    /// finished. Inside one it reads the transaction's connection (and sees its uncommitted
    /// writes); other calls of that transaction are [`ErrorKind::InvalidInput`] until it is
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
        let record = match self.cursor.next() {
            Ok(Some(values)) => R::read_values(values),
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        if record.is_err() {
            self.cursor.fail();
        }
        Some(record)
    }
}
