//! Reading an existing table's columns and indexes from SQLite's pragma functions.

use anytable_core::{ColumnCheck, ColumnInfo, Dialect, IndexInfo, Result, TableInfo};

use crate::checks::column_checks;
use crate::dialect::SqliteDialect;

use crate::error::map_err;

/// Describes table `name` in the main schema, or `None` if it does not exist.
pub(crate) fn introspect(conn: &rusqlite::Connection, name: &str) -> Result<Option<TableInfo>> {
    let mut columns = Vec::new();
    {
        let mut statement = conn
            .prepare_cached(r#"SELECT name, type, "notnull", pk, dflt_value IS NOT NULL FROM pragma_table_info(?1)"#)
            .map_err(map_err)?;
        let rows = statement
            .query_map([name], |row| {
                let declared: String = row.get(1)?;
                Ok(ColumnInfo {
                    name: row.get(0)?,
                    ty: SqliteDialect.value_type_of(&declared),
                    declared_type: declared,
                    nullable: row.get::<_, i64>(2)? == 0,
                    primary_key: row.get::<_, i64>(3)? > 0,
                    has_default: row.get::<_, bool>(4)?,
                    check: None,
                })
            })
            .map_err(map_err)?;
        for column in rows {
            columns.push(column.map_err(map_err)?);
        }
    }
    if columns.is_empty() {
        return Ok(None);
    }
    let create: Option<String> = conn
        .prepare_cached("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1")
        .and_then(|mut s| s.query_row([name], |row| row.get(0)))
        .map_err(map_err)?;
    for (column, expression) in column_checks(create.as_deref().unwrap_or_default()) {
        if let Some(found) = columns.iter_mut().find(|c| c.name == column) {
            if found.check.is_none() {
                found.check = ColumnCheck::from_expression(None, &expression);
            }
        }
    }
    let mut indexes = Vec::new();
    let mut list = conn
        .prepare_cached(r#"SELECT name, "unique" FROM pragma_index_list(?1)"#)
        .map_err(map_err)?;
    let mut info = conn
        .prepare_cached("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
        .map_err(map_err)?;
    let listed = list
        .query_map([name], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? != 0))
        })
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(map_err)?;
    for (index, unique) in listed {
        let columns = info
            .query_map([&index], |row| row.get::<_, Option<String>>(0))
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(map_err)?;
        // An index over an expression names no column there: it is no record's index (as on
        // PostgreSQL, which lists only indexes of plain columns).
        let Some(columns) = columns.into_iter().collect::<Option<Vec<String>>>() else {
            continue;
        };
        indexes.push(IndexInfo {
            name: index,
            columns,
            unique,
        });
    }
    Ok(Some(TableInfo {
        name: name.to_owned(),
        columns,
        indexes,
    }))
}
