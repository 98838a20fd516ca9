//! INSERT, SELECT, UPDATE and DELETE for a [`TableSchema`].

use sea_query::{
    Asterisk, Condition as SeaCondition, Expr, ExprTrait, InsertStatement, OnConflict, Order,
    Query, SimpleExpr,
};

use super::{to_sea_value, Dialect};
use crate::error::{Error, Result};
use crate::filter::{CmpOp, Condition};
use crate::schema::{ColumnRole, TableSchema};
use crate::value::{Value, ValueType};

/// The statements whose shape depends only on the table, built once per table and dialect.
#[derive(Debug, Clone)]
pub struct TableStatements {
    /// Insert one row of data columns, returning the generated columns.
    pub insert: String,
    /// Insert one row of data columns, returning nothing (bulk inserts).
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
    /// Names of the data columns, in schema order.
    pub data_columns: Vec<String>,
}

impl TableStatements {
    /// Builds every fixed statement for `schema` in `dialect`.
    pub fn new(dialect: Dialect, schema: &TableSchema) -> Result<Self> {
        let data_columns: Vec<String> = schema.data_columns().map(|c| c.name.clone()).collect();
        let generated: Vec<String> = schema.generated_columns().map(|c| c.name.clone()).collect();
        let all_columns: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();

        let placeholders = vec![Value::Null; data_columns.len()];
        let mut insert = insert_statement(schema, &data_columns, placeholders.clone())?;
        let insert_plain = dialect.build(&insert)?.0;
        if !generated.is_empty() {
            insert.returning(Query::returning().columns(generated.clone()));
        }
        let insert = dialect.build(&insert)?.0;

        let select_all = dialect
            .build(
                Query::select()
                    .columns(all_columns.clone())
                    .from(schema.name.clone()),
            )?
            .0;
        let get_by_id = match schema.id_column() {
            Some(id) => Some(
                dialect
                    .build(
                        Query::select()
                            .columns(all_columns)
                            .from(schema.name.clone())
                            .and_where(Expr::col(id.name.clone()).eq(0i64)),
                    )?
                    .0,
            ),
            None => None,
        };
        let count_all = dialect
            .build(
                Query::select()
                    .expr(Expr::col(Asterisk).count())
                    .from(schema.name.clone()),
            )?
            .0;
        let delete_all = dialect
            .build(Query::delete().from_table(schema.name.clone()))?
            .0;
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
        })
    }
}

fn insert_statement(
    schema: &TableSchema,
    columns: &[String],
    values: Vec<Value>,
) -> Result<InsertStatement> {
    let mut insert = Query::insert();
    insert.into_table(schema.name.clone());
    if columns.is_empty() {
        insert.or_default_values();
    } else {
        insert.columns(columns.iter().cloned());
        insert
            .values(values.into_iter().map(|v| Expr::val(to_sea_value(v))))
            .map_err(|e| Error::invalid_input(format!("insert into {:?}: {e}", schema.name)))?;
    }
    Ok(insert)
}

/// `INSERT INTO table (columns) VALUES (...)`: the statement bulk paths run per row.
pub fn insert_sql(dialect: Dialect, schema: &TableSchema, columns: &[String]) -> Result<String> {
    let placeholders = vec![Value::Null; columns.len()];
    Ok(dialect
        .build(&insert_statement(schema, columns, placeholders)?)?
        .0)
}

/// The parts of a SELECT that vary per call.
#[derive(Debug, Clone, Default)]
pub struct SelectSpec<'a> {
    /// The WHERE condition, if any.
    pub condition: Option<&'a Condition>,
    /// ORDER BY keys: column name and whether descending.
    pub order: Vec<(&'static str, bool)>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}

/// `SELECT <all columns> FROM table WHERE ... ORDER BY ... LIMIT ... OFFSET ...`.
pub fn select(
    dialect: Dialect,
    schema: &TableSchema,
    spec: &SelectSpec<'_>,
) -> Result<(String, Vec<Value>)> {
    let mut select = Query::select();
    select
        .columns(schema.columns.iter().map(|c| c.name.clone()))
        .from(schema.name.clone());
    if let Some(condition) = spec.condition {
        select.cond_where(to_sea_condition(condition));
    }
    for (column, descending) in &spec.order {
        let order = if *descending { Order::Desc } else { Order::Asc };
        select.order_by(column.to_string(), order);
    }
    match (spec.limit, spec.offset) {
        (Some(limit), offset) => {
            select.limit(limit);
            if let Some(offset) = offset {
                select.offset(offset);
            }
        }
        // Both engines need a LIMIT before OFFSET; the largest i64 means "no limit".
        (None, Some(offset)) => {
            select.limit(i64::MAX as u64).offset(offset);
        }
        (None, None) => {}
    }
    dialect.build(&select)
}

/// `SELECT COUNT(*) FROM table WHERE ...`.
pub fn count(
    dialect: Dialect,
    schema: &TableSchema,
    condition: &Condition,
) -> Result<(String, Vec<Value>)> {
    let mut select = Query::select();
    select
        .expr(Expr::col(Asterisk).count())
        .from(schema.name.clone())
        .cond_where(to_sea_condition(condition));
    dialect.build(&select)
}

/// `UPDATE table SET ... WHERE ...`, also setting the "updated" column to now.
pub fn update(
    dialect: Dialect,
    schema: &TableSchema,
    condition: &Condition,
    assignments: Vec<(&'static str, Value)>,
) -> Result<(String, Vec<Value>)> {
    if assignments.is_empty() {
        return Err(Error::invalid_input(format!(
            "update of {:?} sets no columns",
            schema.name
        )));
    }
    let mut update = Query::update();
    update.table(schema.name.clone());
    for (column, value) in assignments {
        update.value(column.to_string(), Expr::val(to_sea_value(value)));
    }
    for column in schema
        .columns
        .iter()
        .filter(|c| c.role == ColumnRole::Updated)
    {
        update.value(column.name.clone(), Expr::cust(dialect.now_sql()));
    }
    update.cond_where(to_sea_condition(condition));
    dialect.build(&update)
}

/// `DELETE FROM table WHERE ...`.
pub fn delete(
    dialect: Dialect,
    schema: &TableSchema,
    condition: &Condition,
) -> Result<(String, Vec<Value>)> {
    let mut delete = Query::delete();
    delete
        .from_table(schema.name.clone())
        .cond_where(to_sea_condition(condition));
    dialect.build(&delete)
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

/// `INSERT ... ON CONFLICT (...) DO NOTHING | DO UPDATE ... RETURNING <generated>`.
pub fn upsert(
    dialect: Dialect,
    schema: &TableSchema,
    values: Vec<Value>,
    conflict: &Conflict,
) -> Result<(String, Vec<Value>)> {
    if conflict.target.is_empty() {
        return Err(Error::invalid_input(
            "upsert needs at least one conflict column (a unique column or the id)",
        ));
    }
    let columns: Vec<String> = schema.data_columns().map(|c| c.name.clone()).collect();
    let mut insert = insert_statement(schema, &columns, values)?;
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
            on_conflict.update_columns(update_columns.iter().map(|c| c.to_string()));
            for column in schema
                .columns
                .iter()
                .filter(|c| c.role == ColumnRole::Updated)
            {
                on_conflict.value(column.name.clone(), Expr::cust(dialect.now_sql()));
            }
        }
    }
    insert.on_conflict(on_conflict);
    let generated: Vec<String> = schema.generated_columns().map(|c| c.name.clone()).collect();
    if !generated.is_empty() {
        insert.returning(Query::returning().columns(generated));
    }
    dialect.build(&insert)
}

fn to_sea_condition(condition: &Condition) -> SeaCondition {
    match condition {
        Condition::And(parts) => parts
            .iter()
            .fold(SeaCondition::all(), |c, p| c.add(to_sea_condition(p))),
        Condition::Or(parts) => parts
            .iter()
            .fold(SeaCondition::any(), |c, p| c.add(to_sea_condition(p))),
        other => SeaCondition::all().add(to_sea_expr(other)),
    }
}

fn to_sea_expr(condition: &Condition) -> SimpleExpr {
    let col = |name: &str| Expr::col(name.to_string());
    match condition {
        // A constant, not user input: "every row".
        Condition::All => Expr::cust("1 = 1"),
        Condition::Cmp(column, op, value) => {
            let value = Expr::val(to_sea_value(value.clone()));
            let column = col(column);
            match op {
                CmpOp::Eq => column.eq(value),
                CmpOp::Ne => column.ne(value),
                CmpOp::Lt => column.lt(value),
                CmpOp::Le => column.lte(value),
                CmpOp::Gt => column.gt(value),
                CmpOp::Ge => column.gte(value),
            }
        }
        Condition::In(column, values) if values.is_empty() => {
            // `IN ()` is a syntax error; an empty list matches nothing.
            let _ = column;
            Expr::cust("1 = 0")
        }
        Condition::In(column, values) => {
            col(column).is_in(values.iter().map(|v| Expr::val(to_sea_value(v.clone()))))
        }
        Condition::Like(column, pattern) => col(column).like(pattern.as_str()),
        Condition::IsNull(column) => col(column).is_null(),
        Condition::IsNotNull(column) => col(column).is_not_null(),
        Condition::And(_) | Condition::Or(_) => to_sea_condition(condition).into(),
        Condition::Not(inner) => to_sea_condition(inner).not().into(),
    }
}
