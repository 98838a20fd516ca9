//! INSERT, SELECT, UPDATE and DELETE for a [`TableSchema`], with one meaning on every dialect:
//! where engines disagree on their own (LIKE, text order, where NULLs sort, the clock, long IN
//! lists), each dialect is given the SQL that makes it answer like the others.

use sea_query::{Asterisk, Expr, ExprTrait, InsertStatement, OnConflict, Query};

use super::render::Render;
use super::{build, sea_value, Dialect};
use crate::error::{Error, Result};
use crate::filter::{Condition, OrderKey};
use crate::schema::{ColumnRole, ColumnSchema, TableSchema};
use crate::value::{Value, ValueType};

/// The statements whose shape depends only on the table, built once per table and dialect.
#[derive(Debug, Clone)]
pub struct TableStatements {
    /// Insert one row of [`bound_columns`](Self::bound_columns), returning the generated columns.
    pub insert: String,
    /// The same insert, returning nothing (the bulk paths' statement).
    pub insert_plain: String,
    /// Select every column of every row.
    pub select_all: String,
    /// Select one row by id, if the table has an id column.
    pub get_by_id: Option<String>,
    /// Count all rows.
    pub count_all: String,
    /// Delete all rows.
    pub delete_all: String,
    /// The type of each column, in schema order (how to decode a full row).
    pub column_types: Vec<ValueType>,
    /// The type of each generated column, in schema order (how to decode RETURNING).
    pub generated_types: Vec<ValueType>,
    /// Names of the data columns, in schema order: the values a record writes.
    pub data_columns: Vec<String>,
    /// The columns a written row binds values for: the data columns, then the `added` and
    /// `updated` columns where the dialect stamps them with a bound time (see
    /// [`Dialect::statement_time_sql`]).
    pub bound_columns: Vec<String>,
}

impl TableStatements {
    /// Builds every fixed statement for `schema` in `dialect`.
    pub fn new(dialect: &dyn Dialect, schema: &TableSchema) -> Result<Self> {
        let data_columns: Vec<String> = schema.data_columns().map(|c| c.name.clone()).collect();
        let generated: Vec<String> = schema.generated_columns().map(|c| c.name.clone()).collect();
        let all_columns: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
        let bound_columns = bound_columns(dialect, schema);

        let placeholders = vec![Value::Null; bound_columns.len()];
        let mut insert = insert_statement(dialect, schema, placeholders)?;
        let insert_plain = build(dialect, &insert)?.0;
        if !generated.is_empty() {
            insert.returning(Query::returning().columns(generated.clone()));
        }
        let insert = build(dialect, &insert)?.0;

        let select_all = build(
            dialect,
            Query::select()
                .columns(all_columns.clone())
                .from(schema.name.clone()),
        )?
        .0;
        let get_by_id = match schema.id_column() {
            Some(id) => Some(
                build(
                    dialect,
                    Query::select()
                        .columns(all_columns)
                        .from(schema.name.clone())
                        .and_where(Expr::col(id.name.clone()).eq(0i64)),
                )?
                .0,
            ),
            None => None,
        };
        let count_all = build(
            dialect,
            Query::select()
                .expr(Expr::col(Asterisk).count())
                .from(schema.name.clone()),
        )?
        .0;
        let delete_all = build(dialect, Query::delete().from_table(schema.name.clone()))?.0;
        Ok(TableStatements {
            insert,
            insert_plain,
            select_all,
            get_by_id,
            count_all,
            delete_all,
            column_types: schema.columns.iter().map(|c| c.ty).collect(),
            generated_types: schema.generated_columns().map(|c| c.ty).collect(),
            data_columns,
            bound_columns,
        })
    }

    /// How many stamp values (the time of the statement) follow a row's data values.
    pub fn stamps(&self) -> usize {
        self.bound_columns.len() - self.data_columns.len()
    }
}

/// The `added` and `updated` columns: stamped with the time of the statement that writes them.
fn stamped(schema: &TableSchema) -> impl Iterator<Item = &ColumnSchema> {
    schema
        .columns
        .iter()
        .filter(|c| matches!(c.role, ColumnRole::Added | ColumnRole::Updated))
}

fn bound_columns(dialect: &dyn Dialect, schema: &TableSchema) -> Vec<String> {
    let mut columns: Vec<String> = schema.data_columns().map(|c| c.name.clone()).collect();
    if dialect.statement_time_sql().is_none() {
        columns.extend(stamped(schema).map(|c| c.name.clone()));
    }
    columns
}

/// `INSERT INTO table (bound columns[, stamped columns]) VALUES (values[, statement time])`.
fn insert_statement(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    values: Vec<Value>,
) -> Result<InsertStatement> {
    let mut columns = bound_columns(dialect, schema);
    let mut exprs: Vec<Expr> = values
        .into_iter()
        .map(|v| Expr::val(sea_value(v)))
        .collect();
    if let Some(now) = dialect.statement_time_sql() {
        for column in stamped(schema) {
            columns.push(column.name.clone());
            exprs.push(Expr::cust(now));
        }
    }
    let mut insert = Query::insert();
    insert.into_table(schema.name.clone());
    if columns.is_empty() {
        insert.or_default_values();
    } else {
        insert.columns(columns);
        insert
            .values(exprs)
            .map_err(|e| Error::invalid_input(format!("insert into {:?}: {e}", schema.name)))?;
    }
    Ok(insert)
}

/// `INSERT INTO table (columns) VALUES (placeholders)`, for hand-made inserts of some columns.
pub fn insert_sql(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    columns: &[String],
) -> Result<String> {
    let mut insert = Query::insert();
    insert.into_table(schema.name.clone());
    if columns.is_empty() {
        insert.or_default_values();
    } else {
        insert.columns(columns.iter().cloned());
        insert
            .values(columns.iter().map(|_| Expr::val(sea_value(Value::Null))))
            .map_err(|e| Error::invalid_input(format!("insert into {:?}: {e}", schema.name)))?;
    }
    Ok(build(dialect, &insert)?.0)
}

/// The parts of a SELECT that vary per call.
#[derive(Debug, Clone, Default)]
pub struct SelectSpec<'a> {
    /// The WHERE condition, if any.
    pub condition: Option<&'a Condition>,
    /// ORDER BY keys.
    pub order: Vec<OrderKey>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}

/// `SELECT <all columns> FROM table WHERE ... ORDER BY ... LIMIT ... OFFSET ...`.
pub fn select(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    spec: &SelectSpec<'_>,
) -> Result<(String, Vec<Value>)> {
    let render = Render::new(dialect, schema);
    let mut select = Query::select();
    select
        .columns(schema.columns.iter().map(|c| c.name.clone()))
        .from(schema.name.clone());
    if let Some(condition) = spec.condition {
        select.cond_where(render.condition(condition)?);
    }
    render.order_and_page(&mut select, &spec.order, spec.limit, spec.offset)?;
    build(dialect, &select)
}

/// `SELECT COUNT(*) FROM table WHERE ...`.
pub fn count(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    condition: &Condition,
) -> Result<(String, Vec<Value>)> {
    let render = Render::new(dialect, schema);
    let mut select = Query::select();
    select
        .expr(Expr::col(Asterisk).count())
        .from(schema.name.clone())
        .cond_where(render.condition(condition)?);
    build(dialect, &select)
}

/// `UPDATE table SET ... WHERE ...`, also setting the "updated" column to the statement's time
/// (`now` where the dialect binds it).
pub fn update(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    condition: &Condition,
    assignments: Vec<(&'static str, Value)>,
    now: &Value,
) -> Result<(String, Vec<Value>)> {
    if assignments.is_empty() {
        return Err(Error::invalid_input(format!(
            "update of {:?} sets no columns",
            schema.name
        )));
    }
    each_column_once(
        schema,
        assignments.iter().map(|(column, _)| *column),
        "update",
    )?;
    let render = Render::new(dialect, schema);
    let mut update = Query::update();
    update.table(schema.name.clone());
    for (column, value) in assignments {
        update.value(column.to_string(), Expr::val(sea_value(value)));
    }
    for column in schema
        .columns
        .iter()
        .filter(|c| c.role == ColumnRole::Updated)
    {
        update.value(column.name.clone(), statement_time(dialect, now));
    }
    update.cond_where(render.condition(condition)?);
    build(dialect, &update)
}

/// Refuses a conflict target that is not the columns of one unique constraint of the record
/// (a unique column, or a multi-column `unique(...)`, in any order): the engines refuse it with
/// three different errors, or none until a conflict happens. The id is none: the database
/// assigns it, so a new row never conflicts on it.
fn unique_target(schema: &TableSchema, target: &[&'static str]) -> Result<()> {
    if let Some(id) = target
        .iter()
        .find(|t| schema.id_column().is_some_and(|c| c.name == **t))
    {
        return Err(Error::invalid_input(format!(
            "upsert into {:?} detects conflicts on the id column {id:?}, which the database \
             assigns, so no new row conflicts on it: detect them on a unique column",
            schema.name
        )));
    }
    let mut wanted: Vec<&str> = target.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let same = |columns: &[&str]| {
        let mut columns = columns.to_vec();
        columns.sort_unstable();
        columns == wanted && target.len() == wanted.len()
    };
    let single = schema
        .columns
        .iter()
        .filter(|c| c.unique)
        .any(|c| same(&[c.name.as_str()]));
    let multi = schema
        .unique
        .iter()
        .any(|u| same(&u.iter().map(String::as_str).collect::<Vec<_>>()));
    if single || multi {
        return Ok(());
    }
    Err(Error::invalid_input(format!(
        "upsert into {:?} detects conflicts on {target:?}, which is not a unique constraint of \
         the table (a #[anytable(unique)] column, or a unique(...) of the record)",
        schema.name
    )))
}

/// Refuses a column set twice, or the `updated` column the database sets itself: engines
/// disagree on a column set twice (SQLite keeps the last value, PostgreSQL and DuckDB refuse),
/// so it is refused before any SQL runs, the same everywhere.
fn each_column_once<'c>(
    schema: &TableSchema,
    columns: impl Iterator<Item = &'c str>,
    what: &str,
) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for column in columns {
        if seen.contains(&column) {
            return Err(Error::invalid_input(format!(
                "{what} of {:?} sets the column {column:?} twice",
                schema.name
            )));
        }
        let filled = schema
            .columns
            .iter()
            .any(|c| c.name == column && c.role == ColumnRole::Updated);
        if filled {
            return Err(Error::invalid_input(format!(
                "{what} of {:?} sets the column {column:?}, which the database sets on every update",
                schema.name
            )));
        }
        seen.push(column);
    }
    Ok(())
}

/// The time of the statement: the dialect's SQL for it, or `now` bound as a value.
fn statement_time(dialect: &dyn Dialect, now: &Value) -> Expr {
    match dialect.statement_time_sql() {
        Some(sql) => Expr::cust(sql),
        None => Expr::val(sea_value(now.clone())),
    }
}

/// `DELETE FROM table WHERE ...`.
pub fn delete(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    condition: &Condition,
) -> Result<(String, Vec<Value>)> {
    let render = Render::new(dialect, schema);
    let mut delete = Query::delete();
    delete
        .from_table(schema.name.clone())
        .cond_where(render.condition(condition)?);
    build(dialect, &delete)
}

/// What to do when an insert hits a unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictAction {
    /// Keep the existing row and insert nothing.
    DoNothing,
    /// Overwrite these columns of the existing row with the new values.
    Update(Vec<&'static str>),
}

/// The unique columns a conflict is detected on, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The columns of the unique constraint (or primary key).
    pub target: Vec<&'static str>,
    /// What to do.
    pub action: ConflictAction,
}

/// `INSERT ... ON CONFLICT (...) DO NOTHING | DO UPDATE ... RETURNING <generated>`; `values`
/// are those of the bound columns (see [`TableStatements::bound_columns`]).
pub fn upsert(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    values: Vec<Value>,
    conflict: &Conflict,
    now: &Value,
) -> Result<(String, Vec<Value>)> {
    if conflict.target.is_empty() {
        return Err(Error::invalid_input(
            "upsert needs at least one conflict column (a unique column or the id)",
        ));
    }
    unique_target(schema, &conflict.target)?;
    let mut insert = insert_statement(dialect, schema, values)?;
    let mut on_conflict = OnConflict::columns(conflict.target.iter().map(|c| c.to_string()));
    match &conflict.action {
        ConflictAction::DoNothing => {
            on_conflict.do_nothing();
        }
        ConflictAction::Update(update_columns) => {
            if update_columns.is_empty() {
                return Err(Error::invalid_input(
                    "upsert with update needs at least one column to update",
                ));
            }
            each_column_once(schema, update_columns.iter().copied(), "upsert")?;
            on_conflict.update_columns(update_columns.iter().map(|c| c.to_string()));
            for column in schema
                .columns
                .iter()
                .filter(|c| c.role == ColumnRole::Updated)
            {
                on_conflict.value(column.name.clone(), statement_time(dialect, now));
            }
        }
    }
    insert.on_conflict(on_conflict);
    let generated: Vec<String> = schema.generated_columns().map(|c| c.name.clone()).collect();
    if !generated.is_empty() {
        insert.returning(Query::returning().columns(generated));
    }
    build(dialect, &insert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::CmpOp;

    #[test]
    fn long_conditions_render_as_shallow_trees() {
        let schema = TableSchema::new("t", vec![ColumnSchema::new("n", ValueType::I64, false)]);
        let parts = (0..1000)
            .map(|i| Condition::Cmp("n", CmpOp::Eq, Value::I64(i)))
            .collect();
        let (sql, values) =
            count(&crate::sql::StandardSql, &schema, &Condition::Or(parts)).unwrap();
        assert_eq!(values.len(), 1000);
        let mut depth = 0usize;
        let mut deepest = 0;
        for c in sql.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            deepest = Ord::max(deepest, depth);
        }
        assert!(deepest < 20, "{deepest} levels of parentheses");
    }
}
