//! One DuckDB connection behind anytable's `Connection` trait.

use anytable_core::pool::Pooled;
use anytable_core::{
    bind_params, bulk_insert, check_count, reading, BulkInsert, Connection, Interrupt, Result,
    RowSource, Rows, TableInfo, Value, ValueType,
};
use duckdb::{CachedStatement, Statement};
use self_cell::self_cell;
use std::sync::Arc;

use crate::error::map_err;
use crate::file::LeasedConnection;
use crate::introspect::introspect;
use crate::types::{decode, Bind};

/// Where a connection came from, which decides what returning it means.
pub(crate) enum Handle {
    /// A clone from the pool of this process's instance.
    Pooled(Pooled<duckdb::Connection>),
    /// A clone of a per-transaction instance; returning it may close the file.
    Leased(Pooled<LeasedConnection>),
}

/// A DuckDB connection; dropping it returns it (and may release the file).
pub(crate) struct DuckDbConnection {
    handle: Handle,
    // Tracked here: duckdb-rs's is_autocommit() does not see a BEGIN issued as SQL.
    in_transaction: bool,
}

impl DuckDbConnection {
    pub(crate) fn new(handle: Handle) -> Self {
        DuckDbConnection {
            handle,
            in_transaction: false,
        }
    }

    fn conn(&self) -> &duckdb::Connection {
        match &self.handle {
            Handle::Pooled(clone) => clone,
            Handle::Leased(leased) => leased.conn(),
        }
    }
}

type DuckRows<'s> = duckdb::Rows<'s>;

self_cell!(
    /// A cached statement and the streaming result read from it.
    struct OpenStatement<'c> {
        owner: CachedStatement<'c>,
        #[covariant]
        dependent: DuckRows,
    }
);

/// A running query's rows. DuckDB refuses any other query on the connection until a streaming
/// result is drained or destroyed, so a statement not read to its end (the reader stopped
/// early, failed or panicked) is discarded with its result instead of going back to the cache.
struct DuckDbRows<'c> {
    open: Option<OpenStatement<'c>>,
    types: Vec<ValueType>,
    values: Vec<Value>,
    /// What each result column holds, learnt at the first row.
    held: Option<Vec<Held>>,
    drained: bool,
}

// SAFETY: the rows and their statement belong to the one connection they were started on,
// which is `Send` and which the caller holds exclusively while they live; they always move
// between threads together with it.
unsafe impl Send for DuckDbRows<'_> {}

impl Rows for DuckDbRows<'_> {
    fn next(&mut self) -> Result<Option<&mut [Value]>> {
        let Some(open) = self.open.as_mut() else {
            return Ok(None);
        };
        let (types, values, held) = (&self.types, &mut self.values, &mut self.held);
        let found = open.with_dependent_mut(|_, rows| match rows.next().map_err(map_err)? {
            Some(row) => {
                let held = held.get_or_insert_with(|| held_columns(row, types.len()));
                decode_row(row, types, held, values).map(|()| true)
            }
            None => Ok(false),
        })?;
        if !found {
            self.drained = true;
            return Ok(None);
        }
        Ok(Some(&mut self.values))
    }
}

impl Drop for DuckDbRows<'_> {
    fn drop(&mut self) {
        if let Some(open) = self.open.take() {
            let statement = open.into_owner();
            if !self.drained {
                statement.discard();
            }
        }
    }
}

/// A running query's result chunks as Arrow record batches, exported by DuckDB itself. As for
/// [`DuckDbRows`], a statement not read to its end is discarded with its result.
#[cfg(feature = "arrow")]
struct DuckDbBatches<'c> {
    statement: Option<CachedStatement<'c>>,
    drained: bool,
}

// SAFETY: as for `DuckDbRows`: the statement belongs to the connection the caller holds
// exclusively, and moves with it.
#[cfg(feature = "arrow")]
unsafe impl Send for DuckDbBatches<'_> {}

#[cfg(feature = "arrow")]
impl anytable_core::BatchRows for DuckDbBatches<'_> {
    fn next_batch(&mut self) -> Result<Option<anytable_core::arrow::record_batch::RecordBatch>> {
        let Some(statement) = &self.statement else {
            return Ok(None);
        };
        match statement.step().map_err(map_err)? {
            Some(chunk) => Ok(Some((&chunk).into())),
            None => {
                self.drained = true;
                Ok(None)
            }
        }
    }
}

#[cfg(feature = "arrow")]
impl Drop for DuckDbBatches<'_> {
    fn drop(&mut self) {
        if let Some(statement) = self.statement.take() {
            if !self.drained {
                statement.discard();
            }
        }
    }
}

fn bind(statement: &mut Statement<'_>, params: &[Value]) -> Result<()> {
    bind_params(statement.parameter_count(), params, |i, value| {
        statement
            .raw_bind_parameter(i, Bind(value))
            .map_err(map_err)
    })
}

impl Connection for DuckDbConnection {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let changed = {
            let mut statement = self.conn().prepare_cached(sql).map_err(map_err)?;
            bind(&mut statement, params)?;
            statement.raw_execute().map_err(map_err)?
        };
        // duckdb-rs cannot say whether a transaction is open: follow BEGIN/COMMIT sent as SQL.
        if let Some(open) = anytable_core::sql::transaction_control(sql) {
            self.in_transaction = open;
        }
        Ok(changed as u64)
    }

    fn count_rows(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut statement = self.conn().prepare_cached(sql).map_err(map_err)?;
        bind(&mut statement, params)?;
        statement.raw_execute().map_err(map_err)?;
        let mut rows = statement.raw_query();
        let mut count = 0u64;
        while rows.next().map_err(map_err)?.is_some() {
            count += 1;
        }
        Ok(count)
    }

    fn query<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
    ) -> Result<Box<dyn Rows + 'c>> {
        let mut statement = self.conn().prepare_cached(sql).map_err(map_err)?;
        check_count("parameters", statement.parameter_count(), params.len())?;
        // A streaming result, so DuckDB hands over one chunk at a time instead of materializing
        // every row first (`raw_execute` would: a full scan of a big table would need its size in
        // memory). duckdb-rs starts one only through `stream_arrow`; its row reader then fetches
        // the chunks from that result.
        let started = statement
            .stream_arrow(duckdb::params_from_iter(params.iter().map(Bind)))
            .map(drop)
            .map_err(map_err)
            .and_then(|()| check_count("result columns", statement.column_count(), types.len()));
        if let Err(e) = started {
            // A result may be open: the statement must not go back to the cache with it.
            statement.discard();
            return Err(e);
        }
        Ok(Box::new(DuckDbRows {
            open: Some(OpenStatement::new(statement, |statement| {
                statement.raw_query()
            })),
            types: types.to_vec(),
            values: vec![Value::Null; types.len()],
            held: None,
            drained: false,
        }))
    }

    #[cfg(feature = "arrow")]
    fn has_query_arrow(&self) -> bool {
        true
    }

    #[cfg(feature = "arrow")]
    fn query_arrow<'c>(
        &'c mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<Box<dyn anytable_core::BatchRows + 'c>>> {
        let mut statement = self.conn().prepare_cached(sql).map_err(map_err)?;
        check_count("parameters", statement.parameter_count(), params.len())?;
        // Streaming, as `query`: one chunk at a time, never the whole result in memory.
        let started = statement
            .stream_arrow(duckdb::params_from_iter(params.iter().map(Bind)))
            .map(drop)
            .map_err(map_err);
        if let Err(e) = started {
            statement.discard();
            return Err(e);
        }
        Ok(Some(Box::new(DuckDbBatches {
            statement: Some(statement),
            drained: false,
        })))
    }

    fn query_row(
        &mut self,
        sql: &str,
        params: &[Value],
        types: &[ValueType],
        out: &mut Vec<Value>,
    ) -> Result<bool> {
        // At most one row: a materialized result, which leaves nothing open on the connection.
        let mut statement = self.conn().prepare_cached(sql).map_err(map_err)?;
        bind(&mut statement, params)?;
        statement.raw_execute().map_err(map_err)?;
        check_count("result columns", statement.column_count(), types.len())?;
        let mut rows = statement.raw_query();
        let Some(row) = rows.next().map_err(map_err)? else {
            return Ok(false);
        };
        out.clear();
        out.resize(types.len(), Value::Null);
        let held = held_columns(row, types.len());
        decode_row(row, types, &held, out)?;
        Ok(true)
    }

    fn insert_many(&mut self, target: &BulkInsert<'_>, rows: &mut dyn RowSource) -> Result<u64> {
        let in_transaction = self.in_transaction;
        bulk_insert(self, in_transaction, target, rows, |this, rows| {
            append(this.conn(), target, rows)
        })
    }

    fn begin(&mut self) -> Result<()> {
        self.conn()
            .execute_batch("BEGIN TRANSACTION")
            .map_err(map_err)?;
        self.in_transaction = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let result = self.conn().execute_batch("COMMIT").map_err(map_err);
        if result.is_err() {
            // A failed COMMIT (a write conflict) can leave the transaction open and aborted; end
            // it so the pooled connection is clean for its next user.
            let _ = self.conn().execute_batch("ROLLBACK");
        }
        self.in_transaction = false;
        result
    }

    fn rollback(&mut self) -> Result<()> {
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        self.conn().execute_batch("ROLLBACK").map_err(map_err)
    }

    fn introspect(&mut self, name: &str) -> Result<Option<TableInfo>> {
        introspect(self.conn(), name)
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::new(DuckDbInterrupt(self.conn().interrupt_handle())))
    }

    fn discard(&mut self) {
        match &mut self.handle {
            Handle::Pooled(clone) => clone.discard(),
            // Closed when it is returned anyway.
            Handle::Leased(leased) => leased.discard(),
        }
    }
}

/// What a result column holds, by its declared logical type.
#[derive(Debug, Clone, Copy)]
enum Held {
    /// DuckDB's NULL type (a bare `SELECT NULL`): duckdb-rs has no value for it and panics
    /// when asked for one.
    Null,
    /// A type anytable's reading rule covers ([`reading::reads_as`]).
    Known(ValueType),
    /// Any other type (a list, an interval): decoded as far as `decode` can.
    Other,
}

/// What each of the first `count` result columns holds.
fn held_columns(row: &duckdb::Row<'_>, count: usize) -> Vec<Held> {
    use duckdb::core::LogicalTypeId as Id;
    let statement = row.as_ref();
    (0..count.min(statement.column_count()))
        .map(|i| {
            if statement.column_type(i) == duckdb::arrow::datatypes::DataType::Null {
                return Held::Null;
            }
            let logical = statement.column_logical_type(i);
            let Ok(id) = logical.try_id() else {
                return Held::Other;
            };
            Held::Known(match id {
                Id::Tinyint | Id::Smallint | Id::UTinyint => ValueType::I16,
                Id::Integer | Id::USmallint => ValueType::I32,
                Id::Bigint | Id::UInteger | Id::UBigint | Id::Hugeint | Id::UHugeint => {
                    ValueType::I64
                }
                Id::Decimal => ValueType::Decimal,
                Id::Float | Id::Double => ValueType::F64,
                Id::Boolean => ValueType::Bool,
                Id::Varchar if logical.get_alias().as_deref() == Some("JSON") => ValueType::Json,
                Id::Varchar => ValueType::Text,
                Id::Blob => ValueType::Bytes,
                Id::TimestampTZ => ValueType::Timestamp,
                Id::Timestamp | Id::TimestampS | Id::TimestampMs | Id::TimestampNs => {
                    ValueType::DateTime
                }
                Id::Date => ValueType::Date,
                Id::Time => ValueType::Time,
                Id::Uuid => ValueType::Uuid,
                Id::SqlNull => return Held::Null,
                _ => return Held::Other,
            })
        })
        .collect()
}

/// Decodes every column of `row` into `values` by anytable's reading rule, naming the column
/// in any error.
fn decode_row(
    row: &duckdb::Row<'_>,
    types: &[ValueType],
    held: &[Held],
    values: &mut [Value],
) -> Result<()> {
    let statement = row.as_ref();
    anytable_core::decode_row(
        "duckdb",
        values,
        |i| {
            let want = types[i];
            match held.get(i).copied().unwrap_or(Held::Other) {
                Held::Null => Ok(Value::Null),
                Held::Other => decode(cell(row, i)?, want),
                Held::Known(held) => match cell(row, i)? {
                    duckdb::types::ValueRef::Null => Ok(Value::Null),
                    raw => reading::read_as(held, want, |ty| decode(raw, ty)),
                },
            }
        },
        |i| statement.column_name(i).ok().map(String::as_str),
    )
}

/// Column `i` of `row`. duckdb-rs panics (`unreachable!`, `unimplemented!`) on result types it
/// has no value for; such a panic is caught here and becomes an error naming the type, so no
/// query, however written, panics in the caller.
fn cell<'r>(row: &'r duckdb::Row<'_>, i: usize) -> Result<duckdb::types::ValueRef<'r>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| row.get_ref(i))) {
        Ok(raw) => raw.map_err(map_err),
        Err(_) => Err(anytable_core::Error::type_mismatch(format!(
            "DuckDB's driver cannot read a value of the result type {}",
            row.as_ref().column_type(i)
        ))),
    }
}

/// The bulk path: DuckDB's Appender with explicit columns, so defaults and sequences fill in.
fn append(
    conn: &duckdb::Connection,
    target: &BulkInsert<'_>,
    rows: &mut dyn RowSource,
) -> Result<u64> {
    let columns: Vec<&str> = target.columns.iter().map(String::as_str).collect();
    let mut appender = conn
        .appender_with_columns(&target.table.name, &columns)
        .map_err(map_err)?;
    let mut row = Vec::with_capacity(columns.len());
    let mut count = 0;
    while rows.next_row(&mut row)? {
        appender
            .append_row(duckdb::appender_params_from_iter(row.iter().map(Bind)))
            .map_err(map_err)?;
        count += 1;
    }
    // Constraint errors surface at flush; one at drop would be lost.
    appender.flush().map_err(map_err)?;
    Ok(count)
}

/// DuckDB's interrupt from another thread: the running query fails with an INTERRUPT error,
/// which aborts the transaction it ran in; a query started afterwards is unaffected.
struct DuckDbInterrupt(Arc<duckdb::InterruptHandle>);

impl Interrupt for DuckDbInterrupt {
    fn interrupt(&self) {
        self.0.interrupt();
    }
}
