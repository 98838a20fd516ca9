//! Compares a declared [`TableSchema`] with the table a database actually has.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::{ColumnRole, TableInfo, TableSchema};
use crate::sql::Dialect;

/// Checks that `info` matches `schema`; otherwise a `SchemaMismatch` listing every difference.
pub fn verify(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    info: &TableInfo,
    record: &str,
) -> Result<()> {
    let differences = differences(dialect, schema, info);
    if differences.is_empty() {
        return Ok(());
    }
    let list: String = differences.iter().map(|d| format!("\n  - {d}")).collect();
    let short = record.rsplit("::").next().unwrap_or(record);
    Err(Error::new(
        ErrorKind::SchemaMismatch,
        format!(
            "table {:?} exists but does not match {record} ({} difference{}):{list}\n\
             db.migrate::<{short}>() adds what is missing where no data is lost (new \
             nullable or defaulted columns, indexes, unique constraints) and lists what it will \
             not do; anytable alters a table only when asked",
            schema.name,
            differences.len(),
            if differences.len() == 1 { "" } else { "s" },
        ),
    ))
}

/// Every way `info` differs from `schema`, one readable line each.
pub fn differences(dialect: &dyn Dialect, schema: &TableSchema, info: &TableInfo) -> Vec<String> {
    let mut out = Vec::new();
    for column in &schema.columns {
        let Some(found) = info.columns.iter().find(|c| c.name == column.name) else {
            out.push(format!(
                "column {:?} ({}) is missing from the table",
                column.name, column.ty
            ));
            continue;
        };
        if found.ty != Some(column.ty) {
            out.push(format!(
                "column {:?} is declared {} ({}) but the table has type {:?}",
                column.name,
                column.ty,
                dialect.column_type(column.ty),
                found.declared_type
            ));
        }
        let is_id = column.role == ColumnRole::Id;
        if is_id && !found.primary_key {
            out.push(format!(
                "column {:?} is the record's id but not the table's primary key",
                column.name
            ));
        }
        if !is_id && column.nullable != found.nullable {
            out.push(if column.nullable {
                format!(
                    "column {:?} is declared nullable (Option) but the table has NOT NULL",
                    column.name
                )
            } else {
                format!(
                    "column {:?} is declared NOT NULL but the table allows NULL",
                    column.name
                )
            });
        }
    }
    for found in &info.columns {
        if !schema.columns.iter().any(|c| c.name == found.name) {
            out.push(format!(
                "column {:?} ({}) is in the table but not in the record",
                found.name, found.declared_type
            ));
        }
    }
    let has_index = |columns: &[String], unique: bool| {
        info.indexes
            .iter()
            .any(|i| i.columns == columns && (i.unique || !unique))
    };
    for column in schema.columns.iter().filter(|c| c.unique) {
        if !has_index(std::slice::from_ref(&column.name), true) {
            out.push(format!(
                "column {:?} is declared unique but the table has no unique constraint on it",
                column.name
            ));
        }
    }
    for columns in &schema.unique {
        if !has_index(columns, true) {
            out.push(format!(
                "unique constraint on ({}) is missing from the table",
                columns.join(", ")
            ));
        }
    }
    for index in &schema.indexes {
        if !has_index(&index.columns, false) {
            out.push(format!(
                "index {:?} on ({}) is missing from the table",
                index.name,
                index.columns.join(", ")
            ));
        }
    }
    out
}
