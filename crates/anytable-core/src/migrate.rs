//! Additive migrations: the changes that bring an existing table up to its record without
//! losing anything (new nullable or defaulted columns, new indexes and unique constraints), and
//! the differences that would lose data, which are never applied but listed with the SQL a
//! person would run.

use sea_query::{Index, Table};

use crate::schema::{ColumnInfo, ColumnRole, ColumnSchema, TableInfo, TableSchema};
use crate::sql::{build_schema, column_def, create_index, quote_identifier, Dialect};
use crate::verify::{quoted, variant_changes};

/// One change that brings a table closer to its record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The table does not exist yet: create it as the record declares it.
    CreateTable,
    /// A column of the record the table lacks: nullable, or NOT NULL with a default (which
    /// the existing rows read).
    AddColumn(String),
    /// A secondary index of the record the table lacks.
    AddIndex(Vec<String>),
    /// A unique constraint (a unique index) of the record the table lacks; applied only if no
    /// two existing rows share a key.
    AddUnique(Vec<String>),
    /// The CHECK of an enum column, replaced by one that also allows the variants the
    /// record's enum gained (where the engine can change a CHECK in place).
    WidenCheck(String),
}

/// A change with its description and the statements that make it, in this dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// What changes.
    pub change: Change,
    /// One readable line.
    pub description: String,
    /// The statements, in order.
    pub sql: Vec<String>,
}

/// A difference a migration will not make: it would lose or change data, or the engine cannot
/// make it in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// One readable line: what differs and why it is not applied.
    pub description: String,
    /// What a person would run to make the table match, where one statement does it.
    pub sql: Option<String>,
}

/// What an additive migration of one table does, or would do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationPlan {
    /// The table.
    pub table: String,
    /// The changes to make, in order.
    pub changes: Vec<PlannedChange>,
    /// The differences it will not make; a plan with any is refused as a whole.
    pub refused: Vec<Refused>,
}

impl MigrationPlan {
    /// Nothing to do: the table matches the record.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.refused.is_empty()
    }

    /// Every statement the plan runs, in order.
    pub fn statements(&self) -> impl Iterator<Item = &str> {
        self.changes
            .iter()
            .flat_map(|c| c.sql.iter().map(String::as_str))
    }
}

/// The plan that brings `info` (the table as it is) up to `schema` (the record) in `dialect`.
pub fn plan(dialect: &dyn Dialect, schema: &TableSchema, info: &TableInfo) -> MigrationPlan {
    let mut plan = MigrationPlan {
        table: schema.name.clone(),
        ..MigrationPlan::default()
    };
    for column in &schema.columns {
        if info.columns.iter().any(|c| c.name == column.name) {
            continue;
        }
        match add_column(dialect, schema, column) {
            Ok(change) => plan.changes.push(change),
            Err(refused) => plan.refused.push(refused),
        }
    }
    let has_index = |columns: &[String], unique: bool| {
        info.indexes
            .iter()
            .any(|i| i.columns == columns && (i.unique || !unique))
    };
    let uniques = schema
        .columns
        .iter()
        .filter(|c| c.unique)
        .map(|c| vec![c.name.clone()])
        .chain(schema.unique.iter().cloned());
    for columns in uniques {
        if !has_index(&columns, true) {
            plan.changes.push(add_unique(dialect, schema, columns));
        }
    }
    for index in &schema.indexes {
        if !has_index(&index.columns, false) {
            plan.changes.push(PlannedChange {
                change: Change::AddIndex(index.columns.clone()),
                description: format!(
                    "add index {:?} on ({})",
                    index.name,
                    index.columns.join(", ")
                ),
                sql: vec![create_index(dialect, schema, index)],
            });
        }
    }
    for column in &schema.columns {
        if let Some(found) = info.columns.iter().find(|c| c.name == column.name) {
            match widen_check(dialect, schema, column, found) {
                Some(Ok(change)) => plan.changes.push(change),
                Some(Err(refused)) => plan.refused.push(refused),
                None => {}
            }
        }
    }
    refuse_the_rest(dialect, schema, info, &mut plan);
    plan
}

/// The change that lets an enum column's CHECK allow the variants the record's enum gained,
/// or why not: a variant the enum lost may still be in the rows, and some engines cannot
/// change a CHECK in place. `None` when the variants agree.
fn widen_check(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    column: &ColumnSchema,
    found: &ColumnInfo,
) -> Option<Result<PlannedChange, Refused>> {
    let (added, lost) = variant_changes(column, found)?;
    let check = found.check.as_ref()?;
    let sql = dialect.replace_check(schema, column, check);
    if !lost.is_empty() {
        return Some(Err(Refused {
            description: format!(
                "column {:?}: the table allows {}, which the record's enum no longer has, and \
                 rows may hold it: change those rows, then replace the CHECK by hand",
                column.name,
                quoted(&lost)
            ),
            sql: sql.map(|s| s.join("; ")),
        }));
    }
    let Some(sql) = sql else {
        return Some(Err(Refused {
            description: format!(
                "column {:?}: the record's enum has {}, which the table's CHECK refuses, and \
                 {} cannot change a CHECK in place: rebuild the table (create it anew under \
                 another name as the record declares it, INSERT INTO it SELECT * FROM the old \
                 one, drop the old one and rename the new one)",
                column.name,
                quoted(&added),
                dialect.name()
            ),
            sql: None,
        }));
    };
    Some(Ok(PlannedChange {
        change: Change::WidenCheck(column.name.clone()),
        description: format!(
            "let column {:?} hold {} too (the record's enum gained {})",
            column.name,
            quoted(&added),
            if added.len() == 1 { "it" } else { "them" }
        ),
        sql,
    }))
}

/// `ALTER TABLE ... ADD COLUMN` for a column existing rows can take, or why not.
fn add_column(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    column: &ColumnSchema,
) -> Result<PlannedChange, Refused> {
    let table = quote_identifier(&schema.name);
    let name = quote_identifier(&column.name);
    let refused = |why: &str, sql: Option<String>| Refused {
        description: format!("column {:?} is missing: {why}", column.name),
        sql,
    };
    match column.role {
        ColumnRole::Id => {
            return Err(refused(
                "an id column cannot be added to a table that has rows; create a new table and \
                 copy the rows",
                None,
            ))
        }
        ColumnRole::Added | ColumnRole::Updated => {
            return Err(refused(
                "the existing rows have no time for it (and SQLite cannot add a column whose \
                 default is the clock)",
                Some(format!(
                    "ALTER TABLE {table} ADD COLUMN {name} {} NOT NULL DEFAULT <a time>",
                    dialect.declared_type(column)
                )),
            ))
        }
        ColumnRole::Data => {}
    }
    if !column.nullable && column.default.is_none() {
        return Err(refused(
            "it is NOT NULL without a default, so the existing rows would have no value; make \
             the field an Option or give it #[anytable(default = ...)]",
            Some(format!(
                "ALTER TABLE {table} ADD COLUMN {name} {} NOT NULL DEFAULT <a value>",
                dialect.declared_type(column)
            )),
        ));
    }
    // The unique constraint comes as its own change (SQLite cannot add a UNIQUE column), and
    // the foreign key is left out (not every engine adds one to an existing table).
    let mut plain = column.clone();
    plain.unique = false;
    plain.references = None;
    let mut alter = Table::alter();
    alter
        .table(schema.name.clone())
        .add_column(column_def(dialect, schema, &plain));
    let mut sql = vec![build_schema(dialect, &alter)];
    sql.extend(dialect.after_add_column(schema, column));
    let what = match &column.default {
        Some(value) => format!("NOT NULL, existing rows read {}", shown(value)),
        None => "nullable, existing rows read NULL".to_owned(),
    };
    let foreign = if column.references.is_some() {
        " (without its foreign key constraint)"
    } else {
        ""
    };
    Ok(PlannedChange {
        change: Change::AddColumn(column.name.clone()),
        description: format!(
            "add column {:?} {} ({what}){foreign}",
            column.name, column.ty
        ),
        sql,
    })
}

/// A default as a person writes it: `2`, `"none"`, `true`.
fn shown(value: &crate::value::Value) -> String {
    use crate::value::Value;
    match value {
        Value::I16(v) => v.to_string(),
        Value::I32(v) => v.to_string(),
        Value::I64(v) => v.to_string(),
        Value::F64(v) => v.to_string(),
        Value::Bool(v) => v.to_string(),
        Value::Text(v) => format!("{v:?}"),
        other => format!("{other:?}"),
    }
}

/// `CREATE UNIQUE INDEX` over `columns`.
fn add_unique(dialect: &dyn Dialect, schema: &TableSchema, columns: Vec<String>) -> PlannedChange {
    let name = unique_index_name(&schema.name, &columns);
    let mut create = Index::create();
    create
        .if_not_exists()
        .unique()
        .name(name.clone())
        .table(schema.name.clone());
    for column in &columns {
        create.col(column.clone());
    }
    PlannedChange {
        description: format!("add unique index {name:?} on ({})", columns.join(", ")),
        change: Change::AddUnique(columns),
        sql: vec![build_schema(dialect, &create)],
    }
}

/// `ux_<table>_<columns>_<hash>`, apart from every other index name as `ix_` names are.
fn unique_index_name(table: &str, columns: &[String]) -> String {
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    crate::schema::hashed_index_name("ux", table, &columns)
}

/// The plan for a table that does not exist yet: create it with `statements` (those of
/// [`create_table_statements`](crate::sql::create_table_statements), as the backend runs them).
pub fn create(schema: &TableSchema, statements: Vec<String>) -> MigrationPlan {
    MigrationPlan {
        table: schema.name.clone(),
        changes: vec![PlannedChange {
            change: Change::CreateTable,
            description: format!("create table {:?}", schema.name),
            sql: statements,
        }],
        refused: Vec::new(),
    }
}

/// `SELECT COUNT(*)` of the keys over `columns` that more than one row holds (rows with a
/// NULL in the key do not count: unique constraints let NULLs repeat on every engine).
pub fn duplicate_keys_sql(schema: &TableSchema, columns: &[String]) -> String {
    let list: Vec<String> = columns.iter().map(|c| quote_identifier(c)).collect();
    let not_null: Vec<String> = list.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) AS dup",
        quote_identifier(&schema.name),
        not_null.join(" AND "),
        list.join(", ")
    )
}

/// Every difference the additive changes do not cover, as a refusal with the SQL a person
/// would run.
fn refuse_the_rest(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    info: &TableInfo,
    plan: &mut MigrationPlan,
) {
    let table = quote_identifier(&schema.name);
    for found in &info.columns {
        let name = quote_identifier(&found.name);
        let Some(column) = schema.columns.iter().find(|c| c.name == found.name) else {
            plan.refused.push(Refused {
                description: format!(
                    "column {:?} ({}) is in the table but not in the record: dropping it would \
                     lose its data",
                    found.name, found.declared_type
                ),
                sql: Some(format!("ALTER TABLE {table} DROP COLUMN {name}")),
            });
            continue;
        };
        if found.ty != Some(column.ty) {
            plan.refused.push(Refused {
                description: format!(
                    "column {:?} is declared {} but the table has type {:?}: changing a type \
                     may lose or change data",
                    column.name, column.ty, found.declared_type
                ),
                sql: Some(format!(
                    "ALTER TABLE {table} ALTER COLUMN {name} TYPE {} (SQLite: rebuild the table)",
                    dialect.declared_type(column)
                )),
            });
        }
        let is_id = column.role == ColumnRole::Id;
        if is_id && !found.primary_key {
            plan.refused.push(Refused {
                description: format!(
                    "column {:?} is the record's id but not the table's primary key",
                    column.name
                ),
                sql: None,
            });
        }
        if !is_id && column.nullable != found.nullable {
            let (description, sql) = if column.nullable {
                (
                    format!(
                        "column {:?} is declared nullable (Option) but the table has NOT NULL",
                        column.name
                    ),
                    format!("ALTER TABLE {table} ALTER COLUMN {name} DROP NOT NULL"),
                )
            } else {
                (
                    format!(
                        "column {:?} is declared NOT NULL but the table allows NULL (rows may \
                         hold NULL there)",
                        column.name
                    ),
                    format!("ALTER TABLE {table} ALTER COLUMN {name} SET NOT NULL"),
                )
            };
            plan.refused.push(Refused {
                description,
                sql: Some(format!("{sql} (SQLite: rebuild the table)")),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnInfo, IndexInfo};
    use crate::sql::StandardSql;
    use crate::value::{Value, ValueType};

    fn found(name: &str, declared: &str, ty: ValueType, nullable: bool) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            declared_type: declared.into(),
            ty: Some(ty),
            nullable,
            primary_key: name == "id",
            has_default: name == "id",
            check: None,
        }
    }

    #[test]
    fn new_columns_and_indexes_are_planned_and_lossy_changes_refused() {
        let schema = TableSchema::new(
            "notes",
            vec![
                ColumnSchema::new("id", ValueType::I64, false).role(ColumnRole::Id),
                ColumnSchema::new("title", ValueType::Text, false).unique(),
                ColumnSchema::new("body", ValueType::Text, true),
                ColumnSchema::new("stars", ValueType::I64, false).default_value(Value::I64(0)),
                ColumnSchema::new("must", ValueType::I64, false),
            ],
        )
        .index(&["stars"]);
        let info = TableInfo {
            name: "notes".into(),
            columns: vec![
                found("id", "BIGINT", ValueType::I64, false),
                found("title", "TEXT", ValueType::Text, false),
                found("old", "TEXT", ValueType::Text, true),
            ],
            indexes: vec![IndexInfo {
                name: "pk".into(),
                columns: vec!["id".into()],
                unique: true,
            }],
        };
        let plan = plan(&StandardSql, &schema, &info);
        let changes: Vec<&Change> = plan.changes.iter().map(|c| &c.change).collect();
        assert_eq!(
            changes,
            [
                &Change::AddColumn("body".into()),
                &Change::AddColumn("stars".into()),
                &Change::AddUnique(vec!["title".into()]),
                &Change::AddIndex(vec!["stars".into()]),
            ]
        );
        assert_eq!(
            plan.changes[1].sql,
            ["ALTER TABLE \"notes\" ADD COLUMN \"stars\" BIGINT NOT NULL DEFAULT 0"]
        );
        let refused: Vec<&str> = plan
            .refused
            .iter()
            .map(|r| r.description.as_str())
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(
            refused[0].contains("\"must\"") && refused[0].contains("NOT NULL without a default")
        );
        assert!(refused[1].contains("\"old\"") && refused[1].contains("not in the record"));
        assert_eq!(
            plan.refused[1].sql.as_deref(),
            Some("ALTER TABLE \"notes\" DROP COLUMN \"old\"")
        );
    }
}
