//! One Postgres connection behind anytable's `Connection` trait.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use anytable_core::sql::quote_identifier;
use anytable_core::{
    bulk_insert, check_count, BulkInsert, Connection, Interrupt, Result, RowSource, Rows,
    TableInfo, Value, ValueType,
};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Statement;

use crate::cancel::PostgresInterrupt;
use crate::client::RowCursor;
use crate::driver::PooledClient;
use crate::error::map_err;
use crate::introspect::introspect;
use crate::replicas::WriteClock;
use crate::session::Session;
use crate::types::{Bind, ColumnReader};

/// Prepared statements kept per connection; beyond this the cache starts over.
pub(crate) const STATEMENT_CACHE: usize = 256;

/// A pooled Postgres connection with its own prepared-statement cache.
pub(crate) struct PostgresConnection {
    client: PooledClient,
    session: Arc<Session>,
    in_transaction: bool,
    /// Where a pool with replicas notes that this primary connection was used, for
    /// read-your-writes.
    writes: Option<Arc<WriteClock>>,
    /// Whether it serves reads on a replica, where a refused write (25006) is expected and
    /// sent on to the primary, rather than a sign that its server was demoted.
    serves_reads: bool,
}

impl PostgresConnection {
    /// Wraps a pooled client; `session` says how transactions start and whether a pooler in
    /// transaction mode stands between it and the server.
    pub(crate) fn new(client: PooledClient, session: Arc<Session>) -> Self {
        PostgresConnection {
            client,
            session,
            in_transaction: false,
            writes: None,
            serves_reads: false,
        }
    }

    /// The same connection, serving reads on a replica (see [`Self::refused_write`]).
    pub(crate) fn serving_reads(mut self) -> Self {
        self.serves_reads = true;
        self
    }

    /// `e`, and if it is a write the server refused as read-only (SQLSTATE 25006) on a
    /// primary's session, the session is discarded: a primary demoted by a failover answers
    /// every write so, and the pool must not lend the session again. Where the URL seeks a
    /// writable host (`target_session_attrs=read-write`) the error is retryable: a new
    /// session goes to the new primary.
    fn refused_write(&mut self, e: anytable_core::Error) -> anytable_core::Error {
        if self.serves_reads || e.code() != Some("25006") {
            return e;
        }
        self.client.discard();
        if self.session.seeks_writable {
            e.with_retryable(true)
        } else {
            e
        }
    }

    /// The same connection, noting on `writes` when it is given back that the pool used the
    /// primary (read-your-writes, [`crate::replicas`]).
    pub(crate) fn marking(mut self, writes: Option<Arc<WriteClock>>) -> Self {
        self.writes = writes;
        self
    }

    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        self.cached(sql, |client| client.prepare(sql))
    }

    /// The statement cached under `key`, or the one `prepare` makes, cached. Behind a pooler
    /// nothing is cached: the next transaction may run on another server session, where this
    /// one's statements do not exist; each is closed (dropped) before COMMIT.
    fn cached(
        &mut self,
        key: &str,
        prepare: impl FnOnce(
            &mut crate::client::SyncClient,
        ) -> std::result::Result<Statement, tokio_postgres::Error>,
    ) -> Result<Statement> {
        let slot = &mut *self.client;
        if self.session.pooled() {
            return prepare(&mut slot.client).map_err(map_err);
        }
        if let Some(statement) = slot.statements.get(key) {
            return Ok(statement.clone());
        }
        let statement = prepare(&mut slot.client).map_err(map_err)?;
        if slot.statements.len() >= STATEMENT_CACHE {
            slot.statements.clear();
        }
        slot.statements.insert(key.to_owned(), statement.clone());
        Ok(statement)
    }

    /// [`prepare`](Self::prepare)s `sql` for `values`: where the server inferred `text` for a
    /// placeholder whose value is not text (`SELECT ?`, `? + 1` has a type, `?` alone has
    /// none), prepared again with the value's own type, as SQLite and DuckDB take it.
    fn prepare_for(&mut self, sql: &str, values: &[Value]) -> Result<Statement> {
        let statement = self.prepare(sql)?;
        let Some(types) = crate::types::retyped(statement.params(), values) else {
            return Ok(statement);
        };
        self.cached(&format!("{sql}\0{types:?}"), |client| {
            client.prepare_typed(sql, &types)
        })
    }

    /// The exact types of `columns` of `table`, for the binary COPY header.
    fn column_types(&mut self, target: &BulkInsert<'_>) -> Result<Vec<Type>> {
        let list: Vec<String> = target.columns.iter().map(|c| quote_identifier(c)).collect();
        let sql = format!(
            "SELECT {} FROM {} LIMIT 0",
            list.join(", "),
            quote_identifier(&target.table.name)
        );
        let statement = self.prepare(&sql)?;
        Ok(statement
            .columns()
            .iter()
            .map(|c| c.type_().clone())
            .collect())
    }

    fn copy_in(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        let types = self.column_types(target)?;
        let list: Vec<String> = target.columns.iter().map(|c| quote_identifier(c)).collect();
        let sql = format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            quote_identifier(&target.table.name),
            list.join(", ")
        );
        let copied = self.client.client.copy_in_binary(&sql, &types, rows);
        copied.map_err(|e| self.refused_write(e))
    }

    /// Runs `f`, behind a pooler inside a transaction of its own when none is open: a
    /// statement's prepare and execute are two round trips, which a pooler in transaction
    /// mode may send to two server sessions, and the session's settings are `SET LOCAL`.
    fn alone<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.in_transaction || !self.session.pooled() {
            return f(self);
        }
        let session = Arc::clone(&self.session);
        let begin = session.implicit_begin.as_deref().expect("pooled");
        self.client.client.batch_execute(begin).map_err(map_err)?;
        match f(self) {
            Ok(value) => {
                self.client
                    .client
                    .batch_execute("COMMIT")
                    .map_err(map_err)?;
                Ok(value)
            }
            Err(e) => {
                // The statement's own error is the one to report.
                let _ = self.client.client.batch_execute("ROLLBACK");
                Err(e)
            }
        }
    }

    fn execute_here(&mut self, sql: &str, values: &[Value]) -> Result<u64> {
        let statement = self.prepare_for(sql, values)?;
        check_count("parameters", statement.params().len(), values.len())?;
        let binds = params(values);
        let executed = self.client.client.execute(&statement, &as_dyn(&binds));
        executed.map_err(|e| self.refused_write(map_err(e)))
    }

    fn query_row_here(
        &mut self,
        sql: &str,
        values: &[Value],
        types: &[ValueType],
        out: &mut Vec<Value>,
    ) -> Result<bool> {
        // One collected read: a row iterator costs a runtime entry per row and one more for the
        // end, which a lookup or an insert's RETURNING pays for nothing.
        let statement = self.prepare_for(sql, values)?;
        check_count("parameters", statement.params().len(), values.len())?;
        check_count("result columns", statement.columns().len(), types.len())?;
        let binds = params(values);
        let queried = self.client.client.query(&statement, &as_dyn(&binds));
        let rows = queried.map_err(|e| self.refused_write(map_err(e)))?;
        let Some(row) = rows.first() else {
            return Ok(false);
        };
        out.clear();
        out.resize(types.len(), Value::Null);
        // Planned column by column: a lookup reads one row, so no list of readers is built.
        let columns = statement.columns();
        decode_row(row, out, |i| {
            ColumnReader::new(columns[i].type_(), types[i]).read(row, i)
        })?;
        Ok(true)
    }
}

impl Drop for PostgresConnection {
    fn drop(&mut self) {
        if self
            .client
            .cancelled
            .load(std::sync::atomic::Ordering::Acquire)
        {
            // A cancel request in flight could stop the next borrower's statement.
            self.client.discard();
        }
        // An open transaction was rolled back by anytable's check-in rule (core's `check_in`)
        // before this drop, or the connection was discarded.
        self.client.returned = std::time::Instant::now();
        if let Some(writes) = &self.writes {
            writes.mark();
        }
    }
}

/// `values` as parameters of the driver.
pub(crate) fn params<'a>(values: &'a [Value]) -> Vec<Bind<'a>> {
    values.iter().map(Bind).collect()
}

/// `binds` as the driver's parameter list.
pub(crate) fn as_dyn<'a>(binds: &'a [Bind<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect()
}

impl Connection for PostgresConnection {
    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<u64> {
        // The driver cannot say whether a transaction is open: follow BEGIN/COMMIT sent as SQL.
        let control = anytable_core::sql::transaction_control(sql);
        let changed = if control.is_some() {
            self.execute_here(sql, values)?
        } else {
            self.alone(|this| this.execute_here(sql, values))?
        };
        if let Some(open) = control {
            self.in_transaction = open;
            if let (true, Some(settings)) = (open, &self.session.settings) {
                // Behind a pooler the session's settings hold per transaction only.
                self.client
                    .client
                    .batch_execute(settings)
                    .map_err(map_err)?;
            }
        }
        Ok(changed)
    }

    fn query<'c>(
        &'c mut self,
        sql: &str,
        values: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        // Behind a pooler, a query outside a transaction runs in one of its own, which the
        // cursor ends.
        let alone = self.session.pooled() && !self.in_transaction;
        if alone {
            let begin = self.session.implicit_begin.as_deref().expect("pooled");
            self.client.client.batch_execute(begin).map_err(map_err)?;
        }
        let prepared = self.prepare_for(sql, values).and_then(|statement| {
            check_count("parameters", statement.params().len(), values.len())?;
            check_count("result columns", statement.columns().len(), types.len())?;
            Ok(statement)
        });
        let statement = match prepared {
            Ok(statement) => statement,
            Err(e) => {
                if alone {
                    let _ = self.client.client.batch_execute("ROLLBACK");
                }
                return Err(e);
            }
        };
        let readers = readers(&statement, types);
        let rows = self
            .client
            .client
            .query_raw(&statement, &params(values), alone)?;
        Ok(Box::new(PostgresRows {
            rows,
            readers,
            values: vec![Value::Null; types.len()],
        }))
    }

    fn query_row(
        &mut self,
        sql: &str,
        values: &[Value],
        types: &[ValueType],
        out: &mut Vec<Value>,
    ) -> Result<bool> {
        self.alone(|this| this.query_row_here(sql, values, types, out))
    }

    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        let in_transaction = self.in_transaction;
        bulk_insert(self, in_transaction, target, rows, |this, rows| {
            this.copy_in(target, rows)
        })
    }

    fn begin(&mut self) -> Result<()> {
        self.client
            .client
            .batch_execute(&self.session.begin)
            .map_err(map_err)?;
        self.in_transaction = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.in_transaction = false;
        // A failed COMMIT ends the transaction on the server (it rolls back).
        self.client.client.batch_execute("COMMIT").map_err(map_err)
    }

    fn rollback(&mut self) -> Result<()> {
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        self.client
            .client
            .batch_execute("ROLLBACK")
            .map_err(map_err)
    }

    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        self.alone(|this| introspect(&mut this.client.client, name))
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    fn discard(&mut self) {
        self.client.discard();
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::new(PostgresInterrupt {
            token: self.client.client.cancel_token(),
            tls: self.client.tls.clone(),
            cancelled: Arc::clone(&self.client.cancelled),
            pooler: self.client.pooler.clone(),
        }))
    }

    fn on_replica(&mut self) -> Result<bool> {
        let messages = self
            .client
            .client
            .simple_query("SELECT pg_is_in_recovery()")
            .map_err(map_err)?;
        Ok(messages.iter().any(|message| {
            matches!(message, tokio_postgres::SimpleQueryMessage::Row(row) if row.get(0) == Some("t"))
        }))
    }
}

/// A running query's rows, fetched from the server in batches as they are pulled.
struct PostgresRows<'c> {
    rows: RowCursor<'c>,
    readers: Vec<ColumnReader>,
    values: Vec<Value>,
}

impl Rows for PostgresRows<'_> {
    fn next(&mut self) -> Result<Option<&mut [Value]>> {
        let Some(row) = self.rows.next()? else {
            return Ok(None);
        };
        let readers = &self.readers;
        decode_row(row, &mut self.values, |i| readers[i].read(row, i))?;
        Ok(Some(&mut self.values))
    }
}

/// One planned decoder per result column of `statement`, read as `types`.
fn readers(statement: &Statement, types: &[ValueType]) -> Vec<ColumnReader> {
    statement
        .columns()
        .iter()
        .zip(types)
        .map(|(column, want)| ColumnReader::new(column.type_(), *want))
        .collect()
}

/// Decodes `row` into `values`, reading column `i` with `read(i)` and naming it in any error.
#[inline]
pub(crate) fn decode_row(
    row: &tokio_postgres::Row,
    values: &mut [Value],
    read: impl FnMut(usize) -> Result<Value>,
) -> Result<()> {
    anytable_core::decode_row("postgres", values, read, |i| {
        row.columns().get(i).map(|c| c.name())
    })
}

/// Cached statements of one client, by SQL text.
pub(crate) type StatementCache = HashMap<String, Statement, BuildHasherDefault<SqlHasher>>;

/// A multiply-rotate hash (FxHash's) for SQL texts: the default SipHash spent ~320 instructions
/// of every statement lookup, about a sixth of what anytable adds to a single insert.
pub(crate) struct SqlHasher(u64);

impl Default for SqlHasher {
    fn default() -> Self {
        // Not zero, so leading zero words still change the state.
        SqlHasher(0x243f_6a88_85a3_08d3)
    }
}

impl Hasher for SqlHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.add(word);
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl SqlHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn sql_hasher_tells_statements_apart() {
        let build = BuildHasherDefault::<SqlHasher>::default();
        let a = build.hash_one("SELECT id FROM t WHERE id = $1");
        assert_eq!(a, build.hash_one("SELECT id FROM t WHERE id = $1"));
        assert_ne!(a, build.hash_one("SELECT id FROM t WHERE id = $2"));
        assert_ne!(build.hash_one("ab"), build.hash_one("ba"));
        assert_ne!(build.hash_one(""), build.hash_one("\0"));
    }
}
