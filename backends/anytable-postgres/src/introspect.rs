//! Reading an existing table's columns, keys and indexes from the Postgres catalog.

use anytable_core::{ColumnCheck, ColumnInfo, Dialect, IndexInfo, Result, TableInfo};

use crate::dialect::PostgresDialect;

use crate::client::SyncClient;
use crate::error::map_err;

/// The table `name` in the current schema (the first of `search_path`).
const TABLE_OID: &str =
    "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p')";

/// Describes table `name`, or `None` if the current schema has no such table.
pub(crate) fn introspect(client: &mut SyncClient, name: &str) -> Result<Option<TableInfo>> {
    let Some(row) = client.query_opt(TABLE_OID, &[&name]).map_err(map_err)? else {
        return Ok(None);
    };
    let oid: tokio_postgres::types::Oid = row.get(0);
    let columns = client
        .query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
                    a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' \
             FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&oid],
        )
        .map_err(map_err)?;
    let mut columns: Vec<ColumnInfo> = columns
        .iter()
        .map(|r| {
            let declared: String = r.get(1);
            ColumnInfo {
                name: r.get(0),
                ty: PostgresDialect.value_type_of(&declared),
                declared_type: declared,
                nullable: r.get(2),
                primary_key: false,
                has_default: r.get(3),
                check: None,
            }
        })
        .collect();
    // A one-column CHECK that lists values (an enum's variants), as PostgreSQL prints it back.
    let checks = client
        .query(
            "SELECT a.attname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             WHERE c.conrelid = $1 AND c.contype = 'c' AND cardinality(c.conkey) = 1 \
             ORDER BY c.conname",
            &[&oid],
        )
        .map_err(map_err)?;
    for r in &checks {
        let column: String = r.get(0);
        let definition: String = r.get(2);
        let Some(found) = columns.iter_mut().find(|c| c.name == column) else {
            continue;
        };
        if found.check.is_none() {
            found.check = ColumnCheck::from_expression(Some(r.get(1)), &definition);
        }
    }
    // Unique constraints are backed by unique indexes, so pg_index lists every key.
    let indexes = client
        .query(
            "SELECT i.relname, ix.indisunique, ix.indisprimary, \
                    ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord) \
                          JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
                          ORDER BY k.ord) \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
             WHERE ix.indrelid = $1 AND ix.indexprs IS NULL AND ix.indpred IS NULL",
            &[&oid],
        )
        .map_err(map_err)?;
    let mut found = Vec::new();
    for r in &indexes {
        let names: Vec<String> = r.get(3);
        if r.get::<_, bool>(2) {
            for column in columns.iter_mut().filter(|c| names.contains(&c.name)) {
                column.primary_key = true;
            }
            continue;
        }
        found.push(IndexInfo {
            name: r.get(0),
            columns: names,
            unique: r.get(1),
        });
    }
    Ok(Some(TableInfo {
        name: name.to_owned(),
        columns,
        indexes: found,
    }))
}
