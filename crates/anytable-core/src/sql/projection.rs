//! SELECT of chosen columns and aggregates: projections, `distinct`, GROUP BY and HAVING, with
//! the grouping rules checked here so that every engine accepts or refuses the same queries
//! (SQLite alone would accept a column that is neither grouped nor aggregated, and return the
//! value of an arbitrary row).

use sea_query::Query;

use super::render::{is_integer, Render};
use super::{build, Dialect};
use crate::aggregate::{AggregateFn, SelectExpr};
use crate::error::{Error, Result};
use crate::filter::{Condition, OrderKey};
use crate::schema::TableSchema;
use crate::value::Value;

/// A query of chosen output columns, as SQL building sees it.
#[derive(Debug, Clone, Default)]
pub struct ProjectionSpec<'a> {
    /// The output columns, in order (at least one).
    pub select: &'a [SelectExpr],
    /// The WHERE condition on rows, if any (no aggregates).
    pub condition: Option<&'a Condition>,
    /// GROUP BY columns.
    pub group_by: &'a [&'static str],
    /// The HAVING condition on groups, if any.
    pub having: Option<&'a Condition>,
    /// Each distinct output row once (the output columns must be plain columns).
    pub distinct: bool,
    /// ORDER BY keys: output columns, group keys or aggregates.
    pub order: &'a [OrderKey],
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}

/// The SQL of a projection.
#[derive(Debug, Clone)]
pub struct ProjectionSql {
    /// The statement.
    pub sql: String,
    /// Its parameters.
    pub params: Vec<Value>,
    /// The same statement with exact integer sums ([`Dialect::exact_sum`]), with the same
    /// parameters, where the dialect has one and the query sums integers: run it when
    /// [`sql`](Self::sql) fails with a type mismatch (an overflow midway).
    pub exact: Option<String>,
}

/// `SELECT <outputs> FROM table WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT ...`.
///
/// `distinct` is spelled as a GROUP BY of every output column: PostgreSQL refuses
/// `SELECT DISTINCT` ordered by an expression it does not select, and the code-point order of
/// text is such an expression there.
pub fn projection(
    dialect: &dyn Dialect,
    schema: &TableSchema,
    spec: &ProjectionSpec<'_>,
) -> Result<ProjectionSql> {
    let group_by = grouping(spec)?;
    let render = Render::new(dialect, schema);
    let (sql, params) = statement(&render, schema, spec, &group_by)?;
    // The first integer sum the query computes, if any: where the dialect has an exact form
    // of it, the whole statement is built a second time with exact sums.
    let integer_sum = spec
        .select
        .iter()
        .copied()
        .chain(spec.order.iter().map(OrderKey::expr))
        .chain(spec.having.into_iter().flat_map(aggregates_in))
        .find(|e| {
            e.aggregate == Some(AggregateFn::Sum)
                && render.column(e.column).is_some_and(|c| is_integer(c.ty))
        });
    let exact = match integer_sum {
        Some(sum) if dialect.exact_sum(render.col(sum.column)).is_some() => {
            Some(statement(&render.with_exact_sums(), schema, spec, &group_by)?.0)
        }
        _ => None,
    };
    Ok(ProjectionSql { sql, params, exact })
}

fn statement(
    render: &Render<'_>,
    schema: &TableSchema,
    spec: &ProjectionSpec<'_>,
    group_by: &[&'static str],
) -> Result<(String, Vec<Value>)> {
    let mut select = Query::select();
    for expr in spec.select {
        select.expr(render.select_expr(*expr)?);
    }
    select.from(schema.name.clone());
    if let Some(condition) = spec.condition {
        select.cond_where(render.condition(condition)?);
    }
    select.group_by_columns(group_by.iter().map(|c| c.to_string()));
    let checked = overflow_checked(render, spec);
    if let Some(having) = checked.as_ref().or(spec.having) {
        select.cond_having(render.having().condition(having)?);
    }
    render.order_and_page(&mut select, spec.order, spec.limit, spec.offset)?;
    let paged = spec.limit.is_some() || spec.offset.is_some();
    if let (Some(checks), true) = (&checked, paged) {
        // One more sort key, the same for every group: a result that must be sorted is only
        // output once every group was computed, its HAVING checks included. Without it SQLite
        // emits groups in key order and stops at the LIMIT, before the group whose float sum
        // overflows (which fails the query on PostgreSQL).
        let every_group = render.having().condition(checks)?;
        select.order_by_expr(
            sea_query::CaseStatement::new()
                .case(every_group, sea_query::Expr::val(0))
                .finally(sea_query::Expr::val(1))
                .into(),
            sea_query::Order::Asc,
        );
    }
    build(render.dialect(), &select)
}

/// The HAVING condition with every float sum and average of the query checked in each group,
/// where some group may not be output (HAVING, LIMIT or OFFSET leave it out): PostgreSQL's
/// SUM fails while it adds, in every group, so a float sum that overflows fails the query
/// there; SQLite and DuckDB check it where it is read ([`Dialect::finite_float`]), so they
/// check it here, in every group, too. `None` where nothing needs it.
fn overflow_checked(render: &Render<'_>, spec: &ProjectionSpec<'_>) -> Option<Condition> {
    if spec.having.is_none() && spec.limit.is_none() && spec.offset.is_none() {
        return None;
    }
    let checks: Vec<Condition> = spec
        .select
        .iter()
        .copied()
        .chain(spec.order.iter().map(OrderKey::expr))
        .filter(|e| {
            matches!(e.aggregate, Some(AggregateFn::Sum | AggregateFn::Avg))
                && render
                    .column(e.column)
                    .is_some_and(|c| c.ty == crate::value::ValueType::F64)
        })
        .map(|e| {
            // True for every group, once the check in the rendered sum has run.
            Condition::Or(vec![
                Condition::Aggregate(e, crate::filter::CmpOp::Eq, Value::Null),
                Condition::Aggregate(e, crate::filter::CmpOp::Ne, Value::Null),
            ])
        })
        .collect();
    if checks.is_empty() {
        return None;
    }
    // The checks first: SQLite stops at the first false part of an AND.
    Some(Condition::And(
        checks.into_iter().chain(spec.having.cloned()).collect(),
    ))
}

/// The GROUP BY columns, after checking that every plain column the query outputs, sorts on or
/// compares in HAVING is one of them whenever the query groups or aggregates.
fn grouping(spec: &ProjectionSpec<'_>) -> Result<Vec<&'static str>> {
    if spec.select.is_empty() {
        return Err(Error::invalid_input(
            "a query must select at least one column",
        ));
    }
    let aggregates = spec.select.iter().any(|e| e.aggregate.is_some());
    if spec.distinct {
        if aggregates || !spec.group_by.is_empty() || spec.having.is_some() {
            return Err(Error::invalid_input(
                "distinct() applies to a selection of plain columns; with aggregates, \
                 group_by() names the groups",
            ));
        }
        let keys: Vec<&'static str> = spec.select.iter().map(|e| e.column).collect();
        for key in spec.order {
            if key.aggregate.is_some() || !keys.contains(&key.column) {
                return Err(Error::invalid_input(format!(
                    "a distinct query can only be sorted by the columns it selects, not by {}",
                    key.expr().describe()
                )));
            }
        }
        return Ok(dedup(keys));
    }
    let grouped = aggregates
        || !spec.group_by.is_empty()
        || spec.having.is_some()
        || spec.order.iter().any(|k| k.aggregate.is_some());
    if !grouped {
        return Ok(Vec::new());
    }
    let ungrouped = |column: &'static str, role: &str| -> Result<()> {
        if spec.group_by.contains(&column) {
            return Ok(());
        }
        Err(Error::invalid_input(format!(
            "column {column:?} is {role} but neither grouped nor aggregated: add it to \
             group_by() or use an aggregate of it"
        )))
    };
    for expr in spec.select.iter().filter(|e| e.aggregate.is_none()) {
        ungrouped(expr.column, "selected")?;
    }
    for key in spec.order.iter().filter(|k| k.aggregate.is_none()) {
        ungrouped(key.column, "sorted on")?;
    }
    if let Some(having) = spec.having {
        for column in plain_columns_in(having) {
            ungrouped(column, "compared in having()")?;
        }
    }
    Ok(dedup(spec.group_by.to_vec()))
}

fn dedup(mut columns: Vec<&'static str>) -> Vec<&'static str> {
    let mut seen = Vec::with_capacity(columns.len());
    columns.retain(|c| {
        let first = !seen.contains(c);
        seen.push(*c);
        first
    });
    columns
}

/// The plain columns a condition compares (not those inside aggregates).
fn plain_columns_in(condition: &Condition) -> Vec<&'static str> {
    let mut out = Vec::new();
    walk(condition, &mut |c| match c {
        Condition::Cmp(column, ..)
        | Condition::In(column, _)
        | Condition::Like(column, _)
        | Condition::ILike(column, _)
        | Condition::IsNull(column)
        | Condition::IsNotNull(column) => out.push(*column),
        _ => {}
    });
    out
}

/// The aggregates a condition compares.
fn aggregates_in(condition: &Condition) -> Vec<SelectExpr> {
    let mut out = Vec::new();
    walk(condition, &mut |c| {
        if let Condition::Aggregate(expr, ..) = c {
            out.push(*expr);
        }
    });
    out
}

fn walk<'c>(condition: &'c Condition, f: &mut impl FnMut(&'c Condition)) {
    match condition {
        Condition::And(parts) | Condition::Or(parts) => {
            parts.iter().for_each(|p| walk(p, f));
        }
        Condition::Not(inner) => walk(inner, f),
        leaf => f(leaf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::CmpOp;
    use crate::schema::ColumnSchema;
    use crate::sql::StandardSql;
    use crate::value::ValueType;

    fn schema() -> TableSchema {
        TableSchema::new(
            "sales",
            vec![
                ColumnSchema::new("region", ValueType::Text, true),
                ColumnSchema::new("city", ValueType::Text, false),
                ColumnSchema::new("amount", ValueType::I64, false),
            ],
        )
    }

    #[test]
    fn a_column_neither_grouped_nor_aggregated_is_refused() {
        let select = [
            SelectExpr::column("city"),
            SelectExpr::aggregate(AggregateFn::Sum, "amount"),
        ];
        let spec = ProjectionSpec {
            select: &select,
            group_by: &["region"],
            ..Default::default()
        };
        let err = projection(&StandardSql, &schema(), &spec).unwrap_err();
        assert!(err.to_string().contains("\"city\" is selected"), "{err}");
        let having = Condition::Cmp("city", CmpOp::Eq, Value::Text("x".into()));
        let spec = ProjectionSpec {
            select: &select[1..],
            group_by: &["region"],
            having: Some(&having),
            ..Default::default()
        };
        let err = projection(&StandardSql, &schema(), &spec).unwrap_err();
        assert!(err.to_string().contains("compared in having()"), "{err}");
    }

    #[test]
    fn grouped_sql_casts_sums_and_averages() {
        let select = [
            SelectExpr::column("region"),
            SelectExpr::aggregate(AggregateFn::Sum, "amount"),
            SelectExpr::aggregate(AggregateFn::Avg, "amount"),
            SelectExpr::aggregate(AggregateFn::CountRows, ""),
        ];
        let having = Condition::Aggregate(
            SelectExpr::aggregate(AggregateFn::CountRows, ""),
            CmpOp::Gt,
            Value::I64(1),
        );
        let order = [OrderKey::of(select[1], true)];
        let spec = ProjectionSpec {
            select: &select,
            group_by: &["region"],
            having: Some(&having),
            order: &order,
            ..Default::default()
        };
        let built = projection(&StandardSql, &schema(), &spec).unwrap();
        assert_eq!(
            built.sql,
            "SELECT \"region\", CAST(SUM(\"amount\") AS BIGINT), \
             (CAST(SUM(\"amount\") AS DOUBLE PRECISION)) / COUNT(\"amount\"), COUNT(*) \
             FROM \"sales\" \
             GROUP BY \"region\" HAVING COUNT(*) > $1 \
             ORDER BY CAST(SUM(\"amount\") AS BIGINT) DESC NULLS FIRST"
        );
        assert_eq!(built.params, [Value::I64(1)]);
        assert!(built.exact.is_none());
    }

    #[test]
    fn distinct_is_a_group_by_of_the_selected_columns() {
        let select = [SelectExpr::column("region")];
        let order = [OrderKey::new("region", false)];
        let spec = ProjectionSpec {
            select: &select,
            distinct: true,
            order: &order,
            ..Default::default()
        };
        let built = projection(&StandardSql, &schema(), &spec).unwrap();
        assert_eq!(
            built.sql,
            "SELECT \"region\" FROM \"sales\" GROUP BY \"region\" ORDER BY \"region\" ASC NULLS LAST"
        );
        let order = [OrderKey::new("city", false)];
        let spec = ProjectionSpec {
            order: &order,
            ..spec
        };
        assert!(projection(&StandardSql, &schema(), &spec).is_err());
    }
}
