//! One pooled SQLite connection behind anytable's `Connection` trait.

use anytable_core::{
    atomically, bind_params, check_count, BulkInsert, Connection, Interrupt, Result, RowSource,
    Rows, TableInfo, Value, ValueType,
};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Statement;

use crate::error::map_err;
use crate::gate::{interrupted, Turn, WriteGate};
use crate::introspect::introspect;
use crate::statements::CachedConnection;
use crate::types::{declared_types, decode_declared, Bind};

use anytable_core::pool::Pooled;

/// A pooled rusqlite connection; dropping it returns it to the pool.
pub(crate) struct SqliteConnection {
    conn: Pooled<CachedConnection>,
    gate: Arc<WriteGate>,
    timeout: Duration,
    /// Held from BEGIN IMMEDIATE to COMMIT/ROLLBACK: this connection's turn to write.
    turn: Option<Turn>,
    /// The SQL of a cached statement a cursor left an IN list bound to (a cursor cannot clear
    /// bindings while it borrows the statement); cleared at the next call or check-in.
    list_bound: Option<Box<str>>,
}

impl SqliteConnection {
    /// Wraps a pooled connection whose writes queue at `gate` for up to `timeout`.
    pub(crate) fn new(
        conn: Pooled<CachedConnection>,
        gate: Arc<WriteGate>,
        timeout: Duration,
    ) -> Self {
        SqliteConnection {
            conn,
            gate,
            timeout,
            turn: None,
            list_bound: None,
        }
    }

    /// The C handle of this open connection, for [`interrupted`] while a statement waits for
    /// its turn to write.
    fn db(&self) -> *mut rusqlite::ffi::sqlite3 {
        // SAFETY: only copied here; `interrupted` reads an atomic flag through it while the
        // connection is open.
        unsafe { self.conn.conn().handle() }
    }

    /// Lets go of the IN list a finished cursor left bound.
    fn release_cursor_lists(&mut self) {
        if let Some(sql) = self.list_bound.take() {
            let _ = self.conn.with_statement(&sql, |statement| {
                statement.clear_bindings();
                Ok(())
            });
        }
    }
}

impl Drop for SqliteConnection {
    fn drop(&mut self) {
        self.release_cursor_lists();
    }
}

/// A turn at `gate` for one statement that writes outside a transaction; `None` for a read, or
/// inside a transaction (which holds its turn already).
fn statement_turn(
    gate: &Arc<WriteGate>,
    timeout: Duration,
    held: &Option<Turn>,
    statement: &Statement<'_>,
    db: *mut rusqlite::ffi::sqlite3,
) -> Result<Option<Turn>> {
    if held.is_some() || statement.readonly() {
        return Ok(None);
    }
    gate.enter(timeout, &|| interrupted(db)).map(Some)
}

fn bind(statement: &mut Statement<'_>, params: &[Value]) -> Result<()> {
    bind_params(statement.parameter_count(), params, |i, value| {
        statement
            .raw_bind_parameter(i, Bind(value))
            .map_err(map_err)
    })
}

/// Lets go of a bound IN list, which a cached statement would otherwise keep until its next use.
fn release_lists(statement: &mut Statement<'_>, params: &[Value]) {
    if has_list(params) {
        statement.clear_bindings();
    }
}

fn has_list(params: &[Value]) -> bool {
    params.iter().any(|v| matches!(v, Value::List(_)))
}

impl SqliteConnection {
    /// Runs `sql` with `params` bound, in its turn, to the end with `run`; its lists are
    /// released whether `run` succeeds or not.
    fn run_to_end(
        &mut self,
        sql: &str,
        params: &[Value],
        run: impl FnOnce(&mut rusqlite::Statement<'_>) -> rusqlite::Result<u64>,
    ) -> Result<u64> {
        self.release_cursor_lists();
        let (gate, timeout, held, db) = (&self.gate, self.timeout, &self.turn, self.db());
        self.conn.with_statement(sql, |statement| {
            bind(statement, params)?;
            let _turn = statement_turn(gate, timeout, held, statement, db)?;
            let done = run(statement).map_err(map_err);
            release_lists(statement, params);
            done
        })
    }
}

impl Connection for SqliteConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.run_to_end(sql, params, |statement| {
            statement.raw_execute().map(|changed| changed as u64)
        })
    }

    fn count_rows(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.run_to_end(sql, params, |statement| {
            let mut rows = statement.raw_query();
            let mut count = 0u64;
            while rows.next()?.is_some() {
                count += 1;
            }
            Ok(count)
        })
    }

    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        self.release_cursor_lists();
        if has_list(params) {
            self.list_bound = Some(sql.into());
        }
        let (gate, timeout, held, db) = (&self.gate, self.timeout, &self.turn, self.db());
        self.conn.with_statement(sql, |statement| {
            bind(statement, params)?;
            check_count("result columns", statement.column_count(), types.len())?;
            let turn = statement_turn(gate, timeout, held, statement, db)?;
            let declared = declared_types(statement, types.len());
            Ok(Box::new(SqliteRows {
                rows: statement.raw_query(),
                types: types.to_vec(),
                declared,
                values: vec![Value::Null; types.len()],
                _turn: turn,
            }) as Box<dyn Rows + 'c>)
        })
    }

    fn query_row(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        out: &mut Vec<Value>,
    ) -> Result<bool> {
        // The lookups and RETURNINGs: no cursor to allocate.
        self.release_cursor_lists();
        let (gate, timeout, held, db) = (&self.gate, self.timeout, &self.turn, self.db());
        self.conn.with_statement(sql, |statement| {
            bind(statement, params)?;
            check_count("result columns", statement.column_count(), types.len())?;
            let _turn = statement_turn(gate, timeout, held, statement, db)?;
            let read = read_one(statement, types, out);
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
        self.release_cursor_lists();
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
        let db = self.db();
        let turn = self.gate.enter(self.timeout, &|| interrupted(db))?;
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

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::new(SqliteInterrupt(
            self.conn.conn().get_interrupt_handle(),
        )))
    }

    fn discard(&mut self) {
        self.conn.discard();
    }
}

/// A running query's rows; holds the write turn of a query that writes (`INSERT ... RETURNING`).
struct SqliteRows<'s> {
    rows: rusqlite::Rows<'s>,
    types: Vec<ValueType>,
    /// What each column's declared type says it holds ([`declared_types`]).
    declared: Vec<Option<ValueType>>,
    values: Vec<Value>,
    _turn: Option<Turn>,
}

// SAFETY: the rows borrow a statement of the one connection they were started on, which is
// `Send` (opened with SQLITE_OPEN_NO_MUTEX, used by one thread at a time) and which the caller
// holds exclusively while the rows live, so they always move between threads together with it
// (as `CachedConnection` does with its statements).
unsafe impl Send for SqliteRows<'_> {}

impl Rows for SqliteRows<'_> {
    fn next(&mut self) -> Result<Option<&mut [Value]>> {
        let Some(row) = self.rows.next().map_err(map_err)? else {
            return Ok(None);
        };
        decode_row(row, &self.types, &self.declared, &mut self.values)?;
        Ok(Some(&mut self.values))
    }
}

/// Reads the first row of a bound statement into `out`; `false` if there is none.
fn read_one(
    statement: &mut Statement<'_>,
    types: &[ValueType],
    out: &mut Vec<Value>,
) -> Result<bool> {
    let declared = declared_types(statement, types.len());
    let mut rows = statement.raw_query();
    let Some(row) = rows.next().map_err(map_err)? else {
        return Ok(false);
    };
    out.clear();
    out.resize(types.len(), Value::Null);
    decode_row(row, types, &declared, out)?;
    Ok(true)
}

/// Decodes every column of `row` into `values`, naming the column in any error.
fn decode_row(
    row: &rusqlite::Row<'_>,
    types: &[ValueType],
    declared: &[Option<ValueType>],
    values: &mut [Value],
) -> Result<()> {
    let statement = row.as_ref();
    anytable_core::decode_row(
        "sqlite",
        values,
        |i| {
            let raw = row.get_ref(i).map_err(map_err)?;
            decode_declared(raw, declared.get(i).copied().flatten(), types[i])
        },
        |i| statement.column_name(i).ok(),
    )
}

/// Rows per multi-row INSERT of a bulk insert: SQLite then binds and steps one statement per
/// batch instead of one per row, which costs less per row (scripts/bench W2; sqlx and Tank
/// insert this way).
const BATCH_ROWS: usize = 64;

/// SQLite's default limit of bound parameters in one statement (SQLITE_MAX_VARIABLE_NUMBER).
const MAX_PARAMETERS: usize = 32766;

fn insert_rows(conn: &mut CachedConnection, sql: &str, rows: &mut dyn RowSource) -> Result<u64> {
    let batch_sql = multi_row(sql, BATCH_ROWS);
    let batch_rows = batch_sql.as_ref().map_or(1, |(_, rows)| *rows);
    let (mut row, mut batch) = (Vec::new(), Vec::new());
    let (mut in_batch, mut count) = (0, 0);
    while rows.next_row(&mut row)? {
        match &batch_sql {
            Some((batch_sql, _)) => {
                batch.append(&mut row);
                in_batch += 1;
                if in_batch == batch_rows {
                    execute_bound(conn, batch_sql, &batch)?;
                    (batch, in_batch) = (Vec::with_capacity(batch.len()), 0);
                    count += batch_rows as u64;
                }
            }
            None => {
                execute_bound(conn, sql, &row)?;
                count += 1;
            }
        }
    }
    // The last rows, fewer than a batch, one at a time.
    if let Some(width) = batch.len().checked_div(in_batch) {
        for values in batch.chunks(width.max(1)) {
            execute_bound(conn, sql, values)?;
            count += 1;
        }
    }
    Ok(count)
}

fn execute_bound(conn: &mut CachedConnection, sql: &str, values: &[Value]) -> Result<()> {
    conn.with_statement(sql, |statement| {
        bind(statement, values)?;
        statement.raw_execute().map_err(map_err)?;
        Ok(())
    })
}

/// `INSERT ... VALUES (?, ?), (?, ?), ...` from the one-row INSERT `sql`, with up to `rows`
/// tuples (fewer where SQLite's parameter limit says so), and how many; `None` when its VALUES
/// are not plain placeholders or only one row fits (then rows go one at a time).
fn multi_row(sql: &str, rows: usize) -> Option<(String, usize)> {
    const VALUES: &str = " VALUES ";
    let at = sql.rfind(VALUES)? + VALUES.len();
    let tuple = &sql[at..];
    let plain = tuple.starts_with('(')
        && tuple.ends_with(')')
        && tuple
            .chars()
            .all(|c| matches!(c, '?' | ',' | ' ' | '(' | ')'));
    let parameters = tuple.matches('?').count().max(1);
    let rows = rows.min(MAX_PARAMETERS / parameters);
    if !plain || rows < 2 {
        return None;
    }
    let mut out = String::with_capacity(at + rows * (tuple.len() + 2));
    out.push_str(&sql[..at]);
    for i in 0..rows {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(tuple);
    }
    Some((out, rows))
}

/// `sqlite3_interrupt` from another thread: the running statement fails with
/// `SQLITE_INTERRUPT` (a write inside a transaction rolls the transaction back, which
/// `in_transaction` then reports); statements started after it has returned are unaffected.
struct SqliteInterrupt(rusqlite::InterruptHandle);

impl Interrupt for SqliteInterrupt {
    fn interrupt(&self) {
        self.0.interrupt();
    }
}

#[cfg(test)]
mod tests {
    use super::multi_row;

    #[test]
    fn a_one_row_insert_becomes_a_multi_row_one() {
        let sql = r#"INSERT INTO "t" ("a", "b") VALUES (?, ?)"#;
        let (batch, rows) = multi_row(sql, 3).unwrap();
        assert_eq!(
            batch,
            r#"INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?), (?, ?)"#
        );
        assert_eq!(rows, 3);
    }

    #[test]
    fn a_batch_stays_under_the_parameter_limit() {
        let wide = format!("INSERT INTO t VALUES ({})", vec!["?"; 1000].join(", "));
        assert_eq!(multi_row(&wide, 64).unwrap().1, 32);
        let widest = format!("INSERT INTO t VALUES ({})", vec!["?"; 20000].join(", "));
        assert_eq!(multi_row(&widest, 64), None);
    }

    #[test]
    fn values_that_are_not_plain_placeholders_stay_one_row() {
        assert_eq!(
            multi_row(r#"INSERT INTO "t" ("a") VALUES (?, strftime('%s'))"#, 3),
            None
        );
        assert_eq!(multi_row(r#"INSERT INTO "t" ("a") VALUES (?)"#, 1), None);
    }
}
