//! [`Render`]: the conditions, output columns and sort keys of one table in one dialect.

use sea_query::{Condition as SeaCondition, Expr, ExprTrait, NullOrdering, Order, SelectStatement};

use super::{sea_value, Dialect};
use crate::aggregate::{AggregateFn, SelectExpr};
use crate::error::{Error, Result};
use crate::filter::{CmpOp, Condition, OrderKey};
use crate::schema::{ColumnSchema, TableSchema};
use crate::value::{Value, ValueType};

/// Conditions with more parts than this are split into a balanced tree of parenthesised halves,
/// so that SQLite (which parses `a OR b OR ...` into a chain and allows 1,000 levels) takes
/// thousands of them.
const FLAT_PARTS: usize = 8;

/// Renders conditions, output columns and sort keys of one table for one dialect.
pub(super) struct Render<'a> {
    dialect: &'a dyn Dialect,
    schema: &'a TableSchema,
    /// Conditions are a HAVING clause, where aggregates may be compared.
    having: bool,
    /// Integer sums use the dialect's [`Dialect::exact_sum`].
    exact_sums: bool,
    /// Columns are written `"qualifier"."column"` (the table's alias in a join).
    qualifier: Option<&'a str>,
    /// Every column may be NULL (the right side of a left join).
    all_nullable: bool,
}

impl<'a> Render<'a> {
    /// Renders WHERE conditions (no aggregates) and sort keys on plain columns.
    pub(super) fn new(dialect: &'a dyn Dialect, schema: &'a TableSchema) -> Self {
        Render {
            dialect,
            schema,
            having: false,
            exact_sums: false,
            qualifier: None,
            all_nullable: false,
        }
    }

    /// The same renderer for one side of a join: columns under `alias`, all of them nullable
    /// when the side may have no row.
    pub(super) fn side(&self, alias: &'a str, all_nullable: bool) -> Self {
        Render {
            qualifier: Some(alias),
            all_nullable,
            ..*self
        }
    }

    /// A column of this table, qualified in a join.
    pub(super) fn col(&self, name: &str) -> Expr {
        match self.qualifier {
            Some(alias) => Expr::col((alias.to_owned(), name.to_owned())),
            None => Expr::col(name.to_owned()),
        }
    }

    /// The same renderer for a HAVING clause.
    pub(super) fn having(&self) -> Self {
        Render {
            having: true,
            ..*self
        }
    }

    /// The same renderer with integer sums that never overflow midway.
    pub(super) fn with_exact_sums(&self) -> Self {
        Render {
            exact_sums: true,
            ..*self
        }
    }

    pub(super) fn dialect(&self) -> &'a dyn Dialect {
        self.dialect
    }

    pub(super) fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.schema.columns.iter().find(|c| c.name == name)
    }

    fn type_of(&self, name: &str) -> Option<ValueType> {
        self.column(name).map(|c| c.ty)
    }

    fn is_text(&self, name: &str) -> bool {
        self.type_of(name) == Some(ValueType::Text)
    }

    /// Refuses to order by, or compare for order, a JSON column: engines order documents
    /// three different ways (jsonb's own order, text, DuckDB's JSON), so anytable offers none.
    fn orderable(&self, name: &str) -> Result<()> {
        if self.type_of(name) == Some(ValueType::Json) {
            return Err(Error::invalid_input(format!(
                "column {name:?} holds JSON documents, which have no order in anytable (each \
                 engine orders them its own way): compare them with eq, ne or is_in, and order \
                 by another column"
            ))
            .with_column(name.to_owned()));
        }
        Ok(())
    }

    /// The column as sorted and compared for order: by code point on every dialect.
    fn ordered(&self, name: &str) -> Expr {
        self.dialect.ordered(self.col(name), self.is_text(name))
    }

    /// An output column: the column, or the dialect's spelling of the aggregate.
    pub(super) fn select_expr(&self, expr: SelectExpr) -> Result<Expr> {
        let Some(function) = expr.aggregate else {
            return Ok(self.col(expr.column));
        };
        let column = self.col(expr.column);
        if function == AggregateFn::CountRows {
            return Ok(self.dialect.aggregate(function, column, ValueType::I64));
        }
        let ty = self.type_of(expr.column).ok_or_else(|| {
            Error::invalid_input(format!(
                "table {:?} has no column {:?}",
                self.schema.name, expr.column
            ))
        })?;
        if self.exact_sums && function == AggregateFn::Sum && is_integer(ty) {
            if let Some(exact) = self.dialect.exact_sum(column.clone()) {
                return Ok(exact);
            }
        }
        Ok(self.dialect.aggregate(function, column, ty))
    }

    /// An aggregate as HAVING compares it: an integer sum in the engine's own wider type
    /// (NUMERIC, HUGEINT), not cast to BIGINT, so that a group whose sum leaves `i64` is
    /// compared rather than failing the query (the output column is cast only for the groups
    /// HAVING keeps). SQLite's sum is the exact one once its own has overflowed.
    fn compared_select_expr(&self, expr: SelectExpr) -> Result<Expr> {
        if self.is_wide_sum(expr) {
            return Ok(sea_query::Func::sum(self.col(expr.column)).into());
        }
        self.select_expr(expr)
    }

    /// Whether HAVING compares `expr` as an integer sum in the engine's own wider type.
    fn is_wide_sum(&self, expr: SelectExpr) -> bool {
        expr.aggregate == Some(AggregateFn::Sum)
            && !self.exact_sums
            && self.type_of(expr.column).is_some_and(is_integer)
    }

    /// An output column as compared for order (text min and max by code point).
    fn ordered_select_expr(&self, expr: SelectExpr) -> Result<Expr> {
        let rendered = self.select_expr(expr)?;
        Ok(self.ordered_form(expr, rendered))
    }

    /// `rendered`, the output column `expr`, as compared for order.
    fn ordered_form(&self, expr: SelectExpr, rendered: Expr) -> Expr {
        let text_result = matches!(
            expr.aggregate,
            None | Some(AggregateFn::Min | AggregateFn::Max)
        ) && self.is_text(expr.column);
        self.dialect.ordered(rendered, text_result)
    }

    /// Whether the output column can be NULL.
    fn nullable(&self, expr: SelectExpr) -> bool {
        match expr.aggregate {
            None => self.all_nullable || self.column(expr.column).is_some_and(|c| c.nullable),
            Some(function) => function.nullable(),
        }
    }

    /// ORDER BY, LIMIT and OFFSET.
    pub(super) fn order_and_page(
        &self,
        select: &mut SelectStatement,
        order: &[OrderKey],
        limit: Option<u64>,
        offset: Option<u64>,
    ) -> Result<()> {
        for key in order {
            self.order_by(select, *key)?;
        }
        page(select, limit, offset);
        Ok(())
    }

    /// Adds one ORDER BY key.
    pub(super) fn order_by(&self, select: &mut SelectStatement, key: OrderKey) -> Result<()> {
        let direction = if key.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        if key.expr().aggregate.is_none() {
            self.orderable(key.expr().column)?;
        }
        let expr = self.ordered_select_expr(key.expr())?;
        if self.nullable(key.expr()) {
            let nulls = if key.nulls_first {
                NullOrdering::First
            } else {
                NullOrdering::Last
            };
            select.order_by_expr_with_nulls(expr, direction, nulls);
        } else {
            select.order_by_expr(expr, direction);
        }
        Ok(())
    }

    pub(super) fn condition(&self, condition: &Condition) -> Result<SeaCondition> {
        match condition {
            Condition::And(parts) => self.balanced(parts, true),
            Condition::Or(parts) => self.balanced(parts, false),
            other => Ok(SeaCondition::all().add(self.expr(other)?)),
        }
    }

    fn balanced(&self, parts: &[Condition], all: bool) -> Result<SeaCondition> {
        let empty = if all {
            SeaCondition::all()
        } else {
            SeaCondition::any()
        };
        if parts.len() <= FLAT_PARTS {
            return parts
                .iter()
                .try_fold(empty, |c, p| Ok(c.add(self.condition(p)?)));
        }
        let (left, right) = parts.split_at(parts.len() / 2);
        Ok(empty
            .add(self.balanced(left, all)?)
            .add(self.balanced(right, all)?))
    }

    fn expr(&self, condition: &Condition) -> Result<Expr> {
        let col = |name: &str| self.col(name);
        Ok(match condition {
            // A constant, not user input: "every row".
            Condition::All => Expr::cust("1 = 1"),
            Condition::TooDeep => return Err(crate::check::too_deep()),
            Condition::TooWide => return Err(crate::check::too_wide()),
            Condition::Cmp(column, op, value) => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    self.orderable(column)?;
                }
                compare(col(column), self.ordered(column), *op, value)
            }
            Condition::Aggregate(expr, op, value) => {
                if !self.having {
                    return Err(Error::invalid_input(format!(
                        "{} compares an aggregate: it belongs in having() of a grouped query, \
                         not in a filter of rows",
                        expr.describe()
                    )));
                }
                let rendered = self.compared_select_expr(*expr)?;
                match (op, value.is_null()) {
                    (CmpOp::Eq, true) => rendered.is_null(),
                    (CmpOp::Ne, true) => rendered.is_not_null(),
                    _ if self.is_wide_sum(*expr) => {
                        // The bound value is cast, as PostgreSQL would otherwise type the
                        // parameter NUMERIC and refuse an i64 for it.
                        let text = format!(
                            "CAST({} AS {})",
                            self.dialect.syntax().placeholder(1),
                            self.dialect.column_type(ValueType::I64)
                        );
                        let bound =
                            Expr::cust_with_exprs(text, [Expr::val(sea_value(value.clone()))]);
                        compare_expr(rendered.clone(), rendered, *op, bound)
                    }
                    _ => {
                        let ordered = self.ordered_form(*expr, rendered.clone());
                        compare(rendered, ordered, *op, value)
                    }
                }
            }
            // `IN ()` is a syntax error; an empty list matches nothing.
            Condition::In(_, values) if values.is_empty() => Expr::cust("1 = 0"),
            Condition::In(column, values) => self.dialect.in_list(col(column), values),
            Condition::Like(column, pattern) => self.dialect.like(col(column), pattern, false),
            Condition::ILike(column, pattern) => self.dialect.like(col(column), pattern, true),
            Condition::IsNull(column) => col(column).is_null(),
            Condition::IsNotNull(column) => col(column).is_not_null(),
            Condition::And(_) | Condition::Or(_) => self.condition(condition)?.into(),
            Condition::Not(inner) => self.condition(inner)?.not().into(),
        })
    }
}

/// `plain <op> value`, with `ordered` (the same expression, compared by code point) for the
/// order comparisons.
fn compare(plain: Expr, ordered: Expr, op: CmpOp, value: &Value) -> Expr {
    compare_expr(plain, ordered, op, Expr::val(sea_value(value.clone())))
}

/// `plain <op> value` for an already rendered `value`.
fn compare_expr(plain: Expr, ordered: Expr, op: CmpOp, value: Expr) -> Expr {
    match op {
        CmpOp::Eq => plain.eq(value),
        CmpOp::Ne => plain.ne(value),
        CmpOp::Lt => ordered.lt(value),
        CmpOp::Le => ordered.lte(value),
        CmpOp::Gt => ordered.gt(value),
        CmpOp::Ge => ordered.gte(value),
    }
}

/// Whether a column of `ty` sums to an `i64`.
pub(super) fn is_integer(ty: ValueType) -> bool {
    matches!(ty, ValueType::I16 | ValueType::I32 | ValueType::I64)
}

/// LIMIT and OFFSET.
pub(super) fn page(select: &mut SelectStatement, limit: Option<u64>, offset: Option<u64>) {
    match (limit, offset) {
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
}
