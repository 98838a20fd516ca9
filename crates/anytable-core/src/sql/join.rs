//! SELECT of two records' columns through a foreign key: `left JOIN right ON left.via =
//! right.id`, each side's conditions and sort keys rendered under its own alias.

use sea_query::{ExprTrait, JoinType, Query};

use super::render::{page, Render};
use super::{build, Dialect};
use crate::error::{Error, Result};
use crate::filter::{Condition, OrderKey};
use crate::schema::TableSchema;
use crate::value::Value;

/// The aliases of the two sides: fixed, so a record joined with itself works too.
const ALIASES: [&str; 2] = ["t0", "t1"];

/// Which rows of the left table a join returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinKind {
    /// Those with a partner.
    Inner,
    /// All of them, with the partner's columns NULL where there is none.
    Left,
}

/// Which table of a join a condition or sort key is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinSide {
    /// The table whose foreign key the join follows.
    Left,
    /// The table it references.
    Right,
}

/// A join as SQL building sees it.
#[derive(Debug, Clone)]
pub struct JoinSpec<'a> {
    /// Inner or left.
    pub kind: JoinKind,
    /// The left table's column that references the right table's id.
    pub via: &'a str,
    /// The condition on left rows, if any.
    pub left: Option<&'a Condition>,
    /// The condition on right rows, if any (after the join: rows without a partner have NULLs
    /// there).
    pub right: Option<&'a Condition>,
    /// Sort keys, each on one side.
    pub order: &'a [(JoinSide, OrderKey)],
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}

/// `SELECT <left columns>, <right columns> FROM left JOIN right ON left.via = right.id ...`:
/// the left record's columns in schema order, then the right's.
pub fn join(
    dialect: &dyn Dialect,
    left: &TableSchema,
    right: &TableSchema,
    spec: &JoinSpec<'_>,
) -> Result<(String, Vec<Value>)> {
    let target = check_via(left, right, spec.via)?;
    let [left_alias, right_alias] = ALIASES;
    let l = Render::new(dialect, left).side(left_alias, false);
    let r = Render::new(dialect, right).side(right_alias, spec.kind == JoinKind::Left);
    let mut select = Query::select();
    for column in &left.columns {
        select.expr(l.col(&column.name));
    }
    for column in &right.columns {
        select.expr(r.col(&column.name));
    }
    let kind = match spec.kind {
        JoinKind::Inner => JoinType::InnerJoin,
        JoinKind::Left => JoinType::LeftJoin,
    };
    select
        .from_as(left.name.clone(), left_alias.to_owned())
        .join_as(
            kind,
            right.name.clone(),
            right_alias.to_owned(),
            l.col(spec.via)
                .equals((right_alias.to_owned(), target.to_owned())),
        );
    if let Some(condition) = spec.left {
        select.cond_where(l.condition(condition)?);
    }
    if let Some(condition) = spec.right {
        select.cond_where(r.condition(condition)?);
    }
    for (side, key) in spec.order {
        match side {
            JoinSide::Left => l.order_by(&mut select, *key)?,
            JoinSide::Right => r.order_by(&mut select, *key)?,
        }
    }
    page(&mut select, spec.limit, spec.offset);
    build(dialect, &select)
}

/// The right table's column `via` references; an error unless `via` is a foreign key of
/// `left` to `right`.
fn check_via<'s>(left: &TableSchema, right: &'s TableSchema, via: &str) -> Result<&'s str> {
    let column = left.columns.iter().find(|c| c.name == via).ok_or_else(|| {
        Error::invalid_input(format!("table {:?} has no column {via:?}", left.name))
    })?;
    let reference = column.references.as_ref().filter(|r| r.table == right.name);
    let Some(reference) = reference else {
        return Err(Error::invalid_input(format!(
            "column {via:?} of {:?} does not reference table {:?}: declare it with \
             #[anytable(references = ...)] to join through it",
            left.name, right.name
        )));
    };
    right
        .columns
        .iter()
        .find(|c| c.name == reference.column)
        .map(|c| c.name.as_str())
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "table {:?} has no column {:?} for {:?} to reference",
                right.name, reference.column, via
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::CmpOp;
    use crate::schema::{ColumnRole, ColumnSchema};
    use crate::sql::StandardSql;
    use crate::value::ValueType;

    fn tables() -> (TableSchema, TableSchema) {
        let customers = TableSchema::new(
            "customers",
            vec![
                ColumnSchema::new("id", ValueType::I64, false).role(ColumnRole::Id),
                ColumnSchema::new("name", ValueType::Text, false),
            ],
        );
        let orders = TableSchema::new(
            "orders",
            vec![
                ColumnSchema::new("id", ValueType::I64, false).role(ColumnRole::Id),
                ColumnSchema::new("customer", ValueType::I64, true).references("customers", "id"),
            ],
        );
        (orders, customers)
    }

    #[test]
    fn a_left_join_qualifies_every_column_and_sorts_the_right_side_as_nullable() {
        let (orders, customers) = tables();
        let right = Condition::Cmp("name", CmpOp::Ne, Value::Text("x".into()));
        let order = [(JoinSide::Right, OrderKey::new("name", false))];
        let spec = JoinSpec {
            kind: JoinKind::Left,
            via: "customer",
            left: None,
            right: Some(&right),
            order: &order,
            limit: Some(5),
            offset: None,
        };
        let (sql, params) = join(&StandardSql, &orders, &customers, &spec).unwrap();
        assert_eq!(
            sql,
            "SELECT \"t0\".\"id\", \"t0\".\"customer\", \"t1\".\"id\", \"t1\".\"name\" \
             FROM \"orders\" AS \"t0\" LEFT JOIN \"customers\" AS \"t1\" \
             ON \"t0\".\"customer\" = \"t1\".\"id\" WHERE \"t1\".\"name\" <> $1 \
             ORDER BY \"t1\".\"name\" ASC NULLS LAST LIMIT $2"
        );
        assert_eq!(params, [Value::Text("x".into()), Value::I64(5)]);
    }

    #[test]
    fn joining_through_a_column_that_is_no_foreign_key_is_refused() {
        let (orders, customers) = tables();
        let spec = JoinSpec {
            kind: JoinKind::Inner,
            via: "id",
            left: None,
            right: None,
            order: &[],
            limit: None,
            offset: None,
        };
        let err = join(&StandardSql, &orders, &customers, &spec).unwrap_err();
        assert!(err.to_string().contains("does not reference"), "{err}");
    }
}
