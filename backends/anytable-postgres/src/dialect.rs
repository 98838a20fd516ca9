//! [`PostgresDialect`]: how PostgreSQL is made to answer like the other engines: text by code
//! point whatever the database's locale, `ilike` through ICU, IN lists as one array, the
//! statement's own clock.

use anytable_core::sea_query::Expr;
use anytable_core::sql::{sea_value, Dialect};
use anytable_core::{ColumnSchema, Value, ValueType};

/// PostgreSQL's root ICU collation: lowercases every script the same whatever the database's
/// locale (its "C" collation would lowercase ASCII only).
const ICU: &str = "\"und-x-icu\"";

/// PostgreSQL's spelling: standard SQL's defaults, plus what makes it agree with the others.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn declared_type(&self, column: &ColumnSchema) -> String {
        match column.ty {
            // Code-point order whatever the database's locale, so that ORDER BY and range
            // comparisons (which also say COLLATE "C") can use the column's indexes.
            ValueType::Text => "TEXT COLLATE \"C\"".to_owned(),
            ty => self.column_type(ty).to_owned(),
        }
    }

    fn type_aliases(&self) -> &'static [(&'static str, ValueType)] {
        &[
            ("INT2", ValueType::I16),
            ("INT4", ValueType::I32),
            ("INT8", ValueType::I64),
            ("FLOAT8", ValueType::F64),
            ("BOOL", ValueType::Bool),
            ("TIMESTAMP WITH TIME ZONE", ValueType::Timestamp),
            ("TIMESTAMP WITHOUT TIME ZONE", ValueType::DateTime),
            ("TIME WITHOUT TIME ZONE", ValueType::Time),
            ("CHARACTER VARYING", ValueType::Text),
            ("VARCHAR", ValueType::Text),
        ]
    }

    fn statement_time_sql(&self) -> Option<&'static str> {
        Some("statement_timestamp()")
    }

    fn default_now_sql(&self) -> &'static str {
        "statement_timestamp()"
    }

    fn ordered(&self, column: Expr, text: bool) -> Expr {
        if text {
            return Expr::cust_with_exprs("$1 COLLATE \"C\"", [column]);
        }
        column
    }

    fn in_list(&self, column: Expr, values: &[Value]) -> Expr {
        // One array parameter however long the list.
        let list = Expr::val(sea_value(Value::List(values.to_vec())));
        Expr::cust_with_exprs("$1 = ANY($2)", [column, list])
    }

    fn like(&self, column: Expr, pattern: &str, fold: bool) -> Expr {
        // Backslash is PostgreSQL's default LIKE escape.
        let text = if fold {
            format!("lower($1 COLLATE {ICU}) LIKE lower($2 COLLATE {ICU})")
        } else {
            "$1 LIKE $2".to_owned()
        };
        Expr::cust_with_exprs(text, [column, Expr::val(pattern)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anytable_core::sql::ALL_TYPES;

    #[test]
    fn declared_and_reported_types_read_back() {
        for ty in ALL_TYPES {
            assert_eq!(
                PostgresDialect.value_type_of(PostgresDialect.column_type(ty)),
                Some(ty)
            );
        }
        assert_eq!(PostgresDialect.value_type_of("int8"), Some(ValueType::I64));
        assert_eq!(
            PostgresDialect.value_type_of("timestamp with time zone"),
            Some(ValueType::Timestamp)
        );
    }
}
