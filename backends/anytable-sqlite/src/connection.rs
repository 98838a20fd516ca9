//! One pooled SQLite connection behind anytable's `Connection` trait.

use anytable_core::{
    atomically, check_count, BulkInsert, Connection, Result, RowSink, RowSource, TableInfo, Value,
    ValueType,
};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Statement;

use crate::error::map_err;
use crate::gate::{Turn, WriteGate};
use crate::introspect::introspect;
use crate::statements::CachedConnection;
use crate::types::{decode, Bind};

use crate::pool::Pooled;

/// A pooled rusqlite connection; dropping it returns it to the pool.
pub(crate) struct SqliteConnection {
    conn: Pooled,
    gate: Arc<WriteGate>,
    timeout: Duration,
    /// Held from BEGIN IMMEDIATE to COMMIT/ROLLBACK: this connection's turn to write.
    turn: Option<Turn>,
}

impl SqliteConnection {
    /// Wraps a pooled connection whose writes queue at `gate` for up to `timeout`.
    pub(crate) fn new(conn: Pooled, gate: Arc<WriteGate>, timeout: Duration) -> Self {
        SqliteConnection {
            conn,
            gate,
            timeout,
            turn: None,
        }
    }
}

/// A turn at `gate` for one statement that writes outside a transaction; `None` for a read, or
/// inside a transaction (which holds its turn already).
fn statement_turn(
    gate: &Arc<WriteGate>,
    timeout: Duration,
    held: &Option<Turn>,
    statement: &Statement<'_>,
) -> Result<Option<Turn>> {
    if held.is_some() || statement.readonly() {
        return Ok(None);
    }
    gate.enter(timeout).map(Some)
}

fn bind(statement: &mut Statement<'_>, params: &[Value]) -> Result<()> {
    check_count("parameters", statement.parameter_count(), params.len())?;
    for (i, value) in params.iter().enumerate() {
        statement
            .raw_bind_parameter(i + 1, Bind(value))
            .map_err(map_err)?;
    }
    Ok(())
}

/// Lets go of a bound IN list, which a cached statement would otherwise keep until its next use.
fn release_lists(statement: &mut Statement<'_>, params: &[Value]) {
    if params.iter().any(|v| matches!(v, Value::List(_))) {
        statement.clear_bindings();
    }
}

impl Connection for SqliteConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let (gate, timeout, held) = (&self.gate, self.timeout, &self.turn);
        self.conn.with_statement(sql, |statement| {
            bind(statement, params)?;
            let _turn = statement_turn(gate, timeout, held, statement)?;
            let changed = statement.raw_execute().map_err(map_err);
            release_lists(statement, params);
            Ok(changed? as u64)
        })
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        sink: RowSink<'_>,
    ) -> Result<()> {
        let (gate, timeout, held) = (&self.gate, self.timeout, &self.turn);
        self.conn.with_statement(sql, |statement| {
            bind(statement, params)?;
            check_count("result columns", statement.column_count(), types.len())?;
            let _turn = statement_turn(gate, timeout, held, statement)?;
            let read = read_rows(statement, types, sink);
            release_lists(statement, params);
            read
        })
    }

    fn insert_returning_id(&mut self, plain_sql: &str, _: &str, params: &[Value]) -> Result<i64> {
        // Same connection, no statement in between: last_insert_rowid is this row's id.
        self.execute(plain_sql, params)?;
        Ok(self.conn.conn().last_insert_rowid())
    }

    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        let in_transaction = !self.conn.conn().is_autocommit();
        // Holding one prepared statement for every row is SQLite's fastest path.
        atomically(self, in_transaction, |this| {
            insert_rows(&mut this.conn, target.insert_sql, rows)
        })
    }

    fn begin(&mut self) -> Result<()> {
        // IMMEDIATE takes the write lock now (waiting up to busy_timeout), so a transaction
        // that reads first never fails later with SQLITE_BUSY_SNAPSHOT on its first write.
        // This process's writers take turns first (see gate.rs), then SQLite's lock.
        let turn = self.gate.enter(self.timeout)?;
        self.conn
            .conn()
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(map_err)?;
        self.turn = Some(turn);
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let committed = self.conn.conn().execute_batch("COMMIT").map_err(map_err);
        if self.conn.conn().is_autocommit() {
            self.turn = None;
        }
        committed
    }

    fn rollback(&mut self) -> Result<()> {
        // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
        if self.conn.conn().is_autocommit() {
            self.turn = None;
            return Ok(());
        }
        let rolled_back = self.conn.conn().execute_batch("ROLLBACK").map_err(map_err);
        if self.conn.conn().is_autocommit() {
            self.turn = None;
        }
        rolled_back
    }

    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        introspect(self.conn.conn(), name)
    }

    fn in_transaction(&self) -> bool {
        // SQLite knows, whoever began it (begin() or a BEGIN in SQL text).
        !self.conn.conn().is_autocommit()
    }

    fn discard(&mut self) {
        self.conn.discard();
    }
}

/// Streams the rows of a bound statement to `sink`, decoded to `types`.
fn read_rows(statement: &mut Statement<'_>, types: &[ValueType], sink: RowSink<'_>) -> Result<()> {
    let mut rows = statement.raw_query();
    let mut values = vec![Value::Null; types.len()];
    while let Some(row) = rows.next().map_err(map_err)? {
        for (i, (slot, ty)) in values.iter_mut().zip(types).enumerate() {
            let raw = row.get_ref(i).map_err(map_err)?;
            let value = decode(raw, *ty).map_err(|e| {
                let column = row.as_ref().column_name(i).unwrap_or("?");
                e.in_column(column).with_backend("sqlite")
            })?;
            set(slot, value);
        }
        if !sink(&mut values)? {
            break;
        }
    }
    Ok(())
}

/// Stores `value` in `slot`, skipping the drop of the NULL a record's `read_values` left there
/// (a call per column per row otherwise).
#[inline]
fn set(slot: &mut Value, value: Value) {
    let old = std::mem::replace(slot, value);
    if matches!(old, Value::Null) {
        std::mem::forget(old);
    }
}

fn insert_rows(conn: &mut CachedConnection, sql: &str, rows: &mut dyn RowSource) -> Result<u64> {
    conn.with_statement(sql, |statement| {
        let mut row = Vec::new();
        let mut count = 0;
        while rows.next_row(&mut row)? {
            bind(statement, &row)?;
            statement.raw_execute().map_err(map_err)?;
            count += 1;
        }
        Ok(count)
    })
}
