//! CREATE TABLE and CREATE INDEX for a [`TableSchema`].

use sea_query::{ColumnDef, ColumnType, Expr, ExprTrait, ForeignKey, Index, Table};

use super::{build_schema, sea_value, Dialect};
use crate::error::{Error, Result};
use crate::schema::{ColumnRole, ColumnSchema, IndexSchema, TableSchema};

/// The statements that create `schema` if it does not exist yet, in the order to run them.
pub fn create_table_statements(dialect: &dyn Dialect, schema: &TableSchema) -> Result<Vec<String>> {
    validate(schema)?;
    let mut statements = dialect.before_create_table(schema);
    statements.push(create_table(dialect, schema));
    statements.extend(dialect.after_create_table(schema));
    for index in &schema.indexes {
        statements.push(create_index(dialect, schema, index));
    }
    Ok(statements)
}

/// `CREATE INDEX IF NOT EXISTS` for one of `schema`'s indexes.
pub fn create_index(dialect: &dyn Dialect, schema: &TableSchema, index: &IndexSchema) -> String {
    let mut create = Index::create();
    create
        .if_not_exists()
        .name(index.name.clone())
        .table(schema.name.clone());
    for column in &index.columns {
        create.col(column.clone());
    }
    build_schema(dialect, &create)
}

/// `CREATE TABLE IF NOT EXISTS` for `schema`, with constraints inline.
pub fn create_table(dialect: &dyn Dialect, schema: &TableSchema) -> String {
    let mut create = Table::create();
    create.table(schema.name.clone()).if_not_exists();
    for column in &schema.columns {
        create.col(column_def(dialect, schema, column));
    }
    for columns in &schema.unique {
        let mut unique = Index::create();
        unique.unique();
        for column in columns {
            unique.col(column.clone());
        }
        create.index(&mut unique);
    }
    for column in &schema.columns {
        if let Some(reference) = &column.references {
            create.foreign_key(
                ForeignKey::create()
                    .from_col(column.name.clone())
                    .to_tbl(reference.table.clone())
                    .to_col(reference.column.clone()),
            );
        }
    }
    build_schema(dialect, &create)
}

/// The column's definition as CREATE TABLE (and ALTER TABLE ADD COLUMN) writes it.
pub fn column_def(dialect: &dyn Dialect, schema: &TableSchema, column: &ColumnSchema) -> ColumnDef {
    let ty = match column.role {
        ColumnRole::Id => dialect.id_column_type().to_owned(),
        _ => dialect.declared_type(column),
    };
    let mut def = ColumnDef::new_with_type(column.name.clone(), ColumnType::custom(ty));
    match column.role {
        ColumnRole::Id => {
            def.not_null().primary_key();
            dialect.id_default(schema, column, &mut def);
        }
        ColumnRole::Added | ColumnRole::Updated => {
            def.default(Expr::cust(dialect.default_now_sql()));
        }
        ColumnRole::Data => {
            if let Some(value) = &column.default {
                def.default(Expr::val(sea_value(value.clone())));
            }
        }
    }
    if column.role != ColumnRole::Id {
        if column.nullable {
            def.null();
        } else {
            def.not_null();
        }
    }
    if column.unique {
        def.unique_key();
    }
    if !column.variants.is_empty() {
        // The names are the enum's, fixed at compile time; sea-query quotes them as literals.
        let names = column.variants.iter().map(|v| Expr::val(v.as_str()));
        def.check(Expr::col(column.name.clone()).is_in(names));
    }
    def
}

/// Rejects names no engine can store before any SQL runs.
fn validate(schema: &TableSchema) -> Result<()> {
    check_identifier("table", &schema.name)?;
    if schema.columns.is_empty() {
        return Err(Error::invalid_input(format!(
            "table {:?} declares no columns",
            schema.name
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for column in &schema.columns {
        check_identifier("column", &column.name)?;
        scale(column)?;
        if !seen.insert(column.name.to_ascii_lowercase()) {
            return Err(Error::invalid_input(format!(
                "table {:?} declares column {:?} twice (column names are case-insensitive)",
                schema.name, column.name
            )));
        }
    }
    let known = |c: &String| seen.contains(&c.to_ascii_lowercase());
    for index in &schema.indexes {
        check_identifier("index", &index.name)?;
        // sea-query does not escape quotes in index names.
        if index.name.contains('"') {
            return Err(Error::invalid_input(format!(
                "index name {:?} contains a double quote",
                index.name
            )));
        }
        if let Some(c) = index.columns.iter().find(|c| !known(c)) {
            return Err(Error::invalid_input(format!(
                "index {:?} names unknown column {c:?}",
                index.name
            )));
        }
    }
    for column in &schema.columns {
        if let Some(reference) = &column.references {
            check_identifier("table", &reference.table)?;
            check_identifier("column", &reference.column)?;
            if reference.table == schema.name && !known(&reference.column) {
                return Err(Error::invalid_input(format!(
                    "column {:?} references unknown column {:?} of its own table",
                    column.name, reference.column
                )));
            }
        }
    }
    for columns in &schema.unique {
        if let Some(c) = columns.iter().find(|c| !known(c)) {
            return Err(Error::invalid_input(format!(
                "unique constraint on {:?} names unknown column {c:?}",
                schema.name
            )));
        }
    }
    Ok(())
}

/// The most digits after the point: what `rust_decimal` holds.
pub const MAX_DECIMAL_SCALE: u32 = 28;

/// A decimal column declares its scale, within what `rust_decimal` holds; no other column has one.
fn scale(column: &ColumnSchema) -> Result<()> {
    match (column.ty, column.scale) {
        (crate::ValueType::Decimal, None) => Err(Error::invalid_input(format!(
            "decimal column {:?} declares no scale: say how many digits follow the point \
             (#[anytable(scale = N)])",
            column.name
        ))),
        (crate::ValueType::Decimal, Some(s)) if s > MAX_DECIMAL_SCALE => {
            Err(Error::invalid_input(format!(
                "decimal column {:?} declares scale {s}; at most {MAX_DECIMAL_SCALE} digits can \
                 follow the point",
                column.name
            )))
        }
        (crate::ValueType::Decimal, Some(_)) | (_, None) => Ok(()),
        (ty, Some(_)) => Err(Error::invalid_input(format!(
            "column {:?} holds {ty}; only decimal columns have a scale",
            column.name
        ))),
    }
}

/// The longest identifier every supported engine keeps intact (PostgreSQL's NAMEDATALEN - 1).
pub const MAX_IDENTIFIER_LEN: usize = 63;

fn check_identifier(what: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input(format!("{what} name is empty")));
    }
    if name.contains('\0') {
        return Err(Error::invalid_input(format!(
            "{what} name {name:?} contains a NUL character"
        )));
    }
    if name.len() > MAX_IDENTIFIER_LEN {
        return Err(Error::invalid_input(format!(
            "{what} name {name:?} is {} bytes long; the limit is {MAX_IDENTIFIER_LEN}",
            name.len()
        )));
    }
    Ok(())
}
