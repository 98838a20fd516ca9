//! [`TableHandle`]: the table of one record type on one database, inside a transaction or not.

use std::marker::PhantomData;
use std::sync::Arc;

use anytable_core::check::{self, Rules};
use anytable_core::sql;
use anytable_core::{
    Assignment, BulkInsert, ColumnRole, Connection, Error, ErrorKind, Filter, OrderKey, Record,
    RecordId, Result, RowSource, TableSchema, Value,
};

use super::{OnConflict, Query, Select};
use crate::cursor::Cursor;
use crate::database::{Database, TableState, Transaction};

/// The count in the row a `COUNT(*)` returned.
pub(crate) fn counted(row: Option<Vec<Value>>) -> Result<u64> {
    match row.as_deref().and_then(<[Value]>::first) {
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

/// How an insert learns what the database generated ([`TableHandle::insert_call`]).
pub(crate) enum InsertCall {
    /// Nothing is generated: a plain INSERT.
    Execute,
    /// Only the id: `insert_returning_id`.
    ReturningId,
    /// Several columns: the INSERT's RETURNING row.
    ReturningRow,
}

/// What an insert returned, for [`TableHandle::inserted`].
pub(crate) enum Inserted {
    /// Nothing to fill in.
    Nothing,
    /// The new id.
    Id(i64),
    /// The RETURNING row, if there was one.
    Row(Option<Vec<Value>>),
}

/// The table of record type `R` on one database, from [`Database::table`] or
/// [`Transaction::table`]; it implements the [`Table`](crate::Table) trait.
///
/// Outside a transaction each call takes a pooled connection and commits on its own; inside
/// one, every call runs in it. Handles are cheap to clone, and those from a `Database` are
/// `Send + Sync`. Its methods are the trait's, with more flexible arguments (iterators and
/// arrays where the trait takes slices and vectors), plus [`select`](Self::select) for queries
/// read row by row.
pub struct TableHandle<'tx, R> {
    db: Database,
    tx: Option<&'tx Transaction>,
    state: Arc<TableState>,
    _record: PhantomData<fn() -> R>,
}

impl<R> Clone for TableHandle<'_, R> {
    fn clone(&self) -> Self {
        TableHandle {
            db: self.db.clone(),
            tx: self.tx,
            state: self.state.clone(),
            _record: PhantomData,
        }
    }
}

impl<'tx, R: Record> TableHandle<'tx, R> {
    /// The database it belongs to (the async API queues for its pool).
    #[cfg(feature = "async")]
    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn new(db: Database, tx: Option<&'tx Transaction>, state: Arc<TableState>) -> Self {
        TableHandle {
            db,
            tx,
            state,
            _record: PhantomData,
        }
    }

    /// The same table outside any transaction: each call on it commits on its own.
    pub fn outside_transaction(&self) -> TableHandle<'static, R> {
        TableHandle::new(self.db.clone(), None, self.state.clone())
    }

    /// This table inside `tx`, which must be a transaction of the same database.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] if `tx` belongs to another database.
    pub fn within<'t>(self, tx: &'t Transaction) -> Result<TableHandle<'t, R>> {
        if !tx.database().same_as(&self.db) {
            return Err(Error::invalid_input(
                "this transaction belongs to another database than the table",
            ));
        }
        Ok(TableHandle::new(self.db, Some(tx), self.state))
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.state.schema.name
    }

    /// The table's schema, as `R` declares it.
    pub fn schema(&self) -> &'static TableSchema {
        self.state.schema
    }

    pub(crate) fn state(&self) -> &TableState {
        &self.state
    }

    pub(super) fn dialect(&self) -> &dyn anytable_core::sql::Dialect {
        self.db.dialect()
    }

    /// Runs `f` in one transaction: this handle's, else a new one committed when `f` succeeds.
    #[cfg(feature = "arrow")]
    pub(super) fn in_transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Connection) -> Result<T>,
    ) -> Result<T> {
        match self.tx {
            Some(tx) => tx.run(f),
            None => self.db.transaction(|tx| tx.run(f)),
        }
    }

    pub(super) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut dyn Connection) -> Result<T>,
    ) -> Result<T> {
        match self.tx {
            Some(tx) => tx.run(f),
            None => f(&mut self.db.connection()?),
        }
    }

    /// [`with_conn`](Self::with_conn) for a read, which a replica may serve outside a
    /// transaction.
    pub(super) fn with_read_conn<T>(
        &self,
        f: impl FnOnce(&mut dyn Connection) -> Result<T>,
    ) -> Result<T> {
        match self.tx {
            Some(tx) => tx.run(f),
            None => f(&mut self.db.read_connection()?),
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
        let values = self.bound_values(record)?;
        let inserted = match self.insert_call() {
            InsertCall::Execute => {
                self.with_conn(|conn| conn.execute(&statements.insert, &values))?;
                Inserted::Nothing
            }
            InsertCall::ReturningId => Inserted::Id(self.with_conn(|conn| {
                conn.insert_returning_id(&statements.insert_plain, &statements.insert, &values)
            })?),
            InsertCall::ReturningRow => {
                let mut row = Vec::with_capacity(statements.generated_types.len());
                let returned = self.with_conn(|conn| {
                    conn.query_row(
                        &statements.insert,
                        &values,
                        &statements.generated_types,
                        &mut row,
                    )
                })?;
                Inserted::Row(returned.then_some(row))
            }
        };
        self.inserted(record, inserted)
    }

    /// How an insert into this table learns what the database generated.
    pub(crate) fn insert_call(&self) -> InsertCall {
        if self.state.statements.generated_types.is_empty() {
            InsertCall::Execute
        } else if self.state.id_only {
            InsertCall::ReturningId
        } else {
            InsertCall::ReturningRow
        }
    }

    /// Fills `record`'s generated fields from what its insert returned; its id.
    pub(crate) fn inserted(&self, record: &mut R, inserted: Inserted) -> Result<R::Id> {
        match inserted {
            Inserted::Nothing => R::Id::from_new_row(None),
            Inserted::Id(id) => {
                record.set_generated(&mut [Value::I64(id)])?;
                R::Id::from_new_row(Some(id))
            }
            Inserted::Row(Some(mut row)) => self.take_generated(record, &mut row),
            Inserted::Row(None) => Err(Error::new(ErrorKind::Other, "the insert returned no row")),
        }
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

    pub(super) fn rules(&self) -> Rules {
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
    pub(super) fn check_filter(&self, filter: &Filter<R>) -> Result<()> {
        check::condition(filter.condition(), self.rules())
    }

    /// Inserts many records by the backend's fastest bulk path; returns how many.
    ///
    /// All or nothing: if any record fails, none is inserted. Generated fields are not handed
    /// back (bulk paths return no ids); use [`insert`](Self::insert) when you need them. Every
    /// row of one call gets the same `added`/`updated` time. The records are checked as
    /// [`insert`](Self::insert) checks them; the iterator may itself read the database.
    ///
    /// One record (an iterator that says it holds exactly one, as `[&record]` and
    /// `std::iter::once(&record)` do) is one plain `INSERT`: the cheapest single write where the
    /// generated fields are not needed (on PostgreSQL, `RETURNING` alone made single inserts
    /// 7-13% slower in pgbench; [`insert`](Self::insert) reads the generated fields back with it).
    pub fn insert_many<'r>(&self, records: impl IntoIterator<Item = &'r R>) -> Result<u64> {
        let mut records = records.into_iter();
        if records.size_hint() == (1, Some(1)) {
            let Some(record) = records.next() else {
                return Ok(0);
            };
            return self.insert_quietly(record);
        }
        self.insert_bulk(records)
    }

    /// One record by one statement, handing nothing back.
    fn insert_quietly(&self, record: &R) -> Result<u64> {
        let values = self.bound_values(record)?;
        self.with_conn(|conn| conn.execute(&self.state.statements.insert_plain, &values))
    }

    /// The values a single insert of `record` binds: its data, checked, then the stamps.
    pub(crate) fn bound_values(&self, record: &R) -> Result<Vec<Value>> {
        let statements = &self.state.statements;
        let mut values = Vec::with_capacity(statements.bound_columns.len());
        record.write_values(&mut values);
        self.check_row(&mut values)?;
        stamp(&mut values, statements.stamps());
        Ok(values)
    }

    fn insert_bulk<'r>(&self, records: impl Iterator<Item = &'r R>) -> Result<u64> {
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
            records,
            table: &self.state,
            rules: self.rules(),
            max_index_entry: self.db.capabilities().max_index_entry_bytes,
            now: Value::timestamp(anytable_core::chrono::Utc::now()),
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
        self.query_row(self.get_sql()?, &[Value::I64(id)])
    }

    /// The lookup by id, or why this table has none.
    pub(crate) fn get_sql(&self) -> Result<&str> {
        self.state.statements.get_by_id.as_deref().ok_or_else(|| {
            Error::unsupported(format!(
                "{} has no id column, so rows cannot be fetched by id",
                std::any::type_name::<R>()
            ))
        })
    }

    /// Starts a query over this table; add filters, ordering and limits, then run it.
    pub fn select(&self) -> Select<'tx, R> {
        Select::new(self.clone(), Query::new())
    }

    /// Shorthand for `select().filter(filter)`.
    pub fn filter(&self, filter: Filter<R>) -> Select<'tx, R> {
        self.select().filter(filter)
    }

    /// The number of rows in the table.
    pub fn count(&self) -> Result<u64> {
        self.count_sql(&self.state.statements.count_all, &[])
    }

    /// The number of rows matching `filter`.
    pub fn count_matching(&self, filter: Filter<R>) -> Result<u64> {
        let (sql, params) = self.count_statement(filter)?;
        self.count_sql(&sql, &params)
    }

    /// The statement that counts the rows matching `filter`.
    pub(crate) fn count_statement(&self, filter: Filter<R>) -> Result<(String, Vec<Value>)> {
        self.check_filter(&filter)?;
        sql::count(self.dialect(), self.state.schema, filter.condition())
    }

    fn count_sql(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut row = Vec::with_capacity(1);
        let types = [anytable_core::ValueType::I64];
        let found = self.with_read_conn(|conn| conn.query_row(sql, params, &types, &mut row))?;
        counted(found.then_some(row))
    }

    /// The first `n` rows, in id order when the table has an id.
    pub fn head(&self, n: u64) -> Result<Vec<R>> {
        let mut query = Query::new().limit(n);
        if let Some(id) = self.state.schema.id_column() {
            query.order.push(OrderKey::new(id.name.as_str(), false));
        }
        Select::new(self.clone(), query).all()
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
        let (sql, params) = self.update_statement(filter, set)?;
        self.with_conn(|conn| conn.execute(&sql, &params))
    }

    /// The statement of [`update`](Self::update), after its checks.
    pub(crate) fn update_statement(
        &self,
        filter: Filter<R>,
        set: impl IntoIterator<Item = Assignment<R>>,
    ) -> Result<(String, Vec<Value>)> {
        self.check_filter(&filter)?;
        let rules = self.rules();
        let mut assignments: Vec<(&'static str, Value)> =
            set.into_iter().map(Assignment::into_parts).collect();
        for (column, value) in &mut assignments {
            let schema = self.state.schema.columns.iter().find(|c| c.name == *column);
            let schema = schema.ok_or_else(|| {
                Error::invalid_input(format!("the table has no column {column:?} to set"))
            })?;
            check::writable(value, schema, rules)?;
            self.state.check_stored(column, value)?;
        }
        self.check_assigned_entries(&assignments)?;
        sql::update(
            self.dialect(),
            self.state.schema,
            filter.condition(),
            assignments,
            &Value::timestamp(anytable_core::chrono::Utc::now()),
        )
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
        match self.delete_statement(filter)? {
            Some((sql, params)) => self.with_conn(|conn| conn.execute(&sql, &params)),
            None => Ok(0),
        }
    }

    /// The statement of [`delete`](Self::delete), after its checks; `None` where the filter
    /// matches no row whatever the table holds.
    pub(crate) fn delete_statement(
        &self,
        filter: Filter<R>,
    ) -> Result<Option<(String, Vec<Value>)>> {
        self.check_filter(&filter)?;
        match filter.condition().constant() {
            Some(true) => {
                return Err(Error::invalid_input(
                    "this delete filter is true for every row (it contains Filter::all() or a \
                     negated empty is_in where nothing else narrows it), so it would delete \
                     every row; call delete_all() to mean that",
                ))
            }
            Some(false) => return Ok(None),
            None => {}
        }
        sql::delete(self.dialect(), self.state.schema, filter.condition()).map(Some)
    }

    /// Deletes every row; returns how many.
    pub fn delete_all(&self) -> Result<u64> {
        self.with_conn(|conn| conn.execute(&self.state.statements.delete_all, &[]))
    }

    /// The statement of [`delete_all`](Self::delete_all).
    #[cfg(feature = "async")]
    pub(crate) fn delete_all_sql(&self) -> &str {
        &self.state.statements.delete_all
    }

    /// The statement of [`count`](Self::count).
    #[cfg(feature = "async")]
    pub(crate) fn count_all_sql(&self) -> &str {
        &self.state.statements.count_all
    }

    /// Inserts `record`, or on a unique conflict does what `on_conflict` says.
    ///
    /// Returns the id of the row written (inserted or updated) and fills in the generated
    /// fields; returns `None` when the conflict action was to do nothing and nothing was written.
    pub fn upsert(&self, record: &mut R, on_conflict: OnConflict<R>) -> Result<Option<R::Id>> {
        let mut values = Vec::new();
        record.write_values(&mut values);
        self.check_row(&mut values)?;
        let now = Value::timestamp(anytable_core::chrono::Utc::now());
        values.extend(std::iter::repeat_n(&now, self.state.statements.stamps()).cloned());
        let (sql, params) = sql::upsert(
            self.dialect(),
            self.state.schema,
            values,
            on_conflict.conflict(),
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
    pub(super) fn query_row(&self, sql: &str, params: &[Value]) -> Result<Option<R>> {
        let types = &self.state.statements.column_types;
        let mut row = Vec::with_capacity(types.len());
        let found = self.with_read_conn(|conn| conn.query_row(sql, params, types, &mut row))?;
        if !found {
            return Ok(None);
        }
        R::read_values(&mut row).map(Some)
    }

    /// The rows of `sql` (already in the engine's placeholders), decoded as `T` as they are
    /// read, in this table's transaction if it has one.
    pub(super) fn rows<T: anytable_core::FromRow>(
        &self,
        sql: &str,
        params: &[Value],
        types: &[anytable_core::ValueType],
    ) -> Result<crate::RowIter<'tx, T>> {
        Ok(crate::RowIter::from_cursor(
            self.open_cursor(sql, params, types)?,
        ))
    }

    /// A cursor over the rows of `sql` decoded as `types`, in this table's transaction if it
    /// has one.
    pub(super) fn open_cursor(
        &self,
        sql: &str,
        params: &[Value],
        types: &[anytable_core::ValueType],
    ) -> Result<Cursor<'tx>> {
        Cursor::open(&self.db, self.tx, sql, params, types)
    }

    /// [`cursor`](Self::cursor) reading the engine's own record batches where it has them.
    #[cfg(feature = "arrow")]
    pub(super) fn arrow_cursor(&self, sql: &str, params: &[Value]) -> Result<Cursor<'tx>> {
        Cursor::open_arrow(
            &self.db,
            self.tx,
            sql,
            params,
            &self.state.statements.column_types,
        )
    }

    /// SELECT of every column of every row, by id where the table has one (a copy writes
    /// them in the order they were made).
    pub(crate) fn select_all_in_id_order(&self) -> String {
        match self.state.schema.id_column() {
            Some(id) => format!(
                "{} ORDER BY {}",
                self.state.statements.select_all,
                anytable_core::sql::quote_identifier(&id.name)
            ),
            None => self.state.statements.select_all.clone(),
        }
    }

    /// The table of record `P` in the same database and transaction (created or verified
    /// as [`Database::table`](crate::Database::table) does).
    pub(super) fn sibling<P: Record>(&self) -> Result<TableHandle<'tx, P>> {
        match self.tx {
            Some(tx) => tx.table::<P>(),
            None => self.db.table::<P>(),
        }
    }

    /// A cursor over the rows of `sql`, in this table's transaction if it has one.
    pub(super) fn cursor(&self, sql: &str, params: &[Value]) -> Result<Cursor<'tx>> {
        self.open_cursor(sql, params, &self.state.statements.column_types)
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
    for (value, column) in values.iter_mut().zip(state.schema.data_columns()) {
        check::writable(value, column, rules)?;
        if !state.narrow.is_empty() {
            state.check_stored(&column.name, value)?;
        }
    }
    check::index_entries(values, &state.index_entries, max_index_entry)
}

/// Appends the time of the statement about to run for each of the `stamps` columns (`added`,
/// `updated`) whose time the dialect binds; the clock is read only when there are some.
fn stamp(values: &mut Vec<Value>, stamps: usize) {
    if stamps > 0 {
        let now = Value::timestamp(anytable_core::chrono::Utc::now());
        values.extend(std::iter::repeat_n(now, stamps));
    }
}
