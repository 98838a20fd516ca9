//! Calls sent by the backend's native async path ([`Backend::async_statements`]): awaited
//! in the caller's task, with no blocking thread and no pooled connection, traced as the
//! pooled path's statements are. Each builds its statement and reads its answer with the
//! sync table's own code, so only the waiting differs.
//!
//! [`Backend::async_statements`]: anytable_core::Backend::async_statements

use anytable_core::{AsyncStatements, Record, Value, ValueType};

use crate::table::{InsertCall, Inserted};
use crate::trace::traced_async as traced;
use crate::{Database, Result, TableHandle};

/// The native statements a call on `db` outside a transaction may use, if any.
///
/// On a runtime other than a multi-threaded one, only from inside a task: a native session's
/// connection is a task of the runtime, which a current-thread runtime runs only while it is
/// driven, and a future given to `Handle::block_on` from another thread does not drive it (it
/// would wait forever); a task is always on a driven runtime.
pub(super) fn statements(db: &Database) -> Option<&dyn AsyncStatements> {
    // Outside a runtime the pooled path gives the typed error.
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let driven = runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        || tokio::task::try_id().is_some();
    if !driven {
        return None;
    }
    db.async_statements()
}

/// [`TableHandle::get`], natively.
pub(super) async fn get<R: Record>(
    table: &TableHandle<'static, R>,
    native: &dyn AsyncStatements,
    id: i64,
) -> Result<Option<R>> {
    let sql = table.get_sql()?;
    let params = [Value::I64(id)];
    let types = &table.state().statements.column_types;
    let row = traced(
        table.database(),
        "query_row",
        sql,
        &params,
        found,
        native.query_row(sql, &params, types),
    )
    .await?;
    row.map(|mut row| R::read_values(&mut row)).transpose()
}

/// [`TableHandle::insert`], natively.
pub(super) async fn insert<R: Record>(
    table: &TableHandle<'static, R>,
    native: &dyn AsyncStatements,
    mut record: R,
) -> Result<(R::Id, R)> {
    let values = table.bound_values(&record)?;
    let statements = &table.state().statements;
    let sql = statements.insert.as_str();
    let db = table.database();
    let inserted = match table.insert_call() {
        InsertCall::Execute => {
            let executed = native.execute(sql, &values);
            traced(db, "execute", sql, &values, |n| *n, executed).await?;
            Inserted::Nothing
        }
        InsertCall::ReturningId => {
            let returned = native.query_row(sql, &values, &[ValueType::I64]);
            let row = traced(db, "insert", sql, &values, |_| 1, returned).await?;
            Inserted::Id(anytable_core::returned_id(row.as_deref())?)
        }
        InsertCall::ReturningRow => {
            let returned = native.query_row(sql, &values, &statements.generated_types);
            Inserted::Row(traced(db, "query_row", sql, &values, found, returned).await?)
        }
    };
    let id = table.inserted(&mut record, inserted)?;
    Ok((id, record))
}

/// A statement that changes rows, natively; how many it changed.
pub(super) async fn execute(
    db: &Database,
    native: &dyn AsyncStatements,
    sql: &str,
    params: &[Value],
) -> Result<u64> {
    let executed = native.execute(sql, params);
    traced(db, "execute", sql, params, |n| *n, executed).await
}

/// A `COUNT(*)`, natively.
pub(super) async fn count(
    db: &Database,
    native: &dyn AsyncStatements,
    sql: &str,
    params: &[Value],
) -> Result<u64> {
    let counted = native.query_row(sql, params, &[ValueType::I64]);
    crate::table::counted(traced(db, "query_row", sql, params, found, counted).await?)
}

/// The rows a `query_row` returned, for its span.
fn found(row: &Option<Vec<Value>>) -> u64 {
    u64::from(row.is_some())
}
